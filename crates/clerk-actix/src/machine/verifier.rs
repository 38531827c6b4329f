//! Verification of one machine token: JWT-format tokens with the instance's keys (no network),
//! opaque ones through the Backend API on the [`Share::MachineTokens`] share of the rate budget,
//! behind the per-token cache.

use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use clerk_core::machine::{
    is_jwt_format, MachineAuth, MachineErrorCode, MachineJwtVerifier, MachineTokenError, TokenType,
};
use clerk_core::token::DecodedToken;
use clerk_core::verify::KeyResolver;

use super::cache::{MachineCacheStats, MachineFailure, MachineTokenCache, Verdict};
use crate::client::{ApiError, ClerkClient, Share};

/// How long a request refused for lack of budget is told to wait, when Clerk gave no
/// `Retry-After`.
const DEFAULT_RETRY_AFTER: Duration = Duration::from_secs(1);

/// Verifies machine tokens for a [`crate::Clerk`].
pub(crate) struct MachineVerifier {
    jwt: MachineJwtVerifier,
    cache: MachineTokenCache,
    /// The Backend API client on the machine-token share, failing at once when the share is
    /// spent (a flood must not hold requests open).
    client: Option<ClerkClient>,
}

impl MachineVerifier {
    pub(crate) fn new(jwt: MachineJwtVerifier, cache_ttl: Duration, client: Option<&ClerkClient>) -> Self {
        Self {
            jwt,
            cache: MachineTokenCache::new(cache_ttl),
            client: client.map(|client| client.share(Share::MachineTokens).max_wait(Some(Duration::ZERO))),
        }
    }

    pub(crate) fn stats(&self) -> MachineCacheStats {
        self.cache.stats()
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
            // Networkless, but an RSA check: a success is reused like an opaque one (never past
            // `exp`), keyed with the key set's epoch so a retired key's results are not; a
            // refusal is not cached (it costs no Backend API call).
            let cache_key = format!("jwt:{}:{token}", keys.key_epoch());
            return self
                .cache
                .get_or_verify(&cache_key, now, || async move {
                    let verified = match decoded {
                        Some(decoded) => self.jwt.verify_decoded(decoded, keys, now).await,
                        None => self.jwt.verify(token, keys, now).await,
                    };
                    verified.map(Arc::new).map_err(|error| MachineFailure::Refused {
                        error,
                        cacheable: false,
                    })
                })
                .await;
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
        self.cache
            .get_or_verify(token, now, || opaque(client, &self.jwt, token, kind, now))
            .await
    }
}

fn now_ms(now: SystemTime) -> i64 {
    now.duration_since(UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
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
    let now_ms = now_ms(now);
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
