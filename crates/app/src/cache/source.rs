//! [`PgDirectoryCache`] and its read-through path.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use clerk_actix::client::Share;
use clerk_actix::{client::ApiError, user_source::UserSource, user_source::UserSourceError, ClerkClient};
use clerk_core::User;
use futures_util::future::LocalBoxFuture;
use tracing::Instrument as _;

use super::config::CacheConfig;
use super::error::CacheError;
use super::flights::Flights;
use super::freshness::Freshness;
use super::instance::InstanceKey;
use super::memory::MemoryTier;
use super::negative::NegativeCache;
use super::org_lookup::{OrgLookup, OrgLookupError};
use super::org_repo::{MembershipRepo, OrgRepo};
use super::repo::{Db, UpsertOutcome, WriteSource};
use super::stats::{bump, CacheStats, StatsSnapshot};
use super::user_repo::{CachedUser, UserRepo};

/// The span of one user lookup (`debug`), its `clerk.cache.tier` set now (`memory`) or once
/// known ([`record_tier`]). Never the user's id or data.
fn lookup_span(tier: &'static str) -> tracing::Span {
    let span = tracing::debug_span!("user cache lookup", clerk.cache.tier = tracing::field::Empty);
    if !tier.is_empty() {
        span.record("clerk.cache.tier", tier);
    }
    span
}

/// Where a lookup below the in-process tier was answered from: `postgres` (a fresh row),
/// `api` (the Backend API just now), `stale`, `not_found` or `unavailable`.
fn record_tier(span: &tracing::Span, found: &Result<Lookup, UserSourceError>) {
    let tier = match found {
        Ok(Lookup {
            freshness: Freshness::Fresh,
            ..
        }) => "postgres",
        Ok(Lookup {
            freshness: Freshness::Refreshed,
            ..
        }) => "api",
        Ok(Lookup {
            freshness: Freshness::Stale { .. },
            ..
        }) => "stale",
        Err(UserSourceError::NotFound) => "not_found",
        Err(_) => "unavailable",
    };
    span.record("clerk.cache.tier", tier);
}

/// A user found by [`PgDirectoryCache::lookup`].
#[derive(Debug, Clone)]
pub struct Lookup {
    /// The user, in the Backend API shape. It includes `private_metadata`: hand clients
    /// [`User::to_public`], never this.
    pub user: Arc<User>,
    /// Where it came from.
    pub freshness: Freshness,
}

/// The Postgres directory cache of one replica (users, organizations, memberships): read-through [`UserSource`], webhook application,
/// reconciliation and counters.
///
/// `Send + Sync`: build it once (outside `HttpServer::new`), keep it in an [`Arc`] and share it
/// with every worker. Its Backend API calls go through the [`ClerkClient`] it is given (the
/// [`Clerk`](clerk_actix::Clerk)'s own, so that they share the instance's rate budget):
/// read-through in [`Share::ReadThrough`], reconciliation in [`Share::Reconciliation`], so a
/// full pass cannot starve the lookups of signed-in users. The client's futures are `!Send`,
/// so the cache's run on the calling worker.
pub struct PgDirectoryCache {
    pub(crate) db: Db,
    pub(crate) users: UserRepo,
    pub(crate) organizations: OrgRepo,
    pub(crate) memberships: MembershipRepo,
    /// Read-through calls: wait at most [`CacheConfig::read_through_max_wait`] for a slot.
    pub(crate) read_through: ClerkClient,
    /// Reconciliation calls: wait as long as it takes for a slot.
    pub(crate) reconciliation: ClerkClient,
    pub(crate) config: CacheConfig,
    pub(crate) negative: NegativeCache,
    pub(crate) stats: CacheStats,
    pub(crate) memory: Arc<MemoryTier>,
    flights: Flights<Result<Lookup, UserSourceError>>,
    pub(crate) org_flights: Flights<Result<OrgLookup, OrgLookupError>>,
}

impl fmt::Debug for PgDirectoryCache {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PgDirectoryCache")
            .field("config", &self.config)
            .field("client", &self.read_through)
            .finish_non_exhaustive()
    }
}

impl PgDirectoryCache {
    /// A cache of `instance`'s users on `pool` (migrated with [`crate::MIGRATOR`]) calling
    /// Clerk through `client`.
    ///
    /// `client` must talk to the same instance (its secret key); the cache only ever reads and
    /// writes rows of `instance`.
    pub fn new(pool: sqlx::PgPool, client: ClerkClient, instance: InstanceKey, config: CacheConfig) -> Self {
        let db = Db::new(pool, instance, config.db_timeout);
        Self {
            users: UserRepo::new(db.clone()),
            organizations: OrgRepo::new(db.clone()),
            memberships: MembershipRepo::new(db.clone()),
            db,
            negative: NegativeCache::new(config.negative_ttl, config.negative_capacity),
            read_through: client
                .share(Share::ReadThrough)
                .max_wait(Some(config.read_through_max_wait)),
            reconciliation: client.share(Share::Reconciliation).max_wait(None),
            stats: CacheStats::default(),
            memory: Arc::new(MemoryTier::new(config.memory_capacity, config.memory_ttl)),
            config,
            flights: Flights::default(),
            org_flights: Flights::default(),
        }
    }

    /// The users' table (direct access).
    pub fn users(&self) -> &UserRepo {
        &self.users
    }

    /// The organizations' table (direct access).
    pub fn organizations(&self) -> &OrgRepo {
        &self.organizations
    }

    /// The memberships' table (direct access).
    pub fn memberships(&self) -> &MembershipRepo {
        &self.memberships
    }

    /// The Clerk instance whose rows this cache reads and writes.
    pub fn instance(&self) -> &InstanceKey {
        self.db.instance()
    }

    /// The pool.
    pub fn pool(&self) -> &sqlx::PgPool {
        self.db.pool()
    }

    /// The Backend API client of this cache (its read-through handle): its
    /// [`metrics`](ClerkClient::metrics) show the instance's rate budget.
    pub fn client(&self) -> &ClerkClient {
        &self.read_through
    }

    /// The configuration.
    pub fn config(&self) -> &CacheConfig {
        &self.config
    }

    /// A copy of the counters, for `/metrics`.
    pub fn stats(&self) -> StatsSnapshot {
        use std::sync::atomic::Ordering::Relaxed;
        let mut snapshot = self.stats.snapshot();
        snapshot.memory_hits = self.memory.hits.load(Relaxed);
        snapshot.memory_invalidations = self.memory.invalidations.load(Relaxed);
        snapshot.memory_org_hits = self.memory.org_hits.load(Relaxed);
        snapshot.memory_org_invalidations = self.memory.org_invalidations.load(Relaxed);
        snapshot.memory_feed_drops = self.memory.feed_drops.load(Relaxed);
        snapshot
    }

    /// Loads a user: a fresh row from Postgres, else the Backend API (one call per user across
    /// all concurrent callers), else a stale row within [`CacheConfig::max_stale`].
    ///
    /// # Errors
    ///
    /// [`UserSourceError::NotFound`] when Clerk has no such user (404, remembered for
    /// [`CacheConfig::negative_ttl`]) or the user is deleted (tombstone, no API call);
    /// [`UserSourceError::Unavailable`] when the database cannot be reached, or Clerk cannot
    /// be reached and no usable stale row exists.
    pub async fn lookup(&self, user_id: &str) -> Result<Lookup, UserSourceError> {
        if let Some(user) = self.memory.get(user_id) {
            lookup_span("memory");
            return Ok(Lookup {
                user,
                freshness: Freshness::Fresh,
            });
        }
        let epoch = self.memory.epoch();
        let span = lookup_span("");
        let found = self.lookup_below_memory(user_id).instrument(span.clone()).await;
        record_tier(&span, &found);
        if let Ok(Lookup {
            user,
            freshness: Freshness::Fresh | Freshness::Refreshed,
        }) = &found
        {
            self.memory.insert(user_id, Arc::clone(user), epoch);
        }
        found
    }

    /// The in-process tier, with its change feed ([`MemoryTier::listen`]).
    pub fn memory(&self) -> &Arc<MemoryTier> {
        &self.memory
    }

    async fn lookup_below_memory(&self, user_id: &str) -> Result<Lookup, UserSourceError> {
        if user_id.is_empty() || self.negative.contains(user_id) {
            bump(&self.stats.negative_hits);
            bump(&self.stats.not_found);
            return Err(UserSourceError::NotFound);
        }
        if let Some(answer) = self.answer_from_row(user_id, self.read_row(user_id).await?) {
            return answer;
        }
        bump(&self.stats.misses);
        self.single_flight(user_id).await
    }

    /// The stored row, `None` when there is none.
    async fn read_row(&self, user_id: &str) -> Result<Option<CachedUser>, UserSourceError> {
        match self.users.get(user_id).await {
            Ok(row) => Ok(Some(row)),
            Err(CacheError::NotFound) => Ok(None),
            Err(err) => {
                bump(&self.stats.db_errors);
                bump(&self.stats.unavailable);
                tracing::warn!(user_id, error.message = %err, error.cause_chain = ?err, "user cache: database read failed");
                Err(UserSourceError::unavailable(err))
            }
        }
    }

    /// The answer a row gives without calling Clerk: a tombstone or a fresh row.
    fn answer_from_row(
        &self,
        user_id: &str,
        row: Option<CachedUser>,
    ) -> Option<Result<Lookup, UserSourceError>> {
        let row = row?;
        if row.is_deleted() {
            bump(&self.stats.tombstone_hits);
            bump(&self.stats.not_found);
            tracing::debug!(user_id, "user cache: deleted user");
            return Some(Err(UserSourceError::NotFound));
        }
        match row.user {
            Some(user) if row.age < self.config.ttl => {
                bump(&self.stats.hits);
                Some(Ok(Lookup {
                    user,
                    freshness: Freshness::Fresh,
                }))
            }
            _ => None,
        }
    }

    async fn single_flight(&self, user_id: &str) -> Result<Lookup, UserSourceError> {
        let (answer, led) = self.flights.run(user_id, || self.refresh(user_id)).await;
        if !led {
            bump(&self.stats.coalesced);
        }
        answer
    }

    /// The refresh one flight runs: re-check the row (a previous flight or a webhook may just
    /// have stored it), then call Clerk within the read-through share of the rate budget.
    async fn refresh(&self, user_id: &str) -> Result<Lookup, UserSourceError> {
        if self.negative.contains(user_id) {
            bump(&self.stats.negative_hits);
            bump(&self.stats.not_found);
            return Err(UserSourceError::NotFound);
        }
        let row = self.read_row(user_id).await?;
        let live_row = row.as_ref().is_some_and(|row| !row.is_deleted());
        let stale = row
            .as_ref()
            .and_then(|row| row.user.clone().map(|user| (user, row.age)));
        if let Some(answer) = self.answer_from_row(user_id, row) {
            return answer;
        }
        match self.read_through.users().get(user_id).await {
            Ok(user) => {
                bump(&self.stats.api_ok);
                self.store(user_id, Arc::new(user)).await
            }
            Err(err) if err.is_not_found() => {
                bump(&self.stats.api_not_found);
                bump(&self.stats.not_found);
                self.negative.insert(user_id);
                if live_row {
                    // Clerk ids are never reused: a 404 for a stored user means it was deleted
                    // and the webhook was missed.
                    if let Err(err) = self.users.tombstone(user_id, now_ms(), WriteSource::Api).await {
                        tracing::warn!(user_id, error.message = %err, "user cache: tombstone after 404 failed");
                    }
                }
                Err(UserSourceError::NotFound)
            }
            Err(ApiError::InvalidArgument(_)) => {
                // An id that cannot be a path segment cannot be a Clerk user.
                bump(&self.stats.not_found);
                Err(UserSourceError::NotFound)
            }
            Err(err @ ApiError::RateBudgetExhausted { .. }) => {
                bump(&self.stats.api_budget_exhausted);
                self.fallback(user_id, stale, err)
            }
            Err(err) => {
                self.count_api_error(&err);
                self.fallback(user_id, stale, err)
            }
        }
    }

    /// Stores what the API returned and says what to serve.
    async fn store(&self, user_id: &str, user: Arc<User>) -> Result<Lookup, UserSourceError> {
        let refreshed = |user| {
            Ok(Lookup {
                user,
                freshness: Freshness::Refreshed,
            })
        };
        match self.users.upsert(&user, WriteSource::Api).await {
            Ok(outcome) if outcome.written() => {
                bump(&self.stats.refreshed);
                self.negative.remove(user_id);
                refreshed(user)
            }
            Ok(UpsertOutcome::Deleted) => {
                bump(&self.stats.tombstone_hits);
                bump(&self.stats.not_found);
                Err(UserSourceError::NotFound)
            }
            Ok(_) => {
                // A newer copy arrived meanwhile (webhook): serve that one.
                match self.users.get(user_id).await {
                    Ok(CachedUser {
                        user: Some(newer), ..
                    }) => refreshed(newer),
                    _ => refreshed(user),
                }
            }
            Err(err) => {
                // The answer is fresh from Clerk; failing to keep it is no reason to fail.
                bump(&self.stats.db_errors);
                tracing::warn!(user_id, error.message = %err, "user cache: storing the user failed");
                refreshed(user)
            }
        }
    }

    /// Counts a failed Backend API call (the client itself pauses its rate budget on a 429).
    pub(crate) fn count_api_error(&self, err: &ApiError) {
        if err.is_rate_limited() {
            bump(&self.stats.api_rate_limited);
        } else {
            bump(&self.stats.api_failed);
        }
    }

    /// Serves the stale row if it is recent enough, else unavailable.
    fn fallback(
        &self,
        user_id: &str,
        stale: Option<(Arc<User>, Duration)>,
        why: ApiError,
    ) -> Result<Lookup, UserSourceError> {
        match stale {
            Some((user, age)) if age <= self.config.max_stale => {
                bump(&self.stats.stale_serves);
                tracing::warn!(user_id, age_secs = age.as_secs(), reason = %why, "user cache: Clerk unreachable, serving a stale user");
                Ok(Lookup {
                    user,
                    freshness: Freshness::Stale { age },
                })
            }
            _ => {
                bump(&self.stats.unavailable);
                tracing::warn!(user_id, reason = %why, "user cache: Clerk unreachable and no usable cached copy");
                // The Backend API's error is the cause (for logs); it never reaches a response.
                Err(UserSourceError::unavailable(why))
            }
        }
    }
}

impl UserSource for PgDirectoryCache {
    fn get_user<'a>(&'a self, user_id: &'a str) -> LocalBoxFuture<'a, Result<Arc<User>, UserSourceError>> {
        Box::pin(async move { self.lookup(user_id).await.map(|found| found.user) })
    }
}

/// Now, Unix ms.
pub(crate) fn now_ms() -> i64 {
    clerk_core::time::unix_millis(std::time::SystemTime::now())
}
