//! One build at a time per output folder. A build holds an exclusive lock on a file beside the
//! folder (`.site.demarcate-lock` for `site/`) from before it reads the build cache until its
//! output is in place, so a second build into the same folder (another terminal, an editor's
//! save hook, two CI steps) waits for the first instead of comparing, replacing or deleting
//! files the first is still writing.
//!
//! The file exists only while a build holds it; a killed build's is taken over by the next one.
//! Removing a lock file is racy on its own: a build that opened it just before the holder removed
//! it would then lock a file that no longer has a name, beside a newcomer locking a new one. So a
//! build that gets the lock checks that the path still names the file it locked, and starts over
//! if not.
//!
//! The lock is a convenience, not a condition of building: where the file cannot be created or
//! the file system has no locks, the build goes on unguarded, as it did before there was a lock.

use std::fs::{File, OpenOptions, TryLockError};
use std::path::{Path, PathBuf};

/// Held for the whole build; unlocks and removes the lock file when dropped.
pub struct OutputLock {
    /// The lock file and the file open on it; `None` when the build goes on unguarded.
    held: Option<(PathBuf, File)>,
    /// Folders above the output this lock created, outermost first, removed again if still empty
    /// (the build failed before it wrote anything there).
    created: Vec<PathBuf>,
}

impl OutputLock {
    /// Takes the lock for the output folder `target`, calling `waiting` once with the lock file's
    /// path if another build holds it, then waiting until that build is done.
    pub fn acquire(target: &Path, waiting: &dyn Fn(&Path)) -> OutputLock {
        let path = lock_path(target);
        let mut waiting = Some(waiting);
        let mut created = Vec::new();
        loop {
            if let Some(parent) = path.parent() {
                created.extend(create_missing(parent));
            }
            let Ok(file) = OpenOptions::new().read(true).write(true).create(true).truncate(false).open(&path) else {
                return OutputLock { held: None, created };
            };
            match file.try_lock() {
                Ok(()) => {}
                Err(TryLockError::WouldBlock) => {
                    if let Some(waiting) = waiting.take() {
                        waiting(&path);
                    }
                    if file.lock().is_err() {
                        return OutputLock { held: None, created };
                    }
                }
                Err(TryLockError::Error(_)) => return OutputLock { held: None, created },
            }
            if still_named(&path, &file) {
                return OutputLock { held: Some((path, file)), created };
            }
            // The holder removed the file while this build waited on it: lock the new one.
        }
    }

    /// The lock file this build holds, if it holds one.
    pub fn path(&self) -> Option<&Path> {
        self.held.as_ref().map(|(path, _)| path.as_path())
    }
}

impl Drop for OutputLock {
    fn drop(&mut self) {
        if let Some((path, file)) = self.held.take() {
            // Removed while still locked, so that a build that opened it meanwhile finds it gone
            // once it gets the lock, and starts over. Windows removes no file open elsewhere; the
            // file stays there, which is harmless.
            if cfg!(unix) {
                let _ = std::fs::remove_file(&path);
            }
            drop(file);
        }
        for folder in self.created.iter().rev() {
            // Fails, as it should, once the build's output is in it.
            let _ = std::fs::remove_dir(folder);
        }
    }
}

/// `.NAME.demarcate-lock` beside the output folder `NAME`, named like its staging folders.
pub fn lock_path(target: &Path) -> PathBuf {
    crate::output::parent_of(target).join(format!(".{}.demarcate-lock", crate::output::output_name(target)))
}

/// Creates `folder` and any missing folders above it; returns those it created, outermost
/// first. A failure leaves it to opening the lock file to notice.
fn create_missing(folder: &Path) -> Vec<PathBuf> {
    let missing: Vec<PathBuf> =
        folder.ancestors().take_while(|f| !f.as_os_str().is_empty() && !f.exists()).map(Path::to_path_buf).collect();
    let _ = std::fs::create_dir_all(folder);
    missing.into_iter().rev().filter(|f| f.is_dir()).collect()
}

/// Whether `path` still names the file `file` has open.
#[cfg(unix)]
fn still_named(path: &Path, file: &File) -> bool {
    use std::os::unix::fs::MetadataExt;
    match (std::fs::metadata(path), file.metadata()) {
        (Ok(named), Ok(open)) => (named.dev(), named.ino()) == (open.dev(), open.ino()),
        _ => false,
    }
}

/// Elsewhere the file is never removed, so it is always the one named.
#[cfg(not(unix))]
fn still_named(_path: &Path, _file: &File) -> bool {
    true
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::mpsc;
    use std::time::Duration;

    #[test]
    fn a_second_build_waits_for_the_first_and_the_lock_file_goes_with_the_last() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("site");
        let first = OutputLock::acquire(&target, &|_| panic!("nobody else holds the lock"));
        let lock = dir.path().join(".site.demarcate-lock");
        assert_eq!(first.path(), Some(lock.as_path()));

        let (told, waited) = mpsc::channel();
        let (got, acquired) = mpsc::channel();
        let second = {
            let target = target.clone();
            std::thread::spawn(move || {
                let lock = OutputLock::acquire(&target, &|path| told.send(path.to_path_buf()).unwrap());
                got.send(()).unwrap();
                // Held a moment, so that the main thread sees the file while this one has it.
                std::thread::sleep(Duration::from_millis(100));
                assert!(lock.path().is_some_and(Path::exists), "the lock file is there while held");
            })
        };
        assert_eq!(waited.recv_timeout(Duration::from_secs(10)).unwrap(), lock, "the second build is told what it waits for");
        assert!(acquired.recv_timeout(Duration::from_millis(300)).is_err(), "the second build went on while the first held the lock");
        drop(first);
        acquired.recv_timeout(Duration::from_secs(10)).expect("the second build gets the lock once the first is done");
        second.join().unwrap();
        assert!(!lock.exists(), "the lock file is removed by the last build");
        assert!(!target.exists(), "taking the lock creates no output");
    }

    #[test]
    fn a_killed_builds_lock_file_is_taken_over_and_folders_created_for_it_go_again() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("out/deeper/site");
        // A lock file nobody holds, as a killed build leaves it.
        std::fs::create_dir_all(dir.path().join("out/deeper")).unwrap();
        std::fs::write(lock_path(&target), "").unwrap();
        let lock = OutputLock::acquire(&target, &|_| panic!("a lock file nobody holds is free"));
        assert!(lock.path().is_some());
        drop(lock);
        assert!(!dir.path().join("out/deeper/.site.demarcate-lock").exists());
        assert!(dir.path().join("out/deeper").is_dir(), "a folder the lock did not create stays");

        let fresh = dir.path().join("new/nested/site");
        drop(OutputLock::acquire(&fresh, &|_| {}));
        assert!(!dir.path().join("new").exists(), "folders made only for the lock are removed when the build made nothing there");
    }
}
