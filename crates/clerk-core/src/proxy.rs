//! The Frontend API proxy's rules (`@clerk/backend/proxy`'s `clerkFrontendApiProxy`), as pure
//! functions: which upstream URL a request under the proxy path goes to, which headers go up and
//! which come back, and how a `Location` on the upstream's host is rewritten to the proxy.
//!
//! No I/O here: `clerk-actix` (`clerk_actix::proxy`) sends the request and streams the bodies.
//!
//! # Stricter than Clerk's proxy
//!
//! Clerk's proxy believes what the caller says about itself; this one believes only the trusted
//! proxies the adapter was told about (the same rule as the rest of the crate,
//! [`crate::request::RequestOrigin::resolve`]):
//!
//! - `Clerk-Proxy-Url`'s origin: Clerk takes `X-Forwarded-Proto` and `X-Forwarded-Host` from any
//!   caller; here the [`ProxyRequest::origin`] the adapter resolved (forwarded headers only from a
//!   trusted peer).
//! - `X-Forwarded-Host` and `X-Forwarded-Proto`: Clerk keeps the caller's when present; here they
//!   are always that resolved origin's.
//! - `X-Forwarded-For`: Clerk sends `CF-Connecting-IP`, else `X-Real-IP`, else the first
//!   `X-Forwarded-For` entry, from any caller (and nothing without them); here the client address
//!   the adapter resolved (the peer, or what trusted proxies say), and what the caller says of
//!   its address or of proxies in front of it ([`CALLER_ADDRESS_HEADERS`]: `Forwarded`,
//!   `X-Real-IP`, `CF-Connecting-IP`, `True-Client-IP`, `X-Client-IP`, `Fastly-Client-IP`,
//!   `X-Forwarded-Port/-Server/-Prefix`, …) is not forwarded; Clerk's forwards all of it.
//! - A caller's `Authorization: Bearer sk_…` (a secret key) is never forwarded: the proxy is for
//!   browsers, and a secret key in a browser request is a leak, not a credential to pass on.
//! - A path with a dot segment (`.`, `..`, or their percent-encoded forms) is refused (Clerk's
//!   URL parser resolves them first); the path and query go upstream exactly as received, never
//!   decoded, so an encoded `?`, `#`, `%` or `/` stays in its segment.
//! - The request's `Content-Length` is the adapter's (it frames the body it sends), and
//!   repeated response headers other than `Set-Cookie` stay separate lines (Clerk joins them with
//!   `, `).

use std::net::IpAddr;

use url::Url;

/// The default proxy path, as Clerk's (`DEFAULT_PROXY_PATH`).
pub const DEFAULT_PROXY_PATH: &str = "/__clerk";
/// Clerk's production Frontend API, the default upstream (`PROD_FAPI_URL`).
pub const DEFAULT_UPSTREAM: &str = "https://frontend-api.clerk.dev";

/// Clerk's own local and staging Frontend APIs (`LOCAL_FAPI_URL`, `STAGING_FAPI_URL`), for keys
/// of Clerk's internal environments.
const LOCAL_UPSTREAM: &str = "https://frontend-api.lclclerk.com";
const STAGING_UPSTREAM: &str = "https://frontend-api.clerkstage.dev";
/// Clerk's `LEGACY_DEV_INSTANCE_SUFFIXES`, `LOCAL_ENV_SUFFIXES` and `STAGING_ENV_SUFFIXES`.
const LEGACY_DEV_SUFFIXES: [&str; 3] = [".lcl.dev", ".lclstage.dev", ".lclclerk.com"];
const LOCAL_SUFFIXES: [&str; 4] = [
    ".lcl.dev",
    "lclstage.dev",
    ".lclclerk.com",
    ".accounts.lclclerk.com",
];
const STAGING_SUFFIXES: [&str; 1] = [".accountsstage.dev"];

/// The upstream Clerk's proxy picks for a publishable key's Frontend API host when none is
/// configured (`fapiUrlFromPublishableKey`): Clerk's shared Frontend API,
/// [`DEFAULT_UPSTREAM`], for every customer instance (the instance is told by
/// `Clerk-Proxy-Url` and `Clerk-Secret-Key`, not by the host), Clerk's local or staging one for
/// keys of those environments.
pub fn upstream_for_frontend_api(frontend_api: &str) -> &'static str {
    let ends = |suffixes: &[&str]| suffixes.iter().any(|suffix| frontend_api.ends_with(suffix));
    if frontend_api.starts_with("clerk.") && ends(&LEGACY_DEV_SUFFIXES) {
        DEFAULT_UPSTREAM
    } else if ends(&LOCAL_SUFFIXES) {
        LOCAL_UPSTREAM
    } else if ends(&STAGING_SUFFIXES) {
        STAGING_UPSTREAM
    } else {
        DEFAULT_UPSTREAM
    }
}

/// Headers of one hop, never forwarded either way (Clerk's list; those named by `Connection` too).
const HOP_BY_HOP: [&str; 8] = [
    "connection",
    "keep-alive",
    "proxy-authenticate",
    "proxy-authorization",
    "te",
    "trailer",
    "transfer-encoding",
    "upgrade",
];
/// Request headers this proxy sets itself.
const REPLACED_UPSTREAM: [&str; 8] = [
    "host",
    "content-length",
    "accept-encoding",
    "clerk-proxy-url",
    "clerk-secret-key",
    "x-forwarded-host",
    "x-forwarded-proto",
    "x-forwarded-for",
];
/// What a caller may say about its address or about proxies in front of it, never forwarded
/// (Clerk's proxy forwards every one of them): the upstream learns the client's address only
/// from `X-Forwarded-For`, which this proxy sets by the trusted-proxy rule.
pub const CALLER_ADDRESS_HEADERS: [&str; 17] = [
    "forwarded",
    "x-real-ip",
    "x-client-ip",
    "x-cluster-client-ip",
    "cf-connecting-ip",
    "cf-connecting-ipv6",
    "true-client-ip",
    "fastly-client-ip",
    "x-original-forwarded-for",
    "x-forwarded",
    "forwarded-for",
    "x-forwarded-port",
    "x-forwarded-server",
    "x-forwarded-prefix",
    "x-forwarded-ssl",
    "x-forwarded-scheme",
    "x-envoy-external-address",
];
/// Response headers dropped besides the hop-by-hop ones: the body is passed back decoded
/// (`Accept-Encoding: identity`) and framed by the adapter.
const RESPONSE_STRIPPED: [&str; 2] = ["content-encoding", "content-length"];

/// Why a request cannot be proxied, or a setting is unusable.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ProxyError {
    /// The upstream is not an absolute `http(s)` URL without credentials, query or fragment.
    #[error(
        "the upstream must be an absolute http(s) URL without credentials, a query string or a fragment"
    )]
    InvalidUpstream,
    /// The upstream is plain `http` on a host that is not loopback: every proxied request
    /// carries the secret key (`Clerk-Secret-Key`), which must not cross a network in clear.
    #[error("the upstream must be https (plain http only to a loopback host): the proxy sends the secret key to it")]
    InsecureUpstream,
    /// The proxy path does not start with `/`, or has a `?` or `#`.
    #[error("the proxy path must start with `/` and have no `?` or `#`")]
    InvalidProxyPath,
    /// The request's path is not under the proxy path.
    #[error("the request path is not under the proxy path")]
    PathMismatch,
    /// The request's path has a dot segment, a backslash or a byte a path cannot hold.
    #[error("the request path is not forwarded as it is")]
    UnsafePath,
    /// The proxy's public URL is not an absolute `https` URL (plain `http` only on a loopback
    /// host) without credentials, query or fragment.
    #[error(
        "the proxy URL must be an absolute https URL (plain http only on a loopback host) without credentials, a query string or a fragment"
    )]
    InvalidProxyUrl,
    /// The secret key the proxy sends as `Clerk-Secret-Key` is empty.
    #[error("the proxy needs the instance's secret key")]
    MissingSecretKey,
    /// The secret key has whitespace around it or inside it (a copied line break): sent as it is,
    /// every proxied call would be refused (or the header dropped), never a clear error.
    #[error("the secret key has whitespace or a line break in it: remove it")]
    SecretKeyWhitespace,
}

/// A proxy's absolute public URL (`CLERK_PROXY_URL`), checked and without a trailing slash: the
/// `Clerk-Proxy-Url` sent with the secret key, so `https` (plain `http` only on a loopback host).
///
/// # Errors
///
/// [`ProxyError::InvalidProxyUrl`].
pub fn checked_public_url(url: &str) -> Result<String, ProxyError> {
    let parsed = Url::parse(url.trim()).map_err(|_| ProxyError::InvalidProxyUrl)?;
    let plain = parsed.username().is_empty()
        && parsed.password().is_none()
        && parsed.query().is_none()
        && parsed.fragment().is_none()
        && parsed.host_str().is_some();
    let secure = match parsed.scheme() {
        "https" => true,
        "http" => is_loopback(&parsed),
        _ => false,
    };
    if !(plain && secure) {
        return Err(ProxyError::InvalidProxyUrl);
    }
    Ok(parsed.as_str().trim_end_matches('/').to_owned())
}

/// `localhost`, an IPv4 loopback address (`127.0.0.0/8`) or `[::1]`.
fn is_loopback(url: &Url) -> bool {
    match url.host() {
        Some(url::Host::Domain(domain)) => domain.eq_ignore_ascii_case("localhost"),
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        None => false,
    }
}

/// Where the proxy forwards to, and where it is mounted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProxyTarget {
    upstream: String,
    upstream_host: String,
    proxy_path: String,
}

impl ProxyTarget {
    /// Checks `upstream` (trailing slashes dropped) and `proxy_path` (trailing slashes dropped;
    /// `/` alone is not a prefix).
    ///
    /// # Errors
    ///
    /// [`ProxyError::InvalidUpstream`], [`ProxyError::InvalidProxyPath`].
    pub fn new(upstream: &str, proxy_path: &str) -> Result<Self, ProxyError> {
        let url = Url::parse(upstream).map_err(|_| ProxyError::InvalidUpstream)?;
        let plain = matches!(url.scheme(), "http" | "https")
            && url.username().is_empty()
            && url.password().is_none()
            && url.query().is_none()
            && url.fragment().is_none()
            && url.host_str().is_some();
        if !plain {
            return Err(ProxyError::InvalidUpstream);
        }
        if url.scheme() == "http" && !is_loopback(&url) {
            return Err(ProxyError::InsecureUpstream);
        }
        let proxy_path = proxy_path.trim_end_matches('/');
        if !proxy_path.starts_with('/') || proxy_path.contains(['?', '#']) {
            return Err(ProxyError::InvalidProxyPath);
        }
        Ok(Self {
            upstream: url.as_str().trim_end_matches('/').to_owned(),
            upstream_host: host_of(&url).ok_or(ProxyError::InvalidUpstream)?,
            proxy_path: proxy_path.to_owned(),
        })
    }

    /// The upstream, without a trailing slash.
    pub fn upstream(&self) -> &str {
        &self.upstream
    }

    /// The upstream's `host[:port]` (no default port), the `Host` sent upstream.
    pub fn upstream_host(&self) -> &str {
        &self.upstream_host
    }

    /// The proxy path, without a trailing slash.
    pub fn proxy_path(&self) -> &str {
        &self.proxy_path
    }

    /// The upstream URL for a request's raw (still percent-encoded) `path` and `query`: the
    /// path under the proxy path (`/` when it is the proxy path itself) appended to the upstream,
    /// and the query as it came. Nothing is decoded or re-encoded.
    ///
    /// # Errors
    ///
    /// [`ProxyError::PathMismatch`] when `path` is not under the proxy path,
    /// [`ProxyError::UnsafePath`] for a dot segment (also `%2e`), a backslash, or a byte that
    /// is not a visible ASCII character.
    pub fn upstream_url(&self, path: &str, query: &str) -> Result<String, ProxyError> {
        let tail = path
            .strip_prefix(self.proxy_path.as_str())
            .filter(|tail| tail.is_empty() || tail.starts_with('/'))
            .ok_or(ProxyError::PathMismatch)?;
        let tail = if tail.is_empty() { "/" } else { tail };
        let visible = |b: u8| b.is_ascii_graphic() && !matches!(b, b'\\' | b'?' | b'#');
        if !tail.bytes().all(visible) || tail.split('/').any(is_dot_segment) {
            return Err(ProxyError::UnsafePath);
        }
        if !query.bytes().all(|b| b.is_ascii_graphic() && b != b'#') {
            return Err(ProxyError::UnsafePath);
        }
        let mut url = format!("{}{tail}", self.upstream);
        if !query.is_empty() {
            url.push('?');
            url.push_str(query);
        }
        Ok(url)
    }

    /// The proxy's public URL for a request from `origin` (`scheme://host`): the
    /// `Clerk-Proxy-Url` sent upstream and the base of rewritten `Location`s.
    pub fn proxy_url(&self, origin: &str) -> String {
        format!("{}{}", origin.trim_end_matches('/'), self.proxy_path)
    }

    /// The headers sent upstream: the caller's, less the hop-by-hop ones (and those its
    /// `Connection` names), a secret-key `Authorization` and the ones this proxy sets; then
    /// `Host`, `Clerk-Proxy-Url` (`proxy_url`: a configured public URL, or
    /// [`ProxyTarget::proxy_url`] of a request origin the app trusts, never any caller's host),
    /// `Clerk-Secret-Key`, `Accept-Encoding: identity`, `X-Forwarded-Host`, `X-Forwarded-Proto`
    /// and (when known) `X-Forwarded-For`.
    ///
    /// Names come back lowercase; values as given.
    pub fn upstream_headers<'h>(
        &self,
        incoming: impl IntoIterator<Item = (&'h str, &'h [u8])> + Clone,
        request: &ProxyRequest<'_>,
        proxy_url: &str,
        secret_key: &str,
    ) -> Vec<(String, Vec<u8>)> {
        let named = connection_named(incoming.clone());
        let mut out: Vec<(String, Vec<u8>)> = incoming
            .into_iter()
            .map(|(name, value)| (name.to_ascii_lowercase(), value))
            .filter(|(name, value)| {
                let dropped = HOP_BY_HOP.contains(&name.as_str())
                    || REPLACED_UPSTREAM.contains(&name.as_str())
                    || CALLER_ADDRESS_HEADERS.contains(&name.as_str())
                    || named.contains(name)
                    || (name == "authorization" && is_secret_key_bearer(value));
                !dropped
            })
            .map(|(name, value)| (name, value.to_vec()))
            .collect();
        let mut set = |name: &str, value: String| out.push((name.to_owned(), value.into_bytes()));
        set("host", self.upstream_host.clone());
        set("clerk-proxy-url", proxy_url.to_owned());
        set("clerk-secret-key", secret_key.to_owned());
        set("accept-encoding", "identity".to_owned());
        set("x-forwarded-host", request.host.to_owned());
        set("x-forwarded-proto", request.scheme.to_owned());
        if let Some(ip) = request.client_ip {
            set("x-forwarded-for", ip.to_string());
        }
        out
    }

    /// Whether an upstream response header is passed back: not hop-by-hop (nor named by the
    /// response's `Connection`, given as `connection_named`), not `Content-Encoding` or
    /// `Content-Length`. `Location` is passed back through [`ProxyTarget::rewrite_location`].
    pub fn passes_back(name: &str, connection_named: &[String]) -> bool {
        let name = name.to_ascii_lowercase();
        !HOP_BY_HOP.contains(&name.as_str())
            && !RESPONSE_STRIPPED.contains(&name.as_str())
            && !connection_named.contains(&name)
    }

    /// An upstream `Location`, resolved against the upstream: on the upstream's host, it becomes
    /// `proxy_url` + its path, query and fragment; anywhere else (or unparsable) it is kept.
    pub fn rewrite_location(&self, location: &str, proxy_url: &str) -> String {
        let Ok(base) = Url::parse(&self.upstream) else {
            return location.to_owned();
        };
        match base.join(location) {
            Ok(url) if host_of(&url).as_deref() == Some(self.upstream_host.as_str()) => {
                let mut out = format!("{proxy_url}{}", url.path());
                if let Some(query) = url.query() {
                    out.push('?');
                    out.push_str(query);
                }
                if let Some(fragment) = url.fragment() {
                    out.push('#');
                    out.push_str(fragment);
                }
                out
            }
            _ => location.to_owned(),
        }
    }
}

/// What the adapter knows of the incoming request, by its trusted-proxy rules.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ProxyRequest<'a> {
    /// `http` or `https`: the connection's, or a trusted proxy's `X-Forwarded-Proto`.
    pub scheme: &'a str,
    /// The public host (with its port): `Host`, or a trusted proxy's `X-Forwarded-Host`.
    pub host: &'a str,
    /// The client's address: the peer, or what trusted proxies say (`None`: unknown).
    pub client_ip: Option<IpAddr>,
}

impl ProxyRequest<'_> {
    /// `scheme://host`.
    pub fn origin(&self) -> String {
        format!("{}://{}", self.scheme, self.host)
    }
}

/// The header names a `Connection` header lists (lowercase), which are of this hop only.
pub fn connection_named<'h>(headers: impl IntoIterator<Item = (&'h str, &'h [u8])>) -> Vec<String> {
    headers
        .into_iter()
        .filter(|(name, _)| name.eq_ignore_ascii_case("connection"))
        .filter_map(|(_, value)| std::str::from_utf8(value).ok())
        .flat_map(|value| value.split(','))
        .map(|name| name.trim().to_ascii_lowercase())
        .filter(|name| !name.is_empty())
        .collect()
}

/// `Bearer sk_…`: a secret key, right or wrong.
fn is_secret_key_bearer(value: &[u8]) -> bool {
    std::str::from_utf8(value)
        .ok()
        .and_then(|v| {
            let (scheme, token) = v.trim().split_once(' ')?;
            scheme.eq_ignore_ascii_case("bearer").then_some(token)
        })
        .is_some_and(|token| token.trim_start().starts_with("sk_"))
}

/// `.` or `..`, percent-encoded or not.
fn is_dot_segment(segment: &str) -> bool {
    let lower = segment.to_ascii_lowercase();
    let decoded = lower.replace("%2e", ".");
    decoded == "." || decoded == ".."
}

/// `host[:port]` as the URL standard serializes it (no default port).
fn host_of(url: &Url) -> Option<String> {
    let host = url.host_str()?;
    Some(match url.port() {
        Some(port) => format!("{host}:{port}"),
        None => host.to_owned(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const PROXY_URL: &str = "https://app.example/__clerk";

    fn target() -> ProxyTarget {
        ProxyTarget::new("https://frontend-api.clerk.dev/", "/__clerk/").unwrap()
    }

    fn request() -> ProxyRequest<'static> {
        ProxyRequest {
            scheme: "https",
            host: "app.example",
            client_ip: Some("203.0.113.7".parse().unwrap()),
        }
    }

    fn headers(list: &[(&'static str, &'static str)]) -> Vec<(&'static str, &'static [u8])> {
        list.iter().map(|(n, v)| (*n, v.as_bytes())).collect()
    }

    fn get<'a>(out: &'a [(String, Vec<u8>)], name: &str) -> Vec<&'a str> {
        out.iter()
            .filter(|(n, _)| n == name)
            .map(|(_, v)| std::str::from_utf8(v).unwrap())
            .collect()
    }

    #[test]
    fn the_default_upstream_follows_the_publishable_keys_host_as_clerks() {
        for (host, upstream) in [
            ("clerk.example.com", DEFAULT_UPSTREAM),
            ("happy-cat-12.clerk.accounts.dev", DEFAULT_UPSTREAM),
            ("clerk.happy.lcl.dev", DEFAULT_UPSTREAM),
            ("happy.lcl.dev", LOCAL_UPSTREAM),
            ("happy.accounts.lclclerk.com", LOCAL_UPSTREAM),
            ("happy.accountsstage.dev", STAGING_UPSTREAM),
        ] {
            assert_eq!(upstream_for_frontend_api(host), upstream, "{host}");
        }
    }

    #[test]
    fn settings_are_checked() {
        assert_eq!(target().upstream(), "https://frontend-api.clerk.dev");
        assert_eq!(target().upstream_host(), "frontend-api.clerk.dev");
        assert_eq!(target().proxy_path(), "/__clerk");
        let local = ProxyTarget::new("http://127.0.0.1:8081", DEFAULT_PROXY_PATH).unwrap();
        assert_eq!(local.upstream_host(), "127.0.0.1:8081");
        let default_port = ProxyTarget::new("https://fapi.example:443", DEFAULT_PROXY_PATH).unwrap();
        assert_eq!(default_port.upstream_host(), "fapi.example");
        for bad in [
            "ftp://fapi.example",
            "https://user:pw@fapi.example",
            "https://fapi.example/?a=1",
            "https://fapi.example/#x",
            "fapi.example",
        ] {
            assert_eq!(
                ProxyTarget::new(bad, "/__clerk"),
                Err(ProxyError::InvalidUpstream),
                "{bad}"
            );
        }
        // The secret key goes upstream on every request: plain http only to loopback.
        for local in ["http://localhost:8081", "http://127.0.0.2", "http://[::1]:8081"] {
            assert!(ProxyTarget::new(local, "/__clerk").is_ok(), "{local}");
        }
        for insecure in [
            "http://fapi.example",
            "http://10.0.0.5:8081",
            "http://localhost.evil.example",
        ] {
            assert_eq!(
                ProxyTarget::new(insecure, "/__clerk"),
                Err(ProxyError::InsecureUpstream),
                "{insecure}"
            );
        }
        for bad in ["__clerk", "/", "", "/a?b", "/a#b"] {
            assert_eq!(
                ProxyTarget::new(DEFAULT_UPSTREAM, bad),
                Err(ProxyError::InvalidProxyPath),
                "{bad}"
            );
        }
    }

    #[test]
    fn the_path_under_the_proxy_path_and_the_query_go_upstream_as_received() {
        let t = target();
        assert_eq!(
            t.upstream_url("/__clerk/v1/client", "_clerk_js_version=6.40.0&a=%20"),
            Ok("https://frontend-api.clerk.dev/v1/client?_clerk_js_version=6.40.0&a=%20".to_owned())
        );
        assert_eq!(
            t.upstream_url("/__clerk", ""),
            Ok("https://frontend-api.clerk.dev/".to_owned())
        );
        assert_eq!(
            t.upstream_url("/__clerk/", ""),
            Ok("https://frontend-api.clerk.dev/".to_owned())
        );
        // Issue 22, item 8: an encoded `?`, `#`, `%` or `/` stays encoded in its segment.
        for sid in ["x%3F", "x%23", "x%253F", "x%2F..%2Fusers"] {
            assert_eq!(
                t.upstream_url(&format!("/__clerk/v1/client/sessions/{sid}/tokens"), ""),
                Ok(format!(
                    "https://frontend-api.clerk.dev/v1/client/sessions/{sid}/tokens"
                ))
            );
        }
        for other in ["/__clerkx/v1/client", "/api/__clerk/v1", "/", ""] {
            assert_eq!(
                t.upstream_url(other, ""),
                Err(ProxyError::PathMismatch),
                "{other}"
            );
        }
        for unsafe_path in [
            "/__clerk/..",
            "/__clerk/v1/../../admin",
            "/__clerk/v1/%2e%2E/x",
            "/__clerk/./v1",
            "/__clerk/.%2e",
            "/__clerk/v1\\..\\x",
            "/__clerk/a b",
            "/__clerk/a\u{e9}",
        ] {
            assert_eq!(
                t.upstream_url(unsafe_path, ""),
                Err(ProxyError::UnsafePath),
                "{unsafe_path}"
            );
        }
        assert_eq!(
            t.upstream_url("/__clerk/v1", "a=1#x"),
            Err(ProxyError::UnsafePath)
        );
        // A dot inside a name is no dot segment.
        assert!(t
            .upstream_url("/__clerk/npm/@clerk/ui@1/dist/ui.browser.js", "")
            .is_ok());
    }

    #[test]
    fn upstream_headers_are_the_callers_less_one_hop_and_the_proxys_own() {
        let incoming = headers(&[
            ("Host", "app.example"),
            ("Cookie", "__client_uat=1"),
            ("Cookie", "a=b"),
            ("Content-Type", "application/x-www-form-urlencoded"),
            ("Content-Length", "12"),
            ("Connection", "keep-alive, X-Private"),
            ("X-Private", "hop"),
            ("Keep-Alive", "timeout=5"),
            ("TE", "trailers"),
            ("Proxy-Authorization", "Basic eA=="),
            ("Accept-Encoding", "gzip, br"),
            ("X-Forwarded-Host", "evil.example"),
            ("X-Forwarded-Proto", "http"),
            ("X-Forwarded-For", "198.51.100.1"),
            ("X-Real-IP", "198.51.100.2"),
            ("CF-Connecting-IP", "198.51.100.3"),
            ("Forwarded", "for=198.51.100.4"),
            ("X-Client-IP", "198.51.100.5"),
            ("Fastly-Client-IP", "198.51.100.6"),
            ("True-Client-IP", "198.51.100.7"),
            ("X-Forwarded-Port", "8443"),
            ("X-Forwarded-Server", "lb.evil.example"),
            ("X-Forwarded-Prefix", "/evil"),
            ("Clerk-Secret-Key", "sk_test_caller"),
            ("Clerk-Proxy-Url", "https://evil.example/__clerk"),
            ("User-Agent", "test"),
        ]);
        let out = target().upstream_headers(incoming.iter().copied(), &request(), PROXY_URL, "sk_test_ours");

        assert_eq!(get(&out, "cookie"), ["__client_uat=1", "a=b"]);
        assert_eq!(get(&out, "content-type"), ["application/x-www-form-urlencoded"]);
        assert_eq!(get(&out, "user-agent"), ["test"]);
        assert_eq!(get(&out, "host"), ["frontend-api.clerk.dev"]);
        assert_eq!(get(&out, "clerk-proxy-url"), ["https://app.example/__clerk"]);
        assert_eq!(get(&out, "clerk-secret-key"), ["sk_test_ours"]);
        assert_eq!(get(&out, "accept-encoding"), ["identity"]);
        assert_eq!(get(&out, "x-forwarded-host"), ["app.example"]);
        assert_eq!(get(&out, "x-forwarded-proto"), ["https"]);
        assert_eq!(get(&out, "x-forwarded-for"), ["203.0.113.7"]);
        for gone in [
            "content-length",
            "connection",
            "x-private",
            "keep-alive",
            "te",
            "proxy-authorization",
            "x-real-ip",
            "cf-connecting-ip",
            "forwarded",
            "x-client-ip",
            "fastly-client-ip",
            "true-client-ip",
            "x-forwarded-port",
            "x-forwarded-server",
            "x-forwarded-prefix",
        ] {
            assert_eq!(get(&out, gone), Vec::<&str>::new(), "{gone}");
        }
        // Every caller address header, in any case, is dropped.
        for name in CALLER_ADDRESS_HEADERS {
            let upper = name.to_ascii_uppercase();
            let incoming = [(upper.as_str(), b"198.51.100.9".as_slice())];
            let out = target().upstream_headers(incoming, &request(), PROXY_URL, "sk_test_ours");
            assert_eq!(get(&out, name), Vec::<&str>::new(), "{name}");
        }
    }

    #[test]
    fn a_public_url_is_absolute_and_https_off_loopback() {
        assert_eq!(
            checked_public_url("https://app.example/__clerk/").as_deref(),
            Ok("https://app.example/__clerk")
        );
        assert_eq!(
            checked_public_url("http://127.0.0.1:8080/__clerk").as_deref(),
            Ok("http://127.0.0.1:8080/__clerk")
        );
        for bad in [
            "/__clerk",
            "http://app.example/__clerk",
            "https://u:p@app.example/__clerk",
            "https://app.example/__clerk?x=1",
            "ftp://app.example/__clerk",
        ] {
            assert_eq!(checked_public_url(bad), Err(ProxyError::InvalidProxyUrl), "{bad}");
        }
    }

    #[test]
    fn a_callers_secret_key_is_never_forwarded_but_other_authorization_is() {
        let t = target();
        for secret in ["Bearer sk_test_x", "bearer  sk_live_y", "Bearer sk_"] {
            let out = t.upstream_headers(
                headers(&[("Authorization", secret)]),
                &request(),
                PROXY_URL,
                "sk_test_ours",
            );
            assert_eq!(get(&out, "authorization"), Vec::<&str>::new(), "{secret}");
        }
        let out = t.upstream_headers(
            headers(&[("authorization", "Bearer eyJ.client.jwt")]),
            &request(),
            PROXY_URL,
            "sk_test_ours",
        );
        assert_eq!(get(&out, "authorization"), ["Bearer eyJ.client.jwt"]);
    }

    #[test]
    fn no_client_address_no_x_forwarded_for() {
        let request = ProxyRequest {
            client_ip: None,
            ..request()
        };
        let out = target().upstream_headers(
            headers(&[("X-Forwarded-For", "1.2.3.4")]),
            &request,
            PROXY_URL,
            "sk",
        );
        assert_eq!(get(&out, "x-forwarded-for"), Vec::<&str>::new());
    }

    #[test]
    fn response_headers_lose_one_hop_and_the_encoding() {
        let named = connection_named(headers(&[("Connection", "close, X-Hop")]));
        assert_eq!(named, ["close", "x-hop"]);
        for kept in ["Set-Cookie", "Content-Type", "Cache-Control", "Location", "Vary"] {
            assert!(ProxyTarget::passes_back(kept, &named), "{kept}");
        }
        for dropped in [
            "Content-Encoding",
            "content-length",
            "Transfer-Encoding",
            "Connection",
            "Keep-Alive",
            "Trailer",
            "Upgrade",
            "X-Hop",
        ] {
            assert!(!ProxyTarget::passes_back(dropped, &named), "{dropped}");
        }
    }

    #[test]
    fn a_location_on_the_upstream_is_rewritten_to_the_proxy() {
        let t = target();
        let proxy = "https://app.example/__clerk";
        assert_eq!(
            t.rewrite_location("https://frontend-api.clerk.dev/v1/client/handshake?a=1#f", proxy),
            "https://app.example/__clerk/v1/client/handshake?a=1#f"
        );
        assert_eq!(
            t.rewrite_location("/sign-in?x=%2F", proxy),
            "https://app.example/__clerk/sign-in?x=%2F"
        );
        assert_eq!(
            t.rewrite_location("https://app.example/dashboard", proxy),
            "https://app.example/dashboard"
        );
        assert_eq!(
            t.rewrite_location("https://frontend-api.clerk.dev:8443/x", proxy),
            "https://frontend-api.clerk.dev:8443/x"
        );
        let local = ProxyTarget::new("http://127.0.0.1:8081", "/__clerk").unwrap();
        assert_eq!(
            local.rewrite_location("http://127.0.0.1:8081/sign-in", "http://localhost:8080/__clerk"),
            "http://localhost:8080/__clerk/sign-in"
        );
    }
}
