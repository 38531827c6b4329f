//! The database answer of `GET /readyz`, shared by every caller for a second: a flood of
//! readiness probes makes at most one `SELECT 1` per second and cannot starve the pool.

use std::sync::Arc;
use std::time::{Duration, Instant};

use sqlx::PgPool;
use tokio::sync::Mutex;

use crate::error::Error;

/// How long one database answer is reused.
pub const READINESS_TTL: Duration = Duration::from_secs(1);

/// One database answer: shared by every caller within [`READINESS_TTL`], so the error is too.
pub type DatabaseAnswer = Result<(), Arc<Error>>;

/// The last database answer and when it was taken.
#[derive(Debug)]
pub struct Readiness {
    ttl: Duration,
    last: Mutex<Option<(Instant, DatabaseAnswer)>>,
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
    /// Why the database did not answer ([`crate::database::ping`]).
    pub async fn database(&self, pool: &PgPool) -> DatabaseAnswer {
        let mut last = self.last.lock().await;
        if let Some((at, answer)) = last.as_ref() {
            if at.elapsed() < self.ttl {
                return answer.clone();
            }
        }
        let answer = crate::database::ping(pool).await.map_err(Arc::new);
        if let Err(err) = &answer {
            tracing::warn!(error.message = %err, error.cause_chain = ?err, "readiness: the database does not answer");
        }
        *last = Some((Instant::now(), answer.clone()));
        answer
    }
}
