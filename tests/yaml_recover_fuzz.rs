//! Generated probes for `yaml_recover::read_all`, which reads front-matter past its mistakes.
//! Its contract, checked on thousands of random front-matters with foreign keys put in random
//! places (top level, inside a workstream's block or flow mapping, inside an FAQ entry, right
//! after a sequence dash) with values of every shape (plain, quoted with commas, flow lists and
//! mappings, lists at the key's own indentation, block scalars, flow lists over several lines):
//!
//! - it never panics and always ends;
//! - it reports each foreign key once, at its line and column;
//! - what it reads is exactly what the same front-matter without those keys reads.
//!
//! And on thousands more with values of the wrong type in random places (in flow and block
//! lists, under keys that want text or a name, an FAQ key's value on lines of its own, FAQ
//! entries written as text): each is reported at its place, none ends the reading, and nothing
//! read from them is used.

mod common;
use common::Rng;

use demarcate::content::FrontMatter;

const KEYS: &[&str] = &["bogus", "colour", "x-y", "\"quoted key\"", "ünï", "'single'"];

/// A foreign key's value in a block mapping whose keys sit at column `indent` (0-based).
fn block_value(rng: &mut Rng, indent: usize) -> String {
    let pad = " ".repeat(indent);
    match rng.below(10) {
        0 => " plain text, with a comma".into(),
        1 => " 'quoted, it''s'".into(),
        2 => " [a, 'b, c', {d: 1}]".into(),
        3 => " {x: 1, y: [2, 3]}".into(),
        4 => format!("\n{pad}  - a\n{pad}  - b"),
        5 => format!("\n{pad}- a\n{pad}- {{b: 1}}"),
        6 => format!("\n{pad}  x: 1\n{pad}  y:\n{pad}    - 2"),
        7 => format!(" [\n{pad}  a,\n{pad}  b\n{pad}  ]"),
        8 => format!(" |\n{pad}  line one\n\n{pad}  line: two"),
        _ => String::new(),
    }
}

/// A foreign key's value inside a flow mapping.
fn flow_value(rng: &mut Rng) -> &'static str {
    rng.pick(&["1", "'a, b'", "[x, {y: 2}]", "\"q\\\"}\"", "{z: [1]}", "plain"])
}

/// A random front-matter, once as written (with foreign keys) and once without them, and where
/// each foreign key starts (1-based line and column).
struct Probe {
    with: String,
    without: String,
    keys: Vec<(usize, usize)>,
}

struct Builder<'r> {
    rng: &'r mut Rng,
    with: String,
    without: String,
    keys: Vec<(usize, usize)>,
    /// Percent chance of a foreign key at each place one may go.
    odds: usize,
}

impl Builder<'_> {
    /// A foreign key's name, numbered so that no mapping holds one twice (a repeated key is
    /// another mistake, probed elsewhere).
    fn key(&mut self) -> String {
        let base = self.rng.pick(KEYS);
        let n = self.keys.len();
        match base.chars().last() {
            Some(q @ ('"' | '\'')) => format!("{}{n}{q}", &base[..base.len() - 1]),
            _ => format!("{base}{n}"),
        }
    }
}

impl Builder<'_> {
    fn both(&mut self, text: &str) {
        self.with.push_str(text);
        self.without.push_str(text);
    }

    /// Maybe a foreign key as a block entry at column `indent`, after `prefix` (indentation, or
    /// indentation and a dash) on a line of its own.
    fn maybe_block_key(&mut self, indent: usize) {
        if !self.rng.chance(self.odds) {
            return;
        }
        let key = self.key();
        let value = block_value(self.rng, indent);
        self.note_key(indent);
        self.with.push_str(&format!("{}{key}:{value}\n", " ".repeat(indent)));
    }

    fn note_key(&mut self, column0: usize) {
        let line = self.with.matches('\n').count() + 1;
        let line_start = self.with.rfind('\n').map_or(0, |i| i + 1);
        self.keys.push((line, self.with[line_start..].chars().count() + column0 + 1));
    }

    /// Maybe `key: value, ` inside a flow mapping, at the current place.
    fn maybe_flow_key(&mut self) {
        if !self.rng.chance(self.odds) {
            return;
        }
        let key = self.key();
        let value = flow_value(self.rng);
        self.note_key(0);
        self.with.push_str(&format!("{key}: {value}, "));
    }

    fn front_matter(&mut self) {
        self.maybe_block_key(0);
        self.both("title: A playbook\n");
        self.maybe_block_key(0);
        if self.rng.chance(50) {
            self.both("tags: [one, two]\n");
        } else {
            self.both("tags:\n  - one\n");
        }
        self.maybe_block_key(0);
        self.both("workstreams:\n");
        for ws in ["help-desk", "documentation", "reporting", "patching"] {
            match self.rng.below(3) {
                0 => {
                    self.both(&format!("  {ws}:\n"));
                    self.maybe_block_key(4);
                    self.both("    accountable: desk\n");
                    self.maybe_block_key(4);
                    self.both("    responsible: [desk, eng]\n");
                    self.maybe_block_key(4);
                    self.both("    handoff: Desk hands over, with notes.\n");
                    self.maybe_block_key(4);
                }
                1 => {
                    self.both(&format!("  {ws}: {{"));
                    self.maybe_flow_key();
                    self.both("accountable: eng, ");
                    self.maybe_flow_key();
                    self.both("consulted: [desk]");
                    if self.rng.chance(self.odds) {
                        // The last entry: its comma comes before it.
                        self.both(", ");
                        let key = self.key();
                        let value = flow_value(self.rng);
                        self.note_key(0);
                        self.with.push_str(&format!("{key}: {value}"));
                    }
                    self.both("}\n");
                }
                _ => self.both(&format!("  {ws}: eng\n")),
            }
        }
        self.both("faq:\n");
        for n in 0..2 {
            if self.rng.chance(50) {
                self.both("  - ");
                // A foreign key first in the entry, right after the dash.
                if self.rng.chance(self.odds) {
                    let key = self.key();
                    let value = block_value(self.rng, 4);
                    self.note_key(0);
                    self.with.push_str(&format!("{key}:{value}\n    "));
                }
                self.both(&format!("q: Question {n}?\n"));
                self.maybe_block_key(4);
                self.both("    a: An answer.\n");
                self.maybe_block_key(4);
            } else {
                self.both("  - {q: 'Flow, question?', ");
                self.maybe_flow_key();
                self.both("a: Flow answer.}\n");
            }
        }
        self.maybe_block_key(0);
    }
}

fn probe(rng: &mut Rng) -> Probe {
    let odds = *rng.pick(&[&5, &20, &50]);
    let mut b = Builder { rng, with: String::new(), without: String::new(), keys: Vec::new(), odds };
    b.front_matter();
    Probe { with: b.with, without: b.without, keys: b.keys }
}

#[test]
fn every_foreign_key_is_reported_at_its_place_and_the_rest_reads_as_without_it() {
    let mut rng = Rng::new(0x005E_ED0F_CAFE);
    for n in 0..4_000 {
        let p = probe(&mut rng);
        let expected = serde_yaml::from_str::<FrontMatter>(&p.without)
            .unwrap_or_else(|e| panic!("probe {n}: the base does not read ({e}):\n{}", p.without));
        let (read, found) = demarcate::yaml_recover::read_all::<FrontMatter>("content/p.md", &p.with, 0);
        let places: Vec<(usize, usize)> = found.iter().map(|d| (d.line, d.column)).collect();
        let said: Vec<String> = found.iter().map(|d| format!("{}:{} {} {}", d.line, d.column, d.code, d.message)).collect();
        assert!(found.iter().all(|d| d.code == "unknown-key"), "probe {n}: {said:#?}\n{}", p.with);
        assert_eq!(places, p.keys, "probe {n}: where the foreign keys are: {said:#?}\n{}", p.with);
        let read = read.unwrap_or_else(|| panic!("probe {n}: nothing read\n{}", p.with));
        assert_eq!(format!("{read:?}"), format!("{expected:?}"), "probe {n}: read otherwise than without the keys\n{}", p.with);
    }
}

/// A random front-matter with values of the wrong type in random places (a list or mapping
/// where text or a name is expected, a mistyped item inside a flow or block list, an FAQ key's
/// value on lines of its own, an FAQ entry written as text), and where each wrong value starts.
fn mistyped_probe(rng: &mut Rng) -> (String, Vec<(usize, usize)>) {
    let mut text = String::new();
    let mut places = Vec::new();
    let odds = *rng.pick(&[&10, &30, &60]);
    // Appends `good`, or `bad` with its wrong value starting `at` characters into it (a part
    // with nothing to get wrong passes the same text twice).
    let mut put = |rng: &mut Rng, good: &str, bad: &str, at: usize| {
        if good != bad && rng.chance(odds) {
            let line = text.matches('\n').count() + 1;
            let column = text.len() - text.rfind('\n').map_or(0, |i| i + 1) + at + 1;
            // A wrong value on a line of its own below its key starts on the next line.
            let (line, column) = match bad[..at].rfind('\n') {
                Some(nl) => (line + bad[..at].matches('\n').count(), at - nl),
                None => (line, column),
            };
            places.push((line, column));
            text.push_str(bad);
        } else {
            text.push_str(good);
        }
    };
    put(rng, "title: A playbook\n", "title: [a, b]\n", 7);
    match rng.below(2) {
        0 => put(rng, "tags: [one, two]\n", "tags: [one, {t: 2}]\n", 12),
        _ => put(rng, "tags:\n  - one\n  - two\n", "tags:\n  - {t: 1}\n  - two\n", 10),
    }
    put(rng, "workstreams:\n", "workstreams:\n", 0);
    for ws in ["help-desk", "documentation", "reporting"] {
        if rng.chance(50) {
            put(rng, &format!("  {ws}:\n"), &format!("  {ws}:\n"), 0);
            put(rng, "    accountable: desk\n", "    accountable: {x: 1}\n", 17);
            put(rng, "    responsible: [desk, eng]\n", "    responsible: [desk, [eng]]\n", 24);
            put(rng, "    handoff: Desk hands over.\n", "    handoff: [Desk, hands]\n", 13);
        } else {
            put(rng, &format!("  {ws}: {{accountable: eng, "), &format!("  {ws}: {{accountable: eng, "), 0);
            // The stand-in, the first coverage (`business-hours`), is wider than `always`: the
            // next mistake on the line must still be placed where it is written.
            put(rng, "coverage: 24x7, ", "coverage: always, ", 10);
            put(rng, "consulted: [desk]}\n", "consulted: [[desk]]}\n", 12);
        }
    }
    put(rng, "faq:\n", "faq:\n", 0);
    for n in 0..3 {
        if rng.chance(20) {
            // An entry written as text: an empty mapping stands in (an entry has no required key).
            put(rng, "  - {q: Q, a: A}\n", &format!("  - Question {n}, written as text?\n"), 4);
        } else if rng.chance(50) {
            put(rng, &format!("  - q: Question {n}?\n"), &format!("  - q:\n      - Question {n}?\n"), 13);
            put(rng, "    a: An answer.\n", "    a: {an: answer}\n", 7);
        } else {
            put(rng, "  - {q: 'Flow, question?', ", "  - {q: 'Flow, question?', ", 0);
            put(rng, "a: Flow answer.}\n", "a: [Flow answer]}\n", 3);
        }
    }
    (text, places)
}

#[test]
fn every_value_of_the_wrong_type_is_reported_at_its_place_and_none_stops_the_reading() {
    let mut rng = Rng::new(0x0057_A1D1_0000);
    for n in 0..4_000 {
        let (text, places) = mistyped_probe(&mut rng);
        let (read, found) = demarcate::yaml_recover::read_all::<FrontMatter>("content/p.md", &text, 0);
        let said: Vec<String> = found.iter().map(|d| format!("{}:{} {} {}", d.line, d.column, d.code, d.message)).collect();
        assert!(found.iter().all(|d| d.code == "wrong-type"), "probe {n}: {said:#?}\n{text}");
        let found_at: Vec<(usize, usize)> = found.iter().map(|d| (d.line, d.column)).collect();
        assert_eq!(found_at, places, "probe {n}: where the wrong values are: {said:#?}\n{text}");
        assert_eq!(read.is_some(), places.is_empty(), "probe {n}: a text with a wrong value is not used\n{text}");
    }
}
