//! Verification keys: JWK sets from Clerk and PEM public keys (`CLERK_JWT_KEY`).

use std::collections::HashMap;
use std::fmt;
use std::sync::Arc;

use aws_lc_rs::signature::{self as lc, ParsedPublicKey};
use base64::Engine as _;
use jsonwebtoken::DecodingKey;
use serde::Deserialize;

use crate::error::{Error, Result};

/// Smallest RSA modulus we accept, in bits (what the signature backend supports).
pub const MIN_RSA_BITS: usize = 2048;
/// Largest RSA modulus we accept, in bits.
pub const MAX_RSA_BITS: usize = 8192;

/// The JWS algorithms Clerk signs session tokens with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RsaAlgorithm {
    /// RSASSA-PKCS1-v1_5 with SHA-256.
    Rs256,
    /// RSASSA-PKCS1-v1_5 with SHA-384.
    Rs384,
    /// RSASSA-PKCS1-v1_5 with SHA-512.
    Rs512,
}

impl RsaAlgorithm {
    /// Parses the JOSE name (`RS256`, `RS384`, `RS512`).
    pub fn from_name(name: &str) -> Option<Self> {
        match name {
            "RS256" => Some(Self::Rs256),
            "RS384" => Some(Self::Rs384),
            "RS512" => Some(Self::Rs512),
            _ => None,
        }
    }

    /// The JOSE name.
    pub const fn name(self) -> &'static str {
        match self {
            Self::Rs256 => "RS256",
            Self::Rs384 => "RS384",
            Self::Rs512 => "RS512",
        }
    }

    fn parameters(self) -> &'static lc::RsaParameters {
        match self {
            Self::Rs256 => &lc::RSA_PKCS1_2048_8192_SHA256,
            Self::Rs384 => &lc::RSA_PKCS1_2048_8192_SHA384,
            Self::Rs512 => &lc::RSA_PKCS1_2048_8192_SHA512,
        }
    }
}

/// Where a key came from; it decides Clerk's reason when the token's `alg` differs from the key's.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyOrigin {
    /// A JWK from the instance's JWKS (its `alg` is pinned by the JWK).
    Jwks,
    /// A PEM public key given in configuration (pinned to RS256).
    Pem,
}

/// A public key ready to verify signatures: parsed once, shared by reference.
///
/// The algorithm is pinned by the key (the JWK's `alg`, RS256 when absent or for PEM keys),
/// never by the token.
#[derive(Clone)]
pub struct VerifyingKey {
    kid: Option<Arc<str>>,
    alg: RsaAlgorithm,
    origin: KeyOrigin,
    bits: usize,
    key: ParsedPublicKey,
}

impl VerifyingKey {
    /// Builds a key from RSA modulus and exponent bytes (big-endian).
    ///
    /// # Errors
    ///
    /// [`Error::InvalidKey`] when the modulus is outside 2048–8192 bits or the exponent is empty.
    pub fn from_rsa_components(
        kid: Option<&str>,
        n: &[u8],
        e: &[u8],
        alg: RsaAlgorithm,
        origin: KeyOrigin,
    ) -> Result<Self> {
        let n = strip_leading_zeros(n);
        let e = strip_leading_zeros(e);
        let bits = modulus_bits(n);
        if !(MIN_RSA_BITS..=MAX_RSA_BITS).contains(&bits) {
            return Err(Error::InvalidKey(format!(
                "RSA modulus of {bits} bits is outside the supported {MIN_RSA_BITS}–{MAX_RSA_BITS} bits"
            )));
        }
        if e.is_empty() || e.len() > 8 {
            return Err(Error::InvalidKey("RSA exponent is malformed".into()));
        }
        // Parsed once here; verification then does no parsing and no allocation.
        let key = ParsedPublicKey::new(alg.parameters(), pkcs1_der(n, e))
            .map_err(|err| Error::InvalidKey(format!("RSA public key rejected: {err}")))?;
        Ok(Self {
            kid: kid.map(Arc::from),
            alg,
            origin,
            bits,
            key,
        })
    }

    /// Parses a PEM public key (`-----BEGIN PUBLIC KEY-----` SPKI, or PKCS#1
    /// `-----BEGIN RSA PUBLIC KEY-----`), as Clerk's dashboard shows it for `CLERK_JWT_KEY`.
    ///
    /// Any RSA size from 2048 to 8192 bits; no `kid` is needed (the key verifies any `kid`).
    /// Escaped newlines (`\n` written as two characters, common in `.env` files) are accepted.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidKey`] when the PEM is not an RSA public key.
    ///
    /// # Examples
    ///
    /// ```
    /// let pem = std::fs::read_to_string(concat!(
    ///     env!("CARGO_MANIFEST_DIR"),
    ///     "/tests/fixtures/test_signing_key.public.pem"
    /// ))?;
    /// let key = clerk_core::jwk::VerifyingKey::from_pem(&pem)?;
    /// assert_eq!(key.bits(), 2048);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn from_pem(pem: &str) -> Result<Self> {
        let normalised;
        let pem = if pem.contains("\\n") {
            normalised = pem.replace("\\n", "\n");
            normalised.as_str()
        } else {
            pem
        };
        let decoding = DecodingKey::from_rsa_pem(pem.trim().as_bytes())
            .map_err(|err| Error::InvalidKey(format!("CLERK_JWT_KEY is not an RSA public key: {err}")))?;
        let der = decoding
            .try_get_as_bytes()
            .map_err(|_| Error::InvalidKey("CLERK_JWT_KEY is not an RSA public key".into()))?;
        let (n, e) = parse_pkcs1_public_key(der)
            .ok_or_else(|| Error::InvalidKey("CLERK_JWT_KEY is not an RSA public key".into()))?;
        Self::from_rsa_components(None, n, e, RsaAlgorithm::Rs256, KeyOrigin::Pem)
    }

    /// The key id (`ins_…` for Clerk keys); `None` for PEM keys.
    pub fn kid(&self) -> Option<&str> {
        self.kid.as_deref()
    }

    /// The algorithm this key verifies.
    pub fn algorithm(&self) -> RsaAlgorithm {
        self.alg
    }

    /// Where the key came from.
    pub fn origin(&self) -> KeyOrigin {
        self.origin
    }

    /// Modulus size in bits.
    pub fn bits(&self) -> usize {
        self.bits
    }

    /// Whether `other` is the same public key (algorithm and material).
    pub fn same_material(&self, other: &VerifyingKey) -> bool {
        self.alg == other.alg && self.key.as_ref() == other.key.as_ref()
    }

    /// Whether `signature` is a valid RSASSA-PKCS1-v1_5 signature of `message` under this key
    /// and its pinned algorithm.
    pub fn verify_signature(&self, message: &[u8], signature: &[u8]) -> bool {
        self.key.verify_sig(message, signature).is_ok()
    }
}

impl fmt::Debug for VerifyingKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("VerifyingKey")
            .field("kid", &self.kid)
            .field("alg", &self.alg)
            .field("origin", &self.origin)
            .field("bits", &self.bits)
            .finish()
    }
}

/// One JWK as Clerk serves it. Unknown members are ignored.
#[derive(Debug, Clone, Deserialize)]
struct RawJwk {
    kty: Option<String>,
    kid: Option<String>,
    #[serde(rename = "use")]
    use_: Option<String>,
    alg: Option<String>,
    n: Option<String>,
    e: Option<String>,
}

#[derive(Debug, Deserialize)]
struct RawJwkSet {
    keys: Vec<serde_json::Value>,
}

/// A parsed JWK set: the RSA signing keys it holds, by `kid`.
///
/// Keys Clerk's verifier could not use (EC, OKP, symmetric, encryption keys, RSA keys without a
/// `kid` or with an unsupported size) are skipped, not fatal; [`JwkSet::skipped`] counts them.
///
/// # Examples
///
/// ```
/// let json = std::fs::read_to_string(concat!(
///     env!("CARGO_MANIFEST_DIR"),
///     "/tests/fixtures/jwks.response.json"
/// ))?;
/// let set = clerk_core::jwk::JwkSet::parse(json.as_bytes())?;
/// assert!(set.get("ins_2zeTestInstanceKid000000000").is_some());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, Default)]
pub struct JwkSet {
    keys: HashMap<Arc<str>, Arc<VerifyingKey>>,
    skipped: usize,
}

impl JwkSet {
    /// Parses `{"keys":[…]}`.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidJwks`] when the document is not a JSON object with a `keys` array.
    pub fn parse(json: &[u8]) -> Result<Self> {
        let raw: RawJwkSet =
            serde_json::from_slice(json).map_err(|err| Error::InvalidJwks(err.to_string()))?;
        let mut set = JwkSet::default();
        for value in raw.keys {
            match serde_json::from_value::<RawJwk>(value)
                .ok()
                .and_then(|jwk| usable_key(&jwk))
            {
                Some(key) => {
                    let kid: Arc<str> = key.kid.clone().unwrap_or_else(|| Arc::from(""));
                    set.keys.insert(kid, Arc::new(key));
                }
                None => set.skipped += 1,
            }
        }
        Ok(set)
    }

    /// Builds a set from keys (each must have a `kid`; others are skipped).
    pub fn from_keys(keys: impl IntoIterator<Item = VerifyingKey>) -> Self {
        let mut set = JwkSet::default();
        for key in keys {
            match key.kid.clone() {
                Some(kid) => {
                    set.keys.insert(kid, Arc::new(key));
                }
                None => set.skipped += 1,
            }
        }
        set
    }

    /// The key with this `kid`.
    pub fn get(&self, kid: &str) -> Option<&Arc<VerifyingKey>> {
        self.keys.get(kid)
    }

    /// Number of usable keys.
    pub fn len(&self) -> usize {
        self.keys.len()
    }

    /// Whether the set holds no usable key.
    pub fn is_empty(&self) -> bool {
        self.keys.is_empty()
    }

    /// Number of keys that were skipped as unusable.
    pub fn skipped(&self) -> usize {
        self.skipped
    }

    /// Iterates over the usable keys.
    pub fn iter(&self) -> impl Iterator<Item = &Arc<VerifyingKey>> {
        self.keys.values()
    }
}

fn usable_key(jwk: &RawJwk) -> Option<VerifyingKey> {
    if jwk.kty.as_deref() != Some("RSA") {
        return None;
    }
    if matches!(jwk.use_.as_deref(), Some(u) if u != "sig") {
        return None;
    }
    let alg = match jwk.alg.as_deref() {
        None => RsaAlgorithm::Rs256,
        Some(name) => RsaAlgorithm::from_name(name)?,
    };
    let kid = jwk.kid.as_deref().filter(|kid| !kid.is_empty())?;
    let engine = base64::engine::general_purpose::URL_SAFE_NO_PAD;
    let n = engine.decode(jwk.n.as_deref()?.trim_end_matches('=')).ok()?;
    let e = engine.decode(jwk.e.as_deref()?.trim_end_matches('=')).ok()?;
    VerifyingKey::from_rsa_components(Some(kid), &n, &e, alg, KeyOrigin::Jwks).ok()
}

fn strip_leading_zeros(bytes: &[u8]) -> &[u8] {
    let first = bytes.iter().position(|b| *b != 0).unwrap_or(bytes.len());
    &bytes[first..]
}

fn modulus_bits(n: &[u8]) -> usize {
    match n.first() {
        None => 0,
        Some(top) => (n.len() - 1) * 8 + (8 - top.leading_zeros() as usize),
    }
}

/// Encodes `RSAPublicKey ::= SEQUENCE { modulus INTEGER, publicExponent INTEGER }` (DER).
fn pkcs1_der(n: &[u8], e: &[u8]) -> Vec<u8> {
    let mut body = Vec::with_capacity(n.len() + e.len() + 16);
    der_unsigned_integer(&mut body, n);
    der_unsigned_integer(&mut body, e);
    let mut out = Vec::with_capacity(body.len() + 8);
    out.push(0x30);
    der_length(&mut out, body.len());
    out.extend_from_slice(&body);
    out
}

fn der_unsigned_integer(out: &mut Vec<u8>, value: &[u8]) {
    let pad = value.first().is_some_and(|b| b & 0x80 != 0);
    out.push(0x02);
    der_length(out, value.len() + usize::from(pad));
    if pad {
        out.push(0);
    }
    out.extend_from_slice(value);
}

fn der_length(out: &mut Vec<u8>, len: usize) {
    if len < 0x80 {
        out.push(len as u8);
    } else {
        let bytes = len.to_be_bytes();
        let skip = bytes.iter().position(|b| *b != 0).unwrap_or(bytes.len() - 1);
        out.push(0x80 | (bytes.len() - skip) as u8);
        out.extend_from_slice(&bytes[skip..]);
    }
}

/// Reads `RSAPublicKey ::= SEQUENCE { modulus INTEGER, publicExponent INTEGER }` (DER).
fn parse_pkcs1_public_key(der: &[u8]) -> Option<(&[u8], &[u8])> {
    let (tag, body, rest) = der_element(der)?;
    if tag != 0x30 || !rest.is_empty() {
        return None;
    }
    let (tag_n, n, rest) = der_element(body)?;
    let (tag_e, e, rest) = der_element(rest)?;
    if tag_n != 0x02 || tag_e != 0x02 || !rest.is_empty() {
        return None;
    }
    Some((n, e))
}

/// One DER element: (tag, contents, remaining input).
fn der_element(input: &[u8]) -> Option<(u8, &[u8], &[u8])> {
    let (&tag, input) = input.split_first()?;
    let (&first_len, mut input) = input.split_first()?;
    let len = if first_len < 0x80 {
        usize::from(first_len)
    } else {
        let count = usize::from(first_len & 0x7f);
        if count == 0 || count > 4 || input.len() < count {
            return None;
        }
        let mut len = 0usize;
        for byte in &input[..count] {
            len = (len << 8) | usize::from(*byte);
        }
        input = &input[count..];
        len
    };
    if input.len() < len {
        return None;
    }
    Some((tag, &input[..len], &input[len..]))
}

#[cfg(test)]
mod tests {
    use super::*;

    const PEM: &str = include_str!("../tests/fixtures/test_signing_key.public.pem");
    const JWKS: &str = include_str!("../tests/fixtures/jwks.response.json");

    #[test]
    fn pem_and_jwk_hold_the_same_modulus() {
        let pem = VerifyingKey::from_pem(PEM).unwrap();
        let set = JwkSet::parse(JWKS.as_bytes()).unwrap();
        let jwk = set.get("ins_2zeTestInstanceKid000000000").unwrap();
        assert_eq!(pem.bits(), 2048);
        assert_eq!(jwk.bits(), 2048);
        assert_eq!(pem.algorithm(), RsaAlgorithm::Rs256);
        assert_eq!(pem.kid(), None);
        assert_eq!(pem.origin(), KeyOrigin::Pem);
    }

    #[test]
    fn pem_with_escaped_newlines_is_accepted() {
        let escaped = PEM.trim().replace('\n', "\\n");
        assert_eq!(VerifyingKey::from_pem(&escaped).unwrap().bits(), 2048);
    }

    #[test]
    fn unusable_keys_are_skipped_not_fatal() {
        let json = r#"{"keys":[
            {"kty":"EC","crv":"P-256","kid":"ec","x":"AA","y":"AA"},
            {"kty":"oct","kid":"sym","k":"c2VjcmV0"},
            {"kty":"RSA","kid":"enc","use":"enc","n":"AQAB","e":"AQAB"},
            {"kty":"RSA","kid":"small","n":"AQAB","e":"AQAB"},
            {"kty":"RSA","kid":"ps","alg":"PS256","n":"AQAB","e":"AQAB"},
            "not an object",
            {"kty":"RSA"}
        ]}"#;
        let set = JwkSet::parse(json.as_bytes()).unwrap();
        assert!(set.is_empty());
        assert_eq!(set.skipped(), 7);
    }

    #[test]
    fn malformed_sets_are_errors() {
        for json in ["", "{}", "[]", r#"{"keys":{}}"#, "null"] {
            assert!(
                matches!(JwkSet::parse(json.as_bytes()), Err(Error::InvalidJwks(_))),
                "{json}"
            );
        }
    }

    #[test]
    fn garbage_pem_is_refused() {
        assert!(
            VerifyingKey::from_pem("-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----").is_err()
        );
        assert!(VerifyingKey::from_pem("").is_err());
    }
}
