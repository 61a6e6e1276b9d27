//! Embeds the default theme (`themes/default/`) into the binary, so `demarcate` works from any
//! folder with nothing installed beside it. Generates a table of (path, bytes) in OUT_DIR.
//!
//! Also hashes the crate's sources (`src/`) into `DEMARCATE_SOURCE_HASH`, which the build
//! cache's environment includes: a binary built from other code never trusts a snapshot or an
//! output written by another, even under the same version number.

use std::fmt::Write as _;
use std::path::Path;

fn collect(dir: &Path, base: &Path, out: &mut Vec<(String, String)>) {
    let Ok(entries) = std::fs::read_dir(dir) else { return };
    let mut entries: Vec<_> = entries.flatten().collect();
    entries.sort_by_key(|e| e.file_name());
    for e in entries {
        let p = e.path();
        let name = e.file_name().to_string_lossy().into_owned();
        if name.starts_with('.') || name.ends_with('~') {
            continue;
        }
        if p.is_dir() {
            collect(&p, base, out);
        } else {
            let rel = p.strip_prefix(base).unwrap_or(&p).to_string_lossy().replace('\\', "/");
            let abs = p.canonicalize().unwrap_or(p.clone()).to_string_lossy().into_owned();
            out.push((rel, abs));
        }
    }
}

fn main() {
    let base = Path::new("themes/default");
    println!("cargo:rerun-if-changed=themes/default");
    let mut files = Vec::new();
    collect(base, base, &mut files);
    let mut code = String::from(
        "/// The default theme's files: path relative to the theme folder, and contents.\npub static DEFAULT_THEME: &[(&str, &[u8])] = &[\n",
    );
    for (rel, abs) in &files {
        let _ = writeln!(code, "    ({rel:?}, include_bytes!({abs:?})),");
    }
    code.push_str("];\n");
    println!("cargo:rerun-if-changed=src");
    let mut sources = Vec::new();
    collect(Path::new("src"), Path::new("src"), &mut sources);
    // FNV-1a over each file's path and contents, in path order: the same sources give the same
    // hash on every machine.
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for (rel, abs) in &sources {
        let bytes = std::fs::read(abs).unwrap_or_default();
        for b in rel.as_bytes().iter().chain([0u8].iter()).chain(&bytes) {
            hash = (hash ^ u64::from(*b)).wrapping_mul(0x0100_0000_01b3);
        }
    }
    println!("cargo:rustc-env=DEMARCATE_SOURCE_HASH={hash:016x}");
    let out = std::env::var("OUT_DIR").unwrap_or_else(|_| ".".into());
    if let Err(e) = std::fs::write(Path::new(&out).join("default_theme.rs"), code) {
        panic!("cannot write the embedded theme table: {e}");
    }
}
