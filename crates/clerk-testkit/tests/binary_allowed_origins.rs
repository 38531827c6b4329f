//! `clerk-testkit serve --allowed-origin`: the origins the sign-out page sends a browser back to.

use std::io::{BufRead as _, BufReader, Read as _, Write as _};
use std::net::TcpStream;
use std::process::{Command, Stdio};
use std::time::Duration;

/// Kills the child this test started (by its own handle) when the test ends.
struct Child(std::process::Child);

impl Drop for Child {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Starts the binary with `args`; its address (`127.0.0.1:port`).
fn serve(args: &[&str]) -> (Child, String) {
    let mut child = Child(
        Command::new(env!("CARGO_BIN_EXE_clerk-testkit"))
            .args(["serve", "--port", "0"])
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
    loop {
        let line = rx
            .recv_timeout(Duration::from_secs(30))
            .expect("the binary prints its settings");
        if let Some(url) = line.strip_prefix("CLERK_API_URL=http://") {
            return (child, url.to_owned());
        }
    }
}

/// The status line and `Location` of a raw form `POST /sign-out` with this `redirect_url`.
fn sign_out(addr: &str, redirect: &str) -> (String, Option<String>) {
    let body: String = url::form_urlencoded::Serializer::new(String::new())
        .append_pair("redirect_url", redirect)
        .finish();
    let mut stream = TcpStream::connect(addr).expect("connects");
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .expect("timeout");
    write!(
        stream,
        "POST /sign-out HTTP/1.1\r\nhost: {addr}\r\ncontent-type: application/x-www-form-urlencoded\r\n\
         content-length: {}\r\nconnection: close\r\n\r\n{body}",
        body.len()
    )
    .expect("writes");
    let mut out = String::new();
    stream.read_to_string(&mut out).expect("reads");
    let status = out.lines().next().unwrap_or_default().to_owned();
    let location = out.lines().find_map(|line| {
        let (name, value) = line.split_once(':')?;
        name.eq_ignore_ascii_case("location")
            .then(|| value.trim().to_owned())
    });
    (status, location)
}

#[test]
fn the_flag_allows_origins_for_redirects() {
    let (_child, addr) = serve(&[
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
        let (status, location) = sign_out(&addr, allowed);
        assert!(status.starts_with("HTTP/1.1 303"), "{allowed}: {status}");
        assert_eq!(location.as_deref(), Some(allowed));
    }
    let (status, location) = sign_out(&addr, "https://evil.example/");
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
