//! The one error type of `clerk-actix`, mapped to HTTP answers that leak no internals.

use std::time::Duration;

use actix_web::http::header::{self, HeaderValue};
use actix_web::http::StatusCode;
use actix_web::{HttpResponse, ResponseError};
use clerk_core::machine::MachineRefusal;
use clerk_core::request::{RequestOutcome, RequestReason};
use clerk_core::Reverification;
use serde_json::json;

use crate::user_source::UserSourceError;
use clerk_core::request::names::query_without_credentials;

/// The `Cache-Control` of every answer the library builds (unless Clerk's protocol sets its own):
/// it concerns one user, so no shared cache may keep it.
pub const PRIVATE_NO_STORE: &str = "private, no-store";

/// Why a request was refused.
#[derive(thiserror::Error)]
#[non_exhaustive]
pub enum AuthError {
    /// No valid session: 401 with `WWW-Authenticate: Bearer` and Clerk's debug headers.
    #[error("unauthenticated: {}", .0.reason().map_or("signed-out", RequestReason::as_str))]
    Unauthenticated(Box<RequestOutcome>),
    /// A route accepting machine tokens refused the request (Clerk's machine reason, or
    /// `token-type-mismatch`): 401 with `WWW-Authenticate: Bearer` and Clerk's debug headers.
    #[error("unauthenticated machine: {}", .0.reason())]
    MachineUnauthenticated(Box<MachineRefusal>),
    /// A machine token could not be verified now: the machine-token share of the Backend API
    /// rate budget is spent (or Clerk answered 429). 503 with `Retry-After`; nothing is cached.
    #[error("machine token verification unavailable")]
    MachineUnavailable {
        /// How long the caller should wait (`Retry-After`, whole seconds, at least 1).
        retry_after: Duration,
    },
    /// Signed in but not allowed: 403 (`insufficient_scope`).
    #[error("forbidden")]
    Forbidden,
    /// Signed in but a fresher verification is needed: 403 with Clerk's `reverification-error` body.
    #[error("reverification required")]
    ReverificationRequired(Reverification),
    /// A 307 to this URL, with `x-clerk-redirect-to: true` as Clerk's middleware marks its
    /// redirects: Clerk's sign-in page (a signed-out page request, `redirect_to_sign_in`), its
    /// sign-up page, or a [`Protect`](crate::Protect)'s `unauthenticated_url` /
    /// `unauthorized_url`.
    #[error("redirect")]
    Redirect(String),
    /// Clerk's handshake (or another redirect of its flow): a `307` with the outcome's headers
    /// (`Location`, `Cache-Control: no-store`, cookies, debug headers).
    #[error("handshake: {}", .0.reason().map_or("redirect", RequestReason::as_str))]
    Handshake(Box<RequestOutcome>),
    /// The protected resource is hidden: 404 (Next.js `auth.protect()` parity).
    #[error("not found")]
    NotFound,
    /// The signed-in user does not exist (any more): 404.
    #[error("user not found")]
    UserNotFound,
    /// A dependency (Backend API, database) is down: 503. The cause is the error's
    /// [`source`](std::error::Error::source), for logs; the response body never shows it.
    #[error("service unavailable")]
    Unavailable(#[source] Box<dyn std::error::Error + Send + Sync>),
    /// `clerk-actix` is not configured in this app: 500 (the log says how to fix it).
    #[error("clerk-actix is not configured: register a Clerk with .app_data(web::Data::new(clerk)) or wrap the app with ClerkMiddleware")]
    NotConfigured,
}

/// Like the derived form, except that a sign-in URL's credential parameters (the development
/// `__clerk_db_jwt` Clerk appends to a cross-origin sign-in redirect) are left out: error
/// `Debug` output reaches logs.
impl std::fmt::Debug for AuthError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            AuthError::Unauthenticated(outcome) => f.debug_tuple("Unauthenticated").field(outcome).finish(),
            AuthError::MachineUnauthenticated(refusal) => {
                f.debug_tuple("MachineUnauthenticated").field(refusal).finish()
            }
            AuthError::MachineUnavailable { retry_after } => f
                .debug_struct("MachineUnavailable")
                .field("retry_after", retry_after)
                .finish(),
            AuthError::Forbidden => f.write_str("Forbidden"),
            AuthError::ReverificationRequired(level) => {
                f.debug_tuple("ReverificationRequired").field(level).finish()
            }
            AuthError::Redirect(location) => f
                .debug_tuple("Redirect")
                .field(&without_credentials(location))
                .finish(),
            AuthError::Handshake(outcome) => f.debug_tuple("Handshake").field(outcome).finish(),
            AuthError::NotFound => f.write_str("NotFound"),
            AuthError::UserNotFound => f.write_str("UserNotFound"),
            AuthError::Unavailable(err) => f.debug_tuple("Unavailable").field(err).finish(),
            AuthError::NotConfigured => f.write_str("NotConfigured"),
        }
    }
}

/// `location` without Clerk's credential query parameters, for logs.
fn without_credentials(location: &str) -> String {
    match location.split_once('?') {
        Some((base, query)) => format!("{base}?{}", query_without_credentials(query)),
        None => location.to_owned(),
    }
}

impl AuthError {
    fn code(&self) -> &'static str {
        match self {
            AuthError::Unauthenticated(_) | AuthError::MachineUnauthenticated(_) => "unauthenticated",
            AuthError::MachineUnavailable { .. } => "service_unavailable",
            AuthError::Forbidden => "forbidden",
            AuthError::ReverificationRequired(_) => "reverification_required",
            AuthError::Redirect(_) | AuthError::Handshake(_) => "redirect",
            AuthError::NotFound => "not_found",
            AuthError::UserNotFound => "user_not_found",
            AuthError::Unavailable(_) => "service_unavailable",
            AuthError::NotConfigured => "internal_error",
        }
    }

    fn public_message(&self) -> &'static str {
        match self {
            AuthError::Unauthenticated(_) => "You must be signed in.",
            AuthError::MachineUnauthenticated(_) => "A valid token is required.",
            AuthError::MachineUnavailable { .. } => {
                "The token cannot be checked right now; try again shortly."
            }
            AuthError::Forbidden => "You are not allowed to do this.",
            AuthError::ReverificationRequired(_) => "Please verify your identity again.",
            AuthError::Redirect(_) => "Redirecting.",
            AuthError::Handshake(_) => "Refreshing the session.",
            AuthError::NotFound | AuthError::UserNotFound => "Not found.",
            AuthError::Unavailable(_) => "A dependency is unavailable; try again shortly.",
            AuthError::NotConfigured => "Internal server error.",
        }
    }
}

/// The answer [`crate::CurrentUser`] gives when its [`crate::user_source::UserSource`] fails: 404 for a
/// missing user, else 503 with the source's error (and its cause) kept as the
/// [`source`](std::error::Error::source).
impl From<UserSourceError> for AuthError {
    fn from(err: UserSourceError) -> Self {
        match err {
            UserSourceError::NotFound => AuthError::UserNotFound,
            UserSourceError::Unavailable(_) => AuthError::Unavailable(Box::new(err)),
        }
    }
}

impl ResponseError for AuthError {
    fn status_code(&self) -> StatusCode {
        match self {
            AuthError::Unauthenticated(_) | AuthError::MachineUnauthenticated(_) => StatusCode::UNAUTHORIZED,
            AuthError::MachineUnavailable { .. } => StatusCode::SERVICE_UNAVAILABLE,
            AuthError::Forbidden | AuthError::ReverificationRequired(_) => StatusCode::FORBIDDEN,
            AuthError::Redirect(_) | AuthError::Handshake(_) => StatusCode::TEMPORARY_REDIRECT,
            AuthError::NotFound | AuthError::UserNotFound => StatusCode::NOT_FOUND,
            AuthError::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
            AuthError::NotConfigured => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn error_response(&self) -> HttpResponse {
        let mut response = match self {
            AuthError::Handshake(outcome) => {
                let mut response = HttpResponse::TemporaryRedirect().finish();
                crate::authenticate::apply_outcome_headers(outcome, response.headers_mut());
                response
            }
            // Clerk marks its own redirects (not the handshake's) as `@clerk/nextjs`'s
            // `redirectAdapter` does.
            AuthError::Redirect(location) => HttpResponse::TemporaryRedirect()
                .insert_header((header::LOCATION, location.as_str()))
                .insert_header((clerk_core::request::HEADER_REDIRECT_TO, "true"))
                .finish(),
            AuthError::ReverificationRequired(level) => HttpResponse::Forbidden().json(json!({
                "clerk_error": {
                    "type": "forbidden",
                    "reason": "reverification-error",
                    "metadata": {"reverification": level.to_json()}
                }
            })),
            _ => HttpResponse::build(self.status_code()).json(json!({
                "errors": [{"code": self.code(), "message": self.public_message()}]
            })),
        };
        let headers = response.headers_mut();
        match self {
            AuthError::Unauthenticated(state) => {
                if let Ok(value) = HeaderValue::from_str(&state.bearer_challenge()) {
                    headers.insert(header::WWW_AUTHENTICATE, value);
                }
                crate::authenticate::apply_outcome_headers(state, headers);
            }
            AuthError::MachineUnauthenticated(refusal) => {
                headers.insert(
                    header::WWW_AUTHENTICATE,
                    HeaderValue::from_static(refusal.bearer_challenge()),
                );
                apply_refusal_headers(refusal, headers);
            }
            AuthError::MachineUnavailable { retry_after } => {
                let seconds = retry_after.as_secs_f64().ceil().max(1.0);
                if let Ok(value) = HeaderValue::from_str(&format!("{seconds:.0}")) {
                    headers.insert(header::RETRY_AFTER, value);
                }
            }
            AuthError::Forbidden => {
                headers.insert(
                    header::WWW_AUTHENTICATE,
                    HeaderValue::from_static("Bearer error=\"insufficient_scope\""),
                );
            }
            AuthError::NotFound => {
                headers.insert(
                    header::HeaderName::from_static(clerk_core::request::HEADER_AUTH_REASON),
                    HeaderValue::from_static("protect-rewrite"),
                );
            }
            AuthError::NotConfigured => {
                tracing::error!(
                    "clerk-actix: no Clerk configuration found for this request; build one with \
                     ClerkConfig::from_env()?.build()? and register it with \
                     App::new().app_data(web::Data::new(clerk.clone())).wrap(ClerkMiddleware::new(clerk))"
                );
            }
            AuthError::Unavailable(_) => {
                tracing::warn!(
                    error.message = %self,
                    error.cause_chain = ?self,
                    "clerk-actix: dependency unavailable"
                );
            }
            _ => {}
        }
        // A refusal is about one user's request: no shared cache may keep it. A handshake keeps
        // Clerk's own `no-store`.
        if !headers.contains_key(header::CACHE_CONTROL) {
            headers.insert(header::CACHE_CONTROL, HeaderValue::from_static(PRIVATE_NO_STORE));
        }
        response
    }
}

/// Clerk's debug headers for a refusal: `x-clerk-auth-status: signed-out`, the reason and, when
/// there is one a header can carry, the message. A header already set is left alone.
pub(crate) fn apply_refusal_headers(refusal: &MachineRefusal, headers: &mut header::HeaderMap) {
    for (name, value) in refusal.response_headers() {
        let name = header::HeaderName::from_static(name);
        let Ok(value) = HeaderValue::from_str(&value) else {
            continue;
        };
        if !headers.contains_key(&name) {
            headers.insert(name, value);
        }
    }
}

#[cfg(test)]
mod tests {
    use std::error::Error as _;

    use actix_web::body::MessageBody as _;

    use super::*;

    const SECRET_CAUSE: &str = "connect to postgres://app:hunter2@10.0.0.5/users refused";

    /// Issue 11 item 10: a 503 keeps its cause for logs (`source()`), and its body stays the
    /// same opaque JSON, byte for byte, with nothing of the cause in it.
    #[test]
    fn unavailable_keeps_its_cause_out_of_the_response() {
        let cause = std::io::Error::other(SECRET_CAUSE);
        let err = AuthError::from(UserSourceError::unavailable(cause));

        let response = err.error_response();
        let status = response.status();
        let headers = format!("{:?}", response.headers());
        let body = response.into_body().try_into_bytes().expect("a complete body");

        assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
        assert_eq!(
            body.as_ref(),
            br#"{"errors":[{"code":"service_unavailable","message":"A dependency is unavailable; try again shortly."}]}"#
        );
        assert!(!headers.contains("hunter2"), "{headers}");
        assert!(
            !err.to_string().contains("hunter2"),
            "Display shows no cause: {err}"
        );
        let source = err.source().expect("the user source's error");
        assert!(source.is::<UserSourceError>(), "{source:?}");
        let cause = source.source().expect("the cause itself");
        assert!(
            cause.is::<std::io::Error>(),
            "the cause keeps its type: {cause:?}"
        );
        assert_eq!(cause.to_string(), SECRET_CAUSE);
        assert!(matches!(
            AuthError::from(UserSourceError::NotFound),
            AuthError::UserNotFound
        ));
    }

    /// Issue 22, item 4: every answer the library builds (extractor and `Protect` refusals, the
    /// sign-in redirect) is `private, no-store`, so no shared cache keeps one user's answer for
    /// another; a handshake keeps the `no-store` Clerk's outcome sets.
    #[test]
    fn every_refusal_is_private_and_never_stored() {
        use clerk_core::machine::{MachineRefusal, TokenType};
        use clerk_core::request::RequestOutcome;
        use clerk_core::Reverification;

        let signed_out = || {
            Box::new(RequestOutcome::signed_out(
                RequestReason::SessionTokenAndUatMissing,
                None,
                None,
                false,
            ))
        };
        let refusals = [
            AuthError::Unauthenticated(signed_out()),
            AuthError::MachineUnauthenticated(Box::new(MachineRefusal::NoTokenInHeader {
                token_type: TokenType::ApiKey,
            })),
            AuthError::MachineUnavailable {
                retry_after: Duration::from_secs(1),
            },
            AuthError::Forbidden,
            AuthError::ReverificationRequired(Reverification::Strict),
            AuthError::Redirect("https://accounts.example.com/sign-in".to_owned()),
            AuthError::Handshake(signed_out()),
            AuthError::NotFound,
            AuthError::UserNotFound,
            AuthError::Unavailable(Box::new(std::io::Error::other("down"))),
            AuthError::NotConfigured,
        ];
        let cached: Vec<_> = refusals
            .iter()
            .map(|err| (err, err.error_response()))
            .filter(|(_, response)| {
                response.headers().get(header::CACHE_CONTROL)
                    != Some(&HeaderValue::from_static("private, no-store"))
            })
            .map(|(err, response)| {
                (
                    err.to_string(),
                    response.headers().get(header::CACHE_CONTROL).cloned(),
                )
            })
            .collect();
        assert!(cached.is_empty(), "{cached:?}");
    }
}
