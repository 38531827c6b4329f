//! Verification of one machine token: JWT-format tokens with the instance's keys (no network),
//! opaque ones through the Backend API on the [`Share::MachineTokens`] share of the rate budget,
//! behind the per-token cache.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use clerk_core::machine::{
    is_jwt_format, MachineAuth, MachineErrorCode, MachineJwtVerifier, MachineTokenError, TokenType,
};
use clerk_core::token::DecodedToken;
use clerk_core::token_cache::VerifiedTokenCache;
use clerk_core::verify::{KeyResolver, TokenTimes};
use clerk_core::SessionVerifier;

use super::cache::{millis, unix_ms, MachineCacheStats, MachineFailure, MachineTokenCache, Verdict};
use crate::client::{ApiError, ClerkClient, Share};

/// How long a request refused for lack of budget is told to wait, when Clerk gave no
/// `Retry-After`.
const DEFAULT_RETRY_AFTER: Duration = Duration::from_secs(1);

/// Verifies machine tokens for a [`crate::Clerk`].
pub(crate) struct MachineVerifier {
    jwt: MachineJwtVerifier,
    /// Verified JWT-format machine tokens by their text, as session tokens are: a client that
    /// reuses its token pays the RSA check (and the decoding) once, until `exp` or a key change.
    jwts: VerifiedTokenCache<Arc<MachineAuth>>,
    /// Signature checks of JWT-format tokens run.
    jwt_verifications: AtomicU64,
    /// Checks a cached JWT's expiry with the configured clock skew.
    times: SessionVerifier,
    key_ttl: Option<Duration>,
    clock_skew_ms: i64,
    cache: MachineTokenCache,
    /// The Backend API client on the machine-token share, failing at once when the share is
    /// spent (a flood must not hold requests open).
    client: Option<ClerkClient>,
}

/// How a [`MachineVerifier`] is set up.
pub(crate) struct MachineSettings {
    /// Successes of opaque verifications are reused this long (refusals a quarter of it).
    pub(crate) cache_ttl: Duration,
    /// Most JWT-format tokens remembered (0 = off).
    pub(crate) jwt_capacity: usize,
    /// The clock skew of the JWT checks.
    pub(crate) clock_skew: Duration,
    /// How long a fetched key is trusted (the JWKS TTL; `None` for a configured PEM key): a
    /// remembered JWT is checked again after it, so a key Clerk rotated out is noticed as
    /// soon as the uncached path would notice it, however long the token lives.
    pub(crate) key_ttl: Option<Duration>,
}

impl MachineVerifier {
    pub(crate) fn new(
        jwt: MachineJwtVerifier,
        settings: &MachineSettings,
        client: Option<&ClerkClient>,
    ) -> Self {
        Self {
            jwt,
            jwts: VerifiedTokenCache::new(settings.jwt_capacity),
            jwt_verifications: AtomicU64::new(0),
            times: SessionVerifier::new().clock_skew(settings.clock_skew),
            key_ttl: settings.key_ttl,
            clock_skew_ms: millis(settings.clock_skew),
            cache: MachineTokenCache::new(settings.cache_ttl),
            client: client.map(|client| client.share(Share::MachineTokens).max_wait(Some(Duration::ZERO))),
        }
    }

    pub(crate) fn stats(&self) -> MachineCacheStats {
        MachineCacheStats {
            jwt_verifications: self.jwt_verifications.load(Ordering::Relaxed),
            cached_jwts: self.jwts.len(),
            ..self.cache.stats()
        }
    }

    /// `token`'s verification, when it is a JWT-format machine token verified before with the
    /// keys of `key_epoch` and still unexpired at `now`: no decoding, no RSA.
    pub(crate) fn cached_jwt(
        &self,
        token: &str,
        key_epoch: u64,
        now: SystemTime,
    ) -> Option<Arc<MachineAuth>> {
        let (auth, times) = self.jwts.get(token, key_epoch)?;
        if self.times.check_times(times, now).is_ok() {
            return Some(auth);
        }
        self.jwts.remove(token);
        None
    }

    /// Verifies `token`, routed as a `kind` machine token (`decoded` when it is JWT-shaped and
    /// decoded), with `keys` for the JWT forms, at `now`.
    pub(crate) async fn verify<K: KeyResolver>(
        &self,
        token: &str,
        kind: TokenType,
        decoded: Option<DecodedToken<'_>>,
        keys: &K,
        now: SystemTime,
    ) -> Verdict {
        if is_jwt_format(token) {
            return self.verify_jwt(token, kind, decoded, keys, now).await;
        }
        let Some(client) = &self.client else {
            return Err(MachineFailure::Refused {
                error: MachineTokenError::new(
                    MachineErrorCode::UnexpectedError,
                    "Machine token authentication requires either a Machine secret key or a Clerk secret key.",
                ),
                cacheable: false,
            });
        };
        if !is_well_formed_opaque(token) {
            // No secret Clerk issues looks like this: answered as Clerk's Backend API answers an
            // unknown one (404), without spending the budget or a cache entry.
            return Err(MachineFailure::Refused {
                error: MachineTokenError::from_backend_api(kind, Some(404), None),
                cacheable: false,
            });
        }
        self.cache
            .get_or_verify(token, now, || opaque(client, &self.jwt, token, kind, now))
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
        // then routed exactly as the token would be ([`crate::machine::accepted`]).
        if auth.token_type() == kind {
            // Kept until `exp`, and no longer than the key is trusted from now (the hit check
            // adds the clock skew to whatever is stored: taken off here, so the bound is exact).
            let key_deadline = self.key_ttl.map(|ttl| {
                unix_ms(now)
                    .saturating_add(millis(ttl))
                    .saturating_sub(self.clock_skew_ms)
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

/// Longest opaque token sent to the Backend API (Clerk's secrets are a prefix and a few dozen
/// random characters).
const MAX_OPAQUE_TOKEN_BYTES: usize = 512;

/// Whether `token` could be an opaque secret Clerk issued: at most
/// [`MAX_OPAQUE_TOKEN_BYTES`] of letters, digits, `_` and `-`.
fn is_well_formed_opaque(token: &str) -> bool {
    token.len() <= MAX_OPAQUE_TOKEN_BYTES
        && token
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
}

/// One Backend API verification, mapped as Clerk's SDK maps it (plus the revoked/expired flags
/// and budget exhaustion).
async fn opaque(
    client: &ClerkClient,
    jwt: &MachineJwtVerifier,
    token: &str,
    kind: TokenType,
    now: SystemTime,
) -> Verdict {
    let now_ms = unix_ms(now);
    let inactive = || MachineFailure::Refused {
        error: MachineTokenError::inactive(kind),
        cacheable: true,
    };
    match kind {
        TokenType::ApiKey => match client.verify_api_key(token).await {
            Ok(key) if key.is_usable_at(now_ms) => Ok(Arc::new(MachineAuth::from_api_key(&key))),
            Ok(_) => Err(inactive()),
            Err(err) => Err(failure(kind, &err)),
        },
        TokenType::M2mToken => match client.verify_m2m_token(token).await {
            Ok(m2m) if m2m.is_usable_at(now_ms) => Ok(Arc::new(MachineAuth::from_m2m_token(&m2m))),
            Ok(_) => Err(inactive()),
            Err(err) => Err(failure(kind, &err)),
        },
        TokenType::OAuthToken => match client.verify_oauth_token(token).await {
            Ok(answer) => match answer.token() {
                Some(oauth) if oauth.is_usable_at(now_ms) => {
                    jwt.check_oauth_audience(oauth.aud.as_ref()).map_err(|error| {
                        MachineFailure::Refused {
                            error,
                            cacheable: true,
                        }
                    })?;
                    Ok(Arc::new(MachineAuth::from_oauth_token(oauth)))
                }
                _ => Err(inactive()),
            },
            Err(err) => Err(failure(kind, &err)),
        },
        // Routing never sends a session token here.
        TokenType::SessionToken => Err(inactive()),
    }
}

/// A failed Backend API call as a verdict: the budget spent or Clerk's 429 → 503; a 4xx →
/// Clerk's refusal, cacheable; anything else → Clerk's `unexpected-error`, not cached.
fn failure(kind: TokenType, err: &ApiError) -> MachineFailure {
    if matches!(err, ApiError::RateBudgetExhausted { .. }) || err.is_rate_limited() {
        return MachineFailure::Unavailable {
            retry_after: err.retry_after().unwrap_or(DEFAULT_RETRY_AFTER),
        };
    }
    match err {
        ApiError::Status { status, errors, .. } => MachineFailure::Refused {
            error: MachineTokenError::from_backend_api(
                kind,
                Some(*status),
                errors.first().map(|e| e.message.as_str()),
            ),
            cacheable: (400..500).contains(status),
        },
        _ => MachineFailure::Refused {
            error: MachineTokenError::from_backend_api(kind, None, None),
            cacheable: false,
        },
    }
}
