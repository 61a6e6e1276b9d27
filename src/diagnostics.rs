//! Diagnostics as data: every problem demarcate finds in a site is a [`Diagnostic`] with a stable
//! code, a severity, the file (relative to the site root), a 1-based line and column, a message
//! and an optional `help:` suggestion.
//!
//! Stages never print; they push diagnostics into a [`Diagnostics`] list. The CLI decides how to
//! show them: for people (rustc-style, with the source line, via `codespan-reporting`), as JSON
//! for machines, or as GitHub workflow annotations.

use crate::HashMap;
use std::path::Path;

use codespan_reporting::diagnostic::{Diagnostic as CsDiagnostic, Label};
use codespan_reporting::files::SimpleFiles;
use codespan_reporting::term::{self, termcolor};
use serde::Serialize;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, serde::Deserialize, Hash)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Warning,
    Error,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Diagnostic {
    pub code: &'static str,
    pub severity: Severity,
    /// Path relative to the site root, with `/` separators.
    pub file: String,
    pub line: usize,
    pub column: usize,
    pub message: String,
    pub help: Option<String>,
    /// How many characters the marker under the source line spans (0: one character).
    #[serde(skip)]
    pub width: usize,
}

impl Diagnostic {
    pub fn error(code: &'static str, file: impl Into<String>, message: impl Into<String>) -> Self {
        Diagnostic { code, severity: Severity::Error, file: file.into(), line: 1, column: 1, message: message.into(), help: None, width: 0 }
    }

    pub fn warning(code: &'static str, file: impl Into<String>, message: impl Into<String>) -> Self {
        Diagnostic { severity: Severity::Warning, ..Self::error(code, file, message) }
    }

    pub fn at(mut self, pos: Pos) -> Self {
        self.line = pos.line.max(1);
        self.column = pos.column.max(1);
        self.width = pos.width;
        self
    }

    pub fn help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }

    /// Sets the help text when there is one; keeps the current one otherwise.
    pub fn maybe_help(mut self, help: Option<String>) -> Self {
        if help.is_some() {
            self.help = help;
        }
        self
    }
}

/// A place in a file: 1-based line and column, and the width of the text at fault.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Pos {
    pub line: usize,
    pub column: usize,
    pub width: usize,
}

impl Pos {
    pub fn line(line: usize) -> Self {
        Pos { line, column: 1, width: 0 }
    }
}

/// The diagnostics of one run, in the order they were found until [`Diagnostics::sort`].
#[derive(Debug, Default, Clone)]
pub struct Diagnostics {
    pub items: Vec<Diagnostic>,
}

impl Diagnostics {
    pub fn push(&mut self, d: Diagnostic) {
        self.items.push(d);
    }

    pub fn extend(&mut self, other: impl IntoIterator<Item = Diagnostic>) {
        self.items.extend(other);
    }

    pub fn errors(&self) -> usize {
        self.items.iter().filter(|d| d.severity == Severity::Error).count()
    }

    pub fn warnings(&self) -> usize {
        self.items.iter().filter(|d| d.severity == Severity::Warning).count()
    }

    pub fn has_errors(&self) -> bool {
        self.errors() > 0
    }

    /// File, line, column, code: the order a reader walks through a site.
    pub fn sort(&mut self) {
        self.items.sort_by(|a, b| (&a.file, a.line, a.column, a.code, &a.message).cmp(&(&b.file, b.line, b.column, b.code, &b.message)));
        self.items.dedup();
    }
}

/// Closest candidate to `word` by edit distance, if it is close enough to be a likely typo.
pub fn did_you_mean<'a>(word: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    let lower = word.to_lowercase();
    candidates
        .into_iter()
        .map(|c| (strsim::jaro_winkler(&lower, &c.to_lowercase()), c))
        .filter(|(score, _)| *score > 0.8)
        .max_by(|a, b| a.0.total_cmp(&b.0).then_with(|| b.1.cmp(a.1)))
        .map(|(_, c)| c)
}

/// Output formats of `demarcate check` (and of the diagnostics any command prints).
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    Human,
    Json,
    Github,
}

/// Renders diagnostics for people with the offending source line and a marker under it.
/// Sources are read from `root` on demand; a file that cannot be read is shown without source.
pub fn render_human(diags: &[Diagnostic], root: &Path, color: bool) -> String {
    let mut files = SimpleFiles::new();
    // Per file: its id and its lines, worked out once (a registry of thousands of owners can
    // carry a warning for each).
    // Whether the file could be read: a missing or unreadable one has no lines to show.
    let mut ids: HashMap<&str, (usize, LineIndex, bool)> = HashMap::default();
    let mut buffer = termcolor::Buffer::no_color();
    if color {
        buffer = termcolor::Buffer::ansi();
    }
    let config = term::Config { chars: term::Chars::ascii(), ..term::Config::default() };
    for d in diags {
        let (id, lines, readable) = ids.entry(d.file.as_str()).or_insert_with(|| {
            // Only a regular file is read: a named pipe would wait for a writer.
            let read = crate::regular_file::read_text(&root.join(&d.file));
            let readable = read.is_some();
            // One character for one keeps every column where the diagnostic counted it.
            let text = crate::control_chars::made_visible(read.unwrap_or_default());
            let lines = LineIndex::new(&text);
            (files.add(d.file.clone(), text), lines, readable)
        });
        let (id, readable) = (*id, *readable);
        let source = files.get(id).map(|f| f.source().as_str()).unwrap_or_default();
        let mut cs = match d.severity {
            Severity::Error => CsDiagnostic::error(),
            Severity::Warning => CsDiagnostic::warning(),
        }
        .with_code(d.code)
        .with_message(crate::control_chars::visible(&d.message));
        let mut notes = Vec::new();
        match (lines.line(source, d.line), lines.range(source, d.line, d.column, d.width)) {
            // Line 1, column 1 of a file that is not there is the file itself.
            _ if !readable && (d.line, d.column) <= (1, 1) => notes.push(format!("at {}", d.file)),
            _ if !readable => notes.push(format!("at {}:{}:{}", d.file, d.line, d.column)),
            (Some(line), Some(range)) if line.len() > LONG_LINE => {
                notes.push(format!("at {}:{}:{}: {}", d.file, d.line, d.column, excerpt(source, line, range)));
            }
            (_, Some(range)) => cs = cs.with_labels(vec![Label::primary(id, range)]),
            _ => notes.push(format!("at {}:{}:{}", d.file, d.line, d.column)),
        }
        if let Some(help) = &d.help {
            notes.push(format!("help: {help}"));
        }
        cs = cs.with_notes(notes.iter().map(|note| crate::control_chars::visible(note).into_owned()).collect());
        if term::emit_to_write_style(&mut buffer, &config, &files, &cs).is_err() {
            // The renderer only fails on out-of-range positions, which byte_range rules out;
            // fall back to the plain line so nothing is ever lost.
            let plain = format!("{}[{}]: {}\n  --> {}:{}:{}\n", severity_word(d.severity), d.code, d.message, d.file, d.line, d.column);
            let _ = std::io::Write::write_all(&mut buffer, plain.as_bytes());
        }
    }
    String::from_utf8_lossy(buffer.as_slice()).into_owned()
}

fn severity_word(s: Severity) -> &'static str {
    match s {
        Severity::Error => "error",
        Severity::Warning => "warning",
    }
}

/// Longest source line quoted under a diagnostic, in bytes. A longer one is shown as an
/// excerpt around the position: a paragraph of 20,000 broken links, quoted whole under each of
/// them, made gigabytes of output.
const LONG_LINE: usize = 1000;

/// Where a text's lines start, and which lines are ASCII (worked out on first use), so that
/// turning many positions on one long line into offsets (or back) costs about one pass over
/// the line, not one each. Used for diagnostics and for the positions of Markdown links.
pub(crate) struct LineIndex {
    starts: Vec<usize>,
    /// By 0-based line.
    ascii: HashMap<usize, bool>,
}

impl LineIndex {
    pub(crate) fn new(source: &str) -> LineIndex {
        let starts = std::iter::once(0).chain(source.match_indices('\n').map(|(i, _)| i + 1)).collect();
        LineIndex { starts, ascii: HashMap::default() }
    }

    /// Byte range of 1-based line `line`, without its line break.
    fn line(&self, source: &str, line: usize) -> Option<std::ops::Range<usize>> {
        let start = *self.starts.get(line.max(1) - 1)?;
        let end = self.starts.get(line.max(1)).map(|&next| next - 1).unwrap_or(source.len());
        Some(start..start + source[start..end].trim_end_matches('\r').len())
    }

    /// Whether 0-based line `index` (whose text is `text`) is ASCII: byte and character columns agree.
    fn is_ascii(&mut self, index: usize, text: &str) -> bool {
        *self.ascii.entry(index).or_insert_with(|| text.is_ascii())
    }

    /// Byte range of `width` characters at a 1-based line and column, if the line exists.
    fn range(&mut self, source: &str, line: usize, column: usize, width: usize) -> Option<std::ops::Range<usize>> {
        let bounds = self.line(source, line)?;
        let text = &source[bounds.clone()];
        let (col, end_col) = (column.saturating_sub(1), column.saturating_sub(1) + width.max(1));
        let (start, end) = if self.is_ascii(line.max(1) - 1, text) {
            (col.min(text.len()), end_col.min(text.len()))
        } else {
            let at = |n: usize| text.char_indices().nth(n).map(|(i, _)| i).unwrap_or(text.len());
            (at(col), at(end_col))
        };
        Some(bounds.start + start..bounds.start + end.max(start))
    }

    /// 0-based line and character column of byte `offset` of `source`.
    pub(crate) fn locate(&mut self, source: &str, offset: usize) -> (usize, usize) {
        let line = self.starts.partition_point(|&s| s <= offset).saturating_sub(1);
        let start = self.starts[line];
        let prefix = source.get(start..offset);
        let whole = self.line(source, line + 1).map(|r| &source[r]).unwrap_or("");
        let col = match prefix {
            Some(_) if self.is_ascii(line, whole) => offset - start,
            Some(p) => p.chars().count(),
            None => offset - start,
        };
        (line, col)
    }
}

/// The text at `range` of `line` (both byte ranges of `source`) with up to 40 characters either
/// side, marked with `…` where cut. A range itself longer than 80 characters (a whole flow
/// mapping of the wrong type) is shown by its first 80.
fn excerpt(source: &str, line: std::ops::Range<usize>, range: std::ops::Range<usize>) -> String {
    let from = source[line.start..range.start].char_indices().rev().nth(39).map(|(i, _)| line.start + i).unwrap_or(line.start);
    let cut = |yes: bool| if yes { "…" } else { "" };
    if let Some((at, _)) = source[range.clone()].char_indices().nth(80) {
        return format!("{}{}…", cut(from > line.start), &source[from..range.start + at]);
    }
    let to = source[range.end..line.end].char_indices().nth(40).map(|(i, _)| range.end + i).unwrap_or(line.end);
    format!("{}{}{}", cut(from > line.start), &source[from..to], cut(to < line.end))
}

pub fn render_json(diags: &[Diagnostic]) -> String {
    serde_json::to_string_pretty(diags).unwrap_or_else(|_| "[]".into())
}

/// One GitHub Actions workflow command per diagnostic, escaped as the runner expects.
pub fn render_github(diags: &[Diagnostic]) -> String {
    fn escape_data(s: &str) -> String {
        s.replace('%', "%25").replace('\r', "%0D").replace('\n', "%0A")
    }
    fn escape_prop(s: &str) -> String {
        escape_data(s).replace(':', "%3A").replace(',', "%2C")
    }
    let mut out = String::new();
    for d in diags {
        let mut message = d.message.clone();
        if let Some(help) = &d.help {
            message.push_str("\nhelp: ");
            message.push_str(help);
        }
        out.push_str(&format!(
            "::{} file={},line={},col={},title={}::{}\n",
            severity_word(d.severity),
            escape_prop(&d.file),
            d.line,
            d.column,
            escape_prop(d.code),
            escape_data(&message)
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suggests_close_names_only() {
        assert_eq!(did_you_mean("titel", ["title", "summary"]), Some("title"));
        assert_eq!(did_you_mean("zzz", ["title", "summary"]), None);
    }

    #[test]
    fn positions_become_byte_ranges_by_characters() {
        let src = "a: 1\r\nbb: 2\nçé: x\n";
        let mut lines = LineIndex::new(src);
        assert_eq!(lines.range(src, 2, 1, 2), Some(6..8));
        assert_eq!(lines.line(src, 1), Some(0..4), "without the CR");
        assert_eq!(lines.range(src, 1, 3, 9), Some(2..4), "clipped to the line");
        assert_eq!(lines.range(src, 3, 2, 2), Some(14..17), "columns count characters");
        assert_eq!(lines.range(src, 9, 1, 0), None);
    }

    #[test]
    fn a_long_line_is_excerpted_around_the_position() {
        let long = format!("{}[here](gone.md){}", "é".repeat(600), "x".repeat(600));
        let src = format!("---\ntitle: T\n---\n{long}\n");
        let dir = tempfile::tempdir().expect("temp dir");
        std::fs::write(dir.path().join("p.md"), &src).expect("write");
        let d = Diagnostic::error("broken-link", "p.md", "link to `gone.md`: no such page").at(Pos { line: 4, column: 601, width: 15 });
        let out = render_human(&[d], dir.path(), false);
        let expected = format!("at p.md:4:601: …{}[here](gone.md){}…", "é".repeat(40), "x".repeat(40));
        assert!(out.contains(&expected), "{out}");
        assert!(out.len() < 600, "the line is not quoted whole: {} bytes", out.len());

        // A mistake as wide as the line (a flow mapping of the wrong type) is quoted by its start.
        let src = format!("---\ntags: {{x: \"{}\"}}\n---\n", "A".repeat(100_000));
        std::fs::write(dir.path().join("p.md"), &src).expect("write");
        let d = Diagnostic::error("wrong-type", "p.md", "`tags` must be a list").at(Pos { line: 2, column: 7, width: 100_008 });
        let out = render_human(&[d], dir.path(), false);
        assert!(out.contains(&format!("at p.md:2:7: tags: {{x: \"{}…", "A".repeat(75))), "{out}");
        assert!(out.len() < 600, "the mistake is not quoted whole: {} bytes", out.len());
    }

    #[test]
    fn github_format_escapes_properties() {
        let d = Diagnostic::error("x-y", "a,b.md", "bad: thing").at(Pos::line(3));
        let out = render_github(&[d]);
        assert_eq!(out, "::error file=a%2Cb.md,line=3,col=1,title=x-y::bad: thing\n");
    }
}
