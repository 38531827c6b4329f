//! `cargo bench -p clerk-core --bench verify`: our full session-token verification against a raw
//! `jsonwebtoken` RS256 decode of the same token, in the same run; plus `has()` and fpm decoding.

use std::hint::black_box;
use std::sync::Arc;
use std::time::{Duration, UNIX_EPOCH};

use clerk_core::{decode_org_permissions, Auth, AuthOptions, Check, JwkSet, SessionVerifier, StaticKey};
use criterion::{criterion_group, criterion_main, Criterion};

const TOKEN_FILE: &str = include_str!("../tests/fixtures/session_token.v2.active_org.json");
const JWKS: &str = include_str!("../tests/fixtures/jwks.response.json");
const PUBLIC_PEM: &str = include_str!("../tests/fixtures/test_signing_key.public.pem");

fn token() -> String {
    let file: serde_json::Value = serde_json::from_str(TOKEN_FILE).unwrap();
    file["jwt"].as_str().unwrap().to_owned()
}

fn verify(c: &mut Criterion) {
    let token = token();
    let set = JwkSet::parse(JWKS.as_bytes()).unwrap();
    let keys = StaticKey(Arc::clone(set.get("ins_2zeTestInstanceKid000000000").unwrap()));
    let verifier = SessionVerifier::new()
        .issuer("https://happy-hippo-42.clerk.accounts.dev")
        .authorized_parties(["http://localhost:3000"]);
    let now = UNIX_EPOCH + Duration::from_secs(1_755_000_030);
    let runtime = tokio::runtime::Builder::new_current_thread().build().unwrap();

    let mut group = c.benchmark_group("verify");
    group.bench_function("clerk_core_full", |b| {
        b.iter(|| {
            let claims = runtime
                .block_on(verifier.verify(black_box(&token), &keys, now))
                .unwrap();
            black_box(Auth::from_claims(claims, AuthOptions::default()))
        })
    });
    // The sync core alone (what a verified-token cache miss costs without the async shell).
    group.bench_function("clerk_core_sync", |b| {
        b.iter(|| {
            let decoded = verifier.decode(black_box(&token)).unwrap();
            black_box(verifier.verify_decoded(decoded, &keys.0, now).unwrap())
        })
    });
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

criterion_group!(benches, verify);
criterion_main!(benches);
