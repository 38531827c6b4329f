//! Where [`crate::CurrentUser`] gets the user from.

use std::sync::Arc;

use clerk_core::User;
use futures_util::future::LocalBoxFuture;

/// Why a user could not be loaded.
#[derive(Debug, Clone, thiserror::Error)]
#[non_exhaustive]
pub enum UserSourceError {
    /// No such user (deleted, or never existed).
    #[error("user not found")]
    NotFound,
    /// The source cannot answer right now (Backend API or database down); retry later.
    #[error("user source unavailable: {0}")]
    Unavailable(String),
}

/// A source of users by id: the Backend API by default, a local cache in the example app.
///
/// The future may be `!Send` (it runs on the worker that serves the request).
pub trait UserSource: Send + Sync + 'static {
    /// Loads the user with this id.
    fn get_user<'a>(&'a self, user_id: &'a str) -> LocalBoxFuture<'a, Result<Arc<User>, UserSourceError>>;
}
