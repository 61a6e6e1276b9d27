//! The link check: every link of every page looked up where it lands (a page by its source, a
//! file by its path, a URL among the pages, the assets and the generated views down to each
//! list's page count: [`Places`]), anchors against the target's headings, rows and questions,
//! the closest existing target offered as a fix; two pages at one URL; a file under `content/`
//! at a page's URL; and in one client's guide, its pages' text for other clients' names
//! (`client_guide`).

use crate::{HashMap, HashSet};
use std::borrow::Cow;
use std::path::Path;

use super::Site;
use crate::config::Audience;
use crate::content::{self, Page};
use crate::diagnostics::{Diagnostic, Diagnostics, Pos};
use crate::markdown::{self, LinkKind};

impl Site {
    /// Why page `p` is not in this client's guide: another client's playbook, or in their folder.
    fn other_clients(&self, p: &Page) -> String {
        let whose = p.fm.client.as_deref().and_then(|c| self.reg.party(c)).map(|c| &self.reg.parties[c].1.name);
        match whose {
            Some(name) => format!("{}, {}", possessive(name), self.left_out_of_guide()),
            None => format!("in another client's folder, {}", self.left_out_of_guide()),
        }
    }

    /// "left out of the guide for NAME": what a link into another client's work is told.
    fn left_out_of_guide(&self) -> String {
        format!("left out of the guide for {}", self.guide_client_name().unwrap_or_default())
    }

    /// Every anchor a page offers: its headings, its ownership rows and its questions.
    pub fn anchors(&self, page: usize) -> HashSet<String> {
        let mut set = HashSet::default();
        if let Some(r) = &self.rendered[page] {
            set.extend(r.toc.iter().map(|t| t.id.clone()));
        }
        for row in &self.own.rows[page] {
            set.insert(format!("ws-{}", self.reg.workstreams[row.ws].0));
        }
        set.extend(self.faqs[page].iter().map(|f| f.anchor.clone()));
        set.extend(markdown::PAGE_IDS.iter().map(|s| s.to_string()));
        set
    }

    pub(super) fn check_links(&mut self) {
        let mut anchors: HashMap<usize, HashSet<String>> = HashMap::default();
        // The closest page to each missing target, worked out once per target (each answer
        // compares it with every page; a renamed folder breaks many links to the same pages).
        let mut closest: HashMap<&str, Option<&str>> = HashMap::default();
        // The same for missing files (among the assets) and URLs (among the pages' URLs).
        let mut closest_file: HashMap<&str, Option<&str>> = HashMap::default();
        let mut closest_url: HashMap<&str, Option<&str>> = HashMap::default();
        // Where links to files and URLs can land: worked out on the first such link.
        let mut places: Option<Places> = None;
        let mut found = Vec::new();
        // Why page `t` is not in this build, if it is not.
        let left_out = |t: usize| -> Option<(&'static str, Cow<'static, str>)> {
            let p = &self.pages[t];
            (!self.visible[t]).then(|| match &self.guide {
                Some(guide) if p.audience == Audience::Client && !guide.keeps(&self.reg, p) => {
                    ("internal-link", Cow::Owned(self.other_clients(p)))
                }
                _ if p.fm.draft => ("broken-link", Cow::Borrowed("a draft, left out of this build (build with --drafts to include it)")),
                _ => ("internal-link", Cow::Borrowed("internal-only, so it is not part of the client build")),
            })
        };
        for (i, r) in self.rendered.iter().enumerate() {
            let Some(r) = r else { continue };
            let page = &self.pages[i];
            for link in &r.links {
                let pos = Pos { line: link.line, column: link.column, width: link.width };
                let error = |code: &'static str, message: String| Diagnostic::error(code, page.file.as_str(), message).at(pos);
                let to_page = |t: usize, found: &mut Vec<Diagnostic>| match left_out(t) {
                    Some((code, why)) => {
                        found.push(error(code, format!("link to `{}`: that page is {why}", link.written)));
                        None
                    }
                    None => Some(t),
                };
                let target = match (link.kind, &link.target) {
                    (_, None) => Some(i),
                    (LinkKind::Unreadable, Some(_)) => {
                        found.push(
                            error("broken-link", format!("link to `{}`: a character reference here is not one HTML has", link.written))
                                .help("write the character itself, or `&amp;` for `&`"),
                        );
                        None
                    }
                    (LinkKind::Page, Some(rel)) => match self.by_rel.get(rel) {
                        None => {
                            let help = closest
                                .entry(rel.as_str())
                                .or_insert_with(|| crate::diagnostics::did_you_mean(rel, self.by_rel.keys().map(|k| k.as_str())))
                                .map(|s| format!("did you mean `{}`?", relative_from(page.dir(), s)));
                            found.push(
                                error("broken-link", format!("link to `{}`: no such page (content/{rel})", link.written)).maybe_help(help),
                            );
                            None
                        }
                        Some(&t) => to_page(t, &mut found),
                    },
                    (kind, Some(t)) => match places.get_or_insert_with(|| Places::of(self)).find(t) {
                        Place::Page(t) => to_page(t, &mut found),
                        // `img.png/`: the browser asks for a folder of that name, which there
                        // is not (joining the path dropped the slash).
                        Place::Asset(a)
                            if self.assets[a].rel == *t && link.written.split(['?', '#']).next().is_some_and(|p| p.ends_with('/')) =>
                        {
                            let name = t.rsplit('/').next().unwrap_or(t);
                            found.push(
                                error("broken-link", format!("link to `{}`: content/{t} is a file, not a folder", link.written))
                                    .help(format!("drop the `/` after `{name}`")),
                            );
                            None
                        }
                        Place::Asset(a) => {
                            let asset = &self.assets[a];
                            if !self.ships(asset) {
                                let why = match asset.audience {
                                    Audience::Internal => "internal-only, so it is not part of the client build".to_string(),
                                    Audience::Client => format!("in another client's folder, {}", self.left_out_of_guide()),
                                };
                                found.push(error("internal-link", format!("link to `{}`: that file is {why}", link.written)));
                            }
                            None
                        }
                        Place::Generated => None,
                        Place::Hidden(what) => {
                            let why = match self.guide {
                                Some(_) => "none of its work is this client's",
                                None => "internal-only work",
                            };
                            found.push(error(
                                "internal-link",
                                format!("link to `{}`: that {what} has no page in the client build ({why})", link.written),
                            ));
                            None
                        }
                        Place::Moved(t) => {
                            let p = &self.pages[t];
                            found.push(
                                error(
                                    "broken-link",
                                    format!("link to `{}`: the page of that folder, {}, is at /{}", link.written, p.file, p.path),
                                )
                                .help(format!("link to the page's source, `{}`", relative_from(page.dir(), &p.rel))),
                            );
                            None
                        }
                        Place::Folder(dir) => {
                            found.push(
                                error(
                                    "broken-link",
                                    format!("link to `{}`: content/{dir} is a folder without a page of its own", link.written),
                                )
                                .help(format!("add content/{}, or link to a page inside the folder", markdown::folder_pages(dir)[0])),
                            );
                            None
                        }
                        Place::Missing(why, help) => {
                            found.push(error("broken-link", format!("link to `{}`: {why}", link.written)).maybe_help(help));
                            None
                        }
                        Place::Nothing if kind == LinkKind::File => {
                            let help = closest_file
                                .entry(t.as_str())
                                .or_insert_with(|| crate::diagnostics::did_you_mean(t, self.assets.iter().map(|a| a.rel.as_str())))
                                .map(|s| format!("did you mean `{}`?", relative_from(page.dir(), s)));
                            found.push(
                                error("broken-link", format!("link to `{}`: no such file (content/{t})", link.written)).maybe_help(help),
                            );
                            None
                        }
                        Place::Nothing => {
                            let help = closest_url
                                .entry(t.as_str())
                                .or_insert_with(|| crate::diagnostics::did_you_mean(t, self.visible_pages().map(|(_, p)| p.path.as_str())))
                                .map(|s| format!("did you mean `/{s}`?"));
                            found.push(
                                error("broken-link", format!("link to `{}`: no page or file of this site has that URL", link.written))
                                    .maybe_help(help),
                            );
                            None
                        }
                    },
                };
                let (Some(t), Some(frag)) = (target, &link.fragment) else { continue };
                if frag.is_empty() {
                    continue;
                }
                let set = anchors.entry(t).or_insert_with(|| self.anchors(t));
                if !set.contains(frag) {
                    let mut candidates: Vec<&str> = set.iter().map(|s| s.as_str()).collect();
                    candidates.sort();
                    let help = crate::diagnostics::did_you_mean(frag, candidates).map(|s| format!("did you mean `#{s}`?"));
                    found.push(
                        error("broken-anchor", format!("link to `{}`: {} has no heading `#{frag}`", link.written, self.pages[t].file))
                            .maybe_help(help),
                    );
                }
            }
        }
        self.shadowed_pages(&mut places, &mut found);
        // With the links: a page's text and links change together, and the two checks' codes
        // are recomputed together on every edit (`LINK_CODES`).
        self.check_client_leaks(&mut found);
        self.diagnostics.extend(found);
    }

    /// A file under `content/` at a page's URL (`guides/index.html` beside `guides/_index.md`)
    /// is copied over the page, as files are at a generated view's URL on purpose: beside a page
    /// of the site's own it is almost always a leftover. Checked with the links, since both are
    /// about where a URL lands.
    fn shadowed_pages<'a>(&'a self, places: &mut Option<Places<'a>>, found: &mut Vec<Diagnostic>) {
        let at_folder_urls: Vec<&content::Asset> =
            self.shipped_assets().filter(|a| a.rel == "index.html" || a.rel.ends_with("/index.html")).collect();
        if at_folder_urls.is_empty() {
            return;
        }
        // The link check's pages by URL (a page in the build wins its URL over one left out).
        let by_path = &places.get_or_insert_with(|| Places::of(self)).by_path;
        for a in at_folder_urls {
            let url = &a.rel[..a.rel.len() - "index.html".len()];
            if let Some(&i) = by_path.get(url).filter(|&&i| self.visible[i]) {
                found.push(
                    Diagnostic::warning(
                        "shadowed-page",
                        format!("content/{}", a.rel),
                        format!("this file is copied over the page made from {} (/{url})", self.pages[i].file),
                    )
                    .help("delete or rename one of the two: a file under content/ takes the place of a page at its URL"),
                );
            }
        }
    }
}

fn relative_from(dir: &str, target: &str) -> String {
    let from: Vec<&str> = dir.split('/').filter(|s| !s.is_empty()).collect();
    let to: Vec<&str> = target.split('/').collect();
    let common = from.iter().zip(&to).take_while(|(a, b)| a == b).count();
    let mut parts: Vec<&str> = vec![".."; from.len() - common];
    parts.extend(&to[common..]);
    parts.join("/")
}

/// The folders of the output that only generated pages take.
const GENERATED_FOLDERS: [&str; 7] = ["owners/", "workstreams/", "parties/", "matrix/", "faq/", "search/", "static/"];

/// The generated files at the top of the output.
const GENERATED_FILES: [&str; 6] =
    ["robots.txt", "sitemap.xml", "404.html", crate::render::OWNERSHIP_JSON, crate::render::MATRIX_CSV, crate::render::SEARCH_INDEX];

/// What a link to a file or URL of the site lands on.
#[derive(Debug, PartialEq)]
enum Place<'a> {
    Page(usize),
    Asset(usize),
    /// A generated page or file: the owner, workstream and party pages this build has, the
    /// other views, the list pages the lists run to, the exports, the theme's static files.
    Generated,
    /// An owner's or a party's page, which this (client) build leaves out.
    Hidden(&'static str),
    /// A folder of `content/` with no page of its own (its path).
    Folder(&'a str),
    /// A folder whose page lives at another URL (a `slug`, or a name the URL spells otherwise).
    Moved(usize),
    /// Below a generated view, something it does not have: why, and what it has instead.
    Missing(String, Option<String>),
    Nothing,
}

/// The pages by URL, the assets by path, and the folders of `content/`: where links to files
/// and URLs can land. Built once per check, and only for a site that has such links.
struct Places<'a> {
    site: &'a Site,
    by_path: HashMap<&'a str, usize>,
    assets: HashMap<&'a str, usize>,
    folders: HashSet<&'a str>,
    party_shown: Vec<bool>,
    /// What the theme's layers copy below `static/`, and how many pages the FAQ has: found on
    /// the first link that needs them.
    statics: std::cell::OnceCell<HashSet<String>>,
    faq_pages: std::cell::OnceCell<usize>,
}

impl<'a> Places<'a> {
    fn of(site: &'a Site) -> Places<'a> {
        let mut by_path = HashMap::default();
        for (i, p) in site.pages.iter().enumerate() {
            // A page in the build wins its URL over one left out (a duplicate URL is reported).
            if site.visible[i] || !by_path.contains_key(p.path.as_str()) {
                by_path.insert(p.path.as_str(), i);
            }
        }
        let assets = site.assets.iter().enumerate().map(|(k, a)| (a.rel.as_str(), k)).collect();
        let mut folders = HashSet::default();
        for rel in site.pages.iter().map(|p| p.rel.as_str()).chain(site.assets.iter().map(|a| a.rel.as_str())) {
            let mut rest = rel;
            while let Some((dir, _)) = rest.rsplit_once('/') {
                if !folders.insert(dir) {
                    break;
                }
                rest = dir;
            }
        }
        Places {
            site,
            by_path,
            assets,
            folders,
            party_shown: crate::render::parties_shown(site),
            statics: Default::default(),
            faq_pages: Default::default(),
        }
    }

    /// Where `target` (a path below `content/` or the site root, without a leading slash) lands.
    fn find(&self, target: &'a str) -> Place<'a> {
        if let Some(&k) = self.assets.get(target) {
            return Place::Asset(k);
        }
        let dir = target.trim_end_matches('/');
        let dir = if dir == "index.html" { "" } else { dir.strip_suffix("/index.html").unwrap_or(dir) };
        let url = if dir.is_empty() { String::new() } else { format!("{dir}/") };
        if let Some(&i) = self.by_path.get(url.as_str()) {
            return Place::Page(i);
        }
        if dir.is_empty() || GENERATED_FILES.contains(&target) {
            return Place::Generated;
        }
        if let Some(file) = target.strip_prefix(crate::render::STATIC_DIR) {
            return self.static_file(file);
        }
        if let Some(place) = self.generated(&url) {
            return place;
        }
        // A folder of content/ served by an HTML file of its own, copied as it is.
        if let Some(&k) = self.assets.get(format!("{dir}/index.html").as_str()) {
            return Place::Asset(k);
        }
        if self.folders.contains(dir) {
            let page = markdown::folder_pages(dir).into_iter().find_map(|rel| self.site.by_rel.get(&rel));
            return page.map_or(Place::Folder(dir), |&i| Place::Moved(i));
        }
        Place::Nothing
    }

    /// Where `url` (ending in `/`) lands among the generated views, if it is below one: an
    /// owner's, a workstream's or a party's page only while it has one, and a list page only
    /// while the list runs to it.
    fn generated(&self, url: &str) -> Option<Place<'a>> {
        let folder = GENERATED_FOLDERS.iter().find(|g| url.starts_with(**g))?;
        let rest = &url[folder.len()..];
        let site = self.site;
        let reg = &site.reg;
        // Below the views of one owner, workstream or party: its id (the id itself, never an
        // alias), then its own list pages.
        let (id, after) = rest.split_once('/').unwrap_or((rest, ""));
        let own_list = |what: &str, pages: usize| list_page(&format!("{what} `{id}`"), &format!("/{folder}{id}/"), pages, after);
        Some(match *folder {
            // The views' own pages, each with its list pages; there is no list of parties.
            "matrix/" => list_page("the matrix", "/matrix/", crate::render::matrix_paging(site).count(), rest),
            "faq/" => {
                let pages = *self.faq_pages.get_or_init(|| crate::render::faq_page_count(site));
                list_page("the FAQ", "/faq/", pages, rest)
            }
            "owners/" | "workstreams/" | "search/" if rest.is_empty() => Place::Generated,
            "owners/" => match reg.owner(id).filter(|&o| reg.owners[o].0 == id) {
                Some(o) if crate::render::owner_shown(site, o) => own_list("owner", crate::render::page_count(site.own.by_owner[o].len())),
                Some(_) => Place::Hidden("owner"),
                None => Place::Nothing,
            },
            "workstreams/" => match reg.workstream(id).filter(|&w| reg.workstreams[w].0 == id) {
                Some(w) => own_list("workstream", crate::render::ws_paging(site, w).count()),
                None => Place::Nothing,
            },
            "parties/" => match reg.party(id).filter(|&p| reg.parties[p].0 == id && after.is_empty()) {
                Some(p) if self.party_shown[p] => Place::Generated,
                Some(_) => Place::Hidden("party"),
                None => Place::Nothing,
            },
            _ => Place::Nothing,
        })
    }

    /// Where a link to `file` below `/static/` lands: a file the theme's layers copy there.
    fn static_file(&self, file: &str) -> Place<'a> {
        let site = self.site;
        let names = self.statics.get_or_init(|| crate::theme::static_names(&site.root, site.cfg.config.theme.as_deref()));
        if names.contains(file) {
            return Place::Generated;
        }
        let mut candidates: Vec<&str> = names.iter().map(String::as_str).collect();
        candidates.sort_unstable();
        let help = crate::diagnostics::did_you_mean(file, candidates).map(|s| format!("did you mean `/static/{s}`?"));
        Place::Missing(
            format!("neither the theme nor the site's static/ folder has a file static/{file}"),
            help.or_else(|| Some("put the file in the site's static/ folder".into())),
        )
    }
}

/// Where `after` (what follows the URL `first` of a list's first page: nothing, or a path
/// ending in `/`) lands in the list called `name`, `pages` pages long: its first page, or
/// `page/N/` up to `page/{pages}/`.
fn list_page<'a>(name: &str, first: &str, pages: usize, after: &str) -> Place<'a> {
    if after.is_empty() {
        return Place::Generated;
    }
    // Only as a pager writes the number: digits, no leading zero.
    let number = after.strip_prefix("page/").and_then(|n| n.strip_suffix('/'));
    let Some(n) = number.filter(|n| n.bytes().all(|b| b.is_ascii_digit()) && !n.starts_with('0')).and_then(|n| n.parse::<usize>().ok())
    else {
        return Place::Nothing;
    };
    match n {
        2.. if n <= pages => Place::Generated,
        1 => Place::Missing(format!("{} first page is {first}, not {first}page/1/", possessive(name)), Some(format!("link to `{first}`"))),
        _ => Place::Missing(
            format!("{name} has {}", if pages == 1 { "one page".to_string() } else { format!("{pages} pages") }),
            Some(if pages == 1 { format!("link to `{first}`") } else { format!("its last page is `{first}page/{pages}/`") }),
        ),
    }
}

pub(super) fn check_duplicate_urls(root: &Path, pages: &[Page], visible: &[bool], diags: &mut Diagnostics) {
    let mut seen: HashMap<&str, usize> = HashMap::default();
    let reserved = GENERATED_FOLDERS;
    // The FAQ's and the search's first page are generated; pages below them are the site's.
    let whole_folder = |r: &str| r != "faq/" && r != "search/";
    for (i, p) in pages.iter().enumerate() {
        if !visible[i] {
            continue;
        }
        if let Some(r) = reserved.iter().find(|r| p.path == **r || (p.path.starts_with(**r) && whole_folder(r))) {
            diags.push(
                Diagnostic::error(
                    "duplicate-url",
                    p.file.as_str(),
                    format!("/{} is reserved for the generated {} pages", p.path, r.trim_end_matches('/')),
                )
                .help("move the page to another folder or give it a `slug`"),
            );
            continue;
        }
        // The home page is a section (content/_index.md) or generated; a playbook at
        // content/index.md would be overwritten by it.
        if p.path.is_empty() && !p.is_section {
            diags.push(
                Diagnostic::error("duplicate-url", p.file.as_str(), "/ is the URL of the home page")
                    .help("write the home page's text in content/_index.md, or move this playbook into a folder"),
            );
            continue;
        }
        if let Some(&first) = seen.get(p.path.as_str()) {
            let pos = if p.fm.slug.is_some() { p.positions(root, &std::cell::OnceCell::new()).key(&["slug"]) } else { Pos::line(1) };
            diags.push(
                Diagnostic::error("duplicate-url", p.file.as_str(), format!("/{} is also the URL of {}", p.path, pages[first].file))
                    .at(pos)
                    .help("rename one of the files or give one a different `slug`"),
            );
        } else {
            seen.insert(&p.path, i);
        }
    }
}

/// `name`'s, or `name`' for a name ending in s ("Linden & Marsh Architects'").
fn possessive(name: &str) -> String {
    match name.ends_with(['s', 'S']) {
        true => format!("{name}'"),
        false => format!("{name}'s"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_name_ending_in_s_takes_an_apostrophe_alone() {
        assert_eq!(possessive("Beta Ltd"), "Beta Ltd's");
        assert_eq!(possessive("Linden & Marsh Architects"), "Linden & Marsh Architects'");
    }

    #[test]
    fn relative_paths_for_suggestions() {
        assert_eq!(relative_from("clients/acme", "clients/beta/x.md"), "../beta/x.md");
        assert_eq!(relative_from("", "a.md"), "a.md");
    }
}
