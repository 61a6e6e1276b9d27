//! Walks `content/`, splits each Markdown file into YAML front-matter and body, deserializes the
//! front-matter straight into [`FrontMatter`] and gives every page its URL. Reading and parsing
//! run in parallel; the walk order (and so every list built from it) is deterministic.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use rayon::prelude::*;
use serde::{Deserialize, Serialize};
use walkdir::WalkDir;

use crate::config::{Audience, Hours, UnknownKeys, yaml_error};
use crate::diagnostics::{Diagnostic, Pos, did_you_mean};
use crate::yaml_pos::YamlIndex;
use crate::yaml_shapes::{OneOrMany, OrderedMap, opt_string};

pub const CONTENT_DIR: &str = "content";

/// One workstream's assignment in a playbook. `documentation: acme-it` is shorthand for an
/// assignment whose accountable and responsible owner is `acme-it`.
#[derive(Debug, Clone, Default, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Assignment {
    #[serde(default)]
    pub accountable: OneOrMany,
    #[serde(default)]
    pub responsible: OneOrMany,
    #[serde(default)]
    pub consulted: OneOrMany,
    #[serde(default)]
    pub informed: OneOrMany,
    #[serde(default)]
    pub coverage: Option<Hours>,
    #[serde(default, deserialize_with = "opt_string")]
    pub after_hours: Option<String>,
    #[serde(default)]
    pub escalation: OneOrMany,
    #[serde(default, deserialize_with = "opt_string")]
    pub handoff: Option<String>,
    #[serde(default, deserialize_with = "opt_string")]
    pub internal_notes: Option<String>,
    /// True when written as the `workstream: owner` shorthand.
    #[serde(skip)]
    pub shorthand: bool,
}

impl<'de> Deserialize<'de> for AssignmentEntry {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> serde::de::Visitor<'de> for V {
            type Value = AssignmentEntry;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("an owner id, or a mapping with accountable, responsible, consulted, informed, …")
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<AssignmentEntry, E> {
                Ok(AssignmentEntry(shorthand(v)))
            }
            fn visit_unit<E: serde::de::Error>(self) -> Result<AssignmentEntry, E> {
                Ok(AssignmentEntry(Assignment::default()))
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(self, map: A) -> Result<AssignmentEntry, A::Error> {
                Assignment::deserialize(serde::de::value::MapAccessDeserializer::new(map)).map(AssignmentEntry)
            }
        }
        d.deserialize_any(V)
    }
}

fn shorthand(owner: &str) -> Assignment {
    Assignment {
        accountable: OneOrMany(vec![owner.to_string()]),
        responsible: OneOrMany(vec![owner.to_string()]),
        shorthand: true,
        ..Assignment::default()
    }
}

/// Wrapper so a workstream value can be either shape without serde's buffering `untagged`.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct AssignmentEntry(pub Assignment);

impl Serialize for AssignmentEntry {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.0.serialize(s)
    }
}

#[derive(Debug, Clone, Default, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct FaqEntry {
    #[serde(default, deserialize_with = "opt_string")]
    pub q: Option<String>,
    #[serde(default, deserialize_with = "opt_string")]
    pub a: Option<String>,
    #[serde(default, deserialize_with = "opt_string")]
    pub id: Option<String>,
    #[serde(default)]
    pub tags: OneOrMany,
    #[serde(default)]
    pub workstreams: OneOrMany,
    #[serde(default)]
    pub audience: Option<Audience>,
}

#[derive(Debug, Clone, Default, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct SourceRef {
    #[serde(default, deserialize_with = "opt_string")]
    pub title: Option<String>,
    #[serde(default, deserialize_with = "opt_string")]
    pub url: Option<String>,
}

/// Whether a playbook is in force: the arrangement today (the default), one proposed and not yet
/// agreed, or one that no longer applies, kept for the record. A reader must never take either
/// of the last two for the agreement, so every view that lists a playbook says so.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    #[default]
    Current,
    Proposal,
    Retired,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Current => "current",
            Status::Proposal => "proposal",
            Status::Retired => "retired",
        }
    }

    /// The badge a listing shows, none for a playbook in force.
    pub fn label(self) -> &'static str {
        match self {
            Status::Current => "",
            Status::Proposal => "Proposal",
            Status::Retired => "Retired",
        }
    }

    /// What the playbook's own page says beside the badge.
    pub fn note(self) -> &'static str {
        match self {
            Status::Current => "",
            Status::Proposal => "Not in force: an arrangement under discussion, not the one that applies today.",
            Status::Retired => "No longer in force: kept for the record of how the work was divided.",
        }
    }

    /// The badge as HTML, with a space before it; empty for a playbook in force.
    pub fn badge(self) -> String {
        match self {
            Status::Current => String::new(),
            s => format!(" <span class=\"status status-{}\">{}</span>", s.as_str(), s.label()),
        }
    }
}

/// The front-matter keys a page may use. Anything else is an `unknown-key` error, unless the
/// site moves unknown keys to `extra` (`front_matter: {unknown_keys: extra}`).
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct FrontMatter {
    #[serde(default, deserialize_with = "opt_string")]
    pub title: Option<String>,
    #[serde(default, deserialize_with = "opt_string")]
    pub summary: Option<String>,
    #[serde(default, deserialize_with = "opt_string")]
    pub client: Option<String>,
    #[serde(default, deserialize_with = "opt_string")]
    pub model: Option<String>,
    #[serde(default)]
    pub audience: Option<Audience>,
    /// In force, proposed or retired ([`Status`]).
    #[serde(default)]
    pub status: Status,
    #[serde(default)]
    pub tags: OneOrMany,
    /// Frameworks the engagement answers to (HIPAA, SOC 2, PCI DSS, …).
    #[serde(default)]
    pub compliance: OneOrMany,
    #[serde(default, deserialize_with = "opt_string")]
    pub updated: Option<String>,
    #[serde(default, deserialize_with = "opt_string")]
    pub review_by: Option<String>,
    #[serde(default)]
    pub draft: bool,
    #[serde(default, deserialize_with = "opt_string")]
    pub slug: Option<String>,
    #[serde(default)]
    pub workstreams: OrderedMap<AssignmentEntry>,
    #[serde(default)]
    pub faq: Vec<FaqEntry>,
    #[serde(default)]
    pub sources: Vec<SourceRef>,
    #[serde(default)]
    pub weight: Option<f64>,
    #[serde(default)]
    pub extra: BTreeMap<String, serde_yaml::Value>,
}

pub const FRONT_MATTER_KEYS: [&str; 17] = [
    "title",
    "summary",
    "client",
    "model",
    "audience",
    "status",
    "tags",
    "compliance",
    "updated",
    "review_by",
    "draft",
    "slug",
    "workstreams",
    "faq",
    "sources",
    "weight",
    "extra",
];

/// A Markdown file under `content/`: a playbook, or a section's `_index.md`.
#[derive(Debug, Clone)]
pub struct Page {
    /// Path relative to the site root with `/` separators (`content/clients/acme/x.md`).
    pub file: String,
    /// Path relative to `content/` (`clients/acme/x.md`).
    pub rel: String,
    pub raw: String,
    pub fm: FrontMatter,
    /// The YAML text of the front-matter and the 1-based file line of its first line.
    pub fm_range: std::ops::Range<usize>,
    pub fm_line: usize,
    /// Byte offset and 1-based line of the body.
    pub body_start: usize,
    pub body_line: usize,
    pub is_section: bool,
    /// URL path below the site root, without leading slash, ending in `/` (empty: the home).
    pub path: String,
    /// Effective audience after section inheritance.
    pub audience: Audience,
    pub title: String,
    /// Hash of the front-matter text: tells a body-only edit apart once the text is released.
    pub yaml_hash: u64,
    /// Whether `raw` no longer holds the front-matter (a one-shot build keeps only the body once
    /// the front-matter is parsed, [`Page::release_front_matter_text`]; a page restored from the
    /// build cache holds no text at all): positions in it come from the file, read again
    /// ([`Page::positions`]).
    pub fm_text_released: bool,
    /// The source file's stamp when it was read (default when parsed from memory).
    pub stamp: Stamp,
}

/// Size, modification time, change time and inode number of a source file, taken before it is
/// read: a warm build treats a file whose stamp differs from the cached one as edited.
///
/// Why more than size and modification time: tools that copy or sync files keep their
/// modification time (`cp -p`, `rsync -a`, `tar x`), so a page replaced by another of the same
/// size would look unchanged. The change time is set by the kernel on every write and cannot be
/// set back, and a file renamed over another has a new inode (git's index compares the same).
/// Where there is neither (not Unix), both are 0 and the stamp is size and modification time.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Stamp {
    pub size: u64,
    pub mtime_ns: i128,
    pub ctime_ns: i128,
    pub inode: u64,
}

impl Stamp {
    pub fn of(meta: &std::fs::Metadata) -> Stamp {
        let mtime_ns =
            meta.modified().ok().and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok()).map(|d| d.as_nanos() as i128).unwrap_or(-1);
        let (ctime_ns, inode) = change_time_and_inode(meta);
        Stamp { size: meta.len(), mtime_ns, ctime_ns, inode }
    }
    pub fn read(path: &Path) -> Option<Stamp> {
        std::fs::metadata(path).ok().map(|m| Stamp::of(&m))
    }

    /// This stamp, taken at `read_ns`, or an unknown one (`mtime_ns` -1, as when a file has no
    /// modification time; see [`Stamp::is_known`]) when the file was modified or changed within
    /// a second (`RACY_NS`) of then: file times come from a coarse clock, so a second write of
    /// the same size within the tick of the one read would leave the stamp unchanged (git's
    /// "racily clean" entries).
    pub fn trusted_at(self, read_ns: i128) -> Stamp {
        if self.mtime_ns.max(self.ctime_ns) >= read_ns - RACY_NS { Stamp { mtime_ns: -1, ..self } } else { self }
    }

    /// Whether the file may be taken to hold what it held when this stamp was taken, as long
    /// as its stamp is unchanged.
    pub fn is_known(self) -> bool {
        self.mtime_ns >= 0 && self != Stamp::default()
    }
}

#[cfg(unix)]
fn change_time_and_inode(meta: &std::fs::Metadata) -> (i128, u64) {
    use std::os::unix::fs::MetadataExt;
    (meta.ctime() as i128 * 1_000_000_000 + meta.ctime_nsec() as i128, meta.ino())
}

#[cfg(not(unix))]
fn change_time_and_inode(_: &std::fs::Metadata) -> (i128, u64) {
    (0, 0)
}

/// How close to the moment a file is read its modification or change time must be for its stamp
/// not to be trusted (see [`Stamp::trusted_at`]).
const RACY_NS: i128 = 1_000_000_000;

/// Nanoseconds since the Unix epoch, now (0 if the clock is before it).
pub fn now_ns() -> i128 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_nanos() as i128).unwrap_or(0)
}

/// A content hash for change detection (not for security), stored in the build cache, so with
/// fixed keys. aHash may hash differently in another build of demarcate; a cache written by one
/// then sees every page as edited, which costs speed, never correctness.
pub fn text_hash(bytes: &[u8]) -> u64 {
    const KEYS: ahash::RandomState = ahash::RandomState::with_seeds(0x6465_6d61, 0x7263_6174, 0x6520_6361, 0x6368_6521);
    KEYS.hash_one(bytes)
}

impl Page {
    pub fn body(&self) -> &str {
        &self.raw[self.body_start..]
    }
    pub fn yaml(&self) -> &str {
        &self.raw[self.fm_range.clone()]
    }
    /// A position index built only when a diagnostic first needs it, from the front-matter
    /// text in hand (see [`Page::positions`] for a page that may have let it go).
    pub fn lazy_index(&self) -> LazyIndex<'_> {
        debug_assert!(!self.fm_text_released, "{}: positions in released front-matter need Page::positions", self.file);
        LazyIndex::of(self.yaml(), self.fm_line)
    }
    /// [`Page::lazy_index`] for any page: once its front-matter text is released, the index
    /// reads the file under `root` again (into `store`) when a diagnostic first needs a
    /// position, and uses it only while its front-matter is still the one parsed.
    pub fn positions<'a>(&'a self, root: &'a Path, store: &'a std::cell::OnceCell<String>) -> LazyIndex<'a> {
        if self.fm_text_released {
            LazyIndex::from_file(root, &self.file, self.yaml_hash, self.fm_line, store)
        } else {
            LazyIndex::of(self.yaml(), self.fm_line)
        }
    }
    /// Keeps only the body of the page's text. A one-shot build calls this as soon as the
    /// front-matter is parsed and resolved: at 100,000 playbooks the front-matter text, two
    /// thirds of every file, would otherwise sit in memory until the Markdown stage (about
    /// 700 MB), and the buffer each file was read into is free again for the next one.
    pub fn release_front_matter_text(&mut self) {
        if !self.fm_text_released {
            self.raw = self.raw[self.body_start..].to_owned();
            self.body_start = 0;
            self.fm_range = 0..0;
            self.fm_text_released = true;
        }
    }
    /// Folder of this page's source, relative to `content/` (`clients/acme`).
    pub fn dir(&self) -> &str {
        match self.rel.rfind('/') {
            Some(i) => &self.rel[..i],
            None => "",
        }
    }
    pub fn is_playbook(&self) -> bool {
        !self.is_section
    }
}

/// Finding positions costs a scan of the front-matter, so it happens only on the error path.
pub struct LazyIndex<'a> {
    yaml: IndexedText<'a>,
    fm_line: usize,
    cell: std::cell::OnceCell<YamlIndex<'a>>,
}

enum IndexedText<'a> {
    InHand(&'a str),
    /// The front-matter of `file` under `root`, read into `store` on first use, if its text
    /// still hashes to `hash` (else nothing: positions fall back to where the front-matter
    /// starts). The path is joined only then: most pages never need a position.
    File {
        root: &'a Path,
        file: &'a str,
        hash: u64,
        store: &'a std::cell::OnceCell<String>,
    },
}

impl<'a> LazyIndex<'a> {
    /// The index of front-matter text `yaml` whose first line is file line `fm_line`.
    pub fn of(yaml: &'a str, fm_line: usize) -> LazyIndex<'a> {
        LazyIndex { yaml: IndexedText::InHand(yaml), fm_line, cell: std::cell::OnceCell::new() }
    }
    /// The index of the front-matter of `file` (relative to `root`) as parsed before (its text
    /// hashed to `hash`), read again into `store` only when a position is first needed.
    pub fn from_file(root: &'a Path, file: &'a str, hash: u64, fm_line: usize, store: &'a std::cell::OnceCell<String>) -> LazyIndex<'a> {
        LazyIndex { yaml: IndexedText::File { root, file, hash, store }, fm_line, cell: std::cell::OnceCell::new() }
    }
    fn get(&self) -> &YamlIndex<'a> {
        self.cell.get_or_init(|| {
            let yaml: &'a str = match &self.yaml {
                IndexedText::InHand(yaml) => yaml,
                IndexedText::File { root, file, hash, store } => {
                    let store: &'a std::cell::OnceCell<String> = store;
                    store.get_or_init(|| front_matter_again(&root.join(file), *hash, self.fm_line).unwrap_or_default())
                }
            };
            YamlIndex::new(yaml, self.fm_line)
        })
    }
    pub fn key(&self, path: &[&str]) -> Pos {
        self.get().key(path)
    }
    pub fn key_last(&self, path: &[&str]) -> Pos {
        self.get().key_last(path)
    }
    pub fn value(&self, path: &[&str], value: &str) -> Pos {
        self.get().value(path, value)
    }
}

/// The front-matter text of `file` if it is still the one a page was parsed from (its text
/// hashes to `hash`, starting at line `fm_line`).
fn front_matter_again(file: &Path, hash: u64, fm_line: usize) -> Option<String> {
    let raw = source_text(std::fs::read(file).ok()?, "").ok()?;
    let (range, line, _, _) = split_front_matter(&raw).ok()?;
    let yaml = &raw[range];
    (line == fm_line && text_hash(yaml.as_bytes()) == hash).then(|| yaml.to_owned())
}

/// A file under `content/` that is not Markdown: copied to the same place in the output.
#[derive(Debug, Clone)]
pub struct Asset {
    pub source: PathBuf,
    pub rel: String,
    pub stamp: Stamp,
    /// Inherited from the nearest section, like a page's.
    pub audience: Audience,
}

pub struct Loaded {
    pub pages: Vec<Page>,
    pub assets: Vec<Asset>,
    pub diagnostics: Vec<Diagnostic>,
}

/// Editor leftovers and hidden files that must never become pages.
pub fn is_ignored_name(name: &str) -> bool {
    name.starts_with('.')
        || name.starts_with('#')
        || name.ends_with('~')
        || name.ends_with(".swp")
        || name.ends_with(".swx")
        || name.ends_with(".tmp")
        || name.ends_with(".bak")
        || name == "4913" // vim's write test
}

/// Lists the Markdown files and assets of `content/` in a deterministic order.
pub fn walk(root: &Path) -> (Vec<(PathBuf, String)>, Vec<Asset>, Vec<Diagnostic>) {
    let content = root.join(CONTENT_DIR);
    let mut md = Vec::new();
    let mut assets = Vec::new();
    let mut diags = Vec::new();
    if !content.is_dir() {
        diags.push(
            Diagnostic::error("no-content", CONTENT_DIR, format!("{} has no content/ folder", root.display()))
                .help("put your playbooks (.md files) under content/"),
        );
        return (md, assets, diags);
    }
    // Links are followed so a playbook can be shared between sites; a dangling link or a loop
    // is reported, not skipped.
    let walker = WalkDir::new(&content)
        .follow_links(true)
        .sort_by_file_name()
        .into_iter()
        .filter_entry(|e| e.depth() == 0 || !is_ignored_name(&e.file_name().to_string_lossy()));
    for entry in walker {
        let entry = match entry {
            Ok(e) => e,
            Err(e) => {
                let file = e.path().map(|p| rel_to(root, p)).unwrap_or_else(|| CONTENT_DIR.into());
                diags.push(Diagnostic::error("io", file, format!("cannot read: {e}")));
                continue;
            }
        };
        let kind = entry.file_type();
        if kind.is_dir() {
            continue;
        }
        if !kind.is_file() {
            diags.push(
                Diagnostic::warning("special-file", rel_to(root, entry.path()), format!("skipped: {}, not a file", special_kind(kind)))
                    .help("only files and folders under content/ are built; move it out of content/"),
            );
            continue;
        }
        let rel = rel_to(&content, entry.path());
        if rel.ends_with(".md") {
            md.push((entry.path().to_path_buf(), rel));
        } else {
            let stamp = entry.metadata().map(|m| Stamp::of(&m)).unwrap_or_default();
            assets.push(Asset { source: entry.path().to_path_buf(), rel, stamp, audience: Audience::Internal });
        }
    }
    (md, assets, diags)
}

/// What a walked entry that is neither a file nor a folder is, in words.
#[cfg_attr(not(unix), allow(unused_variables))]
fn special_kind(kind: std::fs::FileType) -> &'static str {
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        if kind.is_fifo() {
            return "a named pipe";
        }
        if kind.is_socket() {
            return "a socket";
        }
        if kind.is_block_device() || kind.is_char_device() {
            return "a device";
        }
    }
    "a special file"
}

/// A relative path with `/` separators.
pub fn rel_to_components(p: &Path) -> String {
    p.components().map(|c| c.as_os_str().to_string_lossy()).collect::<Vec<_>>().join("/")
}

pub fn rel_to(base: &Path, p: &Path) -> String {
    let r = p.strip_prefix(base).unwrap_or(p);
    r.components().map(|c| c.as_os_str().to_string_lossy()).collect::<Vec<_>>().join("/")
}

/// Splits a file into (front-matter range, its first line, body start, body line). A file
/// without a `---` first line has no front-matter. An unclosed block is an error.
pub fn split_front_matter(raw: &str) -> Result<(std::ops::Range<usize>, usize, usize, usize), String> {
    let first_end = raw.find('\n').map(|i| i + 1).unwrap_or(raw.len());
    let first = raw[..first_end].trim_end_matches(['\n', '\r']);
    if first.trim_end() != "---" {
        if first.trim_end() == "+++" {
            return Err("TOML front-matter (`+++`) is not supported; demarcate reads YAML between `---` lines".into());
        }
        return Ok((0..0, 1, 0, 1));
    }
    let mut pos = first_end;
    let mut line = 2;
    while pos < raw.len() {
        let end = raw[pos..].find('\n').map(|i| pos + i + 1).unwrap_or(raw.len());
        // Only a line starting `---` or `...` can close it: others are not trimmed and compared.
        if matches!(raw.as_bytes()[pos], b'-' | b'.') {
            let text = raw[pos..end].trim_end_matches(['\n', '\r']).trim_end();
            if text == "---" || text == "..." {
                return Ok((first_end..pos, 2, end, line + 1));
            }
        }
        pos = end;
        line += 1;
    }
    Err("front-matter starts with `---` on line 1 but is never closed".into())
}

/// Reads and parses one file. Errors become diagnostics; a page with broken front-matter is
/// still returned (with empty front-matter) so that later stages can report more problems.
fn load_page(path: &Path, rel: &str, unknown: UnknownKeys) -> (Option<Page>, Vec<Diagnostic>) {
    match read_source(path, rel).and_then(|(stamp, bytes)| source_text(bytes, rel).map(|raw| (stamp, raw))) {
        Ok((stamp, raw)) => parse_read(stamp, raw, rel, unknown),
        Err(d) => (None, vec![d]),
    }
}

/// A page's file: its stamp (taken before reading, unknown when it cannot be trusted: see
/// [`Stamp::trusted_at`]) and its bytes.
fn read_source(path: &Path, rel: &str) -> Result<(Stamp, Vec<u8>), Diagnostic> {
    // The stamp is taken from the open file (before reading it): a stamp by path and then
    // `fs::read` would resolve the path twice.
    read_file(path, rel, |file| file.metadata().ok().map(|m| Stamp::of(&m)))
}

/// [`read_source`] with the file's stamp already taken.
fn read_stamped(path: &Path, rel: &str, stamp: Option<Stamp>) -> Result<(Stamp, Vec<u8>), Diagnostic> {
    read_file(path, rel, |_| stamp)
}

/// Opens and reads a page's file, with its stamp as `stamp` gives it (from the open file, or
/// taken before) made unknown when it cannot be trusted.
fn read_file(path: &Path, rel: &str, stamp: impl FnOnce(&std::fs::File) -> Option<Stamp>) -> Result<(Stamp, Vec<u8>), Diagnostic> {
    use std::io::Read;
    let cannot = |e: std::io::Error| Diagnostic::error("io", format!("{CONTENT_DIR}/{rel}"), format!("cannot read: {e}"));
    let mut file = std::fs::File::open(path).map_err(cannot)?;
    let stamp = stamp(&file).map(|s| s.trusted_at(now_ns())).unwrap_or_default();
    let mut bytes = Vec::new();
    file.read_to_end(&mut bytes).map_err(cannot)?;
    Ok((stamp, bytes))
}

const BYTE_ORDER_MARK: &[u8] = "\u{feff}".as_bytes();

/// A page's text given as text (an edit `serve` saw), without a byte order mark, as
/// [`source_text`] keeps it.
pub(crate) fn without_byte_order_mark(raw: String) -> String {
    match raw.strip_prefix('\u{feff}') {
        Some(text) => text.to_string(),
        None => raw,
    }
}

/// A page's text: its bytes as UTF-8, without a byte order mark.
pub(crate) fn source_text(mut bytes: Vec<u8>, rel: &str) -> Result<String, Diagnostic> {
    if bytes.starts_with(BYTE_ORDER_MARK) {
        bytes.drain(..BYTE_ORDER_MARK.len());
    }
    String::from_utf8(bytes).map_err(|e| {
        let at = e.utf8_error().valid_up_to();
        // Everything before the first bad byte is text: the line and column count in it.
        let valid = std::str::from_utf8(&e.as_bytes()[..at]).unwrap_or_default();
        let line_start = valid.rfind('\n').map_or(0, |i| i + 1);
        let pos = Pos { line: valid.matches('\n').count() + 1, column: valid[line_start..].chars().count() + 1, width: 1 };
        Diagnostic::error("invalid-utf8", format!("{CONTENT_DIR}/{rel}"), format!("not valid UTF-8 text (byte {at})")).at(pos)
    })
}

/// Parses a page's text as read, with the stamp it was read under.
pub(crate) fn parse_read(stamp: Stamp, raw: String, rel: &str, unknown: UnknownKeys) -> (Option<Page>, Vec<Diagnostic>) {
    let (mut page, diags) = parse_page(raw, rel, unknown);
    if let Some(p) = &mut page {
        p.stamp = stamp;
    }
    (page, diags)
}

/// Parses the text of one page (BOM already removed). Problems become diagnostics; a page with
/// broken front-matter is still returned (with empty front-matter) so later stages can report
/// more.
pub fn parse_page(raw: String, rel: &str, unknown: UnknownKeys) -> (Option<Page>, Vec<Diagnostic>) {
    let file = format!("{CONTENT_DIR}/{rel}");
    let mut diags = Vec::new();
    let (fm_range, fm_line, body_start, body_line) = match split_front_matter(&raw) {
        Ok(s) => s,
        Err(msg) => {
            diags.push(Diagnostic::error("invalid-front-matter", file.clone(), msg).at(Pos::line(1)));
            (0..0, 1, 0, 1)
        }
    };
    let yaml = &raw[fm_range.clone()];
    let fm = if yaml.trim().is_empty() {
        FrontMatter::default()
    } else {
        diags.extend(crate::control_chars::escaped_errors(&file, yaml, fm_line));
        parse_front_matter(yaml, unknown, fm_line, &file, &mut diags).unwrap_or_default()
    };
    // The front-matter's raw controls are already YAML errors (libyaml refuses them).
    for (pos, c) in crate::control_chars::raw_controls(&raw[body_start..], body_line) {
        diags.push(crate::control_chars::raw_error(&file, pos, c));
    }
    let name = rel.rsplit('/').next().unwrap_or(rel);
    let is_section = name == "_index.md";
    let path = url_path(rel, fm.slug.as_deref());
    let title = fm
        .title
        .clone()
        .filter(|t| !t.trim().is_empty())
        .unwrap_or_else(|| first_heading(&raw[body_start..]).unwrap_or_else(|| title_from_file(rel, is_section)));
    let page = Page {
        file,
        rel: rel.to_string(),
        fm,
        fm_range,
        fm_line,
        body_start,
        body_line,
        is_section,
        path,
        audience: Audience::Internal,
        title,
        yaml_hash: text_hash(yaml.as_bytes()),
        fm_text_released: false,
        stamp: Stamp::default(),
        raw,
    };
    (Some(page), diags)
}

fn parse_front_matter(yaml: &str, unknown: UnknownKeys, fm_line: usize, file: &str, diags: &mut Vec<Diagnostic>) -> Option<FrontMatter> {
    // Most front-matter is plain enough for the fast reader; it declines anything else,
    // including every error, which serde_yaml then reports with its position.
    if let Some(fm) = crate::yaml_fast::from_str::<FrontMatter>(yaml) {
        return Some(fm);
    }
    let offset = fm_line - 1;
    match unknown {
        UnknownKeys::Error => {
            let (fm, found) = read_all_front_matter(file, yaml, offset, fm_line);
            diags.extend(found.into_iter().map(|mut d| {
                if d.code == "unknown-key" && !d.message.contains(" in `") {
                    let help = d.help.take().unwrap_or_default();
                    d = d.help(format!(
                        "{help} (to keep keys written for another generator, set `front_matter: {{unknown_keys: extra}}` in demarcate.yaml)"
                    ));
                }
                d
            }));
            fm
        }
        UnknownKeys::Extra => {
            // Fast path: most pages have no foreign keys; their errors keep exact positions.
            match serde_yaml::from_str::<FrontMatter>(yaml) {
                Ok(fm) => return Some(fm),
                Err(e) => {
                    let d = yaml_error(file, yaml, &e, offset);
                    if d.code != "unknown-key" || d.message.contains(" in `") {
                        let (fm, found) = read_all_front_matter(file, yaml, offset, fm_line);
                        diags.extend(found);
                        return fm;
                    }
                }
            }
            // Migration mode: move unknown top-level keys under `extra`, then read the rest.
            let mut map: serde_yaml::Mapping = match serde_yaml::from_str(yaml) {
                Ok(serde_yaml::Value::Mapping(m)) => m,
                Ok(serde_yaml::Value::Null) => return Some(FrontMatter::default()),
                Ok(_) => {
                    diags.push(
                        Diagnostic::error("wrong-type", file, "front-matter must be a mapping of keys to values").at(Pos::line(fm_line)),
                    );
                    return None;
                }
                Err(e) => {
                    diags.push(yaml_error(file, yaml, &e, offset));
                    return None;
                }
            };
            let mut moved = Vec::new();
            let keys: Vec<serde_yaml::Value> = map.keys().cloned().collect();
            for k in keys {
                let name = match &k {
                    serde_yaml::Value::String(s) => s.clone(),
                    other => serde_yaml::to_string(other).unwrap_or_default().trim().to_string(),
                };
                if !FRONT_MATTER_KEYS.contains(&name.as_str())
                    && let Some(v) = map.remove(&k)
                {
                    moved.push((name, v));
                }
            }
            let idx = YamlIndex::new(yaml, fm_line);
            // The rest is read from the text with the moved keys cut out, so that its own
            // mistakes are reported at their places and all together; from what is left of the
            // mapping when a moved key cannot be found in the text to be cut.
            let rest = match without_keys(yaml, &idx, offset, moved.iter().map(|(name, _)| name.as_str())) {
                Some(text) => {
                    let (fm, found) = read_all_front_matter(file, &text, offset, fm_line);
                    diags.extend(found);
                    fm
                }
                None => match serde_yaml::from_value(serde_yaml::Value::Mapping(map)) {
                    Ok(fm) => Some(fm),
                    Err(e) => {
                        let msg = e.to_string();
                        let key = FRONT_MATTER_KEYS.iter().find(|k| msg.starts_with(&k.to_string())).copied().unwrap_or("");
                        let pos = if key.is_empty() { Pos::line(fm_line) } else { idx.key(&[key]) };
                        diags.push(Diagnostic::error("wrong-type", file, msg).at(pos));
                        None
                    }
                },
            };
            let mut fm = rest?;
            for (name, v) in moved {
                let help = match did_you_mean(&name, FRONT_MATTER_KEYS) {
                    Some(s) => format!("did you mean `{s}`? Otherwise templates can read it as `page.extra.{name}`"),
                    None => format!("templates can read it as `page.extra.{name}`"),
                };
                diags.push(
                    Diagnostic::warning("unknown-key", file, format!("unknown key `{name}` moved to `extra`"))
                        .at(idx.key(&[&name]))
                        .help(help),
                );
                fm.extra.entry(name).or_insert(v);
            }
            Some(fm)
        }
    }
}

/// `yaml` with the top-level entries of `keys` cut out (lines and columns kept), or `None` when
/// one is not found where the index places it.
fn without_keys<'a>(yaml: &str, idx: &YamlIndex, offset: usize, keys: impl Iterator<Item = &'a str>) -> Option<String> {
    let mut text = yaml.to_string();
    for name in keys {
        let at = idx.key(&[name]);
        let line = at.line.checked_sub(offset)?;
        let there: String = text.lines().nth(line.checked_sub(1)?)?.chars().skip(at.column.checked_sub(1)?).collect();
        // The index falls back to a nearby place for a key it cannot find: cut only the key itself.
        let after = there.trim_start_matches(['"', '\'']).strip_prefix(name)?;
        if !after.trim_start_matches(['"', '\'']).trim_start().starts_with(':') {
            return None;
        }
        text = crate::yaml_recover::without_entry(&text, line, at.column)?;
    }
    Some(text)
}

/// Reads front-matter past its mistakes ([`yaml_recover::read_all`]): every unknown or repeated
/// key and value of the wrong type is reported, and past unknown and repeated keys alone the
/// page is checked (and, were `unknown-key` turned down to a warning, built) with the rest of
/// its front-matter. A page whose front-matter could not be read at all gets an error no
/// `checks:` setting turns down, so it can never build with its front-matter lost.
fn read_all_front_matter(file: &str, yaml: &str, offset: usize, fm_line: usize) -> (Option<FrontMatter>, Vec<Diagnostic>) {
    let (fm, mut found) = crate::yaml_recover::read_all::<FrontMatter>(file, yaml, offset);
    if fm.is_none() && found.iter().all(|d| !crate::check::is_fixed(d.code)) {
        found.push(
            Diagnostic::error("invalid-front-matter", file, "the front-matter cannot be read past the key above")
                .at(found.last().map_or(Pos::line(fm_line), |d| Pos { line: d.line, column: d.column, width: d.width }))
                .help("remove or rename the key; the page is not built without its front-matter"),
        );
    }
    (fm, found)
}

/// The URL path of a source file: `clients/acme/co-managed.md` → `clients/acme/co-managed/`,
/// `clients/_index.md` → `clients/`, `guide/index.md` → `guide/`. `slug` replaces the last part.
pub fn url_path(rel: &str, slug: Option<&str>) -> String {
    let (dir, name) = match rel.rfind('/') {
        Some(i) => (&rel[..i], &rel[i + 1..]),
        None => ("", rel),
    };
    let stem = name.strip_suffix(".md").unwrap_or(name);
    let stem = stem.strip_suffix(".html").unwrap_or(stem);
    let mut parts: Vec<String> = dir.split('/').filter(|s| !s.is_empty()).map(url_segment).collect();
    // A slug with no letter or digit (`.`, `!!!`) slugifies to nothing: the page keeps its
    // file's name (and `check` reports the slug) instead of getting an empty URL segment.
    let slug = slug.map(slug::slugify).filter(|s| !s.is_empty());
    if stem == "_index" || stem == "index" {
        if let Some(s) = slug
            && !parts.is_empty()
        {
            parts.pop();
            parts.push(s);
        }
    } else {
        parts.push(slug.unwrap_or_else(|| url_segment(stem)));
    }
    if parts.is_empty() { String::new() } else { format!("{}/", parts.join("/")) }
}

fn url_segment(s: &str) -> String {
    s.chars().map(|c| if unsafe_in_url(c) { '-' } else { c }).collect()
}

/// What a URL path segment cannot hold as it is: a folder's name has each replaced by `-` on
/// its way into a URL, and a registry id must not have any (`ownership::id_problem`).
pub fn unsafe_in_url(c: char) -> bool {
    c.is_whitespace() || matches!(c, '?' | '#' | '%' | '"' | '<' | '>')
}

/// A page's title: front-matter `title`, else its first `#` heading, else its file name.
pub fn page_title(fm: &FrontMatter, body: &str, rel: &str, is_section: bool) -> String {
    fm.title
        .clone()
        .filter(|t| !t.trim().is_empty())
        .unwrap_or_else(|| first_heading(body).unwrap_or_else(|| title_from_file(rel, is_section)))
}

/// The first `#` heading outside `::: internal` blocks: a title is shown to every audience, so
/// it never comes from a block only the internal one sees (a malformed block gives none; the
/// build reports it).
fn first_heading(body: &str) -> Option<String> {
    let blanked;
    let body = if body.contains(":::") {
        blanked = crate::markdown::prepare_internal_blocks(body, crate::config::Audience::Client).ok()?.0;
        blanked.as_str()
    } else {
        body
    };
    let mut in_fence = false;
    for line in body.lines() {
        let t = line.trim_start();
        if t.starts_with("```") || t.starts_with("~~~") {
            in_fence = !in_fence;
        }
        if !in_fence && t.starts_with("# ") {
            let title = t.trim_start_matches('#').trim().trim_end_matches('#').trim();
            if !title.is_empty() {
                return Some(title.to_string());
            }
        }
    }
    None
}

fn title_from_file(rel: &str, is_section: bool) -> String {
    let parts: Vec<&str> = rel.split('/').collect();
    let name = if is_section && parts.len() >= 2 { parts[parts.len() - 2] } else { parts.last().copied().unwrap_or(rel) };
    let stem = name.trim_end_matches(".md").trim_end_matches(".html");
    if stem == "_index" {
        return "Home".into();
    }
    let words = stem.replace(['-', '_'], " ");
    let mut c = words.chars();
    match c.next() {
        Some(f) => f.to_uppercase().collect::<String>() + c.as_str(),
        None => stem.to_string(),
    }
}

/// Walks and parses every page in parallel, then applies section audience inheritance.
pub fn load(root: &Path, unknown: UnknownKeys, default_audience: Audience) -> Loaded {
    load_each(root, unknown, default_audience, |_| ()).0
}

/// [`load`], running `each` on every page as soon as it is parsed (on the thread that read it)
/// and returning its results in page order: a one-shot build resolves ownership there, so what
/// it frees is reused while the next pages are read.
pub fn load_each<R: Send>(
    root: &Path,
    unknown: UnknownKeys,
    default_audience: Audience,
    each: impl Fn(&mut Page) -> R + Sync,
) -> (Loaded, Vec<R>) {
    let (files, assets, diagnostics) = walk(root);
    let read = std::sync::atomic::AtomicBool::new(false);
    let results: Vec<_> = std::thread::scope(|s| {
        // Beside the readers, on a thread of its own: it mostly waits for the disk.
        let _ = std::thread::Builder::new().name("read-ahead".into()).spawn_scoped(s, || crate::read_ahead::files(&files, &read));
        let results = files
            .par_iter()
            .map(|(p, rel)| {
                let (page, diags) = load_page(p, rel, unknown);
                let page = page.map(|mut page| {
                    let r = each(&mut page);
                    (page, r)
                });
                (page, diags)
            })
            .collect();
        read.store(true, std::sync::atomic::Ordering::Relaxed);
        results
    });
    assemble(results, assets, diagnostics, default_audience)
}

/// Pages a rebuild of the model can take over instead of parsing their files again (see
/// [`load_known`]): the previous model's pages, where still on offer, and where each sat.
#[derive(Default)]
pub struct Known {
    pub by_rel: crate::HashMap<String, usize>,
    /// Each page with whether it is on offer to be taken over; one that is not is only compared
    /// with its file (a page parsed again from the same text has the same URL).
    pub pages: Vec<Option<(Page, bool)>>,
}

impl Known {
    /// The page at `rel` under `content/` and whether it is on offer (once).
    pub fn take(&mut self, rel: &str) -> Option<(Page, bool)> {
        let &at = self.by_rel.get(rel)?;
        self.pages.get_mut(at)?.take()
    }
}

/// How [`load_known`] came by a page.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Came {
    /// The previous page taken over: its file has the stamp it was read under, or the same text.
    TakenOver,
    /// Parsed again from the same text as before (the previous page was not on offer).
    SameText,
    /// Parsed from text that is new or changed.
    Changed,
}

/// [`load`] for a rebuild of the model while the previous one is at hand (`serve`, after a
/// page was added, deleted or moved): a file whose stamp is still the one a known page on offer
/// was read under, or whose text is still that page's, is that page, and is not parsed again.
/// Returns how each page came.
pub fn load_known(root: &Path, unknown: UnknownKeys, default_audience: Audience, known: &mut Known) -> (Loaded, Vec<Came>) {
    let (files, assets, diagnostics) = walk(root);
    let files: Vec<_> = files
        .into_iter()
        .map(|(path, rel)| {
            let page = known.take(&rel);
            (path, rel, page)
        })
        .collect();
    let results: Vec<_> = files
        .into_par_iter()
        .map(|(path, rel, known)| {
            // A page on offer whose file's stamp is the one it was read under: not read again.
            let stamp = Stamp::read(&path);
            let known = match known {
                Some((page, true)) if page.stamp.is_known() && stamp == Some(page.stamp) => {
                    return (Some((page, Came::TakenOver)), Vec::new());
                }
                known => known,
            };
            let (stamp, bytes) = match read_stamped(&path, &rel, stamp) {
                Ok(read) => read,
                Err(d) => return (None, vec![d]),
            };
            let came = match known {
                Some((page, on_offer)) if bytes.strip_prefix(BYTE_ORDER_MARK).unwrap_or(&bytes) == page.raw.as_bytes() => {
                    if on_offer {
                        // The page as parsed before, stamped afresh.
                        return (Some((Page { stamp, ..page }, Came::TakenOver)), Vec::new());
                    }
                    Came::SameText
                }
                _ => Came::Changed,
            };
            match source_text(bytes, &rel) {
                Ok(raw) => {
                    let (page, diags) = parse_read(stamp, raw, &rel, unknown);
                    (page.map(|page| (page, came)), diags)
                }
                Err(d) => (None, vec![d]),
            }
        })
        .collect();
    assemble(results, assets, diagnostics, default_audience)
}

/// One file read: the page (if it could be read) with what was done with it, and the problems.
type Read<R> = (Option<(Page, R)>, Vec<Diagnostic>);

/// The pages read (in walk order) with what was done with each, the assets, and every
/// diagnostic, with audiences inherited from the sections.
fn assemble<R>(
    results: Vec<Read<R>>,
    assets: Vec<Asset>,
    mut diagnostics: Vec<Diagnostic>,
    default_audience: Audience,
) -> (Loaded, Vec<R>) {
    let mut pages = Vec::with_capacity(results.len());
    let mut each_results = Vec::with_capacity(results.len());
    for (page, diags) in results {
        diagnostics.extend(diags);
        if let Some((page, r)) = page {
            pages.push(page);
            each_results.push(r);
        }
    }
    apply_audience(&mut pages, default_audience);
    let mut assets = assets;
    apply_asset_audience(&pages, &mut assets, default_audience);
    (Loaded { pages, assets, diagnostics }, each_results)
}

/// An asset's audience is its nearest section's, else the site default.
pub(crate) fn apply_asset_audience(pages: &[Page], assets: &mut [Asset], default: Audience) {
    let sections = section_audiences(pages);
    for a in assets {
        let dir = a.rel.rfind('/').map(|i| a.rel[..i].to_string()).unwrap_or_default();
        a.audience = inherited(&sections, Some(dir), default);
    }
}

/// A page's audience is its own, else its nearest section's, else the site default.
pub(crate) fn apply_audience(pages: &mut [Page], default: Audience) {
    let sections = section_audiences(pages);
    for p in pages.iter_mut() {
        p.audience = match p.fm.audience {
            Some(a) => a,
            None => inherited(&sections, if p.is_section { parent_dir(p.dir()) } else { Some(p.dir().to_string()) }, default),
        };
    }
}

fn section_audiences(pages: &[Page]) -> BTreeMap<String, Audience> {
    pages.iter().filter(|p| p.is_section).filter_map(|p| p.fm.audience.map(|a| (p.dir().to_string(), a))).collect()
}

/// The audience of the nearest section at or above `dir` that sets one.
fn inherited(sections: &BTreeMap<String, Audience>, mut dir: Option<String>, default: Audience) -> Audience {
    while let Some(d) = dir {
        if let Some(a) = sections.get(&d) {
            return *a;
        }
        dir = parent_dir(&d);
    }
    default
}

fn parent_dir(d: &str) -> Option<String> {
    if d.is_empty() {
        return None;
    }
    Some(d.rfind('/').map(|i| d[..i].to_string()).unwrap_or_default())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Waits until files written before the call are older than the racy window. (Setting a
    /// file's modification time back would not do: its change time is what it is.)
    fn outlast_racy_window() {
        std::thread::sleep(std::time::Duration::from_nanos(RACY_NS as u64 + 100_000_000));
    }

    /// Rewrites a file with text of the same length and puts its modification time back, as
    /// `cp -p` does: only the change time shows the edit.
    fn rewrite_keeping_stamp(path: &Path, text: &str) {
        let before = std::fs::metadata(path).unwrap();
        assert_eq!(before.len(), text.len() as u64, "same length");
        std::fs::write(path, text).unwrap();
        std::fs::File::options().write(true).open(path).unwrap().set_modified(before.modified().unwrap()).unwrap();
    }

    fn known(loaded: Loaded) -> Known {
        let by_rel = loaded.pages.iter().enumerate().map(|(i, p)| (p.rel.clone(), i)).collect();
        Known { by_rel, pages: loaded.pages.into_iter().map(|p| Some((p, true))).collect() }
    }

    #[test]
    fn positions_in_released_front_matter_come_from_the_file_while_it_is_unchanged() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join(CONTENT_DIR)).unwrap();
        let text = "\u{feff}---\ntitle: A\nupdated: 2031-01-01\n---\n# Body\n\nText.\n";
        let path = dir.path().join(CONTENT_DIR).join("a.md");
        std::fs::write(&path, text).unwrap();
        let (page, diags) = load_page(&path, "a.md", UnknownKeys::Error);
        assert!(diags.is_empty(), "{diags:?}");
        let mut page = page.unwrap();
        let store = std::cell::OnceCell::new();
        let in_hand = page.positions(dir.path(), &store).value(&["updated"], "2031-01-01");
        assert_eq!((in_hand.line, in_hand.column), (3, 10));
        assert!(store.get().is_none(), "the text in hand is used, the file not read");

        page.release_front_matter_text();
        assert_eq!(page.raw, "# Body\n\nText.\n");
        assert_eq!(page.body(), page.raw);
        let store = std::cell::OnceCell::new();
        let idx = page.positions(dir.path(), &store);
        assert!(store.get().is_none(), "the file is read only when a position is needed");
        assert_eq!(idx.value(&["updated"], "2031-01-01"), in_hand);
        assert_eq!(idx.key(&["title"]).line, 2);

        // Edited since it was parsed: the file's front-matter is no longer the page's, so its
        // positions would point at the wrong text; the lookups fall back to the front-matter.
        std::fs::write(&path, "---\ntitle: A\n\n\nupdated: 2031-01-01\n---\n").unwrap();
        let store = std::cell::OnceCell::new();
        let stale = page.positions(dir.path(), &store).value(&["updated"], "2031-01-01");
        assert_ne!(stale.line, 5, "{stale:?}");
        assert_eq!(store.get().map(String::as_str), Some(""));
        std::fs::remove_file(&path).unwrap();
        let store = std::cell::OnceCell::new();
        assert_eq!(page.positions(dir.path(), &store).key(&["title"]), stale_key_fallback(&page));
    }

    /// Where a lookup lands in front-matter text that is not at hand.
    fn stale_key_fallback(page: &Page) -> crate::diagnostics::Pos {
        LazyIndex::of("", page.fm_line).key(&["title"])
    }

    #[test]
    fn a_file_modified_just_before_it_is_read_has_an_unknown_stamp() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.md");
        std::fs::write(&path, "---\ntitle: A\n---\n").unwrap();
        let (fresh, _) = read_source(&path, "a.md").unwrap();
        assert!(!fresh.is_known(), "{fresh:?}");
        outlast_racy_window();
        let (old, _) = read_source(&path, "a.md").unwrap();
        assert!(old.is_known(), "{old:?}");
        assert_eq!(Stamp::read(&path), Some(old));
    }

    #[test]
    fn a_page_is_taken_over_by_its_stamp_only_when_the_stamp_can_be_trusted() {
        let dir = tempfile::tempdir().unwrap();
        let content = dir.path().join("content");
        std::fs::create_dir_all(&content).unwrap();
        let [copied, moved, recent, same] = ["copied.md", "moved.md", "recent.md", "same.md"].map(|n| content.join(n));
        std::fs::write(&copied, "---\ntitle: Copied one\n---\n").unwrap();
        std::fs::write(&moved, "---\ntitle: Moved one\n---\n").unwrap();
        std::fs::write(&same, "---\ntitle: Same one\n---\n").unwrap();
        outlast_racy_window();
        std::fs::write(&recent, "---\ntitle: Recent one\n---\n").unwrap();
        let mut previous = known(load(dir.path(), UnknownKeys::Error, Audience::Internal));

        // Rewritten keeping size and modification time, as `cp -p` or `rsync -a` do: the
        // change time moved, so the page is read again.
        rewrite_keeping_stamp(&copied, "---\ntitle: Copied two\n---\n");
        // Another file of the same size and modification time renamed over it: a new inode.
        let other = dir.path().join("other.md");
        std::fs::write(&other, "---\ntitle: Moved two\n---\n").unwrap();
        let mtime = std::fs::metadata(&moved).unwrap().modified().unwrap();
        std::fs::File::options().write(true).open(&other).unwrap().set_modified(mtime).unwrap();
        std::fs::rename(&other, &moved).unwrap();
        // Read within a second of its write, so its stamp was not trusted.
        rewrite_keeping_stamp(&recent, "---\ntitle: Recent two\n---\n");
        let (loaded, came) = load_known(dir.path(), UnknownKeys::Error, Audience::Internal, &mut previous);
        let got: Vec<(&str, &str, Came)> = loaded.pages.iter().zip(&came).map(|(p, c)| (p.rel.as_str(), p.title.as_str(), *c)).collect();
        assert_eq!(
            got,
            [
                ("copied.md", "Copied two", Came::Changed),
                ("moved.md", "Moved two", Came::Changed),
                ("recent.md", "Recent two", Came::Changed),
                ("same.md", "Same one", Came::TakenOver)
            ]
        );

        // A page whose stamp is unknown but whose text is the same is taken over by its text.
        let mut previous = known(loaded);
        let (loaded, came) = load_known(dir.path(), UnknownKeys::Error, Audience::Internal, &mut previous);
        assert_eq!((loaded.pages[2].title.as_str(), came[2]), ("Recent two", Came::TakenOver));
    }

    #[test]
    fn urls_follow_folders_and_slugs() {
        assert_eq!(url_path("clients/acme/co-managed.md", None), "clients/acme/co-managed/");
        assert_eq!(url_path("clients/_index.md", None), "clients/");
        assert_eq!(url_path("_index.md", None), "");
        assert_eq!(url_path("a/b.md", Some("Better Name")), "a/better-name/");
        assert_eq!(url_path("manual/alerts.html.md", None), "manual/alerts/");
        // A slug that slugifies to nothing is no slug: never an empty segment (`a//`).
        for nothing in [".", "..", "/", "!!!", " "] {
            assert_eq!(url_path("a/b.md", Some(nothing)), "a/b/", "{nothing:?}");
            assert_eq!(url_path("a/_index.md", Some(nothing)), "a/", "{nothing:?}");
        }
    }

    #[test]
    fn splits_front_matter_with_crlf_and_without() {
        let (fm, line, body, body_line) = split_front_matter("---\r\ntitle: x\r\n---\r\nbody").unwrap();
        assert_eq!((fm, line, body, body_line), (5..15, 2, 20, 4));
        assert_eq!(split_front_matter("# Hi\n").unwrap().2, 0);
        assert!(split_front_matter("---\ntitle: x\n").is_err());
    }

    #[test]
    fn shorthand_and_full_assignments_deserialize() {
        let fm: FrontMatter = serde_yaml::from_str(
            "workstreams:\n  documentation: acme-it\n  help-desk:\n    accountable: desk\n    responsible: [desk, acme-it]\n",
        )
        .unwrap();
        let doc = &fm.workstreams.get("documentation").unwrap().0;
        assert!(doc.shorthand);
        assert_eq!(doc.responsible.0, ["acme-it"]);
        let hd = &fm.workstreams.get("help-desk").unwrap().0;
        assert_eq!(hd.responsible.0, ["desk", "acme-it"]);
    }

    #[test]
    fn unknown_keys_in_assignments_are_errors() {
        let err = serde_yaml::from_str::<FrontMatter>("workstreams:\n  help-desk:\n    acountable: x\n").unwrap_err();
        assert!(err.to_string().contains("unknown field `acountable`"), "{err}");
    }

    #[test]
    fn editor_leftovers_are_ignored() {
        for n in [".#a.md", "a.md~", ".a.md.swp", ".hidden"] {
            assert!(is_ignored_name(n), "{n}");
        }
        assert!(!is_ignored_name("a.md"));
    }
}
