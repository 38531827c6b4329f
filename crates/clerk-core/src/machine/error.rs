//! Why a machine token was refused (`MachineTokenVerificationError` of `@clerk/backend`).

use std::fmt;

use crate::error::Reason;

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
