//! Finds where a key or value sits in YAML text, so that semantic diagnostics ("unknown owner",
//! "no accountable owner") can point at a line and column even though serde_yaml only reports
//! positions for syntax and type errors.
//!
//! This is deliberately a small line scanner, not a YAML parser: it understands block mappings,
//! block sequences (`- item`), block scalars (`|`, `>`) and finds keys or values inside flow
//! collections (`{a: 1}`, `[a, b]`) by text search on the owning line. A document is indexed
//! only when something needs a position in it (a diagnostic, a link inside a front-matter
//! field), and a lookup follows its key path, so thousands of positions in one document cost
//! about as much as one.

use crate::diagnostics::Pos;

/// One segment of a key path: a mapping key as written, or the Nth item of a sequence (`#N`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Seg<'a> {
    Key(&'a str),
    Item(usize),
}

impl Seg<'_> {
    fn matches(self, segment: &str) -> bool {
        match self {
            Seg::Key(k) => k == segment,
            Seg::Item(n) => segment.strip_prefix('#').and_then(|d| d.parse::<usize>().ok()) == Some(n),
        }
    }
}

/// Documents with at most this many keys are searched directly: indexing children costs more
/// than the few lookups a page's front-matter gets.
const SMALL: usize = 512;

/// A key or sequence item. Its path is its segment after its parent's: nodes are stored
/// without copying their ancestors' keys, so indexing a document allocates once per node list.
#[derive(Debug)]
struct Node<'a> {
    seg: Seg<'a>,
    parent: Option<usize>,
    depth: usize,
    line: usize,
    indent: usize,
    key_col: usize,
    /// Width of the key in characters (for the marker) and in bytes (for slicing).
    key_len: usize,
    key_bytes: usize,
}

/// Node indices by (parent, segment), in document order; `None` is the document itself.
type Children<'a> = crate::HashMap<(Option<usize>, Seg<'a>), Vec<usize>>;

/// An index of the keys of one YAML document. Lines are 1-based and offset by `first_line - 1`
/// so positions are in the coordinates of the enclosing file.
#[derive(Debug)]
pub struct YamlIndex<'a> {
    lines: Vec<&'a str>,
    first_line: usize,
    nodes: Vec<Node<'a>>,
    /// The children of each node (of the document for `None`) by segment, in document order:
    /// built on the first lookup, so that a lookup follows its path instead of searching the
    /// whole document (a registry of thousands of owners with a diagnostic for each, or the
    /// answers of thousands of FAQ items, would each search it end to end).
    children: std::cell::OnceCell<Children<'a>>,
}

struct Frame {
    indent: usize,
    /// A sequence item (popped by a sibling item at the same indentation).
    item: bool,
    items: usize,
    /// This frame's node.
    node: usize,
}

impl<'a> YamlIndex<'a> {
    pub fn new(text: &'a str, first_line: usize) -> Self {
        let lines: Vec<&str> = text.split('\n').map(|l| l.trim_end_matches('\r')).collect();
        let mut nodes = Vec::new();
        let mut stack: Vec<Frame> = Vec::new();
        let mut block_scalar: Option<usize> = None;
        for (i, &raw) in lines.iter().enumerate() {
            let trimmed = raw.trim_start();
            let indent = raw.len() - trimmed.len();
            if trimmed.is_empty() || trimmed.starts_with('#') {
                continue;
            }
            if let Some(parent) = block_scalar {
                if indent > parent {
                    continue;
                }
                block_scalar = None;
            }
            let mut col = indent;
            let mut rest = trimmed;
            // Sequence items, possibly nested on one line (`- - a`).
            while rest == "-" || rest.starts_with("- ") {
                while stack.last().is_some_and(|f| f.indent > col || (f.indent == col && f.item)) {
                    stack.pop();
                }
                let index = match stack.last_mut() {
                    Some(parent) => {
                        parent.items += 1;
                        parent.items - 1
                    }
                    None => 0,
                };
                let parent = stack.last().map(|f| f.node);
                stack.push(Frame { indent: col, item: true, items: 0, node: nodes.len() });
                nodes.push(Node {
                    seg: Seg::Item(index),
                    parent,
                    depth: stack.len(),
                    line: i,
                    indent: col,
                    key_col: col,
                    key_len: 1,
                    key_bytes: 1,
                });
                let after = rest[1..].trim_start();
                col += rest.len() - after.len();
                rest = after;
            }
            let Some((key, value)) = split_key(rest) else { continue };
            while stack.last().is_some_and(|f| f.indent >= col) {
                stack.pop();
            }
            let parent = stack.last().map(|f| f.node);
            stack.push(Frame { indent: col, item: false, items: 0, node: nodes.len() });
            let v = value.trim_start();
            if v.starts_with('|') || v.starts_with('>') {
                block_scalar = Some(col);
            }
            nodes.push(Node {
                seg: Seg::Key(key),
                parent,
                depth: stack.len(),
                line: i,
                indent: col,
                key_col: col,
                key_len: key.chars().count(),
                key_bytes: key.len(),
            });
        }
        YamlIndex { lines, first_line, nodes, children: Default::default() }
    }

    /// Every node with exactly the key path `path`, in document order (more than one when a
    /// key is repeated).
    fn all_at(&self, path: &[&str]) -> Vec<usize> {
        if self.nodes.len() <= SMALL {
            return (0..self.nodes.len()).filter(|&n| self.nodes[n].depth == path.len() && self.is_at(n, path)).collect();
        }
        let children = self.children.get_or_init(|| {
            let mut map = Children::default();
            for (n, node) in self.nodes.iter().enumerate() {
                map.entry((node.parent, node.seg)).or_default().push(n);
            }
            map
        });
        let mut at: Vec<Option<usize>> = vec![None];
        for segment in path {
            let item = segment.strip_prefix('#').and_then(|d| d.parse::<usize>().ok()).map(Seg::Item);
            let mut next: Vec<Option<usize>> = Vec::new();
            for parent in &at {
                for seg in std::iter::once(Seg::Key(segment)).chain(item) {
                    next.extend(children.get(&(*parent, seg)).into_iter().flatten().map(|&n| Some(n)));
                }
            }
            at = next;
        }
        let mut found: Vec<usize> = at.into_iter().flatten().filter(|&n| self.nodes[n].depth == path.len()).collect();
        found.sort_unstable();
        found
    }

    /// Whether node `n` has exactly the key path `path`.
    fn is_at(&self, n: usize, path: &[&str]) -> bool {
        let mut at = Some(n);
        for segment in path.iter().rev() {
            match at.map(|k| &self.nodes[k]) {
                Some(node) if node.seg.matches(segment) => at = node.parent,
                _ => return false,
            }
        }
        at.is_none()
    }

    fn node(&self, path: &[&str]) -> Option<usize> {
        self.all_at(path).first().copied()
    }

    /// The deepest node whose path is a prefix of `path`, with how many segments it matched.
    fn deepest(&self, path: &[&str]) -> Option<(usize, usize)> {
        (1..=path.len()).rev().find_map(|k| self.node(&path[..k]).map(|n| (n, k)))
    }

    /// Lines (0-based, end exclusive) belonging to node `n`: its own and its children's.
    fn block(&self, n: usize) -> std::ops::Range<usize> {
        let node = &self.nodes[n];
        let end = self.nodes[n + 1..]
            .iter()
            .find(|m| m.indent <= node.indent && m.depth <= node.depth)
            .map(|m| m.line)
            .unwrap_or(self.lines.len());
        node.line..end
    }

    /// `col` is a byte offset in the line; positions count characters, as editors do.
    fn pos(&self, line: usize, col: usize, width: usize) -> Pos {
        let text = self.lines.get(line).copied().unwrap_or("");
        let chars = text.get(..col.min(text.len())).map(|t| t.chars().count()).unwrap_or(col);
        Pos { line: line + self.first_line, column: chars + 1, width }
    }

    /// Like [`YamlIndex::key`] but for the last of several keys with the same path (a key
    /// written twice: the second one is the one that is dropped).
    pub fn key_last(&self, path: &[&str]) -> Pos {
        match self.all_at(path).last().copied() {
            Some(n) => {
                let node = &self.nodes[n];
                self.pos(node.line, node.key_col, node.key_len)
            }
            None => self.key(path),
        }
    }

    /// Position of the key at `path` (segments are keys, or `#N` for the Nth sequence item).
    /// Falls back to a text search on the deepest known ancestor's lines (flow mappings), then
    /// to the ancestor itself, then to the first line.
    pub fn key(&self, path: &[&str]) -> Pos {
        if let Some(n) = self.node(path) {
            let node = &self.nodes[n];
            return self.pos(node.line, node.key_col, node.key_len);
        }
        if let Some((n, matched)) = self.deepest(path) {
            if let Some(last) = path.last().filter(|_| matched < path.len()) {
                let needle = format!("{last}:");
                for line in self.block(n) {
                    if let Some(c) = find_token(self.lines[line], &needle) {
                        return self.pos(line, c, last.chars().count());
                    }
                }
            }
            let node = &self.nodes[n];
            return self.pos(node.line, node.key_col, node.key_len);
        }
        self.pos(0, 0, 0)
    }

    /// Position of `value` written under the key at `path` (a scalar, or an item of a list),
    /// or of the key when the value cannot be found.
    pub fn value(&self, path: &[&str], value: &str) -> Pos {
        let start = self.node(path).or_else(|| self.deepest(path).map(|(n, _)| n));
        if let Some(n) = start {
            let node = &self.nodes[n];
            // Skip the key itself so `help-desk: help-desk` points at the value.
            let first = &self.lines[node.line];
            let mut skip = (node.key_col + node.key_bytes + 1).min(first.len());
            while !first.is_char_boundary(skip) {
                skip -= 1;
            }
            if let Some(c) = find_token(&first[skip..], value) {
                return self.pos(node.line, skip + c, value.chars().count());
            }
            for line in self.block(n).skip(1) {
                if let Some(c) = find_token(self.lines[line], value) {
                    return self.pos(line, c, value.chars().count());
                }
            }
        }
        self.key(path)
    }
}

/// Splits `key: value` (or `key:`) off a line; quoted keys are unquoted.
fn split_key(s: &str) -> Option<(&str, &str)> {
    if s.starts_with(['"', '\'']) {
        let q = s.chars().next()?;
        let end = s[1..].find(q)? + 1;
        let after = &s[end + 1..];
        let value = after.strip_prefix(':')?;
        if !(value.is_empty() || value.starts_with(' ')) {
            return None;
        }
        return Some((&s[1..end], value));
    }
    if s.starts_with(['[', '{', '#', '&', '*', '!', '|', '>', '%', '@', '`']) {
        return None;
    }
    let mut search = 0;
    while let Some(i) = s[search..].find(':') {
        let at = search + i;
        let after = &s[at + 1..];
        if after.is_empty() || after.starts_with([' ', '\t']) {
            return Some((s[..at].trim_end(), after));
        }
        search = at + 1;
    }
    None
}

/// Column (byte offset) of `needle` in `line` where it stands as a whole token, not as part of a
/// longer identifier (`it` must not match inside `acme-it`).
fn find_token(line: &str, needle: &str) -> Option<usize> {
    if needle.is_empty() {
        return None;
    }
    let is_word = |c: char| c.is_alphanumeric() || c == '-' || c == '_' || c == '.';
    let mut from = 0;
    while let Some(i) = line[from..].find(needle) {
        let at = from + i;
        let before = line[..at].chars().next_back();
        let after = line[at + needle.len()..].chars().next();
        let needle_ends_word = needle.ends_with(':');
        if !before.is_some_and(is_word) && (needle_ends_word || !after.is_some_and(is_word)) {
            return Some(at);
        }
        from = at + needle.len().max(1);
        while !line.is_char_boundary(from) {
            from += 1;
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    const DOC: &str = "title: A\nworkstreams:\n  help-desk:\n    accountable: acme-it\n    responsible: [acme-it, northwind-desk]\n  documentation: acme-docs\nfaq:\n  - q: One?\n    a: |\n      text: not a key\n  - q: Two?\n    a: yes\nparties:\n  acme: {name: Acme, kind: client}\n";

    #[test]
    fn finds_nested_keys_with_file_offset() {
        let idx = YamlIndex::new(DOC, 2);
        assert_eq!(idx.key(&["workstreams", "help-desk", "accountable"]), Pos { line: 5, column: 5, width: 11 });
        assert_eq!(idx.key(&["workstreams", "documentation"]).line, 7);
    }

    #[test]
    fn finds_sequence_items_and_skips_block_scalars() {
        let idx = YamlIndex::new(DOC, 1);
        assert_eq!(idx.key(&["faq", "#1", "q"]).line, 11);
        assert_eq!(idx.key(&["faq", "#0", "a"]).line, 9);
    }

    #[test]
    fn finds_values_in_flow_lists_as_whole_tokens() {
        let idx = YamlIndex::new(DOC, 1);
        let p = idx.value(&["workstreams", "help-desk", "responsible"], "northwind-desk");
        assert_eq!((p.line, p.column), (5, 28));
        let p = idx.value(&["workstreams", "documentation"], "acme-docs");
        assert_eq!((p.line, p.column), (6, 18));
    }

    #[test]
    fn non_ascii_keys_and_values_do_not_break_positions() {
        let doc = "tïtlé: Ünïcode\nwörkstreams:\n  hélp: [déşk, ëng]\n";
        let idx = YamlIndex::new(doc, 1);
        let p = idx.value(&["wörkstreams", "hélp"], "ëng");
        assert_eq!((p.line, p.column), (3, 16));
        assert_eq!(idx.value(&["tïtlé"], "Ünïcode").column, 8);
    }

    #[test]
    fn a_key_is_found_under_its_own_parents_first_and_last_when_repeated() {
        // `name` under three parents, `owners` twice (a duplicate key), `b` only in the second.
        let doc = "owners:\n  a:\n    name: A\nparties:\n  a:\n    name: P\nowners:\n  b:\n    name: B\n  a:\n    name: A2\n";
        // The same document followed by enough keys to be looked up through the children map.
        let filler: String = (0..SMALL).map(|i| format!("k{i}: v\n")).collect();
        let large = format!("{doc}{filler}");
        for text in [doc, large.as_str()] {
            let idx = YamlIndex::new(text, 1);
            assert_eq!(idx.key(&["owners", "a", "name"]).line, 3, "the first `owners.a.name`");
            assert_eq!(idx.key_last(&["owners", "a", "name"]).line, 11, "the last one");
            assert_eq!(idx.key(&["parties", "a", "name"]).line, 6, "not an owner's `name`");
            assert_eq!(idx.key(&["owners", "b"]).line, 8, "only under the second `owners`");
            assert_eq!(idx.key_last(&["owners"]).line, 7);
            assert_eq!(idx.key(&["name"]).line, 1, "no top-level `name`: the first line");
        }
    }

    #[test]
    fn a_large_registry_positions_every_entry() {
        let entries: String = (0..5000).map(|i| format!("  team-{i}:\n    party: p{i}\n")).collect();
        let doc = format!("owners:\n{entries}");
        let idx = YamlIndex::new(&doc, 1);
        for i in (0..5000).step_by(7) {
            let id = format!("team-{i}");
            assert_eq!(idx.key(&["owners", &id]), Pos { line: 2 * i + 2, column: 3, width: id.chars().count() });
            assert_eq!(idx.value(&["owners", &id, "party"], &format!("p{i}")).line, 2 * i + 3);
        }
    }

    #[test]
    fn finds_keys_inside_flow_mappings() {
        let idx = YamlIndex::new(DOC, 1);
        let p = idx.key(&["parties", "acme", "kind"]);
        assert_eq!((p.line, p.column), (14, 22));
    }
}
