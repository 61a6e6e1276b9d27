mod common;
use common::*;

#[test]
fn fixture_site_builds() {
    let s = Site::with_config();
    s.file("content/acme.md", &acme_playbook("Acme", "## Overview\n\nHello.\n"));
    s.run(&["build"]).ok();
    assert!(s.read("site/acme/index.html").contains("Acme"));
}
