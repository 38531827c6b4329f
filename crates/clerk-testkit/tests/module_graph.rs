//! The emulator's modules import one another without circles, neither between its groups
//! (`api`, `store`, `instance`, `webhooks`, `faults`, …) nor between files. The workspace's
//! scanner (`import-graph`) reads the sources.

use std::path::Path;

use import_graph::{circle, top_level, SourceTree};

#[test]
fn the_emulators_modules_import_one_another_without_circles() {
    let files = SourceTree::read(&Path::new(env!("CARGO_MANIFEST_DIR")).join("src")).edges();
    let groups = top_level(&files);
    assert!(
        groups.get("api").is_some_and(|to| to.contains("store")),
        "the scan sees edges: {groups:?}"
    );
    assert_eq!(circle(&groups), None, "{groups:?}");
    assert_eq!(circle(&files), None, "{files:?}");
}
