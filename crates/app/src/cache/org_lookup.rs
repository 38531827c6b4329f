//! [`OrgLookup`], what an organization lookup answers, and [`OrgLookupError`], why it did not.

use std::error::Error as StdError;
use std::fmt;
use std::sync::Arc;

use clerk_core::api::{Organization, OrganizationMembership};

use super::error::CacheError;
use super::freshness::Freshness;

/// An organization found by [`PgDirectoryCache::lookup_organization`](super::PgDirectoryCache::lookup_organization), with its members.
#[derive(Debug, Clone)]
pub struct OrgLookup {
    /// The organization (public form: the cache never holds private metadata).
    pub organization: Arc<Organization>,
    /// Its members, oldest first, one per user (public form).
    pub members: Arc<Vec<OrganizationMembership>>,
    /// Where it came from.
    pub freshness: Freshness,
    /// The organization's public JSON (what `GET /api/org` answers), built once by the first
    /// reader of this cached value and shared by every clone of it: a change in the cache makes
    /// a new value, so it is never stale.
    pub public_json: Arc<std::sync::OnceLock<actix_web::web::Bytes>>,
}

/// Why an organization could not be loaded by
/// [`PgDirectoryCache::lookup_organization`](super::PgDirectoryCache::lookup_organization).
///
/// Cheap to clone (the cause is shared), so one answer serves every waiter of a coalesced
/// lookup.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub enum OrgLookupError {
    /// No such organization (deleted, or never existed).
    NotFound,
    /// Neither the database nor Clerk can answer now (with no usable stale row); retry later.
    /// The cause ([`CacheError::Api`] for Clerk) is the error's [`source`](StdError::source),
    /// for logs; it never reaches a response.
    Unavailable(Arc<CacheError>),
}

impl OrgLookupError {
    pub(crate) fn unavailable(cause: impl Into<CacheError>) -> Self {
        OrgLookupError::Unavailable(Arc::new(cause.into()))
    }
}

impl fmt::Display for OrgLookupError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            OrgLookupError::NotFound => f.write_str("organization not found"),
            OrgLookupError::Unavailable(_) => f.write_str("organization cache unavailable"),
        }
    }
}

// By hand, as `UserSourceError`: the cause itself is the source, not the `Arc`'s source.
impl StdError for OrgLookupError {
    fn source(&self) -> Option<&(dyn StdError + 'static)> {
        match self {
            OrgLookupError::NotFound => None,
            OrgLookupError::Unavailable(cause) => Some(&**cause),
        }
    }
}

#[cfg(test)]
mod tests {
    use std::error::Error as _;

    use super::*;

    // Issue 25, item 7: an organization lookup has an error of its own, with its cause in the
    // chain (for logs) and nothing of it in the message.
    #[test]
    fn an_unavailable_organization_keeps_its_cause_in_the_chain() {
        assert_eq!(OrgLookupError::NotFound.to_string(), "organization not found");
        assert!(OrgLookupError::NotFound.source().is_none());
        let err = OrgLookupError::unavailable(CacheError::TimedOut(std::time::Duration::from_secs(2)));
        assert_eq!(err.to_string(), "organization cache unavailable");
        let cause = err.source().expect("a cause");
        assert!(cause.is::<CacheError>(), "{cause:?}");
        assert_eq!(cause.to_string(), "the database did not answer within 2s");
    }
}
