//! Markdown to HTML with pulldown-cmark, plus what a playbook site needs on top: unique heading
//! ids with visible anchors and a table of contents, relative `.md` links rewritten to page URLs
//! (and recorded for the link check), GFM alerts, class-based syntax highlighting (syntect, no
//! JavaScript), `::: internal` blocks for the two audiences, and questions taken from a
//! "Frequently asked questions" section.
//!
//! Rendering is a pure function of the page text and a URL resolver, so pages render in
//! parallel and a body edit re-renders exactly one page.

use crate::{HashMap, HashSet};
use std::sync::OnceLock;

use pulldown_cmark::{BlockQuoteKind, CodeBlockKind, CowStr, Event, HeadingLevel, LinkType, Options, Parser, Tag, TagEnd, html};
use serde::Serialize;
use syntect::html::{ClassStyle, ClassedHTMLGenerator};
use syntect::parsing::SyntaxSet;
use syntect::util::LinesWithEndings;

use crate::config::Audience;
use crate::diagnostics::LineIndex;

#[derive(Debug, Clone, Serialize, serde::Deserialize, PartialEq)]
pub struct TocEntry {
    pub level: u8,
    pub id: String,
    pub title: String,
}

/// What a link's `target` names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, serde::Deserialize)]
pub enum LinkKind {
    /// A Markdown source (`target`: its path relative to `content/`; `None`: this page).
    #[default]
    Page,
    /// Anything else written relative to the page's source: a file or folder below `content/`
    /// (`target`: its path there, decoded, without a trailing slash).
    File,
    /// A site-absolute URL path (`target`: decoded, `.` and `..` resolved, without the leading
    /// slash).
    Url,
    /// Raw HTML's link with a character reference HTML does not have (`&nosuchname;`):
    /// reported, never guessed at (`target`: as written).
    Unreadable,
}

/// A link from a page to another page, a file, a URL of the site, or a heading of its own page,
/// for the link check.
#[derive(Debug, Clone, PartialEq, Serialize, serde::Deserialize)]
pub struct PageLink {
    pub kind: LinkKind,
    /// What the link names (see [`LinkKind`]); `None` for `#fragment` links to this page.
    pub target: Option<String>,
    pub fragment: Option<String>,
    /// Position of the link in the source file (1-based).
    pub line: usize,
    pub column: usize,
    pub width: usize,
    /// The text as written, for messages.
    pub written: String,
}

/// A question found under a "Frequently asked questions" heading.
#[derive(Debug, Clone, PartialEq, Serialize, serde::Deserialize)]
pub struct MarkdownFaq {
    pub question: String,
    pub anchor: String,
    pub answer_html: String,
    pub line: usize,
}

#[derive(Debug, Clone, Default, Serialize, serde::Deserialize)]
pub struct Rendered {
    pub html: String,
    pub toc: Vec<TocEntry>,
    pub links: Vec<PageLink>,
    pub faq: Vec<MarkdownFaq>,
    /// Each front-matter source's URL as the page links it (rewritten as a Markdown link is;
    /// empty for a source without one).
    pub source_urls: Vec<String>,
}

impl PageLink {
    /// A link written as `written` at `(line, column)` (0-based, in the text `cx` renders).
    fn new(
        kind: LinkKind,
        target: Option<String>,
        fragment: Option<String>,
        (line0, col0): (usize, usize),
        cx: &MarkdownContext,
        written: &str,
    ) -> PageLink {
        PageLink {
            kind,
            target,
            fragment,
            line: line0 + cx.first_line,
            column: col0 + 1,
            width: written.chars().count(),
            written: written.to_string(),
        }
    }

    /// Whether the page's rendered Markdown depends on whether the source `rel` exists: it
    /// links to it, or to a folder whose page it would be (a folder link is rewritten to its
    /// page's URL once it has one).
    pub fn depends_on(&self, rel: impl Fn(&str) -> bool) -> bool {
        match (self.kind, &self.target) {
            (LinkKind::Page, Some(t)) => rel(t),
            (LinkKind::File, Some(t)) => folder_pages(t).iter().chain(&html_page(t)).any(|p| rel(p)),
            (LinkKind::Url, Some(t)) => html_page(t).is_some_and(|p| rel(&p)),
            _ => false,
        }
    }
}

/// The source whose page a link to `x.html` names, as Middleman and its kin write them: the
/// page of `x.html.md`.
fn html_page(path: &str) -> Option<String> {
    path.ends_with(".html").then(|| format!("{path}.md"))
}

/// The sources whose page a folder's URL is (`_index.md` first; `""` is `content/` itself).
pub(crate) fn folder_pages(dir: &str) -> [String; 2] {
    if dir.is_empty() { ["_index.md".into(), "index.md".into()] } else { [format!("{dir}/_index.md"), format!("{dir}/index.md")] }
}

/// A malformed `::: internal` block: an error, never a leak.
#[derive(Debug, Clone, PartialEq)]
pub struct BlockError {
    pub line: usize,
    pub message: String,
}

pub struct MarkdownContext<'a> {
    /// Folder of the page relative to `content/` (`clients/acme`).
    pub page_dir: &'a str,
    /// 1-based file line of the first body line.
    pub first_line: usize,
    pub audience: Audience,
    /// Site base path (`/` or `/guide/`), prefixed to rewritten links.
    pub base_path: &'a str,
    /// Maps a source path relative to `content/` to its URL path (without base path).
    pub resolve: &'a (dyn Fn(&str) -> Option<String> + Sync),
    /// Headings that open an FAQ section (case-insensitive).
    pub faq_headings: &'a [String],
    /// Ids the theme makes from the registry, which headings do not take
    /// ([`crate::ownership::Registry::page_anchors`]).
    pub reserved_ids: &'a HashSet<String>,
}

fn options() -> Options {
    Options::ENABLE_TABLES
        | Options::ENABLE_FOOTNOTES
        | Options::ENABLE_STRIKETHROUGH
        | Options::ENABLE_TASKLISTS
        | Options::ENABLE_GFM
        | Options::ENABLE_HEADING_ATTRIBUTES
}

/// The HTML of a one-line field that Markdown cannot change (ASCII words and plain
/// punctuation, starting with a letter): the common handoff note. Saves a parser per field,
/// 120,000 of them at 10,000 playbooks. `None` means "render it properly".
pub fn plain_paragraph(text: &str) -> Option<String> {
    is_plain_paragraph(text).then(|| format!("<p>{text}</p>\n"))
}

/// Whether [`plain_paragraph`] renders `text` without the parser.
pub fn is_plain_paragraph(text: &str) -> bool {
    let bytes = text.as_bytes();
    let plain = |b: &u8| {
        b.is_ascii_alphanumeric() || matches!(b, b' ' | b'.' | b',' | b';' | b':' | b'(' | b')' | b'/' | b'?' | b'%' | b'+' | b'=')
    };
    bytes.first().is_some_and(u8::is_ascii_alphabetic) && !bytes.ends_with(b" ") && !text.contains("  ") && bytes.iter().all(plain)
}

fn syntaxes() -> &'static SyntaxSet {
    static SET: OnceLock<SyntaxSet> = OnceLock::new();
    SET.get_or_init(SyntaxSet::load_defaults_newlines)
}

/// Byte ranges (in the prepared text) of `::: internal` blocks, and the text with marker lines
/// blanked out (and, for the client audience, the blocks' contents too). Line numbers are kept.
///
/// Code blocks are opaque: a marker inside one is text, as the page shows it. Which lines are
/// code is the Markdown parser's answer, not a guess from the line alone: a backtick line
/// indented four spaces, one continuing a paragraph, or a fence whose info string holds a
/// backtick opens nothing, and a fence opened in a list item ends with the list. A marker taken
/// for code would have published the block that follows it.
pub fn prepare_internal_blocks(body: &str, audience: Audience) -> Result<(String, Vec<std::ops::Range<usize>>), BlockError> {
    let mut out = String::with_capacity(body.len());
    let mut regions = Vec::new();
    // Without `:::` there is no marker to find, and no need to parse.
    let code = if body.contains(":::") { code_blocks(body) } else { Vec::new() };
    let mut code_at = code.iter().peekable();
    let mut offset = 0;
    let mut open: Option<(usize, usize)> = None; // (start offset in out, line)
    let mut nested = 0usize;
    for (i, line) in lines_with_endings(body).enumerate() {
        let line_start = offset;
        offset += line.len();
        while code_at.peek().is_some_and(|r| r.end <= line_start) {
            code_at.next();
        }
        let in_code = code_at.peek().is_some_and(|r| r.start < offset);
        let t = line.trim();
        if !in_code && t.starts_with(":::") {
            let word = t.trim_start_matches(':').trim();
            if is_internal_opener(word) {
                if open.is_some() {
                    return Err(BlockError { line: i + 1, message: "`::: internal` inside another internal block".into() });
                }
                open = Some((out.len(), i + 1));
                out.push_str(ending_of(line));
                continue;
            }
            if let Some((start, _)) = open {
                if word.is_empty() {
                    if nested > 0 {
                        nested -= 1;
                    } else {
                        out.push_str(ending_of(line));
                        regions.push(start..out.len());
                        open = None;
                        continue;
                    }
                } else {
                    nested += 1;
                }
            }
        } else if !in_code {
            // A marker behind a quote or list marker would not be seen as a marker and its
            // content would be published: refuse it.
            let inner = t.trim_start_matches(|c: char| {
                c == '>' || c == '-' || c == '*' || c == '+' || c.is_ascii_digit() || c == '.' || c == ')' || c.is_whitespace()
            });
            if inner.starts_with(":::") && is_internal_opener(inner.trim_start_matches(':').trim()) {
                return Err(BlockError {
                    line: i + 1,
                    message: "`::: internal` must stand on a line of its own, not inside a quote or a list item".into(),
                });
            }
        }
        if open.is_some() && audience == Audience::Client {
            out.push_str(ending_of(line));
        } else {
            out.push_str(line);
        }
    }
    if let Some((_, line)) = open {
        return Err(BlockError { line, message: "`::: internal` block is never closed".into() });
    }
    Ok((out, regions))
}

/// Byte ranges of the code blocks, fenced or indented, the parser finds in `body`, in order.
fn code_blocks(body: &str) -> Vec<std::ops::Range<usize>> {
    Parser::new_ext(body, options())
        .into_offset_iter()
        .filter_map(|(event, range)| matches!(event, Event::Start(Tag::CodeBlock(_))).then_some(range))
        .collect()
}

/// The lines of `text`, each with its ending: `\n`, `\r\n` or a lone `\r`, all of which end a line
/// for the Markdown parser.
fn lines_with_endings(text: &str) -> impl Iterator<Item = &str> {
    let mut rest = text;
    std::iter::from_fn(move || {
        if rest.is_empty() {
            return None;
        }
        let end = match rest.find(['\n', '\r']) {
            Some(n) if rest[n..].starts_with("\r\n") => n + 2,
            Some(n) => n + 1,
            None => rest.len(),
        };
        let (line, after) = rest.split_at(end);
        rest = after;
        Some(line)
    })
}

/// A line's ending, to keep the line count where a line is blanked.
fn ending_of(line: &str) -> &str {
    let body = line.trim_end_matches(['\n', '\r']);
    &line[body.len()..]
}

/// `internal`, optionally followed by a label (`::: internal on-call numbers`).
fn is_internal_opener(word: &str) -> bool {
    word.split_whitespace().next().is_some_and(|w| w.eq_ignore_ascii_case("internal"))
}

fn is_external(url: &str) -> bool {
    url.starts_with("//")
        || url.starts_with("mailto:")
        || url.starts_with("tel:")
        || url.split_once(':').is_some_and(|(scheme, _)| {
            !scheme.is_empty() && scheme.chars().all(|c| c.is_ascii_alphanumeric() || "+.-".contains(c)) && !scheme.contains('/')
        })
}

/// Joins a relative link onto a folder and normalises `.` and `..`. `None` if a relative link
/// climbs above `content/`; a site-absolute one stops at the root, as the browser's does.
pub fn join_path(dir: &str, rel: &str) -> Option<String> {
    let absolute = rel.starts_with('/');
    let mut parts: Vec<&str> = if absolute { Vec::new() } else { dir.split('/').filter(|s| !s.is_empty()).collect() };
    for seg in rel.split('/') {
        match seg {
            "" | "." => {}
            ".." => {
                if parts.pop().is_none() && !absolute {
                    return None;
                }
            }
            s => parts.push(s),
        }
    }
    Some(parts.join("/"))
}

/// Decodes `%XX` escapes; `None` for a malformed escape or bytes that are not UTF-8.
pub fn percent_decode_strict(s: &str) -> Option<String> {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = s.get(i + 1..i + 3)?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

/// Decodes a link as far as it can: a malformed one is checked as written.
fn percent_decode(s: &str) -> String {
    percent_decode_strict(s).unwrap_or_else(|| s.to_string())
}

/// Ids the default theme gives the parts of a page with a Markdown body (a playbook, a section,
/// the home page). Headings never take them (a heading "Ownership" becomes `ownership-1`), and
/// links may point at them. The ids made from the registry are the site's
/// ([`crate::ownership::Registry::page_anchors`]).
pub const PAGE_IDS: [&str; 15] = [
    "main",
    "header-search-input",
    "section-pages",
    "section-subsections",
    "home-clients",
    "home-models",
    "home-other",
    "toc-title",
    "playbook-boundary",
    "playbook-ownership",
    "ownership-caption",
    "playbook-raci",
    "raci-caption",
    "playbook-faq",
    "playbook-sources",
];

/// Ids for headings: explicit `{#id}` wins, else a slug of the text; repeats get `-1`, `-2`.
pub struct IdAllocator<'r> {
    used: HashMap<String, usize>,
    /// The site's ids made from its registry (`ws-help-desk`), taken on every page.
    reserved: &'r HashSet<String>,
}

impl<'r> IdAllocator<'r> {
    /// An allocator that never hands out the theme's own ids, nor `reserved`.
    pub fn for_page(reserved: &'r HashSet<String>) -> Self {
        // Room for the theme's ids and a page's headings and questions: grown from empty, the
        // map was rehashed three times per page.
        let mut a = IdAllocator { used: HashMap::with_capacity_and_hasher(PAGE_IDS.len() + 40, Default::default()), reserved };
        for id in PAGE_IDS {
            a.used.insert(id.to_string(), 0);
        }
        a
    }

    fn taken(&self, id: &str) -> bool {
        self.used.contains_key(id) || self.reserved.contains(id)
    }

    pub fn allocate(&mut self, wanted: &str) -> String {
        let base = if wanted.is_empty() { "section".to_string() } else { wanted.to_string() };
        if !self.taken(&base) {
            self.used.insert(base.clone(), 0);
            return base;
        }
        let mut n = self.used.get(&base).copied().unwrap_or(0);
        loop {
            n += 1;
            let candidate = format!("{base}-{n}");
            if !self.taken(&candidate) {
                self.used.insert(base, n);
                self.used.insert(candidate.clone(), 0);
                return candidate;
            }
        }
    }
}

/// Heading ids the way GitHub (and Hugo's default) make them, so anchors written for those
/// renderers keep working: lowercase letters and digits, `-` and `_` kept, spaces become `-`,
/// other punctuation dropped (`Backup/restore` → `backuprestore`, `.dockerignore` →
/// `dockerignore`).
pub fn slugify(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.trim().chars() {
        if c.is_alphanumeric() {
            out.extend(c.to_lowercase());
        } else if c == ' ' || c == '-' {
            out.push('-');
        } else if c == '_' {
            out.push('_');
        }
    }
    out
}

/// Highlighted code by a hash of (code, language). Playbooks repeat the same snippets across
/// clients, and highlighting is the costliest part of rendering Markdown: the first block of
/// a language compiles that grammar's regexes (tens of milliseconds). The build cache keeps
/// these, so a warm build re-rendering a page with unchanged code never loads syntect.
static HIGHLIGHTS: OnceLock<std::sync::Mutex<HashMap<u64, String>>> = OnceLock::new();

fn highlight_cache() -> &'static std::sync::Mutex<HashMap<u64, String>> {
    HIGHLIGHTS.get_or_init(Default::default)
}

/// Every highlighted block of this process, for the build cache.
pub fn highlights() -> Vec<(u64, String)> {
    highlight_cache().lock().map(|c| c.iter().map(|(k, v)| (*k, v.clone())).collect()).unwrap_or_default()
}

/// How many highlighted blocks this process holds.
pub fn highlight_count() -> usize {
    highlight_cache().lock().map(|c| c.len()).unwrap_or(0)
}

/// Adds highlighted blocks saved by an earlier build of this same version.
pub fn seed_highlights(entries: Vec<(u64, String)>) {
    if let Ok(mut c) = highlight_cache().lock() {
        c.extend(entries);
    }
}

fn highlight(code: &str, lang: &str) -> String {
    use std::collections::hash_map::DefaultHasher;
    use std::hash::{Hash, Hasher};
    // DefaultHasher::new() has fixed keys: the same block hashes the same in every process.
    let mut h = DefaultHasher::new();
    (code, lang).hash(&mut h);
    let key = h.finish();
    let cache = highlight_cache();
    if let Some(hit) = cache.lock().ok().and_then(|c| c.get(&key).cloned()) {
        return hit;
    }
    let html = highlight_uncached(code, lang);
    if let Ok(mut c) = cache.lock()
        && c.len() < 50_000
    {
        c.insert(key, html.clone());
    }
    html
}

fn highlight_uncached(code: &str, lang: &str) -> String {
    let ss = syntaxes();
    let token = lang.split([',', ' ', '{']).next().unwrap_or("");
    let syntax = match token {
        "" => None,
        "sh" | "shell" | "console" | "zsh" => ss.find_syntax_by_token("bash"),
        "ps1" | "powershell" | "pwsh" => None,
        t => ss.find_syntax_by_token(t),
    };
    let lang_class = if token.is_empty() { String::new() } else { format!(" class=\"language-{}\"", escape_attr(token)) };
    if let Some(syntax) = syntax {
        let mut generator = ClassedHTMLGenerator::new_with_class_style(syntax, ss, ClassStyle::SpacedPrefixed { prefix: "hl-" });
        let ok = LinesWithEndings::from(code).all(|line| generator.parse_html_for_line_which_includes_newline(line).is_ok());
        if ok {
            return format!("<pre class=\"code\"><code{lang_class}>{}</code></pre>\n", generator.finalize());
        }
    }
    format!("<pre class=\"code\"><code{lang_class}>{}</code></pre>\n", escape_html(code))
}

pub fn escape_html(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

fn escape_attr(s: &str) -> String {
    escape_html(s)
}

fn alert_parts(kind: BlockQuoteKind) -> (&'static str, &'static str) {
    match kind {
        BlockQuoteKind::Note => ("note", "Note"),
        BlockQuoteKind::Tip => ("tip", "Tip"),
        BlockQuoteKind::Important => ("important", "Important"),
        BlockQuoteKind::Warning => ("warning", "Warning"),
        BlockQuoteKind::Caution => ("caution", "Caution"),
    }
}

fn level_num(l: HeadingLevel) -> u8 {
    l as u8
}

struct FaqCapture {
    section_level: u8,
    question_level: Option<u8>,
    current: Option<(String, String, usize, Vec<Event<'static>>)>,
    /// Inside a footnote definition: footnotes gather at the end of a document and belong to
    /// the page, not to the last question.
    in_footnote: usize,
}

/// Renders a page body. Errors in `::: internal` markers are returned, not rendered around.
pub fn render(body: &str, cx: &MarkdownContext) -> Result<Rendered, BlockError> {
    let (text, regions) = prepare_internal_blocks(body, cx.audience).map_err(|e| BlockError { line: e.line + cx.first_line - 1, ..e })?;
    let parser = Parser::new_ext(&text, options()).into_offset_iter();
    let references = reference_destinations(&text, parser.reference_definitions());
    let mut events = Events {
        iter: parser.peekable(),
        references,
        references_recorded: Default::default(),
        text: &text,
        lines: LineIndex::new(&text),
        regions: &regions,
        cx,
        out: Rendered::default(),
        ids: IdAllocator::for_page(cx.reserved_ids),
        pending: std::collections::VecDeque::new(),
        depth: 0,
        region_i: 0,
        region_open: None,
        faq: None,
        done: false,
        raw_text_open: None,
    };
    // The HTML is written as the events come: a page never holds all of its events at once
    // (a table of a million cells would take hundreds of megabytes).
    let mut html = String::with_capacity(text.len() * 3 / 2);
    html::push_html(&mut html, &mut events);
    // A raw control is an error before this ([`crate::control_chars`]); a character reference
    // (`&#1;`) is the one other way to write one, and the parser decodes it.
    if text.contains("&#") {
        html = crate::control_chars::made_visible(html);
    }
    let mut out = events.out;
    out.html = html;
    Ok(out)
}

/// The parser's events rewritten for a page (heading ids, links, alerts, highlighted code,
/// internal-block wrappers), with the TOC, links and FAQ items collected on the way.
struct Events<'t, 'c> {
    iter: std::iter::Peekable<pulldown_cmark::OffsetIter<'t, pulldown_cmark::DefaultBrokenLinkCallback>>,
    text: &'t str,
    lines: LineIndex,
    regions: &'t [std::ops::Range<usize>],
    cx: &'c MarkdownContext<'c>,
    out: Rendered,
    ids: IdAllocator<'c>,
    /// Events made by the last input event and not yet handed out.
    pending: std::collections::VecDeque<Event<'t>>,
    depth: usize,
    region_i: usize,
    region_open: Option<usize>,
    faq: Option<FaqCapture>,
    done: bool,
    /// A raw-text element of raw HTML (`<script>`, `<style>`, …) left open by an earlier event:
    /// its text holds no links.
    raw_text_open: Option<&'static str>,
    /// Where each reference definition's destination is written, by label ([`label_key`]).
    references: HashMap<String, usize>,
    /// The definitions whose link is recorded: a reference used twice is checked once.
    references_recorded: crate::HashSet<usize>,
}

/// Where the destination of each reference definition (`[label]: /dest`) is written in `text`,
/// by label ([`label_key`]). A reference link is recorded there: that is where its URL is
/// written and mended. (By label, not by destination: definitions that share a destination are
/// each a place to mend, and the definitions come in hash order, so picking one of them gave
/// another place from one run to the next.)
fn reference_destinations(text: &str, defs: &pulldown_cmark::RefDefs<'_>) -> HashMap<String, usize> {
    let mut at = HashMap::default();
    for (label, def) in defs.iter() {
        // After the label's `]:`, its spaces or line break and an opening `<`.
        let start = text.get(def.span.clone()).and_then(|src| {
            let colon = src.find("]:")? + 2;
            let gap = src[colon..].len() - src[colon..].trim_start().len();
            Some(colon + gap + usize::from(src[colon + gap..].starts_with('<')))
        });
        at.insert(label_key(label), def.span.start + start.unwrap_or(0));
    }
    at
}

/// A link label as CommonMark matches it: case and runs of white space aside.
fn label_key(label: &str) -> String {
    label.split_whitespace().collect::<Vec<_>>().join(" ").to_lowercase()
}

impl<'t> Iterator for Events<'t, '_> {
    type Item = Event<'t>;

    fn next(&mut self) -> Option<Event<'t>> {
        loop {
            if let Some(e) = self.pending.pop_front() {
                return Some(e);
            }
            if self.done {
                return None;
            }
            match self.iter.next() {
                Some((ev, range)) => self.step(ev, range),
                None => self.finish(),
            }
        }
    }
}

impl<'t> Events<'t, '_> {
    fn finish(&mut self) {
        if let Some(f) = self.faq.as_mut()
            && let Some((q, anchor, qline, answer)) = f.current.take()
        {
            self.out.faq.push(finish_faq(q, anchor, qline, answer));
        }
        if self.region_open.is_some() {
            self.pending.push_back(Event::Html("</div>\n".into()));
        }
        self.done = true;
    }

    /// Turns one event of the parser into what the page shows (possibly several events).
    fn step(&mut self, ev: Event<'t>, range: std::ops::Range<usize>) {
        // Wrap the blocks of an internal region (internal audience only; the client audience
        // has had them blanked out already). The wrapper opens at the depth of the region's
        // first block and closes before anything outside the region at that depth, or before
        // the end of the element it opened in, so the HTML stays well nested.
        if self.cx.audience == Audience::Internal && self.region_i < self.regions.len() {
            let region = &self.regions[self.region_i];
            let is_end = matches!(ev, Event::End(_));
            match self.region_open {
                Some(open_depth) => {
                    let leaving = is_end && self.depth <= open_depth;
                    if leaving || (!is_end && self.depth == open_depth && range.start >= region.end) {
                        self.pending.push_back(Event::Html("</div>\n".into()));
                        self.region_open = None;
                        self.region_i += 1;
                    }
                }
                None if !is_end && range.start >= region.start && range.start < region.end => {
                    self.pending
                        .push_back(Event::Html("<div class=\"internal-block\"><p class=\"internal-label\">Internal only</p>\n".into()));
                    self.region_open = Some(self.depth);
                }
                None if range.start >= region.end => self.region_i += 1,
                None => {}
            }
        }
        match ev {
            Event::Start(Tag::Heading { level, id, classes, attrs }) => {
                let mut read = Vec::new();
                for (e, r) in self.iter.by_ref() {
                    if matches!(e, Event::End(TagEnd::Heading(_))) {
                        break;
                    }
                    read.push((e, r));
                }
                // A heading's links and images are links like any other.
                let inner: Vec<Event<'t>> = read.into_iter().map(|(e, r)| self.with_links_rewritten(e, r)).collect();
                let title: String = inner
                    .iter()
                    .filter_map(|e| match e {
                        Event::Text(t) | Event::Code(t) => Some(t.as_ref()),
                        _ => None,
                    })
                    .collect::<String>()
                    .trim()
                    .to_string();
                let lvl = level_num(level);
                let (line, _) = self.lines.locate(self.text, range.start);
                // FAQ sections: a heading closes the current question; a shallower one closes
                // the section; a deeper one under an FAQ heading starts a question.
                let mut is_question = false;
                if let Some(f) = self.faq.as_mut() {
                    if let Some((q, anchor, qline, answer)) = f.current.take() {
                        self.out.faq.push(finish_faq(q, anchor, qline, answer));
                    }
                    if lvl <= f.section_level {
                        self.faq = None;
                    } else if f.question_level.is_none_or(|q| lvl <= q) {
                        f.question_level = Some(lvl);
                        is_question = true;
                    }
                }
                let wanted = match &id {
                    Some(explicit) => explicit.to_string(),
                    None if is_question => format!("faq-{}", slugify(&title)),
                    None => slugify(&title),
                };
                let hid = self.ids.allocate(&wanted);
                if is_question && let Some(f) = self.faq.as_mut() {
                    f.current = Some((title.clone(), hid.clone(), line + self.cx.first_line, Vec::new()));
                }
                if self.faq.is_none() && self.cx.faq_headings.iter().any(|h| h.eq_ignore_ascii_case(&title)) {
                    self.faq = Some(FaqCapture { section_level: lvl, question_level: None, current: None, in_footnote: 0 });
                }
                let mut inner_html = String::new();
                html::push_html(&mut inner_html, inner.into_iter());
                let mut class_attr = String::new();
                if !classes.is_empty() {
                    class_attr = format!(" class=\"{}\"", escape_attr(&classes.join(" ")));
                }
                let mut extra = String::new();
                for (k, v) in attrs {
                    extra.push_str(&format!(" {}=\"{}\"", escape_attr(&k), escape_attr(v.as_deref().unwrap_or(""))));
                }
                self.pending.push_back(Event::Html(
                    format!(
                        "<h{lvl} id=\"{id}\"{class_attr}{extra}>{inner_html} <a class=\"anchor\" href=\"#{id}\" aria-label=\"Link to this section\">#</a></h{lvl}>\n",
                        id = escape_attr(&hid)
                    )
                    .into(),
                ));
                self.out.toc.push(TocEntry { level: lvl, id: hid, title });
                return;
            }
            Event::Start(Tag::CodeBlock(kind)) => {
                let mut code = String::new();
                for (e, _) in self.iter.by_ref() {
                    match e {
                        Event::End(TagEnd::CodeBlock) => break,
                        Event::Text(t) => code.push_str(&t),
                        _ => {}
                    }
                }
                let lang = match &kind {
                    CodeBlockKind::Fenced(l) => l.to_string(),
                    CodeBlockKind::Indented => String::new(),
                };
                let e = Event::Html(highlight(&code, &lang).into());
                self.emit(e);
                return;
            }
            Event::Start(Tag::BlockQuote(Some(kind))) => {
                let (class, title) = alert_parts(kind);
                self.depth += 1;
                let e = Event::Html(format!("<div class=\"alert alert-{class}\"><p class=\"alert-title\">{title}</p>\n").into());
                self.emit(e);
                return;
            }
            Event::End(TagEnd::BlockQuote(Some(_))) => {
                self.depth = self.depth.saturating_sub(1);
                self.emit(Event::Html("</div>\n".into()));
                return;
            }
            Event::Start(Tag::HtmlBlock) => {
                // A block's lines come one event each, and a tag may run over several: the
                // block is read whole, as the browser reads it.
                let (mut block, mut end) = (String::new(), range.end);
                let mut start = None;
                for (e, r) in self.iter.by_ref() {
                    match e {
                        Event::End(TagEnd::HtmlBlock) => break,
                        Event::Html(t) | Event::Text(t) => {
                            start.get_or_insert(r.start);
                            end = r.end;
                            block.push_str(&t);
                        }
                        _ => {}
                    }
                }
                let e = Event::Html(self.html_links(block.into(), start.unwrap_or(range.start)..end));
                self.emit(e);
                return;
            }
            Event::Html(_) | Event::InlineHtml(_) | Event::Start(Tag::Link { .. } | Tag::Image { .. }) => {
                if matches!(ev, Event::Start(_)) {
                    self.depth += 1;
                }
                let e = self.with_links_rewritten(ev, range);
                self.emit(e);
                return;
            }
            Event::Start(_) => self.depth += 1,
            Event::End(_) => self.depth = self.depth.saturating_sub(1),
            _ => {}
        }
        self.emit(ev);
    }

    /// `ev` (from `range` of the text) with the links it holds rewritten and recorded: a
    /// Markdown link or image, or raw HTML.
    fn with_links_rewritten(&mut self, ev: Event<'t>, range: std::ops::Range<usize>) -> Event<'t> {
        match ev {
            Event::Html(raw) => Event::Html(self.html_links(raw, range)),
            Event::InlineHtml(raw) => Event::InlineHtml(self.html_links(raw, range)),
            // `<someone@example.com>`: the writer makes it a `mailto:` link.
            Event::Start(Tag::Link { link_type: LinkType::Email, .. }) => ev,
            Event::Start(Tag::Link { link_type, dest_url, title, id }) => {
                let dest = self.markdown_link(link_type, &dest_url, &id, range);
                Event::Start(Tag::Link { link_type, dest_url: dest, title, id })
            }
            Event::Start(Tag::Image { link_type, dest_url, title, id }) => {
                let dest = self.markdown_link(link_type, &dest_url, &id, range);
                Event::Start(Tag::Image { link_type, dest_url: dest, title, id })
            }
            other => other,
        }
    }

    /// A Markdown link's or image's destination rewritten, and recorded where it is written:
    /// inline, in the link; by reference (`[text][label]`), at the definition, once.
    fn markdown_link(&mut self, link_type: LinkType, dest_url: &CowStr<'t>, label: &str, range: std::ops::Range<usize>) -> CowStr<'t> {
        let by_reference = matches!(link_type, LinkType::Reference | LinkType::Collapsed | LinkType::Shortcut);
        let definition = if by_reference { self.references.get(&label_key(label)).copied() } else { None };
        let offset = definition.unwrap_or_else(|| dest_offset(self.text, range, dest_url));
        let at = self.lines.locate(self.text, offset);
        // A definition used again: rewritten, not recorded again.
        if definition.is_some() && !self.references_recorded.insert(offset) {
            return rewrite_link(dest_url, at, self.cx, &mut Vec::new());
        }
        rewrite_link(dest_url, at, self.cx, &mut self.out.links)
    }

    /// Raw HTML with its links (`relative_links::link_values`: `href`, `src`, `srcset`, …)
    /// rewritten and recorded as a Markdown link's are: a page, a file or a URL of the site is
    /// one however the link is written.
    fn html_links(&mut self, raw: CowStr<'t>, range: std::ops::Range<usize>) -> CowStr<'t> {
        let mut from = 0;
        if let Some(name) = self.raw_text_open {
            match crate::relative_links::raw_text_end(raw.as_bytes(), name) {
                Some(end) => (from, self.raw_text_open) = (end, None),
                None => return raw,
            }
        }
        if !raw[from..].contains('<') {
            return raw;
        }
        let mut values = Vec::new();
        self.raw_text_open = crate::relative_links::link_values(&raw.as_bytes()[from..], |v| values.push(v.start + from..v.end + from));
        let mut out = String::new();
        let mut copied = 0;
        // Where each value is in the text: exactly, when the HTML is the text as written (not
        // the lines of a block inside a list or a quote, their markers taken off), else the
        // first place after the last value that holds it.
        let exact = self.text.get(range.clone()) == Some(&raw[..]);
        let mut searched_to = range.start;
        for v in values {
            let written = &raw[v.clone()];
            let offset = if exact {
                range.start + v.start
            } else {
                match self.text.get(searched_to..range.end).and_then(|t| t.find(written)) {
                    Some(k) => {
                        searched_to += k + written.len();
                        searched_to - written.len()
                    }
                    None => range.start,
                }
            };
            let at = self.lines.locate(self.text, offset);
            let Some(value) = unescape_attribute(written) else {
                self.out.links.push(PageLink::new(LinkKind::Unreadable, Some(written.to_string()), None, at, self.cx, written));
                continue;
            };
            let dest = rewrite_link(&CowStr::from(value.as_ref()), at, self.cx, &mut self.out.links);
            if *dest != *value {
                out.push_str(&raw[copied..v.start]);
                let _ = pulldown_cmark_escape::escape_href(&mut out, &dest);
                copied = v.end;
            }
        }
        if copied == 0 {
            return raw;
        }
        out.push_str(&raw[copied..]);
        out.into()
    }

    /// Hands `ev` out, copying it into the answer of the FAQ question being captured, if any.
    fn emit(&mut self, ev: Event<'t>) {
        if let Some(capture) = self.faq.as_mut() {
            match ev {
                Event::Start(Tag::FootnoteDefinition(_)) => capture.in_footnote += 1,
                Event::End(TagEnd::FootnoteDefinition) => capture.in_footnote = capture.in_footnote.saturating_sub(1),
                _ if capture.in_footnote == 0 => {
                    if let Some((_, _, _, answer)) = capture.current.as_mut() {
                        answer.push(ev.clone().into_static());
                    }
                }
                _ => {}
            }
        }
        self.pending.push_back(ev);
    }
}

fn finish_faq(question: String, anchor: String, line: usize, answer: Vec<Event<'static>>) -> MarkdownFaq {
    let mut answer_html = String::new();
    html::push_html(&mut answer_html, answer.into_iter());
    MarkdownFaq { question, anchor, answer_html, line }
}

/// An attribute value as the browser reads it: numeric character references and the named ones
/// a URL holds (`&amp;`, quotes, angle brackets) decoded, and a `&` that starts no reference
/// (`?a=1&b=2`) kept. `None` for any other named reference: such a link is left as written,
/// unchecked, rather than decoded wrongly.
fn unescape_attribute(value: &str) -> Option<std::borrow::Cow<'_, str>> {
    if !value.contains('&') {
        return Some(value.into());
    }
    let mut out = String::with_capacity(value.len());
    let mut rest = value;
    while let Some(at) = rest.find('&') {
        out.push_str(&rest[..at]);
        let after = &rest[at + 1..];
        let name_len = after.find(|c: char| !(c.is_ascii_alphanumeric() || c == '#')).unwrap_or(after.len());
        let Some(name) = after.get(..name_len).filter(|n| !n.is_empty() && after[name_len..].starts_with(';')) else {
            out.push('&');
            rest = after;
            continue;
        };
        match name {
            "amp" => out.push('&'),
            "quot" => out.push('"'),
            "apos" => out.push('\''),
            "lt" => out.push('<'),
            "gt" => out.push('>'),
            _ => match name.strip_prefix('#') {
                Some(number) => {
                    let code = match number.strip_prefix(['x', 'X']) {
                        Some(hex) => u32::from_str_radix(hex, 16).ok()?,
                        None => number.parse().ok()?,
                    };
                    out.push(char::from_u32(code).filter(|&c| c != '\0')?);
                }
                None => out.push_str(&named_reference(name)?),
            },
        }
        rest = &after[name_len + 1..];
    }
    out.push_str(rest);
    Some(out.into())
}

/// What the named character reference `&name;` stands for (`eacute` → `é`), from the table of
/// HTML5's names pulldown-cmark reads Markdown with (the one browsers use); `None` for a name
/// not in it.
fn named_reference(name: &str) -> Option<String> {
    let written = format!("&{name};");
    let read: String = Parser::new(&written)
        .filter_map(|event| match event {
            Event::Text(text) => Some(text.into_string()),
            _ => None,
        })
        .collect();
    (read != written && !read.is_empty()).then_some(read)
}

/// A link written in a front-matter field (a source's `url`), rewritten as a Markdown link to
/// it is, with what it links to (positions at the start of the field's text).
pub fn field_link(url: &str, cx: &MarkdownContext) -> (String, Vec<PageLink>) {
    let mut links = Vec::new();
    let href = rewrite_link(&CowStr::from(url), (0, 0), cx, &mut links).to_string();
    (href, links)
}

/// Where an inline link's destination is written within the link's source `range`, for
/// diagnostics to point at it: the link's start when it is written differently (escaped). (A
/// reference link is placed at its definition: `Events::markdown_link`.)
fn dest_offset(text: &str, range: std::ops::Range<usize>, dest: &str) -> usize {
    let Some(src) = text.get(range.clone()).filter(|_| !dest.is_empty()) else { return range.start };
    // After the `](` (or `](<`) that opens it, not in the text or the title that repeat it.
    let inline = src.match_indices("](").find_map(|(k, open)| {
        let at = k + open.len() + usize::from(src[k + open.len()..].starts_with('<'));
        src[at..].starts_with(dest).then_some(at)
    });
    range.start + inline.or_else(|| src.find(dest)).unwrap_or(0)
}

fn rewrite_link<'a>(dest: &CowStr<'a>, (line0, col0): (usize, usize), cx: &MarkdownContext, links: &mut Vec<PageLink>) -> CowStr<'a> {
    let url: &str = dest;
    if url.is_empty() || is_external(url) {
        return dest.clone();
    }
    let mut record = |kind: LinkKind, target: Option<String>, fragment: Option<String>| {
        links.push(PageLink::new(kind, target, fragment, (line0, col0), cx, url));
    };
    if let Some(frag) = url.strip_prefix('#') {
        record(LinkKind::Page, None, Some(percent_decode(frag)));
        return dest.clone();
    }
    let (path_part, fragment) = match url.split_once('#') {
        Some((p, f)) => (p, Some(f)),
        None => (url, None),
    };
    let (path_part, query) = match path_part.split_once('?') {
        Some((p, q)) => (p, Some(q)),
        None => (path_part, None),
    };
    if path_part.is_empty() {
        // `?page=2`: this page, with another query.
        record(LinkKind::Page, None, fragment.map(percent_decode));
        return dest.clone();
    }
    let decoded = percent_decode(path_part);
    let Some(joined) = join_path(cx.page_dir, &decoded) else {
        record(LinkKind::Page, Some(decoded.clone()), None);
        return dest.clone();
    };
    let fragment_decoded = fragment.map(percent_decode);
    if decoded.ends_with(".md") {
        record(LinkKind::Page, Some(joined.clone()), fragment_decoded);
        return match (cx.resolve)(&joined) {
            Some(path) => with_query_and_fragment(format!("{}{}", cx.base_path, path), query, fragment).into(),
            None => dest.clone(),
        };
    }
    if let Some((source, path)) = html_page(&joined).and_then(|rel| (cx.resolve)(&rel).map(|path| (rel, path))) {
        record(LinkKind::Page, Some(source), fragment_decoded);
        return with_query_and_fragment(format!("{}{}", cx.base_path, path), query, fragment).into();
    }
    if url.starts_with('/') {
        // Site-absolute links get the base path so a site can live below a folder.
        // `/a/../b/` is `/b/` (`joined`), as the browser reads it.
        record(LinkKind::Url, Some(joined.clone()), fragment_decoded);
        return format!("{}{}", cx.base_path, url.trim_start_matches('/')).into();
    }
    // A folder with a page of its own links to that page's URL, which need not be the folder's
    // name (`Über Uns/` is `/Über-Uns/`; a section's `slug`).
    if let Some((source, path)) = folder_pages(&joined).into_iter().find_map(|rel| (cx.resolve)(&rel).map(|path| (rel, path))) {
        record(LinkKind::Page, Some(source), fragment_decoded);
        return with_query_and_fragment(format!("{}{}", cx.base_path, path), query, fragment).into();
    }
    // Other relative links (images, files beside the page) point into content/, which is copied
    // as is; the page itself lives one folder deeper than its source file. A folder keeps its
    // slash and a link its query (`report.pdf?v=2`), as written.
    record(LinkKind::File, Some(joined.clone()), fragment_decoded);
    // The path was decoded to be joined: what decoding made of `%25`, `%23` and `%3F` would now
    // end the path, and is escaped again (the writer escapes the rest).
    let mut u = cx.base_path.to_string();
    for c in joined.chars() {
        match c {
            '%' => u.push_str("%25"),
            '#' => u.push_str("%23"),
            '?' => u.push_str("%3F"),
            c => u.push(c),
        }
    }
    if path_part.ends_with('/') && !joined.is_empty() {
        u.push('/');
    }
    with_query_and_fragment(u, query, fragment).into()
}

fn with_query_and_fragment(mut u: String, query: Option<&str>, fragment: Option<&str>) -> String {
    if let Some(q) = query {
        u.push('?');
        u.push_str(q);
    }
    if let Some(f) = fragment {
        u.push('#');
        u.push_str(f);
    }
    u
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_paragraph_matches_the_renderer_or_declines() {
        let resolve = |_: &str| None;
        let samples = [
            "Firewall handoff budget change license cloud weekend owner budget.",
            "Call the NOC (24/7) at 10:00; then e-mail ops.",
            "Uptime 99.9% = fine, ask why?",
            "1. numbered",
            "# heading",
            "a *b* c",
            "a  b",
            "trailing ",
            "x < y & z",
            "see [link](/a/)",
            "Plain: ok, (really) / fine + done",
            "",
        ];
        for text in samples {
            let full = render(text, &cx(&resolve, &[])).unwrap().html;
            match plain_paragraph(text) {
                Some(fast) => assert_eq!(fast, full, "{text:?}"),
                None => assert!(
                    text.is_empty()
                        || text.contains(['*', '#', '<', '&', '[', '-'])
                        || text.contains("  ")
                        || text.ends_with(' ')
                        || text.starts_with('1'),
                    "declined a plain text: {text:?}"
                ),
            }
        }
    }

    fn cx<'a>(resolve: &'a (dyn Fn(&str) -> Option<String> + Sync), faq: &'a [String]) -> MarkdownContext<'a> {
        MarkdownContext {
            page_dir: "clients/acme",
            first_line: 1,
            audience: Audience::Internal,
            base_path: "/",
            resolve,
            faq_headings: faq,
            reserved_ids: Box::leak(Box::default()),
        }
    }

    #[test]
    fn raw_html_links_are_read_as_the_browser_reads_them() {
        assert_eq!(unescape_attribute("a.png").as_deref(), Some("a.png"));
        assert_eq!(unescape_attribute("q.md?a=1&amp;b=2").as_deref(), Some("q.md?a=1&b=2"));
        assert_eq!(unescape_attribute("&#x51;&#46;md").as_deref(), Some("Q.md"));
        assert_eq!(unescape_attribute("caf&eacute;&nbsp;&NotEqualTilde;.html").as_deref(), Some("caf\u{e9}\u{a0}\u{2242}\u{338}.html"));
        assert_eq!(unescape_attribute("&nosuchname;.html"), None, "a named reference HTML does not have");
        assert_eq!(unescape_attribute("r.pdf?a=1&b=2&").as_deref(), Some("r.pdf?a=1&b=2&"), "no reference: kept");
        let r = |p: &str| (p == "clients/acme/q.md").then(|| "clients/acme/q/".to_string());
        let out = render("<a href=\"q.md?x=1&amp;y=2#top\">q</a> <a href=\"&nosuchname;.html\">o</a>\n", &cx(&r, &[])).unwrap();
        assert!(out.html.contains("<a href=\"/clients/acme/q/?x=1&amp;y=2#top\">q</a>"), "{}", out.html);
        assert!(out.html.contains("<a href=\"&nosuchname;.html\">o</a>"), "left as written: {}", out.html);
        let kinds: Vec<LinkKind> = out.links.iter().map(|l| l.kind).collect();
        assert_eq!(kinds, [LinkKind::Page, LinkKind::Unreadable], "reported, not guessed at: {:?}", out.links);
    }

    #[test]
    fn heading_ids_follow_github() {
        assert_eq!(slugify("Escalation path"), "escalation-path");
        assert_eq!(slugify("Database backup/restore not completed"), "database-backuprestore-not-completed");
        assert_eq!(slugify("1. Add support"), "1-add-support");
        assert_eq!(slugify("Step one - create"), "step-one---create");
        assert_eq!(slugify("Héllo Wörld"), "héllo-wörld");
    }

    #[test]
    fn headings_get_unique_ids_and_toc() {
        let r = |_: &str| None;
        let out = render("# A\n\n## Escalation path\n\n## Escalation path\n", &cx(&r, &[])).unwrap();
        let ids: Vec<_> = out.toc.iter().map(|t| t.id.as_str()).collect();
        assert_eq!(ids, ["a", "escalation-path", "escalation-path-1"]);
        assert!(out.html.contains("<h2 id=\"escalation-path\">Escalation path <a class=\"anchor\""));
    }

    #[test]
    fn md_links_are_rewritten_and_recorded_with_line() {
        let r = |p: &str| (p == "clients/beta/managed.md").then(|| "clients/beta/managed/".to_string());
        let out = render("Intro\n\nSee [beta](../beta/managed.md#scope).\n", &cx(&r, &[])).unwrap();
        assert!(out.html.contains("href=\"/clients/beta/managed/#scope\""), "{}", out.html);
        assert_eq!(out.links[0].target.as_deref(), Some("clients/beta/managed.md"));
        assert_eq!(out.links[0].fragment.as_deref(), Some("scope"));
        assert_eq!(out.links[0].line, 3);
    }

    #[test]
    fn reference_links_are_recorded_once_where_their_definition_writes_the_url() {
        let r = |p: &str| (p == "clients/beta/managed.md").then(|| "clients/beta/managed/".to_string());
        let body = "See [beta][b], [Beta][B] again, [c][] and ![logo][img].\n\n\
                    [b]: ../beta/managed.md#scope\n\
                    [c]:\n   <files/a b.pdf>\n\
                    [img]: logo.png \"The logo\"\n";
        let out = render(body, &cx(&r, &[])).unwrap();
        assert_eq!(out.html.matches("href=\"/clients/beta/managed/#scope\"").count(), 2, "both uses rewritten: {}", out.html);
        let at: Vec<(Option<&str>, usize, usize)> = out.links.iter().map(|l| (l.target.as_deref(), l.line, l.column)).collect();
        assert_eq!(
            at,
            [(Some("clients/beta/managed.md"), 3, 6), (Some("clients/acme/files/a b.pdf"), 5, 5), (Some("clients/acme/logo.png"), 6, 8)],
            "one record a definition, at its URL"
        );
    }

    /// Reference definitions are placed by searching their source for `]:`; shuffled pieces of
    /// links, definitions, quotes, lists and multi-byte text never make that panic, and every
    /// link lands on a line and column the text has.
    #[test]
    fn links_in_shuffled_markdown_are_placed_inside_the_text() {
        let pieces = [
            "[a]",
            "[a]: ",
            "[b\\]: c]: ",
            "/x.md",
            "<y z.md>",
            " \"t\"",
            "\n",
            "\n\n",
            "> ",
            "- ",
            "   ",
            "[t][a]",
            "[a][]",
            "![i][b]",
            "[u](v.md)",
            "é",
            "ü]:",
            "]",
            ":",
            "`",
            "```\n",
            "<a href=\"/w\">",
            "#f",
            "\t",
        ];
        let r = |_: &str| None;
        let mut state = 0x2545_f491_4f6c_dd1d_u64;
        for _ in 0..3000 {
            let mut body = String::new();
            for _ in 0..12 {
                state ^= state << 13;
                state ^= state >> 7;
                state ^= state << 17;
                body.push_str(pieces[(state % pieces.len() as u64) as usize]);
            }
            let out = render(&body, &cx(&r, &[])).unwrap();
            let lines: Vec<&str> = body.split('\n').collect();
            for l in &out.links {
                let line = lines.get(l.line - 1).unwrap_or_else(|| panic!("line {} of {body:?}", l.line));
                assert!(l.column >= 1 && l.column <= line.chars().count() + 1, "column {} of line {} in {body:?}", l.column, l.line);
            }
        }
    }

    #[test]
    fn links_to_folders_and_files_keep_their_slash_and_query() {
        let r = |_: &str| None;
        let out = render("[all](../) [beta](../beta/) [doc](files/report.pdf?v=2#page=3) [img](a%20b.png)\n", &cx(&r, &[])).unwrap();
        for href in [
            "href=\"/clients/\"",
            "href=\"/clients/beta/\"",
            "href=\"/clients/acme/files/report.pdf?v=2#page=3\"",
            "href=\"/clients/acme/a%20b.png\"",
        ] {
            assert!(out.html.contains(href), "{href} in {}", out.html);
        }
    }

    #[test]
    fn internal_blocks_are_wrapped_or_removed() {
        let r = |_: &str| None;
        let src = "Public.\n\n::: internal\nSecret canary.\n:::\n\nAfter.\n";
        let internal = render(src, &cx(&r, &[])).unwrap();
        assert!(internal.html.contains("internal-block"));
        assert!(internal.html.contains("Secret canary"));
        let mut c = cx(&r, &[]);
        c.audience = Audience::Client;
        let client = render(src, &c).unwrap();
        assert!(!client.html.contains("Secret"));
        assert!(client.html.contains("After."));
    }

    #[test]
    fn unclosed_internal_block_is_an_error_with_line() {
        let err = prepare_internal_blocks("a\n\n::: internal\nsecret\n", Audience::Client).unwrap_err();
        assert_eq!(err.line, 3);
    }

    #[test]
    fn markers_inside_code_fences_are_text() {
        let (text, regions) = prepare_internal_blocks("```\n::: internal\n```\n", Audience::Client).unwrap();
        assert!(regions.is_empty());
        assert!(text.contains("::: internal"));
    }

    #[test]
    fn faq_sections_become_questions() {
        let r = |_: &str| None;
        let faq = vec!["Frequently asked questions".to_string()];
        let src = "## Frequently asked questions\n\n### Is it cheaper?\n\nOften.\n\n```sh\nls\n```\n\n### Can we switch?\n\n- yes\n- later\n\n## Sources\n\nx\n";
        let out = render(src, &cx(&r, &faq)).unwrap();
        assert_eq!(out.faq.len(), 2);
        assert_eq!(out.faq[0].anchor, "faq-is-it-cheaper");
        assert!(out.faq[0].answer_html.contains("<pre class=\"code\">"));
        assert!(out.faq[1].answer_html.contains("<li>later</li>"));
        assert!(!out.faq[1].answer_html.contains("Sources"));
    }

    #[test]
    fn footnotes_at_the_end_stay_out_of_the_last_answer() {
        let r = |_: &str| None;
        let faq = vec!["FAQ".to_string()];
        let src = "## FAQ\n\n### Why?\n\nBecause.[^1]\n\n[^1]: The footnote text.\n";
        let out = render(src, &cx(&r, &faq)).unwrap();
        assert_eq!(out.faq.len(), 1);
        assert!(!out.faq[0].answer_html.contains("footnote text"), "{}", out.faq[0].answer_html);
        assert!(out.html.contains("The footnote text"));
    }

    #[test]
    fn alerts_and_code_are_classed() {
        let r = |_: &str| None;
        let out = render("> [!NOTE]\n> Hi\n\n```sh\necho hi # c\n```\n", &cx(&r, &[])).unwrap();
        assert!(out.html.contains("<div class=\"alert alert-note\">"));
        assert!(out.html.contains("hl-"), "{}", out.html);
    }
}
