//! Sessions, the session-token endpoint and machine-token verification.

mod common;

use std::time::Duration;

use clerk_testkit::{decode_unverified, store::InactiveTokens, NewUser, TestClerk};
use common::{assert_same_shape, fixture, Api};
use serde_json::json;

#[actix_rt::test]
async fn sessions_and_their_tokens() {
    let clerk = TestClerk::start().expect("emulator starts");
    let api = Api::new(&clerk);
    let user = clerk.users().create(NewUser::default()).expect("created");

    let created = api
        .send("POST", "/v1/sessions", Some(json!({"user_id": user.id})))
        .await;
    assert_eq!(created.status, 200);
    let sid = created.body["id"].as_str().unwrap_or_default().to_owned();
    assert!(sid.starts_with("sess_"));
    let got = api.get(&format!("/v1/sessions/{sid}")).await;
    let mut example = fixture("sessions.get.response.json");
    // `latest_activity` is optional; the emulator has no browser to describe.
    if let Some(map) = example.as_object_mut() {
        map.remove("latest_activity");
    }
    assert_same_shape(&example, &got.body, "session");
    assert_eq!(got.body["user_id"], user.id.as_str());
    assert_eq!(got.body["status"], "active");

    let token = api
        .send(
            "POST",
            &format!("/v1/sessions/{sid}/tokens"),
            Some(json!({"expires_in_seconds": 120})),
        )
        .await;
    assert_same_shape(
        &fixture("sessions.tokens.create.response.json"),
        &token.body,
        "token",
    );
    assert_eq!(token.body["object"], "token");
    let (header, payload) = decode_unverified(token.body["jwt"].as_str().unwrap_or_default()).expect("jwt");
    assert_eq!(header["kid"], clerk.instance().kid());
    assert_eq!(payload["sub"], user.id.as_str());
    assert_eq!(payload["sid"], sid.as_str());
    assert_eq!(payload["iss"], clerk.issuer());
    let (iat, exp) = (
        payload["iat"].as_i64().unwrap_or_default(),
        payload["exp"].as_i64().unwrap_or_default(),
    );
    assert_eq!(exp - iat, 120);
    let no_body = api
        .send("POST", &format!("/v1/sessions/{sid}/tokens"), None)
        .await;
    assert_eq!(no_body.status, 200, "the body is optional");

    let missing = api.get("/v1/sessions/sess_missing").await;
    assert_eq!(missing.status, 404);
    assert_eq!(missing.body["errors"][0]["message"], "Session not found");
    let no_user = api.send("POST", "/v1/sessions", Some(json!({}))).await;
    assert_eq!(no_user.body["errors"][0]["code"], "form_param_missing");
    let bad_body = api.send("POST", "/v1/sessions", Some(json!("["))).await;
    assert_eq!(bad_body.status, 422);
}

#[actix_rt::test]
async fn machine_tokens_verify_with_and_without_the_v1_prefix() {
    let clerk = TestClerk::start().expect("emulator starts");
    let api = Api::new(&clerk);
    let tokens = clerk.machine_tokens();
    let m2m = tokens
        .m2m("mch_2xhFjEI5X2qWRvtV13BzSj8H6Dk")
        .scopes(["mch_2yGkLpQ7Y3rXSwtU24CzTk9I7Em"])
        .claims(json!({"tenant": "acme"}))
        .expires_in(Duration::from_secs(3600))
        .issue();
    let key = tokens
        .api_key("user_1")
        .name("CI deploy key")
        .scopes(["read", "write"])
        .issue();
    let oauth = tokens.oauth_token("user_1").scopes(["profile", "email"]).issue();
    assert!(
        m2m.secret.starts_with("mt_") && key.secret.starts_with("ak_") && oauth.secret.starts_with("oat_")
    );
    assert_eq!(m2m.id.len(), "mt_".len() + 32);

    let cases = [
        (
            "/m2m_tokens/verify",
            json!({"token": m2m.secret}),
            "m2m_tokens.verify.response.json",
        ),
        (
            "/api_keys/verify",
            json!({"secret": key.secret}),
            "api_keys.verify.response.json",
        ),
        (
            "/oauth_applications/access_tokens/verify",
            json!({"access_token": oauth.secret}),
            "oauth_access_tokens.verify.response.json",
        ),
    ];
    for (path, body, example) in &cases {
        for prefix in ["", "/v1"] {
            let reply = api
                .send("POST", &format!("{prefix}{path}"), Some(body.clone()))
                .await;
            assert_eq!(reply.status, 200, "{prefix}{path}");
            assert_eq!(reply.header("content-type"), Some("application/json"));
            assert_same_shape(&fixture(example), &reply.body, path);
        }
    }
    let unknown = api
        .send("POST", "/api_keys/verify", Some(json!({"secret": "ak_nope"})))
        .await;
    assert_eq!(unknown.status, 404);
    assert_eq!(unknown.body["errors"][0]["code"], "resource_not_found");
    assert_eq!(unknown.body["errors"][0]["message"], "API key not found");
    let wrong_kind = api
        .send("POST", "/m2m_tokens/verify", Some(json!({"token": key.secret})))
        .await;
    assert_eq!(wrong_kind.status, 404);
    let no_auth = Api::new(&clerk)
        .with_key(None)
        .send("POST", "/m2m_tokens/verify", Some(cases[0].1.clone()))
        .await;
    assert_eq!(no_auth.status, 401);

    // Revoked and expired: 404 by default, or 200 with the flags set.
    assert!(tokens.revoke(&m2m.id, "compromised"));
    assert!(tokens.expire(&key.secret));
    assert_eq!(
        api.send("POST", "/m2m_tokens/verify", Some(cases[0].1.clone()))
            .await
            .status,
        404
    );
    assert_eq!(
        api.send("POST", "/api_keys/verify", Some(cases[1].1.clone()))
            .await
            .status,
        404
    );
    tokens.answer_inactive(InactiveTokens::Flagged);
    let revoked = api
        .send("POST", "/m2m_tokens/verify", Some(cases[0].1.clone()))
        .await;
    assert_eq!(
        (
            revoked.body["revoked"].clone(),
            revoked.body["revocation_reason"].clone()
        ),
        (json!(true), json!("compromised"))
    );
    let expired = api
        .send("POST", "/api_keys/verify", Some(cases[1].1.clone()))
        .await;
    assert_eq!(expired.body["expired"], true);
}
