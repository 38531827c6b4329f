//! Coverage of Clerk's Backend API spec (issue 26): every operation of the spec has a typed call
//! or is deliberately left out with a reason.
//!
//! A call on the operation's group handle covers it: the table's `call`, written by the
//! generator for a generated call and for a hand-written one (`hand_written: "<why>"` in the
//! override file), which runs with the same row of the table.
//!
//! An operation without either (a new one in a new spec) fails here until someone decides.

use std::collections::BTreeSet;
use std::path::Path;

use clerk_backend::operations::OPERATIONS;

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
/// group's handle); its only async call is the escape hatch `request`, and none of its
/// functions returns a paged stream. Every `impl` block of `ClerkClient` in the crate's sources,
/// by any path (`impl ClerkClient`, `impl super::ClerkClient`, `impl crate::ClerkClient`).
#[test]
fn the_client_has_no_flat_per_endpoint_call() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut flat = Vec::new();
    let generated = std::fs::read_dir(src.join("generated")).expect("read src/generated");
    for entry in std::fs::read_dir(&src).expect("read src").chain(generated) {
        let path = entry.expect("dir entry").path();
        if path.extension().is_none_or(|ext| ext != "rs") {
            continue;
        }
        let text = std::fs::read_to_string(&path).expect("source readable");
        for head in [
            "\nimpl ClerkClient {",
            "\nimpl super::ClerkClient {",
            "\nimpl crate::ClerkClient {",
        ] {
            for block in text.split(head).skip(1) {
                // The block ends at the first `}` in the first column.
                let block = block.split("\n}\n").next().unwrap_or_default();
                for line in block.lines().map(str::trim) {
                    let name = |rest: &str| rest.split(['<', '(']).next().unwrap_or_default().to_owned();
                    if let Some(rest) = line.strip_prefix("pub async fn ") {
                        if name(rest) != "request" {
                            flat.push(format!("{}: {}", path.display(), name(rest)));
                        }
                    } else if let Some(rest) = line.strip_prefix("pub fn ") {
                        if rest.contains("-> Paged<") {
                            flat.push(format!("{}: {}", path.display(), name(rest)));
                        }
                    }
                }
            }
        }
    }
    assert!(flat.is_empty(), "per-endpoint calls on ClerkClient: {flat:?}");
}
