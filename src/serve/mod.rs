//! `demarcate serve`: live preview. Builds the site into memory (never over `site/`), serves it
//! on loopback, watches the site's files and applies the cheapest correct rebuild after each
//! change, then tells every open browser to reload (Server-Sent Events on the same port).
//!
//! This module sits beside the pipeline: it owns HTTP (tiny_http) and file watching (notify)
//! and only calls into [`crate::preview::Preview`].

pub mod classify;
pub mod http;

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError, Sender};
use std::sync::{Arc, Mutex, RwLock};
use std::time::{Duration, Instant};

use notify::{RecursiveMode, Watcher};

use crate::preview::{Files, Outcome, Preview, Rebuild};
use crate::site::BuildOptions;
use classify::{EventKind, classify};

/// What the server hands out: the files of the last good build, the ones that are out of date
/// (rendered on request), and the current errors.
#[derive(Default)]
pub struct Snapshot {
    pub files: Files,
    pub stale: std::collections::BTreeSet<String>,
    pub errors: Option<String>,
}

/// How many files served between two locks of the preview are noted for its memory budget: a
/// browser asks for a few dozen a page, and a crawl need not be remembered in full.
const SERVED_NOTED: usize = 1024;

/// Shared between the HTTP threads and the rebuild loop.
pub struct State {
    snapshot: RwLock<Arc<Snapshot>>,
    clients: Mutex<Vec<Sender<&'static str>>>,
    preview: Mutex<Preview>,
    /// Files served from the snapshot since the preview was last locked, for its memory budget
    /// to keep the pages people look at ([`Preview::touch`]); at most [`SERVED_NOTED`].
    served: Mutex<Vec<String>>,
    /// This server's start, so that a page served by an earlier run is never taken as current.
    epoch: u128,
    /// Counts the events sent: a page names the count it was served at, and a browser whose
    /// event stream opens after a later one (it was reloading when the event went out) is told
    /// to reload at once instead of missing it.
    generation: AtomicU64,
}

impl State {
    fn new(preview: Preview) -> Self {
        let epoch = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_nanos());
        let state = State {
            snapshot: RwLock::default(),
            clients: Mutex::default(),
            preview: Mutex::new(preview),
            served: Mutex::default(),
            epoch,
            generation: AtomicU64::new(0),
        };
        state.publish_current();
        state
    }
    /// Names the events sent so far. Read before the snapshot a page is served from: an event
    /// sent in between then makes the page's stream reload it once more, never not at all.
    pub fn version(&self) -> String {
        format!("{:x}-{}", self.epoch, self.generation.load(Ordering::SeqCst))
    }
    pub fn snapshot(&self) -> Arc<Snapshot> {
        self.snapshot.read().map(|s| s.clone()).unwrap_or_else(|p| p.into_inner().clone())
    }
    /// The preview, told first which files were served since it was last locked.
    fn lock_preview(&self) -> std::sync::MutexGuard<'_, Preview> {
        let mut preview = self.preview.lock().unwrap_or_else(|p| p.into_inner());
        let served = std::mem::take(&mut *self.served.lock().unwrap_or_else(|p| p.into_inner()));
        preview.touch(served);
        preview
    }
    /// Notes a file served from the snapshot (without waiting for the preview, which a rebuild
    /// may hold).
    pub fn note_served(&self, key: &str) {
        let mut served = self.served.lock().unwrap_or_else(|p| p.into_inner());
        if served.len() < SERVED_NOTED {
            served.push(key.to_string());
        }
    }
    /// The bytes of a stale file, rendered now (waits for a rebuild in progress). When
    /// rendering it failed (a template error only some views set off), the errors are shown:
    /// printed, in the snapshot, and in every open browser.
    pub fn ensure(&self, key: &str) -> Option<Arc<Vec<u8>>> {
        let mut preview = self.lock_preview();
        let (had_errors, evictions) = (preview.has_errors(), preview.evictions);
        let bytes = preview.ensure(key);
        if !had_errors && preview.has_errors() {
            self.show_new_errors(&preview);
        } else if preview.evictions != evictions {
            // Files given up for the memory budget: the snapshot served from lets go of them too.
            self.publish(&preview);
        }
        bytes
    }
    /// Errors that rendering a stale view found after the rebuild's reload.
    fn show_new_errors(&self, preview: &Preview) {
        self.publish(preview);
        report(preview.error_report().as_deref(), true, "");
        self.broadcast("reload");
    }
    fn publish_current(&self) {
        let preview = self.lock_preview();
        self.publish(&preview);
    }
    fn publish(&self, preview: &Preview) {
        let snap = Arc::new(Snapshot { files: preview.files.clone(), stale: preview.stale.clone(), errors: preview.error_report() });
        match self.snapshot.write() {
            Ok(mut s) => *s = snap,
            Err(p) => *p.into_inner() = snap,
        }
    }
    fn subscribe(&self, tx: Sender<&'static str>) {
        if let Ok(mut c) = self.clients.lock() {
            c.push(tx);
        }
    }
    /// Sends an event to every connected browser, forgetting the ones that went away.
    fn broadcast(&self, event: &'static str) {
        // Counted first: a page served after this sees the new count, so its stream is quiet.
        self.generation.fetch_add(1, Ordering::SeqCst);
        if let Ok(mut c) = self.clients.lock() {
            c.retain(|tx| tx.send(event).is_ok());
        }
    }
}

pub struct ServeOptions {
    pub root: PathBuf,
    pub bind: String,
    pub port: u16,
    pub open: bool,
    pub build: BuildOptions,
    pub quiet: bool,
    /// Bytes of rendered pages, views and exports held in memory at most (see
    /// [`Preview::with_memory_limit`]).
    pub memory: usize,
}

#[derive(Debug)]
pub enum ServeError {
    /// The address could not be bound (port in use, bad address).
    Bind(String),
    Watch(String),
}

impl std::fmt::Display for ServeError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ServeError::Bind(m) | ServeError::Watch(m) => f.write_str(m),
        }
    }
}

fn log(quiet: bool, msg: &str) {
    if !quiet {
        eprintln!("{msg}");
    }
}

/// Runs the preview server until the process is stopped (Ctrl-C). Nothing is written to disk,
/// so stopping at any moment leaves nothing behind.
pub fn serve(opts: ServeOptions) -> Result<(), ServeError> {
    let addr = format!("{}:{}", opts.bind, opts.port);
    let server = tiny_http::Server::http(&addr).map_err(|e| {
        let hint = if e.to_string().contains("in use") { " (choose another port with --port)" } else { "" };
        ServeError::Bind(format!("cannot listen on {addr}: {e}{hint}"))
    })?;
    let host = if opts.bind == "0.0.0.0" { "127.0.0.1".to_string() } else { opts.bind.clone() };
    let url = format!("http://{host}:{}/", opts.port);
    let mut build = opts.build.clone();
    build.base_url = Some(url.clone());

    let started = Instant::now();
    let preview = Preview::with_memory_limit(&opts.root, build, Some(opts.memory));
    let first_report = preview.error_report();
    let state = Arc::new(State::new(preview));

    let (tx, rx) = mpsc::channel();
    let mut watcher = notify::recommended_watcher(move |res: notify::Result<notify::Event>| {
        if let Ok(ev) = res {
            let _ = tx.send(ev);
        }
    })
    .map_err(|e| ServeError::Watch(format!("cannot watch files: {e}")))?;
    let root = opts.root.canonicalize().unwrap_or(opts.root.clone());
    watcher.watch(&root, RecursiveMode::Recursive).map_err(|e| ServeError::Watch(format!("cannot watch {}: {e}", root.display())))?;

    // Announce only once the watcher runs, so no save after the message can be missed.
    report(first_report.as_deref(), opts.quiet, &format!("built in {}", millis_since(started)));
    log(opts.quiet, &format!("Serving {} at {url} (Ctrl-C to stop)", opts.root.display()));
    if opts.open {
        let _ = std::process::Command::new(if cfg!(target_os = "macos") { "open" } else { "xdg-open" }).arg(&url).spawn();
    }
    let http_state = state.clone();
    std::thread::spawn(move || {
        for request in server.incoming_requests() {
            let st = http_state.clone();
            std::thread::spawn(move || http::handle(request, &st));
        }
    });

    watch_loop(&rx, &root, &state, opts.quiet);
    Ok(())
}

/// The paths a notify event names, with what happened to each.
fn changes_of(ev: &notify::Event) -> Vec<(PathBuf, EventKind)> {
    use notify::EventKind as K;
    let kind = match ev.kind {
        K::Create(_) => EventKind::Created,
        K::Remove(_) => EventKind::Removed,
        K::Modify(notify::event::ModifyKind::Name(_)) => EventKind::Created,
        K::Modify(_) => EventKind::Modified,
        K::Access(_) | K::Other | K::Any => return Vec::new(),
    };
    ev.paths.iter().map(|p| (p.clone(), kind)).collect()
}

/// Classifies a burst of changes once it has settled. What the burst left decides, not the
/// events' names: a path there now was created or replaced (an editor's atomic save renames
/// over the page; some delete it and write it again), one not there was removed, or was a
/// temporary file renamed away.
fn classify_burst(changes: &[(PathBuf, EventKind)], root: &Path) -> Vec<Rebuild> {
    let mut out: Vec<Rebuild> = changes
        .iter()
        .map(|(p, kind)| {
            let rel = p.strip_prefix(root).map(crate::content::rel_to_components).unwrap_or_default();
            let kind = match (kind, p.exists()) {
                (EventKind::Modified, true) => EventKind::Modified,
                (_, true) => EventKind::Created,
                (_, false) => EventKind::Removed,
            };
            classify(&rel, kind)
        })
        .collect();
    out.dedup();
    out
}

fn watch_loop(rx: &Receiver<notify::Event>, root: &Path, state: &State, quiet: bool) {
    // An editor's save is often several events (write temp, rename, delete); wait for the burst
    // to settle briefly and treat it as one change.
    let settle = Duration::from_millis(10);
    let mut pending: Option<notify::Event> = None;
    loop {
        let first = match pending.take() {
            Some(ev) => ev,
            None => match rx.recv() {
                Ok(ev) => ev,
                Err(_) => return,
            },
        };
        let mut burst = changes_of(&first);
        let deadline = Instant::now() + settle;
        loop {
            match rx.recv_timeout(deadline.saturating_duration_since(Instant::now())) {
                Ok(ev) => burst.extend(changes_of(&ev)),
                Err(RecvTimeoutError::Timeout) => break,
                Err(RecvTimeoutError::Disconnected) => return,
            }
        }
        let changes = classify_burst(&burst, root);
        let started = Instant::now();
        let (outcome, errors, rebuilt) = {
            let mut preview = state.lock_preview();
            let outcome = preview.apply(&changes);
            state.publish(&preview);
            (outcome, preview.error_report(), preview.last_path)
        };
        if outcome != Outcome::Unchanged {
            state.broadcast(if outcome == Outcome::Styles { "css" } else { "reload" });
            report(errors.as_deref(), quiet, &format!("rebuilt in {}: {}", millis_since(started), rebuilt_what(rebuilt)));
        }
        // Views left stale by an edit: render them in batches, stopping as soon as another
        // event arrives (a browser asking for one renders it on its request). An event that
        // changes nothing (an editor's swap file, a file closed after writing) comes back here,
        // so the views left over are still rendered.
        let flush_started = Instant::now();
        loop {
            match rx.try_recv() {
                Ok(ev) => {
                    pending = Some(ev);
                    break;
                }
                Err(mpsc::TryRecvError::Disconnected) => return,
                Err(mpsc::TryRecvError::Empty) => {}
            }
            let mut preview = state.lock_preview();
            // Once the site has errors, the next change marks every view stale anyway; once the
            // memory budget is full, the rest wait for a browser to ask.
            if !preview.wants_flush() {
                break;
            }
            // Each batch ends by publishing a snapshot (a copy of the file list: milliseconds
            // at 10,000 playbooks): an eighth of what is left at a time keeps that to a few
            // dozen batches however many views are stale, each short next to an edit's wait.
            let batch = (preview.stale.len() / 8).max(64);
            preview.flush_some(batch);
            if preview.has_errors() {
                state.show_new_errors(&preview);
                break;
            }
            state.publish(&preview);
            if !preview.wants_flush() {
                crate::site::timing("stale views rendered", flush_started);
                break;
            }
        }
    }
}

/// Prints the errors, or `done` (how long the build took).
fn report(errors: Option<&str>, quiet: bool, done: &str) {
    if let Some(errors) = errors {
        eprint!("{errors}");
        eprintln!("site has errors: still serving the last good build");
    } else {
        log(quiet, done);
    }
}

fn millis_since(started: Instant) -> String {
    format!("{:.0} ms", started.elapsed().as_secs_f64() * 1000.0)
}

/// What a rebuild redid, for the log: a slow one says why (everything was rebuilt).
fn rebuilt_what(last_path: &str) -> &'static str {
    match last_path {
        "body" => "the edited page",
        "front-matter" => "the edited page, then the lists it appears in",
        "outside" => "the checks of a page this build leaves out (nothing to render)",
        "pages" => "every view, each rendered when first asked for",
        "moved" => "the playbooks added or deleted, then the views showing them, each rendered when first asked for",
        "templates" => "the templates, then every view, each rendered when first asked for",
        "config" => "the config and the indexes, then every view, each rendered when first asked for",
        "recovered" => "the site from where the errors left it, then every view, each rendered when first asked for",
        "static" => "static files",
        _ => "everything",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use EventKind::*;

    #[test]
    fn a_burst_is_classified_by_what_it_left_on_disk() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        std::fs::create_dir_all(root.join("content/clients")).unwrap();
        std::fs::write(root.join("content/clients/acme.md"), "---\ntitle: Acme\n---\n").unwrap();
        let page = root.join("content/clients/acme.md");
        let temp = root.join("content/clients/acme.md___jb_tmp___");
        let page_edit = Rebuild::Page("clients/acme.md".into());
        let temp_gone = Rebuild::ContentFile("clients/acme.md___jb_tmp___".into());

        // Deleted and written again within the burst: an edit, not a deletion.
        assert_eq!(classify_burst(&[(page.clone(), Removed), (page.clone(), Created)], root), std::slice::from_ref(&page_edit));
        // A temporary file written and renamed over the page: an edit, and a path for preview
        // to find gone.
        let rename = [(temp.clone(), Created), (temp.clone(), Modified), (temp.clone(), Created), (page.clone(), Created)];
        assert_eq!(classify_burst(&rename, root), [temp_gone.clone(), page_edit.clone()]);
        // Written, then deleted before the burst settled: gone, for preview to compare with
        // what it has.
        let gone = root.join("content/clients/beta.md");
        assert_eq!(classify_burst(&[(gone.clone(), Created), (gone, Modified)], root), [Rebuild::Page("clients/beta.md".into())]);
        std::fs::remove_file(&page).unwrap();
        assert_eq!(classify_burst(&[(page.clone(), Created)], root), std::slice::from_ref(&page_edit));
    }
}
