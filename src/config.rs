//! The site configuration, `demarcate.yaml`, and the registries it holds (parties, owners,
//! workstreams), which may also live in `parties.yaml`, `owners.yaml` and `workstreams.yaml`
//! beside it. Parsing is strict: an unknown key is an error with its line and a did-you-mean,
//! because a misspelt setting that is silently ignored is worse than a failed build.

use std::collections::BTreeMap;
use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::diagnostics::{Diagnostic, Diagnostics, Pos, did_you_mean};
use crate::yaml_shapes::{OneOrMany, OrderedMap};

pub const CONFIG_FILE: &str = "demarcate.yaml";

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Deserialize, Serialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum Audience {
    #[default]
    Internal,
    Client,
}

impl Audience {
    pub fn as_str(self) -> &'static str {
        match self {
            Audience::Internal => "internal",
            Audience::Client => "client",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Deserialize, Serialize, PartialOrd, Ord)]
#[serde(rename_all = "lowercase")]
pub enum PartyKind {
    Client,
    Provider,
    Vendor,
}

impl PartyKind {
    pub fn as_str(self) -> &'static str {
        match self {
            PartyKind::Client => "client",
            PartyKind::Provider => "provider",
            PartyKind::Vendor => "vendor",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum OwnerKind {
    #[default]
    Team,
    Person,
    Role,
}

/// Service hours of an owner, or the coverage a workstream promises.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Deserialize, Serialize)]
pub enum Hours {
    #[serde(rename = "business-hours")]
    BusinessHours,
    #[serde(rename = "extended-hours")]
    ExtendedHours,
    #[serde(rename = "24x7")]
    AllHours,
}

impl Hours {
    /// In words, for people.
    pub fn label(self) -> &'static str {
        match self {
            Hours::BusinessHours => "Business hours",
            Hours::ExtendedHours => "Extended hours",
            Hours::AllHours => "24×7",
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Hours::BusinessHours => "business-hours",
            Hours::ExtendedHours => "extended-hours",
            Hours::AllHours => "24x7",
        }
    }
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Party {
    pub name: String,
    pub kind: PartyKind,
    #[serde(default)]
    pub description: Option<String>,
    #[serde(default)]
    pub url: Option<String>,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Owner {
    pub name: String,
    pub party: String,
    #[serde(default)]
    pub kind: OwnerKind,
    #[serde(default)]
    pub contact: OneOrMany,
    #[serde(default)]
    pub hours: Option<Hours>,
    #[serde(default)]
    pub internal_contact: OneOrMany,
    #[serde(default)]
    pub aliases: Vec<String>,
    #[serde(default)]
    pub description: Option<String>,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Workstream {
    pub name: String,
    #[serde(default)]
    pub required: bool,
    #[serde(default)]
    pub description: Option<String>,
    #[serde(default)]
    pub aliases: Vec<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum UnknownKeys {
    #[default]
    Error,
    Extra,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FrontMatterConfig {
    #[serde(default)]
    pub unknown_keys: UnknownKeys,
}

/// Per-audience overrides of the site's identity.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AudienceConfig {
    pub title: Option<String>,
    pub base_url: Option<String>,
    pub description: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum RuleLevel {
    Error,
    Warning,
    Off,
}

impl RuleLevel {
    pub fn as_str(self) -> &'static str {
        match self {
            RuleLevel::Error => "error",
            RuleLevel::Warning => "warning",
            RuleLevel::Off => "off",
        }
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Thresholds {
    #[serde(default = "default_max_consulted")]
    pub max_consulted: usize,
    #[serde(default = "default_max_accountable")]
    pub max_accountable: usize,
}

fn default_max_consulted() -> usize {
    4
}
fn default_max_accountable() -> usize {
    8
}

impl Default for Thresholds {
    fn default() -> Self {
        Thresholds { max_consulted: default_max_consulted(), max_accountable: default_max_accountable() }
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FaqConfig {
    #[serde(default)]
    pub generate: bool,
    #[serde(default = "default_faq_headings")]
    pub headings: Vec<String>,
}

fn default_faq_headings() -> Vec<String> {
    vec!["Frequently asked questions".into(), "FAQ".into(), "FAQs".into()]
}

impl Default for FaqConfig {
    fn default() -> Self {
        FaqConfig { generate: false, headings: default_faq_headings() }
    }
}

/// `demarcate.yaml`, as written.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    #[serde(default = "default_title")]
    pub title: String,
    #[serde(default = "default_base_url")]
    pub base_url: String,
    #[serde(default)]
    pub description: String,
    #[serde(default = "default_language")]
    pub language: String,
    #[serde(default)]
    pub theme: Option<String>,
    #[serde(default)]
    pub audience: Audience,
    #[serde(default)]
    pub audiences: BTreeMap<Audience, AudienceConfig>,
    #[serde(default)]
    pub front_matter: FrontMatterConfig,
    #[serde(default)]
    pub checks: BTreeMap<String, RuleLevel>,
    #[serde(default)]
    pub thresholds: Thresholds,
    #[serde(default)]
    pub required_workstreams: Option<Vec<String>>,
    #[serde(default)]
    pub faq: FaqConfig,
    #[serde(default)]
    pub parties: OrderedMap<Party>,
    #[serde(default)]
    pub owners: OrderedMap<Owner>,
    #[serde(default)]
    pub workstreams: OrderedMap<Workstream>,
}

fn default_title() -> String {
    "Service boundaries".into()
}
fn default_base_url() -> String {
    "/".into()
}
fn default_language() -> String {
    "en".into()
}

/// Where each registry came from, so diagnostics about it can name the right file and line.
#[derive(Debug, Clone)]
pub struct RegistrySource {
    pub file: String,
    pub text: String,
    /// The key under which the registry sits in that file (`owners`), or none for a file that
    /// holds the registry at its top level (`owners.yaml`).
    pub prefix: Option<&'static str>,
}

impl RegistrySource {
    /// Positions inside this registry. The file is indexed on the first lookup, once: keep the
    /// value while reporting several problems.
    pub fn positions(&self) -> RegistryPositions<'_> {
        RegistryPositions { index: crate::content::LazyIndex::of(&self.text, 1), prefix: self.prefix }
    }
}

/// Finds keys and values of one registry, e.g. `["acme-it", "party"]`, wherever it sits.
pub struct RegistryPositions<'a> {
    index: crate::content::LazyIndex<'a>,
    prefix: Option<&'static str>,
}

impl RegistryPositions<'_> {
    fn full<'p>(&self, path: &[&'p str]) -> Vec<&'p str> {
        self.prefix.into_iter().chain(path.iter().copied()).collect()
    }
    pub fn key(&self, path: &[&str]) -> Pos {
        self.index.key(&self.full(path))
    }
    pub fn key_last(&self, path: &[&str]) -> Pos {
        self.index.key_last(&self.full(path))
    }
    pub fn value(&self, path: &[&str], value: &str) -> Pos {
        self.index.value(&self.full(path), value)
    }
}

/// The loaded configuration with its registries merged in and their sources remembered.
#[derive(Debug, Clone)]
pub struct SiteConfig {
    pub config: Config,
    pub parties_src: RegistrySource,
    pub owners_src: RegistrySource,
    pub workstreams_src: RegistrySource,
    /// True when no catalogue was given and the built-in nine workstreams apply.
    pub default_catalogue: bool,
    /// The raw text of every config file read, for the build cache and diagnostics.
    pub files: Vec<(String, String)>,
}

/// The nine workstreams every buyer should be able to answer for (DOMAIN.md), all required.
pub const DEFAULT_WORKSTREAMS: [(&str, &str, &str); 9] = [
    ("help-desk", "Help desk", "First-line support: tickets, calls and chats from users."),
    ("after-hours-escalation", "After-hours escalation", "Who answers outside business hours, and how."),
    ("security-monitoring", "Security monitoring", "Watching alerts and logs, and acting on them."),
    ("onboarding-offboarding", "Onboarding and offboarding", "Accounts, devices and access for joiners and leavers."),
    ("vendor-coordination", "Vendor coordination", "Working with third-party vendors and their support."),
    ("documentation", "Documentation", "Keeping the runbooks, diagrams and records current."),
    ("reporting", "Reporting", "Service reports, metrics and reviews."),
    ("project-delivery", "Project delivery", "Planning and delivering changes and projects."),
    ("strategic-roadmap", "Strategic roadmap", "Technology planning, budgets and priorities."),
];

/// Turns a serde_yaml error in `yaml` (whose first line is line `line_offset + 1` of `file`)
/// into a diagnostic with a stable code, the position and, for unknown keys, a did-you-mean.
pub fn yaml_error(file: &str, yaml: &str, err: &serde_yaml::Error, line_offset: usize) -> Diagnostic {
    let text = err.to_string();
    let syntax = SyntaxMessage::of(&text);
    let pos =
        err.location().map(|l| Pos { line: l.line() + line_offset, column: l.column(), width: 0 }).unwrap_or(Pos::line(1 + line_offset));
    if syntax.context.is_some() {
        return syntax_error(file, yaml, &syntax, pos, line_offset);
    }
    let message = syntax.problem;
    if let Some(rest) = message.split("unknown field `").nth(1) {
        let field = rest.split('`').next().unwrap_or_default().to_string();
        // serde words it "expected `a`", "expected `a` or `b`" or "expected one of `a`, `b`, `c`".
        let expected: Vec<&str> =
            message.split_once("expected ").map(|(_, list)| crate::yaml_words::backticked(list).collect()).unwrap_or_default();
        let help = match other_generators_name(&field, &expected).or_else(|| did_you_mean(&field, expected.iter().copied())) {
            Some(s) => format!("did you mean `{s}`?"),
            None if !expected.is_empty() => format!("known keys here: {}", expected.join(", ")),
            None => "remove the key".into(),
        };
        let context = message.split(": unknown field").next().filter(|c| !c.starts_with("unknown field"));
        let msg = match context {
            Some(c) => format!("unknown key `{field}` in `{c}`"),
            None => format!("unknown key `{field}`"),
        };
        return Diagnostic::error("unknown-key", file, msg).at(Pos { width: field.chars().count(), ..pos }).help(help);
    }
    if let Some((context, rest)) = message.split_once("duplicate field `") {
        // serde_yaml places it at the start of the mapping; the second key is the mistake.
        let key = rest.split('`').next().unwrap_or_default();
        let at = second_key_in_mapping(yaml, Pos { line: pos.line.saturating_sub(line_offset), ..pos }, key)
            .map_or(pos, |p| Pos { line: p.line + line_offset, ..p });
        return Diagnostic::error("invalid-yaml", file, format!("{context}`{key}` is given twice"))
            .at(at)
            .help("keep one of them: YAML keeps no duplicate keys");
    }
    let code = if message.contains("invalid type")
        || message.contains("unknown variant")
        || message.contains("invalid value")
        || message.contains("missing field")
    {
        "wrong-type"
    } else {
        "invalid-yaml"
    };
    if code == "wrong-type" {
        let (message, help) = crate::yaml_words::wrong_type(&message);
        let width = if message.contains("is missing") { 0 } else { value_width(yaml, pos, line_offset) };
        return Diagnostic::error(code, file, message).at(Pos { width, ..pos }).maybe_help(help);
    }
    Diagnostic::error(code, file, message).at(pos)
}

/// How many characters the value at `pos` spans on its line (up to the end of its brackets, or
/// in a flow mapping the next comma), a trailing comment left out: the marker under a wrong
/// value covers all of it.
fn value_width(yaml: &str, pos: Pos, line_offset: usize) -> usize {
    let Some(line) = pos.line.checked_sub(line_offset + 1).and_then(|n| yaml.lines().nth(n)) else { return 0 };
    let rest: String = line.chars().skip(pos.column.saturating_sub(1)).collect();
    let value = rest.split(" #").next().unwrap_or_default().trim_end();
    let mut flow = crate::yaml_recover::Flow::default();
    let mut width = 0;
    for c in value.chars() {
        let depth = flow.depth;
        match flow.structural(c) {
            Some(',' | ']' | '}') if depth == 0 => break,
            Some(']' | '}') if flow.depth == 0 => return width + 1,
            _ => width += 1,
        }
    }
    width
}

/// A YAML syntax error as serde_yaml (libyaml) words it: "PROBLEM at line L column C, while
/// CONTEXT at line L2 column C2", the positions relative to the YAML text, taken out here to
/// be reported in the file's own lines.
struct SyntaxMessage {
    problem: String,
    /// What the parser was reading ("while scanning a quoted scalar"), for a syntax error.
    context: Option<String>,
    /// Where that began (1-based line and column in the YAML).
    context_at: Option<(usize, usize)>,
}

impl SyntaxMessage {
    fn of(text: &str) -> SyntaxMessage {
        let (problem, context) = match text.split_once(", while ") {
            Some((problem, context)) if context.starts_with("scanning ") || context.starts_with("parsing ") => (problem, Some(context)),
            _ => (text, None),
        };
        let (problem, _) = without_mark(problem);
        match context.map(without_mark) {
            Some((context, at)) => SyntaxMessage { problem, context: Some(format!("while {context}")), context_at: at },
            None => SyntaxMessage { problem, context: None, context_at: None },
        }
    }
}

/// `text` without a trailing " at line L column C", and that position.
fn without_mark(text: &str) -> (String, Option<(usize, usize)>) {
    let Some(i) = text.rfind(" at line ") else { return (text.to_string(), None) };
    let mut numbers = text[i + " at line ".len()..].split(" column ").map(|n| n.trim().parse::<usize>().ok());
    let at = match (numbers.next().flatten(), numbers.next().flatten()) {
        (Some(line), Some(column)) => Some((line, column)),
        _ => None,
    };
    (text[..i].to_string(), at)
}

/// A YAML syntax error with what the parser was reading. Where that began is the mistake for
/// an unclosed quote (the parser only notices at the end of the front-matter) and for a line
/// without a `:` (noticed on the next line); elsewhere the problem's own position is, and the
/// other is given as help.
fn syntax_error(file: &str, yaml: &str, syntax: &SyntaxMessage, pos: Pos, line_offset: usize) -> Diagnostic {
    let SyntaxMessage { problem, context, context_at } = syntax;
    let context = context.as_deref().unwrap_or_default();
    let began = context_at.map(|(line, column)| Pos { line: line + line_offset, column, width: 0 });
    if let Some(began) = began {
        // Only the end of the text (or a `---` inside it) ends a quote unclosed; a bad escape
        // inside a closed one is reported where it is.
        let unclosed = problem.contains("end of stream") || problem.contains("document indicator");
        if context.contains("quoted scalar") && unclosed {
            return Diagnostic::error("invalid-yaml", file, "this quoted value is never closed")
                .at(began)
                .help("end it with the same quote it starts with, or leave the quotes out");
        }
        if context.contains("simple key") && problem.contains("expected ':'") {
            return Diagnostic::error("invalid-yaml", file, "this line has no `:` after its key")
                .at(began)
                .help("each line of a mapping is `key: value`; a value that goes on continues on lines indented under its key");
        }
    }
    let at_tab =
        yaml.lines().nth(pos.line.saturating_sub(line_offset + 1)).and_then(|l| l.chars().nth(pos.column.saturating_sub(1))) == Some('\t');
    let d = Diagnostic::error("invalid-yaml", file, format!("{problem}, {context}")).at(pos);
    match began {
        _ if at_tab => d.help("YAML does not allow tabs for indentation: use spaces"),
        Some(b) if b.line != pos.line => d.help(format!("the part it was reading starts at line {}", b.line)),
        _ => d,
    }
}

/// The key among `expected` that Hugo, Zola or Jekyll front-matter calls `field` (a page
/// moved from one of them says `description`, `date` or `categories`), which no spelling
/// distance would suggest.
fn other_generators_name<'a>(field: &str, expected: &[&'a str]) -> Option<&'a str> {
    let ours = match field.to_ascii_lowercase().as_str() {
        "description" | "excerpt" | "abstract" => "summary",
        "date" | "lastmod" | "last_modified" | "modified" => "updated",
        "categories" | "keywords" | "taxonomies" => "tags",
        "url" | "permalink" => "slug",
        "params" | "extra_params" => "extra",
        _ => return None,
    };
    expected.iter().copied().find(|e| *e == ours)
}

/// Where `key` appears a second time in the block mapping starting at `start` (1-based, in
/// `yaml`): the keys of one mapping share its column; the mapping ends at the first line
/// indented less. `None` for anything else (a flow mapping).
fn second_key_in_mapping(yaml: &str, start: Pos, key: &str) -> Option<Pos> {
    let indent = start.column.checked_sub(1)?;
    let names_key = |rest: &str| {
        let rest = rest.trim_start_matches(['"', '\'']);
        rest.strip_prefix(key).is_some_and(|after| after.trim_start_matches(['"', '\'']).trim_start().starts_with(':'))
    };
    let mut seen = 0;
    for (n, line) in yaml.lines().enumerate().skip(start.line.checked_sub(1)?) {
        let first = n + 1 == start.line;
        let body = line.trim_start_matches(' ');
        let depth = line.len() - body.len();
        if body.is_empty() || body.starts_with('#') {
            continue;
        }
        if !first && depth < indent {
            return None;
        }
        // The first line may start with `- ` before the mapping's first key.
        let at_key = if first { line.get(indent..) } else { (depth == indent).then_some(body) };
        if at_key.is_some_and(names_key) {
            seen += 1;
            if seen == 2 {
                return Some(Pos { line: n + 1, column: indent + 1, width: key.chars().count() });
            }
        }
    }
    None
}

/// Reads the config or a registry file, reporting every unknown key in one run: the value only
/// when it read without a mistake (a config with any is unusable).
fn read_strict<T: serde::de::DeserializeOwned>(file: &str, text: &str) -> Result<T, Vec<Diagnostic>> {
    match crate::yaml_recover::read_all(file, text, 0) {
        (Some(value), found) if found.is_empty() => Ok(value),
        (_, found) => Err(found),
    }
}

fn read_registry_file(root: &Path, name: &str, files: &mut Vec<(String, String)>, diags: &mut Diagnostics) -> Option<String> {
    let path = root.join(name);
    match std::fs::read_to_string(&path) {
        Ok(text) => {
            files.push((name.to_string(), text.clone()));
            Some(text)
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
        Err(e) => {
            diags.push(Diagnostic::error("io", name, format!("cannot read {name}: {e}")));
            None
        }
    }
}

/// Reads `demarcate.yaml` and the optional registry files. Every problem is pushed to `diags`;
/// `None` means the configuration is unusable.
pub fn load(root: &Path, diags: &mut Diagnostics) -> Option<SiteConfig> {
    let path = root.join(CONFIG_FILE);
    let text = match std::fs::read_to_string(&path) {
        Ok(t) => t,
        Err(e) => {
            let help = "run `demarcate init DIR` to create a site, or pass the site folder as an argument";
            diags.push(Diagnostic::error("no-config", CONFIG_FILE, format!("cannot read {}: {e}", path.display())).help(help));
            return None;
        }
    };
    let text = text.strip_prefix('\u{feff}').unwrap_or(&text).to_string();
    let mut files = vec![(CONFIG_FILE.to_string(), text.clone())];
    let mut config: Config = if text.trim().is_empty() {
        match serde_yaml::from_str("{}") {
            Ok(c) => c,
            Err(_) => return None,
        }
    } else {
        match read_strict(CONFIG_FILE, &text) {
            Ok(c) => c,
            Err(found) => {
                diags.extend(found);
                return None;
            }
        }
    };
    let mut sources = Vec::new();
    let mut ok = true;
    for name in ["parties", "owners", "workstreams"] {
        let file = format!("{name}.yaml");
        let in_config = match name {
            "parties" => !config.parties.is_empty(),
            "owners" => !config.owners.is_empty(),
            _ => !config.workstreams.is_empty(),
        };
        let prefix: &'static str = match name {
            "parties" => "parties",
            "owners" => "owners",
            _ => "workstreams",
        };
        let mut source = RegistrySource { file: CONFIG_FILE.into(), text: text.clone(), prefix: Some(prefix) };
        if let Some(reg_text) = read_registry_file(root, &file, &mut files, diags) {
            if in_config {
                diags.push(
                    Diagnostic::error(
                        "duplicate-registry",
                        file.as_str(),
                        format!("`{name}` is defined both in {CONFIG_FILE} and in {file}"),
                    )
                    .help(format!("keep one of them; {file} is meant for large sites")),
                );
                ok = false;
            } else {
                let read = match name {
                    "parties" => read_strict(&file, &reg_text).map(|v| config.parties = v),
                    "owners" => read_strict(&file, &reg_text).map(|v| config.owners = v),
                    _ => read_strict(&file, &reg_text).map(|v| config.workstreams = v),
                };
                if let Err(found) = read {
                    diags.extend(found);
                    ok = false;
                }
                source = RegistrySource { file: file.clone(), text: reg_text, prefix: None };
            }
        }
        sources.push(source);
    }
    // Raw controls are YAML errors already (libyaml refuses them); escaped ones are not.
    for (file, text) in &files {
        let found = crate::control_chars::escaped_errors(file, text, 1);
        ok &= found.is_empty();
        diags.extend(found);
    }
    if !ok {
        return None;
    }
    let default_catalogue = config.workstreams.is_empty();
    if default_catalogue {
        for (id, name, description) in DEFAULT_WORKSTREAMS {
            config.workstreams.entries.push((
                id.to_string(),
                Workstream { name: name.into(), required: true, description: Some(description.into()), aliases: Vec::new() },
            ));
        }
    }
    let workstreams_src = sources.pop()?;
    let owners_src = sources.pop()?;
    let parties_src = sources.pop()?;
    for (src, dups) in [
        (&parties_src, &config.parties.duplicates),
        (&owners_src, &config.owners.duplicates),
        (&workstreams_src, &config.workstreams.duplicates),
    ] {
        let at = src.positions();
        for d in dups {
            diags.push(Diagnostic::error("duplicate-key", src.file.as_str(), format!("`{d}` is defined twice")).at(at.key_last(&[d])));
        }
    }
    Some(SiteConfig { config, parties_src, owners_src, workstreams_src, default_catalogue, files })
}

impl SiteConfig {
    /// Title, base URL and description for one audience, with the per-audience overrides applied.
    pub fn identity(&self, audience: Audience) -> (String, String, String) {
        let c = &self.config;
        let o = c.audiences.get(&audience);
        let title = o.and_then(|o| o.title.clone()).unwrap_or_else(|| c.title.clone());
        let base = o.and_then(|o| o.base_url.clone()).unwrap_or_else(|| c.base_url.clone());
        let description = o.and_then(|o| o.description.clone()).unwrap_or_else(|| c.description.clone());
        (title, base, description)
    }
}
