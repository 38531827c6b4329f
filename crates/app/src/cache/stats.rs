//! Counters of the cache, for `/metrics`.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;

use crate::prometheus::{escape, series, Kind};

/// Distinct webhook event types counted separately; more are counted as `other` (the types
/// come from Clerk, but a bound keeps the metric's cardinality fixed).
const MAX_EVENT_TYPES: usize = 64;

/// Live counters, shared by all workers. Read them with [`CacheStats::snapshot`].
#[derive(Debug, Default)]
pub struct CacheStats {
    pub(crate) hits: AtomicU64,
    pub(crate) misses: AtomicU64,
    pub(crate) coalesced: AtomicU64,
    pub(crate) refreshed: AtomicU64,
    pub(crate) stale_serves: AtomicU64,
    pub(crate) negative_hits: AtomicU64,
    pub(crate) tombstone_hits: AtomicU64,
    pub(crate) not_found: AtomicU64,
    pub(crate) unavailable: AtomicU64,
    pub(crate) db_errors: AtomicU64,
    pub(crate) api_ok: AtomicU64,
    pub(crate) api_not_found: AtomicU64,
    pub(crate) api_rate_limited: AtomicU64,
    pub(crate) api_failed: AtomicU64,
    pub(crate) api_budget_exhausted: AtomicU64,
    webhooks: Mutex<BTreeMap<(String, &'static str), u64>>,
    pub(crate) passes_complete: AtomicU64,
    pub(crate) passes_incomplete: AtomicU64,
    pub(crate) passes_skipped: AtomicU64,
    pub(crate) pass_pages: AtomicU64,
    pub(crate) pass_users_seen: AtomicU64,
    pub(crate) pass_upserted: AtomicU64,
    pub(crate) pass_tombstoned: AtomicU64,
    pub(crate) last_pass_duration_ms: AtomicU64,
    pub(crate) last_pass_complete: AtomicU64,
}

/// A copy of the counters at one moment.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct StatsSnapshot {
    /// Lookups served from a fresh row.
    pub hits: u64,
    /// Lookups that found no fresh row (each then joined or led a refresh).
    pub misses: u64,
    /// Misses that waited for another caller's Backend API call instead of making their own.
    pub coalesced: u64,
    /// Rows fetched from the Backend API and stored by read-through.
    pub refreshed: u64,
    /// Lookups answered with a stale row because Clerk could not be reached.
    pub stale_serves: u64,
    /// Lookups answered "not found" from the negative cache, without calling Clerk.
    pub negative_hits: u64,
    /// Lookups answered "not found" from a tombstone, without calling Clerk.
    pub tombstone_hits: u64,
    /// Lookups answered "not found" (any reason).
    pub not_found: u64,
    /// Lookups answered "unavailable".
    pub unavailable: u64,
    /// Database failures seen by lookups.
    pub db_errors: u64,
    /// Backend API calls (read-through and reconciliation) that succeeded.
    pub api_ok: u64,
    /// Backend API calls answered 404.
    pub api_not_found: u64,
    /// Backend API calls answered 429.
    pub api_rate_limited: u64,
    /// Backend API calls that failed otherwise (5xx, timeout, transport…).
    pub api_failed: u64,
    /// Backend API calls not made because the rate budget had no slot in time.
    pub api_budget_exhausted: u64,
    /// Webhook events by `(event type, outcome)`; outcomes as [`ApplyOutcome::as_str`](super::ApplyOutcome::as_str),
    /// plus `error`.
    pub webhooks: Vec<(String, &'static str, u64)>,
    /// Reconciliation passes that completed.
    pub passes_complete: u64,
    /// Passes that stopped early (nothing was tombstoned).
    pub passes_incomplete: u64,
    /// Passes skipped because another replica held the lock.
    pub passes_skipped: u64,
    /// The last (or running) pass: pages fetched.
    pub pass_pages: u64,
    /// The last (or running) pass: users listed.
    pub pass_users_seen: u64,
    /// The last (or running) pass: users inserted or changed.
    pub pass_upserted: u64,
    /// The last (or running) pass: users marked deleted.
    pub pass_tombstoned: u64,
    /// Duration of the last finished pass, ms.
    pub last_pass_duration_ms: u64,
    /// Lookups served by the in-process tier.
    pub memory_hits: u64,
    /// Users and organizations dropped from the in-process tier on a change.
    pub memory_invalidations: u64,
    /// Of [`memory_hits`](Self::memory_hits), the organization lookups.
    pub memory_org_hits: u64,
    /// Of [`memory_invalidations`](Self::memory_invalidations), the organizations.
    pub memory_org_invalidations: u64,
    /// Times the change feed was lost (the in-process tier was flushed).
    pub memory_feed_drops: u64,
    /// Whether the last finished pass was complete (1) or not (0).
    pub last_pass_complete: u64,
}

impl StatsSnapshot {
    /// Renders the counters in the Prometheus text format (for `/metrics`): the cache's
    /// lookups, Backend API calls and webhook outcomes as counters, the reconciliation pass in
    /// progress (or last) as gauges.
    pub fn render_into(&self, out: &mut String) {
        use std::fmt::Write as _;
        let stats = self;
        let counters: [(&str, &str, u64); 21] = [
            (
                "app_user_cache_memory_hits_total",
                "Lookups served by the in-process tier.",
                stats.memory_hits,
            ),
            (
                "app_user_cache_memory_invalidations_total",
                "Users and organizations dropped from the in-process tier on a change.",
                stats.memory_invalidations,
            ),
            (
                "app_user_cache_memory_org_hits_total",
                "Of the in-process tier's hits, organization lookups.",
                stats.memory_org_hits,
            ),
            (
                "app_user_cache_memory_org_invalidations_total",
                "Of the in-process tier's invalidations, organizations.",
                stats.memory_org_invalidations,
            ),
            (
                "app_user_cache_feed_drops_total",
                "Times the change feed was lost (in-process tier flushed).",
                stats.memory_feed_drops,
            ),
            (
                "app_user_cache_hits_total",
                "Lookups served from a fresh row.",
                stats.hits,
            ),
            (
                "app_user_cache_misses_total",
                "Lookups without a fresh row.",
                stats.misses,
            ),
            (
                "app_user_cache_coalesced_total",
                "Misses that shared another caller's Backend API call.",
                stats.coalesced,
            ),
            (
                "app_user_cache_refreshed_total",
                "Rows fetched from the Backend API by read-through.",
                stats.refreshed,
            ),
            (
                "app_user_cache_stale_serves_total",
                "Lookups answered with a stale row (Clerk unreachable).",
                stats.stale_serves,
            ),
            (
                "app_user_cache_negative_hits_total",
                "Unknown ids answered from the negative cache.",
                stats.negative_hits,
            ),
            (
                "app_user_cache_tombstone_hits_total",
                "Deleted users answered from a tombstone.",
                stats.tombstone_hits,
            ),
            (
                "app_user_cache_unavailable_total",
                "Lookups answered unavailable.",
                stats.unavailable,
            ),
            (
                "app_user_cache_db_errors_total",
                "Database failures seen by lookups.",
                stats.db_errors,
            ),
            (
                "app_user_cache_api_ok_total",
                "Cache Backend API calls that succeeded.",
                stats.api_ok,
            ),
            (
                "app_user_cache_api_not_found_total",
                "Cache Backend API calls answered 404.",
                stats.api_not_found,
            ),
            (
                "app_user_cache_api_rate_limited_total",
                "Cache Backend API calls answered 429.",
                stats.api_rate_limited,
            ),
            (
                "app_user_cache_api_failed_total",
                "Cache Backend API calls that failed otherwise.",
                stats.api_failed,
            ),
            (
                "app_user_cache_api_budget_exhausted_total",
                "Calls not made: no rate-budget slot in time.",
                stats.api_budget_exhausted,
            ),
            (
                "app_reconcile_passes_complete_total",
                "Reconciliation passes that completed.",
                stats.passes_complete,
            ),
            (
                "app_reconcile_passes_incomplete_total",
                "Reconciliation passes that stopped early.",
                stats.passes_incomplete,
            ),
        ];
        for (name, help, value) in counters {
            series(out, Kind::Counter, name, help, value);
        }
        let gauges: [(&str, &str, u64); 5] = [
            (
                "app_reconcile_pass_pages",
                "Pages fetched by the last (or running) pass.",
                stats.pass_pages,
            ),
            (
                "app_reconcile_pass_users_seen",
                "Users listed by the last (or running) pass.",
                stats.pass_users_seen,
            ),
            (
                "app_reconcile_pass_upserted",
                "Users stored by the last (or running) pass.",
                stats.pass_upserted,
            ),
            (
                "app_reconcile_pass_tombstoned",
                "Users tombstoned by the last (or running) pass.",
                stats.pass_tombstoned,
            ),
            (
                "app_reconcile_last_pass_duration_ms",
                "Duration of the last finished pass.",
                stats.last_pass_duration_ms,
            ),
        ];
        for (name, help, value) in gauges {
            series(out, Kind::Gauge, name, help, value);
        }
        out.push_str(
            "# HELP app_user_cache_webhooks_total Webhook events applied by the cache, by type and outcome.\n",
        );
        out.push_str("# TYPE app_user_cache_webhooks_total counter\n");
        for (event, outcome, n) in &stats.webhooks {
            let _ = writeln!(
                out,
                "app_user_cache_webhooks_total{{type=\"{}\",outcome=\"{outcome}\"}} {n}",
                escape(event)
            );
        }
    }
}

pub(crate) fn bump(counter: &AtomicU64) {
    counter.fetch_add(1, Ordering::Relaxed);
}

impl CacheStats {
    /// Counts a webhook outcome.
    pub(crate) fn webhook(&self, event_type: &str, outcome: &'static str) {
        let mut map = self
            .webhooks
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let known = map.keys().any(|(kind, _)| kind == event_type);
        let kind = if known || map.len() < MAX_EVENT_TYPES {
            event_type.to_owned()
        } else {
            "other".to_owned()
        };
        *map.entry((kind, outcome)).or_default() += 1;
    }

    /// A copy of every counter.
    pub fn snapshot(&self) -> StatsSnapshot {
        let get = |counter: &AtomicU64| counter.load(Ordering::Relaxed);
        let webhooks = self
            .webhooks
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .iter()
            .map(|((kind, outcome), count)| (kind.clone(), *outcome, *count))
            .collect();
        StatsSnapshot {
            hits: get(&self.hits),
            misses: get(&self.misses),
            coalesced: get(&self.coalesced),
            refreshed: get(&self.refreshed),
            stale_serves: get(&self.stale_serves),
            negative_hits: get(&self.negative_hits),
            tombstone_hits: get(&self.tombstone_hits),
            not_found: get(&self.not_found),
            unavailable: get(&self.unavailable),
            db_errors: get(&self.db_errors),
            api_ok: get(&self.api_ok),
            api_not_found: get(&self.api_not_found),
            api_rate_limited: get(&self.api_rate_limited),
            api_failed: get(&self.api_failed),
            api_budget_exhausted: get(&self.api_budget_exhausted),
            webhooks,
            passes_complete: get(&self.passes_complete),
            passes_incomplete: get(&self.passes_incomplete),
            passes_skipped: get(&self.passes_skipped),
            pass_pages: get(&self.pass_pages),
            pass_users_seen: get(&self.pass_users_seen),
            pass_upserted: get(&self.pass_upserted),
            pass_tombstoned: get(&self.pass_tombstoned),
            last_pass_duration_ms: get(&self.last_pass_duration_ms),
            last_pass_complete: get(&self.last_pass_complete),
            memory_hits: 0,
            memory_invalidations: 0,
            memory_org_hits: 0,
            memory_org_invalidations: 0,
            memory_feed_drops: 0,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn webhook_types_are_bounded() {
        let stats = CacheStats::default();
        for i in 0..100 {
            stats.webhook(&format!("type.{i}"), "ignored");
        }
        stats.webhook("type.0", "ignored");
        let snapshot = stats.snapshot();
        assert_eq!(snapshot.webhooks.len(), MAX_EVENT_TYPES + 1);
        assert!(snapshot.webhooks.contains(&("type.0".to_owned(), "ignored", 2)));
        assert!(snapshot.webhooks.contains(&("other".to_owned(), "ignored", 36)));
    }

    #[test]
    fn the_snapshot_renders_every_series_with_escaped_event_types() {
        let stats = CacheStats::default();
        bump(&stats.hits);
        bump(&stats.stale_serves);
        stats.webhook("user.\"odd\"", "upserted");
        let mut snapshot = stats.snapshot();
        snapshot.pass_pages = 7;
        let mut out = String::new();
        snapshot.render_into(&mut out);
        for line in [
            "# TYPE app_user_cache_hits_total counter",
            "app_user_cache_hits_total 1",
            "app_user_cache_stale_serves_total 1",
            "app_user_cache_misses_total 0",
            "# TYPE app_reconcile_pass_pages gauge",
            "app_reconcile_pass_pages 7",
            "app_user_cache_webhooks_total{type=\"user.\\\"odd\\\"\",outcome=\"upserted\"} 1",
        ] {
            assert!(out.lines().any(|l| l == line), "{line} missing from\n{out}");
        }
        let series = out.lines().filter(|l| !l.starts_with('#')).count();
        assert_eq!(series, 21 + 5 + 1, "{out}");
    }
}
