//! Why a machine token was refused (`MachineTokenVerificationError` of `@clerk/backend`).

use std::fmt;

use super::token_type::TokenType;
use crate::error::Reason;

/// Clerk's not-found message for a `kind` token.
fn not_found_message(kind: TokenType) -> &'static str {
    match kind {
        TokenType::ApiKey => "API key not found",
        TokenType::OAuthToken => "OAuth token not found",
        TokenType::M2mToken | TokenType::SessionToken => "Machine token not found",
    }
}

/// Clerk's machine-token error codes, which become the request's reason.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum MachineErrorCode {
    /// `token-invalid`: unknown, revoked or malformed (a Backend API 404, a wrong M2M category).
    TokenInvalid,
    /// `secret-key-invalid`: the Backend API refused the secret key (401).
    SecretKeyInvalid,
    /// `unexpected-error`: any other Backend API failure.
    UnexpectedError,
    /// `token-verification-failed`: a JWT-format token failed verification.
    TokenVerificationFailed,
}

impl MachineErrorCode {
    /// Clerk's code text.
    pub const fn as_str(self) -> &'static str {
        self.reason().as_str()
    }

    /// The same text as a verifier [`Reason`] (the request's `x-clerk-auth-reason`).
    pub const fn reason(self) -> Reason {
        match self {
            MachineErrorCode::TokenInvalid => Reason::TokenInvalid,
            MachineErrorCode::SecretKeyInvalid => Reason::SecretKeyInvalid,
            MachineErrorCode::UnexpectedError => Reason::UnexpectedError,
            MachineErrorCode::TokenVerificationFailed => Reason::TokenVerificationFailed,
        }
    }
}

/// A refused machine token: Clerk's code, message and (for Backend API answers) HTTP status.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MachineTokenError {
    code: MachineErrorCode,
    message: String,
    status: Option<u16>,
}

impl MachineTokenError {
    /// An error with `code` and `message`.
    pub fn new(code: MachineErrorCode, message: impl Into<String>) -> Self {
        Self {
            code,
            message: message.into(),
            status: None,
        }
    }

    /// Clerk's `handleClerkAPIError`: what a failed Backend API verification of a `kind` token
    /// means. `status` is the HTTP status (`None` when no answer came: a transport failure),
    /// `first_message` the first of Clerk's `errors[].message`.
    ///
    /// - 401 → `secret-key-invalid`, Clerk's message or `Invalid secret key`;
    /// - 404 → `token-invalid`, `Machine token not found` / `API key not found` /
    ///   `OAuth token not found`;
    /// - anything else → `unexpected-error`, `Unexpected error`.
    ///
    /// # Examples
    ///
    /// ```
    /// use clerk_core::machine::{MachineErrorCode, MachineTokenError, TokenType};
    ///
    /// let err = MachineTokenError::from_backend_api(TokenType::ApiKey, Some(404), None);
    /// assert_eq!(err.code(), MachineErrorCode::TokenInvalid);
    /// assert_eq!(err.full_message(), "API key not found (code=token-invalid, status=404)");
    /// ```
    pub fn from_backend_api(kind: TokenType, status: Option<u16>, first_message: Option<&str>) -> Self {
        let err = match status {
            Some(401) => Self::new(
                MachineErrorCode::SecretKeyInvalid,
                first_message
                    .filter(|m| !m.is_empty())
                    .unwrap_or("Invalid secret key"),
            ),
            Some(404) => Self::new(MachineErrorCode::TokenInvalid, not_found_message(kind)),
            _ => Self::new(MachineErrorCode::UnexpectedError, "Unexpected error"),
        };
        match status {
            Some(status) => err.with_status(status),
            None => err,
        }
    }

    /// A `kind` token the Backend API answered 200 for, but flagged revoked or expired (Clerk's
    /// SDK accepts any 200; the API is documented to answer 404 for such tokens, so this is
    /// answered as that 404 is: `token-invalid` with the not-found message, no status).
    pub fn inactive(kind: TokenType) -> Self {
        Self::new(MachineErrorCode::TokenInvalid, not_found_message(kind))
    }

    /// Records the Backend API's HTTP status.
    pub fn with_status(mut self, status: u16) -> Self {
        self.status = Some(status);
        self
    }

    /// The code.
    pub fn code(&self) -> MachineErrorCode {
        self.code
    }

    /// The message alone.
    pub fn message(&self) -> &str {
        &self.message
    }

    /// Clerk's `getFullMessage()`: `<message> (code=<code>, status=<status or n/a>)`, the
    /// request's `x-clerk-auth-message`.
    pub fn full_message(&self) -> String {
        match self.status {
            Some(status) => format!("{} (code={}, status={status})", self.message, self.code.as_str()),
            None => format!("{} (code={}, status=n/a)", self.message, self.code.as_str()),
        }
    }
}

impl fmt::Display for MachineTokenError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.full_message())
    }
}

impl std::error::Error for MachineTokenError {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn full_messages_are_clerks() {
        let err =
            MachineTokenError::new(MachineErrorCode::TokenInvalid, "API key not found").with_status(404);
        assert_eq!(
            err.full_message(),
            "API key not found (code=token-invalid, status=404)"
        );
        let err = MachineTokenError::new(MachineErrorCode::TokenInvalid, "Invalid M2M JWT category.");
        assert_eq!(
            err.full_message(),
            "Invalid M2M JWT category. (code=token-invalid, status=n/a)"
        );
        assert_eq!(MachineErrorCode::SecretKeyInvalid.as_str(), "secret-key-invalid");
    }
}
