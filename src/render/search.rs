//! The site search's index, `search-index.js`: what the default theme's search page
//! (`search.html`, `static/search.js`) looks through in the browser. It holds only what the
//! build's audience sees: the visible pages that are not sections (title, URL, summary,
//! client, tags, the workstreams and owners of their rows, and for a playbook not in force its
//! status), the parties, the workstreams
//! and the owners that have a page in this build. It is a script, not JSON, so the search
//! works from `file://` too, where a page cannot fetch a file.
//!
//! Its URLs are the site's absolute paths; opened from disk (`file://`, a `build --offline`
//! site), the search page makes them relative to itself, as the build does every page's links.
//!
//! It is made from front-matter only (a page's title included, even when it comes from the
//! first heading), so it changes exactly when the ownership export does, and is written
//! whenever that is, spliced as that is.

use serde_json::json;

use super::exports::Export;
use super::{Refs, owner_url, party_url, ws_url};
use crate::site::Site;

/// The file the index is written to, at the root of the output.
pub const SEARCH_INDEX: &str = "search-index.js";

/// The index's format; `static/search.js` reads this version.
const FORMAT: u32 = 1;

/// The index as an [`Export`]: a head with the parties, workstreams and owners, then one entry
/// per listed page, made in parallel batches as the file is written, or only for the edited
/// pages and spliced into the previous file by a warm build.
pub(super) fn search_index<'a>(site: &'a Site, refs: &Refs) -> Export<'a> {
    // Parties the build does not show (`parties_shown`) are `null`, as owners are below.
    let parties: Vec<serde_json::Value> =
        site.reg
            .parties
            .iter()
            .enumerate()
            .map(|(p, (id, party))| {
                if refs.party_shown[p] { json!([party.name, party_url(site, p), party.kind.as_str(), id]) } else { serde_json::Value::Null }
            })
            .collect();
    let workstreams: Vec<serde_json::Value> =
        site.reg.workstreams.iter().enumerate().map(|(w, (id, ws))| json!([ws.name, ws_url(site, w), also(id, &ws.aliases)])).collect();
    // Owners without a page in this build (a client build's owners of internal work only) are
    // `null`. Pages name owners by their place in the registry, so a page's entry depends on
    // that page alone and a warm build can splice in just the edited pages' entries (every owner
    // a visible page names has a page: it holds that page's work).
    let owners: Vec<serde_json::Value> = site
        .reg
        .owners
        .iter()
        .enumerate()
        .map(|(o, (id, owner))| {
            if refs.owner_shown[o] {
                json!([owner.name, owner_url(site, o), site.reg.owner_party[o], also(id, &owner.aliases)])
            } else {
                serde_json::Value::Null
            }
        })
        .collect();
    // `base`: the path the URLs start with, for the search page opened from disk
    // (`build --offline`), where it makes them relative.
    let head = json!({"version": FORMAT, "base": site.base_path, "parties": parties, "workstreams": workstreams, "owners": owners});
    let head = head.to_string();
    // `{…}` becomes `window.demarcateSearch={…,"pages":[`, the pages following.
    let head = format!("window.demarcateSearch={},\"pages\":[", head.strip_suffix('}').unwrap_or(&head));
    let part = move |i: usize| {
        let p = &site.pages[i];
        if !site.visible[i] || p.is_section {
            return None;
        }
        let rows = &site.own.rows[i];
        let mut workstreams: Vec<usize> = rows.iter().map(|r| r.ws).collect();
        workstreams.sort_unstable();
        workstreams.dedup();
        let mut owners: Vec<usize> = rows.iter().flat_map(|r| r.owner_roles()).map(|(o, _)| o).collect();
        owners.sort_unstable();
        owners.dedup();
        let mut entry = json!([
            p.title,
            site.url(i),
            p.fm.summary.as_deref().unwrap_or(""),
            site.own.client[i],
            workstreams,
            owners,
            p.fm.tags.0.join(" "),
        ]);
        // A playbook not in force is marked in the results too; one in force adds nothing.
        let status = p.fm.status;
        if status != crate::content::Status::Current
            && let Some(fields) = entry.as_array_mut()
        {
            fields.push(json!([status.as_str(), status.label()]));
        }
        serde_json::to_vec(&entry).ok()
    };
    Export { head: head.into_bytes(), pages: site.pages.len(), part: Box::new(part), sep: b",", tail: b"]};\n" }
}

/// The other names an owner or workstream is found by (its id and aliases, as front-matter
/// may name it): searched, never shown.
fn also(id: &str, aliases: &[String]) -> String {
    let mut words = vec![id];
    words.extend(aliases.iter().map(String::as_str));
    words.join(" ")
}
