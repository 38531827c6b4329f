//! Settings: defaults → optional file → environment.
//!
//! The environment uses Clerk's names (`CLERK_SECRET_KEY`, …), `DATABASE_URL`, `PORT`, and
//! `APP_…` for the rest. The optional file (TOML, `APP_CONFIG_FILE`, default `app.toml` in the
//! working directory) uses the same names in lower case (`port = 8080`, `app_cache_ttl_secs = 60`).

use std::time::Duration;

use config::{Config, Environment, File, FileFormat};
use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;

use crate::error::{Error, Result};

/// Log output format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    /// Human-readable, for local runs.
    Pretty,
    /// One JSON object per line, for production.
    Json,
}

/// Everything the app reads at start-up. Secrets are `SecretString`s: `Debug` never shows them.
#[derive(Debug, Clone, Deserialize)]
pub struct Settings {
    /// `PORT`: listen port. Defaults to 8080.
    pub port: u16,
    /// `APP_HOST`: listen address. Defaults to `127.0.0.1`.
    pub app_host: String,
    /// `APP_ADMIN_PORT`: the admin listener's port (`GET /metrics`). Defaults to 9090.
    pub app_admin_port: u16,
    /// `APP_ADMIN_HOST`: the admin listener's address. Defaults to `127.0.0.1`.
    pub app_admin_host: String,
    /// `APP_WORKERS`: Actix workers (0 = one per core). Defaults to 0.
    pub app_workers: usize,
    /// `DATABASE_URL`: the app's Postgres database, `postgres://user:password@host:5432/database`.
    /// No default: every command that needs it says so (`make run`, `make migrate` and
    /// `make sync` set it to the same database, see `scripts/database.sh`).
    #[serde(default)]
    pub database_url: Option<SecretString>,
    /// `APP_DATABASE_MAX_CONNECTIONS`. Defaults to 10.
    pub app_database_max_connections: u32,
    /// `APP_DATABASE_ACQUIRE_TIMEOUT_MS`: how long a request waits for a connection. Defaults to 2000.
    pub app_database_acquire_timeout_ms: u64,
    /// `APP_RUN_MIGRATIONS`: run migrations at start. Defaults to true.
    pub app_run_migrations: bool,
    /// `APP_LOG_FORMAT`: `pretty` or `json`. Defaults to `pretty`.
    pub app_log_format: LogFormat,
    /// `APP_LOG`: tracing filter (`RUST_LOG` syntax). Defaults to `info`.
    pub app_log: String,
    /// `APP_CACHE_TTL_SECS`: a cached user younger than this is served without asking Clerk.
    /// Defaults to 60.
    pub app_cache_ttl_secs: u64,
    /// `APP_CACHE_MAX_STALE_SECS`: how old a cached user may be when Clerk is unreachable.
    /// Defaults to 86400.
    pub app_cache_max_stale_secs: u64,
    /// `APP_CACHE_NEGATIVE_TTL_SECS`: how long an unknown user id is remembered. Defaults to 30.
    pub app_cache_negative_ttl_secs: u64,
    /// `APP_RECONCILE_INTERVAL_SECS`: full reconciliation period (0 = off). Defaults to 3600.
    pub app_reconcile_interval_secs: u64,
    /// `APP_USER_CACHE_MEMORY_CAPACITY`: users held in the in-process tier (0 = off). Defaults
    /// to 10000.
    pub app_user_cache_memory_capacity: usize,
    /// `APP_USER_CACHE_MEMORY_TTL_SECS`: longest a user stays in the in-process tier. Defaults
    /// to 30.
    pub app_user_cache_memory_ttl_secs: u64,
    /// `APP_DEV_MODE`: run against the in-process offline Clerk emulator instead of a Clerk
    /// instance (only in builds with the `dev` feature, and only without Clerk keys). Defaults to
    /// false.
    pub app_dev_mode: bool,
    /// `APP_DEV_USERS`: users the dev-mode emulator seeds. Defaults to 5.
    pub app_dev_users: usize,
    /// `APP_CLERK_FRONTEND_UPSTREAM`: an offline Clerk (clerk-testkit) whose Frontend API the app
    /// serves under `/__clerk` (set `CLERK_PROXY_URL=/__clerk` with it). Dev mode sets it to its
    /// own emulator. Defaults to none.
    #[serde(default)]
    pub app_clerk_frontend_upstream: Option<String>,
    /// `APP_CLERK_FRONTEND_API_PROXY`: serve the Clerk instance's Frontend API under `/__clerk`
    /// (Clerk's `frontendApiProxy: { enabled: true }`), for users behind ad-blockers and
    /// firewalls. Needs `CLERK_PROXY_URL` naming that path and `CLERK_SECRET_KEY`; the upstream is
    /// `CLERK_FAPI_URL` (Clerk's name), else the one Clerk's proxy picks for the publishable key
    /// (`https://frontend-api.clerk.dev`). Defaults to false.
    pub app_clerk_frontend_api_proxy: bool,
    /// `APP_OTEL_ALLOW_PLAINTEXT`: let the trace export (the `otel` feature) send over plain
    /// `http://` to a host that is not loopback, such as a collector beside the app on a private
    /// network (compose's `jaeger`). Without it such an endpoint fails start-up. Defaults to false.
    pub app_otel_allow_plaintext: bool,
    /// Every layered value, for the Clerk options (read by [`Settings::clerk_config`]).
    #[serde(skip)]
    raw: RawConfig,
}

/// The layered configuration, kept for Clerk's own variables; its `Debug` shows nothing.
#[derive(Clone, Default)]
struct RawConfig(Option<std::sync::Arc<Config>>);

impl std::fmt::Debug for RawConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("RawConfig(..)")
    }
}

impl Settings {
    /// Reads the settings from the process environment (and the optional file).
    ///
    /// # Errors
    ///
    /// A configuration [`Error`] naming the key at fault.
    pub fn load() -> Result<Self> {
        let file = std::env::var("APP_CONFIG_FILE").unwrap_or_else(|_| "app.toml".to_owned());
        Self::load_from(Some(&file), Environment::default().try_parsing(true))
    }

    /// Reads the settings from `file` (optional) and `environment`.
    ///
    /// # Errors
    ///
    /// A configuration [`Error`] naming the key at fault.
    pub fn load_from(file: Option<&str>, environment: Environment) -> Result<Self> {
        let mut builder = Config::builder();
        for (key, value) in DEFAULTS {
            builder = builder.set_default(*key, *value)?;
        }
        if let Some(file) = file {
            builder = builder.add_source(File::new(file, FileFormat::Toml).required(false));
        }
        let config = builder.add_source(environment).build()?;
        check_values(&config)?;
        let mut settings: Settings = config.clone().try_deserialize()?;
        settings.raw = RawConfig(Some(std::sync::Arc::new(config)));
        settings.validate()?;
        Ok(settings)
    }

    fn validate(&self) -> Result<()> {
        // A URL that is set is checked now; one that is not is refused by the commands that need it.
        if let Some(problem) = self
            .database_url
            .as_ref()
            .and_then(|url| crate::database_url::problem(url.expose_secret()))
        {
            return Err(Error::setting("DATABASE_URL", problem));
        }
        if self.app_database_max_connections == 0 {
            return Err(Error::setting(
                "APP_DATABASE_MAX_CONNECTIONS",
                "must be at least 1",
            ));
        }
        Ok(())
    }

    /// How long a request waits for a database connection.
    pub fn acquire_timeout(&self) -> Duration {
        Duration::from_millis(self.app_database_acquire_timeout_ms)
    }

    /// A Clerk setting by its environment name (`CLERK_JWT_KEY`, …), from the file or environment.
    pub fn clerk_value(&self, name: &str) -> Option<String> {
        let config = self.raw.0.as_ref()?;
        config
            .get_string(&name.to_ascii_lowercase())
            .ok()
            .filter(|value| !value.trim().is_empty())
    }

    /// Clerk's options (`CLERK_*`), read from the same layers.
    ///
    /// # Errors
    ///
    /// A [`clerk_actix::ConfigError`] naming the variable.
    pub fn clerk_config(&self) -> Result<clerk_actix::ClerkConfig, clerk_actix::ConfigError> {
        let config = clerk_actix::ClerkConfig::from_lookup(|name| self.clerk_value(name))?;
        // Every Backend API call carries the current trace (`traceparent`) when traces are on.
        #[cfg(feature = "otel")]
        let config = config
            .client_config(|client| client.header_injector(std::sync::Arc::new(crate::otel::TraceContext)));
        Ok(config)
    }

    /// Whether dev mode was asked for (`APP_DEV_MODE`): never inferred from missing keys.
    pub fn dev_mode(&self) -> bool {
        self.app_dev_mode
    }

    /// Whether Clerk keys are configured (`CLERK_SECRET_KEY` or `CLERK_JWT_KEY`, the latter
    /// read by the Clerk configuration).
    ///
    /// # Errors
    ///
    /// A [`clerk_actix::ConfigError`] naming a malformed Clerk variable.
    pub fn has_clerk_keys(&self) -> Result<bool, clerk_actix::ConfigError> {
        let config = self.clerk_config()?;
        Ok(config.has_secret_key() || config.has_jwt_key())
    }
}

/// What a typed `APP_*` (or `PORT`) setting takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    /// A TCP port.
    Port,
    /// A whole number, 0 or more.
    Count,
    /// A whole number of at most 32 bits.
    Count32,
    /// On or off, in any of the spellings the settings loader accepts.
    Switch,
    /// [`LogFormat`]'s names.
    LogFormat,
}

impl Kind {
    /// The values it takes, in plain words.
    fn expected(self) -> &'static str {
        match self {
            Kind::Port => "a port number from 0 to 65535",
            Kind::Count => "a whole number (0 or more)",
            Kind::Count32 => "a whole number from 0 to 4294967295",
            Kind::Switch => "true or false (or 1/0, yes/no, on/off)",
            Kind::LogFormat => "pretty or json",
        }
    }

    fn accepts(self, value: &str) -> bool {
        let value = value.trim();
        match self {
            Kind::Port => value.parse::<u16>().is_ok(),
            Kind::Count => value.parse::<u64>().is_ok(),
            Kind::Count32 => value.parse::<u32>().is_ok(),
            Kind::Switch => matches!(
                value.to_ascii_lowercase().as_str(),
                "1" | "true" | "on" | "yes" | "0" | "false" | "off" | "no"
            ),
            Kind::LogFormat => matches!(value, "pretty" | "json"),
        }
    }
}

/// The typed settings: their key in the layers, their variable as the user writes it, and kind.
const TYPED: &[(&str, &str, Kind)] = &[
    ("port", "PORT", Kind::Port),
    ("app_admin_port", "APP_ADMIN_PORT", Kind::Port),
    ("app_workers", "APP_WORKERS", Kind::Count),
    (
        "app_database_max_connections",
        "APP_DATABASE_MAX_CONNECTIONS",
        Kind::Count32,
    ),
    (
        "app_database_acquire_timeout_ms",
        "APP_DATABASE_ACQUIRE_TIMEOUT_MS",
        Kind::Count,
    ),
    ("app_run_migrations", "APP_RUN_MIGRATIONS", Kind::Switch),
    ("app_log_format", "APP_LOG_FORMAT", Kind::LogFormat),
    ("app_cache_ttl_secs", "APP_CACHE_TTL_SECS", Kind::Count),
    (
        "app_cache_max_stale_secs",
        "APP_CACHE_MAX_STALE_SECS",
        Kind::Count,
    ),
    (
        "app_cache_negative_ttl_secs",
        "APP_CACHE_NEGATIVE_TTL_SECS",
        Kind::Count,
    ),
    (
        "app_reconcile_interval_secs",
        "APP_RECONCILE_INTERVAL_SECS",
        Kind::Count,
    ),
    (
        "app_user_cache_memory_capacity",
        "APP_USER_CACHE_MEMORY_CAPACITY",
        Kind::Count,
    ),
    (
        "app_user_cache_memory_ttl_secs",
        "APP_USER_CACHE_MEMORY_TTL_SECS",
        Kind::Count,
    ),
    ("app_dev_mode", "APP_DEV_MODE", Kind::Switch),
    (
        "app_clerk_frontend_api_proxy",
        "APP_CLERK_FRONTEND_API_PROXY",
        Kind::Switch,
    ),
    (
        "app_otel_allow_plaintext",
        "APP_OTEL_ALLOW_PLAINTEXT",
        Kind::Switch,
    ),
    ("app_dev_users", "APP_DEV_USERS", Kind::Count),
];

/// Checks every typed setting before deserializing, so a bad value is reported by its variable
/// and with the values it takes (`APP_LOG_FORMAT: expected pretty or json, got "xml"`) instead
/// of as a serde message about a lower-case key.
/// Settings that were renamed: set, they fail start-up with the new name rather than being
/// silently ignored.
const RENAMED: &[(&str, &str, &str)] = &[(
    "app_rate_limit_per_10s",
    "APP_RATE_LIMIT_PER_10S",
    "was renamed to CLERK_API_RATE_LIMIT (Backend API requests per 10 s, per process, shared by every \
     kind of traffic; default 90 % of Clerk's limit for the key's instance type)",
)];

fn check_values(config: &Config) -> Result<()> {
    for (key, variable, what) in RENAMED {
        if config.get_string(key).is_ok() {
            return Err(Error::setting(variable, *what));
        }
    }
    for (key, variable, kind) in TYPED {
        // A value that is not a scalar (a TOML table) is left to the deserializer's message.
        let Ok(value) = config.get_string(key) else {
            continue;
        };
        if !kind.accepts(&value) {
            return Err(Error::Invalid {
                variable,
                expected: kind.expected(),
                got: value,
            });
        }
    }
    Ok(())
}

const DEFAULTS: &[(&str, &str)] = &[
    ("port", "8080"),
    ("app_host", "127.0.0.1"),
    ("app_admin_port", "9090"),
    ("app_admin_host", "127.0.0.1"),
    ("app_workers", "0"),
    ("app_database_max_connections", "10"),
    ("app_database_acquire_timeout_ms", "2000"),
    ("app_run_migrations", "true"),
    ("app_log_format", "pretty"),
    ("app_log", "info"),
    ("app_cache_ttl_secs", "60"),
    ("app_cache_max_stale_secs", "86400"),
    ("app_cache_negative_ttl_secs", "30"),
    ("app_reconcile_interval_secs", "3600"),
    ("app_dev_mode", "false"),
    ("app_clerk_frontend_api_proxy", "false"),
    ("app_otel_allow_plaintext", "false"),
    ("app_dev_users", "5"),
    ("app_user_cache_memory_capacity", "10000"),
    ("app_user_cache_memory_ttl_secs", "30"),
];

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn env(pairs: &[(&str, &str)]) -> Environment {
        let map: HashMap<String, String> = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        Environment::default().try_parsing(true).source(Some(map))
    }

    #[test]
    fn defaults_then_environment() {
        let settings =
            Settings::load_from(None, env(&[("PORT", "9999"), ("APP_CACHE_TTL_SECS", "5")])).unwrap();
        assert_eq!(settings.port, 9999);
        assert_eq!(settings.app_cache_ttl_secs, 5);
        assert_eq!(settings.app_log_format, LogFormat::Pretty);
        assert!(!settings.clerk_config().unwrap().has_secret_key());
    }

    #[test]
    fn dev_mode_is_only_ever_asked_for() {
        let settings = Settings::load_from(None, env(&[])).unwrap();
        assert!(!settings.dev_mode() && !settings.has_clerk_keys().unwrap());
        let settings = Settings::load_from(None, env(&[("CLERK_SECRET_KYE", "sk_test_x")])).unwrap();
        assert!(!settings.dev_mode() && !settings.has_clerk_keys().unwrap());
        let settings = Settings::load_from(None, env(&[("APP_DEV_MODE", "1")])).unwrap();
        assert!(settings.dev_mode());
        let settings = Settings::load_from(None, env(&[("APP_DEV_MODE", "true")])).unwrap();
        assert!(settings.dev_mode());
        let settings = Settings::load_from(None, env(&[("CLERK_JWT_KEY", "-----BEGIN")])).unwrap();
        assert!(settings.has_clerk_keys().unwrap());
        let settings = Settings::load_from(None, env(&[("CLERK_SECRET_KEY", "sk_test_x")])).unwrap();
        assert!(settings.has_clerk_keys().unwrap());
    }

    /// Issue 25, item 5: whether a JWT key is set is the Clerk configuration's answer, and a
    /// malformed Clerk variable is reported as itself rather than as missing keys.
    #[test]
    fn the_jwt_key_is_read_by_the_clerk_configuration() {
        let settings = Settings::load_from(
            None,
            env(&[("CLERK_JWT_KEY", "-----BEGIN"), ("CLERK_COOKIE_AUTH", "maybe")]),
        )
        .unwrap();
        let err = settings.has_clerk_keys().unwrap_err();
        assert_eq!(err.variable, "CLERK_COOKIE_AUTH", "{err}");
    }

    #[test]
    fn admin_listener_and_trusted_proxies() {
        let settings = Settings::load_from(None, env(&[])).unwrap();
        assert_eq!(
            (settings.app_admin_host.as_str(), settings.app_admin_port),
            ("127.0.0.1", 9090)
        );
        // `CLERK_TRUSTED_PROXIES` is clerk-actix's to parse (issue 25, item 5): the app reads
        // it from the built `Clerk`, and a bad entry fails the Clerk configuration.
        let settings = Settings::load_from(None, env(&[("CLERK_TRUSTED_PROXIES", "proxy")])).unwrap();
        assert!(settings
            .clerk_config()
            .unwrap_err()
            .to_string()
            .contains("CLERK_TRUSTED_PROXIES"));
    }

    #[test]
    fn a_bad_value_names_its_key() {
        for (key, value, named) in [
            ("PORT", "eighty", "PORT"),
            ("APP_LOG_FORMAT", "xml", "APP_LOG_FORMAT"),
            ("DATABASE_URL", "nope", "DATABASE_URL"),
        ] {
            let err = Settings::load_from(None, env(&[(key, value)])).unwrap_err();
            assert!(err.is_config(), "{err:?}");
            assert!(err.to_string().contains(named), "{err}");
        }
    }

    // Issue 16, §2: every typed setting names its variable as written, the values it takes,
    // and the value it got.
    #[test]
    fn every_typed_setting_says_what_it_takes() {
        for (key, value, message) in [
            (
                "APP_LOG_FORMAT",
                "xml",
                r#"APP_LOG_FORMAT: expected pretty or json, got "xml""#,
            ),
            (
                "APP_LOG_FORMAT",
                "JSON",
                r#"APP_LOG_FORMAT: expected pretty or json, got "JSON""#,
            ),
            (
                "PORT",
                "eighty",
                r#"PORT: expected a port number from 0 to 65535, got "eighty""#,
            ),
            (
                "PORT",
                "70000",
                r#"PORT: expected a port number from 0 to 65535, got "70000""#,
            ),
            (
                "APP_ADMIN_PORT",
                "-1",
                r#"APP_ADMIN_PORT: expected a port number from 0 to 65535, got "-1""#,
            ),
            (
                "APP_WORKERS",
                "many",
                r#"APP_WORKERS: expected a whole number (0 or more), got "many""#,
            ),
            (
                "APP_DATABASE_MAX_CONNECTIONS",
                "1.5",
                r#"APP_DATABASE_MAX_CONNECTIONS: expected a whole number from 0 to 4294967295, got "1.5""#,
            ),
            (
                "APP_RUN_MIGRATIONS",
                "maybe",
                r#"APP_RUN_MIGRATIONS: expected true or false (or 1/0, yes/no, on/off), got "maybe""#,
            ),
            (
                "APP_DEV_MODE",
                "enabled",
                r#"APP_DEV_MODE: expected true or false (or 1/0, yes/no, on/off), got "enabled""#,
            ),
            (
                "APP_CACHE_TTL_SECS",
                "1m",
                r#"APP_CACHE_TTL_SECS: expected a whole number (0 or more), got "1m""#,
            ),
            (
                "APP_RECONCILE_INTERVAL_SECS",
                "hourly",
                r#"APP_RECONCILE_INTERVAL_SECS: expected a whole number (0 or more), got "hourly""#,
            ),
        ] {
            let err = Settings::load_from(None, env(&[(key, value)])).unwrap_err();
            assert!(err.is_config(), "{err:?}");
            assert_eq!(err.to_string(), format!("configuration: {message}"));
        }
        // Every typed field is in the table, and every default passes it.
        for (key, variable, _) in TYPED {
            assert_eq!(key.to_ascii_uppercase(), *variable);
            assert!(DEFAULTS.iter().any(|(default, _)| default == key), "{key}");
        }
        for (key, value) in [
            ("APP_DEV_MODE", "yes"),
            ("APP_RUN_MIGRATIONS", "0"),
            ("APP_LOG_FORMAT", "json"),
        ] {
            Settings::load_from(None, env(&[(key, value)])).unwrap();
        }
    }

    #[test]
    fn a_renamed_setting_fails_with_its_new_name() {
        let err = Settings::load_from(None, env(&[("APP_RATE_LIMIT_PER_10S", "90")])).unwrap_err();
        assert!(err.is_config(), "{err:?}");
        let message = err.to_string();
        assert!(
            message.starts_with("configuration: APP_RATE_LIMIT_PER_10S")
                && message.contains("CLERK_API_RATE_LIMIT"),
            "{message}"
        );
    }

    #[test]
    fn secrets_are_redacted() {
        let settings = Settings::load_from(
            None,
            env(&[
                ("CLERK_SECRET_KEY", "sk_test_TOPSECRET"),
                ("DATABASE_URL", "postgres://u:PASSWORD@h/d"),
            ]),
        )
        .unwrap();
        let debug = format!("{settings:?}");
        assert!(
            !debug.contains("TOPSECRET") && !debug.contains("PASSWORD"),
            "{debug}"
        );
    }
}
