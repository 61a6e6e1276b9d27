//! Times `serve`'s rebuild when a playbook is added and deleted, with no HTTP or watcher: the
//! preview model alone, for profiling (`perf record` sees only this work). Adds a copy of the
//! first playbook beside it, applies the change, renders every view left stale, deletes the
//! copy, and so on. With `NO_FLUSH` set, the stale views are left for the next change to replace.
//!
//!     cargo run --release --example preview_add -- SITE [RUNS]
//!
//! Prints each run's milliseconds and the medians. SITE's `content/` gains and loses
//! `zz-bench-new.md` beside its first playbook.
use std::path::PathBuf;
use std::time::Instant;

use demarcate::preview::{Preview, Rebuild};
use demarcate::site::BuildOptions;

fn main() {
    let mut args = std::env::args().skip(1);
    let root = PathBuf::from(args.next().expect("SITE"));
    let runs: usize = args.next().map(|r| r.parse().expect("RUNS")).unwrap_or(5);
    let mut p = Preview::new(&root, BuildOptions::default());
    p.flush();
    let content = root.join("content");
    let page = walk_first(&content);
    let rel_dir = page.parent().unwrap().strip_prefix(&content).unwrap().to_string_lossy().to_string();
    let original = std::fs::read_to_string(&page).unwrap();
    let new_rel = format!("{rel_dir}/zz-bench-new.md");
    let (mut add, mut del) = (Vec::new(), Vec::new());
    for _ in 0..runs {
        std::fs::write(content.join(&new_rel), original.replacen("\ntitle: ", "\ntitle: New ", 1)).unwrap();
        let t = Instant::now();
        p.apply(&[Rebuild::Page(new_rel.clone())]);
        add.push(t.elapsed().as_secs_f64() * 1000.0);
        assert!(!p.has_errors(), "{:?}", p.error_report());
        if std::env::var_os("NO_FLUSH").is_none() {
            p.flush();
        }
        std::fs::remove_file(content.join(&new_rel)).unwrap();
        let t = Instant::now();
        p.apply(&[Rebuild::Page(new_rel.clone())]);
        del.push(t.elapsed().as_secs_f64() * 1000.0);
        if std::env::var_os("NO_FLUSH").is_none() {
            p.flush();
        }
    }
    add.sort_by(f64::total_cmp);
    del.sort_by(f64::total_cmp);
    println!("added   {:?} median {:.1} ms", add.iter().map(|x| x.round()).collect::<Vec<_>>(), add[add.len() / 2]);
    println!("deleted {:?} median {:.1} ms", del.iter().map(|x| x.round()).collect::<Vec<_>>(), del[del.len() / 2]);
}

fn walk_first(dir: &std::path::Path) -> PathBuf {
    let mut entries: Vec<_> = std::fs::read_dir(dir).unwrap().map(|e| e.unwrap().path()).collect();
    entries.sort();
    for e in &entries {
        if e.is_file() && e.extension().is_some_and(|x| x == "md") && !e.ends_with("_index.md") {
            return e.clone();
        }
    }
    for e in &entries {
        if e.is_dir() {
            return walk_first(e);
        }
    }
    panic!("no page")
}
