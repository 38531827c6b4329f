//! What a failed verification or a handshake reason becomes (docs/clerk-behaviour.md §3, §4):
//! Clerk's `handleSessionTokenError` (refresh, time reasons) and `handleMaybeHandshakeStatus` (a
//! handshake for a request that can take one, signed out otherwise).

use super::facts::RequestFacts;
use super::handshake::{self, HandshakeTarget};
use super::outcome::RequestOutcome;
use super::RequestAuthenticator;
use crate::error::TokenCarrier;
use crate::reason::{RefreshFailure, RequestReason};
use crate::request::backend::SessionBackend;
use crate::verify::KeyResolver;
use crate::{InstanceType, Reason, TokenError};

/// A would-be handshake: its reason and message, where it goes when that is not the Frontend
/// API (a sync redirect), and what a signed-out answer carries instead.
pub(super) struct Handshake {
    pub(super) reason: RequestReason,
    pub(super) message: Option<String>,
    pub(super) location: Option<String>,
    pub(super) carrier: Option<TokenCarrier>,
    pub(super) present: bool,
}

impl Handshake {
    /// A handshake of the cookie flow: no message, no carrier, to the Frontend API.
    pub(super) fn cookie(reason: RequestReason, present: bool) -> Self {
        Self {
            reason,
            message: None,
            location: None,
            carrier: None,
            present,
        }
    }
}

impl RequestAuthenticator {
    /// Clerk's `handleSessionTokenError`: an expired token on a GET with a `__refresh` cookie is
    /// refreshed through the Backend API; time errors become request-level reasons and a
    /// handshake when the request can take one; everything else keeps the verifier's reason.
    pub(super) async fn session_token_error<K: KeyResolver, B: SessionBackend>(
        &self,
        facts: &RequestFacts<'_>,
        keys: &K,
        backend: &B,
        err: &TokenError,
        carrier: TokenCarrier,
    ) -> RequestOutcome {
        let reason = match err.reason() {
            Reason::TokenExpired => {
                let failure = if !facts.is_get {
                    RefreshFailure::NonEligibleNonGet
                } else if facts.refresh().is_none() {
                    RefreshFailure::NonEligibleNoRefreshCookie
                } else {
                    match self.refresh(facts, keys, backend).await {
                        Ok(outcome) => return outcome,
                        Err(failure) => failure,
                    }
                };
                RequestReason::SessionTokenExpired(failure)
            }
            Reason::TokenNotActiveYet => RequestReason::SessionTokenNbf,
            Reason::TokenIatInTheFuture => RequestReason::SessionTokenIatInTheFuture,
            _ => return signed_out_by(err, carrier),
        };
        let handshake = Handshake {
            reason,
            message: Some(err.full_message(carrier)),
            location: None,
            carrier: Some(carrier),
            present: true,
        };
        self.maybe_handshake(facts, keys, handshake)
    }

    /// Clerk's `handleMaybeHandshakeStatus`: a handshake for a request that can take one (a
    /// document GET) unless the redirect counter says this is the fourth; signed out with the
    /// same reason and message otherwise.
    pub(super) fn maybe_handshake<K: KeyResolver>(
        &self,
        facts: &RequestFacts<'_>,
        keys: &K,
        handshake: Handshake,
    ) -> RequestOutcome {
        let Handshake {
            reason,
            message,
            location,
            carrier,
            present,
        } = handshake;
        if !handshake::is_eligible(facts) {
            return RequestOutcome::signed_out(reason, message, carrier, present);
        }
        let Some(location) = location.or_else(|| self.handshake_location(facts, keys, &reason)) else {
            // No publishable key (or no URL to come back to): nowhere to send the browser.
            return RequestOutcome::signed_out(reason, message, carrier, present);
        };
        let count = facts.redirect_count();
        if count == 3.0 {
            tracing::warn!(reason = reason.as_str(), "{}", handshake::loop_message(&reason));
            return RequestOutcome::signed_out(reason, message, carrier, present);
        }
        let cookies = vec![handshake::counter_cookie(count)];
        RequestOutcome::handshake(reason, message, location, cookies, present)
    }

    /// The Frontend API's handshake URL for this request.
    fn handshake_location<K: KeyResolver>(
        &self,
        facts: &RequestFacts<'_>,
        keys: &K,
        reason: &RequestReason,
    ) -> Option<String> {
        let key = self.publishable_key.as_ref()?;
        let parts = facts.parts;
        let clerk_url = handshake::clerk_url(parts)?;
        if self.domain.relative_proxy_path().is_some() && !self.is_own_origin(parts) {
            // Behind a relative proxy the handshake goes to `{origin}/__clerk` with the request's
            // session token: only on an origin the configuration knows, never on a `Host` a
            // request merely claims.
            return None;
        }
        let cookies = self.chosen_cookies(facts, keys);
        let frontend_api = self.domain.frontend_api(key, &parts.origin);
        let target = HandshakeTarget {
            frontend_api: &frontend_api,
            suffixed: cookies.suffixed,
            session_token: cookies.session.or(facts.header_token.as_deref()),
            dev_browser: (self.instance_type == InstanceType::Development)
                .then_some(cookies.dev_browser)
                .flatten(),
            organization: self.org_sync.find_target(clerk_url.path()),
        };
        handshake::handshake_location(&clerk_url, reason, &target)
    }
}

/// A verification failure that keeps the verifier's reason: signed out, with its message except
/// where Clerk gives none.
pub(super) fn signed_out_by(err: &TokenError, carrier: TokenCarrier) -> RequestOutcome {
    let message = match err.reason() {
        // Clerk answers a type mismatch, and an error that is not a token error, with no message.
        Reason::TokenTypeMismatch | Reason::UnexpectedError => None,
        _ => Some(err.full_message(carrier)),
    };
    RequestOutcome::signed_out(RequestReason::Token(err.reason()), message, Some(carrier), true)
}
