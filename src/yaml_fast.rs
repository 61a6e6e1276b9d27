//! A fast path for the front-matter most playbooks are written in: block mappings and block
//! sequences of plain, quoted and `[flow, list]` scalars, plain scalars wrapped onto more
//! indented lines, and `|` / `|-` literal and `>` / `>-` folded blocks (multi-line answers). It
//! reads such text in one pass into a small tree and hands it to serde, giving exactly the
//! values serde_yaml would.
//!
//! Anything outside that subset (anchors, tags, `|+` / `>+` blocks and indentation indicators,
//! multi-line quoted scalars, flow mappings, tabs, numbers or booleans where a type is
//! resolved, …) makes [`from_str`] return `None`, and so does any error: the caller then parses
//! with serde_yaml, which also writes every diagnostic. The fast path therefore never decides
//! whether front-matter is valid, only how quickly valid, simple front-matter is read. Parsing
//! YAML is the largest single cost of a cold build (serde_yaml builds an event list first);
//! this reader is several times faster.

use std::borrow::Cow;
use std::fmt;

use serde::de::{self, DeserializeOwned, Deserializer, IntoDeserializer, MapAccess, SeqAccess, Visitor};

/// Parses `yaml` as `T` when it is inside the fast subset and deserializes without error.
pub fn from_str<T: DeserializeOwned>(yaml: &str) -> Option<T> {
    let mut lines = Lines::new(yaml)?;
    let first = lines.peek()?;
    if first.indent != 0 {
        return None;
    }
    let root = parse_block(&mut lines, 0, 0)?;
    if lines.peek().is_some() || !matches!(root, Node::Map(_)) {
        return None;
    }
    T::deserialize(De(&root)).ok()
}

#[derive(Debug, PartialEq)]
enum Node<'a> {
    /// A plain scalar as written (an empty one is YAML's null).
    Plain(&'a str),
    Quoted(Cow<'a, str>),
    Seq(Vec<Node<'a>>),
    Map(Vec<(&'a str, Node<'a>)>),
}

#[derive(Clone, Copy)]
struct Line<'a> {
    indent: usize,
    text: &'a str,
    /// Index of this line in `Lines::raw`.
    raw: usize,
}

/// The document's lines without blank and comment-only lines, and every line as written (for
/// literal blocks, where blank and `#` lines are content).
struct Lines<'a> {
    lines: Vec<Line<'a>>,
    raw: Vec<&'a str>,
    at: usize,
}

impl<'a> Lines<'a> {
    fn new(yaml: &'a str) -> Option<Lines<'a>> {
        if has_unusual_characters(yaml) {
            return None;
        }
        let mut lines = Vec::with_capacity(yaml.len() / 24);
        let mut raws = Vec::with_capacity(yaml.len() / 24);
        for (n, raw) in yaml.split('\n').enumerate() {
            let raw = raw.strip_suffix('\r').unwrap_or(raw);
            raws.push(raw);
            let text = raw.trim_start_matches(' ');
            let indent = raw.len() - text.len();
            let text = text.trim_end_matches(' ');
            if text.is_empty() || text.starts_with('#') {
                continue;
            }
            // Directives and document markers belong to the slow path.
            if indent == 0 && (text.starts_with('%') || text.starts_with("---") || text.starts_with("...")) {
                return None;
            }
            lines.push(Line { indent, text, raw: n });
        }
        Some(Lines { lines, raw: raws, at: 0 })
    }

    /// The block scalar whose header is on raw line `header`, in a mapping indented by
    /// `parent`: literal (`|`, `|-`) or folded (`>`, `>-`; lines joined by a space, a run of
    /// blank lines standing for that many line breaks); `clip` keeps one final line break
    /// (`|`, `>`), otherwise none (`|-`, `>-`). Moves past it. Blocks with leading blank lines,
    /// lines of only spaces or a line less indented than the first are left to serde_yaml, and
    /// so are folded blocks with a more indented line (which YAML does not fold).
    fn block_scalar(&mut self, header: usize, parent: usize, clip: bool, fold: bool) -> Option<String> {
        let mut out = String::new();
        let mut indent = None;
        let mut blanks = 0;
        let mut end = header + 1;
        for (r, raw) in self.raw.iter().enumerate().skip(header + 1) {
            if raw.is_empty() {
                blanks += 1;
                continue;
            }
            let text = raw.trim_start_matches(' ');
            let k = raw.len() - text.len();
            if text.is_empty() {
                return None;
            }
            if k <= parent {
                break;
            }
            let n = *indent.get_or_insert(k);
            if k < n || (fold && k > n) || (blanks > 0 && out.is_empty()) {
                return None;
            }
            // (The first line has no blank lines before it: those were declined above.)
            if !out.is_empty() {
                if fold {
                    fold_line_break(&mut out, blanks);
                } else {
                    (0..=blanks).for_each(|_| out.push('\n'));
                }
            }
            blanks = 0;
            out.push_str(&raw[n..]);
            end = r + 1;
        }
        if out.is_empty() {
            return None;
        }
        if clip {
            out.push('\n');
        }
        self.skip_to_raw(end);
        Some(out)
    }

    /// The plain scalar `first`, begun on raw line `at` in a collection indented by `parent`,
    /// with the more indented lines that continue it: the lines are trimmed and joined by a
    /// space, a run of blank lines standing for that many line breaks. Moves past them.
    /// Continuations YAML reads differently (a comment, a `: ` or ` #`, a line starting with an
    /// indicator) are left to serde_yaml, and so is a scalar that does not continue.
    fn plain_continuation(&mut self, first: &str, at: usize, parent: usize) -> Option<String> {
        let mut out = String::new();
        let mut blanks = 0;
        let mut end = at + 1;
        for (r, raw) in self.raw.iter().enumerate().skip(at + 1) {
            let text = raw.trim_matches(' ');
            if text.is_empty() {
                blanks += 1;
                continue;
            }
            if raw.len() - raw.trim_start_matches(' ').len() <= parent {
                break;
            }
            if text.starts_with(is_indicator) || text.ends_with(':') || find_pair(text, b": ").is_some() || find_pair(text, b" #").is_some()
            {
                return None;
            }
            if out.is_empty() {
                out.push_str(first);
            }
            fold_line_break(&mut out, blanks);
            blanks = 0;
            out.push_str(text);
            end = r + 1;
        }
        if out.is_empty() {
            return None;
        }
        self.skip_to_raw(end);
        Some(out)
    }

    /// Moves past every line before raw line `end`.
    fn skip_to_raw(&mut self, end: usize) {
        while self.lines.get(self.at).is_some_and(|l| l.raw < end) {
            self.at += 1;
        }
    }

    fn peek(&self) -> Option<Line<'a>> {
        self.lines.get(self.at).copied()
    }

    /// True when the next line continues the current scalar (is indented deeper).
    fn continues(&self, indent: usize) -> bool {
        self.peek().is_some_and(|l| l.indent > indent)
    }
}

/// Characters libyaml treats specially: tabs, control characters (which it refuses), and line
/// breaks other than `\n` and `\r\n` (a lone CR, NEL, LS, PS). Also a BOM inside the text.
fn has_unusual_characters(yaml: &str) -> bool {
    let b = yaml.as_bytes();
    crate::control_chars::unusual_blocks(b).any(|range| unusual_between(b, range.start, range.end))
}

/// [`has_unusual_characters`] for the bytes `from..to` of `b` (looking past `to` for the rest of
/// a line break or character).
fn unusual_between(b: &[u8], from: usize, to: usize) -> bool {
    (from..to).any(|i| match b[i] {
        b'\n' => false,
        b'\r' => b.get(i + 1) != Some(&b'\n'),
        0..=0x1f | 0x7f => true,
        // U+0080–U+009F (C1 controls, NEL).
        0xc2 => matches!(b.get(i + 1), Some(0x80..=0x9f)),
        // U+2028, U+2029.
        0xe2 => b.get(i + 1) == Some(&0x80) && matches!(b.get(i + 2), Some(0xa8 | 0xa9)),
        // U+FEFF, U+FFFE, U+FFFF.
        0xef => matches!((b.get(i + 1), b.get(i + 2)), (Some(0xbb), Some(0xbf)) | (Some(0xbf), Some(0xbe | 0xbf))),
        _ => false,
    })
}

fn is_seq_item(text: &str) -> bool {
    text == "-" || text.starts_with("- ")
}

/// Front-matter nests a few levels; serde_yaml refuses past 128, and recursion must stay far
/// from the end of a thread's stack.
const MAX_DEPTH: usize = 48;

/// The block at the next line, which is indented by exactly `indent`, `depth` collections deep.
fn parse_block<'a>(lines: &mut Lines<'a>, indent: usize, depth: usize) -> Option<Node<'a>> {
    let line = lines.peek()?;
    if line.indent != indent || depth > MAX_DEPTH {
        return None;
    }
    if is_seq_item(line.text) { parse_seq(lines, indent, depth) } else { parse_map(lines, indent, depth) }
}

fn parse_map<'a>(lines: &mut Lines<'a>, indent: usize, depth: usize) -> Option<Node<'a>> {
    let mut entries = Vec::new();
    while let Some(line) = lines.peek() {
        if line.indent < indent {
            break;
        }
        if line.indent > indent || is_seq_item(line.text) {
            return None;
        }
        let (key, rest) = split_key(line.text)?;
        lines.at += 1;
        if let header @ ("|" | "|-" | ">" | ">-") = rest.trim_start_matches(' ') {
            let text = lines.block_scalar(line.raw, indent, header.len() == 1, header.starts_with('>'))?;
            entries.push((key, Node::Quoted(Cow::Owned(text))));
            continue;
        }
        let value = match inline_value(rest)? {
            Some(v) if lines.continues(indent) => continued(lines, v, rest, line.raw, indent)?,
            Some(v) => v,
            None => match lines.peek() {
                Some(next) if next.indent > indent => parse_block(lines, next.indent, depth + 1)?,
                // A block sequence may sit at its key's own indentation.
                Some(next) if next.indent == indent && is_seq_item(next.text) => parse_seq(lines, indent, depth + 1)?,
                _ => Node::Plain(""),
            },
        };
        entries.push((key, value));
    }
    Some(Node::Map(entries))
}

fn parse_seq<'a>(lines: &mut Lines<'a>, indent: usize, depth: usize) -> Option<Node<'a>> {
    if depth > MAX_DEPTH {
        return None;
    }
    let mut items = Vec::new();
    while let Some(line) = lines.peek() {
        if line.indent < indent || (line.indent == indent && !is_seq_item(line.text)) {
            break;
        }
        if line.indent > indent {
            return None;
        }
        let after_dash = line.text.strip_prefix("- ")?;
        let item = after_dash.trim_start_matches(' ');
        if is_seq_item(item) || item.is_empty() {
            return None;
        }
        if split_key(item).is_some() {
            // `- key: value`: a mapping whose keys line up with this first one.
            let key_indent = indent + (line.text.len() - item.len());
            lines.lines[lines.at] = Line { indent: key_indent, text: item, raw: line.raw };
            items.push(parse_map(lines, key_indent, depth + 1)?);
        } else {
            lines.at += 1;
            let value = inline_value(item)??;
            items.push(if lines.continues(indent) { continued(lines, value, item, line.raw, indent)? } else { value });
        }
    }
    Some(Node::Seq(items))
}

/// YAML's line folding: a line break followed by `blanks` empty lines is a space when there
/// are none, else that many line breaks.
fn fold_line_break(out: &mut String, blanks: usize) {
    if blanks == 0 {
        out.push(' ');
    }
    (0..blanks).for_each(|_| out.push('\n'));
}

/// A scalar `value` (written as `text` on raw line `at`, in a collection indented by `parent`)
/// followed by more indented lines: a plain scalar continued there, as one string. Anything
/// else there is outside the subset: a quoted or flow value, or a comment ending the first line.
fn continued<'a>(lines: &mut Lines<'a>, value: Node<'a>, text: &str, at: usize, parent: usize) -> Option<Node<'a>> {
    let Node::Plain(first) = value else { return None };
    if find_pair(text, b" #").is_some() {
        return None;
    }
    Some(Node::Quoted(Cow::Owned(lines.plain_continuation(first, at, parent)?)))
}

/// `key: rest` or `key:` → (key, rest). Keys are plain words; anything fancier is not ours.
fn split_key(text: &str) -> Option<(&str, &str)> {
    let first = text.chars().next()?;
    if is_indicator(first) {
        return None;
    }
    let (key, rest) = match find_pair(text, b": ") {
        Some(i) => (&text[..i], &text[i + 2..]),
        None => (text.strip_suffix(':')?, ""),
    };
    // libyaml refuses a plain key longer than 1024 bytes.
    if key.len() > 1000 {
        return None;
    }
    let key = key.trim_end_matches(' ');
    if key.is_empty() || key.bytes().any(|b| matches!(b, b'#' | b':' | b'"' | b'\'' | b'[' | b']' | b'{' | b'}' | b',')) {
        return None;
    }
    Some((key, rest))
}

/// Where the two bytes `pair` first occur in `text`: a byte scan, where `str::find` would set up
/// a substring searcher for every line and value.
fn find_pair(text: &str, pair: &[u8; 2]) -> Option<usize> {
    text.as_bytes().windows(2).position(|w| w == pair)
}

fn is_indicator(c: char) -> bool {
    matches!(c, '-' | '?' | ':' | ',' | '[' | ']' | '{' | '}' | '#' | '&' | '*' | '!' | '|' | '>' | '\'' | '"' | '%' | '@' | '`')
}

/// The value after `key: ` (or `- `): `Some(None)` when there is none on this line (a nested
/// block or null follows), `None` when the value is outside the subset.
fn inline_value(text: &str) -> Option<Option<Node<'_>>> {
    let text = text.trim_start_matches(' ');
    if text.is_empty() || text.starts_with('#') {
        return Some(None);
    }
    let (node, rest) = match text.as_bytes()[0] {
        b'"' => double_quoted(&text[1..])?,
        b'\'' => single_quoted(&text[1..])?,
        b'[' => flow_seq(&text[1..])?,
        _ => {
            let first = text.chars().next()?;
            if is_indicator(first) {
                return None;
            }
            let value = match find_pair(text, b" #") {
                Some(i) => text[..i].trim_end_matches(' '),
                None => text,
            };
            if find_pair(value, b": ").is_some() || value.ends_with(':') {
                return None;
            }
            (Node::Plain(value), "")
        }
    };
    let rest = rest.trim_start_matches(' ');
    if rest.is_empty() || rest.starts_with('#') { Some(Some(node)) } else { None }
}

/// A double-quoted scalar closed on this line; returns it and the text after the closing quote.
fn double_quoted(text: &str) -> Option<(Node<'_>, &str)> {
    let end = text.bytes().position(|b| b == b'"' || b == b'\\')?;
    if text.as_bytes()[end] == b'"' {
        return Some((Node::Quoted(Cow::Borrowed(&text[..end])), &text[end + 1..]));
    }
    let mut out = String::with_capacity(text.len());
    let mut chars = text.char_indices();
    while let Some((i, c)) = chars.next() {
        match c {
            '"' => return Some((Node::Quoted(Cow::Owned(out)), &text[i + 1..])),
            '\\' => {
                let (_, e) = chars.next()?;
                let simple = match e {
                    '\\' => '\\',
                    '"' => '"',
                    '/' => '/',
                    ' ' => ' ',
                    'n' => '\n',
                    't' => '\t',
                    'r' => '\r',
                    '0' => '\0',
                    'u' | 'x' | 'U' => {
                        let len = match e {
                            'x' => 2,
                            'u' => 4,
                            _ => 8,
                        };
                        let start = i + 2;
                        let hex = text.get(start..start + len)?;
                        // (from_str_radix alone would also take a sign.)
                        if !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
                            return None;
                        }
                        let code = u32::from_str_radix(hex, 16).ok()?;
                        out.push(char::from_u32(code)?);
                        for _ in 0..len {
                            chars.next();
                        }
                        continue;
                    }
                    _ => return None,
                };
                out.push(simple);
            }
            c => out.push(c),
        }
    }
    None
}

fn single_quoted(text: &str) -> Option<(Node<'_>, &str)> {
    let mut out: Option<String> = None;
    let mut from = 0;
    loop {
        let q = from + text[from..].find('\'')?;
        if text[q + 1..].starts_with('\'') {
            out.get_or_insert_with(String::new).push_str(&text[from..=q]);
            from = q + 2;
            continue;
        }
        let node = match out {
            Some(mut s) => {
                s.push_str(&text[from..q]);
                Node::Quoted(Cow::Owned(s))
            }
            None => Node::Quoted(Cow::Borrowed(&text[..q])),
        };
        return Some((node, &text[q + 1..]));
    }
}

/// `[a, "b", c]` of scalars, closed on this line (the opening bracket already taken).
fn flow_seq(text: &str) -> Option<(Node<'_>, &str)> {
    let mut items = Vec::new();
    let mut rest = text.trim_start_matches(' ');
    if let Some(after) = rest.strip_prefix(']') {
        return Some((Node::Seq(items), after));
    }
    loop {
        let (item, after) = match rest.as_bytes().first()? {
            b'"' => double_quoted(&rest[1..])?,
            b'\'' => single_quoted(&rest[1..])?,
            _ => {
                let end = rest.find([',', ']'])?;
                let value = rest[..end].trim_end_matches(' ');
                let first = value.chars().next()?;
                if is_indicator(first) || value.contains([':', '#', '[', '{', '}']) {
                    return None;
                }
                (Node::Plain(value), &rest[end..])
            }
        };
        items.push(item);
        let after = after.trim_start_matches(' ');
        if let Some(after) = after.strip_prefix(']') {
            return Some((Node::Seq(items), after));
        }
        rest = after.strip_prefix(',')?.trim_start_matches(' ');
        // A trailing comma or an empty entry: leave it to serde_yaml.
        if rest.starts_with([']', ',']) {
            return None;
        }
    }
}

/// Why the fast path gave up; the caller never shows it (serde_yaml reports the real error).
#[derive(Debug)]
struct Bail;

impl fmt::Display for Bail {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("outside the fast front-matter subset")
    }
}

impl std::error::Error for Bail {}

impl de::Error for Bail {
    fn custom<T: fmt::Display>(_: T) -> Self {
        Bail
    }
}

/// serde_yaml's null words; an empty plain scalar is null too.
fn is_null(plain: &str) -> bool {
    matches!(plain, "" | "~" | "null" | "Null" | "NULL")
}

/// A plain scalar serde_yaml would resolve to a string when asked for "any" type: not null, not
/// a boolean, and not starting like a number (`12`, `-3`, `+1`, `.5`, `.inf`). Numbers and
/// booleans go to the slow path, which resolves them exactly.
fn plain_is_string(plain: &str) -> bool {
    !is_null(plain)
        && !matches!(plain, "true" | "True" | "TRUE" | "false" | "False" | "FALSE")
        && !plain.starts_with(|c: char| c.is_ascii_digit() || matches!(c, '-' | '+' | '.'))
}

struct De<'n, 'a>(&'n Node<'a>);

impl<'de> Deserializer<'de> for De<'_, '_> {
    type Error = Bail;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Bail> {
        match self.0 {
            Node::Plain(s) if is_null(s) => visitor.visit_unit(),
            Node::Plain(s) if plain_is_string(s) => visitor.visit_str(s),
            Node::Plain(_) => Err(Bail),
            Node::Quoted(s) => visitor.visit_str(s),
            Node::Seq(items) => visitor.visit_seq(SeqDe(items.iter())),
            Node::Map(entries) => visitor.visit_map(MapDe { entries: entries.iter(), value: None }),
        }
    }

    fn deserialize_str<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Bail> {
        // Any scalar as written, as serde_yaml does.
        match self.0 {
            Node::Plain(s) => visitor.visit_str(s),
            Node::Quoted(s) => visitor.visit_str(s),
            _ => Err(Bail),
        }
    }

    fn deserialize_string<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Bail> {
        self.deserialize_str(visitor)
    }

    fn deserialize_identifier<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Bail> {
        self.deserialize_str(visitor)
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Bail> {
        match self.0 {
            Node::Plain(s) if is_null(s) => visitor.visit_none(),
            _ => visitor.visit_some(self),
        }
    }

    fn deserialize_bool<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Bail> {
        match self.0 {
            Node::Plain("true" | "True" | "TRUE") => visitor.visit_bool(true),
            Node::Plain("false" | "False" | "FALSE") => visitor.visit_bool(false),
            _ => Err(Bail),
        }
    }

    fn deserialize_f64<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Bail> {
        // Plain decimals only (`3`, `-1.5`); exponents, hex, `.inf` and friends go the slow way.
        let Node::Plain(s) = self.0 else { return Err(Bail) };
        let digits = s.strip_prefix('-').unwrap_or(s);
        let (whole, frac) = digits.split_once('.').unwrap_or((digits, "1"));
        let all_digits = |t: &str| !t.is_empty() && t.bytes().all(|b| b.is_ascii_digit());
        if !all_digits(whole) || !all_digits(frac) || (whole.len() > 1 && whole.starts_with('0')) || s.len() > 15 {
            return Err(Bail);
        }
        visitor.visit_f64(s.parse().map_err(|_| Bail)?)
    }

    fn deserialize_enum<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, Bail> {
        match self.0 {
            Node::Plain(s) if !s.is_empty() => visitor.visit_enum(s.into_deserializer()),
            Node::Quoted(s) => visitor.visit_enum(s.as_ref().into_deserializer()),
            _ => Err(Bail),
        }
    }

    fn deserialize_seq<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Bail> {
        match self.0 {
            Node::Seq(items) => visitor.visit_seq(SeqDe(items.iter())),
            _ => Err(Bail),
        }
    }

    fn deserialize_map<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Bail> {
        match self.0 {
            Node::Map(entries) => visitor.visit_map(MapDe { entries: entries.iter(), value: None }),
            _ => Err(Bail),
        }
    }

    fn deserialize_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, Bail> {
        self.deserialize_map(visitor)
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(self, _name: &'static str, visitor: V) -> Result<V::Value, Bail> {
        visitor.visit_newtype_struct(self)
    }

    /// Every other request (integers, chars, bytes, unit, tuples, ignored values) is not
    /// something playbook front-matter asks for: the slow path answers it.
    fn deserialize_ignored_any<V: Visitor<'de>>(self, _visitor: V) -> Result<V::Value, Bail> {
        Err(Bail)
    }

    serde::forward_to_deserialize_any! {
        i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 char bytes byte_buf unit unit_struct tuple tuple_struct
    }
}

struct SeqDe<'n, 'a>(std::slice::Iter<'n, Node<'a>>);

impl<'de> SeqAccess<'de> for SeqDe<'_, '_> {
    type Error = Bail;
    fn next_element_seed<T: de::DeserializeSeed<'de>>(&mut self, seed: T) -> Result<Option<T::Value>, Bail> {
        self.0.next().map(|n| seed.deserialize(De(n))).transpose()
    }
    fn size_hint(&self) -> Option<usize> {
        Some(self.0.len())
    }
}

struct MapDe<'n, 'a> {
    entries: std::slice::Iter<'n, (&'a str, Node<'a>)>,
    value: Option<&'n Node<'a>>,
}

impl<'de> MapAccess<'de> for MapDe<'_, '_> {
    type Error = Bail;
    fn next_key_seed<K: de::DeserializeSeed<'de>>(&mut self, seed: K) -> Result<Option<K::Value>, Bail> {
        let Some((key, value)) = self.entries.next() else { return Ok(None) };
        self.value = Some(value);
        seed.deserialize(De(&Node::Plain(key))).map(Some)
    }
    fn next_value_seed<V: de::DeserializeSeed<'de>>(&mut self, seed: V) -> Result<V::Value, Bail> {
        seed.deserialize(De(self.value.take().ok_or(Bail)?))
    }
    fn size_hint(&self) -> Option<usize> {
        Some(self.entries.len())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::content::FrontMatter;

    #[test]
    fn unusual_characters_are_found_wherever_a_block_boundary_falls() {
        let unusual = ["\t", "\r", "\u{7f}", "\u{85}", "\u{2028}", "\u{2029}", "\u{feff}", "\u{fffe}", "\u{1}"];
        let usual = ["\r\n", "é", "—", "\u{2027}", "\u{a0}", "✓"];
        for at in 0..70 {
            let pad = "k".repeat(at);
            for u in unusual {
                let text = format!("{pad}{u}tail: value\n");
                assert!(has_unusual_characters(&text), "{u:?} at {at} not found");
            }
            for u in usual {
                let text = format!("{pad}{u}tail: value\n");
                assert!(!has_unusual_characters(&text), "{u:?} at {at} counted as unusual");
            }
        }
    }

    /// The fast path must agree with serde_yaml whenever it answers.
    fn same(yaml: &str) -> bool {
        let fast = from_str::<FrontMatter>(yaml);
        let slow = serde_yaml::from_str::<FrontMatter>(yaml).ok();
        match (&fast, &slow) {
            (Some(f), Some(s)) => {
                assert_eq!(format!("{f:?}"), format!("{s:?}"), "fast and serde_yaml disagree on:\n{yaml}");
                true
            }
            (Some(f), None) => panic!("fast path accepted what serde_yaml refuses:\n{yaml}\n{f:?}"),
            (None, _) => false,
        }
    }

    const PLAYBOOK: &str = r#"title: "Acme: co-managed \"IT\" \u00e9"
summary: Who does what for Acme # a comment
client: acme
model: co-managed
audience: client
tags: [after-hours, 'it''s', "x y"]
compliance: ["SOC 2"]
updated: 2026-06-14
draft: false
weight: 2.5

# a comment line
workstreams:
  help-desk:
    accountable: acme-it
    responsible: [acme-it, northwind-desk]
    consulted: []
    coverage: business-hours
    escalation:
    - acme-it
    - northwind-duty
    handoff: 'Tickets move at 18:00'
  documentation: northwind-docs
  reporting:
faq:
  - q: Who resets passwords?
    a: "The service desk, within **one** hour."
    tags: [identity]
  -   q: Spaced?
      a: yes
sources:
- title: Contract
  url: https://example.com/a#b
"#;

    #[test]
    fn typical_front_matter_takes_the_fast_path_and_equals_serde_yaml() {
        assert!(same(PLAYBOOK), "the typical playbook should be inside the subset");
        let fm = from_str::<FrontMatter>(PLAYBOOK).unwrap();
        assert_eq!(fm.title.as_deref(), Some("Acme: co-managed \"IT\" é"));
        assert_eq!(fm.summary.as_deref(), Some("Who does what for Acme"));
        assert_eq!(fm.tags.0, ["after-hours", "it's", "x y"]);
        assert_eq!(fm.workstreams.len(), 3);
        assert_eq!(fm.faq.len(), 2);
        assert_eq!(fm.faq[1].a.as_deref(), Some("yes"));
        assert_eq!(fm.weight, Some(2.5));
    }

    #[test]
    fn constructs_outside_the_subset_go_to_serde_yaml() {
        for yaml in [
            "title: &a x\nsummary: *a\n",
            "title: !!str x\n",
            "title: \"open\n  quote\"\n",
            "tags: {a: 1}\n",
            "tags: [a,\n  b]\n",
            "tags: [a, , b]\n",
            "tags: [a, b,]\n",
            "\ttitle: x\n",
            "title: x\n---\n",
            "\"title\": x\n",
            "draft: yes\n",
            "weight: 1e3\n",
            "weight: .inf\n",
            "weight: 0x10\n",
            "tags: 2024\n",
            "title: a: b\n",
            "  title: indented\n",
            "- a\n- b\n",
            "title: x\n  extra: y\n",
            "faq:\n  -\n    q: nested\n",
            "faq:\n  - - a\n",
            "title: \"bad \\q escape\"\n",
        ] {
            assert!(!same(yaml), "should have left this to serde_yaml:\n{yaml}");
        }
    }

    #[test]
    fn literal_blocks_take_the_fast_path_and_equal_serde_yaml() {
        for yaml in [
            "summary: |\n  One line.\n",
            "summary: |-\n  One line.\ntitle: x\n",
            "summary: |\n  First.\n\n  # not a comment\n    more indented  \n  last\n\n\ntitle: t\n",
            "faq:\n  - q: Who?\n    a: |\n      The desk.\n      Then the duty manager.\n  - q: When?\n    a: |-\n      Always.\n",
            "workstreams:\n  help-desk:\n    accountable: a\n    handoff: |\n      Tickets move at 18:00: see [the runbook](x.md).\n    coverage: 24x7\n",
        ] {
            assert!(same(yaml), "should have taken the fast path:\n{yaml}");
        }
        let fm = from_str::<FrontMatter>("summary: |\n  a\n\n    b\n").expect("fast");
        assert_eq!(fm.summary.as_deref(), Some("a\n\n  b\n"));
        for yaml in [
            "summary: |\n\n  leading blank\n",
            "summary: |\n    deeper first\n  then less\n",
            "summary: |\n  a\n   \n  b\n",
            "summary: |+\n  keep\n\n",
            "summary: |2\n   indicator\n",
            "summary: >+\n  keep\n\n",
            "summary: | # comment\n  x\n",
            "summary: |\ntitle: empty block\n",
            "summary: |\n  a\n# comment\n  b\n",
        ] {
            assert!(!same(yaml), "should have left this to serde_yaml:\n{yaml}");
        }
    }

    #[test]
    fn folded_blocks_and_continued_plain_scalars_take_the_fast_path_and_equal_serde_yaml() {
        for yaml in [
            "summary: >\n  One\n  line.\n",
            "summary: >-\n  Folded,\n  stripped.\ntitle: x\n",
            "summary: >\n  First paragraph\n  goes on.\n\n  Second.\n\n\n  Third.\n\n\ntitle: t\n",
            "summary: >\n  trailing spaces  \n  kept\n",
            "summary: Who does\n  what, and\n    when.\ntitle: x\n",
            "summary: one\n\n  two\n",
            "summary: one\n  two   \n\n\n  three\n\nclient: acme\n",
            "tags:\n  - first\n    second\n  - third\n",
            "faq:\n  - q: Who resets\n      passwords?\n    a: >\n      The desk,\n      within an hour.\n",
            "workstreams:\n  help-desk:\n    accountable: a\n    handoff: >-\n      Tickets move\n      at 18:00.\n    coverage: 24x7\n",
            "workstreams:\n  help-desk:\n    accountable: a\n    handoff: Tickets move\n      at six.\n",
        ] {
            assert!(same(yaml), "should have taken the fast path:\n{yaml}");
        }
        let fm = from_str::<FrontMatter>("summary: >\n  a\n  b\n\n  c\ntitle: Who\n  owns\n\n  what\n").expect("fast");
        assert_eq!(fm.summary.as_deref(), Some("a b\nc\n"));
        assert_eq!(fm.title.as_deref(), Some("Who owns\nwhat"));
        for yaml in [
            "summary: >\n  a\n    more indented\n  b\n",
            "summary: >\n\n  leading blank\n",
            "summary: first # comment\n  continued\n",
            "summary: first\n  # comment\n  continued\n",
            "summary: first\n  key: value\n",
            "summary: first\n  second #x\n",
            "summary: first\n  - dash\n",
            "summary: 'quoted'\n  continued\n",
            "tags: [a]\n  continued\n",
            "weight: 1\n  2\n",
        ] {
            assert!(!same(yaml), "should have left this to serde_yaml:\n{yaml}");
        }
    }

    /// Block and multi-line scalars of many shapes, in every place front-matter has them, each
    /// compared with serde_yaml (`same` fails the test on any disagreement).
    #[test]
    fn generated_multi_line_scalars_agree_with_serde_yaml() {
        let bodies: [&[&str]; 9] = [
            &["one"],
            &["one", "two"],
            &["one", "", "two"],
            &["one", "", "", "two", ""],
            &["one  ", "two"],
            &["a: b", "c"],
            &["one", "  deeper", "back"],
            &["x #y", "z"],
            &["[a]", "{b}", "'c'"],
        ];
        let headers = ["|", "|-", ">", ">-", ""];
        let mut fast = 0;
        let mut total = 0;
        for body in bodies {
            for header in headers {
                // (prefix, key indentation, suffix)
                let places: [(&str, usize, &str); 4] = [
                    ("", 0, "title: t\n"),
                    ("workstreams:\n  help-desk:\n    accountable: a\n", 4, "    coverage: 24x7\n"),
                    ("faq:\n  - q: Who?\n", 4, "  - q: Next?\n"),
                    ("sources:\n  - url: u\n", 4, ""),
                ];
                for (prefix, indent, suffix) in places {
                    let key = if prefix.starts_with("faq") {
                        "a"
                    } else if prefix.starts_with("sources") {
                        "title"
                    } else if indent == 0 {
                        "summary"
                    } else {
                        "handoff"
                    };
                    let pad = " ".repeat(indent + 2);
                    let mut yaml = format!("{prefix}{}{key}: ", " ".repeat(indent));
                    let mut rest = body.iter();
                    if header.is_empty() {
                        yaml.push_str(rest.next().copied().unwrap_or_default());
                    } else {
                        yaml.push_str(header);
                    }
                    yaml.push('\n');
                    for line in rest {
                        if !line.is_empty() {
                            yaml.push_str(&pad);
                            yaml.push_str(line);
                        }
                        yaml.push('\n');
                    }
                    yaml.push_str(suffix);
                    total += 1;
                    fast += usize::from(same(&yaml));
                }
            }
        }
        assert!(fast * 4 >= total * 3, "only {fast} of {total} generated documents took the fast path");
    }

    #[test]
    fn errors_go_to_serde_yaml() {
        // Unknown and duplicate keys, wrong types: the fast path declines, serde_yaml reports.
        for yaml in ["titel: x\n", "title: x\ntitle: y\n", "workstreams: [a]\n", "coverage: x\n", "audience: nobody\n"] {
            assert!(from_str::<FrontMatter>(yaml).is_none(), "{yaml}");
        }
    }

    #[test]
    fn scalars_resolve_as_serde_yaml_resolves_them() {
        for yaml in [
            "title: null\n",
            "title: ~\n",
            "title:\n",
            "title: 'null'\n",
            "title: 2024\n",
            "title: true\n",
            "summary: 12 steps\n",
            "tags: x\n",
            "tags: ~\n",
            "tags:\n",
            "tags: [null, ~]\n",
            "tags: [1, 2.5, true]\n",
            "draft: true\n",
            "draft: False\n",
            "weight: -3\n",
            "weight: 10.25\n",
            "weight: 007\n",
            "workstreams:\n  help-desk: ~\n",
            "workstreams:\n  help-desk:\n",
            "workstreams:\n  help-desk: 'acme'\n",
            "workstreams:\n  help-desk: 42\n",
            "workstreams:\n  help-desk:\n    accountable: [a]\n  help-desk: b\n",
            "summary: a #b # c\n",
            "summary: a#b\n",
            "summary: \"a\" # note\n",
            "summary: \"a\" b\n",
            "summary: \"tab\\tand\\x41\\u263A\\U0001F600\"\n",
            "summary: 'a''b''''c'\n",
            "summary: C:\\path\n",
            "summary: http://x.y/z\n",
            "summary: - x\n",
            "summary: 100%\n",
            "title: x   \r\nsummary: y\r\n",
            "tags: [ a , b ]\n",
            "tags: []\n",
            "tags: [\"a, b\", 'c]']\n",
            "extra: 1\n",
            "audience: 'client'\n",
            "workstreams:\n  help-desk:\n    coverage: 24x7\n",
        ] {
            same(yaml);
        }
    }

    #[test]
    fn every_example_and_corpus_playbook_agrees_with_serde_yaml() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
        let mut fast = 0;
        let mut seen = 0;
        for dir in [root.join("content"), root.join("../shared/corpora")] {
            for e in walkdir::WalkDir::new(dir).into_iter().flatten() {
                if e.path().extension().is_none_or(|x| x != "md") {
                    continue;
                }
                let Ok(raw) = std::fs::read_to_string(e.path()) else { continue };
                let Ok((range, ..)) = crate::content::split_front_matter(&raw) else { continue };
                if range.is_empty() {
                    continue;
                }
                let yaml = &raw[range];
                let took_fast_path = same(yaml);
                if serde_yaml::from_str::<FrontMatter>(yaml).is_ok() {
                    seen += 1;
                    fast += usize::from(took_fast_path);
                }
            }
        }
        // Agreement is what `same` checks; this only makes sure the fast path ran on real files
        assert!(seen >= 10 && fast >= 3, "only {fast} of {seen} valid front-matters took the fast path");
    }
}
