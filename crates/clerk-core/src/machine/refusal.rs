//! Why a route that accepts machine tokens refused a request, as Clerk reports it.

use super::error::MachineTokenError;
use super::token_type::TokenType;
use crate::error::Reason;
use crate::request::{HEADER_AUTH_MESSAGE, HEADER_AUTH_REASON, HEADER_AUTH_STATUS};

/// Clerk's reason when a route accepting one machine type gets no header token (a literal,
/// not one of Clerk's reason constants).
pub const NO_TOKEN_IN_HEADER: &str = "No token in header";

/// A signed-out answer of a route that accepts machine tokens (Clerk's `signedOut` with a
/// machine `tokenType`, or its invalid-token object).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MachineRefusal {
    /// `token-type-mismatch`: the token's type is not accepted.
    Mismatch {
        /// The type the signed-out state reports (`None`: Clerk's invalid-token object).
        token_type: Option<TokenType>,
        /// Clerk's message (`""` and none both send no message header).
        message: Option<String>,
    },
    /// A route accepting one machine type got no header token: reason `No token in header`.
    NoTokenInHeader {
        /// The accepted type.
        token_type: TokenType,
    },
    /// The machine token did not verify.
    Failed {
        /// Its type.
        token_type: TokenType,
        /// Clerk's code and message.
        error: MachineTokenError,
    },
}

impl MachineRefusal {
    /// The `x-clerk-auth-reason` value.
    pub fn reason(&self) -> &str {
        match self {
            MachineRefusal::Mismatch { .. } => Reason::TokenTypeMismatch.as_str(),
            MachineRefusal::NoTokenInHeader { .. } => NO_TOKEN_IN_HEADER,
            MachineRefusal::Failed { error, .. } => error.code().as_str(),
        }
    }

    /// The `x-clerk-auth-message` value, when there is a non-empty one (a verification failure's
    /// `getFullMessage()`).
    pub fn message(&self) -> Option<String> {
        match self {
            MachineRefusal::Mismatch { message, .. } => message.clone().filter(|m| !m.is_empty()),
            MachineRefusal::NoTokenInHeader { .. } => None,
            MachineRefusal::Failed { error, .. } => Some(error.full_message()),
        }
    }

    /// Clerk's debug headers for this refusal: `x-clerk-auth-status: signed-out`, the reason and,
    /// when there is one, the message (name, value).
    pub fn response_headers(&self) -> impl Iterator<Item = (&'static str, String)> {
        [
            (HEADER_AUTH_STATUS, Some("signed-out".to_owned())),
            (HEADER_AUTH_REASON, Some(self.reason().to_owned())),
            (HEADER_AUTH_MESSAGE, self.message()),
        ]
        .into_iter()
        .filter_map(|(name, value)| value.map(|value| (name, value)))
    }

    /// The RFC 6750 `WWW-Authenticate` challenge of this refusal: `invalid_token` for a token that
    /// did not verify, a bare `Bearer` otherwise (no internals either way).
    pub fn bearer_challenge(&self) -> &'static str {
        match self {
            MachineRefusal::Failed { .. } => {
                "Bearer error=\"invalid_token\", error_description=\"The token is invalid\""
            }
            _ => "Bearer",
        }
    }

    /// The token type of Clerk's signed-out auth object (`None`: the invalid-token object).
    pub fn token_type(&self) -> Option<TokenType> {
        match self {
            MachineRefusal::Mismatch { token_type, .. } => *token_type,
            MachineRefusal::NoTokenInHeader { token_type } | MachineRefusal::Failed { token_type, .. } => {
                Some(*token_type)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::machine::MachineErrorCode;

    #[test]
    fn reasons_and_messages_are_clerks() {
        let mismatch = MachineRefusal::Mismatch {
            token_type: None,
            message: Some(String::new()),
        };
        assert_eq!(
            (mismatch.reason(), mismatch.message()),
            ("token-type-mismatch", None)
        );
        let missing = MachineRefusal::NoTokenInHeader {
            token_type: TokenType::ApiKey,
        };
        assert_eq!(missing.reason(), "No token in header");
        assert_eq!(missing.token_type(), Some(TokenType::ApiKey));
        let failed = MachineRefusal::Failed {
            token_type: TokenType::M2mToken,
            error: MachineTokenError::new(MachineErrorCode::TokenInvalid, "Machine token not found")
                .with_status(404),
        };
        assert_eq!(failed.reason(), "token-invalid");
        assert_eq!(
            failed.message().as_deref(),
            Some("Machine token not found (code=token-invalid, status=404)")
        );
    }
}
