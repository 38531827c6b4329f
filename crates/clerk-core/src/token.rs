//! Decoding a compact JWS the way Clerk's verifier does, without trusting any of it, except that
//! only canonical base64url is accepted.

use std::sync::OnceLock;

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use serde_json::Value;

use crate::claims::{pick_claims, pick_header, PickedClaims, Shape};
use crate::error::{Action, Reason, TokenError};

/// Default upper bound on a token's length, in bytes.
///
/// Clerk session tokens are about 1 KiB (a cookie holds at most 4 KiB); anything far larger is
/// refused before any decoding work.
pub const DEFAULT_MAX_TOKEN_BYTES: usize = 8 * 1024;

/// The session-token category (`cat` header) Clerk stamps on session and handshake tokens.
pub const CATEGORY_SESSION: &str = "cl_B7d4PD111AAA";
/// The JWT-template token category.
pub const CATEGORY_JWT_TEMPLATE: &str = "cl_B7d4PD222AAA";
/// The M2M token category.
pub const CATEGORY_M2M: &str = "cl_B7d4PD333AAA";
/// The "ignore" category some instances stamp on every token; it says nothing.
pub const CATEGORY_IGNORE: &str = "cl_I7d4PD111III";

/// base64url in its one canonical spelling: no `=` padding, unused trailing bits zero.
///
/// Clerk's `rfc4648` loose mode also strips any run of `=`: a deliberate difference, so that a
/// token has exactly one spelling (one verified-token cache entry, and no spelling that slips past
/// the machine-token checks).
const CANONICAL_B64URL: base64::engine::GeneralPurpose = URL_SAFE_NO_PAD;

pub(crate) const MSG_THREE_PARTS: &str = "Invalid JWT form. A JWT consists of three parts separated by dots.";
pub(crate) const MSG_UNDECODABLE: &str =
    "Invalid JWT form. The header, payload, or signature could not be decoded.";

/// The protected header fields Clerk's verifier looks at, as raw JSON values (their types are
/// checked by the rules that read them).
#[derive(Debug, Clone, Default)]
pub struct TokenHeader {
    /// `alg`.
    pub alg: Option<Value>,
    /// `typ`.
    pub typ: Option<Value>,
    /// `kid`.
    pub kid: Option<Value>,
    /// `cat`, Clerk's token category.
    pub cat: Option<Value>,
}

impl TokenHeader {
    /// The `kid` when it is a string.
    pub fn kid(&self) -> Option<&str> {
        self.kid.as_ref().and_then(Value::as_str)
    }
}

/// A token split and decoded, nothing verified yet. Its `Debug` shows the header and the
/// token's length, never the token, its claims or its signature.
///
/// The payload is validated as JSON and kept as text; the claims Clerk's rules read are picked
/// out of it in the same pass, the rest is parsed only if [`payload`](Self::payload) or
/// [`claim`](Self::claim) asks for it.
#[derive(Clone)]
pub struct DecodedToken<'a> {
    raw: &'a str,
    /// Byte offset of the second dot: `raw[..signing_end]` is the signed message.
    signing_end: usize,
    header: TokenHeader,
    /// The protected header was JSON `null` (Clerk's verifier throws a `TypeError` on it).
    header_null: bool,
    payload_json: String,
    /// Boxed: moved as is into the verified claims.
    picked: Box<PickedClaims>,
    payload: OnceLock<Value>,
    signature: Vec<u8>,
}

impl<'a> DecodedToken<'a> {
    /// Splits and decodes `token` as Clerk's `decodeJwt` does, refusing tokens over `max_bytes`
    /// and any segment that is not canonical base64url.
    ///
    /// # Errors
    ///
    /// `token-invalid` when the token is too large, has other than three parts, or a part cannot
    /// be decoded as canonical unpadded base64url (`=` padding or non-zero unused trailing bits
    /// give Clerk's "could not be decoded" message; header and payload must then parse as JSON).
    pub fn decode(token: &'a str, max_bytes: usize) -> Result<Self, TokenError> {
        if token.len() > max_bytes {
            return Err(TokenError::new(
                Reason::TokenInvalid,
                format!("Invalid JWT form. The token is larger than {max_bytes} bytes."),
            )
            .with_action(Action::EnsureClerkJwt));
        }
        // memchr: a kilobyte scanned on every verification (a char search cost ~1.5k instructions).
        let mut dots = memchr::memchr_iter(b'.', token.as_bytes());
        let (Some(first), Some(second), None) = (dots.next(), dots.next(), dots.next()) else {
            return Err(TokenError::new(Reason::TokenInvalid, MSG_THREE_PARTS));
        };
        let undecodable = || TokenError::new(Reason::TokenInvalid, MSG_UNDECODABLE);
        let header_json = decode_text(&token[..first]).ok_or_else(undecodable)?;
        let header = pick_header(&header_json).map_err(|_| undecodable())?;
        let payload_json = decode_text(&token[first + 1..second]).ok_or_else(undecodable)?;
        let picked = Box::new(pick_claims(&payload_json).map_err(|_| undecodable())?);
        let signature = CANONICAL_B64URL
            .decode(&token[second + 1..])
            .map_err(|_| undecodable())?;
        let field = |name| header.get(name).cloned();
        Ok(Self {
            raw: token,
            signing_end: second,
            header_null: header.shape() == Shape::Null,
            header: TokenHeader {
                alg: field("alg"),
                typ: field("typ"),
                kid: field("kid"),
                cat: field("cat"),
            },
            payload_json,
            picked,
            payload: OnceLock::new(),
            signature,
        })
    }

    /// The token as given.
    pub fn raw(&self) -> &'a str {
        self.raw
    }

    /// The decoded protected header.
    pub fn header(&self) -> &TokenHeader {
        &self.header
    }

    /// Whether the protected header is JSON `null` rather than an object.
    pub(crate) fn header_is_null(&self) -> bool {
        self.header_null
    }

    /// The decoded payload (any JSON value; claims are read from an object), parsed from its
    /// text on first use.
    pub fn payload(&self) -> &Value {
        self.payload.get_or_init(|| parse_validated(&self.payload_json))
    }

    /// A payload claim, when the payload is an object holding it. The claims Clerk's rules read
    /// (`sub`, `sid`, `iss`, `exp`, …) are answered without parsing the rest of the payload.
    pub fn claim(&self, name: &str) -> Option<&Value> {
        match self.picked.claims.lookup(name) {
            Some(picked) => picked,
            None => self.payload().as_object().and_then(|claims| claims.get(name)),
        }
    }

    /// The bytes the signature covers: `base64url(header) "." base64url(payload)`.
    pub fn signing_input(&self) -> &'a [u8] {
        &self.raw.as_bytes()[..self.signing_end]
    }

    /// The decoded signature bytes.
    pub fn signature(&self) -> &[u8] {
        &self.signature
    }

    /// Takes the payload's text, its picked claims and its tree if it was already parsed.
    pub(crate) fn into_payload_parts(self) -> (String, Box<PickedClaims>, Option<Value>) {
        (self.payload_json, self.picked, self.payload.into_inner())
    }

    /// Takes the payload value out.
    pub(crate) fn into_payload(self) -> Value {
        let (text, _, parsed) = self.into_payload_parts();
        parsed.unwrap_or_else(|| parse_validated(&text))
    }

    /// Whether this is a machine token or a non-session category in session clothing: an OAuth
    /// access-token `typ`, an `mch_` subject, or a `cat` other than session/ignore.
    ///
    /// Clerk answers `token-type-mismatch` for these on the session path. Clerk looks for a
    /// machine `typ` or subject only in tokens matching its `isJwtFormat`; here they are refused
    /// however the token is spelled (an empty signature, say).
    pub fn is_not_a_session_token(&self) -> bool {
        let oauth_typ = matches!(
            self.header.typ.as_ref().and_then(Value::as_str),
            Some("at+jwt" | "application/at+jwt")
        );
        let m2m_subject = matches!(self.claim("sub"), Some(Value::String(sub)) if sub.starts_with("mch_"));
        oauth_typ || m2m_subject || self.has_non_session_category()
    }

    /// Clerk's `isNonSessionJwtCategory`: a `cat` header present and neither the session nor the
    /// "ignore" category (a `null` one included).
    pub fn has_non_session_category(&self) -> bool {
        match &self.header.cat {
            None => false,
            Some(Value::String(cat)) => cat != CATEGORY_SESSION && cat != CATEGORY_IGNORE,
            Some(_) => true,
        }
    }
}

/// Canonical base64url then JSON. Invalid UTF-8 is replaced as JavaScript's `TextDecoder` does.
impl std::fmt::Debug for DecodedToken<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DecodedToken")
            .field("header", &self.header)
            .field("len", &self.raw.len())
            .finish_non_exhaustive()
    }
}

fn decode_text(segment: &str) -> Option<String> {
    let bytes = CANONICAL_B64URL.decode(segment).ok()?;
    Some(match String::from_utf8(bytes) {
        Ok(text) => text,
        Err(err) => String::from_utf8_lossy(err.as_bytes()).into_owned(),
    })
}

/// Parses JSON text [`DecodedToken::decode`] already validated (so it cannot fail; `null` if it
/// ever did).
pub(crate) fn parse_validated(text: &str) -> Value {
    serde_json::from_str(text).unwrap_or(Value::Null)
}

/// `String(value)` for a JSON value (how a JavaScript object key is made from it): `42` → `42`,
/// `null` → `null`, `[1,2]` → `1,2`, an object → `[object Object]`.
pub(crate) fn js_string(value: &Value) -> String {
    match value {
        Value::Null => "null".to_owned(),
        Value::Bool(b) => b.to_string(),
        Value::String(s) => s.clone(),
        Value::Number(n) => match n.as_f64() {
            Some(f) if f.fract() == 0.0 && f.abs() < 1e21 => format!("{f:.0}"),
            Some(f) => f.to_string(),
            None => n.to_string(),
        },
        Value::Array(items) => items
            .iter()
            .map(|item| match item {
                Value::Null => String::new(),
                other => js_string(other),
            })
            .collect::<Vec<_>>()
            .join(","),
        Value::Object(_) => "[object Object]".to_owned(),
    }
}

/// `JSON.stringify(value)` for values read from a token (`undefined` when absent).
pub(crate) fn js_stringify(value: Option<&Value>) -> String {
    match value {
        None => "undefined".to_owned(),
        Some(value) => serde_json::to_string(value).unwrap_or_else(|_| "undefined".to_owned()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wrong_part_counts_are_token_invalid_with_clerks_message() {
        for token in ["", "a", "a.b", "a.b.c.d", "...."] {
            let err = DecodedToken::decode(token, DEFAULT_MAX_TOKEN_BYTES).unwrap_err();
            assert_eq!(err.reason(), Reason::TokenInvalid);
            assert_eq!(err.message(), MSG_THREE_PARTS, "{token}");
        }
    }

    #[test]
    fn undecodable_parts_are_token_invalid() {
        for token in [
            "a.b.c",
            "!!.e30.AA",
            "e30.!!.AA",
            "e30.e30.!!",
            "bm90IGpzb24.e30.AA",
        ] {
            let err = DecodedToken::decode(token, DEFAULT_MAX_TOKEN_BYTES).unwrap_err();
            assert_eq!(err.message(), MSG_UNDECODABLE, "{token}");
        }
    }

    #[test]
    fn only_canonical_unpadded_base64url_decodes() {
        let decoded = DecodedToken::decode("e30.e30.AA", 100).unwrap();
        assert_eq!(decoded.signature(), &[0u8]);
        assert_eq!(decoded.signing_input(), b"e30.e30");
        // Padding (which Clerk's loose decoder strips), and non-zero unused trailing bits.
        for token in [
            "e30=.e30.AA",
            "e30.e30=.AA",
            "e30.e30.AA==",
            "e30.e30.AA=",
            "e30.e30.AB",
            "e31.e30.AA",
            "e30.e30.AA===",
        ] {
            let err = DecodedToken::decode(token, 100).unwrap_err();
            assert_eq!(err.reason(), Reason::TokenInvalid, "{token}");
            assert_eq!(err.message(), MSG_UNDECODABLE, "{token}");
        }
    }

    #[test]
    fn oversized_tokens_are_refused_before_decoding() {
        let token = "a".repeat(DEFAULT_MAX_TOKEN_BYTES + 1);
        let err = DecodedToken::decode(&token, DEFAULT_MAX_TOKEN_BYTES).unwrap_err();
        assert_eq!(err.reason(), Reason::TokenInvalid);
        assert!(err.message().contains("larger than"));
    }

    #[test]
    fn js_string_makes_object_keys_like_javascript() {
        assert_eq!(js_string(&Value::from(42)), "42");
        assert_eq!(js_string(&Value::from(4.0)), "4");
        assert_eq!(js_string(&Value::from(0.5)), "0.5");
        assert_eq!(js_string(&Value::Null), "null");
        assert_eq!(js_string(&Value::from(true)), "true");
        assert_eq!(js_string(&serde_json::json!([1, null, "a"])), "1,,a");
        assert_eq!(js_string(&serde_json::json!({"a": 1})), "[object Object]");
    }

    #[test]
    fn a_null_header_decodes_and_is_flagged() {
        // "null" . "{}" . 0x00
        let decoded = DecodedToken::decode("bnVsbA.e30.AA", 100).unwrap();
        assert!(decoded.header_is_null());
        assert!(!DecodedToken::decode("e30.e30.AA", 100).unwrap().header_is_null());
    }

    #[test]
    fn stringify_matches_javascript() {
        assert_eq!(js_stringify(None), "undefined");
        assert_eq!(js_stringify(Some(&Value::from("HS256"))), "\"HS256\"");
        assert_eq!(js_stringify(Some(&Value::from(5))), "5");
    }
}
