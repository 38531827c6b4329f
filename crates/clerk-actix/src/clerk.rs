//! The runtime handle: configuration, verifier, keys and caches of one Clerk instance.

use std::fmt;
use std::sync::Arc;

use actix_web::HttpRequest;
use clerk_core::{
    AuthOptions, JwksCache, JwksKeys, SessionClaims, SessionVerifier, StaticKey, TokenError,
    VerifiedTokenCache,
};

use crate::authenticate::{authenticate_request, RequestState};
use crate::client::{ApiShared, BackendApi, ClientConfig};
use crate::config::{ConfigError, ResolvedConfig};
use crate::redact::{query_without_credentials, TokenLen};
use crate::user_source::UserSource;

enum Keys {
    /// `CLERK_JWT_KEY`: networkless.
    Pem(StaticKey),
    /// The instance's JWKS through the Backend API, shared by every worker.
    Jwks(Arc<JwksCache>),
}

/// A verified session: the handlers' [`clerk_core::Auth`] and the token it came from.
#[derive(Clone)]
pub(crate) struct VerifiedSession {
    pub(crate) auth: clerk_core::Auth,
    pub(crate) token: Arc<str>,
}

impl fmt::Debug for VerifiedSession {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("VerifiedSession")
            .field("auth", &self.auth)
            .field("token", &TokenLen(&self.token))
            .finish()
    }
}

struct Inner {
    config: ResolvedConfig,
    tokens: VerifiedTokenCache<VerifiedSession>,
    verifier: SessionVerifier,
    keys: Keys,
    cookie_suffix: Option<String>,
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
        let cookie_suffix = config.publishable_key.as_ref().map(|key| key.cookie_suffix());
        Ok(Clerk(Arc::new(Inner {
            tokens: VerifiedTokenCache::new(config.token_cache_capacity),
            config,
            verifier,
            keys,
            cookie_suffix,
            users: None,
            api,
        })))
    }

    /// Serves [`crate::CurrentUser`] from `source` instead of the Backend API (e.g. a local cache).
    ///
    /// Call it before cloning the handle into workers.
    pub fn with_user_source(self, source: Arc<dyn UserSource>) -> Self {
        let inner = Arc::try_unwrap(self.0).unwrap_or_else(|shared| Inner {
            tokens: VerifiedTokenCache::new(shared.config.token_cache_capacity),
            config: shared.config.clone(),
            verifier: shared.verifier.clone(),
            keys: match &shared.keys {
                Keys::Pem(key) => Keys::Pem(key.clone()),
                Keys::Jwks(cache) => Keys::Jwks(Arc::clone(cache)),
            },
            cookie_suffix: shared.cookie_suffix.clone(),
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
        &self.0.verifier
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
        self.0.tokens.len()
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
    pub fn cookie_suffix(&self) -> Option<&str> {
        self.0.cookie_suffix.as_deref()
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
        match &self.0.keys {
            Keys::Pem(key) => self.0.verifier.verify(token, key, now).await,
            Keys::Jwks(cache) => {
                let Some(api) = &self.0.api else {
                    return self.0.verifier.verify(token, &clerk_core::NoKey, now).await;
                };
                let fetcher = BackendApi::current(api).jwks_fetcher();
                let keys = JwksKeys {
                    cache,
                    fetcher: &fetcher,
                };
                self.0.verifier.verify(token, &keys, now).await
            }
        }
    }

    /// Verifies a session token and derives the handlers' auth, through the verified-token cache:
    /// a token seen before (same key set) only has its time claims re-checked.
    pub(crate) async fn verify_session(&self, token: &str) -> Result<VerifiedSession, TokenError> {
        let inner = &self.0;
        let epoch = self.jwks_cache().map_or(0, |cache| cache.retirement_epoch());
        let now = inner.config.now();
        if let Some((session, times)) = inner.tokens.get(token, epoch) {
            return match inner.verifier.check_times(times, now) {
                Ok(()) => Ok(session),
                Err(err) => {
                    inner.tokens.remove(token);
                    Err(err)
                }
            };
        }
        let claims = self.verify_token_at(token, now).await?;
        let times = claims.times();
        let auth = clerk_core::Auth::from_claims(
            claims,
            AuthOptions {
                treat_pending_as_signed_out: inner.config.treat_pending_as_signed_out,
            },
        );
        let session = VerifiedSession {
            auth,
            token: Arc::from(token),
        };
        inner.tokens.insert(token, session.clone(), times, epoch, now);
        Ok(session)
    }

    /// Authenticates a request with Clerk's rules (what [`crate::ClerkMiddleware`] does once per
    /// request).
    pub async fn authenticate(&self, req: &HttpRequest) -> RequestState {
        authenticate_request(self, req).await
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
        let trusted = req
            .peer_addr()
            .is_some_and(|peer| self.config().trusted_proxies.contains(&peer.ip()));
        let header = |name: &str| {
            req.headers()
                .get(name)
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.split(',').next())
                .map(|v| v.trim().to_owned())
                .filter(|v| !v.is_empty())
        };
        let (scheme, host) = if trusted {
            (
                header("x-forwarded-proto").unwrap_or_else(|| own_scheme(req)),
                header("x-forwarded-host").or_else(|| header("host")),
            )
        } else {
            (own_scheme(req), header("host"))
        };
        let host = host.unwrap_or_else(|| req.app_config().host().to_owned());
        format!("{scheme}://{host}")
    }
}

fn own_scheme(req: &HttpRequest) -> String {
    if req.app_config().secure() {
        "https".to_owned()
    } else {
        "http".to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Issue 10, item 3: the verified-token cache's entries print the token as its length only.
    #[test]
    fn a_verified_session_prints_no_token() {
        let token = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ1c2VyXzEifQ.c2lnbmF0dXJl";
        let session = VerifiedSession {
            auth: clerk_core::Auth::signed_out("session-token-and-uat-missing", None),
            token: Arc::from(token),
        };
        let printed = format!("{session:?}");
        assert!(!printed.contains("eyJ"), "{printed}");
        assert!(
            printed.contains(&format!("Token(…len {})", token.len())),
            "{printed}"
        );
    }
}
