//! `cargo bench -p clerk-core --bench machine_cache`: a route's machine-token decision
//! ([`MachineVerifier::decide`]) answered from the caches, on the injected clock (issue 25,
//! item 2): an opaque API key served from the per-token cache (hash, lookup, clone), the same
//! with the cache off (TTL 0) so every iteration verifies again through an in-memory backend
//! (the miss path without any network), and a remembered M2M JWT (no decoding, no RSA). Every
//! iteration is a fresh request (its own memo) and includes a current-thread `block_on`.

use std::hint::black_box;
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use clerk_core::api::{ApiKey, M2mToken, OAuthVerifyResponse};
use clerk_core::jwk::JwkSet;
use clerk_core::machine::{AcceptsToken, MachineJwtVerifier, MachineMemo, MachineVerifier, TokenType};
use clerk_core::request::{AuthOutcome, MachineBackend, MachineBackendError, NoBackend};
use clerk_core::verify::StaticKey;
use criterion::{criterion_group, criterion_main, Criterion};

const JWKS: &str = include_str!("../tests/fixtures/jwks.response.json");
const PRIVATE_PEM: &str = include_str!("../tests/fixtures/test_signing_key.private.pem");
const KID: &str = "ins_2zeTestInstanceKid000000000";
const NOW: u64 = 1_755_000_030;
const SECRET: &str = "ak_2zBenchSecret0000000000000000000000";

/// Answers every API key verification at once, from memory.
struct InMemory(ApiKey);

impl MachineBackend for InMemory {
    async fn verify_api_key(&self, _secret: &str) -> Result<ApiKey, MachineBackendError> {
        Ok(self.0.clone())
    }

    async fn verify_m2m_token(&self, _token: &str) -> Result<M2mToken, MachineBackendError> {
        Err(MachineBackendError::Unexpected)
    }

    async fn verify_oauth_token(&self, _token: &str) -> Result<OAuthVerifyResponse, MachineBackendError> {
        Err(MachineBackendError::Unexpected)
    }
}

/// An M2M JWT signed with the fixtures' key.
fn m2m_jwt() -> String {
    use aws_lc_rs::rsa::KeyPair;
    use aws_lc_rs::signature::RSA_PKCS1_SHA256;
    use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
    use base64::Engine;
    let der = STANDARD
        .decode(
            PRIVATE_PEM
                .lines()
                .filter(|l| !l.starts_with("-----"))
                .collect::<String>(),
        )
        .unwrap();
    let pair = KeyPair::from_pkcs8(&der).unwrap();
    let b64 = |value: serde_json::Value| URL_SAFE_NO_PAD.encode(serde_json::to_vec(&value).unwrap());
    let input = format!(
        "{}.{}",
        b64(serde_json::json!({"alg": "RS256", "kid": KID, "typ": "JWT"})),
        b64(serde_json::json!({
            "iss": "https://happy-hippo-42.clerk.accounts.dev", "sub": "mch_2zBench", "jti": "mt_2zBench",
            "iat": NOW - 10, "nbf": NOW - 10, "exp": NOW + 3600, "scopes": "mch_2zOther"
        })),
    );
    let mut sig = vec![0; pair.public_modulus_len()];
    pair.sign(
        &RSA_PKCS1_SHA256,
        &aws_lc_rs::rand::SystemRandom::new(),
        input.as_bytes(),
        &mut sig,
    )
    .unwrap();
    format!("{input}.{}", URL_SAFE_NO_PAD.encode(sig))
}

fn machine_cache(c: &mut Criterion) {
    let set = JwkSet::parse(JWKS.as_bytes()).unwrap();
    let keys = StaticKey(Arc::clone(set.get(KID).unwrap()));
    let now: SystemTime = UNIX_EPOCH + Duration::from_secs(NOW);
    let runtime = tokio::runtime::Builder::new_current_thread().build().unwrap();
    let key: ApiKey = serde_json::from_value(
        serde_json::json!({"id": "ak_2zBench", "subject": "user_2zBench", "name": "b"}),
    )
    .unwrap();
    let backend = InMemory(key);
    let accepts = AcceptsToken::from(TokenType::ApiKey);
    let decide = |verifier: &MachineVerifier, token: &str, accepts: AcceptsToken, backend: &InMemory| {
        let memo = MachineMemo::new();
        let outcome =
            runtime.block_on(verifier.decide(accepts, Some(black_box(token)), &memo, &keys, backend, now));
        assert!(matches!(outcome, Some(AuthOutcome::Machine(_))));
        black_box(outcome)
    };

    let mut group = c.benchmark_group("machine_cache");
    let cached = MachineVerifier::new(MachineJwtVerifier::new()).cache_ttl(Duration::from_secs(10));
    decide(&cached, SECRET, accepts, &backend);
    group.bench_function("opaque_hit", |b| {
        b.iter(|| decide(&cached, SECRET, accepts, &backend))
    });
    assert_eq!(cached.stats().verifications, 1);

    // TTL 0: nothing is kept, so each request verifies through the backend (single-flight only).
    let uncached = MachineVerifier::new(MachineJwtVerifier::new()).cache_ttl(Duration::ZERO);
    group.bench_function("opaque_miss_in_memory_backend", |b| {
        b.iter(|| decide(&uncached, SECRET, accepts, &backend))
    });

    let jwt = m2m_jwt();
    let remembered = MachineVerifier::new(MachineJwtVerifier::new());
    let m2m = AcceptsToken::from(TokenType::M2mToken);
    let memo = MachineMemo::new();
    let first = runtime.block_on(remembered.decide(m2m, Some(&jwt), &memo, &keys, &NoBackend, now));
    assert!(matches!(first, Some(AuthOutcome::Machine(_))));
    group.bench_function("jwt_remembered", |b| {
        b.iter(|| {
            let memo = MachineMemo::new();
            let outcome = runtime.block_on(remembered.decide(
                m2m,
                Some(black_box(&jwt)),
                &memo,
                &keys,
                &NoBackend,
                now,
            ));
            black_box(outcome)
        })
    });
    assert_eq!(remembered.stats().jwt_verifications, 1);
    group.finish();
}

criterion_group!(benches, machine_cache);
criterion_main!(benches);
