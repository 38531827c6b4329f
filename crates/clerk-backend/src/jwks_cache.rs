//! [`ClerkClient`] as the fetcher of `clerk_core`'s JWKS cache, and the keys
//! clerk-actix's `Clerk` verifies with: the cache refreshed in the background
//! (stale-while-revalidate) on the actix runtime.

use std::sync::Arc;
use std::time::SystemTime;

use clerk_core::{
    jwk::JwkSet, jwk::VerifyingKey, jwks::CacheScope, jwks::FetchError, jwks::JwksCache, jwks::JwksFetcher,
    jwks::LocalTask, jwks::Spawner, verify::KeyResolver, TokenError,
};

use super::clerk_client::ClerkClient;
use super::error::ApiError;

/// Fetches `GET {api_url}/{api_version}/jwks` for a [`JwksCache`](clerk_core::jwks::JwksCache).
///
/// 5xx, timeouts and connection failures are retried by the client (see [`ClerkClient`]); a 401
/// `clerk_key_invalid` is not, and becomes [`FetchError::InvalidSecretKey`]. A background
/// refresh ([`JwksFetcher::refresh_jwks`]) makes one attempt within 2 s (or the configured
/// timeout, if shorter). JWKS requests take no rate-budget slot: Clerk does not rate-limit them.
///
/// # Examples
///
/// ```no_run
/// use clerk_backend::{ClerkClient, ClientConfig};
///
/// # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
/// let client = ClerkClient::new(ClientConfig::new().secret_key("sk_test_example"))?;
/// // The call; clerk-core's JWKS cache makes the same one through `JwksFetcher`.
/// let keys = client.jwks().get().await?;
/// println!("{} signing keys", keys.len());
/// # Ok(())
/// # }
/// ```
impl JwksFetcher for ClerkClient {
    fn scope(&self) -> &CacheScope {
        self.cache_scope()
    }

    async fn fetch_jwks(&self) -> Result<JwkSet, FetchError> {
        self.jwk_set(false).await
    }

    async fn refresh_jwks(&self) -> Result<JwkSet, FetchError> {
        self.jwk_set(true).await
    }
}

impl ClerkClient {
    /// The JWK set for the cache; `quick`: a background refresh's one short attempt.
    async fn jwk_set(&self, quick: bool) -> Result<JwkSet, FetchError> {
        let jwks = self.jwks();
        let set = if quick {
            jwks.refresh().await
        } else {
            jwks.get().await
        };
        let set = set.map_err(|err| to_fetch_error(&self.jwks_url(), err))?;
        if set.is_empty() {
            return Err(FetchError::NoKeys);
        }
        Ok(set)
    }
}

/// Runs background tasks on the current actix runtime (or `tokio::task::LocalSet`), where the
/// client's `!Send` futures can run.
pub(crate) struct LocalSpawner;

/// Spawns with `actix_rt::spawn` (`tokio::task::spawn_local`), which panics outside a local
/// context: every lookup that may start a background refresh (a clerk-actix's `Clerk`
/// verifying a token with a JWKS cache) must run inside an actix `System` (an actix-web server
/// or `#[actix_rt::main]`/`#[actix_rt::test]`) or a `tokio::task::LocalSet`, as every call of
/// the client's `!Send` futures must anyway.
impl Spawner for LocalSpawner {
    fn spawn_local(&self, task: LocalTask) {
        // Detached: the task ends by itself (one quick attempt).
        drop(actix_rt::spawn(task));
    }
}

/// The JWKS cache of a clerk-actix's `Clerk` with its client: a known key past its TTL is
/// served at once while one background refresh runs; only a lookup without a usable key waits.
///
/// Not a stable API: clerk-actix's key source.
#[doc(hidden)]
pub struct RevalidatingKeys<'a> {
    /// The instance's JWKS cache.
    pub cache: &'a Arc<JwksCache>,
    /// The client that fetches it.
    pub client: &'a ClerkClient,
}

impl KeyResolver for RevalidatingKeys<'_> {
    async fn resolve(&self, kid: Option<&str>, now: SystemTime) -> Result<Arc<VerifyingKey>, TokenError> {
        self.cache
            .get_or_revalidate(kid, self.client, &LocalSpawner, now)
            .await
    }

    fn key_epoch(&self) -> u64 {
        self.cache.retirement_epoch()
    }
}

fn to_fetch_error(url: &str, err: ApiError) -> FetchError {
    if err.is_invalid_secret_key() {
        let message = err
            .errors()
            .iter()
            .find(|error| error.code == "clerk_key_invalid")
            .map(|error| {
                error
                    .long_message
                    .clone()
                    .unwrap_or_else(|| error.message.clone())
            })
            .unwrap_or_default();
        return FetchError::InvalidSecretKey { message };
    }
    match err {
        ApiError::Status { status, .. } => FetchError::Status {
            url: url.to_owned(),
            status,
        },
        // The transport's own detail: its `Display` names the endpoint again.
        ApiError::Transport { detail, .. } => FetchError::Transport {
            url: url.to_owned(),
            detail,
        },
        other => FetchError::Transport {
            url: url.to_owned(),
            detail: other.to_string(),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // Issue 28, item 11: "GET …/v1/jwks failed: GET /v1/jwks failed: …" said the endpoint twice.
    #[test]
    fn a_transport_failure_names_the_endpoint_once() {
        let err = ApiError::Transport {
            endpoint: "GET /v1/jwks",
            detail: "connection refused".to_owned(),
        };
        let message = to_fetch_error("http://127.0.0.1:1/v1/jwks", err).to_string();
        assert_eq!(
            message,
            "GET http://127.0.0.1:1/v1/jwks failed: connection refused"
        );
    }
}
