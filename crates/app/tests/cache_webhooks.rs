//! Webhook application: idempotency, ordering, tombstones, failures.

mod common;

use std::time::{Duration, Instant};

use app::cache::{ApplyOutcome, CacheError, PgDirectoryCache, WriteSource};
use clerk_actix::user_source::UserSourceError;
use common::{cache, clerk, config, event, user_json, TestDb};
use serde_json::json;
use sqlx::Row as _;

const ID: &str = "user_2webhook";

async fn deliveries(db: &TestDb, svix_id: &str) -> i64 {
    sqlx::query_scalar("SELECT count(*) FROM webhook_deliveries WHERE svix_id = $1")
        .bind(svix_id)
        .fetch_one(&db.pool)
        .await
        .expect("count deliveries")
}

#[actix_rt::test]
async fn a_redelivery_changes_nothing() {
    let db = TestDb::new().await;
    let clerk = clerk();
    let cache = cache(&db, &clerk, config());
    let created = event("user.created", 1_000, user_json(ID, "Ada", 100));

    assert_eq!(
        cache.apply_event("msg_1", &created).await.expect("applied"),
        ApplyOutcome::Upserted
    );
    // The same delivery again, even carrying other content, is a no-op.
    let tampered = event("user.updated", 2_000, user_json(ID, "Mallory", 900));
    assert_eq!(
        cache.apply_event("msg_1", &tampered).await.expect("applied"),
        ApplyOutcome::Duplicate
    );

    let row = cache.users().get(ID).await.expect("row");
    assert_eq!(row.user.expect("live").first_name.as_deref(), Some("Ada"));
    assert_eq!(row.source, WriteSource::Webhook);
    assert_eq!(deliveries(&db, "msg_1").await, 1);
    // Served from the row: no Backend API call.
    let found = cache.lookup(ID).await.expect("found");
    assert_eq!(found.user.primary_email(), Some("ada@example.com"));
    assert_eq!(clerk.calls().total(), 0);
    assert!(cache
        .stats()
        .webhooks
        .contains(&("user.updated".to_owned(), "duplicate", 1)));
}

#[actix_rt::test]
async fn an_older_update_never_overwrites_a_newer_one() {
    let db = TestDb::new().await;
    let clerk = clerk();
    let cache = cache(&db, &clerk, config());

    let newer = event("user.updated", 2_000, user_json(ID, "Grace", 200));
    let older = event("user.updated", 1_000, user_json(ID, "Ada", 100));
    let same = event("user.updated", 2_001, user_json(ID, "Hopper", 200));
    assert_eq!(
        cache.apply_event("msg_new", &newer).await.expect("ok"),
        ApplyOutcome::Upserted
    );
    assert_eq!(
        cache.apply_event("msg_old", &older).await.expect("ok"),
        ApplyOutcome::Stale
    );
    let row = cache.users().get(ID).await.expect("row");
    assert_eq!(row.updated_at_ms, Some(200));
    assert_eq!(row.user.expect("live").first_name.as_deref(), Some("Grace"));

    // Same updated_at: the incoming copy replaces the stored one (documented tie rule).
    assert_eq!(
        cache.apply_event("msg_same", &same).await.expect("ok"),
        ApplyOutcome::Upserted
    );
    let row = cache.users().get(ID).await.expect("row");
    assert_eq!(row.user.expect("live").first_name.as_deref(), Some("Hopper"));
    // A stale event is still recorded: its redelivery is a duplicate.
    assert_eq!(deliveries(&db, "msg_old").await, 1);
}

#[actix_rt::test]
async fn a_late_update_never_resurrects_a_deleted_user_and_personal_data_is_purged() {
    let db = TestDb::new().await;
    let clerk = clerk();
    let cache = cache(&db, &clerk, config());
    let created = event("user.created", 1_000, user_json(ID, "Ada", 100));
    let deleted = event(
        "user.deleted",
        3_000,
        json!({"deleted": true, "id": ID, "object": "user"}),
    );
    let late = event("user.updated", 2_000, user_json(ID, "Ada", 9_999));

    cache.apply_event("msg_c", &created).await.expect("ok");
    assert_eq!(
        cache.apply_event("msg_d", &deleted).await.expect("ok"),
        ApplyOutcome::Deleted
    );
    assert_eq!(
        cache.apply_event("msg_late", &late).await.expect("ok"),
        ApplyOutcome::IgnoredDeleted
    );

    let row = sqlx::query(
        "SELECT data, primary_email, first_name, last_name, created_at_ms, updated_at_ms, deleted_at_ms \
         FROM users WHERE id = $1",
    )
    .bind(ID)
    .fetch_one(&db.pool)
    .await
    .expect("tombstone row");
    assert!(row
        .try_get::<Option<serde_json::Value>, _>("data")
        .expect("data")
        .is_none());
    for column in ["primary_email", "first_name", "last_name"] {
        assert!(
            row.try_get::<Option<String>, _>(column).expect(column).is_none(),
            "{column}"
        );
    }
    for column in ["created_at_ms", "updated_at_ms"] {
        assert!(
            row.try_get::<Option<i64>, _>(column).expect(column).is_none(),
            "{column}"
        );
    }
    assert_eq!(
        row.try_get::<Option<i64>, _>("deleted_at_ms")
            .expect("deleted_at"),
        Some(3_000)
    );
    // The private metadata is nowhere in the table any more.
    let leaks: i64 = sqlx::query_scalar("SELECT count(*) FROM users WHERE data::text LIKE '%s3cr3t%'")
        .fetch_one(&db.pool)
        .await
        .expect("count");
    assert_eq!(leaks, 0);

    // Lookups say "not found" without asking Clerk.
    assert!(matches!(cache.lookup(ID).await, Err(UserSourceError::NotFound)));
    assert_eq!(clerk.calls().total(), 0);
}

#[actix_rt::test]
async fn a_delete_before_the_create_wins() {
    let db = TestDb::new().await;
    let clerk = clerk();
    let cache = cache(&db, &clerk, config());
    let deleted = event(
        "user.deleted",
        3_000,
        json!({"deleted": true, "id": ID, "object": "user"}),
    );
    let created = event("user.created", 1_000, user_json(ID, "Ada", 100));

    assert_eq!(
        cache.apply_event("msg_d", &deleted).await.expect("ok"),
        ApplyOutcome::Deleted
    );
    assert_eq!(
        cache.apply_event("msg_c", &created).await.expect("ok"),
        ApplyOutcome::IgnoredDeleted
    );
    assert!(cache.users().get(ID).await.expect("row").is_deleted());
}

#[actix_rt::test]
async fn other_event_types_are_ignored_but_recorded() {
    let db = TestDb::new().await;
    let clerk = clerk();
    let cache = cache(&db, &clerk, config());
    let other = event("email.created", 1_000, json!({"object": "email", "id": "ema_1"}));

    assert_eq!(
        cache.apply_event("msg_e", &other).await.expect("ok"),
        ApplyOutcome::Ignored
    );
    assert_eq!(
        cache.apply_event("msg_e", &other).await.expect("ok"),
        ApplyOutcome::Duplicate
    );
    let users: i64 = sqlx::query_scalar("SELECT count(*) FROM users")
        .fetch_one(&db.pool)
        .await
        .expect("count");
    assert_eq!(users, 0);
    assert!(matches!(
        cache.apply_event(" ", &other).await,
        Err(CacheError::InvalidData(_))
    ));
}

#[actix_rt::test]
async fn a_failed_change_records_nothing_and_the_retry_lands() {
    let db = TestDb::new().await;
    let clerk = clerk();
    let cache = cache(&db, &clerk, config());
    let created = event("user.created", 1_000, user_json(ID, "Ada", 100));

    // The delivery insert succeeds, then the user write fails in the same transaction.
    sqlx::query("ALTER TABLE users ADD CONSTRAINT test_reject_all CHECK (id = 'never') NOT VALID")
        .execute(&db.pool)
        .await
        .expect("add constraint");
    let err = cache
        .apply_event("msg_retry", &created)
        .await
        .expect_err("write fails");
    assert!(matches!(err, CacheError::Database(_)), "{err:?}");
    assert_eq!(
        deliveries(&db, "msg_retry").await,
        0,
        "rolled back with the change"
    );

    // Svix retries once the database is healthy again: the event lands.
    sqlx::query("ALTER TABLE users DROP CONSTRAINT test_reject_all")
        .execute(&db.pool)
        .await
        .expect("drop constraint");
    assert_eq!(
        cache.apply_event("msg_retry", &created).await.expect("ok"),
        ApplyOutcome::Upserted
    );
    assert_eq!(deliveries(&db, "msg_retry").await, 1);
    assert!(cache
        .stats()
        .webhooks
        .contains(&("user.created".to_owned(), "error", 1)));
}

#[actix_rt::test]
async fn an_unreachable_database_is_an_error_quickly_and_the_retry_lands() {
    let db = TestDb::new().await;
    let clerk = clerk();
    let created = event("user.created", 1_000, user_json(ID, "Ada", 100));

    let down = PgDirectoryCache::new(
        common::dead_pool(),
        common::api(&clerk),
        common::instance(&clerk),
        config(),
    );
    let started = Instant::now();
    let err = down
        .apply_event("msg_down", &created)
        .await
        .expect_err("no database");
    assert!(err.is_unavailable(), "{err:?}");
    assert!(started.elapsed() < Duration::from_secs(5));

    let up = cache(&db, &clerk, config());
    assert_eq!(
        up.apply_event("msg_down", &created).await.expect("ok"),
        ApplyOutcome::Upserted
    );
}

#[actix_rt::test]
async fn old_deliveries_and_tombstones_are_pruned() {
    let db = TestDb::new().await;
    let clerk = clerk();
    let cache = cache(&db, &clerk, config());
    let deleted = event(
        "user.deleted",
        1_000,
        json!({"deleted": true, "id": ID, "object": "user"}),
    );
    cache.apply_event("msg_old", &deleted).await.expect("ok");
    sqlx::query("UPDATE webhook_deliveries SET received_at = now() - interval '73 hours'")
        .execute(&db.pool)
        .await
        .expect("age deliveries");

    let c = cache.config();
    let pruned = cache
        .users()
        .prune(c.delivery_retention, c.tombstone_retention)
        .await
        .expect("pruned");
    // The delivery is past 72 h; the tombstone (deleted at t = 1 s in 1970) is past 30 days.
    assert_eq!(pruned, (1, 1));
}
