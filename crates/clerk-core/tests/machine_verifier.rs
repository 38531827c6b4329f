//! [`MachineVerifier::decide`] against a scripted [`MachineBackend`] on a fixed clock (issue 25,
//! item 2): the typed rate-limit outcome, which Backend API answers are cached and for how long
//! (to the millisecond), one verification per request memo, remembered JWTs, and Clerk's
//! reported-type rule; and the one entry point, [`RequestAuthenticator::authenticate_request`].

mod common;

use std::cell::{Cell, RefCell};
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use clerk_core::api::{ApiKey, M2mToken, OAuthVerifyResponse};
use clerk_core::machine::{
    AcceptsToken, MachineErrorCode, MachineJwtVerifier, MachineMemo, MachineRefusal, MachineVerifier,
    TokenType,
};
use clerk_core::request::{
    AuthOutcome, BackendError, Cookies, HeaderLookup, MachineBackend, MachineBackendError, NoBackend,
    RefreshRequest, RequestAuthenticator, RequestMemo, RequestOrigin, RequestOutcome, RequestParts,
    RequestReason, SessionBackend,
};
use clerk_core::verify::StaticKey;
use clerk_core::JwtVerifier;
use common::*;
use serde_json::json;

const NOW: u64 = 1_755_000_030;
const SECRET: &str = "ak_2zLiveSecret";

fn block_on<T>(future: impl std::future::Future<Output = T>) -> T {
    tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap()
        .block_on(future)
}

fn keys() -> StaticKey {
    StaticKey(Arc::new(Signer::contract().verifying_key(Some(KID))))
}

fn api_key() -> ApiKey {
    serde_json::from_value(json!({"id": "ak_2zId", "subject": "user_2zOwner", "name": "ci"})).unwrap()
}

/// Answers every API key verification with `answer`, counting the calls.
struct Scripted {
    answer: RefCell<Result<ApiKey, MachineBackendError>>,
    calls: Cell<u32>,
}

impl Scripted {
    fn new(answer: Result<ApiKey, MachineBackendError>) -> Self {
        Self {
            answer: RefCell::new(answer),
            calls: Cell::new(0),
        }
    }
}

impl MachineBackend for Scripted {
    async fn verify_api_key(&self, _secret: &str) -> Result<ApiKey, MachineBackendError> {
        self.calls.set(self.calls.get() + 1);
        self.answer.borrow().clone()
    }

    async fn verify_m2m_token(&self, _token: &str) -> Result<M2mToken, MachineBackendError> {
        unreachable!("only API keys here")
    }

    async fn verify_oauth_token(&self, _token: &str) -> Result<OAuthVerifyResponse, MachineBackendError> {
        unreachable!("only API keys here")
    }
}

/// The session flow's calls: none in these tests (no handshake, no refresh).
impl SessionBackend for Scripted {
    async fn handshake_payload(&self, _nonce: &str) -> Result<Vec<String>, BackendError> {
        unreachable!("no handshake here")
    }

    async fn refresh_session(
        &self,
        _session_id: &str,
        _request: &RefreshRequest<'_>,
    ) -> Result<Vec<String>, BackendError> {
        unreachable!("no refresh here")
    }
}

fn verifier() -> MachineVerifier {
    MachineVerifier::new(MachineJwtVerifier::new()).cache_ttl(Duration::from_secs(10))
}

/// A fresh request (its own memo) with `token` on a route accepting `accepts`, at `now`.
fn decide<B: MachineBackend>(
    verifier: &MachineVerifier,
    backend: &B,
    accepts: impl Into<AcceptsToken>,
    token: Option<&str>,
    now: SystemTime,
) -> Option<AuthOutcome> {
    let memo = MachineMemo::new();
    block_on(verifier.decide(accepts.into(), token, &memo, &keys(), backend, now))
}

fn refusal(outcome: Option<AuthOutcome>) -> MachineRefusal {
    match outcome {
        Some(AuthOutcome::Refused(refusal)) => refusal,
        other => panic!("not refused: {other:?}"),
    }
}

#[test]
fn a_rate_limited_answer_is_unavailable_with_its_retry_after_and_never_cached() {
    let verifier = verifier();
    let backend = Scripted::new(Err(MachineBackendError::RateLimited {
        retry_after: Some(Duration::from_secs(7)),
    }));
    for _ in 0..2 {
        let outcome = decide(&verifier, &backend, TokenType::ApiKey, Some(SECRET), at(NOW));
        assert!(matches!(
            outcome,
            Some(AuthOutcome::Unavailable { retry_after }) if retry_after == Duration::from_secs(7)
        ));
    }
    assert_eq!(backend.calls.get(), 2);
    // Without Clerk's `Retry-After`: a second.
    *backend.answer.borrow_mut() = Err(MachineBackendError::RateLimited { retry_after: None });
    let outcome = decide(&verifier, &backend, TokenType::ApiKey, Some(SECRET), at(NOW));
    assert!(matches!(
        outcome,
        Some(AuthOutcome::Unavailable { retry_after }) if retry_after == Duration::from_secs(1)
    ));
}

#[test]
fn a_success_is_cached_for_the_ttl_to_the_millisecond() {
    let verifier = verifier();
    let backend = Scripted::new(Ok(api_key()));
    let at_ms = |ms: u64| at_ms(NOW * 1000 + ms);
    let ask = |ms| decide(&verifier, &backend, TokenType::ApiKey, Some(SECRET), at_ms(ms));
    assert!(matches!(ask(0), Some(AuthOutcome::Machine(auth)) if auth.subject() == "user_2zOwner"));
    assert!(matches!(ask(9_999), Some(AuthOutcome::Machine(_))));
    assert_eq!(backend.calls.get(), 1);
    assert!(matches!(ask(10_000), Some(AuthOutcome::Machine(_))));
    assert_eq!(backend.calls.get(), 2);
    let stats = verifier.stats();
    assert_eq!((stats.hits, stats.verifications), (1, 2));
}

#[test]
fn a_4xx_is_clerks_refusal_cached_for_a_quarter_of_the_ttl() {
    let verifier = verifier();
    let backend = Scripted::new(Err(MachineBackendError::Status {
        status: 404,
        message: Some("not found".into()),
    }));
    let at_ms = |ms: u64| at_ms(NOW * 1000 + ms);
    let ask = |ms| {
        refusal(decide(
            &verifier,
            &backend,
            TokenType::ApiKey,
            Some(SECRET),
            at_ms(ms),
        ))
    };
    let refused = ask(0);
    assert_eq!(refused.reason(), "token-invalid");
    assert_eq!(refused.token_type(), Some(TokenType::ApiKey));
    assert_eq!(ask(2_499), refused);
    assert_eq!(backend.calls.get(), 1);
    assert_eq!(ask(2_500), refused);
    assert_eq!(backend.calls.get(), 2);
}

#[test]
fn a_5xx_or_no_answer_is_clerks_unexpected_error_and_never_cached() {
    let verifier = verifier();
    for answer in [
        MachineBackendError::Status {
            status: 500,
            message: None,
        },
        MachineBackendError::Unexpected,
    ] {
        let backend = Scripted::new(Err(answer));
        for _ in 0..2 {
            let refused = refusal(decide(
                &verifier,
                &backend,
                TokenType::ApiKey,
                Some(SECRET),
                at(NOW),
            ));
            assert_eq!(refused.reason(), MachineErrorCode::UnexpectedError.as_str());
        }
        assert_eq!(backend.calls.get(), 2);
    }
}

#[test]
fn without_a_backend_an_opaque_token_is_refused_as_clerk_refuses_it() {
    let refused = refusal(decide(
        &verifier(),
        &NoBackend,
        TokenType::ApiKey,
        Some(SECRET),
        at(NOW),
    ));
    assert_eq!(refused.reason(), "unexpected-error");
    assert!(refused
        .message()
        .unwrap()
        .contains("requires either a Machine secret key or a Clerk secret key"));
}

#[test]
fn one_request_verifies_once_whatever_asks() {
    let verifier = MachineVerifier::new(MachineJwtVerifier::new()).cache_ttl(Duration::ZERO);
    let backend = Scripted::new(Ok(api_key()));
    let memo = MachineMemo::new();
    let ask = |accepts: AcceptsToken| {
        block_on(verifier.decide(accepts, Some(SECRET), &memo, &keys(), &backend, at(NOW)))
    };
    assert!(matches!(ask(AcceptsToken::Any), Some(AuthOutcome::Machine(_))));
    assert!(matches!(
        ask(AcceptsToken::MACHINES),
        Some(AuthOutcome::Machine(_))
    ));
    assert!(matches!(
        ask(TokenType::ApiKey.into()),
        Some(AuthOutcome::Machine(_))
    ));
    // A route that does not accept API keys refuses by routing, before any verification.
    let refused = refusal(ask(TokenType::M2mToken.into()));
    assert_eq!(refused.reason(), "token-type-mismatch");
    // The default route is the session flow's.
    assert!(ask(AcceptsToken::default()).is_none());
    assert_eq!(backend.calls.get(), 1);
}

#[test]
fn a_jwt_is_remembered_until_exp_and_only_for_routes_accepting_its_type() {
    let verifier = verifier();
    let token = Signer::contract().sign(
        &json!({"alg": "RS256", "kid": KID, "typ": "JWT"}),
        &json!({
            "iss": ISSUER, "sub": "mch_2zMachine", "jti": "mt_2zJwt",
            "iat": NOW - 10, "nbf": NOW - 10, "exp": NOW + 60
        }),
    );
    let ask = |accepts: AcceptsToken, now| decide(&verifier, &NoBackend, accepts, Some(&token), now);
    assert!(matches!(
        ask(TokenType::M2mToken.into(), at(NOW)),
        Some(AuthOutcome::Machine(_))
    ));
    assert!(matches!(
        ask(AcceptsToken::Any, at(NOW + 30)),
        Some(AuthOutcome::Machine(_))
    ));
    assert_eq!(verifier.stats().jwt_verifications, 1);
    assert_eq!(verifier.stats().cached_jwts, 1);
    // Not of an accepted type: routed, and refused as routing refuses it.
    let refused = refusal(ask(TokenType::ApiKey.into(), at(NOW + 30)));
    assert_eq!(refused.reason(), "token-type-mismatch");
    // Past `exp` and the 5 s clock skew: verified again, and expired (Clerk's code for it).
    let refused = refusal(ask(AcceptsToken::Any, at(NOW + 66)));
    assert_eq!(refused.reason(), "token-verification-failed");
    assert!(refused.message().unwrap().contains("JWT is expired."));
    assert_eq!(verifier.stats().jwt_verifications, 2);
}

#[test]
fn a_jwt_shaped_token_that_does_not_decode_is_reported_as_an_m2m_token() {
    // `verifyMachineAuthToken`: whatever its prefix says.
    let refused = refusal(decide(
        &verifier(),
        &NoBackend,
        AcceptsToken::Any,
        Some("ak_abc.def.ghi"),
        at(NOW),
    ));
    assert_eq!(refused.token_type(), Some(TokenType::M2mToken));
}

#[test]
fn the_jwt_verifiers_clock_skew_is_the_remembered_jwts_too() {
    let verifier = MachineVerifier::new(MachineJwtVerifier::new().clock_skew(Duration::ZERO));
    let token = Signer::contract().sign(
        &json!({"alg": "RS256", "kid": KID, "typ": "JWT"}),
        &json!({
            "iss": ISSUER, "sub": "mch_2zMachine", "jti": "mt_2zJwt",
            "iat": NOW - 10, "nbf": NOW - 10, "exp": NOW + 60
        }),
    );
    let ask = |now| decide(&verifier, &NoBackend, AcceptsToken::Any, Some(&token), now);
    assert!(matches!(ask(at(NOW)), Some(AuthOutcome::Machine(_))));
    assert!(matches!(
        ask(at_ms((NOW + 60) * 1000 - 1)),
        Some(AuthOutcome::Machine(_))
    ));
    assert_eq!(verifier.stats().jwt_verifications, 1);
    // No skew: refused from `exp` on, remembered or not.
    assert!(matches!(ask(at(NOW + 60)), Some(AuthOutcome::Refused(_))));
}

/// The `Authorization` header as a request's headers.
struct AuthorizationHeader(&'static str);

impl HeaderLookup for AuthorizationHeader {
    fn header(&self, name: &str) -> Option<&[u8]> {
        (name == "authorization").then_some(self.0.as_bytes())
    }
}

#[test]
fn the_one_entry_point_reads_the_header_once_and_runs_the_session_flow_once_per_request() {
    let authenticator = RequestAuthenticator::new(JwtVerifier::new());
    let verifier = verifier();
    let backend = Scripted::new(Ok(api_key()));
    let origin = RequestOrigin {
        scheme: "http",
        host: "localhost",
    };
    let ask = |header: &'static str, accepts: AcceptsToken, memo: &RequestMemo| {
        let headers = AuthorizationHeader(header);
        let parts = RequestParts::new("GET", &headers, Cookies::empty(), "", origin, at(NOW));
        block_on(authenticator.authenticate_request(&verifier, accepts, &parts, memo, &keys(), &backend))
    };

    // A machine token on a route accepting it: that machine, through the machine backend.
    let outcome = ask(SECRET, TokenType::ApiKey.into(), &RequestMemo::new());
    assert!(matches!(outcome, AuthOutcome::Machine(auth) if auth.subject() == "user_2zOwner"));
    assert_eq!(backend.calls.get(), 1);

    // A session-only route: the session flow decides (an API key is no session token)…
    let memo = RequestMemo::new();
    // (an opaque API key does not decode as a JWT.)
    let outcome = ask(SECRET, AcceptsToken::default(), &memo);
    let AuthOutcome::Session(session) = outcome else {
        panic!("not the session flow's: {outcome:?}");
    };
    assert_eq!(session.reason().map(|r| r.as_str()), Some("token-invalid"));
    assert!(memo.session().is_some());
    // …once per request: a memo that knows the session's outcome is not asked again.
    let known = RequestOutcome::signed_out(RequestReason::SessionTokenAndUatMissing, None, None, false);
    let outcome = ask(SECRET, AcceptsToken::default(), &RequestMemo::with_session(known));
    assert!(matches!(
        outcome,
        AuthOutcome::Session(session)
            if session.reason().map(|r| r.as_str()) == Some("session-token-and-uat-missing")
    ));
    assert_eq!(
        backend.calls.get(),
        1,
        "no machine verification on a session route"
    );
}
