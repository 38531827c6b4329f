//! Issue 12 at the Actix layer, against the offline Clerk: the middleware answers a handshake
//! with a 307 before any handler, extractors and `Protect` used without the middleware answer the
//! same way, redirect-mode `Protect` never sends a request Clerk would handshake to sign in, and a
//! refreshed session's cookies are added to the handler's answer.

mod common;

use actix_web::http::StatusCode;
use actix_web::test::{self, TestRequest};
use clerk_actix::ClerkMiddleware;
use common::*;

/// An active session's expired token (60 s lifetime, issued 3 minutes ago).
fn expired(fx: &Fixture) -> (String, String) {
    let session = fx.clerk.users().create_session(&fx.user_id).expect("session");
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("clock")
        .as_secs() as i64;
    let token = fx
        .clerk
        .minter()
        .session_token(&fx.user_id)
        .session_id(&session.id)
        .azp(ORIGIN)
        .issued_at(now - 180)
        .lifetime(60)
        .mint();
    (session.id, token)
}

fn document(uri: &str, cookies: String) -> TestRequest {
    TestRequest::get()
        .uri(uri)
        .insert_header(("host", "localhost:3000"))
        .insert_header(("sec-fetch-dest", "document"))
        .insert_header(("accept", "text/html"))
        .insert_header(("cookie", cookies))
}

fn set_cookies(resp: &actix_web::dev::ServiceResponse<impl actix_web::body::MessageBody>) -> Vec<String> {
    resp.headers()
        .get_all("set-cookie")
        .filter_map(|v| v.to_str().ok().map(str::to_owned))
        .collect()
}

#[actix_rt::test]
async fn the_middleware_answers_a_handshake_before_any_handler_runs() {
    let fx = Fixture::prod();
    let sdk = fx
        .config()
        .proxy_url("https://app.example.com/__clerk")
        .build()
        .expect("config");
    let app = test::init_service(app(sdk.clone()).wrap(ClerkMiddleware::new(sdk))).await;
    let (_, token) = expired(&fx);
    let resp = test::call_service(
        &app,
        document("/auth?x=1", format!("__session={token}; __client_uat=1")).to_request(),
    )
    .await;
    assert_eq!(resp.status(), StatusCode::TEMPORARY_REDIRECT);
    let location = header(&resp, "location").expect("a Location");
    assert!(
        location.starts_with("https://app.example.com/__clerk/v1/client/handshake?redirect_url=http%3A%2F%2Flocalhost%3A3000%2Fauth%3Fx%3D1&"),
        "{location}"
    );
    assert_eq!(header(&resp, "cache-control").as_deref(), Some("no-store"));
    assert_eq!(header(&resp, "x-clerk-auth-status").as_deref(), Some("handshake"));
    assert_eq!(
        set_cookies(&resp),
        vec!["__clerk_redirect_count=1; SameSite=Lax; HttpOnly; Max-Age=2".to_owned()]
    );
    // The handler (which answers JSON) never ran.
    assert!(test::read_body(resp).await.is_empty());

    // The same request as a fetch is signed out with the same reason, no redirect.
    let fetch = TestRequest::get()
        .uri("/auth")
        .insert_header(("sec-fetch-dest", "empty"))
        .insert_header(("cookie", format!("__session={token}; __client_uat=1")))
        .to_request();
    let resp = test::call_service(&app, fetch).await;
    assert_eq!(
        resp.status(),
        StatusCode::OK,
        "a fetch is signed out, never redirected"
    );
    assert_eq!(header(&resp, "location"), None);
    assert_eq!(
        header(&resp, "x-clerk-auth-reason").as_deref(),
        Some("session-token-expired-refresh-non-eligible-no-refresh-cookie")
    );
}

#[actix_rt::test]
async fn without_the_middleware_extractors_and_protect_answer_the_handshake_too() {
    let fx = Fixture::prod();
    let sdk = fx.sdk();
    let app = test::init_service(app(sdk)).await;
    let (_, token) = expired(&fx);
    let cookies = format!("__session={token}; __client_uat=1");
    // `/auth` (ClerkAuth, never rejects), `/private` (Authenticated), `/page` (redirect-mode
    // Protect: a signed-out page would go to sign in, but Clerk would handshake this one).
    for uri in ["/auth", "/private", "/page"] {
        let resp = test::call_service(&app, document(uri, cookies.clone()).to_request()).await;
        assert_eq!(resp.status(), StatusCode::TEMPORARY_REDIRECT, "{uri}");
        let location = header(&resp, "location").expect("a Location");
        let frontend_api = fx.clerk.instance().frontend_api();
        assert!(
            location.starts_with(&format!("https://{frontend_api}/v1/client/handshake?")),
            "{uri}: {location}"
        );
        assert_eq!(header(&resp, "x-clerk-auth-status").as_deref(), Some("handshake"));
    }
    // A signed-out page that needs no handshake still goes to sign in.
    let resp = test::call_service(&app, document("/page", String::new()).to_request()).await;
    assert_eq!(resp.status(), StatusCode::TEMPORARY_REDIRECT);
    assert!(header(&resp, "location").is_some_and(|l| l.contains("/sign-in?redirect_url=")));
}

#[actix_rt::test]
async fn a_refreshed_session_signs_in_and_its_cookies_are_added_to_the_answer() {
    let fx = Fixture::prod();
    let sdk = fx.sdk();
    let app = test::init_service(app(sdk.clone()).wrap(ClerkMiddleware::new(sdk))).await;
    let (session_id, token) = expired(&fx);
    let refresh = fx.clerk.refresh_token_for(&session_id).expect("refresh token");
    let cookies = format!(
        "__session={token}; __client_uat=1; __refresh_{}={refresh}",
        fx.clerk.cookie_suffix()
    );
    // Not a document: a refresh needs only a GET.
    let req = TestRequest::get()
        .uri("/auth")
        .insert_header(("host", "localhost:3000"))
        .insert_header(("cookie", cookies))
        .to_request();
    let resp = test::call_service(&app, req).await;
    assert_eq!(resp.status(), StatusCode::OK);
    let cookies = set_cookies(&resp);
    assert!(
        cookies.iter().any(|c| c.starts_with("__session=eyJ")),
        "{}",
        cookies.len()
    );
    assert!(cookies.iter().any(|c| c.starts_with("__client_uat=")));
    assert_eq!(
        header(&resp, "x-clerk-auth-status"),
        None,
        "signed in: no debug headers"
    );
    // Issue 22, review: session cookies on a handler's answer are never for a shared cache.
    assert_eq!(
        header(&resp, "cache-control").as_deref(),
        Some("private, no-store")
    );
    let body = body_json(resp).await;
    assert_eq!(body["signedIn"], true);
    assert_eq!(body["userId"], fx.user_id.as_str());
}

#[actix_rt::test]
async fn a_development_sign_in_redirect_to_another_origin_carries_the_dev_browser() {
    let fx = Fixture::dev();
    let sdk = fx.sdk();
    let app = test::init_service(app(sdk.clone()).wrap(ClerkMiddleware::new(sdk))).await;
    // A page request with the dev browser and no session (nothing to handshake for): signed
    // out, sent to the Account Portal.
    let req = document("/page", "__clerk_db_jwt=dvb_actixtest".to_owned()).to_request();
    let resp = test::call_service(&app, req).await;
    assert_eq!(resp.status(), StatusCode::TEMPORARY_REDIRECT);
    let location = header(&resp, "location").expect("a Location");
    let url = url::Url::parse(&location).expect("absolute");
    let params: Vec<(String, String)> = url
        .query_pairs()
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect();
    assert_eq!(
        params,
        vec![
            ("redirect_url".to_owned(), "http://localhost:3000/page".to_owned()),
            ("__clerk_db_jwt".to_owned(), "dvb_actixtest".to_owned()),
        ]
    );
}
