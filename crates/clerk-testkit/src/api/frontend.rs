//! The Frontend API route set: what a browser calls on the instance's Frontend API host (the
//! public JWKS, the official Clerk browser packages' files, the handshake, a development browser, the environment, the client and its
//! session tokens), and the Account Portal's sign-in and sign-out pages. None
//! of it takes the secret key.
//!
//! # Telling the two APIs apart
//!
//! Clerk serves its Backend API (`api.clerk.com`) and each instance's Frontend API
//! (`{instance}.clerk.accounts.dev`) on two hosts; the emulator serves both on one origin, and
//! about twenty method + path pairs are in both (`/v1/organizations/{id}`, its memberships,
//! invitations, domains, …). They are told apart by credentials, the way the two hosts' callers
//! differ: a request whose `Authorization` is `Bearer sk_…` (a secret key, right or wrong) is a
//! Backend API call; any other request to a path both APIs have is a Frontend API call (a
//! browser's client: its `__client` cookie or development browser). The Frontend API's shared
//! routes carry a guard ([`frontend_call`]) and are registered before the Backend API's, so a
//! secret-key call falls through to the Backend API route, which the gate authenticates. A path
//! only the Backend API has answers a call without the secret key with the gate's 401 as before;
//! a path only the Frontend API has ignores `Authorization`. Issue 23; see also
//! `docs/architecture.md`.

use actix_web::guard::{self, GuardContext};
use actix_web::http::header::{HeaderMap, AUTHORIZATION};
use actix_web::web::{self, ServiceConfig};
use actix_web::Route;

pub(crate) mod client;
pub(crate) mod dev_browser;
pub(crate) mod environment;
pub(crate) mod npm_files;
pub(crate) mod organizations;
pub(crate) mod pages;
pub(crate) mod redirect;
pub(crate) mod sign_in;
pub(crate) mod sign_in_page;
pub(crate) mod sign_out_page;
pub(crate) mod sign_up;

use super::{handshake, jwks};

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
/// The Frontend API's organization of the signed-in user (`GET`); the Backend API has the same
/// method and path (the pattern is spelled alike so that the call log names one route).
pub(crate) const FAPI_ORGANIZATION: &str = "/v1/organizations/{org_id}";
/// The Frontend API's methods and routes on paths the Backend API has too: answered by the
/// Frontend API unless the request carries a secret key. Another method on such a path is the
/// Backend API's alone, so it needs the secret key whoever sends it.
pub(crate) const SHARED_WITH_BACKEND: [(&str, &str); 1] = [("GET", FAPI_ORGANIZATION)];
/// The Frontend API's sign-in attempts (`POST`).
pub(crate) const FAPI_SIGN_INS: &str = "/v1/client/sign_ins";
/// The Frontend API's sign-up attempts (`POST`).
pub(crate) const FAPI_SIGN_UPS: &str = "/v1/client/sign_ups";
/// A sign-in attempt's first factor (`POST`).
pub(crate) const FAPI_SIGN_IN_FIRST_FACTOR: &str = "/v1/client/sign_ins/{sign_in_id}/attempt_first_factor";
/// The client's sessions (`DELETE`: sign out).
pub(crate) const FAPI_CLIENT_SESSIONS: &str = "/v1/client/sessions";
/// A client session's JWT-template token (`POST`: `getToken({ template })`).
pub(crate) const FAPI_SESSION_TEMPLATE_TOKEN: &str = "/v1/client/sessions/{session_id}/tokens/{template}";
/// A client session's touch (`POST`: `setActive`).
pub(crate) const FAPI_SESSION_TOUCH: &str = "/v1/client/sessions/{session_id}/touch";
/// Ending a client session (`POST`): `end` or `remove`.
pub(crate) const FAPI_SESSION_END: &str = "/v1/client/sessions/{session_id}/{action:end|remove}";
/// The official Clerk browser packages' files (`GET`): `package` is `clerk-js@6`,
/// `clerk-js@6.40.0`, `ui@1` or `ui@1.36.0` (see [`crate::npm`]).
pub(crate) const NPM_FILES: &str = "/npm/@clerk/{package}/dist/{file}";
/// The sign-in page (`GET`, `POST`).
pub(crate) const SIGN_IN: &str = "/sign-in";
/// The sign-out page (`GET`, `POST`).
pub(crate) const SIGN_OUT: &str = "/sign-out";
/// What a browser calls (the Frontend API and the pages): no secret key, no version check,
/// no Backend API rate limit.
pub(crate) const BROWSER_ROUTES: [&str; 16] = [
    FAPI_HANDSHAKE,
    FAPI_SIGN_UPS,
    FAPI_SESSION_TEMPLATE_TOKEN,
    FAPI_SIGN_INS,
    FAPI_SIGN_IN_FIRST_FACTOR,
    FAPI_CLIENT_SESSIONS,
    FAPI_SESSION_TOUCH,
    FAPI_SESSION_END,
    NPM_FILES,
    FAPI_ORGANIZATION,
    FAPI_DEV_BROWSER,
    FAPI_ENVIRONMENT,
    FAPI_CLIENT,
    FAPI_SESSION_TOKENS,
    SIGN_IN,
    SIGN_OUT,
];

/// Registers the Frontend API routes.
/// Whether the request is a Backend API call: its `Authorization` is `Bearer sk_…`.
pub(crate) fn is_backend_call(headers: &HeaderMap) -> bool {
    headers
        .get(AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .is_some_and(|token| token.trim_start().starts_with("sk_"))
}

/// Whether `route` is a path the Backend API has too.
fn is_shared(route: &str) -> bool {
    SHARED_WITH_BACKEND.iter().any(|(_, shared)| *shared == route)
}

/// Whether a request matched to `route` is the Frontend API's, whatever its method: a browser
/// route, and on a path the Backend API has too, a request without a secret key. (What the
/// method override asks before it chooses the method.)
pub(crate) fn owns_path(route: &str, headers: &HeaderMap) -> bool {
    BROWSER_ROUTES.contains(&route) && !(is_shared(route) && is_backend_call(headers))
}

/// Whether the Frontend API answers `method` on `route` for this request, so the gate lets it
/// through without the secret key: on a path the Backend API has too, only the methods the
/// Frontend API has there.
pub(crate) fn serves(method: &str, route: &str, headers: &HeaderMap) -> bool {
    owns_path(route, headers) && (!is_shared(route) || SHARED_WITH_BACKEND.contains(&(method, route)))
}

/// The guard of the Frontend API's shared routes: not a Backend API call.
pub(crate) fn frontend_call(ctx: &GuardContext<'_>) -> bool {
    !is_backend_call(ctx.head().headers())
}

/// `route` for a path the Backend API has too: only for Frontend API calls.
fn shared(route: Route) -> Route {
    route.guard(guard::fn_guard(frontend_call))
}

/// Registers the Frontend API routes; before the Backend API's (see the module docs).
pub(crate) fn routes(cfg: &mut ServiceConfig) {
    cfg.route(FAPI_ORGANIZATION, shared(web::get()).to(organizations::get))
        .route(NPM_FILES, web::get().to(npm_files::get))
        .route(FAPI_SIGN_INS, web::post().to(sign_in::create))
        .route(FAPI_SIGN_UPS, web::post().to(sign_up::create))
        .route(
            FAPI_SIGN_IN_FIRST_FACTOR,
            web::post().to(sign_in::attempt_first_factor),
        )
        .route(FAPI_CLIENT_SESSIONS, web::delete().to(sign_in::remove_sessions))
        .route(FAPI_SESSION_TOUCH, web::post().to(sign_in::touch))
        .route(
            FAPI_SESSION_TEMPLATE_TOKEN,
            web::post().to(client::create_template_token),
        )
        .route(FAPI_SESSION_END, web::post().to(sign_in::end))
        .route(FAPI_CLIENT, web::delete().to(sign_in::destroy))
        .route(PUBLIC_JWKS, web::get().to(jwks::jwks))
        .route(FAPI_HANDSHAKE, web::get().to(handshake::handshake))
        .route(FAPI_DEV_BROWSER, web::post().to(dev_browser::create))
        .route(FAPI_ENVIRONMENT, web::get().to(environment::get))
        .route(FAPI_ENVIRONMENT, web::patch().to(environment::get))
        .route(FAPI_CLIENT, web::get().to(client::get_client))
        .route(FAPI_SESSION_TOKENS, web::post().to(client::create_token))
        .route(SIGN_IN, web::get().to(sign_in_page::show))
        .route(SIGN_IN, web::post().to(sign_in_page::submit))
        .route(SIGN_OUT, web::get().to(sign_out_page::show))
        .route(SIGN_OUT, web::post().to(sign_out_page::submit));
}
