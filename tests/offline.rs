//! `build --offline`: a site that works opened straight from disk (`file://`), with no web
//! server. Every link, stylesheet, script and form of every page names a file that exists,
//! relative to the page; a warm rebuild writes what a cold one does; switching the option
//! never reuses the other mode's cache; the sitemap keeps its absolute URLs.

mod common;

use std::path::Path;

use common::*;

/// How a browser resolves each link into the site from a page opened from disk: every
/// `href`, `src` and `action` of every HTML file of `out` that is neither an anchor on the
/// same page nor a link elsewhere (a scheme, a host). Returns the number of such links and
/// those that name no file (`page: link`). A root-absolute link (`/owners/`) names the
/// disk's root from `file://`, and a folder shows a listing: both count as naming no file.
fn links_from_disk(out: &Path) -> (usize, Vec<String>) {
    let (mut checked, mut missing) = (0, Vec::new());
    for rel in files_below(out).into_iter().filter(|f| f.ends_with(".html")) {
        let html = std::fs::read_to_string(out.join(&rel)).unwrap_or_else(|e| panic!("read {rel}: {e}"));
        let dir = out.join(&rel).parent().expect("a page's folder").to_path_buf();
        for name in ["href", "src", "action"] {
            for link in attr_values(&html, name) {
                if link.starts_with('#') || link.contains(':') || link.starts_with("//") {
                    continue;
                }
                checked += 1;
                let path = link.split(['?', '#']).next().unwrap_or_default();
                if path.starts_with('/') || !dir.join(path).is_file() {
                    missing.push(format!("{rel}: {link}"));
                }
            }
        }
    }
    (checked, missing)
}

#[test]
fn an_offline_build_links_every_page_to_files_that_exist_for_both_audiences() {
    let site = example_site();
    for audience in ["internal", "client"] {
        let out = site.path().join(format!("offline-{audience}"));
        let out_arg = out.to_str().expect("utf-8 path");
        run_in(site.path(), &["build", "--offline", "--audience", audience, "-o", out_arg, "-q"]).ok();
        let (checked, missing) = links_from_disk(&out);
        assert!(checked > 300, "{audience}: only {checked} links checked");
        assert!(missing.is_empty(), "{audience}: {} of {checked} links name no file from disk:\n{}", missing.len(), missing.join("\n"));
        // The page's own stylesheet and the header's search form, from three folders down.
        let page = std::fs::read_to_string(out.join("clients/harborview/managed/index.html")).expect("a playbook page");
        assert!(attr_values(&page, "href").contains(&"../../../static/style.css".to_string()), "the stylesheet, relative");
        assert!(attr_values(&page, "action").contains(&"../../../search/index.html".to_string()), "the header's search form");
        // What is read by machines keeps its absolute URLs.
        let sitemap = std::fs::read_to_string(out.join("sitemap.xml")).expect("sitemap");
        let base = if audience == "internal" { "https://playbooks.northwind.example/" } else { "https://guide.northwind.example/" };
        assert!(sitemap.contains(&format!("<loc>{base}clients/harborview/</loc>")), "{sitemap}");
        let index = std::fs::read_to_string(out.join("search-index.js")).expect("search index");
        assert!(
            index.contains("\"base\":\"/\"") && index.contains("\"/owners/"),
            "the index keeps the site's paths and says where they start"
        );
    }

    // Without the option the same check fails: the pages link root-absolute folder URLs, which
    // need a web server.
    let out = site.path().join("served");
    run_in(site.path(), &["build", "-o", out.to_str().expect("utf-8 path"), "-q"]).ok();
    let (checked, missing) = links_from_disk(&out);
    assert!(missing.len() * 2 > checked, "a served build's links are root-absolute: {} of {checked}", missing.len());
}

#[test]
fn an_offline_warm_rebuild_writes_what_a_cold_one_does_and_the_modes_never_share_a_cache() {
    let site = example_site();
    let warm = site.path().join("warm");
    let cold = site.path().join("cold");
    let (warm_arg, cold_arg) = (warm.to_str().expect("utf-8 path"), cold.to_str().expect("utf-8 path"));
    run_in(site.path(), &["build", "--offline", "-o", warm_arg, "-q"]).ok();

    // An edit with a new link, a new playbook and a changed owner on a row: a warm build each.
    let page = site.path().join("content/clients/harborview/managed.md");
    let text = std::fs::read_to_string(&page).expect("read playbook");
    std::fs::write(&page, format!("{text}\nSee also the [co-managed playbook](co-managed.md#overview).\n")).expect("edit");
    let added = std::fs::read_to_string(site.path().join("content/clients/linden-marsh/managed.md")).expect("read");
    std::fs::write(site.path().join("content/clients/linden-marsh/second.md"), added.replacen("title: ", "title: Second ", 1))
        .expect("add");
    std::thread::sleep(std::time::Duration::from_millis(1100));
    let run = run_in(site.path(), &["build", "--offline", "-o", warm_arg]);
    run.ok();
    assert!(run.all().contains("from the build cache"), "the rebuild was warm:\n{}", run.all());
    run_in(site.path(), &["build", "--offline", "--no-cache", "-o", cold_arg, "-q"]).ok();
    let files = |dir: &Path| files_below(dir).into_iter().filter(|f| !f.starts_with(".demarcate")).collect::<Vec<_>>();
    assert_eq!(files(&warm), files(&cold));
    for f in files(&cold) {
        assert!(std::fs::read(warm.join(&f)).ok() == std::fs::read(cold.join(&f)).ok(), "{f} differs between the warm and the cold build");
    }
    let edited = std::fs::read_to_string(warm.join("clients/harborview/managed/index.html")).expect("edited page");
    assert!(hrefs(&edited).contains(&"../co-managed/index.html#overview".to_string()), "the new link, relative by the shortest path");

    // The same folder built without the option: absolute links again, nothing offline left
    // over from the cache; and back.
    run_in(site.path(), &["build", "-o", warm_arg, "-q"]).ok();
    let served = std::fs::read_to_string(warm.join("clients/harborview/managed/index.html")).expect("page");
    assert!(hrefs(&served).contains(&"/clients/harborview/co-managed/#overview".to_string()), "the new link, root-absolute");
    assert!(!hrefs(&served).iter().any(|h| h.contains("index.html")), "no offline link left in a served build");
    run_in(site.path(), &["build", "--offline", "-o", warm_arg, "-q"]).ok();
    assert_eq!(
        std::fs::read(warm.join("clients/harborview/managed/index.html")).ok(),
        std::fs::read(cold.join("clients/harborview/managed/index.html")).ok()
    );
}

/// Every file below `a` and `b` but the cache's, and whether each holds the same bytes in both.
fn assert_same_output(a: &Path, b: &Path, when: &str) {
    let files = |dir: &Path| files_below(dir).into_iter().filter(|f| !f.starts_with(".demarcate")).collect::<Vec<_>>();
    assert_eq!(files(a), files(b), "{when}: the same files");
    for f in files(b) {
        assert!(
            std::fs::read(a.join(&f)).ok() == std::fs::read(b.join(&f)).ok(),
            "{when}: {f} differs between the warm and the cold build"
        );
    }
}

#[test]
fn offline_links_to_a_file_named_without_a_dot_or_a_folder_named_with_one_open_from_disk() {
    let site = example_site();
    // Broken links as warnings, so that a page can link a file or a page before it exists.
    let config = site.path().join("demarcate.yaml");
    let text = std::fs::read_to_string(&config).expect("read config");
    std::fs::write(&config, format!("{text}\nchecks: {{broken-link: warning}}\n")).expect("write config");
    std::fs::create_dir_all(site.path().join("content/guides/files")).expect("mkdir");
    std::fs::write(site.path().join("content/guides/files/LICENSE"), "Shared under the Northwind terms.\n").expect("licence");
    std::fs::create_dir_all(site.path().join("content/guides/v1.2")).expect("mkdir");
    std::fs::write(site.path().join("content/guides/v1.2/_index.md"), "---\ntitle: Release 1.2 notes\n---\nWhat changed.\n")
        .expect("notes");
    let guide = site.path().join("content/guides/how-to-read-a-playbook.md");
    let text = std::fs::read_to_string(&guide).expect("read guide");
    std::fs::write(
        &guide,
        format!(
            "{text}\nThe [licence](files/LICENSE), the [1.2 notes](/guides/v1.2), the [notice](/guides/files/NOTICE) \
             and the [2.0 notes](/guides/v2.0), the last two not written yet.\n"
        ),
    )
    .expect("edit guide");
    let warm = site.path().join("warm");
    let cold = site.path().join("cold");
    let (warm_arg, cold_arg) = (warm.to_str().expect("utf-8 path"), cold.to_str().expect("utf-8 path"));
    run_in(site.path(), &["build", "--offline", "-o", warm_arg, "-q"]).ok();
    let page = std::fs::read_to_string(warm.join("guides/how-to-read-a-playbook/index.html")).expect("the guide");
    let links = hrefs(&page);
    // A file's name without a dot and a folder's name with one, as the site has them; what it
    // does not have yet, by the name's shape.
    for want in ["../files/LICENSE", "../v1.2/index.html", "../files/NOTICE/index.html", "../v2.0"] {
        assert!(links.contains(&want.to_string()), "{want} among the guide's links: {links:?}");
    }
    let (_, missing) = links_from_disk(&warm);
    // (The guide's last question takes the paragraph to the FAQ too.)
    assert!(
        !missing.is_empty() && missing.iter().all(|m| m.ends_with("/NOTICE/index.html") || m.ends_with("/v2.0")),
        "only the links to what is not there yet name no file: {missing:?}"
    );

    // The notice arrives, then the 2.0 notes: the links to each name what now exists, as a
    // cold build writes them.
    std::fs::write(site.path().join("content/guides/files/NOTICE"), "Third-party notices.\n").expect("notice");
    std::thread::sleep(std::time::Duration::from_millis(1100));
    run_in(site.path(), &["build", "--offline", "-o", warm_arg, "-q"]).ok();
    run_in(site.path(), &["build", "--offline", "--no-cache", "-o", cold_arg, "-q"]).ok();
    assert_same_output(&warm, &cold, "after the notice came");
    let page = std::fs::read_to_string(warm.join("guides/how-to-read-a-playbook/index.html")).expect("the guide");
    assert!(hrefs(&page).contains(&"../files/NOTICE".to_string()), "the notice, a file: {:?}", hrefs(&page));

    std::fs::create_dir_all(site.path().join("content/guides/v2.0")).expect("mkdir");
    std::fs::write(site.path().join("content/guides/v2.0/_index.md"), "---\ntitle: Release 2.0 notes\n---\nWhat changed.\n")
        .expect("notes");
    std::thread::sleep(std::time::Duration::from_millis(1100));
    run_in(site.path(), &["build", "--offline", "-o", warm_arg, "-q"]).ok();
    std::fs::remove_dir_all(&cold).expect("remove the cold build");
    run_in(site.path(), &["build", "--offline", "--no-cache", "-o", cold_arg, "-q"]).ok();
    assert_same_output(&warm, &cold, "after the 2.0 notes came");
    let (checked, missing) = links_from_disk(&warm);
    assert!(missing.is_empty(), "{} of {checked} links name no file from disk:\n{}", missing.len(), missing.join("\n"));
}
