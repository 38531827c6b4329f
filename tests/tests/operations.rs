//! Operational exposure (issue 10, items 1 and 6): bounded metrics, the admin listener, the
//! cached readiness answer, request logs without query strings or untrusted client IPs.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use actix_web::http::Method;
use app::configuration::Settings;
use app::startup::Application;
use e2e::{captured_logs, spawn_app, spawn_app_with, SpawnOptions, TestApp, TestDatabase, WEBHOOK_SECRET};
use futures_util::StreamExt as _;
use rand::distributions::Alphanumeric;
use rand::Rng as _;

fn random_token(len: usize) -> String {
    rand::thread_rng()
        .sample_iter(&Alphanumeric)
        .take(len)
        .map(char::from)
        .collect()
}

fn series(scrape: &str, metric: &str) -> Vec<String> {
    let prefix = format!("{metric}{{");
    scrape
        .lines()
        .filter(|line| line.starts_with(&prefix))
        .map(|line| {
            line.rsplit_once(' ')
                .map_or(line, |(series, _)| series)
                .to_owned()
        })
        .collect()
}

async fn scrape(app: &TestApp) -> String {
    app.metrics().await
}

// Issue 10, item 1: every request with a made-up method or path used to add a series for ever.
#[actix_rt::test]
async fn ten_thousand_random_methods_and_paths_leave_the_metrics_bounded() {
    let app = spawn_app().await;
    let client = awc::Client::builder().timeout(Duration::from_secs(15)).finish();
    let send = |_| {
        let client = client.clone();
        let address = app.address.clone();
        async move {
            let method = format!("M{}", random_token(12));
            let path = format!("/{}/{}?q={}", random_token(8), random_token(8), random_token(6));
            let method = Method::from_bytes(method.as_bytes()).expect("a token is a method");
            let response = client
                .request(method, format!("{address}{path}"))
                .send()
                .await
                .expect("the app answers");
            response.status().as_u16()
        }
    };
    // Warm up: the series an unknown method and path can reach at all.
    let warm: Vec<u16> = futures_util::stream::iter(0..100)
        .map(send)
        .buffer_unordered(32)
        .collect()
        .await;
    assert!(
        warm.iter().all(|status| *status == 404 || *status == 405),
        "{warm:?}"
    );
    let before = scrape(&app).await;
    let requests_before = series(&before, "app_http_requests_total");

    let statuses: Vec<u16> = futures_util::stream::iter(0..10_000)
        .map(send)
        .buffer_unordered(32)
        .collect()
        .await;
    assert_eq!(statuses.len(), 10_000);

    let after = scrape(&app).await;
    let requests_after = series(&after, "app_http_requests_total");
    assert_eq!(
        requests_after.len(),
        requests_before.len(),
        "new series: {:?}",
        requests_after
            .iter()
            .filter(|s| !requests_before.contains(s))
            .take(5)
            .collect::<Vec<_>>()
    );
    assert_eq!(
        series(&after, "app_auth_outcomes_total").len(),
        series(&before, "app_auth_outcomes_total").len()
    );
    assert!(
        after.len() < 16 * 1024,
        "the scrape grew to {} bytes",
        after.len()
    );
    assert!(
        after.contains("app_http_requests_total{method=\"OTHER\",route=\"unmatched\",status=\"404\"}"),
        "{after}"
    );
    for line in &requests_after {
        assert!(
            !line.contains("method=\"M"),
            "a raw method became a label: {line}"
        );
    }
}

/// The app's GET routes, written out here (not taken from the app's label table), so a route the
/// app forgets to name shows up.
const GET_ROUTES: [&str; 8] = [
    "/",
    "/api/user",
    "/api/auth",
    "/profile",
    "/api/data",
    "/api/me",
    "/healthz",
    "/readyz",
];

// Issue 10, item 1: every route is counted under its own fixed name.
#[actix_rt::test]
async fn every_route_is_counted_by_its_fixed_name() {
    let app = spawn_app().await;
    let token = app.token();
    for path in GET_ROUTES {
        let _ = app.get(&format!("{path}?x=1"), Some(&token), &[]).await;
    }
    let _ = app.post("/webhooks/clerk", b"{}".to_vec(), &[]).await;
    let _ = app.get("/api/data/", None, &[]).await;
    let scrape = scrape(&app).await;
    for route in GET_ROUTES {
        let line = format!("app_http_requests_total{{method=\"GET\",route=\"{route}\",status=\"");
        assert!(scrape.contains(&line), "{route} not counted:\n{scrape}");
    }
    assert!(
        scrape
            .contains("app_http_requests_total{method=\"POST\",route=\"/webhooks/clerk\",status=\"400\"} 1"),
        "{scrape}"
    );
    assert!(
        scrape.contains("app_http_requests_total{method=\"GET\",route=\"unmatched\",status=\"404\"} 1"),
        "{scrape}"
    );
    assert!(
        scrape.contains(
            "app_auth_outcomes_total{outcome=\"signed-out\",reason=\"session-token-and-uat-missing\"}"
        ),
        "{scrape}"
    );
}

// Issue 10, item 1: webhook event types come from the network; unknown ones are `other`.
#[actix_rt::test]
async fn unknown_webhook_event_types_are_counted_as_other() {
    let app = spawn_app().await;
    let secret = clerk_core::webhook::WebhookSecret::new(WEBHOOK_SECRET).expect("test secret");
    for i in 0..50 {
        let event_type = format!("made.up.{}", random_token(10));
        let body = serde_json::json!({
            "type": event_type, "object": "event", "data": {"id": format!("x_{i}")},
            "timestamp": 1_700_000_000_000_i64,
        })
        .to_string();
        let id = format!("msg_{}", random_token(20));
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .expect("clock")
            .as_secs() as i64;
        let signature = clerk_core::webhook::sign(&secret, &id, now, body.as_bytes());
        let reply = app
            .post(
                "/webhooks/clerk",
                body.into_bytes(),
                &[
                    ("svix-id", id.as_str()),
                    ("svix-timestamp", now.to_string().as_str()),
                    ("svix-signature", signature.as_str()),
                    ("content-type", "application/json"),
                ],
            )
            .await;
        assert_eq!(reply.status, 200, "{}", reply.body);
    }
    let scrape = scrape(&app).await;
    let webhooks = series(&scrape, "app_webhooks_total");
    assert!(webhooks.len() <= 2, "{webhooks:?}");
    assert!(
        webhooks.iter().all(|s| s.contains("type=\"other\"")),
        "{webhooks:?}"
    );
}

// Issue 10, item 6: the public port does not serve the metrics; the admin listener does.
#[actix_rt::test]
async fn metrics_are_served_by_the_admin_listener_only() {
    let app = spawn_app().await;
    assert_eq!(app.get("/metrics", None, &[]).await.status, 404);
    assert_ne!(app.admin_address, app.address);
    let scrape = app.metrics().await;
    assert!(
        scrape.contains("app_http_requests_total{method=\"GET\",route=\"unmatched\",status=\"404\"} 1"),
        "{scrape}"
    );
    // The admin listener serves nothing else.
    let reply = app.get_at(&app.admin_address, "/api/data", &app.token()).await;
    assert_eq!(reply.status, 404);
}

// Issue 10, item 6: a flood of /readyz shares one database answer per second.
#[actix_rt::test]
async fn readiness_answers_from_a_one_second_cache() {
    let app = spawn_app_with(SpawnOptions {
        db_proxy: true,
        ..Default::default()
    })
    .await;
    let ready = app.get("/readyz", None, &[]).await;
    assert_eq!(ready.status, 200);
    let answered = Instant::now();
    app.db_proxy.as_ref().expect("proxy").cut();
    // Within the second, callers get the cached answer: no ping (it would fail now), no wait for
    // the pool.
    let reply = app.get("/readyz", None, &[]).await;
    assert!(
        answered.elapsed() < Duration::from_millis(800),
        "too slow to tell"
    );
    assert_eq!(reply.status, 200, "the request reached the database");
    let flood = (0..200).map(|_| app.get("/readyz", None, &[]));
    let replies = futures_util::future::join_all(flood).await;
    if answered.elapsed() < Duration::from_millis(800) {
        assert!(
            replies.iter().all(|r| r.status == 200),
            "the flood reached the database: {:?}",
            replies.iter().map(|r| r.status).collect::<Vec<_>>()
        );
    }
    // After it, the next caller asks the database again.
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let reply = app.get("/readyz", None, &[]).await;
        if reply.status == 503 {
            assert!(answered.elapsed() >= Duration::from_millis(900));
            break;
        }
        assert!(Instant::now() < deadline, "the outage was never reported");
        actix_rt::time::sleep(Duration::from_millis(50)).await;
    }
}

fn webhook_refusals(marker: &str) -> Vec<String> {
    captured_logs()
        .lines()
        .filter(|line| line.contains("webhook refused") && line.contains(marker))
        .map(str::to_owned)
        .collect()
}

// Issue 10, item 6: no `__clerk_*` query parameters in logs, and the client IP only from trusted
// proxies.
#[actix_rt::test]
async fn request_logs_carry_no_query_string_nor_an_untrusted_forwarded_ip() {
    let app = spawn_app().await;
    let marker = random_token(24);
    let path = format!("/webhooks/clerk?__clerk_db_jwt=dvb_{marker}&__clerk_handshake={marker}");
    let forwarded = "203.0.113.77";
    let reply = app
        .post(
            &path,
            b"{}".to_vec(),
            &[("x-forwarded-for", forwarded), ("user-agent", marker.as_str())],
        )
        .await;
    assert_eq!(reply.status, 400);
    let lines = webhook_refusals(&marker);
    assert_eq!(lines.len(), 1, "the refusal is logged once, with its request");
    let line = &lines[0];
    assert!(!line.contains(&format!("dvb_{marker}")), "{line}");
    assert!(!line.contains("__clerk_"), "{line}");
    assert!(line.contains("/webhooks/clerk"), "{line}");
    assert!(!line.contains(forwarded), "{line}");
    assert!(line.contains("127.0.0.1"), "{line}");
}

// Issue 10, item 6: behind a trusted proxy the forwarded client IP is the one logged.
#[actix_rt::test]
async fn request_logs_believe_forwarded_ips_from_trusted_proxies() {
    let app = spawn_app_with(SpawnOptions {
        settings: vec![("CLERK_TRUSTED_PROXIES", "127.0.0.1".into())],
        ..Default::default()
    })
    .await;
    let marker = random_token(24);
    let forwarded = "198.51.100.23";
    let reply = app
        .post(
            "/webhooks/clerk",
            b"{}".to_vec(),
            &[
                ("x-forwarded-for", format!("10.9.8.7, {forwarded}").as_str()),
                ("user-agent", marker.as_str()),
            ],
        )
        .await;
    assert_eq!(reply.status, 400);
    let lines = webhook_refusals(&marker);
    assert_eq!(lines.len(), 1);
    assert!(
        lines[0].contains(&format!("\"client.address\":\"{forwarded}\"")),
        "{}",
        lines[0]
    );
}

fn settings(pairs: &[(&str, &str)]) -> Settings {
    let env: HashMap<String, String> = pairs
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect();
    Settings::load_from(
        None,
        config::Environment::default().try_parsing(true).source(Some(env)),
    )
    .expect("settings")
}

// Issue 10, item 6: without keys the app refuses to start unless dev mode is asked for; asked
// for, it runs against the in-process emulator.
#[actix_rt::test]
async fn dev_mode_starts_only_when_asked() {
    let db = TestDatabase::create().await;
    let base = [
        ("DATABASE_URL", db.url.as_str()),
        ("PORT", "0"),
        ("APP_ADMIN_PORT", "0"),
        ("APP_WORKERS", "1"),
        ("APP_RECONCILE_INTERVAL_SECS", "0"),
        ("APP_DEV_USERS", "1"),
    ];
    let err = Application::build(settings(&base))
        .await
        .err()
        .expect("no keys, no dev mode: no start")
        .to_string();
    assert!(
        err.contains("CLERK_SECRET_KEY") && err.contains("APP_DEV_MODE"),
        "{err}"
    );

    let mut dev = base.to_vec();
    dev.push(("APP_DEV_MODE", "1"));
    let application = Application::build(settings(&dev)).await.expect("dev mode starts");
    let token = application
        .dev()
        .and_then(|dev| dev.sample_token())
        .expect("the emulator's sample token");
    let address = format!("http://127.0.0.1:{}", application.port());
    let handle = application.server_handle();
    actix_rt::spawn(application.run_until_stopped());
    let response = awc::Client::default()
        .get(format!("{address}/api/data"))
        .insert_header(("Authorization", format!("Bearer {token}")))
        .send()
        .await
        .expect("the dev app answers");
    assert_eq!(response.status().as_u16(), 200);
    handle.stop(true).await;

    dev.push(("CLERK_SECRET_KEY", "sk_test_clerkTestkitFixedSecretKey0000000000"));
    let err = Application::build(settings(&dev))
        .await
        .err()
        .expect("dev mode and keys: no start")
        .to_string();
    assert!(err.contains("APP_DEV_MODE"), "{err}");
}

// Issue 25 (the app's per-request stack): the probes answer outside Clerk's middleware (no
// authentication) and keep the headers every answer gets; an API route is authenticated and gets
// the API policy; a page gets Clerk's policy with a nonce.
#[actix_rt::test]
async fn probes_skip_clerks_layers_and_keep_the_default_headers() {
    let app = spawn_app().await;
    for probe in ["/healthz", "/readyz"] {
        let reply = app.get(probe, None, &[]).await;
        assert_eq!(reply.status, 200, "{probe}: {}", reply.body);
        assert_eq!(
            reply.header("x-clerk-auth-status"),
            None,
            "{probe} was authenticated"
        );
        assert_eq!(
            reply.header("content-security-policy"),
            Some("frame-ancestors 'none'"),
            "{probe}"
        );
        assert_eq!(
            reply.header("cache-control"),
            Some("private, no-store"),
            "{probe}"
        );
        assert_eq!(reply.header("x-content-type-options"), Some("nosniff"), "{probe}");
    }
    let data = app.get("/api/data", None, &[]).await;
    assert_eq!(
        data.header("x-clerk-auth-status"),
        Some("signed-out"),
        "{:?}",
        data.headers
    );
    assert_eq!(
        data.header("content-security-policy"),
        Some("frame-ancestors 'none'")
    );
    for page in ["/", "/sign-in", "/profile", "/client", "/admin"] {
        let reply = app.get(page, None, &[]).await;
        let policy = reply.header("content-security-policy").unwrap_or_default();
        assert!(policy.contains("'strict-dynamic' 'nonce-"), "{page}: {policy}");
    }
}
