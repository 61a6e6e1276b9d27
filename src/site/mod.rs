//! The build pipeline up to (not including) templates: config → content → ownership →
//! markdown → links ([`links`]) and FAQ → checks. A [`Site`] is everything the renderer and the
//! checker need, loaded once and then changed in place ([`refresh`]). It knows nothing about HTTP
//! or file watching; `serve` calls into it.

use crate::{HashMap, HashSet};
use std::borrow::Cow;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use rayon::prelude::*;

use crate::config::{self, Audience, SiteConfig};
use crate::content::{self, Asset, Page};
use crate::diagnostics::{Diagnostic, Diagnostics, Pos};
use crate::markdown::{self, IdAllocator, MarkdownContext, PageLink, Rendered};
use crate::ownership::{Ownership, Registry};

mod client_guide;
mod links;
mod refresh;

pub use client_guide::ClientGuide;

use links::check_duplicate_urls;

#[derive(Debug, Clone, Default)]
pub struct BuildOptions {
    pub audience: Option<Audience>,
    pub drafts: bool,
    pub base_url: Option<String>,
    /// Links relative to each page, naming `index.html` (see [`crate::relative_links`]), so the
    /// output works opened from disk.
    pub offline: bool,
    /// Build one client's guide (a client build narrowed to that client, see
    /// [`ClientGuide`]): a client party's id or alias. Implies the client audience.
    pub client: Option<String>,
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
    /// Marked `audience: internal`: shown only in the internal build, and marked so there, as
    /// internal notes and blocks are, so no one copies it to a client.
    pub internal: bool,
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
const LINK_CODES: [&str; 5] = ["broken-link", "broken-anchor", "internal-link", "shadowed-page", "client-leak"];
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
    /// The front-matter of a page outside this build, which stays outside it: no view changed,
    /// only its diagnostics.
    Hidden,
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
    /// In one client's guide, what it keeps (`--client`).
    pub guide: Option<ClientGuide>,
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
    /// The ids headings do not take (`Registry::page_anchors`).
    reserved_ids: HashSet<String>,
}

impl MarkdownSettings {
    fn of(config: &crate::config::Config, base_path: &str, reg: &Registry) -> Self {
        MarkdownSettings {
            base_path: base_path.to_string(),
            faq_headings: config.faq.headings.clone(),
            reserved_ids: reg.page_anchors.clone(),
        }
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
    fn still_holding(mut self, cfg: &crate::config::SiteConfig, base_path: &str, reg: &Registry) -> Option<Previous> {
        if self.parsed_with != ParseSettings::of(&cfg.config) {
            // Every page of the previous model: tens of milliseconds to free at 10,000.
            crate::build::discard(self);
            return None;
        }
        if self.config_files != cfg.files {
            self.rows_hold = false;
            if self.rendered_with != MarkdownSettings::of(&cfg.config, base_path, reg) {
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

/// Why `base_url` cannot be the site's address, if it cannot: it must be absolute, with an
/// `http` or `https` scheme and a host, or a path from the server's root (`/`, the default, or
/// `/playbooks/`), or every URL the build writes (links, the sitemap, the exports) is wrong.
pub fn base_url_problem(base_url: &str) -> Option<&'static str> {
    if base_url.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Some("it has a space in it");
    }
    if base_url.starts_with('/') && !base_url.starts_with("//") {
        return None;
    }
    let Some(rest) = base_url.strip_prefix("https://").or_else(|| base_url.strip_prefix("http://")) else {
        return Some("it needs a scheme and a host, such as `https://playbooks.example.com/`, or to be a path starting with `/`");
    };
    if rest.split(['/', '?', '#']).next().unwrap_or_default().is_empty() {
        return Some("it has no host after the scheme");
    }
    None
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
    /// The client party whose guide this is (`--client`), when it names one.
    pub client: Option<usize>,
    /// Problems found in the config and registry.
    pub diagnostics: Diagnostics,
}

impl Frame {
    pub fn load(root: &Path, opts: &BuildOptions) -> Result<Frame, LoadFailure> {
        let mut diagnostics = Diagnostics::default();
        let Some(cfg) = config::load(root, &mut diagnostics) else {
            return Err(LoadFailure { diagnostics, previous: None });
        };
        let audience = if opts.client.is_some() { Audience::Client } else { opts.audience.unwrap_or(Audience::Internal) };
        let (title, mut base_url, description) = cfg.identity(audience);
        let configured = base_url.clone();
        if let Some(b) = &opts.base_url {
            base_url = b.clone();
        }
        if !base_url.ends_with('/') {
            base_url.push('/');
        }
        let base_path = base_path_of(&base_url);
        let mut d = Vec::new();
        if opts.base_url.is_none()
            && let Some(problem) = base_url_problem(&base_url)
        {
            // Where the value is written: the audience's own, or the site's.
            let own = cfg.config.audiences.get(&audience).is_some_and(|o| o.base_url.is_some());
            let path: &[&str] = if own { &["audiences", audience.as_str(), "base_url"] } else { &["base_url"] };
            let text = cfg.files.first().map_or("", |(_, t)| t.as_str());
            d.push(
                Diagnostic::error(
                    "wrong-type",
                    config::CONFIG_FILE,
                    format!("`base_url: {configured}` is not the address of a site: {problem}"),
                )
                .at(crate::yaml_pos::YamlIndex::new(text, 1).value(path, &configured)),
            );
        }
        let reg = Registry::new(&cfg, &mut d);
        let client = opts.client.as_deref().and_then(|c| guide_client(&cfg, &reg, c, &mut d));
        diagnostics.extend(d);
        Ok(Frame { cfg, reg, audience, title, description, base_url, base_path, offline: opts.offline, client, diagnostics })
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
        let rendered_with = MarkdownSettings::of(&cfg.config, &base_path, &self.reg);
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
        let Frame { cfg, reg, audience, title, description, base_url, base_path, offline, client, mut diagnostics } = frame;
        let t = std::time::Instant::now();
        let unknown = cfg.config.front_matter.unknown_keys;
        let mut previous = previous.and_then(|p| p.still_holding(&cfg, &base_path, &reg));
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
        let mut visible: Vec<bool> = pages.iter().map(|p| in_build(p, audience, opts)).collect();
        let guide = client.map(|c| ClientGuide::new(&reg, c, &pages, &visible));
        if let Some(guide) = &guide {
            guide.narrow(&reg, &pages, &mut visible);
        }
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
            guide,
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

    /// The name of the client whose guide this is (`--client`).
    pub fn guide_client_name(&self) -> Option<&str> {
        self.guide.as_ref().map(|g| self.reg.parties[g.client].1.name.as_str())
    }

    /// What one client's guide keeps (see [`ClientGuide`]), worked out from the pages as they
    /// are (the build's options say which are drafts).
    pub(crate) fn client_guide(&self, client: usize, opts: &BuildOptions) -> ClientGuide {
        let shown: Vec<bool> = self.pages.iter().map(|p| in_build(p, self.audience, opts)).collect();
        ClientGuide::new(&self.reg, client, &self.pages, &shown)
    }

    /// Whether an asset is copied into this build's output: internal assets only internally, and
    /// in one client's guide none kept in another client's folder.
    pub fn ships(&self, asset: &Asset) -> bool {
        let folder = || asset.rel.rsplit_once('/').map_or("", |(dir, _)| dir);
        self.audience == Audience::Internal
            || (asset.audience == Audience::Client && self.guide.as_ref().is_none_or(|g| g.keeps_folder(folder())))
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
                reserved_ids: &self.reg.page_anchors,
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
        let mut ids = IdAllocator::for_page(&self.reg.page_anchors);
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
                internal: f.audience == Some(Audience::Internal),
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
                internal: false,
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
                    internal: false,
                });
            }
        }
        items
    }

    pub fn visible_pages(&self) -> impl Iterator<Item = (usize, &Page)> {
        self.pages.iter().enumerate().filter(|(i, _)| self.visible[*i])
    }

    /// The playbooks of this build: pages that say whose they are or who owns what (a client,
    /// ownership rows). A guide or a runbook is a page of the site, not a playbook.
    pub fn playbook_count(&self) -> usize {
        self.visible_pages().filter(|&(i, p)| p.is_playbook() && self.states_ownership(i)).count()
    }

    /// Whether page `i` names a client or has ownership rows: what makes it a playbook to a
    /// reader (its header says so, and the counts count it).
    pub fn states_ownership(&self, i: usize) -> bool {
        self.own.client[i].is_some() || !self.own.rows[i].is_empty()
    }
}

/// The client party `--client name` names, or an error: a guide for no one, or for a party that
/// is not a client, would build a site without anyone's playbooks.
fn guide_client(cfg: &SiteConfig, reg: &Registry, name: &str, d: &mut Vec<Diagnostic>) -> Option<usize> {
    let found = reg.party(name).filter(|&p| reg.parties[p].1.kind == config::PartyKind::Client);
    if found.is_none() {
        let clients: Vec<String> = reg.clients().map(|id| format!("`{id}`")).collect();
        let what = match reg.party(name) {
            Some(p) => format!("a {} party, not a client", reg.parties[p].1.kind.as_str()),
            None => "not a party".to_string(),
        };
        let help = reg.suggest_client(name).or_else(|| match clients.is_empty() {
            true => Some("no party in demarcate.yaml has `kind: client`".to_string()),
            false => Some(format!("the clients are {}", clients.join(", "))),
        });
        // Shown at the parties, where a client would be added.
        let (file, text) = cfg
            .files
            .iter()
            .find(|(_, text)| text.contains("parties"))
            .map_or((config::CONFIG_FILE, ""), |(f, t)| (f.as_str(), t.as_str()));
        d.push(
            Diagnostic::error("unknown-client", file, format!("`--client {name}` is {what} in {file}"))
                .at(crate::yaml_pos::YamlIndex::new(text, 1).key(&["parties"]))
                .maybe_help(help),
        );
    }
    found
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
    fn a_base_url_is_an_address_with_a_host_or_a_path_from_the_root() {
        for ok in ["https://x.example/", "http://x.example", "https://x.example/guide/", "/", "/docs/", "http://127.0.0.1:1111/"] {
            assert_eq!(base_url_problem(ok), None, "{ok}");
        }
        for bad in ["example.com", "not a url", "https://", "http:///guide/", "//x.example/", "ftp://x.example/", "https://x.example/a b/"]
        {
            assert!(base_url_problem(bad).is_some(), "{bad}");
        }
    }
}
