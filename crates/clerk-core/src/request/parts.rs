//! What the request authenticator reads of a request, independent of any web framework.

use std::net::IpAddr;
use std::time::SystemTime;

use super::cookies::Cookies;

/// Header access for [`RequestParts`]: the framework adapter implements it over its header map.
pub trait HeaderLookup {
    /// The raw bytes of the first value of header `name` (given in lower case), if present.
    fn header(&self, name: &str) -> Option<&[u8]>;

    /// Visits every header (name in lower case, value), for the session refresh call, which sends
    /// the request's headers to the Backend API as Clerk does. The default visits none.
    fn for_each(&self, visit: &mut dyn FnMut(&str, &[u8])) {
        let _ = visit;
    }
}

/// A header value as text, by HTTP's rule for readable values: visible ASCII, spaces and tabs
/// (what `http::HeaderValue::to_str` accepts); `None` otherwise.
pub(crate) fn header_text(value: &[u8]) -> Option<&str> {
    if value.iter().all(|&b| b == b'\t' || (0x20..0x7f).contains(&b)) {
        std::str::from_utf8(value).ok()
    } else {
        None
    }
}

/// One request, as Clerk's `authenticateRequest` sees it.
///
/// Borrowed from the framework's request; the adapter builds it once per request (cookies are
/// split once, here).
#[non_exhaustive]
pub struct RequestParts<'a> {
    /// The method (`GET`, `POST`, …).
    pub method: &'a str,
    /// The headers.
    pub headers: &'a dyn HeaderLookup,
    /// The cookies, parsed once.
    pub cookies: Cookies<'a>,
    /// The path (`/profile`), as the request line gives it.
    pub path: &'a str,
    /// The query string, without `?`.
    pub query: &'a str,
    /// The request's own origin, as decided by the trusted-proxy rules.
    pub origin: RequestOrigin<'a>,
    /// The time to judge tokens at.
    pub now: SystemTime,
    /// The client's address, as the adapter's trusted-proxy rule decides it (`None`: unknown).
    /// Handshake-nonce lookups are limited per client.
    pub client: Option<IpAddr>,
}

impl<'a> RequestParts<'a> {
    /// A request's parts.
    pub fn new(
        method: &'a str,
        headers: &'a dyn HeaderLookup,
        cookies: Cookies<'a>,
        query: &'a str,
        origin: RequestOrigin<'a>,
        now: SystemTime,
    ) -> Self {
        Self {
            method,
            headers,
            cookies,
            path: "/",
            query,
            origin,
            now,
            client: None,
        }
    }

    /// The client's address (handshake-nonce lookups are limited per client).
    pub fn with_client(mut self, client: Option<IpAddr>) -> Self {
        self.client = client;
        self
    }

    /// The request's path (defaults to `/`): handshake redirects come back to it and organization
    /// patterns match it.
    pub fn with_path(mut self, path: &'a str) -> Self {
        self.path = path;
        self
    }

    /// The first value of header `name` as text, when readable.
    pub fn header(&self, name: &str) -> Option<&'a str> {
        self.headers.header(name).and_then(header_text)
    }

    pub(crate) fn is_get(&self) -> bool {
        self.method == "GET"
    }
}

impl std::fmt::Debug for RequestParts<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Headers, cookies and the query may carry tokens: never printed.
        f.debug_struct("RequestParts")
            .field("method", &self.method)
            .field("origin", &self.origin)
            .finish_non_exhaustive()
    }
}

/// A request's own origin, `scheme://host`, borrowed from the request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RequestOrigin<'a> {
    /// `http` or `https` (or what a trusted proxy says).
    pub scheme: &'a str,
    /// The host, with its port when it has one.
    pub host: &'a str,
}

impl<'a> RequestOrigin<'a> {
    /// The origin by the trusted-proxy rule: `X-Forwarded-Proto` and `X-Forwarded-Host` (first
    /// values) are believed only when the peer is one of `trusted_proxies`; otherwise the
    /// connection's own scheme and the `Host` header; `default_host` when there is no `Host`.
    pub fn resolve(
        headers: &'a dyn HeaderLookup,
        peer: Option<IpAddr>,
        trusted_proxies: &[IpAddr],
        own_scheme: &'a str,
        default_host: &'a str,
    ) -> Self {
        let first = |name: &str| {
            headers
                .header(name)
                .and_then(header_text)
                .and_then(|v| v.split(',').next())
                .map(str::trim)
                .filter(|v| !v.is_empty())
        };
        let trusted = peer.is_some_and(|peer| trusted_proxies.contains(&peer));
        let (scheme, host) = if trusted {
            (
                first("x-forwarded-proto").unwrap_or(own_scheme),
                first("x-forwarded-host").or_else(|| first("host")),
            )
        } else {
            (own_scheme, first("host"))
        };
        Self {
            scheme,
            host: host.unwrap_or(default_host),
        }
    }

    /// `scheme://host`.
    pub fn serialize(&self) -> String {
        format!("{}://{}", self.scheme, self.host)
    }
}
