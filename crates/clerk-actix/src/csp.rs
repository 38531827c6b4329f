//! `clerkMiddleware({ contentSecurityPolicy })` for Actix-web: [`ClerkCsp`] sets the Content
//! Security Policy Clerk's browser SDK needs on every answer (one header, the policy of
//! [`clerk_core::csp`]), and in strict mode draws a nonce per request that handlers take with the
//! [`CspNonce`] extractor and put on their `<script>` tags.

use std::future::{ready, Ready};
use std::rc::Rc;
use std::sync::Arc;

use actix_web::dev::{forward_ready, Payload, Service, ServiceRequest, ServiceResponse, Transform};
use actix_web::http::header::{HeaderName, HeaderValue, InvalidHeaderValue};
use actix_web::{FromRequest, HttpMessage, HttpRequest};
use clerk_core::csp::{ClerkHosts, CompiledCsp, CspHeaders, CspOptions, Nonce, REPORTING_ENDPOINTS};
use futures_util::future::LocalBoxFuture;
use rand::RngCore as _;

use crate::Clerk;

/// Sets `Content-Security-Policy` (or `…-Report-Only`, and `Reporting-Endpoints` with a
/// `report-to` URL) on every answer, replacing one a handler set, as Clerk's middleware does:
/// Clerk's directives for the configured instance ([`CspOptions`]), the proxy URL's origin when
/// the proxy is on another origin, and the application's directives. In strict mode each request
/// gets a fresh nonce (16 bytes from a CSPRNG seeded by the operating system, base64), in `script-src` and
/// in [`CspNonce`]. Answers under a relative proxy path (`/__clerk`) are the Frontend API's and
/// keep their own headers.
///
/// ```no_run
/// use actix_web::{web, App, HttpResponse};
/// use clerk_actix::clerk_core::csp::CspOptions;
/// use clerk_actix::{Clerk, ClerkCsp, CspNonce};
///
/// fn app(clerk: Clerk) -> App<impl actix_web::dev::ServiceFactory<
///     actix_web::dev::ServiceRequest, Config = (), Error = actix_web::Error, InitError = (),
///     Response = actix_web::dev::ServiceResponse<impl actix_web::body::MessageBody>>> {
///     let options = CspOptions::new().strict(true).directive("frame-ancestors", ["none"]);
///     let csp = ClerkCsp::new(clerk, options).expect("a valid policy");
///     App::new()
///         .route("/", web::get().to(|nonce: CspNonce| async move {
///             HttpResponse::Ok().body(format!("<script nonce=\"{}\" src=\"/app.js\"></script>", nonce.as_str()))
///         }))
///         .wrap(csp)
/// }
/// ```
#[derive(Clone, Debug)]
pub struct ClerkCsp {
    clerk: Clerk,
    options: Arc<CspOptions>,
    /// The policy built once, when the request cannot change it (no proxy URL whose origin is
    /// compared with the page's).
    compiled: Option<Arc<Compiled>>,
}

/// A policy built once, its header values checked once.
#[derive(Debug)]
struct Compiled {
    policy: CompiledCsp,
    reporting_endpoints: Option<HeaderValue>,
}

impl ClerkCsp {
    /// The policy of `options` for `clerk`'s instance.
    ///
    /// # Errors
    ///
    /// When the policy is no valid header value (a directive or the publishable key's host with
    /// a control character).
    pub fn new(clerk: Clerk, options: CspOptions) -> Result<Self, InvalidHeaderValue> {
        let mut csp = Self {
            clerk,
            options: Arc::new(options),
            compiled: None,
        };
        let sample = csp.headers(None, Some(&Nonce::from_bytes([0; 16])));
        HeaderValue::from_str(&sample.value)?;
        let reporting_endpoints = sample
            .reporting_endpoints
            .as_deref()
            .map(HeaderValue::from_str)
            .transpose()?;
        let config = csp.clerk.config();
        if config.multi_domain().proxy().is_none() {
            let hosts = ClerkHosts::new(config.publishable_key().map(|key| key.frontend_api()));
            csp.compiled = Some(Arc::new(Compiled {
                policy: csp.options.compile(&hosts),
                reporting_endpoints,
            }));
        }
        Ok(csp)
    }

    /// The headers for a page on `origin`.
    fn headers(&self, origin: Option<&str>, nonce: Option<&Nonce>) -> CspHeaders {
        let config = self.clerk.config();
        let mut hosts = ClerkHosts::new(config.publishable_key().map(|key| key.frontend_api()));
        if let (Some(proxy), Some(origin)) = (config.multi_domain().proxy(), origin) {
            hosts = hosts.proxy(proxy, origin);
        }
        self.options.headers(&hosts, nonce)
    }
}

impl<S, B> Transform<S, ServiceRequest> for ClerkCsp
where
    S: Service<ServiceRequest, Response = ServiceResponse<B>, Error = actix_web::Error> + 'static,
    B: 'static,
{
    type Response = ServiceResponse<B>;
    type Error = actix_web::Error;
    type Transform = ClerkCspService<S>;
    type InitError = ();
    type Future = Ready<Result<Self::Transform, Self::InitError>>;

    fn new_transform(&self, service: S) -> Self::Future {
        ready(Ok(ClerkCspService {
            service: Rc::new(service),
            csp: self.clone(),
        }))
    }
}

/// The service [`ClerkCsp`] wraps around the app.
pub struct ClerkCspService<S> {
    service: Rc<S>,
    csp: ClerkCsp,
}

impl<S, B> Service<ServiceRequest> for ClerkCspService<S>
where
    S: Service<ServiceRequest, Response = ServiceResponse<B>, Error = actix_web::Error> + 'static,
    B: 'static,
{
    type Response = ServiceResponse<B>;
    type Error = actix_web::Error;
    type Future = LocalBoxFuture<'static, Result<Self::Response, Self::Error>>;

    forward_ready!(service);

    fn call(&self, req: ServiceRequest) -> Self::Future {
        let service = Rc::clone(&self.service);
        let csp = self.csp.clone();
        Box::pin(async move {
            let proxied = csp
                .clerk
                .config()
                .multi_domain()
                .relative_proxy_path()
                .is_some_and(|prefix| crate::middleware::under(req.path(), prefix));
            if proxied {
                return service.call(req).await;
            }
            let nonce = if csp.options.is_strict() {
                let nonce = draw_nonce();
                req.extensions_mut().insert(CspNonce(nonce.clone()));
                Some(nonce)
            } else {
                None
            };
            let (value, reporting_endpoints) = match &csp.compiled {
                Some(compiled) => (
                    compiled.policy.headers(nonce.as_ref()),
                    compiled.reporting_endpoints.clone(),
                ),
                None => {
                    let origin = csp.clerk.request_origin(req.request());
                    let headers = csp.headers(Some(&origin), nonce.as_ref());
                    let endpoints = headers
                        .reporting_endpoints
                        .as_deref()
                        .map(HeaderValue::from_str)
                        .transpose()
                        .map_err(actix_web::error::ErrorInternalServerError)?;
                    (headers, endpoints)
                }
            };
            let mut response = service.call(req).await?;
            let map = response.headers_mut();
            map.insert(
                HeaderName::from_static(value.name.as_str()),
                HeaderValue::try_from(value.value).map_err(actix_web::error::ErrorInternalServerError)?,
            );
            if let Some(endpoints) = reporting_endpoints {
                map.insert(HeaderName::from_static(REPORTING_ENDPOINTS), endpoints);
            }
            Ok(response)
        })
    }
}

/// 16 bytes from `rand`'s thread-local CSPRNG (ChaCha, seeded and periodically reseeded from
/// the operating system): unpredictable as the operating system's own, without a system call
/// per request.
fn draw_nonce() -> Nonce {
    let mut bytes = [0u8; 16];
    rand::thread_rng().fill_bytes(&mut bytes);
    Nonce::from_bytes(bytes)
}

/// The request's CSP nonce (Clerk's `x-nonce`), for `<script nonce="…">`: set by [`ClerkCsp`] in
/// strict mode. Extracting it without a strict [`ClerkCsp`] around the route is a server error
/// (500); take `Option<CspNonce>` where the policy is optional.
#[derive(Clone, Debug)]
pub struct CspNonce(Nonce);

impl CspNonce {
    /// The nonce, base64 (HTML-attribute safe).
    pub fn as_str(&self) -> &str {
        self.0.as_str()
    }
}

impl FromRequest for CspNonce {
    type Error = actix_web::Error;
    type Future = Ready<Result<Self, Self::Error>>;

    fn from_request(req: &HttpRequest, _payload: &mut Payload) -> Self::Future {
        ready(req.extensions().get::<CspNonce>().cloned().ok_or_else(|| {
            actix_web::error::ErrorInternalServerError("no CSP nonce: wrap the route in a strict ClerkCsp")
        }))
    }
}
