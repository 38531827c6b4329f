//! Reconciliation: full passes, repairs, tombstones, incomplete passes, one runner at a time.

mod common;

use std::sync::Arc;
use std::time::{Duration, Instant};

use app::cache::{CacheConfig, PgDirectoryCache, ReconcileOutcome, ReconcilePhase};
use clerk_testkit::{faults::RateLimit, TestClerk, UserUpdate};
use common::{cache, clerk, config, TestDb};

const LIST: (&str, &str) = ("GET", "/v1/users");
const GET_USER: (&str, &str) = ("GET", "/v1/users/{user_id}");

fn rate_limited(clerk: &TestClerk) -> u64 {
    clerk.calls().count_status(LIST.0, LIST.1, 429) + clerk.calls().count_status(GET_USER.0, GET_USER.1, 429)
}

async fn live_users(db: &TestDb) -> i64 {
    sqlx::query_scalar("SELECT count(*) FROM users WHERE deleted_at_ms IS NULL")
        .fetch_one(&db.pool)
        .await
        .expect("count")
}

#[actix_rt::test]
async fn five_thousand_users_are_mirrored_repaired_and_deletions_confirmed() {
    // Arrange: 5,000 users seeded straight into the store (no HTTP, no rate limit), webhooks
    // off (no endpoint), the emulator's default development limit (100 per 10 s).
    let db = TestDb::new().await;
    let clerk = clerk();
    let users = clerk.users().seed(5_000).expect("seeded");
    let cache = cache(&db, &clerk, config());

    // Act: first pass.
    let progress = std::cell::RefCell::new(Vec::new());
    let first = cache
        .reconcile(|p| progress.borrow_mut().push(p))
        .await
        .expect("pass ran");

    // Assert
    assert_eq!(first.outcome, ReconcileOutcome::Complete);
    assert_eq!(
        (first.pages, first.users_seen, first.upserted),
        (11, 5_000, 5_000)
    );
    assert_eq!(first.tombstoned, 0);
    assert_eq!(live_users(&db).await, 5_000);
    let progress = progress.into_inner();
    assert_eq!(
        progress
            .iter()
            .filter(|p| p.phase == ReconcilePhase::Listing)
            .count(),
        11
    );
    assert_eq!(progress.last().map(|p| p.phase), Some(ReconcilePhase::Done));

    // Changes made while webhooks were off: one user renamed, one deleted.
    let renamed = &users[1234];
    let deleted = &users[4321];
    clerk
        .users()
        .update(
            &renamed.id,
            UserUpdate {
                first_name: Some("Repaired".into()),
                ..UserUpdate::default()
            },
        )
        .expect("updated");
    clerk.users().delete(&deleted.id).expect("deleted");

    let second = cache.reconcile(|_| {}).await.expect("pass ran");
    assert_eq!(second.outcome, ReconcileOutcome::Complete);
    assert_eq!(second.users_seen, 4_999);
    assert_eq!(second.upserted, 1, "only the renamed user changed");
    assert_eq!((second.candidates, second.tombstoned), (1, 1));
    let row = cache.users().get(&renamed.id).await.expect("row");
    assert_eq!(row.user.expect("live").first_name.as_deref(), Some("Repaired"));
    let row = cache.users().get(&deleted.id).await.expect("row");
    assert!(row.is_deleted() && row.user.is_none());
    assert_eq!(live_users(&db).await, 4_999);

    // Paced under the limit: not a single 429.
    assert_eq!(rate_limited(&clerk), 0);
    assert_eq!(clerk.calls().count(GET_USER.0, GET_USER.1), 1, "one confirmation");
    let state = cache.users().sync_state().await.expect("state");
    assert_eq!(state.complete, Some(true));
    assert_eq!(state.last_complete_pass, second.pass_id);
    assert_eq!(state.tombstoned, 1);
    let stats = cache.stats();
    assert_eq!((stats.passes_complete, stats.pass_tombstoned), (2, 1));
}

#[actix_rt::test]
async fn the_budget_paces_a_pass_under_a_tight_limit() {
    // The emulator allows 5 requests per second; the client budgets 4, one slot per share, and a
    // share never lends its reserve: reconciliation gets one call per second.
    let db = TestDb::new().await;
    let clerk = TestClerk::builder()
        .rate_limit(RateLimit {
            limit: 5,
            user_update_limit: None,
            window: Duration::from_secs(1),
        })
        .start()
        .expect("emulator starts");
    clerk.users().seed(1_000).expect("seeded");
    let cache = common::cache_with(
        &db,
        &clerk,
        common::api_limited(&clerk, 5, Duration::from_secs(1)),
        CacheConfig {
            page_size: 100,
            ..config()
        },
    );

    let started = Instant::now();
    let report = cache.reconcile(|_| {}).await.expect("pass ran");

    assert_eq!(report.outcome, ReconcileOutcome::Complete);
    assert_eq!((report.pages, report.users_seen), (11, 1_000));
    assert_eq!(rate_limited(&clerk), 0);
    // 11 calls at one per second need at least ten full windows.
    assert!(
        started.elapsed() >= Duration::from_secs(10),
        "{:?}",
        started.elapsed()
    );
}

#[actix_rt::test]
async fn an_incomplete_pass_tombstones_nothing() {
    let db = TestDb::new().await;
    let clerk = clerk();
    let users = clerk.users().seed(1_500).expect("seeded");
    let cache = cache(&db, &clerk, config());
    cache.reconcile(|_| {}).await.expect("first pass");
    clerk.users().delete(&users[10].id).expect("deleted");

    // Every page fails (every attempt). A page failing between two others, with pages in flight,
    // is `a_page_failing_while_others_are_in_flight_loses_nothing`.
    clerk.faults().fail_next(LIST.0, LIST.1, 100, 503);
    let report = cache.reconcile(|_| {}).await.expect("pass ran");

    assert!(
        matches!(report.outcome, ReconcileOutcome::Incomplete { .. }),
        "{report:?}"
    );
    assert_eq!((report.pages, report.tombstoned, report.candidates), (0, 0, 0));
    assert_eq!(clerk.calls().count(GET_USER.0, GET_USER.1), 0, "no confirmations");
    assert_eq!(live_users(&db).await, 1_500);
    let state = cache.users().sync_state().await.expect("state");
    assert_eq!(state.complete, Some(false));
    assert!(state.last_error.is_some());
    assert_eq!(cache.stats().passes_incomplete, 1);

    // The next complete pass catches up.
    clerk.faults().clear();
    let report = cache.reconcile(|_| {}).await.expect("pass ran");
    assert_eq!(report.outcome, ReconcileOutcome::Complete);
    assert_eq!(report.tombstoned, 1);
}

#[actix_rt::test]
async fn only_one_replica_reconciles_at_a_time() {
    let db = TestDb::new().await;
    let clerk = clerk();
    clerk.users().seed(600).expect("seeded");
    // Slow pages keep the first pass running while the second tries.
    clerk
        .faults()
        .endpoint_latency(LIST.0, LIST.1, Some(Duration::from_millis(300)));
    let replica_a = cache(&db, &clerk, config());
    let replica_b = Arc::new(PgDirectoryCache::new(
        db.another_pool(),
        common::api(&clerk),
        common::instance(&clerk),
        config(),
    ));

    let (a, b) = futures_util::future::join(replica_a.reconcile(|_| {}), replica_b.reconcile(|_| {})).await;
    let (a, b) = (a.expect("a ran"), b.expect("b ran"));

    let outcomes = [&a.outcome, &b.outcome];
    assert!(outcomes.contains(&&ReconcileOutcome::Complete), "{outcomes:?}");
    assert!(outcomes.contains(&&ReconcileOutcome::Skipped), "{outcomes:?}");
    let skipped = if a.outcome == ReconcileOutcome::Skipped {
        &a
    } else {
        &b
    };
    assert_eq!(
        skipped.pages, 0,
        "the skipped replica listed nothing: {skipped:?}"
    );
    // One pass: the first page, then the second (short) one, plus at most the rest of what was
    // in flight when it ended the listing; how many were in flight depends on the budget's
    // tokens at that moment, so only the bounds are fixed (the outcomes and the skipped
    // replica's report above say that only one replica listed).
    let listed = clerk.calls().count(LIST.0, LIST.1);
    assert!(
        (2..=1 + u64::from(config().pages_in_flight)).contains(&listed),
        "one pass lists 2 to {} pages, not {listed}",
        1 + config().pages_in_flight
    );
    // The lock is released: the next pass runs.
    let again = replica_b.reconcile(|_| {}).await.expect("ran");
    assert_eq!(again.outcome, ReconcileOutcome::Complete);
}

/// The peak resident memory of this process (the emulator included) in MiB, from
/// `/proc/self/status` (`VmHWM`); `None` off Linux.
/// The process's resident memory (`VmRSS`) or its peak since the last [`reset_peak_rss`]
/// (`VmHWM`), in MiB (Linux).
fn rss_mib(field: &str) -> Option<f64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|line| line.starts_with(field))?;
    let kib: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib / 1024.0)
}

/// Makes `VmHWM` start again from the current RSS (Linux's `clear_refs` value 5), so the peak
/// of a pass is not the seeding's.
fn reset_peak_rss() {
    let _ = std::fs::write("/proc/self/clear_refs", "5");
}

/// Issue 27's reconciliation benchmark (a measurement, not a timed test): one full pass over
/// `RECONCILE_USERS` users (default 20,000) in pages of 500, the offline Clerk adding
/// `RECONCILE_LATENCY_MS` (default 150) to every page, with a production key's rate limit and
/// the client's default budget for it (900 per 10 s). Prints users/s, the RSS before the pass
/// (the offline Clerk's users included) and the peak during it. Run with
/// `RECONCILE_USERS=100000 cargo test --release -p app --test cache_reconcile -- --ignored --nocapture reconciliation_throughput`.
#[actix_rt::test]
#[ignore = "performance measurement"]
async fn reconciliation_throughput() {
    let env_number = |name: &str, default: u64| {
        std::env::var(name)
            .ok()
            .and_then(|value| value.parse().ok())
            .unwrap_or(default)
    };
    let users = env_number("RECONCILE_USERS", 20_000);
    let latency = Duration::from_millis(env_number("RECONCILE_LATENCY_MS", 150));
    let db = TestDb::new().await;
    let clerk = TestClerk::builder()
        .production()
        .rate_limit(RateLimit::clerk_default(clerk_testkit::InstanceType::Production))
        .start()
        .expect("emulator starts");
    clerk
        .users()
        .seed(usize::try_from(users).expect("a count"))
        .expect("seeded");
    clerk.faults().endpoint_latency(LIST.0, LIST.1, Some(latency));
    let client = clerk_actix::ClerkClient::new(
        clerk_actix::client::ClientConfig::new()
            .secret_key(clerk.secret_key())
            .api_url(clerk.base_url()),
    )
    .expect("client with a production key's default budget");
    let cache = common::cache_with(
        &db,
        &clerk,
        client,
        CacheConfig {
            page_size: 500,
            ..config()
        },
    );
    // The offline Clerk shares the process: its users are in the RSS before the pass.
    reset_peak_rss();
    let rss_before = rss_mib("VmRSS:").unwrap_or(f64::NAN);
    let started = Instant::now();
    let report = cache.reconcile(|_| {}).await.expect("pass ran");
    let elapsed = started.elapsed();
    println!(
        "reconciled {} users in {:.2} s: {:.0} users/s ({} pages, {:?} per page from Clerk, {} list calls, \
         rate budget {:?}, RSS {:.0} MiB before the pass, peak {:.0} MiB during it)",
        report.users_seen,
        elapsed.as_secs_f64(),
        report.users_seen as f64 / elapsed.as_secs_f64(),
        report.pages,
        latency,
        clerk.calls().count(LIST.0, LIST.1),
        cache.client().metrics().rate_budget.limit,
        rss_before,
        rss_mib("VmHWM:").unwrap_or(f64::NAN),
    );
    assert_eq!(report.outcome, ReconcileOutcome::Complete);
    assert_eq!(report.users_seen, users);
    assert_eq!(rate_limited(&clerk), 0);
}

/// A fake `GET /v1/users` (1,000 users, each page 200 ms late) counting the pages in flight.
#[derive(Clone, Default)]
struct CountingUsers {
    in_flight: Arc<std::sync::atomic::AtomicUsize>,
    most_in_flight: Arc<std::sync::atomic::AtomicUsize>,
    calls: Arc<std::sync::atomic::AtomicUsize>,
    /// The offset of a page that always fails (503).
    failing_offset: Option<usize>,
}

impl CountingUsers {
    const USERS: usize = 1_000;

    async fn list(
        counts: actix_web::web::Data<CountingUsers>,
        query: actix_web::web::Query<std::collections::HashMap<String, String>>,
    ) -> actix_web::HttpResponse {
        use std::sync::atomic::Ordering::SeqCst;
        let number = |name: &str| query.get(name).and_then(|value| value.parse::<usize>().ok());
        let (offset, limit) = (number("offset").unwrap_or(0), number("limit").unwrap_or(10));
        counts.calls.fetch_add(1, SeqCst);
        let now = counts.in_flight.fetch_add(1, SeqCst) + 1;
        counts.most_in_flight.fetch_max(now, SeqCst);
        actix_web::rt::time::sleep(Duration::from_millis(200)).await;
        counts.in_flight.fetch_sub(1, SeqCst);
        if counts.failing_offset == Some(offset) {
            return actix_web::HttpResponse::ServiceUnavailable().finish();
        }
        let page: Vec<_> = (offset..Self::USERS.min(offset.saturating_add(limit)))
            .map(|i| common::user_json(&format!("user_{i:05}"), "Ada", 1_700_000_000_000))
            .collect();
        actix_web::HttpResponse::Ok().json(page)
    }

    /// Serves on a loopback port; the base URL.
    fn serve(&self) -> String {
        let counts = actix_web::web::Data::new(self.clone());
        let server = actix_web::HttpServer::new(move || {
            actix_web::App::new()
                .app_data(counts.clone())
                .route("/v1/users", actix_web::web::get().to(Self::list))
        })
        .workers(1)
        .bind(("127.0.0.1", 0))
        .expect("bind");
        let addr = server.addrs()[0];
        actix_web::rt::spawn(server.run());
        format!("http://{addr}")
    }
}

/// Fetching ahead keeps at most a second's worth of the reconciliation share's calls in flight:
/// a budget of 100 requests per 10 s gives reconciliation a slice of 20 per window, 2 per second
/// (it could borrow more from idle shares), fewer than the 8 the configuration asks for.
#[actix_rt::test]
async fn pages_in_flight_never_exceed_the_reconciliation_share() {
    let db = TestDb::new().await;
    let clerk = clerk();
    let fake = CountingUsers::default();
    let url = fake.serve();
    let client = common::api_with(&clerk, |config| {
        config
            .api_url(url)
            .rate_limit(clerk_actix::client::RateLimit::new(100, Duration::from_secs(10)))
    });
    let cache = common::cache_with(
        &db,
        &clerk,
        client,
        CacheConfig {
            page_size: 100,
            pages_in_flight: 8,
            ..config()
        },
    );

    let report = cache.reconcile(|_| {}).await.expect("pass ran");

    assert_eq!(report.outcome, ReconcileOutcome::Complete);
    assert_eq!((report.pages, report.users_seen), (11, 1_000));
    assert_eq!(live_users(&db).await, 1_000);
    use std::sync::atomic::Ordering::SeqCst;
    assert_eq!(
        fake.most_in_flight.load(SeqCst),
        2,
        "fetched ahead, within the share ({} calls)",
        fake.calls.load(SeqCst)
    );
}

/// A page failing while the next ones are in flight loses nothing: the pages before it are
/// stored, those after it are dropped, the pass is incomplete and tombstones nothing.
#[actix_rt::test]
async fn a_page_failing_while_others_are_in_flight_loses_nothing() {
    let db = TestDb::new().await;
    let clerk = clerk();
    let fake = CountingUsers {
        failing_offset: Some(300),
        ..CountingUsers::default()
    };
    let url = fake.serve();
    let client = common::api_with(&clerk, |config| config.api_url(url));
    let cache = common::cache_with(
        &db,
        &clerk,
        client,
        CacheConfig {
            page_size: 100,
            ..config()
        },
    );

    let report = cache.reconcile(|_| {}).await.expect("pass ran");

    let ReconcileOutcome::Incomplete { reason } = &report.outcome else {
        panic!("{report:?}")
    };
    assert!(reason.contains("at offset 300"), "{reason}");
    assert_eq!((report.pages, report.users_seen), (3, 300));
    assert_eq!((report.candidates, report.tombstoned), (0, 0));
    assert_eq!(live_users(&db).await, 300);
    let state = cache.users().sync_state().await.expect("state");
    assert_eq!(state.complete, Some(false));
}

/// Issue 27: a listed page of users is written by one statement that keeps every rule: a
/// stored copy newer than the listing's is kept (marked seen: nobody asks Clerk about it), a
/// tombstone is never resurrected, a tie refreshes the row without counting as a change, a
/// changed user is replaced and a new one inserted.
#[actix_rt::test]
async fn a_listed_page_of_users_is_one_statement_that_keeps_the_write_rules() {
    let db = TestDb::new().await;
    let clerk = clerk();
    let users = clerk.users().seed(4).expect("seeded");
    let cache = cache(&db, &clerk, config());
    let first = cache.reconcile(|_| {}).await.expect("pass ran");
    assert_eq!((first.users_seen, first.upserted), (4, 4));
    // Every row version a statement writes, counted.
    for ddl in [
        "CREATE TABLE row_writes (id text NOT NULL)",
        "CREATE FUNCTION count_row_write() RETURNS trigger AS $$ BEGIN \
         INSERT INTO row_writes VALUES (NEW.id); RETURN NULL; END $$ LANGUAGE plpgsql",
        "CREATE TRIGGER count_row_writes AFTER INSERT OR UPDATE ON users \
         FOR EACH ROW EXECUTE FUNCTION count_row_write()",
    ] {
        sqlx::query(ddl)
            .execute(&db.pool)
            .await
            .expect("counting trigger");
    }

    // users[0]: the cache holds a newer copy, confirmed an hour ago; users[1]: a webhook
    // deleted it, Clerk still lists it; users[2]: renamed in Clerk; users[3]: unchanged (a tie).
    sqlx::query(
        "UPDATE users SET updated_at_ms = updated_at_ms + 60000, first_name = 'Local', \
         data = jsonb_set(data, '{first_name}', '\"Local\"'), synced_at = now() - interval '1 hour' \
         WHERE id = $1",
    )
    .bind(&users[0].id)
    .execute(&db.pool)
    .await
    .expect("a newer local copy");
    cache
        .users()
        .tombstone(&users[1].id, 1, app::cache::WriteSource::Webhook)
        .await
        .expect("tombstoned");
    clerk
        .users()
        .update(
            &users[2].id,
            UserUpdate {
                first_name: Some("Renamed".into()),
                ..UserUpdate::default()
            },
        )
        .expect("updated");
    common::age_row(&db.pool, &users[3].id, Duration::from_secs(3600)).await;
    let fresh = clerk.users().seed(1).expect("seeded");
    sqlx::query("DELETE FROM row_writes")
        .execute(&db.pool)
        .await
        .expect("reset");
    let before = clerk.calls().total();

    let second = cache.reconcile(|_| {}).await.expect("pass ran");

    assert_eq!(second.outcome, ReconcileOutcome::Complete);
    assert_eq!(second.users_seen, 5);
    assert_eq!(second.upserted, 2, "the renamed user and the new one: {second:?}");
    assert_eq!((second.candidates, second.tombstoned), (0, 0), "{second:?}");
    assert_eq!(clerk.calls().total() - before, 1, "one page, no confirmation");
    let local = cache.users().get(&users[0].id).await.expect("row");
    assert_eq!(local.user.expect("live").first_name.as_deref(), Some("Local"));
    assert!(
        local.age > Duration::from_secs(1800),
        "a newer copy is not refreshed"
    );
    assert!(cache.users().get(&users[1].id).await.expect("row").is_deleted());
    let renamed = cache.users().get(&users[2].id).await.expect("row");
    assert_eq!(renamed.user.expect("live").first_name.as_deref(), Some("Renamed"));
    let tie = cache.users().get(&users[3].id).await.expect("row");
    assert!(tie.age < Duration::from_secs(60), "a tie is refreshed");
    assert!(cache.users().get(&fresh[0].id).await.is_ok());
    let writes: i64 = sqlx::query_scalar("SELECT count(*) FROM row_writes")
        .fetch_one(&db.pool)
        .await
        .expect("count");
    assert_eq!(
        writes, 4,
        "each listed live user written once (the tombstone not at all), by the page's one statement"
    );
}

/// A span a subscriber saw: its name, its parent's name, its fields (`name=value `…).
type SeenSpan = (String, Option<String>, String);

/// The spans a subscriber saw.
#[derive(Clone, Default)]
struct Spans(Arc<std::sync::Mutex<Vec<SeenSpan>>>);

impl<S> tracing_subscriber::Layer<S> for Spans
where
    S: tracing::Subscriber + for<'a> tracing_subscriber::registry::LookupSpan<'a>,
{
    fn on_new_span(
        &self,
        attrs: &tracing::span::Attributes<'_>,
        id: &tracing::span::Id,
        ctx: tracing_subscriber::layer::Context<'_, S>,
    ) {
        struct Fields(String);
        impl tracing::field::Visit for Fields {
            fn record_debug(&mut self, field: &tracing::field::Field, value: &dyn std::fmt::Debug) {
                self.0.push_str(&format!("{}={:?} ", field.name(), value));
            }
        }
        let mut fields = Fields(String::new());
        attrs.record(&mut fields);
        let parent = ctx
            .span(id)
            .and_then(|span| span.parent())
            .map(|parent| parent.name().to_owned());
        let mut seen = self.0.lock().expect("not poisoned");
        seen.push((attrs.metadata().name().to_owned(), parent, fields.0));
    }
}

#[actix_rt::test]
async fn a_pass_traces_each_page_and_its_sql() {
    use tracing_subscriber::layer::SubscriberExt as _;

    let db = TestDb::new().await;
    let clerk = clerk();
    clerk.users().seed(1_200).expect("seeded");
    let cache = cache(&db, &clerk, config());
    let spans = Spans::default();
    // A second dispatcher, alive for the test: with only one registered, tracing-core computes
    // the interest of a callsite first reached on another thread (a test running beside this
    // one, with no subscriber) from that thread's dispatcher alone, and caches "never" for
    // every thread. With two, it asks every registered dispatcher.
    let _second = tracing::Dispatch::new(tracing_subscriber::registry());
    let subscriber = tracing_subscriber::registry().with(spans.clone());
    let _default = tracing::subscriber::set_default(subscriber);

    let report = cache.reconcile(|_| {}).await.expect("pass ran");

    assert_eq!(report.outcome, ReconcileOutcome::Complete);
    let spans = spans.0.lock().expect("not poisoned").clone();
    let named = |name: &'static str| spans.iter().filter(move |(n, _, _)| n == name);
    // One pass span, three page spans under it (500 + 500 + 200 users), each page's upsert
    // a `db.query` span of its own under the page.
    let pass: Vec<_> = named("reconciliation pass").collect();
    assert_eq!(pass.len(), 1, "{spans:?}");
    assert!(
        pass[0].2.contains("clerk.reconcile.resource=\"users\""),
        "{pass:?}"
    );
    let pages: Vec<_> = named("reconciliation page").collect();
    assert_eq!(pages.len(), 3, "{spans:?}");
    assert!(pages
        .iter()
        .all(|(_, parent, _)| parent.as_deref() == Some("reconciliation pass")));
    assert!(
        pages[2].2.contains("clerk.reconcile.offset=1000")
            && pages[2].2.contains("clerk.reconcile.items=200")
    );
    let page_writes = named("db.query")
        .filter(|(_, parent, fields)| {
            parent.as_deref() == Some("reconciliation page")
                && fields.contains("db.query.summary=\"INSERT users\"")
        })
        .count();
    assert_eq!(page_writes, 3, "{spans:?}");
    // The pass's own statements (its number, its progress) are traced under the pass.
    assert!(named("db.query").any(|(_, parent, fields)| {
        parent.as_deref() == Some("reconciliation pass") && fields.contains("UPDATE sync_state")
    }));
}
