//! The Actix adapter of clerk-core's request authenticator: an `HttpRequest` as
//! [`RequestParts`], and an outcome's headers onto a response. Every rule lives in
//! [`clerk_core::request`].

use std::borrow::Cow;

use actix_web::http::header::{HeaderMap, HeaderName, HeaderValue, COOKIE};
use actix_web::HttpRequest;
use clerk_core::request::{Cookies, HeaderLookup, RequestOrigin, RequestOutcome, RequestParts};

use crate::Clerk;

/// An Actix header map as clerk-core's header lookup.
pub(crate) struct ActixHeaders<'a>(pub(crate) &'a HeaderMap);

impl HeaderLookup for ActixHeaders<'_> {
    fn header(&self, name: &str) -> Option<&[u8]> {
        self.0.get(name).map(HeaderValue::as_bytes)
    }
}

/// The `Cookie` header fields as one text: borrowed when there is one, joined with `"; "` when
/// there are several (HTTP/2); values that are not text are skipped.
fn cookie_text(headers: &HeaderMap) -> Cow<'_, str> {
    let mut values = headers.get_all(COOKIE).filter_map(|v| v.to_str().ok());
    let Some(first) = values.next() else {
        return Cow::Borrowed("");
    };
    let Some(second) = values.next() else {
        return Cow::Borrowed(first);
    };
    let mut joined = format!("{first}; {second}");
    for value in values {
        joined.push_str("; ");
        joined.push_str(value);
    }
    Cow::Owned(joined)
}

/// The request's own origin by the trusted-proxy rule of `clerk`'s configuration.
pub(crate) fn request_origin<'a>(
    clerk: &Clerk,
    req: &'a HttpRequest,
    headers: &'a ActixHeaders<'a>,
) -> RequestOrigin<'a> {
    let scheme = if req.app_config().secure() {
        "https"
    } else {
        "http"
    };
    RequestOrigin::resolve(
        headers,
        req.peer_addr().map(|addr| addr.ip()),
        &clerk.config().trusted_proxies,
        scheme,
        req.app_config().host(),
    )
}

/// Authenticates `req` with Clerk's rules. Never fails: every problem is a signed-out outcome
/// with Clerk's reason.
pub async fn authenticate_request(clerk: &Clerk, req: &HttpRequest) -> RequestOutcome {
    let headers = ActixHeaders(req.headers());
    let cookies = cookie_text(req.headers());
    let parts = RequestParts::new(
        req.method().as_str(),
        &headers,
        Cookies::parse(&cookies),
        req.query_string(),
        request_origin(clerk, req, &headers),
        clerk.config().now(),
    );
    clerk.authenticate_parts(&parts).await
}

/// Adds the headers an outcome asks for (Clerk's debug headers on a signed-out outcome) to a
/// response. A header the response already carries (e.g. `protect-rewrite`) is left alone; a
/// value beyond Latin-1 or with control characters is dropped, as Clerk's runtime drops it.
pub fn apply_outcome_headers(outcome: &RequestOutcome, headers: &mut HeaderMap) {
    for (name, value) in outcome.response_headers() {
        let name = HeaderName::from_static(name);
        if headers.contains_key(&name) {
            continue;
        }
        if let Some(value) = latin1_header_value(value) {
            headers.insert(name, value);
        }
    }
}

/// A header value as a JavaScript `Headers` object holds it (a ByteString): every character must
/// fit in one byte (Latin-1) and becomes that byte; `None` otherwise, or for control characters,
/// and the header is then left out, as Clerk leaves it out.
fn latin1_header_value(text: &str) -> Option<HeaderValue> {
    if text.is_ascii() {
        return HeaderValue::from_str(text).ok();
    }
    let bytes: Option<Vec<u8>> = text.chars().map(|c| u8::try_from(u32::from(c)).ok()).collect();
    HeaderValue::from_bytes(&bytes?).ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use actix_web::test::TestRequest;

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
