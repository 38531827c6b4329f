//! [`CurrentOrganization`]: the session's active organization (`auth().orgId` plus Clerk's
//! `organizations.getOrganization`) from the app's cache, with its members.

use std::fmt;

use actix_web::dev::Payload;
use actix_web::{web, FromRequest, HttpMessage as _, HttpRequest};
use clerk_actix::{AuthError, Authenticated};
use futures_util::future::LocalBoxFuture;

use crate::cache::{OrgLookup, OrgLookupError};
use crate::state::AppState;

/// The signed-in session's active organization, from the Postgres cache (read-through on a
/// miss), with its members; `None` when the session has no active organization (its token has
/// no `o` claim) or the organization no longer exists.
///
/// Rejects with 401 when signed out, and 503 when neither the database nor Clerk can answer
/// (or the app runs without a cache: no `CLERK_SECRET_KEY`). The lookup happens once per
/// request; a second extraction reuses it. Organizations and memberships hold no private
/// metadata in the cache.
///
/// # Examples
///
/// ```no_run
/// use actix_web::HttpResponse;
/// use app::current_org::CurrentOrganization;
///
/// async fn org_name(org: CurrentOrganization) -> HttpResponse {
///     match &org.0 {
///         Some(found) => HttpResponse::Ok().body(found.organization.name.clone()),
///         None => HttpResponse::NotFound().finish(),
///     }
/// }
/// ```
#[derive(Clone)]
pub struct CurrentOrganization(pub Option<OrgLookup>);

/// Shows the organization's id only.
impl fmt::Debug for CurrentOrganization {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("CurrentOrganization")
            .field(&self.0.as_ref().map(|found| found.organization.id.as_str()))
            .finish()
    }
}

impl FromRequest for CurrentOrganization {
    type Error = AuthError;
    type Future = LocalBoxFuture<'static, Result<Self, AuthError>>;

    fn from_request(req: &HttpRequest, _payload: &mut Payload) -> Self::Future {
        let req = req.clone();
        Box::pin(async move {
            if let Some(found) = req.extensions().get::<Self>() {
                return Ok(found.clone());
            }
            let auth = Authenticated::extract(&req).await?;
            let Some(org_id) = auth.org_id().map(str::to_owned) else {
                return Ok(Self(None));
            };
            let cache = req
                .app_data::<web::Data<AppState>>()
                .and_then(|state| state.cache.clone())
                .ok_or_else(|| {
                    AuthError::Unavailable("the organization cache needs CLERK_SECRET_KEY".into())
                })?;
            let found = match cache.lookup_organization(&org_id).await {
                Ok(found) => Self(Some(found)),
                Err(OrgLookupError::NotFound) => Self(None),
                Err(err) => return Err(AuthError::Unavailable(Box::new(err))),
            };
            req.extensions_mut().insert(found.clone());
            Ok(found)
        })
    }
}
