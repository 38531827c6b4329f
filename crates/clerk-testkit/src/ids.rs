//! Random identifiers and token material: Clerk-shaped ids, hex, base64url.

use base64::Engine as _;
use rand::Rng as _;

const BASE62: &[u8] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

/// `prefix` + 27 random base62 characters, the shape of Clerk's KSUID-like ids.
pub(crate) fn new_id(prefix: &str) -> String {
    let mut rng = rand::thread_rng();
    let mut id = String::with_capacity(prefix.len() + 27);
    id.push_str(prefix);
    for _ in 0..27 {
        id.push(char::from(BASE62[rng.gen_range(0..BASE62.len())]));
    }
    id
}

/// `n` random lowercase hex characters.
pub(crate) fn random_hex(n: usize) -> String {
    let mut rng = rand::thread_rng();
    (0..n)
        .map(|_| char::from(b"0123456789abcdef"[rng.gen_range(0..16)]))
        .collect()
}

/// Unpadded base64url.
pub(crate) fn b64url(bytes: impl AsRef<[u8]>) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}
