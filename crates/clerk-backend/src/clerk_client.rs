//! [`ClerkClient`]: the Backend API client as one `Clone + Send + Sync` handle, with per-thread
//! awc clients, the retry loop, the rate budget and the typed operations.

use std::cell::RefCell;
use std::fmt;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Weak};
use std::time::{Duration, Instant};

use awc::error::{PayloadError, SendRequestError};
use awc::http::header::{self, HeaderName, HeaderValue};
use awc::http::Method;
use bytes::Bytes;
use clerk_core::api::ClerkErrors;
use clerk_core::{jwk::JwkSet, jwks::CacheScope, InstanceType};
use serde::de::DeserializeOwned;
use tracing::Instrument as _;

use super::budget::{RateBudget, RateLimit, Share};
use super::config::{Checked, ClientConfig, API_VERSION_HEADER};
use super::error::{ApiError, ApiResult};
use super::metrics::{ApiObserver, AttemptEvent, AttemptOutcome, Metrics, MetricsSnapshot};
use super::retry::{backoff, parse_retry_after, RetryBudget};

use crate::env::ConfigError;

static NEXT_CLIENT_ID: AtomicU64 = AtomicU64::new(1);

/// The JWKS cache's background refresh: one attempt within this time at most.
pub(super) const QUICK_JWKS_TIMEOUT: Duration = Duration::from_secs(2);

/// What every handle of one client shares: settings, budgets and counters.
struct Shared {
    id: u64,
    config: ClientConfig,
    /// `{api_url}`, without a trailing slash.
    root: String,
    /// `{api_url}/{api_version}`.
    versioned: String,
    authorization: HeaderValue,
    /// `Bearer <machine secret key>` for the M2M token calls, when one is configured.
    machine_authorization: Option<HeaderValue>,
    user_agent: HeaderValue,
    scope: CacheScope,
    retries: RetryBudget,
    rate: RateBudget,
    metrics: Metrics,
    observer: Option<Arc<dyn ApiObserver>>,
    /// The API URL's host and port, for the attempt spans (`server.address`, `server.port`).
    server: (String, u16),
}

thread_local! {
    /// One awc client per [`ClerkClient`] per thread, so pooled connections are reused.
    static CLIENTS: RefCell<Vec<(u64, Weak<Shared>, awc::Client)>> = const { RefCell::new(Vec::new()) };
}

/// The Clerk Backend API client (Clerk's `clerkClient()`): one `Clone + Send + Sync` handle, like
/// reqwest's `Client` or sqlx's `PgPool`.
///
/// Build it once per Clerk instance and clone it freely (an `Arc` inside): every clone shares the
/// settings, the retry budget, the [rate budget](Share) and the counters. Each call picks the awc
/// client of the thread it runs on (awc's client is `!Send`), created on first use and then
/// reused with its pooled connections.
///
/// clerk-actix's `Clerk::client` gives the client of a `Clerk` (clerk-actix re-exports this crate
/// as `clerk_actix::client`); a service that needs only the Backend API (a worker, a CLI) builds
/// one with [`ClerkClient::new`] and does not need clerk-actix at all.
///
/// # Runtime
///
/// The futures of its methods are `!Send` (awc's are): await them on an actix runtime (any
/// handler, `#[actix_web::main]`, `actix_rt::System`) or inside a `tokio::task::LocalSet`, not in
/// a `tokio::spawn`ed task.
///
/// # Requests
///
/// Every request carries `Authorization: Bearer <secret key>`, `Clerk-API-Version: 2026-05-12`
/// and the configured `User-Agent`; redirects are not followed (they would carry the secret key
/// elsewhere).
///
/// # Rate budget
///
/// Every attempt but `GET /v1/jwks` (which Clerk does not rate-limit) takes a slot of the
/// instance's rate budget ([`ClientConfig::rate_limit`]) from the handle's [`Share`] (by default
/// [`Share::Default`]; see [`share`](Self::share)), waiting at most [`ClientConfig::rate_limit_wait`]
/// for one (see [`max_wait`](Self::max_wait)); a call that gets none fails with
/// [`ApiError::RateBudgetExhausted`] without being sent. A `429` pauses every share for its
/// `Retry-After`.
///
/// # Retries
///
/// Retried (up to [`ClientConfig::max_retries`] times, within the shared retry budget) on 429,
/// 5xx other than 501/505, timeouts and transport failures, by rule: a call is retried when its
/// row of the [operation table](crate::operations) says `Retry::Idempotent` (reads, `PUT`s,
/// `DELETE`s, and the `POST`s repeating which leaves the same state: verifications, ban and
/// lock, revocations), never otherwise (creates and `PATCH`es: a lost answer is reported, and
/// `docs/backend-api-retries.md` says what to check after a timeout). [`request`](Self::request)
/// retries an idempotent method (`GET`, `HEAD`, `PUT`, `DELETE`, `OPTIONS`), never one with
/// `POST` or `PATCH`. A 401 `clerk_key_invalid` is never retried. A 429 waits for `Retry-After`
/// (no less, but never more than
/// [`MAX_RETRY_AFTER`](super::MAX_RETRY_AFTER): a longer value is cut to it); if that exceeds
/// [`ClientConfig::max_retry_after`] the call fails at once with the 429. Other retries back off
/// exponentially with full jitter.
///
/// # Examples
///
/// A client on its own (no clerk-actix `Clerk`), here inside a `LocalSet`:
///
/// ```no_run
/// use clerk_backend::{ClerkClient, ClientConfig};
///
/// # fn main() -> Result<(), Box<dyn std::error::Error>> {
/// // CLERK_SECRET_KEY, CLERK_API_URL, …
/// let client = ClerkClient::new(ClientConfig::from_env()?)?;
/// let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
/// let local = tokio::task::LocalSet::new();
/// let user = local.block_on(&runtime, client.users().get("user_2abc"))?;
/// println!("{}", user.id);
/// # Ok(())
/// # }
/// ```
///
/// In an actix-web handler, the client in app data (with clerk-actix, `Clerk::client` gives it):
///
/// ```no_run
/// use actix_web::{get, web, HttpResponse};
/// use clerk_backend::ClerkClient;
///
/// #[get("/users/{id}")]
/// async fn show(client: web::Data<ClerkClient>, id: web::Path<String>) -> HttpResponse {
///     match client.users().get(&id).await {
///         Ok(user) => HttpResponse::Ok().json(user.to_public()),
///         Err(err) if err.is_not_found() => HttpResponse::NotFound().finish(),
///         Err(_) => HttpResponse::BadGateway().finish(),
///     }
/// }
/// ```
#[derive(Clone)]
pub struct ClerkClient {
    shared: Arc<Shared>,
    share: Share,
    max_wait: Option<Duration>,
}

impl fmt::Debug for ClerkClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClerkClient")
            .field("id", &self.shared.id)
            .field("share", &self.share)
            .field("max_wait", &self.max_wait)
            .field("config", &self.shared.config)
            .field("retry_budget_available", &self.shared.retries.available())
            .finish_non_exhaustive()
    }
}

/// One logical call.
pub(super) struct Call {
    endpoint: &'static str,
    method: Method,
    url: String,
    body: Option<Bytes>,
    /// The body's `Content-Type` when not JSON (a multipart upload).
    content_type: Option<HeaderValue>,
    retryable: bool,
    /// Whether attempts take slots of the rate budget (all but `GET /v1/jwks`).
    budgeted: bool,
    timeout: Duration,
    max_retries: u32,
    /// Sent instead of the secret key (the machine secret key of M2M token calls).
    pub(super) authorization: Option<HeaderValue>,
}

impl Call {
    /// The call takes no rate-budget slot (what Clerk does not rate-limit: JWKS).
    pub(super) fn without_budget(mut self) -> Self {
        self.budgeted = false;
        self
    }

    /// Sent with `authorization` instead of the secret key, when set (the machine secret key
    /// of the M2M token calls).
    pub(super) fn with_authorization(mut self, authorization: Option<HeaderValue>) -> Self {
        if authorization.is_some() {
            self.authorization = authorization;
        }
        self
    }

    /// One attempt within `timeout` at most (a background refresh).
    pub(super) fn quick(mut self, timeout: Duration) -> Self {
        self.max_retries = 0;
        self.timeout = self.timeout.min(timeout);
        self
    }

    /// The body is sent with this `Content-Type` instead of JSON's.
    pub(super) fn with_content_type(mut self, content_type: HeaderValue) -> Self {
        self.content_type = Some(content_type);
        self
    }
}

/// What an attempt brought back, body read.
struct RawResponse {
    status: u16,
    content_type: Option<String>,
    retry_after: Option<Duration>,
    trace_header: Option<String>,
    body: Bytes,
}

impl ClerkClient {
    /// Checks `config` and builds the client.
    ///
    /// # Errors
    ///
    /// A [`ConfigError`] naming the setting at fault: `CLERK_SECRET_KEY` when it is missing or
    /// malformed, `CLERK_API_URL`, `CLERK_API_VERSION`, `CLERK_HTTP_TIMEOUT_MS`,
    /// `CLERK_API_RATE_LIMIT`, `user_agent`.
    pub fn new(config: ClientConfig) -> Result<Self, ConfigError> {
        let checked = config.check()?;
        Self::from_checked(config, checked)
    }

    /// Builds the client from settings [`ClientConfig::check`] accepted.
    ///
    /// Not a stable API: the seam clerk-actix builds its `ClerkConfig` on.
    #[doc(hidden)]
    pub fn from_checked(config: ClientConfig, checked: Checked) -> Result<Self, ConfigError> {
        let Checked {
            secret_key,
            root,
            versioned,
            user_agent,
            rate_limit,
            ..
        } = checked;
        let Some(secret_key) = secret_key else {
            return Err(ConfigError::new(
                "CLERK_SECRET_KEY",
                "missing: the Backend API client needs the instance's secret key",
            ));
        };
        let mut authorization = HeaderValue::from_str(&format!("Bearer {}", secret_key.expose()))
            .map_err(|_| ConfigError::new("CLERK_SECRET_KEY", "cannot be sent in an HTTP header"))?;
        authorization.set_sensitive(true);
        let machine_authorization = match config.machine_secret_key.as_deref() {
            Some(key) => {
                let mut value = HeaderValue::from_str(&format!("Bearer {}", key.trim())).map_err(|_| {
                    ConfigError::new("CLERK_MACHINE_SECRET_KEY", "cannot be sent in an HTTP header")
                })?;
                value.set_sensitive(true);
                Some(value)
            }
            None => None,
        };
        if root.starts_with("http://") && !is_loopback_url(&root) {
            tracing::warn!(
                api_url = %root,
                "the Clerk Backend API URL is plain http: the secret key is sent unencrypted"
            );
        }
        // Clerk's limit is per instance; the key's prefix says which kind (a shape check ensured
        // it has one).
        let rate_limit = rate_limit.unwrap_or_else(|| {
            RateLimit::for_instance(secret_key.instance_type().unwrap_or(InstanceType::Production))
        });
        let max_wait = Some(config.rate_limit_wait);
        Ok(Self {
            shared: Arc::new(Shared {
                id: NEXT_CLIENT_ID.fetch_add(1, Ordering::Relaxed),
                scope: CacheScope::new(&root, &secret_key),
                retries: RetryBudget::new(config.retry_budget_ratio, config.retry_budget_floor),
                rate: RateBudget::new(rate_limit),
                metrics: Metrics::default(),
                observer: config.observer.clone(),
                server: server_of(&root),
                root,
                versioned,
                authorization,
                machine_authorization,
                user_agent,
                config,
            }),
            share: Share::Default,
            max_wait,
        })
    }

    /// A handle on the same client whose calls draw from `share` of the rate budget (cheap: an
    /// `Arc` clone). Its wait for a slot is the configured
    /// [`rate_limit_wait`](ClientConfig::rate_limit_wait) until [`max_wait`](Self::max_wait)
    /// changes it.
    ///
    /// ```
    /// use std::time::Duration;
    /// use clerk_backend::{ClerkClient, ClientConfig, Share};
    ///
    /// let client = ClerkClient::new(ClientConfig::new().secret_key("sk_test_example"))?;
    /// // A background job that may wait as long as it takes for its slots.
    /// let reconciliation = client.share(Share::Reconciliation).max_wait(None);
    /// # drop(reconciliation);
    /// # Ok::<(), clerk_backend::ConfigError>(())
    /// ```
    pub fn share(&self, share: Share) -> Self {
        Self {
            shared: Arc::clone(&self.shared),
            share,
            max_wait: Some(self.shared.config.rate_limit_wait),
        }
    }

    /// This handle on `share`: itself (its wait kept) when it is already on that share, else
    /// [`share`](Self::share). An operation with a fixed share runs on it.
    pub(crate) fn on_share(&self, share: Share) -> Self {
        if self.share == share {
            self.clone()
        } else {
            self.share(share)
        }
    }

    /// How long this handle's calls wait for a rate-budget slot before they fail with
    /// [`ApiError::RateBudgetExhausted`] (`None`: as long as it takes).
    pub fn max_wait(mut self, wait: Option<Duration>) -> Self {
        self.max_wait = wait;
        self
    }

    /// Whether this handle's share has spent half its slice within the window (or a 429 paused
    /// the budget).
    pub(crate) fn share_is_pressed(&self) -> bool {
        self.shared.rate.is_pressed(self.share)
    }

    /// A copy of the call counters and the budgets, for metrics export.
    pub fn metrics(&self) -> MetricsSnapshot {
        self.shared
            .metrics
            .snapshot(self.shared.retries.available(), self.shared.rate.snapshot())
    }

    /// The settings this client was built with, as their `Debug` shows them (keys redacted):
    /// for a configuration's `Debug`, without a second copy of the keys.
    #[doc(hidden)]
    pub fn describe_config(&self) -> String {
        format!("{:?}", self.shared.config)
    }

    /// `{api_url}` and the URL version segment this client calls.
    #[doc(hidden)]
    pub fn api_url_and_version(&self) -> (&str, &str) {
        let shared = &self.shared;
        let version = shared
            .versioned
            .strip_prefix(shared.root.as_str())
            .map_or("", |rest| rest.trim_start_matches('/'));
        (&shared.root, version)
    }

    /// The cache scope of this client's instance (API URL and a digest of the secret key).
    #[doc(hidden)]
    pub fn cache_scope(&self) -> &CacheScope {
        &self.shared.scope
    }

    /// `{api_url}/{api_version}/jwks`.
    pub(crate) fn jwks_url(&self) -> String {
        format!("{}/jwks", self.shared.versioned)
    }

    /// `{api_url}/{api_version}{path}`: the URL of a versioned Backend API path (`path` starts
    /// with `/` and is already encoded).
    pub(super) fn v1_url(&self, path: &str) -> String {
        format!("{}{path}", self.shared.versioned)
    }

    /// Whether two handles are of the same client (one budget).
    #[doc(hidden)]
    pub fn same_client(&self, other: &Self) -> bool {
        Arc::ptr_eq(&self.shared, &other.shared)
    }

    /// This thread's awc client for this client, created on first use.
    fn http(&self) -> awc::Client {
        let shared = &self.shared;
        CLIENTS.with(|clients| {
            let mut clients = clients.borrow_mut();
            if let Some((_, _, client)) = clients.iter().find(|(id, _, _)| *id == shared.id) {
                return client.clone();
            }
            // Forget the clients of instances that are gone.
            clients.retain(|(_, weak, _)| weak.strong_count() > 0);
            let client = build_http(&shared.config);
            clients.push((shared.id, Arc::downgrade(shared), client.clone()));
            client
        })
    }

    /// Runs `call` (the row of `GET /v1/jwks`) and parses its keys with clerk-core's
    /// [`JwkSet::parse`] (unusable keys skipped).
    pub(super) async fn jwk_set_of(&self, call: Call) -> ApiResult<JwkSet> {
        let endpoint = call.endpoint;
        let raw = self.execute(call).await?;
        check_json(endpoint, &raw)?;
        JwkSet::parse(&raw.body).map_err(|err| ApiError::Decode {
            endpoint,
            status: raw.status,
            detail: err.to_string(),
        })
    }

    /// `{api_url}{path}`: a call at the API root, without the version segment (the machine-token
    /// endpoints).
    pub(super) fn root_url(&self, path: &str) -> String {
        format!("{}{path}", self.shared.root)
    }

    /// The machine secret key's `Authorization` value, when one is configured.
    pub(super) fn machine_authorization(&self) -> Option<HeaderValue> {
        self.shared.machine_authorization.clone()
    }

    /// `{api_url}/{api_version}`, for the resource modules' URLs.
    pub(super) fn versioned(&self) -> &str {
        &self.shared.versioned
    }

    pub(super) fn get(&self, endpoint: &'static str, url: String) -> Call {
        self.call(endpoint, Method::GET, url, None, true)
    }

    /// A call with the configured timeout and retries, within the rate budget.
    pub(super) fn call(
        &self,
        endpoint: &'static str,
        method: Method,
        url: String,
        body: Option<Bytes>,
        retryable: bool,
    ) -> Call {
        let config = &self.shared.config;
        Call {
            endpoint,
            method,
            url,
            body,
            content_type: None,
            retryable,
            budgeted: true,
            timeout: config.timeout,
            max_retries: config.max_retries,
            authorization: None,
        }
    }

    pub(super) async fn json<T: DeserializeOwned>(&self, call: Call) -> ApiResult<T> {
        let endpoint = call.endpoint;
        let raw = self.execute(call).await?;
        check_json(endpoint, &raw)?;
        // 204 has no body: decode `null` so `Option`/`()` targets work.
        let body: &[u8] = if raw.status == 204 || raw.body.is_empty() {
            b"null"
        } else {
            &raw.body
        };
        serde_json::from_slice(body).map_err(|err| ApiError::Decode {
            endpoint,
            status: raw.status,
            detail: describe_json_error(&err),
        })
    }

    /// Runs a call with retries; `Ok` only for a 2xx.
    async fn execute(&self, call: Call) -> ApiResult<RawResponse> {
        let shared = &*self.shared;
        let config = &shared.config;
        Metrics::bump(&shared.metrics.calls);
        shared.retries.deposit();
        let http = self.http();
        let mut retry = 0u32;
        let mut last_error = None;
        loop {
            if call.budgeted && !shared.rate.acquire(self.share, self.max_wait).await {
                if self.share == Share::MachineTokens {
                    // Headers an attacker chooses: one log line per refused request would let a
                    // flood of random keys flood the logs too (the metrics count them).
                    tracing::debug!(endpoint = call.endpoint, share = %self.share, "Clerk rate budget: no slot, not sent");
                } else {
                    tracing::warn!(
                        endpoint = call.endpoint,
                        share = %self.share,
                        "Clerk rate budget: no slot in time, the request is not sent"
                    );
                }
                return Err(last_error.unwrap_or(ApiError::RateBudgetExhausted {
                    endpoint: call.endpoint,
                    share: self.share,
                }));
            }
            let started = Instant::now();
            let span = self.attempt_span(&call, retry);
            let result = self.attempt(&http, &call).instrument(span.clone()).await;
            let outcome = match &result {
                Ok(raw) => AttemptOutcome::Status(raw.status),
                Err(ApiError::Timeout { .. }) => AttemptOutcome::Timeout,
                Err(_) => AttemptOutcome::Transport,
            };
            record_outcome(&span, outcome);
            shared.metrics.record_attempt(call.endpoint, outcome);
            if let Some(observer) = &shared.observer {
                observer.on_attempt(&AttemptEvent {
                    endpoint: call.endpoint,
                    outcome,
                    retry,
                    elapsed: started.elapsed(),
                });
            }
            let err = match result {
                Ok(raw) if (200..300).contains(&raw.status) => return Ok(raw),
                Ok(raw) => status_error(call.endpoint, raw),
                Err(err) => err,
            };
            if err.is_rate_limited() {
                // Clerk's limit is per instance: every share waits it out.
                let wait = err.retry_after().unwrap_or(Duration::from_secs(1));
                shared.rate.pause(wait);
                tracing::warn!(endpoint = call.endpoint, retry_after = ?wait, "Clerk answered 429: pausing the rate budget");
            }
            if !call.retryable || retry >= call.max_retries || !err.is_retryable() {
                return Err(err);
            }
            let wait = match err.retry_after() {
                Some(wait) if err.is_rate_limited() && wait > config.max_retry_after => {
                    Metrics::bump(&shared.metrics.retry_after_too_long);
                    tracing::debug!(
                        endpoint = call.endpoint,
                        ?wait,
                        "Retry-After exceeds the cap, not retrying"
                    );
                    return Err(err);
                }
                Some(wait) if err.is_rate_limited() => wait,
                _ => backoff(config.backoff_base, config.backoff_cap, retry),
            };
            if !shared.retries.try_spend() {
                Metrics::bump(&shared.metrics.budget_exhausted);
                tracing::warn!(endpoint = call.endpoint, error = %err, "Clerk retry budget spent, not retrying");
                return Err(err);
            }
            Metrics::bump(&shared.metrics.retries);
            tracing::debug!(endpoint = call.endpoint, error = %err, ?wait, retry = retry + 1, "retrying Clerk call");
            actix_rt::time::sleep(wait).await;
            retry += 1;
            last_error = Some(err);
        }
    }

    /// The `tracing` span of one attempt, named and attributed by OpenTelemetry's HTTP client
    /// conventions: the endpoint label as name and `url.template` (never the path with its ids,
    /// nor the query), the method, the API host, the retry number and the budget share. No
    /// header, token or key.
    fn attempt_span(&self, call: &Call, retry: u32) -> tracing::Span {
        let (host, port) = &self.shared.server;
        let span = tracing::info_span!(
            "clerk.api.attempt",
            otel.name = call.endpoint,
            otel.kind = "client",
            otel.status_code = tracing::field::Empty,
            http.request.method = call.method.as_str(),
            server.address = host.as_str(),
            server.port = port,
            url.template = tracing::field::Empty,
            http.request.resend_count = tracing::field::Empty,
            http.response.status_code = tracing::field::Empty,
            error.type = tracing::field::Empty,
            clerk.budget_share = %self.share,
        );
        if let Some((_, template)) = call.endpoint.split_once(' ').filter(|(_, t)| t.starts_with('/')) {
            span.record("url.template", template);
        }
        if retry > 0 {
            span.record("http.request.resend_count", retry);
        }
        span
    }

    /// One HTTP attempt, bounded by the call's timeout (send, head and body).
    async fn attempt(&self, http: &awc::Client, call: &Call) -> ApiResult<RawResponse> {
        let shared = &*self.shared;
        let timeout = call.timeout;
        let endpoint = call.endpoint;
        let mut request = http.request(call.method.clone(), call.url.as_str());
        // First, so that the client's own headers below win over the hook's.
        if let Some(injector) = &shared.config.header_injector {
            injector.inject(request.headers_mut());
        }
        let request = request
            .insert_header((
                header::AUTHORIZATION,
                call.authorization
                    .clone()
                    .unwrap_or_else(|| shared.authorization.clone()),
            ))
            .insert_header((
                HeaderName::from_static("clerk-api-version"),
                HeaderValue::from_static(API_VERSION_HEADER),
            ))
            .insert_header((header::USER_AGENT, shared.user_agent.clone()))
            .insert_header((header::ACCEPT, HeaderValue::from_static("application/json")))
            .timeout(timeout);
        let exchange = async {
            let sent = match &call.body {
                Some(body) => {
                    request
                        .insert_header((
                            header::CONTENT_TYPE,
                            call.content_type
                                .clone()
                                .unwrap_or_else(|| HeaderValue::from_static("application/json")),
                        ))
                        .send_body(body.clone())
                        .await
                }
                None => request.send().await,
            };
            let mut response = sent.map_err(|err| send_error(endpoint, timeout, err))?;
            let headers = response.headers();
            let text = |name: &str| {
                headers
                    .get(name)
                    .and_then(|value| value.to_str().ok())
                    .map(str::to_owned)
            };
            let content_type = text("content-type");
            let retry_after = text("retry-after").as_deref().and_then(parse_retry_after);
            let trace_header = text("clerk-trace-id").or_else(|| text("cf-ray"));
            let status = response.status().as_u16();
            let limit = shared.config.max_response_bytes;
            let body = response
                .body()
                .limit(limit)
                .await
                .map_err(|err| payload_error(endpoint, timeout, limit, err))?;
            Ok(RawResponse {
                status,
                content_type,
                retry_after,
                trace_header,
                body,
            })
        };
        actix_rt::time::timeout(timeout, exchange)
            .await
            .unwrap_or(Err(ApiError::Timeout { endpoint, timeout }))
    }
}

/// The attempt's end on its span: the status (an error from 400 on, as the HTTP client
/// conventions have it), or the kind of failure.
fn record_outcome(span: &tracing::Span, outcome: AttemptOutcome) {
    match outcome {
        AttemptOutcome::Status(status) => {
            span.record("http.response.status_code", status);
            if status >= 400 {
                span.record("error.type", tracing::field::display(status));
                span.record("otel.status_code", "ERROR");
            }
        }
        AttemptOutcome::Timeout | AttemptOutcome::Transport => {
            let kind = if outcome == AttemptOutcome::Timeout {
                "timeout"
            } else {
                "transport"
            };
            span.record("error.type", kind);
            span.record("otel.status_code", "ERROR");
        }
    }
}

/// The host and port of `root` (`https://api.clerk.com` → `api.clerk.com`, 443).
fn server_of(root: &str) -> (String, u16) {
    url::Url::parse(root)
        .ok()
        .map(|url| {
            let host = url.host_str().unwrap_or_default().to_owned();
            (host, url.port_or_known_default().unwrap_or(443))
        })
        .unwrap_or_default()
}

fn build_http(config: &ClientConfig) -> awc::Client {
    // awc's rustls comes without a crypto provider; install aws-lc-rs unless the app already
    // installed one (then this is a harmless no-op).
    let _ = rustls::crypto::aws_lc_rs::default_provider().install_default();
    let connector = awc::Connector::new()
        .timeout(config.timeout)
        .conn_keep_alive(config.keep_alive);
    awc::Client::builder()
        .connector(connector)
        .timeout(config.timeout)
        // A redirect would carry the secret key to another URL.
        .disable_redirects()
        .no_default_headers()
        .finish()
}

pub(super) fn with_query(mut url: String, query: &str) -> String {
    if !query.is_empty() {
        url.push('?');
        url.push_str(query);
    }
    url
}

pub(super) fn json_body(value: &impl serde::Serialize) -> ApiResult<Bytes> {
    serde_json::to_vec(value)
        .map(Bytes::from)
        .map_err(|err| ApiError::InvalidArgument(format!("the request body cannot be encoded: {err}")))
}

/// Accepts `application/json` with any parameters (`; charset=utf-8`), or no content type.
fn check_json(endpoint: &'static str, raw: &RawResponse) -> ApiResult<()> {
    match &raw.content_type {
        Some(content_type) if !is_json(content_type) && !raw.body.is_empty() => Err(ApiError::Decode {
            endpoint,
            status: raw.status,
            detail: "the content type is not application/json".to_owned(),
        }),
        _ => Ok(()),
    }
}

fn is_json(content_type: &str) -> bool {
    let essence = content_type.split(';').next().unwrap_or_default().trim();
    essence.eq_ignore_ascii_case("application/json")
}

fn status_error(endpoint: &'static str, raw: RawResponse) -> ApiError {
    let envelope = serde_json::from_slice::<ClerkErrors>(&raw.body).ok();
    let (errors, body_trace) = match envelope {
        Some(envelope) => (envelope.errors, envelope.clerk_trace_id),
        None => (Vec::new(), None),
    };
    ApiError::Status {
        endpoint,
        status: raw.status,
        errors,
        clerk_trace_id: body_trace.filter(|trace| !trace.is_empty()).or(raw.trace_header),
        retry_after: raw.retry_after,
    }
}

fn send_error(endpoint: &'static str, timeout: Duration, err: SendRequestError) -> ApiError {
    match err {
        SendRequestError::Timeout => ApiError::Timeout { endpoint, timeout },
        other => ApiError::Transport {
            endpoint,
            detail: other.to_string(),
        },
    }
}

fn payload_error(endpoint: &'static str, timeout: Duration, limit: usize, err: PayloadError) -> ApiError {
    match err {
        PayloadError::Overflow => ApiError::ResponseTooLarge { endpoint, limit },
        PayloadError::Io(io) if io.kind() == std::io::ErrorKind::TimedOut => {
            ApiError::Timeout { endpoint, timeout }
        }
        other => ApiError::Transport {
            endpoint,
            detail: format!("reading the body failed: {other}"),
        },
    }
}

/// The kind and position of a JSON error, without the offending text (it may hold user data).
fn describe_json_error(err: &serde_json::Error) -> String {
    let kind = match err.classify() {
        serde_json::error::Category::Io => "I/O error",
        serde_json::error::Category::Syntax => "invalid JSON",
        serde_json::error::Category::Data => "unexpected JSON shape",
        serde_json::error::Category::Eof => "truncated JSON",
    };
    format!("{kind} at line {} column {}", err.line(), err.column())
}

/// Whether `url`'s host is `localhost` or a loopback address (a local emulator).
fn is_loopback_url(url: &str) -> bool {
    match url::Url::parse(url)
        .ok()
        .and_then(|url| url.host().map(|host| host.to_owned()))
    {
        Some(url::Host::Domain(domain)) => domain.eq_ignore_ascii_case("localhost"),
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        None => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn client(url: &str) -> ClerkClient {
        ClerkClient::new(ClientConfig::new().secret_key("sk_test_secret").api_url(url)).expect("valid")
    }

    #[test]
    fn the_client_crosses_threads() {
        fn assert_send_sync<T: Send + Sync + Clone + 'static>() {}
        assert_send_sync::<ClerkClient>();
        assert_send_sync::<ClientConfig>();
        fn assert_error<T: Send + Sync + std::error::Error>() {}
        assert_error::<ApiError>();
    }

    #[test]
    fn a_client_needs_a_secret_key() {
        let err = ClerkClient::new(ClientConfig::new()).unwrap_err();
        assert_eq!(err.variable, "CLERK_SECRET_KEY");
    }

    #[test]
    fn urls_are_normalised() {
        let client = client("https://api.clerk.com/");
        assert_eq!(client.shared.root, "https://api.clerk.com");
        assert_eq!(client.shared.versioned, "https://api.clerk.com/v1");
        assert_eq!(client.jwks_url(), "https://api.clerk.com/v1/jwks");
    }

    #[test]
    fn the_default_rate_limit_follows_the_instance_type() {
        let dev = client("https://api.clerk.com");
        assert_eq!(
            dev.metrics().rate_budget.limit,
            RateLimit::new(90, Duration::from_secs(10))
        );
        let prod = ClerkClient::new(ClientConfig::new().secret_key("sk_live_secret")).expect("valid");
        assert_eq!(
            prod.metrics().rate_budget.limit,
            RateLimit::new(900, Duration::from_secs(10))
        );
        let set = ClerkClient::new(
            ClientConfig::new()
                .secret_key("sk_live_secret")
                .rate_limit(RateLimit::new(50, Duration::from_secs(1))),
        )
        .expect("valid");
        assert_eq!(
            set.metrics().rate_budget.limit,
            RateLimit::new(50, Duration::from_secs(1))
        );
    }

    #[test]
    fn shares_are_views_of_one_client() {
        let client = client("https://api.clerk.com");
        let view = client.share(Share::Reconciliation).max_wait(None);
        assert!(view.same_client(&client));
        assert_eq!((view.share, view.max_wait), (Share::Reconciliation, None));
        assert_eq!(client.max_wait, Some(Duration::from_secs(2)));
    }

    #[test]
    fn debug_hides_the_secret() {
        let client = client("https://api.clerk.com");
        assert!(!format!("{client:?}").contains("sk_test_secret"));
    }

    #[test]
    fn json_content_types() {
        assert!(is_json("application/json"));
        assert!(is_json("Application/JSON; charset=utf-8"));
        assert!(!is_json("text/html"));
        assert!(!is_json("application/jsonx"));
    }

    #[test]
    fn loopback_hosts() {
        assert!(is_loopback_url("http://127.0.0.1:8080"));
        assert!(is_loopback_url("http://[::1]:80"));
        assert!(is_loopback_url("http://localhost"));
        assert!(!is_loopback_url("http://api.clerk.com"));
    }
}
