//! Answers HTTP requests from the preview's in-memory files: safe path resolution (nothing
//! outside the built site, no `..`, no encoded slashes), MIME types, the 404 page, the live
//! reload script and the error overlay injected into HTML, and the Server-Sent Events stream.

use std::io::Write;
use std::sync::mpsc;
use std::time::Duration;

use tiny_http::{Header, Request, Response};

use super::State;

pub const EVENTS_PATH: &str = "/__demarcate/events";

/// Where a request path leads.
#[derive(Debug, PartialEq, Eq)]
pub enum Route {
    File(String),
    Events,
    BadRequest,
}

/// Maps a request target to a key of the built files. Rejects anything that could escape the
/// site: `..` segments, encoded slashes or backslashes, NUL bytes, invalid percent escapes.
pub fn route(target: &str) -> Route {
    let path = target.split(['?', '#']).next().unwrap_or("/");
    if path == EVENTS_PATH {
        return Route::Events;
    }
    let lower = path.to_ascii_lowercase();
    if lower.contains("%2f") || lower.contains("%5c") || lower.contains("%00") || path.contains('\\') {
        return Route::BadRequest;
    }
    let Some(decoded) = crate::markdown::percent_decode_strict(path) else { return Route::BadRequest };
    if !decoded.starts_with('/') || decoded.split('/').any(|s| s == ".." || s == ".") || decoded.contains('\0') {
        return Route::BadRequest;
    }
    let mut key = decoded.trim_start_matches('/').to_string();
    if key.is_empty() || key.ends_with('/') {
        key.push_str("index.html");
    }
    Route::File(key)
}

pub fn mime(path: &str) -> &'static str {
    let ext = path.rsplit('.').next().unwrap_or("").to_ascii_lowercase();
    match ext.as_str() {
        "html" | "htm" => "text/html; charset=utf-8",
        "css" => "text/css; charset=utf-8",
        "js" | "mjs" => "text/javascript; charset=utf-8",
        "json" => "application/json",
        "xml" => "application/xml",
        "txt" | "md" => "text/plain; charset=utf-8",
        "csv" => "text/csv; charset=utf-8",
        "svg" => "image/svg+xml",
        "png" => "image/png",
        "jpg" | "jpeg" => "image/jpeg",
        "gif" => "image/gif",
        "webp" => "image/webp",
        "ico" => "image/x-icon",
        "pdf" => "application/pdf",
        "woff2" => "font/woff2",
        "woff" => "font/woff",
        _ => "application/octet-stream",
    }
}

/// The live-reload script. `version` is [`State::version`] when the page was served: the stream
/// opened with it reloads the page at once if an event went out while the page was loading.
fn reload_script(version: &str) -> String {
    format!(
        r#"<script>/* demarcate serve: live reload */(function(){{var es=new EventSource("{EVENTS_PATH}?since={version}");es.addEventListener("reload",function(){{location.reload();}});es.addEventListener("css",function(){{document.querySelectorAll('link[rel="stylesheet"]').forEach(function(l){{var u=new URL(l.href);u.searchParams.set("v",Date.now());l.href=u.href;}});}});}})();</script>"#
    )
}

fn overlay(report: &str, heading: &str) -> String {
    let escaped = crate::markdown::escape_html(report);
    format!(
        "<div id=\"demarcate-errors\" role=\"alert\" style=\"position:fixed;inset:0;z-index:2147483647;overflow:auto;background:rgba(20,24,33,.96);color:#fff;padding:2rem;font:14px/1.5 ui-monospace,monospace\">\
         <h2 style=\"color:#ffb4a8;font:600 1.25rem system-ui,sans-serif;margin:0 0 1rem\">{heading}</h2>\
         <pre style=\"white-space:pre-wrap;margin:0\">{escaped}</pre>\
         <p style=\"font-family:system-ui,sans-serif;opacity:.8\">Fix the file and save: this page reloads by itself.</p></div>"
    )
}

/// Adds the reload script (and the overlay when the site is broken) before `</body>`.
pub fn inject(html: &[u8], errors: Option<&str>, version: &str) -> Vec<u8> {
    let text = String::from_utf8_lossy(html);
    let mut extra = reload_script(version);
    if let Some(report) = errors {
        extra.push_str(&overlay(report, "The site has errors — showing the last good build"));
    }
    match text.rfind("</body>") {
        Some(i) => format!("{}{extra}{}", &text[..i], &text[i..]).into_bytes(),
        None => format!("{text}{extra}").into_bytes(),
    }
}

/// What a path answers while the site has errors and there is no good copy of it to lay the
/// overlay over (no build has succeeded yet, or the page was given up for the memory budget
/// and cannot be rendered until the errors are fixed): the errors, and the reload script, so
/// that the browser shows the page once it is fixed.
fn errors_only(report: &str, version: &str, heading: &str) -> Vec<u8> {
    format!(
        "<!doctype html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <title>The site has errors · demarcate serve</title>\n</head>\n<body>\n{}{}\n</body>\n</html>\n",
        overlay(report, heading),
        reload_script(version)
    )
    .into_bytes()
}

/// Adds a header; names and values here are our own constants, so a failure can only drop it.
fn with_header<R: std::io::Read>(response: Response<R>, name: &str, value: &str) -> Response<R> {
    match Header::from_bytes(name.as_bytes(), value.as_bytes()) {
        Ok(h) => response.with_header(h),
        Err(_) => response,
    }
}

pub fn handle(request: Request, state: &State) {
    let target = request.url().to_string();
    let key = match route(&target) {
        Route::Events => return stream_events(request, state),
        Route::BadRequest => {
            let _ = request.respond(Response::from_string("400 Bad Request\n").with_status_code(400));
            return;
        }
        Route::File(key) => key,
    };
    // The version before the snapshot (see `State::version`).
    let version = state.version();
    let snapshot = state.snapshot();
    let errors = snapshot.errors.as_deref();
    // `/owners/acme` is served like `/owners/acme/`: pages link root-relative, so nothing breaks.
    let folder = format!("{key}/index.html");
    // A stale file (not rendered since the last edit, or new) is rendered on request.
    let known = |key: &str| snapshot.files.contains_key(key) || snapshot.stale.contains(key);
    let fresh = |key: &str| {
        if snapshot.stale.contains(key) {
            state.ensure(key)
        } else {
            let bytes = snapshot.files.get(key).cloned();
            if bytes.is_some() {
                state.note_served(key);
            }
            bytes
        }
    };
    let key = if known(&key) { key } else { folder };
    let (status, key, body) = match fresh(&key) {
        Some(bytes) => (200, key, bytes),
        None if errors.is_some() && (snapshot.files.is_empty() || known(&key)) => {
            let heading = if snapshot.files.is_empty() {
                "The site has errors — nothing has built yet"
            } else {
                "The site has errors — this page shows once they are fixed"
            };
            let page = errors_only(errors.unwrap_or_default(), &version, heading);
            let response = with_header(Response::from_data(page).with_status_code(503), "Content-Type", "text/html; charset=utf-8");
            let _ = request.respond(with_header(response, "Cache-Control", "no-store"));
            return;
        }
        None => match fresh("404.html") {
            Some(bytes) => (404, "404.html".to_string(), bytes),
            None => (404, "404.txt".to_string(), std::sync::Arc::new(b"404 Not Found\n".to_vec())),
        },
    };
    // Rendering a stale view may have found errors (see `State::ensure`): show them with it.
    let now = if snapshot.stale.contains(&key) { Some(state.snapshot()) } else { None };
    let errors = now.as_ref().map_or(errors, |s| s.errors.as_deref());
    let content_type = mime(&key);
    let data = if content_type.starts_with("text/html") { inject(&body, errors, &version) } else { body.to_vec() };
    let response = with_header(Response::from_data(data).with_status_code(status), "Content-Type", content_type);
    let response = with_header(response, "Cache-Control", "no-store");
    let _ = request.respond(response);
}

/// A Server-Sent Events stream: one `reload` or `css` event per rebuild, comments as
/// keep-alives so closed connections are noticed and dropped. A stream opened by a page served
/// before the latest event (`?since=` another version) starts with a `reload`.
fn stream_events(request: Request, state: &State) {
    let (tx, rx) = mpsc::channel::<&'static str>();
    // Subscribed before the version is compared: an event sent in between reaches this stream
    // one way or the other (at worst both, two reloads).
    state.subscribe(tx);
    let behind = since(request.url()).is_some_and(|v| v != state.version());
    let mut writer = request.into_writer();
    let catch_up = if behind { sse_event("reload") } else { String::new() };
    let head = format!(
        "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nCache-Control: no-store\r\nConnection: keep-alive\r\n\r\nretry: 300\n\n{catch_up}"
    );
    if writer.write_all(head.as_bytes()).and_then(|_| writer.flush()).is_err() {
        return;
    }
    loop {
        let message = match rx.recv_timeout(Duration::from_secs(10)) {
            Ok(event) => sse_event(event),
            Err(mpsc::RecvTimeoutError::Timeout) => ": keep-alive\n\n".to_string(),
            Err(mpsc::RecvTimeoutError::Disconnected) => return,
        };
        if writer.write_all(message.as_bytes()).and_then(|_| writer.flush()).is_err() {
            return;
        }
    }
}

/// One Server-Sent Event named `event` (the data repeats the name: the script listens by name).
fn sse_event(event: &str) -> String {
    format!("event: {event}\ndata: {event}\n\n")
}

/// The `since` parameter of an event-stream URL.
fn since(target: &str) -> Option<&str> {
    let query = target.split_once('?')?.1;
    query.split('&').find_map(|pair| pair.strip_prefix("since="))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn routes_stay_inside_the_site() {
        assert_eq!(route("/"), Route::File("index.html".into()));
        assert_eq!(route("/owners/acme-it/?x=1"), Route::File("owners/acme-it/index.html".into()));
        assert_eq!(route("/static/style.css"), Route::File("static/style.css".into()));
        assert_eq!(route("/a%20b/"), Route::File("a b/index.html".into()));
        for bad in ["/../etc/passwd", "/%2e%2e/etc/passwd", "/a/..%2Fb", "/a%2fb", "/a%5cb", "/a\\b", "/%zz", "/a/./b", "/%00"] {
            assert_eq!(route(bad), Route::BadRequest, "{bad}");
        }
        assert_eq!(route(EVENTS_PATH), Route::Events);
        assert_eq!(route(&format!("{EVENTS_PATH}?since=1f-3")), Route::Events);
        assert_eq!(since(&format!("{EVENTS_PATH}?since=1f-3")), Some("1f-3"));
        assert_eq!(since(&format!("{EVENTS_PATH}?x=1&since=2")), Some("2"));
        assert_eq!(since(EVENTS_PATH), None);
    }

    #[test]
    fn mime_types_by_extension() {
        assert_eq!(mime("a/index.html"), "text/html; charset=utf-8");
        assert_eq!(mime("static/style.css"), "text/css; charset=utf-8");
        assert_eq!(mime("matrix.csv"), "text/csv; charset=utf-8");
        assert_eq!(mime("blob"), "application/octet-stream");
    }

    #[test]
    fn injection_goes_before_body_end_and_escapes_errors() {
        let out = String::from_utf8(inject(b"<html><body><p>x</p></body></html>", Some("<script>bad</script>"), "1f-3")).unwrap();
        assert!(out.contains("EventSource(\"/__demarcate/events?since=1f-3\")"), "{out}");
        assert!(out.contains("&lt;script&gt;bad"));
        assert!(out.ends_with("</body></html>"));
    }
}
