//! The JWKS fetcher over the Backend API client.

use std::fmt;

use clerk_core::{CacheScope, FetchError, JwkSet, JwksFetcher};

use super::api::BackendApi;
use super::error::ApiError;

/// Fetches `GET /v1/jwks` for a [`JwksCache`](clerk_core::JwksCache). Build it with
/// [`BackendApi::jwks_fetcher`].
///
/// 5xx, timeouts and connection failures are retried by the client (see [`BackendApi`]); a 401
/// `clerk_key_invalid` is not, and becomes [`FetchError::InvalidSecretKey`].
///
/// # Examples
///
/// ```no_run
/// use std::sync::Arc;
/// use clerk_actix::{ApiShared, BackendApi, ClientConfig};
/// use clerk_core::{JwksFetcher, SecretKey};
///
/// # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
/// let shared = Arc::new(ApiShared::new(ClientConfig::new(SecretKey::new("sk_test_example")?))?);
/// let fetcher = BackendApi::current(&shared).jwks_fetcher();
/// let keys = fetcher.fetch_jwks().await?;
/// println!("{} signing keys", keys.len());
/// # Ok(())
/// # }
/// ```
#[derive(Clone)]
pub struct JwksClient {
    api: BackendApi,
    scope: CacheScope,
    url: String,
}

impl JwksClient {
    pub(crate) fn new(api: BackendApi) -> Self {
        let scope = api.shared().scope().clone();
        let url = format!("{}/jwks", api.shared().versioned_url());
        Self { api, scope, url }
    }

    /// The URL fetched, `{api_url}/{api_version}/jwks`.
    pub fn url(&self) -> &str {
        &self.url
    }
}

impl fmt::Debug for JwksClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("JwksClient")
            .field("scope", &self.scope)
            .field("url", &self.url)
            .finish_non_exhaustive()
    }
}

impl JwksFetcher for JwksClient {
    fn scope(&self) -> &CacheScope {
        &self.scope
    }

    async fn fetch_jwks(&self) -> Result<JwkSet, FetchError> {
        let set = self
            .api
            .get_jwks()
            .await
            .map_err(|err| to_fetch_error(&self.url, err))?;
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
