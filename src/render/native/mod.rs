//! The default theme's templates that make up almost every byte of a large site — `page.html`,
//! `owner.html`, `workstream.html`, `matrix.html`, `party.html`, `index.html` and `faq.html` in
//! its compact form — with the parts of `base.html` and `components.html` they use, written out
//! as Rust.
//!
//! Interpreting them through Tera, and building their contexts, was about 60 % of a cold
//! build's CPU. These functions write the same bytes straight from the [`Site`], and are used
//! only when every template they stand for is exactly the built-in one
//! ([`Compiled::for_theme`]): a site that overrides one of those files renders the pages using
//! it through Tera as before. The equivalence is a tested contract (`tests/compiled_theme.rs`
//! renders sites both ways and compares every file), so a change to one of these templates
//! must be made here too. Escaping is the function Tera's `fast_escape` calls, so text is
//! escaped identically.

use crate::config::Audience;
use crate::ownership::Owners;
use crate::site::Site;
use crate::theme::ThemeFiles;

mod playbook;
mod views;

pub(crate) use playbook::page;
pub(crate) use views::{faq, index, matrix, owner, party, workstream};

use super::{
    Paging, ROWS_PER_PAGE, RaciGrid, Refs, breadcrumb_links, contact_pairs, faq_jsonld, matrix_listed, matrix_paging, model_label,
    owner_url, page_count, paged_url, pager_links, party_url, raci_code, ws_paging, ws_url,
};

/// Which templates this build may render natively.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Compiled {
    pub index: bool,
    pub party: bool,
    pub faq: bool,
    pub page: bool,
    pub owner: bool,
    pub workstream: bool,
    pub matrix: bool,
}

impl Compiled {
    /// Native rendering for a template is allowed only when the template, `base.html` and
    /// `components.html` are the built-in files, byte for byte.
    pub fn for_theme(theme: &ThemeFiles) -> Compiled {
        if std::env::var_os("DEMARCATE_TERA_ONLY").is_some() {
            return Compiled::default();
        }
        let builtin = |name: &str| {
            let embedded = crate::theme::DEFAULT_THEME.iter().find(|(path, _)| path.strip_prefix("templates/") == Some(name));
            match (theme.templates.get(name), embedded) {
                (Some((_, text)), Some((_, bytes))) => text.as_bytes() == *bytes,
                _ => false,
            }
        };
        let shared = builtin("base.html") && builtin("components.html");
        Compiled {
            index: shared && builtin("index.html"),
            party: shared && builtin("party.html"),
            faq: shared && builtin("faq.html"),
            page: shared && builtin("page.html"),
            owner: shared && builtin("owner.html"),
            workstream: shared && builtin("workstream.html"),
            matrix: shared && builtin("matrix.html"),
        }
    }
}

/// An HTML byte buffer: `raw` text as is, `text` escaped as Tera escapes.
struct Html(Vec<u8>);

impl Html {
    fn raw(&mut self, s: &str) -> &mut Self {
        self.0.extend_from_slice(s.as_bytes());
        self
    }
    fn text(&mut self, s: &str) -> &mut Self {
        // The function `tera::escape_html` calls (feature `fast_escape`), without its `dyn Write`.
        // Writing into a Vec cannot fail.
        let _ = pulldown_cmark_escape::escape_html(pulldown_cmark_escape::IoWriter(&mut self.0), s);
        self
    }
    fn num(&mut self, n: usize) -> &mut Self {
        self.raw(&n.to_string())
    }
}

/// `s` escaped as Tera escapes it.
fn escaped(s: &str) -> String {
    let mut h = Html(Vec::with_capacity(s.len() + 8));
    h.text(s);
    String::from_utf8(h.0).unwrap_or_default()
}

const NONE: &str = r#"<span class="none">&mdash;<span class="visually-hidden">None</span></span>"#;

/// Tera's `capitalize`: the first character upper-cased, the rest lower-cased.
fn capitalize(s: &str) -> String {
    let mut chars = s.chars();
    match chars.next() {
        None => String::new(),
        Some(f) => f.to_uppercase().collect::<String>() + &chars.as_str().to_lowercase(),
    }
}

/// `components.html`'s `side_pill`.
fn side_pill(h: &mut Html, side: &str) {
    match side {
        "client" => h.raw(r#"<span class="side side-client">Client</span>"#),
        "provider" => h.raw(r#"<span class="side side-provider">Provider</span>"#),
        "vendor" => h.raw(r#"<span class="side side-vendor">Vendor</span>"#),
        "shared" => h.raw(r#"<span class="side side-shared">Shared</span>"#),
        "" => h,
        other => h.raw(r#"<span class="side">"#).text(&capitalize(other)).raw("</span>"),
    };
}

/// `components.html`'s `model_tag`.
fn model_tag(h: &mut Html, model: &str) {
    if !model.is_empty() {
        let label = capitalize(&model.replace('-', " ")).replace("Co managed", "Co-managed");
        h.raw(r#"<span class="model model-"#).text(model).raw(r#"">"#).text(&label).raw("</span>");
    }
}

/// `base.html` around a page's content.
struct Frame<'a> {
    /// The `<title>` parts before the site's title, joined by ` · ` (text, escaped here).
    title: &'a [&'a str],
    /// The meta description (text); `None` for the site's.
    description: Option<&'a str>,
    /// Markup for the `head` and `scripts` blocks.
    head: &'a str,
    scripts: &'a str,
    body_class: &'a str,
    current_url: &'a str,
    /// The content replaces base.html's whole `main` block (not just `content` inside it).
    replaces_main: bool,
}

impl<'a> Frame<'a> {
    /// A page with only a title, a body class and a URL of its own.
    fn view(title: &'a [&'a str], body_class: &'a str, current_url: &'a str) -> Frame<'a> {
        Frame { title, description: None, head: "", scripts: "", body_class, current_url, replaces_main: false }
    }
}

/// A whole page: `base.html` around `content`, in a buffer of `capacity` bytes to start with.
fn document(site: &Site, refs: &Refs, f: &Frame, capacity: usize, content: &dyn Fn(&mut Html)) -> Vec<u8> {
    let mut h = Html(Vec::with_capacity(capacity));
    base(&mut h, site, refs, f, content);
    h.0
}

fn base(h: &mut Html, site: &Site, refs: &Refs, f: &Frame, content: &dyn Fn(&mut Html)) {
    let internal = site.audience == Audience::Internal;
    h.raw("<!doctype html>\n<html lang=\"").text(&site.cfg.config.language).raw(
        "\">\n<head>\n  <meta charset=\"utf-8\">\n  <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n  <title>",
    );
    for part in f.title {
        h.text(part).raw(" · ");
    }
    h.text(&site.title).raw("</title>\n  <meta name=\"description\" content=\"").text(f.description.unwrap_or(&site.description));
    h.raw("\">\n  <meta name=\"color-scheme\" content=\"light dark\">\n  <meta name=\"generator\" content=\"demarcate ")
        .text(env!("CARGO_PKG_VERSION"))
        .raw("\">");
    if internal {
        h.raw("\n  <meta name=\"robots\" content=\"noindex, nofollow\">");
    }
    h.raw("\n  <link rel=\"icon\" href=\"")
        .text(&site.base_path)
        .raw("static/favicon.svg\" type=\"image/svg+xml\">\n  <link rel=\"stylesheet\" href=\"")
        .text(&site.base_path)
        .raw("static/style.css\">");
    h.raw(f.head);
    h.raw("\n</head>\n<body class=\"audience-")
        .text(site.audience.as_str())
        .raw(f.body_class)
        .raw("\">\n  <a class=\"skip-link\" href=\"#main\">Skip to main content</a>\n  <header class=\"site-header\">");
    if internal {
        h.raw("\n    <p class=\"audience-banner\"><span class=\"wrap\"><strong>Internal runbook</strong> — includes contact details and internal notes. Do not forward to clients.</span></p>");
    }
    h.raw("\n    <div class=\"wrap header-inner\">\n      <a class=\"brand\" href=\"").text(&site.base_path).raw("\"");
    if f.current_url == site.base_path {
        h.raw(" aria-current=\"page\"");
    }
    h.raw(">\n        <svg class=\"brand-mark\" viewBox=\"0 0 32 32\" width=\"28\" height=\"28\" aria-hidden=\"true\" focusable=\"false\"><rect width=\"32\" height=\"32\" rx=\"7\" fill=\"currentColor\" opacity=\".14\"/><rect x=\"7\" y=\"9\" width=\"7\" height=\"14\" rx=\"1.5\" fill=\"#5fd0c4\"/><rect x=\"18\" y=\"9\" width=\"7\" height=\"14\" rx=\"1.5\" fill=\"#a9c1f5\"/></svg>\n        <span class=\"brand-name\">")
        .text(&site.title)
        .raw("</span>\n      </a>");
    if !refs.nav_links.is_empty() {
        h.raw("\n      <nav class=\"site-nav\" aria-label=\"Main\">\n        <ul>");
        for (title, url) in &refs.nav_links {
            h.raw("\n          <li><a href=\"").text(url).raw("\"");
            if f.current_url == url {
                h.raw(" aria-current=\"page\"");
            } else if *url != site.base_path && f.current_url.starts_with(url.as_str()) {
                h.raw(" aria-current=\"true\"");
            }
            h.raw(">").text(title).raw("</a></li>");
        }
        h.raw("\n        </ul>\n      </nav>");
    }
    // Every page but the search page itself offers the search: it opens that page with the words.
    if f.current_url.strip_prefix(site.base_path.as_str()) != Some("search/") {
        h.raw("\n      <form class=\"header-search\" action=\"")
            .text(&site.base_path)
            .raw("search/\" method=\"get\" role=\"search\">\n        <label class=\"visually-hidden\" for=\"header-search-input\">Search playbooks</label>\n        <input id=\"header-search-input\" name=\"q\" type=\"search\" autocomplete=\"off\" spellcheck=\"false\" placeholder=\"Search\">\n      </form>");
    }
    h.raw("\n    </div>\n  </header>\n  <main id=\"main\" class=\"site-main\" tabindex=\"-1\">");
    if f.replaces_main {
        content(h);
    } else {
        h.raw("\n    <div class=\"wrap\">");
        content(h);
        h.raw("\n    </div>");
    }
    h.raw("\n  </main>\n  <footer class=\"site-footer\">\n    <div class=\"wrap footer-inner\">\n      <p class=\"footer-site\">")
        .text(&site.title)
        .raw(" · <span class=\"footer-audience\">")
        .raw(if internal { "Internal edition" } else { "Client edition" });
    if let Some(client) = site.guide_client_name().filter(|_| !internal) {
        h.raw(" for ").text(client);
    }
    h.raw("</span></p>\n      <p class=\"footer-built\">Built with demarcate ")
        .text(env!("CARGO_PKG_VERSION"))
        .raw("</p>\n    </div>\n  </footer>");
    h.raw(f.scripts);
    h.raw("\n</body>\n</html>\n");
}

/// Each workstream's id, name and list URL, escaped once per build: every playbook row and
/// every RACI line shows them.
pub(crate) struct WsTexts(Parts);

impl WsTexts {
    pub(crate) fn of(site: &Site) -> WsTexts {
        let mut parts = PartsWriter::new(site.reg.workstreams.len(), 3, 96);
        for (w, (id, ws)) in site.reg.workstreams.iter().enumerate() {
            parts.html.text(id);
            parts.end();
            parts.html.text(&ws.name);
            parts.end();
            parts.html.text(&ws_url(site, w));
            parts.end();
        }
        WsTexts(parts.finish())
    }
    fn id(&self, w: usize) -> &str {
        self.0.get(w, 0)
    }
    fn name(&self, w: usize) -> &str {
        self.0.get(w, 1)
    }
    fn url(&self, w: usize) -> &str {
        self.0.get(w, 2)
    }
}

/// A workstream's name linked to its row on the same playbook page.
fn ws_row_link(h: &mut Html, refs: &Refs, w: usize) {
    let t = &refs.ws_texts;
    h.raw("<a href=\"#ws-").raw(t.id(w)).raw("\">").raw(t.name(w)).raw("</a>");
}

/// `owner_url`, escaped.
fn owner_href(h: &mut Html, refs: &Refs, o: usize) {
    h.raw(refs.owner_texts.href(o));
}

fn owner_link(h: &mut Html, refs: &Refs, o: usize) {
    let t = &refs.owner_texts;
    h.raw("<a class=\"owner\" href=\"").raw(t.href(o)).raw("\">").raw(t.name(o)).raw("</a>");
}

/// Tera's `capitalize` of a side, without allocating for the known ones.
fn side_label(side: &str) -> std::borrow::Cow<'static, str> {
    match side {
        "client" => "Client".into(),
        "provider" => "Provider".into(),
        "vendor" => "Vendor".into(),
        "shared" => "Shared".into(),
        "unassigned" => "Unassigned".into(),
        other => capitalize(other).into(),
    }
}

/// A row's coverage in words, or the "none" mark.
fn coverage(h: &mut Html, hours: Option<crate::config::Hours>) {
    match hours {
        Some(c) => h.text(c.label()),
        None => h.raw(NONE),
    };
}

/// An owner with the name of their party, or `absent` when there is none.
fn owner_with_party(h: &mut Html, site: &Site, refs: &Refs, o: Option<usize>, absent: &str) {
    let Some(o) = o else {
        h.raw(absent);
        return;
    };
    owner_link(h, refs, o);
    if site.reg.owner_party[o].is_some() {
        h.raw("<span class=\"owner-party\">").raw(refs.owner_texts.party(o)).raw("</span>");
    }
}

fn owner_items(h: &mut Html, refs: &Refs, list: Owners, tag: &str) {
    if list.is_empty() {
        h.raw(NONE);
        return;
    }
    h.raw(tag);
    for o in list {
        h.raw("<li>");
        owner_link(h, refs, o);
        h.raw("</li>");
    }
    h.raw(if tag.starts_with("<ol") { "</ol>" } else { "</ul>" });
}

/// An owner's name linked to their page, then their party's name if they have one (the RACI
/// tables' owner headings).
fn owner_and_party(h: &mut Html, refs: &Refs, o: usize, party: Option<(&str, &str)>) {
    h.raw("<a href=\"");
    owner_href(h, refs, o);
    h.raw("\">").raw(refs.owner_texts.name(o)).raw("</a>");
    if let Some((name, _)) = party {
        h.raw("<span class=\"owner-party\">").text(name).raw("</span>");
    }
}

/// An owner's party: (name, kind), if the owner has one.
fn party_of(site: &Site, o: usize) -> Option<(&str, &str)> {
    site.reg.owner_party[o].map(|p| (site.reg.parties[p].1.name.as_str(), site.reg.parties[p].1.kind.as_str()))
}

/// `components.html`'s `view_crumbs`: Home, the nav entry the page sits under, the page.
fn view_crumbs(h: &mut Html, site: &Site, refs: &Refs, title: &str, current_url: &str) {
    h.raw("<nav class=\"breadcrumbs\" aria-label=\"Breadcrumb\">\n  <ol>\n    <li><a href=\"")
        .text(&site.base_path)
        .raw("\">Home</a></li>");
    for (t, url) in &refs.nav_links {
        if *url != site.base_path && url != current_url && current_url.starts_with(url.as_str()) {
            h.raw("\n    <li><a href=\"").text(url).raw("\">").text(t).raw("</a></li>");
        }
    }
    h.raw("\n    <li><span aria-current=\"page\">").text(title).raw("</span></li>\n  </ol>\n</nav>");
}

/// Contact entries, linked where they are addresses, one per line.
fn contacts(h: &mut Html, list: &[(&str, String)]) {
    for (k, (label, href)) in list.iter().enumerate() {
        if href.is_empty() {
            h.text(label);
        } else {
            h.raw("<a href=\"").text(href).raw("\">").text(label).raw("</a>");
        }
        if k + 1 < list.len() {
            h.raw("<br>");
        }
    }
}

/// `components.html`'s `pager` for page `k` of a list cut as `paging`, starting at `first`.
fn pager(h: &mut Html, first: &str, k: usize, paging: &Paging, label: &str) {
    let count = paging.count();
    if count <= 1 {
        return;
    }
    h.raw("<nav class=\"pager\" aria-label=\"").text(label).raw("\">\n  <p class=\"pager-status\">Page ").num(k + 1).raw(" of ").num(count);
    if k == 0 {
        h.raw(" · ").num(paging.total()).raw(" rows in all");
    }
    h.raw("</p>\n  <ul>");
    if k > 0 {
        h.raw("<li><a href=\"").text(&paged_url(first, k - 1)).raw("\" rel=\"prev\">Previous</a></li>");
    }
    for link in pager_links(count, k) {
        match link {
            None => h.raw("<li class=\"pager-gap\" aria-hidden=\"true\">…</li>"),
            Some(j) if j == k => h.raw("<li><span aria-current=\"page\">").num(j + 1).raw("</span></li>"),
            Some(j) => h.raw("<li><a href=\"").text(&paged_url(first, j)).raw("\">").num(j + 1).raw("</a></li>"),
        };
    }
    if k + 1 < count {
        h.raw("<li><a href=\"").text(&paged_url(first, k + 1)).raw("\" rel=\"next\">Next</a></li>");
    }
    h.raw("\n  </ul>\n</nav>");
}

/// What list views repeat of a playbook, escaped once per build (a playbook appears on about
/// forty owner pages, its workstreams' lists and the matrix).
#[derive(Clone, Copy)]
pub(crate) struct Listed<'a> {
    /// Base path and path: the page's URL.
    href: &'a str,
    title: &'a str,
    /// The client's name, if the playbook has a client.
    client: Option<&'a str>,
    /// The operating model as `model_tag` shows it, empty without one.
    model: &'a str,
    /// A playbook not in force: its badge with a space before it
    /// ([`crate::content::Status::badge`]), else empty.
    status: &'a str,
}

/// Escaped strings kept end to end in one buffer, `per` of them for each item: the views read
/// them item after item, so reading streams through the buffer instead of chasing an
/// allocation per string (at 100,000 playbooks, four strings a playbook had the owner pages
/// waiting on memory for most of their time).
struct Parts {
    text: String,
    ends: Vec<usize>,
    per: usize,
}

/// Writes a [`Parts`].
struct PartsWriter {
    html: Html,
    ends: Vec<usize>,
    per: usize,
}

impl PartsWriter {
    fn new(items: usize, per: usize, bytes_each: usize) -> PartsWriter {
        PartsWriter { html: Html(Vec::with_capacity(items * bytes_each)), ends: Vec::with_capacity(items * per), per }
    }
    /// Ends the current part: what was written since the last call.
    fn end(&mut self) {
        self.ends.push(self.html.0.len());
    }
    fn finish(self) -> Parts {
        // `Html` writes whole `&str`s, so the buffer is UTF-8 and every end is a char boundary.
        Parts { text: String::from_utf8(self.html.0).unwrap_or_default(), ends: self.ends, per: self.per }
    }
}

impl Parts {
    /// Part `k` of item `i`.
    fn get(&self, i: usize, k: usize) -> &str {
        let n = i * self.per + k;
        self.text.get(self.start(n)..self.ends[n]).unwrap_or_default()
    }

    /// Where part `n` (counting every item's parts in turn) starts: where the one before ends.
    fn start(&self, n: usize) -> usize {
        n.checked_sub(1).and_then(|m| self.ends.get(m)).copied().unwrap_or(0)
    }

    /// Starts loading the first `bytes` of each of `items`' texts: where they start first, for
    /// all of them, so that those waits overlap, then the texts.
    fn prefetch_items(&self, items: impl Iterator<Item = usize> + Clone, bytes: usize) {
        items.clone().for_each(|i| self.prefetch_ends(i));
        items.for_each(|i| self.prefetch_text(i, bytes));
    }

    /// Starts loading where item `i`'s parts end: the first step of [`Parts::prefetch_text`],
    /// taken far enough ahead that its ends are in cache by then.
    fn prefetch_ends(&self, i: usize) {
        if let Some(end) = self.ends.get((i * self.per).saturating_sub(1)) {
            prefetch(end);
        }
    }

    /// Starts loading the first `bytes` of item `i`'s text (the ends it reads should have been
    /// prefetched a few items before).
    fn prefetch_text(&self, i: usize, bytes: usize) {
        let start = self.start(i * self.per);
        let text = self.text.as_bytes();
        for line in (start..(start + bytes).min(text.len())).step_by(64) {
            prefetch(&text[line]);
        }
    }
}

/// Asks the CPU to bring `at`'s cache line in without waiting for it. Rows of an owner page
/// read the [`Listing`] of playbooks spread over the whole site: at 100,000 playbooks that table
/// (16 MB) no longer stays cached, and each row waited on memory twice. Prefetching a few rows
/// ahead overlaps those waits. Elsewhere than x86-64 this does nothing.
#[inline(always)]
fn prefetch<T>(at: &T) {
    #[cfg(target_arch = "x86_64")]
    {
        use std::arch::x86_64::{_MM_HINT_T0, _mm_prefetch};
        // SAFETY: SSE is part of x86-64's baseline; a prefetch only hints at a line to load, it
        // never faults, and `at` is a live reference anyway.
        unsafe { _mm_prefetch::<_MM_HINT_T0>((at as *const T).cast::<i8>()) }
    }
    #[cfg(not(target_arch = "x86_64"))]
    let _ = at;
}

/// Every page's [`Listed`] parts, in page order.
pub(crate) struct Listing {
    parts: Parts,
    has_client: Vec<bool>,
}

impl Listing {
    /// How far ahead [`Listing::prefetch`] is told to look, in rows: its first step is taken
    /// twice as far ahead as its second.
    const AHEAD: usize = 4;

    /// Prefetches for a loop reading `pages` in turn, at its `r`th: the ends of the page
    /// `2 * AHEAD` rows on and the text of the page `AHEAD` rows on.
    fn prefetch(&self, pages: impl Fn(usize) -> Option<usize>, r: usize) {
        if let Some(p) = pages(r + 2 * Self::AHEAD) {
            self.parts.prefetch_ends(p);
        }
        if let Some(p) = pages(r + Self::AHEAD) {
            self.parts.prefetch_text(p, 128);
        }
    }

    fn get(&self, p: usize) -> Listed<'_> {
        let part = |k: usize| self.parts.get(p, k);
        Listed { href: part(0), title: part(1), client: self.has_client[p].then(|| part(2)), model: part(3), status: part(4) }
    }
}

/// The [`Listing`] of every page, made on first use.
fn listed<'r>(site: &Site, refs: &'r Refs) -> &'r Listing {
    refs.listed.get_or_init(|| {
        let mut parts = PartsWriter::new(site.pages.len(), 5, 128);
        let mut has_client = Vec::with_capacity(site.pages.len());
        for (p, page) in site.pages.iter().enumerate() {
            parts.html.text(&site.url(p));
            parts.end();
            parts.html.text(&page.title);
            parts.end();
            let client = site.own.client.get(p).copied().flatten();
            if let Some(c) = client {
                parts.html.text(&site.reg.parties[c].1.name);
            }
            has_client.push(client.is_some());
            parts.end();
            if let Some(m) = page.fm.model.as_deref().filter(|m| !m.is_empty()) {
                parts.html.raw("<span class=\"model model-").text(m).raw("\">").text(&model_label(m)).raw("</span>");
            }
            parts.end();
            parts.html.raw(&page.fm.status.badge());
            parts.end();
        }
        Listing { parts: parts.finish(), has_client }
    })
}

/// Each owner's page URL, name and party name, escaped once per build: owner links are the
/// most frequent markup on every view (about 150 on a playbook page).
pub(crate) struct OwnerTexts(Parts);

impl OwnerTexts {
    pub(crate) fn of(site: &Site) -> OwnerTexts {
        let mut parts = PartsWriter::new(site.reg.owners.len(), 3, 96);
        for (o, (id, owner)) in site.reg.owners.iter().enumerate() {
            parts.html.text(&site.base_path).raw("owners/").text(id).raw("/");
            parts.end();
            parts.html.text(&owner.name);
            parts.end();
            if let Some(p) = site.reg.owner_party[o] {
                parts.html.text(&site.reg.parties[p].1.name);
            }
            parts.end();
        }
        OwnerTexts(parts.finish())
    }
    /// Starts loading the texts of `owners`, the dozens to thousands a page is about to link:
    /// past a few thousand owners the table no longer stays cached, and each link waited on
    /// memory twice, once for where its texts start and once for the texts. All the starts are
    /// asked for first, so the waits overlap instead of following one another.
    pub(crate) fn prefetch(&self, owners: impl Iterator<Item = usize> + Clone) {
        self.0.prefetch_items(owners, 64);
    }
    fn href(&self, o: usize) -> &str {
        self.0.get(o, 0)
    }
    fn name(&self, o: usize) -> &str {
        self.0.get(o, 1)
    }
    /// The name of the owner's party, empty without one.
    fn party(&self, o: usize) -> &str {
        self.0.get(o, 2)
    }
}

/// The playbook cell of a list row: title linked to the page (and `anchor`, if any), then
/// client and operating model.
fn playbook_cell(h: &mut Html, item: &Listed, anchor: &str, client_sep: &str) {
    h.raw("<th scope=\"row\"><a href=\"").raw(item.href);
    if !anchor.is_empty() {
        h.raw("#").text(anchor);
    }
    h.raw("\">").raw(item.title).raw("</a><span class=\"row-sub\">");
    if let Some(client) = &item.client {
        h.raw(client).raw(client_sep);
    }
    h.raw(item.model).raw(item.status).raw("</span></th>");
}

/// `components.html`'s `page_card` (with the client shown) for playbook `p`.
fn page_card(h: &mut Html, site: &Site, item: &Listed, p: usize) {
    let page = &site.pages[p];
    h.raw("<article class=\"card page-card\">\n  <h3 class=\"card-title\"><a href=\"").raw(item.href).raw("\">").raw(item.title);
    h.raw("</a></h3>\n  <p class=\"card-meta\">");
    if let Some(client) = &item.client {
        h.raw("<span>").raw(client).raw("</span>");
    }
    // `model_tag`, not the list views' `model_label`: the two spell some models differently.
    model_tag(h, page.fm.model.as_deref().unwrap_or(""));
    h.raw(item.status);
    if page.audience == Audience::Internal {
        h.raw(" <span class=\"badge-internal\">Internal only</span>");
    }
    h.raw("</p>");
    if let Some(summary) = page.fm.summary.as_deref().filter(|s| !s.is_empty()) {
        h.raw("\n  <p class=\"card-summary\">").text(summary).raw("</p>");
    }
    let updated = page.fm.updated.as_deref().unwrap_or("");
    let tags = &page.fm.tags.0;
    if !updated.is_empty() || !tags.is_empty() {
        h.raw("\n  <p class=\"card-foot\">");
        if !updated.is_empty() {
            h.raw("<span>Updated <time datetime=\"").text(updated).raw("\">").text(updated).raw("</time></span>");
        }
        if !tags.is_empty() {
            h.raw("<span class=\"tags\" role=\"group\" aria-label=\"Tags\">");
            for t in tags {
                h.raw("<span class=\"tag\">").text(t).raw("</span>");
            }
            h.raw("</span>");
        }
        h.raw("</p>");
    }
    h.raw("\n</article>");
}

#[cfg(test)]
mod tests {
    use super::{Html, PartsWriter};

    /// Prefetching looks ahead of the rows being written, so it is asked about items past the
    /// last one and about the first (whose start is not in `ends`); it must neither panic nor
    /// change what is read.
    #[test]
    fn prefetching_at_the_edges_of_a_parts_table_reads_nothing_wrong() {
        let mut w = PartsWriter::new(3, 2, 8);
        for (a, b) in [("first", "<1>"), ("", "second"), ("third & last", "")] {
            w.html.text(a);
            w.end();
            w.html.text(b);
            w.end();
        }
        let parts = w.finish();
        let edges = [0, 1, 2, 3, 17, usize::MAX / 4];
        for i in edges {
            parts.prefetch_ends(i);
            parts.prefetch_text(i, 256);
        }
        parts.prefetch_items(edges.into_iter(), 256);
        let read: Vec<&str> = (0..3).flat_map(|i| [parts.get(i, 0), parts.get(i, 1)]).collect();
        assert_eq!(read, ["first", "&lt;1&gt;", "", "second", "third &amp; last", ""]);
    }

    /// `Html::text` calls pulldown-cmark-escape directly; Tera must still escape the same way.
    #[test]
    fn text_is_escaped_exactly_as_tera_escapes() {
        let long = "a <b> & \"c\" 'd' / é — ✓ ".repeat(9);
        for s in ["", "plain", "<script>alert('x')</script>", "a & b", "\"quoted\"", "it's / ok", "é — ✓ <>", long.as_str()] {
            let mut tera = Vec::new();
            tera::escape_html(s, &mut tera).unwrap();
            let mut ours = Html(Vec::new());
            ours.text(s);
            assert_eq!(String::from_utf8(ours.0).unwrap(), String::from_utf8(tera).unwrap(), "{s:?}");
        }
    }
}
