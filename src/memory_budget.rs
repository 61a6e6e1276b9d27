//! How much of the rendered site `serve` keeps in memory: a limit in bytes on the files it can
//! render again (pages, views, exports; not the copied static files and assets), with the ones
//! rendered or served longest ago given up first once the files held go over it. `preview` marks what is
//! given up stale, so it is rendered again when a browser asks for it; a site of 10,000
//! playbooks renders 880 MB, and one ten times larger would not fit in most machines' memory.

use std::collections::BTreeMap;

pub struct MemoryBudget {
    limit: usize,
    /// Bytes of the files noted, each counted once at its latest size.
    held: usize,
    /// The files noted, by when (oldest first).
    by_age: BTreeMap<u64, String>,
    /// Each file's entry in `by_age`, with its size.
    noted: crate::HashMap<String, (u64, usize)>,
    next: u64,
}

impl MemoryBudget {
    pub fn new(limit: usize) -> Self {
        MemoryBudget { limit, held: 0, by_age: BTreeMap::new(), noted: crate::HashMap::default(), next: 0 }
    }

    /// `path` was rendered just now, `len` bytes: the newest file held.
    pub fn note(&mut self, path: &str, len: usize) {
        self.forget(path);
        self.by_age.insert(self.next, path.to_string());
        self.noted.insert(path.to_string(), (self.next, len));
        self.next += 1;
        self.held += len;
    }

    /// `path` was just served: it goes last in line to be given up, as if rendered now.
    pub fn touch(&mut self, path: &str) {
        if let Some(&(_, len)) = self.noted.get(path) {
            self.note(path, len);
        }
    }

    /// `path` is no longer held (deleted, or replaced by a file that cannot be rendered again).
    pub fn forget(&mut self, path: &str) {
        if let Some((age, len)) = self.noted.remove(path) {
            self.by_age.remove(&age);
            self.held -= len;
        }
    }

    /// Keeps only the files `keep` says are still held.
    pub fn retain(&mut self, mut keep: impl FnMut(&str) -> bool) {
        let gone: Vec<String> = self.noted.keys().filter(|path| !keep(path)).cloned().collect();
        for path in gone {
            self.forget(&path);
        }
    }

    /// Holds nothing (a full rebuild replaces every file).
    pub fn clear(&mut self) {
        self.by_age.clear();
        self.noted.clear();
        self.held = 0;
    }

    /// The files to give up, oldest first, for what is left to fit the limit; forgotten here.
    pub fn over_limit(&mut self) -> Vec<String> {
        let mut out = Vec::new();
        while self.held > self.limit {
            let Some((_, path)) = self.by_age.pop_first() else { break };
            self.forget(&path);
            out.push(path);
        }
        out
    }

    /// Bytes held now.
    pub fn held(&self) -> usize {
        self.held
    }

    pub fn limit(&self) -> usize {
        self.limit
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_oldest_files_go_first_and_a_file_noted_again_counts_once_as_new() {
        let mut b = MemoryBudget::new(10);
        b.note("a", 4);
        b.note("b", 4);
        b.note("a", 3);
        assert_eq!(b.held(), 7);
        assert!(b.over_limit().is_empty());
        b.touch("b");
        b.touch("never noted");
        assert_eq!(b.held(), 7);
        b.touch("a");
        b.note("c", 5);
        // b is now the oldest: a was served after it.
        assert_eq!(b.over_limit(), ["b"]);
        assert_eq!(b.held(), 8);
        b.retain(|path| path != "a");
        assert_eq!(b.held(), 5);
        b.forget("c");
        b.forget("never noted");
        assert_eq!(b.held(), 0);
        b.note("d", 2);
        b.clear();
        assert_eq!((b.held(), b.over_limit().len()), (0, 0));
        let mut none = MemoryBudget::new(0);
        none.note("x", 1);
        none.note("y", 0);
        assert_eq!(none.over_limit(), ["x"]);
    }
}
