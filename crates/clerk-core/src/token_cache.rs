//! A bounded cache of verified session tokens: a client that reuses its token (tokens live 60 s)
//! pays the RSA check once.

use std::collections::hash_map::RandomState;
use std::collections::HashMap;
use std::hash::{BuildHasher, Hasher};
use std::sync::{Arc, Mutex};
use std::time::SystemTime;

use crate::time::unix_millis;
use crate::verify::TokenTimes;

const SHARDS: usize = 16;

type Shard<T> = Mutex<HashMap<Arc<str>, Entry<T>, TailHash>>;

/// How many of a token's last bytes its hash reads.
const HASHED_TAIL: usize = 32;

/// Hashes the last [`HASHED_TAIL`] bytes of each key (a token's signature: unpredictable), with
/// the standard library's randomly keyed SipHash, instead of the whole kilobyte of a token on
/// every lookup. Equality still compares whole tokens. Hash flooding needs many keys with one
/// tail in a shard, and only tokens that passed verification are stored: their signatures are
/// Clerk's, not an attacker's choice.
#[derive(Clone, Default)]
struct TailHash(RandomState);

impl BuildHasher for TailHash {
    type Hasher = TailHasher;

    fn build_hasher(&self) -> TailHasher {
        TailHasher(self.0.build_hasher())
    }
}

struct TailHasher(std::collections::hash_map::DefaultHasher);

impl Hasher for TailHasher {
    fn write(&mut self, bytes: &[u8]) {
        self.0.write(&bytes[bytes.len().saturating_sub(HASHED_TAIL)..]);
    }

    fn finish(&self) -> u64 {
        self.0.finish()
    }
}

struct Entry<T> {
    value: T,
    times: TokenTimes,
    key_epoch: u64,
}

/// Verified tokens, keyed by the exact token text, holding whatever the caller derives from a
/// successful verification (an `Auth`, say).
///
/// - Bounded: at most `capacity` entries (expired ones are dropped first when full); a capacity of
///   0 switches the cache off.
/// - An entry never outlives the token's `exp` (checked on every hit, as are `nbf`/`iat`, by the
///   caller through [`crate::JwtVerifier::check_times`]) nor the key that verified it: entries
///   carry the key set's retirement epoch ([`crate::jwks::JwksCache::retirement_epoch`]) and a different
///   epoch is a miss.
/// - Only successes are stored: a failure that a retry could fix is never remembered.
/// - One cache per configuration (verifier options and keys): keep it beside the verifier.
pub struct VerifiedTokenCache<T> {
    shards: Box<[Shard<T>]>,
    per_shard: usize,
}

impl<T: Clone> std::fmt::Debug for VerifiedTokenCache<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("VerifiedTokenCache")
            .field("capacity", &(self.per_shard * SHARDS))
            .field("len", &self.len())
            .finish()
    }
}

impl<T: Clone> VerifiedTokenCache<T> {
    /// A cache of at most `capacity` tokens (0 = off).
    pub fn new(capacity: usize) -> Self {
        let per_shard = capacity.div_ceil(SHARDS);
        Self {
            shards: (0..SHARDS)
                .map(|_| Mutex::new(HashMap::with_hasher(TailHash::default())))
                .collect(),
            per_shard,
        }
    }

    /// Whether the cache stores anything at all.
    pub fn is_enabled(&self) -> bool {
        self.per_shard > 0
    }

    /// The value and time claims stored for `token` under the current `key_epoch`.
    pub fn get(&self, token: &str, key_epoch: u64) -> Option<(T, TokenTimes)> {
        if !self.is_enabled() {
            return None;
        }
        let mut shard = self
            .shard(token)
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        match shard.get(token) {
            Some(entry) if entry.key_epoch == key_epoch => Some((entry.value.clone(), entry.times)),
            Some(_) => {
                shard.remove(token);
                None
            }
            None => None,
        }
    }

    /// Forgets `token` (e.g. it failed its time checks).
    pub fn remove(&self, token: &str) {
        if self.is_enabled() {
            self.shard(token)
                .lock()
                .unwrap_or_else(|poisoned| poisoned.into_inner())
                .remove(token);
        }
    }

    /// Stores a verified token. `now` is used to drop expired entries when the shard is full.
    pub fn insert(&self, token: &str, value: T, times: TokenTimes, key_epoch: u64, now: SystemTime) {
        if !self.is_enabled() {
            return;
        }
        let mut shard = self
            .shard(token)
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        if shard.len() >= self.per_shard && !shard.contains_key(token) {
            let now_ms = unix_millis(now) as f64;
            shard.retain(|_, entry| {
                entry.times.exp_ms.is_none_or(|exp| exp > now_ms) && entry.key_epoch == key_epoch
            });
            if shard.len() >= self.per_shard {
                // Still full of live tokens: make room by dropping one.
                if let Some(victim) = shard.keys().next().cloned() {
                    shard.remove(&victim);
                }
            }
        }
        shard.insert(
            Arc::from(token),
            Entry {
                value,
                times,
                key_epoch,
            },
        );
    }

    /// Number of stored tokens.
    pub fn len(&self) -> usize {
        self.shards
            .iter()
            .map(|shard| {
                shard
                    .lock()
                    .unwrap_or_else(|poisoned| poisoned.into_inner())
                    .len()
            })
            .sum()
    }

    /// Whether nothing is stored.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn shard(&self, token: &str) -> &Shard<T> {
        // The signature ends the token and is effectively random: its last bytes pick the shard.
        let bytes = token.as_bytes();
        let tail = &bytes[bytes.len().saturating_sub(4)..];
        let index = tail.iter().fold(0usize, |acc, b| {
            acc.wrapping_mul(31).wrapping_add(usize::from(*b))
        });
        &self.shards[index % SHARDS]
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::{Duration, UNIX_EPOCH};

    fn times(exp_secs: u64) -> TokenTimes {
        TokenTimes {
            exp_ms: Some(exp_secs as f64 * 1000.0),
            nbf_ms: None,
            iat_ms: None,
        }
    }

    #[test]
    fn hits_only_under_the_same_key_epoch() {
        let cache = VerifiedTokenCache::new(100);
        let now = UNIX_EPOCH + Duration::from_secs(1000);
        cache.insert("a.b.c", 7, times(2000), 1, now);
        assert_eq!(cache.get("a.b.c", 1).map(|(v, _)| v), Some(7));
        assert_eq!(cache.get("a.b.c", 2), None, "a retired key invalidates");
        assert_eq!(cache.get("a.b.c", 1), None, "and the entry is gone");
        assert_eq!(cache.get("a.b.x", 1), None);
    }

    #[test]
    fn bounded_and_expired_entries_go_first() {
        // 16 shards of two entries each.
        let cache = VerifiedTokenCache::new(32);
        let now = UNIX_EPOCH + Duration::from_secs(1000);
        let same_shard = |a: &str, b: &str| std::ptr::eq(cache.shard(a), cache.shard(b));
        // Stored while still valid (at 100 s); expired by `now` (their `exp` is 500 s).
        let expired: Vec<String> = (0..1000).map(|i| format!("tok{i}")).collect();
        for token in &expired {
            cache.insert(token, 0, times(500), 0, UNIX_EPOCH + Duration::from_secs(100));
        }
        assert_eq!(cache.len(), 32, "every shard is full");

        // A live token clears its full shard of every expired entry, not just one.
        let [a, b, c] = ["live-a", "live-b", "live-c"].map(|prefix| {
            (0..)
                .map(|i| format!("{prefix}{i}"))
                .find(|t| same_shard(t, "live"))
                .expect("a token in that shard")
        });
        let stale: Vec<&String> = expired
            .iter()
            .filter(|t| same_shard(t, "live") && cache.get(t, 0).is_some())
            .collect();
        assert_eq!(stale.len(), 2);
        cache.insert(&a, 1, times(2000), 0, now);
        assert!(
            stale.iter().all(|t| cache.get(t, 0).is_none()),
            "the expired entries went first"
        );
        assert_eq!(cache.len(), 31);

        // A second live token fits; a third finds the shard full of live ones and evicts one.
        cache.insert(&b, 2, times(2000), 0, now);
        cache.insert(&c, 3, times(2000), 0, now);
        assert_eq!(cache.get(&c, 0).map(|(v, _)| v), Some(3), "the newcomer is kept");
        let kept = [&a, &b].iter().filter(|t| cache.get(t, 0).is_some()).count();
        assert_eq!(kept, 1, "exactly one older live token was dropped");
        assert_eq!(cache.len(), 32);
    }

    #[test]
    fn capacity_zero_is_off() {
        let cache = VerifiedTokenCache::new(0);
        cache.insert("a.b.c", 1, times(2000), 0, UNIX_EPOCH);
        assert!(!cache.is_enabled());
        assert_eq!(cache.get("a.b.c", 0), None);
    }

    /// Tokens that share their hashed tail are still told apart by their whole text.
    #[test]
    fn tokens_with_one_tail_are_different_entries() {
        let cache = VerifiedTokenCache::new(100);
        let now = UNIX_EPOCH + Duration::from_secs(1000);
        let tail = "s".repeat(HASHED_TAIL * 2);
        let (a, b) = (format!("a.p.{tail}"), format!("b.p.{tail}"));
        cache.insert(&a, 1, times(2000), 1, now);
        assert_eq!(cache.get(&b, 1), None, "same tail, another token");
        cache.insert(&b, 2, times(2000), 1, now);
        assert_eq!(cache.get(&a, 1).map(|(v, _)| v), Some(1));
        assert_eq!(cache.get(&b, 1).map(|(v, _)| v), Some(2));
    }
}
