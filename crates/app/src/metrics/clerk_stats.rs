//! The Clerk library's counters, read from the [`Clerk`] handle at scrape time: the JWKS cache
//! and the Backend API client.

use std::fmt::Write as _;

use clerk_actix::Clerk;

use crate::prometheus::{escape, series, Kind};

/// JWKS fetches, failures and stale serves (nothing in networkless mode).
pub(super) fn render_jwks(out: &mut String, clerk: &Clerk) {
    let Some(cache) = clerk.jwks_cache() else {
        return;
    };
    let stats = cache.stats();
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

/// Backend API attempts by endpoint and outcome, calls and retries (nothing without a secret
/// key).
pub(super) fn render_backend_api(out: &mut String, clerk: &Clerk) {
    let Some(api) = clerk.api_shared() else {
        return;
    };
    let snapshot = api.metrics();
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
