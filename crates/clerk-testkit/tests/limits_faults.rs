//! Rate limits, injected faults and key rotation.

mod common;

use std::time::{Duration, Instant};

use clerk_testkit::{
    decode_unverified, faults::Outage, faults::RateLimit, faults::DROPPED, NewUser, TestClerk,
};
use common::Api;
use serde_json::json;

fn limited(limit: u32, window: Duration) -> TestClerk {
    TestClerk::builder()
        .rate_limit(RateLimit {
            limit,
            user_update_limit: Some(2),
            window,
        })
        .start()
        .expect("emulator starts")
}

#[test]
fn clerk_default_limits_per_instance_type() {
    let dev = RateLimit::clerk_default(clerk_testkit::InstanceType::Development);
    let prod = RateLimit::clerk_default(clerk_testkit::InstanceType::Production);
    assert_eq!((dev.limit, prod.limit), (100, 1000));
    assert_eq!(dev.window, Duration::from_secs(10));
    assert_eq!(dev.user_update_limit, Some(10));
}

#[actix_rt::test]
async fn rate_limit_answers_429_with_retry_after_until_the_window_frees_up() {
    let window = Duration::from_millis(300);
    let clerk = limited(3, window);
    let api = Api::new(&clerk);
    for _ in 0..3 {
        assert_eq!(api.get("/v1/users/count").await.status, 200);
    }
    // The oldest counted request expires at most one window from now.
    let frees_up = Instant::now() + window;
    let limited = api.get("/v1/users").await;
    assert_eq!(limited.status, 429);
    assert_eq!(
        limited.header("retry-after"),
        Some("1"),
        "whole seconds, rounded up"
    );
    assert_eq!(limited.body["errors"][0]["code"], "too_many_requests");
    assert_eq!(limited.header("content-type"), Some("application/json"));

    // JWKS is never limited.
    for _ in 0..5 {
        assert_eq!(api.get("/v1/jwks").await.status, 200);
        assert_eq!(api.get("/.well-known/jwks.json").await.status, 200);
    }
    // Unauthenticated calls don't count either; they are 401 first.
    let anon = Api::new(&clerk)
        .with_key(Some("sk_test_other"))
        .get("/v1/users")
        .await;
    assert_eq!(anon.status, 401);

    // The window is real time; it is short here.
    actix_rt::time::sleep_until(frees_up.into()).await;
    assert_eq!(api.get("/v1/users").await.status, 200);
    assert_eq!(clerk.calls().count_status("GET", "/v1/users", 429), 1);
}

#[actix_rt::test]
async fn user_updates_are_limited_per_user() {
    let clerk = limited(100, Duration::from_secs(10));
    let api = Api::new(&clerk);
    let a = clerk.users().create(NewUser::default()).expect("created");
    let b = clerk.users().create(NewUser::default()).expect("created");
    let patch = |id: &str| format!("/v1/users/{id}");
    let body = || Some(json!({"first_name": "X"}));
    assert_eq!(api.send("PATCH", &patch(&a.id), body()).await.status, 200);
    assert_eq!(
        api.send("PATCH", &format!("{}/metadata", patch(&a.id)), Some(json!({})))
            .await
            .status,
        200
    );
    let third = api.send("PATCH", &patch(&a.id), body()).await;
    assert_eq!(third.status, 429);
    assert!(third.header("retry-after").is_some());
    assert_eq!(api.send("PATCH", &patch(&b.id), body()).await.status, 200);
    // The store itself is never limited.
    clerk
        .users()
        .update(&a.id, Default::default())
        .expect("direct update");
}

#[actix_rt::test]
async fn injected_errors_latency_and_recovery() {
    let clerk = TestClerk::start().expect("emulator starts");
    let api = Api::new(&clerk);
    let faults = clerk.faults();

    faults.fail_next("GET", "/v1/users/count", 2, 503);
    assert_eq!(api.get("/v1/users/count").await.status, 503);
    let second = api.get("/v1/users/count").await;
    assert_eq!(second.status, 503);
    assert!(second.body["clerk_trace_id"].is_string());
    assert_eq!(api.get("/v1/users/count").await.status, 200);

    faults.fail_next("GET", "/v1/jwks", 1, 500);
    let failed = api.get("/v1/jwks").await;
    assert_eq!(
        (failed.status, failed.body["errors"][0]["code"].as_str()),
        (500, Some("internal_clerk_error"))
    );

    faults.rate_limit_next("GET", "/v1/users", 1, 7);
    let limited = api.get("/v1/users").await;
    assert_eq!((limited.status, limited.header("retry-after")), (429, Some("7")));
    assert_eq!(api.get("/v1/users").await.status, 200);

    faults.endpoint_latency("GET", "/v1/users/count", Some(Duration::from_millis(150)));
    let started = Instant::now();
    api.get("/v1/users/count").await;
    assert!(started.elapsed() >= Duration::from_millis(150));
    faults.endpoint_latency("GET", "/v1/users/count", None);
    faults.latency(Some(Duration::from_millis(100)));
    let started = Instant::now();
    api.get("/v1/jwks").await;
    assert!(started.elapsed() >= Duration::from_millis(100));
    faults.clear();

    assert_eq!(clerk.calls().count_status("GET", "/v1/users/count", 503), 2);
}

#[actix_rt::test]
async fn dropped_connections_give_no_response_at_all() {
    let clerk = TestClerk::start().expect("emulator starts");
    let api = Api::new(&clerk);
    clerk.faults().drop_next("GET", "/v1/jwks", 1);
    let err = api.try_send("GET", "/v1/jwks", None).await.err();
    assert!(err.is_some(), "the client sees a transport error, not a status");
    assert_eq!(api.get("/v1/jwks").await.status, 200, "next connection is fine");
    assert_eq!(clerk.calls().count_status("GET", "/v1/jwks", DROPPED), 1);

    // Seen on the wire: the socket closes before a single response byte.
    use std::io::{Read as _, Write as _};
    clerk.faults().drop_next("GET", "/.well-known/jwks.json", 1);
    let mut stream = std::net::TcpStream::connect(clerk.addr()).expect("connects");
    stream
        .write_all(b"GET /.well-known/jwks.json HTTP/1.1\r\nhost: x\r\n\r\n")
        .expect("writes");
    stream
        .set_read_timeout(Some(Duration::from_secs(5)))
        .expect("timeout");
    let mut buf = Vec::new();
    let read = stream.read_to_end(&mut buf);
    assert!(read.is_ok() || buf.is_empty(), "{read:?}");
    assert!(buf.is_empty(), "got {:?}", String::from_utf8_lossy(&buf));
}

#[actix_rt::test]
async fn the_whole_api_goes_down_and_comes_back() {
    let clerk = TestClerk::start().expect("emulator starts");
    let api = Api::new(&clerk);
    clerk.faults().outage(Some(Outage::ServiceUnavailable));
    for path in ["/v1/users", "/v1/jwks", "/.well-known/jwks.json"] {
        assert_eq!(api.get(path).await.status, 503, "{path}");
    }
    clerk.faults().outage(Some(Outage::DropConnections));
    assert!(api.try_send("GET", "/v1/users", None).await.is_err());
    clerk.faults().outage(None);
    assert_eq!(api.get("/v1/users").await.status, 200);
}

#[actix_rt::test]
async fn key_rotation_serves_both_keys_then_retires_the_old_one() {
    let clerk = TestClerk::builder().fixed_instance().start().expect("starts");
    let api = Api::new(&clerk);
    let old_kid = clerk.instance().kid().to_owned();
    let new_key = clerk.faults().rotate_key().expect("rotates");
    assert!(new_key.kid().starts_with("ins_"));
    assert_ne!(new_key.kid(), old_kid);

    let kids = |body: &serde_json::Value| -> Vec<String> {
        body["keys"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|k| k["kid"].as_str().map(str::to_owned))
            .collect()
    };
    assert_eq!(
        kids(&api.get("/v1/jwks").await.body),
        vec![old_kid.clone(), new_key.kid().to_owned()]
    );
    let jwt = clerk.minter().session_token("user_1").mint();
    assert_eq!(decode_unverified(&jwt).expect("jwt").0["kid"], new_key.kid());

    assert!(clerk.faults().retire_key(&old_kid));
    assert_eq!(
        kids(&api.get("/.well-known/jwks.json").await.body),
        vec![new_key.kid().to_owned()]
    );
    assert!(!clerk.faults().retire_key(&old_kid));
}
