//! The Backend API client's error type.

use std::fmt;
use std::time::Duration;

use clerk_core::api::ClerkApiError;

use super::budget::Share;

/// `Result` of a Backend API call.
pub type ApiResult<T, E = ApiError> = std::result::Result<T, E>;

/// Why a Backend API call failed.
///
/// `Display` names the endpoint template (such as `GET /v1/users/{id}`), never the secret key,
/// a token or query values.
///
/// # Examples
///
/// ```no_run
/// # async fn demo(client: clerk_backend::ClerkClient) {
/// match client.users().get("user_123").await {
///     Ok(user) => println!("{}", user.id),
///     Err(err) if err.is_not_found() => println!("no such user"),
///     Err(err) => eprintln!("clerk: {err} (trace {:?})", err.clerk_trace_id()),
/// }
/// # }
/// ```
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ApiError {
    /// The Backend API answered with a non-success status.
    #[error("{endpoint} answered {status}{}", Summary(errors, clerk_trace_id.as_deref()))]
    Status {
        /// Endpoint template, e.g. `GET /v1/users/{id}`.
        endpoint: &'static str,
        /// HTTP status code.
        status: u16,
        /// Clerk's `errors[]`, empty when the body was not a Clerk error envelope.
        errors: Vec<ClerkApiError>,
        /// Body `clerk_trace_id`, else the `Clerk-Trace-Id` or `cf-ray` header.
        clerk_trace_id: Option<String>,
        /// The `Retry-After` header (integer seconds), when present.
        retry_after: Option<Duration>,
    },
    /// An attempt took longer than its timeout ([`ClientConfig::timeout`](super::ClientConfig::timeout)).
    #[error("{endpoint} timed out after {timeout:?}")]
    Timeout {
        /// Endpoint template.
        endpoint: &'static str,
        /// The per-attempt limit that was hit.
        timeout: Duration,
    },
    /// The request could not be sent or the response not read (connection refused, reset, TLS…).
    #[error("{endpoint} failed: {detail}")]
    Transport {
        /// Endpoint template.
        endpoint: &'static str,
        /// What went wrong, from the HTTP client (no secrets inside).
        detail: String,
    },
    /// A success response whose body is not the expected JSON.
    #[error("{endpoint} answered {status} with an unreadable body: {detail}")]
    Decode {
        /// Endpoint template.
        endpoint: &'static str,
        /// HTTP status code.
        status: u16,
        /// The parse failure's kind and position (never the body's content).
        detail: String,
    },
    /// The response body exceeded [`ClientConfig::max_response_bytes`](super::ClientConfig::max_response_bytes).
    #[error("{endpoint} answered a body larger than {limit} bytes")]
    ResponseTooLarge {
        /// Endpoint template.
        endpoint: &'static str,
        /// The limit in bytes.
        limit: usize,
    },
    /// The call was refused before any request: an empty or unsafe id, an empty token.
    #[error("{0}")]
    InvalidArgument(String),
    /// The call was not sent: its [`Share`] of the client's rate budget had no slot within the
    /// handle's wait ([`ClerkClient::max_wait`](super::ClerkClient::max_wait)), or a `429`
    /// paused the budget for longer.
    #[error("{endpoint} not sent: the {share} share of the Backend API rate budget is exhausted")]
    RateBudgetExhausted {
        /// Endpoint template.
        endpoint: &'static str,
        /// The share that had no slot.
        share: Share,
    },
}

impl ApiError {
    /// The HTTP status, for [`ApiError::Status`] and [`ApiError::Decode`].
    pub fn status(&self) -> Option<u16> {
        match self {
            ApiError::Status { status, .. } | ApiError::Decode { status, .. } => Some(*status),
            _ => None,
        }
    }

    /// The code of Clerk's first error, e.g. `resource_not_found`.
    pub fn code(&self) -> Option<&str> {
        self.errors().first().map(|err| err.code.as_str())
    }

    /// Clerk's `errors[]` (empty unless [`ApiError::Status`]).
    pub fn errors(&self) -> &[ClerkApiError] {
        match self {
            ApiError::Status { errors, .. } => errors,
            _ => &[],
        }
    }

    /// Clerk's trace id, to quote to Clerk support.
    pub fn clerk_trace_id(&self) -> Option<&str> {
        match self {
            ApiError::Status { clerk_trace_id, .. } => clerk_trace_id.as_deref(),
            _ => None,
        }
    }

    /// How long Clerk asked to wait (`Retry-After`).
    pub fn retry_after(&self) -> Option<Duration> {
        match self {
            ApiError::Status { retry_after, .. } => *retry_after,
            _ => None,
        }
    }

    /// Whether Clerk answered 404.
    pub fn is_not_found(&self) -> bool {
        self.status() == Some(404)
    }

    /// Whether Clerk answered 429.
    pub fn is_rate_limited(&self) -> bool {
        self.status() == Some(429)
    }

    /// Whether Clerk refused the secret key (401 `clerk_key_invalid`).
    pub fn is_invalid_secret_key(&self) -> bool {
        self.status() == Some(401) && self.errors().iter().any(|err| err.code == "clerk_key_invalid")
    }

    /// Whether the same request could succeed later: 429, 5xx other than 501/505, timeouts and
    /// transport failures. The client retries only idempotent calls (see
    /// [`ClerkClient`](super::ClerkClient)).
    pub fn is_retryable(&self) -> bool {
        match self {
            ApiError::Status { status, .. } => {
                !self.is_invalid_secret_key()
                    && (*status == 429 || ((500..600).contains(status) && *status != 501 && *status != 505))
            }
            ApiError::Timeout { .. } | ApiError::Transport { .. } => true,
            ApiError::Decode { .. }
            | ApiError::ResponseTooLarge { .. }
            | ApiError::InvalidArgument(_)
            | ApiError::RateBudgetExhausted { .. } => false,
        }
    }
}

/// `: code: message; … (clerk_trace_id=…)` after the status, or nothing.
struct Summary<'a>(&'a [ClerkApiError], Option<&'a str>);

impl fmt::Display for Summary<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (index, err) in self.0.iter().enumerate() {
            f.write_str(if index == 0 { ": " } else { "; " })?;
            write!(f, "{err}")?;
        }
        if let Some(trace) = self.1 {
            write!(f, " (clerk_trace_id={trace})")?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn status(status: u16, code: &str) -> ApiError {
        ApiError::Status {
            endpoint: "GET /v1/users/{id}",
            status,
            errors: vec![ClerkApiError {
                code: code.to_owned(),
                message: "m".to_owned(),
                long_message: Some("long".to_owned()),
                meta: None,
            }],
            clerk_trace_id: Some("trace".to_owned()),
            retry_after: None,
        }
    }

    #[test]
    fn classification() {
        assert!(status(404, "resource_not_found").is_not_found());
        assert!(status(429, "too_many_requests").is_retryable());
        assert!(status(503, "x").is_retryable());
        assert!(!status(501, "x").is_retryable());
        assert!(!status(401, "clerk_key_invalid").is_retryable());
        assert!(status(401, "clerk_key_invalid").is_invalid_secret_key());
        assert!(!status(422, "form_param_unknown").is_retryable());
        assert_eq!(
            status(404, "resource_not_found").code(),
            Some("resource_not_found")
        );
    }

    #[test]
    fn an_exhausted_rate_budget_is_typed_and_not_retried() {
        let err = ApiError::RateBudgetExhausted {
            endpoint: "GET /v1/users/{id}",
            share: Share::ReadThrough,
        };
        assert!(!err.is_retryable());
        assert_eq!(
            err.to_string(),
            "GET /v1/users/{id} not sent: the read_through share of the Backend API rate budget is exhausted"
        );
    }

    #[test]
    fn display_is_compact() {
        let text = status(404, "resource_not_found").to_string();
        assert_eq!(
            text,
            "GET /v1/users/{id} answered 404: resource_not_found: long (clerk_trace_id=trace)"
        );
    }
}
