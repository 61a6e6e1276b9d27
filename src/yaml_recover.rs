//! Reading YAML past its mistakes, so that a file with three misspelt keys gets three
//! diagnostics in one run instead of one per run, as a compiler reports every error it can.
//!
//! serde stops at the first unknown or repeated key. [`read_all`] reports it, cuts that key's
//! entry out of the text and reads again, until the text reads or a mistake cannot be cut out.
//! The cut keeps every line and column where it was (lines are emptied, a flow mapping's entry
//! becomes spaces), so each later diagnostic still points into the file as written. What reads
//! in the end is the file without its unknown keys: the rest of the page is checked and, when
//! `checks: {unknown-key: warning}` lets it build, built, instead of losing all its front-matter.

use serde::de::DeserializeOwned;

use crate::config::yaml_error;
use crate::diagnostics::Diagnostic;

/// The most mistakes cut out of one file before giving up on reading it (a file of nothing but
/// foreign keys, such as a large migrated data file, would otherwise be read once per key).
const MOST_CUT: usize = 100;

/// Reads `yaml` (lines `line_offset + 1…` of `file`) as a `T`, with a diagnostic for each
/// mistake found. `Some` when it read once its unknown and repeated keys were cut out; `None`
/// when another mistake (a wrong type, broken syntax) or one that could not be cut stopped it.
pub fn read_all<T: DeserializeOwned>(file: &str, yaml: &str, line_offset: usize) -> (Option<T>, Vec<Diagnostic>) {
    let mut text = std::borrow::Cow::Borrowed(yaml);
    let mut found: Vec<Diagnostic> = Vec::new();
    loop {
        let err = match serde_yaml::from_str::<T>(&text) {
            Ok(value) => return (Some(value), found),
            Err(e) => e,
        };
        let d = yaml_error(file, &text, &err, line_offset);
        if !found.is_empty() && d.code == "invalid-yaml" && !is_repeated_key(&d) {
            // The original text parsed (serde_yaml parses the whole document before reading
            // any of it), so a syntax error now would be one the cutting made: not the user's.
            return (None, found);
        }
        let cut =
            (found.len() < MOST_CUT && is_cuttable(&d)).then(|| without_entry(&text, d.line.checked_sub(line_offset)?, d.column)).flatten();
        found.push(d);
        match cut {
            Some(t) => text = std::borrow::Cow::Owned(t),
            None => return (None, found),
        }
    }
}

/// Whether the mistake is a key that can go without changing what the rest means: an unknown
/// key, or the second of a repeated one, whose position names the key itself.
fn is_cuttable(d: &Diagnostic) -> bool {
    (d.code == "unknown-key" || is_repeated_key(d)) && d.width > 0
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
struct Flow {
    depth: usize,
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
    fn structural(&mut self, c: char) -> Option<char> {
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
    }

    #[derive(serde::Deserialize, Debug, PartialEq)]
    #[serde(deny_unknown_fields)]
    struct Doc {
        title: String,
        #[serde(default)]
        faq: Vec<Entry>,
        #[serde(default)]
        owner: Option<Entry>,
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
    fn a_mistake_that_is_not_a_key_stops_the_reading_and_is_reported_once() {
        let (doc, found) = read_all::<Doc>("p.md", "titel: typo\ntitle: [not, text]\n", 0);
        assert_eq!(doc, None);
        assert_eq!(found.iter().map(|d| (d.code, d.line)).collect::<Vec<_>>(), [("unknown-key", 1), ("wrong-type", 2)], "{found:#?}");
        // A text that reads at once gives no diagnostic.
        let (doc, found) = read_all::<Doc>("p.md", "title: fine\n", 0);
        assert_eq!((doc.map(|d| d.title), found.len()), (Some("fine".to_string()), 0));
    }
}
