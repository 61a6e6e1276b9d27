//! demarcate's rendering alone, with no disk: loads and checks a site once, then renders every
//! file of it several times into a sink that only counts the bytes. A cold build's time on a
//! large site swings by seconds with the disk; this isolates the templates' CPU and memory
//! behaviour, for comparing two versions of the code.
//!
//!     cargo run --release --example render_only -- SITE [RUNS]
//!
//! Prints each run's seconds, then the median, the files and the bytes.

use std::io;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;

use demarcate::output::Sink;
use demarcate::site::BuildOptions;

/// Counts what it is given and keeps nothing.
#[derive(Default)]
struct Counting {
    files: AtomicU64,
    bytes: AtomicU64,
}

impl Sink for Counting {
    fn put(&self, _path: &str, bytes: Vec<u8>) -> io::Result<()> {
        self.files.fetch_add(1, Ordering::Relaxed);
        self.bytes.fetch_add(bytes.len() as u64, Ordering::Relaxed);
        Ok(())
    }
}

fn main() -> ExitCode {
    let mut args = std::env::args_os().skip(1);
    let Some(root) = args.next().map(PathBuf::from) else {
        eprintln!("usage: render_only SITE [RUNS]");
        return ExitCode::from(2);
    };
    let runs: usize = args.next().and_then(|r| r.to_str()?.parse().ok()).unwrap_or(3);
    let opts = BuildOptions::default();
    let (site, diagnostics) = demarcate::build::check_once(&root, &opts);
    let Some(site) = site.filter(|_| !diagnostics.has_errors()) else {
        eprintln!("render_only: {} does not check cleanly; run `demarcate check` on it", root.display());
        return ExitCode::FAILURE;
    };
    let mut found = Vec::new();
    let (theme, tera) = demarcate::build::compile_theme(&root, site.cfg.config.theme.as_deref(), &mut found);
    let Some(tera) = tera else {
        eprintln!("render_only: the theme does not compile");
        return ExitCode::FAILURE;
    };
    let mut times = Vec::with_capacity(runs);
    let mut counted = (0, 0);
    for _ in 0..runs.max(1) {
        let sink = Counting::default();
        let t = Instant::now();
        if demarcate::render::render_site(&site, &theme, &tera, &sink).is_err() {
            eprintln!("render_only: rendering failed");
            return ExitCode::FAILURE;
        }
        let secs = t.elapsed().as_secs_f64();
        println!("run: {secs:.3} s");
        times.push(secs);
        counted = (sink.files.into_inner(), sink.bytes.into_inner());
    }
    times.sort_by(f64::total_cmp);
    println!("median {:.3} s, {} files, {} MB", times[times.len() / 2], counted.0, counted.1 >> 20);
    ExitCode::SUCCESS
}
