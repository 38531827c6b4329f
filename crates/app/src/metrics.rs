//! Prometheus text metrics: requests by method, route and status, auth outcomes by Clerk reason,
//! webhook deliveries by event type and outcome; the user cache, Backend API and JWKS counters are
//! read from their owners at scrape time ([`render`]).
//!
//! Every series is pre-registered: one atomic counter per combination of the fixed label values of
//! [`labels`], allocated once when the app starts. Counting a request is three table lookups and
//! one relaxed `fetch_add`: no lock, no allocation, and nothing the client sends becomes a label.

mod clerk_stats;
pub mod labels;
mod track;

use std::fmt::Write as _;
use std::sync::atomic::{AtomicU64, Ordering};

use actix_web::http::Method;
use clerk_actix::{request::RequestOutcome, request::RequestReason, request::RequestStatus, Clerk};

use crate::cache::PgDirectoryCache;

pub use labels::AuthOutcome;
pub use track::track;

/// Counters owned by the app, one per pre-registered series.
#[derive(Debug)]
pub struct Metrics {
    /// `[method][route][status]`.
    requests: Box<[AtomicU64]>,
    /// `[outcome][reason]`.
    auth: Box<[AtomicU64]>,
    /// `[event type][outcome]`.
    webhooks: Box<[AtomicU64]>,
}

fn counters(len: usize) -> Box<[AtomicU64]> {
    (0..len).map(|_| AtomicU64::new(0)).collect()
}

fn bump(counter: Option<&AtomicU64>) {
    if let Some(counter) = counter {
        counter.fetch_add(1, Ordering::Relaxed);
    }
}

impl Default for Metrics {
    fn default() -> Self {
        Self {
            requests: counters(labels::METHODS.len() * labels::ROUTES.len() * labels::STATUS_SLOTS),
            auth: counters(labels::AUTH_OUTCOMES.len() * labels::AUTH_REASONS.len()),
            webhooks: counters(labels::WEBHOOK_TYPES.len() * labels::WEBHOOK_OUTCOMES.len()),
        }
    }
}

impl Metrics {
    /// Counts one answered request. `route` is the matched resource name (`None`, or a name that
    /// is not one of [`labels::ROUTES`], counts as `unmatched`).
    pub fn record_request(&self, method: &Method, route: Option<&str>, status: u16) {
        self.count_request(labels::method(method), route, status);
    }

    /// [`Metrics::record_request`] with the method's index in [`labels::METHODS`].
    fn count_request(&self, method: usize, route: Option<&str>, status: u16) {
        let series = (method * labels::ROUTES.len() + labels::route(route)) * labels::STATUS_SLOTS
            + labels::status(status);
        bump(self.requests.get(series));
    }

    /// Counts one authentication outcome with Clerk's reason (`None` when signed in).
    pub fn record_auth(&self, outcome: AuthOutcome, reason: Option<&str>) {
        let series = outcome as usize * labels::AUTH_REASONS.len() + labels::auth_reason(reason);
        bump(self.auth.get(series));
    }

    /// Counts the authentication outcome of a request.
    pub fn record_request_state(&self, state: &RequestOutcome) {
        let outcome = match (state.status(), state.auth().is_authenticated()) {
            (RequestStatus::SignedIn, true) => AuthOutcome::SignedIn,
            (RequestStatus::SignedIn, false) => AuthOutcome::Pending,
            (RequestStatus::SignedOut, _) => AuthOutcome::SignedOut,
            (RequestStatus::Handshake, _) => AuthOutcome::Handshake,
        };
        self.record_auth(outcome, state.reason().map(RequestReason::as_str));
    }

    /// Counts one webhook delivery by event type and outcome (`upserted`, `duplicate`, …); a type
    /// outside Clerk's catalogue counts as `other`.
    pub fn record_webhook(&self, event_type: &str, outcome: &str) {
        let series = labels::webhook_type(event_type) * labels::WEBHOOK_OUTCOMES.len()
            + labels::webhook_outcome(outcome);
        bump(self.webhooks.get(series));
    }

    /// Renders the app's own counters (the series counted at least once) in the Prometheus text
    /// format.
    pub fn render_into(&self, out: &mut String) {
        out.push_str("# HELP app_http_requests_total HTTP requests answered, by method, route and status.\n");
        out.push_str("# TYPE app_http_requests_total counter\n");
        let per_method = labels::ROUTES.len() * labels::STATUS_SLOTS;
        for (series, counter) in self.requests.iter().enumerate() {
            let n = counter.load(Ordering::Relaxed);
            if n == 0 {
                continue;
            }
            let method = labels::METHODS[series / per_method];
            let route = labels::ROUTES[series % per_method / labels::STATUS_SLOTS];
            let _ = write!(
                out,
                "app_http_requests_total{{method=\"{method}\",route=\"{route}\",status=\""
            );
            match labels::status_label(series % labels::STATUS_SLOTS) {
                Some(code) => {
                    let _ = write!(out, "{code}");
                }
                None => out.push_str(labels::OTHER),
            }
            let _ = writeln!(out, "\"}} {n}");
        }
        out.push_str("# HELP app_auth_outcomes_total Request authentication outcomes, by Clerk reason.\n");
        out.push_str("# TYPE app_auth_outcomes_total counter\n");
        for (series, counter) in self.auth.iter().enumerate() {
            let n = counter.load(Ordering::Relaxed);
            if n > 0 {
                let outcome = labels::AUTH_OUTCOMES[series / labels::AUTH_REASONS.len()];
                let reason = labels::AUTH_REASONS[series % labels::AUTH_REASONS.len()];
                let _ = writeln!(
                    out,
                    "app_auth_outcomes_total{{outcome=\"{outcome}\",reason=\"{reason}\"}} {n}"
                );
            }
        }
        out.push_str("# HELP app_webhooks_total Clerk webhook deliveries, by event type and outcome.\n");
        out.push_str("# TYPE app_webhooks_total counter\n");
        for (series, counter) in self.webhooks.iter().enumerate() {
            let n = counter.load(Ordering::Relaxed);
            if n > 0 {
                let event = labels::WEBHOOK_TYPES[series / labels::WEBHOOK_OUTCOMES.len()];
                let outcome = labels::WEBHOOK_OUTCOMES[series % labels::WEBHOOK_OUTCOMES.len()];
                let _ = writeln!(
                    out,
                    "app_webhooks_total{{type=\"{event}\",outcome=\"{outcome}\"}} {n}"
                );
            }
        }
    }
}

/// The whole `/metrics` text (served by the admin listener): the app's own counters, then the
/// JWKS cache's, the user cache's (when there is one) and the Backend API client's.
pub fn render(metrics: &Metrics, cache: Option<&PgDirectoryCache>, clerk: &Clerk) -> String {
    let mut out = String::with_capacity(4096);
    metrics.render_into(&mut out);
    clerk_stats::render_jwks(&mut out, clerk);
    clerk_stats::render_session_calls(&mut out, clerk);
    if let Some(cache) = cache {
        cache.stats().render_into(&mut out);
    }
    clerk_stats::render_backend_api(&mut out, clerk);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_series_renders_with_fixed_labels() {
        let metrics = Metrics::default();
        metrics.record_request(&Method::GET, Some("/api/data"), 200);
        metrics.record_request(&Method::GET, Some("/api/data"), 200);
        metrics.record_request(&Method::from_bytes(b"M1234").unwrap(), Some("/nope"), 404);
        metrics.record_request(&Method::POST, None, 999);
        metrics.record_auth(AuthOutcome::SignedOut, Some("token-expired"));
        metrics.record_auth(AuthOutcome::SignedOut, Some("made-up"));
        metrics.record_webhook("user.created", "upserted");
        metrics.record_webhook("made.up", "ignored");
        let mut out = String::new();
        metrics.render_into(&mut out);
        for line in [
            "app_http_requests_total{method=\"GET\",route=\"/api/data\",status=\"200\"} 2",
            "app_http_requests_total{method=\"OTHER\",route=\"unmatched\",status=\"404\"} 1",
            "app_http_requests_total{method=\"POST\",route=\"unmatched\",status=\"other\"} 1",
            "app_auth_outcomes_total{outcome=\"signed-out\",reason=\"token-expired\"} 1",
            "app_auth_outcomes_total{outcome=\"signed-out\",reason=\"other\"} 1",
            "app_webhooks_total{type=\"user.created\",outcome=\"upserted\"} 1",
            "app_webhooks_total{type=\"other\",outcome=\"ignored\"} 1",
        ] {
            assert!(out.lines().any(|l| l == line), "{line} missing from\n{out}");
        }
        assert_eq!(out.lines().filter(|l| !l.starts_with('#')).count(), 7, "{out}");
    }
}
