//! The emulator's wall clock: Unix milliseconds and seconds.

use std::time::SystemTime;

/// Milliseconds since the Unix epoch.
pub(crate) fn now_ms() -> i64 {
    clerk_core::time::unix_millis(SystemTime::now())
}

/// Seconds since the Unix epoch.
pub(crate) fn now_secs() -> i64 {
    now_ms() / 1000
}
