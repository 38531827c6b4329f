//! OpenTelemetry traces (the `otel` feature): the app's `tracing` spans exported over OTLP
//! (HTTP/protobuf), and W3C trace context taken from incoming requests and sent on every
//! Backend API call.
//!
//! Export is on only when `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT` (the full URL) or
//! `OTEL_EXPORTER_OTLP_ENDPOINT` (a base URL; `/v1/traces` is appended) is set, and neither
//! `OTEL_SDK_DISABLED=true` nor `OTEL_TRACES_EXPORTER=none` says otherwise. The SDK reads the
//! rest of the standard variables itself: `OTEL_SERVICE_NAME` and `OTEL_RESOURCE_ATTRIBUTES`
//! (the service is `clerk-actix-app` when neither names it), `OTEL_TRACES_SAMPLER` and
//! `OTEL_TRACES_SAMPLER_ARG` (default: `parentbased_always_on`), `OTEL_EXPORTER_OTLP_HEADERS`,
//! `OTEL_EXPORTER_OTLP_TIMEOUT`, `OTEL_BSP_*` (the batch: by default every 5 s).
//!
//! The endpoint is `https://`, or plain `http://` to a loopback host (`localhost`,
//! `127.0.0.0/8`, `[::1]`): spans name routes, users' ids and client addresses, and the
//! exporter's headers may carry a vendor's API key. `APP_OTEL_ALLOW_PLAINTEXT` lets plain http
//! reach another host (a collector beside the app on a private network, compose's `jaeger`).
//!
//! What is exported: the spans of the workspace's crates down to `debug` (the request, the
//! auth decision, the user cache lookup and its SQL, the Backend API attempts, webhooks,
//! reconciliation passes), other crates' spans from `info`, and events from `info` as span
//! events, whatever `APP_LOG` says (it filters the log output only). No span records a token,
//! a key, a cookie or a query string (README, "OpenTelemetry traces").

use actix_web::http::header::{HeaderMap, HeaderName, HeaderValue};
use clerk_actix::client::HeaderInjector;
use opentelemetry::propagation::{Extractor, Injector, TextMapPropagator as _};
use opentelemetry::trace::{TraceContextExt as _, TracerProvider as _};
use opentelemetry_otlp::WithExportConfig as _;
use opentelemetry_sdk::propagation::TraceContextPropagator;
use opentelemetry_sdk::trace::SdkTracerProvider;
use opentelemetry_sdk::Resource;
use tracing::{Level, Metadata, Span};
use tracing_opentelemetry::OpenTelemetrySpanExt as _;
use tracing_subscriber::{Layer as _, Registry};

use crate::error::{Error, Result};

/// The traces endpoint, a full URL (`http://collector:4318/v1/traces`).
pub const TRACES_ENDPOINT: &str = "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT";
/// The OTLP base URL (`http://collector:4318`): traces go to `{base}/v1/traces`.
pub const ENDPOINT: &str = "OTEL_EXPORTER_OTLP_ENDPOINT";
/// The service name when neither `OTEL_SERVICE_NAME` nor `OTEL_RESOURCE_ATTRIBUTES` gives one.
pub const DEFAULT_SERVICE_NAME: &str = "clerk-actix-app";

/// The setting that lets the export use plain http to a host that is not loopback.
pub const ALLOW_PLAINTEXT: &str = "APP_OTEL_ALLOW_PLAINTEXT";

/// Where the export may send over plain `http://` (`APP_OTEL_ALLOW_PLAINTEXT`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Plaintext {
    /// To a loopback host only; any other host needs `https://`. The default.
    #[default]
    LoopbackOnly,
    /// To any host (the collector is on a network of the operator's).
    Allowed,
}

/// The crates whose spans are exported down to `debug`.
const OWN_CRATES: [&str; 3] = ["app", "clerk_actix", "clerk_backend"];

/// The process's trace export: a batch exporter on a thread of its own. Clones share it.
#[derive(Debug, Clone)]
pub struct Export {
    provider: SdkTracerProvider,
}

impl Export {
    /// The export the process environment asks for (see the module), `None` when no endpoint is
    /// set; `plaintext` is the app's `APP_OTEL_ALLOW_PLAINTEXT`.
    ///
    /// # Errors
    ///
    /// [`Error::Setting`] naming the endpoint variable when its URL is not usable, or is plain
    /// http to a host that is not loopback and `plaintext` does not allow it.
    pub fn from_env(plaintext: Plaintext) -> Result<Option<Self>> {
        Self::from_lookup(|name| std::env::var(name).ok(), plaintext)
    }

    /// Like [`from_env`](Self::from_env), reading the endpoint, the switches and the service
    /// name through `lookup` (the SDK still reads its other variables from the environment).
    ///
    /// # Errors
    ///
    /// As [`from_env`](Self::from_env).
    pub fn from_lookup(
        lookup: impl Fn(&str) -> Option<String>,
        plaintext: Plaintext,
    ) -> Result<Option<Self>> {
        let value = |name: &str| {
            lookup(name)
                .map(|v| v.trim().to_owned())
                .filter(|v| !v.is_empty())
        };
        let off = |name: &str, word: &str| value(name).is_some_and(|v| v.eq_ignore_ascii_case(word));
        if off("OTEL_SDK_DISABLED", "true") || off("OTEL_TRACES_EXPORTER", "none") {
            return Ok(None);
        }
        let (variable, endpoint) = match (value(TRACES_ENDPOINT), value(ENDPOINT)) {
            (Some(url), _) => (TRACES_ENDPOINT, url),
            (None, Some(base)) => (ENDPOINT, format!("{}/v1/traces", base.trim_end_matches('/'))),
            (None, None) => return Ok(None),
        };
        let parsed = url::Url::parse(&endpoint)
            .map_err(|err| Error::setting(variable, format!("is not a URL: {err}")))?;
        if !matches!(parsed.scheme(), "http" | "https") || parsed.host().is_none() {
            return Err(Error::setting(
                variable,
                "must be an http:// or https:// URL with a host",
            ));
        }
        if parsed.scheme() == "http" && !is_loopback(&parsed) && plaintext == Plaintext::LoopbackOnly {
            return Err(Error::setting(
                variable,
                format!(
                    "sends traces unencrypted to {}: use https://, a loopback collector, or set \
                     {ALLOW_PLAINTEXT}=true when the network to it is yours",
                    parsed.host_str().unwrap_or_default()
                ),
            ));
        }
        let exporter = opentelemetry_otlp::SpanExporter::builder()
            .with_http()
            .with_endpoint(endpoint)
            .build()
            .map_err(|err| Error::setting(variable, format!("cannot be used: {err}")))?;
        let named = value("OTEL_SERVICE_NAME").is_some()
            || value("OTEL_RESOURCE_ATTRIBUTES").is_some_and(|v| v.contains("service.name="));
        let mut resource = Resource::builder();
        if !named {
            resource = resource.with_service_name(DEFAULT_SERVICE_NAME);
        }
        let provider = SdkTracerProvider::builder()
            .with_batch_exporter(exporter)
            .with_resource(resource.build())
            .build();
        Ok(Some(Self { provider }))
    }

    /// The `tracing` layer exporting spans, with its filter (give it to
    /// [`get_subscriber_with`](crate::telemetry::get_subscriber_with) as its extra layer).
    pub fn layer(&self) -> Box<dyn tracing_subscriber::Layer<Registry> + Send + Sync + 'static> {
        let tracer = self.provider.tracer("app");
        tracing_opentelemetry::layer()
            .with_tracer(tracer)
            .with_filter(tracing_subscriber::filter::filter_fn(exported))
            .boxed()
    }

    /// Sends every finished span now (blocks until the collector answered or timed out).
    ///
    /// # Errors
    ///
    /// The SDK's message when the export failed.
    pub fn flush(&self) -> std::result::Result<(), String> {
        self.provider.force_flush().map_err(|err| err.to_string())
    }

    /// Flushes and stops the export (at exit).
    pub fn shutdown(&self) {
        if let Err(err) = self.provider.shutdown() {
            eprintln!("OpenTelemetry: the last spans were not exported: {err}");
        }
    }
}

/// `localhost`, an IPv4 loopback address (`127.0.0.0/8`) or `[::1]`.
fn is_loopback(url: &url::Url) -> bool {
    match url.host() {
        Some(url::Host::Domain(domain)) => domain.eq_ignore_ascii_case("localhost"),
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        None => false,
    }
}

/// Whether the export takes what `metadata` describes (see the module).
fn exported(metadata: &Metadata<'_>) -> bool {
    let level = *metadata.level();
    if metadata.is_span() {
        let krate = metadata.target().split("::").next().unwrap_or_default();
        level <= Level::INFO || (level <= Level::DEBUG && OWN_CRATES.contains(&krate))
    } else {
        level <= Level::INFO
    }
}

/// Whose incoming trace context a request's span continues.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Caller {
    /// A peer of `CLERK_TRUSTED_PROXIES` (a load balancer or gateway of ours): its trace is
    /// continued, and its sampling decision followed.
    Trusted,
    /// Anyone else: its context is a link of a new root span, never its parent, so that an
    /// unauthenticated caller neither picks our trace ids nor decides what we sample.
    Untrusted,
}

/// Ties `span` (a request's root span) to the caller's trace when the request carries W3C trace
/// context (`traceparent`, `tracestate`): a trusted caller's is its parent, an untrusted
/// caller's a link (the span stays a root of a trace of its own).
pub fn continue_trace(span: &Span, headers: &HeaderMap, caller: Caller) {
    if span.is_disabled() || !headers.contains_key("traceparent") {
        return;
    }
    let incoming = TraceContextPropagator::new().extract(&Incoming(headers));
    match caller {
        Caller::Trusted => {
            // Fails only for a span already started elsewhere: this one was just created.
            let _ = span.set_parent(incoming);
        }
        // Ignored by the layer unless the context is valid (a malformed `traceparent`).
        Caller::Untrusted => span.add_link(incoming.span().span_context().clone()),
    }
}

/// Sends the current span's `traceparent` on every Backend API attempt: the app gives it to the
/// Clerk client it builds. Not `tracestate`: that is vendor data a caller chose (an incoming
/// trace's), and Clerk is a third party.
#[derive(Debug, Clone, Copy, Default)]
pub struct TraceContext;

impl HeaderInjector for TraceContext {
    fn inject(&self, headers: &mut HeaderMap) {
        let context = Span::current().context();
        TraceContextPropagator::new().inject_context(&context, &mut Outgoing(headers));
        headers.remove("tracestate");
    }
}

/// An incoming request's headers, read by the propagator.
struct Incoming<'a>(&'a HeaderMap);

impl Extractor for Incoming<'_> {
    fn get(&self, key: &str) -> Option<&str> {
        self.0.get(key).and_then(|value| value.to_str().ok())
    }

    fn keys(&self) -> Vec<&str> {
        self.0.keys().map(HeaderName::as_str).collect()
    }
}

/// An outgoing request's headers, written by the propagator.
struct Outgoing<'a>(&'a mut HeaderMap);

impl Injector for Outgoing<'_> {
    fn set(&mut self, key: &str, value: String) {
        if let (Ok(name), Ok(value)) = (HeaderName::try_from(key), HeaderValue::try_from(value)) {
            self.0.insert(name, value);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lookup<'a>(pairs: &'a [(&'a str, &'a str)]) -> impl Fn(&str) -> Option<String> + 'a {
        move |name| {
            pairs
                .iter()
                .find(|(k, _)| *k == name)
                .map(|(_, v)| (*v).to_owned())
        }
    }

    #[test]
    fn export_is_off_without_an_endpoint_or_when_switched_off() {
        assert!(Export::from_lookup(lookup(&[]), Plaintext::LoopbackOnly)
            .unwrap()
            .is_none());
        assert!(
            Export::from_lookup(lookup(&[(ENDPOINT, "  ")]), Plaintext::LoopbackOnly)
                .unwrap()
                .is_none()
        );
        let on = lookup(&[(ENDPOINT, "http://127.0.0.1:4318/")]);
        let export = Export::from_lookup(on, Plaintext::LoopbackOnly)
            .unwrap()
            .expect("an endpoint turns it on");
        export.shutdown();
        let disabled = [(ENDPOINT, "http://127.0.0.1:4318"), ("OTEL_SDK_DISABLED", "TRUE")];
        assert!(Export::from_lookup(lookup(&disabled), Plaintext::LoopbackOnly)
            .unwrap()
            .is_none());
        let none = [
            (TRACES_ENDPOINT, "http://127.0.0.1:4318/v1/traces"),
            ("OTEL_TRACES_EXPORTER", "none"),
        ];
        assert!(Export::from_lookup(lookup(&none), Plaintext::LoopbackOnly)
            .unwrap()
            .is_none());
    }

    #[test]
    fn a_bad_endpoint_is_a_setting_error_naming_its_variable() {
        let err = Export::from_lookup(lookup(&[(TRACES_ENDPOINT, "collector:4318")]), Plaintext::Allowed)
            .unwrap_err();
        assert!(err.is_config());
        assert!(err.to_string().contains(TRACES_ENDPOINT), "{err}");
        let err = Export::from_lookup(lookup(&[(ENDPOINT, "not a url")]), Plaintext::Allowed).unwrap_err();
        assert!(err.to_string().contains(ENDPOINT), "{err}");
    }

    #[test]
    fn plain_http_goes_to_loopback_only_unless_allowed() {
        for url in [
            "http://localhost:4318",
            "http://LOCALHOST:4318",
            "http://127.0.0.1:4318",
            "http://127.10.0.3:4318",
            "http://[::1]:4318",
            "https://collector.example.com",
            "https://203.0.113.5:4318",
        ] {
            let export = Export::from_lookup(lookup(&[(ENDPOINT, url)]), Plaintext::LoopbackOnly)
                .unwrap_or_else(|err| panic!("{url}: {err}"))
                .expect("on");
            export.shutdown();
        }
        for (variable, url) in [
            (ENDPOINT, "http://jaeger:4318"),
            (ENDPOINT, "http://collector.example.com"),
            (ENDPOINT, "http://10.0.0.7:4318"),
            (ENDPOINT, "http://[2001:db8::1]:4318"),
            (ENDPOINT, "http://localhost.example.com"),
            (TRACES_ENDPOINT, "http://0.0.0.0:4318/v1/traces"),
        ] {
            let err = Export::from_lookup(lookup(&[(variable, url)]), Plaintext::LoopbackOnly).unwrap_err();
            assert!(err.is_config(), "{url}: {err}");
            let message = err.to_string();
            assert!(message.contains(variable), "{message}");
            assert!(message.contains(ALLOW_PLAINTEXT), "{message}");
            let export = Export::from_lookup(lookup(&[(variable, url)]), Plaintext::Allowed)
                .unwrap_or_else(|err| panic!("{url} allowed: {err}"))
                .expect("on");
            export.shutdown();
        }
    }

    #[test]
    fn own_spans_are_exported_from_debug_others_from_info() {
        use tracing::callsite::Identifier;
        use tracing::field::FieldSet;
        use tracing::metadata::Kind;

        struct Site;
        impl tracing::Callsite for Site {
            fn set_interest(&self, _: tracing::subscriber::Interest) {}
            fn metadata(&self) -> &Metadata<'_> {
                unreachable!()
            }
        }
        static SITE: Site = Site;
        let meta = |target: &'static str, level: Level, kind: Kind| {
            Metadata::new(
                "x",
                target,
                level,
                None,
                None,
                None,
                FieldSet::new(&[], Identifier(&SITE)),
                kind,
            )
        };
        assert!(exported(&meta("app::cache::db_span", Level::DEBUG, Kind::SPAN)));
        assert!(exported(&meta(
            "clerk_backend::clerk_client",
            Level::INFO,
            Kind::SPAN
        )));
        assert!(!exported(&meta("app::cache", Level::TRACE, Kind::SPAN)));
        assert!(!exported(&meta("sqlx::query", Level::DEBUG, Kind::SPAN)));
        assert!(!exported(&meta("application::x", Level::DEBUG, Kind::SPAN)));
        assert!(!exported(&meta("app::cache", Level::DEBUG, Kind::EVENT)));
        assert!(exported(&meta("app::cache", Level::WARN, Kind::EVENT)));
    }
}
