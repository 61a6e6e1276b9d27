//! The warm-rebuild cache. After a successful build, a snapshot of the loaded site (pages
//! without their text, ownership indexes, rendered Markdown, FAQ, diagnostics) is written to
//! `.demarcate-cache/` in the site folder, with the stamps of every source file. The next
//! `build` into the same output loads the snapshot, finds the files whose stamps changed and
//! replays them through the same incremental updates `serve` uses (playbooks added or deleted
//! since are found by path, see [`Moved`]), then re-renders only the outputs those edits affect.
//!
//! Invariants: the cache is only trusted when the demarcate version, the cache format, the
//! config and registry files, the theme, the build options, the date and the output folder's
//! marker all match; anything else (a top-level section that comes or goes, an edit that changes
//! the audience of pages below a section, a corrupt or missing cache) falls back to a cold build,
//! so the cache can cost speed but never correctness. Every cache file ends with a checksum of
//! the rest: damage that still decodes is corruption too. The cache folder holds only files this
//! module wrote.

use crate::HashMap;
use std::hash::{Hash, Hasher};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::config::Audience;
use crate::content::{self, Asset, FrontMatter, Page, Stamp};
use crate::diagnostics::{Diagnostic, Diagnostics, Severity};
use crate::markdown::Rendered;
use crate::output_stamps::OutputStamps;
use crate::ownership::Ownership;
use crate::site::{BuildOptions, Children, FaqItem, Frame, Site};
use crate::theme::ThemeFiles;

pub const CACHE_DIR: &str = ".demarcate-cache";
/// The encoding of every cache file. Decoding is limited to the file's size, so a damaged
/// length field fails instead of asking for terabytes.
fn codec(limit: usize) -> impl bincode::Options {
    use bincode::Options;
    bincode::DefaultOptions::new().with_limit(limit as u64).allow_trailing_bytes()
}

fn to_bytes<T: Serialize>(v: &T) -> Option<Vec<u8>> {
    use bincode::Options;
    bincode::DefaultOptions::new().serialize(v).ok()
}

/// Bump on any change to the snapshot's shape. (A change to what a build writes from the same
/// sources changes the source hash in [`environment`]: a warm build over an older binary's
/// output would render only the files an edit makes stale, and leave the others as that
/// binary wrote them.) 15: the workstream lists and the matrix cut by their rows. 17: shards, stamps
/// and diagnostics in a store shared by every snapshot, named by their content.
const FORMAT: u32 = 17;
const TAG: &str = "Signature: 8a477f597d28d172789f06886806bc55\n\
# This folder is demarcate's build cache (warm rebuilds). Deleting it only costs speed.\n";

/// What the snapshot is valid for; checked before the body is decoded.
#[derive(Serialize, Deserialize, PartialEq, Debug)]
struct Header {
    format: u32,
    version: String,
    env: u64,
    /// Stamp of the output folder's marker file right after the build swapped it in.
    marker: Stamp,
    /// Where each page's part of `ownership.json` and `matrix.csv` sits, for splicing.
    exports: Option<crate::render::ExportLayouts>,
}

/// Front-matter fields the renderer reads for pages that are not re-parsed.
#[derive(Serialize, Deserialize)]
struct FrontMatterLite {
    title: Option<String>,
    summary: Option<String>,
    client: Option<String>,
    model: Option<String>,
    audience: Option<Audience>,
    status: content::Status,
    tags: Vec<String>,
    compliance: Vec<String>,
    updated: Option<String>,
    review_by: Option<String>,
    draft: bool,
    slug: Option<String>,
    sources: Vec<(Option<String>, Option<String>)>,
    weight: Option<f64>,
    /// `extra`, as YAML text (empty when there is none).
    extra: String,
}

#[derive(Serialize, Deserialize)]
struct PageState {
    file: String,
    rel: String,
    fm: FrontMatterLite,
    fm_line: usize,
    body_line: usize,
    is_section: bool,
    path: String,
    audience: Audience,
    title: String,
    yaml_hash: u64,
}

#[derive(Serialize, Deserialize)]
struct AssetState {
    source: PathBuf,
    rel: String,
    stamp: Stamp,
    audience: Audience,
}

#[derive(Serialize, Deserialize)]
struct DiagnosticState {
    code: String,
    severity: Severity,
    file: String,
    line: usize,
    column: usize,
    width: usize,
    message: String,
    help: Option<String>,
}

/// Everything about one page, as cached.
#[derive(Serialize, Deserialize)]
struct PageRecord {
    page: PageState,
    rows: Vec<crate::ownership::Row>,
    client: Option<usize>,
    rendered: Option<Rendered>,
    faqs: Vec<FaqItem>,
}

/// Pages are stored in shards so a warm build rewrites only the shards of the pages it
/// changed, and a restore decodes them in parallel.
#[derive(Serialize, Deserialize)]
struct Shard {
    pages: Vec<PageRecord>,
}

/// The name of a blob: a shard, or a list the head names ([`Global`]), kept once in the cache's
/// blob store for every snapshot that holds it, and named by a 128-bit hash of its encoded
/// bytes. Each client's guide holds every page of the site (most of them out of its build);
/// the guides of one site share most of their shards, their stamps and often their diagnostics.
pub type BlobId = u128;

/// The folder under `.demarcate-cache/` that holds every snapshot's blobs.
const BLOB_STORE: &str = "blobs";

/// The site-wide part, written last: it names every blob it goes with.
#[derive(Serialize, Deserialize)]
struct Global {
    pages: usize,
    shards: Vec<BlobId>,
    /// Every page's source stamp (a `Vec<Stamp>`): read before any shard is decoded, so the
    /// edited pages are known first.
    stamps: BlobId,
    /// A `Vec<DiagnosticState>`.
    diagnostics: BlobId,
    visible: Vec<bool>,
    assets: Vec<AssetState>,
    children: Vec<Children>,
}

const PAGES_PER_SHARD: usize = 256;

/// Everything outside `content/` that a build's output depends on, as one hash.
pub fn environment(cfg: &crate::config::SiteConfig, theme: &ThemeFiles, opts: &BuildOptions, output: &Path) -> u64 {
    let mut h = std::collections::hash_map::DefaultHasher::new();
    FORMAT.hash(&mut h);
    env!("CARGO_PKG_VERSION").hash(&mut h);
    // The sources this binary was built from (see build.rs): other code may write other files
    // from the same input.
    env!("DEMARCATE_SOURCE_HASH").hash(&mut h);
    crate::check::today().hash(&mut h);
    (opts.audience.map(|a| a.as_str()), opts.drafts, &opts.base_url, opts.offline, &opts.client).hash(&mut h);
    output_key(output).hash(&mut h);
    cfg.files.hash(&mut h);
    theme.templates.hash(&mut h);
    theme.statics.hash(&mut h);
    h.finish()
}

/// The output folder's absolute path, the same before and after the folder exists (its parent
/// is made before anything is written).
fn output_key(output: &Path) -> String {
    let parent = match output.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    let parent = std::fs::canonicalize(parent).unwrap_or_else(|_| parent.to_path_buf());
    match output.file_name() {
        Some(name) => parent.join(name),
        None => std::fs::canonicalize(output).unwrap_or_else(|_| output.to_path_buf()),
    }
    .to_string_lossy()
    .into_owned()
}

/// The snapshot folder for one output folder and set of options.
fn cache_dir(root: &Path, opts: &BuildOptions, output: &Path) -> PathBuf {
    let mut h = std::collections::hash_map::DefaultHasher::new();
    (output_key(output), opts.audience.map(|a| a.as_str()), opts.drafts, &opts.base_url, &opts.client).hash(&mut h);
    root.join(CACHE_DIR).join(format!("{:016x}", h.finish()))
}

fn lite(fm: &FrontMatter) -> FrontMatterLite {
    FrontMatterLite {
        title: fm.title.clone(),
        summary: fm.summary.clone(),
        client: fm.client.clone(),
        model: fm.model.clone(),
        audience: fm.audience,
        status: fm.status,
        tags: fm.tags.0.clone(),
        compliance: fm.compliance.0.clone(),
        updated: fm.updated.clone(),
        review_by: fm.review_by.clone(),
        draft: fm.draft,
        slug: fm.slug.clone(),
        sources: fm.sources.iter().map(|s| (s.title.clone(), s.url.clone())).collect(),
        weight: fm.weight,
        extra: if fm.extra.is_empty() { String::new() } else { serde_yaml::to_string(&fm.extra).unwrap_or_default() },
    }
}

fn unlite(l: FrontMatterLite) -> Option<FrontMatter> {
    let extra = if l.extra.is_empty() { Default::default() } else { serde_yaml::from_str(&l.extra).ok()? };
    Some(FrontMatter {
        title: l.title,
        summary: l.summary,
        client: l.client,
        model: l.model,
        audience: l.audience,
        status: l.status,
        tags: crate::yaml_shapes::OneOrMany(l.tags),
        compliance: crate::yaml_shapes::OneOrMany(l.compliance),
        updated: l.updated,
        review_by: l.review_by,
        draft: l.draft,
        slug: l.slug,
        sources: l.sources.into_iter().map(|(title, url)| content::SourceRef { title, url }).collect(),
        weight: l.weight,
        extra,
        ..Default::default()
    })
}

/// Diagnostic codes are `&'static str`; a cached one is mapped back to the same text.
fn intern(code: &str) -> &'static str {
    static CODES: std::sync::OnceLock<std::sync::Mutex<HashMap<String, &'static str>>> = std::sync::OnceLock::new();
    let mut map = CODES.get_or_init(Default::default).lock().unwrap_or_else(|p| p.into_inner());
    if let Some(c) = map.get(code) {
        return c;
    }
    let leaked: &'static str = Box::leak(code.to_string().into_boxed_str());
    map.insert(code.to_string(), leaked);
    leaked
}

/// A warm build replays at most this many edited pages, or a tenth of the site when that is
/// more ([`replay_limit`]); more build cold.
pub const MAX_REPLAYED_EDITS: usize = 100;

/// How many edited pages of a site of `pages` a warm build replays. Replaying is serial, about
/// a millisecond a playbook with the views it touches; a cold build is parallel, about a tenth
/// of that a playbook: past a tenth of the site, building cold is as quick.
pub fn replay_limit(pages: usize) -> usize {
    MAX_REPLAYED_EDITS.max(pages / 10)
}

/// [`PageRecord`] as written: borrowed from the site (the same encoding as the owned form
/// read back), so encoding a snapshot copies nothing but the small page state.
#[derive(Serialize)]
struct PageRecordRef<'a> {
    page: PageState,
    rows: &'a [crate::ownership::Row],
    client: Option<usize>,
    rendered: Option<RenderedRef<'a>>,
    faqs: &'a [FaqItem],
}

/// [`Rendered`] as written.
#[derive(Serialize)]
struct RenderedRef<'a> {
    html: &'a str,
    toc: &'a [crate::markdown::TocEntry],
    links: &'a [crate::markdown::PageLink],
    faq: &'a [crate::markdown::MarkdownFaq],
    source_urls: &'a [String],
}

/// [`Shard`] as written.
#[derive(Serialize)]
struct ShardRef<'a> {
    pages: Vec<PageRecordRef<'a>>,
}

/// The first fields of [`Global`], all [`tidy`] decodes of a snapshot's head.
#[derive(Deserialize)]
struct GlobalBlobs {
    _pages: usize,
    shards: Vec<BlobId>,
    stamps: BlobId,
    diagnostics: BlobId,
}

fn blob_id(bytes: &[u8]) -> BlobId {
    // Two SipHash-1-3 runs told apart by a leading byte: 128 bits, so two different blobs
    // never share a name in practice.
    let half = |tag: u8| {
        let mut h = std::collections::hash_map::DefaultHasher::new();
        h.write_u8(tag);
        h.write(bytes);
        h.finish()
    };
    (u128::from(half(1)) << 64) | u128::from(half(2))
}

/// The blob store of the cache holding the snapshot folder `entry`.
fn blob_store(entry: &Path) -> PathBuf {
    entry.parent().unwrap_or(entry).join(BLOB_STORE)
}

fn blob_path(store: &Path, id: BlobId) -> PathBuf {
    store.join(format!("{id:032x}.bin"))
}

/// Puts a blob in the store, unless the store already holds it intact (another guide's
/// snapshot, or this output's before a cold build), and returns its name. An existing file is
/// touched, so [`tidy`] sees it as in use.
fn store_blob(store: &Path, bytes: &[u8]) -> Option<BlobId> {
    let id = blob_id(bytes);
    let path = blob_path(store, id);
    let stored = if read_checked(&path).is_some_and(|held| held == bytes) {
        std::fs::File::open(&path).and_then(|f| f.set_modified(std::time::SystemTime::now()))
    } else {
        write_atomic(&path, bytes)
    };
    stored.ok().map(|_| id)
}

/// [`store_blob`] for a value.
fn store_value<T: Serialize>(store: &Path, value: &T) -> Option<BlobId> {
    store_blob(store, &to_bytes(value)?)
}

/// A blob of the store, decoded, if it is there intact.
fn load_value<T: serde::de::DeserializeOwned>(store: &Path, id: BlobId) -> Option<T> {
    use bincode::Options;
    let bytes = read_checked(&blob_path(store, id))?;
    codec(bytes.len()).deserialize(&bytes).ok()
}

fn page_record(site: &Site, i: usize) -> PageRecordRef<'_> {
    let p = &site.pages[i];
    PageRecordRef {
        page: PageState {
            file: p.file.clone(),
            rel: p.rel.clone(),
            fm: lite(&p.fm),
            fm_line: p.fm_line,
            body_line: p.body_line,
            is_section: p.is_section,
            path: p.path.clone(),
            audience: p.audience,
            title: p.title.clone(),
            yaml_hash: p.yaml_hash,
        },
        rows: &site.own.rows[i],
        client: site.own.client[i],
        // A playbook's HTML and Markdown questions are needed only to render that page again,
        // which a warm build does only after re-reading it; sections are listed and rendered
        // around edits, so they keep theirs. Half the snapshot's size.
        rendered: site.rendered[i].as_ref().map(|r| RenderedRef {
            html: if p.is_section { &r.html } else { "" },
            toc: &r.toc,
            links: &r.links,
            faq: if p.is_section { &r.faq } else { &[] },
            source_urls: &r.source_urls,
        }),
        faqs: &site.faqs[i],
    }
}

/// The site-wide part of a snapshot whose blobs are already stored, ready to [`save`].
pub struct Encoded {
    global: Global,
    /// Highlighted code blocks the cache already has, when this build loaded them (a cold build
    /// has none to load): [`save`] rewrites the store only when the build highlighted more. A
    /// warm build that did not load the store leaves it alone, so it never shrinks it.
    pub highlights_known: Option<usize>,
}

const HIGHLIGHTS_FILE: &str = "highlights.bin";

/// Highlighted code blocks, valid for the demarcate version that wrote them.
#[derive(Serialize, Deserialize)]
struct Highlights {
    format: u32,
    version: String,
    entries: Vec<(u64, String)>,
}

/// Seeds the Markdown renderer with the highlighted blocks in `dir`; returns how many.
fn load_highlights(dir: &Path) -> usize {
    use bincode::Options;
    let Some(bytes) = read_checked(&dir.join(HIGHLIGHTS_FILE)) else { return 0 };
    match codec(bytes.len()).deserialize::<Highlights>(&bytes) {
        Ok(h) if h.format == FORMAT && h.version == env!("CARGO_PKG_VERSION") => {
            let n = h.entries.len();
            crate::markdown::seed_highlights(h.entries);
            n
        }
        _ => 0,
    }
}

/// Encodes a snapshot of `site`, whose build started at `started_ns` (see
/// [`crate::content::now_ns`]; a stamp taken within a second of it is stored as unknown, see
/// [`Stamp::trusted_at`], and the next build re-reads that file), and puts its blobs in the
/// store straight away (all its shards, or with `previous` — the shards of the snapshot this one
/// replaces and the pages changed since — only those holding changed pages). A blob's name is
/// its content's hash, so whoever wrote a file in the store, it is the blob its name says;
/// until [`save`] writes the site-wide part naming them, nothing uses new blobs, and a failed
/// build costs speed only.
pub fn encode(site: &Site, previous: Option<(&[BlobId], &[usize])>, started_ns: i128, dir: &Path) -> Option<Encoded> {
    use rayon::prelude::*;
    let n = site.pages.len();
    let count = n.div_ceil(PAGES_PER_SHARD);
    let (mut shards, dirty): (Vec<BlobId>, Vec<usize>) = match previous {
        Some((ids, changed)) if ids.len() == count => {
            let mut d: Vec<usize> = changed.iter().map(|i| i / PAGES_PER_SHARD).collect();
            d.sort_unstable();
            d.dedup();
            (ids.to_vec(), d)
        }
        _ => (vec![0; count], (0..count).collect()),
    };
    let store = blob_store(dir);
    std::fs::create_dir_all(dir).ok()?;
    std::fs::create_dir_all(&store).ok()?;
    // Shards an older demarcate kept in the snapshot's own folder.
    for k in 0.. {
        if std::fs::remove_file(dir.join(format!("shard-{k}.bin"))).is_err() {
            break;
        }
    }
    let stored: Option<Vec<(usize, BlobId)>> = dirty
        .par_iter()
        .map(|&k| {
            let range = k * PAGES_PER_SHARD..((k + 1) * PAGES_PER_SHARD).min(n);
            Some((k, store_value(&store, &ShardRef { pages: range.map(|i| page_record(site, i)).collect() })?))
        })
        .collect();
    for (k, id) in stored? {
        shards[k] = id;
    }
    let stamps: Vec<Stamp> = site.pages.iter().map(|p| p.stamp.trusted_at(started_ns)).collect();
    let diagnostics: Vec<DiagnosticState> = site
        .diagnostics
        .items
        .iter()
        .map(|d| DiagnosticState {
            code: d.code.to_string(),
            severity: d.severity,
            file: d.file.clone(),
            line: d.line,
            column: d.column,
            width: d.width,
            message: d.message.clone(),
            help: d.help.clone(),
        })
        .collect();
    let global = Global {
        pages: n,
        shards,
        stamps: store_value(&store, &stamps)?,
        diagnostics: store_value(&store, &diagnostics)?,
        visible: site.visible.clone(),
        assets: site
            .assets
            .iter()
            .map(|a| AssetState {
                source: a.source.clone(),
                rel: a.rel.clone(),
                stamp: a.stamp.trusted_at(started_ns),
                audience: a.audience,
            })
            .collect(),
        children: site.children.clone(),
    };
    Some(Encoded { global, highlights_known: Some(0) })
}

/// Writes a cache file whole or not at all, with its checksum (see [`read_checked`]).
fn write_atomic(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    use std::io::Write;
    let tmp = path.with_extension(format!("tmp-{}", std::process::id()));
    let mut file = std::fs::File::create(&tmp)?;
    file.write_all(bytes)?;
    file.write_all(&crc32fast::hash(bytes).to_le_bytes())?;
    drop(file);
    std::fs::rename(&tmp, path)
}

/// A cache file's bytes without their checksum, if they match it. Damage that still decodes (a
/// flipped bit, a stray write) would otherwise show in the output: with it the build goes cold.
fn read_checked(path: &Path) -> Option<Vec<u8>> {
    let mut bytes = std::fs::read(path).ok()?;
    let end = bytes.len().checked_sub(4)?;
    let stored = u32::from_le_bytes(bytes[end..].try_into().ok()?);
    bytes.truncate(end);
    (crc32fast::hash(&bytes) == stored).then_some(bytes)
}

/// The snapshot folder of this build, for [`encode`] (which stores blobs beside it); the cache
/// folder is tagged as one.
pub fn prepare(root: &Path, opts: &BuildOptions, output: &Path) -> PathBuf {
    let top = root.join(CACHE_DIR);
    if std::fs::create_dir_all(&top).is_ok() && !top.join("CACHEDIR.TAG").exists() {
        let _ = std::fs::write(top.join("CACHEDIR.TAG"), TAG);
    }
    cache_dir(root, opts, output)
}

/// Writes the site-wide part of a snapshot after a successful build (its blobs were stored by
/// [`encode`]). Failing to write only costs the next build its speed, so errors are ignored
/// (and the snapshot for this output is removed).
pub fn save(
    root: &Path,
    opts: &BuildOptions,
    output: &Path,
    env: u64,
    encoded: Encoded,
    exports: Option<crate::render::ExportLayouts>,
    outputs: &OutputStamps,
) {
    let dir = cache_dir(root, opts, output);
    let write = || -> std::io::Result<()> {
        // Before `site.bin`, which vouches for it.
        write_atomic(&dir.join(OUTPUTS_FILE), &to_bytes(outputs).ok_or_else(|| std::io::Error::other("encode"))?)?;
        let marker = Stamp::read(&output.join(crate::output::MARKER)).ok_or_else(|| std::io::Error::other("no marker"))?;
        let header = Header { format: FORMAT, version: env!("CARGO_PKG_VERSION").into(), env, marker, exports };
        let mut bytes = to_bytes(&header).ok_or_else(|| std::io::Error::other("encode"))?;
        bytes.extend(to_bytes(&encoded.global).ok_or_else(|| std::io::Error::other("encode"))?);
        write_atomic(&dir.join("site.bin"), &bytes)?;
        if encoded.highlights_known.is_some_and(|known| crate::markdown::highlight_count() > known) {
            let h = Highlights { format: FORMAT, version: env!("CARGO_PKG_VERSION").into(), entries: crate::markdown::highlights() };
            write_atomic(&dir.join(HIGHLIGHTS_FILE), &to_bytes(&h).ok_or_else(|| std::io::Error::other("encode"))?)?;
        }
        std::fs::write(dir.join(OUTPUT_FILE), output_key(output))
    };
    if write().is_err() {
        let _ = std::fs::remove_file(dir.join("site.bin"));
    }
    if !TIDY_AT_END.load(std::sync::atomic::Ordering::Relaxed) {
        tidy(&root.join(CACHE_DIR));
    }
}

/// Set while a [`TidyAtEnd`] lives.
static TIDY_AT_END: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

/// While it lives, [`save`] leaves the cache's tidying to its drop: `--each-client` saves a
/// snapshot per guide, and tidying after each would read every other guide's head each time.
pub struct TidyAtEnd {
    top: PathBuf,
}

pub fn tidy_at_end(root: &Path) -> TidyAtEnd {
    TIDY_AT_END.store(true, std::sync::atomic::Ordering::Relaxed);
    TidyAtEnd { top: root.join(CACHE_DIR) }
}

impl Drop for TidyAtEnd {
    fn drop(&mut self) {
        TIDY_AT_END.store(false, std::sync::atomic::Ordering::Relaxed);
        tidy(&self.top);
    }
}

/// How long a blob no snapshot names is kept: another build may have just put it in the
/// store and not yet saved the head that names it.
const UNNAMED_BLOB_GRACE: std::time::Duration = std::time::Duration::from_secs(600);

/// Removes the snapshots of outputs that are gone ([`prune`]), then the blobs no snapshot
/// names (older than [`UNNAMED_BLOB_GRACE`]).
fn tidy(top: &Path) {
    prune(top);
    let store = top.join(BLOB_STORE);
    let Ok(files) = std::fs::read_dir(&store) else { return };
    let Ok(entries) = std::fs::read_dir(top) else { return };
    let named: crate::HashSet<BlobId> = entries.flatten().filter_map(|e| blobs_named(&e.path().join("site.bin"))).flatten().collect();
    for file in files.flatten() {
        let name = file.file_name().to_string_lossy().into_owned();
        let id = name.strip_suffix(".bin").filter(|hex| hex.len() == 32).and_then(|hex| BlobId::from_str_radix(hex, 16).ok());
        let unnamed = match id {
            Some(id) => !named.contains(&id),
            // A temporary file a build left behind (see `write_atomic`).
            None => name.contains(".tmp-"),
        };
        let old =
            || file.metadata().and_then(|m| m.modified()).ok().and_then(|t| t.elapsed().ok()).is_some_and(|age| age > UNNAMED_BLOB_GRACE);
        if unnamed && old() {
            let _ = std::fs::remove_file(file.path());
        }
    }
}

/// The blobs a snapshot's head names, if it is one this binary wrote.
fn blobs_named(head: &Path) -> Option<Vec<BlobId>> {
    use bincode::Options;
    let bytes = read_checked(head)?;
    let mut reader = bytes.as_slice();
    let header: Header = codec(bytes.len()).deserialize_from(&mut reader).ok()?;
    if header.format != FORMAT || header.version != env!("CARGO_PKG_VERSION") {
        return None;
    }
    let global: GlobalBlobs = codec(reader.len()).deserialize(reader).ok()?;
    Some(global.shards.into_iter().chain([global.stamps, global.diagnostics]).collect())
}

/// Where warm builds keep the large files they replaced until a later build deletes them.
pub fn trash_dir(root: &Path) -> PathBuf {
    root.join(CACHE_DIR).join("trash")
}

/// Removes the site-wide part of this output's snapshot: until [`save`] writes a new one, the
/// next build is cold. A warm build calls it before changing the output.
pub fn invalidate(root: &Path, opts: &BuildOptions, output: &Path) {
    let _ = std::fs::remove_file(cache_dir(root, opts, output).join("site.bin"));
}

/// Names the output folder an entry describes.
const OUTPUT_FILE: &str = "output.txt";
/// The stamps of the files the build that saved the snapshot left in the output.
const OUTPUTS_FILE: &str = "outputs.bin";

/// The stamps of the output's files as the last build left them, if they are all still so:
/// otherwise (a file deleted or changed behind the build's back, or no stamps) the snapshot does
/// not describe the folder, and the build is a full one.
fn intact_output(root: &Path, opts: &BuildOptions, output: &Path) -> Option<OutputStamps> {
    use bincode::Options;
    let bytes = read_checked(&cache_dir(root, opts, output).join(OUTPUTS_FILE))?;
    let stamps: OutputStamps = codec(bytes.len()).deserialize(&bytes).ok()?;
    stamps.intact(output).then_some(stamps)
}

/// Removes the entries whose output folder is gone (or no longer demarcate's): benchmarks and
/// one-off `-o` builds would otherwise leave snapshots behind. Only files this module writes are
/// deleted, and a folder holding anything else is left alone.
fn prune(top: &Path) {
    let Ok(entries) = std::fs::read_dir(top) else { return };
    for entry in entries.flatten() {
        let dir = entry.path();
        let Ok(output) = std::fs::read_to_string(dir.join(OUTPUT_FILE)) else { continue };
        if Path::new(&output).join(crate::output::MARKER).is_file() {
            continue;
        }
        let Ok(files) = std::fs::read_dir(&dir) else { continue };
        let files: Vec<PathBuf> = files.flatten().map(|f| f.path()).collect();
        let ours = |p: &PathBuf| {
            let name = p.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
            name == OUTPUT_FILE
                || name == OUTPUTS_FILE
                || name == "site.bin"
                || name == HIGHLIGHTS_FILE
                || (name.starts_with("shard-") && name.contains(".bin"))
                || name.contains(".tmp-")
        };
        if files.iter().all(|f| f.is_file() && ours(f)) {
            for f in &files {
                let _ = std::fs::remove_file(f);
            }
            let _ = std::fs::remove_dir(&dir);
        }
    }
}

/// A site restored from the cache, with the pages whose source changed since.
pub struct Restored {
    pub site: Site,
    /// (page index, new text, stamp taken before reading it) of every edited page.
    pub edited: Vec<(usize, String, Stamp)>,
    /// Pages added to or deleted from `content/` since the snapshot (`site` is the snapshot's
    /// model, with the deleted pages still in it).
    pub moved: Option<Moved>,
    /// The shards of the restored snapshot, for an incremental [`encode`].
    pub shards: Vec<BlobId>,
    /// Assets (indexes into `site.assets`) that are new or whose stamp changed: copied again.
    pub assets_changed: Vec<usize>,
    /// Assets whose files are gone since the snapshot: their copies are deleted.
    pub assets_removed: Vec<Asset>,
    /// The export layouts of the output as it is.
    pub exports: Option<crate::render::ExportLayouts>,
    /// How many highlighted code blocks were loaded from the cache (`None`: not needed).
    pub highlights_known: Option<usize>,
    /// The hash of everything outside `content/` the snapshot was checked against
    /// ([`environment`]), to save the next snapshot under.
    pub env: u64,
    /// The output's files as the last build left them (all still so), for the next snapshot.
    pub outputs: OutputStamps,
}

/// Whether every index in a record points into the registry and the site (a decodable but
/// damaged cache must not make the build panic).
fn record_in_range(r: &PageRecord, reg: &crate::ownership::Registry) -> bool {
    let owners = reg.owners.len();
    r.client.is_none_or(|c| c < reg.parties.len())
        && r.rows.iter().all(|row| {
            row.ws < reg.workstreams.len()
                && row.is_well_formed()
                && row.listed_owners().iter().all(|o| o < owners)
                && row.after_hours.is_none_or(|o| o < owners)
        })
        && r.faqs.iter().all(|f| f.workstreams.iter().all(|&w| w < reg.workstreams.len()))
}

/// Loads the snapshot for this build if it is valid and the content folder still has the same
/// files (same pages, same assets unchanged). `Err`: build cold, with the config and registry
/// given back (`frame`), already loaded.
pub fn restore(root: &Path, opts: &BuildOptions, output: &Path, frame: Box<Frame>, env: u64) -> Result<Restored, Box<Frame>> {
    // The output's files are checked while the snapshot is read: one deleted or changed behind
    // the last build's back means the snapshot no longer describes the folder.
    match rayon::join(|| snapshot(root, opts, output, &frame, env), || intact_output(root, opts, output)) {
        (Some(snapshot), Some(outputs)) => {
            let client = frame.client;
            let mut restored = snapshot.into_restored(root, *frame, env, outputs);
            // Not kept in the snapshot: worked out again from the pages, as a cold build does.
            restored.site.guide = client.map(|c| restored.site.client_guide(c, opts));
            Ok(restored)
        }
        _ => Err(frame),
    }
}

/// A valid snapshot, restored, short of the config and registry ([`Frame`]) it goes with.
struct Snapshot {
    pages: Vec<Page>,
    visible: Vec<bool>,
    assets: Vec<Asset>,
    own: Ownership,
    rendered: Vec<Option<Rendered>>,
    faqs: Vec<Vec<FaqItem>>,
    children: Vec<Children>,
    by_rel: HashMap<String, usize>,
    diagnostics: Diagnostics,
    edited: Vec<(usize, String, Stamp)>,
    moved: Option<Moved>,
    shards: Vec<BlobId>,
    assets_changed: Vec<usize>,
    assets_removed: Vec<Asset>,
    exports: Option<crate::render::ExportLayouts>,
    highlights_known: Option<usize>,
}

/// Pages added to or deleted from `content/` since a snapshot, found by a warm build.
pub struct Moved {
    /// Every page's path under `content/` now, in walk order (the order of a cold build's pages).
    pub order: Vec<String>,
    /// Beside `order`: each page's index in the snapshot, `None` for a new page.
    pub before: Vec<Option<usize>>,
    /// (path under `content/`, text without a byte-order mark, stamp taken before reading it)
    /// of each new page.
    pub added: Vec<(String, String, Stamp)>,
    /// Indexes (in the snapshot) of the pages whose files are gone.
    pub removed: Vec<usize>,
}

impl Snapshot {
    fn into_restored(self, root: &Path, frame: Frame, env: u64, outputs: OutputStamps) -> Restored {
        let n = self.pages.len();
        let cuts = crate::render::ListCuts::new(frame.reg.workstreams.len());
        let site = Site {
            root: root.to_path_buf(),
            cfg: frame.cfg,
            reg: frame.reg,
            audience: frame.audience,
            title: frame.title,
            description: frame.description,
            base_url: frame.base_url,
            base_path: frame.base_path,
            offline: frame.offline,
            guide: None,
            pages: self.pages,
            visible: self.visible,
            assets: self.assets,
            own: self.own,
            rendered: self.rendered,
            faqs: self.faqs,
            // Rendered handoffs and notes are needed only to render a playbook again, which a
            // warm build does only after re-reading it (that renders them afresh).
            row_html: vec![Vec::new(); n],
            // Rendered front-matter answers feed only the FAQ items of a page whose Markdown was
            // just rendered again; the cached items are whole.
            faq_answers: vec![Vec::new(); n],
            children: self.children,
            by_rel: self.by_rel,
            diagnostics: self.diagnostics,
            cuts,
        };
        let Snapshot { edited, moved, shards, assets_changed, assets_removed, exports, highlights_known, .. } = self;
        Restored { site, edited, moved, shards, assets_changed, assets_removed, exports, highlights_known, env, outputs }
    }
}

/// [`restore`] up to assembling the site: `None` when the snapshot cannot serve this build.
fn snapshot(root: &Path, opts: &BuildOptions, output: &Path, frame: &Frame, env: u64) -> Option<Snapshot> {
    use rayon::prelude::*;
    let t = std::time::Instant::now();
    let dir = cache_dir(root, opts, output);
    use bincode::Options;
    let bytes = read_checked(&dir.join("site.bin"))?;
    let mut reader = bytes.as_slice();
    let header: Header = codec(bytes.len()).deserialize_from(&mut reader).ok()?;
    if header.format != FORMAT || header.version != env!("CARGO_PKG_VERSION") || header.env != env {
        return None;
    }
    if Stamp::read(&output.join(crate::output::MARKER)) != Some(header.marker) {
        return None;
    }
    let global: Global = codec(reader.len()).deserialize(reader).ok()?;
    let n = global.pages;
    let store = blob_store(&dir);
    let then: Vec<Stamp> = load_value(&store, global.stamps)?;
    if global.shards.len() != n.div_ceil(PAGES_PER_SHARD)
        || global.visible.len() != n
        || then.len() != n
        || global.children.len() != n
        || global.children.iter().any(|c| c.pages.iter().chain(&c.sections).any(|&j| j >= n))
    {
        return None;
    }

    crate::site::timing("  head", t);
    // Same files as before? Pages added or deleted are replayed with the edits (see [`Moved`]),
    // within the same limit; assets added, changed or deleted are copied or deleted.
    let (files, mut assets, walk_diags) = content::walk(root);
    crate::site::timing("  walk", t);
    let limit = replay_limit(n);
    if !walk_diags.is_empty() || files.len().abs_diff(n) > limit {
        return None;
    }

    // Each stamp is taken before its file is read, so an edit racing this build is seen again
    // by the next one.
    let stamps: Vec<Option<Stamp>> = files.par_iter().map(|(path, _)| Stamp::read(path)).collect();
    // Each edit replays on its own (the site-wide checks run once, after the last). Many
    // changed stamps (a checkout, a copy, or files written within a second of the last build,
    // whose stamps were stored as unknown) build cold: with as many files as before (the same
    // ones, checked once the shards are decoded), found before any shard is decoded.
    let changed_in_place = || stamps.iter().zip(&then).filter(|(now, then)| now.as_ref() != Some(*then)).count();
    if files.len() == n && changed_in_place() > limit {
        return None;
    }
    let shards: Option<Vec<Shard>> = global
        .shards
        .par_iter()
        .enumerate()
        .map(|(k, &id)| {
            let shard: Shard = load_value(&store, id)?;
            let expected = ((k + 1) * PAGES_PER_SHARD).min(n) - k * PAGES_PER_SHARD;
            let ok = shard.pages.len() == expected && shard.pages.iter().all(|r| record_in_range(r, &frame.reg));
            ok.then_some(shard)
        })
        .collect();
    let records = shards?.into_iter().flat_map(|s| s.pages);
    crate::site::timing("  shards", t);

    let mut pages = Vec::with_capacity(n);
    let (mut rows, mut client, mut rendered, mut faqs) =
        (Vec::with_capacity(n), Vec::with_capacity(n), Vec::with_capacity(n), Vec::with_capacity(n));
    for (r, stamp) in records.zip(&then) {
        let s = r.page;
        pages.push(Page {
            file: s.file,
            rel: s.rel,
            raw: String::new(),
            fm: unlite(s.fm)?,
            fm_range: 0..0,
            fm_line: s.fm_line,
            body_start: 0,
            body_line: s.body_line,
            is_section: s.is_section,
            path: s.path,
            audience: s.audience,
            title: s.title,
            yaml_hash: s.yaml_hash,
            fm_text_released: true,
            stamp: *stamp,
        });
        rows.push(r.rows);
        client.push(r.client);
        rendered.push(r.rendered);
        faqs.push(r.faqs);
    }
    // Which cached page each file is: the one at the same place (the common case), else the
    // one at the same path, if any.
    let same_files = files.len() == n && files.iter().zip(&pages).all(|((_, rel), page)| *rel == page.rel);
    let by_rel: HashMap<String, usize> = pages.iter().enumerate().map(|(i, p)| (p.rel.clone(), i)).collect();
    let cached_of: Vec<Option<usize>> =
        if same_files { (0..n).map(Some).collect() } else { files.iter().map(|(_, rel)| by_rel.get(rel).copied()).collect() };
    let mut kept = vec![false; n];
    cached_of.iter().flatten().for_each(|&j| kept[j] = true);
    let removed: Vec<usize> = (0..n).filter(|&j| !kept[j]).collect();
    // New, or not the file the snapshot read.
    let stale = |now: Option<Stamp>, cached: Option<usize>| cached.is_none_or(|j| now != Some(then[j]));
    if stamps.iter().zip(&cached_of).filter(|(now, cached)| stale(**now, **cached)).count() + removed.len() > limit {
        return None;
    }
    let (mut texts, mut added) = (Vec::new(), Vec::new());
    for (((path, rel), now), cached) in files.iter().zip(stamps.iter()).zip(&cached_of) {
        let now = (*now)?;
        if !stale(Some(now), *cached) {
            continue;
        }
        let bytes = std::fs::read(path).ok()?;
        match *cached {
            // In page order: the cached pages are in walk order too.
            Some(j) => texts.push((j, String::from_utf8(bytes).ok()?, now)),
            // As a cold load reads it (no byte-order mark).
            None => added.push((rel.clone(), content::source_text(bytes, rel).ok()?, now)),
        }
    }
    // Assets, matched by path (their audiences from the sections, which are the snapshot's).
    content::apply_asset_audience(&pages, &mut assets, frame.cfg.config.audience);
    let cached_assets: HashMap<&str, &AssetState> = global.assets.iter().map(|a| (a.rel.as_str(), a)).collect();
    let assets_changed: Vec<usize> = assets
        .iter()
        .enumerate()
        .filter(|(_, a)| cached_assets.get(a.rel.as_str()).is_none_or(|cached| cached.stamp != a.stamp))
        .map(|(k, _)| k)
        .collect();
    let assets_now: crate::HashSet<&str> = assets.iter().map(|a| a.rel.as_str()).collect();
    let assets_removed: Vec<Asset> = global
        .assets
        .iter()
        .filter(|a| !assets_now.contains(a.rel.as_str()))
        .map(|a| Asset { source: a.source.clone(), rel: a.rel.clone(), stamp: a.stamp, audience: a.audience })
        .collect();
    let moved = (!same_files).then(|| Moved { order: files.into_iter().map(|(_, rel)| rel).collect(), before: cached_of, added, removed });
    crate::site::timing("  stamps", t);
    // An edited or new page with code: the blocks highlighted by earlier builds spare it
    // loading syntect (tens of milliseconds per language).
    let new_texts = moved.iter().flat_map(|m| m.added.iter().map(|(_, text, _)| text));
    let highlights_known = texts
        .iter()
        .map(|(_, text, _)| text)
        .chain(new_texts)
        .any(|text| text.contains("```") || text.contains("~~~"))
        .then(|| load_highlights(&dir));
    crate::site::timing("  records", t);
    let own = Ownership::from_rows(&frame.reg, rows, client, &global.visible);
    crate::site::timing("  indexes", t);
    let diagnostics: Vec<DiagnosticState> = load_value(&store, global.diagnostics)?;
    let diagnostics = Diagnostics {
        items: diagnostics
            .into_iter()
            .map(|d| Diagnostic {
                code: intern(&d.code),
                severity: d.severity,
                file: d.file,
                line: d.line,
                column: d.column,
                width: d.width,
                message: d.message,
                help: d.help,
            })
            .collect(),
    };
    Some(Snapshot {
        pages,
        visible: global.visible,
        // As they are now: the new and changed ones are copied by this build.
        assets,
        own,
        rendered,
        faqs,
        children: global.children,
        by_rel,
        diagnostics,
        edited: texts,
        moved,
        shards: global.shards,
        assets_changed,
        assets_removed,
        exports: header.exports,
        highlights_known,
    })
}
