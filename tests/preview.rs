//! The incremental paths of the live preview give exactly the files a full build gives.
mod common;
use common::*;

use demarcate::preview::{Outcome, Preview, Rebuild};
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
        assert_matches_full(s, &mut live, &opts, &format!("editing {rel}"));
    }
}

/// After rendering what the preview left stale, it holds what a fresh full build holds.
fn assert_matches_full(s: &Site, live: &mut Preview, opts: &BuildOptions, after: &str) {
    // Views a front-matter edit leaves stale are rendered on demand; render them all.
    live.flush();
    assert!(live.stale.is_empty());
    let fresh = Preview::new(s.path(), opts.clone());
    assert_eq!(live.has_errors(), fresh.has_errors(), "{:?}", live.diagnostics);
    assert_eq!(live.diagnostics.items, fresh.diagnostics.items, "diagnostics after {after}");
    if fresh.has_errors() {
        // A broken site keeps serving its last good build; a fresh one has none to serve.
        return;
    }
    let live_keys: Vec<&String> = live.files.keys().collect();
    let fresh_keys: Vec<&String> = fresh.files.keys().collect();
    assert_eq!(live_keys, fresh_keys, "after {after}");
    for (k, v) in &fresh.files {
        let mine = &live.files[k];
        assert!(
            mine == v,
            "after {after}, {k} differs from a full build:\n--- incremental\n{}\n--- full\n{}",
            String::from_utf8_lossy(mine),
            String::from_utf8_lossy(v)
        );
    }
}

fn preview_of(s: &Site) -> (Preview, BuildOptions) {
    let opts = BuildOptions { base_url: Some("http://127.0.0.1:1/".into()), ..BuildOptions::default() };
    let live = Preview::new(s.path(), opts.clone());
    assert!(!live.has_errors(), "{:?}", live.diagnostics);
    (live, opts)
}

/// [`preview_of`] for the client audience.
fn client_preview_of(s: &Site) -> (Preview, BuildOptions) {
    let opts = BuildOptions {
        base_url: Some("http://127.0.0.1:1/".into()),
        audience: Some(demarcate::config::Audience::Client),
        ..BuildOptions::default()
    };
    let live = Preview::new(s.path(), opts.clone());
    assert!(!live.has_errors(), "{:?}", live.diagnostics);
    (live, opts)
}

/// What the watcher reports for an editor's atomic save: the temporary file (gone by the time
/// the change is applied) and the page it was renamed over.
fn atomic_save(s: &Site, rel: &str, text: &str) -> Vec<Rebuild> {
    let temp = format!("{rel}___jb_tmp___");
    s.file(&format!("content/{temp}"), text);
    std::fs::rename(s.path().join("content").join(&temp), s.path().join("content").join(rel)).unwrap();
    vec![Rebuild::ContentFile(temp.clone()), Rebuild::Page(rel.to_string()), Rebuild::ContentFile(temp)]
}

#[test]
fn a_front_matter_edit_of_a_page_outside_the_preview_renders_nothing_and_checks_it() {
    let s = site_with_three_playbooks();
    let secret = "clients/secret.md";
    s.file(
        &format!("content/{secret}"),
        "---\ntitle: Secret escalation tree\naudience: internal\nclient: acme\nworkstreams:\n  help-desk: desk\n  security-monitoring: soc-team\n---\nInternal only.\n",
    );
    let (mut live, opts) = client_preview_of(&s);
    let files_before = live.files.clone();
    let save = |live: &mut Preview, from: &str, to: &str| {
        let text = s.read(&format!("content/{secret}"));
        s.file(&format!("content/{secret}"), &text.replace(from, to));
        live.apply(&[Rebuild::Page(secret.to_string())]);
    };
    save(&mut live, "title: Secret escalation tree", "title: Secret tree, renamed");
    assert_eq!(live.last_path, "outside");
    assert_eq!(live.files, files_before);
    assert_matches_full(&s, &mut live, &opts, "retitling an internal page");
    // Its mistakes are still reported, as a full build reports them.
    save(&mut live, "help-desk: desk", "help-desk: nobody");
    assert!(live.diagnostics.items.iter().any(|d| d.code == "unknown-owner"), "{:?}", live.diagnostics);
    assert_matches_full(&s, &mut live, &opts, "an unknown owner in an internal page");
}

#[test]
fn atomic_saves_take_the_incremental_paths() {
    let s = site_with_three_playbooks();
    let (mut live, opts) = preview_of(&s);
    let rel = "clients/acme/managed.md";
    let body = s.read(&format!("content/{rel}")).replace("The desk.", "The desk zqatomic.");
    assert_eq!(live.apply(&atomic_save(&s, rel, &body)), Outcome::Reload);
    assert_eq!(live.last_path, "body", "a body edit saved by renaming over the page");
    assert!(String::from_utf8_lossy(&live.files["clients/acme/managed/index.html"]).contains("zqatomic"));
    assert_matches_full(&s, &mut live, &opts, "an atomic body save");

    let owners = s.read(&format!("content/{rel}")).replace("accountable: desk", "accountable: acme-it");
    assert_ne!(owners, s.read(&format!("content/{rel}")), "precondition: the fixture names desk as accountable");
    live.apply(&atomic_save(&s, rel, &owners));
    assert_eq!(live.last_path, "front-matter", "a front-matter edit saved by renaming over the page");
    assert_matches_full(&s, &mut live, &opts, "an atomic front-matter save");
}

#[test]
fn a_temporary_file_that_came_and_went_changes_nothing() {
    let s = site_with_three_playbooks();
    let (mut live, _) = preview_of(&s);
    let before = live.files.clone();
    assert_eq!(live.apply(&[Rebuild::ContentFile("clients/sedX1b2c3".into())]), Outcome::Unchanged);
    assert_eq!(live.files, before);
}

/// Gives Beta a front-matter key demarcate does not know.
fn give_beta_an_unknown_key(s: &Site) {
    s.file("content/clients/beta.md", &s.read("content/clients/beta.md").replace("title: Beta", "title: Beta\ncolour: blue"));
}

/// The fixture's config with the `unknown-key` check at `level`.
fn with_unknown_key_check(config: &str, level: &str) -> String {
    config.replace("  unused-owner: off", &format!("  unused-owner: off\n  unknown-key: {level}"))
}

/// A new playbook, `content/clients/gamma.md`: Beta's, retitled.
fn add_gamma(s: &Site, title: &str) {
    let gamma = s.read("content/clients/beta.md").replace("title: Beta", &format!("title: {title}"));
    s.file("content/clients/gamma.md", &gamma);
}

#[test]
fn new_and_deleted_pages_update_the_model_and_render_the_views_on_demand() {
    let s = site_with_three_playbooks();
    let (mut live, opts) = preview_of(&s);
    add_gamma(&s, "Gamma zqgamma");
    let before = live.files.clone();
    live.apply(&[Rebuild::Page("clients/gamma.md".into())]);
    assert_eq!(live.last_path, "moved");
    assert!(!live.has_errors(), "{:?}", live.diagnostics);
    assert!(live.stale.contains("clients/gamma/index.html") && live.stale.contains("clients/index.html"), "{:?}", live.stale);
    // Only the views that show the new playbook: not another playbook's page.
    assert!(!live.stale.contains("clients/acme/managed/index.html"), "{:?}", live.stale);
    let section = live.ensure("clients/index.html").expect("the section page");
    assert!(String::from_utf8_lossy(&section).contains("zqgamma"), "the section, asked for, lists the new page");
    assert!(live.ensure("clients/gamma/index.html").is_some(), "the new page is served once asked for");
    live.flush();
    // A view rendered as before is the same copy in memory, not a second one.
    let kept: Vec<&String> = before.iter().filter(|(k, v)| live.files.get(*k).is_some_and(|now| now == *v)).map(|(k, _)| k).collect();
    assert!(kept.len() > 3, "{kept:?}");
    for k in kept {
        assert!(std::sync::Arc::ptr_eq(&before[k], &live.files[k]), "{k} is held twice");
    }
    assert_matches_full(&s, &mut live, &opts, "a new page");

    std::fs::remove_file(s.path().join("content/clients/beta.md")).unwrap();
    live.apply(&[Rebuild::Page("clients/beta.md".into())]);
    assert_eq!(live.last_path, "moved");
    assert!(live.ensure("clients/beta/index.html").is_none(), "a deleted page is gone at once, before any flush");
    assert!(!String::from_utf8_lossy(&live.ensure("clients/index.html").expect("section")).contains("/clients/beta/"));
    assert_matches_full(&s, &mut live, &opts, "a deleted page");
}

#[test]
fn a_new_page_and_a_static_file_saved_together_both_show() {
    let s = site_with_three_playbooks();
    let (mut live, opts) = preview_of(&s);
    add_gamma(&s, "Gamma");
    s.file("static/extra.css", "p { color: #123456 }");
    live.apply(&[Rebuild::Page("clients/gamma.md".into()), Rebuild::Static { css_only: false }]);
    assert_eq!(live.last_path, "pages");
    assert_eq!(live.files.get("static/extra.css").map(|f| f.as_slice()), Some(&b"p { color: #123456 }"[..]));
    assert!(live.ensure("clients/gamma/index.html").is_some());
    assert_matches_full(&s, &mut live, &opts, "a new page and a static file");
}

#[test]
fn a_text_file_saved_into_a_guide_preview_is_checked_for_other_clients_names() {
    let s = site_with_three_playbooks();
    let opts = BuildOptions { base_url: Some("http://127.0.0.1:1/".into()), client: Some("acme".into()), ..BuildOptions::default() };
    let mut live = Preview::new(s.path(), opts.clone());
    assert!(!live.has_errors(), "{:?}", live.diagnostics);
    let leaks = |live: &Preview| {
        live.diagnostics.items.iter().filter(|d| d.code == "client-leak").map(|d| (d.file.clone(), d.line)).collect::<Vec<_>>()
    };
    s.file("content/escalation-contacts.txt", "Service desk first.\nThen Beta Ltd.\n");
    live.apply(&[Rebuild::ContentFile("escalation-contacts.txt".into())]);
    assert_eq!(leaks(&live), [("content/escalation-contacts.txt".to_string(), 2)]);
    assert_matches_full(&s, &mut live, &opts, "a file naming another client");
    s.file("content/escalation-contacts.txt", "Service desk first.\n");
    live.apply(&[Rebuild::ContentFile("escalation-contacts.txt".into())]);
    assert!(leaks(&live).is_empty() && !live.has_errors(), "{:?}", live.diagnostics);
    assert_matches_full(&s, &mut live, &opts, "the name taken out");
}

#[test]
fn new_deleted_and_moved_away_content_files_rebuild_the_model_and_copy_the_assets() {
    let s = site_with_three_playbooks();
    let (mut live, opts) = preview_of(&s);
    // A new image is copied at once (the views follow on demand).
    s.file("content/clients/diagram.svg", "<svg xmlns=\"http://www.w3.org/2000/svg\"/>");
    live.apply(&[Rebuild::ContentFile("clients/diagram.svg".into())]);
    assert_eq!(live.last_path, "pages");
    assert!(live.files.contains_key("clients/diagram.svg"));
    // Deleted, it goes: the last build had it.
    std::fs::remove_file(s.path().join("content/clients/diagram.svg")).unwrap();
    live.last_path = "none";
    live.apply(&[Rebuild::ContentFile("clients/diagram.svg".into())]);
    assert_eq!(live.last_path, "pages");
    assert!(!live.files.contains_key("clients/diagram.svg"));
    // A folder moved out of content/ is reported once, for the folder: its pages go.
    let away = tempfile::tempdir().unwrap();
    std::fs::rename(s.path().join("content/clients/acme"), away.path().join("acme")).unwrap();
    live.last_path = "none";
    live.apply(&[Rebuild::ContentFile("clients/acme".into())]);
    assert_eq!(live.last_path, "pages");
    assert!(!live.files.keys().any(|k| k.starts_with("clients/acme/")), "{:?}", live.files.keys().collect::<Vec<_>>());
    assert_matches_full(&s, &mut live, &opts, "a folder moved away");
}

#[test]
fn links_to_files_and_folders_follow_them_coming_and_going() {
    let s = site_with_three_playbooks();
    s.file("content/clients/diagram.svg", "<svg xmlns=\"http://www.w3.org/2000/svg\"/>");
    let beta = s.read("content/clients/beta.md");
    s.file("content/clients/beta.md", &format!("{beta}\nSee ![the flow](diagram.svg) and [Acme](acme/).\n"));
    s.file("content/clients/acme/_index.md", "---\ntitle: Acme\n---\nAcme.\n");
    let (mut live, opts) = preview_of(&s);
    let broken =
        |live: &Preview| live.diagnostics.items.iter().filter(|d| d.code == "broken-link").map(|d| d.message.clone()).collect::<Vec<_>>();
    // The image deleted: the link breaks; back again, it holds.
    std::fs::remove_file(s.path().join("content/clients/diagram.svg")).unwrap();
    live.apply(&[Rebuild::ContentFile("clients/diagram.svg".into())]);
    assert!(broken(&live).iter().any(|m| m.contains("no such file (content/clients/diagram.svg)")), "{:?}", live.diagnostics);
    s.file("content/clients/diagram.svg", "<svg xmlns=\"http://www.w3.org/2000/svg\"/>");
    live.apply(&[Rebuild::ContentFile("clients/diagram.svg".into())]);
    assert!(broken(&live).is_empty(), "{:?}", live.diagnostics);
    assert_matches_full(&s, &mut live, &opts, "the image restored");
    // The folder's page given a slug: the link follows it.
    let index = s.read("content/clients/acme/_index.md");
    s.file("content/clients/acme/_index.md", &index.replace("title: Acme", "title: Acme\nslug: acme-corp"));
    live.apply(&[Rebuild::Page("clients/acme/_index.md".into())]);
    assert_matches_full(&s, &mut live, &opts, "the folder's page renamed");
    let page = String::from_utf8_lossy(&live.files["clients/beta/index.html"]).into_owned();
    assert!(page.contains("href=\"/clients/acme-corp/\""), "{page}");
    // The folder's page deleted: the link breaks.
    std::fs::remove_file(s.path().join("content/clients/acme/_index.md")).unwrap();
    live.apply(&[Rebuild::Page("clients/acme/_index.md".into())]);
    assert!(broken(&live).iter().any(|m| m.contains("content/clients/acme is a folder without a page")), "{:?}", live.diagnostics);
    assert_matches_full(&s, &mut live, &opts, "the folder's page deleted");
}

#[test]
fn links_into_static_follow_its_files_coming_and_going() {
    let s = site_with_three_playbooks();
    let logo = "<svg xmlns=\"http://www.w3.org/2000/svg\"/>";
    s.file("static/logo.svg", logo);
    let beta = s.read("content/clients/beta.md");
    s.file("content/clients/beta.md", &format!("{beta}\n![Our logo](/static/logo.svg)\n"));
    let (mut live, opts) = preview_of(&s);
    let broken =
        |live: &Preview| live.diagnostics.items.iter().filter(|d| d.code == "broken-link").map(|d| d.message.clone()).collect::<Vec<_>>();
    assert!(broken(&live).is_empty(), "{:?}", live.diagnostics);
    std::fs::remove_file(s.path().join("static/logo.svg")).unwrap();
    live.apply(&[Rebuild::Static { css_only: false }]);
    assert!(broken(&live).iter().any(|m| m.contains("static/ folder has a file static/logo.svg")), "{:?}", live.diagnostics);
    s.file("static/logo.svg", logo);
    live.apply(&[Rebuild::Static { css_only: false }]);
    assert!(broken(&live).is_empty(), "{:?}", live.diagnostics);
    assert_matches_full(&s, &mut live, &opts, "the logo restored");
    // A static file edited, none coming or going: no page is rendered again.
    s.file("static/logo.svg", &logo.replace("/>", "><rect/></svg>"));
    live.apply(&[Rebuild::Static { css_only: false }]);
    assert_eq!(live.last_path, "static");
    assert_matches_full(&s, &mut live, &opts, "the logo edited");
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

/// After a save that leaves errors, the next one rebuilds the model from the broken one (as
/// from a good one: each page that did not change and that no diagnostic names is taken over),
/// not everything from scratch; whatever changed while the site was broken (another page, an
/// asset, the site's stylesheet) shows once it is fixed.
#[test]
fn the_save_after_errors_rebuilds_from_the_broken_model() {
    let s = site_with_three_playbooks();
    let (mut live, opts) = preview_of(&s);
    let beta = s.read("content/clients/beta.md");
    let managed = s.read("content/clients/acme/managed.md");

    // Front-matter that does not parse, then fixed.
    s.file("content/clients/beta.md", &beta.replace("title: Beta", "title: \"Beta"));
    live.apply(&[Rebuild::Page("clients/beta.md".into())]);
    assert!(live.diagnostics.items.iter().any(|d| d.code == "invalid-yaml"), "{:?}", live.diagnostics);
    s.file("content/clients/beta.md", &beta.replace("Beta body.", "Beta body zqfixed."));
    change(&s, &mut live, &opts, &["clients/beta.md"], "recovered", "invalid YAML fixed");

    // An unknown owner; while it stands, another playbook is edited, an asset added and the
    // stylesheet changed, each a save that still leaves the error.
    s.file("content/clients/beta.md", &beta.replace("help-desk: beta-it", "help-desk: zq-nobody"));
    live.apply(&[Rebuild::Page("clients/beta.md".into())]);
    assert!(live.has_errors(), "precondition: an unknown owner is an error");
    s.file("content/clients/acme/managed.md", &managed.replace("Managed.", "Managed zqwhilebroken."));
    change(&s, &mut live, &opts, &["clients/acme/managed.md"], "recovered", "another playbook edited while broken");
    assert!(live.has_errors(), "still broken");
    s.file("content/clients/acme/diagram.txt", "zqasset\n");
    live.apply(&[Rebuild::ContentFile("clients/acme/diagram.txt".into())]);
    assert_eq!(live.last_path, "recovered");
    s.file("static/style.css", "body { color: #123; } /* zqstatic */\n");
    live.apply(&[Rebuild::Static { css_only: true }]);
    assert_eq!(live.last_path, "recovered");
    assert!(live.has_errors(), "still broken");
    s.file("content/clients/beta.md", &beta);
    change(&s, &mut live, &opts, &["clients/beta.md"], "recovered", "the unknown owner fixed");
    let page = String::from_utf8_lossy(&live.files["clients/acme/managed/index.html"]).into_owned();
    assert!(page.contains("zqwhilebroken"), "the edit made while broken shows");
    assert_eq!(live.files.get("clients/acme/diagram.txt").map(|b| b.as_slice()), Some(&b"zqasset\n"[..]));
    assert!(String::from_utf8_lossy(&live.files["static/style.css"]).contains("zqstatic"));

    // A link to a playbook that does not exist yet, fixed by adding it.
    s.file("content/clients/acme/managed.md", &managed.replace("Managed.", "See [gamma](../gamma.md)."));
    live.apply(&[Rebuild::Page("clients/acme/managed.md".into())]);
    assert!(live.diagnostics.items.iter().any(|d| d.code == "broken-link"), "{:?}", live.diagnostics);
    s.file("static/style.css", "body { color: #456; } /* zqstatic2 */\n");
    live.apply(&[Rebuild::Static { css_only: true }]);
    assert!(live.has_errors(), "still broken");
    add_gamma(&s, "Gamma");
    change(&s, &mut live, &opts, &["clients/gamma.md"], "recovered", "the link's target added");
    assert!(String::from_utf8_lossy(&live.files["static/style.css"]).contains("zqstatic2"));

    // A config that does not load at all (no model can be made), a playbook edited while it
    // stands, then the config fixed with an owner renamed: the model before the broken config
    // is taken over, not rebuilt from nothing.
    let config = s.read("demarcate.yaml");
    s.file("demarcate.yaml", &config.replace("title: Fixture", "title: \"Fixture"));
    live.apply(&[Rebuild::Config]);
    assert!(live.diagnostics.items.iter().any(|d| d.code == "invalid-yaml"), "{:?}", live.diagnostics);
    s.file("content/clients/beta.md", &beta.replace("Beta body.", "Beta body zqconfigbroken."));
    live.apply(&[Rebuild::Page("clients/beta.md".into())]);
    assert_eq!(live.last_path, "recovered");
    assert!(live.has_errors(), "the config still does not load");
    s.file("demarcate.yaml", &config.replace("name: Beta IT", "name: Beta IT zqrenamed"));
    live.apply(&[Rebuild::Config]);
    assert_eq!(live.last_path, "recovered", "the fixed config rebuilds from the model before it");
    assert_matches_full(&s, &mut live, &opts, "the config fixed");
    let page = String::from_utf8_lossy(&live.files["clients/beta/index.html"]).into_owned();
    assert!(page.contains("zqconfigbroken") && page.contains("Beta IT zqrenamed"), "{page}");

    // Back on the fast paths once recovered.
    s.file("content/clients/beta.md", &beta.replace("Beta body.", "Beta body zqagain."));
    change(&s, &mut live, &opts, &["clients/beta.md"], "body", "a body edit after recovering");
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

/// The default theme's `page.html` with `extra` just inside its content block.
fn page_template_with(extra: &str) -> String {
    let theme_page = std::fs::read_to_string(std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("themes/default/templates/page.html"))
        .expect("the default theme's page template");
    assert!(theme_page.contains("{%- block content %}"), "precondition: page.html has a content block");
    theme_page.replacen("{%- block content %}", &format!("{{%- block content %}}{extra}"), 1)
}

#[test]
fn a_template_edit_renders_one_view_of_each_kind_now_and_the_rest_on_demand() {
    let s = site_with_three_playbooks();
    s.file("templates/page.html", &page_template_with(""));
    let (mut live, opts) = preview_of(&s);
    s.file("templates/page.html", &page_template_with("<p>zqtemplate</p>"));
    assert_eq!(live.apply(&[Rebuild::Templates]), Outcome::Reload);
    assert_eq!(live.last_path, "templates");
    assert!(!live.has_errors(), "{:?}", live.diagnostics);
    // One playbook (the first) and one view of every other kind are rendered before the reload.
    let first = String::from_utf8_lossy(&live.files["clients/acme/co-managed/index.html"]).into_owned();
    assert!(first.contains("zqtemplate"), "the sample playbook shows the new template at once");
    for sample in ["index.html", "clients/index.html", "owners/index.html", "404.html"] {
        assert!(!live.stale.contains(sample), "{sample} was rendered with the new templates before the reload");
    }
    assert!(live.stale.contains("clients/beta/index.html"), "{:?}", live.stale);
    assert!(!String::from_utf8_lossy(&live.files["clients/beta/index.html"]).contains("zqtemplate"), "precondition: stale until asked for");
    let beta = live.ensure("clients/beta/index.html").expect("the playbook page");
    assert!(String::from_utf8_lossy(&beta).contains("zqtemplate"), "a stale playbook, asked for, shows the new template");
    assert_matches_full(&s, &mut live, &opts, "a template edit");

    // The override removed: the built-in theme again (compiled, for the default templates).
    std::fs::remove_file(s.path().join("templates/page.html")).unwrap();
    live.apply(&[Rebuild::Templates]);
    assert_eq!(live.last_path, "templates");
    assert!(!String::from_utf8_lossy(&live.ensure("clients/beta/index.html").expect("page")).contains("zqtemplate"));
    assert_matches_full(&s, &mut live, &opts, "a template override removed");
}

#[test]
fn a_broken_template_keeps_the_last_good_files_and_names_the_template() {
    let s = site_with_three_playbooks();
    let (mut live, opts) = preview_of(&s);
    let before = live.files.clone();
    s.file("templates/page.html", "{% extends \"base.html\" %}\n{% block content %}{% if %}{% endblock content %}\n");
    assert_eq!(live.apply(&[Rebuild::Templates]), Outcome::Reload);
    assert!(live.has_errors());
    let err = live.diagnostics.items.iter().find(|d| d.code == "template-error").expect("a template error");
    assert_eq!(err.file, "templates/page.html");
    assert_eq!(live.files, before, "the last good files stay");

    // An error only one playbook sets off is found when that page is rendered, not before the
    // reload (one playbook of each kind is rendered then, and this one renders fine).
    s.file("templates/page.html", &page_template_with("{% if page.title == \"Beta\" %}{{ page.zq_no_such_field.deeper }}{% endif %}"));
    live.apply(&[Rebuild::Templates]);
    assert_eq!(live.last_path, "recovered", "after an error, the next change rebuilds from the broken model");
    assert!(!live.has_errors(), "{:?}", live.diagnostics);
    assert!(live.stale.contains("clients/beta/index.html"), "every view is stale after recovering: {:?}", live.stale);
    live.flush();
    assert!(live.has_errors(), "Beta's page, rendered, sets the error off");
    assert!(live.diagnostics.items.iter().any(|d| d.code == "template-error"), "{:?}", live.diagnostics);
    // Fixed: the same as a full build.
    s.file("templates/page.html", &page_template_with("<p>zqfixed</p>"));
    live.apply(&[Rebuild::Templates]);
    assert_eq!(live.last_path, "recovered");
    assert!(!live.has_errors(), "{:?}", live.diagnostics);
    assert_matches_full(&s, &mut live, &opts, "a template fixed");
    s.file("templates/page.html", &page_template_with("{% if page.title == \"Beta\" %}{{ page.zq_no_such_field.deeper }}{% endif %}"));
    live.apply(&[Rebuild::Templates]);
    assert_eq!(live.last_path, "templates");
    assert!(!live.has_errors(), "the sample playbook renders: {:?}", live.diagnostics);
    assert!(live.ensure("clients/beta/index.html").is_some(), "the last good page is still served");
    assert!(live.has_errors(), "rendering Beta's page finds the error");
    let err = live.diagnostics.items.iter().find(|d| d.code == "template-error").expect("a template error");
    assert_eq!(err.file, "templates/page.html");
    assert!(err.message.contains("clients/beta.md") || err.message.contains("beta"), "{}", err.message);
    // From then on the last good files are served (rendered with the fixed template), not
    // rendered again with the broken one.
    assert!(live.stale.contains("clients/acme/managed/index.html"));
    let managed = live.ensure("clients/acme/managed/index.html").expect("the last good page");
    assert!(String::from_utf8_lossy(&managed).contains("zqfixed"), "the last good page is served");
}

#[test]
fn templates_and_pages_changed_together_rebuild_the_model_and_the_theme() {
    let s = site_with_three_playbooks();
    let (mut live, opts) = preview_of(&s);
    s.file("templates/page.html", &page_template_with("<p>zqboth</p>"));
    add_gamma(&s, "Gamma");
    live.apply(&[Rebuild::Templates, Rebuild::Page("clients/gamma.md".into())]);
    assert_eq!(live.last_path, "templates");
    assert!(String::from_utf8_lossy(&live.files["clients/acme/co-managed/index.html"]).contains("zqboth"), "a sample, at once");
    assert!(String::from_utf8_lossy(&live.ensure("clients/gamma/index.html").expect("the new page")).contains("zqboth"));
    assert_matches_full(&s, &mut live, &opts, "templates and a new page");
}

/// Deletes a page under content/.
fn delete(s: &Site, rel: &str) {
    std::fs::remove_file(s.path().join("content").join(rel)).unwrap();
}

#[test]
fn pages_linking_to_a_page_that_comes_goes_or_moves_follow_it() {
    // Unchanged pages are taken over from the previous model with their rendered Markdown;
    // a link to another page is rewritten to its URL, so a page linking to one that came,
    // went or moved must be rendered again.
    let s = site_with_three_playbooks();
    s.file("demarcate.yaml", &s.read("demarcate.yaml").replace("  unused-owner: off", "  unused-owner: off\n  broken-link: warning"));
    let managed = "content/clients/acme/managed.md";
    s.file(managed, &s.read(managed).replace("Managed.", "Managed; see [Beta](../beta.md) and [Gamma](../gamma.md)."));
    let (mut live, opts) = preview_of(&s);
    assert!(live.diagnostics.items.iter().any(|d| d.code == "broken-link"), "precondition: Gamma does not exist yet");
    let change = |live: &mut Preview, rel: &str, what: &str| {
        live.apply(&[Rebuild::Page(rel.into())]);
        assert_eq!(live.last_path, "pages", "{what}");
    };
    add_gamma(&s, "Gamma");
    change(&mut live, "clients/gamma.md", "a page another links to, added");
    assert!(String::from_utf8_lossy(&live.ensure("clients/acme/managed/index.html").unwrap()).contains("href=\"/clients/gamma/\""));
    assert_matches_full(&s, &mut live, &opts, "a page another links to, added");

    delete(&s, "clients/beta.md");
    change(&mut live, "clients/beta.md", "a page another links to, deleted");
    assert!(!String::from_utf8_lossy(&live.ensure("clients/acme/managed/index.html").unwrap()).contains("href=\"/clients/beta/\""));
    assert_matches_full(&s, &mut live, &opts, "a page another links to, deleted");

    // Moved: gone from one place, new in another, in one batch.
    let gamma = s.read("content/clients/gamma.md");
    delete(&s, "clients/gamma.md");
    s.file("content/clients/beta.md", &gamma);
    live.apply(&[Rebuild::Page("clients/gamma.md".into()), Rebuild::Page("clients/beta.md".into())]);
    assert_eq!(live.last_path, "pages");
    assert_matches_full(&s, &mut live, &opts, "a page another links to, moved");
}

#[test]
fn pages_a_section_hides_from_the_client_build_or_shows_again_follow_it() {
    // Beta states no audience of its own: it inherits its section's. Its text is unchanged,
    // but its rendered Markdown (none while it was hidden) must not be taken over once the
    // section shows it, nor kept for nothing once the section hides it.
    let s = site_with_three_playbooks();
    let section = |audience: &str| format!("---\ntitle: Clients\n{audience}---\nAll clients.\n");
    s.file("content/clients/_index.md", &section("audience: internal\n"));
    let (mut live, opts) = client_preview_of(&s);
    assert!(!live.files.contains_key("clients/beta/index.html"), "precondition: Beta is internal");
    let new = "content/clients/acme/new.md";
    for (audience, shown) in [("", true), ("audience: internal\n", false)] {
        // A section's front-matter edit alone takes the full path; with a new page beside it,
        // the model is rebuilt.
        s.file("content/clients/_index.md", &section(audience));
        if shown {
            s.file(new, &s.read("content/clients/acme/managed.md").replace("title: Acme managed", "title: Acme new"));
        } else {
            delete(&s, "clients/acme/new.md");
        }
        live.apply(&[Rebuild::Page("clients/_index.md".into()), Rebuild::Page("clients/acme/new.md".into())]);
        assert_eq!(live.last_path, "pages");
        let beta = live.ensure("clients/beta/index.html");
        assert_eq!(beta.is_some(), shown);
        if let Some(beta) = beta {
            assert!(String::from_utf8_lossy(&beta).contains("<p>Beta body.</p>"), "Beta's body is rendered now it is shown");
        }
        assert_matches_full(&s, &mut live, &opts, &format!("the section's audience set to {audience:?}"));
    }
}

#[test]
fn an_edit_and_a_new_page_in_one_batch_match_a_full_build_in_either_order() {
    for new_first in [false, true] {
        let s = site_with_three_playbooks();
        let (mut live, opts) = preview_of(&s);
        let rel = "content/clients/acme/managed.md";
        s.file(rel, &s.read(rel).replace("The desk.", "The desk zqbatch."));
        add_gamma(&s, "Gamma");
        let (edit, new) = (Rebuild::Page("clients/acme/managed.md".into()), Rebuild::Page("clients/gamma.md".into()));
        live.apply(&if new_first { [new, edit] } else { [edit, new] });
        assert_eq!(live.last_path, "pages");
        assert!(String::from_utf8_lossy(&live.ensure("clients/acme/managed/index.html").unwrap()).contains("zqbatch"));
        assert_matches_full(&s, &mut live, &opts, &format!("an edit and a new page (new first: {new_first})"));
    }
}

#[test]
fn a_page_with_diagnostics_is_read_again_when_the_model_is_rebuilt() {
    // Parsing a page is what finds its front-matter problems: a page some diagnostic names is
    // read again rather than taken over, so the rebuilt model reports it as a fresh load does.
    let s = site_with_three_playbooks();
    s.file("demarcate.yaml", &with_unknown_key_check(&s.read("demarcate.yaml"), "warning"));
    give_beta_an_unknown_key(&s);
    let (mut live, opts) = preview_of(&s);
    assert!(live.diagnostics.items.iter().any(|d| d.file == "content/clients/beta.md"), "precondition: {:?}", live.diagnostics);
    add_gamma(&s, "Gamma");
    live.apply(&[Rebuild::Page("clients/gamma.md".into())]);
    assert_eq!(live.last_path, "moved");
    assert_matches_full(&s, &mut live, &opts, "a new page beside one with a warning");
}

/// Applies a change to the pages `rels` (relative to content/): the preview must take the
/// rebuild path `path`, then equal a full build.
fn change(s: &Site, live: &mut Preview, opts: &BuildOptions, rels: &[&str], path: &str, what: &str) {
    live.apply(&rels.iter().map(|rel| Rebuild::Page(rel.to_string())).collect::<Vec<_>>());
    assert_eq!(live.last_path, path, "{what}");
    assert_matches_full(s, live, opts, what);
}

#[test]
fn playbooks_added_or_deleted_are_moved_into_the_model_unless_more_changes() {
    let s = site_with_three_playbooks();
    let (mut live, opts) = preview_of(&s);
    // Renamed: gone from one place, new in another, in one batch. The new name sorts first
    // in its folder and the old one last: the new model keeps the walk's order.
    let beta = s.read("content/clients/beta.md");
    delete(&s, "clients/beta.md");
    s.file("content/clients/acme/aardvark.md", &beta.replace("title: Beta", "title: Aardvark"));
    change(&s, &mut live, &opts, &["clients/beta.md", "clients/acme/aardvark.md"], "moved", "a playbook renamed");

    // A new page that does not parse: the model is rebuilt, and reports it.
    s.file("content/clients/broken.md", "---\ntitle: [Broken\n---\nBody.\n");
    change(&s, &mut live, &opts, &["clients/broken.md"], "pages", "a new page that does not parse");
    assert!(live.has_errors());
    delete(&s, "clients/broken.md");
    live.apply(&[Rebuild::Page("clients/broken.md".into())]);
    assert!(!live.has_errors(), "{:?}", live.diagnostics);

    // A new section: every page below it names it in its breadcrumbs.
    s.file("content/clients/acme/_index.md", "---\ntitle: Acme\n---\nAcme's playbooks.\n");
    change(&s, &mut live, &opts, &["clients/acme/_index.md"], "pages", "a new section");
}

#[test]
fn in_the_client_preview_an_owner_page_coming_or_going_rebuilds_the_model() {
    // The client edition shows only owners with client-visible work: once Beta goes, its IT
    // team has none, so that owner's page and every list naming it change. The model is then
    // rebuilt (not updated in place); playbooks that leave every owner's page as it was are
    // moved in place.
    let s = site_with_three_playbooks();
    s.file("content/internal/_index.md", "---\ntitle: Internal\naudience: internal\n---\nOur own runbooks.\n");
    let (mut live, opts) = client_preview_of(&s);
    let change = |live: &mut Preview, rel: &str, path: &str, what: &str| change(&s, live, &opts, &[rel], path, what);
    assert!(live.files.contains_key("owners/beta-it/index.html"), "precondition: {:?}", live.files.keys().collect::<Vec<_>>());
    let beta = s.read("content/clients/beta.md");
    delete(&s, "clients/beta.md");
    change(&mut live, "clients/beta.md", "pages", "an owner's last visible playbook deleted");
    assert!(!live.files.contains_key("owners/beta-it/index.html"));
    // Internal playbooks naming that owner, by their own audience or their section's: not in
    // the client edition, so its page stays away.
    s.file("content/clients/notes.md", &beta.replace("title: Beta", "title: Notes\naudience: internal"));
    change(&mut live, "clients/notes.md", "moved", "an internal playbook naming an owner without visible work");
    s.file("content/internal/beta.md", &beta);
    change(&mut live, "internal/beta.md", "moved", "a playbook an internal section holds");
    assert!(!live.files.contains_key("owners/beta-it/index.html"));
    s.file("content/clients/gamma.md", &beta.replace("title: Beta", "title: Gamma"));
    change(&mut live, "clients/gamma.md", "pages", "an owner's first visible playbook added");
    assert!(live.ensure("owners/beta-it/index.html").is_some());
    s.file("content/clients/delta.md", &beta.replace("title: Beta", "title: Delta"));
    change(&mut live, "clients/delta.md", "moved", "a playbook added whose owners all have pages");
    delete(&s, "clients/delta.md");
    change(&mut live, "clients/delta.md", "moved", "a playbook deleted whose owners all keep pages");
}

#[test]
fn a_config_edit_rebuilds_the_model_and_renders_the_views_on_demand() {
    let s = site_with_three_playbooks();
    let (mut live, opts) = preview_of(&s);
    let config = s.read("demarcate.yaml");
    assert!(config.contains("name: Service desk"), "precondition: the fixture names the desk");
    s.file("demarcate.yaml", &config.replace("name: Service desk", "name: Service desk zqrenamed"));
    assert_eq!(live.apply(&[Rebuild::Config]), Outcome::Reload);
    assert_eq!(live.last_path, "config");
    assert!(!live.has_errors(), "{:?}", live.diagnostics);
    // The first owner's page is among the views rendered at once; a playbook naming the desk
    // is rendered when asked for.
    assert!(String::from_utf8_lossy(&live.files["owners/desk/index.html"]).contains("zqrenamed"));
    assert!(live.stale.contains("clients/acme/managed/index.html"), "{:?}", live.stale);
    let page = live.ensure("clients/acme/managed/index.html").expect("a playbook");
    assert!(String::from_utf8_lossy(&page).contains("zqrenamed"), "the renamed owner, asked for");
    assert_matches_full(&s, &mut live, &opts, "an owner renamed in the registry");

    // Broken config: the last good files stay; fixed, the model before it is taken over.
    let before = live.files.clone();
    s.file("demarcate.yaml", &format!("{config}\nowners: [\n"));
    live.apply(&[Rebuild::Config]);
    assert!(live.has_errors());
    assert_eq!(live.files, before, "the last good files stay");
    s.file("demarcate.yaml", &config);
    live.apply(&[Rebuild::Config]);
    assert_eq!(live.last_path, "recovered");
    assert_matches_full(&s, &mut live, &opts, "the config fixed");
}

#[test]
fn a_config_edit_that_parses_pages_differently_reads_every_page_again() {
    // A config edit takes over the parsed pages only while pages would be parsed, and their
    // parse diagnostics filtered, as before. Beta has a key demarcate does not know.
    let s = site_with_three_playbooks();
    let config = s.read("demarcate.yaml");
    let with = |level: &str, extra: bool| {
        let checks = with_unknown_key_check(&config, level);
        if extra { format!("{checks}front_matter:\n  unknown_keys: extra\n") } else { checks }
    };
    s.file("demarcate.yaml", &with("off", true));
    give_beta_an_unknown_key(&s);
    let (mut live, opts) = preview_of(&s);
    assert!(live.diagnostics.items.iter().all(|d| d.file != "content/clients/beta.md"), "precondition: {:?}", live.diagnostics);
    assert!(live.files.contains_key("clients/beta/index.html"));

    // Unknown keys no longer kept: Beta's front-matter does not parse (silently, the check off).
    s.file("demarcate.yaml", &with("off", false));
    live.apply(&[Rebuild::Config]);
    assert_eq!(live.last_path, "config");
    assert_matches_full(&s, &mut live, &opts, "unknown keys no longer kept");

    // The check on again: the problem it dropped is reported.
    s.file("demarcate.yaml", &with("warning", false));
    live.apply(&[Rebuild::Config]);
    assert!(
        live.diagnostics.items.iter().any(|d| d.file == "content/clients/beta.md" && d.code == "unknown-key"),
        "{:?}",
        live.diagnostics
    );
    assert_matches_full(&s, &mut live, &opts, "the unknown-key check on again");
}

#[test]
fn a_config_edit_resolves_the_rows_again_and_renders_markdown_again_when_its_settings_change() {
    // Pages are taken over on a config edit. Their Markdown depends on the config (here, which
    // headings start a FAQ section) and is rendered again when that changes; their rows depend
    // on the registry (here, an alias) and are always resolved again.
    let s = site_with_three_playbooks();
    let (mut live, opts) = preview_of(&s);
    let config = s.read("demarcate.yaml");
    s.file("demarcate.yaml", &format!("{config}faq:\n  headings: [Questions]\n"));
    live.apply(&[Rebuild::Config]);
    assert_eq!(live.last_path, "config");
    assert_matches_full(&s, &mut live, &opts, "the FAQ headings changed");

    s.file("content/clients/beta.md", &s.read("content/clients/beta.md").replace("help-desk: beta-it", "help-desk: beta-team"));
    s.file("demarcate.yaml", &config.replace("beta-it: {name: Beta IT,", "beta-it: {aliases: [beta-team], name: Beta IT,"));
    let mut live = Preview::new(s.path(), opts.clone());
    assert!(!live.has_errors(), "precondition: {:?}", live.diagnostics);
    // The alias moves from Beta IT to the SOC team: Beta's help desk row changes owner.
    s.file("demarcate.yaml", &config.replace("soc-team: {name: SOC team,", "soc-team: {aliases: [beta-team], name: SOC team,"));
    live.apply(&[Rebuild::Config]);
    assert_eq!(live.last_path, "config");
    assert!(!live.has_errors(), "{:?}", live.diagnostics);
    assert!(String::from_utf8_lossy(&live.ensure("owners/soc-team/index.html").expect("owner")).contains("/clients/beta/"));
    assert_matches_full(&s, &mut live, &opts, "an alias moved to another owner");
}

#[test]
fn a_registry_edit_keeps_the_markdown_only_beside_rows_that_say_the_same() {
    // A registry edit keeps each page's rendered Markdown (the base path and FAQ headings are
    // the same) but resolves its rows again. Here Beta's first row goes (its workstream leaves
    // the catalogue; the check is off): the handoff rendered for it must not show on the row
    // that is now first.
    let s = site_with_three_playbooks();
    let config = s.read("demarcate.yaml").replace("  unused-owner: off", "  unused-owner: off\n  unknown-workstream: off");
    s.file("demarcate.yaml", &config);
    let beta = s.read("content/clients/beta.md");
    let doc_row = "  documentation:\n    accountable: beta-it\n    handoff: '**zqdoc** handoff'\n  help-desk: beta-it\n";
    s.file("content/clients/beta.md", &beta.replace("  help-desk: beta-it\n", doc_row));
    let (mut live, opts) = preview_of(&s);
    assert!(String::from_utf8_lossy(&live.files["clients/beta/index.html"]).contains("<strong>zqdoc</strong>"), "precondition");

    s.file("demarcate.yaml", &config.replace("  documentation: {name: Documentation}\n", ""));
    live.apply(&[Rebuild::Config]);
    assert_eq!(live.last_path, "config");
    assert!(!live.has_errors(), "{:?}", live.diagnostics);
    assert!(!String::from_utf8_lossy(&live.ensure("clients/beta/index.html").expect("page")).contains("zqdoc"));
    assert_matches_full(&s, &mut live, &opts, "a workstream gone from the catalogue");

    // A registry edit that leaves every row as it was: the owner renamed shows everywhere.
    s.file("demarcate.yaml", &config.replace("name: Beta IT", "name: Beta IT zqrenamed"));
    live.apply(&[Rebuild::Config]);
    assert!(String::from_utf8_lossy(&live.ensure("clients/beta/index.html").expect("page")).contains("zqrenamed"));
    assert_matches_full(&s, &mut live, &opts, "an owner renamed");
}

#[test]
fn a_new_base_path_renders_every_page_again() {
    // Links in Markdown are rewritten under the base path: Acme co-managed links to managed.
    let s = site_with_three_playbooks();
    let opts = BuildOptions::default();
    let mut live = Preview::new(s.path(), opts.clone());
    assert!(!live.has_errors(), "{:?}", live.diagnostics);
    let config = s.read("demarcate.yaml");
    s.file("demarcate.yaml", &config.replace("base_url: https://fixture.example/", "base_url: https://fixture.example/guide/"));
    live.apply(&[Rebuild::Config]);
    assert_eq!(live.last_path, "config");
    let page = live.ensure("clients/acme/co-managed/index.html").expect("page");
    assert!(String::from_utf8_lossy(&page).contains("href=\"/guide/clients/acme/managed/#overview\""));
    assert_matches_full(&s, &mut live, &opts, "the base path changed");
}

#[test]
fn ownership_edits_in_the_client_preview_take_the_front_matter_path_unless_an_owner_appears() {
    let s = site_with_three_playbooks();
    let (mut live, opts) = client_preview_of(&s);
    let (co, managed) = ("clients/acme/co-managed.md", "clients/acme/managed.md");
    let steps = [
        (co, "coverage: 24x7", "coverage: business-hours", "front-matter", true),
        (co, "informed: [acme-boss]", "informed: [soc-team]", "front-matter", true),
        // Acme's leadership loses its last role: its page goes, and every view naming it
        // stops linking there.
        (managed, "informed: [acme-boss]", "informed: [soc-team]", "pages", false),
        // Its first role again.
        (co, "informed: [soc-team]", "informed: [acme-boss]", "pages", true),
    ];
    for (rel, from, to, path, boss_page) in steps {
        let text = s.read(&format!("content/{rel}"));
        assert!(text.contains(from), "{from}");
        s.file(&format!("content/{rel}"), &text.replace(from, to));
        live.apply(&[Rebuild::Page(rel.into())]);
        assert_eq!(live.last_path, path, "after {to} in {rel}");
        assert_matches_full(&s, &mut live, &opts, to);
        assert_eq!(live.files.contains_key("owners/acme-boss/index.html"), boss_page, "after {to} in {rel}");
    }
}

#[test]
fn a_section_retitled_re_renders_the_pages_below_it_and_nothing_else() {
    let s = site_with_three_playbooks();
    s.file("content/clients/acme/_index.md", "---\ntitle: Acme\n---\nAcme's playbooks.\n");
    let (mut live, opts) = preview_of(&s);
    let steps = [
        ("clients/acme/_index.md", "title: Acme\n", "title: Acme Corp\nsummary: The Acme engagement.\n", "front-matter"),
        ("clients/acme/_index.md", "title: Acme Corp\n", "title: Acme Corp\nupdated: 2026-02-01\n", "front-matter"),
        // A top-level section's title is in every page's navigation.
        ("clients/_index.md", "title: Clients\n", "title: Client engagements\n", "pages"),
    ];
    for (rel, from, to, path) in steps {
        let text = s.read(&format!("content/{rel}"));
        s.file(&format!("content/{rel}"), &text.replacen(from, to, 1));
        live.apply(&[Rebuild::Page(rel.into())]);
        assert_eq!(live.last_path, path, "after {to:?} in {rel}");
        if path == "front-matter" {
            // Only the pages below the section, the section and the one listing it (and, for a
            // date, home and the sitemap) wait to be rendered: no owner, list or export.
            let unexpected: Vec<&String> =
                live.stale.iter().filter(|p| !p.starts_with("clients/") && !["index.html", "sitemap.xml"].contains(&p.as_str())).collect();
            assert!(unexpected.is_empty(), "{unexpected:?}");
        }
        assert_matches_full(&s, &mut live, &opts, to);
    }
    assert!(String::from_utf8_lossy(&live.files["clients/acme/managed/index.html"]).contains("Acme Corp"));
}

/// Every file a fresh, unbounded preview holds, asked of `live` one by one (rendered again when
/// given up), must be the same; `live` knows no other file.
fn assert_serves_as_full(s: &Site, live: &mut Preview, opts: &BuildOptions, after: &str) {
    let fresh = Preview::new(s.path(), opts.clone());
    assert!(!fresh.has_errors() && !live.has_errors(), "after {after}: {:?}", live.diagnostics);
    let mut known: Vec<String> = live.files.keys().chain(live.stale.iter()).cloned().collect();
    known.sort();
    known.dedup();
    let fresh_keys: Vec<String> = fresh.files.keys().cloned().collect();
    assert_eq!(known, fresh_keys, "after {after}: the files the preview knows");
    for (k, v) in &fresh.files {
        let mine = live.ensure(k).unwrap_or_else(|| panic!("after {after}: {k} not served"));
        assert!(mine == *v, "after {after}, {k} differs from a full build:\n{}", String::from_utf8_lossy(&mine));
        let (held, limit) = live.memory_held().expect("a budget");
        assert!(held <= limit, "after {after}, serving {k}: {held} bytes held, over {limit}");
    }
}

/// A preview of `s` with room in memory for about a third of its pages, views and exports; the
/// options, an unbounded preview of the same site, and the limit.
fn preview_holding_a_third(s: &Site) -> (Preview, BuildOptions, Preview, usize) {
    let opts = BuildOptions { base_url: Some("http://127.0.0.1:1/".into()), ..BuildOptions::default() };
    let everything = Preview::new(s.path(), opts.clone());
    let renderable: usize =
        everything.files.iter().filter(|(k, _)| !k.starts_with("static/") && *k != "robots.txt").map(|(_, v)| v.len()).sum();
    let limit = renderable / 3;
    let live = Preview::with_memory_limit(s.path(), opts.clone(), Some(limit));
    assert!(!live.has_errors(), "{:?}", live.diagnostics);
    (live, opts, everything, limit)
}

#[test]
fn a_memory_budget_gives_up_the_oldest_pages_and_renders_them_again_current() {
    let s = site_with_three_playbooks();
    let (mut live, opts, _, limit) = preview_holding_a_third(&s);
    let (held, _) = live.memory_held().expect("a budget");
    assert!(held <= limit && !live.stale.is_empty(), "starts with what the budget holds: {held} of {limit} bytes");
    assert!(live.files.contains_key("static/style.css"), "the copied files are there from the start");
    assert_serves_as_full(&s, &mut live, &opts, "start-up");
    assert!(live.evictions > 0, "the budget never gave a file up");
    assert!(!live.wants_flush(), "once files were given up, the rest wait to be asked for");
    assert!(live.files.contains_key("static/style.css"), "a copied file is never given up");

    // A front-matter edit (views stale and views given up at once), a playbook added, a body
    // edit: each is served as a full build serves it.
    let rel = "content/clients/acme/managed.md";
    let given_up: Vec<String> = live.stale.iter().filter(|p| !live.files.contains_key(*p)).cloned().collect();
    assert!(!given_up.is_empty());
    s.file(rel, &s.read(rel).replace("accountable: desk", "accountable: acme-it"));
    live.apply(&[Rebuild::Page("clients/acme/managed.md".into())]);
    assert_eq!(live.last_path, "front-matter");
    // In the background, only the views held out of date are rendered again: rendering those
    // given up would give up others.
    assert!(live.stale.iter().any(|p| live.files.contains_key(p)), "precondition: the edit leaves views held out of date");
    while live.wants_flush() {
        live.flush_some(2);
    }
    assert!(live.stale.iter().all(|p| !live.files.contains_key(p)), "a view held out of date is left stale");
    let rendered: Vec<&String> = given_up.iter().filter(|p| live.files.contains_key(*p)).collect();
    assert!(rendered.iter().all(|p| *p == "clients/acme/managed/index.html"), "given up, then rendered in the background: {rendered:?}");
    assert_serves_as_full(&s, &mut live, &opts, "a front-matter edit");
    add_gamma(&s, "Gamma zqbudget");
    live.apply(&[Rebuild::Page("clients/gamma.md".into())]);
    assert_eq!(live.last_path, "moved");
    assert_serves_as_full(&s, &mut live, &opts, "a playbook added");
    s.file(rel, &s.read(rel).replace("Managed.", "Managed zqbody."));
    live.apply(&[Rebuild::Page("clients/acme/managed.md".into())]);
    assert_eq!(live.last_path, "body");
    assert_serves_as_full(&s, &mut live, &opts, "a body edit");

    // While the site has errors, a page given up cannot be rendered: it is not served, but it
    // stays known, and is served again once the errors are fixed.
    let page = live.stale.iter().find(|k| k.ends_with("index.html") && !live.files.contains_key(*k)).cloned().expect("a page given up");
    let good = s.read(rel);
    s.file(rel, &good.replace("title: Acme managed", "title: [unclosed"));
    live.apply(&[Rebuild::Page("clients/acme/managed.md".into())]);
    assert!(live.has_errors());
    assert_eq!(live.ensure(&page), None, "{page} while broken");
    assert!(live.stale.contains(&page), "{page} is still known");
    s.file(rel, &good);
    live.apply(&[Rebuild::Page("clients/acme/managed.md".into())]);
    assert_serves_as_full(&s, &mut live, &opts, "the errors fixed");
}

#[test]
fn views_still_stale_from_an_edit_stay_stale_when_a_playbook_is_added() {
    let s = site_with_three_playbooks();
    let (mut live, opts) = preview_of(&s);
    // Beta's help desk moves to the desk: Beta IT's page and the desk's are stale, and nothing
    // renders them before the next change.
    let rel = "content/clients/beta.md";
    s.file(rel, &s.read(rel).replace("help-desk: beta-it", "help-desk: desk"));
    live.apply(&[Rebuild::Page("clients/beta.md".into())]);
    assert_eq!(live.last_path, "front-matter");
    assert!(live.stale.contains("owners/desk/index.html"), "{:?}", live.stale);
    // A playbook that shows on neither owner's page.
    s.file(
        "content/clients/gamma.md",
        "---\ntitle: Gamma\nclient: beta\nworkstreams:\n  help-desk: soc-team\n  security-monitoring:\n    accountable: soc-team\n---\nGamma.\n",
    );
    live.apply(&[Rebuild::Page("clients/gamma.md".into())]);
    assert_eq!(live.last_path, "moved");
    assert!(!live.has_errors(), "{:?}", live.diagnostics);
    assert!(live.stale.contains("owners/desk/index.html"), "the desk's page, stale before, is still stale: {:?}", live.stale);
    assert_matches_full(&s, &mut live, &opts, "an edit, then a playbook added before its views were rendered");
}

#[test]
fn a_page_served_again_and_again_stays_held_under_a_memory_budget() {
    let s = site_with_three_playbooks();
    let (mut live, _, everything, _) = preview_holding_a_third(&s);
    let (home, section) = ("index.html".to_string(), "clients/index.html".to_string());
    live.ensure(&home).expect("the home page");
    live.ensure(&section).expect("the section page");
    // Every other file asked for in turn, the home page served again after each (as `serve`
    // reports a file served from its snapshot), the section page never again.
    for path in everything.files.keys().filter(|k| **k != home && **k != section) {
        live.ensure(path);
        live.touch([home.clone()]);
    }
    assert!(live.evictions > 0, "precondition: the budget gave files up");
    assert!(live.files.contains_key(&home), "the page served again and again was given up");
    assert!(!live.files.contains_key(&section), "the page served once stayed held");
}

/// `checks:` in the config holds after a body edit too: the link check the body path runs
/// again gives its diagnostics the configured severity, as a full load does.
#[test]
fn a_body_edit_keeps_the_configured_severity_of_link_diagnostics() {
    let s = site_with_three_playbooks();
    s.file("demarcate.yaml", &s.read("demarcate.yaml").replace("  unused-owner: off", "  unused-owner: off\n  broken-link: warning"));
    let beta = s.read("content/clients/beta.md");
    s.file("content/clients/beta.md", &format!("{beta}\nSee [the plan](plan.md).\n"));
    let (mut live, opts) = preview_of(&s);
    assert!(!live.has_errors(), "a demoted broken link is no error: {:?}", live.diagnostics);
    assert!(live.diagnostics.items.iter().any(|d| d.code == "broken-link"), "precondition: {:?}", live.diagnostics);
    s.file("content/clients/beta.md", &format!("{beta}\nSee [the plan](plan.md), again.\n"));
    change(&s, &mut live, &opts, &["clients/beta.md"], "body", "a body edit beside a demoted broken link");
    assert!(!live.has_errors(), "{:?}", live.diagnostics);
}

/// A file saved at a page's URL is `shadowed-page` in the preview as in a fresh load, and the
/// warning goes with the file.
#[test]
fn a_file_saved_over_a_page_s_url_is_reported_and_unreported_as_it_comes_and_goes() {
    let s = site_with_three_playbooks();
    let (mut live, opts) = preview_of(&s);
    s.file("content/clients/index.html", "<!doctype html><title>Old export</title>\n");
    live.apply(&[Rebuild::ContentFile("clients/index.html".into())]);
    assert!(live.diagnostics.items.iter().any(|d| d.code == "shadowed-page"), "{:?}", live.diagnostics);
    assert_matches_full(&s, &mut live, &opts, "a file saved over the clients section");
    std::fs::remove_file(s.path().join("content/clients/index.html")).unwrap();
    live.apply(&[Rebuild::ContentFile("clients/index.html".into())]);
    assert!(!live.diagnostics.items.iter().any(|d| d.code == "shadowed-page"), "{:?}", live.diagnostics);
    assert_matches_full(&s, &mut live, &opts, "the file deleted again");
}
