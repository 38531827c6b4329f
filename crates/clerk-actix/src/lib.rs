//! Clerk authentication for Actix-web: the equivalents of Clerk's `clerkMiddleware()`, `auth()`,
//! `auth.protect()`, `currentUser()`, `getAuth(req)`, `clerkClient()` and `buildClerkProps`.
//!
//! ```toml
//! [dependencies]
//! clerk-actix = { git = "https://github.com/clerk-actix/clerk-actix" }
//! actix-web = "4"
//! serde_json = "1" # the examples below answer with `serde_json::json!`
//! ```
//!
//! | Clerk (Next.js) | clerk-actix |
//! |---|---|
//! | `clerkMiddleware()` | [`ClerkMiddleware`]: authenticates once per request, stores the result, answers Clerk's handshake with a 307, sets refreshed cookies, adds Clerk's debug headers to signed-out answers |
//! | `auth()`, `getAuth(req)` | [`ClerkAuth`] (never rejects a signed-out request; without the middleware it answers Clerk's handshake redirect), [`Authenticated`] (401 + `WWW-Authenticate`), [`MaybeAuth`] |
//! | `auth().has({...})` | [`clerk_core::Auth::has`] with a [`clerk_core::Check`] |
//! | `auth.protect()` | [`Protect`] with a [`ProtectMode`] (API 401/403, Next.js 404, redirect to sign-in) |
//! | `currentUser()` | [`CurrentUser`], through a [`user_source::UserSource`] (the Backend API unless you plug in a cache) |
//! | `clerkClient()` | [`ClerkClient`] ([`Clerk::client`]): users, organizations, memberships, organization invitations, sessions, invitations, sign-in and actor tokens, JWT templates, allow/block lists, JWKS, machine tokens, paged streams, an untyped `request`; retries within a budget, a shared rate budget |
//! | `buildClerkProps(req)` | [`ClerkProps`] |
//! | route matchers | [`guards`]: `signed_in()`, `has(check)`, `check(f)`, `token_type(t)`, `scope(s)` |
//! | `clerkMiddleware({ contentSecurityPolicy })` | [`ClerkCsp`] (the policy of [`clerk_core::csp`], one header) and [`CspNonce`] (strict mode's per-request nonce) |
//! | `auth({ acceptsToken })` | [`MachineAuth`], [`AnyAuth`], [`Protect::accepts`] |
//!
//! | module (file) | what |
//! |---|---|
//! | (root) | what a handler and an `App` use: [`ClerkConfig`] → [`Clerk`], [`ClerkMiddleware`], the extractors, [`Protect`], [`ClerkProps`], [`AuthError`], [`ClerkClient`] |
//! | [`config`] | [`ClerkConfig`] (Clerk's environment names or a builder) and the validated [`config::ResolvedConfig`] |
//! | `domains` (private) | proxy URL, domain, satellite and organization-sync settings, checked with Clerk's assertions |
//! | `env` (private) | reading environment values; [`ConfigError`] names the variable at fault |
//! | [`clerk`] | the [`Clerk`] handle (keys, verifier, client, user source) and its [`clerk::ClerkStats`] |
//! | [`client`] | the Backend API client, the `clerk-backend` crate re-exported: [`ClerkClient`], [`client::ClientConfig`], errors, retries, rate budget, metrics, the JWKS fetcher |
//! | [`csp`] | [`ClerkCsp`]: the Content Security Policy header Clerk's browser SDK needs, and the per-request [`CspNonce`] |
//! | [`middleware`] | [`ClerkMiddleware`]: authenticates once per request and stores the outcome |
//! | `state` (private) | the per-request stored outcome the middleware, extractors, guards and `Protect` share |
//! | `authenticate` (private) | an `HttpRequest` as clerk-core's [`clerk_core::request::RequestParts`]; outcome headers onto a response |
//! | `extractors` (private) | [`ClerkAuth`], [`Authenticated`], [`MaybeAuth`], [`CurrentUser`] |
//! | [`protect`] | [`Protect`], the middleware over clerk-core's decision ([`clerk_core::protect`]); [`ProtectMode`] re-exported |
//! | [`guards`] | route guards and [`guards::AuthExt`] |
//! | [`machine`] | machine tokens on routes that accept them: [`MachineAuth`], [`AnyAuth`], the per-request decision (clerk-core decides and verifies) |
//! | (re-export) | [`ClerkProps`] is clerk-core's (`clerk_core::props`) |
//! | [`proxy`] | [`proxy::FrontendApiProxy`]: Clerk's Frontend API proxied under the app's own origin (streaming, bounded, no caching) |
//! | `error` (private) | [`AuthError`], the HTTP answers of a failed extraction |
//! | [`request`] | Clerk's request-level result ([`request::RequestOutcome`]) and its response headers |
//! | [`user_source`] | where [`CurrentUser`] reads users from |
//! | `redact` (private) | Clerk's credential query parameters stripped from redirect URLs |
//!
//! # Getting started
//!
//! ```no_run
//! use actix_web::{web, App, HttpResponse, HttpServer};
//! use clerk_actix::{Authenticated, ClerkAuth, ClerkConfig, ClerkMiddleware, CurrentUser, Protect};
//!
//! async fn public(auth: ClerkAuth) -> HttpResponse {
//!     HttpResponse::Ok().json(serde_json::json!({ "signedIn": auth.is_authenticated() }))
//! }
//!
//! async fn private(auth: Authenticated) -> HttpResponse {
//!     HttpResponse::Ok().json(serde_json::json!({ "userId": auth.user_id() }))
//! }
//!
//! async fn me(user: CurrentUser) -> HttpResponse {
//!     HttpResponse::Ok().json(user.to_public())
//! }
//!
//! #[actix_web::main]
//! async fn main() -> std::io::Result<()> {
//!     // CLERK_SECRET_KEY, CLERK_PUBLISHABLE_KEY, CLERK_AUTHORIZED_PARTIES, …
//!     let clerk = ClerkConfig::from_env().expect("Clerk configuration").build().expect("valid keys");
//!     HttpServer::new(move || {
//!         App::new()
//!             .app_data(web::Data::new(clerk.clone()))
//!             .route("/", web::get().to(public))
//!             .route("/private", web::get().to(private))
//!             .route("/me", web::get().to(me))
//!             .service(
//!                 web::scope("/admin")
//!                     .wrap(Protect::signed_in().role("admin"))
//!                     .route("", web::get().to(HttpResponse::Ok)),
//!             )
//!             // Outermost: runs first, so everything inside sees the auth.
//!             .wrap(ClerkMiddleware::new(clerk.clone()))
//!     })
//!     .bind(("127.0.0.1", 8080))?
//!     .run()
//!     .await
//! }
//! ```
#![forbid(unsafe_code)]
#![deny(missing_docs)]

mod auth_config;
mod authenticate;
pub mod clerk;
pub mod config;
pub mod csp;
mod domains;
mod env;
mod error;
mod extractors;
mod get_token;
pub mod guards;
mod keys;
pub mod machine;
pub mod middleware;
pub mod protect;
pub mod proxy;
pub mod request;
mod state;
pub mod user_source;

pub use auth_config::ClerkAuthConfig;
pub use clerk::Clerk;
pub use clerk_backend as client;
pub use clerk_core::props::ClerkProps;
pub use client::ClerkClient;
pub use config::ClerkConfig;
pub use csp::{ClerkCsp, CspNonce};
pub use env::ConfigError;
pub use error::{AuthError, PRIVATE_NO_STORE};
pub use extractors::{Authenticated, ClerkAuth, CurrentUser, MaybeAuth};
pub use get_token::{GetTokenError, TemplateToken};
pub use machine::{AnyAuth, MachineAuth};
pub use middleware::ClerkMiddleware;
pub use protect::{Protect, ProtectMode};

pub use clerk_core;
