//! No module of clerk-actix sits on an import circle, and the request-layer files are all there
//! (issue 11 item 9:
//! `state.rs` holds what the middleware, extractors, guards and `Protect` share, so none of them
//! needs another).
//!
//! The workspace's scanner (`import-graph`) reads the sources, one node per file
//! (`machine/accepted.rs` is its own node).

use std::path::Path;

use import_graph::{circle, SourceTree};

/// The files whose modules must not sit on an import circle.
const REQUEST_LAYER: &[&str] = &[
    "authenticate",
    "error",
    "extractors",
    "guards",
    "middleware",
    "protect",
    "state",
    "user_source",
];

#[test]
fn the_request_layer_has_no_import_circle() {
    let krate = SourceTree::read(&Path::new(env!("CARGO_MANIFEST_DIR")).join("src"));
    let graph = krate.edges();

    // The reader sees the edges this test is about (else it would pass by seeing nothing).
    for (from, to) in [
        ("state", "clerk"),
        ("extractors", "state"),
        ("guards", "state"),
        ("protect", "state"),
        ("middleware", "state"),
        ("machine/accepted", "state"),
    ] {
        assert!(
            graph.get(from).is_some_and(|targets| targets.contains(to)),
            "{from} → {to} not seen: {graph:?}"
        );
    }
    // Issue 25, item 2: machine verification is clerk-core's; the handle needs nothing of the
    // adapter's machine module.
    assert!(
        !graph
            .get("clerk")
            .is_some_and(|targets| targets.iter().any(|to| to.starts_with("machine"))),
        "clerk → machine: {graph:?}"
    );
    for node in REQUEST_LAYER {
        assert!(krate.code.contains_key(*node), "no file for {node}");
    }
    // Every module, not only the request layer: `config` ↔ `clerk` was one before `build()`
    // moved into `clerk.rs`.
    if let Some(circle) = circle(&graph) {
        panic!("import circle: {}", circle.join(" → "));
    }
}
