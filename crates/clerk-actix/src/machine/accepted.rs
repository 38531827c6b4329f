//! What a route that declares the tokens it accepts (Clerk's `acceptsToken`) decided about a
//! request, kept in the request extensions for the extractors, the guards and the response
//! headers. The decision itself is clerk-core's
//! ([`clerk_core::request::RequestAuthenticator::authenticate_request`], an [`AuthOutcome`]);
//! this file holds the per-request plumbing around it: where the route's declaration lives, the
//! request's memo (`state.rs`), and the mapping onto [`AuthError`] and response headers.

use std::sync::Arc;

use actix_web::dev::{Extensions, ServiceResponse};
use actix_web::{web, HttpMessage, HttpRequest};
use clerk_core::machine::{AcceptsToken, MachineIdentity, MachineRefusal};
use clerk_core::request::AuthOutcome;
use futures_util::future::LocalBoxFuture;

use crate::authenticate::apply_outcome_headers;
use crate::error::{apply_refusal_headers, AuthError};
use crate::state::{clerk_of, request_memo, session_result};

/// clerk-core's outcome as an error: a refusal or 503 as such, a signed-out session as 401.
pub(crate) fn refusal_error(outcome: AuthOutcome) -> AuthError {
    match outcome {
        AuthOutcome::Session(state) => AuthError::Unauthenticated(Box::new(state)),
        AuthOutcome::Refused(refusal) => AuthError::MachineUnauthenticated(Box::new(refusal)),
        AuthOutcome::Unavailable { retry_after } => AuthError::MachineUnavailable { retry_after },
        AuthOutcome::Machine(_) => AuthError::MachineUnauthenticated(Box::new(MachineRefusal::Mismatch {
            token_type: None,
            message: None,
        })),
    }
}

/// The latest decision, for the response headers and the guards.
#[derive(Clone)]
struct Decision(AuthOutcome);

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
pub(crate) fn decided_machine(extensions: &Extensions) -> Option<Arc<MachineIdentity>> {
    match extensions.get::<Decision>() {
        Some(Decision(AuthOutcome::Machine(auth))) => Some(Arc::clone(auth)),
        _ => None,
    }
}

/// The decision on `req` for a route accepting `accepts`, computed once per request for the
/// machine part (the session part is the middleware's, or computed once too).
pub(crate) fn decide(
    req: &HttpRequest,
    accepts: AcceptsToken,
) -> LocalBoxFuture<'static, Result<AuthOutcome, AuthError>> {
    let req = req.clone();
    Box::pin(async move {
        let accepted = decide_now(&req, accepts).await?;
        req.extensions_mut().insert(Decision(accepted.clone()));
        Ok(accepted)
    })
}

async fn decide_now(req: &HttpRequest, accepts: AcceptsToken) -> Result<AuthOutcome, AuthError> {
    // Without a registered Clerk the session flow cannot run either (the middleware stores it).
    let clerk = clerk_of(req).ok_or(AuthError::NotConfigured)?;
    let memo = request_memo(req);
    let ran_before = memo.session().is_some();
    Ok(match clerk.authenticate_request(req, accepts, &memo).await {
        AuthOutcome::Session(state) => AuthOutcome::Session(session_result(state, !ran_before)?),
        other => other,
    })
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
        AuthOutcome::Session(state) => apply_outcome_headers(state, headers),
        AuthOutcome::Refused(refusal) => apply_refusal_headers(refusal, headers),
        AuthOutcome::Machine(_) | AuthOutcome::Unavailable { .. } => {}
    }
    true
}
