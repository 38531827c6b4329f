//! [`Sessions::refresh`]: a session refreshed from its expired token and refresh cookie
//! (`POST /v1/sessions/{session_id}/refresh`), for Clerk's request flow. Hand-written: the body
//! is built from the request (`format: "cookie"`) and the answer is the `Set-Cookie` directives.

use clerk_core::request::RefreshRequest;

use super::error::ApiResult;
use crate::generated::operations as ops;
use crate::sessions::Sessions;

/// The answer with `format: "cookie"` (the spec's `Cookies`).
#[derive(serde::Deserialize)]
struct CookiesResponse {
    cookies: Vec<String>,
}

impl Sessions<'_> {
    /// `POST /v1/sessions/{session_id}/refresh?suffixed_cookies=` with `format: "cookie"`: the
    /// `Set-Cookie` directives of a refreshed session (what Clerk's request flow sets when an
    /// expired session token comes with a `__refresh` cookie).
    ///
    /// Never retried, on the [`Share::Sessions`](crate::Share::Sessions) share, as its row of
    /// the operation table says: a timed-out refresh is reported, and the request falls back to
    /// Clerk's handshake. The request and the answer carry tokens: keep them out of logs.
    ///
    /// # Errors
    ///
    /// [`ApiError::InvalidArgument`](crate::ApiError::InvalidArgument) for an empty or unsafe
    /// id; 401 when Clerk refuses the refresh (the SDK then hands over to the handshake); see
    /// [`ApiError`](crate::ApiError).
    pub async fn refresh(&self, session_id: &str, refresh: &RefreshRequest<'_>) -> ApiResult<Vec<String>> {
        let headers: serde_json::Map<String, serde_json::Value> = refresh
            .request_headers
            .iter()
            .map(|(name, value)| (name.clone(), serde_json::json!([value])))
            .collect();
        let body = serde_json::json!({
            "format": "cookie",
            "expired_token": refresh.expired_token,
            "refresh_token": refresh.refresh_token,
            "request_origin": refresh.request_origin,
            "request_headers": headers,
        });
        let cookies: CookiesResponse = self
            .client
            .operation(
                &ops::REFRESH_SESSION,
                &[session_id],
                format!("suffixed_cookies={}", refresh.suffixed_cookies),
                Some(crate::Payload::json(&body)?),
            )
            .await?;
        Ok(cookies.cookies)
    }
}
