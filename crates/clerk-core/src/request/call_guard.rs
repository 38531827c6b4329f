//! The request flow's Backend API calls (resolving a handshake nonce, refreshing a session) before
//! they are made.
//!
//! Anyone can put `?__clerk_handshake_nonce=…` (or the cookie) on any request, and anyone with one
//! expired token of their own can send it with a made-up `__refresh` cookie: Clerk's SDK makes one
//! Backend API call for each. This guard keeps such requests from spending the budget that real
//! handshakes and refreshes need:
//!
//! 1. a nonce that cannot be one (empty, over [`MAX_NONCE_LEN`] bytes, or outside URL-safe
//!    characters) is refused locally;
//! 2. a nonce the Backend API did not know, or a refresh it refused, is remembered (its SHA-256
//!    digest, for [`FAILED_TTL`], at most about [`FAILED_CAPACITY`]), so a repeat costs nothing;
//! 3. a client (by address as the adapter's trusted-proxy rule decides it; IPv6 by its /64) has
//!    at most [`IN_FLIGHT`] calls in flight, and one that has had [`CLIENT_STRIKES`] failed calls
//!    within [`CLIENT_WINDOW`] gets no more while the Backend API calls run short (the backend's
//!    [`is_under_pressure`](super::SessionBackend::is_under_pressure)). Without pressure nobody is
//!    limited, so clients that share an address (behind a proxy that is not trusted, a NAT) are not
//!    locked out by a stray spent nonce.
//!
//! A browser back from a real handshake sends one nonce the Backend API knows; a real refresh
//! succeeds: neither is ever a strike. Time is the request's injected clock.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::{Duration, SystemTime};

use sha2::{Digest, Sha256};

/// The longest nonce looked up. Clerk documents no format; its nonces are short random ids.
pub(crate) const MAX_NONCE_LEN: usize = 256;
/// How long a nonce the Backend API did not know (or a refused refresh) is remembered.
pub(crate) const FAILED_TTL: Duration = Duration::from_secs(60);
/// How many failed calls are remembered, about.
pub(crate) const FAILED_CAPACITY: usize = 4096;
/// Failed calls a client may have within [`CLIENT_WINDOW`] before it is limited under pressure.
pub(crate) const CLIENT_STRIKES: u32 = 4;
/// The window of [`CLIENT_STRIKES`].
pub(crate) const CLIENT_WINDOW: Duration = Duration::from_secs(60);
/// Calls a client may have in flight at once.
pub(crate) const IN_FLIGHT: u32 = 4;
/// How many clients are tracked; past that the stalest entry makes room.
const CLIENT_CAPACITY: usize = 4096;
/// How often a failed call is logged, at most.
const LOG_EVERY: Duration = Duration::from_secs(10);

/// Which call of the request flow.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Call<'a> {
    /// `GET /v1/clients/handshake_payload?nonce=`.
    Nonce(&'a str),
    /// `POST /v1/sessions/{sid}/refresh` with this `__refresh` cookie.
    Refresh {
        session_id: &'a str,
        refresh_token: &'a str,
    },
}

impl Call<'_> {
    fn digest(&self) -> [u8; 32] {
        let mut hash = Sha256::new();
        match self {
            Call::Nonce(nonce) => {
                hash.update(b"nonce\0");
                hash.update(nonce.as_bytes());
            }
            Call::Refresh {
                session_id,
                refresh_token,
            } => {
                hash.update(b"refresh\0");
                hash.update(session_id.as_bytes());
                hash.update(b"\0");
                hash.update(refresh_token.as_bytes());
            }
        }
        hash.finalize().into()
    }
}

/// Why a call was not made.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Refusal {
    /// The nonce cannot be one (length or characters).
    Malformed,
    /// The same call failed moments ago, with this Clerk error code: the answer is the same.
    Failed(Box<str>),
    /// Its client has too many calls in flight, or too many failed ones while calls run short.
    ClientLimited,
}

/// Counters of the guard of the request flow's Backend API calls
/// ([`crate::request::RequestAuthenticator::call_guard_stats`]).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct CallGuardStats {
    /// Nonces refused for their shape.
    pub malformed: u64,
    /// Calls refused because the same call had just failed.
    pub remembered_failures: u64,
    /// Calls refused because of their client (too many in flight, or failing under pressure).
    pub client_limited: u64,
    /// Calls the Backend API failed (an unknown nonce, a refused refresh).
    pub failed: u64,
}

/// A failed call, by its digest: until when it is remembered, and the Clerk error code it
/// failed with.
type Failure = (SystemTime, Box<str>);

#[derive(Default)]
struct Client {
    strikes: u32,
    since: Option<SystemTime>,
    in_flight: u32,
}

/// The guard; one per authenticator.
#[derive(Default)]
pub(crate) struct CallGuard {
    failed: Mutex<HashMap<[u8; 32], Failure>>,
    clients: Mutex<HashMap<Option<IpAddr>, Client>>,
    /// When a failed call was last logged, and how many were not logged since.
    logged: Mutex<(Option<SystemTime>, u64)>,
    malformed: AtomicU64,
    remembered: AtomicU64,
    limited: AtomicU64,
    failures: AtomicU64,
}

/// A call let through: ends its client's in-flight count when dropped (whatever the answer, a
/// cancelled request included).
pub(crate) struct Permit<'g> {
    guard: &'g CallGuard,
    client: Option<IpAddr>,
}

impl Drop for Permit<'_> {
    fn drop(&mut self) {
        if let Some(client) = lock(&self.guard.clients).get_mut(&self.client) {
            client.in_flight = client.in_flight.saturating_sub(1);
        }
    }
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

/// Whether `nonce` can be a nonce at all: 1 to [`MAX_NONCE_LEN`] bytes of `A-Z a-z 0-9 - _ . ~`.
pub(crate) fn is_plausible(nonce: &str) -> bool {
    (1..=MAX_NONCE_LEN).contains(&nonce.len())
        && nonce
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~'))
}

/// Whether a Clerk error code answering a nonce lookup says the nonce is unknown (not found, or
/// refused as a parameter), as opposed to a rate limit or an outage that says nothing about it.
pub(crate) fn means_unknown(code: &str) -> bool {
    code == "resource_not_found" || code.starts_with("form_")
}

/// The key a client is counted under: its address, an IPv6 address by its /64 (one host
/// commonly holds a whole /64).
fn client_key(client: Option<IpAddr>) -> Option<IpAddr> {
    match client {
        Some(IpAddr::V6(ip)) if ip.to_ipv4_mapped().is_none() => {
            let bits = u128::from(ip) & !((1u128 << 64) - 1);
            Some(IpAddr::V6(bits.into()))
        }
        Some(IpAddr::V6(ip)) => ip.to_ipv4_mapped().map(IpAddr::V4),
        other => other,
    }
}

impl CallGuard {
    /// Lets `call` from `client` through now, or says why not (and counts it). `pressure`: the
    /// backend's calls run short, so clients with failed calls wait for their window.
    pub(crate) fn admit(
        &self,
        call: Call<'_>,
        client: Option<IpAddr>,
        now: SystemTime,
        pressure: bool,
    ) -> Result<Permit<'_>, Refusal> {
        let refused = |refusal, counter: &AtomicU64| {
            counter.fetch_add(1, Ordering::Relaxed);
            Err(refusal)
        };
        if matches!(call, Call::Nonce(nonce) if !is_plausible(nonce)) {
            return refused(Refusal::Malformed, &self.malformed);
        }
        let failed_before = lock(&self.failed)
            .get(&call.digest())
            .filter(|(expires, _)| *expires > now)
            .map(|(_, code)| code.clone());
        if let Some(code) = failed_before {
            return refused(Refusal::Failed(code), &self.remembered);
        }
        let key = client_key(client);
        let mut clients = lock(&self.clients);
        make_room(&mut clients, key, now);
        let entry = clients.entry(key).or_default();
        if entry.since.is_some_and(|since| expired(since, now)) {
            (entry.strikes, entry.since) = (0, None);
        }
        if entry.in_flight >= IN_FLIGHT || (pressure && entry.strikes >= CLIENT_STRIKES) {
            drop(clients);
            return refused(Refusal::ClientLimited, &self.limited);
        }
        entry.in_flight += 1;
        Ok(Permit {
            guard: self,
            client: key,
        })
    }

    /// The Backend API failed `call` with Clerk error `code` (an unknown nonce, a refused
    /// refresh): remember it, and give its client a strike.
    pub(crate) fn failed(&self, call: Call<'_>, code: &str, permit: &Permit<'_>, now: SystemTime) {
        self.failures.fetch_add(1, Ordering::Relaxed);
        {
            let mut failed = lock(&self.failed);
            if failed.len() >= FAILED_CAPACITY {
                failed.retain(|_, (expires, _)| *expires > now);
                if failed.len() >= FAILED_CAPACITY {
                    // Still full of live entries (a flood): start over rather than grow.
                    failed.clear();
                }
            }
            failed.insert(call.digest(), (now + FAILED_TTL, code.into()));
        }
        if let Some(client) = lock(&self.clients).get_mut(&permit.client) {
            client.strikes = client.strikes.saturating_add(1);
            client.since.get_or_insert(now);
        }
    }

    /// The counters.
    pub(crate) fn stats(&self) -> CallGuardStats {
        CallGuardStats {
            malformed: self.malformed.load(Ordering::Relaxed),
            remembered_failures: self.remembered.load(Ordering::Relaxed),
            client_limited: self.limited.load(Ordering::Relaxed),
            failed: self.failures.load(Ordering::Relaxed),
        }
    }

    /// Whether a failed call may be logged now (one line per [`LOG_EVERY`]), with the number of
    /// failures not logged since the last line.
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
}

/// Keeps the client table bounded: before a new client is added to a full table, forgets the
/// clients with nothing in flight and no live strikes, then the stalest.
fn make_room(clients: &mut HashMap<Option<IpAddr>, Client>, key: Option<IpAddr>, now: SystemTime) {
    if clients.len() < CLIENT_CAPACITY || clients.contains_key(&key) {
        return;
    }
    clients.retain(|_, c| c.in_flight > 0 || c.since.is_some_and(|since| !expired(since, now)));
    if clients.len() >= CLIENT_CAPACITY {
        let stalest = clients
            .iter()
            .filter(|(_, c)| c.in_flight == 0)
            .min_by_key(|(_, c)| c.since)
            .map(|(k, _)| *k);
        if let Some(stalest) = stalest {
            clients.remove(&stalest);
        }
    }
}

fn expired(since: SystemTime, now: SystemTime) -> bool {
    now.duration_since(since).is_ok_and(|age| age >= CLIENT_WINDOW)
}

#[cfg(test)]
mod tests {
    use super::*;

    const T0: SystemTime = SystemTime::UNIX_EPOCH;
    const FLOOD: Option<IpAddr> = Some(IpAddr::V4(std::net::Ipv4Addr::new(203, 0, 113, 9)));
    const BROWSER: Option<IpAddr> = Some(IpAddr::V4(std::net::Ipv4Addr::new(198, 51, 100, 7)));

    fn fail(guard: &CallGuard, nonce: &str, client: Option<IpAddr>) {
        let permit = guard
            .admit(Call::Nonce(nonce), client, T0, false)
            .expect("admitted");
        guard.failed(Call::Nonce(nonce), "resource_not_found", &permit, T0);
    }

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
    fn a_failed_call_is_remembered_for_its_ttl() {
        let guard = CallGuard::default();
        fail(&guard, "n_1", FLOOD);
        let again = |at| guard.admit(Call::Nonce("n_1"), None, at, false).err();
        assert_eq!(again(T0), Some(Refusal::Failed("resource_not_found".into())));
        assert_eq!(again(T0 + FAILED_TTL), None);
        let refresh = Call::Refresh {
            session_id: "sess_1",
            refresh_token: "rt_x",
        };
        let permit = guard.admit(refresh, FLOOD, T0, false).expect("admitted");
        guard.failed(refresh, "authentication_invalid", &permit, T0);
        drop(permit);
        assert_eq!(
            guard.admit(refresh, BROWSER, T0, false).err(),
            Some(Refusal::Failed("authentication_invalid".into())),
            "answered with the code it failed with"
        );
        let other = Call::Refresh {
            session_id: "sess_1",
            refresh_token: "rt_real",
        };
        assert!(guard.admit(other, BROWSER, T0, false).is_ok());
    }

    #[test]
    fn a_client_with_failed_calls_waits_only_under_pressure() {
        let guard = CallGuard::default();
        for n in 0..CLIENT_STRIKES {
            fail(&guard, &format!("made_up_{n}"), FLOOD);
        }
        let admit = |client, pressure| guard.admit(Call::Nonce("fresh"), client, T0, pressure).err();
        assert_eq!(admit(FLOOD, false), None, "no pressure: nobody is limited");
        assert_eq!(admit(FLOOD, true), Some(Refusal::ClientLimited));
        assert_eq!(admit(BROWSER, true), None, "another client is not limited");
        assert!(guard
            .admit(Call::Nonce("fresh"), FLOOD, T0 + CLIENT_WINDOW, true)
            .is_ok());
        assert_eq!(guard.stats().client_limited, 1);
        assert_eq!(guard.stats().failed, u64::from(CLIENT_STRIKES));
    }

    #[test]
    fn in_flight_calls_are_bounded_per_client_and_released_on_drop() {
        let guard = CallGuard::default();
        let permits: Vec<_> = (0..IN_FLIGHT)
            .map(|n| {
                guard
                    .admit(Call::Nonce(&format!("n{n}")), FLOOD, T0, false)
                    .expect("admitted")
            })
            .collect();
        assert_eq!(
            guard.admit(Call::Nonce("more"), FLOOD, T0, false).err(),
            Some(Refusal::ClientLimited)
        );
        assert!(guard.admit(Call::Nonce("more"), BROWSER, T0, false).is_ok());
        drop(permits);
        assert!(guard.admit(Call::Nonce("more"), FLOOD, T0, false).is_ok());
    }

    #[test]
    fn an_ipv6_host_counts_as_its_64() {
        let a: IpAddr = "2001:db8:1:2::1".parse().unwrap();
        let b: IpAddr = "2001:db8:1:2:ffff::9".parse().unwrap();
        let c: IpAddr = "2001:db8:1:3::1".parse().unwrap();
        assert_eq!(client_key(Some(a)), client_key(Some(b)));
        assert_ne!(client_key(Some(a)), client_key(Some(c)));
        let mapped: IpAddr = "::ffff:203.0.113.9".parse().unwrap();
        assert_eq!(client_key(Some(mapped)), FLOOD);
    }

    #[test]
    fn failures_are_logged_once_per_interval() {
        let guard = CallGuard::default();
        assert_eq!(guard.may_log(T0), Some(0));
        assert_eq!(guard.may_log(T0 + Duration::from_secs(1)), None);
        assert_eq!(guard.may_log(T0 + Duration::from_secs(2)), None);
        assert_eq!(guard.may_log(T0 + LOG_EVERY), Some(2));
    }

    #[test]
    fn memory_stays_bounded() {
        let guard = CallGuard::default();
        for n in 0..(FAILED_CAPACITY * 2) {
            let client = Some(IpAddr::from((n as u32).to_be_bytes()));
            fail(&guard, &format!("n_{n}"), client);
        }
        assert!(lock(&guard.failed).len() <= FAILED_CAPACITY);
        assert!(lock(&guard.clients).len() <= CLIENT_CAPACITY);
    }
}
