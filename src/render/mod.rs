//! Turns a loaded [`Site`] into files, in parallel: every page and ownership view (owners,
//! workstreams, parties, matrix), the FAQ ([`faq`]), the 404 page, robots.txt, the sitemap and
//! the exports ([`exports`]: `ownership.json`, `matrix.csv`; [`search`]'s index). A page whose
//! built-in template is unchanged is written by its compiled twin ([`native`]); every other goes
//! through Tera with the context [`contexts`] makes.
//!
//! Template contexts are built from shared, precomputed references (one owner or page reference
//! is computed once and cloned), and every index comes from the one-pass ownership indexes, so
//! nothing here scans all pages per page.

use std::collections::BTreeMap;

use rayon::prelude::*;
use tera::{Context, Tera, Value};

use crate::config::Audience;
use crate::diagnostics::{Diagnostic, Pos};
use crate::output::Sink;
use crate::site::Site;
use crate::theme::ThemeFiles;

mod native;
mod paging;
mod search;

pub use paging::{Paging, ROWS_PER_PAGE, ends_page};

pub use search::SEARCH_INDEX;

use contexts::{
    OwnerRows, RaciGrid, breadcrumb_links, contact_pairs, holdings_by_ws, home_value, matrix_value, owner_value, owners_index, page_value,
    party_value, raci_code, section_value, workstream_value, workstreams_index, ws_brief,
};
pub use exports::{ExportLayouts, Layout, MATRIX_CSV, OWNERSHIP_JSON, OWNERSHIP_SCHEMA_VERSION, PreviousExports, csv_field};
use exports::{sitemap, write_exports};
use faq::{CompactFaq, faq_jsonld, faq_value};
pub use faq::{FAQ_FULL_LIMIT, faq_page_count, faq_paths, sanitize_answer, script_safe_json};

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

// After `obj!`, which they use (a macro is in scope only below its definition).
mod contexts;
mod exports;
mod faq;

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
                    "status": p.fm.status.as_str(), "status_label": p.fm.status.label(),
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
        "client": site.guide_client_name().unwrap_or(""), "version": env!("CARGO_PKG_VERSION"),
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

#[cfg(test)]
mod tests {
    use super::*;

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
}
