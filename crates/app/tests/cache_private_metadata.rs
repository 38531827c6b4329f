//! Storage fidelity: every path that writes a user to Postgres keeps `private_metadata`, which
//! `User`'s own `Serialize` leaves out (issue 10, item 7).

mod common;

use app::cache::{ApplyOutcome, Freshness, ReconcileOutcome, WriteSource};
use clerk_testkit::{store::MetadataPatch, NewUser, TestClerk};
use common::{cache, clerk, config, event, TestDb};
use serde_json::{json, Map, Value};

/// What the emulator (Clerk) holds as the user's private metadata.
fn held_by_clerk(clerk: &TestClerk, id: &str) -> Map<String, Value> {
    clerk.users().get(id).expect("user exists").private_metadata
}

fn new_user(email: &str, private: Value) -> NewUser {
    NewUser::default()
        .email(email)
        .first_name("Ada")
        .private_metadata(private)
}

#[actix_rt::test]
async fn read_through_webhook_and_reconcile_writes_keep_private_metadata() {
    // Arrange
    let db = TestDb::new().await;
    let clerk = clerk();
    let read = clerk
        .users()
        .create(new_user(
            "read@example.com",
            json!({"stripe": "cus_READ", "nested": {"tier": 3, "tags": ["a", "b"]}}),
        ))
        .expect("created");
    let pushed = clerk
        .users()
        .create(new_user("push@example.com", json!({"stripe": "cus_PUSH"})))
        .expect("created");
    let listed = clerk
        .users()
        .create(new_user("list@example.com", json!({"stripe": "cus_LIST"})))
        .expect("created");
    let cache = cache(&db, &clerk, config());

    // Act + Assert: read-through (`GET /v1/users/{id}`, then stored).
    let found = cache.lookup(&read.id).await.expect("found");
    assert_eq!(found.freshness, Freshness::Refreshed);
    let row = cache.users().get(&read.id).await.expect("row");
    assert_eq!(row.source, WriteSource::Api);
    assert_eq!(
        row.user.expect("live").private_metadata(),
        Some(&held_by_clerk(&clerk, &read.id))
    );
    // Another replica (empty memory tier) serves the row as it was stored.
    let replica = common::cache(&db, &clerk, config());
    let served = replica.lookup(&read.id).await.expect("found");
    assert_eq!(served.freshness, Freshness::Fresh);
    assert_eq!(
        served.user.private_metadata(),
        Some(&held_by_clerk(&clerk, &read.id))
    );

    // Webhook: the emulator's user in a `user.created` event.
    let data = serde_json::to_value(clerk.users().get(&pushed.id).expect("user")).expect("JSON");
    let created = event("user.created", 1_000, data);
    assert_eq!(
        cache
            .apply_event("msg_private_1", &created)
            .await
            .expect("applied"),
        ApplyOutcome::Upserted
    );
    let row = cache.users().get(&pushed.id).await.expect("row");
    assert_eq!(row.source, WriteSource::Webhook);
    assert_eq!(
        row.user.expect("live").private_metadata(),
        Some(&held_by_clerk(&clerk, &pushed.id))
    );

    // Reconcile: a user only the listing brings in, and a changed one it rewrites.
    clerk
        .users()
        .update_metadata(
            &read.id,
            MetadataPatch {
                private_metadata: json!({"stripe": "cus_READ_2"}).as_object().cloned(),
                ..MetadataPatch::default()
            },
        )
        .expect("updated");
    let report = cache.reconcile(|_| {}).await.expect("pass ran");
    assert_eq!(report.outcome, ReconcileOutcome::Complete);
    for id in [&listed.id, &read.id] {
        let row = cache.users().get(id).await.expect("row");
        assert_eq!(row.source, WriteSource::Reconcile, "{id}");
        assert_eq!(
            row.user.expect("live").private_metadata(),
            Some(&held_by_clerk(&clerk, id)),
            "{id}"
        );
    }
    assert_eq!(
        held_by_clerk(&clerk, &read.id)["stripe"],
        "cus_READ_2",
        "the rewrite carried the new value"
    );
}
