//! Refresh tokens: the opaque `__refresh_<suffix>` cookie value bound to one session.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use crate::ids::random_hex;
use crate::lock::lock;

/// One refresh token per session, created on first use. Cheap to clone.
#[derive(Debug, Clone, Default)]
pub(crate) struct RefreshTokens {
    by_session: Arc<Mutex<HashMap<String, String>>>,
}

impl RefreshTokens {
    /// The refresh token bound to `session_id` (created the first time).
    pub(crate) fn for_session(&self, session_id: &str) -> String {
        lock(&self.by_session)
            .entry(session_id.to_owned())
            .or_insert_with(|| format!("rt_{}", random_hex(48)))
            .clone()
    }

    /// Whether `token` is the refresh token bound to `session_id` (constant-time comparison).
    pub(crate) fn is_bound(&self, session_id: &str, token: &str) -> bool {
        let by_session = lock(&self.by_session);
        let Some(bound) = by_session.get(session_id) else {
            return false;
        };
        aws_lc_rs::constant_time::verify_slices_are_equal(bound.as_bytes(), token.as_bytes()).is_ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_token_is_bound_to_its_session_only() {
        let tokens = RefreshTokens::default();
        let first = tokens.for_session("sess_1");
        assert_eq!(tokens.for_session("sess_1"), first, "stable per session");
        let other = tokens.for_session("sess_2");
        assert_ne!(first, other);
        assert!(tokens.is_bound("sess_1", &first));
        assert!(!tokens.is_bound("sess_1", &other));
        assert!(!tokens.is_bound("sess_3", &first));
        assert!(!tokens.is_bound("sess_1", ""));
    }
}
