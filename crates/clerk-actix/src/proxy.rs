//! [`FrontendApiProxy`]: Clerk's Frontend API served from the app's own origin (Clerk's
//! `@clerk/backend/proxy`, for users behind ad-blockers and firewalls), the I/O around
//! [`clerk_core::proxy`]'s rules.
//!
//! Both bodies are streamed, each bounded; nothing is cached; an error answer is a small JSON
//! body (`{"errors":[{"code","message"}]}`, `Cache-Control: no-store`) that never carries the
//! secret key or the upstream's error text.

use std::cell::{Cell, RefCell};
use std::net::IpAddr;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll};
use std::time::Duration;

use actix_web::body::SizedStream;
use actix_web::error::PayloadError;
use actix_web::http::header::{self, HeaderName, HeaderValue};
use actix_web::http::StatusCode;
use actix_web::web::{self, Bytes};
use actix_web::{HttpRequest, HttpResponse};
use clerk_core::proxy::{connection_named, ProxyError, ProxyRequest, ProxyTarget};
use futures_util::{Future as _, Stream, StreamExt as _};

pub use clerk_core::proxy::{DEFAULT_PROXY_PATH, DEFAULT_UPSTREAM};

use crate::authenticate::{client_ip, ActixHeaders};

/// Clerk's Frontend API proxied under a path of the app (`/__clerk` by default).
///
/// Every request under the proxy path goes to the upstream Frontend API with its path and query
/// as received (never decoded), the caller's headers less one hop's and the proxy's own
/// (`Host`, `Clerk-Proxy-Url`, `Clerk-Secret-Key`, `Accept-Encoding: identity`, `X-Forwarded-*`
/// by the trusted-proxy rule); the answer comes back with its status, headers (every
/// `Set-Cookie`; a `Location` on the upstream's host rewritten to the proxy) and body. See
/// [`clerk_core::proxy`] for the rules and where they are stricter than Clerk's.
///
/// Set `CLERK_PROXY_URL` (or [`crate::ClerkConfig`]'s proxy URL) to the same public URL so that
/// Clerk's handshake and `clerk-js` use it.
///
/// # Examples
///
/// ```no_run
/// use actix_web::{App, HttpServer};
/// use clerk_actix::proxy::FrontendApiProxy;
///
/// # async fn run() -> Result<(), Box<dyn std::error::Error>> {
/// let proxy = FrontendApiProxy::new(std::env::var("CLERK_SECRET_KEY")?)?
///     .public_url("https://app.example.com/__clerk")?
///     .trusted_proxies(["10.0.0.1".parse()?]);
/// HttpServer::new(move || App::new().service(proxy.service()))
///     .bind(("0.0.0.0", 8080))?
///     .run()
///     .await?;
/// # Ok(())
/// # }
/// ```
#[derive(Clone)]
pub struct FrontendApiProxy {
    target: ProxyTarget,
    public_url: PublicUrl,
    secret_key: String,
    trusted_proxies: Vec<IpAddr>,
    max_request_body: usize,
    max_response_body: usize,
    timeout: Duration,
    idle_timeout: Duration,
}

impl std::fmt::Debug for FrontendApiProxy {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FrontendApiProxy")
            .field("upstream", &self.target.upstream())
            .field("proxy_path", &self.target.proxy_path())
            .field("public_url", &self.public_url)
            .field("secret_key", &"[redacted]")
            .field("trusted_proxies", &self.trusted_proxies)
            .field("max_request_body", &self.max_request_body)
            .field("max_response_body", &self.max_response_body)
            .field("timeout", &self.timeout)
            .field("idle_timeout", &self.idle_timeout)
            .finish()
    }
}

impl FrontendApiProxy {
    /// A proxy at [`DEFAULT_PROXY_PATH`] to [`DEFAULT_UPSTREAM`] that sends `secret_key` as
    /// `Clerk-Secret-Key`.
    ///
    /// # Errors
    ///
    /// [`ProxyError::MissingSecretKey`] when the key is empty (Clerk would refuse every call),
    /// [`ProxyError::SecretKeyWhitespace`] when it has whitespace in it or around it (a copied
    /// line break: every call would be refused with nothing to say why).
    pub fn new(secret_key: impl Into<String>) -> Result<Self, ProxyError> {
        let secret_key = secret_key.into();
        if secret_key.trim().is_empty() {
            return Err(ProxyError::MissingSecretKey);
        }
        if secret_key.chars().any(char::is_whitespace) {
            return Err(ProxyError::SecretKeyWhitespace);
        }
        Ok(Self {
            target: ProxyTarget::new(DEFAULT_UPSTREAM, DEFAULT_PROXY_PATH)?,
            public_url: PublicUrl::FromHost(Vec::new()),
            secret_key,
            trusted_proxies: Vec::new(),
            max_request_body: 1 << 20,
            max_response_body: 16 << 20,
            timeout: Duration::from_secs(30),
            idle_timeout: Duration::from_secs(30),
        })
    }

    /// The Frontend API to forward to (the offline Clerk in dev mode). Defaults to
    /// [`DEFAULT_UPSTREAM`].
    ///
    /// # Errors
    ///
    /// [`ProxyError::InvalidUpstream`] unless an absolute `http(s)` URL without credentials,
    /// query or fragment; [`ProxyError::InsecureUpstream`] for plain `http` to a host that is not
    /// loopback (the secret key goes upstream on every request).
    pub fn upstream(mut self, upstream: &str) -> Result<Self, ProxyError> {
        self.target = ProxyTarget::new(upstream, self.target.proxy_path())?;
        Ok(self)
    }

    /// Where the proxy is mounted. Defaults to [`DEFAULT_PROXY_PATH`] (`/__clerk`).
    ///
    /// # Errors
    ///
    /// [`ProxyError::InvalidProxyPath`] unless it starts with `/`.
    pub fn proxy_path(mut self, path: &str) -> Result<Self, ProxyError> {
        self.target = ProxyTarget::new(self.target.upstream(), path)?;
        Ok(self)
    }

    /// The proxy's absolute public URL (`CLERK_PROXY_URL`, e.g. `https://app.example.com/__clerk`):
    /// sent upstream as `Clerk-Proxy-Url` whatever host a request names, and the base of rewritten
    /// `Location`s. Without it, the request's origin is used, and only one of
    /// [`allowed_origins`](Self::allowed_origins).
    ///
    /// # Errors
    ///
    /// [`ProxyError::InvalidProxyUrl`] unless an absolute `https` URL (plain `http` only on a
    /// loopback host) without credentials, query or fragment.
    pub fn public_url(mut self, url: &str) -> Result<Self, ProxyError> {
        self.public_url = PublicUrl::Fixed(clerk_core::proxy::checked_public_url(url)?);
        Ok(self)
    }

    /// The app's own origins (`scheme://host[:port]`, e.g. its authorized parties): without a
    /// [`public_url`](Self::public_url), a request whose origin (by the trusted-proxy rule) is
    /// not one of them is refused with `400 proxy_host_untrusted`, so that no caller's `Host`
    /// becomes the `Clerk-Proxy-Url` sent with the secret key. Defaults to none.
    pub fn allowed_origins<I, S>(mut self, origins: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        let origins = origins
            .into_iter()
            .map(|origin| origin.as_ref().trim_end_matches('/').to_ascii_lowercase())
            .collect();
        if let PublicUrl::FromHost(_) = self.public_url {
            self.public_url = PublicUrl::FromHost(origins);
        }
        self
    }

    /// Peers whose `X-Forwarded-For/-Host/-Proto` are believed (the load balancer in front of
    /// the app). Defaults to none.
    pub fn trusted_proxies(mut self, proxies: impl IntoIterator<Item = IpAddr>) -> Self {
        self.trusted_proxies = proxies.into_iter().collect();
        self
    }

    /// The largest request body forwarded; a larger one is answered 413. Defaults to 1 MiB.
    pub fn max_request_body(mut self, bytes: usize) -> Self {
        self.max_request_body = bytes;
        self
    }

    /// The largest response body passed back; a larger announced one is answered 502, a larger
    /// streamed one is cut off. Defaults to 16 MiB.
    pub fn max_response_body(mut self, bytes: usize) -> Self {
        self.max_response_body = bytes;
        self
    }

    /// How long the upstream has to connect and answer with its headers. Defaults to 30 seconds.
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// How long the answer's body may go without a byte once it streams; then it is cut off (the
    /// browser sees a broken answer, the worker is freed). Defaults to 30 seconds.
    pub fn idle_timeout(mut self, idle: Duration) -> Self {
        self.idle_timeout = idle;
        self
    }

    /// The checked upstream and proxy path.
    pub fn target(&self) -> &ProxyTarget {
        &self.target
    }

    /// A resource for the proxy path and everything under it, every method, to register on an
    /// `App` (inside the `HttpServer::new` factory).
    pub fn service(&self) -> actix_web::Resource {
        let path = self.target.proxy_path().to_owned();
        web::resource([path.clone(), format!("{path}/{{tail:.*}}")])
            .app_data(web::Data::new(self.clone()))
            .to(
                |req: HttpRequest, payload: web::Payload, proxy: web::Data<Self>| async move {
                    proxy.forward(req, payload).await
                },
            )
    }

    /// Forwards one request and streams the answer back: for a handler of your own (mounted so
    /// that `req.path()` is under the proxy path).
    pub async fn forward(&self, req: HttpRequest, payload: web::Payload) -> HttpResponse {
        let url = match self.target.upstream_url(req.path(), req.query_string()) {
            Ok(url) => url,
            Err(ProxyError::PathMismatch) => {
                return error(
                    StatusCode::BAD_REQUEST,
                    "proxy_path_mismatch",
                    "The request path is not under the proxy path",
                )
            }
            Err(_) => {
                return error(
                    StatusCode::BAD_REQUEST,
                    "proxy_request_failed",
                    "The request path cannot be forwarded",
                )
            }
        };
        // The connection's own scheme: actix's `connection_info` would believe any caller's
        // `X-Forwarded-Proto`; `RequestOrigin::resolve` believes only a trusted peer's.
        let scheme = if req.app_config().secure() {
            "https"
        } else {
            "http"
        };
        let peer = req.peer_addr().map(|addr| addr.ip());
        let headers = ActixHeaders(req.headers());
        let origin = clerk_core::request::RequestOrigin::resolve(
            &headers,
            peer,
            &self.trusted_proxies,
            scheme,
            req.app_config().host(),
        );
        let incoming = ProxyRequest {
            scheme: origin.scheme,
            host: origin.host,
            client_ip: client_ip(peer, req.headers(), &self.trusted_proxies),
        };
        let proxy_url = match &self.public_url {
            PublicUrl::Fixed(url) => url.clone(),
            PublicUrl::FromHost(allowed) => {
                let origin = incoming.origin();
                if !allowed.contains(&origin.to_ascii_lowercase()) {
                    return error(
                        StatusCode::BAD_REQUEST,
                        "proxy_host_untrusted",
                        "The request's host is not one of the app's origins",
                    );
                }
                self.target.proxy_url(&origin)
            }
        };
        let pairs: Vec<(&str, &[u8])> = req
            .headers()
            .iter()
            .map(|(name, value)| (name.as_str(), value.as_bytes()))
            .collect();
        let upstream_headers =
            self.target
                .upstream_headers(pairs.iter().copied(), &incoming, &proxy_url, &self.secret_key);

        let mut upstream = client(self.timeout).request(req.method().clone(), url.as_str());
        for (name, value) in upstream_headers {
            let (Ok(name), Ok(value)) = (
                HeaderName::from_bytes(name.as_bytes()),
                HeaderValue::from_bytes(&value),
            ) else {
                continue;
            };
            // `Host` is set on the request head: awc takes it from there rather than the URL.
            upstream = upstream.append_header((name, value));
        }

        let declared = req
            .headers()
            .get(header::CONTENT_LENGTH)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.trim().parse::<u64>().ok());
        let chunked = req.headers().contains_key(header::TRANSFER_ENCODING);
        if declared.is_some_and(|len| len > self.max_request_body as u64) {
            return too_large();
        }
        let overflow = Rc::new(Cell::new(false));
        let body = Bounded {
            inner: payload,
            left: self.max_request_body,
            overflow: Rc::clone(&overflow),
        };
        let sent = match (declared, chunked) {
            (Some(0), false) => upstream.send_body(()).await,
            (Some(len), false) => upstream.send_body(SizedStream::new(len, body)).await,
            (_, true) => upstream.send_stream(body).await,
            // No body, no `Content-Length: 0` (awc's `send()` would add one, Clerk's proxy does not).
            _ => upstream.send_body(actix_web::body::None::new()).await,
        };
        let answer = match sent {
            Ok(answer) => answer,
            Err(_) if overflow.get() => return too_large(),
            Err(err) => {
                // The error names the URL and the cause, never the headers (the secret key).
                tracing::warn!(error.message = %err, upstream = %self.target.upstream(), "clerk.proxy: the Frontend API did not answer");
                return error(
                    StatusCode::BAD_GATEWAY,
                    "proxy_request_failed",
                    "Failed to proxy request to Clerk FAPI",
                );
            }
        };

        let announced = answer
            .headers()
            .get(header::CONTENT_LENGTH)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.trim().parse::<u64>().ok());
        if announced.is_some_and(|len| len > self.max_response_body as u64) {
            tracing::warn!(upstream = %self.target.upstream(), "clerk.proxy: the Frontend API's answer is too large");
            return error(
                StatusCode::BAD_GATEWAY,
                "proxy_request_failed",
                "The Frontend API's answer is too large",
            );
        }
        let response_pairs: Vec<(&str, &[u8])> = answer
            .headers()
            .iter()
            .map(|(name, value)| (name.as_str(), value.as_bytes()))
            .collect();
        let named = connection_named(response_pairs.iter().copied());
        let mut out = HttpResponse::build(answer.status());
        for (name, value) in answer.headers() {
            if !ProxyTarget::passes_back(name.as_str(), &named) {
                continue;
            }
            if name == header::LOCATION {
                let rewritten = value
                    .to_str()
                    .ok()
                    .map(|location| self.target.rewrite_location(location, &proxy_url))
                    .and_then(|location| HeaderValue::from_str(&location).ok())
                    .unwrap_or_else(|| value.clone());
                out.append_header((name.clone(), rewritten));
            } else {
                out.append_header((name.clone(), value.clone()));
            }
        }
        let limit = self.max_response_body;
        let mut seen = 0usize;
        let body = IdleCut::new(answer, self.idle_timeout).map(move |chunk| {
            let chunk = chunk?;
            seen = seen.saturating_add(chunk.len());
            if seen > limit {
                tracing::warn!("clerk.proxy: the Frontend API's answer is too large; cut off");
                return Err(PayloadError::Overflow);
            }
            Ok(chunk)
        });
        out.streaming(body)
    }
}

/// Where `Clerk-Proxy-Url` (and rewritten `Location`s) come from.
#[derive(Debug, Clone)]
enum PublicUrl {
    /// The configured absolute public URL, whatever the request's host.
    Fixed(String),
    /// The request's origin, when it is one of these (lowercase, no trailing slash).
    FromHost(Vec<String>),
}

/// The request body, cut off with an error past `left` bytes.
struct Bounded<S> {
    inner: S,
    left: usize,
    overflow: Rc<Cell<bool>>,
}

impl<S: Stream<Item = Result<Bytes, PayloadError>> + Unpin> Stream for Bounded<S> {
    type Item = Result<Bytes, PayloadError>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        match Pin::new(&mut self.inner).poll_next(cx) {
            Poll::Ready(Some(Ok(chunk))) => {
                if chunk.len() > self.left {
                    self.overflow.set(true);
                    return Poll::Ready(Some(Err(PayloadError::Overflow)));
                }
                self.left -= chunk.len();
                Poll::Ready(Some(Ok(chunk)))
            }
            other => other,
        }
    }
}

/// The answer's body, ended with an error when no chunk comes for `idle`.
struct IdleCut<S> {
    inner: S,
    idle: Duration,
    deadline: Pin<Box<tokio::time::Sleep>>,
    done: bool,
}

impl<S> IdleCut<S> {
    fn new(inner: S, idle: Duration) -> Self {
        Self {
            inner,
            idle,
            deadline: Box::pin(tokio::time::sleep(idle)),
            done: false,
        }
    }
}

impl<S: Stream<Item = Result<Bytes, PayloadError>> + Unpin> Stream for IdleCut<S> {
    type Item = Result<Bytes, PayloadError>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        if self.done {
            return Poll::Ready(None);
        }
        match Pin::new(&mut self.inner).poll_next(cx) {
            Poll::Pending => {}
            Poll::Ready(item) => {
                let next = tokio::time::Instant::now() + self.idle;
                self.deadline.as_mut().reset(next);
                return Poll::Ready(item);
            }
        }
        match self.deadline.as_mut().poll(cx) {
            Poll::Pending => Poll::Pending,
            Poll::Ready(()) => {
                self.done = true;
                tracing::warn!("clerk.proxy: the Frontend API's answer stalled; cut off");
                let stalled = std::io::Error::new(std::io::ErrorKind::TimedOut, "the answer stalled");
                Poll::Ready(Some(Err(PayloadError::Io(stalled))))
            }
        }
    }
}

thread_local! {
    /// One client (and its connection pool) per worker thread and timeout.
    static CLIENTS: RefCell<Vec<(Duration, awc::Client)>> = const { RefCell::new(Vec::new()) };
}

fn client(timeout: Duration) -> awc::Client {
    CLIENTS.with(|clients| {
        let mut clients = clients.borrow_mut();
        if let Some((_, client)) = clients.iter().find(|(t, _)| *t == timeout) {
            return client.clone();
        }
        // awc's rustls comes without a crypto provider (see the Backend API client).
        let _ = rustls::crypto::aws_lc_rs::default_provider().install_default();
        let client = awc::Client::builder()
            .connector(awc::Connector::new().timeout(timeout))
            .timeout(timeout)
            // A redirect is the browser's to follow, through the proxy (`Location` rewritten).
            .disable_redirects()
            .no_default_headers()
            .finish();
        clients.push((timeout, client.clone()));
        client
    })
}

fn too_large() -> HttpResponse {
    error(
        StatusCode::PAYLOAD_TOO_LARGE,
        "proxy_request_too_large",
        "The request body is too large to forward",
    )
}

/// Clerk's proxy error shape; the message is fixed text, never an upstream's or a setting's.
fn error(status: StatusCode, code: &str, message: &str) -> HttpResponse {
    HttpResponse::build(status)
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .json(serde_json::json!({ "errors": [{ "code": code, "message": message }] }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use actix_web::{test, App, HttpServer};

    /// The origins the tests' requests name (`TestRequest`'s default host is `localhost:8080`).
    const ORIGINS: [&str; 4] = [
        "http://app.example",
        "https://app.example",
        "http://internal:8080",
        "http://localhost:8080",
    ];

    /// A recording upstream on a free port: answers every request with what it saw.
    async fn upstream() -> (String, actix_web::dev::ServerHandle) {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        let server = HttpServer::new(|| {
            App::new().default_service(web::to(|req: HttpRequest, body: Bytes| async move {
                let headers: Vec<(String, String)> = req
                    .headers()
                    .iter()
                    .map(|(n, v)| (n.to_string(), v.to_str().unwrap_or("").to_owned()))
                    .collect();
                if req.path() == "/stream" {
                    let chunks = [Bytes::from(vec![b'x'; 3000]), Bytes::from(vec![b'y'; 3000])];
                    let body = futures_util::stream::iter(chunks.map(Ok::<_, actix_web::Error>));
                    return HttpResponse::Ok().streaming(body);
                }
                if req.path() == "/stall" {
                    // One chunk, then nothing, the connection kept open.
                    let first =
                        futures_util::stream::iter([Ok::<_, actix_web::Error>(Bytes::from_static(b"{"))]);
                    return HttpResponse::Ok().streaming(first.chain(futures_util::stream::pending()));
                }
                if req.path() == "/big" {
                    return HttpResponse::Ok().body(vec![b'x'; 8192]);
                }
                let location = req.headers().get("x-location").cloned();
                let mut out = HttpResponse::Ok();
                if let Some(location) = location {
                    out.status(StatusCode::FOUND)
                        .insert_header((header::LOCATION, location));
                }
                out.append_header(("set-cookie", "a=1; Path=/"))
                    .append_header(("set-cookie", "b=2; Path=/"))
                    .insert_header(("content-encoding", "identity"))
                    .json(serde_json::json!({
                        "method": req.method().as_str(),
                        "path": req.path(),
                        "query": req.query_string(),
                        "headers": headers,
                        "body": String::from_utf8_lossy(&body),
                    }))
            }))
        })
        .workers(1)
        .listen(listener)
        .unwrap()
        .run();
        let handle = server.handle();
        actix_rt::spawn(server);
        (format!("http://{addr}"), handle)
    }

    /// The proxy to `upstream` with the tests' secret key.
    fn proxy_to(upstream: &str) -> FrontendApiProxy {
        FrontendApiProxy::new("sk_test_proxy")
            .unwrap()
            .upstream(upstream)
            .unwrap()
    }

    /// A handshake from `host` that the upstream answers with a redirect to its own sign-in.
    fn handshake(upstream: &str, host: &str) -> test::TestRequest {
        test::TestRequest::get()
            .uri("/__clerk/v1/client/handshake")
            .insert_header(("host", host))
            .insert_header(("x-location", format!("{upstream}/sign-in?redirect_url=%2F")))
    }

    fn header_of<'a>(seen: &'a serde_json::Value, name: &str) -> Vec<&'a str> {
        seen["headers"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|pair| pair[0] == name)
            .map(|pair| pair[1].as_str().unwrap())
            .collect()
    }

    #[actix_web::test]
    async fn a_request_goes_upstream_as_received_with_the_proxys_headers() {
        let (upstream, handle) = upstream().await;
        let proxy = proxy_to(&upstream).allowed_origins(ORIGINS);
        let app = test::init_service(App::new().service(proxy.service())).await;

        let req = test::TestRequest::post()
            .uri("/__clerk/v1/client/sessions/x%3F/tokens?_clerk_js_version=6&a=%2F")
            .insert_header(("host", "app.example"))
            .insert_header(("authorization", "Bearer sk_live_leaked"))
            .insert_header(("x-forwarded-host", "evil.example"))
            .insert_header(("content-type", "application/x-www-form-urlencoded"))
            .insert_header(("content-length", "5"))
            .peer_addr("203.0.113.9:5000".parse().unwrap())
            .set_payload("a=b&c")
            .to_request();
        let res = test::call_service(&app, req).await;

        assert_eq!(res.status(), 200);
        let cookies: Vec<_> = res.headers().get_all("set-cookie").collect();
        assert_eq!(cookies.len(), 2);
        assert!(res.headers().get("content-encoding").is_none());
        let seen: serde_json::Value = test::read_body_json(res).await;
        assert_eq!(seen["method"], "POST");
        assert_eq!(seen["path"], "/v1/client/sessions/x%3F/tokens");
        assert_eq!(seen["query"], "_clerk_js_version=6&a=%2F");
        assert_eq!(seen["body"], "a=b&c");
        let host = upstream.trim_start_matches("http://");
        assert_eq!(header_of(&seen, "host"), [host]);
        assert_eq!(header_of(&seen, "clerk-secret-key"), ["sk_test_proxy"]);
        assert_eq!(
            header_of(&seen, "clerk-proxy-url"),
            ["http://app.example/__clerk"]
        );
        assert_eq!(header_of(&seen, "x-forwarded-host"), ["app.example"]);
        assert_eq!(header_of(&seen, "x-forwarded-proto"), ["http"]);
        assert_eq!(header_of(&seen, "x-forwarded-for"), ["203.0.113.9"]);
        assert_eq!(header_of(&seen, "accept-encoding"), ["identity"]);
        assert_eq!(header_of(&seen, "content-length"), ["5"]);
        assert_eq!(header_of(&seen, "authorization"), Vec::<&str>::new());
        handle.stop(true).await;
    }

    #[actix_web::test]
    async fn a_location_on_the_upstream_comes_back_through_the_proxy() {
        let (upstream, handle) = upstream().await;
        let proxy = proxy_to(&upstream).allowed_origins(ORIGINS);
        let app = test::init_service(App::new().service(proxy.service())).await;

        let req = handshake(&upstream, "app.example").to_request();
        let res = test::call_service(&app, req).await;

        assert_eq!(res.status(), 302);
        assert_eq!(
            res.headers().get("location").unwrap(),
            "http://app.example/__clerk/sign-in?redirect_url=%2F"
        );
        handle.stop(true).await;
    }

    // Review finding 3: `Host: evil.example` became the `Clerk-Proxy-Url` sent with the secret key,
    // and the base of rewritten `Location`s.
    #[actix_web::test]
    async fn a_configured_public_url_is_sent_whatever_the_host() {
        let (upstream, handle) = upstream().await;
        let proxy = proxy_to(&upstream)
            .public_url("https://app.example/__clerk/")
            .unwrap()
            .allowed_origins(["http://evil.example"]);
        let app = test::init_service(App::new().service(proxy.service())).await;

        let req = test::TestRequest::get()
            .uri("/__clerk/v1/client")
            .insert_header(("host", "evil.example"))
            .to_request();
        let seen: serde_json::Value = test::read_body_json(test::call_service(&app, req).await).await;
        assert_eq!(
            header_of(&seen, "clerk-proxy-url"),
            ["https://app.example/__clerk"]
        );
        let req = handshake(&upstream, "evil.example").to_request();
        let res = test::call_service(&app, req).await;
        assert_eq!(
            res.headers().get("location").unwrap(),
            "https://app.example/__clerk/sign-in?redirect_url=%2F"
        );
        assert!(matches!(
            FrontendApiProxy::new("sk_test_proxy")
                .unwrap()
                .public_url("http://app.example/__clerk"),
            Err(ProxyError::InvalidProxyUrl)
        ));
        handle.stop(true).await;
    }

    #[actix_web::test]
    async fn without_a_public_url_only_the_apps_origins_are_forwarded() {
        let (upstream, handle) = upstream().await;
        let proxy = proxy_to(&upstream).allowed_origins(["HTTP://App.example/"]);
        let app = test::init_service(App::new().service(proxy.service())).await;
        let request = |host: &str| {
            test::TestRequest::get()
                .uri("/__clerk/v1/client")
                .insert_header(("host", host))
                .to_request()
        };

        let res = test::call_service(&app, request("evil.example")).await;
        assert_eq!(res.status(), 400);
        let json: serde_json::Value = test::read_body_json(res).await;
        assert_eq!(json["errors"][0]["code"], "proxy_host_untrusted");
        let seen: serde_json::Value =
            test::read_body_json(test::call_service(&app, request("app.example")).await).await;
        assert_eq!(
            header_of(&seen, "clerk-proxy-url"),
            ["http://app.example/__clerk"]
        );
        // No origin at all: nothing is forwarded.
        let none = proxy_to(&upstream);
        let app = test::init_service(App::new().service(none.service())).await;
        assert_eq!(
            test::call_service(&app, request("app.example")).await.status(),
            400
        );
        handle.stop(true).await;
    }

    // Review of issue 23: a key pasted with its line break was kept, and every proxied call was
    // refused upstream (or the header dropped) with nothing saying why.
    #[actix_web::test]
    async fn a_secret_key_with_whitespace_is_refused_at_build() {
        for key in ["sk_test_x\n", " sk_test_x", "sk_test_x\r\n", "sk_test_\tx"] {
            assert_eq!(
                FrontendApiProxy::new(key).map(|_| ()),
                Err(ProxyError::SecretKeyWhitespace),
                "{key:?}"
            );
        }
        assert_eq!(
            FrontendApiProxy::new(" \n").map(|_| ()),
            Err(ProxyError::MissingSecretKey)
        );
        assert!(FrontendApiProxy::new("sk_test_x").is_ok());
        let message = ProxyError::SecretKeyWhitespace.to_string();
        assert!(!message.contains("sk_"), "{message}");
    }

    #[actix_web::test]
    async fn errors_are_json_and_never_echo_the_secret_key() {
        // Nothing listens on port 9 of the loopback (discard): the upstream fails.
        let proxy = FrontendApiProxy::new("sk_test_do_not_echo")
            .unwrap()
            .upstream("http://127.0.0.1:9")
            .unwrap()
            .allowed_origins(ORIGINS)
            .max_request_body(4);
        let app = test::init_service(App::new().service(proxy.service())).await;

        for (req, status, code) in [
            (
                test::TestRequest::get().uri("/__clerk/v1/client"),
                502,
                "proxy_request_failed",
            ),
            (
                test::TestRequest::post()
                    .uri("/__clerk/v1/client/sign_ins")
                    .insert_header(("content-length", "5"))
                    .set_payload("12345"),
                413,
                "proxy_request_too_large",
            ),
            (
                test::TestRequest::get().uri("/__clerk/v1/%2e%2e/users"),
                400,
                "proxy_request_failed",
            ),
        ] {
            let res = test::call_service(&app, req.to_request()).await;
            assert_eq!(res.status(), status);
            assert_eq!(res.headers().get("cache-control").unwrap(), "no-store");
            let body = test::read_body(res).await;
            let text = String::from_utf8_lossy(&body);
            assert!(!text.contains("sk_test"), "{text}");
            let json: serde_json::Value = serde_json::from_slice(&body).unwrap();
            assert_eq!(json["errors"][0]["code"], code);
        }
        assert!(!format!("{proxy:?}").contains("sk_test"));
    }

    #[actix_web::test]
    async fn a_trusted_proxys_forwarded_headers_are_believed() {
        let (upstream, handle) = upstream().await;
        let proxy = proxy_to(&upstream)
            .allowed_origins(ORIGINS)
            .trusted_proxies(["10.0.0.1".parse().unwrap()]);
        let app = test::init_service(App::new().service(proxy.service())).await;
        let forwarded = |peer: &str| {
            test::TestRequest::get()
                .uri("/__clerk/v1/client")
                .insert_header(("host", "internal:8080"))
                .insert_header(("x-forwarded-host", "app.example"))
                .insert_header(("x-forwarded-proto", "https"))
                .insert_header(("x-forwarded-for", "198.51.100.7, 10.0.0.1"))
                .peer_addr(peer.parse().unwrap())
                .to_request()
        };

        let trusted: serde_json::Value =
            test::read_body_json(test::call_service(&app, forwarded("10.0.0.1:4000")).await).await;
        let untrusted: serde_json::Value =
            test::read_body_json(test::call_service(&app, forwarded("203.0.113.5:4000")).await).await;

        assert_eq!(
            header_of(&trusted, "clerk-proxy-url"),
            ["https://app.example/__clerk"]
        );
        assert_eq!(header_of(&trusted, "x-forwarded-host"), ["app.example"]);
        assert_eq!(header_of(&trusted, "x-forwarded-proto"), ["https"]);
        assert_eq!(header_of(&trusted, "x-forwarded-for"), ["198.51.100.7"]);
        assert_eq!(
            header_of(&untrusted, "clerk-proxy-url"),
            ["http://internal:8080/__clerk"]
        );
        assert_eq!(header_of(&untrusted, "x-forwarded-host"), ["internal:8080"]);
        assert_eq!(header_of(&untrusted, "x-forwarded-proto"), ["http"]);
        assert_eq!(header_of(&untrusted, "x-forwarded-for"), ["203.0.113.5"]);
        handle.stop(true).await;
    }

    #[actix_web::test]
    async fn bodies_are_bounded_both_ways() {
        let (upstream, handle) = upstream().await;
        let proxy = proxy_to(&upstream)
            .allowed_origins(ORIGINS)
            .max_request_body(8)
            .max_response_body(4096);
        let app = test::init_service(App::new().service(proxy.service())).await;

        // A chunked request body (no Content-Length) is cut off past the limit: 413.
        let chunked = test::TestRequest::post()
            .uri("/__clerk/v1/client/sign_ins")
            .insert_header(("transfer-encoding", "chunked"))
            .set_payload("0123456789abcdef")
            .to_request();
        let res = test::call_service(&app, chunked).await;
        assert_eq!(res.status(), 413);
        // Within the limit it goes through.
        let small = test::TestRequest::post()
            .uri("/__clerk/v1/client/sign_ins")
            .insert_header(("transfer-encoding", "chunked"))
            .set_payload("0123")
            .to_request();
        let seen: serde_json::Value = test::read_body_json(test::call_service(&app, small).await).await;
        assert_eq!(seen["body"], "0123", "{seen}");
        // An answer announced larger than the limit: 502, in Clerk's error shape.
        let big = test::TestRequest::get().uri("/__clerk/big").to_request();
        let res = test::call_service(&app, big).await;
        assert_eq!(res.status(), 502);
        // An answer streamed without a length is cut off past the limit.
        let stream = test::TestRequest::get().uri("/__clerk/stream").to_request();
        let res = test::call_service(&app, stream).await;
        assert_eq!(res.status(), 200);
        assert!(actix_web::body::to_bytes(res.into_body()).await.is_err());
        handle.stop(true).await;
    }

    // Review of issue 23: a stalled answer body held the browser and the worker for ever (the
    // timeout covered only the answer's headers).
    #[actix_web::test]
    async fn a_stalled_answer_is_cut_off() {
        let (upstream, handle) = upstream().await;
        let proxy = proxy_to(&upstream)
            .allowed_origins(ORIGINS)
            .idle_timeout(Duration::from_millis(300));
        let app = test::init_service(App::new().service(proxy.service())).await;

        let req = test::TestRequest::get().uri("/__clerk/stall").to_request();
        let res = test::call_service(&app, req).await;
        assert_eq!(res.status(), 200);
        let body = tokio::time::timeout(
            Duration::from_secs(10),
            actix_web::body::to_bytes(res.into_body()),
        )
        .await
        .expect("the stalled answer is cut off, not waited on for ever");
        assert!(body.is_err(), "{body:?}");
        handle.stop(false).await;
    }
}
