//! Clerk's `authenticateRequest` for session tokens (docs/clerk-behaviour.md §3): the
//! [`RequestAuthenticator`] (the instance's settings, its caches) and the flow's entry: the
//! request read once into [`RequestFacts`], then the header path or the cookie path
//! (`cookie_flow`).

use std::time::Duration;

use super::app_origins::AppOrigins;
use super::backend::{NoBackend, SessionBackend};
use super::call_guard::{CallGuard, CallGuardStats};
use super::domain::MultiDomain;
use super::facts::{RequestFacts, SuffixedNames};
use super::foreign::ForeignTokens;
use super::org_sync::OrganizationSync;
use super::outcome::RequestOutcome;
use super::parts::RequestParts;
use super::verified::Verified;
use crate::reason::RequestReason;
use crate::token_cache::VerifiedTokenCache;
use crate::{
    auth::AuthOptions, error::TokenCarrier, verify::KeyResolver, InstanceType, JwtVerifier, PublishableKey,
};

/// Clerk's request-level authentication, framework-free: give it a request's
/// [`RequestParts`] and a key source, get a [`RequestOutcome`].
///
/// Holds the verifier, the instance (publishable key and its cookie names) and the
/// verified-token cache: build one per Clerk instance and share it (`Send + Sync`).
///
/// # Examples
///
/// ```
/// use std::sync::Arc;
/// use std::time::SystemTime;
/// use clerk_core::request::{Cookies, HeaderLookup, RequestAuthenticator, RequestOrigin, RequestParts};
/// use clerk_core::{JwtVerifier, verify::StaticKey, jwk::VerifyingKey};
///
/// struct NoHeaders;
/// impl HeaderLookup for NoHeaders {
///     fn header(&self, _name: &str) -> Option<&[u8]> {
///         None
///     }
/// }
///
/// let pem = include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/test_signing_key.public.pem"));
/// let keys = StaticKey(Arc::new(VerifyingKey::from_pem(pem)?));
/// let authenticator = RequestAuthenticator::new(JwtVerifier::new());
/// let origin = RequestOrigin { scheme: "http", host: "localhost" };
/// let parts = RequestParts::new("GET", &NoHeaders, Cookies::empty(), "", origin, SystemTime::now());
/// let outcome = futures_block_on(authenticator.authenticate(&parts, &keys));
/// assert_eq!(outcome.reason().map(|r| r.as_str()), Some("session-token-and-uat-missing"));
/// # fn futures_block_on<T>(f: impl std::future::Future<Output = T>) -> T {
/// #     tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(f)
/// # }
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub struct RequestAuthenticator {
    pub(super) verifier: JwtVerifier,
    /// The verifier with Clerk's 24-hour clock skew, for the development handshake retry.
    pub(super) lenient: JwtVerifier,
    /// Behind a relative proxy URL (`/__clerk`) the issuer depends on the request's origin: a
    /// token whose `iss` is exactly `{origin}{path}` is verified with this copy of the verifier,
    /// whose static issuer list is not consulted.
    pub(super) proxied: Option<JwtVerifier>,
    pub(super) publishable_key: Option<PublishableKey>,
    pub(super) instance_type: InstanceType,
    pub(super) suffixed: Option<SuffixedNames>,
    cookie_auth: bool,
    pub(super) auth_options: AuthOptions,
    pub(super) domain: MultiDomain,
    pub(super) org_sync: OrganizationSync,
    /// The application's own and its satellites' origins (redirects and proxy issuers).
    pub(super) origins: AppOrigins,
    pub(super) tokens: VerifiedTokenCache<Verified>,
    /// Tokens that decoded as machine or other non-session tokens (`token-type-mismatch` on
    /// this path, whatever the keys or the time), by digest.
    pub(super) foreign: ForeignTokens,
    /// Made-up handshake nonces and refreshes, kept from spending the Backend API budget.
    pub(super) calls: CallGuard,
}

impl std::fmt::Debug for RequestAuthenticator {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RequestAuthenticator")
            .field("verifier", &self.verifier)
            .field("publishable_key", &self.publishable_key)
            .field("cookie_auth", &self.cookie_auth)
            .field("cached_tokens", &self.tokens.len())
            .finish_non_exhaustive()
    }
}

impl RequestAuthenticator {
    /// An authenticator verifying with `verifier`; no publishable key, cookies accepted, Clerk's
    /// default auth options, no token cache.
    pub fn new(verifier: JwtVerifier) -> Self {
        Self {
            lenient: verifier.clone().clock_skew(Duration::from_millis(86_400_000)),
            proxied: None,
            verifier,
            publishable_key: None,
            instance_type: InstanceType::Production,
            suffixed: None,
            cookie_auth: true,
            auth_options: AuthOptions::default(),
            domain: MultiDomain::default(),
            org_sync: OrganizationSync::default(),
            origins: AppOrigins::default(),
            tokens: VerifiedTokenCache::new(0),
            foreign: ForeignTokens::new(0),
            calls: CallGuard::default(),
        }
    }

    /// Proxy, domain and satellite settings (validate them with [`MultiDomain::validate`] first).
    pub fn multi_domain(mut self, domain: MultiDomain) -> Self {
        self.proxied = domain
            .relative_proxy_path()
            .map(|_| self.verifier.clone().issuers(Vec::<String>::new()));
        self.domain = domain;
        self
    }

    /// The application's own origins (`CLERK_AUTHORIZED_PARTIES`) and its satellites' origins:
    /// a satellite sync sends the browser back only to one of them, and behind a relative proxy
    /// URL a token's issuer `{origin}{path}` is believed only for an own origin. With none, a
    /// development instance trusts loopback origins, a production instance nothing.
    pub fn app_origins(mut self, origins: AppOrigins) -> Self {
        self.origins = origins;
        self
    }

    /// Organization sync patterns: a signed-in document request whose URL names another
    /// organization than the active one gets the `active-organization-mismatch` handshake.
    pub fn organization_sync(mut self, sync: OrganizationSync) -> Self {
        self.org_sync = sync;
        self
    }

    /// The instance's publishable key: its instance type, Frontend API host and cookie suffix.
    pub fn publishable_key(mut self, key: Option<PublishableKey>) -> Self {
        if let Some(key) = &key {
            self.instance_type = key.instance_type();
        }
        self.suffixed = key.as_ref().map(SuffixedNames::of);
        self.publishable_key = key;
        self
    }

    /// Whether the `__session` cookie is read at all (defaults to `true`).
    pub fn cookie_auth(mut self, on: bool) -> Self {
        self.cookie_auth = on;
        self
    }

    /// How verified claims become the handlers' [`Auth`](crate::Auth).
    pub fn auth_options(mut self, options: AuthOptions) -> Self {
        self.auth_options = options;
        self
    }

    /// Remembers up to `capacity` verified tokens (0 turns the cache off): a token seen before
    /// with the same key set only has its time claims checked again.
    pub fn token_cache_capacity(mut self, capacity: usize) -> Self {
        self.tokens = VerifiedTokenCache::new(capacity);
        self.foreign = ForeignTokens::new(capacity);
        self
    }

    /// The verifier.
    pub fn verifier(&self) -> &JwtVerifier {
        &self.verifier
    }

    /// The counters of the guard of the request flow's Backend API calls (handshake nonces and
    /// refreshes refused without a call, and calls the Backend API failed).
    pub fn call_guard_stats(&self) -> CallGuardStats {
        self.calls.stats()
    }

    /// Tokens in the verified-token cache.
    pub fn cached_tokens(&self) -> usize {
        self.tokens.len()
    }

    /// Development or production (the development-instance rules apply to the former), when no
    /// publishable key says it (e.g. from the secret key's prefix). Defaults to production.
    pub fn instance_type(mut self, instance_type: InstanceType) -> Self {
        self.instance_type = instance_type;
        self
    }

    /// Authenticates one request with Clerk's rules, without a Backend API: handshake nonces do
    /// not resolve and expired sessions are not refreshed (`missing-api-client`). Never fails:
    /// every problem is a signed-out (or handshake) outcome with Clerk's reason.
    pub async fn authenticate<K: KeyResolver>(&self, parts: &RequestParts<'_>, keys: &K) -> RequestOutcome {
        self.authenticate_with(parts, keys, &NoBackend).await
    }

    /// Authenticates one request with Clerk's rules, using `backend` to resolve handshake nonces
    /// and refresh expired sessions. Never fails: every problem is a signed-out or handshake
    /// outcome with Clerk's reason.
    pub async fn authenticate_with<K: KeyResolver, B: SessionBackend>(
        &self,
        parts: &RequestParts<'_>,
        keys: &K,
        backend: &B,
    ) -> RequestOutcome {
        let facts = self.read(parts);
        self.authenticate_facts(&facts, keys, backend).await
    }

    /// The request, read once for Clerk's rules.
    pub(super) fn read<'r>(&'r self, parts: &'r RequestParts<'r>) -> RequestFacts<'r> {
        RequestFacts::read(parts, self.suffixed.as_ref())
    }

    /// The session flow over the request's facts: the header token alone, else the cookies.
    pub(super) async fn authenticate_facts<K: KeyResolver, B: SessionBackend>(
        &self,
        facts: &RequestFacts<'_>,
        keys: &K,
        backend: &B,
    ) -> RequestOutcome {
        if let Some(token) = facts.header_token.as_deref() {
            return self.authenticate_header(facts, token, keys, backend).await;
        }
        if !self.cookie_auth {
            return RequestOutcome::signed_out(RequestReason::SessionTokenAndUatMissing, None, None, false);
        }
        self.authenticate_cookies(facts, keys, backend).await
    }

    /// A token in the `Authorization` header decides alone, even a broken one (§3, step 1).
    async fn authenticate_header<K: KeyResolver, B: SessionBackend>(
        &self,
        facts: &RequestFacts<'_>,
        token: &str,
        keys: &K,
        backend: &B,
    ) -> RequestOutcome {
        let prepared = self.prepare(token, None, keys);
        match self.finish(token, prepared, keys, facts).await {
            Ok((auth, token)) => RequestOutcome::signed_in(auth, token, TokenCarrier::Header),
            Err(err) => {
                self.session_token_error(facts, keys, backend, &err, TokenCarrier::Header)
                    .await
            }
        }
    }
}
