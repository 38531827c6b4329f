//! [`ClerkClient`] as the fetcher of `clerk_core`'s JWKS cache.

use clerk_core::{CacheScope, FetchError, JwkSet, JwksFetcher};

use super::clerk_client::ClerkClient;
use super::error::ApiError;

/// Fetches `GET {api_url}/{api_version}/jwks` for a [`JwksCache`](clerk_core::JwksCache).
///
/// 5xx, timeouts and connection failures are retried by the client (see [`ClerkClient`]); a 401
/// `clerk_key_invalid` is not, and becomes [`FetchError::InvalidSecretKey`]. JWKS requests take
/// no rate-budget slot: Clerk does not rate-limit them.
///
/// # Examples
///
/// ```no_run
/// use clerk_actix::client::{ClerkClient, ClientConfig};
/// use clerk_core::JwksFetcher;
///
/// # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
/// let client = ClerkClient::new(ClientConfig::new().secret_key("sk_test_example"))?;
/// let keys = client.fetch_jwks().await?;
/// println!("{} signing keys", keys.len());
/// # Ok(())
/// # }
/// ```
impl JwksFetcher for ClerkClient {
    fn scope(&self) -> &CacheScope {
        self.cache_scope()
    }

    async fn fetch_jwks(&self) -> Result<JwkSet, FetchError> {
        let set = self
            .jwks(false)
            .await
            .map_err(|err| to_fetch_error(&self.jwks_url(), err))?;
        if set.is_empty() {
            return Err(FetchError::NoKeys);
        }
        Ok(set)
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
        other => FetchError::Transport {
            url: url.to_owned(),
            detail: other.to_string(),
        },
    }
}
