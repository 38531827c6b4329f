//! Placeholder: filled by its issue.

pub mod client;

pub use client::{
    ApiError, ApiObserver, ApiResult, ApiShared, AttemptEvent, AttemptOutcome, BackendApi, ClientConfig,
    EndpointCount, JwksClient, MetricsSnapshot, UserListParams, CLERK_API_VERSION, DEFAULT_API_URL,
};
