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
//! | `session_backend` | [`ClerkClient`] as clerk-core's [`SessionBackend`](clerk_core::request::SessionBackend): handshake payloads and session refresh |
//! | `users` | the request bodies of the users resource: [`CreateUser`], [`UpdateUser`] |
//! | `organizations` | `/v1/organizations`: [`CreateOrganization`], [`UpdateOrganization`], [`OrganizationListParams`] and their calls |
//! | `memberships` | organization memberships: [`CreateMembership`], [`MembershipListParams`] and their calls |
//! | `org_invitations` | organization invitations: [`OrganizationInvitation`], [`CreateOrganizationInvitation`], [`OrganizationInvitationListParams`] and their calls |
//! | `paginated` | [`PaginatedList`], the `{data, total_count}` page |
//! | `redacted` (private) | how request bodies show a secret field in `Debug` |
//! | `error`, `metrics`, `params` | [`ApiError`], [`MetricsSnapshot`] and the observer hook, [`UserListParams`] |

mod budget;
mod clerk_client;
mod config;
mod error;
mod jwks;
mod memberships;
mod metrics;
mod org_invitations;
mod organizations;
mod paginated;
mod params;
mod redacted;
mod retry;
mod session_backend;
mod users;

pub use budget::{RateBudgetSnapshot, RateLimit, Share};
pub use clerk_client::ClerkClient;
pub use config::{ClientConfig, API_VERSION_HEADER, DEFAULT_API_URL, DEFAULT_API_VERSION};
pub use error::{ApiError, ApiResult};
pub use memberships::{CreateMembership, MembershipListParams};
pub use metrics::{ApiObserver, AttemptEvent, AttemptOutcome, EndpointCount, MetricsSnapshot};
pub use org_invitations::{
    CreateOrganizationInvitation, InvitationStatus, OrganizationInvitation, OrganizationInvitationListParams,
};
pub use organizations::{CreateOrganization, OrganizationListParams, UpdateOrganization};
pub use paginated::PaginatedList;
pub use params::UserListParams;
pub use retry::MAX_RETRY_AFTER;
pub use users::{CreateUser, UpdateUser};

pub(crate) use jwks::RevalidatingKeys;
