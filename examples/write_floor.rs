//! The disk's floor for a build: writes the files of a site demarcate has built (same paths,
//! same sizes, filler bytes) with nothing else to do — no reading, no model, no templates —
//! the way a build writes them: over rayon's threads, one `write` a file, and past 1 GiB the
//! same write-behind (`demarcate::write_behind`). What a build takes beyond this is demarcate's
//! own work; what this takes is the kernel's and the disk's, and it need not grow linearly.
//!
//!     cargo run --release --example write_floor -- BUILT_SITE FRESH_FOLDER
//!
//! Prints `FILES BYTES SECONDS` on one line (for `benches/bench.sh scale`).

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

use rayon::prelude::*;

fn main() -> ExitCode {
    let args: Vec<PathBuf> = std::env::args_os().skip(1).map(PathBuf::from).collect();
    let [site, dest] = args.as_slice() else {
        eprintln!("usage: write_floor BUILT_SITE FRESH_FOLDER");
        return ExitCode::from(2);
    };
    if dest.exists() {
        eprintln!("{}: already exists; the floor is measured into a fresh folder", dest.display());
        return ExitCode::from(2);
    }
    match files_of(site).and_then(|files| write_all(&files, dest).map(|secs| (files, secs))) {
        Ok((files, secs)) => {
            let bytes: u64 = files.iter().map(|(_, len)| *len as u64).sum();
            println!("{} {bytes} {secs:.3}", files.len());
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("write_floor: {e}");
            ExitCode::FAILURE
        }
    }
}

/// Every file under `site`: its path relative to `site` and its size.
fn files_of(site: &Path) -> std::io::Result<Vec<(PathBuf, usize)>> {
    let mut files = Vec::new();
    for entry in walkdir::WalkDir::new(site) {
        let entry = entry.map_err(std::io::Error::other)?;
        if entry.file_type().is_file() {
            let rel = entry.path().strip_prefix(site).map_err(std::io::Error::other)?.to_path_buf();
            files.push((rel, entry.metadata().map_err(std::io::Error::other)?.len() as usize));
        }
    }
    if files.is_empty() {
        return Err(std::io::Error::other(format!("{}: no files to copy the shape of", site.display())));
    }
    Ok(files)
}

/// Writes `files` of filler under `dest`; the seconds it took, write-behind included.
fn write_all(files: &[(PathBuf, usize)], dest: &Path) -> std::io::Result<f64> {
    let filler = vec![b'x'; files.iter().map(|(_, len)| *len).max().unwrap_or(0)];
    let write_behind = demarcate::write_behind::WriteBehind::default();
    let start = Instant::now();
    files.par_iter().try_for_each(|(rel, len)| {
        let path = dest.join(rel);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent)?;
        }
        let mut file = std::fs::File::create(&path)?;
        file.write_all(&filler[..*len])?;
        write_behind.written(file, *len);
        Ok::<_, std::io::Error>(())
    })?;
    write_behind.finish();
    Ok(start.elapsed().as_secs_f64())
}
