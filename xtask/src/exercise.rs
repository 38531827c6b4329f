//! The Rust text of `crates/clerk-backend/tests/conformance/calls.rs`: every generated call
//! once, with spec-made bodies and Default query parameters, for the conformance test (the
//! request each call builds fits the spec; the spec-made answer decodes). Generated with the
//! calls, so a new group is exercised the moment it is generated.

use std::fmt::Write as _;

use serde_yaml::Value;

use crate::calls::Group;
use crate::naming::{literal, pascal_case, snake_case};
use crate::spec::Body;

/// Where the exercise goes, relative to the workspace root.
pub const PATH: &str = "crates/clerk-backend/tests/conformance/calls.rs";

/// The text of [`PATH`] for `groups`.
///
/// # Errors
///
/// A request body shape the exercise cannot make (an array of `$ref` items).
pub fn calls_rs(spec: &Value, header: &str, groups: &[Group<'_>]) -> Result<String, String> {
    let mut ids = Vec::new();
    let mut body = String::new();
    for group in groups {
        for (method, op) in &group.calls {
            let mut args: Vec<String> = op
                .params
                .iter()
                .filter(|param| param.location == "path")
                .map(|param| literal(&format!("{}_1", snake_case(&param.name))))
                .collect();
            if op
                .params
                .iter()
                .any(|param| param.location == "query" && param.name != "paginated")
            {
                args.push("&Default::default()".to_owned());
            }
            let request = &spec["paths"][op.path.as_str()][op.method.to_ascii_lowercase().as_str()]
                ["requestBody"]["content"];
            match &op.body {
                Body::None => {}
                // A hand-written body type (its fields typed tighter than the spec's `number`s):
                // its `Default`.
                Body::Json(_) if group.bodies.contains_key(&op.operation_id) => {
                    args.push("&Default::default()".to_owned());
                }
                Body::Json(reference) => {
                    let schema = match reference {
                        Some(name) => &spec["components"]["schemas"][name.as_str()],
                        None => &request["application/json"]["schema"],
                    };
                    if schema["type"].as_str() == Some("array") {
                        if schema["items"].get("$ref").is_some() {
                            return Err(format!("{}: an array of $ref items", op.operation_id));
                        }
                        args.push(format!(
                            "&body::<Vec<clerk_backend::{}::{}Item>>(spec, {})",
                            group.module,
                            pascal_case(&snake_case(&op.operation_id)),
                            literal(&op.operation_id)
                        ));
                    } else {
                        args.push(format!("&body(spec, {})", literal(&op.operation_id)));
                    }
                }
                Body::Multipart => {
                    for (_, property) in request["multipart/form-data"]["schema"]["properties"]
                        .as_mapping()
                        .into_iter()
                        .flatten()
                    {
                        args.push(if property["format"].as_str() == Some("binary") {
                            "&upload()".to_owned()
                        } else {
                            "Some(\"user_1\")".to_owned()
                        });
                    }
                }
            }
            let _ = writeln!(
                body,
                "client.{}().{method}({}).await.expect({});",
                group.module,
                args.join(", "),
                literal(&op.operation_id)
            );
            ids.push(literal(&op.operation_id));
            if crate::calls::has_stream(
                spec,
                op,
                group.params.contains_key(&op.operation_id),
                group.paged.contains(&op.operation_id),
            ) {
                let _ = writeln!(
                    body,
                    "assert_eq!(client.{}().{method}_stream({}).try_collect::<Vec<_>>().await.expect({}).len(), 1);",
                    group.module,
                    args.join(", "),
                    literal(&format!("{} stream", op.operation_id))
                );
                ids.push(literal(&op.operation_id));
            }
        }
    }
    Ok(format!(
        "{header}\n//! Every generated call once, in the table's order, for `tests/conformance.rs`.\n\n\
         use clerk_backend::ClerkClient;\nuse futures_util::TryStreamExt as _;\nuse serde_json::Value;\n\n\
         use super::{{body, upload}};\n\n\
         /// The operations [`call_every_generated`] calls, in order.\n\
         pub const CALLED: &[&str] = &[{}];\n\n\
         /// Calls every generated call once (and every list's stream, one page of one item):\n\
         /// path parameters `{{name}}_1`, query parameters `Default`, bodies made from the\n\
         /// spec's request schemas.\n\
         pub async fn call_every_generated(client: &ClerkClient, spec: &Value) {{\n{body}}}\n",
        ids.join(", ")
    ))
}
