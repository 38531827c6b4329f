//! The Clerk Backend API client: [`ClerkClient`], one `Clone + Send + Sync` handle with
//! timeouts, retries within a retry budget, a per-instance rate budget with named [`Share`]s,
//! typed errors and call metrics. It is also the fetcher of `clerk_core`'s JWKS cache.
//!
//! | module file | what |
//! |---|---|
//! | `clerk_client` | [`ClerkClient`]: per-thread awc clients, the retry loop, the typed calls |
//! | `config` | [`ClientConfig`]: every setting, its default and its validation |
//! | `budget` | the rate budget: [`RateLimit`], [`Share`] |
//! | `retry` | the retry budget, backoff and `Retry-After` |
//! | `jwks` | [`ClerkClient`] as a [`JwksFetcher`](clerk_core::jwks::JwksFetcher); the stale-while-revalidate keys of a [`Clerk`](crate::Clerk) |
//! | `machine` | API keys and M2M tokens: [`CreateApiKey`], [`CreateM2mToken`] and their answers |
//! | `session_backend` | [`ClerkClient`] as clerk-core's [`SessionBackend`](clerk_core::request::SessionBackend): handshake payloads and session refresh |
//! | `users` | the request bodies of the users resource: [`CreateUser`], [`UpdateUser`] |
//! | `error`, `metrics`, `params` | [`ApiError`], [`MetricsSnapshot`] and the observer hook, [`UserListParams`] |

mod budget;
mod clerk_client;
mod config;
mod error;
mod jwks;
mod machine;
mod metrics;
mod params;
mod retry;
mod session_backend;
mod users;

pub use budget::{RateBudgetSnapshot, RateLimit, Share};
pub use clerk_client::ClerkClient;
pub use config::{ClientConfig, API_VERSION_HEADER, DEFAULT_API_URL, DEFAULT_API_VERSION};
pub use error::{ApiError, ApiResult};
pub use machine::{
    ApiKeyList, CreateApiKey, CreateM2mToken, M2mTokenFormat, M2mTokenList, NewApiKey, NewM2mToken,
};
pub use metrics::{ApiObserver, AttemptEvent, AttemptOutcome, EndpointCount, MetricsSnapshot};
pub use params::UserListParams;
pub use retry::MAX_RETRY_AFTER;
pub use users::{CreateUser, UpdateUser};

pub(crate) use jwks::RevalidatingKeys;
