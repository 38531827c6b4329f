//! Start-up of the `app` binary (issue 10, item 6): dev mode starts only when asked; a
//! configuration error exits with its own code (issue 11, item 10).

use std::process::{Command, Output, Stdio};
use std::sync::mpsc;
use std::time::Duration;

/// Runs `app serve` with only `env` set (no inherited `CLERK_*`), no config file and no
/// migrations; returns its output once it exits, or fails the test when it keeps running.
fn serve(env: &[(&str, &str)]) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_app"));
    command
        .arg("serve")
        .env_clear()
        .env("APP_CONFIG_FILE", "/nonexistent/app.toml")
        // Nothing listens there: the app must not need (or touch) a database to refuse.
        .env("DATABASE_URL", "postgres://postgres@127.0.0.1:1/none")
        .env("APP_RUN_MIGRATIONS", "false")
        .env("APP_RECONCILE_INTERVAL_SECS", "0")
        .env("PORT", "0")
        .env("APP_ADMIN_PORT", "0")
        .env("APP_LOG", "warn")
        .envs(env.iter().copied())
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let child = command.spawn().expect("the app binary runs");
    let pid = child.id();
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let _ = tx.send(child.wait_with_output());
    });
    match rx.recv_timeout(Duration::from_secs(30)) {
        Ok(output) => output.expect("the app's output"),
        Err(_) => {
            // Still serving: stop the process this test started.
            let _ = Command::new("kill").arg(pid.to_string()).status();
            let output = rx.recv_timeout(Duration::from_secs(10));
            let stdout = output
                .ok()
                .and_then(Result::ok)
                .map(|o| String::from_utf8_lossy(&o.stdout).into_owned())
                .unwrap_or_default();
            panic!("the app started without Clerk keys and kept serving:\n{stdout}");
        }
    }
}

fn assert_refused(output: &Output) {
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!output.status.success(), "{stderr}");
    assert!(stderr.contains("CLERK_SECRET_KEY"), "{stderr}");
    assert!(stderr.contains("APP_DEV_MODE"), "{stderr}");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(!stdout.contains("DEV MODE"), "{stdout}");
}

// Issue 10, item 6: a missing secret key is a start-up error, never a silent dev mode.
#[test]
fn serve_without_clerk_keys_fails_naming_both_variables() {
    assert_refused(&serve(&[]));
}

// Issue 10, item 6: a misspelled key is the same error.
#[test]
fn a_misspelled_secret_key_does_not_start_dev_mode() {
    assert_refused(&serve(&[(
        "CLERK_SECRET_KYE",
        "sk_test_clerkTestkitFixedSecretKey0000000000",
    )]));
}

// Issue 10, item 6: the release build (no `dev` feature) cannot run the emulator at all.
#[test]
#[cfg(not(feature = "dev"))]
fn dev_mode_in_a_build_without_the_dev_feature_fails() {
    // Refused before any database work (migrations on, and no database there).
    let output = serve(&[("APP_DEV_MODE", "1"), ("APP_RUN_MIGRATIONS", "true")]);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!output.status.success(), "{stderr}");
    assert!(
        stderr.contains("APP_DEV_MODE") && stderr.contains("--features dev"),
        "{stderr}"
    );
}

// Issue 11, item 10: a configuration error is printed once and exits with 2; a failure at run time
// (here: migrations against a database that is not there) exits with 1.
#[test]
fn configuration_errors_and_runtime_failures_have_distinct_exit_codes() {
    let config = serve(&[]);
    let stderr = String::from_utf8_lossy(&config.stderr);
    assert_eq!(config.status.code(), Some(2), "{stderr}");
    assert_eq!(
        stderr.matches("CLERK_SECRET_KEY is not set").count(),
        1,
        "printed once: {stderr}"
    );

    let runtime = serve(&[
        ("CLERK_SECRET_KEY", "sk_test_clerkTestkitFixedSecretKey0000000000"),
        ("APP_RUN_MIGRATIONS", "true"),
        ("APP_DATABASE_ACQUIRE_TIMEOUT_MS", "500"),
    ]);
    let stderr = String::from_utf8_lossy(&runtime.stderr);
    assert_eq!(runtime.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("database migrations failed"), "{stderr}");
}
