//! `Protect`: Clerk's `auth.protect()` as a middleware: clerk-core's
//! [`ProtectPolicy`] decides, this maps its [`ProtectVerdict`] to an [`AuthError`].

use std::future::{ready, Ready};
use std::rc::Rc;

use actix_web::body::{EitherBody, MessageBody};
use actix_web::dev::{forward_ready, Service, ServiceRequest, ServiceResponse, Transform};
use actix_web::{HttpMessage as _, HttpRequest, ResponseError};
use clerk_core::machine::AcceptsToken;
use clerk_core::protect::{ProtectPolicy, ProtectVerdict};
use clerk_core::request::{is_page_request, AuthOutcome, RequestOutcome};
use clerk_core::{Auth, Reverification};
use futures_util::future::LocalBoxFuture;

use crate::authenticate::ActixHeaders;
use crate::error::AuthError;
use crate::machine::accepted::{decide, declare, refusal_error};
use crate::state::{clerk_of, request_state};

pub use clerk_core::protect::ProtectMode;

/// A protect policy: signed in, and optionally a role, permission, feature, plan, reverification
/// or custom predicate; answered per [`ProtectMode`].
///
/// - [`ProtectMode::Api`] (default): 401 signed out, 403 not authorised.
/// - [`ProtectMode::NextJsParity`]: as Next.js `auth.protect()`: page requests that are signed out
///   get a 307 to the sign-in URL, everything else a 404.
/// - [`ProtectMode::Redirect`]: signed-out page requests get a 307 to the sign-in URL with
///   `redirect_url`; others are answered as in API mode.
///
/// A failed reverification answers Clerk's 403 `reverification-error` body, which Clerk's
/// frontend SDKs understand (unless the policy has an
/// [`unauthorized_url`](Protect::unauthorized_url)).
///
/// Per policy, as `auth.protect(params, { unauthenticatedUrl, unauthorizedUrl })`:
/// [`unauthenticated_url`](Protect::unauthenticated_url) and
/// [`unauthorized_url`](Protect::unauthorized_url) answer those failures with a 307 there
/// instead of the mode's answer, and
/// [`treat_pending_as_signed_out`](Protect::treat_pending_as_signed_out) overrides the
/// configuration's setting for the route (docs/clerk-behaviour.md §13).
///
/// # Examples
///
/// ```
/// use actix_web::{web, HttpResponse};
/// use clerk_actix::{Protect, ProtectMode};
///
/// let admin = web::scope("/admin")
///     .wrap(Protect::signed_in().role("admin").mode(ProtectMode::Api))
///     .route("", web::get().to(HttpResponse::Ok));
/// ```
#[derive(Clone, Debug, Default)]
pub struct Protect {
    /// What the route requires and how failures are answered (the decision is clerk-core's).
    policy: ProtectPolicy,
    /// What the route accepts; `None`: session tokens only (Clerk's default).
    accepts: Option<AcceptsToken>,
}

impl Protect {
    /// Requires a signed-in (and not pending) session.
    pub fn signed_in() -> Self {
        Self::default()
    }

    /// Also requires this organization role in the active organization. As in Clerk's `has()`,
    /// a role without the `org:` prefix gets it: `.role("admin")` means `org:admin`, the same as
    /// `.role("org:admin")`.
    pub fn role(mut self, role: impl Into<String>) -> Self {
        self.policy = self.policy.role(role);
        self
    }

    /// Also requires this organization permission.
    pub fn permission(mut self, permission: impl Into<String>) -> Self {
        self.policy = self.policy.permission(permission);
        self
    }

    /// Also requires this feature.
    pub fn feature(mut self, feature: impl Into<String>) -> Self {
        self.policy = self.policy.feature(feature);
        self
    }

    /// Also requires this plan.
    pub fn plan(mut self, plan: impl Into<String>) -> Self {
        self.policy = self.policy.plan(plan);
        self
    }

    /// Also requires a recent verification.
    pub fn reverification(mut self, level: Reverification) -> Self {
        self.policy = self.policy.reverification(level);
        self
    }

    /// Also requires `predicate` to hold (Clerk's `protect((has) => …)`).
    pub fn check(mut self, predicate: impl Fn(&Auth) -> bool + Send + Sync + 'static) -> Self {
        self.policy = self.policy.check(predicate);
        self
    }

    /// The tokens the route accepts (Clerk's `acceptsToken`, or `auth.protect({ token })`):
    /// session tokens only by default; a machine type, a set, or [`AcceptsToken::Any`]. A
    /// machine token is verified here, at most once per request, and the extractors downstream
    /// ([`MachineAuth`](crate::MachineAuth), [`AnyAuth`](crate::AnyAuth)) reuse the result and
    /// this declaration.
    ///
    /// A refused machine token is answered 401 with Clerk's reason in every mode (Clerk's
    /// `auth.protect()` answers machines 401), and 503 with `Retry-After` when the machine-token
    /// share of the rate budget is spent. Role, permission, feature, plan, reverification and
    /// [`check`](Self::check) requirements never hold for a machine token (its `has()` is
    /// `false`, as Clerk's); require [`scope`](Self::scope)s instead.
    ///
    /// # Examples
    ///
    /// ```
    /// use actix_web::{web, HttpResponse};
    /// use clerk_actix::{MachineAuth, Protect};
    /// use clerk_core::machine::{AcceptsToken, TokenType};
    ///
    /// let api = web::scope("/internal")
    ///     .wrap(Protect::accepts([TokenType::M2mToken, TokenType::ApiKey]).scope("reports:read"))
    ///     .route("/reports", web::get().to(|machine: MachineAuth| async move {
    ///         HttpResponse::Ok().body(machine.subject().to_owned())
    ///     }));
    /// # drop(api);
    /// ```
    pub fn accepts(accepts: impl Into<AcceptsToken>) -> Self {
        Self {
            policy: ProtectPolicy::default(),
            accepts: Some(accepts.into()),
        }
    }

    /// Also requires a machine token granted `scope` (a session has no scopes: it fails this).
    pub fn scope(mut self, scope: impl Into<String>) -> Self {
        self.policy = self.policy.scope(scope);
        self
    }

    /// How failures are answered. Defaults to the configuration's mode (API mode unless set).
    ///
    /// # Examples
    ///
    /// One signed-out `fetch` to the same protected route, answered by each mode:
    ///
    /// ```
    /// use actix_web::{test, web, App, HttpResponse};
    /// use clerk_actix::{ClerkConfig, ClerkMiddleware, Protect, ProtectMode};
    ///
    /// # actix_web::rt::System::new().block_on(async {
    /// let clerk = ClerkConfig::new()
    ///     .jwt_key_pem(include_str!(concat!(
    ///         env!("CARGO_MANIFEST_DIR"),
    ///         "/../clerk-core/tests/fixtures/test_signing_key.public.pem"
    ///     )))
    ///     .sign_in_url("https://accounts.example.com/sign-in")
    ///     .build()?;
    /// for (mode, status) in [
    ///     (ProtectMode::Api, 401),          // JSON 401 (403 when signed in but not allowed)
    ///     (ProtectMode::NextJsParity, 404), // what Next.js answers a non-page request
    ///     (ProtectMode::Redirect, 401),     // only page requests are redirected
    /// ] {
    ///     let app = test::init_service(
    ///         App::new()
    ///             .service(
    ///                 web::scope("/admin")
    ///                     .wrap(Protect::signed_in().role("org:admin").mode(mode))
    ///                     .route("", web::get().to(HttpResponse::Ok)),
    ///             )
    ///             .wrap(ClerkMiddleware::new(clerk.clone())),
    ///     )
    ///     .await;
    ///     let response = test::call_service(&app, test::TestRequest::get().uri("/admin").to_request()).await;
    ///     assert_eq!(response.status().as_u16(), status, "{mode:?}");
    /// }
    /// # Ok::<(), clerk_actix::ConfigError>(())
    /// # }).unwrap();
    /// ```
    pub fn mode(mut self, mode: ProtectMode) -> Self {
        self.policy = self.policy.mode(mode);
        self
    }

    /// Answers a signed-out request (a pending session's too, unless
    /// [`treat_pending_as_signed_out(false)`](Self::treat_pending_as_signed_out)) with a 307 to
    /// `url` in every mode and for every kind of request, as Clerk's `unauthenticatedUrl`: the
    /// URL as given (absolute, or a path on this origin), no `redirect_url` added.
    ///
    /// # Examples
    ///
    /// ```
    /// use actix_web::{web, HttpResponse};
    /// use clerk_actix::Protect;
    ///
    /// let billing = web::scope("/billing")
    ///     .wrap(
    ///         Protect::signed_in()
    ///             .permission("org:billing:manage")
    ///             .unauthenticated_url("/welcome")
    ///             .unauthorized_url("/billing/ask-an-admin"),
    ///     )
    ///     .route("", web::get().to(HttpResponse::Ok));
    /// # drop(billing);
    /// ```
    pub fn unauthenticated_url(mut self, url: impl Into<String>) -> Self {
        self.policy = self.policy.unauthenticated_url(url);
        self
    }

    /// Answers a signed-in session that fails the policy (role, permission, feature, plan,
    /// [`check`](Self::check), a [`scope`](Self::scope), or reverification) with a 307 to `url`
    /// in every mode, as Clerk's `unauthorizedUrl`. A machine token is never redirected (Clerk
    /// answers machines 401; here a refused machine token is 401 and one lacking a scope 403).
    pub fn unauthorized_url(mut self, url: impl Into<String>) -> Self {
        self.policy = self.policy.unauthorized_url(url);
        self
    }

    /// Whether this policy sees a pending session (`sts: "pending"`) as signed out; unset: the
    /// configuration's
    /// [`treat_pending_as_signed_out`](crate::ClerkConfig::treat_pending_as_signed_out) (`true`
    /// unless set). With `false`, a pending session passes a [`signed_in`](Self::signed_in)
    /// policy: a route its tasks need (Clerk's `auth.protect()` always refuses a pending
    /// session; such a route calls `auth({ treatPendingAsSignedOut: false })` itself). The
    /// extractors of the route follow their own setting
    /// ([`ClerkAuthConfig`](crate::ClerkAuthConfig)).
    pub fn treat_pending_as_signed_out(mut self, yes: bool) -> Self {
        self.policy = self.policy.treat_pending_as_signed_out(yes);
        self
    }

    /// Applies the policy to an authenticated request: `Ok(())` lets it through.
    ///
    /// # Errors
    ///
    /// The [`AuthError`] to answer with (401/403/404/307 per the mode and the policy's URLs).
    pub fn evaluate(&self, req: &HttpRequest, state: &RequestOutcome) -> Result<(), AuthError> {
        let clerk = clerk_of(req);
        let default_mode = clerk
            .as_ref()
            .map(|c| c.config().protect_mode())
            .unwrap_or_default();
        let page = is_page_request(&ActixHeaders(req.headers()));
        let sign_in = |pending| clerk.as_ref().and_then(|c| c.sign_in_redirect_url(req, pending));
        answer(self.policy.evaluate(state, default_mode, page, sign_in))
    }

    /// The verdict on a request, verifying a machine token when the route accepts one.
    async fn verdict(&self, req: &ServiceRequest) -> Result<(), AuthError> {
        let Some(accepts) = self.accepts else {
            let state = request_state(req.request()).await?;
            return self.evaluate(req.request(), &state);
        };
        declare(&mut req.extensions_mut(), accepts);
        match decide(req.request(), accepts).await? {
            AuthOutcome::Session(state) => self.evaluate(req.request(), &state),
            AuthOutcome::Machine(auth) => answer(self.policy.evaluate_machine(&auth)),
            refused => Err(refusal_error(refused)),
        }
    }
}

/// The response to a verdict: `Ok(())` lets the request through.
fn answer(verdict: ProtectVerdict) -> Result<(), AuthError> {
    Err(match verdict {
        ProtectVerdict::Allow => return Ok(()),
        ProtectVerdict::Unauthenticated(outcome) => AuthError::Unauthenticated(outcome),
        ProtectVerdict::RedirectToSignIn(location) | ProtectVerdict::Redirect(location) => {
            AuthError::Redirect(location)
        }
        ProtectVerdict::NotFound => AuthError::NotFound,
        ProtectVerdict::Forbidden => AuthError::Forbidden,
        ProtectVerdict::ReverificationRequired(level) => AuthError::ReverificationRequired(level),
    })
}

impl<S, B> Transform<S, ServiceRequest> for Protect
where
    S: Service<ServiceRequest, Response = ServiceResponse<B>, Error = actix_web::Error> + 'static,
    B: MessageBody + 'static,
{
    type Response = ServiceResponse<EitherBody<B>>;
    type Error = actix_web::Error;
    type Transform = ProtectService<S>;
    type InitError = ();
    type Future = Ready<Result<Self::Transform, Self::InitError>>;

    fn new_transform(&self, service: S) -> Self::Future {
        ready(Ok(ProtectService {
            service: Rc::new(service),
            policy: Rc::new(self.clone()),
        }))
    }
}

/// The service [`Protect`] wraps around a scope or resource.
pub struct ProtectService<S> {
    service: Rc<S>,
    policy: Rc<Protect>,
}

impl<S, B> Service<ServiceRequest> for ProtectService<S>
where
    S: Service<ServiceRequest, Response = ServiceResponse<B>, Error = actix_web::Error> + 'static,
    B: MessageBody + 'static,
{
    type Response = ServiceResponse<EitherBody<B>>;
    type Error = actix_web::Error;
    type Future = LocalBoxFuture<'static, Result<Self::Response, Self::Error>>;

    forward_ready!(service);

    fn call(&self, req: ServiceRequest) -> Self::Future {
        let service = Rc::clone(&self.service);
        let policy = Rc::clone(&self.policy);
        Box::pin(async move {
            let verdict = policy.verdict(&req).await;
            match verdict {
                Ok(()) => Ok(service.call(req).await?.map_into_left_body()),
                Err(err) => {
                    let response = err.error_response();
                    Ok(req.into_response(response).map_into_right_body())
                }
            }
        })
    }
}
