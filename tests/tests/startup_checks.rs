//! The start-up check of the secret key (issue 16, §2): one `GET /v1/jwks` at start, its result
//! stored and reported by `/readyz`, which never calls Clerk per probe; an unreachable Backend
//! API at start is a warning, not a failure.

use std::collections::HashMap;

use app::configuration::Settings;
use app::startup::Application;
use clerk_testkit::{Outage, TestClerk};
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
    let env: HashMap<String, String> = [
        ("PORT", "0"),
        ("APP_ADMIN_PORT", "0"),
        ("APP_WORKERS", "1"),
        ("APP_RECONCILE_INTERVAL_SECS", "0"),
        ("DATABASE_URL", db.url.as_str()),
        ("CLERK_SECRET_KEY", clerk.secret_key()),
        ("CLERK_PUBLISHABLE_KEY", clerk.publishable_key()),
        ("CLERK_API_URL", clerk.base_url()),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v.to_owned()))
    .collect();
    let settings = Settings::load_from(
        None,
        config::Environment::default().try_parsing(true).source(Some(env)),
    )
    .expect("settings");

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
