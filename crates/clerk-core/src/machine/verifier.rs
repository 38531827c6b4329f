//! Verification of machine tokens and the decision of a route that accepts them: JWT-format
//! tokens with the instance's keys (no network, remembered by their text until `exp`), opaque
//! ones through a [`MachineBackend`] behind the per-token cache, and Clerk's routing rules around
//! them (docs/clerk-behaviour.md §10, §11). Every time is the caller's `now`.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use tokio::sync::OnceCell;

use super::cache::{MachineCacheStats, MachineFailure, MachineTokenCache, Verdict};
use super::{
    is_jwt_format, AcceptsToken, MachineErrorCode, MachineIdentity, MachineJwtVerifier, MachineRefusal,
    MachineTokenError, Route, TokenType,
};
use crate::request::{AuthOutcome, MachineBackend, MachineBackendError};
use crate::time::{duration_millis, unix_millis};
use crate::token::DecodedToken;
use crate::token_cache::VerifiedTokenCache;
use crate::verify::{KeyResolver, TokenTimes};
use crate::JwtVerifier;

/// How long a request refused for lack of budget is told to wait, when Clerk gave no
/// `Retry-After`.
const DEFAULT_RETRY_AFTER: Duration = Duration::from_secs(1);

/// Longest opaque token sent to the Backend API (Clerk's secrets are a prefix and a few dozen
/// random characters).
const MAX_OPAQUE_TOKEN_BYTES: usize = 512;

/// One request's machine-token verification, done at most once whatever asks (every extractor,
/// guard and route policy of the request sees the same verdict). Create one per request and
/// pass it to each [`MachineVerifier::decide`] of that request.
#[derive(Debug, Default)]
pub struct MachineMemo(OnceCell<Verdict>);

impl MachineMemo {
    /// An empty memo, for a new request.
    pub fn new() -> Self {
        Self::default()
    }
}

/// Verifies the machine tokens of one Clerk instance and decides what routes that accept them
/// make of a request. `Send + Sync`: build one per instance and share it; it holds the caches.
///
/// - JWT-format tokens (M2M JWTs, OAuth `at+jwt`) are verified with the instance's keys, and a
///   verified one is remembered by its text until `exp` (and no longer than the key is trusted,
///   [`key_ttl`](Self::key_ttl)).
/// - Opaque tokens (`ak_…`, `mt_…`, `oat_…`) are verified through a [`MachineBackend`], once per
///   token at a time; successes are cached for [`cache_ttl`](Self::cache_ttl) (never past the
///   token's expiry), refusals of the Backend API (4xx) for a quarter of it.
///
/// # Examples
///
/// ```
/// use std::time::{Duration, SystemTime};
/// use clerk_core::machine::{AcceptsToken, MachineJwtVerifier, MachineMemo, MachineVerifier, TokenType};
/// use clerk_core::request::{AuthOutcome, NoBackend};
/// # use std::sync::Arc;
/// # use clerk_core::{jwk::VerifyingKey, verify::StaticKey};
/// # let pem = include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/test_signing_key.public.pem"));
/// # let keys = StaticKey(Arc::new(VerifyingKey::from_pem(pem).unwrap()));
/// # fn block_on<T>(f: impl std::future::Future<Output = T>) -> T {
/// #     tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(f)
/// # }
///
/// let verifier = MachineVerifier::new(MachineJwtVerifier::new()).cache_ttl(Duration::from_secs(10));
/// let memo = MachineMemo::new();
/// let outcome = block_on(verifier.decide(
///     AcceptsToken::from(TokenType::ApiKey),
///     None, // no `Authorization` header
///     &memo,
///     &keys,
///     &NoBackend,
///     SystemTime::now(),
/// ));
/// assert!(matches!(outcome, Some(AuthOutcome::Refused(refusal)) if refusal.reason() == "No token in header"));
/// ```
pub struct MachineVerifier {
    jwt: MachineJwtVerifier,
    /// Verified JWT-format machine tokens by their text, as session tokens are: a client that
    /// reuses its token pays the RSA check (and the decoding) once, until `exp` or a key change.
    jwts: VerifiedTokenCache<Arc<MachineIdentity>>,
    /// Signature checks of JWT-format tokens run.
    jwt_verifications: AtomicU64,
    /// Checks a cached JWT's expiry with the configured clock skew.
    times: JwtVerifier,
    clock_skew: Duration,
    key_ttl: Option<Duration>,
    cache: MachineTokenCache,
}

impl std::fmt::Debug for MachineVerifier {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MachineVerifier")
            .field("jwt", &self.jwt)
            .field("clock_skew", &self.clock_skew)
            .field("key_ttl", &self.key_ttl)
            .field("stats", &self.stats())
            .finish_non_exhaustive()
    }
}

impl MachineVerifier {
    /// A verifier checking JWT-format tokens with `jwt` (its audience and clock skew), with the
    /// defaults below.
    pub fn new(jwt: MachineJwtVerifier) -> Self {
        let clock_skew = jwt.configured_clock_skew().unwrap_or(Duration::from_secs(5));
        Self {
            jwt,
            jwts: VerifiedTokenCache::new(4096),
            jwt_verifications: AtomicU64::new(0),
            times: JwtVerifier::new().clock_skew(clock_skew),
            clock_skew,
            key_ttl: None,
            cache: MachineTokenCache::new(Duration::from_secs(10)),
        }
    }

    /// How long a Backend API success is reused (refusals a quarter of it; zero: no caching,
    /// one call per token at a time still). Defaults to 10 s.
    pub fn cache_ttl(mut self, ttl: Duration) -> Self {
        self.cache = MachineTokenCache::new(ttl);
        self
    }

    /// Most JWT-format tokens remembered (0: off). Defaults to 4096.
    pub fn jwt_capacity(mut self, capacity: usize) -> Self {
        self.jwts = VerifiedTokenCache::new(capacity);
        self
    }

    /// Allowed clock difference for `exp`/`nbf`/`iat` of JWT-format tokens, remembered ones
    /// included (sets the [`MachineJwtVerifier`]'s). Defaults to the [`MachineJwtVerifier`]'s
    /// (5 s unless it was set).
    pub fn clock_skew(mut self, skew: Duration) -> Self {
        self.jwt = self.jwt.clock_skew(skew);
        self.times = JwtVerifier::new().clock_skew(skew);
        self.clock_skew = skew;
        self
    }

    /// How long a fetched key is trusted (the JWKS TTL; `None` for a configured PEM key): a
    /// remembered JWT is checked again after it, so a key Clerk rotated out is noticed as soon as
    /// the uncached path would notice it, however long the token lives. Defaults to `None`.
    pub fn key_ttl(mut self, ttl: Option<Duration>) -> Self {
        self.key_ttl = ttl;
        self
    }

    /// The caches' counters.
    pub fn stats(&self) -> MachineCacheStats {
        MachineCacheStats {
            jwt_verifications: self.jwt_verifications.load(Ordering::Relaxed),
            cached_jwts: self.jwts.len(),
            ..self.cache.stats()
        }
    }

    /// What a route accepting `accepts` makes of a request whose `Authorization` header carries
    /// `header_token` (or none), in Clerk's order: a JWT-format machine token verified before
    /// (by this request or, with the current keys, by an earlier one) of an accepted type is
    /// that machine; else [`AcceptsToken::route`] decides, and a machine token is verified
    /// (once per `memo`) with `keys` or through `backend` (a [`NoBackend`](crate::request::NoBackend)
    /// without a secret key: opaque tokens are then refused as Clerk refuses them), at `now`.
    ///
    /// `None` when the session flow decides instead: the route accepts session tokens and the
    /// header holds one, or holds none. A framework adapter calls
    /// [`RequestAuthenticator::authenticate_request`](crate::request::RequestAuthenticator::authenticate_request),
    /// which runs the session flow then; this is its machine half.
    pub async fn decide<K: KeyResolver, B: MachineBackend>(
        &self,
        accepts: AcceptsToken,
        header_token: Option<&str>,
        memo: &MachineMemo,
        keys: &K,
        backend: &B,
        now: SystemTime,
    ) -> Option<AuthOutcome> {
        if accepts == AcceptsToken::default() {
            return None;
        }
        if let Some(auth) = self.remembered_jwt(header_token, accepts, memo, keys, now) {
            return Some(AuthOutcome::Machine(auth));
        }
        let outcome = match accepts.route(header_token) {
            Route::SessionHeader { .. } | Route::Cookies => return None,
            Route::Mismatch { token_type, message } => {
                AuthOutcome::Refused(MachineRefusal::Mismatch { token_type, message })
            }
            Route::NoTokenInHeader { token_type } => {
                AuthOutcome::Refused(MachineRefusal::NoTokenInHeader { token_type })
            }
            Route::Machine { token, kind, decoded } => {
                // Clerk reports a JWT-shaped token that does not decode as an M2M token, whatever
                // its prefix (`verifyMachineAuthToken`).
                let reported = if decoded.is_none() && is_jwt_format(token) {
                    TokenType::M2mToken
                } else {
                    kind
                };
                let verdict = memo
                    .0
                    .get_or_init(|| self.verify(token, kind, decoded, keys, backend, now))
                    .await;
                match verdict {
                    Ok(auth) => AuthOutcome::Machine(Arc::clone(auth)),
                    Err(MachineFailure::Refused { error, .. }) => {
                        AuthOutcome::Refused(MachineRefusal::Failed {
                            token_type: reported,
                            error: error.clone(),
                        })
                    }
                    Err(MachineFailure::Unavailable { retry_after }) => AuthOutcome::Unavailable {
                        retry_after: *retry_after,
                    },
                }
            }
        };
        Some(outcome)
    }

    /// A JWT-format machine token verified before, of a type the route accepts: the decision
    /// [`AcceptsToken::route`] and the verification would reach, without decoding it again (the
    /// cache holds only tokens whose routed type is the verified one). The request's
    /// verification is looked up first, and a cache hit becomes it.
    fn remembered_jwt<K: KeyResolver>(
        &self,
        token: Option<&str>,
        accepts: AcceptsToken,
        memo: &MachineMemo,
        keys: &K,
        now: SystemTime,
    ) -> Option<Arc<MachineIdentity>> {
        // Opaque tokens have no dots; they have their own cache behind the verification.
        let token = token.filter(|token| token.contains('.'))?;
        let auth = match memo.0.get() {
            Some(Ok(auth)) => Arc::clone(auth),
            Some(Err(_)) => return None,
            None => {
                let auth = self.cached_jwt(token, keys.key_epoch(), now)?;
                // Only this request touches its memo, and nothing awaited since `get`.
                let _ = memo.0.set(Ok(Arc::clone(&auth)));
                auth
            }
        };
        accepts.accepts(auth.token_type()).then_some(auth)
    }

    /// `token`'s verification, when it is a JWT-format machine token verified before with the
    /// keys of `key_epoch` and still unexpired at `now`: no decoding, no RSA.
    fn cached_jwt(&self, token: &str, key_epoch: u64, now: SystemTime) -> Option<Arc<MachineIdentity>> {
        let (auth, times) = self.jwts.get(token, key_epoch)?;
        if self.times.check_times(times, now).is_ok() {
            return Some(auth);
        }
        self.jwts.remove(token);
        None
    }

    /// Verifies `token`, routed as a `kind` machine token (`decoded` when it is JWT-shaped and
    /// decoded), with `keys` for the JWT forms and `backend` for the opaque ones, at `now`.
    async fn verify<K: KeyResolver, B: MachineBackend>(
        &self,
        token: &str,
        kind: TokenType,
        decoded: Option<DecodedToken<'_>>,
        keys: &K,
        backend: &B,
        now: SystemTime,
    ) -> Verdict {
        if is_jwt_format(token) {
            return self.verify_jwt(token, kind, decoded, keys, now).await;
        }
        if !backend.is_available() {
            return Err(MachineFailure::Refused {
                error: MachineTokenError::new(
                    MachineErrorCode::UnexpectedError,
                    "Machine token authentication requires either a Machine secret key or a Clerk secret key.",
                ),
                cacheable: false,
            });
        }
        if !is_well_formed_opaque(token) {
            // No secret Clerk issues looks like this: answered as Clerk's Backend API answers an
            // unknown one (404), without spending the budget or a cache entry.
            return Err(MachineFailure::Refused {
                error: MachineTokenError::from_backend_api(kind, Some(404), None),
                cacheable: false,
            });
        }
        self.cache
            .get_or_verify(token, now, || opaque(backend, &self.jwt, token, kind, now))
            .await
    }

    /// Networkless: a success is remembered until `exp` (keyed with the key set's epoch, so a
    /// retired key's results are not reused); a refusal is not (it costs no Backend API call).
    async fn verify_jwt<K: KeyResolver>(
        &self,
        token: &str,
        kind: TokenType,
        decoded: Option<DecodedToken<'_>>,
        keys: &K,
        now: SystemTime,
    ) -> Verdict {
        let epoch = keys.key_epoch();
        if let Some(auth) = self.cached_jwt(token, epoch, now) {
            return Ok(auth);
        }
        self.jwt_verifications.fetch_add(1, Ordering::Relaxed);
        let verified = match decoded {
            Some(decoded) => self.jwt.verify_decoded(decoded, keys, now).await,
            None => self.jwt.verify(token, keys, now).await,
        };
        let auth = Arc::new(verified.map_err(|error| MachineFailure::Refused {
            error,
            cacheable: false,
        })?);
        // Only a token whose routed type is the verified one is remembered: a cache hit is
        // then routed exactly as the token would be (`remembered_jwt`).
        if auth.token_type() == kind {
            // Kept until `exp`, and no longer than the key is trusted from now (the hit check
            // adds the clock skew to whatever is stored: taken off here, so the bound is exact).
            let key_deadline = self.key_ttl.map(|ttl| {
                unix_millis(now)
                    .saturating_add(duration_millis(ttl))
                    .saturating_sub(duration_millis(self.clock_skew))
            });
            let until = match (auth.expiration_ms(), key_deadline) {
                (Some(exp), Some(deadline)) => Some(exp.min(deadline)),
                (exp, deadline) => exp.or(deadline),
            };
            let times = TokenTimes {
                exp_ms: until.map(|ms| ms as f64),
                ..TokenTimes::default()
            };
            self.jwts.insert(token, Arc::clone(&auth), times, epoch, now);
        }
        Ok(auth)
    }
}

/// Whether `token` could be an opaque secret Clerk issued: at most
/// [`MAX_OPAQUE_TOKEN_BYTES`] of letters, digits, `_` and `-`.
fn is_well_formed_opaque(token: &str) -> bool {
    token.len() <= MAX_OPAQUE_TOKEN_BYTES
        && token
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
}

/// One Backend API verification, mapped as Clerk's SDK maps it (plus the revoked/expired flags
/// and the rate limit).
async fn opaque<B: MachineBackend>(
    backend: &B,
    jwt: &MachineJwtVerifier,
    token: &str,
    kind: TokenType,
    now: SystemTime,
) -> Verdict {
    let now_ms = unix_millis(now);
    let inactive = || MachineFailure::Refused {
        error: MachineTokenError::inactive(kind),
        cacheable: true,
    };
    match kind {
        TokenType::ApiKey => match backend.verify_api_key(token).await {
            Ok(key) if key.is_usable_at(now_ms) => Ok(Arc::new(MachineIdentity::from_api_key(&key))),
            Ok(_) => Err(inactive()),
            Err(err) => Err(failure(kind, err)),
        },
        TokenType::M2mToken => match backend.verify_m2m_token(token).await {
            Ok(m2m) if m2m.is_usable_at(now_ms) => Ok(Arc::new(MachineIdentity::from_m2m_token(&m2m))),
            Ok(_) => Err(inactive()),
            Err(err) => Err(failure(kind, err)),
        },
        TokenType::OAuthToken => match backend.verify_oauth_token(token).await {
            Ok(answer) => match answer.token() {
                Some(oauth) if oauth.is_usable_at(now_ms) => {
                    jwt.check_oauth_audience(oauth.aud.as_ref()).map_err(|error| {
                        MachineFailure::Refused {
                            error,
                            cacheable: true,
                        }
                    })?;
                    Ok(Arc::new(MachineIdentity::from_oauth_token(oauth)))
                }
                _ => Err(inactive()),
            },
            Err(err) => Err(failure(kind, err)),
        },
        // Routing never sends a session token here.
        TokenType::SessionToken => Err(inactive()),
    }
}

/// A failed Backend API call as a verdict: the rate limit → 503; a 4xx → Clerk's refusal,
/// cacheable; anything else → Clerk's `unexpected-error`, not cached.
fn failure(kind: TokenType, err: MachineBackendError) -> MachineFailure {
    match err {
        MachineBackendError::RateLimited { retry_after } => MachineFailure::Unavailable {
            retry_after: retry_after.unwrap_or(DEFAULT_RETRY_AFTER),
        },
        MachineBackendError::Status { status, message } => MachineFailure::Refused {
            error: MachineTokenError::from_backend_api(kind, Some(status), message.as_deref()),
            cacheable: (400..500).contains(&status),
        },
        MachineBackendError::Unexpected => MachineFailure::Refused {
            error: MachineTokenError::from_backend_api(kind, None, None),
            cacheable: false,
        },
    }
}
