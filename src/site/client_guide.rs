//! One client's guide (`--client ID`): the client build narrowed to what one client may read.
//!
//! A provider hands each client its own guide, so a guide must hold nothing of another client's:
//! no playbook, no section written about them, no file kept in their folder. A playbook says
//! whose it is (`client:`); folders are inferred from what they hold, so a site laid out one
//! folder per client needs no extra markup. A folder is another client's when the playbooks in
//! it (at any depth, among those the client build shows) all name other clients; everything
//! in such a folder is left out, its section page and files included, while a folder holding
//! no client's playbook at all (guides, the home page) is shared. The top folder is always
//! shared.
//!
//! What a shared page says is the author's: the guide checks it (`client-leak`) for the names
//! of other clients and of their people, and their people's contacts, as a reader of the page
//! would see them; and so every text file it ships beside its pages (a note, a CSV, an SVG's
//! labels). Files that are not UTF-8 text (a PDF, an image) cannot be read for names.

use crate::HashSet;
use crate::config::{Audience, PartyKind};
use crate::content::Page;
use crate::diagnostics::{Diagnostic, Pos};
use crate::ownership::Registry;

use super::Site;

/// Which pages and files one client's guide keeps.
#[derive(Debug, Clone, PartialEq)]
pub struct ClientGuide {
    /// The client party (an index into the registry's parties).
    pub client: usize,
    /// Folders under `content/` (no leading or trailing `/`) holding only other clients'
    /// playbooks.
    foreign: HashSet<String>,
}

impl ClientGuide {
    /// The guide for party `client`, given each page and whether the client build would show it
    /// (`shown`: its audience and draft state).
    pub fn new(reg: &Registry, client: usize, pages: &[Page], shown: &[bool]) -> ClientGuide {
        let (mut others, mut own) = (HashSet::default(), HashSet::default());
        for (p, _) in pages.iter().zip(shown).filter(|(p, shown)| **shown && p.fm.client.is_some()) {
            let set = if Self::names(reg, client, p) { &mut own } else { &mut others };
            for dir in folders(p.dir()) {
                if !set.insert(dir.to_string()) {
                    break;
                }
            }
        }
        others.retain(|dir| !own.contains(dir));
        ClientGuide { client, foreign: others }
    }

    /// Whether page `p` says it is this client's.
    fn names(reg: &Registry, client: usize, p: &Page) -> bool {
        p.fm.client.as_deref().and_then(|c| reg.party(c)) == Some(client)
    }

    /// Whether the guide keeps page `p` (one the client build shows): a playbook naming this
    /// client, or a page naming none outside another client's folders.
    pub fn keeps(&self, reg: &Registry, p: &Page) -> bool {
        match p.fm.client {
            Some(_) => Self::names(reg, self.client, p),
            None => self.keeps_folder(p.dir()),
        }
    }

    /// `visible` (whether the client build shows each of `pages`) narrowed to what this guide
    /// keeps.
    pub fn narrow(&self, reg: &Registry, pages: &[Page], visible: &mut [bool]) {
        visible.iter_mut().zip(pages).for_each(|(v, p)| *v = *v && self.keeps(reg, p));
    }

    /// Whether the guide keeps what folder `dir` holds that names no client (pages, files).
    pub fn keeps_folder(&self, dir: &str) -> bool {
        !folders(dir).any(|d| self.foreign.contains(d))
    }
}

impl Site {
    /// In one client's guide, each page it keeps that names another client or one of their
    /// owners in what a reader sees: the body (internal blocks already gone), the title and
    /// summary, the handoffs and the questions. One diagnostic per page and name, at the name's
    /// first place in the source.
    pub(super) fn check_client_leaks(&self, found: &mut Vec<Diagnostic>) {
        let Some(guide) = &self.guide else { return };
        let names = other_clients_names(&self.reg, guide.client);
        if names.is_empty() {
            return;
        }
        // Each name as written and as HTML writes it (`&` as `&amp;`).
        let mut patterns: Vec<String> = Vec::new();
        let mut pattern_name: Vec<usize> = Vec::new();
        for (n, name) in names.iter().enumerate() {
            let mut escaped = String::new();
            let _ = pulldown_cmark_escape::escape_html(&mut escaped, name);
            for form in [name.clone(), escaped] {
                if !patterns.contains(&form) {
                    patterns.push(form);
                    pattern_name.push(n);
                }
            }
        }
        let Ok(matcher) = aho_corasick::AhoCorasick::new(&patterns) else { return };
        let client = self.guide_client_name().unwrap_or_default();
        let leak = |file: &str, name: &str, at: Pos, help: &str| {
            Diagnostic::error("client-leak", file, format!("`{name}` is another client's: the guide for {client} must not name them"))
                .at(at)
                .help(help)
        };
        for (i, page) in self.visible_pages() {
            let mut named: Vec<usize> = Vec::new();
            let mut look = |text: &str| names_in(&matcher, &pattern_name, text, &mut named);
            look(&page.title);
            page.fm.summary.as_deref().into_iter().for_each(&mut look);
            if let Some(r) = &self.rendered[i] {
                look(&r.html);
            }
            (0..self.own.rows[i].len()).for_each(|n| look(&self.row_html(i, n).0));
            for faq in &self.faqs[i] {
                look(&faq.question);
                look(&faq.answer_html);
            }
            if named.is_empty() {
                continue;
            }
            let source = page_source(&self.root, page);
            for n in named {
                let name = &names[n];
                let help = "write it without the name, move it into a `::: internal` block, or into that client's folder";
                found.push(leak(&page.file, name, first_place(source.as_deref().unwrap_or(""), name), help));
            }
        }
        for asset in self.shipped_assets() {
            let Some(text) = crate::regular_file::read_if_text(&asset.source) else { continue };
            let mut named: Vec<usize> = Vec::new();
            names_in(&matcher, &pattern_name, &text, &mut named);
            let file = format!("{}/{}", crate::content::CONTENT_DIR, asset.rel);
            for n in named {
                let name = &names[n];
                let at = place_in(&text, name).unwrap_or(Pos::line(1));
                found.push(leak(&file, name, at, "remove the name from the file, or move the file into that client's folder"));
            }
        }
    }
}

/// Adds to `named` each name (an index of `pattern_name`'s values) standing as whole words in
/// `text`.
fn names_in(matcher: &aho_corasick::AhoCorasick, pattern_name: &[usize], text: &str, named: &mut Vec<usize>) {
    // A name wrapped across two lines has a line break for a space.
    let text: std::borrow::Cow<str> = if text.contains(['\n', '\r']) { text.replace(['\n', '\r'], " ").into() } else { text.into() };
    let text = text.as_ref();
    for m in matcher.find_overlapping_iter(text) {
        if !whole_word(text, m.start(), m.end()) {
            continue;
        }
        let n = pattern_name[m.pattern().as_usize()];
        if !named.contains(&n) {
            named.push(n);
        }
    }
}

/// The names a guide for `client` must not show: every other client party's, and those of
/// their owners and their owners' contacts (an address, a phone number) that no owner of a party
/// the guide may show also has (a role such as "Office manager" can be every client's).
fn other_clients_names(reg: &Registry, client: usize) -> Vec<String> {
    let other = |p: Option<usize>| p.is_some_and(|p| p != client && reg.parties[p].1.kind == PartyKind::Client);
    let mut names: Vec<String> =
        reg.parties.iter().enumerate().filter(|&(p, _)| other(Some(p))).map(|(_, (_, p))| p.name.clone()).collect();
    let owners = || reg.owners.iter().zip(&reg.owner_party).map(|((_, o), &p)| (o, other(p)));
    let said =
        |o: &crate::config::Owner| -> Vec<String> { std::iter::once(&o.name).chain(&o.contact.0).map(|s| s.trim().to_string()).collect() };
    let shared: HashSet<String> = owners().filter(|(_, theirs)| !theirs).flat_map(|(o, _)| said(o)).map(|s| s.to_lowercase()).collect();
    names.extend(owners().filter(|(_, theirs)| *theirs).flat_map(|(o, _)| said(o)).filter(|s| !shared.contains(&s.to_lowercase())));
    names.retain(|n| n.chars().count() > 1);
    names.sort();
    names.dedup();
    names
}

/// The page's source text: in hand, or (once a build has let it go) read again.
fn page_source(root: &std::path::Path, page: &Page) -> Option<String> {
    match page.raw.is_empty() || page.fm_text_released {
        true => crate::regular_file::read_text(&root.join(&page.file)).map(crate::content::without_byte_order_mark),
        false => Some(page.raw.clone()),
    }
}

/// Where a reader of page source `text` first sees `name`: in the body outside internal blocks,
/// else in the front-matter (the first line when it is not written as it is).
fn first_place(text: &str, name: &str) -> Pos {
    let body_start = crate::content::split_front_matter(text).map_or(0, |(_, _, start, _)| start);
    let (front, body) = text.split_at(body_start);
    // Blanking keeps every line where it was; a line it keeps, it keeps as written.
    let shown = crate::markdown::prepare_internal_blocks(body, Audience::Client).map(|(shown, _)| shown);
    let in_body = shown.ok().and_then(|shown| Some((front.matches('\n').count(), place_in(&shown, name)?)));
    match in_body.or_else(|| Some((0, place_in(front, name)?))) {
        Some((lines_before, pos)) => Pos { line: lines_before + pos.line, ..pos },
        None => Pos::line(1),
    }
}

/// The line and column (1-based) of `name`'s first whole-word place in `text`, its spaces
/// matching any run of white space, a line break included (a name wrapped across lines); the
/// width runs to the end of the line at most.
fn place_in(text: &str, name: &str) -> Option<Pos> {
    let (squeezed, from) = squeeze(text);
    let (name, _) = squeeze(name);
    let at = from[find_word(&squeezed, name.trim())?];
    let start = text[..at].rfind('\n').map_or(0, |i| i + 1);
    let line_rest = text[at..].split('\n').next().unwrap_or("");
    Some(Pos {
        line: text[..at].matches('\n').count() + 1,
        column: text[start..at].chars().count() + 1,
        width: name.trim().chars().count().min(line_rest.chars().count()),
    })
}

/// `text` with each run of white space as one space, and for each byte of the result the
/// offset in `text` it came from.
fn squeeze(text: &str) -> (String, Vec<usize>) {
    let (mut out, mut from) = (String::with_capacity(text.len()), Vec::with_capacity(text.len()));
    let mut in_space = false;
    for (i, c) in text.char_indices() {
        if c.is_whitespace() {
            if !in_space {
                out.push(' ');
                from.push(i);
            }
            in_space = true;
        } else {
            out.push(c);
            from.extend(std::iter::repeat_n(i, c.len_utf8()));
            in_space = false;
        }
    }
    (out, from)
}

/// Whether `text[start..end]` is whole words: "IT" is not named in "ITIL".
fn whole_word(text: &str, start: usize, end: usize) -> bool {
    let word = |c: Option<char>| c.is_some_and(char::is_alphanumeric);
    !word(text[..start].chars().next_back()) && !word(text[end..].chars().next())
}

/// Where `name` first stands as whole words in `text`.
fn find_word(text: &str, name: &str) -> Option<usize> {
    text.match_indices(name).map(|(at, _)| at).find(|&at| whole_word(text, at, at + name.len()))
}

/// `dir` and each folder above it, nearest first, short of the top folder.
fn folders(dir: &str) -> impl Iterator<Item = &str> {
    std::iter::successors((!dir.is_empty()).then_some(dir), |d| d.rsplit_once('/').map(|(up, _)| up))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_name_is_placed_where_it_starts_even_when_wrapped_across_lines() {
        let at = |text: &str, name: &str| place_in(text, name).map(|p| (p.line, p.column, p.width));
        assert_eq!(at("x\nAsk Linden &\n  Marsh Architects.", "Linden & Marsh Architects"), Some((2, 5, 8)));
        assert_eq!(at("Beta ITIL, then Beta IT.", "Beta IT"), Some((1, 17, 7)));
        assert_eq!(at("«Ünï» Beta Ltd", "Beta Ltd"), Some((1, 7, 8)));
        assert_eq!(at("Beta Ltda", "Beta Ltd"), None);
    }

    #[test]
    fn folders_walk_up_to_but_not_including_the_top() {
        assert_eq!(folders("clients/acme/2026").collect::<Vec<_>>(), ["clients/acme/2026", "clients/acme", "clients"]);
        assert_eq!(folders("").count(), 0);
    }
}
