//! Settings of the user cache.

use std::time::Duration;

/// Settings of [`PgDirectoryCache`](super::PgDirectoryCache); every field has a documented default
/// ([`CacheConfig::default`]).
///
/// # Examples
///
/// ```
/// use std::time::Duration;
/// use app::cache::CacheConfig;
///
/// let config = CacheConfig {
///     ttl: Duration::from_secs(30),
///     ..CacheConfig::default()
/// };
/// assert_eq!(config.read_through_max_wait, Duration::from_secs(2));
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct CacheConfig {
    /// How long a row stays fresh after it was last confirmed against Clerk (by the Backend
    /// API, a webhook or reconciliation); a fresh row is served without calling Clerk.
    ///
    /// Defaults to 60 s.
    pub ttl: Duration,
    /// How old a row may be and still be served when Clerk cannot be reached (5xx, timeout,
    /// 429, rate budget exhausted). Past this the lookup fails as unavailable.
    ///
    /// Defaults to 24 h.
    pub max_stale: Duration,
    /// How long a 404 from Clerk is remembered, so repeated lookups of an unknown id do not
    /// spend the rate limit.
    ///
    /// Defaults to 30 s.
    pub negative_ttl: Duration,
    /// Most unknown ids remembered at once (the oldest is forgotten first).
    ///
    /// Defaults to 10 000.
    pub negative_capacity: usize,
    /// Longest a read-through lookup waits for a slot of the client's rate budget (its
    /// read-through share; the budget itself is the client's, see
    /// [`ClientConfig::rate_limit`](clerk_actix::client::ClientConfig::rate_limit)) before falling back
    /// to the stale row (or failing as unavailable).
    ///
    /// Defaults to 2 s.
    pub read_through_max_wait: Duration,
    /// Time limit of every database operation (acquiring a connection included), so an
    /// unreachable database fails a request instead of hanging it.
    ///
    /// Defaults to 3 s.
    pub db_timeout: Duration,
    /// Users per `GET /v1/users` page during reconciliation (Clerk allows 1..=500).
    ///
    /// Defaults to 500.
    pub page_size: u32,
    /// Pages of a reconciliation listing fetched ahead: in flight while an earlier page is
    /// written (offset paging allows it). Never more than the calls per second of the
    /// reconciliation share's slice of the client's rate budget (18 for a production key's
    /// default budget, 1 for a development key's), whatever this says; at least one. Each page in flight holds up to [`page_size`](Self::page_size) rows
    /// in memory.
    ///
    /// Defaults to 4 (a production key's share, 18 calls/s, at Clerk's ~150 ms per page needs 3).
    pub pages_in_flight: u32,
    /// How many times reconciliation tries a page (or a confirming `GET /v1/users/{id}`)
    /// before it gives the pass up as incomplete. A 429 is waited out and not counted.
    ///
    /// Defaults to 3.
    pub page_attempts: u32,
    /// Wait between two attempts at a page (doubled each time).
    ///
    /// Defaults to 1 s.
    pub page_retry_delay: Duration,
    /// How long applied webhook deliveries are remembered for idempotency. Must exceed Svix's
    /// retry window (about 28 h).
    ///
    /// Defaults to 72 h.
    pub delivery_retention: Duration,
    /// How long tombstones are kept. Must exceed the delivery retention, so a late
    /// `user.updated` still finds the tombstone.
    ///
    /// Defaults to 30 days.
    pub tombstone_retention: Duration,
    /// Users held in the in-process tier in front of Postgres (0 = off). Each replica drops a user
    /// there as soon as Postgres announces a change (`LISTEN`), and drops everything while it
    /// cannot hear the announcements.
    ///
    /// Defaults to 10 000.
    pub memory_capacity: usize,
    /// Longest a user stays in the in-process tier.
    ///
    /// Defaults to 30 s.
    pub memory_ttl: Duration,
}

impl Default for CacheConfig {
    fn default() -> Self {
        Self {
            ttl: Duration::from_secs(60),
            max_stale: Duration::from_secs(24 * 3600),
            negative_ttl: Duration::from_secs(30),
            negative_capacity: 10_000,
            read_through_max_wait: Duration::from_secs(2),
            db_timeout: Duration::from_secs(3),
            page_size: 500,
            pages_in_flight: 4,
            page_attempts: 3,
            page_retry_delay: Duration::from_secs(1),
            delivery_retention: Duration::from_secs(72 * 3600),
            tombstone_retention: Duration::from_secs(30 * 24 * 3600),
            memory_capacity: 10_000,
            memory_ttl: Duration::from_secs(30),
        }
    }
}
