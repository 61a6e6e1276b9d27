//! Links for a site opened straight from disk (`build --offline`): each page's links into the
//! site (`href`, `src`, `srcset`, `poster`, `action`, `data` and `xlink:href` values that start with the
//! base path) rewritten relative to the page by the shortest path (`../managed/index.html`
//! between two playbooks of one client, not a climb to the root and down again), with
//! `index.html` spelled out. Opened from
//! `file://`, a link to `/owners/` would name the disk's root and a folder would show a listing;
//! these name the file.
//!
//! The page is read as a browser tokenises it, as far as links go: tags and their attributes
//! (quoted or not, with or without spaces around `=`), comments skipped, and the text of
//! `<script>` and `<style>` skipped whole, so a `<` or a stray quote there hides nothing that
//! follows. A link's last segment without a dot (`/owners`) is taken for a folder, as every page
//! of a site is one, and one with a dot for a file, unless the site says otherwise
//! ([`PathKinds`]: a copied file named without a dot, such as `LICENSE`, or a page in a folder
//! named with one, such as `/guides/v1.2`).
//!
//! Applied to every rendered view as it leaves the renderer (`render::Job::render`), so full,
//! warm and in-place builds write the same bytes; the exports, the sitemap and `robots.txt`
//! keep their absolute URLs, as do links with a host (`https://…`).

use std::borrow::Cow;

/// The attributes whose values are links.
/// (`data` is an `<object>`'s: there is no global attribute of that name, only `data-*` ones.)
const ATTRIBUTES: [&[u8]; 6] = [b"href", b"src", b"action", b"poster", b"data", b"xlink:href"];

/// The attribute whose value is a list of links, each with its descriptors (`a.png 1x, b.png 2x`).
const SRCSET: &[u8] = b"srcset";

/// `html`, the page written to `page` (a path relative to the output folder, such as
/// `owners/noc/index.html`), with every link into the site made relative to that page.
/// `base_path` is the site's (starts and ends with `/`). Only attribute values inside tags are
/// looked at, never text, comments or scripts.
pub fn relativize(html: &[u8], page: &str, base_path: &str, kinds: &PathKinds) -> Vec<u8> {
    let from = Folder::of(page);
    let bases = spellings(base_path);
    let mut out = Vec::with_capacity(html.len() + html.len() / 16);
    let mut copied = 0;
    link_values(html, |value| {
        if let Some(rest) = below_base(&html[value.clone()], &bases) {
            out.extend_from_slice(&html[copied..value.start]);
            out.extend_from_slice(&from.link_to(rest, kinds));
            copied = value.end;
        }
    });
    finish(out, html, copied)
}

/// Calls `each` with the place of every link value ([`ATTRIBUTES`], and each URL of a `srcset`) in `html`, in
/// order, as a browser tokenises the tags; an unclosed quoted value ends the search. Returns the
/// raw-text element (`script`, `style`, `textarea`, `title`) left open at the end, if any: what
/// follows is its text.
pub fn link_values(html: &[u8], mut each: impl FnMut(std::ops::Range<usize>)) -> Option<&'static str> {
    let mut i = 0;
    while let Some(lt) = find(html, i, b'<') {
        i = lt + 1;
        match html.get(i) {
            Some(b'!') if html[i..].starts_with(b"!--") => {
                i = find_seq(html, i + 3, b"-->").map_or(html.len(), |n| n + 3);
                continue;
            }
            // A doctype or a bogus comment (`<!x>`, `<?x>`) ends at the first `>`.
            Some(b'!' | b'?') => {
                i = find(html, i, b'>').map_or(html.len(), |n| n + 1);
                continue;
            }
            // Only a letter starts a tag: `1 < 2` and `</a>` hold no link.
            Some(b) if b.is_ascii_alphabetic() => {}
            _ => continue,
        }
        let name_start = i;
        while i < html.len() && !(html[i].is_ascii_whitespace() || html[i] == b'/' || html[i] == b'>') {
            i += 1;
        }
        let tag = &html[name_start..i];
        // The tag's attributes, up to its `>`.
        loop {
            while i < html.len() && (html[i].is_ascii_whitespace() || html[i] == b'/') {
                i += 1;
            }
            match html.get(i) {
                None => return None,
                Some(b'>') => {
                    i += 1;
                    break;
                }
                Some(_) => {}
            }
            let name_start = i;
            i += 1;
            while i < html.len() && !(html[i].is_ascii_whitespace() || matches!(html[i], b'/' | b'>' | b'=')) {
                i += 1;
            }
            let name = &html[name_start..i];
            let mut j = skip_spaces(html, i);
            if html.get(j) != Some(&b'=') {
                i = j;
                continue;
            }
            j = skip_spaces(html, j + 1);
            let (value_start, value_end) = match html.get(j) {
                None => return None,
                Some(&quote @ (b'"' | b'\'')) => match find(html, j + 1, quote) {
                    Some(end) => (j + 1, end),
                    // An unclosed value runs to the end: nothing after it is a tag.
                    None => return None,
                },
                Some(_) => {
                    let len = html[j..].iter().position(|b| b.is_ascii_whitespace() || *b == b'>').unwrap_or(html.len() - j);
                    (j, j + len)
                }
            };
            i = value_end + usize::from(value_start != j);
            if ATTRIBUTES.iter().any(|a| name.eq_ignore_ascii_case(a)) {
                each(value_start..value_end);
            } else if name.eq_ignore_ascii_case(SRCSET) {
                srcset_urls(html, value_start..value_end, &mut each);
            }
        }
        // Raw text: nothing in a script, a style sheet, a text area or a title is a tag, up to
        // its end tag.
        for raw in RAW_TEXT {
            if tag.eq_ignore_ascii_case(raw.as_bytes()) {
                match end_tag(html, i, raw.as_bytes()) {
                    Some(end) => i = end,
                    None => return Some(raw),
                }
            }
        }
    }
    None
}

/// Calls `each` with the place of every URL in the `srcset` value at `value`, as the HTML
/// standard splits it: a URL runs to the next space (less trailing commas), its descriptors to
/// the next comma outside parentheses.
fn srcset_urls(html: &[u8], value: std::ops::Range<usize>, each: &mut impl FnMut(std::ops::Range<usize>)) {
    let mut i = value.start;
    while i < value.end {
        while i < value.end && (html[i].is_ascii_whitespace() || html[i] == b',') {
            i += 1;
        }
        let start = i;
        while i < value.end && !html[i].is_ascii_whitespace() {
            i += 1;
        }
        let mut end = i;
        while end > start && html[end - 1] == b',' {
            end -= 1;
        }
        if end > start {
            each(start..end);
        }
        if end < i {
            // The URL ended in a comma: no descriptors follow.
            continue;
        }
        let mut depth = 0usize;
        while i < value.end && !(html[i] == b',' && depth == 0) {
            match html[i] {
                b'(' => depth += 1,
                b')' => depth = depth.saturating_sub(1),
                _ => {}
            }
            i += 1;
        }
    }
}

/// The elements whose contents are text, never tags.
const RAW_TEXT: [&str; 4] = ["script", "style", "textarea", "title"];

/// Where the end tag `</name` of a raw-text element left open by [`link_values`] starts in
/// `html`, if it does.
pub fn raw_text_end(html: &[u8], name: &str) -> Option<usize> {
    end_tag(html, 0, name.as_bytes())
}

/// The ways the base path is written in an attribute: as it is, escaped for HTML (how templates
/// write it) and escaped as a Markdown link's destination is (percent-encoded, then `&` and `'`
/// escaped). They differ only for a base path with `&`, quotes, spaces or non-ASCII letters.
fn spellings(base_path: &str) -> Vec<Vec<u8>> {
    let mut html = String::new();
    let _ = pulldown_cmark_escape::escape_html(&mut html, base_path);
    let mut href = String::new();
    let _ = pulldown_cmark_escape::escape_href(&mut href, base_path);
    let mut all = vec![base_path.as_bytes().to_vec()];
    for s in [html, href] {
        if !all.contains(&s.clone().into_bytes()) {
            all.push(s.into_bytes());
        }
    }
    all
}

/// A link's value after the base path (`/docs/owners/` → `owners/`), if it starts with it, or
/// is the base path without its last slash (`/docs`, `/docs#x`); never a protocol-relative
/// `//host/…`.
fn below_base<'v>(value: &'v [u8], bases: &[Vec<u8>]) -> Option<&'v [u8]> {
    if value.starts_with(b"//") {
        return None;
    }
    bases.iter().find_map(|base| {
        if let Some(rest) = value.strip_prefix(base.as_slice()) {
            return Some(rest);
        }
        let bare = base.strip_suffix(b"/").filter(|b| !b.is_empty())?;
        let rest = value.strip_prefix(bare)?;
        matches!(rest.first(), None | Some(b'?' | b'#')).then_some(rest)
    })
}

fn skip_spaces(bytes: &[u8], mut i: usize) -> usize {
    while bytes.get(i).is_some_and(u8::is_ascii_whitespace) {
        i += 1;
    }
    i
}

fn find(bytes: &[u8], from: usize, byte: u8) -> Option<usize> {
    bytes.get(from..)?.iter().position(|&b| b == byte).map(|n| from + n)
}

fn find_seq(bytes: &[u8], from: usize, seq: &[u8]) -> Option<usize> {
    bytes.get(from..)?.windows(seq.len()).position(|w| w == seq).map(|n| from + n)
}

/// Where the end tag `</name` (any case) starts, from `from` on.
fn end_tag(html: &[u8], from: usize, name: &[u8]) -> Option<usize> {
    let mut i = from;
    loop {
        let at = find_seq(html, i, b"</")?;
        let after = html.get(at + 2..at + 2 + name.len())?;
        if after.eq_ignore_ascii_case(name) {
            return Some(at);
        }
        i = at + 2;
    }
}

fn finish(mut out: Vec<u8>, html: &[u8], copied: usize) -> Vec<u8> {
    out.extend_from_slice(&html[copied..]);
    out
}

/// The paths below the output's root whose last segment says the wrong thing about what they
/// name: files the build copies that have no dot in their name (`files/LICENSE`), and page
/// folders that have one (`guides/v1.2`). Empty for nearly every site, so a link costs a lookup
/// only when the site has such a path.
#[derive(Default)]
pub struct PathKinds {
    dotless_files: crate::HashSet<Vec<u8>>,
    dotted_folders: crate::HashSet<Vec<u8>>,
}

impl PathKinds {
    /// From every file the build copies (`files`) and every page's folder (`folders`, with or
    /// without the trailing slash), each relative to the output's root.
    pub fn new<'a>(files: impl IntoIterator<Item = &'a str>, folders: impl IntoIterator<Item = &'a str>) -> PathKinds {
        let dotless_files = files.into_iter().filter(|f| misnamed_file(f)).map(|f| f.as_bytes().to_vec()).collect();
        let dotted_folders =
            folders.into_iter().map(|f| f.trim_end_matches('/')).filter(|f| misnamed_folder(f)).map(|f| f.as_bytes().to_vec()).collect();
        PathKinds { dotless_files, dotted_folders }
    }

    /// Whether a link to `path` (below the root, without a trailing slash, written escaped)
    /// names a folder.
    fn is_folder(&self, path: &[u8]) -> bool {
        let last = path.rsplit(|&b| b == b'/').next().unwrap_or_default();
        if last.contains(&b'.') {
            !self.dotted_folders.is_empty() && self.dotted_folders.contains(plain(path).as_ref())
        } else {
            self.dotless_files.is_empty() || !self.dotless_files.contains(plain(path).as_ref())
        }
    }
}

/// Whether a copied file's path (relative to the output's root) ends in a name without a dot,
/// which a link would take for a folder: a warm `--offline` build where such a file comes or
/// goes builds cold, since links to it are written differently.
pub fn misnamed_file(path: &str) -> bool {
    !path.rsplit('/').next().unwrap_or_default().contains('.')
}

/// Whether a page's folder (its URL path below the root) ends in a name with a dot, which a
/// link without the trailing slash would take for a file.
pub fn misnamed_folder(path: &str) -> bool {
    path.trim_end_matches('/').rsplit('/').next().unwrap_or_default().contains('.')
}

/// The folder a page is written in, as its path's segments below the output's root.
struct Folder<'a>(Vec<&'a [u8]>);

impl<'a> Folder<'a> {
    /// `owners/noc/index.html` → the folder `owners/noc`.
    fn of(page: &'a str) -> Folder<'a> {
        let mut segments: Vec<&[u8]> = page.as_bytes().split(|&b| b == b'/').collect();
        segments.pop();
        Folder(segments)
    }

    /// A path below the site's root (after the base path), with its query and fragment, as
    /// seen from this folder: from `clients/acme`, `owners/noc/#roles` is
    /// `../../owners/noc/index.html#roles` and `clients/acme/x.pdf` is `x.pdf`.
    fn link_to(&self, rest: &[u8], kinds: &PathKinds) -> Vec<u8> {
        let cut = rest.iter().position(|&b| b == b'?' || b == b'#').unwrap_or(rest.len());
        let (path, tail) = rest.split_at(cut);
        // The target's folders, then its file (empty for a folder's own page).
        let mut folders: Vec<&[u8]> = path.split(|&b| b == b'/').collect();
        let mut file = folders.pop().unwrap_or_default();
        if !file.is_empty() && kinds.is_folder(path) {
            folders.push(file);
            file = b"";
        }
        // The link's segments are written escaped (`%C3%9Cber-uns`), the page's path is not.
        let shared = self.0.iter().zip(&folders).take_while(|&(mine, theirs)| *mine == plain(theirs).as_ref()).count();
        let mut link = Vec::with_capacity(3 * (self.0.len() - shared) + rest.len() + 10);
        for _ in shared..self.0.len() {
            link.extend_from_slice(b"../");
        }
        for folder in &folders[shared..] {
            link.extend_from_slice(folder);
            link.push(b'/');
        }
        link.extend_from_slice(if file.is_empty() { b"index.html" } else { file });
        link.extend_from_slice(tail);
        link
    }
}

/// A link's segment as the file system names it: the HTML escapes and then the `%XX` escapes
/// undone (left as written where they are malformed).
fn plain(segment: &[u8]) -> Cow<'_, [u8]> {
    if !segment.iter().any(|&b| b == b'&' || b == b'%') {
        return Cow::Borrowed(segment);
    }
    let text = String::from_utf8_lossy(segment);
    let unescaped = text
        .replace("&#x27;", "'")
        .replace("&#39;", "'")
        .replace("&quot;", "\"")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&");
    Cow::Owned(crate::markdown::percent_decode_strict(&unescaped).unwrap_or(unescaped).into_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rel(html: &str, page: &str, base: &str) -> String {
        String::from_utf8(relativize(html.as_bytes(), page, base, &PathKinds::default())).expect("utf-8")
    }

    #[test]
    fn links_into_the_site_become_relative_files() {
        let html = r#"<a href="/owners/noc/">NOC</a> <link rel="stylesheet" href="/static/style.css"> <a href="/">Home</a>"#;
        assert_eq!(
            rel(html, "clients/acme/managed/index.html", "/"),
            r#"<a href="../../../owners/noc/index.html">NOC</a> <link rel="stylesheet" href="../../../static/style.css"> <a href="../../../index.html">Home</a>"#
        );
        assert_eq!(
            rel(html, "index.html", "/"),
            r#"<a href="owners/noc/index.html">NOC</a> <link rel="stylesheet" href="static/style.css"> <a href="index.html">Home</a>"#
        );
    }

    #[test]
    fn fragments_queries_and_forms_keep_their_tails() {
        let html = r#"<a href="/clients/x/#ws-help-desk">row</a><form action="/search/" method="get"><img src="/files/a.png" alt=""><a href="/search/?q=backup&amp;x=1">q</a>"#;
        assert_eq!(
            rel(html, "faq/index.html", "/"),
            r#"<a href="../clients/x/index.html#ws-help-desk">row</a><form action="../search/index.html" method="get"><img src="../files/a.png" alt=""><a href="../search/index.html?q=backup&amp;x=1">q</a>"#
        );
        assert_eq!(rel(r##"<a href="#top">top</a>"##, "faq/index.html", "/"), r##"<a href="#top">top</a>"##);
    }

    #[test]
    fn links_elsewhere_and_look_alikes_are_left_alone() {
        let html = r#"<a href="https://example.com/x/">x</a><a href="//cdn.example/y">y</a><a data-href="/owners/">d</a><p>see href="/owners/"</p><!-- <a href="/c/"> --><a title='a href="/t/"' href="mailto:a@b.c">m</a>"#;
        assert_eq!(rel(html, "a/index.html", "/"), html);
        // A link outside the base path stays as it is.
        assert_eq!(rel(r#"<a href="/other/x/">o</a>"#, "a/index.html", "/docs/"), r#"<a href="/other/x/">o</a>"#);
        // Single quotes and upper case are still links.
        assert_eq!(rel("<A HREF='/x/'>x</A>", "a/index.html", "/"), "<A HREF='../x/index.html'>x</A>");
    }

    #[test]
    fn srcset_poster_and_xlink_values_are_links_too() {
        let html = br#"<img srcset="/img/a.png 1x,/img/b,c.png 2x, /img/d.png" src="/img/a.png"><video poster="/v.jpg"></video><svg><use xlink:href="/icons.svg#x"/></svg><object data="/plan/" data-x="/no/"></object>"#;
        let out = String::from_utf8(relativize(html, "owners/noc/index.html", "/", &PathKinds::default())).unwrap();
        assert_eq!(
            out,
            r#"<img srcset="../../img/a.png 1x,../../img/b,c.png 2x, ../../img/d.png" src="../../img/a.png"><video poster="../../v.jpg"></video><svg><use xlink:href="../../icons.svg#x"/></svg><object data="../../plan/index.html" data-x="/no/"></object>"#
        );
        let mut urls = Vec::new();
        let value = br#"<img srcset="a.png, b.png 2x,c.png (x, y) 3w ,d.png">"#;
        link_values(value, |r| urls.push(String::from_utf8_lossy(&value[r]).into_owned()));
        assert_eq!(urls, ["a.png", "b.png", "c.png", "d.png"]);
    }

    #[test]
    fn links_take_the_shortest_path() {
        let page = "clients/acme/managed/index.html";
        let html = r#"<a href="/clients/acme/co-managed/#ws-help-desk">c</a><a href="/clients/acme/">up</a><a href="/clients/acme/managed/">self</a><img src="/clients/acme/managed/diagram.png"><a href="/clients/acmecorp/">other</a><a href="/clients/">all</a>"#;
        assert_eq!(
            rel(html, page, "/"),
            r#"<a href="../co-managed/index.html#ws-help-desk">c</a><a href="../index.html">up</a><a href="index.html">self</a><img src="diagram.png"><a href="../../acmecorp/index.html">other</a><a href="../../index.html">all</a>"#
        );
        // Only whole folders are shared: `owners` is not a prefix of `owners-old`.
        assert_eq!(rel(r#"<a href="/owners-old/x/">x</a>"#, "owners/index.html", "/"), r#"<a href="../owners-old/x/index.html">x</a>"#);
        // The root's own page, from the root and from below it.
        assert_eq!(rel(r#"<a href="/">home</a>"#, "index.html", "/"), r#"<a href="index.html">home</a>"#);
        assert_eq!(rel(r#"<a href="/docs/">home</a>"#, "faq/index.html", "/docs/"), r#"<a href="../index.html">home</a>"#);
    }

    #[test]
    fn attributes_are_read_as_a_browser_reads_them() {
        // Spaces around `=`, and values without quotes.
        assert_eq!(
            rel(r#"<a href = "/x/">x</a><a href=/y/#z>y</a>"#, "index.html", "/"),
            r#"<a href = "x/index.html">x</a><a href=y/index.html#z>y</a>"#
        );
        // A stray quote in an unquoted value, a `<` in a script and a style sheet's text hide
        // nothing that follows.
        let html = r#"<div class=note title=Northwind's><a href="/a/">a</a></div><script>if (1<2) go('/s/'); // it's fine
</script><style>a[href="/t/"]::after{content:"</"}</style><a href="/b/">b</a><p>1 < 2 isn't a tag</p><a href="/c/">c</a>"#;
        assert_eq!(
            rel(html, "index.html", "/"),
            r#"<div class=note title=Northwind's><a href="a/index.html">a</a></div><script>if (1<2) go('/s/'); // it's fine
</script><style>a[href="/t/"]::after{content:"</"}</style><a href="b/index.html">b</a><p>1 < 2 isn't a tag</p><a href="c/index.html">c</a>"#
        );
        // An end tag in another case still ends the script.
        assert_eq!(
            rel(r#"<SCRIPT>x='</'</Script><a href="/d/">d</a>"#, "index.html", "/"),
            r#"<SCRIPT>x='</'</Script><a href="d/index.html">d</a>"#
        );
    }

    #[test]
    fn a_folder_named_without_its_slash_is_still_a_folder() {
        assert_eq!(
            rel(r#"<a href="/owners">o</a><a href="/owners#noc">n</a>"#, "faq/index.html", "/"),
            r#"<a href="../owners/index.html">o</a><a href="../owners/index.html#noc">n</a>"#
        );
        assert_eq!(
            rel(r#"<a href="/docs">home</a><a href="/docs?q=1">q</a><a href="/docsx/">x</a>"#, "faq/index.html", "/docs/"),
            r#"<a href="../index.html">home</a><a href="../index.html?q=1">q</a><a href="/docsx/">x</a>"#
        );
    }

    #[test]
    fn a_file_named_without_a_dot_and_a_folder_named_with_one_are_what_the_site_says() {
        let kinds = PathKinds::new(["files/LICENSE", "files/read me", "static/style.css"], ["", "guides/v1.2/", "owners/noc/"]);
        let html = r#"<a href="/files/LICENSE">l</a><a href="/files/read%20me#top">r</a><a href="/guides/v1.2">n</a><a href="/guides/v1.2?x">q</a>"#;
        assert_eq!(
            String::from_utf8(relativize(html.as_bytes(), "guides/index.html", "/", &kinds)).expect("utf-8"),
            r#"<a href="../files/LICENSE">l</a><a href="../files/read%20me#top">r</a><a href="v1.2/index.html">n</a><a href="v1.2/index.html?x">q</a>"#
        );
        // What the site does not have is taken by its name's shape, as before.
        let html = r#"<a href="/files/NOTICE">n</a><a href="/guides/v2.0">v</a><a href="/owners/noc">o</a>"#;
        assert_eq!(
            String::from_utf8(relativize(html.as_bytes(), "guides/index.html", "/", &kinds)).expect("utf-8"),
            r#"<a href="../files/NOTICE/index.html">n</a><a href="v2.0">v</a><a href="../owners/noc/index.html">o</a>"#
        );
        assert!(misnamed_file("files/LICENSE") && !misnamed_file("files/a.pdf") && misnamed_file("v1.2/README"));
        assert!(misnamed_folder("guides/v1.2/") && !misnamed_folder("guides/") && !misnamed_folder("") && !misnamed_folder("v1.2/notes/"));
    }

    #[test]
    fn base_paths_and_folders_written_escaped_are_recognised() {
        // A template writes the base path escaped for HTML, Markdown percent-encodes it too.
        let html = r#"<a href="/a&amp;b/owners/">o</a><a href="/a&amp;b/x.pdf">x</a>"#;
        assert_eq!(rel(html, "faq/index.html", "/a&b/"), r#"<a href="../owners/index.html">o</a><a href="../x.pdf">x</a>"#);
        let html = r#"<a href="/ü/owners/">o</a><a href="/%C3%BC/guides/">g</a>"#;
        assert_eq!(rel(html, "faq/index.html", "/ü/"), r#"<a href="../owners/index.html">o</a><a href="../guides/index.html">g</a>"#);
        // The shared folders are compared unescaped: the shortest path from a folder whose
        // name is not ASCII.
        assert_eq!(rel(r#"<a href="/%C3%9Cber-uns/team/">t</a>"#, "Über-uns/index.html", "/"), r#"<a href="team/index.html">t</a>"#);
    }

    #[test]
    fn a_base_path_below_the_host_is_stripped() {
        let html = r#"<a href="/docs/owners/">o</a><a href="/docs/">home</a>"#;
        assert_eq!(rel(html, "faq/index.html", "/docs/"), r#"<a href="../owners/index.html">o</a><a href="../index.html">home</a>"#);
        assert_eq!(rel(html, "owners/index.html", "/docs/"), r#"<a href="index.html">o</a><a href="../index.html">home</a>"#);
    }

    #[test]
    fn an_unclosed_attribute_ends_the_rewriting_without_losing_bytes() {
        let html = r#"<a href="/a/">a</a><a href="/b/"#;
        assert_eq!(rel(html, "index.html", "/"), r#"<a href="a/index.html">a</a><a href="/b/"#);
    }
}
