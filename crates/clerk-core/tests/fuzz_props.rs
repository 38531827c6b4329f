//! Property tests: any input from the network is an error, never a panic.

mod common;

use clerk_core::{
    jwk::JwkSet, jwk::VerifyingKey, token::DecodedToken, verify::StaticKey, JwtVerifier, PublishableKey,
};
use common::*;
use proptest::prelude::*;

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread().build().unwrap()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn random_bytes_as_a_token_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..2048)) {
        let text = String::from_utf8_lossy(&bytes);
        let keys = StaticKey(pem_key());
        let result = runtime().block_on(JwtVerifier::new().verify(&text, &keys, at(IAT)));
        prop_assert!(result.is_err());
    }

    #[test]
    fn random_three_part_tokens_never_panic(
        h in "[A-Za-z0-9_=-]{0,64}", p in "[A-Za-z0-9_=-]{0,64}", s in "[A-Za-z0-9_=-]{0,64}"
    ) {
        let token = format!("{h}.{p}.{s}");
        let _ = DecodedToken::decode(&token, 8192);
        let keys = StaticKey(pem_key());
        prop_assert!(runtime().block_on(JwtVerifier::new().verify(&token, &keys, at(IAT))).is_err());
    }

    #[test]
    fn random_json_segments_never_panic(header in any::<String>(), payload in any::<String>()) {
        use base64::Engine as _;
        let enc = base64::engine::general_purpose::URL_SAFE_NO_PAD;
        let token = format!("{}.{}.AAAA", enc.encode(header), enc.encode(payload));
        let keys = StaticKey(pem_key());
        prop_assert!(runtime().block_on(JwtVerifier::new().verify(&token, &keys, at(IAT))).is_err());
    }

    #[test]
    fn random_keys_and_sets_never_panic(text in any::<String>()) {
        let _ = PublishableKey::parse(&text);
        let _ = VerifyingKey::from_pem(&text);
        let _ = JwkSet::parse(text.as_bytes());
    }
}
