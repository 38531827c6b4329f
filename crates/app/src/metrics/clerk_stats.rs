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

/// The request flow's Backend API calls (handshake nonces, refreshes) refused before any call, by
/// why, and those the Backend API failed (made-up nonces and refreshes: see SECURITY.md).
pub(super) fn render_session_calls(out: &mut String, clerk: &Clerk) {
    let stats = clerk.stats().session_calls;
    out.push_str(
        "# HELP clerk_session_calls_refused_total Handshake-nonce lookups and refreshes not sent, by reason.\n\
         # TYPE clerk_session_calls_refused_total counter\n",
    );
    for (reason, count) in [
        ("malformed_nonce", stats.malformed),
        ("failed_before", stats.remembered_failures),
        ("client_limited", stats.client_limited),
    ] {
        let _ = writeln!(
            out,
            "clerk_session_calls_refused_total{{reason=\"{reason}\"}} {count}"
        );
    }
    series(
        out,
        Kind::Counter,
        "clerk_session_calls_failed_total",
        "Handshake-nonce lookups and refreshes the Backend API failed.",
        stats.failed,
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
