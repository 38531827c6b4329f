//! Coverage of Clerk's Backend API spec (issue 26): every operation of the spec has a typed call
//! or is deliberately left out with a reason.
//!
//! A call on the operation's group handle covers it: the table's `call`, written by the
//! generator for a generated call and for a hand-written one (`hand_written: "<why>"` in the
//! override file), which runs with the same row of the table.
//!
//! While issue 26 is open, the operations without a call are listed in
//! `codegen/uncovered.txt`, and this test asserts the list is exactly the uncovered set: it
//! can only shrink. A new call must remove its line; an operation losing its call (or a new one
//! in a new spec) fails until someone decides.

use std::collections::BTreeSet;
use std::path::Path;

use clerk_backend::operations::OPERATIONS;

fn uncovered() -> Vec<&'static str> {
    OPERATIONS
        .iter()
        .filter(|op| op.left_out.is_none() && op.call.is_none())
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

#[test]
fn every_operation_has_one_call_on_its_group_handle_or_is_left_out() {
    for op in OPERATIONS {
        assert!(
            op.left_out.is_some() != op.call.is_some(),
            "{}: a call on its group handle, or a reason to leave it out (not both)",
            op.operation_id
        );
        if let Some(call) = op.call {
            let group = op.name.split('.').next().unwrap_or_default();
            assert!(
                call.starts_with(&format!("{group}().")),
                "{}: {call} is not on the {group}() handle",
                op.operation_id
            );
        }
    }
}

/// One way to call each endpoint: `ClerkClient` itself has no per-endpoint call (each is on its
/// group's handle); its only async call is the escape hatch `request`.
#[test]
fn the_client_has_no_flat_per_endpoint_call() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut flat = Vec::new();
    for entry in std::fs::read_dir(&src).expect("read src") {
        let path = entry.expect("dir entry").path();
        if path.extension().is_none_or(|ext| ext != "rs") {
            continue;
        }
        let text = std::fs::read_to_string(&path).expect("source readable");
        for block in text.split("\nimpl ClerkClient {").skip(1) {
            // The block ends at the first `}` in the first column.
            let block = block.split("\n}\n").next().unwrap_or_default();
            for line in block.lines().map(str::trim) {
                if let Some(rest) = line.strip_prefix("pub async fn ") {
                    let name = rest.split(['<', '(']).next().unwrap_or_default();
                    if name != "request" {
                        flat.push(format!("{}: {name}", path.display()));
                    }
                }
            }
        }
    }
    assert!(flat.is_empty(), "per-endpoint calls on ClerkClient: {flat:?}");
}
