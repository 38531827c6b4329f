//! Middleware, token sources, extractors, guards, protect and debug headers against the offline
//! Clerk on loopback.

mod common;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use std::error::Error as _;

use actix_web::dev::Payload;
use actix_web::http::StatusCode;
use actix_web::test::{self, TestRequest};
use actix_web::{web, App, FromRequest as _, HttpResponse};
use clerk_actix::{client::ApiError, guards, AuthError, ClerkMiddleware, CurrentUser};
use clerk_core::Check;
use clerk_testkit::instance::OrgClaim;
use common::*;

macro_rules! service {
    ($clerk:expr) => {
        test::init_service(app($clerk.clone()).wrap(ClerkMiddleware::new($clerk.clone()))).await
    };
}

#[actix_rt::test]
async fn bearer_token_signs_in_and_adds_no_debug_headers() {
    let fx = Fixture::dev();
    let sdk = fx.sdk();
    let app = service!(sdk);
    let req = TestRequest::get()
        .uri("/auth")
        .insert_header(("Authorization", format!("Bearer {}", fx.token())))
        .to_request();
    let resp = test::call_service(&app, req).await;
    assert_eq!(resp.status(), StatusCode::OK);
    assert_eq!(header(&resp, "x-clerk-auth-status"), None);
    assert_eq!(header(&resp, "x-clerk-auth-reason"), None);
    let body = body_json(resp).await;
    assert_eq!(body["signedIn"], true);
    assert_eq!(body["userId"], fx.user_id.as_str());
}

#[actix_rt::test]
async fn a_bare_token_without_scheme_is_accepted() {
    let fx = Fixture::dev();
    let sdk = fx.sdk();
    let app = service!(sdk);
    let req = TestRequest::get()
        .uri("/auth")
        .insert_header(("Authorization", fx.token()))
        .to_request();
    let body = body_json(test::call_service(&app, req).await).await;
    assert_eq!(body["signedIn"], true);
}

#[actix_rt::test]
async fn the_header_wins_over_a_valid_cookie_even_when_invalid() {
    let fx = Fixture::prod();
    let sdk = fx.sdk();
    let app = service!(sdk);
    let token = fx.token();
    let req = TestRequest::get()
        .uri("/auth")
        .insert_header(("Authorization", "Bearer abc"))
        .insert_header(("Cookie", format!("__session={token}; __client_uat=1")))
        .to_request();
    let resp = test::call_service(&app, req).await;
    assert_eq!(
        header(&resp, "x-clerk-auth-status").as_deref(),
        Some("signed-out")
    );
    assert_eq!(
        header(&resp, "x-clerk-auth-reason").as_deref(),
        Some("token-invalid")
    );
    assert_eq!(
        header(&resp, "x-clerk-auth-message").as_deref(),
        Some("Invalid JWT form. A JWT consists of three parts separated by dots. (reason=token-invalid, token-carrier=header)")
    );
}

#[actix_rt::test]
async fn lowercase_bearer_falls_through_to_the_cookie() {
    let fx = Fixture::prod();
    let sdk = fx.sdk();
    let app = service!(sdk);
    let token = fx.token();
    let req = TestRequest::get()
        .uri("/auth")
        .insert_header(("Authorization", "bearer whatever"))
        .insert_header(("Cookie", format!("__session={token}; __client_uat=1")))
        .to_request();
    let body = body_json(test::call_service(&app, req).await).await;
    assert_eq!(body["signedIn"], true, "{body}");
}

#[actix_rt::test]
async fn cookie_rules_follow_client_uat() {
    let fx = Fixture::prod();
    let sdk = fx.sdk();
    let app = service!(sdk);
    let token = fx.token();
    let cases = [
        ("".to_owned(), "session-token-and-uat-missing"),
        (format!("__session={token}"), "session-token-but-no-client-uat"),
        (
            format!("__session={token}; __client_uat=0"),
            "session-token-but-no-client-uat",
        ),
        (
            "__client_uat=1700000000".to_owned(),
            "client-uat-but-no-session-token",
        ),
        (
            format!("__session={token}; __client_uat=9999999999"),
            "session-token-iat-before-client-uat",
        ),
        ("__session=not.a.jwt; __client_uat=1".to_owned(), "token-invalid"),
    ];
    for (cookie, reason) in cases {
        let mut req = TestRequest::get().uri("/auth");
        if !cookie.is_empty() {
            req = req.insert_header(("Cookie", cookie.clone()));
        }
        let resp = test::call_service(&app, req.to_request()).await;
        assert_eq!(
            header(&resp, "x-clerk-auth-reason").as_deref(),
            Some(reason),
            "{cookie}"
        );
        assert_eq!(
            header(&resp, "x-clerk-auth-status").as_deref(),
            Some("signed-out")
        );
    }
    let req = TestRequest::get()
        .uri("/auth")
        .insert_header(("Cookie", format!("__client_uat=1; __session={token}")))
        .to_request();
    let body = body_json(test::call_service(&app, req).await).await;
    assert_eq!(body["signedIn"], true);
}

#[actix_rt::test]
async fn development_cookies_need_the_dev_browser() {
    let fx = Fixture::dev();
    let sdk = fx.sdk();
    let app = service!(sdk);
    let token = fx.token();
    // No credential at all on a development instance: Clerk says dev-browser-missing.
    let resp = test::call_service(&app, TestRequest::get().uri("/auth").to_request()).await;
    assert_eq!(
        header(&resp, "x-clerk-auth-reason").as_deref(),
        Some("dev-browser-missing")
    );
    let req = TestRequest::get()
        .uri("/auth")
        .insert_header(("Cookie", format!("__session={token}; __client_uat=1")))
        .to_request();
    let resp = test::call_service(&app, req).await;
    assert_eq!(
        header(&resp, "x-clerk-auth-reason").as_deref(),
        Some("dev-browser-missing")
    );
    let req = TestRequest::get()
        .uri("/auth")
        .insert_header((
            "Cookie",
            format!("__session={token}; __client_uat=1; __clerk_db_jwt=dvb_1"),
        ))
        .to_request();
    let body = body_json(test::call_service(&app, req).await).await;
    assert_eq!(body["signedIn"], true, "{body}");
    let req = TestRequest::get().uri("/auth?__clerk_db_jwt=dvb_1").to_request();
    let resp = test::call_service(&app, req).await;
    assert_eq!(
        header(&resp, "x-clerk-auth-reason").as_deref(),
        Some("dev-browser-sync")
    );
}

#[actix_rt::test]
async fn suffixed_cookies_are_used_when_the_unsuffixed_belong_to_another_instance() {
    let fx = Fixture::prod();
    let sdk = fx.sdk();
    let app = service!(sdk);
    let suffix = sdk.cookie_suffix().unwrap().to_owned();
    let ours = fx.token();
    let foreign = fx.clerk.minter().session_token(&fx.user_id).wrong_issuer().mint();
    let req = TestRequest::get()
        .uri("/auth")
        .insert_header((
            "Cookie",
            format!(
                "__session={foreign}; __client_uat=1; __session_{suffix}={ours}; __client_uat_{suffix}=1"
            ),
        ))
        .to_request();
    let body = body_json(test::call_service(&app, req).await).await;
    assert_eq!(body["signedIn"], true, "{body}");
}

#[actix_rt::test]
async fn verifier_reasons_become_request_level_reasons() {
    let fx = Fixture::prod();
    let sdk = fx.sdk();
    let app = service!(sdk);
    let minter = fx.clerk.minter();
    let user = fx.user_id.as_str();
    let cases = [
        (
            minter.session_token(user).azp(ORIGIN).expired().mint(),
            "GET",
            "session-token-expired-refresh-non-eligible-no-refresh-cookie",
        ),
        (
            minter.session_token(user).azp(ORIGIN).expired().mint(),
            "POST",
            "session-token-expired-refresh-non-eligible-non-get",
        ),
        (
            minter.session_token(user).azp(ORIGIN).not_yet_valid().mint(),
            "GET",
            "session-token-nbf",
        ),
        (
            minter.session_token(user).azp(ORIGIN).issued_in_future().mint(),
            "GET",
            "session-token-iat-in-the-future",
        ),
        (
            minter.session_token(user).azp(ORIGIN).wrong_key().mint(),
            "GET",
            "token-invalid-signature",
        ),
        (
            minter.session_token(user).azp(ORIGIN).wrong_issuer().mint(),
            "GET",
            "token-invalid-issuer",
        ),
        (
            minter.session_token(user).azp("https://evil.example").mint(),
            "GET",
            "token-invalid-authorized-parties",
        ),
        (
            minter
                .session_token(user)
                .azp(ORIGIN)
                .header_cat(Some("cl_B7d4PD222AAA"))
                .mint(),
            "GET",
            "token-type-mismatch",
        ),
        (
            minter.session_token(user).azp(ORIGIN).header_alg("HS256").mint(),
            "GET",
            "token-invalid-algorithm",
        ),
        (
            minter.session_token(user).azp(ORIGIN).tampered().mint(),
            "GET",
            "token-invalid-signature",
        ),
    ];
    for (token, method, reason) in cases {
        let req = TestRequest::default()
            .method(method.parse().unwrap())
            .uri("/private")
            .insert_header(("Authorization", format!("Bearer {token}")))
            .to_request();
        let resp = test::call_service(&app, req).await;
        assert_eq!(resp.status(), StatusCode::UNAUTHORIZED, "{reason}");
        assert_eq!(header(&resp, "x-clerk-auth-reason").as_deref(), Some(reason));
        assert_eq!(
            header(&resp, "x-clerk-auth-status").as_deref(),
            Some("signed-out")
        );
        let www = header(&resp, "www-authenticate").unwrap();
        assert!(www.starts_with("Bearer"), "{www}");
        if reason == "token-type-mismatch" {
            assert_eq!(
                header(&resp, "x-clerk-auth-message"),
                None,
                "Clerk sends no message here"
            );
        } else {
            let message = header(&resp, "x-clerk-auth-message").unwrap();
            assert!(message.ends_with("token-carrier=header)"), "{message}");
        }
        let body = body_json(resp).await.to_string();
        assert!(!body.contains(&token[..20]), "the token never appears in a body");
        assert!(!body.contains("reason="), "bodies carry no internals: {body}");
    }
}

#[actix_rt::test]
async fn unusable_authorization_headers_are_401_never_500() {
    let fx = Fixture::prod();
    let sdk = fx.sdk();
    let app = service!(sdk);
    let non_ascii = actix_web::http::header::HeaderValue::from_bytes(b"Bearer \xe2\x82\xac\xff").unwrap();
    let req = TestRequest::get()
        .uri("/private")
        .insert_header(("Authorization", non_ascii))
        .to_request();
    let resp = test::call_service(&app, req).await;
    assert_eq!(resp.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(
        header(&resp, "x-clerk-auth-reason").as_deref(),
        Some("token-invalid")
    );
    let huge = format!("Bearer {}.{}.{}", "a".repeat(6000), "b".repeat(3000), "c");
    let req = TestRequest::get()
        .uri("/private")
        .insert_header(("Authorization", huge))
        .to_request();
    let resp = test::call_service(&app, req).await;
    assert_eq!(resp.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(
        header(&resp, "x-clerk-auth-reason").as_deref(),
        Some("token-invalid")
    );
}

#[actix_rt::test]
async fn authenticated_rejects_with_bearer_challenge() {
    let fx = Fixture::prod();
    let sdk = fx.sdk();
    let app = service!(sdk);
    let resp = test::call_service(&app, TestRequest::get().uri("/private").to_request()).await;
    assert_eq!(resp.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(header(&resp, "www-authenticate").as_deref(), Some("Bearer"));
    let body = body_json(resp).await;
    assert_eq!(body["errors"][0]["code"], "unauthenticated");
    let req = TestRequest::get()
        .uri("/private")
        .insert_header(("Authorization", format!("Bearer {}", fx.token())))
        .to_request();
    let body = body_json(test::call_service(&app, req).await).await;
    assert_eq!(body["userId"], fx.user_id.as_str());
}

#[actix_rt::test]
async fn maybe_auth_is_absent_only_without_a_credential() {
    let fx = Fixture::prod();
    let sdk = fx.sdk();
    let app = service!(sdk);
    let resp = test::call_service(&app, TestRequest::get().uri("/maybe").to_request()).await;
    assert_eq!(resp.status(), StatusCode::OK);
    assert_eq!(body_json(resp).await["userId"], serde_json::Value::Null);
    let req = TestRequest::get()
        .uri("/maybe")
        .insert_header(("Authorization", "Bearer x.y.z"))
        .to_request();
    assert_eq!(
        test::call_service(&app, req).await.status(),
        StatusCode::UNAUTHORIZED
    );
    let req = TestRequest::get()
        .uri("/maybe")
        .insert_header(("Authorization", format!("Bearer {}", fx.token())))
        .to_request();
    assert_eq!(
        body_json(test::call_service(&app, req).await).await["userId"],
        fx.user_id.as_str()
    );
}

#[actix_rt::test]
async fn current_user_comes_from_the_backend_api_once_per_request() {
    let fx = Fixture::prod();
    let sdk = fx.sdk();
    let app = service!(sdk);
    let req = TestRequest::get()
        .uri("/me")
        .insert_header(("Authorization", format!("Bearer {}", fx.token())))
        .to_request();
    let resp = test::call_service(&app, req).await;
    assert_eq!(resp.status(), StatusCode::OK);
    let body = body_json(resp).await;
    assert_eq!(body["id"], fx.user_id.as_str());
    assert!(!body.to_string().contains("private_metadata"));
    assert_eq!(
        fx.clerk.calls().count("GET", "/v1/users/{user_id}"),
        1,
        "two extractors, one call"
    );
    // A deleted user is a 404, an unreachable API a 503.
    fx.clerk.users().delete(&fx.user_id).unwrap();
    let req = TestRequest::get()
        .uri("/me")
        .insert_header(("Authorization", format!("Bearer {}", fx.token())))
        .to_request();
    assert_eq!(
        test::call_service(&app, req).await.status(),
        StatusCode::NOT_FOUND
    );
    let signed_out = test::call_service(&app, TestRequest::get().uri("/me").to_request()).await;
    assert_eq!(signed_out.status(), StatusCode::UNAUTHORIZED);
}

#[actix_rt::test]
async fn extractors_work_without_the_middleware_and_authenticate_once() {
    let fx = Fixture::prod();
    let clock_calls = Arc::new(AtomicUsize::new(0));
    let counter = Arc::clone(&clock_calls);
    let sdk = fx
        .config()
        .clock(move || {
            counter.fetch_add(1, Ordering::SeqCst);
            std::time::SystemTime::now()
        })
        .build()
        .unwrap();
    let app = test::init_service(app(sdk)).await;
    let req = TestRequest::get()
        .uri("/me")
        .insert_header(("Authorization", format!("Bearer {}", fx.token())))
        .to_request();
    let resp = test::call_service(&app, req).await;
    assert_eq!(resp.status(), StatusCode::OK);
    assert_eq!(
        clock_calls.load(Ordering::SeqCst),
        1,
        "two CurrentUser extractors, one verification"
    );
}

#[actix_rt::test]
async fn a_missing_configuration_is_a_500_not_a_panic() {
    let app = test::init_service(actix_web::App::new().route(
        "/",
        actix_web::web::get().to(|_: clerk_actix::ClerkAuth| async { "hi" }),
    ))
    .await;
    let resp = test::call_service(&app, TestRequest::get().uri("/").to_request()).await;
    assert_eq!(resp.status(), StatusCode::INTERNAL_SERVER_ERROR);
    let body = body_json(resp).await;
    assert_eq!(body["errors"][0]["code"], "internal_error");
}

#[actix_rt::test]
async fn guards_route_on_role() {
    let fx = Fixture::prod();
    let sdk = fx.sdk();
    let app = service!(sdk);
    let admin = fx
        .clerk
        .minter()
        .session_token(&fx.user_id)
        .azp(ORIGIN)
        .org(OrgClaim::new("org_1").role("admin"))
        .mint();
    let req = TestRequest::get()
        .uri("/guarded")
        .insert_header(("Authorization", format!("Bearer {admin}")))
        .to_request();
    assert_eq!(
        test::read_body(test::call_service(&app, req).await).await,
        "admin"
    );
    let req = TestRequest::get()
        .uri("/guarded")
        .insert_header(("Authorization", format!("Bearer {}", fx.token())))
        .to_request();
    assert_eq!(
        test::read_body(test::call_service(&app, req).await).await,
        "everyone else"
    );
}

#[actix_rt::test]
async fn protect_modes_answer_as_chosen() {
    let fx = Fixture::prod();
    let sdk = fx.sdk();
    let app = service!(sdk);
    let bearer = |token: &str| ("Authorization", format!("Bearer {token}"));
    // API mode: 401 signed out, 403 signed in without the role, 200 with it.
    let resp = test::call_service(&app, TestRequest::get().uri("/admin").to_request()).await;
    assert_eq!(resp.status(), StatusCode::UNAUTHORIZED);
    let resp = test::call_service(
        &app,
        TestRequest::get()
            .uri("/admin")
            .insert_header(bearer(&fx.token()))
            .to_request(),
    )
    .await;
    assert_eq!(resp.status(), StatusCode::FORBIDDEN);
    let admin = fx
        .clerk
        .minter()
        .session_token(&fx.user_id)
        .azp(ORIGIN)
        .org(OrgClaim::new("org_1").role("admin"))
        .mint();
    let resp = test::call_service(
        &app,
        TestRequest::get()
            .uri("/admin")
            .insert_header(bearer(&admin))
            .to_request(),
    )
    .await;
    assert_eq!(resp.status(), StatusCode::OK);

    // Next.js parity: 404 for API requests, signed out or unauthorised.
    let resp = test::call_service(&app, TestRequest::get().uri("/parity").to_request()).await;
    assert_eq!(resp.status(), StatusCode::NOT_FOUND);
    assert_eq!(
        header(&resp, "x-clerk-auth-reason").as_deref(),
        Some("protect-rewrite")
    );
    let resp = test::call_service(
        &app,
        TestRequest::get()
            .uri("/parity")
            .insert_header(bearer(&fx.token()))
            .to_request(),
    )
    .await;
    assert_eq!(resp.status(), StatusCode::NOT_FOUND);

    // Redirect mode: a signed-out page request goes to sign in with redirect_url.
    let req = TestRequest::get()
        .uri("/page?x=1")
        .insert_header(("Host", "app.example.com"))
        .insert_header(("Sec-Fetch-Dest", "document"))
        .to_request();
    let resp = test::call_service(&app, req).await;
    assert_eq!(resp.status(), StatusCode::TEMPORARY_REDIRECT);
    let location = header(&resp, "location").unwrap();
    assert!(location.starts_with("https://accounts."), "{location}");
    assert!(
        location.contains("redirect_url=http%3A%2F%2Fapp.example.com%2Fpage%3Fx%3D1"),
        "{location}"
    );
    // …while an API call to the same route gets a 401.
    let resp = test::call_service(&app, TestRequest::get().uri("/page").to_request()).await;
    assert_eq!(resp.status(), StatusCode::UNAUTHORIZED);
}

#[actix_rt::test]
async fn failed_reverification_answers_clerks_body() {
    let fx = Fixture::prod();
    let sdk = fx.sdk();
    let app = service!(sdk);
    let stale = fx
        .clerk
        .minter()
        .session_token(&fx.user_id)
        .azp(ORIGIN)
        .fva(Some((30, 30)))
        .mint();
    let req = TestRequest::get()
        .uri("/sensitive")
        .insert_header(("Authorization", format!("Bearer {stale}")))
        .to_request();
    let resp = test::call_service(&app, req).await;
    assert_eq!(resp.status(), StatusCode::FORBIDDEN);
    assert_eq!(
        body_json(resp).await,
        serde_json::json!({"clerk_error":{"type":"forbidden","reason":"reverification-error","metadata":{"reverification":"strict"}}})
    );
    let fresh = fx
        .clerk
        .minter()
        .session_token(&fx.user_id)
        .azp(ORIGIN)
        .fva(Some((1, 1)))
        .mint();
    let req = TestRequest::get()
        .uri("/sensitive")
        .insert_header(("Authorization", format!("Bearer {fresh}")))
        .to_request();
    assert_eq!(test::call_service(&app, req).await.status(), StatusCode::OK);
}

#[actix_rt::test]
async fn pending_sessions_are_signed_in_at_request_level_but_not_for_handlers() {
    let fx = Fixture::prod();
    let sdk = fx.sdk();
    let app = service!(sdk);
    let pending = fx
        .clerk
        .minter()
        .session_token(&fx.user_id)
        .azp(ORIGIN)
        .status(Some("pending"))
        .mint();
    let req = TestRequest::get()
        .uri("/auth")
        .insert_header(("Authorization", format!("Bearer {pending}")))
        .to_request();
    let resp = test::call_service(&app, req).await;
    assert_eq!(
        header(&resp, "x-clerk-auth-status"),
        None,
        "signed-in at request level: no debug headers"
    );
    let body = body_json(resp).await;
    assert_eq!(body["signedIn"], false);
    assert_eq!(body["status"], "signed-in");
}

#[actix_rt::test]
async fn props_embed_the_public_user_safely() {
    let fx = Fixture::prod();
    fx.clerk
        .users()
        .update_metadata(
            &fx.user_id,
            clerk_testkit::store::MetadataPatch {
                private_metadata: serde_json::json!({"ssn": "SECRET-123"}).as_object().cloned(),
                ..Default::default()
            },
        )
        .unwrap();
    let sdk = fx.sdk();
    let app = service!(sdk);
    let req = TestRequest::get()
        .uri("/props")
        .insert_header(("Authorization", format!("Bearer {}", fx.token())))
        .to_request();
    let body = String::from_utf8(
        test::read_body(test::call_service(&app, req).await)
            .await
            .to_vec(),
    )
    .unwrap();
    assert!(body.contains(&fx.user_id));
    assert!(
        !body.contains("SECRET-123") && !body.contains("private_metadata"),
        "{body}"
    );
    assert_eq!(body.matches("</script>").count(), 1);
}

// Issue 10, item 7: `CurrentUser` dereferences to the full `User`, so a handler that returns
// it as JSON (or logs it with `?`) must still leak neither private metadata nor, in `Debug`,
// the email address.
#[actix_rt::test]
async fn the_full_current_user_serializes_without_private_metadata() {
    let fx = Fixture::prod();
    fx.clerk
        .users()
        .update_metadata(
            &fx.user_id,
            clerk_testkit::store::MetadataPatch {
                private_metadata: serde_json::json!({"ssn": "SECRET-123"}).as_object().cloned(),
                ..Default::default()
            },
        )
        .unwrap();
    let sdk = fx.sdk();
    let app = test::init_service(
        actix_web::App::new()
            .app_data(actix_web::web::Data::new(sdk.clone()))
            .wrap(ClerkMiddleware::new(sdk.clone()))
            .route(
                "/me/full",
                actix_web::web::get().to(|user: clerk_actix::CurrentUser| async move {
                    // The server itself still reads it.
                    assert_eq!(user.private_metadata().unwrap()["ssn"], "SECRET-123");
                    actix_web::HttpResponse::Ok()
                        .insert_header(("x-debug", format!("{user:?}")))
                        .json(&*user)
                }),
            ),
    )
    .await;
    let req = TestRequest::get()
        .uri("/me/full")
        .insert_header(("Authorization", format!("Bearer {}", fx.token())))
        .to_request();
    let resp = test::call_service(&app, req).await;
    assert_eq!(resp.status(), StatusCode::OK);
    let debug = header(&resp, "x-debug").unwrap();
    let body = body_json(resp).await;
    assert_eq!(body["id"], fx.user_id.as_str());
    assert_eq!(body["email_addresses"][0]["email_address"], "ada@example.com");
    assert!(body.get("private_metadata").is_none(), "{body}");
    assert!(!body.to_string().contains("SECRET-123"), "{body}");
    assert!(
        !debug.contains("SECRET-123") && !debug.contains("ada@example.com"),
        "{debug}"
    );
}

/// A clock the test moves by hand (starting at the real now).
fn manual_clock() -> (
    Arc<std::sync::atomic::AtomicU64>,
    impl Fn() -> std::time::SystemTime + Send + Sync,
) {
    let start = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis() as u64;
    let now = Arc::new(std::sync::atomic::AtomicU64::new(start));
    let reader = Arc::clone(&now);
    (now, move || {
        std::time::UNIX_EPOCH + std::time::Duration::from_millis(reader.load(Ordering::SeqCst))
    })
}

#[actix_rt::test]
async fn a_reused_token_is_verified_once_but_its_expiry_still_counts() {
    let fx = Fixture::prod();
    let (now, clock) = manual_clock();
    let sdk = fx.config().clock(clock).build().unwrap();
    let app = test::init_service(app(sdk.clone()).wrap(ClerkMiddleware::new(sdk.clone()))).await;
    let token = fx.token();
    for _ in 0..3 {
        let req = TestRequest::get()
            .uri("/private")
            .insert_header(("Authorization", format!("Bearer {token}")))
            .to_request();
        assert_eq!(test::call_service(&app, req).await.status(), StatusCode::OK);
    }
    assert_eq!(sdk.stats().verified_tokens, 1);
    now.fetch_add(120_000, Ordering::SeqCst);
    let req = TestRequest::get()
        .uri("/private")
        .insert_header(("Authorization", format!("Bearer {token}")))
        .to_request();
    let resp = test::call_service(&app, req).await;
    assert_eq!(resp.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(
        header(&resp, "x-clerk-auth-reason").as_deref(),
        Some("session-token-expired-refresh-non-eligible-no-refresh-cookie")
    );
    assert_eq!(
        sdk.stats().verified_tokens,
        0,
        "an expired token leaves the cache"
    );
}

#[actix_rt::test]
async fn a_retired_key_evicts_the_tokens_it_verified() {
    let fx = Fixture::prod();
    let (now, clock) = manual_clock();
    let sdk = fx.config().clock(clock).build().unwrap();
    let app = test::init_service(app(sdk.clone()).wrap(ClerkMiddleware::new(sdk.clone()))).await;
    let old = fx.token();
    let call = |token: String| {
        TestRequest::get()
            .uri("/private")
            .insert_header(("Authorization", format!("Bearer {token}")))
            .to_request()
    };
    assert_eq!(
        test::call_service(&app, call(old.clone())).await.status(),
        StatusCode::OK
    );
    // Clerk rotates: a new key signs, the old one is retired from the JWKS.
    let old_kid = fx.clerk.instance().kid().to_owned();
    fx.clerk.faults().rotate_key().unwrap();
    assert!(fx.clerk.faults().retire_key(&old_kid));
    now.fetch_add(11_000, Ordering::SeqCst); // past the refetch cooldown
    let new = fx.token();
    assert_eq!(test::call_service(&app, call(new)).await.status(), StatusCode::OK);
    let resp = test::call_service(&app, call(old)).await;
    assert_eq!(resp.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(
        header(&resp, "x-clerk-auth-reason").as_deref(),
        Some("jwk-kid-mismatch")
    );
}

/// Issue 11 item 9: `guards::has` routes on every part of one Clerk check (a role and a plan
/// here), and without the middleware it fails closed.
#[actix_rt::test]
async fn guards_has_routes_on_every_part_of_a_check() {
    let fx = Fixture::prod();
    let sdk = fx.sdk();
    let routes = || {
        App::new()
            .service(
                web::resource("/reports")
                    .guard(guards::has(Check::new().role("admin").plan("pro")))
                    .to(|| async { HttpResponse::Ok().body("pro admin") }),
            )
            .default_service(web::to(|| async { HttpResponse::NotFound().body("no route") }))
    };
    let app = test::init_service(routes().wrap(ClerkMiddleware::new(sdk.clone()))).await;
    let token = |role: &str, plan: &str| {
        fx.clerk
            .minter()
            .session_token(&fx.user_id)
            .azp(ORIGIN)
            .org(OrgClaim::new("org_1").role(role))
            .plan(plan)
            .mint()
    };
    let get = |token: String| {
        TestRequest::get()
            .uri("/reports")
            .insert_header(("Authorization", format!("Bearer {token}")))
            .to_request()
    };

    let pro_admin = test::call_service(&app, get(token("admin", "o:pro"))).await;
    let free_admin = test::call_service(&app, get(token("admin", "o:free"))).await;
    let pro_member = test::call_service(&app, get(token("member", "o:pro"))).await;

    assert_eq!(test::read_body(pro_admin).await, "pro admin");
    assert_eq!(test::read_body(free_admin).await, "no route");
    assert_eq!(test::read_body(pro_member).await, "no route");
    let without_middleware = test::init_service(routes().app_data(web::Data::new(sdk))).await;
    let resp = test::call_service(&without_middleware, get(token("admin", "o:pro"))).await;
    assert_eq!(
        test::read_body(resp).await,
        "no route",
        "guards read only what the middleware stored"
    );
}

/// Issue 11 item 10: when the Backend API fails, `CurrentUser` answers the same opaque 503 as
/// before, and the error it returns keeps the API's error as its cause.
#[actix_rt::test]
async fn an_unreachable_user_source_answers_503_and_keeps_the_cause() {
    let fx = Fixture::dev();
    let sdk = fx
        .config()
        .client_config(|client| client.max_retries(0))
        .build()
        .expect("valid configuration");
    let app = service!(sdk);
    let bearer = ("Authorization", format!("Bearer {}", fx.token()));
    fx.clerk.faults().fail_next("GET", "/v1/users/{user_id}", 2, 503);

    let resp = test::call_service(
        &app,
        TestRequest::get()
            .uri("/me")
            .insert_header(bearer.clone())
            .to_request(),
    )
    .await;
    let req = TestRequest::get()
        .uri("/me")
        .insert_header(bearer)
        .app_data(web::Data::new(sdk.clone()))
        .to_http_request();
    let err = CurrentUser::from_request(&req, &mut Payload::None)
        .await
        .expect_err("the API answers 503");

    assert_eq!(resp.status(), StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(
        test::read_body(resp).await,
        r#"{"errors":[{"code":"service_unavailable","message":"A dependency is unavailable; try again shortly."}]}"#
    );
    assert!(matches!(err, AuthError::Unavailable(_)), "{err:?}");
    let mut chain = std::iter::successors(err.source(), |cause| (*cause).source());
    let api = chain
        .find_map(|cause| cause.downcast_ref::<ApiError>())
        .expect("the Backend API's error is in the cause chain");
    assert_eq!(api.status(), Some(503));
    assert_eq!(fx.clerk.calls().count("GET", "/v1/users/{user_id}"), 2);
}
