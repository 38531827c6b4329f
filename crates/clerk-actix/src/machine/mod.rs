//! Machine authentication on routes that accept it (docs/clerk-behaviour.md §10, §11): the extractors
//! [`MachineAuth`] and [`AnyAuth`], the per-request decision they share with
//! [`Protect::accepts`](crate::Protect::accepts) and the guards, and the verification of machine
//! tokens with its per-token cache.
//!
//! [`crate::ClerkMiddleware`] stays session-only and never calls the Backend API: a machine token
//! is verified only when a route that accepts it asks, at most once per request.
//!
//! | file | what |
//! |---|---|
//! | `extractors` | [`MachineAuth`], [`AnyAuth`] |
//! | `accepted` (private) | the per-request decision for a route's `acceptsToken`, kept in the request extensions |
//! | `verifier` (private) | one token's verification: JWT forms with the instance's keys (remembered by their text until `exp`), opaque ones through the Backend API |
//! | `cache` | the opaque tokens' cache with single-flight; [`MachineCacheStats`] |

pub(crate) mod accepted;
pub(crate) mod cache;
mod extractors;
pub(crate) mod verifier;

pub use cache::MachineCacheStats;
pub use extractors::{AnyAuth, MachineAuth};
