//! What the spec cannot say, from the hand-written `crates/clerk-backend/codegen/overrides.yml`:
//! per operation (by `operationId`) our name, the retry rule, the budget share, whether it is at
//! the API root instead of `/v1`, whether a hand-written call covers it (and why), the
//! hand-written query or body type a generated call takes, what to do after a timeout, and why
//! it is deliberately left out; and which schemas clerk-core models by hand (`core_types`).

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
    /// Why the operation's call is hand-written (`hand_written: "<reason>"`): behaviour the
    /// spec cannot say. The call lives on its group's handle (`client.users().verify_password`),
    /// the group's generated calls skip it (one call per endpoint), and the table names it as
    /// the operation's call.
    pub hand_written: Option<String>,
    /// A hand-written query type the generated call takes instead of a generated one (its
    /// `query_for(&Operation)` writes the keys the operation lists), e.g. `crate::UserListParams`.
    pub params: Option<String>,
    /// A hand-written request body type the generated call takes instead of a generated one
    /// (`crate::CreateUser`): one type per body.
    pub body: Option<String>,
    /// What to do after a timeout or a transport failure (a create or change that is not
    /// retried): docs/backend-api-retries.md shows it.
    pub after_timeout: Option<String>,
    /// The call asks for pages (`paginated=true`) and answers `Page` (`data`, `total_count`)
    /// where the spec says a bare array.
    pub paged: bool,
    /// A hand-written type the generated call's answer (or each item of a list) decodes into
    /// (`crate::SignInToken`): one type per object, kept where it says more than the spec.
    pub answer: Option<String>,
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
    /// Properties the spec types as a bare string that are one of clerk-core's enums:
    /// `Schema.property` → the enum's path in clerk-core (`webhook::InvitationStatus`). The
    /// generated models (in either crate) type the property with that enum.
    pub field_types: BTreeMap<String, String>,
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
        for (property, path) in file["field_types"].as_mapping().into_iter().flatten() {
            let (Some(property), Some(path)) = (property.as_str(), path.as_str()) else {
                return Err("overrides: field_types: a property or path that is not a string".to_owned());
            };
            if !property.contains('.') {
                return Err(format!(
                    "overrides: field_types: {property:?} is not `Schema.property`"
                ));
            }
            overrides.field_types.insert(property.to_owned(), path.to_owned());
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
                    "hand_written" => match value.as_str() {
                        Some(reason) if !reason.trim().is_empty() => {
                            entry.hand_written = Some(reason.to_owned());
                        }
                        _ => {
                            return Err(format!(
                                "overrides: {id}.hand_written: say why the call is hand-written (a non-empty string)"
                            ))
                        }
                    },
                    "params" => entry.params = Some(text()?),
                    "body" => entry.body = Some(text()?),
                    "after_timeout" => entry.after_timeout = Some(text()?),
                    "paged" => entry.paged = value.as_bool().unwrap_or(false),
                    "answer" => entry.answer = Some(text()?),
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_hand_written_call_says_why_and_a_generated_one_may_take_hand_written_types() {
        let overrides = Overrides::parse(
            "operations:\n\
             \x20 VerifyPassword: { hand_written: \"422 is Ok(false)\" }\n\
             \x20 GetUserList: { params: crate::UserListParams }\n\
             \x20 CreateUser: { body: crate::CreateUser, after_timeout: \"look it up\" }\n",
        )
        .expect("parses");
        let verify = &overrides.operations["VerifyPassword"];
        assert_eq!(verify.hand_written.as_deref(), Some("422 is Ok(false)"));
        assert_eq!(
            overrides.operations["GetUserList"].params.as_deref(),
            Some("crate::UserListParams")
        );
        let create = &overrides.operations["CreateUser"];
        assert_eq!(create.body.as_deref(), Some("crate::CreateUser"));
        assert_eq!(create.after_timeout.as_deref(), Some("look it up"));
        // A hand-written call says why.
        assert!(Overrides::parse("operations:\n  GetUser: { hand_written: \" \" }\n").is_err());
        assert!(Overrides::parse("operations:\n  GetUser: { hand_written: true }\n").is_err());
    }

    #[test]
    fn a_field_type_names_its_schema_and_property() {
        let overrides =
            Overrides::parse("field_types:\n  OrganizationInvitation.status: webhook::InvitationStatus\n")
                .expect("parses");
        assert_eq!(
            overrides.field_types["OrganizationInvitation.status"],
            "webhook::InvitationStatus"
        );
        assert!(Overrides::parse("field_types:\n  status: webhook::InvitationStatus\n").is_err());
    }
}
