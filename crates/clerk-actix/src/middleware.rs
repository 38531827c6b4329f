//! `ClerkMiddleware`: authenticates each request once, answers Clerk's handshake, and stores the
//! result.

use std::future::{ready, Ready};
use std::rc::Rc;

use actix_web::body::{EitherBody, MessageBody};
use actix_web::dev::{forward_ready, Service, ServiceRequest, ServiceResponse, Transform};
use actix_web::http::header::{HeaderValue, CACHE_CONTROL};
use actix_web::{HttpMessage, HttpResponse};
use clerk_core::request::RequestOutcome;
use futures_util::future::LocalBoxFuture;
use tracing::{Instrument as _, Span};

use crate::authenticate::apply_outcome_headers;
use crate::state;
use crate::Clerk;

/// Clerk's `clerkMiddleware()` for Actix-web: authenticates every request once (with Clerk's
/// token sources and rules), stores the result for the extractors, guards and [`crate::Protect`],
/// and adds Clerk's debug headers (`x-clerk-auth-status`, `x-clerk-auth-reason`,
/// `x-clerk-auth-message`) to signed-out responses. It never rejects a request by itself, but
/// it answers Clerk's handshake itself: a document request whose session needs fresh cookies
/// gets a `307` through the Frontend API (no handler runs), as Clerk's middleware does, and
/// cookies Clerk's flow sets (a refreshed session, a resolved handshake) are appended to whatever
/// the handler answers. API calls (`fetch`, no `text/html`) never get a redirect.
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
    type Response = ServiceResponse<EitherBody<B>>;
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
    type Response = ServiceResponse<EitherBody<B>>;
    type Error = actix_web::Error;
    type Future = LocalBoxFuture<'static, Result<Self::Response, Self::Error>>;

    forward_ready!(service);

    fn call(&self, req: ServiceRequest) -> Self::Future {
        let service = Rc::clone(&self.service);
        let clerk = self.clerk.clone();
        Box::pin(async move {
            // Requests to a relative proxy URL (`/__clerk/…`) are the Frontend API's, on their
            // way to Clerk: never authenticated here, or a handshake would redirect the
            // handshake itself.
            let proxied = clerk
                .config()
                .multi_domain()
                .relative_proxy_path()
                .is_some_and(|prefix| under(req.path(), prefix));
            if proxied {
                return Ok(service.call(req).await?.map_into_left_body());
            }
            let span = decision_span();
            let outcome = clerk.authenticate(req.request()).instrument(span.clone()).await;
            record_decision(&span, &outcome);
            if outcome.location().is_some() {
                // Clerk's handshake (or a sync redirect, or a development instance's clean URL
                // after a resolved handshake): a 307 with every header, and no handler.
                let mut redirect = HttpResponse::TemporaryRedirect().finish();
                apply_outcome_headers(&outcome, redirect.headers_mut());
                return Ok(req.into_response(redirect).map_into_right_body());
            }
            state::store(&mut req.extensions_mut(), clerk, outcome.clone());
            let mut response = service.call(req).await?;
            // A route that accepts machine tokens decided for itself: its headers instead.
            if !crate::machine::accepted::apply_decision_headers(&mut response) {
                apply_outcome_headers(&outcome, response.headers_mut());
                // Refreshed or handshake cookies on a handler's answer: never for a shared cache.
                let headers = response.headers_mut();
                if outcome.set_cookies().next().is_some() && !headers.contains_key(CACHE_CONTROL) {
                    headers.insert(CACHE_CONTROL, HeaderValue::from_static(crate::PRIVATE_NO_STORE));
                }
            }
            Ok(response.map_into_left_body())
        })
    }
}

/// The span of one auth decision (`debug`): its status, Clerk's reason, where the token came
/// from and, signed in, whether it was verified now or found in the verified-token cache
/// (`clerk.token.verification`: `verified`, `cached`), filled in by [`record_decision`]. Never
/// the token, a cookie or a claim.
fn decision_span() -> Span {
    tracing::debug_span!(
        "clerk.authenticate",
        clerk.auth.status = tracing::field::Empty,
        clerk.auth.reason = tracing::field::Empty,
        clerk.token.type = tracing::field::Empty,
        clerk.token.carrier = tracing::field::Empty,
        clerk.token.verification = tracing::field::Empty,
    )
}

fn record_decision(span: &Span, outcome: &RequestOutcome) {
    if span.is_disabled() {
        return;
    }
    span.record("clerk.auth.status", outcome.status().as_str());
    if let Some(reason) = outcome.reason() {
        span.record("clerk.auth.reason", reason.as_str());
    }
    if outcome.credential_present() {
        // The middleware decides on session tokens only; machine tokens are decided by the
        // routes that accept them.
        span.record("clerk.token.type", "session_token");
    }
    if let Some(carrier) = outcome.carrier() {
        span.record("clerk.token.carrier", carrier.as_str());
    }
    if let Some(token) = outcome.token() {
        span.record("clerk.token.verification", token.check().as_str());
    }
}

/// Whether `path` is `prefix` or below it.
pub(crate) fn under(path: &str, prefix: &str) -> bool {
    path.strip_prefix(prefix)
        .is_some_and(|rest| rest.is_empty() || rest.starts_with('/'))
}

#[cfg(test)]
mod tests {
    use super::under;

    #[test]
    fn paths_under_the_proxy() {
        assert!(under("/__clerk/v1/client/handshake", "/__clerk"));
        assert!(under("/__clerk", "/__clerk"));
        assert!(!under("/__clerkx/a", "/__clerk"));
        assert!(!under("/profile", "/__clerk"));
    }
}
