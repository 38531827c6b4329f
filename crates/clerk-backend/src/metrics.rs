//! Call counters and an observer hook, for Prometheus-style export.

use std::collections::BTreeMap;
use std::fmt;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;
use std::time::Duration;

use super::budget::RateBudgetSnapshot;

/// How one HTTP attempt ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum AttemptOutcome {
    /// A response with this status code.
    Status(u16),
    /// The attempt hit the per-attempt timeout.
    Timeout,
    /// The request could not be sent or the response not read.
    Transport,
}

impl fmt::Display for AttemptOutcome {
    /// The metric label: the status code, `timeout` or `transport`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            AttemptOutcome::Status(status) => write!(f, "{status}"),
            AttemptOutcome::Timeout => f.write_str("timeout"),
            AttemptOutcome::Transport => f.write_str("transport"),
        }
    }
}

/// One finished HTTP attempt, as passed to an [`ApiObserver`].
#[derive(Debug, Clone, Copy)]
pub struct AttemptEvent {
    /// Endpoint template, e.g. `GET /v1/users/{id}`.
    pub endpoint: &'static str,
    /// How the attempt ended.
    pub outcome: AttemptOutcome,
    /// `0` for the first attempt, then `1`, `2`… for retries.
    pub retry: u32,
    /// Time from sending to the end of the body (or the failure).
    pub elapsed: Duration,
}

/// A hook called after every HTTP attempt, e.g. to feed a latency histogram.
///
/// It runs on the worker thread, inline: keep it cheap and non-blocking.
pub trait ApiObserver: Send + Sync {
    /// Called once per attempt.
    fn on_attempt(&self, event: &AttemptEvent);
}

/// Attempts of one endpoint with one outcome, in a [`MetricsSnapshot`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EndpointCount {
    /// Endpoint template, e.g. `GET /v1/users/{id}`.
    pub endpoint: &'static str,
    /// How the attempts ended.
    pub outcome: AttemptOutcome,
    /// How many attempts (first ones and retries).
    pub count: u64,
}

/// A copy of the counters and budgets of a [`ClerkClient`](super::ClerkClient).
#[derive(Debug, Clone, PartialEq)]
pub struct MetricsSnapshot {
    /// Calls made (each counts once, however many attempts it took).
    pub calls: u64,
    /// Retries sent.
    pub retries: u64,
    /// Retries skipped because the shared retry budget was spent.
    pub budget_exhausted: u64,
    /// 429s not retried because `Retry-After` exceeded the cap.
    pub retry_after_too_long: u64,
    /// Retry tokens left in the budget.
    pub budget_available: f64,
    /// Attempts by endpoint and outcome, sorted.
    pub attempts: Vec<EndpointCount>,
    /// The rate budget.
    pub rate_budget: RateBudgetSnapshot,
}

impl MetricsSnapshot {
    /// Attempts of `endpoint` that ended with `outcome`.
    pub fn attempts_of(&self, endpoint: &str, outcome: AttemptOutcome) -> u64 {
        self.attempts
            .iter()
            .filter(|entry| entry.endpoint == endpoint && entry.outcome == outcome)
            .map(|entry| entry.count)
            .sum()
    }

    /// All attempts of `endpoint`, whatever their outcome.
    pub fn total_attempts_of(&self, endpoint: &str) -> u64 {
        self.attempts
            .iter()
            .filter(|entry| entry.endpoint == endpoint)
            .map(|entry| entry.count)
            .sum()
    }
}

#[derive(Debug, Default)]
pub(crate) struct Metrics {
    pub(crate) calls: AtomicU64,
    pub(crate) retries: AtomicU64,
    pub(crate) budget_exhausted: AtomicU64,
    pub(crate) retry_after_too_long: AtomicU64,
    attempts: Mutex<BTreeMap<(&'static str, AttemptOutcome), u64>>,
}

impl Metrics {
    pub(crate) fn bump(counter: &AtomicU64) {
        counter.fetch_add(1, Ordering::Relaxed);
    }

    pub(crate) fn record_attempt(&self, endpoint: &'static str, outcome: AttemptOutcome) {
        // A poisoned lock only means another thread panicked mid-increment; the map is still valid.
        let mut attempts = self
            .attempts
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        *attempts.entry((endpoint, outcome)).or_default() += 1;
    }

    pub(crate) fn snapshot(&self, budget_available: f64, rate_budget: RateBudgetSnapshot) -> MetricsSnapshot {
        let attempts = self
            .attempts
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        MetricsSnapshot {
            calls: self.calls.load(Ordering::Relaxed),
            retries: self.retries.load(Ordering::Relaxed),
            budget_exhausted: self.budget_exhausted.load(Ordering::Relaxed),
            retry_after_too_long: self.retry_after_too_long.load(Ordering::Relaxed),
            budget_available,
            attempts: attempts
                .iter()
                .map(|(&(endpoint, outcome), &count)| EndpointCount {
                    endpoint,
                    outcome,
                    count,
                })
                .collect(),
            rate_budget,
        }
    }
}
