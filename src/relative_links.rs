//! Links for a site opened straight from disk (`build --offline`): each page's links into the
//! site (quoted `href`, `src` and `action` values that start with the base path) rewritten
//! relative to the page, with `index.html` spelled out. Opened from `file://`, a link to
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
    let up = "../".repeat(page.matches('/').count());
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
                out.extend_from_slice(&relative(&value[base.len()..], &up));
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

/// A path below the site's root (after the base path), with its query and fragment, as seen
/// from a page `up` folders down: `owners/noc/#roles` → `../../owners/noc/index.html#roles`.
fn relative(rest: &[u8], up: &str) -> Vec<u8> {
    let cut = rest.iter().position(|&b| b == b'?' || b == b'#').unwrap_or(rest.len());
    let (path, tail) = rest.split_at(cut);
    let mut link = Vec::with_capacity(up.len() + rest.len() + 10);
    link.extend_from_slice(up.as_bytes());
    link.extend_from_slice(path);
    if path.is_empty() || path.ends_with(b"/") {
        link.extend_from_slice(b"index.html");
    }
    link.extend_from_slice(tail);
    link
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
    fn a_base_path_below_the_host_is_stripped() {
        let html = r#"<a href="/docs/owners/">o</a><a href="/docs/">home</a>"#;
        assert_eq!(rel(html, "owners/index.html", "/docs/"), r#"<a href="../owners/index.html">o</a><a href="../index.html">home</a>"#);
    }

    #[test]
    fn an_unclosed_attribute_ends_the_rewriting_without_losing_bytes() {
        let html = r#"<a href="/a/">a</a><a href="/b/"#;
        assert_eq!(rel(html, "index.html", "/"), r#"<a href="a/index.html">a</a><a href="/b/"#);
    }
}
