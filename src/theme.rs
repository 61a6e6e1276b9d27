//! Themes: the default theme compiled into the binary, an optional site theme under
//! `themes/NAME/`, and the site's own `templates/` and `static/`, layered so that each later
//! layer replaces the earlier one file by file.

use std::collections::BTreeMap;
use std::path::Path;

use walkdir::WalkDir;

use crate::content::{is_ignored_name, rel_to};
use crate::diagnostics::Diagnostic;

include!(concat!(env!("OUT_DIR"), "/default_theme.rs"));

/// Template sources by name, and static files by path below `static/`, with the file each came
/// from (for error messages).
#[derive(Debug, Default, Clone)]
pub struct ThemeFiles {
    pub templates: BTreeMap<String, (String, String)>,
    pub statics: BTreeMap<String, Vec<u8>>,
}

/// The files of one layer's folder (`templates/` or `static/`), in name order, each with its
/// path relative to `dir`; nothing when there is no such folder.
fn layer_files(dir: &Path) -> impl Iterator<Item = (String, walkdir::DirEntry)> + '_ {
    WalkDir::new(dir)
        .sort_by_file_name()
        .into_iter()
        .filter_entry(|e| e.depth() == 0 || !is_ignored_name(&e.file_name().to_string_lossy()))
        .filter_map(Result::ok)
        // A layer folder that is a file is no layer.
        .filter(|e| e.depth() > 0 && e.file_type().is_file())
        .map(move |e| (rel_to(dir, e.path()), e))
}

fn add_dir(root: &Path, dir: &Path, into_templates: bool, files: &mut ThemeFiles, diags: &mut Vec<Diagnostic>) {
    for (rel, entry) in layer_files(dir) {
        let shown = rel_to(root, entry.path());
        match std::fs::read(entry.path()) {
            Ok(bytes) if into_templates => match String::from_utf8(bytes) {
                Ok(text) => {
                    files.templates.insert(rel, (shown, text));
                }
                Err(_) => diags.push(Diagnostic::error("template-error", shown, "template is not UTF-8 text")),
            },
            Ok(bytes) => {
                files.statics.insert(rel, bytes);
            }
            Err(e) => diags.push(Diagnostic::error("io", shown, format!("cannot read: {e}"))),
        }
    }
}

/// Loads the layers for a site: default theme, `themes/NAME/` when `theme: NAME` is set, then
/// the site's `templates/` and `static/`.
pub fn load(root: &Path, theme: Option<&str>, diags: &mut Vec<Diagnostic>) -> ThemeFiles {
    let mut files = ThemeFiles::default();
    for (path, bytes) in DEFAULT_THEME {
        if let Some(t) = path.strip_prefix("templates/") {
            files
                .templates
                .insert(t.to_string(), (format!("(built-in) themes/default/{path}"), String::from_utf8_lossy(bytes).into_owned()));
        } else if let Some(s) = path.strip_prefix("static/") {
            files.statics.insert(s.to_string(), bytes.to_vec());
        }
    }
    if let Some(name) = site_theme(root, theme) {
        let dir = root.join("themes").join(name);
        if !dir.is_dir() {
            diags.push(
                Diagnostic::error("unknown-theme", "demarcate.yaml", format!("theme `{name}` not found: no folder themes/{name}/"))
                    .at(crate::yaml_pos::YamlIndex::new(&std::fs::read_to_string(root.join("demarcate.yaml")).unwrap_or_default(), 1)
                        .key(&["theme"]))
                    .help("remove `theme:` to use the built-in default theme, or create the folder"),
            );
        } else {
            add_dir(root, &dir.join("templates"), true, &mut files, diags);
            add_dir(root, &dir.join("static"), false, &mut files, diags);
        }
    }
    add_dir(root, &root.join("templates"), true, &mut files, diags);
    add_dir(root, &root.join("static"), false, &mut files, diags);
    files
}

/// The theme of `themes/` a site's `theme:` names: none for the built-in default, unless the
/// site has a `themes/default/` of its own.
fn site_theme<'a>(root: &Path, theme: Option<&'a str>) -> Option<&'a str> {
    theme.filter(|n| *n != "default" || root.join("themes/default").is_dir())
}

/// The paths below `static/` that a build of the site at `root` copies there from its layers
/// (what [`load`] gathers, without reading a file): what links into `/static/` can name.
pub fn static_names(root: &Path, theme: Option<&str>) -> crate::HashSet<String> {
    let mut names: crate::HashSet<String> =
        DEFAULT_THEME.iter().filter_map(|(path, _)| path.strip_prefix("static/")).map(str::to_string).collect();
    let theme_dir = site_theme(root, theme).map(|name| root.join("themes").join(name).join("static"));
    for dir in theme_dir.iter().chain([&root.join("static")]) {
        names.extend(layer_files(dir).map(|(rel, _)| rel));
    }
    names
}

/// Writes the default theme out for editing (`demarcate init --theme`).
pub fn export_default(dest: &Path) -> std::io::Result<()> {
    for (path, bytes) in DEFAULT_THEME {
        let target = dest.join(path);
        if let Some(parent) = target.parent() {
            std::fs::create_dir_all(parent)?;
        }
        std::fs::write(target, bytes)?;
    }
    Ok(())
}
