//! The start-up check of the secret key (issue 16, §2): one `GET /v1/jwks` at start, its result
//! stored and reported by `/readyz`, which never calls Clerk per probe; an unreachable Backend
//! API at start is a warning, not a failure.

use std::collections::HashMap;

use app::configuration::Settings;
use app::startup::Application;
use clerk_testkit::{faults::Outage, TestClerk};
use e2e::{spawn_app, TestDatabase};

const JWKS: (&str, &str) = ("GET", "/v1/jwks");

async fn readyz(address: &str) -> serde_json::Value {
    let mut response = awc::Client::default()
        .get(format!("{address}/readyz"))
        .send()
        .await
        .expect("the app answers /readyz");
    assert_eq!(response.status().as_u16(), 200);
    response.json().await.expect("readiness JSON")
}

/// The settings of an app on `clerk`'s Backend API with `publishable_key`.
fn settings(db: &TestDatabase, clerk: &TestClerk, publishable_key: &str) -> Settings {
    let env: HashMap<String, String> = [
        ("PORT", "0"),
        ("APP_ADMIN_PORT", "0"),
        ("APP_WORKERS", "1"),
        ("APP_RECONCILE_INTERVAL_SECS", "0"),
        ("DATABASE_URL", db.url.as_str()),
        ("CLERK_SECRET_KEY", clerk.secret_key()),
        ("CLERK_PUBLISHABLE_KEY", publishable_key),
        ("CLERK_API_URL", clerk.base_url()),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v.to_owned()))
    .collect();
    Settings::load_from(
        None,
        config::Environment::default().try_parsing(true).source(Some(env)),
    )
    .expect("settings")
}

#[actix_rt::test]
async fn readyz_reports_the_stored_key_check_without_calling_clerk() {
    // Arrange: start-up checked the key once.
    let app = spawn_app().await;
    assert_eq!(app.clerk.calls().count(JWKS.0, JWKS.1), 1);

    // Act: a burst of probes, spaced past the readiness TTL of the database answer too.
    let mut answers = Vec::new();
    for _ in 0..3 {
        answers.push(readyz(&app.address).await);
        actix_rt::time::sleep(app::readiness::READINESS_TTL).await;
    }

    // Assert: the stored answer, and still the one JWKS call of start-up.
    for answer in &answers {
        assert_eq!(answer["clerk"]["secret_key"], "accepted", "{answer}");
    }
    assert_eq!(app.clerk.calls().count(JWKS.0, JWKS.1), 1);
}

#[actix_rt::test]
async fn a_backend_api_outage_at_start_is_a_warning_and_readyz_says_unverified() {
    // Arrange: the emulator is down (503 on every endpoint) when the app starts.
    e2e::init_logging();
    let clerk = TestClerk::builder().start().expect("the emulator starts");
    clerk.faults().outage(Some(Outage::ServiceUnavailable));
    let db = TestDatabase::create().await;
    let settings = settings(&db, &clerk, clerk.publishable_key());

    // Act
    let application = Application::build(settings)
        .await
        .expect("an unreachable Backend API does not stop start-up");
    let address = format!("http://127.0.0.1:{}", application.port());
    let handle = application.server_handle();
    actix_rt::spawn(application.run_until_stopped());

    // Assert: one quick attempt at start, a warning, and the stored result.
    assert_eq!(clerk.calls().count(JWKS.0, JWKS.1), 1);
    assert!(
        e2e::captured_logs().contains("CLERK_SECRET_KEY could not be checked at start"),
        "no start-up warning"
    );
    clerk.faults().outage(None);
    for _ in 0..3 {
        let answer = readyz(&address).await;
        assert_eq!(answer["database"], "ok", "{answer}");
        assert_eq!(answer["clerk"]["secret_key"], "unverified", "{answer}");
    }
    assert_eq!(clerk.calls().count(JWKS.0, JWKS.1), 1, "no JWKS call per probe");
    handle.stop(true).await;
}

/// Issue 28, item 10: a secret key and a publishable key of two instances of the same type pass
/// every local check (both `_live_`); the secret key's instance domains (`GET /v1/domains`) do
/// not serve the publishable key's Frontend API, so start-up refuses, naming both variables.
#[actix_rt::test]
async fn keys_of_two_instances_of_one_type_are_refused_at_start() {
    // Arrange: two production instances; the app gets A's secret key and B's publishable key.
    e2e::init_logging();
    let a = TestClerk::builder()
        .production()
        .start()
        .expect("instance A starts");
    let b = TestClerk::builder()
        .production()
        .start()
        .expect("instance B starts");
    let db = TestDatabase::create().await;

    // Act
    let refused = Application::build(settings(&db, &a, b.publishable_key()))
        .await
        .map(drop)
        .expect_err("keys of two instances are refused");
    let same = Application::build(settings(&db, &a, a.publishable_key()))
        .await
        .expect("one instance's keys start");

    // Assert
    let message = refused.to_string();
    assert!(refused.is_config(), "{message}");
    for needle in [
        "CLERK_SECRET_KEY",
        "CLERK_PUBLISHABLE_KEY",
        "two different Clerk instances",
        b.instance().frontend_api(),
        a.instance().frontend_api(),
    ] {
        assert!(message.contains(needle), "{needle:?} missing from: {message}");
    }
    assert_eq!(a.calls().count("GET", "/v1/domains"), 2);
    let handle = same.server_handle();
    actix_rt::spawn(same.run_until_stopped());
    handle.stop(true).await;
}
