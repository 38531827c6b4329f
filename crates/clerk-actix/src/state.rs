//! What [`crate::ClerkMiddleware`], the extractors, the guards and [`crate::Protect`] share:
//! the request's authentication, computed at most once and kept in the request extensions, and
//! the [`Clerk`] handle that computes it.
//!
//! The middleware fills the slot before the app runs ([`store`]); without the middleware, the
//! first extractor or `Protect` that asks fills it ([`request_state`]). Guards are synchronous
//! and only read a filled slot ([`AuthSlotAccess`]).

use std::future::{ready, Ready};
use std::rc::Rc;
use std::sync::atomic::{AtomicBool, Ordering};

use actix_web::dev::Extensions;
use actix_web::{web, HttpMessage, HttpRequest};
use clerk_core::request::{RequestMemo, RequestOutcome};
use futures_util::future::{Either, LocalBoxFuture};

use crate::error::AuthError;
use crate::Clerk;

/// The per-request slot holding clerk-core's [`RequestMemo`]: the session outcome, filled once by
/// the middleware or by the first extractor that needs it, and the machine token's verification.
#[derive(Clone, Default)]
struct AuthSlot(Rc<RequestMemo>);

/// Reads the stored authentication result from request extensions.
pub(crate) trait AuthSlotAccess {
    /// The result, when it was computed already.
    fn auth_state(&self) -> Option<&RequestOutcome>;
}

impl AuthSlotAccess for Extensions {
    fn auth_state(&self) -> Option<&RequestOutcome> {
        self.get::<AuthSlot>().and_then(|slot| slot.0.session())
    }
}

/// Stores the middleware's result and its handle, so extractors, guards and [`crate::Protect`]
/// downstream neither authenticate again nor look the handle up in app data.
pub(crate) fn store(extensions: &mut Extensions, clerk: Clerk, outcome: RequestOutcome) {
    extensions.insert(AuthSlot(Rc::new(RequestMemo::with_session(outcome))));
    extensions.insert(clerk);
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

/// The request's authentication: ready when it is stored, else computed once for the request.
pub(crate) type StateFuture = Either<
    Ready<Result<RequestOutcome, AuthError>>,
    LocalBoxFuture<'static, Result<RequestOutcome, AuthError>>,
>;

/// The request's authentication, computing it at most once per request (concurrent askers wait
/// for the same computation).
///
/// # Errors
///
/// [`AuthError::NotConfigured`] when no [`Clerk`] is registered and the middleware did not run.
pub(crate) fn request_state(req: &HttpRequest) -> StateFuture {
    if let Some(state) = req.extensions().auth_state().cloned() {
        return Either::Left(ready(redirect_first(state)));
    }
    let Some(clerk) = clerk_of(req) else {
        return Either::Left(ready(Err(AuthError::NotConfigured)));
    };
    let memo = request_memo(req);
    let req = req.clone();
    Either::Right(Box::pin(async move {
        let state = memo.session_or_run(|| clerk.authenticate(&req)).await;
        session_result(state.clone(), true)
    }))
}

/// This request's [`RequestMemo`] (the middleware's, else a new one kept for the request).
pub(crate) fn request_memo(req: &HttpRequest) -> Rc<RequestMemo> {
    Rc::clone(&req.extensions_mut().get_or_insert_with(AuthSlot::default).0)
}

/// A session outcome as the extractors take it: `without_middleware` when no middleware ran the
/// session flow, whose cookies (a refreshed session's) then cannot be set; a redirect first.
pub(crate) fn session_result(
    state: RequestOutcome,
    without_middleware: bool,
) -> Result<RequestOutcome, AuthError> {
    if without_middleware
        && state.set_cookies().next().is_some()
        && !WARNED_COOKIES_DROPPED.swap(true, Ordering::Relaxed)
    {
        tracing::warn!(
            "clerk: a refreshed session's cookies cannot be set without ClerkMiddleware; wrap the \
             app with ClerkMiddleware for cookie sessions (logged once)"
        );
    }
    redirect_first(state)
}

/// Whether the "cookies need the middleware" warning was logged.
static WARNED_COOKIES_DROPPED: AtomicBool = AtomicBool::new(false);

/// An outcome that redirects (Clerk's handshake, a sync, a development instance's clean URL
/// after a handshake) answers the request itself: no handler runs, whichever extractor asked.
fn redirect_first(state: RequestOutcome) -> Result<RequestOutcome, AuthError> {
    if state.location().is_some() {
        return Err(AuthError::Handshake(Box::new(state)));
    }
    Ok(state)
}
