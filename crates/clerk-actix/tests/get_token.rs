//! Issue 24: `ClerkAuth::get_token(template)` end to end against the offline Clerk: the verified
//! token's session id, the Backend API's `POST /v1/sessions/{id}/tokens/{template}`, the JWT it
//! mints; and each failure's answer (signed out 401, unknown template 500, Clerk down 503).

mod common;

use actix_web::http::StatusCode;
use actix_web::test;
use actix_web::{web, App, HttpRequest, HttpResponse};
use base64::Engine as _;
use clerk_actix::{ClerkAuth, ClerkAuthConfig, ClerkMiddleware, GetTokenError};
use common::{body_json, get, header, Fixture, ORIGIN};
use serde_json::{json, Value};

const ROUTE: &str = "/v1/sessions/{session_id}/tokens/{template_name}";

async fn token(
    auth: ClerkAuth,
    req: HttpRequest,
    name: web::Path<String>,
) -> Result<HttpResponse, GetTokenError> {
    let token = auth.get_token(&req, &name).await?;
    Ok(HttpResponse::Ok().body(token.into_string()))
}

/// The error's variant, for the test.
async fn kind(auth: ClerkAuth, req: HttpRequest, name: web::Path<String>) -> HttpResponse {
    let kind = match auth.get_token(&req, &name).await {
        Ok(_) => "ok".to_owned(),
        Err(GetTokenError::UnknownTemplate { template, .. }) => format!("unknown template {template}"),
        Err(GetTokenError::Unavailable(_)) => "unavailable".to_owned(),
        Err(GetTokenError::SignedOut(_)) => "signed out".to_owned(),
        Err(other) => format!("{other:?}"),
    };
    HttpResponse::Ok().body(kind)
}

macro_rules! app {
    ($clerk:expr) => {
        test::init_service(
            App::new()
                .route("/token/{name}", web::get().to(token))
                .route("/kind/{name}", web::get().to(kind))
                .service(
                    web::resource("/tasks/token/{name}")
                        .app_data(ClerkAuthConfig::default().treat_pending_as_signed_out(false))
                        .route(web::get().to(token)),
                )
                .wrap(ClerkMiddleware::new($clerk)),
        )
        .await
    };
}

fn payload(jwt: &str) -> Value {
    let part = jwt.split('.').nth(1).expect("a JWT");
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(part)
        .expect("base64url");
    serde_json::from_slice(&bytes).expect("JSON claims")
}

/// The fixture, a `hasura` template, and a session token of a session Clerk knows.
fn setup(status: Option<&str>) -> (Fixture, String, String) {
    let fx = Fixture::prod();
    fx.clerk
        .jwt_templates()
        .add(
            "hasura",
            json!({"hasura": {"x-hasura-user-id": "{{user.id}}"}}),
            120,
        )
        .expect("template");
    let session = fx.clerk.users().create_session(&fx.user_id).expect("session");
    let token = fx
        .clerk
        .minter()
        .session_token(&fx.user_id)
        .session_id(session.id.clone())
        .azp(ORIGIN)
        .status(status)
        .mint();
    (fx, session.id, token)
}

#[actix_rt::test]
async fn a_template_token_is_minted_for_the_requests_session() {
    let (fx, session_id, session_token) = setup(Some("active"));
    let app = app!(fx.sdk());
    let resp = test::call_service(&app, get("/token/hasura", Some(&session_token))).await;
    assert_eq!(resp.status(), StatusCode::OK);
    let jwt = String::from_utf8(test::read_body(resp).await.to_vec()).unwrap();
    let claims = payload(&jwt);
    assert_eq!(claims["hasura"]["x-hasura-user-id"], fx.user_id.as_str());
    assert_eq!(claims["sub"], fx.user_id.as_str());
    assert_eq!(claims["sid"], Value::Null, "a template token is no session token");
    let lifetime = claims["exp"].as_i64().unwrap() - claims["iat"].as_i64().unwrap();
    assert_eq!(lifetime, 120, "the template's lifetime");
    assert_ne!(jwt, session_token);
    // One Backend API call, for this session.
    let calls = fx.clerk.calls().count("POST", ROUTE);
    assert_eq!(calls, 1, "{session_id}");
}

#[actix_rt::test]
async fn each_failure_has_its_answer() {
    let (fx, _, session_token) = setup(Some("active"));
    let app = app!(fx.sdk());

    // Signed out: 401 as every signed-out refusal, and no call.
    let resp = test::call_service(&app, get("/token/hasura", None)).await;
    assert_eq!(resp.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(header(&resp, "www-authenticate").as_deref(), Some("Bearer"));
    assert_eq!(fx.clerk.calls().count("POST", ROUTE), 0);

    // An unknown template: the application's mistake, 500 without details.
    let resp = test::call_service(&app, get("/token/nope", Some(&session_token))).await;
    assert_eq!(resp.status(), StatusCode::INTERNAL_SERVER_ERROR);
    let body = body_json(resp).await;
    assert_eq!(body["errors"][0]["code"], "internal_error", "{body}");
    let resp = test::call_service(&app, get("/kind/nope", Some(&session_token))).await;
    assert_eq!(test::read_body(resp).await, "unknown template nope");

    // Clerk down: 503 (a POST is not retried).
    fx.clerk.faults().fail_next("POST", ROUTE, 1, 503);
    let resp = test::call_service(&app, get("/token/hasura", Some(&session_token))).await;
    assert_eq!(resp.status(), StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(
        header(&resp, "cache-control").as_deref(),
        Some("private, no-store")
    );

    // Rate limited: 503 with Clerk's Retry-After.
    fx.clerk.faults().rate_limit_next("POST", ROUTE, 1, 7);
    let resp = test::call_service(&app, get("/token/hasura", Some(&session_token))).await;
    assert_eq!(resp.status(), StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(header(&resp, "retry-after").as_deref(), Some("7"));

    // While Clerk asked to wait, the client keeps off it: 503 again, and no call.
    let calls = fx.clerk.calls().count("POST", ROUTE);
    let resp = test::call_service(&app, get("/token/hasura", Some(&session_token))).await;
    assert_eq!(resp.status(), StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(fx.clerk.calls().count("POST", ROUTE), calls);
}

#[actix_rt::test]
async fn a_pending_session_gets_a_token_only_where_it_counts_as_signed_in() {
    let (fx, _, pending) = setup(Some("pending"));
    let app = app!(fx.sdk());
    let resp = test::call_service(&app, get("/token/hasura", Some(&pending))).await;
    assert_eq!(resp.status(), StatusCode::UNAUTHORIZED);
    let resp = test::call_service(&app, get("/tasks/token/hasura", Some(&pending))).await;
    assert_eq!(resp.status(), StatusCode::OK);
}

// Review finding 8: the other mappings (no session, a name that cannot be a template's, Clerk's
// 403), and no refusal body carries a token.
#[actix_rt::test]
async fn the_other_refusals_have_their_answers_and_no_token() {
    let (fx, _, session_token) = setup(Some("active"));
    let app = app!(fx.sdk());
    let resp = test::call_service(&app, get("/token/hasura", Some(&session_token))).await;
    assert_eq!(resp.status(), StatusCode::OK);
    let minted = String::from_utf8(test::read_body(resp).await.to_vec()).unwrap();
    let refusal = |body: &[u8]| {
        let text = String::from_utf8_lossy(body).into_owned();
        assert!(
            !text.contains(&minted) && !text.contains(&session_token),
            "a token in a refusal: {text}"
        );
        serde_json::from_str::<Value>(&text).expect("a JSON refusal")
    };

    // A session token without `sid`: signed in, but no session to mint for.
    let sessionless = fx
        .clerk
        .minter()
        .session_token(&fx.user_id)
        .without_claim("sid")
        .azp(ORIGIN)
        .mint();
    let resp = test::call_service(&app, get("/kind/hasura", Some(&sessionless))).await;
    assert_eq!(test::read_body(resp).await, "NoSession");
    let resp = test::call_service(&app, get("/token/hasura", Some(&sessionless))).await;
    assert_eq!(resp.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(header(&resp, "www-authenticate").as_deref(), Some("Bearer"));
    let body = refusal(&test::read_body(resp).await);
    assert_eq!(body["errors"][0]["code"], "unauthenticated", "{body}");

    // A name that cannot be a template's: the application's mistake, 500.
    let resp = test::call_service(&app, get("/kind/a%2Fb", Some(&session_token))).await;
    let kind = String::from_utf8(test::read_body(resp).await.to_vec()).unwrap();
    assert!(kind.starts_with("unknown template a"), "{kind}");
    let resp = test::call_service(&app, get("/token/a%2Fb", Some(&session_token))).await;
    assert_eq!(resp.status(), StatusCode::INTERNAL_SERVER_ERROR);
    let body = refusal(&test::read_body(resp).await);
    assert_eq!(body["errors"][0]["code"], "internal_error", "{body}");

    // Clerk refuses the session's user: 403.
    fx.clerk.faults().fail_next("POST", ROUTE, 1, 403);
    let resp = test::call_service(&app, get("/token/hasura", Some(&session_token))).await;
    assert_eq!(resp.status(), StatusCode::FORBIDDEN);
    let body = refusal(&test::read_body(resp).await);
    assert_eq!(body["errors"][0]["code"], "forbidden", "{body}");
}
