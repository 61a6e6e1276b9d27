//! Control characters in sources: a page or registry holding one (raw in the file, or written
//! with a YAML escape such as `"\x00"`) is an error with its place, never HTML with the
//! character in it. HTML cannot show one: the parser reports each as an error, and a NUL
//! becomes U+FFFD in some browsers and ends the text in tools that read C strings.
//!
//! Tab, line feed, form feed and carriage return are white space, not controls, here as in HTML.

use crate::diagnostics::{Diagnostic, Pos};
use crate::yaml_pos::YamlIndex;

pub const CODE: &str = "control-character";

/// Whether `c` is a control character HTML does not allow: C0 but for white space, DEL, C1.
pub fn is_forbidden(c: char) -> bool {
    matches!(c, '\0'..='\u{8}' | '\u{b}' | '\u{e}'..='\u{1f}' | '\u{7f}'..='\u{9f}')
}

/// The byte ranges of `b`, 32 at a time, that hold anything but printable ASCII and `\n`. Text
/// is nearly all printable ASCII, so most blocks are passed over with a branch-free test the
/// compiler vectorises, and only the rest need looking at byte by byte (a byte-wise scan of
/// the front-matter alone was 5 % of a build).
pub fn unusual_blocks(b: &[u8]) -> impl Iterator<Item = std::ops::Range<usize>> + '_ {
    const BLOCK: usize = 32;
    b.chunks(BLOCK).enumerate().filter_map(|(k, block)| {
        let plain = block.iter().fold(true, |plain, &c| plain & ((0x20..0x7f).contains(&c) | (c == b'\n')));
        (!plain).then(|| k * BLOCK..k * BLOCK + block.len())
    })
}

/// Whether the bytes may hold a forbidden control (a C1 control is `0xC2` then `0x80..=0x9F`
/// in UTF-8).
fn may_hold(b: &[u8]) -> bool {
    unusual_blocks(b).any(|range| {
        range.into_iter().any(|i| match b[i] {
            b'\t' | b'\n' | 0x0c | b'\r' => false,
            0..=0x1f | 0x7f => true,
            0xc2 => matches!(b.get(i + 1), Some(0x80..=0x9f)),
            _ => false,
        })
    })
}

/// Each forbidden control written raw in `text`, with its 1-based line and column
/// (`first_line` is the line `text` starts on).
pub fn raw_controls(text: &str, first_line: usize) -> Vec<(Pos, char)> {
    if !may_hold(text.as_bytes()) {
        return Vec::new();
    }
    let (mut line, mut line_start) = (first_line, 0);
    let mut found = Vec::new();
    for (at, c) in text.char_indices() {
        if c == '\n' {
            line += 1;
            line_start = at + 1;
        } else if is_forbidden(c) {
            found.push((Pos { line, column: text[line_start..at].chars().count() + 1, width: 1 }, c));
        }
    }
    found
}

/// `text` with each forbidden control shown as U+FFFD, for a terminal: a control quoted raw
/// would be invisible, and an escape (U+001B) would be obeyed by the terminal.
pub fn visible(text: &str) -> std::borrow::Cow<'_, str> {
    if text.chars().any(is_forbidden) {
        text.chars().map(|c| if is_forbidden(c) { char::REPLACEMENT_CHARACTER } else { c }).collect::<String>().into()
    } else {
        text.into()
    }
}

/// [`visible`] for text already owned: returned as it is when it holds no control.
pub fn made_visible(text: String) -> String {
    match visible(&text) {
        std::borrow::Cow::Owned(shown) => shown,
        std::borrow::Cow::Borrowed(_) => text,
    }
}

/// The diagnostic for a control written raw in `file`'s text.
pub fn raw_error(file: &str, pos: Pos, c: char) -> Diagnostic {
    Diagnostic::error(CODE, file, format!("a control character ({}) in the text, which a web page cannot show", code_point(c)))
        .at(pos)
        .help("delete it: it is invisible in most editors, and often comes with text pasted from a word processor")
}

/// Controls that YAML escapes in double-quoted strings wrote into the values of `yaml` (the
/// front-matter of `file`, or a whole registry file, starting on `first_line`). Only text with
/// a backslash can hold one once its raw controls are ruled out, so other text costs one scan.
pub fn escaped_errors(file: &str, yaml: &str, first_line: usize) -> Vec<Diagnostic> {
    if !yaml.contains('\\') {
        return Vec::new();
    }
    let Ok(value) = serde_yaml::from_str::<serde_yaml::Value>(yaml) else {
        // Unreadable YAML is reported by the reader of the file.
        return Vec::new();
    };
    let mut found = Vec::new();
    find_in(&value, &mut Vec::new(), &mut found);
    if found.is_empty() {
        return Vec::new();
    }
    let index = YamlIndex::new(yaml, first_line);
    found
        .into_iter()
        .map(|(path, c)| {
            let segments: Vec<&str> = path.iter().map(String::as_str).collect();
            Diagnostic::error(
                CODE,
                file,
                format!("`{}` holds a control character ({}), which a web page cannot show", dotted(&path), code_point(c)),
            )
            .at(index.key(&segments))
            .help("an escape in a double-quoted string wrote it (`\\0`, `\\x00`, `\\u0000`, `\\e`, …): remove the escape")
        })
        .collect()
}

/// Each string (key or value) under `value` holding a forbidden control, with its path (keys,
/// and `#N` for the Nth item of a sequence, as [`YamlIndex::key`] takes them).
fn find_in(value: &serde_yaml::Value, path: &mut Vec<String>, found: &mut Vec<(Vec<String>, char)>) {
    match value {
        serde_yaml::Value::String(s) => {
            if let Some(c) = s.chars().find(|&c| is_forbidden(c)) {
                found.push((path.clone(), c));
            }
        }
        serde_yaml::Value::Sequence(items) => {
            for (i, item) in items.iter().enumerate() {
                path.push(format!("#{i}"));
                find_in(item, path, found);
                path.pop();
            }
        }
        serde_yaml::Value::Mapping(map) => {
            for (key, item) in map {
                let name = match key {
                    serde_yaml::Value::String(s) => s.clone(),
                    other => serde_yaml::to_string(other).unwrap_or_default().trim().to_string(),
                };
                path.push(name);
                if let Some(c) = path.last().and_then(|k| k.chars().find(|&c| is_forbidden(c))) {
                    found.push((path.clone(), c));
                }
                find_in(item, path, found);
                path.pop();
            }
        }
        serde_yaml::Value::Tagged(tagged) => find_in(&tagged.value, path, found),
        _ => {}
    }
}

/// `workstreams.help-desk.handoff`, `faq[0].q`: a path as a reader would write it.
fn dotted(path: &[String]) -> String {
    let mut out = String::new();
    for segment in path {
        match segment.strip_prefix('#') {
            Some(i) if i.parse::<usize>().is_ok() => {
                out.push('[');
                out.push_str(i);
                out.push(']');
            }
            _ => {
                if !out.is_empty() {
                    out.push('.');
                }
                out.push_str(&visible(segment));
            }
        }
    }
    out
}

fn code_point(c: char) -> String {
    format!("U+{:04X}", c as u32)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn white_space_is_not_a_control_but_nul_del_and_c1_are() {
        for c in ['\t', '\n', '\u{c}', '\r', ' ', 'é', '\u{a0}', '\u{feff}'] {
            assert!(!is_forbidden(c), "{c:?}");
        }
        for c in ['\0', '\u{1}', '\u{b}', '\u{1b}', '\u{7f}', '\u{85}', '\u{9f}'] {
            assert!(is_forbidden(c), "{c:?}");
        }
    }

    #[test]
    fn the_vector_scan_agrees_with_the_character_test() {
        // Every character from U+0000 to U+0200, alone and between other text.
        for n in 0u32..0x200 {
            let Some(c) = char::from_u32(n) else { continue };
            for text in [c.to_string(), format!("ab\n{c}©\u{a0}x")] {
                assert_eq!(raw_controls(&text, 1).len(), usize::from(is_forbidden(c)), "U+{n:04X} in {text:?}");
            }
        }
    }

    #[test]
    fn a_raw_control_is_placed_by_line_and_column() {
        let found: Vec<(usize, usize, char)> =
            raw_controls("one\ntwo é\u{7}three\n\u{0}", 5).into_iter().map(|(pos, c)| (pos.line, pos.column, c)).collect();
        assert_eq!(found, [(6, 6, '\u{7}'), (7, 1, '\0')]);
        assert!(raw_controls("plain text\r\n\twith ©·\u{a0} and no controls\u{c}", 1).is_empty());
    }

    #[test]
    fn an_escaped_control_is_reported_at_its_key_with_its_path() {
        let yaml = "title: fine\nfaq:\n  - q: \"why\\x00\"\n    a: ok\nworkstreams:\n  help-desk:\n    handoff: \"a\\eb\"\n";
        let found = escaped_errors("content/x.md", yaml, 2);
        let got: Vec<(String, usize, usize)> = found.iter().map(|d| (d.message.clone(), d.line, d.column)).collect();
        assert_eq!(got.len(), 2, "{got:?}");
        assert!(got[0].0.starts_with("`faq[0].q` holds a control character (U+0000)"), "{got:?}");
        assert_eq!((got[0].1, got[0].2), (4, 5));
        assert!(got[1].0.starts_with("`workstreams.help-desk.handoff` holds a control character (U+001B)"), "{got:?}");
        assert_eq!((got[1].1, got[1].2), (8, 5));
        assert!(escaped_errors("x", "title: \"a\\tb\\\\x00 C:\\\\x00\"\npath: C:\\x00\n", 1).is_empty());
    }
}
