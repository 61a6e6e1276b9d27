//! Issue 5: questions and answers. Front-matter `faq:` and Markdown FAQ sections, their anchors,
//! the site-wide /faq/ page, the FAQPage JSON-LD, and HTML in questions staying inert.

mod common;

use std::collections::{BTreeMap, BTreeSet};

use common::*;
use serde_json::Value;

/// A valid acme playbook (see [`acme_playbook`]) with extra front-matter (`faq:` …) added.
fn playbook(title: &str, extra_fm: &str, body: &str) -> String {
    let p = acme_playbook(title, body);
    assert!(p.contains("audience: client\n"));
    p.replacen("audience: client\n", &format!("audience: client\n{extra_fm}"), 1)
}

const ALPHA_FAQ: &str = r#"faq:
  - q: How do we reach the desk?
    a: |
      Call the desk first:

      ```sh
      curl https://desk.example/status
      ```

      - by phone
      - by email
  - q: Who patches the servers?
    id: patching
    a: Engineering, monthly.
"#;

const ALPHA_BODY: &str = "## Overview

Alpha text.

## Frequently asked questions

### Can we switch models later?

Yes, with notice:

```yaml
model: managed
```

1. ask your account manager
2. sign the change

### Who pays for licences?

The client, through the *reseller*.

## Sources

SOURCES-MARKER text that belongs to no answer.
";

const BETA_BODY: &str = "## Overview

Beta text.

## FAQ

### How do we reach the desk?

Beta calls its own desk.

### Is there a weekend rate?

No.
";

fn two_playbooks() -> Site {
    let s = Site::with_config();
    s.file("content/alpha.md", &playbook("Alpha", ALPHA_FAQ, ALPHA_BODY));
    s.file("content/beta.md", &playbook("Beta", "", BETA_BODY));
    s.file("content/plain.md", "---\ntitle: Plain\n---\n## No questions here\n\nJust text.\n");
    s.run(&["build", "--quiet"]).ok();
    // The FAQPage structured data is only in the client guide (internal pages are `noindex`).
    s.run(&["build", "--quiet", "--audience", "client", "-o", "client"]).ok();
    s
}

/// Every FAQPage JSON-LD block of a page, as raw script text.
fn jsonld_scripts(html: &str) -> Vec<&str> {
    let open = "<script type=\"application/ld+json\">";
    html.match_indices(open)
        .map(|(i, _)| {
            let body = &html[i + open.len()..];
            &body[..body.find("</script>").expect("script is closed")]
        })
        .collect()
}

/// The single JSON-LD document of a page, parsed.
fn jsonld(html: &str) -> Value {
    let scripts = jsonld_scripts(html);
    assert_eq!(scripts.len(), 1, "expected exactly one ld+json script, found {}", scripts.len());
    serde_json::from_str(scripts[0]).unwrap_or_else(|e| panic!("JSON-LD does not parse ({e}):\n{}", scripts[0]))
}

/// (name, answer text) of each Question in a FAQPage document.
fn jsonld_questions(doc: &Value) -> Vec<(String, String)> {
    assert_eq!(doc["@context"], "https://schema.org");
    assert_eq!(doc["@type"], "FAQPage");
    doc["mainEntity"]
        .as_array()
        .expect("mainEntity is a list")
        .iter()
        .map(|q| {
            assert_eq!(q["@type"], "Question", "{q}");
            assert_eq!(q["acceptedAnswer"]["@type"], "Answer", "{q}");
            (q["name"].as_str().expect("name").to_string(), q["acceptedAnswer"]["text"].as_str().expect("text").to_string())
        })
        .collect()
}

/// The heading text without what follows the question: its `#` anchor link, an internal badge,
/// the playbook it comes from.
fn heading_text(inner: &str) -> String {
    let ends = ["<a class=\"anchor\"", " <span class=\"badge-internal\">", " <span class=\"faq-from\">"];
    let cut = ends.iter().filter_map(|e| inner.find(e)).min().unwrap_or(inner.len());
    visible_text(&inner[..cut]).trim().to_string()
}

/// The questions a reader sees on a playbook page: headings whose id is an FAQ anchor.
/// Returns (anchor, question text).
fn visible_questions(html: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for (i, _) in html.match_indices(" id=\"faq-") {
        let Some(open) = html[..i].rfind('<') else { continue };
        let tag = &html[open + 1..i];
        if !(tag.len() == 2 && tag.starts_with('h') && tag.as_bytes()[1].is_ascii_digit()) {
            continue;
        }
        let id = attr_values(&html[open..open + html[open..].find('>').unwrap() + 1], "id").remove(0);
        out.push((id, heading_text(element_at(html, open))));
    }
    out
}

/// HTML from a question heading (by anchor) up to the next heading or the end of its FAQ item:
/// where its answer is shown.
fn answer_after(html: &str, anchor: &str) -> String {
    let at = html.find(&format!("id=\"{anchor}\"")).unwrap_or_else(|| panic!("no id={anchor}"));
    let after = &html[at..];
    let after = &after[after.find('>').unwrap() + 1..];
    let after = &after[after.find("</h").unwrap()..];
    let after = &after[after.find('>').unwrap() + 1..];
    let end = ["<h1", "<h2", "<h3", "<h4", "<div class=\"faq-item", "</section"]
        .iter()
        .filter_map(|m| after.find(m))
        .min()
        .unwrap_or(after.len());
    after[..end].to_string()
}

#[test]
fn front_matter_and_markdown_questions_are_both_extracted_with_rich_answers() {
    let s = two_playbooks();
    let html = s.read("site/alpha/index.html");
    let shown: BTreeMap<String, String> = visible_questions(&html).into_iter().collect();
    let want: BTreeMap<String, String> = [
        ("faq-how-do-we-reach-the-desk", "How do we reach the desk?"),
        ("faq-patching", "Who patches the servers?"),
        ("faq-can-we-switch-models-later", "Can we switch models later?"),
        ("faq-who-pays-for-licences", "Who pays for licences?"),
    ]
    .iter()
    .map(|(a, q)| (a.to_string(), q.to_string()))
    .collect();
    assert_eq!(shown, want, "visible questions and their anchors");

    // Front-matter answer: Markdown with a code block and a list.
    let a = answer_after(&html, "faq-how-do-we-reach-the-desk");
    assert!(
        a.contains("<pre") && visible_text(&a).contains("curl https://desk.example/status"),
        "code block missing from the answer:\n{a}"
    );
    assert!(a.contains("<li>by phone</li>") && a.contains("<li>by email</li>"), "list missing from the answer:\n{a}");
    // Markdown answer: everything up to the next question, not beyond.
    let a = answer_after(&html, "faq-can-we-switch-models-later");
    assert!(a.contains("<pre") && a.contains("model"), "code block missing:\n{a}");
    assert!(a.contains("<li>ask your account manager</li>") && a.contains("<ol>"), "ordered list missing:\n{a}");

    // The same answers reach the structured data.
    let qs: BTreeMap<String, String> = jsonld_questions(&jsonld(&s.read("client/alpha/index.html"))).into_iter().collect();
    assert_eq!(qs.len(), 4, "{qs:?}");
    let desk = &qs["How do we reach the desk?"];
    assert!(desk.contains("curl https://desk.example/status") && desk.contains("<li>by phone</li>"), "{desk}");
    let switch = &qs["Can we switch models later?"];
    assert!(switch.contains("model: managed") && switch.contains("<li>sign the change</li>"), "{switch}");
    assert!(!switch.contains("Who pays"), "an answer ran into the next question: {switch}");
    let pays = &qs["Who pays for licences?"];
    assert!(pays.contains("reseller"), "{pays}");
    assert!(!pays.contains("SOURCES-MARKER"), "the last answer ran past the end of the FAQ section: {pays}");
}

#[test]
fn a_section_headed_faq_is_recognised_too() {
    let s = two_playbooks();
    let html = s.read("site/beta/index.html");
    let shown: Vec<String> = visible_questions(&html).into_iter().map(|(_, q)| q).collect();
    assert_eq!(shown, ["How do we reach the desk?", "Is there a weekend rate?"]);
    let qs = jsonld_questions(&jsonld(&s.read("client/beta/index.html")));
    assert_eq!(qs.len(), 2);
    assert!(qs[0].1.contains("Beta calls its own desk."));
    assert!(!s.read("site/plain/index.html").contains("faq-no-questions-here"), "a non-FAQ heading became a question");
}

#[test]
fn faq_anchors_are_unique_per_page() {
    let s = Site::with_config();
    let fm = "faq:\n  - {q: Who pays?, a: The client.}\n  - {q: Who pays?, a: Still the client.}\n  - {q: Second entry, id: who-pays, a: Explicit id.}\n";
    let body = "## Overview\n\nA.\n\n## Overview\n\nB.\n\n## Frequently asked questions\n\n### Who pays?\n\nMarkdown answer.\n\n### Who pays?\n\nAgain.\n";
    s.file("content/dup.md", &playbook("Dup", fm, body));
    s.run(&["build", "--quiet"]).ok();
    let html = s.read("site/dup/index.html");
    let all = ids(&html);
    let mut count: BTreeMap<&str, usize> = BTreeMap::new();
    for id in &all {
        *count.entry(id).or_default() += 1;
    }
    let dups: Vec<_> = count.iter().filter(|(_, n)| **n > 1).collect();
    assert!(dups.is_empty(), "duplicate ids on the page: {dups:?}");
    let anchors: Vec<String> = visible_questions(&html).into_iter().map(|(a, _)| a).collect();
    assert_eq!(anchors.len(), 5, "{anchors:?}");
    assert_eq!(anchors.iter().collect::<BTreeSet<_>>().len(), 5, "{anchors:?}");
    assert!(anchors.iter().all(|a| a.starts_with("faq-who-pays")), "{anchors:?}");
    // Each anchor can be linked to: the anchor link in each question points at itself.
    for a in &anchors {
        assert!(hrefs(&html).contains(&format!("#{a}")), "no self link for {a}");
    }
}

/// Headings are free text; one that slugs to an id the theme uses must not duplicate it.
#[test]
fn a_heading_named_like_the_faq_block_does_not_duplicate_its_id() {
    let s = Site::with_config();
    s.file("content/clash.md", &playbook("Clash", "faq:\n  - {q: Why?, a: Because.}\n", "## Playbook FAQ\n\nAbout this FAQ.\n"));
    s.run(&["build", "--quiet"]).ok();
    let all = ids(&s.read("site/clash/index.html"));
    let mut seen = BTreeSet::new();
    let dups: Vec<&String> = all.iter().filter(|i| !seen.insert(i.as_str())).collect();
    assert!(dups.is_empty(), "duplicate ids on the page: {dups:?}");
}

/// The same for every id the theme gives a page with a Markdown body: the search box, an
/// ownership row (`ws-help-desk`), a section's lists, the home page's groups and clients. A
/// heading that slugs to one takes the next free id, and a link written to the row still lands
/// on the row.
#[test]
fn headings_named_like_the_theme_s_ids_do_not_duplicate_them() {
    let s = Site::with_config();
    let body = "## Header search input\n\n## WS help desk\n\nSee [the row](#ws-help-desk).\n";
    s.file("content/clients/acme.md", &acme_playbook("Acme", body));
    s.file("content/clients/_index.md", "---\ntitle: Clients\n---\n## Section pages\n\n## Section subsections\n");
    s.file("content/_index.md", "---\ntitle: Home\n---\n## Home clients\n\n## Home client Acme\n\n## Home other\n");
    s.run(&["build", "--quiet"]).ok();
    for (page, headings) in [
        ("site/clients/acme/index.html", &["header-search-input-1", "ws-help-desk-1"][..]),
        ("site/clients/index.html", &["section-pages-1", "section-subsections-1"]),
        ("site/index.html", &["home-clients-1", "home-client-acme-1", "home-other-1"]),
    ] {
        let html = s.read(page);
        let all = ids(&html);
        let mut seen = BTreeSet::new();
        let dups: Vec<&String> = all.iter().filter(|i| !seen.insert(i.as_str())).collect();
        assert!(dups.is_empty(), "duplicate ids on {page}: {dups:?}");
        for h in headings {
            assert!(all.iter().any(|i| i == h), "{page}: no heading `{h}` in {all:?}");
        }
    }
    let html = s.read("site/clients/acme/index.html");
    assert!(html.contains("<tr id=\"ws-help-desk\""), "the row keeps its id");
}

/// The text of every `class="faq-q"` element of the /faq/ page, with the element's start.
fn faq_page_questions(html: &str) -> Vec<(usize, String)> {
    html.match_indices("class=\"faq-q\"")
        .filter_map(|(i, _)| {
            let open = html[..i].rfind('<')?;
            Some((open, heading_text(element_at(html, open))))
        })
        .collect()
}

#[test]
fn faq_page_lists_every_question_once_with_links_to_each_playbook() {
    let s = two_playbooks();
    let html = s.read("site/faq/index.html");
    let listed = faq_page_questions(&html);
    let mut count: BTreeMap<&str, usize> = BTreeMap::new();
    for (_, q) in &listed {
        *count.entry(q.as_str()).or_default() += 1;
    }
    let want: BTreeSet<&str> = [
        "How do we reach the desk?",
        "Who patches the servers?",
        "Can we switch models later?",
        "Who pays for licences?",
        "Is there a weekend rate?",
    ]
    .into_iter()
    .collect();
    assert_eq!(count.keys().copied().collect::<BTreeSet<_>>(), want, "/faq/ is not complete");
    let repeated: Vec<_> = count.iter().filter(|(_, n)| **n > 1).collect();
    assert!(repeated.is_empty(), "/faq/ lists questions more than once: {repeated:?}");
    // Each says which playbook asks it ("our" in a question means that playbook's client).
    let from: BTreeMap<&str, String> = listed
        .iter()
        .map(|(at, q)| {
            let summary = element_at(&html, *at);
            let label = summary.split("<span class=\"faq-from\">").nth(1).and_then(|r| r.split("</span>").next());
            (q.as_str(), visible_text(label.unwrap_or_else(|| panic!("{q}: no playbook named in {summary}"))))
        })
        .collect();
    assert_eq!(from["Who patches the servers?"], "Alpha");
    assert_eq!(from["Is there a weekend rate?"], "Beta");

    // The shared question links to its answer in both playbooks, from its one entry.
    let (at, _) = listed.iter().find(|(_, q)| q == "How do we reach the desk?").unwrap();
    let item_at = html[..*at].rfind("<details").or_else(|| html[..*at].rfind("<div class=\"faq-item")).expect("question sits in an item");
    let links = hrefs(element_at(&html, item_at));
    for want in ["/alpha/#faq-how-do-we-reach-the-desk", "/beta/#faq-how-do-we-reach-the-desk"] {
        assert!(links.contains(&want.to_string()), "the entry does not link to {want}: {links:?}");
    }
    // Every link from /faq/ to a playbook lands on a question anchor that exists.
    for h in hrefs(&html).into_iter().filter(|h| h.contains("#faq-")) {
        let (path, frag) = h.split_once('#').unwrap();
        let page = s.read(&format!("site/{}", output_file_for(path)));
        assert!(ids(&page).contains(&frag.to_string()), "{h} does not resolve");
    }
}

#[test]
fn jsonld_is_one_faqpage_whose_questions_equal_the_visible_questions() {
    let s = two_playbooks();
    for page in ["alpha", "beta"] {
        let html = s.read(&format!("client/{page}/index.html"));
        let mut structured: Vec<String> = jsonld_questions(&jsonld(&html))
            .into_iter()
            .map(|(q, a)| {
                assert!(!a.trim().is_empty(), "{page}: empty answer for {q}");
                q
            })
            .collect();
        let mut visible: Vec<String> = visible_questions(&html).into_iter().map(|(_, q)| q).collect();
        structured.sort();
        visible.sort();
        assert_eq!(structured, visible, "{page}: JSON-LD questions differ from the visible ones");
    }
    assert!(jsonld_scripts(&s.read("site/plain/index.html")).is_empty(), "a page without questions has FAQPage data");
    assert!(jsonld_scripts(&s.read("client/index.html")).is_empty());
    // Internal pages ask search engines to stay away: structured data for them would be waste.
    for page in ["site/alpha/index.html", "site/beta/index.html", "site/index.html"] {
        let html = s.read(page);
        assert!(html.contains("noindex"), "{page} is not marked noindex");
        assert!(jsonld_scripts(&html).is_empty(), "{page} carries FAQPage data in the internal build");
    }
}

#[test]
fn html_in_questions_stays_inert() {
    let s = Site::with_config();
    let fm = "faq:\n  - q: 'Can we paste </script><b>bold</b> here?'\n    a: 'Only as text: `</script>` and <!-- x --> never close anything.'\n  - q: 'Ampersands & \"quotes\" too?'\n    a: Yes.\n";
    let body = "## FAQ\n\n### Is `</script><b>` safe in a heading?\n\nYes.\n";
    s.file("content/evil.md", &playbook("Evil", fm, body));
    s.run(&["build", "--quiet", "--audience", "client"]).ok();
    let html = s.read("site/evil/index.html");

    let scripts = jsonld_scripts(&html);
    assert_eq!(scripts.len(), 1, "the JSON-LD was split or duplicated");
    let script = scripts[0];
    assert!(!script.to_ascii_lowercase().contains("</script"), "raw </script> inside the JSON-LD");
    assert!(!script.contains("<!--") && !script.contains('<'), "raw markup inside the JSON-LD: {script}");
    let names: BTreeSet<String> = jsonld_questions(&jsonld(&html)).into_iter().map(|(q, _)| q).collect();
    let want: BTreeSet<String> =
        ["Can we paste </script><b>bold</b> here?", "Ampersands & \"quotes\" too?", "Is </script><b> safe in a heading?"]
            .iter()
            .map(|s| s.to_string())
            .collect();
    assert_eq!(names, want, "JSON-LD names must be the questions' plain text");

    // Visible text is escaped: the reader sees the characters, the browser sees no tags.
    assert!(html.contains("Can we paste &lt;/script&gt;&lt;b&gt;bold&lt;/b&gt; here?"), "question not escaped on the page");
    assert!(!html.contains("<b>bold</b>"), "the question's <b> became markup");
    let visible: BTreeSet<String> = visible_questions(&html).into_iter().map(|(_, q)| q).collect();
    assert_eq!(visible, want);
    // Only the JSON-LD script and the theme's own scripts: the question opened none.
    let opened = html.matches("<script").count();
    let closed = html.matches("</script>").count();
    assert_eq!(opened, closed, "unbalanced <script> tags on the page");

    let faq = s.read("site/faq/index.html");
    assert!(faq.contains("Can we paste &lt;/script&gt;&lt;b&gt;bold&lt;/b&gt; here?"), "question not escaped on /faq/");
    assert!(!faq.contains("<b>bold</b>"));
}

/// Front-matter answers are Markdown like the body: a relative `.md` link must become the page
/// URL (on the page, on /faq/ and in the JSON-LD).
#[test]
fn links_in_front_matter_answers_are_rewritten_to_page_urls() {
    let s = Site::with_config();
    s.file(
        "content/a/first.md",
        &playbook(
            "First",
            "faq:\n  - q: Where is the other one?\n    a: See [the second playbook](../b/second.md#ws-help-desk).\n",
            "Body.\n",
        ),
    );
    s.file("content/b/second.md", &playbook("Second", "", "Body.\n"));
    s.run(&["build", "--quiet", "--audience", "client"]).ok();
    for file in ["site/a/first/index.html", "site/faq/index.html"] {
        let links: Vec<String> = hrefs(&s.read(file)).into_iter().filter(|h| h.contains("second")).collect();
        assert!(links.contains(&"/b/second/#ws-help-desk".to_string()), "{file}: answer link not rewritten: {links:?}");
        assert!(!links.iter().any(|l| l.contains(".md")), "{file}: a .md link survived: {links:?}");
    }
    let qs = jsonld_questions(&jsonld(&s.read("site/a/first/index.html")));
    assert!(!qs[0].1.contains(".md"), "JSON-LD answer keeps the .md link: {}", qs[0].1);
}

#[test]
fn broken_links_in_front_matter_answers_are_reported() {
    let s = Site::with_config();
    s.file("content/a/first.md", &playbook("First", "faq:\n  - q: Where?\n    a: See [nothing](../b/missing.md).\n", "Body.\n"));
    let (code, diags) = check_json(s.path(), &[]);
    assert_eq!(code, 1, "a broken link in an answer must fail the check: {diags:?}");
    let d = diags.iter().find(|d| d["code"] == "broken-link").unwrap_or_else(|| panic!("no broken-link: {diags:?}"));
    assert_eq!(d["file"], "content/a/first.md");
}

#[test]
fn internal_only_questions_are_left_out_of_the_client_build() {
    let s = Site::with_config();
    let fm = "faq:\n  - {q: Public question?, a: Public answer.}\n  - {q: Secret margin question?, a: SECRET-ANSWER, audience: internal}\n";
    s.file("content/mixed.md", &playbook("Mixed", fm, "Body.\n"));
    s.run(&["build", "--quiet"]).ok();
    assert!(s.read("site/mixed/index.html").contains("Secret margin question?"), "the internal build should show it");
    // The internal build marks it as it marks internal notes, on the page and on /faq/; the
    // public question is not marked.
    let badge = "<span class=\"badge-internal\">Internal only</span>";
    let page = s.read("site/mixed/index.html");
    let faq = s.read("site/faq/index.html");
    for (name, text, item) in [("page", &page, "<div class=\"faq-item"), ("/faq/", &faq, "<details class=\"faq-item")] {
        // Each item's opening tag and what it holds.
        let items: Vec<(&str, &str)> =
            text.match_indices(item).map(|(i, _)| (&text[i..i + text[i..].find('>').unwrap_or(0)], element_at(text, i))).collect();
        let secret = items.iter().find(|(_, e)| e.contains("Secret margin question?")).expect("the secret question's item");
        let public = items.iter().find(|(_, e)| e.contains("Public question?")).expect("the public question's item");
        assert!(secret.0.contains("faq-item faq-internal") && secret.1.contains(badge), "{name}: {secret:?}");
        assert!(!public.0.contains("faq-internal") && !public.1.contains(badge), "{name}: {public:?}");
    }
    s.run(&["build", "--quiet", "--audience", "client", "-o", "client"]).ok();
    let page = s.read("client/mixed/index.html");
    let faq = s.read("client/faq/index.html");
    for (name, text) in [("page", &page), ("/faq/", &faq)] {
        assert!(text.contains("Public question?"), "{name} lost the public question");
        assert!(!text.contains("Secret margin") && !text.contains("SECRET-ANSWER"), "{name} leaks the internal question");
        assert!(!text.contains("faq-internal"), "{name}");
    }
    let names: Vec<String> = jsonld_questions(&jsonld(&page)).into_iter().map(|(q, _)| q).collect();
    assert_eq!(names, ["Public question?"]);
}

#[test]
fn questions_tied_to_a_workstream_appear_on_its_page() {
    let s = Site::with_config();
    let fm = "faq:\n  - {q: Who answers at night?, a: The desk., workstreams: [help-desk]}\n  - {q: Unrelated?, a: Yes.}\n";
    s.file("content/ws.md", &playbook("Ws", fm, "Body.\n"));
    s.run(&["build", "--quiet"]).ok();
    let html = s.read("site/workstreams/help-desk/index.html");
    assert!(html.contains("Who answers at night?"), "the help-desk page does not list its question");
    assert!(hrefs(&html).contains(&"/ws/#faq-who-answers-at-night".to_string()));
    assert!(!html.contains("Unrelated?"));
}

/// 170 playbooks with 3 questions of their own and one they share: 511 distinct questions,
/// past the 500 a single page shows in full. Topics: help-desk (170), billing (170), other (171).
fn large_faq_site() -> Site {
    let s = Site::with_config();
    for n in 0..170 {
        let fm = format!(
            "faq:\n  - {{q: Who answers desk call {n}?, a: ANSWER-TEXT {n}, workstreams: [help-desk]}}\n  \
             - {{q: Is tag question {n} tagged?, a: ANSWER-TEXT {n}, tags: [billing]}}\n  \
             - {{q: Where is loose question {n}?, a: ANSWER-TEXT {n}}}\n  \
             - {{q: Shared question asked everywhere?, a: ANSWER-TEXT {n}}}\n"
        );
        s.file(&format!("content/p{n:03}.md"), &playbook(&format!("Playbook {n:03}"), &fm, "Body.\n"));
    }
    s
}

#[test]
fn a_large_faq_lists_questions_by_topic_as_links_to_their_answers() {
    let s = large_faq_site();
    s.run(&["build", "--quiet"]).ok();
    // 511 rows: the list runs over two pages.
    let pages = [s.read("site/faq/index.html"), s.read("site/faq/page/2/index.html")];
    for html in &pages {
        assert!(!html.contains("ANSWER-TEXT"), "a large /faq/ must not repeat every answer");
        assert!(!html.contains("faq-by-playbook"), "the by-playbook view is left to the playbook pages");
    }
    // A topic's rows, from every page it is on.
    let section = |id: &str| {
        let open = format!("<section class=\"faq-group\" aria-labelledby=\"faq-topic-{id}\"");
        let parts: Vec<&str> = pages.iter().filter_map(|html| html.find(&open).map(|at| element_at(html, at))).collect();
        assert!(!parts.is_empty(), "no topic {id}");
        parts.concat()
    };
    let (desk, billing, other) = (section("help-desk"), section("billing"), section("other"));
    for n in [0, 64, 169] {
        assert!(desk.contains(&format!("Who answers desk call {n}?")));
        assert!(billing.contains(&format!("Is tag question {n} tagged?")));
        assert!(other.contains(&format!("Where is loose question {n}?")));
        assert!(!other.contains(&format!("Who answers desk call {n}?")), "a question with a topic is not under Other");
    }
    assert_eq!(other.matches("Shared question asked everywhere?").count(), 1, "a repeated question is listed once");
    // Every question links to its answer, which exists on the playbook page.
    let links: Vec<String> = pages
        .iter()
        .flat_map(|html| hrefs(html))
        .filter(|h| h.contains("#faq-") && !h.starts_with('#') && !h.starts_with("/faq/"))
        .collect();
    assert_eq!(links.len(), 170 * 3 + 1, "one link per listed question");
    for h in links.iter().step_by(37) {
        let (path, frag) = h.split_once('#').unwrap();
        let page = s.read(&format!("site/{}", output_file_for(path)));
        assert!(ids(&page).contains(&frag.to_string()), "{h} does not resolve");
    }
}

#[test]
fn a_faq_longer_than_a_page_runs_over_pages_with_a_topic_index_on_each() {
    let s = large_faq_site();
    s.run(&["build", "--quiet"]).ok();
    assert!(!s.exists("site/faq/page/3/index.html"), "511 rows take two pages");
    let (first, second) = (s.read("site/faq/index.html"), s.read("site/faq/page/2/index.html"));
    // 500 rows, then the other 11.
    assert_eq!(first.matches("data-faq-item").count(), 500);
    assert_eq!(second.matches("data-faq-item").count(), 11);
    // Each page links to the other, before and after its list.
    assert!(first.contains("Page 1 of 2") && second.contains("Page 2 of 2"), "{second}");
    assert_eq!(first.matches("href=\"/faq/page/2/\" rel=\"next\"").count(), 2);
    assert_eq!(second.matches("href=\"/faq/\" rel=\"prev\"").count(), 2);
    // The index lists every topic on every page with its full count, linking to the page
    // where the topic starts (on that page itself, to the heading alone).
    for html in [&first, &second] {
        for (topic, count) in [("help-desk", 170), ("billing", 170), ("other", 171)] {
            let href = if html == &first { format!("#faq-topic-{topic}") } else { format!("/faq/#faq-topic-{topic}") };
            assert!(html.contains(&format!("<a href=\"{href}\">")), "no index link {href}");
            assert!(html.contains(&format!("</a> <span class=\"count\">{count}</span></li>")));
        }
        assert!(html.contains("Filter questions on this page"), "the filter only sees its own page");
    }
    // The topic cut by the page break says so on the page that continues it.
    assert!(second.contains("<h3 id=\"faq-topic-other\">Other questions (continued) <span class=\"count\">171</span></h3>"));
    assert!(!first.contains("(continued)"));
    assert!(s.read("site/sitemap.xml").contains("/faq/page/2/</loc>"));
}
