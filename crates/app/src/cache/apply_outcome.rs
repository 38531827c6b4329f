//! [`ApplyOutcome`]: what applying a webhook event did.

/// What [`PgDirectoryCache::apply_event`](super::PgDirectoryCache::apply_event) did. Every outcome is a success: answer Svix 2xx.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum ApplyOutcome {
    /// `user.created` / `user.updated` (or an organization or membership created or updated):
    /// the object was stored (new, newer or same version).
    Upserted,
    /// `user.created` / `user.updated` older than the stored row: ignored.
    Stale,
    /// `user.created` / `user.updated` of a deleted user: ignored (a late event never brings
    /// a user back).
    IgnoredDeleted,
    /// `user.deleted` (or `organization.deleted`, `organizationMembership.deleted`): the
    /// object is now a tombstone (its data purged).
    Deleted,
    /// Another event type (or a `user.deleted` without an id): recorded, nothing changed.
    Ignored,
    /// This `svix-id` was applied before: nothing changed.
    Duplicate,
}

impl ApplyOutcome {
    /// A short name for logs and metrics: `upserted`, `stale`, `ignored_deleted`, `deleted`,
    /// `ignored`, `duplicate`.
    pub fn as_str(self) -> &'static str {
        match self {
            ApplyOutcome::Upserted => "upserted",
            ApplyOutcome::Stale => "stale",
            ApplyOutcome::IgnoredDeleted => "ignored_deleted",
            ApplyOutcome::Deleted => "deleted",
            ApplyOutcome::Ignored => "ignored",
            ApplyOutcome::Duplicate => "duplicate",
        }
    }
}
