//! The module-graph scanner the workspace's tests share (issue 25): a crate's sources read as
//! one node per file (`client/mod.rs` → `client`, `protect/mode.rs` → `protect/mode`, `lib.rs`
//! → ``), an edge `a → b` for each `crate::…` or `super::…` path in `a`'s code that resolves to
//! `b`, through the `pub use` re-exports of the crate root and of modules with children
//! (`crate::Clerk` → `clerk`), and a circle finder. Comments and `#[cfg(test)]` modules do not
//! count.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// Node → the nodes it imports from.
pub type Graph = BTreeMap<String, BTreeSet<String>>;

/// A crate's sources read as modules: one node per file.
pub struct SourceTree {
    /// Node (`""` for the crate root) → its code, comments and tests left out.
    pub code: BTreeMap<String, String>,
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

impl SourceTree {
    /// Reads every `.rs` file under `root` (a crate's `src`).
    #[must_use]
    pub fn read(root: &Path) -> Self {
        let mut files = Vec::new();
        rust_files(root, &mut files);
        let code: BTreeMap<String, String> = files
            .iter()
            .map(|file| {
                let text = std::fs::read_to_string(file).expect("read source");
                (node_of(root, file), code_of(&text))
            })
            .collect();
        let mut krate = SourceTree {
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

    /// Node → the nodes its code names.
    #[must_use]
    pub fn edges(&self) -> Graph {
        let mut graph = Graph::new();
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

/// A circle of `graph` (its nodes, the first repeated at the end), if it has one.
#[must_use]
pub fn circle(graph: &Graph) -> Option<Vec<String>> {
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

/// `graph` with every node folded into its top-level module (`cache/reconcile` → `cache`),
/// edges inside one module left out: the circles between modules rather than files.
#[must_use]
pub fn top_level(graph: &Graph) -> Graph {
    let top = |node: &str| node.split('/').next().unwrap_or(node).to_owned();
    let mut folded = Graph::new();
    for (from, targets) in graph {
        for to in targets {
            let (from, to) = (top(from), top(to));
            if from != to {
                folded.entry(from).or_default().insert(to);
            }
        }
    }
    folded
}

#[cfg(test)]
mod tests {
    use super::*;

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
    fn folding_to_modules_finds_circles_between_modules() {
        let mut graph = Graph::new();
        graph
            .entry("routes/admin".into())
            .or_default()
            .insert("startup".into());
        graph
            .entry("startup/config".into())
            .or_default()
            .insert("routes".into());
        assert_eq!(circle(&graph), None);
        assert_eq!(
            circle(&top_level(&graph)),
            Some(vec!["routes".into(), "startup".into(), "routes".into()])
        );
    }
}
