//! Reading YAML past its mistakes, so that a file with three misspelt keys gets three
//! diagnostics in one run instead of one per run, as a compiler reports every error it can.
//!
//! serde stops at the first unknown or repeated key, or value of the wrong type. [`read_all`]
//! reports it, mends the text and reads again, until the text reads or a mistake cannot be
//! mended. An unknown or repeated key's entry is cut out. A wrong value gets a stand-in of the
//! type serde expected (`x` for text, `[]` for a list, `{}` for a mapping, an enum's first
//! name), so a required key is not then missing and the items after a mistyped list item keep
//! their numbers; only where an empty mapping lacks a required key is the value's key cut
//! instead (a list item, having no key, then stops the reading). The mending keeps every line
//! and column where it was (lines are emptied, the rest of a value or a flow mapping's entry
//! becomes spaces; a stand-in wider than a wrong value inside a flow collection moves the rest
//! of its line, and a diagnostic found there is moved back), so each later diagnostic still
//! points into the file as written.
//!
//! When only unknown and repeated keys were cut, what reads in the end is the file without them:
//! the rest of the page is checked and, when `checks: {unknown-key: warning}` lets it build,
//! built, instead of losing all its front-matter. A value of the wrong type is reported with
//! every other mistake, but the text read with its stand-in or without it is not used: checking
//! it would report what is not wrong (no accountable owner, where the owner was written as a
//! number).

use serde::de::DeserializeOwned;

use crate::config::yaml_error;
use crate::diagnostics::Diagnostic;

/// The most mistakes mended (cut out or stood in for) in one file before giving up on reading it
/// (a file of nothing but foreign keys, such as a large migrated data file, would otherwise be
/// read once per key).
const MOST_CUT: usize = 100;

/// Reads `yaml` (lines `line_offset + 1…` of `file`) as a `T`, with a diagnostic for each
/// mistake found. `Some` when it read once its unknown and repeated keys were cut out; `None`
/// when a value had the wrong type, or a mistake (broken syntax, a list item that should have
/// been a mapping with a required key) could not be mended and stopped it.
pub fn read_all<T: DeserializeOwned>(file: &str, yaml: &str, line_offset: usize) -> (Option<T>, Vec<Diagnostic>) {
    let mut text = std::borrow::Cow::Borrowed(yaml);
    let mut found: Vec<Diagnostic> = Vec::new();
    // Keys cut for a value of the wrong type: their absence is not another mistake.
    let mut mistyped: Vec<String> = Vec::new();
    // Where a stand-in replaced a wrong value: a mistake there again is the stand-in's.
    let mut stood_in: Vec<(usize, usize)> = Vec::new();
    let mut shifts: Vec<Shift> = Vec::new();
    // The text before the latest `{}` stand-in, where it went and whether it moved the rest of
    // its line: a struct's stand-in lacks the struct's required keys, if it has any, and the
    // wrong value's key is then cut instead.
    let mut undo: Option<(String, usize, usize, bool)> = None;
    loop {
        let err = match serde_yaml::from_str::<T>(&text) {
            Ok(value) => return ((mistyped.is_empty() && stood_in.is_empty()).then_some(value), found),
            Err(e) => e,
        };
        let said = err.to_string();
        let missing = said.split("missing field `").nth(1).and_then(|f| f.split('`').next());
        let d = yaml_error(file, &text, &err, line_offset);
        let line = d.line.saturating_sub(line_offset);
        // serde reads on from a stand-in, so a key it lacks is the very next mistake, placed at it.
        if let Some((before, at_line, at_column, moved)) =
            undo.take().filter(|&(_, l, c, _)| missing.is_some() && (l, c) == (line, d.column))
        {
            if moved {
                shifts.pop();
            }
            match cut_key_of_value(&before, at_line, at_column) {
                Some((cut, key)) => {
                    mistyped.push(key);
                    text = std::borrow::Cow::Owned(cut);
                    continue;
                }
                None => return (None, found),
            }
        }
        let cascade = match d.code {
            // The original text parsed (serde_yaml parses the whole document before reading
            // any of it), so a syntax error now would be one the cutting made: not the user's.
            "invalid-yaml" => !is_repeated_key(&d),
            _ => missing.is_some_and(|f| mistyped.iter().any(|k| k == f)),
        };
        if !found.is_empty() && cascade {
            return (None, found);
        }
        if d.code == "wrong-type" && missing.is_none() && found.len() < MOST_CUT {
            if stood_in.contains(&(line, d.column)) {
                return (None, found);
            }
            let stand_in = crate::yaml_words::stand_in(&said);
            if let Some((t, shift)) = stand_in.as_deref().and_then(|value| with_value(&text, line, d.column, value)) {
                if stand_in.as_deref() == Some("{}") {
                    undo = Some((text.into_owned(), line, d.column, shift.is_some()));
                }
                stood_in.push((line, d.column));
                found.push(as_written(d, &shifts, line_offset));
                shifts.extend(shift);
                text = std::borrow::Cow::Owned(t);
                continue;
            }
        }
        let cut = match d.code {
            _ if found.len() >= MOST_CUT => None,
            "unknown-key" if d.width > 0 => without_entry(&text, line, d.column),
            "wrong-type" if missing.is_none() => cut_key_of_value(&text, line, d.column).map(|(cut, key)| {
                mistyped.push(key);
                cut
            }),
            _ if is_repeated_key(&d) && d.width > 0 => without_entry(&text, line, d.column),
            _ => None,
        };
        found.push(as_written(d, &shifts, line_offset));
        match cut {
            Some(t) => text = std::borrow::Cow::Owned(t),
            None => return (None, found),
        }
    }
}

/// `yaml` without the entry of the key whose value starts at `line`:`column` (on the key's line
/// or on lines of its own below it), and that key.
fn cut_key_of_value(yaml: &str, line: usize, column: usize) -> Option<(String, String)> {
    let (line, column) = key_of_value(yaml, line, column).map(|c| (line, c)).or_else(|| key_above(yaml, line, column))?;
    Some((without_entry(yaml, line, column)?, key_at(yaml, line, column)))
}

/// Where a stand-in wider than the value it replaced, inside a flow collection, moved the rest of
/// its line: from column `from` of `line` on, the text is `by` characters right of the file.
#[derive(Clone, Copy, Debug, PartialEq)]
struct Shift {
    line: usize,
    from: usize,
    by: usize,
}

/// `d` (found in the mended text) with its column where it is in the file as written.
fn as_written(mut d: Diagnostic, shifts: &[Shift], line_offset: usize) -> Diagnostic {
    // Each shift is in the text as it was when made: undo the latest first.
    for s in shifts.iter().rev() {
        if d.line.checked_sub(line_offset) == Some(s.line) && d.column >= s.from {
            d.column -= s.by;
        }
    }
    d
}

/// `yaml` with the value starting at `line`:`column` (1-based, the column in characters)
/// replaced by `value`, every line kept: the rest of the old value's first line becomes spaces
/// and the lines below that belonged to it are emptied. The value is an item or an entry's value
/// in a flow collection opened on its line (up to its comma or closing bracket), the value after
/// a key or a sequence dash on its line, or a value on a line of its own. With it, how the rest
/// of the line moved if the stand-in is the wider. `None` for anything else.
fn with_value(yaml: &str, line: usize, column: usize, value: &str) -> Option<(String, Option<Shift>)> {
    let line_start = if line == 1 { 0 } else { yaml.match_indices('\n').nth(line.checked_sub(2)?)?.0 + 1 };
    let first_line = yaml[line_start..].split_inclusive('\n').next()?;
    let at = line_start + first_line.char_indices().nth(column.checked_sub(1)?)?.0;
    if yaml[at..].starts_with(char::is_whitespace) {
        return None;
    }
    let before = &yaml[line_start..at];
    // Past the indentation and any sequence dashes, where a flow collection may open.
    let mut flow = Flow::default();
    before.trim_start_matches([' ', '-']).chars().for_each(|c| _ = flow.structural(c));
    let (end, lines_below) = if flow.is_open() {
        (flow_value_end(yaml, at)?, None)
    } else {
        let key_or_dash = before.trim_end();
        let parent = if key_or_dash.is_empty() {
            // On a line of its own: the lines below at its own indentation are its own
            // (a mapping's keys, or a sequence's items when it is a sequence).
            Below::AtLeast(before.len(), yaml[at..].starts_with('-'))
        } else if key_or_dash.ends_with(':') || key_or_dash.ends_with('-') {
            // After a key (`q: [x]`) or a dash (`- {a: 1}`): the lines below indented deeper
            // than the key or the dash are part of it.
            let key = key_or_dash.trim_start_matches([' ', '-']);
            let depth = if key.is_empty() { key_or_dash.len() - 1 } else { key_or_dash.len() - key.len() };
            if !key.is_empty() && !key_or_dash.ends_with(':') {
                return None;
            }
            Below::Deeper(depth)
        } else {
            return None;
        };
        (block_first_line_end(yaml, at), Some(parent))
    };
    let mut out = String::with_capacity(yaml.len() + value.len());
    out.push_str(&yaml[..at]);
    out.push_str(value);
    // The rest of the old value becomes spaces (its line breaks stay), as wide as it was.
    let old = &yaml[at..end];
    let mut width = value.chars().count();
    for c in old.chars() {
        if c == '\n' || c == '\r' {
            out.push(c);
            width = 0;
        } else if width > 0 {
            width -= 1;
        } else {
            out.push(' ');
        }
    }
    let rest = &yaml[end..];
    let Some(below) = lines_below else {
        out.push_str(rest);
        // Only a value all on one line has something after it on that line to move.
        let (wide, was) = (value.chars().count(), old.chars().count());
        let shift = wide.checked_sub(was).filter(|&by| by > 0 && !old.contains('\n')).map(|by| Shift { line, from: column + wide, by });
        return Some((out, shift));
    };
    // `end` is at the first line's break: keep it, then empty the lines the value went on to.
    let mut lines = rest.split_inclusive('\n');
    out.push_str(lines.next().unwrap_or_default());
    let mut in_value = true;
    for l in lines {
        let body = l.trim_start_matches(' ');
        let depth = l.len() - body.len();
        let blank = body.trim().is_empty() || body.starts_with('#');
        in_value = in_value
            && (blank
                || match below {
                    Below::Deeper(d) => depth > d,
                    Below::AtLeast(d, sequence) => depth > d || depth == d && (!sequence || body.starts_with('-')),
                });
        out.push_str(if in_value { line_ending(l) } else { l });
    }
    Some((out, None))
}

/// Which lines below a block value's first line are still part of it.
#[derive(Clone, Copy)]
enum Below {
    /// Those indented deeper than its key or dash.
    Deeper(usize),
    /// Those indented at least as deep as the value itself (for a sequence, at its own depth
    /// only its items).
    AtLeast(usize, bool),
}

/// The end of a flow collection's item or entry value starting at byte `at`: its comma or
/// closing bracket at its own depth, quotes respected. Spaces before it stay.
fn flow_value_end(yaml: &str, at: usize) -> Option<usize> {
    let mut flow = Flow::default();
    for (i, c) in yaml[at..].char_indices() {
        let depth = flow.depth;
        if let Some(',' | ']' | '}') = flow.structural(c).filter(|_| depth == 0) {
            return Some(at + yaml[at..at + i].trim_end().len());
        }
    }
    None
}

/// The end of a block value's text starting at byte `at`: its line's break, or if a flow
/// collection or a quote opened there is still open, the break of the line where it closes.
fn block_first_line_end(yaml: &str, at: usize) -> usize {
    let mut flow = Flow::default();
    for (i, c) in yaml[at..].char_indices() {
        if (c == '\n' || c == '\r') && !flow.is_open() {
            return at + i;
        }
        flow.structural(c);
    }
    yaml.len()
}

/// The column of the key whose value starts at `line`:`column` on the same line (`weight:
/// heavy`, `{coverage: always}`); `None` for a value on a line of its own.
fn key_of_value(yaml: &str, line: usize, column: usize) -> Option<usize> {
    let text = yaml.lines().nth(line.checked_sub(1)?)?;
    let before: String = text.chars().take(column.checked_sub(1)?).collect();
    let key = before.trim_end().strip_suffix(':')?;
    let start = match key.chars().last()? {
        q @ ('"' | '\'') => key[..key.len() - 1].rfind(q)?,
        _ => key.rfind([' ', '{', ',']).map_or(0, |i| i + 1),
    };
    Some(key[..start].chars().count() + 1)
}

/// For a value starting at `line`:`column` on a line of its own, the line and column of the key
/// it is the block value of (`client:` above `  name: x`): the nearest line above that is
/// indented less and is a key with nothing after its colon. `None` for anything else, a
/// sequence item (`  - {a: 1}`) among them: cutting an item would renumber the ones after it,
/// and the next diagnostic would name the wrong one.
fn key_above(yaml: &str, line: usize, column: usize) -> Option<(usize, usize)> {
    let lines: Vec<&str> = yaml.lines().take(line).collect();
    let text = lines.get(line.checked_sub(1)?)?;
    let before: String = text.chars().take(column.checked_sub(1)?).collect();
    if !before.chars().all(|c| c == ' ') {
        return None;
    }
    let indent = before.len();
    let (k, above) = lines[..line - 1].iter().enumerate().rev().find(|(_, l)| {
        let body = l.trim_start_matches(' ');
        !body.trim().is_empty() && !body.starts_with('#') && l.len() - body.len() < indent
    })?;
    let body = above.trim_start_matches(' ');
    let depth = above.len() - body.len();
    // After any sequence dashes (`- client:`), a plain or quoted key and its colon, at the end.
    let key = body.trim_start_matches(['-', ' ']);
    let key_column = depth + (body.len() - key.len()) + 1;
    let name = key.trim_end().strip_suffix(':')?;
    let plain = !name.is_empty() && !name.contains([':', '{', '[', ',', '#']) && !name.starts_with(['"', '\'']);
    let quoted = name.len() >= 2 && (name.starts_with('"') && name.ends_with('"') || name.starts_with('\'') && name.ends_with('\''));
    (plain || quoted).then_some((k + 1, key_column))
}

/// The key starting at `line`:`column`, without its quotes.
fn key_at(yaml: &str, line: usize, column: usize) -> String {
    let text = yaml.lines().nth(line.saturating_sub(1)).unwrap_or_default();
    let from: String = text.chars().skip(column.saturating_sub(1)).collect();
    let key = match from.strip_prefix(['"', '\'']) {
        Some(quoted) => quoted.split(['"', '\'']).next(),
        None => from.split(':').next(),
    };
    key.unwrap_or_default().to_string()
}

fn is_repeated_key(d: &Diagnostic) -> bool {
    d.code == "invalid-yaml" && d.message.ends_with("is given twice")
}

/// `yaml` without the mapping entry whose key starts at `line`:`column` (1-based, the column in
/// characters): in a block mapping the key's line from the key on and every line below that
/// belongs to its value are emptied; in a flow mapping (`{a: 1, b: 2}`) the entry and its comma
/// become spaces. `None` when no entry starts there.
pub fn without_entry(yaml: &str, line: usize, column: usize) -> Option<String> {
    let line_start = if line == 1 { 0 } else { yaml.match_indices('\n').nth(line.checked_sub(2)?)?.0 + 1 };
    let first_line = yaml[line_start..].split_inclusive('\n').next()?;
    let at = line_start + first_line.char_indices().nth(column.checked_sub(1)?)?.0;
    let before = &yaml[line_start..at];
    if yaml[at..].starts_with(char::is_whitespace) {
        return None;
    }
    let flow = before.trim_end();
    if flow.ends_with('{') || flow.ends_with(',') {
        return without_flow_entry(yaml, line_start, at);
    }
    // A block entry: only indentation and sequence dashes (`- - key:`) may come before its key.
    if !before.split(' ').all(|part| part.is_empty() || part == "-") {
        return None;
    }
    let indent = before.len();
    let mut out = String::with_capacity(yaml.len());
    out.push_str(&yaml[..at]);
    let mut rest = yaml[at..].split_inclusive('\n');
    // A flow collection opened on the key's line (`aliases: [`) runs until it closes, however
    // its lines are indented.
    let mut flow = Flow::default();
    if let Some(key_line) = rest.next() {
        key_line.chars().for_each(|c| _ = flow.structural(c));
        out.push_str(line_ending(key_line));
    }
    let mut in_value = true;
    for l in rest {
        let body = l.trim_start_matches(' ');
        let depth = l.len() - body.len();
        let blank = body.trim().is_empty();
        // A value's lines are indented deeper than its key, but a block sequence may sit at the
        // key's own indentation (`key:\n- a`).
        let sequence_here = depth == indent && (body.starts_with("- ") || body.trim_end() == "-");
        in_value = in_value && (flow.is_open() || blank || depth > indent || sequence_here);
        if in_value {
            l.chars().for_each(|c| _ = flow.structural(c));
        }
        out.push_str(if in_value { line_ending(l) } else { l });
    }
    Some(out)
}

/// Where a scan of YAML text stands: inside which quote, how many flow brackets deep. A quote
/// or an opening bracket counts only where a value starts (`key: [`, `{a: 'x'`), not inside
/// plain text (`title: it's`, `note: a[1]`).
#[derive(Default)]
pub(crate) struct Flow {
    pub(crate) depth: usize,
    quote: Option<char>,
    escaped: bool,
    /// The last character outside quotes that was not a space.
    last: Option<char>,
}

impl Flow {
    fn is_open(&self) -> bool {
        self.depth > 0 || self.quote.is_some()
    }

    /// Takes the next character; returns it when it is outside quotes (a bracket it has already
    /// counted, a comma, anything else), `None` inside quoted text.
    pub(crate) fn structural(&mut self, c: char) -> Option<char> {
        if let Some(q) = self.quote {
            if self.escaped {
                self.escaped = false;
            } else if q == '"' && c == '\\' {
                self.escaped = true;
            } else if c == q {
                self.quote = None;
            }
            return None;
        }
        let value_starts = self.last.is_none_or(|l| matches!(l, '[' | '{' | ',' | ':'));
        match c {
            '"' | '\'' if value_starts => self.quote = Some(c),
            '[' | '{' if value_starts => self.depth += 1,
            ']' | '}' => self.depth = self.depth.saturating_sub(1),
            _ => {}
        }
        if !c.is_whitespace() {
            self.last = Some(c);
        }
        Some(c)
    }
}

/// A flow mapping's entry starting at byte `at` (its line starts at `line_start`): up to the
/// comma or closing bracket at its own depth, quotes respected; the comma goes with it, or for
/// the last entry the comma before it on the same line.
fn without_flow_entry(yaml: &str, line_start: usize, at: usize) -> Option<String> {
    let mut flow = Flow::default();
    let mut end = None;
    for (i, c) in yaml[at..].char_indices() {
        let depth = flow.depth;
        match flow.structural(c) {
            Some(',') if depth == 0 => {
                end = Some((at + i + 1, None));
                break;
            }
            Some(']' | '}') if depth == 0 => {
                // The last entry: the comma before it goes instead (`{a: 1, b: 2}` → `{a: 1   …}`).
                let comma = yaml[line_start..at].rfind(',').map(|k| line_start + k);
                end = Some((at + i, comma));
                break;
            }
            _ => {}
        }
    }
    let (end, comma_before) = end?;
    let mut out = String::with_capacity(yaml.len());
    for (i, c) in yaml.char_indices() {
        let cut = (at..end).contains(&i) || comma_before == Some(i);
        out.push(if cut && c != '\n' && c != '\r' { ' ' } else { c });
    }
    Some(out)
}

/// The line break ending `line` (`"\n"`, `"\r\n"` or nothing on the last line).
fn line_ending(line: &str) -> &str {
    let trimmed = line.trim_end_matches(['\n', '\r']);
    &line[trimmed.len()..]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(serde::Deserialize, Debug, PartialEq, Default)]
    #[serde(deny_unknown_fields)]
    struct Entry {
        q: String,
        #[serde(default)]
        tags: Vec<String>,
        #[serde(default)]
        side: Option<Side>,
    }

    #[derive(serde::Deserialize, Debug, PartialEq)]
    #[serde(rename_all = "kebab-case")]
    enum Side {
        ServiceProvider,
        Client,
    }

    #[derive(serde::Deserialize, Debug, PartialEq)]
    #[serde(deny_unknown_fields)]
    struct Doc {
        title: String,
        #[serde(default)]
        faq: Vec<Entry>,
        #[serde(default)]
        owner: Option<Entry>,
        #[serde(default)]
        links: Vec<Link>,
    }

    /// A struct with no required key: an empty mapping stands in for it.
    #[derive(serde::Deserialize, Debug, PartialEq)]
    #[serde(deny_unknown_fields)]
    struct Link {
        #[serde(default)]
        url: String,
    }

    #[test]
    fn a_block_entry_goes_with_its_value_and_every_line_stays() {
        let yaml = "title: T\nbogus:\n  - a\n  - b\nfaq: []\n";
        assert_eq!(without_entry(yaml, 2, 1).as_deref(), Some("title: T\n\n\n\nfaq: []\n"));
        // A sequence at the key's own indentation is its value too.
        let yaml = "bogus:\n- a\n-\ntitle: T\n";
        assert_eq!(without_entry(yaml, 1, 1).as_deref(), Some("\n\n\ntitle: T\n"));
        // A block scalar's blank lines are part of it; a sibling after them is not.
        let yaml = "owner:\n  bogus: |\n    one\n\n    two\n  q: x\n";
        assert_eq!(without_entry(yaml, 2, 3).as_deref(), Some("owner:\n  \n\n\n\n  q: x\n"));
    }

    #[test]
    fn a_flow_value_opened_on_the_key_line_goes_until_it_closes() {
        // As Hugo's docs write aliases: the closing bracket at the key's own indentation.
        let yaml = "aliases: [\n  '/a/',\n  '/b]/',\n]\ntitle: T\n";
        assert_eq!(without_entry(yaml, 1, 1).as_deref(), Some("\n\n\n\ntitle: T\n"));
        let yaml = "bogus: {a: \"x\n  y\"\n}\ntitle: T\n";
        assert_eq!(without_entry(yaml, 1, 1).as_deref(), Some("\n\n\ntitle: T\n"));
        // Quotes and brackets inside plain text open nothing.
        let yaml = "bogus: it's a[1\ntitle: T\n";
        assert_eq!(without_entry(yaml, 1, 1).as_deref(), Some("\ntitle: T\n"));
        assert_eq!(without_entry("owner: {q: it's, bogus: 1}\n", 1, 18).as_deref(), Some("owner: {q: it's          }\n"));
    }

    #[test]
    fn a_key_after_a_sequence_dash_keeps_the_dash_and_its_item() {
        let yaml = "faq:\n  - bogus: 1\n    q: x\n  - q: y\n";
        let cut = without_entry(yaml, 2, 5).unwrap();
        assert_eq!(cut, "faq:\n  - \n    q: x\n  - q: y\n");
        let doc: Doc = serde_yaml::from_str(&format!("title: T\n{cut}")).unwrap();
        assert_eq!(doc.faq.iter().map(|e| e.q.as_str()).collect::<Vec<_>>(), ["x", "y"]);
    }

    #[test]
    fn a_flow_entry_becomes_spaces_with_its_comma() {
        assert_eq!(
            without_entry("owner: {bogus: [1, 2], q: x}\n", 1, 9).as_deref(),
            Some(format!("owner: {{{}q: x}}\n", " ".repeat(15)).as_str())
        );
        assert_eq!(
            without_entry("owner: {q: x, bogus: 'a, b'}\n", 1, 15).as_deref(),
            Some("owner: {q: x  ~~~~~~~~~~~~~}\n".replace('~', " ").as_str())
        );
        assert_eq!(without_entry("owner: {q: x, bogus: \"a\\\"}\"}\n", 1, 15).as_deref(), Some("owner: {q: x               }\n"));
        // Columns are characters: a wide character before the key does not move the cut.
        assert_eq!(without_entry("owner: {q: é, bogus: 1}\n", 1, 15).as_deref(), Some("owner: {q: é          }\n"));
    }

    #[test]
    fn nothing_is_cut_where_no_entry_starts() {
        assert_eq!(without_entry("title: T\n", 1, 7), None, "a space");
        assert_eq!(without_entry("title: T\n", 3, 1), None, "no such line");
        assert_eq!(without_entry("title: [a, b]\n", 1, 9), None, "a sequence item is not an entry");
        assert_eq!(without_entry("owner: {q: x\n", 1, 9), None, "an unclosed flow mapping");
    }

    #[test]
    fn every_unknown_and_repeated_key_is_reported_and_the_rest_is_read() {
        let yaml = "title: T\ntitel: typo\nfaq:\n  - q: one\n    tgs: [a]\n  - {q: two, colour: blue}\nowner:\n  q: x\n  q: y\n";
        let (doc, found) = read_all::<Doc>("content/p.md", yaml, 1);
        let doc = doc.expect("the rest reads");
        assert_eq!(doc.title, "T");
        assert_eq!(doc.faq.iter().map(|e| e.q.as_str()).collect::<Vec<_>>(), ["one", "two"]);
        assert_eq!(doc.owner.map(|o| o.q).as_deref(), Some("x"), "the first of a repeated key is kept");
        let places: Vec<(&str, usize, usize)> = found.iter().map(|d| (d.code, d.line, d.column)).collect();
        assert_eq!(places, [("unknown-key", 3, 1), ("unknown-key", 6, 5), ("unknown-key", 7, 14), ("invalid-yaml", 10, 3)], "{found:#?}");
        assert!(found[1].help.as_deref().unwrap_or_default().contains("did you mean `tags`"), "{:#?}", found[1]);
    }

    #[test]
    fn values_of_the_wrong_type_are_all_reported_and_the_text_is_not_used() {
        let yaml =
            "titel: typo\ntitle: [not, text]\nfaq:\n  - {q: x, tags: 5}\n  - q: fine\n    tags: {a: 1}\nowner: {q: ok, \"tags\": {b: 2}}\n";
        let (doc, found) = read_all::<Doc>("p.md", yaml, 0);
        assert_eq!(doc, None, "a text read without its mistyped values is not the text");
        let places: Vec<(&str, usize, usize)> = found.iter().map(|d| (d.code, d.line, d.column)).collect();
        assert_eq!(
            places,
            [("unknown-key", 1, 1), ("wrong-type", 2, 8), ("wrong-type", 4, 18), ("wrong-type", 6, 11), ("wrong-type", 7, 24)],
            "{found:#?}"
        );
        // `title` was cut for its value: that it is then missing is not reported (serde says so
        // last, once the mapping has been read).
        assert!(found.iter().all(|d| !d.message.contains("is missing")), "{found:#?}");
        // A required key with a wrong value inside a list item is not cut but given a stand-in,
        // so it is not then missing and the reading goes on to the next item.
        let (doc, found) = read_all::<Doc>("p.md", "title: T\nfaq:\n  - {q: [x]}\n  - {q: y, tags: 5}\n", 0);
        assert_eq!(doc, None);
        assert_eq!(
            found.iter().map(|d| (d.line, d.message.as_str())).collect::<Vec<_>>(),
            [(3, "`q` must be text, not a list in `faq[0]`"), (4, "`tags` must be a list, not the number 5 in `faq[1]`")]
        );
        // After a stand-in wider than the wrong value (an enum's first name for `no`), the next
        // mistake on its line is still placed where it is written.
        let (_, found) = read_all::<Doc>("p.md", "title: T\nowner: {q: x, side: no, tags: 5}\n", 1);
        assert_eq!(found.iter().map(|d| (d.line, d.column)).collect::<Vec<_>>(), [(3, 21), (3, 31)], "{found:#?}");
        // A required key that is really missing is.
        let (_, found) = read_all::<Doc>("p.md", "faq: []\n", 0);
        assert_eq!(found.iter().map(|d| d.message.as_str()).collect::<Vec<_>>(), ["`title` is missing"]);
    }

    #[test]
    fn a_value_of_the_wrong_type_on_a_line_of_its_own_goes_with_the_key_above_it() {
        // Each on lines of its own below its key: a list where text is expected, then mappings
        // where a list is: a block one, one after a comment line under a key after a sequence
        // dash, and a flow one.
        let yaml = concat!(
            "title:\n  - one\n  - two\n",                     // 1-3
            "faq:\n  - q: x\n    tags:\n      a: 1\n",        // 4-7
            "    tgs: []\n",                                  // 8
            "  - tags:\n      # why\n      c: 3\n    q: z\n", // 9-12
            "owner:\n  q: y\n  tags:\n    {b: 2}\n",          // 13-16
            "bogus: 1\n",                                     // 17
        );
        let (doc, found) = read_all::<Doc>("p.md", yaml, 0);
        assert_eq!(doc, None, "a value of the wrong type: the text is not used");
        let places: Vec<(&str, usize)> = found.iter().map(|d| (d.code, d.line)).collect();
        let want = [("wrong-type", 2), ("wrong-type", 7), ("unknown-key", 8), ("wrong-type", 11), ("wrong-type", 16), ("unknown-key", 17)];
        assert_eq!(places, want, "{found:#?}");
        assert!(found.iter().all(|d| !d.message.contains("is missing")), "the keys cut are not then missing: {found:#?}");
        // What is found above must be a key with nothing after its colon.
        assert_eq!(key_above("title:\n  - a\n", 2, 3), Some((1, 1)));
        assert_eq!(key_above("faq:\n  - q:\n      a: 1\n", 3, 7), Some((2, 5)));
        assert_eq!(key_above("\"my key\":\n  a: 1\n", 2, 3), Some((1, 1)));
        assert_eq!(key_above("title: T\n  a: 1\n", 2, 3), None, "a key with a value of its own");
        assert_eq!(key_above("-\n  a: 1\n", 2, 3), None, "a bare dash");
        assert_eq!(key_above("tags:\n  - {a: 1}\n", 2, 5), None, "a sequence item");
    }

    #[test]
    fn a_list_item_of_the_wrong_type_gets_a_stand_in_and_the_items_after_it_keep_their_numbers() {
        let yaml = concat!(
            "faq:\n",
            "  - q: x\n    tags:\n      - {a: 1}\n      - b\n      - [c]\n", // 2-6: flow items
            "  - q: y\n    tags: [d, [e], 'f']\n",                           // 7-8: inside a flow list
            "  - q: z\n    tags:\n      - g: 1\n        h: 2\n      -\n        i: 3\n", // 9-14: block
            "  - q: [w]\n    tags: 7\n",                                     // 15-16
            "title: T\nbogus: 1\n",                                          // 17-18
        );
        let (doc, found) = read_all::<Doc>("p.md", yaml, 0);
        assert_eq!(doc, None, "a text with a stand-in is not the text");
        let places: Vec<(&str, usize, usize)> = found.iter().map(|d| (d.code, d.line, d.column)).collect();
        let want = [
            ("wrong-type", 4, 9),
            ("wrong-type", 6, 9),
            ("wrong-type", 8, 15),
            ("wrong-type", 11, 9),
            ("wrong-type", 14, 9),
            ("wrong-type", 15, 8),
            ("wrong-type", 16, 11),
            ("unknown-key", 18, 1),
        ];
        assert_eq!(places, want, "{found:#?}");
        // Each is named by its own place: no item was renumbered, no key went missing.
        let named: Vec<String> = found[..7]
            .iter()
            .map(|d| format!("{} {}", d.message.split(' ').next().unwrap_or_default(), d.message.rsplit(" in ").next().unwrap_or_default()))
            .collect();
        let want = ["`tags[0]` `faq[0]`", "`tags[2]` `faq[0]`", "`tags[1]` `faq[1]`", "`tags[0]` `faq[2]`", "`tags[1]` `faq[2]`"];
        assert_eq!(named[..5], want);
        assert_eq!(named[5..], ["`q` `faq[3]`", "`tags` `faq[3]`"]);
        assert!(found.iter().all(|d| !d.message.contains("is missing")), "{found:#?}");
    }

    #[test]
    fn a_stand_in_takes_the_wrong_value_s_place_and_every_line_stays() {
        let with_value = |yaml: &str, line, column, value: &str| with_value(yaml, line, column, value).map(|(text, _)| text);
        // After a dash, a block mapping item and the lines below it.
        assert_eq!(with_value("t:\n  - a: 1\n    b: 2\n  - c\n", 2, 5, "x").as_deref(), Some("t:\n  - x   \n\n  - c\n"));
        // After a key, a flow collection running over lines.
        assert_eq!(with_value("t: [a,\n  b]\nu: 1\n", 1, 4, "x").as_deref(), Some("t: x  \n    \nu: 1\n"));
        // Inside a flow collection: up to the comma or bracket, a wider stand-in pushing on.
        assert_eq!(with_value("t: [a, {b: 1}, c]\n", 1, 8, "x").as_deref(), Some("t: [a, x     , c]\n"));
        assert_eq!(with_value("t: [a, 5]\n", 1, 8, "[]").as_deref(), Some("t: [a, []]\n"));
        // On a line of its own: a mapping, and a sequence with its items at its own depth.
        assert_eq!(with_value("t:\n  a: 1\n  b: 2\nu: 1\n", 2, 3, "x").as_deref(), Some("t:\n  x   \n\nu: 1\n"));
        assert_eq!(with_value("t:\n  - a\n  # c\n  - b\nu: 1\n", 2, 3, "x").as_deref(), Some("t:\n  x  \n\n\nu: 1\n"));
        // Line breaks are kept as written.
        assert_eq!(with_value("t:\r\n  - {a: 1}\r\nu: 1\r\n", 2, 5, "x").as_deref(), Some("t:\r\n  - x     \r\nu: 1\r\n"));
        assert_eq!(with_value("t: 1\n", 1, 3, "x"), None, "a space");
        // A wider stand-in in a flow collection says how far it moved the rest of its line.
        let moved = |yaml: &str, column, value: &str| super::with_value(yaml, 1, column, value).and_then(|(_, shift)| shift);
        assert_eq!(moved("t: [a, 5, b]\n", 8, "[]"), Some(Shift { line: 1, from: 10, by: 1 }));
        assert_eq!(moved("t: [a, 55, b]\n", 8, "[]"), None, "as wide");
        assert_eq!(moved("t: [a, {b: 1}]\n", 8, "x"), None, "narrower");
        assert_eq!(moved("t: 5\n", 4, "[]"), None, "nothing after it in a block value");
        assert_eq!(with_value("a b: 1\n", 1, 3, "x"), None, "not after a key or a dash");
        // What stands in for what serde expected; nothing for a struct, whose keys it lacks.
        let stand_in = |m: &str| crate::yaml_words::stand_in(m);
        assert_eq!(stand_in("t: invalid type: map, expected a string at line 1 column 4").as_deref(), Some("x"));
        assert_eq!(stand_in("t: invalid type: integer `5`, expected a sequence").as_deref(), Some("[]"));
        assert_eq!(stand_in("c: unknown variant `24/7`, expected one of `it's`, `b` at line 2 column 3").as_deref(), Some("'it''s'"));
        assert_eq!(stand_in("faq[0]: invalid type: string \"x\", expected struct E at line 2 column 5").as_deref(), Some("{}"));
        assert_eq!(stand_in("d: invalid value: string \"x\", expected a date like 2026-01-31"), None);
    }

    #[test]
    fn a_mapping_written_as_text_gets_an_empty_one_unless_it_lacks_required_keys_then_its_key_is_cut() {
        let yaml = "title: T\nlinks:\n  - just text\n  - {url: [x]}\nowner: just text\nbogus: 1\n";
        let (doc, found) = read_all::<Doc>("p.md", yaml, 0);
        assert_eq!(doc, None);
        let places: Vec<(&str, usize)> = found.iter().map(|d| (d.code, d.line)).collect();
        assert_eq!(places, [("wrong-type", 3), ("wrong-type", 4), ("wrong-type", 5), ("unknown-key", 6)], "{found:#?}");
        // `owner`'s empty mapping lacked its required `q`: that is not reported, `owner` was cut.
        assert!(found.iter().all(|d| !d.message.contains("is missing")), "{found:#?}");
        // Taken back, a stand-in wider than the value no longer moves what follows on its line.
        let (_, found) = read_all::<Doc>("p.md", "{title: T, owner: 5, faq: [{q: [y]}]}\n", 0);
        assert_eq!(found.iter().map(|d| (d.line, d.column)).collect::<Vec<_>>(), [(1, 19), (1, 32)], "{found:#?}");
    }

    #[test]
    fn a_mistake_that_cannot_be_mended_stops_the_reading_and_is_reported_once() {
        // A list item that should be a mapping with a required key: its empty stand-in lacks the
        // key, and the item is not cut (the items after it would be renumbered).
        let yaml = "titel: typo\ntitle: T\nfaq:\n  - just text\n  - q: x\nbogus: 1\n";
        let (doc, found) = read_all::<Doc>("p.md", yaml, 0);
        assert_eq!(doc, None);
        assert_eq!(found.iter().map(|d| (d.code, d.line)).collect::<Vec<_>>(), [("unknown-key", 1), ("wrong-type", 4)], "{found:#?}");
        // A text that reads at once gives no diagnostic.
        let (doc, found) = read_all::<Doc>("p.md", "title: fine\n", 0);
        assert_eq!((doc.map(|d| d.title), found.len()), (Some("fine".to_string()), 0));
    }
}
