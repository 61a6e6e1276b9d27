//! The generated views: owner pages, workstream lists, the matrix, the compact FAQ, the home
//! page and party pages.

use super::*;

/// `owner.html` for page `k` of owner `o`.
pub(crate) fn owner(site: &Site, refs: &Refs, o: usize, k: usize) -> Vec<u8> {
    let name = site.reg.owners[o].1.name.as_str();
    let first = owner_url(site, o);
    let url = paged_url(&first, k);
    let title = [name, "Owners"];
    let frame = Frame::view(&title, " page-owner", &url);
    // About 220 bytes a row: sized up front, a large owner's page is not copied as it grows.
    let capacity = 16 * 1024 + site.own.by_owner[o].len().min(ROWS_PER_PAGE) * 256;
    document(site, refs, &frame, capacity, &|h| owner_content(h, site, refs, o, k, &first, &url))
}

fn owner_content(h: &mut Html, site: &Site, refs: &Refs, o: usize, k: usize, first: &str, url: &str) {
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
    let rows = refs.owner_rows(site, o);
    let c = rows.counts;
    h.raw("\n  </div>\n  <dl class=\"stats stats-raci\">\n    <div><dt>Accountable</dt><dd>").num(c.a);
    h.raw("</dd></div>\n    <div><dt>Responsible</dt><dd>").num(c.r).raw("</dd></div>\n    <div><dt>Consulted</dt><dd>").num(c.c);
    h.raw("</dd></div>\n    <div><dt>Informed</dt><dd>").num(c.i).raw("</dd></div>\n  </dl>\n</header>\n\n<section class=\"block\" aria-labelledby=\"owner-workstreams\">\n  <h2 id=\"owner-workstreams\">Workstreams</h2>");
    let holdings = &site.own.by_owner[o];
    if holdings.is_empty() {
        h.raw("\n  <p class=\"muted\">").text(&owner.name).raw(" holds no role in any playbook.</p>");
    }
    let shown = rows.on_page(k);
    let paged = page_count(holdings.len()) > 1;
    let index = rows.ws_index(site, o, k);
    if !index.is_empty() {
        h.raw("\n  <ul class=\"list-index\">");
        for (w, count, link) in &index {
            h.raw("\n    <li><a href=\"").text(link).raw("\">").raw(refs.ws_texts.name(*w)).raw("</a> <span class=\"count\">");
            h.num(*count).raw("</span></li>");
        }
        h.raw("\n  </ul>");
    }
    if paged {
        h.raw("\n  ");
        pager(h, first, k, &Paging::fixed(holdings.len()), "Pages of this list");
    }
    // The row of `shown` being written, for prefetching the rows after it.
    let mut row = 0;
    for group in shown.chunk_by(|&a, &b| holdings[a as usize].ws() == holdings[b as usize].ws()) {
        let w = holdings[group[0] as usize].ws();
        let t = &refs.ws_texts;
        let (wid, name) = (t.id(w), t.name(w));
        h.raw("\n  <section class=\"sub-block\" aria-labelledby=\"owner-ws-").raw(wid).raw("\">\n    <h3 id=\"owner-ws-").raw(wid);
        h.raw("\"><a href=\"")
            .raw(t.url(w))
            .raw("\">")
            .raw(name)
            .raw("</a></h3>\n    <div class=\"table-wrap\" role=\"region\" aria-labelledby=\"owner-ws-");
        h.raw(wid).raw("-caption\" tabindex=\"0\">\n      <table class=\"data compact\">\n        <caption id=\"owner-ws-").raw(wid);
        h.raw("-caption\" class=\"visually-hidden\">Roles of ").raw(refs.owner_texts.name(o)).raw(" in ").raw(name);
        h.raw(", by playbook</caption>\n        <thead>\n          <tr><th scope=\"col\">Playbook</th><th scope=\"col\">Client</th><th scope=\"col\">Roles</th></tr>\n        </thead>\n        <tbody>");
        for &j in group {
            listed.prefetch(|ahead| shown.get(ahead).map(|&j| holdings[j as usize].page()), row);
            row += 1;
            let held = holdings[j as usize];
            let page = held.page();
            let item = listed.get(page);
            h.raw("\n<tr><th scope=\"row\"><a href=\"").raw(item.href).raw("#ws-").raw(wid);
            h.raw("\">").raw(item.title).raw("</a>").raw(item.status).raw("</th><td>");
            h.raw(item.client.unwrap_or(NONE));
            h.raw("</td><td><span class=\"roles\">").raw(role_badges(held.roles)).raw("</span></td></tr>");
        }
        h.raw("\n        </tbody>\n      </table>\n    </div>\n  </section>");
    }
    if paged {
        h.raw("\n  ");
        pager(h, first, k, &Paging::fixed(holdings.len()), "Pages of this list, again");
    }
    h.raw("\n</section>");
}

/// The badges of a set of roles (an owner page's last column), made once per process.
fn role_badges(roles: u8) -> &'static str {
    static BADGES: std::sync::OnceLock<Vec<String>> = std::sync::OnceLock::new();
    let table = BADGES.get_or_init(|| {
        (0..=u8::MAX)
            .map(|bits| {
                let mut h = Html(Vec::new());
                for r in crate::ownership::role::names(bits) {
                    h.raw("<span class=\"role role-").text(r).raw("\">").text(r).raw("</span>");
                }
                String::from_utf8(h.0).unwrap_or_default()
            })
            .collect()
    });
    &table[usize::from(roles)]
}

/// `workstream.html` for page `k` of workstream `w`.
pub(crate) fn workstream(site: &Site, refs: &Refs, w: usize, k: usize) -> Vec<u8> {
    let ws = &site.reg.workstreams[w].1;
    let first = ws_url(site, w);
    let url = paged_url(&first, k);
    let description = ws.description.as_deref().unwrap_or("");
    let title = [ws.name.as_str(), "Workstreams"];
    let frame = Frame {
        description: Some(if description.is_empty() { &site.description } else { description }),
        ..Frame::view(&title, " page-workstream", &url)
    };
    document(site, refs, &frame, 256 * 1024, &|h| workstream_content(h, site, refs, w, k, &first, &url))
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
    let paging = ws_paging(site, w);
    let shown: Vec<(usize, usize)> = all[paging.rows(k)].to_vec();
    if shown.is_empty() {
        h.raw("\n  <p class=\"muted\">No playbook covers this workstream yet.</p>");
    } else {
        h.raw("\n  ");
        pager(h, first, k, paging, "Pages of this list");
        h.raw("\n  <div class=\"table-wrap\" role=\"region\" aria-labelledby=\"workstream-caption\" tabindex=\"0\">\n    <table class=\"data\">\n      <caption id=\"workstream-caption\">Accountable and responsible owners for ")
            .text(&ws.name)
            .raw(" in each playbook</caption>\n      <thead>\n        <tr>\n          <th scope=\"col\">Playbook</th>\n          <th scope=\"col\">Side</th>\n          <th scope=\"col\">Accountable</th>\n          <th scope=\"col\">Responsible</th>\n          <th scope=\"col\">Coverage</th>\n        </tr>\n      </thead>\n      <tbody>");
        let (items, anchor) = (listed(site, refs), format!("ws-{id}"));
        let rows = shown.iter().map(|&(p, r)| &site.own.rows[p][r]);
        refs.owner_texts.prefetch(rows.flat_map(|row| row.accountable().iter().take(1).chain(row.responsible())));
        for (p, r) in shown {
            let row = &site.own.rows[p][r];
            let side = row.side();
            h.raw("\n<tr>");
            playbook_cell(h, &items.get(p), &anchor, "");
            h.raw("<td><span class=\"side side-").text(side).raw("\">").text(&side_label(side)).raw("</span></td><td>");
            owner_with_party(h, site, refs, row.accountable().first(), "<span class=\"missing\">No accountable owner</span>");
            h.raw("</td><td>");
            owner_items(h, refs, row.responsible(), "<ul class=\"owner-list\">");
            h.raw("</td><td>");
            coverage(h, row.coverage);
            h.raw("</td></tr>");
        }
        h.raw("\n      </tbody>\n    </table>\n  </div>\n  ");
        pager(h, first, k, paging, "Pages of this list, again");
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
    let frame = Frame { replaces_main: true, ..Frame::view(&["Responsibility matrix"], " page-matrix", &url) };
    document(site, refs, &frame, 512 * 1024, &|h| matrix_content(h, site, refs, k, &first))
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
    let listed = matrix_listed(site);
    let paging = matrix_paging(site);
    let shown: Vec<usize> = listed[paging.rows(k)].to_vec();
    if shown.is_empty() || used.is_empty() {
        h.raw("\n  <p class=\"muted\">No playbooks to compare yet.</p>");
    } else {
        h.raw("\n  ");
        pager(h, first, k, paging, "Matrix pages");
        h.raw("\n  <div class=\"table-wrap matrix-wrap\" role=\"region\" aria-labelledby=\"matrix-caption\" tabindex=\"0\">\n    <table class=\"data matrix-table\">\n      <caption id=\"matrix-caption\">Accountable owner by playbook and workstream</caption>\n      <thead>\n        <tr>\n          <th scope=\"col\" class=\"corner\">Playbook</th>");
        for &w in &used {
            h.raw("\n          <th scope=\"col\"><a href=\"")
                .text(&ws_url(site, w))
                .raw("\">")
                .text(&site.reg.workstreams[w].1.name)
                .raw("</a></th>");
        }
        h.raw("\n        </tr>\n      </thead>\n      <tbody>");
        refs.owner_texts.prefetch(shown.iter().flat_map(|&i| site.own.rows[i].iter().filter_map(|row| row.accountable().first())));
        for i in shown {
            let item = items.get(i);
            // The playbook's URL, escaped once per build; a row links to it from every cell.
            let url = item.href;
            h.raw("\n<tr>");
            playbook_cell(h, &item, "", " ");
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
                let side = row.side();
                let wid = refs.ws_texts.id(row.ws);
                h.raw("<td class=\"cell-side-").text(side).raw("\">");
                match row.accountable().first() {
                    Some(o) => {
                        owner_link(h, refs, o);
                        h.raw(" <a class=\"cell-link\" href=\"")
                            .raw(url)
                            .raw("#ws-")
                            .raw(wid)
                            .raw("\"><span class=\"side side-")
                            .text(side);
                        h.raw("\">").text(&side_label(side)).raw("</span><span class=\"visually-hidden\"> (see the row)</span></a>");
                    }
                    None => {
                        h.raw("<a class=\"missing\" href=\"").raw(url).raw("#ws-").raw(wid).raw("\">No accountable owner</a>");
                    }
                }
                h.raw("</td>");
            }
            h.raw("</tr>");
        }
        h.raw("\n      </tbody>\n    </table>\n  </div>\n  ");
        pager(h, first, k, paging, "Matrix pages, again");
    }
    h.raw("\n</section>\n</div>");
}

/// Page `k` of `faq.html` in its compact form (past [`crate::render::FAQ_FULL_LIMIT`] distinct
/// questions: questions by topic, linked to their answers, 500 rows a page), the one large
/// sites get; `None` for a smaller FAQ, which renders through Tera.
pub(crate) fn faq(site: &Site, refs: &Refs, k: usize) -> Option<Vec<u8>> {
    let c = refs.faq(site)?;
    let first = format!("{}faq/", site.base_path);
    let url = paged_url(&first, k);
    let scripts = format!("\n  <script src=\"{}static/faq.js\" defer></script>", escaped(&site.base_path));
    let frame = Frame { scripts: &scripts, ..Frame::view(&["Frequently asked questions"], " page-faq", &url) };
    let parts = c.on_page(k);
    let listed: usize = parts.iter().map(|(_, range)| range.len()).sum();
    Some(document(site, refs, &frame, 16 * 1024 + c.topics.len() * 120 + listed * 160, &|h| {
        h.raw("\n<header class=\"page-header\">\n  <div class=\"page-heading\">\n    <h1>Frequently asked questions</h1>\n    <p class=\"lede\">Questions from every playbook, by topic. Each one opens its answer in the playbook that gives it; every playbook lists its own questions too.</p>\n  </div>\n</header>\n\n<div class=\"faq-filter\" data-faq-filter hidden>\n  <label for=\"faq-filter-input\">Filter questions");
        if c.pages() > 1 {
            h.raw(" on this page");
        }
        h.raw("</label>\n  <input id=\"faq-filter-input\" type=\"search\" autocomplete=\"off\" spellcheck=\"false\" placeholder=\"e.g. after-hours, compliance, switch\">\n  <p class=\"faq-filter-status\" role=\"status\" aria-live=\"polite\"></p>\n</div>");
        h.raw(
            "\n<nav class=\"block\" aria-labelledby=\"faq-topics\">\n  <h2 id=\"faq-topics\">Topics</h2>\n  <ul class=\"faq-topic-index\">",
        );
        for (t, (_, name, list)) in c.topics.iter().enumerate() {
            h.raw("\n    <li><a href=\"")
                .text(&c.topic_link(&first, t, k))
                .raw("\">")
                .text(name)
                .raw("</a> <span class=\"count\">")
                .num(list.len())
                .raw("</span></li>");
        }
        h.raw("\n  </ul>\n</nav>\n");
        pager(h, &first, k, &Paging::fixed(c.rows), "Question pages");
        h.raw("\n<section class=\"block faq-group-set\" aria-labelledby=\"faq-by-topic\" data-faq-set>\n  <h2 id=\"faq-by-topic\">By topic</h2>");
        for (t, range) in &parts {
            let (id, name, list) = &c.topics[*t];
            h.raw("\n  <section class=\"faq-group\" aria-labelledby=\"faq-topic-")
                .text(id)
                .raw("\" data-faq-group>\n    <h3 id=\"faq-topic-")
                .text(id);
            h.raw("\">").text(name);
            if range.start > 0 {
                h.raw(" (continued)");
            }
            h.raw(" <span class=\"count\">").num(list.len()).raw("</span></h3>\n    <ul class=\"faq-links\">");
            for &q in &list[range.clone()] {
                let f = c.item(site, q);
                let asked_in = &site.pages[c.questions[q].0];
                h.raw("\n<li data-faq-item><a href=\"").text(&site.base_path).text(&asked_in.path).raw("#").text(&f.anchor);
                h.raw("\">").text(&f.question).raw("</a> <span class=\"faq-from\">").text(&asked_in.title).raw("</span>");
                if f.internal {
                    h.raw(" <span class=\"badge-internal\">Internal only</span>");
                }
                h.raw("</li>");
            }
            h.raw("\n    </ul>\n  </section>");
        }
        h.raw("\n</section>\n");
        pager(h, &first, k, &Paging::fixed(c.rows), "Question pages, again");
    }))
}

/// `index.html`: the home page, with the text of `content/_index.md` when page `home` is it.
pub(crate) fn index(site: &Site, refs: &Refs, home: Option<usize>) -> Vec<u8> {
    let title = home.map(|i| site.pages[i].title.as_str()).unwrap_or(site.title.as_str());
    let url = site.base_path.clone();
    // The site's title alone when the home page has no other.
    let parts: &[&str] = if !title.is_empty() && title != site.title { &[title] } else { &[] };
    let frame = Frame::view(parts, " page-home", &url);
    document(site, refs, &frame, 64 * 1024, &|h| index_content(h, site, refs, home, title))
}

fn index_content(h: &mut Html, site: &Site, refs: &Refs, home: Option<usize>, title: &str) {
    let items = listed(site, refs);
    let playbooks = site.playbook_count();
    h.raw("\n<header class=\"page-header home-hero\">\n  <div class=\"page-heading\">\n    <p class=\"eyebrow\">");
    h.raw(if site.audience == Audience::Internal { "Internal runbook" } else { "Engagement guide" });
    if let Some(client) = site.guide_client_name() {
        h.raw(" for ").text(client);
    }
    h.raw("</p>\n    <h1>");
    h.text(if title.is_empty() { &site.title } else { title }).raw("</h1>");
    if !site.description.is_empty() {
        h.raw("\n    <p class=\"lede\">").text(&site.description).raw("</p>");
    }
    h.raw("\n  </div>\n  <dl class=\"stats\">\n    <div><dt>Playbooks</dt><dd>").num(playbooks);
    h.raw("</dd></div>\n    <div><dt>Workstreams</dt><dd>").num(site.reg.workstreams.len());
    h.raw("</dd></div>\n    <div><dt>Owners</dt><dd>").num(refs.owner_shown.iter().filter(|s| **s).count());
    h.raw("</dd></div>\n    <div><dt>Parties</dt><dd>")
        .num(refs.party_shown.iter().filter(|s| **s).count())
        .raw("</dd></div>\n  </dl>\n</header>");
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
                    let (item, page) = (items.get(j), &site.pages[j]);
                    h.raw("\n        <li>\n          <a class=\"playbook-link\" href=\"").raw(item.href).raw("\">").raw(item.title);
                    h.raw("</a>\n          <span class=\"playbook-meta\">");
                    model_tag(h, page.fm.model.as_deref().unwrap_or(""));
                    h.raw(item.status);
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
                    let item = items.get(j);
                    h.raw("\n        <li><a href=\"").raw(item.href).raw("\">").raw(item.title).raw("</a>").raw(item.status);
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
        h.raw("\n<section class=\"block\" aria-labelledby=\"home-other\">\n  <h2 id=\"home-other\">Other pages</h2>\n  <ul class=\"card-grid\">");
        for j in other {
            h.raw("\n    <li>");
            page_card(h, site, &items.get(j), j);
            h.raw("</li>");
        }
        h.raw("\n  </ul>\n</section>");
    }
}

/// `party.html` for party `p`.
pub(crate) fn party(site: &Site, refs: &Refs, p: usize) -> Vec<u8> {
    let (_, party) = &site.reg.parties[p];
    let url = party_url(site, p);
    let title = [party.name.as_str()];
    let frame = Frame::view(&title, " page-party", &url);
    document(site, refs, &frame, 64 * 1024, &|h| party_content(h, site, refs, p, &url))
}

fn party_content(h: &mut Html, site: &Site, refs: &Refs, p: usize, url: &str) {
    let party = &site.reg.parties[p].1;
    let items = listed(site, refs);
    let pages = &site.own.pages_by_party[p];
    let owners = &refs.party_owners[p];
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
            page_card(h, site, &items.get(j), j);
            h.raw("</li>");
        }
        h.raw("\n  </ul>");
    }
    h.raw("\n</section>\n\n<section class=\"block\" aria-labelledby=\"party-owners\">\n  <h2 id=\"party-owners\">Owners and what they hold</h2>");
    if owners.is_empty() {
        h.raw("\n  <p class=\"muted\">No owners are listed for ").text(&party.name).raw(".</p>");
    }
    for &o in owners {
        let (oid, owner) = &site.reg.owners[o];
        let per_ws = super::super::holdings_by_ws(site, o);
        h.raw("\n  <section class=\"sub-block\" aria-labelledby=\"party-owner-").text(oid).raw("\">\n    <h3 id=\"party-owner-").text(oid);
        h.raw("\"><a href=\"");
        owner_href(h, refs, o);
        h.raw("\">")
            .text(&owner.name)
            .raw("</a> <span class=\"count\">")
            .num(per_ws.len())
            .raw(if per_ws.len() == 1 { " workstream" } else { " workstreams" })
            .raw("</span></h3>");
        if per_ws.is_empty() {
            h.raw("\n    <p class=\"muted\">No roles held.</p>");
        } else {
            h.raw("\n    <div class=\"table-wrap\" role=\"region\" aria-labelledby=\"party-owner-").text(oid);
            h.raw("-caption\" tabindex=\"0\">\n      <table class=\"data compact counts\">\n        <caption id=\"party-owner-").text(oid);
            h.raw("-caption\" class=\"visually-hidden\">Workstreams held by ").text(&owner.name);
            h.raw(", with how many playbooks give each role</caption>\n        <thead>\n          <tr><th scope=\"col\">Workstream</th><th scope=\"col\" class=\"num\"><abbr title=\"Accountable\">A</abbr></th><th scope=\"col\" class=\"num\"><abbr title=\"Responsible\">R</abbr></th><th scope=\"col\" class=\"num\"><abbr title=\"Consulted\">C</abbr></th><th scope=\"col\" class=\"num\"><abbr title=\"Informed\">I</abbr></th><th scope=\"col\" class=\"num\"><abbr title=\"On the escalation path or after hours\">E</abbr></th></tr>\n        </thead>\n        <tbody>");
            for (w, c, page) in per_ws {
                h.raw("\n          <tr>\n            <th scope=\"row\"><a href=\"");
                owner_href(h, refs, o);
                if page > 0 {
                    h.raw("page/").num(page + 1).raw("/");
                }
                h.raw("#owner-ws-")
                    .raw(refs.ws_texts.id(w))
                    .raw("\">")
                    .raw(refs.ws_texts.name(w))
                    .raw("</a></th>\n            <td class=\"num\">")
                    .num(c.a);
                h.raw("</td><td class=\"num\">").num(c.r).raw("</td><td class=\"num\">").num(c.c).raw("</td><td class=\"num\">").num(c.i);
                h.raw("</td><td class=\"num\">").num(c.e);
                h.raw("</td>\n          </tr>");
            }
            h.raw("\n        </tbody>\n      </table>\n    </div>");
        }
        h.raw("\n  </section>");
    }
    h.raw("\n</section>");
}
