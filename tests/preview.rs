//! The incremental paths of the live preview give exactly the files a full build gives.
mod common;
use common::*;

use demarcate::preview::{Preview, Rebuild};
use demarcate::site::BuildOptions;

fn site_with_three_playbooks() -> Site {
    three_playbook_site()
}

/// A page (relative to content/) and how to rewrite its text.
type Edit<'a> = (&'a str, &'a dyn Fn(&str) -> String);

fn assert_same_as_full(s: &Site, edits: &[Edit]) {
    assert_paths(s, edits, None);
}

/// Applies the edits one by one; after each, the preview must equal a full build, and when
/// `expect` is given, the preview must have taken that rebuild path.
fn assert_paths(s: &Site, edits: &[Edit], expect: Option<&str>) {
    let opts = BuildOptions { base_url: Some("http://127.0.0.1:1/".into()), ..BuildOptions::default() };
    let mut live = Preview::new(s.path(), opts.clone());
    assert!(!live.has_errors(), "{:?}", live.diagnostics);
    for (rel, edit) in edits {
        let path = format!("content/{rel}");
        let text = s.read(&path);
        s.file(&path, &edit(&text));
        live.apply(&[Rebuild::Page(rel.to_string())]);
        if let Some(p) = expect {
            assert_eq!(live.last_path, p, "rebuild path after editing {rel}");
        }
        // Views a front-matter edit leaves stale are rendered on demand; render them all.
        live.flush();
        assert!(live.stale.is_empty());
        let fresh = Preview::new(s.path(), opts.clone());
        assert_eq!(live.has_errors(), fresh.has_errors(), "{:?}", live.diagnostics);
        assert_eq!(live.diagnostics.items, fresh.diagnostics.items, "diagnostics after editing {rel}");
        if fresh.has_errors() {
            // A broken site keeps serving its last good build; a fresh one has none to serve.
            continue;
        }
        let live_keys: Vec<&String> = live.files.keys().collect();
        let fresh_keys: Vec<&String> = fresh.files.keys().collect();
        assert_eq!(live_keys, fresh_keys, "after editing {rel}");
        for (k, v) in &fresh.files {
            let mine = &live.files[k];
            assert!(
                mine == v,
                "after editing {rel}, {k} differs from a full build:\n--- incremental\n{}\n--- full\n{}",
                String::from_utf8_lossy(mine),
                String::from_utf8_lossy(v)
            );
        }
    }
}

#[test]
fn body_edit_matches_a_full_build() {
    let s = site_with_three_playbooks();
    assert_paths(
        &s,
        &[("clients/acme/managed.md", &|t| t.replace("The desk.", "The desk, then engineering.") + "\nMore.\n")],
        Some("body"),
    );
}

#[test]
fn owner_change_matches_a_full_build() {
    let s = site_with_three_playbooks();
    assert_paths(&s, &[("clients/acme/co-managed.md", &|t| t.replace("consulted: [eng]", "consulted: [acme-boss]"))], Some("front-matter"));
}

#[test]
fn title_and_summary_changes_match_a_full_build() {
    let s = site_with_three_playbooks();
    assert_same_as_full(
        &s,
        &[
            ("clients/acme/managed.md", &|t| t.replace("title: Acme managed", "title: Acme fully managed\nsummary: Everything with us.")),
            ("clients/beta.md", &|t| t.replace("title: Beta", "title: Beta Ltd")),
        ],
    );
}

#[test]
fn workstream_added_and_accountable_moved_match_a_full_build() {
    let s = site_with_three_playbooks();
    assert_paths(
        &s,
        &[
            ("clients/beta.md", &|t| t.replace("  help-desk: beta-it\n", "  help-desk: beta-it\n  documentation: eng\n")),
            ("clients/acme/co-managed.md", &|t| t.replace("accountable: desk", "accountable: acme-it")),
        ],
        Some("front-matter"),
    );
}

#[test]
fn faq_edit_in_front_matter_matches_a_full_build() {
    let s = site_with_three_playbooks();
    assert_same_as_full(&s, &[("clients/beta.md", &|t| t.replace("Who watches alerts?", "Who watches the alerts at night?"))]);
}

#[test]
fn an_edit_that_breaks_and_one_that_fixes_match_full_builds() {
    let s = site_with_three_playbooks();
    assert_same_as_full(
        &s,
        &[
            ("clients/beta.md", &|t| t.replace("help-desk: beta-it", "help-desk: beta-itt")),
            ("clients/beta.md", &|t| t.replace("help-desk: beta-itt", "help-desk: beta-it")),
        ],
    );
}

#[test]
fn a_stale_view_is_rendered_on_demand() {
    let s = site_with_three_playbooks();
    let opts = BuildOptions { base_url: Some("http://127.0.0.1:1/".into()), ..BuildOptions::default() };
    let mut live = Preview::new(s.path(), opts);
    let rel = "content/clients/acme/co-managed.md";
    s.file(rel, &s.read(rel).replace("consulted: [eng]", "consulted: [acme-boss]"));
    live.apply(&[Rebuild::Page("clients/acme/co-managed.md".into())]);
    assert_eq!(live.last_path, "front-matter");
    assert!(live.stale.contains("owners/acme-boss/index.html"), "{:?}", live.stale);
    let page = live.ensure("owners/acme-boss/index.html").expect("owner page");
    assert!(String::from_utf8_lossy(&page).contains("/clients/acme/co-managed/#ws-help-desk"));
    assert!(!live.stale.contains("owners/acme-boss/index.html"));
}
