//! Fault injection end to end: the JWKS endpoint down and back.

use std::time::{Duration, Instant};

use clerk_testkit::{Outage, TestClerk};
use e2e::{spawn_app_with, SpawnOptions, ORIGIN};

#[actix_rt::test]
async fn jwks_down_known_keys_keep_verifying_new_kids_fail_fast_and_service_recovers() {
    let app = spawn_app_with(SpawnOptions {
        clerk: TestClerk::builder().production(),
        settings: vec![
            ("CLERK_JWKS_REFETCH_COOLDOWN_MS", "300".into()),
            ("CLERK_HTTP_TIMEOUT_MS", "1000".into()),
            ("CLERK_TOKEN_CACHE_CAPACITY", "0".into()),
        ],
        ..Default::default()
    })
    .await;
    assert_eq!(app.get("/api/data", Some(&app.token()), &[]).await.status, 200);

    app.clerk.faults().outage(Some(Outage::DropConnections));
    // A known kid keeps verifying with the whole Backend API down.
    assert_eq!(app.get("/api/data", Some(&app.token()), &[]).await.status, 200);
    // A new kid cannot be fetched: signed out with Clerk's reason, quickly, never a 500.
    app.clerk.faults().rotate_key().unwrap();
    // The refetch cooldown is a time rule: let it pass so the unknown kid may trigger a fetch.
    actix_rt::time::sleep(Duration::from_millis(350)).await;
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
