//! Cross-origin calls to the Frontend API (issue 23): clerk-js on a page of another origin calls
//! the emulator with `credentials: 'include'`, so an answer carries the exact
//! `Access-Control-Allow-Origin: <Origin>`, `Access-Control-Allow-Credentials: true` and
//! `Vary: Origin`, as Clerk's Frontend API answers. Its calls are CORS "simple" requests (form
//! bodies, `_method` for PATCH and DELETE); a preflight is answered all the same (`204`, the
//! methods the Frontend API has and the headers asked for), as other Clerk SDKs send them.
//!
//! Which requests: those with an `Origin` that are not Backend API calls (no `Bearer sk_…`, see
//! [`super::frontend`]) to a Frontend API route or to a path no route has (so that a browser
//! reads the error of a route the emulator lacks), from an origin the emulator sends browsers
//! back to: a loopback one or one it is configured with ([`crate::TestClerkBuilder::allowed_origin`],
//! `serve --allowed-origin`). Any other site gets no CORS grant, so a page a developer happens to
//! visit cannot read the offline session of `make run`'s emulator on `localhost`.

use actix_web::body::BoxBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{
    HeaderMap, HeaderValue, ACCESS_CONTROL_ALLOW_CREDENTIALS, ACCESS_CONTROL_ALLOW_HEADERS,
    ACCESS_CONTROL_ALLOW_METHODS, ACCESS_CONTROL_ALLOW_ORIGIN, ACCESS_CONTROL_MAX_AGE,
    ACCESS_CONTROL_REQUEST_HEADERS, ACCESS_CONTROL_REQUEST_METHOD, ORIGIN, VARY,
};
use actix_web::http::Method;
use actix_web::middleware::Next;
use actix_web::web::Data;
use actix_web::HttpResponse;

use super::{frontend, AppState};

/// Adds the CORS headers to a Frontend API answer, answers its preflights, and refuses a
/// state-changing call from a site it does not credit.
pub(crate) async fn cors(
    req: ServiceRequest,
    next: Next<BoxBody>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    if is_cross_site_write(&req) {
        // CORS only keeps a page from reading: a form or `no-cors` fetch from any site the
        // developer visits would still sign users up or in. Refused before any handler runs.
        let body = serde_json::json!({"errors": [{
            "code": "origin_invalid",
            "message": "This origin is not allowed to call the offline Clerk's Frontend API.",
            "long_message": "Only loopback origins and those given with --allowed-origin may change state.",
        }]});
        return Ok(req.into_response(HttpResponse::Forbidden().json(body)));
    }
    let Some(origin) = cross_origin(&req) else {
        return next.call(req).await;
    };
    let preflight =
        req.method() == Method::OPTIONS && req.headers().contains_key(ACCESS_CONTROL_REQUEST_METHOD);
    if preflight {
        let mut res = HttpResponse::NoContent().finish();
        let headers = res.headers_mut();
        allow(headers, origin);
        headers.insert(
            ACCESS_CONTROL_ALLOW_METHODS,
            HeaderValue::from_static("GET, POST, PUT, PATCH, DELETE"),
        );
        if let Some(asked) = req.headers().get(ACCESS_CONTROL_REQUEST_HEADERS).cloned() {
            headers.insert(ACCESS_CONTROL_ALLOW_HEADERS, asked);
        }
        headers.insert(ACCESS_CONTROL_MAX_AGE, HeaderValue::from_static("600"));
        return Ok(req.into_response(res));
    }
    let mut res = next.call(req).await?;
    allow(res.headers_mut(), origin);
    Ok(res)
}

/// The request's `Origin` when it is a cross-origin call the Frontend API answers.
fn cross_origin(req: &ServiceRequest) -> Option<HeaderValue> {
    let origin = req.headers().get(ORIGIN)?.clone();
    // `null` (sandboxed frames, file: pages) is no origin to credit.
    if origin.as_bytes() == b"null" || frontend::is_backend_call(req.headers()) {
        return None;
    }
    if !credited(req, &origin) || !is_frontend_call(req) {
        return None;
    }
    Some(origin)
}

/// Whether `origin` is one the emulator sends browsers back to (loopback, `--allowed-origin`).
fn credited(req: &ServiceRequest, origin: &HeaderValue) -> bool {
    origin
        .to_str()
        .ok()
        .and_then(|text| url::Url::parse(text).ok())
        .zip(req.app_data::<Data<AppState>>())
        .is_some_and(|(url, state)| state.browser.allowed_origins.allows(&url))
}

/// A request to a Frontend API route, or to a path no route has.
fn is_frontend_call(req: &ServiceRequest) -> bool {
    match req.match_pattern() {
        Some(route) => frontend::owns_path(&route, req.headers()),
        None => true,
    }
}

/// A browser's state-changing Frontend API call (not `GET`, `HEAD` or `OPTIONS`) whose `Origin`
/// is neither credited nor the emulator's own (the `Host` it was called by: its sign-in form).
fn is_cross_site_write(req: &ServiceRequest) -> bool {
    let Some(origin) = req.headers().get(ORIGIN) else {
        return false;
    };
    if matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS)
        || frontend::is_backend_call(req.headers())
        || !is_frontend_call(req)
        || credited(req, origin)
    {
        return false;
    }
    let own = req.connection_info().host().to_ascii_lowercase();
    let same_origin = origin
        .to_str()
        .ok()
        .and_then(|text| url::Url::parse(text).ok())
        .is_some_and(|url| {
            let port = url.port().map(|p| format!(":{p}")).unwrap_or_default();
            url.host_str().is_some_and(|host| format!("{host}{port}") == own)
        });
    !same_origin
}

/// The exact origin, with credentials, varying by origin.
fn allow(headers: &mut HeaderMap, origin: HeaderValue) {
    headers.insert(ACCESS_CONTROL_ALLOW_ORIGIN, origin);
    headers.insert(ACCESS_CONTROL_ALLOW_CREDENTIALS, HeaderValue::from_static("true"));
    headers.append(VARY, HeaderValue::from_static("Origin"));
}
