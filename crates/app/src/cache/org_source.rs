//! Read-through of organizations: [`PgDirectoryCache::lookup_organization`], with its members.

use std::sync::Arc;

use clerk_actix::client::{ApiError, MembershipListParams};
use clerk_core::api::{Organization, OrganizationMembership};
use futures_util::TryStreamExt as _;

use super::error::{CacheError, Result};
use super::freshness::Freshness;
use super::org_lookup::{OrgLookup, OrgLookupError};
use super::org_repo::CachedOrganization;
use super::repo::{UpsertOutcome, WriteSource};
use super::source::{now_ms, PgDirectoryCache};
use super::stats::bump;

/// Page size of the member listing of a read-through (Clerk's maximum).
const MEMBERS_PAGE: u32 = 500;

impl PgDirectoryCache {
    /// Loads an organization and its members: the in-process tier (see
    /// [`MemoryTier`](super::MemoryTier)), else a row confirmed within
    /// [`CacheConfig::ttl`](super::CacheConfig::ttl) from Postgres, else
    /// `GET /v1/organizations/{id}` and its member listing (one flight per organization across
    /// concurrent callers, in the read-through share of the rate budget), stored; else a stale
    /// row within [`CacheConfig::max_stale`](super::CacheConfig::max_stale).
    ///
    /// # Errors
    ///
    /// [`OrgLookupError::NotFound`] when Clerk has no such organization (404: tombstoned) or
    /// it is deleted (tombstone, no API call); [`OrgLookupError::Unavailable`] when the
    /// database cannot be reached, or Clerk cannot and no usable stale row exists.
    pub async fn lookup_organization(&self, org_id: &str) -> Result<OrgLookup, OrgLookupError> {
        if org_id.is_empty() {
            return Err(OrgLookupError::NotFound);
        }
        if let Some(found) = self.memory.get_org(org_id) {
            return Ok(OrgLookup {
                freshness: Freshness::Fresh,
                ..found
            });
        }
        let epoch = self.memory.epoch();
        let found = self.lookup_organization_below_memory(org_id).await;
        if let Ok(
            found @ OrgLookup {
                freshness: Freshness::Fresh | Freshness::Refreshed,
                ..
            },
        ) = &found
        {
            self.memory.insert_org(org_id, found.clone(), epoch);
        }
        found
    }

    async fn lookup_organization_below_memory(&self, org_id: &str) -> Result<OrgLookup, OrgLookupError> {
        let row = self.read_org(org_id).await?;
        if let Some(answer) = self.org_from_row(org_id, row).await {
            return answer;
        }
        bump(&self.stats.misses);
        let (answer, led) = self.org_flights.run(org_id, || self.refresh_org(org_id)).await;
        if !led {
            bump(&self.stats.coalesced);
        }
        answer
    }

    /// The stored row, `None` when there is none.
    async fn read_org(&self, org_id: &str) -> Result<Option<CachedOrganization>, OrgLookupError> {
        match self.organizations.get(org_id).await {
            Ok(row) => Ok(Some(row)),
            Err(CacheError::NotFound) => Ok(None),
            Err(err) => Err(self.db_failed(org_id, err)),
        }
    }

    async fn read_members(&self, org_id: &str) -> Result<Arc<Vec<OrganizationMembership>>, OrgLookupError> {
        self.memberships
            .members(org_id)
            .await
            .map(Arc::new)
            .map_err(|err| self.db_failed(org_id, err))
    }

    fn db_failed(&self, org_id: &str, err: CacheError) -> OrgLookupError {
        bump(&self.stats.db_errors);
        bump(&self.stats.unavailable);
        tracing::warn!(org_id, error.message = %err, error.cause_chain = ?err, "organization cache: database read failed");
        OrgLookupError::unavailable(err)
    }

    /// A tombstone or a fresh row answers without Clerk.
    async fn org_from_row(
        &self,
        org_id: &str,
        row: Option<CachedOrganization>,
    ) -> Option<Result<OrgLookup, OrgLookupError>> {
        let row = row?;
        if row.is_deleted() {
            bump(&self.stats.tombstone_hits);
            bump(&self.stats.not_found);
            return Some(Err(OrgLookupError::NotFound));
        }
        let organization = row.organization.filter(|_| row.age < self.config.ttl)?;
        bump(&self.stats.hits);
        Some(self.read_members(org_id).await.map(|members| OrgLookup {
            organization,
            members,
            freshness: Freshness::Fresh,
            public_json: Arc::default(),
        }))
    }

    async fn refresh_org(&self, org_id: &str) -> Result<OrgLookup, OrgLookupError> {
        let row = self.read_org(org_id).await?;
        let stale = row
            .as_ref()
            .and_then(|row| row.organization.clone().map(|org| (org, row.age)));
        let live_row = row.as_ref().is_some_and(|row| !row.is_deleted());
        if let Some(answer) = self.org_from_row(org_id, row).await {
            return answer;
        }
        let fetched = async {
            let org = self
                .read_through
                .organizations()
                .get(org_id, &Default::default())
                .await?;
            let params = MembershipListParams {
                limit: Some(MEMBERS_PAGE),
                order_by: Some("+created_at".to_owned()),
                ..Default::default()
            };
            let members: Vec<OrganizationMembership> = self
                .read_through
                .organization_memberships()
                .list_stream(&org.id, &params)
                .try_collect()
                .await?;
            Ok::<_, ApiError>((org, members))
        };
        match fetched.await {
            Ok((org, members)) => {
                bump(&self.stats.api_ok);
                self.store_org(org_id, org, members).await
            }
            Err(err) if err.is_not_found() => {
                bump(&self.stats.api_not_found);
                bump(&self.stats.not_found);
                if live_row {
                    // Clerk never reuses ids: a 404 for a stored organization means it was
                    // deleted and the webhook was missed.
                    let tombstoned = self
                        .organizations
                        .tombstone(org_id, now_ms(), WriteSource::Api)
                        .await;
                    if let Err(err) = tombstoned {
                        tracing::warn!(org_id, error.message = %err, "organization cache: tombstone after 404 failed");
                    }
                }
                Err(OrgLookupError::NotFound)
            }
            Err(ApiError::InvalidArgument(_)) => {
                bump(&self.stats.not_found);
                Err(OrgLookupError::NotFound)
            }
            Err(err) => {
                self.count_api_error(&err);
                match stale {
                    Some((organization, age)) if age <= self.config.max_stale => {
                        bump(&self.stats.stale_serves);
                        tracing::warn!(org_id, age_secs = age.as_secs(), reason = %err, "organization cache: Clerk unreachable, serving a stale organization");
                        let members = self.read_members(org_id).await?;
                        Ok(OrgLookup {
                            organization,
                            members,
                            freshness: Freshness::Stale { age },
                            public_json: Arc::default(),
                        })
                    }
                    _ => {
                        bump(&self.stats.unavailable);
                        tracing::warn!(org_id, reason = %err, "organization cache: Clerk unreachable and no usable cached copy");
                        Err(OrgLookupError::unavailable(err))
                    }
                }
            }
        }
    }

    /// Stores what the API returned and serves what the table then holds (a newer copy a
    /// webhook stored meanwhile wins).
    async fn store_org(
        &self,
        org_id: &str,
        org: Organization,
        members: Vec<OrganizationMembership>,
    ) -> Result<OrgLookup, OrgLookupError> {
        let stored = self
            .db
            .write(async |tx| {
                let outcome = self
                    .organizations
                    .upsert_in(tx, &org, WriteSource::Api, None)
                    .await?;
                if outcome != UpsertOutcome::Deleted {
                    for membership in &members {
                        self.memberships
                            .upsert_in(tx, membership, WriteSource::Api, None)
                            .await?;
                    }
                }
                Ok(outcome)
            })
            .await;
        match stored {
            Ok(UpsertOutcome::Deleted) => {
                bump(&self.stats.tombstone_hits);
                bump(&self.stats.not_found);
                Err(OrgLookupError::NotFound)
            }
            Ok(_) => {
                bump(&self.stats.refreshed);
                let row = self.read_org(org_id).await?;
                let organization = row
                    .and_then(|row| row.organization)
                    .unwrap_or_else(|| Arc::new(org));
                Ok(OrgLookup {
                    organization,
                    members: self.read_members(org_id).await?,
                    freshness: Freshness::Refreshed,
                    public_json: Arc::default(),
                })
            }
            Err(err) => {
                // Fresh from Clerk; failing to keep it is no reason to fail the request.
                bump(&self.stats.db_errors);
                tracing::warn!(org_id, error.message = %err, "organization cache: storing the organization failed");
                Ok(OrgLookup {
                    organization: Arc::new(org),
                    members: Arc::new(members),
                    freshness: Freshness::Refreshed,
                    public_json: Arc::default(),
                })
            }
        }
    }
}
