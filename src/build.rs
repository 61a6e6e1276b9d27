//! One whole build: load and check the site, compile the theme, render into a staging folder
//! and swap it in; or, when the build cache matches the output, a warm build that replays the
//! edited files and rewrites only the outputs they affect. Every failure comes back as
//! diagnostics; nothing here prints.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU8, Ordering};
use std::time::{Duration, Instant};

use crate::diagnostics::{Diagnostic, Diagnostics};
use crate::output::{DiskOutput, MemoryOutput, OutputError};
use crate::site::{BuildOptions, Frame, Refreshed, Site};
use crate::{cache, content, render, theme};

/// Where a build is, for a progress display on a terminal.
pub static STAGE: AtomicU8 = AtomicU8::new(0);
pub const STAGES: [&str; 5] = ["", "reading playbooks", "checking", "rendering", "writing"];

pub struct BuildReport {
    pub diagnostics: Diagnostics,
    pub playbooks: usize,
    pub pages: usize,
    pub files: usize,
    pub elapsed: Duration,
    pub output: PathBuf,
    /// A warm build (from the cache): `files` counts only the files it rewrote.
    pub warm: bool,
}

pub enum BuildError {
    /// Content, config or template errors (exit 1); the previous output is untouched.
    Content(Diagnostics),
    /// The output folder could not be used (exit 1); nothing was changed.
    Output(OutputError, Diagnostics),
}

/// Loads the site and checks it, including the theme's templates, without writing anything.
pub fn check(root: &Path, opts: &BuildOptions) -> (Option<Site>, Diagnostics) {
    STAGE.store(1, Ordering::Relaxed);
    let mut site = match Site::load(root, opts) {
        Ok(s) => s,
        Err(f) => return (None, f.diagnostics),
    };
    STAGE.store(2, Ordering::Relaxed);
    let mut d = Vec::new();
    let files = theme::load(root, site.cfg.config.theme.as_deref(), &mut d);
    if let Err(errs) = render::compile(&files) {
        d.extend(errs);
    }
    site.diagnostics.extend(d);
    site.diagnostics.sort();
    let diags = site.diagnostics.clone();
    (Some(site), diags)
}

/// Builds the site into `output`, warm from the build cache when it matches.
pub fn build(root: &Path, opts: &BuildOptions, output: &Path) -> Result<BuildReport, BuildError> {
    build_with(root, opts, output, true)
}

/// `use_cache: false` always builds cold (the cache is still written for the next build).
pub fn build_with(root: &Path, opts: &BuildOptions, output: &Path, use_cache: bool) -> Result<BuildReport, BuildError> {
    let start = Instant::now();
    let started_ns = cache::now_ns();
    if use_cache && let Some(result) = warm(root, opts, output, start, started_ns) {
        return result;
    }
    STAGE.store(1, Ordering::Relaxed);
    let site = match Site::load_for_build(root, opts) {
        Ok(s) => s,
        Err(f) => return Err(BuildError::Content(f.diagnostics)),
    };
    let mut diagnostics = site.diagnostics.clone();
    STAGE.store(2, Ordering::Relaxed);
    let mut d: Vec<Diagnostic> = Vec::new();
    let files = theme::load(root, site.cfg.config.theme.as_deref(), &mut d);
    diagnostics.extend(d);
    let tera = match render::compile(&files) {
        Ok(t) => Some(t),
        Err(errs) => {
            diagnostics.extend(errs);
            None
        }
    };
    diagnostics.sort();
    let Some(tera) = tera.filter(|_| !diagnostics.has_errors()) else {
        return Err(BuildError::Content(diagnostics));
    };
    let out = match DiskOutput::begin(output) {
        Ok(o) => o,
        Err(e) => return Err(BuildError::Output(e, diagnostics)),
    };
    STAGE.store(3, Ordering::Relaxed);
    let t = Instant::now();
    // The cache snapshot is encoded while the pages render; it is written once the new output
    // is in place (its marker's stamp ties the two together).
    let (rendered, snapshot) = rayon::join(
        || render::render_site(&site, &files, &tera, &out),
        || cache::encode(&site, None, started_ns, &cache::prepare(root, opts, output)),
    );
    let (written, layouts) = match rendered {
        Ok(n) => n,
        Err(errs) => {
            out.abandon();
            diagnostics.extend(errs);
            diagnostics.sort();
            return Err(BuildError::Content(diagnostics));
        }
    };
    crate::site::timing("render + write", t);
    STAGE.store(4, Ordering::Relaxed);
    let t = Instant::now();
    if let Err(e) = out.commit() {
        return Err(BuildError::Output(e, diagnostics));
    }
    crate::site::timing("swap", t);
    if let Some(encoded) = snapshot {
        cache::save(root, opts, output, cache::environment(&site.cfg, &files, opts, output), encoded, Some(layouts));
    }
    STAGE.store(0, Ordering::Relaxed);
    Ok(BuildReport {
        diagnostics,
        playbooks: site.playbook_count(),
        pages: site.visible_pages().count(),
        files: written,
        elapsed: start.elapsed(),
        output: output.to_path_buf(),
        warm: false,
    })
}

/// A warm build from the cache. `None` when the cache cannot serve this build (missing,
/// stale, corrupt, or an edit the incremental updates do not cover): the caller builds cold.
fn warm(root: &Path, opts: &BuildOptions, output: &Path, start: Instant, started_ns: i128) -> Option<Result<BuildReport, BuildError>> {
    let t = Instant::now();
    let frame = Frame::load(root, opts).ok()?;
    let mut d = Vec::new();
    let files = theme::load(root, frame.cfg.config.theme.as_deref(), &mut d);
    if !d.is_empty() {
        return None;
    }
    let env = cache::environment(&frame.cfg, &files, opts, output);
    let restored = cache::restore(root, opts, output, frame, env)?;
    crate::site::timing("cache restore", t);
    let t = Instant::now();
    let mut site = restored.site;
    let mut paths: Vec<String> = Vec::new();
    let changed: Vec<usize> = restored.edited.iter().map(|(i, _, _)| *i).collect();
    for (i, text, stamp) in restored.edited {
        let body = text.strip_prefix('\u{feff}').unwrap_or(&text);
        let same_front_matter = content::split_front_matter(body)
            .is_ok_and(|(range, ..)| content::text_hash(body[range].as_bytes()) == site.pages[i].yaml_hash);
        if same_front_matter && !site.visible[i] {
            // A page outside this build (a draft, internal in a client build) whose front-matter
            // did not change stays outside it: nothing to render.
            site.pages[i].stamp = stamp;
            continue;
        }
        match site.refresh(i, text)? {
            Refreshed::Body { faq_changed } => {
                paths.push(render::page_path(&site, i));
                if faq_changed {
                    paths.push("faq/index.html".into());
                }
            }
            Refreshed::FrontMatter(affected) => {
                paths.push(render::page_path(&site, i));
                paths.extend(render::affected_paths(&site, &affected));
            }
        }
        site.pages[i].stamp = stamp;
    }
    paths.sort();
    paths.dedup();
    // The snapshot has no HTML for playbooks it did not re-read: rendering any other playbook
    // page would need it, so that (never expected) case builds cold.
    let stale_playbook = (0..site.pages.len())
        .filter(|&i| !site.pages[i].is_section && site.visible[i] && !changed.contains(&i))
        .any(|i| paths.binary_search(&render::page_path(&site, i)).is_ok());
    if stale_playbook {
        return None;
    }
    let copies: Vec<&content::Asset> = restored.assets_changed.iter().map(|&k| &site.assets[k]).filter(|a| site.ships(a)).collect();
    crate::site::timing("replay edits", t);
    let mut diagnostics = site.diagnostics.clone();
    if diagnostics.has_errors() {
        return Some(Err(BuildError::Content(diagnostics)));
    }
    let t = Instant::now();
    let tera = match render::compile(&files) {
        Ok(t) => t,
        Err(errs) => {
            diagnostics.extend(errs);
            diagnostics.sort();
            return Some(Err(BuildError::Content(diagnostics)));
        }
    };
    let mem = MemoryOutput::default();
    for a in &copies {
        match std::fs::read(&a.source) {
            Ok(bytes) => {
                if let Err(e) = replace_file(&output.join(&a.rel), &bytes) {
                    return Some(Err(BuildError::Output(OutputError::Io(output.join(&a.rel), e), diagnostics)));
                }
            }
            Err(_) => return None,
        }
    }
    if !paths.is_empty() || !copies.is_empty() {
        // The exports on disk, to splice the edited pages' parts into.
        let previous = restored.exports.clone().and_then(|layouts| {
            Some(render::PreviousExports {
                json_len: std::fs::metadata(output.join("ownership.json")).ok()?.len(),
                csv_len: std::fs::metadata(output.join("matrix.csv")).ok()?.len(),
                layouts,
                edited: changed.clone(),
            })
        });
        let (rendered, snapshot) = rayon::join(
            || render::render_paths(&site, &files, &tera, &mem, &paths, previous.as_ref()),
            || cache::encode(&site, Some((&restored.generations, &changed)), started_ns, &cache::prepare(root, opts, output)),
        );
        let (layouts, spliced) = match rendered {
            Ok((l, spliced)) => (l.or(restored.exports), spliced),
            Err(errs) => {
                diagnostics.extend(errs);
                diagnostics.sort();
                return Some(Err(BuildError::Content(diagnostics)));
            }
        };
        crate::site::timing("  rendered (warm)", t);
        let written = mem.into_files();
        for (path, bytes) in &written {
            if let Err(e) = replace_file(&output.join(path), bytes) {
                return Some(Err(BuildError::Output(OutputError::Io(output.join(path), e), diagnostics)));
            }
        }
        crate::site::timing("  pages written (warm)", t);
        for s in &spliced {
            let path = output.join(s.path);
            if let Err(e) = replace_spliced(&path, &s.pieces) {
                return Some(Err(BuildError::Output(OutputError::Io(path, e), diagnostics)));
            }
        }
        crate::site::timing("  written (warm)", t);
        if let Some(encoded) = snapshot {
            cache::save(root, opts, output, env, encoded, layouts);
        }
    }
    crate::site::timing("render + write (warm)", t);
    Some(Ok(BuildReport {
        diagnostics,
        playbooks: site.playbook_count(),
        pages: site.visible_pages().count(),
        files: paths.len() + copies.len(),
        elapsed: start.elapsed(),
        output: output.to_path_buf(),
        warm: true,
    }))
}

/// Replaces one output file atomically: readers see the old or the new file, never half.
fn replace_file(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent)?;
    }
    let tmp = path.with_extension(format!("demarcate-tmp-{}", std::process::id()));
    std::fs::write(&tmp, bytes)?;
    std::fs::rename(&tmp, path)
}

/// Replaces an export atomically with its spliced version: new pieces are written, old ones
/// copied from the current file range by range (`io::copy` between files stays in the kernel).
fn replace_spliced(path: &Path, pieces: &[render::Piece]) -> std::io::Result<()> {
    use std::io::{Read, Seek, SeekFrom, Write};
    let mut old = std::fs::File::open(path)?;
    let tmp = path.with_extension(format!("demarcate-tmp-{}", std::process::id()));
    let result = (|| {
        let mut out = std::fs::File::create(&tmp)?;
        for piece in pieces {
            match piece {
                render::Piece::New(bytes) => out.write_all(bytes)?,
                render::Piece::Old { at, len } => {
                    old.seek(SeekFrom::Start(*at))?;
                    let copied = std::io::copy(&mut (&mut old).take(*len), &mut out)?;
                    if copied != *len {
                        return Err(std::io::Error::new(
                            std::io::ErrorKind::UnexpectedEof,
                            "the previous export is shorter than its layout",
                        ));
                    }
                }
            }
        }
        std::fs::rename(&tmp, path)
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result
}
