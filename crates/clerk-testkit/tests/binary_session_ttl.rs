//! `clerk-testkit serve --session-token-ttl`: the lifetime of the tokens the handshake mints.

use std::io::{BufRead as _, BufReader, Read as _, Write as _};
use std::net::TcpStream;
use std::process::{Command, Stdio};
use std::time::Duration;

use clerk_testkit::decode_unverified;

/// Kills the child this test started (by its own handle) when the test ends.
struct Child(std::process::Child);

impl Drop for Child {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Starts the binary with `args` and returns it with its printed `KEY=value` settings.
fn serve(args: &[&str]) -> (Child, Vec<(String, String)>) {
    let mut child = Child(
        Command::new(env!("CARGO_BIN_EXE_clerk-testkit"))
            .args(["serve", "--port", "0", "--users", "1"])
            .args(args)
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("spawns"),
    );
    let stdout = child.0.stdout.take().expect("stdout");
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines() {
            let Ok(line) = line else { break };
            let _ = tx.send(line);
        }
    });
    let mut vars = Vec::new();
    while !vars.iter().any(|(k, _): &(String, String)| k == "SESSION_TOKEN") {
        let line = rx
            .recv_timeout(Duration::from_secs(30))
            .expect("the binary prints its settings");
        let (k, v) = line.split_once('=').expect("KEY=value");
        vars.push((k.to_owned(), v.to_owned()));
    }
    (child, vars)
}

/// The `Location` of a raw `GET` (no redirects followed).
fn location(addr: &str, path: &str) -> String {
    let mut stream = TcpStream::connect(addr).expect("connects");
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .expect("timeout");
    write!(
        stream,
        "GET {path} HTTP/1.1\r\nhost: {addr}\r\nconnection: close\r\n\r\n"
    )
    .expect("writes");
    let mut out = String::new();
    stream.read_to_string(&mut out).expect("reads");
    assert!(out.starts_with("HTTP/1.1 307"), "{out}");
    out.lines()
        .find_map(|line| {
            let (name, value) = line.split_once(':')?;
            name.eq_ignore_ascii_case("location")
                .then(|| value.trim().to_owned())
        })
        .expect("Location")
}

#[test]
fn the_flag_sets_the_lifetime_of_handshake_tokens() {
    let (_child, vars) = serve(&["--session-token-ttl", "300"]);
    let var = |name: &str| {
        vars.iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
            .expect(name)
    };
    let addr = var("CLERK_API_URL").trim_start_matches("http://").to_owned();
    let session_token = var("SESSION_TOKEN");
    let query: String = url::form_urlencoded::Serializer::new(String::new())
        .extend_pairs([
            ("redirect_url", "http://localhost:3000/"),
            ("__session", session_token.as_str()),
        ])
        .finish();
    let location = location(&addr, &format!("/v1/client/handshake?{query}"));
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
