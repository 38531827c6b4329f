//! Reconciliation, once for every kind of row: a full pass over one of Clerk's listings that
//! repairs what webhooks missed and, after a complete listing only, confirms the stored rows it
//! did not include one by one (gone from Clerk: tombstoned).
//!
//! What differs between users, organizations and memberships is [`Reconciled`]: how Clerk lists
//! and returns one, and how its repository stores a page, a confirmed row and a tombstone.
//! What a pass does with them is written here once: the advisory lock
//! ([`PgDirectoryCache::exclusively`]), the paged listing in the reconciliation share of the
//! rate budget ([`PgDirectoryCache::list_all`]) and the confirmations
//! ([`PgDirectoryCache::confirm_each`]). The two passes built on them are
//! [`PgDirectoryCache::reconcile`] (users) and
//! [`PgDirectoryCache::reconcile_organizations`] (organizations, then memberships).

use std::collections::HashMap;
use std::future::Future;
use std::pin::pin;
use std::time::Duration;

use clerk_actix::client::{ApiError, ApiResult, Share};
use clerk_actix::ClerkClient;
use futures_util::future::{select, Either};
use futures_util::{stream, StreamExt as _};
use sqlx::{Connection as _, PgConnection};
use tracing::Instrument as _;

use super::db_span::db_span;
use super::error::Result;
use super::repo::{in_transaction, TombstoneOutcome, UpsertOutcome};
use super::source::{now_ms, PgDirectoryCache};
use super::stats::bump;

/// Consecutive 429s after which a pass gives up (each is waited out first).
const MAX_RATE_LIMITED: u32 = 20;

/// How a pass ended.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum ReconcileOutcome {
    /// Every page was fetched; candidates were confirmed.
    Complete,
    /// A page could not be fetched: what was listed was stored, nothing was tombstoned.
    Incomplete {
        /// Why.
        reason: String,
    },
    /// Another replica (or task) holds the reconciliation lock: nothing was done.
    Skipped,
}

/// One kind of row a reconciliation pass keeps in step with Clerk, implemented by its
/// repository: [`UserRepo`](super::UserRepo), [`OrgRepo`](super::OrgRepo) and
/// [`MembershipRepo`](super::MembershipRepo).
pub(crate) trait Reconciled {
    /// What Clerk lists and returns.
    type Item;
    /// A stored live row a complete listing did not include (its id, and what confirming it
    /// needs).
    type Unseen;
    /// The listing, for the reason of an incomplete pass: `GET /v1/users`.
    const LISTING: &'static str;

    /// One page of Clerk's listing, oldest first.
    async fn list(api: ClerkClient, offset: u32, limit: u32) -> ApiResult<Vec<Self::Item>>;

    /// Stores a listed page (monotonic), marking its rows seen by `pass`; how many rows were
    /// inserted or changed.
    async fn store_page(&self, conn: &mut PgConnection, page: Vec<Self::Item>, pass: i64) -> Result<u64>;

    /// Clerk's current copy of an unseen row; `None` (or a 404) when Clerk no longer has it.
    async fn confirm(api: ClerkClient, unseen: &Self::Unseen) -> ApiResult<Option<Self::Item>>;

    /// Stores a confirmed row.
    async fn store(&self, conn: &mut PgConnection, item: &Self::Item, pass: i64) -> Result<UpsertOutcome>;

    /// Tombstones an unseen row Clerk no longer has.
    async fn tombstone(
        &self,
        conn: &mut PgConnection,
        unseen: &Self::Unseen,
        at_ms: i64,
    ) -> Result<TombstoneOutcome>;
}

/// Keeps one copy per id of a listed page (`key`: its id and `updated_at`), the newest (on a tie
/// the later), in listing order: one statement never writes a row twice (offset paging may list
/// a row twice when others are created mid-pass).
pub(crate) fn newest_per_id<T>(page: Vec<T>, key: impl Fn(&T) -> (&str, i64)) -> Vec<T> {
    let mut index: HashMap<String, usize> = HashMap::with_capacity(page.len());
    let mut unique: Vec<T> = Vec::with_capacity(page.len());
    for item in page {
        let (id, updated_at) = key(&item);
        match index.get(id) {
            Some(&at) => {
                if key(&unique[at]).1 <= updated_at {
                    unique[at] = item;
                }
            }
            None => {
                index.insert(id.to_owned(), unique.len());
                unique.push(item);
            }
        }
    }
    unique
}

/// A page that could not be fetched: the listing stops there, and the pass tombstones nothing.
#[derive(Debug)]
pub(crate) struct PageFailure {
    listing: &'static str,
    /// The offset of the page.
    pub(crate) offset: u32,
    /// Why.
    pub(crate) error: ApiError,
}

impl PageFailure {
    /// The reason of an incomplete pass: `GET /v1/users at offset 500: …`.
    pub(crate) fn reason(&self) -> String {
        format!("{} at offset {}: {}", self.listing, self.offset, self.error)
    }
}

/// What checking one unseen row did.
#[derive(Debug)]
pub(crate) enum Checked {
    /// Clerk still has it: stored.
    Stored(UpsertOutcome),
    /// Clerk no longer has it: tombstoned.
    Tombstoned(TombstoneOutcome),
    /// Clerk could not be asked: left for the next pass.
    Unconfirmed(ApiError),
}

impl PgDirectoryCache {
    /// Runs `pass` on a dedicated connection holding this instance's advisory lock
    /// `lock_key_sql` (`$1`: the instance key, so two instances sharing a database reconcile
    /// independently); `None` when another replica (or task) holds it. The connection is
    /// closed at the end, which also frees the lock if this task is dropped. `what` names the
    /// pass in the log.
    pub(crate) async fn exclusively<R>(
        &self,
        lock_key_sql: &str,
        what: &str,
        pass: impl AsyncFnOnce(&mut PgConnection) -> Result<R>,
    ) -> Result<Option<R>> {
        let mut conn = self
            .db
            .timed(async { Ok(self.db.pool().acquire().await?.detach()) })
            .await?;
        let locked: bool = self
            .db
            .timed(async {
                Ok(
                    sqlx::query_scalar(&format!("SELECT pg_try_advisory_lock({lock_key_sql})"))
                        .bind(self.db.instance().as_str())
                        .fetch_one(&mut conn)
                        .instrument(db_span("SELECT pg_try_advisory_lock"))
                        .await?,
                )
            })
            .await?;
        if !locked {
            tracing::info!("{what} skipped: another replica holds the lock");
            let _ = conn.close().await;
            return Ok(None);
        }
        let result = pass(&mut conn).await;
        // Closing the session frees the lock; unlock first to be explicit.
        let _ = sqlx::query(&format!("SELECT pg_advisory_unlock({lock_key_sql})"))
            .bind(self.db.instance().as_str())
            .execute(&mut conn)
            .instrument(db_span("SELECT pg_advisory_unlock"))
            .await;
        let _ = conn.close().await;
        result.map(Some)
    }

    /// Lists every page of `K`'s listing ([`CacheConfig::page_size`](super::CacheConfig::page_size)
    /// per page, [`pages_in_flight`](Self::pages_in_flight) of them fetched ahead) and stores
    /// each, in listing order, in a transaction of its own; `on_page(conn, fetched, upserted)`
    /// after each. Stops at the first page that cannot be fetched (after the retries of
    /// [`call_api`](Self::call_api)) and returns it: every page before it is stored, the pages
    /// fetched after it are dropped.
    pub(crate) async fn list_all<K: Reconciled>(
        &self,
        table: &K,
        conn: &mut PgConnection,
        pass: i64,
        mut on_page: impl AsyncFnMut(&mut PgConnection, u64, u64) -> Result<()>,
    ) -> Result<Option<PageFailure>> {
        let limit = self.config.page_size.clamp(1, 500);
        // One fetched page waits for the writer; the fetcher holds the next until it is taken.
        let (fetched_tx, mut fetched_rx) = tokio::sync::mpsc::channel(1);
        let list = move |offset: u32| async move {
            (offset, self.call_api(|api| K::list(api, offset, limit)).await)
        };
        let full = move |page: &ApiResult<Vec<K::Item>>| {
            page.as_ref().is_ok_and(|page| page.len() >= limit as usize)
        };
        let fetch = async move {
            // The first page alone: a listing that fits in it costs one call, as without
            // fetching ahead. Past the end of a longer one, up to `pages_in_flight - 1` calls are
            // wasted (offset paging does not say where the listing ends).
            let first = list(0).await;
            let more = full(&first.1);
            if fetched_tx.send(first).await.is_err() || !more {
                return;
            }
            let offsets = std::iter::successors(Some(limit), |offset| offset.checked_add(limit));
            let mut pages = stream::iter(offsets).map(list).buffered(self.pages_in_flight());
            while let Some(page) = pages.next().await {
                let more = full(&page.1);
                if fetched_tx.send(page).await.is_err() || !more {
                    break;
                }
            }
        };
        let write = async move {
            while let Some((offset, page)) = fetched_rx.recv().await {
                let page = match page {
                    Ok(page) => page,
                    Err(error) => {
                        return Ok(Some(PageFailure {
                            listing: K::LISTING,
                            offset,
                            error,
                        }))
                    }
                };
                let fetched = page.len() as u64;
                let span = tracing::debug_span!(
                    "reconciliation page",
                    clerk.reconcile.listing = K::LISTING,
                    clerk.reconcile.offset = offset,
                    clerk.reconcile.items = fetched,
                );
                let upserted = self
                    .db
                    .timed(in_transaction(&mut *conn, async move |tx| {
                        table.store_page(tx, page, pass).await
                    }))
                    .instrument(span)
                    .await?;
                on_page(conn, fetched, upserted).await?;
                if fetched < u64::from(limit) {
                    return Ok(None);
                }
            }
            // The fetcher ran out of offsets (past `u32::MAX` rows): the listing ends there.
            Ok(None)
        };
        // The writer decides when the listing ends; a fetcher still waiting on pages past the
        // end (or past a failure) is dropped with them.
        match select(pin!(fetch), pin!(write)).await {
            Either::Left(((), write)) => write.await,
            Either::Right((written, _fetch)) => written,
        }
    }

    /// Pages a pass keeps in flight: [`CacheConfig::pages_in_flight`](super::CacheConfig::pages_in_flight),
    /// at most the calls per second of the reconciliation share's slice of the client's rate
    /// budget ([`RateLimit::slice`](clerk_actix::client::RateLimit::slice): 18 for a production
    /// key's default budget), at least one.
    pub(crate) fn pages_in_flight(&self) -> usize {
        let limit = self.reconciliation.metrics().rate_budget.limit;
        let per_second = limit.slice(Share::Reconciliation).per_second();
        // `as` saturates: an empty window's infinite rate is no bound.
        let share = per_second.floor() as u64;
        let pages = u64::from(self.config.pages_in_flight).min(share).max(1);
        usize::try_from(pages).unwrap_or(1)
    }

    /// Checks each of `unseen` with Clerk: found, it is stored; gone (or 404), tombstoned;
    /// `checked` hears what happened to each.
    pub(crate) async fn confirm_each<K: Reconciled>(
        &self,
        table: &K,
        conn: &mut PgConnection,
        pass: i64,
        unseen: &[K::Unseen],
        mut checked: impl FnMut(&K::Unseen, Checked),
    ) -> Result<()> {
        for row in unseen {
            let found = match self.call_api(|api| K::confirm(api, row)).await {
                Ok(found) => found,
                Err(err) if err.is_not_found() => None,
                Err(err) => {
                    checked(row, Checked::Unconfirmed(err));
                    continue;
                }
            };
            let outcome = match found {
                Some(item) => Checked::Stored(
                    self.db
                        .timed(in_transaction(&mut *conn, async |tx| {
                            table.store(tx, &item, pass).await
                        }))
                        .await?,
                ),
                None => Checked::Tombstoned(
                    self.db
                        .timed(in_transaction(&mut *conn, async |tx| {
                            table.tombstone(tx, row, now_ms()).await
                        }))
                        .await?,
                ),
            };
            checked(row, outcome);
        }
        Ok(())
    }

    /// One Backend API call for reconciliation: waits for a rate-budget slot as long as needed,
    /// waits out 429s, retries other retryable failures up to
    /// [`CacheConfig::page_attempts`](super::CacheConfig::page_attempts) times.
    pub(crate) async fn call_api<T, F, Fut>(&self, mut call: F) -> ApiResult<T>
    where
        F: FnMut(ClerkClient) -> Fut,
        Fut: Future<Output = ApiResult<T>>,
    {
        let mut failures = 0u32;
        let mut rate_limited = 0u32;
        loop {
            let err: ApiError = match call(self.reconciliation.clone()).await {
                Ok(value) => {
                    bump(&self.stats.api_ok);
                    return Ok(value);
                }
                Err(err) if err.is_not_found() => {
                    bump(&self.stats.api_not_found);
                    return Err(err);
                }
                Err(err) => err,
            };
            self.count_api_error(&err);
            if err.is_rate_limited() {
                rate_limited += 1;
                if rate_limited >= MAX_RATE_LIMITED {
                    return Err(err);
                }
                continue;
            }
            failures += 1;
            if failures >= self.config.page_attempts.max(1) || !err.is_retryable() {
                return Err(err);
            }
            let delay = self
                .config
                .page_retry_delay
                .saturating_mul(1 << (failures - 1).min(10));
            tokio::time::sleep(delay).await;
        }
    }

    /// Runs [`reconcile_organizations`](Self::reconcile_organizations) and
    /// [`reconcile`](Self::reconcile) now and then every `interval` (after each pass ends), and prunes old webhook deliveries and tombstones after each pass. Never returns:
    /// spawn it (`actix_rt::spawn`, the future is `!Send`) and abort it on shutdown.
    pub async fn run_periodic(&self, interval: Duration) {
        loop {
            match self.reconcile_organizations().await {
                Ok(report) if !report.is_complete() && report.outcome != ReconcileOutcome::Skipped => {
                    tracing::warn!(?report.outcome, "organization reconciliation pass incomplete")
                }
                Ok(_) => {}
                Err(err) => {
                    tracing::warn!(error.message = %err, error.cause_chain = ?err, "organization reconciliation pass failed")
                }
            }
            match self.reconcile(|_| {}).await {
                Ok(report) if report.outcome == ReconcileOutcome::Skipped => {}
                Ok(report) if !report.is_complete() => {
                    tracing::warn!(?report.outcome, "reconciliation pass incomplete")
                }
                Ok(_) => {}
                Err(err) => {
                    tracing::warn!(error.message = %err, error.cause_chain = ?err, "reconciliation pass failed")
                }
            }
            match self
                .users
                .prune(self.config.delivery_retention, self.config.tombstone_retention)
                .await
            {
                Ok((deliveries, tombstones)) if deliveries + tombstones > 0 => {
                    tracing::info!(
                        deliveries,
                        tombstones,
                        "pruned old webhook deliveries and tombstones"
                    )
                }
                Ok(_) => {}
                Err(err) => tracing::warn!(error.message = %err, "pruning failed"),
            }
            tokio::time::sleep(interval).await;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::newest_per_id;

    #[test]
    fn a_page_keeps_the_newest_copy_of_each_id_in_listing_order() {
        let page: Vec<(&str, i64, &str)> = vec![
            ("a", 1, "a1"),
            ("b", 5, "b5"),
            ("a", 3, "a3"),
            ("b", 4, "b4"),
            ("c", 2, "c2"),
            ("c", 2, "c2 again"),
        ];
        let unique = newest_per_id(page, |item| (item.0, item.1));
        let kept: Vec<&str> = unique.iter().map(|(_, _, copy)| *copy).collect();
        assert_eq!(kept, ["a3", "b5", "c2 again"]);
    }
}
