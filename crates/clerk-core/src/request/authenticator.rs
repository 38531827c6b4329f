//! Clerk's `authenticateRequest` for session tokens (docs/clerk-behaviour.md §3): token sources and
//! their precedence, the `__client_uat` rules, suffixed cookies, the development-instance
//! dev-browser rule, the cross-origin rule, and the mapping of verifier reasons to Clerk's
//! request-level reasons.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use super::app_origins::{self, AppOrigins};
use super::authorization::header_token;
use super::backend::{NoBackend, SessionBackend};
use super::call_guard::{CallGuard, CallGuardStats};
use super::cookies::Cookies;
use super::domain::MultiDomain;
use super::foreign::ForeignTokens;
use super::handshake::{self, HandshakeTarget};
use super::js::{js_parse_int, js_to_number, js_truthy, strip_schemes};
use super::names::{DEV_BROWSER, QUERY_HANDSHAKE, QUERY_HANDSHAKE_NONCE};
use super::org_sync::{OrganizationSync, SyncTarget};
use super::origin::is_known_clerk_origin;
use super::outcome::{RequestOutcome, RequestStatus, Token};
use super::parts::RequestParts;
use super::resolve::{handshake_token_failure_in_development, HandshakeFailure};
use crate::reason::{RefreshFailure, RequestReason};
use crate::token_cache::VerifiedTokenCache;
use crate::verify::TokenTimes;
use crate::{
    auth::AuthOptions, error::TokenCarrier, token::DecodedToken, verify::KeyResolver, Auth, InstanceType,
    PublishableKey, Reason, SessionVerifier, TokenError,
};

const SESSION: &str = "__session";
const CLIENT_UAT: &str = "__client_uat";
const REFRESH: &str = "__refresh";

/// The cookie names of one instance, suffixed (`__session_<suffix>`), computed once.
#[derive(Debug, Clone)]
struct SuffixedNames {
    session: String,
    client_uat: String,
    refresh: String,
    dev_browser: String,
}

impl SuffixedNames {
    fn of(key: &PublishableKey) -> Self {
        let suffix = key.cookie_suffix();
        Self {
            session: format!("{SESSION}_{suffix}"),
            client_uat: format!("{CLIENT_UAT}_{suffix}"),
            refresh: format!("{REFRESH}_{suffix}"),
            dev_browser: format!("{DEV_BROWSER}_{suffix}"),
        }
    }
}

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
/// use clerk_core::{SessionVerifier, verify::StaticKey, jwk::VerifyingKey};
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
/// let authenticator = RequestAuthenticator::new(SessionVerifier::new());
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
    pub(super) verifier: SessionVerifier,
    /// The verifier with Clerk's 24-hour clock skew, for the development handshake retry.
    pub(super) lenient: SessionVerifier,
    /// Behind a relative proxy URL (`/__clerk`) the issuer depends on the request's origin: a
    /// token whose `iss` is exactly `{origin}{path}` is verified with this copy of the verifier,
    /// whose static issuer list is not consulted.
    proxied: Option<SessionVerifier>,
    pub(super) publishable_key: Option<PublishableKey>,
    pub(super) instance_type: InstanceType,
    suffixed: Option<SuffixedNames>,
    cookie_auth: bool,
    pub(super) auth_options: AuthOptions,
    pub(super) domain: MultiDomain,
    org_sync: OrganizationSync,
    /// The application's own and its satellites' origins (redirects and proxy issuers).
    origins: AppOrigins,
    tokens: VerifiedTokenCache<Verified>,
    /// Tokens that decoded as machine or other non-session tokens (`token-type-mismatch` on
    /// this path, whatever the keys or the time), by digest.
    foreign: ForeignTokens,
    /// Made-up handshake nonces and refreshes, kept from spending the Backend API budget.
    pub(super) calls: CallGuard,
}

/// A would-be handshake: its reason and message, where it goes when that is not the Frontend
/// API (a sync redirect), and what a signed-out answer carries instead.
pub(super) struct Handshake {
    pub(super) reason: RequestReason,
    pub(super) message: Option<String>,
    pub(super) location: Option<String>,
    pub(super) carrier: Option<TokenCarrier>,
    pub(super) present: bool,
}

/// Clerk's context values the handshake and refresh paths read, owned.
pub(super) struct CookieFacts {
    /// Whether the suffixed cookies are the ones read.
    pub(super) suffixed: bool,
    /// The chosen `__session` cookie.
    pub(super) session: Option<String>,
    /// The suffixed `__refresh` cookie.
    pub(super) refresh: Option<String>,
    /// `__clerk_db_jwt` from the query, else the chosen cookie.
    pub(super) dev_browser: Option<String>,
}

/// Clerk's `warnOnce`: the missing-`azp` warning is logged once per process.
static WARNED_MISSING_AZP: AtomicBool = AtomicBool::new(false);

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
    pub fn new(verifier: SessionVerifier) -> Self {
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

    /// How verified claims become the handlers' [`Auth`].
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
    pub fn verifier(&self) -> &SessionVerifier {
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
        if let Some(token) = header_token(parts) {
            let prepared = self.prepare(&token, None, keys);
            return match self.finish(&token, prepared, keys, parts).await {
                Ok((auth, token)) => RequestOutcome::signed_in(auth, token, TokenCarrier::Header),
                Err(err) => {
                    self.session_token_error(parts, keys, backend, &err, TokenCarrier::Header)
                        .await
                }
            };
        }
        if !self.cookie_auth {
            return RequestOutcome::signed_out(RequestReason::SessionTokenAndUatMissing, None, None, false);
        }
        self.authenticate_cookies(parts, keys, backend).await
    }

    /// Clerk's `handleSessionTokenError`: an expired token on a GET with a `__refresh` cookie is
    /// refreshed through the Backend API; time errors become request-level reasons and a
    /// handshake when the request can take one; everything else keeps the verifier's reason.
    async fn session_token_error<K: KeyResolver, B: SessionBackend>(
        &self,
        parts: &RequestParts<'_>,
        keys: &K,
        backend: &B,
        err: &TokenError,
        carrier: TokenCarrier,
    ) -> RequestOutcome {
        let reason = match err.reason() {
            Reason::TokenExpired => {
                let facts = self.facts(parts, keys);
                let failure = if !parts.is_get() {
                    RefreshFailure::NonEligibleNonGet
                } else if facts.refresh.is_none() {
                    RefreshFailure::NonEligibleNoRefreshCookie
                } else {
                    match self.refresh(parts, keys, backend, &facts).await {
                        Ok(outcome) => return outcome,
                        Err(failure) => failure,
                    }
                };
                RequestReason::SessionTokenExpired(failure)
            }
            Reason::TokenNotActiveYet => RequestReason::SessionTokenNbf,
            Reason::TokenIatInTheFuture => RequestReason::SessionTokenIatInTheFuture,
            _ => return signed_out_by(err, carrier),
        };
        let handshake = Handshake {
            reason,
            message: Some(err.full_message(carrier)),
            location: None,
            carrier: Some(carrier),
            present: true,
        };
        self.maybe_handshake(parts, keys, handshake)
    }

    /// Clerk's `handleMaybeHandshakeStatus`: a handshake for a request that can take one (a
    /// document GET) unless the redirect counter says this is the fourth; signed out with the
    /// same reason and message otherwise.
    pub(super) fn maybe_handshake<K: KeyResolver>(
        &self,
        parts: &RequestParts<'_>,
        keys: &K,
        handshake: Handshake,
    ) -> RequestOutcome {
        let Handshake {
            reason,
            message,
            location,
            carrier,
            present,
        } = handshake;
        if !handshake::is_eligible(parts) {
            return RequestOutcome::signed_out(reason, message, carrier, present);
        }
        let Some(location) = location.or_else(|| self.handshake_location(parts, keys, &reason)) else {
            // No publishable key (or no URL to come back to): nowhere to send the browser.
            return RequestOutcome::signed_out(reason, message, carrier, present);
        };
        let count = handshake::redirect_count(parts);
        if count == 3.0 {
            tracing::warn!(reason = reason.as_str(), "{}", handshake::loop_message(&reason));
            return RequestOutcome::signed_out(reason, message, carrier, present);
        }
        let cookies = vec![handshake::counter_cookie(count)];
        RequestOutcome::handshake(reason, message, location, cookies, present)
    }

    /// The Frontend API's handshake URL for this request.
    fn handshake_location<K: KeyResolver>(
        &self,
        parts: &RequestParts<'_>,
        keys: &K,
        reason: &RequestReason,
    ) -> Option<String> {
        let key = self.publishable_key.as_ref()?;
        let clerk_url = handshake::clerk_url(parts)?;
        if self.domain.relative_proxy_path().is_some() && !self.is_own_origin(parts) {
            // Behind a relative proxy the handshake goes to `{origin}/__clerk` with the request's
            // session token: only on an origin the configuration knows, never on a `Host` a
            // request merely claims.
            return None;
        }
        let facts = self.facts(parts, keys);
        let frontend_api = self.domain.frontend_api(key, &parts.origin);
        let header = header_token(parts);
        let target = HandshakeTarget {
            frontend_api: &frontend_api,
            suffixed: facts.suffixed,
            session_token: facts.session.as_deref().or(header.as_deref()),
            dev_browser: (self.instance_type == InstanceType::Development)
                .then_some(facts.dev_browser.as_deref())
                .flatten(),
            organization: self.org_sync.find_target(clerk_url.path()),
        };
        handshake::handshake_location(&clerk_url, reason, &target)
    }

    /// What the handshake and refresh paths read of the cookies (Clerk's context values), decided
    /// again from the request: only these rarer paths pay for it.
    pub(super) fn facts<K: KeyResolver>(&self, parts: &RequestParts<'_>, keys: &K) -> CookieFacts {
        let cookies = &parts.cookies;
        let plain_session = cookies.get_non_empty(SESSION);
        let suffixed_session = self
            .suffixed
            .as_ref()
            .and_then(|names| cookies.get_non_empty(&names.session));
        let choice = self.choose_cookies(
            cookies,
            plain_session.as_deref(),
            suffixed_session.as_deref(),
            keys.key_epoch(),
            parts.now,
        );
        let (suffixed, names) = (choice.suffixed, choice.names(self.suffixed.as_ref()));
        drop(choice);
        let session = if suffixed { suffixed_session } else { plain_session };
        let dev_browser = dev_browser_token(parts, names.dev_browser);
        CookieFacts {
            suffixed,
            session: session.map(|s| s.into_owned()),
            refresh: self
                .suffixed
                .as_ref()
                .and_then(|names| cookies.get_non_empty(&names.refresh))
                .map(|v| v.into_owned()),
            dev_browser,
        }
    }

    async fn authenticate_cookies<K: KeyResolver, B: SessionBackend>(
        &self,
        parts: &RequestParts<'_>,
        keys: &K,
        backend: &B,
    ) -> RequestOutcome {
        let cookies = &parts.cookies;
        let development = self.instance_type == InstanceType::Development;
        let handshake_param = |name: &str| {
            parts
                .query_param(name)
                .filter(|v| !v.is_empty())
                .or_else(|| cookies.get_non_empty(name).map(|v| v.into_owned()))
        };
        let nonce = handshake_param(QUERY_HANDSHAKE_NONCE);
        let handshake_token = handshake_param(QUERY_HANDSHAKE);
        if nonce.is_some() || handshake_token.is_some() {
            let resolved = self
                .resolve_handshake(parts, keys, backend, nonce.as_deref(), handshake_token.as_deref())
                .await;
            match resolved {
                Ok(outcome) => return outcome,
                Err(HandshakeFailure::Token(err)) if development => {
                    return handshake_token_failure_in_development(&err)
                }
                Err(failure) => {
                    tracing::error!("Clerk: unable to resolve handshake: {failure}");
                }
            }
        }

        let plain_session = cookies.get_non_empty(SESSION);
        let suffixed_session = self
            .suffixed
            .as_ref()
            .and_then(|names| cookies.get_non_empty(&names.session));
        let choice = self.choose_cookies(
            cookies,
            plain_session.as_deref(),
            suffixed_session.as_deref(),
            keys.key_epoch(),
            parts.now,
        );
        let names = choice.names(self.suffixed.as_ref());
        let session = if choice.suffixed {
            suffixed_session.as_deref()
        } else {
            plain_session.as_deref()
        };
        // `Number.parseInt(value || "") || 0`: NaN and -0 become 0.
        let client_uat = cookies
            .get(names.client_uat)
            .map(|v| js_parse_int(&v))
            .filter(|n| !n.is_nan() && *n != 0.0)
            .unwrap_or(0.0);
        let credential_present = session.is_some();
        let signed_out = |reason, present| RequestOutcome::signed_out(reason, None, None, present);
        let handshake = |reason| Handshake {
            reason,
            message: None,
            location: None,
            carrier: None,
            present: credential_present,
        };

        if let Some(outcome) = self.multi_domain_sync(parts, keys, session.is_some(), client_uat != 0.0) {
            return outcome;
        }
        if development {
            let dev_browser = dev_browser_token(parts, names.dev_browser);
            // The primary domain answering a satellite's sync request redirects back to it.
            if !self.domain.is_satellite() {
                if let Some(back) = parts
                    .query_param(handshake::QUERY_REDIRECT_URL)
                    .filter(|v| !v.is_empty())
                {
                    // Clerk's satellite sync: only an http(s) URL is a place to send a browser;
                    // ours: only on an origin of the application or of one of its satellites
                    // (the dev-browser token goes with it).
                    let location = url::Url::parse(&back)
                        .ok()
                        .filter(|url| matches!(url.scheme(), "http" | "https"))
                        .filter(|url| self.may_redirect_to(url))
                        .map(|mut url| {
                            if let Some(token) = &dev_browser {
                                url.query_pairs_mut().append_pair(DEV_BROWSER, token);
                            }
                            set_query_param(&mut url, handshake::QUERY_SYNCED, "true");
                            url.to_string()
                        });
                    let Some(location) = location else {
                        return signed_out(RequestReason::PrimaryRespondsToSyncing, credential_present);
                    };
                    let sync = Handshake {
                        location: Some(location),
                        ..handshake(RequestReason::PrimaryRespondsToSyncing)
                    };
                    return self.maybe_handshake(parts, keys, sync);
                }
            }
            if parts.query_param(DEV_BROWSER).is_some() {
                return self.maybe_handshake(parts, keys, handshake(RequestReason::DevBrowserSync));
            }
            if dev_browser.is_none() {
                return self.maybe_handshake(parts, keys, handshake(RequestReason::DevBrowserMissing));
            }
        }
        let Some(session) = session else {
            return if client_uat == 0.0 {
                signed_out(RequestReason::SessionTokenAndUatMissing, false)
            } else {
                self.maybe_handshake(parts, keys, handshake(RequestReason::ClientUatButNoSessionToken))
            };
        };
        if client_uat == 0.0 {
            return self.maybe_handshake(parts, keys, handshake(RequestReason::SessionTokenButNoClientUat));
        }
        // The selection above may have decoded this very cookie: reuse it.
        let decoded = choice.decoded_session.filter(|d| d.raw() == session);
        let prepared = match self.prepare(session, decoded, keys) {
            Ok(prepared) => prepared,
            Err(err) => return signed_out_by(&err, TokenCarrier::Cookie),
        };
        // `payload.iat < clientUat` with JavaScript's coercion: a numeric string compares as a
        // number, anything that is not a number (or absent) compares false.
        let iat = match &prepared {
            Prepared::Cached(_, times) => times.iat_ms.map(|ms| ms / 1000.0),
            Prepared::Decoded(decoded) => decoded.claim("iat").map(js_to_number),
        };
        if iat.is_some_and(|iat| iat < client_uat) {
            return self.maybe_handshake(
                parts,
                keys,
                handshake(RequestReason::SessionTokenIatBeforeClientUat),
            );
        }
        let (auth, token) = match self.finish(session, Ok(prepared), keys, parts).await {
            Ok(session) => session,
            Err(err) => {
                return self
                    .session_token_error(parts, keys, backend, &err, TokenCarrier::Cookie)
                    .await
            }
        };
        if auth.claims().is_some_and(|c| c.get("azp").is_none())
            && !WARNED_MISSING_AZP.swap(true, Ordering::Relaxed)
        {
            tracing::warn!(
                "clerk: session token from cookie is missing the azp claim; a future version of \
                 Clerk will consider such tokens invalid (logged once)"
            );
        }
        if self.needs_cross_origin_sync(parts) {
            let sync = Handshake {
                reason: RequestReason::PrimaryDomainCrossOriginSync,
                message: Some("Cross-origin request from satellite domain requires handshake".to_owned()),
                location: None,
                carrier: Some(TokenCarrier::Cookie),
                present: true,
            };
            return self.maybe_handshake(parts, keys, sync);
        }
        if auth.user_id().is_some() && self.organization_mismatch(parts, &auth) {
            let outcome =
                self.maybe_handshake(parts, keys, handshake(RequestReason::ActiveOrganizationMismatch));
            if outcome.status() == RequestStatus::Handshake {
                return outcome;
            }
        }
        RequestOutcome::signed_in(auth, token, TokenCarrier::Cookie)
    }

    /// Clerk's satellite sync: a satellite's document GET without cookies (or asked to sync with
    /// `__clerk_synced=false`) goes to the primary domain; without `satellite_auto_sync` a
    /// satellite without cookies that was not asked to sync stays signed out.
    fn multi_domain_sync<K: KeyResolver>(
        &self,
        parts: &RequestParts<'_>,
        keys: &K,
        has_session: bool,
        has_client: bool,
    ) -> Option<RequestOutcome> {
        let eligible = self.domain.is_satellite()
            && parts.header("sec-fetch-dest") == Some("document")
            && parts.is_get();
        if !eligible {
            return None;
        }
        let synced = parts.query_param(handshake::QUERY_SYNCED);
        if synced.as_deref() == Some("true") {
            return None;
        }
        let needs_sync = synced.as_deref() == Some("false");
        let has_cookies = has_session || has_client;
        if !self.domain.satellite_auto_sync && !has_cookies && !needs_sync {
            return Some(RequestOutcome::signed_out(
                RequestReason::SessionTokenAndUatMissing,
                None,
                None,
                false,
            ));
        }
        if has_cookies && !needs_sync {
            return None;
        }
        let location = match self.instance_type {
            InstanceType::Production => None,
            InstanceType::Development => {
                let clerk_url = handshake::clerk_url(parts)?;
                let mut sign_in = self.domain.sign_in().cloned()?;
                sign_in
                    .query_pairs_mut()
                    .append_pair(handshake::QUERY_REDIRECT_URL, clerk_url.as_str());
                Some(sign_in.to_string())
            }
        };
        let sync = Handshake {
            reason: RequestReason::SatelliteNeedsSyncing,
            message: None,
            location,
            carrier: None,
            present: has_session,
        };
        Some(self.maybe_handshake(parts, keys, sync))
    }

    /// Clerk's organization sync: the URL names an organization other than the session's active
    /// one, or the personal account while one is active. Skipped (with Clerk's warning) after
    /// three redirects.
    fn organization_mismatch(&self, parts: &RequestParts<'_>, auth: &Auth) -> bool {
        if self.org_sync.is_empty() {
            return false;
        }
        let Some(clerk_url) = handshake::clerk_url(parts) else {
            return false;
        };
        let mismatch = match self.org_sync.find_target(clerk_url.path()) {
            None => false,
            Some(SyncTarget::Organization { id, slug }) => {
                slug.as_deref().is_some_and(|slug| Some(slug) != auth.org_slug())
                    || id.as_deref().is_some_and(|id| Some(id) != auth.org_id())
            }
            Some(SyncTarget::PersonalAccount) => auth.org_id().is_some(),
        };
        if mismatch && handshake::redirect_count(parts) >= 3.0 {
            tracing::warn!(
                "Clerk: Organization activation handshake loop detected. This is likely due to an \
                 invalid organization ID or slug. Skipping organization activation."
            );
            return false;
        }
        mismatch
    }

    /// Clerk's cross-origin rule on the primary domain: a signed-in document GET whose `Referer`
    /// is another origin (and not one of Clerk's) needs a handshake.
    fn needs_cross_origin_sync(&self, parts: &RequestParts<'_>) -> bool {
        if self.domain.is_satellite() || !parts.is_get() || parts.header("sec-fetch-dest") != Some("document")
        {
            return false;
        }
        let Some(referrer) = parts.header("referer").and_then(|r| url::Url::parse(r).ok()) else {
            return false;
        };
        if handshake::redirect_count(parts) != 0.0 {
            return false;
        }
        if referrer.origin().ascii_serialization() == parts.origin.serialize() {
            return false;
        }
        !self.publishable_key.as_ref().is_some_and(|key| {
            let frontend_api = self.domain.frontend_api(key, &parts.origin);
            is_known_clerk_origin(&frontend_api, key.instance_type(), &referrer)
        })
    }

    /// The cached result of `token`, or the token decoded (once) for verification.
    pub(super) fn prepare<'t, K: KeyResolver>(
        &self,
        token: &'t str,
        decoded: Option<DecodedToken<'t>>,
        keys: &K,
    ) -> Result<Prepared<'t>, TokenError> {
        if let Some((verified, times)) = self.tokens.get(token, keys.key_epoch()) {
            return Ok(Prepared::Cached(verified, times));
        }
        let mismatch = || TokenError::new(Reason::TokenTypeMismatch, "");
        let foreign = self.foreign.key(token);
        if foreign.is_some_and(|key| self.foreign.contains(&key)) {
            return Err(mismatch());
        }
        let decoded = match decoded {
            Some(decoded) => decoded,
            None => DecodedToken::decode(token, self.verifier.token_size_limit())?,
        };
        if decoded.is_not_a_session_token() {
            if let Some(key) = foreign {
                self.foreign.insert(key);
            }
            return Err(mismatch());
        }
        Ok(Prepared::Decoded(decoded))
    }

    pub(super) async fn finish<K: KeyResolver>(
        &self,
        token: &str,
        prepared: Result<Prepared<'_>, TokenError>,
        keys: &K,
        parts: &RequestParts<'_>,
    ) -> Result<(Auth, Token), TokenError> {
        let now = parts.now;
        let decoded = match prepared? {
            // A token believed for one origin behind a relative proxy URL is verified again for
            // any other: its issuer names that origin only.
            Prepared::Cached(verified, times) if verified.believed_at(parts) => {
                return match self.verifier.check_times(times, now) {
                    Ok(()) => Ok(verified.session),
                    Err(err) => {
                        self.tokens.remove(token);
                        Err(err)
                    }
                };
            }
            Prepared::Cached(..) => DecodedToken::decode(token, self.verifier.token_size_limit())?,
            Prepared::Decoded(decoded) => decoded,
        };
        let epoch = keys.key_epoch();
        let proxy_origin = self.proxied.as_ref().and_then(|_| {
            let iss = decoded.claim("iss")?.as_str()?;
            let origin = app_origins::normalized(parts.origin.scheme, parts.origin.host)?;
            (self.domain.is_relative_proxy_issuer(iss, &origin)
                && self.origins.is_own(&origin, self.instance_type))
            .then(|| Arc::<str>::from(origin))
        });
        let verifier = match (&self.proxied, &proxy_origin) {
            (Some(proxied), Some(_)) => proxied,
            _ => &self.verifier,
        };
        let claims = verifier.verify_with(decoded, keys, now).await?;
        let times = claims.times();
        let session = (Auth::from_claims(claims, self.auth_options), Token::new(token));
        let verified = Verified {
            session: session.clone(),
            proxy_origin,
        };
        self.tokens.insert(token, verified, times, epoch, now);
        Ok(session)
    }

    /// Whether the request's own origin is one of the application's.
    fn is_own_origin(&self, parts: &RequestParts<'_>) -> bool {
        app_origins::normalized(parts.origin.scheme, parts.origin.host)
            .is_some_and(|origin| self.origins.is_own(&origin, self.instance_type))
    }

    /// Whether a satellite sync may send the browser to `url` (warned once per refused origin).
    fn may_redirect_to(&self, url: &url::Url) -> bool {
        let Some(origin) = app_origins::origin_of(url) else {
            return false;
        };
        let allowed = self.origins.may_redirect_to(&origin, self.instance_type);
        if !allowed {
            app_origins::warn_refused_once(&origin);
        }
        allowed
    }

    /// Clerk's `usesSuffixedCookies`: which of `__session` / `__session_<suffix>` (and friends)
    /// to read. An empty cookie counts as absent (`getCookie(name) || undefined`). Each cookie
    /// token is decoded (never verified) at most once; the chosen session's decoding is kept.
    fn choose_cookies<'s>(
        &self,
        cookies: &Cookies<'_>,
        session: Option<&'s str>,
        suffixed_session: Option<&'s str>,
        key_epoch: u64,
        now: SystemTime,
    ) -> CookieChoice<'s> {
        let (Some(names), Some(key)) = (&self.suffixed, &self.publishable_key) else {
            return CookieChoice::unsuffixed(None);
        };
        let limit = self.verifier.token_size_limit();
        let suffixed_uat = cookies.get_non_empty(&names.client_uat);
        let client_uat = cookies.get_non_empty(CLIENT_UAT);
        // A token verified before is not decoded again: its claims are in the cache.
        // (A pending session's `Auth` keeps no claims: that token is decoded.)
        let peek = |token: &'s str| match self.tokens.get(token, key_epoch) {
            Some((
                Verified {
                    session: (auth, _), ..
                },
                _,
            )) if auth.claims().is_some() => Some(Peeked::Cached(auth)),
            _ => DecodedToken::decode(token, limit).ok().map(Peeked::Decoded),
        };
        let session_token = session.and_then(peek);

        if session.is_some() {
            // `tokenHasIssuer`: a truthy `iss`; `tokenBelongsToInstance`: a string `iss` equal to
            // the frontend API once every `http(s)://` is removed.
            let Some(claims) = session_token.as_ref() else {
                return CookieChoice::unsuffixed(session_token.and_then(Peeked::decoded));
            };
            let Some(iss) = claims.claim("iss").filter(|iss| js_truthy(iss)) else {
                return CookieChoice::unsuffixed(session_token.and_then(Peeked::decoded));
            };
            let belongs = iss
                .as_str()
                .is_some_and(|iss| strip_schemes(iss) == self.domain.original_frontend_api(key));
            if !belongs {
                return CookieChoice::suffixed(None);
            }
        }
        if suffixed_uat.is_none() && suffixed_session.is_none() {
            return CookieChoice::unsuffixed(session_token.and_then(Peeked::decoded));
        }
        // Clerk's frontend writes the same token to `__session` and `__session_<suffix>`: one
        // decoding serves both.
        let same_token = suffixed_session.is_some() && suffixed_session == session;
        let suffixed_token = if same_token {
            None
        } else {
            suffixed_session.and_then(peek)
        };
        let suffixed_view = if same_token {
            session_token.as_ref()
        } else {
            suffixed_token.as_ref()
        };
        // `decodeJwt(token)?.payload.iat || 0`
        let iat = |token: Option<&Peeked<'_>>| {
            token
                .and_then(|t| t.claim("iat").map(js_to_number))
                .filter(|n| !n.is_nan())
                .unwrap_or(0.0)
        };
        let session_iat = iat(session_token.as_ref());
        let suffixed_iat = iat(suffixed_view);
        let suffixed_uat_is_0 = suffixed_uat.as_deref() == Some("0");
        let client_uat_is_0 = client_uat.as_deref() == Some("0");
        if !suffixed_uat_is_0 && !client_uat_is_0 && session_iat > suffixed_iat {
            return CookieChoice::unsuffixed(session_token.and_then(Peeked::decoded));
        }
        if suffixed_uat_is_0 && !client_uat_is_0 {
            return CookieChoice::unsuffixed(session_token.and_then(Peeked::decoded));
        }
        if self.instance_type != InstanceType::Production {
            let now = now
                .duration_since(UNIX_EPOCH)
                .map(|d| d.as_secs() as f64)
                .unwrap_or(0.0);
            let suffixed_expired = suffixed_view
                .and_then(|t| t.claim("exp").map(js_to_number))
                .is_some_and(|exp| exp <= now);
            if !suffixed_uat_is_0 && client_uat_is_0 && suffixed_expired {
                return CookieChoice::unsuffixed(session_token.and_then(Peeked::decoded));
            }
        }
        if suffixed_uat.is_none() && suffixed_session.is_some() {
            return CookieChoice::unsuffixed(session_token.and_then(Peeked::decoded));
        }
        if same_token {
            CookieChoice::suffixed(session_token.and_then(Peeked::decoded))
        } else {
            CookieChoice::suffixed(suffixed_token.and_then(Peeked::decoded))
        }
    }
}

/// Which cookie names to read, and the chosen session cookie's decoding when the choice made
/// one.
struct CookieChoice<'s> {
    suffixed: bool,
    decoded_session: Option<DecodedToken<'s>>,
}

impl<'s> CookieChoice<'s> {
    fn unsuffixed(decoded_session: Option<DecodedToken<'s>>) -> Self {
        Self {
            suffixed: false,
            decoded_session,
        }
    }

    fn suffixed(decoded_session: Option<DecodedToken<'s>>) -> Self {
        Self {
            suffixed: true,
            decoded_session,
        }
    }

    fn names<'n>(&self, suffixed: Option<&'n SuffixedNames>) -> Names<'n> {
        match (self.suffixed, suffixed) {
            (true, Some(names)) => Names {
                client_uat: &names.client_uat,
                dev_browser: &names.dev_browser,
            },
            _ => Names {
                client_uat: CLIENT_UAT,
                dev_browser: DEV_BROWSER,
            },
        }
    }
}

struct Names<'n> {
    client_uat: &'n str,
    dev_browser: &'n str,
}

/// A cookie token's unverified claims: decoded now, or those of its cached verification.
/// Short-lived on the stack, so the size difference of the variants does not matter.
#[allow(clippy::large_enum_variant)]
enum Peeked<'s> {
    Decoded(DecodedToken<'s>),
    Cached(Auth),
}

impl<'s> Peeked<'s> {
    fn claim(&self, name: &str) -> Option<&serde_json::Value> {
        match self {
            Peeked::Decoded(decoded) => decoded.claim(name),
            Peeked::Cached(auth) => auth.claims().and_then(|claims| claims.get(name)),
        }
    }

    fn decoded(self) -> Option<DecodedToken<'s>> {
        match self {
            Peeked::Decoded(decoded) => Some(decoded),
            Peeked::Cached(_) => None,
        }
    }
}

/// A verified session token as the cache keeps it.
#[derive(Clone)]
pub(super) struct Verified {
    session: (Auth, Token),
    /// The request origin (normalized) its issuer was believed for, when that issuer was a
    /// relative proxy URL's (`{origin}{path}`).
    proxy_origin: Option<Arc<str>>,
}

impl Verified {
    /// Whether the cached verdict holds for this request: always, unless its issuer was believed
    /// for one origin only and this request comes from another.
    fn believed_at(&self, parts: &RequestParts<'_>) -> bool {
        self.proxy_origin.as_deref().is_none_or(|origin| {
            app_origins::normalized(parts.origin.scheme, parts.origin.host).as_deref() == Some(origin)
        })
    }
}

pub(super) enum Prepared<'t> {
    Cached(Verified, TokenTimes),
    Decoded(DecodedToken<'t>),
}

fn signed_out_by(err: &TokenError, carrier: TokenCarrier) -> RequestOutcome {
    let message = match err.reason() {
        // Clerk answers a type mismatch, and an error that is not a token error, with no message.
        Reason::TokenTypeMismatch | Reason::UnexpectedError => None,
        _ => Some(err.full_message(carrier)),
    };
    RequestOutcome::signed_out(RequestReason::Token(err.reason()), message, Some(carrier), true)
}

/// Sets query parameter `name` to `value` (replacing every occurrence, as
/// `URLSearchParams.set` does, in place of the first).
pub(super) fn set_query_param(url: &mut url::Url, name: &str, value: &str) {
    let mut pairs: Vec<(String, String)> = url
        .query_pairs()
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect();
    match pairs.iter().position(|(k, _)| k == name) {
        Some(at) => {
            pairs[at].1 = value.to_owned();
            let mut seen = false;
            pairs.retain(|(k, _)| {
                if k != name {
                    return true;
                }
                let keep = !seen;
                seen = true;
                keep
            });
        }
        None => pairs.push((name.to_owned(), value.to_owned())),
    }
    url.query_pairs_mut().clear().extend_pairs(pairs);
}

/// Clerk's `devBrowserToken`: `__clerk_db_jwt` from the query, else the chosen cookie (`name`).
fn dev_browser_token(parts: &RequestParts<'_>, name: &str) -> Option<String> {
    parts
        .query_param(DEV_BROWSER)
        .filter(|v| !v.is_empty())
        .or_else(|| parts.cookies.get_non_empty(name).map(|v| v.into_owned()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_remembered_non_session_token_is_not_decoded_again() {
        use base64::engine::general_purpose::URL_SAFE_NO_PAD;
        use base64::Engine as _;

        let segment = |json: &str| URL_SAFE_NO_PAD.encode(json);
        // An M2M JWT's shape (signature irrelevant: the type is decided before any key).
        let m2m = format!(
            "{}.{}.c2ln",
            segment(r#"{"alg":"RS256","cat":"cl_B7d4PD333AAA"}"#),
            segment(r#"{"sub":"mch_1"}"#)
        );
        let session = format!(
            "{}.{}.c2ln",
            segment(r#"{"alg":"RS256","typ":"JWT"}"#),
            segment(r#"{"sub":"user_1"}"#)
        );
        let authenticator = RequestAuthenticator::new(SessionVerifier::new()).token_cache_capacity(16);
        let reason = |token: &str| {
            authenticator
                .prepare(token, None, &crate::verify::NoKey)
                .err()
                .map(|e| e.reason())
        };
        assert_eq!(reason(&m2m), Some(Reason::TokenTypeMismatch));
        assert_eq!(authenticator.foreign.len(), 1);
        // Undecodable: `token-invalid`, unless remembered (which only a decoding can do), so a
        // mismatch here proves the answer came from memory.
        assert_eq!(reason("not.a.token"), Some(Reason::TokenInvalid));
        authenticator
            .foreign
            .insert(authenticator.foreign.key("not.a.token").unwrap());
        assert_eq!(reason("not.a.token"), Some(Reason::TokenTypeMismatch));
        // A session-shaped token is decoded for verification, never remembered as foreign.
        assert!(matches!(
            authenticator.prepare(&session, None, &crate::verify::NoKey),
            Ok(Prepared::Decoded(_))
        ));
        assert_eq!(authenticator.foreign.len(), 2);
        // Off with the token cache.
        let off = RequestAuthenticator::new(SessionVerifier::new());
        assert_eq!(
            off.prepare(&m2m, None, &crate::verify::NoKey)
                .err()
                .map(|e| e.reason()),
            Some(Reason::TokenTypeMismatch)
        );
        assert_eq!(off.foreign.len(), 0);
    }
}
