//! Issue 24: the example app's `GET /api/token/{template}` is Clerk's `auth().getToken({ template })`
//! over HTTP: the Backend API mints a JWT from the instance's JWT template for the request's
//! session, and the answer shows that token's claims, never the token itself.

use e2e::{spawn_app, ORIGIN};
use serde_json::{json, Value};

#[actix_rt::test]
async fn a_template_token_is_minted_for_the_session_and_only_its_claims_are_shown() {
    let app = spawn_app().await;
    app.clerk
        .jwt_templates()
        .add(
            "hasura",
            json!({"hasura": {"x-hasura-user-id": "{{user.id}}"}}),
            120,
        )
        .expect("template");
    let session = app.clerk.users().create_session(&app.user_id).expect("session");
    let token = app
        .clerk
        .minter()
        .session_token(&app.user_id)
        .session_id(session.id.clone())
        .azp(ORIGIN)
        .mint();

    let reply = app.get("/api/token/hasura", Some(&token), &[]).await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    let body: Value = serde_json::from_str(&reply.body).expect("JSON");
    assert_eq!(body["template"], "hasura");
    assert_eq!(body["claims"]["hasura"]["x-hasura-user-id"], app.user_id.as_str());
    assert_eq!(body["claims"]["sub"], app.user_id.as_str());
    let lifetime = body["claims"]["exp"].as_i64().unwrap_or(0) - body["claims"]["iat"].as_i64().unwrap_or(0);
    assert_eq!(lifetime, 120, "the template's lifetime");
    assert!(
        !reply.body.contains("eyJ"),
        "no JWT in the answer: {}",
        reply.body
    );
    assert_eq!(reply.header("cache-control"), Some("private, no-store"));

    // A template the instance does not have: the caller named it, 404.
    let reply = app.get("/api/token/nope", Some(&token), &[]).await;
    assert_eq!(reply.status, 404, "{}", reply.body);
    assert!(!reply.body.contains("eyJ"), "{}", reply.body);

    // Signed out: 401, no Backend API call needed.
    let reply = app.get("/api/token/hasura", None, &[]).await;
    assert_eq!(reply.status, 401, "{}", reply.body);
}
