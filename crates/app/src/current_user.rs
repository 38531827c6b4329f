//! [`CachedCurrentUser`]: Clerk's `currentUser()` through the app's user cache, with how fresh
//! the answer is, so that a stale answer is marked on the response (`x-user-cache: stale`).

use std::fmt;
use std::ops::Deref;
use std::sync::Arc;

use actix_web::dev::Payload;
use actix_web::http::header::{HeaderName, HeaderValue};
use actix_web::{web, FromRequest, HttpMessage as _, HttpRequest, HttpResponse};
use clerk_actix::{AuthError, Authenticated, CurrentUser};
use clerk_core::User;
use futures_util::future::LocalBoxFuture;

use crate::cache::Freshness;
use crate::state::AppState;

/// The response header that marks an answer built from a stale user: `x-user-cache: stale`.
/// Fresh answers do not carry it.
pub const USER_CACHE_HEADER: HeaderName = HeaderName::from_static("x-user-cache");

/// The value of [`USER_CACHE_HEADER`] on a stale answer.
const STALE: HeaderValue = HeaderValue::from_static("stale");

/// The signed-in user, from the app's Postgres user cache, and how fresh it is.
///
/// What [`CurrentUser`] gives, plus the [`Freshness`] the cache answered with: a user served
/// past its TTL because Clerk could not be reached (or the rate budget was spent) is
/// [`Freshness::Stale`], and [`CachedCurrentUser::mark`] says so on the response. Without a
/// user cache (no `CLERK_SECRET_KEY`) it is [`CurrentUser`]'s own answer, never stale.
///
/// Rejects like [`CurrentUser`]: 401 when signed out, 404 when the user no longer exists, 503
/// when neither the database nor Clerk can answer. The lookup happens once per request; a
/// second extraction reuses it. It includes `private_metadata`: hand clients
/// [`User::to_public`].
///
/// # Examples
///
/// ```no_run
/// use actix_web::HttpResponse;
/// use app::current_user::CachedCurrentUser;
///
/// async fn me(user: CachedCurrentUser) -> HttpResponse {
///     user.mark(HttpResponse::Ok().json(user.to_public()))
/// }
/// ```
#[derive(Clone)]
pub struct CachedCurrentUser {
    user: Arc<User>,
    freshness: Freshness,
}

/// Shows the user's id only: no names, addresses or metadata in logs.
impl fmt::Debug for CachedCurrentUser {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CachedCurrentUser")
            .field("id", &self.user.id)
            .field("freshness", &self.freshness)
            .finish_non_exhaustive()
    }
}

impl Deref for CachedCurrentUser {
    type Target = User;

    fn deref(&self) -> &User {
        &self.user
    }
}

impl CachedCurrentUser {
    /// How fresh the user is.
    pub fn freshness(&self) -> Freshness {
        self.freshness
    }

    /// Whether the user was served past its TTL because Clerk could not be asked.
    pub fn is_stale(&self) -> bool {
        matches!(self.freshness, Freshness::Stale { .. })
    }

    /// `response`, marked as built from this user: with `x-user-cache: stale` when the user is
    /// stale, unchanged otherwise.
    pub fn mark(&self, mut response: HttpResponse) -> HttpResponse {
        if self.is_stale() {
            response.headers_mut().insert(USER_CACHE_HEADER, STALE);
        }
        response
    }
}

impl FromRequest for CachedCurrentUser {
    type Error = AuthError;
    type Future = LocalBoxFuture<'static, Result<Self, AuthError>>;

    fn from_request(req: &HttpRequest, _payload: &mut Payload) -> Self::Future {
        let req = req.clone();
        Box::pin(async move {
            if let Some(found) = req.extensions().get::<Self>() {
                return Ok(found.clone());
            }
            let cache = req
                .app_data::<web::Data<AppState>>()
                .and_then(|state| state.cache.clone());
            let found = match cache {
                Some(cache) => {
                    let auth = Authenticated::extract(&req).await?;
                    let found = cache.lookup(auth.user_id()).await?;
                    Self {
                        user: found.user,
                        freshness: found.freshness,
                    }
                }
                // No user cache: Clerk's own user source (the Backend API) answers, just now.
                None => Self {
                    user: CurrentUser::extract(&req).await?.0,
                    freshness: Freshness::Refreshed,
                },
            };
            req.extensions_mut().insert(found.clone());
            Ok(found)
        })
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    fn user(freshness: Freshness) -> CachedCurrentUser {
        let user: User =
            serde_json::from_value(serde_json::json!({"id": "user_1", "created_at": 1, "updated_at": 1}))
                .unwrap();
        CachedCurrentUser {
            user: Arc::new(user),
            freshness,
        }
    }

    #[test]
    fn only_a_stale_user_marks_the_response() {
        let stale = user(Freshness::Stale {
            age: Duration::from_secs(90),
        });
        let response = stale.mark(HttpResponse::Ok().finish());
        assert_eq!(
            response.headers().get(USER_CACHE_HEADER),
            Some(&HeaderValue::from_static("stale"))
        );
        for freshness in [Freshness::Fresh, Freshness::Refreshed] {
            let response = user(freshness).mark(HttpResponse::Ok().finish());
            assert_eq!(response.headers().get(USER_CACHE_HEADER), None, "{freshness:?}");
        }
        assert!(!format!("{stale:?}").contains("private"), "{stale:?}");
    }
}
