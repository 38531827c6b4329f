//! Reconciliation: full passes over `GET /v1/users`.

use std::collections::HashMap;
use std::future::Future;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use clerk_actix::{client::ApiError, client::ApiResult, client::UserListParams, ClerkClient};
use clerk_core::User;
use sqlx::{Connection as _, PgConnection};

use super::error::{CacheError, Result};
use super::repo::{self, PassCounts, TombstoneOutcome, WriteSource};
use super::source::{now_ms, PgDirectoryCache};
use super::stats::bump;

/// The advisory lock of one instance's reconciliation: `$1` is the instance key. Each instance
/// has its own lock, so two instances sharing a database reconcile independently.
pub(super) const LOCK_KEY_SQL: &str = "hashtextextended('clerk_actix.reconcile:' || $1, 0)";

/// Consecutive 429s after which a pass gives up (each is waited out first).
const MAX_RATE_LIMITED: u32 = 20;

/// Where a pass is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum ReconcilePhase {
    /// Fetching pages of `GET /v1/users`.
    Listing,
    /// The listing is complete; confirming stored users it did not list, one by one.
    Confirming,
    /// Finished.
    Done,
}

/// Progress of a pass, given to the callback of [`PgDirectoryCache::reconcile`] after every page
/// and every confirmation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct ReconcileProgress {
    /// The pass number.
    pub pass_id: i64,
    /// Where the pass is.
    pub phase: ReconcilePhase,
    /// Pages fetched.
    pub pages: u64,
    /// Users listed.
    pub users_seen: u64,
    /// Users inserted or changed.
    pub upserted: u64,
    /// Deletion candidates (stored users the listing did not include).
    pub candidates: u64,
    /// Users marked deleted.
    pub tombstoned: u64,
}

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

/// What a pass did.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct ReconcileReport {
    /// How it ended.
    pub outcome: ReconcileOutcome,
    /// The pass number (`None` when skipped).
    pub pass_id: Option<i64>,
    /// Pages fetched.
    pub pages: u64,
    /// Users listed.
    pub users_seen: u64,
    /// Users inserted or changed (listing and confirmations).
    pub upserted: u64,
    /// Stored users the listing did not include.
    pub candidates: u64,
    /// Candidates Clerk still has (listing skipped them, e.g. offsets shifted by deletions).
    pub confirmed_live: u64,
    /// Candidates that could not be checked this time (left for the next pass).
    pub unconfirmed: u64,
    /// Users marked deleted.
    pub tombstoned: u64,
    /// How long the pass took.
    pub duration: Duration,
}

impl ReconcileReport {
    fn skipped() -> Self {
        Self {
            outcome: ReconcileOutcome::Skipped,
            pass_id: None,
            pages: 0,
            users_seen: 0,
            upserted: 0,
            candidates: 0,
            confirmed_live: 0,
            unconfirmed: 0,
            tombstoned: 0,
            duration: Duration::ZERO,
        }
    }

    /// Whether the pass fetched every page.
    pub fn is_complete(&self) -> bool {
        self.outcome == ReconcileOutcome::Complete
    }
}

impl PgDirectoryCache {
    /// Runs one reconciliation pass, unless another replica is running one.
    ///
    /// 1. Takes this instance's reconciliation advisory lock on a dedicated connection (closed
    ///    at the end, which also frees the lock if this task is dropped); if it is taken,
    ///    returns [`ReconcileOutcome::Skipped`].
    /// 2. Lists every user (`GET /v1/users`, [`CacheConfig::page_size`](super::CacheConfig::page_size)
    ///    per page, `+created_at`), each call paced by the reconciliation share of the client's
    ///    rate budget (waiting as long as needed; a 429 pauses the budget for its
    ///    `Retry-After`), and stores each page
    ///    (monotonic: a newer stored row is kept).
    /// 3. Only if every page was fetched: each stored live user the listing did not include
    ///    (offset paging skips users when others are deleted mid-pass) is checked with
    ///    `GET /v1/users/{id}`: 404 → tombstone; found → stored.
    ///
    /// `progress` is called after every page and every check; progress is also logged
    /// (`tracing::info!`) and saved in `sync_state`.
    ///
    /// # Errors
    ///
    /// [`CacheError::Unavailable`] / [`CacheError::Database`] when the database fails (the
    /// pass stops; nothing is tombstoned after a failed listing). A Backend API failure is not
    /// an error: the report says [`ReconcileOutcome::Incomplete`].
    pub async fn reconcile(&self, progress: impl Fn(ReconcileProgress)) -> Result<ReconcileReport> {
        let started = Instant::now();
        let mut conn = self
            .repo
            .timed(async { Ok(self.repo.pool().acquire().await?.detach()) })
            .await?;
        let locked: bool = self
            .repo
            .timed(async {
                Ok(
                    sqlx::query_scalar(&format!("SELECT pg_try_advisory_lock({LOCK_KEY_SQL})"))
                        .bind(self.repo.instance().as_str())
                        .fetch_one(&mut conn)
                        .await?,
                )
            })
            .await?;
        if !locked {
            bump(&self.stats.passes_skipped);
            tracing::info!("reconciliation skipped: another replica holds the lock");
            let _ = conn.close().await;
            return Ok(ReconcileReport::skipped());
        }
        let result = self.pass(&mut conn, started, &progress).await;
        // Closing the session frees the lock; unlock first to be explicit.
        let _ = sqlx::query(&format!("SELECT pg_advisory_unlock({LOCK_KEY_SQL})"))
            .bind(self.repo.instance().as_str())
            .execute(&mut conn)
            .await;
        let _ = conn.close().await;
        let report = result?;
        let stats = &self.stats;
        stats.last_pass_duration_ms.store(
            u64::try_from(report.duration.as_millis()).unwrap_or(u64::MAX),
            Ordering::Relaxed,
        );
        stats
            .last_pass_complete
            .store(u64::from(report.is_complete()), Ordering::Relaxed);
        if report.is_complete() {
            bump(&stats.passes_complete);
        } else {
            bump(&stats.passes_incomplete);
        }
        tracing::info!(
            pass_id = report.pass_id,
            complete = report.is_complete(),
            pages = report.pages,
            users_seen = report.users_seen,
            upserted = report.upserted,
            candidates = report.candidates,
            tombstoned = report.tombstoned,
            unconfirmed = report.unconfirmed,
            duration_ms = report.duration.as_millis() as u64,
            "reconciliation pass finished"
        );
        Ok(report)
    }

    async fn pass(
        &self,
        conn: &mut PgConnection,
        started: Instant,
        progress: &impl Fn(ReconcileProgress),
    ) -> Result<ReconcileReport> {
        let pass = self
            .repo
            .timed(repo::start_pass(conn, self.repo.instance()))
            .await?;
        let mut counts = PassCounts::default();
        let mut report = ReconcileReport::skipped();
        report.pass_id = Some(pass);
        self.publish(&counts);
        tracing::info!(pass_id = pass, "reconciliation pass started");
        let page_size = self.config.page_size.clamp(1, 500);
        let notify = |phase, counts: &PassCounts, report: &ReconcileReport| {
            progress(ReconcileProgress {
                pass_id: pass,
                phase,
                pages: counts.pages,
                users_seen: counts.users_seen,
                upserted: counts.upserted,
                candidates: report.candidates,
                tombstoned: counts.tombstoned,
            });
        };
        let mut failure = None;
        loop {
            let offset = u32::try_from(counts.next_offset).unwrap_or(u32::MAX);
            let params = UserListParams::new()
                .limit(page_size)
                .offset(offset)
                .order_by("+created_at");
            let params = &params;
            let page = match self
                .call_api(|api| async move { api.list_users(params).await })
                .await
            {
                Ok(page) => page,
                Err(err) => {
                    tracing::warn!(pass_id = pass, offset, error.message = %err, "reconciliation: a page failed; nothing will be tombstoned");
                    failure = Some(format!("GET /v1/users at offset {offset}: {err}"));
                    break;
                }
            };
            let fetched = page.len() as u64;
            let page = dedupe(page);
            let upserted = self
                .repo
                .timed(async {
                    let mut tx = conn.begin().await?;
                    let upserted = repo::upsert_page(&mut tx, self.repo.instance(), &page, pass).await?;
                    tx.commit().await?;
                    Ok(upserted)
                })
                .await?;
            counts.pages += 1;
            counts.next_offset += fetched;
            counts.users_seen += fetched;
            counts.upserted += upserted;
            self.repo
                .timed(repo::save_progress(conn, self.repo.instance(), pass, counts))
                .await?;
            self.publish(&counts);
            notify(ReconcilePhase::Listing, &counts, &report);
            tracing::info!(
                pass_id = pass,
                page = counts.pages,
                users_seen = counts.users_seen,
                upserted = counts.upserted,
                "reconciliation: page stored"
            );
            if fetched < u64::from(page_size) {
                break;
            }
        }
        if failure.is_none() {
            self.confirm_unseen(conn, pass, &mut counts, &mut report, &notify)
                .await?;
        }
        self.repo
            .timed(repo::finish_pass(
                conn,
                self.repo.instance(),
                pass,
                counts,
                failure.as_deref(),
            ))
            .await?;
        self.publish(&counts);
        notify(ReconcilePhase::Done, &counts, &report);
        report.outcome = match failure {
            None => ReconcileOutcome::Complete,
            Some(reason) => ReconcileOutcome::Incomplete { reason },
        };
        report.pages = counts.pages;
        report.users_seen = counts.users_seen;
        report.upserted = counts.upserted;
        report.tombstoned = counts.tombstoned;
        report.duration = started.elapsed();
        Ok(report)
    }

    /// After a complete listing: checks each stored live user it did not include.
    async fn confirm_unseen(
        &self,
        conn: &mut PgConnection,
        pass: i64,
        counts: &mut PassCounts,
        report: &mut ReconcileReport,
        notify: &impl Fn(ReconcilePhase, &PassCounts, &ReconcileReport),
    ) -> Result<()> {
        let candidates = self
            .repo
            .timed(repo::unseen_users(conn, self.repo.instance(), pass))
            .await?;
        report.candidates = candidates.len() as u64;
        if !candidates.is_empty() {
            tracing::info!(
                pass_id = pass,
                candidates = candidates.len(),
                "reconciliation: confirming users the listing did not include"
            );
        }
        for user_id in &candidates {
            let id = user_id.as_str();
            match self.call_api(|api| async move { api.get_user(id).await }).await {
                Ok(user) => {
                    report.confirmed_live += 1;
                    let outcome = self
                        .repo
                        .timed(repo::upsert_user(
                            conn,
                            self.repo.instance(),
                            &user,
                            WriteSource::Reconcile,
                        ))
                        .await?;
                    if outcome.written() {
                        counts.upserted += 1;
                    }
                }
                Err(err) if err.is_not_found() => {
                    let outcome = self
                        .repo
                        .timed(async {
                            let mut tx = conn.begin().await?;
                            let outcome = repo::tombstone(
                                &mut tx,
                                self.repo.instance(),
                                id,
                                now_ms(),
                                WriteSource::Reconcile,
                            )
                            .await?;
                            tx.commit().await?;
                            Ok(outcome)
                        })
                        .await?;
                    if outcome == TombstoneOutcome::Deleted {
                        counts.tombstoned += 1;
                        tracing::info!(
                            pass_id = pass,
                            user_id = id,
                            "reconciliation: user deleted in Clerk, tombstoned"
                        );
                    }
                }
                Err(err) => {
                    report.unconfirmed += 1;
                    tracing::warn!(pass_id = pass, user_id = id, error.message = %err, "reconciliation: could not confirm a user; left for the next pass");
                }
            }
            self.publish(counts);
            notify(ReconcilePhase::Confirming, counts, report);
        }
        Ok(())
    }

    /// One Backend API call for reconciliation: waits for a rate-budget slot as long as needed,
    /// waits out 429s, retries other retryable failures up to
    /// [`CacheConfig::page_attempts`](super::CacheConfig::page_attempts) times.
    pub(super) async fn call_api<T, F, Fut>(&self, mut call: F) -> ApiResult<T>
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

    fn publish(&self, counts: &PassCounts) {
        let stats = &self.stats;
        stats.pass_pages.store(counts.pages, Ordering::Relaxed);
        stats.pass_users_seen.store(counts.users_seen, Ordering::Relaxed);
        stats.pass_upserted.store(counts.upserted, Ordering::Relaxed);
        stats.pass_tombstoned.store(counts.tombstoned, Ordering::Relaxed);
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
                .repo
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

/// Keeps one copy per id (the newest), so a page never writes the same row twice.
fn dedupe(page: Vec<User>) -> Vec<User> {
    let mut index: HashMap<String, usize> = HashMap::with_capacity(page.len());
    let mut unique: Vec<User> = Vec::with_capacity(page.len());
    for user in page {
        match index.get(&user.id) {
            Some(&at) => {
                if unique[at].updated_at <= user.updated_at {
                    unique[at] = user;
                }
            }
            None => {
                index.insert(user.id.clone(), unique.len());
                unique.push(user);
            }
        }
    }
    unique
}

impl From<ApiError> for CacheError {
    fn from(err: ApiError) -> Self {
        CacheError::Api(err)
    }
}
