//! Issue 3: the ownership views. Three playbooks and five owners, written out here, and every
//! view that is derived from them: owner pages, the links between playbooks and owners, the
//! matrix, ownership.json and matrix.csv.

mod common;

use std::collections::{BTreeMap, BTreeSet};

use common::*;
use serde_json::Value;

const OWN_CONFIG: &str = "title: Ownership fixture
base_url: https://own.example/
parties:
  msp: {name: Managed Co, kind: provider}
  acme: {name: Acme Corp, kind: client}
  beta: {name: Beta Ltd, kind: client}
  soc: {name: SOC Vendor, kind: vendor}
owners:
  desk: {name: Service desk, party: msp, contact: desk@msp.example, hours: 24x7}
  eng: {name: Engineering, party: msp, contact: eng@msp.example, hours: business-hours}
  acme-it: {name: Acme IT, party: acme, contact: it@acme.example}
  beta-it: {name: Beta IT, party: beta, contact: it@beta.example}
  soc-team: {name: SOC team, party: soc, contact: soc@soc.example, hours: 24x7}
workstreams:
  help-desk: {name: Help desk, required: true}
  security-monitoring: {name: Security monitoring}
  patching: {name: Patching}
  reporting: {name: Reporting}
";

/// `clients/acme/managed.md`: a title with a comma and quotes, to exercise CSV quoting.
const ACME_MANAGED: &str = r#"---
title: 'Acme, "fully" managed'
client: acme
model: managed
workstreams:
  help-desk:
    accountable: desk
    responsible: [desk]
    consulted: [eng]
    informed: [acme-it]
    coverage: 24x7
    after_hours: desk
    escalation: [desk, eng]
    handoff: Desk hands on-site work to [Acme IT](../beta/managed.md#ws-help-desk).
  security-monitoring: soc-team
  patching:
    accountable: eng
    responsible: [eng, acme-it]
---
## Overview

See the [co-managed option](co-managed.md#ws-reporting).
"#;

const ACME_CO: &str = r#"---
title: Acme co-managed
client: acme
model: co-managed
workstreams:
  help-desk:
    accountable: acme-it
    responsible: [acme-it]
    consulted: [desk]
  reporting: eng
---
## Overview

Acme runs its own desk.
"#;

const BETA_MANAGED: &str = r#"---
title: Beta managed
client: beta
model: managed
workstreams:
  help-desk:
    accountable: desk
    responsible: [desk, beta-it]
    after_hours: desk
  security-monitoring:
    accountable: soc-team
    responsible: [soc-team]
    informed: [beta-it]
  patching: beta-it
---
## Overview

Beta.
"#;

const AM: &str = "/clients/acme/managed/";
const AC: &str = "/clients/acme/co-managed/";
const BM: &str = "/clients/beta/managed/";

fn fixture() -> Site {
    let s = Site::new();
    s.file("demarcate.yaml", OWN_CONFIG);
    s.file("content/clients/acme/managed.md", ACME_MANAGED);
    s.file("content/clients/acme/co-managed.md", ACME_CO);
    s.file("content/clients/beta/managed.md", BETA_MANAGED);
    s
}

fn built() -> Site {
    let s = fixture();
    let r = s.run(&["build"]);
    r.ok();
    assert!(!r.stderr.contains("warning"), "the fixture should build without warnings:\n{}", r.stderr);
    s
}

/// One row of the fixture: (playbook URL, workstream, accountable, responsible, consulted,
/// informed, after_hours, escalation).
struct Row {
    playbook: &'static str,
    ws: &'static str,
    a: &'static str,
    r: &'static [&'static str],
    c: &'static [&'static str],
    i: &'static [&'static str],
    after: Option<&'static str>,
    esc: &'static [&'static str],
}

const ROWS: [Row; 8] = [
    Row {
        playbook: AM,
        ws: "help-desk",
        a: "desk",
        r: &["desk"],
        c: &["eng"],
        i: &["acme-it"],
        after: Some("desk"),
        esc: &["desk", "eng"],
    },
    Row { playbook: AM, ws: "security-monitoring", a: "soc-team", r: &["soc-team"], c: &[], i: &[], after: None, esc: &[] },
    Row { playbook: AM, ws: "patching", a: "eng", r: &["eng", "acme-it"], c: &[], i: &[], after: None, esc: &[] },
    Row { playbook: AC, ws: "help-desk", a: "acme-it", r: &["acme-it"], c: &["desk"], i: &[], after: None, esc: &[] },
    Row { playbook: AC, ws: "reporting", a: "eng", r: &["eng"], c: &[], i: &[], after: None, esc: &[] },
    Row { playbook: BM, ws: "help-desk", a: "desk", r: &["desk", "beta-it"], c: &[], i: &[], after: Some("desk"), esc: &[] },
    Row { playbook: BM, ws: "security-monitoring", a: "soc-team", r: &["soc-team"], c: &[], i: &["beta-it"], after: None, esc: &[] },
    Row { playbook: BM, ws: "patching", a: "beta-it", r: &["beta-it"], c: &[], i: &[], after: None, esc: &[] },
];

const OWNERS: [&str; 5] = ["desk", "eng", "acme-it", "beta-it", "soc-team"];

/// Roles an owner holds in a row, with the names the owner page uses.
fn roles_of(row: &Row, owner: &str) -> BTreeSet<&'static str> {
    let mut out = BTreeSet::new();
    if row.a == owner {
        out.insert("accountable");
    }
    for (list, name) in [(row.r, "responsible"), (row.c, "consulted"), (row.i, "informed"), (row.esc, "escalation")] {
        if list.contains(&owner) {
            out.insert(name);
        }
    }
    if row.after == Some(owner) {
        out.insert("after-hours");
    }
    out
}

/// Expected rows of an owner page: link → roles.
fn expected_owner_rows(owner: &str) -> BTreeMap<String, BTreeSet<&'static str>> {
    ROWS.iter()
        .filter_map(|row| {
            let roles = roles_of(row, owner);
            (!roles.is_empty()).then(|| (format!("{}#ws-{}", row.playbook, row.ws), roles))
        })
        .collect()
}

/// The `<tr>…</tr>` chunks of an HTML text.
fn table_rows(html: &str) -> Vec<&str> {
    html.match_indices("<tr").map(|(i, _)| element_at(html, i)).collect()
}

#[test]
fn each_owner_page_lists_exactly_the_rows_the_owner_holds() {
    let s = built();
    for owner in OWNERS {
        let html = s.read(&format!("site/owners/{owner}/index.html"));
        let expected = expected_owner_rows(owner);
        assert!(!expected.is_empty());
        let shown: BTreeSet<String> = hrefs(&html).into_iter().filter(|h| h.contains("#ws-")).collect();
        let want: BTreeSet<String> = expected.keys().cloned().collect();
        assert_eq!(shown, want, "owner {owner}: rows shown differ from the fixture");
        // Each row names the roles the owner holds there, and no others.
        for (link, roles) in &expected {
            let rows: Vec<&str> = table_rows(&html).into_iter().filter(|r| hrefs(r).contains(link)).collect();
            assert_eq!(rows.len(), 1, "owner {owner}: {link} should be one table row");
            let shown: BTreeSet<&str> = ["accountable", "responsible", "consulted", "informed", "after-hours", "escalation"]
                .into_iter()
                .filter(|role| rows[0].contains(&format!("role-{role}\"")) || rows[0].contains(&format!("role-{role} ")))
                .collect();
            assert_eq!(&shown, roles, "owner {owner}, row {link}: roles");
        }
    }
}

#[test]
fn owners_index_lists_every_owner_by_party() {
    let s = built();
    let html = s.read("site/owners/index.html");
    let links: BTreeSet<String> = hrefs(&html).into_iter().filter(|h| h.starts_with("/owners/") && h.len() > "/owners/".len()).collect();
    let want: BTreeSet<String> = OWNERS.iter().map(|o| format!("/owners/{o}/")).collect();
    assert_eq!(links, want);
    for party in ["Managed Co", "Acme Corp", "Beta Ltd", "SOC Vendor"] {
        assert!(html.contains(party), "owners index does not name party {party}");
    }
}

/// The party page counts, per owner and workstream, the rows that give each of A, R, C and I,
/// and the rows that put the owner on call (escalation path or after hours) as E: an owner only
/// on call would otherwise show a row of zeros.
#[test]
fn party_pages_count_each_owners_roles_per_workstream() {
    let s = built();
    let html = s.read("site/parties/msp/index.html");
    for owner in ["desk", "eng"] {
        let at = html.find(&format!("<section class=\"sub-block\" aria-labelledby=\"party-owner-{owner}\"")).expect(owner);
        let section = element_at(&html, at);
        let mut want: BTreeMap<&str, [usize; 5]> = BTreeMap::new();
        for row in &ROWS {
            let roles = roles_of(row, owner);
            if roles.is_empty() {
                continue;
            }
            let n = want.entry(row.ws).or_default();
            for (k, role) in ["accountable", "responsible", "consulted", "informed"].iter().enumerate() {
                n[k] += usize::from(roles.contains(role));
            }
            n[4] += usize::from(roles.contains("escalation") || roles.contains("after-hours"));
        }
        let mut got: BTreeMap<&str, [usize; 5]> = BTreeMap::new();
        for tr in table_rows(section).into_iter().filter(|tr| tr.contains("scope=\"row\"")) {
            let ws = tr.split("#owner-ws-").nth(1).and_then(|r| r.split('"').next()).expect(tr);
            let nums: Vec<usize> = tr.split("<td class=\"num\">").skip(1).map(|c| c.split('<').next().unwrap().parse().unwrap()).collect();
            got.insert(ws, nums.try_into().expect(tr));
        }
        assert_eq!(got, want, "{owner}'s counts on the party page");
        let heading = format!("{} workstream{}", want.len(), if want.len() == 1 { "" } else { "s" });
        assert!(section.contains(&format!("<span class=\"count\">{heading}</span>")), "{owner}: {section}");
    }
}

#[test]
fn playbook_rows_carry_ws_ids_and_link_their_owners() {
    let s = built();
    for pb in [AM, AC, BM] {
        let html = s.read(&format!("site{pb}index.html"));
        let page_ids = ids(&html);
        for row in ROWS.iter().filter(|r| r.playbook == pb) {
            let anchor = format!("ws-{}", row.ws);
            assert_eq!(page_ids.iter().filter(|i| **i == anchor).count(), 1, "{pb}: id={anchor} should exist once");
            let tr_at = html.find(&format!("id=\"{anchor}\"")).and_then(|i| html[..i].rfind("<tr")).expect("ownership row is a <tr>");
            let tr = element_at(&html, tr_at);
            let owner_links: BTreeSet<String> = hrefs(tr).into_iter().filter(|h| h.starts_with("/owners/")).collect();
            let mut want: BTreeSet<String> = BTreeSet::new();
            for o in std::iter::once(row.a)
                .chain(row.r.iter().copied())
                .chain(row.c.iter().copied())
                .chain(row.i.iter().copied())
                .chain(row.after)
                .chain(row.esc.iter().copied())
            {
                want.insert(format!("/owners/{o}/"));
            }
            assert_eq!(owner_links, want, "{pb}#{anchor}: owner links in the row");
        }
        // No row for workstreams the playbook does not have.
        let have: BTreeSet<&str> = ROWS.iter().filter(|r| r.playbook == pb).map(|r| r.ws).collect();
        for ws in ["help-desk", "security-monitoring", "patching", "reporting"].iter().filter(|w| !have.contains(*w)) {
            assert!(!page_ids.contains(&format!("ws-{ws}")), "{pb} has a row for {ws}, which it does not assign");
        }
    }
}

/// Follows every root-relative and same-page link in the output: the target file must exist and
/// its fragment must be an id in it.
#[test]
fn every_internal_link_in_the_output_resolves() {
    let s = built();
    let out = s.path().join("site");
    let files = files_below(&out);
    let mut id_cache: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    let mut ids_of = |file: &str| -> Option<BTreeSet<String>> {
        if !id_cache.contains_key(file) {
            let text = std::fs::read_to_string(out.join(file)).ok()?;
            id_cache.insert(file.to_string(), ids(&text).into_iter().collect());
        }
        id_cache.get(file).cloned()
    };
    let mut broken = Vec::new();
    let mut checked = 0;
    for f in files.iter().filter(|f| f.ends_with(".html")) {
        let html = std::fs::read_to_string(out.join(f)).unwrap();
        for h in hrefs(&html) {
            let (path, frag) = match h.split_once('#') {
                Some((p, fr)) => (p.to_string(), Some(fr.to_string())),
                None => (h.clone(), None),
            };
            let target = if path.is_empty() {
                f.clone()
            } else if path.starts_with('/') && !path.starts_with("//") {
                output_file_for(path.split('?').next().unwrap())
            } else if path.contains(':') || path.starts_with("//") {
                continue; // external, mailto:, tel:
            } else {
                // Relative to the page's own URL (its folder, for `…/index.html`).
                let base = f.rsplit_once('/').map(|(d, _)| d).unwrap_or("");
                let mut parts: Vec<&str> = base.split('/').filter(|p| !p.is_empty()).collect();
                for seg in path.split('?').next().unwrap().split('/') {
                    match seg {
                        "" | "." => {}
                        ".." => {
                            parts.pop();
                        }
                        s => parts.push(s),
                    }
                }
                let joined = parts.join("/");
                output_file_for(&if path.ends_with('/') { format!("{joined}/") } else { joined })
            };
            checked += 1;
            if !out.join(&target).is_file() {
                broken.push(format!("{f}: {h} -> no file {target}"));
                continue;
            }
            if let Some(fr) = frag.filter(|fr| !fr.is_empty())
                && target.ends_with(".html")
                && !ids_of(&target).unwrap_or_default().contains(&fr)
            {
                broken.push(format!("{f}: {h} -> {target} has no id=\"{fr}\""));
            }
        }
    }
    assert!(checked > 100, "too few links followed ({checked})");
    assert!(broken.is_empty(), "{} broken internal link(s):\n{}", broken.len(), broken.join("\n"));
}

#[test]
fn playbook_to_owner_to_playbook_round_trip() {
    let s = built();
    for row in &ROWS {
        let pb_html = s.read(&format!("site{}index.html", row.playbook));
        let owner_url = format!("/owners/{}/", row.a);
        assert!(hrefs(&pb_html).contains(&owner_url), "{} does not link its accountable owner {owner_url}", row.playbook);
        let owner_html = s.read(&format!("site{owner_url}index.html"));
        let back = format!("{}#ws-{}", row.playbook, row.ws);
        assert!(hrefs(&owner_html).contains(&back), "{owner_url} does not link back to {back}");
        assert!(ids(&pb_html).contains(&format!("ws-{}", row.ws)));
    }
}

/// Cells of the matrix page: playbook URL → workstream id → (accountable owner URL, link).
/// Per playbook, per workstream: (accountable owner link, cell link, side text).
type MatrixCells = BTreeMap<String, BTreeMap<String, (Option<String>, Option<String>, String)>>;

fn matrix_cells(html: &str) -> (Vec<String>, MatrixCells) {
    let table_at = html.find("<table").expect("matrix table");
    let table = element_at(html, table_at);
    let head = element_at(table, table.find("<thead").expect("thead"));
    let columns: Vec<String> =
        hrefs(head).into_iter().filter_map(|h| h.strip_prefix("/workstreams/").map(|w| w.trim_end_matches('/').to_string())).collect();
    let body = element_at(table, table.find("<tbody").expect("tbody"));
    let mut rows = BTreeMap::new();
    for tr in table_rows(body) {
        let th = element_at(tr, tr.find("<th").expect("row header"));
        let playbook = hrefs(th).into_iter().next().expect("row links its playbook");
        let tds: Vec<(&str, &str)> = tr
            .match_indices("<td")
            .map(|(i, _)| {
                let open = &tr[i..i + tr[i..].find('>').unwrap()];
                (open, element_at(tr, i))
            })
            .collect();
        assert_eq!(tds.len(), columns.len(), "{playbook}: one cell per workstream column");
        let mut cells = BTreeMap::new();
        for ((open, td), ws) in tds.iter().zip(&columns) {
            let links = hrefs(td);
            let owner = links.iter().find(|h| h.starts_with("/owners/")).cloned();
            let link = links.iter().find(|h| h.contains("#ws-")).cloned();
            let side = open.split("cell-side-").nth(1).map(|x| x.split(['"', ' ']).next().unwrap_or("").to_string()).unwrap_or_default();
            cells.insert(ws.clone(), (owner, link, side));
        }
        rows.insert(playbook, cells);
    }
    (columns, rows)
}

#[test]
fn matrix_has_one_cell_per_playbook_and_workstream_with_the_accountable_owner() {
    let s = built();
    let (columns, rows) = matrix_cells(&s.read("site/matrix/index.html"));
    assert_eq!(columns, ["help-desk", "security-monitoring", "patching", "reporting"], "matrix columns");
    assert_eq!(rows.keys().cloned().collect::<BTreeSet<_>>(), [AM, AC, BM].iter().map(|s| s.to_string()).collect());
    for (pb, cells) in &rows {
        for ws in &columns {
            let (owner, link, _) = &cells[ws];
            match ROWS.iter().find(|r| r.playbook == pb && r.ws == ws) {
                Some(row) => {
                    assert_eq!(owner.as_deref(), Some(format!("/owners/{}/", row.a).as_str()), "matrix {pb} × {ws}: accountable");
                    assert_eq!(link.as_deref(), Some(format!("{pb}#ws-{ws}").as_str()), "matrix {pb} × {ws}: link to the row");
                }
                None => {
                    assert_eq!(owner, &None, "matrix {pb} × {ws} should be empty");
                    assert_eq!(link, &None, "matrix {pb} × {ws} should be empty");
                }
            }
        }
    }
    // Sides where accountable and responsible owners sit on one side of the boundary.
    let side = |pb: &str, ws: &str| rows[pb][ws].2.clone();
    assert_eq!(side(AC, "help-desk"), "client");
    assert_eq!(side(AC, "reporting"), "provider");
    assert_eq!(side(AM, "help-desk"), "provider");
    assert_eq!(side(AM, "security-monitoring"), "vendor");
    assert_eq!(side(BM, "patching"), "client");
}

#[test]
fn ownership_json_matches_the_fixture() {
    let s = built();
    let doc: Value = serde_json::from_str(&s.read("site/ownership.json")).expect("ownership.json is JSON");
    assert!(doc["schema_version"].as_u64().is_some_and(|v| v >= 1), "schema_version: {}", doc["schema_version"]);
    let ids_of = |key: &str| -> BTreeSet<String> {
        doc[key].as_array().unwrap_or_else(|| panic!("{key} is not a list")).iter().map(|v| v["id"].as_str().unwrap().to_string()).collect()
    };
    assert_eq!(ids_of("owners"), OWNERS.iter().map(|s| s.to_string()).collect());
    assert_eq!(ids_of("parties"), ["msp", "acme", "beta", "soc"].iter().map(|s| s.to_string()).collect());
    assert_eq!(
        ids_of("workstreams"),
        ["help-desk", "security-monitoring", "patching", "reporting"].iter().map(|s| s.to_string()).collect()
    );
    for o in doc["owners"].as_array().unwrap() {
        let want_party = match o["id"].as_str().unwrap() {
            "desk" | "eng" => "msp",
            "acme-it" => "acme",
            "beta-it" => "beta",
            _ => "soc",
        };
        assert_eq!(o["party"], want_party, "owner {}", o["id"]);
    }

    let playbooks = doc["playbooks"].as_array().expect("playbooks");
    assert_eq!(playbooks.len(), 3);
    let by_url: BTreeMap<&str, &Value> = playbooks.iter().map(|p| (p["url"].as_str().unwrap(), p)).collect();
    assert_eq!(by_url[AM]["client"], "acme");
    assert_eq!(by_url[AC]["client"], "acme");
    assert_eq!(by_url[BM]["client"], "beta");
    assert_eq!(by_url[AM]["title"], "Acme, \"fully\" managed");
    assert_eq!(by_url[AM]["source"], "content/clients/acme/managed.md");
    let list = |v: &Value| -> Vec<String> {
        v.as_array().map(|a| a.iter().map(|x| x.as_str().unwrap().to_string()).collect()).unwrap_or_default()
    };
    let strs = |l: &[&str]| -> Vec<String> { l.iter().map(|s| s.to_string()).collect() };
    let mut seen = 0;
    for (url, p) in &by_url {
        let assignments = p["assignments"].as_array().expect("assignments");
        let want: Vec<&Row> = ROWS.iter().filter(|r| r.playbook == *url).collect();
        let got_ws: Vec<&str> = assignments.iter().map(|a| a["workstream"].as_str().unwrap()).collect();
        assert_eq!(got_ws, want.iter().map(|r| r.ws).collect::<Vec<_>>(), "{url}: workstreams in front-matter order");
        for (a, row) in assignments.iter().zip(&want) {
            let ctx = format!("{url} {}", row.ws);
            assert_eq!(a["accountable"], row.a, "{ctx}");
            assert_eq!(list(&a["responsible"]), strs(row.r), "{ctx}");
            assert_eq!(list(&a["consulted"]), strs(row.c), "{ctx}");
            assert_eq!(list(&a["informed"]), strs(row.i), "{ctx}");
            assert_eq!(list(&a["escalation"]), strs(row.esc), "{ctx}");
            assert_eq!(a["after_hours"].as_str(), row.after, "{ctx}");
            seen += 1;
        }
    }
    assert_eq!(seen, ROWS.len());
    assert_eq!(by_url[AM]["assignments"][0]["coverage"], "24x7");
}

#[test]
fn matrix_csv_is_rfc4180_with_one_row_per_playbook_and_workstream() {
    let s = built();
    let text = s.read("site/matrix.csv");
    let records = parse_csv_rfc4180(&text).unwrap_or_else(|e| panic!("matrix.csv is not RFC 4180: {e}\n{text}"));
    let (header, rows) = records.split_first().expect("a header row");
    for r in rows {
        assert_eq!(r.len(), header.len(), "every record has as many fields as the header: {r:?}");
    }
    let col = |name: &str| header.iter().position(|h| h == name).unwrap_or_else(|| panic!("no `{name}` column in {header:?}"));
    let (pb, ws, acc, resp, title) = (col("playbook"), col("workstream"), col("accountable"), col("responsible"), col("title"));
    assert_eq!(rows.len(), ROWS.len(), "one record per (playbook, workstream)");
    let keys: BTreeSet<(String, String)> = rows.iter().map(|r| (r[pb].clone(), r[ws].clone())).collect();
    assert_eq!(keys.len(), rows.len(), "a (playbook, workstream) pair appears twice");
    for row in &ROWS {
        let rec = rows
            .iter()
            .find(|r| r[pb].trim_end_matches('/').ends_with(row.playbook.trim_end_matches('/')) && r[ws] == row.ws)
            .unwrap_or_else(|| panic!("no record for {} {}", row.playbook, row.ws));
        assert_eq!(rec[acc], row.a, "{} {}", row.playbook, row.ws);
        let responsible: Vec<&str> = rec[resp].split(';').map(str::trim).filter(|x| !x.is_empty()).collect();
        assert_eq!(responsible, row.r, "{} {}", row.playbook, row.ws);
        if row.playbook == AM {
            assert_eq!(rec[title], "Acme, \"fully\" managed", "a title with a comma and quotes survives the round trip");
        }
    }
}

/// Handoff notes are Markdown; a relative `.md` link in one must be rewritten like a body link.
#[test]
fn links_in_handoff_notes_are_rewritten_to_page_urls() {
    let s = built();
    let html = s.read(&format!("site{AM}index.html"));
    let tr_at = html.find("id=\"ws-help-desk\"").and_then(|i| html[..i].rfind("<tr")).unwrap();
    let links = hrefs(element_at(&html, tr_at));
    assert!(links.contains(&format!("{BM}#ws-help-desk")), "handoff link not rewritten: {links:?}");
    assert!(!links.iter().any(|l| l.contains(".md")), "a .md link survived in the handoff: {links:?}");
}

#[test]
fn unknown_owner_in_a_playbook_is_reported_at_its_line() {
    let s = fixture();
    s.file("content/clients/beta/managed.md", &BETA_MANAGED.replace("informed: [beta-it]", "informed: [beta-itt]"));
    let (code, diags) = check_json(s.path(), &[]);
    assert_eq!(code, 1);
    let d = diags.iter().find(|d| d["code"] == "unknown-owner").unwrap_or_else(|| panic!("{diags:?}"));
    assert_eq!(d["file"], "content/clients/beta/managed.md");
    assert_eq!(d["line"], 13);
    assert!(d["help"].as_str().unwrap_or("").contains("beta-it"), "{d}");
}

/// Issue 3's "done means": a generated 200-playbook corpus builds every view, and every
/// root-relative link in the output (with its fragment) lands on a file and an id that exist.
#[test]
fn generated_corpus_builds_every_view_with_every_link_resolving() {
    let Some(shared) = shared_dir() else {
        eprintln!("SKIPPING: shared/ not found (set DEMARCATE_SHARED)");
        return;
    };
    let dir = tempfile::tempdir().expect("tempdir");
    let corpus = dir.path().join("corpus");
    let generated = std::process::Command::new("python3")
        .arg(shared.join("bench/gen-corpus.py"))
        .args(["--pages", "200", "--out"])
        .arg(&corpus)
        .output()
        .expect("python3 runs");
    assert!(generated.status.success(), "gen-corpus failed: {}", String::from_utf8_lossy(&generated.stderr));
    let out = dir.path().join("out");
    run_in(&corpus, &["build", "--quiet", "-o", &out.to_string_lossy()]).ok();
    for view in ["owners/index.html", "workstreams/index.html", "matrix/index.html", "faq/index.html", "ownership.json", "matrix.csv"] {
        assert!(out.join(view).is_file(), "missing {view}");
    }
    let pages: Vec<String> = files_below(&out).into_iter().filter(|f| f.ends_with(".html")).collect();
    let mut anchors: std::collections::HashMap<String, std::collections::HashSet<String>> = std::collections::HashMap::new();
    let mut texts = Vec::new();
    for p in &pages {
        let text = std::fs::read_to_string(out.join(p)).expect("read page");
        anchors.insert(p.clone(), ids(&text).into_iter().collect());
        texts.push((p.clone(), text));
    }
    let (mut checked, mut broken) = (0, Vec::new());
    for (page, text) in &texts {
        for href in hrefs(text).into_iter().filter(|h| h.starts_with('/') && !h.starts_with("//")) {
            checked += 1;
            let (path, frag) = href.split_once('#').unwrap_or((&href, ""));
            let file = output_file_for(path);
            if !out.join(&file).is_file() {
                broken.push(format!("{page}: {href} (no file)"));
            } else if !frag.is_empty() && anchors.get(&file).is_some_and(|ids| !ids.contains(frag)) {
                broken.push(format!("{page}: {href} (no #{frag})"));
            }
        }
    }
    assert!(checked > 10_000, "only {checked} links found");
    assert!(broken.is_empty(), "{} of {checked} links broken, e.g. {:?}", broken.len(), &broken[..broken.len().min(5)]);
}

#[test]
fn long_lists_continue_on_numbered_pages_with_every_row_once() {
    let s = Site::with_config();
    for i in 0..1203 {
        s.file(
            &format!("content/p{i:04}.md"),
            &format!(
                "---\ntitle: Playbook {i}\nclient: beta\nworkstreams:\n  help-desk: beta-it\n  security-monitoring: soc-team\n---\nBody.\n"
            ),
        );
    }
    s.run(&["build"]).ok();
    // A large site's home page summarises by client instead of listing 1,203 playbooks.
    let home = s.read("site/index.html");
    assert!(hrefs(&home).contains(&"/parties/beta/".to_string()), "the home page links the client");
    assert!(!hrefs(&home).iter().any(|h| h.starts_with("/p0")), "the home page lists every playbook of a large site");
    for first in ["matrix/", "workstreams/help-desk/"] {
        let mut seen = Vec::new();
        let mut pages = Vec::new();
        let mut k = 1;
        loop {
            let file = if k == 1 { format!("site/{first}index.html") } else { format!("site/{first}page/{k}/index.html") };
            if !s.exists(&file) {
                break;
            }
            let html = s.read(&file);
            let body = element_at(&html, html.find("<tbody").expect("a table"));
            let rows: Vec<String> = hrefs(body).into_iter().filter(|h| h.starts_with("/p") && !h.contains('#')).collect();
            let rows = if rows.is_empty() {
                hrefs(body).into_iter().filter(|h| h.starts_with("/p")).map(|h| h.split('#').next().unwrap().to_string()).collect()
            } else {
                rows
            };
            let mut unique = rows.clone();
            unique.dedup();
            // Cut where the rows say: at least 200 rows a page but on the last, at most 1,000.
            assert!(unique.len() <= 1000, "{file}: more than 1,000 rows");
            pages.push(unique.len());
            seen.extend(unique);
            // Every pager link resolves to a page of the list.
            for h in hrefs(&html).into_iter().filter(|h| h.starts_with(&format!("/{first}page/")) || h == &format!("/{first}")) {
                assert!(s.exists(&format!("site{}index.html", h)), "{file}: pager link {h} goes nowhere");
            }
            k += 1;
        }
        assert!((2..=6).contains(&pages.len()), "{first}: 1,203 rows make {} pages", pages.len());
        assert!(pages[..pages.len() - 1].iter().all(|&n| n >= 200), "{first}: a short page before the last: {pages:?}");
        // Only the first page's pager shows the total.
        assert!(s.read(&format!("site/{first}index.html")).contains(&format!("Page 1 of {} · 1203 rows in all</p>", pages.len())));
        assert!(s.read(&format!("site/{first}page/2/index.html")).contains(&format!("Page 2 of {}</p>", pages.len())));
        let mut sorted = seen.clone();
        sorted.sort();
        sorted.dedup();
        assert_eq!(sorted.len(), 1203, "{first}: every playbook exactly once");
        assert_eq!(seen.len(), 1203, "{first}: a playbook listed twice");
    }
}

/// An owner's page is a list too: past 500 rows it continues on `/owners/ID/page/2/`, rows
/// still grouped by workstream (a group cut by the page break keeps its heading on both pages),
/// the role totals the same on every page, every (playbook, workstream) row exactly once, and
/// an index of the owner's workstreams on every page.
#[test]
fn a_large_owners_rows_continue_on_numbered_pages_grouped_by_workstream() {
    let s = Site::with_config();
    for i in 0..520 {
        // Engineering is consulted on every help desk and responsible for 100 reports.
        let reporting = if i < 100 { "\n  reporting:\n    accountable: desk\n    responsible: [eng]" } else { "" };
        s.file(
            &format!("content/p{i:04}.md"),
            &format!(
                "---\ntitle: Playbook {i}\nclient: acme\nworkstreams:\n  help-desk:\n    accountable: desk\n    responsible: [desk]\n    consulted: [eng]\n  security-monitoring: soc-team{reporting}\n---\nBody.\n"
            ),
        );
    }
    s.run(&["build"]).ok();
    assert!(!s.exists("site/owners/eng/page/3/index.html"), "620 rows make two pages");
    let pages = [s.read("site/owners/eng/index.html"), s.read("site/owners/eng/page/2/index.html")];
    let mut seen: Vec<(String, String)> = Vec::new();
    for (k, html) in pages.iter().enumerate() {
        let (first, last) = if k == 0 { (1, 500) } else { (501, 620) };
        let status = if k == 0 { "Page 1 of 2 · 620 rows in all</p>" } else { "Page 2 of 2</p>" };
        assert!(html.contains(status), "page {}: pager status", k + 1);
        // Totals of the owner, not of the page.
        assert!(html.contains("<dt>Consulted</dt><dd>520</dd>") && html.contains("<dt>Responsible</dt><dd>100</dd>"));
        let groups: Vec<String> = ids(html).into_iter().filter(|id| id.starts_with("owner-ws-") && !id.ends_with("-caption")).collect();
        let expected: &[&str] = if k == 0 { &["owner-ws-help-desk"] } else { &["owner-ws-help-desk", "owner-ws-reporting"] };
        assert_eq!(groups, expected, "page {}: workstream groups", k + 1);
        let rows: Vec<(String, String)> = hrefs(html)
            .into_iter()
            .filter(|h| h.starts_with("/p") && h.contains("#ws-"))
            .map(|h| {
                let (page, ws) = h.split_once("#ws-").expect("a row link");
                (page.to_string(), ws.to_string())
            })
            .collect();
        assert_eq!(rows.len(), last - first + 1, "page {}: rows", k + 1);
        seen.extend(rows);
        for h in hrefs(html).into_iter().filter(|h| h.starts_with("/owners/eng/")) {
            let (path, anchor) = h.split_once('#').unwrap_or((&h, ""));
            let target = s.read(&format!("site{path}index.html"));
            assert!(anchor.is_empty() || ids(&target).contains(&anchor.to_string()), "page {}: {h} goes nowhere", k + 1);
        }
    }
    // Each page lists the owner's workstreams, linked to where their rows start.
    let index = |html: &str| -> String { element_at(html, html.find("<ul class=\"list-index\"").expect("a workstream index")).to_string() };
    let (one, two) = (index(&pages[0]), index(&pages[1]));
    assert!(one.contains("<a href=\"#owner-ws-help-desk\">Help desk</a> <span class=\"count\">520</span>"), "{one}");
    assert!(one.contains("<a href=\"/owners/eng/page/2/#owner-ws-reporting\">Reporting</a> <span class=\"count\">100</span>"), "{one}");
    assert!(
        two.contains("<a href=\"/owners/eng/#owner-ws-help-desk\">Help desk</a>") && two.contains("<a href=\"#owner-ws-reporting\">"),
        "{two}"
    );
    assert!(pages[0].contains("href=\"/owners/eng/page/2/\" rel=\"next\""));
    assert!(pages[1].contains("href=\"/owners/eng/\" rel=\"prev\""));
    let mut unique = seen.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(unique.len(), 620, "every row exactly once");
    assert_eq!(seen.iter().filter(|(_, ws)| ws == "help-desk").count(), 520);
    assert!(s.read("site/sitemap.xml").contains("/owners/eng/page/2/</loc>"));
    // The party pages link each owner's workstreams to where their rows start, too.
    let mut checked = 0;
    for party in std::fs::read_dir(s.path().join("site/parties")).expect("party pages") {
        let party = std::fs::read_to_string(party.expect("entry").path().join("index.html")).expect("a party page");
        for h in hrefs(&party).into_iter().filter(|h| h.starts_with("/owners/") && h.contains("#owner-ws-")) {
            let (path, anchor) = h.split_once('#').expect("an anchor");
            assert!(ids(&s.read(&format!("site{path}index.html"))).contains(&anchor.to_string()), "a party page's {h} goes nowhere");
            checked += 1;
        }
    }
    assert!(checked > 3, "only {checked} links from party pages to owners' workstreams");
    // A small owner's page has neither pager nor index.
    let small = s.read("site/owners/acme-it/index.html");
    assert!(!small.contains("class=\"pager\"") && !small.contains("list-index"));
}

/// Past eight owners the RACI section turns into one row per owner: owners grouped under a
/// header row per party (clients, providers, vendors, then owners with no party), each row with
/// the workstreams the owner is accountable for, responsible for, consulted on and informed of.
#[test]
fn a_playbook_with_many_owners_lists_their_raci_roles_by_party_one_column_per_role() {
    let s = Site::new();
    s.file(
        "demarcate.yaml",
        "title: Wide RACI
checks: {unknown-party: warning}
parties:
  msp: {name: Managed Co, kind: provider}
  soc: {name: SOC Vendor, kind: vendor}
  acme: {name: Acme Corp, kind: client}
owners:
  desk: {name: Service desk, party: msp}
  eng: {name: Engineering, party: msp}
  noc: {name: Network ops, party: msp}
  soc-team: {name: SOC team, party: soc}
  acme-it: {name: Acme IT, party: acme}
  acme-cfo: {name: Acme finance, party: acme}
  acme-hr: {name: Acme HR, party: acme}
  auditor: {name: External auditor, party: outside}
  counsel: {name: Outside counsel, party: outside}
workstreams:
  help-desk: {name: Help desk}
  security-monitoring: {name: Security monitoring}
  reporting: {name: Reporting}
",
    );
    // `outside` is not a party: with `unknown-party` lowered to a warning, those owners have none.
    // The vendor and the party-less owners appear first, so the grouping, not the order of
    // appearance, puts the client first.
    s.file(
        "content/wide.md",
        "---
title: Wide
client: acme
workstreams:
  security-monitoring: {accountable: soc-team, responsible: [soc-team, noc], consulted: [auditor], informed: [acme-it]}
  help-desk: {accountable: desk, responsible: [desk, eng], consulted: [acme-it], informed: [counsel, acme-hr]}
  reporting: {accountable: acme-cfo, responsible: [eng], informed: [acme-it, auditor]}
---
",
    );
    s.run(&["build"]).ok();
    let html = s.read("site/wide/index.html");
    let table = element_at(&html, html.find("<table class=\"data raci-by-owner\">").expect("the by-owner table"));
    assert!(!html.contains("raci-legend"), "the role columns need no letter legend");
    let head = element_at(table, table.find("<thead").unwrap());
    assert_eq!(visible_text(head), "OwnerAccountable forResponsible forConsulted onInformed of");

    // (party header, [(owner, [A, R, C, I] cell texts)]) per row group.
    type OwnerRow = (String, Vec<String>);
    let mut groups: Vec<(String, Vec<OwnerRow>)> = Vec::new();
    let mut at = 0;
    while let Some(i) = table[at..].find("<tbody>") {
        let body = element_at(table, at + i);
        at += i + body.len();
        let rows: Vec<&str> = body.split("<tr").skip(1).collect();
        assert!(rows[0].contains("scope=\"rowgroup\" colspan=\"5\""), "each group opens with a header row: {}", rows[0]);
        let owners = rows[1..]
            .iter()
            .map(|row| {
                // A cell's workstreams: one bare link, or a list of them.
                let cells: Vec<String> = row
                    .split("<td>")
                    .skip(1)
                    .map(|c| {
                        let c = c.split("</td>").next().unwrap();
                        let names: Vec<String> = c.split("<a ").skip(1).map(|a| visible_text(&format!("<a {a}"))).collect();
                        assert_eq!(c.contains("<ul class=\"raci-ws\">"), names.len() > 1, "several workstreams make a list: {c}");
                        names.join(", ")
                    })
                    .collect();
                let owner = visible_text(row.split("<td>").next().unwrap());
                (owner.trim_start_matches('>').trim().to_string(), cells)
            })
            .collect();
        groups.push((visible_text(rows[0]).trim_start_matches(|c| c != '>').trim_start_matches('>').trim().to_string(), owners));
    }
    let cells = |a: &str, r: &str, c: &str, i: &str| vec![a.to_string(), r.to_string(), c.to_string(), i.to_string()];
    let expected = vec![
        (
            "Acme Corp Client".to_string(),
            vec![
                ("Acme IT".to_string(), cells("", "", "Help desk", "Security monitoring, Reporting")),
                ("Acme HR".to_string(), cells("", "", "", "Help desk")),
                ("Acme finance".to_string(), cells("Reporting", "", "", "")),
            ],
        ),
        (
            "Managed Co Provider".to_string(),
            vec![
                ("Network ops".to_string(), cells("", "Security monitoring", "", "")),
                ("Service desk".to_string(), cells("Help desk", "Help desk", "", "")),
                ("Engineering".to_string(), cells("", "Help desk, Reporting", "", "")),
            ],
        ),
        ("SOC Vendor Vendor".to_string(), vec![("SOC team".to_string(), cells("Security monitoring", "Security monitoring", "", ""))]),
        (
            "Owners outside any party".to_string(),
            vec![
                ("External auditor".to_string(), cells("", "", "Security monitoring", "Reporting")),
                ("Outside counsel".to_string(), cells("", "", "", "Help desk")),
            ],
        ),
    ];
    assert_eq!(groups, expected);
    // Role links point at the rows of the ownership table on the same page.
    assert!(table.contains("<a href=\"#ws-reporting\">Reporting</a>"));
    assert!(html.contains("id=\"ws-reporting\""));
    assert!(table.contains("<a href=\"/parties/acme/\">Acme Corp</a>"));
}

/// A playbook that is not in force (`status: proposal` or `retired`) says so on its page, and
/// every view that lists it marks it, so no reader takes it for the agreement; one in force
/// has no mark anywhere.
#[test]
fn a_playbook_not_in_force_is_marked_wherever_it_is_listed() {
    let s = Site::with_config();
    let with_status = |title: &str, status: &str| {
        acme_playbook(title, &format!("{title} body.\n")).replacen("model: co-managed\n", &format!("model: co-managed\n{status}"), 1)
    };
    s.file("content/clients/acme/_index.md", "---\ntitle: Acme\n---\nAcme's playbooks.\n");
    s.file("content/clients/acme/today.md", &with_status("Acme today", ""));
    s.file("content/clients/acme/proposed.md", &with_status("Acme proposed", "status: proposal\n"));
    s.file("content/clients/acme/old.md", &with_status("Acme old", "status: retired\n"));
    s.run(&["build"]).ok();
    let page = s.read("site/clients/acme/proposed/index.html");
    assert!(
        page.contains(
            "<p class=\"status-note status-proposal\" role=\"note\"><span class=\"status status-proposal\">Proposal</span> Not in force"
        ),
        "the page says it is a proposal"
    );
    assert!(s.read("site/clients/acme/old/index.html").contains("<span class=\"status status-retired\">Retired</span> No longer in force"));
    assert!(!s.read("site/clients/acme/today/index.html").contains("status-note"), "a playbook in force has no note");
    // Each view that lists the three shows the two marks once per listing, right after the
    // playbook's own title or operating model.
    for view in [
        "site/index.html",
        "site/matrix/index.html",
        "site/workstreams/help-desk/index.html",
        "site/owners/desk/index.html",
        "site/parties/acme/index.html",
        "site/clients/acme/index.html",
    ] {
        let html = s.read(view);
        let marks = |status: &str| html.matches(&format!("<span class=\"status status-{status}\">")).count();
        assert!(
            marks("proposal") >= 1 && marks("proposal") == marks("retired"),
            "{view}: {} proposal and {} retired marks",
            marks("proposal"),
            marks("retired")
        );
        let today = html.find("Acme today</a>").unwrap_or_else(|| panic!("{view} lists the playbook in force"));
        assert!(
            !html[today..].split("</li>").next().unwrap_or("").split("</th>").next().unwrap_or("").contains("class=\"status"),
            "{view}: the playbook in force is marked"
        );
    }
    let json: Value = serde_json::from_str(&s.read("site/ownership.json")).unwrap();
    let statuses: BTreeMap<&str, &str> =
        json["playbooks"].as_array().unwrap().iter().map(|p| (p["title"].as_str().unwrap(), p["status"].as_str().unwrap())).collect();
    assert_eq!(statuses, BTreeMap::from([("Acme old", "retired"), ("Acme proposed", "proposal"), ("Acme today", "current")]));
    // Anything else is a wrong type that names the choices.
    s.file("content/clients/acme/old.md", &with_status("Acme old", "status: superseded\n"));
    let (run, diags) = s.check_json(&[]);
    run.fails_with(1);
    assert!(diags.iter().any(|d| d.code == "wrong-type" && d.message.contains("`current`, `proposal`, `retired`")), "{diags:#?}");
}
