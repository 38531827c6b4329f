//! A real multi-worker server on loopback: JWKS single-flight across workers, actix's own limits.

mod common;

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::time::Duration;

use common::*;

#[actix_rt::test]
async fn jwks_is_fetched_once_for_many_concurrent_requests_across_four_workers() {
    let fx = Fixture::prod();
    fx.clerk.faults().latency(Some(Duration::from_millis(100)));
    let server = start_server(fx.sdk(), 4);
    let client = awc::Client::builder().timeout(Duration::from_secs(10)).finish();
    let url = format!("http://{}/private", server.addr);
    let token = fx.token();
    let requests = (0..64).map(|_| {
        client
            .get(&url)
            .insert_header(("Authorization", format!("Bearer {token}")))
            .send()
    });
    let responses = futures_util::future::join_all(requests).await;
    for response in responses {
        assert_eq!(response.expect("response").status(), 200);
    }
    assert_eq!(fx.clerk.calls().count("GET", "/v1/jwks"), 1);
}

fn raw_request(addr: SocketAddr, request: &[u8]) -> String {
    let mut stream = TcpStream::connect(addr).expect("connect");
    stream.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    let _ = stream.write_all(request);
    let mut out = Vec::new();
    let _ = stream.read_to_end(&mut out);
    String::from_utf8_lossy(&out).into_owned()
}

#[test]
fn oversized_and_odd_headers_never_answer_500() {
    let fx = Fixture::prod();
    let server = start_server(fx.sdk(), 1);
    // Past our token bound but within actix's header limits: a 401 with Clerk's reason.
    let token = "a".repeat(20_000);
    let response = raw_request(
        server.addr,
        format!(
            "GET /private HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {token}\r\nConnection: close\r\n\r\n"
        )
        .as_bytes(),
    );
    assert!(
        response.starts_with("HTTP/1.1 401"),
        "{}",
        &response[..60.min(response.len())]
    );
    assert!(response
        .to_ascii_lowercase()
        .contains("x-clerk-auth-reason: token-invalid"));
    // Past actix's own limit: its 431/400 stands.
    let token = "a".repeat(300_000);
    let response = raw_request(
        server.addr,
        format!(
            "GET /private HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {token}\r\nConnection: close\r\n\r\n"
        )
        .as_bytes(),
    );
    assert!(
        response.starts_with("HTTP/1.1 431") || response.starts_with("HTTP/1.1 400") || response.is_empty(),
        "{}",
        &response[..60.min(response.len())]
    );
    // Duplicated Authorization headers and non-ASCII bytes: 401, never 500.
    let mut request =
        b"GET /private HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer a.b.c\r\nAuthorization: Bearer d.e.f\r\n"
            .to_vec();
    request.extend_from_slice(b"Connection: close\r\n\r\n");
    assert!(raw_request(server.addr, &request).starts_with("HTTP/1.1 401"));
    let mut request = b"GET /private HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer \xff\xfe\x80\r\n".to_vec();
    request.extend_from_slice(b"Connection: close\r\n\r\n");
    let response = raw_request(server.addr, &request);
    assert!(
        response.starts_with("HTTP/1.1 401") || response.starts_with("HTTP/1.1 400"),
        "{response}"
    );
    let response = raw_request(
        server.addr,
        b"GET /private HTTP/1.1\r\nHost: x\r\nAuthorization: BEARER x\r\nCookie: __session=\xff; __client_uat=1\r\nConnection: close\r\n\r\n",
    );
    assert!(response.starts_with("HTTP/1.1 401"), "{response}");
}
