//! `page.html`: a playbook with its boundary summary, ownership table, RACI section, content,
//! questions and sources.

use super::*;

/// `page.html` for playbook `i` (not a section).
pub(crate) fn page(site: &Site, refs: &Refs, i: usize) -> Vec<u8> {
    let p = &site.pages[i];
    let summary = p.fm.summary.as_deref().unwrap_or("");
    let url = site.url(i);
    let jsonld = faq_jsonld(site, i);
    let head = if jsonld.is_empty() { String::new() } else { format!("\n  <script type=\"application/ld+json\">{jsonld}</script>") };
    let title = [p.title.as_str()];
    let frame = Frame {
        description: Some(if summary.is_empty() { &site.description } else { summary }),
        head: &head,
        ..Frame::view(&title, " page-playbook", &url)
    };
    document(site, refs, &frame, 64 * 1024, &|h| page_content(h, site, refs, i, &url))
}

fn page_content(h: &mut Html, site: &Site, refs: &Refs, i: usize, url: &str) {
    let p = &site.pages[i];
    let r = site.rendered[i].as_ref();
    let rows = &site.own.rows[i];
    refs.owner_texts.prefetch(rows.iter().flat_map(|row| row.listed_owners().iter().chain(row.after_hours)));
    let toc: &[crate::markdown::TocEntry] = r.map(|r| r.toc.as_slice()).unwrap_or(&[]);
    let sides: Vec<&str> = rows.iter().map(|row| row.side()).collect();
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
    h.raw("\n  </ol>\n</nav>\n\n  <header class=\"page-header playbook-header\">\n    <div class=\"page-heading\">");
    // A guide or a runbook is not called a playbook (`Site::states_ownership`).
    if site.states_ownership(i) {
        h.raw("\n      <p class=\"eyebrow\">");
        if let Some(c) = client {
            h.text(&site.reg.parties[c].1.name).raw(" · ");
        }
        h.raw("Service-boundary playbook</p>");
    }
    h.raw("\n      <h1>").text(&p.title).raw("</h1>");
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
    let status = p.fm.status;
    if !status.label().is_empty() {
        h.raw("\n      <p class=\"status-note status-").raw(status.as_str()).raw("\" role=\"note\">").raw(status.badge().trim_start());
        h.raw(" ").raw(status.note()).raw("</p>");
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
                    h.raw("\n          <li>");
                    ws_row_link(h, refs, w);
                    h.raw("</li>");
                }
                h.raw("\n        </ul>");
            }
            h.raw("\n      </div>");
        }
        h.raw("\n    </div>\n  </section>\n\n  <section class=\"block ownership\" aria-labelledby=\"playbook-ownership\">\n    <h2 id=\"playbook-ownership\">Ownership by workstream <a class=\"anchor\" href=\"#playbook-ownership\" aria-label=\"Link to this section\">#</a></h2>\n    <div class=\"table-wrap\" role=\"region\" aria-labelledby=\"ownership-caption\" tabindex=\"0\">\n      <table class=\"data ownership-table\">\n        <caption id=\"ownership-caption\">Who is accountable, who does the work and how issues escalate, by workstream</caption>\n        <thead>\n          <tr>\n            <th scope=\"col\">Workstream</th>\n            <th scope=\"col\">Accountable</th>\n            <th scope=\"col\">Responsible</th>\n            <th scope=\"col\">Consulted</th>\n            <th scope=\"col\">Informed</th>\n            <th scope=\"col\">Coverage</th>\n            <th scope=\"col\">After-hours</th>\n            <th scope=\"col\">Escalation chain</th>\n            <th scope=\"col\">Handoff</th>\n          </tr>\n        </thead>\n        <tbody>");
        for (n, (row, side)) in rows.iter().zip(&sides).enumerate() {
            let t = &refs.ws_texts;
            let (wid, name) = (t.id(row.ws), t.name(row.ws));
            let (handoff, notes) = site.row_html(i, n);
            // A side is one of a few fixed words: nothing to escape.
            h.raw("\n<tr id=\"ws-").raw(wid).raw("\" class=\"row-side-").raw(side).raw("\"><th scope=\"row\"><a class=\"ws-link\" href=\"");
            h.raw(t.url(row.ws)).raw("\">").raw(name).raw("</a><span class=\"ws-meta\"><span class=\"side side-").raw(side).raw("\">");
            h.text(&side_label(side)).raw("</span><a class=\"anchor\" href=\"#ws-").raw(wid).raw("\" aria-label=\"Link to the ").raw(name);
            h.raw(" row\">#</a></span></th>\n<td>");
            owner_with_party(h, site, refs, row.accountable().first(), "<span class=\"missing\">No accountable owner</span>");
            h.raw("</td>\n<td>");
            owner_items(h, refs, row.responsible(), "<ul class=\"owner-list\">");
            h.raw("</td>\n<td>");
            owner_items(h, refs, row.consulted(), "<ul class=\"owner-list\">");
            h.raw("</td>\n<td>");
            owner_items(h, refs, row.informed(), "<ul class=\"owner-list\">");
            h.raw("</td>\n<td class=\"coverage\">");
            coverage(h, row.coverage);
            h.raw("</td>\n<td>");
            owner_with_party(h, site, refs, row.after_hours, NONE);
            h.raw("</td>\n<td>");
            owner_items(h, refs, row.escalation(), "<ol class=\"chain\">");
            h.raw("</td>\n<td class=\"handoff\">").raw(if handoff.is_empty() { NONE } else { &handoff }).raw("</td></tr>");
            if !notes.is_empty() {
                h.raw("\n          <tr class=\"internal-row\">\n            <td colspan=\"9\">\n              <div class=\"internal-callout\" role=\"note\" aria-label=\"Internal note: ")
                    .raw(name)
                    .raw("\">\n                <p class=\"internal-label\">Internal</p>\n                <div class=\"internal-body\">")
                    .raw(&notes)
                    .raw("</div>\n              </div>\n            </td>\n          </tr>");
            }
        }
        h.raw("\n        </tbody>\n      </table>\n    </div>\n  </section>");

        raci(h, site, refs, rows);
    }

    if let Some(content) = r.map(|r| r.html.as_str()).filter(|c| !c.is_empty()) {
        h.raw("\n  <div class=\"block playbook-content\">\n    <div class=\"prose\">\n      ").raw(content).raw("\n    </div>\n  </div>");
    }

    if !faqs.is_empty() {
        h.raw("\n  <section class=\"block faq\" aria-labelledby=\"playbook-faq\">\n    <h2 id=\"playbook-faq\">").raw(faq_title).raw(
            " <a class=\"anchor\" href=\"#playbook-faq\" aria-label=\"Link to this section\">#</a></h2>\n    <div class=\"faq-list\">",
        );
        for q in faqs {
            h.raw("\n      <div class=\"faq-item")
                .raw(if q.internal { " faq-internal" } else { "" })
                .raw("\">\n        <h3 id=\"")
                .text(&q.anchor)
                .raw("\" class=\"faq-q\">")
                .text(&q.question)
                .raw(if q.internal { " <span class=\"badge-internal\">Internal only</span>" } else { "" })
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
        for (k, s) in p.fm.sources.iter().enumerate() {
            let title = s.title.as_deref().or(s.url.as_deref()).unwrap_or("");
            h.raw("\n      <li>");
            match crate::render::source_url(site, i, k) {
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

/// The RACI section of a playbook with ownership rows: a grid up to eight owners wide; beyond,
/// one row per owner, grouped by party, with a column per role.
fn raci(h: &mut Html, site: &Site, refs: &Refs, rows: &[crate::ownership::Row]) {
    let grid = RaciGrid::of(rows);
    h.raw("\n  <section class=\"block raci-block\" aria-labelledby=\"playbook-raci\">\n    <h2 id=\"playbook-raci\">RACI matrix <a class=\"anchor\" href=\"#playbook-raci\" aria-label=\"Link to this section\">#</a></h2>");
    if grid.owners.len() <= 8 {
        h.raw("\n    <dl class=\"raci-legend\">\n      <div><dt><span class=\"raci raci-a\">A</span></dt><dd>Accountable: answers for the outcome (exactly one)</dd></div>\n      <div><dt><span class=\"raci raci-r\">R</span></dt><dd>Responsible: does the work</dd></div>\n      <div><dt><span class=\"raci raci-c\">C</span></dt><dd>Consulted before decisions</dd></div>\n      <div><dt><span class=\"raci raci-i\">I</span></dt><dd>Informed afterwards</dd></div>\n    </dl>\n    <div class=\"table-wrap\" role=\"region\" aria-labelledby=\"raci-caption\" tabindex=\"0\">\n      <table class=\"data raci-table\">\n        <caption id=\"raci-caption\">RACI roles: workstreams down the side, owners across the top</caption>\n        <thead>\n          <tr>\n            <th scope=\"col\">Workstream</th>");
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
        for &o in &grid.owners {
            let party = party_of(site, o);
            h.raw("\n            <th scope=\"col\" class=\"raci-owner");
            if let Some((_, kind)) = party {
                h.raw(" raci-owner-").text(kind);
            }
            h.raw("\">");
            owner_and_party(h, refs, o, party);
            h.raw("</th>");
        }
        h.raw("\n          </tr>\n        </thead>\n        <tbody>");
        for (row, cells) in rows.iter().zip(&grid.cells) {
            h.raw("\n          <tr>\n            <th scope=\"row\">");
            ws_row_link(h, refs, row.ws);
            h.raw("</th>");
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
            .raw(" owners), grouped by party</caption>\n        <thead><tr><th scope=\"col\">Owner</th><th scope=\"col\">Accountable for</th><th scope=\"col\">Responsible for</th><th scope=\"col\">Consulted on</th><th scope=\"col\">Informed of</th></tr></thead>");
        let link = |h: &mut Html, r: usize| ws_row_link(h, refs, rows[r].ws);
        for (party, members) in grid.by_party(&site.reg) {
            h.raw("\n        <tbody>\n<tr class=\"raci-party");
            match party {
                Some(p) => {
                    let party = &site.reg.parties[p].1;
                    let kind = party.kind.as_str();
                    h.raw(" raci-party-")
                        .text(kind)
                        .raw("\"><th scope=\"rowgroup\" colspan=\"5\"><a href=\"")
                        .text(&party_url(site, p))
                        .raw("\">");
                    h.text(&party.name).raw("</a> <span class=\"side side-").text(kind).raw("\">").text(&side_label(kind)).raw("</span>");
                }
                None => {
                    h.raw("\"><th scope=\"rowgroup\" colspan=\"5\">Owners outside any party");
                }
            }
            h.raw("</th></tr>");
            for k in members {
                h.raw("\n<tr><th scope=\"row\"><a href=\"");
                owner_href(h, refs, grid.owners[k]);
                h.raw("\">").raw(refs.owner_texts.name(grid.owners[k])).raw("</a></th>");
                // One workstream is a bare link; several are a list, one to a line.
                for list in grid.roles_of(k) {
                    h.raw("<td>");
                    match list.as_slice() {
                        [] => {}
                        [r] => link(h, *r),
                        many => {
                            h.raw("<ul class=\"raci-ws\">");
                            for &r in many {
                                h.raw("<li>");
                                link(h, r);
                                h.raw("</li>");
                            }
                            h.raw("</ul>");
                        }
                    }
                    h.raw("</td>");
                }
                h.raw("</tr>");
            }
            h.raw("\n        </tbody>");
        }
        h.raw("\n      </table>\n    </div>");
    }
    h.raw("\n  </section>");
}
