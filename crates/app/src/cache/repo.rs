//! What the cache's repositories share: the database handle ([`Db`]) and the vocabulary of a
//! write ([`WriteSource`], [`UpsertOutcome`], [`TombstoneOutcome`]).
//!
//! There is one repository type per table: [`UserRepo`](super::UserRepo) (`users`, and the
//! reconciliation state of users), [`OrgRepo`](super::OrgRepo) (`organizations`) and
//! [`MembershipRepo`](super::MembershipRepo) (`organization_memberships`). Each reads on the
//! pool within the time limit, and writes on a connection it is given (`…_in`), so a webhook
//! or a reconciliation page is one transaction. All of them keep the same rules:
//!
//! - **Monotonic**: a row is written only if its `updated_at` is not older than the stored
//!   row's. On a tie the incoming copy replaces the stored one (same version; the write also
//!   refreshes `synced_at`).
//! - **Tombstones win**: once a row is deleted, no later write of the same id changes it.
//!   Clerk never reuses an id, so a write that arrives after the deletion is always a late
//!   copy of the deleted object, never a new one.
//! - **One instance**: every statement is scoped by the [`InstanceKey`]; rows of another Clerk
//!   instance sharing the database are never read or written.
//! - **Purge on delete**: a tombstone keeps only the id, the deletion time and bookkeeping
//!   (`source`, `synced_at`); the JSON and every personal column are set to `NULL`.

use std::future::Future;
use std::time::Duration;

use sqlx::{PgConnection, PgPool};

use super::error::{CacheError, Result};
use super::instance::InstanceKey;

/// Who wrote a row last (stored in the `source` column).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum WriteSource {
    /// Read-through: `GET /v1/users/{id}` (or the organization's).
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

/// What an upsert ([`UserRepo::upsert`](super::UserRepo::upsert) and the `upsert_in` of every
/// repository) did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum UpsertOutcome {
    /// The row was not stored yet.
    Inserted,
    /// The stored row was replaced (the incoming `updated_at` was newer or equal).
    Updated,
    /// Ignored: the stored row is newer.
    Stale,
    /// Ignored: the row is deleted (tombstone), or, for a membership, its organization is.
    Deleted,
}

impl UpsertOutcome {
    /// Whether the row now holds the incoming copy.
    pub fn written(self) -> bool {
        matches!(self, UpsertOutcome::Inserted | UpsertOutcome::Updated)
    }

    /// What an upsert's `RETURNING (xmax = 0)` says: `None` when its `WHERE` refused the write
    /// (then [`UpsertOutcome::refused`] says why).
    pub(crate) fn returned(inserted: Option<bool>) -> Option<Self> {
        inserted.map(|inserted| {
            if inserted {
                UpsertOutcome::Inserted
            } else {
                UpsertOutcome::Updated
            }
        })
    }

    /// A refused write, by the stored row's `deleted_at_ms`.
    pub(crate) fn refused(deleted_at_ms: Option<i64>) -> Self {
        if deleted_at_ms.is_some() {
            UpsertOutcome::Deleted
        } else {
            UpsertOutcome::Stale
        }
    }
}

/// What a tombstone ([`UserRepo::tombstone`](super::UserRepo::tombstone) and the
/// `tombstone_in` of every repository) did.
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

impl TombstoneOutcome {
    /// The outcome, by the row's `deleted_at_ms` before the tombstone (`None`: no row).
    pub(crate) fn from_before(before: Option<Option<i64>>) -> Self {
        match before {
            None => TombstoneOutcome::Recorded,
            Some(None) => TombstoneOutcome::Deleted,
            Some(Some(_)) => TombstoneOutcome::AlreadyDeleted,
        }
    }
}

/// What every repository works on: the pool, the one Clerk instance whose rows it reads and
/// writes, and the time limit of each operation.
///
/// Every operation is bounded by the time limit (connection acquisition included), so an
/// unreachable database fails with [`CacheError::Unavailable`] or [`CacheError::TimedOut`]
/// instead of hanging.
#[derive(Debug, Clone)]
pub(crate) struct Db {
    pool: PgPool,
    instance: InstanceKey,
    timeout: Duration,
}

impl Db {
    pub(crate) fn new(pool: PgPool, instance: InstanceKey, timeout: Duration) -> Self {
        Self {
            pool,
            instance,
            timeout,
        }
    }

    pub(crate) fn pool(&self) -> &PgPool {
        &self.pool
    }

    pub(crate) fn instance(&self) -> &InstanceKey {
        &self.instance
    }

    /// Runs `fut` within the time limit.
    pub(crate) async fn timed<T>(&self, fut: impl Future<Output = Result<T>>) -> Result<T> {
        match tokio::time::timeout(self.timeout, fut).await {
            Ok(result) => result,
            Err(_) => Err(CacheError::TimedOut(self.timeout)),
        }
    }

    /// Runs `work` on a connection of the pool, within the time limit.
    pub(crate) async fn read<T>(&self, work: impl AsyncFnOnce(&mut PgConnection) -> Result<T>) -> Result<T> {
        self.timed(async {
            let mut conn = self.pool.acquire().await?;
            work(&mut conn).await
        })
        .await
    }

    /// Runs `work` in a transaction of its own, committed when it succeeds, within the time
    /// limit.
    pub(crate) async fn write<T>(&self, work: impl AsyncFnOnce(&mut PgConnection) -> Result<T>) -> Result<T> {
        self.timed(in_transaction(&self.pool, work)).await
    }
}

/// Runs `work` in a transaction begun on `conn` (a pool, or a connection), committed when it
/// succeeds.
pub(crate) async fn in_transaction<'c, T>(
    conn: impl sqlx::Acquire<'c, Database = sqlx::Postgres>,
    work: impl AsyncFnOnce(&mut PgConnection) -> Result<T>,
) -> Result<T> {
    let mut tx = conn.begin().await?;
    let value = work(&mut tx).await?;
    tx.commit().await?;
    Ok(value)
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

    // Issue 25, item 7: the outcome rules of the three repositories, written once.
    #[test]
    fn outcomes_read_the_same_for_every_table() {
        assert_eq!(UpsertOutcome::returned(Some(true)), Some(UpsertOutcome::Inserted));
        assert_eq!(UpsertOutcome::returned(Some(false)), Some(UpsertOutcome::Updated));
        assert_eq!(UpsertOutcome::returned(None), None);
        assert_eq!(UpsertOutcome::refused(Some(7)), UpsertOutcome::Deleted);
        assert_eq!(UpsertOutcome::refused(None), UpsertOutcome::Stale);
        assert_eq!(TombstoneOutcome::from_before(None), TombstoneOutcome::Recorded);
        assert_eq!(
            TombstoneOutcome::from_before(Some(None)),
            TombstoneOutcome::Deleted
        );
        assert_eq!(
            TombstoneOutcome::from_before(Some(Some(7))),
            TombstoneOutcome::AlreadyDeleted
        );
    }
}
