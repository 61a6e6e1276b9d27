//! Which rebuild a changed path needs: a pure function of the path (relative to the site root)
//! and what happened to it, so watch mode's decisions are table-tested.

use crate::content::is_ignored_name;
use crate::preview::Rebuild;

/// What the file watcher saw happen to a path.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EventKind {
    Created,
    Modified,
    Removed,
}

const CONFIG_FILES: [&str; 4] = ["demarcate.yaml", "parties.yaml", "owners.yaml", "workstreams.yaml"];

/// Classifies one change. `rel` uses `/` separators and is relative to the site root.
pub fn classify(rel: &str, kind: EventKind) -> Rebuild {
    let parts: Vec<&str> = rel.split('/').filter(|p| !p.is_empty()).collect();
    let Some(name) = parts.last() else { return Rebuild::Nothing };
    // Editor leftovers, hidden files and anything inside hidden folders are never content.
    if parts.iter().any(|p| is_ignored_name(p)) || name.ends_with(".swo") || name.starts_with("4913") {
        return Rebuild::Nothing;
    }
    match parts.as_slice() {
        [file] if CONFIG_FILES.contains(file) => Rebuild::Config,
        // `content/` itself renamed, deleted or made again: everything under it came or went.
        ["content"] => Rebuild::ContentFile(String::new()),
        ["content", rest @ ..] if !rest.is_empty() => {
            let rel_content = rest.join("/");
            match (rel_content.ends_with(".md"), kind) {
                // Written, replaced whole by an editor's atomic save (a rename over it), or
                // deleted: the preview knows whether it is a page it has, as it was.
                (true, _) => Rebuild::Page(rel_content),
                // An image, a folder, or an editor's temporary file that may already be gone.
                (false, _) => Rebuild::ContentFile(rel_content),
            }
        }
        ["templates", ..] | ["themes", _, "templates", ..] => Rebuild::Templates,
        ["static", ..] | ["themes", _, "static", ..] => Rebuild::Static { css_only: name.ends_with(".css") && kind == EventKind::Modified },
        _ => Rebuild::Nothing,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use EventKind::*;

    #[test]
    fn classifies_paths_and_event_kinds() {
        let page = |s: &str| Rebuild::Page(s.to_string());
        let file = |s: &str| Rebuild::ContentFile(s.to_string());
        let table: &[(&str, EventKind, Rebuild)] = &[
            ("content/clients/acme/co-managed.md", Modified, page("clients/acme/co-managed.md")),
            ("content/_index.md", Modified, page("_index.md")),
            ("content/clients/acme/new.md", Created, page("clients/acme/new.md")),
            ("content/clients/acme/old.md", Removed, page("clients/acme/old.md")),
            ("content/clients/acme/diagram.png", Modified, file("clients/acme/diagram.png")),
            ("content/clients/acme/diagram.png", Removed, file("clients/acme/diagram.png")),
            ("content/clients/acme", Removed, file("clients/acme")),
            ("content", Removed, file("")),
            ("content", Created, file("")),
            ("content/clients/acme/co-managed.md___jb_tmp___", Created, file("clients/acme/co-managed.md___jb_tmp___")),
            ("content/clients/acme/.co-managed.md.swp", Modified, Rebuild::Nothing),
            ("content/clients/acme/co-managed.md~", Modified, Rebuild::Nothing),
            ("content/clients/acme/.#co-managed.md", Created, Rebuild::Nothing),
            ("content/.git/index", Modified, Rebuild::Nothing),
            ("content/4913", Created, Rebuild::Nothing),
            ("demarcate.yaml", Modified, Rebuild::Config),
            ("owners.yaml", Created, Rebuild::Config),
            ("templates/page.html", Modified, Rebuild::Templates),
            ("themes/default/templates/base.html", Modified, Rebuild::Templates),
            ("templates/partials/extra.html", Removed, Rebuild::Templates),
            ("static/style.css", Modified, Rebuild::Static { css_only: true }),
            ("themes/default/static/style.css", Modified, Rebuild::Static { css_only: true }),
            ("static/style.css", Created, Rebuild::Static { css_only: false }),
            ("static/logo.svg", Modified, Rebuild::Static { css_only: false }),
            ("site/index.html", Modified, Rebuild::Nothing),
            ("target/debug/demarcate", Modified, Rebuild::Nothing),
            ("README.md", Modified, Rebuild::Nothing),
            ("notes/draft.md", Modified, Rebuild::Nothing),
            ("", Modified, Rebuild::Nothing),
        ];
        for (path, kind, want) in table {
            assert_eq!(&classify(path, *kind), want, "{path} {kind:?}");
        }
    }
}
