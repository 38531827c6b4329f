//! Key material from configuration or the Backend API: `PublishableKey::parse`,
//! `VerifyingKey::from_pem` and `JwkSet::parse` on the same bytes.
#![no_main]

use clerk_core::{jwk::JwkSet, PublishableKey, jwk::VerifyingKey, jwk::MAX_RSA_BITS, jwk::MIN_RSA_BITS};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    if let Ok(key) = PublishableKey::parse(&text) {
        assert!(key.issuer().starts_with("https://"));
        assert!(key.frontend_api().contains('.'));
        assert_eq!(key.cookie_suffix().len(), 8);
        // Debug never shows the raw key.
        let _ = format!("{key:?}");
    }
    if let Ok(key) = VerifyingKey::from_pem(&text) {
        assert!((MIN_RSA_BITS..=MAX_RSA_BITS).contains(&key.bits()));
        assert!(!key.verify_signature(b"message", &[0; 256]));
    }
    if let Ok(set) = JwkSet::parse(data) {
        for key in set.iter() {
            assert!(key.kid().is_some_and(|kid| !kid.is_empty()));
            assert!((MIN_RSA_BITS..=MAX_RSA_BITS).contains(&key.bits()));
        }
    }
});
