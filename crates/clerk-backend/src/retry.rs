//! Retry budget, backoff and `Retry-After` parsing.

use std::sync::atomic::{AtomicI64, Ordering};
use std::time::Duration;

use rand::Rng as _;

/// Fixed-point scale of the budget: 1 token = 1000 milli-tokens.
const MILLI: i64 = 1000;

/// A token bucket shared by every worker of one instance that bounds retries to a ratio of
/// first attempts, so a Clerk outage cannot multiply the traffic sent to Clerk.
///
/// Each first attempt deposits `ratio` tokens and each retry spends one. The bucket starts at
/// `floor` tokens (a cold client can still retry a few times) and holds at most
/// `floor + 100 × ratio`, so a long healthy period cannot bank an unbounded retry burst. Over any
/// run of calls, retries ≤ `floor + ratio × first attempts`.
#[derive(Debug)]
pub(crate) struct RetryBudget {
    balance: AtomicI64,
    deposit: i64,
    capacity: i64,
}

impl RetryBudget {
    pub(crate) fn new(ratio: f64, floor: u32) -> Self {
        let ratio = if ratio.is_finite() {
            ratio.clamp(0.0, 1000.0)
        } else {
            0.0
        };
        let deposit = (ratio * MILLI as f64).round() as i64;
        let floor = i64::from(floor) * MILLI;
        Self {
            balance: AtomicI64::new(floor),
            deposit,
            capacity: floor + deposit * 100,
        }
    }

    /// Records a first attempt.
    pub(crate) fn deposit(&self) {
        let (deposit, capacity) = (self.deposit, self.capacity);
        // An Err only means the bucket is already full.
        let _ = self
            .balance
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |balance| {
                (balance < capacity).then(|| (balance + deposit).min(capacity))
            });
    }

    /// Takes one token for a retry; `false` when the budget is spent.
    pub(crate) fn try_spend(&self) -> bool {
        self.balance
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |balance| {
                (balance >= MILLI).then_some(balance - MILLI)
            })
            .is_ok()
    }

    /// Whole tokens left.
    pub(crate) fn available(&self) -> f64 {
        self.balance.load(Ordering::Acquire) as f64 / MILLI as f64
    }
}

/// Full-jitter exponential backoff: a random wait in `[0, min(cap, base × 2^retry)]`.
pub(crate) fn backoff(base: Duration, cap: Duration, retry: u32) -> Duration {
    let ceiling = base.saturating_mul(1u32 << retry.min(16)).min(cap);
    let millis = u64::try_from(ceiling.as_millis()).unwrap_or(u64::MAX);
    Duration::from_millis(rand::thread_rng().gen_range(0..=millis))
}

/// The longest wait a server can impose through `Retry-After`: longer values are cut to this when
/// parsed, so no caller adds an unbounded wait to a clock or stalls for it.
pub const MAX_RETRY_AFTER: Duration = Duration::from_secs(60);

/// Parses `Retry-After` as Clerk sends it: integer seconds, at most [`MAX_RETRY_AFTER`] (a longer
/// value is cut, with a warning). HTTP dates and junk give `None` (the caller then backs off
/// instead).
pub(crate) fn parse_retry_after(value: &str) -> Option<Duration> {
    let digits = value.trim();
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    // Too many digits for a u64 is still a (very long) wait, never "retry right away".
    let wait = Duration::from_secs(digits.parse::<u64>().unwrap_or(u64::MAX));
    if wait > MAX_RETRY_AFTER {
        tracing::warn!(
            retry_after_secs = wait.as_secs(),
            cap_secs = MAX_RETRY_AFTER.as_secs(),
            "Clerk's Retry-After is over the cap: waiting the cap instead"
        );
        return Some(MAX_RETRY_AFTER);
    }
    Some(wait)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn budget_starts_at_floor_and_refills_by_ratio() {
        let budget = RetryBudget::new(0.2, 2);
        assert!(budget.try_spend());
        assert!(budget.try_spend());
        assert!(!budget.try_spend());
        for _ in 0..4 {
            budget.deposit();
        }
        assert!(!budget.try_spend(), "0.8 tokens is not a retry");
        budget.deposit();
        assert!(budget.try_spend());
        assert!(!budget.try_spend());
    }

    #[test]
    fn budget_is_capped() {
        let budget = RetryBudget::new(0.5, 1);
        for _ in 0..10_000 {
            budget.deposit();
        }
        assert!((budget.available() - 51.0).abs() < f64::EPSILON);
    }

    #[test]
    fn nonsense_ratio_means_no_deposit() {
        let budget = RetryBudget::new(f64::NAN, 0);
        budget.deposit();
        assert!(!budget.try_spend());
    }

    #[test]
    fn backoff_stays_under_the_cap() {
        let (base, cap) = (Duration::from_millis(100), Duration::from_secs(2));
        for retry in 0..40 {
            let wait = backoff(base, cap, retry);
            assert!(wait <= cap);
            assert!(wait <= base * 2u32.pow(retry.min(16)));
        }
    }

    #[test]
    fn retry_after_is_integer_seconds() {
        assert_eq!(parse_retry_after(" 3 "), Some(Duration::from_secs(3)));
        assert_eq!(parse_retry_after("0"), Some(Duration::ZERO));
        assert_eq!(parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT"), None);
        assert_eq!(parse_retry_after("-1"), None);
        assert_eq!(parse_retry_after("60"), Some(MAX_RETRY_AFTER));
        assert_eq!(parse_retry_after("61"), Some(MAX_RETRY_AFTER));
        assert_eq!(parse_retry_after("18446744073709551615"), Some(MAX_RETRY_AFTER));
        assert_eq!(
            parse_retry_after("99999999999999999999999"),
            Some(MAX_RETRY_AFTER)
        );
        assert_eq!(parse_retry_after("+5"), None);
        // Beyond u64: still a very long wait, never "retry right away".
        assert_eq!(parse_retry_after("18446744073709551616"), Some(MAX_RETRY_AFTER));
    }
}
