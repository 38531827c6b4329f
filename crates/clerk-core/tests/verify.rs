//! Session-token verification: the contract's vectors and every reason string.

mod common;

use std::sync::Arc;
use std::time::Duration;

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use clerk_core::{
    auth::AuthOptions, error::TokenCarrier, jwk::JwkSet, jwk::VerifyingKey, verify::NoKey, verify::StaticKey,
    Auth, Error, JwtVerifier, Reason, TokenError,
};
use common::*;
use hmac::{Hmac, Mac};
use serde_json::{json, Value};
use sha2::Sha256;

fn block_on<T>(f: impl std::future::Future<Output = T>) -> T {
    tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap()
        .block_on(f)
}

fn verify_with(verifier: &JwtVerifier, token: &str, now_secs: u64) -> Result<Auth, TokenError> {
    let keys = StaticKey(pem_key());
    block_on(verifier.verify(token, &keys, at(now_secs)))
        .map(|c| Auth::from_claims(c, AuthOptions::default()))
}

fn reason_of(verifier: &JwtVerifier, token: &str, now_secs: u64) -> TokenError {
    verify_with(verifier, token, now_secs).expect_err("token must be refused")
}

fn strict() -> JwtVerifier {
    JwtVerifier::new()
        .issuer(ISSUER)
        .authorized_parties(["http://localhost:3000"])
}

#[test]
fn contract_tokens_verify_to_what_clerk_derives() {
    let expected = fixture("decoded_auth_objects.json");
    let jwks = JwkSet::parse(JWKS.as_bytes()).unwrap();
    let jwk_key = StaticKey(Arc::clone(jwks.get(KID).unwrap()));
    for (file, want) in expected.as_object().unwrap() {
        let token = fixture(file)["jwt"].as_str().unwrap().to_owned();
        for keys in [StaticKey(pem_key()), jwk_key.clone()] {
            let claims = block_on(strict().verify(&token, &keys, at(IAT + 30))).unwrap();
            let auth = Auth::from_claims(
                claims,
                AuthOptions {
                    treat_pending_as_signed_out: false,
                },
            );
            assert_eq!(auth.user_id(), want["userId"].as_str(), "{file}");
            assert_eq!(auth.session_id(), want["sessionId"].as_str(), "{file}");
            assert_eq!(
                auth.session_status().map(|s| s.as_str()),
                want["sessionStatus"].as_str(),
                "{file}"
            );
            assert_eq!(auth.org_id(), want["orgId"].as_str(), "{file}");
            assert_eq!(auth.org_role(), want["orgRole"].as_str(), "{file}");
            assert_eq!(auth.org_slug(), want["orgSlug"].as_str(), "{file}");
            let perms: Option<Vec<String>> = serde_json::from_value(want["orgPermissions"].clone()).unwrap();
            assert_eq!(auth.org_permissions().map(<[String]>::to_vec), perms, "{file}");
            assert_eq!(auth.actor(), want.get("actor").filter(|a| !a.is_null()), "{file}");
            let fva: Option<[i64; 2]> =
                serde_json::from_value(want["factorVerificationAge"].clone()).unwrap();
            assert_eq!(auth.factor_verification_age(), fva, "{file}");
        }
    }
}

#[test]
fn pending_session_is_signed_out_by_default() {
    let token = fixture("session_token.v2.impersonated_pending.json")["jwt"]
        .as_str()
        .unwrap()
        .to_owned();
    let auth = verify_with(&strict(), &token, IAT + 30).unwrap();
    assert!(!auth.is_authenticated());
    assert_eq!(auth.user_id(), None);
    assert_eq!(auth.session_status().map(|s| s.as_str()), Some("pending"));
}

#[test]
fn expiry_boundary_follows_clerks_inequality() {
    // exp = IAT + 60 s; skew 5 s: expired iff exp*1000 <= now - 5000.
    let token = Signer::contract().sign(&session_header(), &session_payload(IAT));
    let exp_ms = (IAT + 60) * 1000;
    let keys = StaticKey(pem_key());
    let verifier = strict();
    let ok = block_on(verifier.verify(&token, &keys, at_ms(exp_ms + 4_999)));
    assert!(ok.is_ok(), "{ok:?}");
    let err = block_on(verifier.verify(&token, &keys, at_ms(exp_ms + 5_000))).unwrap_err();
    assert_eq!(err.reason(), Reason::TokenExpired);
    assert_eq!(
        err.message(),
        "JWT is expired. Expiry date: Tue, 12 Aug 2025 12:01:00 GMT, Current date: Tue, 12 Aug 2025 12:01:05 GMT."
    );
    assert_eq!(
        err.full_message(TokenCarrier::Header),
        "JWT is expired. Expiry date: Tue, 12 Aug 2025 12:01:00 GMT, Current date: Tue, 12 Aug 2025 12:01:05 GMT. (reason=token-expired, token-carrier=header)"
    );
    // A custom skew moves the boundary.
    let tight = strict().clock_skew(Duration::ZERO);
    assert!(block_on(tight.verify(&token, &keys, at_ms(exp_ms - 1))).is_ok());
    assert_eq!(
        block_on(tight.verify(&token, &keys, at_ms(exp_ms)))
            .unwrap_err()
            .reason(),
        Reason::TokenExpired
    );
}

#[test]
fn not_before_and_issued_at_boundaries() {
    let signer = Signer::contract();
    let mut payload = session_payload(IAT);
    payload["nbf"] = json!(IAT + 100);
    payload["exp"] = json!(IAT + 200);
    let token = signer.sign(&session_header(), &payload);
    let keys = StaticKey(pem_key());
    // nbf*1000 > now + 5000 fails; equal passes.
    assert!(block_on(strict().verify(&token, &keys, at(IAT + 95))).is_ok());
    let err = block_on(strict().verify(&token, &keys, at_ms((IAT + 95) * 1000 - 1))).unwrap_err();
    assert_eq!(err.reason(), Reason::TokenNotActiveYet);
    assert!(err
        .message()
        .starts_with("JWT cannot be used prior to not before date claim (nbf). Not before date: "));

    let mut payload = session_payload(IAT);
    payload["iat"] = json!(IAT + 30);
    payload["exp"] = json!(IAT + 90);
    let token = signer.sign(&session_header(), &payload);
    let err = reason_of(&strict(), &token, IAT);
    assert_eq!(err.reason(), Reason::TokenIatInTheFuture);
    assert!(err
        .message()
        .starts_with("JWT issued at date claim (iat) is in the future. Issued at date: "));
    assert!(verify_with(&strict(), &token, IAT + 25).is_ok());
}

#[test]
fn algorithm_none_is_refused() {
    let header = json!({"alg": "none", "kid": KID, "typ": "JWT"});
    let token = format!("{}.{}.", b64(&header), b64(&session_payload(IAT)));
    let err = reason_of(&strict(), &token, IAT + 1);
    assert_eq!(err.reason(), Reason::TokenInvalidAlgorithm);
    assert_eq!(
        err.message(),
        "Invalid JWT algorithm \"none\". Supported: RS256,RS384,RS512."
    );
    let header = json!({"kid": KID});
    let token = format!("{}.{}.", b64(&header), b64(&session_payload(IAT)));
    assert_eq!(
        reason_of(&strict(), &token, IAT + 1).message(),
        "Invalid JWT algorithm undefined. Supported: RS256,RS384,RS512."
    );
}

#[test]
fn hs256_signed_with_the_public_key_is_refused() {
    let header = json!({"alg": "HS256", "kid": KID, "typ": "JWT"});
    let input = format!("{}.{}", b64(&header), b64(&session_payload(IAT)));
    let mut mac = Hmac::<Sha256>::new_from_slice(PUBLIC_PEM.as_bytes()).unwrap();
    mac.update(input.as_bytes());
    let sig = base64::Engine::encode(
        &base64::engine::general_purpose::URL_SAFE_NO_PAD,
        mac.finalize().into_bytes(),
    );
    let token = format!("{input}.{sig}");
    let err = reason_of(&strict(), &token, IAT + 1);
    assert_eq!(err.reason(), Reason::TokenInvalidAlgorithm);
    assert_eq!(
        err.message(),
        "Invalid JWT algorithm \"HS256\". Supported: RS256,RS384,RS512."
    );
}

#[test]
fn algorithm_is_pinned_by_the_key_not_the_token() {
    // RS384 named in the header, while our key is RS256: never verified with the token's choice.
    let mut header = session_header();
    header["alg"] = json!("RS384");
    let token = Signer::contract().sign(&header, &session_payload(IAT));
    assert_eq!(
        reason_of(&strict(), &token, IAT + 1).reason(),
        Reason::TokenInvalidSignature
    );
    let jwk = JwkSet::parse(JWKS.as_bytes()).unwrap();
    let keys = StaticKey(Arc::clone(jwk.get(KID).unwrap()));
    let err = block_on(strict().verify(&token, &keys, at(IAT + 1))).unwrap_err();
    assert_eq!(err.reason(), Reason::TokenVerificationFailed);
    // What @clerk/backend 3.25.0 on Node says when Web Crypto refuses the JWK (parity test).
    assert_eq!(
        err.full_message(TokenCarrier::Header),
        "Error verifying JWT signature. Error: JWK \"alg\" does not match the requested algorithm \
         Make sure that this is a valid Clerk-generated JWT. (reason=token-verification-failed, token-carrier=header)"
    );
}

/// Records the `kid` it is asked for and resolves nothing.
#[derive(Default)]
struct KidProbe(std::sync::Mutex<Vec<Option<String>>>);

impl clerk_core::verify::KeyResolver for KidProbe {
    async fn resolve(
        &self,
        kid: Option<&str>,
        now: std::time::SystemTime,
    ) -> Result<Arc<VerifyingKey>, TokenError> {
        self.0.lock().unwrap().push(kid.map(str::to_owned));
        NoKey.resolve(kid, now).await
    }
}

#[test]
fn a_non_string_kid_is_looked_up_by_its_javascript_string() {
    // Clerk indexes its key cache with `keys[kid]`, so `42` is looked up as "42" (parity test).
    for (kid, looked_up) in [
        (json!(42), Some("42")),
        (json!(null), Some("null")),
        (json!(true), Some("true")),
        (json!("ins_x"), Some("ins_x")),
    ] {
        let mut header = session_header();
        header["kid"] = kid;
        let token = Signer::contract().sign(&header, &session_payload(IAT));
        let probe = KidProbe::default();
        let _ = block_on(strict().verify(&token, &probe, at(IAT + 1)));
        assert_eq!(
            probe.0.lock().unwrap().as_slice(),
            &[looked_up.map(str::to_owned)]
        );
    }
}

#[test]
fn a_null_protected_header_is_an_unexpected_error() {
    // Clerk's verifyToken throws a TypeError destructuring it: `unexpected-error` (parity test).
    let token = Signer::contract().sign(&Value::Null, &session_payload(IAT));
    let err = reason_of(&strict(), &token, IAT + 1);
    assert_eq!(err.reason(), Reason::UnexpectedError);
    assert_eq!(err.reason().as_str(), "unexpected-error");
    assert_eq!(err.message(), "");
}

#[test]
fn another_key_with_the_same_kid_is_an_invalid_signature() {
    let token = Signer::random().sign(&session_header(), &session_payload(IAT));
    let err = reason_of(&strict(), &token, IAT + 1);
    assert_eq!(err.reason(), Reason::TokenInvalidSignature);
    assert_eq!(err.message(), "JWT signature is invalid.");
    assert_eq!(
        err.full_message(TokenCarrier::Cookie),
        "JWT signature is invalid. (reason=token-invalid-signature, token-carrier=cookie)"
    );
}

#[test]
fn tampered_payload_is_an_invalid_signature() {
    let token = Signer::contract().sign(&session_header(), &session_payload(IAT));
    let mut parts: Vec<String> = token.split('.').map(str::to_owned).collect();
    let mut payload = session_payload(IAT);
    payload["sub"] = json!("user_attacker");
    parts[1] = b64(&payload);
    let err = reason_of(&strict(), &parts.join("."), IAT + 1);
    assert_eq!(err.reason(), Reason::TokenInvalidSignature);
}

#[test]
fn token_from_another_instance_is_refused_by_issuer() {
    let mut payload = session_payload(IAT);
    payload["iss"] = json!("https://other-instance-77.clerk.accounts.dev");
    let token = Signer::contract().sign(&session_header(), &payload);
    let err = reason_of(&strict(), &token, IAT + 1);
    assert_eq!(err.reason(), Reason::TokenInvalidIssuer);
    assert_eq!(
        err.message(),
        "Invalid JWT issuer claim (iss) \"https://other-instance-77.clerk.accounts.dev\". Expected \"https://happy-hippo-42.clerk.accounts.dev\"."
    );
    // Without an issuer configured, Clerk's behaviour: accepted.
    assert!(verify_with(&JwtVerifier::new(), &token, IAT + 1).is_ok());
    payload.as_object_mut().unwrap().remove("iss");
    let token = Signer::contract().sign(&session_header(), &payload);
    assert_eq!(
        reason_of(&strict(), &token, IAT + 1).reason(),
        Reason::TokenInvalidIssuer
    );
}

#[test]
fn authorized_parties_require_a_listed_azp() {
    let signer = Signer::contract();
    let mut payload = session_payload(IAT);
    payload["azp"] = json!("https://evil.example");
    let err = reason_of(&strict(), &signer.sign(&session_header(), &payload), IAT + 1);
    assert_eq!(err.reason(), Reason::TokenInvalidAuthorizedParties);
    assert_eq!(
        err.message(),
        "Invalid JWT Authorized party claim (azp) \"https://evil.example\". Expected \"http://localhost:3000\"."
    );
    payload.as_object_mut().unwrap().remove("azp");
    let token = signer.sign(&session_header(), &payload);
    let err = reason_of(&strict(), &token, IAT + 1);
    assert_eq!(err.reason(), Reason::TokenInvalidAuthorizedParties);
    assert!(err.message().contains("(azp) undefined"));
    // No authorized parties configured: azp is optional.
    assert!(verify_with(&JwtVerifier::new().issuer(ISSUER), &token, IAT + 1).is_ok());
}

#[test]
fn claim_type_errors_are_verification_failures() {
    let signer = Signer::contract();
    let cases: [(&str, Value, &str); 6] = [
        (
            "sub",
            Value::Null,
            "Subject claim (sub) is required and must be a string. Received null.",
        ),
        (
            "sub",
            json!(42),
            "Subject claim (sub) is required and must be a string. Received 42.",
        ),
        (
            "exp",
            json!("soon"),
            "Invalid JWT expiry date claim (exp) \"soon\". Expected number.",
        ),
        (
            "nbf",
            json!("x"),
            "Invalid JWT not before date claim (nbf) \"x\". Expected number.",
        ),
        (
            "iat",
            json!(null),
            "Invalid JWT issued at date claim (iat) null. Expected number.",
        ),
        (
            "exp",
            Value::Null,
            "Invalid JWT expiry date claim (exp) null. Expected number.",
        ),
    ];
    for (claim, value, message) in cases {
        let mut payload = session_payload(IAT);
        payload[claim] = value;
        let err = reason_of(&strict(), &signer.sign(&session_header(), &payload), IAT + 1);
        assert_eq!(err.reason(), Reason::TokenVerificationFailed, "{claim}");
        assert_eq!(err.message(), message);
    }
    for missing in ["sub", "exp"] {
        let mut payload = session_payload(IAT);
        payload.as_object_mut().unwrap().remove(missing);
        let err = reason_of(&strict(), &signer.sign(&session_header(), &payload), IAT + 1);
        assert_eq!(err.reason(), Reason::TokenVerificationFailed, "{missing}");
        assert!(err.message().contains("undefined"));
    }
}

#[test]
fn audience_is_checked_only_when_both_sides_have_one() {
    let signer = Signer::contract();
    let verifier = strict().audience(["api"]);
    let token = signer.sign(&session_header(), &session_payload(IAT));
    assert!(verify_with(&verifier, &token, IAT + 1).is_ok());
    let mut payload = session_payload(IAT);
    payload["aud"] = json!("other");
    let err = reason_of(&verifier, &signer.sign(&session_header(), &payload), IAT + 1);
    assert_eq!(err.reason(), Reason::TokenVerificationFailed);
    assert_eq!(
        err.message(),
        "Invalid JWT audience claim (aud) \"other\". Is not included in \"[\"api\"]\"."
    );
    payload["aud"] = json!(["x", "api"]);
    assert!(verify_with(&verifier, &signer.sign(&session_header(), &payload), IAT + 1).is_ok());
}

#[test]
fn header_type_must_be_jwt_when_present() {
    let signer = Signer::contract();
    let mut header = session_header();
    header["typ"] = json!("JWS");
    let err = reason_of(&strict(), &signer.sign(&header, &session_payload(IAT)), IAT + 1);
    assert_eq!(err.reason(), Reason::TokenInvalid);
    assert_eq!(err.message(), "Invalid JWT type \"JWS\". Expected \"JWT\".");
    header.as_object_mut().unwrap().remove("typ");
    header.as_object_mut().unwrap().remove("kid");
    // No typ and no kid with a PEM key: signed in, as with Clerk.
    assert!(verify_with(&strict(), &signer.sign(&header, &session_payload(IAT)), IAT + 1).is_ok());
}

#[test]
fn machine_and_template_tokens_are_type_mismatches() {
    let signer = Signer::contract();
    let mut cases = Vec::new();
    for cat in ["cl_B7d4PD222AAA", "cl_B7d4PD333AAA", "something-else"] {
        let mut header = session_header();
        header["cat"] = json!(cat);
        cases.push(signer.sign(&header, &session_payload(IAT)));
    }
    for typ in ["at+jwt", "application/at+jwt"] {
        let mut header = session_header();
        header["typ"] = json!(typ);
        cases.push(signer.sign(&header, &session_payload(IAT)));
    }
    let mut payload = session_payload(IAT);
    payload["sub"] = json!("mch_2xhFjEI5X2qWRvtV13BzSj8H6Dk");
    cases.push(signer.sign(&session_header(), &payload));
    for token in cases {
        let err = reason_of(&strict(), &token, IAT + 1);
        assert_eq!(err.reason(), Reason::TokenTypeMismatch);
        assert_eq!(err.message(), "");
    }
    // The ignore category and an absent cat are session tokens.
    let mut header = session_header();
    header["cat"] = json!("cl_I7d4PD111III");
    assert!(verify_with(&strict(), &signer.sign(&header, &session_payload(IAT)), IAT + 1).is_ok());
    header.as_object_mut().unwrap().remove("cat");
    assert!(verify_with(&strict(), &signer.sign(&header, &session_payload(IAT)), IAT + 1).is_ok());
}

#[test]
fn malformed_tokens_are_token_invalid() {
    for token in [
        "",
        "abc",
        "a.b",
        "a.b.c.d",
        "@@@.e30.AA",
        "e30.%%%.AA",
        "e30.e30.***",
        "ZZZ.e30.AA",
    ] {
        let err = reason_of(&strict(), token, IAT);
        assert_eq!(err.reason(), Reason::TokenInvalid, "{token:?}");
    }
    let huge = format!("{}.{}.sig", "a".repeat(9000), "b");
    assert_eq!(reason_of(&strict(), &huge, IAT).reason(), Reason::TokenInvalid);
    let bounded = strict().max_token_bytes(100);
    let token = Signer::contract().sign(&session_header(), &session_payload(IAT));
    assert_eq!(
        reason_of(&bounded, &token, IAT + 1).reason(),
        Reason::TokenInvalid
    );
}

#[test]
fn key_resolution_failures_carry_clerks_reasons() {
    let token = Signer::contract().sign(&session_header(), &session_payload(IAT));
    let err = block_on(strict().verify(&token, &NoKey, at(IAT + 1))).unwrap_err();
    assert_eq!(err.reason(), Reason::JwkFailedToResolve);
    assert_eq!(
        err.full_message(TokenCarrier::Header),
        "Failed to resolve JWK during verification. Set the CLERK_JWT_KEY environment variable. (reason=jwk-failed-to-resolve, token-carrier=header)"
    );
    let missing = StaticKey::from_optional_pem(Some("  ")).unwrap_err();
    assert_eq!(missing.reason(), Some(Reason::JwkLocalMissing));
    assert!(matches!(StaticKey::from_optional_pem(None), Err(Error::Token(_))));
    assert!(matches!(
        StaticKey::from_optional_pem(Some("garbage")),
        Err(Error::InvalidKey(_))
    ));
}

#[test]
fn rsa_keys_of_other_sizes_verify() {
    let pem_3072 = "-----BEGIN PUBLIC KEY-----\nMIIBojANBgkqhkiG9w0BAQEFAAOCAY8AMIIBigKCAYEA";
    // A truncated PEM is refused cleanly (never a panic).
    assert!(VerifyingKey::from_pem(pem_3072).is_err());
    let pair = aws_lc_rs::rsa::KeyPair::generate(aws_lc_rs::rsa::KeySize::Rsa4096).unwrap();
    use aws_lc_rs::signature::KeyPair as _;
    let n = pair
        .public_key()
        .modulus()
        .big_endian_without_leading_zero()
        .to_vec();
    let key = VerifyingKey::from_rsa_components(
        None,
        &n,
        &[1, 0, 1],
        clerk_core::jwk::RsaAlgorithm::Rs256,
        clerk_core::jwk::KeyOrigin::Pem,
    )
    .unwrap();
    assert_eq!(key.bits(), 4096);
}

/// Clerk checks `exp` completely (type and value), then `nbf`, then `iat`: with several faults
/// the first in that order wins, e.g. an expired token whose `nbf` is `null` is expired.
#[test]
fn time_claims_fail_in_clerks_order_when_several_are_wrong() {
    let signer = Signer::contract();
    let sign = |patch: serde_json::Value| {
        let mut payload = session_payload(IAT);
        for (k, v) in patch.as_object().unwrap() {
            payload[k] = v.clone();
        }
        signer.sign(&session_header(), &payload)
    };
    let late = IAT + 3_600;
    let cases = [
        (json!({"nbf": null}), late, Reason::TokenExpired),
        (json!({"nbf": "soon", "iat": "x"}), late, Reason::TokenExpired),
        (json!({"nbf": null}), IAT + 5, Reason::TokenVerificationFailed),
        (
            json!({"nbf": IAT + 7_200, "iat": null}),
            IAT + 5,
            Reason::TokenNotActiveYet,
        ),
        (json!({"iat": null}), late, Reason::TokenExpired),
        (json!({"iat": null}), IAT + 5, Reason::TokenVerificationFailed),
        (
            json!({"exp": null, "nbf": IAT + 7_200}),
            IAT + 5,
            Reason::TokenVerificationFailed,
        ),
        (
            json!({"nbf": IAT + 7_200, "iat": IAT + 7_200}),
            IAT + 5,
            Reason::TokenNotActiveYet,
        ),
    ];
    for (patch, now, expected) in cases {
        let err = reason_of(&strict(), &sign(patch.clone()), now);
        assert_eq!(err.reason(), expected, "{patch} at {now}");
    }
}

const MSG_UNDECODABLE: &str = "Invalid JWT form. The header, payload, or signature could not be decoded.";
const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/// `value` as JSON padded with spaces so that its base64url has spare bits in its last character.
fn spare_bits_json(value: &Value) -> Vec<u8> {
    let mut json = serde_json::to_vec(value).unwrap();
    while json.len() % 3 != 1 {
        json.push(b' ');
    }
    json
}

/// Other spellings of the same base64url segment: `=` padding, and non-zero unused trailing bits.
fn other_spellings(segment: &str) -> Vec<String> {
    assert_ne!(segment.len() % 4, 0, "the segment has no spare bits");
    let padding = "=".repeat(4 - segment.len() % 4);
    let (body, last) = segment.split_at(segment.len() - 1);
    let value = ALPHABET.iter().position(|&c| c == last.as_bytes()[0]).unwrap();
    // The lowest bit of the last character is never data when the length is not a multiple of 4.
    let dirty = format!("{body}{}", ALPHABET[value | 1] as char);
    vec![
        format!("{segment}{padding}"),
        dirty.clone(),
        format!("{dirty}{padding}"),
    ]
}

// Issue 10, item 4: base64url is accepted in its one canonical spelling only, in every segment.
#[test]
fn only_canonical_unpadded_base64url_decodes_in_every_segment() {
    let signer = Signer::contract();
    let header = URL_SAFE_NO_PAD.encode(spare_bits_json(&session_header()));
    let payload = URL_SAFE_NO_PAD.encode(spare_bits_json(&session_payload(IAT)));
    let canonical = signer.sign_input(&format!("{header}.{payload}"));
    assert!(verify_with(&strict(), &canonical, IAT + 1).is_ok());
    let signature = canonical.rsplit('.').next().unwrap();
    let mut spellings = Vec::new();
    // Header and payload spelled otherwise (and signed as spelled: only the encoding differs).
    for other in other_spellings(&header) {
        spellings.push(signer.sign_input(&format!("{other}.{payload}")));
    }
    for other in other_spellings(&payload) {
        spellings.push(signer.sign_input(&format!("{header}.{other}")));
    }
    for other in other_spellings(signature) {
        spellings.push(format!("{header}.{payload}.{other}"));
    }
    for token in &spellings {
        let err = reason_of(&strict(), token, IAT + 1);
        assert_eq!(
            (err.reason(), err.message()),
            (Reason::TokenInvalid, MSG_UNDECODABLE),
            "{token}"
        );
    }
}

// Issue 10, item 4: an M2M JWT with `==` appended was not recognised as a machine token and,
// without authorized parties, signed in as `user_id = "mch_…"`.
#[test]
fn machine_tokens_never_pass_as_sessions_whatever_their_spelling() {
    let signer = Signer::contract();
    // No authorized parties configured: an M2M token carries no `azp`.
    let verifier = JwtVerifier::new().issuer(ISSUER);
    let mut m2m_header = session_header();
    m2m_header.as_object_mut().unwrap().remove("cat");
    let mut m2m_payload = session_payload(IAT);
    m2m_payload["sub"] = json!("mch_2xhFjEI5X2qWRvtV13BzSj8H6Dk");
    m2m_payload.as_object_mut().unwrap().remove("azp");
    let m2m = signer.sign(&m2m_header, &m2m_payload);
    let mut oauth_header = session_header();
    oauth_header["typ"] = json!("at+jwt");
    let oauth = signer.sign(&oauth_header, &session_payload(IAT));
    for token in [&m2m, &oauth] {
        let err = reason_of(&verifier, token, IAT + 1);
        assert_eq!(err.reason(), Reason::TokenTypeMismatch);
        for spelling in [format!("{token}=="), format!("{token}=")] {
            let err = reason_of(&verifier, &spelling, IAT + 1);
            assert_eq!(
                (err.reason(), err.message()),
                (Reason::TokenInvalid, MSG_UNDECODABLE),
                "{spelling}"
            );
        }
    }
    // Not in JWT format (an empty signature) is still a machine token, not a session.
    let (input, _) = m2m.rsplit_once('.').unwrap();
    let err = reason_of(&verifier, &format!("{input}."), IAT + 1);
    assert_eq!(err.reason(), Reason::TokenTypeMismatch);
}

/// The names before issue 25 still compile for one release (deprecated aliases).
#[test]
#[allow(deprecated)]
fn the_former_names_still_compile() {
    let verifier: clerk_core::SessionVerifier = clerk_core::verify::SessionVerifier::new();
    let _: &clerk_core::JwtVerifier = &verifier;
    let _: Option<clerk_core::SessionClaims> = None::<clerk_core::VerifiedClaims>;
}
