//! One whole build: load and check the site, compile the theme, render into a staging folder
//! and swap it in; or, when the build cache matches the output, a warm build that replays the
//! edited files and rewrites only the outputs they affect. Every failure comes back as
//! diagnostics; nothing here prints.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU8, Ordering};
use std::time::{Duration, Instant};

use crate::diagnostics::{Diagnostic, Diagnostics};
use crate::output::{self, Committed, FullOutput, OldOutput, OutputError, Sink, UpdateOutput};
use crate::site::{BuildOptions, Frame, Refreshed, Site};
use crate::theme::ThemeFiles;
use crate::{cache, content, render, theme};

/// Where a build is, for a progress display on a terminal.
pub static STAGE: AtomicU8 = AtomicU8::new(0);
pub const STAGES: [&str; 5] = ["", "reading playbooks", "checking", "rendering", "writing"];

pub struct BuildReport {
    pub diagnostics: Diagnostics,
    pub playbooks: usize,
    pub pages: usize,
    pub files: usize,
    /// Of `files`, those a full build kept from the output it replaced, unchanged; for a warm
    /// build, the files it rendered again that came out unchanged (not counted in `files`).
    pub kept: usize,
    pub elapsed: Duration,
    pub output: PathBuf,
    /// A warm build (from the cache): `files` counts only the files it rewrote.
    pub warm: bool,
    /// Files the build deleted from the output it updated (the pages of deleted playbooks, list
    /// pages no longer needed).
    pub removed: usize,
    /// The output folder this build replaced; deleted when dropped (see [`OldOutput`]).
    pub old_output: Option<OldOutput>,
    /// Folders earlier builds left beside the output (an interrupted deletion, a killed build's
    /// staging folder), to be deleted like `old_output`.
    pub leftovers: Vec<OldOutput>,
}

pub enum BuildError {
    /// Content, config or template errors (exit 1); the previous output is untouched.
    Content(Diagnostics),
    /// The output folder could not be used (exit 1); nothing was changed.
    Output(OutputError, Diagnostics),
}

/// A checked model and the theme it was checked against, which `serve` renders with.
pub struct Checked {
    pub site: Option<Site>,
    pub diagnostics: Diagnostics,
    pub theme: ThemeFiles,
    /// `None` when the templates do not compile (the errors are in `diagnostics`).
    pub tera: Option<tera::Tera>,
    /// [`check_reusing`] only, when the config did not load: what it was given to take over,
    /// for the next try.
    pub previous: Option<Box<crate::site::Previous>>,
}

/// Loads the site and checks it, including the theme's templates, without writing anything.
/// The site keeps its sources, for `serve` to update it in place.
pub fn check(root: &Path, opts: &BuildOptions) -> Checked {
    STAGE.store(1, Ordering::Relaxed);
    checked(root, Site::load(root, opts))
}

/// [`check`] for a one-shot `demarcate check`: sources are freed as a build frees them (the
/// diagnostics are the same), so a 100,000-playbook check peaks no higher than its build.
pub fn check_once(root: &Path, opts: &BuildOptions) -> (Option<Site>, Diagnostics) {
    STAGE.store(1, Ordering::Relaxed);
    let Checked { site, diagnostics, .. } = checked(root, Site::load_for_build(root, opts));
    (site, diagnostics)
}

/// [`check`] taking over from the previous model what still holds (`serve`, after pages were
/// added, deleted or moved, or the config edited; see [`crate::site::Previous`]).
pub fn check_reusing(root: &Path, opts: &BuildOptions, previous: crate::site::Previous) -> Checked {
    STAGE.store(1, Ordering::Relaxed);
    checked(root, Site::load_reusing(root, opts, previous))
}

/// A loaded site with its theme's diagnostics added.
fn checked(root: &Path, loaded: Result<Site, crate::site::LoadFailure>) -> Checked {
    let mut site = match loaded {
        Ok(s) => s,
        Err(f) => {
            let mut diagnostics = f.diagnostics;
            diagnostics.sort();
            return Checked { site: None, diagnostics, theme: ThemeFiles::default(), tera: None, previous: f.previous };
        }
    };
    STAGE.store(2, Ordering::Relaxed);
    let mut d = Vec::new();
    let (theme, tera) = compile_theme(root, site.cfg.config.theme.as_deref(), &mut d);
    site.diagnostics.extend(d);
    site.diagnostics.sort();
    let diagnostics = site.diagnostics.clone();
    Checked { site: Some(site), diagnostics, theme, tera, previous: None }
}

/// The theme `name` of the site at `root`, loaded, with its templates compiled (`None` when
/// they do not compile); the problems of both go to `d`.
pub fn compile_theme(root: &Path, name: Option<&str>, d: &mut Vec<Diagnostic>) -> (ThemeFiles, Option<tera::Tera>) {
    let t = Instant::now();
    let files = theme::load(root, name, d);
    compile_loaded(files, d, t)
}

/// [`compile_theme`] for theme files already loaded (since `t`).
fn compile_loaded(files: ThemeFiles, d: &mut Vec<Diagnostic>, t: Instant) -> (ThemeFiles, Option<tera::Tera>) {
    let tera = render::compile(&files).map_err(|errs| d.extend(errs)).ok();
    crate::site::timing("theme", t);
    (files, tera)
}

/// Builds the site into `output`, warm from the build cache when it matches.
pub fn build(root: &Path, opts: &BuildOptions, output: &Path) -> Result<BuildReport, BuildError> {
    build_with(root, opts, output, true, &|_| {})
}

/// `use_cache: false` always builds cold (the cache is still written for the next build).
/// One build at a time per output folder: when another holds it, `waiting` is told the lock
/// file's path and this build waits (see [`crate::output_lock`]).
pub fn build_with(
    root: &Path,
    opts: &BuildOptions,
    output: &Path,
    use_cache: bool,
    waiting: &dyn Fn(&Path),
) -> Result<BuildReport, BuildError> {
    build_reusing(root, opts, output, use_cache, waiting, None)
}

/// [`build_with`], for one of several builds of the same sources (`build --each-client`): a
/// cold build takes over what it can of the model the one before left in `reuse` (see
/// [`crate::site::Previous`]: every page still as it was read, and what was made of each page
/// shown as before), and leaves its own model there for the next. A lean load frees what a
/// one-shot build no longer needs; this keeps it, which costs memory and saves reading and
/// parsing every page again for every guide.
pub fn build_reusing(
    root: &Path,
    opts: &BuildOptions,
    output: &Path,
    use_cache: bool,
    waiting: &dyn Fn(&Path),
    mut reuse: Option<&mut Option<crate::site::Previous>>,
) -> Result<BuildReport, BuildError> {
    if let Err(e) = output::check_outside_sources(root, output) {
        return Err(BuildError::Output(e, Diagnostics::default()));
    }
    // Held until the output is in place and the snapshot saved.
    let _lock = crate::output_lock::OutputLock::acquire(output, waiting);
    let start = Instant::now();
    let started_ns = crate::content::now_ns();
    // Files earlier warm builds replaced, deleted beside this build's work.
    let trash = cache::trash_dir(root);
    if trash.is_dir() {
        let _ = std::thread::Builder::new().name("trash".into()).spawn(move || crate::output::empty_trash(&trash));
    }
    let prepared = if use_cache {
        match warm(root, opts, output, start, started_ns) {
            Warm::Done(result) => return result,
            Warm::Cold(prepared) => prepared,
        }
    } else {
        None
    };
    STAGE.store(1, Ordering::Relaxed);
    let (loaded, theme) = match (reuse.as_deref_mut(), prepared) {
        (Some(slot), prepared) => {
            let loaded = match slot.take() {
                Some(previous) => Site::load_reusing(root, opts, previous),
                None => Site::load(root, opts),
            };
            (loaded, prepared.map(|p| (p.theme, p.theme_diagnostics)))
        }
        (None, Some(Prepared { frame, theme, theme_diagnostics })) => {
            (Site::load_for_build_in(root, opts, *frame), Some((theme, theme_diagnostics)))
        }
        (None, None) => (Site::load_for_build(root, opts), None),
    };
    let site = match loaded {
        Ok(s) => s,
        Err(f) => {
            if let Some(slot) = reuse {
                *slot = f.previous.map(|p| *p);
            }
            return Err(BuildError::Content(f.diagnostics));
        }
    };
    let mut diagnostics = site.diagnostics.clone();
    STAGE.store(2, Ordering::Relaxed);
    let mut d: Vec<Diagnostic> = Vec::new();
    let (files, tera) = match theme {
        Some((files, found)) => {
            d.extend(found);
            compile_loaded(files, &mut d, Instant::now())
        }
        None => compile_theme(root, site.cfg.config.theme.as_deref(), &mut d),
    };
    diagnostics.extend(d);
    diagnostics.sort();
    let Some(tera) = tera.filter(|_| !diagnostics.has_errors()) else {
        pass_on(site, reuse);
        return Err(BuildError::Content(diagnostics));
    };
    let t = Instant::now();
    // Over its own earlier output that fits in the page cache, a build first renders a sample
    // of the views to see whether to update that folder in place; the views found for it serve
    // the whole render.
    let sampled = output::is_own_folder(output).then(|| sampled_playbooks(&site)).filter(|sampled| stays_cached(&site, sampled, output));
    let views = sampled.as_ref().map(|_| render::Views::of(&site, &files));
    let mut in_place =
        views.as_ref().zip(sampled.as_ref()).is_some_and(|(views, sampled)| mostly_unchanged(&site, &files, &tera, views, sampled, output));
    crate::site::timing(if in_place { "probe: in place" } else { "probe: fresh folder" }, t);
    let (out, written, layouts, snapshot) = loop {
        if in_place {
            // Temporary files are about to sit beside the output's files: from here until the
            // new snapshot is saved, the old one must not vouch for the folder.
            cache::invalidate(root, opts, output);
        }
        let out = match FullOutput::begin(output, cache::trash_dir(root), in_place) {
            Ok(o) => o,
            Err(e) => {
                pass_on(site, reuse);
                return Err(BuildError::Output(e, diagnostics));
            }
        };
        STAGE.store(3, Ordering::Relaxed);
        let t = Instant::now();
        // The cache snapshot is encoded while the pages render; it is written once the new
        // output is in place (its marker's stamp ties the two together).
        let (rendered, snapshot) = rayon::join(
            || match &views {
                Some(views) => render::render_site_views(&site, &files, &tera, out.sink(), views),
                None => render::render_site(&site, &files, &tera, out.sink()),
            },
            || cache::encode(&site, None, started_ns, &cache::prepare(root, opts, output)),
        );
        match rendered {
            Ok((written, layouts)) => {
                crate::site::timing("render + write", t);
                break (out, written, layouts, snapshot);
            }
            Err(errs) => {
                out.abandon();
                if in_place && render::only_write_errors(&errs) {
                    // The earlier output is in the way (a file stands where this build needs a
                    // folder): a fresh folder has nothing in the way.
                    in_place = false;
                    continue;
                }
                diagnostics.extend(errs);
                diagnostics.sort();
                pass_on(site, reuse);
                return Err(BuildError::Content(diagnostics));
            }
        }
    };
    STAGE.store(4, Ordering::Relaxed);
    let t = Instant::now();
    let Committed { old_output, leftovers, kept, removed, stamps } = match out.commit() {
        Ok(c) => c,
        Err(e) => {
            pass_on(site, reuse);
            return Err(BuildError::Output(e, diagnostics));
        }
    };
    crate::site::timing("swap", t);
    if let Some(encoded) = snapshot {
        cache::save(root, opts, output, cache::environment(&site.cfg, &files, opts, output), encoded, Some(layouts), &stamps);
    }
    STAGE.store(0, Ordering::Relaxed);
    let report = BuildReport {
        diagnostics,
        playbooks: site.playbook_count(),
        pages: site.visible_pages().count(),
        files: written,
        kept,
        removed,
        elapsed: start.elapsed(),
        output: output.to_path_buf(),
        warm: false,
        old_output,
        leftovers,
    };
    pass_on(site, reuse);
    Ok(report)
}

/// Leaves the model for the next build of [`build_reusing`], or frees it beside the work left.
fn pass_on(site: Site, reuse: Option<&mut Option<crate::site::Previous>>) {
    match reuse {
        Some(slot) => *slot = Some(site.into_previous()),
        None => discard(site),
    }
}

/// Up to 32 playbook pages spread over the site: what a full build samples of its output.
fn sampled_playbooks(site: &Site) -> Vec<String> {
    const PLAYBOOKS: usize = 32;
    let playbooks: Vec<usize> = site.visible_pages().filter(|(_, p)| p.is_playbook()).map(|(i, _)| i).collect();
    let step = playbooks.len().div_ceil(PLAYBOOKS).max(1);
    playbooks.iter().step_by(step).map(|&i| render::page_path(site, i)).collect()
}

/// Whether the earlier output is small enough to have stayed in the page cache: past
/// write-behind's threshold a full build drops its files from the cache, and comparing would
/// read them back from the disk (24.7 s against 20.9 s for a fresh folder at 100,000
/// playbooks, no file changed). Estimated from the sampled playbook pages as they are on disk,
/// the other views and the exports taking about as much again (878 MB for 10,000 playbooks
/// whose pages take 430 MB).
fn stays_cached(site: &Site, sampled: &[String], output: &Path) -> bool {
    let sizes: Vec<u64> = sampled.iter().filter_map(|p| std::fs::metadata(output.join(p)).ok()).map(|m| m.len()).collect();
    let average = sizes.iter().sum::<u64>() / (sizes.len().max(1) as u64);
    average.saturating_mul(2 * site.pages.len() as u64) < crate::write_behind::DEFAULT_THRESHOLD
}

/// Whether most of a sample of the files a full build makes (`sampled` playbooks and one view
/// of each kind) come out as `output` holds them. Updating in place skips unchanged files but
/// replaces each changed one on its own, which costs more than writing a fresh folder once most
/// files change (a base path or a page template edited): 2.3 s against 1.3-1.5 s for all 12,500
/// files of the 10k corpus.
fn mostly_unchanged(site: &Site, files: &ThemeFiles, tera: &tera::Tera, views: &render::Views, sampled: &[String], output: &Path) -> bool {
    let mut paths = views.samples(site);
    paths.extend_from_slice(sampled);
    let probe = crate::output::Probe::new(output);
    if render::render_views(site, tera, &probe, views, files, &paths, None).is_err() {
        return false;
    }
    let (same, differ) = probe.counts();
    same >= differ
}

/// Frees a large model off the caller's thread: a command-line build is done once its files
/// are written, and tearing down a 10,000-playbook site (millions of small allocations) would
/// otherwise add tens of milliseconds before the process can exit.
pub(crate) fn discard<T: Send + 'static>(value: T) {
    // Without a thread to be had, the value is dropped here, with the failed closure.
    let _ = std::thread::Builder::new().name("discard".into()).spawn(move || drop(value));
}

/// What an attempt at a warm build came to.
enum Warm {
    Done(Result<BuildReport, BuildError>),
    /// The cache cannot serve this build (missing, stale, corrupt, or an edit the incremental
    /// updates do not cover): build cold, with what the attempt loaded before it found out.
    Cold(Option<Prepared>),
}

/// What a warm attempt loads before it can tell whether the cache serves the build, handed to
/// the cold build instead of being loaded twice: the config and registry (7 ms at 10,000
/// playbooks, 0.14 s at 100,000) and the theme files, with the problems loading them found.
struct Prepared {
    frame: Box<Frame>,
    theme: ThemeFiles,
    theme_diagnostics: Vec<Diagnostic>,
}

/// A warm build from the cache, when it can serve this build.
fn warm(root: &Path, opts: &BuildOptions, output: &Path, start: Instant, started_ns: i128) -> Warm {
    let t = Instant::now();
    let Ok(frame) = Frame::load(root, opts).map(Box::new) else {
        return Warm::Cold(None);
    };
    crate::site::timing("config", t);
    let mut d = Vec::new();
    let files = theme::load(root, frame.cfg.config.theme.as_deref(), &mut d);
    if !d.is_empty() {
        return Warm::Cold(Some(Prepared { frame, theme: files, theme_diagnostics: d }));
    }
    let env = cache::environment(&frame.cfg, &files, opts, output);
    let restored = match cache::restore(root, opts, output, frame, env) {
        Ok(restored) => restored,
        Err(frame) => return Warm::Cold(Some(Prepared { frame, theme: files, theme_diagnostics: d })),
    };
    crate::site::timing("cache restore", t);
    match replay(root, opts, output, start, started_ns, restored, &files) {
        Some(result) => Warm::Done(result),
        None => Warm::Cold(None),
    }
}

/// The visible playbooks that neither an edit nor a move re-read (`changed`, `new_pages`, both
/// in page order) but whose pages are among `paths`: the snapshot has no HTML for them.
fn unread_stale_playbooks(site: &Site, paths: &[String], changed: &[usize], new_pages: &[usize]) -> Vec<usize> {
    let paths: crate::HashSet<&str> = paths.iter().map(String::as_str).collect();
    (0..site.pages.len())
        .filter(|&i| !site.pages[i].is_section && site.visible[i])
        .filter(|i| changed.binary_search(i).is_err() && new_pages.binary_search(i).is_err())
        .filter(|&i| paths.contains(render::page_path(site, i).as_str()))
        .collect()
}

/// Reads playbook `i` again and renders its Markdown (it is unchanged: the body-only path),
/// when its file still has the stamp the restore saw; `None` otherwise (build cold).
fn reread_unchanged(site: &mut Site, root: &Path, i: usize) -> Option<()> {
    let path = root.join(&site.pages[i].file);
    if content::Stamp::read(&path) != Some(site.pages[i].stamp) {
        return None;
    }
    let text = content::source_text(std::fs::read(&path).ok()?, &site.pages[i].rel).ok()?;
    match site.refresh_deferring_site_checks(i, text)? {
        Refreshed::Body { faq_changed: false } => Some(()),
        _ => None,
    }
}

/// The warm build past the restore: replays the edited files and rewrites what they affect.
/// `None`: an edit the incremental updates do not cover (build cold).
fn replay(
    root: &Path,
    opts: &BuildOptions,
    output: &Path,
    start: Instant,
    started_ns: i128,
    restored: cache::Restored,
    files: &ThemeFiles,
) -> Option<Result<BuildReport, BuildError>> {
    let env = restored.env;
    let t = Instant::now();
    let mut site = restored.site;
    // Offline, how a link is written depends on whether a file named without a dot, or a page
    // folder named with one, exists (`relative_links::PathKinds`): one coming or going builds
    // cold instead of finding every view that links to it. (A changed copy counts: the snapshot
    // does not say which of them are new.)
    let offline = site.offline;
    let assets_moved = restored.assets_changed.iter().map(|&k| &site.assets[k]).chain(&restored.assets_removed);
    if offline && assets_moved.map(|a| a.rel.as_str()).any(crate::relative_links::misnamed_file) {
        return None;
    }
    let mut paths: Vec<String> = Vec::new();
    // Playbooks added or deleted: the model is put together again around them (their places
    // in every list change) and the edits replay on that. The views showing an added or deleted
    // playbook are rendered again (`render::moved_paths`), and what the model rendered before
    // and does not now (the deleted pages, a list page fewer) is deleted.
    let mut edited = restored.edited;
    let mut moved = None;
    // When pages came or went: each page's index in the snapshot (the exports on disk are laid
    // out by it).
    let mut old_of: Option<Vec<Option<usize>>> = None;
    let mut faq_stale = false;
    if let Some(m) = restored.moved {
        let views_before = render::Views::of(&site, files).paths();
        let rels: Vec<String> = edited.iter().map(|(i, _, _)| site.pages[*i].rel.clone()).collect();
        let added: Vec<String> = m.added.iter().map(|(rel, _, _)| rel.clone()).collect();
        // What the views showed of each deleted playbook.
        let gone: Vec<render::GonePlaybook> = m.removed.iter().map(|&j| render::GonePlaybook::of(&site, j)).collect();
        // How the lists cut by their rows were cut: their pages that keep their rows stay.
        let pagings_before = render::ListPagings::of(&site);
        // Folders whose section came or went: the pages below them name it in their breadcrumbs.
        let sections_moved: crate::HashSet<String> = m
            .removed
            .iter()
            .map(|&j| &site.pages[j])
            .filter(|p| p.is_section)
            .map(|p| p.dir().to_string())
            .chain(
                m.added
                    .iter()
                    .filter(|(rel, _, _)| rel.rsplit('/').next() == Some("_index.md"))
                    .map(|(rel, _, _)| rel.rsplit_once('/').map_or("", |(dir, _)| dir).to_string()),
            )
            .collect();
        let rereading: Vec<usize> = edited.iter().map(|(i, _, _)| *i).collect();
        let misnamed_folder = |site: &Site, i: usize| offline && crate::relative_links::misnamed_folder(&site.pages[i].path);
        if m.removed.iter().any(|&j| misnamed_folder(&site, j)) {
            return None;
        }
        old_of = Some(m.before.clone());
        site = site.with_pages_moved(m, opts, &rereading).ok()?;
        for ((i, _, _), rel) in edited.iter_mut().zip(&rels) {
            *i = *site.by_rel.get(rel)?;
        }
        let mut added: Vec<usize> = added.iter().map(|rel| site.by_rel.get(rel).copied()).collect::<Option<_>>()?;
        added.sort_unstable();
        if added.iter().any(|&i| misnamed_folder(&site, i)) {
            return None;
        }
        let (views, faq) = render::moved_views(&site, &added, &gone, &pagings_before);
        paths.extend(views);
        // The site-wide FAQ, once, below.
        faq_stale |= faq;
        if !sections_moved.is_empty() {
            // The folders above a page (for a section, above its own folder).
            let below = |p: &content::Page| {
                let mut dir = p.dir();
                if p.is_section {
                    dir = dir.rsplit_once('/').map_or("", |(up, _)| up);
                }
                loop {
                    if sections_moved.contains(dir) {
                        return true;
                    }
                    match dir.rsplit_once('/') {
                        Some((up, _)) => dir = up,
                        None => return false,
                    }
                }
            };
            paths.extend((0..site.pages.len()).filter(|&j| site.visible[j] && below(&site.pages[j])).map(|j| render::page_path(&site, j)));
        }
        moved = Some((views_before, added));
    }
    // In page order (the restore reads edited files in page order).
    let mut changed: Vec<usize> = edited.iter().map(|(i, _, _)| *i).collect();
    // The site-wide FAQ is re-rendered once, after the last edit. Its page count (a pass over
    // every question) is taken before the first edit that changed questions, the edits before
    // it having left them as they were, and compared with the count after the last.
    let mut faq_pages_before: Option<usize> = None;
    for (i, text, stamp) in edited {
        let body = text.strip_prefix('\u{feff}').unwrap_or(&text);
        let split = content::split_front_matter(body).ok();
        let same_front_matter =
            split.as_ref().is_some_and(|(range, ..)| content::text_hash(body[range.clone()].as_bytes()) == site.pages[i].yaml_hash);
        let no_controls_in_body =
            || split.as_ref().is_some_and(|&(_, _, start, line)| crate::control_chars::raw_controls(&body[start..], line).is_empty());
        if same_front_matter && !site.visible[i] && no_controls_in_body() {
            // A page outside this build (a draft, internal in a client build) whose front-matter
            // did not change stays outside it: nothing to render. (A control character written
            // into its body is an error a load reports: the full path.)
            site.pages[i].stamp = stamp;
            continue;
        }
        let old_faqs = if faq_pages_before.is_none() { site.faqs.get(i).cloned() } else { None };
        match site.refresh_deferring_site_checks(i, text)? {
            Refreshed::Body { faq_changed } => {
                paths.push(render::page_path(&site, i));
                faq_stale |= faq_changed;
            }
            Refreshed::Hidden => {}
            Refreshed::FrontMatter(affected) => {
                paths.push(render::page_path(&site, i));
                paths.extend(render::affected_paths_but_faq(&site, &affected));
                faq_stale |= affected.faq;
            }
        }
        if let Some(old) = old_faqs
            && old != site.faqs[i]
        {
            faq_pages_before = Some(site.faq_pages_with(i, old));
        }
        site.pages[i].stamp = stamp;
    }
    if faq_stale {
        // A FAQ gaining or losing a page changes which files exist: a cold build, unless pages
        // came or went (the files that no longer exist are then found and deleted, below).
        if moved.is_none() && faq_pages_before.is_some_and(|before| render::faq_page_count(&site) != before) {
            return None;
        }
        paths.extend(render::faq_paths(&site));
    }
    // Playbooks nothing here re-read whose pages an edit changed (a section retitled above
    // them: their breadcrumbs). The snapshot has no HTML for playbooks: they are read again
    // (their questions unchanged, so the FAQ's paths above stand).
    let new_pages = moved.as_ref().map(|(_, added)| added.as_slice()).unwrap_or_default();
    let unread = unread_stale_playbooks(&site, &paths, &changed, new_pages);
    if !unread.is_empty() {
        if unread.len() + changed.len() > cache::replay_limit(site.pages.len()) {
            return None;
        }
        for &i in &unread {
            reread_unchanged(&mut site, root, i)?;
        }
        changed.extend(unread);
        changed.sort_unstable();
    }
    // Links and the registry are checked once for all the edits (links land on assets too).
    if !changed.is_empty() || moved.is_some() || !restored.assets_changed.is_empty() || !restored.assets_removed.is_empty() {
        site.run_site_checks();
    }
    crate::site::timing("  refreshed", t);
    paths.sort();
    paths.dedup();
    // An asset at a generated path took that file's place (assets are written last in a full
    // build): the view rendered again, or deleted, would take it back.
    let shipped: crate::HashSet<&str> = site.shipped_assets().map(|a| a.rel.as_str()).collect();
    paths.retain(|p| !shipped.contains(p.as_str()));
    let mut removed = Vec::new();
    // Every view of the model as it is now, when files may have gone: also rendered from.
    let mut views_now = None;
    let gone_assets: Vec<&str> = restored.assets_removed.iter().filter(|a| site.ships(a)).map(|a| a.rel.as_str()).collect();
    if moved.is_some() || !gone_assets.is_empty() {
        let views = views_now.insert(render::Views::of(&site, files));
        let paths_now = views.paths();
        let now: crate::HashSet<&str> = paths_now.iter().map(String::as_str).collect();
        if let Some((views_before, _)) = &moved {
            removed = views_before.iter().filter(|p| !now.contains(p.as_str())).cloned().collect();
        }
        // A deleted asset at a generated path had replaced that file (assets are written last):
        // a cold build writes the generated one again.
        let copied = render::copied_paths(&site, files);
        if gone_assets.iter().any(|p| now.contains(p) || copied.iter().any(|c| c == p)) {
            return None;
        }
        removed.extend(gone_assets.iter().map(|p| p.to_string()));
        removed.retain(|p| !shipped.contains(p.as_str()));
        removed.sort();
    }
    let copies: Vec<&content::Asset> = restored.assets_changed.iter().map(|&k| &site.assets[k]).filter(|a| site.ships(a)).collect();
    crate::site::timing("replay edits", t);
    let mut diagnostics = site.diagnostics.clone();
    if diagnostics.has_errors() {
        return Some(Err(BuildError::Content(diagnostics)));
    }
    let t = Instant::now();
    let tera = match render::compile(files) {
        Ok(t) => t,
        Err(errs) => {
            diagnostics.extend(errs);
            diagnostics.sort();
            return Some(Err(BuildError::Content(diagnostics)));
        }
    };
    crate::site::timing("  templates compiled", t);
    // Files rendered again that came out as the output holds them, left alone.
    let mut kept = 0;
    let out = UpdateOutput::new(output).with_trash(cache::trash_dir(root)).removing(&removed);
    if !paths.is_empty() || !copies.is_empty() || !removed.is_empty() {
        // From the first temporary file on, the snapshot no longer vouches for the output: a
        // process killed before its commit leaves `*.demarcate-tmp-*` files beside their
        // targets, and only a cold build (which replaces the whole folder) removes them.
        cache::invalidate(root, opts, output);
        // The exports on disk, to splice the edited and new pages' parts into.
        let len = |name: &str| std::fs::metadata(output.join(name)).ok().map(|m| m.len());
        let previous = restored.exports.clone().and_then(|layouts| {
            Some(render::PreviousExports {
                json_len: len(render::OWNERSHIP_JSON)?,
                csv_len: len(render::MATRIX_CSV)?,
                search_len: len(render::SEARCH_INDEX)?,
                layouts,
                edited: changed.clone(),
                old_of,
            })
        });
        let (rendered, snapshot) = rayon::join(
            || match &views_now {
                Some(views) => render::render_views(&site, &tera, &out, views, files, &paths, previous.as_ref()),
                None => render::render_paths(&site, files, &tera, &out, &paths, previous.as_ref()),
            },
            || {
                // Every shard, when pages came or went (their places moved).
                let previous = Some((restored.shards.as_slice(), changed.as_slice())).filter(|_| moved.is_none());
                cache::encode(&site, previous, started_ns, &cache::prepare(root, opts, output))
            },
        );
        let layouts = match rendered {
            Ok(l) => l.or(restored.exports),
            Err(errs) if render::only_write_errors(&errs) => {
                // The output is in the way (a file stands where a new page needs a folder): a
                // full build can write a fresh folder.
                out.abandon();
                return None;
            }
            Err(errs) => {
                out.abandon();
                diagnostics.extend(errs);
                diagnostics.sort();
                return Some(Err(BuildError::Content(diagnostics)));
            }
        };
        // Assets last, as in a full build: one at a generated path replaces the generated file.
        for a in &copies {
            let Ok(bytes) = std::fs::read(&a.source) else {
                out.abandon();
                return None;
            };
            if out.put(&a.rel, bytes).is_err() {
                // As above: a full build can write a fresh folder.
                out.abandon();
                return None;
            }
        }
        crate::site::timing("  rendered and written (warm)", t);
        kept = out.kept();
        let written = match out.commit() {
            Ok(written) => written,
            Err(e) => return Some(Err(BuildError::Output(e, diagnostics))),
        };
        crate::site::timing("  moved into place (warm)", t);
        if let Some(mut encoded) = snapshot {
            encoded.highlights_known = restored.highlights_known;
            cache::save(root, opts, output, env, encoded, layouts, &restored.outputs.updated(&removed, written));
        }
    }
    crate::site::timing("render + write (warm)", t);
    let report = BuildReport {
        diagnostics,
        playbooks: site.playbook_count(),
        pages: site.visible_pages().count(),
        files: (paths.len() + copies.len()).saturating_sub(kept),
        kept,
        removed: removed.len(),
        elapsed: start.elapsed(),
        output: output.to_path_buf(),
        warm: true,
        old_output: None,
        leftovers: Vec::new(),
    };
    discard(site);
    Some(Ok(report))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `demarcate check` frees sources as it goes (`check_once`); serve keeps them (`check`).
    /// Both must report the same diagnostics, positions included, for every kind of rule:
    /// front-matter rules, registry rules, links and anchors found while rendering Markdown
    /// and FAQ rules found after it.
    #[test]
    fn a_lean_check_reports_what_a_full_check_reports() {
        let dir = tempfile::tempdir().expect("temp dir");
        let root = dir.path();
        let write = |rel: &str, text: &str| {
            let p = root.join(rel);
            std::fs::create_dir_all(p.parent().expect("a parent")).expect("mkdir");
            std::fs::write(p, text).expect("write");
        };
        write(
            "demarcate.yaml",
            "title: Lean check\nparties:\n  msp: {name: MSP, kind: provider}\n  acme: {name: Acme, kind: client}\nowners:\n  desk: {name: Desk, party: msp, contact: d@msp.example}\n  eng: {name: Eng, party: msp}\n  idle: {name: Idle, party: msp, contact: i@msp.example}\n  it: {name: IT, party: acme, contact: it@acme.example}\nworkstreams:\n  help-desk: {name: Help desk, required: true}\n  patching: {name: Patching}\n",
        );
        write(
            "content/a.md",
            "---\ntitle: A\nclient: acme\nworkstreams:\n  help-desk:\n    accountable: [desk, eng]\n    responsible: [desk]\n    informed: [desk, nobody]\n  patching: {responsible: [it], handoff: \"Desk hands over to [IT](c.md).\"}\nfaq:\n  - {q: \"Who patches?\", a: \"\"}\n  - {q: \"Who reboots?\", a: \"See [B](b.md#no-such-heading).\"}\n---\nSee [b](b.md#missing), [gone](gone.md) and [top](#nowhere).\n",
        );
        write(
            "content/b.md",
            "---\ntitle: B\nclient: acme\nworkstreams:\n  patching: it\n---\n## Only heading\n\nSee [a](a.md#ws-help-desk).\n",
        );
        let opts = BuildOptions::default();
        let full = check(root, &opts).diagnostics;
        let (_, lean) = check_once(root, &opts);
        let codes: std::collections::BTreeSet<&str> = full.items.iter().map(|d| d.code).collect();
        assert!(codes.len() >= 6, "the fixture should trip many rules, got {codes:?}");
        // Links in front-matter Markdown (a handoff, an answer) are positioned while rendering.
        let fm_links = full.items.iter().filter(|d| d.code.starts_with("broken-") && d.line < 13).count();
        assert_eq!(fm_links, 2, "{:?}", full.items);
        assert_eq!(full.items, lean.items);
    }
}
