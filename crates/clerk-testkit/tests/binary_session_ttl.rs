//! `clerk-testkit serve --session-token-ttl`: the lifetime of the tokens the handshake mints.

use std::process::Command;

use clerk_testkit::decode_unverified;

mod common;

use common::binary::{raw_request, serve};

/// The `Location` of a raw `GET` (no redirects followed).
fn location(addr: &str, path: &str) -> String {
    let (status, location) = raw_request(addr, &format!("GET {path} HTTP/1.1"), "");
    assert!(status.starts_with("HTTP/1.1 307"), "{status}");
    location.expect("Location")
}

#[test]
fn the_flag_sets_the_lifetime_of_handshake_tokens() {
    let served = serve(&["--session-token-ttl", "300"]);
    let session_token = served.var("SESSION_TOKEN");
    let query: String = url::form_urlencoded::Serializer::new(String::new())
        .extend_pairs([
            ("redirect_url", "http://localhost:3000/"),
            ("__session", session_token),
        ])
        .finish();
    let location = location(served.addr(), &format!("/v1/client/handshake?{query}"));
    let handshake = url::Url::parse(&location)
        .expect("absolute")
        .query_pairs()
        .find(|(k, _)| k == "__clerk_handshake")
        .map(|(_, v)| v.into_owned())
        .expect("handshake token");
    let (_, payload) = decode_unverified(&handshake).expect("jwt");
    let session = payload["handshake"]
        .as_array()
        .and_then(|d| d.first())
        .and_then(|d| d.as_str())
        .and_then(|d| d.split(';').next())
        .and_then(|d| d.strip_prefix("__session="))
        .expect("signed in")
        .to_owned();
    let (_, claims) = decode_unverified(&session).expect("session jwt");
    assert_eq!(
        claims["exp"].as_i64().unwrap_or_default() - claims["iat"].as_i64().unwrap_or_default(),
        300
    );
}

#[test]
fn a_zero_lifetime_is_refused() {
    let out = Command::new(env!("CARGO_BIN_EXE_clerk-testkit"))
        .args(["serve", "--port", "0", "--session-token-ttl", "0"])
        .output()
        .expect("runs");
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("--session-token-ttl"));
}
