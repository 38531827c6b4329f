//! The Actix adapter of clerk-core's request authenticator: an `HttpRequest` as
//! [`RequestParts`], and an outcome's headers onto a response. Every rule lives in
//! [`clerk_core::request`].

use std::borrow::Cow;
use std::net::IpAddr;
use std::time::SystemTime;

use actix_web::http::header::{HeaderMap, HeaderName, HeaderValue, COOKIE, SET_COOKIE};
use actix_web::HttpRequest;
use clerk_core::request::{Cookies, HeaderLookup, RequestOrigin, RequestOutcome, RequestParts};

/// An Actix header map as clerk-core's header lookup.
pub(crate) struct ActixHeaders<'a>(pub(crate) &'a HeaderMap);

impl HeaderLookup for ActixHeaders<'_> {
    fn header(&self, name: &str) -> Option<&[u8]> {
        self.0.get(name).map(HeaderValue::as_bytes)
    }

    fn for_each(&self, visit: &mut dyn FnMut(&str, &[u8])) {
        for (name, value) in self.0.iter() {
            visit(name.as_str(), value.as_bytes());
        }
    }
}

/// The `Cookie` header fields as one text: borrowed when there is one, joined with `"; "` when
/// there are several (HTTP/2); values that are not text are skipped.
fn cookie_text(headers: &HeaderMap) -> Cow<'_, str> {
    Cookies::join_fields(headers.get_all(COOKIE).filter_map(|v| v.to_str().ok()))
}

/// An `HttpRequest` as clerk-core sees it: its headers as a lookup and its `Cookie` fields as
/// one text, borrowed from the request (joined only when HTTP/2 split them).
///
/// It knows nothing of [`crate::Clerk`]: the handle passes its trusted proxies and "now".
pub(crate) struct ActixRequest<'a> {
    req: &'a HttpRequest,
    headers: ActixHeaders<'a>,
    cookies: Cow<'a, str>,
}

impl<'a> ActixRequest<'a> {
    /// Adapts `req`.
    pub(crate) fn new(req: &'a HttpRequest) -> Self {
        Self {
            req,
            headers: ActixHeaders(req.headers()),
            cookies: cookie_text(req.headers()),
        }
    }

    /// The request's own origin, believing `X-Forwarded-*` only from `trusted_proxies`.
    pub(crate) fn origin(&self, trusted_proxies: &[IpAddr]) -> RequestOrigin<'_> {
        let scheme = if self.req.app_config().secure() {
            "https"
        } else {
            "http"
        };
        RequestOrigin::resolve(
            &self.headers,
            self.req.peer_addr().map(|addr| addr.ip()),
            trusted_proxies,
            scheme,
            self.req.app_config().host(),
        )
    }

    /// The parts clerk-core's request authenticator reads, at `now`.
    pub(crate) fn parts(&self, trusted_proxies: &[IpAddr], now: SystemTime) -> RequestParts<'_> {
        let peer = self.req.peer_addr().map(|addr| addr.ip());
        RequestParts::new(
            self.req.method().as_str(),
            &self.headers,
            Cookies::parse(&self.cookies),
            self.req.query_string(),
            self.origin(trusted_proxies),
            now,
        )
        .with_path(self.req.path())
        .with_client(client_ip(peer, self.req.headers(), trusted_proxies))
    }
}

/// The client's IP address by the trusted-proxy rule, from `headers`' `X-Forwarded-For` fields:
/// clerk-core's [`clerk_core::request::client_ip`].
pub fn client_ip(peer: Option<IpAddr>, headers: &HeaderMap, trusted_proxies: &[IpAddr]) -> Option<IpAddr> {
    let fields = headers.get_all("x-forwarded-for").map(HeaderValue::as_bytes);
    clerk_core::request::client_ip(peer, fields, trusted_proxies)
}

/// Adds the headers an outcome asks for to a response: Clerk's debug headers on a signed-out or
/// handshake outcome, `Location` and `Cache-Control` of a redirect, the CORS pair of a resolved
/// handshake, and every `Set-Cookie` (appended). A single-valued header the response already
/// carries (e.g. `protect-rewrite`) is left alone; a value beyond Latin-1 or with control
/// characters is dropped, as Clerk's runtime drops it.
pub fn apply_outcome_headers(outcome: &RequestOutcome, headers: &mut HeaderMap) {
    for (name, value) in outcome.response_headers() {
        let name = HeaderName::from_static(name);
        let Some(value) = latin1_header_value(value) else {
            continue;
        };
        if name == SET_COOKIE {
            // The middleware and an extractor's rejection may both apply one outcome: a
            // directive already on the response is not sent twice.
            if !headers.get_all(SET_COOKIE).any(|present| *present == value) {
                headers.append(name, value);
            }
        } else if !headers.contains_key(&name) {
            headers.insert(name, value);
        }
    }
}

/// A header value as a JavaScript `Headers` object holds it (a ByteString): every character must
/// fit in one byte (Latin-1) and becomes that byte; `None` otherwise, or for control characters,
/// and the header is then left out, as Clerk leaves it out.
fn latin1_header_value(text: &str) -> Option<HeaderValue> {
    HeaderValue::from_bytes(&clerk_core::request::header_bytes(text)?).ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use actix_web::test::TestRequest;

    #[test]
    fn an_unreadable_forwarded_entry_does_not_hide_the_proxys_own() {
        let proxy: IpAddr = "10.0.0.1".parse().unwrap();
        let mut headers = HeaderMap::new();
        headers.insert(
            HeaderName::from_static("x-forwarded-for"),
            HeaderValue::from_bytes(b"\xff\xfe, 203.0.113.9").unwrap(),
        );
        assert_eq!(
            client_ip(Some(proxy), &headers, &[proxy]),
            Some("203.0.113.9".parse().unwrap())
        );
        assert_eq!(
            client_ip(Some(proxy), &headers, &[]),
            Some(proxy),
            "an untrusted peer is the client"
        );
        assert_eq!(client_ip(None, &headers, &[proxy]), None);
    }

    #[test]
    fn several_cookie_fields_are_joined() {
        let req = TestRequest::default()
            .append_header(("cookie", "a=1"))
            .append_header(("cookie", "b=2"))
            .to_http_request();
        assert_eq!(cookie_text(req.headers()), "a=1; b=2");
        let one = TestRequest::default()
            .insert_header(("cookie", "a=1"))
            .to_http_request();
        assert!(matches!(cookie_text(one.headers()), Cow::Borrowed("a=1")));
    }

    #[test]
    fn header_values_are_latin1_byte_strings() {
        assert_eq!(latin1_header_value("plain").unwrap().as_bytes(), b"plain");
        assert_eq!(latin1_header_value("café").unwrap().as_bytes(), b"caf\xe9");
        assert!(latin1_header_value("例").is_none());
        assert!(latin1_header_value("a\nb").is_none());
    }
}
