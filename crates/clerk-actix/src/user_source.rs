//! Where [`crate::CurrentUser`] gets the user from.

use std::error::Error as StdError;
use std::fmt;
use std::sync::Arc;

use clerk_core::User;
use futures_util::future::LocalBoxFuture;

/// Why a user could not be loaded.
///
/// Cheap to clone (the cause is shared), so one answer can serve every waiter of a coalesced
/// lookup.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub enum UserSourceError {
    /// No such user (deleted, or never existed).
    NotFound,
    /// The source cannot answer right now (Backend API or database down); retry later. The
    /// cause is the error's [`source`](StdError::source), for logs; it never reaches a response.
    Unavailable(Arc<dyn StdError + Send + Sync>),
}

impl fmt::Display for UserSourceError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            UserSourceError::NotFound => f.write_str("user not found"),
            UserSourceError::Unavailable(_) => f.write_str("user source unavailable"),
        }
    }
}

// By hand: thiserror's `#[source]` would hand out the `Arc` itself, which hides the cause's
// type from `downcast_ref` and skips the cause in the chain (an `Arc`'s `source()` is its
// content's source).
impl StdError for UserSourceError {
    fn source(&self) -> Option<&(dyn StdError + 'static)> {
        match self {
            UserSourceError::NotFound => None,
            UserSourceError::Unavailable(cause) => Some(&**cause),
        }
    }
}

impl UserSourceError {
    /// [`UserSourceError::Unavailable`] caused by `cause`: an error, or a message.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::error::Error as _;
    /// use clerk_actix::user_source::UserSourceError;
    ///
    /// let err = UserSourceError::unavailable("user cache: connection refused");
    /// assert_eq!(err.to_string(), "user source unavailable");
    /// assert_eq!(err.source().map(|cause| cause.to_string()).as_deref(), Some("user cache: connection refused"));
    /// ```
    pub fn unavailable(cause: impl Into<Box<dyn StdError + Send + Sync>>) -> Self {
        UserSourceError::Unavailable(Arc::from(cause.into()))
    }
}

/// A source of users by id: the Backend API by default, a local cache in the example app.
///
/// The future may be `!Send` (it runs on the worker that serves the request).
pub trait UserSource: Send + Sync + 'static {
    /// Loads the user with this id.
    ///
    /// # Errors
    ///
    /// [`UserSourceError::NotFound`] when there is no such user; [`UserSourceError::Unavailable`]
    /// (with its cause) when the source cannot answer now.
    fn get_user<'a>(&'a self, user_id: &'a str) -> LocalBoxFuture<'a, Result<Arc<User>, UserSourceError>>;
}
