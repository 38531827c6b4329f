//! Clerk's Backend API rate limits, as a sliding window per secret key.

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use clerk_core::InstanceType;

use crate::lock::lock;

/// Rate-limit settings.
///
/// Clerk limits the Backend API per instance (secret key): 100 requests per 10 s for
/// development, 1000 for production; `GET /v1/jwks` and the public JWKS are not limited.
/// User updates (`PATCH /v1/users/{id}`, `…/metadata`) are also limited to 10 per 10 s
/// per user. A limited request gets `429 too_many_requests` with `Retry-After` (whole
/// seconds, rounded up) until the window has room again.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RateLimit {
    /// Requests allowed per window and secret key. Defaults to 100 (development) or 1000
    /// (production).
    pub limit: u32,
    /// Per-user limit on user updates per window; `None` disables it. Defaults to `Some(10)`.
    pub user_update_limit: Option<u32>,
    /// The window. Defaults to 10 s.
    pub window: Duration,
}

impl RateLimit {
    /// Clerk's documented limits for an instance type.
    pub fn clerk_default(instance_type: InstanceType) -> Self {
        Self {
            limit: match instance_type {
                InstanceType::Development => 100,
                InstanceType::Production => 1000,
            },
            user_update_limit: Some(10),
            window: Duration::from_secs(10),
        }
    }

    /// No limit at all.
    pub fn unlimited() -> Self {
        Self {
            limit: u32::MAX,
            user_update_limit: None,
            window: Duration::from_secs(10),
        }
    }
}

#[derive(Debug)]
pub(crate) struct Limiter {
    config: Mutex<RateLimit>,
    hits: Mutex<HashMap<String, VecDeque<Instant>>>,
}

impl Limiter {
    pub(crate) fn new(config: RateLimit) -> Arc<Self> {
        Arc::new(Self {
            config: Mutex::new(config),
            hits: Mutex::default(),
        })
    }

    pub(crate) fn set(&self, config: RateLimit) {
        *lock(&self.config) = config;
        lock(&self.hits).clear();
    }

    /// Counts a request against `bucket`; `Err(retry_after_secs)` when over the limit.
    pub(crate) fn check(&self, bucket: &str, per_user: bool) -> Result<(), u64> {
        let config = *lock(&self.config);
        let limit = if per_user {
            match config.user_update_limit {
                Some(limit) => limit,
                None => return Ok(()),
            }
        } else {
            config.limit
        };
        let now = Instant::now();
        let mut hits = lock(&self.hits);
        let log = hits.entry(bucket.to_owned()).or_default();
        while log
            .front()
            .is_some_and(|t| now.duration_since(*t) >= config.window)
        {
            log.pop_front();
        }
        if log.len() >= usize::try_from(limit).unwrap_or(usize::MAX) {
            let oldest = log.front().copied().unwrap_or(now);
            let wait = config.window.saturating_sub(now.duration_since(oldest));
            let secs = wait.as_secs() + u64::from(wait.subsec_nanos() > 0);
            return Err(secs.max(1));
        }
        log.push_back(now);
        Ok(())
    }
}
