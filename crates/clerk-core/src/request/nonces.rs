//! Handshake nonces before they cost a Backend API call.
//!
//! Anyone can put `?__clerk_handshake_nonce=…` (or the cookie) on any request, and Clerk's SDK
//! looks every one up (`GET /v1/clients/handshake_payload`). This guard keeps made-up nonces from
//! spending the Backend API budget that real handshakes need:
//!
//! 1. a nonce that cannot be one (empty, over [`MAX_NONCE_LEN`] bytes, or outside URL-safe
//!    characters) is refused locally;
//! 2. a nonce the Backend API did not know is remembered (its SHA-256 digest, for
//!    [`UNKNOWN_TTL`], at most about [`UNKNOWN_CAPACITY`]), so a repeat costs nothing;
//! 3. a client (by address, as the adapter's trusted-proxy rule decides it) has at most
//!    [`CLIENT_STRIKES`] lookups within [`CLIENT_WINDOW`] that did not turn out to be real
//!    (a lookup counts from the moment it starts, so concurrent requests cannot overrun the
//!    allowance; a nonce the Backend API knew gives its strike back): a flood of fresh random
//!    nonces from one place costs at most that many calls per window, and a real handshake from
//!    anywhere else still resolves.
//!
//! A browser back from a real handshake sends one nonce the Backend API knows: none of this
//! refuses it. Time is the request's injected clock.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::{Duration, SystemTime};

use sha2::{Digest, Sha256};

/// The longest nonce looked up. Clerk documents no format; its nonces are short random ids.
pub(crate) const MAX_NONCE_LEN: usize = 256;
/// How long a nonce the Backend API did not know is remembered.
pub(crate) const UNKNOWN_TTL: Duration = Duration::from_secs(60);
/// How many unknown nonces are remembered, about.
pub(crate) const UNKNOWN_CAPACITY: usize = 4096;
/// Lookups a client may have within [`CLIENT_WINDOW`] that were not real nonces.
pub(crate) const CLIENT_STRIKES: u32 = 4;
/// The window of [`CLIENT_STRIKES`].
pub(crate) const CLIENT_WINDOW: Duration = Duration::from_secs(60);
/// How many clients are tracked; past that the stalest entry makes room.
const CLIENT_CAPACITY: usize = 4096;

/// Why a handshake nonce was not looked up.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum NonceRefusal {
    /// It cannot be a nonce (length or characters).
    Malformed,
    /// The Backend API said it did not know it, moments ago.
    Unknown,
    /// Its client sent too many nonces that were not real lately.
    ClientLimited,
}

/// Counters of the handshake-nonce guard, for metrics ([`crate::request::RequestAuthenticator::nonce_stats`]).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct NonceStats {
    /// Nonces refused for their shape.
    pub malformed: u64,
    /// Nonces refused because the Backend API had just said it did not know them.
    pub remembered_unknown: u64,
    /// Nonces refused because their client had sent too many that were not real.
    pub client_limited: u64,
    /// Lookups the Backend API answered with "unknown".
    pub unknown: u64,
}

struct Strikes {
    count: u32,
    since: SystemTime,
}

/// How often a failed nonce lookup is logged, at most.
const LOG_EVERY: Duration = Duration::from_secs(10);

/// The guard; one per authenticator.
#[derive(Default)]
pub(crate) struct NonceGuard {
    unknown: Mutex<HashMap<[u8; 32], SystemTime>>,
    /// When a failed lookup was last logged, and how many were not logged since.
    logged: Mutex<(Option<SystemTime>, u64)>,
    clients: Mutex<HashMap<Option<IpAddr>, Strikes>>,
    malformed: AtomicU64,
    remembered: AtomicU64,
    limited: AtomicU64,
    unknown_answers: AtomicU64,
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

/// Whether a Clerk error code answering a nonce lookup says the nonce is unknown (not found, or
/// refused as a parameter), as opposed to a rate limit or an outage that says nothing about it.
pub(crate) fn means_unknown(code: &str) -> bool {
    code == "resource_not_found" || code.starts_with("form_")
}

/// Whether `nonce` can be a nonce at all: 1 to [`MAX_NONCE_LEN`] bytes of `A-Z a-z 0-9 - _ . ~`.
pub(crate) fn is_plausible(nonce: &str) -> bool {
    (1..=MAX_NONCE_LEN).contains(&nonce.len())
        && nonce
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~'))
}

impl NonceGuard {
    /// Whether `nonce` from `client` may be looked up now: if so, the lookup takes one of the
    /// client's strikes (given back by [`known`](Self::known)); a refusal is counted.
    pub(crate) fn check(
        &self,
        nonce: &str,
        client: Option<IpAddr>,
        now: SystemTime,
    ) -> Result<(), NonceRefusal> {
        let refusal = if !is_plausible(nonce) {
            Some((NonceRefusal::Malformed, &self.malformed))
        } else if self.is_remembered(nonce, now) {
            Some((NonceRefusal::Unknown, &self.remembered))
        } else if !self.take_strike(client, now) {
            Some((NonceRefusal::ClientLimited, &self.limited))
        } else {
            None
        };
        match refusal {
            Some((refusal, counter)) => {
                counter.fetch_add(1, Ordering::Relaxed);
                Err(refusal)
            }
            None => Ok(()),
        }
    }

    /// The Backend API knew the nonce `client` sent: its strike is given back.
    pub(crate) fn known(&self, client: Option<IpAddr>) {
        if let Some(strikes) = lock(&self.clients).get_mut(&client) {
            strikes.count = strikes.count.saturating_sub(1);
        }
    }

    /// The Backend API did not know `nonce`: remember it.
    pub(crate) fn unknown(&self, nonce: &str, now: SystemTime) {
        self.unknown_answers.fetch_add(1, Ordering::Relaxed);
        let mut unknown = lock(&self.unknown);
        if unknown.len() >= UNKNOWN_CAPACITY {
            unknown.retain(|_, expires| *expires > now);
            if unknown.len() >= UNKNOWN_CAPACITY {
                // Still full of live entries (a flood): start over rather than grow.
                unknown.clear();
            }
        }
        unknown.insert(digest(nonce), now + UNKNOWN_TTL);
    }

    /// Takes one of `client`'s strikes; `false` when none is left in its window.
    fn take_strike(&self, client: Option<IpAddr>, now: SystemTime) -> bool {
        let mut clients = lock(&self.clients);
        if clients.len() >= CLIENT_CAPACITY && !clients.contains_key(&client) {
            clients.retain(|_, strikes| !expired(strikes, now));
            if clients.len() >= CLIENT_CAPACITY {
                let stalest = clients.iter().min_by_key(|(_, s)| s.since).map(|(k, _)| *k);
                if let Some(stalest) = stalest {
                    clients.remove(&stalest);
                }
            }
        }
        let strikes = clients.entry(client).or_insert(Strikes { count: 0, since: now });
        if expired(strikes, now) {
            *strikes = Strikes { count: 0, since: now };
        }
        if strikes.count >= CLIENT_STRIKES {
            return false;
        }
        strikes.count += 1;
        true
    }

    /// The counters.
    pub(crate) fn stats(&self) -> NonceStats {
        NonceStats {
            malformed: self.malformed.load(Ordering::Relaxed),
            remembered_unknown: self.remembered.load(Ordering::Relaxed),
            client_limited: self.limited.load(Ordering::Relaxed),
            unknown: self.unknown_answers.load(Ordering::Relaxed),
        }
    }

    /// Whether a failed lookup may be logged now (one line per [`LOG_EVERY`]), with the number
    /// of failures not logged since the last line.
    pub(crate) fn may_log(&self, now: SystemTime) -> Option<u64> {
        let mut logged = lock(&self.logged);
        let due = logged
            .0
            .is_none_or(|last| now.duration_since(last).map_or(true, |age| age >= LOG_EVERY));
        if !due {
            logged.1 += 1;
            return None;
        }
        let suppressed = logged.1;
        *logged = (Some(now), 0);
        Some(suppressed)
    }

    fn is_remembered(&self, nonce: &str, now: SystemTime) -> bool {
        lock(&self.unknown)
            .get(&digest(nonce))
            .is_some_and(|expires| *expires > now)
    }
}

fn expired(strikes: &Strikes, now: SystemTime) -> bool {
    now.duration_since(strikes.since)
        .is_ok_and(|age| age >= CLIENT_WINDOW)
}

fn digest(nonce: &str) -> [u8; 32] {
    Sha256::digest(nonce.as_bytes()).into()
}

#[cfg(test)]
mod tests {
    use super::*;

    const T0: SystemTime = SystemTime::UNIX_EPOCH;

    #[test]
    fn shapes_that_cannot_be_nonces() {
        for nonce in ["nonce_123", "a1B2-c3.d4~", &"x".repeat(MAX_NONCE_LEN)] {
            assert!(is_plausible(nonce), "{nonce}");
        }
        for nonce in [
            "",
            "a b",
            "a/b",
            "a%3F",
            "é",
            "a\u{0}",
            &"x".repeat(MAX_NONCE_LEN + 1),
        ] {
            assert!(!is_plausible(nonce), "{nonce:?}");
        }
    }

    #[test]
    fn an_unknown_nonce_is_remembered_for_its_ttl() {
        let guard = NonceGuard::default();
        let client = Some(IpAddr::from([203, 0, 113, 9]));
        assert_eq!(guard.check("n_1", client, T0), Ok(()));
        guard.unknown("n_1", T0);
        assert_eq!(guard.check("n_1", None, T0), Err(NonceRefusal::Unknown));
        assert_eq!(guard.check("n_2", None, T0), Ok(()));
        assert_eq!(guard.check("n_1", None, T0 + UNKNOWN_TTL), Ok(()));
        assert_eq!(guard.stats().remembered_unknown, 1);
    }

    #[test]
    fn a_client_with_too_many_lookups_that_were_not_real_waits_for_the_window() {
        let guard = NonceGuard::default();
        let flood = Some(IpAddr::from([203, 0, 113, 9]));
        let browser = Some(IpAddr::from([198, 51, 100, 7]));
        // Lookups in flight count at once: none of them has an answer yet.
        for n in 0..CLIENT_STRIKES {
            assert_eq!(
                guard.check(&format!("made_up_{n}"), flood, T0),
                Ok(()),
                "lookup {n}"
            );
        }
        assert_eq!(guard.check("fresh", flood, T0), Err(NonceRefusal::ClientLimited));
        assert_eq!(
            guard.check("fresh", browser, T0),
            Ok(()),
            "another client is not limited"
        );
        assert_eq!(guard.check("fresh", flood, T0 + CLIENT_WINDOW), Ok(()));
        assert_eq!(guard.stats().client_limited, 1);
        // A real nonce gives its strike back: a browser signing in again and again is never
        // limited.
        for _ in 0..(CLIENT_STRIKES * 3) {
            assert_eq!(guard.check("real", browser, T0), Ok(()));
            guard.known(browser);
        }
    }

    #[test]
    fn failures_are_logged_once_per_interval() {
        let guard = NonceGuard::default();
        assert_eq!(guard.may_log(T0), Some(0));
        assert_eq!(guard.may_log(T0 + Duration::from_secs(1)), None);
        assert_eq!(guard.may_log(T0 + Duration::from_secs(2)), None);
        assert_eq!(guard.may_log(T0 + LOG_EVERY), Some(2));
    }

    #[test]
    fn memory_stays_bounded() {
        let guard = NonceGuard::default();
        for n in 0..(UNKNOWN_CAPACITY * 2) {
            let client = Some(IpAddr::from((n as u32).to_be_bytes()));
            let nonce = format!("n_{n}");
            assert_eq!(guard.check(&nonce, client, T0), Ok(()));
            guard.unknown(&nonce, T0);
        }
        assert!(lock(&guard.unknown).len() <= UNKNOWN_CAPACITY);
        assert!(lock(&guard.clients).len() <= CLIENT_CAPACITY);
    }
}
