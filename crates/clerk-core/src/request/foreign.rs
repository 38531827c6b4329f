//! Tokens the session flow found not to be session tokens (machine tokens and other non-session
//! JWTs, answered `token-type-mismatch`), remembered so that a machine client reusing its token
//! is not decoded again on every request.
//!
//! The answer depends on the token's text alone (no key, no clock), so an entry never expires.
//! Anyone can mint such a token, signed or not: entries are SHA-256 digests (32 bytes, never the
//! token itself), the set is bounded, and a full shard forgets an arbitrary entry.

use std::collections::HashSet;
use std::sync::{Mutex, MutexGuard, PoisonError};

use sha2::{Digest, Sha256};

const SHARDS: usize = 16;

/// A token's digest.
pub(super) type Key = [u8; 32];

/// A bounded set of digests of non-session tokens.
pub(super) struct ForeignTokens {
    shards: Box<[Mutex<HashSet<Key>>]>,
    per_shard: usize,
}

impl ForeignTokens {
    /// A set of at most about `capacity` tokens (0 = off).
    pub(super) fn new(capacity: usize) -> Self {
        Self {
            shards: (0..SHARDS).map(|_| Mutex::default()).collect(),
            per_shard: capacity.div_ceil(SHARDS),
        }
    }

    /// `token`'s key, or `None` when the set is off (no digest is computed then).
    pub(super) fn key(&self, token: &str) -> Option<Key> {
        (self.per_shard > 0).then(|| Sha256::digest(token.as_bytes()).into())
    }

    fn shard(&self, key: &Key) -> MutexGuard<'_, HashSet<Key>> {
        self.shards[usize::from(key[0]) % SHARDS]
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }

    /// Whether the token of `key` is known not to be a session token.
    pub(super) fn contains(&self, key: &Key) -> bool {
        self.shard(key).contains(key)
    }

    /// Remembers that the token of `key` is not a session token.
    pub(super) fn insert(&self, key: Key) {
        let mut shard = self.shard(&key);
        if shard.len() >= self.per_shard && !shard.contains(&key) {
            if let Some(victim) = shard.iter().next().copied() {
                shard.remove(&victim);
            }
        }
        shard.insert(key);
    }

    /// Tokens remembered.
    #[cfg(test)]
    pub(super) fn len(&self) -> usize {
        self.shards
            .iter()
            .map(|shard| shard.lock().unwrap_or_else(PoisonError::into_inner).len())
            .sum()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bounded_and_off_at_zero() {
        let set = ForeignTokens::new(16);
        for i in 0..1_000 {
            let key = set.key(&format!("token-{i}")).unwrap();
            set.insert(key);
            assert!(set.contains(&key));
        }
        assert!(set.len() <= 16, "{} entries", set.len());
        assert_eq!(ForeignTokens::new(0).key("token"), None);
    }
}
