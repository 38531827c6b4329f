//! Framework-free Clerk: session-token verification, JWKS cache, `Auth` and `has()`, user
//! models and Svix webhook verification.
//!
//! No web framework and no HTTP client live here: `clerk-actix` plugs both in.
#![forbid(unsafe_code)]
#![deny(missing_docs)]

pub mod api;
mod error;
mod jwk;
mod keys;
pub mod user;
pub mod webhook;

pub use error::{Action, Error, Reason, Result, TokenCarrier, TokenError};
pub use jwk::{JwkSet, KeyOrigin, RsaAlgorithm, VerifyingKey, MAX_RSA_BITS, MIN_RSA_BITS};
pub use keys::{InstanceType, PublishableKey, SecretKey};
pub use user::{PublicUser, User};
pub use webhook::{ClerkEvent, EventData, WebhookError, WebhookHeaders, WebhookSecret, WebhookVerifier};
