//! Resolving a handshake (docs/clerk-behaviour.md §5, `resolveHandshake`): the browser is back from the
//! Frontend API with a nonce (cookies fetched from the Backend API) or a handshake token (cookies
//! inside a signed JWT); the cookies are set on the response and the new session token decides
//! the request.

use std::borrow::Cow;
use std::fmt;

use serde_json::Value;

use super::backend::{BackendError, SessionBackend};
use super::call_guard::{self, Call};
use super::facts::RequestFacts;
use super::handshake::{self, session_in_directives};
use super::names;
use super::outcome::{RequestOutcome, ResponseDirectives};
use super::parts::RequestParts;
use super::RequestAuthenticator;
use crate::error::TokenCarrier;
use crate::reason::RequestReason;
use crate::token::{js_string, DecodedToken};
use crate::verify::KeyResolver;
use crate::{InstanceType, Reason, TokenError};

/// Why a handshake did not resolve; the request then carries on with its own cookies.
#[derive(Debug)]
pub(super) enum HandshakeFailure {
    /// The handshake token is not a valid handshake token (Clerk's `TokenVerificationError`:
    /// a development instance reports it instead of carrying on).
    Token(TokenError),
    /// The new session token did not verify (Clerk's plain `Error`).
    Session(String),
}

impl fmt::Display for HandshakeFailure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            HandshakeFailure::Token(err) => write!(f, "{} (reason={})", err.message(), err.reason().as_str()),
            HandshakeFailure::Session(message) => f.write_str(message),
        }
    }
}

/// A development instance's answer to a broken handshake token. Clerk throws (its middleware
/// answers 500); this SDK signs the request out with the verifier's reason and Clerk's message.
pub(super) fn handshake_token_failure_in_development(err: &TokenError) -> RequestOutcome {
    let message = if err.reason() == Reason::TokenInvalidSignature {
        "Clerk: Handshake token verification failed due to an invalid signature. If you have switched \
         Clerk keys locally, clear your cookies and try again."
            .to_owned()
    } else {
        // No carrier was ever set on a handshake token's error: JavaScript prints `undefined`.
        let text = match err.action() {
            Some(action) => format!("{} {}", err.message(), action.as_str()),
            None => err.message().to_owned(),
        };
        format!(
            "Clerk: Handshake token verification failed: {} (reason={}, token-carrier=undefined).",
            text.trim_start(),
            err.reason().as_str()
        )
    };
    tracing::error!("{message}");
    RequestOutcome::signed_out(
        RequestReason::Token(err.reason()),
        Some(message),
        Some(TokenCarrier::Cookie),
        true,
    )
}

impl RequestAuthenticator {
    /// Clerk's `resolveHandshake`.
    pub(super) async fn resolve_handshake<K: KeyResolver, B: SessionBackend>(
        &self,
        facts: &RequestFacts<'_>,
        keys: &K,
        backend: &B,
        nonce: Option<&str>,
        token: Option<&str>,
    ) -> Result<RequestOutcome, HandshakeFailure> {
        let parts = facts.parts;
        let set_cookies = match (nonce, token) {
            (Some(nonce), _) => self.directives_from_nonce(backend, nonce, parts).await,
            (None, Some(token)) => self
                .directives_from_token(token, keys, parts)
                .await
                .map_err(HandshakeFailure::Token)?,
            (None, None) => Vec::new(),
        };
        let set_cookies = handshake::bounded(set_cookies);
        let location = (self.instance_type == InstanceType::Development)
            .then(|| handshake::clerk_url(parts))
            .flatten()
            .map(|url| {
                let clean = handshake::without_params(
                    &url,
                    &[
                        names::QUERY_HANDSHAKE,
                        names::QUERY_HANDSHAKE_HELP,
                        names::DEV_BROWSER,
                        names::QUERY_HANDSHAKE_NONCE,
                    ],
                );
                (clean.to_string(), url)
            })
            // A handshake carried by a cookie leaves the URL as it was: a redirect to the same URL
            // would only repeat the request (and loop while the cookie stays), so none is sent.
            .filter(|(clean, url)| clean != url.as_str())
            .map(|(clean, _)| clean);
        let session = session_in_directives(&set_cookies).map(str::to_owned);
        let directives = ResponseDirectives {
            location,
            set_cookies,
            handshake_cors: true,
        };
        let Some(session) = session else {
            let outcome = RequestOutcome::signed_out(RequestReason::SessionTokenMissing, None, None, false);
            return Ok(outcome.with_directives(directives));
        };
        let prepared = self.prepare(&session, None, keys);
        let err = match self.finish(&session, prepared, keys, facts).await {
            Ok((auth, token)) => {
                return Ok(
                    RequestOutcome::signed_in(auth, token, TokenCarrier::Cookie).with_directives(directives)
                )
            }
            Err(err) => err,
        };
        let time_error = matches!(
            err.reason(),
            Reason::TokenExpired | Reason::TokenNotActiveYet | Reason::TokenIatInTheFuture
        );
        if self.instance_type != InstanceType::Development || !time_error {
            return Err(HandshakeFailure::Session(or_default(
                err.message(),
                "Clerk: Handshake failed.",
            )));
        }
        tracing::error!(
            "Clerk: Clock skew detected. This usually means that your system clock is inaccurate. Clerk \
             will attempt to account for the clock skew in development.\n\nTo resolve this issue, make \
             sure your system's clock is set to the correct time (e.g. turn off and on automatic time \
             synchronization).\n\n---\n\n{}",
            err.full_message(TokenCarrier::Cookie)
        );
        match self.lenient.verify(&session, keys, parts.now).await {
            Ok(claims) => {
                let auth = crate::Auth::from_claims(claims, self.auth_options);
                let token = super::outcome::Token::new(&session);
                Ok(RequestOutcome::signed_in(auth, token, TokenCarrier::Cookie).with_directives(directives))
            }
            Err(retry) => Err(HandshakeFailure::Session(or_default(
                retry.message(),
                "Clerk: Handshake retry failed.",
            ))),
        }
    }

    /// The directives the Backend API kept under `nonce`; none when it cannot say (Clerk logs
    /// and carries on), and none without a call for a nonce the guard refuses.
    async fn directives_from_nonce<B: SessionBackend>(
        &self,
        backend: &B,
        nonce: &str,
        parts: &RequestParts<'_>,
    ) -> Vec<String> {
        if !backend.is_available() {
            return Vec::new();
        }
        let call = Call::Nonce(nonce);
        let permit = match self
            .calls
            .admit(call, parts.client, parts.now, backend.is_under_pressure())
        {
            Ok(permit) => permit,
            Err(refusal) => {
                tracing::debug!(?refusal, "Clerk: handshake nonce not looked up");
                return Vec::new();
            }
        };
        let err = match backend.handshake_payload(nonce).await {
            Ok(directives) => return directives,
            Err(err) => err,
        };
        if let BackendError::Code(code) = &err {
            if call_guard::means_unknown(code) {
                self.calls.failed(call, code, &permit, parts.now);
            }
        }
        if let Some(suppressed) = self.calls.may_log(parts.now) {
            tracing::error!(
                error = ?err,
                suppressed,
                "Clerk: HandshakeService: error getting handshake payload (at most one line per 10 s; \
                 `suppressed` counts the failures since the last)"
            );
        }
        Vec::new()
    }

    /// The directives inside a handshake token, once its header, category and signature pass.
    async fn directives_from_token<K: KeyResolver>(
        &self,
        token: &str,
        keys: &K,
        parts: &RequestParts<'_>,
    ) -> Result<Vec<String>, TokenError> {
        let decoded = DecodedToken::decode(token, self.verifier.token_size_limit())?;
        let kid = decoded.header().kid.as_ref().map(|kid| match kid {
            Value::String(kid) => Cow::Borrowed(kid.as_str()),
            other => Cow::Owned(js_string(other)),
        });
        let key = keys.resolve(kid.as_deref(), parts.now).await?;
        let payload = self.verifier.verify_handshake(decoded, &key)?;
        Ok(match payload.get("handshake") {
            Some(Value::Array(items)) => items.iter().map(js_string).collect(),
            _ => Vec::new(),
        })
    }
}

fn or_default(message: &str, default: &str) -> String {
    if message.is_empty() {
        default.to_owned()
    } else {
        message.to_owned()
    }
}
