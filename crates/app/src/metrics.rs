//! Prometheus text metrics: requests by route and status, auth outcomes by reason, webhook
//! outcomes by type; the user cache, Backend API and JWKS counters are read from their owners at
//! scrape time.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::sync::Mutex;

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::middleware::Next;
use actix_web::web;
use clerk_actix::{AuthExt as _, RequestOutcome, RequestReason, RequestStatus};

/// Counters owned by the app.
#[derive(Debug, Default)]
pub struct Metrics {
    requests: Mutex<BTreeMap<(String, String, u16), u64>>,
    auth: Mutex<BTreeMap<(String, String), u64>>,
    webhooks: Mutex<BTreeMap<(String, String), u64>>,
}

fn bump<K: Ord>(map: &Mutex<BTreeMap<K, u64>>, key: K) {
    let mut map = map.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
    *map.entry(key).or_insert(0) += 1;
}

impl Metrics {
    /// Counts one answered request.
    pub fn record_request(&self, method: &str, route: &str, status: u16) {
        bump(&self.requests, (method.to_owned(), route.to_owned(), status));
    }

    /// Counts one authentication outcome.
    pub fn record_auth(&self, state: &RequestOutcome) {
        let outcome = match (state.status(), state.auth().is_authenticated()) {
            (RequestStatus::SignedIn, true) => "signed-in",
            (RequestStatus::SignedIn, false) => "pending",
            (RequestStatus::SignedOut, _) => "signed-out",
        };
        bump(
            &self.auth,
            (
                outcome.to_owned(),
                state.reason().map_or("", RequestReason::as_str).to_owned(),
            ),
        );
    }

    /// Counts one webhook delivery by event type and outcome (`applied`, `duplicate`, …).
    pub fn record_webhook(&self, event_type: &str, outcome: &str) {
        bump(&self.webhooks, (event_type.to_owned(), outcome.to_owned()));
    }

    /// Renders the app's own counters in the Prometheus text format.
    pub fn render_into(&self, out: &mut String) {
        out.push_str("# HELP app_http_requests_total HTTP requests answered, by route and status.\n");
        out.push_str("# TYPE app_http_requests_total counter\n");
        for ((method, route, status), n) in lock(&self.requests).iter() {
            let _ = writeln!(
                out,
                "app_http_requests_total{{method=\"{}\",route=\"{}\",status=\"{status}\"}} {n}",
                escape(method),
                escape(route)
            );
        }
        out.push_str("# HELP app_auth_outcomes_total Request authentication outcomes, by Clerk reason.\n");
        out.push_str("# TYPE app_auth_outcomes_total counter\n");
        for ((outcome, reason), n) in lock(&self.auth).iter() {
            let _ = writeln!(
                out,
                "app_auth_outcomes_total{{outcome=\"{outcome}\",reason=\"{}\"}} {n}",
                escape(reason)
            );
        }
        out.push_str("# HELP app_webhooks_total Clerk webhook deliveries, by event type and outcome.\n");
        out.push_str("# TYPE app_webhooks_total counter\n");
        for ((event, outcome), n) in lock(&self.webhooks).iter() {
            let _ = writeln!(
                out,
                "app_webhooks_total{{type=\"{}\",outcome=\"{outcome}\"}} {n}",
                escape(event)
            );
        }
    }
}

fn lock<K>(map: &Mutex<BTreeMap<K, u64>>) -> std::sync::MutexGuard<'_, BTreeMap<K, u64>> {
    map.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// Escapes a Prometheus label value.
pub fn escape(value: &str) -> String {
    value
        .replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}

/// Middleware recording every request (route pattern, never the raw path) and auth outcome.
pub async fn track(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let metrics = req.app_data::<web::Data<Metrics>>().cloned();
    let method = req.method().as_str().to_owned();
    let response = next.call(req).await;
    if let Some(metrics) = metrics {
        let (route, status, state) = match &response {
            Ok(res) => (
                res.request()
                    .match_pattern()
                    .unwrap_or_else(|| "unmatched".to_owned()),
                res.status().as_u16(),
                res.request().clerk_request_state(),
            ),
            Err(err) => (
                "unmatched".to_owned(),
                err.as_response_error().status_code().as_u16(),
                None,
            ),
        };
        metrics.record_request(&method, &route, status);
        if let Some(state) = state {
            metrics.record_auth(&state);
        }
    }
    response
}
