//! The site-wide FAQ view: its distinct questions (the same question in many playbooks listed
//! once, with every place it is asked), the full and the compact form past
//! [`FAQ_FULL_LIMIT`] questions, and the schema.org `FAQPage` data a playbook page carries.

use crate::HashMap;
use std::collections::BTreeMap;

use tera::Value;

use super::{Job, Paging, ROWS_PER_PAGE, Refs, page_count, paged_url, pager};
use crate::config::Audience;
use crate::site::Site;

/// A distinct question of the site-wide FAQ (compared trimmed and case-insensitively).
pub(crate) struct UniqueQuestion<'a> {
    pub item: &'a crate::site::FaqItem,
    /// The first playbook that asks it, and where in that playbook's questions.
    pub home: usize,
    pub at: usize,
    /// Every (page, question) answering it, the first one included.
    pub links: Vec<(usize, &'a crate::site::FaqItem)>,
}

/// The distinct questions of the visible pages, in page order; with `links`, each with every
/// place it is asked (only the full FAQ shows them).
fn unique_questions(site: &Site, links: bool) -> Vec<UniqueQuestion<'_>> {
    // Found by the key each item carries, checked against the text; a different question with
    // the same key (a 64-bit collision) is found by its lower-cased text instead.
    let mut by_key: HashMap<u64, usize> = HashMap::default();
    let mut by_text: HashMap<String, usize> = HashMap::default();
    let mut unique: Vec<UniqueQuestion> = Vec::new();
    for (i, _) in site.visible_pages() {
        for (at, f) in site.faqs[i].iter().enumerate() {
            let seen = match by_key.get(&f.key) {
                None => {
                    by_key.insert(f.key, unique.len());
                    None
                }
                Some(&u) if unique[u].item.same_question(f) => Some(u),
                Some(_) => {
                    let text = crate::site::FaqItem::folded(&f.question);
                    let seen = by_text.get(&text).copied();
                    if seen.is_none() {
                        by_text.insert(text, unique.len());
                    }
                    seen
                }
            };
            match seen {
                Some(u) if links => unique[u].links.push((i, f)),
                Some(_) => {}
                None => unique.push(UniqueQuestion { item: f, home: i, at, links: if links { vec![(i, f)] } else { Vec::new() } }),
            }
        }
    }
    unique
}

/// The FAQ's topics, in order (workstreams by id, then tags, then "Other questions" in the
/// compact form): (id, name, indices into `unique`).
fn faq_topics(site: &Site, unique: &[UniqueQuestion], compact: bool) -> Vec<(String, String, Vec<usize>)> {
    let mut topics: BTreeMap<(u8, &str), (&str, Vec<usize>)> = BTreeMap::new();
    for (k, u) in unique.iter().enumerate() {
        let f = u.item;
        for &w in &f.workstreams {
            let (id, ws) = &site.reg.workstreams[w];
            topics.entry((0, id)).or_insert_with(|| (&ws.name, Vec::new())).1.push(k);
        }
        for t in &f.tags {
            topics.entry((1, t)).or_insert_with(|| (t, Vec::new())).1.push(k);
        }
        if compact && f.workstreams.is_empty() && f.tags.is_empty() {
            topics.entry((2, "other")).or_insert_with(|| ("Other questions", Vec::new())).1.push(k);
        }
    }
    topics.into_iter().map(|((_, id), (name, list))| (id.to_string(), name.to_string(), list)).collect()
}

/// The site-wide FAQ, page `k`. A question asked in several playbooks is listed once, under the
/// first playbook that asks it, with a link to each place it is answered.
pub(super) fn faq_value(site: &Site, refs: &Refs, k: usize) -> Value {
    let first = format!("{}faq/", site.base_path);
    if let Some(c) = refs.faq(site) {
        return compact_faq_value(site, c, &first, k);
    }
    let unique = unique_questions(site, true);
    let mut by_playbook: Vec<(usize, Vec<Value>)> = Vec::new();
    let mut questions = Vec::new();
    let mut values = Vec::with_capacity(unique.len());
    for u in &unique {
        let f = u.item;
        let links: Vec<Value> = u
            .links
            .iter()
            .map(|&(i, f)| obj!("title": site.pages[i].title.as_str(), "link": format!("{}#{}", site.url(i), f.anchor)))
            .collect();
        let v = obj!(
            "question": f.question.as_str(), "answer": f.answer_html.as_str(), "anchor": f.anchor.as_str(),
            "link": format!("{}#{}", site.url(u.home), f.anchor), "links": links, "tags": f.tags.clone(), "internal": f.internal,
            "from": site.pages[u.home].title.as_str(),
        );
        match by_playbook.last_mut() {
            Some((home, list)) if *home == u.home => list.push(v.clone()),
            _ => by_playbook.push((u.home, vec![v.clone()])),
        }
        questions.push(v.clone());
        values.push(v);
    }
    let by_playbook: Vec<Value> = by_playbook.into_iter().map(|(i, qs)| obj!("playbook": refs.page(site, i), "questions": qs)).collect();
    let by_topic: Vec<Value> = faq_topics(site, &unique, false)
        .into_iter()
        .map(|(id, name, list)| {
            let questions: Vec<Value> = list.iter().map(|&k| values[k].clone()).collect();
            obj!("id": id, "name": name, "count": list.len(), "continued": false, "questions": questions)
        })
        .collect();
    obj!(
        "by_playbook": by_playbook, "by_topic": by_topic, "questions": questions, "compact": false,
        "topics": Vec::<Value>::new(), "pager": pager(&first, 0, &Paging::fixed(0)),
    )
}

/// Page `k` of the compact FAQ: the index of every topic, and this page's part of the list.
fn compact_faq_value(site: &Site, c: &CompactFaq, first: &str, k: usize) -> Value {
    let topics: Vec<Value> = (0..c.topics.len())
        .map(|t| {
            let (id, name, list) = &c.topics[t];
            obj!("id": id.as_str(), "name": name.as_str(), "count": list.len(), "link": c.topic_link(first, t, k))
        })
        .collect();
    let by_topic: Vec<Value> = c
        .on_page(k)
        .into_iter()
        .map(|(t, range)| {
            let (id, name, list) = &c.topics[t];
            let questions: Vec<Value> = list[range.clone()]
                .iter()
                .map(|&q| {
                    let f = c.item(site, q);
                    obj!("question": f.question.as_str(), "anchor": f.anchor.as_str(), "link": format!("{}#{}", site.url(c.questions[q].0), f.anchor), "internal": f.internal,
                         "from": site.pages[c.questions[q].0].title.as_str())
                })
                .collect();
            obj!("id": id.as_str(), "name": name.as_str(), "count": list.len(), "continued": range.start > 0, "questions": questions)
        })
        .collect();
    obj!(
        "by_playbook": Vec::<Value>::new(), "by_topic": by_topic, "questions": Vec::<Value>::new(), "compact": true,
        "topics": topics, "pager": pager(first, k, &Paging::fixed(c.rows)),
    )
}

/// A FAQ past [`FAQ_FULL_LIMIT`] distinct questions, which lists questions by topic with links
/// to their answers, over as many pages as the other long lists (a question under two topics
/// is two rows). Worked out once per render and shared by its pages.
pub(crate) struct CompactFaq {
    /// Each distinct question: (the first page asking it, its index among that page's questions).
    pub questions: Vec<(usize, usize)>,
    /// (id, name, questions), in order.
    pub topics: Vec<(String, String, Vec<usize>)>,
    /// The row each topic starts at.
    starts: Vec<usize>,
    pub rows: usize,
}

impl CompactFaq {
    /// `None` when the FAQ is small enough to show every answer on one page.
    pub(super) fn of(site: &Site) -> Option<CompactFaq> {
        let unique = unique_questions(site, false);
        if unique.len() <= FAQ_FULL_LIMIT {
            return None;
        }
        let topics = faq_topics(site, &unique, true);
        let mut starts = Vec::with_capacity(topics.len());
        let mut rows = 0;
        for (_, _, list) in &topics {
            starts.push(rows);
            rows += list.len();
        }
        let questions = unique.iter().map(|u| (u.home, u.at)).collect();
        Some(CompactFaq { questions, topics, starts, rows })
    }

    pub fn pages(&self) -> usize {
        page_count(self.rows)
    }

    pub fn item<'s>(&self, site: &'s Site, q: usize) -> &'s crate::site::FaqItem {
        let (page, at) = self.questions[q];
        &site.faqs[page][at]
    }

    /// The topics on page `k`, each with the range of its questions shown there.
    pub fn on_page(&self, k: usize) -> Vec<(usize, std::ops::Range<usize>)> {
        let (lo, hi) = (k * ROWS_PER_PAGE, (k + 1) * ROWS_PER_PAGE);
        let mut parts = Vec::new();
        for (t, (_, _, list)) in self.topics.iter().enumerate() {
            let start = self.starts[t];
            let (a, b) = (lo.max(start), hi.min(start + list.len()));
            if a < b {
                parts.push((t, a - start..b - start));
            }
        }
        parts
    }

    /// Where the index on page `k` links for topic `t`: its heading, on the page it starts on.
    pub fn topic_link(&self, first: &str, t: usize, k: usize) -> String {
        let on = self.starts[t] / ROWS_PER_PAGE;
        let id = &self.topics[t].0;
        if on == k { format!("#faq-topic-{id}") } else { format!("{}#faq-topic-{id}", paged_url(first, on)) }
    }
}

/// How many pages the site-wide FAQ has (more than one only in its compact form).
pub fn faq_page_count(site: &Site) -> usize {
    CompactFaq::of(site).map_or(1, |c| c.pages())
}

/// The files of the site-wide FAQ, relative to the output folder.
pub fn faq_paths(site: &Site) -> Vec<String> {
    (0..faq_page_count(site)).map(|k| Job::Faq(k).path(site)).collect()
}

/// Above this many distinct questions, /faq/ lists questions with links instead of answers.
pub const FAQ_FULL_LIMIT: usize = 500;

/// Keeps only the tags Google allows in FAQ answers (and `href` on links); drops the rest but
/// keeps their text.
pub fn sanitize_answer(html: &str) -> String {
    const ALLOWED: [&str; 15] = ["h1", "h2", "h3", "h4", "h5", "h6", "br", "ol", "ul", "li", "a", "p", "div", "b", "strong"];
    let allowed = |t: &str| ALLOWED.contains(&t) || t == "i" || t == "em";
    let mut out = String::with_capacity(html.len());
    let mut rest = html;
    while let Some(start) = rest.find('<') {
        out.push_str(&rest[..start]);
        let Some(end) = rest[start..].find('>') else {
            out.push_str(&rest[start..].replace('<', "&lt;"));
            return out;
        };
        let tag = &rest[start + 1..start + end];
        let closing = tag.starts_with('/');
        let name: String = tag.trim_start_matches('/').chars().take_while(|c| c.is_ascii_alphanumeric()).collect::<String>().to_lowercase();
        if allowed(&name) {
            if closing {
                out.push_str(&format!("</{name}>"));
            } else if name == "a" {
                let href = tag.split("href=\"").nth(1).and_then(|h| h.split('"').next()).unwrap_or("");
                out.push_str(&format!("<a href=\"{href}\">"));
            } else {
                out.push_str(&format!("<{name}>"));
            }
        }
        rest = &rest[start + end + 1..];
    }
    out.push_str(rest);
    out
}

/// JSON that can sit inside `<script>`: `<`, `>` and `&` are escaped so no text can close it.
pub fn script_safe_json(v: &serde_json::Value) -> String {
    script_safe(&serde_json::to_string(v).unwrap_or_default())
}

/// JSON text with `<`, `>` and `&` escaped (they only occur inside strings), so that it can
/// sit inside a `<script>` element: one pass.
fn script_safe(json: &str) -> String {
    let mut out = String::with_capacity(json.len() + 64);
    for c in json.chars() {
        match c {
            '<' => out.push_str("\\u003c"),
            '>' => out.push_str("\\u003e"),
            '&' => out.push_str("\\u0026"),
            c => out.push(c),
        }
    }
    out
}

/// The schema.org `FAQPage` of page `i` as JSON safe inside a `<script>` element. Written
/// straight from the FAQ items, keys in sorted order. Empty when the page has no questions, and
/// in the internal build: structured data is for search engines, and every internal page asks
/// them to stay away (`noindex`). It was 5 % of a playbook page's bytes, and of a build's CPU.
pub(super) fn faq_jsonld(site: &Site, i: usize) -> String {
    #[derive(serde::Serialize)]
    struct Answer {
        #[serde(rename = "@type")]
        kind: &'static str,
        text: String,
    }
    #[derive(serde::Serialize)]
    struct Question<'a> {
        #[serde(rename = "@type")]
        kind: &'static str,
        #[serde(rename = "acceptedAnswer")]
        accepted_answer: Answer,
        name: &'a str,
    }
    #[derive(serde::Serialize)]
    struct FaqPage<'a> {
        #[serde(rename = "@context")]
        context: &'static str,
        #[serde(rename = "@type")]
        kind: &'static str,
        #[serde(rename = "mainEntity")]
        main_entity: Vec<Question<'a>>,
    }
    let faqs = &site.faqs[i];
    if faqs.is_empty() || site.audience == Audience::Internal {
        return String::new();
    }
    let page = FaqPage {
        context: "https://schema.org",
        kind: "FAQPage",
        main_entity: faqs
            .iter()
            .map(|f| Question {
                kind: "Question",
                accepted_answer: Answer { kind: "Answer", text: sanitize_answer(&f.answer_html).trim().to_string() },
                name: &f.question,
            })
            .collect(),
    };
    let json = serde_json::to_string(&page).unwrap_or_default();
    script_safe(&json)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn repeated_questions_are_found_by_key_and_text_even_when_two_questions_share_a_key() {
        let dir = tempfile::tempdir().expect("temp dir");
        std::fs::write(dir.path().join("demarcate.yaml"), "title: T\n").expect("config");
        std::fs::create_dir_all(dir.path().join("content")).expect("content");
        let playbook = |questions: &[&str]| {
            let faq: String = questions.iter().map(|q| format!("  - q: \"{q}\"\n    a: Yes.\n")).collect();
            format!("---\ntitle: P\nfaq:\n{faq}---\nBody.\n")
        };
        std::fs::write(dir.path().join("content/a.md"), playbook(&["Who pays?", "Is it ÉTÉ?"])).expect("a");
        std::fs::write(dir.path().join("content/b.md"), playbook(&["  who PAYS?", "Is it été?", "Who signs?"])).expect("b");
        let Ok(mut site) = Site::load(dir.path(), &crate::site::BuildOptions::default()) else { panic!("the site loads") };
        let asked = |site: &Site, links: bool| -> Vec<(String, usize)> {
            unique_questions(site, links).iter().map(|u| (u.item.question.trim().to_string(), u.links.len())).collect()
        };
        let expected = |n: usize| -> Vec<(String, usize)> {
            vec![("Who pays?".into(), 2 * n), ("Is it ÉTÉ?".into(), 2 * n), ("Who signs?".into(), n)]
        };
        assert_eq!(asked(&site, true), expected(1), "the same question, however capitalised or spaced, is listed once");
        assert_eq!(asked(&site, false), expected(0), "without links, none are collected");
        // Another question given the key of one already seen (a hash collision) is still a
        // question of its own, and its repeats are still found.
        let (a, b) = (site.by_rel["a.md"], site.by_rel["b.md"]);
        let key = site.faqs[a][0].key;
        site.faqs[b][2].key = key;
        site.faqs[b][0].key = key;
        assert_eq!(asked(&site, true), expected(1));
        let c = site.faqs[b][2].clone();
        site.faqs[a].push(crate::site::FaqItem { question: "WHO SIGNS?".into(), ..c });
        let listed = asked(&site, true);
        let want: Vec<(String, usize)> = vec![("Who pays?".into(), 2), ("Is it ÉTÉ?".into(), 2), ("WHO SIGNS?".into(), 2)];
        assert_eq!(listed, want, "a colliding question, asked first in a.md, is found again in b.md by its text");
    }

    #[test]
    fn answers_keep_only_allowed_tags() {
        let s = sanitize_answer("<p>Hi <code>x</code> <a href=\"/a\" class=\"c\">l</a></p><pre><code>y</code></pre>");
        assert_eq!(s, "<p>Hi x <a href=\"/a\">l</a></p>y");
    }

    #[test]
    fn json_in_script_cannot_close_it() {
        let s = script_safe_json(&serde_json::json!({"q": "</script><b>"}));
        assert!(!s.contains("</script"));
        assert!(!s.contains('<'));
    }
}
