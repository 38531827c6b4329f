//! [`Flights`]: single-flight of the read-through paths, one Backend API call per key across
//! all concurrent callers of a replica (users by id, organizations by id).

use std::collections::HashMap;
use std::future::Future;
use std::sync::{Arc, Mutex, PoisonError};

use tokio::sync::OnceCell;

type Flight<T> = Arc<OnceCell<T>>;

/// The lookups under way, by key, each with the answer its callers will share.
pub(crate) struct Flights<T>(Mutex<HashMap<String, Flight<T>>>);

impl<T> Default for Flights<T> {
    fn default() -> Self {
        Self(Mutex::default())
    }
}

impl<T: Clone> Flights<T> {
    /// Joins the flight of `key`, or leads one that runs `fetch`; the answer, and whether this
    /// caller led. If the leading caller is cancelled, the next waiter runs its own `fetch`.
    pub(crate) async fn run<Fut>(&self, key: &str, fetch: impl FnOnce() -> Fut) -> (T, bool)
    where
        Fut: Future<Output = T>,
    {
        let flight = {
            let mut flights = self.0.lock().unwrap_or_else(PoisonError::into_inner);
            Arc::clone(flights.entry(key.to_owned()).or_default())
        };
        let mut led = false;
        let answer = flight
            .get_or_init(|| {
                led = true;
                fetch()
            })
            .await
            .clone();
        let mut flights = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        if flights
            .get(key)
            .is_some_and(|current| Arc::ptr_eq(current, &flight))
        {
            flights.remove(key);
        }
        (answer, led)
    }
}
