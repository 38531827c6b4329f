//! [`ClerkClient`] as clerk-core's [`SessionBackend`]: the handshake payload and session refresh
//! calls of Clerk's request flow, with the client's errors told apart as Clerk tells them.
//!
//! Both calls go through the [`Share::Sessions`] slice of the rate budget and never wait for a
//! slot: a request is not held while the share is spent (the flow then carries on as Clerk's
//! does when the Backend API fails).

use std::time::Duration;

use clerk_core::request::{BackendError, RefreshRequest, SessionBackend};

use super::budget::Share;
use super::clerk_client::ClerkClient;
use super::error::ApiError;

impl SessionBackend for ClerkClient {
    fn is_under_pressure(&self) -> bool {
        sessions(self).share_is_pressed()
    }

    async fn handshake_payload(&self, nonce: &str) -> Result<Vec<String>, BackendError> {
        sessions(self)
            .clients()
            .handshake_payload(nonce)
            .await
            .map_err(backend_error)
    }

    async fn refresh_session(
        &self,
        session_id: &str,
        request: &RefreshRequest<'_>,
    ) -> Result<Vec<String>, BackendError> {
        sessions(self)
            .sessions()
            .refresh(session_id, request)
            .await
            .map_err(backend_error)
    }
}

/// The client on the sessions share, failing at once when the share is spent.
fn sessions(client: &ClerkClient) -> ClerkClient {
    client.share(Share::Sessions).max_wait(Some(Duration::ZERO))
}

/// Clerk's SDK keeps the first error's code of a Clerk error answer; anything else (unreachable,
/// timed out, not JSON, refused by the rate budget) has no code.
fn backend_error(err: ApiError) -> BackendError {
    match err {
        ApiError::Status { errors, .. } if !errors.is_empty() => {
            BackendError::Code(errors.into_iter().next().map(|e| e.code).unwrap_or_default())
        }
        _ => BackendError::Unexpected,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clerk_core::api::ClerkApiError;

    #[test]
    fn codes_are_kept_and_the_rest_is_unexpected() {
        let status = |errors: Vec<ClerkApiError>| ApiError::Status {
            endpoint: "POST /v1/sessions/{id}/refresh",
            status: 401,
            errors,
            clerk_trace_id: None,
            retry_after: None,
        };
        let error = ClerkApiError {
            code: "authentication_invalid".into(),
            message: "x".into(),
            long_message: None,
            meta: None,
        };
        assert_eq!(
            backend_error(status(vec![error])),
            BackendError::Code("authentication_invalid".into())
        );
        assert_eq!(backend_error(status(Vec::new())), BackendError::Unexpected);
        let timeout = ApiError::Timeout {
            endpoint: "GET /v1/clients/handshake_payload",
            timeout: std::time::Duration::from_secs(1),
        };
        assert_eq!(backend_error(timeout), BackendError::Unexpected);
    }
}
