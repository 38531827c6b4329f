//! What the spec cannot say, from the hand-written `crates/clerk-backend/codegen/overrides.yml`:
//! per operation (by `operationId`) our name, the retry rule, the budget share, whether it is at
//! the API root instead of `/v1`, whether a hand-written call covers it, and why it is
//! deliberately left out; and which schemas clerk-core models by hand (`core_types`).

use std::collections::BTreeMap;

use serde_yaml::Value;

/// The overrides of one operation; every field optional.
#[derive(Debug, Default, Clone)]
pub struct Override {
    /// Our name, `group.method` (default: from the spec's `x-speakeasy-*` names).
    pub name: Option<String>,
    /// `idempotent` or `never` (default: by HTTP method).
    pub retry: Option<String>,
    /// Why a `POST` or `PATCH` may be retried (the generated retry table says it).
    pub why: Option<String>,
    /// `machine_tokens`, `sessions` or `free` (default: the calling handle's share).
    pub budget: Option<String>,
    /// At the API root (`/api_keys`), not under `/v1`.
    pub root: bool,
    /// Deliberately left out, and why.
    pub left_out: Option<String>,
    /// Covered by a hand-written call of the client: its group's generated calls skip it, so
    /// no endpoint has two calls.
    pub hand_written: bool,
}

/// Every override, and the reason given to deprecated operations without one of their own.
#[derive(Debug, Default)]
pub struct Overrides {
    /// `operationId` → its override.
    pub operations: BTreeMap<String, Override>,
    /// `left_out` of a deprecated operation that has none of its own.
    pub deprecated: Option<String>,
    /// The tags whose operations get generated typed calls.
    pub generate: Vec<String>,
    /// Schemas clerk-core models by hand: schema name (in either spec) → its path in clerk-core
    /// (`user::User`). The generated code names that type instead of writing a struct of its own.
    pub core_types: BTreeMap<String, String>,
}

const RETRY: &[&str] = &["idempotent", "never"];
const BUDGET: &[&str] = &["machine_tokens", "sessions", "free"];

impl Overrides {
    /// Reads the override file.
    ///
    /// # Errors
    ///
    /// Malformed YAML, an unknown key or an unknown value.
    pub fn parse(text: &str) -> Result<Self, String> {
        let file: Value = serde_yaml::from_str(text).map_err(|err| format!("overrides: {err}"))?;
        let mut overrides = Self {
            deprecated: file["deprecated"].as_str().map(str::to_owned),
            generate: file["generate"]
                .as_sequence()
                .into_iter()
                .flatten()
                .filter_map(Value::as_str)
                .map(str::to_owned)
                .collect(),
            ..Self::default()
        };
        for (name, path) in file["core_types"].as_mapping().into_iter().flatten() {
            let (Some(name), Some(path)) = (name.as_str(), path.as_str()) else {
                return Err("overrides: core_types: a name or path that is not a string".to_owned());
            };
            overrides.core_types.insert(name.to_owned(), path.to_owned());
        }
        for (id, fields) in file["operations"].as_mapping().into_iter().flatten() {
            let id = id
                .as_str()
                .ok_or("overrides: an operationId that is not a string")?;
            let mut entry = Override::default();
            for (key, value) in fields
                .as_mapping()
                .ok_or_else(|| format!("overrides: {id}: not a map"))?
            {
                let key = key.as_str().unwrap_or_default();
                let text = || {
                    value
                        .as_str()
                        .map(str::to_owned)
                        .ok_or_else(|| format!("overrides: {id}.{key}: not a string"))
                };
                match key {
                    "name" => entry.name = Some(text()?),
                    "retry" => entry.retry = Some(one_of(id, key, text()?, RETRY)?),
                    "why" => entry.why = Some(text()?),
                    "budget" => entry.budget = Some(one_of(id, key, text()?, BUDGET)?),
                    "root" => entry.root = value.as_bool().unwrap_or(false),
                    "left_out" => entry.left_out = Some(text()?),
                    "hand_written" => entry.hand_written = value.as_bool().unwrap_or(false),
                    other => return Err(format!("overrides: {id}: unknown key {other:?}")),
                }
            }
            overrides.operations.insert(id.to_owned(), entry);
        }
        Ok(overrides)
    }
}

fn one_of(id: &str, key: &str, value: String, allowed: &[&str]) -> Result<String, String> {
    if allowed.contains(&value.as_str()) {
        Ok(value)
    } else {
        Err(format!(
            "overrides: {id}.{key}: {value:?} is not one of {allowed:?}"
        ))
    }
}
