//! [`OrgRepo`] and [`MembershipRepo`]: organizations and their memberships, live rows and
//! tombstones, with the write rules of every repository ([`repo`](super::repo)): monotonic by
//! `updated_at` (ties replace), tombstones win, one instance per statement, purge on delete.
//! Memberships are tombstoned by membership id; an organization's deletion tombstones its
//! memberships too, and a membership of a deleted organization is never stored.
//!
//! What is stored is the public JSON form ([`Organization`] and [`OrganizationMembership`]
//! serialize without private metadata): the cache never holds private metadata of either.

use std::sync::Arc;
use std::time::Duration;

use clerk_core::api::{Organization, OrganizationMembership};
use serde_json::Value;
use sqlx::{PgConnection, Row as _};
use tracing::Instrument as _;

use super::db_span::db_span;
use super::error::{CacheError, Result};
use super::repo::{Db, TombstoneOutcome, UpsertOutcome, WriteSource};

/// A stored organization.
#[derive(Debug, Clone)]
pub struct CachedOrganization {
    /// `org_…`
    pub id: String,
    /// The organization (public form); `None` for a tombstone or JSON that no longer decodes.
    pub organization: Option<Arc<Organization>>,
    /// When it was deleted (ms), for a tombstone.
    pub deleted_at_ms: Option<i64>,
    /// `now - synced_at`, by the database clock.
    pub age: Duration,
}

impl CachedOrganization {
    /// Whether the row is a tombstone.
    pub fn is_deleted(&self) -> bool {
        self.deleted_at_ms.is_some()
    }
}

const UPSERT_ORG: &str = "\
INSERT INTO organizations AS o (instance, id, data, name, slug, created_at_ms, updated_at_ms, source, synced_at, last_seen_pass)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, now(), $9)
ON CONFLICT (instance, id) DO UPDATE SET
    data = EXCLUDED.data, name = EXCLUDED.name, slug = EXCLUDED.slug,
    created_at_ms = EXCLUDED.created_at_ms, updated_at_ms = EXCLUDED.updated_at_ms,
    source = EXCLUDED.source, synced_at = now(),
    last_seen_pass = COALESCE(EXCLUDED.last_seen_pass, o.last_seen_pass)
WHERE o.deleted_at_ms IS NULL AND o.updated_at_ms <= EXCLUDED.updated_at_ms
RETURNING (xmax = 0) AS inserted";

const UPSERT_MEMBERSHIP: &str = "\
INSERT INTO organization_memberships AS m
    (instance, id, organization_id, user_id, role, data, created_at_ms, updated_at_ms, source, synced_at, last_seen_pass)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, now(), $10)
ON CONFLICT (instance, id) DO UPDATE SET
    organization_id = EXCLUDED.organization_id, user_id = EXCLUDED.user_id, role = EXCLUDED.role,
    data = EXCLUDED.data, created_at_ms = EXCLUDED.created_at_ms, updated_at_ms = EXCLUDED.updated_at_ms,
    source = EXCLUDED.source, synced_at = now(),
    last_seen_pass = COALESCE(EXCLUDED.last_seen_pass, m.last_seen_pass)
WHERE m.deleted_at_ms IS NULL AND m.updated_at_ms <= EXCLUDED.updated_at_ms
RETURNING (xmax = 0) AS inserted";

/// A page of reconciliation in one statement: a row not stored yet is inserted; a live row
/// whose stored copy is not newer is replaced (ties replace, as [`UPSERT_ORG`]); a live row whose
/// stored copy is newer keeps it and is only marked seen by the pass; a tombstone is left as it
/// is. Every listed live row is marked seen. Returns how many rows now hold the listed copy.
/// `$1` instance, `$2` source, `$3` pass; then the page's columns, ids unique.
const UPSERT_ORG_PAGE: &str = "\
WITH t AS (
    SELECT * FROM UNNEST($4::text[], $5::text[], $6::text[], $7::text[], $8::int8[], $9::int8[])
        AS t(id, data, name, slug, created_at_ms, updated_at_ms)
), written AS (
    INSERT INTO organizations AS o (instance, id, data, name, slug, created_at_ms, updated_at_ms, source, synced_at, last_seen_pass)
    SELECT $1, t.id, t.data::jsonb, t.name, t.slug, t.created_at_ms, t.updated_at_ms, $2, now(), $3 FROM t
    ON CONFLICT (instance, id) DO UPDATE SET
        data = CASE WHEN o.updated_at_ms <= EXCLUDED.updated_at_ms THEN EXCLUDED.data ELSE o.data END,
        name = CASE WHEN o.updated_at_ms <= EXCLUDED.updated_at_ms THEN EXCLUDED.name ELSE o.name END,
        slug = CASE WHEN o.updated_at_ms <= EXCLUDED.updated_at_ms THEN EXCLUDED.slug ELSE o.slug END,
        created_at_ms = CASE WHEN o.updated_at_ms <= EXCLUDED.updated_at_ms THEN EXCLUDED.created_at_ms ELSE o.created_at_ms END,
        source = CASE WHEN o.updated_at_ms <= EXCLUDED.updated_at_ms THEN EXCLUDED.source ELSE o.source END,
        synced_at = CASE WHEN o.updated_at_ms <= EXCLUDED.updated_at_ms THEN now() ELSE o.synced_at END,
        updated_at_ms = greatest(o.updated_at_ms, EXCLUDED.updated_at_ms),
        last_seen_pass = EXCLUDED.last_seen_pass
    WHERE o.deleted_at_ms IS NULL
    RETURNING o.id, o.updated_at_ms
)
SELECT count(*) FROM written JOIN t USING (id) WHERE written.updated_at_ms = t.updated_at_ms";

/// [`UPSERT_ORG_PAGE`] for memberships, which also skips a membership whose organization is a
/// tombstone (never stored, not marked seen). `$1` instance, `$2` source, `$3` pass.
const UPSERT_MEMBERSHIP_PAGE: &str = "\
WITH t AS (
    SELECT * FROM UNNEST($4::text[], $5::text[], $6::text[], $7::text[], $8::text[], $9::int8[], $10::int8[])
        AS t(id, organization_id, user_id, role, data, created_at_ms, updated_at_ms)
), written AS (
    INSERT INTO organization_memberships AS m
        (instance, id, organization_id, user_id, role, data, created_at_ms, updated_at_ms, source, synced_at, last_seen_pass)
    SELECT $1, t.id, t.organization_id, t.user_id, t.role, t.data::jsonb, t.created_at_ms, t.updated_at_ms, $2, now(), $3
    FROM t
    WHERE NOT EXISTS (
        SELECT 1 FROM organizations o
        WHERE o.instance = $1 AND o.id = t.organization_id AND o.deleted_at_ms IS NOT NULL
    )
    ON CONFLICT (instance, id) DO UPDATE SET
        organization_id = CASE WHEN m.updated_at_ms <= EXCLUDED.updated_at_ms THEN EXCLUDED.organization_id ELSE m.organization_id END,
        user_id = CASE WHEN m.updated_at_ms <= EXCLUDED.updated_at_ms THEN EXCLUDED.user_id ELSE m.user_id END,
        role = CASE WHEN m.updated_at_ms <= EXCLUDED.updated_at_ms THEN EXCLUDED.role ELSE m.role END,
        data = CASE WHEN m.updated_at_ms <= EXCLUDED.updated_at_ms THEN EXCLUDED.data ELSE m.data END,
        created_at_ms = CASE WHEN m.updated_at_ms <= EXCLUDED.updated_at_ms THEN EXCLUDED.created_at_ms ELSE m.created_at_ms END,
        source = CASE WHEN m.updated_at_ms <= EXCLUDED.updated_at_ms THEN EXCLUDED.source ELSE m.source END,
        synced_at = CASE WHEN m.updated_at_ms <= EXCLUDED.updated_at_ms THEN now() ELSE m.synced_at END,
        updated_at_ms = greatest(m.updated_at_ms, EXCLUDED.updated_at_ms),
        last_seen_pass = EXCLUDED.last_seen_pass
    WHERE m.deleted_at_ms IS NULL
    RETURNING m.id, m.updated_at_ms
)
SELECT count(*) FROM written JOIN t USING (id) WHERE written.updated_at_ms = t.updated_at_ms";

const TOMBSTONE_ORG: &str = "\
INSERT INTO organizations AS o (instance, id, deleted_at_ms, source, synced_at) VALUES ($1, $2, $3, $4, now())
ON CONFLICT (instance, id) DO UPDATE SET
    data = NULL, name = NULL, slug = NULL, created_at_ms = NULL, updated_at_ms = NULL,
    deleted_at_ms = COALESCE(o.deleted_at_ms, EXCLUDED.deleted_at_ms),
    source = CASE WHEN o.deleted_at_ms IS NULL THEN EXCLUDED.source ELSE o.source END,
    synced_at = now()";

const TOMBSTONE_ORG_MEMBERSHIPS: &str = "\
UPDATE organization_memberships SET role = NULL, data = NULL, created_at_ms = NULL, \
updated_at_ms = NULL, deleted_at_ms = $3, source = $4, synced_at = now() \
WHERE instance = $1 AND organization_id = $2 AND deleted_at_ms IS NULL";

const TOMBSTONE_MEMBERSHIP: &str = "\
INSERT INTO organization_memberships AS m (instance, id, organization_id, user_id, deleted_at_ms, source, synced_at)
VALUES ($1, $2, $3, $4, $5, $6, now())
ON CONFLICT (instance, id) DO UPDATE SET
    role = NULL, data = NULL, created_at_ms = NULL, updated_at_ms = NULL,
    deleted_at_ms = COALESCE(m.deleted_at_ms, EXCLUDED.deleted_at_ms),
    source = CASE WHEN m.deleted_at_ms IS NULL THEN EXCLUDED.source ELSE m.source END,
    synced_at = now()";

/// The `organizations` table of one Clerk instance (deleting an organization also tombstones
/// its memberships).
///
/// Every operation is bounded by a time limit, as [`UserRepo`](super::UserRepo)'s.
#[derive(Debug, Clone)]
pub struct OrgRepo {
    db: Db,
}

/// The `organization_memberships` table of one Clerk instance.
///
/// Every operation is bounded by a time limit, as [`UserRepo`](super::UserRepo)'s.
#[derive(Debug, Clone)]
pub struct MembershipRepo {
    db: Db,
}

/// The public JSON of an organization (no private metadata).
fn org_data(org: &Organization) -> Result<Value> {
    serde_json::to_value(org).map_err(CacheError::Encode)
}

impl OrgRepo {
    pub(crate) fn new(db: Db) -> Self {
        Self { db }
    }

    /// The stored row of `org_id`, live or tombstone.
    ///
    /// # Errors
    ///
    /// As [`UserRepo::get`](super::UserRepo::get): [`CacheError::NotFound`] when there is no
    /// row.
    pub async fn get(&self, org_id: &str) -> Result<CachedOrganization> {
        self.db
            .read(async |conn| {
                let row = sqlx::query(
                    "SELECT id, data, deleted_at_ms, \
                     greatest(0, extract(epoch FROM (clock_timestamp() - synced_at)) * 1000)::int8 AS age_ms \
                     FROM organizations WHERE instance = $1 AND id = $2",
                )
                .bind(self.db.instance().as_str())
                .bind(org_id)
                .fetch_optional(&mut *conn)
                .instrument(db_span("SELECT organizations"))
                .await?;
                let Some(row) = row else {
                    return Err(CacheError::NotFound);
                };
                let data: Option<Value> = row.try_get("data")?;
                let organization = data.and_then(|data| match serde_json::from_value::<Organization>(data) {
                    Ok(org) => Some(Arc::new(org)),
                    Err(err) => {
                        tracing::warn!(org_id, error.message = %err, "stored organization JSON does not decode; treating the row as missing");
                        None
                    }
                });
                let age_ms: i64 = row.try_get("age_ms")?;
                Ok(CachedOrganization {
                    id: row.try_get("id")?,
                    organization,
                    deleted_at_ms: row.try_get("deleted_at_ms")?,
                    age: Duration::from_millis(u64::try_from(age_ms).unwrap_or(0)),
                })
            })
            .await
    }

    /// Stores `org` unless the stored row is newer or a tombstone; `pass` marks it seen by a
    /// reconciliation pass.
    pub(crate) async fn upsert_in(
        &self,
        conn: &mut PgConnection,
        org: &Organization,
        source: WriteSource,
        pass: Option<i64>,
    ) -> Result<UpsertOutcome> {
        let inserted: Option<bool> = sqlx::query_scalar(UPSERT_ORG)
            .bind(self.db.instance().as_str())
            .bind(&org.id)
            .bind(org_data(org)?)
            .bind(&org.name)
            .bind(&org.slug)
            .bind(org.created_at)
            .bind(org.updated_at)
            .bind(source.as_str())
            .bind(pass)
            .fetch_optional(&mut *conn)
            .instrument(db_span("INSERT organizations"))
            .await?;
        settle(
            conn,
            &self.db,
            inserted,
            &org.id,
            pass,
            [
                (
                    "SELECT deleted_at_ms FROM organizations WHERE instance = $1 AND id = $2",
                    "SELECT organizations",
                ),
                (
                    "UPDATE organizations SET last_seen_pass = $3 WHERE instance = $1 AND id = $2",
                    "UPDATE organizations",
                ),
            ],
        )
        .await
    }

    /// Writes one reconciliation page (ids unique within `orgs`) in one statement and marks
    /// every listed live row seen by `pass` (the rules of [`upsert_in`](Self::upsert_in), row by
    /// row). Returns how many rows now hold the listed copy.
    pub(crate) async fn upsert_page_in(
        &self,
        conn: &mut PgConnection,
        orgs: &[Organization],
        pass: i64,
    ) -> Result<u64> {
        let mut ids = Vec::with_capacity(orgs.len());
        let mut data = Vec::with_capacity(orgs.len());
        let mut names = Vec::with_capacity(orgs.len());
        let mut slugs = Vec::with_capacity(orgs.len());
        let mut created = Vec::with_capacity(orgs.len());
        let mut updated = Vec::with_capacity(orgs.len());
        for org in orgs {
            ids.push(org.id.as_str());
            data.push(serde_json::to_string(org).map_err(CacheError::Encode)?);
            names.push(org.name.as_str());
            slugs.push(org.slug.as_deref());
            created.push(org.created_at);
            updated.push(org.updated_at);
        }
        let written: i64 = sqlx::query_scalar(UPSERT_ORG_PAGE)
            .bind(self.db.instance().as_str())
            .bind(WriteSource::Reconcile.as_str())
            .bind(pass)
            .bind(&ids)
            .bind(&data)
            .bind(&names)
            .bind(&slugs)
            .bind(&created)
            .bind(&updated)
            .fetch_one(&mut *conn)
            .instrument(db_span("INSERT organizations"))
            .await?;
        Ok(u64::try_from(written).unwrap_or(0))
    }

    /// Marks `org_id` deleted at `deleted_at_ms`, purging its data, and tombstones its live
    /// memberships, in a transaction of its own. Records a tombstone even for an id never
    /// stored.
    ///
    /// # Errors
    ///
    /// As [`UserRepo::tombstone`](super::UserRepo::tombstone).
    pub async fn tombstone(
        &self,
        org_id: &str,
        deleted_at_ms: i64,
        source: WriteSource,
    ) -> Result<TombstoneOutcome> {
        self.db
            .write(async |tx| self.tombstone_in(tx, org_id, deleted_at_ms, source).await)
            .await
    }

    /// Marks an organization deleted (purging its data) and tombstones its live memberships.
    /// Records a tombstone even for an id never stored.
    pub(crate) async fn tombstone_in(
        &self,
        conn: &mut PgConnection,
        org_id: &str,
        deleted_at_ms: i64,
        source: WriteSource,
    ) -> Result<TombstoneOutcome> {
        let before = deleted_at(
            conn,
            &self.db,
            (
                "SELECT deleted_at_ms FROM organizations WHERE instance = $1 AND id = $2 FOR UPDATE",
                "SELECT organizations",
            ),
            org_id,
        )
        .await?;
        // The organization, then its live memberships: the same parameters.
        for (statement, summary) in [
            (TOMBSTONE_ORG, "UPDATE organizations"),
            (TOMBSTONE_ORG_MEMBERSHIPS, "UPDATE organization_memberships"),
        ] {
            sqlx::query(statement)
                .bind(self.db.instance().as_str())
                .bind(org_id)
                .bind(deleted_at_ms)
                .bind(source.as_str())
                .execute(&mut *conn)
                .instrument(db_span(summary))
                .await?;
        }
        Ok(TombstoneOutcome::from_before(before))
    }

    /// Live organizations not seen by `pass` and not confirmed since `since_ms`.
    pub(crate) async fn unseen_in(
        &self,
        conn: &mut PgConnection,
        pass: i64,
        since_ms: i64,
    ) -> Result<Vec<String>> {
        Ok(sqlx::query_scalar(
            "SELECT id FROM organizations WHERE instance = $1 AND deleted_at_ms IS NULL \
             AND last_seen_pass IS DISTINCT FROM $2 AND synced_at < to_timestamp($3 / 1000.0) ORDER BY id",
        )
        .bind(self.db.instance().as_str())
        .bind(pass)
        .bind(since_ms)
        .fetch_all(&mut *conn)
        .instrument(db_span("SELECT organizations"))
        .await?)
    }
}

/// The `deleted_at_ms` of one row by `select` (`$1`: the instance, `$2`: `id`; its span's name:
/// `summary`); `None` when there is no row.
async fn deleted_at(
    conn: &mut PgConnection,
    db: &Db,
    (select, summary): (&str, &'static str),
    id: &str,
) -> Result<Option<Option<i64>>> {
    Ok(sqlx::query_scalar(select)
        .bind(db.instance().as_str())
        .bind(id)
        .fetch_optional(&mut *conn)
        .instrument(db_span(summary))
        .await?)
}

/// What an upsert of `id` did: what its `RETURNING (xmax = 0)` says (`inserted`), else why its
/// `WHERE` refused the write (`select_deleted`); a stale write still marks the row seen by
/// `pass` (`mark_seen`: `$3`), since the pass listed it. Each statement comes with its span's name.
async fn settle(
    conn: &mut PgConnection,
    db: &Db,
    inserted: Option<bool>,
    id: &str,
    pass: Option<i64>,
    [select_deleted, mark_seen]: [(&str, &'static str); 2],
) -> Result<UpsertOutcome> {
    if let Some(outcome) = UpsertOutcome::returned(inserted) {
        return Ok(outcome);
    }
    let deleted = deleted_at(conn, db, select_deleted, id)
        .await?
        .ok_or(CacheError::NotFound)?;
    let outcome = UpsertOutcome::refused(deleted);
    if let (UpsertOutcome::Stale, Some(pass)) = (outcome, pass) {
        sqlx::query(mark_seen.0)
            .bind(db.instance().as_str())
            .bind(id)
            .bind(pass)
            .execute(&mut *conn)
            .instrument(db_span(mark_seen.1))
            .await?;
    }
    Ok(outcome)
}

/// The organization and user of a membership, or an error for data without them.
fn membership_keys(membership: &OrganizationMembership) -> Result<(&str, &str)> {
    match (membership.organization_id(), membership.user_id()) {
        (Some(org), Some(user)) if !org.is_empty() && !user.is_empty() => Ok((org, user)),
        _ => Err(CacheError::InvalidData(format!(
            "membership {} has no organization or user id",
            membership.id
        ))),
    }
}

impl MembershipRepo {
    pub(crate) fn new(db: Db) -> Self {
        Self { db }
    }

    /// The live memberships of `org_id`, one per user (the newest, should a reordered delivery
    /// briefly leave two), oldest first.
    ///
    /// # Errors
    ///
    /// As [`UserRepo::get`](super::UserRepo::get).
    pub async fn members(&self, org_id: &str) -> Result<Vec<OrganizationMembership>> {
        self.db
            .read(async |conn| {
                let rows: Vec<Value> = sqlx::query_scalar(
                    "SELECT data FROM (SELECT DISTINCT ON (user_id) data, created_at_ms FROM organization_memberships \
                     WHERE instance = $1 AND organization_id = $2 AND deleted_at_ms IS NULL \
                     ORDER BY user_id, created_at_ms DESC) newest ORDER BY created_at_ms, data->>'id'",
                )
                .bind(self.db.instance().as_str())
                .bind(org_id)
                .fetch_all(&mut *conn)
                .instrument(db_span("SELECT organization_memberships"))
                .await?;
                Ok(rows
                    .into_iter()
                    .filter_map(|data| serde_json::from_value(data).ok())
                    .collect())
            })
            .await
    }

    /// Stores a membership unless the stored row is newer, a tombstone, or its organization is
    /// deleted ([`UpsertOutcome::Deleted`] for both).
    pub(crate) async fn upsert_in(
        &self,
        conn: &mut PgConnection,
        membership: &OrganizationMembership,
        source: WriteSource,
        pass: Option<i64>,
    ) -> Result<UpsertOutcome> {
        let (org_id, user_id) = membership_keys(membership)?;
        let org_deleted = deleted_at(
            conn,
            &self.db,
            (
                "SELECT deleted_at_ms FROM organizations WHERE instance = $1 AND id = $2",
                "SELECT organizations",
            ),
            org_id,
        )
        .await?;
        if matches!(org_deleted, Some(Some(_))) {
            return Ok(UpsertOutcome::Deleted);
        }
        let data = serde_json::to_value(membership).map_err(CacheError::Encode)?;
        let inserted: Option<bool> = sqlx::query_scalar(UPSERT_MEMBERSHIP)
            .bind(self.db.instance().as_str())
            .bind(&membership.id)
            .bind(org_id)
            .bind(user_id)
            .bind(&membership.role)
            .bind(data)
            .bind(membership.created_at)
            .bind(membership.updated_at)
            .bind(source.as_str())
            .bind(pass)
            .fetch_optional(&mut *conn)
            .instrument(db_span("INSERT organization_memberships"))
            .await?;
        settle(
            conn,
            &self.db,
            inserted,
            &membership.id,
            pass,
            [
                (
                    "SELECT deleted_at_ms FROM organization_memberships WHERE instance = $1 AND id = $2",
                    "SELECT organization_memberships",
                ),
                (
                    "UPDATE organization_memberships SET last_seen_pass = $3 WHERE instance = $1 AND id = $2",
                    "UPDATE organization_memberships",
                ),
            ],
        )
        .await
    }

    /// Writes one reconciliation page (ids unique within `memberships`) in one statement and
    /// marks every listed live row seen by `pass` (the rules of [`upsert_in`](Self::upsert_in),
    /// row by row: a membership of a deleted organization is neither stored nor marked seen).
    /// Returns how many rows now hold the listed copy.
    ///
    /// # Errors
    ///
    /// [`CacheError::InvalidData`] for a membership without an organization or user id (the
    /// page is not written).
    pub(crate) async fn upsert_page_in(
        &self,
        conn: &mut PgConnection,
        memberships: &[OrganizationMembership],
        pass: i64,
    ) -> Result<u64> {
        let mut ids = Vec::with_capacity(memberships.len());
        let mut orgs = Vec::with_capacity(memberships.len());
        let mut users = Vec::with_capacity(memberships.len());
        let mut roles = Vec::with_capacity(memberships.len());
        let mut data = Vec::with_capacity(memberships.len());
        let mut created = Vec::with_capacity(memberships.len());
        let mut updated = Vec::with_capacity(memberships.len());
        for membership in memberships {
            let (org_id, user_id) = membership_keys(membership)?;
            ids.push(membership.id.as_str());
            orgs.push(org_id);
            users.push(user_id);
            roles.push(membership.role.as_str());
            data.push(serde_json::to_string(membership).map_err(CacheError::Encode)?);
            created.push(membership.created_at);
            updated.push(membership.updated_at);
        }
        let written: i64 = sqlx::query_scalar(UPSERT_MEMBERSHIP_PAGE)
            .bind(self.db.instance().as_str())
            .bind(WriteSource::Reconcile.as_str())
            .bind(pass)
            .bind(&ids)
            .bind(&orgs)
            .bind(&users)
            .bind(&roles)
            .bind(&data)
            .bind(&created)
            .bind(&updated)
            .fetch_one(&mut *conn)
            .instrument(db_span("INSERT organization_memberships"))
            .await?;
        Ok(u64::try_from(written).unwrap_or(0))
    }

    /// Marks a membership deleted by its id (purging its data). Records a tombstone even for an id
    /// never stored, so a late create or update of it is ignored.
    pub(crate) async fn tombstone_in(
        &self,
        conn: &mut PgConnection,
        membership_id: &str,
        organization_id: &str,
        user_id: &str,
        deleted_at_ms: i64,
        source: WriteSource,
    ) -> Result<TombstoneOutcome> {
        let before = deleted_at(
            conn,
            &self.db,
            ("SELECT deleted_at_ms FROM organization_memberships WHERE instance = $1 AND id = $2 FOR UPDATE", "SELECT organization_memberships"),
            membership_id,
        )
        .await?;
        sqlx::query(TOMBSTONE_MEMBERSHIP)
            .bind(self.db.instance().as_str())
            .bind(membership_id)
            .bind(organization_id)
            .bind(user_id)
            .bind(deleted_at_ms)
            .bind(source.as_str())
            .execute(&mut *conn)
            .instrument(db_span("UPDATE organization_memberships"))
            .await?;
        Ok(TombstoneOutcome::from_before(before))
    }

    /// Live memberships not seen by `pass` and not confirmed since `since_ms`: `(id, org, user)`.
    pub(crate) async fn unseen_in(
        &self,
        conn: &mut PgConnection,
        pass: i64,
        since_ms: i64,
    ) -> Result<Vec<(String, String, String)>> {
        let rows = sqlx::query(
            "SELECT id, organization_id, user_id FROM organization_memberships WHERE instance = $1 \
             AND deleted_at_ms IS NULL AND last_seen_pass IS DISTINCT FROM $2 \
             AND synced_at < to_timestamp($3 / 1000.0) ORDER BY id",
        )
        .bind(self.db.instance().as_str())
        .bind(pass)
        .bind(since_ms)
        .fetch_all(&mut *conn)
        .instrument(db_span("SELECT organization_memberships"))
        .await?;
        rows.into_iter()
            .map(|row| {
                Ok((
                    row.try_get("id")?,
                    row.try_get("organization_id")?,
                    row.try_get("user_id")?,
                ))
            })
            .collect()
    }
}
