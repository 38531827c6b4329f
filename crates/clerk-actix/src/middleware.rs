//! `ClerkMiddleware`: authenticates each request once and stores the result.

use std::future::{ready, Ready};
use std::rc::Rc;

use actix_web::body::MessageBody;
use actix_web::dev::{forward_ready, Service, ServiceRequest, ServiceResponse, Transform};
use actix_web::{web, HttpMessage, HttpRequest};
use futures_util::future::{Either, LocalBoxFuture};

use crate::error::AuthError;
use crate::Clerk;
use clerk_core::request::RequestOutcome;

/// The per-request slot holding the authentication result; filled once, by the middleware or by
/// the first extractor that needs it.
#[derive(Clone, Default)]
pub(crate) struct AuthSlot(Rc<tokio::sync::OnceCell<RequestOutcome>>);

/// Reads the stored authentication result from request extensions.
pub(crate) trait AuthSlotAccess {
    /// The result, when it was computed already.
    fn auth_state(&self) -> Option<&RequestOutcome>;
}

impl AuthSlotAccess for actix_web::dev::Extensions {
    fn auth_state(&self) -> Option<&RequestOutcome> {
        self.get::<AuthSlot>().and_then(|slot| slot.0.get())
    }
}

/// The authentication result already computed for this request, if any (synchronous).
pub(crate) fn stored_state(req: &HttpRequest) -> Option<RequestOutcome> {
    req.extensions().auth_state().cloned()
}

/// The Clerk handle for this request: from the middleware, else `Data<Clerk>` or `Clerk` app data.
pub(crate) fn clerk_of(req: &HttpRequest) -> Option<Clerk> {
    if let Some(clerk) = req.extensions().get::<Clerk>() {
        return Some(clerk.clone());
    }
    if let Some(data) = req.app_data::<web::Data<Clerk>>() {
        return Some(Clerk::clone(data));
    }
    req.app_data::<Clerk>().cloned()
}

/// The request's authentication, computing it at most once per request.
pub(crate) type StateFuture = Either<
    Ready<Result<RequestOutcome, AuthError>>,
    LocalBoxFuture<'static, Result<RequestOutcome, AuthError>>,
>;

pub(crate) fn request_state(req: &HttpRequest) -> StateFuture {
    if let Some(state) = stored_state(req) {
        return Either::Left(ready(Ok(state)));
    }
    let Some(clerk) = clerk_of(req) else {
        return Either::Left(ready(Err(AuthError::NotConfigured)));
    };
    let slot = {
        let mut extensions = req.extensions_mut();
        if extensions.get::<AuthSlot>().is_none() {
            extensions.insert(AuthSlot::default());
        }
        extensions.get::<AuthSlot>().cloned().unwrap_or_default()
    };
    let req = req.clone();
    Either::Right(Box::pin(async move {
        let state = slot.0.get_or_init(|| clerk.authenticate(&req)).await;
        Ok(state.clone())
    }))
}

/// Clerk's `clerkMiddleware()` for Actix-web: authenticates every request once (with Clerk's
/// token sources and rules), stores the result for the extractors, guards and [`crate::Protect`],
/// and adds Clerk's debug headers (`x-clerk-auth-status`, `x-clerk-auth-reason`,
/// `x-clerk-auth-message`) to signed-out responses. It never rejects a request by itself.
///
/// # Registration order
///
/// Actix runs the last `.wrap()` first. Register `ClerkMiddleware` *after* (outside) any
/// middleware that needs the auth, such as [`crate::Protect`] on a scope:
///
/// ```no_run
/// use actix_web::{web, App, HttpResponse};
/// use clerk_actix::{Clerk, ClerkAuth, ClerkMiddleware};
///
/// fn app(clerk: Clerk) -> App<impl actix_web::dev::ServiceFactory<
///     actix_web::dev::ServiceRequest, Config = (), Error = actix_web::Error, InitError = (),
///     Response = actix_web::dev::ServiceResponse<impl actix_web::body::MessageBody>>> {
///     App::new()
///         .app_data(web::Data::new(clerk.clone()))
///         .route("/me", web::get().to(|auth: ClerkAuth| async move {
///             HttpResponse::Ok().body(auth.user_id().unwrap_or("anonymous").to_owned())
///         }))
///         .wrap(ClerkMiddleware::new(clerk))
/// }
/// ```
#[derive(Clone, Debug)]
pub struct ClerkMiddleware {
    clerk: Clerk,
}

impl ClerkMiddleware {
    /// A middleware authenticating with `clerk`.
    pub fn new(clerk: Clerk) -> Self {
        Self { clerk }
    }
}

impl<S, B> Transform<S, ServiceRequest> for ClerkMiddleware
where
    S: Service<ServiceRequest, Response = ServiceResponse<B>, Error = actix_web::Error> + 'static,
    B: MessageBody + 'static,
{
    type Response = ServiceResponse<B>;
    type Error = actix_web::Error;
    type Transform = ClerkMiddlewareService<S>;
    type InitError = ();
    type Future = Ready<Result<Self::Transform, Self::InitError>>;

    fn new_transform(&self, service: S) -> Self::Future {
        ready(Ok(ClerkMiddlewareService {
            service: Rc::new(service),
            clerk: self.clerk.clone(),
        }))
    }
}

/// The service [`ClerkMiddleware`] wraps around the app.
pub struct ClerkMiddlewareService<S> {
    service: Rc<S>,
    clerk: Clerk,
}

impl<S, B> Service<ServiceRequest> for ClerkMiddlewareService<S>
where
    S: Service<ServiceRequest, Response = ServiceResponse<B>, Error = actix_web::Error> + 'static,
    B: MessageBody + 'static,
{
    type Response = ServiceResponse<B>;
    type Error = actix_web::Error;
    type Future = LocalBoxFuture<'static, Result<Self::Response, Self::Error>>;

    forward_ready!(service);

    fn call(&self, req: ServiceRequest) -> Self::Future {
        let service = Rc::clone(&self.service);
        let clerk = self.clerk.clone();
        Box::pin(async move {
            let state = clerk.authenticate(req.request()).await;
            let slot = AuthSlot::default();
            // A fresh slot cannot be full, so this always stores the state.
            let _ = slot.0.set(state.clone());
            {
                let mut extensions = req.extensions_mut();
                extensions.insert(slot);
                extensions.insert(clerk);
            }
            let mut response = service.call(req).await?;
            crate::authenticate::apply_outcome_headers(&state, response.headers_mut());
            Ok(response)
        })
    }
}
