//! Read-ahead for a content folder the page cache does not hold: the kernel is asked to read
//! every source file at once, so a build reads a cold folder at the disk's speed rather than
//! one file per loader thread at a time.
//!
//! Why: the loader reads each file where it parses it, on as many threads as there are cores.
//! With the files cached that is all it needs; from disk, each read waits for its request, so
//! two threads keep two requests in flight and a cold folder is read at the disk's latency, not
//! its bandwidth. Measured on the 10,000-playbook corpus with the caches dropped while the disk
//! was busy (freeing an 8.5 GB output tree just deleted), reading and parsing took 1.07–1.17 s
//! that way and 0.35–0.39 s with every file's read-ahead started beside them (0.27–0.31 s cached).
//! With a quiet disk whose host had the files cached, the two were within the noise of each
//! other (0.34–0.57 s and 0.33–0.51 s): the gain is where a request is slow, as on a cloud
//! volume or a disk other work is using.
//!
//! A few files, spread over the list, are tested first without blocking (`RWF_NOWAIT`); when
//! they are all cached nothing more is done, so a warm build pays a few system calls. Linux
//! only; elsewhere this does nothing.

use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};

/// Files tested for being cached before deciding to read ahead.
const SAMPLE: usize = 16;

/// Starts the kernel reading `files` into the page cache unless a sample shows them cached.
/// Runs on the calling thread (the loader gives it one of its own): each file is opened and
/// its read-ahead started, without waiting for it. Stops early once `done` is set (the loader
/// has read every file).
pub fn files(files: &[(PathBuf, String)], done: &AtomicBool) {
    if files.is_empty() || sample_cached(files) {
        return;
    }
    for (path, _) in files {
        if done.load(Ordering::Relaxed) {
            return;
        }
        if let Ok(file) = std::fs::File::open(path) {
            start(&file);
        }
    }
}

/// Whether every sampled file's first page is in the page cache.
fn sample_cached(files: &[(PathBuf, String)]) -> bool {
    let step = files.len().div_ceil(SAMPLE);
    files.iter().step_by(step).all(|(path, _)| std::fs::File::open(path).is_ok_and(|f| first_page_cached(&f)))
}

#[cfg(target_os = "linux")]
fn first_page_cached(file: &std::fs::File) -> bool {
    use std::os::fd::AsRawFd;
    let mut byte = 0u8;
    let iov = libc::iovec { iov_base: (&mut byte as *mut u8).cast(), iov_len: 1 };
    // SAFETY: one read of at most one byte into `byte`, which outlives the call. With
    // `RWF_NOWAIT` the kernel returns EAGAIN instead of reading from the disk; a kernel or file
    // system without it returns another error, taken as "not cached" (reading ahead then costs
    // a few milliseconds, not a wrong result).
    let n = unsafe { libc::preadv2(file.as_raw_fd(), &iov, 1, 0, libc::RWF_NOWAIT) };
    n >= 0
}

#[cfg(target_os = "linux")]
fn start(file: &std::fs::File) {
    use std::os::fd::AsRawFd;
    // SAFETY: a hint on a descriptor this function borrows; the kernel queues the reads and
    // returns. An error only means the file is read when parsed, as it would have been anyway.
    unsafe {
        libc::posix_fadvise(file.as_raw_fd(), 0, 0, libc::POSIX_FADV_WILLNEED);
    }
}

#[cfg(not(target_os = "linux"))]
fn first_page_cached(_: &std::fs::File) -> bool {
    true
}

#[cfg(not(target_os = "linux"))]
fn start(_: &std::fs::File) {}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    fn write_pages(dir: &std::path::Path, n: usize) -> Vec<(PathBuf, String)> {
        (0..n)
            .map(|i| {
                let path = dir.join(format!("p{i}.md"));
                std::fs::write(&path, format!("---\ntitle: {i}\n---\nBody {i}\n").repeat(200)).unwrap();
                (path, format!("p{i}.md"))
            })
            .collect()
    }

    /// Files just written are in the page cache: the sample finds them there, so a warm build
    /// does not read ahead.
    #[test]
    fn files_just_written_are_found_cached() {
        let dir = tempfile::tempdir().unwrap();
        let files = write_pages(dir.path(), 40);
        assert!(sample_cached(&files));
        // Reading ahead cached files, or files that vanished, changes nothing and does not fail.
        super::files(&files, &AtomicBool::new(false));
        let gone = vec![(dir.path().join("gone.md"), "gone.md".to_string())];
        assert!(!sample_cached(&gone));
        super::files(&gone, &AtomicBool::new(false));
    }

    /// Whether every page of the file is in the page cache, asked without reading it (`mincore`
    /// on a mapping): the sample's own test read starts the reading of the files it samples.
    /// (Also used by `write_behind`'s tests.)
    #[cfg(target_os = "linux")]
    pub(crate) fn resident(path: &std::path::Path) -> bool {
        use std::os::fd::AsRawFd;
        let f = std::fs::File::open(path).unwrap();
        let len = f.metadata().unwrap().len() as usize;
        // SAFETY: a query with no arguments.
        let page_size = unsafe { libc::sysconf(libc::_SC_PAGESIZE) } as usize;
        let pages = len.div_ceil(page_size);
        let mut vec = vec![0u8; pages];
        // SAFETY: a read-only mapping of `len` bytes of an open file, unmapped before returning;
        // `mincore` writes one byte per page into `vec`, which has that many.
        unsafe {
            let map = libc::mmap(std::ptr::null_mut(), len, libc::PROT_READ, libc::MAP_SHARED, f.as_raw_fd(), 0);
            assert_ne!(map, libc::MAP_FAILED);
            let rc = libc::mincore(map, len, vec.as_mut_ptr());
            libc::munmap(map, len);
            assert_eq!(rc, 0);
        }
        vec.iter().all(|b| b & 1 == 1)
    }

    /// Writes the file's pages to disk and drops them from the page cache; false where the file
    /// system keeps them cached anyway (tmpfs). (Also used by `write_behind`'s tests.)
    #[cfg(target_os = "linux")]
    pub(crate) fn drop_from_cache(path: &std::path::Path) -> bool {
        use std::os::fd::AsRawFd;
        let f = std::fs::File::open(path).unwrap();
        f.sync_all().unwrap();
        // SAFETY: a hint on an open descriptor: clean pages leave the cache.
        unsafe { libc::posix_fadvise(f.as_raw_fd(), 0, 0, libc::POSIX_FADV_DONTNEED) };
        !resident(path)
    }

    /// Files dropped from the cache are found missing, and reading ahead brings every one of
    /// them back (not only those the sample touched) without anyone reading them.
    #[cfg(target_os = "linux")]
    #[test]
    fn files_dropped_from_the_cache_are_read_ahead() {
        let dir = tempfile::tempdir().unwrap();
        let files = write_pages(dir.path(), 40);
        if !files.iter().all(|(path, _)| drop_from_cache(path)) {
            eprintln!("skipped: the temporary folder's file system keeps its pages cached");
            return;
        }
        assert!(!sample_cached(&files));
        // Once the loader has read every file, nothing more is started (the sample tests every
        // third file here, so the second is one no one has touched).
        super::files(&files, &AtomicBool::new(true));
        assert!(!resident(&files[1].0));
        super::files(&files, &AtomicBool::new(false));
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
        while !files.iter().all(|(path, _)| resident(path)) {
            assert!(std::time::Instant::now() < deadline, "the read-ahead did not bring every file back into the cache");
            std::thread::sleep(std::time::Duration::from_millis(5));
        }
    }
}
