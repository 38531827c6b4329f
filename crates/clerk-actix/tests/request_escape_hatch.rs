//! `ClerkClient::request`: an untyped call through the same retries, rate budget, errors and
//! metrics as the typed ones (issue 15).

use actix_web::http::Method;
use clerk_actix::client::models::Invitation;
use clerk_actix::client::{ApiError, AttemptOutcome};
use clerk_testkit::{NewUser, TestClerk};
use serde_json::{json, Value};

mod common;
use common::backend_client::client;

fn start() -> TestClerk {
    TestClerk::builder().start().expect("offline Clerk starts")
}

/// A `GET` through the escape hatch reaches `/v1{path}` with the query encoded, decodes into
/// any type, is retried after a 503 and counted under its method's label.
#[actix_rt::test]
async fn a_get_is_typed_by_the_caller_and_retried() {
    let clerk = start();
    let api = client(&clerk);
    let user = clerk
        .users()
        .create(NewUser::default().email("ada@example.com"))
        .expect("user");
    clerk.faults().fail_next("GET", "/v1/users", 1, 503);
    let found: Vec<Value> = api
        .request(
            Method::GET,
            "/users",
            &[("email_address", "ada@example.com"), ("limit", "5")],
            None,
        )
        .await
        .expect("found after a retry");
    assert_eq!(found.len(), 1);
    assert_eq!(found[0]["id"], user.id.as_str());
    let record = clerk
        .calls()
        .requests()
        .into_iter()
        .rev()
        .find(|r| r.path == "/v1/users")
        .expect("recorded");
    assert_eq!(record.query, "email_address=ada%40example.com&limit=5");
    let metrics = api.metrics();
    assert_eq!(
        metrics.attempts_of("GET (request)", AttemptOutcome::Status(503)),
        1
    );
    assert_eq!(
        metrics.attempts_of("GET (request)", AttemptOutcome::Status(200)),
        1
    );
    assert_eq!(metrics.retries, 1);
}

/// A `POST` with a body creates once and is never retried; errors are the usual
/// [`ApiError`]s; unsafe paths never leave the client.
#[actix_rt::test]
async fn a_post_is_sent_once_and_errors_are_typed() {
    let clerk = start();
    let api = client(&clerk);
    let created: Invitation = api
        .request(
            Method::POST,
            "/invitations",
            &[],
            Some(&json!({"email_address": "grace@example.com"})),
        )
        .await
        .expect("created");
    assert_eq!(created.email_address, "grace@example.com");

    clerk.faults().fail_next("POST", "/v1/invitations", 1, 503);
    let err = api
        .request::<Value>(
            Method::POST,
            "/invitations",
            &[],
            Some(&json!({"email_address": "other@example.com"})),
        )
        .await
        .expect_err("503");
    assert_eq!(err.status(), Some(503));
    assert_eq!(clerk.calls().count("POST", "/v1/invitations"), 2, "not retried");

    let err = api
        .request::<Value>(Method::GET, "/users/user_missing", &[], None)
        .await
        .expect_err("404");
    assert!(err.is_not_found());
    assert_eq!(err.code(), Some("resource_not_found"));

    let before = clerk.calls().total();
    for path in ["../jwks", "/a/../../jwks", "//evil.example/x", "/users?limit=1"] {
        let err = api
            .request::<Value>(Method::GET, path, &[], None)
            .await
            .expect_err("refused");
        assert!(matches!(err, ApiError::InvalidArgument(_)), "{path}: {err:?}");
    }
    assert_eq!(clerk.calls().total(), before, "refused paths send nothing");
}
