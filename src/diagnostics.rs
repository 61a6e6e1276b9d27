//! Diagnostics as data: every problem demarcate finds in a site is a [`Diagnostic`] with a stable
//! code, a severity, the file (relative to the site root), a 1-based line and column, a message
//! and an optional `help:` suggestion.
//!
//! Stages never print; they push diagnostics into a [`Diagnostics`] list. The CLI decides how to
//! show them: for people (rustc-style, with the source line, via `codespan-reporting`), as JSON
//! for machines, or as GitHub workflow annotations.

use std::collections::HashMap;
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
    // Per file: its id and where each line starts, worked out once (a registry of thousands
    // of owners can carry a warning for each).
    let mut ids: HashMap<&str, (usize, Vec<usize>)> = HashMap::new();
    let mut buffer = termcolor::Buffer::no_color();
    if color {
        buffer = termcolor::Buffer::ansi();
    }
    let config = term::Config { chars: term::Chars::ascii(), ..term::Config::default() };
    for d in diags {
        let (id, line_starts) = ids.entry(d.file.as_str()).or_insert_with(|| {
            let text = std::fs::read_to_string(root.join(&d.file)).unwrap_or_default();
            let starts = line_starts(&text);
            (files.add(d.file.clone(), text), starts)
        });
        let id = *id;
        let source = files.get(id).map(|f| f.source().as_str()).unwrap_or_default();
        let mut cs = match d.severity {
            Severity::Error => CsDiagnostic::error(),
            Severity::Warning => CsDiagnostic::warning(),
        }
        .with_code(d.code)
        .with_message(&d.message);
        if let Some(range) = byte_range(source, line_starts, d.line, d.column, d.width) {
            cs = cs.with_labels(vec![Label::primary(id, range)]);
        } else {
            cs = cs.with_notes(vec![format!("at {}:{}:{}", d.file, d.line, d.column)]);
        }
        if let Some(help) = &d.help {
            cs = cs.with_notes(vec![format!("help: {help}")]);
        }
        if term::emit_to_write_style(&mut buffer, &config, &files, &cs).is_err() {
            // The renderer only fails on out-of-range positions, which byte_range rules out;
            // fall back to the plain line so nothing is ever lost.
            buffer = termcolor::Buffer::no_color();
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

/// Where each line of `source` starts (0 for the first).
fn line_starts(source: &str) -> Vec<usize> {
    std::iter::once(0).chain(source.match_indices('\n').map(|(i, _)| i + 1)).collect()
}

/// Byte range of `width` characters at a 1-based line and column, if the position exists.
/// `line_starts` is [`line_starts`] of `source`.
fn byte_range(source: &str, line_starts: &[usize], line: usize, column: usize, width: usize) -> Option<std::ops::Range<usize>> {
    let line_start = *line_starts.get(line.max(1) - 1)?;
    let rest = &source[line_start..];
    let line_text = rest.split('\n').next().unwrap_or("").trim_end_matches('\r');
    let mut chars = line_text.char_indices().skip(column.saturating_sub(1));
    let (start, _) = chars.next().unwrap_or((line_text.len(), ' '));
    let end = line_text.char_indices().skip(column.saturating_sub(1) + width.max(1)).map(|(i, _)| i).next().unwrap_or(line_text.len());
    Some(line_start + start..line_start + end.max(start))
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
    fn byte_range_finds_line_and_column() {
        let src = "a: 1\nbb: 2\n";
        let starts = line_starts(src);
        assert_eq!(byte_range(src, &starts, 2, 1, 2), Some(5..7));
        assert_eq!(byte_range(src, &starts, 9, 1, 0), None);
    }

    #[test]
    fn github_format_escapes_properties() {
        let d = Diagnostic::error("x-y", "a,b.md", "bad: thing").at(Pos::line(3));
        let out = render_github(&[d]);
        assert_eq!(out, "::error file=a%2Cb.md,line=3,col=1,title=x-y::bad: thing\n");
    }
}
