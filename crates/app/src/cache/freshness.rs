//! [`Freshness`]: where a cached answer came from.

use std::time::Duration;

/// How fresh a [`Lookup`](super::Lookup) or an [`OrgLookup`](super::OrgLookup) is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Freshness {
    /// Served from a row confirmed within the TTL.
    Fresh,
    /// Fetched from the Backend API just now (by this caller or one it waited for).
    Refreshed,
    /// Clerk could not be reached: a row this old (since it was last confirmed) was served.
    /// Logged and counted here; the app's routes answer it with `x-user-cache: stale`
    /// ([`CachedCurrentUser::mark`](crate::current_user::CachedCurrentUser::mark)).
    Stale {
        /// Time since the row was last confirmed.
        age: Duration,
    },
}
