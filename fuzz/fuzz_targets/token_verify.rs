//! Session tokens: any bytes as a token (`DecodedToken::decode`, `SessionVerifier::verify` with
//! the contract PEM key and a fixed clock), and any header/payload JSON signed with the contract
//! key, so the claim checks, `Auth` and `has()` run on attacker-shaped claims too.
//!
//! Input: a mode byte, then
//! - even mode: the token text;
//! - odd mode: header JSON, `\n`, payload JSON (signed here with RS256 before verification).
//!
//! Odd modes with bit 1 set also make the payload a valid session (a string `sub`, times around
//! "now", a standard header) and sign it: that token must verify as its `sub`, and with one
//! character of its signature changed (at a position the mode byte picks) it must not.
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
use serde_json::{Map, Value};

const PUBLIC_PEM: &str = include_str!("../../crates/clerk-core/tests/fixtures/test_signing_key.public.pem");
const PRIVATE_PEM: &str = include_str!("../../crates/clerk-core/tests/fixtures/test_signing_key.private.pem");
const ISSUER: &str = "https://happy-hippo-42.clerk.accounts.dev";
/// 30 s after the contract tokens' `iat`: they verify.
const NOW_SECS: u64 = 1_755_000_030;
/// The header Clerk signs session tokens with (the contract key's `kid`).
const VALID_HEADER: &str =
    r#"{"alg":"RS256","cat":"cl_B7d4PD111AAA","kid":"ins_2zeTestInstanceKid000000000","typ":"JWT"}"#;

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

/// `header.payload.signature`, signed with the contract key (RS256).
fn sign(header: &[u8], payload: &[u8]) -> String {
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
    format!("{input}.{}", URL_SAFE_NO_PAD.encode(signature))
}

/// The payload's claims made a valid session and signed: it verifies as its `sub`; with one
/// signature character changed (the `pick`-th, never the last, whose low bits may be unused)
/// it does not.
fn signed_round_trip(payload: &[u8], pick: u8, now: SystemTime) {
    let mut claims: Map<String, Value> = serde_json::from_slice(payload).unwrap_or_default();
    let sub = match claims.get("sub") {
        Some(Value::String(sub)) => sub.clone(),
        _ => "user_fuzz".to_owned(),
    };
    let now_secs = now.duration_since(UNIX_EPOCH).expect("after 1970").as_secs();
    claims.insert("sub".into(), Value::from(sub.as_str()));
    claims.insert("iat".into(), Value::from(now_secs - 5));
    claims.insert("nbf".into(), Value::from(now_secs - 10));
    claims.insert("exp".into(), Value::from(now_secs + 60));
    let payload = serde_json::to_vec(&claims).expect("claims serialize");
    let token = sign(VALID_HEADER.as_bytes(), &payload);
    if token.len() > DEFAULT_MAX_TOKEN_BYTES {
        return;
    }
    let fx = fixture();
    let verified = block_on(fx.verifiers[0].verify(&token, &fx.key, now))
        .unwrap_or_else(|err| panic!("a token signed with the key was refused: {err}"));
    assert_eq!(verified.subject(), sub);

    let signature_at = token.rfind('.').expect("three segments") + 1;
    let at = signature_at + usize::from(pick) % (token.len() - signature_at - 1);
    let mut tampered = token.into_bytes();
    tampered[at] = if tampered[at] == b'A' { b'B' } else { b'A' };
    let tampered = String::from_utf8(tampered).expect("ASCII");
    assert!(
        block_on(fx.verifiers[0].verify(&tampered, &fx.key, now)).is_err(),
        "a token with a changed signature verified"
    );
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
    if mode & 2 != 0 {
        signed_round_trip(payload, mode >> 2, now);
    }
    let token = sign(header, payload);
    // A second clock far from the tokens exercises the time checks and their messages.
    verify(&token, now);
    verify(&token, UNIX_EPOCH + Duration::from_secs(u64::from(mode) << 28));
});
