//! Configuration values as Clerk's environment variables hold them: the error that names the
//! variable at fault, and the parsers every setting shares.
//!
//! [`ConfigError`] and the parsers the client's [`ClientConfig`](crate::client::ClientConfig)
//! also needs live in clerk-backend (`clerk_backend::env`) and are re-exported here; the parsers
//! only clerk-actix's settings use stay here.

pub use clerk_backend::env::ConfigError;
pub(crate) use clerk_backend::env::{parse_count, parse_millis, reader};

/// The entries of a comma separated list, trimmed. An empty entry (`a,,b`, a trailing comma)
/// or a list with nothing in it (`,`) is an error naming `variable`: dropping it silently could
/// turn a check off (`CLERK_AUDIENCE=","` would mean no audience at all).
pub(crate) fn split_list(variable: &'static str, value: &str) -> Result<Vec<String>, ConfigError> {
    let entries: Vec<String> = value.split(',').map(|entry| entry.trim().to_owned()).collect();
    if entries.iter().all(String::is_empty) {
        return Err(ConfigError::new(
            variable,
            "is set but lists nothing: give comma separated entries, or unset it",
        ));
    }
    if entries.iter().any(String::is_empty) {
        return Err(ConfigError::new(
            variable,
            "has an empty entry (two commas in a row, or a comma at either end): remove it",
        ));
    }
    Ok(entries)
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

/// An origin in a list setting must be exact (`scheme://host[:port]`): Clerk compares a token's
/// `azp` with each authorized party byte for byte, so `http://localhost:3000/` would never match;
/// the other origin lists are compared the same way.
pub(crate) fn check_origin(variable: &'static str, party: &str) -> Result<(), ConfigError> {
    let invalid = |why: String| ConfigError::new(variable, why);
    let url = url::Url::parse(party).map_err(|_| {
        invalid(format!(
            "{party:?} is not an origin: expected scheme://host[:port], e.g. https://app.example.com"
        ))
    })?;
    let Some(host) = url.host_str().filter(|_| !url.cannot_be_a_base()) else {
        return Err(invalid(format!(
            "{party:?} is not an origin: it has no scheme://host, e.g. http://{party}"
        )));
    };
    let origin = match url.port() {
        Some(port) => format!("{}://{host}:{port}", url.scheme()),
        None => format!("{}://{host}", url.scheme()),
    };
    if origin != party {
        return Err(invalid(format!(
            "{party:?} is not an exact origin (compared byte for byte): write {origin:?}, with no \
             path, trailing slash, default port or upper case"
        )));
    }
    Ok(())
}
