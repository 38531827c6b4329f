//! Time as Clerk's verifier sees it: milliseconds since the epoch (the workspace's one
//! "Unix milliseconds" helper, [`unix_millis`], and [`duration_millis`]), and JavaScript's
//! `Date.prototype.toUTCString()` for messages.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// JavaScript's largest representable time value (±8.64e15 ms).
const MAX_JS_TIME_MS: f64 = 8.64e15;

/// Milliseconds since the Unix epoch (negative before it), saturating.
///
/// ```
/// use std::time::{Duration, UNIX_EPOCH};
/// assert_eq!(clerk_core::time::unix_millis(UNIX_EPOCH + Duration::from_millis(1_500)), 1_500);
/// assert_eq!(clerk_core::time::unix_millis(UNIX_EPOCH - Duration::from_secs(1)), -1_000);
/// ```
pub fn unix_millis(time: SystemTime) -> i64 {
    match time.duration_since(UNIX_EPOCH) {
        Ok(after) => i64::try_from(after.as_millis()).unwrap_or(i64::MAX),
        Err(before) => -i64::try_from(before.duration().as_millis()).unwrap_or(i64::MAX),
    }
}

/// `duration` in whole milliseconds, saturating at `i64::MAX`.
pub fn duration_millis(duration: Duration) -> i64 {
    i64::try_from(duration.as_millis()).unwrap_or(i64::MAX)
}

/// `new Date(0).setUTCSeconds(seconds)` as milliseconds: fractional seconds truncate, and a
/// value JavaScript cannot represent is `None` (an invalid date, which compares false).
pub(crate) fn js_seconds_to_millis(seconds: f64) -> Option<f64> {
    if !seconds.is_finite() {
        return None;
    }
    let ms = seconds.trunc() * 1000.0;
    if ms.abs() > MAX_JS_TIME_MS {
        None
    } else {
        Some(ms)
    }
}

/// `Date.prototype.toUTCString()`: `Tue, 12 Aug 2025 12:01:00 GMT`; `Invalid Date` when the
/// value is not a date JavaScript can hold.
pub(crate) fn js_utc_string(ms: Option<f64>) -> String {
    let Some(ms) = ms.filter(|ms| ms.is_finite() && ms.abs() <= MAX_JS_TIME_MS) else {
        return "Invalid Date".to_owned();
    };
    // Integral and within ±8.64e15, so the conversion is exact.
    let ms = ms as i64;
    let secs = ms.div_euclid(1000);
    let days = secs.div_euclid(86_400);
    let secs_of_day = secs.rem_euclid(86_400);
    let (year, month, day) = civil_from_days(days);
    const WEEKDAYS: [&str; 7] = ["Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"];
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    let weekday = WEEKDAYS[days.rem_euclid(7) as usize];
    let year = if year < 0 {
        format!("-{:06}", -year)
    } else {
        format!("{year:04}")
    };
    format!(
        "{weekday}, {day:02} {} {year} {:02}:{:02}:{:02} GMT",
        MONTHS[(month - 1) as usize],
        secs_of_day / 3600,
        (secs_of_day / 60) % 60,
        secs_of_day % 60
    )
}

/// Howard Hinnant's days-to-civil algorithm (proleptic Gregorian calendar).
fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (if m <= 2 { y + 1 } else { y }, m, d)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_like_javascript() {
        // new Date(1755000060000).toUTCString()
        assert_eq!(
            js_utc_string(Some(1_755_000_060_000.0)),
            "Tue, 12 Aug 2025 12:01:00 GMT"
        );
        assert_eq!(js_utc_string(Some(0.0)), "Thu, 01 Jan 1970 00:00:00 GMT");
        assert_eq!(js_utc_string(Some(-1000.0)), "Wed, 31 Dec 1969 23:59:59 GMT");
        assert_eq!(
            js_utc_string(Some(951_782_400_000.0)),
            "Tue, 29 Feb 2000 00:00:00 GMT"
        );
        assert_eq!(js_utc_string(None), "Invalid Date");
        assert_eq!(js_utc_string(Some(f64::NAN)), "Invalid Date");
    }

    #[test]
    fn seconds_truncate_and_overflow_is_invalid() {
        assert_eq!(js_seconds_to_millis(1.9), Some(1000.0));
        assert_eq!(js_seconds_to_millis(-1.9), Some(-1000.0));
        assert_eq!(js_seconds_to_millis(1e300), None);
        assert_eq!(js_seconds_to_millis(f64::INFINITY), None);
    }
}
