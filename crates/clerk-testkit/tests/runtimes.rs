//! The emulator starts and stops from any test runtime, and the binary runs stand-alone.

use std::io::{BufRead as _, BufReader, Read as _, Write as _};
use std::net::TcpStream;
use std::process::{Command, Stdio};
use std::time::Duration;

use clerk_testkit::{webhooks::WebhookReceiver, NewUser, TestClerk};

/// A plain HTTP/1.1 GET over std, no runtime at all.
fn http_get(addr: &str, path: &str, secret_key: Option<&str>) -> String {
    let mut stream = TcpStream::connect(addr).expect("connects");
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .expect("timeout");
    let auth = secret_key
        .map(|k| format!("authorization: Bearer {k}\r\n"))
        .unwrap_or_default();
    write!(
        stream,
        "GET {path} HTTP/1.1\r\nhost: {addr}\r\n{auth}connection: close\r\n\r\n"
    )
    .expect("writes");
    let mut out = String::new();
    stream.read_to_string(&mut out).expect("reads");
    out
}

#[test]
fn plain_test_without_a_runtime() {
    let receiver = WebhookReceiver::start().expect("receiver");
    let clerk = TestClerk::builder()
        .webhook(
            receiver.url(),
            "whsec_AQIDBAUGBwgJCgsMDQ4PEBESExQVFhcYGRobHB0eHyA=",
        )
        .start()
        .expect("starts");
    let reply = http_get(
        &clerk.addr().to_string(),
        "/v1/users/count",
        Some(clerk.secret_key()),
    );
    assert!(reply.starts_with("HTTP/1.1 200"), "{reply}");
    assert!(
        reply.contains("\r\ncontent-type: application/json\r\n"),
        "{reply}"
    );
    clerk.users().create(NewUser::default()).expect("created");
    assert!(clerk.webhooks().wait_idle_blocking(Duration::from_secs(5)));
    assert_eq!(receiver.received().len(), 1);
    let addr = clerk.addr();
    drop(clerk);
    assert!(TcpStream::connect(addr).is_err(), "stopped on drop");
}

#[tokio::test]
async fn tokio_current_thread_test() {
    let clerk = TestClerk::start().expect("starts");
    let addr = clerk.addr().to_string();
    let key = clerk.secret_key().to_owned();
    let reply = tokio::task::spawn_blocking(move || http_get(&addr, "/v1/jwks", Some(&key)))
        .await
        .expect("joined");
    assert!(reply.starts_with("HTTP/1.1 200"), "{reply}");
    clerk.webhooks().wait_idle().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tokio_multi_thread_test() {
    let clerk = TestClerk::start().expect("starts");
    let reply = http_get(&clerk.addr().to_string(), "/.well-known/jwks.json", None);
    assert!(reply.starts_with("HTTP/1.1 200"), "{reply}");
}

#[actix_rt::test]
async fn several_emulators_side_by_side() {
    let a = TestClerk::start().expect("starts");
    let b = TestClerk::builder().production().start().expect("starts");
    assert_ne!(a.addr(), b.addr());
    assert_ne!(a.instance().kid(), b.instance().kid());
}

struct Child(std::process::Child);

impl Drop for Child {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[test]
fn binary_serves_until_sigterm_and_exits_cleanly() {
    let receiver = WebhookReceiver::start().expect("receiver");
    let child = Command::new(env!("CARGO_BIN_EXE_clerk-testkit"))
        .args([
            "serve",
            "--port",
            "0",
            "--users",
            "3",
            "--webhook-url",
            &receiver.url(),
        ])
        .args([
            "--webhook-secret",
            "whsec_AQIDBAUGBwgJCgsMDQ4PEBESExQVFhcYGRobHB0eHyA=",
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawns");
    let mut child = Child(child);
    let stdout = child.0.stdout.take().expect("stdout");
    // The keys are printed once the port is bound. A thread keeps draining stdout, so a line
    // printed later never meets a closed pipe.
    let (lines_tx, lines_rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines() {
            let Ok(line) = line else { break };
            let _ = lines_tx.send(line);
        }
    });
    let mut vars: Vec<(String, String)> = Vec::new();
    while !vars.iter().any(|(k, _)| k == "SESSION_TOKEN") {
        let line = lines_rx
            .recv_timeout(Duration::from_secs(30))
            .expect("the binary prints its keys");
        let (k, v) = line.split_once('=').expect("KEY=value");
        vars.push((k.to_owned(), v.to_owned()));
    }
    let var = |name: &str| {
        vars.iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
            .expect(name)
    };
    assert!(var("CLERK_PUBLISHABLE_KEY").starts_with("pk_test_"));
    assert!(var("CLERK_JWKS_URL").ends_with("/v1/jwks"));
    let api = var("CLERK_API_URL");
    let addr = api.trim_start_matches("http://").to_owned();
    let reply = http_get(&addr, "/v1/users/count", Some(&var("CLERK_SECRET_KEY")));
    assert!(
        reply.ends_with(r#"{"object":"total_count","total_count":3}"#),
        "{reply}"
    );
    // Three `user.created` for the seeded users, one `session.created` for the printed token.
    let received = receiver.wait_for(4, Duration::from_secs(10));
    let created = received
        .iter()
        .filter(|hook| hook.body.contains(r#""type":"user.created""#))
        .count();
    assert_eq!(created, 3, "seeded users emit webhooks");

    let status = Command::new("kill")
        .args(["-TERM", &child.0.id().to_string()])
        .status()
        .expect("kill runs");
    assert!(status.success());
    let exit = child.0.wait().expect("exits");
    assert!(exit.success(), "clean exit on SIGTERM: {exit:?}");
    let mut stderr = String::new();
    if let Some(mut err) = child.0.stderr.take() {
        let _ = err.read_to_string(&mut stderr);
    }
    assert!(stderr.contains("stopped"), "{stderr}");
    assert!(TcpStream::connect(&addr).is_err(), "port released");
}
