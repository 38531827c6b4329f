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
//! | `authenticator` | [`RequestAuthenticator`]: token sources, cookie rules, reasons |
//! | `parts` | [`RequestParts`], [`HeaderLookup`], [`RequestOrigin`] (trusted-proxy rule) |
//! | `cookies` | [`Cookies`]: the `Cookie` header as Clerk's `cookie` package parses it |
//! | `outcome` | [`RequestOutcome`], [`RequestStatus`], [`Token`], debug header names |
//! | `origin` | known Clerk origins (Frontend API, Account Portal, development hosts) |
//! | `js` | JavaScript's number and truthiness coercions Clerk's rules rely on |

mod authenticator;
mod cookies;
mod js;
mod origin;
mod outcome;
mod parts;

pub use crate::reason::{RefreshFailure, RequestReason};
pub use authenticator::RequestAuthenticator;
pub use cookies::Cookies;
pub use outcome::{
    RequestOutcome, RequestStatus, Token, HEADER_AUTH_MESSAGE, HEADER_AUTH_REASON, HEADER_AUTH_STATUS,
};
pub use parts::{HeaderLookup, RequestOrigin, RequestParts};
