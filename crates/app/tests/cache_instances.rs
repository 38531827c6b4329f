//! Two Clerk instances on one database: rows, webhook records and reconciliation passes of one
//! never touch the other's; rows written before instance scoping are claimed at start.

mod common;

use app::cache::{ApplyOutcome, ClaimReport, Lookup, ReconcileOutcome};
use clerk_testkit::TestClerk;
use common::{cache, clerk, config, core_user, event, user_json, TestDb};
use sqlx::PgPool;

async fn live_ids(pool: &PgPool, instance: &str) -> Vec<String> {
    sqlx::query_scalar("SELECT id FROM users WHERE instance = $1 AND deleted_at_ms IS NULL ORDER BY id")
        .bind(instance)
        .fetch_all(pool)
        .await
        .expect("query")
}

fn sorted_ids(clerk: &TestClerk) -> Vec<String> {
    let mut ids: Vec<String> = clerk.users().all().into_iter().map(|u| u.id).collect();
    ids.sort();
    ids
}

#[actix_rt::test]
async fn two_instances_reconcile_independently_and_lose_nothing() {
    let db = TestDb::new().await;
    let dev = clerk();
    let prod = TestClerk::builder()
        .production()
        .start()
        .expect("emulator starts");
    dev.users().seed(30).expect("seeded");
    prod.users().seed(20).expect("seeded");
    let dev_cache = cache(&db, &dev, config());
    let prod_cache = cache(&db, &prod, config());

    // Each instance reconciles, several times, interleaved: the second instance's pass does not
    // see the first's users missing from its Clerk and tombstones nothing.
    for _ in 0..2 {
        let report = dev_cache.reconcile(|_| {}).await.expect("dev pass");
        assert_eq!(report.outcome, ReconcileOutcome::Complete);
        assert_eq!((report.candidates, report.tombstoned), (0, 0), "{report:?}");
        let report = prod_cache.reconcile(|_| {}).await.expect("prod pass");
        assert_eq!(report.outcome, ReconcileOutcome::Complete);
        assert_eq!((report.candidates, report.tombstoned), (0, 0), "{report:?}");
    }
    let dev_key = common::instance(&dev);
    let prod_key = common::instance(&prod);
    assert_ne!(dev_key, prod_key);
    assert_eq!(live_ids(&db.pool, dev_key.as_str()).await, sorted_ids(&dev));
    assert_eq!(live_ids(&db.pool, prod_key.as_str()).await, sorted_ids(&prod));
    let tombstones: i64 = sqlx::query_scalar("SELECT count(*) FROM users WHERE deleted_at_ms IS NOT NULL")
        .fetch_one(&db.pool)
        .await
        .expect("count");
    assert_eq!(tombstones, 0);

    // Each instance reads its own users from the cache and not the other's.
    let dev_user = dev.users().all()[0].id.clone();
    let found: Lookup = dev_cache.lookup(&dev_user).await.expect("own user");
    assert_eq!(found.user.id, dev_user);
    assert!(
        prod_cache.users().get(&dev_user).await.is_err(),
        "another instance's row is invisible"
    );

    // A deletion in one instance tombstones only that instance's row.
    let gone = prod.users().all()[0].id.clone();
    prod.users().delete(&gone).expect("deleted");
    let report = prod_cache.reconcile(|_| {}).await.expect("prod pass");
    assert_eq!(report.tombstoned, 1);
    let report = dev_cache.reconcile(|_| {}).await.expect("dev pass");
    assert_eq!(report.tombstoned, 0);
    assert_eq!(live_ids(&db.pool, dev_key.as_str()).await, sorted_ids(&dev));
    assert_eq!(live_ids(&db.pool, prod_key.as_str()).await, sorted_ids(&prod));

    // Sync state is per instance.
    let dev_state = dev_cache.users().sync_state().await.expect("state");
    let prod_state = prod_cache.users().sync_state().await.expect("state");
    assert_eq!(dev_state.users_seen, 30);
    assert_eq!(prod_state.users_seen, 19);
    assert_ne!(dev_state.pass_id, prod_state.pass_id);
}

#[actix_rt::test]
async fn webhook_records_and_rows_are_per_instance() {
    let db = TestDb::new().await;
    let a = clerk();
    let b = clerk();
    let cache_a = cache(&db, &a, config());
    let cache_b = cache(&db, &b, config());
    assert_ne!(common::instance(&a), common::instance(&b));

    // The same svix-id and user id reach both instances: each applies its own copy.
    let created = event("user.created", 1, user_json("user_shared", "Ada", 1_000));
    assert_eq!(
        cache_a.apply_event("msg_1", &created).await.expect("a"),
        ApplyOutcome::Upserted
    );
    assert_eq!(
        cache_b.apply_event("msg_1", &created).await.expect("b"),
        ApplyOutcome::Upserted
    );
    assert_eq!(
        cache_a.apply_event("msg_1", &created).await.expect("a"),
        ApplyOutcome::Duplicate
    );

    // A deletion in b leaves a's row live.
    let deleted = event(
        "user.deleted",
        2,
        serde_json::json!({"id": "user_shared", "object": "user", "deleted": true}),
    );
    assert_eq!(
        cache_b.apply_event("msg_2", &deleted).await.expect("b"),
        ApplyOutcome::Deleted
    );
    let row_a = cache_a.users().get("user_shared").await.expect("a's row");
    assert!(!row_a.is_deleted());
    assert!(cache_b
        .users()
        .get("user_shared")
        .await
        .expect("b's row")
        .is_deleted());

    // Pruning one instance's deliveries leaves the other's.
    sqlx::query("UPDATE webhook_deliveries SET received_at = now() - interval '100 hours'")
        .execute(&db.pool)
        .await
        .expect("age");
    let (pruned, _) = cache_a
        .users()
        .prune(
            std::time::Duration::from_secs(3600),
            std::time::Duration::from_secs(3600),
        )
        .await
        .expect("prune");
    assert_eq!(pruned, 1);
    let left: i64 = sqlx::query_scalar("SELECT count(*) FROM webhook_deliveries")
        .fetch_one(&db.pool)
        .await
        .expect("count");
    assert_eq!(left, 2);
}

#[actix_rt::test]
async fn an_instance_claims_rows_written_before_scoping_once() {
    let db = TestDb::new().await;
    let a = clerk();
    let b = clerk();
    // Rows as the migration leaves them: instance ''.
    let live = core_user(
        &a.users()
            .create(
                clerk_testkit::NewUser::default()
                    .first_name("Ada")
                    .email("ada@example.com"),
            )
            .expect("user"),
    );
    let data = serde_json::to_value(&live).expect("json");
    sqlx::query(
        "INSERT INTO users (instance, id, data, first_name, created_at_ms, updated_at_ms, source) \
         VALUES ('', $1, $2, 'Ada', $3, $4, 'api')",
    )
    .bind(&live.id)
    .bind(&data)
    .bind(live.created_at)
    .bind(live.updated_at)
    .execute(&db.pool)
    .await
    .expect("unowned live row");
    sqlx::query(
        "INSERT INTO users (instance, id, deleted_at_ms, source) VALUES ('', 'user_gone', 1, 'webhook')",
    )
    .execute(&db.pool)
    .await
    .expect("unowned tombstone");
    sqlx::query("INSERT INTO webhook_deliveries (instance, svix_id, event_type) VALUES ('', 'msg_old', 'user.created')")
        .execute(&db.pool)
        .await
        .expect("unowned delivery");
    // (The first migration created the one sync_state row; it is unowned now.)
    sqlx::query("UPDATE sync_state SET pass_id = 7 WHERE instance = ''")
        .execute(&db.pool)
        .await
        .expect("unowned state");

    let cache_a = cache(&db, &a, config());
    let claimed = cache_a.users().claim_unowned().await.expect("claim");
    assert_eq!(
        claimed,
        ClaimReport {
            users: 1,
            dropped: 1,
            deliveries: 1
        }
    );
    assert_eq!(
        cache_a.users().sync_state().await.expect("state").pass_id,
        Some(7)
    );
    let row = cache_a.users().get(&live.id).await.expect("claimed row");
    assert_eq!(row.user.expect("live").id, live.id);
    // The dropped tombstone no longer hides the id from anyone.
    assert!(cache_a.users().get("user_gone").await.is_err());
    // The claimed delivery record still deduplicates.
    let again = event("user.created", 1, user_json(&live.id, "Ada", live.updated_at));
    assert_eq!(
        cache_a.apply_event("msg_old", &again).await.expect("a"),
        ApplyOutcome::Duplicate
    );

    // A second instance starting later finds nothing to claim.
    let cache_b = cache(&db, &b, config());
    assert_eq!(
        cache_b.users().claim_unowned().await.expect("claim"),
        ClaimReport::default()
    );
    assert!(cache_b.users().get(&live.id).await.is_err());
    let unowned: i64 = sqlx::query_scalar(
        "SELECT (SELECT count(*) FROM users WHERE instance = '') + (SELECT count(*) FROM webhook_deliveries WHERE instance = '') \
         + (SELECT count(*) FROM sync_state WHERE instance = '')",
    )
    .fetch_one(&db.pool)
    .await
    .expect("count");
    assert_eq!(unowned, 0);
}
