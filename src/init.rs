//! `demarcate init DIR`: a new site that builds and checks clean on the first try, so a new
//! user starts from something that works and edits it.

use std::path::Path;

const CONFIG: &str = r#"title: Service boundaries
description: Who owns what between us and our clients.
base_url: https://example.com/
language: en
audience: client

parties:
  provider: {name: Our Managed Services, kind: provider}
  example-client: {name: Example Client Ltd, kind: client}

owners:
  service-desk:
    name: Service desk
    party: provider
    contact: support@provider.example
    hours: 24x7
  engineering:
    name: Engineering
    party: provider
    contact: engineering@provider.example
    hours: business-hours
  account-manager:
    name: Account manager
    party: provider
    kind: role
    contact: accounts@provider.example
    hours: business-hours
  client-it:
    name: Client IT team
    party: example-client
    contact: it@client.example
    hours: business-hours
  client-leadership:
    name: Client leadership
    party: example-client
    contact: leadership@client.example
    hours: business-hours
"#;

const HOME: &str = r#"---
title: Service boundaries
---

Each playbook below says, for every workstream, who is accountable, who does the work, who is
consulted and who is told. Start with a client, or open the [ownership matrix](/matrix/).
"#;

fn playbook(title: &str, model: &str, keep: &[&str]) -> String {
    let mut fm = format!(
        "---\ntitle: {title}\nsummary: How work is split in the {model} engagement.\nclient: example-client\nmodel: {model}\nworkstreams:\n"
    );
    for ws in [
        "help-desk",
        "after-hours-escalation",
        "security-monitoring",
        "onboarding-offboarding",
        "vendor-coordination",
        "documentation",
        "reporting",
        "project-delivery",
        "strategic-roadmap",
    ] {
        if keep.contains(&ws) {
            fm.push_str(&format!("  {ws}:\n    accountable: client-it\n    responsible: [client-it]\n    consulted: [engineering]\n    informed: [client-leadership]\n"));
        } else if ws == "after-hours-escalation" || ws == "help-desk" {
            fm.push_str(&format!(
                "  {ws}:\n    accountable: service-desk\n    responsible: [service-desk]\n    informed: [client-it]\n    coverage: 24x7\n    after_hours: service-desk\n    escalation: [service-desk, engineering]\n    handoff: Tickets the desk cannot close go to engineering with notes attached.\n"
            ));
        } else if ws == "strategic-roadmap" {
            fm.push_str(&format!(
                "  {ws}:\n    accountable: client-leadership\n    responsible: [account-manager]\n    consulted: [client-it]\n"
            ));
        } else {
            fm.push_str(&format!("  {ws}: engineering\n"));
        }
    }
    fm.push_str("faq:\n  - q: Who do we call first?\n    a: The service desk, at any hour. It escalates for you.\n");
    fm.push_str("---\n\n## Overview\n\nWrite here what this engagement covers and what it does not.\n\n## Escalation path\n\n1. The service desk takes the call and opens a ticket.\n2. Engineering picks up anything the desk cannot close within its targets.\n\n```sh\n# Example: check that the VPN gateway answers\nping -c 3 vpn.client.example\n```\n");
    fm
}

pub fn init(dir: &Path, with_theme: bool) -> Result<(), String> {
    if dir.exists() {
        let mut entries = std::fs::read_dir(dir).map_err(|e| format!("cannot read {}: {e}", dir.display()))?;
        if entries.next().is_some() {
            return Err(format!("{} is not empty; choose a new folder", dir.display()));
        }
    }
    let write = |rel: &str, text: &str| -> Result<(), String> {
        let p = dir.join(rel);
        if let Some(parent) = p.parent() {
            std::fs::create_dir_all(parent).map_err(|e| format!("cannot create {}: {e}", parent.display()))?;
        }
        std::fs::write(&p, text).map_err(|e| format!("cannot write {}: {e}", p.display()))
    };
    let mut config = CONFIG.to_string();
    if with_theme {
        config.push_str("theme: default\n");
    }
    write("demarcate.yaml", &config)?;
    // Anchored to the site's root: a bare `site/` would also hide a content folder named `site`
    // (an on-site support section, say) from git.
    write(".gitignore", "/site/\n/guides/\n/.demarcate-cache/\n")?;
    write("content/_index.md", HOME)?;
    write("content/clients/_index.md", "---\ntitle: Clients\n---\n\nOne folder per client, one playbook per engagement model.\n")?;
    write(
        "content/clients/example-client/co-managed.md",
        &playbook("Example Client — co-managed", "co-managed", &["onboarding-offboarding", "documentation", "reporting"]),
    )?;
    write("content/clients/example-client/managed.md", &playbook("Example Client — fully managed", "managed", &[]))?;
    if with_theme {
        crate::theme::export_default(&dir.join("themes/default")).map_err(|e| format!("cannot copy the theme: {e}"))?;
    }
    Ok(())
}
