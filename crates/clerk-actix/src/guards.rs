//! Guards for routing on the auth state. A failing guard means "this route does not match"
//! (404/405); checks that must answer 401/403 belong in an extractor or [`crate::Protect`].
//!
//! Guards are synchronous, so they read the result [`crate::ClerkMiddleware`] stored: without the
//! middleware every guard fails closed. They see it as the extractors of the route do: through
//! the [`ClerkAuthConfig`] of the resource or scope around them, if any (a guard on a resource
//! itself sees its enclosing scopes' app data only, as routing runs before the resource's).
//!
//! # Examples
//!
//! ```
//! use actix_web::{web, HttpResponse};
//! use clerk_actix::guards;
//! use clerk_core::Check;
//!
//! let reports = web::resource("/reports")
//!     .guard(guards::has(Check::new().role("org:admin")))
//!     .to(HttpResponse::Ok);
//! ```

use actix_web::dev::ServiceRequest;
use actix_web::guard::{Guard, GuardContext};
use actix_web::{HttpMessage, HttpRequest};
use clerk_core::machine::{MachineIdentity, TokenType};
use clerk_core::request::RequestOutcome;
use clerk_core::{Auth, Check};

use crate::auth_config::ClerkAuthConfig;
use crate::machine::accepted::decided_machine;
use crate::state::AuthSlotAccess;

/// Access to the request's [`Auth`] from requests, service requests and guard contexts.
///
/// # Examples
///
/// ```
/// use actix_web::{guard, web, HttpResponse};
/// use clerk_actix::guards::AuthExt as _;
///
/// let admin_only = web::resource("/admin")
///     .guard(guard::fn_guard(|ctx| ctx.clerk_auth().is_some_and(|a| a.has(&clerk_core::Check::new().role("admin")))))
///     .to(HttpResponse::Ok);
/// ```
pub trait AuthExt {
    /// The full request-level result stored by [`crate::ClerkMiddleware`] (or an extractor), if
    /// authentication ran for this request, as the [`ClerkAuthConfig`] in app data (if any)
    /// sees it: what the auth extractors of the same route get.
    fn clerk_request_state(&self) -> Option<RequestOutcome>;

    /// The auth stored by [`crate::ClerkMiddleware`], if it ran (seen as
    /// [`clerk_request_state`](Self::clerk_request_state) sees it).
    fn clerk_auth(&self) -> Option<Auth> {
        self.clerk_request_state().map(|state| state.auth().clone())
    }
}

/// The stored outcome as the route's options see it.
fn route_view(stored: Option<&RequestOutcome>, config: Option<&ClerkAuthConfig>) -> Option<RequestOutcome> {
    let stored = stored?.clone();
    Some(match config {
        Some(config) => config.apply(stored),
        None => stored,
    })
}

impl AuthExt for HttpRequest {
    fn clerk_request_state(&self) -> Option<RequestOutcome> {
        route_view(self.extensions().auth_state(), self.app_data())
    }
}

impl AuthExt for ServiceRequest {
    fn clerk_request_state(&self) -> Option<RequestOutcome> {
        route_view(self.extensions().auth_state(), self.app_data())
    }
}

impl AuthExt for GuardContext<'_> {
    fn clerk_request_state(&self) -> Option<RequestOutcome> {
        route_view(self.req_data().auth_state(), self.app_data())
    }
}

/// A guard over the request's [`Auth`]. Build one with [`signed_in`], [`has`] or [`check`].
pub struct AuthGuard<F>(F);

impl<F: Fn(&Auth) -> bool> Guard for AuthGuard<F> {
    fn check(&self, ctx: &GuardContext<'_>) -> bool {
        if ctx.app_data::<ClerkAuthConfig>().is_some() {
            return ctx.clerk_auth().is_some_and(|auth| (self.0)(&auth));
        }
        // Without route options: the stored auth itself, nothing cloned.
        ctx.req_data()
            .auth_state()
            .is_some_and(|state| (self.0)(state.auth()))
    }
}

/// Matches signed-in requests (a pending session does not match unless configured so, for the
/// app or with a [`ClerkAuthConfig`] around the route).
///
/// # Examples
///
/// Two handlers on one path: the guard picks the signed-in one.
///
/// ```
/// use actix_web::{web, HttpResponse};
/// use clerk_actix::guards;
///
/// let home = web::resource("/")
///     .route(web::get().guard(guards::signed_in()).to(|| async { HttpResponse::Ok().body("dashboard") }))
///     .route(web::get().to(|| async { HttpResponse::Ok().body("landing page") }));
/// ```
pub fn signed_in() -> AuthGuard<impl Fn(&Auth) -> bool> {
    AuthGuard(|auth: &Auth| auth.is_authenticated())
}

/// Matches requests for which Clerk's `has()` holds: a role (`admin` or `org:admin`), an
/// organization permission, a feature, a plan or a reverification, any of them together.
///
/// The check is kept for the life of the route and applied to each request without allocating.
/// An empty check matches nothing (as [`Auth::has`] answers it).
///
/// # Examples
///
/// ```
/// use actix_web::{web, HttpResponse};
/// use clerk_actix::guards;
/// use clerk_core::Check;
///
/// let billing = web::resource("/billing")
///     .guard(guards::has(Check::new().permission("org:billing:manage").plan("pro")))
///     .to(HttpResponse::Ok);
/// ```
pub fn has(check: Check<'static>) -> AuthGuard<impl Fn(&Auth) -> bool> {
    AuthGuard(move |auth: &Auth| auth.has(&check))
}

/// Matches requests for which `f` holds (any rule over [`Auth`], e.g. the active organization).
///
/// # Examples
///
/// ```
/// use actix_web::{web, HttpResponse};
/// use clerk_actix::guards;
///
/// let acme = web::resource("/acme")
///     .guard(guards::check(|auth| auth.org_slug() == Some("acme")))
///     .to(HttpResponse::Ok);
/// ```
pub fn check<F: Fn(&Auth) -> bool>(f: F) -> AuthGuard<F> {
    AuthGuard(f)
}

/// A guard over the machine token a route accepted. Build one with [`token_type`] or [`scope`].
pub struct MachineGuard<F>(F);

impl<F: Fn(&MachineIdentity) -> bool> Guard for MachineGuard<F> {
    fn check(&self, ctx: &GuardContext<'_>) -> bool {
        decided_machine(&ctx.req_data()).is_some_and(|auth| (self.0)(&auth))
    }
}

/// Matches requests whose machine token, verified by a [`crate::Protect::accepts`] that ran
/// before routing (on an enclosing scope), is of type `kind`. Guards are synchronous and never
/// verify: without such a `Protect` nothing matches.
///
/// # Examples
///
/// API keys and M2M tokens on one path, each to its handler:
///
/// ```
/// use actix_web::{web, HttpResponse};
/// use clerk_actix::{guards, Protect};
/// use clerk_core::machine::{AcceptsToken, TokenType};
///
/// let api = web::scope("/api")
///     .wrap(Protect::accepts(AcceptsToken::Any))
///     .service(
///         web::resource("/ingest")
///             .route(web::post().guard(guards::token_type(TokenType::ApiKey)).to(HttpResponse::Accepted))
///             .route(web::post().guard(guards::token_type(TokenType::M2mToken)).to(HttpResponse::Ok)),
///     );
/// # drop(api);
/// ```
pub fn token_type(kind: TokenType) -> MachineGuard<impl Fn(&MachineIdentity) -> bool> {
    MachineGuard(move |auth: &MachineIdentity| auth.token_type() == kind)
}

/// Matches requests whose machine token (verified by a [`crate::Protect::accepts`] that ran
/// before routing) was granted `scope`. A session never matches.
///
/// # Examples
///
/// ```
/// use actix_web::{web, HttpResponse};
/// use clerk_actix::{guards, Protect};
/// use clerk_core::machine::AcceptsToken;
///
/// let api = web::scope("/api")
///     .wrap(Protect::accepts(AcceptsToken::Any))
///     .service(web::resource("/admin").guard(guards::scope("admin")).to(HttpResponse::Ok));
/// # drop(api);
/// ```
pub fn scope(scope: impl Into<String>) -> MachineGuard<impl Fn(&MachineIdentity) -> bool> {
    let scope = scope.into();
    MachineGuard(move |auth: &MachineIdentity| auth.has_scope(&scope))
}
