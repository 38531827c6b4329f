//! The instance's JWT templates: [`JwtTemplates`] defines them, `GET /v1/jwt_templates` lists
//! them and `POST /v1/sessions/{id}/tokens/{name}` mints from them.

use std::sync::{Arc, Mutex};

use serde::Serialize;
use serde_json::{Map, Value};

use crate::clock::now_ms;
use crate::error::{Error, Result};
use crate::ids::new_id;
use crate::lock::lock;

/// A JWT template, in the shape of `GET /v1/jwt_templates/{id}`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct JwtTemplate {
    /// Always `jwt_template`.
    pub object: String,
    /// `jtmp_…`.
    pub id: String,
    /// The name tokens are minted by.
    pub name: String,
    /// The claims; string values that are a whole shortcode (`{{user.id}}`,
    /// `{{user.first_name}}`, `{{user.last_name}}`, `{{user.username}}`,
    /// `{{user.external_id}}`, `{{user.primary_email_address}}`, `{{user.public_metadata}}`,
    /// `{{session.id}}`) are replaced when minting; unknown shortcodes become `null`.
    pub claims: Map<String, Value>,
    /// Token lifetime, seconds.
    pub lifetime: i64,
    /// Allowed clock skew, seconds.
    pub allowed_clock_skew: i64,
    /// Always `false` in the emulator.
    pub custom_signing_key: bool,
    /// Always `RS256` in the emulator.
    pub signing_algorithm: String,
    /// Creation (ms).
    pub created_at: i64,
    /// Last update (ms).
    pub updated_at: i64,
}

/// The emulator's JWT templates (Clerk's dashboard creates them; tests add them here).
///
/// # Examples
///
/// ```
/// # fn main() -> Result<(), Box<dyn std::error::Error>> {
/// use clerk_testkit::TestClerk;
/// use serde_json::json;
///
/// let clerk = TestClerk::start()?;
/// let template = clerk
///     .jwt_templates()
///     .add("hasura", json!({"https://hasura.io/jwt/claims": {"x-hasura-user-id": "{{user.id}}"}}), 600)?;
/// assert_eq!(template.lifetime, 600);
/// # Ok(()) }
/// ```
#[derive(Debug, Clone, Default)]
pub struct JwtTemplates {
    templates: Arc<Mutex<Vec<JwtTemplate>>>,
}

impl JwtTemplates {
    /// Defines a template named `name` with these claims (a JSON object) and lifetime.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidParam`] when the name is taken or empty, the claims are not an object,
    /// or the lifetime is outside 30..=315360000 seconds.
    pub fn add(&self, name: &str, claims: Value, lifetime_secs: i64) -> Result<JwtTemplate> {
        let invalid = |param: &str, reason: &str| Error::InvalidParam {
            param: param.to_owned(),
            reason: reason.to_owned(),
        };
        let Value::Object(claims) = claims else {
            return Err(invalid("claims", "claims must be a JSON object"));
        };
        if !(30..=315_360_000).contains(&lifetime_secs) {
            return Err(invalid("lifetime", "lifetime must be between 30 and 315360000"));
        }
        let mut templates = lock(&self.templates);
        if name.is_empty() || templates.iter().any(|t| t.name == name) {
            return Err(invalid("name", "the name is empty or taken"));
        }
        let now = now_ms();
        let template = JwtTemplate {
            object: "jwt_template".to_owned(),
            id: new_id("jtmp_"),
            name: name.to_owned(),
            claims,
            lifetime: lifetime_secs,
            allowed_clock_skew: 5,
            custom_signing_key: false,
            signing_algorithm: "RS256".to_owned(),
            created_at: now,
            updated_at: now,
        };
        templates.push(template.clone());
        Ok(template)
    }

    /// Every template, oldest first.
    pub fn all(&self) -> Vec<JwtTemplate> {
        lock(&self.templates).clone()
    }

    /// The template with this id.
    pub fn get(&self, id: &str) -> Option<JwtTemplate> {
        lock(&self.templates).iter().find(|t| t.id == id).cloned()
    }

    /// The template with this name.
    pub fn by_name(&self, name: &str) -> Option<JwtTemplate> {
        lock(&self.templates).iter().find(|t| t.name == name).cloned()
    }
}

/// Replaces whole-string shortcodes in `claims` with `lookup`'s values, recursively.
pub(crate) fn expand(claims: &Map<String, Value>, lookup: &dyn Fn(&str) -> Value) -> Map<String, Value> {
    fn walk(value: &Value, lookup: &dyn Fn(&str) -> Value) -> Value {
        match value {
            Value::String(text) => match text.strip_prefix("{{").and_then(|t| t.strip_suffix("}}")) {
                Some(code) => lookup(code.trim()),
                None => value.clone(),
            },
            Value::Object(map) => {
                Value::Object(map.iter().map(|(k, v)| (k.clone(), walk(v, lookup))).collect())
            }
            Value::Array(items) => Value::Array(items.iter().map(|v| walk(v, lookup)).collect()),
            other => other.clone(),
        }
    }
    claims.iter().map(|(k, v)| (k.clone(), walk(v, lookup))).collect()
}
