//! Machine tokens: M2M tokens, API keys and OAuth access tokens (docs/clerk-behaviour.md §10, §11).
//!
//! | file | what |
//! |---|---|
//! | `token_type` | [`TokenType`] and Clerk's detection (JWT shape first, then prefixes) |
//! | `accepts` | [`AcceptsToken`] (`acceptsToken`), [`TokenTypes`], and the routing decision [`Route`] |
//! | `jwt` | [`MachineJwtVerifier`]: M2M JWTs and OAuth `at+jwt` tokens, networkless |
//! | `auth` | [`MachineAuth`], the auth object of a verified machine token |
//! | `error` | [`MachineTokenError`] and Clerk's [`MachineErrorCode`]s |
//! | `refusal` | [`MachineRefusal`] (a signed-out machine answer) |
//!
//! Opaque tokens (`mt_…`, `ak_…`, `oat_…`) are verified by the Backend API; the framework
//! adapter calls it and turns the answer into a [`MachineAuth`] or a [`MachineTokenError`].

mod accepts;
mod auth;
mod error;
mod jwt;
mod refusal;
mod token_type;

pub use accepts::{AcceptsToken, Route, TokenTypes};
pub use auth::MachineAuth;
pub use error::{MachineErrorCode, MachineTokenError};
pub use jwt::MachineJwtVerifier;
pub use refusal::{MachineRefusal, NO_TOKEN_IN_HEADER};
pub use token_type::{is_jwt_format, TokenType};
