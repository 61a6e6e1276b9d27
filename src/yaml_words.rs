//! serde's wording of a value of the wrong type (`tags: invalid type: map, expected a name or
//! a list of names`, `weight: … expected f64`) put in the words of the people who write
//! playbooks: which key, what it must be, what it is, and for a misspelt choice the nearest one;
//! and a value of the kind serde expected, for `yaml_recover` to put in a wrong one's place.

use crate::diagnostics::did_you_mean;

/// What serde said, reworded: the message and a help line when there is one. Messages of other
/// shapes come back as they are.
pub fn wrong_type(serde_message: &str) -> (String, Option<String>) {
    // serde_yaml puts the path of the value first: `workstreams.help-desk.coverage: …`.
    let (path, problem) = match serde_message.split_once(": ") {
        Some((p, rest)) if !p.is_empty() && !p.contains(' ') => (p, rest),
        _ => ("", serde_message),
    };
    let (parent, key) = path.rsplit_once('.').unwrap_or(("", path));
    let within = if parent.is_empty() { String::new() } else { format!(" in `{parent}`") };
    if let Some(rest) = problem.strip_prefix("unknown variant `") {
        let (value, expected) = rest.split_once('`').unwrap_or((rest, ""));
        let choices: Vec<&str> = backticked(expected).collect();
        let listed = in_backticks(choices.iter().copied());
        let help = did_you_mean(value, choices.iter().copied()).map(|c| format!("did you mean `{c}`?"));
        return (format!("`{key}: {value}` is not one of {listed}{within}"), help);
    }
    if let Some(rest) = problem.strip_prefix("invalid type: ")
        && let Some((found, expected)) = rest.split_once(", expected ")
        && !key.is_empty()
    {
        // serde_yaml's words for an enum given a list or mapping: say which names it takes.
        if expected == ENUM_GIVEN_A_COLLECTION {
            let names = enum_names(path).map_or_else(|| "one of the names it takes".to_string(), |n| format!("one of {n}"));
            return (format!("`{key}` must be {names}, not {}{within}", found_words(found)), None);
        }
        return (format!("`{key}` must be {}, not {}{within}", expected_words(expected), found_words(found)), None);
    }
    if let Some(rest) = problem.strip_prefix("missing field `") {
        let field = rest.split('`').next().unwrap_or(rest);
        let within = if path.is_empty() { String::new() } else { format!(" in `{path}`") };
        return (format!("`{field}` is missing{within}"), None);
    }
    (serde_message.to_string(), None)
}

/// What serde_yaml expects when an enum is given a list or a mapping (it reads a tag there).
const ENUM_GIVEN_A_COLLECTION: &str = "a YAML tag starting with '!'";

/// The names of the enum at `path` (serde's path of the value: `audience`,
/// `workstreams.help-desk.coverage`, `parties.acme.kind`), each in backticks, as serde lists
/// them for a misspelt one.
fn enum_names(path: &str) -> Option<String> {
    use crate::config::{Audience, Hours, OwnerKind, PartyKind, RuleLevel, UnknownKeys};
    let key = path.rsplit('.').next().unwrap_or(path);
    let top = path.split(['.', '[']).next().unwrap_or(path);
    match (top, key) {
        (_, "audience") => names_of::<Audience>(),
        ("status", _) => names_of::<crate::content::Status>(),
        (_, "coverage" | "hours") => names_of::<Hours>(),
        ("parties", "kind") => names_of::<PartyKind>(),
        ("owners", "kind") => names_of::<OwnerKind>(),
        ("front_matter", "unknown_keys") => names_of::<UnknownKeys>(),
        ("checks", _) => names_of::<RuleLevel>(),
        _ => None,
    }
}

/// An enum's names, from what serde says of a name it does not have.
fn names_of<T: serde::de::DeserializeOwned>() -> Option<String> {
    let message = serde_yaml::from_str::<T>("'?'").err()?.to_string();
    let listed = in_backticks(backticked(message.split_once("expected ")?.1));
    (!listed.is_empty()).then_some(listed)
}

/// Names as a message lists them: `` `a`, `b` ``.
fn in_backticks<'a>(names: impl Iterator<Item = &'a str>) -> String {
    names.map(|n| format!("`{n}`")).collect::<Vec<_>>().join(", ")
}

/// The names serde lists in backticks ("expected `a`", "`a` or `b`", "one of `a`, `b`, `c`").
pub fn backticked(list: &str) -> impl Iterator<Item = &str> {
    list.split('`').skip(1).step_by(2)
}

/// The kinds of value serde names after "expected" for the types it knows.
enum Kind<'a> {
    Number,
    WholeNumber,
    Boolean,
    Text,
    List,
    /// A map, or a struct (which may have required keys).
    Mapping,
    /// Anything else: a type's own wording (`a name or a list of names`), an enum's names.
    Other(&'a str),
}

fn kind(expected: &str) -> Kind<'_> {
    match expected {
        "f64" | "f32" => Kind::Number,
        "u8" | "u16" | "u32" | "u64" | "usize" | "i8" | "i16" | "i32" | "i64" | "isize" => Kind::WholeNumber,
        "a boolean" => Kind::Boolean,
        "a string" => Kind::Text,
        "a sequence" => Kind::List,
        "a map" => Kind::Mapping,
        other if other.starts_with("struct ") => Kind::Mapping,
        other => Kind::Other(other),
    }
}

/// serde's name for what a value must be, in plain words.
fn expected_words(expected: &str) -> String {
    match kind(expected) {
        Kind::Number => "a number".into(),
        Kind::WholeNumber => "a whole number".into(),
        Kind::Boolean => "`true` or `false`".into(),
        Kind::Text => "text".into(),
        Kind::List => "a list".into(),
        Kind::Mapping => "a mapping of keys to values".into(),
        Kind::Other(other) => other.to_string(),
    }
}

/// A value of the type serde's `message` says it expected, to stand in for a wrong one (see
/// `yaml_recover`): an empty one of its kind, `x` for text or a name, an enum's first name.
/// `None` for a type whose wording it does not know.
pub fn stand_in(message: &str) -> Option<String> {
    let expected = message.rsplit_once(", expected ")?.1;
    let expected = expected.rsplit_once(" at line ").map_or(expected, |(e, _)| e);
    let value = match kind(expected) {
        Kind::Number | Kind::WholeNumber => "0",
        Kind::Boolean => "true",
        Kind::Text => "x",
        Kind::List => "[]",
        Kind::Mapping => "{}",
        // The wording of demarcate's own shapes (`yaml_shapes`, `content`).
        Kind::Other("a name or a list of names") => "x",
        Kind::Other(e) if e.starts_with("an owner id") => "x",
        Kind::Other("a mapping") => "{}",
        // One of an enum's names: `expected one of `a`, `b``, `expected `a` or `b``.
        Kind::Other(list) => {
            let first = backticked(list).next()?;
            return Some(format!("'{}'", first.replace('\'', "''")));
        }
    };
    Some(value.to_string())
}

/// serde's name for what a value is, in plain words (`string "heavy"` → `the text "heavy"`).
fn found_words(found: &str) -> String {
    if let Some(text) = found.strip_prefix("string ") {
        return format!("the text {text}");
    }
    let literal = |prefix: &str| found.strip_prefix(prefix).map(|v| v.trim_matches('`').to_string());
    if let Some(n) = literal("integer ").or_else(|| literal("floating point ")) {
        return format!("the number {n}");
    }
    if let Some(b) = literal("boolean ") {
        return format!("`{b}`");
    }
    match found {
        "sequence" => "a list".into(),
        "map" => "a mapping".into(),
        "unit value" => "empty".into(),
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn serde_wording_is_put_in_plain_words() {
        let cases = [
            ("model: invalid type: sequence, expected a string", "`model` must be text, not a list", None),
            ("weight: invalid type: string \"heavy\", expected f64", "`weight` must be a number, not the text \"heavy\"", None),
            (
                "draft: invalid type: string \"maybe\", expected a boolean",
                "`draft` must be `true` or `false`, not the text \"maybe\"",
                None,
            ),
            (
                "tags: invalid type: map, expected a name or a list of names",
                "`tags` must be a name or a list of names, not a mapping",
                None,
            ),
            (
                "workstreams.help-desk.accountable: invalid type: integer `5`, expected a name",
                "`accountable` must be a name, not the number 5 in `workstreams.help-desk`",
                None,
            ),
            (
                "workstreams.help-desk.coverage: unknown variant `24/7`, expected one of `business-hours`, `extended-hours`, `24x7`",
                "`coverage: 24/7` is not one of `business-hours`, `extended-hours`, `24x7` in `workstreams.help-desk`",
                Some("did you mean `24x7`?"),
            ),
            ("owners.desk: missing field `name`", "`name` is missing in `owners.desk`", None),
            (
                "audience: invalid type: sequence, expected a YAML tag starting with '!'",
                "`audience` must be one of `internal`, `client`, not a list",
                None,
            ),
            (
                "parties.acme.kind: invalid type: map, expected a YAML tag starting with '!'",
                "`kind` must be one of `client`, `provider`, `vendor`, not a mapping in `parties.acme`",
                None,
            ),
            (
                "model: invalid type: sequence, expected a YAML tag starting with '!'",
                "`model` must be one of the names it takes, not a list",
                None,
            ),
            ("something serde says otherwise", "something serde says otherwise", None),
        ];
        for (serde, message, help) in cases {
            let (m, h) = wrong_type(serde);
            assert_eq!((m.as_str(), h.as_deref()), (message, help), "{serde}");
        }
    }
}
