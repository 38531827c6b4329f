//! The Frontend API handshake (`GET /v1/client/handshake`) and its nonce redemption
//! (`GET /v1/clients/handshake_payload`), over real loopback HTTP.

mod browser;
mod common;

use std::time::Duration;

use browser::{assert_valid, browser_get, jwks, names, query_param, strings, value_of, verify};
use clerk_testkit::{store::Session, NewUser, TestClerk, User};
use common::Api;

/// A user, an active session and the session's expired token (what a returning browser has).
fn signed_in(clerk: &TestClerk) -> (User, Session, String) {
    let user = clerk.users().create(NewUser::default()).expect("user");
    let session = clerk.users().create_session(&user.id).expect("session");
    let expired = clerk
        .minter()
        .session_token(&user.id)
        .session_id(&session.id)
        .expired()
        .mint();
    (user, session, expired)
}

/// The handshake URL with these query parameters (values URL-encoded), and a development
/// browser as the SDK forwards it on a development instance once it has one (without it,
/// the handshake hands out a new one: tests/sign_in_flow.rs).
fn handshake_url(clerk: &TestClerk, params: &[(&str, &str)]) -> String {
    let query: String = url::form_urlencoded::Serializer::new(String::new())
        .extend_pairs(params)
        .append_pair("__clerk_db_jwt", "dvb_from_the_app")
        .finish();
    format!("{}?{query}", clerk.handshake_url())
}

/// Redeems a nonce: status and body.
async fn redeem(api: &Api, nonce: &str) -> common::Reply {
    api.get(&format!("/v1/clients/handshake_payload?nonce={nonce}"))
        .await
}

#[actix_rt::test]
async fn a_nonce_handshake_sets_fresh_signed_in_cookies_once() {
    let clerk = TestClerk::start().expect("emulator starts");
    let api = Api::new(&clerk);
    let (user, session, expired) = signed_in(&clerk);
    let redirect = "http://127.0.0.1:9/profile?tab=1";

    let (status, location, cache, _) = browser_get(&handshake_url(
        &clerk,
        &[
            ("redirect_url", redirect),
            ("__clerk_api_version", "2026-05-12"),
            ("suffixed_cookies", "false"),
            (
                "__clerk_hs_reason",
                "session-token-expired-refresh-non-eligible-no-refresh-cookie",
            ),
            ("format", "nonce"),
            ("__session", &expired),
        ],
    ))
    .await;
    assert_eq!(status, 307);
    assert_eq!(cache.as_deref(), Some("no-store"));
    let location = location.expect("Location");
    assert!(
        location.starts_with("http://127.0.0.1:9/profile?tab=1&__clerk_handshake_nonce="),
        "{location}"
    );
    assert_eq!(query_param(&location, "__clerk_handshake"), None);
    let nonce = query_param(&location, "__clerk_handshake_nonce").expect("nonce");

    let payload = redeem(&api, &nonce).await;
    assert_eq!(payload.status, 200, "{}", payload.body);
    assert_eq!(
        payload.body.as_object().map(|o| o.keys().collect::<Vec<_>>()),
        Some(vec![&"directives".to_owned()])
    );
    let directives = strings(&payload.body["directives"]);
    let suffix = clerk.cookie_suffix().to_owned();
    assert_eq!(
        names(&directives),
        ["__session", "__client_uat", &format!("__refresh_{suffix}")]
    );
    let jwt = value_of(&directives, "__session").expect("session cookie");
    assert_eq!(directives[0], format!("__session={jwt}; Path=/; SameSite=Lax"));
    let uat = value_of(&directives, "__client_uat").expect("client_uat");
    assert!(uat.parse::<i64>().expect("number") > 0);
    assert_eq!(
        directives[1],
        format!("__client_uat={uat}; Path=/; Max-Age=315360000; SameSite=Lax")
    );
    let refresh = clerk.refresh_token_for(&session.id).expect("refresh token");
    assert_eq!(
        directives[2],
        format!("__refresh_{suffix}={refresh}; Path=/; HttpOnly; SameSite=Lax")
    );

    let (header, claims) = verify(&jwt, &jwks(&clerk).await).expect("the new token verifies with the JWKS");
    assert_eq!(header.kid.as_deref(), Some(clerk.instance().kid()));
    assert_eq!(claims["sid"], session.id.as_str());
    assert_eq!(claims["sub"], user.id.as_str());
    assert_eq!(claims["iss"], clerk.issuer());
    assert_eq!(claims["azp"], "http://127.0.0.1:9");
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or_default();
    assert!(claims["exp"].as_i64().unwrap_or_default() > now, "fresh");
    assert_eq!(
        claims["exp"].as_i64().unwrap_or_default() - claims["iat"].as_i64().unwrap_or_default(),
        60
    );
    assert!(
        claims["iat"].as_i64().unwrap_or_default() >= uat.parse::<i64>().unwrap_or_default(),
        "iat is not before client_uat"
    );

    let again = redeem(&api, &nonce).await;
    assert_eq!(again.status, 404, "a nonce is single-use");
    assert_eq!(again.body["errors"][0]["code"], "resource_not_found");
    assert_valid("ClerkErrors", &again.body);
    assert_eq!(redeem(&api, "0123456789abcdef").await.status, 404);

    assert_eq!(clerk.handshake_calls(), 1);
    let logged = clerk
        .calls()
        .requests()
        .into_iter()
        .find(|r| r.route.as_deref() == Some("/v1/client/handshake"))
        .expect("logged");
    assert!(logged.query.contains("__session=[redacted]"), "{}", logged.query);
    assert!(!logged.query.contains(&expired));
    assert!(clerk.calls().requests().iter().all(|r| !r.query.contains(&nonce)));
}

#[actix_rt::test]
async fn a_token_handshake_carries_the_directives_in_a_jwt_signed_by_the_instance() {
    let clerk = TestClerk::builder()
        .session_token_ttl(Duration::from_secs(300))
        .allowed_origin("https://app.example")
        .start()
        .expect("emulator starts");
    let (_, session, expired) = signed_in(&clerk);
    let jwks = jwks(&clerk).await;

    // `format` defaults to `token`.
    for format in [Some("token"), None] {
        let mut params = vec![
            ("redirect_url", "https://app.example/dashboard"),
            ("__session", expired.as_str()),
        ];
        if let Some(format) = format {
            params.push(("format", format));
        }
        let (status, location, cache, _) = browser_get(&handshake_url(&clerk, &params)).await;
        assert_eq!((status, cache.as_deref()), (307, Some("no-store")));
        let location = location.expect("Location");
        assert!(location.starts_with("https://app.example/dashboard?__clerk_handshake="));
        let token = query_param(&location, "__clerk_handshake").expect("handshake token");

        let (header, payload) = verify(&token, &jwks).expect("verifies with the JWKS");
        assert_eq!(header.alg, jsonwebtoken::Algorithm::RS256);
        assert_eq!(header.typ.as_deref(), Some("JWT"));
        assert_eq!(header.kid.as_deref(), Some(clerk.instance().kid()));
        assert_eq!(
            payload["exp"].as_i64().unwrap_or_default() - payload["iat"].as_i64().unwrap_or_default(),
            60
        );
        let directives = strings(&payload["handshake"]);
        assert_eq!(directives.len(), 3, "{directives:?}");
        assert!(
            directives.iter().all(|d| d.ends_with("; Secure")),
            "https pages get Secure cookies: {directives:?}"
        );
        let jwt = value_of(&directives, "__session").expect("session");
        let (_, claims) = verify(&jwt, &jwks).expect("session token verifies");
        assert_eq!(claims["sid"], session.id.as_str());
        assert_eq!(claims["azp"], "https://app.example");
        assert_eq!(
            claims["exp"].as_i64().unwrap_or_default() - claims["iat"].as_i64().unwrap_or_default(),
            300,
            "the configured session-token lifetime"
        );
    }
    assert_eq!(clerk.session_token_ttl(), Duration::from_secs(300));
    assert_eq!(clerk.handshake_calls(), 2);
}

#[actix_rt::test]
async fn suffixed_cookies_add_the_suffixed_names() {
    let clerk = TestClerk::start().expect("emulator starts");
    let api = Api::new(&clerk);
    let (_, _, expired) = signed_in(&clerk);
    let suffix = clerk.cookie_suffix().to_owned();
    assert_eq!(
        suffix,
        clerk.instance().publishable_key().cookie_suffix(),
        "the publishable key's suffix"
    );

    for (suffixed, expected) in [
        (
            "true",
            vec![
                "__session".to_owned(),
                format!("__session_{suffix}"),
                "__client_uat".to_owned(),
                format!("__client_uat_{suffix}"),
                format!("__refresh_{suffix}"),
            ],
        ),
        (
            "false",
            vec![
                "__session".to_owned(),
                "__client_uat".to_owned(),
                format!("__refresh_{suffix}"),
            ],
        ),
    ] {
        let (_, location, _, _) = browser_get(&handshake_url(
            &clerk,
            &[
                ("redirect_url", "http://localhost:3000/"),
                ("format", "nonce"),
                ("suffixed_cookies", suffixed),
                ("__session", &expired),
            ],
        ))
        .await;
        let nonce = query_param(&location.expect("Location"), "__clerk_handshake_nonce").expect("nonce");
        let directives = strings(&redeem(&api, &nonce).await.body["directives"]);
        assert_eq!(names(&directives), expected, "suffixed_cookies={suffixed}");
        if suffixed == "true" {
            assert_eq!(
                value_of(&directives, "__session"),
                value_of(&directives, &format!("__session_{suffix}"))
            );
        }
    }
}

#[actix_rt::test]
async fn without_an_active_session_the_directives_sign_out() {
    let clerk = TestClerk::start().expect("emulator starts");
    let api = Api::new(&clerk);
    let suffix = clerk.cookie_suffix().to_owned();

    let (_, revoked, revoked_token) = signed_in(&clerk);
    clerk
        .users()
        .set_session_status(&revoked.id, "revoked")
        .expect("revoked");
    let (banned_user, _, banned_token) = signed_in(&clerk);
    clerk
        .users()
        .update(
            &banned_user.id,
            clerk_testkit::UserUpdate {
                banned: Some(true),
                ..Default::default()
            },
        )
        .expect("banned");
    let (user, session, _) = signed_in(&clerk);
    let foreign = clerk
        .minter()
        .session_token(&user.id)
        .session_id(&session.id)
        .wrong_key()
        .mint();
    let unknown_session = clerk
        .minter()
        .session_token(&user.id)
        .session_id("sess_unknown")
        .mint();

    let cases: [(&str, Option<&str>); 6] = [
        ("no __session", None),
        ("empty __session", Some("")),
        ("revoked session", Some(&revoked_token)),
        ("banned user", Some(&banned_token)),
        ("signed by another key", Some(&foreign)),
        ("unknown sid", Some(&unknown_session)),
    ];
    for (case, token) in cases {
        let mut params = vec![
            ("redirect_url", "http://localhost:3000/profile"),
            ("format", "nonce"),
            ("suffixed_cookies", "true"),
        ];
        if let Some(token) = token {
            params.push(("__session", token));
        }
        let (status, location, _, _) = browser_get(&handshake_url(&clerk, &params)).await;
        assert_eq!(status, 307, "{case}");
        let nonce = query_param(&location.expect("Location"), "__clerk_handshake_nonce").expect("nonce");
        let directives = strings(&redeem(&api, &nonce).await.body["directives"]);
        assert_eq!(
            directives,
            [
                "__session=; Path=/; Max-Age=0".to_owned(),
                format!("__session_{suffix}=; Path=/; Max-Age=0"),
                "__client_uat=0; Path=/; Max-Age=315360000; SameSite=Lax".to_owned(),
                format!("__client_uat_{suffix}=0; Path=/; Max-Age=315360000; SameSite=Lax"),
            ],
            "{case}"
        );
    }
}

#[actix_rt::test]
async fn bad_handshake_requests_are_400_and_need_no_secret_key() {
    let clerk = TestClerk::start().expect("emulator starts");
    for (query, param) in [
        ("", "redirect_url"),
        ("redirect_url=%2Fprofile", "redirect_url"),
        ("redirect_url=javascript%3Aalert(1)", "redirect_url"),
        ("redirect_url=http%3A%2F%2Fa.test%2F&format=cookie", "format"),
        (
            "redirect_url=http%3A%2F%2Fa.test%2F&suffixed_cookies=1",
            "suffixed_cookies",
        ),
        // Well formed, but not an allowed origin: no cookie directives go there.
        ("redirect_url=http%3A%2F%2Fa.test%2F", "redirect_url"),
    ] {
        let (status, location, _, body) = browser_get(&format!("{}?{query}", clerk.handshake_url())).await;
        assert_eq!((status, location), (400, None), "{query}");
        assert_eq!(body["errors"][0]["meta"]["param_name"], param, "{query}");
        assert_valid("ClerkErrors", &body);
    }
    // No Authorization header was sent, and no Backend API rate limit applies.
    let (status, _, _, _) = browser_get(&format!(
        "{}?redirect_url=http%3A%2F%2F127.0.0.1%3A9%2F",
        clerk.handshake_url()
    ))
    .await;
    assert_eq!(status, 307);
    assert_eq!(clerk.handshake_calls(), 7);
    assert_eq!(clerk.calls().count_status("GET", "/v1/client/handshake", 400), 6);
}

#[actix_rt::test]
async fn handshake_payload_needs_the_secret_key_and_a_nonce() {
    let clerk = TestClerk::start().expect("emulator starts");
    let api = Api::new(&clerk);
    let (status, location, _, _) = browser_get(&handshake_url(
        &clerk,
        &[("redirect_url", "http://127.0.0.1:9/"), ("format", "nonce")],
    ))
    .await;
    assert_eq!(status, 307);
    let nonce = query_param(&location.expect("Location"), "__clerk_handshake_nonce").expect("nonce");

    let anonymous = Api::new(&clerk).with_key(None);
    let unauthenticated = redeem(&anonymous, &nonce).await;
    assert_eq!(unauthenticated.status, 401);
    let wrong_key = Api::new(&clerk).with_key(Some("sk_test_wrong"));
    assert_eq!(redeem(&wrong_key, &nonce).await.status, 401);
    let missing = api.get("/v1/clients/handshake_payload").await;
    assert_eq!(
        (missing.status, missing.body["errors"][0]["code"].as_str()),
        (422, Some("form_param_missing"))
    );
    // Failed attempts do not consume the nonce.
    assert_eq!(redeem(&api, &nonce).await.status, 200);
}

#[actix_rt::test]
async fn handshake_payload_faults_answer_500_or_time_out() {
    let clerk = TestClerk::start().expect("emulator starts");
    let api = Api::new(&clerk);
    let route = "/v1/clients/handshake_payload";
    let faults = clerk.faults();

    faults.fail_next("GET", route, 1, 500);
    let failed = redeem(&api, "any").await;
    assert_eq!(
        (failed.status, failed.body["errors"][0]["code"].as_str()),
        (500, Some("internal_clerk_error"))
    );

    faults.endpoint_latency("GET", route, Some(Duration::from_secs(1)));
    let slow = awc::Client::builder()
        .timeout(Duration::from_millis(200))
        .finish()
        .get(format!("{}{route}?nonce=any", clerk.base_url()))
        .insert_header(("authorization", format!("Bearer {}", clerk.secret_key())))
        .send()
        .await;
    assert!(
        matches!(slow, Err(awc::error::SendRequestError::Timeout)),
        "{slow:?}"
    );
    faults.clear();

    faults.fail_next("GET", "/v1/client/handshake", 1, 503);
    let (status, _, _, _) = browser_get(&format!(
        "{}?redirect_url=http%3A%2F%2F127.0.0.1%3A9%2F",
        clerk.handshake_url()
    ))
    .await;
    assert_eq!(status, 503, "the handshake itself can fail too");
}

#[actix_rt::test]
async fn tokens_signed_by_a_rotated_out_but_served_key_still_find_their_session() {
    let clerk = TestClerk::start().expect("emulator starts");
    let api = Api::new(&clerk);
    let (_, session, old_key_token) = signed_in(&clerk);
    let new_key = clerk.faults().rotate_key().expect("rotated");

    let (_, location, _, _) = browser_get(&handshake_url(
        &clerk,
        &[
            ("redirect_url", "http://127.0.0.1:9/"),
            ("format", "nonce"),
            ("__session", &old_key_token),
        ],
    ))
    .await;
    let nonce = query_param(&location.expect("Location"), "__clerk_handshake_nonce").expect("nonce");
    let directives = strings(&redeem(&api, &nonce).await.body["directives"]);
    let jwt = value_of(&directives, "__session").expect("signed in");
    let (header, claims) = verify(&jwt, &jwks(&clerk).await).expect("verifies");
    assert_eq!(
        header.kid.as_deref(),
        Some(new_key.kid()),
        "minted with the new key"
    );
    assert_eq!(claims["sid"], session.id.as_str());
}
