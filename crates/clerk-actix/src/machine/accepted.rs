//! What a route that declares the tokens it accepts (Clerk's `acceptsToken`) decided about a
//! request, kept in the request extensions for the extractors, the guards and the response
//! headers. The decision itself is clerk-core's ([`clerk_core::machine::MachineVerifier::decide`]);
//! this file holds the per-request plumbing around it: where the route's declaration and the
//! request's [`MachineMemo`] live, the session outcome the middleware (or an extractor) computed,
//! and the mapping onto [`AuthError`] and response headers.

use std::rc::Rc;
use std::sync::Arc;
use std::time::Duration;

use actix_web::dev::{Extensions, ServiceResponse};
use actix_web::http::header::AUTHORIZATION;
use actix_web::{web, HttpMessage, HttpRequest};
use clerk_core::machine::{AcceptsToken, MachineAuth, MachineMemo, MachineOutcome, MachineRefusal};
use clerk_core::request::{authorization_token, RequestOutcome};
use futures_util::future::LocalBoxFuture;

use crate::authenticate::apply_outcome_headers;
use crate::error::{apply_refusal_headers, AuthError};
use crate::state::{clerk_of, request_state};

/// The decision for one request.
#[derive(Debug, Clone)]
pub(crate) enum Accepted {
    /// Clerk's session flow decided (header or cookie), signed in or out.
    Session(RequestOutcome),
    /// A verified machine token.
    Machine(Arc<MachineAuth>),
    /// Signed out with Clerk's machine reason.
    Refused(MachineRefusal),
    /// The machine token could not be verified now (rate budget spent): 503.
    Unavailable {
        /// When to try again.
        retry_after: Duration,
    },
}

impl Accepted {
    /// The refusal or 503 as an error; a signed-out session as 401.
    pub(crate) fn into_error(self) -> AuthError {
        match self {
            Accepted::Session(state) => AuthError::Unauthenticated(Box::new(state)),
            Accepted::Refused(refusal) => AuthError::MachineUnauthenticated(Box::new(refusal)),
            Accepted::Unavailable { retry_after } => AuthError::MachineUnavailable { retry_after },
            Accepted::Machine(_) => AuthError::MachineUnauthenticated(Box::new(MachineRefusal::Mismatch {
                token_type: None,
                message: None,
            })),
        }
    }
}

/// This request's machine-token verification, done once (clerk-core's memo).
#[derive(Clone, Default)]
struct MachineSlot(Rc<MachineMemo>);

/// The latest decision, for the response headers and the guards.
#[derive(Clone)]
struct Decision(Accepted);

/// What the route declared ([`crate::Protect::accepts`]), for the extractors downstream.
#[derive(Clone, Copy)]
struct Declared(AcceptsToken);

/// Records what a route accepts, for the extractors of the request.
pub(crate) fn declare(extensions: &mut Extensions, accepts: AcceptsToken) {
    extensions.insert(Declared(accepts));
}

/// What the route accepts: declared by [`crate::Protect::accepts`], else an [`AcceptsToken`] in
/// app data (plain or `Data`), else `default`.
pub(crate) fn declared(req: &HttpRequest, default: AcceptsToken) -> AcceptsToken {
    if let Some(Declared(accepts)) = req.extensions().get::<Declared>() {
        return *accepts;
    }
    if let Some(accepts) = req.app_data::<AcceptsToken>() {
        return *accepts;
    }
    req.app_data::<web::Data<AcceptsToken>>()
        .map_or(default, |accepts| *accepts.get_ref())
}

/// The verified machine token this request's route accepted, if one did.
pub(crate) fn decided_machine(extensions: &Extensions) -> Option<Arc<MachineAuth>> {
    match extensions.get::<Decision>() {
        Some(Decision(Accepted::Machine(auth))) => Some(Arc::clone(auth)),
        _ => None,
    }
}

/// The decision on `req` for a route accepting `accepts`, computed once per request for the
/// machine part (the session part is the middleware's, or computed once too).
pub(crate) fn decide(
    req: &HttpRequest,
    accepts: AcceptsToken,
) -> LocalBoxFuture<'static, Result<Accepted, AuthError>> {
    let req = req.clone();
    Box::pin(async move {
        let accepted = decide_now(&req, accepts).await?;
        req.extensions_mut().insert(Decision(accepted.clone()));
        Ok(accepted)
    })
}

async fn decide_now(req: &HttpRequest, accepts: AcceptsToken) -> Result<Accepted, AuthError> {
    // Without a registered Clerk the session flow cannot run either (the middleware stores it).
    let clerk = clerk_of(req).ok_or(AuthError::NotConfigured)?;
    let header = req
        .headers()
        .get(AUTHORIZATION)
        .and_then(|value| authorization_token(value.as_bytes()));
    let slot = machine_slot(req);
    Ok(
        match clerk.decide_machine(accepts, header.as_deref(), &slot.0).await {
            MachineOutcome::Session => Accepted::Session(request_state(req).await?),
            MachineOutcome::Machine(auth) => Accepted::Machine(auth),
            MachineOutcome::Refused(refusal) => Accepted::Refused(refusal),
            MachineOutcome::Unavailable { retry_after } => Accepted::Unavailable { retry_after },
        },
    )
}

/// This request's machine-token verification slot.
fn machine_slot(req: &HttpRequest) -> MachineSlot {
    req.extensions_mut()
        .get_or_insert_with(MachineSlot::default)
        .clone()
}

/// Puts the headers of the route's decision on the response, if a route decided (then they
/// replace the middleware's session headers: a machine token a route accepted is not "signed
/// out"). Returns whether it did.
pub(crate) fn apply_decision_headers<B>(response: &mut ServiceResponse<B>) -> bool {
    let decision = response.request().extensions().get::<Decision>().cloned();
    let Some(Decision(accepted)) = decision else {
        return false;
    };
    let headers = response.headers_mut();
    match &accepted {
        Accepted::Session(state) => apply_outcome_headers(state, headers),
        Accepted::Refused(refusal) => apply_refusal_headers(refusal, headers),
        Accepted::Machine(_) | Accepted::Unavailable { .. } => {}
    }
    true
}
