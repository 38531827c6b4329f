//! The app's modules import one another without circles (issue 11: `routes` ↔ `startup` was one).
//!
//! Reads the sources: an edge `a → b` is any `crate::b` path in a file of module `a` (top level),
//! or any `super::b` path in a file of `cache` (its submodules). Doc comments do not count.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

type Graph = BTreeMap<String, BTreeSet<String>>;

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("read src") {
        let path = entry.expect("dir entry").path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|ext| ext == "rs") {
            out.push(path);
        }
    }
}

/// The identifiers that follow `prefix` in the code lines of `text`.
fn targets<'a>(text: &'a str, prefix: &'a str) -> impl Iterator<Item = &'a str> + 'a {
    text.lines()
        .filter(|line| !line.trim_start().starts_with("//"))
        .flat_map(move |line| {
            line.match_indices(prefix)
                .map(move |(at, _)| &line[at + prefix.len()..])
        })
        .map(|rest| {
            let end = rest
                .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
                .unwrap_or(rest.len());
            &rest[..end]
        })
}

/// The module a file belongs to: the first path component under `root`, without `.rs`.
fn module_of(root: &Path, file: &Path) -> String {
    let relative = file.strip_prefix(root).expect("under root");
    let first = relative.components().next().expect("a component");
    first
        .as_os_str()
        .to_string_lossy()
        .trim_end_matches(".rs")
        .to_owned()
}

fn graph(root: &Path, prefix: &str) -> Graph {
    let mut files = Vec::new();
    rust_files(root, &mut files);
    let modules: BTreeSet<String> = files.iter().map(|file| module_of(root, file)).collect();
    let mut graph = Graph::new();
    for file in &files {
        let from = module_of(root, file);
        let text = std::fs::read_to_string(file).expect("read source");
        for to in targets(&text, prefix) {
            if to != from && modules.contains(to) {
                graph.entry(from.clone()).or_default().insert(to.to_owned());
            }
        }
    }
    graph
}

/// A circle of `graph`, if it has one.
fn circle(graph: &Graph) -> Option<Vec<String>> {
    fn visit(
        node: &str,
        graph: &Graph,
        path: &mut Vec<String>,
        done: &mut BTreeSet<String>,
    ) -> Option<Vec<String>> {
        if let Some(at) = path.iter().position(|seen| seen == node) {
            let mut circle = path[at..].to_vec();
            circle.push(node.to_owned());
            return Some(circle);
        }
        if done.contains(node) {
            return None;
        }
        path.push(node.to_owned());
        for next in graph.get(node).into_iter().flatten() {
            if let Some(circle) = visit(next, graph, path, done) {
                return Some(circle);
            }
        }
        path.pop();
        done.insert(node.to_owned());
        None
    }
    let mut done = BTreeSet::new();
    graph
        .keys()
        .find_map(|node| visit(node, graph, &mut Vec::new(), &mut done))
}

#[test]
fn the_circle_finder_finds_circles() {
    let mut graph = Graph::new();
    graph.entry("routes".into()).or_default().insert("startup".into());
    graph.entry("startup".into()).or_default().insert("admin".into());
    assert_eq!(circle(&graph), None);
    graph.entry("admin".into()).or_default().insert("routes".into());
    assert_eq!(
        circle(&graph),
        Some(vec![
            "admin".into(),
            "routes".into(),
            "startup".into(),
            "admin".into()
        ])
    );
}

#[test]
fn the_app_modules_import_one_another_without_circles() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let top = graph(&src, "crate::");
    assert!(
        top.get("routes").is_some_and(|to| to.contains("state")),
        "the scan sees edges: {top:?}"
    );
    assert_eq!(circle(&top), None, "{top:?}");
    let cache = graph(&src.join("cache"), "super::");
    assert!(!cache.is_empty(), "the scan sees edges");
    assert_eq!(circle(&cache), None, "{cache:?}");
}
