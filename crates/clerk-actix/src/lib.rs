//! Clerk authentication for Actix-web: the equivalents of Clerk's `clerkMiddleware()`, `auth()`,
//! `auth.protect()`, `currentUser()`, `getAuth(req)`, `clerkClient()` and `buildClerkProps`.
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

mod authenticate;
mod clerk;
pub mod client;
mod config;
mod env;
mod error;
mod extractors;
pub mod guards;
mod middleware;
mod props;
mod protect;
mod redact;
mod state;
mod user_source;

pub use authenticate::apply_outcome_headers;
pub use clerk::{Clerk, ClerkStats};
pub use clerk_core::request::{
    RequestOutcome, RequestReason, RequestStatus, HEADER_AUTH_MESSAGE, HEADER_AUTH_REASON, HEADER_AUTH_STATUS,
};
pub use client::{
    ApiError, ApiObserver, ApiResult, AttemptEvent, AttemptOutcome, ClerkClient, ClientConfig, EndpointCount,
    MetricsSnapshot, UserListParams, DEFAULT_API_URL, DEFAULT_API_VERSION, MAX_RETRY_AFTER,
};
pub use config::{ClerkConfig, Clock, ResolvedConfig};
pub use env::ConfigError;
pub use error::AuthError;
pub use extractors::{Authenticated, ClerkAuth, CurrentUser, MaybeAuth};
pub use guards::AuthExt;
pub use middleware::{ClerkMiddleware, ClerkMiddlewareService};
pub use props::ClerkProps;
pub use protect::{Protect, ProtectMode, ProtectService};
pub use user_source::{UserSource, UserSourceError};

pub use clerk_core;
