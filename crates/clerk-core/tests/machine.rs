//! Machine tokens in JWT form, verified networkless with real RS256 signatures: M2M JWTs and OAuth
//! `at+jwt` access tokens, each rule of `verifyMachineAuthToken` (`@clerk/backend` 3.25.0).

mod common;

use std::sync::Arc;

use clerk_core::machine::{MachineErrorCode, MachineJwtVerifier, TokenType};
use clerk_core::verify::StaticKey;
use common::*;
use serde_json::{json, Value};

const NOW: u64 = 1_755_000_030;

fn block_on<T>(future: impl std::future::Future<Output = T>) -> T {
    tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap()
        .block_on(future)
}

fn m2m_payload() -> Value {
    json!({
        "iss": "https://happy-hippo-42.clerk.accounts.dev",
        "sub": "mch_2zMachineReports",
        "jti": "mt_2zJwtId",
        "iat": NOW - 10,
        "nbf": NOW - 10,
        "exp": NOW + 3600,
        "scopes": "mch_2zMachineBilling mch_2zMachineAudit",
        "region": "eu"
    })
}

fn oauth_payload() -> Value {
    json!({
        "iss": "https://happy-hippo-42.clerk.accounts.dev",
        "sub": "user_2zOAuthUser",
        "jti": "oat_2zJwtId",
        "client_id": "client_2zApp",
        "aud": ["https://api.example.com"],
        "scp": ["read:reports", "email"],
        "iat": NOW - 10,
        "exp": NOW + 600
    })
}

fn keys() -> StaticKey {
    StaticKey(Arc::new(Signer::contract().verifying_key(Some(KID))))
}

fn verify(
    verifier: &MachineJwtVerifier,
    token: &str,
) -> Result<clerk_core::machine::MachineIdentity, clerk_core::machine::MachineTokenError> {
    block_on(verifier.verify(token, &keys(), at(NOW)))
}

#[test]
fn an_m2m_jwt_verifies_with_clerks_fields() {
    let signer = Signer::contract();
    let token = signer.sign(
        &json!({"alg": "RS256", "kid": KID, "typ": "JWT", "cat": "cl_B7d4PD333AAA"}),
        &m2m_payload(),
    );
    assert_eq!(TokenType::of(&token), TokenType::M2mToken);
    let auth = verify(&MachineJwtVerifier::new(), &token).unwrap();
    assert_eq!(auth.token_type(), TokenType::M2mToken);
    assert_eq!(auth.id(), "mt_2zJwtId");
    assert_eq!(auth.machine_id(), Some("mch_2zMachineReports"));
    assert_eq!(auth.scopes(), ["mch_2zMachineBilling", "mch_2zMachineAudit"]);
    // `claims` is the payload without iss, sub, exp, nbf, iat and jti.
    let claims = auth.claims().unwrap();
    assert_eq!(claims.keys().collect::<Vec<_>>(), ["region", "scopes"]);
    assert_eq!(auth.expiration_ms(), Some(((NOW + 3600) * 1000) as i64));
    assert_eq!(auth.user_id(), None);
}

#[test]
fn m2m_jwt_failures_carry_clerks_codes() {
    let signer = Signer::contract();
    let header = json!({"alg": "RS256", "kid": KID});
    let cases: Vec<(String, MachineErrorCode, &str)> = vec![
        (
            signer.sign(
                &json!({"alg": "RS256", "kid": KID, "cat": "cl_B7d4PD111AAA"}),
                &m2m_payload(),
            ),
            MachineErrorCode::TokenInvalid,
            "Invalid M2M JWT category.",
        ),
        (
            {
                let mut p = m2m_payload();
                p["exp"] = json!(NOW - 60);
                signer.sign(&header, &p)
            },
            MachineErrorCode::TokenVerificationFailed,
            "JWT is expired.",
        ),
        (
            Signer::random().sign(&header, &m2m_payload()),
            MachineErrorCode::TokenVerificationFailed,
            "JWT signature is invalid.",
        ),
        (
            signer.sign(
                &json!({"alg": "RS256", "kid": KID, "typ": "at+jwt"}),
                &m2m_payload(),
            ),
            // M2M is asked about first; its verification wants typ JWT (or none).
            MachineErrorCode::TokenVerificationFailed,
            "Invalid JWT type \"at+jwt\". Expected \"JWT\".",
        ),
    ];
    for (token, code, message) in cases {
        let err = verify(&MachineJwtVerifier::new(), &token).unwrap_err();
        assert_eq!(err.code(), code, "{err}");
        assert!(
            err.message().starts_with(message),
            "{} !~ {message}",
            err.message()
        );
        assert!(err
            .full_message()
            .ends_with(&format!("(code={}, status=n/a)", code.as_str())));
    }
}

#[test]
fn an_oauth_jwt_verifies_and_checks_its_audience_as_clerk() {
    let signer = Signer::contract();
    let token = signer.sign(
        &json!({"alg": "RS256", "kid": KID, "typ": "at+jwt"}),
        &oauth_payload(),
    );
    assert_eq!(TokenType::of(&token), TokenType::OAuthToken);
    let auth = verify(&MachineJwtVerifier::new(), &token).unwrap();
    assert_eq!(auth.token_type(), TokenType::OAuthToken);
    assert_eq!(
        (auth.id(), auth.client_id(), auth.user_id()),
        ("oat_2zJwtId", Some("client_2zApp"), Some("user_2zOAuthUser"))
    );
    assert!(auth.has_scope("read:reports"));

    let matching = MachineJwtVerifier::new().audience(["https://api.example.com"]);
    assert!(verify(&matching, &token).is_ok());
    let other = MachineJwtVerifier::new().audience(["https://other.example.com"]);
    let err = verify(&other, &token).unwrap_err();
    assert_eq!(err.code(), MachineErrorCode::TokenVerificationFailed);
    assert!(err.message().starts_with("OAuth audience mismatch."), "{err}");

    // `scope` (a space-separated string) when there is no `scp`.
    let mut payload = oauth_payload();
    payload.as_object_mut().unwrap().remove("scp");
    payload["scope"] = json!("a b");
    let token = signer.sign(
        &json!({"alg": "RS256", "kid": KID, "typ": "application/at+jwt"}),
        &payload,
    );
    assert_eq!(
        verify(&MachineJwtVerifier::new(), &token).unwrap().scopes(),
        ["a", "b"]
    );
}

#[test]
fn a_jwt_that_is_neither_kind_is_refused_with_clerks_message() {
    let signer = Signer::contract();
    let token = signer.sign(
        &json!({"alg": "RS256", "kid": KID, "typ": "JWT"}),
        &oauth_payload(),
    );
    let err = verify(&MachineJwtVerifier::new(), &token).unwrap_err();
    assert_eq!(err.code(), MachineErrorCode::TokenVerificationFailed);
    assert_eq!(
        err.message(),
        "Invalid JWT type: JWT. Expected one of: at+jwt, application/at+jwt for OAuth, or sub starting with 'mch_' for M2M"
    );
    let err = verify(&MachineJwtVerifier::new(), "not-a-jwt").unwrap_err();
    assert_eq!(err.code(), MachineErrorCode::TokenInvalid);
}
