//! Turns a loaded [`Site`] into files, in parallel: every page and ownership view (owners,
//! workstreams, parties, matrix), the FAQ, the 404 page, the sitemap, robots.txt and the exports
//! (`ownership.json`, `matrix.csv`). A page whose built-in template is unchanged is written by
//! its compiled twin ([`native`]); every other goes through Tera.
//!
//! Template contexts are built from shared, precomputed references (one owner or page reference
//! is computed once and cloned), and every index comes from the one-pass ownership indexes, so
//! nothing here scans all pages per page.

use crate::HashMap;
use std::collections::BTreeMap;

use rayon::prelude::*;
use serde_json::json;
use std::borrow::Cow;
use tera::{Context, Tera, Value};

use crate::config::{Audience, PartyKind};
use crate::diagnostics::{Diagnostic, Pos};
use crate::output::{Piece, Sink};
use crate::ownership::{Owners, role};
use crate::site::Site;
use crate::theme::ThemeFiles;

mod native;
mod paging;
mod search;

pub use paging::{Paging, ROWS_PER_PAGE, ends_page};

pub use search::SEARCH_INDEX;

/// Builds a template map value. Values are tera's reference-counted `Value`s, so sharing an
/// owner or page reference between thousands of rows costs a pointer copy, not a deep copy.
macro_rules! obj {
    ($($k:literal : $v:expr),* $(,)?) => {{
        // Sized up front: no rehashing while the keys go in.
        let mut m = tera::Map::with_capacity([$($k),*].len());
        $( m.insert(tera::value::Key::from($k), Value::from($v)); )*
        Value::from(m)
    }};
}

fn ser<T: serde::Serialize + ?Sized>(v: &T) -> Value {
    Value::from_serializable(v)
}

fn arr(v: Vec<Value>) -> Value {
    Value::from(v)
}

/// Pages of an owner's list or the FAQ, `rows` long, cut every [`ROWS_PER_PAGE`] (an empty list
/// still has its first page).
pub fn page_count(rows: usize) -> usize {
    Paging::fixed(rows).count()
}

/// How a site's lists cut by their rows are cut: every page's key as a row of them (its URL
/// path's [`paging::key`]; no other page shares the path), each workstream's list's pages and
/// the matrix's playbooks and pages. Each is made on first use (a pass over its list) and kept, so that a warm
/// build replaying a thousand edits does not cut every list a thousand times; [`Site`]'s
/// in-place updates forget a list's cut when its rows change (`forget_ws`, `forget_matrix`),
/// and a page's URL never changes in place.
pub struct ListCuts {
    keys: std::sync::OnceLock<Vec<u64>>,
    ws: Vec<std::sync::OnceLock<Paging>>,
    matrix: std::sync::OnceLock<MatrixCut>,
}

/// The playbooks the matrix lists ([`Site::matrix_pages`]) and its pages, made together so
/// that a page's rows are always taken from the list it was cut from.
struct MatrixCut {
    listed: Vec<usize>,
    paging: Paging,
}

impl ListCuts {
    /// Nothing cut yet, for a site of `workstreams` workstreams.
    pub fn new(workstreams: usize) -> ListCuts {
        ListCuts { keys: Default::default(), ws: (0..workstreams).map(|_| Default::default()).collect(), matrix: Default::default() }
    }

    pub fn forget_ws(&mut self, w: usize) {
        self.ws[w] = Default::default();
    }

    pub fn forget_matrix(&mut self) {
        self.matrix = Default::default();
    }
}

fn row_keys(site: &Site) -> &[u64] {
    site.cuts.keys.get_or_init(|| site.pages.iter().map(|p| paging::key(&p.path)).collect())
}

/// The pages of workstream `w`'s list.
pub fn ws_paging(site: &Site, w: usize) -> &Paging {
    site.cuts.ws[w].get_or_init(|| {
        let keys = row_keys(site);
        Paging::cut(site.own.by_workstream[w].iter().map(|&(p, _)| keys[p]))
    })
}

fn matrix_cut(site: &Site) -> &MatrixCut {
    site.cuts.matrix.get_or_init(|| {
        let listed = site.matrix_pages();
        let paging = cut_playbooks(site, &listed);
        MatrixCut { listed, paging }
    })
}

/// The pages of the matrix.
pub fn matrix_paging(site: &Site) -> &Paging {
    &matrix_cut(site).paging
}

/// The playbooks the matrix lists, in page order (its rows).
pub fn matrix_listed(site: &Site) -> &[usize] {
    &matrix_cut(site).listed
}

/// The pages of a list of the playbooks `listed` (in page order), cut by their rows.
fn cut_playbooks(site: &Site, listed: &[usize]) -> Paging {
    let keys = row_keys(site);
    Paging::cut(listed.iter().map(|&i| keys[i]))
}

/// The pages of a list of `listed` playbooks (in page order) once playbook `i` is in it (`has`)
/// or not: how an edit of `i` would cut workstream or matrix pages, worked out before it is
/// made.
pub fn paging_with(site: &Site, listed: impl Iterator<Item = usize>, i: usize, has: bool) -> Paging {
    let mut pages: Vec<usize> = listed.filter(|&p| p != i).collect();
    if has {
        pages.insert(pages.partition_point(|&p| p < i), i);
    }
    cut_playbooks(site, &pages)
}

/// URL of page `k` (0-based) of a paginated list whose first page is `first`.
fn paged_url(first: &str, k: usize) -> String {
    if k == 0 { first.to_string() } else { format!("{first}page/{}/", k + 1) }
}

/// Pagination for templates: `{number, count, rows, total_rows, prev, next, pages: [{number,
/// url, current, gap}]}`, `rows` being the rows on this page, `total_rows` the list's (on the
/// first page only: none on the others, so that a row added elsewhere leaves them as they were),
/// `pages` as [`pager_links`] chooses them.
fn pager(first: &str, k: usize, paging: &Paging) -> Value {
    let count = paging.count();
    let pages: Vec<Value> = pager_links(count, k)
        .into_iter()
        .map(|link| match link {
            Some(j) => obj!("number": j + 1, "url": paged_url(first, j), "current": j == k, "gap": false),
            None => obj!("number": 0, "url": "", "current": false, "gap": true),
        })
        .collect();
    obj!(
        "number": k + 1, "count": count, "rows": paging.rows(k).len(),
        "total_rows": if k == 0 { Value::from(paging.total()) } else { Value::none() },
        "prev": if k > 0 { paged_url(first, k - 1) } else { String::new() },
        "next": if k + 1 < count { paged_url(first, k + 1) } else { String::new() },
        "pages": pages,
    )
}

/// How many page links a pager shows on each side of the current page.
const PAGER_WINDOW: usize = 2;

/// The pages a pager on page `k` of `count` links to, in order: the first, the last and those
/// within [`PAGER_WINDOW`] of `k`; `None` stands for a run of pages left out (a run of one is
/// shown instead). Linking every page from every page made a list of n pages write n² links:
/// a team holding a role in every playbook of a 100,000-playbook site has thousands of pages,
/// and the FAQ there has hundreds.
fn pager_links(count: usize, k: usize) -> Vec<Option<usize>> {
    let shown = |j: usize| j == 0 || j + 1 == count || j.abs_diff(k) <= PAGER_WINDOW;
    let mut links = Vec::with_capacity(2 * PAGER_WINDOW + 5);
    let mut j = 0;
    while j < count {
        if shown(j) {
            links.push(Some(j));
            j += 1;
            continue;
        }
        // The next page shown after this run: the window's first, or else the last page.
        let next = if j < k { k - PAGER_WINDOW } else { count - 1 };
        links.push((next - j == 1).then_some(j));
        j = next;
    }
    links
}

pub const TEMPLATES: [&str; 13] = [
    "base.html",
    "page.html",
    "section.html",
    "index.html",
    "owners.html",
    "owner.html",
    "workstreams.html",
    "workstream.html",
    "party.html",
    "matrix.html",
    "faq.html",
    "search.html",
    "404.html",
];

/// Compiles the theme's templates. Parse errors name the template file and line.
pub fn compile(theme: &ThemeFiles) -> Result<Tera, Vec<Diagnostic>> {
    let mut tera = Tera::new();
    tera.autoescape_on(vec![".html", ".xml"]);
    let list: Vec<(String, String)> = theme.templates.iter().map(|(name, (_, text))| (name.clone(), text.clone())).collect();
    if let Err(e) = tera.add_raw_templates(list) {
        return Err(vec![template_error(theme, &e, None)]);
    }
    let missing: Vec<&str> = TEMPLATES.iter().copied().filter(|t| !tera.contains_template(t)).collect();
    if !missing.is_empty() {
        return Err(missing
            .iter()
            .map(|t| Diagnostic::error("template-error", format!("templates/{t}"), format!("the theme has no `{t}` template")))
            .collect());
    }
    Ok(tera)
}

fn template_error(theme: &ThemeFiles, e: &tera::Error, page: Option<&str>) -> Diagnostic {
    let mut file = "templates".to_string();
    let mut pos = Pos::line(1);
    let mut message = e.to_string();
    let mut src_err: Option<&dyn std::error::Error> = Some(e);
    while let Some(err) = src_err {
        if let Some(te) = err.downcast_ref::<tera::Error>()
            && let tera::ErrorKind::SyntaxError(report) | tera::ErrorKind::RenderingError(report) = te.kind()
        {
            let name = report.filename();
            file = theme.templates.get(name).map(|(f, _)| f.clone()).unwrap_or_else(|| name.to_string());
            if let Some((_, text)) = theme.templates.get(name) {
                let span = report.span();
                let start = span.range.start.min(text.len());
                let line = text[..start].matches('\n').count() + 1;
                let col = start - text[..start].rfind('\n').map(|i| i + 1).unwrap_or(0) + 1;
                pos = Pos { line, column: col, width: span.range.len() };
            }
            message = report.message().to_string();
        }
        src_err = err.source();
    }
    // Some errors (an unknown filter, say) arrive as text tera already laid out as a report:
    // take the message and the `--> name:line:col` location out of it.
    if file == "templates"
        && let Some(at) = message.find("--> ")
    {
        let location = message[at + 4..].lines().next().unwrap_or("").trim().to_string();
        let mut parts = location.rsplitn(3, ':');
        let (col, line, name) = (parts.next(), parts.next(), parts.next());
        if let (Some(col), Some(line), Some(name)) = (col.and_then(|c| c.parse().ok()), line.and_then(|l| l.parse().ok()), name) {
            file = theme.templates.get(name).map(|(f, _)| f.clone()).unwrap_or_else(|| name.to_string());
            pos = Pos { line, column: col, width: 0 };
            let first = message.lines().next().unwrap_or("").trim();
            message = first.strip_prefix("error: ").unwrap_or(first).to_string();
        }
    }
    if let Some(p) = page {
        message = format!("{message} (while rendering {p})");
    }
    Diagnostic::error("template-error", file, message).at(pos)
}

/// Shared pieces of every template context, built once per build.
struct Refs {
    owners: Vec<Value>,
    parties: Vec<Value>,
    /// Per page: `{title, url, summary, client, …}` for list views, made on first use, so
    /// re-rendering a few views does not cost a pass over every page.
    pages: Vec<std::sync::OnceLock<Value>>,
    /// Per workstream: `{id, name, anchor, url}`, built once and shared by every row.
    ws: Vec<Value>,
    site: Value,
    nav: Value,
    /// The same entries as `nav`, as (title, URL), for the compiled templates.
    nav_links: Vec<(String, String)>,
    /// Which templates render natively in this build.
    compiled: native::Compiled,
    /// What the compiled list views repeat of each page, escaped, made on first use.
    listed: std::sync::OnceLock<native::Listing>,
    /// Each owner's link parts, escaped.
    owner_texts: native::OwnerTexts,
    /// Each workstream's link parts, escaped.
    ws_texts: native::WsTexts,
    /// Which owners have a page in this build.
    owner_shown: Vec<bool>,
    /// [`parties_shown`], for every party.
    party_shown: Vec<bool>,
    /// Per party, its owners that have a page in this build, in owner order: each party page
    /// lists them, and finding them by a scan of every owner made party pages cost parties ×
    /// owners.
    party_owners: Vec<Vec<usize>>,
    owner_kind: Vec<&'static str>,
    /// The compact FAQ's questions and topics, worked out once for all its pages.
    faq: std::sync::OnceLock<Option<CompactFaq>>,
    /// Per owner, its rows as its pages show them, worked out on first use for all its pages.
    owner_rows: Vec<std::sync::OnceLock<OwnerRows>>,
    /// For `build --offline`: the files and folders a link's last segment misnames.
    path_kinds: crate::relative_links::PathKinds,
}

impl Refs {
    /// The list-view reference of page `i`.
    fn page(&self, site: &Site, i: usize) -> Value {
        self.pages[i]
            .get_or_init(|| {
                let p = &site.pages[i];
                let client = site.own.client.get(i).copied().flatten().map(|c| self.parties[c].clone()).unwrap_or(Value::none());
                obj!(
                    "title": p.title.as_str(), "url": site.url(i), "summary": opt_str(&p.fm.summary),
                    "client": client, "model": opt_str(&p.fm.model), "model_label": model_label(p.fm.model.as_deref().unwrap_or("")),
                    "audience": p.audience.as_str(), "updated": opt_str(&p.fm.updated), "tags": p.fm.tags.0.clone(),
                )
            })
            .clone()
    }

    /// Owner `o`'s [`OwnerRows`].
    fn owner_rows(&self, site: &Site, o: usize) -> &OwnerRows {
        self.owner_rows[o].get_or_init(|| OwnerRows::of(site, o))
    }

    /// The FAQ in its compact form, `None` for a FAQ small enough to show every answer.
    fn faq(&self, site: &Site) -> Option<&CompactFaq> {
        self.faq.get_or_init(|| CompactFaq::of(site)).as_ref()
    }

    fn faq_pages(&self, site: &Site) -> usize {
        self.faq(site).map_or(1, CompactFaq::pages)
    }
}

/// Owners get a page in the internal build always, in the client build only with visible work.
pub(crate) fn owner_shown(site: &Site, o: usize) -> bool {
    site.audience == Audience::Internal || !site.own.by_owner[o].is_empty()
}

/// Which parties the build shows: in the client build, only those with a visible playbook of
/// theirs or an owner shown (`owner_shown`), so that a party only internal pages name (a
/// prospect, a vendor of internal work only) gets no page, no entry in the search index or the
/// exports and no place in the counts. The internal build shows every party. Worked out for
/// all parties in one pass over the owners.
pub(crate) fn parties_shown(site: &Site) -> Vec<bool> {
    if site.audience == Audience::Internal {
        return vec![true; site.reg.parties.len()];
    }
    let mut shown: Vec<bool> = site.own.pages_by_party.iter().map(|pages| !pages.is_empty()).collect();
    for (o, party) in site.reg.owner_party.iter().enumerate() {
        if let Some(p) = *party
            && owner_shown(site, o)
        {
            shown[p] = true;
        }
    }
    shown
}

/// Where source `k` of page `i` links (its `url` rewritten as a Markdown link's is), if it has
/// a URL.
pub(crate) fn source_url(site: &Site, i: usize, k: usize) -> Option<&str> {
    let written = site.pages[i].fm.sources[k].url.as_deref().filter(|u| !u.is_empty())?;
    Some(site.rendered[i].as_ref().and_then(|r| r.source_urls.get(k)).map_or(written, String::as_str))
}

fn owner_url(site: &Site, o: usize) -> String {
    format!("{}owners/{}/", site.base_path, site.reg.owners[o].0)
}
fn ws_url(site: &Site, w: usize) -> String {
    format!("{}workstreams/{}/", site.base_path, site.reg.workstreams[w].0)
}
fn party_url(site: &Site, p: usize) -> String {
    format!("{}parties/{}/", site.base_path, site.reg.parties[p].0)
}

/// An operating model for people: `co-managed` → `Co-managed`.
fn model_label(model: &str) -> String {
    let mut c = model.chars();
    match c.next() {
        Some(f) => f.to_uppercase().chain(c).collect(),
        None => String::new(),
    }
}

fn opt_str(s: &Option<String>) -> String {
    s.clone().unwrap_or_default()
}

fn build_refs(site: &Site, theme: &ThemeFiles) -> Refs {
    let parties: Vec<Value> = site
        .reg
        .parties
        .iter()
        .enumerate()
        .map(|(i, (id, p))| obj!("id": id.as_str(), "name": p.name.as_str(), "kind": p.kind.as_str(), "url": party_url(site, i)))
        .collect();
    let owner_shown: Vec<bool> = (0..site.reg.owners.len()).map(|o| owner_shown(site, o)).collect();
    let mut party_owners = vec![Vec::new(); site.reg.parties.len()];
    for (o, party) in site.reg.owner_party.iter().enumerate() {
        if let Some(p) = *party
            && owner_shown[o]
        {
            party_owners[p].push(o);
        }
    }
    let owner_kind: Vec<&'static str> = site
        .reg
        .owners
        .iter()
        .map(|(_, o)| match o.kind {
            crate::config::OwnerKind::Team => "team",
            crate::config::OwnerKind::Person => "person",
            crate::config::OwnerKind::Role => "role",
        })
        .collect();
    let owners: Vec<Value> = site
        .reg
        .owners
        .iter()
        .enumerate()
        .map(|(i, (id, o))| {
            let party = site.reg.owner_party[i].map(|p| parties[p].clone()).unwrap_or(Value::none());
            obj!("id": id.as_str(), "name": o.name.as_str(), "url": owner_url(site, i), "kind": owner_kind[i], "party": party)
        })
        .collect();
    let pages = (0..site.pages.len()).map(|_| std::sync::OnceLock::new()).collect();
    let mut nav_links = Vec::new();
    for (i, p) in site.visible_pages() {
        if p.is_section && !p.dir().is_empty() && !p.dir().contains('/') {
            nav_links.push((p.title.clone(), site.url(i)));
        }
    }
    for (title, path) in
        // The search page is reached through the search box in every page's header instead.
        [("Matrix", "matrix/"), ("Owners", "owners/"), ("Workstreams", "workstreams/"), ("FAQ", "faq/")]
    {
        nav_links.push((title.to_string(), format!("{}{path}", site.base_path)));
    }
    let nav = nav_links.iter().map(|(title, url)| obj!("title": title.as_str(), "url": url.as_str())).collect();
    let site_v = obj!(
        "title": site.title.as_str(), "description": site.description.as_str(), "language": site.cfg.config.language.as_str(),
        "base_url": site.base_url.as_str(), "base_path": site.base_path.as_str(), "audience": site.audience.as_str(),
        "version": env!("CARGO_PKG_VERSION"),
    );
    let ws = (0..site.reg.workstreams.len()).map(|w| ws_brief(site, w)).collect();
    Refs {
        owners,
        parties,
        pages,
        ws,
        site: site_v,
        nav: arr(nav),
        nav_links,
        compiled: native::Compiled::for_theme(theme),
        listed: Default::default(),
        owner_texts: native::OwnerTexts::of(site),
        ws_texts: native::WsTexts::of(site),
        owner_shown,
        party_shown: parties_shown(site),
        party_owners,
        owner_kind,
        faq: Default::default(),
        owner_rows: (0..site.reg.owners.len()).map(|_| std::sync::OnceLock::new()).collect(),
        path_kinds: if site.offline { offline_path_kinds(site, theme) } else { Default::default() },
    }
}

/// What links of an offline build must know about the site's paths: every file it may copy
/// (the theme's static files, every asset whatever its audience) and every page's folder. Each
/// is a property of the sources, so a warm build need only check those that came or went
/// (`build::replay`).
fn offline_path_kinds(site: &Site, theme: &ThemeFiles) -> crate::relative_links::PathKinds {
    let statics: Vec<String> = theme.statics.keys().map(|p| static_path(p)).collect();
    crate::relative_links::PathKinds::new(
        statics.iter().map(String::as_str).chain(site.assets.iter().map(|a| a.rel.as_str())),
        site.pages.iter().map(|p| p.path.as_str()),
    )
}

/// Renders the whole site into `sink`. Returns the number of files written and where each
/// page's part of the exports sits (for the build cache), or every error.
pub fn render_site(site: &Site, theme: &ThemeFiles, tera: &Tera, sink: &dyn Sink) -> Result<(usize, ExportLayouts), Vec<Diagnostic>> {
    let refs = build_refs(site, theme);
    let jobs = all_jobs(site, &refs);
    render_jobs_and_files(site, theme, tera, sink, &refs, &jobs)
}

/// [`render_site`] with the views of the model already found (a build that first rendered a
/// sample of them).
pub fn render_site_views(
    site: &Site,
    theme: &ThemeFiles,
    tera: &Tera,
    sink: &dyn Sink,
    views: &Views,
) -> Result<(usize, ExportLayouts), Vec<Diagnostic>> {
    render_jobs_and_files(site, theme, tera, sink, &views.refs, &views.jobs)
}

fn render_jobs_and_files(
    site: &Site,
    theme: &ThemeFiles,
    tera: &Tera,
    sink: &dyn Sink,
    refs: &Refs,
    jobs: &[Job],
) -> Result<(usize, ExportLayouts), Vec<Diagnostic>> {
    // Cumulative nanoseconds per phase (context, template, write), for DEMARCATE_TIMINGS.
    let spent: [std::sync::atomic::AtomicU64; 3] = Default::default();
    let per_template: std::sync::Mutex<BTreeMap<&str, (u64, u64)>> = Default::default();
    let add = |i: usize, t: std::time::Instant| spent[i].fetch_add(t.elapsed().as_nanos() as u64, std::sync::atomic::Ordering::Relaxed);
    let render_all = || -> Vec<Diagnostic> {
        jobs.par_iter()
            .filter_map(|job| {
                let t0 = std::time::Instant::now();
                let Rendered { template, path, html, context } = job.render(site, refs, tera, theme);
                let context_ns = context.as_nanos() as u64;
                let template_ns = (t0.elapsed() - context).as_nanos() as u64;
                spent[0].fetch_add(context_ns, std::sync::atomic::Ordering::Relaxed);
                spent[1].fetch_add(template_ns, std::sync::atomic::Ordering::Relaxed);
                if let Ok(mut m) = per_template.lock() {
                    let e = m.entry(template).or_insert((0, 0));
                    e.0 += context_ns;
                    e.1 += template_ns;
                }
                let t = std::time::Instant::now();
                let written = match html {
                    Ok(html) => sink.put(&path, html).err().map(|e| write_error(path.clone(), e)),
                    Err(d) => Some(d),
                };
                add(2, t);
                written
            })
            .collect()
    };
    // The exports are large single files: build them while the pages render, not after.
    let exports = || write_exports(site, refs, sink, &|_| true, None);
    let (mut errors, (layouts, export_errors)) = rayon::join(render_all, exports);
    errors.extend(export_errors);
    let layouts = layouts.unwrap_or_default();
    if std::env::var_os("DEMARCATE_TIMINGS").is_some() {
        for (name, n) in ["contexts (cpu)", "templates (cpu)", "writes (cpu)"].iter().zip(&spent) {
            eprintln!("timing: {name:<22} {:>8.1} ms", n.load(std::sync::atomic::Ordering::Relaxed) as f64 / 1e6);
        }
        if let Ok(m) = per_template.lock() {
            for (name, (cx, n)) in m.iter() {
                eprintln!("timing:   {name:<20} {:>8.1} ms context {:>8.1} ms template", *cx as f64 / 1e6, *n as f64 / 1e6);
            }
        }
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    let sitemap_written = sink.put("sitemap.xml", sitemap(site, jobs).into_bytes()).map_err(|e| write_error("sitemap.xml".to_string(), e));
    match (sitemap_written, write_copied(site, theme, sink)) {
        // Every view, the exports (the sitemap among them) and the copied files.
        (Ok(()), Ok(copied)) => Ok((jobs.len() + EXPORTS.len() + copied, layouts)),
        (Err(e), Ok(_)) => Err(vec![e]),
        (sitemap, Err(mut errs)) => {
            errs.extend(sitemap.err());
            Err(errs)
        }
    }
}

/// Writes what [`copied_paths`] names, assets last: `robots.txt`, the theme's static files and
/// the assets this build ships. Returns how many files it wrote.
pub fn write_copied(site: &Site, theme: &ThemeFiles, sink: &dyn Sink) -> Result<usize, Vec<Diagnostic>> {
    let robots = format!("User-agent: *\nAllow: /\nSitemap: {}sitemap.xml\n", site.base_url).into_bytes();
    let made = std::iter::once((ROBOTS_TXT.to_string(), robots))
        .chain(theme.statics.iter().map(|(path, bytes)| (static_path(path), bytes.clone())));
    let mut count = 0;
    let mut errs = Vec::new();
    for (path, bytes) in made {
        if let Err(e) = sink.put(&path, bytes) {
            errs.push(write_error(path, e));
        }
        count += 1;
    }
    for a in site.shipped_assets() {
        match std::fs::read(&a.source) {
            Ok(bytes) => {
                if let Err(e) = sink.put(&a.rel, bytes) {
                    errs.push(write_error(a.rel.clone(), e));
                }
                count += 1;
            }
            Err(e) => errs.push(Diagnostic::error("io", format!("content/{}", a.rel), format!("cannot read: {e}"))),
        }
    }
    if errs.is_empty() { Ok(count) } else { Err(errs) }
}

/// What [`render_site`] writes besides what [`Views`] renders: `robots.txt`, the theme's static
/// files and the assets it ships. None is made from a page's text, so no page edit changes one.
pub fn copied_paths(site: &Site, theme: &ThemeFiles) -> Vec<String> {
    let mut paths = vec![ROBOTS_TXT.to_string()];
    paths.extend(theme.statics.keys().map(|p| static_path(p)));
    paths.extend(site.shipped_assets().map(|a| a.rel.clone()));
    paths
}

/// Whether `path` may be one of [`copied_paths`], given where the shipped assets go: `robots.txt`,
/// anything where the theme's static files go, or a shipped asset. (A page under a `static/`
/// section counts too: a caller that never drops a copied file loses nothing by it.)
pub fn may_be_copied(path: &str, shipped: &crate::HashSet<String>) -> bool {
    path == ROBOTS_TXT || path.starts_with(STATIC_DIR) || shipped.contains(path)
}

const ROBOTS_TXT: &str = "robots.txt";
/// Where the theme's static files go in the output.
pub const STATIC_DIR: &str = "static/";

/// Where a theme's static file goes in the output.
pub fn static_path(rel: &str) -> String {
    format!("{STATIC_DIR}{rel}")
}

/// Re-renders only some playbook or section pages (and optionally `/faq/`) into `sink`: the
/// fast path of a body-only edit in `serve`.
pub fn render_pages(
    site: &Site,
    theme: &ThemeFiles,
    tera: &Tera,
    sink: &dyn Sink,
    pages: &[usize],
    faq: bool,
) -> Result<(), Vec<Diagnostic>> {
    let refs = build_refs(site, theme);
    let mut jobs: Vec<Job> = pages.iter().map(|&i| Job::Page(i)).collect();
    if faq {
        jobs.extend((0..refs.faq_pages(site)).map(Job::Faq));
    }
    let errors = render_jobs(site, theme, tera, sink, &refs, &jobs.iter().collect::<Vec<_>>());
    if errors.is_empty() { Ok(()) } else { Err(errors) }
}

/// Renders jobs in parallel into `sink`; returns every error.
fn render_jobs(site: &Site, theme: &ThemeFiles, tera: &Tera, sink: &dyn Sink, refs: &Refs, jobs: &[&Job]) -> Vec<Diagnostic> {
    let timings = std::env::var_os("DEMARCATE_TIMINGS").is_some();
    jobs.par_iter()
        .filter_map(|job| {
            let t = std::time::Instant::now();
            let Rendered { path, html, .. } = job.render(site, refs, tera, theme);
            if timings && t.elapsed().as_millis() >= 10 {
                eprintln!("timing:   {path:<40} {:>8.1} ms", t.elapsed().as_secs_f64() * 1000.0);
            }
            match html {
                Ok(html) => sink.put(&path, html).err().map(|e| write_error(path.clone(), e)),
                Err(e) => Some(e),
            }
        })
        .collect()
}

/// The files a front-matter edit of `a` makes stale, besides the edited page itself: the
/// views showing something that changed (see [`crate::site::Affected`]) and the exports.
pub fn affected_paths(site: &Site, a: &crate::site::Affected) -> Vec<String> {
    let mut paths = affected_paths_but_faq(site, a);
    if a.faq {
        paths.extend(faq_paths(site));
        paths.sort();
        paths.dedup();
    }
    paths
}

/// [`affected_paths`] without the site-wide FAQ's pages (counting them is a pass over every
/// question): for a caller replaying many edits, which adds them once.
pub fn affected_paths_but_faq(site: &Site, a: &crate::site::Affected) -> Vec<String> {
    let mut jobs: Vec<Job> = a.pages.iter().skip(1).map(|&i| Job::Page(i)).collect();
    if a.listing {
        match site.pages.iter().position(|p| p.is_section && p.path.is_empty()).filter(|&h| site.visible[h]) {
            Some(h) => jobs.push(Job::Page(h)),
            None => jobs.push(Job::Home),
        }
    }
    // Every page of an affected owner: its rows are grouped by workstream, so this playbook's
    // rows sit on different pages (a change in the number of pages takes the full path).
    for &o in a.owners.iter().filter(|&&o| owner_shown(site, o)) {
        jobs.extend(owner_jobs(site, o));
    }
    // The list pages holding the edited page's row, and when a list gained or lost rows, the
    // pages whose rows changed and its first (see `Paging::stale`).
    for &w in &a.workstreams {
        // Lists are in page order: the edited page's row, if it is in this one, by bisection.
        let list = &site.own.by_workstream[w];
        let at = list.partition_point(|&(p, _)| p < a.pages[0]);
        let at = list.get(at).is_some_and(|&(p, _)| p == a.pages[0]).then_some(at);
        let now = ws_paging(site, w);
        let before = a.ws_before.iter().find(|(x, _)| *x == w).map_or(now, |(_, p)| p);
        jobs.extend(now.stale(Some(before), at).into_iter().map(|k| Job::Workstream(w, k)));
        if a.faq {
            jobs.push(Job::Workstream(w, 0));
        }
    }
    if a.matrix_columns {
        jobs.extend((0..matrix_paging(site).count()).map(Job::Matrix));
    } else if a.matrix {
        let now = matrix_paging(site);
        // The matrix's row of the edited page, if it is listed (its rows are in page order).
        let at = matrix_listed(site).binary_search(&a.pages[0]).ok();
        jobs.extend(now.stale(Some(a.matrix_before.as_ref().unwrap_or(now)), at).into_iter().map(Job::Matrix));
    }
    if !a.parties.is_empty() {
        let shown = parties_shown(site);
        jobs.extend(a.parties.iter().filter(|&&p| shown[p]).map(|&p| Job::Party(p)));
    }
    if a.owners_index {
        jobs.push(Job::Owners);
    }
    if a.workstreams_index {
        jobs.push(Job::Workstreams);
    }
    let mut paths: Vec<String> = jobs.iter().map(|j| j.path(site)).collect();
    if a.listing {
        paths.push("sitemap.xml".into());
    }
    if a.exports {
        paths.extend(SPLICED_EXPORTS.map(String::from));
    }
    paths.sort();
    paths.dedup();
    paths
}

/// A playbook added or deleted, as the views that show it see it: its rows, client, whether it
/// has questions, and its folder under `content/`.
struct MovedPlaybook<'a> {
    rows: &'a [crate::ownership::Row],
    client: Option<usize>,
    faq: bool,
    dir: &'a str,
}

/// A playbook about to be deleted from a site, as the views showing it see it (what
/// [`moved_views`] needs of it once it is gone).
pub struct GonePlaybook {
    rows: Vec<crate::ownership::Row>,
    client: Option<usize>,
    faq: bool,
    dir: String,
}

impl GonePlaybook {
    /// Page `j` of `site`, before it goes.
    pub fn of(site: &Site, j: usize) -> Self {
        GonePlaybook {
            rows: site.own.rows[j].clone(),
            client: site.own.client[j],
            faq: !site.faqs[j].is_empty(),
            dir: site.pages[j].dir().to_string(),
        }
    }
}

/// The pages of the lists cut by their rows (each workstream's, the matrix) as a site had them
/// before playbooks came or went: a list's pages that hold the same rows afterwards are left
/// as they are.
pub struct ListPagings {
    ws: Vec<Paging>,
    matrix: Paging,
}

impl ListPagings {
    pub fn of(site: &Site) -> ListPagings {
        let ws = (0..site.reg.workstreams.len()).into_par_iter().map(|w| ws_paging(site, w).clone()).collect();
        ListPagings { ws, matrix: matrix_paging(site).clone() }
    }
}

/// The views of `site` that the playbooks `added` to it (their indexes now) and those `gone`
/// from it change, but for the site-wide FAQ: the added ones' pages and [`moved_paths`]. With
/// them, whether any of these playbooks has questions (the FAQ's pages change too then).
/// `before`, the lists' pages before the change, spares the list pages that hold the same rows.
pub fn moved_views(site: &Site, added: &[usize], gone: &[GonePlaybook], before: &ListPagings) -> (Vec<String>, bool) {
    let now = added.iter().map(|&i| MovedPlaybook {
        rows: &site.own.rows[i],
        client: site.own.client[i],
        faq: !site.faqs[i].is_empty(),
        dir: site.pages[i].dir(),
    });
    let gone = gone.iter().map(|g| MovedPlaybook { rows: &g.rows, client: g.client, faq: g.faq, dir: &g.dir });
    let moved: Vec<MovedPlaybook> = now.chain(gone).collect();
    let mut paths = moved_paths(site, &moved, before);
    paths.extend(added.iter().map(|&i| page_path(site, i)));
    (paths, moved.iter().any(|m| m.faq))
}

/// The views of `site` that playbooks added to it or deleted from it change, besides their own
/// pages: the sections at or above their folders (their totals) and the home page, every page of
/// the owners that list them (their pages show the owner's totals), the pages of the workstream
/// lists and matrix whose rows changed (every page, when a list's number of pages changed) and
/// their first pages (the totals), the parties of their clients and owners, the indexes of owners and workstreams, the first page of
/// each of their workstreams when they have questions (it lists them), the sitemap and the
/// exports; not the site-wide FAQ (the caller adds it once). Paths of views that no longer exist
/// are left out. One pass over the moved playbooks, then one over the site.
fn moved_paths(site: &Site, moved: &[MovedPlaybook], before: &ListPagings) -> Vec<String> {
    let (mut owners, mut workstreams, mut parties, mut sections) = (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    let mut faq = false;
    for m in moved {
        for row in m.rows {
            workstreams.push(row.ws);
            for (o, _) in row.owner_roles() {
                owners.push(o);
                parties.extend(site.reg.owner_party[o]);
            }
        }
        parties.extend(m.client);
        faq |= m.faq;
        sections.extend(site.sections_at_or_above(m.dir).filter(|&s| site.visible[s] && !site.pages[s].path.is_empty()));
    }
    for list in [&mut owners, &mut workstreams, &mut parties, &mut sections] {
        list.sort_unstable();
        list.dedup();
    }
    // Affected::pages starts with the edited page (only its place in the lists is read: none
    // here, the moved rows are found by the pages' rows); the sections follow.
    let mut pages = vec![usize::MAX];
    pages.extend(sections);
    let ws_before: Vec<(usize, Paging)> = workstreams.iter().map(|&w| (w, before.ws[w].clone())).collect();
    // A workstream that gained its first row or lost its last: every matrix page has other
    // columns.
    let matrix_columns = ws_before.iter().any(|(w, b)| (b.total() == 0) != site.own.by_workstream[*w].is_empty());
    let affected = crate::site::Affected {
        pages,
        owners_index: !owners.is_empty(),
        owners,
        workstreams_index: !workstreams.is_empty(),
        matrix: !workstreams.is_empty(),
        matrix_columns,
        workstreams,
        parties,
        faq,
        listing: !moved.is_empty(),
        ws_before,
        matrix_before: Some(before.matrix.clone()),
        exports: true,
    };
    affected_paths_but_faq(site, &affected)
}

/// Writes the wanted exports into `sink` in parallel: whole, or, given what is on disk, with only
/// the edited pages' parts made and spliced into the previous files. Returns the layouts when
/// all three were written, and the write errors.
fn write_exports(
    site: &Site,
    refs: &Refs,
    sink: &dyn Sink,
    want: &(dyn Fn(&str) -> bool + Sync),
    previous: Option<&PreviousExports>,
) -> (Option<ExportLayouts>, Vec<Diagnostic>) {
    // What splicing one export takes from `previous`: its file's length and layout.
    let old = |file: fn(&PreviousExports) -> (u64, &Layout)| previous.map(|p| (file(p), p.edited.as_slice(), p.old_of.as_deref()));
    let old_json = old(|p| (p.json_len, &p.layouts.json));
    let old_csv = old(|p| (p.csv_len, &p.layouts.csv));
    let old_search = old(|p| (p.search_len, &p.layouts.search));
    let ((json, csv), search) = rayon::join(
        || {
            rayon::join(
                || want(OWNERSHIP_JSON).then(|| write_export(sink, OWNERSHIP_JSON, ownership_json(site, refs), old_json)),
                || want(MATRIX_CSV).then(|| write_export(sink, MATRIX_CSV, matrix_csv(site), old_csv)),
            )
        },
        || want(SEARCH_INDEX).then(|| write_export(sink, SEARCH_INDEX, search::search_index(site, refs), old_search)),
    );
    let mut errors = Vec::new();
    let mut layout = |path: &str, built: Option<std::io::Result<Layout>>| match built? {
        Ok(l) => Some(l),
        Err(e) => {
            errors.push(write_error(path, e));
            None
        }
    };
    let layouts = match (layout(OWNERSHIP_JSON, json), layout(MATRIX_CSV, csv), layout(SEARCH_INDEX, search)) {
        (Some(json), Some(csv), Some(search)) => Some(ExportLayouts { json, csv, search }),
        _ => None,
    };
    (layouts, errors)
}

/// Writes one export whole, or spliced into the previous file when that file (of the given
/// length) matches its layout: only the edited pages' parts are made then.
fn write_export(sink: &dyn Sink, path: &str, export: Export, previous: Option<Previous>) -> std::io::Result<Layout> {
    match previous {
        Some(((old_len, layout), edited, old_of)) if export.matches(old_len, layout, old_of) => {
            let (pieces, layout) = export.splice(layout, edited, old_of);
            sink.put_spliced(path, &pieces).map(|()| layout)
        }
        _ => export.put(sink, path),
    }
}

/// The code of the diagnostic a file that cannot be written gives.
const WRITE_ERROR: &str = "io";

/// Whether a render failed only because files could not be written (the earlier output in the
/// way, say), not because of the site: a build into a fresh folder may then succeed.
pub fn only_write_errors(errs: &[Diagnostic]) -> bool {
    errs.iter().all(|d| d.code == WRITE_ERROR)
}

/// The diagnostic of an output file that could not be written.
fn write_error(path: impl Into<String>, e: std::io::Error) -> Diagnostic {
    Diagnostic::error(WRITE_ERROR, path, format!("cannot write: {e}"))
}

/// Every view of one state of the model, found by the file it is written to, with what the
/// views share (links escaped once, list entries made on first use). `serve` keeps one while
/// the model does not change, so each batch of stale views and each view rendered on request
/// costs what it renders, not a pass over every view of the site.
pub struct Views {
    refs: Refs,
    jobs: Vec<Job>,
    by_path: crate::HashMap<String, usize>,
}

impl Views {
    pub fn of(site: &Site, theme: &ThemeFiles) -> Views {
        let refs = build_refs(site, theme);
        let jobs = all_jobs(site, &refs);
        let by_path = jobs.iter().enumerate().map(|(n, job)| (job.path(site), n)).collect();
        Views { refs, jobs, by_path }
    }

    /// Whether one of these views is written to `path`.
    pub fn renders(&self, path: &str) -> bool {
        self.by_path.contains_key(path)
    }

    /// The first view of each kind (a playbook, a section, the home page, an owner's page, a
    /// workstream's, a party's, the matrix, …). Rendered right after a template edit, they
    /// show an error in any template at once, before the rest are rendered on demand; an error
    /// only some data sets off shows when a view that has it is rendered.
    pub fn samples(&self, site: &Site) -> Vec<String> {
        let mut kinds = Vec::new();
        let mut paths = Vec::new();
        for job in &self.jobs {
            let page = match *job {
                Job::Page(i) => Some((site.pages[i].is_section, site.pages[i].path.is_empty())),
                _ => None,
            };
            let kind = (std::mem::discriminant(job), page);
            if !kinds.contains(&kind) {
                kinds.push(kind);
                paths.push(job.path(site));
            }
        }
        paths
    }

    /// Every file a full build renders from the model: every view, the exports and the
    /// sitemap (not the static files, `robots.txt` or the assets, which no page changes).
    pub fn paths(&self) -> Vec<String> {
        let mut paths: Vec<String> = self.by_path.keys().cloned().collect();
        paths.extend(EXPORTS.map(String::from));
        paths
    }
}

pub const OWNERSHIP_JSON: &str = "ownership.json";
pub const MATRIX_CSV: &str = "matrix.csv";
/// The exports made of one part per page, which a warm build splices ([`ExportLayouts`]).
const SPLICED_EXPORTS: [&str; 3] = [OWNERSHIP_JSON, MATRIX_CSV, SEARCH_INDEX];
const EXPORTS: [&str; 4] = [OWNERSHIP_JSON, MATRIX_CSV, SEARCH_INDEX, "sitemap.xml"];

/// Renders the given output files (as named by their paths) into `sink`: how a warm build
/// renders what its edits affect. Unknown paths are ignored. With `previous`, the exports are
/// spliced into the files `sink` holds: only the edited pages' parts are generated again.
/// Returns the exports' layouts when they were rebuilt.
pub fn render_paths(
    site: &Site,
    theme: &ThemeFiles,
    tera: &Tera,
    sink: &dyn Sink,
    paths: &[String],
    previous: Option<&PreviousExports>,
) -> Result<Option<ExportLayouts>, Vec<Diagnostic>> {
    render_views(site, tera, sink, &Views::of(site, theme), theme, paths, previous)
}

/// [`render_paths`] with the views of this state of the model already found: how `serve`
/// renders stale views in batches and on request.
pub fn render_views(
    site: &Site,
    tera: &Tera,
    sink: &dyn Sink,
    views: &Views,
    theme: &ThemeFiles,
    paths: &[String],
    previous: Option<&PreviousExports>,
) -> Result<Option<ExportLayouts>, Vec<Diagnostic>> {
    let wanted: crate::HashSet<&str> = paths.iter().map(|p| p.as_str()).collect();
    let mut found: Vec<usize> = paths.iter().filter_map(|p| views.by_path.get(p).copied()).collect();
    found.sort_unstable();
    found.dedup();
    let jobs: Vec<&Job> = found.into_iter().map(|n| &views.jobs[n]).collect();
    // The exports are the largest files: build them beside the pages, not after.
    let want = |p: &str| wanted.contains(p);
    let (mut errors, ((layouts, export_errors), map)) = rayon::join(
        || render_jobs(site, theme, tera, sink, &views.refs, &jobs),
        || {
            rayon::join(
                || write_exports(site, &views.refs, sink, &want, previous),
                || want("sitemap.xml").then(|| sitemap(site, &views.jobs)),
            )
        },
    );
    errors.extend(export_errors);
    if let Some(map) = map
        && let Err(e) = sink.put("sitemap.xml", map.into_bytes())
    {
        errors.push(write_error("sitemap.xml", e));
    }
    if errors.is_empty() { Ok(layouts) } else { Err(errors) }
}

/// The file a page at `rel` (its URL below the base path) is written to.
fn output_file(rel: String) -> String {
    if rel.is_empty() {
        "index.html".to_string()
    } else if rel.ends_with('/') {
        format!("{rel}index.html")
    } else {
        rel
    }
}

/// The file a playbook or section page is written to, relative to the output folder.
pub fn page_path(site: &Site, i: usize) -> String {
    Job::Page(i).path(site)
}

/// The pages of owner `o`.
fn owner_jobs(site: &Site, o: usize) -> impl Iterator<Item = Job> {
    (0..page_count(site.own.by_owner[o].len())).map(move |k| Job::Owner(o, k))
}

/// Every page of a full build, in a fixed order (the sitemap follows it).
fn all_jobs(site: &Site, refs: &Refs) -> Vec<Job> {
    let mut jobs: Vec<Job> = Vec::new();
    let mut has_home = false;
    for (i, p) in site.visible_pages() {
        if p.is_section && p.path.is_empty() {
            has_home = true;
        }
        jobs.push(Job::Page(i));
    }
    if !has_home {
        jobs.push(Job::Home);
    }
    jobs.push(Job::Owners);
    for o in 0..site.reg.owners.len() {
        if refs.owner_shown[o] {
            jobs.extend(owner_jobs(site, o));
        }
    }
    jobs.push(Job::Workstreams);
    for w in 0..site.reg.workstreams.len() {
        jobs.extend((0..ws_paging(site, w).count()).map(|k| Job::Workstream(w, k)));
    }
    jobs.extend((0..site.reg.parties.len()).filter(|&p| refs.party_shown[p]).map(Job::Party));
    jobs.extend((0..matrix_paging(site).count()).map(Job::Matrix));
    jobs.extend((0..refs.faq_pages(site)).map(Job::Faq));
    jobs.push(Job::Search);
    jobs.push(Job::NotFound);

    jobs
}

/// One rendered job: its template, the file it goes to, the HTML or the error, and how long its
/// Tera context took to build (zero for a compiled template).
struct Rendered {
    template: &'static str,
    path: String,
    html: Result<Vec<u8>, Diagnostic>,
    context: std::time::Duration,
}

enum Job {
    Page(usize),
    Home,
    Owners,
    /// An owner's page `k` (0-based).
    Owner(usize, usize),
    Workstreams,
    /// A workstream's page `k` (0-based).
    Workstream(usize, usize),
    Party(usize),
    /// Page `k` of the matrix.
    Matrix(usize),
    /// Page `k` of the FAQ.
    Faq(usize),
    /// The search page (its index is an export: [`SEARCH_INDEX`]).
    Search,
    NotFound,
}

impl Job {
    fn context(&self, site: &Site, refs: &Refs) -> (&'static str, String, Context, String) {
        let mut cx = Context::new();
        cx.insert_value("site", refs.site.clone());
        cx.insert_value("nav", refs.nav.clone());
        let (template, rel, label): (&'static str, String, String) = match *self {
            Job::Page(i) => {
                let p = &site.pages[i];
                let label = p.file.clone();
                if p.is_section && p.path.is_empty() {
                    cx.insert_value("home", home_value(site, refs, Some(i)));
                    ("index.html", String::new(), label)
                } else if p.is_section {
                    cx.insert_value("section", section_value(site, refs, i));
                    ("section.html", p.path.clone(), label)
                } else {
                    cx.insert_value("page", page_value(site, refs, i));
                    ("page.html", p.path.clone(), label)
                }
            }
            Job::Home => {
                cx.insert_value("home", home_value(site, refs, None));
                ("index.html", String::new(), "the home page".into())
            }
            Job::Owners => {
                cx.insert_value("parties", owners_index(site, refs));
                ("owners.html", "owners/".into(), "/owners/".into())
            }
            Job::Owner(o, k) => {
                cx.insert_value("owner", owner_value(site, refs, o, k));
                let rel = paged_url(&format!("owners/{}/", site.reg.owners[o].0), k);
                let label = format!("/{rel}");
                ("owner.html", rel, label)
            }
            Job::Workstreams => {
                cx.insert_value("workstreams", workstreams_index(site));
                ("workstreams.html", "workstreams/".into(), "/workstreams/".into())
            }
            Job::Workstream(w, k) => {
                cx.insert_value("workstream", workstream_value(site, refs, w, k));
                let id = &site.reg.workstreams[w].0;
                let rel = paged_url(&format!("workstreams/{id}/"), k);
                let label = format!("/{rel}");
                ("workstream.html", rel, label)
            }
            Job::Party(p) => {
                cx.insert_value("party", party_value(site, refs, p));
                let id = &site.reg.parties[p].0;
                ("party.html", format!("parties/{id}/"), format!("/parties/{id}/"))
            }
            Job::Matrix(k) => {
                cx.insert_value("matrix", matrix_value(site, refs, k));
                let rel = paged_url("matrix/", k);
                let label = format!("/{rel}");
                ("matrix.html", rel, label)
            }
            Job::Faq(k) => {
                cx.insert_value("faq", faq_value(site, refs, k));
                let rel = paged_url("faq/", k);
                let label = format!("/{rel}");
                ("faq.html", rel, label)
            }
            Job::Search => ("search.html", "search/".into(), "/search/".into()),
            Job::NotFound => ("404.html", "404.html".into(), "/404.html".into()),
        };
        cx.insert_value("current_url", Value::from(format!("{}{rel}", site.base_path)));
        (template, output_file(rel), cx, label)
    }

    /// The job rendered by the compiled default theme, when its template is compiled in this
    /// build: (template, HTML).
    fn native(&self, site: &Site, refs: &Refs) -> Option<(&'static str, Vec<u8>)> {
        let c = &refs.compiled;
        match *self {
            Job::Home if c.index => Some(("index.html", native::index(site, refs, None))),
            Job::Page(i) if c.index && site.pages[i].is_section && site.pages[i].path.is_empty() => {
                Some(("index.html", native::index(site, refs, Some(i))))
            }
            Job::Page(i) if c.page && !site.pages[i].is_section => Some(("page.html", native::page(site, refs, i))),
            Job::Party(p) if c.party => Some(("party.html", native::party(site, refs, p))),
            Job::Workstream(w, k) if c.workstream => Some(("workstream.html", native::workstream(site, refs, w, k))),
            Job::Matrix(k) if c.matrix => Some(("matrix.html", native::matrix(site, refs, k))),
            Job::Faq(k) if c.faq => native::faq(site, refs, k).map(|html| ("faq.html", html)),
            Job::Owner(o, k) if c.owner => Some(("owner.html", native::owner(site, refs, o, k))),
            _ => None,
        }
    }

    /// Renders the job, natively or through Tera.
    fn render(&self, site: &Site, refs: &Refs, tera: &Tera, theme: &ThemeFiles) -> Rendered {
        let start = std::time::Instant::now();
        let mut rendered = if let Some((template, html)) = self.native(site, refs) {
            Rendered { template, path: self.path(site), html: Ok(html), context: std::time::Duration::ZERO }
        } else {
            let (template, path, cx, label) = self.context(site, refs);
            let context = start.elapsed();
            let html = tera.render(template, &cx).map(String::into_bytes).map_err(|e| template_error(theme, &e, Some(&label)));
            Rendered { template, path, html, context }
        };
        if site.offline
            && let Ok(html) = &mut rendered.html
        {
            *html = crate::relative_links::relativize(html, &rendered.path, &site.base_path, &refs.path_kinds);
        }
        rendered
    }

    /// The file this job writes, relative to the output folder.
    fn path(&self, site: &Site) -> String {
        match *self {
            Job::NotFound => "404.html".into(),
            _ => {
                let url = self.url(site).unwrap_or_default();
                format!("{}index.html", url.strip_prefix(site.base_path.as_str()).unwrap_or(&url))
            }
        }
    }

    fn url(&self, site: &Site) -> Option<String> {
        Some(match *self {
            Job::Page(i) => site.url(i),
            Job::Home => site.base_path.clone(),
            Job::Owners => format!("{}owners/", site.base_path),
            Job::Owner(o, k) => paged_url(&owner_url(site, o), k),
            Job::Workstreams => format!("{}workstreams/", site.base_path),
            Job::Workstream(w, k) => paged_url(&ws_url(site, w), k),
            Job::Party(p) => party_url(site, p),
            Job::Matrix(k) => paged_url(&format!("{}matrix/", site.base_path), k),
            Job::Faq(k) => paged_url(&format!("{}faq/", site.base_path), k),
            Job::Search => format!("{}search/", site.base_path),
            Job::NotFound => return None,
        })
    }
}

fn owner_list(refs: &Refs, list: impl IntoIterator<Item = usize>) -> Value {
    arr(list.into_iter().map(|o| refs.owners[o].clone()).collect())
}

fn opt_owner(refs: &Refs, o: Option<usize>) -> Value {
    o.map(|o| refs.owners[o].clone()).unwrap_or(Value::none())
}

/// A page's breadcrumb trail as (title, URL): Home, then each visible section above it.
fn breadcrumb_links(site: &Site, i: usize) -> Vec<(&str, String)> {
    let page = &site.pages[i];
    let mut crumbs = vec![("Home", site.base_path.clone())];
    let mut prefix = String::new();
    let dirs: Vec<&str> = page.dir().split('/').filter(|s| !s.is_empty()).collect();
    let upto = if page.is_section { dirs.len().saturating_sub(1) } else { dirs.len() };
    for d in &dirs[..upto] {
        if !prefix.is_empty() {
            prefix.push('/');
        }
        prefix.push_str(d);
        if let Some(&s) = site.by_rel.get(&format!("{prefix}/_index.md"))
            && site.visible[s]
        {
            crumbs.push((site.pages[s].title.as_str(), site.url(s)));
        }
    }
    crumbs
}

fn breadcrumbs(site: &Site, i: usize) -> Value {
    arr(breadcrumb_links(site, i).into_iter().map(|(title, url)| obj!("title": title, "url": url)).collect())
}

fn ws_brief(site: &Site, w: usize) -> Value {
    let (wid, ws) = &site.reg.workstreams[w];
    obj!("id": wid.as_str(), "name": ws.name.as_str(), "anchor": format!("ws-{wid}"), "url": ws_url(site, w))
}

fn page_value(site: &Site, refs: &Refs, i: usize) -> Value {
    let p = &site.pages[i];
    let r = site.rendered[i].as_ref();
    let mut boundary: Vec<(&str, Vec<Value>)> = ["client", "provider", "vendor", "shared"].iter().map(|k| (*k, Vec::new())).collect();
    let rows: Vec<Value> = site.own.rows[i]
        .iter()
        .enumerate()
        .map(|(n, row)| {
            let (wid, w) = &site.reg.workstreams[row.ws];
            let side = row.side();
            if let Some((_, list)) = boundary.iter_mut().find(|(k, _)| *k == side) {
                list.push(refs.ws[row.ws].clone());
            }
            let (handoff, notes) = site.row_html(i, n);
            obj!(
                "id": wid.as_str(), "name": w.name.as_str(), "url": ws_url(site, row.ws), "anchor": format!("ws-{wid}"),
                "accountable": opt_owner(refs, row.accountable().first()),
                "responsible": owner_list(refs, row.responsible()), "consulted": owner_list(refs, row.consulted()),
                "informed": owner_list(refs, row.informed()), "coverage": row.coverage.map(|c| c.as_str()).unwrap_or(""),
                "coverage_label": row.coverage.map(|c| c.label()).unwrap_or(""),
                "after_hours": opt_owner(refs, row.after_hours), "escalation": owner_list(refs, row.escalation()),
                "handoff": handoff, "internal_notes": notes, "side": side,
            )
        })
        .collect();
    // RACI grid. Cells are shared static values (one per letter combination), so a wide grid
    // costs pointer copies, not allocations.
    let grid = RaciGrid::of(&site.own.rows[i]);
    let mut owner_roles: Vec<Vec<Value>> = vec![Vec::new(); grid.owners.len()];
    let raci_rows: Vec<Value> = site.own.rows[i]
        .iter()
        .zip(&grid.cells)
        .map(|(row, cells)| {
            let cells: Vec<Value> = cells
                .iter()
                .zip(&mut owner_roles)
                .map(|(&bits, roles)| {
                    let (code, label) = raci_code(usize::from(bits));
                    if bits != 0 {
                        roles.push(obj!("workstream": refs.ws[row.ws].clone(), "letters": code.clone(), "label": label));
                    }
                    code
                })
                .collect();
            let (wid, w) = &site.reg.workstreams[row.ws];
            obj!("id": wid.as_str(), "name": w.name.as_str(), "anchor": format!("ws-{wid}"), "cells": cells)
        })
        .collect();
    let ws_refs = |list: &[usize]| arr(list.iter().map(|&r| refs.ws[site.own.rows[i][r].ws].clone()).collect());
    let raci_by_party: Vec<Value> = grid
        .by_party(&site.reg)
        .into_iter()
        .map(|(party, members)| {
            let owners: Vec<Value> = members
                .iter()
                .map(|&k| {
                    let [a, r, c, inf] = grid.roles_of(k);
                    obj!("owner": refs.owners[grid.owners[k]].clone(), "accountable": ws_refs(&a), "responsible": ws_refs(&r),
                        "consulted": ws_refs(&c), "informed": ws_refs(&inf))
                })
                .collect();
            obj!("party": party.map(|p| refs.parties[p].clone()).unwrap_or(Value::none()), "owners": owners)
        })
        .collect();
    let raci_owners = grid.owners;
    let raci_by_owner: Vec<Value> =
        raci_owners.iter().zip(owner_roles).map(|(&o, roles)| obj!("owner": refs.owners[o].clone(), "roles": roles)).collect();
    let faq: Vec<Value> = site.faqs[i]
        .iter()
        .filter(|f| !f.inline)
        .map(|f| obj!("id": f.anchor.trim_start_matches("faq-"), "anchor": f.anchor.as_str(), "question": f.question.as_str(), "answer": f.answer_html.as_str()))
        .collect();
    let sources: Vec<Value> = p
        .fm
        .sources
        .iter()
        .enumerate()
        .map(|(k, s)| obj!("title": s.title.clone().or(s.url.clone()).unwrap_or_default(), "url": opt_str(&source_url(site, i, k).map(str::to_string))))
        .collect();
    let client = site.own.client[i].map(|c| refs.parties[c].clone()).unwrap_or(Value::none());
    let mut bmap = tera::Map::default();
    for (k, list) in boundary {
        bmap.insert(tera::value::Key::from(k), arr(list));
    }
    obj!(
        "title": p.title.as_str(), "summary": opt_str(&p.fm.summary), "url": site.url(i), "source": p.file.as_str(),
        "client": client, "model": opt_str(&p.fm.model), "audience": p.audience.as_str(),
        "tags": p.fm.tags.0.clone(), "compliance": p.fm.compliance.0.clone(), "updated": opt_str(&p.fm.updated),
        "review_by": opt_str(&p.fm.review_by), "draft": p.fm.draft, "weight": p.fm.weight, "extra": ser(&p.fm.extra), "sources": sources,
        "content": r.map(|r| r.html.as_str()).unwrap_or(""), "toc": ser(&r.map(|r| r.toc.clone()).unwrap_or_default()),
        "breadcrumbs": breadcrumbs(site, i), "internal": p.audience == Audience::Internal && site.audience == Audience::Internal,
        "ownership": rows, "boundary": Value::from(bmap),
        "raci": obj!("owners": owner_list(refs, raci_owners.iter().copied()), "rows": raci_rows, "by_owner": raci_by_owner, "by_party": raci_by_party,
            "labels": raci_labels()),
        "faq": faq, "faq_jsonld": faq_jsonld(site, i),
    )
}

/// A playbook's RACI grid: the owners holding an A, R, C or I role, in order of first
/// appearance, and per row each owner's A/R/C/I bits (A = 1, R = 2, C = 4, I = 8; 0 = none).
/// Shared by the template context and the compiled default theme.
pub(crate) struct RaciGrid {
    pub owners: Vec<usize>,
    pub cells: Vec<Vec<u8>>,
}

impl RaciGrid {
    pub fn of(rows: &[crate::ownership::Row]) -> RaciGrid {
        let arci = role::ACCOUNTABLE | role::RESPONSIBLE | role::CONSULTED | role::INFORMED;
        let per_row: Vec<Vec<(usize, u8)>> =
            rows.iter().map(|row| row.owner_roles().into_iter().map(|(o, b)| (o, b & arci)).filter(|(_, b)| *b != 0).collect()).collect();
        let mut owners: Vec<usize> = Vec::new();
        for &(o, _) in per_row.iter().flatten() {
            if !owners.contains(&o) {
                owners.push(o);
            }
        }
        let cells = per_row
            .iter()
            .map(|roles| {
                let mut cells = vec![0u8; owners.len()];
                for &(o, bits) in roles {
                    if let Some(k) = owners.iter().position(|&x| x == o) {
                        cells[k] = bits;
                    }
                }
                cells
            })
            .collect();
        RaciGrid { owners, cells }
    }

    /// The grid's owners grouped by party for the by-owner table: clients, then providers, then
    /// vendors, then owners with no party; groups of one kind and owners within a group keep
    /// their order of first appearance. Each group is (party, positions in `owners`).
    pub fn by_party(&self, reg: &crate::ownership::Registry) -> Vec<(Option<usize>, Vec<usize>)> {
        let mut groups: Vec<(Option<usize>, Vec<usize>)> = Vec::new();
        for (k, &o) in self.owners.iter().enumerate() {
            let party = reg.owner_party[o];
            match groups.iter_mut().find(|(p, _)| *p == party) {
                Some((_, members)) => members.push(k),
                None => groups.push((party, vec![k])),
            }
        }
        // A stable sort keeps first appearance within a kind; `None` (no party) sorts last.
        groups.sort_by_key(|(p, _)| p.map_or(u8::MAX, |p| reg.parties[p].1.kind as u8));
        groups
    }

    /// The rows (workstream positions) where owner `k` holds each of A, R, C and I.
    pub fn roles_of(&self, k: usize) -> [Vec<usize>; 4] {
        let mut roles: [Vec<usize>; 4] = Default::default();
        for (row, cells) in self.cells.iter().enumerate() {
            for (bit, list) in roles.iter_mut().enumerate() {
                if cells[k] & (1 << bit) != 0 {
                    list.push(row);
                }
            }
        }
        roles
    }
}

/// The letters (`"AR"`) and words (`"Accountable and responsible"`) of a RACI role set given as
/// bits (A = 1, R = 2, C = 4, I = 8), as shared values; bits 0 gives empty strings.
fn raci_code(bits: usize) -> (Value, Value) {
    static CODES: std::sync::OnceLock<Vec<(Value, Value)>> = std::sync::OnceLock::new();
    CODES.get_or_init(|| {
        let words = [('A', "accountable"), ('R', "responsible"), ('C', "consulted"), ('I', "informed")];
        (0u8..16)
            .map(|bits| {
                let (mut code, mut text) = (String::new(), Vec::new());
                for (k, (letter, word)) in words.iter().enumerate() {
                    if bits & (1 << k) != 0 {
                        code.push(*letter);
                        text.push(*word);
                    }
                }
                let mut label = text.join(" and ");
                if let Some(first) = label.get_mut(..1) {
                    first.make_ascii_uppercase();
                }
                (Value::from(code), Value::from(label))
            })
            .collect()
    })[bits & 15]
        .clone()
}

/// Words for the letters of a RACI cell, for screen readers: `{"A": "Accountable", "AR": …}`.
fn raci_labels() -> Value {
    static LABELS: std::sync::OnceLock<Value> = std::sync::OnceLock::new();
    LABELS
        .get_or_init(|| {
            let mut m = tera::Map::default();
            for bits in 1..16 {
                let (code, label) = raci_code(bits);
                m.insert(tera::value::Key::from(code.as_str().unwrap_or_default().to_string()), label);
            }
            Value::from(m)
        })
        .clone()
}

/// Playbooks and subsections directly inside a section folder.
fn section_value(site: &Site, refs: &Refs, i: usize) -> Value {
    let p = &site.pages[i];
    let dir = p.dir();
    // By weight (unweighted last), then title.
    let mut pages: Vec<(f64, String, usize)> = site.children[i]
        .pages
        .iter()
        .map(|&j| (site.pages[j].fm.weight.unwrap_or(f64::INFINITY), site.pages[j].title.to_lowercase(), j))
        .collect();
    pages.sort_by(|a, b| a.0.total_cmp(&b.0).then_with(|| a.1.cmp(&b.1)));
    let subs: Vec<Value> = site.children[i]
        .sections
        .iter()
        .map(|&j| {
            let q = &site.pages[j];
            obj!("title": q.title.as_str(), "url": site.url(j), "summary": opt_str(&q.fm.summary), "count": site.children[j].total)
        })
        .collect();
    let _ = dir;
    let r = site.rendered[i].as_ref();
    obj!(
        "title": p.title.as_str(), "summary": opt_str(&p.fm.summary), "url": site.url(i),
        "content": r.map(|r| r.html.as_str()).unwrap_or(""), "breadcrumbs": breadcrumbs(site, i),
        "pages": pages.iter().map(|(_, _, j)| refs.page(site, *j)).collect::<Vec<_>>(), "subsections": subs,
    )
}

fn home_value(site: &Site, refs: &Refs, i: Option<usize>) -> Value {
    let mut clients = Vec::new();
    for (p, (id, party)) in site.reg.parties.iter().enumerate() {
        if party.kind != PartyKind::Client || site.own.pages_by_party[p].is_empty() {
            continue;
        }
        let playbooks: Vec<Value> = site.own.pages_by_party[p].iter().map(|&j| refs.page(site, j)).collect();
        clients.push(obj!("id": id.as_str(), "name": party.name.as_str(), "url": party_url(site, p), "playbooks": playbooks));
    }
    let mut models: BTreeMap<String, Vec<Value>> = BTreeMap::new();
    let mut other = Vec::new();
    for (j, q) in site.visible_pages() {
        if q.is_section {
            continue;
        }
        if let Some(m) = &q.fm.model {
            models.entry(m.clone()).or_default().push(refs.page(site, j));
        }
        if site.own.client[j].is_none() {
            other.push(refs.page(site, j));
        }
    }
    let r = i.and_then(|i| site.rendered[i].as_ref());
    obj!(
        "title": i.map(|i| site.pages[i].title.clone()).unwrap_or_else(|| site.title.clone()),
        "content": r.map(|r| r.html.as_str()).unwrap_or(""),
        "clients": clients,
        "models": models.into_iter().map(|(m, p)| obj!("model": m, "playbooks": p)).collect::<Vec<_>>(),
        "other": other,
        "stats": obj!(
            "playbooks": site.playbook_count(), "owners": refs.owner_shown.iter().filter(|s| **s).count(),
            "workstreams": site.reg.workstreams.len(), "parties": refs.party_shown.iter().filter(|s| **s).count(),
        ),
    )
}

#[derive(Default, Clone, Copy)]
struct Counts {
    pub a: usize,
    pub r: usize,
    pub c: usize,
    pub i: usize,
}

impl Counts {
    fn add(&mut self, roles: u8) {
        self.a += usize::from(roles & role::ACCOUNTABLE != 0);
        self.r += usize::from(roles & role::RESPONSIBLE != 0);
        self.c += usize::from(roles & role::CONSULTED != 0);
        self.i += usize::from(roles & role::INFORMED != 0);
    }
    fn value(self) -> Value {
        obj!("a": self.a, "r": self.r, "c": self.c, "i": self.i)
    }
}

fn owner_counts(site: &Site, o: usize) -> Counts {
    let mut c = Counts::default();
    site.own.by_owner[o].iter().for_each(|h| c.add(h.roles));
    c
}

fn counts(site: &Site, o: usize) -> Value {
    owner_counts(site, o).value()
}

fn owners_index(site: &Site, refs: &Refs) -> Value {
    let mut by_party: Vec<Vec<Value>> = vec![Vec::new(); site.reg.parties.len()];
    let mut orphans = Vec::new();
    for (o, (id, owner)) in site.reg.owners.iter().enumerate() {
        if !refs.owner_shown[o] {
            continue;
        }
        let v = obj!("id": id.as_str(), "name": owner.name.as_str(), "url": owner_url(site, o), "kind": refs.owner_kind[o], "counts": counts(site, o));
        match site.reg.owner_party[o] {
            Some(p) => by_party[p].push(v),
            None => orphans.push(v),
        }
    }
    let mut out: Vec<Value> = Vec::new();
    for (p, (id, party)) in site.reg.parties.iter().enumerate() {
        if by_party[p].is_empty() {
            continue;
        }
        let owners = std::mem::take(&mut by_party[p]);
        out.push(
            obj!("id": id.as_str(), "name": party.name.as_str(), "kind": party.kind.as_str(), "url": party_url(site, p), "owners": owners),
        );
    }
    if !orphans.is_empty() {
        out.push(obj!("id": "", "name": "No party", "kind": "", "url": "", "owners": orphans));
    }
    arr(out)
}

/// Contact entries as (label, link): see [`contact_href`].
fn contact_pairs(list: &[String]) -> Vec<(&str, String)> {
    list.iter().map(|c| c.trim()).filter(|c| !c.is_empty()).map(|c| (c, contact_href(c))).collect()
}

/// Where a contact entry links: a URL (or a `mailto:` or `tel:` link) as it is, an e-mail address
/// as `mailto:`, a phone number (with an extension: `x12`, `ext. 12`) as `tel:`, and nowhere
/// for anything else. Prose holding numbers ("Bridge +1 503 555 0199, PIN 4417#") has no link:
/// no one link would be right, and its digits run together would dial a wrong number.
fn contact_href(c: &str) -> String {
    if !c.contains(char::is_whitespace) {
        if c.contains("://") || c.starts_with("mailto:") || c.starts_with("tel:") {
            return c.to_string();
        }
        if let Some((name, domain)) = c.split_once('@')
            && !name.is_empty()
            && !domain.is_empty()
            && !domain.contains('@')
        {
            return format!("mailto:{c}");
        }
    }
    phone_href(c).unwrap_or_default()
}

/// `tel:` for an entry that is a phone number and nothing else: digits with the usual
/// separators, at least five of them, a leading `+`, and perhaps an extension.
fn phone_href(c: &str) -> Option<String> {
    // An extension: digits at the end after `x`, `ext`, `ext.` or `#`.
    let digits_at_end = c.len() - c.trim_end_matches(|ch: char| ch.is_ascii_digit()).len();
    let (number, ext) = {
        let (head, tail) = c.split_at(c.len() - digits_at_end);
        let head = head.trim_end();
        // (`get`: the last bytes of `head` may be part of a longer character.)
        let marker = ["ext.", "ext", "x", "#"]
            .iter()
            .find(|m| head.get(head.len().saturating_sub(m.len())..).is_some_and(|t| t.eq_ignore_ascii_case(m)));
        match marker {
            Some(m) if !tail.is_empty() => (head[..head.len() - m.len()].trim_end(), Some(tail)),
            _ => (c, None),
        }
    };
    let body = number.strip_prefix('+').unwrap_or(number);
    let digits: String = body.chars().filter(char::is_ascii_digit).collect();
    let only_separators = body.chars().all(|ch| ch.is_ascii_digit() || matches!(ch, ' ' | '-' | '.' | '(' | ')' | '/'));
    if !only_separators || digits.len() < 5 {
        return None;
    }
    let plus = if number.starts_with('+') { "+" } else { "" };
    Some(match ext {
        Some(ext) => format!("tel:{plus}{digits};ext={ext}"),
        None => format!("tel:{plus}{digits}"),
    })
}

fn contact_links(list: &[String]) -> Vec<Value> {
    contact_pairs(list).into_iter().map(|(label, href)| obj!("label": label, "href": href)).collect()
}

/// The role names of a role set, as a shared value: owner pages list them on every row.
fn role_names(bits: u8) -> Value {
    static NAMES: std::sync::OnceLock<Vec<Value>> = std::sync::OnceLock::new();
    NAMES.get_or_init(|| (0..=u8::MAX).map(|b| Value::from(role::names(b))).collect())[usize::from(bits)].clone()
}

/// An owner's rows as its pages show them. Worked out once per render and shared by the
/// owner's pages: a team holding a role in every playbook has thousands of pages, and each one
/// sorting and counting all its rows again made its pages cost their number times its rows.
struct OwnerRows {
    /// Indices into `site.own.by_owner[o]`, grouped by workstream in registry order, in
    /// holding (page) order within each.
    order: Vec<u32>,
    /// Each workstream the owner holds rows in, with how many, in `order`'s order.
    groups: Vec<(usize, usize)>,
    /// Its roles counted over all its rows.
    counts: Counts,
}

impl OwnerRows {
    fn of(site: &Site, o: usize) -> OwnerRows {
        let holdings = &site.own.by_owner[o];
        // `by_owner` has at most one holding per row, and rows are counted in u32 elsewhere.
        let mut order: Vec<u32> = (0..holdings.len()).map(|j| j as u32).collect();
        order.sort_by_key(|&j| holdings[j as usize].ws());
        let groups = order.chunk_by(|&a, &b| holdings[a as usize].ws() == holdings[b as usize].ws());
        let groups = groups.map(|group| (holdings[group[0] as usize].ws(), group.len())).collect();
        OwnerRows { order, groups, counts: owner_counts(site, o) }
    }

    /// The rows on page `k`, as indices into `site.own.by_owner[o]`.
    fn on_page(&self, k: usize) -> &[u32] {
        let shown = self.order.get(k * ROWS_PER_PAGE..).unwrap_or_default();
        &shown[..shown.len().min(ROWS_PER_PAGE)]
    }

    /// For an owner whose rows run over several pages, seen from page `k`: each workstream it
    /// holds rows in, with how many, linked to the heading on the page where that workstream's
    /// rows start.
    fn ws_index(&self, site: &Site, o: usize, k: usize) -> Vec<(usize, usize, String)> {
        if page_count(self.order.len()) <= 1 {
            return Vec::new();
        }
        let first = owner_url(site, o);
        let mut index = Vec::new();
        let mut start = 0;
        for &(w, len) in &self.groups {
            let page = start / ROWS_PER_PAGE;
            let anchor = format!("#owner-ws-{}", site.reg.workstreams[w].0);
            let link = if page == k { anchor } else { format!("{}{anchor}", paged_url(&first, page)) };
            index.push((w, len, link));
            start += len;
        }
        index
    }
}

fn owner_value(site: &Site, refs: &Refs, o: usize, k: usize) -> Value {
    let (id, owner) = &site.reg.owners[o];
    let holdings = &site.own.by_owner[o];
    let rows = refs.owner_rows(site, o);
    let mut by_ws: BTreeMap<usize, Vec<Value>> = BTreeMap::new();
    for &j in rows.on_page(k) {
        let h = holdings[j as usize];
        let wid = &site.reg.workstreams[h.ws()].0;
        by_ws.entry(h.ws()).or_default().push(obj!(
            "playbook": refs.page(site, h.page()), "link": format!("{}{}#ws-{wid}", site.base_path, site.pages[h.page()].path), "roles": role_names(h.roles),
        ));
    }
    let workstreams: Vec<Value> = by_ws
        .into_iter()
        .map(|(w, rows)| obj!("id": site.reg.workstreams[w].0.as_str(), "name": site.reg.workstreams[w].1.name.as_str(), "url": ws_url(site, w), "rows": rows))
        .collect();
    let url = owner_url(site, o);
    let internal_contact = if site.audience == Audience::Internal { contact_links(&owner.internal_contact.0) } else { Vec::new() };
    let party = site.reg.owner_party[o].map(|p| refs.parties[p].clone()).unwrap_or(Value::none());
    obj!(
        "id": id.as_str(), "name": owner.name.as_str(), "kind": refs.owner_kind[o], "url": url.as_str(), "party": party,
        "contact": contact_links(&owner.contact.0), "hours": owner.hours.map(|h| h.as_str()).unwrap_or(""),
        "internal_contact": internal_contact, "description": opt_str(&owner.description),
        "counts": rows.counts.value(), "workstreams": workstreams, "pager": pager(&url, k, &Paging::fixed(holdings.len())),
        "index": rows.ws_index(site, o, k).into_iter().map(|(w, count, link)| obj!("name": site.reg.workstreams[w].1.name.as_str(), "count": count, "link": link)).collect::<Vec<Value>>(),
    )
}

fn workstreams_index(site: &Site) -> Value {
    arr(site
        .reg
        .workstreams
        .iter()
        .enumerate()
        .map(|(w, (id, ws))| {
            obj!("id": id.as_str(), "name": ws.name.as_str(), "description": opt_str(&ws.description), "required": ws.required,
                 "aliases": ws.aliases.clone(), "url": ws_url(site, w), "count": site.own.by_workstream[w].len())
        })
        .collect())
}

fn workstream_value(site: &Site, refs: &Refs, w: usize, k: usize) -> Value {
    let (id, ws) = &site.reg.workstreams[w];
    let all = &site.own.by_workstream[w];
    let paging = ws_paging(site, w);
    let rows: Vec<Value> = all[paging.rows(k)]
        .iter()
        .map(|&(p, r)| {
            let row = &site.own.rows[p][r];
            obj!(
                "playbook": refs.page(site, p), "link": format!("{}#ws-{id}", site.url(p)),
                "accountable": opt_owner(refs, row.accountable().first()), "responsible": owner_list(refs, row.responsible()),
                "coverage": row.coverage.map(|c| c.as_str()).unwrap_or(""), "coverage_label": row.coverage.map(|c| c.label()).unwrap_or(""),
                "side": row.side(),
            )
        })
        .collect();
    // Questions are listed on the first page only.
    let mut faq = Vec::new();
    for &(p, _) in all.iter().filter(|_| k == 0) {
        for f in site.faqs[p].iter().filter(|f| f.workstreams.contains(&w)) {
            faq.push(obj!("question": f.question.as_str(), "link": format!("{}#{}", site.url(p), f.anchor)));
        }
    }
    let url = ws_url(site, w);
    obj!("id": id.as_str(), "name": ws.name.as_str(), "description": opt_str(&ws.description), "required": ws.required,
         "aliases": ws.aliases.clone(), "pager": pager(&url, k, paging), "url": url, "rows": rows, "faq": faq)
}

/// A row's handoff as the ownership export gives it (its Markdown source): for the client
/// audience without its `::: internal` blocks, which the page leaves out too (`None` if the
/// blocks are malformed, which fails the build anyway).
fn handoff_for(audience: Audience, handoff: &str) -> Option<Cow<'_, str>> {
    if audience == Audience::Internal || !handoff.contains(":::") {
        return Some(Cow::Borrowed(handoff));
    }
    let (text, regions) = crate::markdown::prepare_internal_blocks(handoff, audience).ok()?;
    if regions.is_empty() {
        return Some(Cow::Borrowed(handoff));
    }
    Some(Cow::Owned(text.trim_end().to_string()))
}

/// What owner `o` holds, per workstream in registry order: the role counts, and the page of the
/// owner's list where that workstream's rows start (the owner's pages list its rows grouped
/// so, 500 a page), for links to its heading there.
fn holdings_by_ws(site: &Site, o: usize) -> Vec<(usize, Counts, usize)> {
    let mut per_ws: BTreeMap<usize, (Counts, usize)> = BTreeMap::new();
    for h in &site.own.by_owner[o] {
        let (counts, rows) = per_ws.entry(h.ws()).or_default();
        counts.add(h.roles);
        *rows += 1;
    }
    let mut start = 0;
    per_ws
        .into_iter()
        .map(|(w, (counts, rows))| {
            let page = start / ROWS_PER_PAGE;
            start += rows;
            (w, counts, page)
        })
        .collect()
}

/// A party: its playbooks (for a client) and, per owner, what they hold by workstream with
/// A/R/C/I counts. Per-row detail lives on the owner pages, so a provider with thousands of
/// assignments still gets a page of bounded size.
fn party_value(site: &Site, refs: &Refs, p: usize) -> Value {
    let (id, party) = &site.reg.parties[p];
    let playbooks: Vec<Value> = site.own.pages_by_party[p].iter().map(|&j| refs.page(site, j)).collect();
    let owners: Vec<Value> = refs.party_owners[p]
        .iter()
        .map(|&o| {
            let holds: Vec<Value> = holdings_by_ws(site, o)
                .into_iter()
                .map(|(w, c, page)| {
                    let (wid, ws) = &site.reg.workstreams[w];
                    obj!("workstream": obj!("id": wid.as_str(), "name": ws.name.as_str(), "url": ws_url(site, w)),
                         "link": format!("{}#owner-ws-{wid}", paged_url(&owner_url(site, o), page)), "counts": c.value())
                })
                .collect();
            obj!("owner": refs.owners[o].clone(), "counts": counts(site, o), "holds": holds)
        })
        .collect();
    obj!("id": id.as_str(), "name": party.name.as_str(), "kind": party.kind.as_str(), "url": party_url(site, p), "playbooks": playbooks, "owners": owners)
}

fn matrix_value(site: &Site, refs: &Refs, k: usize) -> Value {
    let used: Vec<usize> = (0..site.reg.workstreams.len()).filter(|&w| !site.own.by_workstream[w].is_empty()).collect();
    let col: HashMap<usize, usize> = used.iter().enumerate().map(|(c, &w)| (w, c)).collect();
    let empty = obj!("accountable": Value::none(), "side": "", "link": "");
    let mut rows = Vec::new();
    for &i in &matrix_listed(site)[matrix_paging(site).rows(k)] {
        let mut cells = vec![empty.clone(); used.len()];
        for row in &site.own.rows[i] {
            if let Some(&c) = col.get(&row.ws) {
                cells[c] = obj!(
                    "accountable": opt_owner(refs, row.accountable().first()), "side": row.side(),
                    "link": format!("{}#ws-{}", site.url(i), site.reg.workstreams[row.ws].0),
                );
            }
        }
        rows.push(obj!("playbook": refs.page(site, i), "cells": cells));
    }
    let workstreams: Vec<Value> = used.iter().map(|&w| refs.ws[w].clone()).collect();
    let first = format!("{}matrix/", site.base_path);
    obj!("workstreams": workstreams, "rows": rows, "pager": pager(&first, k, matrix_paging(site)))
}

/// A distinct question of the site-wide FAQ (compared trimmed and case-insensitively).
pub(crate) struct UniqueQuestion<'a> {
    pub item: &'a crate::site::FaqItem,
    /// The first playbook that asks it, and where in that playbook's questions.
    pub home: usize,
    pub at: usize,
    /// Every (page, question) answering it, the first one included.
    pub links: Vec<(usize, &'a crate::site::FaqItem)>,
}

/// The distinct questions of the visible pages, in page order; with `links`, each with every
/// place it is asked (only the full FAQ shows them).
fn unique_questions(site: &Site, links: bool) -> Vec<UniqueQuestion<'_>> {
    // Found by the key each item carries, checked against the text; a different question with
    // the same key (a 64-bit collision) is found by its lower-cased text instead.
    let mut by_key: HashMap<u64, usize> = HashMap::default();
    let mut by_text: HashMap<String, usize> = HashMap::default();
    let mut unique: Vec<UniqueQuestion> = Vec::new();
    for (i, _) in site.visible_pages() {
        for (at, f) in site.faqs[i].iter().enumerate() {
            let seen = match by_key.get(&f.key) {
                None => {
                    by_key.insert(f.key, unique.len());
                    None
                }
                Some(&u) if unique[u].item.same_question(f) => Some(u),
                Some(_) => {
                    let text = crate::site::FaqItem::folded(&f.question);
                    let seen = by_text.get(&text).copied();
                    if seen.is_none() {
                        by_text.insert(text, unique.len());
                    }
                    seen
                }
            };
            match seen {
                Some(u) if links => unique[u].links.push((i, f)),
                Some(_) => {}
                None => unique.push(UniqueQuestion { item: f, home: i, at, links: if links { vec![(i, f)] } else { Vec::new() } }),
            }
        }
    }
    unique
}

/// The FAQ's topics, in order (workstreams by id, then tags, then "Other questions" in the
/// compact form): (id, name, indices into `unique`).
fn faq_topics(site: &Site, unique: &[UniqueQuestion], compact: bool) -> Vec<(String, String, Vec<usize>)> {
    let mut topics: BTreeMap<(u8, &str), (&str, Vec<usize>)> = BTreeMap::new();
    for (k, u) in unique.iter().enumerate() {
        let f = u.item;
        for &w in &f.workstreams {
            let (id, ws) = &site.reg.workstreams[w];
            topics.entry((0, id)).or_insert_with(|| (&ws.name, Vec::new())).1.push(k);
        }
        for t in &f.tags {
            topics.entry((1, t)).or_insert_with(|| (t, Vec::new())).1.push(k);
        }
        if compact && f.workstreams.is_empty() && f.tags.is_empty() {
            topics.entry((2, "other")).or_insert_with(|| ("Other questions", Vec::new())).1.push(k);
        }
    }
    topics.into_iter().map(|((_, id), (name, list))| (id.to_string(), name.to_string(), list)).collect()
}

/// The site-wide FAQ, page `k`. A question asked in several playbooks is listed once, under the
/// first playbook that asks it, with a link to each place it is answered.
fn faq_value(site: &Site, refs: &Refs, k: usize) -> Value {
    let first = format!("{}faq/", site.base_path);
    if let Some(c) = refs.faq(site) {
        return compact_faq_value(site, c, &first, k);
    }
    let unique = unique_questions(site, true);
    let mut by_playbook: Vec<(usize, Vec<Value>)> = Vec::new();
    let mut questions = Vec::new();
    let mut values = Vec::with_capacity(unique.len());
    for u in &unique {
        let f = u.item;
        let links: Vec<Value> = u
            .links
            .iter()
            .map(|&(i, f)| obj!("title": site.pages[i].title.as_str(), "link": format!("{}#{}", site.url(i), f.anchor)))
            .collect();
        let v = obj!(
            "question": f.question.as_str(), "answer": f.answer_html.as_str(), "anchor": f.anchor.as_str(),
            "link": format!("{}#{}", site.url(u.home), f.anchor), "links": links, "tags": f.tags.clone(),
        );
        match by_playbook.last_mut() {
            Some((home, list)) if *home == u.home => list.push(v.clone()),
            _ => by_playbook.push((u.home, vec![v.clone()])),
        }
        questions.push(v.clone());
        values.push(v);
    }
    let by_playbook: Vec<Value> = by_playbook.into_iter().map(|(i, qs)| obj!("playbook": refs.page(site, i), "questions": qs)).collect();
    let by_topic: Vec<Value> = faq_topics(site, &unique, false)
        .into_iter()
        .map(|(id, name, list)| {
            let questions: Vec<Value> = list.iter().map(|&k| values[k].clone()).collect();
            obj!("id": id, "name": name, "count": list.len(), "continued": false, "questions": questions)
        })
        .collect();
    obj!(
        "by_playbook": by_playbook, "by_topic": by_topic, "questions": questions, "compact": false,
        "topics": Vec::<Value>::new(), "pager": pager(&first, 0, &Paging::fixed(0)),
    )
}

/// Page `k` of the compact FAQ: the index of every topic, and this page's part of the list.
fn compact_faq_value(site: &Site, c: &CompactFaq, first: &str, k: usize) -> Value {
    let topics: Vec<Value> = (0..c.topics.len())
        .map(|t| {
            let (id, name, list) = &c.topics[t];
            obj!("id": id.as_str(), "name": name.as_str(), "count": list.len(), "link": c.topic_link(first, t, k))
        })
        .collect();
    let by_topic: Vec<Value> = c
        .on_page(k)
        .into_iter()
        .map(|(t, range)| {
            let (id, name, list) = &c.topics[t];
            let questions: Vec<Value> = list[range.clone()]
                .iter()
                .map(|&q| {
                    let f = c.item(site, q);
                    obj!("question": f.question.as_str(), "anchor": f.anchor.as_str(), "link": format!("{}#{}", site.url(c.questions[q].0), f.anchor))
                })
                .collect();
            obj!("id": id.as_str(), "name": name.as_str(), "count": list.len(), "continued": range.start > 0, "questions": questions)
        })
        .collect();
    obj!(
        "by_playbook": Vec::<Value>::new(), "by_topic": by_topic, "questions": Vec::<Value>::new(), "compact": true,
        "topics": topics, "pager": pager(first, k, &Paging::fixed(c.rows)),
    )
}

/// A FAQ past [`FAQ_FULL_LIMIT`] distinct questions, which lists questions by topic with links
/// to their answers, over as many pages as the other long lists (a question under two topics
/// is two rows). Worked out once per render and shared by its pages.
pub(crate) struct CompactFaq {
    /// Each distinct question: (the first page asking it, its index among that page's questions).
    pub questions: Vec<(usize, usize)>,
    /// (id, name, questions), in order.
    pub topics: Vec<(String, String, Vec<usize>)>,
    /// The row each topic starts at.
    starts: Vec<usize>,
    pub rows: usize,
}

impl CompactFaq {
    /// `None` when the FAQ is small enough to show every answer on one page.
    fn of(site: &Site) -> Option<CompactFaq> {
        let unique = unique_questions(site, false);
        if unique.len() <= FAQ_FULL_LIMIT {
            return None;
        }
        let topics = faq_topics(site, &unique, true);
        let mut starts = Vec::with_capacity(topics.len());
        let mut rows = 0;
        for (_, _, list) in &topics {
            starts.push(rows);
            rows += list.len();
        }
        let questions = unique.iter().map(|u| (u.home, u.at)).collect();
        Some(CompactFaq { questions, topics, starts, rows })
    }

    pub fn pages(&self) -> usize {
        page_count(self.rows)
    }

    pub fn item<'s>(&self, site: &'s Site, q: usize) -> &'s crate::site::FaqItem {
        let (page, at) = self.questions[q];
        &site.faqs[page][at]
    }

    /// The topics on page `k`, each with the range of its questions shown there.
    pub fn on_page(&self, k: usize) -> Vec<(usize, std::ops::Range<usize>)> {
        let (lo, hi) = (k * ROWS_PER_PAGE, (k + 1) * ROWS_PER_PAGE);
        let mut parts = Vec::new();
        for (t, (_, _, list)) in self.topics.iter().enumerate() {
            let start = self.starts[t];
            let (a, b) = (lo.max(start), hi.min(start + list.len()));
            if a < b {
                parts.push((t, a - start..b - start));
            }
        }
        parts
    }

    /// Where the index on page `k` links for topic `t`: its heading, on the page it starts on.
    pub fn topic_link(&self, first: &str, t: usize, k: usize) -> String {
        let on = self.starts[t] / ROWS_PER_PAGE;
        let id = &self.topics[t].0;
        if on == k { format!("#faq-topic-{id}") } else { format!("{}#faq-topic-{id}", paged_url(first, on)) }
    }
}

/// How many pages the site-wide FAQ has (more than one only in its compact form).
pub fn faq_page_count(site: &Site) -> usize {
    CompactFaq::of(site).map_or(1, |c| c.pages())
}

/// The files of the site-wide FAQ, relative to the output folder.
pub fn faq_paths(site: &Site) -> Vec<String> {
    (0..faq_page_count(site)).map(|k| Job::Faq(k).path(site)).collect()
}

/// Above this many distinct questions, /faq/ lists questions with links instead of answers.
pub const FAQ_FULL_LIMIT: usize = 500;

/// Keeps only the tags Google allows in FAQ answers (and `href` on links); drops the rest but
/// keeps their text.
pub fn sanitize_answer(html: &str) -> String {
    const ALLOWED: [&str; 15] = ["h1", "h2", "h3", "h4", "h5", "h6", "br", "ol", "ul", "li", "a", "p", "div", "b", "strong"];
    let allowed = |t: &str| ALLOWED.contains(&t) || t == "i" || t == "em";
    let mut out = String::with_capacity(html.len());
    let mut rest = html;
    while let Some(start) = rest.find('<') {
        out.push_str(&rest[..start]);
        let Some(end) = rest[start..].find('>') else {
            out.push_str(&rest[start..].replace('<', "&lt;"));
            return out;
        };
        let tag = &rest[start + 1..start + end];
        let closing = tag.starts_with('/');
        let name: String = tag.trim_start_matches('/').chars().take_while(|c| c.is_ascii_alphanumeric()).collect::<String>().to_lowercase();
        if allowed(&name) {
            if closing {
                out.push_str(&format!("</{name}>"));
            } else if name == "a" {
                let href = tag.split("href=\"").nth(1).and_then(|h| h.split('"').next()).unwrap_or("");
                out.push_str(&format!("<a href=\"{href}\">"));
            } else {
                out.push_str(&format!("<{name}>"));
            }
        }
        rest = &rest[start + end + 1..];
    }
    out.push_str(rest);
    out
}

/// JSON that can sit inside `<script>`: `<`, `>` and `&` are escaped so no text can close it.
pub fn script_safe_json(v: &serde_json::Value) -> String {
    script_safe(&serde_json::to_string(v).unwrap_or_default())
}

/// JSON text with `<`, `>` and `&` escaped (they only occur inside strings), so that it can
/// sit inside a `<script>` element: one pass.
fn script_safe(json: &str) -> String {
    let mut out = String::with_capacity(json.len() + 64);
    for c in json.chars() {
        match c {
            '<' => out.push_str("\\u003c"),
            '>' => out.push_str("\\u003e"),
            '&' => out.push_str("\\u0026"),
            c => out.push(c),
        }
    }
    out
}

/// The schema.org `FAQPage` of page `i` as JSON safe inside a `<script>` element. Written
/// straight from the FAQ items, keys in sorted order. Empty when the page has no questions, and
/// in the internal build: structured data is for search engines, and every internal page asks
/// them to stay away (`noindex`). It was 5 % of a playbook page's bytes, and of a build's CPU.
fn faq_jsonld(site: &Site, i: usize) -> String {
    #[derive(serde::Serialize)]
    struct Answer {
        #[serde(rename = "@type")]
        kind: &'static str,
        text: String,
    }
    #[derive(serde::Serialize)]
    struct Question<'a> {
        #[serde(rename = "@type")]
        kind: &'static str,
        #[serde(rename = "acceptedAnswer")]
        accepted_answer: Answer,
        name: &'a str,
    }
    #[derive(serde::Serialize)]
    struct FaqPage<'a> {
        #[serde(rename = "@context")]
        context: &'static str,
        #[serde(rename = "@type")]
        kind: &'static str,
        #[serde(rename = "mainEntity")]
        main_entity: Vec<Question<'a>>,
    }
    let faqs = &site.faqs[i];
    if faqs.is_empty() || site.audience == Audience::Internal {
        return String::new();
    }
    let page = FaqPage {
        context: "https://schema.org",
        kind: "FAQPage",
        main_entity: faqs
            .iter()
            .map(|f| Question {
                kind: "Question",
                accepted_answer: Answer { kind: "Answer", text: sanitize_answer(&f.answer_html).trim().to_string() },
                name: &f.question,
            })
            .collect(),
    };
    let json = serde_json::to_string(&page).unwrap_or_default();
    script_safe(&json)
}

fn xml_escape(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

fn sitemap(site: &Site, jobs: &[Job]) -> String {
    let origin = site.base_url.trim_end_matches('/');
    let origin = match origin.strip_suffix(site.base_path.trim_end_matches('/')) {
        Some(o) if !site.base_path.trim_end_matches('/').is_empty() => o,
        _ => origin,
    };
    let mut out =
        String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<urlset xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\">\n");
    // The search page shows nothing of its own until a reader asks: not for search engines.
    for job in jobs.iter().filter(|j| !matches!(j, Job::Search)) {
        let Some(url) = job.url(site) else { continue };
        out.push_str(&format!("  <url><loc>{}</loc>", xml_escape(&format!("{origin}{url}"))));
        if let Job::Page(i) = job
            && let Some(d) = site.pages[*i].fm.updated.as_deref().filter(|d| crate::check::valid_date(d))
        {
            out.push_str(&format!("<lastmod>{d}</lastmod>"));
        }
        out.push_str("</url>\n");
    }
    out.push_str("</urlset>\n");
    out
}

/// The schema version of `ownership.json`; bump it on any incompatible change.
pub const OWNERSHIP_SCHEMA_VERSION: u32 = 1;

/// `ownership.json` in parts (written one after the other), serialised straight from the model:
/// no JSON tree and no whole-document string, which at 10,000 playbooks cost hundreds of
/// megabytes. Playbooks are serialised in parallel; only those `which` accepts.
fn ownership_json<'a>(site: &'a Site, refs: &Refs) -> Export<'a> {
    use serde::Serialize;
    use serde::ser::{SerializeMap, SerializeSeq};

    use serde_json::value::RawValue;

    /// Every owner id as a JSON string, escaped once: the playbooks name each owner many times
    /// (escaping them over and over was most of this export's CPU).
    struct OwnerIds<'a> {
        site: &'a Site,
        json: Vec<Option<Box<RawValue>>>,
    }
    #[derive(Clone, Copy)]
    struct Id<'a>(&'a OwnerIds<'a>, usize);
    impl Serialize for Id<'_> {
        fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
            let Id(ids, o) = *self;
            match &ids.json[o] {
                Some(raw) => raw.serialize(s),
                None => ids.site.reg.owners[o].0.serialize(s),
            }
        }
    }
    struct Ids<'a>(&'a OwnerIds<'a>, Owners<'a>);
    impl Serialize for Ids<'_> {
        fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
            let mut seq = s.serialize_seq(Some(self.1.len()))?;
            for o in self.1 {
                seq.serialize_element(&Id(self.0, o))?;
            }
            seq.end()
        }
    }
    struct Assignments<'a>(&'a OwnerIds<'a>, usize);
    impl Serialize for Assignments<'_> {
        fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
            let Assignments(ids, i) = *self;
            let site = ids.site;
            let id = |o: usize| Id(ids, o);
            let mut seq = s.serialize_seq(Some(site.own.rows[i].len()))?;
            for r in &site.own.rows[i] {
                #[derive(Serialize)]
                struct A<'a> {
                    workstream: &'a str,
                    accountable: Option<Id<'a>>,
                    responsible: Ids<'a>,
                    consulted: Ids<'a>,
                    informed: Ids<'a>,
                    coverage: Option<&'a str>,
                    after_hours: Option<Id<'a>>,
                    escalation: Ids<'a>,
                    handoff: Option<Cow<'a, str>>,
                    side: &'a str,
                    #[serde(skip_serializing_if = "Option::is_none")]
                    internal_notes: Option<&'a Option<String>>,
                }
                seq.serialize_element(&A {
                    workstream: &site.reg.workstreams[r.ws].0,
                    accountable: r.accountable().first().map(id),
                    responsible: Ids(ids, r.responsible()),
                    consulted: Ids(ids, r.consulted()),
                    informed: Ids(ids, r.informed()),
                    coverage: r.coverage.map(|c| c.as_str()),
                    after_hours: r.after_hours.map(id),
                    escalation: Ids(ids, r.escalation()),
                    handoff: r.handoff.as_deref().and_then(|h| handoff_for(site.audience, h)),
                    side: r.side(),
                    internal_notes: (site.audience == Audience::Internal).then_some(&r.internal_notes),
                })?;
            }
            seq.end()
        }
    }
    /// One playbook's JSON, so the document can be written in parts without ever being held
    /// whole, and a warm build can replace just the parts of the playbooks it re-read.
    fn playbook_json(ids: &OwnerIds, i: usize, p: &crate::content::Page) -> Option<Vec<u8>> {
        let site = ids.site;
        #[derive(Serialize)]
        struct P<'a> {
            source: &'a str,
            title: &'a str,
            url: String,
            client: Option<&'a str>,
            model: &'a Option<String>,
            audience: &'a str,
            updated: &'a Option<String>,
            review_by: &'a Option<String>,
            assignments: Assignments<'a>,
        }
        let mut buf = Vec::with_capacity(4096);
        serde_json::to_writer(
            &mut buf,
            &P {
                source: &p.file,
                title: &p.title,
                url: site.url(i),
                client: site.own.client[i].map(|c| site.reg.parties[c].0.as_str()),
                model: &p.fm.model,
                audience: p.audience.as_str(),
                updated: &p.fm.updated,
                review_by: &p.fm.review_by,
                assignments: Assignments(ids, i),
            },
        )
        .ok()?;
        Some(buf)
    }
    struct Doc<'a>(&'a Site, &'a Refs);
    impl Serialize for Doc<'_> {
        fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
            let (site, refs) = (self.0, self.1);
            let owners: Vec<serde_json::Value> = site
                .reg
                .owners
                .iter()
                .enumerate()
                .filter(|(o, _)| refs.owner_shown[*o])
                .map(|(o, (oid, owner))| {
                    let mut v = json!({
                        "id": oid, "name": owner.name, "party": owner.party, "kind": refs.owner_kind[o], "contact": owner.contact.0,
                        "hours": owner.hours.map(|h| h.as_str()), "url": owner_url(site, o),
                    });
                    if site.audience == Audience::Internal {
                        v["internal_contact"] = json!(owner.internal_contact.0);
                    }
                    v
                })
                .collect();
            let parties: Vec<serde_json::Value> = site
                .reg
                .parties
                .iter()
                .zip(&refs.party_shown)
                .filter(|(_, shown)| **shown)
                .map(|((pid, p), _)| json!({"id": pid, "name": p.name, "kind": p.kind.as_str()}))
                .collect();
            let workstreams: Vec<serde_json::Value> = site
                .reg
                .workstreams
                .iter()
                .map(|(wid, w)| json!({"id": wid, "name": w.name, "required": w.required, "description": w.description, "aliases": w.aliases}))
                .collect();
            let mut m = s.serialize_map(Some(6))?;
            m.serialize_entry("schema_version", &OWNERSHIP_SCHEMA_VERSION)?;
            m.serialize_entry("site", &json!({"title": site.title, "base_url": site.base_url, "audience": site.audience.as_str()}))?;
            m.serialize_entry("parties", &parties)?;
            m.serialize_entry("owners", &owners)?;
            m.serialize_entry("workstreams", &workstreams)?;
            // Written last, in parts, by the caller.
            m.serialize_entry("playbooks", &[(); 0])?;
            m.end()
        }
    }
    let head = serde_json::to_string(&Doc(site, refs)).unwrap_or_default();
    let head = head.strip_suffix("[]}").map(|h| format!("{h}[")).unwrap_or(head);
    let ids = OwnerIds { site, json: site.reg.owners.iter().map(|(id, _)| serde_json::value::to_raw_value(id).ok()).collect() };
    let part = move |i: usize| {
        let p = &site.pages[i];
        let listed = site.visible[i] && p.is_playbook() && !site.own.rows[i].is_empty();
        if listed { playbook_json(&ids, i, p) } else { None }
    };
    Export { head: head.into_bytes(), pages: site.pages.len(), part: Box::new(part), sep: b",", tail: b"]}\n" }
}

/// A large export as a head, one optional part per page (page order, joined by `sep`) and a
/// tail. Parts are made on demand: a full build streams them to the file in batches (the
/// export never exists whole in memory), a warm build makes only the edited pages' parts and
/// splices them into the previous file.
struct Export<'a> {
    head: Vec<u8>,
    pages: usize,
    part: Box<dyn Fn(usize) -> Option<Vec<u8>> + Sync + 'a>,
    sep: &'static [u8],
    tail: &'static [u8],
}

/// Parts made in parallel per batch before they are written: bounded memory, full cores.
const EXPORT_BATCH: usize = 512;

/// Where each page's part sits in an export file: the head's length, then each part's length
/// (none when the page has no part).
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Layout {
    pub head: u64,
    pub parts: Vec<Option<u64>>,
}

/// Layouts of `ownership.json`, `matrix.csv` and the search index, kept by the build cache.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct ExportLayouts {
    pub json: Layout,
    pub csv: Layout,
    pub search: Layout,
}

/// What a warm build knows about the exports already on disk.
pub struct PreviousExports {
    /// Sizes of `ownership.json`, `matrix.csv` and the search index on disk, checked against
    /// the layouts.
    pub json_len: u64,
    pub csv_len: u64,
    pub search_len: u64,
    pub layouts: ExportLayouts,
    /// Pages re-read by this build: only their parts are generated again.
    pub edited: Vec<usize>,
    /// When pages came or went: each page's index in the model the files were written from
    /// (`None` for a new page, whose part is generated).
    pub old_of: Option<Vec<Option<usize>>>,
}

/// What splicing an export takes from the previous file: its length and layout, the pages
/// whose parts are made again (page order), each page's index then when pages came or went.
type Previous<'a> = ((u64, &'a Layout), &'a [usize], Option<&'a [Option<usize>]>);

impl Export<'_> {
    /// Writes the whole export to `w`, making parts in parallel batches; returns its layout.
    fn write_to(&self, w: &mut dyn std::io::Write) -> std::io::Result<Layout> {
        w.write_all(&self.head)?;
        let mut layout = Layout { head: self.head.len() as u64, parts: Vec::with_capacity(self.pages) };
        let mut first = true;
        for start in (0..self.pages).step_by(EXPORT_BATCH) {
            let batch: Vec<Option<Vec<u8>>> =
                (start..(start + EXPORT_BATCH).min(self.pages)).into_par_iter().map(|i| (self.part)(i)).collect();
            for part in batch {
                layout.parts.push(part.as_ref().map(|b| b.len() as u64));
                let Some(part) = part else { continue };
                if !first {
                    w.write_all(self.sep)?;
                }
                first = false;
                w.write_all(&part)?;
            }
        }
        w.write_all(self.tail)?;
        Ok(layout)
    }

    /// Writes the export to `path` in `sink`; returns its layout.
    fn put(&self, sink: &dyn Sink, path: &str) -> std::io::Result<Layout> {
        let mut layout = None;
        sink.put_streamed(path, &mut |w| {
            layout = Some(self.write_to(w)?);
            Ok(())
        })?;
        layout.ok_or_else(|| std::io::Error::other("the export was not written"))
    }

    /// Whether a previous file of `old_len` bytes can be what `layout` describes for this
    /// export's pages (`old_of`: each page's index in it, when pages came or went).
    fn matches(&self, old_len: u64, layout: &Layout, old_of: Option<&[Option<usize>]>) -> bool {
        let sep = self.sep.len() as u64;
        let count = layout.parts.iter().flatten().count() as u64;
        let expected = layout.head + layout.parts.iter().flatten().sum::<u64>() + sep * count.saturating_sub(1) + self.tail.len() as u64;
        let pages_fit = match old_of {
            None => layout.parts.len() == self.pages,
            Some(old_of) => old_of.len() == self.pages && old_of.iter().flatten().all(|&j| j < layout.parts.len()),
        };
        pages_fit && old_len == expected
    }

    /// The pieces of this export with only the `edited` pages' parts made, and those of pages
    /// new since (`old_of`, when pages came or went): those and the head are new, every other
    /// part is a range of the previous file, which [`Export::matches`] `layout`. Consecutive
    /// ranges merge, so an export with one edited playbook is about three copies. `edited` is
    /// in page order. Returns the new layout too.
    fn splice(self, layout: &Layout, edited: &[usize], old_of: Option<&[Option<usize>]>) -> (Vec<Piece>, Layout) {
        let sep_bytes = self.sep;
        let sep = sep_bytes.len() as u64;
        let mut new_layout = Layout { head: self.head.len() as u64, parts: Vec::with_capacity(self.pages) };
        let mut pieces = vec![Piece::New(self.head)];
        let push_old = |pieces: &mut Vec<Piece>, at: u64, len: u64| {
            // The previous part ended `sep` bytes before this one: copy the separator along.
            if let Some(Piece::Old { at: a, len: l }) = pieces.last_mut()
                && *a + *l + sep == at
            {
                *l += sep + len;
                return;
            }
            if pieces.len() > 1 && sep > 0 {
                pieces.push(Piece::New(sep_bytes.to_vec()));
            }
            pieces.push(Piece::Old { at, len });
        };
        // Where each previous part starts.
        let mut starts = Vec::with_capacity(layout.parts.len());
        let mut at = layout.head;
        for old in &layout.parts {
            starts.push(at);
            if let Some(len) = *old {
                at += len + sep;
            }
        }
        for i in 0..self.pages {
            let before = match old_of {
                None => Some(i),
                Some(old_of) => old_of[i],
            };
            let part = if let Some(j) = before.filter(|_| edited.binary_search(&i).is_err()) {
                layout.parts[j].inspect(|&len| push_old(&mut pieces, starts[j], len))
            } else {
                (self.part)(i).map(|bytes| {
                    let len = bytes.len() as u64;
                    if pieces.len() > 1 && sep > 0 {
                        pieces.push(Piece::New(sep_bytes.to_vec()));
                    }
                    pieces.push(Piece::New(bytes));
                    len
                })
            };
            new_layout.parts.push(part);
        }
        pieces.push(Piece::New(self.tail.to_vec()));
        (pieces, new_layout)
    }
}

/// RFC 4180: fields with a comma, quote or line break are quoted, quotes doubled, CRLF rows.
pub fn csv_field(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    push_csv_field(&mut out, s);
    out
}

/// [`csv_field`] appended to `out` (the matrix writes every field this way, without a copy).
fn push_csv_field(out: &mut String, s: &str) {
    // A byte scan: this runs for every field of the matrix.
    if s.bytes().any(|b| matches!(b, b',' | b'"' | b'\n' | b'\r')) {
        out.push('"');
        out.push_str(&s.replace('"', "\"\""));
        out.push('"');
    } else {
        out.push_str(s);
    }
}

/// `matrix.csv` in parts: the header, then one part per playbook (built in parallel).
fn matrix_csv(site: &Site) -> Export<'_> {
    // The ids on their own: the registry's entries are large, and past a few thousand owners
    // reading an id there waited on memory twice.
    let ids: Vec<&str> = site.reg.owners.iter().map(|(id, _)| id.as_str()).collect();
    // One part per playbook, built in parallel, joined in page order.
    let part = move |i: usize| {
        let p = &site.pages[i];
        if !site.visible[i] || site.own.rows[i].is_empty() {
            return None;
        }
        let id = |o: usize| ids[o];
        let mut out = String::with_capacity(site.own.rows[i].len() * 256);
        // Owner lists are joined into these, reused row to row.
        let (mut responsible, mut consulted, mut informed, mut escalation) = (String::new(), String::new(), String::new(), String::new());
        let join = |into: &mut String, l: Owners, sep: &str| {
            into.clear();
            for (k, o) in l.iter().enumerate() {
                if k > 0 {
                    into.push_str(sep);
                }
                into.push_str(id(o));
            }
        };
        let url = site.url(i);
        let client = site.own.client[i].map(|c| site.reg.parties[c].0.as_str()).unwrap_or_default();
        let model = p.fm.model.as_deref().unwrap_or_default();
        for r in &site.own.rows[i] {
            join(&mut responsible, r.responsible(), "; ");
            join(&mut consulted, r.consulted(), "; ");
            join(&mut informed, r.informed(), "; ");
            join(&mut escalation, r.escalation(), " > ");
            let fields = [
                url.as_str(),
                p.title.as_str(),
                client,
                model,
                site.reg.workstreams[r.ws].0.as_str(),
                r.accountable().first().map(id).unwrap_or_default(),
                &responsible,
                &consulted,
                &informed,
                r.coverage.map(|c| c.as_str()).unwrap_or_default(),
                r.after_hours.map(id).unwrap_or_default(),
                &escalation,
            ];
            for (k, f) in fields.iter().enumerate() {
                if k > 0 {
                    out.push(',');
                }
                push_csv_field(&mut out, f);
            }
            out.push_str("\r\n");
        }
        Some(out.into_bytes())
    };
    let head =
        b"playbook,title,client,model,workstream,accountable,responsible,consulted,informed,coverage,after_hours,escalation\r\n".to_vec();
    Export { head, pages: site.pages.len(), part: Box::new(part), sep: b"", tail: b"" }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn repeated_questions_are_found_by_key_and_text_even_when_two_questions_share_a_key() {
        let dir = tempfile::tempdir().expect("temp dir");
        std::fs::write(dir.path().join("demarcate.yaml"), "title: T\n").expect("config");
        std::fs::create_dir_all(dir.path().join("content")).expect("content");
        let playbook = |questions: &[&str]| {
            let faq: String = questions.iter().map(|q| format!("  - q: \"{q}\"\n    a: Yes.\n")).collect();
            format!("---\ntitle: P\nfaq:\n{faq}---\nBody.\n")
        };
        std::fs::write(dir.path().join("content/a.md"), playbook(&["Who pays?", "Is it ÉTÉ?"])).expect("a");
        std::fs::write(dir.path().join("content/b.md"), playbook(&["  who PAYS?", "Is it été?", "Who signs?"])).expect("b");
        let Ok(mut site) = Site::load(dir.path(), &crate::site::BuildOptions::default()) else { panic!("the site loads") };
        let asked = |site: &Site, links: bool| -> Vec<(String, usize)> {
            unique_questions(site, links).iter().map(|u| (u.item.question.trim().to_string(), u.links.len())).collect()
        };
        let expected = |n: usize| -> Vec<(String, usize)> {
            vec![("Who pays?".into(), 2 * n), ("Is it ÉTÉ?".into(), 2 * n), ("Who signs?".into(), n)]
        };
        assert_eq!(asked(&site, true), expected(1), "the same question, however capitalised or spaced, is listed once");
        assert_eq!(asked(&site, false), expected(0), "without links, none are collected");
        // Another question given the key of one already seen (a hash collision) is still a
        // question of its own, and its repeats are still found.
        let (a, b) = (site.by_rel["a.md"], site.by_rel["b.md"]);
        let key = site.faqs[a][0].key;
        site.faqs[b][2].key = key;
        site.faqs[b][0].key = key;
        assert_eq!(asked(&site, true), expected(1));
        let c = site.faqs[b][2].clone();
        site.faqs[a].push(crate::site::FaqItem { question: "WHO SIGNS?".into(), ..c });
        let listed = asked(&site, true);
        let want: Vec<(String, usize)> = vec![("Who pays?".into(), 2), ("Is it ÉTÉ?".into(), 2), ("WHO SIGNS?".into(), 2)];
        assert_eq!(listed, want, "a colliding question, asked first in a.md, is found again in b.md by its text");
    }

    #[test]
    fn a_pager_links_the_ends_and_the_pages_around_the_current_one() {
        let gap = None;
        let pages = |r: std::ops::RangeInclusive<usize>| r.map(Some).collect::<Vec<_>>();
        assert_eq!(pager_links(1, 0), [Some(0)]);
        assert_eq!(pager_links(5, 0), pages(0..=4), "a run of one left-out page is shown instead");
        assert_eq!(pager_links(8, 0), [pages(0..=2), vec![gap, Some(7)]].concat());
        assert_eq!(pager_links(200, 100), [vec![Some(0), gap], pages(98..=102), vec![gap, Some(199)]].concat());
        assert_eq!(pager_links(200, 4), [pages(0..=6), vec![gap, Some(199)]].concat());
        assert_eq!(pager_links(200, 199), [vec![Some(0), gap], pages(197..=199)].concat());
        for count in 1..60 {
            for k in 0..count {
                let links = pager_links(count, k);
                let shown: Vec<usize> = links.iter().flatten().copied().collect();
                assert!(shown.windows(2).all(|w| w[0] < w[1]), "{count} {k}: {links:?}");
                let must = [0, count - 1, k, k.saturating_sub(2), k.saturating_sub(1), (k + 1).min(count - 1), (k + 2).min(count - 1)];
                assert!(must.iter().all(|j| shown.contains(j)), "{count} {k}: {links:?}");
                // A gap stands for two pages or more, between two shown ones.
                for (n, link) in links.iter().enumerate() {
                    if link.is_none() {
                        let (before, after) = (links[n - 1].unwrap(), links[n + 1].unwrap());
                        assert!(after - before > 2, "{count} {k}: {links:?}");
                    }
                }
                assert!(links.len() <= 2 * PAGER_WINDOW + 5, "{count} {k}: {links:?}");
            }
        }
    }

    #[test]
    fn contacts_link_only_what_is_wholly_a_url_an_address_or_a_number() {
        for (entry, href) in [
            ("https://support.northwind.example/", "https://support.northwind.example/"),
            ("support@northwind.example", "mailto:support@northwind.example"),
            ("mailto:desk@acme.example?subject=P1", "mailto:desk@acme.example?subject=P1"),
            ("+1 503 555 0140", "tel:+15035550140"),
            ("+1 555 0188 42", "tel:+1555018842"),
            ("(503) 555-0140 ext. 12", "tel:5035550140;ext=12"),
            ("+44 20 7946 0018 x3", "tel:+442079460018;ext=3"),
            ("0800.555.0101#7", "tel:08005550101;ext=7"),
            // Prose, even with numbers in it, and what only looks like one thing.
            ("Bridge +1 503 555 0199, PIN 4417#; NOC shift lead +1 503 555 0148", ""),
            ("Mobile +1 206 555 0158; prefers text", ""),
            ("Escalate to ops@acme.example after ten minutes", ""),
            ("a@b@c", ""),
            ("@acme", ""),
            ("Room 2026", ""),
            ("1-2-3-4", ""),
            ("ext. 12345", ""),
            ("é12345", ""),
            ("+49 30 555 0100 é12", ""),
            ("Ωx12345", ""),
        ] {
            assert_eq!(contact_href(entry), href, "{entry}");
        }
    }

    #[test]
    fn answers_keep_only_allowed_tags() {
        let s = sanitize_answer("<p>Hi <code>x</code> <a href=\"/a\" class=\"c\">l</a></p><pre><code>y</code></pre>");
        assert_eq!(s, "<p>Hi x <a href=\"/a\">l</a></p>y");
    }

    #[test]
    fn json_in_script_cannot_close_it() {
        let s = script_safe_json(&json!({"q": "</script><b>"}));
        assert!(!s.contains("</script"));
        assert!(!s.contains('<'));
    }

    #[test]
    fn csv_quotes_per_rfc4180() {
        assert_eq!(csv_field("a,b"), "\"a,b\"");
        assert_eq!(csv_field("say \"hi\""), "\"say \"\"hi\"\"\"");
        assert_eq!(csv_field("plain"), "plain");
    }

    fn export(parts: &[Option<&str>], sep: &'static [u8]) -> Export<'static> {
        let parts: Vec<Option<Vec<u8>>> = parts.iter().map(|p| p.map(|s| s.as_bytes().to_vec())).collect();
        Export { head: b"H[".to_vec(), pages: parts.len(), part: Box::new(move |i| parts[i].clone()), sep, tail: b"]T" }
    }

    fn whole(e: Export) -> (Vec<u8>, Layout) {
        let mut bytes = Vec::new();
        let layout = e.write_to(&mut bytes).expect("writes to memory");
        (bytes, layout)
    }

    /// Applies splice pieces to the previous file's bytes, as `build::replace_spliced` does on disk.
    fn apply(pieces: &[Piece], old: &[u8]) -> Vec<u8> {
        let mut out = Vec::new();
        for p in pieces {
            match p {
                Piece::New(b) => out.extend_from_slice(b),
                Piece::Old { at, len } => out.extend_from_slice(&old[*at as usize..(*at + *len) as usize]),
            }
        }
        out
    }

    #[test]
    fn a_spliced_export_equals_the_whole_one() {
        let before = [Some("aa"), None, Some("bbb"), Some("c"), Some("dddd"), None];
        // Edits that grow, shrink, remove and add parts, at the start, middle and end.
        let cases: [(&[usize], [Option<&str>; 6]); 5] = [
            (&[2], [Some("aa"), None, Some("B"), Some("c"), Some("dddd"), None]),
            (&[0], [None, None, Some("bbb"), Some("c"), Some("dddd"), None]),
            (&[5], [Some("aa"), None, Some("bbb"), Some("c"), Some("dddd"), Some("new")]),
            (&[1, 3], [Some("aa"), Some("x"), Some("bbb"), None, Some("dddd"), None]),
            (&[], before),
        ];
        for sep in [&b","[..], &b""[..]] {
            let (old, layout) = whole(export(&before, sep));
            for (edited, after) in &cases {
                let (expected, expected_layout) = whole(export(after, sep));
                // Only the edited parts are generated, as a warm build does.
                let partial: Vec<Option<&str>> =
                    after.iter().enumerate().map(|(i, p)| if edited.contains(&i) { *p } else { None }).collect();
                let partial = export(&partial, sep);
                assert!(partial.matches(old.len() as u64, &layout, None));
                let (pieces, new_layout) = partial.splice(&layout, edited, None);
                assert_eq!(apply(&pieces, &old), expected, "edit {edited:?} with separator {sep:?}");
                assert_eq!(new_layout, expected_layout);
                let copies = pieces.iter().filter(|p| matches!(p, Piece::Old { .. })).count();
                assert!(copies <= edited.len() + 1, "unedited runs are merged: {pieces:?}");
            }
            assert!(!export(&before, sep).matches(old.len() as u64 + 1, &layout, None), "a file of another length is not spliced");
            assert!(!export(&before[1..], sep).matches(old.len() as u64, &layout, None), "nor one for another page count");
        }
    }

    #[test]
    fn an_export_spliced_after_pages_came_and_went_equals_the_whole_one() {
        let before = [Some("aa"), None, Some("bbb"), Some("c"), Some("dddd"), None];
        // Pages now, each with its index before (`None`: new), whether it was edited, its part.
        type Case = &'static [(Option<usize>, bool, Option<&'static str>)];
        let cases: [Case; 5] = [
            // One added at the start, one deleted in the middle.
            &[
                (None, false, Some("new")),
                (Some(0), false, Some("aa")),
                (Some(1), false, None),
                (Some(3), false, Some("c")),
                (Some(4), false, Some("dddd")),
                (Some(5), false, None),
            ],
            // The first and last deleted, one edited, one added at the end.
            &[
                (Some(1), false, None),
                (Some(2), true, Some("B")),
                (Some(3), false, Some("c")),
                (Some(4), false, Some("dddd")),
                (None, false, Some("end")),
            ],
            // A new page without a part, between two kept ones.
            &[(Some(0), false, Some("aa")), (None, false, None), (Some(2), false, Some("bbb")), (Some(3), false, Some("c"))],
            // Everything deleted but one.
            &[(Some(4), false, Some("dddd"))],
            // Nothing kept.
            &[(None, false, Some("x")), (None, false, Some("y"))],
        ];
        for sep in [&b","[..], &b""[..]] {
            let (old, layout) = whole(export(&before, sep));
            for case in cases {
                let after: Vec<Option<&str>> = case.iter().map(|c| c.2).collect();
                let (expected, expected_layout) = whole(export(&after, sep));
                let old_of: Vec<Option<usize>> = case.iter().map(|c| c.0).collect();
                let edited: Vec<usize> = (0..case.len()).filter(|&i| case[i].1).collect();
                // Only the new and edited parts are generated.
                let partial: Vec<Option<&str>> = case.iter().map(|c| if c.0.is_none() || c.1 { c.2 } else { None }).collect();
                let partial = export(&partial, sep);
                assert!(partial.matches(old.len() as u64, &layout, Some(&old_of)));
                let (pieces, new_layout) = partial.splice(&layout, &edited, Some(&old_of));
                assert_eq!(apply(&pieces, &old), expected, "{case:?} with separator {sep:?}");
                assert_eq!(new_layout, expected_layout);
            }
            let beyond = [Some(6)];
            assert!(!export(&[Some("x")], sep).matches(old.len() as u64, &layout, Some(&beyond)), "an index past the old pages");
        }
    }
}
