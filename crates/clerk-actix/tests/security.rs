//! Hostile inputs: floods of unknown `kid`s, tokens of other instances.

mod common;

use std::time::Instant;

use actix_web::http::StatusCode;
use actix_web::test::{self, TestRequest};
use clerk_actix::ClerkMiddleware;
use common::*;

#[actix_rt::test]
async fn ten_thousand_random_kids_cause_at_most_one_jwks_fetch_per_cooldown() {
    let fx = Fixture::prod();
    let sdk = fx.sdk();
    let app = test::init_service(app(sdk.clone()).wrap(ClerkMiddleware::new(sdk.clone()))).await;
    let started = Instant::now();
    for i in 0..10_000 {
        let kid = format!("ins_attacker{i:05}");
        let token = fx
            .clerk
            .minter()
            .session_token(&fx.user_id)
            .azp(ORIGIN)
            .header_kid(Some(&kid))
            .mint();
        let req = TestRequest::get()
            .uri("/private")
            .insert_header(("Authorization", format!("Bearer {token}")))
            .to_request();
        let resp = test::call_service(&app, req).await;
        assert_eq!(resp.status(), StatusCode::UNAUTHORIZED);
    }
    let cooldowns = started.elapsed().as_secs() / 10 + 1;
    let fetches = fx.clerk.calls().count("GET", "/v1/jwks");
    assert!(
        fetches <= cooldowns,
        "{fetches} fetches in {:?}",
        started.elapsed()
    );
}

#[actix_rt::test]
async fn another_instances_key_or_issuer_is_refused() {
    let fx = Fixture::prod();
    let other = Fixture::prod();
    let sdk = fx.sdk();
    let app = test::init_service(app(sdk.clone()).wrap(ClerkMiddleware::new(sdk.clone()))).await;
    // A genuine token of another instance (its key, its issuer, its kid).
    let foreign = other.token();
    // Our issuer, signed with another key under our kid.
    let forged = fx
        .clerk
        .minter()
        .session_token(&fx.user_id)
        .azp(ORIGIN)
        .wrong_key()
        .mint();
    // Our key, another instance's issuer.
    let wrong_iss = fx
        .clerk
        .minter()
        .session_token(&fx.user_id)
        .azp(ORIGIN)
        .wrong_issuer()
        .mint();
    for (token, reason) in [
        (foreign, "jwk-kid-mismatch"),
        (forged, "token-invalid-signature"),
        (wrong_iss, "token-invalid-issuer"),
    ] {
        let req = TestRequest::get()
            .uri("/private")
            .insert_header(("Authorization", format!("Bearer {token}")))
            .to_request();
        let resp = test::call_service(&app, req).await;
        assert_eq!(resp.status(), StatusCode::UNAUTHORIZED);
        assert_eq!(header(&resp, "x-clerk-auth-reason").as_deref(), Some(reason));
    }
}

#[actix_rt::test]
async fn mixed_case_schemes_and_garbage_never_sign_in() {
    let fx = Fixture::prod();
    let sdk = fx.sdk();
    let app = test::init_service(app(sdk.clone()).wrap(ClerkMiddleware::new(sdk.clone()))).await;
    let token = fx.token();
    for value in [
        format!("BEARER {token}"),
        format!("BeArEr {token}"),
        format!("Token {token}"),
        format!("Bearer {token}x"),
        format!("Bearer {}", &token[..token.len() - 3]),
        "Bearer ".repeat(50),
    ]
    .map(String::into_bytes)
    .into_iter()
    // Bytes an HTTP parser passes on but that are not text: obs-text after the scheme, alone.
    .chain([b"Bearer \xff\xfe".to_vec(), b"\x80".to_vec()])
    {
        // Every value is one a client can send: none is skipped.
        let header_value =
            actix_web::http::header::HeaderValue::from_bytes(&value).expect("a valid header value");
        let req = TestRequest::get()
            .uri("/private")
            .insert_header(("Authorization", header_value))
            .to_request();
        let resp = test::call_service(&app, req).await;
        assert_eq!(
            resp.status(),
            StatusCode::UNAUTHORIZED,
            "{}",
            String::from_utf8_lossy(&value[..value.len().min(20)])
        );
    }
}

const BASE64URL: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

// Issue 10, item 4: an M2M JWT with `==` appended was not recognised as a machine token and,
// without authorized parties, signed in as `user_id = "mch_…"`.
#[actix_rt::test]
async fn an_m2m_jwt_never_signs_in_as_a_user_whatever_its_spelling() {
    let fx = Fixture::prod();
    // No authorized parties: the configuration in which a token without `azp` may sign in.
    let sdk = clerk_actix::ClerkConfig::new()
        .secret_key(fx.clerk.secret_key())
        .publishable_key(fx.clerk.publishable_key())
        .api_url(fx.clerk.base_url())
        .build()
        .expect("valid configuration");
    let app = test::init_service(app(sdk.clone()).wrap(ClerkMiddleware::new(sdk.clone()))).await;
    // An M2M-style JWT signed with the instance's key: a machine subject, no `cat`, no `azp`.
    let m2m = fx
        .clerk
        .minter()
        .session_token("mch_2zMachineParityTest000000")
        .header_cat(None)
        .mint();
    let oauth = fx
        .clerk
        .minter()
        .session_token(&fx.user_id)
        .header_typ(Some("at+jwt"))
        .mint();
    for (token, reason) in [
        (m2m.clone(), "token-type-mismatch"),
        (format!("{m2m}=="), "token-invalid"),
        (format!("{m2m}="), "token-invalid"),
        (oauth.clone(), "token-type-mismatch"),
        (format!("{oauth}=="), "token-invalid"),
    ] {
        let req = TestRequest::get()
            .uri("/private")
            .insert_header(("Authorization", format!("Bearer {token}")))
            .to_request();
        let resp = test::call_service(&app, req).await;
        assert_eq!(
            resp.status(),
            StatusCode::UNAUTHORIZED,
            "{}",
            &token[token.len() - 4..]
        );
        assert_eq!(header(&resp, "x-clerk-auth-reason").as_deref(), Some(reason));
    }
}

// Issue 10, item 4: one token must not fill the verified-token cache under many spellings.
#[actix_rt::test]
async fn a_token_signs_in_under_its_canonical_spelling_only() {
    let fx = Fixture::prod();
    let sdk = fx.sdk();
    let app = test::init_service(app(sdk.clone()).wrap(ClerkMiddleware::new(sdk.clone()))).await;
    let token = fx.token();
    // An RS256 signature is 256 bytes: 342 characters whose last one carries 4 unused bits.
    let (body, last) = token.split_at(token.len() - 1);
    let value = BASE64URL
        .iter()
        .position(|&c| c == last.as_bytes()[0])
        .expect("base64url");
    let mut spellings = Vec::new();
    for unused in 0..16 {
        let char = BASE64URL[(value & !0b1111) | unused] as char;
        for padding in ["", "=", "=="] {
            spellings.push(format!("{body}{char}{padding}"));
        }
    }
    assert_eq!(spellings.len(), 48);
    assert!(spellings.contains(&token));
    let mut signed_in = Vec::new();
    for spelling in &spellings {
        let req = TestRequest::get()
            .uri("/private")
            .insert_header(("Authorization", format!("Bearer {spelling}")))
            .to_request();
        let resp = test::call_service(&app, req).await;
        if resp.status() == StatusCode::OK {
            signed_in.push(spelling.clone());
        } else {
            assert_eq!(
                header(&resp, "x-clerk-auth-reason").as_deref(),
                Some("token-invalid")
            );
        }
    }
    assert_eq!(signed_in.len(), 1, "{} spellings signed in", signed_in.len());
    assert_eq!(signed_in[0], token);
    assert_eq!(sdk.stats().verified_tokens, 1);
}

/// Fails when `text` carries `token` or its payload or signature on their own.
fn assert_no_token(text: &str, token: &str) {
    assert!(!text.contains(token), "a token in: {text}");
    for part in token.split('.').skip(1) {
        assert!(!text.contains(part), "part of a token in: {text}");
    }
}

fn bearer_request(sdk: &clerk_actix::Clerk, token: &str) -> actix_web::HttpRequest {
    TestRequest::get()
        .uri("/private")
        .app_data(actix_web::web::Data::new(sdk.clone()))
        .insert_header(("Authorization", format!("Bearer {token}")))
        .to_http_request()
}

/// Issue 10, item 3: `Debug` of every type holding a session prints the token as its length only.
#[actix_rt::test]
async fn debug_of_a_signed_in_session_prints_no_token() {
    use actix_web::FromRequest as _;
    use clerk_actix::{Authenticated, ClerkAuth, CurrentUser, MaybeAuth};

    // Arrange: a real RS256 token, verified against the emulator's JWKS.
    let fx = Fixture::prod();
    let sdk = fx.sdk();
    let token = fx.token();
    let req = bearer_request(&sdk, &token);

    // Act
    let auth = ClerkAuth::extract(&req).await.expect("auth");
    let authenticated = Authenticated::extract(&req).await.expect("signed in");
    let maybe = MaybeAuth::extract(&req).await.expect("signed in");
    let user = CurrentUser::extract(&req).await.expect("user");

    // Assert: the token is there for handlers (`getToken()`), never in `Debug`.
    assert_eq!(auth.token(), Some(token.as_str()));
    let printed = [
        format!("{auth:?}"),
        format!("{:?}", auth.outcome()),
        format!("{:?}", auth.auth()),
        format!("{authenticated:?}"),
        format!("{maybe:?}"),
        format!("{user:?}"),
    ];
    for text in &printed {
        assert_no_token(text, &token);
    }
    let length = format!("Token(…len {})", token.len());
    assert!(printed[0].contains(&length), "{}", printed[0]);
    assert!(printed[0].contains(&fx.user_id), "{}", printed[0]);
    assert!(!printed[5].contains("ada@example.com"), "{}", printed[5]);
}

/// Issue 10, item 3: a pending session is signed in at the request level but signed out for
/// handlers, so neither its state nor the 401 it causes exposes the token.
#[actix_rt::test]
async fn a_pending_session_exposes_no_token_through_state_or_errors() {
    use actix_web::FromRequest as _;
    use clerk_actix::{request::RequestStatus, Authenticated, ClerkAuth, MaybeAuth};

    let fx = Fixture::prod();
    let sdk = fx.sdk();
    let pending = fx
        .clerk
        .minter()
        .session_token(&fx.user_id)
        .azp(ORIGIN)
        .status(Some("pending"))
        .mint();
    let req = bearer_request(&sdk, &pending);

    let auth = ClerkAuth::extract(&req).await.expect("auth");
    let rejected = Authenticated::extract(&req)
        .await
        .expect_err("pending is signed out");
    let maybe = MaybeAuth::extract(&req).await.expect_err("a token is present");

    for text in [
        format!("{rejected}"),
        format!("{:?}", actix_web::Error::from(rejected)),
        format!("{maybe:?}"),
        format!("{maybe}"),
        format!("{auth:?}"),
    ] {
        assert_no_token(&text, &pending);
    }
    assert_eq!(auth.outcome().status(), RequestStatus::SignedIn);
    assert!(!auth.is_authenticated());
    assert_eq!(
        auth.token(),
        None,
        "handlers see no token for a signed-out session"
    );
    assert_eq!(auth.outcome().token(), None);
}

/// Issue 10, item 3: the sign-in redirect does not carry Clerk's handshake or dev-browser tokens
/// on in its `redirect_url`; the page's own query parameters stay.
#[actix_rt::test]
async fn the_sign_in_redirect_drops_clerks_credential_parameters() {
    let fx = Fixture::prod();
    let sdk = fx.sdk();
    let app = test::init_service(app(sdk.clone()).wrap(ClerkMiddleware::new(sdk.clone()))).await;
    let handshake = fx.token();
    let req = TestRequest::get()
        .uri(&format!(
            "/page?x=1&__clerk_handshake={handshake}&__clerk_db_jwt=dvb_secret&__clerk_handshake_nonce=n_1&y=2"
        ))
        .insert_header(("Host", "app.example.com"))
        .insert_header(("Sec-Fetch-Dest", "document"))
        .to_request();

    let resp = test::call_service(&app, req).await;

    assert_eq!(resp.status(), StatusCode::TEMPORARY_REDIRECT);
    let location = header(&resp, "location").unwrap_or_default();
    assert_no_token(&location, &handshake);
    assert!(
        !location.contains("dvb_secret") && !location.contains("n_1"),
        "{location}"
    );
    assert!(
        location.contains("redirect_url=http%3A%2F%2Fapp.example.com%2Fpage%3Fx%3D1%26y%3D2"),
        "{location}"
    );
}
