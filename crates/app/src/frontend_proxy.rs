//! `/__clerk/*`: the offline Clerk's Frontend API (sign-in page, handshake, the official
//! `clerk-js` and its Frontend API calls) served on the app's own origin, in dev mode and when
//! `APP_CLERK_FRONTEND_UPSTREAM` is set (tests), through clerk-actix's general
//! [`FrontendApiProxy`] (the same component a production app mounts in front of Clerk's Frontend
//! API). Every cookie it sets lands on the app's origin, as behind Clerk's own proxy
//! (`CLERK_PROXY_URL=/__clerk`).
//!
//! # Every Frontend API route, never the Backend API
//!
//! Issue 23 retired the allow-list of browser routes: the official clerk-js calls many (sign-ins,
//! sign-ups, session touch, end and remove, the environment, the development browser,
//! organizations, `/npm/...`), and each new one would have been a bug. What keeps the emulator's
//! Backend API out of reach is what tells the two APIs apart on its one origin (see
//! `clerk_testkit`'s `api/frontend.rs`): a Backend API call carries `Authorization: Bearer sk_…`,
//! and the proxy never forwards one (`clerk_core::proxy`); the `Clerk-Secret-Key` it adds is not a
//! Backend API credential to the emulator, as it is not to Clerk. Paths go upstream exactly as
//! received (issue 22, item 8: an encoded `?`, `#`, `%` or `/` stays in its segment), and a dot
//! segment is refused.

use std::net::IpAddr;

use actix_web::{web, HttpRequest, HttpResponse};
use clerk_actix::proxy::FrontendApiProxy;

use crate::error::{Error, Result};
use crate::state::AppState;

/// Where the Frontend API is mounted on the app.
pub const MOUNT: &str = "/__clerk";
/// The largest answer passed back (the sign-in page, `clerk.js`, the official packages' files:
/// the largest browser file of `@clerk/clerk-js` 6.40.0 and `@clerk/ui` 1.36.0 is 0.5 MiB).
const MAX_RESPONSE_BODY: usize = 4 << 20;
/// The largest request body forwarded (the Frontend API takes small forms).
const MAX_REQUEST_BODY: usize = 1 << 16;

/// The proxy to `upstream` at [`MOUNT`], sending `secret_key` as `Clerk-Secret-Key` and
/// believing `X-Forwarded-*` from `trusted_proxies` only.
///
/// # Errors
///
/// [`Error::Setting`] (`APP_CLERK_FRONTEND_UPSTREAM`) when the upstream is not a plain http(s)
/// URL.
pub fn component(
    upstream: &str,
    secret_key: String,
    trusted_proxies: Vec<IpAddr>,
) -> Result<FrontendApiProxy> {
    let invalid =
        |err: clerk_core::proxy::ProxyError| Error::setting("APP_CLERK_FRONTEND_UPSTREAM", err.to_string());
    Ok(FrontendApiProxy::new(secret_key)
        .map_err(invalid)?
        .upstream(upstream)
        .map_err(invalid)?
        .proxy_path(MOUNT)
        .map_err(invalid)?
        .trusted_proxies(trusted_proxies)
        .max_request_body(MAX_REQUEST_BODY)
        .max_response_body(MAX_RESPONSE_BODY))
}

/// Forwards the request to the upstream Frontend API and streams its answer back; 404 when the
/// app serves none.
pub async fn forward(req: HttpRequest, payload: web::Payload, state: web::Data<AppState>) -> HttpResponse {
    match &state.frontend_proxy {
        Some(proxy) => proxy.forward(req, payload).await,
        None => HttpResponse::NotFound().finish(),
    }
}
