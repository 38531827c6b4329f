//! The example Clerk-protected API server: the seed's routes, a Postgres user cache synced from
//! the Backend API (read-through, webhooks, reconciliation), configuration, telemetry.
#![forbid(unsafe_code)]
#![deny(missing_docs)]

pub mod admin;
pub mod cache;
pub mod cli;
pub mod configuration;
#[cfg(feature = "dev")]
pub mod dev;
#[cfg(feature = "dev")]
pub mod dev_identity;
pub mod metrics;
pub mod readiness;
pub mod request_span;
pub mod routes;
pub mod startup;
pub mod telemetry;

/// The migrations of `migrations/` (workspace root), embedded at compile time.
pub static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("../../migrations");
