//! How the model takes a change without being loaded again, shared by `serve` and warm
//! builds: an edited body (`Site::refresh_body`), edited front-matter
//! (`Site::refresh_front_matter`, with the views it affects), the checks that look at the whole
//! site run once after a batch of edits, and playbooks or sections added and deleted
//! (`Site::with_pages_moved`).

use crate::{HashMap, HashSet};
use std::collections::BTreeMap;

use super::client_guide::ClientGuide;
use super::links::check_duplicate_urls;
use super::{
    Affected, BuildOptions, FaqItem, LINK_CODES, REGISTRY_CODES, Refreshed, Site, SiteChecks, children, holdings, in_build, in_build_as,
    in_new_order, section_rel,
};
use crate::config::Audience;
use crate::content::{self, Page};
use crate::diagnostics::{Diagnostic, Diagnostics};
use crate::ownership::Ownership;

impl Site {
    /// The fast path for an edit that changed only the body of page `i` (`raw` is the new file
    /// text). Re-renders that page's Markdown and FAQ and re-runs the link check. Returns `None`
    /// when more than the body changed (front-matter or title), so the caller must reload;
    /// otherwise whether the page's questions changed (the site-wide FAQ needs re-rendering).
    pub fn refresh_body(&mut self, i: usize, raw: String) -> Option<bool> {
        self.refresh_body_with(i, raw, SiteChecks::Now)
    }

    fn refresh_body_with(&mut self, i: usize, raw: String, site_checks: SiteChecks) -> Option<bool> {
        let raw = content::without_byte_order_mark(raw);
        let (fm_range, fm_line, body_start, body_line) = content::split_front_matter(&raw).ok()?;
        let page = &self.pages[i];
        if content::text_hash(raw[fm_range.clone()].as_bytes()) != page.yaml_hash || !self.visible[i] {
            return None;
        }
        if content::page_title(&page.fm, &raw[body_start..], &page.rel, page.is_section) != page.title {
            return None;
        }
        // The front-matter text is unchanged, but a page restored from the build cache keeps
        // only the fields rendering needs: parsing it again gives back the rest (the FAQ
        // entries whose answers are rendered below).
        let (parsed, parse_diags) = content::parse_page(raw.clone(), &page.rel, self.cfg.config.front_matter.unknown_keys);
        // A control character written into the body: an error, which a load reports.
        if parse_diags.iter().any(|d| d.code == crate::control_chars::CODE) {
            return None;
        }
        let fm = parsed?.fm;
        let page = &mut self.pages[i];
        page.fm = fm;
        page.raw = raw;
        page.fm_range = fm_range;
        page.fm_line = fm_line;
        page.body_start = body_start;
        page.body_line = body_line;
        page.fm_text_released = false;
        let file = page.file.clone();
        let pm = self.page_markdown(i);
        let diags = self.store_markdown(i, pm);
        let faqs = self.page_faqs(i);
        let faq_changed = faqs != self.faqs[i];
        self.faqs[i] = faqs;
        let stale = |d: &Diagnostic| LINK_CODES.contains(&d.code) || (d.code == "internal-block" && d.file == file);
        self.diagnostics.items.retain(|d| !stale(d));
        self.diagnostics.extend(diags);
        if site_checks == SiteChecks::Now {
            self.check_links();
            // The page's own diagnostics and the links', at the severities `checks:` gives
            // them (deferred, [`Site::run_site_checks`] sets them).
            crate::check::set_levels(&self.cfg, &mut self.diagnostics);
            self.diagnostics.sort();
        }
        Some(faq_changed)
    }

    /// The fast paths for an edited page `i` (`raw` is its new text): body only, else the
    /// front-matter of one playbook. `None` when a full rebuild is needed.
    pub fn refresh(&mut self, i: usize, raw: String) -> Option<Refreshed> {
        self.refresh_with(i, raw, SiteChecks::Now)
    }

    /// [`Site::refresh`] without the checks that look at the whole site (links, the registry's
    /// unused owners, how many pages the site-wide FAQ takes): replaying many edits, each would
    /// cost a pass over every page. The caller runs the checks once with
    /// [`Site::run_site_checks`] after the last edit, and compares the FAQ's page count with
    /// the one before the first edit that changed questions ([`Site::faq_pages_with`]).
    pub fn refresh_deferring_site_checks(&mut self, i: usize, raw: String) -> Option<Refreshed> {
        self.refresh_with(i, raw, SiteChecks::Later)
    }

    /// The site-wide checks [`Site::refresh_deferring_site_checks`] left out: links and anchors,
    /// the registry, severity overrides; afterwards the diagnostics are those of a cold load.
    pub fn run_site_checks(&mut self) {
        self.diagnostics.items.retain(|d| !LINK_CODES.contains(&d.code) && !REGISTRY_CODES.contains(&d.code));
        self.check_links();
        let found = crate::check::check_registry(self);
        self.diagnostics.extend(found);
        crate::check::apply_levels(&self.cfg, &mut self.diagnostics);
        self.diagnostics.sort();
    }

    fn refresh_with(&mut self, i: usize, raw: String, site_checks: SiteChecks) -> Option<Refreshed> {
        // A FAQ of more than a page's worth of questions runs over several pages; an edit that
        // changes how many takes the full path, as for the other long lists. Counting them is
        // a pass over every question: done only when this page's questions changed.
        let old_faqs = (site_checks == SiteChecks::Now).then(|| self.faqs.get(i).cloned().unwrap_or_default());
        let refreshed = match self.refresh_body_with(i, raw.clone(), site_checks) {
            Some(faq_changed) => Refreshed::Body { faq_changed },
            None => self.refresh_front_matter_with(i, raw, site_checks)?,
        };
        if let Some(old) = old_faqs
            && old != self.faqs[i]
            && self.faqs.iter().map(Vec::len).sum::<usize>() + old.len() > crate::render::FAQ_FULL_LIMIT
        {
            let after = crate::render::faq_page_count(self);
            if self.faq_pages_with(i, old) != after {
                return None;
            }
        }
        Some(refreshed)
    }

    /// How many pages the site-wide FAQ would take were page `i`'s questions `faqs`: the count
    /// before an edit of that page, given its questions from before.
    pub fn faq_pages_with(&mut self, i: usize, faqs: Vec<FaqItem>) -> usize {
        let current = std::mem::replace(&mut self.faqs[i], faqs);
        let pages = crate::render::faq_page_count(self);
        self.faqs[i] = current;
        pages
    }

    /// The fast path for a front-matter edit of one playbook or section (`raw` is the new file
    /// text): re-parses it, updates the ownership indexes in place, re-renders its Markdown and
    /// re-runs the link check and its checks. Returns what must be re-rendered (nothing for a
    /// playbook outside the build, [`Refreshed::Hidden`]), or `None` when the edit can change
    /// more than that (URL, audience, draft state, in one client's guide its client, errors in
    /// the new front-matter, in a client build an owner's page coming or going; for a section
    /// see `refresh_section_front_matter`), so the caller must rebuild everything.
    pub fn refresh_front_matter(&mut self, i: usize, raw: String) -> Option<Refreshed> {
        self.refresh_front_matter_with(i, raw, SiteChecks::Now)
    }

    fn refresh_front_matter_with(&mut self, i: usize, raw: String, site_checks: SiteChecks) -> Option<Refreshed> {
        let raw = content::without_byte_order_mark(raw);
        let old = &self.pages[i];
        // A section outside the build may still head pages inside it (their breadcrumbs).
        if !self.visible[i] && old.is_section {
            return None;
        }
        let (new, parse_diags) = content::parse_page(raw, &old.rel, self.cfg.config.front_matter.unknown_keys);
        let mut new = new?;
        if parse_diags.iter().any(|d| d.severity == crate::diagnostics::Severity::Error)
            || new.path != old.path
            || new.fm.audience != old.fm.audience
            || new.fm.draft != old.fm.draft
            // In one client's guide, whose a page is decides whether it and its folders show.
            || (self.guide.is_some() && new.fm.client != old.fm.client)
        {
            return None;
        }
        new.audience = old.audience;
        if !self.visible[i] {
            return self.refresh_hidden_front_matter(i, new, parse_diags, site_checks);
        }
        if old.is_section {
            return self.refresh_section_front_matter(i, new, parse_diags, site_checks).map(Refreshed::FrontMatter);
        }
        let file = old.file.clone();
        let title_changed = new.title != old.title;
        let (rows, client, own_diags) = crate::ownership::resolve_page(&self.reg, &new);
        // What views show of this page: its listing (title, summary, client, model, status, dates, tags),
        // each owner's roles in it, each workstream's row. Only views showing something that
        // changed are re-rendered.
        let listing = title_changed
            || client != self.own.client[i]
            || (new.fm.summary.as_ref(), new.fm.model.as_ref(), new.fm.status, new.fm.updated.as_ref(), &new.fm.tags.0, new.fm.weight)
                != (old.fm.summary.as_ref(), old.fm.model.as_ref(), old.fm.status, old.fm.updated.as_ref(), &old.fm.tags.0, old.fm.weight);
        let old_rows = &self.own.rows[i];
        let (old_holdings, new_holdings) = (holdings(old_rows), holdings(&rows));
        let mut owners: Vec<usize> = old_holdings.keys().chain(new_holdings.keys()).copied().collect();
        owners.sort_unstable();
        owners.dedup();
        let roles_changed: Vec<usize> = owners.iter().copied().filter(|o| old_holdings.get(o) != new_holdings.get(o)).collect();
        // In a client build an owner has a page only while it holds visible work, and every view
        // that names it links there or not: an edit that gives an owner its first role or takes
        // its last takes the full path.
        let holding_count = |o: usize| {
            let (had, has) = (old_holdings.get(&o).map_or(0, Vec::len), new_holdings.get(&o).map_or(0, Vec::len));
            (self.own.by_owner[o].len(), self.own.by_owner[o].len() + has - had)
        };
        if self.audience == Audience::Client
            && roles_changed.iter().any(|&o| {
                let (before, after) = holding_count(o);
                (before == 0) != (after == 0)
            })
        {
            return None;
        }
        // Likewise a party (`render::parties_shown`): an edit that gives a client its first
        // visible playbook or takes its last.
        if self.audience == Audience::Client && client != self.own.client[i] {
            let last = self.own.client[i].is_some_and(|c| self.own.pages_by_party[c].len() == 1);
            let first = client.is_some_and(|c| self.own.pages_by_party[c].is_empty());
            if last || first {
                return None;
            }
        }
        if !listing {
            owners = roles_changed.clone();
        }
        let shown = |r: &crate::ownership::Row| (r.accountable().first(), r.responsible().to_vec(), r.coverage, r.side());
        let old_shown: BTreeMap<usize, _> = old_rows.iter().map(|r| (r.ws, shown(r))).collect();
        let new_shown: BTreeMap<usize, _> = rows.iter().map(|r| (r.ws, shown(r))).collect();
        let mut touched: Vec<usize> = old_shown.keys().chain(new_shown.keys()).copied().collect();
        touched.sort_unstable();
        touched.dedup();
        let same_workstreams = old_shown.keys().eq(new_shown.keys());
        let matrix = listing || !same_workstreams || old_shown.iter().zip(&new_shown).any(|((_, a), (_, b))| (a.0, a.3) != (b.0, b.3));
        let ws_before: Vec<(usize, crate::render::Paging)> =
            touched.iter().map(|&w| (w, crate::render::ws_paging(self, w).clone())).collect();
        let matrix_before = crate::render::matrix_paging(self).clone();
        // A long list gaining or losing a page changes the pager of all its pages, the sitemap
        // and which files exist: the full path handles that (rare) case. Only a list this page
        // comes into or leaves can be cut otherwise.
        let pages_of = crate::render::page_count;
        let new_len = |before: usize, had: bool, has: bool| before + usize::from(has) - usize::from(had);
        let recut = |listed: &mut dyn Iterator<Item = usize>, before: &crate::render::Paging, had: bool, has: bool| {
            had != has && crate::render::paging_with(self, listed, i, has).count() != before.count()
        };
        let lists_repaginate =
            ws_before.iter().any(|(w, before)| {
                recut(&mut self.own.by_workstream[*w].iter().map(|&(p, _)| p), before, old_shown.contains_key(w), new_shown.contains_key(w))
            }) || recut(&mut crate::render::matrix_listed(self).iter().copied(), &matrix_before, !old_rows.is_empty(), !rows.is_empty())
                || roles_changed.iter().any(|&o| {
                    let (before, after) = holding_count(o);
                    pages_of(before) != pages_of(after)
                });
        if lists_repaginate {
            return None;
        }
        // The matrix has a column per workstream in use anywhere.
        let matrix_columns = ws_before.iter().any(|(w, before)| {
            (before.total() == 0) != (new_len(before.total(), old_shown.contains_key(w), new_shown.contains_key(w)) == 0)
        });
        let mut parties: Vec<usize> = roles_changed.iter().filter_map(|&o| self.reg.owner_party[o]).collect();
        if listing {
            parties.extend(self.own.client[i].into_iter().chain(client));
        }
        parties.sort_unstable();
        parties.dedup();
        // The lists this page comes into or leaves are cut again when next asked.
        let moved_in_or_out: Vec<usize> =
            touched.iter().copied().filter(|w| old_shown.contains_key(w) != new_shown.contains_key(w)).collect();
        let matrix_changed = old_rows.is_empty() != rows.is_empty();
        self.pages[i] = new;
        self.own.replace_page(i, rows, client);
        for w in moved_in_or_out {
            self.cuts.forget_ws(w);
        }
        if matrix_changed {
            self.cuts.forget_matrix();
        }
        let pm = self.page_markdown(i);
        let md_diags = self.store_markdown(i, pm);
        let faqs = self.page_faqs(i);
        // /faq/ groups questions under the playbook's listing (title, client, model).
        let faq = faqs != self.faqs[i] || (listing && !faqs.is_empty());
        // A workstream's first page lists the questions tied to it.
        let workstreams: Vec<usize> = touched
            .iter()
            .copied()
            .filter(|w| {
                listing
                    || old_shown.get(w) != new_shown.get(w)
                    || (faqs != self.faqs[i] && self.faqs[i].iter().chain(&faqs).any(|f| f.workstreams.contains(w)))
            })
            .collect();
        self.faqs[i] = faqs;
        self.recheck(i, &file, [parse_diags, own_diags, md_diags].concat(), site_checks);
        // Section pages that list this page, when its listing changed.
        let mut pages = vec![i];
        if listing {
            pages.extend((0..self.pages.len()).filter(|&s| self.children.get(s).is_some_and(|c| c.pages.contains(&i))));
        }
        Some(Refreshed::FrontMatter(Affected {
            pages,
            owners,
            workstreams,
            parties,
            faq,
            matrix,
            matrix_columns,
            owners_index: !roles_changed.is_empty(),
            workstreams_index: !same_workstreams,
            listing,
            ws_before,
            matrix_before: Some(matrix_before),
            exports: true,
        }))
    }

    /// [`Site::refresh_front_matter`] for a playbook outside this build (internal in a client
    /// build, a draft, another client's in a guide), its new text parsed cleanly as `new` and
    /// still outside it (the caller checked its URL, audience, draft state and, in a guide, its
    /// client). No view shows it, so nothing is rendered: only its diagnostics change, as a
    /// load would find them (a load parses and resolves every page, shown or not, and runs the
    /// checks that do not need it shown). `None` when its client changed: the parties it
    /// counts for are worked out on a load.
    fn refresh_hidden_front_matter(
        &mut self,
        i: usize,
        new: Page,
        parse_diags: Vec<Diagnostic>,
        site_checks: SiteChecks,
    ) -> Option<Refreshed> {
        let (_, client, own_diags) = crate::ownership::resolve_page(&self.reg, &new);
        if client != self.own.client[i] {
            return None;
        }
        let file = self.pages[i].file.clone();
        self.pages[i] = new;
        self.recheck(i, &file, [parse_diags, own_diags].concat(), site_checks);
        Some(Refreshed::Hidden)
    }

    /// [`Site::refresh_front_matter`] for a section (`_index.md`, visible), its new text parsed
    /// cleanly as `new` (the caller checked its URL, audience and draft state, which every page
    /// below inherits): its page, the section listing it, the pages below it when its title
    /// changed (their breadcrumbs), home and the sitemap when its date changed, the FAQ and the
    /// first page of the workstreams its questions name when those show something else. `None`
    /// when the edit can change more: a top-level section's title (every page's navigation),
    /// ownership rows or a client on the section (the lists of playbooks).
    fn refresh_section_front_matter(
        &mut self,
        i: usize,
        new: Page,
        parse_diags: Vec<Diagnostic>,
        site_checks: SiteChecks,
    ) -> Option<Affected> {
        let old = &self.pages[i];
        let title_changed = new.title != old.title;
        let top_level = !old.dir().is_empty() && !old.dir().contains('/');
        if top_level && title_changed {
            return None;
        }
        let (rows, client, own_diags) = crate::ownership::resolve_page(&self.reg, &new);
        if !rows.is_empty() || client.is_some() || !self.own.rows[i].is_empty() || self.own.client[i].is_some() {
            return None;
        }
        let dated = new.fm.updated != old.fm.updated;
        let file = old.file.clone();
        let below = format!("{}/", old.dir());
        self.pages[i] = new;
        let pm = self.page_markdown(i);
        let md_diags = self.store_markdown(i, pm);
        let faqs = self.page_faqs(i);
        // /faq/ groups questions under their page's title; a workstream's first page lists the
        // questions tied to it.
        let faq = faqs != self.faqs[i] || (title_changed && !faqs.is_empty());
        let mut workstreams: Vec<usize> =
            if faq { self.faqs[i].iter().chain(&faqs).flat_map(|f| f.workstreams.iter().copied()).collect() } else { Vec::new() };
        workstreams.sort_unstable();
        workstreams.dedup();
        self.faqs[i] = faqs;
        self.recheck(i, &file, [parse_diags, own_diags, md_diags].concat(), site_checks);
        let mut pages = vec![i];
        pages.extend((0..self.pages.len()).filter(|&s| self.children.get(s).is_some_and(|c| c.sections.contains(&i))));
        if title_changed && below != "/" {
            pages.extend((0..self.pages.len()).filter(|&j| j != i && self.visible[j] && self.pages[j].rel.starts_with(&below)));
        }
        let ws_before = workstreams.iter().map(|&w| (w, crate::render::ws_paging(self, w).clone())).collect();
        Some(Affected {
            pages,
            owners: Vec::new(),
            workstreams,
            parties: Vec::new(),
            faq,
            matrix: false,
            matrix_columns: false,
            owners_index: false,
            workstreams_index: false,
            listing: dated,
            ws_before,
            matrix_before: None,
            exports: false,
        })
    }

    /// After a front-matter edit of page `i` (its `file`): its diagnostics become `found` (from
    /// parsing, ownership and Markdown) and its checks' (the link and registry diagnostics of
    /// every file go in [`Site::run_site_checks`], run here with `SiteChecks::Now`).
    fn recheck(&mut self, i: usize, file: &str, found: Vec<Diagnostic>, site_checks: SiteChecks) {
        self.diagnostics.items.retain(|d| d.file != file);
        self.diagnostics.extend(found);
        let mut checked = Vec::new();
        crate::check::check_page(self, i, &crate::check::today(), &crate::check::required_workstreams(self), &mut checked);
        self.diagnostics.extend(checked);
        if site_checks == SiteChecks::Now {
            self.run_site_checks();
        }
    }

    /// The model with playbooks added and deleted (a warm build, see [`crate::cache::Moved`]):
    /// what loading the files now would make, short of the site-wide checks, which the caller
    /// runs ([`Site::run_site_checks`]). An error when more than these pages would change, so
    /// that the caller builds cold: a new page with an error or sharing a URL, a page
    /// whose Markdown links to one that came or went (unless it is among `rereading`, the pages
    /// the caller replays edits of next, which renders their Markdown again), an owner gaining
    /// or losing its page (a client build shows only owners with visible work), a section (an
    /// `_index.md`) coming or going at the top level (every page's navigation) or changing the
    /// audience of a page or file that stays, or in one client's guide a folder coming into it
    /// or leaving it. The pages below a section that came or went name it in their
    /// breadcrumbs: the caller renders them again. Declining, it hands the site back when it
    /// found that before taking the site apart (a new page with an error, a link to a page
    /// that came or went, a top-level section, an owner page coming or going), so that `serve`
    /// can rebuild from it instead.
    pub fn with_pages_moved(self, moved: crate::cache::Moved, opts: &BuildOptions, rereading: &[usize]) -> Result<Site, Option<Box<Site>>> {
        let crate::cache::Moved { order, before, added, removed } = moved;
        let unknown = self.cfg.config.front_matter.unknown_keys;
        let mut new_pages: HashMap<String, (Page, Vec<Diagnostic>)> = HashMap::default();
        for (rel, raw, stamp) in added {
            let (page, diags) = content::parse_read(stamp, raw, &rel, unknown);
            // An error, as `checks:` has it: the model would have errors.
            let error = diags.iter().any(|d| crate::check::level_of(&self.cfg, d) == Some(crate::diagnostics::Severity::Error));
            let Some(page) = page.filter(|_| !error) else {
                return Err(Some(Box::new(self)));
            };
            new_pages.insert(rel, (page, diags));
        }
        // Folders whose section came or went. The home page's and a top-level section's are in
        // every page's breadcrumbs or navigation.
        let moved_sections: HashSet<&str> = new_pages
            .values()
            .map(|(p, _)| p)
            .chain(removed.iter().map(|&j| &self.pages[j]))
            .filter(|p| p.is_section)
            .map(Page::dir)
            .collect();
        if moved_sections.iter().any(|dir| !dir.contains('/')) {
            return Err(Some(Box::new(self)));
        }
        // Pages whose Markdown is not kept as it was rendered: gone, or rendered again.
        let mut not_kept = vec![false; self.pages.len()];
        removed.iter().chain(rereading).for_each(|&j| not_kept[j] = true);
        let came_or_went: HashSet<&str> =
            new_pages.keys().map(String::as_str).chain(removed.iter().map(|&j| self.pages[j].rel.as_str())).collect();
        let links_moved = self
            .rendered
            .iter()
            .zip(&not_kept)
            .filter(|(_, not_kept)| !**not_kept)
            .any(|(r, _)| r.as_ref().is_some_and(|r| r.links.iter().any(|l| l.depends_on(|t| came_or_went.contains(t)))));
        if links_moved {
            return Err(Some(Box::new(self)));
        }
        // Found again below once the pages are in place; found here first while the site is
        // whole (cautiously: with sections coming or going, every new page is taken as shown).
        if self.audience != Audience::Internal {
            let sections_move = !moved_sections.is_empty();
            let shown = new_pages
                .values()
                .map(|(p, _)| p)
                .filter(|p| sections_move || (self.would_show(p, opts) && self.guide.as_ref().is_none_or(|g| g.keeps(&self.reg, p))));
            if self.owner_pages_change(&removed, shown) {
                return Err(Some(Box::new(self)));
            }
        }
        let moved_sections = !moved_sections.is_empty();
        let gone_files: HashSet<String> = removed.iter().map(|&j| self.pages[j].file.clone()).collect();
        let shown_before: Vec<bool> = (0..self.reg.owners.len()).map(|o| crate::render::owner_shown(&self, o)).collect();
        let parties_before = crate::render::parties_shown(&self);

        // The rest (config, registry, identity, assets) goes over as it is, below.
        let Site { pages, own, rendered, faqs, row_html, faq_answers, mut diagnostics, .. } = self;
        // A duplicate URL (reported, when downgraded, on the second page of a pair) is found
        // afresh below: with any left, the build is cold.
        diagnostics.items.retain(|d| !gone_files.contains(&d.file) && d.code != "duplicate-url");
        let mut pages: Vec<Page> = in_new_order(pages, &before)
            .into_iter()
            .zip(&order)
            .map(|(page, rel)| match page {
                Some(page) => Some(page),
                None => {
                    let (page, diags) = new_pages.remove(rel)?;
                    diagnostics.extend(diags);
                    Some(page)
                }
            })
            .collect::<Option<_>>()
            .ok_or(None)?;
        // Each kept page's audience (what it inherited from the sections it had).
        let audiences_before: Vec<Option<Audience>> =
            if moved_sections { pages.iter().zip(&before).map(|(p, b)| b.map(|_| p.audience)).collect() } else { Vec::new() };
        content::apply_audience(&mut pages, self.cfg.config.audience);
        if moved_sections {
            let mut assets = self.assets.clone();
            content::apply_asset_audience(&pages, &mut assets, self.cfg.config.audience);
            let pages_same = pages.iter().zip(&audiences_before).all(|(p, a)| a.is_none_or(|a| a == p.audience));
            if !pages_same || assets.iter().zip(&self.assets).any(|(now, then)| now.audience != then.audience) {
                return Err(None);
            }
        }
        let mut visible: Vec<bool> = pages.iter().map(|p| in_build(p, self.audience, opts)).collect();
        if let Some(guide) = &self.guide {
            // In one client's guide a page that comes or goes can take a folder in or out with
            // it (see `ClientGuide`), and every page and file in it: built afresh. With the
            // same folders left out, each page that stays is kept or left out as before.
            let now = ClientGuide::new(&self.reg, guide.client, &pages, &visible);
            if now != *guide {
                return Err(None);
            }
            now.narrow(&self.reg, &pages, &mut visible);
        }
        let mut duplicates = Diagnostics::default();
        check_duplicate_urls(&self.root, &pages, &visible, &mut duplicates);
        if !duplicates.items.is_empty() {
            return Err(None);
        }
        let Ownership { rows, client, .. } = own;
        let (mut rows_now, mut client_now) = (Vec::with_capacity(pages.len()), Vec::with_capacity(pages.len()));
        let kept = in_new_order(rows, &before).into_iter().zip(in_new_order(client, &before));
        for (((r, c), page), &shown) in kept.zip(&pages).zip(&visible) {
            let (r, c) = match (r, c) {
                (Some(r), Some(c)) => (r, c),
                _ => {
                    let (r, c, diags) = crate::ownership::resolve_page(&self.reg, page);
                    diagnostics.extend(diags);
                    // As `Ownership::from_resolved`: a page outside the build has no rows.
                    (if shown { r } else { Vec::new() }, c)
                }
            };
            rows_now.push(r);
            client_now.push(c);
        }
        let own = Ownership::from_rows(&self.reg, rows_now, client_now, &visible);
        let by_rel: HashMap<String, usize> = pages.iter().enumerate().map(|(i, p)| (p.rel.clone(), i)).collect();
        let mut site = Site {
            children: children(&pages, &visible, &by_rel),
            pages,
            visible,
            own,
            rendered: in_new_order(rendered, &before).into_iter().map(Option::flatten).collect(),
            faqs: in_new_order(faqs, &before).into_iter().map(Option::unwrap_or_default).collect(),
            row_html: in_new_order(row_html, &before).into_iter().map(Option::unwrap_or_default).collect(),
            faq_answers: in_new_order(faq_answers, &before).into_iter().map(Option::unwrap_or_default).collect(),
            by_rel,
            diagnostics,
            // The pages moved: their keys and the lists' cuts are made again on first use.
            cuts: crate::render::ListCuts::new(self.reg.workstreams.len()),
            ..self
        };
        let shown_now: Vec<bool> = (0..site.reg.owners.len()).map(|o| crate::render::owner_shown(&site, o)).collect();
        if shown_now != shown_before || crate::render::parties_shown(&site) != parties_before {
            return Err(None);
        }
        let (today, required) = (crate::check::today(), crate::check::required_workstreams(&site));
        for i in (0..site.pages.len()).filter(|&i| before[i].is_none()) {
            let pm = site.page_markdown(i);
            let mut found = site.store_markdown(i, pm);
            site.faqs[i] = site.page_faqs(i);
            crate::check::check_page(&site, i, &today, &required, &mut found);
            site.diagnostics.extend(found);
        }
        Ok(site)
    }

    /// Whether page `p`, not a section, added to this site with its sections as they are, would
    /// be in the build: it inherits its audience from the nearest section at or above its folder.
    fn would_show(&self, p: &Page, opts: &BuildOptions) -> bool {
        let audience =
            p.fm.audience
                .unwrap_or_else(|| self.sections_at_or_above(p.dir()).next().map_or(self.cfg.config.audience, |s| self.pages[s].audience));
        in_build_as(p, audience, self.audience, opts)
    }

    /// The section pages (`_index.md`) of folder `dir` and of the folders above it, nearest
    /// first, whether or not they are in the build.
    pub fn sections_at_or_above<'a>(&'a self, dir: &'a str) -> impl Iterator<Item = usize> + 'a {
        std::iter::successors(Some(dir), |d| (!d.is_empty()).then(|| d.rsplit_once('/').map_or("", |(up, _)| up)))
            .filter_map(|d| self.by_rel.get(&section_rel(d)).copied())
    }

    /// Whether deleting pages `removed` and adding pages `added` (each taken as shown) would
    /// leave an owner without its last row or give one its first: in a client build, its page
    /// comes or goes (see `render::owner_shown`).
    fn owner_pages_change<'a>(&self, removed: &[usize], mut added: impl Iterator<Item = &'a Page>) -> bool {
        let mut gone = vec![false; self.pages.len()];
        removed.iter().for_each(|&j| gone[j] = true);
        let by_owner = &self.own.by_owner;
        let loses_last = removed
            .iter()
            .flat_map(|&j| &self.own.rows[j])
            .any(|row| row.owner_roles().into_iter().any(|(o, _)| by_owner[o].iter().all(|h| gone[h.page()])));
        loses_last
            || added.any(|page| {
                let (rows, _, _) = crate::ownership::resolve_page(&self.reg, page);
                rows.iter().any(|row| row.owner_roles().into_iter().any(|(o, _)| by_owner[o].is_empty()))
            })
    }
}
