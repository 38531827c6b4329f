//! The two-tier user cache end to end: in-process tier, cross-replica invalidation through
//! Postgres LISTEN/NOTIFY, flush when the change feed is lost, 500 concurrent first requests, and
//! stale answers marked `x-user-cache: stale`.

use std::time::{Duration, Instant};

use clerk_testkit::{faults::Outage, UserUpdate};
use e2e::{spawn_app, spawn_app_with, SpawnOptions, TestApp};

fn metric(body: &str, name: &str) -> u64 {
    body.lines()
        .find_map(|line| line.strip_prefix(name).and_then(|rest| rest.trim().parse().ok()))
        .unwrap_or(0)
}

async fn first_name(app: &TestApp, address: &str, token: &str) -> String {
    let reply = app.get_at(address, "/api/me", token).await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    reply.json()["first_name"].as_str().unwrap_or_default().to_owned()
}

async fn wait_for_feed(app: &TestApp, address: &str, token: &str) {
    // The feed subscribes right after start; a memory hit proves it is connected.
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let _ = first_name(app, address, token).await;
        let metrics = app.metrics_at(address).await;
        if metric(&metrics, "app_user_cache_memory_hits_total") > 0 {
            return;
        }
        assert!(Instant::now() < deadline, "the in-process tier never served");
        actix_rt::time::sleep(Duration::from_millis(50)).await;
    }
}

#[actix_rt::test]
async fn a_change_reaches_every_replica_through_notify() {
    let app = spawn_app().await;
    let token = app.token();
    let (replica, _handle) = app.spawn_replica().await;
    wait_for_feed(&app, &app.address, &token).await;
    wait_for_feed(&app, &replica, &token).await;
    assert_eq!(first_name(&app, &replica, &token).await, "Ada");

    // The webhook is delivered to the first replica only; the second hears it from Postgres.
    let update = UserUpdate {
        first_name: Some("Ada L.".into()),
        ..Default::default()
    };
    app.clerk.users().update(&app.user_id, update).unwrap();
    tokio::time::timeout(Duration::from_secs(20), app.clerk.webhooks().wait_idle())
        .await
        .unwrap();
    assert_eq!(first_name(&app, &app.address, &token).await, "Ada L.");
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        if first_name(&app, &replica, &token).await == "Ada L." {
            break;
        }
        assert!(Instant::now() < deadline, "the replica kept serving the old user");
        actix_rt::time::sleep(Duration::from_millis(20)).await;
    }
    let metrics = app.metrics_at(&replica).await;
    assert!(metric(&metrics, "app_user_cache_memory_invalidations_total") >= 1);
}

#[actix_rt::test]
async fn losing_the_change_feed_flushes_the_in_process_tier() {
    let app = spawn_app_with(SpawnOptions {
        db_proxy: true,
        ..Default::default()
    })
    .await;
    let token = app.token();
    wait_for_feed(&app, &app.address, &token).await;
    let proxy = app.db_proxy.as_ref().unwrap();
    proxy.cut();
    // With Postgres unreachable the in-process copy is no longer trusted: a clear 503, quickly.
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let started = Instant::now();
        let reply = app.get("/api/me", Some(&token), &[]).await;
        assert!(
            started.elapsed() < Duration::from_secs(5),
            "no request waits past its timeout"
        );
        if reply.status == 503 {
            break;
        }
        assert_eq!(reply.status, 200);
        assert!(
            Instant::now() < deadline,
            "kept serving from memory without the feed"
        );
        actix_rt::time::sleep(Duration::from_millis(20)).await;
    }
    assert_eq!(app.get("/readyz", None, &[]).await.status, 503);
    proxy.restore();
    let deadline = Instant::now() + Duration::from_secs(15);
    while app.get("/api/me", Some(&token), &[]).await.status != 200 {
        assert!(Instant::now() < deadline, "did not recover");
        actix_rt::time::sleep(Duration::from_millis(100)).await;
    }
    // `/readyz` reuses its database answer for a second.
    while app.get("/readyz", None, &[]).await.status != 200 {
        assert!(Instant::now() < deadline, "readiness did not recover");
        actix_rt::time::sleep(Duration::from_millis(100)).await;
    }
}

#[actix_rt::test]
async fn five_hundred_concurrent_first_requests_make_one_backend_api_call() {
    let app = spawn_app().await;
    let token = app.token();
    let before = app.clerk.calls().count("GET", "/v1/users/{user_id}");
    let requests = (0..500).map(|_| app.get("/api/me", Some(&token), &[]));
    let replies = futures_util::future::join_all(requests).await;
    assert!(replies.iter().all(|r| r.status == 200));
    assert_eq!(app.clerk.calls().count("GET", "/v1/users/{user_id}") - before, 1);
}

/// Every route that serves the signed-in user.
const USER_ROUTES: [&str; 5] = ["/", "/api/user", "/api/auth", "/profile", "/api/me"];

async fn user_cache_headers(app: &TestApp, token: &str) -> Vec<(&'static str, Option<String>)> {
    let mut headers = Vec::new();
    for route in USER_ROUTES {
        let reply = app.get(route, Some(token), &[]).await;
        assert_eq!(reply.status, 200, "{route}: {}", reply.body);
        assert!(
            reply.body.contains(&app.user_id) || reply.body.contains("Welcome, Ada!"),
            "{route} serves the user: {}",
            reply.body
        );
        headers.push((route, reply.header("x-user-cache").map(str::to_owned)));
    }
    headers
}

// Issue 11, item 11: a user served past its TTL because the Backend API is down is marked
// `x-user-cache: stale` on every route that serves it; fresh answers carry no such header.
#[actix_rt::test]
async fn a_stale_user_is_marked_on_every_user_route_and_a_fresh_one_is_not() {
    // Arrange: the in-process tier off, so every request reads the Postgres row and its TTL.
    let app = spawn_app_with(SpawnOptions {
        settings: vec![("APP_USER_CACHE_MEMORY_CAPACITY", "0".into())],
        ..Default::default()
    })
    .await;
    let token = app.token();
    let unmarked: Vec<_> = USER_ROUTES.iter().map(|route| (*route, None)).collect();
    // Cached by the first request (fetched), then served from the fresh row.
    assert_eq!(user_cache_headers(&app, &token).await, unmarked);
    assert_eq!(
        app.get("/api/data", Some(&token), &[])
            .await
            .header("x-user-cache"),
        None
    );

    // The row's TTL (60 s) passes: confirmed ten minutes ago, as far as the cache can tell.
    let aged = sqlx::query("UPDATE users SET synced_at = synced_at - interval '10 minutes' WHERE id = $1")
        .bind(&app.user_id)
        .execute(&mut app.db().await)
        .await
        .expect("age the row");
    assert_eq!(aged.rows_affected(), 1);

    // Act: the Backend API is down.
    app.clerk.faults().outage(Some(Outage::ServiceUnavailable));
    let stale = user_cache_headers(&app, &token).await;

    // Assert: the stale row is served, and said to be stale.
    let marked: Vec<_> = USER_ROUTES
        .iter()
        .map(|route| (*route, Some("stale".to_owned())))
        .collect();
    assert_eq!(stale, marked);
    let reply = app.get("/api/data", Some(&token), &[]).await;
    assert_eq!(
        (reply.status, reply.header("x-user-cache")),
        (200, None),
        "no user, no mark"
    );
    let metrics = app.metrics().await;
    assert!(metric(&metrics, "app_user_cache_stale_serves_total") >= USER_ROUTES.len() as u64);

    // The Backend API is back: the user is fetched again and the answers are unmarked.
    app.clerk.faults().outage(None);
    assert_eq!(user_cache_headers(&app, &token).await, unmarked);
    let fetched = app.clerk.calls().count_status("GET", "/v1/users/{user_id}", 200);
    assert_eq!(fetched, 2, "fetched once at first, once after the outage");
}
