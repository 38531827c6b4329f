//! Minimal Backend API access used until the full client lands (JWKS only).

use std::sync::Arc;

use clerk_core::{CacheScope, FetchError, JwkSet, JwksFetcher, SecretKey};

use crate::config::{ResolvedConfig, CLERK_API_VERSION_HEADER_VALUE};

/// Shared (all workers) part of the Backend API client.
#[derive(Clone, Debug)]
pub struct SharedApi(Arc<Shared>);

#[derive(Debug)]
struct Shared {
    api_url: String,
    api_version: String,
    secret_key: Option<SecretKey>,
    timeout: std::time::Duration,
    user_agent: String,
    scope: CacheScope,
}

impl SharedApi {
    pub(crate) fn from_config(config: &ResolvedConfig) -> Self {
        let secret = config
            .secret_key()
            .cloned()
            .unwrap_or_else(|| SecretKey::new("none").expect("literal key is valid"));
        Self(Arc::new(Shared {
            api_url: config.api_url().to_owned(),
            api_version: config.api_version().to_owned(),
            scope: CacheScope::new(config.api_url(), &secret),
            secret_key: config.secret_key().cloned(),
            timeout: config.request_timeout(),
            user_agent: config.user_agent().to_owned(),
        }))
    }

    pub(crate) fn cache_scope(&self) -> CacheScope {
        self.0.scope.clone()
    }

    pub(crate) fn current(&self) -> BackendApi {
        BackendApi {
            shared: self.clone(),
            client: awc::Client::builder().timeout(self.0.timeout).finish(),
        }
    }
}

/// The Backend API client of one worker.
pub struct BackendApi {
    shared: SharedApi,
    client: awc::Client,
}

impl std::fmt::Debug for BackendApi {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BackendApi").finish_non_exhaustive()
    }
}

impl BackendApi {
    pub(crate) fn jwks_fetcher(self) -> Self {
        self
    }
}

impl JwksFetcher for BackendApi {
    fn scope(&self) -> &CacheScope {
        &self.shared.0.scope
    }

    async fn fetch_jwks(&self) -> Result<JwkSet, FetchError> {
        let shared = &self.shared.0;
        let url = format!("{}/{}/jwks", shared.api_url, shared.api_version);
        let Some(secret) = &shared.secret_key else {
            return Err(FetchError::Transport {
                url,
                detail: "no secret key configured".into(),
            });
        };
        let mut response = self
            .client
            .get(&url)
            .insert_header(("Authorization", format!("Bearer {}", secret.expose())))
            .insert_header(("Clerk-API-Version", CLERK_API_VERSION_HEADER_VALUE))
            .insert_header(("User-Agent", shared.user_agent.as_str()))
            .send()
            .await
            .map_err(|err| FetchError::Transport {
                url: url.clone(),
                detail: err.to_string(),
            })?;
        let status = response.status().as_u16();
        let body = response
            .body()
            .limit(1 << 20)
            .await
            .map_err(|err| FetchError::Transport {
                url: url.clone(),
                detail: err.to_string(),
            })?;
        if status == 401 {
            if let Ok(errors) = serde_json::from_slice::<clerk_core::api::ClerkErrors>(&body) {
                if errors.has_code("clerk_key_invalid") {
                    let message = errors
                        .errors
                        .first()
                        .map(|e| e.message.clone())
                        .unwrap_or_default();
                    return Err(FetchError::InvalidSecretKey { message });
                }
            }
        }
        if !(200..300).contains(&status) {
            return Err(FetchError::Status { url, status });
        }
        JwkSet::parse(&body).map_err(|err| FetchError::Transport {
            url,
            detail: err.to_string(),
        })
    }
}

/// Loads a user from the Backend API (the default [`crate::UserSource`]).
pub(crate) async fn fetch_user(
    clerk: &crate::Clerk,
    user_id: &str,
) -> Result<Arc<clerk_core::User>, crate::UserSourceError> {
    use crate::UserSourceError;
    let api = clerk.shared_api().current();
    let shared = &api.shared.0;
    let Some(secret) = &shared.secret_key else {
        return Err(UserSourceError::Unavailable("no secret key configured".into()));
    };
    if user_id.is_empty() || !user_id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_') {
        return Err(UserSourceError::NotFound);
    }
    let url = format!("{}/{}/users/{user_id}", shared.api_url, shared.api_version);
    let mut response = api
        .client
        .get(&url)
        .insert_header(("Authorization", format!("Bearer {}", secret.expose())))
        .insert_header(("Clerk-API-Version", CLERK_API_VERSION_HEADER_VALUE))
        .insert_header(("User-Agent", shared.user_agent.as_str()))
        .send()
        .await
        .map_err(|err| UserSourceError::Unavailable(err.to_string()))?;
    let status = response.status().as_u16();
    let body = response
        .body()
        .limit(1 << 20)
        .await
        .map_err(|err| UserSourceError::Unavailable(err.to_string()))?;
    match status {
        200 => serde_json::from_slice(&body)
            .map(Arc::new)
            .map_err(|err| UserSourceError::Unavailable(format!("unreadable user: {err}"))),
        404 => Err(UserSourceError::NotFound),
        status => Err(UserSourceError::Unavailable(format!(
            "Backend API answered {status}"
        ))),
    }
}
