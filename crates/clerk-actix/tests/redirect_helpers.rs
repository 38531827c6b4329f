//! Issue 24: `ClerkAuth::redirect_to_sign_in` / `redirect_to_sign_up` answer a handler's request
//! with a 307 to Clerk's URL (the URLs themselves: tests/parity_redirect.rs against
//! `createRedirect`), `/tasks` for a pending session whichever view the handler has.

mod common;

use actix_web::http::StatusCode;
use actix_web::test;
use actix_web::{web, App, HttpRequest, HttpResponse};
use clerk_actix::{AuthError, ClerkAuth, ClerkAuthConfig, ClerkMiddleware};
use clerk_core::request::ReturnBackUrl;
use common::{get, header, Fixture};

async fn sign_in(auth: ClerkAuth, req: HttpRequest) -> Result<HttpResponse, AuthError> {
    Err(auth.redirect_to_sign_in(&req, ReturnBackUrl::Url("/after")))
}

async fn sign_up(auth: ClerkAuth, req: HttpRequest) -> Result<HttpResponse, AuthError> {
    Err(auth.redirect_to_sign_up(&req, ReturnBackUrl::ThisRequest))
}

/// Which variant each of Clerk's redirects is.
async fn variants(auth: ClerkAuth, req: HttpRequest) -> HttpResponse {
    let answers = [
        auth.redirect_to_sign_in(&req, ReturnBackUrl::ThisRequest),
        auth.redirect_to_sign_up(&req, ReturnBackUrl::ThisRequest),
    ];
    let redirects = answers
        .iter()
        .filter(|answer| matches!(answer, AuthError::Redirect(_)))
        .count();
    HttpResponse::Ok().body(redirects.to_string())
}

macro_rules! app {
    ($clerk:expr) => {
        test::init_service(
            App::new()
                .route("/in", web::get().to(sign_in))
                .route("/up", web::get().to(sign_up))
                .route("/variants", web::get().to(variants))
                .service(
                    web::resource("/up-tasks")
                        .app_data(ClerkAuthConfig::default().treat_pending_as_signed_out(false))
                        .route(web::get().to(sign_up)),
                )
                .wrap(ClerkMiddleware::new($clerk)),
        )
        .await
    };
}

/// Issue 25, review low (a): a redirect to Clerk's sign-in page and one to its sign-up page are
/// one answer (a 307 marked `x-clerk-redirect-to`), so one `AuthError` variant.
#[actix_rt::test]
async fn every_redirect_of_clerks_is_one_variant() {
    let fx = Fixture::prod();
    let clerk = fx
        .config()
        .sign_in_url("https://accounts.example.com/sign-in")
        .build()
        .expect("valid configuration");
    let app = app!(clerk);
    let body = test::call_and_read_body(&app, get("/variants", None)).await;
    assert_eq!(body.as_ref(), b"2");
}

#[actix_rt::test]
async fn the_helpers_answer_a_307_to_clerks_pages() {
    let fx = Fixture::prod();
    let clerk = fx
        .config()
        .sign_in_url("https://accounts.example.com/sign-in")
        .build()
        .expect("valid configuration");
    let app = app!(clerk);

    let resp = test::call_service(&app, get("/in?x=1", None)).await;
    assert_eq!(resp.status(), StatusCode::TEMPORARY_REDIRECT);
    assert_eq!(
        header(&resp, "location").as_deref(),
        Some("https://accounts.example.com/sign-in?redirect_url=http%3A%2F%2Flocalhost%3A3000%2Fafter")
    );
    assert_eq!(
        header(&resp, "cache-control").as_deref(),
        Some("private, no-store")
    );

    // Sign-up: no sign-up URL, so the sign-in URL's `/create`; back to this request.
    let resp = test::call_service(&app, get("/up?x=1", Some(&fx.token()))).await;
    assert_eq!(resp.status(), StatusCode::TEMPORARY_REDIRECT);
    assert_eq!(
        header(&resp, "location").as_deref(),
        Some("https://accounts.example.com/sign-in/create?redirect_url=http%3A%2F%2Flocalhost%3A3000%2Fup%3Fx%3D1")
    );

    // A pending session goes to the tasks, seen as signed out or not.
    let pending = fx.pending_token();
    for path in ["/up", "/up-tasks"] {
        let resp = test::call_service(&app, get(path, Some(&pending))).await;
        let location = header(&resp, "location").unwrap_or_default();
        assert!(
            location.starts_with("https://accounts.example.com/sign-in/create/tasks?redirect_url="),
            "{path}: {location}"
        );
    }
}

#[actix_rt::test]
async fn without_a_sign_in_page_the_helpers_answer_401() {
    let fx = Fixture::prod();
    // No publishable key: no Account Portal to fall back on.
    let clerk = clerk_actix::ClerkConfig::new()
        .secret_key(fx.clerk.secret_key())
        .api_url(fx.clerk.base_url())
        .build()
        .expect("valid configuration");
    let app = app!(clerk);
    let resp = test::call_service(&app, get("/in", None)).await;
    assert_eq!(resp.status(), StatusCode::UNAUTHORIZED);
}
