//! Session tokens: any bytes as a token (`DecodedToken::decode`, `SessionVerifier::verify` with
//! the contract PEM key and a fixed clock), and any header/payload JSON signed with the contract
//! key, so the claim checks, `Auth` and `has()` run on attacker-shaped claims too.
//!
//! Input: a mode byte, then
//! - even mode: the token text;
//! - odd mode: header JSON, `\n`, payload JSON (signed here with RS256 before verification).
#![no_main]

use std::sync::{Arc, OnceLock};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use aws_lc_rs::rand::SystemRandom;
use aws_lc_rs::rsa::KeyPair;
use aws_lc_rs::signature::RSA_PKCS1_SHA256;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use base64::Engine as _;
use clerk_core::{Auth, auth::AuthOptions, Check, token::DecodedToken, Reverification, SessionVerifier, verify::StaticKey, jwk::VerifyingKey, token::DEFAULT_MAX_TOKEN_BYTES};
use libfuzzer_sys::fuzz_target;

const PUBLIC_PEM: &str = include_str!("../../crates/clerk-core/tests/fixtures/test_signing_key.public.pem");
const PRIVATE_PEM: &str = include_str!("../../crates/clerk-core/tests/fixtures/test_signing_key.private.pem");
const ISSUER: &str = "https://happy-hippo-42.clerk.accounts.dev";
/// 30 s after the contract tokens' `iat`: they verify.
const NOW_SECS: u64 = 1_755_000_030;

struct Fixture {
    key: StaticKey,
    signer: KeyPair,
    verifiers: [SessionVerifier; 2],
}

fn fixture() -> &'static Fixture {
    static FIXTURE: OnceLock<Fixture> = OnceLock::new();
    FIXTURE.get_or_init(|| {
        let der: String = PRIVATE_PEM.lines().filter(|l| !l.starts_with("-----")).collect();
        Fixture {
            key: StaticKey(Arc::new(
                VerifyingKey::from_pem(PUBLIC_PEM).expect("contract key"),
            )),
            signer: KeyPair::from_pkcs8(&STANDARD.decode(der).expect("base64")).expect("pkcs8"),
            verifiers: [
                SessionVerifier::new(),
                SessionVerifier::new()
                    .issuer(ISSUER)
                    .authorized_parties(["http://localhost:3000"])
                    .audience(["aud-1", "aud-2"]),
            ],
        }
    })
}

fn block_on<T>(future: impl std::future::Future<Output = T>) -> T {
    use std::task::{Context, Poll, Waker};
    // The static key resolves without I/O: one poll finishes the verification.
    match std::pin::pin!(future).poll(&mut Context::from_waker(Waker::noop())) {
        Poll::Ready(out) => out,
        Poll::Pending => unreachable!("a static key never waits"),
    }
}

fn exercise(auth: &Auth) {
    let _ = (
        auth.user_id(),
        auth.session_id(),
        auth.org_id(),
        auth.org_role(),
        auth.org_slug(),
    );
    let _ = (
        auth.org_permissions(),
        auth.actor(),
        auth.factor_verification_age(),
        auth.session_status(),
    );
    let checks = [
        Check::new().role("admin"),
        Check::new().permission("org:dashboard:read"),
        Check::new().feature("o:dashboard").plan("u:pro"),
        Check::new().feature("premium"),
        Check::new().reverification(Reverification::StrictMfa),
        Check::new().reverification(Reverification::Lax).role("org:admin"),
    ];
    for check in &checks {
        let _ = auth.has(check);
    }
}

fn verify(text: &str, now: SystemTime) {
    let fx = fixture();
    if let Ok(decoded) = DecodedToken::decode(text, DEFAULT_MAX_TOKEN_BYTES) {
        let _ = (
            decoded.header().kid(),
            decoded.claim("iat"),
            decoded.is_not_a_session_token(),
        );
        assert!(decoded.signing_input().len() < text.len());
    }
    for verifier in &fx.verifiers {
        match block_on(verifier.verify(text, &fx.key, now)) {
            Ok(claims) => {
                assert!(text.len() <= DEFAULT_MAX_TOKEN_BYTES);
                let _ = (
                    claims.expires_at_ms(),
                    claims.kid(),
                    verifier.check_time(&claims, now),
                );
                for pending in [true, false] {
                    let auth = Auth::from_claims(
                        claims.clone(),
                        AuthOptions {
                            treat_pending_as_signed_out: pending,
                        },
                    );
                    exercise(&auth);
                }
            }
            Err(err) => {
                let _ = (
                    err.to_string(),
                    err.full_message(clerk_core::error::TokenCarrier::Header),
                );
            }
        }
    }
}

fuzz_target!(|data: &[u8]| {
    let Some((&mode, rest)) = data.split_first() else {
        return;
    };
    let now = UNIX_EPOCH + Duration::from_secs(NOW_SECS);
    if mode & 1 == 0 {
        verify(&String::from_utf8_lossy(rest), now);
        return;
    }
    let split = rest.iter().position(|b| *b == b'\n').unwrap_or(rest.len());
    let (header, payload) = (&rest[..split], rest.get(split + 1..).unwrap_or_default());
    let input = format!(
        "{}.{}",
        URL_SAFE_NO_PAD.encode(header),
        URL_SAFE_NO_PAD.encode(payload)
    );
    let fx = fixture();
    let mut signature = vec![0; fx.signer.public_modulus_len()];
    fx.signer
        .sign(
            &RSA_PKCS1_SHA256,
            &SystemRandom::new(),
            input.as_bytes(),
            &mut signature,
        )
        .expect("signing");
    let token = format!("{input}.{}", URL_SAFE_NO_PAD.encode(signature));
    // A second clock far from the tokens exercises the time checks and their messages.
    verify(&token, now);
    verify(&token, UNIX_EPOCH + Duration::from_secs(u64::from(mode) << 28));
});
