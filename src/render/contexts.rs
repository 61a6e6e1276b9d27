//! The Tera context of each view (`page_value`, `owner_value`, `matrix_value`, …), built from
//! the shared references in [`Refs`], and the data logic the compiled templates
//! ([`super::native`]) share with them: breadcrumbs, the RACI grid, role counts, an owner's rows
//! in page order, contact links.

use crate::HashMap;
use std::borrow::Cow;
use std::collections::BTreeMap;

use tera::Value;

use super::faq::faq_jsonld;
use super::{
    Paging, ROWS_PER_PAGE, Refs, arr, matrix_listed, matrix_paging, opt_str, owner_url, page_count, paged_url, pager, party_url, ser,
    source_url, ws_paging, ws_url,
};
use crate::config::{Audience, PartyKind};
use crate::ownership::role;
use crate::site::Site;

fn owner_list(refs: &Refs, list: impl IntoIterator<Item = usize>) -> Value {
    arr(list.into_iter().map(|o| refs.owners[o].clone()).collect())
}

fn opt_owner(refs: &Refs, o: Option<usize>) -> Value {
    o.map(|o| refs.owners[o].clone()).unwrap_or(Value::none())
}

/// A page's breadcrumb trail as (title, URL): Home, then each visible section above it.
pub(super) fn breadcrumb_links(site: &Site, i: usize) -> Vec<(&str, String)> {
    let page = &site.pages[i];
    let mut crumbs = vec![("Home", site.base_path.clone())];
    let mut prefix = String::new();
    let dirs: Vec<&str> = page.dir().split('/').filter(|s| !s.is_empty()).collect();
    let upto = if page.is_section { dirs.len().saturating_sub(1) } else { dirs.len() };
    for d in &dirs[..upto] {
        if !prefix.is_empty() {
            prefix.push('/');
        }
        prefix.push_str(d);
        if let Some(&s) = site.by_rel.get(&format!("{prefix}/_index.md"))
            && site.visible[s]
        {
            crumbs.push((site.pages[s].title.as_str(), site.url(s)));
        }
    }
    crumbs
}

pub(super) fn breadcrumbs(site: &Site, i: usize) -> Value {
    arr(breadcrumb_links(site, i).into_iter().map(|(title, url)| obj!("title": title, "url": url)).collect())
}

pub(super) fn ws_brief(site: &Site, w: usize) -> Value {
    let (wid, ws) = &site.reg.workstreams[w];
    obj!("id": wid.as_str(), "name": ws.name.as_str(), "anchor": format!("ws-{wid}"), "url": ws_url(site, w))
}

pub(super) fn page_value(site: &Site, refs: &Refs, i: usize) -> Value {
    let p = &site.pages[i];
    let r = site.rendered[i].as_ref();
    let mut boundary: Vec<(&str, Vec<Value>)> = ["client", "provider", "vendor", "shared"].iter().map(|k| (*k, Vec::new())).collect();
    let rows: Vec<Value> = site.own.rows[i]
        .iter()
        .enumerate()
        .map(|(n, row)| {
            let (wid, w) = &site.reg.workstreams[row.ws];
            let side = row.side();
            if let Some((_, list)) = boundary.iter_mut().find(|(k, _)| *k == side) {
                list.push(refs.ws[row.ws].clone());
            }
            let (handoff, notes) = site.row_html(i, n);
            obj!(
                "id": wid.as_str(), "name": w.name.as_str(), "url": ws_url(site, row.ws), "anchor": format!("ws-{wid}"),
                "accountable": opt_owner(refs, row.accountable().first()),
                "responsible": owner_list(refs, row.responsible()), "consulted": owner_list(refs, row.consulted()),
                "informed": owner_list(refs, row.informed()), "coverage": row.coverage.map(|c| c.as_str()).unwrap_or(""),
                "coverage_label": row.coverage.map(|c| c.label()).unwrap_or(""),
                "after_hours": opt_owner(refs, row.after_hours), "escalation": owner_list(refs, row.escalation()),
                "handoff": handoff, "internal_notes": notes, "side": side,
            )
        })
        .collect();
    // RACI grid. Cells are shared static values (one per letter combination), so a wide grid
    // costs pointer copies, not allocations.
    let grid = RaciGrid::of(&site.own.rows[i]);
    let mut owner_roles: Vec<Vec<Value>> = vec![Vec::new(); grid.owners.len()];
    let raci_rows: Vec<Value> = site.own.rows[i]
        .iter()
        .zip(&grid.cells)
        .map(|(row, cells)| {
            let cells: Vec<Value> = cells
                .iter()
                .zip(&mut owner_roles)
                .map(|(&bits, roles)| {
                    let (code, label) = raci_code(usize::from(bits));
                    if bits != 0 {
                        roles.push(obj!("workstream": refs.ws[row.ws].clone(), "letters": code.clone(), "label": label));
                    }
                    code
                })
                .collect();
            let (wid, w) = &site.reg.workstreams[row.ws];
            obj!("id": wid.as_str(), "name": w.name.as_str(), "anchor": format!("ws-{wid}"), "cells": cells)
        })
        .collect();
    let ws_refs = |list: &[usize]| arr(list.iter().map(|&r| refs.ws[site.own.rows[i][r].ws].clone()).collect());
    let raci_by_party: Vec<Value> = grid
        .by_party(&site.reg)
        .into_iter()
        .map(|(party, members)| {
            let owners: Vec<Value> = members
                .iter()
                .map(|&k| {
                    let [a, r, c, inf] = grid.roles_of(k);
                    obj!("owner": refs.owners[grid.owners[k]].clone(), "accountable": ws_refs(&a), "responsible": ws_refs(&r),
                        "consulted": ws_refs(&c), "informed": ws_refs(&inf))
                })
                .collect();
            obj!("party": party.map(|p| refs.parties[p].clone()).unwrap_or(Value::none()), "owners": owners)
        })
        .collect();
    let raci_owners = grid.owners;
    let raci_by_owner: Vec<Value> =
        raci_owners.iter().zip(owner_roles).map(|(&o, roles)| obj!("owner": refs.owners[o].clone(), "roles": roles)).collect();
    let faq: Vec<Value> = site.faqs[i]
        .iter()
        .filter(|f| !f.inline)
        .map(|f| obj!("id": f.anchor.trim_start_matches("faq-"), "anchor": f.anchor.as_str(), "question": f.question.as_str(), "answer": f.answer_html.as_str(), "internal": f.internal))
        .collect();
    let sources: Vec<Value> = p
        .fm
        .sources
        .iter()
        .enumerate()
        .map(|(k, s)| obj!("title": s.title.clone().or(s.url.clone()).unwrap_or_default(), "url": opt_str(&source_url(site, i, k).map(str::to_string))))
        .collect();
    let client = site.own.client[i].map(|c| refs.parties[c].clone()).unwrap_or(Value::none());
    let mut bmap = tera::Map::default();
    for (k, list) in boundary {
        bmap.insert(tera::value::Key::from(k), arr(list));
    }
    obj!(
        "title": p.title.as_str(), "summary": opt_str(&p.fm.summary), "url": site.url(i), "source": p.file.as_str(),
        "client": client, "model": opt_str(&p.fm.model), "audience": p.audience.as_str(),
        "status": p.fm.status.as_str(), "status_label": p.fm.status.label(), "status_note": p.fm.status.note(),
        "tags": p.fm.tags.0.clone(), "compliance": p.fm.compliance.0.clone(), "updated": opt_str(&p.fm.updated),
        "review_by": opt_str(&p.fm.review_by), "draft": p.fm.draft, "weight": p.fm.weight, "extra": ser(&p.fm.extra), "sources": sources,
        "content": r.map(|r| r.html.as_str()).unwrap_or(""), "toc": ser(&r.map(|r| r.toc.clone()).unwrap_or_default()),
        "breadcrumbs": breadcrumbs(site, i), "internal": p.audience == Audience::Internal && site.audience == Audience::Internal,
        "ownership": rows, "boundary": Value::from(bmap),
        "raci": obj!("owners": owner_list(refs, raci_owners.iter().copied()), "rows": raci_rows, "by_owner": raci_by_owner, "by_party": raci_by_party,
            "labels": raci_labels()),
        "faq": faq, "faq_jsonld": faq_jsonld(site, i),
    )
}

/// A playbook's RACI grid: the owners holding an A, R, C or I role, in order of first
/// appearance, and per row each owner's A/R/C/I bits (A = 1, R = 2, C = 4, I = 8; 0 = none).
/// Shared by the template context and the compiled default theme.
pub(crate) struct RaciGrid {
    pub owners: Vec<usize>,
    pub cells: Vec<Vec<u8>>,
}

impl RaciGrid {
    pub fn of(rows: &[crate::ownership::Row]) -> RaciGrid {
        let arci = role::ACCOUNTABLE | role::RESPONSIBLE | role::CONSULTED | role::INFORMED;
        let per_row: Vec<Vec<(usize, u8)>> =
            rows.iter().map(|row| row.owner_roles().into_iter().map(|(o, b)| (o, b & arci)).filter(|(_, b)| *b != 0).collect()).collect();
        let mut owners: Vec<usize> = Vec::new();
        for &(o, _) in per_row.iter().flatten() {
            if !owners.contains(&o) {
                owners.push(o);
            }
        }
        let cells = per_row
            .iter()
            .map(|roles| {
                let mut cells = vec![0u8; owners.len()];
                for &(o, bits) in roles {
                    if let Some(k) = owners.iter().position(|&x| x == o) {
                        cells[k] = bits;
                    }
                }
                cells
            })
            .collect();
        RaciGrid { owners, cells }
    }

    /// The grid's owners grouped by party for the by-owner table: clients, then providers, then
    /// vendors, then owners with no party; groups of one kind and owners within a group keep
    /// their order of first appearance. Each group is (party, positions in `owners`).
    pub fn by_party(&self, reg: &crate::ownership::Registry) -> Vec<(Option<usize>, Vec<usize>)> {
        let mut groups: Vec<(Option<usize>, Vec<usize>)> = Vec::new();
        for (k, &o) in self.owners.iter().enumerate() {
            let party = reg.owner_party[o];
            match groups.iter_mut().find(|(p, _)| *p == party) {
                Some((_, members)) => members.push(k),
                None => groups.push((party, vec![k])),
            }
        }
        // A stable sort keeps first appearance within a kind; `None` (no party) sorts last.
        groups.sort_by_key(|(p, _)| p.map_or(u8::MAX, |p| reg.parties[p].1.kind as u8));
        groups
    }

    /// The rows (workstream positions) where owner `k` holds each of A, R, C and I.
    pub fn roles_of(&self, k: usize) -> [Vec<usize>; 4] {
        let mut roles: [Vec<usize>; 4] = Default::default();
        for (row, cells) in self.cells.iter().enumerate() {
            for (bit, list) in roles.iter_mut().enumerate() {
                if cells[k] & (1 << bit) != 0 {
                    list.push(row);
                }
            }
        }
        roles
    }
}

/// The letters (`"AR"`) and words (`"Accountable and responsible"`) of a RACI role set given as
/// bits (A = 1, R = 2, C = 4, I = 8), as shared values; bits 0 gives empty strings.
pub(super) fn raci_code(bits: usize) -> (Value, Value) {
    static CODES: std::sync::OnceLock<Vec<(Value, Value)>> = std::sync::OnceLock::new();
    CODES.get_or_init(|| {
        let words = [('A', "accountable"), ('R', "responsible"), ('C', "consulted"), ('I', "informed")];
        (0u8..16)
            .map(|bits| {
                let (mut code, mut text) = (String::new(), Vec::new());
                for (k, (letter, word)) in words.iter().enumerate() {
                    if bits & (1 << k) != 0 {
                        code.push(*letter);
                        text.push(*word);
                    }
                }
                let mut label = text.join(" and ");
                if let Some(first) = label.get_mut(..1) {
                    first.make_ascii_uppercase();
                }
                (Value::from(code), Value::from(label))
            })
            .collect()
    })[bits & 15]
        .clone()
}

/// Words for the letters of a RACI cell, for screen readers: `{"A": "Accountable", "AR": …}`.
fn raci_labels() -> Value {
    static LABELS: std::sync::OnceLock<Value> = std::sync::OnceLock::new();
    LABELS
        .get_or_init(|| {
            let mut m = tera::Map::default();
            for bits in 1..16 {
                let (code, label) = raci_code(bits);
                m.insert(tera::value::Key::from(code.as_str().unwrap_or_default().to_string()), label);
            }
            Value::from(m)
        })
        .clone()
}

/// Playbooks and subsections directly inside a section folder.
pub(super) fn section_value(site: &Site, refs: &Refs, i: usize) -> Value {
    let p = &site.pages[i];
    let dir = p.dir();
    // By weight (unweighted last), then title.
    let mut pages: Vec<(f64, String, usize)> = site.children[i]
        .pages
        .iter()
        .map(|&j| (site.pages[j].fm.weight.unwrap_or(f64::INFINITY), site.pages[j].title.to_lowercase(), j))
        .collect();
    pages.sort_by(|a, b| a.0.total_cmp(&b.0).then_with(|| a.1.cmp(&b.1)));
    let subs: Vec<Value> = site.children[i]
        .sections
        .iter()
        .map(|&j| {
            let q = &site.pages[j];
            obj!("title": q.title.as_str(), "url": site.url(j), "summary": opt_str(&q.fm.summary), "count": site.children[j].total)
        })
        .collect();
    let _ = dir;
    let r = site.rendered[i].as_ref();
    obj!(
        "title": p.title.as_str(), "summary": opt_str(&p.fm.summary), "url": site.url(i),
        "content": r.map(|r| r.html.as_str()).unwrap_or(""), "breadcrumbs": breadcrumbs(site, i),
        "pages": pages.iter().map(|(_, _, j)| refs.page(site, *j)).collect::<Vec<_>>(), "subsections": subs,
    )
}

pub(super) fn home_value(site: &Site, refs: &Refs, i: Option<usize>) -> Value {
    let mut clients = Vec::new();
    for (p, (id, party)) in site.reg.parties.iter().enumerate() {
        if party.kind != PartyKind::Client || site.own.pages_by_party[p].is_empty() {
            continue;
        }
        let playbooks: Vec<Value> = site.own.pages_by_party[p].iter().map(|&j| refs.page(site, j)).collect();
        clients.push(obj!("id": id.as_str(), "name": party.name.as_str(), "url": party_url(site, p), "playbooks": playbooks));
    }
    let mut models: BTreeMap<String, Vec<Value>> = BTreeMap::new();
    let mut other = Vec::new();
    for (j, q) in site.visible_pages() {
        if q.is_section {
            continue;
        }
        if let Some(m) = &q.fm.model {
            models.entry(m.clone()).or_default().push(refs.page(site, j));
        }
        if site.own.client[j].is_none() {
            other.push(refs.page(site, j));
        }
    }
    let r = i.and_then(|i| site.rendered[i].as_ref());
    obj!(
        "title": i.map(|i| site.pages[i].title.clone()).unwrap_or_else(|| site.title.clone()),
        "content": r.map(|r| r.html.as_str()).unwrap_or(""),
        "clients": clients,
        "models": models.into_iter().map(|(m, p)| obj!("model": m, "playbooks": p)).collect::<Vec<_>>(),
        "other": other,
        "stats": obj!(
            "playbooks": site.playbook_count(), "owners": refs.owner_shown.iter().filter(|s| **s).count(),
            "workstreams": site.reg.workstreams.len(), "parties": refs.party_shown.iter().filter(|s| **s).count(),
        ),
    )
}

#[derive(Default, Clone, Copy)]
pub(super) struct Counts {
    pub a: usize,
    pub r: usize,
    pub c: usize,
    pub i: usize,
    /// On the escalation path or after hours (only there, an owner would count 0 in each of the
    /// four RACI roles: a row of zeros).
    pub e: usize,
}

impl Counts {
    fn add(&mut self, roles: u8) {
        self.a += usize::from(roles & role::ACCOUNTABLE != 0);
        self.r += usize::from(roles & role::RESPONSIBLE != 0);
        self.c += usize::from(roles & role::CONSULTED != 0);
        self.i += usize::from(roles & role::INFORMED != 0);
        self.e += usize::from(roles & (role::ESCALATION | role::AFTER_HOURS) != 0);
    }
    fn value(self) -> Value {
        obj!("a": self.a, "r": self.r, "c": self.c, "i": self.i, "e": self.e)
    }
}

fn owner_counts(site: &Site, o: usize) -> Counts {
    let mut c = Counts::default();
    site.own.by_owner[o].iter().for_each(|h| c.add(h.roles));
    c
}

pub(super) fn counts(site: &Site, o: usize) -> Value {
    owner_counts(site, o).value()
}

pub(super) fn owners_index(site: &Site, refs: &Refs) -> Value {
    let mut by_party: Vec<Vec<Value>> = vec![Vec::new(); site.reg.parties.len()];
    let mut orphans = Vec::new();
    for (o, (id, owner)) in site.reg.owners.iter().enumerate() {
        if !refs.owner_shown[o] {
            continue;
        }
        let v = obj!("id": id.as_str(), "name": owner.name.as_str(), "url": owner_url(site, o), "kind": refs.owner_kind[o], "counts": counts(site, o));
        match site.reg.owner_party[o] {
            Some(p) => by_party[p].push(v),
            None => orphans.push(v),
        }
    }
    let mut out: Vec<Value> = Vec::new();
    for (p, (id, party)) in site.reg.parties.iter().enumerate() {
        if by_party[p].is_empty() {
            continue;
        }
        let owners = std::mem::take(&mut by_party[p]);
        out.push(
            obj!("id": id.as_str(), "name": party.name.as_str(), "kind": party.kind.as_str(), "url": party_url(site, p), "owners": owners),
        );
    }
    if !orphans.is_empty() {
        out.push(obj!("id": "", "name": "No party", "kind": "", "url": "", "owners": orphans));
    }
    arr(out)
}

/// Contact entries as (label, link): see [`contact_href`].
pub(super) fn contact_pairs(list: &[String]) -> Vec<(&str, String)> {
    list.iter().map(|c| c.trim()).filter(|c| !c.is_empty()).map(|c| (c, contact_href(c))).collect()
}

/// Where a contact entry links: a URL (or a `mailto:` or `tel:` link) as it is, an e-mail address
/// as `mailto:`, a phone number (with an extension: `x12`, `ext. 12`) as `tel:`, and nowhere
/// for anything else. Prose holding numbers ("Bridge +1 503 555 0199, PIN 4417#") has no link:
/// no one link would be right, and its digits run together would dial a wrong number.
fn contact_href(c: &str) -> String {
    if !c.contains(char::is_whitespace) {
        if c.contains("://") || c.starts_with("mailto:") || c.starts_with("tel:") {
            return c.to_string();
        }
        if let Some((name, domain)) = c.split_once('@')
            && !name.is_empty()
            && !domain.is_empty()
            && !domain.contains('@')
        {
            return format!("mailto:{c}");
        }
    }
    phone_href(c).unwrap_or_default()
}

/// `tel:` for an entry that is a phone number and nothing else: digits with the usual
/// separators, at least five of them, a leading `+`, and perhaps an extension.
fn phone_href(c: &str) -> Option<String> {
    // An extension: digits at the end after `x`, `ext`, `ext.` or `#`.
    let digits_at_end = c.len() - c.trim_end_matches(|ch: char| ch.is_ascii_digit()).len();
    let (number, ext) = {
        let (head, tail) = c.split_at(c.len() - digits_at_end);
        let head = head.trim_end();
        // (`get`: the last bytes of `head` may be part of a longer character.)
        let marker = ["ext.", "ext", "x", "#"]
            .iter()
            .find(|m| head.get(head.len().saturating_sub(m.len())..).is_some_and(|t| t.eq_ignore_ascii_case(m)));
        match marker {
            Some(m) if !tail.is_empty() => (head[..head.len() - m.len()].trim_end(), Some(tail)),
            _ => (c, None),
        }
    };
    let body = number.strip_prefix('+').unwrap_or(number);
    let digits: String = body.chars().filter(char::is_ascii_digit).collect();
    let only_separators = body.chars().all(|ch| ch.is_ascii_digit() || matches!(ch, ' ' | '-' | '.' | '(' | ')' | '/'));
    if !only_separators || digits.len() < 5 {
        return None;
    }
    let plus = if number.starts_with('+') { "+" } else { "" };
    Some(match ext {
        Some(ext) => format!("tel:{plus}{digits};ext={ext}"),
        None => format!("tel:{plus}{digits}"),
    })
}

fn contact_links(list: &[String]) -> Vec<Value> {
    contact_pairs(list).into_iter().map(|(label, href)| obj!("label": label, "href": href)).collect()
}

/// The role names of a role set, as a shared value: owner pages list them on every row.
fn role_names(bits: u8) -> Value {
    static NAMES: std::sync::OnceLock<Vec<Value>> = std::sync::OnceLock::new();
    NAMES.get_or_init(|| (0..=u8::MAX).map(|b| Value::from(role::names(b))).collect())[usize::from(bits)].clone()
}

/// An owner's rows as its pages show them. Worked out once per render and shared by the
/// owner's pages: a team holding a role in every playbook has thousands of pages, and each one
/// sorting and counting all its rows again made its pages cost their number times its rows.
pub(super) struct OwnerRows {
    /// Indices into `site.own.by_owner[o]`, grouped by workstream in registry order, in
    /// holding (page) order within each.
    order: Vec<u32>,
    /// Each workstream the owner holds rows in, with how many, in `order`'s order.
    groups: Vec<(usize, usize)>,
    /// Its roles counted over all its rows.
    pub(super) counts: Counts,
}

impl OwnerRows {
    pub(super) fn of(site: &Site, o: usize) -> OwnerRows {
        let holdings = &site.own.by_owner[o];
        // `by_owner` has at most one holding per row, and rows are counted in u32 elsewhere.
        let mut order: Vec<u32> = (0..holdings.len()).map(|j| j as u32).collect();
        order.sort_by_key(|&j| holdings[j as usize].ws());
        let groups = order.chunk_by(|&a, &b| holdings[a as usize].ws() == holdings[b as usize].ws());
        let groups = groups.map(|group| (holdings[group[0] as usize].ws(), group.len())).collect();
        OwnerRows { order, groups, counts: owner_counts(site, o) }
    }

    /// The rows on page `k`, as indices into `site.own.by_owner[o]`.
    pub(super) fn on_page(&self, k: usize) -> &[u32] {
        let shown = self.order.get(k * ROWS_PER_PAGE..).unwrap_or_default();
        &shown[..shown.len().min(ROWS_PER_PAGE)]
    }

    /// For an owner whose rows run over several pages, seen from page `k`: each workstream it
    /// holds rows in, with how many, linked to the heading on the page where that workstream's
    /// rows start.
    pub(super) fn ws_index(&self, site: &Site, o: usize, k: usize) -> Vec<(usize, usize, String)> {
        if page_count(self.order.len()) <= 1 {
            return Vec::new();
        }
        let first = owner_url(site, o);
        let mut index = Vec::new();
        let mut start = 0;
        for &(w, len) in &self.groups {
            let page = start / ROWS_PER_PAGE;
            let anchor = format!("#owner-ws-{}", site.reg.workstreams[w].0);
            let link = if page == k { anchor } else { format!("{}{anchor}", paged_url(&first, page)) };
            index.push((w, len, link));
            start += len;
        }
        index
    }
}

pub(super) fn owner_value(site: &Site, refs: &Refs, o: usize, k: usize) -> Value {
    let (id, owner) = &site.reg.owners[o];
    let holdings = &site.own.by_owner[o];
    let rows = refs.owner_rows(site, o);
    let mut by_ws: BTreeMap<usize, Vec<Value>> = BTreeMap::new();
    for &j in rows.on_page(k) {
        let h = holdings[j as usize];
        let wid = &site.reg.workstreams[h.ws()].0;
        by_ws.entry(h.ws()).or_default().push(obj!(
            "playbook": refs.page(site, h.page()), "link": format!("{}{}#ws-{wid}", site.base_path, site.pages[h.page()].path), "roles": role_names(h.roles),
        ));
    }
    let workstreams: Vec<Value> = by_ws
        .into_iter()
        .map(|(w, rows)| obj!("id": site.reg.workstreams[w].0.as_str(), "name": site.reg.workstreams[w].1.name.as_str(), "url": ws_url(site, w), "rows": rows))
        .collect();
    let url = owner_url(site, o);
    let internal_contact = if site.audience == Audience::Internal { contact_links(&owner.internal_contact.0) } else { Vec::new() };
    let party = site.reg.owner_party[o].map(|p| refs.parties[p].clone()).unwrap_or(Value::none());
    obj!(
        "id": id.as_str(), "name": owner.name.as_str(), "kind": refs.owner_kind[o], "url": url.as_str(), "party": party,
        "contact": contact_links(&owner.contact.0), "hours": owner.hours.map(|h| h.as_str()).unwrap_or(""),
        "internal_contact": internal_contact, "description": opt_str(&owner.description),
        "counts": rows.counts.value(), "workstreams": workstreams, "pager": pager(&url, k, &Paging::fixed(holdings.len())),
        "index": rows.ws_index(site, o, k).into_iter().map(|(w, count, link)| obj!("name": site.reg.workstreams[w].1.name.as_str(), "count": count, "link": link)).collect::<Vec<Value>>(),
    )
}

pub(super) fn workstreams_index(site: &Site) -> Value {
    arr(site
        .reg
        .workstreams
        .iter()
        .enumerate()
        .map(|(w, (id, ws))| {
            obj!("id": id.as_str(), "name": ws.name.as_str(), "description": opt_str(&ws.description), "required": ws.required,
                 "aliases": ws.aliases.clone(), "url": ws_url(site, w), "count": site.own.by_workstream[w].len())
        })
        .collect())
}

pub(super) fn workstream_value(site: &Site, refs: &Refs, w: usize, k: usize) -> Value {
    let (id, ws) = &site.reg.workstreams[w];
    let all = &site.own.by_workstream[w];
    let paging = ws_paging(site, w);
    let rows: Vec<Value> = all[paging.rows(k)]
        .iter()
        .map(|&(p, r)| {
            let row = &site.own.rows[p][r];
            obj!(
                "playbook": refs.page(site, p), "link": format!("{}#ws-{id}", site.url(p)),
                "accountable": opt_owner(refs, row.accountable().first()), "responsible": owner_list(refs, row.responsible()),
                "coverage": row.coverage.map(|c| c.as_str()).unwrap_or(""), "coverage_label": row.coverage.map(|c| c.label()).unwrap_or(""),
                "side": row.side(),
            )
        })
        .collect();
    // Questions are listed on the first page only.
    let mut faq = Vec::new();
    for &(p, _) in all.iter().filter(|_| k == 0) {
        for f in site.faqs[p].iter().filter(|f| f.workstreams.contains(&w)) {
            faq.push(obj!("question": f.question.as_str(), "link": format!("{}#{}", site.url(p), f.anchor)));
        }
    }
    let url = ws_url(site, w);
    obj!("id": id.as_str(), "name": ws.name.as_str(), "description": opt_str(&ws.description), "required": ws.required,
         "aliases": ws.aliases.clone(), "pager": pager(&url, k, paging), "url": url, "rows": rows, "faq": faq)
}

/// A row's handoff as the ownership export gives it (its Markdown source): for the client
/// audience without its `::: internal` blocks, which the page leaves out too (`None` if the
/// blocks are malformed, which fails the build anyway).
pub(super) fn handoff_for(audience: Audience, handoff: &str) -> Option<Cow<'_, str>> {
    if audience == Audience::Internal || !handoff.contains(":::") {
        return Some(Cow::Borrowed(handoff));
    }
    let (text, regions) = crate::markdown::prepare_internal_blocks(handoff, audience).ok()?;
    if regions.is_empty() {
        return Some(Cow::Borrowed(handoff));
    }
    Some(Cow::Owned(text.trim_end().to_string()))
}

/// What owner `o` holds, per workstream in registry order: the role counts, and the page of the
/// owner's list where that workstream's rows start (the owner's pages list its rows grouped
/// so, 500 a page), for links to its heading there.
pub(super) fn holdings_by_ws(site: &Site, o: usize) -> Vec<(usize, Counts, usize)> {
    let mut per_ws: BTreeMap<usize, (Counts, usize)> = BTreeMap::new();
    for h in &site.own.by_owner[o] {
        let (counts, rows) = per_ws.entry(h.ws()).or_default();
        counts.add(h.roles);
        *rows += 1;
    }
    let mut start = 0;
    per_ws
        .into_iter()
        .map(|(w, (counts, rows))| {
            let page = start / ROWS_PER_PAGE;
            start += rows;
            (w, counts, page)
        })
        .collect()
}

/// A party: its playbooks (for a client) and, per owner, what they hold by workstream with
/// A/R/C/I counts. Per-row detail lives on the owner pages, so a provider with thousands of
/// assignments still gets a page of bounded size.
pub(super) fn party_value(site: &Site, refs: &Refs, p: usize) -> Value {
    let (id, party) = &site.reg.parties[p];
    let playbooks: Vec<Value> = site.own.pages_by_party[p].iter().map(|&j| refs.page(site, j)).collect();
    let owners: Vec<Value> = refs.party_owners[p]
        .iter()
        .map(|&o| {
            let holds: Vec<Value> = holdings_by_ws(site, o)
                .into_iter()
                .map(|(w, c, page)| {
                    let (wid, ws) = &site.reg.workstreams[w];
                    obj!("workstream": obj!("id": wid.as_str(), "name": ws.name.as_str(), "url": ws_url(site, w)),
                         "link": format!("{}#owner-ws-{wid}", paged_url(&owner_url(site, o), page)), "counts": c.value())
                })
                .collect();
            obj!("owner": refs.owners[o].clone(), "counts": counts(site, o), "holds": holds)
        })
        .collect();
    obj!("id": id.as_str(), "name": party.name.as_str(), "kind": party.kind.as_str(), "url": party_url(site, p), "playbooks": playbooks, "owners": owners)
}

pub(super) fn matrix_value(site: &Site, refs: &Refs, k: usize) -> Value {
    let used: Vec<usize> = (0..site.reg.workstreams.len()).filter(|&w| !site.own.by_workstream[w].is_empty()).collect();
    let col: HashMap<usize, usize> = used.iter().enumerate().map(|(c, &w)| (w, c)).collect();
    let empty = obj!("accountable": Value::none(), "side": "", "link": "");
    let mut rows = Vec::new();
    for &i in &matrix_listed(site)[matrix_paging(site).rows(k)] {
        let mut cells = vec![empty.clone(); used.len()];
        for row in &site.own.rows[i] {
            if let Some(&c) = col.get(&row.ws) {
                cells[c] = obj!(
                    "accountable": opt_owner(refs, row.accountable().first()), "side": row.side(),
                    "link": format!("{}#ws-{}", site.url(i), site.reg.workstreams[row.ws].0),
                );
            }
        }
        rows.push(obj!("playbook": refs.page(site, i), "cells": cells));
    }
    let workstreams: Vec<Value> = used.iter().map(|&w| refs.ws[w].clone()).collect();
    let first = format!("{}matrix/", site.base_path);
    obj!("workstreams": workstreams, "rows": rows, "pager": pager(&first, k, matrix_paging(site)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn contacts_link_only_what_is_wholly_a_url_an_address_or_a_number() {
        for (entry, href) in [
            ("https://support.northwind.example/", "https://support.northwind.example/"),
            ("support@northwind.example", "mailto:support@northwind.example"),
            ("mailto:desk@acme.example?subject=P1", "mailto:desk@acme.example?subject=P1"),
            ("+1 503 555 0140", "tel:+15035550140"),
            ("+1 555 0188 42", "tel:+1555018842"),
            ("(503) 555-0140 ext. 12", "tel:5035550140;ext=12"),
            ("+44 20 7946 0018 x3", "tel:+442079460018;ext=3"),
            ("0800.555.0101#7", "tel:08005550101;ext=7"),
            // Prose, even with numbers in it, and what only looks like one thing.
            ("Bridge +1 503 555 0199, PIN 4417#; NOC shift lead +1 503 555 0148", ""),
            ("Mobile +1 206 555 0158; prefers text", ""),
            ("Escalate to ops@acme.example after ten minutes", ""),
            ("a@b@c", ""),
            ("@acme", ""),
            ("Room 2026", ""),
            ("1-2-3-4", ""),
            ("ext. 12345", ""),
            ("é12345", ""),
            ("+49 30 555 0100 é12", ""),
            ("Ωx12345", ""),
        ] {
            assert_eq!(contact_href(entry), href, "{entry}");
        }
    }
}
