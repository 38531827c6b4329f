//! The example API server: Clerk-protected routes and a Postgres user cache.
#![forbid(unsafe_code)]
#![deny(missing_docs)]

pub mod cache;

/// The app's migrations (`migrations/` at the workspace root), embedded at build time.
pub static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("../../migrations");
