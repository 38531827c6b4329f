//! The per-instance rate budget: a sliding window over Clerk's Backend API limit, cut into named
//! shares so that one kind of traffic cannot starve the others.

use std::collections::VecDeque;
use std::fmt;
use std::sync::Mutex;
use std::time::Duration;

use clerk_core::InstanceType;
use tokio::time::Instant;

use super::retry::MAX_RETRY_AFTER;

/// The kind of traffic a Backend API call belongs to, for the rate budget of a
/// [`ClerkClient`](super::ClerkClient) (see [`ClerkClient::share`](super::ClerkClient::share)).
///
/// Each share owns a slice of the budget's window, which no other share can take while the
/// share is in use:
///
/// | share | slice |
/// |---|---|
/// | [`ReadThrough`](Share::ReadThrough) | 30 % |
/// | [`Reconciliation`](Share::Reconciliation) | 20 % |
/// | [`MachineTokens`](Share::MachineTokens) | 15 % |
/// | [`Sessions`](Share::Sessions) | 15 % |
/// | [`Default`](Share::Default) | the rest (20 %) |
///
/// A share may also use the slices of shares that asked for nothing during the last window, so a
/// service with one kind of traffic still has most of the budget. A share never lends a reserve
/// of its slice (a quarter of it, at least one slot): a share that wakes up finds its reserve
/// free at once, and the slots it lent come back to it as they leave the window; while it is in
/// use nobody borrows from it. [`MachineTokens`](Share::MachineTokens), whose traffic follows
/// headers an attacker chooses, lends but never borrows: it keeps to its own slice.
/// [`Sessions`](Share::Sessions) (handshakes and refreshes, which also follow what a request
/// says) neither borrows nor lends: its whole slice is there for signed-in browsers, whatever
/// the other traffic does.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[non_exhaustive]
pub enum Share {
    /// Cache misses of a local user cache (`CurrentUser` served by a cache such as the example
    /// app's).
    ReadThrough,
    /// Full passes over the user list that keep a local cache true.
    Reconciliation,
    /// Verification of machine tokens (M2M tokens, API keys, OAuth access tokens).
    MachineTokens,
    /// Clerk's request flow: resolving handshake nonces and refreshing expired sessions (what
    /// keeps signed-in browsers signed in). Never waits for a slot.
    Sessions,
    /// Everything else: handlers calling the Backend API, `CurrentUser` without a cache.
    Default,
}

impl Share {
    /// Every share, in slice order.
    pub const ALL: [Share; SHARES] = [
        Share::ReadThrough,
        Share::Reconciliation,
        Share::MachineTokens,
        Share::Sessions,
        Share::Default,
    ];

    /// A metric label: `read_through`, `reconciliation`, `machine_tokens`, `sessions` or
    /// `default`.
    pub const fn as_str(self) -> &'static str {
        match self {
            Share::ReadThrough => "read_through",
            Share::Reconciliation => "reconciliation",
            Share::MachineTokens => "machine_tokens",
            Share::Sessions => "sessions",
            Share::Default => "default",
        }
    }

    const fn index(self) -> usize {
        match self {
            Share::ReadThrough => 0,
            Share::Reconciliation => 1,
            Share::MachineTokens => 2,
            Share::Sessions => 3,
            Share::Default => 4,
        }
    }

    /// Whether the share may use the slices of idle shares.
    const fn borrows(self) -> bool {
        !matches!(self, Share::MachineTokens | Share::Sessions)
    }

    /// Whether other shares may use this share's slice while it is idle.
    const fn lends(self) -> bool {
        !matches!(self, Share::Sessions)
    }

    /// Percent of the window; [`Share::Default`] gets what rounding leaves.
    const fn percent(self) -> u64 {
        match self {
            Share::ReadThrough => 30,
            Share::Reconciliation | Share::Default => 20,
            Share::MachineTokens | Share::Sessions => 15,
        }
    }
}

/// How many shares there are.
const SHARES: usize = 5;

impl fmt::Display for Share {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A Backend API rate limit: at most `requests` in any `window`.
///
/// A [`ClientConfig`](super::ClientConfig) refuses a limit of fewer requests than there are
/// [`Share`]s (every share needs a slot of its own) and a window longer than
/// [`RateLimit::MAX_WINDOW`].
///
/// Clerk limits each instance (each secret key) to 1000 requests per 10 s in production and 100
/// per 10 s in development, and answers `429` with `Retry-After` beyond that.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RateLimit {
    /// Requests allowed in any window (at least one per [`Share`]).
    pub requests: u32,
    /// The sliding window.
    pub window: Duration,
}

impl RateLimit {
    /// The longest window a [`ClientConfig`](super::ClientConfig) accepts: a day, far from
    /// where adding it to an instant could overflow the clock.
    pub const MAX_WINDOW: Duration = Duration::from_secs(24 * 60 * 60);

    /// The fewest requests a [`ClientConfig`](super::ClientConfig) accepts: one per [`Share`].
    pub const MIN_REQUESTS: u32 = Share::ALL.len() as u32;

    /// `requests` per `window`.
    pub const fn new(requests: u32, window: Duration) -> Self {
        Self { requests, window }
    }

    /// The default budget of one process for an instance of `instance_type`: 90 % of Clerk's
    /// limit, i.e. 90 per 10 s for development and 900 per 10 s for production instances (the
    /// rest is headroom for other clients of the instance). Divide it by the number of replicas
    /// that share the instance.
    pub const fn for_instance(instance_type: InstanceType) -> Self {
        let requests = match instance_type {
            InstanceType::Development => 90,
            InstanceType::Production => 900,
        };
        Self::new(requests, Duration::from_secs(10))
    }

    /// The slice of this limit that `share` owns (the table of [`Share`]): its requests per
    /// window, which no other share takes while it is in use. A limit too small to give every
    /// share a slot leaves some with none.
    ///
    /// ```
    /// use std::time::Duration;
    /// use clerk_backend::{RateLimit, Share};
    ///
    /// let production = RateLimit::new(900, Duration::from_secs(10));
    /// let reconciliation = production.slice(Share::Reconciliation);
    /// assert_eq!(reconciliation, RateLimit::new(180, Duration::from_secs(10)));
    /// assert_eq!(reconciliation.per_second(), 18.0);
    /// ```
    pub fn slice(self, share: Share) -> RateLimit {
        let requests = slices(self)[share.index()];
        RateLimit::new(u32::try_from(requests).unwrap_or(u32::MAX), self.window)
    }

    /// Requests per second: `requests / window` (infinite for an empty window).
    pub fn per_second(self) -> f64 {
        f64::from(self.requests) / self.window.as_secs_f64()
    }
}

/// Slots per window owned by each share of `limit`, by [`Share::index`].
fn slices(limit: RateLimit) -> [usize; SHARES] {
    let total = u64::from(limit.requests.max(1));
    let mut slices = [0usize; SHARES];
    let mut given = 0u64;
    for share in Share::ALL {
        // Every share gets a slot while there are slots left (a checked limit has one per
        // share); Default gets what the others leave.
        let slice = if share == Share::Default {
            total - given
        } else {
            (total * share.percent() / 100)
                .max(1)
                .min(total.saturating_sub(given + 1))
        };
        given += slice;
        slices[share.index()] = usize::try_from(slice).unwrap_or(usize::MAX);
    }
    slices
}

/// A copy of the rate budget's state, in a [`MetricsSnapshot`](super::MetricsSnapshot).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RateBudgetSnapshot {
    /// The configured limit.
    pub limit: RateLimit,
    /// Requests that could start now without waiting, all shares together (0 while paused).
    pub available: usize,
    /// Whether a `429` paused every share.
    pub paused: bool,
    /// Calls not sent because no slot freed up within their wait.
    pub exhausted: u64,
}

/// The sliding-window budget of one instance, shared by every worker (`Send + Sync`).
///
/// Like Clerk's own limiter, at most `requests` slots are granted in any window (a token bucket
/// refilled continuously would allow up to twice that in one window). [`pause`](Self::pause)
/// stops every share until a moment, to honour a 429's `Retry-After`.
#[derive(Debug)]
pub(crate) struct RateBudget {
    limit: RateLimit,
    /// Slots per window owned by each share, by [`Share::index`].
    slices: [usize; SHARES],
    /// Slots of each slice never lent to other shares: a quarter, at least one.
    reserves: [usize; SHARES],
    state: Mutex<BudgetState>,
}

#[derive(Debug, Default)]
struct BudgetState {
    /// Grants within the last window charged to each share's slice, oldest first.
    grants: [VecDeque<Instant>; SHARES],
    /// When each share last asked for a slot.
    asked: [Option<Instant>; SHARES],
    paused_until: Option<Instant>,
    exhausted: u64,
}

impl RateBudget {
    pub(crate) fn new(limit: RateLimit) -> Self {
        let slices = slices(limit);
        let reserves = slices.map(|slice| (slice / 4).max(1).min(slice));
        Self {
            limit,
            slices,
            reserves,
            state: Mutex::default(),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, BudgetState> {
        self.state
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Takes a slot for `share` now, or says when one may free up.
    fn try_take(&self, share: Share, now: Instant) -> Result<(), Instant> {
        let window = self.limit.window;
        let mut state = self.lock();
        let own = share.index();
        // Whether a share is idle is decided before this request marks its own share busy.
        let idle: [bool; SHARES] = std::array::from_fn(|index| {
            index != own && state.asked[index].is_none_or(|asked| now.duration_since(asked) >= window)
        });
        state.asked[own] = Some(now);
        if let Some(until) = state.paused_until {
            if until > now {
                return Err(until);
            }
            state.paused_until = None;
        }
        for grants in &mut state.grants {
            while grants
                .front()
                .is_some_and(|granted| now.duration_since(*granted) >= window)
            {
                grants.pop_front();
            }
        }
        // Its own slice first, then what shares nobody is using may lend: all but their reserve.
        let borrowed =
            (0..SHARES).filter(|&index| share.borrows() && idle[index] && Share::ALL[index].lends());
        let mut retry_at: Option<Instant> = None;
        for index in std::iter::once(own).chain(borrowed) {
            let usable = if index == own {
                self.slices[index]
            } else {
                self.slices[index] - self.reserves[index]
            };
            let grants = &mut state.grants[index];
            if grants.len() < usable {
                grants.push_back(now);
                return Ok(());
            }
            // The slot that frees first: the grant that takes the count below `usable`.
            if let Some(granted) = grants.len().checked_sub(usable).and_then(|at| grants.get(at)) {
                let frees = later(*granted, window);
                retry_at = Some(retry_at.map_or(frees, |at| at.min(frees)));
            }
        }
        // No slot to wait for (a limit too small to give this share a slice): look again after a
        // window.
        Err(retry_at.unwrap_or_else(|| later(now, window)))
    }

    /// Waits for a slot for `share`, at most `max_wait` (`None`: as long as it takes).
    ///
    /// Returns `false` when no slot frees up within `max_wait` (and counts it).
    pub(crate) async fn acquire(&self, share: Share, max_wait: Option<Duration>) -> bool {
        // A wait too long for the clock is no deadline at all.
        let deadline = max_wait.and_then(|wait| Instant::now().checked_add(wait));
        loop {
            let now = Instant::now();
            let retry_at = match self.try_take(share, now) {
                Ok(()) => return true,
                Err(at) => at,
            };
            if deadline.is_some_and(|deadline| retry_at > deadline) {
                self.lock().exhausted += 1;
                return false;
            }
            tokio::time::sleep_until(retry_at).await;
        }
    }

    /// Whether `share` has used at least half its slice within the window, or the budget is
    /// paused: its calls are running short.
    pub(crate) fn is_pressed(&self, share: Share) -> bool {
        let now = Instant::now();
        let state = self.lock();
        if state.paused_until.is_some_and(|until| until > now) {
            return true;
        }
        let used = state.grants[share.index()]
            .iter()
            .filter(|granted| now.duration_since(**granted) < self.limit.window)
            .count();
        used * 2 >= self.slices[share.index()]
    }

    /// Grants nothing before `now + wait` (a 429's `Retry-After`); never shortens a pause.
    ///
    /// `wait` comes from the network, so it is cut to [`MAX_RETRY_AFTER`] (60 s, with a warning):
    /// a huge value can neither overflow the clock nor halt the client.
    pub(crate) fn pause(&self, wait: Duration) {
        let wait = if wait > MAX_RETRY_AFTER {
            tracing::warn!(
                requested_secs = wait.as_secs(),
                cap_secs = MAX_RETRY_AFTER.as_secs(),
                "clerk: a rate-budget pause over the cap was asked for; pausing for the cap"
            );
            MAX_RETRY_AFTER
        } else {
            wait
        };
        let now = Instant::now();
        // Cannot fail for a wait of at most a minute; were it to, no pause beats a panic.
        let until = now.checked_add(wait).unwrap_or(now);
        let mut state = self.lock();
        state.paused_until = Some(state.paused_until.map_or(until, |current| current.max(until)));
    }

    pub(crate) fn snapshot(&self) -> RateBudgetSnapshot {
        let now = Instant::now();
        let state = self.lock();
        let paused = state.paused_until.is_some_and(|until| until > now);
        let used: usize = state
            .grants
            .iter()
            .map(|grants| {
                grants
                    .iter()
                    .filter(|granted| now.duration_since(**granted) < self.limit.window)
                    .count()
            })
            .sum();
        let total: usize = self.slices.iter().sum();
        RateBudgetSnapshot {
            limit: self.limit,
            available: if paused { 0 } else { total.saturating_sub(used) },
            paused,
            exhausted: state.exhausted,
        }
    }
}

/// `at + window`, or the furthest moment the clock can hold (a checked limit's window is at most a
/// day, so this never saturates in practice).
fn later(at: Instant, window: Duration) -> Instant {
    at.checked_add(window)
        .or_else(|| at.checked_add(RateLimit::MAX_WINDOW))
        .unwrap_or(at)
}

#[cfg(test)]
mod tests {
    use super::*;

    const TEN_SECONDS: Duration = Duration::from_secs(10);

    fn budget(requests: u32) -> RateBudget {
        RateBudget::new(RateLimit::new(requests, TEN_SECONDS))
    }

    #[test]
    fn slices_add_up_to_the_limit() {
        assert_eq!(budget(90).slices, [27, 18, 13, 13, 19]);
        assert_eq!(budget(900).slices, [270, 180, 135, 135, 180]);
        assert_eq!(budget(7).slices, [2, 1, 1, 1, 2]);
        assert_eq!(
            budget(5).slices,
            [1, 1, 1, 1, 1],
            "a checked limit gives every share a slot"
        );
        assert_eq!(budget(1).slices, [0, 0, 0, 0, 1]);
        assert_eq!(budget(0).slices, [0, 0, 0, 0, 1], "at least one request");
    }

    #[test]
    fn a_share_reads_its_slice_from_the_limit() {
        for requests in [0, 1, 5, 7, 90, 900] {
            let limit = RateLimit::new(requests, TEN_SECONDS);
            let slices = budget(requests).slices;
            for share in Share::ALL {
                let slice = limit.slice(share);
                assert_eq!(slice.window, TEN_SECONDS);
                assert_eq!(
                    slice.requests as usize,
                    slices[share.index()],
                    "{requests} {share}"
                );
            }
        }
        let production = RateLimit::for_instance(InstanceType::Production);
        assert_eq!(production.slice(Share::Reconciliation).per_second(), 18.0);
        let development = RateLimit::for_instance(InstanceType::Development);
        assert_eq!(development.slice(Share::Reconciliation).per_second(), 1.8);
    }

    #[tokio::test(start_paused = true)]
    async fn never_more_than_the_limit_in_a_window() {
        let budget = budget(5);
        let start = Instant::now();
        let mut granted = Vec::new();
        for share in Share::ALL.into_iter().cycle().take(12) {
            assert!(budget.acquire(share, None).await);
            granted.push(start.elapsed());
        }
        assert_eq!(&granted[..5], &[Duration::ZERO; 5]);
        assert_eq!(&granted[5..10], &[TEN_SECONDS; 5]);
        assert_eq!(granted[10], TEN_SECONDS * 2);
    }

    #[test]
    fn every_slice_keeps_a_reserve_of_a_quarter_and_at_least_one_slot() {
        assert_eq!(budget(90).reserves, [6, 4, 3, 3, 4]);
        assert_eq!(budget(900).reserves, [67, 45, 33, 33, 45]);
        assert_eq!(budget(5).reserves, [1, 1, 1, 1, 1]);
        assert_eq!(budget(1).reserves, [0, 0, 0, 0, 1]);
    }

    /// Issue 11, item 6: a reconciliation pass that would take every slot leaves the read-through
    /// share its slice, at once.
    #[tokio::test(start_paused = true)]
    async fn a_busy_share_cannot_starve_another() {
        let budget = budget(90);
        // Read-through is in use (one lookup), then reconciliation takes all it can get.
        assert!(budget.acquire(Share::ReadThrough, Some(Duration::ZERO)).await);
        let mut reconciled = 0;
        while budget.acquire(Share::Reconciliation, Some(Duration::ZERO)).await {
            reconciled += 1;
        }
        // Its own 18 and the idle machine-token and default slices but their reserves; never
        // read-through's, and never the sessions slice (it never lends).
        assert_eq!(reconciled, 18 + (13 - 3) + (19 - 4));
        for lookup in 1..27 {
            assert!(
                budget.acquire(Share::ReadThrough, Some(Duration::ZERO)).await,
                "read-through lookup {lookup} found its slice taken"
            );
        }
        assert!(!budget.acquire(Share::ReadThrough, Some(Duration::ZERO)).await);
        // The next window serves reconciliation again.
        tokio::time::advance(TEN_SECONDS).await;
        assert!(budget.acquire(Share::Reconciliation, Some(Duration::ZERO)).await);
        assert_eq!(budget.snapshot().exhausted, 2);
    }

    #[tokio::test(start_paused = true)]
    async fn a_lone_share_may_use_all_but_the_reserves() {
        let budget = budget(90);
        // Its own 19 and the other slices but their reserves (6, 4, 3), the sessions slice aside.
        for request in 0..(19 + (27 - 6) + (18 - 4) + (13 - 3)) {
            assert!(
                budget.acquire(Share::Default, Some(Duration::ZERO)).await,
                "request {request}"
            );
        }
        assert!(!budget.acquire(Share::Default, Some(Duration::ZERO)).await);
        assert_eq!(budget.snapshot().available, 6 + 4 + 3 + 13);
    }

    /// The review of issue 11, item 6: a share idle for a window lent its whole slice, and on
    /// waking waited up to a window (10 s) for it, longer than read-through's 2 s wait. Its
    /// reserve is never lent: it finds a slot at once.
    #[tokio::test(start_paused = true)]
    async fn an_idle_share_finds_its_reserve_at_once() {
        let budget = budget(90);
        // Read-through idle; reconciliation takes everything it can, waiting for nothing.
        let mut reconciled = 0;
        while budget.acquire(Share::Reconciliation, Some(Duration::ZERO)).await {
            reconciled += 1;
        }
        assert_eq!(reconciled, 18 + (27 - 6) + (13 - 3) + (19 - 4));
        // Read-through wakes: its reserve of 6 is there at once, well within a 2 s wait.
        let start = Instant::now();
        for lookup in 0..6 {
            assert!(
                budget
                    .acquire(Share::ReadThrough, Some(Duration::from_secs(2)))
                    .await,
                "read-through lookup {lookup}"
            );
        }
        assert_eq!(start.elapsed(), Duration::ZERO);
        // The slots it lent come back as the loans leave the window.
        assert!(!budget.acquire(Share::ReadThrough, Some(Duration::ZERO)).await);
        tokio::time::advance(TEN_SECONDS).await;
        for lookup in 0..27 {
            assert!(
                budget.acquire(Share::ReadThrough, Some(Duration::ZERO)).await,
                "read-through lookup {lookup} after the loans expired"
            );
        }
    }

    /// Machine-token traffic follows attacker-chosen headers: it keeps to its own slice even when
    /// every other share is idle, and others may still use it.
    #[tokio::test(start_paused = true)]
    async fn machine_tokens_never_borrow() {
        let budget = budget(90);
        let mut verified = 0;
        while budget.acquire(Share::MachineTokens, Some(Duration::ZERO)).await {
            verified += 1;
        }
        assert_eq!(verified, 13);
        for share in [
            Share::ReadThrough,
            Share::Reconciliation,
            Share::Sessions,
            Share::Default,
        ] {
            assert!(budget.acquire(share, Some(Duration::ZERO)).await, "{share}");
        }
        // Waiting does not help before its own grants leave the window.
        assert!(
            !budget
                .acquire(Share::MachineTokens, Some(Duration::from_secs(9)))
                .await
        );
        assert!(budget.acquire(Share::MachineTokens, Some(TEN_SECONDS)).await);
    }

    /// Issue 22, item 2: handshakes and refreshes keep their whole slice whatever the rest of
    /// the traffic does, and take nothing from it.
    #[tokio::test(start_paused = true)]
    async fn the_sessions_share_neither_lends_nor_borrows() {
        let budget = budget(90);
        for share in [
            Share::ReadThrough,
            Share::Reconciliation,
            Share::MachineTokens,
            Share::Default,
        ] {
            while budget.acquire(share, Some(Duration::ZERO)).await {}
        }
        let mut resolved = 0;
        while budget.acquire(Share::Sessions, Some(Duration::ZERO)).await {
            resolved += 1;
        }
        assert_eq!(resolved, 13, "its whole slice, and nothing more");
    }

    #[tokio::test(start_paused = true)]
    async fn a_share_is_pressed_from_half_its_slice() {
        let budget = budget(90);
        for _ in 0..6 {
            assert!(!budget.is_pressed(Share::Sessions));
            assert!(budget.acquire(Share::Sessions, Some(Duration::ZERO)).await);
        }
        assert!(!budget.is_pressed(Share::Sessions), "6 of 13");
        assert!(budget.acquire(Share::Sessions, Some(Duration::ZERO)).await);
        assert!(budget.is_pressed(Share::Sessions), "7 of 13");
        assert!(!budget.is_pressed(Share::Default));
        tokio::time::advance(TEN_SECONDS).await;
        assert!(!budget.is_pressed(Share::Sessions));
        budget.pause(Duration::from_secs(1));
        assert!(
            budget.is_pressed(Share::Default),
            "a 429 pause presses every share"
        );
    }

    #[tokio::test(start_paused = true)]
    async fn bounded_wait_gives_up() {
        let budget = budget(1);
        assert!(budget.acquire(Share::Default, Some(Duration::ZERO)).await);
        assert!(!budget.acquire(Share::Default, Some(Duration::from_secs(2))).await);
        assert_eq!(budget.snapshot().available, 0);
        assert_eq!(budget.snapshot().exhausted, 1);
    }

    #[tokio::test(start_paused = true)]
    async fn pause_holds_every_share() {
        let budget = budget(100);
        budget.pause(Duration::from_secs(5));
        assert!(budget.snapshot().paused);
        for share in Share::ALL {
            assert!(!budget.acquire(share, Some(Duration::from_secs(1))).await);
        }
        let start = Instant::now();
        assert!(budget.acquire(Share::Reconciliation, None).await);
        assert_eq!(start.elapsed(), Duration::from_secs(5));
    }

    /// Issue 10, item 5: a server-given wait of `u64::MAX` seconds neither panics nor halts the
    /// budget for longer than a minute.
    #[tokio::test(start_paused = true)]
    async fn a_huge_pause_is_clamped_to_a_minute() {
        let budget = budget(100);
        budget.pause(Duration::from_secs(u64::MAX));
        budget.pause(Duration::MAX);
        let start = Instant::now();
        assert!(budget.acquire(Share::ReadThrough, None).await);
        assert_eq!(start.elapsed(), Duration::from_secs(60));
    }
}
