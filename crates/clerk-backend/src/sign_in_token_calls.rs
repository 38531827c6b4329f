//! Sign-in tokens: [`SignInToken`], [`CreateSignInToken`], [`TicketStatus`], the answer and body
//! types of the generated `sign_in_tokens().create` and `revoke` (their `Debug` hides the ticket).

use std::fmt;

use serde::{Deserialize, Serialize};

/// The state of a one-time ticket: a [`SignInToken`] or an
/// [`ActorToken`](super::ActorToken).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum TicketStatus {
    /// `pending`: not used yet; the only state that can be revoked.
    Pending,
    /// `accepted`: used to sign in.
    Accepted,
    /// `revoked`.
    Revoked,
    /// A status this version of the crate does not know.
    #[serde(other)]
    Unknown,
}

/// A sign-in token (`SignInToken` in the spec): a one-time ticket that signs its user in
/// without a password.
///
/// `Debug` hides `token` and `url` (the URL carries the ticket). Unknown fields are ignored.
#[derive(Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct SignInToken {
    /// Always `sign_in_token`.
    #[serde(default)]
    pub object: String,
    /// `sit_…`
    pub id: String,
    /// Whom it signs in.
    #[serde(default)]
    pub user_id: String,
    /// The ticket, only in the answer to its creation (a credential).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub token: Option<String>,
    /// Its state.
    pub status: TicketStatus,
    /// A sign-in URL with the ticket, only in the answer to its creation (a credential).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    /// Creation, Unix ms.
    #[serde(default)]
    pub created_at: i64,
    /// Last update, Unix ms.
    #[serde(default)]
    pub updated_at: i64,
}

impl fmt::Debug for SignInToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SignInToken")
            .field("id", &self.id)
            .field("user_id", &self.user_id)
            .field("token", &self.token.as_ref().map(|_| "<redacted>"))
            .field("status", &self.status)
            .field("url", &self.url.as_ref().map(|_| "<redacted>"))
            .field("created_at", &self.created_at)
            .field("updated_at", &self.updated_at)
            .finish_non_exhaustive()
    }
}

/// The body of `POST /v1/sign_in_tokens`
/// ([`sign_in_tokens().create`](crate::sign_in_tokens::SignInTokens::create)).
///
/// # Examples
///
/// ```
/// use clerk_backend::CreateSignInToken;
///
/// let token = CreateSignInToken {
///     expires_in_seconds: Some(300),
///     ..CreateSignInToken::new("user_123")
/// };
/// assert_eq!(
///     serde_json::to_string(&token)?,
///     r#"{"user_id":"user_123","expires_in_seconds":300}"#
/// );
/// # Ok::<(), serde_json::Error>(())
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct CreateSignInToken {
    /// `user_id`: whom it signs in (required).
    pub user_id: String,
    /// `org_id`: the organization to activate on sign-in (the user must be a member).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub org_id: Option<String>,
    /// `expires_in_seconds`: its lifetime (Clerk's default: 30 days).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expires_in_seconds: Option<u64>,
}

impl CreateSignInToken {
    /// A token for `user_id` with Clerk's defaults.
    pub fn new(user_id: impl Into<String>) -> Self {
        Self {
            user_id: user_id.into(),
            ..Self::default()
        }
    }
}
