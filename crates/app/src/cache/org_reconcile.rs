//! Reconciliation of organizations and memberships: full passes over `GET /v1/organizations`
//! and the instance-wide `GET /v1/organization_memberships` (not one call per organization),
//! in the reconciliation share of the rate budget.

use std::time::{Duration, Instant};

use clerk_actix::client::organization_memberships::InstanceGetOrganizationMembershipsParams;
use clerk_actix::client::{ApiResult, MembershipListParams, OrganizationListParams};
use clerk_actix::ClerkClient;
use clerk_core::api::{Organization, OrganizationMembership};
use sqlx::PgConnection;
use tracing::Instrument as _;

use super::db_span::db_span;
use super::error::Result;
use super::org_repo::{MembershipRepo, OrgRepo};
use super::reconcile::{newest_per_id, Checked, ReconcileOutcome, Reconciled};
use super::repo::{TombstoneOutcome, UpsertOutcome, WriteSource};
use super::source::PgDirectoryCache;

/// The advisory lock of one instance's organization reconciliation (`$1`: the instance key).
const LOCK_KEY_SQL: &str = "hashtextextended('clerk_actix.reconcile_orgs:' || $1, 0)";

/// What an organization pass did.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct OrgReconcileReport {
    /// How it ended ([`ReconcileOutcome::Incomplete`]: a page failed, nothing was tombstoned).
    pub outcome: ReconcileOutcome,
    /// The pass number (`None` when skipped).
    pub pass_id: Option<i64>,
    /// Pages fetched (organizations and memberships).
    pub pages: u64,
    /// Organizations listed.
    pub organizations_seen: u64,
    /// Memberships listed.
    pub memberships_seen: u64,
    /// Rows inserted or changed (both kinds, listing and confirmations).
    pub upserted: u64,
    /// Organizations marked deleted (with their memberships).
    pub organizations_tombstoned: u64,
    /// Memberships marked deleted.
    pub memberships_tombstoned: u64,
    /// Stored rows the listing did not include that could not be checked this time.
    pub unconfirmed: u64,
    /// How long the pass took.
    pub duration: Duration,
}

impl OrgReconcileReport {
    fn new(outcome: ReconcileOutcome) -> Self {
        Self {
            outcome,
            pass_id: None,
            pages: 0,
            organizations_seen: 0,
            memberships_seen: 0,
            upserted: 0,
            organizations_tombstoned: 0,
            memberships_tombstoned: 0,
            unconfirmed: 0,
            duration: Duration::ZERO,
        }
    }

    /// Whether every page was fetched.
    pub fn is_complete(&self) -> bool {
        self.outcome == ReconcileOutcome::Complete
    }
}

impl PgDirectoryCache {
    /// Runs one organization reconciliation pass, unless another replica is running one.
    ///
    /// 1. Takes this instance's organization-reconciliation advisory lock on a dedicated
    ///    connection ([`ReconcileOutcome::Skipped`] if it is taken).
    /// 2. Lists every organization (`GET /v1/organizations`, `+created_at`) and every
    ///    membership of the instance (`GET /v1/organization_memberships`), pages of
    ///    [`CacheConfig::page_size`](super::CacheConfig::page_size), each call in the
    ///    reconciliation share of the rate budget, and stores each page (monotonic).
    /// 3. Only if every page was fetched: each stored live organization the listing did not
    ///    include is checked (`GET /v1/organizations/{id}`: 404 → tombstone with its
    ///    memberships), and each such membership through its organization's member list
    ///    filtered by user (absent → tombstone of that membership id).
    ///
    /// # Errors
    ///
    /// As [`reconcile`](Self::reconcile): database failures; a Backend API failure makes the
    /// report [`ReconcileOutcome::Incomplete`] instead.
    pub async fn reconcile_organizations(&self) -> Result<OrgReconcileReport> {
        let started = Instant::now();
        let span = tracing::info_span!("reconciliation pass", clerk.reconcile.resource = "organizations");
        let pass = async |conn: &mut PgConnection| self.org_pass(conn).await;
        let Some(mut report) = self
            .exclusively(LOCK_KEY_SQL, "organization reconciliation", pass)
            .instrument(span)
            .await?
        else {
            return Ok(OrgReconcileReport::new(ReconcileOutcome::Skipped));
        };
        report.duration = started.elapsed();
        tracing::info!(
            pass_id = report.pass_id,
            complete = report.is_complete(),
            pages = report.pages,
            organizations_seen = report.organizations_seen,
            memberships_seen = report.memberships_seen,
            upserted = report.upserted,
            organizations_tombstoned = report.organizations_tombstoned,
            memberships_tombstoned = report.memberships_tombstoned,
            unconfirmed = report.unconfirmed,
            duration_ms = report.duration.as_millis() as u64,
            "organization reconciliation pass finished"
        );
        Ok(report)
    }

    async fn org_pass(&self, conn: &mut PgConnection) -> Result<OrgReconcileReport> {
        let (pass, since_ms): (i64, i64) = self
            .db
            .timed(async {
                Ok(sqlx::query_as(
                    "SELECT nextval('reconcile_pass_seq'), (extract(epoch FROM clock_timestamp()) * 1000)::int8",
                )
                .fetch_one(&mut *conn)
                .instrument(db_span("SELECT reconcile_pass_seq"))
                .await?)
            })
            .await?;
        let mut report = OrgReconcileReport::new(ReconcileOutcome::Complete);
        report.pass_id = Some(pass);

        let mut failure = self
            .list_all(&self.organizations, conn, pass, async |_, fetched, upserted| {
                report.pages += 1;
                report.organizations_seen += fetched;
                report.upserted += upserted;
                Ok(())
            })
            .await?;
        if failure.is_none() {
            failure = self
                .list_all(&self.memberships, conn, pass, async |_, fetched, upserted| {
                    report.pages += 1;
                    report.memberships_seen += fetched;
                    report.upserted += upserted;
                    Ok(())
                })
                .await?;
        }
        if let Some(failure) = failure {
            let reason = failure.reason();
            tracing::warn!(pass_id = pass, %reason, "organization reconciliation: a page failed; nothing will be tombstoned");
            report.outcome = ReconcileOutcome::Incomplete { reason };
            return Ok(report);
        }

        let unseen = self
            .db
            .timed(self.organizations.unseen_in(conn, pass, since_ms))
            .await?;
        self.confirm_each(&self.organizations, conn, pass, &unseen, |org_id, checked| match checked {
            Checked::Stored(outcome) => report.upserted += u64::from(outcome.written()),
            Checked::Tombstoned(outcome) => {
                report.organizations_tombstoned += u64::from(outcome == TombstoneOutcome::Deleted)
            }
            Checked::Unconfirmed(err) => {
                report.unconfirmed += 1;
                tracing::warn!(pass_id = pass, org_id = org_id.as_str(), error.message = %err, "organization reconciliation: could not confirm an organization");
            }
        })
        .await?;

        let unseen = self
            .db
            .timed(self.memberships.unseen_in(conn, pass, since_ms))
            .await?;
        self.confirm_each(&self.memberships, conn, pass, &unseen, |(membership_id, _, _), checked| match checked {
            Checked::Stored(outcome) => report.upserted += u64::from(outcome.written()),
            Checked::Tombstoned(outcome) => {
                report.memberships_tombstoned += u64::from(outcome == TombstoneOutcome::Deleted)
            }
            Checked::Unconfirmed(err) => {
                report.unconfirmed += 1;
                tracing::warn!(pass_id = pass, membership_id = membership_id.as_str(), error.message = %err, "organization reconciliation: could not confirm a membership");
            }
        })
        .await?;
        Ok(report)
    }
}

/// Organizations: `GET /v1/organizations` by `+created_at`, a page stored in one statement
/// (deduplicated: ids unique within it); an unseen organization is checked with
/// `GET /v1/organizations/{id}` (gone: tombstoned with its memberships).
impl Reconciled for OrgRepo {
    type Item = Organization;
    type Unseen = String;
    const LISTING: &'static str = "GET /v1/organizations";

    async fn list(api: ClerkClient, offset: u32, limit: u32) -> ApiResult<Vec<Organization>> {
        let params = OrganizationListParams {
            limit: Some(limit),
            offset: Some(offset),
            order_by: Some("+created_at".to_owned()),
            ..Default::default()
        };
        Ok(api.organizations().list(&params).await?.data)
    }

    async fn store_page(&self, conn: &mut PgConnection, page: Vec<Organization>, pass: i64) -> Result<u64> {
        let page = newest_per_id(page, |org| (org.id.as_str(), org.updated_at));
        self.upsert_page_in(conn, &page, pass).await
    }

    async fn confirm(api: ClerkClient, org_id: &String) -> ApiResult<Option<Organization>> {
        api.organizations()
            .get(org_id, &Default::default())
            .await
            .map(Some)
    }

    async fn store(&self, conn: &mut PgConnection, org: &Organization, pass: i64) -> Result<UpsertOutcome> {
        self.upsert_in(conn, org, WriteSource::Reconcile, Some(pass))
            .await
    }

    async fn tombstone(
        &self,
        conn: &mut PgConnection,
        org_id: &String,
        at_ms: i64,
    ) -> Result<TombstoneOutcome> {
        self.tombstone_in(conn, org_id, at_ms, WriteSource::Reconcile)
            .await
    }
}

/// Memberships: the instance-wide `GET /v1/organization_memberships` by `+created_at` (not one
/// listing per organization), a page stored in one statement (deduplicated); an unseen membership `(id, organization, user)` is checked
/// through its organization's member list filtered by user (absent: that membership id is
/// tombstoned).
impl Reconciled for MembershipRepo {
    type Item = OrganizationMembership;
    type Unseen = (String, String, String);
    const LISTING: &'static str = "GET /v1/organization_memberships";

    async fn list(api: ClerkClient, offset: u32, limit: u32) -> ApiResult<Vec<OrganizationMembership>> {
        let params = InstanceGetOrganizationMembershipsParams {
            limit: Some(i64::from(limit)),
            offset: Some(i64::from(offset)),
            order_by: Some("+created_at".to_owned()),
        };
        Ok(api
            .organization_memberships()
            .list_for_instance(&params)
            .await?
            .data)
    }

    async fn store_page(
        &self,
        conn: &mut PgConnection,
        page: Vec<OrganizationMembership>,
        pass: i64,
    ) -> Result<u64> {
        let page = newest_per_id(page, |membership| (membership.id.as_str(), membership.updated_at));
        self.upsert_page_in(conn, &page, pass).await
    }

    async fn confirm(
        api: ClerkClient,
        (membership_id, org_id, user_id): &(String, String, String),
    ) -> ApiResult<Option<OrganizationMembership>> {
        let params = MembershipListParams {
            user_id: vec![user_id.clone()],
            ..Default::default()
        };
        let page = api.organization_memberships().list(org_id, &params).await?;
        Ok(page.data.into_iter().find(|m| &m.id == membership_id))
    }

    async fn store(
        &self,
        conn: &mut PgConnection,
        membership: &OrganizationMembership,
        pass: i64,
    ) -> Result<UpsertOutcome> {
        self.upsert_in(conn, membership, WriteSource::Reconcile, Some(pass))
            .await
    }

    async fn tombstone(
        &self,
        conn: &mut PgConnection,
        (membership_id, org_id, user_id): &(String, String, String),
        at_ms: i64,
    ) -> Result<TombstoneOutcome> {
        self.tombstone_in(
            conn,
            membership_id,
            org_id,
            user_id,
            at_ms,
            WriteSource::Reconcile,
        )
        .await
    }
}
