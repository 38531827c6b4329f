//! Machine authentication on routes that accept it (docs/clerk-behaviour.md §10, §11): the extractors
//! [`MachineAuth`] and [`AnyAuth`], and the per-request decision they share with
//! [`Protect::accepts`](crate::Protect::accepts) and the guards.
//!
//! Clerk's rules (routing by `acceptsToken`, the reported type, remembered JWTs, the verification
//! and its cache) are clerk-core's [`clerk_core::machine::MachineVerifier`]; the Backend API calls
//! it makes are [`ClerkClient`](crate::ClerkClient)'s (`client/machine_backend.rs`).
//! [`crate::ClerkMiddleware`] stays session-only and never calls the Backend API: a machine token
//! is verified only when a route that accepts it asks, at most once per request.
//!
//! | file | what |
//! |---|---|
//! | `extractors` | [`MachineAuth`], [`AnyAuth`] |
//! | `accepted` (private) | the per-request decision for a route's `acceptsToken`, kept in the request extensions, and its errors and headers |

pub(crate) mod accepted;
mod extractors;

pub use clerk_core::machine::MachineCacheStats;
pub use extractors::{AnyAuth, MachineAuth};
