//! `app sync --full` against the dev stack: with the three values the dev banner prints (the
//! emulator's TEST-ONLY secret key, publishable key and API URL), a sync run from another process
//! (here: `app::cli::sync_full` with its own settings) completes a pass while the dev-mode app
//! serves, on the same database.

use std::collections::HashMap;

use app::configuration::Settings;
use app::startup::Application;
use e2e::TestDatabase;

fn settings(pairs: &[(&str, String)]) -> Settings {
    let env: HashMap<String, String> = pairs.iter().map(|(k, v)| ((*k).to_owned(), v.clone())).collect();
    Settings::load_from(
        None,
        config::Environment::default().try_parsing(true).source(Some(env)),
    )
    .expect("settings")
}

#[actix_rt::test]
async fn app_sync_full_completes_a_pass_against_the_dev_stack_emulator() {
    e2e::init_logging();
    let db = TestDatabase::create().await;
    let app = Application::build(settings(&[
        ("PORT", "0".to_owned()),
        ("APP_ADMIN_PORT", "0".to_owned()),
        ("DATABASE_URL", db.url.clone()),
        ("APP_DEV_MODE", "1".to_owned()),
        ("APP_DEV_USERS", "3".to_owned()),
        ("APP_WORKERS", "1".to_owned()),
        ("APP_DATABASE_MAX_CONNECTIONS", "4".to_owned()),
        ("APP_RECONCILE_INTERVAL_SECS", "0".to_owned()),
    ]))
    .await
    .expect("dev app starts");
    let dev = app.dev().expect("dev mode");
    let emulator = dev.emulator();
    let (api_url, publishable_key, secret_key) = (
        emulator.base_url().to_owned(),
        emulator.publishable_key().to_owned(),
        emulator.secret_key().to_owned(),
    );

    // The banner prints exactly what a sync needs, marked test-only.
    let banner = app::cli::dev_banner(dev, "http://127.0.0.1:8080");
    assert!(banner.contains(&format!("CLERK_API_URL={api_url}")), "{banner}");
    assert!(
        banner.contains(&format!("CLERK_PUBLISHABLE_KEY={publishable_key}")),
        "{banner}"
    );
    assert!(
        banner.contains(&format!("CLERK_SECRET_KEY={secret_key}")),
        "{banner}"
    );
    assert!(banner.contains("TEST-ONLY"), "{banner}");
    // Issue 23: how a team's own frontend gets the official SDK: the script tag when the
    // emulator serves the pinned packages (`make test` and `make run` pack them), else how to
    // pack them.
    if emulator.npm_dir().is_some() {
        assert!(
            banner.contains("/__clerk/npm/@clerk/clerk-js@6/dist/clerk.browser.js"),
            "{banner}"
        );
    } else {
        assert!(banner.contains("scripts/clerk-js.sh"), "{banner}");
    }
    // Issue 23: where to sign in with Clerk's component, as whom, with which password.
    assert!(
        banner.contains("http://127.0.0.1:8080/sign-in")
            && banner.contains("ada1@example.com")
            && banner.contains(app::dev::SEEDED_PASSWORD),
        "{banner}"
    );

    // `make run` is up: the app serves (and keeps the emulator alive) while the sync runs.
    let handle = app.server_handle();
    let server = actix_rt::spawn(app.run_until_stopped());

    let sync = settings(&[
        ("DATABASE_URL", db.url.clone()),
        ("CLERK_API_URL", api_url),
        ("CLERK_PUBLISHABLE_KEY", publishable_key),
        ("CLERK_SECRET_KEY", secret_key),
    ]);
    app::cli::sync_full(&sync).await.expect("app sync --full");

    let pool = sqlx::PgPool::connect(&db.url).await.expect("database");
    let (complete, users_seen): (Option<bool>, i64) =
        sqlx::query_as("SELECT complete, users_seen FROM sync_state")
            .fetch_one(&pool)
            .await
            .expect("the pass left its state (a fresh database: one instance)");
    assert_eq!(complete, Some(true), "a complete pass");
    assert_eq!(users_seen, 3, "every seeded user seen");
    pool.close().await;

    handle.stop(true).await;
    let _ = server.await;
}
