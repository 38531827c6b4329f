//! Webhook deliveries: body, headers and signing secret from bytes, through
//! `WebhookVerifier::verify_event` (with the signature computed here on request, so that parsing
//! of authentic deliveries is reached), and `ClerkEvent::from_slice` on the raw body.
//!
//! Input: a flags byte, then `\n`-separated secret, id, timestamp, signature, and the body (the
//! rest, newlines included). Flag bit 0: sign the delivery with the secret (then "now" is the
//! timestamp); bit 1: use the unbranded `webhook-*` header names.
#![no_main]

use std::time::{Duration, UNIX_EPOCH};

use clerk_core::webhook::{sign, ClerkEvent, WebhookHeaders, WebhookSecret, WebhookVerifier};
use libfuzzer_sys::fuzz_target;

const NOW_SECS: u64 = 1_755_000_000;
/// The latest timestamp a signed delivery is verified at (later ones are clamped to it).
const MAX_SECS: i64 = 1 << 40;

fuzz_target!(|data: &[u8]| {
    let Some((&flags, rest)) = data.split_first() else {
        return;
    };
    let mut parts = rest.splitn(5, |b| *b == b'\n');
    let mut next = || parts.next().unwrap_or_default();
    let (secret, id, timestamp, signature, body) = (next(), next(), next(), next(), next());
    let (secret, id, timestamp) = (
        String::from_utf8_lossy(secret),
        String::from_utf8_lossy(id),
        String::from_utf8_lossy(timestamp),
    );

    if let Ok(event) = ClerkEvent::from_slice(body) {
        let _ = (
            event.user().map(|user| user.to_public()),
            serde_json::to_vec(&event),
        );
    }

    let verifier = match WebhookVerifier::from_env_value(&secret) {
        Ok(verifier) => verifier,
        Err(err) => {
            let _ = err.clerk_message();
            return;
        }
    };
    let mut now = UNIX_EPOCH + Duration::from_secs(NOW_SECS);
    let signed = flags & 1 != 0;
    let signature = if signed {
        let (Some(first), Ok(ts)) = (verifier.secrets().first(), timestamp.trim().parse::<i64>()) else {
            return;
        };
        now = UNIX_EPOCH + Duration::from_secs(ts.clamp(0, MAX_SECS) as u64);
        sign(first, id.trim(), ts, body)
    } else {
        String::from_utf8_lossy(signature).into_owned()
    };
    let names: [&str; 3] = if flags & 2 != 0 {
        ["webhook-id", "webhook-timestamp", "webhook-signature"]
    } else {
        ["svix-id", "svix-timestamp", "svix-signature"]
    };
    let headers = WebhookHeaders::from_lookup(|name| {
        if name == names[0] {
            Some(&id)
        } else if name == names[1] {
            Some(&timestamp)
        } else if name == names[2] {
            Some(signature.as_str())
        } else {
            None
        }
    });
    // A delivery signed here with the verifier's own secret, at "now", is authentic: unless its
    // id is blank, its timestamp out of range (now is clamped) or its body not text (Clerk signs
    // JSON), it verifies.
    let authentic = signed
        && !id.trim().is_empty()
        && timestamp.trim().parse::<i64>().is_ok_and(|ts| (0..=MAX_SECS).contains(&ts))
        && std::str::from_utf8(body).is_ok();
    if authentic {
        if let Err(err) = verifier.verify(&headers, body, now) {
            panic!("a delivery signed with the secret was refused: {err}");
        }
    }
    match verifier.verify_event(&headers, body, now) {
        Ok(event) => {
            let _ = (
                event.user().map(|user| user.to_public()),
                serde_json::to_vec(&event),
                format!("{event:?}"),
            );
        }
        Err(err) => {
            let _ = err.clerk_message();
        }
    }
    let _ = WebhookSecret::new(&secret).map(|s| format!("{s:?} {s}"));
});
