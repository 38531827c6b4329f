//! What a route that declares the tokens it accepts (Clerk's `acceptsToken`) decided about a
//! request: the session outcome, a verified machine token, or Clerk's refusal. Machine tokens
//! are verified lazily, when a route asks, at most once per request; the decision is kept in the
//! request extensions for the extractors, the guards and the response headers.

use std::rc::Rc;
use std::sync::Arc;
use std::time::Duration;

use actix_web::dev::{Extensions, ServiceResponse};
use actix_web::http::header::AUTHORIZATION;
use actix_web::{web, HttpMessage, HttpRequest};
use clerk_core::machine::{
    is_jwt_format, AcceptsToken, MachineAuth, MachineRefusal, Route, TokenType, TokenTypes,
};
use clerk_core::request::{authorization_token, RequestOutcome};
use futures_util::future::LocalBoxFuture;
use tokio::sync::OnceCell;

use super::cache::{MachineFailure, Verdict};
use crate::authenticate::apply_outcome_headers;
use crate::error::{apply_refusal_headers, AuthError};
use crate::state::{clerk_of, request_state};

/// The three machine types: what [`MachineAuth`](super::MachineAuth) accepts unless the route
/// says otherwise.
pub(crate) const MACHINES: AcceptsToken = AcceptsToken::Set(
    TokenTypes::EMPTY
        .with(TokenType::M2mToken)
        .with(TokenType::ApiKey)
        .with(TokenType::OAuthToken),
);

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

/// The verification of this request's header machine token, done once.
#[derive(Clone, Default)]
struct MachineSlot(Rc<OnceCell<Verdict>>);

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
    if accepts == AcceptsToken::default() {
        return Ok(Accepted::Session(request_state(req).await?));
    }
    let header = req
        .headers()
        .get(AUTHORIZATION)
        .and_then(|value| authorization_token(value.as_bytes()));
    if let Some(auth) = remembered_jwt(req, header.as_deref(), accepts) {
        return Ok(Accepted::Machine(auth));
    }
    match accepts.route(header.as_deref()) {
        Route::SessionHeader { .. } | Route::Cookies => Ok(Accepted::Session(request_state(req).await?)),
        Route::Mismatch { token_type, message } => Ok(Accepted::Refused(MachineRefusal::Mismatch {
            token_type,
            message,
        })),
        Route::NoTokenInHeader { token_type } => {
            Ok(Accepted::Refused(MachineRefusal::NoTokenInHeader { token_type }))
        }
        Route::Machine { token, kind, decoded } => {
            let clerk = clerk_of(req).ok_or(AuthError::NotConfigured)?;
            // Clerk reports a JWT-shaped token that does not decode as an M2M token, whatever
            // its prefix (`verifyMachineAuthToken`).
            let reported = if decoded.is_none() && is_jwt_format(token) {
                TokenType::M2mToken
            } else {
                kind
            };
            let slot = machine_slot(req);
            let verdict = slot
                .0
                .get_or_init(|| clerk.verify_machine(token, kind, decoded))
                .await;
            Ok(match verdict {
                Ok(auth) => Accepted::Machine(Arc::clone(auth)),
                Err(MachineFailure::Refused { error, .. }) => Accepted::Refused(MachineRefusal::Failed {
                    token_type: reported,
                    error: error.clone(),
                }),
                Err(MachineFailure::Unavailable { retry_after }) => Accepted::Unavailable {
                    retry_after: *retry_after,
                },
            })
        }
    }
}

/// A JWT-format machine token verified before, of a type the route accepts: the decision
/// [`AcceptsToken::route`] and the verification would reach, without decoding it again (the
/// instance's cache holds only tokens whose routed type is the verified one). The request's
/// verification is looked up first, and a cache hit becomes it, so every extractor and guard
/// of one request sees the same verdict.
fn remembered_jwt(req: &HttpRequest, token: Option<&str>, accepts: AcceptsToken) -> Option<Arc<MachineAuth>> {
    // Opaque tokens have no dots; they have their own cache behind the verification.
    let token = token.filter(|token| token.contains('.'))?;
    let slot = machine_slot(req);
    let auth = match slot.0.get() {
        Some(Ok(auth)) => Arc::clone(auth),
        Some(Err(_)) => return None,
        None => {
            let auth = clerk_of(req)?.cached_machine_jwt(token)?;
            // Only this request's code touches its slot, and nothing awaited since `get`.
            let _ = slot.0.set(Ok(Arc::clone(&auth)));
            auth
        }
    };
    accepts.accepts(auth.token_type()).then_some(auth)
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
