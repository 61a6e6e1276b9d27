//! The site's exports: `ownership.json`, `matrix.csv` and the sitemap. The two large ones (and
//! the search index, [`super::search`]) are an [`Export`]: a head, one part per playbook made on
//! demand and a tail, streamed to the file in parallel batches by a full build and spliced into
//! the previous file by a warm one, which makes only the edited and new playbooks' parts.

use rayon::prelude::*;
use serde_json::json;
use std::borrow::Cow;

use super::contexts::handoff_for;
use super::search::{self, SEARCH_INDEX};
use super::{Job, Refs, owner_url, write_error};
use crate::config::Audience;
use crate::diagnostics::Diagnostic;
use crate::output::{Piece, Sink};
use crate::ownership::Owners;
use crate::site::Site;

/// Writes the wanted exports into `sink` in parallel: whole, or, given what is on disk, with only
/// the edited pages' parts made and spliced into the previous files. Returns the layouts when
/// all three were written, and the write errors.
pub(super) fn write_exports(
    site: &Site,
    refs: &Refs,
    sink: &dyn Sink,
    want: &(dyn Fn(&str) -> bool + Sync),
    previous: Option<&PreviousExports>,
) -> (Option<ExportLayouts>, Vec<Diagnostic>) {
    // What splicing one export takes from `previous`: its file's length and layout.
    let old = |file: fn(&PreviousExports) -> (u64, &Layout)| previous.map(|p| (file(p), p.edited.as_slice(), p.old_of.as_deref()));
    let old_json = old(|p| (p.json_len, &p.layouts.json));
    let old_csv = old(|p| (p.csv_len, &p.layouts.csv));
    let old_search = old(|p| (p.search_len, &p.layouts.search));
    let ((json, csv), search) = rayon::join(
        || {
            rayon::join(
                || want(OWNERSHIP_JSON).then(|| write_export(sink, OWNERSHIP_JSON, ownership_json(site, refs), old_json)),
                || want(MATRIX_CSV).then(|| write_export(sink, MATRIX_CSV, matrix_csv(site), old_csv)),
            )
        },
        || want(SEARCH_INDEX).then(|| write_export(sink, SEARCH_INDEX, search::search_index(site, refs), old_search)),
    );
    let mut errors = Vec::new();
    let mut layout = |path: &str, built: Option<std::io::Result<Layout>>| match built? {
        Ok(l) => Some(l),
        Err(e) => {
            errors.push(write_error(path, e));
            None
        }
    };
    let layouts = match (layout(OWNERSHIP_JSON, json), layout(MATRIX_CSV, csv), layout(SEARCH_INDEX, search)) {
        (Some(json), Some(csv), Some(search)) => Some(ExportLayouts { json, csv, search }),
        _ => None,
    };
    (layouts, errors)
}

/// Writes one export whole, or spliced into the previous file when that file (of the given
/// length) matches its layout: only the edited pages' parts are made then.
fn write_export(sink: &dyn Sink, path: &str, export: Export, previous: Option<Previous>) -> std::io::Result<Layout> {
    match previous {
        Some(((old_len, layout), edited, old_of)) if export.matches(old_len, layout, old_of) => {
            let (pieces, layout) = export.splice(layout, edited, old_of);
            sink.put_spliced(path, &pieces).map(|()| layout)
        }
        _ => export.put(sink, path),
    }
}

pub const OWNERSHIP_JSON: &str = "ownership.json";
pub const MATRIX_CSV: &str = "matrix.csv";

fn xml_escape(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

pub(super) fn sitemap(site: &Site, jobs: &[Job]) -> String {
    let origin = site.base_url.trim_end_matches('/');
    let origin = match origin.strip_suffix(site.base_path.trim_end_matches('/')) {
        Some(o) if !site.base_path.trim_end_matches('/').is_empty() => o,
        _ => origin,
    };
    let mut out =
        String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<urlset xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\">\n");
    // The search page shows nothing of its own until a reader asks: not for search engines.
    for job in jobs.iter().filter(|j| !matches!(j, Job::Search)) {
        let Some(url) = job.url(site) else { continue };
        out.push_str(&format!("  <url><loc>{}</loc>", xml_escape(&format!("{origin}{url}"))));
        if let Job::Page(i) = job
            && let Some(d) = site.pages[*i].fm.updated.as_deref().filter(|d| crate::check::valid_date(d))
        {
            out.push_str(&format!("<lastmod>{d}</lastmod>"));
        }
        out.push_str("</url>\n");
    }
    out.push_str("</urlset>\n");
    out
}

/// The schema version of `ownership.json`; bump it on any incompatible change.
pub const OWNERSHIP_SCHEMA_VERSION: u32 = 1;

/// `ownership.json` in parts (written one after the other), serialised straight from the model:
/// no JSON tree and no whole-document string, which at 10,000 playbooks cost hundreds of
/// megabytes. Playbooks are serialised in parallel; only those `which` accepts.
fn ownership_json<'a>(site: &'a Site, refs: &Refs) -> Export<'a> {
    use serde::Serialize;
    use serde::ser::{SerializeMap, SerializeSeq};

    use serde_json::value::RawValue;

    /// Every owner id as a JSON string, escaped once: the playbooks name each owner many times
    /// (escaping them over and over was most of this export's CPU).
    struct OwnerIds<'a> {
        site: &'a Site,
        json: Vec<Option<Box<RawValue>>>,
    }
    #[derive(Clone, Copy)]
    struct Id<'a>(&'a OwnerIds<'a>, usize);
    impl Serialize for Id<'_> {
        fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
            let Id(ids, o) = *self;
            match &ids.json[o] {
                Some(raw) => raw.serialize(s),
                None => ids.site.reg.owners[o].0.serialize(s),
            }
        }
    }
    struct Ids<'a>(&'a OwnerIds<'a>, Owners<'a>);
    impl Serialize for Ids<'_> {
        fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
            let mut seq = s.serialize_seq(Some(self.1.len()))?;
            for o in self.1 {
                seq.serialize_element(&Id(self.0, o))?;
            }
            seq.end()
        }
    }
    struct Assignments<'a>(&'a OwnerIds<'a>, usize);
    impl Serialize for Assignments<'_> {
        fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
            let Assignments(ids, i) = *self;
            let site = ids.site;
            let id = |o: usize| Id(ids, o);
            let mut seq = s.serialize_seq(Some(site.own.rows[i].len()))?;
            for r in &site.own.rows[i] {
                #[derive(Serialize)]
                struct A<'a> {
                    workstream: &'a str,
                    accountable: Option<Id<'a>>,
                    responsible: Ids<'a>,
                    consulted: Ids<'a>,
                    informed: Ids<'a>,
                    coverage: Option<&'a str>,
                    after_hours: Option<Id<'a>>,
                    escalation: Ids<'a>,
                    handoff: Option<Cow<'a, str>>,
                    side: &'a str,
                    #[serde(skip_serializing_if = "Option::is_none")]
                    internal_notes: Option<&'a Option<String>>,
                }
                seq.serialize_element(&A {
                    workstream: &site.reg.workstreams[r.ws].0,
                    accountable: r.accountable().first().map(id),
                    responsible: Ids(ids, r.responsible()),
                    consulted: Ids(ids, r.consulted()),
                    informed: Ids(ids, r.informed()),
                    coverage: r.coverage.map(|c| c.as_str()),
                    after_hours: r.after_hours.map(id),
                    escalation: Ids(ids, r.escalation()),
                    handoff: r.handoff.as_deref().and_then(|h| handoff_for(site.audience, h)),
                    side: r.side(),
                    internal_notes: (site.audience == Audience::Internal).then_some(&r.internal_notes),
                })?;
            }
            seq.end()
        }
    }
    /// One playbook's JSON, so the document can be written in parts without ever being held
    /// whole, and a warm build can replace just the parts of the playbooks it re-read.
    fn playbook_json(ids: &OwnerIds, i: usize, p: &crate::content::Page) -> Option<Vec<u8>> {
        let site = ids.site;
        #[derive(Serialize)]
        struct P<'a> {
            source: &'a str,
            title: &'a str,
            url: String,
            client: Option<&'a str>,
            model: &'a Option<String>,
            status: &'a str,
            audience: &'a str,
            updated: &'a Option<String>,
            review_by: &'a Option<String>,
            assignments: Assignments<'a>,
        }
        let mut buf = Vec::with_capacity(4096);
        serde_json::to_writer(
            &mut buf,
            &P {
                source: &p.file,
                title: &p.title,
                url: site.url(i),
                client: site.own.client[i].map(|c| site.reg.parties[c].0.as_str()),
                model: &p.fm.model,
                status: p.fm.status.as_str(),
                audience: p.audience.as_str(),
                updated: &p.fm.updated,
                review_by: &p.fm.review_by,
                assignments: Assignments(ids, i),
            },
        )
        .ok()?;
        Some(buf)
    }
    struct Doc<'a>(&'a Site, &'a Refs);
    impl Serialize for Doc<'_> {
        fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
            let (site, refs) = (self.0, self.1);
            let owners: Vec<serde_json::Value> = site
                .reg
                .owners
                .iter()
                .enumerate()
                .filter(|(o, _)| refs.owner_shown[*o])
                .map(|(o, (oid, owner))| {
                    let mut v = json!({
                        "id": oid, "name": owner.name, "party": owner.party, "kind": refs.owner_kind[o], "contact": owner.contact.0,
                        "hours": owner.hours.map(|h| h.as_str()), "url": owner_url(site, o),
                    });
                    if site.audience == Audience::Internal {
                        v["internal_contact"] = json!(owner.internal_contact.0);
                    }
                    v
                })
                .collect();
            let parties: Vec<serde_json::Value> = site
                .reg
                .parties
                .iter()
                .zip(&refs.party_shown)
                .filter(|(_, shown)| **shown)
                .map(|((pid, p), _)| json!({"id": pid, "name": p.name, "kind": p.kind.as_str()}))
                .collect();
            let workstreams: Vec<serde_json::Value> = site
                .reg
                .workstreams
                .iter()
                .map(|(wid, w)| json!({"id": wid, "name": w.name, "required": w.required, "description": w.description, "aliases": w.aliases}))
                .collect();
            let mut m = s.serialize_map(Some(6))?;
            m.serialize_entry("schema_version", &OWNERSHIP_SCHEMA_VERSION)?;
            let mut about = json!({"title": site.title, "base_url": site.base_url, "audience": site.audience.as_str()});
            // One client's guide says whose it is.
            if let Some(guide) = &site.guide {
                about["client"] = json!(site.reg.parties[guide.client].0);
            }
            m.serialize_entry("site", &about)?;
            m.serialize_entry("parties", &parties)?;
            m.serialize_entry("owners", &owners)?;
            m.serialize_entry("workstreams", &workstreams)?;
            // Written last, in parts, by the caller.
            m.serialize_entry("playbooks", &[(); 0])?;
            m.end()
        }
    }
    let head = serde_json::to_string(&Doc(site, refs)).unwrap_or_default();
    let head = head.strip_suffix("[]}").map(|h| format!("{h}[")).unwrap_or(head);
    let ids = OwnerIds { site, json: site.reg.owners.iter().map(|(id, _)| serde_json::value::to_raw_value(id).ok()).collect() };
    let part = move |i: usize| {
        let p = &site.pages[i];
        let listed = site.visible[i] && p.is_playbook() && !site.own.rows[i].is_empty();
        if listed { playbook_json(&ids, i, p) } else { None }
    };
    Export { head: head.into_bytes(), pages: site.pages.len(), part: Box::new(part), sep: b",", tail: b"]}\n" }
}

/// A large export as a head, one optional part per page (page order, joined by `sep`) and a
/// tail. Parts are made on demand: a full build streams them to the file in batches (the
/// export never exists whole in memory), a warm build makes only the edited pages' parts and
/// splices them into the previous file.
pub(super) struct Export<'a> {
    pub head: Vec<u8>,
    pub pages: usize,
    pub part: Box<dyn Fn(usize) -> Option<Vec<u8>> + Sync + 'a>,
    pub sep: &'static [u8],
    pub tail: &'static [u8],
}

/// Parts made in parallel per batch before they are written: bounded memory, full cores.
const EXPORT_BATCH: usize = 512;

/// Where each page's part sits in an export file: the head's length, then each part's length
/// (none when the page has no part).
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Layout {
    pub head: u64,
    pub parts: Vec<Option<u64>>,
}

/// Layouts of `ownership.json`, `matrix.csv` and the search index, kept by the build cache.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct ExportLayouts {
    pub json: Layout,
    pub csv: Layout,
    pub search: Layout,
}

/// What a warm build knows about the exports already on disk.
pub struct PreviousExports {
    /// Sizes of `ownership.json`, `matrix.csv` and the search index on disk, checked against
    /// the layouts.
    pub json_len: u64,
    pub csv_len: u64,
    pub search_len: u64,
    pub layouts: ExportLayouts,
    /// Pages re-read by this build: only their parts are generated again.
    pub edited: Vec<usize>,
    /// When pages came or went: each page's index in the model the files were written from
    /// (`None` for a new page, whose part is generated).
    pub old_of: Option<Vec<Option<usize>>>,
}

/// What splicing an export takes from the previous file: its length and layout, the pages
/// whose parts are made again (page order), each page's index then when pages came or went.
type Previous<'a> = ((u64, &'a Layout), &'a [usize], Option<&'a [Option<usize>]>);

impl Export<'_> {
    /// Writes the whole export to `w`, making parts in parallel batches; returns its layout.
    fn write_to(&self, w: &mut dyn std::io::Write) -> std::io::Result<Layout> {
        w.write_all(&self.head)?;
        let mut layout = Layout { head: self.head.len() as u64, parts: Vec::with_capacity(self.pages) };
        let mut first = true;
        for start in (0..self.pages).step_by(EXPORT_BATCH) {
            let batch: Vec<Option<Vec<u8>>> =
                (start..(start + EXPORT_BATCH).min(self.pages)).into_par_iter().map(|i| (self.part)(i)).collect();
            for part in batch {
                layout.parts.push(part.as_ref().map(|b| b.len() as u64));
                let Some(part) = part else { continue };
                if !first {
                    w.write_all(self.sep)?;
                }
                first = false;
                w.write_all(&part)?;
            }
        }
        w.write_all(self.tail)?;
        Ok(layout)
    }

    /// Writes the export to `path` in `sink`; returns its layout.
    fn put(&self, sink: &dyn Sink, path: &str) -> std::io::Result<Layout> {
        let mut layout = None;
        sink.put_streamed(path, &mut |w| {
            layout = Some(self.write_to(w)?);
            Ok(())
        })?;
        layout.ok_or_else(|| std::io::Error::other("the export was not written"))
    }

    /// Whether a previous file of `old_len` bytes can be what `layout` describes for this
    /// export's pages (`old_of`: each page's index in it, when pages came or went).
    fn matches(&self, old_len: u64, layout: &Layout, old_of: Option<&[Option<usize>]>) -> bool {
        let sep = self.sep.len() as u64;
        let count = layout.parts.iter().flatten().count() as u64;
        let expected = layout.head + layout.parts.iter().flatten().sum::<u64>() + sep * count.saturating_sub(1) + self.tail.len() as u64;
        let pages_fit = match old_of {
            None => layout.parts.len() == self.pages,
            Some(old_of) => old_of.len() == self.pages && old_of.iter().flatten().all(|&j| j < layout.parts.len()),
        };
        pages_fit && old_len == expected
    }

    /// The pieces of this export with only the `edited` pages' parts made, and those of pages
    /// new since (`old_of`, when pages came or went): those and the head are new, every other
    /// part is a range of the previous file, which [`Export::matches`] `layout`. Consecutive
    /// ranges merge, so an export with one edited playbook is about three copies. `edited` is
    /// in page order. Returns the new layout too.
    fn splice(self, layout: &Layout, edited: &[usize], old_of: Option<&[Option<usize>]>) -> (Vec<Piece>, Layout) {
        let sep_bytes = self.sep;
        let sep = sep_bytes.len() as u64;
        let mut new_layout = Layout { head: self.head.len() as u64, parts: Vec::with_capacity(self.pages) };
        let mut pieces = vec![Piece::New(self.head)];
        let push_old = |pieces: &mut Vec<Piece>, at: u64, len: u64| {
            // The previous part ended `sep` bytes before this one: copy the separator along.
            if let Some(Piece::Old { at: a, len: l }) = pieces.last_mut()
                && *a + *l + sep == at
            {
                *l += sep + len;
                return;
            }
            if pieces.len() > 1 && sep > 0 {
                pieces.push(Piece::New(sep_bytes.to_vec()));
            }
            pieces.push(Piece::Old { at, len });
        };
        // Where each previous part starts.
        let mut starts = Vec::with_capacity(layout.parts.len());
        let mut at = layout.head;
        for old in &layout.parts {
            starts.push(at);
            if let Some(len) = *old {
                at += len + sep;
            }
        }
        for i in 0..self.pages {
            let before = match old_of {
                None => Some(i),
                Some(old_of) => old_of[i],
            };
            let part = if let Some(j) = before.filter(|_| edited.binary_search(&i).is_err()) {
                layout.parts[j].inspect(|&len| push_old(&mut pieces, starts[j], len))
            } else {
                (self.part)(i).map(|bytes| {
                    let len = bytes.len() as u64;
                    if pieces.len() > 1 && sep > 0 {
                        pieces.push(Piece::New(sep_bytes.to_vec()));
                    }
                    pieces.push(Piece::New(bytes));
                    len
                })
            };
            new_layout.parts.push(part);
        }
        pieces.push(Piece::New(self.tail.to_vec()));
        (pieces, new_layout)
    }
}

/// RFC 4180: fields with a comma, quote or line break are quoted, quotes doubled, CRLF rows.
pub fn csv_field(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    push_csv_field(&mut out, s);
    out
}

/// [`csv_field`] appended to `out` (the matrix writes every field this way, without a copy).
fn push_csv_field(out: &mut String, s: &str) {
    // A byte scan: this runs for every field of the matrix.
    if s.bytes().any(|b| matches!(b, b',' | b'"' | b'\n' | b'\r')) {
        out.push('"');
        out.push_str(&s.replace('"', "\"\""));
        out.push('"');
    } else {
        out.push_str(s);
    }
}

/// `matrix.csv` in parts: the header, then one part per playbook (built in parallel).
fn matrix_csv(site: &Site) -> Export<'_> {
    // The ids on their own: the registry's entries are large, and past a few thousand owners
    // reading an id there waited on memory twice.
    let ids: Vec<&str> = site.reg.owners.iter().map(|(id, _)| id.as_str()).collect();
    // One part per playbook, built in parallel, joined in page order.
    let part = move |i: usize| {
        let p = &site.pages[i];
        if !site.visible[i] || site.own.rows[i].is_empty() {
            return None;
        }
        let id = |o: usize| ids[o];
        let mut out = String::with_capacity(site.own.rows[i].len() * 256);
        // Owner lists are joined into these, reused row to row.
        let (mut responsible, mut consulted, mut informed, mut escalation) = (String::new(), String::new(), String::new(), String::new());
        let join = |into: &mut String, l: Owners, sep: &str| {
            into.clear();
            for (k, o) in l.iter().enumerate() {
                if k > 0 {
                    into.push_str(sep);
                }
                into.push_str(id(o));
            }
        };
        let url = site.url(i);
        let client = site.own.client[i].map(|c| site.reg.parties[c].0.as_str()).unwrap_or_default();
        let model = p.fm.model.as_deref().unwrap_or_default();
        for r in &site.own.rows[i] {
            join(&mut responsible, r.responsible(), "; ");
            join(&mut consulted, r.consulted(), "; ");
            join(&mut informed, r.informed(), "; ");
            join(&mut escalation, r.escalation(), " > ");
            let fields = [
                url.as_str(),
                p.title.as_str(),
                client,
                model,
                site.reg.workstreams[r.ws].0.as_str(),
                r.accountable().first().map(id).unwrap_or_default(),
                &responsible,
                &consulted,
                &informed,
                r.coverage.map(|c| c.as_str()).unwrap_or_default(),
                r.after_hours.map(id).unwrap_or_default(),
                &escalation,
            ];
            for (k, f) in fields.iter().enumerate() {
                if k > 0 {
                    out.push(',');
                }
                push_csv_field(&mut out, f);
            }
            out.push_str("\r\n");
        }
        Some(out.into_bytes())
    };
    let head =
        b"playbook,title,client,model,workstream,accountable,responsible,consulted,informed,coverage,after_hours,escalation\r\n".to_vec();
    Export { head, pages: site.pages.len(), part: Box::new(part), sep: b"", tail: b"" }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_quotes_per_rfc4180() {
        assert_eq!(csv_field("a,b"), "\"a,b\"");
        assert_eq!(csv_field("say \"hi\""), "\"say \"\"hi\"\"\"");
        assert_eq!(csv_field("plain"), "plain");
    }

    fn export(parts: &[Option<&str>], sep: &'static [u8]) -> Export<'static> {
        let parts: Vec<Option<Vec<u8>>> = parts.iter().map(|p| p.map(|s| s.as_bytes().to_vec())).collect();
        Export { head: b"H[".to_vec(), pages: parts.len(), part: Box::new(move |i| parts[i].clone()), sep, tail: b"]T" }
    }

    fn whole(e: Export) -> (Vec<u8>, Layout) {
        let mut bytes = Vec::new();
        let layout = e.write_to(&mut bytes).expect("writes to memory");
        (bytes, layout)
    }

    /// Applies splice pieces to the previous file's bytes, as `build::replace_spliced` does on disk.
    fn apply(pieces: &[Piece], old: &[u8]) -> Vec<u8> {
        let mut out = Vec::new();
        for p in pieces {
            match p {
                Piece::New(b) => out.extend_from_slice(b),
                Piece::Old { at, len } => out.extend_from_slice(&old[*at as usize..(*at + *len) as usize]),
            }
        }
        out
    }

    #[test]
    fn a_spliced_export_equals_the_whole_one() {
        let before = [Some("aa"), None, Some("bbb"), Some("c"), Some("dddd"), None];
        // Edits that grow, shrink, remove and add parts, at the start, middle and end.
        let cases: [(&[usize], [Option<&str>; 6]); 5] = [
            (&[2], [Some("aa"), None, Some("B"), Some("c"), Some("dddd"), None]),
            (&[0], [None, None, Some("bbb"), Some("c"), Some("dddd"), None]),
            (&[5], [Some("aa"), None, Some("bbb"), Some("c"), Some("dddd"), Some("new")]),
            (&[1, 3], [Some("aa"), Some("x"), Some("bbb"), None, Some("dddd"), None]),
            (&[], before),
        ];
        for sep in [&b","[..], &b""[..]] {
            let (old, layout) = whole(export(&before, sep));
            for (edited, after) in &cases {
                let (expected, expected_layout) = whole(export(after, sep));
                // Only the edited parts are generated, as a warm build does.
                let partial: Vec<Option<&str>> =
                    after.iter().enumerate().map(|(i, p)| if edited.contains(&i) { *p } else { None }).collect();
                let partial = export(&partial, sep);
                assert!(partial.matches(old.len() as u64, &layout, None));
                let (pieces, new_layout) = partial.splice(&layout, edited, None);
                assert_eq!(apply(&pieces, &old), expected, "edit {edited:?} with separator {sep:?}");
                assert_eq!(new_layout, expected_layout);
                let copies = pieces.iter().filter(|p| matches!(p, Piece::Old { .. })).count();
                assert!(copies <= edited.len() + 1, "unedited runs are merged: {pieces:?}");
            }
            assert!(!export(&before, sep).matches(old.len() as u64 + 1, &layout, None), "a file of another length is not spliced");
            assert!(!export(&before[1..], sep).matches(old.len() as u64, &layout, None), "nor one for another page count");
        }
    }

    #[test]
    fn an_export_spliced_after_pages_came_and_went_equals_the_whole_one() {
        let before = [Some("aa"), None, Some("bbb"), Some("c"), Some("dddd"), None];
        // Pages now, each with its index before (`None`: new), whether it was edited, its part.
        type Case = &'static [(Option<usize>, bool, Option<&'static str>)];
        let cases: [Case; 5] = [
            // One added at the start, one deleted in the middle.
            &[
                (None, false, Some("new")),
                (Some(0), false, Some("aa")),
                (Some(1), false, None),
                (Some(3), false, Some("c")),
                (Some(4), false, Some("dddd")),
                (Some(5), false, None),
            ],
            // The first and last deleted, one edited, one added at the end.
            &[
                (Some(1), false, None),
                (Some(2), true, Some("B")),
                (Some(3), false, Some("c")),
                (Some(4), false, Some("dddd")),
                (None, false, Some("end")),
            ],
            // A new page without a part, between two kept ones.
            &[(Some(0), false, Some("aa")), (None, false, None), (Some(2), false, Some("bbb")), (Some(3), false, Some("c"))],
            // Everything deleted but one.
            &[(Some(4), false, Some("dddd"))],
            // Nothing kept.
            &[(None, false, Some("x")), (None, false, Some("y"))],
        ];
        for sep in [&b","[..], &b""[..]] {
            let (old, layout) = whole(export(&before, sep));
            for case in cases {
                let after: Vec<Option<&str>> = case.iter().map(|c| c.2).collect();
                let (expected, expected_layout) = whole(export(&after, sep));
                let old_of: Vec<Option<usize>> = case.iter().map(|c| c.0).collect();
                let edited: Vec<usize> = (0..case.len()).filter(|&i| case[i].1).collect();
                // Only the new and edited parts are generated.
                let partial: Vec<Option<&str>> = case.iter().map(|c| if c.0.is_none() || c.1 { c.2 } else { None }).collect();
                let partial = export(&partial, sep);
                assert!(partial.matches(old.len() as u64, &layout, Some(&old_of)));
                let (pieces, new_layout) = partial.splice(&layout, &edited, Some(&old_of));
                assert_eq!(apply(&pieces, &old), expected, "{case:?} with separator {sep:?}");
                assert_eq!(new_layout, expected_layout);
            }
            let beyond = [Some(6)];
            assert!(!export(&[Some("x")], sep).matches(old.len() as u64, &layout, Some(&beyond)), "an index past the old pages");
        }
    }
}
