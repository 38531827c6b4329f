//! JWKS cache: single-flight, cooldown, stale serving, rotation, instance scoping.

mod common;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

use clerk_core::{
    jwk::JwkSet, jwks::CacheScope, jwks::FetchError, jwks::JwksCache, jwks::JwksCacheConfig,
    jwks::JwksFetcher, jwks::LocalTask, jwks::Spawner, verify::JwksKeys, JwtVerifier, Reason, SecretKey,
};
use common::*;
use serde_json::json;

/// A fetcher that counts calls and answers whatever the test sets.
struct Fake {
    scope: CacheScope,
    calls: AtomicUsize,
    answer: Mutex<Result<JwkSet, FetchError>>,
    delay: Duration,
}

impl Fake {
    fn new(answer: Result<JwkSet, FetchError>) -> Arc<Self> {
        Arc::new(Self {
            scope: scope(),
            calls: AtomicUsize::new(0),
            answer: Mutex::new(answer),
            delay: Duration::ZERO,
        })
    }

    fn set(&self, answer: Result<JwkSet, FetchError>) {
        *self.answer.lock().unwrap() = answer;
    }

    fn calls(&self) -> usize {
        self.calls.load(Ordering::SeqCst)
    }
}

impl JwksFetcher for Fake {
    fn scope(&self) -> &CacheScope {
        &self.scope
    }

    async fn fetch_jwks(&self) -> Result<JwkSet, FetchError> {
        self.calls.fetch_add(1, Ordering::SeqCst);
        if !self.delay.is_zero() {
            tokio::time::sleep(self.delay).await;
        }
        self.answer.lock().unwrap().clone()
    }
}

fn scope() -> CacheScope {
    CacheScope::new(
        "https://api.clerk.com",
        &SecretKey::new("sk_test_cachetests").unwrap(),
    )
}

fn contract_set() -> JwkSet {
    JwkSet::parse(JWKS.as_bytes()).unwrap()
}

fn set_of(keys: &[(&Signer, &str)]) -> JwkSet {
    let keys: Vec<_> = keys.iter().map(|(s, kid)| s.jwk(kid)).collect();
    JwkSet::parse(json!({ "keys": keys }).to_string().as_bytes()).unwrap()
}

fn block_on<T>(f: impl std::future::Future<Output = T>) -> T {
    tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .build()
        .unwrap()
        .block_on(f)
}

fn get(cache: &JwksCache, kid: &str, fetcher: &Fake, now: SystemTime) -> Result<(), Reason> {
    block_on(cache.get(Some(kid), fetcher, now))
        .map(|_| ())
        .map_err(|err| err.reason())
}

const T0: u64 = 1_800_000_000;

#[test]
fn hundred_concurrent_unknown_kid_lookups_cause_one_fetch() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(4)
        .enable_time()
        .build()
        .unwrap();
    let fetcher = Arc::new(Fake {
        scope: scope(),
        calls: AtomicUsize::new(0),
        answer: Mutex::new(Ok(contract_set())),
        delay: Duration::from_millis(50),
    });
    let cache = Arc::new(JwksCache::new(scope(), JwksCacheConfig::default()));
    let results = runtime.block_on(async {
        let mut tasks = Vec::new();
        for i in 0..100 {
            let (cache, fetcher) = (Arc::clone(&cache), Arc::clone(&fetcher));
            tasks.push(tokio::spawn(async move {
                // Half ask for the real kid, half for kids nobody has.
                let kid = if i % 2 == 0 {
                    KID.to_owned()
                } else {
                    format!("ins_unknown_{i}")
                };
                cache
                    .get(Some(&kid), &*fetcher, at(T0))
                    .await
                    .map(|_| ())
                    .map_err(|e| e.reason())
            }));
        }
        let mut out = Vec::new();
        for task in tasks {
            out.push(task.await.unwrap());
        }
        out
    });
    assert_eq!(fetcher.calls(), 1);
    assert_eq!(cache.stats().fetches, 1);
    for (i, result) in results.into_iter().enumerate() {
        if i % 2 == 0 {
            assert_eq!(result, Ok(()));
        } else {
            assert_eq!(result, Err(Reason::JwkKidMismatch));
        }
    }
}

#[test]
fn unknown_kids_refetch_at_most_once_per_cooldown() {
    let fetcher = Fake::new(Ok(contract_set()));
    let cache = JwksCache::new(scope(), JwksCacheConfig::default());
    assert_eq!(get(&cache, KID, &fetcher, at(T0)), Ok(()));
    assert_eq!(fetcher.calls(), 1);
    for i in 0..1000 {
        let kid = format!("ins_random_{i}");
        assert_eq!(
            get(&cache, &kid, &fetcher, at(T0 + 5)),
            Err(Reason::JwkKidMismatch)
        );
    }
    assert_eq!(
        fetcher.calls(),
        1,
        "within the cooldown no unknown kid may force a fetch"
    );
    assert_eq!(
        get(&cache, "ins_random_x", &fetcher, at(T0 + 10)),
        Err(Reason::JwkKidMismatch)
    );
    assert_eq!(fetcher.calls(), 2);
    // The known key never needed a fetch.
    assert_eq!(get(&cache, KID, &fetcher, at(T0 + 11)), Ok(()));
    assert_eq!(fetcher.calls(), 2);
}

#[test]
fn a_rotated_key_is_picked_up_and_the_retired_key_stops_verifying() {
    let old = Signer::contract();
    let new = Signer::random();
    let fetcher = Fake::new(Ok(contract_set()));
    let cache = JwksCache::new(scope(), JwksCacheConfig::default());
    assert_eq!(get(&cache, KID, &fetcher, at(T0)), Ok(()));

    // Clerk rotates: the JWKS now serves only the new key.
    fetcher.set(Ok(set_of(&[(&new, "ins_rotated")])));
    let mut header = session_header();
    header["kid"] = json!("ins_rotated");
    let token = new.sign(&header, &session_payload(T0 + 20));
    let keys = JwksKeys {
        cache: &cache,
        fetcher: &*fetcher,
    };
    let verifier = JwtVerifier::new().issuer(ISSUER);
    assert!(block_on(verifier.verify(&token, &keys, at(T0 + 20))).is_ok());
    assert_eq!(fetcher.calls(), 2);
    // The refetch did not return the old key, so it is retired at once.
    let old_token = old.sign(&session_header(), &session_payload(T0 + 21));
    let err = block_on(verifier.verify(&old_token, &keys, at(T0 + 21))).unwrap_err();
    assert_eq!(err.reason(), Reason::JwkKidMismatch);
    assert!(err.message().contains("kid='ins_2zeTestInstanceKid000000000'"));
    assert!(!cache.kids().contains(&KID.to_owned()));
}

#[test]
fn known_keys_keep_verifying_while_fetches_fail_up_to_max_stale() {
    let config = JwksCacheConfig {
        ttl: Duration::from_secs(300),
        refetch_cooldown: Duration::from_secs(10),
        max_stale: Duration::from_secs(600),
    };
    let fetcher = Fake::new(Ok(contract_set()));
    let cache = JwksCache::new(scope(), config);
    assert_eq!(get(&cache, KID, &fetcher, at(T0)), Ok(()));
    fetcher.set(Err(FetchError::Status {
        url: "https://api.clerk.com/v1/jwks".into(),
        status: 503,
    }));

    // Past the TTL: a refresh is tried, fails, and the known key is still served.
    assert_eq!(get(&cache, KID, &fetcher, at(T0 + 301)), Ok(()));
    assert_eq!(fetcher.calls(), 2);
    assert!(cache.stats().stale_serves >= 1);
    assert_eq!(cache.stats().failures, 1);
    // Within the cooldown no new fetch; still served.
    assert_eq!(get(&cache, KID, &fetcher, at(T0 + 305)), Ok(()));
    assert_eq!(fetcher.calls(), 2);
    // An unknown kid meanwhile reports the fetch failure.
    assert_eq!(
        get(&cache, "ins_new", &fetcher, at(T0 + 306)),
        Err(Reason::JwkRemoteFailedToLoad)
    );
    // Past TTL + max-stale the key is no longer trusted.
    assert_eq!(
        get(&cache, KID, &fetcher, at(T0 + 300 + 600 + 1)),
        Err(Reason::JwkRemoteFailedToLoad)
    );

    // The endpoint comes back: the cache recovers by itself.
    fetcher.set(Ok(contract_set()));
    assert_eq!(get(&cache, KID, &fetcher, at(T0 + 1000)), Ok(()));
}

#[test]
fn the_ttl_expires_keys_and_a_refetch_renews_only_what_it_returned() {
    let other = Signer::random();
    let fetcher = Fake::new(Ok(set_of(&[(&Signer::contract(), KID), (&other, "ins_b")])));
    let cache = JwksCache::new(scope(), JwksCacheConfig::default());
    assert_eq!(get(&cache, KID, &fetcher, at(T0)), Ok(()));
    assert_eq!(get(&cache, "ins_b", &fetcher, at(T0 + 299)), Ok(()));
    assert_eq!(fetcher.calls(), 1);
    fetcher.set(Ok(contract_set()));
    assert_eq!(get(&cache, KID, &fetcher, at(T0 + 300)), Ok(()));
    assert_eq!(fetcher.calls(), 2, "the TTL is measured from the fetch");
    assert_eq!(
        get(&cache, "ins_b", &fetcher, at(T0 + 301)),
        Err(Reason::JwkKidMismatch)
    );
}

#[test]
fn an_invalid_secret_key_is_reported_as_clerk_does() {
    let fetcher = Fake::new(Err(FetchError::InvalidSecretKey {
        message: "The provided Clerk Secret Key is invalid. Make sure that your Clerk Secret Key is correct."
            .into(),
    }));
    let cache = JwksCache::new(scope(), JwksCacheConfig::default());
    let err = block_on(cache.get(Some(KID), &*fetcher, at(T0))).unwrap_err();
    assert_eq!(err.reason(), Reason::SecretKeyInvalid);
    assert!(err
        .message()
        .starts_with("The provided Clerk Secret Key is invalid."));
    // Not retried within the cooldown.
    let _ = block_on(cache.get(Some(KID), &*fetcher, at(T0 + 1)));
    assert_eq!(fetcher.calls(), 1);
}

#[test]
fn an_empty_key_set_is_a_load_failure() {
    let fetcher = Fake::new(Ok(JwkSet::parse(br#"{"keys":[]}"#).unwrap()));
    let cache = JwksCache::new(scope(), JwksCacheConfig::default());
    let err = block_on(cache.get(Some(KID), &*fetcher, at(T0))).unwrap_err();
    assert_eq!(err.reason(), Reason::JwkRemoteFailedToLoad);
    assert_eq!(
        err.message(),
        "The JWKS endpoint did not contain any signing keys. Contact support@clerk.com."
    );
}

#[test]
fn a_cache_refuses_a_fetcher_of_another_instance() {
    let mut fetcher = Fake::new(Ok(contract_set()));
    Arc::get_mut(&mut fetcher).unwrap().scope =
        CacheScope::new("https://api.clerk.com", &SecretKey::new("sk_test_other").unwrap());
    let cache = JwksCache::new(scope(), JwksCacheConfig::default());
    let err = block_on(cache.get(Some(KID), &*fetcher, at(T0))).unwrap_err();
    assert_eq!(err.reason(), Reason::JwkFailedToResolve);
    assert_eq!(fetcher.calls(), 0);
    assert_ne!(
        CacheScope::new("https://api.clerk.com", &SecretKey::new("sk_test_a").unwrap()),
        CacheScope::new("http://127.0.0.1:9", &SecretKey::new("sk_test_a").unwrap())
    );
}

#[test]
fn a_token_without_kid_never_matches_a_jwks_key() {
    let fetcher = Fake::new(Ok(contract_set()));
    let cache = JwksCache::new(scope(), JwksCacheConfig::default());
    let err = block_on(cache.get(None, &*fetcher, at(T0))).unwrap_err();
    assert_eq!(err.reason(), Reason::JwkKidMismatch);
    assert!(err.message().contains("kid='undefined'"));
}

/// A fetcher whose fetch starts (and is counted) but never finishes: the request that started it
/// can only be cancelled.
struct Stalled {
    scope: CacheScope,
    calls: AtomicUsize,
}

impl Stalled {
    fn new() -> Self {
        Self {
            scope: scope(),
            calls: AtomicUsize::new(0),
        }
    }

    fn calls(&self) -> usize {
        self.calls.load(Ordering::SeqCst)
    }
}

impl JwksFetcher for Stalled {
    fn scope(&self) -> &CacheScope {
        &self.scope
    }

    async fn fetch_jwks(&self) -> Result<JwkSet, FetchError> {
        self.calls.fetch_add(1, Ordering::SeqCst);
        std::future::pending().await
    }
}

/// Polls `future` once, as an executor would when the request is first scheduled.
fn poll_once<F: std::future::Future + ?Sized>(future: std::pin::Pin<&mut F>) -> std::task::Poll<F::Output> {
    future.poll(&mut std::task::Context::from_waker(std::task::Waker::noop()))
}

type Lookup<'a> = std::pin::Pin<Box<dyn std::future::Future<Output = Result<(), Reason>> + 'a>>;

fn lookup<'a>(cache: &'a JwksCache, fetcher: &'a Stalled, kid: String, now: SystemTime) -> Lookup<'a> {
    Box::pin(async move {
        cache
            .get(Some(&kid), fetcher, now)
            .await
            .map(|_| ())
            .map_err(|err| err.reason())
    })
}

// Issue 10, item 2: a client that sends an unknown kid and disconnects drops the lookup mid-fetch;
// the fetch must still count against the cooldown.
#[test]
fn two_hundred_lookups_cancelled_mid_fetch_cause_one_fetch_per_cooldown() {
    let fetcher = Stalled::new();
    let cache = JwksCache::new(scope(), JwksCacheConfig::default());
    for i in 0..200 {
        let mut request = lookup(&cache, &fetcher, format!("ins_cancelled_{i}"), at(T0 + i / 50));
        match poll_once(request.as_mut()) {
            // Within the cooldown: refused at once, nothing fetched.
            std::task::Poll::Ready(result) => assert_eq!(result, Err(Reason::JwkKidMismatch), "lookup {i}"),
            // The fetch is under way: the client disconnects and the request is dropped.
            std::task::Poll::Pending => drop(request),
        }
    }
    assert_eq!(
        fetcher.calls(),
        1,
        "cancelled lookups started {} JWKS fetches within one cooldown",
        fetcher.calls()
    );
    // The next cooldown allows one more fetch, and only one.
    for i in 0..20 {
        let mut request = lookup(&cache, &fetcher, format!("ins_later_{i}"), at(T0 + 10));
        let _ = poll_once(request.as_mut());
    }
    assert_eq!(fetcher.calls(), 2);
}

#[test]
fn waiters_queued_behind_cancelled_fetches_never_refetch_within_the_cooldown() {
    let fetcher = Stalled::new();
    let cache = JwksCache::new(scope(), JwksCacheConfig::default());
    // 200 concurrent lookups: the first starts the fetch, the others queue behind it.
    let mut requests: std::collections::VecDeque<Lookup<'_>> = (0..200)
        .map(|i| lookup(&cache, &fetcher, format!("ins_queued_{i}"), at(T0)))
        .collect();
    for request in &mut requests {
        assert!(poll_once(request.as_mut()).is_pending());
    }
    assert_eq!(fetcher.calls(), 1);
    // Whichever request holds the fetch disconnects; the rest are polled again each time.
    let mut answered = 0;
    while let Some(fetching) = requests.pop_front() {
        drop(fetching);
        let mut still_waiting = std::collections::VecDeque::new();
        for mut request in requests.drain(..) {
            match poll_once(request.as_mut()) {
                std::task::Poll::Ready(result) => {
                    assert_eq!(result, Err(Reason::JwkKidMismatch));
                    answered += 1;
                }
                std::task::Poll::Pending => still_waiting.push_back(request),
            }
        }
        requests = still_waiting;
    }
    assert_eq!(
        fetcher.calls(),
        1,
        "each waiter refetched after the one before it was cancelled"
    );
    assert_eq!(
        answered, 199,
        "the waiters are answered from the cache, without fetching"
    );
}

#[test]
fn a_cancelled_refresh_keeps_serving_the_known_key_and_recovers_after_the_cooldown() {
    let good = Fake::new(Ok(contract_set()));
    let stalled = Stalled::new();
    let cache = JwksCache::new(scope(), JwksCacheConfig::default());
    assert_eq!(get(&cache, KID, &good, at(T0)), Ok(()));
    // Past the TTL the refresh starts, and its request is cancelled.
    let mut request = lookup(&cache, &stalled, KID.to_owned(), at(T0 + 301));
    assert!(poll_once(request.as_mut()).is_pending());
    drop(request);
    assert_eq!(stalled.calls(), 1);
    // Within the cooldown the known key is served stale, without fetching again.
    let mut request = lookup(&cache, &stalled, KID.to_owned(), at(T0 + 302));
    assert_eq!(poll_once(request.as_mut()), std::task::Poll::Ready(Ok(())));
    assert_eq!(stalled.calls(), 1);
    // After the cooldown a fetch that completes refreshes the cache as usual.
    assert_eq!(get(&cache, KID, &good, at(T0 + 311)), Ok(()));
    assert_eq!(good.calls(), 2);
    assert_eq!(cache.stats().fetches, 3);
}

// ---------------------------------------------------------------------------------------------
// Stale-while-revalidate (issue 11, item 7)

/// A cloneable handle on a [`Fake`] (the background refresh needs a `'static` fetcher), counting
/// foreground fetches and background refreshes apart.
#[derive(Clone)]
struct Handle(Arc<Fake>, Arc<AtomicUsize>);

impl Handle {
    fn new(answer: Result<JwkSet, FetchError>) -> Self {
        Self(Fake::new(answer), Arc::new(AtomicUsize::new(0)))
    }

    fn fetches(&self) -> usize {
        self.0.calls()
    }

    fn refreshes(&self) -> usize {
        self.1.load(Ordering::SeqCst)
    }
}

impl JwksFetcher for Handle {
    fn scope(&self) -> &CacheScope {
        &self.0.scope
    }

    async fn fetch_jwks(&self) -> Result<JwkSet, FetchError> {
        self.0.fetch_jwks().await
    }

    async fn refresh_jwks(&self) -> Result<JwkSet, FetchError> {
        self.1.fetch_add(1, Ordering::SeqCst);
        self.0.answer.lock().unwrap().clone()
    }
}

/// A spawner that keeps its tasks until the test runs (or drops) them.
#[derive(Default)]
struct Tasks(std::cell::RefCell<Vec<LocalTask>>);

impl Spawner for Tasks {
    fn spawn_local(&self, task: LocalTask) {
        self.0.borrow_mut().push(task);
    }
}

impl Tasks {
    fn len(&self) -> usize {
        self.0.borrow().len()
    }

    fn run_all(&self) {
        let tasks = std::mem::take(&mut *self.0.borrow_mut());
        for task in tasks {
            block_on(task);
        }
    }

    fn drop_all(&self) {
        self.0.borrow_mut().clear();
    }
}

/// One lookup, polled once: stale-while-revalidate answers without waiting for any fetch.
fn revalidating_get(
    cache: &Arc<JwksCache>,
    kid: &str,
    fetcher: &Handle,
    tasks: &Tasks,
    now: SystemTime,
) -> std::task::Poll<Result<(), Reason>> {
    let mut lookup = Box::pin(async {
        cache
            .get_or_revalidate(Some(kid), fetcher, tasks, now)
            .await
            .map(|_| ())
            .map_err(|err| err.reason())
    });
    poll_once(lookup.as_mut())
}

fn warm(fetcher: &Handle) -> Arc<JwksCache> {
    let cache = Arc::new(JwksCache::new(scope(), JwksCacheConfig::default()));
    let tasks = Tasks::default();
    let first = block_on(cache.get_or_revalidate(Some(KID), fetcher, &tasks, at(T0)));
    assert!(first.is_ok(), "an empty cache waits for its first fetch");
    assert_eq!((fetcher.fetches(), tasks.len()), (1, 0));
    cache
}

#[test]
fn a_stale_key_is_served_at_once_while_one_background_refresh_runs() {
    let fetcher = Handle::new(Ok(contract_set()));
    let cache = warm(&fetcher);
    let tasks = Tasks::default();

    // Past the TTL: a hundred lookups answer on their first poll, and start one refresh.
    for i in 0..100 {
        assert_eq!(
            revalidating_get(&cache, KID, &fetcher, &tasks, at(T0 + 301 + i / 50)),
            std::task::Poll::Ready(Ok(())),
            "lookup {i}"
        );
    }
    assert_eq!(tasks.len(), 1, "one background refresh");
    assert_eq!(
        (fetcher.fetches(), fetcher.refreshes()),
        (1, 0),
        "nobody waited for it"
    );
    let stats = cache.stats();
    assert_eq!((stats.stale_serves, stats.revalidations), (100, 1));

    // The refresh runs (one quick attempt) and renews the key.
    tasks.run_all();
    assert_eq!((fetcher.fetches(), fetcher.refreshes()), (1, 1));
    assert_eq!(cache.stats().fetches, 2);
    assert_eq!(
        revalidating_get(&cache, KID, &fetcher, &tasks, at(T0 + 303)),
        std::task::Poll::Ready(Ok(()))
    );
    assert_eq!(tasks.len(), 0, "a fresh key starts nothing");
    assert_eq!(cache.stats().stale_serves, 100);
}

#[test]
fn an_unknown_kid_still_waits_for_its_fetch() {
    let fetcher = Handle::new(Ok(contract_set()));
    let cache = warm(&fetcher);
    let tasks = Tasks::default();

    let result = block_on(cache.get_or_revalidate(Some("ins_unknown"), &fetcher, &tasks, at(T0 + 20)));

    assert_eq!(
        result.map(|_| ()).map_err(|err| err.reason()),
        Err(Reason::JwkKidMismatch)
    );
    assert_eq!((fetcher.fetches(), fetcher.refreshes(), tasks.len()), (2, 0, 0));
}

#[test]
fn a_failed_background_refresh_keeps_the_key_and_respects_the_cooldown() {
    let fetcher = Handle::new(Ok(contract_set()));
    let cache = warm(&fetcher);
    let tasks = Tasks::default();
    fetcher.0.set(Err(FetchError::Status {
        url: "https://api.clerk.com/v1/jwks".into(),
        status: 503,
    }));

    assert!(revalidating_get(&cache, KID, &fetcher, &tasks, at(T0 + 301)).is_ready());
    tasks.run_all();
    assert_eq!((fetcher.refreshes(), cache.stats().failures), (1, 1));

    // Within the cooldown: still served, no new refresh.
    assert_eq!(
        revalidating_get(&cache, KID, &fetcher, &tasks, at(T0 + 305)),
        std::task::Poll::Ready(Ok(()))
    );
    assert_eq!(tasks.len(), 0);
    // After it: one more.
    assert!(revalidating_get(&cache, KID, &fetcher, &tasks, at(T0 + 311)).is_ready());
    assert_eq!(tasks.len(), 1);
    tasks.run_all();
    assert_eq!(fetcher.refreshes(), 2);
    // Past TTL + max-stale the key no longer verifies, and the lookup waits for a fetch.
    let late = block_on(cache.get_or_revalidate(Some(KID), &fetcher, &tasks, at(T0 + 300 + 3600)));
    assert_eq!(
        late.map(|_| ()).map_err(|err| err.reason()),
        Err(Reason::JwkRemoteFailedToLoad)
    );
    assert_eq!((fetcher.fetches(), tasks.len()), (2, 0));
}

#[test]
fn a_refresh_task_dropped_unpolled_releases_its_claim() {
    let fetcher = Handle::new(Ok(contract_set()));
    let cache = warm(&fetcher);
    let tasks = Tasks::default();

    assert!(revalidating_get(&cache, KID, &fetcher, &tasks, at(T0 + 301)).is_ready());
    assert_eq!(tasks.len(), 1);
    tasks.drop_all();

    assert!(revalidating_get(&cache, KID, &fetcher, &tasks, at(T0 + 302)).is_ready());
    assert_eq!(tasks.len(), 1, "the next stale lookup starts a refresh again");
    tasks.run_all();
    assert_eq!(fetcher.refreshes(), 1);
}

#[test]
fn a_refresh_made_unnecessary_by_a_foreground_fetch_fetches_nothing() {
    let fetcher = Handle::new(Ok(contract_set()));
    let cache = warm(&fetcher);
    let tasks = Tasks::default();

    assert!(revalidating_get(&cache, KID, &fetcher, &tasks, at(T0 + 301)).is_ready());
    // Before the refresh runs, an unknown kid fetches in the foreground (single flight).
    let _ = block_on(cache.get_or_revalidate(Some("ins_unknown"), &fetcher, &tasks, at(T0 + 301)));
    tasks.run_all();

    assert_eq!((fetcher.fetches(), fetcher.refreshes()), (2, 0));
    assert_eq!(cache.stats().fetches, 2);
}

/// The review of issue 11, item 7: a failed quick refresh (one attempt, 2 s) used to consume the
/// cooldown of every fetch, so during a blip each token with an unknown `kid` (the first tokens
/// signed by a rotated key) failed at once with `jwk-remote-failed-to-load`. It now still gets a
/// foreground fetch, and concurrent lookups share that one fetch.
#[test]
fn a_failed_background_refresh_leaves_unknown_kids_their_foreground_fetch() {
    // Fetches take a while, so the lookups below all queue behind the first one's.
    let fetcher = Handle(
        Arc::new(Fake {
            scope: scope(),
            calls: AtomicUsize::new(0),
            answer: Mutex::new(Ok(contract_set())),
            delay: Duration::from_millis(50),
        }),
        Arc::new(AtomicUsize::new(0)),
    );
    let cache = warm(&fetcher);
    let tasks = Tasks::default();
    let failure = || {
        Err(FetchError::Status {
            url: "https://api.clerk.com/v1/jwks".into(),
            status: 503,
        })
    };
    fetcher.0.set(failure());
    assert!(revalidating_get(&cache, KID, &fetcher, &tasks, at(T0 + 301)).is_ready());
    tasks.run_all();
    assert_eq!((fetcher.refreshes(), cache.stats().failures), (1, 1));

    // Clerk is back with a rotated key; a hundred concurrent tokens carry its kid, within the
    // cooldown of the failed refresh.
    let rotated = Signer::random();
    fetcher.0.set(Ok(set_of(&[(&rotated, "ins_rotated")])));
    let lookups = (0..100).map(|_| {
        let (cache, fetcher, tasks) = (&cache, &fetcher, &tasks);
        async move {
            cache
                .get_or_revalidate(Some("ins_rotated"), fetcher, tasks, at(T0 + 302))
                .await
                .map(|_| ())
                .map_err(|err| err.reason())
        }
    });
    let results = block_on(join_all(lookups.collect()));

    assert!(results.iter().all(Result::is_ok), "{results:?}");
    assert_eq!(
        (fetcher.fetches(), fetcher.refreshes(), tasks.len()),
        (2, 1, 0),
        "one foreground fetch for all of them"
    );
    // That fetch counts against the cooldown: another unknown kid now fails without a fetch.
    assert_eq!(
        block_on(cache.get_or_revalidate(Some("ins_other"), &fetcher, &tasks, at(T0 + 303)))
            .map(|_| ())
            .map_err(|err| err.reason()),
        Err(Reason::JwkKidMismatch)
    );
    assert_eq!(fetcher.fetches(), 2);
}

/// Polls every future until all are done, on the caller's task (the lookups borrow the spawner,
/// which is not `Send`).
async fn join_all<F: std::future::Future>(futures: Vec<F>) -> Vec<F::Output> {
    let mut futures: Vec<_> = futures.into_iter().map(Box::pin).collect();
    let mut outputs: Vec<Option<F::Output>> = futures.iter().map(|_| None).collect();
    std::future::poll_fn(|cx| {
        let mut pending = false;
        for (future, output) in futures.iter_mut().zip(outputs.iter_mut()) {
            if output.is_none() {
                match future.as_mut().poll(cx) {
                    std::task::Poll::Ready(value) => *output = Some(value),
                    std::task::Poll::Pending => pending = true,
                }
            }
        }
        if pending {
            std::task::Poll::Pending
        } else {
            std::task::Poll::Ready(())
        }
    })
    .await;
    outputs.into_iter().flatten().collect()
}
