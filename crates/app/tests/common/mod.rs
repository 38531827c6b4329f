//! Shared helpers for the cache tests: a fresh database per test, the offline Clerk, users and
//! events.
#![allow(dead_code)]

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use app::cache::{CacheConfig, InstanceKey, PgDirectoryCache};
use clerk_actix::client::RateLimit;
use clerk_actix::{client::ClientConfig, ClerkClient};
use clerk_core::{webhook::ClerkEvent, User};
use clerk_testkit::TestClerk;
use serde_json::{json, Value};
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::{Connection as _, Executor as _, PgConnection, PgPool};

/// The server's admin URL: `DATABASE_URL`, else the local trust-auth default.
pub fn admin_url() -> String {
    std::env::var("DATABASE_URL").unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".to_owned())
}

/// A database created for one test, migrated; dropped (best effort) when this is dropped.
pub struct TestDb {
    pub name: String,
    pub pool: PgPool,
    pub options: PgConnectOptions,
}

static NEXT: AtomicU64 = AtomicU64::new(0);

impl TestDb {
    pub async fn new() -> Self {
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.subsec_nanos())
            .unwrap_or(0);
        let name = format!(
            "cache_test_{}_{}_{}",
            std::process::id(),
            NEXT.fetch_add(1, Ordering::Relaxed),
            nanos
        );
        let mut admin = PgConnection::connect(&admin_url())
            .await
            .expect("Postgres is reachable at DATABASE_URL (see README)");
        admin
            .execute(format!(r#"CREATE DATABASE "{name}""#).as_str())
            .await
            .expect("create the test database");
        admin.close().await.ok();
        let options: PgConnectOptions = admin_url().parse().expect("valid DATABASE_URL");
        let options = options.database(&name);
        let pool = small_pool(options.clone());
        app::MIGRATOR.run(&pool).await.expect("migrations run");
        Self { name, pool, options }
    }

    /// Another pool on the same database (a second replica).
    pub fn another_pool(&self) -> PgPool {
        small_pool(self.options.clone())
    }
}

/// At most 5 connections, 2 s to acquire one: tests run in parallel on a 100-connection server.
pub fn small_pool(options: PgConnectOptions) -> PgPool {
    PgPoolOptions::new()
        .max_connections(5)
        .acquire_timeout(Duration::from_secs(2))
        .connect_lazy_with(options)
}

/// A pool on a port nothing listens on: every operation fails.
pub fn dead_pool() -> PgPool {
    let options: PgConnectOptions = "postgres://postgres@127.0.0.1:1/postgres"
        .parse()
        .expect("valid URL");
    small_pool(options)
}

impl Drop for TestDb {
    fn drop(&mut self) {
        let name = self.name.clone();
        // Drop cannot await; use a throwaway runtime on its own thread. The pool is not closed
        // here: its connections belong to the test's runtime, which is blocked on this join
        // (closing would deadlock). `WITH (FORCE)` ends them instead.
        let _ = std::thread::spawn(move || {
            let Ok(runtime) = tokio::runtime::Builder::new_current_thread().enable_all().build() else {
                return;
            };
            runtime.block_on(async move {
                if let Ok(mut admin) = PgConnection::connect(&admin_url()).await {
                    let _ = admin
                        .execute(format!(r#"DROP DATABASE IF EXISTS "{name}" WITH (FORCE)"#).as_str())
                        .await;
                    let _ = admin.close().await;
                }
            });
        })
        .join();
    }
}

/// The offline Clerk with its default (development) rate limit.
pub fn clerk() -> TestClerk {
    TestClerk::builder().start().expect("emulator starts")
}

/// A Backend API client for `clerk` that does not retry (tests count calls exactly).
pub fn api(clerk: &TestClerk) -> ClerkClient {
    api_with(clerk, |config| config)
}

/// Like [`api`], with more settings (e.g. a rate limit).
pub fn api_with(clerk: &TestClerk, adjust: impl FnOnce(ClientConfig) -> ClientConfig) -> ClerkClient {
    let config = ClientConfig::new()
        .secret_key(clerk.secret_key())
        .api_url(clerk.base_url())
        .max_retries(0)
        .timeout(Duration::from_secs(5));
    ClerkClient::new(adjust(config)).expect("client config")
}

/// A client whose rate budget is `requests` per `window`.
pub fn api_limited(clerk: &TestClerk, requests: u32, window: Duration) -> ClerkClient {
    api_with(clerk, |config| {
        config.rate_limit(RateLimit::new(requests, window))
    })
}

/// Test settings: short retry delays.
pub fn config() -> CacheConfig {
    CacheConfig {
        page_attempts: 2,
        page_retry_delay: Duration::from_millis(10),
        ..CacheConfig::default()
    }
}

/// The instance `clerk` is, as the cache scopes its rows.
pub fn instance(clerk: &TestClerk) -> InstanceKey {
    InstanceKey::from_publishable_key(clerk.instance().publishable_key())
}

pub fn cache(db: &TestDb, clerk: &TestClerk, config: CacheConfig) -> Arc<PgDirectoryCache> {
    cache_with(db, clerk, api(clerk), config)
}

/// A cache calling Clerk through `client`.
pub fn cache_with(
    db: &TestDb,
    clerk: &TestClerk,
    client: ClerkClient,
    config: CacheConfig,
) -> Arc<PgDirectoryCache> {
    Arc::new(PgDirectoryCache::new(
        db.pool.clone(),
        client,
        instance(clerk),
        config,
    ))
}

/// An emulator user in the `clerk_core` model.
pub fn core_user(user: &clerk_testkit::User) -> User {
    let value = serde_json::to_value(user).expect("testkit user serializes");
    serde_json::from_value(value).expect("testkit user is a Clerk user")
}

/// A user as JSON, with a name and `updated_at`.
pub fn user_json(id: &str, first_name: &str, updated_at: i64) -> Value {
    json!({
        "id": id, "object": "user", "first_name": first_name, "last_name": "Lovelace",
        "username": null, "external_id": null, "primary_phone_number_id": null,
        "primary_web3_wallet_id": null, "primary_email_address_id": "idn_1",
        "email_addresses": [{"id": "idn_1", "object": "email_address",
            "email_address": format!("{first_name}@example.com").to_lowercase(), "reserved": false,
            "verification": {"status": "verified", "strategy": "admin", "attempts": null, "expire_at": null},
            "linked_to": [], "created_at": 1, "updated_at": 1}],
        "phone_numbers": [], "web3_wallets": [], "passkeys": [], "external_accounts": [],
        "saml_accounts": [], "enterprise_accounts": [],
        "public_metadata": {"plan": "pro"}, "private_metadata": {"secret": "s3cr3t"}, "unsafe_metadata": {},
        "has_image": false, "password_enabled": true, "two_factor_enabled": false, "totp_enabled": false,
        "backup_code_enabled": false, "banned": false, "locked": false,
        "lockout_expires_in_seconds": null, "verification_attempts_remaining": 100,
        "mfa_enabled_at": null, "mfa_disabled_at": null, "last_sign_in_at": null,
        "last_active_at": null, "legal_accepted_at": null,
        "delete_self_enabled": true, "create_organization_enabled": true,
        "created_at": 1_700_000_000_000_i64, "updated_at": updated_at
    })
}

/// A Clerk event envelope around `data`.
pub fn event(event_type: &str, timestamp: i64, data: Value) -> ClerkEvent {
    serde_json::from_value(json!({
        "type": event_type, "object": "event", "timestamp": timestamp, "instance_id": "ins_test",
        "event_attributes": {"http_request": {"client_ip": "127.0.0.1", "user_agent": "test"}},
        "data": data
    }))
    .expect("a valid Clerk event")
}

/// Makes a row look confirmed `age` ago.
pub async fn age_row(pool: &PgPool, id: &str, age: Duration) {
    sqlx::query("UPDATE users SET synced_at = now() - make_interval(secs => $2) WHERE id = $1")
        .bind(id)
        .bind(age.as_secs_f64())
        .execute(pool)
        .await
        .expect("age the row");
}
