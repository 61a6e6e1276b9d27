//! demarcate turns a folder of Markdown playbooks with YAML front-matter into a static site that
//! answers "who owns what" between a provider and its clients. See ARCHITECTURE.md for the map.

pub mod build;
pub mod cache;
pub mod check;
pub mod config;
pub mod content;
pub mod control_chars;
pub mod diagnostics;
pub mod init;
pub mod markdown;
pub mod memory_budget;
pub mod output;
pub mod output_lock;
pub mod output_stamps;
pub mod ownership;
pub mod preview;
pub mod read_ahead;
pub mod regular_file;
pub mod relative_links;
pub mod render;
pub mod serve;
pub mod site;
pub mod theme;
pub mod write_behind;
pub mod yaml_fast;
pub mod yaml_pos;
pub mod yaml_recover;
pub mod yaml_shapes;
pub mod yaml_words;

/// The hash map of every lookup the build makes per page (owner ids, anchors, questions,
/// diagnostics' keys): aHash, already in the tree through Tera, instead of SipHash, which took
/// 6.5 % of a build's instructions. Its keys are random per process, as std's are.
pub type HashMap<K, V> = std::collections::HashMap<K, V, ahash::RandomState>;
/// See [`HashMap`].
pub type HashSet<K> = std::collections::HashSet<K, ahash::RandomState>;
