//! [`db_span`]: the span of one SQL statement of the cache, by OpenTelemetry's database
//! conventions (sqlx writes events, not spans).

/// The span of one statement, to `.instrument()` its future with: `postgresql`, the operation
/// (the summary's first word) and a fixed summary such as `"SELECT users"` (the span's name).
/// Never the statement's parameters. At `debug`: free unless a subscriber wants it (the trace
/// export does, see `crate::otel`).
pub(crate) fn db_span(summary: &'static str) -> tracing::Span {
    let operation = summary.split(' ').next().unwrap_or(summary);
    tracing::debug_span!(
        "db.query",
        otel.name = summary,
        otel.kind = "client",
        db.system.name = "postgresql",
        db.operation.name = operation,
        db.query.summary = summary,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_operation_is_the_summarys_first_word() {
        // Disabled without a subscriber: building it costs nothing and records nothing.
        let span = db_span("SELECT users");
        assert!(span.is_disabled());
    }
}
