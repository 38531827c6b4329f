//! Read-through: TTL, single-flight, stale serving, negative cache, database outage.

mod common;

use std::sync::Arc;
use std::time::{Duration, Instant};

use app::cache::{CacheConfig, Freshness, PgDirectoryCache, WriteSource};
use clerk_actix::{user_source::UserSource as _, user_source::UserSourceError};
use clerk_testkit::{faults::Outage, NewUser, UserUpdate};
use common::{age_row, cache, clerk, config, TestDb};

const GET_USER: (&str, &str) = ("GET", "/v1/users/{user_id}");

#[actix_rt::test]
async fn five_hundred_concurrent_first_requests_make_one_backend_api_call() {
    // Arrange
    let db = TestDb::new().await;
    let clerk = clerk();
    let user = clerk
        .users()
        .create(NewUser::default().email("ada@example.com").first_name("Ada"))
        .expect("created");
    // A slow answer keeps every caller waiting on the same flight.
    clerk
        .faults()
        .endpoint_latency(GET_USER.0, GET_USER.1, Some(Duration::from_millis(300)));
    let cache = cache(&db, &clerk, config());

    // Act: 500 tasks on this worker, plus 2 other threads with their own runtimes and awc
    // clients (like other Actix workers).
    let mut others = Vec::new();
    for _ in 0..2 {
        let (tx, rx) = tokio::sync::oneshot::channel();
        let cache = Arc::clone(&cache);
        let id = user.id.clone();
        std::thread::spawn(move || {
            let results = actix_rt::System::new().block_on(async move {
                let lookups = (0..10).map(|_| {
                    let cache = Arc::clone(&cache);
                    let id = id.clone();
                    actix_rt::spawn(async move { cache.get_user(&id).await.map(|u| u.id.clone()) })
                });
                futures_util::future::join_all(lookups).await
            });
            let _ = tx.send(results);
        });
        others.push(rx);
    }
    let local = (0..500).map(|_| {
        let cache = Arc::clone(&cache);
        let id = user.id.clone();
        actix_rt::spawn(async move { cache.lookup(&id).await.map(|found| found.user.id.clone()) })
    });
    let local = futures_util::future::join_all(local).await;
    let mut other_results = Vec::new();
    for rx in others {
        other_results.extend(rx.await.expect("thread finished"));
    }

    // Assert
    assert_eq!(local.len(), 500);
    for result in local.into_iter().chain(other_results) {
        assert_eq!(result.expect("task ran").expect("user found"), user.id);
    }
    assert_eq!(clerk.calls().count(GET_USER.0, GET_USER.1), 1);
    let stats = cache.stats();
    assert_eq!(stats.api_ok, 1);
    assert_eq!(stats.refreshed, 1);
}

#[actix_rt::test]
async fn fresh_rows_are_served_without_a_call_and_stale_rows_are_refreshed() {
    let db = TestDb::new().await;
    let clerk = clerk();
    let user = clerk
        .users()
        .create(NewUser::default().email("ada@example.com").first_name("Ada"))
        .expect("created");
    let cache = cache(&db, &clerk, config());

    let first = cache.lookup(&user.id).await.expect("found");
    assert_eq!(first.freshness, Freshness::Refreshed);
    assert_eq!(first.user.first_name.as_deref(), Some("Ada"));

    // Changed in Clerk, webhook missed: the fresh row is still served, without a call.
    clerk
        .users()
        .update(
            &user.id,
            UserUpdate {
                first_name: Some("Grace".into()),
                ..UserUpdate::default()
            },
        )
        .expect("updated");
    let second = cache.lookup(&user.id).await.expect("found");
    assert_eq!(second.freshness, Freshness::Fresh);
    assert_eq!(second.user.first_name.as_deref(), Some("Ada"));
    assert_eq!(clerk.calls().count(GET_USER.0, GET_USER.1), 1);

    // Past the TTL: refreshed from the API.
    age_row(&db.pool, &user.id, Duration::from_secs(61)).await;
    let third = cache.lookup(&user.id).await.expect("found");
    assert_eq!(third.freshness, Freshness::Refreshed);
    assert_eq!(third.user.first_name.as_deref(), Some("Grace"));
    assert_eq!(clerk.calls().count(GET_USER.0, GET_USER.1), 2);
    let row = cache.users().get(&user.id).await.expect("row");
    assert_eq!(row.source, WriteSource::Api);
    assert!(row.age < Duration::from_secs(5));
    let stats = cache.stats();
    assert_eq!((stats.hits, stats.misses), (1, 2));
}

#[actix_rt::test]
async fn clerk_down_serves_a_stale_row_within_the_bound_and_unavailable_past_it() {
    let db = TestDb::new().await;
    let clerk = clerk();
    let user = clerk
        .users()
        .create(NewUser::default().email("ada@example.com").first_name("Ada"))
        .expect("created");
    let cache = cache(
        &db,
        &clerk,
        CacheConfig {
            max_stale: Duration::from_secs(3600),
            ..config()
        },
    );
    cache.lookup(&user.id).await.expect("found");
    clerk.faults().outage(Some(Outage::ServiceUnavailable));

    age_row(&db.pool, &user.id, Duration::from_secs(120)).await;
    let stale = cache.lookup(&user.id).await.expect("stale row served");
    match stale.freshness {
        Freshness::Stale { age } => assert!(age >= Duration::from_secs(120)),
        other => panic!("expected a stale answer, got {other:?}"),
    }
    assert_eq!(stale.user.id, user.id);

    age_row(&db.pool, &user.id, Duration::from_secs(7200)).await;
    let err = cache.lookup(&user.id).await.expect_err("too old to serve");
    assert!(matches!(err, UserSourceError::Unavailable(_)), "{err:?}");

    // An unknown user with Clerk down is unavailable, not "not found".
    let err = cache.lookup("user_never_seen").await.expect_err("no copy");
    assert!(matches!(err, UserSourceError::Unavailable(_)), "{err:?}");

    let stats = cache.stats();
    assert_eq!(stats.stale_serves, 1);
    assert_eq!(stats.unavailable, 2);
    assert_eq!(stats.api_failed, 3);
}

#[actix_rt::test]
async fn unknown_users_are_not_found_and_negative_cached() {
    let db = TestDb::new().await;
    let clerk = clerk();
    let cache = cache(&db, &clerk, config());

    for _ in 0..3 {
        let err = cache.lookup("user_doesnotexist").await.expect_err("unknown");
        assert!(matches!(err, UserSourceError::NotFound));
    }
    assert_eq!(clerk.calls().count(GET_USER.0, GET_USER.1), 1);
    assert_eq!(cache.stats().negative_hits, 2);
    // Nothing stored for a bad id: a flood of them cannot fill the table.
    let rows: i64 = sqlx::query_scalar("SELECT count(*) FROM users")
        .fetch_one(&db.pool)
        .await
        .expect("count");
    assert_eq!(rows, 0);
}

#[actix_rt::test]
async fn deleted_users_are_not_found_without_a_call() {
    let db = TestDb::new().await;
    let clerk = clerk();
    let user = clerk
        .users()
        .create(NewUser::default().email("ada@example.com"))
        .expect("created");
    let cache = cache(&db, &clerk, config());
    cache.lookup(&user.id).await.expect("found");

    // Deleted in Clerk, webhook missed: once the row is stale, the 404 tombstones it.
    clerk.users().delete(&user.id).expect("deleted");
    age_row(&db.pool, &user.id, Duration::from_secs(61)).await;
    assert!(matches!(
        cache.lookup(&user.id).await,
        Err(UserSourceError::NotFound)
    ));
    assert!(cache.users().get(&user.id).await.expect("row").is_deleted());

    // A new cache (no negative entries) answers from the tombstone alone.
    let fresh_cache = PgDirectoryCache::new(
        db.pool.clone(),
        common::api(&clerk),
        common::instance(&clerk),
        config(),
    );
    let calls = clerk.calls().count(GET_USER.0, GET_USER.1);
    assert!(matches!(
        fresh_cache.lookup(&user.id).await,
        Err(UserSourceError::NotFound)
    ));
    assert_eq!(clerk.calls().count(GET_USER.0, GET_USER.1), calls);
    assert_eq!(fresh_cache.stats().tombstone_hits, 1);
}

#[actix_rt::test]
async fn database_down_is_unavailable_quickly() {
    let clerk = clerk();
    let user = clerk.users().create(NewUser::default()).expect("created");
    let cache = PgDirectoryCache::new(
        common::dead_pool(),
        common::api(&clerk),
        common::instance(&clerk),
        config(),
    );

    let started = Instant::now();
    let err = cache.lookup(&user.id).await.expect_err("no database");
    assert!(matches!(err, UserSourceError::Unavailable(_)), "{err:?}");
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "took {:?}",
        started.elapsed()
    );
    // No Backend API call: with the database down, every request would otherwise spend the
    // rate limit.
    assert_eq!(clerk.calls().count(GET_USER.0, GET_USER.1), 0);
}

#[actix_rt::test]
async fn an_exhausted_budget_serves_the_stale_row() {
    let db = TestDb::new().await;
    let clerk = clerk();
    let user = clerk.users().create(NewUser::default()).expect("created");
    let cache = common::cache_with(
        &db,
        &clerk,
        common::api_limited(&clerk, 5, Duration::from_secs(60)),
        CacheConfig {
            read_through_max_wait: Duration::from_millis(100),
            ..config()
        },
    );
    cache.lookup(&user.id).await.expect("found");
    age_row(&db.pool, &user.id, Duration::from_secs(61)).await;

    let found = cache.lookup(&user.id).await.expect("stale row served");
    assert!(matches!(found.freshness, Freshness::Stale { .. }));
    assert_eq!(clerk.calls().count(GET_USER.0, GET_USER.1), 1);
    assert_eq!(cache.stats().api_budget_exhausted, 1);
}

/// Issue 10, item 5: Clerk answering `429` with `Retry-After: 18446744073709551615` must not
/// panic the read-through (it added the wait to `Instant::now()`), and pauses the budget briefly.
#[actix_rt::test]
async fn a_huge_retry_after_neither_panics_nor_halts_the_cache() {
    // Arrange
    let db = TestDb::new().await;
    let clerk = clerk();
    let user = clerk.users().create(NewUser::default()).expect("created");
    clerk
        .faults()
        .rate_limit_next(GET_USER.0, GET_USER.1, 1, u64::MAX);
    let cache = cache(&db, &clerk, config());

    // Act: run the lookup on its own task so a panic is reported, not fatal to the test.
    let lookup = {
        let cache = Arc::clone(&cache);
        let id = user.id.clone();
        actix_rt::spawn(async move { cache.lookup(&id).await.map(|found| found.user.id.clone()) })
    };
    let result = lookup.await;

    // Assert: unavailable for now (no stale row) and the budget paused (for at most a minute:
    // `budget::tests::a_huge_pause_is_clamped_to_a_minute`).
    let result = result.expect("the lookup task does not panic");
    assert!(
        matches!(result, Err(UserSourceError::Unavailable(_))),
        "{result:?}"
    );
    assert_eq!(cache.stats().api_rate_limited, 1);
    assert_eq!(
        cache.client().metrics().rate_budget.available,
        0,
        "paused after the 429"
    );
}
