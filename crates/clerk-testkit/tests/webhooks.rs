//! Svix-signed webhook delivery: envelope, signature, retries, ordering controls.

mod common;

use std::time::Duration;

use clerk_testkit::{
    webhooks::sign_webhook, webhooks::DeliveryOutcome, webhooks::ReceivedWebhook, webhooks::WebhookReceiver,
    NewUser, TestClerk,
};
use common::{assert_same_shape, fixture, Api};
use serde_json::{json, Value};

const SECRET: &str = "whsec_AQIDBAUGBwgJCgsMDQ4PEBESExQVFhcYGRobHB0eHyA=";
const FAST: [Duration; 4] = [
    Duration::ZERO,
    Duration::from_millis(10),
    Duration::from_millis(20),
    Duration::from_millis(30),
];

fn setup() -> (TestClerk, WebhookReceiver) {
    let receiver = WebhookReceiver::start().expect("receiver starts");
    let clerk = TestClerk::builder()
        .webhook(receiver.url(), SECRET)
        .retry_schedule(FAST)
        .start()
        .expect("emulator starts");
    (clerk, receiver)
}

fn now_secs() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or_default()
}

fn assert_signed(hook: &ReceivedWebhook) {
    let ts: i64 = hook.svix_timestamp.parse().expect("integer seconds");
    let expected = sign_webhook(SECRET, &hook.svix_id, ts, &hook.body).expect("signs");
    assert_eq!(hook.svix_signature, expected);
}

#[test]
fn signing_matches_the_svix_test_vectors() {
    for v in fixture("svix_test_vectors.json")["vectors"]
        .as_array()
        .into_iter()
        .flatten()
    {
        let got = sign_webhook(
            v["secret"].as_str().unwrap_or_default(),
            v["msg_id"].as_str().unwrap_or_default(),
            v["timestamp"].as_i64().unwrap_or_default(),
            v["payload"].as_str().unwrap_or_default(),
        )
        .expect("signs");
        assert_eq!(Value::from(got), v["expected_signature"]);
    }
}

#[actix_rt::test]
async fn user_changes_deliver_signed_clerk_envelopes() {
    let (clerk, receiver) = setup();
    let api = Api::new(&clerk);
    let created = api
        .send(
            "POST",
            "/v1/users",
            Some(json!({"email_address": ["ada@example.com"], "external_id": "legacy-42"})),
        )
        .await;
    let id = created.body["id"].as_str().unwrap_or_default().to_owned();
    clerk
        .users()
        .update(
            &id,
            clerk_testkit::UserUpdate {
                first_name: Some("Ada".into()),
                ..Default::default()
            },
        )
        .expect("direct update");
    api.send("DELETE", &format!("/v1/users/{id}"), None).await;
    clerk.webhooks().wait_idle().await;

    let got = receiver.received();
    let types: Vec<Value> = got.iter().map(|h| h.json()["type"].clone()).collect();
    assert_eq!(
        types,
        vec![
            json!("user.created"),
            json!("user.updated"),
            json!("user.deleted")
        ]
    );
    for hook in &got {
        assert_signed(hook);
        assert!(hook.svix_id.starts_with("msg_"));
        assert_eq!(hook.content_type, "application/json");
        let ts: i64 = hook.svix_timestamp.parse().unwrap_or_default();
        assert!((now_secs() - ts).abs() <= 5);
        let body = hook.json();
        assert_eq!(body["object"], "event");
        assert_eq!(body["instance_id"], clerk.instance().id());
        assert!(
            body["timestamp"].as_i64().unwrap_or_default() > 1_000_000_000_000,
            "ms"
        );
    }
    let created = got[0].json();
    let mut example = fixture("user.created.json");
    // Free-form metadata contents aside, the same keys and types as Clerk's payload.
    for key in ["public_metadata", "private_metadata", "unsafe_metadata"] {
        example["data"][key] = Value::Null;
    }
    if let Some(data) = example["data"].as_object_mut() {
        data.remove("requires_password_reset");
        for key in ["passkeys", "external_accounts", "web3_wallets", "phone_numbers"] {
            data.insert(key.into(), json!([]));
        }
    }
    assert_same_shape(&example, &created, "user.created");
    assert_eq!(
        created["event_attributes"]["http_request"]["user_agent"],
        "@clerk/backend@3.25.0"
    );
    assert_eq!(
        created["event_attributes"]["http_request"]["client_ip"],
        "127.0.0.1"
    );
    assert_eq!(
        got[1].json()["event_attributes"]["http_request"]["user_agent"],
        "clerk-testkit"
    );
    let deleted = got[2].json();
    assert_same_shape(&fixture("user.deleted.json"), &deleted, "user.deleted");
    assert_eq!(
        deleted["data"],
        json!({"deleted": true, "external_id": "legacy-42", "id": id, "object": "user"})
    );
    assert_eq!(clerk.webhooks().events().len(), 3);
}

#[actix_rt::test]
async fn failed_deliveries_are_retried_with_the_same_message_id() {
    let (clerk, receiver) = setup();
    receiver.fail_next(2, 500);
    clerk.users().create(NewUser::default()).expect("created");
    clerk.webhooks().wait_idle().await;
    let got = receiver.received();
    assert_eq!(
        got.iter().map(|h| h.status).collect::<Vec<_>>(),
        vec![500, 500, 200]
    );
    assert!(
        got.iter().all(|h| h.svix_id == got[0].svix_id),
        "svix-id is stable"
    );
    got.iter().for_each(assert_signed);
    let attempts = clerk.webhooks().attempts();
    assert_eq!(
        attempts.iter().map(|a| a.attempt).collect::<Vec<_>>(),
        vec![1, 2, 3]
    );
    assert!(attempts[2].succeeded());
}

#[actix_rt::test]
async fn connection_errors_are_retried_until_the_schedule_runs_out() {
    // A port that was free a moment ago: connections are refused.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("free port");
    let clerk = TestClerk::builder()
        .webhook(format!("http://127.0.0.1:{port}/hook"), SECRET)
        .retry_schedule(FAST)
        .start()
        .expect("emulator starts");
    clerk.users().create(NewUser::default()).expect("created");
    clerk.webhooks().wait_idle().await;
    let attempts = clerk.webhooks().attempts();
    assert_eq!(attempts.len(), FAST.len());
    assert!(attempts
        .iter()
        .all(|a| matches!(a.outcome, DeliveryOutcome::ConnectionError(_))));
    assert_eq!(clerk.webhooks().pending(), 0);
}

#[actix_rt::test]
async fn pause_then_deliver_out_of_order() {
    let (clerk, receiver) = setup();
    let hooks = clerk.webhooks();
    hooks.pause();
    let users: Vec<String> = (0..3)
        .map(|i| {
            clerk
                .users()
                .create(NewUser::default().first_name(i.to_string()))
                .map(|u| u.id)
        })
        .collect::<Result<_, _>>()
        .expect("created");
    assert_eq!(hooks.pending(), 3);
    assert!(!hooks.wait_idle_blocking(Duration::from_millis(20)), "paused");
    assert!(receiver.received().is_empty());
    hooks.deliver_out_of_order(true);
    hooks.resume();
    hooks.wait_idle().await;
    let order: Vec<String> = receiver
        .received()
        .iter()
        .map(|h| h.json()["data"]["id"].as_str().unwrap_or_default().to_owned())
        .collect();
    assert_eq!(order, users.into_iter().rev().collect::<Vec<_>>());
}

#[actix_rt::test]
async fn duplicate_stale_and_dropped_deliveries() {
    let (clerk, receiver) = setup();
    let hooks = clerk.webhooks();

    hooks.deliver_twice(true);
    clerk.users().create(NewUser::default()).expect("created");
    hooks.wait_idle().await;
    let got = receiver.received();
    assert_eq!(got.len(), 2);
    assert_eq!(got[0].svix_id, got[1].svix_id);
    assert_eq!(got[0].body, got[1].body);
    hooks.deliver_twice(false);

    hooks.stale_timestamp(Duration::from_secs(301));
    clerk.users().create(NewUser::default()).expect("created");
    hooks.wait_idle().await;
    let stale = receiver.received().pop().expect("delivered");
    let ts: i64 = stale.svix_timestamp.parse().unwrap_or_default();
    assert!(now_secs() - ts >= 301, "outside Svix's ±300 s tolerance");
    assert_signed(&stale);
    hooks.stale_timestamp(Duration::ZERO);

    hooks.clear_log();
    hooks.drop_fraction(0.5);
    for _ in 0..4 {
        clerk.users().create(NewUser::default()).expect("created");
    }
    hooks.wait_idle().await;
    let dropped = hooks
        .attempts()
        .iter()
        .filter(|a| a.outcome == DeliveryOutcome::Dropped)
        .count();
    assert_eq!(dropped, 2);
    assert_eq!(receiver.received().len(), 3 + 2);
}
