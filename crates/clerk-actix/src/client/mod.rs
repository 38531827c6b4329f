//! A Clerk Backend API client on awc, with timeouts, retries within a shared budget, typed
//! errors and call metrics.
//!
//! Build an [`ApiShared`] once per Clerk instance, share it between workers in an [`Arc`], and
//! get a per-thread [`BackendApi`] with [`BackendApi::current`]. [`BackendApi::jwks_fetcher`]
//! plugs the client into `clerk_core`'s JWKS cache.
//!
//! [`Arc`]: std::sync::Arc

mod api;
mod config;
mod error;
mod jwks;
mod metrics;
mod params;
mod retry;

pub use api::{ApiShared, BackendApi};
pub use config::{ClientConfig, CLERK_API_VERSION, DEFAULT_API_URL};
pub use error::{ApiError, ApiResult};
pub use jwks::JwksClient;
pub use metrics::{ApiObserver, AttemptEvent, AttemptOutcome, EndpointCount, MetricsSnapshot};
pub use params::UserListParams;
pub use retry::MAX_RETRY_AFTER;
