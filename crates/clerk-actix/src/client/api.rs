//! The client: shared state, per-thread awc clients, the retry loop and the typed operations.

use std::cell::RefCell;
use std::fmt;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Weak};
use std::time::{Duration, Instant};

use actix_web::web::Bytes;
use awc::error::{PayloadError, SendRequestError};
use awc::http::header::{self, HeaderName, HeaderValue};
use awc::http::{Method, Uri};
use clerk_core::api::{
    ApiKey, ClerkErrors, DeletedObject, M2mToken, OAuthVerifyResponse, Session, TokenResponse, TotalCount,
};
use clerk_core::{CacheScope, JwkSet, User};
use serde::de::DeserializeOwned;
use serde_json::{Map, Value};

use super::config::{ClientConfig, CLERK_API_VERSION};
use super::error::{ApiError, ApiResult};
use super::jwks::JwksClient;
use super::metrics::{ApiObserver, AttemptEvent, AttemptOutcome, Metrics, MetricsSnapshot};
use super::params::{path_segment, UserListParams};
use super::retry::{backoff, parse_retry_after, RetryBudget};

static NEXT_SHARED_ID: AtomicU64 = AtomicU64::new(1);

/// The thread-safe half of the client, shared by every worker of one Clerk instance: the
/// configuration, the retry budget and the call counters.
///
/// Build it once (outside `HttpServer::new`), wrap it in an [`Arc`] and get a per-thread
/// [`BackendApi`] with [`BackendApi::current`].
///
/// # Examples
///
/// ```
/// use std::sync::Arc;
/// use clerk_actix::{ApiShared, ClientConfig};
/// use clerk_core::SecretKey;
///
/// let shared = Arc::new(ApiShared::new(ClientConfig::new(SecretKey::new("sk_test_example")?))?);
/// assert_eq!(shared.metrics().calls, 0);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub struct ApiShared {
    id: u64,
    config: ClientConfig,
    /// `{api_url}`, without a trailing slash.
    root: String,
    /// `{api_url}/{api_version}`.
    versioned: String,
    authorization: HeaderValue,
    user_agent: HeaderValue,
    scope: CacheScope,
    budget: RetryBudget,
    metrics: Metrics,
    observer: Option<Arc<dyn ApiObserver>>,
}

impl ApiShared {
    /// Checks `config` and builds the shared state.
    ///
    /// A plain `http://` URL is accepted (for local emulators) but logged as a warning unless the
    /// host is a loopback address, because the secret key would travel in clear text.
    ///
    /// # Errors
    ///
    /// [`ApiError::InvalidArgument`] when `api_url` is not an absolute `http(s)` URL without
    /// query, `api_version` is not a simple path segment, `user_agent` cannot be sent as a header
    /// or `timeout` is zero.
    pub fn new(config: ClientConfig) -> ApiResult<Self> {
        let invalid = |why: String| ApiError::InvalidArgument(why);
        let root = config.api_url.trim().trim_end_matches('/').to_owned();
        let uri: Uri = root
            .parse()
            .map_err(|_| invalid("api_url is not a valid URL".to_owned()))?;
        let scheme = uri.scheme_str().unwrap_or_default();
        let host = uri.host().unwrap_or_default();
        if !matches!(scheme, "http" | "https") || host.is_empty() || uri.query().is_some() {
            return Err(invalid(
                "api_url must be an absolute http(s) URL without a query, e.g. https://api.clerk.com"
                    .to_owned(),
            ));
        }
        if scheme == "http" && !is_loopback(host) {
            tracing::warn!(
                api_url = %root,
                "the Clerk Backend API URL is plain http: the secret key is sent unencrypted"
            );
        }
        let version = config.api_version.trim().trim_matches('/');
        if version.is_empty()
            || !version
                .bytes()
                .all(|byte| byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'_' | b'.'))
            || version == "."
            || version == ".."
        {
            return Err(invalid(
                "api_version must be a single path segment such as v1".to_owned(),
            ));
        }
        let mut authorization = HeaderValue::from_str(&format!("Bearer {}", config.secret_key.expose()))
            .map_err(|_| invalid("the secret key cannot be sent in a header".to_owned()))?;
        authorization.set_sensitive(true);
        let user_agent = HeaderValue::from_str(&config.user_agent)
            .map_err(|_| invalid("user_agent cannot be sent in a header".to_owned()))?;
        if config.timeout.is_zero() {
            return Err(invalid("timeout must be greater than zero".to_owned()));
        }
        Ok(Self {
            id: NEXT_SHARED_ID.fetch_add(1, Ordering::Relaxed),
            versioned: format!("{root}/{version}"),
            scope: CacheScope::new(&root, &config.secret_key),
            budget: RetryBudget::new(config.retry_budget_ratio, config.retry_budget_floor),
            metrics: Metrics::default(),
            observer: None,
            root,
            authorization,
            user_agent,
            config,
        })
    }

    /// Adds a hook called after every HTTP attempt (e.g. for latency histograms).
    pub fn with_observer(mut self, observer: Arc<dyn ApiObserver>) -> Self {
        self.observer = Some(observer);
        self
    }

    /// The configuration.
    pub fn config(&self) -> &ClientConfig {
        &self.config
    }

    /// The JWKS cache scope of this instance (API URL and a digest of the secret key).
    pub fn scope(&self) -> &CacheScope {
        &self.scope
    }

    /// `{api_url}/{api_version}`, the base of every call but the machine-token verifications.
    pub fn versioned_url(&self) -> &str {
        &self.versioned
    }

    /// A copy of the call counters, for metrics export.
    pub fn metrics(&self) -> MetricsSnapshot {
        self.metrics.snapshot(self.budget.available())
    }
}

impl fmt::Debug for ApiShared {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ApiShared")
            .field("id", &self.id)
            .field("config", &self.config)
            .field("retry_budget_available", &self.budget.available())
            .finish_non_exhaustive()
    }
}

fn is_loopback(host: &str) -> bool {
    let host = host.trim_start_matches('[').trim_end_matches(']');
    host.eq_ignore_ascii_case("localhost")
        || host
            .parse::<std::net::IpAddr>()
            .map(|ip| ip.is_loopback())
            .unwrap_or(false)
}

thread_local! {
    /// One awc client per `ApiShared` per thread, so pooled connections are reused.
    static CLIENTS: RefCell<Vec<(u64, Weak<ApiShared>, awc::Client)>> = const { RefCell::new(Vec::new()) };
}

/// A Clerk Backend API client on awc, for one worker thread.
///
/// awc's client is `!Send`, so each worker needs its own: call [`BackendApi::current`] in the
/// handler (it reuses this thread's client and its connection pool) and keep the
/// [`ApiShared`] in app data. Cloning is cheap.
///
/// Every request carries `Authorization: Bearer <secret key>`, `Clerk-API-Version:
/// 2026-05-12` and the configured `User-Agent`; redirects are not followed (they would carry the
/// secret key elsewhere).
///
/// # Retries
///
/// Retried (up to [`ClientConfig::max_retries`] times, within the shared retry budget) on 429,
/// 5xx other than 501/505, timeouts and transport failures:
/// - `GET`s;
/// - [`delete_user`](Self::delete_user): deleting twice changes nothing, but a retry after a
///   lost success answers 404, which callers may treat as done;
/// - the machine-token verifications (`POST …/verify`): they only read.
///
/// Never retried: [`update_user_metadata`](Self::update_user_metadata) (`PATCH`) and
/// [`create_session_token`](Self::create_session_token) (`POST`), and any 401
/// `clerk_key_invalid`. A 429 waits for `Retry-After` (no less, but never more than
/// [`MAX_RETRY_AFTER`](super::MAX_RETRY_AFTER): a longer value is cut to it); if that exceeds
/// [`ClientConfig::max_retry_after`] the call fails at once with the 429. Other retries back off
/// exponentially with full jitter.
///
/// # Examples
///
/// ```no_run
/// use std::sync::Arc;
/// use actix_web::{get, web, HttpResponse};
/// use clerk_actix::{ApiShared, BackendApi, ClientConfig};
/// use clerk_core::SecretKey;
///
/// #[get("/users/{id}")]
/// async fn show(shared: web::Data<Arc<ApiShared>>, id: web::Path<String>) -> HttpResponse {
///     match BackendApi::current(&shared).get_user(&id).await {
///         Ok(user) => HttpResponse::Ok().json(user.id),
///         Err(err) if err.is_not_found() => HttpResponse::NotFound().finish(),
///         Err(_) => HttpResponse::BadGateway().finish(),
///     }
/// }
///
/// # async fn run() -> Result<(), Box<dyn std::error::Error>> {
/// let config = ClientConfig::new(SecretKey::new(std::env::var("CLERK_SECRET_KEY")?)?);
/// let shared = Arc::new(ApiShared::new(config)?);
/// actix_web::HttpServer::new(move || {
///     actix_web::App::new().app_data(web::Data::new(shared.clone())).service(show)
/// })
/// .bind(("127.0.0.1", 8080))?
/// .run()
/// .await?;
/// # Ok(())
/// # }
/// ```
#[derive(Clone)]
pub struct BackendApi {
    shared: Arc<ApiShared>,
    client: awc::Client,
}

impl fmt::Debug for BackendApi {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("BackendApi")
            .field("shared", &self.shared)
            .finish_non_exhaustive()
    }
}

/// One logical call.
struct Call {
    endpoint: &'static str,
    method: Method,
    url: String,
    body: Option<Bytes>,
    retryable: bool,
}

/// What an attempt brought back, body read.
struct RawResponse {
    status: u16,
    content_type: Option<String>,
    retry_after: Option<Duration>,
    trace_header: Option<String>,
    body: Bytes,
}

impl BackendApi {
    /// A client with its own new awc client and connection pool.
    ///
    /// Prefer [`BackendApi::current`] in request handlers.
    pub fn new(shared: Arc<ApiShared>) -> Self {
        let client = build_client(&shared.config);
        Self { shared, client }
    }

    /// This thread's client for `shared`, created on first use and then reused (with its pooled
    /// connections) for as long as `shared` lives.
    pub fn current(shared: &Arc<ApiShared>) -> Self {
        let client = CLIENTS.with(|clients| {
            let mut clients = clients.borrow_mut();
            if let Some((_, _, client)) = clients.iter().find(|(id, _, _)| *id == shared.id) {
                return client.clone();
            }
            // Forget the clients of instances that are gone.
            clients.retain(|(_, weak, _)| weak.strong_count() > 0);
            let client = build_client(&shared.config);
            clients.push((shared.id, Arc::downgrade(shared), client.clone()));
            client
        });
        Self {
            shared: Arc::clone(shared),
            client,
        }
    }

    /// The shared state (configuration, budget, metrics).
    pub fn shared(&self) -> &Arc<ApiShared> {
        &self.shared
    }

    /// A [`JwksFetcher`](clerk_core::JwksFetcher) over this client, for a
    /// [`JwksCache`](clerk_core::JwksCache).
    pub fn jwks_fetcher(&self) -> JwksClient {
        JwksClient::new(self.clone())
    }

    /// `GET /v1/users/{id}`.
    ///
    /// # Errors
    ///
    /// [`ApiError::InvalidArgument`] for an empty or unsafe id; a 404 [`ApiError::Status`]
    /// ([`ApiError::is_not_found`]) when there is no such user; see [`ApiError`].
    pub async fn get_user(&self, user_id: &str) -> ApiResult<User> {
        let url = format!("{}/users/{}", self.shared.versioned, path_segment(user_id)?);
        self.json(self.get("GET /v1/users/{id}", url)).await
    }

    /// `GET /v1/users`: one page of users (a bare JSON array).
    ///
    /// # Errors
    ///
    /// A 422 [`ApiError::Status`] for an invalid filter; see [`ApiError`].
    pub async fn list_users(&self, params: &UserListParams) -> ApiResult<Vec<User>> {
        let url = with_query(format!("{}/users", self.shared.versioned), &params.to_query(true));
        self.json(self.get("GET /v1/users", url)).await
    }

    /// `GET /v1/users/count`: how many users match the filters (paging fields are ignored).
    ///
    /// # Errors
    ///
    /// A 422 [`ApiError::Status`] for an invalid filter; see [`ApiError`].
    pub async fn count_users(&self, params: &UserListParams) -> ApiResult<i64> {
        let url = with_query(
            format!("{}/users/count", self.shared.versioned),
            &params.to_query(false),
        );
        let count: TotalCount = self.json(self.get("GET /v1/users/count", url)).await?;
        Ok(count.total_count)
    }

    /// `PATCH /v1/users/{id}/metadata`: merges the given metadata (Clerk deep-merges objects;
    /// a `null` value removes a key). `None` leaves that kind untouched. Never retried.
    ///
    /// # Errors
    ///
    /// [`ApiError::InvalidArgument`] for an empty or unsafe id; 404 when there is no such user;
    /// 429 when the per-user limit (10 per 10 s) is hit; see [`ApiError`].
    pub async fn update_user_metadata(
        &self,
        user_id: &str,
        public: Option<Value>,
        private: Option<Value>,
        unsafe_: Option<Value>,
    ) -> ApiResult<User> {
        let url = format!(
            "{}/users/{}/metadata",
            self.shared.versioned,
            path_segment(user_id)?
        );
        let mut body = Map::new();
        for (key, value) in [
            ("public_metadata", public),
            ("private_metadata", private),
            ("unsafe_metadata", unsafe_),
        ] {
            if let Some(value) = value {
                body.insert(key.to_owned(), value);
            }
        }
        let call = Call {
            endpoint: "PATCH /v1/users/{id}/metadata",
            method: Method::PATCH,
            url,
            body: Some(json_body(&Value::Object(body))?),
            retryable: false,
        };
        self.json(call).await
    }

    /// `DELETE /v1/users/{id}`. Retried like a `GET` (see [`BackendApi`]).
    ///
    /// # Errors
    ///
    /// [`ApiError::InvalidArgument`] for an empty or unsafe id; 404 when there is no such user
    /// (also when a retried delete had in fact succeeded); see [`ApiError`].
    pub async fn delete_user(&self, user_id: &str) -> ApiResult<DeletedObject> {
        let url = format!("{}/users/{}", self.shared.versioned, path_segment(user_id)?);
        let call = Call {
            endpoint: "DELETE /v1/users/{id}",
            method: Method::DELETE,
            url,
            body: None,
            retryable: true,
        };
        self.json(call).await
    }

    /// `GET /v1/sessions/{id}`.
    ///
    /// # Errors
    ///
    /// [`ApiError::InvalidArgument`] for an empty or unsafe id; 404 when there is no such
    /// session; see [`ApiError`].
    pub async fn get_session(&self, session_id: &str) -> ApiResult<Session> {
        let url = format!("{}/sessions/{}", self.shared.versioned, path_segment(session_id)?);
        self.json(self.get("GET /v1/sessions/{id}", url)).await
    }

    /// `POST /v1/sessions/{id}/tokens`: mints a session JWT and returns it. Never retried.
    ///
    /// The JWT is a bearer credential: keep it out of logs.
    ///
    /// # Errors
    ///
    /// [`ApiError::InvalidArgument`] for an empty or unsafe id; 404 when there is no such
    /// session; see [`ApiError`].
    pub async fn create_session_token(&self, session_id: &str) -> ApiResult<String> {
        let url = format!(
            "{}/sessions/{}/tokens",
            self.shared.versioned,
            path_segment(session_id)?
        );
        let call = Call {
            endpoint: "POST /v1/sessions/{id}/tokens",
            method: Method::POST,
            url,
            body: None,
            retryable: false,
        };
        let token: TokenResponse = self.json(call).await?;
        Ok(token.jwt)
    }

    /// `GET /v1/jwks`: the instance's signing keys (unusable keys are skipped by
    /// [`JwkSet::parse`]).
    ///
    /// # Errors
    ///
    /// A 401 `clerk_key_invalid` [`ApiError::Status`] for a wrong secret key (not retried);
    /// [`ApiError::Decode`] when the body is not a JWK set; see [`ApiError`].
    pub async fn get_jwks(&self) -> ApiResult<JwkSet> {
        const ENDPOINT: &str = "GET /v1/jwks";
        let url = format!("{}/jwks", self.shared.versioned);
        let raw = self.execute(self.get(ENDPOINT, url)).await?;
        check_json(ENDPOINT, &raw)?;
        JwkSet::parse(&raw.body).map_err(|err| ApiError::Decode {
            endpoint: ENDPOINT,
            status: raw.status,
            detail: err.to_string(),
        })
    }

    /// `POST /m2m_tokens/verify` (at the API root, without `/v1`, like the JS SDK).
    ///
    /// Clerk may answer 200 for a revoked or expired token: check
    /// [`M2mToken::is_usable_at`].
    ///
    /// # Errors
    ///
    /// [`ApiError::InvalidArgument`] for an empty token; 404 for an unknown token; see
    /// [`ApiError`].
    pub async fn verify_m2m_token(&self, token: &str) -> ApiResult<M2mToken> {
        self.verify("POST /m2m_tokens/verify", "/m2m_tokens/verify", "token", token)
            .await
    }

    /// `POST /api_keys/verify` (at the API root). Check [`ApiKey::is_usable_at`].
    ///
    /// # Errors
    ///
    /// [`ApiError::InvalidArgument`] for an empty secret; 404 for an unknown key; see
    /// [`ApiError`].
    pub async fn verify_api_key(&self, secret: &str) -> ApiResult<ApiKey> {
        self.verify("POST /api_keys/verify", "/api_keys/verify", "secret", secret)
            .await
    }

    /// `POST /oauth_applications/access_tokens/verify` (at the API root).
    ///
    /// [`OAuthVerifyResponse::Inactive`] when Clerk answers `{"active": false}`.
    ///
    /// # Errors
    ///
    /// [`ApiError::InvalidArgument`] for an empty token; 404 for an unknown token; see
    /// [`ApiError`].
    pub async fn verify_oauth_token(&self, token: &str) -> ApiResult<OAuthVerifyResponse> {
        self.verify(
            "POST /oauth_applications/access_tokens/verify",
            "/oauth_applications/access_tokens/verify",
            "access_token",
            token,
        )
        .await
    }

    async fn verify<T: DeserializeOwned>(
        &self,
        endpoint: &'static str,
        path: &str,
        field: &str,
        token: &str,
    ) -> ApiResult<T> {
        if token.trim().is_empty() {
            return Err(ApiError::InvalidArgument(
                "the token to verify is empty".to_owned(),
            ));
        }
        let mut body = Map::new();
        body.insert(field.to_owned(), Value::String(token.to_owned()));
        let call = Call {
            endpoint,
            method: Method::POST,
            url: format!("{}{path}", self.shared.root),
            body: Some(json_body(&Value::Object(body))?),
            // Read-only lookups: a repeat cannot change anything.
            retryable: true,
        };
        self.json(call).await
    }

    fn get(&self, endpoint: &'static str, url: String) -> Call {
        Call {
            endpoint,
            method: Method::GET,
            url,
            body: None,
            retryable: true,
        }
    }

    async fn json<T: DeserializeOwned>(&self, call: Call) -> ApiResult<T> {
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
        shared.budget.deposit();
        let mut retry = 0u32;
        loop {
            let started = Instant::now();
            let result = self.attempt(&call).await;
            let outcome = match &result {
                Ok(raw) => AttemptOutcome::Status(raw.status),
                Err(ApiError::Timeout { .. }) => AttemptOutcome::Timeout,
                Err(_) => AttemptOutcome::Transport,
            };
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
            if !call.retryable || retry >= config.max_retries || !err.is_retryable() {
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
            if !shared.budget.try_spend() {
                Metrics::bump(&shared.metrics.budget_exhausted);
                tracing::warn!(endpoint = call.endpoint, error = %err, "Clerk retry budget spent, not retrying");
                return Err(err);
            }
            Metrics::bump(&shared.metrics.retries);
            tracing::debug!(endpoint = call.endpoint, error = %err, ?wait, retry = retry + 1, "retrying Clerk call");
            actix_rt::time::sleep(wait).await;
            retry += 1;
        }
    }

    /// One HTTP attempt, bounded by the per-attempt timeout (send, head and body).
    async fn attempt(&self, call: &Call) -> ApiResult<RawResponse> {
        let shared = &*self.shared;
        let timeout = shared.config.timeout;
        let endpoint = call.endpoint;
        let request = self
            .client
            .request(call.method.clone(), call.url.as_str())
            .insert_header((header::AUTHORIZATION, shared.authorization.clone()))
            .insert_header((
                HeaderName::from_static("clerk-api-version"),
                HeaderValue::from_static(CLERK_API_VERSION),
            ))
            .insert_header((header::USER_AGENT, shared.user_agent.clone()))
            .insert_header((header::ACCEPT, HeaderValue::from_static("application/json")))
            .timeout(timeout);
        let exchange = async {
            let sent = match &call.body {
                Some(body) => {
                    request
                        .insert_header((header::CONTENT_TYPE, HeaderValue::from_static("application/json")))
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

fn build_client(config: &ClientConfig) -> awc::Client {
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

fn with_query(mut url: String, query: &str) -> String {
    if !query.is_empty() {
        url.push('?');
        url.push_str(query);
    }
    url
}

fn json_body(value: &Value) -> ApiResult<Bytes> {
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

#[cfg(test)]
mod tests {
    use super::*;
    use clerk_core::SecretKey;

    fn config(url: &str) -> ClientConfig {
        ClientConfig::new(SecretKey::new("sk_test_secret").expect("key")).api_url(url)
    }

    #[test]
    fn urls_are_checked() {
        for bad in [
            "",
            "api.clerk.com",
            "ftp://api.clerk.com",
            "https://api.clerk.com?x=1",
        ] {
            assert!(ApiShared::new(config(bad)).is_err(), "{bad}");
        }
        let shared = ApiShared::new(config("https://api.clerk.com/")).expect("valid");
        assert_eq!(shared.root, "https://api.clerk.com");
        assert_eq!(shared.versioned, "https://api.clerk.com/v1");
        let mut bad_version = config("https://api.clerk.com");
        bad_version.api_version = "../x".to_owned();
        assert!(ApiShared::new(bad_version).is_err());
    }

    #[test]
    fn shared_state_crosses_threads() {
        fn assert_send_sync<T: Send + Sync>() {}
        assert_send_sync::<ApiShared>();
        assert_send_sync::<ClientConfig>();
        assert_send_sync::<ApiError>();
    }

    #[test]
    fn debug_hides_the_secret() {
        let shared = ApiShared::new(config("https://api.clerk.com")).expect("valid");
        assert!(!format!("{shared:?}").contains("sk_test_secret"));
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
        assert!(is_loopback("127.0.0.1"));
        assert!(is_loopback("[::1]"));
        assert!(is_loopback("localhost"));
        assert!(!is_loopback("api.clerk.com"));
    }
}
