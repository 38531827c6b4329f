//! `GET /api/machine` (issue 14): every machine token type, opaque and JWT, against the real app;
//! revocation after caching; the Backend API calls one key and a flood of random keys cost.

use std::time::{Duration, Instant};

use clerk_testkit::TestClerk;
use e2e::{spawn_app, spawn_app_with, SpawnOptions, TestApp};
use futures_util::stream::{self, StreamExt};
use serde_json::json;

const API_KEYS_VERIFY: &str = "/api_keys/verify";

fn verify_calls(app: &TestApp) -> u64 {
    app.clerk.calls().count("POST", API_KEYS_VERIFY)
}

#[actix_rt::test]
async fn api_machine_answers_each_token_type_opaque_and_jwt() {
    let app = spawn_app().await;
    let machines = app.clerk.machine_tokens();
    let key = machines.api_key("user_2key").name("ci").scopes(["read"]).issue();
    let m2m = machines.m2m("mch_2sender").scopes(["mch_2me"]).issue();
    let oauth = machines
        .oauth_token("user_2oauth")
        .client_id("client_9")
        .scopes(["email"])
        .issue();
    let m2m_jwt = machines.m2m("mch_2jwt").scopes(["mch_2me"]).jwt();
    let oauth_jwt = machines
        .oauth_token("user_2jwt")
        .client_id("client_8")
        .scopes(["profile"])
        .jwt();

    let cases = [
        (key.secret.as_str(), "api_key", key.id.as_str(), "user_2key"),
        (m2m.secret.as_str(), "m2m_token", m2m.id.as_str(), "mch_2sender"),
        (
            oauth.secret.as_str(),
            "oauth_token",
            oauth.id.as_str(),
            "user_2oauth",
        ),
    ];
    for (token, kind, id, subject) in cases {
        let reply = app.get("/api/machine", Some(token), &[]).await;
        assert_eq!(reply.status, 200, "{kind}: {}", reply.body);
        let body = reply.json();
        assert_eq!(
            (body["tokenType"].as_str(), body["id"].as_str()),
            (Some(kind), Some(id))
        );
        assert_eq!(body["subject"], subject);
        assert_eq!(reply.header("x-clerk-auth-status"), None);
    }
    assert_eq!(
        app.get("/api/machine", Some(&key.secret), &[]).await.json()["name"],
        "ci"
    );
    assert_eq!(
        app.get("/api/machine", Some(&oauth.secret), &[]).await.json()["clientId"],
        "client_9"
    );

    let reply = app.get("/api/machine", Some(&m2m_jwt), &[]).await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    assert_eq!(reply.json()["machineId"], "mch_2jwt");
    assert_eq!(reply.json()["scopes"], json!(["mch_2me"]));
    let reply = app.get("/api/machine", Some(&oauth_jwt), &[]).await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    assert_eq!(
        (
            reply.json()["tokenType"].as_str(),
            reply.json()["userId"].as_str()
        ),
        (Some("oauth_token"), Some("user_2jwt"))
    );

    let reply = app.get("/api/machine", Some(&app.token()), &[]).await;
    assert_eq!(reply.status, 200);
    assert_eq!(reply.json()["tokenType"], "session_token");
    assert_eq!(reply.json()["userId"], app.user_id.as_str());
    assert!(reply.json()["sessionId"].as_str().unwrap().starts_with("sess_"));

    let reply = app.get("/api/machine", Some("ak_not_a_key"), &[]).await;
    assert_eq!(
        (reply.status, reply.header("x-clerk-auth-reason")),
        (401, Some("token-invalid"))
    );
    assert_eq!(
        reply.header("x-clerk-auth-message"),
        Some("API key not found (code=token-invalid, status=404)")
    );
    let reply = app.get("/api/machine", None, &[]).await;
    assert_eq!(reply.status, 401);

    // `/api/data` stays session-only, with Clerk's session-path answers and no Backend API call.
    let calls = app.clerk.calls().total();
    for opaque in [&key.secret, &m2m.secret, &oauth.secret] {
        let reply = app.get("/api/data", Some(opaque), &[]).await;
        assert_eq!(
            (reply.status, reply.header("x-clerk-auth-reason")),
            (401, Some("token-invalid"))
        );
    }
    for jwt in [&m2m_jwt, &oauth_jwt] {
        let reply = app.get("/api/data", Some(jwt), &[]).await;
        assert_eq!(
            (reply.status, reply.header("x-clerk-auth-reason")),
            (401, Some("token-type-mismatch"))
        );
    }
    assert_eq!(app.clerk.calls().total(), calls);
}

#[actix_rt::test]
async fn a_revoked_key_is_served_until_the_ttl_then_refused() {
    // Long enough that the two requests below finish within it on a loaded CI machine.
    let ttl = Duration::from_secs(2);
    let app = spawn_app_with(SpawnOptions {
        settings: vec![("CLERK_MACHINE_TOKEN_CACHE_TTL_MS", ttl.as_millis().to_string())],
        ..SpawnOptions::default()
    })
    .await;
    let key = app.clerk.machine_tokens().api_key("user_2key").issue();
    // Cached from after this instant.
    let first_at = Instant::now();
    assert_eq!(app.get("/api/machine", Some(&key.secret), &[]).await.status, 200);
    app.clerk.machine_tokens().revoke(&key.id, "leaked");
    // Within the TTL the cached verification answers (no new call).
    assert_eq!(app.get("/api/machine", Some(&key.secret), &[]).await.status, 200);
    assert_eq!(verify_calls(&app), 1);
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let reply = app.get("/api/machine", Some(&key.secret), &[]).await;
        if reply.status == 401 {
            assert_eq!(reply.header("x-clerk-auth-reason"), Some("token-invalid"));
            break;
        }
        assert!(Instant::now() < deadline, "a revoked key stayed accepted");
        actix_rt::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(first_at.elapsed() >= ttl, "refused before the TTL ended");
    assert_eq!(verify_calls(&app), 2);
}

#[actix_rt::test]
async fn a_thousand_requests_with_one_key_make_one_call_per_ttl() {
    let app = spawn_app().await;
    let key = app.clerk.machine_tokens().api_key("user_2key").issue();
    let ttl = Duration::from_secs(10);
    let started = Instant::now();
    let statuses: Vec<u16> = stream::iter(0..1000)
        .map(|_| async { app.get("/api/machine", Some(&key.secret), &[]).await.status })
        .buffer_unordered(32)
        .collect()
        .await;
    let elapsed = started.elapsed();
    assert!(statuses.iter().all(|s| *s == 200));
    let windows = elapsed.as_millis().div_ceil(ttl.as_millis()) as u64;
    let calls = verify_calls(&app);
    assert!(calls >= 1 && calls <= windows, "{calls} calls in {elapsed:?}");
}

#[actix_rt::test]
async fn ten_thousand_random_keys_stay_within_the_machine_share() {
    // A development instance: Clerk's limit is 100 per 10 s, the app's budget 90, of which the
    // machine-token share (20 %, never borrowing) is 18.
    let app = spawn_app_with(SpawnOptions {
        clerk: TestClerk::builder(),
        ..SpawnOptions::default()
    })
    .await;
    let started = Instant::now();
    let statuses: Vec<u16> = stream::iter(0..10_000)
        .map(|i| {
            let app = &app;
            async move {
                let token = format!("ak_{i:08}{:024x}", rand::random::<u128>() >> 32);
                app.get("/api/machine", Some(&token), &[]).await.status
            }
        })
        .buffer_unordered(64)
        .collect()
        .await;
    let elapsed = started.elapsed();
    assert!(statuses.iter().all(|s| *s == 401 || *s == 503));
    let windows = elapsed.as_millis().div_ceil(10_000) as u64;
    let calls = verify_calls(&app);
    assert!(calls <= 18 * windows, "{calls} verify calls in {elapsed:?}");
    assert_eq!(statuses.iter().filter(|s| **s == 401).count() as u64, calls);
    // Clerk's limit was never reached, and the rest of the budget is intact: a user lookup works.
    let limited: u64 = app
        .clerk
        .calls()
        .counts()
        .iter()
        .filter(|(k, _)| k.status == 429)
        .map(|(_, n)| n)
        .sum();
    assert_eq!(limited, 0);
    assert_eq!(app.get("/api/user", Some(&app.token()), &[]).await.status, 200);
}
