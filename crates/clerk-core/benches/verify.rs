//! `cargo bench -p clerk-core --bench verify`: our full session-token verification against a raw
//! `jsonwebtoken` RS256 decode of the same token and against the bare aws-lc-rs RSA check of its
//! signing input (`verify/rsa_limit`, the floor), in the same run; Clerk's request-level
//! authentication of a realistic browser request (`authenticate_request/*`); `has()` and fpm;
//! machine JWTs (`machine/*`): an M2M JWT's networkless verification beside a session token's,
//! routing, and what the session flow pays for an M2M JWT header with and without its memory.
//!
//! Timings on a shared machine are noisy; instruction counts are not. With `COUNT_CASE=<bench
//! name>` and `COUNT_ITERS=<n>` the binary runs only that case's body `n` times and exits, so
//! `valgrind --tool=callgrind` of `n = 1000` minus `n = 0` is the instructions of 1000 calls
//! (BENCHMARKS.md shows the loop for the cases it reports).

use std::hint::black_box;
use std::sync::Arc;
use std::time::{Duration, UNIX_EPOCH};

use clerk_core::machine::{AcceptsToken, MachineJwtVerifier, Route};
use clerk_core::request::{Cookies, HeaderLookup, RequestAuthenticator, RequestOrigin, RequestParts};
use clerk_core::{
    auth::decode_org_permissions, auth::AuthOptions, jwk::JwkSet, token::DecodedToken, verify::StaticKey,
    Auth, Check, InstanceType, JwtVerifier, PublishableKey,
};
use criterion::{criterion_group, criterion_main, Criterion};

const TOKEN_FILE: &str = include_str!("../tests/fixtures/session_token.v2.active_org.json");
const JWKS: &str = include_str!("../tests/fixtures/jwks.response.json");
const PUBLIC_PEM: &str = include_str!("../tests/fixtures/test_signing_key.public.pem");
const PRIVATE_PEM: &str = include_str!("../tests/fixtures/test_signing_key.private.pem");

fn token() -> String {
    let file: serde_json::Value = serde_json::from_str(TOKEN_FILE).unwrap();
    file["jwt"].as_str().unwrap().to_owned()
}

/// In counting mode (`COUNT_CASE` names this case), runs `body` `COUNT_ITERS` times and exits.
fn count_mode<O>(name: &str, mut body: impl FnMut() -> O) {
    if std::env::var("COUNT_CASE").ok().as_deref() != Some(name) {
        return;
    }
    let iters: u64 = std::env::var("COUNT_ITERS")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(0);
    for _ in 0..iters {
        black_box(body());
    }
    std::process::exit(0);
}

fn verify(c: &mut Criterion) {
    let token = token();
    let set = JwkSet::parse(JWKS.as_bytes()).unwrap();
    let keys = StaticKey(Arc::clone(set.get("ins_2zeTestInstanceKid000000000").unwrap()));
    let verifier = JwtVerifier::new()
        .issuer("https://happy-hippo-42.clerk.accounts.dev")
        .authorized_parties(["http://localhost:3000"]);
    let now = UNIX_EPOCH + Duration::from_secs(1_755_000_030);
    let runtime = tokio::runtime::Builder::new_current_thread().build().unwrap();

    let full = || {
        let claims = runtime
            .block_on(verifier.verify(black_box(&token), &keys, now))
            .unwrap();
        Auth::from_claims(claims, AuthOptions::default())
    };
    count_mode("verify/clerk_core_full", full);
    let mut group = c.benchmark_group("verify");
    group.bench_function("clerk_core_full", |b| b.iter(full));
    // The sync core alone (what a verified-token cache miss costs without the async shell).
    group.bench_function("clerk_core_sync", |b| {
        b.iter(|| {
            let decoded = verifier.decode(black_box(&token)).unwrap();
            black_box(verifier.verify_decoded(decoded, &keys.0, now).unwrap())
        })
    });
    // The floor: the same signature check with a pre-parsed aws-lc-rs key and nothing else.
    let spki: String = PUBLIC_PEM.lines().filter(|l| !l.starts_with("-----")).collect();
    let spki = base64::Engine::decode(&base64::engine::general_purpose::STANDARD, spki).unwrap();
    let rsa =
        aws_lc_rs::signature::ParsedPublicKey::new(&aws_lc_rs::signature::RSA_PKCS1_2048_8192_SHA256, spki)
            .unwrap();
    let decoded = DecodedToken::decode(&token, 8192).unwrap();
    let (input, signature) = (decoded.signing_input().to_vec(), decoded.signature().to_vec());
    assert!(rsa.verify_sig(&input, &signature).is_ok());
    let rsa_limit = || rsa.verify_sig(black_box(&input), black_box(&signature)).is_ok();
    count_mode("verify/rsa_limit", rsa_limit);
    group.bench_function("rsa_limit", |b| b.iter(rsa_limit));
    let raw_key = jsonwebtoken::DecodingKey::from_rsa_pem(PUBLIC_PEM.as_bytes()).unwrap();
    let mut validation = jsonwebtoken::Validation::new(jsonwebtoken::Algorithm::RS256);
    validation.validate_exp = false;
    validation.required_spec_claims.clear();
    group.bench_function("jsonwebtoken_raw", |b| {
        b.iter(|| {
            black_box(
                jsonwebtoken::decode::<serde_json::Value>(black_box(&token), &raw_key, &validation).unwrap(),
            )
        })
    });
    group.finish();

    let claims = runtime.block_on(verifier.verify(&token, &keys, now)).unwrap();
    let auth = Auth::from_claims(claims, AuthOptions::default());
    c.bench_function("has/permission_and_role", |b| {
        b.iter(|| {
            black_box(auth.has(black_box(
                &Check::new().role("admin").permission("dashboard:read"),
            )))
        })
    });
    c.bench_function("fpm/decode_3_features", |b| {
        b.iter(|| {
            black_box(decode_org_permissions(
                black_box(Some("o:dashboard,o:teams,u:beta")),
                Some("manage,read"),
                Some("3,2"),
            ))
        })
    });
}

/// A browser's headers: what `authenticate_request` reads of them.
struct BrowserHeaders(Vec<(&'static str, String)>);

impl HeaderLookup for BrowserHeaders {
    fn header(&self, name: &str) -> Option<&[u8]> {
        self.0.iter().find(|(n, _)| *n == name).map(|(_, v)| v.as_bytes())
    }
}

/// A realistic cookie request of a browser on a development instance: ten cookies (analytics,
/// preferences, Clerk's suffixed and unsuffixed ones), a referer, `sec-fetch-dest: empty`.
fn browser_request(c: &mut Criterion) {
    let token = token();
    let set = JwkSet::parse(JWKS.as_bytes()).unwrap();
    let keys = StaticKey(Arc::clone(set.get("ins_2zeTestInstanceKid000000000").unwrap()));
    let key = PublishableKey::from_host("happy-hippo-42.clerk.accounts.dev", InstanceType::Development);
    let suffix = key.cookie_suffix();
    let cookie = format!(
        "_ga=GA1.1.1234567890.1755000000; theme=dark; locale=en-GB; _gid=GA1.1.987654321.1755000000; \
         __client_uat=1755000000; __client_uat_{suffix}=1755000000; __session={token}; \
         __session_{suffix}={token}; __clerk_db_jwt=dvb_2zTestDevBrowser; __clerk_db_jwt_{suffix}=dvb_2zTestDevBrowser"
    );
    let headers = BrowserHeaders(vec![
        ("cookie", cookie.clone()),
        ("referer", "http://localhost:3000/dashboard".to_owned()),
        ("sec-fetch-dest", "empty".to_owned()),
        ("accept", "application/json".to_owned()),
        ("host", "localhost:3000".to_owned()),
    ]);
    let origin = RequestOrigin {
        scheme: "http",
        host: "localhost:3000",
    };
    let now = UNIX_EPOCH + Duration::from_secs(1_755_000_030);
    let runtime = tokio::runtime::Builder::new_current_thread().build().unwrap();
    let verifier = || {
        JwtVerifier::new()
            .issuer("https://happy-hippo-42.clerk.accounts.dev")
            .authorized_parties(["http://localhost:3000"])
    };
    let uncached = RequestAuthenticator::new(verifier()).publishable_key(Some(key.clone()));
    let cached = RequestAuthenticator::new(verifier())
        .publishable_key(Some(key))
        .token_cache_capacity(64);

    let mut group = c.benchmark_group("authenticate_request");
    for (name, authenticator) in [
        ("browser_cookie_nocache", &uncached),
        ("browser_cookie_cached", &cached),
    ] {
        let request = || {
            let parts = RequestParts::new(
                "GET",
                &headers,
                Cookies::parse(black_box(&cookie)),
                "",
                origin,
                now,
            );
            let outcome = runtime.block_on(authenticator.authenticate(&parts, &keys));
            assert!(outcome.auth().is_authenticated());
            outcome
        };
        count_mode(&format!("authenticate_request/{name}"), request);
        group.bench_function(name, |b| b.iter(request));
    }
    // The same session token as `Authorization: Bearer` (an API client), token cache off: with
    // `browser_cookie_nocache`, what an uncached request costs beside `verify/rsa_limit`.
    let bearer = BrowserHeaders(vec![
        ("authorization", format!("Bearer {token}")),
        ("accept", "application/json".to_owned()),
        ("host", "localhost:3000".to_owned()),
    ]);
    let bearer_request = || {
        let parts = RequestParts::new("GET", black_box(&bearer), Cookies::empty(), "", origin, now);
        let outcome = runtime.block_on(uncached.authenticate(&parts, &keys));
        assert!(outcome.auth().is_authenticated());
        outcome
    };
    count_mode("authenticate_request/bearer_nocache", bearer_request);
    group.bench_function("bearer_nocache", |b| b.iter(bearer_request));
    group.finish();
}

/// An M2M JWT as Clerk issues them (`cat` header, `mch_` subject), signed with the test key.
fn m2m_jwt(kid: &str, now_secs: u64) -> String {
    let mut header = jsonwebtoken::Header::new(jsonwebtoken::Algorithm::RS256);
    header.kid = Some(kid.to_owned());
    let mut header = serde_json::to_value(header).unwrap();
    header["cat"] = "cl_B7d4PD333AAA".into();
    let claims = serde_json::json!({
        "sub": "mch_2zTestSenderMachine0000000",
        "jti": "mt_0123456789abcdef0123456789abcdef",
        "iat": now_secs,
        "nbf": now_secs,
        "exp": now_secs + 3600,
        "scopes": "mch_2zTestReceiverMachine00000 mch_2zTestOtherMachine000000000",
    });
    let b64 = |value: &serde_json::Value| {
        base64::Engine::encode(
            &base64::engine::general_purpose::URL_SAFE_NO_PAD,
            serde_json::to_vec(value).unwrap(),
        )
    };
    let input = format!("{}.{}", b64(&header), b64(&claims));
    let key = jsonwebtoken::EncodingKey::from_rsa_pem(PRIVATE_PEM.as_bytes()).unwrap();
    let signature =
        jsonwebtoken::crypto::sign(input.as_bytes(), &key, jsonwebtoken::Algorithm::RS256).unwrap();
    format!("{input}.{signature}")
}

/// Machine JWTs: verification (what a cache miss costs), routing, and the session flow's answer
/// (`token-type-mismatch`) to an M2M JWT header, remembered or decoded every time.
fn machine(c: &mut Criterion) {
    let kid = "ins_2zeTestInstanceKid000000000";
    let set = JwkSet::parse(JWKS.as_bytes()).unwrap();
    let keys = StaticKey(Arc::clone(set.get(kid).unwrap()));
    let now_secs = 1_755_000_030;
    let now = UNIX_EPOCH + Duration::from_secs(now_secs);
    let token = m2m_jwt(kid, now_secs);
    let runtime = tokio::runtime::Builder::new_current_thread().build().unwrap();
    let verifier = MachineJwtVerifier::new();
    assert!(runtime.block_on(verifier.verify(&token, &keys, now)).is_ok());

    let mut group = c.benchmark_group("machine");
    group.bench_function("m2m_jwt_verify", |b| {
        b.iter(|| {
            black_box(
                runtime
                    .block_on(verifier.verify(black_box(&token), &keys, now))
                    .unwrap(),
            )
        })
    });
    group.bench_function("route_any", |b| {
        b.iter(|| {
            let route = AcceptsToken::Any.route(Some(black_box(&token)));
            assert!(matches!(route, Route::Machine { .. }));
            black_box(route);
        })
    });
    let header = format!("Bearer {token}");
    let headers = BrowserHeaders(vec![("authorization", header)]);
    let origin = RequestOrigin {
        scheme: "http",
        host: "localhost:3000",
    };
    let session = || JwtVerifier::new().issuer("https://happy-hippo-42.clerk.accounts.dev");
    let forgetful = RequestAuthenticator::new(session());
    let remembering = RequestAuthenticator::new(session()).token_cache_capacity(64);
    for (name, authenticator) in [
        ("session_flow_mismatch_decoded", &forgetful),
        ("session_flow_mismatch_remembered", &remembering),
    ] {
        group.bench_function(name, |b| {
            b.iter(|| {
                let parts = RequestParts::new("GET", &headers, Cookies::empty(), "", origin, now);
                let outcome = runtime.block_on(authenticator.authenticate(&parts, &keys));
                assert!(!outcome.auth().is_authenticated());
                black_box(outcome)
            })
        });
    }
    group.finish();
}

criterion_group!(benches, verify, browser_request, machine);
criterion_main!(benches);
