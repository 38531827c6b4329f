//! Applying Clerk webhook events.

use clerk_core::webhook::{ClerkEvent, EventData};
use sqlx::PgConnection;
use tracing::Instrument as _;

use super::apply_outcome::ApplyOutcome;
use super::db_span::db_span;
use super::error::{CacheError, Result};
use super::instance::InstanceKey;
use super::org_webhook;
use super::repo::{TombstoneOutcome, UpsertOutcome, WriteSource};
use super::source::{now_ms, PgDirectoryCache};

impl PgDirectoryCache {
    /// Applies a verified Clerk webhook event, exactly once per `svix_id`.
    ///
    /// The delivery id is recorded in the same transaction as the change: when this returns
    /// `Err`, nothing was recorded and Svix's retry (answer 5xx) will apply the event.
    ///
    /// - `user.created` / `user.updated`: stored unless the stored row is newer (by
    ///   `updated_at`; ties replace) or deleted.
    /// - `user.deleted`: tombstone at the event's `timestamp`; personal data purged. Recorded
    ///   even for an id never stored, so a late create/update is ignored.
    /// - `organization.created` / `organization.updated` and
    ///   `organizationMembership.created` / `.updated`: stored by the same rules (a membership
    ///   of a deleted organization is [`ApplyOutcome::IgnoredDeleted`]).
    /// - `organization.deleted`: tombstone of the organization and of its memberships;
    ///   `organizationMembership.deleted`: tombstone of that membership id (the member can be
    ///   added again: that is a new membership).
    /// - anything else: [`ApplyOutcome::Ignored`] (still recorded).
    ///
    /// # Errors
    ///
    /// [`CacheError::Unavailable`] / [`CacheError::TimedOut`] when the database cannot be
    /// reached in time; [`CacheError::Database`] for another database failure;
    /// [`CacheError::InvalidData`] for an empty `svix_id`.
    pub async fn apply_event(&self, svix_id: &str, event: &ClerkEvent) -> Result<ApplyOutcome> {
        if svix_id.trim().is_empty() {
            return Err(CacheError::InvalidData("the svix-id is empty".to_owned()));
        }
        let result = self
            .db
            .timed(async {
                let mut tx = self.db.pool().begin().await?;
                if !record_delivery(&mut tx, self.db.instance(), svix_id, &event.event_type).await? {
                    tx.rollback().await?;
                    return Ok(ApplyOutcome::Duplicate);
                }
                let outcome = match &event.data {
                    EventData::UserCreated(user) | EventData::UserUpdated(user) => {
                        match self.users.upsert_in(&mut tx, user, WriteSource::Webhook).await? {
                            UpsertOutcome::Inserted | UpsertOutcome::Updated => ApplyOutcome::Upserted,
                            UpsertOutcome::Stale => ApplyOutcome::Stale,
                            UpsertOutcome::Deleted => ApplyOutcome::IgnoredDeleted,
                        }
                    }
                    EventData::UserDeleted(deleted) => match deleted.id.as_deref() {
                        Some(id) if !id.is_empty() => {
                            let at = if event.timestamp > 0 {
                                event.timestamp
                            } else {
                                now_ms()
                            };
                            match self
                                .users
                                .tombstone_in(&mut tx, id, at, WriteSource::Webhook)
                                .await?
                            {
                                TombstoneOutcome::Deleted
                                | TombstoneOutcome::Recorded
                                | TombstoneOutcome::AlreadyDeleted => ApplyOutcome::Deleted,
                            }
                        }
                        _ => ApplyOutcome::Ignored,
                    },
                    _ => org_webhook::apply(&mut tx, &self.organizations, &self.memberships, event, now_ms())
                        .await?
                        .unwrap_or(ApplyOutcome::Ignored),
                };
                tx.commit().await?;
                Ok(outcome)
            })
            .await;
        match &result {
            Ok(outcome) => {
                self.stats.webhook(&event.event_type, outcome.as_str());
                // This replica drops its copy at once; the others hear it from Postgres.
                match &event.data {
                    EventData::UserCreated(user) | EventData::UserUpdated(user) => {
                        self.memory.invalidate(&user.id)
                    }
                    EventData::UserDeleted(deleted) => {
                        if let Some(id) = deleted.id.as_deref() {
                            self.memory.invalidate(id);
                        }
                    }
                    EventData::OrganizationCreated(org) | EventData::OrganizationUpdated(org) => {
                        self.memory.invalidate_org(&org.id)
                    }
                    EventData::OrganizationDeleted(deleted) => {
                        if let Some(id) = deleted.id.as_deref() {
                            self.memory.invalidate_org(id);
                        }
                    }
                    EventData::OrganizationMembershipCreated(membership)
                    | EventData::OrganizationMembershipUpdated(membership)
                    | EventData::OrganizationMembershipDeleted(membership) => {
                        if let Some(id) = membership.organization_id() {
                            self.memory.invalidate_org(id);
                        }
                    }
                    _ => {}
                }
                if *outcome == ApplyOutcome::Upserted {
                    if let Some(user) = event.user() {
                        self.negative.remove(&user.id);
                    }
                }
                tracing::debug!(
                    svix_id,
                    event_type = %event.event_type,
                    outcome = outcome.as_str(),
                    "webhook applied"
                );
            }
            Err(err) => {
                self.stats.webhook(&event.event_type, "error");
                tracing::warn!(
                    svix_id,
                    event_type = %event.event_type,
                    error.message = %err,
                    error.cause_chain = ?err,
                    "webhook not applied; Svix will retry"
                );
            }
        }
        result
    }
}

/// Records a webhook delivery; `false` when it was already recorded. Call inside the
/// transaction of the change it guards, so a failed change leaves the delivery unrecorded.
async fn record_delivery(
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
    .instrument(db_span("INSERT webhook_deliveries"))
    .await?;
    Ok(done.rows_affected() == 1)
}
