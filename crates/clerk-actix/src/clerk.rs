//! The runtime handle: configuration, verifier, keys and caches of one Clerk instance.

use std::fmt;
use std::sync::Arc;

use actix_web::HttpRequest;
use clerk_core::machine::{AcceptsToken, MachineCacheStats, MachineJwtVerifier, MachineVerifier};
use clerk_core::request::{
    sign_up_target, AppOrigins, AuthOutcome, CallGuardStats, RequestAuthenticator, RequestMemo,
    RequestOutcome, RequestParts, ReturnBackUrl,
};
use clerk_core::{auth::AuthOptions, jwks::JwksStats, JwtVerifier, TokenError, VerifiedClaims};

use crate::authenticate::ActixRequest;
use crate::client::{ClerkClient, MetricsSnapshot};
use crate::config::{ClerkConfig, Resolved, ResolvedConfig};
use crate::env::ConfigError;
use crate::keys::KeySource;
use crate::user_source::UserSource;

struct Inner {
    config: ResolvedConfig,
    authenticator: RequestAuthenticator,
    keys: KeySource,
    /// The Backend API client (`None` without a secret key); the JWKS is fetched through a clone.
    client: Option<ClerkClient>,
    machine: MachineVerifier,
    users: Option<Arc<dyn UserSource>>,
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

/// A snapshot of a [`Clerk`]'s counters, for readiness and metrics endpoints
/// ([`Clerk::stats`]).
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct ClerkStats {
    /// The JWKS cache (`None` in networkless mode, with `CLERK_JWT_KEY`).
    pub jwks: Option<JwksStats>,
    /// Tokens in the verified-token cache.
    pub verified_tokens: usize,
    /// The Backend API client's counters and budgets (`None` without a secret key).
    pub client: Option<MetricsSnapshot>,
    /// The machine-token caches: opaque verifications, and JWT-format tokens.
    pub machine_tokens: MachineCacheStats,
    /// Handshake nonces and refreshes refused without a Backend API call, and calls the Backend
    /// API failed.
    pub session_calls: CallGuardStats,
}

impl ClerkConfig {
    /// Validates everything and builds the runtime [`Clerk`].
    ///
    /// # Errors
    ///
    /// A [`ConfigError`] naming the variable at fault.
    pub fn build(self) -> Result<Clerk, ConfigError> {
        let resolved = self.resolve()?;
        resolved.config.warn_about_gaps();
        Ok(Clerk::new(resolved))
    }

    /// Checks every setting as [`build`](Self::build) does, without calling Clerk or logging:
    /// for services that check their whole configuration before touching any resource. The
    /// answer is the resolved configuration ([`Clerk::config`] of the `Clerk` `build` would
    /// give), for settings needed before building (the proxy URL, the authorized parties, …).
    ///
    /// # Errors
    ///
    /// The [`ConfigError`] [`build`](Self::build) would return.
    pub fn check(&self) -> Result<ResolvedConfig, ConfigError> {
        self.clone().resolve().map(|resolved| resolved.config)
    }
}

/// Which of Clerk's pages a redirect goes to.
#[derive(Debug, Clone, Copy)]
enum Page {
    SignIn,
    SignUp,
}

impl Clerk {
    fn new(resolved: Resolved) -> Self {
        let Resolved {
            config,
            keys,
            client,
            users,
        } = resolved;
        let mut verifier = JwtVerifier::new()
            .authorized_parties(config.settings.authorized_parties.iter().cloned())
            .audience(config.settings.audience.iter().cloned())
            .clock_skew(config.settings.clock_skew)
            .max_token_bytes(config.settings.max_token_bytes);
        if config.settings.issuer_check {
            if let Some(key) = &config.publishable_key {
                // The instance's own issuer, and those Clerk's SDKs have treated as the
                // instance's: an absolute proxy URL, `https://clerk.{domain}` for a satellite.
                verifier = verifier.issuers(config.multi_domain.issuers(key));
            }
        }
        let machine = MachineVerifier::new(
            MachineJwtVerifier::new().audience(config.settings.audience.iter().cloned()),
        )
        .clock_skew(config.settings.clock_skew)
        .cache_ttl(config.settings.machine_token_cache_ttl)
        .jwt_capacity(config.settings.token_cache_capacity)
        .key_ttl(config.jwt_key.is_none().then_some(config.settings.jwks.ttl));
        let authenticator = RequestAuthenticator::new(verifier)
            .instance_type(config.instance_type)
            .publishable_key(config.publishable_key.clone())
            .cookie_auth(config.settings.cookie_auth)
            .auth_options(AuthOptions {
                treat_pending_as_signed_out: config.settings.treat_pending_as_signed_out,
            })
            .token_cache_capacity(config.settings.token_cache_capacity)
            .multi_domain(config.multi_domain.clone())
            .app_origins(AppOrigins::new(
                config.settings.authorized_parties.iter().cloned(),
                config.satellite_origins.iter().cloned(),
            ))
            .organization_sync(config.organization_sync.clone());
        Clerk(Arc::new(Inner {
            config,
            authenticator,
            keys,
            client,
            machine,
            users,
        }))
    }

    /// The validated configuration.
    pub fn config(&self) -> &ResolvedConfig {
        &self.0.config
    }

    /// The session-token verifier.
    pub fn verifier(&self) -> &JwtVerifier {
        self.0.authenticator.verifier()
    }

    /// The user source given to [`ClerkConfig::user_source`](crate::ClerkConfig::user_source),
    /// if any (else [`crate::CurrentUser`] asks the Backend API).
    pub fn user_source(&self) -> Option<&Arc<dyn UserSource>> {
        self.0.users.as_ref()
    }

    /// The Backend API client (Clerk's `clerkClient()`); `None` when no secret key is
    /// configured.
    pub fn client(&self) -> Option<&ClerkClient> {
        self.0.client.as_ref()
    }

    /// The counters of the JWKS cache, the verified-token cache and the Backend API client.
    pub fn stats(&self) -> ClerkStats {
        ClerkStats {
            jwks: self.0.keys.jwks_stats(),
            verified_tokens: self.0.authenticator.cached_tokens(),
            client: self.client().map(ClerkClient::metrics),
            machine_tokens: self.0.machine.stats(),
            session_calls: self.0.authenticator.call_guard_stats(),
        }
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
    pub async fn verify_token(&self, token: &str) -> Result<VerifiedClaims, TokenError> {
        self.verify_token_at(token, self.config().now()).await
    }

    async fn verify_token_at(
        &self,
        token: &str,
        now: std::time::SystemTime,
    ) -> Result<VerifiedClaims, TokenError> {
        self.verifier().verify(token, &self.0.keys, now).await
    }

    /// clerk-core's `authenticateRequest` for a route accepting `accepts` (machine tokens
    /// included), with this instance's keys and Backend API client, at the configured clock's
    /// "now"; `memo` is the request's.
    pub(crate) async fn authenticate_request(
        &self,
        req: &HttpRequest,
        accepts: AcceptsToken,
        memo: &RequestMemo,
    ) -> AuthOutcome {
        let Inner {
            config,
            authenticator,
            machine,
            keys,
            client,
            ..
        } = &*self.0;
        let req = ActixRequest::new(req);
        let parts = req.parts(&config.settings.trusted_proxies, config.now());
        authenticator
            .authenticate_request(machine, accepts, &parts, memo, keys, client)
            .await
    }

    /// Runs clerk-core's request authenticator on `parts` with this instance's keys.
    pub(crate) async fn authenticate_parts(&self, parts: &RequestParts<'_>) -> RequestOutcome {
        let Inner {
            authenticator,
            keys,
            client,
            ..
        } = &*self.0;
        authenticator.authenticate_with(parts, keys, client).await
    }

    /// Authenticates a request with Clerk's rules (what [`crate::ClerkMiddleware`] does once per
    /// request).
    pub async fn authenticate(&self, req: &HttpRequest) -> RequestOutcome {
        let (config, req) = (self.config(), ActixRequest::new(req));
        self.authenticate_parts(&req.parts(&config.settings.trusted_proxies, config.now()))
            .await
    }

    /// `{sign_in_url}?redirect_url=<this request's URL>` (with `/tasks` appended for a pending
    /// session), or `None` when no sign-in URL is known: clerk-core's
    /// [`RequestAuthenticator::sign_in_redirect`], which carries the dev browser to a
    /// cross-origin page of a development instance and asks a satellite's return URL for a sync.
    ///
    /// The request URL loses Clerk's credential parameters
    /// ([`CREDENTIAL_QUERY_PARAMS`](clerk_core::request::names::CREDENTIAL_QUERY_PARAMS)), so no
    /// token travels on in the redirect.
    pub fn sign_in_redirect_url(&self, req: &HttpRequest, pending: bool) -> Option<String> {
        self.redirect_url(req, Page::SignIn, ReturnBackUrl::ThisRequest, pending)
    }

    /// Clerk's `redirectToSignIn({ returnBackUrl })` URL for this request (`createRedirect` in
    /// @clerk/backend): the sign-in URL (the Account Portal's unless configured), `/tasks` for
    /// a `pending` session, `redirect_url` per `return_back`, the dev browser and a satellite's
    /// sync as in [`sign_in_redirect_url`](Self::sign_in_redirect_url). `None` when no sign-in
    /// URL is known or a URL does not parse.
    pub fn sign_in_url_for(
        &self,
        req: &HttpRequest,
        return_back: ReturnBackUrl<'_>,
        pending: bool,
    ) -> Option<String> {
        self.redirect_url(req, Page::SignIn, return_back, pending)
    }

    /// Clerk's `redirectToSignUp({ returnBackUrl })` URL for this request: the sign-up URL,
    /// else the configured sign-in URL with `/create` on its path, else the Account Portal's
    /// `/sign-up` ([`sign_up_target`]); the rest as [`sign_in_url_for`](Self::sign_in_url_for).
    pub fn sign_up_url_for(
        &self,
        req: &HttpRequest,
        return_back: ReturnBackUrl<'_>,
        pending: bool,
    ) -> Option<String> {
        self.redirect_url(req, Page::SignUp, return_back, pending)
    }

    fn redirect_url(
        &self,
        req: &HttpRequest,
        page: Page,
        return_back: ReturnBackUrl<'_>,
        pending: bool,
    ) -> Option<String> {
        let config = self.config();
        let req = ActixRequest::new(req);
        let parts = req.parts(&config.settings.trusted_proxies, config.now());
        let target = match page {
            Page::SignIn => config.sign_in_url()?.to_owned(),
            Page::SignUp => {
                // The configuration fills in the Account Portal's sign-in URL when none is
                // given; Clerk derives the sign-up page from a configured one only.
                let sign_in = config.sign_in_url().filter(|_| config.sign_in_url_configured);
                let base = format!("{}{}", parts.origin.serialize(), parts.path);
                sign_up_target(config.sign_up_url(), sign_in, config.publishable_key(), &base)?
            }
        };
        self.0
            .authenticator
            .redirect_url(&target, return_back, &parts, &self.0.keys, pending)
    }

    /// The request's own origin (`scheme://host`), believing `X-Forwarded-*` only from trusted
    /// proxies.
    pub fn request_origin(&self, req: &HttpRequest) -> String {
        ActixRequest::new(req)
            .origin(&self.config().settings.trusted_proxies)
            .serialize()
    }
}
