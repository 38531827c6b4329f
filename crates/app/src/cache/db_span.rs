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
    use std::collections::BTreeMap;
    use std::sync::{Arc, Mutex};

    use tracing::field::{Field, Visit};
    use tracing::span::{Attributes, Id};
    use tracing::{Level, Subscriber};
    use tracing_subscriber::layer::{Context, SubscriberExt as _};
    use tracing_subscriber::Layer;

    use super::*;

    /// One span as a subscriber saw it open: name, target, level, fields.
    #[derive(Debug, Default)]
    struct Opened {
        name: &'static str,
        target: String,
        level: Option<Level>,
        fields: BTreeMap<String, String>,
    }

    impl Visit for Opened {
        fn record_str(&mut self, field: &Field, value: &str) {
            self.fields.insert(field.name().to_owned(), value.to_owned());
        }

        fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
            self.fields.insert(field.name().to_owned(), format!("{value:?}"));
        }
    }

    /// Keeps every span opened under it.
    #[derive(Clone, Default)]
    struct Recorder(Arc<Mutex<Vec<Opened>>>);

    impl<S: Subscriber> Layer<S> for Recorder {
        fn on_new_span(&self, attrs: &Attributes<'_>, _: &Id, _: Context<'_, S>) {
            let metadata = attrs.metadata();
            let mut opened = Opened {
                name: metadata.name(),
                target: metadata.target().to_owned(),
                level: Some(*metadata.level()),
                ..Opened::default()
            };
            attrs.record(&mut opened);
            self.0.lock().unwrap_or_else(|p| p.into_inner()).push(opened);
        }
    }

    #[test]
    fn the_span_carries_the_database_conventions_and_no_parameter() {
        let recorder = Recorder::default();
        let subscriber = tracing_subscriber::registry().with(recorder.clone());
        tracing::subscriber::with_default(subscriber, || {
            let span = db_span("INSERT organization_memberships");
            assert!(!span.is_disabled());
        });
        let spans = recorder.0.lock().unwrap_or_else(|p| p.into_inner());
        let [span] = &spans[..] else {
            panic!("one span: {spans:?}");
        };
        assert_eq!(span.name, "db.query");
        assert_eq!(
            span.level,
            Some(Level::DEBUG),
            "free unless a subscriber wants debug"
        );
        assert!(span.target.starts_with("app::cache"), "{}", span.target);
        let expected: BTreeMap<String, String> = [
            ("otel.name", "INSERT organization_memberships"),
            ("otel.kind", "client"),
            ("db.system.name", "postgresql"),
            ("db.operation.name", "INSERT"),
            ("db.query.summary", "INSERT organization_memberships"),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .collect();
        assert_eq!(span.fields, expected, "these fields and no other");
    }

    #[test]
    fn a_subscriber_at_info_gets_no_span() {
        let recorder = Recorder::default();
        let subscriber = tracing_subscriber::registry()
            .with(tracing_subscriber::filter::LevelFilter::INFO)
            .with(recorder.clone());
        tracing::subscriber::with_default(subscriber, || {
            assert!(db_span("SELECT users").is_disabled());
        });
        assert!(recorder.0.lock().unwrap_or_else(|p| p.into_inner()).is_empty());
    }
}
