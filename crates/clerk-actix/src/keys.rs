//! Where a [`Clerk`](crate::Clerk) gets the keys that verify tokens: one type, implementing
//! clerk-core's [`KeyResolver`], so the handle passes it to every verification as it is.

use std::sync::Arc;
use std::time::SystemTime;

use clerk_core::jwk::VerifyingKey;
use clerk_core::jwks::{JwksCache, JwksStats};
use clerk_core::verify::{KeyResolver, StaticKey};
use clerk_core::TokenError;

use crate::client::{ClerkClient, RevalidatingKeys};

/// The key source of one Clerk instance.
pub(crate) enum KeySource {
    /// `CLERK_JWT_KEY`: one key, networkless.
    Pem(StaticKey),
    /// The instance's JWKS, shared by every worker and filled through `fetcher` (a clone of the
    /// handle's Backend API client).
    Jwks {
        cache: Arc<JwksCache>,
        fetcher: ClerkClient,
    },
}

impl KeySource {
    /// The JWKS cache's counters (`None` in networkless mode).
    pub(crate) fn jwks_stats(&self) -> Option<JwksStats> {
        match self {
            KeySource::Pem(_) => None,
            KeySource::Jwks { cache, .. } => Some(cache.stats()),
        }
    }
}

impl KeyResolver for KeySource {
    async fn resolve(&self, kid: Option<&str>, now: SystemTime) -> Result<Arc<VerifyingKey>, TokenError> {
        match self {
            KeySource::Pem(key) => key.resolve(kid, now).await,
            KeySource::Jwks { cache, fetcher } => {
                RevalidatingKeys {
                    cache,
                    client: fetcher,
                }
                .resolve(kid, now)
                .await
            }
        }
    }

    fn key_epoch(&self) -> u64 {
        match self {
            KeySource::Pem(key) => key.key_epoch(),
            KeySource::Jwks { cache, .. } => cache.retirement_epoch(),
        }
    }
}
