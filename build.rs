//! Embeds the default theme (`themes/default/`) into the binary, so `demarcate` works from any
//! folder with nothing installed beside it. Generates a table of (path, bytes) in OUT_DIR.

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
    let out = std::env::var("OUT_DIR").unwrap_or_else(|_| ".".into());
    if let Err(e) = std::fs::write(Path::new(&out).join("default_theme.rs"), code) {
        panic!("cannot write the embedded theme table: {e}");
    }
}
