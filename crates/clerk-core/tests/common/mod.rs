//! Test helpers: sign arbitrary tokens with real RSA keys.
#![allow(dead_code)]

use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use aws_lc_rs::rand::SystemRandom;
use aws_lc_rs::rsa::{KeyPair, KeySize};
use aws_lc_rs::signature::{KeyPair as _, RSA_PKCS1_SHA256};
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use base64::Engine as _;
use clerk_core::{jwk::KeyOrigin, jwk::RsaAlgorithm, jwk::VerifyingKey};
use serde_json::{json, Value};

pub const KID: &str = "ins_2zeTestInstanceKid000000000";
pub const ISSUER: &str = "https://happy-hippo-42.clerk.accounts.dev";
pub const PUBLIC_PEM: &str = include_str!("../fixtures/test_signing_key.public.pem");
pub const PRIVATE_PEM: &str = include_str!("../fixtures/test_signing_key.private.pem");
pub const JWKS: &str = include_str!("../fixtures/jwks.response.json");
/// `iat` of the contract's example tokens.
pub const IAT: u64 = 1_755_000_000;

pub fn at(secs: u64) -> SystemTime {
    UNIX_EPOCH + Duration::from_secs(secs)
}

pub fn at_ms(ms: u64) -> SystemTime {
    UNIX_EPOCH + Duration::from_millis(ms)
}

pub fn fixture(name: &str) -> Value {
    let path = format!("{}/tests/fixtures/{name}", env!("CARGO_MANIFEST_DIR"));
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

/// An RSA signing key.
pub struct Signer {
    pair: KeyPair,
}

impl Signer {
    /// The contract's test key (the one behind the example tokens and JWKS).
    pub fn contract() -> Self {
        let body: String = PRIVATE_PEM.lines().filter(|l| !l.starts_with("-----")).collect();
        let der = STANDARD.decode(body).unwrap();
        Self {
            pair: KeyPair::from_pkcs8(&der).unwrap(),
        }
    }

    /// A fresh random 2048-bit key.
    pub fn random() -> Self {
        Self {
            pair: KeyPair::generate(KeySize::Rsa2048).unwrap(),
        }
    }

    pub fn verifying_key(&self, kid: Option<&str>) -> VerifyingKey {
        let public = self.pair.public_key();
        VerifyingKey::from_rsa_components(
            kid,
            public.modulus().big_endian_without_leading_zero(),
            public.exponent().big_endian_without_leading_zero(),
            RsaAlgorithm::Rs256,
            KeyOrigin::Jwks,
        )
        .unwrap()
    }

    pub fn jwk(&self, kid: &str) -> Value {
        let public = self.pair.public_key();
        json!({
            "use": "sig", "kty": "RSA", "kid": kid, "alg": "RS256",
            "n": URL_SAFE_NO_PAD.encode(public.modulus().big_endian_without_leading_zero()),
            "e": URL_SAFE_NO_PAD.encode(public.exponent().big_endian_without_leading_zero()),
        })
    }

    /// Signs `header.payload` with RS256 whatever the header says.
    pub fn sign(&self, header: &Value, payload: &Value) -> String {
        self.sign_input(&format!("{}.{}", b64(header), b64(payload)))
    }

    /// Signs `input` (`header.payload`, spelled however the test likes) with RS256.
    pub fn sign_input(&self, input: &str) -> String {
        let mut sig = vec![0; self.pair.public_modulus_len()];
        self.pair
            .sign(
                &RSA_PKCS1_SHA256,
                &SystemRandom::new(),
                input.as_bytes(),
                &mut sig,
            )
            .unwrap();
        format!("{input}.{}", URL_SAFE_NO_PAD.encode(sig))
    }
}

pub fn b64(value: &Value) -> String {
    URL_SAFE_NO_PAD.encode(serde_json::to_vec(value).unwrap())
}

pub fn session_header() -> Value {
    json!({"alg": "RS256", "cat": "cl_B7d4PD111AAA", "kid": KID, "typ": "JWT"})
}

/// A v2 session payload issued at `iat`.
pub fn session_payload(iat: u64) -> Value {
    json!({
        "azp": "http://localhost:3000",
        "exp": iat + 60,
        "fva": [3, -1],
        "iat": iat,
        "iss": ISSUER,
        "nbf": iat - 10,
        "sid": "sess_2zf0Yw3ZkVn8qL1pT6rB9xD4sHa",
        "sts": "active",
        "sub": "user_2zXmpL3UsrAbCdEfGhIjKlMnOpQ",
        "v": 2
    })
}

pub fn pem_key() -> Arc<VerifyingKey> {
    Arc::new(VerifyingKey::from_pem(PUBLIC_PEM).unwrap())
}
