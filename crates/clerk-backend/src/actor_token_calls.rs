//! Actor tokens (impersonation): [`ActorToken`], [`CreateActorToken`], the answer and body types
//! of the generated `actor_tokens().create` and `revoke` (their `Debug` hides the ticket).

use std::fmt;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::sign_in_token_calls::TicketStatus;

/// An actor token (`ActorToken` in the spec): a one-time ticket that signs its holder in as
/// `user_id`, with `actor` (who is acting) in the session's `act` claim.
///
/// `Debug` hides `token` and `url` (the URL carries the ticket). Unknown fields are ignored.
#[derive(Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct ActorToken {
    /// Always `actor_token`.
    #[serde(default)]
    pub object: String,
    /// `act_…`
    pub id: String,
    /// Its state.
    pub status: TicketStatus,
    /// The impersonated user.
    #[serde(default)]
    pub user_id: String,
    /// Who acts (at least `sub`, the actor's id).
    #[serde(default)]
    pub actor: Map<String, Value>,
    /// The ticket, only in the answer to its creation (a credential).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub token: Option<String>,
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

impl fmt::Debug for ActorToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ActorToken")
            .field("id", &self.id)
            .field("status", &self.status)
            .field("user_id", &self.user_id)
            .field("actor", &self.actor)
            .field("token", &self.token.as_ref().map(|_| "<redacted>"))
            .field("url", &self.url.as_ref().map(|_| "<redacted>"))
            .field("created_at", &self.created_at)
            .field("updated_at", &self.updated_at)
            .finish_non_exhaustive()
    }
}

/// The body of `POST /v1/actor_tokens` ([`actor_tokens().create`](crate::actor_tokens::ActorTokens::create)).
///
/// # Examples
///
/// ```
/// use clerk_backend::CreateActorToken;
///
/// let token = CreateActorToken::new("user_customer", "user_support_agent");
/// assert_eq!(
///     serde_json::to_string(&token)?,
///     r#"{"user_id":"user_customer","actor":{"sub":"user_support_agent"}}"#
/// );
/// # Ok::<(), serde_json::Error>(())
/// ```
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct CreateActorToken {
    /// `user_id`: the user to impersonate (required).
    pub user_id: String,
    /// `actor`: who acts; must hold `sub` (the actor's id), copied into the `act` claim.
    pub actor: Map<String, Value>,
    /// `expires_in_seconds`: the ticket's lifetime (Clerk's default: 3600).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expires_in_seconds: Option<u64>,
    /// `session_max_duration_in_seconds`: the impersonation session's longest life (Clerk's
    /// default: 1800).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub session_max_duration_in_seconds: Option<u64>,
}

impl CreateActorToken {
    /// `actor_id` impersonating `user_id`, with Clerk's default lifetimes.
    pub fn new(user_id: impl Into<String>, actor_id: impl Into<String>) -> Self {
        let mut actor = Map::new();
        actor.insert("sub".to_owned(), Value::String(actor_id.into()));
        Self {
            user_id: user_id.into(),
            actor,
            ..Self::default()
        }
    }
}
