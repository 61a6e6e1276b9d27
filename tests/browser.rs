//! The theme in a real browser: headless Chromium driven through chromedriver's W3C WebDriver
//! JSON API (over the tiny HTTP client of `common`), looking at pages served by `demarcate serve`.
//! Live reload while the site changes on disk (the test never navigates or refreshes after the
//! first load: every change must reach the page by itself), search, and the header's layout from
//! phone to wide screen.
//!
//! Needs `chromedriver` on PATH and Chromium (Debian: `apt-get install chromium chromium-driver`);
//! without them the test prints a note and passes. `CHROMEDRIVER` and `CHROMIUM` override the
//! binaries.

mod common;

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use common::*;
use serde_json::{Value, json};

const CO: &str = "content/clients/acme-co-managed.md";
const CO_URL: &str = "/clients/acme-co-managed/";
const POLL_LIMIT: Duration = Duration::from_secs(15);

fn on_path(name: &str) -> Option<PathBuf> {
    std::env::var_os("PATH").and_then(|paths| std::env::split_paths(&paths).map(|d| d.join(name)).find(|p| p.is_file()))
}

fn chromedriver_binary() -> Option<PathBuf> {
    std::env::var_os("CHROMEDRIVER").map(PathBuf::from).filter(|p| p.is_file()).or_else(|| on_path("chromedriver"))
}

fn chromium_binary() -> Option<PathBuf> {
    if let Some(p) = std::env::var_os("CHROMIUM").map(PathBuf::from).filter(|p| p.is_file()) {
        return Some(p);
    }
    let fixed = Path::new("/usr/bin/chromium");
    if fixed.is_file() {
        return Some(fixed.to_path_buf());
    }
    ["chromium", "chromium-browser", "google-chrome", "google-chrome-stable"].iter().find_map(|n| on_path(n))
}

/// One WebDriver command; the `value` of the answer, or the WebDriver error.
fn wd(port: u16, method: &str, path: &str, body: Option<&Value>) -> Result<Value, String> {
    let bytes = body.map(|b| b.to_string().into_bytes());
    let r = http_request(port, method, path, bytes.as_deref(), Duration::from_secs(60)).map_err(|e| format!("{method} {path}: {e}"))?;
    let v: Value =
        serde_json::from_slice(&r.body).map_err(|e| format!("{method} {path}: status {}, no JSON ({e}): {}", r.status, r.text()))?;
    if r.status != 200 {
        return Err(format!("{method} {path}: status {}: {} {}", r.status, v["value"]["error"], v["value"]["message"]));
    }
    Ok(v["value"].clone())
}

/// A chromedriver process, killed when dropped.
struct Driver {
    child: Child,
    port: u16,
}

impl Driver {
    fn start(binary: &Path) -> Driver {
        let mut last = String::new();
        for _ in 0..3 {
            let port = free_port();
            let child = Command::new(binary)
                .arg(format!("--port={port}"))
                .stdin(Stdio::null())
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()
                .unwrap_or_else(|e| panic!("start {}: {e}", binary.display()));
            let mut d = Driver { child, port };
            let deadline = Instant::now() + Duration::from_secs(20);
            while Instant::now() < deadline {
                if let Ok(Some(s)) = d.child.try_wait() {
                    last = format!("chromedriver exited ({s})");
                    break;
                }
                match http_request(port, "GET", "/status", None, Duration::from_secs(2)) {
                    Ok(r) if serde_json::from_slice::<Value>(&r.body).is_ok_and(|v| v["value"]["ready"] == true) => return d,
                    Ok(r) => last = format!("chromedriver /status: {}", r.text()),
                    Err(e) => last = e.to_string(),
                }
                std::thread::sleep(Duration::from_millis(100));
            }
            drop(d);
        }
        panic!("chromedriver did not become ready: {last}");
    }
}

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A browser session; deleting it (on drop) quits the browser.
struct Session {
    port: u16,
    id: String,
    profile: tempfile::TempDir,
}

impl Session {
    fn new(driver: &Driver, chromium: &Path) -> Session {
        let profile = tempfile::tempdir().expect("profile dir");
        let caps = json!({"capabilities": {"alwaysMatch": {
            "browserName": "chrome",
            "pageLoadStrategy": "normal",
            "goog:chromeOptions": {
                "binary": chromium.to_string_lossy(),
                "args": [
                    "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                    "--disable-background-networking", "--disable-component-update", "--disable-sync",
                    "--no-first-run", "--window-size=1200,900",
                    format!("--user-data-dir={}", profile.path().display()),
                ]
            }
        }}});
        let v = wd(driver.port, "POST", "/session", Some(&caps)).unwrap_or_else(|e| panic!("create a browser session: {e}"));
        let id = v["sessionId"].as_str().unwrap_or_else(|| panic!("no sessionId in {v}")).to_string();
        Session { port: driver.port, id, profile }
    }

    fn cmd(&self, method: &str, path: &str, body: Option<Value>) -> Result<Value, String> {
        wd(self.port, method, &format!("/session/{}{path}", self.id), body.as_ref())
    }

    fn navigate(&self, url: &str) {
        self.cmd("POST", "/url", Some(json!({"url": url}))).unwrap_or_else(|e| panic!("navigate to {url}: {e}"));
    }

    fn exec(&self, script: &str) -> Value {
        self.cmd("POST", "/execute/sync", Some(json!({"script": script, "args": []}))).unwrap_or_else(|e| panic!("run `{script}`: {e}"))
    }

    fn text(&self) -> String {
        self.exec("return document.body ? document.body.innerText : '';").as_str().unwrap_or("").to_string()
    }

    fn url(&self) -> String {
        self.cmd("GET", "/url", None).ok().and_then(|v| v.as_str().map(String::from)).unwrap_or_default()
    }

    /// Polls `probe` (a script returning a value) until `ok` holds; panics after [`POLL_LIMIT`].
    fn wait_for(&self, what: &str, probe: &str, ok: impl Fn(&Value) -> bool) -> Value {
        let deadline = Instant::now() + POLL_LIMIT;
        loop {
            // A reload in progress can make a script fail: just try again.
            let v = self.cmd("POST", "/execute/sync", Some(json!({"script": probe, "args": []}))).unwrap_or(Value::Null);
            if ok(&v) {
                return v;
            }
            if Instant::now() > deadline {
                panic!("{what}: not within {POLL_LIMIT:?}; last probe value: {v}\npage text:\n{}", self.text());
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    }
}

impl Drop for Session {
    fn drop(&mut self) {
        if wd(self.port, "DELETE", &format!("/session/{}", self.id), None).is_err() {
            kill_browsers_using(self.profile.path());
        }
    }
}

/// Last resort when the session could not be deleted: kill the browser processes started with
/// our own (unique) profile folder, by process id.
fn kill_browsers_using(profile: &Path) {
    let needle = format!("--user-data-dir={}", profile.display());
    let Ok(procs) = std::fs::read_dir("/proc") else { return };
    for p in procs.flatten() {
        let Some(pid) = p.file_name().to_str().and_then(|s| s.parse::<u32>().ok()) else { continue };
        let Ok(cmdline) = std::fs::read(p.path().join("cmdline")) else { continue };
        if cmdline.split(|b| *b == 0).any(|arg| arg == needle.as_bytes()) {
            let _ = Command::new("kill").arg("-9").arg(pid.to_string()).status();
        }
    }
}

/// Keeps every `EventSource` a page creates reachable as `window.__demarcateES`, so the test can
/// wait until the page's live-reload connection is open before it edits a file.
const TRACK_EVENT_SOURCES: &str = "(function(){var O=window.EventSource;if(!O||O.__tracked)return;\
var W=function(u,c){var e=new O(u,c);(window.__demarcateES=window.__demarcateES||[]).push(e);return e;};\
W.prototype=O.prototype;W.CONNECTING=0;W.OPEN=1;W.CLOSED=2;W.__tracked=true;window.EventSource=W;})();";

const ES_OPEN: &str = "var l=window.__demarcateES||[];return l.length>0&&l.every(function(e){return e.readyState===1;});";

/// chromedriver and Chromium, or `None` after a note that `test` is skipped.
fn browser_or_skip(test: &str) -> Option<(PathBuf, PathBuf)> {
    let found = chromedriver_binary().zip(chromium_binary());
    if found.is_none() {
        eprintln!(
            "note: SKIPPING {test}: chromedriver and/or Chromium not found \
             (install the Debian packages `chromium` and `chromium-driver`)"
        );
    }
    found
}

/// The search page's status line (what it found, or that it is loading), or null.
const SEARCH_STATUS: &str = "var s=document.querySelector('[data-search-status]');return s?s.textContent:null;";

fn playbook(body: &str) -> String {
    acme_playbook("Acme co-managed", body)
}

#[test]
fn live_reload_in_a_real_browser() {
    let Some((driver_bin, chromium)) = browser_or_skip("live_reload_in_a_real_browser") else { return };

    // The site's own stylesheet: the theme's, so the page looks as usual, plus a marker rule.
    let theme_css = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("themes/default/static/style.css"))
        .expect("the default theme's stylesheet");
    let s = Site::with_config();
    s.file("content/clients/_index.md", "---\ntitle: Clients\n---\nAll client playbooks.\n");
    s.file(CO, &playbook("Original body zqoriginal.\n"));
    s.file("static/style.css", &format!("{theme_css}\n/* zqsitecss */\n"));

    // Drop order (reverse of declaration): session, then chromedriver, then the server.
    let serve = Serve::start(s.path(), &[]);
    let driver = Driver::start(&driver_bin);
    let session = Session::new(&driver, &chromium);
    let tracked = session
        .cmd(
            "POST",
            "/goog/cdp/execute",
            Some(json!({"cmd": "Page.addScriptToEvaluateOnNewDocument", "params": {"source": TRACK_EVENT_SOURCES}})),
        )
        .is_ok();
    if !tracked {
        eprintln!("note: could not install the EventSource tracker; falling back to short pauses");
    }
    let wait_live = |why: &str| {
        if tracked {
            session.wait_for(&format!("the live-reload connection to open ({why})"), ES_OPEN, |v| *v == Value::Bool(true));
        } else {
            std::thread::sleep(Duration::from_millis(1500));
        }
    };

    let page_url = serve.url(CO_URL);
    session.navigate(&page_url);
    let h1 = session.exec("var h=document.querySelector('h1');return h?h.textContent:null;");
    assert!(h1.as_str().is_some_and(|t| t.contains("Acme co-managed")), "h1 of the served page: {h1}");
    let text = session.text();
    assert!(text.contains("zqoriginal"), "the browser shows the page:\n{text}");
    wait_live("first load");

    // 1. A stylesheet change applies without reloading the page.
    session.exec("window.__zqMarker = 'still-here'; return true;");
    let before = session.exec("return getComputedStyle(document.querySelector('h1')).color;");
    assert_ne!(before, json!("rgb(1, 2, 3)"));
    s.file("static/style.css", &format!("{theme_css}\n/* zqsitecss */\nh1 {{ color: rgb(1, 2, 3) !important; }}\n"));
    session.wait_for("the new h1 colour", "return getComputedStyle(document.querySelector('h1')).color;", |v| *v == json!("rgb(1, 2, 3)"));
    assert_eq!(session.exec("return window.__zqMarker || null;"), json!("still-here"), "the CSS change reloaded the whole page");

    // 2. A body edit reloads the page by itself and shows the new text.
    s.file(CO, &playbook("Edited live zqlive.\n"));
    let text = session.wait_for("the edited body in the browser", "return document.body ? document.body.innerText : '';", |v| {
        v.as_str().is_some_and(|t| t.contains("zqlive"))
    });
    assert!(!text.as_str().unwrap_or("").contains("zqoriginal"), "the old body is gone");
    assert_eq!(session.exec("return window.__zqMarker || null;"), Value::Null, "the page reloaded itself");
    assert_eq!(session.url(), page_url, "the browser stayed on the page");
    wait_live("after the reload");

    // 3. A broken file shows the error overlay; fixing it takes the overlay away.
    let good = s.read(CO);
    s.file(CO, &good.replacen("model: co-managed", "model: \"co-managed", 1));
    let overlay = session.wait_for(
        "the error overlay in the browser",
        "var o=document.getElementById('demarcate-errors');return o&&o.offsetHeight>0?o.innerText:null;",
        |v| v.is_string(),
    );
    let overlay = overlay.as_str().unwrap_or("");
    assert!(overlay.contains("invalid-yaml") && overlay.contains("acme-co-managed.md"), "overlay text:\n{overlay}");
    assert!(session.text().contains("zqlive"), "the last good page is still shown under the overlay");
    wait_live("with the overlay");
    s.file(CO, &playbook("Fixed zqfixed.\n"));
    session.wait_for(
        "the overlay gone and the fixed page shown",
        "return !document.getElementById('demarcate-errors') && document.body.innerText.indexOf('zqfixed') >= 0;",
        |v| *v == Value::Bool(true),
    );
    wait_live("after the fix");

    // 4. Two saves in quick succession (an editor writing a file in two steps): the second
    // rebuild's event goes out while the browser is still reloading for the first one, before
    // its new page has its event stream. The page still ends on the second save.
    s.file(CO, &playbook("First of two saves zqfirstsave.\n"));
    std::thread::sleep(Duration::from_millis(60));
    s.file(CO, &playbook("Second of two saves zqsecondsave.\n"));
    session.wait_for(
        "the second of two quick saves shown",
        "return document.body ? document.body.innerText.indexOf('zqsecondsave') >= 0 : false;",
        |v| *v == Value::Bool(true),
    );
    drop(session);
    drop(driver);
    drop(serve);
}

/// The search page in a real browser: a query in the address, typing into the box, more results
/// on request, a query that matches nothing. The page is served by `demarcate serve`, with the
/// index the build writes.
#[test]
fn search_in_a_real_browser() {
    let Some((driver_bin, chromium)) = browser_or_skip("search_in_a_real_browser") else { return };
    let s = Site::with_config();
    s.file(CO, &playbook("Body.\n"));
    for n in 0..60 {
        s.file(&format!("content/clients/many-{n:02}.md"), &acme_playbook(&format!("Zqmany {n:02}"), "Body.\n"));
    }
    s.file("content/guides/beta.md", "---\ntitle: Working with Béta\nsummary: Notes on Beta Ltd.\naudience: client\n---\nText.\n");

    let serve = Serve::start(s.path(), &[]);
    let driver = Driver::start(&driver_bin);
    let session = Session::new(&driver, &chromium);
    let status = SEARCH_STATUS;
    let hits = "return document.querySelectorAll('.search-hit').length;";

    // 1. A query in the address runs on load: owners by name and id, pages through their rows.
    session.navigate(&serve.url("/search/?q=acme%20it"));
    let answered = |v: &Value| v.as_str().is_some_and(|t| !t.is_empty() && !t.starts_with("Loading"));
    let said = session.wait_for("results for the query in the address", status, answered);
    assert_eq!(said, json!("61 pages and 1 owner match \u{201c}acme it\u{201d}."), "page text:\n{}", session.text());
    let owner = session.exec("var a=document.querySelector('.search-named a');return a?[a.textContent,a.getAttribute('href')]:null;");
    assert_eq!(owner, json!(["Acme IT", "/owners/acme-it/"]));
    assert_eq!(session.exec(hits), json!(50), "the first 50 pages are listed");
    let first = session.exec("var a=document.querySelector('.search-hit a');return a?a.textContent:null;");
    assert_eq!(first, json!("Acme co-managed"), "a match in the title ranks above matches by client and owner only");
    let marked = session.exec(
        "return Array.prototype.map.call(document.querySelectorAll('.search-hit h3 mark'),function(m){return m.textContent;}).slice(0,1);",
    );
    assert_eq!(marked, json!(["Acme"]), "the matched word is marked in a title");

    // 2. More on request.
    session.exec("document.querySelector('.search-more').click();return true;");
    assert_eq!(session.exec(hits), json!(61));
    assert_eq!(session.exec("return document.querySelector('.search-more');"), Value::Null, "no more button once all are shown");

    // 3. Typing (real key events): accents and case do not matter, and the address follows.
    let input = session
        .cmd("POST", "/element", Some(json!({"using": "css selector", "value": "#search-input"})))
        .unwrap_or_else(|e| panic!("find the search box: {e}"));
    let id = input.as_object().and_then(|o| o.values().next()).and_then(Value::as_str).expect("an element id").to_string();
    session.cmd("POST", &format!("/element/{id}/clear"), Some(json!({}))).expect("clear the box");
    session.cmd("POST", &format!("/element/{id}/value"), Some(json!({"text": "BETA"}))).expect("type into the box");
    let said = session.wait_for("results for what was typed", status, |v| v.as_str().is_some_and(|t| t.contains("BETA")));
    assert_eq!(said, json!("1 page, 1 owner and 1 party match \u{201c}BETA\u{201d}."));
    let first = session.exec("var a=document.querySelector('.search-hit a');return a?a.textContent:null;");
    assert_eq!(first, json!("Working with Béta"));
    let party = session.exec("var h=document.getElementById('search-parties');return h?h.parentNode.querySelector('li').textContent:null;");
    assert_eq!(party, json!("Beta Ltd · Client"), "a party is listed with its kind");
    assert_eq!(session.exec("return location.search;"), json!("?q=BETA"));

    // 4. Nothing found says so.
    session.cmd("POST", &format!("/element/{id}/clear"), Some(json!({}))).expect("clear the box");
    session.cmd("POST", &format!("/element/{id}/value"), Some(json!({"text": "zqnowhere"}))).expect("type into the box");
    let said = session.wait_for("the no-match message", status, |v| v.as_str().is_some_and(|t| t.contains("zqnowhere")));
    assert!(said.as_str().unwrap_or("").starts_with("Nothing matches"), "{said}");
    assert_eq!(session.exec(hits), json!(0));

    // 5. The search box in another page's header (real keys, then Enter) opens the search page
    // with the words.
    session.navigate(&serve.url("/owners/"));
    let header_box = session
        .cmd("POST", "/element", Some(json!({"using": "css selector", "value": "#header-search-input"})))
        .unwrap_or_else(|e| panic!("find the header's search box: {e}"));
    let id = header_box.as_object().and_then(|o| o.values().next()).and_then(Value::as_str).expect("an element id").to_string();
    session.cmd("POST", &format!("/element/{id}/value"), Some(json!({"text": "Zqmany 07\u{E007}"}))).expect("type and press Enter");
    let said = session.wait_for("results for the words typed in the header", status, |v| v.as_str().is_some_and(|t| t.contains("Zqmany")));
    assert_eq!(said, json!("1 page matches \u{201c}Zqmany 07\u{201d}."), "page text:\n{}", session.text());
    let landed = session.exec("return [location.pathname, document.getElementById('search-input').value];");
    assert_eq!(landed, json!(["/search/", "Zqmany 07"]));

    // 6. A client build: Beta IT holds no client-visible work and Beta Ltd has no client
    // playbook, so the index has no entry for either (nulls in their places), and the page
    // still answers, with the guide that mentions Beta.
    let client = Serve::start(s.path(), &["--audience", "client"]);
    session.navigate(&client.url("/search/?q=beta"));
    let said = session.wait_for("results in the client build", status, answered);
    assert_eq!(said, json!("1 page matches \u{201c}beta\u{201d}."), "page text:\n{}", session.text());
    drop(session);
    drop(driver);
    drop(client);
    drop(serve);
}

/// The default theme's header at every width from phone to wide screen, with more sections than
/// fit beside the brand: the search box stays on the brand's row (on phones, below the
/// sections), and the sections come below it; it never sits on a row of its own.
#[test]
fn header_search_box_keeps_its_row_at_every_width() {
    let Some((driver_bin, chromium)) = browser_or_skip("header_search_box_keeps_its_row_at_every_width") else { return };
    let s = Site::with_config();
    s.file(CO, &playbook("Body.\n"));
    for name in ["Onboarding guides", "Escalation runbooks", "Security operations", "Vendor management", "Service reviews"] {
        let folder = name.to_lowercase().replace(' ', "-");
        s.file(&format!("content/{folder}/_index.md"), &format!("---\ntitle: {name}\n---\nAbout {name}.\n"));
        s.file(&format!("content/{folder}/notes.md"), &format!("---\ntitle: {name} notes\n---\nText.\n"));
    }
    let serve = Serve::start(s.path(), &[]);
    let driver = Driver::start(&driver_bin);
    let session = Session::new(&driver, &chromium);
    let boxes = "function r(s){var b=document.querySelector(s).getBoundingClientRect();return [b.top,b.bottom,b.left,b.right];}\
                 return {brand:r('.brand'),search:r('.header-search'),nav:r('.site-nav'),items:document.querySelectorAll('.site-nav li').length,\
                 width:document.documentElement.clientWidth};";
    for width in [400, 600, 700, 820, 960, 1100, 1280, 1600] {
        session.cmd("POST", "/window/rect", Some(json!({"width": width, "height": 900}))).expect("resize the window");
        // A new address each time, and the stylesheet waited for: navigating again to the same
        // address can return while the new document is still loading.
        session.navigate(&serve.url(&format!("/owners/?width={width}")));
        let styled = "return document.readyState === 'complete' && document.styleSheets.length > 0;";
        session.wait_for("the page and its stylesheet", styled, |v| v == &json!(true));
        let v = session.exec(boxes);
        let edge = |k: &str, i: usize| v[k][i].as_f64().unwrap_or_else(|| panic!("{k} in {v}"));
        let (top, bottom, left, right) = (0, 1, 2, 3);
        assert_eq!(v["items"], json!(9), "five sections and four indexes in the navigation: {v}");
        let phone = v["width"].as_f64().unwrap_or(0.0) <= 640.0;
        if phone {
            assert!(edge("search", top) >= edge("nav", bottom) - 1.0, "{width} px: on a phone the box comes below the sections: {v}");
        } else {
            let middle = |k: &str| (edge(k, top) + edge(k, bottom)) / 2.0;
            assert!((middle("brand") - middle("search")).abs() < 8.0, "{width} px: the box is on the brand's row: {v}");
            assert!(edge("search", left) > edge("brand", right), "{width} px: the box is right of the brand: {v}");
            assert!(edge("nav", top) >= edge("search", bottom) - 1.0, "{width} px: the sections come below: {v}");
        }
    }
    drop(session);
    drop(driver);
    drop(serve);
}

#[test]
fn an_offline_build_works_opened_from_disk_in_a_real_browser() {
    let Some((driver_bin, chromium)) = browser_or_skip("an_offline_build_works_opened_from_disk_in_a_real_browser") else { return };
    let s = Site::with_config();
    s.file(CO, &playbook("Body.\n"));
    s.file("content/guides/beta.md", "---\ntitle: Working with Beta\nsummary: Notes on Beta Ltd.\naudience: client\n---\nText.\n");
    s.run(&["build", "--offline", "-q"]).ok();
    let root = format!("file://{}", s.path().join("site").display());
    let driver = Driver::start(&driver_bin);
    let session = Session::new(&driver, &chromium);
    // Styled: the theme's stylesheet, named relative to the page, loaded from disk.
    let styled = "return document.readyState === 'complete' && getComputedStyle(document.body).display === 'flex';";
    let at = "return [location.pathname.replace(/^.*\\/site\\//, ''), document.title];";

    session.navigate(&format!("{root}/index.html"));
    session.wait_for("the home page, styled", styled, |v| v == &json!(true));
    // A link in the header names a file, not a folder (which would show a listing).
    session.exec("document.querySelector('.site-nav a[href$=\"owners/index.html\"]').click();return true;");
    let page = session.wait_for("the owners page", at, |v| v[0] == json!("owners/index.html"));
    assert!(page[1].as_str().is_some_and(|t| t.starts_with("Owners")), "{page}");
    session.wait_for("the owners page, styled", styled, |v| v == &json!(true));

    // The header's search box opens the search page from disk, which finds the playbook and
    // links it as a file relative to itself.
    session.exec("var f=document.querySelector('form.header-search');f.querySelector('input').value='acme co';f.submit();return true;");
    let status = SEARCH_STATUS;
    let said = session.wait_for("results on the search page", status, |v| v.as_str().is_some_and(|t| t.contains("acme co")));
    assert!(said.as_str().is_some_and(|t| t.starts_with("1 page")), "{said}\n{}", session.text());
    let hit = session.exec("var a=document.querySelector('.search-hit a');return a?[a.getAttribute('href'),a.href]:null;");
    assert_eq!(hit[0], json!("../clients/acme-co-managed/index.html"), "{hit}");
    let target = hit[1].as_str().expect("the link's address").to_string();
    session.navigate(&target);
    let page = session.wait_for("the playbook", at, |v| v[0] == json!("clients/acme-co-managed/index.html"));
    assert!(page[1].as_str().is_some_and(|t| t.starts_with("Acme co-managed")), "{page}");
    session.wait_for("the playbook, styled", styled, |v| v == &json!(true));
    drop(session);
    drop(driver);
}

/// Prints `url` to PDF with headless Chromium (its own `--print-to-pdf`, paper from its
/// defaults) and returns each page's size in points, in order, read from the PDF's `/MediaBox`
/// entries, which Chromium writes uncompressed.
fn printed_page_sizes(chromium: &Path, url: &str) -> Vec<(f64, f64)> {
    let dir = tempfile::tempdir().expect("temp dir");
    let pdf = dir.path().join("out.pdf");
    let mut child = Command::new(chromium)
        .args(["--headless", "--no-sandbox", "--disable-gpu", "--no-pdf-header-footer"])
        .arg(format!("--user-data-dir={}", dir.path().join("profile").display()))
        .arg(format!("--print-to-pdf={}", pdf.display()))
        .arg(url)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start Chromium");
    let started = Instant::now();
    while child.try_wait().expect("wait for Chromium").is_none() {
        if started.elapsed() > Duration::from_secs(90) {
            let _ = child.kill();
            panic!("Chromium did not print {url} within 90 s");
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    let bytes = std::fs::read(&pdf).unwrap_or_else(|e| panic!("no PDF of {url}: {e}"));
    let text = String::from_utf8_lossy(&bytes);
    text.split("/MediaBox [")
        .skip(1)
        .map(|rest| {
            let n: Vec<f64> = rest.split(']').next().unwrap_or_default().split_whitespace().filter_map(|x| x.parse().ok()).collect();
            assert_eq!(n.len(), 4, "a MediaBox of four numbers: {}", &rest[..rest.len().min(40)]);
            (n[2] - n[0], n[3] - n[1])
        })
        .collect()
}

/// Found by printing the example site: on a portrait page the ownership table's nine columns
/// left the handoff a column a few words wide. Printed, a playbook's ownership table now gets
/// landscape pages of its own (the reader's paper, turned), and the rest stays portrait.
#[test]
fn a_printed_playbook_puts_its_ownership_table_on_landscape_pages() {
    let Some((_, chromium)) = browser_or_skip("a_printed_playbook_puts_its_ownership_table_on_landscape_pages") else { return };
    let s = Site::with_config();
    let handoff = "Desk hands to **Acme IT** for on-site work. ".repeat(8);
    let body = "## Overview\n\nWhat this engagement covers.\n\n## After the table\n\nMore prose.\n";
    s.file(CO, &playbook(body).replace("Desk hands to **Acme IT** for on-site work.", handoff.trim()));
    s.run(&["build", "--offline", "-q"]).ok();
    let url = |rel: &str| format!("file://{}", s.path().join("site").join(rel).display());

    let sizes = printed_page_sizes(&chromium, &url("clients/acme-co-managed/index.html"));
    let landscape: Vec<bool> = sizes.iter().map(|(w, h)| w > h).collect();
    assert!(landscape.len() >= 3, "the header, the table and the prose: {sizes:?}");
    assert!(!landscape[0], "the first page (title, boundary) is portrait: {sizes:?}");
    assert!(landscape.contains(&true), "the ownership table is on a landscape page: {sizes:?}");
    assert!(!landscape[landscape.len() - 1], "the prose after it is portrait again: {sizes:?}");
    // One paper, turned: every landscape page is a portrait page on its side.
    let (pw, ph) = sizes[0];
    assert!(sizes.iter().all(|&(w, h)| (w, h) == (pw, ph) || (w, h) == (ph, pw)), "{sizes:?}");

    // A page without an ownership table prints portrait throughout.
    let sizes = printed_page_sizes(&chromium, &url("owners/desk/index.html"));
    assert!(sizes.iter().all(|(w, h)| w < h), "{sizes:?}");
}

/// On a phone each workstream of the ownership table is a card: nothing scrolls sideways, and
/// every value is labelled with its column's header, in the header row's order. On a wide
/// screen it is a table again, without the labels.
#[test]
fn the_ownership_table_is_one_card_per_workstream_on_a_phone() {
    let Some((driver_bin, chromium)) = browser_or_skip("the_ownership_table_is_one_card_per_workstream_on_a_phone") else { return };
    let s = Site::with_config();
    s.file(CO, &playbook("Body.\n"));
    let serve = Serve::start(s.path(), &[]);
    let driver = Driver::start(&driver_bin);
    let session = Session::new(&driver, &chromium);
    let probe = "var t=document.querySelector('.ownership-table'),w=t.closest('.table-wrap');\
                 var row=t.querySelector('tbody tr:not(.internal-row)');\
                 return {headers:Array.from(t.querySelectorAll('thead th')).slice(1).map(function(h){return h.textContent.trim();}),\
                 labels:Array.from(row.querySelectorAll('td')).map(function(d){return getComputedStyle(d,'::before').content;}),\
                 display:getComputedStyle(row).display,scroll:w.scrollWidth,client:w.clientWidth};";
    for (width, phone) in [(400, true), (1280, false)] {
        session.cmd("POST", "/window/rect", Some(json!({"width": width, "height": 900}))).expect("resize the window");
        session.navigate(&serve.url(&format!("{CO_URL}?width={width}")));
        let styled = "return document.readyState === 'complete' && document.styleSheets.length > 0;";
        session.wait_for("the page and its stylesheet", styled, |v| v == &json!(true));
        let v = session.exec(probe);
        let headers: Vec<String> = v["headers"].as_array().expect("headers").iter().map(|h| h.as_str().unwrap_or("").to_string()).collect();
        let labels: Vec<String> = v["labels"].as_array().expect("labels").iter().map(|l| l.as_str().unwrap_or("").to_string()).collect();
        assert_eq!(headers.len(), 8, "eight columns after the workstream: {v}");
        if phone {
            let quoted: Vec<String> = headers.iter().map(|h| format!("\"{h}\"")).collect();
            assert_eq!(labels, quoted, "{width} px: each value is labelled with its column: {v}");
            assert_eq!(v["display"], json!("block"), "{width} px: a row is a card: {v}");
            assert!(v["scroll"].as_f64() <= v["client"].as_f64().map(|c| c + 1.0), "{width} px: the table scrolls sideways: {v}");
        } else {
            assert!(labels.iter().all(|l| l == "none"), "{width} px: no labels in the table: {v}");
            assert_eq!(v["display"], json!("table-row"), "{width} px: a row is a table row: {v}");
        }
    }
    drop(session);
    drop(driver);
    drop(serve);
}
