//! Coverage of Clerk's Backend API spec (issue 26): every operation of the spec has a typed call
//! or is deliberately left out with a reason.
//!
//! A generated call covers its operation (the table's `call`, written by the generator with the
//! call); a hand-written call covers an operation when the client's sources name its endpoint
//! label (`"GET /v1/users/{id}"`, the label every call passes to the shared request plumbing,
//! which its metrics and errors carry), with the same method and path shape.
//!
//! While issue 26 is open, the operations without a call are listed in
//! `codegen/uncovered.txt`, and this test asserts the list is exactly the uncovered set: it
//! can only shrink. A new call must remove its line; an operation losing its call (or a new one
//! in a new spec) fails until someone decides.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use clerk_backend::operations::OPERATIONS;

const METHODS: &[&str] = &["GET", "POST", "PUT", "PATCH", "DELETE"];

/// `/users/{user_id}/oauth_access_tokens/{provider}` → `/users/{}/oauth_access_tokens/{}`.
fn shape(path: &str) -> String {
    let path = path.strip_prefix("/v1").unwrap_or(path);
    path.split('/')
        .map(|segment| if segment.contains('{') { "{}" } else { segment })
        .collect::<Vec<_>>()
        .join("/")
}

/// Every `"METHOD /path"` endpoint label in the client's sources (outside generated tables),
/// as (method, path shape).
fn labels() -> BTreeSet<(String, String)> {
    // The client's modules are flat: `src/*.rs` and `src/generated/*.rs`.
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let files: Vec<PathBuf> = [src.clone(), src.join("generated")]
        .iter()
        .flat_map(|dir| std::fs::read_dir(dir).expect("read src"))
        .map(|entry| entry.expect("dir entry").path())
        .filter(|path| path.extension().is_some_and(|ext| ext == "rs"))
        .collect();
    let mut found = BTreeSet::new();
    for file in files
        .iter()
        .filter(|file| !file.ends_with("generated/operations.rs"))
    {
        let text = std::fs::read_to_string(file).expect("source readable");
        for piece in text.split('"').skip(1).step_by(2) {
            let Some((method, path)) = piece.split_once(' ') else {
                continue;
            };
            let is_path = path.starts_with('/')
                && path
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || "_/{}".contains(c));
            if METHODS.contains(&method) && is_path {
                found.insert((method.to_owned(), shape(path)));
            }
        }
    }
    found
}

fn uncovered() -> Vec<&'static str> {
    let labels = labels();
    OPERATIONS
        .iter()
        .filter(|op| op.left_out.is_none() && op.call.is_none())
        .filter(|op| !labels.contains(&(op.method.as_str().to_owned(), shape(op.path))))
        .map(|op| op.operation_id)
        .collect()
}

#[test]
fn the_table_has_every_operation_of_the_spec_once() {
    let ids: BTreeSet<&str> = OPERATIONS.iter().map(|op| op.operation_id).collect();
    assert_eq!(
        OPERATIONS.len(),
        249,
        "the spec bapi_2026-05-12.yml has 249 operations"
    );
    assert_eq!(ids.len(), OPERATIONS.len(), "an operationId twice");
    let names: BTreeSet<&str> = OPERATIONS.iter().map(|op| op.name).collect();
    assert_eq!(names.len(), OPERATIONS.len(), "two operations with one name");
}

#[test]
fn every_operation_left_out_says_why() {
    for op in OPERATIONS {
        if let Some(reason) = op.left_out {
            assert!(
                !reason.trim().is_empty(),
                "{} is left out without a reason",
                op.operation_id
            );
        }
    }
}

#[test]
fn the_operations_without_a_call_are_the_checked_in_list_which_only_shrinks() {
    let listed_file = Path::new(env!("CARGO_MANIFEST_DIR")).join("codegen/uncovered.txt");
    let listed_text = std::fs::read_to_string(&listed_file).expect("codegen/uncovered.txt");
    let listed: Vec<&str> = listed_text
        .lines()
        .map(str::trim)
        .filter(|line| !line.is_empty() && !line.starts_with('#'))
        .collect();
    let uncovered = uncovered();
    println!(
        "{} of {} operations have no call yet:",
        uncovered.len(),
        OPERATIONS.len()
    );
    for id in &uncovered {
        println!("  {id}");
    }
    let now_covered: Vec<&&str> = listed.iter().filter(|id| !uncovered.contains(id)).collect();
    let newly_uncovered: Vec<&&str> = uncovered.iter().filter(|id| !listed.contains(id)).collect();
    assert!(
        now_covered.is_empty(),
        "covered now (or left out): remove them from codegen/uncovered.txt: {now_covered:?}"
    );
    assert!(
        newly_uncovered.is_empty(),
        "operations without a call that codegen/uncovered.txt does not list (the list only shrinks: \
         give them a call or a left_out reason in codegen/overrides.yml): {newly_uncovered:?}"
    );
}
