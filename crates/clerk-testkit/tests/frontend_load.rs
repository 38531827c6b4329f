//! What clerk-js calls first on `Clerk.load()`, over real loopback HTTP: a development browser
//! (`POST /v1/dev_browser`) and the environment (`GET /v1/environment`, or `PATCH` sent as
//! `POST ?_method=PATCH`). Issue 23.

mod common;
mod frontend;

use clerk_testkit::TestClerk;
use common::{fapi_validator, violations};
use frontend::{with_query, Browser};
use serde_json::{json, Value};

/// The query clerk-js 6.40.0 puts on every Frontend API call.
const CLERK_JS_QUERY: [(&str, &str); 2] = [
    ("__clerk_api_version", "2026-08-20"),
    ("_clerk_js_version", "6.40.0"),
];

/// `path` with clerk-js's query and `extra`.
fn fapi(path: &str, extra: &[(&str, &str)]) -> String {
    let mut params = CLERK_JS_QUERY.to_vec();
    params.extend_from_slice(extra);
    with_query(path, &params)
}

#[actix_rt::test]
async fn a_new_dev_browser_names_the_client_once_the_browser_signs_in() {
    // Arrange
    let clerk = TestClerk::builder().seed_users(1).start().expect("emulator");
    let user = clerk.users().all()[0].clone();
    let mut browser = Browser::new(&clerk);

    // Act: no body, no cookie, no secret key, as clerk-js sends it.
    let created = browser
        .send("POST", &fapi("/v1/dev_browser", &[]), None, None)
        .await;

    // Assert
    assert_eq!(created.status, 200, "{}", created.body);
    assert_eq!(created.header("cache-control"), Some("no-store"));
    let dvb = created.json()["id"].as_str().expect("an id").to_owned();
    assert!(dvb.starts_with("dvb_"), "{dvb}");
    assert!(created.set_cookies.is_empty(), "{:?}", created.set_cookies);
    let before = browser
        .get(&fapi("/v1/client", &[("__clerk_db_jwt", &dvb)]))
        .await;
    assert_eq!(before.json()["response"], Value::Null, "unbound: no client yet");

    // Signing in with the dev browser binds it: another tab finds the client through it alone.
    let signed_in = browser
        .post(
            &with_query("/sign-in", &[("__clerk_db_jwt", &dvb)]),
            &[("user_id", &user.id), ("redirect_url", "/")],
        )
        .await;
    assert_eq!(signed_in.status, 303, "{}", signed_in.body);
    let mut tab = Browser::new(&clerk);
    let client = tab
        .get(&fapi("/v1/client", &[("__clerk_db_jwt", &dvb)]))
        .await
        .json();
    assert_eq!(
        client["response"]["sessions"][0]["user"]["id"],
        user.id.as_str(),
        "{client}"
    );
}

#[actix_rt::test]
async fn a_production_instance_has_no_dev_browsers() {
    let clerk = TestClerk::builder().production().start().expect("emulator");
    let reply = Browser::new(&clerk)
        .send("POST", &fapi("/v1/dev_browser", &[]), None, None)
        .await;
    assert_eq!(reply.status, 404, "{}", reply.body);
    assert_eq!(reply.json()["errors"][0]["code"], "resource_not_found");
}

#[actix_rt::test]
async fn the_environment_validates_against_the_frontend_api_spec_however_it_is_asked_for() {
    let validator = fapi_validator("Client.Environment");
    assert!(
        !violations(&validator, &json!({ "unknown": 1 })).is_empty(),
        "the schema is strict"
    );
    for (clerk, kind) in [
        (TestClerk::start().expect("emulator"), "development"),
        (
            TestClerk::builder().production().start().expect("emulator"),
            "production",
        ),
    ] {
        let mut browser = Browser::new(&clerk);
        let got = browser.get(&fapi("/v1/environment", &[])).await;
        let patched = browser
            .send(
                "PATCH",
                &fapi("/v1/environment", &[]),
                None,
                Some("http://localhost:3000"),
            )
            .await;
        // clerk-js's load on a development instance: a form POST that names PATCH.
        let overridden = browser
            .send(
                "POST",
                &fapi("/v1/environment", &[("_method", "PATCH")]),
                Some(&[]),
                Some("http://localhost:3000"),
            )
            .await;
        for reply in [&got, &patched, &overridden] {
            assert_eq!(reply.status, 200, "{kind}: {}", reply.body);
            assert_eq!(reply.header("cache-control"), Some("no-store"));
            assert_eq!(reply.json(), got.json(), "{kind}: the same environment");
        }
        let env = got.json();
        assert!(
            violations(&validator, &env).is_empty(),
            "{kind}: {:?}",
            violations(&validator, &env)
        );
        assert_eq!(env["display_config"]["instance_environment_type"], kind);
        assert_eq!(
            env["auth_config"]["url_based_session_syncing"],
            kind == "development"
        );
        let sign_in = format!("{}/sign-in", clerk.base_url());
        assert_eq!(env["display_config"]["sign_in_url"], sign_in.as_str());
    }
}

#[actix_rt::test]
async fn only_a_frontend_api_post_that_names_a_method_is_routed_as_it() {
    let clerk = TestClerk::start().expect("emulator");
    let mut browser = Browser::new(&clerk);

    // A plain POST, or one naming a method the route lacks, finds no route.
    let plain = browser
        .send("POST", &fapi("/v1/environment", &[]), Some(&[]), None)
        .await;
    assert_eq!(plain.status, 404, "{}", plain.body);
    let named_get = browser
        .send(
            "POST",
            &fapi("/v1/environment", &[("_method", "GET")]),
            Some(&[]),
            None,
        )
        .await;
    assert_eq!(named_get.status, 404, "{}", named_get.body);

    // The Backend API ignores _method: a POST stays a POST (and still needs the secret key).
    let backend = browser
        .send(
            "POST",
            &with_query("/v1/users", &[("_method", "PATCH")]),
            Some(&[]),
            None,
        )
        .await;
    assert_eq!(backend.status, 401, "{}", backend.body);
    assert_eq!(
        clerk.calls().count_status("POST", "/v1/users", 401),
        1,
        "recorded as sent"
    );
}
