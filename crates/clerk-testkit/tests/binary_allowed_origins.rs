//! `clerk-testkit serve --allowed-origin`: the origins the sign-out page sends a browser back to.

use std::process::Command;

mod common;

use common::binary::{raw_request, serve};

/// The status line and `Location` of a raw form `POST /sign-out` with this `redirect_url`.
fn sign_out(addr: &str, redirect: &str) -> (String, Option<String>) {
    let body: String = url::form_urlencoded::Serializer::new(String::new())
        .append_pair("redirect_url", redirect)
        .finish();
    raw_request(
        addr,
        "POST /sign-out HTTP/1.1\r\ncontent-type: application/x-www-form-urlencoded",
        &body,
    )
}

#[test]
fn the_flag_allows_origins_for_redirects() {
    let served = serve(&[
        "--allowed-origin",
        "https://app.example.com",
        "--allowed-origin",
        "https://admin.example.com",
    ]);
    for allowed in [
        "https://app.example.com/bye",
        "https://admin.example.com/",
        "http://localhost:3000/",
    ] {
        let (status, location) = sign_out(served.addr(), allowed);
        assert!(status.starts_with("HTTP/1.1 303"), "{allowed}: {status}");
        assert_eq!(location.as_deref(), Some(allowed));
    }
    let (status, location) = sign_out(served.addr(), "https://evil.example/");
    assert!(status.starts_with("HTTP/1.1 200"), "{status}");
    assert_eq!(location, None);
}

#[test]
fn a_malformed_origin_is_refused() {
    let out = Command::new(env!("CARGO_BIN_EXE_clerk-testkit"))
        .args(["serve", "--port", "0", "--allowed-origin", "app.example.com"])
        .output()
        .expect("runs");
    assert!(!out.status.success());
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("allowed_origin"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}
