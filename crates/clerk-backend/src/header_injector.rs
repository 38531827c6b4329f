//! [`HeaderInjector`]: a hook adding headers to every HTTP attempt, e.g. W3C trace context.

use awc::http::header::HeaderMap;

/// Adds headers to each HTTP attempt of a [`ClerkClient`](super::ClerkClient), such as W3C
/// trace context (`traceparent`, `tracestate`) for distributed tracing; set it with
/// [`ClientConfig::header_injector`](super::ClientConfig::header_injector).
///
/// It is called once per attempt (a retry gets fresh headers), inside the attempt's `tracing`
/// span (`clerk.api.attempt`), before the client's own headers are set: it cannot replace
/// `Authorization`, `Clerk-API-Version`, `User-Agent`, `Accept` or `Content-Type`. It runs on
/// the worker thread, inline: keep it cheap and non-blocking.
///
/// ```
/// use std::sync::Arc;
/// use clerk_backend::{ClientConfig, HeaderInjector};
/// use awc::http::header::{HeaderMap, HeaderName, HeaderValue};
///
/// struct Tenant;
///
/// impl HeaderInjector for Tenant {
///     fn inject(&self, headers: &mut HeaderMap) {
///         headers.insert(HeaderName::from_static("x-tenant"), HeaderValue::from_static("acme"));
///     }
/// }
///
/// let config = ClientConfig::new().header_injector(Arc::new(Tenant));
/// # drop(config);
/// ```
pub trait HeaderInjector: Send + Sync {
    /// Adds this attempt's headers to `headers`.
    fn inject(&self, headers: &mut HeaderMap);
}
