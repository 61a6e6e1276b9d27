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
//! Files are handed to one thread that starts their write-back, waits for it and drops them, so
//! the render threads never wait for the disk; the hand-off queue is bounded, which throttles the
//! build when the disk falls behind. The thread polls the queue and keeps the last few dozen files
//! in hand, so it seldom sleeps on a write-back still in flight and no send has to wake it. Linux
//! only; elsewhere this does nothing.

use std::fs::File;
use std::io::{self, Write};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::{self, SyncSender};
use std::sync::{Mutex, OnceLock};
use std::thread::JoinHandle;

/// Output bytes written before write-behind starts: about a 15,000-playbook site.
pub const DEFAULT_THRESHOLD: u64 = 1 << 30;
/// Files written but not yet on disk and dropped: a few megabytes in flight per render thread.
const DEFAULT_QUEUE: usize = 256;

pub struct WriteBehind {
    written: AtomicU64,
    threshold: u64,
    queue: usize,
    /// The hand-off queue and the thread draining it, started with the first file past the
    /// threshold; `None` once finished (or if no thread could be started).
    worker: OnceLock<Mutex<Option<Worker>>>,
}

/// The hand-off queue's sending end and the thread at its other end.
type Worker = (SyncSender<File>, JoinHandle<()>);

impl Default for WriteBehind {
    fn default() -> Self {
        WriteBehind { written: AtomicU64::new(0), threshold: DEFAULT_THRESHOLD, queue: DEFAULT_QUEUE, worker: OnceLock::new() }
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
        if self.count(len as u64) {
            self.hand_over(file);
        }
    }

    /// Adds `len` written bytes; whether the build is now past the threshold.
    fn count(&self, len: u64) -> bool {
        let before = self.written.fetch_add(len, Ordering::Relaxed);
        before + len > self.threshold && cfg!(target_os = "linux")
    }

    /// Queues a written file, to be written back and dropped.
    fn hand_over(&self, file: File) {
        let worker = self.worker.get_or_init(|| Mutex::new(self.spawn()));
        // Cloned out of the lock so that render threads block on the bounded queue, not on
        // each other.
        let tx = worker.lock().ok().and_then(|w| w.as_ref().map(|(tx, _)| tx.clone()));
        if let Some(tx) = tx {
            let _ = tx.send(file);
        }
    }

    /// A writer for one large file (an export) that, past the threshold, writes behind every
    /// few megabytes instead of once at the end. Call [`Streamed::finish`] when done.
    pub fn streamed(&self, file: File) -> Streamed<'_> {
        Streamed { file, behind: self, written: 0, started: 0, dropped: 0 }
    }

    fn spawn(&self) -> Option<Worker> {
        let (tx, rx) = mpsc::sync_channel::<File>(self.queue);
        let handle = std::thread::Builder::new().name("write-behind".into()).spawn(move || drain(rx)).ok()?;
        Some((tx, handle))
    }

    /// Waits until every handed-over file is on disk and dropped from the cache.
    pub fn finish(&self) {
        let worker = self.worker.get().and_then(|w| w.lock().ok()?.take());
        if let Some((tx, handle)) = worker {
            // The thread ends once the queue is closed and drained.
            drop(tx);
            let _ = handle.join();
        }
    }
}

/// Files the write-behind thread holds before it waits for the oldest: that file's write-back
/// started this many files ago and has usually finished, so the wait seldom has to sleep.
const LAG: usize = 64;
/// How long the thread naps when nothing it holds is due. It polls rather than blocks on the
/// queue: a blocked receiver is woken by every send, and it then slept on a write-back just
/// started (184,000-279,000 context switches in a 100,000-playbook build, 46,000-87,000 polling).
const NAP: std::time::Duration = std::time::Duration::from_millis(2);

/// The write-behind thread: takes files off the queue and starts each one's write-back, and
/// once more than [`LAG`] are held, waits for the oldest to be on disk and drops it; when the
/// queue closes, does the same for every file left.
///
/// Why this thread starts the write-backs rather than the render threads that wrote the files:
/// the render threads then do not contend for ext4's block allocator, and a virtual disk still
/// busy with one request needs no fresh notification for the next. Three alternating pairs of
/// 100,000-playbook builds on this 2-core VM: median wall 17.7 s before, 16.7 s after (one pair
/// the other way; kernel time the same); involuntary context switches 55,500-64,400 before,
/// 8,100-9,300 after.
fn drain(rx: mpsc::Receiver<File>) {
    let mut held = std::collections::VecDeque::new();
    loop {
        let open = take_more(&rx, &mut held, HELD_AT_MOST);
        let keep = if open { LAG } else { 0 };
        let due = held.len().saturating_sub(keep);
        for file in held.drain(..due) {
            wait_and_drop(&file, 0, 0);
        }
        if !open {
            return;
        }
        if due == 0 {
            std::thread::sleep(NAP);
        }
    }
}

/// Files the write-behind thread holds at most: [`LAG`] waiting their turn and as many again
/// taken off the queue since.
const HELD_AT_MOST: usize = 2 * LAG;

/// Takes files off the queue, starting each one's write-back, until the queue is empty or `cap`
/// files are held; whether the queue is still open (as far as it has looked).
///
/// Why the cap: writers quicker than this thread never let the queue run empty, so without it
/// the files held, each an open descriptor with its pages, would grow without bound (a bare
/// write loop of 100,000 playbooks' files ran out of descriptors at 20,000).
fn take_more(rx: &mpsc::Receiver<File>, held: &mut std::collections::VecDeque<File>, cap: usize) -> bool {
    while held.len() < cap {
        match rx.try_recv() {
            Ok(file) => {
                start_write_back(&file, 0, 0);
                held.push_back(file);
            }
            Err(mpsc::TryRecvError::Empty) => return true,
            Err(mpsc::TryRecvError::Disconnected) => return false,
        }
    }
    true
}

/// Bytes of a streamed file between two write-behind steps.
const STREAM_CHUNK: u64 = 8 << 20;

/// See [`WriteBehind::streamed`]. Each chunk's write-back starts when it is complete, and the
/// chunks before it are waited for and dropped then, so one chunk is in flight at a time.
pub struct Streamed<'a> {
    file: File,
    behind: &'a WriteBehind,
    written: u64,
    /// Where the chunk being written began.
    started: u64,
    /// Everything before this offset is on disk and out of the cache.
    dropped: u64,
}

impl Write for Streamed<'_> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let n = self.file.write(buf)?;
        self.written += n as u64;
        if self.written - self.started >= STREAM_CHUNK {
            let chunk = self.written - self.started;
            if self.behind.count(chunk) {
                if self.started > self.dropped {
                    wait_and_drop(&self.file, self.dropped, self.started - self.dropped);
                }
                self.dropped = self.started;
                start_write_back(&self.file, self.started, chunk);
            } else {
                // Below the threshold chunks stay in the cache, like any small build's files.
                self.dropped = self.written;
            }
            self.started = self.written;
        }
        Ok(n)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.file.flush()
    }
}

impl Streamed<'_> {
    /// Hands the finished file to the write-behind thread (past the threshold) or closes it.
    pub fn finish(self) {
        if self.behind.count(self.written - self.started) {
            self.behind.hand_over(self.file);
        }
    }
}

/// Starts writing `len` bytes from `offset` back (0: to the end of the file).
#[cfg(target_os = "linux")]
fn start_write_back(file: &File, offset: u64, len: u64) {
    use std::os::fd::AsRawFd;
    // SAFETY: plain system calls on a file descriptor this function borrows; errors only mean
    // the kernel writes the pages back later, as it would have anyway.
    unsafe {
        libc::sync_file_range(file.as_raw_fd(), offset as libc::off64_t, len as libc::off64_t, libc::SYNC_FILE_RANGE_WRITE);
    }
}

/// Waits until `len` bytes from `offset` (0: to the end of the file) are on disk and drops
/// them from the page cache.
#[cfg(target_os = "linux")]
fn wait_and_drop(file: &File, offset: u64, len: u64) {
    use std::os::fd::AsRawFd;
    let fd = file.as_raw_fd();
    // SAFETY: as above; the descriptor stays open for the duration of both calls.
    unsafe {
        let all = libc::SYNC_FILE_RANGE_WAIT_BEFORE | libc::SYNC_FILE_RANGE_WRITE | libc::SYNC_FILE_RANGE_WAIT_AFTER;
        if libc::sync_file_range(fd, offset as libc::off64_t, len as libc::off64_t, all) == 0 {
            libc::posix_fadvise(fd, offset as libc::off_t, len as libc::off_t, libc::POSIX_FADV_DONTNEED);
        }
    }
}

#[cfg(not(target_os = "linux"))]
fn start_write_back(_: &File, _: u64, _: u64) {}

#[cfg(not(target_os = "linux"))]
fn wait_and_drop(_: &File, _: u64, _: u64) {}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    #[test]
    fn files_handed_over_past_the_threshold_keep_their_content() {
        let dir = tempfile::tempdir().unwrap();
        let wb = WriteBehind { threshold: 10_000, queue: 4, ..Default::default() };
        let files: Vec<(std::path::PathBuf, Vec<u8>)> =
            // More files than the thread holds back, so it waits for some while the queue is open.
            (0..LAG * 3).map(|i| (dir.path().join(format!("f{i}.html")), format!("<p>{i}</p>").repeat(100 + i).into_bytes())).collect();
        std::thread::scope(|s| {
            for chunk in files.chunks(LAG / 2) {
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
        assert_eq!(wb.worker.get().is_some(), cfg!(target_os = "linux"), "the write-behind thread starts past the threshold");
        wb.finish();
        assert!(wb.worker.get().is_none_or(|w| w.lock().unwrap().is_none()), "finished: the thread was joined");
        for (path, bytes) in &files {
            assert_eq!(&std::fs::read(path).unwrap(), bytes, "{}", path.display());
        }
        // Finishing twice (commit after a failed hand-over, say) is harmless.
        wb.finish();
    }

    #[test]
    fn a_streamed_file_written_behind_chunk_by_chunk_keeps_its_content_and_counts_every_byte() {
        let dir = tempfile::tempdir().unwrap();
        // Past the threshold after the first chunk, so later chunks are written behind.
        let wb = WriteBehind::after(STREAM_CHUNK + 1);
        let path = dir.path().join("ownership.json");
        let piece: Vec<u8> = (0..100_003u32).map(|i| (i % 251) as u8).collect();
        let mut out = std::io::BufWriter::with_capacity(1 << 20, wb.streamed(File::create(&path).unwrap()));
        for _ in 0..300 {
            out.write_all(&piece).unwrap();
        }
        out.flush().unwrap();
        out.into_inner().map_err(|e| e.into_error()).unwrap().finish();
        wb.finish();
        assert_eq!(wb.written.load(Ordering::Relaxed), 300 * piece.len() as u64, "every byte counted once");
        let back = std::fs::read(&path).unwrap();
        assert_eq!(back.len(), 300 * piece.len());
        assert!(back.chunks(piece.len()).all(|c| c == piece.as_slice()));
    }

    /// What write-behind is for: files past the threshold are on disk and out of the page cache
    /// once the build finishes; those before it stay cached, as in any small build.
    #[cfg(target_os = "linux")]
    #[test]
    fn files_past_the_threshold_leave_the_page_cache_and_files_before_it_stay() {
        use crate::read_ahead::tests::{drop_from_cache, resident};
        let dir = tempfile::tempdir().unwrap();
        let probe = dir.path().join("probe.html");
        std::fs::write(&probe, vec![b'p'; 8192]).unwrap();
        if !drop_from_cache(&probe) {
            eprintln!("skipped: the temporary folder's file system keeps its pages cached");
            return;
        }
        // Four 8 KB files fill the threshold; the rest are past it.
        let wb = WriteBehind::after(4 * 8192);
        let paths: Vec<_> = (0..LAG * 2).map(|i| dir.path().join(format!("f{i}.html"))).collect();
        for (i, path) in paths.iter().enumerate() {
            let bytes = vec![b'a' + (i % 26) as u8; 8192];
            let mut f = File::create(path).unwrap();
            f.write_all(&bytes).unwrap();
            wb.written(f, bytes.len());
        }
        wb.finish();
        let (before, past) = paths.split_at(4);
        assert!(before.iter().all(|p| resident(p)), "files before the threshold stay cached");
        let cached: Vec<_> = past.iter().filter(|p| resident(p)).collect();
        assert!(cached.is_empty(), "{} of {} files written behind are still cached, the first {:?}", cached.len(), past.len(), cached[0]);
        for (i, path) in paths.iter().enumerate() {
            assert_eq!(std::fs::read(path).unwrap(), vec![b'a' + (i % 26) as u8; 8192], "{}", path.display());
        }
    }

    /// The thread takes no more files than it may hold, however full the queue, and reports the
    /// queue closed only once it has taken everything.
    #[test]
    fn the_write_behind_thread_holds_at_most_its_cap() {
        let dir = tempfile::tempdir().unwrap();
        let (tx, rx) = mpsc::sync_channel(16);
        for i in 0..10 {
            tx.send(File::create(dir.path().join(format!("f{i}"))).unwrap()).unwrap();
        }
        let mut held = std::collections::VecDeque::new();
        assert!(take_more(&rx, &mut held, 4));
        assert_eq!(held.len(), 4);
        drop(tx);
        assert!(take_more(&rx, &mut held, 4), "at the cap it does not look further");
        held.clear();
        assert!(!take_more(&rx, &mut held, 100), "closed once all is taken");
        assert_eq!(held.len(), 6);
    }

    #[test]
    fn below_the_threshold_nothing_starts() {
        let dir = tempfile::tempdir().unwrap();
        let wb = WriteBehind { threshold: 1 << 20, ..Default::default() };
        let path = dir.path().join("small.html");
        std::fs::write(&path, b"<p>small</p>").unwrap();
        wb.written(File::open(&path).unwrap(), 12);
        assert!(wb.worker.get().is_none());
        wb.finish();
        assert_eq!(std::fs::read(&path).unwrap(), b"<p>small</p>");
    }
}
