//! Settings of the Backend API client.

use std::time::Duration;

use clerk_core::SecretKey;

/// The Backend API version header sent with every request (contract §0).
pub const CLERK_API_VERSION: &str = "2026-05-12";

/// Default Backend API URL.
pub const DEFAULT_API_URL: &str = "https://api.clerk.com";

/// Settings of a [`BackendApi`](super::BackendApi), shared by all workers through
/// [`ApiShared`](super::ApiShared).
///
/// Build it with [`ClientConfig::new`] and adjust it with the consuming setters or by assigning the
/// public fields.
///
/// # Examples
///
/// ```
/// use std::time::Duration;
/// use clerk_actix::ClientConfig;
/// use clerk_core::SecretKey;
///
/// let config = ClientConfig::new(SecretKey::new("sk_test_example")?)
///     .timeout(Duration::from_secs(3))
///     .max_retries(1);
/// assert_eq!(config.api_url, "https://api.clerk.com");
/// # Ok::<(), clerk_core::Error>(())
/// ```
#[derive(Debug, Clone)]
pub struct ClientConfig {
    /// Backend API base URL, without a trailing slash (one is trimmed if given).
    ///
    /// Defaults to `https://api.clerk.com`.
    pub api_url: String,
    /// API path version, inserted between the URL and the path of every call except the
    /// machine-token verifications.
    ///
    /// Defaults to `v1`.
    pub api_version: String,
    /// The instance's secret key, sent as `Authorization: Bearer …`. Never logged.
    pub secret_key: SecretKey,
    /// Time limit of one attempt (connect, send, response head and body).
    ///
    /// Defaults to 5 s.
    pub timeout: Duration,
    /// Retries after the first attempt, for retryable calls only.
    ///
    /// Defaults to `2`.
    pub max_retries: u32,
    /// Retry tokens each first attempt deposits in the shared retry budget: the long-run ratio of
    /// retries to calls.
    ///
    /// Defaults to `0.2`.
    pub retry_budget_ratio: f64,
    /// Retries the budget allows before any deposit, so a cold client can still retry a few
    /// times. The budget never holds more than this plus `100 × retry_budget_ratio` tokens.
    ///
    /// Defaults to `10`.
    pub retry_budget_floor: u32,
    /// `User-Agent` header.
    ///
    /// Defaults to `clerk-actix/<crate version>`.
    pub user_agent: String,
    /// Longest `Retry-After` the client waits for; a longer one fails the call at once with the
    /// 429 error (its `retry_after` set).
    ///
    /// Defaults to 30 s.
    pub max_retry_after: Duration,
    /// First backoff step; attempt `n` waits a random time in `[0, min(cap, base × 2ⁿ)]`.
    ///
    /// Defaults to 100 ms.
    pub backoff_base: Duration,
    /// Longest backoff between retries (when there is no `Retry-After`).
    ///
    /// Defaults to 2 s.
    pub backoff_cap: Duration,
    /// Largest response body read, in bytes; a larger one fails with
    /// [`ApiError::ResponseTooLarge`](super::ApiError::ResponseTooLarge). A list of 500 full
    /// users is about 2.5 MB.
    ///
    /// Defaults to 8 MiB.
    pub max_response_bytes: usize,
    /// How long an idle pooled connection is kept for reuse.
    ///
    /// Defaults to 30 s.
    pub keep_alive: Duration,
}

impl ClientConfig {
    /// The default settings for `secret_key`.
    pub fn new(secret_key: SecretKey) -> Self {
        Self {
            api_url: DEFAULT_API_URL.to_owned(),
            api_version: "v1".to_owned(),
            secret_key,
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
        }
    }

    /// Sets [`api_url`](Self::api_url).
    pub fn api_url(mut self, api_url: impl Into<String>) -> Self {
        self.api_url = api_url.into();
        self
    }

    /// Sets [`timeout`](Self::timeout).
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// Sets [`max_retries`](Self::max_retries).
    pub fn max_retries(mut self, max_retries: u32) -> Self {
        self.max_retries = max_retries;
        self
    }

    /// Sets [`retry_budget_ratio`](Self::retry_budget_ratio) and
    /// [`retry_budget_floor`](Self::retry_budget_floor).
    pub fn retry_budget(mut self, ratio: f64, floor: u32) -> Self {
        self.retry_budget_ratio = ratio;
        self.retry_budget_floor = floor;
        self
    }

    /// Sets [`backoff_base`](Self::backoff_base) and [`backoff_cap`](Self::backoff_cap).
    pub fn backoff(mut self, base: Duration, cap: Duration) -> Self {
        self.backoff_base = base;
        self.backoff_cap = cap;
        self
    }

    /// Sets [`user_agent`](Self::user_agent).
    pub fn user_agent(mut self, user_agent: impl Into<String>) -> Self {
        self.user_agent = user_agent.into();
        self
    }

    /// Sets [`max_retry_after`](Self::max_retry_after).
    pub fn max_retry_after(mut self, max_retry_after: Duration) -> Self {
        self.max_retry_after = max_retry_after;
        self
    }

    /// Sets [`max_response_bytes`](Self::max_response_bytes).
    pub fn max_response_bytes(mut self, max_response_bytes: usize) -> Self {
        self.max_response_bytes = max_response_bytes;
        self
    }
}
