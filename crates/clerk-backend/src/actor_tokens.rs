//! Actor tokens (impersonation): [`ActorToken`], [`CreateActorToken`]; create and revoke.

use std::fmt;

use awc::http::Method;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::clerk_client::{json_body, ClerkClient};
use super::error::ApiResult;
use super::params::path_segment;
use super::sign_in_tokens::TicketStatus;

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

/// The body of `POST /v1/actor_tokens` ([`create_actor_token`](ClerkClient::create_actor_token)).
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
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
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

impl ClerkClient {
    /// `POST /v1/actor_tokens`: creates an impersonation ticket; the answer is the only place
    /// its `token` and `url` appear. Never retried.
    ///
    /// On a timeout or a transport failure the call fails with that error and a ticket **may
    /// exist** that nobody holds; it is useless without its token and expires on its own, so
    /// creating another one is safe.
    ///
    /// # Errors
    ///
    /// 404 when there is no such user; 403 (`user_banned`) for a banned user; 422 for a
    /// missing `actor.sub`; 402 when the plan lacks impersonation; see
    /// [`ApiError`](super::ApiError).
    pub async fn create_actor_token(&self, token: &CreateActorToken) -> ApiResult<ActorToken> {
        let call = self.call(
            "POST /v1/actor_tokens",
            Method::POST,
            self.v1_url("/actor_tokens"),
            Some(json_body(token)?),
            false,
        );
        self.json(call).await
    }

    /// `POST /v1/actor_tokens/{id}/revoke`: makes a pending actor token unusable and returns
    /// it with status `revoked`.
    ///
    /// Retried like a `DELETE`; a retry after a lost success answers
    /// 400 `actor_token_cannot_be_revoked_code`, which callers may treat as done.
    ///
    /// # Errors
    ///
    /// [`ApiError::InvalidArgument`](super::ApiError::InvalidArgument) for an empty or unsafe
    /// id; 404 when there is no such token; 400 `actor_token_cannot_be_revoked_code` when it
    /// is not pending; see [`ApiError`](super::ApiError).
    pub async fn revoke_actor_token(&self, actor_token_id: &str) -> ApiResult<ActorToken> {
        let url = self.v1_url(&format!("/actor_tokens/{}/revoke", path_segment(actor_token_id)?));
        let call = self.call("POST /v1/actor_tokens/{id}/revoke", Method::POST, url, None, true);
        self.json(call).await
    }
}
