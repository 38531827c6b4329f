//! Shared helpers for the integration tests: a tiny awc-based Backend API client.
#![allow(dead_code)]

pub mod binary;

use awc::http::header::HeaderMap;
use awc::http::Method;
use clerk_testkit::TestClerk;
use serde_json::{json, Map, Value};

/// A response: status, headers, parsed JSON body (`Null` when empty or not JSON).
pub struct Reply {
    pub status: u16,
    pub headers: HeaderMap,
    pub body: Value,
}

impl Reply {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }
}

/// Calls the emulator like `@clerk/backend` does: bearer secret key, API version header,
/// `Content-Type: application/json` on every request.
pub struct Api {
    pub client: awc::Client,
    pub base: String,
    pub secret_key: Option<String>,
    pub version: Option<String>,
}

impl Api {
    pub fn new(clerk: &TestClerk) -> Self {
        Self {
            client: awc::Client::default(),
            base: clerk.base_url().to_owned(),
            secret_key: Some(clerk.secret_key().to_owned()),
            version: Some("2026-05-12".to_owned()),
        }
    }

    pub fn with_key(mut self, key: Option<&str>) -> Self {
        self.secret_key = key.map(str::to_owned);
        self
    }

    pub fn with_version(mut self, version: Option<&str>) -> Self {
        self.version = version.map(str::to_owned);
        self
    }

    pub async fn try_send(&self, method: &str, path: &str, body: Option<Value>) -> Result<Reply, String> {
        let method = Method::from_bytes(method.as_bytes()).map_err(|e| e.to_string())?;
        let mut req = self
            .client
            .request(method, format!("{}{}", self.base, path))
            .insert_header(("content-type", "application/json"))
            .insert_header(("user-agent", "@clerk/backend@3.25.0"));
        if let Some(key) = &self.secret_key {
            req = req.insert_header(("authorization", format!("Bearer {key}")));
        }
        if let Some(version) = &self.version {
            req = req.insert_header(("clerk-api-version", version.as_str()));
        }
        let sent = match body {
            Some(body) => req.send_body(body.to_string()).await,
            None => req.send().await,
        };
        let mut res = sent.map_err(|e| e.to_string())?;
        let bytes = res.body().limit(10 << 20).await.map_err(|e| e.to_string())?;
        Ok(Reply {
            status: res.status().as_u16(),
            headers: res.headers().clone(),
            body: serde_json::from_slice(&bytes).unwrap_or(Value::Null),
        })
    }

    pub async fn send(&self, method: &str, path: &str, body: Option<Value>) -> Reply {
        match self.try_send(method, path, body).await {
            Ok(reply) => reply,
            Err(err) => panic!("{method} {path} failed: {err}"),
        }
    }

    pub async fn get(&self, path: &str) -> Reply {
        self.send("GET", path, None).await
    }
}

/// Loads a fixture from `tests/fixtures/`.
pub fn fixture(name: &str) -> Value {
    let path = format!("{}/tests/fixtures/{name}", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// Asserts that `actual` has the same keys and value types as `expected`, recursively
/// (arrays: element shapes compared with the first expected element).
pub fn assert_same_shape(expected: &Value, actual: &Value, path: &str) {
    match (expected, actual) {
        (Value::Object(e), Value::Object(a)) => {
            let mut ek: Vec<&String> = e.keys().collect();
            let mut ak: Vec<&String> = a.keys().collect();
            ek.sort();
            ak.sort();
            assert_eq!(ek, ak, "keys differ at {path}");
            for (k, ev) in e {
                assert_same_shape(ev, &a[k], &format!("{path}.{k}"));
            }
        }
        (Value::Array(e), Value::Array(a)) => {
            if let Some(first) = e.first() {
                for (i, item) in a.iter().enumerate() {
                    assert_same_shape(first, item, &format!("{path}[{i}]"));
                }
            }
        }
        // null in the example: the value may be null or anything the spec allows.
        (Value::Null, _) | (_, Value::Null) => {}
        (Value::Number(e), Value::Number(a)) => {
            assert_eq!(e.is_f64(), a.is_f64(), "number kind differs at {path}")
        }
        (e, a) => assert_eq!(
            std::mem::discriminant(e),
            std::mem::discriminant(a),
            "type differs at {path}: expected {e}, got {a}"
        ),
    }
}

/// Converts an OpenAPI 3.0 schema to JSON Schema: `nullable: true` becomes a `null` type
/// (or an `anyOf` with `null` when there is no `type`, or an `allOf`, `oneOf` or `anyOf`), `#/components/schemas/X`
/// refs become `#/definitions/X`.
pub fn to_json_schema(value: &Value) -> Value {
    match value {
        Value::Object(map) => {
            let mut out = Map::new();
            for (k, v) in map {
                if k == "$ref" {
                    let target = v.as_str().unwrap_or_default();
                    let target = target.replace("#/components/schemas/", "#/definitions/");
                    out.insert(k.clone(), Value::from(target));
                } else if k != "nullable" {
                    out.insert(k.clone(), to_json_schema(v));
                }
            }
            if map.get("nullable") == Some(&Value::Bool(true)) {
                // With `allOf` or `oneOf` the referenced schemas' own types would still refuse null.
                let composed = ["allOf", "oneOf", "anyOf"].iter().any(|k| out.contains_key(*k));
                if let (Some(Value::String(t)), false) = (out.get("type").cloned(), composed) {
                    out.insert("type".into(), json!([t, "null"]));
                    if let Some(Value::Array(values)) = out.get_mut("enum") {
                        values.push(Value::Null);
                    }
                } else {
                    return json!({ "anyOf": [Value::Object(out), { "type": "null" }] });
                }
            }
            Value::Object(out)
        }
        Value::Array(items) => Value::Array(items.iter().map(to_json_schema).collect()),
        other => other.clone(),
    }
}

/// A validator of the Backend API spec's component schema `name` (e.g. `User`, `Session`).
pub fn validator(name: &str) -> jsonschema::Validator {
    spec_validator("bapi_2026-05-12.yml", name)
}

/// A validator of the Frontend API spec's component schema `name` (e.g. `Client.Environment`).
pub fn fapi_validator(name: &str) -> jsonschema::Validator {
    spec_validator("fapi_2026-05-12.yml", name)
}

/// A validator of the component schema `name` of Clerk's spec `spec/{spec}` (the repository's
/// one copy, at the workspace root).
fn spec_validator(spec: &str, name: &str) -> jsonschema::Validator {
    let path = format!("{}/../../spec/{spec}", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(path).expect("spec readable");
    let spec: Value = serde_yaml::from_str(&text).expect("spec parses");
    let schema = json!({
        "$ref": format!("#/definitions/{name}"),
        "definitions": to_json_schema(&spec["components"]["schemas"]),
    });
    jsonschema::options()
        .with_draft(jsonschema::Draft::Draft7)
        .build(&schema)
        .expect("schema compiles")
}

/// Every way `instance` breaks the schema (empty when it is valid).
pub fn violations(validator: &jsonschema::Validator, instance: &Value) -> Vec<String> {
    validator
        .iter_errors(instance)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect()
}
