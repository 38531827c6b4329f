//! `Protect`: Clerk's `auth.protect()` as a middleware policy with a chosen answer, and
//! [`ProtectMode`], the answer.

pub(crate) mod mode;

use std::future::{ready, Ready};
use std::rc::Rc;
use std::sync::Arc;

use actix_web::body::{EitherBody, MessageBody};
use actix_web::dev::{forward_ready, Service, ServiceRequest, ServiceResponse, Transform};
use actix_web::{HttpRequest, ResponseError};
use clerk_core::request::RequestOutcome;
use clerk_core::{Auth, Check, Reverification, SessionStatus};
use futures_util::future::LocalBoxFuture;

use crate::error::AuthError;
use crate::state::{clerk_of, request_state};

pub use mode::ProtectMode;

type Predicate = Arc<dyn Fn(&Auth) -> bool + Send + Sync>;

/// A protect policy: signed in, and optionally a role, permission, feature, plan, reverification
/// or custom predicate; answered per [`ProtectMode`].
///
/// - [`ProtectMode::Api`] (default): 401 signed out, 403 not authorised.
/// - [`ProtectMode::NextJsParity`]: as Next.js `auth.protect()`: page requests that are signed out
///   get a 307 to the sign-in URL, everything else a 404.
/// - [`ProtectMode::Redirect`]: signed-out page requests get a 307 to the sign-in URL with
///   `redirect_url`; others are answered as in API mode.
///
/// A failed reverification always answers Clerk's 403 `reverification-error` body, which Clerk's
/// frontend SDKs understand.
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
#[derive(Clone, Default)]
pub struct Protect {
    /// Role, permission, feature and plan: answered 403 (or per the mode) when it fails.
    check: Check<'static>,
    /// Kept apart from `check`: its failure has its own answer (Clerk's `reverification-error`).
    reverification: Option<Reverification>,
    predicate: Option<Predicate>,
    mode: Option<ProtectMode>,
}

impl std::fmt::Debug for Protect {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Protect")
            .field("check", &self.check)
            .field("reverification", &self.reverification)
            .field("predicate", &self.predicate.is_some())
            .field("mode", &self.mode)
            .finish()
    }
}

impl Protect {
    /// Requires a signed-in (and not pending) session.
    pub fn signed_in() -> Self {
        Self::default()
    }

    /// Also requires this organization role.
    pub fn role(mut self, role: impl Into<String>) -> Self {
        self.check = self.check.role(Into::<String>::into(role));
        self
    }

    /// Also requires this organization permission.
    pub fn permission(mut self, permission: impl Into<String>) -> Self {
        self.check = self.check.permission(Into::<String>::into(permission));
        self
    }

    /// Also requires this feature.
    pub fn feature(mut self, feature: impl Into<String>) -> Self {
        self.check = self.check.feature(Into::<String>::into(feature));
        self
    }

    /// Also requires this plan.
    pub fn plan(mut self, plan: impl Into<String>) -> Self {
        self.check = self.check.plan(Into::<String>::into(plan));
        self
    }

    /// Also requires a recent verification.
    pub fn reverification(mut self, level: Reverification) -> Self {
        self.reverification = Some(level);
        self
    }

    /// Also requires `predicate` to hold (Clerk's `protect((has) => …)`).
    pub fn check(mut self, predicate: impl Fn(&Auth) -> bool + Send + Sync + 'static) -> Self {
        self.predicate = Some(Arc::new(predicate));
        self
    }

    /// How failures are answered. Defaults to the configuration's mode (API mode unless set).
    pub fn mode(mut self, mode: ProtectMode) -> Self {
        self.mode = Some(mode);
        self
    }

    /// Applies the policy to an authenticated request: `Ok(())` lets it through.
    ///
    /// # Errors
    ///
    /// The [`AuthError`] to answer with (401/403/404/307 per the mode).
    pub fn evaluate(&self, req: &HttpRequest, state: &RequestOutcome) -> Result<(), AuthError> {
        let clerk = clerk_of(req);
        let mode = self
            .mode
            .or_else(|| clerk.as_ref().map(|c| c.config().protect_mode()))
            .unwrap_or_default();
        let page = is_page_request(req);
        let auth = state.auth();
        if !auth.is_authenticated() {
            let pending = auth.session_status() == Some(&SessionStatus::Pending);
            let redirect = |clerk: &crate::Clerk| clerk.sign_in_redirect_url(req, pending);
            return Err(match (mode, page, clerk.as_ref().and_then(redirect)) {
                (ProtectMode::Redirect | ProtectMode::NextJsParity, true, Some(location)) => {
                    AuthError::RedirectToSignIn(location)
                }
                (ProtectMode::NextJsParity, _, _) => AuthError::NotFound,
                _ => AuthError::Unauthenticated(Box::new(state.clone())),
            });
        }
        let authorised = (self.check.is_empty() || auth.has(&self.check))
            && self.predicate.as_ref().is_none_or(|p| p(auth));
        if !authorised {
            return Err(match mode {
                ProtectMode::NextJsParity => AuthError::NotFound,
                _ => AuthError::Forbidden,
            });
        }
        if let Some(level) = self.reverification {
            if !auth.has(&Check::new().reverification(level)) {
                return Err(AuthError::ReverificationRequired(level));
            }
        }
        Ok(())
    }
}

/// Clerk's page-request test for `protect`: `sec-fetch-dest` is `document`/`iframe`, or `accept`
/// includes `text/html`.
fn is_page_request(req: &HttpRequest) -> bool {
    let header = |name: &str| {
        req.headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
    };
    matches!(header("sec-fetch-dest"), "document" | "iframe") || header("accept").contains("text/html")
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
            let verdict = match request_state(req.request()).await {
                Ok(state) => policy.evaluate(req.request(), &state),
                Err(err) => Err(err),
            };
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
