//! The sessions resource beyond `get_session`: list (with [`SessionListParams`]), revoke, and
//! session tokens from a JWT template or with a lifetime ([`SessionTokenOptions`]).

use awc::http::Method;
use clerk_core::api::{Session, SessionObjectStatus, TokenResponse};
use serde::Serialize;

use super::clerk_client::{json_body, with_query, ClerkClient};
use super::error::{ApiError, ApiResult};
use super::paging::{Page, Paged, Paging, DEFAULT_PAGE_SIZE};
use super::params::{path_segment, Query};

/// Filters and paging of `GET /v1/sessions`
/// ([`list_sessions`](ClerkClient::list_sessions)).
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

    fn to_query(&self) -> String {
        let mut query = Query::default();
        query.push_opt("user_id", self.user_id.as_deref());
        query.push_opt("client_id", self.client_id.as_deref());
        query.push_opt("status", self.status.as_ref().map(SessionObjectStatus::as_str));
        query.push("paginated", "true");
        query.push_opt("limit", self.limit);
        query.push_opt("offset", self.offset);
        query.finish()
    }
}

/// Options of a minted session token
/// ([`create_session_token_with`](ClerkClient::create_session_token_with)).
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
    /// The JWT template to mint from (`POST /v1/sessions/{id}/tokens/{template}`); `None`
    /// mints the session token itself.
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
struct CreateSessionBody<'a> {
    user_id: &'a str,
}

#[derive(Serialize)]
struct TokenBody {
    expires_in_seconds: u32,
}

impl ClerkClient {
    /// `GET /v1/sessions`: one page of sessions matching `params`, newest first, with Clerk's
    /// `total_count`. Retried (a `GET`).
    ///
    /// # Errors
    ///
    /// 422 for an invalid filter or neither `user_id` nor `client_id`; see [`ApiError`].
    pub async fn list_sessions(&self, params: &SessionListParams) -> ApiResult<Page<Session>> {
        let url = with_query(self.v1_url("/sessions"), &params.to_query());
        self.json(self.get("GET /v1/sessions", url)).await
    }

    /// `GET /v1/sessions`, every page: a lazy [`Paged`] stream of the sessions matching
    /// `params` (offset paging, `params.limit` a page or [`DEFAULT_PAGE_SIZE`]).
    pub fn list_sessions_stream(&self, params: SessionListParams) -> Paged<Session> {
        let client = self.clone();
        let limit = params.limit.unwrap_or(DEFAULT_PAGE_SIZE);
        let offset = params.offset.unwrap_or(0);
        Paged::new(limit, offset, None, Paging::Offset, move |page| {
            let client = client.clone();
            let params = SessionListParams {
                limit: Some(page.limit),
                offset: Some(page.offset),
                ..params.clone()
            };
            async move { client.list_sessions(&params).await }
        })
    }

    /// `POST /v1/sessions`: starts a session for `user_id` without a sign-in (for tests and
    /// tools), in the organization the user was last active in.
    ///
    /// Never retried (`POST`): each call starts another session.
    ///
    /// # Errors
    ///
    /// Clerk's refusal (an unknown or banned user, an instance that does not allow it); see
    /// [`ApiError`].
    pub async fn create_session(&self, user_id: &str) -> ApiResult<Session> {
        let body = json_body(&CreateSessionBody { user_id })?;
        let call = self.call(
            "POST /v1/sessions",
            Method::POST,
            self.v1_url("/sessions"),
            Some(body),
            false,
        );
        self.json(call).await
    }

    /// `POST /v1/sessions/{id}/revoke`: signs the session out and returns it with status
    /// `revoked`.
    ///
    /// Retried like a `DELETE`: revoking twice leaves the same state.
    ///
    /// # Errors
    ///
    /// [`ApiError::InvalidArgument`] for an empty or unsafe id; 404 when there is no such
    /// session; see [`ApiError`].
    pub async fn revoke_session(&self, session_id: &str) -> ApiResult<Session> {
        let url = self.v1_url(&format!("/sessions/{}/revoke", path_segment(session_id)?));
        let call = self.call("POST /v1/sessions/{id}/revoke", Method::POST, url, None, true);
        self.json(call).await
    }

    /// `POST /v1/sessions/{id}/tokens[/{template}]`: mints a JWT for the session, from a JWT
    /// template when `options.template` is set, with `options.expires_in_seconds` as its
    /// lifetime when set (the body is then `{"expires_in_seconds": N}`, else empty).
    /// [`create_session_token`](Self::create_session_token) is this with no options.
    ///
    /// Never retried (`POST`); a lost answer only leaves an unused token behind, so calling
    /// again after a timeout is safe. The JWT is a bearer credential: keep it out of logs.
    ///
    /// # Errors
    ///
    /// [`ApiError::InvalidArgument`] for an empty or unsafe id or template name; 404 when
    /// there is no such session or template; 422 for a lifetime out of range; see
    /// [`ApiError`].
    pub async fn create_session_token_with(
        &self,
        session_id: &str,
        options: &SessionTokenOptions,
    ) -> ApiResult<String> {
        let session = path_segment(session_id)?;
        let (endpoint, path) = match &options.template {
            Some(template) => (
                "POST /v1/sessions/{id}/tokens/{template}",
                format!("/sessions/{session}/tokens/{}", path_segment(template)?),
            ),
            None => (
                "POST /v1/sessions/{id}/tokens",
                format!("/sessions/{session}/tokens"),
            ),
        };
        let body = match options.expires_in_seconds {
            Some(expires_in_seconds) => Some(json_body(&TokenBody { expires_in_seconds })?),
            None => None,
        };
        let call = self.call(endpoint, Method::POST, self.v1_url(&path), body, false);
        let token: TokenResponse = self.json(call).await?;
        if token.jwt.is_empty() {
            return Err(ApiError::Decode {
                endpoint,
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
            params.to_query(),
            "user_id=user%20a&status=revoked&paginated=true&limit=5&offset=0"
        );
    }
}
