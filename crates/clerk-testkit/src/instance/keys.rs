//! RSA signing keys and the instance's key ring (what `/v1/jwks` serves, which key mints).

use std::fmt;
use std::sync::{Arc, RwLock};

use aws_lc_rs::encoding::AsDer as _;
use aws_lc_rs::rsa::{KeyPair, KeySize};
use aws_lc_rs::signature::{self, KeyPair as _};
use base64::Engine as _;
use serde::Serialize;

use crate::error::{Error, Result};
use crate::ids::b64url;

/// The `kid` of the contract's TEST-ONLY key (the key that signed the example tokens).
pub const TEST_KEY_KID: &str = "ins_2zeTestInstanceKid000000000";

const TEST_PRIVATE_PEM: &str = include_str!("../fixtures/test_signing_key.private.pem");

/// RSA signature algorithms a token can be signed with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RsaAlg {
    /// RSASSA-PKCS1-v1_5 with SHA-256 (what Clerk uses).
    Rs256,
    /// RSASSA-PKCS1-v1_5 with SHA-384.
    Rs384,
    /// RSASSA-PKCS1-v1_5 with SHA-512.
    Rs512,
}

impl RsaAlg {
    /// The JOSE name (`RS256`, …).
    pub fn name(self) -> &'static str {
        match self {
            RsaAlg::Rs256 => "RS256",
            RsaAlg::Rs384 => "RS384",
            RsaAlg::Rs512 => "RS512",
        }
    }

    /// Parses a JOSE name; `None` for anything but `RS256`/`RS384`/`RS512`.
    pub fn from_name(name: &str) -> Option<Self> {
        match name {
            "RS256" => Some(RsaAlg::Rs256),
            "RS384" => Some(RsaAlg::Rs384),
            "RS512" => Some(RsaAlg::Rs512),
            _ => None,
        }
    }
}

/// A public key in the JWK shape Clerk serves, keys in Clerk's order
/// (`use, kty, kid, alg, n, e`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize)]
pub struct Jwk {
    /// Always `sig`.
    #[serde(rename = "use")]
    pub use_: String,
    /// Always `RSA`.
    pub kty: String,
    /// The key id, `ins_…`.
    pub kid: String,
    /// Always `RS256`.
    pub alg: String,
    /// Modulus, base64url without padding.
    pub n: String,
    /// Public exponent, base64url without padding (`AQAB`).
    pub e: String,
}

/// An RSA-2048 key pair with its `kid`, able to sign RS256/384/512.
///
/// Cheap to clone (the key pair is shared).
#[derive(Clone)]
pub struct SigningKey {
    kid: String,
    pair: Arc<KeyPair>,
}

impl fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SigningKey")
            .field("kid", &self.kid)
            .finish_non_exhaustive()
    }
}

impl SigningKey {
    /// Generates a fresh random RSA-2048 key pair (aws-lc-rs: milliseconds, not seconds).
    ///
    /// # Errors
    ///
    /// [`Error::Key`] if the crypto library fails.
    pub fn generate(kid: impl Into<String>) -> Result<Self> {
        let pair = KeyPair::generate(KeySize::Rsa2048)
            .map_err(|err| Error::Key(format!("key generation failed: {err}")))?;
        Ok(Self {
            kid: kid.into(),
            pair: Arc::new(pair),
        })
    }

    /// Parses a PEM private key (PKCS#8 `PRIVATE KEY` or PKCS#1 `RSA PRIVATE KEY`).
    ///
    /// # Errors
    ///
    /// [`Error::Key`] when the PEM or the key inside is not a usable RSA key.
    pub fn from_pem(kid: impl Into<String>, pem: &str) -> Result<Self> {
        let der = pem_body(pem)?;
        let pair = if pem.contains("BEGIN RSA PRIVATE KEY") {
            KeyPair::from_der(&der)
        } else {
            KeyPair::from_pkcs8(&der)
        }
        .map_err(|err| Error::Key(format!("not an RSA private key: {err}")))?;
        Ok(Self {
            kid: kid.into(),
            pair: Arc::new(pair),
        })
    }

    /// The contract's TEST-ONLY key, `kid` [`TEST_KEY_KID`]: the key that signed the example
    /// tokens, so tokens minted with it and the same claims are byte-identical to them.
    pub fn test_key() -> Self {
        match Self::from_pem(TEST_KEY_KID, TEST_PRIVATE_PEM) {
            Ok(key) => key,
            // The PEM is compiled in and covered by tests.
            Err(err) => unreachable!("the embedded test key is valid: {err}"),
        }
    }

    /// The key id (`kid` header and JWK field).
    pub fn kid(&self) -> &str {
        &self.kid
    }

    /// The same key pair under another `kid`.
    pub fn with_kid(&self, kid: impl Into<String>) -> Self {
        Self {
            kid: kid.into(),
            pair: Arc::clone(&self.pair),
        }
    }

    /// The public key as a JWK, as `/v1/jwks` serves it.
    pub fn jwk(&self) -> Jwk {
        let public = self.pair.public_key();
        Jwk {
            use_: "sig".to_owned(),
            kty: "RSA".to_owned(),
            kid: self.kid.clone(),
            alg: "RS256".to_owned(),
            n: b64url(public.modulus().big_endian_without_leading_zero()),
            e: b64url(public.exponent().big_endian_without_leading_zero()),
        }
    }

    /// The public key as an SPKI PEM (`-----BEGIN PUBLIC KEY-----`), the form Clerk's
    /// "networkless" `jwtKey` option takes.
    ///
    /// # Errors
    ///
    /// [`Error::Key`] if the key cannot be encoded.
    pub fn public_key_pem(&self) -> Result<String> {
        let der = self
            .pair
            .public_key()
            .as_der()
            .map_err(|err| Error::Key(format!("public key encoding failed: {err}")))?;
        Ok(pem("PUBLIC KEY", der.as_ref()))
    }

    /// The private key as a PKCS#8 PEM (`-----BEGIN PRIVATE KEY-----`), which
    /// [`SigningKey::from_pem`] reads back: for keeping an emulator's identity across restarts
    /// (the example app's dev mode stores it in its database). TEST-ONLY material.
    ///
    /// # Errors
    ///
    /// [`Error::Key`] if the key cannot be encoded.
    pub fn private_key_pem(&self) -> Result<String> {
        use aws_lc_rs::encoding::{AsDer as _, Pkcs8V1Der};
        let der: Pkcs8V1Der<'static> = self
            .pair
            .as_der()
            .map_err(|err| Error::Key(format!("private key encoding failed: {err}")))?;
        Ok(pem("PRIVATE KEY", der.as_ref()))
    }

    /// Signs `message` with RSASSA-PKCS1-v1_5 (deterministic).
    ///
    /// # Errors
    ///
    /// [`Error::Key`] if the crypto library fails.
    pub fn sign(&self, alg: RsaAlg, message: &[u8]) -> Result<Vec<u8>> {
        let padding: &'static dyn signature::RsaEncoding = match alg {
            RsaAlg::Rs256 => &signature::RSA_PKCS1_SHA256,
            RsaAlg::Rs384 => &signature::RSA_PKCS1_SHA384,
            RsaAlg::Rs512 => &signature::RSA_PKCS1_SHA512,
        };
        let mut sig = vec![0; self.pair.public_modulus_len()];
        let rng = aws_lc_rs::rand::SystemRandom::new();
        self.pair
            .sign(padding, &rng, message, &mut sig)
            .map_err(|err| Error::Key(format!("signing failed: {err}")))?;
        Ok(sig)
    }
}

/// `der` as a PEM block with 64-character lines.
fn pem(label: &str, der: &[u8]) -> String {
    let body = base64::engine::general_purpose::STANDARD.encode(der);
    let mut pem = format!("-----BEGIN {label}-----\n");
    for chunk in body.as_bytes().chunks(64) {
        pem.push_str(&String::from_utf8_lossy(chunk));
        pem.push('\n');
    }
    pem.push_str(&format!("-----END {label}-----\n"));
    pem
}

fn pem_body(pem: &str) -> Result<Vec<u8>> {
    let body: String = pem
        .lines()
        .map(str::trim)
        .filter(|line| !line.is_empty() && !line.starts_with("-----"))
        .collect();
    base64::engine::general_purpose::STANDARD
        .decode(body)
        .map_err(|err| Error::Key(format!("PEM body is not base64: {err}")))
}

/// The instance's keys: every key served by JWKS, and the one that mints.
#[derive(Debug)]
pub(crate) struct KeyRingState {
    pub(crate) served: Vec<SigningKey>,
    pub(crate) active: SigningKey,
}

/// Shared handle to the key ring.
#[derive(Debug, Clone)]
pub(crate) struct KeyRing(Arc<RwLock<KeyRingState>>);

impl KeyRing {
    pub(crate) fn new(key: SigningKey) -> Self {
        Self(Arc::new(RwLock::new(KeyRingState {
            served: vec![key.clone()],
            active: key,
        })))
    }

    pub(crate) fn active(&self) -> SigningKey {
        self.read(|state| state.active.clone())
    }

    pub(crate) fn jwks(&self) -> Vec<Jwk> {
        self.read(|state| state.served.iter().map(SigningKey::jwk).collect())
    }

    /// Serves `key` and mints with it from now on.
    pub(crate) fn add_active(&self, key: SigningKey) {
        self.write(|state| {
            state.served.retain(|k| k.kid() != key.kid());
            state.served.push(key.clone());
            state.active = key;
        });
    }

    /// Stops serving `kid`. Returns whether it was served.
    pub(crate) fn retire(&self, kid: &str) -> bool {
        self.write(|state| {
            let before = state.served.len();
            state.served.retain(|k| k.kid() != kid);
            before != state.served.len()
        })
    }

    fn read<R>(&self, f: impl FnOnce(&KeyRingState) -> R) -> R {
        let guard = self.0.read().unwrap_or_else(std::sync::PoisonError::into_inner);
        f(&guard)
    }

    fn write<R>(&self, f: impl FnOnce(&mut KeyRingState) -> R) -> R {
        let mut guard = self.0.write().unwrap_or_else(std::sync::PoisonError::into_inner);
        f(&mut guard)
    }
}
