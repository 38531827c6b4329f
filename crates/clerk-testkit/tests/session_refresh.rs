//! `POST /v1/sessions/{session_id}/refresh`, over real loopback HTTP: both formats, every
//! refusal, OpenAPI shapes, faults.

mod browser;
mod common;

use std::time::Duration;

use browser::{assert_valid, jwks, names, strings, value_of, verify};
use clerk_testkit::{store::Session, NewUser, TestClerk, User, UserUpdate};
use common::{Api, Reply};
use serde_json::{json, Value};

/// A user, an active session, the session's expired token and its refresh token.
fn browser(clerk: &TestClerk) -> (User, Session, String, String) {
    let user = clerk.users().create(NewUser::default()).expect("user");
    let session = clerk.users().create_session(&user.id).expect("session");
    let expired = clerk
        .minter()
        .session_token(&user.id)
        .session_id(&session.id)
        .expired()
        .mint();
    let refresh = clerk.refresh_token_for(&session.id).expect("refresh token");
    (user, session, expired, refresh)
}

/// The body `@clerk/backend` sends.
fn sdk_body(expired: &str, refresh: &str, format: Option<&str>) -> Value {
    let mut body = json!({
        "expired_token": expired,
        "refresh_token": refresh,
        "request_origin": "http://localhost:3000",
        "request_headers": {"accept": ["text/html"], "sec-fetch-dest": ["document"]},
    });
    if let Some(format) = format {
        body["format"] = Value::from(format);
    }
    body
}

async fn refresh(api: &Api, session_id: &str, query: &str, body: Value) -> Reply {
    api.send(
        "POST",
        &format!("/v1/sessions/{session_id}/refresh{query}"),
        Some(body),
    )
    .await
}

fn lifetime(claims: &Value) -> i64 {
    claims["exp"].as_i64().unwrap_or_default() - claims["iat"].as_i64().unwrap_or_default()
}

#[actix_rt::test]
async fn a_refresh_returns_a_fresh_token_by_default() {
    let clerk = TestClerk::start().expect("emulator starts");
    let api = Api::new(&clerk);
    let (user, session, expired, refresh_token) = browser(&clerk);

    for format in [None, Some("token")] {
        let reply = refresh(&api, &session.id, "", sdk_body(&expired, &refresh_token, format)).await;
        assert_eq!(reply.status, 200, "{}", reply.body);
        assert_valid("SessionRefresh", &reply.body);
        assert_valid("Token", &reply.body);
        assert_eq!(reply.body["object"], "token");
        let jwt = reply.body["jwt"].as_str().expect("jwt");
        let (_, claims) = verify(jwt, &jwks(&clerk).await).expect("verifies with the JWKS");
        assert_eq!(claims["sid"], session.id.as_str());
        assert_eq!(claims["sub"], user.id.as_str());
        assert_eq!(claims["azp"], "http://localhost:3000");
        assert_eq!(lifetime(&claims), 60);
    }
}

#[actix_rt::test]
async fn a_cookie_refresh_returns_the_directives_suffixed_on_request() {
    let clerk = TestClerk::builder()
        .session_token_ttl(Duration::from_secs(120))
        .start()
        .expect("emulator starts");
    let api = Api::new(&clerk);
    let (_, session, expired, refresh_token) = browser(&clerk);
    let suffix = clerk.cookie_suffix().to_owned();

    for (query, expected) in [
        (
            "?suffixed_cookies=true",
            vec![
                "__session".to_owned(),
                format!("__session_{suffix}"),
                "__client_uat".to_owned(),
                format!("__client_uat_{suffix}"),
                format!("__refresh_{suffix}"),
            ],
        ),
        (
            "?suffixed_cookies=false",
            vec![
                "__session".to_owned(),
                "__client_uat".to_owned(),
                format!("__refresh_{suffix}"),
            ],
        ),
        (
            "",
            vec![
                "__session".to_owned(),
                "__client_uat".to_owned(),
                format!("__refresh_{suffix}"),
            ],
        ),
    ] {
        let reply = refresh(
            &api,
            &session.id,
            query,
            sdk_body(&expired, &refresh_token, Some("cookie")),
        )
        .await;
        assert_eq!(reply.status, 200, "{}", reply.body);
        assert_valid("SessionRefresh", &reply.body);
        assert_valid("Cookies", &reply.body);
        assert_eq!(reply.body["object"], "cookies");
        let cookies = strings(&reply.body["cookies"]);
        assert_eq!(names(&cookies), expected, "{query}");
        let jwt = value_of(&cookies, "__session").expect("session");
        let (_, claims) = verify(&jwt, &jwks(&clerk).await).expect("verifies");
        assert_eq!(claims["sid"], session.id.as_str());
        assert_eq!(lifetime(&claims), 120, "the configured lifetime");
        assert_eq!(
            value_of(&cookies, &format!("__refresh_{suffix}")),
            Some(refresh_token.clone()),
            "the same refresh token stays bound"
        );
        assert!(value_of(&cookies, "__client_uat").is_some_and(|v| v.parse::<i64>().unwrap_or(0) > 0));
        assert!(cookies.iter().all(|c| !c.contains("Secure")), "http origin");
    }

    let mut https = sdk_body(&expired, &refresh_token, Some("cookie"));
    https["request_origin"] = Value::from("https://app.example");
    let reply = refresh(&api, &session.id, "", https).await;
    let cookies = strings(&reply.body["cookies"]);
    assert!(cookies.iter().all(|c| c.ends_with("; Secure")), "{cookies:?}");
}

#[actix_rt::test]
async fn the_refresh_token_from_a_handshake_refreshes() {
    let clerk = TestClerk::start().expect("emulator starts");
    let api = Api::new(&clerk);
    let user = clerk.users().create(NewUser::default()).expect("user");
    let session = clerk.users().create_session(&user.id).expect("session");
    let expired = clerk
        .minter()
        .session_token(&user.id)
        .session_id(&session.id)
        .expired()
        .mint();
    let query: String = url::form_urlencoded::Serializer::new(String::new())
        .extend_pairs([
            ("redirect_url", "http://localhost:3000/"),
            ("format", "nonce"),
            ("__session", expired.as_str()),
        ])
        .finish();
    let (_, location, _, _) = browser::browser_get(&format!("{}?{query}", clerk.handshake_url())).await;
    let nonce = browser::query_param(&location.expect("Location"), "__clerk_handshake_nonce").expect("nonce");
    let payload = api
        .get(&format!("/v1/clients/handshake_payload?nonce={nonce}"))
        .await;
    let directives = strings(&payload.body["directives"]);
    let refresh_cookie =
        value_of(&directives, &format!("__refresh_{}", clerk.cookie_suffix())).expect("refresh cookie");

    let reply = refresh(&api, &session.id, "", sdk_body(&expired, &refresh_cookie, None)).await;
    assert_eq!(reply.status, 200, "{}", reply.body);
}

#[actix_rt::test]
async fn each_refusal_has_its_status_and_code() {
    let clerk = TestClerk::start().expect("emulator starts");
    let api = Api::new(&clerk);
    let (user, session, expired, refresh_token) = browser(&clerk);
    let (_, _, other_expired, other_refresh) = browser(&clerk);
    let foreign = clerk
        .minter()
        .session_token(&user.id)
        .session_id(&session.id)
        .wrong_key()
        .expired()
        .mint();

    let (_, revoked, revoked_expired, revoked_refresh) = browser(&clerk);
    clerk
        .users()
        .set_session_status(&revoked.id, "revoked")
        .expect("revoked");
    let (_, ended, ended_expired, ended_refresh) = browser(&clerk);
    clerk
        .users()
        .set_session_status(&ended.id, "ended")
        .expect("ended");
    let (banned_user, banned, banned_expired, banned_refresh) = browser(&clerk);
    clerk
        .users()
        .update(
            &banned_user.id,
            UserUpdate {
                banned: Some(true),
                ..Default::default()
            },
        )
        .expect("banned");

    let cases: Vec<(&str, &str, Value, u16, &str)> = vec![
        (
            "unknown session",
            "sess_unknown",
            sdk_body(&expired, &refresh_token, None),
            404,
            "resource_not_found",
        ),
        (
            "revoked session",
            &revoked.id,
            sdk_body(&revoked_expired, &revoked_refresh, None),
            401,
            "session_not_active",
        ),
        (
            "ended session",
            &ended.id,
            sdk_body(&ended_expired, &ended_refresh, None),
            401,
            "session_not_active",
        ),
        (
            "banned user",
            &banned.id,
            sdk_body(&banned_expired, &banned_refresh, Some("cookie")),
            401,
            "user_banned",
        ),
        (
            "wrong refresh token",
            &session.id,
            sdk_body(&expired, "rt_guessed", None),
            401,
            "authentication_invalid",
        ),
        (
            "another session's refresh token",
            &session.id,
            sdk_body(&expired, &other_refresh, None),
            401,
            "authentication_invalid",
        ),
        (
            "another session's expired token",
            &session.id,
            sdk_body(&other_expired, &refresh_token, None),
            401,
            "authentication_invalid",
        ),
        (
            "expired token signed by another key",
            &session.id,
            sdk_body(&foreign, &refresh_token, None),
            401,
            "authentication_invalid",
        ),
        (
            "expired token not a JWT",
            &session.id,
            sdk_body("garbage", &refresh_token, None),
            401,
            "authentication_invalid",
        ),
        (
            "missing expired_token",
            &session.id,
            json!({"refresh_token": refresh_token, "request_origin": "http://localhost:3000"}),
            422,
            "form_param_missing",
        ),
        (
            "missing refresh_token",
            &session.id,
            json!({"expired_token": expired, "request_origin": "http://localhost:3000"}),
            422,
            "form_param_missing",
        ),
        (
            "missing request_origin",
            &session.id,
            json!({"expired_token": expired, "refresh_token": refresh_token}),
            422,
            "form_param_missing",
        ),
        (
            "unknown format",
            &session.id,
            sdk_body(&expired, &refresh_token, Some("jwt")),
            422,
            "form_param_value_invalid",
        ),
    ];
    for (case, sid, body, status, code) in cases {
        let reply = refresh(&api, sid, "", body).await;
        assert_eq!(
            (reply.status, reply.body["errors"][0]["code"].as_str()),
            (status, Some(code)),
            "{case}: {}",
            reply.body
        );
        assert_valid("ClerkErrors", &reply.body);
        let text = reply.body.to_string();
        for secret in [&expired, &refresh_token, &other_refresh, &other_expired, &foreign] {
            assert!(!text.contains(secret.as_str()), "{case}: a token is echoed");
        }
    }

    let anonymous = Api::new(&clerk).with_key(None);
    let unauthenticated = refresh(
        &anonymous,
        &session.id,
        "",
        sdk_body(&expired, &refresh_token, None),
    )
    .await;
    assert_eq!(unauthenticated.status, 401);
    let bad_query = refresh(
        &api,
        &session.id,
        "?suffixed_cookies=yes",
        sdk_body(&expired, &refresh_token, None),
    )
    .await;
    assert_eq!(bad_query.status, 422);

    // After all those refusals the right pair still works.
    let ok = refresh(&api, &session.id, "", sdk_body(&expired, &refresh_token, None)).await;
    assert_eq!(ok.status, 200);
}

#[actix_rt::test]
async fn refresh_faults_answer_500_or_time_out() {
    let clerk = TestClerk::start().expect("emulator starts");
    let api = Api::new(&clerk);
    let (_, session, expired, refresh_token) = browser(&clerk);
    let route = "/v1/sessions/{session_id}/refresh";
    let faults = clerk.faults();

    faults.fail_next("POST", route, 1, 500);
    let failed = refresh(&api, &session.id, "", sdk_body(&expired, &refresh_token, None)).await;
    assert_eq!(
        (failed.status, failed.body["errors"][0]["code"].as_str()),
        (500, Some("internal_clerk_error"))
    );
    assert_eq!(
        refresh(&api, &session.id, "", sdk_body(&expired, &refresh_token, None))
            .await
            .status,
        200,
        "recovers"
    );

    faults.endpoint_latency("POST", route, Some(Duration::from_secs(1)));
    let slow = awc::Client::builder()
        .timeout(Duration::from_millis(200))
        .finish()
        .post(format!("{}/v1/sessions/{}/refresh", clerk.base_url(), session.id))
        .insert_header(("authorization", format!("Bearer {}", clerk.secret_key())))
        .insert_header(("content-type", "application/json"))
        .send_body(sdk_body(&expired, &refresh_token, None).to_string())
        .await;
    assert!(
        matches!(slow, Err(awc::error::SendRequestError::Timeout)),
        "{slow:?}"
    );
    assert_eq!(clerk.calls().count_status("POST", route, 500), 1);
}
