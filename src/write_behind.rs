//! Write-behind for big builds: once a full build has written more than a threshold, each
//! further file is pushed to disk as soon as it is written and its pages are dropped from the
//! page cache once they are on disk (what `dd oflag=nocache` or `rsync --drop-cache` do).
//!
//! Why: a build of 100,000 playbooks writes ≈8 GB, far more than the kernel lets stay dirty, so
//! the build is throttled to disk speed anyway; left to itself the kernel also keeps all 8 GB
//! cached, evicting everything else the machine had cached, and on a virtual machine every page
//! of that cache is memory the host must hand over afresh, which costs several times the copy
//! itself. Dropping written pages keeps the cache small and recycles the same memory. Below the
//! threshold (every site up to ≈15,000 playbooks) nothing changes: files stay in the cache and
//! the kernel writes them back when it likes, which is fastest when the output fits.
//!
//! Files are handed to one thread that waits for their write-back and drops them, so the render
//! threads never wait for the disk; the hand-off queue is bounded, which throttles the build when
//! the disk falls behind. Linux only; elsewhere this does nothing.

use std::fs::File;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::{self, SyncSender};
use std::sync::{Mutex, OnceLock};
use std::thread::JoinHandle;

/// Output bytes written before write-behind starts: about a 15,000-playbook site.
const DEFAULT_THRESHOLD: u64 = 1 << 30;
/// Files written but not yet on disk and dropped: a few megabytes in flight per render thread.
const DEFAULT_QUEUE: usize = 256;

pub struct WriteBehind {
    written: AtomicU64,
    threshold: u64,
    queue: usize,
    sender: OnceLock<Mutex<Option<SyncSender<File>>>>,
    worker: Mutex<Option<JoinHandle<()>>>,
}

impl Default for WriteBehind {
    fn default() -> Self {
        WriteBehind {
            written: AtomicU64::new(0),
            threshold: DEFAULT_THRESHOLD,
            queue: DEFAULT_QUEUE,
            sender: OnceLock::new(),
            worker: Mutex::new(None),
        }
    }
}

impl WriteBehind {
    /// Write-behind that starts after `threshold` bytes, for tests of the outputs using it.
    #[cfg(test)]
    pub fn after(threshold: u64) -> Self {
        WriteBehind { threshold, ..Default::default() }
    }

    /// Called with each file just written (`len` bytes) and still open.
    pub fn written(&self, file: File, len: usize) {
        let before = self.written.fetch_add(len as u64, Ordering::Relaxed);
        if before + len as u64 <= self.threshold || !cfg!(target_os = "linux") {
            return;
        }
        start_write_back(&file);
        let sender = self.sender.get_or_init(|| Mutex::new(self.spawn()));
        // Cloned out of the lock so that render threads block on the bounded queue, not on
        // each other.
        let tx = sender.lock().ok().and_then(|s| s.clone());
        if let Some(tx) = tx {
            let _ = tx.send(file);
        }
    }

    fn spawn(&self) -> Option<SyncSender<File>> {
        let (tx, rx) = mpsc::sync_channel::<File>(self.queue);
        let handle =
            std::thread::Builder::new().name("write-behind".into()).spawn(move || rx.into_iter().for_each(|f| wait_and_drop(&f))).ok()?;
        if let Ok(mut w) = self.worker.lock() {
            *w = Some(handle);
        }
        Some(tx)
    }

    /// Waits until every handed-over file is on disk and dropped from the cache.
    pub fn finish(&self) {
        if let Some(sender) = self.sender.get()
            && let Ok(mut s) = sender.lock()
        {
            s.take();
        }
        if let Some(handle) = self.worker.lock().ok().and_then(|mut w| w.take()) {
            let _ = handle.join();
        }
    }
}

#[cfg(target_os = "linux")]
fn start_write_back(file: &File) {
    use std::os::fd::AsRawFd;
    // SAFETY: plain system calls on a file descriptor this function borrows; errors only mean
    // the kernel writes the pages back later, as it would have anyway.
    unsafe {
        libc::sync_file_range(file.as_raw_fd(), 0, 0, libc::SYNC_FILE_RANGE_WRITE);
    }
}

#[cfg(target_os = "linux")]
fn wait_and_drop(file: &File) {
    use std::os::fd::AsRawFd;
    let fd = file.as_raw_fd();
    // SAFETY: as above; the descriptor stays open for the duration of both calls.
    unsafe {
        let all = libc::SYNC_FILE_RANGE_WAIT_BEFORE | libc::SYNC_FILE_RANGE_WRITE | libc::SYNC_FILE_RANGE_WAIT_AFTER;
        if libc::sync_file_range(fd, 0, 0, all) == 0 {
            libc::posix_fadvise(fd, 0, 0, libc::POSIX_FADV_DONTNEED);
        }
    }
}

#[cfg(not(target_os = "linux"))]
fn start_write_back(_: &File) {}

#[cfg(not(target_os = "linux"))]
fn wait_and_drop(_: &File) {}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    #[test]
    fn files_handed_over_past_the_threshold_keep_their_content() {
        let dir = tempfile::tempdir().unwrap();
        let wb = WriteBehind { threshold: 10_000, queue: 4, ..Default::default() };
        let files: Vec<(std::path::PathBuf, Vec<u8>)> =
            (0..40).map(|i| (dir.path().join(format!("f{i}.html")), format!("<p>{i}</p>").repeat(100 + i).into_bytes())).collect();
        std::thread::scope(|s| {
            for chunk in files.chunks(10) {
                let wb = &wb;
                s.spawn(move || {
                    for (path, bytes) in chunk {
                        let mut f = File::create(path).unwrap();
                        f.write_all(bytes).unwrap();
                        wb.written(f, bytes.len());
                    }
                });
            }
        });
        assert!(wb.written.load(Ordering::Relaxed) > wb.threshold, "the test must cross the threshold");
        assert_eq!(wb.sender.get().is_some(), cfg!(target_os = "linux"), "the write-behind thread starts past the threshold");
        wb.finish();
        assert!(wb.worker.lock().unwrap().is_none());
        for (path, bytes) in &files {
            assert_eq!(&std::fs::read(path).unwrap(), bytes, "{}", path.display());
        }
        // Finishing twice (commit after a failed hand-over, say) is harmless.
        wb.finish();
    }

    #[test]
    fn below_the_threshold_nothing_starts() {
        let dir = tempfile::tempdir().unwrap();
        let wb = WriteBehind { threshold: 1 << 20, ..Default::default() };
        let path = dir.path().join("small.html");
        std::fs::write(&path, b"<p>small</p>").unwrap();
        wb.written(File::open(&path).unwrap(), 12);
        assert!(wb.sender.get().is_none());
        wb.finish();
        assert_eq!(std::fs::read(&path).unwrap(), b"<p>small</p>");
    }
}
