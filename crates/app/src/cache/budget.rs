//! The client-side rate budget: one sliding window per replica for all Backend API traffic.

use std::collections::VecDeque;
use std::sync::Mutex;
use std::time::Duration;

use clerk_actix::MAX_RETRY_AFTER;
use tokio::time::Instant;

/// A sliding-window rate limiter shared by every worker of a replica (`Send + Sync`; share it
/// in an `Arc`).
///
/// At most `requests` slots are granted in any window of length `window`, like Clerk's own
/// limiter (a token bucket refilled continuously would allow up to twice that in one window).
/// [`pause`](Self::pause) stops all grants until a moment, to honour a 429's `Retry-After`.
#[derive(Debug)]
pub struct RateBudget {
    requests: usize,
    window: Duration,
    state: Mutex<BudgetState>,
}

#[derive(Debug, Default)]
struct BudgetState {
    /// Grant times within the last window, oldest first.
    grants: VecDeque<Instant>,
    paused_until: Option<Instant>,
}

/// No slot within the allowed wait.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("the Backend API rate budget is exhausted")]
pub struct BudgetExhausted;

impl RateBudget {
    /// A budget of `requests` per `window` (at least one request).
    pub fn new(requests: u32, window: Duration) -> Self {
        Self {
            requests: usize::try_from(requests.max(1)).unwrap_or(usize::MAX),
            window,
            state: Mutex::default(),
        }
    }

    /// Takes a slot now, or says when to try again.
    fn try_take(&self, now: Instant) -> Result<(), Instant> {
        let mut state = self
            .state
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if let Some(until) = state.paused_until {
            if until > now {
                return Err(until);
            }
            state.paused_until = None;
        }
        while state
            .grants
            .front()
            .is_some_and(|granted| now.duration_since(*granted) >= self.window)
        {
            state.grants.pop_front();
        }
        if state.grants.len() < self.requests {
            state.grants.push_back(now);
            return Ok(());
        }
        Err(state.grants.front().map_or(now, |oldest| *oldest + self.window))
    }

    /// Waits for a slot, at most `max_wait` (`None`: as long as it takes).
    ///
    /// # Errors
    ///
    /// [`BudgetExhausted`] when no slot frees up within `max_wait`.
    pub async fn acquire(&self, max_wait: Option<Duration>) -> Result<(), BudgetExhausted> {
        // A wait too long for the clock is no deadline at all.
        let deadline = max_wait.and_then(|wait| Instant::now().checked_add(wait));
        loop {
            let now = Instant::now();
            let retry_at = match self.try_take(now) {
                Ok(()) => return Ok(()),
                Err(at) => at,
            };
            if deadline.is_some_and(|deadline| retry_at > deadline) {
                return Err(BudgetExhausted);
            }
            tokio::time::sleep_until(retry_at).await;
        }
    }

    /// Grants nothing before `now + wait` (a 429's `Retry-After`); never shortens a pause.
    ///
    /// `wait` comes from the network, so it is cut to [`MAX_RETRY_AFTER`] (60 s, with a warning):
    /// a huge value can neither overflow the clock nor halt read-through and reconciliation.
    pub fn pause(&self, wait: Duration) {
        let wait = if wait > MAX_RETRY_AFTER {
            tracing::warn!(
                requested_secs = wait.as_secs(),
                cap_secs = MAX_RETRY_AFTER.as_secs(),
                "user cache: a pause over the cap was asked for; pausing for the cap"
            );
            MAX_RETRY_AFTER
        } else {
            wait
        };
        let now = Instant::now();
        // Cannot fail for a wait of at most a minute; were it to, no pause beats a panic.
        let until = now.checked_add(wait).unwrap_or(now);
        let mut state = self
            .state
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        state.paused_until = Some(state.paused_until.map_or(until, |current| current.max(until)));
    }

    /// Slots left in the current window (0 while paused).
    pub fn available(&self) -> usize {
        let now = Instant::now();
        let state = self
            .state
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if state.paused_until.is_some_and(|until| until > now) {
            return 0;
        }
        let used = state
            .grants
            .iter()
            .filter(|granted| now.duration_since(**granted) < self.window)
            .count();
        self.requests.saturating_sub(used)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn never_more_than_the_limit_in_a_window() {
        let budget = RateBudget::new(3, Duration::from_secs(10));
        let start = tokio::time::Instant::now();
        let mut granted = Vec::new();
        for _ in 0..7 {
            budget.acquire(None).await.expect("unbounded wait");
            granted.push(start.elapsed());
        }
        assert_eq!(&granted[..3], &[Duration::ZERO; 3]);
        assert_eq!(granted[3], Duration::from_secs(10));
        assert_eq!(granted[6], Duration::from_secs(20));
    }

    #[tokio::test(start_paused = true)]
    async fn bounded_wait_gives_up() {
        let budget = RateBudget::new(1, Duration::from_secs(10));
        budget.acquire(Some(Duration::ZERO)).await.expect("first slot");
        assert_eq!(
            budget.acquire(Some(Duration::from_secs(2))).await,
            Err(BudgetExhausted)
        );
        assert_eq!(budget.available(), 0);
    }

    #[tokio::test(start_paused = true)]
    async fn pause_holds_every_grant() {
        let budget = RateBudget::new(100, Duration::from_secs(10));
        budget.pause(Duration::from_secs(5));
        assert_eq!(
            budget.acquire(Some(Duration::from_secs(1))).await,
            Err(BudgetExhausted)
        );
        let start = tokio::time::Instant::now();
        budget.acquire(None).await.expect("after the pause");
        assert_eq!(start.elapsed(), Duration::from_secs(5));
    }

    /// Issue 10, item 5: a server-given wait of `u64::MAX` seconds neither panics nor halts the
    /// budget for longer than a minute.
    #[tokio::test(start_paused = true)]
    async fn a_huge_pause_is_clamped_to_a_minute() {
        let budget = RateBudget::new(100, Duration::from_secs(10));
        budget.pause(Duration::from_secs(u64::MAX));
        budget.pause(Duration::MAX);
        let start = tokio::time::Instant::now();
        budget.acquire(None).await.expect("after the pause");
        assert_eq!(start.elapsed(), Duration::from_secs(60));
    }
}
