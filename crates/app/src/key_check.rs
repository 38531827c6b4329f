//! The start-up check of `CLERK_SECRET_KEY` against the Backend API: one `GET /v1/jwks` (Clerk
//! does not rate-limit it), whose result `/readyz` reports from then on without calling Clerk;
//! then one `GET /v1/domains`, which says whether `CLERK_PUBLISHABLE_KEY` is of the same
//! instance.

use clerk_actix::ClerkClient;
use clerk_core::jwks::{FetchError, JwksFetcher as _};
use clerk_core::PublishableKey;

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

/// Checks the secret key of `client` with one quick `GET /v1/jwks` (one attempt, at most 2 s),
/// then that `publishable` belongs to the same instance (`check_same_instance`).
///
/// A key Clerk refuses fails start-up; an unreachable API or another failure is a warning (a
/// Clerk outage at start must not keep every replica down), and the result says
/// [`SecretKeyCheck::Unverified`].
///
/// # Errors
///
/// [`Error::SecretKeyRefused`] with Clerk's message when the Backend API answers 401
/// `clerk_key_invalid`; [`Error::KeysOfTwoInstances`] when the keys belong to two instances.
pub async fn check_secret_key(
    client: Option<&ClerkClient>,
    publishable: Option<&PublishableKey>,
) -> Result<SecretKeyCheck> {
    let Some(client) = client else {
        return Ok(SecretKeyCheck::NotConfigured);
    };
    match client.refresh_jwks().await {
        Ok(_) | Err(FetchError::NoKeys) => {}
        Err(FetchError::InvalidSecretKey { message }) => return Err(Error::SecretKeyRefused { message }),
        Err(err) => {
            tracing::warn!(
                error.message = %err,
                "CLERK_SECRET_KEY could not be checked at start: the Backend API did not answer \
                 GET /v1/jwks; starting anyway"
            );
            return Ok(SecretKeyCheck::Unverified);
        }
    }
    if let Some(publishable) = publishable {
        check_same_instance(client, publishable).await?;
    }
    Ok(SecretKeyCheck::Accepted)
}

/// Refuses a publishable key whose Frontend API host is none of the secret key's instance
/// domains (`GET /v1/domains`): two instances of one type pass every local check, then every
/// token fails its issuer check. A failed lookup is a warning, not a refusal.
///
/// # Errors
///
/// [`Error::KeysOfTwoInstances`], naming both hosts.
async fn check_same_instance(client: &ClerkClient, publishable: &PublishableKey) -> Result<()> {
    let domains = match client.domains().list().await {
        Ok(page) => page.data,
        Err(err) => {
            tracing::warn!(
                error.message = %err,
                "CLERK_PUBLISHABLE_KEY could not be compared with the secret key's instance at \
                 start (GET /v1/domains); starting anyway"
            );
            return Ok(());
        }
    };
    let wanted = publishable.frontend_api();
    if domains.is_empty()
        || domains
            .iter()
            .any(|domain| domain.frontend_api_host().eq_ignore_ascii_case(wanted))
    {
        return Ok(());
    }
    Err(Error::KeysOfTwoInstances {
        publishable: wanted.to_owned(),
        instance: domains
            .iter()
            .map(|domain| domain.frontend_api_host())
            .collect::<Vec<_>>()
            .join(", "),
    })
}
