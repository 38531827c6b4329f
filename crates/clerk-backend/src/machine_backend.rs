//! [`ClerkClient`] as clerk-core's [`MachineBackend`]: the three machine-token verify calls, with
//! the client's errors told apart as clerk-core's verifier needs them.
//!
//! The calls go through the [`Share::MachineTokens`] slice of the rate budget and never wait for
//! a slot: a flood of tokens must not hold requests open (the share spent, or Clerk's 429, is
//! [`MachineBackendError::RateLimited`], a 503 with `Retry-After`).

use std::time::Duration;

use clerk_core::api::{ApiKey, M2mToken, OAuthVerifyResponse};
use clerk_core::request::{MachineBackend, MachineBackendError};

use super::budget::Share;
use super::clerk_client::ClerkClient;
use super::error::ApiError;

impl MachineBackend for ClerkClient {
    async fn verify_api_key(&self, secret: &str) -> Result<ApiKey, MachineBackendError> {
        machine_tokens(self)
            .api_keys()
            .verify(secret)
            .await
            .map_err(backend_error)
    }

    async fn verify_m2m_token(&self, token: &str) -> Result<M2mToken, MachineBackendError> {
        machine_tokens(self)
            .m2m()
            .verify_token(token)
            .await
            .map_err(backend_error)
    }

    async fn verify_oauth_token(&self, token: &str) -> Result<OAuthVerifyResponse, MachineBackendError> {
        machine_tokens(self)
            .oauth_access_tokens()
            .verify(token)
            .await
            .map_err(backend_error)
    }
}

/// The client on the machine-token share, failing at once when the share is spent.
fn machine_tokens(client: &ClerkClient) -> ClerkClient {
    client.share(Share::MachineTokens).max_wait(Some(Duration::ZERO))
}

/// The budget spent or Clerk's 429 → rate limited (with Clerk's `Retry-After`); another status →
/// that status and the first error's message; anything else (unreachable, timed out, not JSON)
/// → unexpected.
fn backend_error(err: ApiError) -> MachineBackendError {
    if matches!(err, ApiError::RateBudgetExhausted { .. }) || err.is_rate_limited() {
        return MachineBackendError::RateLimited {
            retry_after: err.retry_after(),
        };
    }
    match err {
        ApiError::Status { status, errors, .. } => MachineBackendError::Status {
            status,
            message: errors.into_iter().next().map(|error| error.message),
        },
        _ => MachineBackendError::Unexpected,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clerk_core::api::ClerkApiError;

    fn status(status: u16, retry_after: Option<Duration>) -> ApiError {
        ApiError::Status {
            endpoint: "POST /api_keys/verify",
            status,
            errors: vec![ClerkApiError {
                code: "resource_not_found".into(),
                message: "not found".into(),
                long_message: None,
                meta: None,
            }],
            clerk_trace_id: None,
            retry_after,
        }
    }

    #[test]
    fn the_rate_limit_statuses_and_faults_are_told_apart() {
        assert_eq!(
            backend_error(ApiError::RateBudgetExhausted {
                endpoint: "POST /api_keys/verify",
                share: Share::MachineTokens,
            }),
            MachineBackendError::RateLimited { retry_after: None }
        );
        assert_eq!(
            backend_error(status(429, Some(Duration::from_secs(7)))),
            MachineBackendError::RateLimited {
                retry_after: Some(Duration::from_secs(7))
            }
        );
        assert_eq!(
            backend_error(status(404, None)),
            MachineBackendError::Status {
                status: 404,
                message: Some("not found".into())
            }
        );
        let timeout = ApiError::Timeout {
            endpoint: "POST /api_keys/verify",
            timeout: Duration::from_secs(1),
        };
        assert_eq!(backend_error(timeout), MachineBackendError::Unexpected);
    }
}
