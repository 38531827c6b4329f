//! The Clerk Backend API client: [`ClerkClient`], one `Clone + Send + Sync` handle with
//! timeouts, retries within a retry budget, a per-instance rate budget with named [`Share`]s,
//! typed errors and call metrics. It is also the fetcher of `clerk_core`'s JWKS cache.
//!
//! A crate of its own so that a worker or a CLI can call Clerk's Backend API without the
//! Actix-web middleware: it depends on `clerk-core` (Clerk's rules) and awc only. `clerk-actix`
//! depends on it and re-exports it as `clerk_actix::client` (dependency direction:
//! clerk-core ← clerk-backend ← clerk-actix ← your app).
//!
//! | module file | what |
//! |---|---|
//! | `clerk_client` | [`ClerkClient`]: per-thread awc clients, the retry loop, the typed calls |
//! | `config` | [`ClientConfig`]: every setting, its default and its validation |
//! | `budget` | the rate budget: [`RateLimit`], [`Share`] |
//! | `retry` | the retry budget, backoff and `Retry-After` |
//! | `jwks_cache` | [`ClerkClient`] as a [`JwksFetcher`](clerk_core::jwks::JwksFetcher); the stale-while-revalidate keys of a clerk-actix `Clerk` |
//! | `machine` | API keys and M2M tokens: [`CreateApiKey`], [`CreateM2mToken`] and their answers; the M2M token calls on `m2m()` (with the machine secret key) |
//! | `machine_verify` | the machine-token verifications: `api_keys().verify`, `m2m().verify_token`, `oauth_access_tokens().verify` |
//! | `jwks_calls` | [`Jwks::get`](jwks::Jwks::get): the instance's signing keys, parsed by clerk-core |
//! | `machine_backend` | [`ClerkClient`] as clerk-core's [`MachineBackend`](clerk_core::request::MachineBackend): the machine-token verify calls on the machine-token share |
//! | `session_backend` | [`ClerkClient`] as clerk-core's [`SessionBackend`](clerk_core::request::SessionBackend): handshake payloads and session refresh |
//! | `user_calls` | the request bodies of the users resource, taken by the generated `users().create`/`update`: [`CreateUser`], [`UpdateUser`] |
//! | `user_list` | [`Users::list_stream`](users::Users::list_stream): every user matching a filter (Clerk's cursor) |
//! | `password` | [`Users::verify_password`](users::Users::verify_password): a wrong password is `Ok(false)` |
//! | `oauth_tokens` | a user's OAuth access tokens for a provider: [`OAuthAccessToken`], [`Users::list_oauth_access_tokens`](users::Users::list_oauth_access_tokens) |
//! | `session_calls` | [`SessionListParams`] (taken by the generated `sessions().list`), the session-token calls on `sessions()` (they answer the JWT), [`SessionTokenOptions`] |
//! | `session_refresh` | [`Sessions::refresh`](sessions::Sessions::refresh): Clerk's request flow refreshes a session |
//! | `handshake` | [`Clients::handshake_payload`](clients::Clients::handshake_payload): the handshake's cookie directives |
//! | `invitation_calls` | application invitations: [`CreateInvitation`], [`InvitationListParams`] (of the generated `invitations()`, which answer clerk-core's [`models::Invitation`]) |
//! | `sign_in_token_calls` | sign-in tokens: [`SignInToken`], [`CreateSignInToken`], [`TicketStatus`] (of the generated `sign_in_tokens()`) |
//! | `actor_token_calls` | impersonation: [`ActorToken`], [`CreateActorToken`] (of the generated `actor_tokens()`) |
//! | `domain_calls` | [`Domain::frontend_api_host`](models::Domain::frontend_api_host) on the generated model of `domains().list` |
//! | `identifier_lists` | the allow-list and block-list entries: [`ListedIdentifier`], [`IdentifierType`] (of the generated `allowlist_identifiers()`, `blocklist_identifiers()`) |
//! | `paging` | [`Page`], [`Paged`] (a lazy stream over every page) |
//! | `request` | [`ClerkClient::request`]: the escape hatch for an endpoint without a typed call |
//! | `organization_calls` | `/v1/organizations`: [`CreateOrganization`], [`UpdateOrganization`], [`OrganizationListParams`] (of the generated `organizations()`) |
//! | `memberships` | organization memberships: [`CreateMembership`], [`MembershipListParams`] (of the generated `organization_memberships()`) |
//! | `org_invitations` | organization invitations: [`CreateOrganizationInvitation`], [`OrganizationInvitationListParams`] (of the generated `organization_invitations()`, which answer clerk-core's [`models::OrganizationInvitation`]) |
//! | `redacted` (private) | how request bodies show a secret field in `Debug` |
//! | [`operations`] | the operation table: every operation of Clerk's spec with our name, `@clerk/backend`'s, its retry rule and budget share ([`operations::OPERATIONS`], generated) |
//! | `operation_call` | `ClerkClient::operation`: the one request path of every generated call, driven by its table row |
//! | `generated` | what `cargo xtask codegen` writes from the spec (do not edit): the operation table and the generated groups of calls, re-exported here: [`models`] (one type per Clerk object) and one module per group ([`email_addresses`], [`phone_numbers`], [`organization_roles`], [`organization_permissions`], [`redirect_urls`], [`testing_tokens`], [`proxy_checks`], [`agent_tasks`], [`webhooks`]) |
//! | `env` (hidden) | [`ConfigError`] and the parsers of Clerk's environment variables, shared with clerk-actix |
//! | `header_injector` | [`HeaderInjector`]: headers added to every attempt (W3C trace context) |
//! | `error`, `metrics`, `params` | [`ApiError`], [`MetricsSnapshot`] and the observer hook, [`UserListParams`] |

#![forbid(unsafe_code)]
#![deny(missing_docs)]

mod actor_token_calls;
mod budget;
mod clerk_client;
mod config;
mod domain_calls;
/// Not a stable API: the seam clerk-actix reads its settings through ([`ConfigError`] is
/// re-exported at the root).
#[doc(hidden)]
pub mod env;
mod error;
mod generated;
mod handshake;
mod header_injector;
mod identifier_lists;
mod invitation_calls;
mod jwks_cache;
mod jwks_calls;
mod machine;
mod machine_backend;
mod machine_verify;
mod memberships;
mod metrics;
mod oauth_tokens;
mod operation_call;
pub mod operations;
mod org_invitations;
mod organization_calls;
mod paging;
mod params;
mod password;
mod payload;
mod redacted;
mod request;
mod retry;
mod session_backend;
mod session_calls;
mod session_refresh;
mod sign_in_token_calls;
mod upload;
mod user_calls;
mod user_list;

pub use actor_token_calls::{ActorToken, CreateActorToken};
pub use budget::{RateBudgetSnapshot, RateLimit, Share};
pub use clerk_client::ClerkClient;
/// The state of an invitation ([`models::Invitation`], [`models::OrganizationInvitation`]) and
/// the `status` filter of their lists: clerk-core's enum, the webhooks' too.
pub use clerk_core::webhook::InvitationStatus;
pub use config::{ClientConfig, API_VERSION_HEADER, DEFAULT_API_URL, DEFAULT_API_VERSION};
pub use env::ConfigError;
pub use error::{ApiError, ApiResult};
pub use generated::*;
pub use header_injector::HeaderInjector;
pub use identifier_lists::{IdentifierType, ListedIdentifier};
pub use invitation_calls::{CreateInvitation, InvitationListParams};
pub use machine::{
    ApiKeyList, CreateApiKey, CreateM2mToken, M2mTokenFormat, M2mTokenList, NewApiKey, NewM2mToken,
};
pub use memberships::{CreateMembership, MembershipListParams};
pub use metrics::{ApiObserver, AttemptEvent, AttemptOutcome, EndpointCount, MetricsSnapshot};
pub use oauth_tokens::OAuthAccessToken;
pub use org_invitations::{CreateOrganizationInvitation, OrganizationInvitationListParams};
pub use organization_calls::{CreateOrganization, OrganizationListParams, UpdateOrganization};
pub use paging::{Page, Paged, DEFAULT_PAGE_SIZE};
pub use params::UserListParams;
pub(crate) use payload::{FormField, Payload};
pub use retry::MAX_RETRY_AFTER;
pub use session_calls::{SessionListParams, SessionTokenOptions};
pub use sign_in_token_calls::{CreateSignInToken, SignInToken, TicketStatus};
pub use upload::Upload;
pub use user_calls::{CreateUser, UpdateUser};

#[doc(hidden)]
pub use jwks_cache::RevalidatingKeys;

#[cfg(test)]
mod tests {
    /// Issue 25, review low (c): the only visible module is the operation table; the settings
    /// seam clerk-actix reads through (`env`) is hidden, as every other `pub mod` must be.
    #[test]
    fn only_the_operation_table_is_a_visible_module() {
        let lines: Vec<&str> = include_str!("lib.rs").lines().collect();
        for (at, line) in lines.iter().enumerate() {
            let Some(name) = line.strip_prefix("pub mod ") else {
                continue;
            };
            let hidden = lines[..at]
                .iter()
                .rev()
                .take_while(|above| above.starts_with("///") || above.starts_with("#["))
                .any(|above| above.trim() == "#[doc(hidden)]");
            assert!(name == "operations;" || hidden, "{line} is public and documented");
        }
    }
}
