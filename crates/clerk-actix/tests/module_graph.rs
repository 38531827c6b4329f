//! No module of clerk-actix sits on an import circle, and the request-layer files are all there
//! (issue 11 item 9:
//! `state.rs` holds what the middleware, extractors, guards and `Protect` share, so none of them
//! needs another).
//!
//! Reads the sources, one node per file (`protect/mode.rs` is its own node): an edge `a → b` is a
//! `crate::…` or `super::…` path in `a`'s code that resolves to `b`, through the `pub use`
//! re-exports of the crate root and of modules with children (`crate::Clerk` → `clerk`). Comments
//! and `#[cfg(test)]` modules do not count.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// The files whose modules must not sit on an import circle.
const REQUEST_LAYER: &[&str] = &[
    "authenticate",
    "error",
    "extractors",
    "guards",
    "middleware",
    "protect",
    "protect/mode",
    "state",
    "user_source",
];

struct Crate {
    /// Node (`""` for the crate root) → its code, comments and tests left out.
    code: BTreeMap<String, String>,
    /// Node → (re-exported name → node it comes from).
    exports: BTreeMap<String, BTreeMap<String, String>>,
}

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

/// `client/mod.rs` → `client`, `protect/mode.rs` → `protect/mode`, `lib.rs` → ``.
fn node_of(root: &Path, file: &Path) -> String {
    let relative = file.strip_prefix(root).expect("under src");
    let name = relative.with_extension("").to_string_lossy().replace('\\', "/");
    match name.as_str() {
        "lib" => String::new(),
        _ => name.trim_end_matches("/mod").to_owned(),
    }
}

fn code_of(text: &str) -> String {
    let text = text.split("#[cfg(test)]").next().unwrap_or_default();
    text.lines()
        .filter(|line| !line.trim_start().starts_with("//"))
        .collect::<Vec<_>>()
        .join("\n")
}

fn child(parent: &str, name: &str) -> String {
    if parent.is_empty() {
        name.to_owned()
    } else {
        format!("{parent}/{name}")
    }
}

fn parent(node: &str) -> String {
    node.rsplit_once('/')
        .map_or(String::new(), |(parent, _)| parent.to_owned())
}

fn ident(text: &str) -> &str {
    let end = text
        .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
        .unwrap_or(text.len());
    &text[..end]
}

/// The paths a `use` tree or an expression names after `prefix`: `a::b::C` or, for a group,
/// each of `{a, b::C}` (one level of nesting is enough for this crate).
fn paths_after(code: &str, prefix: &str) -> Vec<Vec<String>> {
    let mut out = Vec::new();
    for (at, _) in code.match_indices(prefix) {
        if code[..at].ends_with(|c: char| c.is_ascii_alphanumeric() || c == '_' || c == ':') {
            continue;
        }
        out.extend(tree(&code[at + prefix.len()..], Vec::new()));
    }
    out
}

fn tree(rest: &str, head: Vec<String>) -> Vec<Vec<String>> {
    let rest = rest.trim_start();
    if let Some(group) = rest.strip_prefix('{') {
        let mut depth = 1;
        let end = group
            .char_indices()
            .find(|&(_, c)| {
                depth += i32::from(c == '{') - i32::from(c == '}');
                depth == 0
            })
            .map_or(group.len(), |(i, _)| i);
        let mut out = Vec::new();
        let mut depth = 0;
        let mut start = 0;
        let inner = &group[..end];
        for (i, c) in inner.char_indices().chain([(inner.len(), ',')]) {
            match c {
                '{' => depth += 1,
                '}' => depth -= 1,
                ',' if depth == 0 => {
                    out.extend(tree(&inner[start..i], head.clone()));
                    start = i + 1;
                }
                _ => {}
            }
        }
        return out;
    }
    let name = ident(rest);
    if name.is_empty() {
        return vec![head];
    }
    let mut head = head;
    head.push(name.to_owned());
    match rest[name.len()..].strip_prefix("::") {
        Some(more) => tree(more, head),
        None => vec![head],
    }
}

impl Crate {
    fn read(root: &Path) -> Self {
        let mut files = Vec::new();
        rust_files(root, &mut files);
        let code: BTreeMap<String, String> = files
            .iter()
            .map(|file| {
                let text = std::fs::read_to_string(file).expect("read source");
                (node_of(root, file), code_of(&text))
            })
            .collect();
        let mut krate = Crate {
            code,
            exports: BTreeMap::new(),
        };
        let exports = krate
            .code
            .iter()
            .map(|(node, code)| {
                let mut names = BTreeMap::new();
                for path in paths_after(code, "pub use ") {
                    if let Some((name, module)) = path.split_last() {
                        let target = krate.walk(node, module);
                        if target != *node {
                            names.insert(name.clone(), target);
                        }
                    }
                }
                (node.clone(), names)
            })
            .collect();
        krate.exports = exports;
        krate
    }

    /// The node a path from `start` ends in: modules are followed, then one re-exported name.
    fn walk(&self, start: &str, path: &[String]) -> String {
        let mut at = start.to_owned();
        for segment in path {
            let next = child(&at, segment);
            if self.code.contains_key(&next) {
                at = next;
            } else if let Some(target) = self.exports.get(&at).and_then(|names| names.get(segment)) {
                return target.clone();
            } else {
                break;
            }
        }
        at
    }

    fn edges(&self) -> BTreeMap<String, BTreeSet<String>> {
        let mut graph: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
        for (node, code) in &self.code {
            let found = paths_after(code, "crate::")
                .into_iter()
                .map(|path| self.walk("", &path))
                .chain(
                    paths_after(code, "super::")
                        .into_iter()
                        .map(|path| self.walk(&parent(node), &path)),
                );
            for target in found {
                if !target.is_empty() && target != *node {
                    graph.entry(node.clone()).or_default().insert(target);
                }
            }
        }
        graph
    }
}

/// A path from `from` back to itself, if there is one.
fn circle_through(graph: &BTreeMap<String, BTreeSet<String>>, from: &str) -> Option<Vec<String>> {
    let mut stack = vec![vec![from.to_owned()]];
    let mut seen = BTreeSet::new();
    while let Some(path) = stack.pop() {
        let last = path.last().expect("a path is never empty");
        for next in graph.get(last).into_iter().flatten() {
            if next == from {
                let mut circle = path.clone();
                circle.push(from.to_owned());
                return Some(circle);
            }
            if seen.insert(next.clone()) {
                let mut longer = path.clone();
                longer.push(next.clone());
                stack.push(longer);
            }
        }
    }
    None
}

#[test]
fn the_request_layer_has_no_import_circle() {
    let krate = Crate::read(&Path::new(env!("CARGO_MANIFEST_DIR")).join("src"));
    let graph = krate.edges();

    // The reader sees the edges this test is about (else it would pass by seeing nothing).
    for (from, to) in [
        ("state", "clerk"),
        ("extractors", "state"),
        ("guards", "state"),
        ("protect", "state"),
        ("middleware", "state"),
        ("config", "protect/mode"),
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
    for node in krate.code.keys() {
        if let Some(circle) = circle_through(&graph, node) {
            panic!("import circle: {}", circle.join(" → "));
        }
    }
}
