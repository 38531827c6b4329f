//! The framework-free request authenticator: token sources, cookie rules, reasons as enums, the
//! verified-token cache and the headers an outcome asks the response to carry.

mod common;

use std::time::SystemTime;

use clerk_core::request::{
    Cookies, HeaderLookup, RefreshFailure, RequestAuthenticator, RequestOrigin, RequestParts, RequestReason,
    RequestStatus, TokenCheck,
};
use clerk_core::{
    auth::AuthOptions, error::TokenCarrier, verify::StaticKey, InstanceType, JwtVerifier, PublishableKey,
    Reason,
};
use common::{at, pem_key, session_header, session_payload, Signer, IAT, ISSUER};
use serde_json::json;

struct Headers(Vec<(&'static str, String)>);

impl HeaderLookup for Headers {
    fn header(&self, name: &str) -> Option<&[u8]> {
        self.0.iter().find(|(n, _)| *n == name).map(|(_, v)| v.as_bytes())
    }
}

fn dev_key() -> PublishableKey {
    PublishableKey::from_host("happy-hippo-42.clerk.accounts.dev", InstanceType::Development)
}

fn authenticator() -> RequestAuthenticator {
    RequestAuthenticator::new(JwtVerifier::new().issuer(ISSUER))
        .publishable_key(Some(dev_key()))
        .token_cache_capacity(16)
}

const ORIGIN: RequestOrigin<'static> = RequestOrigin {
    scheme: "http",
    host: "localhost:3000",
};

fn run(
    auth: &RequestAuthenticator,
    method: &str,
    headers: &Headers,
    cookie: &str,
    query: &str,
    now: SystemTime,
) -> clerk_core::request::RequestOutcome {
    let parts = RequestParts::new(method, headers, Cookies::parse(cookie), query, ORIGIN, now);
    let keys = StaticKey(pem_key());
    tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap()
        .block_on(auth.authenticate(&parts, &keys))
}

fn token(payload: serde_json::Value) -> String {
    Signer::contract().sign(&session_header(), &payload)
}

fn reason(outcome: &clerk_core::request::RequestOutcome) -> Option<&str> {
    outcome.reason().map(RequestReason::as_str)
}

#[test]
fn the_header_wins_and_signs_in() {
    let auth = authenticator();
    let good = token(session_payload(IAT));
    let headers = Headers(vec![("authorization", format!("Bearer {good}"))]);
    let outcome = run(&auth, "GET", &headers, "", "", at(IAT + 5));
    assert_eq!(outcome.status(), RequestStatus::SignedIn);
    assert_eq!(outcome.carrier(), Some(TokenCarrier::Header));
    assert_eq!(outcome.token().map(|t| t.expose()), Some(good.as_str()));
    assert_eq!(outcome.auth().user_id(), Some("user_2zXmpL3UsrAbCdEfGhIjKlMnOpQ"));
    assert_eq!(
        outcome.response_headers().count(),
        0,
        "signed-in carries no debug headers"
    );

    // An invalid header token loses even with a valid cookie: Clerk's precedence.
    let headers = Headers(vec![("authorization", "Bearer abc".to_owned())]);
    let cookie = format!("__session={good}; __client_uat={IAT}; __clerk_db_jwt=db");
    let outcome = run(&auth, "GET", &headers, &cookie, "", at(IAT + 5));
    assert_eq!(
        outcome.reason(),
        Some(&RequestReason::Token(Reason::TokenInvalid))
    );
    let headers: Vec<_> = outcome.response_headers().collect();
    assert_eq!(headers[0], ("x-clerk-auth-status", "signed-out"));
    assert_eq!(headers[1], ("x-clerk-auth-reason", "token-invalid"));
    assert_eq!(headers[2].0, "x-clerk-auth-message");
}

#[test]
fn time_faults_become_request_reasons() {
    let auth = authenticator();
    let expired = token(session_payload(IAT));
    let headers = Headers(vec![("authorization", format!("Bearer {expired}"))]);
    let outcome = run(&auth, "POST", &headers, "", "", at(IAT + 600));
    assert_eq!(
        outcome.reason(),
        Some(&RequestReason::SessionTokenExpired(
            RefreshFailure::NonEligibleNonGet
        ))
    );
    let outcome = run(&auth, "GET", &headers, "", "", at(IAT + 600));
    assert_eq!(
        reason(&outcome),
        Some("session-token-expired-refresh-non-eligible-no-refresh-cookie")
    );
    assert!(outcome
        .message()
        .is_some_and(|m| m.starts_with("JWT is expired.")
            && m.ends_with("(reason=token-expired, token-carrier=header)")));
    let outcome = run(&auth, "GET", &headers, "", "", at(IAT - 600));
    assert_eq!(reason(&outcome), Some("session-token-nbf"));
}

#[test]
fn cookie_rules_follow_clerk() {
    let auth = authenticator();
    let good = token(session_payload(IAT));
    let none = Headers(Vec::new());
    let now = at(IAT + 5);
    let cases = [
        ("", "dev-browser-missing"),
        ("__clerk_db_jwt=db", "session-token-and-uat-missing"),
        (
            "__clerk_db_jwt=db; __client_uat=5",
            "client-uat-but-no-session-token",
        ),
        (
            "__clerk_db_jwt=db; __client_uat=0; __session=x",
            "session-token-but-no-client-uat",
        ),
    ];
    for (cookie, expected) in cases {
        let outcome = run(&auth, "GET", &none, cookie, "", now);
        assert_eq!(reason(&outcome), Some(expected), "{cookie}");
        assert_eq!(outcome.message(), None);
    }
    let older = format!("__clerk_db_jwt=db; __client_uat={}; __session={good}", IAT + 1);
    let outcome = run(&auth, "GET", &none, &older, "", now);
    assert_eq!(reason(&outcome), Some("session-token-iat-before-client-uat"));
    let fine = format!("__clerk_db_jwt=db; __client_uat={IAT}; __session={good}");
    let outcome = run(&auth, "GET", &none, &fine, "", now);
    assert_eq!(outcome.status(), RequestStatus::SignedIn);
    assert_eq!(outcome.carrier(), Some(TokenCarrier::Cookie));
    let outcome = run(&auth, "GET", &none, &fine, "__clerk_db_jwt=x", now);
    assert_eq!(reason(&outcome), Some("dev-browser-sync"));
}

#[test]
fn a_document_request_from_another_origin_needs_a_sync_unless_clerk_sent_it() {
    let auth = authenticator();
    let good = token(session_payload(IAT));
    let cookie = format!("__clerk_db_jwt=db; __client_uat={IAT}; __session={good}");
    let document = |referer: &str| {
        Headers(vec![
            ("sec-fetch-dest", "document".to_owned()),
            ("referer", referer.to_owned()),
        ])
    };
    let now = at(IAT + 5);
    let outcome = run(
        &auth,
        "GET",
        &document("https://evil.example.org/x"),
        &cookie,
        "",
        now,
    );
    assert_eq!(
        outcome.reason(),
        Some(&RequestReason::PrimaryDomainCrossOriginSync)
    );
    for referer in [
        "http://localhost:3000/page",
        "https://happy-hippo-42.accounts.dev/sign-in",
        "https://happy-hippo-42.clerk.accounts.dev/v1/client",
    ] {
        let outcome = run(&auth, "GET", &document(referer), &cookie, "", now);
        assert_eq!(outcome.status(), RequestStatus::SignedIn, "{referer}");
    }
}

#[test]
fn suffixed_cookies_win_when_the_plain_session_is_another_instances() {
    let auth = authenticator();
    let suffix = dev_key().cookie_suffix();
    let mine = token(session_payload(IAT));
    let mut foreign = session_payload(IAT);
    foreign["iss"] = json!("https://other-app-1.clerk.accounts.dev");
    let foreign = token(foreign);
    let cookie = format!(
        "__clerk_db_jwt=db; __client_uat={IAT}; __session={foreign}; \
         __client_uat_{suffix}={IAT}; __session_{suffix}={mine}; __clerk_db_jwt_{suffix}=db"
    );
    let outcome = run(&auth, "GET", &Headers(Vec::new()), &cookie, "", at(IAT + 5));
    assert_eq!(outcome.status(), RequestStatus::SignedIn);
    assert_eq!(outcome.token().map(|t| t.expose()), Some(mine.as_str()));
}

#[test]
fn a_reused_token_is_verified_once_and_still_expires() {
    let auth = authenticator();
    let good = token(session_payload(IAT));
    let headers = Headers(vec![("authorization", format!("Bearer {good}"))]);
    assert_eq!(
        run(&auth, "GET", &headers, "", "", at(IAT + 5)).status(),
        RequestStatus::SignedIn
    );
    assert_eq!(auth.cached_tokens(), 1);
    assert_eq!(
        run(&auth, "GET", &headers, "", "", at(IAT + 6)).status(),
        RequestStatus::SignedIn
    );
    let outcome = run(&auth, "GET", &headers, "", "", at(IAT + 600));
    assert_eq!(
        reason(&outcome),
        Some("session-token-expired-refresh-non-eligible-no-refresh-cookie")
    );
    assert_eq!(auth.cached_tokens(), 0, "an expired token leaves the cache");
}

#[test]
fn a_pending_session_is_signed_in_at_the_request_level_and_exposes_no_token() {
    let auth = RequestAuthenticator::new(JwtVerifier::new().issuer(ISSUER))
        .publishable_key(Some(dev_key()))
        .auth_options(AuthOptions::default());
    let mut payload = session_payload(IAT);
    payload["sts"] = json!("pending");
    let pending = token(payload);
    let headers = Headers(vec![("authorization", format!("Bearer {pending}"))]);
    let outcome = run(&auth, "GET", &headers, "", "", at(IAT + 5));
    assert_eq!(outcome.status(), RequestStatus::SignedIn);
    assert!(!outcome.auth().is_authenticated());
    assert!(outcome.token().is_none());

    // Signed in: the token is there for handlers, never in `Debug` (payload nor signature).
    let good = token(session_payload(IAT));
    let headers = Headers(vec![("authorization", format!("Bearer {good}"))]);
    let outcome = run(&auth, "GET", &headers, "", "", at(IAT + 5));
    assert_eq!(outcome.token().map(|t| t.expose()), Some(good.as_str()));
    let printed = format!("{outcome:?}");
    for part in good.split('.').skip(1) {
        assert!(!printed.contains(part), "{printed}");
    }
    assert!(
        printed.contains(&format!("Token(…len {})", good.len())),
        "{printed}"
    );
    let cookies = format!("__session={good}; theme=dark");
    let printed = format!("{:?}", Cookies::parse(&cookies));
    assert_eq!(printed, r#"["__session", "theme"]"#);
}

#[test]
fn an_unreadable_authorization_header_is_token_invalid() {
    struct Binary;
    impl HeaderLookup for Binary {
        fn header(&self, name: &str) -> Option<&[u8]> {
            (name == "authorization").then_some(&b"Bearer \xff\xfe"[..])
        }
    }
    let auth = authenticator();
    let parts = RequestParts::new("GET", &Binary, Cookies::empty(), "", ORIGIN, at(IAT));
    let keys = StaticKey(pem_key());
    let outcome = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap()
        .block_on(auth.authenticate(&parts, &keys));
    assert_eq!(
        outcome.reason(),
        Some(&RequestReason::Token(Reason::TokenInvalid))
    );
}

#[test]
fn the_trusted_proxy_rule_decides_the_origin() {
    let headers = Headers(vec![
        ("host", "internal:8080".to_owned()),
        ("x-forwarded-proto", "https, http".to_owned()),
        ("x-forwarded-host", "app.example.com".to_owned()),
    ]);
    let proxy = "10.0.0.1".parse().unwrap();
    let trusted = RequestOrigin::resolve(&headers, Some(proxy), &[proxy], "http", "fallback");
    assert_eq!(trusted.serialize(), "https://app.example.com");
    let untrusted = RequestOrigin::resolve(&headers, Some(proxy), &[], "http", "fallback");
    assert_eq!(untrusted.serialize(), "http://internal:8080");
    let empty = Headers(Vec::new());
    let bare = RequestOrigin::resolve(&empty, None, &[], "https", "fallback");
    assert_eq!(bare.serialize(), "https://fallback");
}

/// Without a publishable key the instance type comes from the configuration (e.g. the secret
/// key's prefix); the development-instance rules apply only to development instances.
#[test]
fn the_instance_type_decides_the_dev_browser_rule_without_a_publishable_key() {
    let none = Headers(Vec::new());
    let production = RequestAuthenticator::new(JwtVerifier::new());
    let outcome = run(&production, "GET", &none, "", "", at(IAT));
    assert_eq!(reason(&outcome), Some("session-token-and-uat-missing"));
    let development = RequestAuthenticator::new(JwtVerifier::new()).instance_type(InstanceType::Development);
    let outcome = run(&development, "GET", &none, "", "", at(IAT));
    assert_eq!(reason(&outcome), Some("dev-browser-missing"));
}

#[test]
fn a_token_seen_again_is_reported_as_cached() {
    let auth = authenticator();
    let good = token(session_payload(IAT));
    let headers = Headers(vec![("authorization", format!("Bearer {good}"))]);
    let check = |outcome: &clerk_core::request::RequestOutcome| outcome.token().map(|t| t.check());

    let first = run(&auth, "GET", &headers, "", "", at(IAT + 5));
    let second = run(&auth, "GET", &headers, "", "", at(IAT + 6));

    assert_eq!(check(&first), Some(TokenCheck::Verified));
    assert_eq!(check(&second), Some(TokenCheck::Cached));
    assert_eq!(TokenCheck::Cached.as_str(), "cached");
    // Without a cache every request verifies.
    let uncached =
        RequestAuthenticator::new(JwtVerifier::new().issuer(ISSUER)).publishable_key(Some(dev_key()));
    run(&uncached, "GET", &headers, "", "", at(IAT + 5));
    let again = run(&uncached, "GET", &headers, "", "", at(IAT + 6));
    assert_eq!(check(&again), Some(TokenCheck::Verified));
}
