//! The app's modules import one another without circles (issue 11: `routes` ↔ `startup` was one),
//! neither between top-level modules nor between files. The workspace's scanner
//! (`import-graph`) reads the sources.

use std::path::Path;

use import_graph::{circle, top_level, SourceTree};

#[test]
fn the_app_modules_import_one_another_without_circles() {
    let files = SourceTree::read(&Path::new(env!("CARGO_MANIFEST_DIR")).join("src")).edges();
    let modules = top_level(&files);
    assert!(
        modules.get("routes").is_some_and(|to| to.contains("state")),
        "the scan sees edges: {modules:?}"
    );
    assert!(
        files.keys().any(|node| node.starts_with("cache/")),
        "the scan sees the cache's files: {files:?}"
    );
    assert_eq!(circle(&modules), None, "{modules:?}");
    assert_eq!(circle(&files), None, "{files:?}");
}
