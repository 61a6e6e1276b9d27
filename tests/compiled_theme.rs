//! The compiled default theme (`src/render/native/`) against Tera: every site here is built
//! twice into two folders — once as usual, once with `DEMARCATE_TERA_ONLY=1`, which renders every
//! page through the Tera templates — and the two outputs must hold the same files, byte for byte.
//!
//! The native renderer promises exactly Tera's output for the built-in templates, so these tests
//! feed it the example site, an adversarial fixture that walks every branch of `page.html`,
//! `owner.html`, `workstream.html`, `matrix.html`, `base.html` and the components they use,
//! seeded random playbooks and a paginated site, in both audiences. Every output file is
//! compared, not only the compiled templates' pages, so a template compiled later is covered
//! as soon as it is. A site that overrides a template must not be rendered natively at all: the
//! last tests check that an override's marker reaches the output.
//!
//! On a mismatch the failure names every differing file and shows, for the first few, the byte
//! offset, the line and the differing region with context, Tera's bytes (expected) beside the
//! native ones (actual).

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

use common::*;

/// The variable that makes the binary render everything through Tera, the reference.
const TERA_ONLY: &str = "DEMARCATE_TERA_ONLY";

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

// ---------------------------------------------------------------------------------------------
// Building both ways and comparing

/// `demarcate build --no-cache -o OUT ARGS…` on the site at `site`, through Tera only or as
/// usual (the variable is removed, so an exported `DEMARCATE_TERA_ONLY` cannot hide the native
/// path).
fn build(site: &Path, out: &Path, args: &[&str], tera_only: bool) -> Run {
    let mut cmd = Command::new(bin());
    cmd.arg("build").arg("--no-cache").arg("-o").arg(out).args(args).current_dir(site);
    cmd.env("NO_COLOR", "1").env("DEMARCATE_TODAY", "2026-11-27").env_remove(TERA_ONLY);
    if tera_only {
        cmd.env(TERA_ONLY, "1");
    }
    let out = cmd.output().expect("run demarcate");
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// Builds the site at `site` natively and through Tera with the same `args`, asserts both
/// builds succeed and every output file is byte-identical, and returns the native output's
/// files.
fn assert_native_matches_tera(site: &Path, args: &[&str]) -> Vec<(String, Vec<u8>)> {
    let outs = tempfile::tempdir().expect("temp dir");
    let (native_dir, tera_dir) = (outs.path().join("native"), outs.path().join("tera"));
    let native = build(site, &native_dir, args, false);
    let tera = build(site, &tera_dir, args, true);
    let what = format!("`demarcate build{}`", args.iter().map(|a| format!(" {a}")).collect::<String>());
    match (native.code, tera.code) {
        (0, 0) => {}
        (0, _) => panic!("{what}: the Tera-only build failed but the native one succeeded\n{}", errors_of(&tera.stderr)),
        (_, 0) => panic!("{what}: the native build failed but the Tera-only one succeeded\n{}", errors_of(&native.stderr)),
        _ => panic!("{what}: the fixture does not build\nstdout:\n{}\nstderr:\n{}", native.stdout, native.stderr),
    }
    let native_files = walk_files(&native_dir);
    let tera_files = walk_files(&tera_dir);
    assert!(native_files.iter().any(|(p, _)| p.ends_with(".html")), "{what}: no HTML in the output");
    if let Err(report) = compare_outputs(&native_files, &tera_files) {
        let kept = outs.keep();
        panic!("{what}: native output differs from Tera's (both outputs kept in {})\n{report}", kept.display());
    }
    native_files
}

/// The errors of a failed build's diagnostics (the warnings left out) and its summary line.
fn errors_of(stderr: &str) -> String {
    let blocks = stderr.split("\n\n").filter(|b| b.starts_with("error") || b.starts_with("build failed"));
    blocks.collect::<Vec<_>>().join("\n\n")
}

/// `Err` with a report when the two outputs differ in their file paths or any file's bytes.
fn compare_outputs(native: &[(String, Vec<u8>)], tera: &[(String, Vec<u8>)]) -> Result<(), String> {
    let names = |files: &[(String, Vec<u8>)]| files.iter().map(|(p, _)| p.clone()).collect::<std::collections::BTreeSet<_>>();
    let (n, t) = (names(native), names(tera));
    let mut report = String::new();
    for p in t.difference(&n) {
        report.push_str(&format!("only in the Tera output: {p}\n"));
    }
    for p in n.difference(&t) {
        report.push_str(&format!("only in the native output: {p}\n"));
    }
    let differing: Vec<(&str, &[u8], &[u8])> = native
        .iter()
        .filter_map(|(p, nb)| tera.iter().find(|(q, _)| q == p).map(|(_, tb)| (p.as_str(), nb.as_slice(), tb.as_slice())))
        .filter(|(_, nb, tb)| nb != tb)
        .collect();
    if !differing.is_empty() {
        report.push_str(&format!("{} file(s) differ:\n", differing.len()));
        for (p, _, _) in &differing {
            report.push_str(&format!("  {p}\n"));
        }
    }
    for (p, nb, tb) in differing.iter().take(5) {
        report.push_str(&describe_difference(p, nb, tb));
    }
    if report.is_empty() { Ok(()) } else { Err(report) }
}

/// Where two versions of a file first differ: byte offset, line, and the differing region of
/// each (between the common prefix and the common suffix) with some context before it.
fn describe_difference(path: &str, native: &[u8], tera: &[u8]) -> String {
    const CONTEXT: usize = 240;
    const REGION: usize = 600;
    let at = native.iter().zip(tera).take_while(|(a, b)| a == b).count();
    let max_suffix = native.len().min(tera.len()) - at;
    let suffix = native.iter().rev().zip(tera.iter().rev()).take(max_suffix).take_while(|(a, b)| a == b).count();
    let line = tera[..at].iter().filter(|&&b| b == b'\n').count() + 1;
    let show = |bytes: &[u8]| {
        let region = &bytes[at..bytes.len() - suffix];
        let cut = region.len().min(REGION);
        let more = if region.len() > cut { format!(" … ({} more bytes)", region.len() - cut) } else { String::new() };
        format!("{:?}{more}", String::from_utf8_lossy(&region[..cut]))
    };
    format!(
        "\n--- {path}: first difference at byte {at} (line {line}); Tera {} bytes, native {} bytes\n  \
         context before: {:?}\n  Tera (expected): {}\n  native (actual): {}\n",
        tera.len(),
        native.len(),
        String::from_utf8_lossy(&tera[at.saturating_sub(CONTEXT)..at]),
        show(tera),
        show(native),
    )
}

/// The text of output file `path`.
fn text_of<'a>(files: &'a [(String, Vec<u8>)], path: &str) -> std::borrow::Cow<'a, str> {
    let (_, bytes) = files.iter().find(|(p, _)| p == path).unwrap_or_else(|| panic!("no output file {path}"));
    String::from_utf8_lossy(bytes)
}

/// Asserts that each (file, needle) pair is found: the fixture still reaches the branch it was
/// written for.
fn assert_reaches(files: &[(String, Vec<u8>)], expected: &[(&str, &str)]) {
    let missing: Vec<String> =
        expected.iter().filter(|(path, needle)| !text_of(files, path).contains(needle)).map(|(p, n)| format!("{p}: {n}")).collect();
    assert!(missing.is_empty(), "the fixture no longer reaches these branches:\n{}", missing.join("\n"));
}

/// A YAML double-quoted scalar holding `s` exactly.
fn yq(s: &str) -> String {
    format!("\"{}\"", s.replace('\\', "\\\\").replace('"', "\\\""))
}

// ---------------------------------------------------------------------------------------------
// 1. The example site

#[test]
fn example_site_internal_matches_tera() {
    assert_native_matches_tera(example_site().path(), &[]);
}

#[test]
fn example_site_client_matches_tera() {
    assert_native_matches_tera(example_site().path(), &["--audience", "client"]);
}

#[test]
fn example_site_guide_for_one_client_matches_tera() {
    let files = assert_native_matches_tera(example_site().path(), &["--client", "harborview"]);
    assert_reaches(&files, &[("index.html", "Engagement guide for Harborview Community Credit Union")]);
}

#[test]
fn example_site_with_drafts_matches_tera() {
    assert_native_matches_tera(example_site().path(), &["--drafts"]);
}

// ---------------------------------------------------------------------------------------------
// 2. The adversarial fixture

/// Special characters everywhere, a sub-path base URL, a non-English language, per-audience
/// identities, and checks relaxed so that rows without an accountable owner, owners without a
/// party or contact and unused owners and workstreams still build.
const ADVERSARIAL_CONFIG: &str = r#"title: "Boundaries & <Borders> \"Q\" 'S' — Grenzüberschreitung"
description: "Who owns what: A & B <c> \"d\" 'e' — ça marche"
base_url: https://example.com/docs/
language: fr-CA
audience: internal
audiences:
  client:
    title: "Client <Guide> & \"Co\" 'édition'"
    description: "For clients & <friends> 'all'"
    base_url: https://guide.example.com/client/sub/
checks:
  unknown-party: warning
  missing-accountable: warning
  multiple-accountable: warning
  missing-required: warning
  foreign-owner: off
  coverage-gap: warning
  duplicate-escalation: warning
  raci-overlap: off
  too-many-consulted: off
  overload: off
  unused-owner: warning
  no-contact: warning
  stale-review: warning
  future-update: warning
  empty-faq: warning
parties:
  prov: {name: "Provider & Sons <Ltd> \"P\" 'Q'", kind: provider}
  cli: {name: "Client «Ünïcode» & <Co>", kind: client}
  cli2: {name: "O'Brien \"Twin\" Client", kind: client}
  ven: {name: "Vendor <V> & 'V'", kind: vendor}
  ven2: {name: "Second vendor ☃", kind: vendor}
owners:
  desk:
    name: "Service desk & <NOC> \"24/7\""
    party: prov
    kind: team
    contact: ["https://desk.example/?a=1&b=<2>", "desk&ops@prov.example", "+1 (555) 010-0199", "Ask for \"Sam\" & <co>", "   "]
    hours: 24x7
    internal_contact: ["Bridge +1 555 0100 PIN 4417#", "oncall@prov.example", "https://wiki.prov.example/oncall?x='y'", "Slack #desk <ops>"]
    aliases: [helpdesk]
  eng: {name: "Engineering 'Ops'", party: prov, kind: person, contact: eng@prov.example, hours: business-hours}
  mgr: {name: "Account manager — Zoë", party: prov, kind: role, contact: "+44 20 7946 0958", hours: extended-hours, internal_contact: "Mobile 07700 900123"}
  cli-it: {name: "Client IT <team>", party: cli, kind: team, contact: "https://cli.example/it?x=1&y=2", hours: business-hours}
  cli-boss: {name: "Zoë \"Boss\" O'Neil <CEO> & co", party: cli, kind: person}
  cli2-it: {name: "O'Brien IT", party: cli2, contact: it@obrien.example, hours: 24x7}
  ven-soc: {name: "SOC <vendor> & 'friends'", party: ven, kind: team, contact: soc@ven.example, hours: 24x7}
  ven2-team: {name: "Vendor two ☃", party: ven2, contact: "call us"}
  orphan: {name: "Orphan <no party> & 'alone'", party: nowhere, contact: orphan@example.com, hours: 24x7}
  idle: {name: "Idle & <unused>", party: prov, kind: role, contact: idle@prov.example}
  secret: {name: "Secret <internal> owner", party: prov, contact: secret@prov.example, internal_contact: "+1 555 0111"}
  "r&d": {name: "R&D \"lab\"", party: prov, kind: team, contact: rd@prov.example}
  p1: {name: "Person <one>", party: cli, kind: person, contact: p1@cli.example}
  p2: {name: "Person 'two'", party: ven, kind: person, contact: "+1 555 010 0102"}
workstreams:
  help-desk: {name: "Help desk & <support>", required: true, aliases: [service-desk, "s&d <alias>"], description: "Front line \"first\" <touch> & more"}
  security: {name: "Security 'monitoring'", required: true}
  docs: {name: "Documentation <docs>", description: "Écrits & co"}
  reporting: {name: "Reporting & \"KPIs\""}
  vendors: {name: "Vendor coordination"}
  projects: {name: "Projects"}
  roadmap: {name: "Roadmap ☃"}
  "w&x": {name: "Weird id & <x>"}
  never: {name: "Never <used>", description: "No playbook covers this"}
"#;

/// Every side (client, provider, vendor, shared, unassigned), every optional field present and
/// absent, handoffs and notes as plain text and as block Markdown, eight RACI owners (the grid's
/// limit), front-matter FAQ beside a Markdown FAQ section, sources with and without title or
/// URL, an internal block, a TOC of at most eight entries with level-3 headings.
const MAIN_PLAYBOOK: &str = r#"---
title: "Main <playbook> & \"quotes\" 'single' — ünïcode"
summary: "Summary with <b>tags</b> & \"quotes\" 'apostrophes'"
client: cli
model: co-managed
audience: client
tags: ["a&b", "<tag>", "\"quoted\"", "ünï"]
compliance: ["SOC 2 <Type II>", "ISO 27001 & 27017", "O'Reilly \"act\""]
updated: 2026-10-14
review_by: 2027-01-15
sources:
  - {title: "NIST <CSF> & \"2.0\"", url: "https://www.nist.gov/cyberframework?x=1&y='2'"}
  - {url: "https://example.com/only-url?a=<1>&b=2"}
  - {title: "Only a title & <no url>"}
faq:
  - q: "Is it <cheaper> & \"better\"?"
    a: "Usually. **Markdown** answers with `code <x>` & [links](https://example.com/?a=1&b=2)."
    workstreams: [help-desk]
    tags: [cost]
  - q: "Internal question & <secret>?"
    a: "Only staff see this."
    audience: internal
  - q: "Custom id question 'quoted'?"
    id: "custom & id"
    a: |
      First paragraph & <more>.

      - item one
      - item <two>
workstreams:
  help-desk:
    accountable: desk
    responsible: [desk, eng]
    consulted: [cli-it]
    informed: [cli-boss]
    coverage: 24x7
    after_hours: desk
    escalation: [desk, eng, mgr]
    handoff: "Desk hands to **Client IT** for on-site work & <hardware> 'now'."
    internal_notes: "Bridge line: +1 555 0199 & 'PIN' <4417>."
  security:
    accountable: ven-soc
    responsible: ven-soc
    coverage: business-hours
    after_hours: orphan
    escalation: [ven-soc, orphan]
    handoff: |
      Two paragraphs & <stuff>.

      - a list with `code <T>`
      - and [a link](https://example.com/?q=1&r=2)

      > a quote "here"
    internal_notes: |
      ## Heading in notes

      1. numbered & <one>
      2. list
  docs: cli-it
  reporting:
    accountable: mgr
    responsible: [mgr, cli-it]
    coverage: extended-hours
    handoff: "Monthly report, due by day 5."
    internal_notes: "Review it quarterly."
  vendors:
    consulted: [ven2-team]
    informed: [mgr]
  projects:
    accountable: eng
  roadmap:
  "w&x": {accountable: "r&d", responsible: ["r&d"], handoff: "Plain handoff with 'quotes' and \"double\" & <angle>"}
---
Intro paragraph with & < > " ' and ünïcode. See [the wide playbook](wide.md).

## Scope & <limits>

Text.

### Sub "heading" 'one'

::: internal
Bridge line: +1 555 0199 & <secret>.
:::

## Escalation `path<T>`

Steps.

## FAQ

### How do I <reach> the desk & "who"?

Call them.

### Second 'question'?

An answer.

## After the FAQ {#custom-id}

Done.
"#;

/// Ten RACI owners (the by-owner table), a TOC of more than eight entries with level-3 and
/// level-4 headings, front-matter questions only, no sources.
const WIDE_PLAYBOOK: &str = r#"---
title: "Wide & <ten owners>"
summary: Ten owners hold a role here.
client: cli
model: "ßig-co-managed & <x>"
audience: client
tags: solo & <tag>
compliance: "HIPAA & <HITECH>"
faq:
  - q: "Who is <accountable>?"
    a: "The desk & friends."
    workstreams: [help-desk, security]
workstreams:
  help-desk: {accountable: desk, responsible: [desk, p1], consulted: [eng, mgr], informed: [cli-boss, p2]}
  security: {accountable: ven-soc, responsible: [ven-soc, p2], consulted: ["r&d"], informed: [ven2-team]}
  docs: {accountable: cli-it, responsible: cli-it, consulted: [desk], informed: [p1]}
  reporting: {accountable: mgr, responsible: [mgr], informed: [cli-it, cli-boss]}
---
# Level one & <h1>

## One

### One.a

## Two <2>

### Two.a & b

#### Two.a.i

## Three

## Four

## Five

## Six

## Seven

## Eight 'eight'
"#;

/// Values that are present but blank or odd: whitespace-only summary, model, handoff and notes,
/// an empty tag, a source with an empty URL, two accountable owners, a repeated escalation
/// step, owner and workstream aliases, a question without an answer, a heading that wants a
/// reserved id, a question the wide playbook asks too (in other letter case).
const EDGES_PLAYBOOK: &str = r#"---
title: "  Edges & blanks  "
summary: " "
client: cli
model: " "
audience: client
tags: ["", " "]
sources:
  - {title: "Empty URL & <title>", url: ""}
faq:
  - {q: "No answer?"}
  - {q: "Answered?", a: " "}
  - {q: "WHO is <accountable>?", a: "Asked in the wide playbook too & <here>.", tags: ["t&t"]}
workstreams:
  service-desk:
    accountable: [helpdesk, eng]
    responsible: [desk]
    coverage: 24x7
    escalation: [desk, eng, desk]
    handoff: " "
    internal_notes: " "
  security: {accountable: ven-soc, consulted: [ven-soc], informed: [ven-soc]}
---
## Playbook boundary

<div class="raw">Raw <em>HTML</em> & text</div>

A &amp; B, &lt;escaped&gt;.
"#;

/// The files of the adversarial site.
fn adversarial_site() -> Site {
    let s = Site::new();
    s.file("demarcate.yaml", ADVERSARIAL_CONFIG);
    s.file("content/_index.md", "---\ntitle: \"Home & <sweet> 'home'\"\naudience: client\n---\nWelcome & <hello>.\n");
    s.file("content/clients/_index.md", "---\ntitle: \"Clients <all> & co\"\naudience: client\n---\nAll clients.\n");
    s.file("content/clients/cli/_index.md", "---\ntitle: \"Client «Ünïcode» section & <x>\"\nsummary: \"Sec & 'sum'\"\n---\n");
    s.file("content/clients/cli/main.md", MAIN_PLAYBOOK);
    s.file("content/clients/cli/wide.md", WIDE_PLAYBOOK);
    s.file("content/clients/cli/edges.md", EDGES_PLAYBOOK);
    s.file("content/clients/cli/diagram.txt", "an asset beside the pages\n");
    // Breadcrumbs through an internal section (hidden from clients) to a client page.
    s.file("content/clients/cli/deep/_index.md", "---\ntitle: \"Deep <internal> section\"\naudience: internal\n---\nDeep.\n");
    s.file("content/clients/cli/deep/deeper/_index.md", "---\ntitle: \"Deeper & 'deeper'\"\n---\n");
    s.file(
        "content/clients/cli/deep/deeper/visible.md",
        "---\ntitle: \"Visible <below> internal\"\naudience: client\nclient: cli\nstatus: retired\nworkstreams:\n  help-desk: cli-it\n  security: {accountable: ven-soc, responsible: [ven-soc, cli-it]}\n---\nBody.\n",
    );
    s.file(
        "content/clients/cli/deep/deeper/hidden.md",
        "---\ntitle: Hidden deeper\nclient: cli\nworkstreams:\n  help-desk: secret\n  security: ven-soc\n---\nInternal by inheritance.\n",
    );
    // A folder without `_index.md`, and a draft section.
    s.file(
        "content/clients/cli/loose/leaf.md",
        "---\ntitle: \"Leaf <loose>\"\naudience: client\nworkstreams:\n  help-desk: desk\n  security: ven-soc\n---\nLeaf.\n",
    );
    s.file("content/clients/cli/drafty/_index.md", "---\ntitle: \"Drafty <section>\"\ndraft: true\n---\n");
    s.file(
        "content/clients/cli/drafty/inner.md",
        "---\ntitle: Inner of a draft section\naudience: client\nworkstreams:\n  help-desk: cli-it\n  security: ven-soc\n---\nInner.\n",
    );
    s.file(
        "content/clients/cli/slugged.md",
        "---\ntitle: Slugged\nslug: \"Slug & <Weird> 'one'\"\nweight: 2\naudience: client\nextra: {k: \"v & <w>\"}\nupdated: 2026-01-02\nworkstreams:\n  help-desk: {accountable: desk, responsible: [desk, cli-it, ven-soc]}\n  security: ven-soc\n---\nSlugged body.\n",
    );
    // Drafts, internal pages, an internal-only owner.
    s.file(
        "content/clients/cli2/draft.md",
        "---\ntitle: \"Draft & <internal>\"\nclient: cli2\ndraft: true\naudience: internal\nworkstreams:\n  help-desk: cli2-it\n  security: {accountable: cli2-it, responsible: [ven-soc], coverage: 24x7, after_hours: cli2-it}\n---\nDraft.\n",
    );
    s.file(
        "content/clients/cli2/draft-client.md",
        "---\ntitle: \"Draft for 'clients'\"\nclient: cli2\ndraft: true\naudience: client\nworkstreams:\n  help-desk: cli2-it\n  security: ven-soc\n---\nDraft.\n",
    );
    s.file("content/internal/_index.md", "---\ntitle: \"Internal & <staff>\"\naudience: internal\n---\nStaff only.\n");
    s.file(
        "content/internal/secret.md",
        "---\ntitle: \"Secret <runbook>\"\nclient: cli2\nworkstreams:\n  help-desk: secret\n  security: {accountable: cli2-it, responsible: [secret], internal_notes: \"Only **staff** & <co>.\"}\nfaq:\n  - {q: \"Internal page question?\", a: \"Yes & no.\"}\n---\nSecret & <body>.\n",
    );
    // Top-level sections for the nav; pages without rows, with eleven TOC entries and with
    // exactly eight (levels 1 to 4, a Markdown FAQ section only).
    s.file("content/guides/_index.md", "---\ntitle: \"Guides & <Runbooks> \\\"Q\\\"\"\naudience: client\n---\nGuides.\n");
    s.file(
        "content/guides/toc-many.md",
        "---\ntitle: \"Many headings\"\nsources:\n  - {title: \"A book & <b>\"}\n  - {title: \"\", url: \"https://example.com/empty-title\"}\n---\n## H1\n\n### H1.1\n\n## H2\n\n### H2.1\n\n#### H2.1.1\n\n## H3 & <3>\n\n## H4\n\n## FAQ\n\n### Question one & <b>two</b>?\n\nYes.\n\n### Question 'two'?\n\nNo.\n\n## H5\n",
    );
    s.file(
        "content/guides/toc-few.md",
        "---\ntitle: Few headings\nmodel: managed\n---\n# Top <h1>\n\n## Second & \"2\"\n\n### Third 'three'\n\n#### Fourth\n\n## With `code <T>` {#explicit-id}\n\n## Frequently asked questions\n\n### Inline only?\n\nYes, inline only.\n\n## Eighth & last\n",
    );
    s.file(
        "content/faq/under-faq.md",
        "---\ntitle: \"A page under /faq/\"\naudience: client\nworkstreams:\n  help-desk: desk\n  security: ven-soc\n---\nUnder the FAQ nav entry.\n",
    );
    s.file("content/notitle.md", "# Title from <heading> & \"co\"\n\nNo front-matter: the title is the first heading.\n");
    s.file("content/internal-notitle.md", "---\naudience: internal\nsummary: \"\"\n---\n# Heading <title> 'internal'\n\nText.\n");
    s.file("content/empty.md", "---\ntitle: \"Empty <body>\"\naudience: client\nreview_by: 2026-01-01\n---\n");
    s
}

/// Branches the adversarial fixture must reach in an internal build with drafts.
const ADVERSARIAL_BRANCHES: &[(&str, &str)] = &[
    ("clients/cli/main/index.html", "<table class=\"data raci-table\">"),
    ("clients/cli/main/index.html", "More questions"),
    ("clients/cli/main/index.html", "class=\"toc-l3\""),
    ("clients/cli/main/index.html", "row-side-unassigned"),
    ("clients/cli/main/index.html", "row-side-shared"),
    ("clients/cli/main/index.html", "row-side-vendor"),
    ("clients/cli/main/index.html", "row-side-client"),
    ("clients/cli/main/index.html", "row-side-provider"),
    ("clients/cli/main/index.html", "No accountable owner"),
    ("clients/cli/main/index.html", "internal-row"),
    ("clients/cli/main/index.html", "internal-block"),
    ("clients/cli/main/index.html", "playbook-sources"),
    ("clients/cli/main/index.html", "<td class=\"handoff\"><p>Monthly report, due by day 5.</p>"),
    ("clients/cli/edges/index.html", "<span class=\"model model- \"> </span>"),
    ("clients/cli/edges/index.html", "<li class=\"tag\"></li>"),
    ("clients/cli/wide/index.html", "raci-by-owner"),
    ("faq/index.html", "Also answered in"),
    ("clients/cli/wide/index.html", "Frequently asked questions"),
    ("clients/cli/wide/index.html", "class=\"toc-l2\""),
    ("guides/toc-few/index.html", "<li class=\"toc-l3\"><a href=\"#third-three\">"),
    ("clients/cli2/draft/index.html", "badge-draft"),
    ("clients/cli2/draft/index.html", "badge-internal"),
    ("faq/under-faq/index.html", "aria-current=\"true\">FAQ"),
    ("guides/toc-many/index.html", "faq-question-one"),
    ("owners/idle/index.html", "holds no role in any playbook"),
    ("owners/orphan/index.html", "<p class=\"owner-of\"></p>"),
    ("owners/desk/index.html", "internal-callout"),
    ("owners/desk/index.html", "href=\"tel:"),
    ("owners/cli-boss/index.html", "<dt>Contact</dt><dd><span class=\"none\">"),
    ("workstreams/never/index.html", "No playbook covers this workstream yet."),
    ("index.html", "href=\"/docs/static/style.css\""),
];

#[test]
fn adversarial_site_internal_matches_tera() {
    assert_native_matches_tera(adversarial_site().path(), &[]);
}

#[test]
fn adversarial_site_client_matches_tera() {
    let files = assert_native_matches_tera(adversarial_site().path(), &["--audience", "client"]);
    let main = text_of(&files, "clients/cli/main/index.html");
    assert!(!main.contains("internal-row") && !main.contains("Internal question"), "internal content in the client build");
    assert!(files.iter().all(|(p, _)| p != "owners/secret/index.html"), "the internal-only owner has a page in the client build");
    // FAQPage structured data is written only for the client guide.
    assert_reaches(&files, &[("clients/cli/main/index.html", "application/ld+json")]);
    // A retired playbook's marks, on its page and in the lists.
    assert_reaches(
        &files,
        &[("clients/cli/deep/deeper/visible/index.html", "status-note status-retired"), ("matrix/index.html", "status status-retired")],
    );
}

#[test]
fn adversarial_site_guide_for_one_client_matches_tera() {
    let files = assert_native_matches_tera(adversarial_site().path(), &["--client", "cli"]);
    assert_reaches(&files, &[("index.html", "Client edition for Client «Ünïcode» &amp; &lt;Co&gt;")]);
}

#[test]
fn adversarial_site_internal_with_drafts_matches_tera() {
    let files = assert_native_matches_tera(adversarial_site().path(), &["--drafts"]);
    assert_reaches(&files, ADVERSARIAL_BRANCHES);
}

#[test]
fn adversarial_site_client_with_drafts_matches_tera() {
    assert_native_matches_tera(adversarial_site().path(), &["--audience", "client", "--drafts"]);
}

#[test]
fn adversarial_site_with_another_base_url_matches_tera() {
    assert_native_matches_tera(adversarial_site().path(), &["--base-url", "https://other.example/a/b&c/"]);
}

/// An owner whose party is unknown (allowed when `unknown-party` is only a warning) holding an
/// A, R, C or I role: `page.html` reads `o.party.kind` for every RACI owner, in the grid and in
/// the by-owner table.
#[test]
fn owner_without_party_in_the_raci_matches_tera() {
    let s = Site::new();
    s.file("demarcate.yaml", ADVERSARIAL_CONFIG);
    s.file(
        "content/small.md",
        "---\ntitle: Small grid\nworkstreams:\n  help-desk: {accountable: desk, responsible: [orphan]}\n  security: ven-soc\n---\n",
    );
    s.file(
        "content/wide.md",
        "---\ntitle: Wide grid\nworkstreams:\n  help-desk: {accountable: orphan, responsible: [desk, eng, mgr, cli-it], consulted: [cli-boss, p1, p2, ven-soc]}\n  security: ven-soc\n---\n",
    );
    assert_native_matches_tera(s.path(), &[]);
}

// ---------------------------------------------------------------------------------------------
// 3. Seeded random playbooks

/// Names with every character HTML escaping cares about, Markdown and template syntax, and
/// non-ASCII text.
const NAME_POOL: &[&str] = &[
    "Plain name",
    "A & B",
    "<script>alert(1)</script>",
    "\"double\" quotes",
    "'single' quotes",
    "Zoë Ångström",
    "Ünïcode «guillemets» — dash",
    "日本語のチーム",
    "emoji 🚀 team",
    "a < b > c",
    "&amp; already escaped",
    "{{ not a template }} {% raw %}",
    "back\\slash & /slash",
    "ǆemal ßtraße",
    "x",
    "Trailing dot.",
    "50% #hash `tick`",
];

/// A small seeded generator of registries and playbooks.
struct Gen {
    rng: Rng,
}

impl Gen {
    fn name(&mut self) -> String {
        let n = NAME_POOL[self.rng.below(NAME_POOL.len())];
        if self.rng.chance(30) { format!("{n} {}", self.rng.below(100)) } else { n.to_string() }
    }

    /// `k` distinct items of `from`, in random order.
    fn some<'a>(&mut self, from: &[&'a str], k: usize) -> Vec<&'a str> {
        let mut pool = from.to_vec();
        let mut out = Vec::new();
        while out.len() < k && !pool.is_empty() {
            out.push(pool.remove(self.rng.below(pool.len())));
        }
        out
    }

    fn list(&mut self, from: &[&str], max: usize) -> String {
        let k = self.rng.below(max + 1);
        let items: Vec<String> = self.some(from, k).into_iter().map(yq).collect();
        format!("[{}]", items.join(", "))
    }

    fn contact(&mut self) -> String {
        let pool = ["help@example.com", "https://example.com/?a=1&b=<2>", "+1 (555) 010-0199", "ask \"Sam\" & <co>", "0800 12 34", "1234"];
        match self.rng.below(3) {
            0 => String::new(),
            1 => format!(", contact: {}", yq(pool[self.rng.below(pool.len())])),
            _ => format!(", contact: {}", self.list(&pool, 3)),
        }
    }

    /// A registry: three parties of each kind, `OWNERS.len()` owners (the last one without a
    /// party), eight workstreams; names drawn from the pool.
    fn config(&mut self, generate_faq: bool) -> String {
        let mut c = format!(
            "title: {}\ndescription: {}\nbase_url: https://random.example/sub/path/\nlanguage: {}\n",
            yq(&self.name()),
            yq(&self.name()),
            ["en", "de-CH", "ja", "fr"][self.rng.below(4)],
        );
        c.push_str(&format!("audiences:\n  client: {{title: {}}}\nfaq: {{generate: {generate_faq}}}\n", yq(&self.name())));
        c.push_str("checks: {unknown-party: warning, missing-accountable: off, multiple-accountable: off, missing-required: off, foreign-owner: off, coverage-gap: off, duplicate-escalation: off, raci-overlap: off, too-many-consulted: off, overload: off, unused-owner: off, no-contact: off, stale-review: off, future-update: off, empty-faq: off}\n");
        c.push_str("parties:\n");
        for (id, kind) in PARTIES {
            c.push_str(&format!("  {id}: {{name: {}, kind: {kind}}}\n", yq(&self.name())));
        }
        c.push_str("owners:\n");
        for (k, id) in OWNERS.iter().enumerate() {
            let party = if k + 1 == OWNERS.len() { "nowhere" } else { PARTIES[k % PARTIES.len()].0 };
            let kind = ["team", "person", "role"][self.rng.below(3)];
            let hours = ["", ", hours: business-hours", ", hours: extended-hours", ", hours: 24x7"][self.rng.below(4)];
            let internal = if self.rng.chance(30) { ", internal_contact: \"+1 555 0100 & <pin>\"" } else { "" };
            let contact = self.contact();
            c.push_str(&format!("  {id}: {{name: {}, party: {party}, kind: {kind}{contact}{hours}{internal}}}\n", yq(&self.name())));
        }
        c.push_str("workstreams:\n");
        for id in WORKSTREAMS {
            let description = if self.rng.chance(40) { format!(", description: {}", yq(&self.name())) } else { String::new() };
            let aliases = if self.rng.chance(20) { format!(", aliases: [{}-alias]", id) } else { String::new() };
            c.push_str(&format!("  {id}: {{name: {}, required: {}{description}{aliases}}}\n", yq(&self.name()), self.rng.chance(30)));
        }
        c
    }

    fn markdown(&mut self) -> String {
        match self.rng.below(4) {
            0 => self.name(),
            1 => format!("**{}** and `{}`", self.name(), self.name()),
            2 => format!("{}\n\n- {}\n- {}", self.name(), self.name(), self.name()),
            _ => format!("> {}\n\n1. [{}](https://example.com/?a=1&b=2)", self.name(), self.name()),
        }
    }

    /// One ownership row: the shorthand, an empty row, or any subset of the fields. The owner
    /// without a party (last in `OWNERS`) appears only after hours and on escalation paths: as
    /// an A, R, C or I owner it fails the Tera build (see
    /// `owner_without_party_in_the_raci_matches_tera`), which would hide everything else here.
    fn row(&mut self) -> String {
        let raci = &OWNERS[..OWNERS.len() - 1];
        match self.rng.below(10) {
            0 => return yq(raci[self.rng.below(raci.len())]),
            1 => return String::new(),
            _ => {}
        }
        let mut fields = Vec::new();
        let a = self.rng.below(10);
        if a > 0 {
            fields.push(format!("accountable: {}", self.list(raci, if a == 1 { 2 } else { 1 })));
        }
        for role in ["responsible", "consulted", "informed"] {
            if self.rng.chance(70) {
                fields.push(format!("{role}: {}", self.list(raci, 4)));
            }
        }
        if self.rng.chance(50) {
            fields.push(format!("coverage: {}", ["business-hours", "extended-hours", "24x7"][self.rng.below(3)]));
        }
        if self.rng.chance(40) {
            fields.push(format!("after_hours: {}", yq(OWNERS[self.rng.below(OWNERS.len())])));
        }
        if self.rng.chance(50) {
            fields.push(format!("escalation: {}", self.list(&OWNERS, 3)));
        }
        if self.rng.chance(50) {
            fields.push(format!("handoff: {}", yq(&self.markdown())));
        }
        if self.rng.chance(40) {
            fields.push(format!("internal_notes: {}", yq(&self.markdown())));
        }
        format!("{{{}}}", fields.join(", "))
    }

    fn body(&mut self) -> String {
        let mut b = String::new();
        if self.rng.chance(70) {
            b.push_str(&format!("{}\n\n", self.name()));
        }
        for _ in 0..self.rng.below(13) {
            let level = 1 + self.rng.below(4);
            b.push_str(&format!("{} {}\n\n{}\n\n", "#".repeat(level), self.name(), self.name()));
        }
        if self.rng.chance(30) {
            b.push_str(&format!("::: internal\n{}\n:::\n\n", self.name()));
        }
        if self.rng.chance(40) {
            b.push_str("## FAQ\n\n");
            for _ in 0..1 + self.rng.below(3) {
                b.push_str(&format!("### {}?\n\n{}\n\n", self.name(), self.name()));
            }
        }
        b
    }

    fn playbook(&mut self) -> String {
        let mut fm = vec![format!("title: {}", yq(&self.name()))];
        let clients: Vec<&str> = PARTIES.iter().filter(|(_, k)| *k == "client").map(|(id, _)| *id).collect();
        if self.rng.chance(60) {
            fm.push(format!("summary: {}", yq(&self.name())));
        }
        if self.rng.chance(70) {
            fm.push(format!("client: {}", clients[self.rng.below(clients.len())]));
        }
        if self.rng.chance(60) {
            let models = ["co-managed", "managed", "fully-managed", "CO-MANAGED", "ßig-model & <x>", "co-managed-plus"];
            fm.push(format!("model: {}", yq(models[self.rng.below(models.len())])));
        }
        match self.rng.below(3) {
            0 => fm.push("audience: client".into()),
            1 => fm.push("audience: internal".into()),
            _ => {}
        }
        if self.rng.chance(10) {
            fm.push("draft: true".into());
        }
        let pool: Vec<String> = (0..6).map(|_| self.name()).collect();
        let pool: Vec<&str> = pool.iter().map(String::as_str).collect();
        if self.rng.chance(50) {
            fm.push(format!("tags: {}", self.list(&pool, 3)));
        }
        if self.rng.chance(40) {
            fm.push(format!("compliance: {}", self.list(&pool, 2)));
        }
        if self.rng.chance(50) {
            fm.push(format!("updated: 2026-{:02}-{:02}", 1 + self.rng.below(12), 1 + self.rng.below(28)));
        }
        if self.rng.chance(40) {
            fm.push(format!("review_by: 2027-{:02}-{:02}", 1 + self.rng.below(12), 1 + self.rng.below(28)));
        }
        if self.rng.chance(50) {
            fm.push("sources:".into());
            for _ in 0..1 + self.rng.below(3) {
                match self.rng.below(3) {
                    0 => fm.push(format!("  - {{title: {}, url: \"https://example.com/?s=1&t=<2>\"}}", yq(&self.name()))),
                    1 => fm.push("  - {url: \"https://example.com/only?u=1&v='2'\"}".into()),
                    _ => fm.push(format!("  - {{title: {}}}", yq(&self.name()))),
                }
            }
        }
        if self.rng.chance(50) {
            fm.push("faq:".into());
            for _ in 0..1 + self.rng.below(3) {
                let audience = if self.rng.chance(25) { ", audience: internal" } else { "" };
                let ws = self.list(&WORKSTREAMS, 2);
                fm.push(format!(
                    "  - {{q: {}, a: {}, workstreams: {ws}{audience}}}",
                    yq(&format!("{}?", self.name())),
                    yq(&self.markdown())
                ));
            }
        }
        let k = self.rng.below(WORKSTREAMS.len() + 1);
        let rows = self.some(&WORKSTREAMS, k);
        if !rows.is_empty() {
            fm.push("workstreams:".into());
            for w in rows {
                let row = self.row();
                fm.push(format!("  {w}: {row}"));
            }
        }
        format!("---\n{}\n---\n{}", fm.join("\n"), self.body())
    }
}

const PARTIES: [(&str, &str); 6] =
    [("prov", "provider"), ("cli-a", "client"), ("ven", "vendor"), ("cli-b", "client"), ("prov2", "provider"), ("ven2", "vendor")];
const OWNERS: [&str; 13] = ["o1", "o2", "o3", "o4", "o5", "o6", "o7", "o8", "o9", "o10", "o11", "o12", "orphan"];
const WORKSTREAMS: [&str; 8] = ["w1", "w2", "w3", "w4", "w5", "w6", "w7", "w8"];

/// A site of `n` random playbooks spread over nested sections.
fn random_site(seed: u64, n: usize) -> Site {
    let mut g = Gen { rng: Rng::new(seed) };
    let s = Site::new();
    s.file("demarcate.yaml", &g.config(seed % 2 == 1));
    let folders = ["", "clients/", "clients/a/", "clients/a/deep/", "guides/", "internal/"];
    for dir in &folders[1..] {
        let audience = match g.rng.below(3) {
            0 => "audience: client\n",
            1 => "audience: internal\n",
            _ => "",
        };
        s.file(&format!("content/{dir}_index.md"), &format!("---\ntitle: {}\n{audience}---\n{}\n", yq(&g.name()), g.name()));
    }
    for k in 0..n {
        let dir = folders[g.rng.below(folders.len())];
        let text = g.playbook();
        s.file(&format!("content/{dir}pb-{k}.md"), &text);
    }
    s
}

#[test]
fn random_playbooks_match_tera_in_both_audiences() {
    for seed in 1..=4 {
        let s = random_site(seed, 40);
        for args in [&[][..], &["--audience", "client"], &["--drafts"]] {
            assert_native_matches_tera(s.path(), args);
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Long lists, small sites

/// More than 1,000 playbooks: the matrix and a workstream's list (cut where their rows say, at
/// most 1,000 rows a page) and an owner's page (500 rows a page) run over several pages, and
/// with more than 500 distinct questions `/faq/` lists them by topic only (a workstream, a tag,
/// or none), over several pages too.
#[test]
fn paginated_lists_match_tera() {
    let s = Site::with_config();
    s.file("content/_index.md", "---\ntitle: Home\naudience: client\n---\n");
    for k in 0..1010 {
        let client = if k % 2 == 0 { "acme" } else { "beta" };
        let owner = if k % 2 == 0 { "acme-it" } else { "beta-it" };
        let coverage = if k % 3 == 0 { "\n    coverage: business-hours" } else { "" };
        let topic = ["workstreams: [help-desk]", "tags: [\"t & <t>\"]", "tags: []"][k % 3];
        s.file(
            &format!("content/p{k:04}.md"),
            &format!(
                "---\ntitle: \"Playbook {k} & <{k}>\"\nclient: {client}\nmodel: managed\nworkstreams:\n  help-desk:\n    accountable: desk\n    responsible: [desk, {owner}]{coverage}\n  security-monitoring: soc-team\nfaq:\n  - {{q: \"Question {k} & <{k}>?\", a: \"Answer {k}.\", {topic}}}\n---\n"
            ),
        );
    }
    for args in [&[][..], &["--audience", "client"]] {
        let files = assert_native_matches_tera(s.path(), args);
        let paths: Vec<&str> = files.iter().map(|(p, _)| p.as_str()).collect();
        assert!(paths.contains(&"matrix/page/2/index.html") && paths.contains(&"workstreams/help-desk/page/2/index.html"));
        assert!(paths.contains(&"owners/desk/page/3/index.html"), "1,010 rows of the desk take three owner pages");
        assert!(text_of(&files, "faq/index.html").contains("class=\"faq-topic-index\""), "/faq/ is not in its compact form");
        assert!(paths.contains(&"faq/page/3/index.html"), "1,010 questions take three /faq/ pages");
    }
}

/// A list of more than seven pages links its first and last page and the pages around the
/// current one, with a gap for the rest: the desk holds all four workstreams of 880 playbooks,
/// 3,520 rows over eight pages of its own.
#[test]
fn long_pagers_with_gaps_match_tera() {
    let s = Site::with_config();
    for k in 0..880 {
        s.file(
            &format!("content/p{k:03}.md"),
            &format!("---\ntitle: P{k}\nworkstreams:\n  help-desk: desk\n  security-monitoring: desk\n  documentation: desk\n  reporting: desk\n---\n"),
        );
    }
    let files = assert_native_matches_tera(s.path(), &[]);
    // The first pager of a page (each list page has one above and one below its rows).
    let pager_of = |path: &str| -> String {
        let html = text_of(&files, path);
        let pager = &html[html.find("<nav class=\"pager\"").expect("a pager")..];
        pager[..pager.find("</nav>").expect("the pager's end")].to_string()
    };
    let pager = pager_of("owners/desk/index.html");
    assert!(pager.contains("Page 1 of 8 · 3520 rows in all</p>"), "{pager}");
    for (shown, page) in [(true, 2), (true, 3), (false, 4), (false, 7), (true, 8)] {
        let link = format!("href=\"/owners/desk/page/{page}/\">{page}</a>");
        assert_eq!(pager.contains(&link), shown, "page {page}: {pager}");
    }
    assert_eq!(pager.matches("class=\"pager-gap\"").count(), 1, "{pager}");
    // From page 5 only page 2 lies outside the window and the two ends, a run of one: shown.
    let pager = pager_of("owners/desk/page/5/index.html");
    assert!(pager.contains("Page 5 of 8</p>"), "only the first page shows the total: {pager}");
    assert!(!pager.contains("pager-gap") && pager.contains("href=\"/owners/desk/page/2/\">2</a>"), "{pager}");
}

/// A fresh `demarcate init` site, a site with no playbooks (empty matrix and lists, no home
/// page of its own) and one on the built-in workstream catalogue with the default base URL.
#[test]
fn small_sites_match_tera() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let init = tmp.path().join("init");
    run_in(tmp.path(), &["init", init.to_str().expect("utf-8 path")]).ok();
    assert_native_matches_tera(&init, &[]);
    assert_native_matches_tera(&init, &["--audience", "client"]);

    let empty = Site::with_config();
    empty.file("content/guides/_index.md", "---\ntitle: Guides\n---\nNothing yet.\n");
    assert_native_matches_tera(empty.path(), &[]);

    let builtin = Site::new();
    builtin.file(
        "demarcate.yaml",
        "title: Built-in catalogue\nparties:\n  p: {name: Provider, kind: provider}\nowners:\n  desk: {name: Desk, party: p, contact: d@p.example}\n",
    );
    let rows: String = [
        "help-desk",
        "after-hours-escalation",
        "security-monitoring",
        "onboarding-offboarding",
        "vendor-coordination",
        "documentation",
        "reporting",
        "project-delivery",
        "strategic-roadmap",
    ]
    .iter()
    .map(|w| format!("  {w}: desk\n"))
    .collect();
    builtin.file("content/only.md", &format!("---\ntitle: Only\nworkstreams:\n{rows}---\nText.\n"));
    assert_native_matches_tera(builtin.path(), &[]);
}

// ---------------------------------------------------------------------------------------------
// 4. Overridden templates are rendered by Tera

const MARKER: &str = "<!-- override-marker-7f3a -->";

/// The built-in `name` with `MARKER` inserted before every occurrence of `before`.
fn marked_template(name: &str, before: &str) -> String {
    let text = std::fs::read_to_string(repo().join("themes/default/templates").join(name)).expect("read built-in template");
    assert!(text.contains(before), "{name} no longer contains `{before}`");
    text.replace(before, &format!("{MARKER}{before}"))
}

/// Output HTML files whose `<body>` has `class` (` page-playbook`, ` page-owner`).
fn pages_with_body_class<'a>(files: &'a [(String, Vec<u8>)], class: &str) -> Vec<&'a (String, Vec<u8>)> {
    let needle = format!("{class}\">");
    files.iter().filter(|(p, b)| p.ends_with(".html") && String::from_utf8_lossy(b).contains(&needle)).collect()
}

fn assert_marked(files: &[(String, Vec<u8>)], class: &str, template: &str) {
    let pages = pages_with_body_class(files, class);
    assert!(!pages.is_empty(), "no pages with body class `{class}`");
    let unmarked: Vec<&str> = pages.iter().filter(|(_, b)| !String::from_utf8_lossy(b).contains(MARKER)).map(|(p, _)| p.as_str()).collect();
    assert!(unmarked.is_empty(), "the overridden {template} was not used for:\n{}", unmarked.join("\n"));
}

#[test]
fn overridden_templates_are_not_compiled() {
    // (template, text the marker goes before, body classes whose pages must show it)
    let cases: [(&str, &str, &[&str]); 4] = [
        ("page.html", "<article class=\"playbook\">", &[" page-playbook"]),
        ("owner.html", "<p class=\"eyebrow\">Owner</p>", &[" page-owner"]),
        ("base.html", "<a class=\"skip-link\"", &[" page-playbook", " page-owner"]),
        ("components.html", "<nav class=\"breadcrumbs\" aria-label=\"Breadcrumb\">", &[" page-playbook", " page-owner"]),
    ];
    for (template, before, classes) in cases {
        let s = example_site();
        s.file(&format!("templates/{template}"), &marked_template(template, before));
        let files = assert_native_matches_tera(s.path(), &[]);
        for class in classes {
            assert_marked(&files, class, template);
        }
    }
}

#[test]
fn a_theme_overriding_page_html_is_not_compiled() {
    let s = example_site();
    let config = std::fs::read_to_string(s.path().join("demarcate.yaml")).expect("read config");
    s.file("demarcate.yaml", &format!("{config}\ntheme: custom\n"));
    s.file("themes/custom/templates/page.html", &marked_template("page.html", "<article class=\"playbook\">"));
    let files = assert_native_matches_tera(s.path(), &["--audience", "client"]);
    assert_marked(&files, " page-playbook", "page.html");
}
