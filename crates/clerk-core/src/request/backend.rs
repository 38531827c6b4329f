//! The Backend API calls Clerk's request flow makes: resolving a handshake nonce and refreshing
//! an expired session ([`SessionBackend`]), and verifying opaque machine tokens
//! ([`MachineBackend`]). clerk-core defines them; the framework adapter's Backend API client
//! implements them.

use std::fmt;
use std::future::Future;
use std::time::Duration;

use crate::api::{ApiKey, M2mToken, OAuthVerifyResponse};

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
/// `missing-api-client`, as in Clerk without an `apiClient`; opaque machine tokens are refused
/// without a call.
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

/// An optional Backend API: `None` is [`NoBackend`] (a handle built without a secret key holds
/// `Option<Client>` and passes it as it is).
impl<B: SessionBackend> SessionBackend for Option<B> {
    fn is_available(&self) -> bool {
        self.as_ref().is_some_and(B::is_available)
    }

    fn is_under_pressure(&self) -> bool {
        self.as_ref().is_some_and(B::is_under_pressure)
    }

    async fn handshake_payload(&self, nonce: &str) -> Result<Vec<String>, BackendError> {
        match self {
            Some(backend) => backend.handshake_payload(nonce).await,
            None => NoBackend.handshake_payload(nonce).await,
        }
    }

    async fn refresh_session(
        &self,
        session_id: &str,
        request: &RefreshRequest<'_>,
    ) -> Result<Vec<String>, BackendError> {
        match self {
            Some(backend) => backend.refresh_session(session_id, request).await,
            None => NoBackend.refresh_session(session_id, request).await,
        }
    }
}

/// Why a machine-token verification call of the Backend API gave no token, as Clerk's SDK tells
/// failures apart (plus the rate limit, which Clerk's SDK reports as any other failure).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum MachineBackendError {
    /// No answer now: the rate budget for machine tokens is spent, or Clerk answered 429. The
    /// request is answered 503 and nothing is cached.
    RateLimited {
        /// When to try again (Clerk's `Retry-After`), if known; 1 s otherwise.
        retry_after: Option<Duration>,
    },
    /// The Backend API answered with this HTTP status (a 4xx is about the token and is cached
    /// for a while; a 5xx is not).
    Status {
        /// The HTTP status.
        status: u16,
        /// The first Clerk error's `message`, if the body had one.
        message: Option<String>,
    },
    /// No answer from Clerk: unreachable, timed out, or not Clerk's JSON.
    Unexpected,
}

/// The Backend API as machine-token verification needs it: the three verify endpoints, at the
/// API root. Futures need not be `Send` (Actix's client is per thread).
///
/// Called only for opaque tokens (`ak_…`, `mt_…`, `oat_…`); JWT-format machine tokens are
/// verified with the instance's keys, without a call. An implementation should not wait for a
/// rate-budget slot: a flood of tokens must not hold requests open
/// ([`MachineBackendError::RateLimited`] instead).
pub trait MachineBackend {
    /// Whether there is a Backend API at all (a secret key): without one, opaque machine tokens
    /// are refused as Clerk refuses them (`unexpected-error`, "requires either a Machine secret
    /// key or a Clerk secret key").
    fn is_available(&self) -> bool {
        true
    }

    /// `POST /api_keys/verify` with `{"secret": secret}`.
    fn verify_api_key(&self, secret: &str) -> impl Future<Output = Result<ApiKey, MachineBackendError>>;

    /// `POST /m2m_tokens/verify` with `{"token": token}`.
    fn verify_m2m_token(&self, token: &str) -> impl Future<Output = Result<M2mToken, MachineBackendError>>;

    /// `POST /oauth_applications/access_tokens/verify` with `{"access_token": token}`.
    fn verify_oauth_token(
        &self,
        token: &str,
    ) -> impl Future<Output = Result<OAuthVerifyResponse, MachineBackendError>>;
}

impl MachineBackend for NoBackend {
    fn is_available(&self) -> bool {
        false
    }

    async fn verify_api_key(&self, _secret: &str) -> Result<ApiKey, MachineBackendError> {
        Err(MachineBackendError::Unexpected)
    }

    async fn verify_m2m_token(&self, _token: &str) -> Result<M2mToken, MachineBackendError> {
        Err(MachineBackendError::Unexpected)
    }

    async fn verify_oauth_token(&self, _token: &str) -> Result<OAuthVerifyResponse, MachineBackendError> {
        Err(MachineBackendError::Unexpected)
    }
}

/// An optional Backend API: `None` is [`NoBackend`].
impl<B: MachineBackend> MachineBackend for Option<B> {
    fn is_available(&self) -> bool {
        self.as_ref().is_some_and(B::is_available)
    }

    async fn verify_api_key(&self, secret: &str) -> Result<ApiKey, MachineBackendError> {
        match self {
            Some(backend) => backend.verify_api_key(secret).await,
            None => NoBackend.verify_api_key(secret).await,
        }
    }

    async fn verify_m2m_token(&self, token: &str) -> Result<M2mToken, MachineBackendError> {
        match self {
            Some(backend) => backend.verify_m2m_token(token).await,
            None => NoBackend.verify_m2m_token(token).await,
        }
    }

    async fn verify_oauth_token(&self, token: &str) -> Result<OAuthVerifyResponse, MachineBackendError> {
        match self {
            Some(backend) => backend.verify_oauth_token(token).await,
            None => NoBackend.verify_oauth_token(token).await,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Issue 25, item 4: a handle without a secret key passes its `Option<Client>` as it is.
    #[tokio::test]
    async fn an_absent_backend_is_no_backend() {
        let none: Option<NoBackend> = None;
        assert!(!SessionBackend::is_available(&none));
        assert!(!MachineBackend::is_available(&none));
        assert!(!none.is_under_pressure());
        assert!(matches!(
            none.handshake_payload("n").await,
            Err(BackendError::Unexpected)
        ));
        assert_eq!(
            none.verify_api_key("ak_1").await.err(),
            Some(MachineBackendError::Unexpected)
        );
    }

    struct Up;

    impl SessionBackend for Up {
        async fn handshake_payload(&self, nonce: &str) -> Result<Vec<String>, BackendError> {
            Ok(vec![nonce.to_owned()])
        }

        async fn refresh_session(
            &self,
            _: &str,
            _: &RefreshRequest<'_>,
        ) -> Result<Vec<String>, BackendError> {
            Err(BackendError::Unexpected)
        }
    }

    #[tokio::test]
    async fn a_present_backend_is_called() {
        let some = Some(Up);
        assert!(some.is_available());
        assert_eq!(some.handshake_payload("n").await.ok(), Some(vec!["n".to_owned()]));
    }
}
