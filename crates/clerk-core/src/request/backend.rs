//! The two Backend API calls Clerk's request flow makes: resolving a handshake nonce and
//! refreshing an expired session. clerk-core defines them; the framework adapter's Backend API
//! client implements them.

use std::fmt;
use std::future::Future;

/// Why a Backend API call of the request flow failed, as Clerk's flow tells failures apart.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BackendError {
    /// The Backend API answered with Clerk's error shape; the first error's `code`.
    Code(String),
    /// No Clerk error: unreachable, timed out, not JSON, or refused locally (rate budget).
    Unexpected,
}

/// The body of `POST /v1/sessions/{sid}/refresh` (with `format: "cookie"`): the expired token,
/// the `__refresh` cookie, the request's origin and headers. Holds tokens: `Debug` omits them.
pub struct RefreshRequest<'a> {
    /// The expired session token.
    pub expired_token: &'a str,
    /// The suffixed `__refresh` cookie.
    pub refresh_token: &'a str,
    /// The request's origin (`scheme://host`).
    pub request_origin: String,
    /// The request's headers, each with its value (Clerk sends `{name: [value]}`).
    pub request_headers: Vec<(String, String)>,
    /// Whether the instance's cookies are suffixed (`?suffixed_cookies=`).
    pub suffixed_cookies: bool,
}

impl fmt::Debug for RefreshRequest<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RefreshRequest")
            .field("request_origin", &self.request_origin)
            .field("suffixed_cookies", &self.suffixed_cookies)
            .finish_non_exhaustive()
    }
}

/// The Backend API as the request flow needs it. Futures need not be `Send` (Actix's client is
/// per thread).
pub trait SessionBackend {
    /// Whether there is a Backend API at all (Clerk's `apiClient` option).
    fn is_available(&self) -> bool {
        true
    }

    /// Whether the request flow's calls are running short (e.g. most of their rate budget is
    /// spent): clients whose recent calls failed then wait for their window. Defaults to `false`
    /// (a backend without a budget has none to protect; in-flight calls are still bounded per
    /// client).
    fn is_under_pressure(&self) -> bool {
        false
    }

    /// `GET /v1/clients/handshake_payload?nonce=`: the cookie directives a handshake left.
    fn handshake_payload(&self, nonce: &str) -> impl Future<Output = Result<Vec<String>, BackendError>>;

    /// `POST /v1/sessions/{session_id}/refresh`: the `Set-Cookie` directives of a refreshed session.
    fn refresh_session(
        &self,
        session_id: &str,
        request: &RefreshRequest<'_>,
    ) -> impl Future<Output = Result<Vec<String>, BackendError>>;
}

/// No Backend API: handshake nonces resolve to no cookies and refreshes report
/// `missing-api-client`, as in Clerk without an `apiClient`.
#[derive(Debug, Clone, Copy, Default)]
pub struct NoBackend;

impl SessionBackend for NoBackend {
    fn is_available(&self) -> bool {
        false
    }

    async fn handshake_payload(&self, _nonce: &str) -> Result<Vec<String>, BackendError> {
        Err(BackendError::Unexpected)
    }

    async fn refresh_session(
        &self,
        _session_id: &str,
        _request: &RefreshRequest<'_>,
    ) -> Result<Vec<String>, BackendError> {
        Err(BackendError::Unexpected)
    }
}
