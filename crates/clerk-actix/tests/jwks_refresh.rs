//! Issue 11, item 7: JWKS refresh without stalls (stale-while-revalidate), over real HTTP against
//! the offline Clerk with its latency fault on the JWKS endpoint.

mod common;

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};

use clerk_core::jwks::JwksCacheConfig;
use common::*;

const JWKS: (&str, &str) = ("GET", "/v1/jwks");

#[actix_rt::test]
async fn a_known_key_past_its_ttl_answers_at_once_while_one_refresh_waits_for_a_slow_clerk() {
    // Arrange: a short TTL and a clock the test moves, so no test sleeps for the TTL.
    let fx = Fixture::prod();
    let offset = Arc::new(AtomicU64::new(0));
    let clock = {
        let offset = Arc::clone(&offset);
        move || SystemTime::now() + Duration::from_secs(offset.load(Ordering::SeqCst))
    };
    let sdk = fx
        .config()
        .jwks_cache(JwksCacheConfig {
            ttl: Duration::from_secs(5),
            ..JwksCacheConfig::default()
        })
        // Every request verifies its token with a key from the JWKS cache.
        .token_cache_capacity(0)
        .clock(clock)
        .build()
        .expect("valid configuration");
    let server = start_server(sdk.clone(), 2);
    let client = awc::Client::builder().timeout(Duration::from_secs(30)).finish();
    let url = format!("http://{}/private", server.addr);
    let token = || {
        fx.clerk
            .minter()
            .session_token(&fx.user_id)
            .azp(ORIGIN)
            .lifetime(600)
            .mint()
    };
    let first = client
        .get(&url)
        .bearer_auth(token())
        .send()
        .await
        .expect("response");
    assert_eq!(first.status(), 200);
    assert_eq!(fx.clerk.calls().count(JWKS.0, JWKS.1), 1);

    // Act: Clerk's JWKS endpoint now answers after 20 s, and the key is past its TTL (and the
    // refetch cooldown) by the server's clock.
    fx.clerk
        .faults()
        .endpoint_latency(JWKS.0, JWKS.1, Some(Duration::from_secs(20)));
    offset.store(20, Ordering::SeqCst);
    let started = Instant::now();
    let requests = (0..20).map(|_| {
        let request = client.get(&url).bearer_auth(token());
        async move {
            let sent = Instant::now();
            let response = request.send().await.expect("response");
            (response.status().as_u16(), sent.elapsed())
        }
    });
    let answers = futures_util::future::join_all(requests).await;
    let sequential = {
        let sent = Instant::now();
        let response = client
            .get(&url)
            .bearer_auth(token())
            .send()
            .await
            .expect("response");
        (response.status().as_u16(), sent.elapsed())
    };

    // Assert: every request was answered from the stale key within a second…
    for (index, (status, took)) in answers.iter().chain([&sequential]).enumerate() {
        assert_eq!(*status, 200, "request {index}");
        assert!(*took < Duration::from_secs(1), "request {index} took {took:?}");
    }
    assert!(
        started.elapsed() < Duration::from_secs(2),
        "{:?}",
        started.elapsed()
    );
    // …while exactly one refresh went to Clerk.
    let stats = sdk.stats().jwks.expect("a JWKS cache");
    assert_eq!((stats.revalidations, stats.fetches), (1, 2), "{stats:?}");
    assert_eq!(stats.stale_serves, 21);
    // The emulator counts a call when its (20 s) latency is over.
    let deadline = Instant::now() + Duration::from_secs(25);
    while fx.clerk.calls().count(JWKS.0, JWKS.1) < 2 && Instant::now() < deadline {
        actix_rt::time::sleep(Duration::from_millis(200)).await;
    }
    assert_eq!(
        fx.clerk.calls().count(JWKS.0, JWKS.1),
        2,
        "one warm-up fetch and exactly one refresh reached Clerk"
    );
    // The refresh gave up after its short timeout; the key is still served (stale).
    let after = client
        .get(&url)
        .bearer_auth(token())
        .send()
        .await
        .expect("response");
    assert_eq!(after.status(), 200);
    assert_eq!(sdk.stats().jwks.expect("a JWKS cache").failures, 1);
}
