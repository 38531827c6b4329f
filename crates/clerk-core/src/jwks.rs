//! A JWKS cache with a refetch cooldown, single-flight refreshes and bounded stale serving, which
//! can refresh stale keys in the background (stale-while-revalidate).

use std::collections::HashMap;
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, RwLock};
use std::time::{Duration, SystemTime};

use crate::error::{Action, Reason, TokenError};
use crate::jwk::{JwkSet, VerifyingKey};
use crate::time::{duration_millis, unix_millis};

/// Why a JWKS fetch failed, as the HTTP layer reports it.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum FetchError {
    /// The Backend API refused the secret key (401 `clerk_key_invalid`); retrying cannot help.
    InvalidSecretKey {
        /// The Backend API's error message.
        message: String,
    },
    /// A non-success HTTP status.
    Status {
        /// The URL that was fetched.
        url: String,
        /// The HTTP status code.
        status: u16,
    },
    /// The response held no usable signing key.
    NoKeys,
    /// The request could not be made or the body could not be read or parsed.
    Transport {
        /// The URL that was fetched.
        url: String,
        /// What went wrong (no secrets inside).
        detail: String,
    },
}

impl FetchError {
    /// Clerk's verifier error for this failure.
    pub fn to_token_error(&self) -> TokenError {
        match self {
            FetchError::InvalidSecretKey { message } => {
                TokenError::new(Reason::SecretKeyInvalid, message.clone()).with_action(Action::ContactSupport)
            }
            FetchError::Status { url, status } => TokenError::new(
                Reason::JwkRemoteFailedToLoad,
                format!("Error loading Clerk JWKS from {url} with code={status}"),
            )
            .with_action(Action::ContactSupport),
            FetchError::NoKeys => TokenError::new(
                Reason::JwkRemoteFailedToLoad,
                "The JWKS endpoint did not contain any signing keys. Contact support@clerk.com.",
            ),
            FetchError::Transport { url, .. } => TokenError::new(
                Reason::JwkRemoteFailedToLoad,
                format!("Error loading Clerk JWKS from {url}: the request failed"),
            )
            .with_action(Action::ContactSupport),
        }
    }

    /// Whether a retry could succeed (everything but an invalid secret key).
    pub fn is_retryable(&self) -> bool {
        !matches!(self, FetchError::InvalidSecretKey { .. })
    }
}

impl fmt::Display for FetchError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FetchError::InvalidSecretKey { .. } => f.write_str("the Backend API refused the secret key"),
            FetchError::Status { url, status } => write!(f, "GET {url} answered {status}"),
            FetchError::NoKeys => f.write_str("the JWKS held no usable signing key"),
            FetchError::Transport { url, detail } => write!(f, "GET {url} failed: {detail}"),
        }
    }
}

impl std::error::Error for FetchError {}

/// Fetches the instance's JWK set. Implemented by the HTTP layer (`clerk-actix` over awc).
///
/// The future need not be `Send`: awc's are not. Implementations should not retry an
/// [`FetchError::InvalidSecretKey`].
pub trait JwksFetcher {
    /// Which instance this fetcher serves: the cache refuses a fetcher of another instance.
    ///
    /// Use [`CacheScope::new`] with the API URL and the secret key.
    fn scope(&self) -> &CacheScope;

    /// Fetches the JWK set once (with whatever retries the HTTP layer makes): what a lookup that
    /// has no usable key waits for.
    fn fetch_jwks(&self) -> impl Future<Output = Result<JwkSet, FetchError>>;

    /// Fetches the JWK set for a background refresh of keys that still verify
    /// ([`JwksCache::get_or_revalidate`]): one quick attempt (a short timeout, no retries), since
    /// nobody waits for it and the next refresh comes soon. Defaults to
    /// [`fetch_jwks`](Self::fetch_jwks).
    fn refresh_jwks(&self) -> impl Future<Output = Result<JwkSet, FetchError>> {
        self.fetch_jwks()
    }
}

/// A task for a [`Spawner`]: it need not be `Send` (a fetcher's future may not be).
pub type LocalTask = Pin<Box<dyn Future<Output = ()> + 'static>>;

/// Runs a task in the background on the caller's thread: clerk-core has no runtime, so the HTTP
/// layer provides one (`clerk-actix` uses `actix_rt::spawn`, i.e. `tokio::task::spawn_local`).
///
/// [`JwksCache::get_or_revalidate`] hands it the background refresh of stale keys.
pub trait Spawner {
    /// Starts `task`; it must be polled to completion (or dropped) by the runtime.
    fn spawn_local(&self, task: LocalTask);
}

/// Identifies one Clerk instance for a cache: the Backend API URL and a digest of the secret key.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct CacheScope(Arc<str>);

impl CacheScope {
    /// The scope of `api_url` with `secret_key` (the key itself is not kept, only a digest).
    pub fn new(api_url: &str, secret_key: &crate::SecretKey) -> Self {
        use sha2::Digest as _;
        let digest = sha2::Sha256::digest(secret_key.expose().as_bytes());
        let mut hex = String::with_capacity(16);
        for byte in &digest[..8] {
            hex.push_str(&format!("{byte:02x}"));
        }
        Self(Arc::from(format!("{}|{hex}", api_url.trim_end_matches('/'))))
    }
}

impl fmt::Debug for CacheScope {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "CacheScope({})", self.0)
    }
}

/// Tuning of a [`JwksCache`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct JwksCacheConfig {
    /// How long a fetched key is trusted without refetching. Defaults to 5 minutes.
    pub ttl: Duration,
    /// Minimum time between two fetches (an unknown `kid` cannot force more). Defaults to 10 s.
    pub refetch_cooldown: Duration,
    /// How long past its TTL a known key keeps verifying while fetches fail. Defaults to 1 hour.
    pub max_stale: Duration,
}

impl Default for JwksCacheConfig {
    fn default() -> Self {
        Self {
            ttl: Duration::from_secs(300),
            refetch_cooldown: Duration::from_secs(10),
            max_stale: Duration::from_secs(3600),
        }
    }
}

#[derive(Debug, Clone)]
struct Entry {
    key: Arc<VerifyingKey>,
    /// When the last successful fetch that returned this key stops vouching for it (ms).
    fresh_until: i64,
}

#[derive(Debug, Default)]
struct State {
    keys: HashMap<Arc<str>, Entry>,
    /// When the last fetch of any kind started: paces background refreshes.
    last_attempt: Option<i64>,
    /// When the last fetch a lookup can rely on started (a foreground fetch, completed or
    /// abandoned, or a successful background refresh): paces fetches for lookups without a
    /// usable key. A failed background refresh (one quick attempt) does not count, so a key
    /// rotation during a blip still gets its foreground fetch with the full retries.
    last_foreground_attempt: Option<i64>,
    /// The failure of the last fetch counted in `last_foreground_attempt`, if it failed.
    last_error: Option<TokenError>,
    /// Bumped after every fetch counted in `last_foreground_attempt`, so waiters know a fetch
    /// they can use happened while they queued (after a failed background refresh, the first
    /// waiter fetches itself).
    generation: u64,
    /// A background refresh has been started and has not finished.
    revalidating: bool,
}

impl State {
    /// Holds every key of `set` (by `kid`) as fresh until `fresh_until`.
    fn store(&mut self, set: &JwkSet, fresh_until: i64) {
        for key in set.iter() {
            if let Some(kid) = key.kid() {
                let entry = Entry {
                    key: Arc::clone(key),
                    fresh_until,
                };
                self.keys.insert(Arc::from(kid), entry);
            }
        }
    }
}

/// Counters of a [`JwksCache`], for metrics and tests.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct JwksStats {
    /// Fetches started.
    pub fetches: u64,
    /// Fetches that failed.
    pub failures: u64,
    /// Lookups answered with a key past its TTL (while a background refresh runs, or because
    /// fetching failed).
    pub stale_serves: u64,
    /// Background refreshes started ([`JwksCache::get_or_revalidate`]); each also counts in
    /// `fetches` once it fetches.
    pub revalidations: u64,
    /// Keys held now (fresh or stale).
    pub keys: usize,
}

/// The JWK set of one Clerk instance, shared by every worker (`Send + Sync`, behind an `Arc`).
///
/// - A key is trusted for the TTL after the last fetch that returned it; a refetch never extends
///   the life of a key it did not return (such a key is retired at once).
/// - An unknown `kid` triggers a refetch, at most once per cooldown, and concurrent misses share
///   one fetch (single-flight across all callers).
/// - A fetch counts against the cooldown once it has started, even when the request that started
///   it is cancelled (a client that disconnects): its waiters then answer from the keys held, and
///   no new fetch starts before the cooldown has passed.
/// - When a fetch fails, known keys keep verifying up to `max_stale` past their TTL.
/// - A failed background refresh holds back only the next background refresh: a lookup without
///   a usable key (a rotated key's first token) still gets its own fetch, once per cooldown.
/// - [`get_or_revalidate`](Self::get_or_revalidate) (stale-while-revalidate) answers a known key
///   past its TTL (within `max_stale`) at once and refreshes the set in the background, one
///   refresh at a time; only a lookup without a usable key (an unknown `kid`, an empty cache, a
///   key past `max_stale`) waits for a fetch. [`get`](Self::get) instead refreshes a stale key
///   before it answers, for callers without a runtime to run a background task on.
///
/// # Examples
///
/// ```
/// use std::time::SystemTime;
/// use clerk_core::{jwks::CacheScope, jwks::FetchError, jwk::JwkSet, jwks::JwksCache, jwks::JwksFetcher, SecretKey};
///
/// struct Fixed(CacheScope, JwkSet);
/// impl JwksFetcher for Fixed {
///     fn scope(&self) -> &CacheScope { &self.0 }
///     async fn fetch_jwks(&self) -> Result<JwkSet, FetchError> { Ok(self.1.clone()) }
/// }
///
/// # futures_executor(async {
/// let json = include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/jwks.response.json"));
/// let scope = CacheScope::new("https://api.clerk.com", &SecretKey::new("sk_test_x").unwrap());
/// let fetcher = Fixed(scope.clone(), JwkSet::parse(json.as_bytes()).unwrap());
/// let cache = JwksCache::new(scope, Default::default());
/// let key = cache.get(Some("ins_2zeTestInstanceKid000000000"), &fetcher, SystemTime::now()).await;
/// assert!(key.is_ok());
/// # });
/// # fn futures_executor(f: impl std::future::Future<Output = ()>) {
/// #     tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(f)
/// # }
/// ```
pub struct JwksCache {
    scope: CacheScope,
    config: JwksCacheConfig,
    state: RwLock<State>,
    refresh: tokio::sync::Mutex<()>,
    stats: RwLock<JwksStats>,
    /// Bumped whenever a key stops being served (retired or replaced by other material).
    retirements: std::sync::atomic::AtomicU64,
}

impl fmt::Debug for JwksCache {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("JwksCache")
            .field("scope", &self.scope)
            .field("config", &self.config)
            .field("stats", &self.stats())
            .finish()
    }
}

enum Plan {
    Ready(Arc<VerifyingKey>),
    Fetch { generation: u64 },
    Fail(TokenError),
}

impl JwksCache {
    /// An empty cache for one instance.
    pub fn new(scope: CacheScope, config: JwksCacheConfig) -> Self {
        Self {
            scope,
            config,
            state: RwLock::new(State::default()),
            refresh: tokio::sync::Mutex::new(()),
            stats: RwLock::new(JwksStats::default()),
            retirements: std::sync::atomic::AtomicU64::new(0),
        }
    }

    /// A counter bumped whenever a key is retired (no longer served, or replaced by other key
    /// material under the same `kid`). Whatever was verified with a key (a verified-token cache
    /// entry) must be dropped when this changes.
    pub fn retirement_epoch(&self) -> u64 {
        self.retirements.load(std::sync::atomic::Ordering::Acquire)
    }

    /// The instance this cache belongs to.
    pub fn scope(&self) -> &CacheScope {
        &self.scope
    }

    /// The configuration.
    pub fn config(&self) -> &JwksCacheConfig {
        &self.config
    }

    /// Counters so far.
    pub fn stats(&self) -> JwksStats {
        let mut stats = *self.stats.read().unwrap_or_else(|poisoned| poisoned.into_inner());
        stats.keys = self.read_state().keys.len();
        stats
    }

    /// The `kid`s currently held (fresh or stale).
    pub fn kids(&self) -> Vec<String> {
        self.read_state().keys.keys().map(|kid| kid.to_string()).collect()
    }

    /// The key for `kid`, fetching through `fetcher` when the rules above allow.
    ///
    /// `kid` is `None` when the token has none (it can never match a Clerk key).
    ///
    /// # Errors
    ///
    /// Clerk's reasons: `jwk-kid-mismatch` (no such key), `jwk-remote-failed-to-load` (fetch
    /// failed and no usable key), `secret-key-invalid`, `jwk-failed-to-resolve` (a fetcher of
    /// another instance).
    pub async fn get<F: JwksFetcher>(
        &self,
        kid: Option<&str>,
        fetcher: &F,
        now: SystemTime,
    ) -> Result<Arc<VerifyingKey>, TokenError> {
        if fetcher.scope() != &self.scope {
            return Err(foreign_fetcher());
        }
        let now_ms = unix_millis(now);
        let kid_text = kid.unwrap_or("undefined");
        let generation = match self.plan(kid, now_ms, true) {
            Plan::Ready(key) => return Ok(key),
            Plan::Fail(err) => return Err(err),
            Plan::Fetch { generation } => generation,
        };

        let _flight = self.refresh.lock().await;
        // Someone else fetched while we queued: use their result, never fetch twice.
        if self.read_state().generation == generation {
            self.bump_stats(|stats| stats.fetches += 1);
            // Declared after `_flight`, so it is dropped (and the attempt recorded) before the
            // next waiter gets the lock, even when this request is cancelled mid-fetch.
            let attempt = FetchAttempt {
                cache: Some(self),
                now_ms,
                background: false,
            };
            let result = fetcher.fetch_jwks().await;
            attempt.complete(result);
        }
        match self.plan(kid, now_ms, false) {
            Plan::Ready(key) => Ok(key),
            Plan::Fail(err) => Err(err),
            Plan::Fetch { .. } => Err(kid_mismatch(kid_text)),
        }
    }

    /// The key for `kid` with stale-while-revalidate: like [`get`](Self::get), except that a
    /// known key past its TTL but within `max_stale` is returned at once, and one background
    /// refresh ([`JwksFetcher::refresh_jwks`], run through `spawner`) is started if none is
    /// running and the cooldown allows a fetch. Only a lookup without a usable key waits for a
    /// fetch, as [`get`](Self::get) does.
    ///
    /// The refresh takes the same single-flight lock as every other fetch and waits out the
    /// cooldown after any fetch; a successful refresh also counts against the cooldown of
    /// lookups without a usable key, a failed one does not (they still get their own fetch, with
    /// the fetcher's retries). If its task is dropped unpolled, the next stale lookup starts
    /// another.
    ///
    /// # Errors
    ///
    /// As [`get`](Self::get).
    pub async fn get_or_revalidate<F, S>(
        self: &Arc<Self>,
        kid: Option<&str>,
        fetcher: &F,
        spawner: &S,
        now: SystemTime,
    ) -> Result<Arc<VerifyingKey>, TokenError>
    where
        F: JwksFetcher + Clone + 'static,
        S: Spawner + ?Sized,
    {
        if fetcher.scope() != &self.scope {
            return Err(foreign_fetcher());
        }
        let now_ms = unix_millis(now);
        if let Some(kid) = kid {
            if let Some(key) = self.serve_stale(kid, now_ms, fetcher, spawner) {
                return Ok(key);
            }
        }
        self.get(kid, fetcher, now).await
    }

    /// A fresh key, or a stale one within `max_stale` (starting a background refresh); `None`
    /// when the lookup must wait for a fetch.
    fn serve_stale<F, S>(
        self: &Arc<Self>,
        kid: &str,
        now_ms: i64,
        fetcher: &F,
        spawner: &S,
    ) -> Option<Arc<VerifyingKey>>
    where
        F: JwksFetcher + Clone + 'static,
        S: Spawner + ?Sized,
    {
        let key = {
            let state = self.read_state();
            let entry = state.keys.get(kid)?;
            if now_ms < entry.fresh_until {
                return Some(Arc::clone(&entry.key));
            }
            let stale_until = entry
                .fresh_until
                .saturating_add(duration_millis(self.config.max_stale));
            if now_ms >= stale_until {
                return None;
            }
            Arc::clone(&entry.key)
        };
        self.bump_stats(|stats| stats.stale_serves += 1);
        if let Some(generation) = self.claim_revalidation(now_ms) {
            self.spawn_revalidation(generation, fetcher, spawner, now_ms);
        }
        Some(key)
    }

    /// Marks a background refresh as running, if none is and the cooldown allows a fetch;
    /// returns the generation it must find unchanged to fetch.
    fn claim_revalidation(&self, now_ms: i64) -> Option<u64> {
        let mut state = self.write_state();
        let cooled_down = state
            .last_attempt
            .is_none_or(|at| now_ms.saturating_sub(at) >= duration_millis(self.config.refetch_cooldown));
        if state.revalidating || !cooled_down {
            return None;
        }
        state.revalidating = true;
        Some(state.generation)
    }

    fn spawn_revalidation<F, S>(self: &Arc<Self>, generation: u64, fetcher: &F, spawner: &S, now_ms: i64)
    where
        F: JwksFetcher + Clone + 'static,
        S: Spawner + ?Sized,
    {
        self.bump_stats(|stats| stats.revalidations += 1);
        // Created before the task, so a task dropped unpolled still releases the claim.
        let claim = Revalidation(Arc::clone(self));
        let fetcher = fetcher.clone();
        spawner.spawn_local(Box::pin(async move {
            let cache = &claim.0;
            let _flight = cache.refresh.lock().await;
            // A fetch that ran while this task waited (an unknown kid's) made it unnecessary.
            if cache.read_state().generation == generation {
                cache.bump_stats(|stats| stats.fetches += 1);
                let attempt = FetchAttempt {
                    cache: Some(cache),
                    now_ms,
                    background: true,
                };
                let result = fetcher.refresh_jwks().await;
                attempt.complete(result);
            }
        }));
    }

    /// Adds keys without fetching (e.g. a key known from configuration), fresh for the TTL.
    pub fn insert(&self, set: &JwkSet, now: SystemTime) {
        let fresh_until = unix_millis(now).saturating_add(duration_millis(self.config.ttl));
        let mut state = self.write_state();
        state.store(set, fresh_until);
    }

    fn plan(&self, kid: Option<&str>, now_ms: i64, may_fetch: bool) -> Plan {
        let state = self.read_state();
        let kid_text = kid.unwrap_or("undefined");
        let entry = kid.and_then(|kid| state.keys.get(kid));
        if let Some(entry) = entry {
            if now_ms < entry.fresh_until {
                return Plan::Ready(Arc::clone(&entry.key));
            }
        }
        let cooled_down = match state.last_foreground_attempt {
            None => true,
            Some(at) => now_ms.saturating_sub(at) >= duration_millis(self.config.refetch_cooldown),
        };
        if may_fetch && cooled_down {
            return Plan::Fetch {
                generation: state.generation,
            };
        }
        match entry {
            Some(entry)
                if now_ms
                    < entry
                        .fresh_until
                        .saturating_add(duration_millis(self.config.max_stale)) =>
            {
                let key = Arc::clone(&entry.key);
                drop(state);
                self.bump_stats(|stats| stats.stale_serves += 1);
                Plan::Ready(key)
            }
            _ => match &state.last_error {
                Some(err) => Plan::Fail(err.clone()),
                None => Plan::Fail(kid_mismatch(kid_text)),
            },
        }
    }

    /// A fetch started at `now_ms` was abandoned (its request cancelled): it still counts against
    /// the cooldown, and waiters must not start another one. An abandoned background refresh
    /// counts as a failed one: it paces only background refreshes.
    fn record_abandoned_fetch(&self, now_ms: i64, background: bool) {
        let mut state = self.write_state();
        state.last_attempt = Some(now_ms);
        if !background {
            state.last_foreground_attempt = Some(now_ms);
            state.generation += 1;
        }
    }

    fn apply_fetch(&self, result: Result<JwkSet, FetchError>, now_ms: i64, background: bool) {
        let result = result.and_then(|set| {
            if set.is_empty() {
                Err(FetchError::NoKeys)
            } else {
                Ok(set)
            }
        });
        let mut state = self.write_state();
        state.last_attempt = Some(now_ms);
        match result {
            Ok(set) => {
                state.last_foreground_attempt = Some(now_ms);
                state.generation += 1;
                let fresh_until = now_ms.saturating_add(duration_millis(self.config.ttl));
                let retired = state
                    .keys
                    .iter()
                    .any(|(kid, entry)| set.get(kid).is_none_or(|new| !new.same_material(&entry.key)));
                if retired {
                    self.retirements.fetch_add(1, std::sync::atomic::Ordering::AcqRel);
                }
                // Keys the instance no longer serves are retired at once.
                state.keys.clear();
                state.store(&set, fresh_until);
                state.last_error = None;
            }
            Err(err) => {
                // A failed quick refresh leaves lookups without a usable key free to fetch
                // (with retries) and their answers untouched.
                if !background {
                    state.last_foreground_attempt = Some(now_ms);
                    state.generation += 1;
                    state.last_error = Some(err.to_token_error());
                }
                drop(state);
                self.bump_stats(|stats| stats.failures += 1);
            }
        }
    }

    fn read_state(&self) -> std::sync::RwLockReadGuard<'_, State> {
        self.state.read().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    fn write_state(&self) -> std::sync::RwLockWriteGuard<'_, State> {
        self.state
            .write()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    fn bump_stats(&self, update: impl FnOnce(&mut JwksStats)) {
        update(
            &mut self
                .stats
                .write()
                .unwrap_or_else(|poisoned| poisoned.into_inner()),
        );
    }
}

/// One fetch under way. Whatever becomes of the request that started it (completed, or its
/// future dropped when the client disconnects), the attempt is recorded: without this a client
/// could send an unknown `kid`, reset the connection, and each queued waiter would fetch again.
struct FetchAttempt<'a> {
    /// `None` once recorded.
    cache: Option<&'a JwksCache>,
    now_ms: i64,
    /// A background refresh ([`JwksCache::get_or_revalidate`]) rather than a fetch a lookup waits
    /// for.
    background: bool,
}

impl FetchAttempt<'_> {
    /// The fetch finished: store its result.
    fn complete(mut self, result: Result<JwkSet, FetchError>) {
        if let Some(cache) = self.cache.take() {
            cache.apply_fetch(result, self.now_ms, self.background);
        }
    }
}

impl Drop for FetchAttempt<'_> {
    fn drop(&mut self) {
        if let Some(cache) = self.cache.take() {
            cache.record_abandoned_fetch(self.now_ms, self.background);
        }
    }
}

/// A background refresh in flight: releases its claim when the task ends or is dropped.
struct Revalidation(Arc<JwksCache>);

impl Drop for Revalidation {
    fn drop(&mut self) {
        self.0.write_state().revalidating = false;
    }
}

fn foreign_fetcher() -> TokenError {
    TokenError::new(
        Reason::JwkFailedToResolve,
        "The JWKS fetcher belongs to another Clerk instance than this cache.",
    )
}

fn kid_mismatch(kid: &str) -> TokenError {
    TokenError::new(
        Reason::JwkKidMismatch,
        format!(
            "Unable to find a signing key in JWKS that matches the kid='{kid}' of the provided session token. \
             Please make sure that the __session cookie or the HTTP authorization header contain a Clerk-generated session JWT."
        ),
    )
    .with_action(Action::ValidateKeys)
}
