//! Framework-free Clerk: session-token verification, JWKS cache, Clerk's request-level
//! authentication ([`request`]), `Auth` and `has()`, machine tokens, user models and Svix webhook
//! verification.
//!
//! No web framework and no HTTP client live here: `clerk-actix` plugs both in. "Now" is always
//! a parameter, so every rule can be tested with a fixed clock.
//!
//! ```toml
//! [dependencies]
//! clerk-core = { git = "https://github.com/clerk-actix/clerk-actix" }
//! ```
//!
//! | module (file) | what |
//! |---|---|
//! | [`request`] | `authenticateRequest`: [`request::RequestAuthenticator`] over [`request::RequestParts`], [`request::RequestOutcome`] (`request/`: authenticator, parts, cookies, origin, outcome, js) |
//! | `reason` (private) | [`request::RequestReason`], every reason Clerk's request layer reports |
//! | [`verify`] | [`JwtVerifier`], [`VerifiedClaims`], the key sources ([`verify::KeyResolver`], [`verify::StaticKey`], [`verify::JwksKeys`]) |
//! | [`token`] | decoding a compact JWS as Clerk does ([`token::DecodedToken`]), token categories |
//! | [`jwk`], [`jwks`] | verifying keys ([`jwk::VerifyingKey`]), the JWKS cache with stale-while-revalidate ([`jwks::JwksCache`]) |
//! | [`token_cache`] | the verified-token cache |
//! | [`auth`] | [`Auth`] and `has()` ([`Check`]), session status, reverification |
//! | [`error`] | [`Error`], the verifier's [`TokenError`] and [`Reason`] |
//! | `keys` (private) | [`PublishableKey`] (instance, cookie suffix, Account Portal), [`SecretKey`], [`InstanceType`] |
//! | [`machine`] | machine tokens: type detection, `acceptsToken`, M2M/OAuth JWTs, [`machine::MachineIdentity`], a route's decision and the verification caches ([`machine::MachineVerifier`], on the injected clock) |
//! | [`props`] | `buildClerkProps`: [`props::ClerkProps`], the auth state (and user) for server-rendered pages |
//! | [`csp`] | the Content Security Policy Clerk's browser SDK needs (`contentSecurityPolicy`): [`csp::CspOptions`], strict mode with a [`csp::Nonce`] |
//! | [`protect`] | `auth.protect()` as a pure decision: [`protect::ProtectPolicy`] per [`protect::ProtectMode`] → [`protect::ProtectVerdict`] (`protect/`: mode, policy, verdict) |
//! | [`proxy`] | the Frontend API proxy's rules: upstream URL, headers up and back, `Location` rewriting ([`proxy::ProxyTarget`]) |
//! | [`user`], [`api`] | Backend API models (private metadata safe by type) |
//! | [`webhook`] | Svix verification and typed Clerk events |
//! | [`time`] | Unix milliseconds ([`time::unix_millis`]) and JavaScript-compatible time arithmetic |
//! | `redact` (private) | redaction helpers for `Debug` |
//!
//! # Getting started
//!
//! ```
//! use std::sync::Arc;
//! use std::time::{Duration, UNIX_EPOCH};
//! use clerk_core::auth::AuthOptions;
//! use clerk_core::jwk::VerifyingKey;
//! use clerk_core::verify::StaticKey;
//! use clerk_core::{Auth, Check, PublishableKey, JwtVerifier};
//!
//! # fn block_on<T>(f: impl std::future::Future<Output = T>) -> T {
//! #     tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(f)
//! # }
//! let publishable = PublishableKey::parse("pk_test_aGFwcHktaGlwcG8tNDIuY2xlcmsuYWNjb3VudHMuZGV2JA")?;
//! let pem = include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/test_signing_key.public.pem"));
//! let keys = StaticKey(Arc::new(VerifyingKey::from_pem(pem)?));
//! let verifier = JwtVerifier::new().issuer(publishable.issuer());
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
pub mod auth;
mod claims;
pub mod csp;
pub mod error;
pub mod jwk;
pub mod jwks;
mod keys;
pub mod machine;
pub mod props;
pub mod protect;
pub mod proxy;
mod reason;
mod redact;
pub mod request;
pub mod time;
pub mod token;
pub mod token_cache;
pub mod user;
pub mod verify;
pub mod webhook;

pub use auth::{Auth, Check, Reverification, SessionStatus};
pub use error::{Error, Reason, Result, TokenError};
pub use keys::{InstanceType, PublishableKey, SecretKey};
pub use user::{PublicUser, User};
pub use verify::{JwtVerifier, VerifiedClaims};
#[allow(deprecated)]
pub use verify::{SessionClaims, SessionVerifier};
