//! Clerk's server-side session refresh (docs/clerk-behaviour.md §6, `refreshToken` / `attemptRefresh`):
//! an expired session token on a GET with a `__refresh` cookie is exchanged at the Backend API for
//! fresh cookies, which the response sets.

use super::backend::{BackendError, RefreshRequest, SessionBackend};
use super::call_guard::{Call, Refusal};
use super::facts::RequestFacts;
use super::handshake::session_in_directives;
use super::outcome::{RequestOutcome, ResponseDirectives};
use super::verified::Prepared;
use super::RequestAuthenticator;
use crate::error::TokenCarrier;
use crate::reason::{RefreshCode, RefreshFailure};
use crate::token::{js_string, DecodedToken};
use crate::verify::KeyResolver;

impl RequestAuthenticator {
    /// Refreshes the request's expired session, or says why not in Clerk's words.
    pub(super) async fn refresh<K: KeyResolver, B: SessionBackend>(
        &self,
        facts: &RequestFacts<'_>,
        keys: &K,
        backend: &B,
    ) -> Result<RequestOutcome, RefreshFailure> {
        if !backend.is_available() {
            return Err(RefreshFailure::MissingApiClient);
        }
        let parts = facts.parts;
        let cookies = self.chosen_cookies(facts, keys);
        let Some(expired) = cookies
            .session
            .or(facts.header_token.as_deref())
            .filter(|t| !t.is_empty())
        else {
            return Err(RefreshFailure::MissingSessionToken);
        };
        let Some(refresh_token) = facts.refresh() else {
            return Err(RefreshFailure::MissingRefreshToken);
        };
        let decoded = DecodedToken::decode(expired, self.verifier.token_size_limit())
            .map_err(|_| RefreshFailure::ExpiredSessionTokenDecodeFailed)?;
        let session_id = match decoded.claim("sid") {
            Some(sid) if crate::request::js::js_truthy(sid) => js_string(sid),
            _ => return Err(RefreshFailure::ExpiredSessionTokenMissingSidClaim),
        };
        let mut request_headers = Vec::new();
        parts.headers.for_each(&mut |name, value| {
            request_headers.push((name.to_owned(), String::from_utf8_lossy(value).into_owned()));
        });
        let request = RefreshRequest {
            expired_token: expired,
            refresh_token,
            request_origin: parts.origin.serialize(),
            request_headers,
            suffixed_cookies: cookies.suffixed,
        };
        // A refresh that failed moments ago is answered with the code it failed with; one whose
        // client has too much in flight, or keeps failing while calls run short, ends as a call
        // that failed without an answer would.
        let call = Call::Refresh {
            session_id: &session_id,
            refresh_token,
        };
        let permit = match self
            .calls
            .admit(call, parts.client, parts.now, backend.is_under_pressure())
        {
            Ok(permit) => permit,
            Err(Refusal::Failed(code)) => return Err(RefreshFailure::Code(RefreshCode::new(&code))),
            Err(_) => return Err(RefreshFailure::UnexpectedBapiError),
        };
        let cookies = match backend.refresh_session(&session_id, &request).await {
            Ok(cookies) => cookies,
            Err(BackendError::Code(code)) if code == "unexpected_error" => {
                return Err(RefreshFailure::FetchError)
            }
            Err(BackendError::Code(code)) => {
                self.calls.failed(call, &code, &permit, parts.now);
                return Err(RefreshFailure::Code(RefreshCode::new(&code)));
            }
            Err(BackendError::Unexpected) => return Err(RefreshFailure::UnexpectedBapiError),
        };
        drop(permit);
        if cookies.is_empty() {
            return Err(RefreshFailure::UnexpectedSdkError);
        }
        let cookies = super::handshake::bounded(cookies);
        let token = session_in_directives(&cookies).unwrap_or("");
        let prepared: Result<Prepared<'_>, _> = self.prepare(token, None, keys);
        let (auth, token) = self
            .finish(token, prepared, keys, facts)
            .await
            .map_err(|_| RefreshFailure::InvalidSessionToken)?;
        let directives = ResponseDirectives {
            set_cookies: cookies,
            ..ResponseDirectives::default()
        };
        Ok(RequestOutcome::signed_in(auth, token, TokenCarrier::Cookie).with_directives(directives))
    }
}
