//! The Postgres side: users (live rows and tombstones), webhook deliveries, sync state.
//!
//! # Write rules
//!
//! - **Monotonic**: a user is written only if its `updated_at` is not older than the stored
//!   row's. On a tie the incoming copy replaces the stored one (same version; the write also
//!   refreshes `synced_at`).
//! - **Tombstones win**: once a user is deleted, no later write of the same id changes the row.
//!   Clerk never reuses a user id, so a write that arrives after the deletion is always a late
//!   copy of the deleted user, never a new one.
//! - **One instance**: every statement is scoped by the repository's [`InstanceKey`]; rows of
//!   another Clerk instance sharing the database are never read or written.
//! - **Purge on delete**: a tombstone keeps only the id, the deletion time and bookkeeping
//!   (`source`, `synced_at`); the user JSON and every personal column are set to `NULL`.

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use clerk_core::User;
use serde_json::Value;
use sqlx::{PgConnection, PgPool, Row as _};

use super::error::{CacheError, Result};
use super::instance::InstanceKey;

/// Who wrote a row last (stored in `users.source`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum WriteSource {
    /// Read-through: `GET /v1/users/{id}`.
    Api,
    /// A Clerk webhook.
    Webhook,
    /// A reconciliation pass.
    Reconcile,
}

impl WriteSource {
    /// Every source, in the order of the docs.
    const ALL: [WriteSource; 3] = [WriteSource::Api, WriteSource::Webhook, WriteSource::Reconcile];

    /// The stored name: `api`, `webhook` or `reconcile`.
    pub fn as_str(self) -> &'static str {
        match self {
            WriteSource::Api => "api",
            WriteSource::Webhook => "webhook",
            WriteSource::Reconcile => "reconcile",
        }
    }

    /// The source stored as `name` ([`WriteSource::as_str`]); `None` for any other text.
    pub fn from_stored(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|source| source.as_str() == name)
    }
}

/// What [`UserRepo::upsert_user`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum UpsertOutcome {
    /// The user was not stored yet.
    Inserted,
    /// The stored row was replaced (the incoming `updated_at` was newer or equal).
    Updated,
    /// Ignored: the stored row is newer.
    Stale,
    /// Ignored: the user is deleted (tombstone).
    Deleted,
}

impl UpsertOutcome {
    /// Whether the row now holds the incoming user.
    pub fn written(self) -> bool {
        matches!(self, UpsertOutcome::Inserted | UpsertOutcome::Updated)
    }
}

/// What [`UserRepo::tombstone`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum TombstoneOutcome {
    /// A live row was purged and marked deleted.
    Deleted,
    /// No row existed: a tombstone was recorded anyway, so a late create or update of the
    /// id is ignored.
    Recorded,
    /// The row was already a tombstone (its deletion time is kept).
    AlreadyDeleted,
}

/// A stored row.
#[derive(Debug, Clone)]
pub struct CachedUser {
    /// The Clerk user id.
    pub id: String,
    /// The user; `None` for a tombstone, or when the stored JSON no longer decodes (then the
    /// row is treated as missing).
    pub user: Option<Arc<User>>,
    /// Clerk's `updated_at` of the stored copy (ms); `None` for a tombstone.
    pub updated_at_ms: Option<i64>,
    /// When the user was deleted (ms), for a tombstone.
    pub deleted_at_ms: Option<i64>,
    /// Who wrote the row last.
    pub source: WriteSource,
    /// When the row was last confirmed against Clerk (Unix ms, database clock).
    pub synced_at_ms: i64,
    /// `now - synced_at`, measured by the database clock.
    pub age: Duration,
}

impl CachedUser {
    /// Whether the row is a tombstone.
    pub fn is_deleted(&self) -> bool {
        self.deleted_at_ms.is_some()
    }
}

/// The reconciliation state row (`sync_state`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SyncState {
    /// The pass running or last run.
    pub pass_id: Option<i64>,
    /// Whether the last finished pass fetched every page (`None` while it runs or before any).
    pub complete: Option<bool>,
    /// Pages fetched by that pass.
    pub pages: i64,
    /// The offset of its next page.
    pub next_offset: i64,
    /// Users it listed.
    pub users_seen: i64,
    /// Users it inserted or changed.
    pub upserted: i64,
    /// Users it marked deleted.
    pub tombstoned: i64,
    /// Why it stopped early, if it did.
    pub last_error: Option<String>,
    /// The last complete pass.
    pub last_complete_pass: Option<i64>,
}

/// What [`UserRepo::claim_unowned`] did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ClaimReport {
    /// Unowned users (live rows) now of this instance.
    pub users: u64,
    /// Unowned rows dropped: tombstones, and copies of users this instance already had.
    pub dropped: u64,
    /// Unowned webhook delivery records now of this instance.
    pub deliveries: u64,
}

/// The user cache's tables.
///
/// Every operation is bounded by a time limit (connection acquisition included), so an
/// unreachable database fails with [`CacheError::Unavailable`] or [`CacheError::TimedOut`]
/// instead of hanging.
#[derive(Debug, Clone)]
pub struct UserRepo {
    pool: PgPool,
    instance: InstanceKey,
    timeout: Duration,
}

/// The columns derived from a user.
struct UserColumns {
    data: Value,
    primary_email: Option<String>,
    first_name: Option<String>,
    last_name: Option<String>,
}

fn columns(user: &User) -> Result<UserColumns> {
    // The full-fidelity form on purpose: `User`'s own `Serialize` leaves `private_metadata` out,
    // and the cache must give it back (`get` reads this JSON back as a `User`, whole).
    let data = serde_json::to_value(user.for_storage()).map_err(CacheError::Encode)?;
    Ok(UserColumns {
        data,
        primary_email: user.primary_email().map(str::to_owned),
        first_name: user.first_name.clone(),
        last_name: user.last_name.clone(),
    })
}

const UPSERT: &str = "\
INSERT INTO users AS u (instance, id, data, primary_email, first_name, last_name, created_at_ms, updated_at_ms, source, synced_at)
VALUES ($9, $1, $2, $3, $4, $5, $6, $7, $8, now())
ON CONFLICT (instance, id) DO UPDATE SET
    data = EXCLUDED.data, primary_email = EXCLUDED.primary_email, first_name = EXCLUDED.first_name,
    last_name = EXCLUDED.last_name, created_at_ms = EXCLUDED.created_at_ms,
    updated_at_ms = EXCLUDED.updated_at_ms, source = EXCLUDED.source, synced_at = now()
WHERE u.deleted_at_ms IS NULL AND u.updated_at_ms <= EXCLUDED.updated_at_ms
RETURNING (xmax = 0) AS inserted";

/// Pages of reconciliation: insert, or replace when strictly newer (ties are refreshed by
/// [`MARK_SEEN`] without counting as a change).
const UPSERT_PAGE: &str = "\
INSERT INTO users AS u (instance, id, data, primary_email, first_name, last_name, created_at_ms, updated_at_ms, source, synced_at, last_seen_pass)
SELECT $10, t.id, t.data, t.primary_email, t.first_name, t.last_name, t.created_at_ms, t.updated_at_ms, $8, now(), $9
FROM UNNEST($1::text[], $2::jsonb[], $3::text[], $4::text[], $5::text[], $6::int8[], $7::int8[])
    AS t(id, data, primary_email, first_name, last_name, created_at_ms, updated_at_ms)
ON CONFLICT (instance, id) DO UPDATE SET
    data = EXCLUDED.data, primary_email = EXCLUDED.primary_email, first_name = EXCLUDED.first_name,
    last_name = EXCLUDED.last_name, created_at_ms = EXCLUDED.created_at_ms,
    updated_at_ms = EXCLUDED.updated_at_ms, source = EXCLUDED.source, synced_at = now(),
    last_seen_pass = EXCLUDED.last_seen_pass
WHERE u.deleted_at_ms IS NULL AND u.updated_at_ms < EXCLUDED.updated_at_ms
RETURNING u.id";

const MARK_SEEN: &str = "\
UPDATE users AS u SET last_seen_pass = $1,
    synced_at = CASE WHEN u.updated_at_ms <= t.updated_at_ms THEN now() ELSE u.synced_at END
FROM UNNEST($2::text[], $3::int8[]) AS t(id, updated_at_ms)
WHERE u.instance = $4 AND u.id = t.id AND u.deleted_at_ms IS NULL";

const TOMBSTONE: &str = "\
INSERT INTO users AS u (instance, id, deleted_at_ms, source, synced_at) VALUES ($4, $1, $2, $3, now())
ON CONFLICT (instance, id) DO UPDATE SET
    data = NULL, primary_email = NULL, first_name = NULL, last_name = NULL,
    created_at_ms = NULL, updated_at_ms = NULL,
    deleted_at_ms = COALESCE(u.deleted_at_ms, EXCLUDED.deleted_at_ms),
    source = CASE WHEN u.deleted_at_ms IS NULL THEN EXCLUDED.source ELSE u.source END,
    synced_at = now()";

const SELECT_USER: &str = "\
SELECT id, data, updated_at_ms, deleted_at_ms, source,
    (extract(epoch FROM synced_at) * 1000)::int8 AS synced_at_ms,
    greatest(0, extract(epoch FROM (clock_timestamp() - synced_at)) * 1000)::int8 AS age_ms
FROM users WHERE instance = $2 AND id = $1";

impl UserRepo {
    /// A repository on `pool`; every operation must finish within `timeout`.
    pub fn new(pool: PgPool, instance: InstanceKey, timeout: Duration) -> Self {
        Self {
            pool,
            instance,
            timeout,
        }
    }

    /// The Clerk instance whose rows this repository reads and writes.
    pub fn instance(&self) -> &InstanceKey {
        &self.instance
    }

    /// The pool.
    pub fn pool(&self) -> &PgPool {
        &self.pool
    }

    /// Runs `fut` within the time limit.
    pub(crate) async fn timed<T>(&self, fut: impl Future<Output = Result<T>>) -> Result<T> {
        match tokio::time::timeout(self.timeout, fut).await {
            Ok(result) => result,
            Err(_) => Err(CacheError::TimedOut(self.timeout)),
        }
    }

    /// The stored row of `user_id`, live or tombstone.
    ///
    /// # Errors
    ///
    /// [`CacheError::NotFound`] when there is no row; [`CacheError::Unavailable`] /
    /// [`CacheError::TimedOut`] when the database cannot be reached in time.
    pub async fn get(&self, user_id: &str) -> Result<CachedUser> {
        self.timed(async {
            let row = sqlx::query(SELECT_USER)
                .bind(user_id)
                .bind(self.instance.as_str())
                .fetch_one(&self.pool)
                .await?;
            let data: Option<Value> = row.try_get("data")?;
            let deleted_at_ms: Option<i64> = row.try_get("deleted_at_ms")?;
            let user = match (data, deleted_at_ms) {
                (Some(data), None) => match serde_json::from_value::<User>(data) {
                    Ok(user) => Some(Arc::new(user)),
                    Err(err) => {
                        tracing::warn!(user_id, error.message = %err, "stored user JSON does not decode; treating the row as missing");
                        None
                    }
                },
                _ => None,
            };
            let age_ms: i64 = row.try_get("age_ms")?;
            let source: String = row.try_get("source")?;
            let source = WriteSource::from_stored(&source)
                .ok_or_else(|| CacheError::InvalidData(format!("users.source is {source:?}")))?;
            Ok(CachedUser {
                id: row.try_get("id")?,
                user,
                updated_at_ms: row.try_get("updated_at_ms")?,
                deleted_at_ms,
                source,
                synced_at_ms: row.try_get("synced_at_ms")?,
                age: Duration::from_millis(u64::try_from(age_ms).unwrap_or(0)),
            })
        })
        .await
    }

    /// Stores `user` unless the stored row is newer or a tombstone (see the module docs).
    ///
    /// # Errors
    ///
    /// [`CacheError::Unavailable`] / [`CacheError::TimedOut`] when the database cannot be
    /// reached in time; [`CacheError::Database`] for other database errors.
    pub async fn upsert_user(&self, user: &User, source: WriteSource) -> Result<UpsertOutcome> {
        self.timed(async {
            let mut conn = self.pool.acquire().await?;
            upsert_user(&mut conn, &self.instance, user, source).await
        })
        .await
    }

    /// Marks `user_id` deleted at `deleted_at_ms` and purges its personal data. Records a
    /// tombstone even for an id never stored, so a late create/update cannot add it.
    ///
    /// # Errors
    ///
    /// As [`UserRepo::upsert_user`].
    pub async fn tombstone(
        &self,
        user_id: &str,
        deleted_at_ms: i64,
        source: WriteSource,
    ) -> Result<TombstoneOutcome> {
        self.timed(async {
            let mut tx = self.pool.begin().await?;
            let outcome = tombstone(&mut tx, &self.instance, user_id, deleted_at_ms, source).await?;
            tx.commit().await?;
            Ok(outcome)
        })
        .await
    }

    /// Forgets deliveries older than `delivery_retention` and tombstones deleted more than
    /// `tombstone_retention` ago. Returns how many of each were removed.
    ///
    /// # Errors
    ///
    /// As [`UserRepo::upsert_user`].
    pub async fn prune(
        &self,
        delivery_retention: Duration,
        tombstone_retention: Duration,
    ) -> Result<(u64, u64)> {
        self.timed(async {
            let deliveries = sqlx::query(
                "DELETE FROM webhook_deliveries WHERE instance = $2 \
                 AND received_at < now() - make_interval(secs => $1)",
            )
            .bind(delivery_retention.as_secs_f64())
            .bind(self.instance.as_str())
            .execute(&self.pool)
            .await?
            .rows_affected();
            let tombstones = sqlx::query(
                "DELETE FROM users WHERE instance = $2 AND deleted_at_ms IS NOT NULL \
                 AND deleted_at_ms < (extract(epoch FROM now()) * 1000)::int8 - $1",
            )
            .bind(i64::try_from(tombstone_retention.as_millis()).unwrap_or(i64::MAX))
            .bind(self.instance.as_str())
            .execute(&self.pool)
            .await?
            .rows_affected();
            Ok((deliveries, tombstones))
        })
        .await
    }

    /// Takes the rows written before the cache was scoped by instance (`instance = ''`), in one
    /// transaction: live users and webhook delivery records become this instance's (unless it
    /// already has a row of the same id), unowned tombstones are dropped (their instance cannot
    /// be known, and a tombstone of another instance's user must not hide it here), and the old
    /// reconciliation state row becomes this instance's if it has none. Run at start-up;
    /// concurrent claims are serialized, and a second claim finds nothing to take.
    ///
    /// # Errors
    ///
    /// As [`UserRepo::upsert_user`].
    pub async fn claim_unowned(&self) -> Result<ClaimReport> {
        self.timed(async {
            let instance = self.instance.as_str();
            let mut tx = self.pool.begin().await?;
            sqlx::query("SELECT pg_advisory_xact_lock(hashtextextended('clerk_actix.claim_unowned', 0))")
                .execute(&mut *tx)
                .await?;
            let dropped = sqlx::query(
                "DELETE FROM users u WHERE u.instance = '' AND (u.deleted_at_ms IS NOT NULL \
                 OR EXISTS (SELECT 1 FROM users o WHERE o.instance = $1 AND o.id = u.id))",
            )
            .bind(instance)
            .execute(&mut *tx)
            .await?
            .rows_affected();
            let users = sqlx::query("UPDATE users SET instance = $1 WHERE instance = ''")
                .bind(instance)
                .execute(&mut *tx)
                .await?
                .rows_affected();
            sqlx::query(
                "DELETE FROM webhook_deliveries w WHERE w.instance = '' \
                 AND EXISTS (SELECT 1 FROM webhook_deliveries o WHERE o.instance = $1 AND o.svix_id = w.svix_id)",
            )
            .bind(instance)
            .execute(&mut *tx)
            .await?;
            let deliveries = sqlx::query("UPDATE webhook_deliveries SET instance = $1 WHERE instance = ''")
                .bind(instance)
                .execute(&mut *tx)
                .await?
                .rows_affected();
            sqlx::query(
                "UPDATE sync_state SET instance = $1 WHERE instance = '' \
                 AND NOT EXISTS (SELECT 1 FROM sync_state WHERE instance = $1)",
            )
            .bind(instance)
            .execute(&mut *tx)
            .await?;
            sqlx::query("DELETE FROM sync_state WHERE instance = ''")
                .execute(&mut *tx)
                .await?;
            tx.commit().await?;
            Ok(ClaimReport {
                users,
                dropped,
                deliveries,
            })
        })
        .await
    }

    /// The reconciliation state.
    ///
    /// # Errors
    ///
    /// As [`UserRepo::upsert_user`].
    pub async fn sync_state(&self) -> Result<SyncState> {
        self.timed(async {
            let row = sqlx::query(
                "SELECT pass_id, complete, pages, next_offset, users_seen, upserted, tombstoned, \
                 last_error, last_complete_pass FROM sync_state WHERE instance = $1",
            )
            .bind(self.instance.as_str())
            .fetch_optional(&self.pool)
            .await?;
            let Some(row) = row else {
                return Ok(SyncState::default());
            };
            Ok(SyncState {
                pass_id: row.try_get("pass_id")?,
                complete: row.try_get("complete")?,
                pages: row.try_get("pages")?,
                next_offset: row.try_get("next_offset")?,
                users_seen: row.try_get("users_seen")?,
                upserted: row.try_get("upserted")?,
                tombstoned: row.try_get("tombstoned")?,
                last_error: row.try_get("last_error")?,
                last_complete_pass: row.try_get("last_complete_pass")?,
            })
        })
        .await
    }
}

/// [`UserRepo::upsert_user`] on a connection or inside a transaction.
pub(crate) async fn upsert_user(
    conn: &mut PgConnection,
    instance: &InstanceKey,
    user: &User,
    source: WriteSource,
) -> Result<UpsertOutcome> {
    let cols = columns(user)?;
    let inserted: Option<bool> = sqlx::query_scalar(UPSERT)
        .bind(&user.id)
        .bind(&cols.data)
        .bind(&cols.primary_email)
        .bind(&cols.first_name)
        .bind(&cols.last_name)
        .bind(user.created_at)
        .bind(user.updated_at)
        .bind(source.as_str())
        .bind(instance.as_str())
        .fetch_optional(&mut *conn)
        .await?;
    Ok(match inserted {
        Some(true) => UpsertOutcome::Inserted,
        Some(false) => UpsertOutcome::Updated,
        None => {
            // The WHERE refused: find out why.
            let deleted: Option<i64> =
                sqlx::query_scalar("SELECT deleted_at_ms FROM users WHERE instance = $2 AND id = $1")
                    .bind(&user.id)
                    .bind(instance.as_str())
                    .fetch_one(&mut *conn)
                    .await?;
            if deleted.is_some() {
                UpsertOutcome::Deleted
            } else {
                UpsertOutcome::Stale
            }
        }
    })
}

/// [`UserRepo::tombstone`] inside a transaction.
pub(crate) async fn tombstone(
    conn: &mut PgConnection,
    instance: &InstanceKey,
    user_id: &str,
    deleted_at_ms: i64,
    source: WriteSource,
) -> Result<TombstoneOutcome> {
    let before: Option<Option<i64>> =
        sqlx::query_scalar("SELECT deleted_at_ms FROM users WHERE instance = $2 AND id = $1 FOR UPDATE")
            .bind(user_id)
            .bind(instance.as_str())
            .fetch_optional(&mut *conn)
            .await?;
    sqlx::query(TOMBSTONE)
        .bind(user_id)
        .bind(deleted_at_ms)
        .bind(source.as_str())
        .bind(instance.as_str())
        .execute(&mut *conn)
        .await?;
    Ok(match before {
        None => TombstoneOutcome::Recorded,
        Some(None) => TombstoneOutcome::Deleted,
        Some(Some(_)) => TombstoneOutcome::AlreadyDeleted,
    })
}

/// Records a webhook delivery; `false` when it was already recorded. Call inside the
/// transaction of the change it guards, so a failed change leaves the delivery unrecorded.
pub(crate) async fn record_delivery(
    conn: &mut PgConnection,
    instance: &InstanceKey,
    svix_id: &str,
    event_type: &str,
) -> Result<bool> {
    let done = sqlx::query(
        "INSERT INTO webhook_deliveries (instance, svix_id, event_type) VALUES ($3, $1, $2) \
         ON CONFLICT (instance, svix_id) DO NOTHING",
    )
    .bind(svix_id)
    .bind(event_type)
    .bind(instance.as_str())
    .execute(&mut *conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Writes one reconciliation page (ids unique within `users`) and marks every listed user as
/// seen by `pass`. Returns how many users were inserted or changed.
pub(crate) async fn upsert_page(
    conn: &mut PgConnection,
    instance: &InstanceKey,
    users: &[User],
    pass: i64,
) -> Result<u64> {
    let mut ids = Vec::with_capacity(users.len());
    let mut data = Vec::with_capacity(users.len());
    let mut emails = Vec::with_capacity(users.len());
    let mut firsts = Vec::with_capacity(users.len());
    let mut lasts = Vec::with_capacity(users.len());
    let mut created = Vec::with_capacity(users.len());
    let mut updated = Vec::with_capacity(users.len());
    for user in users {
        let cols = columns(user)?;
        ids.push(user.id.clone());
        data.push(cols.data);
        emails.push(cols.primary_email);
        firsts.push(cols.first_name);
        lasts.push(cols.last_name);
        created.push(user.created_at);
        updated.push(user.updated_at);
    }
    let changed = sqlx::query(UPSERT_PAGE)
        .bind(&ids)
        .bind(&data)
        .bind(&emails)
        .bind(&firsts)
        .bind(&lasts)
        .bind(&created)
        .bind(&updated)
        .bind(WriteSource::Reconcile.as_str())
        .bind(pass)
        .bind(instance.as_str())
        .fetch_all(&mut *conn)
        .await?
        .len();
    sqlx::query(MARK_SEEN)
        .bind(pass)
        .bind(&ids)
        .bind(&updated)
        .bind(instance.as_str())
        .execute(&mut *conn)
        .await?;
    Ok(changed as u64)
}

/// Starts a pass: a new pass number, progress reset.
pub(crate) async fn start_pass(conn: &mut PgConnection, instance: &InstanceKey) -> Result<i64> {
    let pass: i64 = sqlx::query_scalar("SELECT nextval('reconcile_pass_seq')")
        .fetch_one(&mut *conn)
        .await?;
    sqlx::query(
        "INSERT INTO sync_state AS s (instance, pass_id, started_at) VALUES ($2, $1, now()) \
         ON CONFLICT (instance) DO UPDATE SET pass_id = $1, started_at = now(), finished_at = NULL, \
         complete = NULL, pages = 0, next_offset = 0, users_seen = 0, upserted = 0, tombstoned = 0, \
         last_error = NULL",
    )
    .bind(pass)
    .bind(instance.as_str())
    .execute(&mut *conn)
    .await?;
    Ok(pass)
}

/// Progress of a pass.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct PassCounts {
    pub(crate) pages: u64,
    pub(crate) next_offset: u64,
    pub(crate) users_seen: u64,
    pub(crate) upserted: u64,
    pub(crate) tombstoned: u64,
}

fn int(value: u64) -> i64 {
    i64::try_from(value).unwrap_or(i64::MAX)
}

/// Saves the progress of a pass.
pub(crate) async fn save_progress(
    conn: &mut PgConnection,
    instance: &InstanceKey,
    pass: i64,
    counts: PassCounts,
) -> Result<()> {
    sqlx::query(
        "UPDATE sync_state SET pages = $2, next_offset = $3, users_seen = $4, upserted = $5, tombstoned = $6 \
         WHERE instance = $7 AND pass_id = $1",
    )
    .bind(pass)
    .bind(int(counts.pages))
    .bind(int(counts.next_offset))
    .bind(int(counts.users_seen))
    .bind(int(counts.upserted))
    .bind(int(counts.tombstoned))
    .bind(instance.as_str())
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// Ends a pass.
pub(crate) async fn finish_pass(
    conn: &mut PgConnection,
    instance: &InstanceKey,
    pass: i64,
    counts: PassCounts,
    error: Option<&str>,
) -> Result<()> {
    save_progress(conn, instance, pass, counts).await?;
    sqlx::query(
        "UPDATE sync_state SET finished_at = now(), complete = $2, last_error = $3, \
         last_complete_pass = CASE WHEN $2 THEN $1 ELSE last_complete_pass END, \
         last_complete_at = CASE WHEN $2 THEN now() ELSE last_complete_at END \
         WHERE instance = $4 AND pass_id = $1",
    )
    .bind(pass)
    .bind(error.is_none())
    .bind(error)
    .bind(instance.as_str())
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// Live users not seen by `pass` and not confirmed since it started: the deletion candidates
/// of a complete pass.
pub(crate) async fn unseen_users(
    conn: &mut PgConnection,
    instance: &InstanceKey,
    pass: i64,
) -> Result<Vec<String>> {
    Ok(sqlx::query_scalar(
        "SELECT id FROM users WHERE instance = $2 AND deleted_at_ms IS NULL \
         AND (last_seen_pass IS NULL OR last_seen_pass <> $1) \
         AND synced_at < (SELECT started_at FROM sync_state WHERE instance = $2) \
         ORDER BY id",
    )
    .bind(pass)
    .bind(instance.as_str())
    .fetch_all(&mut *conn)
    .await?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn write_sources_read_back_as_stored() {
        for source in WriteSource::ALL {
            assert_eq!(WriteSource::from_stored(source.as_str()), Some(source));
        }
        assert_eq!(WriteSource::from_stored("API"), None);
        assert_eq!(WriteSource::from_stored(""), None);
    }
}
