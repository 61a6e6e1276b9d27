//! The two audiences (issue 7): the client build must contain nothing internal — not in page
//! text, not in generated views, exports or file names — while the internal build contains all
//! of it, visibly marked. Canary strings sit in every internal place; the client output is
//! searched byte for byte.

mod common;
use common::*;

use std::path::{Path, PathBuf};

// ---------------------------------------------------------------------------------------------
// Helpers

/// Builds `audience` into `SITE/out-AUDIENCE` and returns that folder.
fn build(s: &Site, audience: &str) -> PathBuf {
    let out = s.path().join(format!("out-{audience}"));
    let run = s.run(&["build", "--audience", audience, "--output", out.to_str().unwrap()]);
    run.ok();
    out
}

/// All output files, lowercased: (name, text).
fn lowered(out: &Path) -> Vec<(String, String)> {
    walk_files(out).into_iter().map(|(n, b)| (n.to_lowercase(), String::from_utf8_lossy(&b).to_lowercase())).collect()
}

/// Every place in `files` (file name or content) where `needle` occurs (case-insensitive).
fn occurrences(files: &[(String, String)], needle: &str) -> Vec<String> {
    let n = needle.to_lowercase();
    let mut hits = Vec::new();
    for (name, text) in files {
        if name.contains(&n) {
            hits.push(format!("file name {name}"));
        }
        if let Some(i) = text.find(&n) {
            let lo = text[..i].char_indices().rev().nth(80).map(|(k, _)| k).unwrap_or(0);
            let hi = text[i..].char_indices().nth(needle.len() + 80).map(|(k, _)| i + k).unwrap_or(text.len());
            hits.push(format!("{name}: …{}…", &text[lo..hi]));
        }
    }
    hits
}

// ---------------------------------------------------------------------------------------------
// The canary fixture

/// Canary strings, one per internal place (all lowercase letters, so escaping and slugs keep
/// them intact).
const C_PAGE_TITLE: &str = "zqcanarypagetitle";
const C_PAGE_BODY: &str = "zqcanarypagebody";
const C_PAGE_FILE: &str = "zqcanaryfile";
const C_SECTION_DIR: &str = "zqcanarydir";
const C_SECTION_TITLE: &str = "zqcanarysectiontitle";
const C_SECTION_BODY: &str = "zqcanarysectionbody";
const C_CHILD_TITLE: &str = "zqcanarychildtitle";
const C_CHILD_BODY: &str = "zqcanarychildbody";
const C_GRANDCHILD: &str = "zqcanarygrandchild";
const C_BLOCK: &str = "zqcanaryblockpara";
const C_BLOCK_HEADING: &str = "zqcanaryblockheading";
const C_BLOCK_LIST: &str = "zqcanaryblocklist";
const C_BLOCK_CODE: &str = "zqcanaryblockcode";
const C_BLOCK_FAQ: &str = "zqcanaryinlinefaq";
const C_NOTES: &str = "zqcanarynotes";
const C_CONTACT: &str = "zqcanarycontact";
const C_CONTACT_PHONE: &str = "0188 42";
const C_CONTACT_TEL: &str = "555018842";
const C_FAQ_Q: &str = "zqcanaryfaqq";
const C_FAQ_A: &str = "zqcanaryfaqa";
const C_FAQ_TAG: &str = "zqcanaryfaqtag";
const C_FAQ_ID: &str = "zqcanaryfaqid";
const C_OWNER_ID: &str = "zqcanaryowner";
const C_OWNER_NAME: &str = "zqcanaryownername";
const C_OWNER_MAIL: &str = "zqcanarymail";

const CANARIES: &[&str] = &[
    C_PAGE_TITLE,
    C_PAGE_BODY,
    C_PAGE_FILE,
    C_SECTION_DIR,
    C_SECTION_TITLE,
    C_SECTION_BODY,
    C_CHILD_TITLE,
    C_CHILD_BODY,
    C_GRANDCHILD,
    C_BLOCK,
    C_BLOCK_HEADING,
    C_BLOCK_LIST,
    C_BLOCK_CODE,
    C_BLOCK_FAQ,
    C_NOTES,
    C_CONTACT,
    C_CONTACT_PHONE,
    C_CONTACT_TEL,
    C_FAQ_Q,
    C_FAQ_A,
    C_FAQ_TAG,
    C_FAQ_ID,
    C_OWNER_ID,
    C_OWNER_NAME,
    C_OWNER_MAIL,
];

/// Public text that must survive in the client build.
const PUBLIC: &[&str] =
    &["pubtextone", "pubtexttwo", "pubquestion", "pubfmquestion", "pubnotes", "pubcontrolpage", "it@acme.example", "pubsectionchild"];

/// [`CONFIG`] with the site default audience set to `client` (so that only the internal
/// section hides its children), a canary owner, and canary internal contacts on `acme-it`.
fn canary_config() -> String {
    config_replacing(&[
        ("title: Fixture\n", "title: Fixture\naudience: client\n"),
        (
            "  soc-team: {",
            "  zqcanaryowner: {name: Zqcanaryownername Team, party: northwind, contact: zqcanarymail@n.example, hours: 24x7}\n  soc-team: {",
        ),
        ("internal_contact: '+1 555 0100'", "internal_contact: [zqcanarycontact, '+1 555 0188 42']"),
    ])
}

/// An acme playbook (required workstreams covered) that also names the canary owner.
fn playbook_with_canary_owner(title: &str, audience: Option<&str>, body: &str) -> String {
    let aud = match audience {
        Some(a) => format!("audience: {a}\n"),
        None => String::new(),
    };
    acme_playbook_replacing(
        body,
        &[
            ("title: Acme\n", &format!("title: {title}\n")),
            ("audience: client\n", &aud),
            ("  security-monitoring: soc-team\n", "  security-monitoring: soc-team\n  documentation: zqcanaryowner\n"),
        ],
    )
}

const CLIENT_BODY: &str = "## Overview

Public intro pubtextone.

::: internal
## Secret heading zqcanaryblockheading

Internal zqcanaryblockpara, see [the runbook](runbook-zqcanaryfile.md).

- zqcanaryblocklist

```sh
echo zqcanaryblockcode
```
:::

Public after pubtexttwo.

## Frequently asked questions

### Public question pubquestion?

Public answer.

::: internal
### Internal question zqcanaryinlinefaq?

Secret answer.
:::
";

fn canary_site() -> Site {
    let s = Site::with_config_text(&canary_config());
    // A client page with an internal block, internal notes, an internal FAQ entry.
    let client = acme_playbook_replacing(
        CLIENT_BODY,
        &[
            (
                "model: co-managed\n",
                "model: co-managed\nfaq:\n  - q: Public fm question pubfmquestion?\n    a: Yes, pubfmanswer.\n  - q: Internal zqcanaryfaqq?\n    a: Secret zqcanaryfaqa.\n    id: zqcanaryfaqid\n    tags: [zqcanaryfaqtag]\n    audience: internal\n",
            ),
            (
                "    handoff: Desk hands to **Acme IT** for on-site work.\n",
                "    handoff: Desk hands over pubnotes.\n    internal_notes: On-call bridge zqcanarynotes.\n",
            ),
        ],
    );
    s.file("content/acme.md", &client);
    // A page without `audience:` outside the internal section: client by the site default.
    s.file("content/control.md", "---\ntitle: Control\n---\nControl page pubcontrolpage.\n");
    // An internal-only page.
    s.file(
        "content/runbook-zqcanaryfile.md",
        &playbook_with_canary_owner("Runbook zqcanarypagetitle", Some("internal"), "Internal body zqcanarypagebody.\n"),
    );
    // An internal section whose children have no audience of their own.
    s.file(
        "content/zqcanarydir/_index.md",
        "---\ntitle: Ops zqcanarysectiontitle\naudience: internal\n---\nSection zqcanarysectionbody.\n",
    );
    s.file("content/zqcanarydir/child.md", &playbook_with_canary_owner("Child zqcanarychildtitle", None, "Child zqcanarychildbody.\n"));
    s.file("content/zqcanarydir/deeper/grandchild.md", "---\ntitle: Grandchild\n---\nGrandchild zqcanarygrandchild.\n");
    // A public section for comparison.
    s.file("content/guides/_index.md", "---\ntitle: Guides\n---\nGuides.\n");
    s.file("content/guides/reading.md", "---\ntitle: Reading\n---\nReading pubsectionchild.\n");
    s
}

// ---------------------------------------------------------------------------------------------
// Canary tests

#[test]
fn canary_site_checks_clean_for_both_audiences() {
    let s = canary_site();
    for audience in ["internal", "client"] {
        let (run, diags) = s.check_json(&["--audience", audience]);
        run.ok();
        assert!(diags.is_empty(), "{audience}: {diags:#?}");
    }
}

#[test]
fn client_build_contains_no_canary() {
    let s = canary_site();
    let out = build(&s, "client");
    let files = lowered(&out);
    assert!(files.len() > 10, "client build wrote only {} files", files.len());
    let mut leaks = Vec::new();
    for c in CANARIES {
        for hit in occurrences(&files, c) {
            leaks.push(format!("`{c}` in {hit}"));
        }
    }
    assert!(leaks.is_empty(), "internal content leaked into the client build:\n{}", leaks.join("\n"));
    assert!(!out.join(format!("owners/{C_OWNER_ID}")).exists(), "no page for an owner used only internally");
}

#[test]
fn client_build_keeps_all_public_content() {
    let s = canary_site();
    let out = build(&s, "client");
    let files = lowered(&out);
    for p in PUBLIC {
        assert!(!occurrences(&files, p).is_empty(), "public text `{p}` missing from the client build");
    }
    assert!(out.join("acme/index.html").is_file());
    assert!(out.join("control/index.html").is_file(), "a page without audience follows the site default (client)");
    assert!(out.join("guides/reading/index.html").is_file());
    assert!(out.join("owners/acme-it/index.html").is_file());
    let acme = std::fs::read_to_string(out.join("acme/index.html")).unwrap();
    for p in ["pubtextone", "pubtexttwo", "pubquestion", "pubfmquestion", "pubnotes"] {
        assert!(acme.contains(p), "`{p}` missing from the client acme page");
    }
}

#[test]
fn internal_build_contains_every_canary() {
    let s = canary_site();
    let out = build(&s, "internal");
    let files = lowered(&out);
    let missing: Vec<&&str> = CANARIES.iter().filter(|c| occurrences(&files, c).is_empty()).collect();
    assert!(missing.is_empty(), "internal build lacks {missing:?}");
    for p in PUBLIC {
        assert!(!occurrences(&files, p).is_empty(), "public text `{p}` missing from the internal build");
    }
    assert!(out.join(format!("owners/{C_OWNER_ID}/index.html")).is_file());
    assert!(out.join("runbook-zqcanaryfile/index.html").is_file());
    assert!(out.join("zqcanarydir/child/index.html").is_file());
    assert!(out.join("zqcanarydir/deeper/grandchild/index.html").is_file());
    let owner = std::fs::read_to_string(out.join("owners/acme-it/index.html")).unwrap();
    assert!(owner.contains(C_CONTACT), "internal contact shown on the owner page in the internal build");
}

#[test]
fn internal_contacts_render_like_contacts_not_as_data() {
    let s = canary_site();
    let out = build(&s, "internal");
    let owner = std::fs::read_to_string(out.join("owners/acme-it/index.html")).unwrap();
    let start = owner.find("internal-callout").expect("internal callout on the owner page");
    let callout = &owner[start..start + owner[start..].find("</div>").unwrap()];
    assert!(callout.contains("+1 555 0188 42") && callout.contains(C_CONTACT), "{callout}");
    assert!(callout.contains("href=\"tel:+1555018842\""), "phone numbers are links like public contacts:\n{callout}");
    assert!(!callout.contains("&quot;label&quot;") && !callout.contains("[{"), "raw template data shown:\n{callout}");
}

/// The example's internal contacts are prose with numbers in them: text, never one `tel:` link
/// whose digits run two numbers and a PIN together; the public numbers beside them still dial.
#[test]
fn prose_contacts_are_text_and_phone_numbers_are_links() {
    let s = example_site();
    let out = build(&s, "internal");
    let owner = std::fs::read_to_string(out.join("owners/northwind-noc/index.html")).expect("the NOC's page");
    let start = owner.find("internal-callout").expect("internal callout on the owner page");
    let callout = &owner[start..start + owner[start..].find("</div>").expect("callout ends")];
    assert!(callout.contains("Bridge +1 503 555 0199, PIN 4417#; NOC shift lead +1 503 555 0148"), "{callout}");
    assert!(!callout.contains("href="), "prose is not a link:\n{callout}");
    assert!(owner.contains("href=\"tel:+15035550141\""), "the NOC's public number dials");
    assert!(owner.contains("href=\"mailto:noc@northwind.example\""), "and its address mails");
}

#[test]
fn internal_build_marks_internal_content() {
    let s = canary_site();
    let out = build(&s, "internal");
    let acme = std::fs::read_to_string(out.join("acme/index.html")).unwrap();
    // The block's content sits inside an `internal-block` wrapper.
    let c = acme.find(C_BLOCK).expect("block text in the internal page");
    let open = acme[..c].rfind("<div class=\"internal-block\"").expect("internal-block wrapper before the block text");
    assert!(!acme[open..c].contains("</div>"), "block text is inside the internal-block wrapper");
    assert!(acme[open..c].contains(C_BLOCK_HEADING), "the heading in the block is wrapped too");
    assert!(acme[open..].contains("Internal only"), "visible label");
    let after = acme.find("pubtexttwo").unwrap();
    let close = open + acme[open..].find("</div>").unwrap();
    assert!(close < after, "public text after the block is outside the wrapper");
    // Internal notes are in a marked callout.
    let n = acme.find(C_NOTES).expect("internal notes in the internal page");
    assert!(acme[..n].rfind("internal-callout").is_some_and(|i| !acme[i..n].contains("</div>")), "notes inside an internal callout");
    // Internal-only pages carry a badge.
    for page in ["runbook-zqcanaryfile/index.html", "zqcanarydir/child/index.html"] {
        let html = std::fs::read_to_string(out.join(page)).unwrap();
        assert!(html.contains("badge-internal"), "{page} has no internal badge");
    }
    // The client page itself is not badged as internal-only (its header; its internal FAQ
    // question is, below).
    let header = element_at(&acme, acme.find("<header class=\"page-header").expect("page header"));
    assert!(!header.contains("badge-internal"), "a client page is not internal-only: {header}");
}

#[test]
fn internal_faq_entry_only_in_internal_build() {
    let s = canary_site();
    let client = build(&s, "client");
    let internal = build(&s, "internal");
    let c_faq = std::fs::read_to_string(client.join("faq/index.html")).unwrap();
    let i_faq = std::fs::read_to_string(internal.join("faq/index.html")).unwrap();
    assert!(c_faq.contains("pubfmquestion") && !c_faq.contains(C_FAQ_Q));
    assert!(i_faq.contains("pubfmquestion") && i_faq.contains(C_FAQ_Q));
    let c_page = std::fs::read_to_string(client.join("acme/index.html")).unwrap();
    assert!(c_page.contains("application/ld+json") && !c_page.contains(C_FAQ_Q), "JSON-LD has public questions only");
}

#[test]
fn exports_follow_the_audience() {
    let s = canary_site();
    let client = build(&s, "client");
    let json: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(client.join("ownership.json")).unwrap()).unwrap();
    assert_eq!(json["site"]["audience"], "client");
    let sources: Vec<&str> = json["playbooks"].as_array().unwrap().iter().map(|p| p["source"].as_str().unwrap()).collect();
    assert_eq!(sources, ["content/acme.md"]);
    assert!(json["owners"].as_array().unwrap().iter().all(|o| o["id"] != C_OWNER_ID && o.get("internal_contact").is_none()));
    let csv = std::fs::read_to_string(client.join("matrix.csv")).unwrap();
    assert_eq!(csv.lines().count(), 3, "header and the two rows of the client playbook:\n{csv}");
    let sitemap = std::fs::read_to_string(client.join("sitemap.xml")).unwrap();
    assert!(!sitemap.contains("runbook") && !sitemap.contains("/owners/zq"), "{sitemap}");

    let internal = build(&s, "internal");
    let json: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(internal.join("ownership.json")).unwrap()).unwrap();
    assert_eq!(json["playbooks"].as_array().unwrap().len(), 3);
}

// ---------------------------------------------------------------------------------------------
// Property test: internal blocks anywhere

struct Gen {
    rng: Rng,
    seed: u64,
    n: usize,
    public: Vec<String>,
    secret: Vec<String>,
}

impl Gen {
    fn token(&mut self, secret: bool) -> String {
        self.n += 1;
        if secret {
            let t = format!("zqleak{}x{}", self.seed, self.n);
            self.secret.push(t.clone());
            t
        } else {
            let t = format!("pubtok{}x{}", self.seed, self.n);
            self.public.push(t.clone());
            t
        }
    }

    /// One Markdown block (ending in a newline) holding one or more tokens.
    fn element(&mut self, secret: bool) -> String {
        match self.rng.below(9) {
            0 => format!("Paragraph {} with some words.\n", self.token(secret)),
            1 => format!("A longer paragraph {}\nthat wraps onto {} a second line.\n", self.token(secret), self.token(secret)),
            2 => format!("- item {}\n- item {}\n  continued\n", self.token(secret), self.token(secret)),
            3 if !secret && self.rng.chance(50) => {
                // A list item holding an indented internal block.
                let item = self.token(false);
                let hidden = self.token(true);
                let after = self.token(false);
                format!("- item {item}\n\n  ::: internal\n  hidden {hidden}\n  :::\n\n- item {after}\n")
            }
            3 => format!("1. first {}\n2. second {}\n", self.token(secret), self.token(secret)),
            4 => format!("{} Heading {}\n", "#".repeat(2 + self.rng.below(3)), self.token(secret)),
            5 => format!("```\ncode {}\n```\n", self.token(secret)),
            6 => format!("> quoted {}\n", self.token(secret)),
            7 => format!("| a | b |\n|---|---|\n| {} | x |\n", self.token(secret)),
            _ => {
                if secret {
                    // A nested fenced div inside the internal block, or a fence with markers in it.
                    if self.rng.chance(50) {
                        format!("::: note\nNested {}\n:::\n", self.token(true))
                    } else {
                        format!("```text\n:::\n{}\n::: internal\n```\n", self.token(true))
                    }
                } else if self.rng.chance(50) {
                    // Marker lines in public code are text, not blocks.
                    format!("```\n::: internal\n{}\n:::\n```\n", self.token(false))
                } else {
                    format!("Text with [a link](https://example.com/{}) in it.\n", self.token(false))
                }
            }
        }
    }

    fn internal_block(&mut self) -> String {
        let openers = ["::: internal", ":::internal", "::: Internal", ":::: internal", "::: internal   ", "  ::: internal"];
        let closers = [":::", "::::", ":::   ", " :::"];
        let mut s = format!("{}\n", openers[self.rng.below(openers.len())]);
        let k = 1 + self.rng.below(3);
        for i in 0..k {
            if i > 0 {
                s.push('\n');
            }
            s.push_str(&self.element(true));
        }
        s.push_str(closers[self.rng.below(closers.len())]);
        s.push('\n');
        s
    }

    fn body(&mut self) -> String {
        let mut parts = Vec::new();
        let k = 3 + self.rng.below(8);
        for _ in 0..k {
            if self.rng.chance(40) {
                parts.push(self.internal_block());
            } else {
                parts.push(self.element(false));
            }
        }
        // At least one internal block, sometimes first or last.
        if !parts.iter().any(|p| p.contains("zqleak")) || self.rng.chance(30) {
            let b = self.internal_block();
            if self.rng.chance(50) {
                parts.insert(0, b);
            } else {
                parts.push(b);
            }
        }
        let mut body = String::new();
        for p in parts {
            body.push_str(&p);
            // Usually a blank line between blocks; sometimes none next to a marker line.
            if !self.rng.chance(15) {
                body.push('\n');
            }
        }
        if self.rng.chance(20) {
            body = body.trim_end_matches('\n').to_string();
        }
        body
    }
}

#[test]
fn property_internal_blocks_never_leak_and_public_text_stays() {
    for seed in [1u64, 2, 3, 7, 42, 1234, 0xDEAD_BEEF, 0x005E_ED0F_F00D] {
        let mut g = Gen { rng: Rng::new(seed), seed, n: 0, public: Vec::new(), secret: Vec::new() };
        let s = Site::with_config();
        let mut bodies = Vec::new();
        for p in 0..4 {
            let body = g.body();
            let mut text = format!("---\ntitle: Page {p}\naudience: client\n---\n{body}");
            if g.rng.chance(25) {
                text = text.replace('\n', "\r\n");
            }
            s.file(&format!("content/p{p}.md"), &text);
            bodies.push(text);
        }
        let dump =
            || bodies.iter().enumerate().map(|(i, b)| format!("--- content/p{i}.md (seed {seed}) ---\n{b}")).collect::<Vec<_>>().join("\n");

        let out = s.path().join("out-client");
        let run = s.run(&["build", "--audience", "client", "--output", out.to_str().unwrap()]);
        assert_eq!(run.code, 0, "seed {seed}: client build failed\n{}\n{}", run.all(), dump());
        let files = lowered(&out);
        let leaks = occurrences(&files, "zqleak");
        assert!(leaks.is_empty(), "seed {seed}: internal text leaked:\n{}\n\n{}", leaks.join("\n"), dump());
        let pages: String = (0..4).map(|p| std::fs::read_to_string(out.join(format!("p{p}/index.html"))).unwrap()).collect();
        let lost: Vec<&String> = g.public.iter().filter(|t| !pages.contains(t.as_str())).collect();
        assert!(lost.is_empty(), "seed {seed}: public text lost in the client build: {lost:?}\n{}", dump());

        // The same site built for the internal audience shows every secret, wrapped.
        let out = s.path().join("out-internal");
        let run = s.run(&["build", "--audience", "internal", "--output", out.to_str().unwrap()]);
        assert_eq!(run.code, 0, "seed {seed}: internal build failed\n{}", run.all());
        let pages: String = (0..4).map(|p| std::fs::read_to_string(out.join(format!("p{p}/index.html"))).unwrap()).collect();
        let hidden: Vec<&String> = g.secret.iter().filter(|t| !pages.contains(t.as_str())).collect();
        assert!(hidden.is_empty(), "seed {seed}: internal text missing from the internal build: {hidden:?}\n{}", dump());
        assert!(pages.contains("class=\"internal-block\""), "seed {seed}: no internal-block wrapper");
        assert!(!g.secret.is_empty() && !g.public.is_empty());
    }
}

// ---------------------------------------------------------------------------------------------
// Malformed blocks and links across the boundary

#[test]
fn unclosed_internal_block_fails_the_build_at_the_opener() {
    let text = acme_playbook("Acme", "Intro.\n\n::: internal\nSecret zqunclosed.\n\nStill secret.\n");
    let s = Site::with_config();
    s.file("content/acme.md", &text);
    let line = pos_of(&text, "::: internal").0;
    for audience in ["client", "internal"] {
        let out = s.path().join(format!("out-{audience}"));
        let run = s.run(&["build", "--audience", audience, "--output", out.to_str().unwrap()]);
        run.fails_with(1);
        assert!(run.stderr.contains("error[internal-block]"), "{}", run.stderr);
        assert!(run.stderr.contains(&format!("content/acme.md:{line}:")), "position content/acme.md:{line} in\n{}", run.stderr);
        assert!(!out.exists(), "a failed build writes nothing");
        let (run, diags) = s.check_json(&["--audience", audience]);
        run.fails_with(1);
        let d: Vec<&Diag> = diags.iter().filter(|d| d.code == "internal-block").collect();
        assert_eq!(d.len(), 1, "{diags:#?}");
        assert_eq!((d[0].file.as_str(), d[0].line, d[0].severity.as_str()), ("content/acme.md", line, "error"));
    }
}

#[test]
fn nested_internal_block_is_an_error() {
    let text = acme_playbook("Acme", "::: internal\nA.\n\n::: internal\nB.\n:::\n:::\n");
    let s = Site::with_config();
    s.file("content/acme.md", &text);
    let (run, diags) = s.check_json(&["--audience", "client"]);
    run.fails_with(1);
    let d: Vec<&Diag> = diags.iter().filter(|d| d.code == "internal-block").collect();
    assert_eq!(d.len(), 1, "{diags:#?}");
    assert_eq!(d[0].line, pos_after(&text, "A.", "::: internal").0);
}

#[test]
fn link_to_internal_page_is_an_error_in_the_client_build_only() {
    let text = acme_playbook("Acme", "Intro.\n\nSee [the runbook](runbook.md#steps) for more.\n");
    let s = Site::with_config();
    s.file("content/acme.md", &text);
    s.file("content/runbook.md", "---\ntitle: Runbook\naudience: internal\n---\n## Steps\n\nSecret.\n");
    // Diagnostics point at the link's destination.
    let (line, col) = pos_of(&text, "runbook.md#steps");

    let out = s.path().join("out-client");
    let run = s.run(&["build", "--audience", "client", "--output", out.to_str().unwrap()]);
    run.fails_with(1);
    assert!(run.stderr.contains("error[internal-link]"), "{}", run.stderr);
    assert!(run.stderr.contains(&format!("content/acme.md:{line}:{col}")), "position in\n{}", run.stderr);
    assert!(!out.exists());
    let (run, diags) = s.check_json(&["--audience", "client"]);
    run.fails_with(1);
    let d: Vec<&Diag> = diags.iter().filter(|d| d.code == "internal-link").collect();
    assert_eq!(d.len(), 1, "{diags:#?}");
    assert_eq!((d[0].file.as_str(), d[0].line, d[0].column), ("content/acme.md", line, col));

    let internal = build(&s, "internal");
    let html = std::fs::read_to_string(internal.join("acme/index.html")).unwrap();
    assert!(html.contains("href=\"/runbook/#steps\""), "link rewritten in the internal build");
    s.check_json(&["--audience", "internal"]).0.ok();
}

/// Raw HTML links are checked as Markdown ones are, an `<object>`'s `data` included.
#[test]
fn an_object_embedding_an_internal_page_is_an_error_in_the_client_build() {
    let text = acme_playbook("Acme", "Intro.\n\n<object data=\"/runbook/\"></object>\n");
    let s = Site::with_config();
    s.file("content/acme.md", &text);
    s.file("content/runbook.md", "---\ntitle: Runbook\naudience: internal\n---\nSecret.\n");
    let (run, diags) = s.check_json(&["--audience", "client"]);
    run.fails_with(1);
    let d: Vec<&Diag> = diags.iter().filter(|d| d.code == "internal-link").collect();
    assert_eq!(d.len(), 1, "{diags:#?}");
    assert_eq!((d[0].line, d[0].column), pos_of(&text, "/runbook/"));
    s.check_json(&["--audience", "internal"]).0.ok();
}

#[test]
fn link_to_page_in_internal_section_is_an_error_in_the_client_build() {
    let text = acme_playbook("Acme", "See [ops](ops/child.md).\n");
    let s = Site::with_config_text(&config_replacing(&[("title: Fixture\n", "title: Fixture\naudience: client\n")]));
    s.file("content/acme.md", &text);
    s.file("content/ops/_index.md", "---\ntitle: Ops\naudience: internal\n---\nOps.\n");
    s.file("content/ops/child.md", "---\ntitle: Child\n---\nChild.\n");
    let (run, diags) = s.check_json(&["--audience", "client"]);
    run.fails_with(1);
    let d: Vec<&Diag> = diags.iter().filter(|d| d.code == "internal-link").collect();
    assert_eq!(d.len(), 1, "{diags:#?}");
    assert_eq!((d[0].line, d[0].column), pos_of(&text, "ops/child.md"));
    s.check_json(&["--audience", "internal"]).0.ok();
}

#[test]
fn link_to_internal_page_inside_an_internal_block_is_fine() {
    let text = acme_playbook("Acme", "Intro.\n\n::: internal\nSee [the runbook](runbook.md).\n:::\n");
    let s = Site::with_config();
    s.file("content/acme.md", &text);
    s.file("content/runbook.md", "---\ntitle: Runbook\naudience: internal\n---\nSecret.\n");
    let (run, diags) = s.check_json(&["--audience", "client"]);
    run.ok();
    assert!(diags.is_empty(), "{diags:#?}");
    build(&s, "client");
}

/// Builds a one-page client site whose body holds a secret written in some unusual way, and
/// asserts the client build fails closed: either it refuses (`internal-block`) or the secret
/// is left out. It must never be published.
fn assert_fails_closed(body: &str, secret: &str) {
    let s = Site::with_config();
    s.file("content/acme.md", &acme_playbook("Acme", body));
    let out = s.path().join("out-client");
    let run = s.run(&["build", "--audience", "client", "--output", out.to_str().unwrap()]);
    if run.code == 0 {
        let leaks = occurrences(&lowered(&out), secret);
        assert!(leaks.is_empty(), "`{secret}` published in the client build without any error:\n{}", leaks.join("\n"));
    } else {
        run.fails_with(1);
        assert!(run.stderr.contains("error[internal-block]"), "{}", run.stderr);
    }
}

#[test]
fn internal_marker_inside_a_blockquote_never_leaks() {
    assert_fails_closed("Intro.\n\n> ::: internal\n> Escalate to zqbqsecret.\n> :::\n\nAfter.\n", "zqbqsecret");
}

#[test]
fn internal_marker_with_trailing_words_never_leaks() {
    assert_fails_closed("Intro.\n\n::: internal escalation contacts\nCall zqtrailsecret.\n:::\n\nAfter.\n", "zqtrailsecret");
}

#[test]
fn internal_block_inside_a_list_item_is_hidden_from_clients() {
    assert_fails_closed("- Step one.\n\n  ::: internal\n  Bridge zqlistsecret.\n  :::\n\n- Step two.\n", "zqlistsecret");
}

#[test]
fn internal_block_inside_a_list_item_is_marked_in_the_internal_build() {
    let s = Site::with_config();
    s.file("content/acme.md", &acme_playbook("Acme", "- Step one.\n\n  ::: internal\n  Bridge zqlistsecret.\n  :::\n\n- Step two.\n"));
    let out = build(&s, "internal");
    let html = std::fs::read_to_string(out.join("acme/index.html")).unwrap();
    let at = html.find("zqlistsecret").expect("secret shown in the internal build");
    let marked = html[..at].rfind("internal-block").is_some_and(|i| !html[i..at].contains("</div>"));
    assert!(
        marked,
        "internal text inside a list item is not marked as internal:\n{}",
        &html[at.saturating_sub(300)..(at + 100).min(html.len())]
    );
}

#[test]
fn assets_in_an_internal_section_stay_out_of_the_client_build() {
    let s = Site::with_config_text(&config_replacing(&[("title: Fixture\n", "title: Fixture\naudience: client\n")]));
    s.file("content/acme.md", &acme_playbook("Acme", "Hi.\n"));
    s.file("content/ops/_index.md", "---\ntitle: Ops\naudience: internal\n---\nSee the [diagram](zqassetname.txt).\n");
    s.file("content/ops/zqassetname.txt", "zqassetbytes\n");
    let internal = build(&s, "internal");
    assert!(internal.join("ops/zqassetname.txt").is_file(), "the internal build keeps the asset");
    let client = build(&s, "client");
    let files = lowered(&client);
    let leaks: Vec<String> = ["zqassetname", "zqassetbytes"].iter().flat_map(|c| occurrences(&files, c)).collect();
    assert!(leaks.is_empty(), "a file of an internal-only section was published in the client build:\n{}", leaks.join("\n"));
}

// ---------------------------------------------------------------------------------------------
// Per-audience identity

#[test]
fn per_audience_title_and_base_url() {
    let cfg = format!("{CONFIG}audiences:\n  client: {{title: Zq Client Guide, base_url: https://guide.fixture.example/client/}}\n");
    let s = Site::with_config_text(&cfg);
    s.file("content/acme.md", &acme_playbook("Acme", "Hi.\n"));

    let client = build(&s, "client");
    let index = std::fs::read_to_string(client.join("index.html")).unwrap();
    assert!(index.contains("<title>Zq Client Guide"), "client title:\n{index}");
    assert!(!index.contains("<title>Fixture"), "{index}");
    let page = std::fs::read_to_string(client.join("acme/index.html")).unwrap();
    assert!(page.contains("Zq Client Guide"), "site title on pages");
    assert!(page.contains("href=\"/client/"), "links use the client base path");
    let sitemap = std::fs::read_to_string(client.join("sitemap.xml")).unwrap();
    let locs: Vec<&str> = sitemap.split("<loc>").skip(1).map(|x| x.split("</loc>").next().unwrap()).collect();
    assert!(!locs.is_empty());
    assert!(locs.iter().all(|l| l.starts_with("https://guide.fixture.example/client/")), "{sitemap}");
    assert!(locs.contains(&"https://guide.fixture.example/client/acme/"), "{sitemap}");
    let robots = std::fs::read_to_string(client.join("robots.txt")).unwrap();
    assert!(robots.contains("Sitemap: https://guide.fixture.example/client/sitemap.xml"), "{robots}");

    let internal = build(&s, "internal");
    let index = std::fs::read_to_string(internal.join("index.html")).unwrap();
    assert!(index.contains("<title>Fixture"), "internal title:\n{index}");
    assert!(!index.contains("Zq Client Guide"));
    let sitemap = std::fs::read_to_string(internal.join("sitemap.xml")).unwrap();
    assert!(sitemap.contains("<loc>https://fixture.example/acme/</loc>"), "{sitemap}");
    assert!(!sitemap.contains("guide.fixture.example"), "{sitemap}");
}

/// Lines that look like a code fence but are not one (the parser decides): a marker after them
/// is still a marker. Each of these published the block that followed.
#[test]
fn internal_blocks_after_lines_that_only_look_like_fences_never_leak() {
    let cases = [
        // Indented four spaces after a blank line: indented code, not a fence.
        ("Intro.\n\n    ```\n\nText.\n\n::: internal\nzqfenceone\n:::\n", "zqfenceone"),
        // A backtick in a backtick fence's info string: not a fence.
        ("Intro.\n\n``` not a fence ` at all\n\n::: internal\nzqfencetwo\n:::\n", "zqfencetwo"),
        // A fence opened in a list item and never closed ends with the list.
        ("- Step:\n\n  ```\n  code\n\nOutside the list.\n\n::: internal\nzqfencethree\n:::\n", "zqfencethree"),
        // Continuing a paragraph: not a fence.
        ("Para line\n    ```\n\n::: internal\nzqfencefour\n:::\n", "zqfencefour"),
        // Inside an HTML block: not a fence.
        ("<div>\n```\n</div>\n\n::: internal\nzqfencefive\n:::\n", "zqfencefive"),
    ];
    for (body, secret) in cases {
        assert_fails_closed(body, secret);
    }
}

/// A file whose lines end in a lone carriage return: the parser reads them as lines, so must
/// the blocks' reader.
#[test]
fn internal_blocks_in_a_file_with_carriage_return_line_endings_never_leak() {
    assert_fails_closed("Intro.\r\r::: internal\rzqcronly\r:::\r\rEnd.\r", "zqcronly");
}

/// A real code block still shows a marker as text, in both audiences.
#[test]
fn a_marker_inside_a_code_block_is_shown_as_code() {
    let s = Site::with_config();
    s.file("content/acme.md", &acme_playbook("Acme", "Syntax:\n\n```markdown\n::: internal\nzqshown\n:::\n```\n"));
    for audience in ["client", "internal"] {
        let html = std::fs::read_to_string(build(&s, audience).join("acme/index.html")).expect("page");
        assert!(html.contains("zqshown") && html.contains("::: internal"), "{audience}: the code block is shown as written");
    }
}

/// A handoff's internal block stays out of the client's ownership export, as out of its page;
/// and a title taken from the first heading is never one inside an internal block.
#[test]
fn handoff_blocks_and_titles_from_headings_never_leak() {
    let s = Site::with_config();
    s.file(
        "content/acme.md",
        &acme_playbook_replacing(
            "Body.\n",
            &[(
                "handoff: Desk hands to **Acme IT** for on-site work.",
                "handoff: \"Public handoff.\\n\\n::: internal\\nzqhandoffsecret\\n:::\\n\"",
            )],
        ),
    );
    s.file("content/guide.md", "---\naudience: client\n---\n::: internal\n# Zqtitlesecret heading\n:::\n\n# Public heading\n\nText.\n");
    let client = build(&s, "client");
    for secret in ["zqhandoffsecret", "zqtitlesecret"] {
        let leaks = occurrences(&lowered(&client), secret);
        assert!(leaks.is_empty(), "`{secret}` in the client build:\n{}", leaks.join("\n"));
    }
    let json = std::fs::read_to_string(client.join("ownership.json")).expect("export");
    assert!(json.contains("\"handoff\":\"Public handoff.\""), "the public part stays");
    assert!(std::fs::read_to_string(client.join("guide/index.html")).expect("page").contains("<title>Public heading"));
    // The internal edition keeps the block in the export, and takes the same title.
    let internal = build(&s, "internal");
    assert!(std::fs::read_to_string(internal.join("ownership.json")).expect("export").contains("zqhandoffsecret"));
    assert!(std::fs::read_to_string(internal.join("guide/index.html")).expect("page").contains("<title>Public heading"));
}

/// A party only internal pages name (a prospect) gets nothing in the client build: no page, no
/// entry in the search index, the exports or the sitemap, no place in the counts. When a client
/// playbook names it, it appears, and when none does any more, it goes, warm as cold.
#[test]
fn a_party_only_internal_pages_name_is_left_out_of_the_client_build() {
    let config = config_replacing(&[(
        "  beta: {name: Beta Ltd, kind: client}",
        "  beta: {name: Beta Ltd, kind: client}\n  zqprospect: {name: Zqprospect Inc, kind: client}",
    )]);
    let s = Site::with_config_text(&config);
    let acme = acme_playbook("Acme", "Body.\n");
    s.file("content/acme.md", &acme);
    // A second Acme playbook keeps Acme's owners shown whatever the first one does: only the
    // prospect comes and goes below.
    s.file("content/acme-two.md", &acme_playbook("Acme two", "Body.\n"));
    // Northwind's owners only: Acme's may not work on another client's playbook.
    let for_prospect = [("client: acme", "client: zqprospect"), ("[desk, acme-it]", "[desk]"), ("[acme-boss]", "[eng]")];
    let prospect = acme_playbook_replacing("Body.\n", &for_prospect);
    s.file("content/prospect.md", &prospect.replacen("audience: client", "audience: internal", 1));
    let client = build(&s, "client");
    let leaks = occurrences(&lowered(&client), "zqprospect");
    assert!(leaks.is_empty(), "the prospect in the client build:\n{}", leaks.join("\n"));
    assert!(client.join("parties/acme/index.html").exists(), "a client with a visible playbook keeps its page");
    assert!(build(&s, "internal").join("parties/zqprospect/index.html").exists(), "the internal build shows every party");

    // The client playbook moves to the prospect, then back: each build over the last one's
    // output (from the cache) writes what a build from nothing does.
    let cold = s.path().join("out-cold");
    let cold_arg = cold.to_str().expect("utf-8 path");
    for (text, prospect_shown) in [(prospect.clone(), true), (acme.clone(), false)] {
        std::thread::sleep(std::time::Duration::from_millis(1100));
        s.file("content/acme.md", &text);
        let warm = build(&s, "client");
        assert_eq!(warm.join("parties/zqprospect/index.html").exists(), prospect_shown);
        s.run(&["build", "--audience", "client", "--no-cache", "--output", cold_arg]).ok();
        let files = |dir: &Path| walk_files(dir).into_iter().filter(|(n, _)| !n.starts_with(".demarcate")).collect::<Vec<_>>();
        let (w, c) = (files(&warm), files(&cold));
        assert_eq!(w.iter().map(|(n, _)| n).collect::<Vec<_>>(), c.iter().map(|(n, _)| n).collect::<Vec<_>>(), "the same files");
        for ((name, a), (_, b)) in w.iter().zip(&c) {
            assert!(a == b, "{name} differs between the build over the last output and a cold one");
        }
    }
}

// ---------------------------------------------------------------------------------------------
// One client's guide (`--client`)

/// Two clients' folders, a shared guide and a file in each folder. Everything of the second
/// client's carries `zqbeta`; its party is "Beta Ltd", its owner "Beta IT".
fn two_client_site() -> Site {
    let s = Site::with_config_text(&config_replacing(&[("title: Fixture\n", "title: Fixture\naudience: client\n")]));
    s.file("content/_index.md", "---\ntitle: Home\n---\nWelcome to the guide.\n");
    s.file("content/guides/reading.md", "---\ntitle: Reading a playbook\n---\nShared with every client.\n");
    s.file("content/clients/_index.md", "---\ntitle: Clients\n---\nOne folder per client.\n");
    s.file("content/clients/acme/_index.md", "---\ntitle: Acme folder\n---\nThe Acme engagement.\n");
    s.file("content/clients/acme/managed.md", &acme_playbook("Acme managed", "Acme body.\n"));
    s.file("content/clients/acme/acme-notes.txt", "acme file\n");
    s.file("content/clients/zqbeta/_index.md", "---\ntitle: Zqbeta folder\n---\nThe zqbeta engagement.\n");
    s.file(
        "content/clients/zqbeta/playbook.md",
        "---\ntitle: Zqbeta playbook\nclient: beta\nworkstreams:\n  help-desk: beta-it\n  security-monitoring:\n    accountable: soc-team\n    \
         responsible: [soc-team]\n    coverage: 24x7\n    after_hours: soc-team\nfaq:\n  - q: Zqbeta question?\n    a: The SOC.\n---\nZqbeta body.\n",
    );
    s.file("content/clients/zqbeta/notes.md", "---\ntitle: Zqbeta notes\n---\nNo client named, but in their folder.\n");
    s.file("content/clients/zqbeta/zqbeta-diagram.txt", "zqbeta file\n");
    s
}

/// Builds with `args` into `SITE/NAME` and returns that folder.
fn build_into(s: &Site, name: &str, args: &[&str]) -> PathBuf {
    let out = s.path().join(name);
    let mut all = vec!["build", "--output", out.to_str().unwrap()];
    all.extend_from_slice(args);
    s.run(&all).ok();
    out
}

#[test]
fn one_clients_guide_holds_nothing_of_another_client() {
    let s = two_client_site();
    let beta = ["zqbeta", "beta ltd", "beta-it", "beta it", "it@beta.example", "/parties/beta/"];
    // The whole client build has both clients: the guide is what leaves one out.
    let all = lowered(&build_into(&s, "all", &["--audience", "client"]));
    for needle in ["zqbeta", "beta ltd", "beta it", "acme managed"] {
        assert!(!occurrences(&all, needle).is_empty(), "the client build has no `{needle}`");
    }
    let acme = lowered(&build_into(&s, "acme", &["--client", "acme"]));
    let leaks: Vec<String> = beta.iter().flat_map(|b| occurrences(&acme, b)).collect();
    assert!(leaks.is_empty(), "the guide for Acme holds the other client's:\n{}", leaks.join("\n"));
    for rel in [
        "index.html",
        "clients/acme/managed/index.html",
        "clients/acme/acme-notes.txt",
        "guides/reading/index.html",
        "parties/acme/index.html",
        "owners/acme-it/index.html",
        "owners/soc-team/index.html",
    ] {
        assert!(acme.iter().any(|(name, _)| name == rel), "the guide for Acme has no {rel}");
    }
    let json: serde_json::Value = serde_json::from_str(&s.read("acme/ownership.json")).unwrap();
    assert_eq!((&json["site"]["audience"], &json["site"]["client"]), (&"client".into(), &"acme".into()), "{}", json["site"]);
    // And the other way round: the shared guide and vendor stay, Acme's work goes.
    let other = lowered(&build_into(&s, "beta", &["--client", "beta"]));
    let leaks: Vec<String> = ["acme", "it@acme.example"].iter().flat_map(|a| occurrences(&other, a)).collect();
    assert!(leaks.is_empty(), "the guide for Beta holds Acme's:\n{}", leaks.join("\n"));
    for rel in [
        "clients/zqbeta/playbook/index.html",
        "clients/zqbeta/notes/index.html",
        "clients/zqbeta/zqbeta-diagram.txt",
        "guides/reading/index.html",
        "owners/soc-team/index.html",
    ] {
        assert!(other.iter().any(|(name, _)| name == rel), "the guide for Beta has no {rel}");
    }
}

#[test]
fn a_guide_must_name_a_client_party() {
    let s = two_client_site();
    let (run, diags) = s.check_json(&["--client", "acem"]);
    run.fails_with(1);
    let config = s.read("demarcate.yaml");
    let found: Vec<(&str, &str, usize, Option<&str>)> =
        diags.iter().map(|d| (d.code.as_str(), d.file.as_str(), d.line, d.help.as_deref())).collect();
    assert_eq!(found, [("unknown-client", "demarcate.yaml", pos_of(&config, "parties:").0, Some("did you mean `acme`?"))], "{diags:#?}");
    let (run, diags) = s.check_json(&["--client", "soc"]);
    run.fails_with(1);
    assert!(diags.len() == 1 && diags[0].message.contains("a vendor party, not a client"), "{diags:#?}");
    assert_eq!(diags[0].help.as_deref(), Some("the clients are `acme`, `beta`"));
    // A guide is a client build.
    let run = s.run(&["build", "--client", "acme", "--audience", "internal"]);
    run.fails_with(2);
    assert!(run.stderr.contains("cannot be built with `--audience internal`"), "{}", run.stderr);
    assert!(!s.exists("site"), "a refused build wrote its output");
}

#[test]
fn a_link_into_another_clients_folder_is_internal_link_in_their_guide_only() {
    let s = two_client_site();
    let text = acme_playbook(
        "Acme managed",
        "See [their playbook](../zqbeta/playbook.md), [notes](../zqbeta/notes.md) and [a file](../zqbeta/zqbeta-diagram.txt).\n",
    );
    s.file("content/clients/acme/managed.md", &text);
    let (run, diags) = s.check_json(&["--audience", "client"]);
    run.ok();
    assert!(diags.iter().all(|d| d.code != "internal-link"), "{diags:#?}");
    let (run, diags) = s.check_json(&["--client", "acme"]);
    run.fails_with(1);
    let found: Vec<(&str, (usize, usize), bool)> =
        diags.iter().map(|d| (d.code.as_str(), (d.line, d.column), d.message.contains("left out of the guide for Acme Corp"))).collect();
    let at = |needle: &str| pos_of(&text, needle);
    assert_eq!(
        found,
        [
            ("internal-link", at("../zqbeta/playbook.md"), true),
            ("internal-link", at("../zqbeta/notes.md"), true),
            ("internal-link", at("../zqbeta/zqbeta-diagram.txt"), true)
        ],
        "{diags:#?}"
    );
    assert!(diags[0].message.contains("Beta Ltd's"), "{}", diags[0].message);
    assert!(diags[1].message.contains("in another client's folder"), "{}", diags[1].message);
}

#[test]
fn a_shared_page_naming_another_client_is_client_leak_at_the_name() {
    let s = two_client_site();
    let text = "---\ntitle: Reading a playbook\n---\nShared with every client.\n\n::: internal\nBeta Ltd asked for this page.\n:::\n\nAsk Beta IT, as Beta Ltd does.\nWrite to it@beta.example about ITIL; Beta Ltda is another firm.\n";
    s.file("content/guides/reading.md", text);
    // Nowhere else: the whole client build names every client, and internal blocks are gone.
    let (run, diags) = s.check_json(&["--audience", "client"]);
    run.ok();
    assert!(diags.is_empty(), "{diags:#?}");
    let (run, diags) = s.check_json(&["--client", "acme"]);
    run.fails_with(1);
    let file = "content/guides/reading.md";
    // Each name once, where a reader first sees it: Beta Ltd past the internal block naming it.
    let shown = |name: &str| pos_after(text, "Ask", name);
    let found: Vec<(&str, &str, (usize, usize), bool)> = diags
        .iter()
        .map(|d| (d.code.as_str(), d.file.as_str(), (d.line, d.column), d.message.contains("the guide for Acme Corp")))
        .collect();
    let expected = [
        ("client-leak", file, shown("Beta IT"), true),
        ("client-leak", file, shown("Beta Ltd"), true),
        ("client-leak", file, shown("it@beta.example"), true),
    ];
    assert_eq!(found, expected, "{diags:#?}");
    let names: Vec<&str> = diags.iter().map(|d| d.message.split('`').nth(1).unwrap_or("")).collect();
    assert_eq!(names, ["Beta IT", "Beta Ltd", "it@beta.example"], "{diags:#?}");
    // Beta's own guide may name Beta.
    s.check_json(&["--client", "beta"]).0.ok();
    // Turned down in `checks:`, it is a warning and the guide builds.
    let config = s.read("demarcate.yaml").replace("checks:\n", "checks:\n  client-leak: warning\n");
    s.file("demarcate.yaml", &config);
    let run = s.run(&["build", "--client", "acme"]);
    run.ok();
    assert!(run.stderr.contains("warning[client-leak]"), "{}", run.stderr);
}

#[test]
fn each_client_gets_its_own_guide_in_one_build() {
    let s = two_client_site();
    // Sources older than the racy window: every build stores the same stamps (see below).
    std::thread::sleep(std::time::Duration::from_millis(1100));
    let run = s.run(&["build", "--each-client"]);
    run.ok();
    let (acme, beta) = (lowered(&s.path().join("guides/acme")), lowered(&s.path().join("guides/beta")));
    assert!(occurrences(&acme, "zqbeta").is_empty() && !occurrences(&acme, "acme managed").is_empty(), "{}", run.stdout);
    assert!(occurrences(&beta, "acme managed").is_empty() && !occurrences(&beta, "zqbeta").is_empty(), "{}", run.stdout);
    // The same files as each guide built on its own: the first guide read the sources, the
    // second took over its model.
    build_into(&s, "acme-alone", &["--client", "acme"]);
    assert_eq!(walk_files(&s.path().join("guides/acme")), walk_files(&s.path().join("acme-alone")));
    build_into(&s, "beta-alone", &["--client", "beta"]);
    assert_eq!(walk_files(&s.path().join("guides/beta")), walk_files(&s.path().join("beta-alone")));
    // Each guide keeps a build cache of its own: the next run is warm for both.
    let again = s.run(&["build", "--each-client"]);
    again.ok();
    assert_eq!(again.stdout.matches("from the build cache: nothing to update").count(), 2, "{}", again.stdout);
    // A guide built alone finds its blobs in the cache's store: four snapshots share each
    // guide's shard, the stamps and the (empty) diagnostics.
    assert_eq!(snapshots_and_blobs(&s), (4, 4));
    // One guide failing fails the run, and the others are still built.
    s.file("content/guides/reading.md", "---\ntitle: Reading a playbook\n---\nAsk Beta Ltd.\n");
    let run = s.run(&["build", "--each-client", "-o", "fresh"]);
    run.fails_with(1);
    assert!(run.stderr.contains("error[client-leak]") && run.stderr.contains("1 of 2 client guides failed to build"), "{}", run.stderr);
    assert!(!s.exists("fresh/acme") && s.exists("fresh/beta/index.html"), "{}", run.stderr);
    // The guide after a failed one takes over the failed one's model just the same.
    build_into(&s, "beta-alone-again", &["--client", "beta"]);
    assert_eq!(walk_files(&s.path().join("fresh/beta")), walk_files(&s.path().join("beta-alone-again")));
    // A registry error stops every guide before any is written.
    let config = s.read("demarcate.yaml");
    s.file("demarcate.yaml", &config.replacen("  eng:", "  \"bad id\":", 1));
    let run = s.run(&["build", "--each-client", "-o", "refused"]);
    run.fails_with(1);
    assert!(run.stderr.contains("error[invalid-id]") && run.stderr.contains("no guide was built"), "{}", run.stderr);
    assert!(!s.exists("refused"), "a guide was written from a broken registry");
    s.file("demarcate.yaml", &config);
    // Guides are client builds, and need a client.
    s.run(&["build", "--each-client", "--audience", "internal"]).fails_with(2);
    let none = Site::with_config_text("title: T\nparties:\n  p: {name: Provider, kind: provider}\n");
    none.file("content/_index.md", "---\ntitle: Home\n---\nHi.\n");
    let run = none.run(&["build", "--each-client"]);
    run.fails_with(1);
    assert!(run.stderr.contains("no party in demarcate.yaml has `kind: client`"), "{}", run.stderr);
}

#[test]
fn the_text_files_a_guide_ships_are_checked_for_other_clients_names() {
    let s = two_client_site();
    let clean = "team,phone\nhelp desk,555-0100\n";
    s.file("content/guides/contacts.csv", clean);
    // Not text: not read (a PDF or an image cannot be checked for names).
    std::fs::write(s.path().join("content/guides/logo.png"), b"\x89PNG\r\n\x1a\n\x00Beta Ltd\x00").unwrap();
    s.run(&["build", "--client", "acme", "-o", "acme-guide"]).ok();
    // Sources older than the racy window: the next build is warm, and checks as a cold one.
    std::thread::sleep(std::time::Duration::from_millis(1100));
    s.file("content/guides/contacts.csv", &format!("{clean}escalations,Beta Ltd\n"));
    for args in [&["build", "--client", "acme", "-o", "acme-guide"][..], &["build", "--client", "acme", "-o", "acme-cold", "--no-cache"]] {
        let run = s.run(args);
        run.fails_with(1);
        assert!(run.stderr.contains("content/guides/contacts.csv:3:13"), "{}", run.stderr);
        assert_eq!(run.stderr.matches("error[client-leak]").count(), 1, "{}", run.stderr);
    }
    assert_eq!(s.read("acme-guide/guides/contacts.csv"), clean, "the failed build changed the guide");
    assert!(!s.exists("acme-cold"));
    let check = s.run(&["check", "--each-client"]);
    check.fails_with(1);
    assert!(check.stderr.contains("content/guides/contacts.csv:3:13") && check.stderr.contains("acme: 1 error"), "{}", check.stderr);
    // Beta's own guide may name Beta.
    s.run(&["build", "--client", "beta", "-o", "beta-guide"]).ok();
    assert!(s.read("beta-guide/guides/contacts.csv").contains("Beta Ltd"));
    // A file in Beta's folder is not in Acme's guide, nor checked for it.
    s.file("content/guides/contacts.csv", clean);
    s.file("content/clients/zqbeta/beta-contacts.txt", "Beta Ltd, main office\n");
    s.run(&["build", "--client", "acme", "-o", "acme-guide"]).ok();
    assert!(!s.exists("acme-guide/clients/zqbeta/beta-contacts.txt"));
}

/// How many snapshots the site's build cache holds, and how many blobs (shards, stamps and
/// diagnostics lists) they share.
fn snapshots_and_blobs(s: &Site) -> (usize, usize) {
    let cache = s.path().join(".demarcate-cache");
    let snapshots = std::fs::read_dir(&cache).unwrap().flatten().filter(|e| e.path().join("site.bin").is_file()).count();
    (snapshots, std::fs::read_dir(cache.join("blobs")).unwrap().flatten().count())
}

#[test]
fn guides_share_the_cached_shards_of_pages_they_show_alike() {
    // Every guide's snapshot holds every page of the site, in shards of 256 pages. The first
    // shard holds the client folders (shown differently by each guide), the second only notes
    // every guide shows: it is stored once, as are the stamps and the diagnostics.
    let s = two_client_site();
    for i in 0..300 {
        s.file(&format!("content/guides/g{i:03}.md"), &format!("---\ntitle: Note {i}\n---\nFor every client.\n"));
    }
    // Sources older than the racy window, so the second run finds them unchanged.
    std::thread::sleep(std::time::Duration::from_millis(1100));
    s.run(&["build", "--each-client"]).ok();
    assert_eq!(snapshots_and_blobs(&s), (2, 3 + 2));
    let again = s.run(&["build", "--each-client"]);
    again.ok();
    assert_eq!(again.stdout.matches("from the build cache: nothing to update").count(), 2, "{}", again.stdout);
}

#[test]
fn each_client_prints_a_problem_every_guide_shares_once() {
    let s = two_client_site();
    s.file("content/shared-note.md", "---\ntitle: Shared note\nupdated: 2027-01-01\n---\nFor every client.\n");
    let run = s.run(&["build", "--each-client"]);
    run.ok();
    assert_eq!(run.stderr.matches("warning[future-update]").count(), 1, "{}", run.stderr);
    assert!(run.stderr.contains("1 more problem, printed above for an earlier guide"), "{}", run.stderr);
    // Each guide still counts it.
    assert_eq!(run.stdout.matches("(1 warning)").count(), 2, "{}", run.stdout);
}

#[test]
fn check_each_client_checks_every_guide_and_reports_a_shared_problem_once() {
    let s = two_client_site();
    let run = s.run(&["check", "--each-client"]);
    run.ok();
    assert!(run.stdout.contains("2 client guides checked: no problems found"), "{}", run.stdout);
    // A shared page with a warning both guides show, and one naming Beta, which only Acme's
    // guide must not.
    s.file("content/shared-note.md", "---\ntitle: Shared note\nupdated: 2027-01-01\n---\nFor every client.\n");
    s.file("content/guides/reading.md", "---\ntitle: Reading a playbook\n---\nAsk Beta Ltd.\n");
    let run = s.run(&["check", "--each-client"]);
    run.fails_with(1);
    assert_eq!(run.stderr.matches("warning[future-update]").count(), 1, "{}", run.stderr);
    assert_eq!(run.stderr.matches("error[client-leak]").count(), 1, "{}", run.stderr);
    assert!(run.stderr.contains("acme: 1 error, 1 warning in "), "{}", run.stderr);
    assert!(!run.stderr.contains("beta: "), "{}", run.stderr);
    let run = s.run(&["check", "--each-client", "--format", "json"]);
    run.fails_with(1);
    let codes: Vec<String> = parse_json_diags(&run).into_iter().map(|d| d.code).collect();
    assert_eq!(codes, ["client-leak", "future-update"], "{}", run.stdout);
    // With warnings denied, Beta's guide fails too.
    let run = s.run(&["check", "--each-client", "--deny", "warnings"]);
    run.fails_with(1);
    assert!(run.stderr.contains("beta: 0 errors, 1 warning in "), "{}", run.stderr);
    s.run(&["check", "--each-client", "--client", "acme"]).fails_with(2);
}

#[test]
fn a_name_wrapped_across_two_lines_is_still_client_leak() {
    let s = two_client_site();
    let text = "---\ntitle: Reading a playbook\n---\nShared with every client, as agreed with Beta\nLtd last year.\n";
    s.file("content/guides/reading.md", text);
    let (run, diags) = s.check_json(&["--client", "acme"]);
    run.fails_with(1);
    let found: Vec<(&str, usize, usize)> = diags.iter().map(|d| (d.code.as_str(), d.line, d.column)).collect();
    let (line, column) = pos_of(text, "Beta\nLtd");
    assert_eq!(found, [("client-leak", line, column)], "{diags:#?}");
}
