//! Every Markdown file a Rust comment of the workspace cites exists in the repository, and has
//! the `§N` sections cited after it (`## N.` headings): a maintainer who clones the repository can
//! follow every reference (issue 25, item 10).

use std::path::{Path, PathBuf};

fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        let name = entry.file_name();
        if path.is_dir() {
            if !matches!(name.to_str(), Some("target" | "node_modules" | ".git")) {
                rust_files(&path, out);
            }
        } else if path.extension().is_some_and(|ext| ext == "rs") {
            out.push(path);
        }
    }
}

/// The `.md` paths a comment cites, each with the `§N` numbers that follow it.
fn citations(comment: &str) -> Vec<(String, Vec<u32>)> {
    let is_path_char = |c: char| c.is_ascii_alphanumeric() || "_./-".contains(c);
    let mut found: Vec<(String, Vec<u32>)> = Vec::new();
    let mut rest = comment;
    while let Some(at) = rest.find(".md") {
        let end = at + 3;
        let start = rest[..at].rfind(|c| !is_path_char(c)).map_or(0, |i| i + 1);
        let path = &rest[start..end];
        let tail = &rest[end..];
        let until = tail.find(".md").unwrap_or(tail.len());
        let sections = tail[..until]
            .split('§')
            .skip(1)
            .filter_map(|s| s.split(|c: char| !c.is_ascii_digit()).next()?.parse().ok())
            .collect();
        if start < at && !tail.starts_with(|c: char| c.is_ascii_alphanumeric()) {
            found.push((path.to_owned(), sections));
        }
        rest = tail;
    }
    found
}

/// `## N.` headings of a Markdown file.
fn sections_of(text: &str) -> Vec<u32> {
    text.lines()
        .filter_map(|line| line.strip_prefix("## ")?.split('.').next()?.trim().parse().ok())
        .collect()
}

#[test]
fn comments_cite_files_and_sections_that_exist() {
    let root = workspace_root();
    let mut files = Vec::new();
    for dir in ["crates", "tests", "fuzz", "bench"] {
        rust_files(&root.join(dir), &mut files);
    }
    assert!(files.len() > 50, "the scan found the workspace's sources");
    let mut problems = Vec::new();
    let mut cited = 0;
    for file in &files {
        let text = std::fs::read_to_string(file).expect("read source");
        for (n, line) in text.lines().enumerate() {
            let Some((_, comment)) = line.split_once("//") else {
                continue;
            };
            for (path, sections) in citations(comment) {
                cited += 1;
                let place = format!("{}:{}", file.strip_prefix(&root).unwrap_or(file).display(), n + 1);
                let candidates = [root.join(&path), file.parent().expect("a directory").join(&path)];
                let Some(target) = candidates.iter().find(|p| p.is_file()) else {
                    problems.push(format!("{place}: cites {path}, which is not in the repository"));
                    continue;
                };
                let have = sections_of(&std::fs::read_to_string(target).expect("read cited file"));
                for section in sections.iter().filter(|s| !have.contains(s)) {
                    problems.push(format!(
                        "{place}: cites {path} §{section}, which it does not have"
                    ));
                }
            }
        }
    }
    assert!(cited > 10, "the scan found the citations ({cited})");
    assert!(
        problems.is_empty(),
        "dangling citations:\n{}",
        problems.join("\n")
    );
}

#[test]
fn citations_are_read_with_their_sections() {
    assert_eq!(
        citations(" Clerk's order (docs/clerk-behaviour.md §3 and §10), see README.md."),
        vec![
            ("docs/clerk-behaviour.md".to_owned(), vec![3, 10]),
            ("README.md".to_owned(), vec![]),
        ]
    );
    assert_eq!(
        citations(" (DESIGN.md, §2.3)"),
        vec![("DESIGN.md".to_owned(), vec![2])]
    );
    assert_eq!(sections_of("# T\n## 1. A\n### 1.1 x\n## 12. B\n"), vec![1, 12]);
}
