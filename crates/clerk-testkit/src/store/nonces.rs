//! Handshake nonces: the cookie directives of a `format=nonce` handshake, kept until the
//! backend redeems them once through `GET /v1/clients/handshake_payload`.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use crate::ids::random_hex;
use crate::lock::lock;

/// How long a nonce can be redeemed.
pub(crate) const NONCE_LIFETIME: Duration = Duration::from_secs(5 * 60);

#[derive(Debug)]
struct Pending {
    directives: Vec<String>,
    expires_at: Instant,
    /// A fixture nonce (see [`HandshakeNonces::issue_reusable`]): served until it expires.
    reusable: bool,
}

/// Pending handshake payloads by nonce. Cheap to clone.
#[derive(Debug, Clone, Default)]
pub(crate) struct HandshakeNonces {
    pending: Arc<Mutex<HashMap<String, Pending>>>,
}

impl HandshakeNonces {
    /// Keeps `directives` under a new random nonce and returns the nonce.
    pub(crate) fn issue(&self, directives: Vec<String>) -> String {
        self.issue_at(directives, Instant::now())
    }

    /// The directives under `nonce`, removed so that they are served once; `None` when the
    /// nonce is unknown, already used or expired.
    pub(crate) fn take(&self, nonce: &str) -> Option<Vec<String>> {
        self.take_at(nonce, Instant::now())
    }

    /// Keeps `directives` under a new nonce that every redemption serves until it expires: a
    /// test fixture for two clients (an SDK and Clerk's own) resolving the same handshake.
    pub(crate) fn issue_reusable(&self, directives: Vec<String>) -> String {
        self.insert(directives, Instant::now(), true)
    }

    fn issue_at(&self, directives: Vec<String>, now: Instant) -> String {
        self.insert(directives, now, false)
    }

    fn insert(&self, directives: Vec<String>, now: Instant, reusable: bool) -> String {
        let nonce = random_hex(40);
        let mut pending = lock(&self.pending);
        pending.retain(|_, p| p.expires_at > now);
        pending.insert(
            nonce.clone(),
            Pending {
                directives,
                expires_at: now + NONCE_LIFETIME,
                reusable,
            },
        );
        nonce
    }

    fn take_at(&self, nonce: &str, now: Instant) -> Option<Vec<String>> {
        let mut pending = lock(&self.pending);
        let entry = pending.get(nonce)?;
        if entry.expires_at <= now {
            pending.remove(nonce);
            return None;
        }
        if entry.reusable {
            return Some(entry.directives.clone());
        }
        pending.remove(nonce).map(|p| p.directives)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_nonce_is_served_once() {
        let nonces = HandshakeNonces::default();
        let nonce = nonces.issue(vec!["__session=a; Path=/".to_owned()]);
        assert_eq!(nonces.take(&nonce), Some(vec!["__session=a; Path=/".to_owned()]));
        assert_eq!(nonces.take(&nonce), None);
        assert_eq!(nonces.take("unknown"), None);
    }

    #[test]
    fn a_reusable_nonce_is_served_until_it_expires() {
        let nonces = HandshakeNonces::default();
        let nonce = nonces.issue_reusable(vec!["__client_uat=0; Path=/".to_owned()]);
        for _ in 0..3 {
            assert_eq!(
                nonces.take(&nonce),
                Some(vec!["__client_uat=0; Path=/".to_owned()])
            );
        }
        assert_eq!(nonces.take_at(&nonce, Instant::now() + NONCE_LIFETIME), None);
        assert_eq!(nonces.take(&nonce), None, "an expired nonce is gone");
    }

    #[test]
    fn a_nonce_expires_after_five_minutes() {
        let nonces = HandshakeNonces::default();
        let start = Instant::now();
        let fresh = nonces.issue_at(vec![], start);
        let stale = nonces.issue_at(vec![], start);
        assert_eq!(
            nonces.take_at(&fresh, start + NONCE_LIFETIME - Duration::from_secs(1)),
            Some(vec![])
        );
        assert_eq!(nonces.take_at(&stale, start + NONCE_LIFETIME), None);
    }
}
