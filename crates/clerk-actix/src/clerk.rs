//! The runtime handle: configuration, verifier, keys and caches of one Clerk instance.

use std::fmt;
use std::sync::Arc;

use actix_web::HttpRequest;
use clerk_core::request::{RequestAuthenticator, RequestOutcome, RequestParts};
use clerk_core::{AuthOptions, JwksCache, JwksKeys, SessionClaims, SessionVerifier, StaticKey, TokenError};

use crate::authenticate::ActixRequest;
use crate::client::{ApiShared, BackendApi, ClientConfig};
use crate::config::{ConfigError, ResolvedConfig};
use crate::redact::query_without_credentials;
use crate::user_source::UserSource;

enum Keys {
    /// `CLERK_JWT_KEY`: networkless.
    Pem(StaticKey),
    /// The instance's JWKS through the Backend API, shared by every worker.
    Jwks(Arc<JwksCache>),
}

struct Inner {
    config: ResolvedConfig,
    authenticator: RequestAuthenticator,
    keys: Keys,
    users: Option<Arc<dyn UserSource>>,
    /// The Backend API (absent in networkless mode without a secret key).
    api: Option<Arc<ApiShared>>,
}

/// One Clerk instance, ready to authenticate requests. Cheap to clone (`Arc` inside),
/// `Send + Sync`: build it once with [`crate::ClerkConfig::build`] and share it.
///
/// # Examples
///
/// ```no_run
/// use actix_web::{web, App, HttpServer};
/// use clerk_actix::{ClerkConfig, ClerkMiddleware};
///
/// # async fn run() -> std::io::Result<()> {
/// let clerk = ClerkConfig::from_env().expect("Clerk configuration").build().expect("valid keys");
/// HttpServer::new(move || {
///     App::new()
///         .app_data(web::Data::new(clerk.clone()))
///         .wrap(ClerkMiddleware::new(clerk.clone()))
/// })
/// .bind(("127.0.0.1", 8080))?
/// .run()
/// .await
/// # }
/// ```
#[derive(Clone)]
pub struct Clerk(Arc<Inner>);

impl fmt::Debug for Clerk {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Clerk")
            .field("config", &self.0.config)
            .finish_non_exhaustive()
    }
}

/// The request authenticator of `config` (one per handle: it owns the verified-token cache).
fn authenticator(config: &ResolvedConfig, verifier: SessionVerifier) -> RequestAuthenticator {
    RequestAuthenticator::new(verifier)
        .instance_type(config.instance_type)
        .publishable_key(config.publishable_key.clone())
        .cookie_auth(config.cookie_auth)
        .auth_options(AuthOptions {
            treat_pending_as_signed_out: config.treat_pending_as_signed_out,
        })
        .token_cache_capacity(config.token_cache_capacity)
}

impl Clerk {
    pub(crate) fn from_resolved(config: ResolvedConfig) -> Result<Self, ConfigError> {
        let mut verifier = SessionVerifier::new()
            .authorized_parties(config.authorized_parties.iter().cloned())
            .clock_skew(config.clock_skew)
            .max_token_bytes(config.max_token_bytes);
        if config.issuer_check {
            if let Some(key) = &config.publishable_key {
                verifier = verifier.issuer(key.issuer());
            }
        }
        let api = match &config.secret_key {
            Some(secret) => {
                let mut client = ClientConfig::new(secret.clone())
                    .api_url(config.api_url.clone())
                    .timeout(config.request_timeout)
                    .max_retries(config.max_retries)
                    .user_agent(config.user_agent.clone());
                client.api_version = config.api_version.clone();
                client.retry_budget_ratio = config.retry_budget_ratio;
                let shared = ApiShared::new(client).map_err(|err| ConfigError {
                    variable: "CLERK_API_URL",
                    message: err.to_string(),
                })?;
                Some(Arc::new(shared))
            }
            None => None,
        };
        let keys = match (&config.jwt_key, &api) {
            (Some(key), _) => Keys::Pem(StaticKey(Arc::new(key.clone()))),
            (None, Some(api)) => Keys::Jwks(Arc::new(JwksCache::new(api.scope().clone(), config.jwks))),
            (None, None) => {
                return Err(ConfigError {
                    variable: "CLERK_SECRET_KEY",
                    message: "missing: set CLERK_SECRET_KEY (or CLERK_JWT_KEY for networkless verification)"
                        .into(),
                })
            }
        };
        let authenticator = authenticator(&config, verifier);
        Ok(Clerk(Arc::new(Inner {
            authenticator,
            config,
            keys,
            users: None,
            api,
        })))
    }

    /// Serves [`crate::CurrentUser`] from `source` instead of the Backend API (e.g. a local cache).
    ///
    /// Call it before cloning the handle into workers.
    pub fn with_user_source(self, source: Arc<dyn UserSource>) -> Self {
        let inner = Arc::try_unwrap(self.0).unwrap_or_else(|shared| Inner {
            authenticator: authenticator(&shared.config, shared.authenticator.verifier().clone()),
            config: shared.config.clone(),
            keys: match &shared.keys {
                Keys::Pem(key) => Keys::Pem(key.clone()),
                Keys::Jwks(cache) => Keys::Jwks(Arc::clone(cache)),
            },
            users: shared.users.clone(),
            api: shared.api.clone(),
        });
        Clerk(Arc::new(Inner {
            users: Some(source),
            ..inner
        }))
    }

    /// The validated configuration.
    pub fn config(&self) -> &ResolvedConfig {
        &self.0.config
    }

    /// The session-token verifier.
    pub fn verifier(&self) -> &SessionVerifier {
        self.0.authenticator.verifier()
    }

    /// The JWKS cache, when keys come from the Backend API.
    pub fn jwks_cache(&self) -> Option<&Arc<JwksCache>> {
        match &self.0.keys {
            Keys::Jwks(cache) => Some(cache),
            Keys::Pem(_) => None,
        }
    }

    /// Tokens currently in the verified-token cache.
    pub fn verified_token_count(&self) -> usize {
        self.0.authenticator.cached_tokens()
    }

    /// The custom user source, if one was set.
    pub fn user_source(&self) -> Option<&Arc<dyn UserSource>> {
        self.0.users.as_ref()
    }

    /// The Backend API client of the current worker thread (Clerk's `clerkClient()`); `None` when
    /// no secret key is configured.
    pub fn backend_api(&self) -> Option<BackendApi> {
        self.0.api.as_ref().map(BackendApi::current)
    }

    /// The state shared by every worker's Backend API client (budget, metrics).
    pub fn api_shared(&self) -> Option<&Arc<ApiShared>> {
        self.0.api.as_ref()
    }

    /// The cookie-name suffix of this instance (from the publishable key).
    pub fn cookie_suffix(&self) -> Option<String> {
        self.config().publishable_key().map(|key| key.cookie_suffix())
    }

    /// Verifies a session token with this instance's keys at the configured clock's "now".
    ///
    /// # Errors
    ///
    /// A [`TokenError`] with Clerk's verifier reason.
    pub async fn verify_token(&self, token: &str) -> Result<SessionClaims, TokenError> {
        self.verify_token_at(token, self.config().now()).await
    }

    async fn verify_token_at(
        &self,
        token: &str,
        now: std::time::SystemTime,
    ) -> Result<SessionClaims, TokenError> {
        let verifier = self.verifier();
        match &self.0.keys {
            Keys::Pem(key) => verifier.verify(token, key, now).await,
            Keys::Jwks(cache) => {
                let Some(api) = &self.0.api else {
                    return verifier.verify(token, &clerk_core::NoKey, now).await;
                };
                let fetcher = BackendApi::current(api).jwks_fetcher();
                let keys = JwksKeys {
                    cache,
                    fetcher: &fetcher,
                };
                verifier.verify(token, &keys, now).await
            }
        }
    }

    /// Runs clerk-core's request authenticator on `parts` with this instance's keys.
    pub(crate) async fn authenticate_parts(&self, parts: &RequestParts<'_>) -> RequestOutcome {
        let authenticator = &self.0.authenticator;
        match &self.0.keys {
            Keys::Pem(key) => authenticator.authenticate(parts, key).await,
            Keys::Jwks(cache) => match &self.0.api {
                Some(api) => {
                    let fetcher = BackendApi::current(api).jwks_fetcher();
                    let keys = JwksKeys {
                        cache,
                        fetcher: &fetcher,
                    };
                    authenticator.authenticate(parts, &keys).await
                }
                None => authenticator.authenticate(parts, &clerk_core::NoKey).await,
            },
        }
    }

    /// Authenticates a request with Clerk's rules (what [`crate::ClerkMiddleware`] does once per
    /// request).
    pub async fn authenticate(&self, req: &HttpRequest) -> RequestOutcome {
        let (config, req) = (self.config(), ActixRequest::new(req));
        self.authenticate_parts(&req.parts(&config.trusted_proxies, config.now()))
            .await
    }

    /// `{sign_in_url}?redirect_url=<this request's URL>` (with `/tasks` appended for a pending
    /// session), or `None` when no sign-in URL is known.
    ///
    /// The request URL loses Clerk's credential parameters (`__clerk_handshake`,
    /// `__clerk_handshake_nonce`, `__clerk_db_jwt`, `__dev_session`, `__clerk_help`), so no token
    /// travels on in the redirect.
    pub fn sign_in_redirect_url(&self, req: &HttpRequest, pending: bool) -> Option<String> {
        let base = self.config().sign_in_url()?;
        let origin = self.request_origin(req);
        let query = query_without_credentials(req.query_string());
        let target = if query.is_empty() {
            format!("{origin}{}", req.path())
        } else {
            format!("{origin}{}?{query}", req.path())
        };
        let base = if pending {
            format!("{}/tasks", base.trim_end_matches('/'))
        } else {
            base.to_owned()
        };
        let mut url = match url::Url::parse(&base) {
            Ok(url) => url,
            // A relative sign-in path lives on this origin.
            Err(_) => url::Url::parse(&format!("{origin}{base}")).ok()?,
        };
        url.query_pairs_mut().append_pair("redirect_url", &target);
        Some(url.to_string())
    }

    /// The request's own origin (`scheme://host`), believing `X-Forwarded-*` only from trusted
    /// proxies.
    pub fn request_origin(&self, req: &HttpRequest) -> String {
        ActixRequest::new(req)
            .origin(&self.config().trusted_proxies)
            .serialize()
    }
}
