//! The root span of every request (what each log line written during a request carries): the path
//! without its query string (no `__clerk_*` parameters, no handshake tokens), the route, the
//! method as a bounded label, the client IP believed only from `CLERK_TRUSTED_PROXIES`, and a
//! request id, under OpenTelemetry's HTTP server names (`http.request.method`, `http.route`,
//! `url.path`, `client.address`, `http.response.status_code`…). With the `otel` feature it
//! continues the caller's trace (`traceparent`, `crate::otel`) when the peer is a trusted proxy,
//! and links to it otherwise.
//!
//! The span exists at `info`; when the configured level leaves it out, a request pays for none
//! of its fields (no header read, no client IP, no request id), only for the level check.

use std::future::{ready, Future, Ready};
use std::net::IpAddr;
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::OnceLock;
use std::task::{Context, Poll};

use actix_web::body::{BodySize, MessageBody};
use actix_web::dev::{Service, ServiceRequest, ServiceResponse, Transform};
use actix_web::http::header::{HeaderMap, HOST, USER_AGENT};
use actix_web::http::StatusCode;
use actix_web::web::Bytes;
use actix_web::{web, Error};
use clerk_core::request::HEADER_AUTH_REASON;
use tracing::Span;

use crate::metrics::labels;

/// The peers whose `X-Forwarded-For` is believed (`CLERK_TRUSTED_PROXIES`), registered as app
/// data for [`RequestSpan`].
#[derive(Debug, Clone, Default)]
pub struct TrustedProxies(Vec<IpAddr>);

impl TrustedProxies {
    /// Trusts these peers.
    pub fn new(proxies: Vec<IpAddr>) -> Self {
        Self(proxies)
    }

    /// The client's IP: the peer's, unless the peer is a trusted proxy; then the nearest
    /// `X-Forwarded-For` entry (right to left) that is not itself a trusted proxy. An entry that
    /// is not an IP address stops the walk at the last address believed.
    pub fn client_ip(&self, peer: Option<IpAddr>, headers: &HeaderMap) -> Option<IpAddr> {
        clerk_actix::request::client_ip(peer, headers, &self.0)
    }

    /// Whether `peer` is one of the trusted proxies (an unknown peer is not).
    pub fn trusts(&self, peer: Option<IpAddr>) -> bool {
        peer.is_some_and(|peer| self.0.contains(&peer))
    }
}

/// A request's id: a random 64-bit prefix drawn once per process and a per-process counter, as
/// 32 hex digits. Unique without a system call per request (a random UUID per request cost a
/// `getrandom` call each).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RequestId(u64, u64);

impl RequestId {
    /// The next id.
    pub fn next() -> Self {
        static PREFIX: OnceLock<u64> = OnceLock::new();
        static COUNTER: AtomicU64 = AtomicU64::new(0);
        let prefix = *PREFIX.get_or_init(|| {
            use std::hash::{BuildHasher as _, Hasher as _};
            // `RandomState` is seeded from the OS once per process.
            let mut hasher = std::collections::hash_map::RandomState::new().build_hasher();
            hasher.write_u32(std::process::id());
            hasher.finish()
        });
        Self(prefix, COUNTER.fetch_add(1, Ordering::Relaxed))
    }
}

impl std::fmt::Display for RequestId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:016x}{:016x}", self.0, self.1)
    }
}

/// The middleware opening each request's root span (see the module): wrap the app with
/// `RequestSpan`. The span is entered while the inner services and the response body are polled;
/// its status fields and the answer's one log line are written when the answer is ready.
#[derive(Debug, Clone, Copy, Default)]
pub struct RequestSpan;

impl RequestSpan {
    /// The root span of `request` (disabled, and nothing computed, below `info`).
    fn start(request: &ServiceRequest) -> Span {
        let headers = request.headers();
        let header = |name| headers.get(name).and_then(|v| v.to_str().ok()).unwrap_or("");
        let client_ip = || {
            request
                .app_data::<web::Data<TrustedProxies>>()
                .map(|trusted| trusted.client_ip(request.peer_addr().map(|a| a.ip()), headers))
                .unwrap_or_else(|| request.peer_addr().map(|a| a.ip()))
        };
        let method = labels::METHODS[labels::method(request.method())];
        let route = labels::ROUTES[labels::route(request.match_name())];
        // The field values are evaluated only when the span is enabled. Their names are
        // OpenTelemetry's HTTP server conventions (the span's name too, as `otel.name`).
        let span = tracing::info_span!(
            "HTTP request",
            otel.name = format_args!("{method} {route}"),
            otel.kind = "server",
            http.request.method = method,
            http.route = route,
            url.scheme = if request.app_config().secure() {
                "https"
            } else {
                "http"
            },
            url.path = request.path(),
            server.address = header(HOST),
            client.address = client_ip().map(tracing::field::display),
            user_agent.original = header(USER_AGENT),
            http.response.status_code = tracing::field::Empty,
            otel.status_code = tracing::field::Empty,
            request_id = tracing::field::display(RequestId::next()),
            exception.message = tracing::field::Empty,
        );
        #[cfg(feature = "otel")]
        {
            let trusted = request
                .app_data::<web::Data<TrustedProxies>>()
                .is_some_and(|trusted| trusted.trusts(request.peer_addr().map(|a| a.ip())));
            let caller = if trusted {
                crate::otel::Caller::Trusted
            } else {
                crate::otel::Caller::Untrusted
            };
            crate::otel::continue_trace(&span, headers, caller);
        }
        span
    }

    fn end<B>(span: &Span, outcome: &Result<ServiceResponse<B>, Error>) {
        if span.is_disabled() {
            return;
        }
        let (status, error, reason) = match outcome {
            Ok(response) => (
                response.status(),
                response.response().error(),
                response
                    .headers()
                    .get(HEADER_AUTH_REASON)
                    .and_then(|value| value.to_str().ok()),
            ),
            Err(err) => (err.as_response_error().status_code(), Some(err), None),
        };
        span.record("http.response.status_code", status.as_u16());
        log_answer(span, status, error, reason);
    }
}

impl<S, B> Transform<S, ServiceRequest> for RequestSpan
where
    S: Service<ServiceRequest, Response = ServiceResponse<B>, Error = Error>,
    B: MessageBody,
{
    type Response = ServiceResponse<SpanBody<B>>;
    type Error = Error;
    type Transform = RequestSpanService<S>;
    type InitError = ();
    type Future = Ready<Result<Self::Transform, ()>>;

    fn new_transform(&self, service: S) -> Self::Future {
        ready(Ok(RequestSpanService { service }))
    }
}

/// [`RequestSpan`] around a service.
#[derive(Debug)]
pub struct RequestSpanService<S> {
    service: S,
}

impl<S, B> Service<ServiceRequest> for RequestSpanService<S>
where
    S: Service<ServiceRequest, Response = ServiceResponse<B>, Error = Error>,
    B: MessageBody,
{
    type Response = ServiceResponse<SpanBody<B>>;
    type Error = Error;
    type Future = SpanResponse<S::Future>;

    actix_web::dev::forward_ready!(service);

    fn call(&self, request: ServiceRequest) -> Self::Future {
        let span = RequestSpan::start(&request);
        let future = span.in_scope(|| self.service.call(request));
        SpanResponse { future, span }
    }
}

pin_project_lite::pin_project! {
    /// The inner service's answer, polled in the request's span.
    pub struct SpanResponse<F> {
        #[pin]
        future: F,
        span: Span,
    }
}

impl<F, B> Future for SpanResponse<F>
where
    F: Future<Output = Result<ServiceResponse<B>, Error>>,
{
    type Output = Result<ServiceResponse<SpanBody<B>>, Error>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.project();
        let span = this.span;
        let outcome = match span.in_scope(|| this.future.poll(cx)) {
            Poll::Pending => return Poll::Pending,
            Poll::Ready(outcome) => outcome,
        };
        span.in_scope(|| RequestSpan::end(span, &outcome));
        Poll::Ready(outcome.map(|response| {
            response.map_body(|_, body| SpanBody {
                body,
                span: span.clone(),
            })
        }))
    }
}

pin_project_lite::pin_project! {
    /// A response body streamed in the request's span.
    pub struct SpanBody<B> {
        #[pin]
        body: B,
        span: Span,
    }
}

impl<B: MessageBody> MessageBody for SpanBody<B> {
    type Error = B::Error;

    fn size(&self) -> BodySize {
        self.body.size()
    }

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Result<Bytes, Self::Error>>> {
        let this = self.project();
        let body = this.body;
        this.span.in_scope(|| body.poll_next(cx))
    }
}

/// The one line an answer is worth, at the level it deserves: an error only for what an operator
/// must act on (a 5xx); a refusal (signed out, forbidden) or a redirect (sign-in, Clerk's
/// handshake) is routine, logged at debug with Clerk's reason. (tracing-actix-web's default
/// marks every non-4xx error answer as an error, the handshake's 307 included, and dumps the
/// error's `Debug`.)
fn log_answer(span: &Span, status: StatusCode, error: Option<&Error>, reason: Option<&str>) {
    let server_fault = status.is_server_error();
    span.record("otel.status_code", if server_fault { "ERROR" } else { "OK" });
    let Some(error) = error else {
        return;
    };
    let status = status.as_u16();
    if server_fault {
        span.record("exception.message", tracing::field::display(error));
        tracing::error!(status, error.message = %error, "request failed");
    } else {
        tracing::debug!(status, reason, "request answered with a refusal or a redirect");
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use actix_web::http::header::HeaderValue;

    fn forwarded(values: &[&str]) -> HeaderMap {
        let mut headers = HeaderMap::new();
        for value in values {
            headers.append(
                actix_web::http::header::HeaderName::from_static("x-forwarded-for"),
                HeaderValue::from_str(value).unwrap(),
            );
        }
        headers
    }

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn forwarded_addresses_are_believed_only_from_trusted_peers() {
        let trusted = TrustedProxies::new(vec![ip("10.0.0.1"), ip("10.0.0.2")]);
        let headers = forwarded(&["203.0.113.9, 198.51.100.1", "10.0.0.2"]);
        assert_eq!(
            trusted.client_ip(Some(ip("192.0.2.7")), &headers),
            Some(ip("192.0.2.7")),
            "an untrusted peer is the client"
        );
        assert_eq!(
            trusted.client_ip(Some(ip("10.0.0.1")), &headers),
            Some(ip("198.51.100.1")),
            "the nearest untrusted hop, not the first (spoofable) entry"
        );
        assert_eq!(
            trusted.client_ip(Some(ip("10.0.0.1")), &forwarded(&["junk, 10.0.0.2"])),
            Some(ip("10.0.0.2"))
        );
        assert_eq!(
            trusted.client_ip(Some(ip("10.0.0.1")), &HeaderMap::new()),
            Some(ip("10.0.0.1"))
        );
        assert_eq!(trusted.client_ip(None, &headers), None);
        assert_eq!(
            TrustedProxies::default().client_ip(Some(ip("10.0.0.1")), &headers),
            Some(ip("10.0.0.1"))
        );
    }

    #[test]
    fn only_a_listed_peer_is_trusted() {
        let trusted = TrustedProxies::new(vec![ip("10.0.0.1"), ip("::1")]);
        assert!(trusted.trusts(Some(ip("10.0.0.1"))));
        assert!(trusted.trusts(Some(ip("::1"))));
        assert!(!trusted.trusts(Some(ip("10.0.0.3"))));
        assert!(
            !trusted.trusts(Some(ip("127.0.0.1"))),
            "loopback only when listed"
        );
        assert!(!trusted.trusts(None), "no peer address, no trust");
        assert!(!TrustedProxies::default().trusts(Some(ip("10.0.0.1"))));
    }

    #[test]
    fn request_ids_differ_and_are_32_hex_digits() {
        let (a, b) = (RequestId::next(), RequestId::next());
        assert_ne!(a, b);
        assert_ne!(a.to_string(), b.to_string());
        assert_eq!(a.to_string().len(), 32);
    }

    #[derive(Clone, Default)]
    struct Lines(std::sync::Arc<std::sync::Mutex<Vec<u8>>>);

    impl std::io::Write for Lines {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(buf);
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    // Issue 28, item 4: a refusal and a redirect (the handshake's 307 is an error answer too) are
    // one debug line with Clerk's reason; only a 5xx is an error; a success logs nothing.
    #[actix_web::test]
    async fn each_answer_is_logged_at_the_level_it_deserves() {
        use actix_web::error::{ErrorInternalServerError, ErrorUnauthorized, InternalError};
        use actix_web::{test, App, HttpResponse};

        let lines = Lines::default();
        let sink = lines.clone();
        let subscriber =
            crate::telemetry::get_subscriber("debug", crate::configuration::LogFormat::Json, move || {
                sink.clone()
            });
        let _default = tracing::subscriber::set_default(subscriber);
        let app = test::init_service(
            App::new()
                .wrap(RequestSpan)
                .route("/ok", web::get().to(|| async { HttpResponse::Ok().finish() }))
                .route(
                    "/signed-out",
                    web::get().to(|| async { Err::<HttpResponse, _>(ErrorUnauthorized("signed out")) }),
                )
                .route(
                    "/handshake",
                    web::get().to(|| async {
                        let redirect = HttpResponse::TemporaryRedirect()
                            .insert_header((
                                HEADER_AUTH_REASON,
                                "session-token-expired-refresh-non-eligible-no-refresh-cookie",
                            ))
                            .finish();
                        Err::<HttpResponse, _>(InternalError::from_response("handshake", redirect))
                    }),
                )
                .route(
                    "/fault",
                    web::get().to(|| async {
                        Err::<HttpResponse, _>(ErrorInternalServerError("the database is down"))
                    }),
                ),
        )
        .await;

        let mut levels = Vec::new();
        for path in ["/ok", "/signed-out", "/handshake", "/fault"] {
            lines.0.lock().unwrap().clear();
            let response = test::call_service(&app, test::TestRequest::get().uri(path).to_request()).await;
            let logged = String::from_utf8(lines.0.lock().unwrap().clone()).unwrap();
            let events: Vec<serde_json::Value> = logged
                .lines()
                .map(|line| serde_json::from_str(line).unwrap())
                .collect();
            for event in &events {
                // The event's own fields, without the span every line carries: no `Debug` dump.
                assert!(event["fields"].to_string().len() < 200, "concise: {event}");
                // In the request's span, with its id.
                let id = event["span"]["request_id"].as_str().unwrap_or_default();
                assert!(
                    id.len() == 32 && id.bytes().all(|b| b.is_ascii_hexdigit()),
                    "{event}"
                );
            }
            let found: Vec<&str> = events.iter().filter_map(|e| e["level"].as_str()).collect();
            levels.push((path, response.status().as_u16(), found.join(",")));
            if path == "/handshake" {
                assert!(logged.contains("session-token-expired-refresh"), "{logged}");
            }
        }
        assert_eq!(
            levels,
            [
                ("/ok", 200, String::new()),
                ("/signed-out", 401, "DEBUG".to_owned()),
                ("/handshake", 307, "DEBUG".to_owned()),
                ("/fault", 500, "ERROR".to_owned()),
            ]
        );
    }
}
