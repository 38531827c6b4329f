//! clerk-core's request authenticator on hostile requests: the Authorization header, `Cookie`
//! headers, the query string, `Referer` and `Host`, a handshake nonce, a satellite sync's
//! `__clerk_redirect_url` and the cookie directives a scripted Backend API hands over for a nonce,
//! with the contract PEM key (networkless) and a fixed clock. No web framework in the loop: the
//! input becomes [`RequestParts`] directly. It must never panic, and the outcome must be coherent:
//! a redirect never leaves for an origin the configuration does not know, and a nonce that cannot
//! be one costs no Backend API call.
//!
//! Input: a flags byte, then `\n`-separated parts in the order of the `PART_*` indexes below
//! (Authorization, Cookie, query string, Referer, a second Cookie header, Host, nonce, redirect
//! URL, directives separated by `|`). An empty part leaves the input out. A new input is one more
//! index and one line where the request is built.
#![no_main]

use std::cell::RefCell;
use std::collections::HashMap;
use std::future::Future;
use std::pin::pin;
use std::sync::Arc;
use std::task::{Context, Poll, Waker};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use std::cell::Cell;

use clerk_core::request::{
    AppOrigins, BackendError, Cookies, HeaderLookup, RefreshRequest, RequestAuthenticator, RequestOrigin,
    RequestParts, RequestStatus, SessionBackend,
};
use clerk_core::{auth::AuthOptions, InstanceType, PublishableKey, SessionVerifier, verify::StaticKey, jwk::VerifyingKey};
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
/// The flags that change the authenticator (the others shape the request).
const CONFIG_FLAGS: u8 =
    PRODUCTION | NO_COOKIE_AUTH | AUTHORIZED_PARTIES | TOKEN_CACHE | PENDING_SIGNED_IN | NO_PUBLISHABLE_KEY;

fn build(flags: u8) -> Arc<RequestAuthenticator> {
    let instance = if flags & PRODUCTION != 0 {
        InstanceType::Production
    } else {
        InstanceType::Development
    };
    let publishable = (flags & NO_PUBLISHABLE_KEY == 0).then(|| PublishableKey::from_host(HOST, instance));
    let mut verifier = SessionVerifier::new();
    if let Some(key) = &publishable {
        verifier = verifier.issuer(key.issuer());
    }
    if flags & AUTHORIZED_PARTIES != 0 {
        verifier = verifier.authorized_parties(["http://localhost:3000".to_owned()]);
    }
    Arc::new(
        RequestAuthenticator::new(verifier)
            .instance_type(instance)
            .publishable_key(publishable)
            .cookie_auth(flags & NO_COOKIE_AUTH == 0)
            .auth_options(AuthOptions {
                treat_pending_as_signed_out: flags & PENDING_SIGNED_IN == 0,
            })
            // Off by default so that runs are reproducible; one flag turns a tiny cache on.
            .token_cache_capacity(if flags & TOKEN_CACHE != 0 { 2 } else { 0 })
            .app_origins(if flags & AUTHORIZED_PARTIES != 0 {
                AppOrigins::new([APP_ORIGIN], [SATELLITE_ORIGIN])
            } else {
                AppOrigins::default()
            }),
    )
}

const APP_ORIGIN: &str = "http://localhost:3000";
const SATELLITE_ORIGIN: &str = "https://satellite.example.org";

/// Whether a satellite sync may have sent the browser to `location` under `flags`.
fn known_redirect(location: &str, flags: u8) -> bool {
    let Ok(url) = url::Url::parse(location) else {
        return false;
    };
    let origin = url.origin().ascii_serialization();
    if flags & AUTHORIZED_PARTIES != 0 {
        return origin == APP_ORIGIN || origin == SATELLITE_ORIGIN;
    }
    let loopback = match url.host() {
        Some(url::Host::Domain(domain)) => domain == "localhost",
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        None => false,
    };
    flags & PRODUCTION == 0 && loopback
}

/// A client address of the input's own (FNV-1a of its bytes): the guard's per-client state
/// carried from earlier inputs cannot decide this one's lookups, so a crash reproduces alone.
fn client_of(data: &[u8]) -> std::net::IpAddr {
    let hash = data
        .iter()
        .fold(0x811c_9dc5_u32, |h, b| (h ^ u32::from(*b)).wrapping_mul(0x0100_0193));
    std::net::IpAddr::from(hash.to_be_bytes())
}

/// A Backend API whose handshake payload is the input's directives for a nonce ending in `0`,
/// "not found" for one ending in `1`, and unreachable otherwise; refreshes fail. Counts calls.
struct Scripted {
    directives: Vec<String>,
    calls: Cell<u32>,
}

impl SessionBackend for Scripted {
    async fn handshake_payload(&self, nonce: &str) -> Result<Vec<String>, BackendError> {
        self.calls.set(self.calls.get() + 1);
        match nonce.bytes().last() {
            Some(b'0') => Ok(self.directives.clone()),
            Some(b'1') => Err(BackendError::Code("resource_not_found".to_owned())),
            _ => Err(BackendError::Unexpected),
        }
    }

    async fn refresh_session(&self, _sid: &str, _request: &RefreshRequest<'_>) -> Result<Vec<String>, BackendError> {
        self.calls.set(self.calls.get() + 1);
        Err(BackendError::Unexpected)
    }
}

thread_local! {
    static KEY: StaticKey = StaticKey(Arc::new(VerifyingKey::from_pem(PUBLIC_PEM).expect("contract PEM")));
    static AUTHENTICATORS: RefCell<HashMap<u8, Arc<RequestAuthenticator>>> = RefCell::new(HashMap::new());
}

fn authenticator(flags: u8) -> Arc<RequestAuthenticator> {
    AUTHENTICATORS.with(|all| {
        Arc::clone(
            all.borrow_mut()
                .entry(flags & CONFIG_FLAGS)
                .or_insert_with(|| build(flags)),
        )
    })
}

/// Runs a future that never waits (a static key needs no I/O) to completion.
fn ready<T>(future: impl Future<Output = T>) -> T {
    let mut future = pin!(future);
    let mut cx = Context::from_waker(Waker::noop());
    loop {
        if let Poll::Ready(value) = future.as_mut().poll(&mut cx) {
            return value;
        }
    }
}

/// Headers as a list; the first value of a name wins, as in an HTTP header map.
struct Headers<'a>(Vec<(&'static str, &'a [u8])>);

impl HeaderLookup for Headers<'_> {
    fn header(&self, name: &str) -> Option<&[u8]> {
        self.0.iter().find(|(n, _)| *n == name).map(|(_, v)| *v)
    }
}

// Where each input sits among the `\n`-separated parts.
const PART_AUTHORIZATION: usize = 0;
const PART_COOKIE: usize = 1;
const PART_QUERY: usize = 2;
const PART_REFERER: usize = 3;
const PART_COOKIE2: usize = 4;
const PART_HOST: usize = 5;
const PART_NONCE: usize = 6;
const PART_REDIRECT_URL: usize = 7;
const PART_DIRECTIVES: usize = 8;
const PART_COUNT: usize = 9;

/// Bytes an HTTP parser passes on in a header value (no CR, LF, NUL or other controls but tab).
fn valid_header_value(value: &[u8]) -> bool {
    value.iter().all(|&b| b == b'\t' || b >= 0x20) && !value.contains(&0x7f)
}

fuzz_target!(|data: &[u8]| {
    let Some((&flags, rest)) = data.split_first() else {
        return;
    };
    let parts: Vec<&[u8]> = rest.splitn(PART_COUNT, |b| *b == b'\n').collect();
    let part = |index: usize| parts.get(index).copied().filter(|part| !part.is_empty());

    let query = match part(PART_QUERY).map(std::str::from_utf8) {
        None => "",
        Some(Ok(query)) if query.bytes().all(|b| b.is_ascii_graphic()) => query,
        // The HTTP parser would refuse a request target like that.
        Some(_) => return,
    };
    // The nonce and the redirect URL go in the query, form-encoded (any bytes).
    let mut query = query.to_owned();
    for (name, index) in [
        ("__clerk_handshake_nonce", PART_NONCE),
        ("__clerk_redirect_url", PART_REDIRECT_URL),
    ] {
        if let Some(value) = part(index) {
            let value = String::from_utf8_lossy(value);
            let pair = url::form_urlencoded::Serializer::new(String::new())
                .append_pair(name, &value)
                .finish();
            query = if query.is_empty() { pair } else { format!("{query}&{pair}") };
        }
    }
    let nonce = part(PART_NONCE).map(String::from_utf8_lossy);
    let backend = Scripted {
        directives: part(PART_DIRECTIVES)
            .map(|d| d.split(|b| *b == b'|').map(|c| String::from_utf8_lossy(c).into_owned()).collect())
            .unwrap_or_default(),
        calls: Cell::new(0),
    };
    let mut headers = Vec::new();
    for (name, value) in [
        ("authorization", part(PART_AUTHORIZATION)),
        ("referer", part(PART_REFERER)),
        ("host", part(PART_HOST)),
    ] {
        if let Some(value) = value {
            if !valid_header_value(value) {
                return;
            }
            headers.push((name, value));
        }
    }
    if flags & DOCUMENT != 0 {
        headers.push(("sec-fetch-dest", b"document".as_slice()));
    }
    // Several Cookie fields are joined with "; " (HTTP/2), as the Actix adapter joins them;
    // fields that are not text are skipped.
    let cookie_text = [part(PART_COOKIE), part(PART_COOKIE2)]
        .into_iter()
        .flatten()
        .filter(|value| valid_header_value(value))
        .filter_map(|value| std::str::from_utf8(value).ok().filter(|text| text.is_ascii()))
        .collect::<Vec<_>>()
        .join("; ");
    let headers = Headers(headers);
    let origin = RequestOrigin::resolve(&headers, None, &[], "http", "localhost:8080");
    let now: SystemTime = UNIX_EPOCH + Duration::from_secs(NOW_SECS);
    let method = if flags & POST != 0 { "POST" } else { "GET" };
    let request = RequestParts::new(method, &headers, Cookies::parse(&cookie_text), &query, origin, now)
        .with_client(Some(client_of(data)));

    let authenticator = authenticator(flags);
    let outcome = KEY.with(|key| ready(authenticator.authenticate_with(&request, key, &backend)));

    // One request makes at most one handshake-payload or refresh call; a nonce that cannot be
    // one (as the query or a cookie may carry another, this is checked only when the input's
    // nonce is the request's only one) makes none.
    assert!(backend.calls.get() <= 1, "{} Backend API calls", backend.calls.get());
    let only_nonce = part(PART_QUERY).is_none() && !cookie_text.contains("__clerk_handshake");
    if let Some(nonce) = nonce.as_deref().filter(|_| only_nonce) {
        let plausible = (1..=256).contains(&nonce.len())
            && nonce.bytes().all(|b| b.is_ascii_alphanumeric() || b"-_.~".contains(&b));
        if !plausible {
            assert_eq!(backend.calls.get(), 0, "a malformed nonce was looked up: {nonce:?}");
        }
    }
    // A satellite sync's redirect goes only to an origin the configuration knows.
    if outcome.reason().map(|r| r.as_str()) == Some("primary-responds-to-syncing") {
        if let Some(location) = outcome.location() {
            assert!(known_redirect(location, flags), "sent to {location:?} under flags {flags:#04x}");
        }
    }

    match outcome.status() {
        RequestStatus::SignedIn => {
            // A pending session is signed in for Clerk but signed out for handlers by default.
            let pending = outcome.auth().session_status() == Some(&clerk_core::SessionStatus::Pending);
            assert!(outcome.auth().is_authenticated() || pending);
            assert!(outcome.credential_present());
            // The token goes with the handlers' signed-in auth (a pending session treated as
            // signed out keeps none; one treated as signed in, with `PENDING_SIGNED_IN`, does).
            assert_eq!(outcome.token().is_some(), outcome.auth().is_authenticated());
            assert!(outcome.reason().is_none() && outcome.message().is_none());
        }
        RequestStatus::SignedOut => {
            assert!(!outcome.auth().is_authenticated());
            assert!(outcome.token().is_none());
            assert!(outcome.reason().is_some());
        }
        RequestStatus::Handshake => {
            // Only a document request is sent through the Frontend API, and no handler runs.
            assert!(flags & DOCUMENT != 0, "a handshake for a non-document request");
            assert!(!outcome.auth().is_authenticated());
            assert!(outcome.token().is_none());
            assert!(outcome.reason().is_some());
            assert!(outcome.location().is_some(), "a handshake without a Location");
        }
    }
    // A response carries the debug headers, a redirect, the handshake's CORS pair and cookies:
    // nothing else, and none of them with a line break.
    let mut status_header = None;
    for (name, value) in outcome.response_headers() {
        if name == "x-clerk-auth-status" {
            status_header = Some(value);
        }
        assert!(
            name.starts_with("x-clerk-auth-")
                || matches!(
                    name,
                    "location"
                        | "cache-control"
                        | "set-cookie"
                        | "access-control-allow-origin"
                        | "access-control-allow-credentials"
                ),
            "{name}"
        );
        assert!(!value.contains(['\r', '\n']), "{name}: {value:?}");
    }
    // Signed-out and handshake responses say so in `x-clerk-auth-status`; signed-in ones do not.
    let expected = (outcome.status() != RequestStatus::SignedIn).then(|| outcome.status().as_str());
    assert_eq!(status_header, expected);
    let _ = request.origin.serialize();
});
