//! Settings of the Backend API client: the one place their defaults live, and their validation.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use awc::http::header::HeaderValue;
use clerk_core::SecretKey;

use super::budget::RateLimit;
use super::header_injector::HeaderInjector;
use super::metrics::ApiObserver;
use crate::env::{parse_count, parse_millis, reader, ConfigError};

/// The dated Backend API version sent as the `Clerk-API-Version` header of every request
/// (contract §0).
pub const API_VERSION_HEADER: &str = "2026-05-12";

/// Default Backend API URL (`CLERK_API_URL`).
pub const DEFAULT_API_URL: &str = "https://api.clerk.com";

/// Default Backend API URL version segment (`CLERK_API_VERSION`), as in Clerk's SDKs.
pub const DEFAULT_API_VERSION: &str = "v1";

/// Settings of a [`ClerkClient`](super::ClerkClient).
///
/// clerk-actix's `ClerkConfig` embeds one (adjust it with `ClerkConfig::client_config`); a service that needs only
/// the Backend API builds a client from one directly with
/// [`ClerkClient::new`](super::ClerkClient::new). Every setting is checked once, when the client
/// is built, and a [`ConfigError`] names the variable (or option) at fault.
///
/// | environment variable | option | default |
/// |---|---|---|
/// | `CLERK_SECRET_KEY` | [`secret_key`](Self::secret_key) | none (required to build a client) |
/// | `CLERK_MACHINE_SECRET_KEY` | [`machine_secret_key`](Self::machine_secret_key) | none (M2M calls use the secret key) |
/// | `CLERK_API_URL` | [`api_url`](Self::api_url) | `https://api.clerk.com` |
/// | `CLERK_API_VERSION` | [`api_version`](Self::api_version) | `v1` |
/// | `CLERK_HTTP_TIMEOUT_MS` | [`timeout`](Self::timeout) | `5000` |
/// | `CLERK_API_RATE_LIMIT` | [`rate_limit`](Self::rate_limit) | by the secret key's instance type: `90` (development) or `900` (production) requests per 10 s |
///
/// # Examples
///
/// ```
/// use std::time::Duration;
/// use clerk_backend::{ClerkClient, ClientConfig};
///
/// let config = ClientConfig::new()
///     .secret_key("sk_test_example")
///     .timeout(Duration::from_secs(3))
///     .max_retries(1);
/// let client = ClerkClient::new(config)?;
/// # drop(client);
/// # Ok::<(), clerk_backend::ConfigError>(())
/// ```
#[derive(Clone)]
pub struct ClientConfig {
    pub(crate) secret_key: Option<String>,
    pub(crate) machine_secret_key: Option<String>,
    pub(crate) api_url: String,
    pub(crate) api_version: String,
    pub(crate) timeout: Duration,
    pub(crate) max_retries: u32,
    pub(crate) retry_budget_ratio: f64,
    pub(crate) retry_budget_floor: u32,
    pub(crate) user_agent: String,
    pub(crate) max_retry_after: Duration,
    pub(crate) backoff_base: Duration,
    pub(crate) backoff_cap: Duration,
    pub(crate) max_response_bytes: usize,
    pub(crate) keep_alive: Duration,
    pub(crate) rate_limit: Option<RateLimit>,
    pub(crate) rate_limit_wait: Duration,
    pub(crate) observer: Option<Arc<dyn ApiObserver>>,
    pub(crate) header_injector: Option<Arc<dyn HeaderInjector>>,
}

impl fmt::Debug for ClientConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClientConfig")
            .field("secret_key", &self.secret_key.as_ref().map(|_| "[redacted]"))
            .field(
                "machine_secret_key",
                &self.machine_secret_key.as_ref().map(|_| "[redacted]"),
            )
            .field("api_url", &self.api_url)
            .field("api_version", &self.api_version)
            .field("timeout", &self.timeout)
            .field("max_retries", &self.max_retries)
            .field("retry_budget_ratio", &self.retry_budget_ratio)
            .field("retry_budget_floor", &self.retry_budget_floor)
            .field("user_agent", &self.user_agent)
            .field("max_retry_after", &self.max_retry_after)
            .field("backoff_base", &self.backoff_base)
            .field("backoff_cap", &self.backoff_cap)
            .field("max_response_bytes", &self.max_response_bytes)
            .field("keep_alive", &self.keep_alive)
            .field("rate_limit", &self.rate_limit)
            .field("rate_limit_wait", &self.rate_limit_wait)
            .field("observer", &self.observer.as_ref().map(|_| "[set]"))
            .field("header_injector", &self.header_injector.as_ref().map(|_| "[set]"))
            .finish()
    }
}

impl Default for ClientConfig {
    fn default() -> Self {
        Self::new()
    }
}

/// What [`ClientConfig::check`] vouches for, ready to use.
///
/// Not a stable API: the seam clerk-actix builds its `ClerkConfig` on.
#[doc(hidden)]
pub struct Checked {
    /// `None` when no secret key is configured (a clerk-actix `Clerk` in networkless mode).
    pub secret_key: Option<SecretKey>,
    /// `{api_url}`, without a trailing slash.
    pub root: String,
    /// `{api_url}/{api_version}`.
    pub(crate) versioned: String,
    /// `{api_version}`, without slashes.
    pub version: String,
    pub(crate) user_agent: HeaderValue,
    /// `None`: derive it from the secret key's instance type.
    pub(crate) rate_limit: Option<RateLimit>,
}

impl ClientConfig {
    /// Every default and no secret key.
    pub fn new() -> Self {
        Self {
            secret_key: None,
            machine_secret_key: None,
            api_url: DEFAULT_API_URL.to_owned(),
            api_version: DEFAULT_API_VERSION.to_owned(),
            timeout: Duration::from_secs(5),
            max_retries: 2,
            retry_budget_ratio: 0.2,
            retry_budget_floor: 10,
            user_agent: concat!("clerk-actix/", env!("CARGO_PKG_VERSION")).to_owned(),
            max_retry_after: Duration::from_secs(30),
            backoff_base: Duration::from_millis(100),
            backoff_cap: Duration::from_secs(2),
            max_response_bytes: 8 * 1024 * 1024,
            keep_alive: Duration::from_secs(30),
            rate_limit: None,
            rate_limit_wait: Duration::from_secs(2),
            observer: None,
            header_injector: None,
        }
    }

    /// Reads the client's environment variables (see the table on [`ClientConfig`]).
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
        Self::new().read(reader(lookup))
    }

    /// Overrides these settings with the client's variables `get` finds.
    ///
    /// Not a stable API: the seam clerk-actix builds its `ClerkConfig` on.
    #[doc(hidden)]
    pub fn read(mut self, get: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        if let Some(key) = get("CLERK_SECRET_KEY") {
            self.secret_key = Some(key);
        }
        if let Some(key) = get("CLERK_MACHINE_SECRET_KEY") {
            self.machine_secret_key = Some(key);
        }
        if let Some(url) = get("CLERK_API_URL") {
            self.api_url = url;
        }
        if let Some(version) = get("CLERK_API_VERSION") {
            self.api_version = version;
        }
        if let Some(ms) = get("CLERK_HTTP_TIMEOUT_MS") {
            self.timeout = parse_millis("CLERK_HTTP_TIMEOUT_MS", &ms)?;
        }
        if let Some(requests) = get("CLERK_API_RATE_LIMIT") {
            let requests = parse_count("CLERK_API_RATE_LIMIT", &requests)?;
            let requests =
                u32::try_from(requests).map_err(|_| ConfigError::new("CLERK_API_RATE_LIMIT", "too large"))?;
            self.rate_limit = Some(RateLimit::new(requests, Duration::from_secs(10)));
        }
        Ok(self)
    }

    /// Whether a secret key is set (`CLERK_SECRET_KEY` or [`secret_key`](Self::secret_key)).
    pub fn has_secret_key(&self) -> bool {
        self.secret_key
            .as_deref()
            .is_some_and(|key| !key.trim().is_empty())
    }

    /// The instance's secret key (`sk_test_…`/`sk_live_…`), sent as `Authorization: Bearer …`
    /// and never logged. Defaults to none.
    pub fn secret_key(mut self, key: impl Into<String>) -> Self {
        self.secret_key = Some(key.into());
        self
    }

    /// A machine's secret key (`CLERK_MACHINE_SECRET_KEY`): when set, M2M token calls
    /// (`POST /m2m_tokens/verify`, [`m2m().create_token`](crate::m2m::M2m::create_token),
    /// list and revoke) authenticate with it instead of the instance's secret key, as Clerk's
    /// SDK does; Clerk then verifies only tokens granted access to that machine. Never logged.
    /// Defaults to none.
    pub fn machine_secret_key(mut self, key: impl Into<String>) -> Self {
        self.machine_secret_key = Some(key.into()).filter(|k: &String| !k.trim().is_empty());
        self
    }

    /// Backend API base URL; a trailing slash is trimmed. Defaults to `https://api.clerk.com`.
    ///
    /// A plain `http://` URL is accepted (for local emulators) but logged as a warning unless the
    /// host is a loopback address, because the secret key would travel in clear text.
    pub fn api_url(mut self, url: impl Into<String>) -> Self {
        self.api_url = url.into();
        self
    }

    /// URL version segment, inserted between the URL and the path of every call except the
    /// machine-token verifications. Defaults to `v1`.
    pub fn api_version(mut self, version: impl Into<String>) -> Self {
        self.api_version = version.into();
        self
    }

    /// Time limit of one attempt (connect, send, response head and body); must be more than
    /// zero. Defaults to 5 s.
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// Retries after the first attempt, for retryable calls only. Defaults to 2.
    pub fn max_retries(mut self, retries: u32) -> Self {
        self.max_retries = retries;
        self
    }

    /// The retry budget shared by every worker: each first attempt deposits `ratio` retry
    /// tokens (the long-run ratio of retries to calls), and the budget starts with `floor`
    /// tokens so a cold client can still retry a few times; it never holds more than
    /// `floor + 100 × ratio`. Defaults to `0.2` and `10`.
    pub fn retry_budget(mut self, ratio: f64, floor: u32) -> Self {
        self.retry_budget_ratio = ratio;
        self.retry_budget_floor = floor;
        self
    }

    /// Backoff between retries without `Retry-After`: retry `n` waits a random time in
    /// `[0, min(cap, base × 2ⁿ)]`. Defaults to 100 ms and 2 s.
    pub fn backoff(mut self, base: Duration, cap: Duration) -> Self {
        self.backoff_base = base;
        self.backoff_cap = cap;
        self
    }

    /// `User-Agent` header. Defaults to `clerk-actix/<crate version>`.
    pub fn user_agent(mut self, agent: impl Into<String>) -> Self {
        self.user_agent = agent.into();
        self
    }

    /// Longest `Retry-After` the client waits for; a longer one fails the call at once with the
    /// 429 error (its `retry_after` set). Defaults to 30 s.
    pub fn max_retry_after(mut self, wait: Duration) -> Self {
        self.max_retry_after = wait;
        self
    }

    /// Largest response body read, in bytes; a larger one fails with
    /// [`ApiError::ResponseTooLarge`](super::ApiError::ResponseTooLarge). A list of 500 full
    /// users is about 2.5 MB. Defaults to 8 MiB.
    pub fn max_response_bytes(mut self, bytes: usize) -> Self {
        self.max_response_bytes = bytes;
        self
    }

    /// How long an idle pooled connection is kept for reuse. Defaults to 30 s.
    pub fn keep_alive(mut self, keep_alive: Duration) -> Self {
        self.keep_alive = keep_alive;
        self
    }

    /// The rate budget of this client's instance (all its handles and workers together): at
    /// most `limit.requests` Backend API requests in any `limit.window`, split into
    /// [`Share`](super::Share)s. `CLERK_API_RATE_LIMIT` sets the requests per 10 s.
    ///
    /// Defaults to 90 % of Clerk's documented limit for the secret key's instance type: 90 per
    /// 10 s for development (`sk_test_`) and 900 per 10 s for production (`sk_live_`) instances.
    /// Several processes sharing one instance should divide it between them.
    pub fn rate_limit(mut self, limit: RateLimit) -> Self {
        self.rate_limit = Some(limit);
        self
    }

    /// How long a call waits for a rate-budget slot before it fails with
    /// [`ApiError::RateBudgetExhausted`](super::ApiError::RateBudgetExhausted), unless its handle
    /// says otherwise ([`ClerkClient::max_wait`](super::ClerkClient::max_wait)). Defaults to 2 s.
    pub fn rate_limit_wait(mut self, wait: Duration) -> Self {
        self.rate_limit_wait = wait;
        self
    }

    /// A hook called after every HTTP attempt (e.g. for latency histograms). Defaults to none.
    pub fn observer(mut self, observer: Arc<dyn ApiObserver>) -> Self {
        self.observer = Some(observer);
        self
    }

    /// A hook adding headers to every HTTP attempt, e.g. W3C trace context (see
    /// [`HeaderInjector`]). Defaults to none.
    pub fn header_injector(mut self, injector: Arc<dyn HeaderInjector>) -> Self {
        self.header_injector = Some(injector);
        self
    }

    /// Checks every setting; the only validation of the client's settings.
    ///
    /// Not a stable API: the seam clerk-actix builds its `ClerkConfig` on.
    #[doc(hidden)]
    pub fn check(&self) -> Result<Checked, ConfigError> {
        let secret_key = self
            .secret_key
            .as_deref()
            .map(SecretKey::new)
            .transpose()
            .map_err(|err| ConfigError::new("CLERK_SECRET_KEY", err.to_string()))?;
        let root = self.api_url.trim().trim_end_matches('/').to_owned();
        let url_ok = match url::Url::parse(&root) {
            Ok(url) => {
                matches!(url.scheme(), "http" | "https")
                    && url.host().is_some()
                    && url.query().is_none()
                    && url.fragment().is_none()
                    && url.username().is_empty()
                    && url.password().is_none()
            }
            Err(_) => false,
        };
        if !url_ok {
            return Err(ConfigError::new(
                "CLERK_API_URL",
                format!(
                    "{root:?} is not an absolute http(s) URL without a query, e.g. https://api.clerk.com"
                ),
            ));
        }
        let version = self.api_version.trim().trim_matches('/');
        let segment = !version.is_empty()
            && version
                .bytes()
                .all(|byte| byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'_' | b'.'))
            && version != "."
            && version != "..";
        if !segment {
            return Err(ConfigError::new(
                "CLERK_API_VERSION",
                format!("{version:?} is not a single path segment such as v1"),
            ));
        }
        if self.timeout.is_zero() {
            return Err(ConfigError::new(
                "CLERK_HTTP_TIMEOUT_MS",
                "must be more than zero milliseconds",
            ));
        }
        let user_agent = HeaderValue::from_str(&self.user_agent)
            .map_err(|_| ConfigError::new("user_agent", "cannot be sent in an HTTP header"))?;
        if let Some(limit) = self.rate_limit {
            if limit.requests < RateLimit::MIN_REQUESTS {
                // A share without a slot would wait forever (a reconciliation waits without limit).
                return Err(ConfigError::new(
                    "CLERK_API_RATE_LIMIT",
                    format!(
                        "must allow at least {} requests per window, one per share",
                        RateLimit::MIN_REQUESTS
                    ),
                ));
            }
            if limit.window.is_zero() || limit.window > RateLimit::MAX_WINDOW {
                return Err(ConfigError::new(
                    "CLERK_API_RATE_LIMIT",
                    "the window must be more than zero and at most a day",
                ));
            }
        }
        Ok(Checked {
            rate_limit: self.rate_limit,
            secret_key,
            versioned: format!("{root}/{version}"),
            version: version.to_owned(),
            root,
            user_agent,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn checked(url: &str) -> Result<Checked, ConfigError> {
        ClientConfig::new()
            .secret_key("sk_test_secret")
            .api_url(url)
            .check()
    }

    #[test]
    fn urls_are_checked_once_here() {
        for bad in [
            "",
            "api.clerk.com",
            "ftp://api.clerk.com",
            "https://api.clerk.com?x=1",
            "https://user:pass@api.clerk.com",
        ] {
            assert_eq!(
                checked(bad).err().map(|err| err.variable),
                Some("CLERK_API_URL"),
                "{bad}"
            );
        }
        let ok = checked("https://api.clerk.com/").expect("valid");
        assert_eq!(ok.root, "https://api.clerk.com");
        assert_eq!(ok.versioned, "https://api.clerk.com/v1");
        let bad_version = ClientConfig::new().api_version("../x").check();
        assert_eq!(
            bad_version.err().map(|err| err.variable),
            Some("CLERK_API_VERSION")
        );
    }

    /// Every share needs a slot of its own (a reconciliation waiting without limit on a share
    /// without one would wait forever), and `Instant + window` must not overflow.
    #[test]
    fn rate_limits_without_a_slot_per_share_or_with_a_huge_window_are_refused() {
        let check = |limit: RateLimit| {
            ClientConfig::new()
                .rate_limit(limit)
                .check()
                .err()
                .map(|err| err.variable)
        };
        let ten_seconds = Duration::from_secs(10);
        for requests in [0, 1, 4] {
            assert_eq!(
                check(RateLimit::new(requests, ten_seconds)),
                Some("CLERK_API_RATE_LIMIT"),
                "{requests}"
            );
        }
        for window in [
            Duration::ZERO,
            Duration::MAX,
            RateLimit::MAX_WINDOW + Duration::from_secs(1),
        ] {
            assert_eq!(
                check(RateLimit::new(100, window)),
                Some("CLERK_API_RATE_LIMIT"),
                "{window:?}"
            );
        }
        assert_eq!(check(RateLimit::new(5, ten_seconds)), None);
        assert_eq!(check(RateLimit::new(5, RateLimit::MAX_WINDOW)), None);
        let from_env =
            ClientConfig::from_lookup(|name| (name == "CLERK_API_RATE_LIMIT").then(|| "3".to_owned()))
                .expect("a count")
                .check();
        assert_eq!(
            from_env.err().map(|err| err.variable),
            Some("CLERK_API_RATE_LIMIT")
        );
    }

    #[test]
    fn debug_hides_the_secret() {
        let config = ClientConfig::new().secret_key("sk_test_TOPSECRET");
        assert!(!format!("{config:?}").contains("TOPSECRET"));
    }
}
