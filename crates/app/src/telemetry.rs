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
    if let Some(extra) = extra {
        let base = Registry::default().with(extra);
        return match format {
            LogFormat::Pretty => Box::new(
                base.with(
                    tracing_subscriber::fmt::layer()
                        .with_writer(sink)
                        .with_target(false)
                        .with_filter(filter),
                ),
            ),
            LogFormat::Json => Box::new(
                base.with(
                    tracing_subscriber::fmt::layer()
                        .json()
                        .with_writer(sink)
                        .with_current_span(true)
                        .with_filter(filter),
                ),
            ),
        };
    }
    match format {
        LogFormat::Pretty => Box::new(
            Registry::default().with(filter).with(
                tracing_subscriber::fmt::layer()
                    .with_writer(sink)
                    .with_target(false),
            ),
        ),
        LogFormat::Json => Box::new(
            Registry::default().with(filter).with(
                tracing_subscriber::fmt::layer()
                    .json()
                    .with_writer(sink)
                    .with_current_span(true),
            ),
        ),
    }
}

/// Installs `subscriber` as the global default (once; later calls are ignored).
pub fn init_subscriber(subscriber: Box<dyn tracing::Subscriber + Send + Sync + 'static>) {
    let _ = set_global_default(subscriber);
}
