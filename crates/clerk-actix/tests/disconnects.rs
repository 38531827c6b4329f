//! Clients that disconnect mid-request, against a real server on loopback: a JWKS fetch that a
//! cancelled request started still counts against the refetch cooldown (issue 10, item 2).

mod common;

use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};

use actix_rt::net::TcpStream;
use common::*;

/// What the server had done when the client hung up.
#[derive(Debug, PartialEq, Eq)]
enum HungUp {
    /// It was fetching JWKS for this request.
    MidFetch,
    /// It had already answered (the first bytes of the answer).
    Answered(String),
}

/// Sends `GET /private` with `token`, waits until the server either started a JWKS fetch
/// (`fetches()` went past `before`) or answered, then resets the connection (RST), as a client
/// that gives up would.
async fn send_and_reset(addr: SocketAddr, token: &str, fetches: impl Fn() -> u64, before: u64) -> HungUp {
    let stream = TcpStream::connect(addr).await.expect("connect");
    let request =
        format!("GET /private HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer {token}\r\n\r\n");
    let mut written = 0;
    while written < request.len() {
        stream.writable().await.expect("writable");
        match stream.try_write(&request.as_bytes()[written..]) {
            Ok(n) => written += n,
            Err(err) if err.kind() == std::io::ErrorKind::WouldBlock => continue,
            Err(err) => panic!("write: {err}"),
        }
    }
    let deadline = Instant::now() + Duration::from_secs(10);
    let outcome = loop {
        if fetches() > before {
            break HungUp::MidFetch;
        }
        assert!(Instant::now() < deadline, "neither a JWKS fetch nor an answer");
        // Readiness of the socket, re-checking the fetch counter every millisecond.
        if actix_rt::time::timeout(Duration::from_millis(1), stream.readable())
            .await
            .is_err()
        {
            continue;
        }
        let mut head = [0u8; 12];
        match stream.try_read(&mut head) {
            Ok(n) => break HungUp::Answered(String::from_utf8_lossy(&head[..n]).into_owned()),
            Err(err) if err.kind() == std::io::ErrorKind::WouldBlock => continue,
            Err(err) => panic!("read: {err}"),
        }
    };
    stream.set_zero_linger().expect("SO_LINGER 0");
    drop(stream);
    outcome
}

#[actix_rt::test]
async fn clients_that_disconnect_mid_fetch_cause_one_jwks_call_per_cooldown() {
    let fx = Fixture::prod();
    // The emulator is slow on JWKS: every fetch is still under way when its client hangs up.
    fx.clerk
        .faults()
        .endpoint_latency("GET", "/v1/jwks", Some(Duration::from_secs(2)));
    // The server's clock moves only when the test says so (one cooldown = 10 s).
    let offset = Arc::new(AtomicU64::new(0));
    let clock = {
        let offset = Arc::clone(&offset);
        move || SystemTime::now() + Duration::from_secs(offset.load(Ordering::SeqCst))
    };
    let sdk = fx.config().clock(clock).build().expect("valid configuration");
    let server = start_server(sdk.clone(), 2);
    let fetches = || sdk.stats().jwks.expect("a JWKS cache").fetches;

    let mut mid_fetch = 0;
    for (cooldown, requests) in [(0u64, 200), (1, 50)] {
        offset.store(cooldown * 10, Ordering::SeqCst);
        for i in 0..requests {
            let token = fx
                .clerk
                .minter()
                .session_token(&fx.user_id)
                .azp(ORIGIN)
                .header_kid(Some(&format!("ins_{:016x}", rand::random::<u64>())))
                .mint();
            match send_and_reset(server.addr, &token, fetches, fetches()).await {
                HungUp::MidFetch => mid_fetch += 1,
                HungUp::Answered(head) => assert_eq!(head, "HTTP/1.1 401", "request {i}"),
            }
        }
        assert_eq!(
            fetches(),
            cooldown + 1,
            "JWKS fetches started by {requests} cancelled requests in cooldown {cooldown}"
        );
    }
    assert_eq!(mid_fetch, 2, "one request per cooldown hung up mid-fetch");

    // The fetch of the next cooldown completes as usual: the instance's own token signs in.
    fx.clerk.faults().clear();
    offset.store(20, Ordering::SeqCst);
    let client = awc::Client::builder().timeout(Duration::from_secs(10)).finish();
    let response = client
        .get(format!("http://{}/private", server.addr))
        .insert_header(("Authorization", format!("Bearer {}", fx.token())))
        .send()
        .await
        .expect("response");
    assert_eq!(response.status(), 200);
    assert_eq!(fetches(), 3);
    // What reached the emulator: at most those three (the first two may still be in its latency).
    assert!(fx.clerk.calls().count("GET", "/v1/jwks") <= 3);
}
