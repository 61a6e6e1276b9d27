//! The site search as a build writes it: `search-index.js` (what each audience may find) and the
//! search page. What the page does with the index in a browser is `tests/browser.rs`.

mod common;

use std::collections::BTreeSet;

use common::*;
use serde_json::Value;

const ACME: &str = "content/clients/acme.md";

/// A client playbook, an internal runbook (the only place Beta IT is named), a guide whose title
/// comes from its heading, and sections.
fn fixture() -> Site {
    let s = Site::with_config();
    s.file("content/clients/_index.md", "---\ntitle: Clients\n---\nEvery client.\n");
    s.file(
        ACME,
        &acme_playbook("Acme co-managed", "Body.\n").replacen(
            "model:",
            "summary: Who answers Acme's calls\ntags: [retail, pilot]\nmodel:",
            1,
        ),
    );
    s.file(
        "content/internal/bridge.md",
        "---\ntitle: Night bridge runbook zqinternal\nsummary: Bridge number zqsecret\naudience: internal\nworkstreams:\n  help-desk: desk\n  security-monitoring: soc-team\n  reporting:\n    accountable: eng\n    responsible: [eng, beta-it]\n---\nInternal.\n",
    );
    s.file("content/guides/reading.md", "---\nsummary: How to read one\naudience: client\n---\n# Reading a playbook\n\nText.\n");
    s
}

/// `search-index.js` of the output folder `out`, as the JSON it assigns.
fn index(s: &Site, out: &str) -> Value {
    let text = s.read(&format!("{out}/search-index.js"));
    let json = text
        .strip_prefix("window.demarcateSearch=")
        .and_then(|t| t.strip_suffix(";\n"))
        .unwrap_or_else(|| panic!("search-index.js is not one assignment:\n{text}"));
    serde_json::from_str(json).unwrap_or_else(|e| panic!("search-index.js holds no JSON ({e}):\n{text}"))
}

/// The names in an index list, leaving out the owners it has no page for (`null`).
fn names(list: &Value) -> Vec<String> {
    list.as_array().expect("a list").iter().filter(|e| !e.is_null()).map(|e| e[0].as_str().expect("a name").to_string()).collect()
}

/// The page entry titled `title`.
fn page<'a>(idx: &'a Value, title: &str) -> &'a Value {
    idx["pages"].as_array().expect("pages").iter().find(|p| p[0] == title).unwrap_or_else(|| panic!("no page `{title}` in {idx}"))
}

/// What the entry of page `title` names through the index's lists: (workstreams, owners).
fn named_by(idx: &Value, title: &str) -> (BTreeSet<String>, BTreeSet<String>) {
    let p = page(idx, title);
    let via = |at: usize, list: &str| -> BTreeSet<String> {
        p[at]
            .as_array()
            .expect("indices")
            .iter()
            .map(|n| idx[list][n.as_u64().expect("index") as usize][0].as_str().expect("name").to_string())
            .collect()
    };
    (via(4, "workstreams"), via(5, "owners"))
}

fn set(items: &[&str]) -> BTreeSet<String> {
    items.iter().map(|s| s.to_string()).collect()
}

#[test]
fn the_index_lists_every_visible_page_with_what_its_rows_name() {
    let s = fixture();
    s.run(&["build"]).ok();
    let idx = index(&s, "site");
    assert_eq!(idx["version"], 1);

    let mut titles = names(&idx["pages"]);
    titles.sort();
    assert_eq!(titles, ["Acme co-managed", "Night bridge runbook zqinternal", "Reading a playbook"], "sections are not listed, pages are");
    let acme = page(&idx, "Acme co-managed");
    assert_eq!(acme[1], "/clients/acme/");
    assert_eq!(acme[2], "Who answers Acme's calls");
    assert_eq!(idx["parties"][acme[3].as_u64().expect("a client") as usize][0], "Acme Corp");
    assert_eq!(acme[6], "retail pilot");
    assert_eq!(acme.as_array().map(Vec::len), Some(7), "a playbook in force has no status: {acme}");
    let (ws, owners) = named_by(&idx, "Acme co-managed");
    assert_eq!(ws, set(&["Help desk", "Security monitoring"]));
    assert_eq!(owners, set(&["Service desk", "Acme IT", "Engineering", "Acme leadership", "SOC team"]));
    let guide = page(&idx, "Reading a playbook");
    assert_eq!((guide[3].clone(), guide[4].clone(), guide[5].clone()), (Value::Null, serde_json::json!([]), serde_json::json!([])));

    // Ids and aliases are searchable too: a playbook may name an owner or workstream by them.
    let help_desk = idx["workstreams"].as_array().unwrap().iter().find(|w| w[0] == "Help desk").expect("help desk");
    assert_eq!(help_desk[2], "help-desk service-desk");
    assert!(idx["owners"].as_array().unwrap().iter().all(|o| o.is_array()), "the internal build has a page for every owner");

    // Every link in the index leads to a page the build wrote.
    for list in ["pages", "owners", "workstreams", "parties"] {
        for e in idx[list].as_array().unwrap().iter().filter(|e| !e.is_null()) {
            let url = e[1].as_str().expect("a URL");
            assert!(s.exists(&format!("site/{}", output_file_for(url))), "{list}: {url} was not written");
        }
    }
}

#[test]
fn a_client_build_indexes_no_internal_page_and_no_owner_without_visible_work() {
    let s = fixture();
    s.run(&["build", "--audience", "client", "-o", "client"]).ok();
    let text = s.read("client/search-index.js");
    for secret in ["zqinternal", "zqsecret", "Beta IT", "beta-it", "/internal/"] {
        assert!(!text.contains(secret), "the client search index holds `{secret}`:\n{text}");
    }
    let idx = index(&s, "client");
    let mut titles = names(&idx["pages"]);
    titles.sort();
    assert_eq!(titles, ["Acme co-managed", "Reading a playbook"]);
    assert!(!s.exists("client/owners/beta-it/index.html"), "the owner has no page in the client build either");
    let listed = idx["owners"].as_array().unwrap();
    assert_eq!(listed.len(), 6, "owners keep their places in the registry");
    assert_eq!(listed.iter().filter(|o| o.is_null()).count(), 1, "only Beta IT has no client-visible work");
    for o in listed.iter().filter(|o| !o.is_null()) {
        assert!(s.exists(&format!("client/{}", output_file_for(o[1].as_str().unwrap()))), "{o}: no page for a listed owner");
    }
    // Every owner a page names is listed.
    let (_, owners) = named_by(&idx, "Acme co-managed");
    assert_eq!(owners, set(&["Service desk", "Acme IT", "Engineering", "Acme leadership", "SOC team"]));
}

#[test]
fn the_search_page_is_linked_from_every_page_and_kept_out_of_the_sitemap() {
    let s = fixture();
    s.run(&["build"]).ok();
    let html = s.read("site/search/index.html");
    let srcs = attr_values(&html, "src");
    assert_eq!(srcs, ["/search-index.js", "/static/search.js"], "the index loads before the script that reads it");
    assert!(s.exists("site/static/search.js"));
    assert!(html.contains("<meta name=\"robots\" content=\"noindex\">"));
    assert!(html.contains("role=\"search\"") && html.contains("name=\"q\""), "a form that works as a plain GET too");
    assert!(html.contains("<noscript>"), "without JavaScript the page says what to do instead");
    // It says it is loading until the script runs; without JavaScript that line is hidden.
    assert!(html.contains("search-loading\" role=\"status\" aria-live=\"polite\" data-search-status>Loading the search index…</p>"));
    assert!(html.contains("<noscript><style>.search-loading { display: none; }</style></noscript>"));
    // Every other page has a search box in its header that opens the search page with the
    // words (a plain GET: `?q=`), labelled for screen readers; the search page has its own.
    let header_search = |html: &str| {
        let at = html.find("<form class=\"header-search\"")?;
        let end = at + html[at..].find("</form>")? + "</form>".len();
        Some(html[at..end].to_string())
    };
    let built = files_below(&s.path().join("site"));
    let pages: Vec<&String> = built.iter().filter(|f| f.ends_with(".html")).collect();
    assert!(pages.len() > 10, "{pages:?}");
    for page in pages {
        let html = s.read(&format!("site/{page}"));
        if page == "search/index.html" {
            assert_eq!(header_search(&html), None, "the search page has its own search box");
            continue;
        }
        let form = header_search(&html).unwrap_or_else(|| panic!("{page} has no search box in its header"));
        assert_eq!(attr_values(&form, "action"), ["/search/"], "{page}");
        assert_eq!(attr_values(&form, "method"), ["get"], "{page}");
        assert_eq!(attr_values(&form, "name"), ["q"], "{page}");
        assert_eq!(attr_values(&form, "for"), attr_values(&form, "id"), "{page}: the box has a label");
        let header = &html[..html.find("</header>").unwrap_or(0)];
        assert!(header.contains(&form), "{page}: the search box is in the site header");
    }
    assert!(!s.read("site/sitemap.xml").contains("/search/"), "the sitemap lists the search page");
}

#[test]
fn search_at_the_top_of_content_is_reserved_for_the_search_page_but_pages_below_it_are_not() {
    let s = fixture();
    s.file("content/search/_index.md", "---\ntitle: Searching\n---\nMine.\n");
    let r = s.run(&["build"]);
    r.fails_with(1);
    assert!(r.stderr.contains("duplicate-url") && r.stderr.contains("/search/ is reserved"), "{}", r.stderr);

    std::fs::remove_file(s.path().join("content/search/_index.md")).unwrap();
    s.file("content/search/tips.md", "---\ntitle: Search tips\n---\nUse fewer words.\n");
    s.run(&["build"]).ok();
    assert!(s.exists("site/search/tips/index.html") && s.exists("site/search/index.html"));
    assert!(names(&index(&s, "site")["pages"]).contains(&"Search tips".to_string()));
}

#[test]
fn a_playbook_not_in_force_carries_its_status_into_the_index() {
    let s = fixture();
    let text = s.read("content/clients/acme.md").replacen("client: acme\n", "client: acme\nstatus: proposal\n", 1);
    s.file("content/clients/acme.md", &text);
    s.run(&["build"]).ok();
    let idx = index(&s, "site");
    assert_eq!(page(&idx, "Acme co-managed")[7], serde_json::json!(["proposal", "Proposal"]));
}
