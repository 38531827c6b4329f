//! Fault injection end to end: the JWKS endpoint down and back.

use std::time::{Duration, Instant};

use clerk_testkit::{faults::Outage, faults::DROPPED, TestClerk};
use e2e::{spawn_app_with, SpawnOptions, ORIGIN};

/// The JWKS TTL of the outage test: short, so that the outage outlasts it.
const JWKS_TTL: Duration = Duration::from_millis(1000);

#[actix_rt::test]
async fn jwks_down_known_keys_keep_verifying_new_kids_fail_fast_and_service_recovers() {
    let app = spawn_app_with(SpawnOptions {
        clerk: TestClerk::builder().production(),
        settings: vec![
            ("CLERK_JWKS_REFETCH_COOLDOWN_MS", "1000".into()),
            ("CLERK_JWKS_TTL_MS", JWKS_TTL.as_millis().to_string()),
            ("CLERK_HTTP_TIMEOUT_MS", "1000".into()),
            ("CLERK_TOKEN_CACHE_CAPACITY", "0".into()),
        ],
        ..Default::default()
    })
    .await;
    assert_eq!(app.get("/api/data", Some(&app.token()), &[]).await.status, 200);

    app.clerk.faults().outage(Some(Outage::DropConnections));
    // A known kid keeps verifying with the whole Backend API down, past the JWKS TTL (issue 29):
    // the keys are stale, their refresh fails, and they are served within the max-stale bound.
    actix_rt::time::sleep(JWKS_TTL + Duration::from_millis(100)).await;
    assert_eq!(app.get("/api/data", Some(&app.token()), &[]).await.status, 200);
    let deadline = Instant::now() + Duration::from_secs(5);
    while app.clerk.calls().count_status("GET", "/v1/jwks", DROPPED) == 0 {
        assert!(Instant::now() < deadline, "the stale keys were never refreshed");
        actix_rt::time::sleep(Duration::from_millis(20)).await;
    }
    assert_eq!(app.get("/api/data", Some(&app.token()), &[]).await.status, 200);
    // A new kid cannot be fetched: signed out with Clerk's reason, quickly, never a 500.
    app.clerk.faults().rotate_key().unwrap();
    // The refetch cooldown is a time rule (at least 1 s): let it pass so the unknown kid may
    // trigger a fetch.
    actix_rt::time::sleep(Duration::from_millis(1050)).await;
    let started = Instant::now();
    let reply = app.get("/api/data", Some(&app.token()), &[]).await;
    assert_eq!(reply.status, 401);
    assert_eq!(
        reply.header("x-clerk-auth-reason"),
        Some("jwk-remote-failed-to-load")
    );
    assert!(
        started.elapsed() < Duration::from_secs(8),
        "{:?}",
        started.elapsed()
    );

    // The endpoint comes back: after the cooldown the new key is fetched by itself.
    app.clerk.faults().outage(None);
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let reply = app.get("/api/data", Some(&app.token()), &[]).await;
        if reply.status == 200 {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "did not recover: {:?}",
            reply.header("x-clerk-auth-reason")
        );
        actix_rt::time::sleep(Duration::from_millis(100)).await;
    }
    let token = app.clerk.minter().session_token(&app.user_id).azp(ORIGIN).mint();
    assert_eq!(app.get("/api/me", Some(&token), &[]).await.status, 200);
}

#[actix_rt::test]
async fn a_429_storm_and_5xx_bursts_serve_stale_rows_without_waiting_past_the_timeout() {
    let app = spawn_app_with(SpawnOptions {
        settings: vec![
            ("APP_CACHE_TTL_SECS", "0".into()),
            ("APP_USER_CACHE_MEMORY_CAPACITY", "0".into()),
        ],
        ..Default::default()
    })
    .await;
    let token = app.token();
    // Stored once; with a TTL of 0 every later request wants to refresh it from Clerk.
    assert_eq!(app.get("/api/me", Some(&token), &[]).await.status, 200);
    let route = "/v1/users/{user_id}";
    let calls_before = app.clerk.calls().count("GET", route);

    app.clerk.faults().rate_limit_next("GET", route, 1000, 1);
    let started = Instant::now();
    let requests = (0..20).map(|_| app.get("/api/me", Some(&token), &[]));
    for reply in futures_util::future::join_all(requests).await {
        assert_eq!(reply.status, 200, "the stale row is served: {}", reply.body);
        assert_eq!(reply.json()["first_name"], "Ada");
    }
    assert!(
        started.elapsed() < Duration::from_secs(6),
        "{:?}",
        started.elapsed()
    );
    // The client waited out Retry-After between its attempts (one retry at most).
    let storm_calls = app.clerk.calls().count("GET", route) - calls_before;
    assert!(
        storm_calls <= 4,
        "single-flight and Retry-After keep calls down: {storm_calls}"
    );

    app.clerk.faults().clear();
    app.clerk.faults().fail_next("GET", route, 10, 502);
    for _ in 0..5 {
        let started = Instant::now();
        let reply = app.get("/api/me", Some(&token), &[]).await;
        assert_eq!(reply.status, 200);
        assert!(started.elapsed() < Duration::from_secs(6));
    }
    app.clerk.faults().clear();
    let before = app.clerk.calls().count_status("GET", route, 200);
    assert_eq!(app.get("/api/me", Some(&token), &[]).await.status, 200);
    assert_eq!(
        app.clerk.calls().count_status("GET", route, 200),
        before + 1,
        "refreshed once Clerk is back"
    );
}
