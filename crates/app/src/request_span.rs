//! The root span of every request (what each log line written during a request carries): the path
//! without its query string (no `__clerk_*` parameters, no handshake tokens), the route, the
//! method as a bounded label, and the client IP believed only from `CLERK_TRUSTED_PROXIES`.

use std::net::IpAddr;

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{HeaderMap, HOST, USER_AGENT};
use actix_web::http::StatusCode;
use actix_web::{web, Error, HttpMessage as _};
use clerk_core::request::HEADER_AUTH_REASON;
use tracing::Span;
use tracing_actix_web::{RequestId, RootSpanBuilder};

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
}

/// [`tracing_actix_web`]'s root span without the query string and without client IPs taken from
/// headers anyone can send. Register as `TracingLogger::<RequestSpan>::new()`.
pub struct RequestSpan;

impl RootSpanBuilder for RequestSpan {
    fn on_request_start(request: &ServiceRequest) -> Span {
        let headers = request.headers();
        let header = |name| headers.get(name).and_then(|v| v.to_str().ok()).unwrap_or("");
        let client_ip = request
            .app_data::<web::Data<TrustedProxies>>()
            .map(|trusted| trusted.client_ip(request.peer_addr().map(|a| a.ip()), headers))
            .unwrap_or_else(|| request.peer_addr().map(|a| a.ip()));
        let request_id = request.extensions().get::<RequestId>().copied();
        tracing::info_span!(
            "HTTP request",
            http.method = labels::METHODS[labels::method(request.method())],
            http.route = labels::ROUTES[labels::route(request.match_name())],
            http.target = request.path(),
            http.host = header(HOST),
            http.client_ip = client_ip.map(tracing::field::display),
            http.user_agent = header(USER_AGENT),
            http.status_code = tracing::field::Empty,
            otel.status_code = tracing::field::Empty,
            request_id = request_id.map(tracing::field::display),
            exception.message = tracing::field::Empty,
        )
    }

    fn on_request_end<B: MessageBody>(span: Span, outcome: &Result<ServiceResponse<B>, Error>) {
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
        span.record("http.status_code", status.as_u16());
        log_answer(&span, status, error, reason);
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
        use tracing_actix_web::TracingLogger;

        let lines = Lines::default();
        let sink = lines.clone();
        let subscriber =
            crate::telemetry::get_subscriber("debug", crate::configuration::LogFormat::Json, move || {
                sink.clone()
            });
        let _default = tracing::subscriber::set_default(subscriber);
        let app = test::init_service(
            App::new()
                .wrap(TracingLogger::<RequestSpan>::new())
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
