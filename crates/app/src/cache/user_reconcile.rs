//! The users' reconciliation: full passes over `GET /v1/users`, with their progress saved in
//! `sync_state` and published as metrics.

use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use clerk_actix::{client::ApiResult, client::UserListParams, ClerkClient};
use clerk_core::User;
use sqlx::PgConnection;
use tracing::Instrument as _;

use super::error::Result;
use super::reconcile::{newest_per_id, Checked, ReconcileOutcome, Reconciled};
use super::repo::{TombstoneOutcome, UpsertOutcome, WriteSource};
use super::source::PgDirectoryCache;
use super::stats::bump;
use super::user_repo::{PassCounts, UserRepo};

/// The advisory lock of one instance's reconciliation of users: `$1` is the instance key.
const LOCK_KEY_SQL: &str = "hashtextextended('clerk_actix.reconcile:' || $1, 0)";

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
    /// [`CacheError::Unavailable`](super::CacheError::Unavailable) /
    /// [`CacheError::Database`](super::CacheError::Database) when the database fails (the
    /// pass stops; nothing is tombstoned after a failed listing). A Backend API failure is not
    /// an error: the report says [`ReconcileOutcome::Incomplete`].
    pub async fn reconcile(&self, progress: impl Fn(ReconcileProgress)) -> Result<ReconcileReport> {
        let span = tracing::info_span!("reconciliation pass", clerk.reconcile.resource = "users");
        let started = Instant::now();
        let pass = async |conn: &mut PgConnection| self.pass(conn, started, &progress).await;
        let exclusive = self.exclusively(LOCK_KEY_SQL, "reconciliation", pass);
        let Some(report) = exclusive.instrument(span).await? else {
            bump(&self.stats.passes_skipped);
            return Ok(ReconcileReport::skipped());
        };
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
        let pass = self.db.timed(self.users.start_pass(conn)).await?;
        let mut counts = PassCounts::default();
        let mut report = ReconcileReport::skipped();
        report.pass_id = Some(pass);
        self.publish(&counts);
        tracing::info!(pass_id = pass, "reconciliation pass started");
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
        let failure = self
            .list_all(&self.users, conn, pass, async |conn, fetched, upserted| {
                counts.pages += 1;
                counts.next_offset += fetched;
                counts.users_seen += fetched;
                counts.upserted += upserted;
                self.db
                    .timed(self.users.save_progress(conn, pass, counts))
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
                Ok(())
            })
            .await?
            .map(|failure| {
                tracing::warn!(pass_id = pass, offset = failure.offset, error.message = %failure.error, "reconciliation: a page failed; nothing will be tombstoned");
                failure.reason()
            });
        if failure.is_none() {
            self.confirm_unseen(conn, pass, &mut counts, &mut report, &notify)
                .await?;
        }
        self.db
            .timed(self.users.finish_pass(conn, pass, counts, failure.as_deref()))
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
        let candidates = self.db.timed(self.users.unseen_in(conn, pass)).await?;
        report.candidates = candidates.len() as u64;
        if !candidates.is_empty() {
            tracing::info!(
                pass_id = pass,
                candidates = candidates.len(),
                "reconciliation: confirming users the listing did not include"
            );
        }
        self.confirm_each(&self.users, conn, pass, &candidates, |user_id, checked| {
            match checked {
                Checked::Stored(outcome) => {
                    report.confirmed_live += 1;
                    if outcome.written() {
                        counts.upserted += 1;
                    }
                }
                Checked::Tombstoned(outcome) => {
                    if outcome == TombstoneOutcome::Deleted {
                        counts.tombstoned += 1;
                        tracing::info!(
                            pass_id = pass,
                            user_id = user_id.as_str(),
                            "reconciliation: user deleted in Clerk, tombstoned"
                        );
                    }
                }
                Checked::Unconfirmed(err) => {
                    report.unconfirmed += 1;
                    tracing::warn!(pass_id = pass, user_id = user_id.as_str(), error.message = %err, "reconciliation: could not confirm a user; left for the next pass");
                }
            }
            self.publish(counts);
            notify(ReconcilePhase::Confirming, counts, report);
        })
        .await
    }

    fn publish(&self, counts: &PassCounts) {
        let stats = &self.stats;
        stats.pass_pages.store(counts.pages, Ordering::Relaxed);
        stats.pass_users_seen.store(counts.users_seen, Ordering::Relaxed);
        stats.pass_upserted.store(counts.upserted, Ordering::Relaxed);
        stats.pass_tombstoned.store(counts.tombstoned, Ordering::Relaxed);
    }
}

/// Users: `GET /v1/users` by `+created_at`, a page stored in one statement (deduplicated: ids
/// unique within it); an unseen user is checked with `GET /v1/users/{id}`.
impl Reconciled for UserRepo {
    type Item = User;
    type Unseen = String;
    const LISTING: &'static str = "GET /v1/users";

    async fn list(api: ClerkClient, offset: u32, limit: u32) -> ApiResult<Vec<User>> {
        let params = UserListParams::new()
            .limit(limit)
            .offset(offset)
            .order_by("+created_at");
        api.users().list(&params).await
    }

    async fn store_page(&self, conn: &mut PgConnection, page: Vec<User>, pass: i64) -> Result<u64> {
        let page = newest_per_id(page, |user| (user.id.as_str(), user.updated_at));
        self.upsert_page_in(conn, &page, pass).await
    }

    async fn confirm(api: ClerkClient, user_id: &String) -> ApiResult<Option<User>> {
        api.users().get(user_id).await.map(Some)
    }

    async fn store(&self, conn: &mut PgConnection, user: &User, _pass: i64) -> Result<UpsertOutcome> {
        self.upsert_in(conn, user, WriteSource::Reconcile).await
    }

    async fn tombstone(
        &self,
        conn: &mut PgConnection,
        user_id: &String,
        at_ms: i64,
    ) -> Result<TombstoneOutcome> {
        self.tombstone_in(conn, user_id, at_ms, WriteSource::Reconcile)
            .await
    }
}
