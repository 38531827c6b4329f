//! `Clerk::authenticate` on hostile requests: the Authorization header, `Cookie` headers, the
//! query string, `Referer` and `Host`, under an Actix runtime, with a networkless `Clerk` (the
//! contract PEM key) and a fixed clock. It must never panic, and its state must be coherent.
//!
//! Input: a flags byte, then up to six `\n`-separated parts: Authorization, Cookie, query string,
//! Referer, a second Cookie header, Host. An empty part leaves the header out.
#![no_main]

use std::cell::RefCell;
use std::collections::HashMap;
use std::time::{Duration, UNIX_EPOCH};

use actix_web::http::header::{HeaderMap, HeaderValue};
use actix_web::http::{Method, Uri};
use actix_web::test::TestRequest;
use clerk_actix::{Clerk, ClerkConfig, RequestStatus};
use clerk_core::{InstanceType, PublishableKey};
use libfuzzer_sys::fuzz_target;

const PUBLIC_PEM: &str = include_str!("../../crates/clerk-core/tests/fixtures/test_signing_key.public.pem");
const HOST: &str = "happy-hippo-42.clerk.accounts.dev";
/// 30 s after the contract tokens' `iat`: they verify.
const NOW_SECS: u64 = 1_755_000_030;

const PRODUCTION: u8 = 1;
const POST: u8 = 1 << 1;
const DOCUMENT: u8 = 1 << 2;
const NO_COOKIE_AUTH: u8 = 1 << 3;
const AUTHORIZED_PARTIES: u8 = 1 << 4;
const TOKEN_CACHE: u8 = 1 << 5;
const PENDING_SIGNED_IN: u8 = 1 << 6;
const NO_PUBLISHABLE_KEY: u8 = 1 << 7;
/// The flags that change the `Clerk` handle (the others shape the request).
const CONFIG_FLAGS: u8 =
    PRODUCTION | NO_COOKIE_AUTH | AUTHORIZED_PARTIES | TOKEN_CACHE | PENDING_SIGNED_IN | NO_PUBLISHABLE_KEY;

fn build(flags: u8) -> Clerk {
    let instance = if flags & PRODUCTION != 0 {
        InstanceType::Production
    } else {
        InstanceType::Development
    };
    let mut config = ClerkConfig::new()
        .jwt_key_pem(PUBLIC_PEM)
        .clock(|| UNIX_EPOCH + Duration::from_secs(NOW_SECS))
        .cookie_auth(flags & NO_COOKIE_AUTH == 0)
        .treat_pending_as_signed_out(flags & PENDING_SIGNED_IN == 0)
        // Off by default so that runs are reproducible; one flag turns a tiny cache on.
        .token_cache_capacity(if flags & TOKEN_CACHE != 0 { 2 } else { 0 });
    if flags & NO_PUBLISHABLE_KEY == 0 {
        config = config.publishable_key(PublishableKey::from_host(HOST, instance).as_str());
    }
    if flags & AUTHORIZED_PARTIES != 0 {
        config = config.authorized_parties(["http://localhost:3000"]);
    }
    config.build().expect("networkless configuration")
}

thread_local! {
    static SYSTEM: actix_rt::SystemRunner = actix_rt::System::new();
    static CLERKS: RefCell<HashMap<u8, Clerk>> = RefCell::new(HashMap::new());
}

fn clerk(flags: u8) -> Clerk {
    CLERKS.with(|clerks| {
        clerks
            .borrow_mut()
            .entry(flags & CONFIG_FLAGS)
            .or_insert_with(|| build(flags))
            .clone()
    })
}

fuzz_target!(|data: &[u8]| {
    let Some((&flags, rest)) = data.split_first() else {
        return;
    };
    let mut parts = rest.splitn(6, |b| *b == b'\n');
    let mut next = || parts.next().filter(|part| !part.is_empty());
    let (authorization, cookie, query, referer, cookie2, host) =
        (next(), next(), next(), next(), next(), next());

    let mut req = TestRequest::default().method(if flags & POST != 0 {
        Method::POST
    } else {
        Method::GET
    });
    if let Some(query) = query {
        // The HTTP parser would refuse a target that is not a URI; so do we.
        let Ok(query) = std::str::from_utf8(query) else {
            return;
        };
        let uri = format!("/dashboard?{query}");
        if Uri::try_from(uri.as_str()).is_err() {
            return;
        }
        req = req.uri(&uri);
    }
    for (name, value) in [
        ("authorization", authorization),
        ("cookie", cookie),
        ("referer", referer),
        ("cookie", cookie2),
        ("host", host),
    ] {
        if let Some(value) = value {
            // Bytes no HTTP parser would pass on (CR, LF, NUL, …) cannot reach us.
            let Ok(value) = HeaderValue::from_bytes(value) else {
                return;
            };
            req = req.append_header((name, value));
        }
    }
    if flags & DOCUMENT != 0 {
        req = req.insert_header(("sec-fetch-dest", "document"));
    }
    let req = req.to_http_request();
    let clerk = clerk(flags);

    let state = SYSTEM.with(|system| system.block_on(clerk.authenticate(&req)));

    match state.status() {
        RequestStatus::SignedIn => {
            // A pending session is signed in for Clerk but signed out for handlers by default.
            let pending = state.auth().session_status() == Some(&clerk_core::SessionStatus::Pending);
            assert!(state.auth().is_authenticated() || pending);
            assert!(state.credential_present());
            assert_eq!(state.token().is_some(), !pending, "a pending session keeps no token");
            assert!(state.reason().is_none() && state.message().is_none());
        }
        RequestStatus::SignedOut => {
            assert!(!state.auth().is_authenticated());
            assert!(state.token().is_none());
            assert!(state.reason().is_some());
        }
    }
    let mut headers = HeaderMap::new();
    clerk_actix::apply_outcome_headers(&state, &mut headers);
    let _ = clerk.sign_in_redirect_url(&req, true);
});
