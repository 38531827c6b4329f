//! Clerk's `auth().getToken({ template })` on the server: [`ClerkAuth::get_token`], its
//! [`TemplateToken`] and its [`GetTokenError`] (each mapped to an HTTP answer).

use std::fmt;

use actix_web::http::header::{self, HeaderValue};
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, ResponseError};
use clerk_core::request::RequestOutcome;
use serde_json::json;

use crate::client::{ApiError, SessionTokenOptions};
use crate::error::{AuthError, PRIVATE_NO_STORE};
use crate::extractors::ClerkAuth;
use crate::state::clerk_of;

/// A JWT minted by the Backend API for the request's session (from a JWT template, or with a
/// lifetime). A bearer credential: its `Debug` shows its length only.
#[derive(Clone, PartialEq, Eq)]
pub struct TemplateToken(String);

impl TemplateToken {
    /// The JWT. Keep it out of logs.
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// The JWT, owned.
    pub fn into_string(self) -> String {
        self.0
    }
}

impl fmt::Debug for TemplateToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "TemplateToken(…len {})", self.0.len())
    }
}

/// Why [`ClerkAuth::get_token`] has no token. As a handler's error it answers:
///
/// | variant | answer |
/// |---|---|
/// | [`SignedOut`](Self::SignedOut) | 401, as [`AuthError::Unauthenticated`] |
/// | [`NoSession`](Self::NoSession) | 401 |
/// | [`Forbidden`](Self::Forbidden) | 403 (Clerk refused this session's user, e.g. `user_banned`) |
/// | [`UnknownTemplate`](Self::UnknownTemplate) | 500: the application names a template Clerk does not have |
/// | [`NotConfigured`](Self::NotConfigured), [`Rejected`](Self::Rejected) | 500 |
/// | [`Unavailable`](Self::Unavailable) | 503, with `Retry-After` when Clerk gave one |
///
/// The Backend API's error is kept (for logs: [`source`](std::error::Error::source)); no
/// answer shows it. A handler that takes the template's name from its caller answers
/// `UnknownTemplate` itself (a 404 then fits).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum GetTokenError {
    /// The request is signed out (a pending session seen as signed out included): Clerk's
    /// `getToken()` gives `null`.
    #[error("signed out")]
    SignedOut(Box<RequestOutcome>),
    /// Signed in with a token that names no session (`sid`).
    #[error("the session token names no session")]
    NoSession,
    /// No secret key is configured: there is no Backend API client.
    #[error("no CLERK_SECRET_KEY: getToken with a template needs the Backend API")]
    NotConfigured,
    /// The Backend API answered 404 (no JWT template of this name; or no such session), or the
    /// name cannot be a template's.
    #[error("no JWT template {template:?}")]
    UnknownTemplate {
        /// The template asked for.
        template: String,
        /// The Backend API's answer.
        #[source]
        cause: ApiError,
    },
    /// The Backend API refused the session's user (403, e.g. `user_banned`).
    #[error("the Backend API refused the session's user")]
    Forbidden(#[source] ApiError),
    /// Any other refusal of the Backend API (a rejected secret key, a lifetime out of range).
    #[error("the Backend API refused the call")]
    Rejected(#[source] ApiError),
    /// The Backend API is down, slow or rate limited (or the client's rate budget is spent).
    #[error("the Backend API is unavailable")]
    Unavailable(#[source] ApiError),
}

impl GetTokenError {
    fn from_api(template: Option<&str>, err: ApiError) -> Self {
        let unavailable = err.is_retryable() || matches!(err, ApiError::RateBudgetExhausted { .. });
        match err.status() {
            _ if unavailable => Self::Unavailable(err),
            Some(404) => Self::UnknownTemplate {
                template: template.unwrap_or_default().to_owned(),
                cause: err,
            },
            Some(403) => Self::Forbidden(err),
            _ if matches!(err, ApiError::InvalidArgument(_)) && template.is_some() => Self::UnknownTemplate {
                template: template.unwrap_or_default().to_owned(),
                cause: err,
            },
            _ => Self::Rejected(err),
        }
    }

    fn code(&self) -> &'static str {
        match self {
            Self::SignedOut(_) | Self::NoSession => "unauthenticated",
            Self::Forbidden(_) => "forbidden",
            Self::UnknownTemplate { .. } | Self::NotConfigured | Self::Rejected(_) => "internal_error",
            Self::Unavailable(_) => "service_unavailable",
        }
    }

    fn public_message(&self) -> &'static str {
        match self {
            Self::SignedOut(_) | Self::NoSession => "You must be signed in.",
            Self::Forbidden(_) => "You are not allowed to do this.",
            Self::UnknownTemplate { .. } | Self::NotConfigured | Self::Rejected(_) => {
                "Internal server error."
            }
            Self::Unavailable(_) => "A dependency is unavailable; try again shortly.",
        }
    }
}

impl ResponseError for GetTokenError {
    fn status_code(&self) -> StatusCode {
        match self {
            Self::SignedOut(_) | Self::NoSession => StatusCode::UNAUTHORIZED,
            Self::Forbidden(_) => StatusCode::FORBIDDEN,
            Self::UnknownTemplate { .. } | Self::NotConfigured | Self::Rejected(_) => {
                StatusCode::INTERNAL_SERVER_ERROR
            }
            Self::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
        }
    }

    fn error_response(&self) -> HttpResponse {
        if let Self::SignedOut(outcome) = self {
            return AuthError::Unauthenticated(outcome.clone()).error_response();
        }
        match self.status_code() {
            StatusCode::INTERNAL_SERVER_ERROR => {
                tracing::error!(error.message = %self, error.cause_chain = ?self, "clerk-actix: getToken failed");
            }
            StatusCode::SERVICE_UNAVAILABLE => {
                tracing::warn!(error.message = %self, error.cause_chain = ?self, "clerk-actix: getToken unavailable");
            }
            _ => {}
        }
        let mut response = HttpResponse::build(self.status_code()).json(json!({
            "errors": [{"code": self.code(), "message": self.public_message()}]
        }));
        let headers = response.headers_mut();
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static(PRIVATE_NO_STORE));
        if let Self::NoSession = self {
            headers.insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
        }
        let retry_after = match self {
            Self::Unavailable(err) => err.retry_after(),
            _ => None,
        };
        if let Some(value) = retry_after.and_then(|wait| {
            let seconds = wait.as_secs_f64().ceil().max(1.0);
            HeaderValue::from_str(&format!("{seconds:.0}")).ok()
        }) {
            headers.insert(header::RETRY_AFTER, value);
        }
        response
    }
}

impl ClerkAuth {
    /// Clerk's `auth().getToken({ template })`: a JWT from the JWT template `template` for
    /// this request's session (the verified token's `sid`), minted by the Backend API
    /// (`POST /v1/sessions/{id}/tokens/{template}`); one call each time (Clerk's server SDK
    /// keeps no cache either). `req` is this request (for the [`Clerk`](crate::Clerk) handle).
    ///
    /// # Errors
    ///
    /// [`GetTokenError`], which answers 401, 403, 500 or 503 when returned from a handler.
    ///
    /// # Examples
    ///
    /// ```
    /// use actix_web::{HttpRequest, HttpResponse};
    /// use clerk_actix::{ClerkAuth, GetTokenError};
    ///
    /// async fn hasura(auth: ClerkAuth, req: HttpRequest) -> Result<HttpResponse, GetTokenError> {
    ///     let token = auth.get_token(&req, "hasura").await?;
    ///     // … call Hasura with `Authorization: Bearer {token.expose()}` …
    ///     Ok(HttpResponse::NoContent().finish())
    /// }
    /// ```
    pub async fn get_token(&self, req: &HttpRequest, template: &str) -> Result<TemplateToken, GetTokenError> {
        self.get_token_with(req, &SessionTokenOptions::template(template))
            .await
    }

    /// [`get_token`](Self::get_token) with Clerk's other option, `expiresInSeconds`. Without a
    /// template and a lifetime it is Clerk's `getToken()`: the request's own session token,
    /// with no call.
    ///
    /// # Errors
    ///
    /// As [`get_token`](Self::get_token).
    pub async fn get_token_with(
        &self,
        req: &HttpRequest,
        options: &SessionTokenOptions,
    ) -> Result<TemplateToken, GetTokenError> {
        let auth = self.auth();
        if !auth.is_authenticated() {
            return Err(GetTokenError::SignedOut(Box::new(self.outcome().clone())));
        }
        let Some(session_id) = auth.session_id() else {
            return Err(GetTokenError::NoSession);
        };
        if options.template.is_none() && options.expires_in_seconds.is_none() {
            return match self.token() {
                Some(token) => Ok(TemplateToken(token.to_owned())),
                None => Err(GetTokenError::NoSession),
            };
        }
        let clerk = clerk_of(req).ok_or(GetTokenError::NotConfigured)?;
        let client = clerk.client().ok_or(GetTokenError::NotConfigured)?;
        let sessions = client.sessions();
        let minted = match options.template.as_deref() {
            Some(template) => {
                sessions
                    .create_token_from_template(session_id, template, options.expires_in_seconds)
                    .await
            }
            None => {
                sessions
                    .create_token(session_id, options.expires_in_seconds)
                    .await
            }
        };
        minted
            .map(TemplateToken)
            .map_err(|err| GetTokenError::from_api(options.template.as_deref(), err))
    }
}
