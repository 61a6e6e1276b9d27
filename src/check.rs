//! Contract-readiness rules: the checks that make a playbook reviewable like code. Each rule
//! has a stable kebab-case code (listed in [`RULES`] and the README); its severity can be
//! changed or the rule turned off per site (`checks: {stale-review: error}`), except for the
//! [`FIXED`] errors, which say a source could not be read or the output not written.
//!
//! Problems found while loading (YAML, unknown owners and workstreams, links, URLs) are
//! reported by the stage that finds them; this module adds the rules that look at a resolved
//! playbook as a whole.

use crate::config::{Hours, PartyKind, RuleLevel, SiteConfig};
use crate::diagnostics::{Diagnostic, Diagnostics, Severity, did_you_mean};
use crate::site::Site;

/// Every diagnostic code demarcate emits, with its default severity and a one-line meaning.
pub const RULES: &[(&str, Severity, &str)] = &[
    ("invalid-yaml", Severity::Error, "YAML that does not parse"),
    ("invalid-front-matter", Severity::Error, "front-matter that is not closed or not YAML"),
    ("wrong-type", Severity::Error, "a value of the wrong type (a list where one owner is expected, …)"),
    ("unknown-key", Severity::Error, "a key demarcate does not know, with a did-you-mean"),
    ("duplicate-key", Severity::Error, "a registry entry defined twice"),
    ("unknown-owner", Severity::Error, "an owner that is not in the registry"),
    ("unknown-party", Severity::Error, "an owner whose party is not in the registry"),
    ("unknown-workstream", Severity::Error, "a workstream that is not in the catalogue (aliases honoured)"),
    ("duplicate-workstream", Severity::Error, "the same workstream twice in one playbook"),
    ("missing-accountable", Severity::Error, "a workstream with no accountable owner"),
    ("multiple-accountable", Severity::Error, "a workstream with more than one accountable owner"),
    ("missing-required", Severity::Error, "a required workstream missing from a playbook"),
    ("unknown-client", Severity::Error, "`client:` that is not a party of kind client"),
    ("foreign-owner", Severity::Error, "an owner belonging to another client than the playbook's"),
    ("duplicate-escalation", Severity::Error, "the same owner twice on an escalation path"),
    ("coverage-gap", Severity::Error, "24x7 coverage with no 24x7 owner after hours or on the escalation path"),
    ("broken-link", Severity::Error, "a link to a page, file or URL of the site that does not exist (or a draft)"),
    ("broken-anchor", Severity::Error, "a link to a heading that does not exist"),
    (
        "internal-link",
        Severity::Error,
        "a client-visible link to internal-only content, or in one client's guide to another client's (client build)",
    ),
    (
        "client-leak",
        Severity::Error,
        "a page of one client's guide naming another client, one of their people or a contact of theirs (--client)",
    ),
    ("internal-block", Severity::Error, "an unclosed or malformed `::: internal` block"),
    ("duplicate-url", Severity::Error, "two pages with one URL"),
    ("invalid-date", Severity::Error, "a date that is not YYYY-MM-DD"),
    ("template-error", Severity::Error, "a template that fails to parse or render"),
    ("unknown-theme", Severity::Error, "`theme:` names a folder that does not exist"),
    (
        "invalid-id",
        Severity::Error,
        "a party, owner or workstream id that cannot name a page's folder (`..`, `a/b`, a space), or a slug with no letter or digit",
    ),
    ("duplicate-alias", Severity::Error, "an owner alias that is already another owner's id or alias"),
    ("duplicate-registry", Severity::Error, "a registry both in demarcate.yaml and in its own file"),
    ("no-config", Severity::Error, "no demarcate.yaml in the site folder"),
    ("no-content", Severity::Error, "no content/ folder"),
    ("invalid-utf8", Severity::Error, "a file that is not UTF-8 text"),
    ("control-character", Severity::Error, "a control character a web page cannot show, raw or written by a YAML escape"),
    ("io", Severity::Error, "a file that cannot be read or written"),
    ("raci-overlap", Severity::Warning, "one owner in two of responsible, consulted and informed"),
    ("no-contact", Severity::Warning, "an owner with no contact"),
    ("stale-review", Severity::Warning, "`review_by` in the past"),
    ("future-update", Severity::Warning, "`updated` in the future"),
    ("too-many-consulted", Severity::Warning, "more consulted owners than `thresholds.max_consulted`"),
    ("overload", Severity::Warning, "one owner accountable for more than `thresholds.max_accountable` workstreams in a playbook"),
    ("unused-owner", Severity::Warning, "an owner no playbook uses"),
    ("empty-faq", Severity::Warning, "an FAQ entry with an empty question or answer"),
    ("special-file", Severity::Warning, "a named pipe, socket or device under content/, skipped"),
    ("shadowed-page", Severity::Warning, "a file under content/ at a page's URL, copied over the page"),
];

/// The errors `checks:` cannot turn down: each means that part of the site could not be read
/// or written as it stands, so a build that went on would lose more than the warning says (a
/// page built without any of its front-matter, a file not written).
pub const FIXED: &[&str] = &[
    "invalid-yaml",
    "invalid-front-matter",
    "wrong-type",
    "duplicate-key",
    "template-error",
    "duplicate-registry",
    "invalid-id",
    "no-config",
    "no-content",
    "invalid-utf8",
    "control-character",
    "io",
];

/// Whether `code` is one of the [`FIXED`] errors.
pub fn is_fixed(code: &str) -> bool {
    FIXED.contains(&code)
}

/// Today as YYYY-MM-DD (UTC), or `DEMARCATE_TODAY` when set (tests pin it).
pub fn today() -> String {
    if let Ok(t) = std::env::var("DEMARCATE_TODAY") {
        return t;
    }
    let secs = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or(0);
    let days = (secs / 86_400) as i64;
    // Civil-from-days (Howard Hinnant's algorithm).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!("{y:04}-{m:02}-{d:02}")
}

/// Whether `s` is a day of the calendar written YYYY-MM-DD: digits only (no sign), and a day
/// the month has (`2026-02-30` is not one, nor `2025-02-29`).
pub fn valid_date(s: &str) -> bool {
    let b = s.as_bytes();
    if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
        return false;
    }
    let num = |r: std::ops::Range<usize>| -> Option<u32> {
        let digits = &s[r];
        digits.bytes().all(|c| c.is_ascii_digit()).then(|| digits.parse().ok())?
    };
    let (Some(y), Some(m), Some(d)) = (num(0..4), num(5..7), num(8..10)) else { return false };
    let leap = y % 4 == 0 && (y % 100 != 0 || y % 400 == 0);
    let days = match m {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if leap => 29,
        2 => 28,
        _ => return false,
    };
    (1..=days).contains(&d)
}

pub fn run(site: &Site) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    let cfg = &site.cfg.config;
    let today = today();
    let required = required_workstreams(site);
    if let Some(list) = &cfg.required_workstreams {
        for w in list.iter().filter(|w| site.reg.workstream(w).is_none()) {
            let src = &site.cfg.workstreams_src;
            out.push(
                Diagnostic::error("unknown-workstream", "demarcate.yaml", format!("required workstream `{w}` is not in the catalogue"))
                    .at(crate::yaml_pos::YamlIndex::new(&site.cfg.files[0].1, 1).value(&["required_workstreams"], w))
                    .help(format!("the catalogue is in {}", src.file))
                    .maybe_help(site.reg.suggest_workstream(w)),
            );
        }
    }
    // Page checks are independent: run them in parallel, keep page order.
    use rayon::prelude::*;
    let per_page: Vec<Vec<Diagnostic>> = (0..site.pages.len())
        .into_par_iter()
        .map(|i| {
            let mut found = Vec::new();
            check_page(site, i, &today, &required, &mut found);
            found
        })
        .collect();
    out.extend(per_page.into_iter().flatten());
    out.extend(check_registry(site));
    out
}

/// The workstreams every playbook must name.
pub fn required_workstreams(site: &Site) -> Vec<usize> {
    match &site.cfg.config.required_workstreams {
        Some(list) => list.iter().filter_map(|w| site.reg.workstream(w)).collect(),
        None => site.reg.workstreams.iter().enumerate().filter(|(_, (_, w))| w.required).map(|(i, _)| i).collect(),
    }
}

/// The rules that look at one page (its dates, FAQ and resolved ownership rows).
pub fn check_page(site: &Site, i: usize, today: &str, required: &[usize], out: &mut Vec<Diagnostic>) {
    let cfg = &site.cfg.config;
    let page = &site.pages[i];
    let file = page.file.as_str();
    let fm = &page.fm;
    let reread = std::cell::OnceCell::new();
    let idx = page.positions(&site.root, &reread);
    for (key, label) in [("updated", fm.updated.as_deref()), ("review_by", fm.review_by.as_deref())] {
        let Some(date) = label else { continue };
        if !valid_date(date) {
            out.push(
                Diagnostic::error("invalid-date", file, format!("`{key}: {date}` is not a date"))
                    .at(idx.value(&[key], date))
                    .help("write dates as YYYY-MM-DD"),
            );
        } else if key == "review_by" && date < today {
            out.push(
                Diagnostic::warning("stale-review", file, format!("review was due on {date}"))
                    .at(idx.value(&[key], date))
                    .help("re-confirm the playbook with its owners and move `review_by` forward"),
            );
        } else if key == "updated" && date > today {
            out.push(
                Diagnostic::warning("future-update", file, format!("`updated: {date}` is in the future (today is {today})"))
                    .at(idx.value(&[key], date)),
            );
        }
    }
    if let Some(slug) = fm.slug.as_deref().filter(|s| !s.trim().is_empty() && slug::slugify(s).is_empty()) {
        out.push(
            Diagnostic::error("invalid-id", file, format!("`slug: {slug}` has no letter or digit to make a URL of"))
                .at(idx.value(&["slug"], slug))
                .help("write the slug with letters or digits, such as `co-managed`; without one the page keeps its file's name"),
        );
    }
    for (n, f) in fm.faq.iter().enumerate() {
        let q_empty = f.q.as_deref().is_none_or(|q| q.trim().is_empty());
        let a_empty = f.a.as_deref().is_none_or(|a| a.trim().is_empty());
        if q_empty || a_empty {
            let what = if q_empty { "question" } else { "answer" };
            out.push(
                Diagnostic::warning("empty-faq", file, format!("FAQ entry {} has an empty {what}", n + 1))
                    .at(idx.key(&["faq", &format!("#{n}")]))
                    .help("give every entry both `q:` and `a:`, or remove it"),
            );
        }
    }
    if !site.visible[i] {
        return;
    }
    let declared = page.is_playbook() && (fm.client.is_some() || !fm.workstreams.is_empty());
    if declared {
        // A dozen workstreams a playbook: a list is cheaper than a set.
        let present: Vec<usize> = fm.workstreams.keys().filter_map(|k| site.reg.workstream(k)).collect();
        let missing: Vec<&str> = required.iter().filter(|w| !present.contains(w)).map(|&w| site.reg.workstreams[w].0.as_str()).collect();
        if !missing.is_empty() {
            let pos = if fm.workstreams.is_empty() { idx.key(&["client"]) } else { idx.key(&["workstreams"]) };
            out.push(
                Diagnostic::error(
                    "missing-required",
                    file,
                    format!("required workstream{} missing: {}", if missing.len() > 1 { "s" } else { "" }, missing.join(", ")),
                )
                .at(pos)
                .help("say who owns each of them, even if the answer is the client's own team"),
            );
        }
    }
    let client = site.own.client[i];
    let mut accountable_count: Vec<(usize, usize)> = Vec::new();
    for (key, entry) in fm.workstreams.iter() {
        let a = &entry.0;
        let Some(row) = site.own.rows[i].iter().find(|r| &r.key == key) else { continue };
        let ws_path = ["workstreams", key.as_str()];
        let field_path =
            |f: &'static str| -> Vec<&str> { if a.shorthand { ws_path.to_vec() } else { vec!["workstreams", key.as_str(), f] } };
        match a.accountable.0.len() {
            0 => out.push(
                Diagnostic::error("missing-accountable", file, format!("workstream `{key}` has no accountable owner"))
                    .at(idx.key(&ws_path))
                    .help("add `accountable: OWNER` — exactly one owner answers for the outcome"),
            ),
            1 => {}
            n => out.push(
                Diagnostic::error("multiple-accountable", file, format!("workstream `{key}` has {n} accountable owners"))
                    .at(idx.key(&field_path("accountable")))
                    .help("if there are two, there are zero: keep one accountable owner and make the others responsible"),
            ),
        }
        for o in row.accountable() {
            match accountable_count.iter_mut().find(|(x, _)| *x == o) {
                Some((_, c)) => *c += 1,
                None => accountable_count.push((o, 1)),
            }
        }
        // Owners of another client in this client's playbook.
        if let Some(c) = client {
            for (o, _) in row.owner_roles() {
                if let Some(p) = site.reg.owner_party[o]
                    && site.reg.parties[p].1.kind == PartyKind::Client
                    && p != c
                {
                    let oid = &site.reg.owners[o].0;
                    out.push(
                        Diagnostic::error(
                            "foreign-owner",
                            file,
                            format!(
                                "owner `{oid}` belongs to {}, not to this playbook's client {}",
                                site.reg.parties[p].1.name, site.reg.parties[c].1.name
                            ),
                        )
                        .at(idx.value(&ws_path, oid))
                        .help("a copy-paste from another client's playbook? Use this client's owner"),
                    );
                }
            }
        }
        let path = &a.escalation.0;
        for (n, name) in path.iter().enumerate() {
            if path[..n].iter().any(|earlier| same_name(earlier, name)) {
                out.push(
                    Diagnostic::error("duplicate-escalation", file, format!("`{name}` appears twice on the escalation path of `{key}`"))
                        .at(idx.key(&field_path("escalation")))
                        .help("each step of an escalation path should reach someone new"),
                );
            }
        }
        if row.coverage == Some(Hours::AllHours) {
            let covered = row.after_hours.into_iter().chain(row.escalation()).any(|o| site.reg.owners[o].1.hours == Some(Hours::AllHours));
            if !covered {
                out.push(
                    Diagnostic::error(
                        "coverage-gap",
                        file,
                        format!("`{key}` promises 24x7 coverage but no 24x7 owner is after hours or on the escalation path"),
                    )
                    .at(idx.key(&field_path("coverage")))
                    .help("name an owner with `hours: 24x7` as `after_hours`, or add one to `escalation`"),
                );
            }
        }
        let groups = [("responsible", row.responsible()), ("consulted", row.consulted()), ("informed", row.informed())];
        let mut reported: Vec<usize> = Vec::new();
        for (gi, (ga, la)) in groups.iter().enumerate() {
            for (gb, lb) in &groups[gi + 1..] {
                for o in la.iter().filter(|&o| lb.contains(o)) {
                    if !reported.contains(&o) {
                        reported.push(o);
                        let oid = &site.reg.owners[o].0;
                        out.push(
                            Diagnostic::warning("raci-overlap", file, format!("`{oid}` is both {ga} and {gb} for `{key}`"))
                                .at(idx.value(&field_path(if *gb == "consulted" { "consulted" } else { "informed" }), oid))
                                .help(format!("keep `{oid}` in one role")),
                        );
                    }
                }
            }
        }
        let max_c = cfg.thresholds.max_consulted;
        if row.consulted().len() > max_c {
            out.push(
                Diagnostic::warning(
                    "too-many-consulted",
                    file,
                    format!("`{key}` consults {} owners (more than {max_c})", row.consulted().len()),
                )
                .at(idx.key(&field_path("consulted")))
                .help("every consulted owner slows a decision; inform some instead"),
            );
        }
    }
    let max_a = cfg.thresholds.max_accountable;
    for (o, n) in accountable_count {
        if n > max_a {
            let oid = &site.reg.owners[o].0;
            out.push(
                Diagnostic::warning(
                    "overload",
                    file,
                    format!("`{oid}` is accountable for {n} workstreams in this playbook (more than {max_a})"),
                )
                .at(idx.key(&["workstreams"]))
                .help("spread accountability, or raise `thresholds.max_accountable`"),
            );
        }
    }
}

/// The rules about the registry as a whole (contacts, unused owners).
pub fn check_registry(site: &Site) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    let src = &site.cfg.owners_src;
    let at = src.positions();
    for (o, (id, owner)) in site.reg.owners.iter().enumerate() {
        if owner.contact.0.iter().all(|c| c.trim().is_empty()) {
            out.push(
                Diagnostic::warning("no-contact", src.file.as_str(), format!("owner `{id}` has no contact"))
                    .at(at.key(&[id]))
                    .help("add `contact:` (email, URL or phone) so readers can reach them"),
            );
        }
        // Unused owners are judged on the full (internal) site only, and only once it has pages
        // (with none, the content is missing, which is reported, or not written yet).
        if site.audience == crate::config::Audience::Internal && !site.pages.is_empty() && site.own.by_owner[o].is_empty() {
            out.push(
                Diagnostic::warning("unused-owner", src.file.as_str(), format!("owner `{id}` is not used by any playbook"))
                    .at(at.key(&[id]))
                    .help("remove it from the registry, or give it work"),
            );
        }
    }
    out
}

/// Applies `checks:` from the config: a rule set to `off` disappears, others take the given
/// severity. Unknown rule names are themselves errors.
pub fn apply_levels(cfg: &SiteConfig, diags: &mut Diagnostics) {
    let levels = &cfg.config.checks;
    let idx = crate::yaml_pos::YamlIndex::new(&cfg.files[0].1, 1);
    for (code, level) in levels {
        if is_fixed(code) && *level != RuleLevel::Error {
            diags.push(
                Diagnostic::error("wrong-type", "demarcate.yaml", format!("`{code}` cannot be turned down: it is always an error"))
                    .at(idx.value(&["checks", code], level.as_str()))
                    .help("it means part of the site cannot be read or written as it stands, so building on would lose it; fix the source instead"),
            );
        } else if !RULES.iter().any(|(c, _, _)| c == code) {
            diags.push(
                Diagnostic::error("unknown-key", "demarcate.yaml", format!("unknown check `{code}`"))
                    .at(idx.key(&["checks", code]))
                    .maybe_help(did_you_mean(code, RULES.iter().map(|(c, _, _)| *c)).map(|s| format!("did you mean `{s}`?"))),
            );
        }
    }
    set_levels(cfg, diags);
}

/// The severities of [`apply_levels`] alone, for diagnostics made again after an edit; those
/// already set keep theirs.
pub fn set_levels(cfg: &SiteConfig, diags: &mut Diagnostics) {
    if cfg.config.checks.is_empty() {
        return;
    }
    diags.items.retain_mut(|d| match level_of(cfg, d) {
        Some(severity) => {
            d.severity = severity;
            true
        }
        None => false,
    });
}

/// The severity `checks:` in the config gives a diagnostic: `None` when its rule is off.
pub fn level_of(cfg: &SiteConfig, d: &Diagnostic) -> Option<Severity> {
    if is_fixed(d.code) {
        return Some(d.severity);
    }
    match cfg.config.checks.get(d.code) {
        Some(RuleLevel::Off) => None,
        Some(RuleLevel::Error) => Some(Severity::Error),
        Some(RuleLevel::Warning) => Some(Severity::Warning),
        None => Some(d.severity),
    }
}

/// Whether two owner names on an escalation path are the same, ignoring case (as the registry
/// lookups do); without allocating for the usual ASCII ids.
fn same_name(a: &str, b: &str) -> bool {
    if a.is_ascii() && b.is_ascii() { a.eq_ignore_ascii_case(b) } else { a.to_lowercase() == b.to_lowercase() }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_are_validated() {
        assert!(valid_date("2026-11-27"));
        assert!(!valid_date("2026-13-01"));
        assert!(!valid_date("27/11/2026"));
        // The days a month has, leap years included; digits only.
        assert!(!valid_date("2026-02-30"));
        assert!(!valid_date("2025-04-31"));
        assert!(!valid_date("2025-02-29"));
        assert!(valid_date("2024-02-29"));
        assert!(valid_date("2000-02-29"));
        assert!(!valid_date("1900-02-29"));
        assert!(valid_date("2026-12-31"));
        assert!(!valid_date("2026-00-10"));
        assert!(!valid_date("2026-01-00"));
        assert!(!valid_date("+026-+1-+1"));
        assert!(!valid_date("2026-1 -01"));
    }

    #[test]
    fn today_is_a_valid_date() {
        assert!(valid_date(&today()));
    }
}
