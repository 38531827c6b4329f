//! The Postgres directory cache: the Clerk instance's directory (users, organizations and
//! their memberships) kept locally, so [`CurrentUser`](clerk_actix::CurrentUser) and the active
//! organization cost a database read instead of a rate-limited Backend API call.
//!
//! Three paths keep it true (docs/architecture.md §3):
//!
//! - **Read-through** ([`PgDirectoryCache::lookup`], and [`UserSource`](clerk_actix::user_source::UserSource)):
//!   a row confirmed within [`CacheConfig::ttl`] is served from Postgres; otherwise one
//!   `GET /v1/users/{id}` per user, shared by every concurrent caller on every worker
//!   (single-flight), then stored. When Clerk cannot be reached, a row up to
//!   [`CacheConfig::max_stale`] old is served (logged, counted, and [`Freshness::Stale`], which
//!   the routes mark with `x-user-cache: stale`). A 404 is remembered for
//!   [`CacheConfig::negative_ttl`].
//! - **Push** ([`PgDirectoryCache::apply_event`]): Clerk webhooks, idempotent by `svix-id`,
//!   monotonic by `updated_at`, with tombstones that purge personal data and cannot be undone
//!   by a late update.
//! - **Reconcile** ([`PgDirectoryCache::reconcile`], [`PgDirectoryCache::run_periodic`]): a full pass over
//!   `GET /v1/users` that repairs what webhooks missed and, after a complete pass only, confirms
//!   and tombstones users Clerk no longer has. One replica at a time (advisory lock).
//!
//! Organizations and their memberships are kept the same way (from issue 15 on):
//! [`PgDirectoryCache::lookup_organization`] (read-through with single-flight, members included),
//! `organization.*` / `organizationMembership.*` webhooks in [`PgDirectoryCache::apply_event`],
//! and [`PgDirectoryCache::reconcile_organizations`] (the instance-wide membership list, not one
//! call per organization). Memberships are tombstoned by membership id; the cache never holds
//! the private metadata of either.
//!
//! All Backend API traffic of a replica goes through the instance's one
//! [`ClerkClient`](clerk_actix::ClerkClient) and its rate budget, read-through and
//! reconciliation in shares of their own.
//!
//! # Examples
//!
//! ```no_run
//! use std::sync::Arc;
//! use app::cache::{CacheConfig, InstanceKey, PgDirectoryCache};
//! use clerk_actix::ClerkConfig;
//!
//! # async fn run() -> Result<(), Box<dyn std::error::Error>> {
//! let pool = sqlx::postgres::PgPoolOptions::new()
//!     .acquire_timeout(std::time::Duration::from_secs(2))
//!     .connect_lazy("postgres://postgres@127.0.0.1:5432/postgres")?;
//! app::MIGRATOR.run(&pool).await?;
//! let config = ClerkConfig::from_env()?;
//! // The client first: the cache and Clerk share it (and its rate budget).
//! let client = config.build_client()?.ok_or("CLERK_SECRET_KEY is required")?;
//! let pk = clerk_core::PublishableKey::parse("pk_test_aGFwcHktaGlwcG8tNDIuY2xlcmsuYWNjb3VudHMuZGV2JA")?;
//! let instance = InstanceKey::from_publishable_key(&pk);
//! let cache = Arc::new(PgDirectoryCache::new(pool, client.clone(), instance, CacheConfig::default()));
//! let clerk = config.client(client).user_source(cache.clone()).build()?;
//! # drop(clerk);
//! match cache.lookup("user_2abc").await {
//!     Ok(found) => println!("{:?}", found.user.to_public()),
//!     Err(err) => eprintln!("{err}"),
//! }
//! # Ok(()) }
//! ```

mod apply_outcome;
mod config;
mod db_span;
mod error;
mod flights;
mod freshness;
mod instance;
mod memory;
mod negative;
mod org_lookup;
mod org_reconcile;
mod org_repo;
mod org_source;
mod org_webhook;
mod reconcile;
mod repo;
mod source;
mod stats;
mod user_reconcile;
mod user_repo;
mod webhook;

pub use apply_outcome::ApplyOutcome;
pub use config::CacheConfig;
pub use error::{CacheError, Result};
pub use freshness::Freshness;
pub use instance::InstanceKey;
pub use memory::{FeedHandle, MemoryTier, CHANGE_CHANNEL, ORG_PREFIX};
pub use org_lookup::{OrgLookup, OrgLookupError};
pub use org_reconcile::OrgReconcileReport;
pub use org_repo::{CachedOrganization, MembershipRepo, OrgRepo};
pub use reconcile::ReconcileOutcome;
pub use repo::{TombstoneOutcome, UpsertOutcome, WriteSource};
pub use source::{Lookup, PgDirectoryCache};
pub use stats::{CacheStats, StatsSnapshot};
pub use user_reconcile::{ReconcilePhase, ReconcileProgress, ReconcileReport};
pub use user_repo::{CachedUser, ClaimReport, SyncState, UserRepo};
