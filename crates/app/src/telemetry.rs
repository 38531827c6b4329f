//! Tracing: pretty logs locally, JSON in production, and with the `otel` feature the same spans
//! exported over OTLP (`crate::otel`). Tokens and secrets are never logged: request spans
//! record method, route, status and timing, not headers.

use tracing::subscriber::set_global_default;
use tracing_subscriber::fmt::MakeWriter;
use tracing_subscriber::{EnvFilter, Layer, Registry};

use crate::configuration::LogFormat;

/// A layer beside the log output, with a filter of its own: the trace export (`crate::otel`,
/// the `otel` feature).
pub type ExtraLayer = Box<dyn Layer<Registry> + Send + Sync + 'static>;

/// A subscriber writing to `sink` with `filter` (`RUST_LOG` syntax) in `format`.
pub fn get_subscriber<Sink>(
    filter: &str,
    format: LogFormat,
    sink: Sink,
) -> Box<dyn tracing::Subscriber + Send + Sync + 'static>
where
    Sink: for<'a> MakeWriter<'a> + Send + Sync + 'static,
{
    get_subscriber_with(filter, format, sink, None)
}

/// [`get_subscriber`], with `extra` beside the log output when given. Then `filter` applies to
/// the log output only (the extra layer filters for itself); without it, the subscriber is
/// [`get_subscriber`]'s, where `filter` decides which spans exist at all.
pub fn get_subscriber_with<Sink>(
    filter: &str,
    format: LogFormat,
    sink: Sink,
    extra: Option<ExtraLayer>,
) -> Box<dyn tracing::Subscriber + Send + Sync + 'static>
where
    Sink: for<'a> MakeWriter<'a> + Send + Sync + 'static,
{
    use tracing_subscriber::layer::SubscriberExt as _;
    let filter = EnvFilter::try_new(filter).unwrap_or_else(|_| EnvFilter::new("info"));
    let output = log_output(format, sink);
    match extra {
        // Per-layer: the extra layer sees the spans `filter` leaves out of the log.
        Some(extra) => Box::new(Registry::default().with(vec![extra, output.with_filter(filter).boxed()])),
        // Global: below the filter's level, no span exists (and costs nothing).
        None => Box::new(Registry::default().with(output).with(filter)),
    }
}

/// The log output in `format`, written to `sink`.
fn log_output<Sink>(format: LogFormat, sink: Sink) -> ExtraLayer
where
    Sink: for<'a> MakeWriter<'a> + Send + Sync + 'static,
{
    let layer = tracing_subscriber::fmt::layer().with_writer(sink);
    match format {
        LogFormat::Pretty => layer.with_target(false).boxed(),
        LogFormat::Json => layer.json().with_current_span(true).boxed(),
    }
}

/// Installs `subscriber` as the global default (once; later calls are ignored).
pub fn init_subscriber(subscriber: Box<dyn tracing::Subscriber + Send + Sync + 'static>) {
    let _ = set_global_default(subscriber);
}

#[cfg(test)]
mod tests {
    use std::io::Write;
    use std::sync::{Arc, Mutex};

    use tracing_subscriber::layer::Context;

    use super::*;

    /// A sink that keeps what the log output writes.
    #[derive(Clone, Default)]
    struct Captured(Arc<Mutex<Vec<u8>>>);

    impl Write for Captured {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            self.0
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .extend_from_slice(buf);
            Ok(buf.len())
        }

        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    impl Captured {
        fn text(&self) -> String {
            String::from_utf8_lossy(&self.0.lock().unwrap_or_else(|p| p.into_inner())).into_owned()
        }
    }

    /// An extra layer counting the spans it is shown.
    #[derive(Clone, Default)]
    struct Spans(Arc<Mutex<Vec<&'static str>>>);

    impl<S: tracing::Subscriber> Layer<S> for Spans {
        fn on_new_span(
            &self,
            attrs: &tracing::span::Attributes<'_>,
            _: &tracing::span::Id,
            _: Context<'_, S>,
        ) {
            self.0
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .push(attrs.metadata().name());
        }
    }

    fn emit() {
        let span = tracing::debug_span!("quiet", answer = 42);
        let _entered = span.enter();
        tracing::debug!("hidden debug line");
        tracing::info!(field = "shown", "visible info line");
    }

    #[test]
    fn both_formats_log_at_the_filters_level_with_or_without_an_extra_layer() {
        for format in [LogFormat::Pretty, LogFormat::Json] {
            for with_extra in [false, true] {
                let sink = Captured::default();
                let spans = Spans::default();
                let writer = sink.clone();
                let extra: Option<ExtraLayer> = with_extra.then(|| spans.clone().boxed());
                let subscriber = get_subscriber_with("info", format, move || writer.clone(), extra);
                tracing::subscriber::with_default(subscriber, emit);
                let text = sink.text();
                let case = format!("{format:?}, extra: {with_extra}: {text}");
                assert_eq!(text.lines().count(), 1, "{case}");
                assert!(text.contains("visible info line"), "{case}");
                assert!(!text.contains("hidden debug line"), "{case}");
                match format {
                    LogFormat::Json => assert!(text.starts_with('{'), "{case}"),
                    LogFormat::Pretty => assert!(!text.starts_with('{'), "{case}"),
                }
                // The extra layer filters for itself: it sees the debug span the log leaves out.
                let seen = spans.0.lock().unwrap_or_else(|p| p.into_inner()).clone();
                assert_eq!(seen, if with_extra { vec!["quiet"] } else { vec![] }, "{case}");
            }
        }
    }
}
