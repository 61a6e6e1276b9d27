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
//! must be made here too. Escaping is Tera's own function, so text is escaped identically.

use crate::config::Audience;
use crate::site::Site;
use crate::theme::ThemeFiles;

use super::{
    FAQ_FULL_LIMIT, ROWS_PER_PAGE, RaciGrid, Refs, breadcrumb_links, contact_pairs, faq_jsonld, faq_topics, model_label, owner_counts,
    owner_url, page_count, paged_url, party_url, raci_code, unique_questions, ws_url,
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
        // Writing into a Vec cannot fail.
        let _ = tera::escape_html(s, &mut self.0);
        self
    }
    fn num(&mut self, n: usize) -> &mut Self {
        self.raw(&n.to_string())
    }
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
    title: &'a dyn Fn(&mut Html),
    description: &'a dyn Fn(&mut Html),
    head: &'a dyn Fn(&mut Html),
    body_class: &'a str,
    current_url: &'a str,
    /// The content replaces base.html's whole `main` block (not just `content` inside it).
    replaces_main: bool,
    scripts: &'a dyn Fn(&mut Html),
}

fn base(h: &mut Html, site: &Site, refs: &Refs, f: &Frame, content: &dyn Fn(&mut Html)) {
    let internal = site.audience == Audience::Internal;
    h.raw("<!doctype html>\n<html lang=\"").text(&site.cfg.config.language).raw(
        "\">\n<head>\n  <meta charset=\"utf-8\">\n  <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n  <title>",
    );
    (f.title)(h);
    h.raw("</title>\n  <meta name=\"description\" content=\"");
    (f.description)(h);
    h.raw("\">\n  <meta name=\"color-scheme\" content=\"light dark\">\n  <meta name=\"generator\" content=\"demarcate ")
        .text(env!("CARGO_PKG_VERSION"))
        .raw("\">");
    if internal {
        h.raw("\n  <meta name=\"robots\" content=\"noindex, nofollow\">");
    }
    h.raw("\n  <link rel=\"icon\" href=\"data:image/svg+xml,%3Csvg%20xmlns='http://www.w3.org/2000/svg'%20viewBox='0%200%2032%2032'%3E%3Crect%20width='32'%20height='32'%20rx='7'%20fill='%2313294b'/%3E%3Crect%20x='7'%20y='9'%20width='7'%20height='14'%20rx='1.5'%20fill='%235fd0c4'/%3E%3Crect%20x='18'%20y='9'%20width='7'%20height='14'%20rx='1.5'%20fill='%23a9c1f5'/%3E%3C/svg%3E\">\n  <link rel=\"stylesheet\" href=\"")
        .text(&site.base_path)
        .raw("static/style.css\">");
    (f.head)(h);
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
        .raw(if internal {
            " · <span class=\"footer-audience\">Internal edition</span>"
        } else {
            " · <span class=\"footer-audience\">Client edition</span>"
        })
        .raw("</p>\n      <p class=\"footer-built\">Built with demarcate ")
        .text(env!("CARGO_PKG_VERSION"))
        .raw("</p>\n    </div>\n  </footer>");
    (f.scripts)(h);
    h.raw("\n</body>\n</html>\n");
}

/// `owner_url`, written in place: owner links are the most frequent markup on every view.
fn owner_href(h: &mut Html, site: &Site, o: usize) {
    h.text(&site.base_path).raw("owners/").text(&site.reg.owners[o].0).raw("/");
}

fn owner_link(h: &mut Html, site: &Site, o: usize) {
    h.raw("<a class=\"owner\" href=\"");
    owner_href(h, site, o);
    h.raw("\">").text(&site.reg.owners[o].1.name).raw("</a>");
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

/// An owner with the name of their party, or `absent` when there is none.
fn owner_with_party(h: &mut Html, site: &Site, o: Option<usize>, absent: &str) {
    let Some(o) = o else {
        h.raw(absent);
        return;
    };
    owner_link(h, site, o);
    if let Some(p) = site.reg.owner_party[o] {
        h.raw("<span class=\"owner-party\">").text(&site.reg.parties[p].1.name).raw("</span>");
    }
}

fn owner_items(h: &mut Html, site: &Site, list: &[usize], tag: &str) {
    if list.is_empty() {
        h.raw(NONE);
        return;
    }
    h.raw(tag);
    for &o in list {
        h.raw("<li>");
        owner_link(h, site, o);
        h.raw("</li>");
    }
    h.raw(if tag.starts_with("<ol") { "</ol>" } else { "</ul>" });
}

/// An owner's party: (name, kind), if the owner has one.
fn party_of(site: &Site, o: usize) -> Option<(&str, &str)> {
    site.reg.owner_party[o].map(|p| (site.reg.parties[p].1.name.as_str(), site.reg.parties[p].1.kind.as_str()))
}

/// `page.html` for playbook `i` (not a section).
pub(crate) fn page(site: &Site, refs: &Refs, i: usize) -> Vec<u8> {
    let p = &site.pages[i];
    let summary = p.fm.summary.as_deref().unwrap_or("");
    let url = site.url(i);
    let jsonld = faq_jsonld(site, i);
    let frame = Frame {
        title: &|h| {
            h.text(&p.title).raw(" · ").text(&site.title);
        },
        description: &|h| {
            h.text(if summary.is_empty() { &site.description } else { summary });
        },
        head: &|h| {
            if !jsonld.is_empty() {
                h.raw("\n  <script type=\"application/ld+json\">").raw(&jsonld).raw("</script>");
            }
        },
        body_class: " page-playbook",
        current_url: &url,
        replaces_main: false,
        scripts: &|_| {},
    };
    let mut h = Html(Vec::with_capacity(64 * 1024));
    base(&mut h, site, refs, &frame, &|h| page_content(h, site, i, &url));
    h.0
}

fn page_content(h: &mut Html, site: &Site, i: usize, url: &str) {
    let p = &site.pages[i];
    let r = site.rendered[i].as_ref();
    let rows = &site.own.rows[i];
    let toc: &[crate::markdown::TocEntry] = r.map(|r| r.toc.as_slice()).unwrap_or(&[]);
    let sides: Vec<&str> = rows.iter().map(|row| row.side(&site.reg)).collect();
    let count = |side: &str| sides.iter().filter(|s| **s == side).count();
    let (n_client, n_provider, n_vendor, n_shared) = (count("client"), count("provider"), count("vendor"), count("shared"));
    let n_total = n_client + n_provider + n_vendor + n_shared;
    let faq_title = if toc.iter().any(|t| t.id.starts_with("faq-")) { "More questions" } else { "Frequently asked questions" };
    let client = site.own.client[i];
    let internal = p.audience == Audience::Internal && site.audience == Audience::Internal;
    let faqs: Vec<&crate::site::FaqItem> = site.faqs[i].iter().filter(|f| !f.inline).collect();
    let plural = |n: usize| if n == 1 { "" } else { "s" };

    h.raw("\n<article class=\"playbook\">\n  ");
    let crumbs = breadcrumb_links(site, i);
    h.raw("<nav class=\"breadcrumbs\" aria-label=\"Breadcrumb\">\n  <ol>");
    for (title, link) in &crumbs {
        if link == url {
            h.raw("\n    <li><span aria-current=\"page\">").text(title).raw("</span></li>");
        } else {
            h.raw("\n    <li><a href=\"").text(link).raw("\">").text(title).raw("</a></li>");
        }
    }
    if crumbs.last().is_some_and(|(_, link)| link != url) {
        h.raw("\n    <li><span aria-current=\"page\">").text(&p.title).raw("</span></li>");
    }
    h.raw("\n  </ol>\n</nav>\n\n  <header class=\"page-header playbook-header\">\n    <div class=\"page-heading\">\n      <p class=\"eyebrow\">");
    if let Some(c) = client {
        h.text(&site.reg.parties[c].1.name).raw(" · ");
    }
    h.raw("Service-boundary playbook</p>\n      <h1>").text(&p.title).raw("</h1>");
    if internal || p.fm.draft {
        h.raw("\n      <p class=\"flags\">");
        if internal {
            h.raw("<span class=\"badge-internal\">Internal only</span>");
        }
        if p.fm.draft {
            h.raw(" <span class=\"badge-draft\">Draft</span>");
        }
        h.raw("\n      </p>");
    }
    let summary = p.fm.summary.as_deref().unwrap_or("");
    if !summary.is_empty() {
        h.raw("\n      <p class=\"lede\">").text(summary).raw("</p>");
    }
    h.raw("\n      <dl class=\"meta\">");
    if let Some(c) = client {
        h.raw("\n        <div><dt>Client</dt><dd><a href=\"")
            .text(&party_url(site, c))
            .raw("\">")
            .text(&site.reg.parties[c].1.name)
            .raw("</a></dd></div>");
    }
    let model = p.fm.model.as_deref().unwrap_or("");
    if !model.is_empty() {
        h.raw("\n        <div><dt>Operating model</dt><dd>");
        model_tag(h, model);
        h.raw("</dd></div>");
    }
    for (label, date) in [("Last updated", &p.fm.updated), ("Review by", &p.fm.review_by)] {
        if let Some(d) = date.as_deref().filter(|d| !d.is_empty()) {
            h.raw("\n        <div><dt>").raw(label).raw("</dt><dd><time datetime=\"").text(d).raw("\">").text(d).raw("</time></dd></div>");
        }
    }
    if !p.fm.compliance.0.is_empty() {
        h.raw("\n        <div><dt>Compliance</dt><dd><ul class=\"frameworks\">");
        for c in &p.fm.compliance.0 {
            h.raw("<li class=\"framework\">").text(c).raw("</li>");
        }
        h.raw("</ul></dd></div>");
    }
    if !p.fm.tags.0.is_empty() {
        h.raw("\n        <div class=\"meta-tags\"><dt>Tags</dt><dd><ul class=\"tags\">");
        for t in &p.fm.tags.0 {
            h.raw("<li class=\"tag\">").text(t).raw("</li>");
        }
        h.raw("</ul></dd></div>");
    }
    h.raw("\n      </dl>\n    </div>\n\n    <nav class=\"toc\" aria-labelledby=\"toc-title\">\n      <h2 id=\"toc-title\" class=\"toc-title\">On this page</h2>\n      <ol>");
    if !rows.is_empty() {
        h.raw("\n        <li><a href=\"#playbook-boundary\">Boundary at a glance</a></li>\n        <li><a href=\"#playbook-ownership\">Ownership by workstream</a></li>");
        // The RACI grid has one row per ownership row.
        h.raw("\n        <li><a href=\"#playbook-raci\">RACI matrix</a></li>");
    }
    let toc_depth = if toc.len() <= 8 { 3 } else { 2 };
    for t in toc.iter().filter(|t| t.level <= toc_depth) {
        h.raw("\n        <li class=\"toc-l")
            .num(usize::from(t.level))
            .raw("\"><a href=\"#")
            .text(&t.id)
            .raw("\">")
            .text(&t.title)
            .raw("</a></li>");
    }
    if !faqs.is_empty() {
        h.raw("\n        <li><a href=\"#playbook-faq\">").raw(faq_title).raw("</a></li>");
    }
    if !p.fm.sources.is_empty() {
        h.raw("\n        <li><a href=\"#playbook-sources\">Sources</a></li>");
    }
    h.raw("\n      </ol>\n    </nav>\n  </header>");

    if !rows.is_empty() {
        h.raw("\n  <section class=\"block boundary\" aria-labelledby=\"playbook-boundary\">\n    <h2 id=\"playbook-boundary\">Boundary at a glance <a class=\"anchor\" href=\"#playbook-boundary\" aria-label=\"Link to this section\">#</a></h2>\n    <p class=\"block-intro\">\n      ")
            .num(n_total)
            .raw(" workstream")
            .raw(plural(n_total))
            .raw(":\n      ")
            .num(n_client)
            .raw(" with the client, ")
            .num(n_provider)
            .raw(" with the provider");
        if n_vendor > 0 {
            h.raw(", ").num(n_vendor).raw(" with a vendor");
        }
        if n_shared > 0 {
            h.raw(", ").num(n_shared).raw(" shared");
        }
        h.raw(".\n      The side is where the work is done (the responsible owners); a shared workstream has responsible owners on more than one side, and the ownership table says how they split it.\n    </p>");
        if n_total > 0 {
            h.raw("\n    <div class=\"boundary-bar\" aria-hidden=\"true\">");
            for (side, n) in [("client", n_client), ("shared", n_shared), ("provider", n_provider), ("vendor", n_vendor)] {
                if n > 0 {
                    h.raw("<span class=\"seg seg-").raw(side).raw("\" style=\"flex-grow: ").num(n).raw("\"></span>");
                }
            }
            h.raw("\n    </div>");
        }
        h.raw("\n    <div class=\"boundary-grid\">");
        for side in ["client", "shared", "provider", "vendor"] {
            let items: Vec<usize> = rows.iter().zip(&sides).filter(|(_, s)| **s == side).map(|(row, _)| row.ws).collect();
            if items.is_empty() && side != "client" && side != "provider" {
                continue;
            }
            h.raw("\n      <div class=\"boundary-col boundary-").raw(side).raw("\">\n        <h3 class=\"boundary-head\">");
            side_pill(h, side);
            h.raw(" <span class=\"boundary-count\">").num(items.len()).raw(" workstream").raw(plural(items.len())).raw("</span></h3>");
            if items.is_empty() {
                h.raw("\n        <p class=\"muted\">None in this playbook.</p>");
            } else {
                h.raw("\n        <ul>");
                for w in items {
                    let (wid, ws) = &site.reg.workstreams[w];
                    h.raw("\n          <li><a href=\"#ws-").text(wid).raw("\">").text(&ws.name).raw("</a></li>");
                }
                h.raw("\n        </ul>");
            }
            h.raw("\n      </div>");
        }
        h.raw("\n    </div>\n  </section>\n\n  <section class=\"block ownership\" aria-labelledby=\"playbook-ownership\">\n    <h2 id=\"playbook-ownership\">Ownership by workstream <a class=\"anchor\" href=\"#playbook-ownership\" aria-label=\"Link to this section\">#</a></h2>\n    <div class=\"table-wrap\" role=\"region\" aria-labelledby=\"ownership-caption\" tabindex=\"0\">\n      <table class=\"data ownership-table\">\n        <caption id=\"ownership-caption\">Who is accountable, who does the work and how issues escalate, by workstream</caption>\n        <thead>\n          <tr>\n            <th scope=\"col\">Workstream</th>\n            <th scope=\"col\">Accountable</th>\n            <th scope=\"col\">Responsible</th>\n            <th scope=\"col\">Consulted</th>\n            <th scope=\"col\">Informed</th>\n            <th scope=\"col\">Coverage</th>\n            <th scope=\"col\">After-hours</th>\n            <th scope=\"col\">Escalation chain</th>\n            <th scope=\"col\">Handoff</th>\n          </tr>\n        </thead>\n        <tbody>");
        for (n, (row, side)) in rows.iter().zip(&sides).enumerate() {
            let (wid, ws) = &site.reg.workstreams[row.ws];
            let (handoff, notes) = site.row_html(i, n);
            h.raw("\n<tr id=\"ws-")
                .text(wid)
                .raw("\" class=\"row-side-")
                .text(side)
                .raw("\"><th scope=\"row\"><a class=\"ws-link\" href=\"");
            h.text(&ws_url(site, row.ws))
                .raw("\">")
                .text(&ws.name)
                .raw("</a><span class=\"ws-meta\"><span class=\"side side-")
                .text(side)
                .raw("\">");
            h.text(&side_label(side))
                .raw("</span><a class=\"anchor\" href=\"#ws-")
                .text(wid)
                .raw("\" aria-label=\"Link to the ")
                .text(&ws.name);
            h.raw(" row\">#</a></span></th>\n<td>");
            owner_with_party(h, site, row.accountable.first().copied(), "<span class=\"missing\">No accountable owner</span>");
            h.raw("</td>\n<td>");
            owner_items(h, site, &row.responsible, "<ul class=\"owner-list\">");
            h.raw("</td>\n<td>");
            owner_items(h, site, &row.consulted, "<ul class=\"owner-list\">");
            h.raw("</td>\n<td>");
            owner_items(h, site, &row.informed, "<ul class=\"owner-list\">");
            h.raw("</td>\n<td class=\"coverage\">");
            match row.coverage {
                Some(c) => h.text(c.label()),
                None => h.raw(NONE),
            };
            h.raw("</td>\n<td>");
            owner_with_party(h, site, row.after_hours, NONE);
            h.raw("</td>\n<td>");
            owner_items(h, site, &row.escalation, "<ol class=\"chain\">");
            h.raw("</td>\n<td class=\"handoff\">").raw(if handoff.is_empty() { NONE } else { &handoff }).raw("</td></tr>");
            if !notes.is_empty() {
                h.raw("\n          <tr class=\"internal-row\">\n            <td colspan=\"9\">\n              <div class=\"internal-callout\" role=\"note\" aria-label=\"Internal note: ")
                    .text(&ws.name)
                    .raw("\">\n                <p class=\"internal-label\">Internal</p>\n                <div class=\"internal-body\">")
                    .raw(&notes)
                    .raw("</div>\n              </div>\n            </td>\n          </tr>");
            }
        }
        h.raw("\n        </tbody>\n      </table>\n    </div>\n  </section>");

        raci(h, site, rows);
    }

    if let Some(content) = r.map(|r| r.html.as_str()).filter(|c| !c.is_empty()) {
        h.raw("\n  <div class=\"block playbook-content\">\n    <div class=\"prose\">\n      ").raw(content).raw("\n    </div>\n  </div>");
    }

    if !faqs.is_empty() {
        h.raw("\n  <section class=\"block faq\" aria-labelledby=\"playbook-faq\">\n    <h2 id=\"playbook-faq\">").raw(faq_title).raw(
            " <a class=\"anchor\" href=\"#playbook-faq\" aria-label=\"Link to this section\">#</a></h2>\n    <div class=\"faq-list\">",
        );
        for q in faqs {
            h.raw("\n      <div class=\"faq-item\">\n        <h3 id=\"")
                .text(&q.anchor)
                .raw("\" class=\"faq-q\">")
                .text(&q.question)
                .raw(" <a class=\"anchor\" href=\"#")
                .text(&q.anchor)
                .raw("\" aria-label=\"Link to this question\">#</a></h3>\n        <div class=\"faq-a prose\">")
                .raw(&q.answer_html)
                .raw("</div>\n      </div>");
        }
        h.raw("\n    </div>\n  </section>");
    }

    if !p.fm.sources.is_empty() {
        h.raw("\n  <section class=\"block sources\" aria-labelledby=\"playbook-sources\">\n    <h2 id=\"playbook-sources\">Sources <a class=\"anchor\" href=\"#playbook-sources\" aria-label=\"Link to this section\">#</a></h2>\n    <ol class=\"source-list\">");
        for s in &p.fm.sources {
            let title = s.title.as_deref().or(s.url.as_deref()).unwrap_or("");
            h.raw("\n      <li>");
            match s.url.as_deref().filter(|u| !u.is_empty()) {
                Some(u) => h.raw("<a href=\"").text(u).raw("\">").text(title).raw("</a>"),
                None => h.text(title),
            };
            h.raw("</li>");
        }
        h.raw("\n    </ol>\n  </section>");
    }

    if site.audience == Audience::Internal && !p.file.is_empty() {
        h.raw("\n  <p class=\"page-source\">Source file: <code>").text(&p.file).raw("</code></p>");
    }
    h.raw("\n</article>");
}

/// The RACI section of a playbook with ownership rows: a grid up to eight owners wide, roles by
/// owner beyond.
fn raci(h: &mut Html, site: &Site, rows: &[crate::ownership::Row]) {
    let grid = RaciGrid::of(rows);
    h.raw("\n  <section class=\"block raci-block\" aria-labelledby=\"playbook-raci\">\n    <h2 id=\"playbook-raci\">RACI matrix <a class=\"anchor\" href=\"#playbook-raci\" aria-label=\"Link to this section\">#</a></h2>\n    <dl class=\"raci-legend\">\n      <div><dt><span class=\"raci raci-a\">A</span></dt><dd>Accountable: answers for the outcome (exactly one)</dd></div>\n      <div><dt><span class=\"raci raci-r\">R</span></dt><dd>Responsible: does the work</dd></div>\n      <div><dt><span class=\"raci raci-c\">C</span></dt><dd>Consulted before decisions</dd></div>\n      <div><dt><span class=\"raci raci-i\">I</span></dt><dd>Informed afterwards</dd></div>\n    </dl>");
    // (letters, lower-case letters, words) of each role set, made once per build.
    static LETTERS: std::sync::OnceLock<Vec<(String, String, String)>> = std::sync::OnceLock::new();
    let table = LETTERS.get_or_init(|| {
        (0..16)
            .map(|bits| {
                let (code, label) = raci_code(bits);
                let code = code.as_str().unwrap_or_default().to_string();
                (code.clone(), code.to_lowercase(), label.as_str().unwrap_or_default().to_string())
            })
            .collect()
    });
    let letters = |bits: u8| &table[usize::from(bits & 15)];
    if grid.owners.len() <= 8 {
        h.raw("\n    <div class=\"table-wrap\" role=\"region\" aria-labelledby=\"raci-caption\" tabindex=\"0\">\n      <table class=\"data raci-table\">\n        <caption id=\"raci-caption\">RACI roles: workstreams down the side, owners across the top</caption>\n        <thead>\n          <tr>\n            <th scope=\"col\">Workstream</th>");
        for &o in &grid.owners {
            let party = party_of(site, o);
            h.raw("\n            <th scope=\"col\" class=\"raci-owner");
            if let Some((_, kind)) = party {
                h.raw(" raci-owner-").text(kind);
            }
            h.raw("\"><a href=\"");
            owner_href(h, site, o);
            h.raw("\">").text(&site.reg.owners[o].1.name).raw("</a>");
            if let Some((name, _)) = party {
                h.raw("<span class=\"owner-party\">").text(name).raw("</span>");
            }
            h.raw("</th>");
        }
        h.raw("\n          </tr>\n        </thead>\n        <tbody>");
        for (row, cells) in rows.iter().zip(&grid.cells) {
            let (wid, ws) = &site.reg.workstreams[row.ws];
            h.raw("\n          <tr>\n            <th scope=\"row\"><a href=\"#ws-").text(wid).raw("\">").text(&ws.name).raw("</a></th>");
            for &bits in cells {
                if bits == 0 {
                    h.raw("<td class=\"raci-empty\"></td>");
                } else {
                    let (code, lower, label) = letters(bits);
                    h.raw("<td><span class=\"raci raci-").text(lower).raw("\"><span aria-hidden=\"true\">").text(code);
                    h.raw("</span><span class=\"visually-hidden\">").text(label).raw("</span></span></td>");
                }
            }
            h.raw("\n          </tr>");
        }
        h.raw("\n        </tbody>\n      </table>\n    </div>");
    } else {
        h.raw("\n    <div class=\"table-wrap\" role=\"region\" aria-labelledby=\"raci-caption\" tabindex=\"0\">\n      <table class=\"data raci-by-owner\">\n        <caption id=\"raci-caption\">RACI roles by owner (")
            .num(grid.owners.len())
            .raw(" owners)</caption>\n        <thead><tr><th scope=\"col\">Owner</th><th scope=\"col\">Roles by workstream</th></tr></thead>\n        <tbody>");
        for (k, &o) in grid.owners.iter().enumerate() {
            let party = party_of(site, o);
            h.raw("\n<tr");
            if let Some((_, kind)) = party {
                h.raw(" class=\"raci-owner-").text(kind).raw("\"");
            }
            h.raw("><th scope=\"row\"><a href=\"");
            owner_href(h, site, o);
            h.raw("\">").text(&site.reg.owners[o].1.name).raw("</a>");
            if let Some((name, _)) = party {
                h.raw("<span class=\"owner-party\">").text(name).raw("</span>");
            }
            h.raw("</th><td><ul class=\"raci-roles\">");
            for (row, cells) in rows.iter().zip(&grid.cells) {
                if cells[k] == 0 {
                    continue;
                }
                let (code, lower, label) = letters(cells[k]);
                let (wid, ws) = &site.reg.workstreams[row.ws];
                h.raw("<li><span class=\"raci raci-").text(lower).raw("\"><span aria-hidden=\"true\">").text(code);
                h.raw("</span><span class=\"visually-hidden\">").text(label).raw(":</span></span> <a href=\"#ws-").text(wid).raw("\">");
                h.text(&ws.name).raw("</a></li>");
            }
            h.raw("</ul></td></tr>");
        }
        h.raw("\n        </tbody>\n      </table>\n    </div>");
    }
    h.raw("\n  </section>");
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

/// `owner.html` for owner `o`.
pub(crate) fn owner(site: &Site, refs: &Refs, o: usize) -> Vec<u8> {
    let name = site.reg.owners[o].1.name.as_str();
    let url = owner_url(site, o);
    let frame = Frame {
        title: &|h| {
            h.text(name).raw(" · Owners · ").text(&site.title);
        },
        description: &|h| {
            h.text(&site.description);
        },
        head: &|_| {},
        body_class: " page-owner",
        current_url: &url,
        replaces_main: false,
        scripts: &|_| {},
    };
    let mut h = Html(Vec::with_capacity(64 * 1024));
    base(&mut h, site, refs, &frame, &|h| owner_content(h, site, refs, o, &url));
    h.0
}

fn owner_content(h: &mut Html, site: &Site, refs: &Refs, o: usize, url: &str) {
    let owner = &site.reg.owners[o].1;
    let listed = listed(site, refs);
    h.raw("\n");
    view_crumbs(h, site, refs, &owner.name, url);
    h.raw("\n<header class=\"page-header\">\n  <div class=\"page-heading\">\n    <p class=\"eyebrow\">Owner</p>\n    <h1>")
        .text(&owner.name)
        .raw("</h1>\n    <p class=\"owner-of\">");
    if let Some(p) = site.reg.owner_party[o] {
        let party = &site.reg.parties[p].1;
        h.raw("<a href=\"").text(&party_url(site, p)).raw("\">").text(&party.name).raw("</a> ");
        side_pill(h, party.kind.as_str());
    }
    h.raw("</p>\n    <dl class=\"meta\">");
    let kind = refs.owner_kind[o];
    if !kind.is_empty() {
        h.raw("\n      <div><dt>Kind</dt><dd>").text(&capitalize(&kind.replace('-', " "))).raw("</dd></div>");
    }
    if let Some(hours) = owner.hours {
        h.raw("\n      <div><dt>Hours</dt><dd>").text(hours.label()).raw("</dd></div>");
    }
    h.raw("\n      <div><dt>Contact</dt><dd>");
    let contact = contact_pairs(&owner.contact.0);
    if contact.is_empty() {
        h.raw(NONE);
    } else {
        contacts(h, &contact);
    }
    h.raw("</dd></div>\n    </dl>");
    let internal_contact = if site.audience == Audience::Internal { contact_pairs(&owner.internal_contact.0) } else { Vec::new() };
    if !internal_contact.is_empty() {
        h.raw("\n    <div class=\"internal-callout\" role=\"note\" aria-label=\"Internal contact details\">\n      <p class=\"internal-label\">Internal</p>\n      <p>");
        contacts(h, &internal_contact);
        h.raw("</p>\n    </div>");
    }
    let c = owner_counts(site, o);
    h.raw("\n  </div>\n  <dl class=\"stats stats-raci\">\n    <div><dt>Accountable</dt><dd>").num(c.a);
    h.raw("</dd></div>\n    <div><dt>Responsible</dt><dd>").num(c.r).raw("</dd></div>\n    <div><dt>Consulted</dt><dd>").num(c.c);
    h.raw("</dd></div>\n    <div><dt>Informed</dt><dd>").num(c.i).raw("</dd></div>\n  </dl>\n</header>\n\n<section class=\"block\" aria-labelledby=\"owner-workstreams\">\n  <h2 id=\"owner-workstreams\">Workstreams</h2>");
    let holdings = &site.own.by_owner[o];
    if holdings.is_empty() {
        h.raw("\n  <p class=\"muted\">").text(&owner.name).raw(" holds no role in any playbook.</p>");
    }
    // Grouped by workstream in registry order, rows in holding order within each.
    let mut order: Vec<usize> = (0..holdings.len()).collect();
    order.sort_by_key(|&k| holdings[k].ws());
    for group in order.chunk_by(|&a, &b| holdings[a].ws() == holdings[b].ws()) {
        let w = holdings[group[0]].ws();
        let (wid, ws) = &site.reg.workstreams[w];
        h.raw("\n  <section class=\"sub-block\" aria-labelledby=\"owner-ws-").text(wid).raw("\">\n    <h3 id=\"owner-ws-").text(wid);
        h.raw("\"><a href=\"")
            .text(&ws_url(site, w))
            .raw("\">")
            .text(&ws.name)
            .raw("</a></h3>\n    <div class=\"table-wrap\" role=\"region\" aria-labelledby=\"owner-ws-");
        h.text(wid).raw("-caption\" tabindex=\"0\">\n      <table class=\"data compact\">\n        <caption id=\"owner-ws-").text(wid);
        h.raw("-caption\" class=\"visually-hidden\">Roles of ").text(&owner.name).raw(" in ").text(&ws.name);
        h.raw(", by playbook</caption>\n        <thead>\n          <tr><th scope=\"col\">Playbook</th><th scope=\"col\">Client</th><th scope=\"col\">Roles</th></tr>\n        </thead>\n        <tbody>");
        for &k in group {
            let held = holdings[k];
            let page = held.page();
            let item = &listed[page];
            h.raw("\n<tr><th scope=\"row\"><a href=\"").raw(&item.href).raw("#ws-").text(wid);
            h.raw("\">").raw(&item.title).raw("</a></th><td>");
            h.raw(item.client.as_deref().unwrap_or(NONE));
            h.raw("</td><td><span class=\"roles\">");
            for r in crate::ownership::role::names(held.roles) {
                h.raw("<span class=\"role role-").text(r).raw("\">").text(r).raw("</span>");
            }
            h.raw("</span></td></tr>");
        }
        h.raw("\n        </tbody>\n      </table>\n    </div>\n  </section>");
    }
    h.raw("\n</section>");
}

/// `components.html`'s `pager` for page `k` of a list of `rows` rows starting at `first`.
fn pager(h: &mut Html, first: &str, k: usize, rows: usize, label: &str) {
    let count = page_count(rows);
    if count <= 1 {
        return;
    }
    h.raw("<nav class=\"pager\" aria-label=\"").text(label).raw("\">\n  <p class=\"pager-status\">Page ").num(k + 1).raw(" of ").num(count);
    h.raw(" · rows ")
        .num(k * ROWS_PER_PAGE + 1)
        .raw("–")
        .num(((k + 1) * ROWS_PER_PAGE).min(rows))
        .raw(" of ")
        .num(rows)
        .raw("</p>\n  <ul>");
    if k > 0 {
        h.raw("<li><a href=\"").text(&paged_url(first, k - 1)).raw("\" rel=\"prev\">Previous</a></li>");
    }
    for j in 0..count {
        if j == k {
            h.raw("<li><span aria-current=\"page\">").num(j + 1).raw("</span></li>");
        } else {
            h.raw("<li><a href=\"").text(&paged_url(first, j)).raw("\">").num(j + 1).raw("</a></li>");
        }
    }
    if k + 1 < count {
        h.raw("<li><a href=\"").text(&paged_url(first, k + 1)).raw("\" rel=\"next\">Next</a></li>");
    }
    h.raw("\n  </ul>\n</nav>");
}

/// The playbook cell of a list row: title linked to `link`, then client and operating model.
/// What list views repeat of a playbook, escaped once per build (a playbook appears on about
/// forty owner pages, its workstreams' lists and the matrix).
pub(crate) struct Listed {
    /// Base path and path: the page's URL.
    href: String,
    title: String,
    /// The client's name, if the playbook has a client.
    client: Option<String>,
    /// The operating model as `model_tag` shows it, empty without one.
    model: String,
}

/// The [`Listed`] parts of every page, made on first use.
fn listed<'r>(site: &Site, refs: &'r Refs) -> &'r [Listed] {
    refs.listed.get_or_init(|| {
        let escaped = |s: &str| {
            let mut h = Html(Vec::with_capacity(s.len() + 8));
            h.text(s);
            String::from_utf8(h.0).unwrap_or_default()
        };
        site.pages
            .iter()
            .enumerate()
            .map(|(p, page)| {
                let mut model = Html(Vec::new());
                if let Some(m) = page.fm.model.as_deref().filter(|m| !m.is_empty()) {
                    model.raw("<span class=\"model model-").text(m).raw("\">").text(&model_label(m)).raw("</span>");
                }
                Listed {
                    href: escaped(&format!("{}{}", site.base_path, page.path)),
                    title: escaped(&page.title),
                    client: site.own.client.get(p).copied().flatten().map(|c| escaped(&site.reg.parties[c].1.name)),
                    model: String::from_utf8(model.0).unwrap_or_default(),
                }
            })
            .collect()
    })
}

/// The playbook cell of a list row: title linked to the page (and `anchor`, if any), then
/// client and operating model.
fn playbook_cell(h: &mut Html, item: &Listed, anchor: &str, client_sep: &str) {
    h.raw("<th scope=\"row\"><a href=\"").raw(&item.href);
    if !anchor.is_empty() {
        h.raw("#").text(anchor);
    }
    h.raw("\">").raw(&item.title).raw("</a><span class=\"row-sub\">");
    if let Some(client) = &item.client {
        h.raw(client).raw(client_sep);
    }
    h.raw(&item.model).raw("</span></th>");
}

/// `workstream.html` for page `k` of workstream `w`.
pub(crate) fn workstream(site: &Site, refs: &Refs, w: usize, k: usize) -> Vec<u8> {
    let ws = &site.reg.workstreams[w].1;
    let first = ws_url(site, w);
    let url = paged_url(&first, k);
    let description = ws.description.as_deref().unwrap_or("");
    let frame = Frame {
        title: &|h| {
            h.text(&ws.name).raw(" · Workstreams · ").text(&site.title);
        },
        description: &|h| {
            h.text(if description.is_empty() { &site.description } else { description });
        },
        head: &|_| {},
        body_class: " page-workstream",
        current_url: &url,
        replaces_main: false,
        scripts: &|_| {},
    };
    let mut h = Html(Vec::with_capacity(256 * 1024));
    base(&mut h, site, refs, &frame, &|h| workstream_content(h, site, refs, w, k, &first, &url));
    h.0
}

fn workstream_content(h: &mut Html, site: &Site, refs: &Refs, w: usize, k: usize, first: &str, url: &str) {
    let (id, ws) = &site.reg.workstreams[w];
    let all = &site.own.by_workstream[w];
    h.raw("\n");
    view_crumbs(h, site, refs, &ws.name, url);
    h.raw("\n<header class=\"page-header\">\n  <div class=\"page-heading\">\n    <p class=\"eyebrow\">Workstream</p>\n    <h1>")
        .text(&ws.name)
        .raw("</h1>");
    if ws.required {
        h.raw("\n    <p class=\"flags\"><span class=\"badge-required\">Required in every playbook</span></p>");
    }
    if let Some(d) = ws.description.as_deref().filter(|d| !d.is_empty()) {
        h.raw("\n    <p class=\"lede\">").text(d).raw("</p>");
    }
    if !ws.aliases.is_empty() {
        h.raw("\n    <dl class=\"meta\">\n      <div><dt>Also known as</dt><dd>")
            .text(&ws.aliases.join(", "))
            .raw("</dd></div>\n    </dl>");
    }
    h.raw("\n  </div>\n</header>\n\n<section class=\"block\" aria-labelledby=\"workstream-owners\">\n  <h2 id=\"workstream-owners\">Who owns it, by playbook</h2>");
    let shown: Vec<(usize, usize)> = all.iter().skip(k * ROWS_PER_PAGE).take(ROWS_PER_PAGE).copied().collect();
    if shown.is_empty() {
        h.raw("\n  <p class=\"muted\">No playbook covers this workstream yet.</p>");
    } else {
        h.raw("\n  ");
        pager(h, first, k, all.len(), "Pages of this list");
        h.raw("\n  <div class=\"table-wrap\" role=\"region\" aria-labelledby=\"workstream-caption\" tabindex=\"0\">\n    <table class=\"data\">\n      <caption id=\"workstream-caption\">Accountable and responsible owners for ")
            .text(&ws.name)
            .raw(" in each playbook</caption>\n      <thead>\n        <tr>\n          <th scope=\"col\">Playbook</th>\n          <th scope=\"col\">Side</th>\n          <th scope=\"col\">Accountable</th>\n          <th scope=\"col\">Responsible</th>\n          <th scope=\"col\">Coverage</th>\n        </tr>\n      </thead>\n      <tbody>");
        for (p, r) in shown {
            let row = &site.own.rows[p][r];
            let side = row.side(&site.reg);
            h.raw("\n<tr>");
            playbook_cell(h, &listed(site, refs)[p], &format!("ws-{id}"), "");
            h.raw("<td><span class=\"side side-").text(side).raw("\">").text(&side_label(side)).raw("</span></td><td>");
            owner_with_party(h, site, row.accountable.first().copied(), "<span class=\"missing\">No accountable owner</span>");
            h.raw("</td><td>");
            owner_items(h, site, &row.responsible, "<ul class=\"owner-list\">");
            h.raw("</td><td>");
            match row.coverage {
                Some(c) => h.text(c.label()),
                None => h.raw(NONE),
            };
            h.raw("</td></tr>");
        }
        h.raw("\n      </tbody>\n    </table>\n  </div>\n  ");
        pager(h, first, k, all.len(), "Pages of this list, again");
    }
    h.raw("\n</section>");
    // Questions are listed on the first page only.
    let mut questions = all
        .iter()
        .filter(|_| k == 0)
        .flat_map(|&(p, _)| site.faqs[p].iter().filter(|f| f.workstreams.contains(&w)).map(move |f| (p, f)))
        .peekable();
    if questions.peek().is_some() {
        h.raw("\n<section class=\"block\" aria-labelledby=\"workstream-faq\">\n  <h2 id=\"workstream-faq\">Related questions</h2>\n  <ul class=\"link-list\">");
        for (p, f) in questions {
            h.raw("\n    <li><a href=\"").text(&site.url(p)).raw("#").text(&f.anchor).raw("\">").text(&f.question).raw("</a></li>");
        }
        h.raw("\n  </ul>\n</section>");
    }
}

/// `matrix.html` for page `k` of the matrix.
pub(crate) fn matrix(site: &Site, refs: &Refs, k: usize) -> Vec<u8> {
    let first = format!("{}matrix/", site.base_path);
    let url = paged_url(&first, k);
    let frame = Frame {
        title: &|h| {
            h.raw("Responsibility matrix · ").text(&site.title);
        },
        description: &|h| {
            h.text(&site.description);
        },
        head: &|_| {},
        body_class: " page-matrix",
        current_url: &url,
        replaces_main: true,
        scripts: &|_| {},
    };
    let mut h = Html(Vec::with_capacity(512 * 1024));
    base(&mut h, site, refs, &frame, &|h| matrix_content(h, site, refs, k, &first));
    h.0
}

fn matrix_content(h: &mut Html, site: &Site, refs: &Refs, k: usize, first: &str) {
    h.raw("\n<div class=\"wrap wrap-wide\">\n<header class=\"page-header\">\n  <div class=\"page-heading\">\n    <h1>Responsibility matrix</h1>\n    <p class=\"lede\">Every playbook against every workstream. Each cell names the accountable owner and the side of the boundary where the work is done; follow the side label to the full row in the playbook.</p>\n  </div>\n</header>\n\n<section class=\"block\" aria-labelledby=\"matrix-title\">\n  <h2 id=\"matrix-title\" class=\"visually-hidden\">Matrix</h2>\n  <ul class=\"legend\" aria-label=\"Sides\">");
    for (side, words) in [
        ("client", " the client's own team does the work"),
        ("provider", " the managed service provider does the work"),
        ("shared", " the work is split across sides"),
        ("vendor", " a third-party vendor does the work"),
    ] {
        h.raw("\n    <li>");
        side_pill(h, side);
        h.raw(words).raw("</li>");
    }
    h.raw("\n  </ul>");
    let used: Vec<usize> = (0..site.reg.workstreams.len()).filter(|&w| !site.own.by_workstream[w].is_empty()).collect();
    let mut col = vec![None; site.reg.workstreams.len()];
    for (c, &w) in used.iter().enumerate() {
        col[w] = Some(c);
    }
    let items = listed(site, refs);
    let listed = site.matrix_pages();
    let shown: Vec<usize> = listed.iter().skip(k * ROWS_PER_PAGE).take(ROWS_PER_PAGE).copied().collect();
    if shown.is_empty() || used.is_empty() {
        h.raw("\n  <p class=\"muted\">No playbooks to compare yet.</p>");
    } else {
        h.raw("\n  ");
        pager(h, first, k, listed.len(), "Matrix pages");
        h.raw("\n  <div class=\"table-wrap matrix-wrap\" role=\"region\" aria-labelledby=\"matrix-caption\" tabindex=\"0\">\n    <table class=\"data matrix-table\">\n      <caption id=\"matrix-caption\">Accountable owner by playbook and workstream</caption>\n      <thead>\n        <tr>\n          <th scope=\"col\" class=\"corner\">Playbook</th>");
        for &w in &used {
            h.raw("\n          <th scope=\"col\"><a href=\"")
                .text(&ws_url(site, w))
                .raw("\">")
                .text(&site.reg.workstreams[w].1.name)
                .raw("</a></th>");
        }
        h.raw("\n        </tr>\n      </thead>\n      <tbody>");
        for i in shown {
            let url = site.url(i);
            h.raw("\n<tr>");
            playbook_cell(h, &items[i], "", " ");
            // The last row of a workstream wins, as it did when cells were filled in order.
            let mut cells: Vec<Option<usize>> = vec![None; used.len()];
            for (n, row) in site.own.rows[i].iter().enumerate() {
                if let Some(c) = col[row.ws] {
                    cells[c] = Some(n);
                }
            }
            for cell in cells {
                let Some(n) = cell else {
                    h.raw("<td class=\"cell-side-\"><span class=\"none\">&mdash;<span class=\"visually-hidden\">Not in this playbook</span></span></td>");
                    continue;
                };
                let row = &site.own.rows[i][n];
                let side = row.side(&site.reg);
                let wid = &site.reg.workstreams[row.ws].0;
                h.raw("<td class=\"cell-side-").text(side).raw("\">");
                match row.accountable.first() {
                    Some(&o) => {
                        owner_link(h, site, o);
                        h.raw(" <a class=\"cell-link\" href=\"")
                            .text(&url)
                            .raw("#ws-")
                            .text(wid)
                            .raw("\"><span class=\"side side-")
                            .text(side);
                        h.raw("\">").text(&side_label(side)).raw("</span><span class=\"visually-hidden\"> (see the row)</span></a>");
                    }
                    None => {
                        h.raw("<a class=\"missing\" href=\"").text(&url).raw("#ws-").text(wid).raw("\">No accountable owner</a>");
                    }
                }
                h.raw("</td>");
            }
            h.raw("</tr>");
        }
        h.raw("\n      </tbody>\n    </table>\n  </div>\n  ");
        pager(h, first, k, listed.len(), "Matrix pages, again");
    }
    h.raw("\n</section>\n</div>");
}

/// `faq.html` in its compact form (past [`FAQ_FULL_LIMIT`] distinct questions: questions by
/// topic, linked to their answers), the one large sites get; `None` for a smaller FAQ, which
/// renders through Tera.
pub(crate) fn faq(site: &Site, refs: &Refs) -> Option<Vec<u8>> {
    let unique = unique_questions(site);
    if unique.len() <= FAQ_FULL_LIMIT {
        return None;
    }
    let topics = faq_topics(site, &unique, true);
    let url = format!("{}faq/", site.base_path);
    let frame = Frame {
        title: &|h| {
            h.raw("Frequently asked questions · ").text(&site.title);
        },
        description: &|h| {
            h.text(&site.description);
        },
        head: &|_| {},
        body_class: " page-faq",
        current_url: &url,
        replaces_main: false,
        scripts: &|h| {
            h.raw("\n  <script src=\"").text(&site.base_path).raw("static/faq.js\" defer></script>");
        },
    };
    let listed: usize = topics.iter().map(|(_, _, list)| list.len()).sum();
    let mut h = Html(Vec::with_capacity(16 * 1024 + listed * 160));
    base(&mut h, site, refs, &frame, &|h| {
        h.raw("\n<header class=\"page-header\">\n  <div class=\"page-heading\">\n    <h1>Frequently asked questions</h1>\n    <p class=\"lede\">Questions from every playbook, by topic. Each one opens its answer in the playbook that gives it; every playbook lists its own questions too.</p>\n  </div>\n</header>\n\n<div class=\"faq-filter\" data-faq-filter hidden>\n  <label for=\"faq-filter-input\">Filter questions</label>\n  <input id=\"faq-filter-input\" type=\"search\" autocomplete=\"off\" spellcheck=\"false\" placeholder=\"e.g. after-hours, compliance, switch\">\n  <p class=\"faq-filter-status\" role=\"status\" aria-live=\"polite\"></p>\n</div>");
        h.raw(
            "\n<nav class=\"block\" aria-labelledby=\"faq-topics\">\n  <h2 id=\"faq-topics\">Topics</h2>\n  <ul class=\"faq-topic-index\">",
        );
        for (id, name, list) in &topics {
            h.raw("\n    <li><a href=\"#faq-topic-")
                .text(id)
                .raw("\">")
                .text(name)
                .raw("</a> <span class=\"count\">")
                .num(list.len())
                .raw("</span></li>");
        }
        h.raw("\n  </ul>\n</nav>\n<section class=\"block faq-group-set\" aria-labelledby=\"faq-by-topic\" data-faq-set>\n  <h2 id=\"faq-by-topic\">By topic</h2>");
        for (id, name, list) in &topics {
            h.raw("\n  <section class=\"faq-group\" aria-labelledby=\"faq-topic-")
                .text(id)
                .raw("\" data-faq-group>\n    <h3 id=\"faq-topic-")
                .text(id);
            h.raw("\">").text(name).raw(" <span class=\"count\">").num(list.len()).raw("</span></h3>\n    <ul class=\"faq-links\">");
            for &k in list {
                let u = &unique[k];
                h.raw("\n<li data-faq-item><a href=\"").text(&site.base_path).text(&site.pages[u.home].path).raw("#").text(&u.item.anchor);
                h.raw("\">").text(&u.item.question).raw("</a></li>");
            }
            h.raw("\n    </ul>\n  </section>");
        }
        h.raw("\n</section>");
    });
    Some(h.0)
}

/// `components.html`'s `page_card` (with the client shown) for playbook `p`.
fn page_card(h: &mut Html, site: &Site, item: &Listed, p: usize) {
    let page = &site.pages[p];
    h.raw("<article class=\"card page-card\">\n  <h3 class=\"card-title\"><a href=\"").raw(&item.href).raw("\">").raw(&item.title);
    h.raw("</a></h3>\n  <p class=\"card-meta\">");
    if let Some(client) = &item.client {
        h.raw("<span>").raw(client).raw("</span>");
    }
    // `model_tag`, not the list views' `model_label`: the two spell some models differently.
    model_tag(h, page.fm.model.as_deref().unwrap_or(""));
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
            h.raw("<span class=\"tags\" aria-label=\"Tags\">");
            for t in tags {
                h.raw("<span class=\"tag\">").text(t).raw("</span>");
            }
            h.raw("</span>");
        }
        h.raw("</p>");
    }
    h.raw("\n</article>");
}

/// `index.html`: the home page, with the text of `content/_index.md` when page `home` is it.
pub(crate) fn index(site: &Site, refs: &Refs, home: Option<usize>) -> Vec<u8> {
    let title = home.map(|i| site.pages[i].title.as_str()).unwrap_or(site.title.as_str());
    let url = site.base_path.clone();
    let frame = Frame {
        title: &|h| {
            if !title.is_empty() && title != site.title {
                h.text(title).raw(" · ");
            }
            h.text(&site.title);
        },
        description: &|h| {
            h.text(&site.description);
        },
        head: &|_| {},
        body_class: " page-home",
        current_url: &url,
        replaces_main: false,
        scripts: &|_| {},
    };
    let mut h = Html(Vec::with_capacity(64 * 1024));
    base(&mut h, site, refs, &frame, &|h| index_content(h, site, refs, home, title));
    h.0
}

fn index_content(h: &mut Html, site: &Site, refs: &Refs, home: Option<usize>, title: &str) {
    let items = listed(site, refs);
    let playbooks = site.playbook_count();
    h.raw("\n<header class=\"page-header home-hero\">\n  <div class=\"page-heading\">\n    <p class=\"eyebrow\">");
    h.raw(if site.audience == Audience::Internal { "Internal runbook" } else { "Engagement guide" }).raw("</p>\n    <h1>");
    h.text(if title.is_empty() { &site.title } else { title }).raw("</h1>");
    if !site.description.is_empty() {
        h.raw("\n    <p class=\"lede\">").text(&site.description).raw("</p>");
    }
    h.raw("\n  </div>\n  <dl class=\"stats\">\n    <div><dt>Playbooks</dt><dd>").num(playbooks);
    h.raw("</dd></div>\n    <div><dt>Workstreams</dt><dd>").num(site.reg.workstreams.len());
    h.raw("</dd></div>\n    <div><dt>Owners</dt><dd>").num(refs.owner_shown.iter().filter(|s| **s).count());
    h.raw("</dd></div>\n    <div><dt>Parties</dt><dd>").num(site.reg.parties.len()).raw("</dd></div>\n  </dl>\n</header>");
    if let Some(content) = home.and_then(|i| site.rendered[i].as_ref()).map(|r| r.html.as_str()).filter(|c| !c.is_empty()) {
        h.raw("\n<div class=\"block\">\n  <div class=\"prose\">\n    ").raw(content).raw("\n  </div>\n</div>");
    }
    // A large site lists its clients and models with counts; each client's page lists its
    // playbooks.
    let full_lists = playbooks <= 200;
    let clients: Vec<usize> = (0..site.reg.parties.len())
        .filter(|&p| site.reg.parties[p].1.kind == crate::config::PartyKind::Client && !site.own.pages_by_party[p].is_empty())
        .collect();
    if !clients.is_empty() {
        h.raw("\n<section class=\"block\" aria-labelledby=\"home-clients\">\n  <h2 id=\"home-clients\">Playbooks by client</h2>\n  <div class=\"client-groups\">");
        for p in clients {
            let (id, party) = &site.reg.parties[p];
            let pages = &site.own.pages_by_party[p];
            h.raw("\n    <section class=\"client-group\" aria-labelledby=\"home-client-")
                .text(id)
                .raw("\">\n      <h3 id=\"home-client-")
                .text(id);
            h.raw("\" class=\"client-name\"><a href=\"")
                .text(&party_url(site, p))
                .raw("\">")
                .text(&party.name)
                .raw("</a> <span class=\"count\">");
            h.num(pages.len()).raw("</span></h3>");
            if full_lists {
                h.raw("\n      <ul class=\"playbook-list\">");
                for &j in pages {
                    let (item, page) = (&items[j], &site.pages[j]);
                    h.raw("\n        <li>\n          <a class=\"playbook-link\" href=\"").raw(&item.href).raw("\">").raw(&item.title);
                    h.raw("</a>\n          <span class=\"playbook-meta\">");
                    model_tag(h, page.fm.model.as_deref().unwrap_or(""));
                    if page.audience == Audience::Internal {
                        h.raw(" <span class=\"badge-internal\">Internal only</span>");
                    }
                    if let Some(u) = page.fm.updated.as_deref().filter(|u| !u.is_empty()) {
                        h.raw(" <span class=\"muted\">Updated <time datetime=\"").text(u).raw("\">").text(u).raw("</time></span>");
                    }
                    h.raw("</span>");
                    if let Some(summary) = page.fm.summary.as_deref().filter(|s| !s.is_empty()) {
                        h.raw("\n          <span class=\"playbook-summary\">").text(summary).raw("</span>");
                    }
                    h.raw("\n        </li>");
                }
                h.raw("\n      </ul>");
            }
            h.raw("\n    </section>");
        }
        h.raw("\n  </div>\n</section>");
    }
    let mut models: std::collections::BTreeMap<&str, Vec<usize>> = std::collections::BTreeMap::new();
    let mut other = Vec::new();
    for (j, q) in site.visible_pages() {
        if q.is_section {
            continue;
        }
        if let Some(m) = &q.fm.model {
            models.entry(m.as_str()).or_default().push(j);
        }
        if site.own.client[j].is_none() {
            other.push(j);
        }
    }
    if !models.is_empty() {
        h.raw("\n<section class=\"block\" aria-labelledby=\"home-models\">\n  <h2 id=\"home-models\">By operating model</h2>\n  <div class=\"model-columns\">");
        for (model, pages) in models {
            h.raw("\n    <section class=\"model-column\" aria-labelledby=\"home-model-")
                .text(model)
                .raw("\">\n      <h3 id=\"home-model-")
                .text(model);
            h.raw("\">");
            model_tag(h, model);
            h.raw(" <span class=\"count\">").num(pages.len()).raw("</span></h3>");
            if full_lists {
                h.raw("\n      <ul class=\"plain-list\">");
                for j in pages {
                    let item = &items[j];
                    h.raw("\n        <li><a href=\"").raw(&item.href).raw("\">").raw(&item.title).raw("</a>");
                    if let Some(client) = &item.client {
                        h.raw(" <span class=\"muted\">· ").raw(client).raw("</span>");
                    }
                    h.raw("</li>");
                }
                h.raw("\n      </ul>");
            }
            h.raw("\n    </section>");
        }
        h.raw("\n  </div>\n</section>");
    }
    if !other.is_empty() {
        h.raw("\n<section class=\"block\" aria-labelledby=\"home-other\">\n  <h2 id=\"home-other\">Other playbooks</h2>\n  <ul class=\"card-grid\">");
        for j in other {
            h.raw("\n    <li>");
            page_card(h, site, &items[j], j);
            h.raw("</li>");
        }
        h.raw("\n  </ul>\n</section>");
    }
}

/// `party.html` for party `p`.
pub(crate) fn party(site: &Site, refs: &Refs, p: usize) -> Vec<u8> {
    let (_, party) = &site.reg.parties[p];
    let url = party_url(site, p);
    let frame = Frame {
        title: &|h| {
            h.text(&party.name).raw(" · ").text(&site.title);
        },
        description: &|h| {
            h.text(&site.description);
        },
        head: &|_| {},
        body_class: " page-party",
        current_url: &url,
        replaces_main: false,
        scripts: &|_| {},
    };
    let mut h = Html(Vec::with_capacity(64 * 1024));
    base(&mut h, site, refs, &frame, &|h| party_content(h, site, refs, p, &url));
    h.0
}

fn party_content(h: &mut Html, site: &Site, refs: &Refs, p: usize, url: &str) {
    let party = &site.reg.parties[p].1;
    let items = listed(site, refs);
    let pages = &site.own.pages_by_party[p];
    let owners: Vec<usize> = (0..site.reg.owners.len()).filter(|&o| site.reg.owner_party[o] == Some(p) && refs.owner_shown[o]).collect();
    h.raw("\n");
    view_crumbs(h, site, refs, &party.name, url);
    h.raw("\n<header class=\"page-header\">\n  <div class=\"page-heading\">\n    <p class=\"eyebrow\">Party</p>\n    <h1>")
        .text(&party.name);
    h.raw("</h1>\n    <p class=\"flags\">");
    side_pill(h, party.kind.as_str());
    h.raw("</p>\n  </div>\n  <dl class=\"stats\">\n    <div><dt>Playbooks</dt><dd>").num(pages.len());
    h.raw("</dd></div>\n    <div><dt>Owners</dt><dd>").num(owners.len());
    h.raw("</dd></div>\n  </dl>\n</header>\n\n<section class=\"block\" aria-labelledby=\"party-playbooks\">\n  <h2 id=\"party-playbooks\">Playbooks</h2>");
    if pages.is_empty() {
        h.raw("\n  <p class=\"muted\">").text(&party.name).raw(" appears in no playbook yet.</p>");
    } else {
        h.raw("\n  <ul class=\"card-grid\">");
        for &j in pages {
            h.raw("\n    <li>");
            page_card(h, site, &items[j], j);
            h.raw("</li>");
        }
        h.raw("\n  </ul>");
    }
    h.raw("\n</section>\n\n<section class=\"block\" aria-labelledby=\"party-owners\">\n  <h2 id=\"party-owners\">Owners and what they hold</h2>");
    if owners.is_empty() {
        h.raw("\n  <p class=\"muted\">No owners are listed for ").text(&party.name).raw(".</p>");
    }
    for o in owners {
        let (oid, owner) = &site.reg.owners[o];
        let mut per_ws: std::collections::BTreeMap<usize, super::Counts> = std::collections::BTreeMap::new();
        for held in &site.own.by_owner[o] {
            per_ws.entry(held.ws()).or_default().add(held.roles);
        }
        h.raw("\n  <section class=\"sub-block\" aria-labelledby=\"party-owner-").text(oid).raw("\">\n    <h3 id=\"party-owner-").text(oid);
        h.raw("\"><a href=\"");
        owner_href(h, site, o);
        h.raw("\">").text(&owner.name).raw("</a> <span class=\"count\">").num(per_ws.len()).raw(" workstreams</span></h3>");
        if per_ws.is_empty() {
            h.raw("\n    <p class=\"muted\">No roles held.</p>");
        } else {
            h.raw("\n    <div class=\"table-wrap\" role=\"region\" aria-labelledby=\"party-owner-").text(oid);
            h.raw("-caption\" tabindex=\"0\">\n      <table class=\"data compact\">\n        <caption id=\"party-owner-").text(oid);
            h.raw("-caption\" class=\"visually-hidden\">Workstreams held by ").text(&owner.name);
            h.raw(", with how many playbooks give each role</caption>\n        <thead>\n          <tr><th scope=\"col\">Workstream</th><th scope=\"col\"><abbr title=\"Accountable\">A</abbr></th><th scope=\"col\"><abbr title=\"Responsible\">R</abbr></th><th scope=\"col\"><abbr title=\"Consulted\">C</abbr></th><th scope=\"col\"><abbr title=\"Informed\">I</abbr></th></tr>\n        </thead>\n        <tbody>");
            for (w, c) in per_ws {
                let (wid, ws) = &site.reg.workstreams[w];
                h.raw("\n          <tr>\n            <th scope=\"row\"><a href=\"");
                owner_href(h, site, o);
                h.raw("#owner-ws-").text(wid).raw("\">").text(&ws.name).raw("</a></th>\n            <td class=\"num\">").num(c.a);
                h.raw("</td><td class=\"num\">").num(c.r).raw("</td><td class=\"num\">").num(c.c).raw("</td><td class=\"num\">").num(c.i);
                h.raw("</td>\n          </tr>");
            }
            h.raw("\n        </tbody>\n      </table>\n    </div>");
        }
        h.raw("\n  </section>");
    }
    h.raw("\n</section>");
}
