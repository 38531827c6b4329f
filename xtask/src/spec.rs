//! The operations of Clerk's Backend API spec, as the generator needs them.

use serde_yaml::{Mapping, Value};

/// The HTTP methods an operation of the spec may have, in the order a path item lists them.
const METHODS: &[&str] = &["get", "put", "post", "delete", "patch"];

/// One operation of the spec (a method of a path item).
#[derive(Debug, Clone)]
pub struct Operation {
    /// `operationId`, e.g. `GetEmailAddress`.
    pub operation_id: String,
    /// Upper case, e.g. `GET`.
    pub method: String,
    /// The spec's path (under `/v1`), e.g. `/email_addresses/{email_address_id}`.
    pub path: String,
    /// The first tag, e.g. `Email Addresses`.
    pub tag: String,
    /// `x-speakeasy-group`, e.g. `emailAddresses`.
    pub group: Option<String>,
    /// `x-speakeasy-name-override`, e.g. `get`.
    pub name_override: Option<String>,
    /// Path and query parameters (`$ref`s resolved), path-item parameters first.
    pub params: Vec<Param>,
    /// The request body.
    pub body: Body,
    /// `deprecated: true`.
    pub deprecated: bool,
}

/// A path or query parameter.
#[derive(Debug, Clone)]
pub struct Param {
    /// As the spec names it.
    pub name: String,
    /// `path` or `query`.
    pub location: String,
    /// `required: true` (path parameters always are).
    pub required: bool,
    /// The schema's `type` (`string`, `integer`, `boolean`, `array`, `object`), `string` without.
    pub kind: String,
}

/// An operation's request body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Body {
    /// No request body.
    None,
    /// JSON: the component schema's name, `None` for a schema written inline.
    Json(Option<String>),
    /// `multipart/form-data` (file uploads).
    Multipart,
}

/// Every operation of the spec `text`, in the spec's order.
///
/// # Errors
///
/// The YAML does not parse, or an operation lacks an `operationId`.
pub fn operations(text: &str) -> Result<Vec<Operation>, String> {
    let spec: Value = serde_yaml::from_str(text).map_err(|err| format!("spec: {err}"))?;
    let paths = spec["paths"].as_mapping().ok_or("spec: no paths")?;
    let mut out = Vec::new();
    for (path, item) in paths {
        let path = path.as_str().ok_or("spec: a path that is not a string")?;
        let Some(item) = item.as_mapping() else { continue };
        for method in METHODS {
            if let Some(op) = item.get(*method) {
                out.push(operation(&spec, path, method, item, op)?);
            }
        }
    }
    Ok(out)
}

fn operation(
    spec: &Value,
    path: &str,
    method: &str,
    item: &Mapping,
    op: &Value,
) -> Result<Operation, String> {
    let operation_id = text(op, "operationId").ok_or_else(|| format!("{method} {path}: no operationId"))?;
    let shared = item
        .get("parameters")
        .and_then(Value::as_sequence)
        .into_iter()
        .flatten();
    let own = op["parameters"].as_sequence().into_iter().flatten();
    let params = shared
        .chain(own)
        .map(|param| resolve(spec, param))
        .filter(|param| matches!(param["in"].as_str(), Some("path" | "query")))
        .map(|param| Param {
            name: text(param, "name").unwrap_or_default(),
            location: text(param, "in").unwrap_or_default(),
            required: param["required"].as_bool().unwrap_or(false),
            kind: text(&param["schema"], "type").unwrap_or_else(|| "string".to_owned()),
        })
        .collect();
    Ok(Operation {
        method: method.to_ascii_uppercase(),
        path: path.to_owned(),
        tag: op["tags"][0].as_str().unwrap_or_default().to_owned(),
        group: text(op, "x-speakeasy-group"),
        name_override: text(op, "x-speakeasy-name-override"),
        params,
        body: body(&op["requestBody"]["content"]),
        deprecated: op["deprecated"].as_bool().unwrap_or(false),
        operation_id,
    })
}

fn body(content: &Value) -> Body {
    if let Some(json) = content.get("application/json") {
        let schema = json["schema"]["$ref"].as_str().and_then(|r| r.rsplit('/').next());
        return Body::Json(schema.map(str::to_owned));
    }
    if content.get("multipart/form-data").is_some() {
        return Body::Multipart;
    }
    Body::None
}

/// `value`, or the component it `$ref`s (`#/components/parameters/LimitParameter`).
fn resolve<'a>(spec: &'a Value, value: &'a Value) -> &'a Value {
    let Some(reference) = value["$ref"].as_str() else {
        return value;
    };
    reference
        .trim_start_matches("#/")
        .split('/')
        .try_fold(spec, |node, key| node.get(key))
        .unwrap_or(value)
}

fn text(value: &Value, key: &str) -> Option<String> {
    value.get(key).and_then(Value::as_str).map(str::to_owned)
}
