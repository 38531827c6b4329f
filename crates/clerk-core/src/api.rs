//! Backend API envelopes: errors, deleted objects, counts, sessions, tokens, organizations and
//! machine-token verification responses.
//!
//! Every type is tolerant: unknown fields are ignored (Clerk adds fields the spec does not list),
//! optional fields default, and timestamps are Unix **milliseconds** (`i64`).

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::{Map, Value};

use crate::redact::debug_as_redacted_json;

/// Defines a string enum with an `Other(String)` fallback that (de)serializes as the bare string.
macro_rules! string_enum {
    (
        $(#[$meta:meta])*
        $vis:vis enum $name:ident {
            $( $(#[$vmeta:meta])* $variant:ident => $wire:literal, )*
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash)]
        $vis enum $name {
            $( $(#[$vmeta])* $variant, )*
            /// A value this version of the crate does not know, kept verbatim.
            ///
            /// Build values with `From<&str>` so known strings map to their variant.
            Other(String),
        }

        impl $name {
            /// The string Clerk sends.
            pub fn as_str(&self) -> &str {
                match self {
                    $( Self::$variant => $wire, )*
                    Self::Other(other) => other,
                }
            }
        }

        impl From<&str> for $name {
            fn from(value: &str) -> Self {
                match value {
                    $( $wire => Self::$variant, )*
                    other => Self::Other(other.to_owned()),
                }
            }
        }

        impl ::std::fmt::Display for $name {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl ::serde::Serialize for $name {
            fn serialize<S: ::serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.serialize_str(self.as_str())
            }
        }

        impl<'de> ::serde::Deserialize<'de> for $name {
            fn deserialize<D: ::serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                let value = String::deserialize(deserializer)?;
                Ok(Self::from(value.as_str()))
            }
        }
    };
}
pub(crate) use string_enum;

/// One error of a Backend API error body (`ClerkError` in the spec).
///
/// Also used for the `error` of OAuth and SAML verifications.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ClerkApiError {
    /// Machine-readable code, e.g. `resource_not_found`.
    #[serde(default)]
    pub code: String,
    /// Short message, e.g. `not found`.
    #[serde(default)]
    pub message: String,
    /// Longer, human-readable message, e.g. `Resource not found`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub long_message: Option<String>,
    /// Extra details, e.g. `{"param_name":"order_by"}` on `form_param_*` errors.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub meta: Option<Value>,
}

impl fmt::Display for ClerkApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.long_message {
            Some(long) => write!(f, "{}: {}", self.code, long),
            None => write!(f, "{}: {}", self.code, self.message),
        }
    }
}

/// A Backend API error body: `{"errors":[…], "meta"?, "clerk_trace_id"?}`.
///
/// # Examples
///
/// ```
/// use clerk_core::api::ClerkErrors;
///
/// let body = r#"{"errors":[{"message":"not found","long_message":"Resource not found",
///                "code":"resource_not_found"}],"clerk_trace_id":"abc"}"#;
/// let errors: ClerkErrors = serde_json::from_str(body)?;
/// assert_eq!(errors.first_code(), Some("resource_not_found"));
/// # Ok::<(), serde_json::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ClerkErrors {
    /// The errors, most relevant first.
    #[serde(default)]
    pub errors: Vec<ClerkApiError>,
    /// Request-level details, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub meta: Option<Value>,
    /// Clerk's trace id, to quote to Clerk support.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub clerk_trace_id: Option<String>,
}

impl ClerkErrors {
    /// The code of the first error, if any.
    pub fn first_code(&self) -> Option<&str> {
        self.errors.first().map(|err| err.code.as_str())
    }

    /// Whether any error has this code.
    pub fn has_code(&self, code: &str) -> bool {
        self.errors.iter().any(|err| err.code == code)
    }
}

impl fmt::Display for ClerkErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut errors = self.errors.iter();
        match errors.next() {
            None => f.write_str("clerk api error")?,
            Some(first) => {
                write!(f, "{first}")?;
                for err in errors {
                    write!(f, "; {err}")?;
                }
            }
        }
        if let Some(trace) = &self.clerk_trace_id {
            write!(f, " (clerk_trace_id={trace})")?;
        }
        Ok(())
    }
}

impl std::error::Error for ClerkErrors {}

/// The answer to a `DELETE` (and the `user.deleted`/`organization.deleted` webhook data).
///
/// `{"object":"user","id":"user_…","deleted":true}`; `slug` and `external_id` appear only when
/// the object had one, and are not invented on serialization.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeletedObject {
    /// What was deleted: `user`, `organization`, …
    pub object: String,
    /// The id of the deleted object.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// The slug, for objects that have one (organizations).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub slug: Option<String>,
    /// The external id, when the deleted user had one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub external_id: Option<String>,
    /// Always `true` from Clerk.
    pub deleted: bool,
}

/// `GET /v1/users/count`: `{"object":"total_count","total_count":N}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TotalCount {
    /// Always `total_count`.
    #[serde(default)]
    pub object: String,
    /// The number of matching objects.
    pub total_count: i64,
}

impl TotalCount {
    /// A count of `total_count` objects.
    pub fn new(total_count: i64) -> Self {
        Self {
            object: "total_count".to_owned(),
            total_count,
        }
    }
}

string_enum! {
    /// A session's status (`GET /v1/sessions/{id}`).
    pub enum SessionObjectStatus {
        /// `active`
        Active => "active",
        /// `revoked`
        Revoked => "revoked",
        /// `ended`
        Ended => "ended",
        /// `expired`
        Expired => "expired",
        /// `removed`
        Removed => "removed",
        /// `abandoned`
        Abandoned => "abandoned",
        /// `replaced`
        Replaced => "replaced",
        /// `pending`: a task (such as choosing an organization) is still required.
        Pending => "pending",
    }
}

impl std::fmt::Debug for SessionActivity {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        crate::redact::debug_json("SessionActivity", self, f)
    }
}

/// A Backend API session (`GET /v1/sessions/{id}`, contract §2.6).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Session {
    /// Always `session`.
    #[serde(default)]
    pub object: String,
    /// `sess_…`
    pub id: String,
    /// `user_…`
    pub user_id: String,
    /// `client_…`
    #[serde(default)]
    pub client_id: String,
    /// The impersonator (`act` claim), when this session is impersonated.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub actor: Option<Value>,
    /// The session's status.
    pub status: SessionObjectStatus,
    /// The organization last active in this session.
    #[serde(default)]
    pub last_active_organization_id: Option<String>,
    /// Last activity, ms.
    #[serde(default)]
    pub last_active_at: i64,
    /// Where and on what the session was last active.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub latest_activity: Option<SessionActivity>,
    /// When the session expires, ms.
    #[serde(default)]
    pub expire_at: i64,
    /// When the session is abandoned, ms.
    #[serde(default)]
    pub abandon_at: i64,
    /// Last update, ms.
    #[serde(default)]
    pub updated_at: i64,
    /// Creation, ms.
    #[serde(default)]
    pub created_at: i64,
    /// Pending session tasks, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tasks: Option<Vec<SessionTask>>,
}

/// The latest activity of a [`Session`]. `Debug` hides the IP address.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SessionActivity {
    /// Always `session_activity`.
    #[serde(default)]
    pub object: String,
    /// `sess_activity_…`
    #[serde(default)]
    pub id: String,
    /// e.g. `Macintosh`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub device_type: Option<String>,
    /// Whether the device is mobile.
    #[serde(default)]
    pub is_mobile: bool,
    /// e.g. `Chrome`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub browser_name: Option<String>,
    /// e.g. `139.0.0.0`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub browser_version: Option<String>,
    /// Client IP address.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ip_address: Option<String>,
    /// City from IP geolocation.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub city: Option<String>,
    /// Country code from IP geolocation.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub country: Option<String>,
}

/// A pending task of a [`Session`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SessionTask {
    /// The task key, e.g. `choose-organization`.
    pub key: String,
}

/// `POST /v1/sessions/{id}/tokens`: `{"object":"token","jwt":"…"}`.
///
/// `Debug` does not show the token.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TokenResponse {
    /// Always `token`.
    #[serde(default)]
    pub object: String,
    /// The session JWT. It is a bearer credential: keep it out of logs.
    pub jwt: String,
}

impl fmt::Debug for TokenResponse {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TokenResponse")
            .field("object", &self.object)
            .field("jwt", &"[redacted]")
            .finish()
    }
}

/// An organization (`organization.*` webhooks, organization memberships).
///
/// Nested parts that vary between API versions stay [`serde_json::Value`]s. Like
/// [`User`](crate::User), it never serializes its private metadata (read it with
/// [`Organization::private_metadata`]), and `Debug` hides it.
#[derive(Clone, PartialEq, Serialize, Deserialize)]
pub struct Organization {
    /// Always `organization`.
    #[serde(default)]
    pub object: String,
    /// `org_…`
    pub id: String,
    /// Display name.
    #[serde(default)]
    pub name: String,
    /// URL-friendly slug.
    #[serde(default)]
    pub slug: Option<String>,
    /// Logo URL.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub image_url: Option<String>,
    /// Whether a logo was uploaded.
    #[serde(default)]
    pub has_image: bool,
    /// Number of members, when requested.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub members_count: Option<i64>,
    /// Whether no member has elevated permissions.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub missing_member_with_elevated_permissions: Option<bool>,
    /// Number of pending invitations, when requested.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pending_invitations_count: Option<i64>,
    /// Membership limit (0 = unlimited).
    #[serde(default)]
    pub max_allowed_memberships: i64,
    /// Whether admins may delete the organization.
    #[serde(default)]
    pub admin_delete_enabled: bool,
    /// Metadata readable by the frontend.
    #[serde(default)]
    pub public_metadata: Map<String, Value>,
    /// Backend-only metadata: read with [`Organization::private_metadata`]; `Serialize` skips it.
    #[serde(default, skip_serializing)]
    private_metadata: Option<Map<String, Value>>,
    /// The creating user's id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created_by: Option<String>,
    /// Creation, ms.
    #[serde(default)]
    pub created_at: i64,
    /// Last update, ms.
    #[serde(default)]
    pub updated_at: i64,
    /// Last activity, ms.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_active_at: Option<i64>,
    /// Role set key.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub role_set_key: Option<String>,
}

impl Organization {
    /// Backend-only metadata, as Clerk sent it (`None` when the payload had none).
    ///
    /// The server's to read: `Serialize` and `Debug` leave it out.
    pub fn private_metadata(&self) -> Option<&Map<String, Value>> {
        self.private_metadata.as_ref()
    }
}

/// A user's membership in an organization.
///
/// Never serializes private metadata, its own ([`OrganizationMembership::private_metadata`])
/// or the embedded organization's; `Debug` also hides the member's identifier (an email
/// address or phone number).
#[derive(Clone, PartialEq, Serialize, Deserialize)]
pub struct OrganizationMembership {
    /// Always `organization_membership`.
    #[serde(default)]
    pub object: String,
    /// `orgmem_…`
    pub id: String,
    /// Role key, e.g. `org:admin`.
    #[serde(default)]
    pub role: String,
    /// Role display name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub role_name: Option<String>,
    /// Permission keys, e.g. `org:sys_memberships:manage`.
    #[serde(default)]
    pub permissions: Vec<String>,
    /// Metadata readable by the frontend.
    #[serde(default)]
    pub public_metadata: Map<String, Value>,
    /// Backend-only metadata: read with [`OrganizationMembership::private_metadata`];
    /// `Serialize` skips it.
    #[serde(default, skip_serializing)]
    private_metadata: Option<Map<String, Value>>,
    /// The organization. Kept as JSON: its shape varies with the API version and event.
    /// Serialized without its `private_metadata`.
    #[serde(default, serialize_with = "crate::redact::serialize_without_private_metadata")]
    pub organization: Value,
    /// The member's public data (`user_id`, names, `identifier`, …), kept as JSON.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub public_user_data: Option<Value>,
    /// Creation, ms.
    #[serde(default)]
    pub created_at: i64,
    /// Last update, ms.
    #[serde(default)]
    pub updated_at: i64,
}

impl OrganizationMembership {
    /// Backend-only metadata of the membership, as Clerk sent it.
    ///
    /// The server's to read: `Serialize` and `Debug` leave it out.
    pub fn private_metadata(&self) -> Option<&Map<String, Value>> {
        self.private_metadata.as_ref()
    }

    /// The organization parsed as an [`Organization`], if it has that shape.
    pub fn organization(&self) -> Option<Organization> {
        Organization::deserialize(&self.organization).ok()
    }

    /// `organization.id`, if present.
    pub fn organization_id(&self) -> Option<&str> {
        self.organization.get("id").and_then(Value::as_str)
    }

    /// `public_user_data.user_id`, if present.
    pub fn user_id(&self) -> Option<&str> {
        self.public_user_data
            .as_ref()?
            .get("user_id")
            .and_then(Value::as_str)
    }
}

// `Debug` prints the public JSON with the member's identifier hidden.
debug_as_redacted_json!(Organization, OrganizationMembership);

/// `POST /m2m_tokens/verify`: a machine-to-machine token.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct M2mToken {
    /// Always `machine_to_machine_token`.
    #[serde(default)]
    pub object: String,
    /// `mt_<32 hex>`
    pub id: String,
    /// The machine the token belongs to, `mch_…`.
    #[serde(default)]
    pub subject: String,
    /// Custom claims.
    #[serde(default)]
    pub claims: Option<Value>,
    /// Machines this token may talk to (`mch_…`).
    #[serde(default)]
    pub scopes: Vec<String>,
    /// Whether the token was revoked.
    #[serde(default)]
    pub revoked: bool,
    /// Why it was revoked.
    #[serde(default)]
    pub revocation_reason: Option<String>,
    /// Whether the token has expired.
    #[serde(default)]
    pub expired: bool,
    /// Expiry, ms; `None` never expires.
    #[serde(default)]
    pub expiration: Option<i64>,
    /// Last use, ms.
    #[serde(default)]
    pub last_used_at: Option<i64>,
    /// Creation, ms.
    #[serde(default)]
    pub created_at: i64,
    /// Last update, ms.
    #[serde(default)]
    pub updated_at: i64,
}

impl M2mToken {
    /// Whether the token is usable at `now_ms`: neither revoked nor expired.
    ///
    /// Clerk answers 200 with the flags set, so check them client-side (contract §2.7).
    pub fn is_usable_at(&self, now_ms: i64) -> bool {
        usable(self.revoked, self.expired, self.expiration, now_ms)
    }
}

/// `POST /api_keys/verify`: an API key.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ApiKey {
    /// Always `api_key`.
    #[serde(default)]
    pub object: String,
    /// `ak_<32 hex>`
    pub id: String,
    /// Always `api_key`.
    #[serde(rename = "type", default)]
    pub key_type: String,
    /// The owner: `user_…`, `org_…` or `mch_…`.
    #[serde(default)]
    pub subject: String,
    /// Display name.
    #[serde(default)]
    pub name: String,
    /// Description.
    #[serde(default)]
    pub description: Option<String>,
    /// Custom claims.
    #[serde(default)]
    pub claims: Option<Value>,
    /// Scopes granted.
    #[serde(default)]
    pub scopes: Vec<String>,
    /// Whether the key was revoked.
    #[serde(default)]
    pub revoked: bool,
    /// Why it was revoked.
    #[serde(default)]
    pub revocation_reason: Option<String>,
    /// Whether the key has expired.
    #[serde(default)]
    pub expired: bool,
    /// Expiry, ms; `None` never expires.
    #[serde(default)]
    pub expiration: Option<i64>,
    /// The creating user's id.
    #[serde(default)]
    pub created_by: Option<String>,
    /// Last use, ms.
    #[serde(default)]
    pub last_used_at: Option<i64>,
    /// Creation, ms.
    #[serde(default)]
    pub created_at: i64,
    /// Last update, ms.
    #[serde(default)]
    pub updated_at: i64,
}

impl ApiKey {
    /// Whether the key is usable at `now_ms`: neither revoked nor expired.
    pub fn is_usable_at(&self, now_ms: i64) -> bool {
        usable(self.revoked, self.expired, self.expiration, now_ms)
    }
}

/// An OAuth access token issued by Clerk as identity provider (`clerk_idp_oauth_access_token`);
/// not a user's provider token (`clerk_backend::OAuthAccessToken`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct IdpOAuthAccessToken {
    /// Always `clerk_idp_oauth_access_token`.
    #[serde(default)]
    pub object: String,
    /// `oat_<32 hex>`
    pub id: String,
    /// The OAuth application's client id.
    #[serde(default)]
    pub client_id: String,
    /// The user, `user_…`.
    #[serde(default)]
    pub subject: String,
    /// Scopes granted.
    #[serde(default)]
    pub scopes: Vec<String>,
    /// Whether the token was revoked.
    #[serde(default)]
    pub revoked: bool,
    /// Why it was revoked.
    #[serde(default)]
    pub revocation_reason: Option<String>,
    /// Whether the token has expired.
    #[serde(default)]
    pub expired: bool,
    /// Expiry, ms.
    #[serde(default)]
    pub expiration: Option<i64>,
    /// Creation, ms.
    #[serde(default)]
    pub created_at: i64,
    /// Last update, ms.
    #[serde(default)]
    pub updated_at: i64,
    /// The audience (`aud`), when Clerk sends one: a string or an array of strings.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub aud: Option<Value>,
}

impl IdpOAuthAccessToken {
    /// Whether the token is usable at `now_ms`: neither revoked nor expired.
    pub fn is_usable_at(&self, now_ms: i64) -> bool {
        usable(self.revoked, self.expired, self.expiration, now_ms)
    }
}

/// `POST /oauth_applications/access_tokens/verify`: a token, or `{"active": false}`.
///
/// Clerk answers `{"active": false}` (status 200) for an expired JWT access token.
///
/// # Examples
///
/// ```
/// use clerk_core::api::OAuthVerifyResponse;
///
/// let inactive: OAuthVerifyResponse = serde_json::from_str(r#"{"active": false}"#)?;
/// assert!(inactive.token().is_none());
/// # Ok::<(), serde_json::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
pub enum OAuthVerifyResponse {
    /// The token, with its flags (check [`IdpOAuthAccessToken::is_usable_at`]).
    Token(Box<IdpOAuthAccessToken>),
    /// `{"active": false}`: the token is not valid.
    Inactive,
}

impl OAuthVerifyResponse {
    /// The token, unless Clerk said `{"active": false}`.
    pub fn token(&self) -> Option<&IdpOAuthAccessToken> {
        match self {
            Self::Token(token) => Some(token),
            Self::Inactive => None,
        }
    }
}

impl Serialize for OAuthVerifyResponse {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            Self::Token(token) => token.serialize(serializer),
            Self::Inactive => {
                use serde::ser::SerializeMap;
                let mut map = serializer.serialize_map(Some(1))?;
                map.serialize_entry("active", &false)?;
                map.end()
            }
        }
    }
}

impl<'de> Deserialize<'de> for OAuthVerifyResponse {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let value = Value::deserialize(deserializer)?;
        // `{"active": false}` has no id; anything with an id is a token description.
        if value.get("id").is_none() && value.get("active") == Some(&Value::Bool(false)) {
            return Ok(Self::Inactive);
        }
        IdpOAuthAccessToken::deserialize(value)
            .map(|token| Self::Token(Box::new(token)))
            .map_err(serde::de::Error::custom)
    }
}

fn usable(revoked: bool, expired: bool, expiration: Option<i64>, now_ms: i64) -> bool {
    !revoked && !expired && expiration.is_none_or(|exp| exp > now_ms)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn session_status_keeps_unknown_values() {
        let status: SessionObjectStatus = serde_json::from_str(r#""brand_new""#).unwrap();
        assert_eq!(status, SessionObjectStatus::Other("brand_new".into()));
        assert_eq!(serde_json::to_string(&status).unwrap(), r#""brand_new""#);
        assert_eq!(SessionObjectStatus::from("active"), SessionObjectStatus::Active);
    }

    #[test]
    fn total_count_round_trips() {
        let count: TotalCount = serde_json::from_str(r#"{"object":"total_count","total_count":7}"#).unwrap();
        assert_eq!(count, TotalCount::new(7));
        assert_eq!(
            serde_json::to_string(&count).unwrap(),
            r#"{"object":"total_count","total_count":7}"#
        );
    }

    #[test]
    fn token_response_debug_hides_jwt() {
        let token = TokenResponse {
            object: "token".into(),
            jwt: "eyJsecret".into(),
        };
        assert!(!format!("{token:?}").contains("eyJsecret"));
    }

    #[test]
    fn usable_checks_flags_and_expiration() {
        assert!(usable(false, false, None, 10));
        assert!(usable(false, false, Some(11), 10));
        assert!(!usable(false, false, Some(10), 10));
        assert!(!usable(true, false, None, 10));
        assert!(!usable(false, true, None, 10));
    }
}
