//! `demarcate check` (issue 4): one small fixture per diagnostic code in `check::RULES`, each
//! asserting code, file and position; severity overrides, output formats and exit codes; and
//! the example site and a generated corpus checking clean.

mod common;
use common::*;
use demarcate::render::ends_page;

use std::path::Path;

// ---------------------------------------------------------------------------------------------
// Helpers

/// Every diagnostic with `code`.
fn with_code<'a>(diags: &'a [Diag], code: &str) -> Vec<&'a Diag> {
    diags.iter().filter(|d| d.code == code).collect()
}

/// The one diagnostic with `code`; panics (listing everything) if there is not exactly one.
fn one<'a>(diags: &'a [Diag], code: &str) -> &'a Diag {
    let found = with_code(diags, code);
    assert_eq!(found.len(), 1, "expected exactly one `{code}` diagnostic, got:\n{diags:#?}");
    found[0]
}

fn none_of(diags: &[Diag], code: &str) {
    assert!(with_code(diags, code).is_empty(), "expected no `{code}` diagnostic, got:\n{diags:#?}");
}

#[track_caller]
fn at(d: &Diag, file: &str, line: usize) {
    assert_eq!((d.file.as_str(), d.line), (file, line), "wrong place for `{}`: {d:#?}", d.code);
}

#[track_caller]
fn at_col(d: &Diag, file: &str, (line, column): (usize, usize)) {
    assert_eq!((d.file.as_str(), d.line, d.column), (file, line, column), "wrong place for `{}`: {d:#?}", d.code);
}

#[track_caller]
fn help_contains(d: &Diag, text: &str) {
    let help = d.help.as_deref().unwrap_or_else(|| panic!("`{}` has no help, expected `{text}`: {d:#?}", d.code));
    assert!(help.contains(text), "help of `{}` should contain `{text}`: {d:#?}", d.code);
}

/// A site with [`CONFIG`] and one page at content/`rel`; returns it with the page text.
fn site_with_page(rel: &str, text: &str) -> Site {
    let s = Site::with_config();
    s.file(&format!("content/{rel}"), text);
    s
}

fn check(s: &Site) -> (Run, Vec<Diag>) {
    s.check_json(&[])
}

/// Checks a site whose one page, `acme.md`, is `text`: the check fails with `want` (each
/// diagnostic's code, line and column, and message), in that order. Returns the diagnostics.
fn check_finds(text: &str, want: &[(&str, (usize, usize), &str)]) -> Vec<Diag> {
    let (run, diags) = check(&site_with_page("acme.md", text));
    run.fails_with(1);
    let found: Vec<(&str, (usize, usize), &str)> =
        diags.iter().map(|d| (d.code.as_str(), (d.line, d.column), d.message.as_str())).collect();
    assert_eq!(found, want, "{diags:#?}");
    diags
}

/// Codes of `check::RULES`.
fn rule_codes() -> Vec<String> {
    demarcate::check::RULES.iter().map(|(code, _, _)| code.to_string()).collect()
}

/// Codes with a fixture below (internal-link and internal-block also in tests/audience.rs,
/// client-leak there only).
const COVERED: &[&str] = &[
    "invalid-yaml",
    "invalid-front-matter",
    "wrong-type",
    "unknown-key",
    "duplicate-key",
    "unknown-owner",
    "unknown-party",
    "unknown-workstream",
    "duplicate-workstream",
    "missing-accountable",
    "multiple-accountable",
    "missing-required",
    "unknown-client",
    "foreign-owner",
    "duplicate-escalation",
    "coverage-gap",
    "broken-link",
    "broken-anchor",
    "internal-link",
    "client-leak",
    "internal-block",
    "duplicate-url",
    "invalid-date",
    "template-error",
    "raci-overlap",
    "no-contact",
    "stale-review",
    "future-update",
    "too-many-consulted",
    "overload",
    "unused-owner",
    "empty-faq",
    "special-file",
    "shadowed-page",
    "unknown-theme",
    "invalid-id",
    "duplicate-alias",
    "duplicate-registry",
    "no-config",
    "no-content",
    "invalid-utf8",
    "control-character",
    "io",
];

#[test]
fn every_rule_in_rules_has_a_fixture() {
    let rules = rule_codes();
    assert!(rules.len() >= 20, "could not read RULES: {rules:?}");
    let missing: Vec<&String> = rules.iter().filter(|r| !COVERED.contains(&r.as_str())).collect();
    assert!(missing.is_empty(), "rules without a fixture in tests/check.rs: {missing:?}");
    let stale: Vec<&&str> = COVERED.iter().filter(|c| !rules.iter().any(|r| r == *c)).collect();
    assert!(stale.is_empty(), "fixtures for codes no longer in RULES: {stale:?}");
}

// ---------------------------------------------------------------------------------------------
// A clean baseline

#[test]
fn fixture_playbook_is_clean() {
    let s = site_with_page("acme.md", &acme_playbook("Acme", "## Overview\n\nHello.\n"));
    let (run, diags) = check(&s);
    run.ok();
    assert!(diags.is_empty(), "{diags:#?}");
    assert_eq!(run.stdout.trim(), "[]");
}

// ---------------------------------------------------------------------------------------------
// Loading: YAML, front-matter, types, keys

#[test]
fn invalid_yaml_in_front_matter_points_at_its_line() {
    let text = "---\ntitle: X\nsummary: a: b\n---\nBody\n";
    let (run, diags) = check(&site_with_page("x.md", text));
    run.fails_with(1);
    at(one(&diags, "invalid-yaml"), "content/x.md", 3);
}

/// Syntax errors libyaml notices only later point where the mistake is: an unclosed quote at
/// the quote (not at the end of the front-matter), a line without a `:` at that line (not the
/// next one); a tab used for indentation says so; a flow list left open names where it opened.
#[test]
fn yaml_syntax_errors_point_at_the_mistake() {
    let page = "---\ntitle: X\nsummary: \"Never closed\nclient: acme\nmodel: managed\n---\nBody\n";
    let (_, diags) = check(&site_with_page("x.md", page));
    let d = one(&diags, "invalid-yaml");
    at_col(d, "content/x.md", (3, 10));
    assert!(d.message.contains("never closed"), "{d:#?}");
    help_contains(d, "same quote");
    // A quote closed but with a bad escape inside: that is the mistake, at the escape.
    let page = "---\ntitle: X\nsummary: \"Bad \\q escape\"\nclient: acme\n---\nBody\n";
    let (_, diags) = check(&site_with_page("x.md", page));
    let d = one(&diags, "invalid-yaml");
    at(d, "content/x.md", 3);
    assert!(d.message.contains("escape") && !d.message.contains("never closed"), "{d:#?}");

    let page = "---\ntitle: X\nthis line has no colon\nclient: acme\n---\nBody\n";
    let (_, diags) = check(&site_with_page("x.md", page));
    let d = one(&diags, "invalid-yaml");
    at_col(d, "content/x.md", (3, 1));
    help_contains(d, "`key: value`");

    let page = "---\ntitle: X\nsummary: S\n\tclient: acme\n---\nBody\n";
    let (_, diags) = check(&site_with_page("x.md", page));
    let d = one(&diags, "invalid-yaml");
    at(d, "content/x.md", 4);
    help_contains(d, "tabs");

    let page = "---\ntitle: X\ntags: [a, b\nclient: acme\n---\nBody\n";
    let (_, diags) = check(&site_with_page("x.md", page));
    let d = one(&diags, "invalid-yaml");
    assert!(!d.message.contains(" at line "), "positions are the diagnostic's, not the message's: {d:#?}");
    help_contains(d, "starts at line 3");
}

#[test]
fn invalid_yaml_in_config_points_at_its_line() {
    let cfg = config_replacing(&[("base_url: https://fixture.example/\n", "base_url: https://fixture.example/\ndescription: a: b\n")]);
    let s = Site::with_config_text(&cfg);
    s.file("content/acme.md", &acme_playbook("Acme", "Hi.\n"));
    let (run, diags) = check(&s);
    run.fails_with(1);
    at(one(&diags, "invalid-yaml"), "demarcate.yaml", pos_of(&cfg, "description: a: b").0);
}

#[test]
fn unclosed_front_matter_is_invalid_front_matter() {
    let (run, diags) = check(&site_with_page("x.md", "---\ntitle: X\n\nBody without a closing line\n"));
    run.fails_with(1);
    at(one(&diags, "invalid-front-matter"), "content/x.md", 1);
}

#[test]
fn toml_front_matter_is_invalid_front_matter() {
    let (run, diags) = check(&site_with_page("x.md", "+++\ntitle = \"X\"\n+++\nBody\n"));
    run.fails_with(1);
    let d = one(&diags, "invalid-front-matter");
    at(d, "content/x.md", 1);
    assert!(d.message.contains("TOML"), "{d:#?}");
}

#[test]
fn wrong_type_tags_mapping_points_at_the_value() {
    let text = "---\ntitle: X\ntags: {x: 1}\n---\nBody\n";
    let (run, diags) = check(&site_with_page("x.md", text));
    run.fails_with(1);
    let d = one(&diags, "wrong-type");
    assert!(d.message.contains("tags"), "{d:#?}");
    at_col(d, "content/x.md", pos_of(text, "{x: 1}"));
}

#[test]
fn wrong_type_accountable_mapping_points_at_the_value() {
    let text = acme_playbook_replacing("Body\n", &[("accountable: desk", "accountable: {a: 1}")]);
    let (run, diags) = check(&site_with_page("acme.md", &text));
    run.fails_with(1);
    let d = one(&diags, "wrong-type");
    assert!(d.message.contains("accountable"), "{d:#?}");
    at_col(d, "content/acme.md", pos_of(&text, "{a: 1}"));
}

#[test]
fn wrong_type_unknown_coverage_value_points_at_its_line() {
    let text = acme_playbook_replacing("Body\n", &[("coverage: 24x7", "coverage: always")]);
    let (run, diags) = check(&site_with_page("acme.md", &text));
    run.fails_with(1);
    at(one(&diags, "wrong-type"), "content/acme.md", pos_of(&text, "coverage: always").0);
}

#[test]
fn unknown_front_matter_key_suggests_the_known_one() {
    let text = "---\ntitel: X\n---\nBody\n";
    let (run, diags) = check(&site_with_page("x.md", text));
    run.fails_with(1);
    let d = one(&diags, "unknown-key");
    at_col(d, "content/x.md", (2, 1));
    help_contains(d, "did you mean `title`?");
}

#[test]
fn unknown_assignment_key_suggests_the_known_one() {
    let text = acme_playbook_replacing("Body\n", &[("    consulted: [eng]\n", "    consulted: [eng]\n    acountable: desk\n")]);
    let (run, diags) = check(&site_with_page("acme.md", &text));
    run.fails_with(1);
    let d = one(&diags, "unknown-key");
    at_col(d, "content/acme.md", pos_of(&text, "acountable"));
    help_contains(d, "did you mean `accountable`?");
}

#[test]
fn unknown_config_keys_suggest_the_known_one() {
    let cfg = config_replacing(&[("title: Fixture", "tittle: Fixture")]);
    let s = Site::with_config_text(&cfg);
    s.file("content/acme.md", &acme_playbook("Acme", "Hi.\n"));
    let (run, diags) = check(&s);
    run.fails_with(1);
    let d = one(&diags, "unknown-key");
    at_col(d, "demarcate.yaml", (1, 1));
    help_contains(d, "did you mean `title`?");

    let cfg = config_replacing(&[("contact: eng@n.example", "contcat: eng@n.example")]);
    let s = Site::with_config_text(&cfg);
    s.file("content/acme.md", &acme_playbook("Acme", "Hi.\n"));
    let (run, diags) = check(&s);
    run.fails_with(1);
    let d = one(&diags, "unknown-key");
    at_col(d, "demarcate.yaml", pos_of(&cfg, "contcat"));
    help_contains(d, "did you mean `contact`?");
}

/// A compiler reports every error it can in one run: each unknown key in a playbook's
/// front-matter is reported, and the rest of the front-matter is still checked.
#[test]
fn every_key_mistake_in_a_playbook_is_reported_in_one_run_with_the_checks_of_the_rest() {
    let text = acme_playbook_replacing(
        "Body\n",
        &[
            ("model: co-managed\n", "model: co-managed\nreviewd: 2027-01-01\n"),
            ("    consulted: [eng]\n", "    consulted: [eng]\n    acountable: desk\n"),
            ("    informed: [acme-boss]\n", "    informed: [acme-bos]\n"),
            ("  security-monitoring: soc-team\n", "  security-monitoring: {accountable: soc-team, colour: red}\n"),
        ],
    );
    let (run, diags) = check(&site_with_page("acme.md", &text));
    run.fails_with(1);
    let unknown = with_code(&diags, "unknown-key");
    let places: Vec<(usize, usize)> = unknown.iter().map(|d| (d.line, d.column)).collect();
    assert_eq!(places, [pos_of(&text, "reviewd"), pos_of(&text, "acountable"), pos_of(&text, "colour")], "{diags:#?}");
    help_contains(unknown[0], "did you mean `review_by`?");
    help_contains(unknown[1], "did you mean `accountable`?");
    // Read past the keys: the owners are looked up, and nothing else is reported.
    at_col(one(&diags, "unknown-owner"), "content/acme.md", pos_of(&text, "acme-bos"));
    assert_eq!(diags.len(), 4, "{diags:#?}");
}

/// Values of the wrong type are reported together too, in plain words; the front-matter is
/// then not checked further (without the mistyped values it would report what is not wrong).
#[test]
fn every_value_of_the_wrong_type_is_reported_in_one_run_in_plain_words() {
    let text = acme_playbook_replacing(
        "Body\n",
        &[
            ("model: co-managed\n", "model: co-managed\nweight: heavy\ncolour: blue\n"),
            ("coverage: 24x7", "coverage: 24/7"),
            ("informed: [acme-boss]", "informed: [acme-bos]"),
            ("  security-monitoring: soc-team\n", "  security-monitoring: {accountable: {soc-team: yes}}\n"),
        ],
    );
    let diags = check_finds(
        &text,
        &[
            ("wrong-type", pos_of(&text, "heavy"), "`weight` must be a number, not the text \"heavy\""),
            ("unknown-key", pos_of(&text, "colour"), "unknown key `colour`"),
            (
                "wrong-type",
                pos_of(&text, "24/7"),
                "`coverage: 24/7` is not one of `business-hours`, `extended-hours`, `24x7` in `workstreams.help-desk`",
            ),
            (
                "wrong-type",
                pos_of(&text, "{soc-team: yes}"),
                "`accountable` must be a name or a list of names, not a mapping in `workstreams.security-monitoring`",
            ),
        ],
    );
    help_contains(&diags[2], "did you mean `24x7`?");
    // The owners are not looked up in front-matter that did not read: no `unknown-owner`.
}

/// A list item of the wrong type no longer ends the reading: it gets a stand-in of the expected
/// type, so the items after it keep their numbers and every later mistake (values of the wrong
/// type inside FAQ entries, on their key's line or on lines of their own, and an unknown key) is
/// reported in the same run.
#[test]
fn a_mistyped_list_item_does_not_stop_the_reading() {
    let text = acme_playbook_replacing(
        "Body\n",
        &[
            ("responsible: [desk, acme-it]", "responsible: [desk, {name: acme-it}]"),
            ("coverage: 24x7", "coverage: 24/7"),
            (
                "  security-monitoring: soc-team\n",
                "  security-monitoring: soc-team\nfaq:\n  - q:\n      - Who first?\n    a: The desk.\n  - q: Then?\n    a: [eng]\ncolour: blue\n",
            ),
        ],
    );
    check_finds(
        &text,
        &[
            ("wrong-type", pos_of(&text, "{name: acme-it}"), "`responsible[1]` must be text, not a mapping in `workstreams.help-desk`"),
            (
                "wrong-type",
                pos_of(&text, "24/7"),
                "`coverage: 24/7` is not one of `business-hours`, `extended-hours`, `24x7` in `workstreams.help-desk`",
            ),
            ("wrong-type", pos_of(&text, "- Who first?"), "`q` must be text, not a list in `faq[0]`"),
            ("wrong-type", pos_of(&text, "[eng]\ncolour"), "`a` must be text, not a list in `faq[1]`"),
            ("unknown-key", pos_of(&text, "colour"), "unknown key `colour`"),
        ],
    );
}

/// Found using the product: with `unknown-key` turned down to a warning, a playbook with a
/// foreign key was built with none of its front-matter (its title from the file name, no
/// ownership table). It is built with the rest of its front-matter now.
#[test]
fn a_page_whose_unknown_key_is_a_warning_builds_with_the_rest_of_its_front_matter() {
    let s = Site::with_config_text(&config_replacing(&[("  unused-owner: off", "  unused-owner: off\n  unknown-key: warning")]));
    s.file("content/acme.md", &acme_playbook_replacing("Body\n", &[("model: co-managed\n", "model: co-managed\ncolour: blue\n")]));
    let r = s.run(&["build"]);
    r.ok();
    assert!(r.stderr.contains("warning[unknown-key]"), "{}", r.stderr);
    let page = s.read("site/acme/index.html");
    assert!(page.contains("<h1>Acme</h1>"), "the title from the front-matter:\n{page}");
    for shown in ["id=\"ws-help-desk\"", "id=\"ws-security-monitoring\"", "/owners/acme-it/"] {
        assert!(page.contains(shown), "no `{shown}` in the built page");
    }
}

/// The errors that say a source cannot be read (or the output not written) cannot be turned
/// down in `checks:`, so no setting builds a page without its front-matter.
#[test]
fn the_errors_that_mean_a_source_cannot_be_read_cannot_be_turned_down() {
    for code in demarcate::check::FIXED {
        for level in ["off", "warning"] {
            let setting = format!("  {code}: {level}");
            let cfg = config_replacing(&[("  unused-owner: off", &format!("  unused-owner: off\n{setting}"))]);
            let s = Site::with_config_text(&cfg);
            s.file("content/acme.md", &acme_playbook_replacing("Body\n", &[("model: co-managed", "model: [co-managed]")]));
            let (run, diags) = check(&s);
            run.fails_with(1);
            let found: Vec<&Diag> = diags.iter().filter(|d| d.file == "demarcate.yaml").collect();
            assert_eq!(found.len(), 1, "{setting}: {diags:#?}");
            assert_eq!((found[0].code.as_str(), found[0].severity.as_str()), ("wrong-type", "error"), "{setting}");
            assert_eq!((found[0].line, found[0].column), pos_after(&cfg, &setting, level), "{setting}");
            assert!(found[0].message.contains(&format!("`{code}` cannot be turned down")), "{setting}: {:#?}", found[0]);
            // The page's own mistake is still an error.
            let page: Vec<&Diag> = diags.iter().filter(|d| d.file == "content/acme.md").collect();
            assert_eq!(page.len(), 1, "{setting}: {diags:#?}");
            assert_eq!((page[0].code.as_str(), page[0].severity.as_str()), ("wrong-type", "error"), "{setting}");
        }
    }
    // Turning one up to an error (what it is) is allowed.
    let s = Site::with_config_text(&config_replacing(&[("  unused-owner: off", "  unused-owner: off\n  wrong-type: error")]));
    s.file("content/acme.md", &acme_playbook("Acme", "Body\n"));
    check(&s).0.ok();
}

#[test]
fn every_unknown_config_key_is_reported_in_one_run() {
    let cfg = config_replacing(&[("title: Fixture", "tittle: Fixture"), ("contact: eng@n.example", "contcat: eng@n.example")]);
    let s = Site::with_config_text(&cfg);
    s.file("content/acme.md", &acme_playbook("Acme", "Hi.\n"));
    let (run, diags) = check(&s);
    run.fails_with(1);
    let found = with_code(&diags, "unknown-key");
    let places: Vec<(&str, (usize, usize))> = found.iter().map(|d| (d.file.as_str(), (d.line, d.column))).collect();
    assert_eq!(places, [("demarcate.yaml", (1, 1)), ("demarcate.yaml", pos_of(&cfg, "contcat"))], "{diags:#?}");
    // A registry in a file of its own: each of its unknown keys too.
    let (head, rest) = CONFIG.split_once("owners:\n").unwrap();
    let (owners, tail) = rest.split_once("workstreams:\n").unwrap();
    let owners = owners
        .replace("hours: 24x7}", "hours: 24x7, colour: red}")
        .replace("party: acme, contact: it@", "party: acme, contcat: x, contact: it@");
    let s = Site::with_config_text(&format!("{head}workstreams:\n{tail}"));
    s.file("owners.yaml", owners.replace("\n  ", "\n").trim_start());
    s.file("content/acme.md", &acme_playbook("Acme", "Hi.\n"));
    let (run, diags) = check(&s);
    run.fails_with(1);
    let found = with_code(&diags, "unknown-key");
    let names: Vec<(&str, &str)> = found.iter().map(|d| (d.file.as_str(), d.message.split('`').nth(1).unwrap_or_default())).collect();
    assert_eq!(names, [("owners.yaml", "colour"), ("owners.yaml", "contcat"), ("owners.yaml", "colour")], "{diags:#?}");
}

#[test]
fn duplicate_registry_entry_is_duplicate_key_at_the_second_definition() {
    let cfg =
        config_replacing(&[("  soc-team: {", "  eng: {name: Engineering again, party: northwind, contact: e2@n.example}\n  soc-team: {")]);
    let s = Site::with_config_text(&cfg);
    s.file("content/acme.md", &acme_playbook("Acme", "Hi.\n"));
    let (run, diags) = check(&s);
    run.fails_with(1);
    let d = one(&diags, "duplicate-key");
    assert!(d.message.contains("eng"), "{d:#?}");
    at(d, "demarcate.yaml", pos_of(&cfg, "  eng: {name: Engineering again").0);
}

// ---------------------------------------------------------------------------------------------
// Owners, parties, workstreams

#[test]
fn unknown_owner_in_flow_list_points_at_the_name() {
    let text = acme_playbook_replacing("Body\n", &[("responsible: [desk, acme-it]", "responsible: [desk, acem-it]")]);
    let (run, diags) = check(&site_with_page("acme.md", &text));
    run.fails_with(1);
    let d = one(&diags, "unknown-owner");
    at_col(d, "content/acme.md", pos_after(&text, "responsible:", "acem-it"));
    assert!(d.message.contains("acem-it"), "{d:#?}");
    help_contains(d, "did you mean `acme-it`?");
}

#[test]
fn a_misspelt_owner_or_moved_page_named_by_many_playbooks_gets_its_suggestion_every_time() {
    // Suggestions are worked out once per name (a renamed owner can be named by thousands of
    // playbooks): every diagnostic must still carry the answer for its own name, whatever its case.
    let s = Site::with_config();
    s.file("content/guides/escalation.md", "---\ntitle: Escalation\n---\nHow we escalate.\n");
    s.file("content/guides/onboarding.md", "---\ntitle: Onboarding\n---\nHow we start.\n");
    let misspellings = [("acem-it", "acme-it"), ("ACEM-IT", "acme-it"), ("soc-tem", "soc-team"), ("dessk", "desk")];
    for i in 0..60 {
        let (wrong, _) = misspellings[i % misspellings.len()];
        let body = ["See [the escalation guide](guides/escalaton.md).\n", "See [onboarding](guides/onbording.md).\n"][i % 2];
        let client = ["client: acme", "client: acem", "client: bta"][i % 3];
        let text = acme_playbook_replacing(
            body,
            &[("security-monitoring: soc-team", &format!("security-monitoring: {wrong}")), ("client: acme", client)],
        );
        s.file(&format!("content/p{i:02}.md"), &text);
    }
    let (run, diags) = check(&s);
    run.fails_with(1);
    let unknown = with_code(&diags, "unknown-owner");
    assert_eq!(unknown.len(), 60, "{diags:#?}");
    for d in unknown {
        let (wrong, right) = misspellings.iter().find(|(w, _)| d.message.contains(&format!("`{w}`"))).expect("a misspelling");
        help_contains(d, &format!("did you mean `{right}`?"));
        assert!(d.message.contains(wrong));
    }
    let clients = with_code(&diags, "unknown-client");
    assert_eq!(clients.len(), 40, "{diags:#?}");
    for d in clients {
        help_contains(d, if d.message.contains("acem") { "did you mean `acme`?" } else { "did you mean `beta`?" });
    }
    let broken = with_code(&diags, "broken-link");
    assert_eq!(broken.len(), 60, "{diags:#?}");
    for d in broken {
        let right = if d.message.contains("onbording") { "onboarding" } else { "escalation" };
        help_contains(d, &format!("did you mean `guides/{right}.md`?"));
    }
}

#[test]
fn unknown_owner_in_shorthand_points_at_the_value() {
    let text = acme_playbook_replacing("Body\n", &[("security-monitoring: soc-team", "security-monitoring: soc-tem")]);
    let (run, diags) = check(&site_with_page("acme.md", &text));
    run.fails_with(1);
    let d = one(&diags, "unknown-owner");
    at_col(d, "content/acme.md", pos_of(&text, "soc-tem"));
    help_contains(d, "did you mean `soc-team`?");
}

#[test]
fn unknown_owner_in_block_list_and_after_hours() {
    let text = acme_playbook_replacing(
        "Body\n",
        &[("informed: [acme-boss]", "informed:\n      - acme-boss\n      - zzqx"), ("after_hours: desk", "after_hours: dsek")],
    );
    let (run, diags) = check(&site_with_page("acme.md", &text));
    run.fails_with(1);
    let found = with_code(&diags, "unknown-owner");
    assert_eq!(found.len(), 2, "{diags:#?}");
    let zz = found.iter().find(|d| d.message.contains("zzqx")).expect("zzqx reported");
    at_col(zz, "content/acme.md", pos_of(&text, "zzqx"));
    help_contains(zz, "owners:");
    let ah = found.iter().find(|d| d.message.contains("dsek")).expect("dsek reported");
    at_col(ah, "content/acme.md", pos_of(&text, "dsek"));
    help_contains(ah, "did you mean `desk`?");
}

#[test]
fn unknown_party_of_an_owner_points_at_it_in_the_config() {
    let cfg = config_replacing(&[("party: beta,", "party: betta,")]);
    let s = Site::with_config_text(&cfg);
    s.file("content/acme.md", &acme_playbook("Acme", "Hi.\n"));
    let (run, diags) = check(&s);
    run.fails_with(1);
    let d = one(&diags, "unknown-party");
    at_col(d, "demarcate.yaml", pos_of(&cfg, "betta"));
    help_contains(d, "did you mean `beta`?");
}

#[test]
fn unknown_workstream_suggests_the_catalogue_entry() {
    let text = acme_playbook_replacing("Body\n", &[("  security-monitoring: soc-team", "  security-monitorng: soc-team")]);
    let (run, diags) = check(&site_with_page("acme.md", &text));
    run.fails_with(1);
    let d = one(&diags, "unknown-workstream");
    at_col(d, "content/acme.md", pos_of(&text, "security-monitorng"));
    help_contains(d, "did you mean `security-monitoring`?");
}

#[test]
fn workstream_alias_is_honoured() {
    let text = acme_playbook_replacing("Body\n", &[("  help-desk:\n", "  service-desk:\n")]);
    let (run, diags) = check(&site_with_page("acme.md", &text));
    run.ok();
    assert!(diags.is_empty(), "using the alias `service-desk` alone should be clean: {diags:#?}");
}

#[test]
fn workstream_and_its_alias_together_are_duplicate_workstream() {
    let text = acme_playbook_replacing(
        "Body\n",
        &[("  security-monitoring: soc-team\n", "  security-monitoring: soc-team\n  service-desk: desk\n")],
    );
    let (run, diags) = check(&site_with_page("acme.md", &text));
    run.fails_with(1);
    let d = one(&diags, "duplicate-workstream");
    at_col(d, "content/acme.md", pos_of(&text, "service-desk"));
}

#[test]
fn same_workstream_key_twice_is_duplicate_workstream_at_the_second() {
    let text =
        acme_playbook_replacing("Body\n", &[("  security-monitoring: soc-team\n", "  security-monitoring: soc-team\n  help-desk: desk\n")]);
    let (run, diags) = check(&site_with_page("acme.md", &text));
    run.fails_with(1);
    let d = one(&diags, "duplicate-workstream");
    at(d, "content/acme.md", pos_of(&text, "  help-desk: desk").0);
}

#[test]
fn missing_accountable_points_at_the_workstream() {
    let text = acme_playbook_replacing("Body\n", &[("    accountable: desk\n", "")]);
    let (run, diags) = check(&site_with_page("acme.md", &text));
    run.fails_with(1);
    at_col(one(&diags, "missing-accountable"), "content/acme.md", pos_of(&text, "help-desk:"));
}

#[test]
fn multiple_accountable_points_at_the_key() {
    let text = acme_playbook_replacing("Body\n", &[("accountable: desk", "accountable: [desk, eng]")]);
    let (run, diags) = check(&site_with_page("acme.md", &text));
    run.fails_with(1);
    let d = one(&diags, "multiple-accountable");
    at_col(d, "content/acme.md", pos_of(&text, "accountable: [desk, eng]"));
    assert!(d.message.contains("help-desk"), "{d:#?}");
}

#[test]
fn missing_required_workstream_is_reported() {
    let text = acme_playbook_replacing("Body\n", &[("  security-monitoring: soc-team\n", "")]);
    let (run, diags) = check(&site_with_page("acme.md", &text));
    run.fails_with(1);
    let d = one(&diags, "missing-required");
    at_col(d, "content/acme.md", pos_of(&text, "workstreams:"));
    assert!(d.message.contains("security-monitoring") && !d.message.contains("help-desk"), "{d:#?}");
}

#[test]
fn client_playbook_without_workstreams_is_missing_all_required() {
    let text = "---\ntitle: Bare\nclient: acme\n---\nBody\n";
    let (run, diags) = check(&site_with_page("bare.md", text));
    run.fails_with(1);
    let d = one(&diags, "missing-required");
    at(d, "content/bare.md", 3);
    assert!(d.message.contains("help-desk") && d.message.contains("security-monitoring"), "{d:#?}");
}

#[test]
fn required_workstreams_overrides_the_catalogue() {
    let cfg = format!("{CONFIG}required_workstreams: [documentation]\n");
    let s = Site::with_config_text(&cfg);
    s.file("content/acme.md", &acme_playbook("Acme", "Hi.\n"));
    s.file("content/docs-only.md", "---\ntitle: Docs\nclient: acme\nworkstreams:\n  documentation: acme-it\n---\nBody\n");
    let (run, diags) = check(&s);
    run.fails_with(1);
    let d = one(&diags, "missing-required");
    assert_eq!(d.file, "content/acme.md", "{diags:#?}");
    assert!(d.message.contains("documentation") && !d.message.contains("security-monitoring"), "{d:#?}");
}

#[test]
fn unknown_name_in_required_workstreams_is_unknown_workstream() {
    let cfg = format!("{CONFIG}required_workstreams: [help-desk, documentaton]\n");
    let s = Site::with_config_text(&cfg);
    s.file("content/acme.md", &acme_playbook("Acme", "Hi.\n"));
    let (run, diags) = check(&s);
    run.fails_with(1);
    let d = one(&diags, "unknown-workstream");
    at_col(d, "demarcate.yaml", pos_of(&cfg, "documentaton"));
    help_contains(d, "did you mean `documentation`?");
}

#[test]
fn unknown_client_suggests_a_client() {
    let text = acme_playbook_replacing("Body\n", &[("client: acme", "client: acmee")]);
    let (run, diags) = check(&site_with_page("acme.md", &text));
    run.fails_with(1);
    let d = one(&diags, "unknown-client");
    at_col(d, "content/acme.md", pos_of(&text, "acmee"));
    help_contains(d, "did you mean `acme`?");
}

#[test]
fn client_that_is_a_provider_party_is_unknown_client() {
    let text = acme_playbook_replacing("Body\n", &[("client: acme", "client: northwind")]);
    let (run, diags) = check(&site_with_page("acme.md", &text));
    run.fails_with(1);
    let d = one(&diags, "unknown-client");
    at_col(d, "content/acme.md", pos_of(&text, "northwind"));
    assert!(d.message.contains("provider"), "{d:#?}");
}

#[test]
fn owner_of_another_client_is_foreign_owner() {
    let text = acme_playbook_replacing("Body\n", &[("informed: [acme-boss]", "informed: [acme-boss, beta-it]")]);
    let (run, diags) = check(&site_with_page("acme.md", &text));
    run.fails_with(1);
    let d = one(&diags, "foreign-owner");
    at_col(d, "content/acme.md", pos_of(&text, "beta-it"));
    assert!(d.message.contains("beta-it") && d.message.contains("Beta Ltd"), "{d:#?}");
}

#[test]
fn provider_and_vendor_owners_are_not_foreign() {
    let text = acme_playbook_replacing("Body\n", &[("consulted: [eng]", "consulted: [eng, soc-team]")]);
    let (run, diags) = check(&site_with_page("acme.md", &text));
    run.ok();
    none_of(&diags, "foreign-owner");
}

#[test]
fn duplicate_escalation_points_at_the_path() {
    let text = acme_playbook_replacing("Body\n", &[("escalation: [desk, eng]", "escalation: [desk, eng, desk]")]);
    let (run, diags) = check(&site_with_page("acme.md", &text));
    run.fails_with(1);
    let d = one(&diags, "duplicate-escalation");
    at_col(d, "content/acme.md", pos_of(&text, "escalation:"));
    assert!(d.message.contains("desk"), "{d:#?}");
}

#[test]
fn duplicate_escalation_ignores_case_as_the_registry_does() {
    let text = acme_playbook_replacing("Body\n", &[("escalation: [desk, eng]", "escalation: [Desk, eng, desk]")]);
    let (run, diags) = check(&site_with_page("acme.md", &text));
    run.fails_with(1);
    assert!(one(&diags, "duplicate-escalation").message.contains("`desk` appears twice"));
    let text = acme_playbook_replacing("Body\n", &[("escalation: [desk, eng]", "escalation: [desk, eng, desk-team]")]);
    let (_, diags) = check(&site_with_page("acme.md", &text));
    none_of(&diags, "duplicate-escalation");
}

#[test]
fn coverage_gap_without_a_24x7_owner() {
    let text = acme_playbook_replacing(
        "Body\n",
        &[("after_hours: desk", "after_hours: acme-it"), ("escalation: [desk, eng]", "escalation: [acme-it, eng]")],
    );
    let (run, diags) = check(&site_with_page("acme.md", &text));
    run.fails_with(1);
    at_col(one(&diags, "coverage-gap"), "content/acme.md", pos_of(&text, "coverage: 24x7"));
}

#[test]
fn a_24x7_owner_on_the_escalation_path_closes_the_gap() {
    let text = acme_playbook_replacing(
        "Body\n",
        &[("after_hours: desk", "after_hours: acme-it"), ("escalation: [desk, eng]", "escalation: [eng, soc-team]")],
    );
    let (run, diags) = check(&site_with_page("acme.md", &text));
    run.ok();
    none_of(&diags, "coverage-gap");
}

// ---------------------------------------------------------------------------------------------
// Links and URLs

#[test]
fn broken_link_points_at_the_link_and_suggests() {
    // Inline, and by reference: once, at the definition, where the URL is written.
    for body in
        ["Intro.\n\nSee [the plan](plan.md) for details.\n", "See [the plan][plan], then [the plan][plan] again.\n\n[plan]: plan.md\n"]
    {
        let text = acme_playbook("Acme", body);
        let s = site_with_page("acme.md", &text);
        s.file("content/plans.md", "---\ntitle: Plans\n---\nPlans.\n");
        let (run, diags) = check(&s);
        run.fails_with(1);
        let d = one(&diags, "broken-link");
        at_col(d, "content/acme.md", pos_of(&text, "plan.md"));
        help_contains(d, "plans.md");
    }
}

/// Found on the Hugo docs: three reference definitions with one broken destination were
/// reported once, at whichever came first in pulldown-cmark's hash order, so `check --format
/// json` differed from one run to the next. Each definition is reported, at its URL, every run;
/// a link finds its definition by label, case and spaces aside.
#[test]
fn each_reference_definition_of_a_broken_link_is_reported_at_its_url_every_run() {
    let body = "See [one][First Plan], [two][second], [three][Third], [again][first   plan].\n\n\
                [first plan]: plan.md\n[second]: plan.md\n[third]: plan.md\n";
    let text = acme_playbook("Acme", body);
    let s = site_with_page("acme.md", &text);
    let line_of = |label: &str| pos_after(&text, &format!("\n[{label}]: "), "plan.md");
    let expected = [line_of("first plan"), line_of("second"), line_of("third")];
    for run in 0..3 {
        let (r, diags) = check(&s);
        r.fails_with(1);
        let places: Vec<(usize, usize)> = with_code(&diags, "broken-link").iter().map(|d| (d.line, d.column)).collect();
        assert_eq!(places, expected, "run {run}: {diags:#?}");
    }
}

#[test]
fn a_file_at_a_page_s_url_is_shadowed_page_and_one_at_a_generated_view_s_is_not() {
    let s = site_with_page("acme.md", &acme_playbook("Acme", "Body.\n"));
    s.file("content/guides/_index.md", "---\ntitle: Guides\n---\nHow to read the playbooks.\n");
    s.file("content/guides/index.html", "<!doctype html><title>Old export</title>\n");
    s.file("content/acme/index.html", "<!doctype html><title>Old export</title>\n");
    // Replacing a generated view is what a file there is for.
    s.file("content/owners/index.html", "<!doctype html><title>Our teams</title>\n");
    let (run, diags) = check(&s);
    run.ok();
    let found = with_code(&diags, "shadowed-page");
    let files: Vec<&str> = found.iter().map(|d| d.file.as_str()).collect();
    assert_eq!(files, ["content/acme/index.html", "content/guides/index.html"], "{diags:#?}");
    assert!(found[1].message.contains("content/guides/_index.md"), "{:#?}", found[1]);
    s.run(&["build", "-o", "out"]).ok();
    assert!(s.read("out/guides/index.html").contains("Old export"), "the file is what the build writes there");
    s.file("demarcate.yaml", &s.read("demarcate.yaml").replace("checks:\n", "checks:\n  shadowed-page: off\n"));
    let (run, diags) = check(&s);
    run.ok();
    none_of(&diags, "shadowed-page");
}

#[test]
fn raw_html_links_read_every_named_reference_html_has() {
    let text = acme_playbook("Acme", "<a href=\"files/caf&eacute;.pdf\">menu</a> and <a href=\"files/caf&eacutx;.pdf\">typo</a>\n");
    let s = site_with_page("acme.md", &text);
    s.file("content/files/caf\u{e9}.pdf", "pdf");
    let (run, diags) = check(&s);
    run.fails_with(1);
    let d = one(&diags, "broken-link");
    at_col(d, "content/acme.md", pos_of(&text, "files/caf&eacutx;.pdf"));
    assert!(d.message.contains("not one HTML has"), "{d:#?}");
    s.file("content/acme.md", &text.replace(" and <a href=\"files/caf&eacutx;.pdf\">typo</a>", ""));
    check(&s).0.ok();
}

#[test]
fn link_to_a_draft_is_broken_unless_drafts_are_built() {
    let text = acme_playbook("Acme", "See [next](next.md).\n");
    let s = site_with_page("acme.md", &text);
    s.file("content/next.md", "---\ntitle: Next\ndraft: true\n---\nNext.\n");
    let (run, diags) = check(&s);
    run.fails_with(1);
    let d = one(&diags, "broken-link");
    at_col(d, "content/acme.md", pos_of(&text, "next.md"));
    assert!(d.message.contains("draft"), "{d:#?}");
    let (run, diags) = s.check_json(&["--drafts"]);
    run.ok();
    none_of(&diags, "broken-link");
}

#[test]
fn broken_anchor_points_at_the_link_and_suggests() {
    let text = acme_playbook("Acme", "## Scope\n\nSee [other](other.md#scop) and [here](#nowhere-at-all).\n");
    let s = site_with_page("acme.md", &text);
    s.file("content/other.md", "---\ntitle: Other\n---\n## Scope\n\nText.\n");
    let (run, diags) = check(&s);
    run.fails_with(1);
    let found = with_code(&diags, "broken-anchor");
    assert_eq!(found.len(), 2, "{diags:#?}");
    let other = found.iter().find(|d| d.message.contains("other.md")).expect("link to other.md");
    at_col(other, "content/acme.md", pos_of(&text, "other.md#scop"));
    help_contains(other, "did you mean `#scope`?");
    let own = found.iter().find(|d| d.message.contains("nowhere-at-all")).expect("self link");
    at_col(own, "content/acme.md", pos_of(&text, "#nowhere-at-all"));
}

#[test]
fn link_to_an_internal_page_is_internal_link_in_the_client_check_only() {
    let text = acme_playbook("Acme", "Intro.\n\nSee [the runbook](runbook.md).\n");
    let s = site_with_page("acme.md", &text);
    s.file("content/runbook.md", "---\ntitle: Runbook\naudience: internal\n---\nSecret.\n");
    let (run, diags) = s.check_json(&["--audience", "client"]);
    run.fails_with(1);
    at_col(one(&diags, "internal-link"), "content/acme.md", pos_of(&text, "runbook.md"));
    let (run, diags) = s.check_json(&["--audience", "internal"]);
    run.ok();
    assert!(diags.is_empty(), "{diags:#?}");
}

#[test]
fn a_link_to_a_missing_file_is_broken_link_at_its_destination_and_suggests_the_file_there_is() {
    let text = acme_playbook("Acme", "Intro.\n\nSee ![the diagram](files/diagram.pgn) and [the PDF](files/plan.pdf?v=2#page=3).\n");
    let s = site_with_page("acme.md", &text);
    s.file("content/files/diagram.png", "png");
    s.file("content/files/plan.pdf", "pdf");
    let (run, diags) = check(&s);
    run.fails_with(1);
    let d = one(&diags, "broken-link");
    at_col(d, "content/acme.md", pos_of(&text, "files/diagram.pgn"));
    assert!(d.message.contains("no such file (content/files/diagram.pgn)"), "{d:#?}");
    help_contains(d, "did you mean `files/diagram.png`?");
    s.file("content/acme.md", &text.replace(".pgn", ".png"));
    check(&s).0.ok();
}

#[test]
fn a_link_to_a_folder_is_to_its_page_and_broken_without_one() {
    let text = acme_playbook("Acme", "See [the guides](guides/) and [about us](Über%20Uns/).\n");
    let s = site_with_page("acme.md", &text);
    s.file("content/guides/reading.md", "---\ntitle: Reading\n---\nText.\n");
    s.file("content/Über Uns/_index.md", "---\ntitle: About us\n---\nText.\n");
    let (run, diags) = check(&s);
    run.fails_with(1);
    let d = one(&diags, "broken-link");
    at_col(d, "content/acme.md", pos_of(&text, "guides/)"));
    assert!(d.message.contains("content/guides is a folder without a page of its own"), "{d:#?}");
    help_contains(d, "add content/guides/_index.md");

    // With a page of its own (here renamed by a slug), the link goes to that page's URL.
    s.file("content/guides/_index.md", "---\ntitle: Guides\nslug: handbook\n---\nText.\n");
    check(&s).0.ok();
    s.run(&["build", "-o", "out"]).ok();
    let html = s.read("out/acme/index.html");
    assert!(html.contains("href=\"/handbook/\""), "{html}");
    assert!(html.contains("href=\"/%C3%9Cber-Uns/\""), "{html}");
}

#[test]
fn a_link_to_x_html_goes_to_the_page_of_x_html_md_as_middleman_writes_it() {
    let text = acme_playbook("Acme", "See [the schemas](docs/schemas.html#fields) and [the types](/docs/types.html).\n");
    let s = site_with_page("acme.md", &text);
    s.file("content/docs/schemas.html.md", "---\ntitle: Schemas\n---\n## Fields\n\nText.\n");
    let (run, diags) = check(&s);
    run.fails_with(1);
    at_col(one(&diags, "broken-link"), "content/acme.md", pos_of(&text, "/docs/types.html"));
    s.file("content/docs/types.html.md", "---\ntitle: Types\n---\nText.\n");
    check(&s).0.ok();
    s.run(&["build", "-o", "out"]).ok();
    let html = s.read("out/acme/index.html");
    assert!(html.contains("href=\"/docs/schemas/#fields\"") && html.contains("href=\"/docs/types/\""), "{html}");
}

#[test]
fn an_email_autolink_is_not_a_file_and_a_page_link_keeps_its_query() {
    let text = acme_playbook("Acme", "Write to <support@northwind.example>, or see [the plan](plan.md?tab=2#scope).\n");
    let s = site_with_page("acme.md", &text);
    s.file("content/plan.md", "---\ntitle: Plan\n---\n## Scope\n\nText.\n");
    check(&s).0.ok();
    s.run(&["build", "-o", "out"]).ok();
    let html = s.read("out/acme/index.html");
    assert!(html.contains("<a href=\"mailto:support@northwind.example\">support@northwind.example</a>"), "{html}");
    assert!(html.contains("<a href=\"/plan/?tab=2#scope\">the plan</a>"), "{html}");
}

#[test]
fn a_site_absolute_link_is_checked_against_the_site_s_urls() {
    let text =
        acme_playbook("Acme", "See [plans](/plan/), [owners](/owners/), [the map](/matrix.csv), [home](/) and [next](/nxt/#scope).\n");
    let s = site_with_page("acme.md", &text);
    s.file("content/plans.md", "---\ntitle: Plans\n---\nPlans.\n");
    s.file("content/next.md", "---\ntitle: Next\n---\n## Scope\n\nText.\n");
    let (run, diags) = check(&s);
    run.fails_with(1);
    let broken = with_code(&diags, "broken-link");
    assert_eq!(broken.len(), 2, "{diags:#?}");
    at_col(broken[0], "content/acme.md", pos_of(&text, "/plan/"));
    assert!(broken[0].message.contains("no page or file of this site has that URL"), "{:#?}", broken[0]);
    help_contains(broken[0], "did you mean `/plans/`?");
    at_col(broken[1], "content/acme.md", pos_of(&text, "/nxt/#scope"));
    help_contains(broken[1], "did you mean `/next/`?");

    // A URL that lands on a page has its anchor checked as a Markdown link's is.
    s.file("content/acme.md", &text.replace("/plan/", "/plans/").replace("/nxt/#scope", "/next/#scop"));
    let (run, diags) = check(&s);
    run.fails_with(1);
    help_contains(one(&diags, "broken-anchor"), "did you mean `#scope`?");
}

#[test]
fn raw_html_links_are_checked_as_markdown_links_are() {
    let body = "<img src=\"diagram.png\" alt=\"Flow\"> <a href=\"plan.md#scope\">plan</a>\n\n\
                <script>\nvar a = '<a href=\"nowhere.md\">';\n</script>\n\n\
                <p>\n<a href='/gone/'>gone</a>\n</p>\n";
    let text = acme_playbook("Acme", body);
    let s = site_with_page("acme.md", &text);
    s.file("content/plan.md", "---\ntitle: Plan\n---\n## Scope\n\nText.\n");
    let (run, diags) = check(&s);
    run.fails_with(1);
    let broken = with_code(&diags, "broken-link");
    assert_eq!(broken.len(), 2, "a link in a script is text, not a link: {diags:#?}");
    at_col(broken[0], "content/acme.md", pos_of(&text, "diagram.png"));
    at_col(broken[1], "content/acme.md", pos_of(&text, "/gone/"));

    s.file("content/diagram.png", "png");
    s.file("content/gone.md", "---\ntitle: Gone no more\n---\nText.\n");
    check(&s).0.ok();
    s.run(&["build", "-o", "out"]).ok();
    let html = s.read("out/acme/index.html");
    assert!(html.contains("<a href=\"/plan/#scope\">plan</a>"), "a raw link to a source goes to its page: {html}");
    assert!(html.contains("var a = '<a href=\"nowhere.md\">';"), "a script is left as written: {html}");
}

#[test]
fn absolute_raw_html_and_file_links_to_internal_content_are_internal_links_in_the_client_check() {
    let body = "See [the URL](/internal/runbook/), <a href=\"internal/runbook.md\">the raw link</a> \
                and [the sheet](internal/rota.xlsx).\n";
    let text = acme_playbook("Acme", body);
    let s = site_with_page("acme.md", &text);
    s.file("content/internal/_index.md", "---\ntitle: Internal\naudience: internal\n---\nStaff only.\n");
    s.file("content/internal/runbook.md", "---\ntitle: Runbook\n---\nSecret.\n");
    s.file("content/internal/rota.xlsx", "sheet");
    let (run, diags) = s.check_json(&["--audience", "client"]);
    run.fails_with(1);
    let leaks = with_code(&diags, "internal-link");
    assert_eq!(leaks.len(), 3, "{diags:#?}");
    at_col(leaks[0], "content/acme.md", pos_of(&text, "/internal/runbook/"));
    at_col(leaks[1], "content/acme.md", pos_of(&text, "internal/runbook.md"));
    at_col(leaks[2], "content/acme.md", pos_of(&text, "internal/rota.xlsx"));
    assert!(leaks[2].message.contains("that file is internal-only"), "{:#?}", leaks[2]);
    let (run, diags) = s.check_json(&["--audience", "internal"]);
    run.ok();
    assert!(diags.is_empty(), "{diags:#?}");
}

#[test]
fn links_in_headings_are_checked_and_rewritten() {
    let text = acme_playbook("Acme", "## Escalate via [the runbook](runbook.md)\n\n### ![Logo](logo.png) Contacts\n");
    let s = site_with_page("acme.md", &text);
    // The logo ships in the client build too (assets take their section's audience).
    s.file("content/_index.md", "---\ntitle: Home\naudience: client\n---\nWelcome.\n");
    s.file("content/logo.png", "png");
    let (run, diags) = check(&s);
    run.fails_with(1);
    at_col(one(&diags, "broken-link"), "content/acme.md", pos_of(&text, "runbook.md"));
    s.file("content/runbook.md", "---\ntitle: Runbook\naudience: internal\n---\nSteps.\n");
    check(&s).0.ok();
    let (run, diags) = s.check_json(&["--audience", "client"]);
    run.fails_with(1);
    at_col(one(&diags, "internal-link"), "content/acme.md", pos_of(&text, "runbook.md"));
    s.run(&["build", "-o", "out"]).ok();
    let html = s.read("out/acme/index.html");
    assert!(html.contains("<a href=\"/runbook/\">the runbook</a>") && html.contains("<img src=\"/logo.png\" alt=\"Logo\""), "{html}");
}

#[test]
fn raw_html_over_several_lines_with_bare_ampersands_is_read_as_the_browser_reads_it() {
    // A tag over two lines of an HTML block; the same value twice in one block; a query with a
    // bare `&`; an alt text that repeats the file name; a reference HTML does not have.
    let body = "<div class=\"links\">\n<a class=\"btn\"\n   href=\"gone.md\">one</a> <a href=\"gone.md\">two</a>\n\
                <img alt=\"chart.png\" src=\"chart.png?w=1&h=2\">\n</div>\n\n<a href=\"&nosuchname;x\">x</a>\n";
    let text = acme_playbook("Acme", body);
    let s = site_with_page("acme.md", &text);
    let (run, diags) = check(&s);
    run.fails_with(1);
    let broken = with_code(&diags, "broken-link");
    assert_eq!(broken.len(), 4, "{diags:#?}");
    let (line, col) = pos_of(&text, "gone.md");
    at_col(broken[0], "content/acme.md", (line, col));
    at_col(broken[1], "content/acme.md", pos_after(&text, "one</a>", "gone.md"));
    at_col(broken[2], "content/acme.md", pos_of(&text, "chart.png?w"));
    assert!(broken[3].message.contains("character reference"), "{:#?}", broken[3]);

    s.file("content/gone.md", "---\ntitle: Gone\n---\nBack.\n");
    s.file("content/chart.png", "png");
    s.file("content/acme.md", &text.replace("&nosuchname;x", "/gone/"));
    check(&s).0.ok();
    s.run(&["build", "-o", "out"]).ok();
    let html = s.read("out/acme/index.html");
    assert!(html.contains("<a class=\"btn\"\n   href=\"/gone/\">one</a> <a href=\"/gone/\">two</a>"), "{html}");
    assert!(html.contains("src=\"/chart.png?w=1&amp;h=2\""), "{html}");
}

#[test]
fn links_to_owner_party_and_workstream_pages_name_ones_the_build_has() {
    let text = acme_playbook(
        "Acme",
        "[a](/owners/desk/) [b](/owners/beta-it/) [c](/parties/beta/) [d](/owners/nobody/) [e](/parties/) \
         [f](/workstreams/help-desk/) [g](/workstreams/nope/) [h](/owners/) [i](/owners/desk/page/2/)\n",
    );
    let s = site_with_page("acme.md", &text);
    let (run, diags) = check(&s);
    run.fails_with(1);
    let broken: Vec<&str> = with_code(&diags, "broken-link").iter().map(|d| d.message.as_str()).collect();
    assert_eq!(broken.len(), 4, "{diags:#?}");
    for (d, url) in broken.iter().zip(["/owners/nobody/", "/parties/", "/workstreams/nope/", "/owners/desk/page/2/"]) {
        assert!(d.contains(&format!("`{url}`")), "{broken:#?}");
    }
    // The desk's few rows fit on its first page.
    assert!(broken[3].ends_with("owner `desk` has one page"), "{broken:#?}");
    none_of(&diags, "internal-link");
    // The client build has no page for an owner or a party with no client-visible work.
    let (run, diags) = s.check_json(&["--audience", "client"]);
    run.fails_with(1);
    let hidden = with_code(&diags, "internal-link");
    assert_eq!(hidden.len(), 2, "{diags:#?}");
    at_col(hidden[0], "content/acme.md", pos_of(&text, "/owners/beta-it/"));
    at_col(hidden[1], "content/acme.md", pos_of(&text, "/parties/beta/"));
}

#[test]
fn links_into_static_name_a_file_the_theme_layers_copy_there() {
    let text = acme_playbook(
        "Acme",
        "![logo](/static/logo.svg) [css](/static/style.css) [font](/static/fonts/brand.woff2) \
         ![typo](/static/logo.svj) [gone](/static/nothing-like-it.txt)\n",
    );
    let s = site_with_page("acme.md", &text);
    s.file("static/logo.svg", "<svg xmlns=\"http://www.w3.org/2000/svg\"/>");
    s.file("themes/brand/static/fonts/brand.woff2", "font");
    // Without `theme: brand` its files are not copied.
    let (run, diags) = check(&s);
    run.fails_with(1);
    let broken = with_code(&diags, "broken-link");
    assert_eq!(broken.len(), 3, "{diags:#?}");
    at_col(broken[0], "content/acme.md", pos_of(&text, "/static/fonts/brand.woff2"));
    assert!(broken[0].message.ends_with("neither the theme nor the site's static/ folder has a file static/fonts/brand.woff2"));
    at_col(broken[1], "content/acme.md", pos_of(&text, "/static/logo.svj"));
    help_contains(broken[1], "did you mean `/static/logo.svg`?");
    help_contains(broken[2], "put the file in the site's static/ folder");
    let config = s.read("demarcate.yaml");
    s.file("demarcate.yaml", &format!("{config}theme: brand\n"));
    let (_, diags) = check(&s);
    let broken = with_code(&diags, "broken-link");
    assert_eq!(broken.len(), 2, "{diags:#?}");
    assert!(broken.iter().all(|d| !d.message.contains("brand.woff2")), "{diags:#?}");
}

#[test]
fn a_link_to_a_file_written_as_a_folder_is_broken() {
    let text = acme_playbook("Acme", "[a](chart.png/) [b](/chart.png/?v=2) [c](chart.png) [d](chart.png?v=2#top)\n");
    let s = site_with_page("acme.md", &text);
    s.file("content/chart.png", "png");
    let (run, diags) = check(&s);
    run.fails_with(1);
    let broken = with_code(&diags, "broken-link");
    assert_eq!(broken.len(), 2, "{diags:#?}");
    for (d, written) in broken.iter().zip(["chart.png/", "/chart.png/?v=2"]) {
        at_col(d, "content/acme.md", pos_of(&text, written));
        assert_eq!(d.message, format!("link to `{written}`: content/chart.png is a file, not a folder"));
        help_contains(d, "drop the `/` after `chart.png`");
    }
}

/// A list page exists while the list runs to it: 501 playbooks make two pages of the matrix,
/// of a workstream and of its accountable owner; one deleted, the second pages go, and a warm
/// build reports the links to them as a cold one does. The matrix and workstream lists are cut
/// where their rows say: none of the 500 would end a page of 300 rows, the 501st (`cut`,
/// placed after 301 of them) ends the first.
#[test]
fn links_to_list_pages_name_pages_the_lists_have() {
    let good = "[m2](/matrix/page/2/) [w2](/workstreams/help-desk/page/2/) [o2](/owners/desk/page/2/) [search](/search/)\n";
    let bad = "[m3](/matrix/page/3/) [m1](/matrix/page/1/) [m02](/matrix/page/02/) [f2](/faq/page/2/) [s2](/search/more/)\n";
    let playbook = |i: usize, body: &str| {
        format!(
            "---\ntitle: Playbook {i}\nclient: acme\nworkstreams:\n  help-desk:\n    accountable: desk\n  security-monitoring: soc-team\n---\n{body}"
        )
    };
    let s = Site::with_config();
    let names: Vec<String> = (0..).map(|i| format!("p{i:03}")).filter(|n| !ends_page(&format!("{n}/"), 300)).take(500).collect();
    let cut = (0..).map(|n| format!("{}-{n}", names[300])).find(|n| ends_page(&format!("{n}/"), 302)).expect("a name that ends a page");
    for (i, name) in names.iter().enumerate().skip(1) {
        s.file(&format!("content/{name}.md"), &playbook(i, "Body.\n"));
    }
    s.file(&format!("content/{cut}.md"), &playbook(500, "Body.\n"));
    s.file(&format!("content/{}.md", names[0]), &playbook(0, &format!("{good}{bad}")));
    let (run, diags) = check(&s);
    run.fails_with(1);
    let broken = with_code(&diags, "broken-link");
    let found: Vec<(&str, Option<&str>)> = broken.iter().map(|d| (d.message.as_str(), d.help.as_deref())).collect();
    assert_eq!(
        found,
        [
            ("link to `/matrix/page/3/`: the matrix has 2 pages", Some("its last page is `/matrix/page/2/`")),
            ("link to `/matrix/page/1/`: the matrix's first page is /matrix/, not /matrix/page/1/", Some("link to `/matrix/`")),
            ("link to `/matrix/page/02/`: no page or file of this site has that URL", None),
            ("link to `/faq/page/2/`: the FAQ has one page", Some("link to `/faq/`")),
            ("link to `/search/more/`: no page or file of this site has that URL", None),
        ]
    );
    let first = format!("content/{}.md", names[0]);
    at_col(broken[0], &first, pos_of(&s.read(&first), "/matrix/page/3/"));
    // The good links alone: the build has those pages.
    s.file(&first, &playbook(0, good));
    s.run(&["build"]).ok();
    assert!(s.exists("site/owners/desk/page/2/index.html") && s.exists("site/workstreams/help-desk/page/2/index.html"));
    // One playbook fewer: every second page goes, in a warm build and in a cold one.
    std::fs::remove_file(s.path().join(format!("content/{cut}.md"))).unwrap();
    for out in ["site", "cold"] {
        let run = s.run(&["build", "-o", out]);
        run.fails_with(1);
        let err = &run.stderr;
        for (url, list) in [
            ("/matrix/page/2/", "the matrix"),
            ("/workstreams/help-desk/page/2/", "workstream `help-desk`"),
            ("/owners/desk/page/2/", "owner `desk`"),
        ] {
            assert!(err.contains(&format!("link to `{url}`: {list} has one page")), "{out}: {err}");
        }
    }
    assert!(s.exists("site/owners/desk/page/2/index.html"), "a failed build leaves the output as it was");
}

#[test]
fn links_the_browser_reads_as_written_pass_the_check() {
    // `?page=2` stays on this page; a folder served by its own index.html; `..` in a URL; a file
    // whose name holds `#`, `?` or `%`.
    let text = acme_playbook(
        "Acme",
        "[p](?page=2#main) [l](legacy/) [u](/x/../legacy/) [r](/../../legacy/) [h](c%231.png) [q](q%3F.png) [pc](100%25.png)\n",
    );
    let s = site_with_page("acme.md", &text);
    s.file("content/legacy/index.html", "<!doctype html><title>Old</title>");
    for f in ["c#1.png", "q?.png", "100%.png"] {
        s.file(&format!("content/{f}"), "png");
    }
    check(&s).0.ok();
    s.run(&["build", "-o", "out"]).ok();
    let html = s.read("out/acme/index.html");
    for href in ["?page=2#main", "/legacy/", "/c%231.png", "/q%3F.png", "/100%25.png"] {
        assert!(html.contains(&format!("href=\"{href}\"")), "{href} in {html}");
    }
}

#[test]
fn a_url_of_a_folder_whose_page_lives_elsewhere_says_where() {
    let text = acme_playbook("Acme", "See [the guides](/guides/).\n");
    let s = site_with_page("acme.md", &text);
    s.file("content/guides/_index.md", "---\ntitle: Guides\nslug: handbook\n---\nText.\n");
    let (run, diags) = check(&s);
    run.fails_with(1);
    let d = one(&diags, "broken-link");
    assert!(d.message.contains("content/guides/_index.md, is at /handbook/"), "{d:#?}");
    help_contains(d, "`guides/_index.md`");
}

#[test]
fn source_urls_are_links_too() {
    let text = acme_playbook("Acme", "Body.\n").replacen(
        "audience: client\n",
        "audience: client\nsources:\n  - {title: Runbook, url: /internal/runbook/}\n  - title: Plan\n    url: files/plan.pdf\n  - {title: NIST, url: 'https://www.nist.gov/'}\n",
        1,
    );
    let s = site_with_page("acme.md", &text);
    s.file("content/internal/_index.md", "---\ntitle: Internal\naudience: internal\n---\nStaff only.\n");
    s.file("content/internal/runbook.md", "---\ntitle: Runbook\n---\nSecret.\n");
    let (run, diags) = s.check_json(&["--audience", "client"]);
    run.fails_with(1);
    let leak = one(&diags, "internal-link");
    at_col(leak, "content/acme.md", pos_of(&text, "/internal/runbook/"));
    let broken = one(&diags, "broken-link");
    at_col(broken, "content/acme.md", pos_of(&text, "files/plan.pdf"));
    assert!(broken.message.contains("no such file (content/files/plan.pdf)"), "{broken:#?}");
    s.file("content/files/plan.pdf", "pdf");
    s.check_json(&["--audience", "internal"]).0.ok();
    s.run(&["build", "-o", "out"]).ok();
    let html = s.read("out/acme/index.html");
    for href in ["/internal/runbook/", "/files/plan.pdf", "https://www.nist.gov/"] {
        assert!(html.contains(&format!("<a href=\"{href}\">")), "{href} in {html}");
    }
}

#[test]
fn unclosed_internal_block_is_internal_block_at_the_opener() {
    let text = acme_playbook("Acme", "Intro.\n\n::: internal\nSecret.\n\nMore.\n");
    let s = site_with_page("acme.md", &text);
    for audience in ["internal", "client"] {
        let (run, diags) = s.check_json(&["--audience", audience]);
        run.fails_with(1);
        at(one(&diags, "internal-block"), "content/acme.md", pos_of(&text, "::: internal").0);
    }
}

#[test]
fn two_pages_with_one_url_are_duplicate_url() {
    let s = Site::with_config();
    s.file("content/a.md", "---\ntitle: A\n---\nA.\n");
    let b = "---\ntitle: B\nslug: a\n---\nB.\n";
    s.file("content/b.md", b);
    let (run, diags) = check(&s);
    run.fails_with(1);
    let d = one(&diags, "duplicate-url");
    at(d, "content/b.md", pos_of(b, "slug:").0);
    assert!(d.message.contains("content/a.md"), "{d:#?}");
}

#[test]
fn page_under_a_generated_url_is_duplicate_url() {
    let s = Site::with_config();
    s.file("content/owners/desk.md", "---\ntitle: Desk notes\n---\nNotes.\n");
    let (run, diags) = check(&s);
    run.fails_with(1);
    assert_eq!(one(&diags, "duplicate-url").file, "content/owners/desk.md");
}

#[test]
fn invalid_dates_point_at_the_value() {
    let text =
        acme_playbook_replacing("Body\n", &[("model: co-managed\n", "model: co-managed\nupdated: 2026-13-01\nreview_by: 27/11/2027\n")]);
    let (run, diags) = check(&site_with_page("acme.md", &text));
    run.fails_with(1);
    let found = with_code(&diags, "invalid-date");
    assert_eq!(found.len(), 2, "{diags:#?}");
    at_col(found.iter().find(|d| d.message.contains("updated")).unwrap(), "content/acme.md", pos_of(&text, "2026-13-01"));
    let rb = found.iter().find(|d| d.message.contains("review_by")).unwrap();
    at_col(rb, "content/acme.md", pos_of(&text, "27/11/2027"));
    help_contains(rb, "YYYY-MM-DD");
    none_of(&diags, "stale-review");
    none_of(&diags, "future-update");
}

#[test]
fn broken_site_template_is_template_error() {
    let s = site_with_page("acme.md", &acme_playbook("Acme", "Hi.\n"));
    s.file("templates/page.html", "{% extends \"base.html\" %}\n{% block content %}{% if %}{% endblock content %}\n");
    let (run, diags) = check(&s);
    run.fails_with(1);
    let d = one(&diags, "template-error");
    at(d, "templates/page.html", 2);
}

// ---------------------------------------------------------------------------------------------
// Warnings

#[test]
fn raci_overlap_points_at_the_second_role() {
    let text = acme_playbook_replacing("Body\n", &[("informed: [acme-boss]", "informed: [acme-boss, acme-it]")]);
    let (run, diags) = check(&site_with_page("acme.md", &text));
    run.ok();
    let d = one(&diags, "raci-overlap");
    assert_eq!(d.severity, "warning");
    at_col(d, "content/acme.md", pos_after(&text, "informed:", "acme-it"));
    assert!(d.message.contains("responsible") && d.message.contains("informed"), "{d:#?}");
}

#[test]
fn owner_without_contact_is_no_contact() {
    let cfg = config_replacing(&[("  soc-team: {", "  ghost: {name: Ghost team, party: northwind}\n  soc-team: {")]);
    let s = Site::with_config_text(&cfg);
    s.file("content/acme.md", &acme_playbook("Acme", "Hi.\n"));
    let (run, diags) = check(&s);
    run.ok();
    let d = one(&diags, "no-contact");
    assert_eq!(d.severity, "warning");
    at_col(d, "demarcate.yaml", pos_of(&cfg, "ghost:"));
}

#[test]
fn review_by_in_the_past_is_stale_review() {
    let text = acme_playbook_replacing("Body\n", &[("model: co-managed\n", "model: co-managed\nreview_by: 2026-11-26\n")]);
    let (run, diags) = check(&site_with_page("acme.md", &text));
    run.ok();
    let d = one(&diags, "stale-review");
    assert_eq!(d.severity, "warning");
    at_col(d, "content/acme.md", pos_of(&text, "2026-11-26"));

    let today = acme_playbook_replacing("Body\n", &[("model: co-managed\n", "model: co-managed\nreview_by: 2026-11-27\n")]);
    let (run, diags) = check(&site_with_page("acme.md", &today));
    run.ok();
    assert!(diags.is_empty(), "review due today is not stale: {diags:#?}");
}

#[test]
fn updated_in_the_future_is_future_update() {
    let text = acme_playbook_replacing("Body\n", &[("model: co-managed\n", "model: co-managed\nupdated: 2026-11-28\n")]);
    let (run, diags) = check(&site_with_page("acme.md", &text));
    run.ok();
    let d = one(&diags, "future-update");
    assert_eq!(d.severity, "warning");
    at_col(d, "content/acme.md", pos_of(&text, "2026-11-28"));

    let today = acme_playbook_replacing("Body\n", &[("model: co-managed\n", "model: co-managed\nupdated: 2026-11-27\n")]);
    let (run, diags) = check(&site_with_page("acme.md", &today));
    run.ok();
    assert!(diags.is_empty(), "updated today is not in the future: {diags:#?}");
}

#[test]
fn too_many_consulted_follows_the_threshold() {
    let text = acme_playbook_replacing("Body\n", &[("consulted: [eng]", "consulted: [eng, soc-team]")]);
    let s = Site::with_config_text(&format!("{CONFIG}thresholds: {{max_consulted: 1}}\n"));
    s.file("content/acme.md", &text);
    let (run, diags) = check(&s);
    run.ok();
    let d = one(&diags, "too-many-consulted");
    assert_eq!(d.severity, "warning");
    at_col(d, "content/acme.md", pos_of(&text, "consulted:"));

    s.file("demarcate.yaml", &format!("{CONFIG}thresholds: {{max_consulted: 2}}\n"));
    let (run, diags) = check(&s);
    run.ok();
    none_of(&diags, "too-many-consulted");
}

#[test]
fn overload_follows_the_threshold() {
    let text = acme_playbook_replacing(
        "Body\n",
        &[("  security-monitoring: soc-team\n", "  security-monitoring: soc-team\n  documentation: desk\n")],
    );
    let s = Site::with_config_text(&format!("{CONFIG}thresholds: {{max_accountable: 1}}\n"));
    s.file("content/acme.md", &text);
    let (run, diags) = check(&s);
    run.ok();
    let d = one(&diags, "overload");
    assert_eq!(d.severity, "warning");
    assert!(d.message.contains("desk"), "{d:#?}");
    at_col(d, "content/acme.md", pos_of(&text, "workstreams:"));

    s.file("demarcate.yaml", &format!("{CONFIG}thresholds: {{max_accountable: 2}}\n"));
    let (run, diags) = check(&s);
    run.ok();
    none_of(&diags, "overload");
}

#[test]
fn unused_owner_when_re_enabled() {
    let cfg = config_replacing(&[("unused-owner: off", "unused-owner: warning")]);
    let s = Site::with_config_text(&cfg);
    s.file("content/acme.md", &acme_playbook("Acme", "Hi.\n"));
    let (run, diags) = check(&s);
    run.ok();
    let d = one(&diags, "unused-owner");
    assert_eq!(d.severity, "warning");
    assert!(d.message.contains("beta-it"), "{d:#?}");
    at_col(d, "demarcate.yaml", pos_of(&cfg, "beta-it:"));
    // The fixture CONFIG turns it off.
    let s2 = site_with_page("acme.md", &acme_playbook("Acme", "Hi.\n"));
    none_of(&check(&s2).1, "unused-owner");
    // With no `checks:` at all it is on by default.
    let cfg = config_replacing(&[("checks:\n  unused-owner: off\n", "")]);
    s.file("demarcate.yaml", &cfg);
    assert_eq!(one(&check(&s).1, "unused-owner").severity, "warning");
}

#[test]
fn empty_faq_entries_point_at_the_entry() {
    let text = acme_playbook_replacing(
        "Body\n",
        &[(
            "model: co-managed\n",
            "model: co-managed\nfaq:\n  - q: Who answers at night?\n    a: ''\n  - q: ''\n    a: Somebody.\n  - q: Fine?\n    a: Yes.\n",
        )],
    );
    let (run, diags) = check(&site_with_page("acme.md", &text));
    run.ok();
    let found = with_code(&diags, "empty-faq");
    assert_eq!(found.len(), 2, "{diags:#?}");
    assert!(found.iter().all(|d| d.severity == "warning"));
    let answer = found.iter().find(|d| d.message.contains("answer")).unwrap();
    at(answer, "content/acme.md", pos_of(&text, "- q: Who answers").0);
    let question = found.iter().find(|d| d.message.contains("question")).unwrap();
    at(question, "content/acme.md", pos_of(&text, "- q: ''").0);
}

// ---------------------------------------------------------------------------------------------
// Severity overrides and --deny warnings

fn stale_site(checks: &str) -> Site {
    let s = Site::with_config_text(&config_replacing(&[("checks:\n  unused-owner: off\n", checks)]));
    s.file("content/acme.md", &acme_playbook_replacing("Body\n", &[("model: co-managed\n", "model: co-managed\nreview_by: 2026-01-01\n")]));
    s
}

#[test]
fn checks_can_raise_a_warning_to_an_error() {
    let s = stale_site("checks:\n  unused-owner: off\n  stale-review: error\n");
    let (run, diags) = check(&s);
    run.fails_with(1);
    assert_eq!(one(&diags, "stale-review").severity, "error");
    s.run(&["build"]).fails_with(1);
}

#[test]
fn checks_can_turn_a_rule_off() {
    let s = stale_site("checks:\n  unused-owner: off\n  stale-review: off\n");
    let (run, diags) = check(&s);
    run.ok();
    assert!(diags.is_empty(), "{diags:#?}");
    let human = s.run(&["check"]);
    human.ok();
    assert_eq!(human.stdout, "1 playbook checked: no problems found\n");
    // The build's summary counts in the same words: one playbook, not "1 playbooks".
    let build = s.run(&["build"]);
    build.ok();
    assert!(build.stdout.starts_with("Built 1 playbook (1 page, "), "{}", build.stdout);
}

#[test]
fn checks_can_lower_an_error_to_a_warning() {
    let s = Site::with_config_text(&config_replacing(&[("unused-owner: off", "unused-owner: off\n  coverage-gap: warning")]));
    s.file(
        "content/acme.md",
        &acme_playbook_replacing(
            "Body\n",
            &[("after_hours: desk", "after_hours: acme-it"), ("escalation: [desk, eng]", "escalation: [eng]")],
        ),
    );
    let (run, diags) = check(&s);
    run.ok();
    assert_eq!(one(&diags, "coverage-gap").severity, "warning");
    s.run(&["build"]).ok();
    s.run(&["check", "--deny", "warnings"]).fails_with(1);
}

#[test]
fn unknown_check_name_is_an_error_with_suggestion() {
    let cfg = config_replacing(&[("unused-owner: off", "unused-owner: off\n  stale-reveiw: error")]);
    let s = Site::with_config_text(&cfg);
    s.file("content/acme.md", &acme_playbook("Acme", "Hi.\n"));
    let (run, diags) = check(&s);
    run.fails_with(1);
    let d = one(&diags, "unknown-key");
    assert_eq!(d.severity, "error");
    at_col(d, "demarcate.yaml", pos_of(&cfg, "stale-reveiw"));
    help_contains(d, "did you mean `stale-review`?");
}

#[test]
fn unknown_check_level_is_wrong_type_at_its_line() {
    let cfg = config_replacing(&[("unused-owner: off", "unused-owner: fatal")]);
    let s = Site::with_config_text(&cfg);
    s.file("content/acme.md", &acme_playbook("Acme", "Hi.\n"));
    let (run, diags) = check(&s);
    run.fails_with(1);
    at(one(&diags, "wrong-type"), "demarcate.yaml", pos_of(&cfg, "unused-owner: fatal").0);
}

#[test]
fn deny_warnings_turns_warnings_into_failure() {
    let s = stale_site("checks:\n  unused-owner: off\n");
    let plain = s.run(&["check"]);
    plain.ok();
    assert!(plain.stderr.contains("warning[stale-review]"), "{}", plain.stderr);
    let denied = s.run(&["check", "--deny", "warnings"]);
    denied.fails_with(1);
    assert!(denied.stderr.contains("warning[stale-review]"), "{}", denied.stderr);
    let (run, diags) = s.check_json(&["--deny", "warnings"]);
    run.fails_with(1);
    assert_eq!(one(&diags, "stale-review").severity, "warning");
    // A clean site stays clean under --deny warnings.
    site_with_page("acme.md", &acme_playbook("Acme", "Hi.\n")).run(&["check", "--deny", "warnings"]).ok();
}

#[test]
fn build_prints_warnings_and_stops_on_errors() {
    let s = stale_site("checks:\n  unused-owner: off\n");
    let run = s.run(&["build"]);
    run.ok();
    assert!(run.stderr.contains("warning[stale-review]"), "{}", run.stderr);
    assert!(s.exists("site/acme/index.html"));

    let bad =
        site_with_page("acme.md", &acme_playbook_replacing("Body\n", &[("responsible: [desk, acme-it]", "responsible: [desk, acem-it]")]));
    let run = bad.run(&["build"]);
    run.fails_with(1);
    assert!(run.stderr.contains("error[unknown-owner]"), "{}", run.stderr);
    assert!(!bad.exists("site/index.html"), "a failed build must not write the site");
}

// ---------------------------------------------------------------------------------------------
// Output formats and exit codes

fn two_problem_site() -> (Site, String) {
    let text = acme_playbook_replacing(
        "Body\n",
        &[
            ("responsible: [desk, acme-it]", "responsible: [desk, acem-it]"),
            ("model: co-managed\n", "model: co-managed\nreview_by: 2026-01-01\n"),
        ],
    );
    (site_with_page("acme.md", &text), text)
}

#[test]
fn json_output_is_only_a_sorted_array_of_diagnostics() {
    let (s, text) = two_problem_site();
    let run = s.run(&["check", "--format", "json"]);
    run.fails_with(1);
    // The whole of stdout is one JSON value, and nothing goes to stderr.
    let v: serde_json::Value = serde_json::from_str(&run.stdout).expect("stdout is JSON");
    assert!(run.stderr.is_empty(), "stderr: {}", run.stderr);
    let arr = v.as_array().expect("an array");
    assert_eq!(arr.len(), 2, "{v:#}");
    for d in arr {
        let obj = d.as_object().unwrap();
        let mut keys: Vec<&str> = obj.keys().map(|k| k.as_str()).collect();
        keys.sort();
        assert_eq!(keys, ["code", "column", "file", "help", "line", "message", "severity"]);
        assert!(obj["line"].as_u64().unwrap() >= 1 && obj["column"].as_u64().unwrap() >= 1);
        assert!(obj["help"].is_null() || obj["help"].is_string());
    }
    let diags = parse_json_diags(&run);
    let stale = one(&diags, "stale-review");
    assert_eq!((stale.severity.as_str(), stale.file.as_str()), ("warning", "content/acme.md"));
    assert_eq!(stale.line, pos_of(&text, "review_by").0);
    let owner = one(&diags, "unknown-owner");
    assert_eq!(owner.severity, "error");
    at_col(owner, "content/acme.md", pos_of(&text, "acem-it"));
    // Sorted by file, then line.
    assert!(diags[0].line <= diags[1].line);
}

#[test]
fn json_output_of_a_clean_site_is_an_empty_array() {
    let s = site_with_page("acme.md", &acme_playbook("Acme", "Hi.\n"));
    let run = s.run(&["check", "--format", "json"]);
    run.ok();
    assert_eq!(run.stdout.trim(), "[]");
    assert!(run.stderr.is_empty(), "stderr: {}", run.stderr);
}

#[test]
fn json_file_paths_are_relative_to_the_site_root_when_run_from_elsewhere() {
    let (s, text) = two_problem_site();
    let root = s.path().to_str().unwrap().to_string();
    let run = run_in(Path::new("/"), &["check", &root, "--format", "json"]);
    run.fails_with(1);
    let diags = parse_json_diags(&run);
    at_col(one(&diags, "unknown-owner"), "content/acme.md", pos_of(&text, "acem-it"));
}

#[test]
fn github_format_prints_workflow_commands() {
    let (s, text) = two_problem_site();
    let run = s.run(&["check", "--format", "github"]);
    run.fails_with(1);
    let lines: Vec<&str> = run.stdout.lines().collect();
    assert_eq!(lines.len(), 2, "{}", run.stdout);
    assert!(lines.iter().all(|l| l.starts_with("::")), "{}", run.stdout);
    let (l, c) = pos_of(&text, "acem-it");
    let err = format!("::error file=content/acme.md,line={l},col={c},title=unknown-owner::unknown owner `acem-it`");
    assert!(lines.iter().any(|x| x.starts_with(&err)), "missing `{err}` in\n{}", run.stdout);
    let rl = pos_of(&text, "review_by").0;
    let warn = format!("::warning file=content/acme.md,line={rl},");
    assert!(lines.iter().any(|x| x.starts_with(&warn) && x.contains("title=stale-review::")), "missing `{warn}` in\n{}", run.stdout);
    // Help travels in the message, escaped as one line.
    assert!(run.stdout.contains("%0Ahelp: did you mean `acme-it`?"), "{}", run.stdout);
}

#[test]
fn human_output_is_rustc_like() {
    let (s, text) = two_problem_site();
    let run = s.run(&["check"]);
    run.fails_with(1);
    let (l, c) = pos_of(&text, "acem-it");
    let err = &run.stderr;
    assert!(err.contains("error[unknown-owner]: unknown owner `acem-it`"), "{err}");
    assert!(err.contains(&format!(" --> content/acme.md:{l}:{c}")), "expected ` --> content/acme.md:{l}:{c}` in\n{err}");
    assert!(err.contains("responsible: [desk, acem-it]"), "source line shown:\n{err}");
    let lines: Vec<&str> = err.lines().collect();
    let src_at = lines.iter().position(|x| x.contains("responsible: [desk, acem-it]")).unwrap_or_else(|| panic!("no source line:\n{err}"));
    let source_line = lines[src_at];
    let marker_line =
        lines[src_at + 1..].iter().find(|x| x.contains('^')).unwrap_or_else(|| panic!("no marker under the source line:\n{err}"));
    let src_col = source_line.find("acem-it").unwrap();
    assert_eq!(marker_line.find('^'), Some(src_col), "marker should sit under `acem-it`:\n{err}");
    assert!(err.contains("help: did you mean `acme-it`?"), "{err}");
    assert!(err.contains("warning[stale-review]"), "{err}");
    assert_eq!(err.trim_end().lines().last(), Some("1 error, 1 warning in 1 playbook"), "{err}");
    assert!(run.stdout.is_empty(), "stdout: {}", run.stdout);
}

#[test]
fn clean_site_human_output_is_one_line() {
    let s = site_with_page("acme.md", &acme_playbook("Acme", "Hi.\n"));
    s.file("content/beta.md", &acme_playbook("Acme two", "Hi.\n"));
    let run = s.run(&["check"]);
    run.ok();
    assert_eq!(run.stdout, "2 playbooks checked: no problems found\n");
    assert!(run.stderr.is_empty(), "stderr: {}", run.stderr);
}

#[test]
fn check_writes_nothing() {
    let (s, _) = two_problem_site();
    s.run(&["check"]).fails_with(1);
    let clean = site_with_page("acme.md", &acme_playbook("Acme", "Hi.\n"));
    clean.run(&["check"]).ok();
    for site in [&s, &clean] {
        let mut names: Vec<String> =
            std::fs::read_dir(site.path()).unwrap().flatten().map(|e| e.file_name().to_string_lossy().into_owned()).collect();
        names.sort();
        assert_eq!(names, ["content", "demarcate.yaml"], "check must not write files");
    }
}

#[test]
fn exit_codes() {
    let clean = site_with_page("acme.md", &acme_playbook("Acme", "Hi.\n"));
    clean.run(&["check"]).fails_with(0);
    let (bad, _) = two_problem_site();
    bad.run(&["check"]).fails_with(1);
    // Usage errors.
    clean.run(&["check", "--format", "xml"]).fails_with(2);
    clean.run(&["check", "--deny", "errors"]).fails_with(2);
    clean.run(&["check", "--audience", "everyone"]).fails_with(2);
    clean.run(&["check", "--no-such-flag"]).fails_with(2);
    bad.run(&["check", "--format", "xml"]).fails_with(2);
    // Warnings alone pass, unless denied.
    let warn = stale_site("checks:\n  unused-owner: off\n");
    warn.run(&["check"]).fails_with(0);
    warn.run(&["check", "--deny", "warnings"]).fails_with(1);
}

#[test]
fn site_folder_without_config_fails_with_a_hint() {
    let empty = Site::new();
    let run = empty.run(&["check"]);
    assert_ne!(run.code, 0, "{}", run.all());
    assert!(run.all().contains("demarcate.yaml"), "{}", run.all());
}

// ---------------------------------------------------------------------------------------------
// Real sites

#[test]
fn example_site_checks_clean() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let (run, diags) = {
        let run = run_in(root, &["check", "--format", "json"]);
        let d = parse_json_diags(&run);
        (run, d)
    };
    run.ok();
    assert!(diags.is_empty(), "the example site should have no diagnostics at all: {diags:#?}");
    let human = run_in(root, &["check"]);
    human.ok();
    assert!(human.stdout.ends_with("playbooks checked: no problems found\n") && human.stdout.lines().count() == 1, "{}", human.stdout);
    assert!(human.stderr.is_empty(), "{}", human.stderr);
    let client = run_in(root, &["check", "--audience", "client", "--format", "json"]);
    client.ok();
    assert!(parse_json_diags(&client).is_empty(), "{}", client.stdout);
}

#[test]
fn generated_corpus_checks_clean() {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/bench/gen-corpus.py");
    if !script.is_file() {
        eprintln!("note: skipping generated_corpus_checks_clean: {} is missing", script.display());
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("corpus");
    let generated = std::process::Command::new("python3").arg(&script).args(["--pages", "200", "--out"]).arg(&out).output();
    let generated = match generated {
        Ok(g) => g,
        Err(e) => {
            eprintln!("note: skipping generated_corpus_checks_clean: cannot run python3: {e}");
            return;
        }
    };
    assert!(generated.status.success(), "gen-corpus.py failed: {}", String::from_utf8_lossy(&generated.stderr));
    let run = run_in(&out, &["check", "--format", "json"]);
    run.ok();
    let diags = parse_json_diags(&run);
    let errors: Vec<&Diag> = diags.iter().filter(|d| d.severity == "error").collect();
    assert!(errors.is_empty(), "{errors:#?}");
    // The corpus dates its playbooks throughout 2026; with today after all of them the site is
    // entirely clean (the pinned 2026-11-27 makes December dates `future-update` warnings).
    let late = run_in_env(&out, &["check", "--format", "json"], &[("DEMARCATE_TODAY", "2026-12-31")]);
    late.ok();
    let all = parse_json_diags(&late);
    assert!(all.is_empty(), "{all:#?}");
}

#[test]
fn columns_count_characters_not_bytes() {
    // Non-ASCII text before the culprit on the same line: columns count characters, as the
    // human renderer (which places its marker by characters) and editors expect.
    let text = acme_playbook_replacing(
        "Übergabe: see [the plan](plan.md).\n",
        &[("informed: [acme-boss]", "informed: [acme-boss, ünknown, acem-it]")],
    );
    let s = site_with_page("acme.md", &text);
    let (run, diags) = check(&s);
    run.fails_with(1);
    let owners = with_code(&diags, "unknown-owner");
    let acem = owners.iter().find(|d| d.message.contains("acem-it")).expect("acem-it reported");
    at_col(acem, "content/acme.md", pos_of(&text, "acem-it"));
    at_col(one(&diags, "broken-link"), "content/acme.md", pos_of(&text, "plan.md"));

    // The human marker sits under the name.
    let human = s.run(&["check"]);
    let blocks: Vec<&str> = human.stderr.split("error[").filter(|b| b.contains("`acem-it`")).collect();
    assert_eq!(blocks.len(), 1, "{}", human.stderr);
    let block = blocks[0];
    let src = block.lines().find(|l| l.contains("informed: [")).expect("source line");
    let marker = block.lines().skip_while(|l| !l.contains("informed: [")).nth(1).expect("marker line");
    let src_chars: Vec<char> = src.chars().collect();
    let name_col = (0..src_chars.len()).find(|&i| src_chars[i..].iter().collect::<String>().starts_with("acem-it")).unwrap();
    assert_eq!(marker.chars().position(|c| c == '^'), Some(name_col), "marker under `acem-it`:\n{block}");
}

#[test]
fn unknown_theme_points_at_the_theme_key() {
    let cfg = format!("{CONFIG}theme: fancy\n");
    let s = Site::with_config_text(&cfg);
    s.file("content/acme.md", &acme_playbook("Acme", "Hi.\n"));
    let (run, diags) = check(&s);
    run.fails_with(1);
    let d = one(&diags, "unknown-theme");
    at(d, "demarcate.yaml", pos_of(&cfg, "theme: fancy").0);
}

/// Ids name the folders of the generated pages: an id that climbs out (`../..`), splits into
/// folders or holds a space is an error at its key, and the build writes nothing, inside the
/// output folder or out of it.
#[test]
fn an_id_that_cannot_name_a_folder_is_invalid_id_and_nothing_is_written() {
    let cfg = config_replacing(&[
        ("  soc-team: {", "  ../../../escaped: {name: Odd, party: northwind, contact: o@n.example}\n  soc-team: {"),
        ("  soc: {name: SOC Vendor", "  a/b: {name: Split, kind: vendor}\n  soc: {name: SOC Vendor"),
        ("  reporting: {name: Reporting}", "  reporting: {name: Reporting}\n  month end: {name: Month end}"),
    ]);
    let s = Site::with_config_text(&cfg);
    s.file("content/acme.md", &acme_playbook("Acme", "Hi.\n").replace("consulted: [eng]", "consulted: [eng, ../../../escaped]"));
    let (run, diags) = check(&s);
    run.fails_with(1);
    let found: Vec<(usize, &str)> = diags.iter().filter(|d| d.code == "invalid-id").map(|d| (d.line, d.message.as_str())).collect();
    assert_eq!(
        found,
        [
            (pos_of(&cfg, "a/b:").0, "party id `a/b` cannot name its page (/parties/a/b/): it has `/`"),
            (
                pos_of(&cfg, "../../../escaped:").0,
                "owner id `../../../escaped` cannot name its page (/owners/../../../escaped/): it starts with `.`"
            ),
            (pos_of(&cfg, "month end:").0, "workstream id `month end` cannot name its page (/workstreams/month end/): it has a space"),
        ],
        "{diags:#?}"
    );
    assert!(diags.iter().all(|d| d.code != "invalid-id" || d.file == "demarcate.yaml"));
    let build = s.run(&["build"]);
    build.fails_with(1);
    assert!(!s.path().join("site").exists(), "a failed build writes no site");
    assert!(!s.path().parent().expect("parent").join("escaped").exists() && !s.path().join("escaped").exists());
}

/// A slug with no letter or digit slugifies to nothing: reported at its value, and the page
/// keeps its file's name rather than an empty URL segment (`/clients//`) that could land on the
/// section's page.
#[test]
fn a_slug_with_no_letter_or_digit_is_invalid_id_and_the_page_keeps_its_name() {
    let text = acme_playbook("Acme", "Hi.\n").replacen("---\n", "---\nslug: \"!!!\"\n", 1);
    let s = Site::with_config();
    s.file("content/clients/acme.md", &text);
    s.file("content/clients/_index.md", "---\ntitle: Clients\n---\nAll of them.\n");
    let (run, diags) = check(&s);
    run.fails_with(1);
    let d = one(&diags, "invalid-id");
    at_col(d, "content/clients/acme.md", pos_of(&text, "!!!"));
    assert_eq!(d.message, "`slug: !!!` has no letter or digit to make a URL of");
    // invalid-id cannot be turned down, so the URL the page falls back to is seen in the
    // loaded model (what `serve` previews): its file's name.
    let Ok(site) = demarcate::site::Site::load(s.path(), &Default::default()) else { panic!("the site loads") };
    let page = site.pages.iter().find(|p| p.rel == "clients/acme.md").expect("page");
    assert_eq!(page.path, "clients/acme/");
}

/// A `base_url` that is neither an address with a host nor a path from the root would make every
/// URL of the build wrong (`/example.com/static/style.css`): an error at the value, the
/// audience's own included; on the command line, a usage error.
#[test]
fn a_base_url_without_a_scheme_is_reported_at_its_value() {
    let cfg = CONFIG.replace("base_url: https://fixture.example/", "base_url: fixture.example");
    let cfg = format!("{cfg}audiences:\n  client: {{base_url: 'https://'}}\n");
    let s = Site::with_config_text(&cfg);
    s.file("content/acme.md", &acme_playbook("Acme", "Hi.\n"));
    let (run, diags) = check(&s);
    run.fails_with(1);
    let d = one(&diags, "wrong-type");
    at_col(d, "demarcate.yaml", pos_of(&cfg, "fixture.example"));
    assert!(d.message.starts_with("`base_url: fixture.example` is not the address of a site: it needs a scheme"), "{}", d.message);
    let (client, diags) = s.check_json(&["--audience", "client"]);
    client.fails_with(1);
    let d = one(&diags, "wrong-type");
    at_col(d, "demarcate.yaml", pos_of(&cfg, "https://'"));
    assert!(d.message.ends_with("it has no host after the scheme"), "{}", d.message);

    let good = Site::with_config();
    good.file("content/acme.md", &acme_playbook("Acme", "Hi.\n"));
    let usage = good.run(&["build", "--base-url", "example.org"]);
    usage.fails_with(2);
    assert!(usage.stderr.contains("`example.org` is not the address of a site"), "{}", usage.stderr);
    assert!(!good.path().join("site").exists());
    good.run(&["build", "--base-url", "/docs/"]).ok();
    assert!(good.read("site/acme/index.html").contains("href=\"/docs/static/"));
}

#[test]
fn owner_alias_taken_by_another_owner_is_duplicate_alias() {
    let cfg = config_replacing(&[("eng: {name: Engineering,", "eng: {aliases: [desk], name: Engineering,")]);
    let s = Site::with_config_text(&cfg);
    s.file("content/acme.md", &acme_playbook("Acme", "Hi.\n"));
    let (run, diags) = check(&s);
    run.fails_with(1);
    let d = one(&diags, "duplicate-alias");
    assert_eq!(d.file, "demarcate.yaml");
}

#[test]
fn registry_in_config_and_in_its_own_file_is_duplicate_registry() {
    let s = Site::with_config();
    s.file("owners.yaml", "desk: {name: Desk, party: northwind, contact: d@x.example}\n");
    s.file("content/acme.md", &acme_playbook("Acme", "Hi.\n"));
    let (run, diags) = check(&s);
    run.fails_with(1);
    let d = one(&diags, "duplicate-registry");
    assert_eq!(d.file, "owners.yaml");
}

#[test]
fn registries_may_live_in_their_own_files() {
    let cfg = CONFIG.to_string();
    let start = cfg.find("owners:\n").unwrap();
    let end = cfg.find("workstreams:\n").unwrap();
    let owners: String = cfg[start + "owners:\n".len()..end].lines().map(|l| format!("{}\n", &l[2..])).collect();
    let s = Site::with_config_text(&format!("{}{}", &cfg[..start], &cfg[end..]));
    s.file("owners.yaml", &owners);
    s.file("content/acme.md", &acme_playbook("Acme", "Hi.\n"));
    let (run, diags) = check(&s);
    run.ok();
    assert!(diags.is_empty(), "{diags:?}");
}

#[test]
fn a_folder_without_config_is_no_config() {
    let s = Site::new();
    let (run, diags) = check(&s);
    run.fails_with(1);
    one(&diags, "no-config");
    assert!(one(&diags, "no-config").help.as_deref().unwrap_or("").contains("demarcate init"));
}

#[test]
fn a_site_without_content_folder_is_no_content() {
    let s = Site::with_config();
    let (run, diags) = check(&s);
    run.fails_with(1);
    one(&diags, "no-content");
    // With no pages at all, every owner is unused: that is the missing folder, said once, not a
    // warning per owner.
    let s = Site::with_config_text(&CONFIG.replace("  unused-owner: off\n", ""));
    let (run, diags) = check(&s);
    run.fails_with(1);
    let codes: Vec<&str> = diags.iter().map(|d| d.code.as_str()).collect();
    assert_eq!(codes, ["no-content"]);
}

#[test]
fn a_page_that_is_not_utf8_is_invalid_utf8() {
    let s = Site::with_config();
    s.file("content/acme.md", &acme_playbook("Acme", "Hi.\n"));
    std::fs::write(s.path().join("content/latin1.md"), b"---\ntitle: caf\xe9\n---\n").unwrap();
    let (run, diags) = check(&s);
    run.fails_with(1);
    let d = one(&diags, "invalid-utf8");
    assert_eq!(d.file, "content/latin1.md");
    // The first bad byte comes after the ten characters of `title: caf` on line 2.
    assert_eq!((d.line, d.column), (2, 11), "{d:?}");
}

#[test]
fn a_control_character_is_an_error_at_its_place_and_no_page_is_written() {
    // One written raw in the body (a vertical tab, as word processors paste a line break), one
    // by a YAML escape in the title, one by an escape in a handoff.
    let text = acme_playbook("\"Acme\\x00 desk\"", "Call the desk\u{b} first.\n")
        .replace("handoff: Desk hands to **Acme IT** for on-site work.", "handoff: \"Desk\\e hands to Acme IT.\"");
    let s = site_with_page("acme.md", &text);
    let (run, diags) = check(&s);
    run.fails_with(1);
    let found = with_code(&diags, "control-character");
    assert_eq!(found.len(), 3, "{diags:#?}");
    at_col(found[0], "content/acme.md", (2, 1));
    assert!(found[0].message.starts_with("`title` holds a control character (U+0000)"), "{found:#?}");
    at_col(found[1], "content/acme.md", pos_of(&text, "handoff"));
    assert!(found[1].message.starts_with("`workstreams.help-desk.handoff` holds a control character (U+001B)"), "{found:#?}");
    at_col(found[2], "content/acme.md", pos_of(&text, "\u{b}"));
    assert!(found[2].message.contains("(U+000B)"), "{found:#?}");
    // No `checks:` setting lets it through, so no page ever holds one.
    let s = Site::with_config_text(&CONFIG.replace("checks:\n", "checks:\n  control-character: warning\n"));
    s.file("content/acme.md", &text);
    let run = s.run(&["build"]);
    run.fails_with(1);
    assert!(!s.exists("site"), "a failed build wrote output");
    assert!(run.stderr.contains("error[control-character]"), "{}", run.stderr);
    // The terminal is shown the place, not the control: an escape (U+001B) would be obeyed.
    assert!(run.stderr.contains("Call the desk\u{fffd} first."), "{}", run.stderr);
    assert!(!run.stderr.contains(['\u{b}', '\u{1b}', '\0']), "{:?}", run.stderr);
}

#[test]
fn a_control_character_in_the_config_is_an_error_at_its_key() {
    let config = CONFIG.replace("title: Fixture", "title: \"Fixture\\a\"");
    let s = Site::with_config_text(&config);
    s.file("content/acme.md", &acme_playbook("Acme", "Hi.\n"));
    let (run, diags) = check(&s);
    run.fails_with(1);
    let d = one(&diags, "control-character");
    at_col(d, "demarcate.yaml", (1, 1));
    assert!(d.message.contains("(U+0007)"), "{d:?}");
}

#[test]
fn a_control_written_as_a_character_reference_is_shown_as_a_replacement_character() {
    let s = site_with_page("acme.md", &acme_playbook("Acme", "Bell &#7; and next line &#x85; here.\n"));
    s.run(&["build"]).ok();
    let html = s.read("site/acme/index.html");
    assert!(html.contains("Bell \u{fffd} and next line \u{fffd} here."), "{html}");
    assert!(!html.contains(['\u{7}', '\u{85}']));
}

#[cfg(unix)]
#[test]
fn an_unreadable_page_is_an_io_error_naming_it() {
    use std::os::unix::fs::PermissionsExt;
    let s = Site::with_config();
    s.file("content/acme.md", &acme_playbook("Acme", "Hi.\n"));
    // A directory named like a page cannot be read as a file.
    std::fs::create_dir_all(s.path().join("content/locked")).unwrap();
    s.file("content/locked/page.md", "# Locked\n");
    std::fs::set_permissions(s.path().join("content/locked/page.md"), std::fs::Permissions::from_mode(0o000)).unwrap();
    if std::fs::read(s.path().join("content/locked/page.md")).is_ok() {
        // Running as root: permissions do not stop reads; use a dangling symlink instead.
        std::fs::remove_file(s.path().join("content/locked/page.md")).unwrap();
        std::os::unix::fs::symlink("/nonexistent/target.md", s.path().join("content/locked/page.md")).unwrap();
    }
    let (run, diags) = check(&s);
    run.fails_with(1);
    assert!(diags.iter().any(|d| d.code == "io" && d.file == "content/locked/page.md"), "{diags:?}");
}

#[cfg(unix)]
#[test]
fn a_named_pipe_or_socket_under_content_is_skipped_with_a_warning_naming_it() {
    let s = Site::with_config();
    s.file("content/acme.md", &acme_playbook("Acme", "Hi.\n"));
    // A pipe named like a page: reading it would wait forever for a writer.
    let pipe = std::ffi::CString::new(s.path().join("content/pipe.md").into_os_string().into_encoded_bytes()).unwrap();
    // SAFETY: a valid NUL-terminated path.
    assert_eq!(unsafe { libc::mkfifo(pipe.as_ptr(), 0o644) }, 0, "mkfifo");
    let _socket = std::os::unix::net::UnixListener::bind(s.path().join("content/live.sock")).unwrap();
    let (run, diags) = check(&s);
    run.ok();
    let skipped = with_code(&diags, "special-file");
    let files: Vec<&str> = skipped.iter().map(|d| d.file.as_str()).collect();
    assert_eq!(files, ["content/live.sock", "content/pipe.md"], "{diags:#?}");
    assert!(skipped[0].message.contains("a socket") && skipped[1].message.contains("a named pipe"), "{skipped:#?}");
    assert!(skipped.iter().all(|d| d.severity == "warning"), "{skipped:#?}");
    // The human report shows each file's lines: it must not open the pipe, which would wait
    // forever for a writer.
    let limit = std::time::Duration::from_secs(60);
    let human = run_with_timeout(s.path(), &["check"], limit).expect("check with a pipe under content/ finished");
    human.ok();
    assert!(human.stderr.contains("special-file") && human.stderr.contains("content/pipe.md"), "{}", human.stderr);
    let build = run_with_timeout(s.path(), &["build"], limit).expect("build with a pipe under content/ finished");
    build.ok();
    assert!(build.stdout.contains("(2 warnings)"), "{}", build.stdout);
    assert!(s.path().join("site/acme/index.html").is_file(), "the playbook beside them is built");
    assert!(!s.path().join("site/pipe/index.html").exists() && !s.path().join("site/live.sock").exists(), "neither is built or copied");
    std::fs::remove_file(s.path().join("content/live.sock")).unwrap();
    let again = run_with_timeout(s.path(), &["build", "--no-cache"], limit).expect("build finished");
    again.ok();
    assert!(again.stdout.contains("(1 warning)"), "{}", again.stdout);
}

#[test]
fn unknown_filter_in_a_template_points_at_the_template_line() {
    let s = Site::with_config();
    s.file("content/acme.md", &acme_playbook("Acme", "Hi.\n"));
    s.file("templates/page.html", "{% extends \"base.html\" %}\n{% block content %}{{ page.title | nosuch }}{% endblock content %}\n");
    let (run, diags) = check(&s);
    run.fails_with(1);
    let d = one(&diags, "template-error");
    at(d, "templates/page.html", 2);
    assert!(d.message.contains("nosuch"), "{}", d.message);
    assert!(!d.message.contains("-->"), "the message should not repeat tera's report: {}", d.message);
}

/// Past ten diagnostics, the human output ends with how many there are of each code, most first;
/// a short list has no such line.
#[test]
fn a_long_list_of_diagnostics_ends_with_a_count_by_code() {
    let s = Site::with_config();
    let links: String = (0..12).map(|i| format!("See [gone {i}](gone-{i}.md).\n\n")).collect();
    s.file("content/acme.md", &acme_playbook("Acme", &links));
    s.file("content/typo.md", "---\ntitle: Typo\ntitel: x\n---\nBody.\n");
    let r = s.run(&["check"]);
    r.fails_with(1);
    let last = r.stderr.lines().last().unwrap_or_default();
    assert_eq!(last, "by code: 12 broken-link, 1 unknown-key", "{}", r.stderr);
    let r = s.run(&["build"]);
    r.fails_with(1);
    assert!(r.stderr.ends_with("by code: 12 broken-link, 1 unknown-key\n"), "{}", r.stderr);

    s.file("content/acme.md", &acme_playbook("Acme", "Fine.\n"));
    let r = s.run(&["check"]);
    r.fails_with(1);
    assert!(!r.stderr.contains("by code:"), "{}", r.stderr);
}

/// `build` shows at most fifty diagnostics in full, errors before warnings, then says how many
/// it left out and counts them all by code; `check` still lists every one.
#[test]
fn a_build_shows_fifty_diagnostics_errors_first_and_check_lists_them_all() {
    let s = Site::with_config();
    for i in 0..55 {
        let text = acme_playbook_replacing(
            "Body.\n",
            &[("title: Acme", &format!("title: Acme {i}")), ("model: co-managed\n", "model: co-managed\nupdated: 2999-01-01\n")],
        );
        s.file(&format!("content/acme-{i:02}.md"), &text);
    }
    let shown = |stderr: &str, what: &str| stderr.lines().filter(|l| l.starts_with(what)).count();
    let r = s.run(&["build"]);
    r.ok();
    assert_eq!(shown(&r.stderr, "warning[future-update]"), 50, "{}", r.stderr);
    assert!(r.stderr.contains("\n5 more not shown here; `demarcate check` lists every one\nby code: 55 future-update\n"), "{}", r.stderr);
    assert!(r.stdout.contains("(55 warnings)"), "{}", r.stdout);
    let r = s.run(&["check"]);
    r.ok();
    assert_eq!(shown(&r.stderr, "warning[future-update]"), 55, "{}", r.stderr);
    assert!(!r.stderr.contains("not shown"), "{}", r.stderr);

    // The errors sort last by file, yet none of them is the one left out.
    s.file("content/zz.md", &acme_playbook("Broken", "See [a](gone-a.md), [b](gone-b.md) and [c](gone-c.md).\n"));
    let r = s.run(&["build"]);
    r.fails_with(1);
    assert_eq!(shown(&r.stderr, "error[broken-link]"), 3, "{}", r.stderr);
    assert_eq!(shown(&r.stderr, "warning[future-update]"), 47, "{}", r.stderr);
    assert!(r.stderr.contains("\n8 more not shown here; `demarcate check` lists every one\n"), "{}", r.stderr);
    assert!(r.stderr.ends_with("by code: 55 future-update, 3 broken-link\n"), "{}", r.stderr);
    let r = s.run(&["build", "--quiet"]);
    r.fails_with(1);
    assert_eq!(shown(&r.stderr, "error[broken-link]"), 3, "{}", r.stderr);
    assert!(!r.stderr.contains("warning[") && !r.stderr.contains("not shown"), "{}", r.stderr);
}

/// A file that cannot be shown (missing, or not UTF-8 text) is named with its position, not
/// drawn as an empty excerpt.
#[test]
fn a_file_that_cannot_be_shown_is_named_without_an_empty_excerpt() {
    let s = Site::new();
    let r = s.run(&["build"]);
    r.fails_with(1);
    assert!(r.stderr.contains("= at demarcate.yaml\n") && !r.stderr.contains("-->"), "{}", r.stderr);

    let s = Site::with_config();
    s.file("content/acme.md", &acme_playbook("Acme", "Hi.\n"));
    std::fs::write(s.path().join("content/latin1.md"), b"---\ntitle: caf\xe9\n---\n").unwrap();
    let r = s.run(&["check"]);
    r.fails_with(1);
    assert!(r.stderr.contains("= at content/latin1.md:2:11\n") && !r.stderr.contains("-->"), "{}", r.stderr);
}
