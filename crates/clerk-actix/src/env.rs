//! Configuration values as Clerk's environment variables hold them: the error that names the
//! variable at fault, and the parsers every setting shares.
//!
//! A leaf module: both [`crate::ClerkConfig`] and the client's
//! [`ClientConfig`](crate::client::ClientConfig) use it, so neither depends on the other for it.

use std::time::Duration;

/// A configuration value that is missing or malformed; names the variable (or builder option).
///
/// The message says what is wrong with the value, never the value of a secret.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{variable}: {message}")]
pub struct ConfigError {
    /// The environment variable (or option) at fault, e.g. `CLERK_PUBLISHABLE_KEY`.
    pub variable: &'static str,
    /// What is wrong with it (never the secret value).
    pub message: String,
}

impl ConfigError {
    pub(crate) fn new(variable: &'static str, message: impl Into<String>) -> Self {
        Self {
            variable,
            message: message.into(),
        }
    }
}

/// A variable lookup that treats blank values as unset and trims the rest.
pub(crate) fn reader(lookup: impl Fn(&str) -> Option<String>) -> impl Fn(&str) -> Option<String> {
    move |name| {
        lookup(name)
            .map(|value| value.trim().to_owned())
            .filter(|value| !value.is_empty())
    }
}

/// The non-empty entries of a comma separated list, trimmed.
pub(crate) fn split_list(value: &str) -> Vec<String> {
    value
        .split(',')
        .map(str::trim)
        .filter(|entry| !entry.is_empty())
        .map(str::to_owned)
        .collect()
}

pub(crate) fn parse_bool(variable: &'static str, value: &str) -> Result<bool, ConfigError> {
    match value.to_ascii_lowercase().as_str() {
        "1" | "true" | "yes" | "on" => Ok(true),
        "0" | "false" | "no" | "off" => Ok(false),
        _ => Err(ConfigError::new(
            variable,
            format!("{value:?} is not true or false"),
        )),
    }
}

/// A whole number (of anything: requests, entries).
pub(crate) fn parse_count(variable: &'static str, value: &str) -> Result<u64, ConfigError> {
    value
        .parse()
        .map_err(|_| ConfigError::new(variable, format!("{value:?} is not a whole number")))
}

/// A whole number of milliseconds.
pub(crate) fn parse_millis(variable: &'static str, value: &str) -> Result<Duration, ConfigError> {
    value.parse().map(Duration::from_millis).map_err(|_| {
        ConfigError::new(
            variable,
            format!("{value:?} is not a whole number of milliseconds"),
        )
    })
}
