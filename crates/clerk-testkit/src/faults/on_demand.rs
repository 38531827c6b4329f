//! Faults on demand: latency, error bursts, dropped connections, outages, key rotation.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use crate::error::Result;
use crate::ids::new_id;
use crate::instance::keys::{KeyRing, SigningKey};
use crate::lock::lock;

/// How the whole API behaves while down.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outage {
    /// Every request gets `503` with a Clerk error body.
    ServiceUnavailable,
    /// Every connection is closed without a response (see [`Faults::drop_next`]).
    DropConnections,
}

/// What to do to a request, decided before it is handled.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Action {
    Pass,
    Fail { status: u16, retry_after: Option<u64> },
    Drop,
}

#[derive(Debug, Clone)]
struct Burst {
    remaining: usize,
    action: Action,
}

#[derive(Debug, Default)]
struct FaultState {
    latency: Option<Duration>,
    endpoint_latency: HashMap<(String, String), Duration>,
    bursts: HashMap<(String, String), Vec<Burst>>,
    outage: Option<Outage>,
}

/// Injects faults into the running emulator. Cheap to clone.
///
/// Endpoints are named by method and route template as registered, e.g.
/// `("GET", "/v1/users/{user_id}")`, `("GET", "/v1/jwks")`,
/// `("GET", "/.well-known/jwks.json")`, `("POST", "/m2m_tokens/verify")`.
/// Faults apply before authentication and rate limiting, and show in the counters.
///
/// **Dropped connections**: the response head is never written and the socket is closed
/// (the response body fails on its first poll, which makes actix-http abort the
/// connection). A client sees the connection closed before any response byte: a raw
/// socket reads EOF, curl says "Empty reply from server", awc returns a
/// `SendRequestError` ("Failed to connect to host: Internal error: connector has been
/// disconnected"), Node's fetch throws `TypeError: fetch failed` (`other side closed`).
#[derive(Clone)]
pub struct Faults {
    state: Arc<Mutex<FaultState>>,
    keys: KeyRing,
}

impl std::fmt::Debug for Faults {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Faults").finish_non_exhaustive()
    }
}

impl Faults {
    pub(crate) fn new(keys: KeyRing) -> Self {
        Self {
            state: Arc::default(),
            keys,
        }
    }

    /// Adds `latency` to every request (`None` removes it).
    pub fn latency(&self, latency: Option<Duration>) {
        lock(&self.state).latency = latency;
    }

    /// Adds `latency` to one endpoint (`None` removes it); adds up with the global latency.
    pub fn endpoint_latency(&self, method: &str, route: &str, latency: Option<Duration>) {
        let mut state = lock(&self.state);
        let key = (method.to_ascii_uppercase(), route.to_owned());
        match latency {
            Some(latency) => state.endpoint_latency.insert(key, latency),
            None => state.endpoint_latency.remove(&key),
        };
    }

    /// Answers the next `n` requests to an endpoint with `status` (e.g. 500, 502, 503) and a
    /// Clerk error body.
    pub fn fail_next(&self, method: &str, route: &str, n: usize, status: u16) {
        self.push(
            method,
            route,
            n,
            Action::Fail {
                status,
                retry_after: None,
            },
        );
    }

    /// Answers the next `n` requests to an endpoint with `429 too_many_requests` and
    /// `Retry-After: retry_after_secs`.
    pub fn rate_limit_next(&self, method: &str, route: &str, n: usize, retry_after_secs: u64) {
        self.push(
            method,
            route,
            n,
            Action::Fail {
                status: 429,
                retry_after: Some(retry_after_secs),
            },
        );
    }

    /// Closes the connection without a response for the next `n` requests to an endpoint.
    pub fn drop_next(&self, method: &str, route: &str, n: usize) {
        self.push(method, route, n, Action::Drop);
    }

    /// Takes the whole API down (including JWKS), or brings it back with `None`.
    pub fn outage(&self, outage: Option<Outage>) {
        lock(&self.state).outage = outage;
    }

    /// Removes every fault (keys are left as they are).
    pub fn clear(&self) {
        *lock(&self.state) = FaultState::default();
    }

    /// Rotates the signing key: generates a new key (`kid` = a new `ins_…`), serves it in
    /// JWKS next to the old ones, and mints with it from now on. Returns the new key.
    ///
    /// # Errors
    ///
    /// [`crate::Error::Key`] if key generation fails.
    pub fn rotate_key(&self) -> Result<SigningKey> {
        let key = SigningKey::generate(new_id("ins_"))?;
        self.keys.add_active(key.clone());
        Ok(key)
    }

    /// Serves `key` in JWKS and mints with it from now on.
    pub fn add_key(&self, key: SigningKey) {
        self.keys.add_active(key);
    }

    /// Stops serving the key `kid` in JWKS (tokens it signed no longer verify once a
    /// verifier refreshes). Returns whether it was served.
    pub fn retire_key(&self, kid: &str) -> bool {
        self.keys.retire(kid)
    }

    fn push(&self, method: &str, route: &str, n: usize, action: Action) {
        if n == 0 {
            return;
        }
        lock(&self.state)
            .bursts
            .entry((method.to_ascii_uppercase(), route.to_owned()))
            .or_default()
            .push(Burst { remaining: n, action });
    }

    /// The latency to add and the action for a request to `(method, route)`.
    pub(crate) fn take(&self, method: &str, route: &str) -> (Duration, Action) {
        let mut state = lock(&self.state);
        let key = (method.to_owned(), route.to_owned());
        let latency =
            state.latency.unwrap_or_default() + state.endpoint_latency.get(&key).copied().unwrap_or_default();
        let action = match state.outage {
            Some(Outage::ServiceUnavailable) => Action::Fail {
                status: 503,
                retry_after: None,
            },
            Some(Outage::DropConnections) => Action::Drop,
            None => {
                let mut action = Action::Pass;
                if let Some(bursts) = state.bursts.get_mut(&key) {
                    if let Some(burst) = bursts.first_mut() {
                        action = burst.action.clone();
                        burst.remaining -= 1;
                        if burst.remaining == 0 {
                            bursts.remove(0);
                        }
                    }
                }
                action
            }
        };
        (latency, action)
    }
}
