//! Signing in and out through the Frontend API, over loopback HTTP, as the official clerk-js
//! does (form bodies, `_method`, the development browser in the query): `POST
//! /v1/client/sign_ins`, `POST /v1/client/sessions/{id}/touch`, the tokens, `DELETE
//! /v1/client/sessions`. Issue 23.

mod common;
mod frontend;

use clerk_testkit::{NewOrganization, NewUser, TestClerk};
use common::{fapi_validator, violations};
use frontend::{with_query, Browser};
use serde_json::Value;

const PASSWORD: &str = "correct horse battery staple";

/// `path` with the development browser and clerk-js's query.
fn fapi(path: &str, dvb: &str, extra: &[(&str, &str)]) -> String {
    let mut params = vec![
        ("__clerk_api_version", "2026-08-20"),
        ("_clerk_js_version", "6.40.0"),
        ("__clerk_db_jwt", dvb),
    ];
    params.extend_from_slice(extra);
    with_query(path, &params)
}

#[actix_rt::test]
async fn a_browser_signs_in_with_a_password_switches_organization_and_signs_out() {
    let clerk = TestClerk::start().expect("emulator");
    let user = clerk
        .users()
        .create(NewUser::default().email("grace@example.com").password(PASSWORD))
        .expect("user");
    let org = clerk
        .organizations()
        .create(NewOrganization::named("Acme").slug("acme").created_by(&user.id))
        .expect("org");
    // A browser that keeps no cookies: the development browser carries the client.
    let mut browser = Browser::new(&clerk);
    let dvb = browser
        .send("POST", &fapi("/v1/dev_browser", "", &[]), None, None)
        .await
        .json()["id"]
        .as_str()
        .expect("a dev browser")
        .to_owned();

    let wrong = browser
        .post(
            &fapi("/v1/client/sign_ins", &dvb, &[]),
            &[("identifier", "grace@example.com"), ("password", "nope")],
        )
        .await;
    assert_eq!(wrong.status, 422, "{}", wrong.body);
    let error = &wrong.json()["errors"][0];
    assert_eq!(error["code"], "form_password_incorrect");
    assert_eq!(error["meta"]["param_name"], "password");
    let unknown = browser
        .post(
            &fapi("/v1/client/sign_ins", &dvb, &[]),
            &[("identifier", "nobody@example.com"), ("password", PASSWORD)],
        )
        .await;
    assert_eq!(unknown.status, 422, "{}", unknown.body);
    assert_eq!(unknown.json()["errors"][0]["code"], "form_identifier_not_found");

    let created = browser
        .post(
            &fapi("/v1/client/sign_ins", &dvb, &[]),
            &[
                ("identifier", "grace@example.com"),
                ("password", PASSWORD),
                ("locale", "en-US"),
            ],
        )
        .await;
    assert_eq!(created.status, 200, "{}", created.body);
    let body = created.json();
    assert_eq!(body["response"]["status"], "complete", "{body}");
    let session_id = body["response"]["created_session_id"]
        .as_str()
        .expect("a session")
        .to_owned();
    assert_eq!(body["client"]["sessions"][0]["id"], session_id.as_str(), "{body}");
    assert_eq!(body["client"]["sessions"][0]["user"]["id"], user.id.as_str());
    assert_eq!(body["client"]["last_active_session_id"], session_id.as_str());
    for (schema, value) in [
        ("Client.ClientWrappedSignIn", &body),
        ("Client.Client", &body["client"]),
        ("Client.Session", &body["client"]["sessions"][0]),
    ] {
        let found = violations(&fapi_validator(schema), value);
        assert!(found.is_empty(), "{schema}: {found:#?}");
    }
    // A browser never sees private metadata.
    assert!(!created.body.contains("private_metadata"), "{}", created.body);

    // The client is found through the development browser alone.
    let client = browser.get(&fapi("/v1/client", &dvb, &[])).await.json();
    assert_eq!(client["response"]["sessions"][0]["id"], session_id.as_str());

    // setActive({ organization }): touch with the organization, then a token for it.
    let touch = format!("/v1/client/sessions/{session_id}/touch");
    let touched = browser
        .post(
            &fapi(&touch, &dvb, &[]),
            &[("active_organization_id", &org.id), ("intent", "select_org")],
        )
        .await;
    assert_eq!(touched.status, 200, "{}", touched.body);
    let touched = touched.json();
    assert_eq!(
        touched["response"]["last_active_organization_id"],
        org.id.as_str()
    );
    let memberships = &touched["response"]["user"]["organization_memberships"];
    assert_eq!(memberships[0]["organization"]["id"], org.id.as_str(), "{touched}");
    let found = violations(&fapi_validator("Client.Session"), &touched["response"]);
    assert!(found.is_empty(), "Client.Session with a membership: {found:#?}");
    assert!(!touched.to_string().contains("private_metadata"), "{touched}");
    let outsider_org = clerk
        .organizations()
        .create(NewOrganization::named("Other").slug("other"))
        .expect("org");
    let refused = browser
        .post(
            &fapi(&touch, &dvb, &[]),
            &[("active_organization_id", &outsider_org.id)],
        )
        .await;
    assert_eq!(refused.status, 404, "{}", refused.body);
    let tokens = format!("/v1/client/sessions/{session_id}/tokens");
    let jwt = browser
        .post(&fapi(&tokens, &dvb, &[]), &[("organization_id", &org.id)])
        .await
        .json()["jwt"]
        .as_str()
        .expect("a token")
        .to_owned();
    let (_, claims) = clerk_testkit::decode_unverified(&jwt).expect("claims");
    assert_eq!(claims["o"]["id"], org.id.as_str(), "{claims}");
    assert_eq!(claims["sid"], session_id.as_str());
    let personal = browser
        .post(&fapi(&tokens, &dvb, &[]), &[("organization_id", "")])
        .await
        .json()["jwt"]
        .as_str()
        .map(str::to_owned)
        .expect("a token");
    let (_, claims) = clerk_testkit::decode_unverified(&personal).expect("claims");
    assert_eq!(claims.get("o"), None, "{claims}");

    // getToken({ template }).
    clerk
        .jwt_templates()
        .add("hasura", serde_json::json!({ "uid": "{{user.id}}" }), 60)
        .expect("template");
    let templated = browser
        .post(&fapi(&format!("{tokens}/hasura"), &dvb, &[]), &[])
        .await;
    assert_eq!(templated.status, 200, "{}", templated.body);
    let (_, claims) =
        clerk_testkit::decode_unverified(templated.json()["jwt"].as_str().expect("jwt")).expect("claims");
    assert_eq!(claims["uid"], user.id.as_str(), "{claims}");
    let unknown_template = browser
        .post(&fapi(&format!("{tokens}/nope"), &dvb, &[]), &[])
        .await;
    assert_eq!(unknown_template.status, 404, "{}", unknown_template.body);
    let stranger = Browser::new(&clerk).post(&format!("{tokens}/hasura"), &[]).await;
    assert_eq!(stranger.status, 401, "another browser: {}", stranger.body);

    // signOut(): DELETE /v1/client/sessions as a POST naming it.
    let signed_out = browser
        .post(&fapi("/v1/client/sessions", &dvb, &[("_method", "DELETE")]), &[])
        .await;
    assert_eq!(signed_out.status, 200, "{}", signed_out.body);
    assert_eq!(signed_out.json()["client"]["sessions"], Value::Array(vec![]));
    assert_eq!(
        clerk.users().session(&session_id).expect("session").status,
        "ended"
    );
    let refreshed = browser.post(&fapi(&tokens, &dvb, &[]), &[]).await;
    assert_eq!(refreshed.status, 401, "no token for an ended session");
}

#[actix_rt::test]
async fn an_identifier_first_sign_in_completes_with_the_password_as_first_factor() {
    let clerk = TestClerk::start().expect("emulator");
    let user = clerk
        .users()
        .create(NewUser::default().email("ada@example.com").password(PASSWORD))
        .expect("user");
    let mut browser = Browser::new(&clerk);
    let dvb = browser
        .send("POST", &fapi("/v1/dev_browser", "", &[]), None, None)
        .await
        .json()["id"]
        .as_str()
        .expect("a dev browser")
        .to_owned();

    let started = browser
        .post(
            &fapi("/v1/client/sign_ins", &dvb, &[]),
            &[("identifier", "ada@example.com")],
        )
        .await;
    assert_eq!(started.status, 200, "{}", started.body);
    let started = started.json();
    assert_eq!(started["response"]["status"], "needs_first_factor", "{started}");
    assert_eq!(
        started["response"]["supported_first_factors"][0]["strategy"],
        "password"
    );
    assert_eq!(
        started["client"]["sign_in"]["id"], started["response"]["id"],
        "{started}"
    );
    assert_eq!(started["client"]["sessions"], Value::Array(vec![]));
    let found = violations(&fapi_validator("Client.ClientWrappedSignIn"), &started);
    assert!(found.is_empty(), "{found:#?}");
    let id = started["response"]["id"].as_str().expect("an id").to_owned();
    let attempt = format!("/v1/client/sign_ins/{id}/attempt_first_factor");

    let wrong = browser
        .post(
            &fapi(&attempt, &dvb, &[]),
            &[("strategy", "password"), ("password", "nope")],
        )
        .await;
    assert_eq!(wrong.status, 422, "{}", wrong.body);
    assert_eq!(wrong.json()["errors"][0]["code"], "form_password_incorrect");
    let elsewhere = Browser::new(&clerk)
        .post(&attempt, &[("strategy", "password"), ("password", PASSWORD)])
        .await;
    assert_eq!(
        elsewhere.status, 404,
        "another browser's attempt: {}",
        elsewhere.body
    );

    let done = browser
        .post(
            &fapi(&attempt, &dvb, &[]),
            &[("strategy", "password"), ("password", PASSWORD)],
        )
        .await;
    assert_eq!(done.status, 200, "{}", done.body);
    let done = done.json();
    assert_eq!(done["response"]["status"], "complete", "{done}");
    assert_eq!(done["response"]["id"], id.as_str());
    assert_eq!(done["client"]["sign_in"], Value::Null, "{done}");
    assert_eq!(done["client"]["sessions"][0]["user"]["id"], user.id.as_str());
    let found = violations(&fapi_validator("Client.ClientWrappedSignIn"), &done);
    assert!(found.is_empty(), "{found:#?}");
    let again = browser
        .post(
            &fapi(&attempt, &dvb, &[]),
            &[("strategy", "password"), ("password", PASSWORD)],
        )
        .await;
    assert_eq!(again.status, 404, "a completed attempt is gone: {}", again.body);
}

#[actix_rt::test]
async fn a_sign_up_with_an_email_address_and_a_password_creates_and_signs_in_the_user() {
    let clerk = TestClerk::start().expect("emulator");
    let mut browser = Browser::new(&clerk);
    let dvb = browser
        .send("POST", &fapi("/v1/dev_browser", "", &[]), None, None)
        .await
        .json()["id"]
        .as_str()
        .expect("a dev browser")
        .to_owned();

    let missing = browser
        .post(
            &fapi("/v1/client/sign_ups", &dvb, &[]),
            &[("email_address", "new@example.com")],
        )
        .await;
    assert_eq!(missing.status, 200, "{}", missing.body);
    assert_eq!(missing.json()["response"]["status"], "missing_requirements");
    assert_eq!(
        missing.json()["response"]["missing_fields"],
        serde_json::json!(["password"])
    );
    assert!(clerk.users().all().is_empty(), "nothing created");

    let created = browser
        .post(
            &fapi("/v1/client/sign_ups", &dvb, &[]),
            &[
                ("email_address", "new@example.com"),
                ("password", PASSWORD),
                ("first_name", "Nova"),
            ],
        )
        .await;
    assert_eq!(created.status, 200, "{}", created.body);
    let body = created.json();
    let found = violations(&fapi_validator("Client.ClientWrappedSignUp"), &body);
    assert!(found.is_empty(), "{found:#?}");
    assert_eq!(body["response"]["status"], "complete", "{body}");
    let user_id = body["response"]["created_user_id"]
        .as_str()
        .expect("a user")
        .to_owned();
    let user = clerk.users().get(&user_id).expect("the user exists");
    assert_eq!(user.first_name.as_deref(), Some("Nova"));
    assert_eq!(user.primary_email(), Some("new@example.com"));
    assert_eq!(body["client"]["sessions"][0]["user"]["id"], user_id.as_str());
    assert_eq!(
        body["response"]["created_session_id"],
        body["client"]["sessions"][0]["id"]
    );

    let again = Browser::new(&clerk)
        .post(
            "/v1/client/sign_ups",
            &[("email_address", "new@example.com"), ("password", PASSWORD)],
        )
        .await;
    assert_eq!(again.status, 422, "{}", again.body);
    assert_eq!(again.json()["errors"][0]["code"], "form_identifier_exists");
}
