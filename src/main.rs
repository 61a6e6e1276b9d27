//! The `demarcate` command line: parses arguments (clap), calls the library, prints
//! diagnostics and maps outcomes to exit codes (0 success, 1 content errors, 2 usage errors).

use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::atomic::Ordering;

use clap::{Parser, Subcommand};

use demarcate::build::{self, BuildError};
use demarcate::config::Audience;
use demarcate::diagnostics::{self, Diagnostics, Format};
use demarcate::site::BuildOptions;

#[derive(Parser)]
#[command(name = "demarcate", version, about = "Service-boundary playbooks in, a static site of who owns what out.")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Create a new site with a config, two example playbooks and a .gitignore.
    Init {
        /// Folder to create (must not exist or be empty).
        dir: PathBuf,
        /// Also copy the default theme into DIR/themes/default for editing.
        #[arg(long)]
        theme: bool,
    },
    /// Check the playbooks and build the site.
    Build {
        /// The site folder (holding demarcate.yaml and content/).
        #[arg(default_value = ".")]
        site: PathBuf,
        /// Output folder [default: SITE/site].
        #[arg(short, long)]
        output: Option<PathBuf>,
        /// Override base_url from demarcate.yaml.
        #[arg(long, value_parser = absolute_url)]
        base_url: Option<String>,
        /// Include pages marked `draft: true`.
        #[arg(long)]
        drafts: bool,
        #[command(flatten)]
        reader: Reader,
        /// Print nothing but errors.
        #[arg(short, long)]
        quiet: bool,
        /// Build everything from scratch, ignoring the build cache in .demarcate-cache/
        /// (which is still refreshed for the next build). Files that come out byte for byte
        /// as the output folder holds them are left alone.
        #[arg(long)]
        no_cache: bool,
        /// Make every link relative to its page and name index.html, so the site works opened
        /// straight from disk (file://) with no web server: a copy on a laptop for when the
        /// intranet is down, or a zip for a client. The sitemap, robots.txt, the exports and
        /// links with a host keep absolute URLs.
        #[arg(long)]
        offline: bool,
        /// Build every client's own guide, each as `--client ID` would, into OUTPUT/ID
        /// [default OUTPUT: SITE/guides].
        #[arg(long, conflicts_with = "client")]
        each_client: bool,
    },
    /// Deletes an output folder a build replaced (started detached by `build`).
    #[command(hide = true)]
    RemoveOldOutput { path: PathBuf },
    /// Preview the site with live reload: builds into memory, serves it, rebuilds on every save.
    Serve {
        /// The site folder.
        #[arg(default_value = ".")]
        site: PathBuf,
        /// Port to listen on.
        #[arg(long, default_value_t = 1111)]
        port: u16,
        /// Address to listen on (loopback by default).
        #[arg(long, default_value = "127.0.0.1")]
        bind: String,
        /// Open the site in the default browser.
        #[arg(long)]
        open: bool,
        #[command(flatten)]
        reader: Reader,
        /// Include pages marked `draft: true`.
        #[arg(long)]
        drafts: bool,
        /// Print only errors.
        #[arg(short, long)]
        quiet: bool,
        /// How much of the rendered site to keep in memory, in MB. Past it the pages rendered
        /// or viewed longest ago are dropped, and rendered again when next asked for.
        #[arg(long, value_name = "MB", default_value_t = 256)]
        page_memory: usize,
    },
    /// Check the playbooks and report every problem, writing nothing.
    Check {
        /// The site folder.
        #[arg(default_value = ".")]
        site: PathBuf,
        /// Output format of the diagnostics.
        #[arg(long, value_enum, default_value = "human")]
        format: Format,
        /// Treat warnings as errors (`--deny warnings`).
        #[arg(long, value_parser = ["warnings"])]
        deny: Option<String>,
        #[command(flatten)]
        reader: Reader,
        /// Include pages marked `draft: true`.
        #[arg(long)]
        drafts: bool,
        /// Check every client's own guide, each as `--client ID` would; a problem several
        /// guides share is reported once.
        #[arg(long, conflicts_with = "client")]
        each_client: bool,
    },
}

/// Who a build is for: `--audience`, and `--client` for one client's guide.
#[derive(clap::Args)]
struct Reader {
    /// Which audience: the internal runbook site or the client guide [default: internal; client
    /// for one client's guide].
    #[arg(long, value_enum)]
    audience: Option<AudienceArg>,
    /// One client's guide: the client guide without any other client's playbooks, folders,
    /// owners or parties (PARTY is a client's id in demarcate.yaml; implies --audience client).
    #[arg(long, value_name = "PARTY")]
    client: Option<String>,
}

impl Reader {
    /// The build options of every client's guide (`--each-client`), or a usage error (exit 2)
    /// with `--audience internal`.
    fn guides_options(self, drafts: bool) -> BuildOptions {
        if self.audience == Some(AudienceArg::Internal) {
            guide_for_internal("--each-client");
        }
        BuildOptions { audience: Some(Audience::Client), ..self.options(drafts) }
    }

    /// The build options for this reader, or a usage error (exit 2) for an internal build of one
    /// client's guide.
    fn options(self, drafts: bool) -> BuildOptions {
        let audience = match (self.audience, &self.client) {
            (Some(AudienceArg::Internal), Some(client)) => guide_for_internal(&format!("--client {client}")),
            (_, Some(_)) => AudienceArg::Client,
            (audience, None) => audience.unwrap_or(AudienceArg::Internal),
        };
        BuildOptions { audience: Some(audience.into()), drafts, client: self.client, ..BuildOptions::default() }
    }
}

/// The usage error (exit 2) for a client's guide asked of the internal audience.
fn guide_for_internal(option: &str) -> ! {
    use clap::CommandFactory;
    Cli::command()
        .error(
            clap::error::ErrorKind::ArgumentConflict,
            format!("`{option}` builds client guides: it cannot be built with `--audience internal`"),
        )
        .exit()
}

/// The ids of the site's clients, for `--each-client`; or, having printed why there are none
/// to go through (`what` and `done`: "build" and "built", "check" and "checked"), the exit code.
fn clients_of(root: &Path, opts: &BuildOptions, quiet: bool, (what, done): (&str, &str)) -> Result<Vec<String>, ExitCode> {
    let frame = match demarcate::site::Frame::load(root, opts) {
        Ok(frame) => frame,
        Err(failure) => {
            print_build_diagnostics(root, &failure.diagnostics, quiet);
            eprintln!("{what} failed: the site's config cannot be read, so its clients are not known");
            return Err(ExitCode::from(1));
        }
    };
    // A registry with errors (an id that cannot name a folder among them) builds no guide; what
    // `checks:` turns down stays a warning, as in each build.
    let mut diagnostics = frame.diagnostics.clone();
    demarcate::check::apply_levels(&frame.cfg, &mut diagnostics);
    if diagnostics.errors() > 0 {
        print_build_diagnostics(root, &diagnostics, quiet);
        let counts = summary(&diagnostics, 0);
        eprintln!("{what} failed: {}; no guide was {done}", counts.rsplit_once(" in ").map_or("", |x| x.0));
        return Err(ExitCode::from(1));
    }
    let clients: Vec<String> = frame.reg.clients().map(str::to_string).collect();
    if clients.is_empty() {
        eprintln!("error: no party in {} has `kind: client`, so there is no client's guide to {what}", demarcate::config::CONFIG_FILE);
        return Err(ExitCode::from(1));
    }
    Ok(clients)
}

/// `build --each-client`: every client party's guide into `output/ID`, one build after another
/// (each with its own build cache, so the next run is warm). Exit 1 when any of them failed.
fn run_each_client(root: &Path, opts: BuildOptions, output: &Path, quiet: bool, use_cache: bool) -> ExitCode {
    let clients = match clients_of(root, &opts, quiet, ("build", "built")) {
        Ok(clients) => clients,
        Err(code) => return code,
    };
    let mut failed = 0;
    // The sources are read once: each guide's cold build takes over the model of the one before.
    let mut guides = Guides::default();
    let tidy = demarcate::cache::tidy_at_end(root);
    for id in &clients {
        let opts = BuildOptions { client: Some(id.clone()), ..opts.clone() };
        if run_build_reusing(root, &opts, &output.join(id), quiet, use_cache, Some(&mut guides)) != ExitCode::SUCCESS {
            failed += 1;
        }
    }
    drop(tidy);
    if failed > 0 {
        eprintln!("{failed} of {} client guides failed to build", clients.len());
        return ExitCode::from(1);
    }
    ExitCode::SUCCESS
}

#[derive(Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum AudienceArg {
    Internal,
    Client,
}

impl From<AudienceArg> for Audience {
    fn from(a: AudienceArg) -> Self {
        match a {
            AudienceArg::Internal => Audience::Internal,
            AudienceArg::Client => Audience::Client,
        }
    }
}

/// `--base-url`, refused as a usage error when it is not a site's address.
fn absolute_url(value: &str) -> Result<String, String> {
    match demarcate::site::base_url_problem(value) {
        Some(problem) => Err(format!("`{value}` is not the address of a site: {problem}")),
        None => Ok(value.to_string()),
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    set_purge_delay(&cli.command);
    match cli.command {
        Command::Init { dir, theme } => match demarcate::init::init(&dir, theme) {
            Ok(()) => {
                if dir == std::path::Path::new(".") {
                    println!("Created a new site in the current folder. Next: demarcate build");
                } else {
                    println!("Created a new site in {}. Next: demarcate build {}", dir.display(), dir.display());
                }
                ExitCode::SUCCESS
            }
            Err(e) => {
                eprintln!("error: {e}");
                ExitCode::from(2)
            }
        },
        Command::Build { site, output, base_url, drafts, reader, quiet, no_cache, offline, each_client } if each_client => {
            let opts = BuildOptions { base_url, offline, ..reader.guides_options(drafts) };
            let output = output.unwrap_or_else(|| site.join("guides"));
            run_each_client(&site, opts, &output, quiet, !no_cache)
        }
        Command::Build { site, output, base_url, drafts, reader, quiet, no_cache, offline, .. } => {
            let opts = BuildOptions { base_url, offline, ..reader.options(drafts) };
            let output = output.unwrap_or_else(|| site.join("site"));
            run_build(&site, &opts, &output, quiet, !no_cache)
        }
        Command::RemoveOldOutput { path } => match demarcate::output::remove_old_output(&path) {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => {
                eprintln!("error: {e}");
                ExitCode::from(2)
            }
        },
        Command::Serve { site, port, bind, open, reader, drafts, quiet, page_memory } => {
            let build = reader.options(drafts);
            let memory = page_memory.saturating_mul(1 << 20);
            let opts = demarcate::serve::ServeOptions { root: site, bind, port, open, build, quiet, memory };
            match demarcate::serve::serve(opts) {
                Ok(()) => ExitCode::SUCCESS,
                Err(e) => {
                    eprintln!("error: {e}");
                    ExitCode::from(1)
                }
            }
        }
        Command::Check { site, format, deny, reader, drafts, each_client } if each_client => {
            let opts = reader.guides_options(drafts);
            run_check_each_client(&site, opts, format, deny.is_some())
        }
        Command::Check { site, format, deny, reader, drafts, .. } => {
            let opts = reader.options(drafts);
            run_check(&site, &opts, format, deny.is_some())
        }
    }
}

/// How many diagnostics `build` prints in full: past this a build would bury its own summary
/// (a site dated ahead of today, or a corpus from another generator, has hundreds); `check` is
/// the command that lists every one.
const BUILD_SHOWN: usize = 50;

/// Prints the diagnostics (only the errors with `errors_only`), at most `limit` of them: errors
/// before warnings, each kept in its place in the list. Returns how many were left out.
fn print_diagnostics(root: &Path, diags: &Diagnostics, errors_only: bool, limit: Option<usize>) -> usize {
    let is_error = |d: &diagnostics::Diagnostic| d.severity == diagnostics::Severity::Error;
    let wanted: Vec<&diagnostics::Diagnostic> = diags.items.iter().filter(|d| !errors_only || is_error(d)).collect();
    let mut errors_left = limit.unwrap_or(usize::MAX);
    let mut warnings_left = errors_left.saturating_sub(wanted.iter().filter(|d| is_error(d)).count());
    let mut items = Vec::new();
    for d in &wanted {
        let left = if is_error(d) { &mut errors_left } else { &mut warnings_left };
        if *left > 0 {
            *left -= 1;
            items.push((*d).clone());
        }
    }
    if !items.is_empty() {
        let color = std::io::stderr().is_terminal() && std::env::var_os("NO_COLOR").is_none();
        let text = diagnostics::render_human(&items, root, color);
        let _ = std::io::stderr().write_all(text.as_bytes());
    }
    wanted.len() - items.len()
}

/// `build`'s diagnostics: at most [`BUILD_SHOWN`], then how many it left out. Whether it left
/// any out.
fn print_build_diagnostics(root: &Path, diags: &Diagnostics, errors_only: bool) -> bool {
    let hidden = print_diagnostics(root, diags, errors_only, Some(BUILD_SHOWN));
    if hidden > 0 {
        eprintln!("{hidden} more not shown here; `demarcate check` lists every one");
    }
    hidden > 0
}

fn summary(diags: &Diagnostics, playbooks: usize) -> String {
    format!("{}, {} in {}", counted(diags.errors(), "error"), counted(diags.warnings(), "warning"), counted(playbooks, "playbook"))
}

/// `n` and the word, plural unless `n` is one: `1 playbook`, `0 playbooks`.
fn counted(n: usize, word: &str) -> String {
    format!("{n} {word}{}", if n == 1 { "" } else { "s" })
}

/// For a long list of diagnostics, how many there are of each code, most first: the line a reader
/// of hundreds of them (a corpus from another generator) needs last.
fn by_code(diags: &Diagnostics) -> Option<String> {
    const LONG: usize = 10;
    if diags.items.len() <= LONG {
        return None;
    }
    let mut counts: Vec<(&str, usize)> = Vec::new();
    for d in &diags.items {
        match counts.iter_mut().find(|(code, _)| *code == d.code) {
            Some((_, n)) => *n += 1,
            None => counts.push((d.code, 1)),
        }
    }
    counts.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
    Some(format!("by code: {}", counts.iter().map(|(code, n)| format!("{n} {code}")).collect::<Vec<_>>().join(", ")))
}

/// Shows the build stage on a terminal when a build takes more than a moment.
fn progress(enabled: bool) -> Option<std::sync::mpsc::Sender<()>> {
    if !enabled {
        return None;
    }
    let (tx, rx) = std::sync::mpsc::channel::<()>();
    std::thread::spawn(move || {
        let mut shown = false;
        let mut waited = 0;
        loop {
            match rx.recv_timeout(std::time::Duration::from_millis(100)) {
                Err(std::sync::mpsc::RecvTimeoutError::Timeout) => {
                    waited += 100;
                    if waited >= 400 {
                        let stage = build::STAGES[usize::from(build::STAGE.load(Ordering::Relaxed)).min(4)];
                        eprint!("\r\x1b[2K  building: {stage}…");
                        shown = true;
                    }
                }
                _ => {
                    if shown {
                        eprint!("\r\x1b[2K");
                    }
                    return;
                }
            }
        }
    });
    Some(tx)
}

/// Deletes the output a build replaced in a detached process, so the command returns as soon as
/// the new output is in place (deleting 10,000 page folders takes seconds); without a process to
/// be had, deletes it here.
fn remove_in_background(old: demarcate::output::OldOutput) {
    use std::process::Stdio;
    let spawned = std::env::current_exe().and_then(|exe| {
        std::process::Command::new(exe)
            .arg("remove-old-output")
            .arg(old.path())
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
    });
    // The child is not waited for: it outlives this process.
    if spawned.is_ok() {
        old.into_path();
    }
}

fn run_build(root: &Path, opts: &BuildOptions, output: &Path, quiet: bool, use_cache: bool) -> ExitCode {
    run_build_reusing(root, opts, output, quiet, use_cache, None)
}

/// Diagnostics printed so far, by file, line, column, code and message.
type Printed = std::collections::HashSet<(String, usize, usize, &'static str, String)>;

/// What each guide of `--each-client` hands the next: the model ([`build::build_reusing`]), and
/// the diagnostics already printed. A problem on a page every guide shows is printed once, not
/// once a guide; each guide's summary line still counts it.
#[derive(Default)]
struct Guides {
    model: Option<demarcate::site::Previous>,
    printed: Printed,
}

/// Of `diags`, those to print (only the errors when `errors_only`) less those printed before
/// (`printed`, which they join); and how many it left out as printed before.
fn not_yet_printed(diags: &Diagnostics, errors_only: bool, printed: &mut Printed) -> (Diagnostics, usize) {
    let wanted: Vec<&diagnostics::Diagnostic> =
        diags.items.iter().filter(|d| !errors_only || d.severity == diagnostics::Severity::Error).collect();
    let mut fresh = Diagnostics::default();
    fresh.extend(
        wanted.iter().filter(|d| printed.insert((d.file.clone(), d.line, d.column, d.code, d.message.clone()))).map(|d| (*d).clone()),
    );
    let before = wanted.len() - fresh.items.len();
    (fresh, before)
}

/// [`run_build`], for one guide of several ([`Guides`]).
fn run_build_reusing(
    root: &Path,
    opts: &BuildOptions,
    output: &Path,
    quiet: bool,
    use_cache: bool,
    guides: Option<&mut Guides>,
) -> ExitCode {
    let (reuse, printed) = match guides {
        Some(g) => (Some(&mut g.model), Some(&mut g.printed)),
        None => (None, None),
    };
    let waiting = |lock: &Path| {
        if !quiet {
            eprintln!("Waiting for another build into {} to finish (it holds {})…", output.display(), lock.display());
        }
    };
    let ticker = progress(!quiet && std::io::stderr().is_terminal());
    let result = build::build_reusing(root, opts, output, use_cache, &waiting, reuse);
    if let Some(t) = ticker {
        let _ = t.send(());
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    let print = |diags: &Diagnostics, errors_only: bool, printed: Option<&mut Printed>| {
        let Some(printed) = printed else { return print_build_diagnostics(root, diags, errors_only) };
        let (fresh, before) = not_yet_printed(diags, errors_only, printed);
        let hidden = print_build_diagnostics(root, &fresh, errors_only);
        if before > 0 {
            eprintln!("{}, printed above for an earlier guide", counted(before, "more problem"));
        }
        hidden
    };
    match result {
        Ok(mut report) => {
            report.old_output.take().into_iter().chain(report.leftovers.drain(..)).for_each(remove_in_background);
            if !quiet {
                // A failed build counts them by code after its summary line; this one has
                // its summary on stdout.
                if print(&report.diagnostics, false, printed)
                    && let Some(counts) = by_code(&report.diagnostics)
                {
                    eprintln!("{counts}");
                }
                let warn = match report.diagnostics.warnings() {
                    0 => String::new(),
                    n => format!(" ({})", counted(n, "warning")),
                };
                if report.warm {
                    let mut what = match (report.files, report.removed) {
                        (0, 0) => "nothing to update".to_string(),
                        (n, 0) => format!("updated {}", counted(n, "file")),
                        (n, r) => format!("updated {}, deleted {r}", counted(n, "file")),
                    };
                    if report.kept > 0 {
                        let k = report.kept;
                        what.push_str(&format!(" ({k} more rendered the same, left alone)"));
                    }
                    println!(
                        "Built {} into {} in {:.2} s from the build cache: {what}{warn}",
                        counted(report.playbooks, "playbook"),
                        report.output.display(),
                        report.elapsed.as_secs_f64()
                    );
                } else {
                    let kept = if report.kept > 0 { format!(", {} of them unchanged", report.kept) } else { String::new() };
                    println!(
                        "Built {} ({}, {}{kept}) into {} in {:.2} s{warn}",
                        counted(report.playbooks, "playbook"),
                        counted(report.pages, "page"),
                        counted(report.files, "file"),
                        report.output.display(),
                        report.elapsed.as_secs_f64()
                    );
                }
            }
            ExitCode::SUCCESS
        }
        Err(BuildError::Content(diags)) => {
            print(&diags, quiet, printed);
            eprintln!(
                "build failed: {}; the previous output was left as it was",
                summary(&diags, 0).rsplit_once(" in ").map(|x| x.0).unwrap_or("")
            );
            if let Some(counts) = by_code(&diags) {
                eprintln!("{counts}");
            }
            ExitCode::from(1)
        }
        Err(BuildError::Output(e, diags)) => {
            print(&diags, quiet, printed);
            eprintln!("error: {e}");
            ExitCode::from(1)
        }
    }
}

/// `check --each-client`: every client's guide checked, each taking over the model of the one
/// before; every problem found reported once, however many guides share it, then a line for
/// each guide with problems.
fn run_check_each_client(root: &Path, opts: BuildOptions, format: Format, deny_warnings: bool) -> ExitCode {
    let clients = match clients_of(root, &opts, false, ("check", "checked")) {
        Ok(clients) => clients,
        Err(code) => return code,
    };
    let mut all = Diagnostics::default();
    let mut printed = Printed::default();
    let mut failing = Vec::new();
    let mut previous = None;
    for id in &clients {
        let opts = BuildOptions { client: Some(id.clone()), ..opts.clone() };
        let checked = match previous.take() {
            Some(p) => build::check_reusing(root, &opts, p),
            None => build::check(root, &opts),
        };
        let diags = &checked.diagnostics;
        if diags.has_errors() || (deny_warnings && diags.warnings() > 0) {
            let playbooks = checked.site.as_ref().map_or(0, |s| s.playbook_count());
            failing.push(format!("{id}: {}", summary(diags, playbooks)));
        }
        all.extend(not_yet_printed(diags, false, &mut printed).0.items);
        previous = match checked.site {
            Some(site) => Some(site.into_previous()),
            None => checked.previous.map(|p| *p),
        };
    }
    all.sort();
    match format {
        Format::Human => {
            print_diagnostics(root, &all, false, None);
            if all.items.is_empty() {
                println!("{} checked: no problems found", counted(clients.len(), "client guide"));
            } else {
                for line in &failing {
                    eprintln!("{line}");
                }
                eprintln!(
                    "{} in {}; {} failed",
                    counted(all.items.len(), "problem"),
                    counted(clients.len(), "client guide"),
                    failing.len()
                );
            }
        }
        Format::Json => println!("{}", diagnostics::render_json(&all.items)),
        Format::Github => print!("{}", diagnostics::render_github(&all.items)),
    }
    if failing.is_empty() { ExitCode::SUCCESS } else { ExitCode::from(1) }
}

fn run_check(root: &Path, opts: &BuildOptions, format: Format, deny_warnings: bool) -> ExitCode {
    let (site, diags) = build::check_once(root, opts);
    let playbooks = site.as_ref().map(|s| s.playbook_count()).unwrap_or(0);
    match format {
        Format::Human => {
            print_diagnostics(root, &diags, false, None);
            if diags.items.is_empty() {
                println!("{} checked: no problems found", counted(playbooks, "playbook"));
            } else {
                eprintln!("{}", summary(&diags, playbooks));
                if let Some(counts) = by_code(&diags) {
                    eprintln!("{counts}");
                }
            }
        }
        Format::Json => println!("{}", diagnostics::render_json(&diags.items)),
        Format::Github => print!("{}", diagnostics::render_github(&diags.items)),
    }
    let failed = diags.has_errors() || (deny_warnings && diags.warnings() > 0);
    if failed { ExitCode::from(1) } else { ExitCode::SUCCESS }
}

// Rendering allocates many small strings and maps on every thread; mimalloc roughly halves the
// time the system allocator spends on them. Built without transparent huge pages (`no_thp` in
// Cargo.toml): with them the heap is committed 2 MB at a time, which cost 45-55 MB of peak memory
// at 10,000 playbooks and 60-75 MB at 100,000, where the kernel also stalled in compaction to
// find free huge pages (`compact_stall` +300 to +2,500 per build, +40 to +190 without) while the page
// cache filled with output. Build time was within the noise either way.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// mimalloc's `purge_delay` option (`mi_option_e` in its `mimalloc.h`, whose numbering is kept
/// stable: retired options keep their slots).
const MI_OPTION_PURGE_DELAY: std::ffi::c_int = 15;
/// `serve` gives memory it freed back to the system after 100 ms.
const SERVE_PURGE_DELAY_MS: std::ffi::c_long = 100;
/// A one-shot command never does: its memory goes back when it exits.
const NEVER: std::ffi::c_long = -1;

unsafe extern "C" {
    fn mi_option_set(option: std::ffi::c_int, value: std::ffi::c_long);
    #[cfg(test)]
    fn mi_option_get(option: std::ffi::c_int) -> std::ffi::c_long;
}

// mimalloc v3 keeps freed memory for a second before returning it to the system. A large build
// frees much of its model between stages (raw assignments once rows are resolved, page text once
// its Markdown is rendered) and then allocates for rendering. Memory returned is memory faulted
// in again, which on a virtual machine means fresh pages from the host: a 100,000-playbook
// build purging after 100 ms took 1,010,000-1,035,000 page faults and 23.3 and 31.8 s, never
// purging 646,000-648,000 faults and 19.8 and 28.3 s (alternating), for a peak of 2,600 MB
// instead of 2,380 MB; at 10,000 playbooks 299 MB instead of 268 MB, a little faster in three
// alternating pairs. So `build` and `check` keep what they free for the next stage; `serve`,
// which lives on between rebuilds, hands it back after 100 ms. `MIMALLOC_PURGE_DELAY` in the
// environment still decides when it is set.
//
// mimalloc's periodic walk of a thread's heap (`generic_collect`, every 10,000 slow-path
// allocations) stays on although its cost grows with the heap (0.05-0.19 s of CPU at 100,000
// playbooks, nothing at 10,000): it also takes in blocks other threads freed and hands emptied
// pages back for any size to use, and without it two of six 100k builds peaked near 3 GB (2,991
// and 3,025 MiB, `/usr/bin/time`'s KB over 1,024) against 2,399-2,421 MiB in the others.
fn set_purge_delay(command: &Command) {
    let delay = if matches!(command, Command::Serve { .. }) { SERVE_PURGE_DELAY_MS } else { NEVER };
    if std::env::var_os("MIMALLOC_PURGE_DELAY").is_none() {
        // SAFETY: sets one of mimalloc's documented options; any value is valid at any time
        // (negative: no purging at all).
        unsafe { mi_option_set(MI_OPTION_PURGE_DELAY, delay) }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_purge_delay_is_set_in_the_allocator_this_binary_links() {
        // SAFETY: reads one of mimalloc's options.
        let default = unsafe { mi_option_get(MI_OPTION_PURGE_DELAY) };
        let serve = Cli::parse_from(["demarcate", "serve"]).command;
        let build = Cli::parse_from(["demarcate", "build"]).command;
        set_purge_delay(&serve);
        let serving = unsafe { mi_option_get(MI_OPTION_PURGE_DELAY) };
        set_purge_delay(&build);
        let building = unsafe { mi_option_get(MI_OPTION_PURGE_DELAY) };
        if std::env::var_os("MIMALLOC_PURGE_DELAY").is_none() {
            // The slot is purge_delay: v3's default for it is 1,000 ms.
            assert_eq!((default, serving, building), (1000, SERVE_PURGE_DELAY_MS, NEVER));
        }
    }
}
