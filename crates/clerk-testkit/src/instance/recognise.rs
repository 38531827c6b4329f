//! Checking that a JWT was signed by one of the instance's served keys, without any time
//! checks: how the emulator recognises its own (possibly expired) session tokens.

use aws_lc_rs::signature::{self, RsaParameters, RsaPublicKeyComponents};
use base64::Engine as _;
use serde_json::Value;

use crate::instance::keys::{KeyRing, RsaAlg};

/// The payload of `jwt` when its signature verifies with the served key its `kid` names
/// (RS256/384/512); `None` for anything else: malformed, unknown `kid`, bad signature.
/// `exp`, `nbf` and `iat` are not looked at.
pub(crate) fn signed_payload(keys: &KeyRing, jwt: &str) -> Option<Value> {
    let mut parts = jwt.split('.');
    let (Some(header), Some(payload), Some(sig), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return None;
    };
    let signing_input = &jwt[..header.len() + 1 + payload.len()];
    let header = decode_json(header)?;
    let params: &RsaParameters = match RsaAlg::from_name(header.get("alg")?.as_str()?)? {
        RsaAlg::Rs256 => &signature::RSA_PKCS1_2048_8192_SHA256,
        RsaAlg::Rs384 => &signature::RSA_PKCS1_2048_8192_SHA384,
        RsaAlg::Rs512 => &signature::RSA_PKCS1_2048_8192_SHA512,
    };
    let kid = header.get("kid")?.as_str()?;
    let jwk = keys.jwks().into_iter().find(|jwk| jwk.kid == kid)?;
    let public = RsaPublicKeyComponents {
        n: decode(&jwk.n)?,
        e: decode(&jwk.e)?,
    };
    public
        .verify(params, signing_input.as_bytes(), &decode(sig)?)
        .ok()?;
    decode_json(payload)
}

fn decode(segment: &str) -> Option<Vec<u8>> {
    base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(segment)
        .ok()
}

fn decode_json(segment: &str) -> Option<Value> {
    serde_json::from_slice(&decode(segment)?).ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::instance::keys::SigningKey;
    use crate::instance::minter::TokenMinter;

    fn minter() -> (KeyRing, TokenMinter) {
        let keys = KeyRing::new(SigningKey::test_key());
        let minter = TokenMinter::new(
            "https://happy-hippo-42.clerk.accounts.dev".to_owned(),
            keys.clone(),
        );
        (keys, minter)
    }

    #[test]
    fn own_tokens_verify_even_when_expired() {
        let (keys, minter) = minter();
        let jwt = minter
            .session_token("user_1")
            .session_id("sess_1")
            .expired()
            .mint();
        let payload = signed_payload(&keys, &jwt).expect("verifies");
        assert_eq!(payload["sid"], "sess_1");
        let rs512 = minter.session_token("user_1").algorithm(RsaAlg::Rs512).mint();
        assert!(signed_payload(&keys, &rs512).is_some());
    }

    #[test]
    fn foreign_tampered_and_malformed_tokens_do_not() {
        let (keys, minter) = minter();
        for jwt in [
            minter.session_token("user_1").wrong_key().mint(),
            minter.session_token("user_1").tampered().mint(),
            minter
                .session_token("user_1")
                .header_kid(Some("ins_other"))
                .mint(),
            minter.session_token("user_1").header_alg("none").mint(),
            "not-a-jwt".to_owned(),
            "a.b.c.d".to_owned(),
            String::new(),
        ] {
            assert!(signed_payload(&keys, &jwt).is_none(), "{jwt}");
        }
    }
}
