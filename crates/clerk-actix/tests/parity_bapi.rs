//! Parity of the first Backend API calls and of webhook verification: Clerk's official
//! `@clerk/backend` client and `verifyWebhook` (pinned in `parity/package.json`) drive the
//! offline Clerk (`node parity/bapi.mjs`: list, count, get, metadata, a session and its verified
//! token, the JWKS, a signed delivery, delete, the deleted user, a wrong key), and our
//! `ClerkClient`, our token verifier and our `WebhookVerifier` make the same calls against a
//! second emulator built from the same fixtures: every field Clerk's classes expose must be in
//! our answer with the same value (ids minted fresh and times aside, `node::shape`).
//!
//! Node and npm are required (as in `parity.rs`): a missing `parity/node_modules` is installed
//! with `npm ci`, and the test fails, never skips, if it cannot be.

mod node;

use std::path::Path;
use std::process::Command;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use clerk_actix::client::sessions::CreateSession;
use clerk_actix::client::users::UpdateUserMetadata;
use clerk_actix::client::{ClientConfig, UserListParams};
use clerk_actix::{ClerkClient, ClerkConfig};
use clerk_core::webhook::{WebhookHeaders, WebhookSecret, WebhookVerifier};
use clerk_testkit::{NewUser, TestClerk};
use node::shape::{answer, assert_same, normalized, resource, user_resource};
use node::{ensure_node_modules, json_output, workspace_root};
use serde_json::{json, Map, Value};

/// The webhook signing secret both sides verify with.
const WEBHOOK_SECRET: &str = "whsec_AQIDBAUGBwgJCgsMDQ4PEBESExQVFhcYGRobHB0eHyA=";

/// An emulator with the one user both clients work on. The instance and the user's id are
/// fixed, so what is derived from them (image URLs, the issuer, the key) is the same in two
/// emulators.
struct Fixture {
    clerk: TestClerk,
    user: String,
}

fn fixture() -> Fixture {
    let clerk = TestClerk::builder().fixed_instance().start().expect("emulator");
    let user = clerk
        .users()
        .create(
            NewUser::default()
                .id("user_2ParityAdaLovelace000000000")
                .first_name("Ada")
                .email("ada@example.com"),
        )
        .expect("user")
        .id;
    Fixture { clerk, user }
}

/// A `user.deleted` delivery for `user_id`, signed now with [`WEBHOOK_SECRET`]: `{body,
/// headers, secret}` as the script reads it.
fn delivery(user_id: &str) -> Value {
    let body = json!({"data": {"id": user_id, "object": "user", "deleted": true}, "object": "event",
        "type": "user.deleted", "timestamp": 1_755_000_000_000_i64, "instance_id": "ins_x",
        "event_attributes": {"http_request": {"client_ip": "127.0.0.1", "user_agent": "test"}}})
    .to_string();
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .expect("after 1970")
        .as_secs();
    let timestamp = i64::try_from(now).expect("a 64-bit time");
    let signature =
        clerk_testkit::webhooks::sign_webhook(WEBHOOK_SECRET, "msg_parity", timestamp, &body).expect("sign");
    json!({"body": body, "secret": WEBHOOK_SECRET, "headers": {
        "svix-id": "msg_parity", "svix-timestamp": timestamp.to_string(),
        "svix-signature": signature, "content-type": "application/json"}})
}

fn run_clerk(root: &Path, fixture: &Fixture, delivery: &Value) -> Value {
    json_output(
        Command::new("node")
            .arg("parity/bapi.mjs")
            .current_dir(root)
            .env("CLERK_API_URL", fixture.clerk.base_url())
            .env("CLERK_SECRET_KEY", fixture.clerk.secret_key())
            .env("USER_ID", &fixture.user)
            .env("WEBHOOK", delivery.to_string()),
    )
}

/// A verified token's claims without the times minted at each call (the script's `claims`).
fn identity_claims(raw: &Map<String, Value>) -> Value {
    let mut claims = raw.clone();
    for time in ["iat", "exp", "nbf"] {
        claims.remove(time);
    }
    Value::Object(claims)
}

/// Our answers to the script's calls, in its shape, against `fixture`'s emulator.
async fn run_ours(fixture: &Fixture, delivery: &Value) -> Value {
    let clerk = &fixture.clerk;
    let api = ClerkClient::new(
        ClientConfig::new()
            .secret_key(clerk.secret_key())
            .api_url(clerk.base_url())
            .backoff(Duration::from_millis(1), Duration::from_millis(5)),
    )
    .expect("client");
    let sdk = ClerkConfig::new()
        .secret_key(clerk.secret_key())
        .publishable_key(clerk.publishable_key())
        .api_url(clerk.base_url())
        .build()
        .expect("config");
    let user = fixture.user.as_str();
    let mut out = Map::new();
    let mut step = |name: &str, value: Value| out.insert(name.to_owned(), value);

    let params = UserListParams::new().limit(2).order_by("-created_at");
    let listed = match (api.users().list(&params).await, api.users().count(&params).await) {
        (Ok(users), Ok(total)) => Ok((users, total.total_count)),
        (Err(err), _) | (_, Err(err)) => Err(err),
    };
    step(
        "list",
        answer(
            listed,
            |(users, total)| json!({"totalCount": total, "data": users.iter().map(user_resource).collect::<Vec<_>>()}),
        ),
    );
    step(
        "count",
        answer(api.users().count(&UserListParams::new()).await, |n| {
            json!(n.total_count)
        }),
    );
    step("get", answer(api.users().get(user).await, |u| user_resource(&u)));
    let updated = api
        .users()
        .update_metadata(
            user,
            &UpdateUserMetadata {
                public_metadata: json!({"plan": "pro"}),
                private_metadata: json!({"note": "x"}),
                ..Default::default()
            },
        )
        .await;
    step("metadata", answer(updated, |u| user_resource(&u)));

    let new_session = CreateSession {
        user_id: user.to_owned(),
        ..Default::default()
    };
    let session = match api.sessions().create(&new_session).await {
        Ok(created) => match (
            api.sessions().get(&created.id).await,
            api.sessions().create_token(&created.id, None).await,
        ) {
            (Ok(fetched), Ok(jwt)) => {
                let claims = sdk
                    .verify_token(&jwt)
                    .await
                    .expect("our verifier accepts the emulator's session token");
                Ok(json!({"session": resource(&fetched), "claims": identity_claims(claims.raw())}))
            }
            (Err(err), _) | (_, Err(err)) => Err(err),
        },
        Err(err) => Err(err),
    };
    step("session", answer(session, |value| value));

    let verifier = WebhookVerifier::new(WebhookSecret::new(WEBHOOK_SECRET).expect("secret"));
    let header = |name: &str| delivery["headers"][name].as_str();
    let headers = WebhookHeaders::new(
        header("svix-id"),
        header("svix-timestamp"),
        header("svix-signature"),
    );
    let body = delivery["body"].as_str().unwrap_or_default();
    let event = verifier
        .verify_event(&headers, body.as_bytes(), SystemTime::now())
        .expect("our verifier accepts the delivery Clerk's accepts");
    step(
        "webhook",
        serde_json::to_value(&event).expect("an event serializes"),
    );

    step("delete", answer(api.users().delete(user).await, |d| resource(&d)));
    step(
        "get_deleted",
        answer(api.users().get(user).await, |u| user_resource(&u)),
    );
    let wrong = ClerkClient::new(
        ClientConfig::new()
            .secret_key("sk_test_wrongwrongwrong")
            .api_url(clerk.base_url()),
    )
    .expect("client");
    step(
        "wrong_key",
        answer(wrong.users().count(&UserListParams::new()).await, |n| {
            json!(n.total_count)
        }),
    );
    Value::Object(out)
}

/// Clerk's client and ours make the same calls against two emulators built from the same
/// fixtures, and see the same objects field by field; Clerk's client reads the key the
/// emulator signs with.
#[actix_rt::test]
async fn our_client_and_verifiers_see_what_clerks_see() {
    let root = workspace_root();
    ensure_node_modules(&root);
    let theirs = fixture();
    let clerk = run_clerk(&root, &theirs, &delivery(&theirs.user));
    let mine = fixture();
    let ours = run_ours(&mine, &delivery(&mine.user)).await;

    // Our client has no JWKS call of its own (the verifier fetches and caches the keys): the
    // emulator must serve Clerk's client the key it signs with.
    let keys = clerk["jwks"]["keys"].as_array().expect("Clerk read a key set");
    assert_eq!(keys.len(), 1, "{}", clerk["jwks"]);
    assert_eq!(keys[0]["kid"], theirs.clerk.instance().kid(), "{}", clerk["jwks"]);
    assert_eq!(keys[0]["kty"], "RSA");
    let mut clerk = clerk;
    clerk.as_object_mut().expect("an object").remove("jwks");

    assert_same(
        &normalized(&clerk, &[("USER", &theirs.user)]),
        &normalized(&ours, &[("USER", &mine.user)]),
    );
    // The steps that must fail, failing as Clerk's (both sides failing alike would agree).
    assert_eq!(clerk["get_deleted"]["status"], 404, "{clerk}");
    assert_eq!(clerk["wrong_key"]["status"], 401, "{clerk}");
    assert_eq!(clerk["delete"]["deleted"], true, "{clerk}");
}
