//! Links for a site opened straight from disk (`build --offline`): each page's links into the
//! site (quoted `href`, `src` and `action` values that start with the base path) rewritten
//! relative to the page by the shortest path (`../managed/index.html` between two playbooks of
//! one client, not a climb to the root and down again), with `index.html` spelled out. Opened from `file://`, a link to
//! `/owners/` would name the disk's root and a folder would show a listing; these name the file.
//!
//! Applied to every rendered view as it leaves the renderer (`render::Job::render`), so full,
//! warm and in-place builds write the same bytes; the exports, the sitemap and `robots.txt`
//! keep their absolute URLs, as do links with a host (`https://…`).

/// The attributes whose values are links.
const ATTRIBUTES: [&[u8]; 3] = [b"href", b"src", b"action"];

/// `html`, the page written to `page` (a path relative to the output folder, such as
/// `owners/noc/index.html`), with every link into the site made relative to that page.
/// `base_path` is the site's (starts and ends with `/`). Only attribute values inside tags are
/// looked at, never text or comments.
pub fn relativize(html: &[u8], page: &str, base_path: &str) -> Vec<u8> {
    let from = Folder::of(page);
    let base = base_path.as_bytes();
    let mut out = Vec::with_capacity(html.len() + html.len() / 16);
    let mut copied = 0;
    let mut i = 0;
    while let Some(lt) = find(html, i, b'<') {
        i = lt + 1;
        if html[i..].starts_with(b"!--") {
            i = html[i..].windows(3).position(|w| w == b"-->").map_or(html.len(), |n| i + n + 3);
            continue;
        }
        // The tag's attributes, up to its `>` (one inside a quoted value does not end it).
        while i < html.len() && html[i] != b'>' {
            let quote = html[i];
            if quote != b'"' && quote != b'\'' {
                i += 1;
                continue;
            }
            let value_start = i + 1;
            let Some(value_end) = find(html, value_start, quote) else { return finish(out, html, copied) };
            i = value_end + 1;
            let Some(before) = html[..value_start - 1].strip_suffix(b"=") else { continue };
            let name_start = before.iter().rposition(|b| b.is_ascii_whitespace()).map_or(0, |n| n + 1);
            let name = &before[name_start..];
            let value = &html[value_start..value_end];
            // Into the site: the base path, but not a protocol-relative `//host/…`.
            if ATTRIBUTES.iter().any(|a| name.eq_ignore_ascii_case(a)) && value.starts_with(base) && !value.starts_with(b"//") {
                out.extend_from_slice(&html[copied..value_start]);
                out.extend_from_slice(&from.link_to(&value[base.len()..]));
                copied = value_end;
            }
        }
    }
    finish(out, html, copied)
}

fn find(bytes: &[u8], from: usize, byte: u8) -> Option<usize> {
    bytes.get(from..)?.iter().position(|&b| b == byte).map(|n| from + n)
}

fn finish(mut out: Vec<u8>, html: &[u8], copied: usize) -> Vec<u8> {
    out.extend_from_slice(&html[copied..]);
    out
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
    fn link_to(&self, rest: &[u8]) -> Vec<u8> {
        let cut = rest.iter().position(|&b| b == b'?' || b == b'#').unwrap_or(rest.len());
        let (path, tail) = rest.split_at(cut);
        // The target's folders, then its file (empty for a folder's own page).
        let mut folders: Vec<&[u8]> = path.split(|&b| b == b'/').collect();
        let file = folders.pop().unwrap_or_default();
        let shared = self.0.iter().zip(&folders).take_while(|(a, b)| a == b).count();
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

#[cfg(test)]
mod tests {
    use super::*;

    fn rel(html: &str, page: &str, base: &str) -> String {
        String::from_utf8(relativize(html.as_bytes(), page, base)).expect("utf-8")
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
