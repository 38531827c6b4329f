//! The database: the pool of the settings, the migrations, and the ping of `/readyz`.

use std::time::Duration;

use secrecy::ExposeSecret;
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::PgPool;

use crate::configuration::Settings;
use crate::error::{Error, Result};

/// How long [`ping`] waits for the database.
const PING_TIMEOUT: Duration = Duration::from_secs(2);

/// How long [`check`] waits for the database at start.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);

/// The database pool of `settings` (lazy: connections open on first use, per worker).
///
/// # Errors
///
/// [`Error::DatabaseUrl`] when `DATABASE_URL` is not a Postgres address.
pub fn pool(settings: &Settings) -> Result<PgPool> {
    let options = connect_options(settings)?;
    Ok(PgPoolOptions::new()
        .max_connections(settings.app_database_max_connections)
        .acquire_timeout(settings.acquire_timeout())
        .connect_lazy_with(options))
}

/// The `DATABASE_URL` of `settings`, refused with what is wrong with the URL itself
/// ([`crate::database_url::problem`]) before anything connects: not set, not a URL, not
/// `postgres://`, no database name.
///
/// # Errors
///
/// A configuration [`Error`] naming `DATABASE_URL`.
pub fn check_url(settings: &Settings) -> Result<&str> {
    let url = settings
        .database_url
        .as_ref()
        .map(|url| url.expose_secret())
        .unwrap_or_default();
    match crate::database_url::problem(url) {
        Some(problem) => Err(Error::setting("DATABASE_URL", problem)),
        None => Ok(url),
    }
}

fn connect_options(settings: &Settings) -> Result<PgConnectOptions> {
    check_url(settings)?.parse().map_err(Error::DatabaseUrl)
}

/// Connects once to the database of `settings`, within a short timeout, so that a database that
/// is not there is reported as such at start (`DATABASE_URL: connection refused at
/// 127.0.0.1:5433`) and not as a pool timeout later. `serve`, `migrate` and `sync` call it before
/// any other database work.
///
/// # Errors
///
/// [`Error::DatabaseUnreachable`] (a run-time failure: the database may only be starting) when
/// nothing answers; [`Error::DatabaseRefused`] (a configuration error) when the server refuses
/// the user, the password or the database name; [`Error::DatabaseUrl`] for a malformed URL.
pub async fn check(settings: &Settings) -> Result<()> {
    use sqlx::Connection as _;
    let options = connect_options(settings)?;
    if let Some(name) = settings
        .database_url
        .as_ref()
        .and_then(|url| crate::database_url::maintenance_database(url.expose_secret()))
    {
        // Said, never done silently: the app's tables would sit beside the cluster's own.
        tracing::warn!(
            "DATABASE_URL names {name:?}, a database Postgres keeps for itself: the app's tables \
             go there; give the app its own (createdb clerk_actix) unless this is intended"
        );
    }
    let target = match options.get_socket() {
        Some(socket) => socket.display().to_string(),
        None => format!("{}:{}", options.get_host(), options.get_port()),
    };
    match tokio::time::timeout(CONNECT_TIMEOUT, sqlx::PgConnection::connect_with(&options)).await {
        Ok(Ok(connection)) => {
            // Best effort: the connection was only a probe.
            let _ = connection.close().await;
            Ok(())
        }
        Ok(Err(err)) => Err(connect_error(err, &target)),
        Err(_) => Err(Error::DatabaseUnreachable {
            problem: format!("no answer within {CONNECT_TIMEOUT:?} at {target}"),
            source: None,
        }),
    }
}

/// What a failed first connection to `target` means.
fn connect_error(err: sqlx::Error, target: &str) -> Error {
    let problem = match &err {
        sqlx::Error::Io(io) => match io.kind() {
            std::io::ErrorKind::ConnectionRefused => format!("connection refused at {target}"),
            std::io::ErrorKind::TimedOut => format!("no answer at {target}"),
            _ => format!("cannot reach {target}: {io}"),
        },
        // Postgres answered and refused us: invalid_authorization_specification (28000),
        // invalid_password (28P01), invalid_catalog_name (3D000). The settings are at fault.
        sqlx::Error::Database(db) if matches!(db.code().as_deref(), Some("28000" | "28P01" | "3D000")) => {
            let hint = if db.code().as_deref() == Some("3D000") {
                ": create it first (createdb, or CREATE DATABASE), or name an existing database"
            } else {
                ""
            };
            return Error::DatabaseRefused {
                problem: format!("{} (at {target}){hint}", db.message()),
                source: err,
            };
        }
        sqlx::Error::Tls(_) => {
            return Error::DatabaseRefused {
                problem: format!("TLS failed at {target} (check sslmode)"),
                source: err,
            };
        }
        _ => format!("cannot connect at {target}: {err}"),
    };
    Error::DatabaseUnreachable {
        problem,
        source: Some(err),
    }
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
