//! Start-up of the `app` binary (issue 10, item 6): dev mode starts only when asked, and only in
//! `app-dev` (issue 22, item 7); a configuration error exits with its own code (issue 11, item
//! 10); `.env`, dev mode's ignored keys, the secret-key check and the messages of bad settings
//! (issue 16, §2).

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::mpsc;
use std::time::Duration;

/// Runs `app serve` with only `env` set (no inherited `CLERK_*`), no config file and no
/// migrations; returns its output once it exits, or fails the test when it keeps running.
fn serve(env: &[(&str, &str)]) -> Output {
    serve_in(None, env)
}

/// [`serve`] in the working directory `dir` (where the app looks for `.env`).
fn serve_in(dir: Option<&Path>, env: &[(&str, &str)]) -> Output {
    run(env!("CARGO_BIN_EXE_app"), dir, env)
}

/// [`serve`] with `app-dev`, the binary that may run dev mode.
#[cfg(feature = "dev")]
fn serve_dev(env: &[(&str, &str)]) -> Output {
    run(env!("CARGO_BIN_EXE_app-dev"), None, env)
}

/// `binary serve` in `dir`, as [`serve`] describes.
fn run(binary: &str, dir: Option<&Path>, env: &[(&str, &str)]) -> Output {
    let mut command = Command::new(binary);
    if let Some(dir) = dir {
        command.current_dir(dir);
    }
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

// Issue 22, item 7: Cargo unifies features across the workspace (the e2e crate enables `dev`),
// so a plain `cargo build --workspace` links the emulator into the app. The binary named `app`
// refuses dev mode and the `/__clerk` upstream however it was built, before any database work
// (migrations on, and no database there): dev mode is the `app-dev` binary's.
#[test]
fn the_app_binary_refuses_dev_mode_however_it_is_built() {
    let output = serve(&[("APP_DEV_MODE", "1"), ("APP_RUN_MIGRATIONS", "true")]);
    let stderr = stderr_of(&output);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("APP_DEV_MODE") && stderr.contains("app-dev"),
        "{stderr}"
    );
    // `app-dev` takes dev mode: it goes on to the database (and finds none there).
    #[cfg(feature = "dev")]
    {
        let output = serve_dev(&[("APP_DEV_MODE", "1"), ("APP_RUN_MIGRATIONS", "true")]);
        let stderr = stderr_of(&output);
        assert_eq!(output.status.code(), Some(1), "{stderr}");
        assert!(stderr.contains("DATABASE_URL"), "{stderr}");
    }

    let clerk = clerk_testkit::TestClerk::builder()
        .fixed_instance()
        .start()
        .expect("the emulator starts");
    let output = serve(&[
        ("CLERK_SECRET_KEY", clerk.secret_key()),
        ("CLERK_PUBLISHABLE_KEY", clerk.publishable_key()),
        ("CLERK_API_URL", clerk.base_url()),
        ("APP_CLERK_FRONTEND_UPSTREAM", clerk.base_url()),
        ("APP_RUN_MIGRATIONS", "true"),
    ]);
    let stderr = stderr_of(&output);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("APP_CLERK_FRONTEND_UPSTREAM") && stderr.contains("app-dev"),
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

    // Issue 16, §2: the configuration is checked before the database, so this needs a complete
    // one (a publishable key, and an API that accepts the key: the emulator's fixed instance).
    let clerk = clerk_testkit::TestClerk::builder()
        .fixed_instance()
        .start()
        .expect("the emulator starts");
    let runtime = serve(&[
        ("CLERK_SECRET_KEY", clerk.secret_key()),
        ("CLERK_PUBLISHABLE_KEY", clerk.publishable_key()),
        ("CLERK_API_URL", clerk.base_url()),
        ("APP_RUN_MIGRATIONS", "true"),
        ("APP_DATABASE_ACQUIRE_TIMEOUT_MS", "500"),
    ]);
    let stderr = String::from_utf8_lossy(&runtime.stderr);
    assert_eq!(runtime.status.code(), Some(1), "{stderr}");
    // Issue 16, §2: said as what it is, not as a pool timeout or a failed migration.
    assert_eq!(
        stderr
            .matches("DATABASE_URL: connection refused at 127.0.0.1:1")
            .count(),
        1,
        "printed once: {stderr}"
    );
}

/// A fresh directory for one test's `.env`.
fn workdir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("app-startup-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("a temporary directory");
    dir
}

fn stderr_of(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

// Issue 16, §2: `.env` in the working directory is read before any setting; an exported variable
// wins over it.
#[test]
fn dot_env_sets_variables_and_the_environment_wins() {
    let dir = workdir("dotenv");
    std::fs::write(dir.join(".env"), "# settings\nAPP_LOG_FORMAT=xml\n").expect("write .env");

    let from_file = serve_in(Some(&dir), &[]);
    let stderr = stderr_of(&from_file);
    assert_eq!(from_file.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains(r#"APP_LOG_FORMAT: expected pretty or json, got "xml""#),
        "{stderr}"
    );

    let exported = serve_in(Some(&dir), &[("APP_LOG_FORMAT", "json")]);
    let stderr = stderr_of(&exported);
    assert_eq!(exported.status.code(), Some(2), "{stderr}");
    assert!(!stderr.contains("APP_LOG_FORMAT"), "{stderr}");
    assert!(stderr.contains("CLERK_SECRET_KEY is not set"), "{stderr}");
    let _ = std::fs::remove_dir_all(&dir);
}

// Issue 16, §2: a malformed `.env` is a configuration error naming the file and the line, and
// never quoting it (it may hold a secret).
#[test]
fn a_malformed_dot_env_names_its_file_and_line() {
    let dir = workdir("dotenv-malformed");
    std::fs::write(
        dir.join(".env"),
        "PORT=0\n\nCLERK_SECRET_KEY sk_test_DOTENVSECRET\n",
    )
    .expect("write .env");
    let output = serve_in(Some(&dir), &[]);
    let stderr = stderr_of(&output);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains(".env line 3"), "{stderr}");
    assert!(!stderr.contains("DOTENVSECRET"), "{stderr}");
    assert_eq!(stderr.lines().count(), 1, "printed once: {stderr}");
    let _ = std::fs::remove_dir_all(&dir);
}

// Issue 16, §2: dev mode refuses the CLERK_* variables it would ignore, naming each.
#[test]
#[cfg(feature = "dev")]
fn dev_mode_refuses_the_clerk_keys_it_would_ignore() {
    let output = serve_dev(&[
        ("APP_DEV_MODE", "1"),
        ("CLERK_PUBLISHABLE_KEY", "pk_test_Y2xlcmsuZXhhbXBsZS5jb20k"),
        ("CLERK_API_URL", "https://api.clerk.com"),
        ("CLERK_WEBHOOK_SIGNING_SECRET", "whsec_c2VjcmV0"),
        // Applied in dev mode: not named.
        ("CLERK_AUTHORIZED_PARTIES", "http://localhost:3000"),
    ]);
    let stderr = stderr_of(&output);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    for named in [
        "APP_DEV_MODE",
        "CLERK_PUBLISHABLE_KEY",
        "CLERK_API_URL",
        "CLERK_WEBHOOK_SIGNING_SECRET",
    ] {
        assert!(stderr.contains(named), "{named}: {stderr}");
    }
    assert!(!stderr.contains("CLERK_AUTHORIZED_PARTIES"), "{stderr}");
    assert!(!stderr.contains("whsec_c2VjcmV0"), "{stderr}");

    for key in ["CLERK_SECRET_KEY", "CLERK_JWT_KEY"] {
        let output = serve_dev(&[
            ("APP_DEV_MODE", "1"),
            (key, "sk_test_clerkTestkitFixedSecretKey0000000000"),
        ]);
        let stderr = stderr_of(&output);
        assert_eq!(output.status.code(), Some(2), "{stderr}");
        assert!(
            stderr.contains(&format!("together with {key}, which dev mode would ignore")),
            "{stderr}"
        );
    }
}

// Issue 16, §2: a secret key the Backend API refuses fails start-up with Clerk's message, before
// any database work (nothing listens at this DATABASE_URL).
#[test]
fn a_secret_key_clerk_refuses_fails_start_up_with_clerks_message() {
    let clerk = clerk_testkit::TestClerk::builder()
        .start()
        .expect("the emulator starts");
    let output = serve(&[
        ("CLERK_SECRET_KEY", "sk_test_aWrongKeyOfTheRightShape000000000000"),
        ("CLERK_PUBLISHABLE_KEY", clerk.publishable_key()),
        ("CLERK_API_URL", clerk.base_url()),
        ("APP_RUN_MIGRATIONS", "true"),
    ]);
    let stderr = stderr_of(&output);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert_eq!(
        stderr.matches("CLERK_SECRET_KEY was refused by Clerk (GET /v1/jwks): The provided Clerk Secret Key is invalid.").count(),
        1,
        "{stderr}"
    );
    assert!(!stderr.contains("aWrongKey"), "{stderr}");
    assert!(!stderr.contains("DATABASE_URL"), "{stderr}");
    assert_eq!(clerk.calls().count("GET", "/v1/jwks"), 1);
}

/// Runs `app {args}` with only `env` set, like [`serve`] (which never reaches this for `sync`).
fn command(args: &[&str], env: &[(&str, &str)]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_app"))
        .args(args)
        .env_clear()
        .env("APP_CONFIG_FILE", "/nonexistent/app.toml")
        .env("DATABASE_URL", "postgres://postgres@127.0.0.1:1/none")
        .env("APP_LOG", "warn")
        .envs(env.iter().copied())
        .stdin(Stdio::null())
        .output()
        .expect("the app binary runs")
}

// Issue 28, item 3: every setting is checked before any resource: a malformed
// CLERK_AUTHORIZED_PARTIES (or APP_CLERK_FRONTEND_UPSTREAM) is reported, not the database that
// is not there, and no warning comes before it.
#[test]
fn a_bad_setting_is_reported_before_the_database_is_touched() {
    let clerk = clerk_testkit::TestClerk::builder()
        .fixed_instance()
        .start()
        .expect("the emulator starts");
    let keys = [
        ("CLERK_SECRET_KEY", clerk.secret_key()),
        ("CLERK_PUBLISHABLE_KEY", clerk.publishable_key()),
        ("CLERK_API_URL", clerk.base_url()),
        ("APP_RUN_MIGRATIONS", "true"),
    ];
    for (variable, value) in [
        ("CLERK_AUTHORIZED_PARTIES", "localhost:3000"),
        ("APP_CLERK_FRONTEND_UPSTREAM", "not a url"),
    ] {
        let mut env = keys.to_vec();
        env.push((variable, value));
        let output = serve(&env);
        let stderr = stderr_of(&output);
        assert_eq!(output.status.code(), Some(2), "{variable}: {stderr}");
        assert!(stderr.contains(variable), "{stderr}");
        assert!(!stderr.contains("DATABASE_URL"), "{stderr}");
        let stdout = String::from_utf8_lossy(&output.stdout);
        assert!(!stdout.contains("WARN"), "no warning before the error: {stdout}");
    }
}

// Issue 28, items 2 and 7: DATABASE_URL has no default (never the `postgres` maintenance
// database by accident), and what is wrong with a malformed one is said of the URL itself, before
// the Backend API is called.
#[test]
fn database_url_problems_are_said_of_the_url_itself() {
    let clerk = clerk_testkit::TestClerk::builder()
        .fixed_instance()
        .start()
        .expect("the emulator starts");
    for (url, message) in [
        (None, "DATABASE_URL is not set: set it to the app's Postgres database"),
        (
            Some("localhost:5432"),
            "DATABASE_URL is a host and port, not a URL: write it as postgres://user:password@localhost:5432/database",
        ),
        (
            Some("mysql://root@127.0.0.1/x"),
            "DATABASE_URL has the scheme mysql://, but the app needs Postgres",
        ),
        (
            Some("postgres://postgres@127.0.0.1:1"),
            "DATABASE_URL names no database",
        ),
    ] {
        let mut env = vec![
            ("CLERK_SECRET_KEY", clerk.secret_key()),
            ("CLERK_PUBLISHABLE_KEY", clerk.publishable_key()),
            ("CLERK_API_URL", clerk.base_url()),
        ];
        let mut command = Command::new(env!("CARGO_BIN_EXE_app"));
        command
            .arg("serve")
            .env_clear()
            .env("APP_CONFIG_FILE", "/nonexistent/app.toml")
            .env("PORT", "0")
            .env("APP_ADMIN_PORT", "0");
        if let Some(url) = url {
            env.push(("DATABASE_URL", url));
        }
        let output = command
            .envs(env)
            .stdin(Stdio::null())
            .output()
            .expect("the app binary runs");
        let stderr = stderr_of(&output);
        assert_eq!(output.status.code(), Some(2), "{url:?}: {stderr}");
        assert!(stderr.contains(message), "{url:?}: {stderr}");
    }
    assert_eq!(
        clerk.calls().count("GET", "/v1/jwks"),
        0,
        "refused before calling Clerk"
    );
}

// Issue 28, item 9: `app sync` without a secret key says so first: no database work, no warning
// about the cache.
#[test]
fn sync_without_a_secret_key_says_so_first() {
    let output = command(&["sync", "--full"], &[]);
    let stderr = stderr_of(&output);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.starts_with("app: configuration: CLERK_SECRET_KEY is required by app sync"),
        "{stderr}"
    );
    assert!(!stderr.contains("DATABASE_URL"), "{stderr}");
    assert!(String::from_utf8_lossy(&output.stdout).is_empty());
}

// Issue 28, item 10: a live secret key with a test publishable key is refused at start, before
// Clerk is called.
#[test]
fn a_live_secret_key_with_a_test_publishable_key_is_refused() {
    let clerk = clerk_testkit::TestClerk::builder()
        .start()
        .expect("the emulator starts");
    let output = serve(&[
        ("CLERK_SECRET_KEY", "sk_live_aLiveKeyOfTheRightShape000000000000"),
        ("CLERK_PUBLISHABLE_KEY", clerk.publishable_key()),
        ("CLERK_API_URL", clerk.base_url()),
    ]);
    let stderr = stderr_of(&output);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("CLERK_SECRET_KEY: is a live (production) key but CLERK_PUBLISHABLE_KEY is a test (development) key"),
        "{stderr}"
    );
    assert_eq!(clerk.calls().count("GET", "/v1/jwks"), 0);
}
