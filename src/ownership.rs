//! The ownership graph: the registries (parties, owners, workstreams) with their lookup rules,
//! every playbook's assignments resolved to registry indices, and the indexes every view needs
//! (per owner, per workstream, per party), built in one pass over the assignments.
//!
//! Owner and workstream references are matched case-insensitively against ids and aliases; an
//! owner may list `aliases` and a workstream too. Anything that does not resolve is reported
//! here with its line, and left out of the graph, so views never show a dangling name.

use crate::HashMap;

use crate::config::{Hours, Owner, Party, PartyKind, SiteConfig, Workstream};
use crate::content::Page;
use crate::diagnostics::{Diagnostic, did_you_mean};

#[derive(Debug, Clone)]
pub struct Registry {
    pub parties: Vec<(String, Party)>,
    pub owners: Vec<(String, Owner)>,
    pub workstreams: Vec<(String, Workstream)>,
    /// Party index of each owner (`None` when the owner names an unknown party).
    pub owner_party: Vec<Option<usize>>,
    party_lookup: HashMap<String, usize>,
    owner_lookup: HashMap<String, usize>,
    ws_lookup: HashMap<String, usize>,
    owner_suggestions: Suggestions,
    client_suggestions: Suggestions,
    /// The ids the default theme makes from the registry on pages with a Markdown body: each
    /// ownership row's `ws-<id>`, each client's `home-client-<id>` on the home page. Headings
    /// never take them, so a heading "WS help desk" does not shadow the Help desk row.
    pub page_anchors: crate::HashSet<String>,
}

/// "Did you mean" answers already worked out, by the lowercased name asked about: an owner or
/// client renamed in the registry can be named by thousands of playbooks, and each answer
/// compares the name with every owner or party.
#[derive(Debug, Default)]
struct Suggestions(std::sync::Mutex<HashMap<String, Option<String>>>);

impl Clone for Suggestions {
    /// A copy starts empty: the answers depend only on the registry, which is cloned with it.
    fn clone(&self) -> Self {
        Suggestions::default()
    }
}

impl Suggestions {
    fn get_or(&self, name: &str, work_out: impl FnOnce() -> Option<String>) -> Option<String> {
        let key = name.to_lowercase();
        if let Some(known) = self.0.lock().ok().and_then(|m| m.get(&key).cloned()) {
            return known;
        }
        // Worked out without the lock: two threads asking at once both compute the same answer.
        let answer = work_out();
        if let Ok(mut m) = self.0.lock() {
            m.insert(key, answer.clone());
        }
        answer
    }
}

/// `name` looked up case-insensitively in a map keyed by lower-cased ids. Ids are nearly always
/// written in lower-case ASCII already: those are looked up as they are, without the lower-cased
/// copy (close to a million lookups at 10,000 playbooks).
fn lookup(map: &HashMap<String, usize>, name: &str) -> Option<usize> {
    if name.bytes().all(|b| b.is_ascii() && !b.is_ascii_uppercase()) {
        map.get(name).copied()
    } else {
        map.get(&name.to_lowercase()).copied()
    }
}

impl Registry {
    pub fn new(cfg: &SiteConfig, diags: &mut Vec<Diagnostic>) -> Self {
        let c = &cfg.config;
        let parties: Vec<(String, Party)> = c.parties.entries.clone();
        let owners: Vec<(String, Owner)> = c.owners.entries.clone();
        let workstreams: Vec<(String, Workstream)> = c.workstreams.entries.clone();
        let party_lookup: HashMap<String, usize> = parties.iter().enumerate().map(|(i, (id, _))| (id.to_lowercase(), i)).collect();
        let owners_at = cfg.owners_src.positions();
        unsafe_ids(cfg, diags);
        let mut owner_lookup = HashMap::default();
        for (i, (id, o)) in owners.iter().enumerate() {
            owner_lookup.insert(id.to_lowercase(), i);
            for a in &o.aliases {
                if let Some(prev) = owner_lookup.insert(a.to_lowercase(), i).filter(|p| *p != i) {
                    let src = &cfg.owners_src;
                    diags.push(
                        Diagnostic::error(
                            "duplicate-alias",
                            src.file.as_str(),
                            format!("alias `{a}` of `{id}` is already the id or alias of `{}`", owners[prev].0),
                        )
                        .at(owners_at.value(&[id, "aliases"], a)),
                    );
                }
            }
        }
        let mut ws_lookup = HashMap::default();
        for (i, (id, w)) in workstreams.iter().enumerate() {
            ws_lookup.insert(id.to_lowercase(), i);
            for a in &w.aliases {
                ws_lookup.insert(a.to_lowercase(), i);
            }
        }
        let mut owner_party = Vec::with_capacity(owners.len());
        for (id, o) in &owners {
            let p = party_lookup.get(&o.party.to_lowercase()).copied();
            if p.is_none() {
                let src = &cfg.owners_src;
                let help = did_you_mean(&o.party, parties.iter().map(|(id, _)| id.as_str()));
                diags.push(
                    Diagnostic::error("unknown-party", src.file.as_str(), format!("owner `{id}` belongs to unknown party `{}`", o.party))
                        .at(owners_at.value(&[id, "party"], &o.party))
                        .maybe_help(
                            help.map(|h| format!("did you mean `{h}`?"))
                                .or(Some("add the party under `parties:` in demarcate.yaml".into())),
                        ),
                );
            }
            owner_party.push(p);
        }
        let page_anchors = workstreams
            .iter()
            .map(|(id, _)| format!("ws-{id}"))
            .chain(parties.iter().filter(|(_, p)| p.kind == PartyKind::Client).map(|(id, _)| format!("home-client-{id}")))
            .collect();
        Registry {
            page_anchors,
            parties,
            owners,
            workstreams,
            owner_party,
            party_lookup,
            owner_lookup,
            ws_lookup,
            owner_suggestions: Suggestions::default(),
            client_suggestions: Suggestions::default(),
        }
    }

    pub fn owner(&self, name: &str) -> Option<usize> {
        lookup(&self.owner_lookup, name)
    }
    pub fn workstream(&self, name: &str) -> Option<usize> {
        lookup(&self.ws_lookup, name)
    }
    /// The ids of the client parties, in registry order.
    pub fn clients(&self) -> impl Iterator<Item = &str> {
        self.parties.iter().filter(|(_, p)| p.kind == crate::config::PartyKind::Client).map(|(id, _)| id.as_str())
    }

    pub fn party(&self, name: &str) -> Option<usize> {
        lookup(&self.party_lookup, name)
    }
    pub fn owner_party_kind(&self, owner: usize) -> Option<PartyKind> {
        self.owner_party[owner].map(|p| self.parties[p].1.kind)
    }
    pub fn suggest_owner(&self, name: &str) -> Option<String> {
        self.owner_suggestions
            .get_or(name, || did_you_mean(name, self.owners.iter().map(|(id, _)| id.as_str())).map(|s| format!("did you mean `{s}`?")))
    }
    pub fn suggest_client(&self, name: &str) -> Option<String> {
        self.client_suggestions.get_or(name, || {
            let clients = self.parties.iter().filter(|(_, p)| p.kind == PartyKind::Client).map(|(id, _)| id.as_str());
            did_you_mean(name, clients).map(|s| format!("did you mean `{s}`?"))
        })
    }
    pub fn suggest_workstream(&self, name: &str) -> Option<String> {
        let names = self.workstreams.iter().flat_map(|(id, w)| std::iter::once(id.as_str()).chain(w.aliases.iter().map(|a| a.as_str())));
        did_you_mean(name, names).map(|s| format!("did you mean `{s}`?"))
    }
}

/// An id names its page's folder (`/owners/<id>/`, `/parties/<id>/`, `/workstreams/<id>/`) and
/// anchors (`#ws-<id>`): one that is not a plain path segment would land a page outside its
/// folder, or outside the output (`../..`), or break its links. Each is an error at its key.
fn unsafe_ids(cfg: &SiteConfig, diags: &mut Vec<Diagnostic>) {
    let c = &cfg.config;
    let registries = [
        ("party", "parties", &cfg.parties_src, c.parties.entries.iter().map(|(id, _)| id.as_str()).collect::<Vec<_>>()),
        ("owner", "owners", &cfg.owners_src, c.owners.entries.iter().map(|(id, _)| id.as_str()).collect()),
        ("workstream", "workstreams", &cfg.workstreams_src, c.workstreams.entries.iter().map(|(id, _)| id.as_str()).collect()),
    ];
    for (what, folder, src, ids) in registries {
        let mut at = None;
        for id in ids {
            let Some(problem) = id_problem(id) else { continue };
            let pos = at.get_or_insert_with(|| src.positions()).key(&[id]);
            diags.push(
                Diagnostic::error(
                    "invalid-id",
                    src.file.as_str(),
                    format!("{what} id `{id}` cannot name its page (/{folder}/{id}/): {problem}"),
                )
                .at(pos)
                .help("write ids without spaces, `/`, `\\`, `?`, `#`, `%`, `\"`, `<` or `>`, and not starting with `.`, such as `service-desk`"),
            );
        }
    }
}

/// Why `id` cannot be one segment of a URL path and a folder name, if it cannot.
pub fn id_problem(id: &str) -> Option<String> {
    let Some(first) = id.chars().next() else { return Some("it is empty".into()) };
    if first == '.' {
        return Some("it starts with `.`".into());
    }
    // What a URL path segment cannot hold as it is, and what splits a folder name.
    let odd = id.chars().find(|&c| crate::content::unsafe_in_url(c) || c.is_control() || matches!(c, '/' | '\\'))?;
    Some(match odd {
        ' ' => "it has a space".into(),
        c if c.is_whitespace() || c.is_control() => format!("it has the character U+{:04X}", u32::from(c)),
        c => format!("it has `{c}`"),
    })
}

/// The role an owner plays in one assignment; a bit set so one owner can hold several.
pub mod role {
    pub const ACCOUNTABLE: u8 = 1;
    pub const RESPONSIBLE: u8 = 2;
    pub const CONSULTED: u8 = 4;
    pub const INFORMED: u8 = 8;
    pub const AFTER_HOURS: u8 = 16;
    pub const ESCALATION: u8 = 32;

    pub fn names(bits: u8) -> Vec<&'static str> {
        [
            (ACCOUNTABLE, "accountable"),
            (RESPONSIBLE, "responsible"),
            (CONSULTED, "consulted"),
            (INFORMED, "informed"),
            (AFTER_HOURS, "after-hours"),
            (ESCALATION, "escalation"),
        ]
        .iter()
        .filter(|(b, _)| bits & b != 0)
        .map(|(_, n)| *n)
        .collect()
    }
}

/// One workstream row of one playbook, with every owner resolved.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct Row {
    pub ws: usize,
    /// The key as written (for positions in diagnostics).
    pub key: String,
    /// The accountable, responsible, consulted, informed and escalation owners, one list after
    /// the other, in one allocation: rows are the bulk of a large site's model (1.2 million at
    /// 100,000 playbooks), and five `Vec<usize>` cost 120 bytes a row before their contents.
    owners: Box<[u32]>,
    /// Where each of the five lists ends in `owners`.
    ends: [u32; 5],
    pub coverage: Option<Hours>,
    pub after_hours: Option<usize>,
    pub handoff: Option<String>,
    pub internal_notes: Option<String>,
    /// Which side of the boundary holds the work, worked out once: every list shows it.
    side: Side,
}

/// One role's owners in a [`Row`], as registry indexes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Owners<'a>(&'a [u32]);

impl<'a> Owners<'a> {
    pub fn iter(self) -> OwnerIter<'a> {
        OwnerIter(self.0.iter())
    }
    pub fn len(self) -> usize {
        self.0.len()
    }
    pub fn is_empty(self) -> bool {
        self.0.is_empty()
    }
    pub fn first(self) -> Option<usize> {
        self.iter().next()
    }
    pub fn contains(self, owner: usize) -> bool {
        self.iter().any(|o| o == owner)
    }
    pub fn to_vec(self) -> Vec<usize> {
        self.iter().collect()
    }
}

impl<'a> IntoIterator for Owners<'a> {
    type Item = usize;
    type IntoIter = OwnerIter<'a>;
    fn into_iter(self) -> OwnerIter<'a> {
        self.iter()
    }
}

/// The registry indexes of an [`Owners`] list, in order.
#[derive(Clone)]
pub struct OwnerIter<'a>(std::slice::Iter<'a, u32>);

impl Iterator for OwnerIter<'_> {
    type Item = usize;
    fn next(&mut self) -> Option<usize> {
        self.0.next().map(|&o| o as usize)
    }
    fn size_hint(&self) -> (usize, Option<usize>) {
        self.0.size_hint()
    }
}

impl ExactSizeIterator for OwnerIter<'_> {}

/// A row's owner lists, in the order [`Row`] stores them.
#[derive(Debug, Default)]
pub struct RoleLists {
    pub accountable: Vec<usize>,
    pub responsible: Vec<usize>,
    pub consulted: Vec<usize>,
    pub informed: Vec<usize>,
    pub escalation: Vec<usize>,
}

/// The party kind of a row's doers (see [`Row::side`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
enum Side {
    Unassigned,
    One(PartyKind),
    Shared,
}

impl Side {
    fn of(accountable: &[usize], responsible: &[usize], reg: &Registry) -> Side {
        let doers = if responsible.is_empty() { accountable } else { responsible };
        let mut kinds = doers.iter().filter_map(|&o| reg.owner_party_kind(o));
        let Some(first) = kinds.next() else { return Side::Unassigned };
        if kinds.all(|k| k == first) { Side::One(first) } else { Side::Shared }
    }
}

impl Row {
    /// A row of workstream `ws` (written `key`); `side` is worked out from the owners.
    pub fn new(
        reg: &Registry,
        ws: usize,
        key: String,
        lists: RoleLists,
        coverage: Option<Hours>,
        after_hours: Option<usize>,
        notes: (Option<String>, Option<String>),
    ) -> Row {
        let side = Side::of(&lists.accountable, &lists.responsible, reg);
        let parts = [lists.accountable, lists.responsible, lists.consulted, lists.informed, lists.escalation];
        let mut owners = Vec::with_capacity(parts.iter().map(Vec::len).sum());
        let mut ends = [0u32; 5];
        for (end, part) in ends.iter_mut().zip(&parts) {
            // Registry indexes and list lengths are bounded by memory far below `u32::MAX`.
            owners.extend(part.iter().map(|&o| o as u32));
            *end = owners.len() as u32;
        }
        let (handoff, internal_notes) = notes;
        Row { ws, key, owners: owners.into_boxed_slice(), ends, coverage, after_hours, handoff, internal_notes, side }
    }

    fn list(&self, n: usize) -> Owners<'_> {
        let start = if n == 0 { 0 } else { self.ends[n - 1] as usize };
        Owners(&self.owners[start..self.ends[n] as usize])
    }
    pub fn accountable(&self) -> Owners<'_> {
        self.list(0)
    }
    pub fn responsible(&self) -> Owners<'_> {
        self.list(1)
    }
    pub fn consulted(&self) -> Owners<'_> {
        self.list(2)
    }
    pub fn informed(&self) -> Owners<'_> {
        self.list(3)
    }
    pub fn escalation(&self) -> Owners<'_> {
        self.list(4)
    }
    /// Every owner the five lists name (not the after-hours owner), for bounds checks.
    pub fn listed_owners(&self) -> Owners<'_> {
        Owners(&self.owners)
    }
    /// Whether the stored list ends fit the stored owners (a decoded cache is checked).
    pub fn is_well_formed(&self) -> bool {
        self.ends.windows(2).all(|w| w[0] <= w[1]) && self.ends[4] as usize == self.owners.len()
    }

    /// Every (owner, role bits) pair of this row, each owner once.
    pub fn owner_roles(&self) -> Vec<(usize, u8)> {
        let named = self.owners.len() + self.after_hours.iter().len();
        let mut out: Vec<(usize, u8)> = Vec::with_capacity(named);
        let mut add = |o: usize, bit: u8| match out.iter_mut().find(|(x, _)| *x == o) {
            Some((_, b)) => *b |= bit,
            None => out.push((o, bit)),
        };
        self.accountable().iter().for_each(|o| add(o, role::ACCOUNTABLE));
        self.responsible().iter().for_each(|o| add(o, role::RESPONSIBLE));
        self.consulted().iter().for_each(|o| add(o, role::CONSULTED));
        self.informed().iter().for_each(|o| add(o, role::INFORMED));
        self.after_hours.iter().for_each(|&o| add(o, role::AFTER_HOURS));
        self.escalation().iter().for_each(|o| add(o, role::ESCALATION));
        out
    }

    /// Which side of the boundary holds the work: the party kind of the responsible owners (the
    /// accountable owner when nobody is responsible), or `shared` when they sit on more than
    /// one side.
    pub fn side(&self) -> &'static str {
        match self.side {
            Side::Unassigned => "unassigned",
            Side::One(kind) => kind.as_str(),
            Side::Shared => "shared",
        }
    }
}

/// A reference from an owner index back to a playbook row. Indexes are stored as `u32`: there
/// is one holding per owner per row (60 per playbook is common), so at 100,000 playbooks the
/// width of this struct is hundreds of megabytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Holding {
    page: u32,
    /// The row's workstream, so views grouping by workstream need not look the row up.
    ws: u32,
    pub roles: u8,
}

impl Holding {
    // Page, row and workstream counts are bounded by memory far below `u32::MAX`.
    fn new(page: usize, ws: usize, roles: u8) -> Holding {
        Holding { page: page as u32, ws: ws as u32, roles }
    }
    pub fn page(&self) -> usize {
        self.page as usize
    }
    pub fn ws(&self) -> usize {
        self.ws as usize
    }
}

#[derive(Debug, Clone, Default, serde::Serialize, serde::Deserialize)]
pub struct Ownership {
    /// Rows of each page, indexed like the site's pages (sections have none).
    pub rows: Vec<Vec<Row>>,
    /// Client party of each page, when it names a known one.
    pub client: Vec<Option<usize>>,
    /// Per owner: every row they hold, in page order.
    pub by_owner: Vec<Vec<Holding>>,
    /// Per workstream: (page, row) in page order.
    pub by_workstream: Vec<Vec<(usize, usize)>>,
    /// Per party: pages whose client it is.
    pub pages_by_party: Vec<Vec<usize>>,
}

impl Ownership {
    /// Resolves every visible page's assignments and builds all indexes in one pass.
    /// `visible[i]` says whether page `i` is part of this build (audience, drafts).
    pub fn build(reg: &Registry, pages: &[Page], visible: &[bool], diags: &mut Vec<Diagnostic>) -> Self {
        use rayon::prelude::*;
        let resolved = pages.par_iter().map(|p| resolve_page(reg, p)).collect();
        Self::from_resolved(reg, resolved, visible, diags)
    }

    /// Like [`Ownership::build`], from every page already resolved (a one-shot build resolves
    /// each with [`resolve_and_free`] as it is read).
    pub fn from_resolved(reg: &Registry, resolved: Vec<Resolved>, visible: &[bool], diags: &mut Vec<Diagnostic>) -> Self {
        let mut rows = Vec::with_capacity(resolved.len());
        let mut client = Vec::with_capacity(resolved.len());
        for (i, (r, c, d)) in resolved.into_iter().enumerate() {
            diags.extend(d);
            rows.push(if visible[i] { r } else { Vec::new() });
            client.push(c);
        }
        Self::from_rows(reg, rows, client, visible)
    }

    /// Builds the indexes from resolved rows (empty for pages outside the build).
    pub fn from_rows(reg: &Registry, rows: Vec<Vec<Row>>, client: Vec<Option<usize>>, visible: &[bool]) -> Self {
        Self::from_rows_in_blocks(reg, rows, client, visible, HOLDINGS_BLOCK)
    }

    fn from_rows_in_blocks(reg: &Registry, rows: Vec<Vec<Row>>, client: Vec<Option<usize>>, visible: &[bool], block: usize) -> Self {
        let by_owner = holdings_by_owner(reg.owners.len(), &rows, visible, block);
        let mut own = Ownership {
            rows: Vec::new(),
            client: Vec::new(),
            by_owner,
            by_workstream: vec![Vec::new(); reg.workstreams.len()],
            pages_by_party: vec![Vec::new(); reg.parties.len()],
        };
        for (i, page_rows) in rows.iter().enumerate() {
            if !visible[i] {
                continue;
            }
            for (r, row) in page_rows.iter().enumerate() {
                own.by_workstream[row.ws].push((i, r));
            }
            if let Some(c) = client[i] {
                own.pages_by_party[c].push(i);
            }
        }
        // Lists grown by doubling hold up to twice what they use; a build keeps them to the end.
        own.by_workstream.iter_mut().for_each(Vec::shrink_to_fit);
        own.rows = rows;
        own.client = client;
        own
    }
}

/// Pages per block when the owners' holdings are listed in parallel.
const HOLDINGS_BLOCK: usize = 4096;

/// Every owner's holdings in page order, each list allocated once at its length. Each block of
/// `block` pages sorts its holdings by owner on its own thread (a counting sort, so page order
/// holds within an owner); an owner's list is then its run in each block, block after block.
/// Pushing every holding onto its owner's list in turn was a serial pass whose writes jumped
/// between 10,000 growing lists at 100,000 playbooks.
fn holdings_by_owner(owners: usize, rows: &[Vec<Row>], visible: &[bool], block: usize) -> Vec<Vec<Holding>> {
    use rayon::prelude::*;
    let block = block.max(1);
    let blocks: Vec<(Vec<u32>, Vec<Holding>)> = rows
        .par_chunks(block)
        .enumerate()
        .map(|(b, chunk)| {
            let mut listed: Vec<(u32, Holding)> = Vec::new();
            for (k, page_rows) in chunk.iter().enumerate() {
                let i = b * block + k;
                if !visible[i] {
                    continue;
                }
                for row in page_rows {
                    listed.extend(row.owner_roles().into_iter().map(|(o, roles)| (o as u32, Holding::new(i, row.ws, roles))));
                }
            }
            // starts[o]..starts[o + 1] is owner o's run in `sorted`.
            let mut starts = vec![0u32; owners + 1];
            for &(o, _) in &listed {
                starts[o as usize + 1] += 1;
            }
            for o in 0..owners {
                starts[o + 1] += starts[o];
            }
            let mut next = starts.clone();
            let mut sorted = vec![Holding::new(0, 0, 0); listed.len()];
            for (o, h) in listed {
                let at = &mut next[o as usize];
                sorted[*at as usize] = h;
                *at += 1;
            }
            (starts, sorted)
        })
        .collect();
    (0..owners)
        .into_par_iter()
        .map(|o| {
            let run = |starts: &[u32]| starts[o] as usize..starts[o + 1] as usize;
            let mut list = Vec::with_capacity(blocks.iter().map(|(starts, _)| run(starts).len()).sum());
            for (starts, sorted) in &blocks {
                list.extend_from_slice(&sorted[run(starts)]);
            }
            list
        })
        .collect()
}

impl Ownership {
    /// Replaces one visible page's rows and client, keeping every index in page order. Costs
    /// the size of the touched owners' and workstreams' lists, not a pass over all pages.
    pub fn replace_page(&mut self, i: usize, rows: Vec<Row>, client: Option<usize>) {
        // Every list is in page order, so page `i`'s entries are one range of it, replaced by
        // a splice: in place when the count is unchanged (a warm build replaying a thousand
        // edits would otherwise shift 10,000-entry lists twice an edit).
        let mut workstreams: Vec<usize> = self.rows[i].iter().chain(&rows).map(|r| r.ws).collect();
        workstreams.sort_unstable();
        workstreams.dedup();
        for w in workstreams {
            let new: Vec<(usize, usize)> = rows.iter().enumerate().filter(|(_, r)| r.ws == w).map(|(k, _)| (i, k)).collect();
            let list = &mut self.by_workstream[w];
            let range = list.partition_point(|(p, _)| *p < i)..list.partition_point(|(p, _)| *p <= i);
            list.splice(range, new);
        }
        // Each owner of the old or the new rows once, with its new holdings (none if it left).
        let mut owners: Vec<usize> = self.rows[i].iter().chain(&rows).flat_map(|r| r.owner_roles()).map(|(o, _)| o).collect();
        owners.sort_unstable();
        owners.dedup();
        let mut per_owner: Vec<(usize, Vec<Holding>)> = owners.into_iter().map(|o| (o, Vec::new())).collect();
        for row in &rows {
            for (o, roles) in row.owner_roles() {
                if let Ok(k) = per_owner.binary_search_by_key(&o, |(x, _)| *x) {
                    per_owner[k].1.push(Holding::new(i, row.ws, roles));
                }
            }
        }
        for (o, holdings) in per_owner {
            let list = &mut self.by_owner[o];
            let range = list.partition_point(|h| h.page() < i)..list.partition_point(|h| h.page() <= i);
            list.splice(range, holdings);
        }
        for c in self.client[i].into_iter().chain(client) {
            let list = &mut self.pages_by_party[c];
            let range = list.partition_point(|p| *p < i)..list.partition_point(|p| *p <= i);
            list.splice(range, (client == Some(c)).then_some(i));
        }
        self.rows[i] = rows;
        self.client[i] = client;
    }
}

/// One page's ownership rows, its client party and the problems found resolving them.
pub type Resolved = (Vec<Row>, Option<usize>, Vec<Diagnostic>);

/// [`resolve_page`] for a one-shot build, which then frees the parts of the page's raw
/// assignments that no check reads (responsible, consulted, informed and after-hours owners,
/// handoff and notes: all in the rows now). Called as each page is read, so the raw
/// assignments of every page are never all held at once, nor beside every page's rows. The
/// checks still find each entry's key, accountable owners, escalation path and shape.
pub fn resolve_and_free(reg: &Registry, page: &mut Page) -> Resolved {
    let resolved = resolve_page(reg, page);
    for (_, entry) in &mut page.fm.workstreams.entries {
        let a = &mut entry.0;
        a.responsible = Default::default();
        a.consulted = Default::default();
        a.informed = Default::default();
        a.after_hours = None;
        a.handoff = None;
        a.internal_notes = None;
    }
    resolved
}

pub fn resolve_page(reg: &Registry, page: &Page) -> Resolved {
    let mut diags = Vec::new();
    let fm = &page.fm;
    if fm.workstreams.is_empty() && fm.client.is_none() {
        return (Vec::new(), None, diags);
    }
    let idx = page.lazy_index();
    let client = fm.client.as_deref().and_then(|c| {
        let found = reg.party(c);
        match found {
            None => {
                diags.push(
                    Diagnostic::error("unknown-client", page.file.as_str(), format!("`client: {c}` is not a party in demarcate.yaml"))
                        .at(idx.value(&["client"], c))
                        .maybe_help(reg.suggest_client(c)),
                );
            }
            Some(p) if reg.parties[p].1.kind != PartyKind::Client => {
                diags.push(
                    Diagnostic::error(
                        "unknown-client",
                        page.file.as_str(),
                        format!("`client: {c}` is a {} party, not a client", reg.parties[p].1.kind.as_str()),
                    )
                    .at(idx.value(&["client"], c))
                    .help("`client:` names the party whose engagement this playbook describes (kind: client)"),
                );
            }
            _ => {}
        }
        found.filter(|&p| reg.parties[p].1.kind == PartyKind::Client)
    });
    for dup in &fm.workstreams.duplicates {
        diags.push(
            Diagnostic::error("duplicate-workstream", page.file.as_str(), format!("workstream `{dup}` is listed twice"))
                .at(idx.key_last(&["workstreams", dup]))
                .help("merge the two entries into one"),
        );
    }
    let mut rows = Vec::with_capacity(fm.workstreams.len());
    let mut seen: HashMap<usize, String> = HashMap::default();
    for (key, entry) in fm.workstreams.iter() {
        let a = &entry.0;
        let Some(ws) = reg.workstream(key) else {
            let help = reg.suggest_workstream(key).or(Some("add it to `workstreams:` in demarcate.yaml".into()));
            diags.push(
                Diagnostic::error("unknown-workstream", page.file.as_str(), format!("unknown workstream `{key}`"))
                    .at(idx.key(&["workstreams", key]))
                    .maybe_help(help),
            );
            continue;
        };
        if let Some(first) = seen.get(&ws) {
            diags.push(
                Diagnostic::error("duplicate-workstream", page.file.as_str(), format!("`{key}` and `{first}` are the same workstream"))
                    .at(idx.key(&["workstreams", key]))
                    .help("an alias names the same workstream; merge the entries"),
            );
            continue;
        }
        seen.insert(ws, key.clone());
        let mut resolve_list = |field: &str, names: &[String]| -> Vec<usize> {
            let mut out = Vec::with_capacity(names.len());
            for n in names {
                match reg.owner(n) {
                    Some(o) => out.push(o),
                    // The shorthand names one owner twice (accountable and responsible): report once.
                    None if a.shorthand && field == "responsible" => {}
                    None => {
                        let path: Vec<&str> = if a.shorthand { vec!["workstreams", key] } else { vec!["workstreams", key, field] };
                        diags.push(
                            Diagnostic::error("unknown-owner", page.file.as_str(), format!("unknown owner `{n}` ({field} of `{key}`)"))
                                .at(idx.value(&path, n))
                                .maybe_help(reg.suggest_owner(n).or(Some("add the owner under `owners:` in demarcate.yaml".into()))),
                        );
                    }
                }
            }
            out
        };
        let accountable = resolve_list("accountable", &a.accountable.0);
        let responsible = resolve_list("responsible", &a.responsible.0);
        let consulted = resolve_list("consulted", &a.consulted.0);
        let informed = resolve_list("informed", &a.informed.0);
        let after_hours = a.after_hours.as_ref().and_then(|n| resolve_list("after_hours", std::slice::from_ref(n)).first().copied());
        let escalation = resolve_list("escalation", &a.escalation.0);
        let lists = RoleLists { accountable, responsible, consulted, informed, escalation };
        rows.push(Row::new(reg, ws, key.clone(), lists, a.coverage, after_hours, (a.handoff.clone(), a.internal_notes.clone())));
    }
    (rows, client, diags)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn registry() -> Registry {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("demarcate.yaml"),
            "title: T\nparties:\n  msp: {name: MSP, kind: provider}\n  acme: {name: Acme, kind: client}\n\
             owners:\n  desk: {name: Desk, party: msp}\n  noc: {name: NOC, party: msp}\n  it: {name: Acme IT, party: acme}\n",
        )
        .unwrap();
        let mut diags = crate::diagnostics::Diagnostics::default();
        let cfg = crate::config::load(dir.path(), &mut diags).expect("the test configuration loads");
        Registry::new(&cfg, &mut Vec::new())
    }

    #[test]
    fn a_row_keeps_each_role_list_apart_in_one_allocation() {
        let reg = registry();
        let (desk, noc, it) = (reg.owner("desk").unwrap(), reg.owner("noc").unwrap(), reg.owner("it").unwrap());
        let lists = RoleLists {
            accountable: vec![desk],
            responsible: vec![desk, it],
            consulted: vec![],
            informed: vec![noc, it, desk],
            escalation: vec![desk, noc],
        };
        let row = Row::new(&reg, 0, "help-desk".into(), lists, None, Some(noc), (None, None));
        assert_eq!(row.accountable().to_vec(), [desk]);
        assert_eq!(row.responsible().to_vec(), [desk, it]);
        assert!(row.consulted().is_empty());
        assert_eq!(row.informed().to_vec(), [noc, it, desk]);
        assert_eq!(row.escalation().to_vec(), [desk, noc]);
        assert_eq!(row.listed_owners().len(), 8);
        assert_eq!(row.side(), "shared", "responsible owners on both sides");
        let roles = row.owner_roles();
        let bits = |o| roles.iter().find(|(x, _)| *x == o).map(|(_, b)| *b).unwrap();
        assert_eq!(bits(desk), role::ACCOUNTABLE | role::RESPONSIBLE | role::INFORMED | role::ESCALATION);
        assert_eq!(bits(noc), role::INFORMED | role::AFTER_HOURS | role::ESCALATION);
        assert_eq!(roles.len(), 3, "each owner once");
        assert!(row.is_well_formed());

        let empty = Row::new(&reg, 1, "patching".into(), RoleLists::default(), None, None, (None, None));
        assert!(empty.accountable().is_empty() && empty.escalation().first().is_none());
        assert_eq!(empty.side(), "unassigned");
        assert!(empty.is_well_formed());
    }

    #[test]
    fn holdings_listed_in_blocks_keep_page_order_whatever_the_block_size() {
        let reg = registry();
        let (desk, noc, it) = (reg.owner("desk").unwrap(), reg.owner("noc").unwrap(), reg.owner("it").unwrap());
        let row = |ws: usize, accountable: Vec<usize>, informed: Vec<usize>| {
            let lists = RoleLists { responsible: accountable.clone(), accountable, informed, ..RoleLists::default() };
            Row::new(&reg, ws, format!("ws{ws}"), lists, None, None, (None, None))
        };
        // Eleven pages: some hidden, one without rows, owners in changing order.
        let rows: Vec<Vec<Row>> = (0..11)
            .map(|i| match i % 4 {
                0 => vec![row(0, vec![desk], vec![noc, it]), row(1, vec![it], vec![desk])],
                1 => vec![row(1, vec![noc], vec![])],
                2 => Vec::new(),
                _ => vec![row(0, vec![it], vec![noc]), row(1, vec![desk], vec![it, noc])],
            })
            .collect();
        let visible: Vec<bool> = (0..11).map(|i| i != 3 && i != 8).collect();
        let mut expected = vec![Vec::new(); reg.owners.len()];
        for (i, page_rows) in rows.iter().enumerate().filter(|(i, _)| visible[*i]) {
            for row in page_rows {
                for (o, roles) in row.owner_roles() {
                    expected[o].push(Holding::new(i, row.ws, roles));
                }
            }
        }
        assert!(expected.iter().all(|l| l.len() >= 5), "{expected:?}");
        for block in [1, 2, 3, 4, 10, 11, 4096] {
            let own = Ownership::from_rows_in_blocks(&reg, rows.clone(), vec![None; 11], &visible, block);
            assert_eq!(own.by_owner, expected, "blocks of {block}");
            assert!(own.by_owner.iter().all(|l| l.capacity() == l.len()), "blocks of {block}");
        }
    }

    #[test]
    fn list_ends_that_do_not_fit_the_owners_are_not_well_formed() {
        let reg = registry();
        let lists = RoleLists { accountable: vec![0], responsible: vec![1], ..RoleLists::default() };
        let row = Row::new(&reg, 0, "k".into(), lists, None, None, (None, None));
        // What a damaged cache could decode to: ends past the owners, or going backwards.
        let mut past = row.clone();
        past.ends[4] = 9;
        assert!(!past.is_well_formed());
        let mut backwards = row.clone();
        backwards.ends = [2, 1, 2, 2, 2];
        assert!(!backwards.is_well_formed());
    }
}
