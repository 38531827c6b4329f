//! The negative cache: ids Clerk recently answered 404 for.

use std::collections::{HashMap, VecDeque};
use std::sync::Mutex;
use std::time::Duration;

use tokio::time::Instant;

/// A bounded, time-limited set of unknown user ids (`Send + Sync`).
#[derive(Debug)]
pub(crate) struct NegativeCache {
    ttl: Duration,
    capacity: usize,
    state: Mutex<NegativeState>,
}

#[derive(Debug, Default)]
struct NegativeState {
    expires: HashMap<String, Instant>,
    /// Insertion order, for eviction; entries whose expiry no longer matches are skipped.
    order: VecDeque<(String, Instant)>,
}

impl NegativeCache {
    pub(crate) fn new(ttl: Duration, capacity: usize) -> Self {
        Self {
            ttl,
            capacity,
            state: Mutex::default(),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, NegativeState> {
        self.state
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Whether `id` is known not to exist.
    pub(crate) fn contains(&self, id: &str) -> bool {
        let now = Instant::now();
        let mut state = self.lock();
        match state.expires.get(id) {
            Some(expires) if *expires > now => true,
            Some(_) => {
                state.expires.remove(id);
                false
            }
            None => false,
        }
    }

    /// Remembers that `id` does not exist.
    pub(crate) fn insert(&self, id: &str) {
        if self.capacity == 0 || self.ttl.is_zero() {
            return;
        }
        let expires = Instant::now() + self.ttl;
        let mut state = self.lock();
        state.expires.insert(id.to_owned(), expires);
        state.order.push_back((id.to_owned(), expires));
        while state.expires.len() > self.capacity || state.order.len() > self.capacity * 2 {
            let Some((old, at)) = state.order.pop_front() else {
                break;
            };
            if state.expires.get(&old) == Some(&at) {
                state.expires.remove(&old);
            }
        }
    }

    /// Forgets `id` (it was just created).
    pub(crate) fn remove(&self, id: &str) {
        self.lock().expires.remove(id);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn entries_expire_and_are_bounded() {
        let cache = NegativeCache::new(Duration::from_secs(30), 2);
        cache.insert("a");
        cache.insert("b");
        cache.insert("c");
        assert!(!cache.contains("a"), "the oldest is evicted");
        assert!(cache.contains("b") && cache.contains("c"));
        tokio::time::advance(Duration::from_secs(31)).await;
        assert!(!cache.contains("b"));
        cache.insert("d");
        cache.remove("d");
        assert!(!cache.contains("d"));
    }
}
