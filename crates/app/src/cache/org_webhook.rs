//! Applying `organization.*` and `organizationMembership.*` webhook events, inside the
//! transaction [`PgDirectoryCache::apply_event`](super::PgDirectoryCache::apply_event) opened (the
//! delivery is recorded in it, so an event is applied exactly once).

use clerk_core::webhook::{ClerkEvent, EventData};
use sqlx::PgConnection;

use super::apply_outcome::ApplyOutcome;
use super::error::Result;
use super::org_repo::{MembershipRepo, OrgRepo};
use super::repo::{TombstoneOutcome, UpsertOutcome, WriteSource};

/// The outcome of an organization or membership event; `None` for any other event type.
pub(crate) async fn apply(
    conn: &mut PgConnection,
    organizations: &OrgRepo,
    memberships: &MembershipRepo,
    event: &ClerkEvent,
    now_ms: i64,
) -> Result<Option<ApplyOutcome>> {
    let at = if event.timestamp > 0 {
        event.timestamp
    } else {
        now_ms
    };
    let outcome = match &event.data {
        EventData::OrganizationCreated(org) | EventData::OrganizationUpdated(org) => upserted(
            organizations
                .upsert_in(conn, org, WriteSource::Webhook, None)
                .await?,
        ),
        EventData::OrganizationDeleted(deleted) => match deleted.id.as_deref() {
            Some(id) if !id.is_empty() => deleted_outcome(
                organizations
                    .tombstone_in(conn, id, at, WriteSource::Webhook)
                    .await?,
            ),
            _ => ApplyOutcome::Ignored,
        },
        EventData::OrganizationMembershipCreated(membership)
        | EventData::OrganizationMembershipUpdated(membership) => upserted(
            memberships
                .upsert_in(conn, membership, WriteSource::Webhook, None)
                .await?,
        ),
        EventData::OrganizationMembershipDeleted(membership) => {
            match (membership.organization_id(), membership.user_id()) {
                (Some(org_id), Some(user_id)) if !membership.id.is_empty() => deleted_outcome(
                    memberships
                        .tombstone_in(conn, &membership.id, org_id, user_id, at, WriteSource::Webhook)
                        .await?,
                ),
                _ => ApplyOutcome::Ignored,
            }
        }
        _ => return Ok(None),
    };
    Ok(Some(outcome))
}

fn upserted(outcome: UpsertOutcome) -> ApplyOutcome {
    match outcome {
        UpsertOutcome::Inserted | UpsertOutcome::Updated => ApplyOutcome::Upserted,
        UpsertOutcome::Stale => ApplyOutcome::Stale,
        UpsertOutcome::Deleted => ApplyOutcome::IgnoredDeleted,
    }
}

fn deleted_outcome(outcome: TombstoneOutcome) -> ApplyOutcome {
    match outcome {
        TombstoneOutcome::Deleted | TombstoneOutcome::Recorded | TombstoneOutcome::AlreadyDeleted => {
            ApplyOutcome::Deleted
        }
    }
}
