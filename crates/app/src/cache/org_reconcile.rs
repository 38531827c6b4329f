//! Reconciliation of organizations and memberships: full passes over `GET /v1/organizations`
//! and the instance-wide `GET /v1/organization_memberships` (not one call per organization),
//! in the reconciliation share of the rate budget.

use std::time::{Duration, Instant};

use clerk_actix::client::{MembershipListParams, OrganizationListParams};
use sqlx::{Connection as _, PgConnection};

use super::error::Result;
use super::org_repo;
use super::reconcile::ReconcileOutcome;
use super::repo::{TombstoneOutcome, WriteSource};
use super::source::{now_ms, PgDirectoryCache};

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
        let mut conn = self
            .repo
            .timed(async { Ok(self.repo.pool().acquire().await?.detach()) })
            .await?;
        let locked: bool = self
            .repo
            .timed(async {
                Ok(
                    sqlx::query_scalar(&format!("SELECT pg_try_advisory_lock({LOCK_KEY_SQL})"))
                        .bind(self.repo.instance().as_str())
                        .fetch_one(&mut conn)
                        .await?,
                )
            })
            .await?;
        if !locked {
            tracing::info!("organization reconciliation skipped: another replica holds the lock");
            let _ = conn.close().await;
            return Ok(OrgReconcileReport::new(ReconcileOutcome::Skipped));
        }
        let result = self.org_pass(&mut conn).await;
        let _ = sqlx::query(&format!("SELECT pg_advisory_unlock({LOCK_KEY_SQL})"))
            .bind(self.repo.instance().as_str())
            .execute(&mut conn)
            .await;
        let _ = conn.close().await;
        let mut report = result?;
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
        let instance = self.repo.instance();
        let (pass, since_ms): (i64, i64) = self
            .repo
            .timed(async {
                Ok(sqlx::query_as(
                    "SELECT nextval('reconcile_pass_seq'), (extract(epoch FROM clock_timestamp()) * 1000)::int8",
                )
                .fetch_one(&mut *conn)
                .await?)
            })
            .await?;
        let mut report = OrgReconcileReport::new(ReconcileOutcome::Complete);
        report.pass_id = Some(pass);
        let page_size = self.config.page_size.clamp(1, 500);

        let mut failure = None;
        let mut offset = 0u32;
        loop {
            let params = OrganizationListParams {
                limit: Some(page_size),
                offset: Some(offset),
                order_by: Some("+created_at".to_owned()),
                ..Default::default()
            };
            let params = &params;
            let page = match self
                .call_api(|api| async move { api.list_organizations(params).await })
                .await
            {
                Ok(page) => page.data,
                Err(err) => {
                    failure = Some(format!("GET /v1/organizations at offset {offset}: {err}"));
                    break;
                }
            };
            let upserted = self
                .repo
                .timed(async {
                    let mut tx = conn.begin().await?;
                    let mut upserted = 0;
                    for org in &page {
                        let outcome =
                            org_repo::upsert_org(&mut tx, instance, org, WriteSource::Reconcile, Some(pass))
                                .await?;
                        upserted += u64::from(outcome.written());
                    }
                    tx.commit().await?;
                    Ok(upserted)
                })
                .await?;
            report.pages += 1;
            report.organizations_seen += page.len() as u64;
            report.upserted += upserted;
            offset = offset.saturating_add(u32::try_from(page.len()).unwrap_or(u32::MAX));
            if page.len() < page_size as usize {
                break;
            }
        }
        offset = 0;
        while failure.is_none() {
            let params = MembershipListParams {
                limit: Some(page_size),
                offset: Some(offset),
                order_by: Some("+created_at".to_owned()),
                ..Default::default()
            };
            let params = &params;
            let page = match self
                .call_api(|api| async move { api.list_instance_organization_memberships(params).await })
                .await
            {
                Ok(page) => page.data,
                Err(err) => {
                    failure = Some(format!(
                        "GET /v1/organization_memberships at offset {offset}: {err}"
                    ));
                    break;
                }
            };
            let upserted = self
                .repo
                .timed(async {
                    let mut tx = conn.begin().await?;
                    let mut upserted = 0;
                    for membership in &page {
                        let outcome = org_repo::upsert_membership(
                            &mut tx,
                            instance,
                            membership,
                            WriteSource::Reconcile,
                            Some(pass),
                        )
                        .await?;
                        upserted += u64::from(outcome.written());
                    }
                    tx.commit().await?;
                    Ok(upserted)
                })
                .await?;
            report.pages += 1;
            report.memberships_seen += page.len() as u64;
            report.upserted += upserted;
            offset = offset.saturating_add(u32::try_from(page.len()).unwrap_or(u32::MAX));
            if page.len() < page_size as usize {
                break;
            }
        }
        if let Some(reason) = failure {
            tracing::warn!(pass_id = pass, %reason, "organization reconciliation: a page failed; nothing will be tombstoned");
            report.outcome = ReconcileOutcome::Incomplete { reason };
            return Ok(report);
        }
        self.confirm_unseen_orgs(conn, pass, since_ms, &mut report)
            .await?;
        self.confirm_unseen_memberships(conn, pass, since_ms, &mut report)
            .await?;
        Ok(report)
    }

    async fn confirm_unseen_orgs(
        &self,
        conn: &mut PgConnection,
        pass: i64,
        since_ms: i64,
        report: &mut OrgReconcileReport,
    ) -> Result<()> {
        let instance = self.repo.instance();
        let candidates = self
            .repo
            .timed(org_repo::unseen_orgs(conn, instance, pass, since_ms))
            .await?;
        for org_id in &candidates {
            let id = org_id.as_str();
            match self
                .call_api(|api| async move { api.get_organization(id).await })
                .await
            {
                Ok(org) => {
                    let outcome = self
                        .repo
                        .timed(org_repo::upsert_org(
                            conn,
                            instance,
                            &org,
                            WriteSource::Reconcile,
                            Some(pass),
                        ))
                        .await?;
                    report.upserted += u64::from(outcome.written());
                }
                Err(err) if err.is_not_found() => {
                    let outcome = self
                        .repo
                        .timed(async {
                            let mut tx = conn.begin().await?;
                            let outcome = org_repo::tombstone_org(
                                &mut tx,
                                instance,
                                id,
                                now_ms(),
                                WriteSource::Reconcile,
                            )
                            .await?;
                            tx.commit().await?;
                            Ok(outcome)
                        })
                        .await?;
                    if outcome == TombstoneOutcome::Deleted {
                        report.organizations_tombstoned += 1;
                    }
                }
                Err(err) => {
                    report.unconfirmed += 1;
                    tracing::warn!(pass_id = pass, org_id = id, error.message = %err, "organization reconciliation: could not confirm an organization");
                }
            }
        }
        Ok(())
    }

    async fn confirm_unseen_memberships(
        &self,
        conn: &mut PgConnection,
        pass: i64,
        since_ms: i64,
        report: &mut OrgReconcileReport,
    ) -> Result<()> {
        let instance = self.repo.instance();
        let candidates = self
            .repo
            .timed(org_repo::unseen_memberships(conn, instance, pass, since_ms))
            .await?;
        for (membership_id, org_id, user_id) in &candidates {
            let params = MembershipListParams {
                user_id: vec![user_id.clone()],
                ..Default::default()
            };
            let (org, params) = (org_id.as_str(), &params);
            let listed = match self
                .call_api(|api| async move { api.list_organization_memberships(org, params).await })
                .await
            {
                Ok(page) => page.data.into_iter().find(|m| &m.id == membership_id),
                Err(err) if err.is_not_found() => None,
                Err(err) => {
                    report.unconfirmed += 1;
                    tracing::warn!(pass_id = pass, membership_id, error.message = %err, "organization reconciliation: could not confirm a membership");
                    continue;
                }
            };
            match listed {
                Some(membership) => {
                    let outcome = self
                        .repo
                        .timed(async {
                            let mut tx = conn.begin().await?;
                            let outcome = org_repo::upsert_membership(
                                &mut tx,
                                instance,
                                &membership,
                                WriteSource::Reconcile,
                                Some(pass),
                            )
                            .await?;
                            tx.commit().await?;
                            Ok(outcome)
                        })
                        .await?;
                    report.upserted += u64::from(outcome.written());
                }
                None => {
                    let outcome = self
                        .repo
                        .timed(async {
                            let mut tx = conn.begin().await?;
                            let outcome = org_repo::tombstone_membership(
                                &mut tx,
                                instance,
                                membership_id,
                                org_id,
                                user_id,
                                now_ms(),
                                WriteSource::Reconcile,
                            )
                            .await?;
                            tx.commit().await?;
                            Ok(outcome)
                        })
                        .await?;
                    if outcome == TombstoneOutcome::Deleted {
                        report.memberships_tombstoned += 1;
                    }
                }
            }
        }
        Ok(())
    }
}
