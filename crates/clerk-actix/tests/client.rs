//! The Backend API client against scripted HTTP servers on loopback.
//!
//! Each test starts a small actix-web server on `127.0.0.1:0` that answers from a script and
//! records what it saw. `clerk-testkit` (the offline Clerk) will replace most of these later.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use actix_web::{web, App, HttpRequest, HttpResponse, HttpServer};
use clerk_actix::client::{RateLimit, Share};
use clerk_actix::{
    client::ApiError, client::AttemptOutcome, client::ClientConfig, client::UserListParams, ClerkClient,
};
use clerk_core::api::OAuthVerifyResponse;
use clerk_core::{jwks::FetchError, jwks::JwksFetcher, SecretKey};
use serde_json::{json, Value};

const SECRET: &str = "sk_test_integration_secret_value";
const USER: &str = include_str!("../../clerk-core/tests/fixtures/user.example.json");
const JWKS: &str = include_str!("../../clerk-core/tests/fixtures/jwks.response.json");
const M2M: &str = include_str!("../../clerk-core/tests/fixtures/m2m_tokens.verify.response.json");
const API_KEY: &str = include_str!("../../clerk-core/tests/fixtures/api_keys.verify.response.json");

// ---------------------------------------------------------------------------------------------
// Scripted server

#[derive(Clone)]
struct Reply {
    status: u16,
    headers: Vec<(&'static str, String)>,
    body: String,
    delay: Duration,
}

impl Reply {
    fn json(status: u16, body: impl Into<String>) -> Self {
        Self {
            status,
            headers: vec![("content-type", "application/json".to_owned())],
            body: body.into(),
            delay: Duration::ZERO,
        }
    }

    fn error(status: u16, code: &str) -> Self {
        Self::json(
            status,
            json!({"errors": [{"message": code, "long_message": format!("long {code}"), "code": code}]})
                .to_string(),
        )
    }

    fn header(mut self, name: &'static str, value: &str) -> Self {
        self.headers.retain(|(existing, _)| *existing != name);
        self.headers.push((name, value.to_owned()));
        self
    }

    fn delay(mut self, delay: Duration) -> Self {
        self.delay = delay;
        self
    }
}

/// A request as the server saw it.
#[derive(Debug, Clone)]
struct Seen {
    method: String,
    path: String,
    query: String,
    headers: Vec<(String, String)>,
    body: String,
    at: Instant,
}

impl Seen {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(key, _)| key.eq_ignore_ascii_case(name))
            .map(|(_, value)| value.as_str())
    }

    fn body_json(&self) -> Value {
        serde_json::from_str(&self.body).unwrap_or(Value::Null)
    }
}

#[derive(Default)]
struct State {
    script: VecDeque<Reply>,
    fallback: Option<Reply>,
    seen: Vec<Seen>,
}

struct Server {
    url: String,
    state: Arc<Mutex<State>>,
}

impl Server {
    /// Answers `script` in order, then `fallback` (or 500 when there is none).
    fn start(script: Vec<Reply>, fallback: Option<Reply>) -> Self {
        let state = Arc::new(Mutex::new(State {
            script: script.into(),
            fallback,
            seen: Vec::new(),
        }));
        let shared = Arc::clone(&state);
        let server = HttpServer::new(move || {
            App::new()
                .app_data(web::Data::from(Arc::clone(&shared)))
                .default_service(web::to(answer))
        })
        .workers(1)
        .bind(("127.0.0.1", 0))
        .expect("bind 127.0.0.1:0");
        // Bound before spawning: the port accepts connections at once, no sleep needed.
        let port = server.addrs()[0].port();
        actix_rt::spawn(server.disable_signals().run());
        Self {
            url: format!("http://127.0.0.1:{port}"),
            state,
        }
    }

    fn always(reply: Reply) -> Self {
        Self::start(Vec::new(), Some(reply))
    }

    fn seen(&self) -> Vec<Seen> {
        self.state.lock().expect("state").seen.clone()
    }

    fn hits(&self) -> usize {
        self.state.lock().expect("state").seen.len()
    }

    fn config(&self) -> ClientConfig {
        ClientConfig::new()
            .secret_key(SECRET)
            .api_url(&self.url)
            .user_agent("clerk-actix-tests/1.0")
            .backoff(Duration::from_millis(5), Duration::from_millis(20))
    }

    fn api(&self, config: ClientConfig) -> ClerkClient {
        ClerkClient::new(config).expect("config")
    }
}

async fn answer(req: HttpRequest, body: web::Bytes, state: web::Data<Mutex<State>>) -> HttpResponse {
    let reply = {
        let mut state = state.lock().expect("state");
        state.seen.push(Seen {
            method: req.method().to_string(),
            path: req.uri().path().to_owned(),
            query: req.uri().query().unwrap_or_default().to_owned(),
            headers: req
                .headers()
                .iter()
                .map(|(name, value)| (name.to_string(), value.to_str().unwrap_or_default().to_owned()))
                .collect(),
            body: String::from_utf8_lossy(&body).into_owned(),
            at: Instant::now(),
        });
        let fallback = state.fallback.clone();
        state
            .script
            .pop_front()
            .or(fallback)
            .unwrap_or_else(|| Reply::error(500, "script_exhausted"))
    };
    if !reply.delay.is_zero() {
        actix_rt::time::sleep(reply.delay).await;
    }
    let mut response =
        HttpResponse::build(actix_web::http::StatusCode::from_u16(reply.status).expect("status"));
    for (name, value) in &reply.headers {
        response.insert_header((*name, value.as_str()));
    }
    response.body(reply.body)
}

// ---------------------------------------------------------------------------------------------
// Retries

#[actix_rt::test]
async fn rate_limit_waits_for_retry_after_then_succeeds() {
    let server = Server::start(
        vec![
            Reply::error(429, "too_many_requests").header("retry-after", "1"),
            Reply::json(200, USER),
        ],
        None,
    );
    let api = server.api(server.config());

    let user = api
        .users()
        .get("user_1")
        .await
        .expect("retried after Retry-After");

    assert_eq!(
        user.id,
        serde_json::from_str::<Value>(USER).expect("fixture")["id"]
    );
    let seen = server.seen();
    assert_eq!(seen.len(), 2);
    let gap = seen[1].at.duration_since(seen[0].at);
    assert!(
        gap >= Duration::from_secs(1),
        "retried after {gap:?}, before Retry-After"
    );
    assert!(gap < Duration::from_secs(3), "waited {gap:?}");
}

#[actix_rt::test]
async fn retry_after_beyond_the_cap_fails_at_once_with_retry_after() {
    let server = Server::always(Reply::error(429, "too_many_requests").header("retry-after", "60"));
    let api = server.api(server.config());
    let started = Instant::now();

    let err = api.users().get("user_1").await.expect_err("429");

    assert!(started.elapsed() < Duration::from_secs(1));
    assert!(err.is_rate_limited());
    assert_eq!(err.retry_after(), Some(Duration::from_secs(60)));
    assert_eq!(server.hits(), 1);
    assert_eq!(api.metrics().retry_after_too_long, 1);
}

/// Issue 10, item 5: a `Retry-After` of `u64::MAX` seconds (from the offline Clerk) is clamped
/// to a minute where it is parsed, so no caller can add it to an `Instant` and panic.
#[actix_rt::test]
async fn a_huge_retry_after_from_clerk_is_clamped_to_a_minute() {
    // Arrange
    let clerk = clerk_testkit::TestClerk::builder()
        .production()
        .start()
        .expect("offline Clerk starts");
    clerk
        .faults()
        .rate_limit_next("GET", "/v1/users/{user_id}", 1, u64::MAX);
    let config = ClientConfig::new()
        .secret_key(clerk.secret_key())
        .api_url(clerk.base_url());
    let api = ClerkClient::new(config).expect("client");
    let started = Instant::now();

    // Act
    let err = api.users().get("user_1").await.expect_err("429");

    // Assert: a minute is over the client's 30 s default, so the call fails at once.
    assert!(err.is_rate_limited());
    assert_eq!(err.retry_after(), Some(Duration::from_secs(60)));
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "{:?}",
        started.elapsed()
    );
    assert_eq!(clerk.calls().count("GET", "/v1/users/{user_id}"), 1);
}

#[actix_rt::test]
async fn server_errors_are_retried_until_success() {
    let server = Server::start(
        vec![
            Reply::error(500, "internal_clerk_error"),
            Reply::json(502, "bad gateway"),
            Reply::json(200, USER),
        ],
        None,
    );
    let api = server.api(server.config());

    api.users().get("user_1").await.expect("third attempt succeeds");

    assert_eq!(server.hits(), 3);
    let metrics = api.metrics();
    assert_eq!(metrics.calls, 1);
    assert_eq!(metrics.retries, 2);
    assert_eq!(
        metrics.attempts_of("GET /v1/users/{user_id}", AttemptOutcome::Status(500)),
        1
    );
    assert_eq!(
        metrics.attempts_of("GET /v1/users/{user_id}", AttemptOutcome::Status(502)),
        1
    );
    assert_eq!(
        metrics.attempts_of("GET /v1/users/{user_id}", AttemptOutcome::Status(200)),
        1
    );
}

#[actix_rt::test]
async fn retries_stop_after_max_retries() {
    let server = Server::always(Reply::error(503, "service_unavailable"));
    let api = server.api(server.config().max_retries(2));

    let err = api.users().get("user_1").await.expect_err("503");

    assert_eq!(err.status(), Some(503));
    assert_eq!(server.hits(), 3);
}

#[actix_rt::test]
async fn spent_retry_budget_fails_fast_and_bounds_total_traffic() {
    let server = Server::always(Reply::error(503, "service_unavailable"));
    let (ratio, floor, calls) = (0.2, 3u32, 50usize);
    let shared = ClerkClient::new(server.config().retry_budget(ratio, floor)).expect("config");
    // Two handles (as two workers hold) draw from the same budget.
    let (first, second) = (shared.clone(), shared.clone());

    for index in 0..calls {
        let api = if index % 2 == 0 { &first } else { &second };
        let err = api.users().get("user_1").await.expect_err("always 503");
        assert_eq!(err.status(), Some(503));
    }

    let attempts = server.hits();
    let bound = calls as f64 * (1.0 + ratio) + f64::from(floor);
    assert!(
        attempts as f64 <= bound,
        "{attempts} attempts for {calls} calls (bound {bound})"
    );
    assert!(attempts > calls, "some retries happened");
    let metrics = shared.metrics();
    assert!(metrics.budget_exhausted > 0);
    assert_eq!(metrics.calls, calls as u64);

    // With the budget spent, a failing call makes exactly one attempt.
    let before = server.hits();
    first.users().get("user_1").await.expect_err("503");
    assert_eq!(server.hits() - before, 1);
}

#[actix_rt::test]
async fn metadata_patch_is_not_retried() {
    let server = Server::always(Reply::error(500, "internal_clerk_error"));
    let api = server.api(server.config());

    let err = api
        .users()
        .update_metadata(
            "user_1",
            &clerk_actix::client::users::UpdateUserMetadata {
                public_metadata: json!({"plan": "pro"}),
                unsafe_metadata: json!({}),
                ..Default::default()
            },
        )
        .await
        .expect_err("500");

    assert_eq!(err.status(), Some(500));
    let seen = server.seen();
    assert_eq!(seen.len(), 1, "a PATCH is never retried");
    assert_eq!(seen[0].method, "PATCH");
    assert_eq!(seen[0].path, "/v1/users/user_1/metadata");
    assert_eq!(seen[0].header("content-type"), Some("application/json"));
    assert_eq!(
        seen[0].body_json(),
        json!({"public_metadata": {"plan": "pro"}, "unsafe_metadata": {}})
    );
}

#[actix_rt::test]
async fn session_token_post_is_not_retried() {
    let server = Server::always(Reply::error(503, "service_unavailable"));
    let api = server.api(server.config());

    api.sessions()
        .create_token("sess_1", None)
        .await
        .expect_err("503");

    let seen = server.seen();
    assert_eq!(seen.len(), 1);
    assert_eq!(
        (seen[0].method.as_str(), seen[0].path.as_str()),
        ("POST", "/v1/sessions/sess_1/tokens")
    );
}

#[actix_rt::test]
async fn delete_and_machine_token_verification_are_retried() {
    let server = Server::start(
        vec![
            Reply::error(503, "x"),
            Reply::json(200, r#"{"object":"user","id":"user_1","deleted":true}"#),
            Reply::error(502, "x"),
            Reply::json(200, M2M),
        ],
        None,
    );
    let api = server.api(server.config());

    let deleted = api.users().delete("user_1").await.expect("retried delete");
    let token = api
        .m2m()
        .verify_token("mt_secret_token")
        .await
        .expect("retried verify");

    assert!(deleted.deleted);
    assert!(token.id.starts_with("mt_"));
    assert_eq!(server.hits(), 4);
}

#[actix_rt::test]
async fn invalid_secret_key_is_not_retried_and_maps_to_fetch_error() {
    let server = Server::always(Reply::json(
        401,
        json!({"errors": [{
            "message": "The provided Clerk Secret Key is invalid. Make sure that your Clerk Secret Key is correct.",
            "long_message": "The provided Clerk Secret Key is invalid. Make sure that your Clerk Secret Key is correct.",
            "code": "clerk_key_invalid"}]})
        .to_string(),
    ));
    let api = server.api(server.config());

    let err = api.fetch_jwks().await.expect_err("401");

    match err {
        FetchError::InvalidSecretKey { message } => assert!(message.contains("Secret Key is invalid")),
        other => panic!("expected InvalidSecretKey, got {other:?}"),
    }
    assert_eq!(server.hits(), 1);
    let api_err = api.users().get("user_1").await.expect_err("401");
    assert!(api_err.is_invalid_secret_key());
    assert!(!api_err.is_retryable());
    assert_eq!(server.hits(), 2);
}

#[actix_rt::test]
async fn jwks_fetcher_returns_keys_and_maps_failures() {
    let ok = Server::always(Reply::json(200, JWKS));
    let fetcher = ok.api(ok.config());

    let keys = fetcher.fetch_jwks().await.expect("jwks");

    assert!(keys.get("ins_2zeTestInstanceKid000000000").is_some());
    assert_eq!(
        fetcher.scope(),
        &clerk_core::jwks::CacheScope::new(&ok.url, &SecretKey::new(SECRET).expect("key"))
    );
    assert_eq!(ok.seen()[0].path, "/v1/jwks");

    let down = Server::always(Reply::error(503, "service_unavailable"));
    let api = down.api(down.config().max_retries(1));
    match api.fetch_jwks().await {
        Err(FetchError::Status { url, status }) => {
            assert_eq!((url, status), (format!("{}/v1/jwks", down.url), 503));
        }
        other => panic!("expected Status, got {other:?}"),
    }
    assert_eq!(down.hits(), 2, "a 503 is retried");

    let empty = Server::always(Reply::json(200, r#"{"keys":[]}"#));
    let api = empty.api(empty.config());
    assert_eq!(api.fetch_jwks().await.err(), Some(FetchError::NoKeys));
}

// ---------------------------------------------------------------------------------------------
// Rate budget (issue 11, item 6)

/// A budget of `requests` per minute, so nothing frees up during a test.
fn per_minute(requests: u32) -> RateLimit {
    RateLimit::new(requests, Duration::from_secs(60))
}

#[actix_rt::test]
async fn an_exhausted_rate_budget_is_a_typed_error_and_sends_nothing() {
    let server = Server::always(Reply::json(200, USER));
    let api = server.api(
        server
            .config()
            .rate_limit(per_minute(5))
            .rate_limit_wait(Duration::from_millis(50)),
    );

    // Five per minute: one slot per share, each share's whole slice its reserve.
    api.users().get("user_1").await.expect("the one slot");
    let err = api.users().get("user_1").await.expect_err("no slot left");

    assert!(
        matches!(
            err,
            ApiError::RateBudgetExhausted {
                endpoint: "GET /v1/users/{user_id}",
                share: Share::Default,
            }
        ),
        "{err:?}"
    );
    assert!(!err.is_retryable());
    assert_eq!(server.hits(), 1, "a call without a slot is never sent");
    let budget = api.metrics().rate_budget;
    assert_eq!(
        (budget.available, budget.exhausted),
        (4, 1),
        "only the other shares' reserved slots are left"
    );
}

#[actix_rt::test]
async fn jwks_fetches_take_no_rate_budget_slot() {
    let server = Server::always(Reply::json(200, JWKS));
    let api = server.api(server.config().rate_limit(per_minute(5)));

    for _ in 0..6 {
        api.fetch_jwks().await.expect("jwks");
    }

    assert_eq!(server.hits(), 6);
    assert_eq!(api.metrics().rate_budget.available, 5);
}

#[actix_rt::test]
async fn a_429_pauses_every_share() {
    let server = Server::start(
        vec![Reply::error(429, "too_many_requests").header("retry-after", "30")],
        Some(Reply::json(200, USER)),
    );
    let api = server.api(
        server
            .config()
            .max_retries(0)
            .rate_limit_wait(Duration::from_millis(200)),
    );

    let limited = api.users().get("user_1").await.expect_err("429");
    assert!(limited.is_rate_limited());
    let started = Instant::now();
    for share in Share::ALL {
        let err = api.share(share).users().get("user_1").await.expect_err("paused");
        assert!(
            matches!(err, ApiError::RateBudgetExhausted { share: s, .. } if s == share),
            "{share}: {err:?}"
        );
    }

    assert!(
        started.elapsed() < Duration::from_secs(2),
        "{:?}",
        started.elapsed()
    );
    assert_eq!(server.hits(), 1, "nothing is sent while Clerk asks to wait");
    assert!(api.metrics().rate_budget.paused);
}

#[actix_rt::test]
async fn reconciliation_cannot_starve_read_through() {
    let server = Server::always(Reply::json(200, "[]"));
    // Ten per minute: read-through owns 3, reconciliation 2, machine tokens 1, sessions 1, the
    // rest 3; each keeps one slot it never lends (sessions lends none).
    let client = server.api(server.config().rate_limit(per_minute(10)));
    let read_through = client.share(Share::ReadThrough).max_wait(Some(Duration::ZERO));
    let reconciliation = client.share(Share::Reconciliation).max_wait(Some(Duration::ZERO));
    read_through
        .users()
        .list(&UserListParams::new())
        .await
        .expect("read-through is in use");

    // A pass takes every slot it can: its own and those of the idle shares but their reserves.
    let mut pages = 0;
    while reconciliation.users().list(&UserListParams::new()).await.is_ok() {
        pages += 1;
    }

    // (The machine-token slice is its one reserved slot: nothing to lend.)
    assert_eq!(pages, 2 + (3 - 1));
    for lookup in 1..3 {
        read_through
            .users()
            .list(&UserListParams::new())
            .await
            .unwrap_or_else(|err| panic!("read-through call {lookup} was starved: {err}"));
    }
    assert!(matches!(
        read_through.users().list(&UserListParams::new()).await,
        Err(ApiError::RateBudgetExhausted {
            share: Share::ReadThrough,
            ..
        })
    ));
    assert_eq!(server.hits(), 1 + 4 + 2);
}

/// The review of issue 11, item 6: with read-through idle, a reconciliation pass took its whole
/// slice, and the next cache miss waited a full window (here a minute) for it while it may wait
/// only 2 s. Its reserve is never lent: the miss is served at once.
#[actix_rt::test]
async fn reconciliation_cannot_starve_an_idle_read_through() {
    let server = Server::always(Reply::json(200, "[]"));
    let client = server.api(server.config().rate_limit(per_minute(10)));
    let read_through = client
        .share(Share::ReadThrough)
        .max_wait(Some(Duration::from_secs(2)));
    let reconciliation = client.share(Share::Reconciliation).max_wait(Some(Duration::ZERO));

    // Read-through idle: a pass takes every slot it can.
    let mut pages = 0;
    while reconciliation.users().list(&UserListParams::new()).await.is_ok() {
        pages += 1;
    }
    // Its own 2, read-through's and the default's but their reserves; the machine-token slice
    // is all reserve, and the sessions slice is never lent.
    assert_eq!(pages, 2 + (3 - 1) + (3 - 1));

    let started = Instant::now();
    read_through
        .users()
        .list(&UserListParams::new())
        .await
        .expect("read-through finds its reserve");
    assert!(
        started.elapsed() < Duration::from_millis(500),
        "{:?}",
        started.elapsed()
    );
    assert_eq!(server.hits(), pages + 1);
}

/// Machine-token verification follows headers an attacker chooses: it never takes the slices of
/// idle shares, so it cannot eat the budget of the rest of the service.
#[actix_rt::test]
async fn machine_tokens_cannot_borrow_other_shares_slices() {
    let server = Server::always(Reply::json(200, "[]"));
    let client = server.api(server.config().rate_limit(per_minute(10)));
    let machine = client.share(Share::MachineTokens).max_wait(Some(Duration::ZERO));

    let mut calls = 0;
    while machine.users().list(&UserListParams::new()).await.is_ok() {
        calls += 1;
    }

    assert_eq!(calls, 1, "its own slice only");
    let budget = client.metrics().rate_budget;
    assert_eq!((budget.available, budget.exhausted), (9, 1));
    for share in [
        Share::ReadThrough,
        Share::Reconciliation,
        Share::Sessions,
        Share::Default,
    ] {
        client
            .share(share)
            .max_wait(Some(Duration::ZERO))
            .users()
            .list(&UserListParams::new())
            .await
            .unwrap_or_else(|err| panic!("{share}: {err}"));
    }
}

/// The handle is `Send + Sync + Clone`; its futures are not, and run on a plain tokio runtime
/// inside a `LocalSet` as well as on an actix runtime (every other test here).
#[test]
fn calls_run_in_a_tokio_local_set_on_any_thread() {
    let clerk = clerk_testkit::TestClerk::builder()
        .start()
        .expect("offline Clerk starts");
    let user = clerk
        .users()
        .create(clerk_testkit::NewUser::default())
        .expect("user");
    let client = ClerkClient::new(
        ClientConfig::new()
            .secret_key(clerk.secret_key())
            .api_url(clerk.base_url()),
    )
    .expect("client");
    let get_user_on_a_local_set = |client: ClerkClient, id: String| {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("runtime");
        let local = tokio::task::LocalSet::new();
        local.block_on(&runtime, async move { client.users().get(&id).await })
    };

    let here = get_user_on_a_local_set(client.clone(), user.id.clone()).expect("user");
    let there = {
        let (client, id) = (client.clone(), user.id.clone());
        std::thread::spawn(move || get_user_on_a_local_set(client, id))
            .join()
            .expect("thread")
            .expect("user")
    };

    assert_eq!(
        (here.id.as_str(), there.id.as_str()),
        (user.id.as_str(), user.id.as_str())
    );
    assert_eq!(
        client.metrics().calls,
        2,
        "both threads counted in the one client"
    );
    assert_eq!(clerk.calls().count("GET", "/v1/users/{user_id}"), 2);
}

// ---------------------------------------------------------------------------------------------
// Timeouts and transport

#[actix_rt::test]
async fn slow_server_times_out_on_every_attempt() {
    let server = Server::always(Reply::json(200, USER).delay(Duration::from_secs(3)));
    let timeout = Duration::from_millis(200);
    let api = server.api(server.config().timeout(timeout).max_retries(1));
    let started = Instant::now();

    let err = api.users().get("user_1").await.expect_err("timeout");

    let elapsed = started.elapsed();
    assert!(matches!(err, ApiError::Timeout { .. }), "{err:?}");
    assert!(err.is_retryable());
    assert!(elapsed >= timeout * 2, "two attempts took {elapsed:?}");
    assert!(elapsed < Duration::from_millis(1500), "took {elapsed:?}");
    assert_eq!(server.hits(), 2);
    assert_eq!(
        api.metrics()
            .attempts_of("GET /v1/users/{user_id}", AttemptOutcome::Timeout),
        2
    );
}

#[actix_rt::test]
async fn refused_connection_is_a_transport_error() {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|listener| listener.local_addr())
        .expect("free port")
        .port();
    let config = ClientConfig::new()
        .secret_key(SECRET)
        .api_url(format!("http://127.0.0.1:{port}"))
        .backoff(Duration::from_millis(1), Duration::from_millis(5));
    let shared = ClerkClient::new(config).expect("config");

    let err = shared.users().get("user_1").await.expect_err("refused");

    assert!(matches!(err, ApiError::Transport { .. }), "{err:?}");
    assert!(!err.to_string().contains(SECRET));
    assert_eq!(
        shared
            .metrics()
            .attempts_of("GET /v1/users/{user_id}", AttemptOutcome::Transport),
        3
    );
}

// ---------------------------------------------------------------------------------------------
// Responses and errors

#[actix_rt::test]
async fn error_envelope_gives_codes_trace_id_and_retry_after() {
    let body = json!({
        "errors": [
            {"message": "not found", "long_message": "Resource not found", "code": "resource_not_found"},
            {"message": "second", "code": "other", "meta": {"param_name": "id"}}
        ],
        "clerk_trace_id": "trace-from-body"
    });
    let server = Server::start(
        vec![
            Reply::json(404, body.to_string()).header("cf-ray", "ray-ignored"),
            Reply::error(422, "form_param_unknown").header("clerk-trace-id", "trace-from-header"),
            Reply::error(403, "authorization_invalid").header("cf-ray", "ray-123"),
            Reply::json(429, "not json").header("retry-after", "7"),
        ],
        None,
    );
    let api = server.api(server.config().max_retries(0));

    let not_found = api.users().get("user_missing").await.expect_err("404");
    assert!(not_found.is_not_found());
    assert_eq!(not_found.code(), Some("resource_not_found"));
    assert_eq!(not_found.errors().len(), 2);
    assert_eq!(not_found.errors()[1].meta, Some(json!({"param_name": "id"})));
    assert_eq!(not_found.clerk_trace_id(), Some("trace-from-body"));
    assert_eq!(
        not_found.to_string(),
        "GET /v1/users/{user_id} answered 404: resource_not_found: Resource not found; other: second \
         (clerk_trace_id=trace-from-body)"
    );

    let invalid = api.users().list(&UserListParams::new()).await.expect_err("422");
    assert_eq!(invalid.status(), Some(422));
    assert_eq!(invalid.clerk_trace_id(), Some("trace-from-header"));

    let forbidden = api.sessions().get("sess_1").await.expect_err("403");
    assert_eq!(forbidden.clerk_trace_id(), Some("ray-123"));
    assert!(!forbidden.is_retryable());

    let limited = api.users().get("user_1").await.expect_err("429");
    assert!(limited.is_rate_limited());
    assert!(limited.errors().is_empty());
    assert_eq!(limited.retry_after(), Some(Duration::from_secs(7)));
}

#[actix_rt::test]
async fn json_with_charset_is_accepted_and_other_types_refused() {
    let server = Server::start(
        vec![
            Reply::json(200, USER).header("content-type", "application/json; charset=utf-8"),
            Reply::json(200, "<html></html>").header("content-type", "text/html"),
            Reply::json(200, r#"{"object":"user""#),
        ],
        None,
    );
    let api = server.api(server.config());

    api.users()
        .get("user_1")
        .await
        .expect("charset parameter tolerated");
    let html = api.users().get("user_1").await.expect_err("html");
    let truncated = api.users().get("user_1").await.expect_err("truncated");

    assert!(matches!(html, ApiError::Decode { status: 200, .. }), "{html:?}");
    assert!(matches!(truncated, ApiError::Decode { .. }), "{truncated:?}");
    assert!(!truncated.is_retryable());
    assert_eq!(server.hits(), 3, "decode errors are not retried");
}

#[actix_rt::test]
async fn oversized_body_is_refused() {
    let big = format!("[{}]", vec![USER.trim(); 20].join(","));
    let server = Server::always(Reply::json(200, big));
    let api = server.api(server.config().max_response_bytes(16 * 1024));

    let err = api
        .users()
        .list(&UserListParams::new())
        .await
        .expect_err("too large");

    assert!(
        matches!(err, ApiError::ResponseTooLarge { limit: 16384, .. }),
        "{err:?}"
    );
}

#[actix_rt::test]
async fn typed_answers_for_lists_counts_sessions_tokens_and_machine_tokens() {
    let server = Server::start(
        vec![
            Reply::json(200, format!("[{USER}]")),
            Reply::json(200, r#"{"object":"total_count","total_count":42}"#),
            Reply::json(
                200,
                include_str!("../../clerk-core/tests/fixtures/sessions.get.response.json"),
            ),
            Reply::json(200, r#"{"object":"token","jwt":"eyJ.payload.sig"}"#),
            Reply::json(200, API_KEY),
            Reply::json(200, r#"{"active": false}"#),
        ],
        None,
    );
    let api = server.api(server.config());

    assert_eq!(
        api.users()
            .list(&UserListParams::new())
            .await
            .expect("list")
            .len(),
        1
    );
    assert_eq!(
        api.users()
            .count(&UserListParams::new())
            .await
            .expect("count")
            .total_count,
        42
    );
    assert!(api
        .sessions()
        .get("sess_1")
        .await
        .expect("session")
        .id
        .starts_with("sess_"));
    assert_eq!(
        api.sessions().create_token("sess_1", None).await.expect("token"),
        "eyJ.payload.sig"
    );
    assert!(api
        .api_keys()
        .verify("ak_secret")
        .await
        .expect("api key")
        .id
        .starts_with("ak_"));
    assert_eq!(
        api.oauth_access_tokens()
            .verify("oat_token")
            .await
            .expect("oauth"),
        OAuthVerifyResponse::Inactive
    );
}

// ---------------------------------------------------------------------------------------------
// Request shape

#[actix_rt::test]
async fn every_request_carries_auth_version_and_user_agent() {
    let server = Server::always(Reply::json(200, USER));
    let api = server.api(server.config());

    api.users().get("user_1").await.expect("user");

    let seen = &server.seen()[0];
    assert_eq!(seen.method, "GET");
    assert_eq!(seen.path, "/v1/users/user_1");
    assert_eq!(
        seen.header("authorization"),
        Some(format!("Bearer {SECRET}").as_str())
    );
    assert_eq!(seen.header("clerk-api-version"), Some("2026-05-12"));
    assert_eq!(seen.header("user-agent"), Some("clerk-actix-tests/1.0"));
    assert_eq!(seen.header("content-type"), None, "no body, no content type");
    assert!(seen.body.is_empty());
}

#[actix_rt::test]
async fn machine_token_endpoints_live_at_the_root() {
    let server = Server::start(
        vec![
            Reply::json(200, M2M),
            Reply::json(200, API_KEY),
            Reply::json(200, r#"{"active":false}"#),
        ],
        None,
    );
    let api = server.api(server.config());

    api.m2m().verify_token("mt_abc").await.expect("m2m");
    api.api_keys().verify("ak_abc").await.expect("api key");
    api.oauth_access_tokens().verify("oat_abc").await.expect("oauth");

    let seen = server.seen();
    let shape: Vec<(&str, &str, Value)> = seen
        .iter()
        .map(|seen| (seen.method.as_str(), seen.path.as_str(), seen.body_json()))
        .collect();
    assert_eq!(
        shape,
        vec![
            ("POST", "/m2m_tokens/verify", json!({"token": "mt_abc"})),
            ("POST", "/api_keys/verify", json!({"secret": "ak_abc"})),
            (
                "POST",
                "/oauth_applications/access_tokens/verify",
                json!({"access_token": "oat_abc"})
            ),
        ]
    );
    for seen in &seen {
        assert_eq!(seen.header("content-type"), Some("application/json"));
        assert_eq!(seen.header("clerk-api-version"), Some("2026-05-12"));
    }
    assert!(matches!(
        api.m2m().verify_token(" ").await,
        Err(ApiError::InvalidArgument(_))
    ));
    assert_eq!(server.hits(), 3);
}

#[actix_rt::test]
async fn list_query_repeats_arrays_and_keeps_false_and_zero() {
    let server = Server::start(
        vec![
            Reply::json(200, "[]"),
            Reply::json(200, r#"{"object":"total_count","total_count":0}"#),
        ],
        None,
    );
    let api = server.api(server.config());
    let params = UserListParams::new()
        .email_address(["a@example.com", "b+c@example.com"])
        .user_id(["+user_1", "-user_2"])
        .organization_id(["org_1"])
        .banned(false)
        .last_active_at_after(0)
        .name_query("Jo Do")
        .limit(500)
        .offset(0)
        .order_by("-created_at");

    assert!(api.users().list(&params).await.expect("list").is_empty());
    assert_eq!(api.users().count(&params).await.expect("count").total_count, 0);

    let seen = server.seen();
    assert_eq!(seen[0].path, "/v1/users");
    assert_eq!(
        seen[0].query,
        "email_address=a%40example.com&email_address=b%2Bc%40example.com&user_id=%2Buser_1&user_id=-user_2\
         &organization_id=org_1&name_query=Jo%20Do&banned=false&last_active_at_after=0&limit=500&offset=0\
         &order_by=-created_at"
    );
    assert_eq!(seen[1].path, "/v1/users/count");
    assert_eq!(
        seen[1].query,
        "email_address=a%40example.com&email_address=b%2Bc%40example.com&user_id=%2Buser_1&user_id=-user_2\
         &organization_id=org_1&name_query=Jo%20Do&banned=false&last_active_at_after=0"
    );
}

#[actix_rt::test]
async fn ids_are_percent_encoded_and_unsafe_ids_refused() {
    let server = Server::always(Reply::json(200, USER));
    let api = server.api(server.config());

    api.users().get("user 1?x=#y").await.expect("encoded id");
    assert_eq!(server.seen()[0].path, "/v1/users/user%201%3Fx%3D%23y");
    assert_eq!(server.seen()[0].query, "");

    for bad in [
        "",
        "   ",
        ".",
        "..",
        "../jwks",
        "user_1/metadata",
        "a\\b",
        "a\r\nb",
    ] {
        let err = api.users().get(bad).await.expect_err(bad);
        assert!(matches!(err, ApiError::InvalidArgument(_)), "{bad:?}: {err:?}");
        assert!(api.users().delete(bad).await.is_err());
        assert!(api.sessions().get(bad).await.is_err());
        assert!(api
            .users()
            .update_metadata(bad, &Default::default())
            .await
            .is_err());
    }
    let empty = api.users().get("").await.expect_err("empty");
    assert_eq!(empty.to_string(), "A valid resource ID is required.");
    assert_eq!(server.hits(), 1, "refused ids never reach the server");
}

#[actix_rt::test]
async fn calls_reuse_one_awc_client_per_thread_and_instance() {
    let server = Server::always(Reply::json(200, USER));
    let shared = ClerkClient::new(server.config()).expect("config");

    for _ in 0..3 {
        shared.clone().users().get("user_1").await.expect("user");
    }

    assert_eq!(server.hits(), 3);
    let metrics = shared.metrics();
    assert_eq!(metrics.calls, 3);
    assert_eq!(metrics.total_attempts_of("GET /v1/users/{user_id}"), 3);
}

#[actix_rt::test]
async fn errors_never_show_the_secret_or_tokens() {
    let server = Server::always(Reply::error(404, "resource_not_found"));
    let api = server.api(server.config().max_retries(0));

    let err = api
        .api_keys()
        .verify("ak_very_secret_api_key")
        .await
        .expect_err("404");

    for text in [err.to_string(), format!("{err:?}"), format!("{api:?}")] {
        assert!(!text.contains(SECRET), "{text}");
        assert!(!text.contains("ak_very_secret_api_key"), "{text}");
    }
}

// ---------------------------------------------------------------------------------------------
// Tracing (issue 27): a span per attempt, and the header hook

/// Every span's name and fields, as recorded (a span id may be reused once closed: the last
/// entry of an id is the live one).
#[derive(Clone, Default)]
struct SpanLog(Arc<Mutex<Vec<LoggedSpan>>>);

/// A span's id, name and fields.
type LoggedSpan = (u64, &'static str, std::collections::BTreeMap<String, String>);

struct FieldText<'a>(&'a mut std::collections::BTreeMap<String, String>);

impl tracing::field::Visit for FieldText<'_> {
    fn record_str(&mut self, field: &tracing::field::Field, value: &str) {
        self.0.insert(field.name().to_owned(), value.to_owned());
    }

    fn record_debug(&mut self, field: &tracing::field::Field, value: &dyn std::fmt::Debug) {
        self.0.insert(field.name().to_owned(), format!("{value:?}"));
    }
}

impl<S: tracing::Subscriber> tracing_subscriber::Layer<S> for SpanLog {
    fn on_new_span(
        &self,
        attrs: &tracing::span::Attributes<'_>,
        id: &tracing::span::Id,
        _: tracing_subscriber::layer::Context<'_, S>,
    ) {
        let mut fields = std::collections::BTreeMap::new();
        attrs.record(&mut FieldText(&mut fields));
        let entry = (id.into_u64(), attrs.metadata().name(), fields);
        self.0.lock().expect("spans").push(entry);
    }

    fn on_record(
        &self,
        id: &tracing::span::Id,
        values: &tracing::span::Record<'_>,
        _: tracing_subscriber::layer::Context<'_, S>,
    ) {
        let mut spans = self.0.lock().expect("spans");
        if let Some((_, _, fields)) = spans.iter_mut().rev().find(|(span, ..)| *span == id.into_u64()) {
            values.record(&mut FieldText(fields));
        }
    }
}

/// Adds a `traceparent` naming the current span, and tries to replace the secret key.
struct Inject(Arc<Mutex<Vec<Option<&'static str>>>>);

impl clerk_actix::client::HeaderInjector for Inject {
    fn inject(&self, headers: &mut actix_web::http::header::HeaderMap) {
        use actix_web::http::header::{HeaderName, HeaderValue, AUTHORIZATION};
        let current = tracing::Span::current().metadata().map(|m| m.name());
        self.0.lock().expect("calls").push(current);
        headers.insert(
            HeaderName::from_static("traceparent"),
            HeaderValue::from_static("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"),
        );
        headers.insert(AUTHORIZATION, HeaderValue::from_static("Bearer not-the-key"));
    }
}

#[actix_rt::test]
async fn every_attempt_has_its_span_and_the_injected_headers() {
    use tracing_subscriber::layer::SubscriberExt as _;
    let spans = SpanLog::default();
    // A second dispatcher, alive for the test: with only one registered, tracing-core computes
    // the interest of a callsite first reached on another thread (a test running beside this
    // one, with no subscriber) from that thread's dispatcher alone, and caches "never" for
    // every thread.
    let _second = tracing::Dispatch::new(tracing_subscriber::registry());
    let _subscriber = tracing::subscriber::set_default(tracing_subscriber::registry().with(spans.clone()));
    let server = Server::start(
        vec![Reply::error(503, "service_unavailable"), Reply::json(200, USER)],
        None,
    );
    let calls = Arc::new(Mutex::new(Vec::new()));
    let api = server.api(
        server
            .config()
            .header_injector(Arc::new(Inject(Arc::clone(&calls)))),
    );

    api.users()
        .get("user_2secretish")
        .await
        .expect("the retry succeeds");

    // The hook ran once per attempt, inside the attempt's span; its header went out, but not
    // over the client's own.
    assert_eq!(
        *calls.lock().expect("calls"),
        [Some("clerk.api.attempt"), Some("clerk.api.attempt")]
    );
    let seen = server.seen();
    assert_eq!(seen.len(), 2);
    for request in &seen {
        assert_eq!(
            request.header("traceparent"),
            Some("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01")
        );
        assert_eq!(
            request.header("authorization"),
            Some(format!("Bearer {SECRET}").as_str())
        );
    }

    // One span per attempt, by OpenTelemetry's HTTP client conventions.
    let port = server.url.rsplit(':').next().expect("port").to_owned();
    let attempts: Vec<_> = spans
        .0
        .lock()
        .expect("spans")
        .iter()
        .filter(|(_, name, _)| *name == "clerk.api.attempt")
        .map(|(_, _, fields)| fields.clone())
        .collect();
    assert_eq!(attempts.len(), 2, "{attempts:?}");
    for (retry, fields) in attempts.iter().enumerate() {
        let field = |name: &str| fields.get(name).map(String::as_str);
        assert_eq!(field("otel.name"), Some("GET /v1/users/{user_id}"));
        assert_eq!(field("otel.kind"), Some("client"));
        assert_eq!(field("http.request.method"), Some("GET"));
        assert_eq!(field("url.template"), Some("/v1/users/{user_id}"));
        assert_eq!(field("server.address"), Some("127.0.0.1"));
        assert_eq!(field("server.port"), Some(port.as_str()));
        assert_eq!(field("clerk.budget_share"), Some("default"));
        let status = if retry == 0 { "503" } else { "200" };
        assert_eq!(field("http.response.status_code"), Some(status));
        let resend = (retry > 0).then(|| retry.to_string());
        assert_eq!(field("http.request.resend_count"), resend.as_deref());
        let failed = (retry == 0).then_some("ERROR");
        assert_eq!(field("otel.status_code"), failed);
        assert_eq!(field("error.type"), (retry == 0).then_some("503"));
        for value in fields.values() {
            assert!(
                !value.contains(SECRET) && !value.contains("user_2secretish"),
                "{fields:?}"
            );
        }
    }
}
