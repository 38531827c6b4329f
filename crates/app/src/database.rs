//! The database: the pool of the settings, the migrations, and the ping of `/readyz`.

use std::time::Duration;

use secrecy::ExposeSecret;
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::PgPool;

use crate::configuration::Settings;
use crate::error::{Error, Result};

/// How long [`ping`] waits for the database.
const PING_TIMEOUT: Duration = Duration::from_secs(2);

/// The database pool of `settings` (lazy: connections open on first use, per worker).
///
/// # Errors
///
/// [`Error::DatabaseUrl`] when `DATABASE_URL` is not a Postgres address.
pub fn pool(settings: &Settings) -> Result<PgPool> {
    let options: PgConnectOptions = settings
        .database_url
        .expose_secret()
        .parse()
        .map_err(Error::DatabaseUrl)?;
    Ok(PgPoolOptions::new()
        .max_connections(settings.app_database_max_connections)
        .acquire_timeout(settings.acquire_timeout())
        .connect_lazy_with(options))
}

/// Runs the migrations of `migrations/` (what `app migrate` does).
///
/// # Errors
///
/// [`Error::Migrate`] when the database is unreachable or the schema is inconsistent.
pub async fn migrate(pool: &PgPool) -> Result<()> {
    Ok(crate::MIGRATOR.run(pool).await?)
}

/// `SELECT 1` within a short timeout.
///
/// # Errors
///
/// [`Error::Database`] when the database refuses, [`Error::DatabaseTimeout`] when it does not
/// answer in time.
pub async fn ping(pool: &PgPool) -> Result<()> {
    let ping = sqlx::query_scalar::<_, i32>("SELECT 1").fetch_one(pool);
    match tokio::time::timeout(PING_TIMEOUT, ping).await {
        Ok(answer) => answer.map(drop).map_err(Error::Database),
        Err(_) => Err(Error::DatabaseTimeout(PING_TIMEOUT)),
    }
}
