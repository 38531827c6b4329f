//! The Frontend API route set: what a browser calls on the instance's Frontend API host (the
//! public JWKS, the handshake, a development browser, the environment, the client and its
//! session tokens), the Account Portal's sign-in and sign-out pages and the browser script. None
//! of it takes the secret key.

use actix_web::web::{self, ServiceConfig};

use super::{dev_browser, environment, frontend_client, handshake, misc, script, sign_in, sign_out};

/// The public JWKS route: no auth, no version check, no rate limit.
pub(crate) const PUBLIC_JWKS: &str = "/.well-known/jwks.json";
/// The Frontend API handshake, a browser navigation: no secret key, no version check, no
/// Backend API rate limit.
pub(crate) const FAPI_HANDSHAKE: &str = "/v1/client/handshake";
/// The Frontend API's client (`GET`).
pub(crate) const FAPI_CLIENT: &str = "/v1/client";
/// The Frontend API's session-token refresh for open tabs (`POST`).
pub(crate) const FAPI_SESSION_TOKENS: &str = "/v1/client/sessions/{session_id}/tokens";
/// The Frontend API's new development browser (`POST`).
pub(crate) const FAPI_DEV_BROWSER: &str = "/v1/dev_browser";
/// The Frontend API's environment (`GET`, `PATCH`).
pub(crate) const FAPI_ENVIRONMENT: &str = "/v1/environment";
/// The sign-in page (`GET`, `POST`).
pub(crate) const SIGN_IN: &str = "/sign-in";
/// The sign-out page (`GET`, `POST`).
pub(crate) const SIGN_OUT: &str = "/sign-out";
/// The browser script.
pub(crate) const CLERK_JS: &str = "/clerk.js";
/// What a browser calls (the Frontend API and the pages): no secret key, no version check,
/// no Backend API rate limit.
pub(crate) const BROWSER_ROUTES: [&str; 8] = [
    FAPI_HANDSHAKE,
    FAPI_DEV_BROWSER,
    FAPI_ENVIRONMENT,
    FAPI_CLIENT,
    FAPI_SESSION_TOKENS,
    SIGN_IN,
    SIGN_OUT,
    CLERK_JS,
];

/// Registers the Frontend API routes.
pub(crate) fn routes(cfg: &mut ServiceConfig) {
    cfg.route(PUBLIC_JWKS, web::get().to(misc::jwks))
        .route(FAPI_HANDSHAKE, web::get().to(handshake::handshake))
        .route(FAPI_DEV_BROWSER, web::post().to(dev_browser::create))
        .route(FAPI_ENVIRONMENT, web::get().to(environment::get))
        .route(FAPI_ENVIRONMENT, web::patch().to(environment::get))
        .route(FAPI_CLIENT, web::get().to(frontend_client::get_client))
        .route(FAPI_SESSION_TOKENS, web::post().to(frontend_client::create_token))
        .route(SIGN_IN, web::get().to(sign_in::show))
        .route(SIGN_IN, web::post().to(sign_in::submit))
        .route(SIGN_OUT, web::get().to(sign_out::show))
        .route(SIGN_OUT, web::post().to(sign_out::submit))
        .route(CLERK_JS, web::get().to(script::clerk_js));
}
