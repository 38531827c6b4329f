//! The cache's error type.

use std::time::Duration;

use clerk_actix::client::ApiError;

/// `Result` of a cache operation.
pub type Result<T, E = CacheError> = std::result::Result<T, E>;

/// Why a cache operation failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum CacheError {
    /// No such row.
    #[error("not found")]
    NotFound,
    /// The database cannot be reached (pool timeout, connection refused or lost, server
    /// shutting down); retry later.
    #[error("database unavailable: {0}")]
    Unavailable(#[source] sqlx::Error),
    /// The database did not answer within the cache's time limit
    /// ([`CacheConfig::db_timeout`](super::CacheConfig::db_timeout)); retry later.
    #[error("the database did not answer within {0:?}")]
    TimedOut(Duration),
    /// The database answered with an error (a bug, or a schema that is not migrated).
    #[error("database error")]
    Database(#[source] sqlx::Error),
    /// The Backend API failed (and no fallback applied).
    #[error("clerk backend api")]
    Api(#[source] ApiError),
    /// A user could not be encoded as JSON for storage.
    #[error("the user cannot be encoded: {0}")]
    Encode(#[source] serde_json::Error),
    /// A value is not acceptable (an empty `svix-id`).
    #[error("invalid data: {0}")]
    InvalidData(String),
}

impl CacheError {
    /// Whether the failure is transient (database or Clerk unreachable): the caller should
    /// answer 503 / 5xx and retry later.
    pub fn is_unavailable(&self) -> bool {
        match self {
            CacheError::Unavailable(_) | CacheError::TimedOut(_) => true,
            CacheError::Api(err) => err.is_retryable(),
            _ => false,
        }
    }
}

impl From<sqlx::Error> for CacheError {
    fn from(err: sqlx::Error) -> Self {
        use sqlx::Error as E;
        match err {
            E::RowNotFound => CacheError::NotFound,
            E::PoolTimedOut | E::PoolClosed | E::Io(_) | E::Tls(_) | E::WorkerCrashed | E::Protocol(_) => {
                CacheError::Unavailable(err)
            }
            E::Database(ref db) if is_unavailable_code(db.code().as_deref()) => CacheError::Unavailable(err),
            other => CacheError::Database(other),
        }
    }
}

impl From<ApiError> for CacheError {
    fn from(err: ApiError) -> Self {
        CacheError::Api(err)
    }
}

/// SQLSTATEs that mean "the server cannot serve us now", not "the query is wrong".
fn is_unavailable_code(code: Option<&str>) -> bool {
    let Some(code) = code else { return false };
    // 08: connection exception; 57P0x: shutdown / cannot connect now; 53: insufficient
    // resources (too many connections, disk full); 3D000: the database does not exist.
    code.starts_with("08") || code.starts_with("57P") || code.starts_with("53") || code == "3D000"
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pool_errors_are_unavailable() {
        assert!(CacheError::from(sqlx::Error::PoolTimedOut).is_unavailable());
        assert!(CacheError::from(sqlx::Error::PoolClosed).is_unavailable());
        assert!(matches!(
            CacheError::from(sqlx::Error::RowNotFound),
            CacheError::NotFound
        ));
        assert!(is_unavailable_code(Some("08006")));
        assert!(is_unavailable_code(Some("57P01")));
        assert!(!is_unavailable_code(Some("23505")));
    }
}
