//! Running the pinned `@clerk/backend` (parity/package.json) from a test: the workspace root,
//! `npm ci` when `parity/node_modules` is missing (the test then fails, never skips, without
//! Node), and a batch of JSON lines through one of the `parity/*.mjs` scripts.

use std::io::{BufRead, BufReader, Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use serde_json::Value;

#[allow(dead_code)] // Only the Backend API parity tests compare shapes.
pub mod shape;

/// The `@clerk/backend` version the parity tests pin.
pub const CLERK_BACKEND_VERSION: &str = "3.25.0";

/// The workspace's root directory.
pub fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .canonicalize()
        .expect("workspace root")
}

/// Runs `command` (a `node parity/….mjs` script) and reads the one JSON object it prints on
/// stdout; fails with the script's stderr when it exits with an error.
#[allow(dead_code)] // Only the Backend API parity tests run a script whole.
pub fn json_output(command: &mut Command) -> Value {
    let output = command.output().expect("node runs (Node.js 20+ on PATH)");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_slice(&output.stdout).expect("one JSON object")
}

/// Asserts that Clerk's client reached each of `steps` of a script's output without an error.
#[allow(dead_code)] // Only the Backend API parity tests of one group name their steps.
pub fn assert_steps_ok(clerk: &Value, steps: &[&str]) {
    for step in steps {
        assert!(
            clerk[step].get("error").is_none(),
            "Clerk's client failed at {step}: {}",
            clerk[step]
        );
    }
}

/// Makes sure `parity/node_modules` holds the pinned `@clerk/backend`, running `npm ci` if not.
#[allow(dead_code)] // The `@clerk/nextjs` parity test installs its own directory.
pub fn ensure_node_modules(root: &Path) {
    ensure_installed(root, "parity", "@clerk/backend", CLERK_BACKEND_VERSION, &[]);
}

/// Makes sure `<dir>/node_modules` (`dir` under `root`, with its own `package.json` and lock)
/// holds `package` at `version`, running `npm ci --prefix <dir> <extra>` if not.
pub fn ensure_installed(root: &Path, dir: &str, package: &str, version: &str, extra: &[&str]) {
    // One `npm ci` at a time: the tests of this file run in parallel.
    static NPM: std::sync::Mutex<()> = std::sync::Mutex::new(());
    let _guard = NPM.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
    let node = Command::new("node").arg("--version").output();
    match node {
        Ok(out) if out.status.success() => {}
        Ok(out) => panic!(
            "`node --version` failed: {}",
            String::from_utf8_lossy(&out.stderr)
        ),
        Err(err) => panic!("the parity test needs Node.js 20+ (`node` on PATH): {err}"),
    }
    let installed = root.join(format!("{dir}/node_modules/{package}/package.json"));
    let version_ok = std::fs::read_to_string(&installed)
        .ok()
        .and_then(|text| serde_json::from_str::<Value>(&text).ok())
        .is_some_and(|pkg| pkg["version"] == version);
    if version_ok {
        return;
    }
    let out = Command::new("npm")
        .args(["ci", "--prefix", dir, "--no-audit", "--no-fund"])
        .args(extra)
        .current_dir(root)
        .output()
        .unwrap_or_else(|err| panic!("the parity test needs npm to install {package}: {err}"));
    assert!(
        out.status.success(),
        "`npm ci --prefix {dir}` failed:\n{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    let text =
        std::fs::read_to_string(&installed).unwrap_or_else(|_| panic!("{package} installed by npm ci"));
    let pkg: Value = serde_json::from_str(&text).expect("package.json");
    assert_eq!(pkg["version"], version, "npm ci installed another {package}");
}

/// Runs `script` (a path under `root`) in one Node process over `lines`, one JSON object per
/// line whose `id` is its index, and returns the answers in input order. Panics (with Node's
/// stderr) when an answer has no `id`, when not every line is answered within `timeout`, or
/// when Node exits with an error.
#[allow(dead_code)] // Not every test file that includes this module runs a batch.
pub fn run_batch(root: &Path, script: &str, lines: &[Value], timeout: Duration) -> Vec<Value> {
    let mut input = String::new();
    for line in lines {
        input.push_str(&line.to_string());
        input.push('\n');
    }
    let mut child = Command::new("node")
        .arg(script)
        .current_dir(root)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("node starts");
    let mut stdin = child.stdin.take().expect("stdin");
    let writer = std::thread::spawn(move || stdin.write_all(input.as_bytes()));
    let mut stderr = child.stderr.take().expect("stderr");
    let errors = std::thread::spawn(move || {
        let mut text = String::new();
        let _ = stderr.read_to_string(&mut text);
        text
    });
    let stdout = child.stdout.take().expect("stdout");
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines() {
            let Ok(line) = line else { break };
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    let deadline = Instant::now() + timeout;
    let mut answers = vec![Value::Null; lines.len()];
    for received in 0..lines.len() {
        let Ok(line) = rx.recv_timeout(deadline.saturating_duration_since(Instant::now())) else {
            let _ = child.kill();
            let _ = child.wait();
            panic!(
                "node {script} answered {received} of {} lines within {timeout:?}; stderr:\n{}",
                lines.len(),
                errors.join().unwrap_or_default()
            );
        };
        let answer: Value =
            serde_json::from_str(&line).unwrap_or_else(|err| panic!("bad line from node ({err}): {line}"));
        let id = answer["id"].as_u64().unwrap_or_else(|| panic!("no id: {line}")) as usize;
        answers[id] = answer;
    }
    writer.join().expect("writer").expect("stdin written");
    let status = child.wait().expect("node exits");
    assert!(
        status.success(),
        "node {script} exited with {status}:\n{}",
        errors.join().unwrap_or_default()
    );
    answers
}
