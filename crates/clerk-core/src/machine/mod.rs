//! Machine tokens: M2M tokens, API keys and OAuth access tokens (docs/clerk-behaviour.md §10, §11).
//!
//! | file | what |
//! |---|---|
//! | `token_type` | [`TokenType`] and Clerk's detection (JWT shape first, then prefixes) |
//! | `accepts` | [`AcceptsToken`] (`acceptsToken`), [`TokenTypes`], and the routing decision [`Route`] |
//! | `jwt` | [`MachineJwtVerifier`]: M2M JWTs and OAuth `at+jwt` tokens, networkless |
//! | `identity` | [`MachineIdentity`], the verified machine: the auth object of a machine token |
//! | `error` | [`MachineTokenError`] and Clerk's [`MachineErrorCode`]s |
//! | `refusal` | [`MachineRefusal`] (a signed-out machine answer) |
//! | `verifier` | [`MachineVerifier`]: a route's machine decision (an [`AuthOutcome`](crate::request::AuthOutcome), or the session flow's turn), Clerk's routing rules, the verification of one token, once per request ([`MachineMemo`]) |
//! | `cache` | the opaque tokens' cache with single-flight, on the caller's clock; [`MachineCacheStats`] |
//!
//! Opaque tokens (`mt_…`, `ak_…`, `oat_…`) are verified by the Backend API through
//! [`MachineBackend`](crate::request::MachineBackend), which the framework adapter's Backend API
//! client implements.

mod accepts;
mod cache;
mod error;
mod identity;
mod jwt;
mod refusal;
mod token_type;
mod verifier;

pub use accepts::{AcceptsToken, Route, TokenTypes};
pub use cache::MachineCacheStats;
pub use error::{MachineErrorCode, MachineTokenError};
pub use identity::MachineIdentity;
pub use jwt::MachineJwtVerifier;
pub use refusal::{MachineRefusal, NO_TOKEN_IN_HEADER};
pub use token_type::{is_jwt_format, TokenType};
pub use verifier::{MachineMemo, MachineVerifier};
