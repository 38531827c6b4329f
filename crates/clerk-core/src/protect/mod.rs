//! Clerk's `auth.protect()` as a pure decision: a [`ProtectPolicy`] (what a route requires and
//! how failures are answered, per [`ProtectMode`]) applied to a request's outcome or a machine
//! identity gives a [`ProtectVerdict`]. A web framework adapter wraps it in a middleware and
//! maps the verdict to its responses.

mod mode;
mod policy;
mod verdict;

pub use mode::ProtectMode;
pub use policy::{Predicate, ProtectPolicy};
pub use verdict::ProtectVerdict;

#[cfg(test)]
mod tests;
