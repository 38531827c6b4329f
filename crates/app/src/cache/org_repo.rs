//! The Postgres side of organizations and memberships: live rows and tombstones, with the
//! write rules of users ([`repo`](super::repo)): monotonic by `updated_at` (ties replace),
//! tombstones win, one instance per statement, purge on delete. Memberships are tombstoned by
//! membership id; an organization's deletion tombstones its memberships too, and a membership of
//! a deleted organization is never stored.
//!
//! What is stored is the public JSON form ([`Organization`] and [`OrganizationMembership`]
//! serialize without private metadata): the cache never holds private metadata of either.

use std::sync::Arc;
use std::time::Duration;

use clerk_core::api::{Organization, OrganizationMembership};
use serde_json::Value;
use sqlx::{PgConnection, Row as _};

use super::error::{CacheError, Result};
use super::instance::InstanceKey;
use super::repo::{TombstoneOutcome, UpsertOutcome, WriteSource};

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

const TOMBSTONE_ORG: &str = "\
INSERT INTO organizations AS o (instance, id, deleted_at_ms, source, synced_at) VALUES ($1, $2, $3, $4, now())
ON CONFLICT (instance, id) DO UPDATE SET
    data = NULL, name = NULL, slug = NULL, created_at_ms = NULL, updated_at_ms = NULL,
    deleted_at_ms = COALESCE(o.deleted_at_ms, EXCLUDED.deleted_at_ms),
    source = CASE WHEN o.deleted_at_ms IS NULL THEN EXCLUDED.source ELSE o.source END,
    synced_at = now()";

const TOMBSTONE_MEMBERSHIP: &str = "\
INSERT INTO organization_memberships AS m (instance, id, organization_id, user_id, deleted_at_ms, source, synced_at)
VALUES ($1, $2, $3, $4, $5, $6, now())
ON CONFLICT (instance, id) DO UPDATE SET
    role = NULL, data = NULL, created_at_ms = NULL, updated_at_ms = NULL,
    deleted_at_ms = COALESCE(m.deleted_at_ms, EXCLUDED.deleted_at_ms),
    source = CASE WHEN m.deleted_at_ms IS NULL THEN EXCLUDED.source ELSE m.source END,
    synced_at = now()";

/// The public JSON of an organization (no private metadata).
fn org_data(org: &Organization) -> Result<Value> {
    serde_json::to_value(org).map_err(CacheError::Encode)
}

/// Stores `org` unless the stored row is newer or a tombstone; `pass` marks it seen by a
/// reconciliation pass.
pub(crate) async fn upsert_org(
    conn: &mut PgConnection,
    instance: &InstanceKey,
    org: &Organization,
    source: WriteSource,
    pass: Option<i64>,
) -> Result<UpsertOutcome> {
    let inserted: Option<bool> = sqlx::query_scalar(UPSERT_ORG)
        .bind(instance.as_str())
        .bind(&org.id)
        .bind(org_data(org)?)
        .bind(&org.name)
        .bind(&org.slug)
        .bind(org.created_at)
        .bind(org.updated_at)
        .bind(source.as_str())
        .bind(pass)
        .fetch_optional(&mut *conn)
        .await?;
    Ok(match inserted {
        Some(true) => UpsertOutcome::Inserted,
        Some(false) => UpsertOutcome::Updated,
        None => {
            let deleted: Option<i64> =
                sqlx::query_scalar("SELECT deleted_at_ms FROM organizations WHERE instance = $1 AND id = $2")
                    .bind(instance.as_str())
                    .bind(&org.id)
                    .fetch_one(&mut *conn)
                    .await?;
            if deleted.is_some() {
                UpsertOutcome::Deleted
            } else {
                // Stale: still confirmed by this pass (it listed the organization).
                if let Some(pass) = pass {
                    sqlx::query(
                        "UPDATE organizations SET last_seen_pass = $3 WHERE instance = $1 AND id = $2",
                    )
                    .bind(instance.as_str())
                    .bind(&org.id)
                    .bind(pass)
                    .execute(&mut *conn)
                    .await?;
                }
                UpsertOutcome::Stale
            }
        }
    })
}

/// Marks an organization deleted (purging its data) and tombstones its live memberships.
/// Records a tombstone even for an id never stored.
pub(crate) async fn tombstone_org(
    conn: &mut PgConnection,
    instance: &InstanceKey,
    org_id: &str,
    deleted_at_ms: i64,
    source: WriteSource,
) -> Result<TombstoneOutcome> {
    let before: Option<Option<i64>> = sqlx::query_scalar(
        "SELECT deleted_at_ms FROM organizations WHERE instance = $1 AND id = $2 FOR UPDATE",
    )
    .bind(instance.as_str())
    .bind(org_id)
    .fetch_optional(&mut *conn)
    .await?;
    sqlx::query(TOMBSTONE_ORG)
        .bind(instance.as_str())
        .bind(org_id)
        .bind(deleted_at_ms)
        .bind(source.as_str())
        .execute(&mut *conn)
        .await?;
    sqlx::query(
        "UPDATE organization_memberships SET role = NULL, data = NULL, created_at_ms = NULL, \
         updated_at_ms = NULL, deleted_at_ms = $3, source = $4, synced_at = now() \
         WHERE instance = $1 AND organization_id = $2 AND deleted_at_ms IS NULL",
    )
    .bind(instance.as_str())
    .bind(org_id)
    .bind(deleted_at_ms)
    .bind(source.as_str())
    .execute(&mut *conn)
    .await?;
    Ok(match before {
        None => TombstoneOutcome::Recorded,
        Some(None) => TombstoneOutcome::Deleted,
        Some(Some(_)) => TombstoneOutcome::AlreadyDeleted,
    })
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

/// Stores a membership unless the stored row is newer, a tombstone, or its organization is
/// deleted ([`UpsertOutcome::Deleted`] for both).
pub(crate) async fn upsert_membership(
    conn: &mut PgConnection,
    instance: &InstanceKey,
    membership: &OrganizationMembership,
    source: WriteSource,
    pass: Option<i64>,
) -> Result<UpsertOutcome> {
    let (org_id, user_id) = membership_keys(membership)?;
    let org_deleted: Option<Option<i64>> =
        sqlx::query_scalar("SELECT deleted_at_ms FROM organizations WHERE instance = $1 AND id = $2")
            .bind(instance.as_str())
            .bind(org_id)
            .fetch_optional(&mut *conn)
            .await?;
    if matches!(org_deleted, Some(Some(_))) {
        return Ok(UpsertOutcome::Deleted);
    }
    let data = serde_json::to_value(membership).map_err(CacheError::Encode)?;
    let inserted: Option<bool> = sqlx::query_scalar(UPSERT_MEMBERSHIP)
        .bind(instance.as_str())
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
        .await?;
    Ok(match inserted {
        Some(true) => UpsertOutcome::Inserted,
        Some(false) => UpsertOutcome::Updated,
        None => {
            let deleted: Option<i64> = sqlx::query_scalar(
                "SELECT deleted_at_ms FROM organization_memberships WHERE instance = $1 AND id = $2",
            )
            .bind(instance.as_str())
            .bind(&membership.id)
            .fetch_one(&mut *conn)
            .await?;
            if deleted.is_some() {
                UpsertOutcome::Deleted
            } else {
                if let Some(pass) = pass {
                    sqlx::query(
                        "UPDATE organization_memberships SET last_seen_pass = $3 WHERE instance = $1 AND id = $2",
                    )
                    .bind(instance.as_str())
                    .bind(&membership.id)
                    .bind(pass)
                    .execute(&mut *conn)
                    .await?;
                }
                UpsertOutcome::Stale
            }
        }
    })
}

/// Marks a membership deleted by its id (purging its data). Records a tombstone even for an id
/// never stored, so a late create or update of it is ignored.
pub(crate) async fn tombstone_membership(
    conn: &mut PgConnection,
    instance: &InstanceKey,
    membership_id: &str,
    organization_id: &str,
    user_id: &str,
    deleted_at_ms: i64,
    source: WriteSource,
) -> Result<TombstoneOutcome> {
    let before: Option<Option<i64>> = sqlx::query_scalar(
        "SELECT deleted_at_ms FROM organization_memberships WHERE instance = $1 AND id = $2 FOR UPDATE",
    )
    .bind(instance.as_str())
    .bind(membership_id)
    .fetch_optional(&mut *conn)
    .await?;
    sqlx::query(TOMBSTONE_MEMBERSHIP)
        .bind(instance.as_str())
        .bind(membership_id)
        .bind(organization_id)
        .bind(user_id)
        .bind(deleted_at_ms)
        .bind(source.as_str())
        .execute(&mut *conn)
        .await?;
    Ok(match before {
        None => TombstoneOutcome::Recorded,
        Some(None) => TombstoneOutcome::Deleted,
        Some(Some(_)) => TombstoneOutcome::AlreadyDeleted,
    })
}

/// The stored row of an organization, live or tombstone.
pub(crate) async fn get_org(
    conn: &mut PgConnection,
    instance: &InstanceKey,
    org_id: &str,
) -> Result<Option<CachedOrganization>> {
    let row = sqlx::query(
        "SELECT id, data, deleted_at_ms, \
         greatest(0, extract(epoch FROM (clock_timestamp() - synced_at)) * 1000)::int8 AS age_ms \
         FROM organizations WHERE instance = $1 AND id = $2",
    )
    .bind(instance.as_str())
    .bind(org_id)
    .fetch_optional(&mut *conn)
    .await?;
    let Some(row) = row else {
        return Ok(None);
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
    Ok(Some(CachedOrganization {
        id: row.try_get("id")?,
        organization,
        deleted_at_ms: row.try_get("deleted_at_ms")?,
        age: Duration::from_millis(u64::try_from(age_ms).unwrap_or(0)),
    }))
}

/// The live memberships of an organization, one per user (the newest, should a reordered
/// delivery briefly leave two), oldest first.
pub(crate) async fn members(
    conn: &mut PgConnection,
    instance: &InstanceKey,
    org_id: &str,
) -> Result<Vec<OrganizationMembership>> {
    let rows: Vec<Value> = sqlx::query_scalar(
        "SELECT data FROM (SELECT DISTINCT ON (user_id) data, created_at_ms FROM organization_memberships \
         WHERE instance = $1 AND organization_id = $2 AND deleted_at_ms IS NULL \
         ORDER BY user_id, created_at_ms DESC) newest ORDER BY created_at_ms, data->>'id'",
    )
    .bind(instance.as_str())
    .bind(org_id)
    .fetch_all(&mut *conn)
    .await?;
    Ok(rows
        .into_iter()
        .filter_map(|data| serde_json::from_value(data).ok())
        .collect())
}

/// Live organizations not seen by `pass` and not confirmed since `since_ms`.
pub(crate) async fn unseen_orgs(
    conn: &mut PgConnection,
    instance: &InstanceKey,
    pass: i64,
    since_ms: i64,
) -> Result<Vec<String>> {
    Ok(sqlx::query_scalar(
        "SELECT id FROM organizations WHERE instance = $1 AND deleted_at_ms IS NULL \
         AND last_seen_pass IS DISTINCT FROM $2 AND synced_at < to_timestamp($3 / 1000.0) ORDER BY id",
    )
    .bind(instance.as_str())
    .bind(pass)
    .bind(since_ms)
    .fetch_all(&mut *conn)
    .await?)
}

/// Live memberships not seen by `pass` and not confirmed since `since_ms`: `(id, org, user)`.
pub(crate) async fn unseen_memberships(
    conn: &mut PgConnection,
    instance: &InstanceKey,
    pass: i64,
    since_ms: i64,
) -> Result<Vec<(String, String, String)>> {
    let rows = sqlx::query(
        "SELECT id, organization_id, user_id FROM organization_memberships WHERE instance = $1 \
         AND deleted_at_ms IS NULL AND last_seen_pass IS DISTINCT FROM $2 \
         AND synced_at < to_timestamp($3 / 1000.0) ORDER BY id",
    )
    .bind(instance.as_str())
    .bind(pass)
    .bind(since_ms)
    .fetch_all(&mut *conn)
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
