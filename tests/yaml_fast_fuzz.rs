//! Adversarial probes for `yaml_fast`, the fast front-matter reader. Its contract: whenever
//! `yaml_fast::from_str::<FrontMatter>(y)` returns `Some(v)`, `serde_yaml::from_str` must return
//! `Ok` with the same `Debug` output; and it never panics. Declining (`None`) is always allowed.
//!
//! Hand-written tricky cases come first, grouped so that each group fails on its own; then a small
//! deterministic grammar-based generator (own xorshift RNG, no dependencies) builds thousands of
//! random front-matters, with random mutations (inserted indicators, re-indented lines, …).

use std::fmt::Write as _;
use std::panic::{AssertUnwindSafe, catch_unwind};

use demarcate::content::{FRONT_MATTER_KEYS, FrontMatter};

mod common;
use common::Rng;

// ------------------------------------------------------------------------------------------------
// The oracle
// ------------------------------------------------------------------------------------------------

enum Outcome {
    /// The fast path returned `None` (always allowed).
    Declined,
    /// The fast path returned `Some` and serde_yaml agrees.
    Agreed,
    /// The contract is broken; the text says how.
    Broken(String),
}

fn check(yaml: &str) -> Outcome {
    let fast = match catch_unwind(AssertUnwindSafe(|| demarcate::yaml_fast::from_str::<FrontMatter>(yaml).map(|v| format!("{v:?}")))) {
        Ok(f) => f,
        Err(_) => return Outcome::Broken("yaml_fast::from_str panicked".into()),
    };
    let Some(fast) = fast else { return Outcome::Declined };
    let slow = match catch_unwind(AssertUnwindSafe(|| serde_yaml::from_str::<FrontMatter>(yaml))) {
        Ok(s) => s,
        Err(_) => return Outcome::Broken(format!("fast returned Some but serde_yaml panicked\n  fast: {}", clip(&fast))),
    };
    match slow {
        Err(e) => Outcome::Broken(format!(
            "fast returned Some but serde_yaml errs\n  fast: {}\n  serde_yaml: Err({})",
            clip(&fast),
            clip(&e.to_string())
        )),
        Ok(v) => {
            let slow = format!("{v:?}");
            if slow == fast {
                Outcome::Agreed
            } else {
                Outcome::Broken(format!(
                    "Debug output differs\n  fast:       {}\n  serde_yaml: {}",
                    diff_window(&fast, &slow),
                    diff_window(&slow, &fast)
                ))
            }
        }
    }
}

fn clip(s: &str) -> String {
    if s.chars().count() <= 400 { s.to_string() } else { format!("{}…", s.chars().take(400).collect::<String>()) }
}

/// The part of `a` around its first difference from `b`.
fn diff_window(a: &str, b: &str) -> String {
    let at = a.char_indices().zip(b.chars()).find(|((_, x), y)| x != y).map(|((i, _), _)| i).unwrap_or(a.len().min(b.len()));
    let start = a[..at].char_indices().rev().nth(60).map(|(i, _)| i).unwrap_or(0);
    let tail: String = a[start..].chars().take(160).collect();
    format!("…{tail}…")
}

fn show(yaml: &str) -> String {
    if yaml.chars().count() > 300 {
        format!("{:?}… ({} bytes)", yaml.chars().take(300).collect::<String>(), yaml.len())
    } else {
        format!("{yaml:?}")
    }
}

/// Checks every case; panics listing every broken one. Returns how many took the fast path.
fn check_all<S: AsRef<str>>(group: &str, cases: &[S]) -> usize {
    let mut report = String::new();
    let mut broken = 0;
    let mut fast = 0;
    for case in cases {
        let y = case.as_ref();
        match check(y) {
            Outcome::Declined => {}
            Outcome::Agreed => fast += 1,
            Outcome::Broken(why) => {
                broken += 1;
                let _ = writeln!(report, "--- {}\n  {why}", show(y));
            }
        }
    }
    assert!(broken == 0, "{group}: {broken} of {} cases break the yaml_fast contract:\n{report}", cases.len());
    fast
}

// ------------------------------------------------------------------------------------------------
// Hand-written cases that must agree (or be declined)
// ------------------------------------------------------------------------------------------------

const PLAIN_SCALARS: &[&str] = &[
    "title: a: b\n",
    "title: a:b\n",
    "title: a:\n",
    "title: a :\n",
    "title: a:  # c\n",
    "title: a #b\n",
    "title: a#b\n",
    "title: a #\n",
    "title: a  #  b # c\n",
    "title: #c\n",
    "title:  #c\n",
    "title:#c\n",
    "title: - x\n",
    "title: -x\n",
    "title: -\n",
    "title: ?x\n",
    "title: ? x\n",
    "title: ?\n",
    "title: :x\n",
    "title: %x\n",
    "title: 100%\n",
    "title: @x\n",
    "title: a@b\n",
    "title: `x\n",
    "title: a`b\n",
    "title: |x\n",
    "title: a|b\n",
    "title: >x\n",
    "title: a > b\n",
    "title: !x\n",
    "title: a !b\n",
    "title: &x\n",
    "title: a &b *c\n",
    "title: *x\n",
    "title: ,x\n",
    "title: a, b\n",
    "title: a [b] {c}\n",
    "title: a]\n",
    "title: a}\n",
    "title: [a\n",
    "title: {a\n",
    "title: a'b\n",
    "title: a\"b\n",
    "title: a\\nb\n",
    "title: C:\\path\\x\n",
    "title: http://x.y/z#frag\n",
    "title: http://x.y/z #frag\n",
    "title: a   b\n",
    "title:    spaced out   \n",
    "title: ...\n",
    "title: ---\n",
    "title: --- x\n",
    "title: a - b\n",
    "title: a -- b\n",
    "title: a ? b\n",
    "title: a : b\n",
    "title: a ,b\n",
    "title: é日本🙂\n",
    "title: \u{a0}nbsp\u{a0}\n",
    "title: a\u{feff}b\n",
    "title: zero\u{200b}width\n",
    "title: <<\n",
    "title: =\n",
    "title: 12:30\n",
    "title: 2024-01-01\n",
    "title: 2024-01-01T10:00:00Z\n",
    "title: 0x1F\n",
    "title: 0o17\n",
    "title: 1e3\n",
    "title: +1\n",
    "title: .5\n",
    "title: .inf\n",
    "title: -.inf\n",
    "title: .nan\n",
    "title: nan\n",
    "title: inf\n",
    "title: infinity\n",
    "title: 007\n",
    "title: 1_000\n",
    "title: yes\n",
    "title: no\n",
    "title: on\n",
    "title: off\n",
    "title: y\n",
    "title: True\n",
    "title: tRUE\n",
    "title: ~\n",
    "title: ~x\n",
    "title: null\n",
    "title: Null\n",
    "title: NULL\n",
    "title: nULL\n",
    "title: none\n",
    "title:\n",
    "title: \n",
    "summary: a\nsummary: b\n",
    "titel: x\n",
    "Title: x\n",
    "title : x\n",
    "title  :  x\n",
    "title:x\n",
    "title:: x\n",
    "title: x\n\n\n",
    "title: x",
    "title: x\r\n",
    "title: x\r\nsummary: y\r\n",
    "title: x\r",
    "title: x   \r\n",
    "\ntitle: x\n",
    "# only a comment\n",
    "#\n#\n",
    "",
    "\n\n",
    "   \n",
    "title: x\n# trailing\n",
    "title: x\n  # indented comment\nsummary: y\n",
    "title: x\n    # deeply indented comment\n",
    "# c\ntitle: x\n",
    "title: x\n...\n",
    "title: x\n---\n",
    "---\ntitle: x\n",
    "%YAML 1.2\n---\ntitle: x\n",
    " title: x\n",
    "title: x\n summary: y\n",
    "title: x\n  y\n",
    "title: x\ny\n",
    "title: x\n- y\n",
    "title: x\n\tsummary: y\n",
    "title:\tx\n",
    "title: x\t\n",
    "title: x\t# c\n",
    "title: x #\tc\n",
    "title: x\u{a0}#c\n",
]; // the last few hold tabs and odd separators

const QUOTED_SCALARS: &[&str] = &[
    "title: \"\"\n",
    "title: ''\n",
    "title: \"a\"\n",
    "title: \"a\" # c\n",
    "title: \"a\"# c\n",
    "title: \"a\"#c\n",
    "title: \"a\" b\n",
    "title: \"a\"b\n",
    "title: \"a\":\n",
    "title: \"a\": b\n",
    "title: \"a\" \"b\"\n",
    "title: \"a\n",
    "title: \"a\\\"\n",
    "title: \"a\\\\\"\n",
    "title: \"a\\\\\\\"b\"\n",
    "title: \"a # b\"\n",
    "title: \"a: b\"\n",
    "title: \"[a, b]\"\n",
    "title: \"'\"\n",
    "title: \"\\n\\t\\r\\\\\\\"\\/\\ \\0\"\n",
    "title: \"\\x41\\x7f\\x80\\xff\\xe9\"\n",
    "title: \"\\xC3\\xA9\"\n",
    "title: \"\\x00\"\n",
    "title: \"\\u0000\"\n",
    "title: \"\\u263A\\u00e9\\uFEFF\\uFFFE\\uFFFF\"\n",
    "title: \"\\U0001F600\\U0010FFFF\"\n",
    "title: \"\\U00110000\"\n",
    "title: \"\\uD800\"\n",
    "title: \"\\uDFFF\"\n",
    "title: \"\\uD83D\\uDE00\"\n",
    "title: \"\\x4\"\n",
    "title: \"\\x4g\"\n",
    "title: \"\\x+1\"\n",
    "title: \"\\u+123\"\n",
    "title: \"\\u12\"\n",
    "title: \"\\U0001F60\"\n",
    "title: \"\\xé\"\n",
    "title: \"\\u00é1\"\n",
    "title: \"\\\"\n",
    "title: \"\\\n",
    "title: \"a\\\n  b\"\n",
    "title: \"\\a\\b\\e\\f\\v\"\n",
    "title: \"\\N\\_\\L\\P\"\n",
    "title: \"\\'\"\n",
    "title: \"\\q\"\n",
    "title: \"\\é\"\n",
    "title: \"é\\u00e9\"\n",
    "title: \"a\" \n",
    "title: \"a\"   # c  \n",
    "title: 'a'\n",
    "title: 'a''b'\n",
    "title: ''''\n",
    "title: ''''''\n",
    "title: 'a'''\n",
    "title: '''a'\n",
    "title: 'a'b\n",
    "title: 'a' 'b'\n",
    "title: 'a'#c\n",
    "title: 'a' # c\n",
    "title: 'a\n",
    "title: 'a''\n",
    "title: 'a\\'\n",
    "title: 'a\\nb'\n",
    "title: 'a\"b'\n",
    "title: 'a # b: c'\n",
    "title: 'null'\n",
    "title: \"null\"\n",
    "title: '~'\n",
    "title: '123'\n",
    "title: \"true\"\n",
    "title: 'é日本'\n",
    "draft: 'true'\n",
    "draft: \"false\"\n",
    "weight: '1'\n",
    "weight: \"2.5\"\n",
    "audience: \"client\"\n",
    "audience: 'internal'\n",
    "audience: ''\n",
    "audience: \"\"\n",
    "audience: \"Client\"\n",
    "tags: \"a, b\"\n",
    "tags: ''\n",
    "tags: \"~\"\n",
    "tags: '1'\n",
    "workstreams:\n  help-desk: \"acme\"\n",
    "workstreams:\n  help-desk: ''\n",
    "workstreams:\n  help-desk: \"1\"\n",
    "workstreams:\n  help-desk: 'null'\n",
];

const FLOW_SEQUENCES: &[&str] = &[
    "tags: []\n",
    "tags: [ ]\n",
    "tags: [   ]\n",
    "tags: []#c\n",
    "tags: [] # c\n",
    "tags: [a]\n",
    "tags: [a]#c\n",
    "tags: [a] # c\n",
    "tags: [a] b\n",
    "tags: [a]b\n",
    "tags: [a]]\n",
    "tags: [a] ]\n",
    "tags: [a]:\n",
    "tags: [a]: b\n",
    "tags: [a,b]\n",
    "tags: [a , b]\n",
    "tags: [ a , b ]\n",
    "tags: [a  b,   c  d]\n",
    "tags: [a,]\n",
    "tags: [a, ]\n",
    "tags: [a,,b]\n",
    "tags: [,a]\n",
    "tags: [,]\n",
    "tags: [a\n",
    "tags: [a,\n  b]\n",
    "tags: [[a]]\n",
    "tags: [a, [b]]\n",
    "tags: [a, {b: c}]\n",
    "tags: [{a: b}]\n",
    "tags: [a: b]\n",
    "tags: [a:b]\n",
    "tags: [\"a\": b]\n",
    "tags: [\"a\":b]\n",
    "tags: ['a': b]\n",
    "tags: [? a]\n",
    "tags: [?a]\n",
    "tags: [a?]\n",
    "tags: [-a]\n",
    "tags: [- a]\n",
    "tags: [a-b]\n",
    "tags: [a #b]\n",
    "tags: [a#b]\n",
    "tags: [a, #b\n",
    "tags: [a] #, b]\n",
    "tags: [a\"b]\n",
    "tags: [a'b]\n",
    "tags: [a\\b]\n",
    "tags: [a!b, c&d, e*f, g|h, i>j, k%l, m@n, o`p]\n",
    "tags: [!a]\n",
    "tags: [&a]\n",
    "tags: [*a]\n",
    "tags: [|]\n",
    "tags: [>]\n",
    "tags: [%a]\n",
    "tags: [@a]\n",
    "tags: [`a]\n",
    "tags: [a}]\n",
    "tags: [a{]\n",
    "tags: [\"a, b\", 'c]', \"d]e\", 'f,g']\n",
    "tags: [\"a\" , 'b' ]\n",
    "tags: [\"a\"b]\n",
    "tags: [\"a\" b]\n",
    "tags: [\"a\"\"b\"]\n",
    "tags: ['a''b']\n",
    "tags: ['a'', b']\n",
    "tags: [\"\\\"]\"]\n",
    "tags: [\"\\u00e9\", '\\u00e9']\n",
    "tags: [\"\"]\n",
    "tags: ['']\n",
    "tags: [\"\", '']\n",
    "tags: [~]\n",
    "tags: [null, Null, NULL, ~]\n",
    "tags: [true, False, yes]\n",
    "tags: [1, -2, 3.5, 0x1F, .inf, 1e3, 007]\n",
    "tags: [+1]\n",
    "tags: [.5]\n",
    "tags: [é, 日本]\n",
    "tags: [a b c, d]\n",
    "tags: [...]\n",
    "tags: [---]\n",
    "tags: [a ]\n",
    "tags: [ a]\n",
    "tags: [a\u{a0}]\n",
    "compliance: [SOC 2, HIPAA]\n",
    "tags: [a]\n  - b\n",
    "tags: [a]\n  b: c\n",
    "title: [a]\n",
    "title: []\n",
    "workstreams: []\n",
    "workstreams:\n  help-desk: [a]\n",
    "workstreams:\n  help-desk:\n    responsible: [a, \"b\", 'c']\n    consulted: []\n    informed: [x]\n",
    "faq: []\n",
    "faq: [a]\n",
    "sources: []\n",
    "extra:\n  a: []\n  b: [x, 'y', \"z\"]\n  c: [~, null]\n",
    "extra:\n  a: [1]\n",
    "extra:\n  a: [true]\n",
];

const BLOCK_STRUCTURE: &[&str] = &[
    "tags:\n- a\n- b\n",
    "tags:\n  - a\n  - b\n",
    "tags:\n    - a\n    - b\n",
    "tags:\n- a\n  - b\n",
    "tags:\n  - a\n - b\n",
    "tags:\n  - a\n- b\n",
    "tags:\n- a\n- b\ntitle: x\n",
    "tags:\n  - a\ntitle: x\n",
    "tags:\n-   a\n-  b\n",
    "tags:\n-\ta\n",
    "tags:\n-a\n",
    "tags:\n-\n",
    "tags:\n- \n",
    "tags:\n-\n  a\n",
    "tags:\n- # c\n",
    "tags:\n- a # c\n- b\n",
    "tags:\n- a\n# c\n- b\n",
    "tags:\n- a\n  # c\n- b\n",
    "tags:\n- a\n\n- b\n",
    "tags:\n- a\n  b\n",
    "tags:\n- - a\n",
    "tags:\n- [a]\n",
    "tags:\n- a: b\n",
    "tags:\n- 'a'\n- \"b\"\n",
    "tags:\n- ~\n",
    "tags:\n- null\n",
    "tags:\n- 1\n",
    "tags:\n- true\n",
    "tags:\n- - \n",
    "tags:\n  a\n",
    "tags:\n  [a]\n",
    "tags:\n  'a'\n",
    "tags: # c\n- a\n",
    "tags: # c\n  - a\n",
    "tags:\n",
    "tags: ~\n",
    "tags: null\n",
    "tags: x\n",
    "tags: x y\n",
    "tags: 1\n",
    "tags: true\n",
    "tags: a: b\n",
    "workstreams:\n  help-desk:\n    accountable: a\n    responsible:\n    - b\n    - c\n    consulted:\n      - d\n    escalation: [e]\n    coverage: business-hours\n    after_hours: f\n    handoff: 'g'\n    internal_notes: \"h\"\n",
    "workstreams:\n  a: x\n  b:\n  c: ~\n  d:\n    accountable: y\n",
    "workstreams:\n  a: x\n  a: y\n",
    "workstreams:\n  a: x\n  a:\n    accountable: y\n",
    "workstreams:\n  a:\n    accountable: x\n    accountable: y\n",
    "workstreams:\n  a:\n    bogus: x\n",
    "workstreams:\n  a:\n   accountable: x\n",
    "workstreams:\n a:\n  accountable: x\n",
    "workstreams:\n        a: x\n        b: y\n",
    "workstreams:\n  a: x\n   b: y\n",
    "workstreams:\n   a: x\n  b: y\n",
    "workstreams:\n  a:\n    accountable: x\n  responsible: y\n",
    "workstreams:\n  a:\n    accountable: x\n      responsible: y\n",
    "workstreams:\n  a:\n  - x\n",
    "workstreams:\n  a:\n    - x\n",
    "workstreams:\n- a\n",
    "workstreams:\n  null: x\n",
    "workstreams:\n  ~: x\n",
    "workstreams:\n  1: x\n",
    "workstreams:\n  true: x\n",
    "workstreams:\n  a b: x\n",
    "workstreams:\n  a-b: x\n",
    "workstreams:\n  é: x\n",
    "workstreams:\n  a!: x\n",
    "workstreams:\n  a&b: x\n",
    "workstreams:\n  a*b: x\n",
    "workstreams:\n  a?: x\n",
    "workstreams:\n  a%: x\n",
    "workstreams:\n  a@b: x\n",
    "workstreams:\n  a`b: x\n",
    "workstreams:\n  a|b: x\n",
    "workstreams:\n  a>b: x\n",
    "workstreams:\n  a-: x\n",
    "workstreams:\n  a.b: x\n",
    "workstreams:\n  <<: x\n",
    "workstreams:\n  =: x\n",
    "workstreams:\n  a\u{a0}: x\n",
    "workstreams:\n  \u{a0}a: x\n",
    "workstreams:\n  a #b: x\n",
    "workstreams:\n  a#b: x\n",
    "workstreams:\n  ? a\n  : x\n",
    "workstreams:\n  \"a\": x\n",
    "workstreams:\n  'a': x\n",
    "workstreams:\n  [a]: x\n",
    "workstreams:\n  a: x\n  # c\n  b: y\n",
    "workstreams:\n  a: x\n# c\n  b: y\n",
    "workstreams:\n\n  a: x\n\n  b: y\n\n",
    "workstreams:\n  a:\n    coverage: 24x7\n  b:\n    coverage: extended-hours\n  c:\n    coverage: \"business-hours\"\n",
    "workstreams:\n  a:\n    coverage: 24X7\n",
    "workstreams:\n  a:\n    coverage: ~\n",
    "workstreams:\n  a:\n    coverage:\n",
    "workstreams:\n  a:\n    coverage: ''\n",
    "workstreams:\n  a:\n    coverage: [24x7]\n",
    "workstreams:\n  a:\n    coverage: 24x7 # c\n",
    "workstreams:\n  a:\n    coverage: BusinessHours\n",
    "workstreams:\n  a:\n    coverage: business_hours\n",
    "workstreams:\n  a:\n    accountable: 1\n",
    "workstreams:\n  a:\n    accountable: [1, true]\n",
    "workstreams:\n  a:\n    accountable: ~\n",
    "workstreams:\n  a:\n    accountable: ''\n",
    "workstreams:\n  a:\n    handoff: 18:00\n",
    "workstreams:\n  a:\n    handoff: 1800\n",
    "workstreams:\n  a:\n    handoff: [x]\n",
    "workstreams: ~\n",
    "workstreams:\n",
    "workstreams: x\n",
    "faq:\n- q: a\n  a: b\n",
    "faq:\n  - q: a\n    a: b\n  - q: c\n",
    "faq:\n-   q: a\n    a: b\n",
    "faq:\n-   q: a\n  a: b\n",
    "faq:\n-  q: a\n   a: b\n",
    "faq:\n- q: a\n   a: b\n",
    "faq:\n- q: a\n a: b\n",
    "faq:\n- q: a\n\n  a: b\n",
    "faq:\n- q: a\n  # c\n  a: b\n",
    "faq:\n- q: a\n  tags:\n  - x\n  - y\n  a: b\n",
    "faq:\n- q: a\n  tags:\n    - x\n  a: b\n",
    "faq:\n- q: a\n  tags:\n  - x\n- q: b\n",
    "faq:\n- q:\n- a\n",
    "faq:\n- q:\n  - a\n",
    "faq:\n- q:\n    a\n",
    "faq:\n- q: a\n  workstreams: [x]\n  audience: internal\n  id: i\n",
    "faq:\n- q: a\n  audience: everyone\n",
    "faq:\n- q: a\n  audience: ~\n",
    "faq:\n- q: a\n  audience:\n",
    "faq:\n- q: a\n  bogus: b\n",
    "faq:\n- q: a\n  q: b\n",
    "faq:\n- q: 1\n  a: true\n",
    "faq:\n- q: 'x: y'\n  a: \"z # w\"\n",
    "faq:\n- a\n",
    "faq:\n- ~\n",
    "faq:\n-\n  q: a\n",
    "faq:\n- - q: a\n",
    "faq:\n- q: a\n- q: b\n  a: c\n-   q: d\n",
    "faq:\n- q: a\n  - b\n",
    "faq:\n- q: a\nsources:\n- title: t\n  url: u\n",
    "faq:\n",
    "faq: ~\n",
    "sources:\n- title: t\n  url: https://example.com/a#b\n",
    "sources:\n- title: t\n  url: https://example.com/a #b\n",
    "sources:\n- url: http://x:80/\n",
    "sources:\n- url: http://x: 80/\n",
    "sources:\n  - title: t\n  url: u\n",
    "sources:\n- title:\n  url:\n",
    "sources:\n- {title: t}\n",
    "title: x\nfaq:\n- q: a\ntags:\n- b\n",
    "extra:\n  a: x\n",
    "extra:\n  a:\n    b: c\n    d:\n    - e\n    - f: g\n      h: i\n",
    "extra:\n  a:\n  - x\n  - y\n",
    "extra:\n  a:\n  - b: c\n  - d\n",
    "extra:\n  a: x\n  a: y\n",
    "extra:\n  a:\n    b: x\n    b: y\n",
    "extra:\n  a:\n    ~: x\n    null: y\n",
    "extra:\n  a:\n    ~: x\n",
    "extra:\n  a:\n    null: x\n",
    "extra:\n  ~: x\n",
    "extra:\n  null: x\n",
    "extra:\n  a:\n    1: x\n",
    "extra:\n  a:\n    true: x\n",
    "extra:\n  a: 1\n",
    "extra:\n  a: -1\n",
    "extra:\n  a: true\n",
    "extra:\n  a: ~\n",
    "extra:\n  a:\n",
    "extra:\n  a: ''\n",
    "extra:\n  a: .5\n",
    "extra:\n  a: nan\n",
    "extra:\n  a: inf\n",
    "extra:\n  a: yes\n",
    "extra:\n  a: x y z\n",
    "extra:\n  a: é\n",
    "extra:\n  <<: x\n",
    "extra:\n  a:\n    <<: x\n",
    "extra:\n- a\n",
    "extra: ~\n",
    "extra:\n",
    "extra: x\n",
    "extra:\n  a:\n    b:\n      c:\n        d:\n          e: deep\n",
    "draft: true\n",
    "draft: True\n",
    "draft: TRUE\n",
    "draft: false\n",
    "draft: tRUE\n",
    "draft: yes\n",
    "draft: 1\n",
    "draft: ~\n",
    "draft:\n",
    "draft: true # c\n",
    "weight: 0\n",
    "weight: -0\n",
    "weight: 0.0\n",
    "weight: -0.0\n",
    "weight: 1\n",
    "weight: 1.\n",
    "weight: .5\n",
    "weight: 1.50\n",
    "weight: 00\n",
    "weight: 01\n",
    "weight: 0.01\n",
    "weight: 123456789012345\n",
    "weight: 1234567890123456\n",
    "weight: 12345678901234567890\n",
    "weight: 0.1000000000001\n",
    "weight: 9007199254740993\n",
    "weight: -12345678901234\n",
    "weight: +1\n",
    "weight: --1\n",
    "weight: 1e3\n",
    "weight: 1_0\n",
    "weight: ~\n",
    "weight:\n",
    "weight: 3 # c\n",
    "weight: [1]\n",
    "audience: client\n",
    "audience: internal\n",
    "audience: Client\n",
    "audience: everyone\n",
    "audience: ~\n",
    "audience:\n",
    "audience: client # c\n",
    "audience: [client]\n",
    "audience:\n  client: x\n",
    "title: x\ntitle: y\n",
    "title: x\nextra:\n  a: b\nextra:\n  c: d\n",
];

#[test]
fn plain_scalars_agree_with_serde_yaml() {
    let fast = check_all("plain scalars", PLAIN_SCALARS);
    // Not vacuous: many of these are inside the fast subset.
    assert!(fast >= 55, "only {fast} of the plain scalars cases took the fast path");
}

#[test]
fn quoted_scalars_agree_with_serde_yaml() {
    let fast = check_all("quoted scalars", QUOTED_SCALARS);
    // Not vacuous: many of these are inside the fast subset.
    assert!(fast >= 35, "only {fast} of the quoted scalars cases took the fast path");
}

#[test]
fn flow_sequences_agree_with_serde_yaml() {
    let fast = check_all("flow sequences", FLOW_SEQUENCES);
    // Not vacuous: many of these are inside the fast subset.
    assert!(fast >= 30, "only {fast} of the flow sequences cases took the fast path");
}

#[test]
fn block_structure_agrees_with_serde_yaml() {
    let fast = check_all("block structure", BLOCK_STRUCTURE);
    // Not vacuous: many of these are inside the fast subset.
    assert!(fast >= 85, "only {fast} of the block structure cases took the fast path");
}

#[test]
fn long_lines_and_big_documents_agree() {
    let long_value = "word ".repeat(20_000);
    let long_quoted = "é\\u00e9''".repeat(5_000);
    let mut many_keys = String::from("workstreams:\n");
    for i in 0..3_000 {
        let _ = writeln!(many_keys, "  ws-{i}: owner-{i}");
    }
    let mut many_tags = String::from("tags: [");
    for i in 0..5_000 {
        let _ = write!(many_tags, "t{i}, ");
    }
    many_tags.push_str("end]\n");
    let cases = vec![
        format!("title: {long_value}\n"),
        format!("title: '{long_quoted}'\n"),
        format!("title: \"{}\"\n", "\\u263A".repeat(10_000)),
        many_keys,
        many_tags,
        // Implicit keys up to libyaml's 1024-byte limit are fine.
        format!("extra:\n  {}: x\n", "k".repeat(1000)),
        format!("extra:\n  {}: x\n", "k".repeat(1024)),
        format!("workstreams:\n  {}: x\n", "k".repeat(1024)),
        format!("workstreams:\n  {}: x\n", "é".repeat(512)),
        // Nesting well inside serde_yaml's recursion limit.
        nested_extra(100),
    ];
    check_all("long lines and big documents", &cases);
}

// ------------------------------------------------------------------------------------------------
// Hand-written cases, one test per suspected defect class
// ------------------------------------------------------------------------------------------------

/// libyaml refuses C0 controls other than tab/LF/CR, DEL, C1 controls other than NEL, and U+FFFE/
/// U+FFFF anywhere in the stream ("control characters are not allowed").
#[test]
fn control_characters_are_refused_like_libyaml() {
    let mut cases = Vec::new();
    for c in
        ['\u{0}', '\u{1}', '\u{7}', '\u{8}', '\u{b}', '\u{c}', '\u{1b}', '\u{1f}', '\u{7f}', '\u{80}', '\u{9f}', '\u{fffe}', '\u{ffff}']
    {
        cases.push(format!("title: a{c}b\n"));
        cases.push(format!("title: \"a{c}b\"\n"));
        cases.push(format!("title: 'a{c}b'\n"));
        cases.push(format!("tags: [a{c}b]\n"));
        cases.push(format!("workstreams:\n  a{c}b: x\n"));
        cases.push(format!("title: x # comment {c}\n"));
        cases.push(format!("title: x\n# comment {c}\n"));
    }
    check_all("control characters", &cases);
}

/// libyaml also breaks lines at a lone CR, NEL (U+0085), LINE SEPARATOR (U+2028) and PARAGRAPH
/// SEPARATOR (U+2029); the fast path splits at LF only.
#[test]
fn cr_nel_ls_ps_are_line_breaks_like_libyaml() {
    let mut cases = Vec::new();
    for br in ["\r", "\u{85}", "\u{2028}", "\u{2029}"] {
        cases.push(format!("title: a{br}b\n"));
        cases.push(format!("title: a{br}  b\n"));
        cases.push(format!("title: a{br}\n"));
        cases.push(format!("title: \"a{br}b\"\n"));
        cases.push(format!("title: 'a{br}b'\n"));
        cases.push(format!("title: \"a{br}  b\"\n"));
        cases.push(format!("tags: [a{br}b]\n"));
        cases.push(format!("tags: [a{br}  b]\n"));
        cases.push(format!("title: x{br}{br}\n"));
        cases.push(format!("title: x # c{br}  y\n"));
        cases.push(format!("workstreams:\n  a: x{br}  b: y\n"));
        cases.push(format!("workstreams:\n  a{br}b: x\n"));
        // A break inside a comment line ends the comment for libyaml: the rest is a key.
        cases.push(format!("title: a\n# c{br}summary: b\n"));
        cases.push(format!("title: a # c{br}summary: b\n"));
    }
    check_all("CR/NEL/LS/PS line breaks", &cases);
}

/// libyaml gives up on an implicit (simple) key whose `:` is more than 1024 bytes after the key's
/// start (`k` × 1024 passes, `k` × 1025, `k` × 1024 + " " and `é` × 513 fail): the line is then
/// read as a plain scalar and serde_yaml errs. The fast path takes any key length.
#[test]
fn implicit_keys_longer_than_1024_bytes_like_libyaml() {
    let cases = vec![
        format!("extra:\n  {}: x\n", "k".repeat(1025)),
        format!("workstreams:\n  {}: x\n", "k".repeat(1025)),
        format!("workstreams:\n  {}: x\n", "é".repeat(513)),
        format!("extra:\n  {} : x\n", "k".repeat(1024)),
        format!("extra:\n  a:\n  - {}: x\n", "k".repeat(2000)),
    ];
    check_all("long implicit keys", &cases);
}

/// serde_yaml stops at 128 nested collections ("recursion limit exceeded"); only `extra:` can
/// nest that deep, and the fast path has no limit.
#[test]
fn nesting_beyond_serde_yaml_recursion_limit() {
    let cases = vec![nested_extra(126), nested_extra(127), nested_extra(128), nested_extra(200), nested_seq_extra(200)];
    check_all("deep nesting", &cases);
}

/// Nesting far deeper than that must not overflow the stack either: that aborts the process,
/// which is worse than a panic. The fast reader recurses once per level while parsing and again
/// while deserializing; with one space per level, 3,000 levels are a 4.5 MB document. The probe
/// runs in a child process (this test binary again), since an overflow kills the whole binary.
#[test]
fn very_deep_nesting_does_not_overflow_the_stack() {
    const CHILD: &str = "YAML_FAST_FUZZ_DEEP_CHILD";
    if std::env::var_os(CHILD).is_some() {
        let mut yaml = String::from("extra:\n");
        for i in 1..=3_000 {
            let _ = writeln!(yaml, "{}k:", " ".repeat(i));
        }
        // 2 MiB: what spawned threads get by default (test threads, rayon workers unless configured).
        let outcome =
            std::thread::Builder::new().stack_size(2 << 20).spawn(move || matches!(check(&yaml), Outcome::Broken(_))).unwrap().join();
        assert!(matches!(outcome, Ok(false)), "deep nesting broke the contract (or panicked)");
        return;
    }
    let me = std::env::current_exe().unwrap();
    let out = std::process::Command::new(me)
        .args(["--exact", "very_deep_nesting_does_not_overflow_the_stack", "--nocapture", "--test-threads=1"])
        .env(CHILD, "1")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "child probing 3,000 nested mappings under `extra:` failed ({}):\n{}",
        out.status,
        String::from_utf8_lossy(&out.stderr).lines().filter(|l| !l.trim().is_empty()).take(6).collect::<Vec<_>>().join("\n")
    );
}

/// `extra:` followed by `depth` nested single-key mappings, two spaces per level.
fn nested_extra(depth: usize) -> String {
    let mut s = String::from("extra:\n");
    for i in 1..=depth {
        let _ = writeln!(s, "{}k{i}:", "  ".repeat(i));
    }
    s
}

/// `extra:` with `depth` nested compact `- k:` sequence items.
fn nested_seq_extra(depth: usize) -> String {
    let mut s = String::from("extra:\n  a:\n");
    for i in 1..=depth {
        let _ = writeln!(s, "{}- k:", "  ".repeat(i));
    }
    s
}

// ------------------------------------------------------------------------------------------------
// The generator
// ------------------------------------------------------------------------------------------------

/// Fragments a plain scalar is built from.
const PLAIN_TOKENS: &[&str] = &[
    "acme",
    "desk",
    "a b",
    "x",
    "é",
    "日本",
    "🙂",
    "SOC 2",
    "it's",
    "say \"hi\"",
    "C:\\dir",
    "http://x.y/z",
    "100%",
    "a-b",
    "a_b",
    "a.b",
    "a/b",
    ":",
    ": ",
    " :",
    "::",
    " #",
    "#",
    "# ",
    "-",
    "- ",
    " - ",
    "?",
    "? ",
    ",",
    ", ",
    "[",
    "]",
    "{",
    "}",
    "'",
    "\"",
    "!",
    "&",
    "*",
    "|",
    ">",
    "%",
    "@",
    "`",
    "~",
    "\\",
    " ",
    "  ",
    ".",
    "..",
    "...",
    "---",
    "+",
    "=",
    "<<",
    "0",
    "1",
    "12",
    "007",
    "1.5",
    "-3",
    "+1",
    ".5",
    "1e3",
    "0x1F",
    "0o7",
    ".inf",
    "nan",
    "inf",
    "true",
    "False",
    "NULL",
    "null",
    "Null",
    "yes",
    "no",
    "on",
    "2024-06-14",
    "18:00",
    "24x7",
    "business-hours",
    "extended-hours",
    "client",
    "internal",
    "\u{a0}",
    "\u{feff}",
    "\u{200b}",
];

/// Extra fragments for the exotic mode: characters libyaml treats specially.
const EXOTIC_TOKENS: &[&str] =
    &["\r", "\u{85}", "\u{2028}", "\u{2029}", "\u{0}", "\u{7}", "\u{c}", "\u{1b}", "\u{7f}", "\u{9f}", "\u{fffe}", "\t"];

/// Escapes serde_yaml accepts.
const GOOD_ESCAPES: &[&str] = &[
    "\\n",
    "\\t",
    "\\r",
    "\\\\",
    "\\\"",
    "\\/",
    "\\ ",
    "\\0",
    "\\x41",
    "\\x7f",
    "\\xe9",
    "\\xff",
    "\\x00",
    "\\u263A",
    "\\u00e9",
    "\\uFEFF",
    "\\uFFFE",
    "\\U0001F600",
    "\\U0010FFFF",
    "\\a",
    "\\b",
    "\\e",
    "\\f",
    "\\v",
    "\\N",
    "\\_",
    "\\L",
    "\\P",
    "\\\t",
];

/// Escapes serde_yaml refuses.
const BAD_ESCAPES: &[&str] = &["\\'", "\\uD800", "\\U00110000", "\\q", "\\x4", "\\u12", "\\x+1", "\\é", "\\xé1", "\\"];

/// Ordinary fragments, for documents that should mostly stay inside the fast subset.
const TAME_TOKENS: &[&str] =
    &["acme", "desk", " ", "a b", "x", "é", "日本", "SOC 2", "it's", "a-b", "a_b", "a.b", "a/b", "a:b", "a#b", "100%", "-"];

struct Gen {
    rng: Rng,
    exotic: bool,
    /// 0–100: how often the generator takes a risky turn (odd fragments, broken syntax); set
    /// per document, so that some documents are ordinary and mostly take the fast path.
    wild: usize,
}

impl Gen {
    /// A risky turn with (at most) `percent` chance, scaled by `wild`.
    fn risk(&mut self, percent: usize) -> bool {
        self.rng.below(100 * 100) < percent * self.wild
    }

    fn token(&mut self) -> String {
        if self.exotic && self.rng.chance(8) {
            return self.rng.pick(EXOTIC_TOKENS).to_string();
        }
        if self.risk(100) { self.rng.pick(PLAIN_TOKENS).to_string() } else { self.rng.pick(TAME_TOKENS).to_string() }
    }

    /// Text for inside a plain, single- or double-quoted scalar.
    fn text(&mut self, max_tokens: usize) -> String {
        let n = 1 + self.rng.below(max_tokens);
        (0..n).map(|_| self.token()).collect()
    }

    fn plain(&mut self) -> String {
        if self.rng.chance(40) {
            let words: &[&str] =
                &["acme", "acme-it", "Who resets passwords?", "Tickets move at 18:00", "a b c", "x", "northwind-desk", "é"];
            return self.rng.pick(words).to_string();
        }
        let t = self.text(4);
        if self.risk(50) { t } else { t.trim_matches(' ').trim_start_matches('-').to_string() }
    }

    fn single_quoted(&mut self) -> String {
        let mut s = String::from("'");
        for _ in 0..1 + self.rng.below(3) {
            if self.rng.chance(25) {
                s.push_str("''");
            } else {
                let t = self.text(2);
                s.push_str(&if self.risk(30) { t } else { t.replace('\'', "''") });
            }
        }
        if !self.risk(5) {
            s.push('\'');
        }
        s
    }

    fn double_quoted(&mut self) -> String {
        let mut s = String::from("\"");
        for _ in 0..1 + self.rng.below(3) {
            if self.rng.chance(35) {
                let e = if self.risk(30) { self.rng.pick(BAD_ESCAPES) } else { self.rng.pick(GOOD_ESCAPES) };
                s.push_str(e);
            } else {
                let t = self.text(2);
                s.push_str(&if self.risk(30) { t } else { t.replace('\\', "\\\\").replace('"', "\\\"") });
            }
        }
        if !self.risk(5) {
            s.push('"');
        }
        s
    }

    fn comment(&mut self) -> String {
        match self.rng.below(12) {
            0 => " # note".into(),
            1 if self.risk(100) => "#tight".into(),
            2 => "  #".into(),
            3 => format!(" # {}", self.text(2)),
            _ => String::new(),
        }
    }

    fn scalar(&mut self) -> String {
        let s = match self.rng.below(10) {
            0..=4 => self.plain(),
            5 | 6 => self.single_quoted(),
            7 | 8 => self.double_quoted(),
            _ => self.rng.pick(&["", "~", "null", "Null", "NULL", "true", "false", "1", "-2.5", "0x10", "''", "\"\""]).to_string(),
        };
        s + &self.comment()
    }

    fn flow_item(&mut self) -> String {
        let item = match self.rng.below(14) {
            0..=5 => self
                .rng
                .pick(&["a", "b c", "acme-it", "SOC 2", "é", "x1", "1", "true", "~", "null", "a'b", "a\"b", "a-b", "a.b"])
                .to_string(),
            6 if self.risk(100) => self.text(2),
            7 | 8 => self.single_quoted(),
            9 | 10 => self.double_quoted(),
            11 if self.risk(100) => format!("[{}]", self.rng.pick(&["", "a", "a, b"])),
            12 if self.risk(100) => format!("{{{}}}", self.rng.pick(&["", "a: b", "a"])),
            13 if self.risk(100) => String::new(),
            _ => "plain".into(),
        };
        let pad = |g: &mut Gen| g.rng.pick(&["", "", " ", "  "]).to_string();
        format!("{}{item}{}", pad(self), pad(self))
    }

    fn flow_seq(&mut self) -> String {
        let n = self.rng.below(5);
        let mut s = String::from("[");
        for i in 0..n {
            if i > 0 {
                let sep = if self.risk(20) { ",," } else { self.rng.pick(&[", ", ",", " , ", ", "]) };
                s.push_str(sep);
            }
            s.push_str(&self.flow_item());
        }
        if self.risk(10) {
            s.push(',');
        }
        if !self.risk(5) {
            s.push(']');
        }
        let after = if self.risk(20) { self.rng.pick(&[" x", ":", "]", "#c"]) } else { self.rng.pick(&["", "", "", " # c"]) };
        s + after
    }

    fn dash(&mut self) -> &'static str {
        if self.risk(10) { "-" } else { self.rng.pick(&["- ", "- ", "- ", "-  ", "-   "]) }
    }

    fn step(&mut self) -> usize {
        self.rng.pick(&[&2usize, &2, &2, &1, &3, &4]).to_owned()
    }

    /// A block sequence of `item`s whose dashes are at `indent`.
    fn block_seq(&mut self, out: &mut String, indent: usize, depth: usize, item: fn(&mut Gen, &mut String, usize, usize)) {
        for _ in 0..1 + self.rng.below(3) {
            self.noise(out, indent);
            let dash = self.dash();
            let _ = write!(out, "{}{dash}", " ".repeat(indent));
            item(self, out, indent + dash.len(), depth + 1);
        }
    }

    /// Blank lines and comment lines, sometimes.
    fn noise(&mut self, out: &mut String, indent: usize) {
        match self.rng.below(20) {
            0 => out.push('\n'),
            1 => {
                let _ = writeln!(out, "{}# comment", " ".repeat(self.rng.below(indent + 3)));
            }
            2 => out.push_str("   \n"),
            _ => {}
        }
    }

    /// The value after a key: the rest of the line and any nested lines. `indent` is the key's.
    fn value(&mut self, out: &mut String, indent: usize, depth: usize, kind: Kind) {
        let inline = match kind {
            Kind::Str | Kind::Scalar => !self.risk(10),
            Kind::List => self.rng.chance(50),
            Kind::Any => self.rng.chance(40) || depth > 5,
        };
        if inline {
            let v = match kind {
                Kind::List | Kind::Any if self.rng.chance(50) => self.flow_seq(),
                _ => self.scalar(),
            };
            // (The risk is drawn only for a non-empty value, as the generator always did.)
            let sep = if v.is_empty() || self.risk(10) { "" } else { self.rng.pick(&[" ", " ", " ", "  "]) };
            let _ = writeln!(out, ":{sep}{v}");
            return;
        }
        let _ = writeln!(out, ":{}", self.comment());
        let seq = match kind {
            Kind::List => true,
            _ => self.rng.chance(50),
        };
        if seq {
            let at = if self.rng.chance(40) { indent } else { indent + self.step() };
            let item: fn(&mut Gen, &mut String, usize, usize) = match kind {
                Kind::List => |g, out, _, _| {
                    let s = g.scalar();
                    let _ = writeln!(out, "{s}");
                },
                _ => |g, out, at, depth| g.seq_item(out, at, depth),
            };
            self.block_seq(out, at, depth, item);
        } else {
            let at = indent + self.step();
            self.any_map(out, at, depth + 1);
        }
    }

    /// After a dash: a scalar, a flow list, or a compact mapping whose first key is at `at`.
    fn seq_item(&mut self, out: &mut String, at: usize, depth: usize) {
        match self.rng.below(10) {
            0..=3 => {
                let s = self.scalar();
                let _ = writeln!(out, "{s}");
            }
            4 => {
                let s = self.flow_seq();
                let _ = writeln!(out, "{s}");
            }
            _ => {
                // A compact mapping: first key on the dash line, the rest aligned under it.
                let n = 1 + self.rng.below(3);
                for i in 0..n {
                    if i > 0 {
                        self.noise(out, at);
                        let wobble = if self.risk(10) { self.rng.pick(&[&-1isize, &1]).to_owned() } else { 0 };
                        out.push_str(&" ".repeat((at as isize + wobble).max(0) as usize));
                    }
                    let key = self.any_key(i);
                    out.push_str(&key);
                    self.value(out, at, depth + 1, Kind::Any);
                }
            }
        }
    }

    /// A key for a `serde_yaml::Value` mapping; the `i`th of its mapping (keys differ unless risky).
    fn any_key(&mut self, i: usize) -> String {
        if self.rng.chance(60) {
            let k = self.rng.pick(&["a", "b", "k", "key one", "é", "null", "~", "1", "true", "<<", "a-b", "x.y", "Q"]);
            return if self.risk(30) { k.to_string() } else { format!("{k}{i}") };
        }
        if self.rng.chance(10) {
            return self.single_quoted();
        }
        let k = self.text(2);
        let k = if self.risk(50) { k } else { k.trim_matches(' ').trim_start_matches('-').to_string() };
        if k.is_empty() { format!("e{i}") } else { format!("{k}{i}") }
    }

    fn any_map(&mut self, out: &mut String, indent: usize, depth: usize) {
        for i in 0..1 + self.rng.below(3) {
            self.noise(out, indent);
            let key = self.any_key(i);
            let _ = write!(out, "{}{key}", " ".repeat(indent));
            self.value(out, indent, depth, Kind::Any);
        }
    }

    /// Picks `n` distinct fields (or, when risky, possibly repeated ones).
    fn fields<T: Copy>(&mut self, all: &[T], n: usize) -> Vec<T> {
        let mut idx: Vec<usize> = (0..all.len()).collect();
        let mut out = Vec::new();
        for _ in 0..n.min(all.len()) {
            let j = if self.risk(5) { self.rng.below(all.len()) } else { idx.swap_remove(self.rng.below(idx.len())) };
            out.push(all[j]);
        }
        out
    }

    fn assignment(&mut self, out: &mut String, indent: usize) {
        const FIELDS: &[(&str, Kind)] = &[
            ("accountable", Kind::List),
            ("responsible", Kind::List),
            ("consulted", Kind::List),
            ("informed", Kind::List),
            ("escalation", Kind::List),
            ("after_hours", Kind::Str),
            ("handoff", Kind::Str),
            ("internal_notes", Kind::Str),
            ("coverage", Kind::Scalar),
        ];
        let n = 1 + self.rng.below(4);
        for (name, kind) in self.fields(FIELDS, n) {
            self.noise(out, indent);
            let _ = write!(out, "{}{name}", " ".repeat(indent));
            if name == "coverage" {
                let v = if self.risk(30) {
                    self.rng.pick(&["24X7", "always", "''", "[24x7]", "business_hours"])
                } else {
                    self.rng.pick(&["business-hours", "extended-hours", "24x7", "'24x7'", "\"extended-hours\"", "~", ""])
                };
                let _ = writeln!(out, ": {v}{}", self.comment());
            } else {
                self.value(out, indent, 3, kind);
            }
        }
    }

    fn workstreams(&mut self, out: &mut String) {
        let _ = writeln!(out, "workstreams:{}", self.comment());
        let indent = self.step();
        let names = ["help-desk", "patching", "backups", "documentation", "null", "24x7", "a b", "é", "x: y", "-x", "'q'"];
        let n = 1 + self.rng.below(4);
        let known = if self.risk(100) { names.len() } else { 8 };
        for name in self.fields(&names[..known], n) {
            self.noise(out, indent);
            let _ = write!(out, "{}{name}", " ".repeat(indent));
            match self.rng.below(5) {
                0 => {
                    let v = self.scalar();
                    let _ = writeln!(out, ": {v}");
                }
                1 => {
                    let _ = writeln!(out, ":");
                }
                _ => {
                    let _ = writeln!(out, ":{}", self.comment());
                    let inner = indent + self.step();
                    self.assignment(out, inner);
                }
            }
        }
    }

    fn struct_list(&mut self, out: &mut String, key: &str, fields: &'static [(&'static str, Kind)]) {
        let _ = writeln!(out, "{key}:{}", self.comment());
        let indent = if self.rng.chance(50) { 0 } else { self.step() };
        for _ in 0..1 + self.rng.below(3) {
            self.noise(out, indent);
            let dash = self.dash();
            let at = indent + dash.len();
            let _ = write!(out, "{}{dash}", " ".repeat(indent));
            let n = 1 + self.rng.below(fields.len().min(4));
            for (i, (name, kind)) in self.fields(fields, n).into_iter().enumerate() {
                if i > 0 {
                    self.noise(out, at);
                    let wobble = if self.risk(10) { self.rng.pick(&[&-1isize, &1]).to_owned() } else { 0 };
                    out.push_str(&" ".repeat((at as isize + wobble).max(0) as usize));
                }
                out.push_str(name);
                if name == "audience" {
                    let v = if self.risk(30) {
                        self.rng.pick(&["Client", "nobody", "''", "[client]"])
                    } else {
                        self.rng.pick(&["client", "internal", "'client'", "\"internal\"", "~", ""])
                    };
                    let _ = writeln!(out, ": {v}");
                } else {
                    self.value(out, at, 3, kind);
                }
            }
        }
    }

    fn front_matter(&mut self) -> String {
        const FAQ: &[(&str, Kind)] = &[
            ("q", Kind::Str),
            ("a", Kind::Str),
            ("id", Kind::Str),
            ("tags", Kind::List),
            ("workstreams", Kind::List),
            ("audience", Kind::Scalar),
        ];
        const SOURCES: &[(&str, Kind)] = &[("title", Kind::Str), ("url", Kind::Str)];
        let mut out = String::new();
        let n = 1 + self.rng.below(7);
        for key in self.fields(&FRONT_MATTER_KEYS, n) {
            self.noise(&mut out, 0);
            let key = if self.risk(3) { "titel" } else { key };
            match key {
                "audience" => {
                    let v = if self.risk(30) {
                        self.rng.pick(&["Client", "everyone", "''", "[client]"])
                    } else {
                        self.rng.pick(&["client", "internal", "'client'", "\"internal\"", "~", ""])
                    };
                    let _ = writeln!(out, "audience: {v}{}", self.comment());
                }
                "draft" => {
                    let v = if self.risk(30) {
                        self.rng.pick(&["yes", "'true'", "1", "~", "tRUE", ""])
                    } else {
                        self.rng.pick(&["true", "false", "True", "FALSE", "TRUE", "False"])
                    };
                    let _ = writeln!(out, "draft: {v}{}", self.comment());
                }
                "weight" => {
                    let v = if self.risk(30) {
                        self.rng.pick(&["'1'", "1.", "+2", "1_0", "--1", "[1]"])
                    } else {
                        self.rng.pick(&[
                            "1",
                            "2.5",
                            "-3",
                            "0",
                            "-0",
                            "0.0",
                            "10.25",
                            "007",
                            "1e3",
                            ".5",
                            "~",
                            "",
                            "123456789012345",
                            "1234567890123456",
                            "0.1",
                            "0x10",
                            ".inf",
                            "-.inf",
                            "1.0e-3",
                        ])
                    };
                    let _ = writeln!(out, "weight: {v}{}", self.comment());
                }
                "tags" | "compliance" => {
                    out.push_str(key);
                    self.value(&mut out, 0, 1, Kind::List);
                }
                "workstreams" => self.workstreams(&mut out),
                "faq" => self.struct_list(&mut out, "faq", FAQ),
                "sources" => self.struct_list(&mut out, "sources", SOURCES),
                "extra" => {
                    let _ = writeln!(out, "extra:{}", self.comment());
                    let indent = self.step();
                    self.any_map(&mut out, indent, 2);
                }
                _ => {
                    out.push_str(key);
                    self.value(&mut out, 0, 1, Kind::Str);
                }
            }
        }
        if self.rng.chance(5) {
            out.pop();
        }
        out
    }

    /// CRLF line ends, sometimes (after any mutation, so that no lone CR appears by accident).
    fn line_ends(&mut self, doc: String) -> String {
        if self.rng.chance(10) { doc.replace('\n', "\r\n") } else { doc }
    }

    /// Small random edits: insert a fragment, delete a character, re-indent or duplicate a line.
    fn mutate(&mut self, doc: &str) -> String {
        let mut s = doc.to_string();
        for _ in 0..1 + self.rng.below(2) {
            let bounds: Vec<usize> = s.char_indices().map(|(i, _)| i).chain([s.len()]).collect();
            let at = bounds[self.rng.below(bounds.len())];
            match self.rng.below(6) {
                0 | 1 => {
                    let t = if self.exotic && self.rng.chance(30) { self.rng.pick(EXOTIC_TOKENS) } else { self.rng.pick(PLAIN_TOKENS) };
                    s.insert_str(at, t);
                }
                2 => {
                    if at < s.len() {
                        let c = s[at..].chars().next().unwrap();
                        s.replace_range(at..at + c.len_utf8(), "");
                    }
                }
                3 => {
                    let line_start = s[..at].rfind('\n').map_or(0, |i| i + 1);
                    s.insert_str(line_start, self.rng.pick(&[" ", "  ", "- ", "# "]));
                }
                4 => {
                    let line_start = s[..at].rfind('\n').map_or(0, |i| i + 1);
                    if s[line_start..].starts_with(' ') {
                        s.remove(line_start);
                    }
                }
                _ => {
                    let line_start = s[..at].rfind('\n').map_or(0, |i| i + 1);
                    let line_end = s[at..].find('\n').map_or(s.len(), |i| at + i + 1);
                    let line = s[line_start..line_end].to_string();
                    s.insert_str(line_end, &line);
                }
            }
        }
        s
    }
}

#[derive(Clone, Copy)]
enum Kind {
    /// A string field (`opt_string`).
    Str,
    /// An enum or other scalar.
    Scalar,
    /// `OneOrMany`.
    List,
    /// `serde_yaml::Value`.
    Any,
}

/// Runs the generator; returns (taken by the fast path, total) and panics listing broken cases.
fn fuzz(seed: u64, count: usize, exotic: bool) -> (usize, usize) {
    let mut g = Gen { rng: Rng(seed), exotic, wild: 0 };
    let mut broken: Vec<(String, String)> = Vec::new();
    let mut fast = 0;
    for i in 0..count {
        g.wild = *g.rng.pick(&[&0, &0, &10, &30, &100]);
        let doc = g.front_matter();
        let doc = if i % 4 == 3 { g.mutate(&doc) } else { doc };
        let doc = g.line_ends(doc);
        match check(&doc) {
            Outcome::Declined => {}
            Outcome::Agreed => fast += 1,
            Outcome::Broken(why) => broken.push((doc, why)),
        }
    }
    if !broken.is_empty() {
        let total = broken.len();
        broken.sort_by_key(|(d, _)| d.len());
        broken.dedup_by(|a, b| a.1 == b.1);
        let mut report = String::new();
        for (doc, why) in broken.iter().take(25) {
            let _ = writeln!(report, "--- {}\n  {why}", show(doc));
        }
        panic!("{total} of {count} generated front-matters (seed {seed:#x}) break the yaml_fast contract; the shortest:\n{report}");
    }
    (fast, count)
}

/// Thousands of random front-matters from the grammar above, without the characters whose
/// handling is probed separately (control characters, CR/NEL/LS/PS), so that a failure here is
/// a new defect.
#[test]
fn random_front_matter_agrees_with_serde_yaml() {
    let (fast, total) = fuzz(0x9E37_79B9_7F4A_7C15, 12_000, false);
    // The generator must exercise the fast path, not only its refusals.
    assert!(fast * 5 >= total, "only {fast} of {total} generated front-matters took the fast path");
}

/// The same with control characters, tabs and CR/NEL/LS/PS mixed into scalars.
#[test]
fn random_front_matter_with_exotic_characters_agrees_with_serde_yaml() {
    fuzz(0xD1B5_4A32_D192_ED03, 4_000, true);
}

/// A second, character-level generator: a known key, then up to four lines of random text from a
/// small alphabet of indicators, at random indentation. It finds the edges of the scalar and flow
/// readers that the grammar above may step around.
#[test]
fn random_characters_agree_with_serde_yaml() {
    const ALPHA: &[&str] = &[
        "a", "b", " ", " ", ":", "-", "#", "[", "]", ",", "'", "\"", "\\", "~", "?", "1", ".", "x", "é", "{", "}", "!", "&", "*", "|", ">",
        "%", "@", "`", "0", "u", "n",
    ];
    const PREFIX: &[&str] = &[
        "extra:\n",
        "tags: ",
        "title: ",
        "workstreams:\n",
        "faq:\n",
        "extra:\n  a: ",
        "extra:\n  a:\n",
        "tags:\n",
        "weight: ",
        "draft: ",
        "audience: ",
    ];
    let mut rng = Rng(0x2545_F491_4F6C_DD1D);
    let mut docs = Vec::new();
    for _ in 0..40_000 {
        let mut doc = rng.pick(PREFIX).to_string();
        for l in 0..1 + rng.below(4) {
            if l > 0 || doc.ends_with('\n') {
                doc.push_str(&" ".repeat(rng.below(5)));
            }
            for _ in 0..rng.below(9) {
                doc.push_str(rng.pick(ALPHA));
            }
            doc.push('\n');
        }
        docs.push(doc);
    }
    let fast = check_all("random characters", &docs);
    assert!(fast >= 1_000, "only {fast} random-character documents took the fast path");
}

/// A third, line-level generator: lines of `[indent][- ][key: ][text]`, which stresses the block
/// structure (sequences at their key's indentation, compact mappings, uneven indentation).
#[test]
fn random_lines_agree_with_serde_yaml() {
    const ALPHA: &[&str] = &[
        "a", "b", " ", "a", "b", " ", ":", "-", "#", "[", "]", ",", "'", "\"", "\\", "~", "?", "1", ".", "x", "é", "{", "}", "!", "u", "n",
        "null", "true",
    ];
    const TOP: &[&str] = &["extra", "tags", "title", "workstreams", "faq", "sources", "compliance", "weight", "draft", "audience"];
    const KEYS: &[&str] = &["a", "b", "q", "url", "title", "tags", "accountable", "coverage", "null", "~", "a b", "1"];
    let mut rng = Rng(0x6A09_E667_F3BC_C909);
    let mut docs = Vec::new();
    for _ in 0..40_000 {
        let mut doc = String::new();
        for l in 0..1 + rng.below(6) {
            let indent = if l == 0 { 0 } else { rng.below(7) };
            doc.push_str(&" ".repeat(indent));
            if indent > 0 && rng.chance(35) {
                doc.push_str(rng.pick(&["- ", "- ", "-  ", "-"]));
            }
            if rng.chance(85) {
                doc.push_str(if indent == 0 { rng.pick(TOP) } else { rng.pick(KEYS) });
                doc.push_str(rng.pick(&[":", ": ", ": ", ":  ", " : "]));
            }
            if rng.chance(60) {
                for _ in 0..rng.below(7) {
                    doc.push_str(rng.pick(ALPHA));
                }
            }
            doc.push('\n');
        }
        docs.push(doc);
    }
    let fast = check_all("random lines", &docs);
    assert!(fast >= 1_000, "only {fast} random-line documents took the fast path");
}

/// A fourth generator for multi-line scalars, starting with one of `headers` (a block header such
/// as `|` or `>-`, or the first words of a plain scalar): lines at the block's indentation,
/// deeper, shallower, blank, of spaces only, starting with `#`, `-` or `key:`, with trailing
/// spaces, at the top level and inside `faq:` entries.
fn multi_line_scalar(rng: &mut Rng, parent: usize, headers: &[&str]) -> String {
    const TEXT: &[&str] = &[
        "plain words",
        "# not a comment",
        "- not an item",
        "key: not a key",
        "'quoted'",
        "[flow]",
        "trailing  ",
        "é 🙂",
        "a: b #c",
        "|",
        ">",
    ];
    let mut s = String::from(headers[rng.below(headers.len())]);
    s.push('\n');
    let n = parent + 1 + rng.below(3);
    for _ in 0..1 + rng.below(5) {
        let line = match rng.below(12) {
            0 => String::new(),
            1 => " ".repeat(1 + rng.below(n + 2)),
            2 => format!("{}{}", " ".repeat(n + 1 + rng.below(3)), rng.pick(TEXT)),
            3 if n > parent + 1 => format!("{}{}", " ".repeat(n - 1), rng.pick(TEXT)),
            4 => format!("{}# comment", " ".repeat(parent)),
            _ => format!("{}{}", " ".repeat(n), rng.pick(TEXT)),
        };
        s.push_str(&line);
        s.push('\n');
    }
    s
}

fn random_multi_line_scalars(seed: u64, headers: &[&str]) -> Vec<String> {
    let mut rng = Rng::new(seed);
    let mut cases = Vec::new();
    for _ in 0..6000 {
        let doc = match rng.below(4) {
            0 => format!("title: T\nsummary: {}", multi_line_scalar(&mut rng, 0, headers)),
            1 => format!("faq:\n  - q: Q\n    a: {}  - q: R\n    a: A\n", multi_line_scalar(&mut rng, 4, headers)),
            2 => format!("tags:\n  - {}  - b\n", multi_line_scalar(&mut rng, 2, headers)),
            _ => format!(
                "workstreams:\n  help-desk:\n    accountable: a\n    handoff: {}    coverage: 24x7\nsummary: S\n",
                multi_line_scalar(&mut rng, 4, headers)
            ),
        };
        cases.push(doc);
    }
    cases
}

#[test]
fn random_literal_blocks_agree_with_serde_yaml() {
    let cases = random_multi_line_scalars(0x1172_1ea7, &["|", "|-", "|", "|+", "|2", ">"]);
    let fast = check_all("random literal blocks", &cases);
    assert!(fast >= 1000, "only {fast} of {} random literal blocks took the fast path", cases.len());
}

#[test]
fn random_folded_blocks_and_wrapped_plain_scalars_agree_with_serde_yaml() {
    let headers = [">", ">-", ">+", ">1", "> # c", "plain words", "words #c", "'quoted'", "a:b", "12"];
    let cases = random_multi_line_scalars(0xf01d_ed5c, &headers);
    let fast = check_all("random folded blocks and wrapped plain scalars", &cases);
    // Half the headers are outside the subset; the rest must still be read fast often.
    assert!(fast >= 600, "only {fast} of {} random folded or wrapped scalars took the fast path", cases.len());
}
