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
        "\u{7f}".to_owned(),
    ] {
        let Ok(header_value) = actix_web::http::header::HeaderValue::from_str(&value) else {
            continue;
        };
        let req = TestRequest::get()
            .uri("/private")
            .insert_header(("Authorization", header_value))
            .to_request();
        let resp = test::call_service(&app, req).await;
        assert_eq!(
            resp.status(),
            StatusCode::UNAUTHORIZED,
            "{}",
            &value[..value.len().min(20)]
        );
    }
}
