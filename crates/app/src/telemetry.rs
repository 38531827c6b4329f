//! Tracing: pretty logs locally, JSON in production. Tokens and secrets are never logged: request
//! spans record method, route, status and timing, not headers.

use tracing::subscriber::set_global_default;
use tracing_subscriber::fmt::MakeWriter;
use tracing_subscriber::{EnvFilter, Registry};

use crate::configuration::LogFormat;

/// A subscriber writing to `sink` with `filter` (`RUST_LOG` syntax) in `format`.
pub fn get_subscriber<Sink>(
    filter: &str,
    format: LogFormat,
    sink: Sink,
) -> Box<dyn tracing::Subscriber + Send + Sync + 'static>
where
    Sink: for<'a> MakeWriter<'a> + Send + Sync + 'static,
{
    use tracing_subscriber::layer::SubscriberExt as _;
    let filter = EnvFilter::try_new(filter).unwrap_or_else(|_| EnvFilter::new("info"));
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
