//! The per-token cache of opaque machine-token verifications: successes for a short TTL (never
//! past the token's expiry), refusals for a shorter one, and one Backend API call per token at a
//! time (single-flight across every worker). Every expiry is read on the caller's clock (the
//! `now` each call is given), never the wall clock.

use std::collections::HashMap;
use std::future::Future;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, SystemTime};

use sha2::{Digest, Sha256};
use tokio::sync::OnceCell;

use super::{MachineIdentity, MachineTokenError};
use crate::time::unix_millis;

/// Most successes and most refusals kept (each; a flood of random keys fills only the refusals).
const CAPACITY: usize = 10_000;

/// What verifying one machine token gave.
pub(crate) type Verdict = Result<Arc<MachineIdentity>, MachineFailure>;

/// Why a machine token is not accepted.
#[derive(Debug, Clone)]
pub(crate) enum MachineFailure {
    /// Clerk's answer (or what Clerk's SDK makes of a failure): signed out with its code.
    Refused {
        /// Clerk's code and message.
        error: MachineTokenError,
        /// Whether the answer is about the token (a 4xx), not a passing fault, so it may be
        /// cached for the failure TTL.
        cacheable: bool,
    },
    /// The machine-token share of the rate budget is spent (or Clerk answered 429): 503, never
    /// cached.
    Unavailable {
        /// When to try again.
        retry_after: Duration,
    },
}

/// A SHA-256 of the token: the cache never holds a token itself.
type Key = [u8; 32];

struct Entry {
    verdict: Verdict,
    /// The first instant (on the caller's clock) at which the entry is no longer served.
    until: SystemTime,
}

/// Counters of the machine-token caches (opaque verifications, and JWT-format tokens), for
/// tests and metrics.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub struct MachineCacheStats {
    /// Verifications answered from the cache.
    pub hits: u64,
    /// Verifications that ran (a Backend API call, or a refusal without one).
    pub verifications: u64,
    /// Successes cached now.
    pub cached_successes: usize,
    /// Refusals cached now.
    pub cached_failures: usize,
    /// Signature checks of JWT-format machine tokens (a cached one costs none).
    pub jwt_verifications: u64,
    /// JWT-format machine tokens remembered now.
    pub cached_jwts: usize,
}

/// The cache itself (`Send + Sync`, shared by every worker).
pub(crate) struct MachineTokenCache {
    ttl: Duration,
    failure_ttl: Duration,
    successes: Mutex<HashMap<Key, Entry>>,
    failures: Mutex<HashMap<Key, Entry>>,
    inflight: Mutex<HashMap<Key, Arc<OnceCell<Verdict>>>>,
    hits: AtomicU64,
    verifications: AtomicU64,
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    // A panic while holding the lock leaves plain data behind: keep using it.
    mutex.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

fn key(token: &str) -> Key {
    Sha256::digest(token.as_bytes()).into()
}

/// Refusals are kept a quarter of the success TTL: a key created just after a refusal works
/// again soon.
fn failure_ttl(ttl: Duration) -> Duration {
    ttl / 4
}

impl MachineTokenCache {
    /// A cache keeping successes for `ttl` (zero: no caching, single-flight only).
    pub(crate) fn new(ttl: Duration) -> Self {
        Self {
            ttl,
            failure_ttl: failure_ttl(ttl),
            successes: Mutex::default(),
            failures: Mutex::default(),
            inflight: Mutex::default(),
            hits: AtomicU64::new(0),
            verifications: AtomicU64::new(0),
        }
    }

    pub(crate) fn stats(&self) -> MachineCacheStats {
        MachineCacheStats {
            hits: self.hits.load(Ordering::Relaxed),
            verifications: self.verifications.load(Ordering::Relaxed),
            cached_successes: lock(&self.successes).len(),
            cached_failures: lock(&self.failures).len(),
            ..MachineCacheStats::default()
        }
    }

    /// The live entry for `key` at `now`; an expired one is dropped.
    fn lookup(&self, key: &Key, now: SystemTime) -> Option<Verdict> {
        for map in [&self.successes, &self.failures] {
            let mut map = lock(map);
            match map.get(key) {
                Some(entry) if entry.until > now => return Some(entry.verdict.clone()),
                Some(_) => {
                    map.remove(key);
                }
                None => {}
            }
        }
        None
    }

    /// How long `verdict`, reached at `now`, may be served from the cache.
    fn lifetime(&self, verdict: &Verdict, now: SystemTime) -> Option<Duration> {
        let lifetime = match verdict {
            Ok(auth) => match auth.expiration_ms() {
                Some(expiration_ms) => {
                    let left = u64::try_from(expiration_ms.saturating_sub(unix_millis(now))).unwrap_or(0);
                    self.ttl.min(Duration::from_millis(left))
                }
                None => self.ttl,
            },
            Err(MachineFailure::Refused { cacheable: true, .. }) => self.failure_ttl,
            Err(_) => return None,
        };
        (!lifetime.is_zero()).then_some(lifetime)
    }

    fn store(&self, key: Key, verdict: &Verdict, now: SystemTime) {
        let Some(until) = self
            .lifetime(verdict, now)
            .and_then(|lifetime| now.checked_add(lifetime))
        else {
            return;
        };
        let mut map = lock(if verdict.is_ok() {
            &self.successes
        } else {
            &self.failures
        });
        if map.len() >= CAPACITY {
            map.retain(|_, entry| entry.until > now);
            if map.len() >= CAPACITY {
                // Full of live entries: this one is verified again next time.
                return;
            }
        }
        map.insert(
            key,
            Entry {
                verdict: verdict.clone(),
                until,
            },
        );
    }

    /// The verdict on `token` at `now`: from the cache, else from `verify`, run once for all
    /// concurrent askers of the same token (on any worker). An entry stored at `now` is served
    /// until, and not at, `now` + its lifetime.
    pub(crate) async fn get_or_verify<F, Fut>(&self, token: &str, now: SystemTime, verify: F) -> Verdict
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = Verdict>,
    {
        let key = key(token);
        if let Some(verdict) = self.lookup(&key, now) {
            self.hits.fetch_add(1, Ordering::Relaxed);
            return verdict;
        }
        let cell = Arc::clone(lock(&self.inflight).entry(key).or_default());
        let verdict = cell
            .get_or_init(|| async {
                // A flight that just landed may have filled the cache.
                if let Some(verdict) = self.lookup(&key, now) {
                    return verdict;
                }
                self.verifications.fetch_add(1, Ordering::Relaxed);
                let verdict = verify().await;
                self.store(key, &verdict, now);
                verdict
            })
            .await
            .clone();
        let mut inflight = lock(&self.inflight);
        if inflight.get(&key).is_some_and(|c| Arc::ptr_eq(c, &cell)) {
            inflight.remove(&key);
        }
        verdict
    }
}

#[cfg(test)]
mod tests {
    use std::time::UNIX_EPOCH;

    use super::*;
    use crate::api::ApiKey;
    use crate::machine::{MachineErrorCode, TokenType};

    const T0: Duration = Duration::from_secs(1_000);

    fn at(ms: u64) -> SystemTime {
        UNIX_EPOCH + T0 + Duration::from_millis(ms)
    }

    fn auth(expiration: Option<i64>) -> Verdict {
        let key: ApiKey = serde_json::from_value(serde_json::json!({
            "id": "ak_1", "subject": "user_1", "name": "k", "expiration": expiration
        }))
        .unwrap();
        Ok(Arc::new(MachineIdentity::from_api_key(&key)))
    }

    fn refused(cacheable: bool) -> Verdict {
        Err(MachineFailure::Refused {
            error: MachineTokenError::from_backend_api(TokenType::ApiKey, Some(404), None),
            cacheable,
        })
    }

    /// Asks `cache` for `token` at `now`, answering `verdict` when it verifies; returns whether
    /// it verified (a miss).
    async fn verified(cache: &MachineTokenCache, token: &str, now: SystemTime, verdict: Verdict) -> bool {
        let ran = std::cell::Cell::new(false);
        let _ = cache
            .get_or_verify(token, now, || async {
                ran.set(true);
                verdict
            })
            .await;
        ran.get()
    }

    #[test]
    fn lifetimes_follow_the_rules() {
        let cache = MachineTokenCache::new(Duration::from_secs(10));
        let now = at(0);
        assert_eq!(cache.lifetime(&auth(None), now), Some(Duration::from_secs(10)));
        // Never past the token's expiry.
        assert_eq!(
            cache.lifetime(&auth(Some(1_000_000 + 3_000)), now),
            Some(Duration::from_secs(3))
        );
        assert_eq!(cache.lifetime(&auth(Some(999_000)), now), None);
        // Refusals for a shorter time; passing faults and 503s never.
        assert_eq!(
            cache.lifetime(&refused(true), now),
            Some(Duration::from_millis(2_500))
        );
        assert_eq!(cache.lifetime(&refused(false), now), None);
        let unavailable = Err(MachineFailure::Unavailable {
            retry_after: Duration::from_secs(1),
        });
        assert_eq!(cache.lifetime(&unavailable, now), None);
        // TTL 0: nothing is cached.
        let off = MachineTokenCache::new(Duration::ZERO);
        assert_eq!(off.lifetime(&auth(None), now), None);
        assert_eq!(off.lifetime(&refused(true), now), None);
    }

    // Issue 25, item 2: expiry is read on the injected clock, so it is checked to the millisecond.
    #[tokio::test]
    async fn a_success_is_served_until_the_ttl_and_not_at_it() {
        let cache = MachineTokenCache::new(Duration::from_secs(10));
        assert!(verified(&cache, "ak_1", at(0), auth(None)).await);
        assert!(!verified(&cache, "ak_1", at(9_999), auth(None)).await);
        assert_eq!(cache.stats().hits, 1);
        assert!(verified(&cache, "ak_1", at(10_000), auth(None)).await);
        assert_eq!(cache.stats().verifications, 2);
        // Stored again from the new `now`.
        assert!(!verified(&cache, "ak_1", at(19_999), auth(None)).await);
        assert!(verified(&cache, "ak_1", at(20_000), auth(None)).await);
    }

    #[tokio::test]
    async fn a_success_is_never_served_at_or_past_the_tokens_expiry() {
        let cache = MachineTokenCache::new(Duration::from_secs(10));
        // Expires 3 s after `at(0)`, well within the TTL.
        let expiring = || auth(Some(1_000_000 + 3_000));
        assert!(verified(&cache, "ak_1", at(0), expiring()).await);
        assert!(!verified(&cache, "ak_1", at(2_999), expiring()).await);
        assert!(verified(&cache, "ak_1", at(3_000), expiring()).await);
        // Verified at its expiry: nothing left to cache.
        assert_eq!(cache.stats().cached_successes, 0);
    }

    #[tokio::test]
    async fn a_refusal_is_served_for_a_quarter_of_the_ttl_and_a_fault_not_at_all() {
        let cache = MachineTokenCache::new(Duration::from_secs(10));
        assert!(verified(&cache, "ak_bad", at(0), refused(true)).await);
        assert!(!verified(&cache, "ak_bad", at(2_499), refused(true)).await);
        assert!(verified(&cache, "ak_bad", at(2_500), refused(true)).await);
        assert_eq!(cache.stats().cached_failures, 1);
        assert!(verified(&cache, "ak_flaky", at(0), refused(false)).await);
        assert!(verified(&cache, "ak_flaky", at(0), refused(false)).await);
        let unavailable = || {
            Err(MachineFailure::Unavailable {
                retry_after: Duration::from_secs(1),
            })
        };
        assert!(verified(&cache, "ak_busy", at(0), unavailable()).await);
        assert!(verified(&cache, "ak_busy", at(0), unavailable()).await);
        // A success replaces nothing it should not: the refusal of another token stays.
        assert!(verified(&cache, "ak_good", at(0), auth(None)).await);
        assert_eq!(
            (cache.stats().cached_successes, cache.stats().cached_failures),
            (1, 1)
        );
    }

    #[tokio::test]
    async fn a_clock_that_goes_back_still_serves_the_entry() {
        // An entry's end is a point on the injected clock: a `now` before the store is within it.
        let cache = MachineTokenCache::new(Duration::from_secs(10));
        assert!(verified(&cache, "ak_1", at(5_000), auth(None)).await);
        assert!(!verified(&cache, "ak_1", at(0), auth(None)).await);
        assert!(verified(&cache, "ak_1", at(15_000), auth(None)).await);
    }

    #[tokio::test]
    async fn concurrent_askers_share_one_verification() {
        let cache = Arc::new(MachineTokenCache::new(Duration::from_secs(10)));
        let calls = Arc::new(AtomicU64::new(0));
        let (release, wait) = tokio::sync::watch::channel(false);
        let ask = |cache: Arc<MachineTokenCache>,
                   calls: Arc<AtomicU64>,
                   mut wait: tokio::sync::watch::Receiver<bool>| async move {
            cache
                .get_or_verify("ak_secret", at(0), || async move {
                    calls.fetch_add(1, Ordering::SeqCst);
                    let _ = wait.wait_for(|open| *open).await;
                    auth(None)
                })
                .await
        };
        let first = tokio::spawn(ask(cache.clone(), calls.clone(), wait.clone()));
        let second = tokio::spawn(ask(cache.clone(), calls.clone(), wait.clone()));
        tokio::task::yield_now().await;
        release.send(true).unwrap();
        assert!(first.await.unwrap().is_ok() && second.await.unwrap().is_ok());
        assert_eq!(calls.load(Ordering::SeqCst), 1);
        // Cached now: no third verification.
        let third = ask(cache.clone(), calls.clone(), wait).await;
        assert!(third.is_ok());
        assert_eq!(calls.load(Ordering::SeqCst), 1);
        assert_eq!(cache.stats().hits, 1);
        assert_eq!(cache.stats().cached_successes, 1);
        let code = match refused(true) {
            Err(MachineFailure::Refused { error, .. }) => error.code(),
            _ => unreachable!(),
        };
        assert_eq!(code, MachineErrorCode::TokenInvalid);
    }
}
