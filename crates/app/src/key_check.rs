//! The start-up check of `CLERK_SECRET_KEY` against the Backend API: one `GET /v1/jwks` (Clerk
//! does not rate-limit it), whose result `/readyz` reports from then on without calling Clerk.

use clerk_actix::ClerkClient;
use clerk_core::jwks::{FetchError, JwksFetcher as _};

use crate::error::{Error, Result};

/// What the start-up check learnt about the secret key; stored once, reported by `/readyz`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SecretKeyCheck {
    /// The Backend API accepted the key at start.
    Accepted,
    /// The Backend API could not say at start (unreachable, a timeout, a 5xx): the key is
    /// unverified, and requests find out when they first need Clerk.
    Unverified,
    /// No secret key is configured (networkless verification with `CLERK_JWT_KEY`).
    NotConfigured,
}

impl SecretKeyCheck {
    /// The name `/readyz` reports: `accepted`, `unverified` or `not_configured`.
    pub fn as_str(self) -> &'static str {
        match self {
            SecretKeyCheck::Accepted => "accepted",
            SecretKeyCheck::Unverified => "unverified",
            SecretKeyCheck::NotConfigured => "not_configured",
        }
    }
}

/// Checks the secret key of `client` with one quick `GET /v1/jwks` (one attempt, at most 2 s).
///
/// A key Clerk refuses fails start-up; an unreachable API or another failure is a warning (a
/// Clerk outage at start must not keep every replica down), and the result says
/// [`SecretKeyCheck::Unverified`].
///
/// # Errors
///
/// [`Error::SecretKeyRefused`] with Clerk's message when the Backend API answers 401
/// `clerk_key_invalid`.
pub async fn check_secret_key(client: Option<&ClerkClient>) -> Result<SecretKeyCheck> {
    let Some(client) = client else {
        return Ok(SecretKeyCheck::NotConfigured);
    };
    match client.refresh_jwks().await {
        Ok(_) | Err(FetchError::NoKeys) => Ok(SecretKeyCheck::Accepted),
        Err(FetchError::InvalidSecretKey { message }) => Err(Error::SecretKeyRefused { message }),
        Err(err) => {
            tracing::warn!(
                error.message = %err,
                "CLERK_SECRET_KEY could not be checked at start: the Backend API did not answer \
                 GET /v1/jwks; starting anyway"
            );
            Ok(SecretKeyCheck::Unverified)
        }
    }
}
