//! `Protect`'s per-route options and the extractors' per-route pending setting, against the
//! rules of `@clerk/nextjs` 7.9.17's `createProtect` (`server/protect.js`):
//!
//! - `unauthenticatedUrl`: a signed-out request (a pending session included) is redirected
//!   there before any other answer, page request or not;
//! - `unauthorizedUrl`: a session token that fails `has()` (or the predicate) is redirected
//!   there instead of the 404;
//! - `auth({ treatPendingAsSignedOut })` per call (`requestState.toAuth(options)`).

mod common;

use actix_web::http::StatusCode;
use actix_web::test::{self, TestRequest};
use actix_web::{web, App, HttpResponse};
use clerk_actix::{Authenticated, ClerkAuth, ClerkAuthConfig, ClerkMiddleware, Protect, ProtectMode};
use clerk_core::Reverification;
use clerk_testkit::instance::OrgClaim;
use common::{get, header, Fixture, ORIGIN};

macro_rules! protected {
    ($path:expr, $policy:expr $(,)?) => {
        web::scope($path)
            .wrap($policy)
            .route("", web::get().to(|| async { HttpResponse::Ok().body("in") }))
    };
}

macro_rules! app {
    ($fx:expr, $config:expr) => {{
        let clerk = $config.build().expect("valid configuration");
        test::init_service(
            App::new()
                .service(protected!(
                    "/out",
                    Protect::signed_in().unauthenticated_url("https://example.com/welcome"),
                ))
                .service(protected!(
                    "/out-api",
                    Protect::signed_in().unauthenticated_url("/welcome").mode(ProtectMode::Api),
                ))
                .service(protected!(
                    "/out-redirect",
                    Protect::signed_in().unauthenticated_url("/welcome").mode(ProtectMode::Redirect),
                ))
                .service(protected!(
                    "/admin",
                    Protect::signed_in().role("admin").unauthorized_url("/ask-an-admin"),
                ))
                .service(protected!(
                    "/admin-nextjs",
                    Protect::signed_in()
                        .role("admin")
                        .mode(ProtectMode::NextJsParity)
                        .unauthorized_url("/ask-an-admin"),
                ))
                .service(protected!(
                    "/admin-plain",
                    Protect::signed_in().role("admin").mode(ProtectMode::NextJsParity),
                ))
                .service(protected!(
                    "/predicate",
                    Protect::signed_in().check(|_| false).unauthorized_url("/no"),
                ))
                .service(protected!(
                    "/sensitive",
                    Protect::signed_in().reverification(Reverification::Strict).unauthorized_url("/verify"),
                ))
                .service(protected!("/tasks", Protect::signed_in().treat_pending_as_signed_out(false)))
                .service(protected!(
                    "/tasks-out",
                    Protect::signed_in().treat_pending_as_signed_out(true).unauthenticated_url("/sign-in/tasks"),
                ))
                .service(protected!("/default", Protect::signed_in()))
                .service(
                    web::resource("/session")
                        .app_data(ClerkAuthConfig::default().treat_pending_as_signed_out(false))
                        .route(web::get().to(|auth: Authenticated| async move {
                            HttpResponse::Ok().body(auth.session_id().unwrap_or("none").to_owned())
                        })),
                )
                .route(
                    "/session-default",
                    web::get().to(|auth: Authenticated| async move {
                        HttpResponse::Ok().body(auth.session_id().unwrap_or("none").to_owned())
                    }),
                )
                .route(
                    "/per-call",
                    web::get().to(|auth: ClerkAuth| async move {
                        let tasks = auth.treat_pending_as_signed_out(false);
                        HttpResponse::Ok().body(format!(
                            "{} {} {}",
                            auth.is_authenticated(),
                            tasks.is_authenticated(),
                            tasks.token().is_some()
                        ))
                    }),
                )
                .wrap(ClerkMiddleware::new(clerk)),
        )
        .await
    }};
}

#[actix_rt::test]
async fn unauthenticated_url_redirects_every_signed_out_request_in_every_mode() {
    let fx = Fixture::prod();
    let app = app!(
        fx,
        fx.config().sign_in_url("https://accounts.example.com/sign-in")
    );
    for (path, location) in [
        ("/out", "https://example.com/welcome"),
        ("/out-api", "/welcome"),
        ("/out-redirect", "/welcome"),
    ] {
        // A `fetch` (no page request): the mode would answer 401, Clerk redirects first.
        let resp = test::call_service(&app, get(path, None)).await;
        assert_eq!(resp.status(), StatusCode::TEMPORARY_REDIRECT, "{path}");
        assert_eq!(
            header(&resp, "location").as_deref(),
            Some(location),
            "{path}: as given"
        );
        // A page request too: not the sign-in URL.
        let page = TestRequest::get()
            .uri(path)
            .insert_header(("sec-fetch-dest", "document"))
            .to_request();
        let resp = test::call_service(&app, page).await;
        assert_eq!(header(&resp, "location").as_deref(), Some(location), "{path}");
        // Signed in: through.
        let resp = test::call_service(&app, get(path, Some(&fx.token()))).await;
        assert_eq!(resp.status(), StatusCode::OK, "{path}");
    }
    // Clerk's protect sees a pending session as unauthenticated.
    let resp = test::call_service(&app, get("/out", Some(&fx.pending_token()))).await;
    assert_eq!(
        header(&resp, "location").as_deref(),
        Some("https://example.com/welcome")
    );
}

#[actix_rt::test]
async fn unauthorized_url_redirects_a_session_that_fails_the_policy() {
    let fx = Fixture::prod();
    let app = app!(fx, fx.config());
    // No organization role, and verified 100 minutes ago (`strict` wants 10).
    let member = fx
        .clerk
        .minter()
        .session_token(&fx.user_id)
        .azp(ORIGIN)
        .fva(Some((100, 100)))
        .mint();
    for (path, location) in [
        ("/admin", "/ask-an-admin"),
        ("/admin-nextjs", "/ask-an-admin"),
        ("/predicate", "/no"),
        ("/sensitive", "/verify"),
    ] {
        let resp = test::call_service(&app, get(path, Some(&member))).await;
        assert_eq!(resp.status(), StatusCode::TEMPORARY_REDIRECT, "{path}");
        assert_eq!(header(&resp, "location").as_deref(), Some(location), "{path}");
    }
    // Without the option the mode answers (Next.js: 404 with `protect-rewrite`).
    let resp = test::call_service(&app, get("/admin-plain", Some(&member))).await;
    assert_eq!(resp.status(), StatusCode::NOT_FOUND);
    // Signed out is not unauthorized: the mode's answer (API: 401), no redirect.
    let resp = test::call_service(&app, get("/admin", None)).await;
    assert_eq!(resp.status(), StatusCode::UNAUTHORIZED);
    // An admin goes through.
    let admin = fx
        .clerk
        .minter()
        .session_token(&fx.user_id)
        .azp(ORIGIN)
        .org(OrgClaim::new("org_1").role("admin"))
        .mint();
    let resp = test::call_service(&app, get("/admin", Some(&admin))).await;
    assert_eq!(resp.status(), StatusCode::OK);
}

#[actix_rt::test]
async fn a_policy_or_a_route_can_see_a_pending_session_as_signed_in() {
    let fx = Fixture::prod();
    let app = app!(fx, fx.config());
    let token = fx.pending_token();
    // The configuration's default (signed out) everywhere it is not overridden.
    let resp = test::call_service(&app, get("/default", Some(&token))).await;
    assert_eq!(resp.status(), StatusCode::UNAUTHORIZED);
    let resp = test::call_service(&app, get("/session-default", Some(&token))).await;
    assert_eq!(resp.status(), StatusCode::UNAUTHORIZED);
    // The policy's and the route's own setting.
    let resp = test::call_service(&app, get("/tasks", Some(&token))).await;
    assert_eq!(resp.status(), StatusCode::OK);
    let resp = test::call_service(&app, get("/session", Some(&token))).await;
    assert_eq!(resp.status(), StatusCode::OK);
    let sid = String::from_utf8(test::read_body(resp).await.to_vec()).unwrap();
    assert!(sid.starts_with("sess_"), "{sid}");
    // Per call: the token comes back with the signed-in view.
    let resp = test::call_service(&app, get("/per-call", Some(&token))).await;
    assert_eq!(test::read_body(resp).await, "false true true");
}

#[actix_rt::test]
async fn a_policy_can_see_a_pending_session_as_signed_out_when_the_app_does_not() {
    let fx = Fixture::prod();
    let app = app!(fx, fx.config().treat_pending_as_signed_out(false));
    let token = fx.pending_token();
    let resp = test::call_service(&app, get("/default", Some(&token))).await;
    assert_eq!(resp.status(), StatusCode::OK, "the app's setting");
    let resp = test::call_service(&app, get("/tasks-out", Some(&token))).await;
    assert_eq!(resp.status(), StatusCode::TEMPORARY_REDIRECT);
    assert_eq!(header(&resp, "location").as_deref(), Some("/sign-in/tasks"));
    let resp = test::call_service(&app, get("/tasks-out", Some(&fx.token()))).await;
    assert_eq!(resp.status(), StatusCode::OK, "an active session");
}
