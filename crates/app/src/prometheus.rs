//! The Prometheus text format (version 0.0.4): label escaping and single-value series.

use std::fmt::Write as _;

/// Escapes a label value: backslash, double quote and line feed.
pub(crate) fn escape(value: &str) -> String {
    value
        .replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}

/// The kind of a single-value series.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Kind {
    /// Only ever goes up.
    Counter,
    /// Goes up and down.
    Gauge,
}

impl Kind {
    fn as_str(self) -> &'static str {
        match self {
            Kind::Counter => "counter",
            Kind::Gauge => "gauge",
        }
    }
}

/// Writes `name` with its `HELP` and `TYPE` lines and one unlabelled value.
pub(crate) fn series(out: &mut String, kind: Kind, name: &str, help: &str, value: u64) {
    let kind = kind.as_str();
    let _ = writeln!(out, "# HELP {name} {help}\n# TYPE {name} {kind}\n{name} {value}");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn label_values_are_escaped_and_series_are_typed() {
        assert_eq!(escape("a\"b\\c\nd"), "a\\\"b\\\\c\\nd");
        let mut out = String::new();
        series(&mut out, Kind::Gauge, "x_pages", "Pages.", 3);
        assert_eq!(out, "# HELP x_pages Pages.\n# TYPE x_pages gauge\nx_pages 3\n");
    }
}
