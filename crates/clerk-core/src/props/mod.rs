//! Clerk's `buildClerkProps`: a serialisable snapshot of the auth state for server-rendered pages.
//!
//! | file | what |
//! |---|---|
//! | `mod` | [`ClerkProps`] |
//! | `ssr_user` (private) | a user as `@clerk/backend`'s `User` resource serializes |

mod ssr_user;

use crate::{Auth, User};
use serde::Serialize;
use serde_json::{json, Map, Value};

use ssr_user::user_as_clerk_serializes;

/// Clerk's `buildClerkProps(req, {user})` from `@clerk/nextjs`: `{"__clerk_ssr_state": …}`, the
/// serializable auth object (`tokenType`, `sessionClaims`, `sessionId`, `sessionStatus`, `userId`,
/// `actor`, `orgId`, `orgRole`, `orgSlug`, `orgPermissions`, `factorVerificationAge`,
/// `isAuthenticated`) and, when given, the user as `@clerk/backend`'s `User` resource serializes,
/// private metadata stripped. Key for key what Clerk's `signedInAuthObject` /
/// `signedOutAuthObject`, `stripPrivateDataFromObject` and `makeAuthObjectSerializable` compose
/// (JSON round-tripped: a field Clerk leaves `undefined` is absent). The token itself is never
/// included.
///
/// # Examples
///
/// ```
/// use clerk_core::props::ClerkProps;
/// use clerk_core::{request::RequestReason, Auth};
///
/// let props = ClerkProps::new(&Auth::signed_out(RequestReason::SessionTokenAndUatMissing, None), None);
/// let script = props.to_script_json();
/// assert!(script.contains("\"userId\":null"));
/// assert!(script.contains("\"tokenType\":\"session_token\""));
/// ```
#[derive(Debug, Clone, Serialize)]
pub struct ClerkProps {
    #[serde(rename = "__clerk_ssr_state")]
    state: Map<String, Value>,
}

impl ClerkProps {
    /// Props for `auth`, with the user when given (only for a signed-in auth).
    pub fn new(auth: &Auth, user: Option<&User>) -> Self {
        let mut state = Map::new();
        let mut put = |key: &str, value: Value| {
            state.insert(key.to_owned(), value);
        };
        put("tokenType", json!("session_token"));
        match auth.claims().filter(|_| auth.is_authenticated()) {
            Some(claims) => {
                let claim = |name: &str| claims.get(name).cloned();
                put("sessionClaims", Value::Object(claims.raw().clone()));
                if let Some(sid) = claim("sid") {
                    put("sessionId", sid);
                }
                put("sessionStatus", claim("sts").unwrap_or(Value::Null));
                if let Some(act) = claim("act") {
                    put("actor", act);
                }
                if let Some(sub) = claim("sub") {
                    put("userId", sub);
                }
                let optional = |value: Option<&str>| value.map(|v| json!(v));
                for (key, value) in [
                    ("orgId", optional(auth.org_id())),
                    ("orgRole", optional(auth.org_role())),
                    ("orgSlug", optional(auth.org_slug())),
                    ("orgPermissions", auth.org_permissions().map(|p| json!(p))),
                ] {
                    if let Some(value) = value {
                        put(key, value);
                    }
                }
                put("factorVerificationAge", claim("fva").unwrap_or(Value::Null));
                put("isAuthenticated", json!(true));
                if let Some(user) = user {
                    let raw = serde_json::to_value(user).unwrap_or(Value::Null);
                    put("user", user_as_clerk_serializes(&raw));
                }
            }
            None => {
                for key in [
                    "sessionClaims",
                    "sessionId",
                    "userId",
                    "actor",
                    "orgId",
                    "orgRole",
                    "orgSlug",
                ] {
                    put(key, Value::Null);
                }
                put(
                    "sessionStatus",
                    auth.session_status().map_or(Value::Null, |s| json!(s.as_str())),
                );
                put("orgPermissions", Value::Null);
                put("factorVerificationAge", Value::Null);
                put("isAuthenticated", json!(false));
            }
        }
        Self { state }
    }

    /// The serializable auth object (`__clerk_ssr_state`'s value).
    pub fn state(&self) -> &Map<String, Value> {
        &self.state
    }

    /// JSON safe to place inside a `<script>` element: `<`, `>`, `&`, U+2028 and U+2029 are
    /// escaped so the data cannot close the script or inject markup.
    pub fn to_script_json(&self) -> String {
        let json = serde_json::to_string(self).unwrap_or_else(|_| "{}".to_owned());
        let mut out = String::with_capacity(json.len() + 16);
        for ch in json.chars() {
            match ch {
                '<' => out.push_str("\\u003c"),
                '>' => out.push_str("\\u003e"),
                '&' => out.push_str("\\u0026"),
                '\u{2028}' => out.push_str("\\u2028"),
                '\u{2029}' => out.push_str("\\u2029"),
                _ => out.push(ch),
            }
        }
        out
    }
}
