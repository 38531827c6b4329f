//! JavaScript's coercions, as `@clerk/backend` applies them to cookie and claim values:
//! `Number.parseInt`, `Number(string)`, `ToNumber` of JSON values, truthiness, and the
//! scheme stripping of `iss`.

use serde_json::Value;

/// JavaScript's white space and line terminators (what `parseInt` and `Number` skip).
fn is_js_space(c: char) -> bool {
    c.is_whitespace() || c == '\u{feff}'
}

/// JavaScript's `Number.parseInt(value)` (radix 10, or 16 after `0x`): leading white space and a
/// sign, then the longest run of digits; NaN when there is none.
pub(crate) fn js_parse_int(value: &str) -> f64 {
    let text = value.trim_start_matches(is_js_space);
    let (sign, text) = match text.as_bytes().first() {
        Some(b'-') => (-1.0, &text[1..]),
        Some(b'+') => (1.0, &text[1..]),
        _ => (1.0, text),
    };
    let (radix, text) = match text.get(..2) {
        Some("0x" | "0X") => (16, &text[2..]),
        _ => (10, text),
    };
    let end = text
        .char_indices()
        .find(|(_, c)| !c.is_digit(radix))
        .map_or(text.len(), |(at, _)| at);
    let digits = &text[..end];
    if digits.is_empty() {
        return f64::NAN;
    }
    let magnitude = if radix == 10 {
        digits.parse::<f64>().unwrap_or(f64::NAN)
    } else {
        digits
            .chars()
            .filter_map(|c| c.to_digit(16))
            .fold(0.0, |acc, d| acc * 16.0 + f64::from(d))
    };
    sign * magnitude
}

/// JavaScript's `Number(string)`: trimmed; empty is 0; `0x`/`0o`/`0b` integers; `Infinity`;
/// otherwise a decimal literal or NaN.
pub(crate) fn js_string_to_number(value: &str) -> f64 {
    let text = value.trim_matches(is_js_space);
    if text.is_empty() {
        return 0.0;
    }
    let radix = match text.get(..2) {
        Some("0x" | "0X") => Some(16),
        Some("0o" | "0O") => Some(8),
        Some("0b" | "0B") => Some(2),
        _ => None,
    };
    if let Some(radix) = radix {
        let digits = &text[2..];
        if digits.is_empty() || !digits.chars().all(|c| c.is_digit(radix)) {
            return f64::NAN;
        }
        return digits
            .chars()
            .filter_map(|c| c.to_digit(radix))
            .fold(0.0, |acc, d| acc * f64::from(radix) + f64::from(d));
    }
    let unsigned = text.strip_prefix(['+', '-']).unwrap_or(text);
    if unsigned == "Infinity" {
        return if text.starts_with('-') {
            f64::NEG_INFINITY
        } else {
            f64::INFINITY
        };
    }
    // A StrDecimalLiteral: digits, one dot, an exponent; Rust's parser also takes `inf`/`nan`,
    // which JavaScript does not.
    let valid = unsigned.bytes().any(|b| b.is_ascii_digit())
        && unsigned
            .bytes()
            .all(|b| b.is_ascii_digit() || matches!(b, b'.' | b'e' | b'E' | b'+' | b'-'));
    if !valid {
        return f64::NAN;
    }
    text.parse::<f64>().unwrap_or(f64::NAN)
}

/// JavaScript's `ToNumber` of a JSON value (what `payload.iat < clientUat` compares).
pub(crate) fn js_to_number(value: &Value) -> f64 {
    match value {
        Value::Null => 0.0,
        Value::Bool(b) => f64::from(u8::from(*b)),
        Value::Number(n) => n.as_f64().unwrap_or(f64::NAN),
        Value::String(s) => js_string_to_number(s),
        // An array becomes `join(",")` first: `[]` is 0, `[x]` is `x`, more is NaN.
        Value::Array(items) => match items.as_slice() {
            [] | [Value::Null] => 0.0,
            [item @ (Value::Number(_) | Value::String(_) | Value::Array(_))] => js_to_number(item),
            _ => f64::NAN,
        },
        Value::Object(_) => f64::NAN,
    }
}

/// JavaScript's truthiness of a JSON value.
pub(crate) fn js_truthy(value: &Value) -> bool {
    match value {
        Value::Null => false,
        Value::Bool(b) => *b,
        Value::Number(n) => n.as_f64().is_some_and(|n| n != 0.0 && !n.is_nan()),
        Value::String(s) => !s.is_empty(),
        Value::Array(_) | Value::Object(_) => true,
    }
}

/// `iss.replace(/https?:\/\//gi, "")`.
pub(crate) fn strip_schemes(iss: &str) -> String {
    let mut out = String::with_capacity(iss.len());
    let mut rest = iss;
    while !rest.is_empty() {
        let starts = |prefix: &str| {
            rest.as_bytes()
                .get(..prefix.len())
                .is_some_and(|head| head.eq_ignore_ascii_case(prefix.as_bytes()))
        };
        if starts("https://") {
            rest = &rest[8..];
        } else if starts("http://") {
            rest = &rest[7..];
        } else {
            let c = rest.chars().next().unwrap_or_default();
            out.push(c);
            rest = &rest[c.len_utf8()..];
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_int_is_javascripts() {
        assert_eq!(js_parse_int("1755000000"), 1_755_000_000.0);
        assert_eq!(js_parse_int("12abc"), 12.0);
        assert!(js_parse_int("abc").is_nan());
        assert_eq!(js_parse_int("-5"), -5.0);
        assert!(js_parse_int("").is_nan());
        // Regressions found by the parity test: hex prefixes and values beyond i64.
        assert_eq!(js_parse_int("0x10"), 16.0);
        assert_eq!(js_parse_int(" \n+0X1f"), 31.0);
        assert_eq!(js_parse_int("1e3"), 1.0);
        assert_eq!(js_parse_int("99999999999999999999"), 1e20);
        assert!(js_parse_int("\"1755\"").is_nan());
    }

    #[test]
    fn number_is_javascripts() {
        assert_eq!(js_string_to_number("3"), 3.0);
        assert!(js_string_to_number("1abc").is_nan());
        assert_eq!(js_string_to_number(""), 0.0);
        assert_eq!(js_string_to_number(" 2 "), 2.0);
        assert_eq!(js_string_to_number("0x1"), 1.0);
        assert_eq!(js_string_to_number("1e3"), 1000.0);
        assert_eq!(js_string_to_number("-Infinity"), f64::NEG_INFINITY);
        assert!(js_string_to_number("inf").is_nan());
        assert!(js_string_to_number("NaN").is_nan());
        assert!(js_string_to_number("-0x1").is_nan());
        assert_eq!(js_to_number(&serde_json::json!("1700000000")), 1.7e9);
        assert_eq!(js_to_number(&serde_json::json!(null)), 0.0);
        assert_eq!(js_to_number(&serde_json::json!([5])), 5.0);
        assert!(js_to_number(&serde_json::json!([1, 2])).is_nan());
        assert!(js_to_number(&serde_json::json!({})).is_nan());
    }

    #[test]
    fn schemes_are_stripped_everywhere_case_insensitively() {
        assert_eq!(strip_schemes("https://a.example"), "a.example");
        assert_eq!(strip_schemes("HTTP://a.exampleHttps://"), "a.example");
        assert_eq!(strip_schemes("http:/a"), "http:/a");
    }
}
