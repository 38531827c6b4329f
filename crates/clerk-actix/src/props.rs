//! Clerk's `buildClerkProps`: a serialisable snapshot of the auth state for server-rendered pages.

use clerk_core::{Auth, PublicUser, User};
use serde::Serialize;
use serde_json::Value;

/// The auth state (and optionally the public user) to embed in a server-rendered page, as Clerk's
/// `buildClerkProps` does: identity fields only, never the token, never `private_metadata`.
///
/// # Examples
///
/// ```
/// use clerk_actix::{ClerkProps, request::RequestReason};
/// use clerk_core::Auth;
///
/// let props = ClerkProps::new(&Auth::signed_out(RequestReason::SessionTokenAndUatMissing, None), None);
/// let script = props.to_script_json();
/// assert!(script.contains("\"userId\":null"));
/// ```
#[derive(Debug, Clone, Serialize)]
pub struct ClerkProps {
    #[serde(rename = "__clerk_ssr_state")]
    state: SsrState,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
struct SsrState {
    is_authenticated: bool,
    user_id: Option<String>,
    session_id: Option<String>,
    session_status: Option<&'static str>,
    actor: Option<Value>,
    org_id: Option<String>,
    org_role: Option<String>,
    org_slug: Option<String>,
    org_permissions: Option<Vec<String>>,
    factor_verification_age: Option<[i64; 2]>,
    user: Option<PublicUser>,
}

impl ClerkProps {
    /// Props for `auth`, with the user's public view when given.
    pub fn new(auth: &Auth, user: Option<&User>) -> Self {
        Self {
            state: SsrState {
                is_authenticated: auth.is_authenticated(),
                user_id: auth.user_id().map(str::to_owned),
                session_id: auth.session_id().map(str::to_owned),
                session_status: auth.session_status().map(|s| s.as_str()),
                actor: auth.actor().cloned(),
                org_id: auth.org_id().map(str::to_owned),
                org_role: auth.org_role().map(str::to_owned),
                org_slug: auth.org_slug().map(str::to_owned),
                org_permissions: auth.org_permissions().map(<[String]>::to_vec),
                factor_verification_age: auth.factor_verification_age(),
                user: user.filter(|_| auth.is_authenticated()).map(PublicUser::from),
            },
        }
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
