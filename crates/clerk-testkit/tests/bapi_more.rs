//! The rest of issue 15's Backend API in the emulator: sessions (list, revoke, templated
//! tokens), invitations, sign-in and actor tokens, JWT templates, allow/block lists,
//! `verify_password` and users' OAuth access tokens — every served shape validated against
//! the OpenAPI schemas, Clerk's error codes, the banned-user rules and `session.*` webhooks.

mod common;

use clerk_testkit::{decode_unverified, NewUser, TestClerk};
use common::{validator, violations, Api};
use serde_json::{json, Value};

fn start() -> (TestClerk, Api) {
    let clerk = TestClerk::start().expect("emulator starts");
    let api = Api::new(&clerk);
    (clerk, api)
}

/// Asserts every item validates against the schema `name`.
fn assert_valid(name: &str, items: &[&Value]) {
    let validator = validator(name);
    for item in items {
        assert_eq!(
            violations(&validator, item),
            Vec::<String>::new(),
            "{name}: {item}"
        );
    }
}

/// The validators bite: a wrong shape is reported.
#[test]
fn a_wrong_shape_is_a_violation() {
    assert!(!violations(&validator("Invitation"), &json!({"id": 1})).is_empty());
    assert!(!violations(
        &validator("Session"),
        &json!({"object": "session", "surprise": true})
    )
    .is_empty());
}

fn code(body: &Value) -> &str {
    body["errors"][0]["code"].as_str().unwrap_or_default()
}

#[actix_rt::test]
async fn sessions_are_listed_by_user_and_status_revoked_and_announced() {
    let (clerk, api) = start();
    let user = clerk.users().create(NewUser::default()).expect("user");
    let other = clerk.users().create(NewUser::default()).expect("user");
    let first = clerk.users().create_session(&user.id).expect("session");
    let second = api
        .send("POST", "/v1/sessions", Some(json!({"user_id": user.id})))
        .await;
    assert_eq!(second.status, 200);
    clerk.users().create_session(&other.id).expect("session");

    let bare = api.get(&format!("/v1/sessions?user_id={}", user.id)).await;
    let listed: Vec<&Value> = bare.body.as_array().expect("a bare array").iter().collect();
    assert_eq!(listed.len(), 2);
    assert_eq!(listed[0]["id"], second.body["id"], "newest first");
    assert_valid("Session", &listed);
    let paged = api
        .get(&format!(
            "/v1/sessions?user_id={}&paginated=true&limit=1&offset=1",
            user.id
        ))
        .await;
    assert_eq!(paged.body["total_count"], 2);
    assert_eq!(paged.body["data"][0]["id"], first.id.as_str());

    let revoked = api
        .send("POST", &format!("/v1/sessions/{}/revoke", first.id), None)
        .await;
    assert_eq!(revoked.status, 200);
    assert_eq!(revoked.body["status"], "revoked");
    assert_valid("Session", &[&revoked.body]);
    let active = api
        .get(&format!("/v1/sessions?user_id={}&status=active", user.id))
        .await;
    assert_eq!(active.body.as_array().map(Vec::len), Some(1));
    let by_client = api
        .get(&format!("/v1/sessions?client_id={}", first.client_id))
        .await;
    assert_eq!(by_client.body[0]["id"], first.id.as_str());

    let missing = api.send("POST", "/v1/sessions/sess_missing/revoke", None).await;
    assert_eq!((missing.status, code(&missing.body)), (404, "resource_not_found"));
    let unfiltered = api.get("/v1/sessions").await;
    assert_eq!(
        (unfiltered.status, code(&unfiltered.body)),
        (422, "form_param_missing")
    );
    let bad_status = api
        .get(&format!("/v1/sessions?user_id={}&status=asleep", user.id))
        .await;
    assert_eq!(
        (bad_status.status, code(&bad_status.body)),
        (422, "form_param_value_invalid")
    );

    let events: Vec<String> = clerk
        .webhooks()
        .events()
        .into_iter()
        .map(|e| e.event_type)
        .filter(|t| t.starts_with("session."))
        .collect();
    assert_eq!(
        events,
        [
            "session.created",
            "session.created",
            "session.created",
            "session.revoked"
        ]
    );
    let revoked_event = clerk
        .webhooks()
        .events()
        .into_iter()
        .find(|e| e.event_type == "session.revoked")
        .expect("event");
    let body: Value = serde_json::from_str(&revoked_event.body).expect("json");
    assert_eq!(body["data"]["id"], first.id.as_str());
    assert_eq!(body["data"]["user"]["id"], user.id.as_str());
}

#[actix_rt::test]
async fn a_ban_revokes_sessions_and_refuses_new_sessions_tokens_and_tickets() {
    let (clerk, api) = start();
    let user = clerk.users().create(NewUser::default()).expect("user");
    let session = clerk.users().create_session(&user.id).expect("session");
    clerk
        .jwt_templates()
        .add("plain", json!({"role": "x"}), 60)
        .expect("template");

    let banned = api
        .send("POST", &format!("/v1/users/{}/ban", user.id), None)
        .await;
    assert_eq!(banned.status, 200);
    assert_eq!(
        clerk.users().session(&session.id).expect("kept").status,
        "revoked"
    );

    let refused = [
        api.send("POST", "/v1/sessions", Some(json!({"user_id": user.id})))
            .await,
        api.send("POST", &format!("/v1/sessions/{}/tokens", session.id), None)
            .await,
        api.send("POST", &format!("/v1/sessions/{}/tokens/plain", session.id), None)
            .await,
        api.send("POST", "/v1/sign_in_tokens", Some(json!({"user_id": user.id})))
            .await,
        api.send(
            "POST",
            "/v1/actor_tokens",
            Some(json!({"user_id": user.id, "actor": {"sub": "user_support"}})),
        )
        .await,
    ];
    for reply in &refused {
        assert_eq!(
            (reply.status, code(&reply.body)),
            (403, "user_banned"),
            "{}",
            reply.body
        );
    }
    api.send("POST", &format!("/v1/users/{}/unban", user.id), None)
        .await;
    let again = api
        .send("POST", "/v1/sessions", Some(json!({"user_id": user.id})))
        .await;
    assert_eq!(again.status, 200, "unbanned users sign in again");
}

#[actix_rt::test]
async fn jwt_templates_are_listed_and_mint_tokens_with_their_claims() {
    let (clerk, api) = start();
    let user = clerk
        .users()
        .create(NewUser::default().email("ada@example.com").first_name("Ada"))
        .expect("user");
    let session = clerk.users().create_session(&user.id).expect("session");
    let template = clerk
        .jwt_templates()
        .add(
            "hasura",
            json!({"hasura": {"x-user-id": "{{user.id}}"}, "email": "{{user.primary_email_address}}",
                   "name": "{{user.first_name}}", "fixed": 7, "odd": "{{user.nonsense}}"}),
            120,
        )
        .expect("template");

    let list = api.get("/v1/jwt_templates?paginated=true").await;
    assert_eq!(list.body["total_count"], 1);
    assert_valid("JWTTemplate", &[&list.body["data"][0]]);
    let got = api.get(&format!("/v1/jwt_templates/{}", template.id)).await;
    assert_eq!(got.body["name"], "hasura");
    assert_valid("JWTTemplate", &[&got.body]);
    let missing = api.get("/v1/jwt_templates/jtmp_missing").await;
    assert_eq!((missing.status, code(&missing.body)), (404, "resource_not_found"));

    let token = api
        .send(
            "POST",
            &format!("/v1/sessions/{}/tokens/hasura", session.id),
            None,
        )
        .await;
    assert_eq!(token.body["object"], "token");
    let (_, claims) = decode_unverified(token.body["jwt"].as_str().unwrap_or_default()).expect("jwt");
    assert_eq!(claims["hasura"]["x-user-id"], user.id.as_str());
    assert_eq!(claims["email"], "ada@example.com");
    assert_eq!(claims["name"], "Ada");
    assert_eq!(claims["fixed"], 7);
    assert_eq!(claims["odd"], Value::Null);
    assert_eq!(claims["sub"], user.id.as_str());
    assert!(
        claims.get("sid").is_none(),
        "a template token is not a session token"
    );
    let lifetime = claims["exp"].as_i64().unwrap_or_default() - claims["iat"].as_i64().unwrap_or_default();
    assert_eq!(lifetime, 120);
    let shorter = api
        .send(
            "POST",
            &format!("/v1/sessions/{}/tokens/hasura", session.id),
            Some(json!({"expires_in_seconds": 45})),
        )
        .await;
    let (_, claims) = decode_unverified(shorter.body["jwt"].as_str().unwrap_or_default()).expect("jwt");
    assert_eq!(
        claims["exp"].as_i64().unwrap_or_default() - claims["iat"].as_i64().unwrap_or_default(),
        45
    );
    let unknown = api
        .send("POST", &format!("/v1/sessions/{}/tokens/nope", session.id), None)
        .await;
    assert_eq!(unknown.status, 404);
}

#[actix_rt::test]
async fn invitations_are_created_listed_and_revoked_with_clerks_errors() {
    let (clerk, api) = start();
    clerk
        .users()
        .create(NewUser::default().email("taken@example.com"))
        .expect("user");
    let created = api
        .send(
            "POST",
            "/v1/invitations",
            Some(json!({"email_address": "new@example.com", "public_metadata": {"plan": "pro"}, "notify": false})),
        )
        .await;
    assert_eq!(created.status, 200);
    assert_valid("Invitation", &[&created.body]);
    assert_eq!(created.body["status"], "pending");
    api.send(
        "POST",
        "/v1/invitations",
        Some(json!({"email_address": "other@example.com"})),
    )
    .await;

    let duplicate = api
        .send(
            "POST",
            "/v1/invitations",
            Some(json!({"email_address": "new@example.com"})),
        )
        .await;
    assert_eq!(
        (duplicate.status, code(&duplicate.body)),
        (400, "duplicate_record")
    );
    let taken = api
        .send(
            "POST",
            "/v1/invitations",
            Some(json!({"email_address": "taken@example.com"})),
        )
        .await;
    assert_eq!((taken.status, code(&taken.body)), (422, "form_identifier_exists"));
    let missing = api.send("POST", "/v1/invitations", Some(json!({}))).await;
    assert_eq!((missing.status, code(&missing.body)), (422, "form_param_missing"));

    let listed = api.get("/v1/invitations?paginated=true&query=new").await;
    assert_eq!(listed.body["total_count"], 1);
    assert_valid("Invitation", &[&listed.body["data"][0]]);
    let all = api.get("/v1/invitations").await;
    assert_eq!(all.body.as_array().map(Vec::len), Some(2));
    assert_eq!(all.body[0]["email_address"], "other@example.com", "newest first");

    let id = created.body["id"].as_str().unwrap_or_default();
    let revoked = api
        .send("POST", &format!("/v1/invitations/{id}/revoke"), None)
        .await;
    assert_eq!(revoked.status, 200);
    assert_eq!(
        (revoked.body["status"].as_str(), revoked.body["revoked"].as_bool()),
        (Some("revoked"), Some(true))
    );
    assert_valid("Invitation", &[&revoked.body]);
    let twice = api
        .send("POST", &format!("/v1/invitations/{id}/revoke"), None)
        .await;
    assert_eq!(
        (twice.status, code(&twice.body)),
        (400, "invitation_already_revoked")
    );
    let unknown = api.send("POST", "/v1/invitations/inv_missing/revoke", None).await;
    assert_eq!(unknown.status, 404);
    let pending = api.get("/v1/invitations?status=pending").await;
    assert_eq!(pending.body.as_array().map(Vec::len), Some(1));
    let again = api
        .send(
            "POST",
            "/v1/invitations",
            Some(json!({"email_address": "new@example.com"})),
        )
        .await;
    assert_eq!(again.status, 200, "a revoked invitation does not block a new one");
}

#[actix_rt::test]
async fn sign_in_and_actor_tokens_are_created_once_and_revoked_once() {
    let (clerk, api) = start();
    let user = clerk.users().create(NewUser::default()).expect("user");

    let sign_in = api
        .send(
            "POST",
            "/v1/sign_in_tokens",
            Some(json!({"user_id": user.id, "expires_in_seconds": 600})),
        )
        .await;
    assert_eq!(sign_in.status, 200);
    assert_valid("SignInToken", &[&sign_in.body]);
    assert!(sign_in.body["token"].as_str().is_some_and(|t| !t.is_empty()));
    let actor = api
        .send(
            "POST",
            "/v1/actor_tokens",
            Some(json!({"user_id": user.id, "actor": {"sub": "user_support"}})),
        )
        .await;
    assert_eq!(actor.status, 200);
    assert_valid("ActorToken", &[&actor.body]);
    assert_eq!(actor.body["actor"]["sub"], "user_support");

    for (path, body) in [("sign_in_tokens", &sign_in.body), ("actor_tokens", &actor.body)] {
        let id = body["id"].as_str().unwrap_or_default();
        let revoked = api.send("POST", &format!("/v1/{path}/{id}/revoke"), None).await;
        assert_eq!(revoked.body["status"], "revoked", "{path}");
        assert!(revoked.body.get("token").is_none(), "the ticket is shown once");
        let twice = api.send("POST", &format!("/v1/{path}/{id}/revoke"), None).await;
        assert_eq!(twice.status, 400, "{path}");
        assert!(
            code(&twice.body).ends_with("_cannot_be_revoked_code"),
            "{}",
            twice.body
        );
        let unknown = api
            .send("POST", &format!("/v1/{path}/x_missing/revoke"), None)
            .await;
        assert_eq!(unknown.status, 404);
    }

    let nobody = api
        .send(
            "POST",
            "/v1/sign_in_tokens",
            Some(json!({"user_id": "user_missing"})),
        )
        .await;
    assert_eq!(nobody.status, 404);
    let no_actor = api
        .send(
            "POST",
            "/v1/actor_tokens",
            Some(json!({"user_id": user.id, "actor": {}})),
        )
        .await;
    assert_eq!(
        (no_actor.status, code(&no_actor.body)),
        (422, "form_param_missing")
    );
}

#[actix_rt::test]
async fn allow_and_block_lists_add_list_and_remove() {
    let (_clerk, api) = start();
    for (path, schema) in [
        ("allowlist_identifiers", "AllowlistIdentifier"),
        ("blocklist_identifiers", "BlocklistIdentifier"),
    ] {
        let added = api
            .send(
                "POST",
                &format!("/v1/{path}"),
                Some(json!({"identifier": "ada@example.com"})),
            )
            .await;
        assert_eq!(added.status, 200, "{path}");
        assert_valid(schema, &[&added.body]);
        assert_eq!(added.body["identifier_type"], "email_address");
        let phone = api
            .send(
                "POST",
                &format!("/v1/{path}"),
                Some(json!({"identifier": "+15555550123"})),
            )
            .await;
        assert_eq!(phone.body["identifier_type"], "phone_number");
        let duplicate = api
            .send(
                "POST",
                &format!("/v1/{path}"),
                Some(json!({"identifier": "ADA@example.com"})),
            )
            .await;
        assert_eq!(
            (duplicate.status, code(&duplicate.body)),
            (400, "duplicate_record")
        );
        let empty = api.send("POST", &format!("/v1/{path}"), Some(json!({}))).await;
        assert_eq!((empty.status, code(&empty.body)), (422, "form_param_missing"));

        let listed = api.get(&format!("/v1/{path}?paginated=true")).await;
        assert_eq!(listed.body["total_count"], 2);
        let id = added.body["id"].as_str().unwrap_or_default();
        let removed = api.send("DELETE", &format!("/v1/{path}/{id}"), None).await;
        assert_eq!(removed.body["deleted"], true);
        assert_valid("DeletedObject", &[&removed.body]);
        let gone = api.send("DELETE", &format!("/v1/{path}/{id}"), None).await;
        assert_eq!((gone.status, code(&gone.body)), (404, "resource_not_found"));
    }
    let allow = api.get("/v1/allowlist_identifiers").await;
    assert!(
        allow.body.is_array(),
        "the allow-list is a bare array without paginated"
    );
    let block = api.get("/v1/blocklist_identifiers").await;
    assert_valid("BlocklistIdentifiers", &[&block.body]);
    assert_eq!(block.body["total_count"], 1);
}

#[actix_rt::test]
async fn passwords_verify_and_oauth_tokens_are_served() {
    let (clerk, api) = start();
    let user = clerk
        .users()
        .create(NewUser::default().password("correct horse battery staple"))
        .expect("user");
    let bare = clerk.users().create(NewUser::default()).expect("user");
    let verify = |id: &str| format!("/v1/users/{id}/verify_password");

    let right = api
        .send(
            "POST",
            &verify(&user.id),
            Some(json!({"password": "correct horse battery staple"})),
        )
        .await;
    assert_eq!((right.status, &right.body), (200, &json!({"verified": true})));
    let wrong = api
        .send("POST", &verify(&user.id), Some(json!({"password": "nope"})))
        .await;
    assert_eq!((wrong.status, code(&wrong.body)), (422, "incorrect_password"));
    let none = api
        .send("POST", &verify(&bare.id), Some(json!({"password": "x"})))
        .await;
    assert_eq!((none.status, code(&none.body)), (400, "no_password_set"));
    let nobody = api
        .send("POST", &verify("user_missing"), Some(json!({"password": "x"})))
        .await;
    assert_eq!(nobody.status, 404);
    api.send(
        "PATCH",
        &format!("/v1/users/{}", bare.id),
        Some(json!({"password": "new password"})),
    )
    .await;
    let changed = api
        .send(
            "POST",
            &verify(&bare.id),
            Some(json!({"password": "new password"})),
        )
        .await;
    assert_eq!(changed.status, 200, "a password set by an update verifies");

    clerk
        .oauth_tokens()
        .set(&user.id, "oauth_google", "ya29.secret", ["email", "profile"]);
    let tokens = api
        .get(&format!(
            "/v1/users/{}/oauth_access_tokens/oauth_google?paginated=true",
            user.id
        ))
        .await;
    assert_eq!(tokens.body["total_count"], 1);
    assert_valid("OAuthAccessToken", &[&tokens.body["data"]]);
    assert_eq!(tokens.body["data"][0]["token"], "ya29.secret");
    let none = api
        .get(&format!("/v1/users/{}/oauth_access_tokens/oauth_github", user.id))
        .await;
    assert_eq!(none.body, json!([]));
    let bad = api
        .get(&format!("/v1/users/{}/oauth_access_tokens/google", user.id))
        .await;
    assert_eq!(bad.status, 422);
    let nobody = api
        .get("/v1/users/user_missing/oauth_access_tokens/oauth_google")
        .await;
    assert_eq!(nobody.status, 404);
}

#[actix_rt::test]
async fn the_users_list_pages_by_starting_after_in_a_created_at_order() {
    let (clerk, api) = start();
    let users = clerk.users().seed(5).expect("seeded");
    // Newest first: 5, 4 | 3, 2 | 1.
    let first = api.get("/v1/users?limit=2").await;
    let last_id = first.body[1]["id"].as_str().unwrap_or_default().to_owned();
    assert_eq!(last_id, users[3].id);
    let second = api
        .get(&format!("/v1/users?limit=2&starting_after={last_id}"))
        .await;
    let ids: Vec<&str> = second
        .body
        .as_array()
        .expect("array")
        .iter()
        .filter_map(|u| u["id"].as_str())
        .collect();
    assert_eq!(ids, [users[2].id.as_str(), users[1].id.as_str()]);
    // The cursor still works after its user is deleted.
    clerk.users().delete(&users[1].id).expect("deleted");
    let third = api
        .get(&format!("/v1/users?limit=2&starting_after={}", users[1].id))
        .await;
    assert_eq!(third.body[0]["id"], users[0].id.as_str());
    let ascending = api
        .get(&format!(
            "/v1/users?order_by=created_at&starting_after={}",
            users[0].id
        ))
        .await;
    assert_eq!(ascending.body.as_array().map(Vec::len), Some(3));

    let wrong_order = api
        .get(&format!("/v1/users?order_by=username&starting_after={last_id}"))
        .await;
    assert_eq!(
        (wrong_order.status, code(&wrong_order.body)),
        (422, "form_param_value_invalid")
    );
    let with_offset = api
        .get(&format!("/v1/users?offset=1&starting_after={last_id}"))
        .await;
    assert_eq!(with_offset.status, 422);
}
