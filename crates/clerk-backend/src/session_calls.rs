//! The sessions resource's hand-written parts: [`SessionListParams`] (the filters the generated
//! `sessions().list` takes), the session-token calls on the `sessions()` handle (they answer the
//! JWT string, which the spec cannot say) and [`SessionTokenOptions`].

use clerk_core::api::{SessionObjectStatus, TokenResponse};
use serde::Serialize;

use super::error::{ApiError, ApiResult};
use super::params::{keys_of, Query};
use crate::generated::operations as ops;
use crate::operations::Operation;
use crate::sessions::Sessions;

/// Filters and paging of `GET /v1/sessions`
/// ([`sessions().list`](crate::sessions::Sessions::list)).
///
/// Clerk wants a `user_id` or a `client_id` (listing every session of the instance is
/// deprecated). Sessions come newest first.
///
/// # Examples
///
/// ```
/// use clerk_backend::SessionListParams;
/// use clerk_core::api::SessionObjectStatus;
///
/// let params = SessionListParams::for_user("user_123").status(SessionObjectStatus::Active).limit(50);
/// assert_eq!(params.user_id.as_deref(), Some("user_123"));
/// ```
#[derive(Debug, Clone, Default, PartialEq)]
#[non_exhaustive]
pub struct SessionListParams {
    /// `user_id`: the sessions of this user.
    pub user_id: Option<String>,
    /// `client_id`: the sessions of this client (browser).
    pub client_id: Option<String>,
    /// `status`: only sessions in this state.
    pub status: Option<SessionObjectStatus>,
    /// `limit`: page size, 1..=500; Clerk's default is 10.
    pub limit: Option<u32>,
    /// `offset`: items to skip.
    pub offset: Option<u32>,
}

impl SessionListParams {
    /// The sessions of a user.
    pub fn for_user(user_id: impl Into<String>) -> Self {
        Self {
            user_id: Some(user_id.into()),
            ..Self::default()
        }
    }

    /// The sessions of a client.
    pub fn for_client(client_id: impl Into<String>) -> Self {
        Self {
            client_id: Some(client_id.into()),
            ..Self::default()
        }
    }

    /// Sets `status`.
    pub fn status(mut self, status: SessionObjectStatus) -> Self {
        self.status = Some(status);
        self
    }

    /// Sets `limit` (1..=500).
    pub fn limit(mut self, limit: u32) -> Self {
        self.limit = Some(limit);
        self
    }

    /// Sets `offset`.
    pub fn offset(mut self, offset: u32) -> Self {
        self.offset = Some(offset);
        self
    }

    /// The query string of `op` (without `?`): the keys set here that the operation lists.
    pub(crate) fn query_for(&self, op: &Operation) -> String {
        keys_of(op, &self.to_query())
    }

    /// The query string (without `?`) of every field that is set.
    fn to_query(&self) -> String {
        let mut query = Query::default();
        query.push_opt("user_id", self.user_id.as_deref());
        query.push_opt("client_id", self.client_id.as_deref());
        query.push_opt("status", self.status.as_ref().map(SessionObjectStatus::as_str));
        query.paging(self.limit, self.offset);
        query.finish()
    }
}

/// Options of a minted session token: from a JWT template
/// ([`create_token_from_template`](Sessions::create_token_from_template)) or the session token
/// itself ([`create_token`](Sessions::create_token)), with a lifetime. clerk-actix's `get_token`
/// takes it.
///
/// # Examples
///
/// ```
/// use clerk_backend::SessionTokenOptions;
///
/// let hasura = SessionTokenOptions::template("hasura").expires_in_seconds(600);
/// assert_eq!(hasura.template.as_deref(), Some("hasura"));
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct SessionTokenOptions {
    /// The JWT template to mint from (`POST /v1/sessions/{session_id}/tokens/{template_name}`);
    /// `None` mints the session token itself.
    pub template: Option<String>,
    /// `expires_in_seconds`: the token's lifetime, 30..=315360000 (Clerk's default otherwise).
    pub expires_in_seconds: Option<u32>,
}

impl SessionTokenOptions {
    /// A token from the JWT template named `name`.
    pub fn template(name: impl Into<String>) -> Self {
        Self {
            template: Some(name.into()),
            ..Self::default()
        }
    }

    /// Sets `expires_in_seconds`.
    pub fn expires_in_seconds(mut self, seconds: u32) -> Self {
        self.expires_in_seconds = Some(seconds);
        self
    }
}

#[derive(Serialize)]
struct TokenBody {
    #[serde(skip_serializing_if = "Option::is_none")]
    expires_in_seconds: Option<u32>,
}

impl Sessions<'_> {
    /// `POST /v1/sessions/{session_id}/tokens`: mints the session's JWT and returns it, with
    /// `expires_in_seconds` as its lifetime when set (the body is then
    /// `{"expires_in_seconds": N}`, else `{}`).
    ///
    /// Never retried (its row of the operation table says so); a lost answer only leaves an
    /// unused token behind, so calling again after a timeout is safe. The JWT is a bearer
    /// credential: keep it out of logs.
    ///
    /// # Errors
    ///
    /// [`ApiError::InvalidArgument`] for an empty or unsafe id; 404 when there is no such
    /// session; 422 for a lifetime out of range; see [`ApiError`].
    pub async fn create_token(&self, session_id: &str, expires_in_seconds: Option<u32>) -> ApiResult<String> {
        self.token(&ops::CREATE_SESSION_TOKEN, &[session_id], expires_in_seconds)
            .await
    }

    /// `POST /v1/sessions/{session_id}/tokens/{template_name}`: mints a JWT from the JWT
    /// template `template_name` for the session and returns it, with `expires_in_seconds` as
    /// its lifetime when set. Never retried, and refused, as [`create_token`](Self::create_token).
    ///
    /// # Errors
    ///
    /// [`ApiError::InvalidArgument`] for an empty or unsafe id or template name; 404 when
    /// there is no such session or template; 422 for a lifetime out of range; see
    /// [`ApiError`].
    pub async fn create_token_from_template(
        &self,
        session_id: &str,
        template_name: &str,
        expires_in_seconds: Option<u32>,
    ) -> ApiResult<String> {
        self.token(
            &ops::CREATE_SESSION_TOKEN_FROM_TEMPLATE,
            &[session_id, template_name],
            expires_in_seconds,
        )
        .await
    }

    /// A token operation: its JWT, or a decode error when the answer has none.
    async fn token(
        &self,
        op: &'static Operation,
        path_args: &[&str],
        expires_in_seconds: Option<u32>,
    ) -> ApiResult<String> {
        // `{}` without a lifetime: the spec's JSON object, as `@clerk/backend` sends it.
        let body = Some(crate::Payload::json(&TokenBody { expires_in_seconds })?);
        let token: TokenResponse = self.client.operation(op, path_args, String::new(), body).await?;
        if token.jwt.is_empty() {
            return Err(ApiError::Decode {
                endpoint: op.endpoint,
                status: 200,
                detail: "the answer has no jwt".to_owned(),
            });
        }
        Ok(token.jwt)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn session_queries_ask_for_pages() {
        let params = SessionListParams::for_user("user a")
            .status(SessionObjectStatus::Revoked)
            .limit(5)
            .offset(0);
        assert_eq!(
            crate::params::paginated(params.query_for(&ops::GET_SESSION_LIST)),
            "paginated=true&user_id=user%20a&status=revoked&limit=5&offset=0"
        );
    }
}
