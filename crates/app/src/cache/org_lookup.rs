//! [`OrgLookup`], what an organization lookup answers, and the single-flight table of
//! organization lookups.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use clerk_actix::user_source::UserSourceError;
use clerk_core::api::{Organization, OrganizationMembership};
use tokio::sync::OnceCell;

use super::freshness::Freshness;

/// An organization found by [`PgUserCache::lookup_organization`](super::PgUserCache::lookup_organization), with its members.
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

pub(crate) type Flight = Arc<OnceCell<Result<OrgLookup, UserSourceError>>>;

/// The organizations being fetched, by id: one Backend API call per organization across all
/// concurrent callers of a replica.
#[derive(Default)]
pub(crate) struct OrgFlights(Mutex<HashMap<String, Flight>>);

impl OrgFlights {
    pub(crate) fn join(&self, org_id: &str) -> Flight {
        let mut flights = self.0.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        Arc::clone(flights.entry(org_id.to_owned()).or_default())
    }

    pub(crate) fn leave(&self, org_id: &str, flight: &Flight) {
        let mut flights = self.0.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        if flights
            .get(org_id)
            .is_some_and(|current| Arc::ptr_eq(current, flight))
        {
            flights.remove(org_id);
        }
    }
}
