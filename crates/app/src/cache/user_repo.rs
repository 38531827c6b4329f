//! [`UserRepo`]: users (live rows and tombstones), their reconciliation state (`sync_state`),
//! and the rows written before instance scoping. The write rules are those of every repository
//! ([`repo`](super::repo)).

use std::sync::Arc;
use std::time::Duration;

use clerk_core::User;
use serde_json::Value;
use sqlx::{PgConnection, Row as _};
use tracing::Instrument as _;

use super::db_span::db_span;
use super::error::{CacheError, Result};
use super::repo::{Db, TombstoneOutcome, UpsertOutcome, WriteSource};

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

/// The `users` table (and `sync_state`, the state of the users' reconciliation) of one Clerk
/// instance.
///
/// Every operation is bounded by a time limit (connection acquisition included), so an
/// unreachable database fails with [`CacheError::Unavailable`] or [`CacheError::TimedOut`]
/// instead of hanging.
#[derive(Debug, Clone)]
pub struct UserRepo {
    db: Db,
}

/// The columns derived from a user.
struct UserColumns {
    /// The stored JSON as text (cast to `jsonb` by the query): serialized once, without a
    /// `serde_json::Value` tree in between.
    data: String,
    primary_email: Option<String>,
    first_name: Option<String>,
    last_name: Option<String>,
}

fn columns(user: &User) -> Result<UserColumns> {
    // The full-fidelity form on purpose: `User`'s own `Serialize` leaves `private_metadata` out,
    // and the cache must give it back (`get` reads this JSON back as a `User`, whole).
    let data = serde_json::to_string(&user.for_storage()).map_err(CacheError::Encode)?;
    Ok(UserColumns {
        data,
        primary_email: user.primary_email().map(str::to_owned),
        first_name: user.first_name.clone(),
        last_name: user.last_name.clone(),
    })
}

const UPSERT: &str = "\
INSERT INTO users AS u (instance, id, data, primary_email, first_name, last_name, created_at_ms, updated_at_ms, source, synced_at)
VALUES ($9, $1, $2::jsonb, $3, $4, $5, $6, $7, $8, now())
ON CONFLICT (instance, id) DO UPDATE SET
    data = EXCLUDED.data, primary_email = EXCLUDED.primary_email, first_name = EXCLUDED.first_name,
    last_name = EXCLUDED.last_name, created_at_ms = EXCLUDED.created_at_ms,
    updated_at_ms = EXCLUDED.updated_at_ms, source = EXCLUDED.source, synced_at = now()
WHERE u.deleted_at_ms IS NULL AND u.updated_at_ms <= EXCLUDED.updated_at_ms
RETURNING (xmax = 0) AS inserted";

/// A page of reconciliation in one statement: a user not stored yet is inserted; a live row is
/// replaced when the listed copy is strictly newer, refreshed (`synced_at`) on a tie, and only
/// marked seen when the stored copy is newer; a tombstone is left as it is. Every listed live
/// row is marked seen by the pass. Returns how many users were inserted or changed (a tie is
/// not a change), counted against the rows as the statement found them.
/// `$1` instance, `$2` source, `$3` pass; then the page's columns, ids unique.
const UPSERT_PAGE: &str = "\
WITH t AS (
    SELECT * FROM UNNEST($4::text[], $5::text[], $6::text[], $7::text[], $8::text[], $9::int8[], $10::int8[])
        AS t(id, data, primary_email, first_name, last_name, created_at_ms, updated_at_ms)
), stored AS (
    SELECT u.id, u.updated_at_ms FROM users u JOIN t USING (id) WHERE u.instance = $1
), written AS (
    INSERT INTO users AS u (instance, id, data, primary_email, first_name, last_name, created_at_ms, updated_at_ms, source, synced_at, last_seen_pass)
    SELECT $1, t.id, t.data::jsonb, t.primary_email, t.first_name, t.last_name, t.created_at_ms, t.updated_at_ms, $2, now(), $3
    FROM t
    ON CONFLICT (instance, id) DO UPDATE SET
        data = CASE WHEN u.updated_at_ms < EXCLUDED.updated_at_ms THEN EXCLUDED.data ELSE u.data END,
        primary_email = CASE WHEN u.updated_at_ms < EXCLUDED.updated_at_ms THEN EXCLUDED.primary_email ELSE u.primary_email END,
        first_name = CASE WHEN u.updated_at_ms < EXCLUDED.updated_at_ms THEN EXCLUDED.first_name ELSE u.first_name END,
        last_name = CASE WHEN u.updated_at_ms < EXCLUDED.updated_at_ms THEN EXCLUDED.last_name ELSE u.last_name END,
        created_at_ms = CASE WHEN u.updated_at_ms < EXCLUDED.updated_at_ms THEN EXCLUDED.created_at_ms ELSE u.created_at_ms END,
        source = CASE WHEN u.updated_at_ms < EXCLUDED.updated_at_ms THEN EXCLUDED.source ELSE u.source END,
        synced_at = CASE WHEN u.updated_at_ms <= EXCLUDED.updated_at_ms THEN now() ELSE u.synced_at END,
        updated_at_ms = greatest(u.updated_at_ms, EXCLUDED.updated_at_ms),
        last_seen_pass = EXCLUDED.last_seen_pass
    WHERE u.deleted_at_ms IS NULL
    RETURNING u.id
)
SELECT count(*) FROM written JOIN t USING (id) LEFT JOIN stored USING (id)
WHERE stored.id IS NULL OR stored.updated_at_ms < t.updated_at_ms";

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
    pub(crate) fn new(db: Db) -> Self {
        Self { db }
    }

    /// The stored row of `user_id`, live or tombstone.
    ///
    /// # Errors
    ///
    /// [`CacheError::NotFound`] when there is no row; [`CacheError::Unavailable`] /
    /// [`CacheError::TimedOut`] when the database cannot be reached in time.
    pub async fn get(&self, user_id: &str) -> Result<CachedUser> {
        self.db
            .read(async |conn| {
                let row = sqlx::query(SELECT_USER)
                    .bind(user_id)
                    .bind(self.db.instance().as_str())
                    .fetch_one(&mut *conn)
                    .instrument(db_span("SELECT users"))
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

    /// Stores `user` unless the stored row is newer or a tombstone (the write rules of every
    /// repository of the cache, in `cache/repo.rs`).
    ///
    /// # Errors
    ///
    /// [`CacheError::Unavailable`] / [`CacheError::TimedOut`] when the database cannot be
    /// reached in time; [`CacheError::Database`] for other database errors.
    pub async fn upsert(&self, user: &User, source: WriteSource) -> Result<UpsertOutcome> {
        self.db
            .read(async |conn| self.upsert_in(conn, user, source).await)
            .await
    }

    /// Marks `user_id` deleted at `deleted_at_ms` and purges its personal data. Records a
    /// tombstone even for an id never stored, so a late create/update cannot add it.
    ///
    /// # Errors
    ///
    /// As [`UserRepo::upsert`].
    pub async fn tombstone(
        &self,
        user_id: &str,
        deleted_at_ms: i64,
        source: WriteSource,
    ) -> Result<TombstoneOutcome> {
        self.db
            .write(async |tx| self.tombstone_in(tx, user_id, deleted_at_ms, source).await)
            .await
    }

    /// Forgets deliveries older than `delivery_retention` and tombstones deleted more than
    /// `tombstone_retention` ago. Returns how many of each were removed.
    ///
    /// # Errors
    ///
    /// As [`UserRepo::upsert`].
    pub async fn prune(
        &self,
        delivery_retention: Duration,
        tombstone_retention: Duration,
    ) -> Result<(u64, u64)> {
        self.db
            .timed(async {
                let deliveries = sqlx::query(
                    "DELETE FROM webhook_deliveries WHERE instance = $2 \
                 AND received_at < now() - make_interval(secs => $1)",
                )
                .bind(delivery_retention.as_secs_f64())
                .bind(self.db.instance().as_str())
                .execute(self.db.pool())
                .instrument(db_span("DELETE webhook_deliveries"))
                .await?
                .rows_affected();
                let tombstones = sqlx::query(
                    "DELETE FROM users WHERE instance = $2 AND deleted_at_ms IS NOT NULL \
                 AND deleted_at_ms < (extract(epoch FROM now()) * 1000)::int8 - $1",
                )
                .bind(i64::try_from(tombstone_retention.as_millis()).unwrap_or(i64::MAX))
                .bind(self.db.instance().as_str())
                .execute(self.db.pool())
                .instrument(db_span("DELETE users"))
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
    /// As [`UserRepo::upsert`].
    pub async fn claim_unowned(&self) -> Result<ClaimReport> {
        self.db.timed(async {
            let instance = self.db.instance().as_str();
            let mut tx = self.db.pool().begin().await?;
            sqlx::query("SELECT pg_advisory_xact_lock(hashtextextended('clerk_actix.claim_unowned', 0))")
                .execute(&mut *tx)
                .instrument(db_span("SELECT pg_advisory_xact_lock"))
                .await?;
            let dropped = sqlx::query(
                "DELETE FROM users u WHERE u.instance = '' AND (u.deleted_at_ms IS NOT NULL \
                 OR EXISTS (SELECT 1 FROM users o WHERE o.instance = $1 AND o.id = u.id))",
            )
            .bind(instance)
            .execute(&mut *tx)
            .instrument(db_span("DELETE users"))
            .await?
            .rows_affected();
            let users = sqlx::query("UPDATE users SET instance = $1 WHERE instance = ''")
                .bind(instance)
                .execute(&mut *tx)
                .instrument(db_span("UPDATE users"))
                .await?
                .rows_affected();
            sqlx::query(
                "DELETE FROM webhook_deliveries w WHERE w.instance = '' \
                 AND EXISTS (SELECT 1 FROM webhook_deliveries o WHERE o.instance = $1 AND o.svix_id = w.svix_id)",
            )
            .bind(instance)
            .execute(&mut *tx)
            .instrument(db_span("DELETE webhook_deliveries"))
            .await?;
            let deliveries = sqlx::query("UPDATE webhook_deliveries SET instance = $1 WHERE instance = ''")
                .bind(instance)
                .execute(&mut *tx)
                .instrument(db_span("UPDATE webhook_deliveries"))
                .await?
                .rows_affected();
            sqlx::query(
                "UPDATE sync_state SET instance = $1 WHERE instance = '' \
                 AND NOT EXISTS (SELECT 1 FROM sync_state WHERE instance = $1)",
            )
            .bind(instance)
            .execute(&mut *tx)
            .instrument(db_span("UPDATE sync_state"))
            .await?;
            sqlx::query("DELETE FROM sync_state WHERE instance = ''")
                .execute(&mut *tx)
                .instrument(db_span("DELETE sync_state"))
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
    /// As [`UserRepo::upsert`].
    pub async fn sync_state(&self) -> Result<SyncState> {
        self.db
            .timed(async {
                let row = sqlx::query(
                    "SELECT pass_id, complete, pages, next_offset, users_seen, upserted, tombstoned, \
                 last_error, last_complete_pass FROM sync_state WHERE instance = $1",
                )
                .bind(self.db.instance().as_str())
                .fetch_optional(self.db.pool())
                .instrument(db_span("SELECT sync_state"))
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

    /// [`UserRepo::upsert`] on a connection (or inside a transaction).
    pub(crate) async fn upsert_in(
        &self,
        conn: &mut PgConnection,
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
            .bind(self.db.instance().as_str())
            .fetch_optional(&mut *conn)
            .instrument(db_span("INSERT users"))
            .await?;
        if let Some(outcome) = UpsertOutcome::returned(inserted) {
            return Ok(outcome);
        }
        // The WHERE refused: find out why.
        let deleted: Option<i64> =
            sqlx::query_scalar("SELECT deleted_at_ms FROM users WHERE instance = $2 AND id = $1")
                .bind(&user.id)
                .bind(self.db.instance().as_str())
                .fetch_one(&mut *conn)
                .instrument(db_span("SELECT users"))
                .await?;
        Ok(UpsertOutcome::refused(deleted))
    }

    /// [`UserRepo::tombstone`] inside a transaction.
    pub(crate) async fn tombstone_in(
        &self,
        conn: &mut PgConnection,
        user_id: &str,
        deleted_at_ms: i64,
        source: WriteSource,
    ) -> Result<TombstoneOutcome> {
        let before: Option<Option<i64>> =
            sqlx::query_scalar("SELECT deleted_at_ms FROM users WHERE instance = $2 AND id = $1 FOR UPDATE")
                .bind(user_id)
                .bind(self.db.instance().as_str())
                .fetch_optional(&mut *conn)
                .instrument(db_span("SELECT users"))
                .await?;
        sqlx::query(TOMBSTONE)
            .bind(user_id)
            .bind(deleted_at_ms)
            .bind(source.as_str())
            .bind(self.db.instance().as_str())
            .execute(&mut *conn)
            .instrument(db_span("INSERT users"))
            .await?;
        Ok(TombstoneOutcome::from_before(before))
    }

    /// Writes one reconciliation page (ids unique within `users`) and marks every listed user as
    /// seen by `pass`, in one statement. Returns how many users were inserted or changed.
    pub(crate) async fn upsert_page_in(
        &self,
        conn: &mut PgConnection,
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
        let changed: i64 = sqlx::query_scalar(UPSERT_PAGE)
            .bind(self.db.instance().as_str())
            .bind(WriteSource::Reconcile.as_str())
            .bind(pass)
            .bind(&ids)
            .bind(&data)
            .bind(&emails)
            .bind(&firsts)
            .bind(&lasts)
            .bind(&created)
            .bind(&updated)
            .fetch_one(&mut *conn)
            .instrument(db_span("INSERT users"))
            .await?;
        Ok(u64::try_from(changed).unwrap_or(0))
    }

    /// Live users not seen by `pass` and not confirmed since it started: the deletion candidates
    /// of a complete pass.
    pub(crate) async fn unseen_in(&self, conn: &mut PgConnection, pass: i64) -> Result<Vec<String>> {
        Ok(sqlx::query_scalar(
            "SELECT id FROM users WHERE instance = $2 AND deleted_at_ms IS NULL \
             AND (last_seen_pass IS NULL OR last_seen_pass <> $1) \
             AND synced_at < (SELECT started_at FROM sync_state WHERE instance = $2) \
             ORDER BY id",
        )
        .bind(pass)
        .bind(self.db.instance().as_str())
        .fetch_all(&mut *conn)
        .instrument(db_span("SELECT users"))
        .await?)
    }

    /// Starts a pass: a new pass number, progress reset.
    pub(crate) async fn start_pass(&self, conn: &mut PgConnection) -> Result<i64> {
        let pass: i64 = sqlx::query_scalar("SELECT nextval('reconcile_pass_seq')")
            .fetch_one(&mut *conn)
            .instrument(db_span("SELECT reconcile_pass_seq"))
            .await?;
        sqlx::query(
            "INSERT INTO sync_state AS s (instance, pass_id, started_at) VALUES ($2, $1, now()) \
             ON CONFLICT (instance) DO UPDATE SET pass_id = $1, started_at = now(), finished_at = NULL, \
             complete = NULL, pages = 0, next_offset = 0, users_seen = 0, upserted = 0, tombstoned = 0, \
             last_error = NULL",
        )
        .bind(pass)
        .bind(self.db.instance().as_str())
        .execute(&mut *conn)
        .instrument(db_span("INSERT sync_state"))
        .await?;
        Ok(pass)
    }

    /// Saves the progress of a pass.
    pub(crate) async fn save_progress(
        &self,
        conn: &mut PgConnection,
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
        .bind(self.db.instance().as_str())
        .execute(&mut *conn)
        .instrument(db_span("UPDATE sync_state"))
        .await?;
        Ok(())
    }

    /// Ends a pass.
    pub(crate) async fn finish_pass(
        &self,
        conn: &mut PgConnection,
        pass: i64,
        counts: PassCounts,
        error: Option<&str>,
    ) -> Result<()> {
        self.save_progress(conn, pass, counts).await?;
        sqlx::query(
            "UPDATE sync_state SET finished_at = now(), complete = $2, last_error = $3, \
             last_complete_pass = CASE WHEN $2 THEN $1 ELSE last_complete_pass END, \
             last_complete_at = CASE WHEN $2 THEN now() ELSE last_complete_at END \
             WHERE instance = $4 AND pass_id = $1",
        )
        .bind(pass)
        .bind(error.is_none())
        .bind(error)
        .bind(self.db.instance().as_str())
        .execute(&mut *conn)
        .instrument(db_span("UPDATE sync_state"))
        .await?;
        Ok(())
    }
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
