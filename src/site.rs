//! The build pipeline up to (not including) templates: config → content → ownership →
//! markdown → links and FAQ → checks. A [`Site`] is everything the renderer and the checker
//! need, loaded once. It knows nothing about HTTP or file watching; `serve` calls into it.

use crate::{HashMap, HashSet};
use std::borrow::Cow;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use rayon::prelude::*;

use crate::config::{self, Audience, SiteConfig};
use crate::content::{self, Asset, Page};
use crate::diagnostics::{Diagnostic, Diagnostics, Pos};
use crate::markdown::{self, IdAllocator, LinkKind, MarkdownContext, PageLink, Rendered};
use crate::ownership::{Ownership, Registry};

#[derive(Debug, Clone, Default)]
pub struct BuildOptions {
    pub audience: Option<Audience>,
    pub drafts: bool,
    pub base_url: Option<String>,
    /// Links relative to each page, naming `index.html` (see [`crate::relative_links`]), so the
    /// output works opened from disk.
    pub offline: bool,
}

/// One question shown on a playbook page.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct FaqItem {
    pub question: String,
    /// [`FaqItem::key_of`] the question: the site-wide FAQ lists a question asked in several
    /// playbooks once, and finds the repeats by this rather than by lower-casing every question
    /// again on each render (three times in a warm build that adds a playbook).
    pub key: u64,
    pub answer_html: String,
    pub anchor: String,
    pub tags: Vec<String>,
    pub workstreams: Vec<usize>,
    /// Written in the page's Markdown (already shown in place) rather than in front-matter.
    pub inline: bool,
}

impl FaqItem {
    /// A question as the site-wide FAQ compares it: trimmed and lower-cased.
    pub fn folded(question: &str) -> String {
        question.trim().to_lowercase()
    }

    /// The hash of [`FaqItem::folded`]: the same for the same question however it is
    /// capitalised or spaced.
    pub fn key_of(question: &str) -> u64 {
        crate::content::text_hash(Self::folded(question).as_bytes())
    }

    /// Whether two items ask the same question: equal once folded (without folding copies when
    /// both are ASCII).
    pub fn same_question(&self, other: &FaqItem) -> bool {
        let (a, b) = (self.question.trim(), other.question.trim());
        if a.is_ascii() && b.is_ascii() { a.eq_ignore_ascii_case(b) } else { Self::folded(a) == Self::folded(b) }
    }
}

/// One page's rendered Markdown: body, (handoff, notes) per row, front-matter FAQ answers and
/// the diagnostics.
#[derive(Default)]
struct PageMarkdown {
    rendered: Option<Rendered>,
    rows: Vec<(String, String)>,
    answers: Vec<Option<String>>,
    diags: Vec<Diagnostic>,
}

/// Codes produced by the link check, recomputed whenever a body changes.
const LINK_CODES: [&str; 4] = ["broken-link", "broken-anchor", "internal-link", "shadowed-page"];
/// The diagnostics of `check::check_registry`, which looks at every page's assignments.
const REGISTRY_CODES: [&str; 2] = ["unused-owner", "no-contact"];

/// Whether a refresh runs the site-wide checks itself or leaves them to the caller.
#[derive(Clone, Copy, PartialEq, Eq)]
enum SiteChecks {
    Now,
    Later,
}

/// The outputs a front-matter edit can change, besides the site-wide views (home, matrix,
/// indexes, sitemap, exports), which are always re-rendered.
#[derive(Debug, Clone, Default)]
pub struct Affected {
    /// The edited page first, then the pages that show it: the sections listing it (and for a
    /// section retitled, the pages below it, whose breadcrumbs name it).
    pub pages: Vec<usize>,
    pub owners: Vec<usize>,
    pub workstreams: Vec<usize>,
    pub parties: Vec<usize>,
    pub faq: bool,
    /// The matrix shows a changed row (or the page's listing changed).
    pub matrix: bool,
    /// A workstream got its first row or lost its last: every matrix page has other columns.
    pub matrix_columns: bool,
    /// `/owners/` (role counts per owner) and `/workstreams/` (rows per workstream).
    pub owners_index: bool,
    pub workstreams_index: bool,
    /// What lists the page itself changed (title, summary, client, model, dates, tags): home,
    /// sections and the sitemap.
    pub listing: bool,
    /// Before the edit: the pages of each touched workstream's list and of the matrix (see
    /// [`crate::render::Paging::stale`]); a list not given here kept its rows, and only the
    /// edited page's row in it is rendered again.
    pub ws_before: Vec<(usize, crate::render::Paging)>,
    pub matrix_before: Option<crate::render::Paging>,
    /// `ownership.json`, `matrix.csv` and the search index (not for a section: they list
    /// playbooks and other pages, never sections).
    pub exports: bool,
}

/// What an incremental update of one edited page changed.
pub enum Refreshed {
    /// Only the body: the page itself, and `/faq/` when its questions changed.
    Body { faq_changed: bool },
    /// The front-matter of a playbook: the page and the views in [`Affected`].
    FrontMatter(Affected),
}

/// What sits directly in a section's folder.
#[derive(Debug, Clone, Default, serde::Serialize, serde::Deserialize)]
pub struct Children {
    pub pages: Vec<usize>,
    pub sections: Vec<usize>,
    /// Playbooks anywhere below the section.
    pub total: usize,
}

pub struct Site {
    pub root: PathBuf,
    pub cfg: SiteConfig,
    pub reg: Registry,
    pub audience: Audience,
    pub title: String,
    pub description: String,
    /// Absolute, ends with `/`.
    pub base_url: String,
    /// Path part of `base_url`, starts and ends with `/`.
    pub base_path: String,
    /// Views written with links relative to each page (`build --offline`).
    pub offline: bool,
    pub pages: Vec<Page>,
    /// Whether each page is part of this build (not a draft, right audience).
    pub visible: Vec<bool>,
    pub assets: Vec<Asset>,
    pub own: Ownership,
    /// Rendered Markdown of each visible page.
    pub rendered: Vec<Option<Rendered>>,
    pub faqs: Vec<Vec<FaqItem>>,
    /// Per page and ownership row: (handoff, internal notes) rendered to HTML, empty when the
    /// text is one plain paragraph (see [`Site::row_html`]). Notes are empty in the client build.
    pub row_html: Vec<Vec<(String, String)>>,
    /// Per page and front-matter FAQ entry: the answer rendered to HTML (none when hidden).
    pub(crate) faq_answers: Vec<Vec<Option<String>>>,
    /// Per section page: its children (empty for playbooks).
    pub children: Vec<Children>,
    pub by_rel: HashMap<String, usize>,
    pub diagnostics: Diagnostics,
    /// How the workstream lists and the matrix are cut into pages, made on first use.
    pub cuts: crate::render::ListCuts,
}

/// Loading stopped before a site could be assembled (no config, unreadable config).
pub struct LoadFailure {
    pub diagnostics: Diagnostics,
    /// What [`Site::load_reusing`] was given to take over, handed back untouched: the load
    /// after the config is fixed can take it over instead of reading everything again.
    /// (Boxed: a load's result stays small.)
    pub previous: Option<Box<Previous>>,
}

/// What a rebuild of the model takes over from the model before it (`serve`, after a page was
/// added, deleted or moved, or the config edited): each page no diagnostic names, kept only
/// while its file has the stamp it was read under or holds the same text, and the config
/// parses pages as before; and, while the page is shown the same way, what was made of it:
/// its ownership rows while every config file holds the same text (rows follow the registry);
/// its rendered Markdown while the base path and FAQ headings are the same, the rows it was
/// rendered beside say the same, and it links to no page that came, went or changed.
pub struct Previous {
    /// Every page the previous model had, by path, and those on offer.
    pages: content::Known,
    /// Beside each page on offer, what was made of it.
    made: Vec<Option<Made>>,
    /// What the pages were parsed and their diagnostics filtered with.
    parsed_with: ParseSettings,
    /// What the Markdown was rendered with, beside the page and its rows.
    rendered_with: MarkdownSettings,
    /// The text of every config file the previous model was made with.
    config_files: Vec<(String, String)>,
    /// Whether the rows made before still hold: decided against the config now loaded.
    rows_hold: bool,
}

/// The parts of the config a parsed page, and the diagnostics that decide whether it may be
/// taken over, depend on: unknown keys are kept or reported, and a check's level may drop a
/// parse diagnostic (which then names no page). (Audiences are inherited afresh on every load.)
#[derive(PartialEq)]
struct ParseSettings {
    unknown_keys: crate::config::UnknownKeys,
    checks: std::collections::BTreeMap<String, crate::config::RuleLevel>,
}

impl ParseSettings {
    fn of(config: &crate::config::Config) -> Self {
        ParseSettings { unknown_keys: config.front_matter.unknown_keys, checks: config.checks.clone() }
    }
}

/// The parts of the config a page's rendered Markdown depends on (besides its rows).
#[derive(PartialEq)]
struct MarkdownSettings {
    base_path: String,
    faq_headings: Vec<String>,
}

impl MarkdownSettings {
    fn of(config: &crate::config::Config, base_path: &str) -> Self {
        MarkdownSettings { base_path: base_path.to_string(), faq_headings: config.faq.headings.clone() }
    }
}

/// What the previous model made of a page: taken over while the page is shown as before.
struct Made {
    visible: bool,
    audience: Audience,
    /// Its resolved ownership rows and client (rows depend on the page and the registry only).
    rows: Vec<crate::ownership::Row>,
    client: Option<usize>,
    markdown: PageMarkdown,
}

impl Previous {
    /// What of it still holds with the config now loaded (and the base path it gives): nothing
    /// if pages would be parsed differently; if any config file changed, not the rows, and
    /// nothing made of the pages if their Markdown would be rendered differently.
    fn still_holding(mut self, cfg: &crate::config::SiteConfig, base_path: &str) -> Option<Previous> {
        if self.parsed_with != ParseSettings::of(&cfg.config) {
            // Every page of the previous model: tens of milliseconds to free at 10,000.
            crate::build::discard(self);
            return None;
        }
        if self.config_files != cfg.files {
            self.rows_hold = false;
            if self.rendered_with != MarkdownSettings::of(&cfg.config, base_path) {
                // Tens of milliseconds to free at 10,000 playbooks.
                crate::build::discard(std::mem::take(&mut self.made));
            }
        }
        Some(self)
    }

    /// What the previous model made of each page now loaded, where the page was taken over
    /// (`came`: [`content::Came::TakenOver`]) and is shown as before (visible, same audience); and
    /// every page that came, went or changed, by path (a page parsed again from the same text,
    /// having had a diagnostic, has the same URL).
    fn take_over(self, pages: &[Page], visible: &[bool], by_rel: &HashMap<String, usize>, came: &[content::Came]) -> TakenOver {
        let Previous { pages: content::Known { by_rel: before, .. }, mut made, rows_hold, .. } = self;
        let now = pages
            .iter()
            .zip(visible)
            .zip(came)
            .map(|((page, &visible), &came)| {
                let m = made.get_mut(*before.get(&page.rel).filter(|_| came == content::Came::TakenOver)?)?.take()?;
                (m.visible == visible && m.audience == page.audience).then_some(m)
            })
            .collect();
        let read_again = pages.iter().zip(came).filter(|(_, came)| **came == content::Came::Changed).map(|(p, _)| p.rel.clone());
        let changed = before.into_keys().filter(|rel| !by_rel.contains_key(rel)).chain(read_again).collect();
        TakenOver { made: now, changed, rows_hold }
    }
}

/// What a rebuild of the model takes over, page by page (see [`Previous::take_over`]).
struct TakenOver {
    made: Vec<Option<Made>>,
    /// Pages that came, went or changed.
    changed: HashSet<String>,
    /// Whether the rows made before hold (the registry unchanged).
    rows_hold: bool,
}

impl TakenOver {
    /// Each page's resolved ownership: taken over where the page was and the registry is the
    /// same, resolved again elsewhere. A page whose rows, resolved again, differ from those its
    /// Markdown was rendered beside in what the Markdown shows of them (a row's handoff and
    /// notes, in order, under their keys) has its Markdown rendered again too.
    fn resolved(&mut self, reg: &Registry, pages: &[Page]) -> Vec<crate::ownership::Resolved> {
        let rows_hold = self.rows_hold;
        self.made
            .par_iter_mut()
            .zip(pages)
            .map(|(made, page)| match made {
                Some(m) if rows_hold => (std::mem::take(&mut m.rows), m.client, Vec::new()),
                _ => {
                    let fresh = crate::ownership::resolve_page(reg, page);
                    if made.as_ref().is_some_and(|m| !same_notes(&m.rows, &fresh.0)) {
                        *made = None;
                    }
                    fresh
                }
            })
            .collect()
    }

    /// Each page's rendered Markdown, where taken over and linking to no page that changed (a
    /// link to another page is rewritten to that page's URL, or left as written when there is
    /// none).
    fn into_markdown(self) -> Vec<Option<PageMarkdown>> {
        let TakenOver { made, changed, .. } = self;
        made.into_iter()
            .map(|made| {
                let markdown = made?.markdown;
                let links = markdown.rendered.as_ref().map(|r| r.links.as_slice()).unwrap_or_default();
                let links_changed = links.iter().any(|l| l.depends_on(|t| changed.contains(t)));
                (!links_changed).then_some(markdown)
            })
            .collect()
    }
}

/// Whether two lists of a page's rows say the same where its Markdown shows them: each row's
/// handoff and notes, positioned through its key.
fn same_notes(a: &[crate::ownership::Row], b: &[crate::ownership::Row]) -> bool {
    a.len() == b.len() && a.iter().zip(b).all(|(x, y)| x.key == y.key && x.handoff == y.handoff && x.internal_notes == y.internal_notes)
}

pub fn base_path_of(base_url: &str) -> String {
    let after_scheme = match base_url.find("://") {
        Some(i) => &base_url[i + 3..],
        None => base_url,
    };
    let path = if base_url.contains("://") { after_scheme.find('/').map(|i| &after_scheme[i..]).unwrap_or("/") } else { after_scheme };
    let trimmed = path.trim_matches('/');
    if trimmed.is_empty() { "/".into() } else { format!("/{trimmed}/") }
}

/// Prints how long a stage took when `DEMARCATE_TIMINGS` is set (for profiling builds).
pub fn timing(stage: &str, since: std::time::Instant) {
    if std::env::var_os("DEMARCATE_TIMINGS").is_some() {
        // Resident memory now and the peak so far, from /proc on Linux: where the peak builds up.
        let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
        let field = |name: &str| status.lines().find_map(|l| l.strip_prefix(name)).map(|v| v.trim().to_string()).unwrap_or_default();
        let (rss, peak) = (field("VmRSS:"), field("VmHWM:"));
        eprintln!("timing: {stage:<22} {:>8.1} ms   rss {rss} (peak {peak})", since.elapsed().as_secs_f64() * 1000.0);
    }
}

/// What a site is before its pages are read: config, registry and identity for one audience.
pub struct Frame {
    pub cfg: SiteConfig,
    pub reg: Registry,
    pub audience: Audience,
    pub title: String,
    pub description: String,
    pub base_url: String,
    pub base_path: String,
    /// See [`BuildOptions::offline`].
    pub offline: bool,
    /// Problems found in the config and registry.
    pub diagnostics: Diagnostics,
}

impl Frame {
    pub fn load(root: &Path, opts: &BuildOptions) -> Result<Frame, LoadFailure> {
        let mut diagnostics = Diagnostics::default();
        let Some(cfg) = config::load(root, &mut diagnostics) else {
            return Err(LoadFailure { diagnostics, previous: None });
        };
        let audience = opts.audience.unwrap_or(Audience::Internal);
        let (title, mut base_url, description) = cfg.identity(audience);
        if let Some(b) = &opts.base_url {
            base_url = b.clone();
        }
        if !base_url.ends_with('/') {
            base_url.push('/');
        }
        let base_path = base_path_of(&base_url);
        let mut d = Vec::new();
        let reg = Registry::new(&cfg, &mut d);
        diagnostics.extend(d);
        Ok(Frame { cfg, reg, audience, title, description, base_url, base_path, offline: opts.offline, diagnostics })
    }
}

impl Site {
    /// Loads, renders Markdown for and checks the whole site, keeping every source for
    /// incremental updates (`serve`, `check`).
    pub fn load(root: &Path, opts: &BuildOptions) -> Result<Site, LoadFailure> {
        Site::load_with(root, opts, false)
    }

    /// Like [`Site::load`] for a one-shot build: each source part is freed as soon as no later
    /// stage needs it (raw assignments after the checks, page text after the link check), which
    /// keeps the peak memory of a large site down. The site cannot be updated incrementally.
    pub fn load_for_build(root: &Path, opts: &BuildOptions) -> Result<Site, LoadFailure> {
        Site::load_with(root, opts, true)
    }

    /// [`Site::load_for_build`] with the config and registry already loaded (`frame`, by a warm
    /// build that then found the cache could not serve it).
    pub fn load_for_build_in(root: &Path, opts: &BuildOptions, frame: Frame) -> Result<Site, LoadFailure> {
        Site::load_from(root, opts, true, None, Some(frame))
    }

    /// [`Site::load`] taking over what it can from the previous model (see [`Previous`]); the
    /// same site as a fresh load gives.
    pub fn load_reusing(root: &Path, opts: &BuildOptions, previous: Previous) -> Result<Site, LoadFailure> {
        Site::load_from(root, opts, false, Some(previous), None)
    }

    /// Takes this model apart for [`Site::load_reusing`].
    pub fn into_previous(self) -> Previous {
        let Site { cfg, base_path, pages, visible, rendered, row_html, faq_answers, diagnostics, by_rel, own, faqs, children, .. } = self;
        let Ownership { rows, client, by_owner, by_workstream, pages_by_party } = own;
        // What is not taken over takes tens of milliseconds to free at 10,000 playbooks.
        crate::build::discard((by_owner, by_workstream, pages_by_party, faqs, children));
        let named: HashSet<String> = diagnostics.items.into_iter().map(|d| d.file).collect();
        let mut answers = faq_answers.into_iter();
        let mut not_on_offer = Vec::new();
        let (pages, made) = pages
            .into_iter()
            .zip(visible)
            .zip(rendered.into_iter().zip(row_html))
            .zip(rows.into_iter().zip(client))
            .map(|(((page, visible), (rendered, row_html)), (rows, client))| {
                let answers = answers.next().unwrap_or_default();
                let markdown = PageMarkdown { rendered, rows: row_html, answers, diags: Vec::new() };
                let made = Made { visible, audience: page.audience, rows, client, markdown };
                if named.contains(&page.file) {
                    not_on_offer.push(made);
                    return (Some((page, false)), None);
                }
                (Some((page, true)), Some(made))
            })
            .unzip();
        // What was made of the pages with warnings (a tenth of the generated 10,000): 0.1-0.2 s
        // to free here. The pages themselves are compared with their files, then freed there.
        crate::build::discard(not_on_offer);
        let parsed_with = ParseSettings::of(&cfg.config);
        let rendered_with = MarkdownSettings::of(&cfg.config, &base_path);
        Previous { pages: content::Known { by_rel, pages }, made, parsed_with, rendered_with, config_files: cfg.files, rows_hold: true }
    }

    fn load_with(root: &Path, opts: &BuildOptions, lean: bool) -> Result<Site, LoadFailure> {
        Site::load_from(root, opts, lean, None, None)
    }

    fn load_from(
        root: &Path,
        opts: &BuildOptions,
        lean: bool,
        previous: Option<Previous>,
        frame: Option<Frame>,
    ) -> Result<Site, LoadFailure> {
        let frame = match frame {
            Some(f) => f,
            None => {
                let t = std::time::Instant::now();
                let f = match Frame::load(root, opts) {
                    Ok(f) => f,
                    Err(failure) => return Err(LoadFailure { previous: previous.map(Box::new), ..failure }),
                };
                timing("config", t);
                f
            }
        };
        let Frame { cfg, reg, audience, title, description, base_url, base_path, offline, mut diagnostics } = frame;
        let t = std::time::Instant::now();
        let unknown = cfg.config.front_matter.unknown_keys;
        let mut previous = previous.and_then(|p| p.still_holding(&cfg, &base_path));
        // A one-shot build resolves each page's ownership as soon as it is read (see
        // `ownership::resolve_and_free`); serve and check keep the raw assignments.
        let (loaded, resolved, came) = match previous.as_mut() {
            _ if lean => {
                let (loaded, resolved) = content::load_each(root, unknown, cfg.config.audience, |p| {
                    let resolved = crate::ownership::resolve_and_free(&reg, p);
                    p.release_front_matter_text();
                    resolved
                });
                (loaded, Some(resolved), Vec::new())
            }
            Some(previous) => {
                let (loaded, came) = content::load_known(root, unknown, cfg.config.audience, &mut previous.pages);
                (loaded, None, came)
            }
            None => (content::load(root, unknown, cfg.config.audience), None, Vec::new()),
        };
        timing("read + front-matter", t);
        let t = std::time::Instant::now();
        diagnostics.extend(loaded.diagnostics);
        let pages = loaded.pages;
        let visible: Vec<bool> = pages.iter().map(|p| in_build(p, audience, opts)).collect();
        let by_rel: HashMap<String, usize> = pages.iter().enumerate().map(|(i, p)| (p.rel.clone(), i)).collect();
        check_duplicate_urls(root, &pages, &visible, &mut diagnostics);
        let mut d = Vec::new();
        let mut taken = previous.map(|p| p.take_over(&pages, &visible, &by_rel, &came));
        let own = match (resolved, taken.as_mut()) {
            (Some(resolved), _) => Ownership::from_resolved(&reg, resolved, &visible, &mut d),
            (None, Some(taken)) => Ownership::from_resolved(&reg, taken.resolved(&reg, &pages), &visible, &mut d),
            (None, None) => Ownership::build(&reg, &pages, &visible, &mut d),
        };
        diagnostics.extend(d);
        timing("ownership", t);

        let cuts = crate::render::ListCuts::new(reg.workstreams.len());
        let mut site = Site {
            root: root.to_path_buf(),
            cfg,
            reg,
            audience,
            title,
            description,
            base_url,
            base_path,
            offline,
            pages,
            visible,
            assets: loaded.assets,
            own,
            rendered: Vec::new(),
            faqs: Vec::new(),
            row_html: Vec::new(),
            faq_answers: Vec::new(),
            children: Vec::new(),
            by_rel,
            diagnostics,
            cuts,
        };
        site.children = children(&site.pages, &site.visible, &site.by_rel);
        // The rules look only at front-matter, rows and the registry: they run before Markdown,
        // so a lean build can drop the raw assignments (the bulk of the front-matter) first.
        let t = std::time::Instant::now();
        let found = crate::check::run(&site);
        timing("checks", t);
        site.diagnostics.extend(found);
        if lean {
            site.pages.par_iter_mut().for_each(|p| p.fm.workstreams = Default::default());
        }
        let t = std::time::Instant::now();
        site.render_markdown(lean, taken.map(TakenOver::into_markdown).unwrap_or_default());
        timing("markdown", t);
        let t = std::time::Instant::now();
        site.collect_faqs(lean);
        timing("faq", t);
        let t = std::time::Instant::now();
        site.check_links();
        timing("links", t);
        if lean {
            site.release_sources();
        }
        crate::check::apply_levels(&site.cfg, &mut site.diagnostics);
        site.diagnostics.sort();
        Ok(site)
    }

    /// Frees what only loading and checking needed (source text, raw assignments and FAQ
    /// entries, already resolved into the ownership rows and FAQ items) before rendering: at
    /// 10,000 playbooks that is a third of the model, and a build never reloads it. `serve`
    /// keeps sources for its incremental updates and never calls this.
    pub fn release_sources(&mut self) {
        self.release_text();
        // Moved into the FAQ items already (`collect_faqs`).
        self.faq_answers = Vec::new();
        self.pages.par_iter_mut().for_each(|p| {
            p.fm.workstreams = Default::default();
            p.fm.faq = Vec::new();
        });
    }

    /// Frees the page text (front-matter and body), which only parsing, the checks and the
    /// Markdown stage read.
    fn release_text(&mut self) {
        self.pages.par_iter_mut().for_each(|p| {
            p.raw = String::new();
            p.fm_range = 0..0;
            p.body_start = 0;
        });
    }

    /// The (handoff, internal notes) HTML of row `n` of page `i`. Notes are empty in the client
    /// build, whatever the row holds.
    pub fn row_html(&self, i: usize, n: usize) -> (Cow<'_, str>, Cow<'_, str>) {
        let (handoff, notes) = match self.row_html.get(i).and_then(|r| r.get(n)) {
            Some((h, n)) => (h.as_str(), n.as_str()),
            None => ("", ""),
        };
        let Some(row) = self.own.rows.get(i).and_then(|r| r.get(n)) else { return (handoff.into(), notes.into()) };
        fn plain<'a>(stored: &'a str, text: &Option<String>) -> Cow<'a, str> {
            if stored.is_empty() { text.as_deref().and_then(markdown::plain_paragraph).unwrap_or_default().into() } else { stored.into() }
        }
        let notes = if self.audience == Audience::Internal { plain(notes, &row.internal_notes) } else { Cow::Borrowed("") };
        (plain(handoff, &row.handoff), notes)
    }

    /// The playbooks the matrix lists (visible, with ownership rows), in page order.
    pub fn matrix_pages(&self) -> Vec<usize> {
        self.visible_pages().filter(|(i, p)| !p.is_section && !self.own.rows[*i].is_empty()).map(|(i, _)| i).collect()
    }

    /// Whether an asset is copied into this build's output (internal assets only internally).
    pub fn ships(&self, asset: &Asset) -> bool {
        self.audience == Audience::Internal || asset.audience == Audience::Client
    }

    /// The assets this build copies into its output.
    pub fn shipped_assets(&self) -> impl Iterator<Item = &Asset> {
        self.assets.iter().filter(|a| self.ships(a))
    }

    /// URL path (with base path) of a page.
    pub fn url(&self, page: usize) -> String {
        format!("{}{}", self.base_path, self.pages[page].path)
    }

    /// Renders every page's Markdown. A `lean` build frees each page's text as soon as its
    /// Markdown is rendered: every later stage reads parsed and rendered parts, so the text, the
    /// largest part of the model, never sits beside all the HTML.
    fn render_markdown(&mut self, lean: bool, mut reused: Vec<Option<PageMarkdown>>) {
        let results: Vec<PageMarkdown> = if lean {
            let texts: Vec<String> = self.pages.iter_mut().map(|p| std::mem::take(&mut p.raw)).collect();
            let results = texts.into_par_iter().enumerate().map(|(i, raw)| self.page_markdown_of(i, &raw)).collect();
            self.release_text();
            results
        } else {
            reused.resize_with(self.pages.len(), || None);
            reused.into_par_iter().enumerate().map(|(i, pm)| pm.unwrap_or_else(|| self.page_markdown(i))).collect()
        };
        let n = results.len();
        self.rendered = Vec::with_capacity(n);
        self.row_html = Vec::with_capacity(n);
        self.faq_answers = Vec::with_capacity(n);
        for pm in results {
            self.diagnostics.extend(pm.diags);
            self.rendered.push(pm.rendered);
            self.row_html.push(pm.rows);
            self.faq_answers.push(pm.answers);
        }
    }

    /// Stores a re-rendered page's Markdown; returns its diagnostics.
    fn store_markdown(&mut self, i: usize, pm: PageMarkdown) -> Vec<Diagnostic> {
        self.rendered[i] = pm.rendered;
        self.row_html[i] = pm.rows;
        // (release_sources empties the list; only a one-shot build calls it.)
        let n = self.pages.len();
        if self.faq_answers.len() < n {
            self.faq_answers.resize(n, Vec::new());
        }
        self.faq_answers[i] = pm.answers;
        pm.diags
    }

    /// Renders one page's body and front-matter Markdown fields.
    fn page_markdown(&self, i: usize) -> PageMarkdown {
        self.page_markdown_of(i, &self.pages[i].raw)
    }

    /// Like [`Site::page_markdown`], with the page's text given (`raw`, as read).
    fn page_markdown_of(&self, i: usize, raw: &str) -> PageMarkdown {
        let by_rel = &self.by_rel;
        let pages = &self.pages;
        let resolve = |rel: &str| by_rel.get(rel).map(|&i| pages[i].path.clone());
        let headings = &self.cfg.config.faq.headings;
        let base_path = self.base_path.as_str();
        let audience = self.audience;
        let own = &self.own;
        let p = &pages[i];
        let vis = self.visible[i];
        {
            if !vis {
                return PageMarkdown::default();
            }
            let cx = MarkdownContext {
                page_dir: p.dir(),
                first_line: p.body_line,
                audience,
                base_path,
                resolve: &resolve,
                faq_headings: headings,
            };
            let mut diags = Vec::new();
            let mut rendered = match markdown::render(&raw[p.body_start..], &cx) {
                Ok(r) => r,
                Err(e) => {
                    diags.push(
                        Diagnostic::error("internal-block", p.file.as_str(), e.message)
                            .at(Pos::line(e.line))
                            .help("close the block with a line holding only `:::`"),
                    );
                    return PageMarkdown { diags, ..PageMarkdown::default() };
                }
            };
            // Markdown fields of the front-matter render like the body: links rewritten and
            // checked, with positions at the field's key.
            // Not `p.positions` alone: a lean build has taken the text out of the page (`raw`).
            let reread = std::cell::OnceCell::new();
            let idx = if p.fm_text_released {
                p.positions(&self.root, &reread)
            } else {
                content::LazyIndex::of(&raw[p.fm_range.clone()], p.fm_line)
            };
            let field_cx = MarkdownContext { faq_headings: &[], first_line: 1, ..cx };
            let mut field = |text: &str, path: &[&str], diags: &mut Vec<Diagnostic>| -> String {
                if let Some(html) = markdown::plain_paragraph(text) {
                    return html;
                }
                match markdown::render(text, &field_cx) {
                    Ok(mut r) => {
                        if !r.links.is_empty() {
                            let at = idx.key(path);
                            for mut l in r.links.drain(..) {
                                l.line += at.line - 1;
                                if l.line != at.line {
                                    l.column = 1;
                                } else {
                                    l.column = at.column;
                                }
                                rendered.links.push(l);
                            }
                        }
                        r.html
                    }
                    Err(e) => {
                        let at = idx.key(path);
                        diags.push(Diagnostic::error("internal-block", p.file.as_str(), e.message).at(Pos::line(at.line + e.line - 1)));
                        String::new()
                    }
                }
            };
            // Row notes that are one plain paragraph (most of them) are not kept: rendering
            // wraps them then (`row_html`), which saves a string per row until templates run.
            let mut rows = Vec::new();
            for row in &own.rows[i] {
                let handoff = match row.handoff.as_deref() {
                    Some(t) if !markdown::is_plain_paragraph(t) => field(t, &["workstreams", &row.key, "handoff"], &mut diags),
                    _ => String::new(),
                };
                let notes = match (row.internal_notes.as_deref(), audience) {
                    (Some(t), Audience::Internal) if !markdown::is_plain_paragraph(t) => {
                        field(t, &["workstreams", &row.key, "internal_notes"], &mut diags)
                    }
                    _ => String::new(),
                };
                rows.push((handoff, notes));
            }
            let mut answers = Vec::new();
            for (n, f) in p.fm.faq.iter().enumerate() {
                let hidden = audience == Audience::Client && f.audience == Some(Audience::Internal);
                answers.push(match (&f.a, hidden) {
                    (Some(a), false) if !a.trim().is_empty() => Some(field(a, &["faq", &format!("#{n}"), "a"], &mut diags)),
                    _ => None,
                });
            }
            // Sources link like Markdown links (an internal page named there is a leak too).
            for (k, source) in p.fm.sources.iter().enumerate() {
                let url = source.url.as_deref().unwrap_or("");
                let (href, links) = markdown::field_link(url, &field_cx);
                if !links.is_empty() {
                    let at = idx.value(&["sources", &format!("#{k}"), "url"], url);
                    rendered.links.extend(links.into_iter().map(|l| PageLink { line: at.line, column: at.column, ..l }));
                }
                rendered.source_urls.push(href);
            }
            // Builds hold every page's HTML until templates run: no spare capacity.
            rendered.html.shrink_to_fit();
            for (handoff, notes) in &mut rows {
                handoff.shrink_to_fit();
                notes.shrink_to_fit();
            }
            PageMarkdown { rendered: Some(rendered), rows, answers, diags }
        }
    }

    /// Builds every page's FAQ items. A `lean` build moves each rendered answer into its item
    /// (nothing reads them afterwards): copying them raised the peak of a 100,000-playbook build.
    fn collect_faqs(&mut self, lean: bool) {
        let n = self.pages.len();
        let all: Vec<Vec<FaqItem>> = if lean {
            let mut answers = std::mem::take(&mut self.faq_answers);
            answers.resize(n, Vec::new());
            answers.par_iter_mut().enumerate().map(|(i, a)| self.page_faqs_with(i, &mut |k| a.get_mut(k).and_then(Option::take))).collect()
        } else {
            (0..n).into_par_iter().map(|i| self.page_faqs(i)).collect()
        };
        self.faqs = all;
    }

    /// The questions shown on one page: front-matter entries, then Markdown FAQ sections, then
    /// generated ones.
    fn page_faqs(&self, i: usize) -> Vec<FaqItem> {
        self.page_faqs_with(i, &mut |k| self.faq_answers.get(i).and_then(|a| a.get(k)).cloned().flatten())
    }

    /// [`Site::page_faqs`], with the rendered answer of front-matter entry `k` from `answer`.
    fn page_faqs_with(&self, i: usize, answer: &mut dyn FnMut(usize) -> Option<String>) -> Vec<FaqItem> {
        let generate = self.cfg.config.faq.generate;
        let p = &self.pages[i];

        let Some(r) = &self.rendered[i] else {
            return Vec::new();
        };
        let mut ids = IdAllocator::for_page();
        for t in &r.toc {
            ids.allocate(&t.id);
        }
        let mut items = Vec::new();
        for (n, f) in p.fm.faq.iter().enumerate() {
            let Some(answer_html) = answer(n) else {
                continue; // hidden from this audience, or empty (the `empty-faq` check)
            };
            let q = f.q.clone().unwrap_or_default();
            if q.trim().is_empty() {
                continue;
            }
            let wanted = format!("faq-{}", f.id.clone().map(|s| markdown::slugify(&s)).unwrap_or_else(|| markdown::slugify(&q)));
            items.push(FaqItem {
                key: FaqItem::key_of(&q),
                question: q,
                answer_html,
                anchor: ids.allocate(&wanted),
                tags: f.tags.0.clone(),
                workstreams: f.workstreams.0.iter().filter_map(|w| self.reg.workstream(w)).collect(),
                inline: false,
            });
        }
        for m in &r.faq {
            items.push(FaqItem {
                key: FaqItem::key_of(&m.question),
                question: m.question.clone(),
                answer_html: m.answer_html.clone(),
                anchor: m.anchor.clone(),
                tags: Vec::new(),
                workstreams: Vec::new(),
                inline: true,
            });
        }
        if generate && p.is_playbook() {
            let client = self.own.client[i].map(|c| self.reg.parties[c].1.name.clone());
            for row in &self.own.rows[i] {
                let ws = &self.reg.workstreams[row.ws].1.name;
                let question = match &client {
                    Some(c) => format!("Who owns {} for {c}?", ws.to_lowercase()),
                    None => format!("Who owns {}?", ws.to_lowercase()),
                };
                let name = |o: usize| self.reg.owners[o].1.name.clone();
                let mut answer = String::new();
                if let Some(a) = row.accountable().first() {
                    answer.push_str(&format!("<p><strong>{}</strong> is accountable.", markdown::escape_html(&name(a))));
                }
                let doers: Vec<String> = row.responsible().iter().map(|o| markdown::escape_html(&name(o))).collect();
                if !doers.is_empty() {
                    answer.push_str(&format!(" The work is done by {}.", doers.join(", ")));
                }
                if let Some(ah) = row.after_hours {
                    answer.push_str(&format!(" Out of hours: {}.", markdown::escape_html(&name(ah))));
                }
                if !row.escalation().is_empty() {
                    let chain: Vec<String> = row.escalation().iter().map(|o| markdown::escape_html(&name(o))).collect();
                    answer.push_str(&format!(" Escalation: {}.", chain.join(" → ")));
                }
                answer.push_str("</p>");
                let wid = &self.reg.workstreams[row.ws].0;
                items.push(FaqItem {
                    key: FaqItem::key_of(&question),
                    question,
                    answer_html: answer,
                    anchor: ids.allocate(&format!("faq-who-owns-{wid}")),
                    tags: Vec::new(),
                    workstreams: vec![row.ws],
                    inline: false,
                });
            }
        }
        items
    }

    /// The fast path for an edit that changed only the body of page `i` (`raw` is the new file
    /// text). Re-renders that page's Markdown and FAQ and re-runs the link check. Returns `None`
    /// when more than the body changed (front-matter or title), so the caller must reload;
    /// otherwise whether the page's questions changed (the site-wide FAQ needs re-rendering).
    pub fn refresh_body(&mut self, i: usize, raw: String) -> Option<bool> {
        self.refresh_body_with(i, raw, SiteChecks::Now)
    }

    fn refresh_body_with(&mut self, i: usize, raw: String, site_checks: SiteChecks) -> Option<bool> {
        let raw = match raw.strip_prefix('\u{feff}') {
            Some(r) => r.to_string(),
            None => raw,
        };
        let (fm_range, fm_line, body_start, body_line) = content::split_front_matter(&raw).ok()?;
        let page = &self.pages[i];
        if content::text_hash(raw[fm_range.clone()].as_bytes()) != page.yaml_hash || !self.visible[i] {
            return None;
        }
        if content::page_title(&page.fm, &raw[body_start..], &page.rel, page.is_section) != page.title {
            return None;
        }
        // The front-matter text is unchanged, but a page restored from the build cache keeps
        // only the fields rendering needs: parsing it again gives back the rest (the FAQ
        // entries whose answers are rendered below).
        let fm = content::parse_page(raw.clone(), &page.rel, self.cfg.config.front_matter.unknown_keys).0?.fm;
        let page = &mut self.pages[i];
        page.fm = fm;
        page.raw = raw;
        page.fm_range = fm_range;
        page.fm_line = fm_line;
        page.body_start = body_start;
        page.body_line = body_line;
        page.fm_text_released = false;
        let file = page.file.clone();
        let pm = self.page_markdown(i);
        let diags = self.store_markdown(i, pm);
        let faqs = self.page_faqs(i);
        let faq_changed = faqs != self.faqs[i];
        self.faqs[i] = faqs;
        let stale = |d: &Diagnostic| LINK_CODES.contains(&d.code) || (d.code == "internal-block" && d.file == file);
        self.diagnostics.items.retain(|d| !stale(d));
        self.diagnostics.extend(diags);
        if site_checks == SiteChecks::Now {
            self.check_links();
            // The page's own diagnostics and the links', at the severities `checks:` gives
            // them (deferred, [`Site::run_site_checks`] sets them).
            crate::check::set_levels(&self.cfg, &mut self.diagnostics);
            self.diagnostics.sort();
        }
        Some(faq_changed)
    }

    /// The fast paths for an edited page `i` (`raw` is its new text): body only, else the
    /// front-matter of one playbook. `None` when a full rebuild is needed.
    pub fn refresh(&mut self, i: usize, raw: String) -> Option<Refreshed> {
        self.refresh_with(i, raw, SiteChecks::Now)
    }

    /// [`Site::refresh`] without the checks that look at the whole site (links, the registry's
    /// unused owners, how many pages the site-wide FAQ takes): replaying many edits, each would
    /// cost a pass over every page. The caller runs the checks once with
    /// [`Site::run_site_checks`] after the last edit, and compares the FAQ's page count with
    /// the one before the first edit that changed questions ([`Site::faq_pages_with`]).
    pub fn refresh_deferring_site_checks(&mut self, i: usize, raw: String) -> Option<Refreshed> {
        self.refresh_with(i, raw, SiteChecks::Later)
    }

    /// The site-wide checks [`Site::refresh_deferring_site_checks`] left out: links and anchors,
    /// the registry, severity overrides; afterwards the diagnostics are those of a cold load.
    pub fn run_site_checks(&mut self) {
        self.diagnostics.items.retain(|d| !LINK_CODES.contains(&d.code) && !REGISTRY_CODES.contains(&d.code));
        self.check_links();
        let found = crate::check::check_registry(self);
        self.diagnostics.extend(found);
        crate::check::apply_levels(&self.cfg, &mut self.diagnostics);
        self.diagnostics.sort();
    }

    fn refresh_with(&mut self, i: usize, raw: String, site_checks: SiteChecks) -> Option<Refreshed> {
        // A FAQ of more than a page's worth of questions runs over several pages; an edit that
        // changes how many takes the full path, as for the other long lists. Counting them is
        // a pass over every question: done only when this page's questions changed.
        let old_faqs = (site_checks == SiteChecks::Now).then(|| self.faqs.get(i).cloned().unwrap_or_default());
        let refreshed = match self.refresh_body_with(i, raw.clone(), site_checks) {
            Some(faq_changed) => Refreshed::Body { faq_changed },
            None => Refreshed::FrontMatter(self.refresh_front_matter_with(i, raw, site_checks)?),
        };
        if let Some(old) = old_faqs
            && old != self.faqs[i]
            && self.faqs.iter().map(Vec::len).sum::<usize>() + old.len() > crate::render::FAQ_FULL_LIMIT
        {
            let after = crate::render::faq_page_count(self);
            if self.faq_pages_with(i, old) != after {
                return None;
            }
        }
        Some(refreshed)
    }

    /// How many pages the site-wide FAQ would take were page `i`'s questions `faqs`: the count
    /// before an edit of that page, given its questions from before.
    pub fn faq_pages_with(&mut self, i: usize, faqs: Vec<FaqItem>) -> usize {
        let current = std::mem::replace(&mut self.faqs[i], faqs);
        let pages = crate::render::faq_page_count(self);
        self.faqs[i] = current;
        pages
    }

    /// The fast path for a front-matter edit of one playbook or section (`raw` is the new file
    /// text): re-parses it, updates the ownership indexes in place, re-renders its Markdown and
    /// re-runs the link check and its checks. Returns what must be re-rendered, or `None` when
    /// the edit can change more than that (URL, audience, draft state, errors in the new
    /// front-matter, in a client build an owner's page coming or going; for a section see
    /// `refresh_section_front_matter`), so the caller must rebuild everything.
    pub fn refresh_front_matter(&mut self, i: usize, raw: String) -> Option<Affected> {
        self.refresh_front_matter_with(i, raw, SiteChecks::Now)
    }

    fn refresh_front_matter_with(&mut self, i: usize, raw: String, site_checks: SiteChecks) -> Option<Affected> {
        let raw = match raw.strip_prefix('\u{feff}') {
            Some(r) => r.to_string(),
            None => raw,
        };
        let old = &self.pages[i];
        if !self.visible[i] {
            return None;
        }
        let (new, parse_diags) = content::parse_page(raw, &old.rel, self.cfg.config.front_matter.unknown_keys);
        let mut new = new?;
        if parse_diags.iter().any(|d| d.severity == crate::diagnostics::Severity::Error)
            || new.path != old.path
            || new.fm.audience != old.fm.audience
            || new.fm.draft != old.fm.draft
        {
            return None;
        }
        new.audience = old.audience;
        if old.is_section {
            return self.refresh_section_front_matter(i, new, parse_diags, site_checks);
        }
        let file = old.file.clone();
        let title_changed = new.title != old.title;
        let (rows, client, own_diags) = crate::ownership::resolve_page(&self.reg, &new);
        // What views show of this page: its listing (title, summary, client, model, dates, tags),
        // each owner's roles in it, each workstream's row. Only views showing something that
        // changed are re-rendered.
        let listing = title_changed
            || client != self.own.client[i]
            || (new.fm.summary.as_ref(), new.fm.model.as_ref(), new.fm.updated.as_ref(), &new.fm.tags.0, new.fm.weight)
                != (old.fm.summary.as_ref(), old.fm.model.as_ref(), old.fm.updated.as_ref(), &old.fm.tags.0, old.fm.weight);
        let old_rows = &self.own.rows[i];
        let (old_holdings, new_holdings) = (holdings(old_rows), holdings(&rows));
        let mut owners: Vec<usize> = old_holdings.keys().chain(new_holdings.keys()).copied().collect();
        owners.sort_unstable();
        owners.dedup();
        let roles_changed: Vec<usize> = owners.iter().copied().filter(|o| old_holdings.get(o) != new_holdings.get(o)).collect();
        // In a client build an owner has a page only while it holds visible work, and every view
        // that names it links there or not: an edit that gives an owner its first role or takes
        // its last takes the full path.
        let holding_count = |o: usize| {
            let (had, has) = (old_holdings.get(&o).map_or(0, Vec::len), new_holdings.get(&o).map_or(0, Vec::len));
            (self.own.by_owner[o].len(), self.own.by_owner[o].len() + has - had)
        };
        if self.audience == Audience::Client
            && roles_changed.iter().any(|&o| {
                let (before, after) = holding_count(o);
                (before == 0) != (after == 0)
            })
        {
            return None;
        }
        // Likewise a party (`render::parties_shown`): an edit that gives a client its first
        // visible playbook or takes its last.
        if self.audience == Audience::Client && client != self.own.client[i] {
            let last = self.own.client[i].is_some_and(|c| self.own.pages_by_party[c].len() == 1);
            let first = client.is_some_and(|c| self.own.pages_by_party[c].is_empty());
            if last || first {
                return None;
            }
        }
        if !listing {
            owners = roles_changed.clone();
        }
        let shown = |r: &crate::ownership::Row| (r.accountable().first(), r.responsible().to_vec(), r.coverage, r.side());
        let old_shown: BTreeMap<usize, _> = old_rows.iter().map(|r| (r.ws, shown(r))).collect();
        let new_shown: BTreeMap<usize, _> = rows.iter().map(|r| (r.ws, shown(r))).collect();
        let mut touched: Vec<usize> = old_shown.keys().chain(new_shown.keys()).copied().collect();
        touched.sort_unstable();
        touched.dedup();
        let same_workstreams = old_shown.keys().eq(new_shown.keys());
        let matrix = listing || !same_workstreams || old_shown.iter().zip(&new_shown).any(|((_, a), (_, b))| (a.0, a.3) != (b.0, b.3));
        let ws_before: Vec<(usize, crate::render::Paging)> =
            touched.iter().map(|&w| (w, crate::render::ws_paging(self, w).clone())).collect();
        let matrix_before = crate::render::matrix_paging(self).clone();
        // A long list gaining or losing a page changes the pager of all its pages, the sitemap
        // and which files exist: the full path handles that (rare) case. Only a list this page
        // comes into or leaves can be cut otherwise.
        let pages_of = crate::render::page_count;
        let new_len = |before: usize, had: bool, has: bool| before + usize::from(has) - usize::from(had);
        let recut = |listed: &mut dyn Iterator<Item = usize>, before: &crate::render::Paging, had: bool, has: bool| {
            had != has && crate::render::paging_with(self, listed, i, has).count() != before.count()
        };
        let lists_repaginate =
            ws_before.iter().any(|(w, before)| {
                recut(&mut self.own.by_workstream[*w].iter().map(|&(p, _)| p), before, old_shown.contains_key(w), new_shown.contains_key(w))
            }) || recut(&mut crate::render::matrix_listed(self).iter().copied(), &matrix_before, !old_rows.is_empty(), !rows.is_empty())
                || roles_changed.iter().any(|&o| {
                    let (before, after) = holding_count(o);
                    pages_of(before) != pages_of(after)
                });
        if lists_repaginate {
            return None;
        }
        // The matrix has a column per workstream in use anywhere.
        let matrix_columns = ws_before.iter().any(|(w, before)| {
            (before.total() == 0) != (new_len(before.total(), old_shown.contains_key(w), new_shown.contains_key(w)) == 0)
        });
        let mut parties: Vec<usize> = roles_changed.iter().filter_map(|&o| self.reg.owner_party[o]).collect();
        if listing {
            parties.extend(self.own.client[i].into_iter().chain(client));
        }
        parties.sort_unstable();
        parties.dedup();
        // The lists this page comes into or leaves are cut again when next asked.
        let moved_in_or_out: Vec<usize> =
            touched.iter().copied().filter(|w| old_shown.contains_key(w) != new_shown.contains_key(w)).collect();
        let matrix_changed = old_rows.is_empty() != rows.is_empty();
        self.pages[i] = new;
        self.own.replace_page(i, rows, client);
        for w in moved_in_or_out {
            self.cuts.forget_ws(w);
        }
        if matrix_changed {
            self.cuts.forget_matrix();
        }
        let pm = self.page_markdown(i);
        let md_diags = self.store_markdown(i, pm);
        let faqs = self.page_faqs(i);
        // /faq/ groups questions under the playbook's listing (title, client, model).
        let faq = faqs != self.faqs[i] || (listing && !faqs.is_empty());
        // A workstream's first page lists the questions tied to it.
        let workstreams: Vec<usize> = touched
            .iter()
            .copied()
            .filter(|w| {
                listing
                    || old_shown.get(w) != new_shown.get(w)
                    || (faqs != self.faqs[i] && self.faqs[i].iter().chain(&faqs).any(|f| f.workstreams.contains(w)))
            })
            .collect();
        self.faqs[i] = faqs;
        self.recheck(i, &file, [parse_diags, own_diags, md_diags].concat(), site_checks);
        // Section pages that list this page, when its listing changed.
        let mut pages = vec![i];
        if listing {
            pages.extend((0..self.pages.len()).filter(|&s| self.children.get(s).is_some_and(|c| c.pages.contains(&i))));
        }
        Some(Affected {
            pages,
            owners,
            workstreams,
            parties,
            faq,
            matrix,
            matrix_columns,
            owners_index: !roles_changed.is_empty(),
            workstreams_index: !same_workstreams,
            listing,
            ws_before,
            matrix_before: Some(matrix_before),
            exports: true,
        })
    }

    /// [`Site::refresh_front_matter`] for a section (`_index.md`, visible), its new text parsed
    /// cleanly as `new` (the caller checked its URL, audience and draft state, which every page
    /// below inherits): its page, the section listing it, the pages below it when its title
    /// changed (their breadcrumbs), home and the sitemap when its date changed, the FAQ and the
    /// first page of the workstreams its questions name when those show something else. `None`
    /// when the edit can change more: a top-level section's title (every page's navigation),
    /// ownership rows or a client on the section (the lists of playbooks).
    fn refresh_section_front_matter(
        &mut self,
        i: usize,
        new: Page,
        parse_diags: Vec<Diagnostic>,
        site_checks: SiteChecks,
    ) -> Option<Affected> {
        let old = &self.pages[i];
        let title_changed = new.title != old.title;
        let top_level = !old.dir().is_empty() && !old.dir().contains('/');
        if top_level && title_changed {
            return None;
        }
        let (rows, client, own_diags) = crate::ownership::resolve_page(&self.reg, &new);
        if !rows.is_empty() || client.is_some() || !self.own.rows[i].is_empty() || self.own.client[i].is_some() {
            return None;
        }
        let dated = new.fm.updated != old.fm.updated;
        let file = old.file.clone();
        let below = format!("{}/", old.dir());
        self.pages[i] = new;
        let pm = self.page_markdown(i);
        let md_diags = self.store_markdown(i, pm);
        let faqs = self.page_faqs(i);
        // /faq/ groups questions under their page's title; a workstream's first page lists the
        // questions tied to it.
        let faq = faqs != self.faqs[i] || (title_changed && !faqs.is_empty());
        let mut workstreams: Vec<usize> =
            if faq { self.faqs[i].iter().chain(&faqs).flat_map(|f| f.workstreams.iter().copied()).collect() } else { Vec::new() };
        workstreams.sort_unstable();
        workstreams.dedup();
        self.faqs[i] = faqs;
        self.recheck(i, &file, [parse_diags, own_diags, md_diags].concat(), site_checks);
        let mut pages = vec![i];
        pages.extend((0..self.pages.len()).filter(|&s| self.children.get(s).is_some_and(|c| c.sections.contains(&i))));
        if title_changed && below != "/" {
            pages.extend((0..self.pages.len()).filter(|&j| j != i && self.visible[j] && self.pages[j].rel.starts_with(&below)));
        }
        let ws_before = workstreams.iter().map(|&w| (w, crate::render::ws_paging(self, w).clone())).collect();
        Some(Affected {
            pages,
            owners: Vec::new(),
            workstreams,
            parties: Vec::new(),
            faq,
            matrix: false,
            matrix_columns: false,
            owners_index: false,
            workstreams_index: false,
            listing: dated,
            ws_before,
            matrix_before: None,
            exports: false,
        })
    }

    /// After a front-matter edit of page `i` (its `file`): its diagnostics become `found` (from
    /// parsing, ownership and Markdown) and its checks' (the link and registry diagnostics of
    /// every file go in [`Site::run_site_checks`], run here with `SiteChecks::Now`).
    fn recheck(&mut self, i: usize, file: &str, found: Vec<Diagnostic>, site_checks: SiteChecks) {
        self.diagnostics.items.retain(|d| d.file != file);
        self.diagnostics.extend(found);
        let mut checked = Vec::new();
        crate::check::check_page(self, i, &crate::check::today(), &crate::check::required_workstreams(self), &mut checked);
        self.diagnostics.extend(checked);
        if site_checks == SiteChecks::Now {
            self.run_site_checks();
        }
    }

    /// The model with playbooks added and deleted (a warm build, see [`crate::cache::Moved`]):
    /// what loading the files now would make, short of the site-wide checks, which the caller
    /// runs ([`Site::run_site_checks`]). An error when more than these pages would change, so
    /// that the caller builds cold: a new page with an error or sharing a URL, a page
    /// whose Markdown links to one that came or went (unless it is among `rereading`, the pages
    /// the caller replays edits of next, which renders their Markdown again), an owner gaining
    /// or losing its page (a client build shows only owners with visible work), a section (an
    /// `_index.md`) coming or going at the top level (every page's navigation) or changing the
    /// audience of a page or file that stays. The pages below a section that came or went name
    /// it in their breadcrumbs: the caller renders them again. Declining, it hands the site
    /// back when it found that before taking the site apart (a new page with an error, a link
    /// to a page that came or went, a top-level section, an owner page coming or going), so
    /// that `serve` can rebuild from it instead.
    pub fn with_pages_moved(self, moved: crate::cache::Moved, opts: &BuildOptions, rereading: &[usize]) -> Result<Site, Option<Box<Site>>> {
        let crate::cache::Moved { order, before, added, removed } = moved;
        let unknown = self.cfg.config.front_matter.unknown_keys;
        let mut new_pages: HashMap<String, (Page, Vec<Diagnostic>)> = HashMap::default();
        for (rel, raw, stamp) in added {
            let (page, diags) = content::parse_read(stamp, raw, &rel, unknown);
            // An error, as `checks:` has it: the model would have errors.
            let error = diags.iter().any(|d| crate::check::level_of(&self.cfg, d) == Some(crate::diagnostics::Severity::Error));
            let Some(page) = page.filter(|_| !error) else {
                return Err(Some(Box::new(self)));
            };
            new_pages.insert(rel, (page, diags));
        }
        // Folders whose section came or went. The home page's and a top-level section's are in
        // every page's breadcrumbs or navigation.
        let moved_sections: HashSet<&str> = new_pages
            .values()
            .map(|(p, _)| p)
            .chain(removed.iter().map(|&j| &self.pages[j]))
            .filter(|p| p.is_section)
            .map(Page::dir)
            .collect();
        if moved_sections.iter().any(|dir| !dir.contains('/')) {
            return Err(Some(Box::new(self)));
        }
        // Pages whose Markdown is not kept as it was rendered: gone, or rendered again.
        let mut not_kept = vec![false; self.pages.len()];
        removed.iter().chain(rereading).for_each(|&j| not_kept[j] = true);
        let came_or_went: HashSet<&str> =
            new_pages.keys().map(String::as_str).chain(removed.iter().map(|&j| self.pages[j].rel.as_str())).collect();
        let links_moved = self
            .rendered
            .iter()
            .zip(&not_kept)
            .filter(|(_, not_kept)| !**not_kept)
            .any(|(r, _)| r.as_ref().is_some_and(|r| r.links.iter().any(|l| l.depends_on(|t| came_or_went.contains(t)))));
        if links_moved {
            return Err(Some(Box::new(self)));
        }
        // Found again below once the pages are in place; found here first while the site is
        // whole (cautiously: with sections coming or going, every new page is taken as shown).
        if self.audience != Audience::Internal {
            let sections_move = !moved_sections.is_empty();
            let shown = new_pages.values().map(|(p, _)| p).filter(|p| sections_move || self.would_show(p, opts));
            if self.owner_pages_change(&removed, shown) {
                return Err(Some(Box::new(self)));
            }
        }
        let moved_sections = !moved_sections.is_empty();
        let gone_files: HashSet<String> = removed.iter().map(|&j| self.pages[j].file.clone()).collect();
        let shown_before: Vec<bool> = (0..self.reg.owners.len()).map(|o| crate::render::owner_shown(&self, o)).collect();
        let parties_before = crate::render::parties_shown(&self);

        // The rest (config, registry, identity, assets) goes over as it is, below.
        let Site { pages, own, rendered, faqs, row_html, faq_answers, mut diagnostics, .. } = self;
        // A duplicate URL (reported, when downgraded, on the second page of a pair) is found
        // afresh below: with any left, the build is cold.
        diagnostics.items.retain(|d| !gone_files.contains(&d.file) && d.code != "duplicate-url");
        let mut pages: Vec<Page> = in_new_order(pages, &before)
            .into_iter()
            .zip(&order)
            .map(|(page, rel)| match page {
                Some(page) => Some(page),
                None => {
                    let (page, diags) = new_pages.remove(rel)?;
                    diagnostics.extend(diags);
                    Some(page)
                }
            })
            .collect::<Option<_>>()
            .ok_or(None)?;
        // Each kept page's audience (what it inherited from the sections it had).
        let audiences_before: Vec<Option<Audience>> =
            if moved_sections { pages.iter().zip(&before).map(|(p, b)| b.map(|_| p.audience)).collect() } else { Vec::new() };
        content::apply_audience(&mut pages, self.cfg.config.audience);
        if moved_sections {
            let mut assets = self.assets.clone();
            content::apply_asset_audience(&pages, &mut assets, self.cfg.config.audience);
            let pages_same = pages.iter().zip(&audiences_before).all(|(p, a)| a.is_none_or(|a| a == p.audience));
            if !pages_same || assets.iter().zip(&self.assets).any(|(now, then)| now.audience != then.audience) {
                return Err(None);
            }
        }
        let visible: Vec<bool> = pages.iter().map(|p| in_build(p, self.audience, opts)).collect();
        let mut duplicates = Diagnostics::default();
        check_duplicate_urls(&self.root, &pages, &visible, &mut duplicates);
        if !duplicates.items.is_empty() {
            return Err(None);
        }
        let Ownership { rows, client, .. } = own;
        let (mut rows_now, mut client_now) = (Vec::with_capacity(pages.len()), Vec::with_capacity(pages.len()));
        let kept = in_new_order(rows, &before).into_iter().zip(in_new_order(client, &before));
        for (((r, c), page), &shown) in kept.zip(&pages).zip(&visible) {
            let (r, c) = match (r, c) {
                (Some(r), Some(c)) => (r, c),
                _ => {
                    let (r, c, diags) = crate::ownership::resolve_page(&self.reg, page);
                    diagnostics.extend(diags);
                    // As `Ownership::from_resolved`: a page outside the build has no rows.
                    (if shown { r } else { Vec::new() }, c)
                }
            };
            rows_now.push(r);
            client_now.push(c);
        }
        let own = Ownership::from_rows(&self.reg, rows_now, client_now, &visible);
        let by_rel: HashMap<String, usize> = pages.iter().enumerate().map(|(i, p)| (p.rel.clone(), i)).collect();
        let mut site = Site {
            children: children(&pages, &visible, &by_rel),
            pages,
            visible,
            own,
            rendered: in_new_order(rendered, &before).into_iter().map(Option::flatten).collect(),
            faqs: in_new_order(faqs, &before).into_iter().map(Option::unwrap_or_default).collect(),
            row_html: in_new_order(row_html, &before).into_iter().map(Option::unwrap_or_default).collect(),
            faq_answers: in_new_order(faq_answers, &before).into_iter().map(Option::unwrap_or_default).collect(),
            by_rel,
            diagnostics,
            // The pages moved: their keys and the lists' cuts are made again on first use.
            cuts: crate::render::ListCuts::new(self.reg.workstreams.len()),
            ..self
        };
        let shown_now: Vec<bool> = (0..site.reg.owners.len()).map(|o| crate::render::owner_shown(&site, o)).collect();
        if shown_now != shown_before || crate::render::parties_shown(&site) != parties_before {
            return Err(None);
        }
        let (today, required) = (crate::check::today(), crate::check::required_workstreams(&site));
        for i in (0..site.pages.len()).filter(|&i| before[i].is_none()) {
            let pm = site.page_markdown(i);
            let mut found = site.store_markdown(i, pm);
            site.faqs[i] = site.page_faqs(i);
            crate::check::check_page(&site, i, &today, &required, &mut found);
            site.diagnostics.extend(found);
        }
        Ok(site)
    }

    /// Whether page `p`, not a section, added to this site with its sections as they are, would
    /// be in the build: it inherits its audience from the nearest section at or above its folder.
    fn would_show(&self, p: &Page, opts: &BuildOptions) -> bool {
        let audience =
            p.fm.audience
                .unwrap_or_else(|| self.sections_at_or_above(p.dir()).next().map_or(self.cfg.config.audience, |s| self.pages[s].audience));
        in_build_as(p, audience, self.audience, opts)
    }

    /// The section pages (`_index.md`) of folder `dir` and of the folders above it, nearest
    /// first, whether or not they are in the build.
    pub fn sections_at_or_above<'a>(&'a self, dir: &'a str) -> impl Iterator<Item = usize> + 'a {
        std::iter::successors(Some(dir), |d| (!d.is_empty()).then(|| d.rsplit_once('/').map_or("", |(up, _)| up)))
            .filter_map(|d| self.by_rel.get(&section_rel(d)).copied())
    }

    /// Whether deleting pages `removed` and adding pages `added` (each taken as shown) would
    /// leave an owner without its last row or give one its first: in a client build, its page
    /// comes or goes (see `render::owner_shown`).
    fn owner_pages_change<'a>(&self, removed: &[usize], mut added: impl Iterator<Item = &'a Page>) -> bool {
        let mut gone = vec![false; self.pages.len()];
        removed.iter().for_each(|&j| gone[j] = true);
        let by_owner = &self.own.by_owner;
        let loses_last = removed
            .iter()
            .flat_map(|&j| &self.own.rows[j])
            .any(|row| row.owner_roles().into_iter().any(|(o, _)| by_owner[o].iter().all(|h| gone[h.page()])));
        loses_last
            || added.any(|page| {
                let (rows, _, _) = crate::ownership::resolve_page(&self.reg, page);
                rows.iter().any(|row| row.owner_roles().into_iter().any(|(o, _)| by_owner[o].is_empty()))
            })
    }

    /// Every anchor a page offers: its headings, its ownership rows and its questions.
    pub fn anchors(&self, page: usize) -> HashSet<String> {
        let mut set = HashSet::default();
        if let Some(r) = &self.rendered[page] {
            set.extend(r.toc.iter().map(|t| t.id.clone()));
        }
        for row in &self.own.rows[page] {
            set.insert(format!("ws-{}", self.reg.workstreams[row.ws].0));
        }
        set.extend(self.faqs[page].iter().map(|f| f.anchor.clone()));
        set.extend(markdown::PAGE_IDS.iter().map(|s| s.to_string()));
        set
    }

    fn check_links(&mut self) {
        let mut anchors: HashMap<usize, HashSet<String>> = HashMap::default();
        // The closest page to each missing target, worked out once per target (each answer
        // compares it with every page; a renamed folder breaks many links to the same pages).
        let mut closest: HashMap<&str, Option<&str>> = HashMap::default();
        // The same for missing files (among the assets) and URLs (among the pages' URLs).
        let mut closest_file: HashMap<&str, Option<&str>> = HashMap::default();
        let mut closest_url: HashMap<&str, Option<&str>> = HashMap::default();
        // Where links to files and URLs can land: worked out on the first such link.
        let mut places: Option<Places> = None;
        let mut found = Vec::new();
        // Why page `t` is not in this build, if it is not.
        let left_out = |t: usize| {
            (!self.visible[t]).then(|| {
                if self.pages[t].fm.draft {
                    ("broken-link", "a draft, left out of this build (build with --drafts to include it)")
                } else {
                    ("internal-link", "internal-only, so it is not part of the client build")
                }
            })
        };
        for (i, r) in self.rendered.iter().enumerate() {
            let Some(r) = r else { continue };
            let page = &self.pages[i];
            for link in &r.links {
                let pos = Pos { line: link.line, column: link.column, width: link.width };
                let error = |code: &'static str, message: String| Diagnostic::error(code, page.file.as_str(), message).at(pos);
                let to_page = |t: usize, found: &mut Vec<Diagnostic>| match left_out(t) {
                    Some((code, why)) => {
                        found.push(error(code, format!("link to `{}`: that page is {why}", link.written)));
                        None
                    }
                    None => Some(t),
                };
                let target = match (link.kind, &link.target) {
                    (_, None) => Some(i),
                    (LinkKind::Unreadable, Some(_)) => {
                        found.push(
                            error("broken-link", format!("link to `{}`: a character reference here is not one HTML has", link.written))
                                .help("write the character itself, or `&amp;` for `&`"),
                        );
                        None
                    }
                    (LinkKind::Page, Some(rel)) => match self.by_rel.get(rel) {
                        None => {
                            let help = closest
                                .entry(rel.as_str())
                                .or_insert_with(|| crate::diagnostics::did_you_mean(rel, self.by_rel.keys().map(|k| k.as_str())))
                                .map(|s| format!("did you mean `{}`?", relative_from(page.dir(), s)));
                            found.push(
                                error("broken-link", format!("link to `{}`: no such page (content/{rel})", link.written)).maybe_help(help),
                            );
                            None
                        }
                        Some(&t) => to_page(t, &mut found),
                    },
                    (kind, Some(t)) => match places.get_or_insert_with(|| Places::of(self)).find(t) {
                        Place::Page(t) => to_page(t, &mut found),
                        // `img.png/`: the browser asks for a folder of that name, which there
                        // is not (joining the path dropped the slash).
                        Place::Asset(a)
                            if self.assets[a].rel == *t && link.written.split(['?', '#']).next().is_some_and(|p| p.ends_with('/')) =>
                        {
                            let name = t.rsplit('/').next().unwrap_or(t);
                            found.push(
                                error("broken-link", format!("link to `{}`: content/{t} is a file, not a folder", link.written))
                                    .help(format!("drop the `/` after `{name}`")),
                            );
                            None
                        }
                        Place::Asset(a) => {
                            if !self.ships(&self.assets[a]) {
                                let why = "internal-only, so it is not part of the client build";
                                found.push(error("internal-link", format!("link to `{}`: that file is {why}", link.written)));
                            }
                            None
                        }
                        Place::Generated => None,
                        Place::Hidden(what) => {
                            found.push(error(
                                "internal-link",
                                format!("link to `{}`: that {what} has no page in the client build (internal-only work)", link.written),
                            ));
                            None
                        }
                        Place::Moved(t) => {
                            let p = &self.pages[t];
                            found.push(
                                error(
                                    "broken-link",
                                    format!("link to `{}`: the page of that folder, {}, is at /{}", link.written, p.file, p.path),
                                )
                                .help(format!("link to the page's source, `{}`", relative_from(page.dir(), &p.rel))),
                            );
                            None
                        }
                        Place::Folder(dir) => {
                            found.push(
                                error(
                                    "broken-link",
                                    format!("link to `{}`: content/{dir} is a folder without a page of its own", link.written),
                                )
                                .help(format!("add content/{}, or link to a page inside the folder", markdown::folder_pages(dir)[0])),
                            );
                            None
                        }
                        Place::Missing(why, help) => {
                            found.push(error("broken-link", format!("link to `{}`: {why}", link.written)).maybe_help(help));
                            None
                        }
                        Place::Nothing if kind == LinkKind::File => {
                            let help = closest_file
                                .entry(t.as_str())
                                .or_insert_with(|| crate::diagnostics::did_you_mean(t, self.assets.iter().map(|a| a.rel.as_str())))
                                .map(|s| format!("did you mean `{}`?", relative_from(page.dir(), s)));
                            found.push(
                                error("broken-link", format!("link to `{}`: no such file (content/{t})", link.written)).maybe_help(help),
                            );
                            None
                        }
                        Place::Nothing => {
                            let help = closest_url
                                .entry(t.as_str())
                                .or_insert_with(|| crate::diagnostics::did_you_mean(t, self.visible_pages().map(|(_, p)| p.path.as_str())))
                                .map(|s| format!("did you mean `/{s}`?"));
                            found.push(
                                error("broken-link", format!("link to `{}`: no page or file of this site has that URL", link.written))
                                    .maybe_help(help),
                            );
                            None
                        }
                    },
                };
                let (Some(t), Some(frag)) = (target, &link.fragment) else { continue };
                if frag.is_empty() {
                    continue;
                }
                let set = anchors.entry(t).or_insert_with(|| self.anchors(t));
                if !set.contains(frag) {
                    let mut candidates: Vec<&str> = set.iter().map(|s| s.as_str()).collect();
                    candidates.sort();
                    let help = crate::diagnostics::did_you_mean(frag, candidates).map(|s| format!("did you mean `#{s}`?"));
                    found.push(
                        error("broken-anchor", format!("link to `{}`: {} has no heading `#{frag}`", link.written, self.pages[t].file))
                            .maybe_help(help),
                    );
                }
            }
        }
        self.shadowed_pages(&mut places, &mut found);
        self.diagnostics.extend(found);
    }

    /// A file under `content/` at a page's URL (`guides/index.html` beside `guides/_index.md`)
    /// is copied over the page, as files are at a generated view's URL on purpose: beside a page
    /// of the site's own it is almost always a leftover. Checked with the links, since both are
    /// about where a URL lands.
    fn shadowed_pages<'a>(&'a self, places: &mut Option<Places<'a>>, found: &mut Vec<Diagnostic>) {
        let at_folder_urls: Vec<&content::Asset> =
            self.shipped_assets().filter(|a| a.rel == "index.html" || a.rel.ends_with("/index.html")).collect();
        if at_folder_urls.is_empty() {
            return;
        }
        // The link check's pages by URL (a page in the build wins its URL over one left out).
        let by_path = &places.get_or_insert_with(|| Places::of(self)).by_path;
        for a in at_folder_urls {
            let url = &a.rel[..a.rel.len() - "index.html".len()];
            if let Some(&i) = by_path.get(url).filter(|&&i| self.visible[i]) {
                found.push(
                    Diagnostic::warning(
                        "shadowed-page",
                        format!("content/{}", a.rel),
                        format!("this file is copied over the page made from {} (/{url})", self.pages[i].file),
                    )
                    .help("delete or rename one of the two: a file under content/ takes the place of a page at its URL"),
                );
            }
        }
    }

    pub fn visible_pages(&self) -> impl Iterator<Item = (usize, &Page)> {
        self.pages.iter().enumerate().filter(|(i, _)| self.visible[*i])
    }

    pub fn playbook_count(&self) -> usize {
        self.visible_pages().filter(|(_, p)| p.is_playbook()).count()
    }
}

/// Whether a page is part of a build for `audience` with `opts`: not a draft (unless drafts
/// are built), and not internal in a client build.
fn in_build(p: &Page, audience: Audience, opts: &BuildOptions) -> bool {
    in_build_as(p, p.audience, audience, opts)
}

/// [`in_build`], for page `p` with the audience `own`.
fn in_build_as(p: &Page, own: Audience, audience: Audience, opts: &BuildOptions) -> bool {
    (opts.drafts || !p.fm.draft) && !(audience == Audience::Client && own == Audience::Internal)
}

/// `items` (one per page of the previous model) in the order of the pages now: each page's item
/// when it was there before (`before`, its index then), `None` for a new page.
fn in_new_order<T>(items: Vec<T>, before: &[Option<usize>]) -> Vec<Option<T>> {
    let mut items: Vec<Option<T>> = items.into_iter().map(Some).collect();
    before.iter().map(|j| j.and_then(|j| items.get_mut(j).and_then(Option::take))).collect()
}

/// The path, relative to `content/`, of folder `dir`'s section page.
fn section_rel(dir: &str) -> String {
    if dir.is_empty() { "_index.md".to_string() } else { format!("{dir}/_index.md") }
}

/// Children of every section in one pass: a page belongs to the section of its folder, a
/// section to the nearest section above it.
fn children(pages: &[Page], visible: &[bool], by_rel: &HashMap<String, usize>) -> Vec<Children> {
    let mut out = vec![Children::default(); pages.len()];
    let section_of = |dir: &str| -> Option<usize> { by_rel.get(&section_rel(dir)).copied().filter(|&s| visible[s]) };
    for (i, p) in pages.iter().enumerate() {
        if !visible[i] {
            continue;
        }
        if p.is_section {
            if p.dir().is_empty() {
                continue;
            }
            let mut dir = p.dir().rsplit_once('/').map(|(d, _)| d).unwrap_or("");
            loop {
                if let Some(s) = section_of(dir) {
                    out[s].sections.push(i);
                    break;
                }
                match dir.rsplit_once('/') {
                    Some((d, _)) => dir = d,
                    None if !dir.is_empty() => dir = "",
                    None => break,
                }
            }
        } else {
            // Listed by the nearest section at or above its folder (folders need no _index.md).
            let mut dir = p.dir();
            let mut listed = false;
            loop {
                if let Some(s) = section_of(dir) {
                    if !listed {
                        out[s].pages.push(i);
                        listed = true;
                    }
                    out[s].total += 1;
                }
                if dir.is_empty() {
                    break;
                }
                dir = dir.rsplit_once('/').map(|(d, _)| d).unwrap_or("");
            }
        }
    }
    out
}

fn relative_from(dir: &str, target: &str) -> String {
    let from: Vec<&str> = dir.split('/').filter(|s| !s.is_empty()).collect();
    let to: Vec<&str> = target.split('/').collect();
    let common = from.iter().zip(&to).take_while(|(a, b)| a == b).count();
    let mut parts: Vec<&str> = vec![".."; from.len() - common];
    parts.extend(&to[common..]);
    parts.join("/")
}

/// The folders of the output that only generated pages take.
const GENERATED_FOLDERS: [&str; 7] = ["owners/", "workstreams/", "parties/", "matrix/", "faq/", "search/", "static/"];

/// The generated files at the top of the output.
const GENERATED_FILES: [&str; 6] =
    ["robots.txt", "sitemap.xml", "404.html", crate::render::OWNERSHIP_JSON, crate::render::MATRIX_CSV, crate::render::SEARCH_INDEX];

/// What a link to a file or URL of the site lands on.
#[derive(Debug, PartialEq)]
enum Place<'a> {
    Page(usize),
    Asset(usize),
    /// A generated page or file: the owner, workstream and party pages this build has, the
    /// other views, the list pages the lists run to, the exports, the theme's static files.
    Generated,
    /// An owner's or a party's page, which this (client) build leaves out.
    Hidden(&'static str),
    /// A folder of `content/` with no page of its own (its path).
    Folder(&'a str),
    /// A folder whose page lives at another URL (a `slug`, or a name the URL spells otherwise).
    Moved(usize),
    /// Below a generated view, something it does not have: why, and what it has instead.
    Missing(String, Option<String>),
    Nothing,
}

/// The pages by URL, the assets by path, and the folders of `content/`: where links to files
/// and URLs can land. Built once per check, and only for a site that has such links.
struct Places<'a> {
    site: &'a Site,
    by_path: HashMap<&'a str, usize>,
    assets: HashMap<&'a str, usize>,
    folders: HashSet<&'a str>,
    party_shown: Vec<bool>,
    /// What the theme's layers copy below `static/`, and how many pages the FAQ has: found on
    /// the first link that needs them.
    statics: std::cell::OnceCell<HashSet<String>>,
    faq_pages: std::cell::OnceCell<usize>,
}

impl<'a> Places<'a> {
    fn of(site: &'a Site) -> Places<'a> {
        let mut by_path = HashMap::default();
        for (i, p) in site.pages.iter().enumerate() {
            // A page in the build wins its URL over one left out (a duplicate URL is reported).
            if site.visible[i] || !by_path.contains_key(p.path.as_str()) {
                by_path.insert(p.path.as_str(), i);
            }
        }
        let assets = site.assets.iter().enumerate().map(|(k, a)| (a.rel.as_str(), k)).collect();
        let mut folders = HashSet::default();
        for rel in site.pages.iter().map(|p| p.rel.as_str()).chain(site.assets.iter().map(|a| a.rel.as_str())) {
            let mut rest = rel;
            while let Some((dir, _)) = rest.rsplit_once('/') {
                if !folders.insert(dir) {
                    break;
                }
                rest = dir;
            }
        }
        Places {
            site,
            by_path,
            assets,
            folders,
            party_shown: crate::render::parties_shown(site),
            statics: Default::default(),
            faq_pages: Default::default(),
        }
    }

    /// Where `target` (a path below `content/` or the site root, without a leading slash) lands.
    fn find(&self, target: &'a str) -> Place<'a> {
        if let Some(&k) = self.assets.get(target) {
            return Place::Asset(k);
        }
        let dir = target.trim_end_matches('/');
        let dir = if dir == "index.html" { "" } else { dir.strip_suffix("/index.html").unwrap_or(dir) };
        let url = if dir.is_empty() { String::new() } else { format!("{dir}/") };
        if let Some(&i) = self.by_path.get(url.as_str()) {
            return Place::Page(i);
        }
        if dir.is_empty() || GENERATED_FILES.contains(&target) {
            return Place::Generated;
        }
        if let Some(file) = target.strip_prefix(crate::render::STATIC_DIR) {
            return self.static_file(file);
        }
        if let Some(place) = self.generated(&url) {
            return place;
        }
        // A folder of content/ served by an HTML file of its own, copied as it is.
        if let Some(&k) = self.assets.get(format!("{dir}/index.html").as_str()) {
            return Place::Asset(k);
        }
        if self.folders.contains(dir) {
            let page = markdown::folder_pages(dir).into_iter().find_map(|rel| self.site.by_rel.get(&rel));
            return page.map_or(Place::Folder(dir), |&i| Place::Moved(i));
        }
        Place::Nothing
    }

    /// Where `url` (ending in `/`) lands among the generated views, if it is below one: an
    /// owner's, a workstream's or a party's page only while it has one, and a list page only
    /// while the list runs to it.
    fn generated(&self, url: &str) -> Option<Place<'a>> {
        let folder = GENERATED_FOLDERS.iter().find(|g| url.starts_with(**g))?;
        let rest = &url[folder.len()..];
        let site = self.site;
        let reg = &site.reg;
        // Below the views of one owner, workstream or party: its id (the id itself, never an
        // alias), then its own list pages.
        let (id, after) = rest.split_once('/').unwrap_or((rest, ""));
        let own_list = |what: &str, pages: usize| list_page(&format!("{what} `{id}`"), &format!("/{folder}{id}/"), pages, after);
        Some(match *folder {
            // The views' own pages, each with its list pages; there is no list of parties.
            "matrix/" => list_page("the matrix", "/matrix/", crate::render::matrix_paging(site).count(), rest),
            "faq/" => {
                let pages = *self.faq_pages.get_or_init(|| crate::render::faq_page_count(site));
                list_page("the FAQ", "/faq/", pages, rest)
            }
            "owners/" | "workstreams/" | "search/" if rest.is_empty() => Place::Generated,
            "owners/" => match reg.owner(id).filter(|&o| reg.owners[o].0 == id) {
                Some(o) if crate::render::owner_shown(site, o) => own_list("owner", crate::render::page_count(site.own.by_owner[o].len())),
                Some(_) => Place::Hidden("owner"),
                None => Place::Nothing,
            },
            "workstreams/" => match reg.workstream(id).filter(|&w| reg.workstreams[w].0 == id) {
                Some(w) => own_list("workstream", crate::render::ws_paging(site, w).count()),
                None => Place::Nothing,
            },
            "parties/" => match reg.party(id).filter(|&p| reg.parties[p].0 == id && after.is_empty()) {
                Some(p) if self.party_shown[p] => Place::Generated,
                Some(_) => Place::Hidden("party"),
                None => Place::Nothing,
            },
            _ => Place::Nothing,
        })
    }

    /// Where a link to `file` below `/static/` lands: a file the theme's layers copy there.
    fn static_file(&self, file: &str) -> Place<'a> {
        let site = self.site;
        let names = self.statics.get_or_init(|| crate::theme::static_names(&site.root, site.cfg.config.theme.as_deref()));
        if names.contains(file) {
            return Place::Generated;
        }
        let mut candidates: Vec<&str> = names.iter().map(String::as_str).collect();
        candidates.sort_unstable();
        let help = crate::diagnostics::did_you_mean(file, candidates).map(|s| format!("did you mean `/static/{s}`?"));
        Place::Missing(
            format!("neither the theme nor the site's static/ folder has a file static/{file}"),
            help.or_else(|| Some("put the file in the site's static/ folder".into())),
        )
    }
}

/// Where `after` (what follows the URL `first` of a list's first page: nothing, or a path
/// ending in `/`) lands in the list called `name`, `pages` pages long: its first page, or
/// `page/N/` up to `page/{pages}/`.
fn list_page<'a>(name: &str, first: &str, pages: usize, after: &str) -> Place<'a> {
    if after.is_empty() {
        return Place::Generated;
    }
    // Only as a pager writes the number: digits, no leading zero.
    let number = after.strip_prefix("page/").and_then(|n| n.strip_suffix('/'));
    let Some(n) = number.filter(|n| n.bytes().all(|b| b.is_ascii_digit()) && !n.starts_with('0')).and_then(|n| n.parse::<usize>().ok())
    else {
        return Place::Nothing;
    };
    match n {
        2.. if n <= pages => Place::Generated,
        1 => Place::Missing(format!("{name}'s first page is {first}, not {first}page/1/"), Some(format!("link to `{first}`"))),
        _ => Place::Missing(
            format!("{name} has {}", if pages == 1 { "one page".to_string() } else { format!("{pages} pages") }),
            Some(if pages == 1 { format!("link to `{first}`") } else { format!("its last page is `{first}page/{pages}/`") }),
        ),
    }
}

fn check_duplicate_urls(root: &Path, pages: &[Page], visible: &[bool], diags: &mut Diagnostics) {
    let mut seen: HashMap<&str, usize> = HashMap::default();
    let reserved = GENERATED_FOLDERS;
    // The FAQ's and the search's first page are generated; pages below them are the site's.
    let whole_folder = |r: &str| r != "faq/" && r != "search/";
    for (i, p) in pages.iter().enumerate() {
        if !visible[i] {
            continue;
        }
        if let Some(r) = reserved.iter().find(|r| p.path == **r || (p.path.starts_with(**r) && whole_folder(r))) {
            diags.push(
                Diagnostic::error(
                    "duplicate-url",
                    p.file.as_str(),
                    format!("/{} is reserved for the generated {} pages", p.path, r.trim_end_matches('/')),
                )
                .help("move the page to another folder or give it a `slug`"),
            );
            continue;
        }
        // The home page is a section (content/_index.md) or generated; a playbook at
        // content/index.md would be overwritten by it.
        if p.path.is_empty() && !p.is_section {
            diags.push(
                Diagnostic::error("duplicate-url", p.file.as_str(), "/ is the URL of the home page")
                    .help("write the home page's text in content/_index.md, or move this playbook into a folder"),
            );
            continue;
        }
        if let Some(&first) = seen.get(p.path.as_str()) {
            let pos = if p.fm.slug.is_some() { p.positions(root, &std::cell::OnceCell::new()).key(&["slug"]) } else { Pos::line(1) };
            diags.push(
                Diagnostic::error("duplicate-url", p.file.as_str(), format!("/{} is also the URL of {}", p.path, pages[first].file))
                    .at(pos)
                    .help("rename one of the files or give one a different `slug`"),
            );
        } else {
            seen.insert(&p.path, i);
        }
    }
}

/// Per owner, the (workstream, role bits) they hold in one page's rows: what owner, party and
/// index views show of that page.
fn holdings(rows: &[crate::ownership::Row]) -> BTreeMap<usize, Vec<(usize, u8)>> {
    let mut out: BTreeMap<usize, Vec<(usize, u8)>> = BTreeMap::new();
    for row in rows {
        for (o, roles) in row.owner_roles() {
            out.entry(o).or_default().push((row.ws, roles));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base_path_comes_from_the_url() {
        assert_eq!(base_path_of("https://x.example/"), "/");
        assert_eq!(base_path_of("https://x.example"), "/");
        assert_eq!(base_path_of("https://x.example/guide"), "/guide/");
        assert_eq!(base_path_of("/docs/"), "/docs/");
    }

    #[test]
    fn relative_paths_for_suggestions() {
        assert_eq!(relative_from("clients/acme", "clients/beta/x.md"), "../beta/x.md");
        assert_eq!(relative_from("", "a.md"), "a.md");
    }
}
