//! The app's one error type: every way start-up or a command can fail, each keeping its cause.

use std::time::Duration;

use crate::cache::CacheError;

/// `Result` with the app's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Why the app could not start, or a command (`migrate`, `sync`) failed.
///
/// `Display` is one line naming what to fix, its cause included (as sqlx's errors do); the cause
/// is also the [`source`](std::error::Error::source), for logs (`error.cause_chain`). `app`
/// prints it once and exits with `2` when [`Error::is_config`] (fix the settings and retry),
/// else `1`.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The layered settings (defaults, `app.toml`, environment) could not be read: a value of the
    /// wrong type (the message names its key).
    #[error("configuration: {0}")]
    Settings(#[from] config::ConfigError),
    /// A setting is missing, malformed or contradicts another.
    #[error("configuration: {variable} {problem}")]
    Setting {
        /// The environment variable at fault, e.g. `CLERK_SECRET_KEY`.
        variable: &'static str,
        /// What is wrong with it and how to fix it, starting with a verb (`is not set: …`).
        problem: String,
    },
    /// A setting's value is not one it can take: `APP_LOG_FORMAT: expected pretty or json, got "xml"`.
    #[error("configuration: {variable}: expected {expected}, got {got:?}")]
    Invalid {
        /// The environment variable at fault, as the user writes it (`APP_LOG_FORMAT`).
        variable: &'static str,
        /// The values it takes, in plain words (`pretty or json`).
        expected: &'static str,
        /// The value it was given.
        got: String,
    },
    /// The `.env` file could not be read, or a line of it is not `KEY=VALUE`.
    #[error("configuration: {location}: {problem}")]
    DotEnv {
        /// The file, and the line when one is at fault (`/srv/app/.env line 3`).
        location: String,
        /// What is wrong (never the line's content: it may hold a secret).
        problem: String,
    },
    /// `DATABASE_URL` is not a usable Postgres address.
    #[error("configuration: DATABASE_URL is not usable: {0}")]
    DatabaseUrl(#[source] sqlx::Error),
    /// The database at `DATABASE_URL` answered but refused the app: wrong user or password, a
    /// database that does not exist, TLS required.
    #[error("configuration: DATABASE_URL: {problem}")]
    DatabaseRefused {
        /// What the server said, in its words.
        problem: String,
        /// The server's error.
        #[source]
        source: sqlx::Error,
    },
    /// Nothing answered at `DATABASE_URL` at start (`connection refused at 127.0.0.1:5433`): a
    /// run-time failure, since the database may only be starting; retry once it answers.
    #[error("DATABASE_URL: {problem}")]
    DatabaseUnreachable {
        /// What happened and where (`connection refused at 127.0.0.1:5433`).
        problem: String,
        /// The connection error, when there is one (none for a timeout).
        #[source]
        source: Option<sqlx::Error>,
    },
    /// The Backend API refused `CLERK_SECRET_KEY` (401 `clerk_key_invalid` from `GET /v1/jwks`
    /// at start).
    #[error("configuration: CLERK_SECRET_KEY was refused by Clerk (GET /v1/jwks): {message}")]
    SecretKeyRefused {
        /// Clerk's error message.
        message: String,
    },
    /// `CLERK_SECRET_KEY` and `CLERK_PUBLISHABLE_KEY` belong to two instances of one type: the
    /// publishable key's Frontend API is none of the secret key's instance domains
    /// (`GET /v1/domains` at start).
    #[error(
        "configuration: CLERK_SECRET_KEY and CLERK_PUBLISHABLE_KEY come from two different Clerk \
         instances: the publishable key's Frontend API is {publishable}, the secret key's instance \
         serves {instance} (GET /v1/domains); copy both from the same instance (Dashboard → API keys)"
    )]
    KeysOfTwoInstances {
        /// The publishable key's Frontend API host.
        publishable: String,
        /// The secret key's instance's Frontend API hosts, comma separated.
        instance: String,
    },
    /// A Clerk option (`CLERK_*`) is missing or malformed.
    #[error("configuration: {0}")]
    Clerk(#[from] clerk_actix::ConfigError),
    /// A listen address could not be bound.
    #[error("cannot listen on {address}: {source}")]
    Bind {
        /// The address.
        address: String,
        /// Why.
        source: std::io::Error,
    },
    /// Migrations failed (the database is unreachable or the schema is inconsistent).
    #[error("database migrations failed: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    /// The database answered with an error, or could not be reached.
    #[error("database: {0}")]
    Database(#[from] sqlx::Error),
    /// The database did not answer in time.
    #[error("the database did not answer within {0:?}")]
    DatabaseTimeout(Duration),
    /// The user cache failed (its database work, or the Backend API behind it).
    #[error("user cache: {0}")]
    Cache(#[from] CacheError),
    /// A reconciliation pass (`app sync --full`) stopped early; nothing was deleted.
    #[error("sync: the pass was incomplete (see the log); nothing was deleted")]
    SyncIncomplete,
    /// Serving failed.
    #[error("{0}")]
    Io(#[from] std::io::Error),
    /// The dev-mode emulator could not start or restore its instance.
    #[cfg(feature = "dev")]
    #[error("the offline Clerk emulator could not start: {0}")]
    Emulator(#[from] clerk_testkit::Error),
    /// Dev mode could not load or store its identity in the database.
    #[cfg(feature = "dev")]
    #[error("dev mode keeps its identity in DATABASE_URL: {0}")]
    DevIdentity(#[source] sqlx::Error),
}

impl Error {
    /// A [`Error::Setting`] naming `variable`.
    pub fn setting(variable: &'static str, problem: impl Into<String>) -> Self {
        Self::Setting {
            variable,
            problem: problem.into(),
        }
    }

    /// Whether the settings are at fault (fix them and start again), as opposed to a failure
    /// at run time (database down, port taken).
    pub fn is_config(&self) -> bool {
        matches!(
            self,
            Error::Settings(_)
                | Error::Setting { .. }
                | Error::Invalid { .. }
                | Error::DotEnv { .. }
                | Error::DatabaseUrl(_)
                | Error::DatabaseRefused { .. }
                | Error::SecretKeyRefused { .. }
                | Error::KeysOfTwoInstances { .. }
                | Error::Clerk(_)
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn configuration_errors_are_told_apart_from_runtime_failures() {
        let config = Error::setting("CLERK_SECRET_KEY", "is not set");
        assert!(config.is_config());
        assert_eq!(config.to_string(), "configuration: CLERK_SECRET_KEY is not set");
        let runtime = Error::DatabaseTimeout(Duration::from_secs(2));
        assert!(!runtime.is_config());
        let bind = Error::Bind {
            address: "127.0.0.1:1".into(),
            source: std::io::Error::from(std::io::ErrorKind::AddrInUse),
        };
        assert!(!bind.is_config());
        assert!(std::error::Error::source(&bind).is_some(), "the cause is kept");
    }
}
