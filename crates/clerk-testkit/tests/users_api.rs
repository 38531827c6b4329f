//! The users Backend API: contract shapes (OpenAPI `User` schema, example files), filters,
//! pagination, metadata merge, errors, auth and API versions.

mod common;

use clerk_testkit::{NewUser, TestClerk};
use common::{assert_same_shape, fixture, violations, Api};
use serde_json::{json, Value};

fn user_validator() -> jsonschema::Validator {
    common::validator("User")
}

fn full_user() -> NewUser {
    NewUser::default()
        .email("ada@example.com")
        .email("ada.work@example.org")
        .phone("+15555550123")
        .first_name("Ada")
        .last_name("Lovelace")
        .username("ada_l")
        .external_id("legacy-42")
        .password("correct horse battery staple")
        .public_metadata(json!({"plan": "pro"}))
        .private_metadata(json!({"stripe": "cus_1"}))
        .unsafe_metadata(json!({"step": 3}))
}

#[actix_rt::test]
async fn served_users_validate_against_the_openapi_user_schema() {
    let validator = user_validator();
    // The contract's example is valid but for its one undocumented field.
    let example = fixture("user.example.json");
    let errors = violations(&validator, &example);
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert!(errors[0].contains("requires_password_reset"), "{errors:?}");

    let clerk = TestClerk::start().expect("emulator starts");
    let api = Api::new(&clerk);
    let created = api
        .send(
            "POST",
            "/v1/users",
            Some(
                json!({"email_address": ["ada@example.com"], "phone_number": ["+15555550123"],
                        "first_name": "Ada", "password": "pw", "public_metadata": {"a": 1}}),
            ),
        )
        .await;
    assert_eq!(created.status, 200);
    assert_eq!(created.header("content-type"), Some("application/json"));
    assert_eq!(violations(&validator, &created.body), Vec::<String>::new());
    let bare = clerk.users().create(NewUser::default()).expect("created");
    let bare = api.get(&format!("/v1/users/{}", bare.id)).await;
    assert_eq!(violations(&validator, &bare.body), Vec::<String>::new());
    assert_same_shape_lenient(&example, &created.body);
}

/// Same keys and value types as the example, except the undocumented key, the lists the
/// emulator leaves empty and the metadata contents.
fn assert_same_shape_lenient(example: &Value, actual: &Value) {
    let mut example = example.clone();
    if let Some(map) = example.as_object_mut() {
        map.remove("requires_password_reset");
        for key in ["passkeys", "external_accounts", "web3_wallets"] {
            map.insert(key.into(), json!([]));
        }
        // Free-form maps: their contents are the test's own.
        for key in ["public_metadata", "private_metadata", "unsafe_metadata"] {
            map.insert(key.into(), Value::Null);
        }
    }
    assert_same_shape(&example, actual, "user");
}

#[actix_rt::test]
async fn undocumented_fields_only_on_request() {
    let clerk = TestClerk::builder()
        .undocumented_user_fields(true)
        .start()
        .expect("emulator starts");
    let user = clerk.users().create(full_user()).expect("created");
    let reply = Api::new(&clerk).get(&format!("/v1/users/{}", user.id)).await;
    assert_eq!(reply.body["requires_password_reset"], false);
    let errors = violations(&user_validator(), &reply.body);
    assert_eq!(errors.len(), 1, "{errors:?}");
}

#[actix_rt::test]
async fn list_count_delete_match_the_example_shapes() {
    let clerk = TestClerk::start().expect("emulator starts");
    let api = Api::new(&clerk);
    let user = clerk.users().create(full_user()).expect("created");

    let list = api.get("/v1/users").await;
    assert_eq!(list.status, 200);
    assert_eq!(list.header("content-type"), Some("application/json"));
    assert!(list.body.is_array(), "GET /v1/users returns a bare array");
    assert_eq!(list.body.as_array().map(Vec::len), Some(1));
    let example_list = fixture("users.list.response.json");
    assert_same_shape_lenient(&example_list[0], &list.body[0]);

    let count = api.get("/v1/users/count").await;
    assert_same_shape(&fixture("users.count.response.json"), &count.body, "count");
    assert_eq!(count.body, json!({"object": "total_count", "total_count": 1}));

    let deleted = api.send("DELETE", &format!("/v1/users/{}", user.id), None).await;
    assert_same_shape(&fixture("users.delete.response.json"), &deleted.body, "delete");
    assert_eq!(
        deleted.body,
        json!({"object": "user", "id": user.id, "deleted": true})
    );
    let gone = api.get(&format!("/v1/users/{}", user.id)).await;
    assert_eq!(gone.status, 404);
    assert_eq!(gone.header("content-type"), Some("application/json"));
    let example_404 = &fixture("errors.examples.json")
        ["404_user_not_found_GET_users_id (observed 2026-01 in the wild)"]["body"];
    assert_same_shape(example_404, &gone.body, "404");
    assert_eq!(gone.body["errors"][0]["code"], "resource_not_found");
}

#[actix_rt::test]
async fn ids_have_clerk_prefixes_and_lengths() {
    let clerk = TestClerk::start().expect("emulator starts");
    let user = clerk.users().create(full_user()).expect("created");
    let base62 = |s: &str| s.chars().all(|c| c.is_ascii_alphanumeric());
    let rest = user.id.strip_prefix("user_").expect("user_ prefix");
    assert_eq!(rest.len(), 27);
    assert!(base62(rest));
    assert!(user.email_addresses[0].id.starts_with("idn_"));
    assert!(clerk.instance().id().starts_with("ins_"));
    assert!(clerk.publishable_key().starts_with("pk_test_"));
    assert!(clerk.secret_key().starts_with("sk_test_"));
    let prod = TestClerk::builder().production().start().expect("starts");
    assert!(prod.publishable_key().starts_with("pk_live_"));
    assert!(prod.secret_key().starts_with("sk_live_"));
    let pk = clerk_core::PublishableKey::parse(prod.publishable_key()).expect("valid pk");
    assert_eq!(pk.issuer(), prod.issuer());
}

#[actix_rt::test]
async fn list_paginates_orders_and_filters() {
    let clerk = TestClerk::start().expect("emulator starts");
    let api = Api::new(&clerk);
    let users = clerk.users().seed(12).expect("seeded");
    let ids = |reply: &common::Reply| -> Vec<String> {
        reply
            .body
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|u| u["id"].as_str().map(str::to_owned))
            .collect()
    };

    // Default: 10, newest first.
    let page = api.get("/v1/users").await;
    let newest: Vec<String> = users.iter().rev().take(10).map(|u| u.id.clone()).collect();
    assert_eq!(ids(&page), newest);
    let page = api.get("/v1/users?limit=5&offset=10").await;
    assert_eq!(ids(&page), vec![users[1].id.clone(), users[0].id.clone()]);
    let page = api.get("/v1/users?order_by=%2Bcreated_at&limit=2").await;
    assert_eq!(ids(&page), vec![users[0].id.clone(), users[1].id.clone()]);
    let page = api.get("/v1/users?order_by=-last_name&limit=1").await;
    assert_eq!(page.body[0]["last_name"], "9", "text ordering");

    for bad in ["limit=0", "limit=501"] {
        let reply = api.get(&format!("/v1/users?{bad}")).await;
        assert_eq!(reply.status, 422, "{bad}");
        assert_eq!(reply.body["errors"][0]["code"], "form_param_value_invalid");
        assert_eq!(reply.body["errors"][0]["meta"]["param_name"], "limit");
    }
    let reply = api.get("/v1/users?order_by=bogus").await;
    assert_eq!(reply.status, 422);
    assert_eq!(reply.body["errors"][0]["meta"]["param_name"], "order_by");

    // Repeated keys, +/- prefixes.
    let q = format!("/v1/users?user_id={}&user_id=%2B{}", users[0].id, users[1].id);
    let mut got = ids(&api.get(&q).await);
    got.sort();
    let mut want = vec![users[0].id.clone(), users[1].id.clone()];
    want.sort();
    assert_eq!(got, want);
    let q = format!("/v1/users/count?user_id=-{}", users[0].id);
    assert_eq!(api.get(&q).await.body["total_count"], 11);
    let q = "/v1/users?email_address=user3@example.com&email_address=USER4@example.com";
    assert_eq!(ids(&api.get(q).await).len(), 2);
    let reply = api.get("/v1/users/count?query=user1").await;
    assert_eq!(reply.body["total_count"], 4, "user1, user10, user11, user12");
    let reply = api.get("/v1/users/count?query=nobody").await;
    assert_eq!(reply.body["total_count"], 0);
}

#[actix_rt::test]
async fn updates_merge_metadata_and_bump_updated_at() {
    let clerk = TestClerk::start().expect("emulator starts");
    let api = Api::new(&clerk);
    let user = clerk.users().create(full_user()).expect("created");
    let path = format!("/v1/users/{}", user.id);

    let patched = api
        .send("PATCH", &path, Some(json!({"first_name": "Augusta"})))
        .await;
    assert_eq!(patched.status, 200);
    assert_eq!(patched.body["first_name"], "Augusta");
    let t1 = patched.body["updated_at"].as_i64().unwrap_or_default();
    assert!(t1 > user.updated_at);

    let merged = api
        .send(
            "PATCH",
            &format!("{path}/metadata"),
            Some(json!({"public_metadata": {"plan": null, "team": {"id": 7}},
                        "private_metadata": {"extra": true}})),
        )
        .await;
    assert_eq!(merged.body["public_metadata"], json!({"team": {"id": 7}}));
    assert_eq!(
        merged.body["private_metadata"],
        json!({"stripe": "cus_1", "extra": true})
    );
    assert_eq!(merged.body["unsafe_metadata"], json!({"step": 3}));
    let t2 = merged.body["updated_at"].as_i64().unwrap_or_default();
    assert!(t2 > t1, "updated_at strictly increases");

    // 2026-05-12 removed metadata from PATCH /v1/users/{id}; older versions replace it.
    let refused = api
        .send("PATCH", &path, Some(json!({"public_metadata": {"x": 1}})))
        .await;
    assert_eq!(refused.status, 422);
    assert_eq!(refused.body["errors"][0]["code"], "form_param_unknown");
    let old = Api::new(&clerk).with_version(Some("2025-04-10"));
    let replaced = old
        .send("PATCH", &path, Some(json!({"public_metadata": {"x": 1}})))
        .await;
    assert_eq!(replaced.body["public_metadata"], json!({"x": 1}));

    let bad = api.send("PATCH", &path, Some(json!({"first_name": 5}))).await;
    assert_eq!(bad.status, 422);
    let bad = api
        .send(
            "POST",
            "/v1/users",
            Some(json!({"email_address": ["ada@example.com"]})),
        )
        .await;
    assert_eq!(bad.body["errors"][0]["code"], "form_identifier_exists");
    let missing = api.send("PATCH", "/v1/users/user_missing", Some(json!({}))).await;
    assert_eq!(missing.status, 404);
}

#[actix_rt::test]
async fn authentication_and_api_version_errors() {
    let clerk = TestClerk::start().expect("emulator starts");
    let code = |reply: &common::Reply| reply.body["errors"][0]["code"].as_str().map(str::to_owned);

    let wrong = Api::new(&clerk)
        .with_key(Some("sk_test_wrong"))
        .get("/v1/users")
        .await;
    assert_eq!(
        (wrong.status, code(&wrong).as_deref()),
        (401, Some("clerk_key_invalid"))
    );
    assert!(wrong.body["clerk_trace_id"]
        .as_str()
        .is_some_and(|t| !t.is_empty()));
    let example =
        &fixture("errors.examples.json")["401_invalid_secret_key (observed, clerk-sdk-python#26)"]["body"];
    assert_eq!(wrong.body["errors"], example["errors"]);

    let missing = Api::new(&clerk).with_key(None).get("/v1/users").await;
    assert_eq!(
        (missing.status, code(&missing).as_deref()),
        (401, Some("authentication_invalid"))
    );
    let jwks = Api::new(&clerk).with_key(None).get("/v1/jwks").await;
    assert_eq!(jwks.status, 401, "the BAPI JWKS needs the secret key");
    let public = Api::new(&clerk)
        .with_key(None)
        .get("/.well-known/jwks.json")
        .await;
    assert_eq!(public.status, 200);
    assert_same_shape(&fixture("jwks.response.json"), &public.body, "jwks");

    for version in ["2026-05-12", "2025-11-10", "2021-02-05"] {
        let ok = Api::new(&clerk)
            .with_version(Some(version))
            .get("/v1/users/count")
            .await;
        assert_eq!(ok.status, 200, "{version}");
    }
    let none = Api::new(&clerk).with_version(None).get("/v1/users/count").await;
    assert_eq!(none.status, 200);
    let bad = Api::new(&clerk)
        .with_version(Some("2026-13-45"))
        .get("/v1/users")
        .await;
    assert_eq!(
        (bad.status, code(&bad).as_deref()),
        (400, Some("api_version_invalid"))
    );
    let both = Api::new(&clerk)
        .get("/v1/users?__clerk_api_version=2026-05-12")
        .await;
    assert_eq!(
        (both.status, code(&both).as_deref()),
        (400, Some("api_version_invalid"))
    );
    let query_only = Api::new(&clerk)
        .with_version(None)
        .get("/v1/users?__clerk_api_version=2026-05-12")
        .await;
    assert_eq!(query_only.status, 200);

    let unknown = Api::new(&clerk).get("/v1/nope").await;
    assert_eq!(
        (unknown.status, code(&unknown).as_deref()),
        (404, Some("resource_not_found"))
    );
}

#[actix_rt::test]
async fn counters_and_request_log_never_show_the_secret() {
    let clerk = TestClerk::start().expect("emulator starts");
    let api = Api::new(&clerk);
    let user = clerk.users().create(NewUser::default()).expect("created");
    api.get(&format!("/v1/users/{}", user.id)).await;
    api.get("/v1/users/user_missing").await;
    api.get("/v1/users?limit=3").await;
    let calls = clerk.calls();
    assert_eq!(calls.count("GET", "/v1/users/{user_id}"), 2);
    assert_eq!(calls.count_status("GET", "/v1/users/{user_id}", 200), 1);
    assert_eq!(calls.count_status("GET", "/v1/users/{user_id}", 404), 1);
    assert_eq!(calls.count("GET", "/v1/users"), 1);
    let log = calls.requests();
    assert_eq!(log.len(), 3);
    assert_eq!(log[2].query, "limit=3");
    let auth = log[0]
        .headers
        .iter()
        .find(|(k, _)| k == "authorization")
        .map(|(_, v)| v.clone());
    assert_eq!(auth.as_deref(), Some("Bearer sk_test_[redacted]"));
    let all = format!("{log:?}");
    assert!(!all.contains(clerk.secret_key()));
    assert!(log[0]
        .headers
        .iter()
        .any(|(k, v)| k == "clerk-api-version" && v == "2026-05-12"));
}

#[test]
fn restored_users_come_back_exactly_without_webhooks() {
    let first = TestClerk::start().expect("emulator starts");
    let users = first.users().seed(3).expect("seeded");
    let second = TestClerk::start().expect("emulator starts");
    second.users().restore(users.clone());
    assert_eq!(second.users().all(), users);
    assert!(
        second.webhooks().events().is_empty(),
        "no webhook for restored users"
    );
    // New users sort after the restored ones.
    let next = second
        .users()
        .create(NewUser::default().email("late@example.com"))
        .expect("created");
    assert!(next.created_at > users[2].created_at);
    assert_eq!(second.users().count(), 4);
}

/// `POST /v1/users/{id}/ban`, `unban`, `lock`, `unlock`: the user with the flag set, valid
/// against the OpenAPI `User` schema; the change is state (`GET` and the `banned` filter see it);
/// an unknown user is 404 `resource_not_found` in Clerk's envelope; the secret key is required.
#[actix_rt::test]
async fn ban_and_lock_routes_set_the_flags_in_clerk_shapes() {
    let validator = user_validator();
    let clerk = TestClerk::start().expect("emulator starts");
    let api = Api::new(&clerk);
    let id = clerk.users().create(full_user()).expect("created").id;
    let before = clerk.users().get(&id).expect("stored").updated_at;

    let banned = api.send("POST", &format!("/v1/users/{id}/ban"), None).await;
    assert_eq!(banned.status, 200);
    assert_eq!(violations(&validator, &banned.body), Vec::<String>::new());
    assert_eq!(
        (banned.body["banned"].clone(), banned.body["locked"].clone()),
        (json!(true), json!(false))
    );
    assert!(banned.body["updated_at"].as_i64().is_some_and(|at| at > before));
    assert_eq!(
        api.get(&format!("/v1/users/{id}")).await.body["banned"],
        json!(true)
    );
    let listed = api.get("/v1/users?banned=true").await;
    assert_eq!(listed.body.as_array().map(Vec::len), Some(1));

    let unbanned = api.send("POST", &format!("/v1/users/{id}/unban"), None).await;
    assert_eq!(
        (unbanned.status, unbanned.body["banned"].clone()),
        (200, json!(false))
    );

    let locked = api.send("POST", &format!("/v1/users/{id}/lock"), None).await;
    assert_eq!(locked.status, 200);
    assert_eq!(violations(&validator, &locked.body), Vec::<String>::new());
    assert_eq!(locked.body["locked"], json!(true));
    assert_eq!(
        api.get(&format!("/v1/users/{id}")).await.body["locked"],
        json!(true)
    );

    let unlocked = api.send("POST", &format!("/v1/users/{id}/unlock"), None).await;
    assert_eq!(
        (unlocked.status, unlocked.body["locked"].clone()),
        (200, json!(false))
    );
    assert_eq!(unlocked.body["lockout_expires_in_seconds"], Value::Null);

    for action in ["ban", "unban", "lock", "unlock"] {
        let missing = api
            .send("POST", &format!("/v1/users/user_missing/{action}"), None)
            .await;
        assert_eq!(missing.status, 404, "{action}");
        assert_eq!(
            missing.body["errors"][0]["code"],
            json!("resource_not_found"),
            "{action}"
        );
        assert!(missing.body["clerk_trace_id"].is_string(), "{action}");
        let anonymous = Api::new(&clerk)
            .with_key(None)
            .send("POST", &format!("/v1/users/{id}/{action}"), None)
            .await;
        assert_eq!(anonymous.status, 401, "{action}");
    }
    assert!(!clerk.users().get(&id).expect("stored").banned);
}

/// A duplicate email address on `POST /v1/users` is 422 `form_identifier_exists` (compared
/// case-insensitively), and nothing is created.
#[actix_rt::test]
async fn create_with_a_taken_email_is_form_identifier_exists() {
    let clerk = TestClerk::start().expect("emulator starts");
    let api = Api::new(&clerk);
    clerk
        .users()
        .create(NewUser::default().email("ada@example.com"))
        .expect("created");

    let twin = api
        .send(
            "POST",
            "/v1/users",
            Some(json!({"email_address": ["Ada@Example.com"]})),
        )
        .await;

    assert_eq!(twin.status, 422);
    assert_eq!(twin.body["errors"][0]["code"], json!("form_identifier_exists"));
    assert_eq!(clerk.users().count(), 1);
}

#[actix_rt::test]
async fn seeded_users_are_created_users_and_a_taken_identifier_stops_the_seed() {
    let clerk = TestClerk::start().expect("emulator starts");
    let seeded = clerk.users().seed(3).expect("seeded");
    // What `create` would make of the same identifiers, the schema's shape included.
    let made = clerk
        .users()
        .create(
            NewUser::default()
                .email("made@example.com")
                .first_name("User")
                .last_name("4")
                .username("made"),
        )
        .expect("created");
    let third = &seeded[2];
    assert_eq!(third.primary_email(), Some("user3@example.com"));
    assert_eq!(third.username.as_deref(), Some("user3"));
    assert_eq!(
        (third.first_name.as_deref(), third.last_name.as_deref()),
        (Some("User"), Some("3"))
    );
    assert!(seeded
        .windows(2)
        .all(|pair| pair[0].created_at < pair[1].created_at));
    assert!(third.created_at < made.created_at);
    let json = |user: &clerk_testkit::User| serde_json::to_value(user).expect("json");
    assert_same_shape(&json(&made), &json(third), "");
    assert!(violations(&user_validator(), &json(third)).is_empty());

    // Five users now: the next seed is user6, user7…; a user holding `USER7@example.com`
    // (addresses match whatever their case) stops it after user6.
    clerk
        .users()
        .create(NewUser::default().email("USER7@example.com"))
        .expect("created");
    let err = clerk.users().seed(3).expect_err("user7 is taken");
    assert!(err.to_string().contains("user7@example.com"), "{err}");
    assert_eq!(clerk.users().count(), 6, "user6 was seeded before the stop");
}
