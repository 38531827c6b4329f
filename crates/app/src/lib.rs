//! The example Clerk-protected API server: the seed's routes, a Postgres directory cache (users and organizations) synced from
//! the Backend API (read-through, webhooks, reconciliation), configuration, telemetry.
//!
//! | module | what it holds |
//! |---|---|
//! | [`startup`] | [`startup::Application`]: binds, migrates, builds Clerk and the user cache, serves |
//! | [`state`] | [`state::AppState`], what every handler can reach |
//! | [`routes`] | the seed's API examples as handlers, health, readiness, webhooks |
//! | [`pages`] | the seed's page examples (`/`, `/profile`, `/client`), their stylesheet and script |
//! | [`frontend_proxy`] | `/__clerk/*`: the offline Clerk's Frontend API on the app's origin (dev mode, tests) |
//! | [`current_user`] | [`current_user::CachedCurrentUser`], the signed-in user with its cache freshness |
//! | [`current_org`] | [`current_org::CurrentOrganization`], the session's active organization from the cache |
//! | [`cache`] | the Postgres cache of users, organizations and memberships (read-through, webhooks, reconciliation) |
//! | [`metrics`] | the app's counters and the `/metrics` text |
//! | [`admin`] | the admin listener (`/metrics`) |
//! | [`database`] | pool, migrations, ping |
//! | [`readiness`] | the shared database answer of `/readyz` |
//! | [`key_check`] | the start-up check of `CLERK_SECRET_KEY`, reported by `/readyz` |
//! | [`dotenv`] | the `.env` file, read before any setting |
//! | [`configuration`], [`telemetry`], [`request_span`] | settings, logs, the request span |
//! | `otel` | OpenTelemetry traces over OTLP and W3C trace context (the `otel` feature) |
//! | [`cli`] | the command line of the `app` and `app-dev` binaries: `serve`, `migrate`, `sync --full`, the dev-mode banner |
//! | `dev`, `dev_identity` | dev mode (the `dev` feature): the in-process offline Clerk |
//! | [`error`] | [`Error`], the app's one error type |
#![forbid(unsafe_code)]
#![deny(missing_docs)]

pub mod admin;
pub mod cache;
pub mod cli;
pub mod configuration;
pub mod current_org;
pub mod current_user;
pub mod database;
pub mod database_url;
#[cfg(feature = "dev")]
pub mod dev;
#[cfg(feature = "dev")]
pub mod dev_identity;
pub mod dotenv;
pub mod error;
pub mod frontend_proxy;
pub mod key_check;
pub mod metrics;
#[cfg(feature = "otel")]
pub mod otel;
pub mod pages;
mod prometheus;
pub mod readiness;
pub mod request_span;
pub mod routes;
pub mod startup;
pub mod state;
pub mod telemetry;

pub use error::{Error, Result};

/// The migrations of `migrations/` (workspace root), embedded at compile time.
pub static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("../../migrations");
