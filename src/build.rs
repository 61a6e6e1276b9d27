//! One whole build: load and check the site, compile the theme, render into a staging folder
//! and swap it in. Every failure comes back as diagnostics; nothing here prints.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU8, Ordering};
use std::time::{Duration, Instant};

use crate::diagnostics::{Diagnostic, Diagnostics};
use crate::output::{DiskOutput, OutputError};
use crate::site::{BuildOptions, Site};
use crate::{render, theme};

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

pub fn build(root: &Path, opts: &BuildOptions, output: &Path) -> Result<BuildReport, BuildError> {
    let start = Instant::now();
    STAGE.store(1, Ordering::Relaxed);
    let mut site = match Site::load(root, opts) {
        Ok(s) => s,
        Err(f) => return Err(BuildError::Content(f.diagnostics)),
    };
    site.release_sources();
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
    let written = match render::render_site(&site, &files, &tera, &out) {
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
    STAGE.store(0, Ordering::Relaxed);
    Ok(BuildReport {
        diagnostics,
        playbooks: site.playbook_count(),
        pages: site.visible_pages().count(),
        files: written,
        elapsed: start.elapsed(),
        output: output.to_path_buf(),
    })
}
