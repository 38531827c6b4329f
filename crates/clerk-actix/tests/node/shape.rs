//! Comparing what Clerk's official client saw with what ours saw, when each ran the same calls
//! against its own emulator built from the same fixtures: ids and times minted fresh differ
//! between the two runs, everything else must not.

use std::collections::BTreeMap;

use serde_json::{json, Map, Value};

/// Milliseconds since the epoch from here on are times (2001-09-09 to 5138): masked as `<ms>`.
const MS_TIMES: std::ops::Range<i64> = 1_000_000_000_000..100_000_000_000_000;

/// `value` with what each emulator mints fresh renamed, in strings and inside them (URLs):
/// Clerk-shaped ids (`prefix_` + 27 base62 characters) in `known` by their name (e.g. the
/// fixture's template), the others by prefix and order of first appearance (`<org_1>`), and
/// 64-hex secrets (tickets) as `<secret_1>`, … So the same object plays the same part on both
/// sides. Object keys are visited in sorted order; millisecond times become `<ms>`. A base64url
/// run that decodes to a JSON object (an image URL's `{"rid": "org_…"}`) is shown decoded, as
/// `base64(…)`, with its ids renamed too.
pub fn normalized(value: &Value, known: &[(&str, &str)]) -> Value {
    let mut names: BTreeMap<String, String> = known
        .iter()
        .map(|(name, id)| ((*id).to_owned(), format!("<{name}>")))
        .collect();
    rename(value, &mut names)
}

fn rename(value: &Value, names: &mut BTreeMap<String, String>) -> Value {
    match value {
        Value::String(text) => Value::String(rename_fresh(text, names)),
        Value::Number(n) if n.as_i64().is_some_and(|n| MS_TIMES.contains(&n)) => json!("<ms>"),
        Value::Array(items) => items.iter().map(|item| rename(item, names)).collect(),
        Value::Object(map) => {
            let mut keys: Vec<&String> = map.keys().collect();
            keys.sort();
            let renamed: Map<String, Value> = keys
                .into_iter()
                .map(|key| (key.clone(), rename(&map[key], names)))
                .collect();
            Value::Object(renamed)
        }
        _ => value.clone(),
    }
}

fn rename_fresh(text: &str, names: &mut BTreeMap<String, String>) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while !rest.is_empty() {
        let run_len = rest
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == '-'))
            .unwrap_or(rest.len());
        if let Some(json) = base64_json(&rest[..run_len]) {
            out.push_str(&format!("base64({})", rename_fresh(&json, names)));
            rest = &rest[run_len..];
            continue;
        }
        let word_len = rest
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
            .unwrap_or(rest.len());
        let first_len = rest.chars().next().map_or(1, char::len_utf8);
        let (word, tail) = rest.split_at(if word_len == 0 { first_len } else { word_len });
        let kind = match word.split_once('_') {
            Some((prefix, id))
                if !prefix.is_empty()
                    && prefix.bytes().all(|b| b.is_ascii_lowercase())
                    && id.len() == 27
                    && id.bytes().all(|b| b.is_ascii_alphanumeric()) =>
            {
                Some(prefix)
            }
            None if word.len() == 64 && word.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f')) => {
                Some("secret")
            }
            _ => None,
        };
        match kind {
            Some(kind) => {
                let next = names
                    .values()
                    .filter(|name| name.starts_with(&format!("<{kind}_")))
                    .count()
                    + 1;
                out.push_str(
                    names
                        .entry(word.to_owned())
                        .or_insert_with(|| format!("<{kind}_{next}>")),
                );
            }
            None => out.push_str(word),
        }
        rest = tail;
    }
    out
}

/// `run` decoded, when it is unpadded base64url of a JSON object.
fn base64_json(run: &str) -> Option<String> {
    use base64::Engine as _;
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(run)
        .ok()?;
    let text = String::from_utf8(bytes).ok()?;
    serde_json::from_str::<Map<String, Value>>(&text)
        .is_ok()
        .then_some(text)
}

/// Asserts that every field of `clerk` is in `ours` with the same value (a field ours lacks
/// counts as `null`; fields only ours has are not Clerk's to judge), listing every path where
/// they differ.
pub fn assert_same(clerk: &Value, ours: &Value) {
    let mut problems = Vec::new();
    differences("", clerk, ours, &mut problems);
    assert!(
        problems.is_empty(),
        "our client disagrees with Clerk's:\n{}",
        problems.join("\n")
    );
}

fn differences(path: &str, clerk: &Value, ours: &Value, problems: &mut Vec<String>) {
    match (clerk, ours) {
        (Value::Object(a), Value::Object(b)) => {
            for (key, value) in a {
                differences(
                    &format!("{path}.{key}"),
                    value,
                    b.get(key).unwrap_or(&Value::Null),
                    problems,
                );
            }
        }
        (Value::Array(a), Value::Array(b)) if a.len() == b.len() => {
            for (i, (x, y)) in a.iter().zip(b).enumerate() {
                differences(&format!("{path}[{i}]"), x, y, problems);
            }
        }
        _ if clerk != ours => problems.push(format!("{path}: Clerk {clerk}, ours {ours}")),
        _ => {}
    }
}

/// `value` serialized as Clerk's JavaScript classes name its fields: wire keys in camelCase
/// (`identifier_type` → `identifierType`), free-form maps (metadata, claims, actor) as sent.
pub fn resource<T: serde::Serialize>(value: &T) -> Value {
    camel(serde_json::to_value(value).expect("serializable"))
}

fn camel(value: Value) -> Value {
    match value {
        Value::Array(items) => items.into_iter().map(camel).collect(),
        Value::Object(map) => map
            .into_iter()
            .map(|(key, value)| {
                let free_form = key.ends_with("metadata") || key == "claims" || key == "actor";
                let mut parts = key.split('_');
                let mut name = parts.next().unwrap_or_default().to_owned();
                for part in parts {
                    let mut chars = part.chars();
                    name.extend(chars.next().map(|c| c.to_ascii_uppercase()));
                    name.push_str(chars.as_str());
                }
                (name, if free_form { value } else { camel(value) })
            })
            .collect(),
        other => other,
    }
}

/// [`resource`] with the private metadata `Serialize` leaves out, as Clerk's classes expose it.
pub fn with_private<T: serde::Serialize>(value: &T, private: Option<&Map<String, Value>>) -> Value {
    let mut shaped = resource(value);
    shaped["privateMetadata"] = private.map_or(Value::Null, |map| Value::Object(map.clone()));
    shaped
}

/// A user as Clerk's `User` class exposes it: [`with_private`], and `deprovisioned` (which
/// `Serialize` writes only when set).
pub fn user_resource(user: &clerk_core::User) -> Value {
    let mut shaped = with_private(user, user.private_metadata());
    shaped["deprovisioned"] = Value::Bool(user.deprovisioned);
    shaped
}

/// A page as the scripts' `list` shows it: `{totalCount, data}` with each item shaped by `item`.
pub fn page<T>(page: clerk_actix::client::Page<T>, item: impl Fn(&T) -> Value) -> Value {
    json!({"totalCount": page.total_count, "data": page.data.iter().map(item).collect::<Vec<_>>()})
}

/// A step's answer in the scripts' shape: `shape(value)`, or Clerk's error as
/// `{error, status, code}` (the `step` helper of `parity/bapi*.mjs`).
pub fn answer<T>(result: clerk_actix::client::ApiResult<T>, shape: impl FnOnce(T) -> Value) -> Value {
    match result {
        Ok(value) => shape(value),
        Err(err) => json!({"error": true, "status": err.status(), "code": err.code()}),
    }
}
