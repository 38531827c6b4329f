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
//! | `authenticator` | [`RequestAuthenticator`]: token sources, cookie rules, reasons, the flow |
//! | `authorization` | [`authorization_token`]: the `Authorization` header's token, for every path |
//! | `handshake` | handshake eligibility, the Frontend API URL, the redirect-loop guard |
//! | `resolve` | resolving a handshake (nonce or token) into cookies and a session |
//! | `refresh` | refreshing an expired session through the Backend API |
//! | `backend` | [`SessionBackend`] and [`MachineBackend`]: the Backend API calls the flow makes |
//! | `domain` | [`MultiDomain`]: proxy URL, domain, satellites, sign-in URL |
//! | `app_origins` | [`AppOrigins`]: where a sync may redirect, whose proxy issuer is believed |
//! | `foreign` | the digests of tokens found not to be session tokens |
//! | `call_guard` | made-up nonces and refreshes refused before they cost a Backend API call |
//! | `org_sync` | [`OrganizationSync`]: organization URL patterns |
//! | `parts` | [`RequestParts`], [`HeaderLookup`], [`RequestOrigin`] (trusted-proxy rule) |
//! | `cookies` | [`Cookies`]: the `Cookie` header as Clerk's `cookie` package parses it |
//! | `outcome` | [`RequestOutcome`], [`RequestStatus`], [`Token`], debug header names |
//! | `origin` | known Clerk origins (Frontend API, Account Portal, development hosts) |
//! | `names` | Clerk's credential query parameter names and the dev-browser cookie name |
//! | `sign_in` | [`RequestAuthenticator::sign_in_redirect`]: Clerk's sign-in redirect URL |
//! | `js` | JavaScript's number and truthiness coercions Clerk's rules rely on |

mod app_origins;
mod authenticator;
mod authorization;
mod backend;
mod call_guard;
mod cookies;
mod domain;
mod foreign;
mod handshake;
mod js;
pub mod names;
mod org_sync;
mod origin;
mod outcome;
mod parts;
mod refresh;
mod resolve;
mod sign_in;

pub use crate::reason::{RefreshCode, RefreshFailure, RequestReason};
pub use app_origins::AppOrigins;
pub use authenticator::RequestAuthenticator;
pub use authorization::authorization_token;
pub use backend::{
    BackendError, MachineBackend, MachineBackendError, NoBackend, RefreshRequest, SessionBackend,
};
pub use call_guard::CallGuardStats;
pub use cookies::Cookies;
pub use domain::{MultiDomain, MultiDomainError};
pub use org_sync::{OrganizationSync, PatternError};
pub use outcome::{
    RequestOutcome, RequestStatus, Token, HEADER_AUTH_MESSAGE, HEADER_AUTH_REASON, HEADER_AUTH_STATUS,
};
pub use parts::{HeaderLookup, RequestOrigin, RequestParts};
pub use sign_in::{sign_up_target, ReturnBackUrl};
