//! A map that keeps at most a fixed number of entries, forgetting the least recently used one
//! when a new one would pass the bound: what the emulator keeps per browser, so that a long
//! `make run` does not grow without bound.

use std::collections::HashMap;

/// Entries by key, each with the tick of its last use.
#[derive(Debug)]
pub(crate) struct Recent<V> {
    entries: HashMap<String, (V, u64)>,
    tick: u64,
    capacity: usize,
}

impl<V> Recent<V> {
    /// An empty map that keeps at most `capacity` entries (at least one).
    pub(crate) fn new(capacity: usize) -> Self {
        Self {
            entries: HashMap::new(),
            tick: 0,
            capacity: capacity.max(1),
        }
    }

    fn next_tick(&mut self) -> u64 {
        self.tick += 1;
        self.tick
    }

    /// The entry under `key`, now the most recently used.
    pub(crate) fn get(&mut self, key: &str) -> Option<&V> {
        self.get_mut(key).map(|value| &*value)
    }

    /// The entry under `key` to change, now the most recently used.
    pub(crate) fn get_mut(&mut self, key: &str) -> Option<&mut V> {
        let tick = self.next_tick();
        self.entries.get_mut(key).map(|(value, used)| {
            *used = tick;
            value
        })
    }

    /// Whether there is an entry under `key` (not a use).
    pub(crate) fn contains(&self, key: &str) -> bool {
        self.entries.contains_key(key)
    }

    /// Puts `value` under `key` as the most recently used entry; the least recently used entry
    /// when that would pass the bound, forgotten.
    pub(crate) fn insert(&mut self, key: String, value: V) -> Option<(String, V)> {
        let evicted = if !self.entries.contains_key(&key) && self.entries.len() >= self.capacity {
            let oldest = self
                .entries
                .iter()
                .min_by_key(|(_, (_, used))| *used)
                .map(|(key, _)| key.clone());
            oldest.and_then(|oldest| self.entries.remove_entry(&oldest).map(|(k, (v, _))| (k, v)))
        } else {
            None
        };
        let tick = self.next_tick();
        self.entries.insert(key, (value, tick));
        evicted
    }

    /// Forgets the entry under `key`.
    pub(crate) fn remove(&mut self, key: &str) -> Option<V> {
        self.entries.remove(key).map(|(value, _)| value)
    }

    /// Every entry, to change (not a use).
    pub(crate) fn values_mut(&mut self) -> impl Iterator<Item = &mut V> {
        self.entries.values_mut().map(|(value, _)| value)
    }

    /// How many entries there are.
    #[cfg(test)]
    pub(crate) fn len(&self) -> usize {
        self.entries.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_least_recently_used_entry_goes_past_the_bound() {
        let mut recent = Recent::new(2);
        assert!(recent.insert("a".into(), 1).is_none());
        assert!(recent.insert("b".into(), 2).is_none());
        assert_eq!(recent.get("a"), Some(&1));
        assert_eq!(recent.insert("c".into(), 3), Some(("b".into(), 2)));
        assert_eq!(recent.len(), 2);
        assert!(recent.contains("a") && recent.contains("c") && !recent.contains("b"));
        // Replacing an entry is not a new one: nothing goes.
        assert!(recent.insert("a".into(), 10).is_none());
        assert_eq!(recent.insert("d".into(), 4), Some(("c".into(), 3)));
        assert_eq!(recent.remove("a"), Some(10));
        assert_eq!(recent.len(), 1);
    }
}
