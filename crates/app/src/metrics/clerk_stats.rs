//! The Clerk library's counters, read from the [`Clerk`] handle at scrape time: the JWKS cache
//! and the Backend API client.

use std::fmt::Write as _;

use clerk_actix::Clerk;

use crate::prometheus::{escape, series, Kind};

/// JWKS fetches, failures and stale serves (nothing in networkless mode).
pub(super) fn render_jwks(out: &mut String, clerk: &Clerk) {
    let Some(stats) = clerk.stats().jwks else {
        return;
    };
    series(
        out,
        Kind::Counter,
        "clerk_jwks_fetches_total",
        "JWKS fetches from the Backend API.",
        stats.fetches,
    );
    series(
        out,
        Kind::Counter,
        "clerk_jwks_fetch_failures_total",
        "JWKS fetches that failed.",
        stats.failures,
    );
    series(
        out,
        Kind::Counter,
        "clerk_jwks_stale_serves_total",
        "Lookups served from a key past its TTL.",
        stats.stale_serves,
    );
}

/// Handshake nonces refused before any Backend API call, by why, and lookups the Backend API
/// answered "unknown" (made-up nonces: see SECURITY.md).
pub(super) fn render_handshake_nonces(out: &mut String, clerk: &Clerk) {
    let stats = clerk.stats().handshake_nonces;
    out.push_str(
        "# HELP clerk_handshake_nonces_refused_total Handshake nonces not looked up, by reason.\n\
         # TYPE clerk_handshake_nonces_refused_total counter\n",
    );
    for (reason, count) in [
        ("malformed", stats.malformed),
        ("remembered_unknown", stats.remembered_unknown),
        ("client_limited", stats.client_limited),
    ] {
        let _ = writeln!(
            out,
            "clerk_handshake_nonces_refused_total{{reason=\"{reason}\"}} {count}"
        );
    }
    series(
        out,
        Kind::Counter,
        "clerk_handshake_nonces_unknown_total",
        "Handshake nonce lookups the Backend API answered as unknown.",
        stats.unknown,
    );
}

/// Backend API attempts by endpoint and outcome, calls and retries (nothing without a secret
/// key).
pub(super) fn render_backend_api(out: &mut String, clerk: &Clerk) {
    let Some(snapshot) = clerk.stats().client else {
        return;
    };
    out.push_str("# HELP clerk_backend_api_attempts_total Backend API attempts, by endpoint and outcome.\n");
    out.push_str("# TYPE clerk_backend_api_attempts_total counter\n");
    for count in &snapshot.attempts {
        let _ = writeln!(
            out,
            "clerk_backend_api_attempts_total{{endpoint=\"{}\",outcome=\"{}\"}} {}",
            escape(count.endpoint),
            escape(&count.outcome.to_string()),
            count.count
        );
    }
    let _ = writeln!(
        out,
        "# TYPE clerk_backend_api_calls_total counter\nclerk_backend_api_calls_total {}",
        snapshot.calls
    );
    let _ = writeln!(
        out,
        "# TYPE clerk_backend_api_retries_total counter\nclerk_backend_api_retries_total {}",
        snapshot.retries
    );
}
