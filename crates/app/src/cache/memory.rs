//! The in-process tier in front of Postgres: users by id (and organizations with their members,
//! from issue 15 on) for a short TTL, dropped on every replica when Postgres announces a change
//! (`LISTEN clerk_user_changed`: a user id, or `org:` and an organization id), and not trusted at
//! all while the listening connection is down.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use clerk_core::User;

use super::org_lookup::OrgLookup;
use sqlx::postgres::PgListener;
use sqlx::PgPool;

/// The channel the `users` triggers notify (migration 0002), and the organization and membership
/// triggers (migration 0004, payload [`ORG_PREFIX`] + the organization id).
pub const CHANGE_CHANNEL: &str = "clerk_user_changed";

/// The prefix of an organization's change announcement on [`CHANGE_CHANNEL`] (Clerk user ids
/// start with `user_`, so the two never collide).
pub const ORG_PREFIX: &str = "org:";

/// The in-process tier. `Send + Sync`; one per replica, shared by every worker.
#[derive(Debug)]
pub struct MemoryTier {
    capacity: usize,
    ttl: Duration,
    entries: Mutex<HashMap<String, (Arc<User>, Instant)>>,
    /// Organizations with their members, by organization id (the same capacity, TTL and trust).
    orgs: Mutex<HashMap<String, (OrgLookup, Instant)>>,
    /// Bumped on every invalidation: a value read from Postgres before a change is not stored.
    epoch: AtomicU64,
    /// Whether the change feed is connected (nothing is served or stored otherwise).
    trusted: AtomicBool,
    /// Lookups served, users and organizations.
    pub(crate) hits: AtomicU64,
    /// Entries dropped on a change, users and organizations.
    pub(crate) invalidations: AtomicU64,
    /// Of [`hits`](Self::hits), the organizations.
    pub(crate) org_hits: AtomicU64,
    /// Of [`invalidations`](Self::invalidations), the organizations.
    pub(crate) org_invalidations: AtomicU64,
    pub(crate) feed_drops: AtomicU64,
}

impl MemoryTier {
    /// A tier of at most `capacity` users (0 = off), each kept at most `ttl`. It is not trusted
    /// until [`MemoryTier::listen`] has subscribed to the change feed.
    pub fn new(capacity: usize, ttl: Duration) -> Self {
        Self {
            capacity,
            ttl,
            entries: Mutex::new(HashMap::new()),
            orgs: Mutex::new(HashMap::new()),
            epoch: AtomicU64::new(0),
            trusted: AtomicBool::new(false),
            hits: AtomicU64::new(0),
            invalidations: AtomicU64::new(0),
            org_hits: AtomicU64::new(0),
            org_invalidations: AtomicU64::new(0),
            feed_drops: AtomicU64::new(0),
        }
    }

    /// Whether the tier can hold anything.
    pub fn is_enabled(&self) -> bool {
        self.capacity > 0 && !self.ttl.is_zero()
    }

    /// Whether the change feed is connected and the tier is in use.
    pub fn is_trusted(&self) -> bool {
        self.trusted.load(Ordering::Acquire)
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, (Arc<User>, Instant)>> {
        self.entries
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// The user, when held, fresh, and the feed is connected.
    pub fn get(&self, user_id: &str) -> Option<Arc<User>> {
        if !self.is_enabled() || !self.is_trusted() {
            return None;
        }
        let entries = self.lock();
        let (user, at) = entries.get(user_id)?;
        if at.elapsed() < self.ttl {
            self.hits.fetch_add(1, Ordering::Relaxed);
            Some(Arc::clone(user))
        } else {
            None
        }
    }

    /// The current invalidation epoch; pass it back to [`MemoryTier::insert`].
    pub fn epoch(&self) -> u64 {
        self.epoch.load(Ordering::Acquire)
    }

    /// Stores `user` read when the epoch was `epoch`, unless anything was invalidated since (the
    /// value may predate the change) or the feed is down.
    pub fn insert(&self, user_id: &str, user: Arc<User>, epoch: u64) {
        if !self.is_enabled() || !self.is_trusted() {
            return;
        }
        let mut entries = self.lock();
        // Checked under the lock: an invalidation takes the lock too, so none can slip between.
        if self.epoch() != epoch {
            return;
        }
        if entries.len() >= self.capacity && !entries.contains_key(user_id) {
            let ttl = self.ttl;
            entries.retain(|_, (_, at)| at.elapsed() < ttl);
            if entries.len() >= self.capacity {
                if let Some(victim) = entries.keys().next().cloned() {
                    entries.remove(&victim);
                }
            }
        }
        entries.insert(user_id.to_owned(), (user, Instant::now()));
    }

    /// Drops `user_id`, or the organization of an [`ORG_PREFIX`]ed id (a change was announced
    /// or made here).
    pub fn invalidate(&self, user_id: &str) {
        if let Some(org_id) = user_id.strip_prefix(ORG_PREFIX) {
            return self.invalidate_org(org_id);
        }
        let mut entries = self.lock();
        self.epoch.fetch_add(1, Ordering::AcqRel);
        entries.remove(user_id);
        self.invalidations.fetch_add(1, Ordering::Relaxed);
    }

    fn lock_orgs(&self) -> std::sync::MutexGuard<'_, HashMap<String, (OrgLookup, Instant)>> {
        self.orgs
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// The organization with its members, when held, fresh, and the feed is connected.
    pub fn get_org(&self, org_id: &str) -> Option<OrgLookup> {
        if !self.is_enabled() || !self.is_trusted() {
            return None;
        }
        let orgs = self.lock_orgs();
        let (found, at) = orgs.get(org_id)?;
        if at.elapsed() < self.ttl {
            self.hits.fetch_add(1, Ordering::Relaxed);
            self.org_hits.fetch_add(1, Ordering::Relaxed);
            Some(found.clone())
        } else {
            None
        }
    }

    /// Stores an organization read when the epoch was `epoch` (see [`MemoryTier::insert`]).
    pub fn insert_org(&self, org_id: &str, found: OrgLookup, epoch: u64) {
        if !self.is_enabled() || !self.is_trusted() {
            return;
        }
        let mut orgs = self.lock_orgs();
        if self.epoch() != epoch {
            return;
        }
        if orgs.len() >= self.capacity && !orgs.contains_key(org_id) {
            let ttl = self.ttl;
            orgs.retain(|_, (_, at)| at.elapsed() < ttl);
            if orgs.len() >= self.capacity {
                if let Some(victim) = orgs.keys().next().cloned() {
                    orgs.remove(&victim);
                }
            }
        }
        orgs.insert(org_id.to_owned(), (found, Instant::now()));
    }

    /// Drops an organization (its row or one of its memberships changed).
    pub fn invalidate_org(&self, org_id: &str) {
        let mut orgs = self.lock_orgs();
        self.epoch.fetch_add(1, Ordering::AcqRel);
        orgs.remove(org_id);
        self.invalidations.fetch_add(1, Ordering::Relaxed);
        self.org_invalidations.fetch_add(1, Ordering::Relaxed);
    }

    /// Drops everything and stops serving until the feed is back.
    pub fn distrust(&self) {
        let mut entries = self.lock();
        let mut orgs = self.lock_orgs();
        self.trusted.store(false, Ordering::Release);
        self.epoch.fetch_add(1, Ordering::AcqRel);
        entries.clear();
        orgs.clear();
    }

    fn trust(&self) {
        let mut entries = self.lock();
        let mut orgs = self.lock_orgs();
        self.epoch.fetch_add(1, Ordering::AcqRel);
        entries.clear();
        orgs.clear();
        self.trusted.store(true, Ordering::Release);
    }

    /// Follows the change feed forever: subscribes, trusts the tier, drops each announced user;
    /// when the connection drops, distrusts (flushes) the tier and reconnects. Spawn it once per
    /// replica (`actix_rt::spawn` or `tokio::spawn`) and abort it on shutdown.
    pub async fn listen(self: Arc<Self>, pool: PgPool) {
        if !self.is_enabled() {
            return;
        }
        let mut backoff = Duration::from_millis(100);
        loop {
            match Self::subscribe(&pool).await {
                Ok(mut listener) => {
                    self.trust();
                    backoff = Duration::from_millis(100);
                    tracing::debug!("user cache: change feed connected");
                    // `Ok(None)` or an error: the connection is gone.
                    while let Ok(Some(notification)) = listener.try_recv().await {
                        self.invalidate(notification.payload());
                    }
                    self.feed_drops.fetch_add(1, Ordering::Relaxed);
                    tracing::warn!(
                        "user cache: change feed lost; the in-process tier is off until it is back"
                    );
                }
                Err(err) => {
                    tracing::warn!(error.message = %err, "user cache: cannot subscribe to the change feed");
                }
            }
            self.distrust();
            tokio::time::sleep(backoff).await;
            backoff = (backoff * 2).min(Duration::from_secs(5));
        }
    }

    /// Runs [`MemoryTier::listen`] on a thread of its own (with its own small runtime, so the
    /// feed's connection lives and dies there) until the returned handle is dropped.
    pub fn spawn_feed(self: Arc<Self>, pool: PgPool) -> FeedHandle {
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let thread = std::thread::Builder::new()
            .name("user-cache-feed".into())
            .spawn(move || {
                let Ok(runtime) = tokio::runtime::Builder::new_current_thread().enable_all().build() else {
                    tracing::error!(
                        "user cache: cannot start the change-feed runtime; the in-process tier stays off"
                    );
                    return;
                };
                runtime.block_on(async move {
                    tokio::select! {
                        () = self.listen(pool) => {}
                        _ = stopped => {}
                    }
                });
            });
        if let Err(err) = thread {
            tracing::error!(error.message = %err, "user cache: cannot start the change-feed thread");
        }
        FeedHandle { stop: Some(stop) }
    }

    async fn subscribe(pool: &PgPool) -> Result<PgListener, sqlx::Error> {
        let mut listener = PgListener::connect_with(pool).await?;
        // Reconnection is ours to do (so the tier is flushed first): no silent reconnects.
        listener.eager_reconnect(false);
        listener.listen(CHANGE_CHANNEL).await?;
        Ok(listener)
    }
}

/// Keeps the change feed of [`MemoryTier::spawn_feed`] running; dropping it stops the feed.
#[derive(Debug)]
pub struct FeedHandle {
    stop: Option<tokio::sync::oneshot::Sender<()>>,
}

impl Drop for FeedHandle {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}
