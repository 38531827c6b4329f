//! Per-endpoint call counters and the request log.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use clerk_core::request::names;

use crate::lock::lock;

/// The status recorded for a connection closed without a response.
pub const DROPPED: u16 = 0;

/// Request headers kept in the log (lowercase names). `authorization` is logged only as
/// its scheme and key prefix (`Bearer sk_test_…`), `clerk-secret-key` only as its prefix, never
/// the key. A Frontend API proxy's headers (and the caller address ones it must drop) are kept
/// so that tests can read what reached Clerk, and so is W3C trace context (`traceparent`,
/// `tracestate`).
pub const LOGGED_HEADERS: [&str; 13] = [
    "authorization",
    "clerk-api-version",
    "content-type",
    "user-agent",
    "x-clerk-sdk",
    "accept",
    "clerk-proxy-url",
    "clerk-secret-key",
    "x-forwarded-for",
    "x-real-ip",
    "forwarded",
    "traceparent",
    "tracestate",
];

/// Query parameters whose values the request log never keeps: session, dev-browser and
/// handshake tokens, handshake nonces.
pub const REDACTED_QUERY_PARAMS: [&str; 5] = [
    "__session",
    names::DEV_BROWSER,
    names::QUERY_HANDSHAKE,
    names::QUERY_HANDSHAKE_NONCE,
    "nonce",
];

/// One request the emulator answered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequestRecord {
    /// `GET`, `POST`, …
    pub method: String,
    /// The route template, e.g. `/v1/users/{user_id}`; `None` when no route matched.
    pub route: Option<String>,
    /// The path as requested.
    pub path: String,
    /// The query string as sent, except that the values of [`REDACTED_QUERY_PARAMS`] read
    /// `[redacted]`.
    pub query: String,
    /// The status sent, or [`DROPPED`].
    pub status: u16,
    /// Selected headers (see [`LOGGED_HEADERS`]), secrets redacted.
    pub headers: Vec<(String, String)>,
}

/// What the counters are keyed by.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct CallKey {
    /// The method.
    pub method: String,
    /// The route template, or the path when no route matched.
    pub route: String,
    /// The status, or [`DROPPED`].
    pub status: u16,
}

#[derive(Debug, Default)]
struct CallState {
    counts: BTreeMap<CallKey, u64>,
    log: Vec<RequestRecord>,
}

/// Call counters (by route template, method and status) and the request log.
#[derive(Debug, Clone, Default)]
pub struct Calls {
    state: Arc<Mutex<CallState>>,
}

impl Calls {
    /// Calls to `(method, route)`, any status.
    pub fn count(&self, method: &str, route: &str) -> u64 {
        lock(&self.state)
            .counts
            .iter()
            .filter(|(k, _)| k.method.eq_ignore_ascii_case(method) && k.route == route)
            .map(|(_, n)| n)
            .sum()
    }

    /// Calls to `(method, route)` answered with `status` ([`DROPPED`] for dropped ones).
    pub fn count_status(&self, method: &str, route: &str, status: u16) -> u64 {
        lock(&self.state)
            .counts
            .iter()
            .filter(|(k, _)| k.method.eq_ignore_ascii_case(method) && k.route == route && k.status == status)
            .map(|(_, n)| n)
            .sum()
    }

    /// All counters.
    pub fn counts(&self) -> BTreeMap<CallKey, u64> {
        lock(&self.state).counts.clone()
    }

    /// The request log, oldest first.
    pub fn requests(&self) -> Vec<RequestRecord> {
        lock(&self.state).log.clone()
    }

    /// Total requests answered.
    pub fn total(&self) -> u64 {
        lock(&self.state).counts.values().sum()
    }

    /// Clears counters and log.
    pub fn reset(&self) {
        *lock(&self.state) = CallState::default();
    }

    pub(crate) fn record(&self, record: RequestRecord) {
        let key = CallKey {
            method: record.method.clone(),
            route: record.route.clone().unwrap_or_else(|| record.path.clone()),
            status: record.status,
        };
        let mut state = lock(&self.state);
        *state.counts.entry(key).or_default() += 1;
        state.log.push(record);
    }
}

/// Redacts a header value for the log.
pub(crate) fn redact(name: &str, value: &str) -> String {
    let prefix_of = |credential: &str| {
        ["sk_test_", "sk_live_", "ak_", "mt_", "oat_"]
            .into_iter()
            .find(|p| credential.starts_with(p))
            .unwrap_or("")
    };
    match name {
        "authorization" => {
            let mut parts = value.splitn(2, ' ');
            let scheme = parts.next().unwrap_or_default();
            let credential = parts.next().unwrap_or_default().trim();
            format!("{scheme} {}[redacted]", prefix_of(credential))
        }
        "clerk-secret-key" => format!("{}[redacted]", prefix_of(value.trim())),
        _ => value.to_owned(),
    }
}

/// The query string with the values of [`REDACTED_QUERY_PARAMS`] replaced by `[redacted]`
/// (others kept byte for byte).
pub(crate) fn redact_query(query: &str) -> String {
    if query.is_empty() {
        return String::new();
    }
    query
        .split('&')
        .map(|pair| {
            let name = pair.split('=').next().unwrap_or_default();
            let decoded: String = url::form_urlencoded::parse(name.as_bytes())
                .next()
                .map(|(k, _)| k.into_owned())
                .unwrap_or_default();
            if REDACTED_QUERY_PARAMS.contains(&decoded.as_str()) {
                format!("{name}=[redacted]")
            } else {
                pair.to_owned()
            }
        })
        .collect::<Vec<_>>()
        .join("&")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_in_queries_are_redacted() {
        assert_eq!(redact_query(""), "");
        assert_eq!(
            redact_query(
                "redirect_url=http%3A%2F%2Fa%2F&__session=eyJ.x.y&format=nonce&__clerk_db_jwt=dvb_1"
            ),
            "redirect_url=http%3A%2F%2Fa%2F&__session=[redacted]&format=nonce&__clerk_db_jwt=[redacted]"
        );
        assert_eq!(redact_query("nonce=abc"), "nonce=[redacted]");
        assert_eq!(redact_query("limit=10&offset=0"), "limit=10&offset=0");
    }
}
