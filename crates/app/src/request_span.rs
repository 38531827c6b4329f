//! The root span of every request (what each log line written during a request carries): the path
//! without its query string (no `__clerk_*` parameters, no handshake tokens), the route, the
//! method as a bounded label, and the client IP believed only from `CLERK_TRUSTED_PROXIES`.

use std::net::IpAddr;

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{HeaderMap, HOST, USER_AGENT};
use actix_web::{web, Error, HttpMessage as _};
use tracing::Span;
use tracing_actix_web::{DefaultRootSpanBuilder, RequestId, RootSpanBuilder};

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
            exception.details = tracing::field::Empty,
        )
    }

    fn on_request_end<B: MessageBody>(span: Span, outcome: &Result<ServiceResponse<B>, Error>) {
        DefaultRootSpanBuilder::on_request_end(span, outcome);
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
}
