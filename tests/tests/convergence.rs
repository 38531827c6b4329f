//! Convergence: 1,000 random changes in the emulator while webhook delivery loses 20% for good,
//! duplicates some and reorders; one reconciliation pass then makes Postgres equal Clerk.

use std::collections::HashMap;
use std::time::Duration;

use app::cache::{CacheConfig, InstanceKey, PgDirectoryCache};
use clerk_actix::{client::ClientConfig, ClerkClient};
use clerk_testkit::{NewUser, UserUpdate};
use e2e::spawn_app;
use rand::rngs::StdRng;
use rand::{Rng as _, SeedableRng as _};
use sqlx::Row as _;

#[actix_rt::test]
async fn lossy_webhooks_plus_one_reconciliation_converge_exactly() {
    let app = spawn_app().await;
    let hooks = app.clerk.webhooks();
    hooks.set_retry_schedule(vec![Duration::ZERO]);
    hooks.drop_fraction(0.2);
    let mut rng = StdRng::seed_from_u64(0x5eed);
    let mut live: Vec<String> = vec![app.user_id.clone()];
    for batch in 0..20 {
        // Each batch of 50 changes is held, then released newest-first or in order; one batch in
        // ten is delivered twice.
        hooks.pause();
        hooks.deliver_out_of_order(batch % 2 == 0);
        hooks.deliver_twice(batch % 10 == 3);
        for _ in 0..50 {
            let roll: f64 = rng.gen();
            if live.is_empty() || roll < 0.3 {
                let user = app
                    .clerk
                    .users()
                    .create(NewUser::default().first_name(format!("n{}", rng.gen::<u32>())))
                    .unwrap();
                live.push(user.id);
            } else if roll < 0.8 {
                let id = &live[rng.gen_range(0..live.len())];
                let update = UserUpdate {
                    first_name: Some(format!("n{}", rng.gen::<u32>())),
                    ..Default::default()
                };
                app.clerk.users().update(id, update).unwrap();
            } else {
                let id = live.swap_remove(rng.gen_range(0..live.len()));
                app.clerk.users().delete(&id).unwrap();
            }
        }
        hooks.resume();
        tokio::time::timeout(Duration::from_secs(60), hooks.wait_idle())
            .await
            .expect("deliveries finish");
    }
    assert!(hooks
        .attempts()
        .iter()
        .any(|a| matches!(a.outcome, clerk_testkit::webhooks::DeliveryOutcome::Dropped)));

    // One reconciliation pass (as `app sync --full` runs it).
    let pool = sqlx::postgres::PgPoolOptions::new()
        .max_connections(3)
        .connect(&app.db.url)
        .await
        .unwrap();
    let client = ClientConfig::new()
        .secret_key(app.clerk.secret_key())
        .api_url(app.clerk.base_url())
        .max_retries(1);
    let cache = PgDirectoryCache::new(
        pool.clone(),
        ClerkClient::new(client).unwrap(),
        InstanceKey::from_publishable_key(app.clerk.instance().publishable_key()),
        CacheConfig::default(),
    );
    let report = cache.reconcile(|_| {}).await.unwrap();
    assert!(report.is_complete(), "{report:?}");

    let clerk_users: HashMap<String, (Option<String>, i64)> = app
        .clerk
        .users()
        .all()
        .into_iter()
        .map(|u| (u.id.clone(), (u.first_name.clone(), u.updated_at)))
        .collect();
    let rows = sqlx::query("SELECT id, first_name, updated_at_ms FROM users WHERE deleted_at_ms IS NULL")
        .fetch_all(&pool)
        .await
        .unwrap();
    let ours: HashMap<String, (Option<String>, i64)> = rows
        .into_iter()
        .map(|r| {
            (
                r.get("id"),
                (r.get("first_name"), r.get::<i64, _>("updated_at_ms")),
            )
        })
        .collect();
    assert_eq!(ours.len(), clerk_users.len());
    assert_eq!(ours, clerk_users, "the cache equals Clerk's users exactly");
    let deleted_but_live: i64 =
        sqlx::query_scalar("SELECT count(*) FROM users WHERE deleted_at_ms IS NULL AND NOT (id = ANY($1))")
            .bind(clerk_users.keys().cloned().collect::<Vec<_>>())
            .fetch_one(&pool)
            .await
            .unwrap();
    assert_eq!(deleted_but_live, 0, "no deleted user is present");
}
