//! Opening a path for reading only when it is a regular file. A named pipe opened for reading
//! waits for a writer, so the open itself must not wait: on Unix it does not block, and the type
//! is checked on the open handle (no race with a swap between a check and the open) before
//! anything is read. Used wherever a path may not be what the build expects: a diagnostic's file
//! shown with its lines, a page `serve` reads again after an edit, an output file compared with
//! what a build would write.

use std::fs::{File, Metadata};
use std::path::Path;

/// `path` open for reading, with its metadata, when it is a regular file; a symbolic link is
/// followed only when `follow_links`.
pub fn open(path: &Path, follow_links: bool) -> Option<(File, Metadata)> {
    let mut options = std::fs::OpenOptions::new();
    options.read(true);
    #[cfg(unix)]
    {
        let flags = libc::O_NONBLOCK | if follow_links { 0 } else { libc::O_NOFOLLOW };
        std::os::unix::fs::OpenOptionsExt::custom_flags(&mut options, flags);
    }
    #[cfg(not(unix))]
    {
        let meta = if follow_links { std::fs::metadata(path) } else { std::fs::symlink_metadata(path) };
        if !meta.is_ok_and(|m| m.is_file()) {
            return None;
        }
    }
    let file = options.open(path).ok()?;
    let meta = file.metadata().ok().filter(|m| m.is_file())?;
    Some((file, meta))
}

/// The text of `path` (links followed) when it is a regular file of UTF-8.
pub fn read_text(path: &Path) -> Option<String> {
    use std::io::Read;
    let (mut file, meta) = open(path, true)?;
    let mut text = String::with_capacity(meta.len() as usize);
    file.read_to_string(&mut text).ok()?;
    Some(text)
}

/// How much of a file [`read_if_text`] reads to tell text from anything else.
const SNIFFED: u64 = 8192;

/// [`read_text`] for a file that may well not be text: the first 8 KiB are read first, and a
/// file whose beginning holds a NUL or is not UTF-8 (an image, a PDF, an archive, a video) is
/// not read further.
pub fn read_if_text(path: &Path) -> Option<String> {
    use std::io::Read;
    let (mut file, meta) = open(path, true)?;
    let mut bytes = Vec::with_capacity(SNIFFED as usize);
    (&mut file).take(SNIFFED).read_to_end(&mut bytes).ok()?;
    // A character cut by the 8 KiB mark is not an error.
    let head_is_text = !bytes.contains(&0) && std::str::from_utf8(&bytes).map_or_else(|e| e.error_len().is_none(), |_| true);
    if !head_is_text {
        return None;
    }
    // Room for the rest only now: a large binary file costs no allocation of its size.
    bytes.reserve((meta.len() as usize).saturating_sub(bytes.len()));
    file.read_to_end(&mut bytes).ok()?;
    String::from_utf8(bytes).ok().filter(|text| !text.contains('\0'))
}

#[cfg(test)]
mod tests {
    #[test]
    fn only_utf8_text_without_nul_is_read_and_a_binary_file_only_to_8_kib() {
        use super::read_if_text;
        let dir = tempfile::tempdir().unwrap();
        let write = |name: &str, bytes: &[u8]| {
            let path = dir.path().join(name);
            std::fs::write(&path, bytes).unwrap();
            path
        };
        assert_eq!(read_if_text(&write("a.csv", b"team,phone\r\nhelp desk,555\r\n")).as_deref(), Some("team,phone\r\nhelp desk,555\r\n"));
        assert!(read_if_text(&write("a.png", b"\x89PNG\r\n\x1a\n\0Beta Ltd")).is_none());
        assert!(read_if_text(&write("a.pdf", b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\nBeta Ltd")).is_none());
        // A two-byte character cut by the 8 KiB mark; a NUL or a bad byte only after it.
        let mut long = vec![b'a'; 8191];
        long.extend("é and Beta Ltd".as_bytes());
        assert!(read_if_text(&write("long.txt", &long)).is_some_and(|t| t.ends_with("Beta Ltd")));
        long.push(0);
        assert!(read_if_text(&write("late-nul.txt", &long)).is_none());
        long.pop();
        long.push(0xff);
        assert!(read_if_text(&write("late-bad.txt", &long)).is_none());
    }

    #[cfg(unix)]
    #[test]
    fn a_named_pipe_is_not_opened_and_a_linked_file_only_when_links_are_followed() {
        use super::{open, read_text};
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("page.md");
        std::fs::write(&file, "# Page\n").unwrap();
        let link = dir.path().join("link.md");
        std::os::unix::fs::symlink(&file, &link).unwrap();
        let pipe = dir.path().join("pipe.md");
        let c = std::ffi::CString::new(pipe.clone().into_os_string().into_encoded_bytes()).unwrap();
        // SAFETY: a valid NUL-terminated path.
        assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o644) }, 0);
        assert_eq!(read_text(&file).as_deref(), Some("# Page\n"));
        assert_eq!(read_text(&link).as_deref(), Some("# Page\n"));
        assert!(open(&link, false).is_none(), "a link is not followed unless asked");
        assert!(read_text(&pipe).is_none() && open(&pipe, false).is_none(), "a pipe is refused without waiting for a writer");
        assert!(read_text(&dir.path().join("missing.md")).is_none());
    }
}
