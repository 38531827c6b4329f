//! Configuration: Clerk's environment names or a builder, validated once at start-up.

use std::fmt;
use std::net::IpAddr;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use clerk_core::{
    jwk::VerifyingKey, jwks::CacheScope, jwks::JwksCache, jwks::JwksCacheConfig, verify::StaticKey,
    InstanceType, PublishableKey, SecretKey,
};

use clerk_core::proxy::{upstream_for_frontend_api, ProxyTarget, DEFAULT_PROXY_PATH};
use clerk_core::request::{account_portal_sign_in, MultiDomain, OrganizationSync};
use clerk_core::webhook::WebhookVerifier;

use crate::client::{ClerkClient, ClientConfig};
use crate::domains::DomainSettings;
use crate::env::{check_origin, reader, ConfigError};
use crate::keys::KeySource;
use crate::user_source::UserSource;
use clerk_core::protect::ProtectMode;
use settings::{Settings, Strings};

mod settings;

/// A clock for "now"; the wall clock unless a test sets another.
pub type Clock = Arc<dyn Fn() -> SystemTime + Send + Sync>;

/// Everything `clerk-actix` needs to know about the Clerk instance.
///
/// Build it once, outside `HttpServer::new`, with [`ClerkConfig::from_env`] or the builder, then
/// turn it into a [`crate::Clerk`] with [`ClerkConfig::build`]. Every value is checked once, by
/// `build` (or [`build_client`](Self::build_client)), and a [`ConfigError`] names the variable at
/// fault.
///
/// | environment variable | option | default |
/// |---|---|---|
/// | `CLERK_SECRET_KEY` | [`secret_key`](Self::secret_key) | none (required unless `CLERK_JWT_KEY` is set) |
/// | `CLERK_PUBLISHABLE_KEY` | [`publishable_key`](Self::publishable_key) | none (recommended: issuer check, cookie rules) |
/// | `CLERK_JWT_KEY` | [`jwt_key_pem`](Self::jwt_key_pem) | none (networkless verification when set) |
/// | `CLERK_API_URL` | [`api_url`](Self::api_url) | `https://api.clerk.com` |
/// | `CLERK_API_VERSION` | [`api_version`](Self::api_version) | `v1` |
/// | `CLERK_AUTHORIZED_PARTIES` | [`authorized_parties`](Self::authorized_parties) | none (comma separated origins) |
/// | `CLERK_SIGN_IN_URL` | [`sign_in_url`](Self::sign_in_url) | the Account Portal of the publishable key's instance |
/// | `CLERK_SIGN_UP_URL` | [`sign_up_url`](Self::sign_up_url) | none |
/// | `CLERK_PROXY_URL` | [`proxy_url`](Self::proxy_url) | none (the Frontend API of the publishable key) |
/// | `CLERK_FAPI_URL` | [`fapi_url`](Self::fapi_url) | none (a Frontend API proxy forwards to Clerk's for the publishable key) |
/// | `CLERK_WEBHOOK_SIGNING_SECRET` | [`webhook_signing_secret`](Self::webhook_signing_secret) | none (no webhook can be verified) |
/// | `CLERK_DOMAIN` | [`domain`](Self::domain) | none |
/// | `CLERK_IS_SATELLITE` | [`satellite`](Self::satellite) | `false` |
/// | `CLERK_SATELLITE_AUTO_SYNC` | [`satellite_auto_sync`](Self::satellite_auto_sync) | `false` (Clerk's Core 3 default) |
/// | `CLERK_SATELLITE_ORIGINS` | [`satellite_origins`](Self::satellite_origins) | none (a primary's satellites, comma separated origins) |
/// | `CLERK_ORGANIZATION_PATTERNS`, `CLERK_PERSONAL_ACCOUNT_PATTERNS` | [`organization_patterns`](Self::organization_patterns), [`personal_account_patterns`](Self::personal_account_patterns) | none (patterns separated by commas or spaces) |
/// | `CLERK_CLOCK_SKEW_MS` | [`clock_skew`](Self::clock_skew) | `5000` |
/// | `CLERK_TREAT_PENDING_AS_SIGNED_OUT` | [`treat_pending_as_signed_out`](Self::treat_pending_as_signed_out) | `true` |
/// | `CLERK_COOKIE_AUTH` | [`cookie_auth`](Self::cookie_auth) | `true` |
/// | `CLERK_TRUSTED_PROXIES` | [`trusted_proxies`](Self::trusted_proxies) | none (comma separated IPs) |
/// | `CLERK_ISSUER_CHECK` | [`issuer_check`](Self::issuer_check) | `true` (when a publishable key is set) |
/// | `CLERK_JWKS_TTL_MS`, `CLERK_JWKS_REFETCH_COOLDOWN_MS`, `CLERK_JWKS_MAX_STALE_MS` | [`jwks_cache`](Self::jwks_cache) | `300000`, `10000`, `3600000` |
/// | `CLERK_TOKEN_CACHE_CAPACITY` | [`token_cache_capacity`](Self::token_cache_capacity) | `4096` (0 = off) |
/// | `CLERK_AUDIENCE` | [`audience`](Self::audience) | none (comma separated; no `aud` check) |
/// | `CLERK_MACHINE_TOKEN_CACHE_TTL_MS` | [`machine_token_cache_ttl`](Self::machine_token_cache_ttl) | `10000` (0 = off) |
/// | `CLERK_MACHINE_SECRET_KEY`, `CLERK_HTTP_TIMEOUT_MS`, `CLERK_API_RATE_LIMIT` | [`client_config`](Self::client_config) | see [`ClientConfig`] |
///
/// # Examples
///
/// ```
/// use clerk_actix::ClerkConfig;
///
/// let clerk = ClerkConfig::new()
///     .secret_key("sk_test_xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx")
///     .publishable_key("pk_test_aGFwcHktaGlwcG8tNDIuY2xlcmsuYWNjb3VudHMuZGV2JA")
///     .authorized_parties(["http://localhost:3000"])
///     .client_config(|client| client.max_retries(1))
///     .build()?;
/// assert_eq!(clerk.config().api_url(), "https://api.clerk.com");
/// # Ok::<(), clerk_actix::ConfigError>(())
/// ```
///
/// A user source that needs the Backend API (a local user cache) takes the client first, and
/// the [`crate::Clerk`] is then built with both, so they share one rate budget:
///
/// ```
/// # use std::sync::Arc;
/// # use clerk_actix::{ClerkConfig, user_source::UserSource, user_source::UserSourceError};
/// # struct MyCache(clerk_actix::ClerkClient);
/// # impl UserSource for MyCache {
/// #     fn get_user<'a>(&'a self, id: &'a str) -> futures_util::future::LocalBoxFuture<'a, Result<Arc<clerk_core::User>, UserSourceError>> {
/// #         Box::pin(async move { self.0.users().get(id).await.map(Arc::new).map_err(UserSourceError::unavailable) })
/// #     }
/// # }
/// let config = ClerkConfig::new().secret_key("sk_test_example");
/// let client = config.build_client()?.expect("a secret key is set");
/// let cache = Arc::new(MyCache(client.clone()));
/// let clerk = config.client(client).user_source(cache).build()?;
/// # drop(clerk);
/// # Ok::<(), clerk_actix::ConfigError>(())
/// ```
#[derive(Clone)]
pub struct ClerkConfig {
    client: ClientConfig,
    strings: Strings,
    settings: Settings,
    domains: DomainSettings,
    clock: Option<Clock>,
    user_source: Option<Arc<dyn UserSource>>,
    built_client: Option<ClerkClient>,
}

impl fmt::Debug for ClerkConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut f = f.debug_struct("ClerkConfig");
        f.field("client", &self.client);
        self.strings.debug_fields(&mut f);
        f.field("domains", &self.domains);
        self.settings.debug_fields(&mut f);
        f.field("user_source", &self.user_source.as_ref().map(|_| "[set]"))
            .finish_non_exhaustive()
    }
}

impl Default for ClerkConfig {
    fn default() -> Self {
        Self::new()
    }
}

impl ClerkConfig {
    /// A configuration with every default and no keys.
    pub fn new() -> Self {
        Self {
            client: ClientConfig::new(),
            strings: Strings::default(),
            settings: Settings::default(),
            domains: DomainSettings::default(),
            clock: None,
            user_source: None,
            built_client: None,
        }
    }

    /// Reads Clerk's environment variables (see the table on [`ClerkConfig`]).
    ///
    /// # Errors
    ///
    /// A [`ConfigError`] naming the first malformed variable.
    pub fn from_env() -> Result<Self, ConfigError> {
        Self::from_lookup(|name| std::env::var(name).ok())
    }

    /// Like [`from_env`](Self::from_env), reading variables through `lookup`.
    ///
    /// # Errors
    ///
    /// A [`ConfigError`] naming the first malformed variable.
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let get = reader(lookup);
        let mut config = Self::new();
        config.client = config.client.read(&get)?;
        config.strings = Strings::read(&get);
        config.domains = DomainSettings::read(&get)?;
        config.settings = Settings::read(&get)?;
        Ok(config)
    }

    /// The instance's secret key (`sk_test_…`/`sk_live_…`). Defaults to none.
    pub fn secret_key(mut self, key: impl Into<String>) -> Self {
        self.client = self.client.secret_key(key);
        self
    }

    /// Backend API base URL. Defaults to `https://api.clerk.com`.
    pub fn api_url(mut self, url: impl Into<String>) -> Self {
        self.client = self.client.api_url(url);
        self
    }

    /// Backend API URL version segment. Defaults to `v1`.
    pub fn api_version(mut self, version: impl Into<String>) -> Self {
        self.client = self.client.api_version(version);
        self
    }

    /// Adjusts the Backend API client's settings (timeout, retries, rate limit, …: see
    /// [`ClientConfig`], whose defaults apply).
    pub fn client_config(mut self, adjust: impl FnOnce(ClientConfig) -> ClientConfig) -> Self {
        self.client = adjust(self.client);
        self
    }

    /// Origins allowed in the token's `azp`; when set, `azp` is required. Defaults to none.
    pub fn authorized_parties<I, S>(mut self, parties: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.settings.authorized_parties = parties.into_iter().map(Into::into).collect();
        self
    }

    /// Clerk's `audience` option (our `CLERK_AUDIENCE`), applied as Clerk applies it: a session
    /// token or an M2M JWT must name one of these in `aud`, and an OAuth access token (opaque or
    /// JWT) must carry an `aud` that does. API keys and opaque M2M tokens have no audience.
    /// Defaults to none (no check).
    pub fn audience<I, S>(mut self, audience: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.settings.audience = audience.into_iter().map(Into::into).collect();
        self
    }

    /// How long a successful verification of an opaque machine token (`mt_…`, `ak_…`, `oat_…`)
    /// is reused, never past the token's expiry; refusals are kept a quarter of it. This is how
    /// long a revoked token can still be accepted. Zero turns the cache off (concurrent
    /// verifications of one token still share one Backend API call). Defaults to 10 s.
    pub fn machine_token_cache_ttl(mut self, ttl: Duration) -> Self {
        self.settings.machine_token_cache_ttl = ttl;
        self
    }

    /// The sign-up URL (Clerk's `signUpUrl`), reported with the configuration. Defaults to none.
    pub fn sign_up_url(mut self, url: impl Into<String>) -> Self {
        self.domains.sign_up_url = Some(url.into());
        self
    }

    /// Where the Frontend API is served for this application (`https://app.example.com/__clerk`,
    /// or a path such as `/__clerk` on each request's origin): handshakes go there, and session
    /// tokens it issued pass the issuer check. Defaults to the publishable key's Frontend API.
    pub fn proxy_url(mut self, url: impl Into<String>) -> Self {
        self.domains.proxy_url = Some(url.into());
        self
    }

    /// The application's domain (`example.com`), for satellites: a production satellite's
    /// Frontend API is `clerk.{domain}`. Defaults to none.
    pub fn domain(mut self, domain: impl Into<String>) -> Self {
        self.domains.domain = Some(domain.into());
        self
    }

    /// Whether this application is a satellite domain of a multi-domain instance (it then needs
    /// a domain or a proxy URL, and on development instances an absolute sign-in URL on the
    /// primary domain). Defaults to `false`.
    pub fn satellite(mut self, yes: bool) -> Self {
        self.domains.is_satellite = yes;
        self
    }

    /// On a primary domain, its satellites' origins (`https://satellite.example.org`): after a
    /// satellite sync the browser is sent back (with its development dev-browser token) only to
    /// these and to the [authorized parties](Self::authorized_parties). Defaults to none.
    pub fn satellite_origins<I, S>(mut self, origins: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.domains.satellite_origins = origins.into_iter().map(Into::into).collect();
        self
    }

    /// Whether a satellite without cookies syncs with the primary domain on its first page load
    /// (Clerk's `satelliteAutoSync`). Defaults to `false`: it stays signed out until a link with
    /// `__clerk_synced=false` asks for the sync.
    pub fn satellite_auto_sync(mut self, yes: bool) -> Self {
        self.domains.satellite_auto_sync = yes;
        self
    }

    /// Clerk's `organizationPatterns` (path-to-regexp 6 with `:id` or `:slug`): a signed-in page
    /// whose URL names another organization than the active one is sent through the handshake
    /// to activate it. Defaults to none.
    pub fn organization_patterns<I, S>(mut self, patterns: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.domains.organization_patterns = patterns.into_iter().map(Into::into).collect();
        self
    }

    /// Clerk's `personalAccountPatterns`: pages of the personal account (no active
    /// organization). Defaults to none.
    pub fn personal_account_patterns<I, S>(mut self, patterns: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.domains.personal_account_patterns = patterns.into_iter().map(Into::into).collect();
        self
    }

    /// Allowed clock difference for `exp`/`nbf`/`iat`. Defaults to 5 s.
    pub fn clock_skew(mut self, skew: Duration) -> Self {
        self.settings.clock_skew = skew;
        self
    }

    /// Whether a pending session is signed out for handlers. Defaults to `true`.
    pub fn treat_pending_as_signed_out(mut self, yes: bool) -> Self {
        self.settings.treat_pending_as_signed_out = yes;
        self
    }

    /// Whether the `__session` cookie is accepted (with Clerk's cookie rules). Defaults to `true`.
    pub fn cookie_auth(mut self, yes: bool) -> Self {
        self.settings.cookie_auth = yes;
        self
    }

    /// Peers whose `X-Forwarded-Proto`/`X-Forwarded-Host` are believed when building the request's
    /// own URL (for `redirect_url`). Defaults to none.
    pub fn trusted_proxies(mut self, proxies: impl IntoIterator<Item = IpAddr>) -> Self {
        self.settings.trusted_proxies = proxies.into_iter().collect();
        self
    }

    /// Whether `iss` must equal `https://{frontend API}` of the publishable key. Defaults to
    /// `true` (Clerk's SDKs do not check it; see the README's deliberate differences).
    pub fn issuer_check(mut self, yes: bool) -> Self {
        self.settings.issuer_check = yes;
        self
    }

    /// JWKS cache tuning. Defaults to [`JwksCacheConfig::default`].
    ///
    /// The refetch cooldown must be at least 1 s (`CLERK_JWKS_REFETCH_COOLDOWN_MS` ≥ `1000`):
    /// JWKS fetches take no rate-budget slot, and every token with an unknown `kid` may ask for
    /// one.
    pub fn jwks_cache(mut self, jwks: JwksCacheConfig) -> Self {
        self.settings.jwks = jwks;
        self
    }

    /// Largest token accepted, in bytes. Defaults to 8 KiB.
    pub fn max_token_bytes(mut self, max: usize) -> Self {
        self.settings.max_token_bytes = max;
        self
    }

    /// How [`crate::Protect`] answers by default. Defaults to [`ProtectMode::Api`].
    pub fn protect_mode(mut self, mode: ProtectMode) -> Self {
        self.settings.protect_mode = mode;
        self
    }

    /// Verified tokens remembered so that a reused token costs no decoding and no RSA check, for
    /// session tokens and for JWT-format machine tokens, each up to `capacity` (0 switches both
    /// caches off). Defaults to 4096.
    pub fn token_cache_capacity(mut self, capacity: usize) -> Self {
        self.settings.token_cache_capacity = capacity;
        self
    }

    /// Replaces the wall clock (for tests with fixed tokens). Defaults to [`SystemTime::now`].
    pub fn clock(mut self, clock: impl Fn() -> SystemTime + Send + Sync + 'static) -> Self {
        self.clock = Some(Arc::new(clock));
        self
    }

    /// Where [`crate::CurrentUser`] loads users from (e.g. a local cache). Defaults to the
    /// Backend API (`GET /v1/users/{user_id}` through the [`ClerkClient`]).
    pub fn user_source(mut self, source: Arc<dyn UserSource>) -> Self {
        self.user_source = Some(source);
        self
    }

    /// The Backend API client the [`crate::Clerk`] uses, instead of one built from these
    /// settings: pass the client [`build_client`](Self::build_client) gave to a user source, so
    /// that both share one rate budget. Defaults to building one.
    ///
    /// [`build`](Self::build) refuses a client of another instance (secret key or API URL).
    pub fn client(mut self, client: ClerkClient) -> Self {
        self.built_client = Some(client);
        self
    }

    /// The Backend API client of these settings, `None` without a secret key (networkless
    /// mode); the one given with [`client`](Self::client) if any.
    ///
    /// # Errors
    ///
    /// A [`ConfigError`] naming the client setting at fault.
    pub fn build_client(&self) -> Result<Option<ClerkClient>, ConfigError> {
        if let Some(client) = &self.built_client {
            return Ok(Some(client.clone()));
        }
        let checked = self.client.check()?;
        if checked.secret_key.is_none() {
            return Ok(None);
        }
        check_key_pair(
            self.parsed_publishable_key()?.as_ref(),
            checked.secret_key.as_ref(),
        )?;
        ClerkClient::from_checked(self.client.clone(), checked).map(Some)
    }

    /// Whether a secret key is given ([`secret_key`](Self::secret_key), `CLERK_SECRET_KEY`).
    /// (Checked by `build`, not here.)
    pub fn has_secret_key(&self) -> bool {
        self.client.has_secret_key()
    }

    /// Whether a PEM public key is given ([`jwt_key_pem`](Self::jwt_key_pem), `CLERK_JWT_KEY`):
    /// with it, [`build`](Self::build) needs no secret key. (Checked by `build`, not here.)
    pub fn has_jwt_key(&self) -> bool {
        self.strings.jwt_key_pem.is_some()
    }

    /// The publishable key, parsed: the instance these settings name (`None` when not set).
    ///
    /// # Errors
    ///
    /// A [`ConfigError`] on `CLERK_PUBLISHABLE_KEY` when it is malformed.
    pub fn parsed_publishable_key(&self) -> Result<Option<PublishableKey>, ConfigError> {
        self.strings
            .publishable_key
            .as_deref()
            .map(PublishableKey::parse)
            .transpose()
            .map_err(|err| ConfigError::new("CLERK_PUBLISHABLE_KEY", err.to_string()))
    }

    /// The validated configuration, the client (when there is a secret key) and the user source:
    /// what [`build`](Self::build) (in `clerk.rs`, so that this module does not depend on the
    /// runtime handle) turns into a [`crate::Clerk`].
    pub(crate) fn resolve(self) -> Result<Resolved, ConfigError> {
        let checked = self.client.check()?;
        let secret_key = checked.secret_key.clone();
        let publishable_key = self.parsed_publishable_key()?;
        check_key_pair(publishable_key.as_ref(), checked.secret_key.as_ref())?;
        let instance_type = publishable_key
            .as_ref()
            .map(PublishableKey::instance_type)
            .or_else(|| checked.secret_key.as_ref().and_then(|key| key.instance_type()))
            .unwrap_or(InstanceType::Production);
        let jwt_key = self
            .strings
            .jwt_key_pem
            .as_deref()
            .map(VerifyingKey::from_pem)
            .transpose()
            .map_err(|err| ConfigError::new("CLERK_JWT_KEY", err.to_string()))?;
        let mut api_url = checked.root.clone();
        let mut api_version = checked.version.clone();
        let client = match (self.built_client, &checked.secret_key) {
            (Some(client), Some(secret)) => {
                if client.cache_scope() != &CacheScope::new(&checked.root, secret) {
                    return Err(ConfigError::new(
                        "CLERK_SECRET_KEY",
                        "the client given to ClerkConfig::client belongs to another instance \
                         (another secret key or API URL)",
                    ));
                }
                // The client given is what calls the API: the resolved settings report its URL
                // and version, not this builder's.
                let (url, version) = client.api_url_and_version();
                (api_url, api_version) = (url.to_owned(), version.to_owned());
                Some(client)
            }
            (Some(_), None) => {
                return Err(ConfigError::new(
                    "CLERK_SECRET_KEY",
                    "missing: a client was given to ClerkConfig::client, but no secret key",
                ))
            }
            (None, Some(_)) => Some(ClerkClient::from_checked(self.client, checked)?),
            (None, None) => None,
        };
        // The keys: the PEM when there is one, else the instance's JWKS through the client.
        let keys = match (&jwt_key, &client) {
            (Some(key), _) => KeySource::Pem(StaticKey(Arc::new(key.clone()))),
            (None, Some(client)) => KeySource::Jwks {
                cache: Arc::new(JwksCache::new(client.cache_scope().clone(), self.settings.jwks)),
                fetcher: client.clone(),
            },
            (None, None) => {
                return Err(ConfigError::new(
                    "CLERK_SECRET_KEY",
                    "missing: set CLERK_SECRET_KEY (or CLERK_JWT_KEY for networkless verification)",
                ))
            }
        };
        for party in &self.settings.authorized_parties {
            check_origin("CLERK_AUTHORIZED_PARTIES", party)?;
        }
        if self.settings.audience.iter().any(|aud| aud.trim().is_empty()) {
            return Err(ConfigError::new(
                "CLERK_AUDIENCE",
                "has an empty entry: an empty audience would match no token",
            ));
        }
        if self.settings.jwks.refetch_cooldown < MIN_JWKS_REFETCH_COOLDOWN {
            // JWKS fetches take no rate-budget slot: without a cooldown every unknown `kid` (a
            // forged token's choice) would send one, back to back.
            return Err(ConfigError::new(
                "CLERK_JWKS_REFETCH_COOLDOWN_MS",
                format!("must be at least {} ms", MIN_JWKS_REFETCH_COOLDOWN.as_millis()),
            ));
        }
        let domains = self
            .domains
            .resolve(instance_type, self.strings.sign_in_url.as_deref())?;
        if domains.multi_domain.relative_proxy_path().is_some()
            && instance_type == InstanceType::Production
            && self.settings.authorized_parties.is_empty()
        {
            // Behind a path, a token's issuer is `{origin}{path}`: believed only for an origin
            // the configuration names, never for whatever `Host` a request claims.
            return Err(ConfigError::new(
                "CLERK_PROXY_URL",
                "a relative proxy URL on a production instance needs CLERK_AUTHORIZED_PARTIES: the \
                 origins the application is served on (its tokens' issuer is {origin}{path})",
            ));
        }
        let fapi_url = self
            .strings
            .fapi_url
            .as_deref()
            .map(|url| {
                ProxyTarget::new(url, DEFAULT_PROXY_PATH)
                    .map(|target| target.upstream().to_owned())
                    .map_err(|err| ConfigError::new("CLERK_FAPI_URL", err.to_string()))
            })
            .transpose()?;
        let webhook_verifier = self
            .strings
            .webhook_signing_secret
            .as_deref()
            .map(|secrets| {
                WebhookVerifier::from_env_value(secrets)
                    .map_err(|err| ConfigError::new("CLERK_WEBHOOK_SIGNING_SECRET", err.to_string()))
            })
            .transpose()?;
        let sign_in_url_configured = self.strings.sign_in_url.is_some();
        let sign_in_url = match self.strings.sign_in_url {
            Some(url) => {
                if url::Url::parse(&url).is_err() && !url.starts_with('/') {
                    return Err(ConfigError::new(
                        "CLERK_SIGN_IN_URL",
                        format!("{url:?} is neither an absolute URL nor a path"),
                    ));
                }
                Some(url)
            }
            None => publishable_key.as_ref().map(account_portal_sign_in),
        };
        let config = ResolvedConfig {
            publishable_key,
            secret_key,
            webhook_verifier,
            jwt_key,
            api_url,
            api_version,
            client: client.as_ref().map(ClerkClient::describe_config),
            settings: self.settings,
            sign_in_url,
            sign_in_url_configured,
            sign_up_url: self.domains.sign_up_url,
            fapi_url,
            multi_domain: domains.multi_domain,
            organization_sync: domains.organization_sync,
            satellite_origins: domains.satellite_origins,
            instance_type,
            clock: self.clock.unwrap_or_else(|| Arc::new(SystemTime::now)),
        };
        Ok(Resolved {
            config,
            keys,
            client,
            users: self.user_source,
        })
    }
}

/// What [`ClerkConfig::build`] turns into a [`crate::Clerk`].
pub(crate) struct Resolved {
    pub(crate) config: ResolvedConfig,
    pub(crate) keys: KeySource,
    pub(crate) client: Option<ClerkClient>,
    pub(crate) users: Option<Arc<dyn UserSource>>,
}

/// A validated configuration, as the runtime uses it.
#[derive(Clone)]
pub struct ResolvedConfig {
    pub(crate) publishable_key: Option<PublishableKey>,
    /// `CLERK_SECRET_KEY`, checked (its `Debug` shows nothing of it).
    pub(crate) secret_key: Option<SecretKey>,
    /// `CLERK_WEBHOOK_SIGNING_SECRET`, checked.
    pub(crate) webhook_verifier: Option<WebhookVerifier>,
    pub(crate) jwt_key: Option<VerifyingKey>,
    pub(crate) api_url: String,
    pub(crate) api_version: String,
    /// The settings of the Backend API client these settings resolved to, as their `Debug`
    /// shows them (keys redacted; `None` without a secret key).
    pub(crate) client: Option<String>,
    pub(crate) settings: Settings,
    pub(crate) sign_in_url: Option<String>,
    /// Whether `sign_in_url` was given (else it is the Account Portal's, or none).
    pub(crate) sign_in_url_configured: bool,
    pub(crate) sign_up_url: Option<String>,
    /// `CLERK_FAPI_URL`, checked, without a trailing slash.
    pub(crate) fapi_url: Option<String>,
    pub(crate) multi_domain: MultiDomain,
    pub(crate) organization_sync: OrganizationSync,
    pub(crate) satellite_origins: Vec<String>,
    pub(crate) instance_type: InstanceType,
    pub(crate) clock: Clock,
}

/// Every resolved setting. The struct is taken apart field by field, so a field added to
/// [`ResolvedConfig`] does not compile until it is shown here (or left out on purpose, as the
/// clock is); a key is shown only as set, and the client's secrets as its own `Debug` redacts them.
/// Text that is already a `Debug` rendering, shown as it is.
struct Shown<'a>(&'a str);

impl fmt::Debug for Shown<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.0)
    }
}

impl fmt::Debug for ResolvedConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let Self {
            publishable_key,
            secret_key,
            webhook_verifier,
            jwt_key,
            api_url,
            api_version,
            client,
            settings,
            sign_in_url,
            sign_in_url_configured,
            sign_up_url,
            fapi_url,
            multi_domain,
            organization_sync,
            satellite_origins,
            instance_type,
            clock: _,
        } = self;
        let mut f = f.debug_struct("ResolvedConfig");
        f.field("publishable_key", publishable_key)
            .field("secret_key", &secret_key.as_ref().map(|_| "[set]"))
            .field("webhook_verifier", &webhook_verifier.as_ref().map(|_| "[set]"))
            .field("jwt_key", &jwt_key.as_ref().map(|_| "[set]"))
            .field("api_url", api_url)
            .field("api_version", api_version)
            .field("client", &client.as_deref().map(Shown))
            .field("instance_type", instance_type)
            .field("sign_in_url", sign_in_url)
            .field("sign_in_url_configured", sign_in_url_configured)
            .field("sign_up_url", sign_up_url)
            .field("fapi_url", fapi_url)
            .field("multi_domain", multi_domain)
            .field("organization_sync", organization_sync)
            .field("satellite_origins", satellite_origins);
        settings.debug_fields(&mut f);
        f.finish_non_exhaustive()
    }
}

impl ResolvedConfig {
    /// Logs what these settings leave unprotected (once, when the [`crate::Clerk`] is built).
    pub(crate) fn warn_about_gaps(&self) {
        if let Some(warning) = parties_warning(self.settings.cookie_auth, &self.settings.authorized_parties) {
            tracing::warn!("{warning}");
        }
        if self.publishable_key.is_none() {
            tracing::warn!(
                "clerk: CLERK_PUBLISHABLE_KEY is not set; the issuer check and Clerk's cookie rules are off"
            );
        }
    }

    /// The Backend API base URL (no trailing slash).
    pub fn api_url(&self) -> &str {
        &self.api_url
    }

    /// The URL version segment (`v1`).
    pub fn api_version(&self) -> &str {
        &self.api_version
    }

    /// The publishable key, if configured.
    pub fn publishable_key(&self) -> Option<&PublishableKey> {
        self.publishable_key.as_ref()
    }

    /// Development or production.
    pub fn instance_type(&self) -> InstanceType {
        self.instance_type
    }

    /// The sign-in URL for redirects, if one is known.
    pub fn sign_in_url(&self) -> Option<&str> {
        self.sign_in_url.as_deref()
    }

    /// The sign-up URL, if one is configured.
    pub fn sign_up_url(&self) -> Option<&str> {
        self.sign_up_url.as_deref()
    }

    /// Proxy, domain and satellite settings.
    pub fn multi_domain(&self) -> &MultiDomain {
        &self.multi_domain
    }

    /// The instance's secret key (`CLERK_SECRET_KEY`), checked; `None` in networkless mode. For
    /// what must forward it to Clerk itself, such as a Frontend API proxy
    /// ([`FrontendApiProxy::new`](crate::proxy::FrontendApiProxy::new)); never log it.
    pub fn secret_key(&self) -> Option<&SecretKey> {
        self.secret_key.as_ref()
    }

    /// The verifier of Clerk's webhooks for `CLERK_WEBHOOK_SIGNING_SECRET`'s secrets; `None`
    /// when none is set.
    pub fn webhook_verifier(&self) -> Option<&WebhookVerifier> {
        self.webhook_verifier.as_ref()
    }

    /// `CLERK_PROXY_URL` as configured (an absolute URL, or a path such as `/__clerk` on each
    /// request's origin), without trailing slashes; `None` when there is no proxy.
    pub fn proxy_url(&self) -> Option<&str> {
        self.multi_domain.proxy()
    }

    /// `CLERK_FAPI_URL` (Clerk's `fapiUrl`), checked as a Frontend API proxy's upstream (https,
    /// or http to a loopback host), without a trailing slash; `None` when not set.
    pub fn fapi_url(&self) -> Option<&str> {
        self.fapi_url.as_deref()
    }

    /// The Frontend API a Frontend API proxy forwards to, as Clerk's proxy picks it:
    /// [`fapi_url`](Self::fapi_url) when set, else Clerk's for the publishable key's Frontend API
    /// ([`upstream_for_frontend_api`]); `None` with neither.
    pub fn proxy_upstream(&self) -> Option<&str> {
        self.fapi_url().or_else(|| {
            self.publishable_key
                .as_ref()
                .map(|key| upstream_for_frontend_api(key.frontend_api()))
        })
    }

    /// The satellites' origins a primary domain may send a browser back to after a satellite
    /// sync (`CLERK_SATELLITE_ORIGINS`).
    pub fn satellite_origins(&self) -> &[String] {
        &self.satellite_origins
    }

    /// The authorized parties.
    pub fn authorized_parties(&self) -> &[String] {
        &self.settings.authorized_parties
    }

    /// Clerk's `audience` option (`CLERK_AUDIENCE`).
    pub fn audience(&self) -> &[String] {
        &self.settings.audience
    }

    /// How long opaque machine-token verifications are reused (`CLERK_MACHINE_TOKEN_CACHE_TTL_MS`).
    pub fn machine_token_cache_ttl(&self) -> Duration {
        self.settings.machine_token_cache_ttl
    }

    /// The peers whose `X-Forwarded-*` headers are believed (`CLERK_TRUSTED_PROXIES`): for the
    /// request's origin, and for the client address an application logs
    /// ([`crate::request::client_ip`]).
    pub fn trusted_proxies(&self) -> &[IpAddr] {
        &self.settings.trusted_proxies
    }

    /// Default protect mode.
    pub fn protect_mode(&self) -> ProtectMode {
        self.settings.protect_mode
    }

    /// "Now", by the configured clock.
    pub fn now(&self) -> SystemTime {
        (self.clock)()
    }
}

/// The shortest JWKS refetch cooldown accepted.
const MIN_JWKS_REFETCH_COOLDOWN: Duration = Duration::from_secs(1);

/// Refuses a secret key and a publishable key of different instance types (`sk_live_` with
/// `pk_test_`, or the reverse): they cannot belong to one instance, and the mix would otherwise
/// start silently and refuse every token.
fn check_key_pair(
    publishable: Option<&PublishableKey>,
    secret: Option<&SecretKey>,
) -> Result<(), ConfigError> {
    let (Some(publishable), Some(secret_type)) = (publishable, secret.and_then(SecretKey::instance_type))
    else {
        return Ok(());
    };
    let name = |kind| match kind {
        InstanceType::Production => "a live (production) key",
        InstanceType::Development => "a test (development) key",
    };
    if publishable.instance_type() == secret_type {
        return Ok(());
    }
    Err(ConfigError::new(
        "CLERK_SECRET_KEY",
        format!(
            "is {} but CLERK_PUBLISHABLE_KEY is {}: both must come from the same Clerk instance \
             (Dashboard → API keys, with the same instance selected)",
            name(secret_type),
            name(publishable.instance_type()),
        ),
    ))
}

/// The start-up warning about `CLERK_AUTHORIZED_PARTIES`, when one is due: cookies are accepted
/// and no origin is listed. (A variable that is set but lists no origin never gets here: it is a
/// configuration error.)
fn parties_warning(cookie_auth: bool, parties: &[String]) -> Option<&'static str> {
    (cookie_auth && parties.is_empty()).then_some(
        "clerk: cookie authentication is on but CLERK_AUTHORIZED_PARTIES is empty; \
         set it to your frontend origins so that a __session cookie minted for another origin is refused",
    )
}

/// Clerk's Account Portal sign-in page of an instance: its Account Portal origin
/// ([`PublishableKey::account_portal_origin`]) + `/sign-in`.
#[cfg(test)]
mod tests {
    use super::*;

    fn lookup(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
        let pairs: Vec<(String, String)> = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        move |name| pairs.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone())
    }

    fn resolve(pairs: &[(&str, &str)]) -> Result<ResolvedConfig, ConfigError> {
        ClerkConfig::from_lookup(lookup(pairs))
            .and_then(ClerkConfig::resolve)
            .map(|resolved| resolved.config)
    }

    /// A PEM public key (the fixture clerk-core signs its test tokens for).
    const PEM: &str = include_str!(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../clerk-core/tests/fixtures/test_signing_key.public.pem"
    ));

    /// Every variable of the table on [`ClerkConfig`], read from this file's own doc comment.
    fn documented_variables() -> Vec<&'static str> {
        include_str!("config.rs")
            .lines()
            .filter_map(|line| line.trim_start().strip_prefix("/// | `CLERK_"))
            .flat_map(|row| {
                // The first cell, without its opening "`CLERK_": `CLERK_…` names separated by
                // commas, each name at an even place between the backticks.
                let cell = row.split('|').next().unwrap_or_default();
                cell.split('`')
                    .step_by(2)
                    .map(|name| name.trim_start_matches("CLERK_"))
                    .filter(|name| !name.trim_matches([',', ' ']).is_empty())
                    .collect::<Vec<_>>()
            })
            .collect()
    }

    /// A value of each documented variable (besides a secret key, and the other variables it
    /// needs), the field of [`ResolvedConfig`]'s `Debug` that shows it, and whether it is a
    /// secret (its value must never show).
    type Sample = (
        &'static str,
        &'static str,
        &'static [(&'static str, &'static str)],
        &'static str,
        bool,
    );

    const SAMPLES: &[Sample] = &[
        (
            "SECRET_KEY",
            "sk_test_TOPSECRET1",
            &[("CLERK_JWT_KEY", PEM)],
            "secret_key",
            true,
        ),
        (
            "PUBLISHABLE_KEY",
            "pk_test_aGFwcHktaGlwcG8tNDIuY2xlcmsuYWNjb3VudHMuZGV2JA",
            &[],
            "publishable_key",
            false,
        ),
        ("JWT_KEY", PEM, &[], "jwt_key", true),
        ("API_URL", "http://127.0.0.1:9999", &[], "api_url", false),
        ("API_VERSION", "v2", &[], "api_version", false),
        (
            "AUTHORIZED_PARTIES",
            "https://app.example.com",
            &[],
            "authorized_parties",
            false,
        ),
        ("SIGN_IN_URL", "/sign-in", &[], "sign_in_url", false),
        ("SIGN_UP_URL", "/sign-up", &[], "sign_up_url", false),
        (
            "WEBHOOK_SIGNING_SECRET",
            "whsec_c2VjcmV0c2VjcmV0",
            &[],
            "webhook_verifier",
            true,
        ),
        ("PROXY_URL", "/__clerk", &[], "proxy_url", false),
        ("FAPI_URL", "https://fapi.example.com", &[], "fapi_url", false),
        ("DOMAIN", "example.com", &[], "domain", false),
        (
            "IS_SATELLITE",
            "true",
            &[
                ("CLERK_DOMAIN", "satellite.example.com"),
                ("CLERK_SIGN_IN_URL", "https://primary.example.com/sign-in"),
            ],
            "is_satellite",
            false,
        ),
        ("SATELLITE_AUTO_SYNC", "true", &[], "satellite_auto_sync", false),
        (
            "SATELLITE_ORIGINS",
            "https://satellite.example.org",
            &[],
            "satellite_origins",
            false,
        ),
        ("ORGANIZATION_PATTERNS", "/orgs/:slug", &[], "organization", false),
        ("PERSONAL_ACCOUNT_PATTERNS", "/me", &[], "personal_account", false),
        ("CLOCK_SKEW_MS", "2000", &[], "clock_skew", false),
        (
            "TREAT_PENDING_AS_SIGNED_OUT",
            "false",
            &[],
            "treat_pending_as_signed_out",
            false,
        ),
        ("COOKIE_AUTH", "false", &[], "cookie_auth", false),
        ("TRUSTED_PROXIES", "10.0.0.1", &[], "trusted_proxies", false),
        ("ISSUER_CHECK", "false", &[], "issuer_check", false),
        ("JWKS_TTL_MS", "1000", &[], "ttl", false),
        ("JWKS_REFETCH_COOLDOWN_MS", "2000", &[], "refetch_cooldown", false),
        ("JWKS_MAX_STALE_MS", "1000", &[], "max_stale", false),
        ("TOKEN_CACHE_CAPACITY", "0", &[], "token_cache_capacity", false),
        ("AUDIENCE", "api", &[], "audience", false),
        (
            "MACHINE_TOKEN_CACHE_TTL_MS",
            "0",
            &[],
            "machine_token_cache_ttl",
            false,
        ),
        (
            "MACHINE_SECRET_KEY",
            "ak_TOPSECRET2",
            &[],
            "machine_secret_key",
            true,
        ),
        ("HTTP_TIMEOUT_MS", "1234", &[], "timeout", false),
        ("API_RATE_LIMIT", "40", &[], "rate_limit", false),
    ];

    /// The `Debug` of the configuration these variables resolve to.
    fn resolved_debug(pairs: &[(&str, &str)]) -> String {
        let config = resolve(pairs).unwrap_or_else(|err| panic!("{pairs:?}: {err}"));
        format!("{config:?}")
    }

    /// Issue 25, item 5: `ResolvedConfig`'s `Debug` shows every setting the table documents (the
    /// domain settings, the proxy, the client's…), each by its field: setting it changes what
    /// `Debug` shows. A variable added to the table without a sample here fails.
    #[test]
    fn the_resolved_debug_shows_every_documented_variable_by_its_field() {
        let documented = documented_variables();
        assert!(documented.len() >= 30, "{documented:?}");
        for variable in &documented {
            assert!(
                SAMPLES.iter().any(|(name, ..)| *name == *variable),
                "CLERK_{variable} is documented but has no sample here"
            );
        }
        for (name, value, context, field, _) in SAMPLES {
            assert!(documented.contains(name), "CLERK_{name} is not documented");
            let variable = format!("CLERK_{name}");
            let mut pairs: Vec<(&str, &str)> = context.to_vec();
            if *name != "SECRET_KEY" {
                pairs.push(("CLERK_SECRET_KEY", "sk_test_abc123"));
            }
            let without = resolved_debug(&pairs);
            pairs.push((variable.as_str(), *value));
            let with = resolved_debug(&pairs);
            assert_ne!(with, without, "{variable} does not show");
            assert!(
                with.contains(&format!("{field}: ")),
                "{variable}: no {field} in {with}"
            );
        }
    }

    /// Issue 25, item 5: no secret's value shows in either configuration's `Debug`, whatever is
    /// set beside it; every string the description shows only as set is a secret sample here, so
    /// a new secret string is covered once it is described.
    #[test]
    fn no_secret_shows_in_either_debug() {
        let secrets: Vec<(String, &str)> = SAMPLES
            .iter()
            .filter(|(.., secret)| *secret)
            .map(|(name, value, ..)| (format!("CLERK_{name}"), *value))
            .collect();
        for (variable, shown) in super::settings::Strings::SHOWN {
            let secret = secrets.iter().any(|(name, _)| name.as_str() == *variable);
            assert_eq!(*shown == super::settings::ShownAs::Set, secret, "{variable}");
        }
        let all: Vec<(&str, &str)> = SAMPLES
            .iter()
            .filter(|(name, ..)| !["IS_SATELLITE", "PROXY_URL"].contains(name))
            .map(|(name, value, ..)| (*name, *value))
            .collect();
        let variables: Vec<(String, &str)> = all
            .iter()
            .map(|(name, value)| (format!("CLERK_{name}"), *value))
            .collect();
        let pairs: Vec<(&str, &str)> = variables
            .iter()
            .map(|(name, value)| (name.as_str(), *value))
            .collect();
        let given = format!("{:?}", ClerkConfig::from_lookup(lookup(&pairs)).unwrap());
        let resolved = resolved_debug(&pairs);
        for (variable, value) in &secrets {
            // A PEM shows nowhere, not even one line of its body.
            let marker = value.lines().nth(1).unwrap_or(value);
            for debug in [&given, &resolved] {
                assert!(!debug.contains(marker), "{variable} shows: {debug}");
            }
        }
        assert!(resolved.contains(r#"jwt_key: Some("[set]")"#), "{resolved}");
    }

    /// Issue 25, item 5: the app's Frontend API proxy reads `CLERK_PROXY_URL` and `CLERK_FAPI_URL`
    /// (Clerk's name for the proxy's upstream) from here, checked once.
    #[test]
    fn the_proxy_settings_are_read_once_and_exposed() {
        let key = ("CLERK_SECRET_KEY", "sk_test_abc123");
        let publishable = (
            "CLERK_PUBLISHABLE_KEY",
            "pk_test_aGFwcHktaGlwcG8tNDIuY2xlcmsuYWNjb3VudHMuZGV2JA",
        );
        let config = resolve(&[key, ("CLERK_PROXY_URL", "/__clerk/")]).unwrap();
        assert_eq!(config.proxy_url(), Some("/__clerk"));
        assert_eq!(config.fapi_url(), None);
        assert_eq!(config.proxy_upstream(), None, "no key, no Frontend API");
        let config = resolve(&[key, publishable]).unwrap();
        assert_eq!(config.proxy_url(), None);
        assert_eq!(config.proxy_upstream(), Some(clerk_core::proxy::DEFAULT_UPSTREAM));
        let config = resolve(&[key, publishable, ("CLERK_FAPI_URL", "https://fapi.example.com/")]).unwrap();
        assert_eq!(config.fapi_url(), Some("https://fapi.example.com"));
        assert_eq!(config.proxy_upstream(), Some("https://fapi.example.com"));
        let loopback = resolve(&[key, ("CLERK_FAPI_URL", "http://127.0.0.1:8081")]).unwrap();
        assert_eq!(loopback.proxy_upstream(), Some("http://127.0.0.1:8081"));
        for bad in [
            "http://fapi.example.com",
            "fapi.example.com",
            "https://u:p@fapi.example.com",
        ] {
            let err = resolve(&[key, ("CLERK_FAPI_URL", bad)]).map(drop).expect_err(bad);
            assert_eq!(err.variable, "CLERK_FAPI_URL", "{bad}: {err}");
        }
        assert!(!ClerkConfig::new().secret_key("sk_test_x").has_jwt_key());
        assert!(ClerkConfig::new().jwt_key_pem(PEM).has_jwt_key());
    }

    /// Issue 25, item 5: the app reads the trusted proxies from here instead of parsing
    /// `CLERK_TRUSTED_PROXIES` again.
    #[test]
    fn the_trusted_proxies_are_read_once_and_exposed() {
        let key = ("CLERK_SECRET_KEY", "sk_test_abc123");
        let config = resolve(&[key, ("CLERK_TRUSTED_PROXIES", "10.0.0.1, ::1")]).unwrap();
        let expected: [IpAddr; 2] = ["10.0.0.1".parse().unwrap(), "::1".parse().unwrap()];
        assert_eq!(config.trusted_proxies(), expected);
        assert!(resolve(&[key]).unwrap().trusted_proxies().is_empty());
        let err = resolve(&[key, ("CLERK_TRUSTED_PROXIES", "proxy")]).unwrap_err();
        assert!(err.to_string().contains("CLERK_TRUSTED_PROXIES"), "{err}");
    }

    /// Issue 22, item 6: `CLERK_AUDIENCE=","` turned the audience check off without a word.
    #[test]
    fn an_empty_list_entry_is_a_configuration_error_naming_the_variable() {
        let key = ("CLERK_SECRET_KEY", "sk_test_abc123");
        for variable in [
            "CLERK_AUDIENCE",
            "CLERK_AUTHORIZED_PARTIES",
            "CLERK_TRUSTED_PROXIES",
            "CLERK_SATELLITE_ORIGINS",
            "CLERK_ORGANIZATION_PATTERNS",
            "CLERK_PERSONAL_ACCOUNT_PATTERNS",
        ] {
            for value in [",", " , ", "a,,b", "a,", ",a"] {
                let err = resolve(&[key, (variable, value)]).map(|_| ()).expect_err(value);
                assert_eq!(err.variable, variable, "{variable}={value:?}: {err}");
            }
        }
        let err = ClerkConfig::new()
            .secret_key("sk_test_abc123")
            .audience([""])
            .resolve()
            .map(|_| ())
            .expect_err("an empty audience");
        assert_eq!(err.variable, "CLERK_AUDIENCE");
        let ok = resolve(&[key, ("CLERK_AUDIENCE", "a, b")]).expect("a list");
        assert_eq!(ok.audience(), vec!["a".to_owned(), "b".to_owned()]);
    }

    #[test]
    fn a_relative_proxy_on_production_needs_the_applications_origins() {
        let key = ("CLERK_SECRET_KEY", "sk_live_abc123");
        let proxy = ("CLERK_PROXY_URL", "/__clerk");
        let err = resolve(&[key, proxy]).map(|_| ()).expect_err("no origins");
        assert_eq!(err.variable, "CLERK_PROXY_URL");
        let parties = ("CLERK_AUTHORIZED_PARTIES", "https://app.example.com");
        assert!(resolve(&[key, proxy, parties]).is_ok());
        let dev = ("CLERK_SECRET_KEY", "sk_test_abc123");
        assert!(
            resolve(&[dev, proxy]).is_ok(),
            "development trusts loopback origins"
        );
    }

    #[test]
    fn environment_names_are_clerks() {
        let Resolved { config, client, .. } = ClerkConfig::from_lookup(lookup(&[
            ("CLERK_SECRET_KEY", "sk_test_abc123"),
            (
                "CLERK_PUBLISHABLE_KEY",
                "pk_test_aGFwcHktaGlwcG8tNDIuY2xlcmsuYWNjb3VudHMuZGV2JA",
            ),
            ("CLERK_API_URL", "http://127.0.0.1:9999/"),
            (
                "CLERK_AUTHORIZED_PARTIES",
                "http://localhost:3000, https://app.example.com",
            ),
            ("CLERK_CLOCK_SKEW_MS", "2000"),
            ("CLERK_API_RATE_LIMIT", "40"),
            ("CLERK_JWKS_REFETCH_COOLDOWN_MS", "1000"),
        ]))
        .unwrap()
        .resolve()
        .unwrap();
        assert_eq!(config.api_url(), "http://127.0.0.1:9999");
        assert_eq!(config.api_version(), "v1");
        assert_eq!(
            config.authorized_parties(),
            ["http://localhost:3000", "https://app.example.com"]
        );
        assert_eq!(config.settings.clock_skew, Duration::from_secs(2));
        assert_eq!(
            config.settings.jwks.refetch_cooldown,
            Duration::from_secs(1),
            "the least accepted"
        );
        assert_eq!(config.instance_type(), InstanceType::Development);
        assert_eq!(
            config.sign_in_url(),
            Some("https://happy-hippo-42.accounts.dev/sign-in")
        );
        let limit = client.expect("a client").metrics().rate_budget.limit;
        assert_eq!(limit.requests, 40);
    }

    /// Issue 11, item 5: every bad value is reported against the variable that holds it (the
    /// timeout used to be reported as `CLERK_API_URL`).
    #[test]
    fn bad_values_name_their_variable() {
        let key = ("CLERK_SECRET_KEY", "sk_test_x");
        let cases: &[(&[(&str, &str)], &str)] = &[
            (&[], "CLERK_SECRET_KEY"),
            (
                &[key, ("CLERK_PUBLISHABLE_KEY", "pk_nope")],
                "CLERK_PUBLISHABLE_KEY",
            ),
            (&[("CLERK_JWT_KEY", "not a pem")], "CLERK_JWT_KEY"),
            (&[key, ("CLERK_API_URL", "ftp://x")], "CLERK_API_URL"),
            (
                &[key, ("CLERK_API_URL", "https://api.clerk.com?x=1")],
                "CLERK_API_URL",
            ),
            (&[key, ("CLERK_API_URL", "api.clerk.com")], "CLERK_API_URL"),
            (&[key, ("CLERK_API_VERSION", "../v1")], "CLERK_API_VERSION"),
            (&[key, ("CLERK_API_VERSION", "v1?x")], "CLERK_API_VERSION"),
            (&[key, ("CLERK_HTTP_TIMEOUT_MS", "0")], "CLERK_HTTP_TIMEOUT_MS"),
            (&[key, ("CLERK_HTTP_TIMEOUT_MS", "soon")], "CLERK_HTTP_TIMEOUT_MS"),
            (&[key, ("CLERK_API_RATE_LIMIT", "0")], "CLERK_API_RATE_LIMIT"),
            (&[key, ("CLERK_API_RATE_LIMIT", "lots")], "CLERK_API_RATE_LIMIT"),
            (&[key, ("CLERK_CLOCK_SKEW_MS", "soon")], "CLERK_CLOCK_SKEW_MS"),
            (&[key, ("CLERK_COOKIE_AUTH", "maybe")], "CLERK_COOKIE_AUTH"),
            (&[key, ("CLERK_ISSUER_CHECK", "2")], "CLERK_ISSUER_CHECK"),
            (
                &[key, ("CLERK_TREAT_PENDING_AS_SIGNED_OUT", "perhaps")],
                "CLERK_TREAT_PENDING_AS_SIGNED_OUT",
            ),
            (&[key, ("CLERK_JWKS_TTL_MS", "-1")], "CLERK_JWKS_TTL_MS"),
            (
                &[key, ("CLERK_JWKS_REFETCH_COOLDOWN_MS", "1.5")],
                "CLERK_JWKS_REFETCH_COOLDOWN_MS",
            ),
            // No fetch takes a rate-budget slot: a cooldown is all that paces unknown kids.
            (
                &[key, ("CLERK_JWKS_REFETCH_COOLDOWN_MS", "0")],
                "CLERK_JWKS_REFETCH_COOLDOWN_MS",
            ),
            (
                &[key, ("CLERK_JWKS_REFETCH_COOLDOWN_MS", "999")],
                "CLERK_JWKS_REFETCH_COOLDOWN_MS",
            ),
            (
                &[key, ("CLERK_JWKS_MAX_STALE_MS", "1h")],
                "CLERK_JWKS_MAX_STALE_MS",
            ),
            (
                &[key, ("CLERK_TOKEN_CACHE_CAPACITY", "many")],
                "CLERK_TOKEN_CACHE_CAPACITY",
            ),
            (
                &[key, ("CLERK_AUTHORIZED_PARTIES", "not a url")],
                "CLERK_AUTHORIZED_PARTIES",
            ),
            (&[key, ("CLERK_SIGN_IN_URL", "sign-in")], "CLERK_SIGN_IN_URL"),
            (
                &[key, ("CLERK_TRUSTED_PROXIES", "10.0.0.300")],
                "CLERK_TRUSTED_PROXIES",
            ),
        ];
        for (vars, variable) in cases {
            let err = resolve(vars).unwrap_err();
            assert_eq!(err.variable, *variable, "{vars:?}: {err}");
        }
    }

    /// Issue 16, §2: Clerk compares `azp` with each entry exactly, so an entry that is not an
    /// exact origin can never match and is refused at start, naming the entry.
    #[test]
    fn authorized_parties_are_exact_origins() {
        let parties = |list: &str| {
            resolve(&[
                ("CLERK_SECRET_KEY", "sk_test_x"),
                ("CLERK_AUTHORIZED_PARTIES", list),
            ])
        };
        for good in [
            "http://localhost:3000",
            "https://app.example.com",
            "https://app.example.com:8443, http://127.0.0.1:5173",
            "http://[::1]:3000",
        ] {
            parties(good).unwrap_or_else(|err| panic!("{good}: {err}"));
        }
        for (bad, hint) in [
            ("http://localhost:3000/", "\"http://localhost:3000\""),
            ("https://app.example.com/app", "\"https://app.example.com\""),
            ("https://app.example.com?x=1", "\"https://app.example.com\""),
            ("https://App.Example.com", "\"https://app.example.com\""),
            ("https://app.example.com:443", "\"https://app.example.com\""),
            ("localhost:3000", "http://localhost:3000"),
            ("app.example.com", "e.g. https://app.example.com"),
        ] {
            let err = parties(&format!("https://ok.example.com, {bad}")).unwrap_err();
            assert_eq!(err.variable, "CLERK_AUTHORIZED_PARTIES", "{bad}");
            assert!(err.message.contains(&format!("{bad:?}")), "{bad}: {err}");
            assert!(err.message.contains(hint), "{bad}: {err}");
        }
    }

    /// Issue 16, §2: the "CLERK_AUTHORIZED_PARTIES is empty" warning fires only when the variable
    /// is unset; set, it either lists origins (no warning) or is an error.
    #[test]
    fn the_empty_parties_warning_never_fires_when_the_variable_is_set() {
        // Decided by a pure function (log capture across parallel test threads is at the mercy of
        // tracing's global callsite cache); `resolve` logs exactly what it returns.
        let key = ("CLERK_SECRET_KEY", "sk_test_x");
        let unset = resolve(&[key]).expect("valid");
        assert!(parties_warning(unset.settings.cookie_auth, &unset.settings.authorized_parties).is_some());
        let set = resolve(&[key, ("CLERK_AUTHORIZED_PARTIES", "http://localhost:3000")]).expect("valid");
        assert!(parties_warning(set.settings.cookie_auth, &set.settings.authorized_parties).is_none());
        let blank = resolve(&[key, ("CLERK_AUTHORIZED_PARTIES", ",")]).unwrap_err();
        assert_eq!(blank.variable, "CLERK_AUTHORIZED_PARTIES");
        // Without cookie authentication there is nothing to warn about.
        assert!(parties_warning(false, &[]).is_none());
    }

    #[test]
    fn a_builder_option_is_named_too() {
        let err = ClerkConfig::new()
            .secret_key("sk_test_x")
            .client_config(|client| client.user_agent("bad\nagent"))
            .build()
            .unwrap_err();
        assert_eq!(err.variable, "user_agent");
        let err = ClerkConfig::new()
            .secret_key("sk_test_x")
            .client_config(|client| client.timeout(Duration::ZERO))
            .build()
            .unwrap_err();
        assert_eq!(err.variable, "CLERK_HTTP_TIMEOUT_MS");
    }

    #[test]
    fn a_client_of_another_instance_is_refused() {
        let other = ClerkConfig::new()
            .secret_key("sk_test_other")
            .build_client()
            .unwrap()
            .expect("a client");
        let err = ClerkConfig::new()
            .secret_key("sk_test_mine")
            .client(other)
            .build()
            .unwrap_err();
        assert_eq!(err.variable, "CLERK_SECRET_KEY");
        let config = ClerkConfig::new().secret_key("sk_test_mine");
        let mine = config.build_client().unwrap().expect("a client");
        let clerk = config.client(mine.clone()).build().expect("same instance");
        assert!(clerk.client().expect("a client").same_client(&mine));
        assert!(ClerkConfig::new().build_client().unwrap().is_none());
    }

    #[test]
    fn the_resolved_settings_report_the_given_clients_api_version() {
        // A client built with its own version segment, handed to a builder left at the default.
        let client = ClerkConfig::new()
            .secret_key("sk_test_mine")
            .api_version("v2")
            .build_client()
            .unwrap()
            .expect("a client");
        let clerk = ClerkConfig::new()
            .secret_key("sk_test_mine")
            .client(client)
            .build()
            .expect("same instance");
        assert_eq!(clerk.config().api_version(), "v2");
        assert_eq!(clerk.config().api_url(), "https://api.clerk.com");
    }

    #[test]
    fn secrets_never_show_in_debug() {
        let config = ClerkConfig::new()
            .secret_key("sk_live_TOPSECRET")
            .jwt_key_pem("PEMDATA");
        let debug = format!("{config:?}");
        assert!(
            !debug.contains("TOPSECRET") && !debug.contains("PEMDATA"),
            "{debug}"
        );
    }

    #[test]
    fn account_portal_urls() {
        let prod = PublishableKey::parse("pk_live_Y2xlcmsuZXhhbXBsZS5jb20k").unwrap();
        assert_eq!(
            account_portal_sign_in(&prod),
            "https://accounts.example.com/sign-in"
        );
        // The same function as the referrer rule: staging and custom hosts agree now.
        let staging = PublishableKey::from_host(
            "foo.clerk.accountsstage.dev",
            clerk_core::InstanceType::Development,
        );
        assert_eq!(
            account_portal_sign_in(&staging),
            "https://foo.accountsstage.dev/sign-in"
        );
        let custom = PublishableKey::from_host("auth.example.com", clerk_core::InstanceType::Production);
        assert_eq!(
            account_portal_sign_in(&custom),
            "https://auth.example.com/sign-in"
        );
    }

    // Issue 28, item 10: a live secret key with a test publishable key (or the reverse) is refused
    // when the client is built, before any call to Clerk, naming both kinds.
    #[test]
    fn keys_of_two_instance_types_are_refused() {
        let test_pk = "pk_test_aGFwcHktaGlwcG8tNDIuY2xlcmsuYWNjb3VudHMuZGV2JA";
        let live_pk = "pk_live_Y2xlcmsuZXhhbXBsZS5jb20k";
        for (secret, publishable, message) in [
            (
                "sk_live_abc123",
                test_pk,
                "CLERK_SECRET_KEY: is a live (production) key but CLERK_PUBLISHABLE_KEY is a test (development) key",
            ),
            (
                "sk_test_abc123",
                live_pk,
                "CLERK_SECRET_KEY: is a test (development) key but CLERK_PUBLISHABLE_KEY is a live (production) key",
            ),
        ] {
            let config = ClerkConfig::from_lookup(lookup(&[
                ("CLERK_SECRET_KEY", secret),
                ("CLERK_PUBLISHABLE_KEY", publishable),
            ]))
            .unwrap();
            let err = config.build_client().map(drop).expect_err("refused");
            assert!(err.to_string().contains(message), "{err}");
            assert!(!err.to_string().contains("abc123"), "{err}");
            let err = config.resolve().map(drop).expect_err("refused");
            assert!(err.to_string().contains(message), "{err}");
        }
        for (secret, publishable) in [("sk_test_abc123", test_pk), ("sk_live_abc123", live_pk)] {
            let config = ClerkConfig::from_lookup(lookup(&[
                ("CLERK_SECRET_KEY", secret),
                ("CLERK_PUBLISHABLE_KEY", publishable),
            ]))
            .unwrap();
            assert!(config.build_client().is_ok());
        }
    }
}
