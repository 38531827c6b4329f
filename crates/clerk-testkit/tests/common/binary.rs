//! The `clerk-testkit` binary in a test: started with some flags, its printed settings read, and
//! raw HTTP/1.1 requests to it (so that no client follows or rewrites a redirect).

use std::io::{BufRead as _, BufReader, Read as _, Write as _};
use std::net::TcpStream;
use std::process::{Command, Stdio};
use std::time::Duration;

/// The running binary, killed (by its own handle) when the test ends, and what it printed.
pub struct Served {
    child: std::process::Child,
    vars: Vec<(String, String)>,
}

impl Drop for Served {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Served {
    /// A printed `KEY=value` setting.
    pub fn var(&self, name: &str) -> &str {
        self.vars
            .iter()
            .find(|(key, _)| key == name)
            .map(|(_, value)| value.as_str())
            .unwrap_or_else(|| panic!("the binary printed no {name}"))
    }

    /// Its address, `127.0.0.1:port`.
    pub fn addr(&self) -> &str {
        self.var("CLERK_API_URL").trim_start_matches("http://")
    }
}

/// Starts `clerk-testkit serve --port 0 --users 1` with `args`, once it has printed its
/// settings (the last is the seeded user's `SESSION_TOKEN`).
pub fn serve(args: &[&str]) -> Served {
    let child = Command::new(env!("CARGO_BIN_EXE_clerk-testkit"))
        .args(["serve", "--port", "0", "--users", "1"])
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawns");
    let mut served = Served {
        child,
        vars: Vec::new(),
    };
    let stdout = served.child.stdout.take().expect("stdout");
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines() {
            let Ok(line) = line else { break };
            let _ = tx.send(line);
        }
    });
    while !served.vars.iter().any(|(key, _)| key == "SESSION_TOKEN") {
        let line = rx
            .recv_timeout(Duration::from_secs(30))
            .expect("the binary prints its settings");
        let (key, value) = line.split_once('=').expect("KEY=value");
        served.vars.push((key.to_owned(), value.to_owned()));
    }
    served
}

/// Sends `head` (request line and headers, without the blank line) and `body` to `addr` with
/// `connection: close`; the status line and the `Location` of the answer.
pub fn raw_request(addr: &str, head: &str, body: &str) -> (String, Option<String>) {
    let mut stream = TcpStream::connect(addr).expect("connects");
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .expect("timeout");
    write!(
        stream,
        "{head}\r\nhost: {addr}\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
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
