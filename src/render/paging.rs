//! Where long lists are cut into pages (`…/page/2/` and on).
//!
//! The owners' lists and the FAQ are cut every [`ROWS_PER_PAGE`] rows. The lists every
//! playbook is in (each workstream's, the matrix) are cut where their rows say, as backup tools
//! cut files into chunks: after a row whose key hashes to a cut point, once a page has
//! [`MIN_ROWS`] (rarely before [`ROWS_PER_PAGE`], often after it: about 470 rows a page), or
//! at [`MAX_ROWS`] whatever the keys (fewer than one page in 5,000: a row added before such a
//! cut moves its last row to the next page). A playbook added or deleted then changes the page
//! it is on, not every page after it, and a warm build rewrites that page and the first (which
//! alone shows the total) instead of the whole list: at 100,000 playbooks in 12 workstreams,
//! 26 pages rather than 2,600. The cuts depend only on the rows (no clock, no seed), so every
//! build of the same site cuts in the same places, on any machine.

use std::ops::Range;

/// Rows per page of the owners' lists and the FAQ, and about the mean of the others.
pub const ROWS_PER_PAGE: usize = 500;

/// The fewest rows a page cut by its rows holds, but the last.
const MIN_ROWS: usize = 200;
/// The most rows a page cut by its rows holds: a run of keys without a cut point is cut here.
const MAX_ROWS: usize = 1_000;
/// One key in this many ends a page of fewer than [`ROWS_PER_PAGE`] rows (after [`MIN_ROWS`]),
/// one in [`LATE_ODDS`] a longer page.
const EARLY_ODDS: u64 = 600;
const LATE_ODDS: u64 = 60;

/// A list's pages: where each starts, and for a list cut by its rows, a fingerprint of each
/// page's rows (which rows, in which order), by which a rebuild tells the pages an added or
/// deleted row left as they were.
#[derive(Clone, Debug, PartialEq)]
pub struct Paging {
    /// The first row of each page; an empty list still has its first page.
    starts: Vec<usize>,
    len: usize,
    /// Per page, a hash of its rows' keys; empty for a list cut every [`ROWS_PER_PAGE`].
    prints: Vec<u64>,
}

impl Paging {
    /// A list of `len` rows cut every [`ROWS_PER_PAGE`].
    pub fn fixed(len: usize) -> Paging {
        let starts = (0..len.div_ceil(ROWS_PER_PAGE).max(1)).map(|k| k * ROWS_PER_PAGE).collect();
        Paging { starts, len, prints: Vec::new() }
    }

    /// A list whose rows have these keys ([`key`]), cut where the keys say.
    pub fn cut(keys: impl IntoIterator<Item = u64>) -> Paging {
        let mut starts = vec![0];
        let mut prints = Vec::new();
        let (mut len, mut on_page, mut print) = (0, 0, FNV_OFFSET);
        for k in keys {
            len += 1;
            on_page += 1;
            print = mix(print ^ k);
            if on_page == MAX_ROWS || cut_point(k, on_page) {
                starts.push(len);
                prints.push(print);
                (on_page, print) = (0, FNV_OFFSET);
            }
        }
        // The last page, unless the last row was a cut point (and not the list's only page).
        if on_page > 0 || starts.len() == 1 {
            prints.push(print);
        } else {
            starts.pop();
        }
        Paging { starts, len, prints }
    }

    /// How many pages (at least one).
    pub fn count(&self) -> usize {
        self.starts.len()
    }

    /// How many rows in all.
    pub fn total(&self) -> usize {
        self.len
    }

    /// The rows on page `k` (empty past the last page).
    pub fn rows(&self, k: usize) -> Range<usize> {
        match self.starts.get(k) {
            Some(&start) => start..self.starts.get(k + 1).copied().unwrap_or(self.len),
            None => self.len..self.len,
        }
    }

    /// The page holding row `row` (the last page for a row past the end).
    pub fn page_of(&self, row: usize) -> usize {
        self.starts.partition_point(|&s| s <= row).saturating_sub(1)
    }

    /// The pages of this list that differ from the same list's pages as `before` cut them,
    /// `edited` being a row whose content changed (its place in this list): with another number
    /// of pages, or `before` unknown, every page (of the longer of the two); else the pages
    /// holding other rows, the edited row's page, and the first page when the total changed
    /// (only the first page shows it). A list cut every [`ROWS_PER_PAGE`] that grew or shrank
    /// has every row after the change moved: every page.
    pub fn stale(&self, before: Option<&Paging>, edited: Option<usize>) -> Vec<usize> {
        let every = |b: &Paging| (0..self.count().max(b.count())).collect();
        let Some(before) = before else { return (0..self.count()).collect() };
        if before.count() != self.count() || (self.prints.is_empty() && before.len != self.len) {
            return every(before);
        }
        let mut pages: Vec<usize> = (0..self.count()).filter(|&k| self.prints.get(k) != before.prints.get(k)).collect();
        if before.len != self.len {
            pages.push(0);
        }
        pages.extend(edited.map(|row| self.page_of(row)));
        pages.sort_unstable();
        pages.dedup();
        pages
    }
}

/// Whether a page ends after a row with key `k`, the page's row number `on_page` (from 1).
fn cut_point(k: u64, on_page: usize) -> bool {
    on_page >= MIN_ROWS && k.is_multiple_of(if on_page < ROWS_PER_PAGE { EARLY_ODDS } else { LATE_ODDS })
}

/// Whether a playbook at URL path `path` (`clients/acme/managed/`) ends the page it is on in
/// the workstream lists and the matrix, as row `on_page` of that page (from 1).
pub fn ends_page(path: &str, on_page: usize) -> bool {
    on_page == MAX_ROWS || cut_point(key(path), on_page)
}

const FNV_OFFSET: u64 = 0xcbf2_9ce4_8422_2325;

/// A 64-bit finaliser (splitmix64's): every input bit reaches every output bit.
fn mix(mut x: u64) -> u64 {
    x ^= x >> 30;
    x = x.wrapping_mul(0xbf58_476d_1ce4_e5b9);
    x ^= x >> 27;
    x = x.wrapping_mul(0x94d0_49bb_1331_11eb);
    x ^ (x >> 31)
}

/// A row's key: a hash of what names it (a playbook's URL path), the same on every machine and
/// in every version that keeps this function: eight bytes at a time (little-endian), each
/// through [`mix`], the length last.
pub fn key(name: &str) -> u64 {
    let mut chunks = name.as_bytes().chunks_exact(8);
    let mut h = FNV_OFFSET;
    for c in &mut chunks {
        h = mix(h ^ u64::from_le_bytes([c[0], c[1], c[2], c[3], c[4], c[5], c[6], c[7]]));
    }
    let mut tail = [0u8; 8];
    tail[..chunks.remainder().len()].copy_from_slice(chunks.remainder());
    mix(mix(h ^ u64::from_le_bytes(tail)) ^ name.len() as u64)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keys(names: &[String]) -> Vec<u64> {
        names.iter().map(|n| key(n)).collect()
    }

    fn names(n: usize) -> Vec<String> {
        (0..n).map(|i| format!("clients/c{}/playbook-{i:05}/", i % 37)).collect()
    }

    #[test]
    fn fixed_pages_hold_rows_per_page_each() {
        let p = Paging::fixed(1_001);
        assert_eq!(p.count(), 3);
        assert_eq!((p.rows(0), p.rows(1), p.rows(2), p.rows(3)), (0..500, 500..1000, 1000..1001, 1001..1001));
        assert_eq!((p.page_of(0), p.page_of(499), p.page_of(500), p.page_of(5_000)), (0, 0, 1, 2));
        assert_eq!(Paging::fixed(0).count(), 1, "an empty list has its first page");
        assert_eq!(Paging::fixed(0).rows(0), 0..0);
    }

    #[test]
    fn cut_pages_cover_every_row_once_within_the_bounds() {
        for n in [0, 1, 199, 200, 1_000, 1_001, 20_000] {
            let p = Paging::cut(keys(&names(n)));
            assert_eq!(p.total(), n);
            let mut next = 0;
            for k in 0..p.count() {
                let r = p.rows(k);
                assert_eq!(r.start, next, "n={n} page {k}");
                assert!(r.len() <= MAX_ROWS, "n={n} page {k}: {} rows", r.len());
                assert!(k + 1 == p.count() || r.len() >= MIN_ROWS, "n={n} page {k}: {} rows", r.len());
                assert!(n == 0 || !r.is_empty(), "n={n} page {k} is empty");
                assert_eq!(p.page_of(r.start), k);
                next = r.end;
            }
            assert_eq!(next, n);
        }
        // About ROWS_PER_PAGE rows a page on a long list.
        let p = Paging::cut(keys(&names(100_000)));
        assert!((150..250).contains(&p.count()), "{} pages", p.count());
    }

    #[test]
    fn a_run_of_keys_without_a_cut_point_is_cut_at_the_most_rows() {
        let p = Paging::cut(std::iter::repeat_n(1, 2_500));
        assert_eq!((p.count(), p.rows(0), p.rows(2)), (3, 0..1000, 2000..2500));
        // A cut point as the last row ends the list without an empty page after it.
        let p = Paging::cut(std::iter::repeat_n(1, 999).chain([0]));
        assert_eq!((p.count(), p.rows(0)), (1, 0..1000));
    }

    #[test]
    fn a_row_added_or_deleted_changes_its_own_page_and_the_first() {
        let all = names(20_000);
        let before = Paging::cut(keys(&all));
        let mut many_pages_kept = 0;
        for at in (0..all.len()).step_by(997) {
            let mut added = all.clone();
            added.insert(at, format!("clients/new/playbook-{at}/"));
            let mut deleted = all.clone();
            deleted.remove(at);
            for after in [Paging::cut(keys(&added)), Paging::cut(keys(&deleted))] {
                let stale = after.stale(Some(&before), None);
                if after.count() != before.count() {
                    assert_eq!(stale.len(), after.count().max(before.count()));
                    continue;
                }
                // Every page left out of `stale` holds exactly the rows it held.
                let rows = |p: &Paging, list: &[u64], k: usize| list[p.rows(k)].to_vec();
                let (old, new) = (keys(&all), if after.total() > before.total() { keys(&added) } else { keys(&deleted) });
                for k in (0..after.count()).filter(|k| !stale.contains(k)) {
                    assert_eq!(rows(&before, &old, k), rows(&after, &new, k), "page {k} at {at}");
                }
                assert!(stale.contains(&0), "the first page shows the total");
                assert!(stale.len() <= 3, "at {at}: {stale:?}");
                many_pages_kept += 1;
            }
        }
        assert!(many_pages_kept > 30, "most changes keep the page count: {many_pages_kept}");
        // The same rows: nothing stale, but an edited row's page.
        assert_eq!(before.stale(Some(&before.clone()), None), Vec::<usize>::new());
        assert_eq!(before.stale(Some(&before.clone()), Some(before.rows(3).start)), vec![3]);
        assert_eq!(before.stale(None, None).len(), before.count());
    }

    #[test]
    fn a_fixed_list_that_grew_is_stale_from_the_first_page() {
        let (before, after) = (Paging::fixed(1_200), Paging::fixed(1_201));
        assert_eq!(after.stale(Some(&before), Some(1_200)), vec![0, 1, 2]);
        assert_eq!(after.stale(Some(&after.clone()), Some(700)), vec![1]);
        assert_eq!(Paging::fixed(1_001).stale(Some(&Paging::fixed(1_000)), None), vec![0, 1, 2]);
    }

    #[test]
    fn keys_do_not_depend_on_the_machine() {
        // Pinned: a change here moves every cut of every site.
        assert_eq!(key(""), mix(mix(FNV_OFFSET)));
        assert_eq!(key("a"), mix(mix(FNV_OFFSET ^ 0x61) ^ 1));
        assert_ne!(key("a"), key("a\0"), "the length counts");
        assert_ne!(key("clients/a/x/"), key("clients/b/x/"));
    }
}
