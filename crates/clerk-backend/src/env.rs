//! Configuration values as Clerk's environment variables hold them: the error that names the
//! variable at fault, and the parsers the client's settings share with clerk-actix's.
//!
//! A leaf module: [`ClientConfig`](crate::ClientConfig) reads its variables with it, and
//! clerk-actix's `ClerkConfig` uses the same [`ConfigError`] and parsers for its own, so one error
//! type names the variable at fault whichever crate reads it.

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
    /// The error for `variable`, saying what is wrong with it (never its secret value).
    pub fn new(variable: &'static str, message: impl Into<String>) -> Self {
        Self {
            variable,
            message: message.into(),
        }
    }
}

/// A variable lookup that treats blank values as unset and trims the rest.
pub fn reader(lookup: impl Fn(&str) -> Option<String>) -> impl Fn(&str) -> Option<String> {
    move |name| {
        lookup(name)
            .map(|value| value.trim().to_owned())
            .filter(|value| !value.is_empty())
    }
}

/// A whole number (of anything: requests, entries).
pub fn parse_count(variable: &'static str, value: &str) -> Result<u64, ConfigError> {
    value
        .parse()
        .map_err(|_| ConfigError::new(variable, format!("{value:?} is not a whole number")))
}

/// A whole number of milliseconds.
pub fn parse_millis(variable: &'static str, value: &str) -> Result<Duration, ConfigError> {
    value.parse().map(Duration::from_millis).map_err(|_| {
        ConfigError::new(
            variable,
            format!("{value:?} is not a whole number of milliseconds"),
        )
    })
}
