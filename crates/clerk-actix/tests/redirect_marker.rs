//! `x-clerk-redirect-to: true` on the redirects Clerk's middleware marks so (`@clerk/nextjs`
//! 7.9.17's `redirectAdapter`: `redirectToSignIn` / `redirectToSignUp` and `auth.protect()`'s
//! `unauthenticatedUrl` / `unauthorizedUrl` and sign-in), and not on Clerk's handshake, which
//! `clerkMiddleware` answers with a plain redirect.

mod common;

use actix_web::http::StatusCode;
use actix_web::test::{self, TestRequest};
use actix_web::{web, App, HttpRequest, HttpResponse};
use clerk_actix::{AuthError, ClerkAuth, ClerkMiddleware, Protect, ProtectMode};
use clerk_core::request::ReturnBackUrl;
use common::{get, header, Fixture};

async fn sign_in(auth: ClerkAuth, req: HttpRequest) -> Result<HttpResponse, AuthError> {
    Err(auth.redirect_to_sign_in(&req, ReturnBackUrl::ThisRequest))
}

async fn sign_up(auth: ClerkAuth, req: HttpRequest) -> Result<HttpResponse, AuthError> {
    Err(auth.redirect_to_sign_up(&req, ReturnBackUrl::Omitted))
}

macro_rules! protected {
    ($path:expr, $policy:expr $(,)?) => {
        web::scope($path)
            .wrap($policy)
            .route("", web::get().to(|| async { HttpResponse::Ok().body("in") }))
    };
}

macro_rules! app {
    ($clerk:expr) => {
        test::init_service(
            App::new()
                .route("/in", web::get().to(sign_in))
                .route("/up", web::get().to(sign_up))
                .service(protected!("/page", Protect::signed_in().mode(ProtectMode::Redirect)))
                .service(protected!("/api", Protect::signed_in().mode(ProtectMode::Api)))
                .service(protected!("/out", Protect::signed_in().unauthenticated_url("/welcome")))
                .service(protected!(
                    "/admin",
                    Protect::signed_in().role("admin").unauthorized_url("/ask-an-admin")
                ))
                .wrap(ClerkMiddleware::new($clerk)),
        )
        .await
    };
}

fn page(path: &str) -> actix_http::Request {
    TestRequest::get()
        .uri(path)
        .insert_header(("Host", "localhost:3000"))
        .insert_header(("sec-fetch-dest", "document"))
        .to_request()
}

#[actix_rt::test]
async fn clerks_own_redirects_are_marked() {
    let fx = Fixture::prod();
    let clerk = fx
        .config()
        .sign_in_url("https://accounts.example.com/sign-in")
        .build()
        .expect("valid configuration");
    let app = app!(clerk);
    let token = fx.token();
    for (req, location) in [
        (
            get("/in", None),
            "https://accounts.example.com/sign-in?redirect_url=",
        ),
        (
            get("/up", Some(&token)),
            "https://accounts.example.com/sign-in/create",
        ),
        (
            page("/page"),
            "https://accounts.example.com/sign-in?redirect_url=",
        ),
        (get("/out", None), "/welcome"),
        (get("/admin", Some(&token)), "/ask-an-admin"),
    ] {
        let path = req.path().to_owned();
        let resp = test::call_service(&app, req).await;
        assert_eq!(resp.status(), StatusCode::TEMPORARY_REDIRECT, "{path}");
        let to = header(&resp, "location").unwrap_or_default();
        assert!(to.starts_with(location), "{path}: {to}");
        assert_eq!(
            header(&resp, "x-clerk-redirect-to").as_deref(),
            Some("true"),
            "{path}"
        );
    }
    // Not a redirect: no marker.
    let resp = test::call_service(&app, get("/api", None)).await;
    assert_eq!(resp.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(header(&resp, "x-clerk-redirect-to"), None);
}

#[actix_rt::test]
async fn the_handshake_is_not_marked() {
    let fx = Fixture::dev();
    let app = app!(fx.sdk());
    // A browser that signed in once (`__client_uat`) but has no session cookie: Clerk's handshake.
    let req = TestRequest::get()
        .uri("/page")
        .insert_header(("Host", "localhost:3000"))
        .insert_header(("sec-fetch-dest", "document"))
        .insert_header(("cookie", "__client_uat=1700000000"))
        .to_request();
    let resp = test::call_service(&app, req).await;
    assert_eq!(resp.status(), StatusCode::TEMPORARY_REDIRECT);
    assert!(
        header(&resp, "location").is_some_and(|to| to.contains("/v1/client/handshake")),
        "{:?}",
        header(&resp, "location")
    );
    assert_eq!(header(&resp, "x-clerk-redirect-to"), None);
}
