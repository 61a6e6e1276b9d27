//! An in-memory build that can be updated incrementally: the pipeline's entry point for live
//! preview. It knows nothing about HTTP or file watching; `serve` tells it what changed (as
//! classified by `serve::classify`) and serves whatever files it holds.
//!
//! A body-only edit re-renders that page (and `/faq/` when its questions changed) after
//! re-running the link check; a front-matter edit re-renders the page and marks the views it
//! touches stale; new and deleted playbooks are added to and taken out of the model in place,
//! as a warm build does, and the views showing them are marked stale; a new, deleted or moved
//! page that cannot be (a section, a new page with an error, one other pages link to, an owner
//! page coming or going in a client build) rebuilds the model (taking over every page that did
//! not change) and marks every view stale;
//! edited templates are compiled and tried on one view of each kind, every other view stale;
//! a changed asset rebuilds the model as a new page does, and copies the assets again; the
//! config rebuilds the model (taking over the parsed pages while pages parse as before, and
//! their Markdown while it renders as before) and reloads the theme, every view stale. A stale
//! view is rendered before it is served. The first change after errors rebuilds the model from
//! the one the errors left (or, when the config stopped loading and left none, from the one
//! before it), with the theme and the copied files, every view stale.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use tera::Tera;

use crate::diagnostics::{Diagnostic, Diagnostics};
use crate::memory_budget::MemoryBudget;
use crate::output::MemoryOutput;
use crate::render;
use crate::site::{BuildOptions, Refreshed, Site};
use crate::theme::{self, ThemeFiles};

/// What an edit needs, decided from the changed paths alone.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Rebuild {
    /// The path is not part of the site (editor temp files, the output folder, …).
    Nothing,
    /// A page (relative to `content/`) was written, replaced by a rename, or deleted: maybe
    /// only its body changed; a new or deleted page rebuilds the model, and every view follows
    /// on demand.
    Page(String),
    /// Something under `content/` that is not Markdown changed: an asset, a folder, or an
    /// editor's temporary file. Rebuilds the model (taking over the unchanged pages) and copies
    /// the assets again, unless the path is gone and the last build had nothing there (a
    /// temporary file that came and went).
    ContentFile(String),
    /// Only stylesheets or other static files changed.
    Static { css_only: bool },
    /// A template of the site or its theme: the model stands; the templates are compiled
    /// again and every view follows on demand.
    Templates,
    /// Config or registry files: the model is rebuilt (taking over what still holds) and the
    /// theme reloaded, every view follows on demand.
    Config,
}

/// What the browser should do after a rebuild.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    Unchanged,
    Reload,
    Styles,
}

pub type Files = crate::output::MemoryFiles;

/// Where a rebuild's model comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Model {
    /// The model stands: only templates changed.
    Kept,
    /// Rebuilt, taking over every page that did not change, with what was made of it (pages or
    /// assets changed).
    Reused,
    /// Rebuilt, taking over what the new config leaves valid (the config or the registry
    /// changed; see [`crate::site::Previous`]).
    Fresh,
    /// Already updated in place for playbooks added or deleted ([`Preview::move_pages`]);
    /// the views that changed (`render::moved_views`, and the FAQ's when they have questions)
    /// are the ones left stale.
    Moved(Vec<String>),
}

pub struct Preview {
    root: PathBuf,
    opts: BuildOptions,
    site: Option<Site>,
    theme: ThemeFiles,
    tera: Option<Tera>,
    /// The last good output; kept while the site is broken so the preview still works.
    pub files: Files,
    /// Diagnostics of the last rebuild; errors mean `files` is stale.
    pub diagnostics: Diagnostics,
    /// Which path the last rebuild took: `full`, `config`, `pages` (the model rebuilt, every
    /// view rendered on demand), `moved` (the model updated for playbooks added or deleted, the
    /// views showing them rendered on demand), `templates`, `body`, `front-matter`, `static`,
    /// or `recovered` (the first change after errors: see [`Preview::recover`]).
    pub last_path: &'static str,
    /// Files whose content is out of date after a front-matter edit; rendered on demand
    /// ([`Preview::ensure`]) or all at once ([`Preview::flush`]).
    pub stale: BTreeSet<String>,
    /// The views of the current model, found once for all the stale views rendered before the
    /// next change; `None` once the model changes.
    views: Option<render::Views>,
    /// Where the current model's shipped assets go. An asset at a view's path takes its place
    /// (as in a build), so such a view is never marked stale or stored over it.
    shipped: crate::HashSet<String>,
    /// What the last rebuild left when it found errors. The next change rebuilds the model
    /// from it as from a good one (taking over each page that did not change and that no
    /// diagnostic names), with the theme and copied files, instead of from nothing: the save
    /// that fixes a typo costs a model rebuild, not a full build.
    broken: Option<Broken>,
    /// How much of what can be rendered again `files` holds at most (`serve`; `None` holds
    /// everything). Past it the files rendered or served longest ago are dropped and marked stale.
    budget: Option<MemoryBudget>,
    /// Files were dropped for the budget since the last full rebuild: views stale and not held
    /// wait for a browser to ask for them ([`Preview::wants_flush`]), or rendering them in the
    /// background would only give up others.
    budget_full: bool,
    /// How many times files were dropped for the budget, for `serve` to publish a snapshot
    /// that no longer holds them.
    pub evictions: u64,
}

/// How many views a full rebuild with a memory budget renders at a time while it fills it: the
/// last batch may go over, and what goes over is given up at once.
const FILL_BATCH: usize = 256;

/// What a rebuild that found errors leaves for the next one to rebuild from. (One per
/// preview, never moved in bulk: the variants' sizes do not matter.)
#[allow(clippy::large_enum_variant)]
enum Broken {
    /// The model it made, errors and all.
    Model(Site),
    /// The config stopped loading, so no model was made: the one before it, taken apart, for
    /// the save that fixes the config to take over, as a config edit takes over the model
    /// before it.
    Unloaded(Box<crate::site::Previous>),
}

impl Preview {
    pub fn new(root: &Path, opts: BuildOptions) -> Self {
        Self::with_memory_limit(root, opts, None)
    }

    /// A preview that holds at most `limit` bytes of the files it can render again (pages,
    /// views, exports), giving up the ones rendered or served longest ago past it. With a
    /// limit, a full rebuild renders one view of each kind (an error in a template shows at
    /// once), writes the copied files and renders the other views until the limit is reached:
    /// a large site is served in the time its model and that much of it take, and the rest is
    /// rendered when asked for.
    pub fn with_memory_limit(root: &Path, opts: BuildOptions, limit: Option<usize>) -> Self {
        let mut p = Preview {
            root: root.to_path_buf(),
            opts,
            site: None,
            theme: ThemeFiles::default(),
            tera: None,
            files: Files::new(),
            diagnostics: Diagnostics::default(),
            last_path: "full",
            stale: BTreeSet::new(),
            views: None,
            shipped: crate::HashSet::default(),
            broken: None,
            budget: limit.map(MemoryBudget::new),
            budget_full: false,
            evictions: 0,
        };
        p.full();
        p.trim();
        p
    }

    pub fn has_errors(&self) -> bool {
        self.diagnostics.has_errors()
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    /// Rebuilds everything into memory. On errors the previous files stay.
    pub fn full(&mut self) -> Outcome {
        self.views = None;
        self.last_path = "full";
        let crate::build::Checked { site, diagnostics, theme, tera, .. } = crate::build::check(&self.root, &self.opts);
        self.diagnostics = diagnostics;
        crate::build::discard((self.site.take(), self.broken.take()));
        let (site, tera) = match (site, tera) {
            (Some(site), Some(tera)) if !self.diagnostics.has_errors() => (site, tera),
            (site, _) => {
                self.broken = site.map(Broken::Model);
                return Outcome::Reload;
            }
        };
        let out = MemoryOutput::reusing(&self.files);
        // With a memory budget, only what a template edit renders at once (see
        // `with_memory_limit`); the views follow on demand.
        let views = self.budget.is_some().then(|| render::Views::of(&site, &theme));
        let rendered = match &views {
            Some(views) => render::render_views(&site, &tera, &out, views, &theme, &views.samples(&site), None)
                .and_then(|_| render::write_copied(&site, &theme, &out))
                .map(|_| ()),
            None => render::render_site(&site, &theme, &tera, &out).map(|_| ()),
        };
        if let Err(errs) = rendered {
            self.diagnostics.extend(errs);
            self.broken = Some(Broken::Model(site));
            return Outcome::Reload;
        }
        let rendered = out.into_files();
        self.shipped = shipped_paths(&site);
        self.files.clear();
        if let Some(budget) = &mut self.budget {
            budget.clear();
        }
        self.budget_full = false;
        self.stale = match &views {
            Some(views) => views.paths().into_iter().filter(|path| !self.shipped.contains(path)).collect(),
            None => BTreeSet::new(),
        };
        self.store(rendered);
        self.views = views;
        self.site = Some(site);
        self.theme = theme;
        self.tera = Some(tera);
        // As much as the budget holds now, as an unbounded preview renders everything: a page
        // rendered before the site breaks is served (under the errors) until it is fixed.
        while self.wants_flush() {
            self.flush_some(FILL_BATCH);
        }
        Outcome::Reload
    }

    /// Rebuilds what a batch of changes needs, then marks every view stale (for
    /// [`Model::Moved`], those it names), to be rendered when a browser asks for it or by
    /// [`Preview::flush`] in the background, so the reload waits only for the model: the model
    /// as `model` says; the theme when `theme` (templates or config changed), with one view of
    /// each kind rendered at once so that an error in a template shows straight away; the copied
    /// files (`robots.txt`, static files, assets) when `copies`. Files a full build of the new
    /// state would not write go (a deleted page, a list's last page). On errors the last good
    /// files stay, and the model is kept for the next change to recover from
    /// ([`Preview::recover`]).
    fn rebuild_on_demand(&mut self, model: Model, theme: bool, copies: bool) -> Outcome {
        if self.tera.is_none() {
            return self.full();
        }
        // What the model is rebuilt from: what errors left, else the current one (a model
        // taken apart, when the config stopped loading, only a rebuilt model can take over).
        let previous = match (self.broken.take(), self.site.take()) {
            (Some(Broken::Model(site)), _) | (None, Some(site)) => Ok(site),
            (Some(Broken::Unloaded(unloaded)), _) if matches!(model, Model::Reused | Model::Fresh) => Err(unloaded),
            _ => return self.full(),
        };
        self.last_path = match model {
            Model::Kept => "templates",
            Model::Reused | Model::Moved(_) if theme => "templates",
            Model::Reused => "pages",
            Model::Moved(_) => "moved",
            Model::Fresh => "config",
        };
        let checked = match (&model, previous) {
            (Model::Kept | Model::Moved(_), Ok(previous)) => {
                let diagnostics = previous.diagnostics.clone();
                crate::build::Checked { site: Some(previous), diagnostics, theme: ThemeFiles::default(), tera: None, previous: None }
            }
            (_, previous) => {
                let previous = match previous {
                    Ok(site) => site.into_previous(),
                    Err(taken_apart) => *taken_apart,
                };
                crate::build::check_reusing(&self.root, &self.opts, previous)
            }
        };
        let crate::build::Checked { site, mut diagnostics, theme: checked_theme, tera: checked_tera, previous: unloaded } = checked;
        diagnostics.sort();
        let site = match site {
            Some(site) if !diagnostics.has_errors() => site,
            site => {
                self.diagnostics = diagnostics;
                self.broken = site.map(Broken::Model).or(unloaded.map(Broken::Unloaded));
                return Outcome::Reload;
            }
        };
        // A rebuilt model was checked against the theme on disk (its problems are among the
        // diagnostics, as a full build's are); a kept one has the templates compiled here.
        let mut errors = Vec::new();
        let new_theme = theme.then(|| match model {
            Model::Kept | Model::Moved(_) => crate::build::compile_theme(&self.root, site.cfg.config.theme.as_deref(), &mut errors),
            Model::Reused | Model::Fresh => (checked_theme, checked_tera),
        });
        let (theme_files, tera) = match &new_theme {
            Some((files, tera)) => (files, tera.as_ref()),
            None => (&self.theme, self.tera.as_ref()),
        };
        let views = render::Views::of(&site, theme_files);
        let out = MemoryOutput::reusing(&self.files);
        if let Some(tera) = tera.filter(|_| theme && errors.is_empty())
            && let Err(e) = render::render_views(&site, tera, &out, &views, theme_files, &views.samples(&site), None)
        {
            errors.extend(e);
        }
        // A section's audience changed (or the section went): assets below it the last build
        // left out may ship now, and only the copies put them back. An asset at a view's path
        // is copied again over the sample of that view just rendered.
        let shipped = shipped_paths(&site);
        let copies = copies || shipped.iter().any(|rel| !self.shipped.contains(rel) || views.renders(rel));
        if copies
            && errors.is_empty()
            && let Err(e) = render::write_copied(&site, theme_files, &out)
        {
            errors.extend(e);
        }
        let rendered = out.into_files();
        if !errors.is_empty() || tera.is_none() {
            diagnostics.extend(errors);
            diagnostics.sort();
            self.diagnostics = diagnostics;
            self.broken = Some(Broken::Model(site));
            return Outcome::Reload;
        }
        self.diagnostics = diagnostics;
        let paths = views.paths();
        let written: crate::HashSet<String> = paths.iter().cloned().chain(render::copied_paths(&site, theme_files)).collect();
        self.files.retain(|path, _| written.contains(path));
        if let Some(budget) = &mut self.budget {
            budget.retain(|path| written.contains(path));
        }
        let stale = match model {
            // What the update changed and what was stale before it (not yet rendered since an
            // earlier edit, or given up for the memory budget), of what the model renders now.
            Model::Moved(changed) => {
                std::mem::take(&mut self.stale).into_iter().chain(changed).filter(|path| written.contains(path)).collect()
            }
            _ => paths,
        };
        self.stale = stale.into_iter().filter(|path| !shipped.contains(path)).collect();
        self.shipped = shipped;
        self.store(rendered);
        if let Some((files, Some(tera))) = new_theme {
            self.theme = files;
            self.tera = Some(tera);
        }
        self.views = Some(views);
        self.site = Some(site);
        Outcome::Reload
    }

    /// Applies a batch of changes with the cheapest rebuild that is still correct.
    pub fn apply(&mut self, changes: &[Rebuild]) -> Outcome {
        let outcome = self.apply_changes(changes);
        self.trim();
        outcome
    }

    fn apply_changes(&mut self, changes: &[Rebuild]) -> Outcome {
        self.views = None;
        let wanted: Vec<&Rebuild> = changes
            .iter()
            .filter(|c| match c {
                Rebuild::Nothing => false,
                Rebuild::ContentFile(rel) => self.content_file_matters(rel),
                _ => true,
            })
            .collect();
        if wanted.is_empty() {
            return Outcome::Unchanged;
        }
        if self.site.is_none() || self.has_errors() {
            return self.recover();
        }
        let any = |pick: fn(&Rebuild) -> bool| wanted.iter().any(|c| pick(c));
        let (config, templates) = (any(|c| matches!(c, Rebuild::Config)), any(|c| matches!(c, Rebuild::Templates)));
        let (pages, mut files) = (any(|c| matches!(c, Rebuild::Page(_))), any(|c| matches!(c, Rebuild::ContentFile(_))));
        if any(|c| matches!(c, Rebuild::Static { .. })) {
            // First, whatever path the pages then take. A file that came or went below
            // `static/` is one a link may name: the model is checked again, as for an asset.
            let before: Vec<String> = self.theme.statics.keys().cloned().collect();
            self.reload_statics();
            files |= !self.theme.statics.keys().eq(before.iter());
        }
        if config {
            return self.rebuild_on_demand(Model::Fresh, true, true);
        }
        if files {
            // An asset came, went or changed (or a folder moved): the model lists them.
            return self.rebuild_on_demand(Model::Reused, templates, true);
        }
        if templates {
            // With pages changed in the same burst (a checkout, say), both at once.
            return self.rebuild_on_demand(if pages { Model::Reused } else { Model::Kept }, true, false);
        }
        if wanted.iter().all(|c| matches!(c, Rebuild::Static { .. })) {
            let css_only = wanted.iter().all(|c| matches!(c, Rebuild::Static { css_only: true }));
            self.last_path = "static";
            return if css_only { Outcome::Styles } else { Outcome::Reload };
        }
        if let Some(outcome) = self.move_pages(&wanted) {
            return outcome;
        }
        let mut pages = Vec::new();
        let mut faq = false;
        let mut affected = Vec::new();
        let mut outside = false;
        for c in &wanted {
            match c {
                Rebuild::Page(rel) => match self.refresh_page(rel) {
                    Some((i, Refreshed::Body { faq_changed })) => {
                        pages.push(i);
                        faq |= faq_changed;
                    }
                    // A page outside the build: nothing to render.
                    Some((_, Refreshed::Hidden)) => outside = true,
                    // Paths now, against the state right after this edit: paginated lists
                    // are located by the lengths this edit saw.
                    Some((_, Refreshed::FrontMatter(a))) => match &self.site {
                        Some(site) => affected.push((a.pages[0], render::affected_paths(site, &a))),
                        None => return self.full(),
                    },
                    // A new or deleted page, or one whose URL, audience or draft state changed.
                    None => return self.rebuild_on_demand(Model::Reused, false, false),
                },
                Rebuild::Nothing | Rebuild::Config | Rebuild::ContentFile(_) | Rebuild::Static { .. } | Rebuild::Templates => {}
            }
        }
        let (Some(site), Some(tera)) = (&self.site, &self.tera) else { return self.full() };
        self.last_path = match (affected.is_empty(), pages.is_empty() && outside) {
            (false, _) => "front-matter",
            (true, true) => "outside",
            (true, false) => "body",
        };
        self.diagnostics = site.diagnostics.clone();
        if self.diagnostics.has_errors() {
            // A broken link or block: keep serving the last good pages, show the errors.
            self.broken = self.site.take().map(Broken::Model);
            return Outcome::Reload;
        }
        // The edited pages now; the views a front-matter edit touches are marked stale and
        // rendered on demand or by `flush`, so the reload is not held up by the large lists.
        for (page, paths) in affected {
            pages.push(page);
            self.stale.extend(paths.into_iter().filter(|path| !self.shipped.contains(path)));
        }
        let out = MemoryOutput::default();
        if let Err(errs) = render::render_pages(site, &self.theme, tera, &out, &pages, faq) {
            self.diagnostics.extend(errs);
            return Outcome::Reload;
        }
        let mut files = out.into_files();
        files.retain(|path, _| !self.shipped.contains(path));
        self.store(files);
        Outcome::Reload
    }

    /// The first change after errors: the model rebuilt from what they left (see [`Broken`]), the
    /// theme compiled and the copied files written again, since any of them may have changed
    /// while the site was broken; every view stale.
    fn recover(&mut self) -> Outcome {
        // Errors leave what they found in `broken`, or the model in place when a view failed
        // to render.
        if self.broken.is_none() && self.site.is_none() {
            return self.full();
        }
        let outcome = self.rebuild_on_demand(Model::Reused, true, true);
        self.last_path = "recovered";
        outcome
    }

    /// A burst that only added or deleted playbooks (a new file saved, one deleted, one
    /// renamed): the model is updated in place as a warm build updates it
    /// ([`Site::with_pages_moved`]), sparing the pass over every page that rebuilding it takes,
    /// then the views showing these playbooks are marked stale. `None` when the burst is anything
    /// else (an edit, a section), or the update declined before taking the model apart: the
    /// caller rebuilds it.
    fn move_pages(&mut self, wanted: &[&Rebuild]) -> Option<Outcome> {
        let site = self.site.as_ref()?;
        let content = self.root.join(crate::content::CONTENT_DIR);
        let (mut added, mut removed) = (Vec::new(), Vec::new());
        for c in wanted {
            let Rebuild::Page(rel) = c else { return None };
            if rel.rsplit('/').next() == Some("_index.md") {
                return None;
            }
            let path = content.join(rel);
            let gone = std::fs::symlink_metadata(&path).is_err();
            match (site.by_rel.get(rel), path.is_file()) {
                (None, true) => added.push((rel.clone(), path)),
                (Some(&j), false) if gone => removed.push(j),
                // Written and deleted again before the burst settled.
                (None, false) if gone => {}
                // An edit, or something other than a file (a dangling link a load reports).
                _ => return None,
            }
        }
        added.sort();
        added.dedup();
        removed.sort_unstable();
        removed.dedup();
        if added.is_empty() && removed.is_empty() {
            return None;
        }
        let mut texts = Vec::with_capacity(added.len());
        for (rel, path) in added {
            // The stamp first, as a load takes it: a write after it is seen as a change.
            let stamp = crate::content::Stamp::read(&path)?;
            let text = crate::content::source_text(std::fs::read(&path).ok()?, &rel).ok()?;
            texts.push((rel, text, stamp));
        }
        // The order a walk of `content/` gives: by file name, folder by folder.
        let mut deleted = vec![false; site.pages.len()];
        removed.iter().for_each(|&j| deleted[j] = true);
        let mut order: Vec<(String, Option<usize>)> =
            site.pages.iter().enumerate().filter(|(j, _)| !deleted[*j]).map(|(j, p)| (p.rel.clone(), Some(j))).collect();
        for (rel, _, _) in &texts {
            let at = order.partition_point(|(known, _)| known.split('/').lt(rel.split('/')));
            order.insert(at, (rel.clone(), None));
        }
        let (order, before) = order.into_iter().unzip();
        let gone: Vec<render::GonePlaybook> = removed.iter().map(|&j| render::GonePlaybook::of(site, j)).collect();
        let pagings_before = render::ListPagings::of(site);
        let added: Vec<String> = texts.iter().map(|(rel, _, _)| rel.clone()).collect();
        let moved = crate::cache::Moved { order, before, added: texts, removed };
        let previous = self.site.take()?;
        match previous.with_pages_moved(moved, &self.opts, &[]) {
            Ok(mut site) => {
                site.run_site_checks();
                let added: Vec<usize> = added.iter().filter_map(|rel| site.by_rel.get(rel).copied()).collect();
                let (mut changed, faq) = render::moved_views(&site, &added, &gone, &pagings_before);
                if faq {
                    changed.extend(render::faq_paths(&site));
                }
                self.site = Some(site);
                Some(self.rebuild_on_demand(Model::Moved(changed), false, false))
            }
            Err(Some(site)) => {
                self.site = Some(*site);
                None
            }
            // Declined after taking the model apart (a new page's URL already taken, which is
            // an error): rare enough to rebuild from scratch.
            Err(None) => Some(self.full()),
        }
    }

    fn store(&mut self, files: Files) {
        for (path, bytes) in &files {
            self.stale.remove(path);
            if let Some(budget) = &mut self.budget {
                // A copied file is never stale: the preview cannot render it again.
                if render::may_be_copied(path, &self.shipped) {
                    budget.forget(path);
                } else {
                    budget.note(path, bytes.len());
                }
            }
        }
        self.files.extend(files);
    }

    /// Gives up the files rendered or served longest ago while those held are over the memory
    /// budget, marking them stale. Not while the site has errors: nothing could render them again.
    fn trim(&mut self) {
        let Some(budget) = &mut self.budget else { return };
        if self.diagnostics.has_errors() {
            return;
        }
        let over = budget.over_limit();
        if over.is_empty() {
            return;
        }
        self.budget_full = true;
        self.evictions += 1;
        for path in over {
            if self.files.remove(&path).is_some() {
                self.stale.insert(path);
            }
        }
    }

    /// Whether stale views are waiting to be rendered in the background ([`Preview::flush_some`]),
    /// while the site has no errors: those held out of date, and, with a memory budget, the rest
    /// only until files were first given up for it; from then on they are rendered when a
    /// browser asks for them.
    pub fn wants_flush(&self) -> bool {
        !self.has_errors() && !self.next_stale(1).is_empty()
    }

    /// Up to `n` stale files to render in the background: those held out of date first
    /// (rendering them again takes no more memory), then, while the budget has room, the rest.
    fn next_stale(&self, n: usize) -> Vec<String> {
        let mut paths: Vec<String> = self.stale.iter().filter(|p| self.files.contains_key(*p)).take(n).cloned().collect();
        if paths.len() < n && !self.budget_full {
            paths.extend(self.stale.iter().filter(|p| !self.files.contains_key(*p)).take(n - paths.len()).cloned());
        }
        paths
    }

    /// Files just served: they go last in line to be given up for the memory budget.
    pub fn touch(&mut self, served: impl IntoIterator<Item = String>) {
        if let Some(budget) = &mut self.budget {
            for path in served {
                budget.touch(&path);
            }
        }
    }

    /// Bytes of rendered files held against the memory budget, and the budget; `None` without one.
    pub fn memory_held(&self) -> Option<(usize, usize)> {
        self.budget.as_ref().map(|b| (b.held(), b.limit()))
    }

    /// Renders every stale file (those given up for the memory budget again, as they are).
    pub fn flush(&mut self) {
        let paths: Vec<String> = std::mem::take(&mut self.stale).into_iter().collect();
        self.render_now(&paths);
        self.trim();
    }

    /// Renders up to `n` stale files, so a caller can stop between batches to handle a new
    /// edit first.
    pub fn flush_some(&mut self, n: usize) {
        let paths = self.next_stale(n);
        for p in &paths {
            self.stale.remove(p);
        }
        self.render_now(&paths);
        self.trim();
    }

    /// The current content of one output file, rendering it first if it is stale. While the
    /// site has errors a stale file stays stale: the last good copy, if one is held, is served.
    pub fn ensure(&mut self, path: &str) -> Option<Arc<Vec<u8>>> {
        if !self.has_errors() && self.stale.remove(path) {
            self.render_now(&[path.to_string()]);
        }
        // Taken before trimming: the file asked for may be the one given up, when the budget
        // is smaller than it.
        let bytes = self.files.get(path).cloned();
        self.trim();
        bytes
    }

    fn render_now(&mut self, paths: &[String]) {
        // Once rendering found an error, the last good files are served until the next change.
        if paths.is_empty() || self.has_errors() {
            return;
        }
        let (Some(site), Some(tera)) = (&self.site, &self.tera) else { return };
        let views = self.views.get_or_insert_with(|| render::Views::of(site, &self.theme));
        let out = MemoryOutput::reusing(&self.files);
        if let Err(errs) = render::render_views(site, tera, &out, views, &self.theme, paths, None) {
            self.diagnostics.extend(errs);
        }
        self.store(out.into_files());
    }

    /// Whether a change to a non-Markdown path under `content/` can change the site: the path
    /// exists now (a new or edited asset, a new folder), or the last build had an asset or page
    /// at it or inside it (a deleted asset, a folder moved away). An editor's temporary file,
    /// written and renamed over a page before the change is seen, does not.
    fn content_file_matters(&self, rel: &str) -> bool {
        let Some(site) = &self.site else { return true };
        // `content/` itself: every page and asset is below it.
        if rel.is_empty() {
            return true;
        }
        if self.root.join(crate::content::CONTENT_DIR).join(rel).exists() {
            return true;
        }
        let at_or_inside = |known: &str| known.strip_prefix(rel).is_some_and(|r| r.is_empty() || r.starts_with('/'));
        site.assets.iter().any(|a| at_or_inside(&a.rel)) || site.by_rel.keys().any(|k| at_or_inside(k))
    }

    /// The fast paths for an edited page: body only, else front-matter of one playbook.
    /// `None` when a full rebuild is needed.
    fn refresh_page(&mut self, rel: &str) -> Option<(usize, Refreshed)> {
        let site = self.site.as_mut()?;
        let i = *site.by_rel.get(rel)?;
        // Something other than a file now (a named pipe is not read): a rebuild walks
        // `content/` again and reports it.
        let raw = crate::regular_file::read_text(&self.root.join(crate::content::CONTENT_DIR).join(rel))?;
        site.refresh(i, raw).map(|r| (i, r))
    }

    fn reload_statics(&mut self) {
        let mut d = Vec::new();
        let theme = theme::load(&self.root, self.site.as_ref().and_then(|s| s.cfg.config.theme.as_deref()), &mut d);
        self.files.retain(|k, _| !k.starts_with(render::STATIC_DIR));
        for (path, bytes) in &theme.statics {
            self.files.insert(render::static_path(path), Arc::new(bytes.clone()));
        }
        self.theme.statics = theme.statics;
    }

    /// The current errors, rendered for people without colour.
    pub fn error_report(&self) -> Option<String> {
        if !self.has_errors() {
            return None;
        }
        let errors: Vec<Diagnostic> =
            self.diagnostics.items.iter().filter(|d| d.severity == crate::diagnostics::Severity::Error).cloned().collect();
        Some(crate::diagnostics::render_human(&errors, &self.root, false))
    }
}

/// Where `site`'s shipped assets go in the output.
fn shipped_paths(site: &Site) -> crate::HashSet<String> {
    site.shipped_assets().map(|a| a.rel.clone()).collect()
}
