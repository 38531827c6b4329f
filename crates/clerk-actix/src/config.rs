//! Configuration: Clerk's environment names or a builder, validated once at start-up.

use std::fmt;
use std::net::IpAddr;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use clerk_core::{InstanceType, JwksCacheConfig, PublishableKey, SecretKey, VerifyingKey};

use crate::protect::mode::ProtectMode;

/// Default Backend API URL version segment.
pub const DEFAULT_API_VERSION: &str = "v1";

/// A configuration value that is missing or malformed; names the variable (or builder option).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{variable}: {message}")]
pub struct ConfigError {
    /// The environment variable (or option) at fault, e.g. `CLERK_PUBLISHABLE_KEY`.
    pub variable: &'static str,
    /// What is wrong with it (never the secret value).
    pub message: String,
}

impl ConfigError {
    fn new(variable: &'static str, message: impl Into<String>) -> Self {
        Self {
            variable,
            message: message.into(),
        }
    }
}

/// A clock for "now"; the wall clock unless a test sets another.
pub type Clock = Arc<dyn Fn() -> SystemTime + Send + Sync>;

/// Everything `clerk-actix` needs to know about the Clerk instance.
///
/// Build it once, outside `HttpServer::new`, with [`ClerkConfig::from_env`] or the builder, then
/// turn it into a [`crate::Clerk`] with [`ClerkConfig::build`].
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
/// | `CLERK_CLOCK_SKEW_MS` | [`clock_skew`](Self::clock_skew) | `5000` |
/// | `CLERK_TREAT_PENDING_AS_SIGNED_OUT` | [`treat_pending_as_signed_out`](Self::treat_pending_as_signed_out) | `true` |
/// | `CLERK_COOKIE_AUTH` | [`cookie_auth`](Self::cookie_auth) | `true` |
/// | `CLERK_TRUSTED_PROXIES` | [`trusted_proxies`](Self::trusted_proxies) | none (comma separated IPs) |
/// | `CLERK_ISSUER_CHECK` | [`issuer_check`](Self::issuer_check) | `true` (when a publishable key is set) |
/// | `CLERK_HTTP_TIMEOUT_MS` | [`request_timeout`](Self::request_timeout) | `5000` |
/// | `CLERK_JWKS_TTL_MS`, `CLERK_JWKS_REFETCH_COOLDOWN_MS`, `CLERK_JWKS_MAX_STALE_MS` | [`jwks_cache`](Self::jwks_cache) | `300000`, `10000`, `3600000` |
/// | `CLERK_TOKEN_CACHE_CAPACITY` | [`token_cache_capacity`](Self::token_cache_capacity) | `4096` (0 = off) |
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
///     .build()?;
/// assert_eq!(clerk.config().api_url(), "https://api.clerk.com");
/// # Ok::<(), clerk_actix::ConfigError>(())
/// ```
#[derive(Clone)]
pub struct ClerkConfig {
    secret_key: Option<String>,
    publishable_key: Option<String>,
    jwt_key_pem: Option<String>,
    api_url: String,
    api_version: String,
    authorized_parties: Vec<String>,
    sign_in_url: Option<String>,
    clock_skew: Duration,
    treat_pending_as_signed_out: bool,
    cookie_auth: bool,
    trusted_proxies: Vec<IpAddr>,
    issuer_check: bool,
    request_timeout: Duration,
    max_retries: u32,
    retry_budget_ratio: f64,
    jwks: JwksCacheConfig,
    max_token_bytes: usize,
    protect_mode: ProtectMode,
    user_agent: String,
    token_cache_capacity: usize,
    clock: Option<Clock>,
}

impl fmt::Debug for ClerkConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClerkConfig")
            .field("secret_key", &self.secret_key.as_ref().map(|_| "[redacted]"))
            .field("publishable_key", &self.publishable_key)
            .field("jwt_key_pem", &self.jwt_key_pem.as_ref().map(|_| "[set]"))
            .field("api_url", &self.api_url)
            .field("api_version", &self.api_version)
            .field("authorized_parties", &self.authorized_parties)
            .field("sign_in_url", &self.sign_in_url)
            .field("clock_skew", &self.clock_skew)
            .field("treat_pending_as_signed_out", &self.treat_pending_as_signed_out)
            .field("cookie_auth", &self.cookie_auth)
            .field("trusted_proxies", &self.trusted_proxies)
            .field("issuer_check", &self.issuer_check)
            .field("request_timeout", &self.request_timeout)
            .field("protect_mode", &self.protect_mode)
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
            secret_key: None,
            publishable_key: None,
            jwt_key_pem: None,
            api_url: crate::client::DEFAULT_API_URL.to_owned(),
            api_version: DEFAULT_API_VERSION.to_owned(),
            authorized_parties: Vec::new(),
            sign_in_url: None,
            clock_skew: Duration::from_millis(5_000),
            treat_pending_as_signed_out: true,
            cookie_auth: true,
            trusted_proxies: Vec::new(),
            issuer_check: true,
            request_timeout: Duration::from_millis(5_000),
            max_retries: 2,
            retry_budget_ratio: 0.2,
            jwks: JwksCacheConfig::default(),
            max_token_bytes: clerk_core::DEFAULT_MAX_TOKEN_BYTES,
            protect_mode: ProtectMode::Api,
            user_agent: format!("clerk-actix/{}", env!("CARGO_PKG_VERSION")),
            token_cache_capacity: 4096,
            clock: None,
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
        let get = |name: &str| {
            lookup(name)
                .map(|v| v.trim().to_owned())
                .filter(|v| !v.is_empty())
        };
        let mut config = Self::new();
        config.secret_key = get("CLERK_SECRET_KEY");
        config.publishable_key = get("CLERK_PUBLISHABLE_KEY");
        config.jwt_key_pem = get("CLERK_JWT_KEY");
        if let Some(url) = get("CLERK_API_URL") {
            config.api_url = url;
        }
        if let Some(version) = get("CLERK_API_VERSION") {
            config.api_version = version;
        }
        if let Some(parties) = get("CLERK_AUTHORIZED_PARTIES") {
            config.authorized_parties = split_list(&parties);
        }
        config.sign_in_url = get("CLERK_SIGN_IN_URL");
        if let Some(ms) = get("CLERK_CLOCK_SKEW_MS") {
            config.clock_skew = Duration::from_millis(parse_number("CLERK_CLOCK_SKEW_MS", &ms)?);
        }
        if let Some(flag) = get("CLERK_TREAT_PENDING_AS_SIGNED_OUT") {
            config.treat_pending_as_signed_out = parse_bool("CLERK_TREAT_PENDING_AS_SIGNED_OUT", &flag)?;
        }
        if let Some(flag) = get("CLERK_COOKIE_AUTH") {
            config.cookie_auth = parse_bool("CLERK_COOKIE_AUTH", &flag)?;
        }
        if let Some(flag) = get("CLERK_ISSUER_CHECK") {
            config.issuer_check = parse_bool("CLERK_ISSUER_CHECK", &flag)?;
        }
        if let Some(ms) = get("CLERK_HTTP_TIMEOUT_MS") {
            config.request_timeout = Duration::from_millis(parse_number("CLERK_HTTP_TIMEOUT_MS", &ms)?);
        }
        if let Some(ms) = get("CLERK_JWKS_TTL_MS") {
            config.jwks.ttl = Duration::from_millis(parse_number("CLERK_JWKS_TTL_MS", &ms)?);
        }
        if let Some(ms) = get("CLERK_JWKS_REFETCH_COOLDOWN_MS") {
            config.jwks.refetch_cooldown =
                Duration::from_millis(parse_number("CLERK_JWKS_REFETCH_COOLDOWN_MS", &ms)?);
        }
        if let Some(ms) = get("CLERK_JWKS_MAX_STALE_MS") {
            config.jwks.max_stale = Duration::from_millis(parse_number("CLERK_JWKS_MAX_STALE_MS", &ms)?);
        }
        if let Some(n) = get("CLERK_TOKEN_CACHE_CAPACITY") {
            config.token_cache_capacity = usize::try_from(parse_number("CLERK_TOKEN_CACHE_CAPACITY", &n)?)
                .map_err(|_| ConfigError::new("CLERK_TOKEN_CACHE_CAPACITY", "too large"))?;
        }
        if let Some(list) = get("CLERK_TRUSTED_PROXIES") {
            config.trusted_proxies = split_list(&list)
                .iter()
                .map(|ip| {
                    ip.parse().map_err(|_| {
                        ConfigError::new("CLERK_TRUSTED_PROXIES", format!("{ip:?} is not an IP address"))
                    })
                })
                .collect::<Result<_, _>>()?;
        }
        Ok(config)
    }

    /// The instance's secret key (`sk_test_…`/`sk_live_…`). Defaults to none.
    pub fn secret_key(mut self, key: impl Into<String>) -> Self {
        self.secret_key = Some(key.into());
        self
    }

    /// The instance's publishable key (`pk_test_…`/`pk_live_…`). Defaults to none.
    pub fn publishable_key(mut self, key: impl Into<String>) -> Self {
        self.publishable_key = Some(key.into());
        self
    }

    /// The PEM public key for networkless verification (`CLERK_JWT_KEY`). Defaults to none.
    pub fn jwt_key_pem(mut self, pem: impl Into<String>) -> Self {
        self.jwt_key_pem = Some(pem.into());
        self
    }

    /// Backend API base URL. Defaults to `https://api.clerk.com`.
    pub fn api_url(mut self, url: impl Into<String>) -> Self {
        self.api_url = url.into();
        self
    }

    /// Backend API URL version segment. Defaults to `v1`.
    pub fn api_version(mut self, version: impl Into<String>) -> Self {
        self.api_version = version.into();
        self
    }

    /// Origins allowed in the token's `azp`; when set, `azp` is required. Defaults to none.
    pub fn authorized_parties<I, S>(mut self, parties: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.authorized_parties = parties.into_iter().map(Into::into).collect();
        self
    }

    /// Where [`ProtectMode::Redirect`] sends signed-out page requests. Defaults to the Account
    /// Portal of the publishable key's instance.
    pub fn sign_in_url(mut self, url: impl Into<String>) -> Self {
        self.sign_in_url = Some(url.into());
        self
    }

    /// Allowed clock difference for `exp`/`nbf`/`iat`. Defaults to 5 s.
    pub fn clock_skew(mut self, skew: Duration) -> Self {
        self.clock_skew = skew;
        self
    }

    /// Whether a pending session is signed out for handlers. Defaults to `true`.
    pub fn treat_pending_as_signed_out(mut self, yes: bool) -> Self {
        self.treat_pending_as_signed_out = yes;
        self
    }

    /// Whether the `__session` cookie is accepted (with Clerk's cookie rules). Defaults to `true`.
    pub fn cookie_auth(mut self, yes: bool) -> Self {
        self.cookie_auth = yes;
        self
    }

    /// Peers whose `X-Forwarded-Proto`/`X-Forwarded-Host` are believed when building the request's
    /// own URL (for `redirect_url`). Defaults to none.
    pub fn trusted_proxies(mut self, proxies: impl IntoIterator<Item = IpAddr>) -> Self {
        self.trusted_proxies = proxies.into_iter().collect();
        self
    }

    /// Whether `iss` must equal `https://{frontend API}` of the publishable key. Defaults to
    /// `true` (Clerk's SDKs do not check it; see the README's deliberate differences).
    pub fn issuer_check(mut self, yes: bool) -> Self {
        self.issuer_check = yes;
        self
    }

    /// Timeout of one Backend API request. Defaults to 5 s.
    pub fn request_timeout(mut self, timeout: Duration) -> Self {
        self.request_timeout = timeout;
        self
    }

    /// Retries of an idempotent Backend API call after a 429 or 5xx. Defaults to 2.
    pub fn max_retries(mut self, retries: u32) -> Self {
        self.max_retries = retries;
        self
    }

    /// Retries allowed as a fraction of calls (a retry budget). Defaults to 0.2.
    pub fn retry_budget_ratio(mut self, ratio: f64) -> Self {
        self.retry_budget_ratio = ratio.clamp(0.0, 10.0);
        self
    }

    /// JWKS cache tuning. Defaults to [`JwksCacheConfig::default`].
    pub fn jwks_cache(mut self, jwks: JwksCacheConfig) -> Self {
        self.jwks = jwks;
        self
    }

    /// Largest token accepted, in bytes. Defaults to 8 KiB.
    pub fn max_token_bytes(mut self, max: usize) -> Self {
        self.max_token_bytes = max;
        self
    }

    /// How [`crate::Protect`] answers by default. Defaults to [`ProtectMode::Api`].
    pub fn protect_mode(mut self, mode: ProtectMode) -> Self {
        self.protect_mode = mode;
        self
    }

    /// `User-Agent` of Backend API requests. Defaults to `clerk-actix/<version>`.
    pub fn user_agent(mut self, agent: impl Into<String>) -> Self {
        self.user_agent = agent.into();
        self
    }

    /// Verified tokens remembered so that a reused token costs no RSA check (0 switches the cache
    /// off). Defaults to 4096.
    pub fn token_cache_capacity(mut self, capacity: usize) -> Self {
        self.token_cache_capacity = capacity;
        self
    }

    /// Replaces the wall clock (for tests with fixed tokens). Defaults to [`SystemTime::now`].
    pub fn clock(mut self, clock: impl Fn() -> SystemTime + Send + Sync + 'static) -> Self {
        self.clock = Some(Arc::new(clock));
        self
    }

    /// The Backend API URL.
    pub fn api_url_str(&self) -> &str {
        &self.api_url
    }

    /// Validates everything and builds the runtime [`crate::Clerk`].
    ///
    /// # Errors
    ///
    /// A [`ConfigError`] naming the variable at fault.
    pub fn build(self) -> Result<crate::Clerk, ConfigError> {
        crate::Clerk::from_resolved(self.resolve()?)
    }

    pub(crate) fn resolve(self) -> Result<ResolvedConfig, ConfigError> {
        let secret_key = self
            .secret_key
            .as_deref()
            .map(SecretKey::new)
            .transpose()
            .map_err(|err| ConfigError::new("CLERK_SECRET_KEY", err.to_string()))?;
        let publishable_key = self
            .publishable_key
            .as_deref()
            .map(PublishableKey::parse)
            .transpose()
            .map_err(|err| ConfigError::new("CLERK_PUBLISHABLE_KEY", err.to_string()))?;
        let jwt_key = self
            .jwt_key_pem
            .as_deref()
            .map(VerifyingKey::from_pem)
            .transpose()
            .map_err(|err| ConfigError::new("CLERK_JWT_KEY", err.to_string()))?;
        if secret_key.is_none() && jwt_key.is_none() {
            return Err(ConfigError::new(
                "CLERK_SECRET_KEY",
                "missing: set CLERK_SECRET_KEY (or CLERK_JWT_KEY for networkless verification)",
            ));
        }
        let api_url = self.api_url.trim_end_matches('/').to_owned();
        match url::Url::parse(&api_url) {
            Ok(url) if matches!(url.scheme(), "http" | "https") && url.host().is_some() => {}
            _ => {
                return Err(ConfigError::new(
                    "CLERK_API_URL",
                    format!("{api_url:?} is not an http(s) URL"),
                ))
            }
        }
        let api_version = self.api_version.trim_matches('/').to_owned();
        if api_version.is_empty() || api_version.contains(['/', '.', '?', '#']) {
            return Err(ConfigError::new(
                "CLERK_API_VERSION",
                format!("{api_version:?} is not a version like v1"),
            ));
        }
        for party in &self.authorized_parties {
            if url::Url::parse(party).is_err() {
                return Err(ConfigError::new(
                    "CLERK_AUTHORIZED_PARTIES",
                    format!("{party:?} is not an origin such as https://app.example.com"),
                ));
            }
        }
        let sign_in_url = match self.sign_in_url {
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
        let instance_type = publishable_key
            .as_ref()
            .map(PublishableKey::instance_type)
            .or_else(|| secret_key.as_ref().and_then(SecretKey::instance_type))
            .unwrap_or(InstanceType::Production);
        if self.cookie_auth && self.authorized_parties.is_empty() {
            tracing::warn!(
                "clerk: cookie authentication is on but CLERK_AUTHORIZED_PARTIES is empty; \
                 set it to your frontend origins so that a __session cookie minted for another origin is refused"
            );
        }
        if publishable_key.is_none() {
            tracing::warn!(
                "clerk: CLERK_PUBLISHABLE_KEY is not set; the issuer check and Clerk's cookie rules are off"
            );
        }
        Ok(ResolvedConfig {
            secret_key,
            publishable_key,
            jwt_key,
            api_url,
            api_version,
            authorized_parties: self.authorized_parties,
            sign_in_url,
            clock_skew: self.clock_skew,
            treat_pending_as_signed_out: self.treat_pending_as_signed_out,
            cookie_auth: self.cookie_auth,
            trusted_proxies: self.trusted_proxies,
            issuer_check: self.issuer_check,
            request_timeout: self.request_timeout,
            max_retries: self.max_retries,
            retry_budget_ratio: self.retry_budget_ratio,
            jwks: self.jwks,
            max_token_bytes: self.max_token_bytes,
            protect_mode: self.protect_mode,
            user_agent: self.user_agent,
            token_cache_capacity: self.token_cache_capacity,
            instance_type,
            clock: self.clock.unwrap_or_else(|| Arc::new(SystemTime::now)),
        })
    }
}

/// A validated configuration, as the runtime uses it.
#[derive(Clone)]
pub struct ResolvedConfig {
    pub(crate) secret_key: Option<SecretKey>,
    pub(crate) publishable_key: Option<PublishableKey>,
    pub(crate) jwt_key: Option<VerifyingKey>,
    pub(crate) api_url: String,
    pub(crate) api_version: String,
    pub(crate) authorized_parties: Vec<String>,
    pub(crate) sign_in_url: Option<String>,
    pub(crate) clock_skew: Duration,
    pub(crate) treat_pending_as_signed_out: bool,
    pub(crate) cookie_auth: bool,
    pub(crate) trusted_proxies: Vec<IpAddr>,
    pub(crate) issuer_check: bool,
    pub(crate) request_timeout: Duration,
    pub(crate) max_retries: u32,
    pub(crate) retry_budget_ratio: f64,
    pub(crate) jwks: JwksCacheConfig,
    pub(crate) max_token_bytes: usize,
    pub(crate) protect_mode: ProtectMode,
    pub(crate) user_agent: String,
    pub(crate) token_cache_capacity: usize,
    pub(crate) instance_type: InstanceType,
    pub(crate) clock: Clock,
}

impl fmt::Debug for ResolvedConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ResolvedConfig")
            .field("secret_key", &self.secret_key)
            .field("publishable_key", &self.publishable_key)
            .field("jwt_key", &self.jwt_key.as_ref().map(|_| "[set]"))
            .field("api_url", &self.api_url)
            .field("api_version", &self.api_version)
            .field("authorized_parties", &self.authorized_parties)
            .field("instance_type", &self.instance_type)
            .finish_non_exhaustive()
    }
}

impl ResolvedConfig {
    /// The Backend API base URL (no trailing slash).
    pub fn api_url(&self) -> &str {
        &self.api_url
    }

    /// The URL version segment (`v1`).
    pub fn api_version(&self) -> &str {
        &self.api_version
    }

    /// The secret key, if configured.
    pub fn secret_key(&self) -> Option<&SecretKey> {
        self.secret_key.as_ref()
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

    /// The authorized parties.
    pub fn authorized_parties(&self) -> &[String] {
        &self.authorized_parties
    }

    /// Default protect mode.
    pub fn protect_mode(&self) -> ProtectMode {
        self.protect_mode
    }

    /// Backend API request timeout.
    pub fn request_timeout(&self) -> Duration {
        self.request_timeout
    }

    /// Retries of idempotent calls.
    pub fn max_retries(&self) -> u32 {
        self.max_retries
    }

    /// Retry budget as a fraction of calls.
    pub fn retry_budget_ratio(&self) -> f64 {
        self.retry_budget_ratio
    }

    /// `User-Agent` of Backend API requests.
    pub fn user_agent(&self) -> &str {
        &self.user_agent
    }

    /// "Now", by the configured clock.
    pub fn now(&self) -> SystemTime {
        (self.clock)()
    }
}

/// Clerk's Account Portal sign-in page of an instance: its Account Portal origin
/// ([`PublishableKey::account_portal_origin`]) + `/sign-in`.
fn account_portal_sign_in(key: &PublishableKey) -> String {
    format!("{}/sign-in", key.account_portal_origin())
}

fn split_list(value: &str) -> Vec<String> {
    value
        .split(',')
        .map(str::trim)
        .filter(|v| !v.is_empty())
        .map(str::to_owned)
        .collect()
}

fn parse_bool(variable: &'static str, value: &str) -> Result<bool, ConfigError> {
    match value.to_ascii_lowercase().as_str() {
        "1" | "true" | "yes" | "on" => Ok(true),
        "0" | "false" | "no" | "off" => Ok(false),
        _ => Err(ConfigError::new(
            variable,
            format!("{value:?} is not true or false"),
        )),
    }
}

fn parse_number(variable: &'static str, value: &str) -> Result<u64, ConfigError> {
    value.parse().map_err(|_| {
        ConfigError::new(
            variable,
            format!("{value:?} is not a whole number of milliseconds"),
        )
    })
}

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

    #[test]
    fn environment_names_are_clerks() {
        let config = ClerkConfig::from_lookup(lookup(&[
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
        assert_eq!(config.clock_skew, Duration::from_secs(2));
        assert_eq!(config.instance_type(), InstanceType::Development);
        assert_eq!(
            config.sign_in_url(),
            Some("https://happy-hippo-42.accounts.dev/sign-in")
        );
    }

    #[test]
    fn bad_values_name_their_variable() {
        let cases: [(&[(&str, &str)], &str); 7] = [
            (&[], "CLERK_SECRET_KEY"),
            (
                &[
                    ("CLERK_SECRET_KEY", "sk_test_x"),
                    ("CLERK_PUBLISHABLE_KEY", "pk_nope"),
                ],
                "CLERK_PUBLISHABLE_KEY",
            ),
            (&[("CLERK_JWT_KEY", "not a pem")], "CLERK_JWT_KEY"),
            (
                &[("CLERK_SECRET_KEY", "sk_test_x"), ("CLERK_API_URL", "ftp://x")],
                "CLERK_API_URL",
            ),
            (
                &[("CLERK_SECRET_KEY", "sk_test_x"), ("CLERK_CLOCK_SKEW_MS", "soon")],
                "CLERK_CLOCK_SKEW_MS",
            ),
            (
                &[
                    ("CLERK_SECRET_KEY", "sk_test_x"),
                    ("CLERK_AUTHORIZED_PARTIES", "not a url"),
                ],
                "CLERK_AUTHORIZED_PARTIES",
            ),
            (
                &[
                    ("CLERK_SECRET_KEY", "sk_test_x"),
                    ("CLERK_TRUSTED_PROXIES", "10.0.0.300"),
                ],
                "CLERK_TRUSTED_PROXIES",
            ),
        ];
        for (vars, variable) in cases {
            let err = ClerkConfig::from_lookup(lookup(vars))
                .and_then(ClerkConfig::resolve)
                .unwrap_err();
            assert_eq!(err.variable, variable, "{err}");
        }
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
}
