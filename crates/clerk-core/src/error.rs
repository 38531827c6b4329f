//! The one error type of `clerk-core`, carrying Clerk's reason strings byte for byte.

use std::fmt;

/// Why a session token was refused, as Clerk's verifier names it.
///
/// [`Reason::as_str`] gives the exact string `@clerk/backend` reports (`token-expired`, …);
/// `clerk-actix` turns some of them into Clerk's request-level reasons.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Reason {
    /// `token-expired`: `exp` is in the past, beyond the clock skew.
    TokenExpired,
    /// `token-invalid`: the token is not a well-formed JWT, or its `typ` is wrong.
    TokenInvalid,
    /// `token-invalid-algorithm`: the header names an algorithm Clerk does not sign with.
    TokenInvalidAlgorithm,
    /// `token-invalid-authorized-parties`: `azp` missing or not listed.
    TokenInvalidAuthorizedParties,
    /// `token-invalid-issuer`: `iss` is not this instance's issuer.
    TokenInvalidIssuer,
    /// `token-invalid-signature`: the signature does not match the key.
    TokenInvalidSignature,
    /// `token-not-active-yet`: `nbf` is in the future, beyond the clock skew.
    TokenNotActiveYet,
    /// `token-iat-in-the-future`: `iat` is in the future, beyond the clock skew.
    TokenIatInTheFuture,
    /// `token-verification-failed`: a required claim is missing or has the wrong type.
    TokenVerificationFailed,
    /// `secret-key-invalid`: the Backend API refused the secret key (`clerk_key_invalid`).
    SecretKeyInvalid,
    /// `jwk-local-missing`: networkless mode without a PEM key.
    JwkLocalMissing,
    /// `jwk-remote-failed-to-load`: the JWKS could not be fetched.
    JwkRemoteFailedToLoad,
    /// `jwk-failed-to-resolve`: neither a PEM key nor a secret key is configured.
    JwkFailedToResolve,
    /// `jwk-kid-mismatch`: no key in the JWKS has the token's `kid`.
    JwkKidMismatch,
    /// `token-type-mismatch`: a machine or template token was offered as a session token.
    TokenTypeMismatch,
    /// `unexpected-error`: what Clerk reports when verification fails with something other than a
    /// token error (e.g. a protected header that is JSON `null`).
    UnexpectedError,
}

impl Reason {
    /// Clerk's reason string, byte for byte.
    pub const fn as_str(self) -> &'static str {
        match self {
            Reason::TokenExpired => "token-expired",
            Reason::TokenInvalid => "token-invalid",
            Reason::TokenInvalidAlgorithm => "token-invalid-algorithm",
            Reason::TokenInvalidAuthorizedParties => "token-invalid-authorized-parties",
            Reason::TokenInvalidIssuer => "token-invalid-issuer",
            Reason::TokenInvalidSignature => "token-invalid-signature",
            Reason::TokenNotActiveYet => "token-not-active-yet",
            Reason::TokenIatInTheFuture => "token-iat-in-the-future",
            Reason::TokenVerificationFailed => "token-verification-failed",
            Reason::SecretKeyInvalid => "secret-key-invalid",
            Reason::JwkLocalMissing => "jwk-local-missing",
            Reason::JwkRemoteFailedToLoad => "jwk-remote-failed-to-load",
            Reason::JwkFailedToResolve => "jwk-failed-to-resolve",
            Reason::JwkKidMismatch => "jwk-kid-mismatch",
            Reason::TokenTypeMismatch => "token-type-mismatch",
            Reason::UnexpectedError => "unexpected-error",
        }
    }
}

impl fmt::Display for Reason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Clerk's suggested actions, appended to the message in [`TokenError::full_message`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Action {
    /// `Contact support@clerk.com`
    ContactSupport,
    /// `Make sure that this is a valid Clerk-generated JWT.`
    EnsureClerkJwt,
    /// `Set the CLERK_JWT_KEY environment variable.`
    SetClerkJwtKey,
    /// `Go to your Dashboard and validate your secret and public keys are correct. …`
    ValidateKeys,
}

impl Action {
    /// The action text, byte for byte as Clerk writes it.
    pub const fn as_str(self) -> &'static str {
        match self {
            Action::ContactSupport => "Contact support@clerk.com",
            Action::EnsureClerkJwt => "Make sure that this is a valid Clerk-generated JWT.",
            Action::SetClerkJwtKey => "Set the CLERK_JWT_KEY environment variable.",
            Action::ValidateKeys => "Go to your Dashboard and validate your secret and public keys are correct. Contact support@clerk.com if the issue persists.",
        }
    }
}

/// Where the token came from, for [`TokenError::full_message`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenCarrier {
    /// The `Authorization` header.
    Header,
    /// The `__session` cookie.
    Cookie,
}

impl TokenCarrier {
    /// `header` or `cookie`.
    pub const fn as_str(self) -> &'static str {
        match self {
            TokenCarrier::Header => "header",
            TokenCarrier::Cookie => "cookie",
        }
    }
}

/// A refused session token: Clerk's reason, message and action.
///
/// The message never contains the token itself; it may quote claim values, as Clerk's does.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenError {
    reason: Reason,
    message: std::borrow::Cow<'static, str>,
    action: Option<Action>,
}

impl TokenError {
    /// A new error with Clerk's reason and message.
    pub fn new(reason: Reason, message: impl Into<std::borrow::Cow<'static, str>>) -> Self {
        Self {
            reason,
            message: message.into(),
            action: None,
        }
    }

    /// Adds Clerk's suggested action.
    pub fn with_action(mut self, action: Action) -> Self {
        self.action = Some(action);
        self
    }

    /// The reason, e.g. [`Reason::TokenExpired`].
    pub fn reason(&self) -> Reason {
        self.reason
    }

    /// Clerk's message, without the action.
    pub fn message(&self) -> &str {
        &self.message
    }

    /// Clerk's suggested action, if any.
    pub fn action(&self) -> Option<Action> {
        self.action
    }

    /// Clerk's `getFullMessage()`: `"{message} {action} (reason={reason}, token-carrier={carrier})"`.
    ///
    /// This is the value of the `x-clerk-auth-message` response header.
    pub fn full_message(&self, carrier: TokenCarrier) -> String {
        let mut out = String::with_capacity(self.message.len() + 64);
        out.push_str(&self.message);
        if let Some(action) = self.action {
            if !out.is_empty() {
                out.push(' ');
            }
            out.push_str(action.as_str());
        }
        out.push_str(" (reason=");
        out.push_str(self.reason.as_str());
        out.push_str(", token-carrier=");
        out.push_str(carrier.as_str());
        out.push(')');
        out
    }
}

impl fmt::Display for TokenError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.message.is_empty() {
            write!(f, "{}", self.reason)
        } else {
            write!(f, "{} ({})", self.message, self.reason)
        }
    }
}

impl std::error::Error for TokenError {}

/// Everything that can go wrong in `clerk-core`.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A session token was refused; the reason is Clerk's.
    #[error(transparent)]
    Token(#[from] TokenError),
    /// A publishable key, secret key or PEM key could not be used.
    #[error("invalid key: {0}")]
    InvalidKey(String),
    /// A JWK set could not be parsed.
    #[error("invalid JWK set: {0}")]
    InvalidJwks(String),
}

impl Error {
    /// The Clerk reason, when this is a token error.
    pub fn reason(&self) -> Option<Reason> {
        match self {
            Error::Token(err) => Some(err.reason()),
            _ => None,
        }
    }
}

/// `Result` with [`Error`] as the default error.
pub type Result<T, E = Error> = std::result::Result<T, E>;
