//! Shared harness for the integration tests: a fixture site in a temporary folder and a runner
//! for the real `demarcate` binary.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::Command;

pub struct Site {
    pub dir: tempfile::TempDir,
}

pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    pub fn ok(&self) -> &Self {
        assert_eq!(self.code, 0, "expected success\nstdout:\n{}\nstderr:\n{}", self.stdout, self.stderr);
        self
    }
    pub fn fails_with(&self, code: i32) -> &Self {
        assert_eq!(self.code, code, "expected exit {code}\nstdout:\n{}\nstderr:\n{}", self.stdout, self.stderr);
        self
    }
    pub fn all(&self) -> String {
        format!("{}{}", self.stdout, self.stderr)
    }
}

/// A small valid registry: one provider, two clients, a vendor, six owners, a four-workstream
/// catalogue of which two are required.
pub const CONFIG: &str = "title: Fixture
base_url: https://fixture.example/
parties:
  northwind: {name: Northwind, kind: provider}
  acme: {name: Acme Corp, kind: client}
  beta: {name: Beta Ltd, kind: client}
  soc: {name: SOC Vendor, kind: vendor}
owners:
  desk: {name: Service desk, party: northwind, contact: desk@n.example, hours: 24x7}
  eng: {name: Engineering, party: northwind, contact: eng@n.example, hours: business-hours}
  acme-it: {name: Acme IT, party: acme, contact: it@acme.example, hours: business-hours, internal_contact: '+1 555 0100'}
  acme-boss: {name: Acme leadership, party: acme, contact: boss@acme.example}
  beta-it: {name: Beta IT, party: beta, contact: it@beta.example}
  soc-team: {name: SOC team, party: soc, contact: soc@soc.example, hours: 24x7}
workstreams:
  help-desk: {name: Help desk, required: true, aliases: [service-desk]}
  security-monitoring: {name: Security monitoring, required: true}
  documentation: {name: Documentation}
  reporting: {name: Reporting}
checks:
  unused-owner: off
";

impl Site {
    pub fn new() -> Self {
        Site { dir: tempfile::tempdir().expect("temp dir") }
    }

    /// A site with [`CONFIG`] and nothing under content/.
    pub fn with_config() -> Self {
        let s = Site::new();
        s.file("demarcate.yaml", CONFIG);
        s
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    pub fn file(&self, rel: &str, text: &str) -> &Self {
        let p = self.dir.path().join(rel);
        std::fs::create_dir_all(p.parent().expect("parent")).expect("mkdir");
        std::fs::write(p, text).expect("write");
        self
    }

    pub fn read(&self, rel: &str) -> String {
        std::fs::read_to_string(self.dir.path().join(rel)).unwrap_or_else(|e| panic!("read {rel}: {e}"))
    }

    pub fn exists(&self, rel: &str) -> bool {
        self.dir.path().join(rel).exists()
    }

    /// Runs `demarcate ARGS` with the site folder as the working directory.
    pub fn run(&self, args: &[&str]) -> Run {
        run_in(self.dir.path(), args)
    }
}

pub fn bin() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_demarcate"))
}

pub fn run_in(dir: &Path, args: &[&str]) -> Run {
    let out = Command::new(bin())
        .args(args)
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .env("DEMARCATE_TODAY", "2026-11-27")
        .output()
        .expect("run demarcate");
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// A valid playbook for client `acme` covering both required workstreams.
pub fn acme_playbook(title: &str, body: &str) -> String {
    format!(
        "---
title: {title}
client: acme
model: co-managed
audience: client
workstreams:
  help-desk:
    accountable: desk
    responsible: [desk, acme-it]
    consulted: [eng]
    informed: [acme-boss]
    coverage: 24x7
    after_hours: desk
    escalation: [desk, eng]
    handoff: Desk hands to **Acme IT** for on-site work.
  security-monitoring: soc-team
---
{body}"
    )
}

// ---------------------------------------------------------------------------------------------
// Helpers added for tests/build.rs, tests/ownership.rs and tests/faq.rs.
// ---------------------------------------------------------------------------------------------

/// Runs `demarcate ARGS` in `dir`, killing it after `limit`. `None` means it timed out.
pub fn run_with_timeout(dir: &Path, args: &[&str], limit: std::time::Duration) -> Option<Run> {
    use std::io::Read;
    use std::process::Stdio;
    let mut child = Command::new(bin())
        .args(args)
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .env("DEMARCATE_TODAY", "2026-11-27")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn demarcate");
    // Drain both pipes on threads so a chatty child never blocks on a full pipe.
    let mut out_pipe = child.stdout.take().expect("stdout");
    let mut err_pipe = child.stderr.take().expect("stderr");
    let out_t = std::thread::spawn(move || {
        let mut b = Vec::new();
        let _ = out_pipe.read_to_end(&mut b);
        b
    });
    let err_t = std::thread::spawn(move || {
        let mut b = Vec::new();
        let _ = err_pipe.read_to_end(&mut b);
        b
    });
    let start = std::time::Instant::now();
    let status = loop {
        if let Some(s) = child.try_wait().expect("wait") {
            break Some(s);
        }
        if start.elapsed() > limit {
            let _ = child.kill();
            let _ = child.wait();
            break None;
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    };
    let stdout = String::from_utf8_lossy(&out_t.join().unwrap_or_default()).into_owned();
    let stderr = String::from_utf8_lossy(&err_t.join().unwrap_or_default()).into_owned();
    status.map(|s| Run { code: s.code().unwrap_or(-1), stdout, stderr })
}

/// `demarcate check --format json` in `dir`, parsed. Panics if stdout is not a JSON array.
pub fn check_json(dir: &Path, extra: &[&str]) -> (i32, Vec<serde_json::Value>) {
    let mut args = vec!["check", "--format", "json"];
    args.extend_from_slice(extra);
    let r = run_in(dir, &args);
    let v: serde_json::Value = serde_json::from_str(&r.stdout)
        .unwrap_or_else(|e| panic!("check --format json printed no JSON ({e})\nstdout:\n{}\nstderr:\n{}", r.stdout, r.stderr));
    match v {
        serde_json::Value::Array(items) => (r.code, items),
        other => panic!("check --format json printed {other}, not an array"),
    }
}

/// Every file below `dir`, as sorted `/`-separated paths relative to it.
pub fn files_below(dir: &Path) -> Vec<String> {
    fn walk(base: &Path, d: &Path, out: &mut Vec<String>) {
        for e in std::fs::read_dir(d).unwrap_or_else(|e| panic!("read {}: {e}", d.display())).flatten() {
            let p = e.path();
            if p.is_dir() {
                walk(base, &p, out);
            } else {
                let rel = p.strip_prefix(base).expect("below base");
                out.push(rel.components().map(|c| c.as_os_str().to_string_lossy()).collect::<Vec<_>>().join("/"));
            }
        }
    }
    let mut out = Vec::new();
    walk(dir, dir, &mut out);
    out.sort();
    out
}

/// A copy of the example site in the repository root (its config files and `content/`).
pub fn example_site() -> Site {
    let repo = Path::new(env!("CARGO_MANIFEST_DIR"));
    let s = Site::new();
    for f in ["demarcate.yaml", "parties.yaml", "owners.yaml", "workstreams.yaml"] {
        if repo.join(f).is_file() {
            std::fs::copy(repo.join(f), s.path().join(f)).expect("copy config");
        }
    }
    copy_tree(&repo.join("content"), &s.path().join("content"));
    s
}

/// Copies a folder tree (files and folders only; symlinks are followed).
pub fn copy_tree(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("mkdir");
    for e in std::fs::read_dir(from).unwrap_or_else(|e| panic!("read {}: {e}", from.display())).flatten() {
        let src = e.path();
        let dst = to.join(e.file_name());
        if src.is_dir() {
            copy_tree(&src, &dst);
        } else if src.is_file() {
            std::fs::copy(&src, &dst).unwrap_or_else(|e| panic!("copy {}: {e}", src.display()));
        }
    }
}

/// Decodes the entities the templates and Markdown renderer produce.
pub fn html_unescape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(i) = rest.find('&') {
        out.push_str(&rest[..i]);
        let tail = &rest[i..];
        let Some(end) = tail.find(';').filter(|e| *e <= 10) else {
            out.push('&');
            rest = &tail[1..];
            continue;
        };
        let ent = &tail[1..end];
        let decoded = match ent {
            "amp" => Some('&'),
            "lt" => Some('<'),
            "gt" => Some('>'),
            "quot" => Some('"'),
            "apos" => Some('\''),
            "nbsp" => Some('\u{a0}'),
            _ => ent
                .strip_prefix("#x")
                .or_else(|| ent.strip_prefix("#X"))
                .and_then(|h| u32::from_str_radix(h, 16).ok())
                .or_else(|| ent.strip_prefix('#').and_then(|d| d.parse().ok()))
                .and_then(char::from_u32),
        };
        match decoded {
            Some(c) => {
                out.push(c);
                rest = &tail[end + 1..];
            }
            None => {
                out.push('&');
                rest = &tail[1..];
            }
        }
    }
    out.push_str(rest);
    out
}

/// Values of every `NAME="…"` attribute in an HTML text, entity-decoded, in document order.
pub fn attr_values(html: &str, name: &str) -> Vec<String> {
    let needle = format!(" {name}=\"");
    let mut out = Vec::new();
    let mut rest = html;
    while let Some(i) = rest.find(&needle) {
        let after = &rest[i + needle.len()..];
        let end = after.find('"').unwrap_or(after.len());
        out.push(html_unescape(&after[..end]));
        rest = &after[end..];
    }
    out
}

/// Every `href` of an HTML text.
pub fn hrefs(html: &str) -> Vec<String> {
    attr_values(html, "href")
}

/// Every `id` of an HTML text.
pub fn ids(html: &str) -> Vec<String> {
    attr_values(html, "id")
}

/// Removes tags and decodes entities: the text a reader sees.
pub fn visible_text(html: &str) -> String {
    let mut out = String::new();
    let mut in_tag = false;
    for c in html.chars() {
        match c {
            '<' => in_tag = true,
            '>' if in_tag => in_tag = false,
            c if !in_tag => out.push(c),
            _ => {}
        }
    }
    html_unescape(&out)
}

/// The inner HTML of the first element that starts at `open_at` (the index of its `<`), found
/// by counting nested tags of the same name. Loose, for the templates' well-formed output.
pub fn element_at(html: &str, open_at: usize) -> &str {
    let rest = &html[open_at..];
    let name: String = rest[1..].chars().take_while(|c| c.is_ascii_alphanumeric()).collect();
    let open = format!("<{name}");
    let close = format!("</{name}>");
    let start = rest.find('>').map(|i| i + 1).unwrap_or(rest.len());
    let mut depth = 1;
    let mut pos = start;
    while pos < rest.len() {
        let next_open = rest[pos..].find(&open).map(|i| i + pos);
        let next_close = rest[pos..].find(&close).map(|i| i + pos);
        match (next_open, next_close) {
            (Some(o), Some(c)) if o < c => {
                let after = rest[o + open.len()..].chars().next();
                if matches!(after, Some(' ') | Some('>') | Some('\n')) {
                    depth += 1;
                }
                pos = o + open.len();
            }
            (_, Some(c)) => {
                depth -= 1;
                if depth == 0 {
                    return &rest[start..c];
                }
                pos = c + close.len();
            }
            _ => break,
        }
    }
    &rest[start..]
}

/// The output file a root-relative URL path is served from (`/a/b/` → `a/b/index.html`).
pub fn output_file_for(url_path: &str) -> String {
    let p = url_path.trim_start_matches('/');
    if p.is_empty() || p.ends_with('/') { format!("{p}index.html") } else { p.to_string() }
}

/// A strict RFC 4180 reader: CRLF record ends, fields quoted when they hold `,`, `"` or a line
/// break, quotes doubled inside quoted fields. Anything else is an error.
pub fn parse_csv_rfc4180(text: &str) -> Result<Vec<Vec<String>>, String> {
    let mut records = Vec::new();
    let mut record = Vec::new();
    let mut field = String::new();
    let mut chars = text.chars().peekable();
    let mut line = 1;
    if text.is_empty() {
        return Ok(records);
    }
    loop {
        // Start of a field.
        if chars.peek() == Some(&'"') {
            chars.next();
            loop {
                match chars.next() {
                    None => return Err(format!("record {line}: quoted field never closed")),
                    Some('"') if chars.peek() == Some(&'"') => {
                        chars.next();
                        field.push('"');
                    }
                    Some('"') => break,
                    Some(c) => field.push(c),
                }
            }
            match chars.peek() {
                None | Some(',') | Some('\r') => {}
                Some(c) => return Err(format!("record {line}: `{c}` after a closing quote")),
            }
        } else {
            while let Some(&c) = chars.peek() {
                match c {
                    ',' | '\r' => break,
                    '"' => return Err(format!("record {line}: bare quote in an unquoted field")),
                    '\n' => return Err(format!("record {line}: bare LF (records must end with CRLF)")),
                    c => {
                        field.push(c);
                        chars.next();
                    }
                }
            }
        }
        record.push(std::mem::take(&mut field));
        match chars.next() {
            Some(',') => continue,
            Some('\r') => {
                if chars.next() != Some('\n') {
                    return Err(format!("record {line}: CR not followed by LF"));
                }
                records.push(std::mem::take(&mut record));
                line += 1;
                if chars.peek().is_none() {
                    return Ok(records);
                }
            }
            None => return Err(format!("record {line}: last record does not end with CRLF")),
            Some(c) => return Err(format!("record {line}: unexpected `{c}`")),
        }
    }
}

/// `CARGO_MANIFEST_DIR/../shared` or `$DEMARCATE_SHARED`, when it exists.
pub fn shared_dir() -> Option<PathBuf> {
    let p =
        std::env::var_os("DEMARCATE_SHARED").map(PathBuf::from).unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared"));
    p.is_dir().then_some(p)
}

// ---------------------------------------------------------------------------------------------
// Helpers added for tests/check.rs and tests/audience.rs.

/// One diagnostic as printed by `demarcate check --format json`.
#[derive(Debug, Clone, serde::Deserialize)]
pub struct Diag {
    pub code: String,
    pub severity: String,
    pub file: String,
    pub line: usize,
    pub column: usize,
    pub message: String,
    pub help: Option<String>,
}

/// Parses stdout of `check --format json`: it must be exactly one JSON array of diagnostics.
pub fn parse_json_diags(run: &Run) -> Vec<Diag> {
    serde_json::from_str(run.stdout.trim()).unwrap_or_else(|e| {
        panic!("stdout of --format json is not a JSON array of diagnostics ({e})\nstdout:\n{}\nstderr:\n{}", run.stdout, run.stderr)
    })
}

/// [`CONFIG`] with textual replacements; each `from` must occur in it.
pub fn config_replacing(pairs: &[(&str, &str)]) -> String {
    let mut c = CONFIG.to_string();
    for (from, to) in pairs {
        assert!(c.contains(from), "CONFIG has no `{from}`");
        c = c.replacen(from, to, 1);
    }
    c
}

/// 1-based line and column (in characters) of the first `needle` found after the first
/// `anchor` in `text` (use `""` as anchor to search from the start).
pub fn pos_after(text: &str, anchor: &str, needle: &str) -> (usize, usize) {
    let a = text.find(anchor).unwrap_or_else(|| panic!("anchor `{anchor}` not in text"));
    let at = a + text[a..].find(needle).unwrap_or_else(|| panic!("`{needle}` not after `{anchor}`"));
    let line = text[..at].matches('\n').count() + 1;
    let line_start = text[..at].rfind('\n').map(|i| i + 1).unwrap_or(0);
    (line, text[line_start..at].chars().count() + 1)
}

/// 1-based line and column of the first `needle` in `text`.
pub fn pos_of(text: &str, needle: &str) -> (usize, usize) {
    pos_after(text, "", needle)
}

impl Site {
    /// A site with the given `demarcate.yaml` text and nothing under content/.
    pub fn with_config_text(config: &str) -> Self {
        let s = Site::new();
        s.file("demarcate.yaml", config);
        s
    }

    /// Runs `demarcate check --format json EXTRA…` and parses its stdout.
    pub fn check_json(&self, extra: &[&str]) -> (Run, Vec<Diag>) {
        let mut args = vec!["check", "--format", "json"];
        args.extend_from_slice(extra);
        let run = self.run(&args);
        let diags = parse_json_diags(&run);
        (run, diags)
    }
}

/// Every file below `dir`: (path relative to `dir` with `/` separators, bytes).
pub fn walk_files(dir: &Path) -> Vec<(String, Vec<u8>)> {
    fn go(base: &Path, dir: &Path, out: &mut Vec<(String, Vec<u8>)>) {
        let mut entries: Vec<_> = std::fs::read_dir(dir).unwrap_or_else(|e| panic!("read {}: {e}", dir.display())).flatten().collect();
        entries.sort_by_key(|e| e.path());
        for e in entries {
            let p = e.path();
            if p.is_dir() {
                go(base, &p, out);
            } else {
                let rel = p
                    .strip_prefix(base)
                    .unwrap()
                    .components()
                    .map(|c| c.as_os_str().to_string_lossy().into_owned())
                    .collect::<Vec<_>>()
                    .join("/");
                out.push((rel, std::fs::read(&p).expect("read output file")));
            }
        }
    }
    let mut out = Vec::new();
    go(dir, dir, &mut out);
    out
}

/// Like [`run_in`], with extra environment variables (e.g. another `DEMARCATE_TODAY`).
pub fn run_in_env(dir: &Path, args: &[&str], envs: &[(&str, &str)]) -> Run {
    let mut cmd = Command::new(bin());
    cmd.args(args).current_dir(dir).env("NO_COLOR", "1").env("DEMARCATE_TODAY", "2026-11-27");
    for (k, v) in envs {
        cmd.env(k, v);
    }
    let out = cmd.output().expect("run demarcate");
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// [`acme_playbook`] with textual replacements; each `from` must occur in it.
pub fn acme_playbook_replacing(body: &str, pairs: &[(&str, &str)]) -> String {
    let mut p = acme_playbook("Acme", body);
    for (from, to) in pairs {
        assert!(p.contains(from), "acme_playbook has no `{from}`");
        p = p.replacen(from, to, 1);
    }
    p
}

// ---------------------------------------------------------------------------------------------
// Helpers added for tests/serve.rs and tests/browser.rs: a free port, a tiny HTTP/1.1 client over
// `std::net::TcpStream`, a `demarcate serve` process guard and a Server-Sent Events listener.

/// A port that was free a moment ago (bound to 127.0.0.1:0, read, released).
pub fn free_port() -> u16 {
    let l = std::net::TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1:0");
    l.local_addr().expect("local addr").port()
}

/// One HTTP response.
#[derive(Debug, Clone)]
pub struct HttpResponse {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl HttpResponse {
    /// The first header called `name` (case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }
    pub fn content_type(&self) -> &str {
        self.header("Content-Type").unwrap_or("")
    }
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
}

fn find_bytes(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

/// Decodes a `Transfer-Encoding: chunked` body; `None` while it is incomplete.
fn dechunk(mut b: &[u8]) -> Option<Vec<u8>> {
    let mut out = Vec::new();
    loop {
        let eol = find_bytes(b, b"\r\n")?;
        let size_text = std::str::from_utf8(&b[..eol]).ok()?;
        let size = usize::from_str_radix(size_text.split(';').next()?.trim(), 16).ok()?;
        b = &b[eol + 2..];
        if size == 0 {
            return Some(out);
        }
        if b.len() < size + 2 {
            return None;
        }
        out.extend_from_slice(&b[..size]);
        b = &b[size + 2..];
    }
}

/// Sends one HTTP/1.1 request (`target` verbatim, `Connection: close`) to 127.0.0.1:`port` and
/// reads the whole response, giving up after `timeout`.
pub fn http_request(
    port: u16,
    method: &str,
    target: &str,
    body: Option<&[u8]>,
    timeout: std::time::Duration,
) -> std::io::Result<HttpResponse> {
    use std::io::{Error, ErrorKind, Read, Write};
    let deadline = std::time::Instant::now() + timeout;
    let addr = std::net::SocketAddr::from(([127, 0, 0, 1], port));
    let mut stream = std::net::TcpStream::connect_timeout(&addr, timeout)?;
    stream.set_write_timeout(Some(timeout))?;
    let mut req = format!("{method} {target} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nConnection: close\r\nAccept: */*\r\n");
    if let Some(b) = body {
        req.push_str(&format!("Content-Type: application/json; charset=utf-8\r\nContent-Length: {}\r\n", b.len()));
    }
    req.push_str("\r\n");
    let mut bytes = req.into_bytes();
    if let Some(b) = body {
        bytes.extend_from_slice(b);
    }
    stream.write_all(&bytes)?;
    stream.flush()?;

    let mut buf = Vec::new();
    let mut chunk = [0u8; 16 * 1024];
    let mut head: Option<(usize, HttpResponse, Option<usize>, bool)> = None;
    loop {
        // Complete once the head is in and the body is as long as announced.
        if let Some((start, resp, len, chunked)) = &head {
            let rest = &buf[*start..];
            if *chunked {
                if let Some(body) = dechunk(rest) {
                    return Ok(HttpResponse { body, ..resp.clone() });
                }
            } else if let Some(n) = len
                && rest.len() >= *n
            {
                return Ok(HttpResponse { body: rest[..*n].to_vec(), ..resp.clone() });
            }
        }
        let left = deadline.saturating_duration_since(std::time::Instant::now());
        if left.is_zero() {
            return Err(Error::new(ErrorKind::TimedOut, format!("{method} {target}: no complete response in {timeout:?}")));
        }
        stream.set_read_timeout(Some(left))?;
        let n = match stream.read(&mut chunk) {
            Ok(n) => n,
            Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut | ErrorKind::Interrupted) => continue,
            Err(e) => return Err(e),
        };
        if n == 0 {
            // End of stream: whatever came is the body.
            return match head {
                Some((start, resp, _, false)) => Ok(HttpResponse { body: buf[start..].to_vec(), ..resp }),
                _ => Err(Error::new(ErrorKind::UnexpectedEof, format!("{method} {target}: connection closed early"))),
            };
        }
        buf.extend_from_slice(&chunk[..n]);
        if head.is_none()
            && let Some(end) = find_bytes(&buf, b"\r\n\r\n")
        {
            let text = String::from_utf8_lossy(&buf[..end]).into_owned();
            let mut lines = text.split("\r\n");
            let status_line = lines.next().unwrap_or("");
            let status = status_line
                .split_whitespace()
                .nth(1)
                .and_then(|s| s.parse().ok())
                .ok_or_else(|| Error::new(ErrorKind::InvalidData, format!("bad status line `{status_line}`")))?;
            let headers: Vec<(String, String)> =
                lines.filter_map(|l| l.split_once(':')).map(|(k, v)| (k.trim().to_string(), v.trim().to_string())).collect();
            let resp = HttpResponse { status, headers, body: Vec::new() };
            let chunked = resp.header("Transfer-Encoding").is_some_and(|v| v.to_ascii_lowercase().contains("chunked"));
            let len = resp.header("Content-Length").and_then(|v| v.parse().ok());
            let len = if method == "HEAD" || status == 204 || status == 304 { Some(0) } else { len };
            head = Some((end + 4, resp, len, chunked));
        }
    }
}

/// `GET target` on 127.0.0.1:`port`; panics when no response comes within 10 s.
pub fn http_get(port: u16, target: &str) -> HttpResponse {
    http_request(port, "GET", target, None, std::time::Duration::from_secs(10)).unwrap_or_else(|e| panic!("GET {target}: {e}"))
}

/// A running `demarcate serve`, killed when dropped.
pub struct Serve {
    child: std::process::Child,
    pub port: u16,
    stderr: std::sync::Arc<std::sync::Mutex<String>>,
}

impl Serve {
    /// Starts `demarcate serve SITE --port N EXTRA…` (working directory: the site) and waits
    /// (at most 30 s) until it answers HTTP, which also means the file watcher is running.
    pub fn start(site: &Path, extra: &[&str]) -> Serve {
        Self::try_start(site, extra).unwrap_or_else(|e| panic!("{e}"))
    }

    /// Like [`Serve::start`] without a SITE argument: `demarcate serve --port N EXTRA…` run in
    /// `dir`, so the site is the default `.`.
    pub fn start_in(dir: &Path, extra: &[&str]) -> Serve {
        Self::launch(dir, None, extra, &[]).unwrap_or_else(|e| panic!("{e}"))
    }

    pub fn try_start(site: &Path, extra: &[&str]) -> Result<Serve, String> {
        Self::launch(site, Some(site), extra, &[])
    }

    /// Like [`Serve::start`], with these environment variables set for the server.
    pub fn start_with_env(site: &Path, extra: &[&str], env: &[(&str, &str)]) -> Serve {
        Self::launch(site, Some(site), extra, env).unwrap_or_else(|e| panic!("{e}"))
    }

    fn launch(dir: &Path, site: Option<&Path>, extra: &[&str], env: &[(&str, &str)]) -> Result<Serve, String> {
        let mut last = String::new();
        // The free port could be taken by someone else between picking and binding: retry.
        for _ in 0..3 {
            let port = free_port();
            let mut serve = Self::spawn_in(dir, site, port, extra, env);
            match serve.wait_ready(std::time::Duration::from_secs(30)) {
                Ok(()) => return Ok(serve),
                Err(e) => {
                    let retry = serve.stderr().contains("in use");
                    last = e;
                    drop(serve);
                    if !retry {
                        break;
                    }
                }
            }
        }
        Err(last)
    }

    /// Spawns `demarcate serve` without waiting for it.
    pub fn spawn(site: &Path, port: u16, extra: &[&str]) -> Serve {
        Self::spawn_in(site, Some(site), port, extra, &[])
    }

    /// Spawns `demarcate serve [SITE] --port N EXTRA…` in `dir` without waiting for it.
    pub fn spawn_in(dir: &Path, site: Option<&Path>, port: u16, extra: &[&str], env: &[(&str, &str)]) -> Serve {
        use std::io::Read;
        use std::process::Stdio;
        let port_s = port.to_string();
        let mut child = Command::new(bin())
            .arg("serve")
            .args(site)
            .args(["--port", &port_s])
            .args(extra)
            .current_dir(dir)
            .env("NO_COLOR", "1")
            .env("DEMARCATE_TODAY", "2026-11-27")
            .envs(env.iter().copied())
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn demarcate serve");
        let stderr = std::sync::Arc::new(std::sync::Mutex::new(String::new()));
        let mut pipe = child.stderr.take().expect("stderr");
        let sink = stderr.clone();
        std::thread::spawn(move || {
            let mut buf = [0u8; 4096];
            while let Ok(n) = pipe.read(&mut buf) {
                if n == 0 {
                    break;
                }
                if let Ok(mut s) = sink.lock() {
                    s.push_str(&String::from_utf8_lossy(&buf[..n]));
                }
            }
        });
        Serve { child, port, stderr }
    }

    fn wait_ready(&mut self, limit: std::time::Duration) -> Result<(), String> {
        let deadline = std::time::Instant::now() + limit;
        while std::time::Instant::now() < deadline {
            if let Ok(Some(status)) = self.child.try_wait() {
                // Let the stderr reader catch up before reporting.
                std::thread::sleep(std::time::Duration::from_millis(100));
                return Err(format!("demarcate serve exited early ({status})\nstderr:\n{}", self.stderr()));
            }
            if http_request(self.port, "GET", "/", None, std::time::Duration::from_secs(2)).is_ok() {
                return Ok(());
            }
            std::thread::sleep(std::time::Duration::from_millis(50));
        }
        Err(format!("demarcate serve did not answer on port {} within {limit:?}\nstderr:\n{}", self.port, self.stderr()))
    }

    /// Everything the server printed on stderr so far.
    pub fn stderr(&self) -> String {
        self.stderr.lock().map(|s| s.clone()).unwrap_or_default()
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://127.0.0.1:{}{path}", self.port)
    }

    pub fn get(&self, target: &str) -> HttpResponse {
        http_get(self.port, target)
    }

    /// Opens the live-reload event stream (subscribed once this returns).
    pub fn events(&self) -> EventStream {
        EventStream::open(self.port, "/__demarcate/events")
    }

    /// Opens the event stream as the script in a page served at `version` opens it.
    pub fn events_since(&self, version: &str) -> EventStream {
        EventStream::open(self.port, &format!("/__demarcate/events?since={version}"))
    }

    /// Whether the process is still running.
    pub fn running(&mut self) -> bool {
        matches!(self.child.try_wait(), Ok(None))
    }
}

impl Drop for Serve {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A connection to `/__demarcate/events`.
pub struct EventStream {
    stream: std::net::TcpStream,
    buf: Vec<u8>,
    /// Every line seen so far, for failure messages.
    pub seen: Vec<String>,
}

impl EventStream {
    /// Connects and reads the response head; the server subscribes the connection before it
    /// writes the head, so events after this returns are not missed.
    pub fn open(port: u16, target: &str) -> EventStream {
        use std::io::{Read, Write};
        let limit = std::time::Duration::from_secs(10);
        let deadline = std::time::Instant::now() + limit;
        let addr = std::net::SocketAddr::from(([127, 0, 0, 1], port));
        let mut stream = std::net::TcpStream::connect_timeout(&addr, limit).expect("connect to the event stream");
        stream
            .write_all(format!("GET {target} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nAccept: text/event-stream\r\n\r\n").as_bytes())
            .expect("send the event stream request");
        let mut buf = Vec::new();
        let mut chunk = [0u8; 4096];
        let end = loop {
            if let Some(end) = find_bytes(&buf, b"\r\n\r\n") {
                break end;
            }
            let left = deadline.saturating_duration_since(std::time::Instant::now());
            assert!(!left.is_zero(), "no response head from /__demarcate/events within {limit:?}");
            stream.set_read_timeout(Some(left)).expect("timeout");
            match stream.read(&mut chunk) {
                Ok(0) => panic!("/__demarcate/events closed before its head: {}", String::from_utf8_lossy(&buf)),
                Ok(n) => buf.extend_from_slice(&chunk[..n]),
                Err(_) => continue,
            }
        };
        let head = String::from_utf8_lossy(&buf[..end]).into_owned();
        assert!(head.starts_with("HTTP/1.1 200") || head.starts_with("HTTP/1.0 200"), "event stream head:\n{head}");
        assert!(head.to_ascii_lowercase().contains("content-type: text/event-stream"), "event stream is not text/event-stream:\n{head}");
        let rest = buf[end + 4..].to_vec();
        EventStream { stream, buf: rest, seen: Vec::new() }
    }

    /// The name of the next `event:` within `within`, or `None` if none came (or the stream
    /// closed).
    pub fn next_event(&mut self, within: std::time::Duration) -> Option<String> {
        use std::io::Read;
        let deadline = std::time::Instant::now() + within;
        let mut chunk = [0u8; 4096];
        loop {
            while let Some(i) = self.buf.iter().position(|&b| b == b'\n') {
                let line: Vec<u8> = self.buf.drain(..=i).collect();
                let line = String::from_utf8_lossy(&line).trim_end_matches(['\r', '\n']).to_string();
                self.seen.push(line.clone());
                if let Some(name) = line.strip_prefix("event:") {
                    return Some(name.trim().to_string());
                }
            }
            let left = deadline.saturating_duration_since(std::time::Instant::now());
            if left.is_zero() {
                return None;
            }
            let _ = self.stream.set_read_timeout(Some(left));
            match self.stream.read(&mut chunk) {
                Ok(0) => return None,
                Ok(n) => self.buf.extend_from_slice(&chunk[..n]),
                Err(e)
                    if matches!(
                        e.kind(),
                        std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut | std::io::ErrorKind::Interrupted
                    ) => {}
                Err(_) => return None,
            }
        }
    }

    /// Waits for the next event and asserts its name.
    pub fn expect(&mut self, name: &str, within: std::time::Duration) {
        match self.next_event(within) {
            Some(got) => assert_eq!(got, name, "expected `event: {name}`, got `event: {got}`; lines seen: {:?}", self.seen),
            None => panic!("no `event: {name}` within {within:?}; lines seen: {:?}", self.seen),
        }
    }
}

/// Home, a clients section, two Acme playbooks (one linking to the other's heading, one with a
/// Markdown FAQ) and Beta with front-matter questions: the fixture of the incremental tests.
pub fn three_playbook_site() -> Site {
    let s = Site::with_config();
    s.file("content/_index.md", "---\ntitle: Home\naudience: client\n---\nWelcome.\n");
    s.file("content/clients/_index.md", "---\ntitle: Clients\n---\nAll clients.\n");
    s.file("content/clients/acme/co-managed.md", &acme_playbook("Acme co-managed", "## Overview\n\nSee [managed](managed.md#overview).\n"));
    s.file(
        "content/clients/acme/managed.md",
        &acme_playbook("Acme managed", "## Overview\n\nManaged.\n\n## FAQ\n\n### Who answers?\n\nThe desk.\n"),
    );
    s.file(
        "content/clients/beta.md",
        "---\ntitle: Beta\nclient: beta\nworkstreams:\n  help-desk: beta-it\n  security-monitoring:\n    accountable: soc-team\n    responsible: [soc-team]\n    coverage: 24x7\n    after_hours: soc-team\nfaq:\n  - q: Who watches alerts?\n    a: The SOC.\n---\nBeta body.\n",
    );
    s
}

/// xorshift64*: a small, deterministic random source for generated test inputs, no crates.
pub struct Rng(pub u64);

impl Rng {
    /// Any seed, spread so that small seeds give different streams (never the zero state).
    pub fn new(seed: u64) -> Self {
        Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1)
    }
    pub fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    pub fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
    pub fn chance(&mut self, percent: usize) -> bool {
        self.below(100) < percent
    }
    pub fn pick<'a, T: ?Sized>(&mut self, items: &[&'a T]) -> &'a T {
        items[self.below(items.len())]
    }
}

/// A playbook for the random-edit tests: one of two clients, the required workstreams and some
/// others, owners that client may use, maybe a question.
pub fn random_playbook(rng: &mut Rng, title: &str, folder: &str) -> String {
    let (client, theirs) = if rng.chance(50) { ("acme", "acme-it") } else { ("beta", "beta-it") };
    let owners = ["desk", "eng", "soc-team", theirs];
    let mut text = format!("---\ntitle: {title}\nclient: {client}\n");
    if rng.chance(25) {
        text.push_str("audience: internal\n");
    }
    // Drawn from a stream of its own, so the edits every seeded test makes stay what they were.
    text.push_str(Rng::new(rng.0).pick(&["", "", "status: proposal\n", "status: retired\n"]));
    text.push_str("workstreams:\n");
    for ws in ["help-desk", "security-monitoring", "documentation", "reporting"] {
        if ws.starts_with("help") || ws.starts_with("security") || rng.chance(50) {
            text.push_str(&format!("  {ws}: {}\n", rng.pick(&owners)));
        }
    }
    if rng.chance(40) {
        text.push_str(&format!("faq:\n  - q: Who owns {title}?\n    a: The {} team.\n", rng.pick(&owners)));
    }
    text.push_str(&format!("---\n{title} in {folder}.\n"));
    text
}

/// Random changes to a site, round after round, for the tests that compare incremental output
/// with a cold build: playbooks added, deleted or rewritten; sections rewritten, deleted or
/// added again over the pages they had; client folders added or deleted whole. Every state it
/// leaves builds without errors (warnings allowed).
pub struct RandomEdits {
    pages: Vec<String>,
    next: usize,
    /// Client folders added whole (a section and its playbooks), to be deleted whole.
    client_folders: Vec<String>,
}

impl RandomEdits {
    const FOLDERS: [&'static str; 4] = ["clients", "clients/acme", "vendors", "vendors/soc"];
    const SECTIONS: [&'static str; 2] = ["content/clients/acme/_index.md", "content/vendors/soc/_index.md"];

    /// Writes two nested sections and twelve playbooks into `s`.
    pub fn populate(s: &Site, rng: &mut Rng) -> RandomEdits {
        for rel in Self::SECTIONS {
            s.file(rel, &Self::section(rng));
        }
        let mut pages: Vec<String> = Vec::new();
        for n in 0..12 {
            let folder = Self::FOLDERS[n % Self::FOLDERS.len()];
            let rel = format!("content/{folder}/r{n:02}.md");
            s.file(&rel, &random_playbook(rng, &format!("Random {n}"), folder));
            pages.push(rel);
        }
        RandomEdits { pages, next: 12, client_folders: Vec::new() }
    }

    fn section(rng: &mut Rng) -> String {
        // Retitled now and then: the playbooks below are read again for their breadcrumbs.
        let title = if rng.chance(20) { "Retitled" } else { "Nested" };
        let summary = rng.pick(&["", "summary: One line.\n", "summary: Another line.\n"]);
        let updated = rng.pick(&["", "updated: 2026-03-01\n", "updated: 2026-04-01\n"]);
        // Now and then an audience: what the pages below without one of their own inherit.
        let audience = rng.pick(&["", "", "", "audience: client\n", "audience: internal\n"]);
        format!("---\ntitle: {title}\n{summary}{updated}{audience}---\nSection body.\n")
    }

    /// One round: one to three random changes.
    pub fn round(&mut self, s: &Site, rng: &mut Rng, round: usize) {
        for _ in 0..1 + rng.below(3) {
            match rng.below(5) {
                3 => {
                    // Rewritten, deleted or written again.
                    let rel = Self::SECTIONS[rng.below(Self::SECTIONS.len())];
                    if s.exists(rel) && rng.chance(30) {
                        std::fs::remove_file(s.path().join(rel)).unwrap();
                    } else {
                        s.file(rel, &Self::section(rng));
                    }
                }
                4 if !self.client_folders.is_empty() && rng.chance(50) => {
                    let folder = self.client_folders.swap_remove(rng.below(self.client_folders.len()));
                    std::fs::remove_dir_all(s.path().join(&folder)).unwrap();
                    self.pages.retain(|p| !p.starts_with(&format!("{folder}/")));
                }
                4 => {
                    let (next, folder) = (self.next, format!("content/clients/c{:02}", self.next));
                    let audience = rng.pick(&["", "audience: internal\n", "audience: client\n"]);
                    s.file(&format!("{folder}/_index.md"), &format!("---\ntitle: Client {next}\n{audience}---\n"));
                    for _ in 0..1 + rng.below(2) {
                        let rel = format!("{folder}/r{:02}.md", self.next);
                        s.file(&rel, &random_playbook(rng, &format!("Random {}", self.next), &folder));
                        self.pages.push(rel);
                        self.next += 1;
                    }
                    self.client_folders.push(folder);
                }
                0 => {
                    let folder = Self::FOLDERS[rng.below(Self::FOLDERS.len())];
                    let rel = format!("content/{folder}/r{:02}.md", self.next);
                    s.file(&rel, &random_playbook(rng, &format!("Random {}", self.next), folder));
                    self.pages.push(rel);
                    self.next += 1;
                }
                1 if self.pages.len() > 4 => {
                    let rel = self.pages.swap_remove(rng.below(self.pages.len()));
                    std::fs::remove_file(s.path().join(&rel)).unwrap();
                }
                _ => {
                    let rel = self.pages[rng.below(self.pages.len())].clone();
                    let folder = rel.trim_start_matches("content/").rsplit_once('/').map_or("", |(f, _)| f).to_string();
                    s.file(&rel, &random_playbook(rng, &format!("Rewritten {round}"), &folder));
                }
            }
        }
    }

    /// Now and then one change of another kind: a body edited in place, an asset written or
    /// deleted, the config retitled, a template of the site's own or a static file written or
    /// deleted, a playbook made a draft or not or moved to another URL (`slug`), an asset
    /// written or deleted at a generated page's path, or a playbook broken: that one is
    /// returned, for the caller to see the broken site and then write the text back.
    pub fn other_change(&self, s: &Site, rng: &mut Rng, round: usize) -> Option<Broken> {
        let page = &self.pages[rng.below(self.pages.len())];
        match rng.below(11) {
            0 => {
                let text = s.read(page);
                s.file(page, &format!("{text}\nEdited in place in round {round}.\n"));
            }
            1 => {
                let asset = rng.pick(&["content/clients/acme/diagram.txt", "content/vendors/soc/notes.txt", "content/clients/c12/map.txt"]);
                if s.exists(asset) && rng.chance(50) {
                    std::fs::remove_file(s.path().join(asset)).unwrap();
                } else if s.path().join(asset).parent().is_some_and(|d| d.is_dir()) {
                    s.file(asset, &format!("asset of round {round}\n"));
                }
            }
            2 => {
                let config = s.read("demarcate.yaml");
                let title = config.lines().next().unwrap_or_default().to_string();
                s.file("demarcate.yaml", &config.replacen(&title, &format!("title: Fixture {round}"), 1));
            }
            3 => {
                let text = s.read(page);
                s.file(page, "---\ntitle: [unclosed\n---\nBroken.\n");
                return Some(Broken { page: page.clone(), text });
            }
            4 => {
                // The site's own template for one view, written or taken away again.
                if s.exists("templates/404.html") && rng.chance(50) {
                    std::fs::remove_file(s.path().join("templates/404.html")).unwrap();
                } else {
                    s.file(
                        "templates/404.html",
                        &format!("<!doctype html>\n<title>Not here ({round})</title>\n<p>{{{{ site.title }}}}</p>\n"),
                    );
                }
            }
            5 => {
                let file = rng.pick(&["static/extra.css", "static/print/extra.css"]);
                if s.exists(file) && rng.chance(50) {
                    std::fs::remove_file(s.path().join(file)).unwrap();
                } else {
                    s.file(file, &format!("/* round {round} */\n"));
                }
            }
            6 => {
                // A draft (left out of the build) or a draft no more.
                let text = s.read(page);
                let toggled = match text.strip_prefix("---\ndraft: true\n") {
                    Some(rest) => format!("---\n{rest}"),
                    None => text.replacen("---\n", "---\ndraft: true\n", 1),
                };
                s.file(page, &toggled);
            }
            7 => {
                // The same page at another URL.
                let text = s.read(page);
                let moved = match text.find("\nslug: ") {
                    Some(at) => {
                        let end = text[at + 1..].find('\n').map_or(text.len(), |i| at + 1 + i);
                        format!("{}{}", &text[..at], &text[end..])
                    }
                    None => text.replacen("---\n", &format!("---\nslug: moved-{round}\n"), 1),
                };
                s.file(page, &moved);
            }
            8 => {
                // An asset at a generated page's path, which takes that page's place.
                let file = rng.pick(&["content/owners/index.html", "content/matrix/index.html", "content/clients/acme/index.html"]);
                if s.exists(file) && rng.chance(50) {
                    std::fs::remove_file(s.path().join(file)).unwrap();
                } else {
                    s.file(file, &format!("<p>In place of the page, round {round}</p>\n"));
                }
            }
            _ => {}
        }
        None
    }
}

/// A playbook [`RandomEdits::other_change`] broke, and its text before.
pub struct Broken {
    pub page: String,
    pub text: String,
}

/// One playbook of [`PagedEdits`], as the rounds change it.
#[derive(Clone)]
struct PagedPlaybook {
    rel: String,
    title: String,
    client: &'static str,
    client_facing: bool,
    help_desk: &'static str,
    reporting: bool,
}

impl PagedPlaybook {
    fn text(&self) -> String {
        let audience = if self.client_facing { "client" } else { "internal" };
        let reporting = if self.reporting { "\n  reporting: eng" } else { "" };
        format!(
            "---\ntitle: {}\nclient: {}\naudience: {audience}\nworkstreams:\n  help-desk: {}\n  security-monitoring: soc-team{reporting}\n---\nBody of {}.\n",
            self.title, self.client, self.help_desk, self.title
        )
    }
}

/// Random edits on a site (with [`CONFIG`]) whose lists run over two pages, filled to the last
/// row: the matrix, the help desk and security monitoring lists and the owners holding them.
/// Each round makes 1-3 of: rows joining and leaving a list anywhere in it, playbooks added
/// among the others by name (lists gaining a page) and deleted, the accountable owner moved,
/// the client swapped with the title edited, a page turned internal or client-facing (for a
/// client build, pages coming and going).
pub struct PagedEdits {
    pages: Vec<PagedPlaybook>,
    added: usize,
}

impl PagedEdits {
    /// Writes the home page and 1,000 client-facing playbooks into `s`.
    pub fn populate(s: &Site) -> PagedEdits {
        s.file("content/_index.md", "---\ntitle: Home\naudience: client\n---\nWelcome.\n");
        let pages: Vec<PagedPlaybook> = (0..1000)
            .map(|i| PagedPlaybook {
                rel: format!("content/p{i:04}.md"),
                title: format!("Playbook {i}"),
                client: "acme",
                // Every playbook client-facing at first, so the client build's lists are full too.
                client_facing: true,
                help_desk: "desk",
                reporting: i % 3 != 0,
            })
            .collect();
        for p in &pages {
            s.file(&p.rel, &p.text());
        }
        PagedEdits { pages, added: 0 }
    }

    /// One round of edits, written to `s`; what was done, for the test's log.
    pub fn round(&mut self, s: &Site, rng: &mut Rng, round: usize) -> Vec<String> {
        let mut did = Vec::new();
        for _ in 0..1 + rng.below(3) {
            let k = rng.below(self.pages.len());
            let what = rng.below(7);
            if what == 3 {
                // Placed among the others by name: every later row moves down one.
                let mut p = self.pages[k].clone();
                p.rel = format!("{}-added{}.md", p.rel.trim_end_matches(".md"), self.added);
                p.title = format!("Added {}", self.added);
                self.added += 1;
                s.file(&p.rel, &p.text());
                did.push(format!("{} added", p.rel));
                self.pages.push(p);
                continue;
            }
            if what == 4 {
                let p = self.pages.swap_remove(k);
                std::fs::remove_file(s.path().join(&p.rel)).expect("delete a playbook");
                did.push(format!("{} deleted", p.rel));
                continue;
            }
            let p = &mut self.pages[k];
            match what {
                0 | 1 => p.reporting = !p.reporting,
                2 => p.help_desk = if p.help_desk == "desk" { "acme-it" } else { "desk" },
                5 => {
                    p.client = if p.client == "acme" { "beta" } else { "acme" };
                    p.title = format!("{} r{round}", p.title);
                }
                _ => p.client_facing = !p.client_facing,
            }
            s.file(&p.rel, &p.text());
            did.push(format!("{} edited ({what})", p.rel));
        }
        did
    }
}

/// The seeds of a soak run by hand: `SOAK_COUNT` of them (5) from `SOAK_FROM` (100).
pub fn soak_seeds() -> std::ops::Range<u64> {
    let var = |name: &str, default: u64| std::env::var(name).ok().and_then(|v| v.parse().ok()).unwrap_or(default);
    let from = var("SOAK_FROM", 100);
    from..from + var("SOAK_COUNT", 5)
}
