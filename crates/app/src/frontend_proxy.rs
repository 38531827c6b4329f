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
/// The largest answer forwarded (the sign-in page, `clerk.js`, the official packages' files:
/// the largest browser file of `@clerk/clerk-js` 6.40.0 and `@clerk/ui` 1.36.0 is 0.5 MiB).
const MAX_BODY: usize = 4 << 20;

/// Headers that belong to one hop, never forwarded.
fn hop_by_hop(name: &HeaderName) -> bool {
    matches!(
        name.as_str(),
        "connection" | "keep-alive" | "transfer-encoding" | "te" | "upgrade" | "content-length" | "host"
    )
}

/// Whether `tail` (the path under the mount) is one of the Frontend API's browser routes: the
/// handshake, a new development browser, the environment, the client, its sign-ins (and their
/// first factor), its sign-ups and its
/// sessions (tokens, JWT-template tokens, touch, end, remove, sign-out), the sign-in and sign-out pages, `clerk.js`
/// and the official `@clerk/clerk-js` and `@clerk/ui` files (`npm/@clerk/{package}/dist/{file}`).
/// Nothing else of the emulator (its Backend API above all) is reachable through the app. What
/// the official clerk-js calls to load, sign in and out (issue 23) is public on Clerk's Frontend
/// API.
///
/// `tail` is decoded (`%3F` is `?`) and forwarded as it is, so a session id is letters, digits,
/// `_` and `-` only (Clerk's are `sess_…`), a package and a file name letters, digits, `.`, `_`,
/// `-` (and `@` in the package): no `?`, `#`, `%` or `/` can change what goes upstream, no `..`
/// leaves `dist/`.
fn is_browser_route(tail: &str) -> bool {
    const EXACT: [&str; 10] = [
        "v1/client/handshake",
        "v1/dev_browser",
        "v1/environment",
        "v1/client",
        "v1/client/sign_ins",
        "v1/client/sign_ups",
        "v1/client/sessions",
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
    let name = |text: &str, at: bool| {
        !text.is_empty()
            && !text.starts_with('.')
            && text
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-') || (at && b == b'@'))
    };
    match segments.as_slice() {
        ["v1", "client", "sessions", sid, "tokens" | "touch" | "end" | "remove"] => session_id(sid),
        ["v1", "client", "sign_ins", id, "attempt_first_factor"] => session_id(id),
        ["v1", "client", "sessions", sid, "tokens", template] => session_id(sid) && session_id(template),
        ["npm", "@clerk", package, "dist", file] => name(package, true) && name(file, false),
        _ => false,
    }
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
            "v1/client/sign_ins",
            "v1/client/sign_ups",
            "v1/client/sessions",
            "v1/client/sessions/sess_1/tokens",
            "v1/client/sessions/sess_1/touch",
            "v1/client/sessions/sess_1/end",
            "v1/client/sessions/sess_1/remove",
            "v1/client/sign_ins/sia_1/attempt_first_factor",
            "v1/client/sessions/sess_1/tokens/supabase",
            "npm/@clerk/clerk-js@6/dist/clerk.browser.js",
            "npm/@clerk/ui@1.36.0/dist/ui.browser.js",
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
            "v1/client/sessions/sess_1/revoke",
            "v1/client/sign_ins/sia_1/attempt_second_factor",
            "v1/client/sign_ins/sia%3F/attempt_first_factor",
            "v1/client/sessions/sess_1/tokens/a?b",
            "npm/@clerk/clerk-js@6/dist/..",
            "npm/@clerk/clerk-js@6/dist/../package.json",
            "npm/@clerk/clerk-js@6/dist/.env",
            "npm/@clerk/clerk-js@6/package.json",
            "npm/@clerk/../dist/x.js",
            "npm/@clerk/clerk-js@6/dist/a%2Fb",
            "npm/@clerk/clerk-js@6/dist/a?b",
            "npm/react/clerk-js@6/dist/clerk.browser.js",
        ] {
            assert!(!is_browser_route(tail), "{tail}");
        }
    }
}
