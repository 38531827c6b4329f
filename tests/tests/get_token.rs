//! Issue 24: the example app's `GET /api/token/{template}` is Clerk's `auth().getToken({ template })`
//! over HTTP: the Backend API mints a JWT from the instance's JWT template for the request's
//! session, and the answer describes that token (subject, times, claim names), never the token
//! nor its claims' values.

use e2e::{spawn_app, ORIGIN};
use serde_json::{json, Value};

#[actix_rt::test]
async fn a_template_token_is_minted_for_the_session_and_only_described() {
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
    assert_eq!(body["subject"], app.user_id.as_str());
    assert!(
        body["claimNames"]
            .as_array()
            .is_some_and(|names| names.iter().any(|n| n == "hasura")),
        "the template's claim is named: {body}"
    );
    let lifetime = body["expiresAt"].as_i64().unwrap_or(0) - body["issuedAt"].as_i64().unwrap_or(0);
    assert!(
        !reply.body.contains("x-hasura-user-id"),
        "no claim values: {}",
        reply.body
    );
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
