//! What a build left in its output folder: each file's size, modification time and inode, by
//! path. The build cache keeps them and the next warm build checks them before it trusts the
//! folder, so a file deleted or changed behind the build's back (a deploy that moves files out,
//! a clean-up script, a hand edit) is made again by a full build instead of staying lost.
//!
//! Files someone added are not looked at: they change nothing the build made.

use std::fs::Metadata;
use std::path::Path;
use std::sync::Mutex;

use serde::{Deserialize, Serialize};

/// A file as a build left it. The inode catches a file replaced by another of the same size
/// and time (`cp -p`, `rsync -a`); the time, one rewritten in place.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Serialize, Deserialize)]
pub struct FileStamp {
    len: u64,
    modified_ns: i128,
    inode: u64,
}

impl FileStamp {
    /// The stamp of a regular file; `None` for anything else.
    pub fn of(meta: &Metadata) -> Option<FileStamp> {
        if !meta.is_file() {
            return None;
        }
        let modified_ns = match meta.modified().ok()?.duration_since(std::time::UNIX_EPOCH) {
            Ok(after) => after.as_nanos() as i128,
            Err(before) => -(before.duration().as_nanos() as i128),
        };
        Some(FileStamp { len: meta.len(), modified_ns, inode: inode(meta) })
    }

    /// The stamp of the file at `path` (a symbolic link is not followed, and has none).
    pub fn read(path: &Path) -> Option<FileStamp> {
        FileStamp::of(&std::fs::symlink_metadata(path).ok()?)
    }
}

#[cfg(unix)]
fn inode(meta: &Metadata) -> u64 {
    std::os::unix::fs::MetadataExt::ino(meta)
}

#[cfg(not(unix))]
fn inode(_meta: &Metadata) -> u64 {
    0
}

/// The stamps of an output's files, sorted by path (`/`-separated, relative to the folder).
#[derive(Default, Debug, PartialEq, Serialize, Deserialize)]
pub struct OutputStamps(Vec<(String, FileStamp)>);

impl OutputStamps {
    /// Whether every file the stamps name is still as the build left it. About 1 µs a file,
    /// spread over the cores: 10 ms for the 12,500 files of 10,000 playbooks.
    pub fn intact(&self, output: &Path) -> bool {
        use rayon::prelude::*;
        self.0.par_iter().with_min_len(256).all(|(path, stamp)| FileStamp::read(&output.join(path)).as_ref() == Some(stamp))
    }

    /// These stamps after an update that deleted `removed` and wrote (or kept) `written`.
    pub fn updated(self, removed: &[String], written: OutputStamps) -> OutputStamps {
        let gone: crate::HashSet<&str> = removed.iter().map(String::as_str).chain(written.0.iter().map(|(p, _)| p.as_str())).collect();
        let mut all: Vec<(String, FileStamp)> = self.0.into_iter().filter(|(p, _)| !gone.contains(p.as_str())).collect();
        all.extend(written.0);
        all.sort_unstable_by(|a, b| a.0.cmp(&b.0));
        OutputStamps(all)
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

/// Collects the stamps of the files an output writes, from the threads writing them.
#[derive(Default)]
pub struct StampRecorder(Mutex<Vec<(String, FileStamp)>>);

impl StampRecorder {
    /// Notes the file just written (or found as it should be) at `path`, if it has a stamp.
    pub fn note(&self, path: &str, stamp: Option<FileStamp>) {
        let Some(stamp) = stamp else { return };
        match self.0.lock() {
            Ok(mut all) => all.push((path.to_string(), stamp)),
            Err(poisoned) => poisoned.into_inner().push((path.to_string(), stamp)),
        }
    }

    /// What was noted, sorted; for a path noted twice, the last note.
    pub fn take(&self) -> OutputStamps {
        let mut all = match self.0.lock() {
            Ok(mut all) => std::mem::take(&mut *all),
            Err(poisoned) => std::mem::take(&mut *poisoned.into_inner()),
        };
        // Stable, so that of two notes of one path the later stays last, and is kept.
        all.sort_by(|a, b| a.0.cmp(&b.0));
        all.reverse();
        all.dedup_by(|later, earlier| later.0 == earlier.0);
        all.reverse();
        OutputStamps(all)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stamps_notice_a_file_deleted_rewritten_or_replaced_and_ignore_one_added() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path();
        std::fs::create_dir_all(out.join("a")).unwrap();
        for p in ["a/index.html", "b.html", "c.html"] {
            std::fs::write(out.join(p), p).unwrap();
        }
        let recorder = StampRecorder::default();
        for p in ["b.html", "a/index.html"] {
            recorder.note(p, FileStamp::read(&out.join(p)));
        }
        recorder.note("missing.html", FileStamp::read(&out.join("missing.html")));
        // A path written twice (an asset over a generated page): the later note counts.
        let earlier = FileStamp { len: 1, modified_ns: 0, inode: 0 };
        recorder.note("c.html", Some(earlier));
        recorder.note("c.html", FileStamp::read(&out.join("c.html")));
        let stamps = recorder.take();
        assert_eq!(stamps.len(), 3, "only files with a stamp are noted, each once");
        assert!(stamps.intact(out));
        std::fs::write(out.join("added.html"), "mine").unwrap();
        assert!(stamps.intact(out), "a file someone added changes nothing the build made");

        std::fs::remove_file(out.join("b.html")).unwrap();
        assert!(!stamps.intact(out), "a deleted file");
        std::fs::write(out.join("b.html"), "b.html").unwrap();
        let rewritten = stamps.updated(&[], OutputStamps(vec![("b.html".into(), FileStamp::read(&out.join("b.html")).unwrap())]));
        assert!(rewritten.intact(out), "an update's own stamps replace the earlier ones");

        // Another file of the same size renamed over one (a new inode).
        std::fs::write(out.join("tmp"), "c.HTML").unwrap();
        std::fs::rename(out.join("tmp"), out.join("c.html")).unwrap();
        assert!(!rewritten.intact(out), "a file replaced by another of the same size");
        let without_c = rewritten.updated(&["c.html".into()], OutputStamps::default());
        assert_eq!(without_c.len(), 2);
        assert!(without_c.intact(out), "a file the update deleted is no longer checked");
    }
}
