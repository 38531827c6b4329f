//! Clerk's request-level authentication (`authenticateRequest`), framework-free.
//!
//! A web framework adapter (clerk-actix) turns its request into [`RequestParts`] (headers through
//! [`HeaderLookup`], the cookies parsed once into [`Cookies`], the query, the request's own
//! [`RequestOrigin`] and "now"), runs [`RequestAuthenticator::authenticate`] with a key source,
//! and maps the [`RequestOutcome`] (status, [`crate::Auth`], [`RequestReason`], the headers the
//! response must carry) onto its response.
//!
//! | module | what |
//! |---|---|
//! | `auth_outcome` | [`RequestAuthenticator::authenticate_request`], the one entry point (`acceptsToken` included): [`AuthOutcome`], [`RequestMemo`] |
//! | `authenticator` | [`RequestAuthenticator`]: the instance's settings and caches, the flow's entry |
//! | `facts` | the request read once: header token, headers, Clerk's query parameters and cookies |
//! | `cookie_choice` | `usesSuffixedCookies`: which cookie set a request is read with |
//! | `cookie_flow` | the cookie path's decisions, in Clerk's order |
//! | `failure` | what a failed verification or a handshake reason becomes |
//! | `verified` | a session token's verification with the verified-token cache |
//! | `authorization` | [`authorization_token`]: the `Authorization` header's token, for every path |
//! | `handshake` | handshake eligibility, the Frontend API URL, the redirect-loop guard |
//! | `resolve` | resolving a handshake (nonce or token) into cookies and a session |
//! | `refresh` | refreshing an expired session through the Backend API |
//! | `backend` | [`SessionBackend`] and [`MachineBackend`]: the Backend API calls the flow makes |
//! | `domain` | [`MultiDomain`]: proxy URL, domain, satellites, sign-in URL |
//! | `app_origins` | [`AppOrigins`]: where a sync may redirect, whose proxy issuer is believed |
//! | `client` | [`client_ip`]: the client's address by the trusted-proxy rule |
//! | `foreign` | the digests of tokens found not to be session tokens |
//! | `call_guard` | made-up nonces and refreshes refused before they cost a Backend API call |
//! | `org_sync` | [`OrganizationSync`]: organization URL patterns |
//! | `parts` | [`RequestParts`], [`HeaderLookup`], [`RequestOrigin`] (trusted-proxy rule) |
//! | `cookies` | [`Cookies`]: the `Cookie` header as Clerk's `cookie` package parses it |
//! | `outcome` | [`RequestOutcome`], [`RequestStatus`], [`Token`], debug header names |
//! | `page` | [`is_page_request`]: Clerk's page-request test of `protect` |
//! | `origin` | known Clerk origins (Frontend API, Account Portal, development hosts) |
//! | `names` | Clerk's credential query parameter names and the dev-browser cookie name |
//! | `sign_in` | [`RequestAuthenticator::sign_in_redirect`]: Clerk's sign-in redirect URL |
//! | `js` | JavaScript's number and truthiness coercions Clerk's rules rely on |

mod app_origins;
mod auth_outcome;
mod authenticator;
mod authorization;
mod backend;
mod call_guard;
mod client;
mod cookie_choice;
mod cookie_flow;
mod cookies;
mod domain;
mod facts;
mod failure;
mod foreign;
mod handshake;
pub(crate) mod js;
pub mod names;
mod org_sync;
mod origin;
mod outcome;
mod page;
mod parts;
mod refresh;
mod resolve;
mod sign_in;
mod verified;

pub use crate::reason::{RefreshCode, RefreshFailure, RequestReason};
pub use app_origins::AppOrigins;
pub use auth_outcome::{AuthOutcome, RequestMemo};
pub use authenticator::RequestAuthenticator;
pub use authorization::authorization_token;
pub use backend::{
    BackendError, MachineBackend, MachineBackendError, NoBackend, RefreshRequest, SessionBackend,
};
pub use call_guard::CallGuardStats;
pub use client::client_ip;
pub use cookies::Cookies;
pub use domain::{MultiDomain, MultiDomainError};
pub use org_sync::{OrganizationSync, PatternError};
pub use outcome::{
    header_bytes, RequestOutcome, RequestStatus, Token, TokenCheck, HEADER_AUTH_MESSAGE, HEADER_AUTH_REASON,
    HEADER_AUTH_STATUS, HEADER_REDIRECT_TO,
};
pub use page::is_page_request;
pub use parts::{HeaderLookup, RequestOrigin, RequestParts};
pub use sign_in::{account_portal_sign_in, sign_up_target, ReturnBackUrl};
