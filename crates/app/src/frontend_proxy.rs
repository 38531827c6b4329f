//! `/__clerk/*`: the offline Clerk's Frontend API (sign-in page, handshake, `clerk.js`, session
//! tokens) served on the app's own origin, in dev mode and when `APP_CLERK_FRONTEND_UPSTREAM` is
//! set (tests). Every cookie it sets lands on the app's origin, as behind Clerk's own proxy
//! (`CLERK_PROXY_URL=/__clerk`). Never for a real Clerk instance: Clerk's proxy is Clerk's.

use std::time::Duration;

use actix_web::http::header::{self, HeaderName};
use actix_web::{web, HttpRequest, HttpResponse};

use crate::state::AppState;

/// Where the Frontend API is mounted on the app.
pub const MOUNT: &str = "/__clerk";
/// The largest answer forwarded (the sign-in page, `clerk.js`).
const MAX_BODY: usize = 1 << 20;

/// Headers that belong to one hop, never forwarded.
fn hop_by_hop(name: &HeaderName) -> bool {
    matches!(
        name.as_str(),
        "connection" | "keep-alive" | "transfer-encoding" | "te" | "upgrade" | "content-length" | "host"
    )
}

/// Whether `tail` (the path under the mount) is one of the Frontend API's browser routes: the
/// handshake, a new development browser, the environment, the client and its session tokens,
/// the sign-in and sign-out pages, `clerk.js`. Nothing else of the emulator (its Backend API
/// above all) is reachable through the app. The development browser and the environment are
/// what clerk-js calls first on load (issue 23); both are public on Clerk's Frontend API.
///
/// `tail` is decoded (`%3F` is `?`) and forwarded as it is, so a session id is letters, digits,
/// `_` and `-` only (Clerk's are `sess_…`): no `?`, `#`, `%` or `/` can change what goes upstream.
fn is_browser_route(tail: &str) -> bool {
    const EXACT: [&str; 7] = [
        "v1/client/handshake",
        "v1/dev_browser",
        "v1/environment",
        "v1/client",
        "sign-in",
        "sign-out",
        "clerk.js",
    ];
    if EXACT.contains(&tail) {
        return true;
    }
    let segments: Vec<&str> = tail.split('/').collect();
    let session_id = |sid: &str| {
        !sid.is_empty()
            && sid
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
    };
    matches!(segments.as_slice(), ["v1", "client", "sessions", sid, "tokens"] if session_id(sid))
}

/// Forwards the request to the upstream Frontend API, and its answer back (status, headers with
/// every `Set-Cookie` and `Location`, body). Only the browser routes are forwarded.
pub async fn forward(req: HttpRequest, body: web::Bytes, state: web::Data<AppState>) -> HttpResponse {
    let Some(upstream) = state.frontend_upstream.as_deref() else {
        return HttpResponse::NotFound().finish();
    };
    let tail = req.match_info().query("tail");
    if !is_browser_route(tail) {
        return HttpResponse::NotFound().finish();
    }
    let mut url = format!("{}/{tail}", upstream.trim_end_matches('/'));
    if !req.query_string().is_empty() {
        url.push('?');
        url.push_str(req.query_string());
    }
    let client = awc::Client::builder()
        .disable_redirects()
        .timeout(Duration::from_secs(10))
        .finish();
    let mut upstream_req = client.request(req.method().clone(), url);
    for (name, value) in req.headers() {
        if !hop_by_hop(name) {
            upstream_req = upstream_req.append_header((name.clone(), value.clone()));
        }
    }
    let mut answer = match upstream_req.send_body(body).await {
        Ok(answer) => answer,
        Err(err) => {
            tracing::warn!(error = %err, "the offline Clerk's Frontend API did not answer");
            return HttpResponse::BadGateway().finish();
        }
    };
    let mut out = HttpResponse::build(answer.status());
    for (name, value) in answer.headers() {
        if !hop_by_hop(name) {
            out.append_header((name.clone(), value.clone()));
        }
    }
    match answer.body().limit(MAX_BODY).await {
        Ok(bytes) => out.body(bytes),
        Err(_) => HttpResponse::BadGateway()
            .insert_header((header::CACHE_CONTROL, "no-store"))
            .finish(),
    }
}

#[cfg(test)]
mod tests {
    use super::is_browser_route;

    #[test]
    fn only_the_browser_routes_are_forwarded() {
        for tail in [
            "v1/client/handshake",
            "v1/dev_browser",
            "v1/environment",
            "v1/client",
            "v1/client/sessions/sess_1/tokens",
            "sign-in",
            "sign-out",
            "clerk.js",
        ] {
            assert!(is_browser_route(tail), "{tail}");
        }
        for tail in [
            "v1/users",
            "v1/jwks",
            "api_keys/verify",
            "v1/client/sessions//tokens",
            "v1/client/sessions/x?/tokens",
            "v1/client/sessions/x#/tokens",
            "v1/client/sessions/x%3F/tokens",
            "",
            "v1/clients/handshake_payload",
        ] {
            assert!(!is_browser_route(tail), "{tail}");
        }
    }
}
