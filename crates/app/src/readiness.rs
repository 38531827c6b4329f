//! The database answer of `GET /readyz`, shared by every caller for a second: a flood of
//! readiness probes makes at most one `SELECT 1` per second and cannot starve the pool.

use std::time::{Duration, Instant};

use sqlx::PgPool;
use tokio::sync::Mutex;

/// How long one database answer is reused.
pub const READINESS_TTL: Duration = Duration::from_secs(1);

/// The last database answer and when it was taken.
#[derive(Debug)]
pub struct Readiness {
    ttl: Duration,
    last: Mutex<Option<(Instant, Result<(), String>)>>,
}

impl Default for Readiness {
    fn default() -> Self {
        Self::new(READINESS_TTL)
    }
}

impl Readiness {
    /// Answers reused for `ttl`.
    pub fn new(ttl: Duration) -> Self {
        Self {
            ttl,
            last: Mutex::new(None),
        }
    }

    /// Whether the database answers: the last answer if younger than the TTL, else a fresh ping.
    /// Concurrent callers wait for the one ping in flight instead of starting their own.
    ///
    /// # Errors
    ///
    /// Why the database did not answer.
    pub async fn database(&self, pool: &PgPool) -> Result<(), String> {
        let mut last = self.last.lock().await;
        if let Some((at, answer)) = last.as_ref() {
            if at.elapsed() < self.ttl {
                return answer.clone();
            }
        }
        let answer = crate::startup::ping_database(pool).await;
        if let Err(err) = &answer {
            tracing::warn!(error.message = %err, "readiness: the database does not answer");
        }
        *last = Some((Instant::now(), answer.clone()));
        answer
    }
}
