//! [`Redacted`]: a secret field in a request body's `Debug`.

use std::fmt;

/// A secret in `Debug`: whether it is set, never its value.
pub(super) struct Redacted(pub(super) bool);

impl fmt::Debug for Redacted {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(if self.0 { "\"<redacted>\"" } else { "None" })
    }
}
