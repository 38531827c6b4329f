//! Every branch of the session refresh and of handshake resolution, with a scripted Backend API
//! (`SessionBackend`): success, each refresh-failure reason, no API client, a nonce without
//! cookies, the development clock-skew retry (within and past 24 hours), and the bound on the
//! cookie directives a Backend API may hand over.

mod common;

use std::cell::{Cell, RefCell};
use std::time::SystemTime;

use clerk_core::request::{
    BackendError, Cookies, HeaderLookup, RefreshRequest, RequestAuthenticator, RequestOrigin, RequestParts,
    RequestStatus, SessionBackend,
};
use clerk_core::{verify::StaticKey, InstanceType, JwtVerifier, PublishableKey};
use common::{at, pem_key, session_header, session_payload, Signer, IAT, ISSUER};

/// A Backend API whose answers the test scripts, recording what it was asked.
#[derive(Default)]
struct Scripted {
    refresh: RefCell<Option<Result<Vec<String>, BackendError>>>,
    payload: RefCell<Option<Result<Vec<String>, BackendError>>>,
    refreshed_session: RefCell<Option<String>>,
    calls: Cell<u32>,
}

impl SessionBackend for Scripted {
    async fn handshake_payload(&self, _nonce: &str) -> Result<Vec<String>, BackendError> {
        self.calls.set(self.calls.get() + 1);
        self.payload
            .borrow_mut()
            .take()
            .unwrap_or(Err(BackendError::Unexpected))
    }

    async fn refresh_session(
        &self,
        session_id: &str,
        request: &RefreshRequest<'_>,
    ) -> Result<Vec<String>, BackendError> {
        self.calls.set(self.calls.get() + 1);
        assert!(!request.expired_token.is_empty() && request.refresh_token == "rt_1");
        *self.refreshed_session.borrow_mut() = Some(session_id.to_owned());
        self.refresh
            .borrow_mut()
            .take()
            .unwrap_or(Err(BackendError::Unexpected))
    }
}

struct NoHeaders;

impl HeaderLookup for NoHeaders {
    fn header(&self, _name: &str) -> Option<&[u8]> {
        None
    }
}

fn authenticator(instance: InstanceType) -> RequestAuthenticator {
    let key = PublishableKey::from_host("happy-hippo-42.clerk.accounts.dev", instance);
    RequestAuthenticator::new(JwtVerifier::new().issuer(ISSUER)).publishable_key(Some(key))
}

fn token_at(iat: u64) -> String {
    Signer::contract().sign(&session_header(), &session_payload(iat))
}

fn run<B: SessionBackend>(
    auth: &RequestAuthenticator,
    backend: &B,
    cookie: &str,
    query: &str,
    now: SystemTime,
) -> clerk_core::request::RequestOutcome {
    let origin = RequestOrigin {
        scheme: "http",
        host: "localhost:3000",
    };
    let parts =
        RequestParts::new("GET", &NoHeaders, Cookies::parse(cookie), query, origin, now).with_path("/page");
    let keys = StaticKey(pem_key());
    tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap()
        .block_on(auth.authenticate_with(&parts, &keys, backend))
}

/// An expired session (issued at `IAT`, judged 10 minutes later) with a refresh cookie.
fn expired_with_refresh() -> String {
    let suffix = PublishableKey::from_host("happy-hippo-42.clerk.accounts.dev", InstanceType::Production)
        .cookie_suffix();
    format!(
        "__session={}; __client_uat=1; __refresh_{suffix}=rt_1",
        token_at(IAT)
    )
}

fn reason(outcome: &clerk_core::request::RequestOutcome) -> Option<&str> {
    outcome.reason().map(|r| r.as_str())
}

#[test]
fn a_refresh_signs_in_with_the_new_cookies() {
    let auth = authenticator(InstanceType::Production);
    let now = at(IAT + 600);
    let fresh = token_at(IAT + 600);
    let backend = Scripted::default();
    *backend.refresh.borrow_mut() = Some(Ok(vec![
        format!("__session={fresh}; Path=/"),
        "__client_uat=1; Path=/".to_owned(),
    ]));
    let outcome = run(&auth, &backend, &expired_with_refresh(), "", now);
    assert_eq!(outcome.status(), RequestStatus::SignedIn);
    assert_eq!(outcome.token().map(|t| t.expose()), Some(fresh.as_str()));
    assert_eq!(outcome.set_cookies().count(), 2);
    assert_eq!(
        backend.refreshed_session.borrow().as_deref(),
        Some("sess_2zf0Yw3ZkVn8qL1pT6rB9xD4sHa")
    );
}

#[test]
fn each_refresh_failure_has_clerks_reason() {
    let now = at(IAT + 600);
    let cases: Vec<(Result<Vec<String>, BackendError>, &str)> = vec![
        (
            Err(BackendError::Code("unexpected_error".into())),
            "session-token-expired-refresh-fetch-error",
        ),
        (
            Err(BackendError::Code("authentication_invalid".into())),
            "session-token-expired-refresh-authentication_invalid",
        ),
        (
            Err(BackendError::Unexpected),
            "session-token-expired-refresh-unexpected-bapi-error",
        ),
        (
            Ok(Vec::new()),
            "session-token-expired-refresh-unexpected-sdk-error",
        ),
        (
            Ok(vec!["__session=not-a-jwt; Path=/".to_owned()]),
            "session-token-expired-refresh-invalid-session-token",
        ),
        (
            Ok(vec!["__client_uat=1; Path=/".to_owned()]),
            "session-token-expired-refresh-invalid-session-token",
        ),
    ];
    for (answer, expected) in cases {
        let auth = authenticator(InstanceType::Production);
        let backend = Scripted::default();
        *backend.refresh.borrow_mut() = Some(answer);
        let outcome = run(&auth, &backend, &expired_with_refresh(), "", now);
        assert_eq!(outcome.status(), RequestStatus::SignedOut, "{expected}");
        assert_eq!(reason(&outcome), Some(expected));
        assert_eq!(
            outcome.set_cookies().count(),
            0,
            "{expected}: no cookies on a failure"
        );
    }
    // No `sid` in the expired token: Clerk never calls the Backend API.
    let auth = authenticator(InstanceType::Production);
    let mut payload = session_payload(IAT);
    payload.as_object_mut().unwrap().remove("sid");
    let no_sid = Signer::contract().sign(&session_header(), &payload);
    let suffix = PublishableKey::from_host("happy-hippo-42.clerk.accounts.dev", InstanceType::Production)
        .cookie_suffix();
    let backend = Scripted::default();
    let cookie = format!("__session={no_sid}; __client_uat=1; __refresh_{suffix}=rt_1");
    let outcome = run(&auth, &backend, &cookie, "", now);
    assert_eq!(
        reason(&outcome),
        Some("session-token-expired-refresh-expired-session-token-missing-sid-claim")
    );
    assert_eq!(backend.calls.get(), 0);
}

#[test]
fn without_a_backend_a_refresh_reports_missing_api_client() {
    let auth = authenticator(InstanceType::Production);
    let parts_cookie = expired_with_refresh();
    let origin = RequestOrigin {
        scheme: "http",
        host: "localhost:3000",
    };
    let parts = RequestParts::new(
        "GET",
        &NoHeaders,
        Cookies::parse(&parts_cookie),
        "",
        origin,
        at(IAT + 600),
    );
    let keys = StaticKey(pem_key());
    let outcome = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap()
        .block_on(auth.authenticate(&parts, &keys));
    assert_eq!(
        reason(&outcome),
        Some("session-token-expired-refresh-missing-api-client")
    );
}

#[test]
fn a_nonce_without_cookies_is_signed_out_session_token_missing() {
    let auth = authenticator(InstanceType::Production);
    let backend = Scripted::default();
    *backend.payload.borrow_mut() = Some(Ok(vec!["__client_uat=0; Path=/".to_owned()]));
    let outcome = run(&auth, &backend, "", "__clerk_handshake_nonce=n_1", at(IAT + 10));
    assert_eq!(outcome.status(), RequestStatus::SignedOut);
    assert_eq!(reason(&outcome), Some("session-token-missing"));
    let headers: Vec<(&str, &str)> = outcome.response_headers().collect();
    assert!(headers.contains(&("access-control-allow-origin", "null")));
    assert!(headers.contains(&("set-cookie", "__client_uat=0; Path=/")));
    assert_eq!(outcome.location(), None, "production: no redirect");
}

#[test]
fn development_retries_a_skewed_handshake_session_within_24_hours_only() {
    let auth = authenticator(InstanceType::Development);
    // Issued at IAT (valid 60 s): judged one hour later it is expired, within 24 h of skew.
    let backend = Scripted::default();
    *backend.payload.borrow_mut() = Some(Ok(vec![format!("__session={}; Path=/", token_at(IAT))]));
    let outcome = run(
        &auth,
        &backend,
        "__clerk_db_jwt=dvb_1",
        "__clerk_handshake_nonce=n_1",
        at(IAT + 3600),
    );
    assert_eq!(
        outcome.status(),
        RequestStatus::SignedIn,
        "the 24-hour retry signs in"
    );
    assert_eq!(outcome.location(), Some("http://localhost:3000/page"));

    // Two days later the retry fails too: the request carries on with its own cookies.
    let backend = Scripted::default();
    *backend.payload.borrow_mut() = Some(Ok(vec![format!("__session={}; Path=/", token_at(IAT))]));
    let outcome = run(
        &auth,
        &backend,
        "__clerk_db_jwt=dvb_1",
        "__clerk_handshake_nonce=n_1",
        at(IAT + 2 * 86_400),
    );
    assert_eq!(outcome.status(), RequestStatus::SignedOut);
    assert_eq!(reason(&outcome), Some("session-token-and-uat-missing"));
}

#[test]
fn the_directives_a_backend_hands_over_are_bounded() {
    let auth = authenticator(InstanceType::Production);
    let fresh = token_at(IAT + 10);
    let mut directives: Vec<String> = (0..40).map(|n| format!("junk_{n}=x; Path=/")).collect();
    directives.push(format!("big={}; Path=/", "y".repeat(10_000)));
    directives.insert(0, format!("__session={fresh}; Path=/"));
    let backend = Scripted::default();
    *backend.payload.borrow_mut() = Some(Ok(directives));
    let outcome = run(&auth, &backend, "", "__clerk_handshake_nonce=n_1", at(IAT + 10));
    assert_eq!(outcome.status(), RequestStatus::SignedIn);
    let cookies: Vec<&str> = outcome.set_cookies().collect();
    assert!(cookies.len() <= 16, "{} cookies", cookies.len());
    assert!(cookies.iter().all(|c| c.len() <= 4096));
    assert!(cookies[0].starts_with("__session="));
}
