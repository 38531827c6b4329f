//! Guards for routing on the auth state. A failing guard means "this route does not match"
//! (404/405); checks that must answer 401/403 belong in an extractor or [`crate::Protect`].
//!
//! Guards are synchronous, so they read the result [`crate::ClerkMiddleware`] stored: without the
//! middleware every guard fails closed.

use actix_web::dev::ServiceRequest;
use actix_web::guard::{Guard, GuardContext};
use actix_web::{HttpMessage, HttpRequest};
use clerk_core::{Auth, Check};

use crate::middleware::AuthSlotAccess;
use clerk_core::request::RequestOutcome;

/// Access to the request's [`Auth`] from requests, service requests and guard contexts.
///
/// # Examples
///
/// ```
/// use actix_web::{guard, web, HttpResponse};
/// use clerk_actix::AuthExt as _;
///
/// let admin_only = web::resource("/admin")
///     .guard(guard::fn_guard(|ctx| ctx.clerk_auth().is_some_and(|a| a.has(&clerk_core::Check::new().role("admin")))))
///     .to(HttpResponse::Ok);
/// ```
pub trait AuthExt {
    /// The full request-level result stored by [`crate::ClerkMiddleware`] (or an extractor), if
    /// authentication ran for this request.
    fn clerk_request_state(&self) -> Option<RequestOutcome>;

    /// The auth stored by [`crate::ClerkMiddleware`], if it ran.
    fn clerk_auth(&self) -> Option<Auth> {
        self.clerk_request_state().map(|state| state.auth().clone())
    }
}

impl AuthExt for HttpRequest {
    fn clerk_request_state(&self) -> Option<RequestOutcome> {
        self.extensions().auth_state().cloned()
    }
}

impl AuthExt for ServiceRequest {
    fn clerk_request_state(&self) -> Option<RequestOutcome> {
        self.extensions().auth_state().cloned()
    }
}

impl AuthExt for GuardContext<'_> {
    fn clerk_request_state(&self) -> Option<RequestOutcome> {
        self.req_data().auth_state().cloned()
    }

    fn clerk_auth(&self) -> Option<Auth> {
        self.req_data().auth_state().map(|s| s.auth().clone())
    }
}

/// A guard over the request's [`Auth`]. Build one with [`signed_in`], [`role`], [`permission`],
/// [`feature`], [`plan`] or [`check`].
pub struct AuthGuard<F>(F);

impl<F: Fn(&Auth) -> bool> Guard for AuthGuard<F> {
    fn check(&self, ctx: &GuardContext<'_>) -> bool {
        ctx.clerk_auth().is_some_and(|auth| (self.0)(&auth))
    }
}

/// Matches signed-in requests.
pub fn signed_in() -> AuthGuard<impl Fn(&Auth) -> bool> {
    AuthGuard(|auth: &Auth| auth.is_authenticated())
}

/// Matches requests whose active organization role is `role` (`admin` or `org:admin`).
pub fn role(role: impl Into<String>) -> AuthGuard<impl Fn(&Auth) -> bool> {
    let role = role.into();
    AuthGuard(move |auth: &Auth| auth.has(&Check::new().role(&role)))
}

/// Matches requests holding the organization permission.
pub fn permission(permission: impl Into<String>) -> AuthGuard<impl Fn(&Auth) -> bool> {
    let permission = permission.into();
    AuthGuard(move |auth: &Auth| auth.has(&Check::new().permission(&permission)))
}

/// Matches requests whose session has the feature.
pub fn feature(feature: impl Into<String>) -> AuthGuard<impl Fn(&Auth) -> bool> {
    let feature = feature.into();
    AuthGuard(move |auth: &Auth| auth.has(&Check::new().feature(&feature)))
}

/// Matches requests whose session has the plan.
pub fn plan(plan: impl Into<String>) -> AuthGuard<impl Fn(&Auth) -> bool> {
    let plan = plan.into();
    AuthGuard(move |auth: &Auth| auth.has(&Check::new().plan(&plan)))
}

/// Matches requests for which `f` holds.
pub fn check<F: Fn(&Auth) -> bool>(f: F) -> AuthGuard<F> {
    AuthGuard(f)
}
