//! Framework-free Clerk: session-token verification, JWKS cache, Clerk's request-level
//! authentication ([`request`]), `Auth` and `has()`, user models and Svix webhook verification.
//!
//! No web framework and no HTTP client live here: `clerk-actix` plugs both in. "Now" is always
//! a parameter, so every rule can be tested with a fixed clock.
//!
//! | module | what |
//! |---|---|
//! | [`request`] | `authenticateRequest`: [`request::RequestAuthenticator`] over [`request::RequestParts`] |
//! | `verify`, `token`, `jwk`, `jwks`, `token_cache` | session-token verification, keys, the JWKS and verified-token caches |
//! | `auth`, `reason`, `error` | [`Auth`] and `has()`; [`request::RequestReason`] and the verifier's [`Reason`] |
//! | `keys` | [`PublishableKey`] (instance, cookie suffix, Account Portal), [`SecretKey`] |
//! | [`machine`] | machine tokens: type detection, `acceptsToken`, M2M/OAuth JWTs, [`machine::MachineAuth`] |
//! | [`user`], [`api`] | Backend API models (private metadata safe by type) |
//! | [`webhook`] | Svix verification and typed Clerk events |
//!
//! # Getting started
//!
//! ```
//! use std::sync::Arc;
//! use std::time::{Duration, UNIX_EPOCH};
//! use clerk_core::{Auth, AuthOptions, Check, PublishableKey, SessionVerifier, StaticKey, VerifyingKey};
//!
//! # fn block_on<T>(f: impl std::future::Future<Output = T>) -> T {
//! #     tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(f)
//! # }
//! let publishable = PublishableKey::parse("pk_test_aGFwcHktaGlwcG8tNDIuY2xlcmsuYWNjb3VudHMuZGV2JA")?;
//! let pem = include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/test_signing_key.public.pem"));
//! let keys = StaticKey(Arc::new(VerifyingKey::from_pem(pem)?));
//! let verifier = SessionVerifier::new().issuer(publishable.issuer());
//! # let token = serde_json::from_str::<serde_json::Value>(include_str!(concat!(
//! #     env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/session_token.v2.active_org.json")))?["jwt"]
//! #     .as_str().unwrap().to_owned();
//!
//! let now = UNIX_EPOCH + Duration::from_secs(1_755_000_030);
//! let auth = match block_on(verifier.verify(&token, &keys, now)) {
//!     Ok(claims) => Auth::from_claims(claims, AuthOptions::default()),
//!     Err(err) => Auth::signed_out(err.reason(), Some(err.message().to_owned())),
//! };
//! assert_eq!(auth.org_role(), Some("org:admin"));
//! assert!(auth.has(&Check::new().permission("dashboard:read")));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
#![forbid(unsafe_code)]
#![deny(missing_docs)]

pub mod api;
mod auth;
mod error;
mod jwk;
mod jwks;
mod keys;
pub mod machine;
mod reason;
mod redact;
pub mod request;
mod time;
mod token;
mod token_cache;
pub mod user;
mod verify;
pub mod webhook;

pub use auth::{
    decode_org_permissions, Auth, AuthOptions, Check, Reverification, SessionStatus, SignedIn, SignedOut,
    VerificationLevel,
};
pub use error::{Action, Error, Reason, Result, TokenCarrier, TokenError};
pub use jwk::{JwkSet, KeyOrigin, RsaAlgorithm, VerifyingKey, MAX_RSA_BITS, MIN_RSA_BITS};
pub use jwks::{CacheScope, FetchError, JwksCache, JwksCacheConfig, JwksFetcher, JwksStats};
pub use keys::{InstanceType, PublishableKey, SecretKey};
pub use token::{
    DecodedToken, TokenHeader, CATEGORY_IGNORE, CATEGORY_JWT_TEMPLATE, CATEGORY_M2M, CATEGORY_SESSION,
    DEFAULT_MAX_TOKEN_BYTES,
};
pub use token_cache::VerifiedTokenCache;
pub use user::{PublicUser, User};
pub use verify::{JwksKeys, KeyResolver, NoKey, SessionClaims, SessionVerifier, StaticKey, TokenTimes};
pub use webhook::{ClerkEvent, EventData, WebhookError, WebhookHeaders, WebhookSecret, WebhookVerifier};
