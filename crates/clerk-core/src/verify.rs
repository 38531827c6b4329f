//! Session-token verification in Clerk's order, with Clerk's boundaries and reasons.

use std::borrow::Cow;
use std::future::Future;
use std::sync::{Arc, OnceLock};
use std::time::{Duration, SystemTime};

use serde_json::{Map, Value};

use crate::claims::{Fields, PickedClaims, ORG_CLAIMS};
use crate::error::{Action, Reason, TokenError};
use crate::jwk::{KeyOrigin, RsaAlgorithm, VerifyingKey};
use crate::jwks::{JwksCache, JwksFetcher};
use crate::time::{js_seconds_to_millis, js_utc_string, unix_millis};
use crate::token::{js_string, js_stringify, parse_validated, DecodedToken, DEFAULT_MAX_TOKEN_BYTES};

/// Finds the key for a token's `kid`.
///
/// Implemented by [`StaticKey`] (networkless, `CLERK_JWT_KEY`) and [`JwksKeys`] (a
/// [`JwksCache`] with a fetcher). The future need not be `Send`.
pub trait KeyResolver {
    /// The key to verify a token whose header carries `kid`.
    fn resolve(
        &self,
        kid: Option<&str>,
        now: SystemTime,
    ) -> impl Future<Output = Result<Arc<VerifyingKey>, TokenError>>;

    /// A number that changes whenever a key stops being valid (a JWKS refetch retired it), so
    /// results verified with an older key set can be dropped. Constant for a static key.
    fn key_epoch(&self) -> u64 {
        0
    }
}

/// One configured key that verifies every `kid` (Clerk's networkless PEM mode).
#[derive(Debug, Clone)]
pub struct StaticKey(pub Arc<VerifyingKey>);

impl KeyResolver for StaticKey {
    async fn resolve(&self, _kid: Option<&str>, _now: SystemTime) -> Result<Arc<VerifyingKey>, TokenError> {
        Ok(Arc::clone(&self.0))
    }
}

/// A [`JwksCache`] and the fetcher that fills it.
#[derive(Debug)]
pub struct JwksKeys<'a, F> {
    /// The shared cache.
    pub cache: &'a JwksCache,
    /// This worker's fetcher.
    pub fetcher: &'a F,
}

impl<F: JwksFetcher> KeyResolver for JwksKeys<'_, F> {
    async fn resolve(&self, kid: Option<&str>, now: SystemTime) -> Result<Arc<VerifyingKey>, TokenError> {
        self.cache.get(kid, self.fetcher, now).await
    }

    fn key_epoch(&self) -> u64 {
        self.cache.retirement_epoch()
    }
}

/// The claims of a verified Clerk JWT (a session token, or an M2M or OAuth JWT).
///
/// Keeps the payload's JSON text (every claim, custom ones included), the claims Clerk's rules
/// read (`sub`, `sid`, `sts`, `exp`, the organization's, …) picked out of it at verification,
/// and the typed values the rules use; the full map of [`raw`](Self::raw) is parsed from the
/// text on first use only. Cheap to share behind an `Arc`. `Debug` shows the subject, session
/// and key ids only: custom claims may carry personal data.
#[derive(Clone)]
pub struct VerifiedClaims {
    payload_json: Box<str>,
    picked: Box<PickedClaims>,
    map: OnceLock<Map<String, Value>>,
    pub(crate) sub: String,
    pub(crate) exp_ms: Option<f64>,
    pub(crate) nbf_ms: Option<f64>,
    pub(crate) iat_ms: Option<f64>,
    pub(crate) kid: Option<Arc<str>>,
}

impl std::fmt::Debug for VerifiedClaims {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("VerifiedClaims")
            .field("sub", &self.sub)
            .field("sid", &self.get_str("sid"))
            .field("kid", &self.kid)
            .finish_non_exhaustive()
    }
}

/// Two verifications of the same payload by the same key are equal.
impl PartialEq for VerifiedClaims {
    fn eq(&self, other: &Self) -> bool {
        self.payload_json == other.payload_json && self.kid == other.kid
    }
}

impl VerifiedClaims {
    /// Claims from a payload text, unverified: for unit tests of the rules that read them.
    #[cfg(test)]
    pub(crate) fn unverified_for_test(payload_json: &str) -> Self {
        let picked = crate::claims::pick_claims(payload_json).expect("a test payload is JSON");
        let sub = match picked.claims.get("sub") {
            Some(Value::String(sub)) => sub.clone(),
            _ => String::new(),
        };
        VerifiedClaims {
            payload_json: payload_json.into(),
            picked: Box::new(picked),
            map: OnceLock::new(),
            sub,
            exp_ms: None,
            nbf_ms: None,
            iat_ms: None,
            kid: None,
        }
    }

    /// The user id (`sub`).
    pub fn subject(&self) -> &str {
        &self.sub
    }

    /// Every claim as the token carried it, parsed from the payload's text on the first call
    /// (an empty map when the payload is not an object).
    pub fn raw(&self) -> &Map<String, Value> {
        self.map
            .get_or_init(|| match parse_validated(&self.payload_json) {
                Value::Object(map) => map,
                _ => Map::new(),
            })
    }

    /// One claim. The claims Clerk's rules read are answered without parsing the payload; any
    /// other parses it once (see [`raw`](Self::raw)).
    pub fn get(&self, name: &str) -> Option<&Value> {
        match self.picked.claims.lookup(name) {
            Some(picked) => picked,
            None => self.raw().get(name),
        }
    }

    /// A string claim.
    pub fn get_str(&self, name: &str) -> Option<&str> {
        self.get(name).and_then(Value::as_str)
    }

    /// The v2 `o` claim's picked fields, when `o` is an object.
    pub(crate) fn org_object(&self) -> Option<&Fields<{ ORG_CLAIMS.len() }>> {
        self.picked.org.as_ref()
    }

    /// The `kid` of the key that verified the token (`None` for networkless keys).
    pub fn kid(&self) -> Option<&str> {
        self.kid.as_deref()
    }

    /// Expiry in milliseconds since the epoch, as Clerk computes it (whole seconds × 1000).
    pub fn expires_at_ms(&self) -> Option<i64> {
        self.exp_ms.map(|ms| ms as i64)
    }

    /// The time claims, as [`JwtVerifier::check_times`] needs them.
    pub fn times(&self) -> TokenTimes {
        TokenTimes {
            exp_ms: self.exp_ms,
            nbf_ms: self.nbf_ms,
            iat_ms: self.iat_ms,
        }
    }
}

/// The time claims of a verified token in milliseconds (`None` when absent or not representable,
/// which Clerk's checks pass).
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct TokenTimes {
    /// `exp` × 1000.
    pub exp_ms: Option<f64>,
    /// `nbf` × 1000.
    pub nbf_ms: Option<f64>,
    /// `iat` × 1000.
    pub iat_ms: Option<f64>,
}

/// The former name of [`JwtVerifier`], kept for one release.
#[deprecated(note = "renamed `JwtVerifier`: it verifies M2M and OAuth JWTs too")]
pub type SessionVerifier = JwtVerifier;

/// The former name of [`VerifiedClaims`], kept for one release.
#[deprecated(note = "renamed `VerifiedClaims`: the claims of M2M and OAuth JWTs too")]
pub type SessionClaims = VerifiedClaims;

/// Verifies Clerk-signed JWTs: session tokens, and (through
/// [`MachineJwtVerifier`](crate::machine::MachineJwtVerifier)) M2M and OAuth JWTs.
///
/// Checks, in Clerk's order (docs/clerk-behaviour.md §1): size bound; decoding, canonical unpadded
/// base64url only (`token-invalid`); machine or non-session tokens, however spelled
/// (`token-type-mismatch`); key by `kid`; `typ` must be `JWT` when present;
/// `alg` among RS256/RS384/RS512 and equal to the key's (pinned by the key, never the token);
/// signature; `sub`; `aud` (when configured and present); `azp` (required and listed when
/// authorized parties are configured); `iss` (exact, when configured: our addition); `exp`, `nbf`,
/// `iat` with the clock skew and Clerk's exact inequalities.
///
/// "Now" is always a parameter.
///
/// # Examples
///
/// ```
/// use std::sync::Arc;
/// use std::time::{Duration, UNIX_EPOCH};
/// use clerk_core::{JwtVerifier, verify::StaticKey, jwk::VerifyingKey};
///
/// let pem = include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/test_signing_key.public.pem"));
/// let key = StaticKey(Arc::new(VerifyingKey::from_pem(pem)?));
/// let verifier = JwtVerifier::new()
///     .issuer("https://happy-hippo-42.clerk.accounts.dev")
///     .authorized_parties(["http://localhost:3000"]);
/// # let token = serde_json::from_str::<serde_json::Value>(include_str!(concat!(
/// #     env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/session_token.v2.basic.json")))?["jwt"]
/// #     .as_str().unwrap().to_owned();
/// let now = UNIX_EPOCH + Duration::from_secs(1_755_000_030);
/// let claims = tokio_block_on(verifier.verify(&token, &key, now))?;
/// assert_eq!(claims.subject(), "user_2zXmpL3UsrAbCdEfGhIjKlMnOpQ");
/// # fn tokio_block_on<T>(f: impl std::future::Future<Output = T>) -> T {
/// #     tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(f)
/// # }
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone)]
pub struct JwtVerifier {
    authorized_parties: Vec<String>,
    audience: Vec<String>,
    issuers: Vec<String>,
    clock_skew_ms: i64,
    max_token_bytes: usize,
}

impl Default for JwtVerifier {
    fn default() -> Self {
        Self::new()
    }
}

impl JwtVerifier {
    /// A verifier with Clerk's defaults.
    pub fn new() -> Self {
        Self {
            authorized_parties: Vec::new(),
            audience: Vec::new(),
            issuers: Vec::new(),
            clock_skew_ms: 5_000,
            max_token_bytes: DEFAULT_MAX_TOKEN_BYTES,
        }
    }

    /// Origins allowed in `azp`; when non-empty, `azp` is required. Defaults to none (no check).
    pub fn authorized_parties<I, S>(mut self, parties: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.authorized_parties = parties
            .into_iter()
            .map(Into::into)
            .filter(|p| !p.is_empty())
            .collect();
        self
    }

    /// Accepted audiences, checked only when the token has `aud`. Defaults to none.
    pub fn audience<I, S>(mut self, audience: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.audience = audience
            .into_iter()
            .map(Into::into)
            .filter(|a| !a.is_empty())
            .collect();
        self
    }

    /// The exact issuer required in `iss` (`https://{frontend API}`). Defaults to none (Clerk
    /// does not check `iss`; set it from the publishable key so that a token from another instance
    /// never passes).
    pub fn issuer(mut self, issuer: impl Into<String>) -> Self {
        self.issuers = vec![issuer.into()];
        self
    }

    /// Several accepted issuers (e.g. the instance's own and its proxy URL's, see
    /// `MultiDomain::issuers` in `clerk_core::request`); `iss` must equal one of them. An empty
    /// list turns the check off.
    pub fn issuers<I, S>(mut self, issuers: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.issuers = issuers.into_iter().map(Into::into).collect();
        self
    }

    /// Allowed clock difference for `exp`, `nbf` and `iat`. Defaults to 5 s.
    pub fn clock_skew(mut self, skew: Duration) -> Self {
        self.clock_skew_ms = crate::time::duration_millis(skew);
        self
    }

    /// Largest token accepted, in bytes. Defaults to [`DEFAULT_MAX_TOKEN_BYTES`] (8 KiB).
    pub fn max_token_bytes(mut self, max: usize) -> Self {
        self.max_token_bytes = max;
        self
    }

    /// The configured token size bound.
    pub fn token_size_limit(&self) -> usize {
        self.max_token_bytes
    }

    /// Verifies `token`, resolving its key through `keys`.
    ///
    /// # Errors
    ///
    /// A [`TokenError`] with Clerk's reason and message.
    pub async fn verify<R: KeyResolver>(
        &self,
        token: &str,
        keys: &R,
        now: SystemTime,
    ) -> Result<VerifiedClaims, TokenError> {
        let decoded = self.decode(token)?;
        self.verify_with(decoded, keys, now).await
    }

    /// Verifies a token [`JwtVerifier::decode`] already decoded, resolving its key through
    /// `keys`.
    ///
    /// # Errors
    ///
    /// A [`TokenError`] with Clerk's reason and message.
    pub async fn verify_with<R: KeyResolver>(
        &self,
        decoded: DecodedToken<'_>,
        keys: &R,
        now: SystemTime,
    ) -> Result<VerifiedClaims, TokenError> {
        if decoded.is_not_a_session_token() {
            return Err(TokenError::new(Reason::TokenTypeMismatch, ""));
        }
        if decoded.header_is_null() {
            // Clerk's `verifyToken` destructures the header and throws a TypeError, which
            // `authenticateRequest` reports as `unexpected-error` without a message.
            return Err(TokenError::new(Reason::UnexpectedError, ""));
        }
        // Clerk looks the key up as `keys[kid]`: a non-string `kid` is used as its string form.
        let kid = decoded.header().kid.as_ref().map(|kid| match kid {
            Value::String(kid) => Cow::Borrowed(kid.as_str()),
            other => Cow::Owned(js_string(other)),
        });
        let key = keys.resolve(kid.as_deref(), now).await?;
        self.verify_decoded(decoded, &key, now)
    }

    /// The checks before key resolution: size, decoding, token type.
    ///
    /// # Errors
    ///
    /// `token-invalid` or `token-type-mismatch`.
    pub fn decode<'a>(&self, token: &'a str) -> Result<DecodedToken<'a>, TokenError> {
        let decoded = DecodedToken::decode(token, self.max_token_bytes)?;
        if decoded.is_not_a_session_token() {
            return Err(TokenError::new(Reason::TokenTypeMismatch, ""));
        }
        Ok(decoded)
    }

    /// Everything after key resolution: header, signature, then claims.
    ///
    /// # Errors
    ///
    /// A [`TokenError`] with Clerk's reason and message.
    pub fn verify_decoded(
        &self,
        decoded: DecodedToken<'_>,
        key: &VerifyingKey,
        now: SystemTime,
    ) -> Result<VerifiedClaims, TokenError> {
        self.verify_decoded_typed(decoded, key, now, None)
    }

    /// [`verify_decoded`](Self::verify_decoded) with Clerk's `headerType` option: `None` allows
    /// an absent `typ` or `JWT`; `Some(types)` requires one of `types` (OAuth access tokens).
    pub(crate) fn verify_decoded_typed(
        &self,
        decoded: DecodedToken<'_>,
        key: &VerifyingKey,
        now: SystemTime,
        header_types: Option<&[&str]>,
    ) -> Result<VerifiedClaims, TokenError> {
        let alg = check_header(&decoded, header_types)?;
        // The key pins the algorithm. A JWK with another `alg` cannot be imported by Clerk's Web
        // Crypto call (verification failed); a PEM key simply fails the signature.
        if alg != key.algorithm() {
            return Err(match key.origin() {
                // Node's Web Crypto refuses the import with `JWK "alg" does not match the
                // requested algorithm`, which Clerk wraps as `Error verifying JWT signature. Error: …`.
                KeyOrigin::Jwks => TokenError::new(
                    Reason::TokenVerificationFailed,
                    "Error verifying JWT signature. Error: JWK \"alg\" does not match the requested algorithm",
                )
                .with_action(Action::EnsureClerkJwt),
                KeyOrigin::Pem => TokenError::new(Reason::TokenInvalidSignature, "JWT signature is invalid."),
            });
        }
        if !key.verify_signature(decoded.signing_input(), decoded.signature()) {
            return Err(TokenError::new(
                Reason::TokenInvalidSignature,
                "JWT signature is invalid.",
            ));
        }

        let kid = key.kid().map(Arc::from);
        let (payload_json, picked, parsed) = decoded.into_payload_parts();
        let claims = &picked.claims;
        let sub = match claims.get("sub") {
            Some(Value::String(sub)) => sub.clone(),
            other => {
                return Err(TokenError::new(
                    Reason::TokenVerificationFailed,
                    format!(
                        "Subject claim (sub) is required and must be a string. Received {}.",
                        js_stringify(other)
                    ),
                )
                .with_action(Action::EnsureClerkJwt))
            }
        };
        self.check_audience(claims.get("aud"))?;
        self.check_authorized_party(claims.get("azp"))?;
        self.check_issuer(claims.get("iss"))?;
        let exp_ms = match claims.get("exp") {
            Some(Value::Number(n)) => js_seconds_to_millis(n.as_f64().unwrap_or(f64::NAN)),
            other => {
                return Err(TokenError::new(
                    Reason::TokenVerificationFailed,
                    format!(
                        "Invalid JWT expiry date claim (exp) {}. Expected number.",
                        js_stringify(other)
                    ),
                )
                .with_action(Action::EnsureClerkJwt))
            }
        };
        // Clerk checks each time claim completely (type, then value) before the next one: an
        // expired token with `"nbf": null` is expired, not malformed.
        let now_ms = unix_millis(now) as f64;
        self.check_exp(exp_ms, now_ms)?;
        let nbf_ms = optional_time(claims.get("nbf"), "Invalid JWT not before date claim (nbf)")?;
        self.check_nbf(nbf_ms, now_ms)?;
        let iat_ms = optional_time(claims.get("iat"), "Invalid JWT issued at date claim (iat)")?;
        self.check_iat(iat_ms, now_ms)?;
        let map = OnceLock::new();
        if let Some(Value::Object(parsed)) = parsed {
            let _ = map.set(parsed);
        }
        Ok(VerifiedClaims {
            payload_json: payload_json.into_boxed_str(),
            picked,
            map,
            sub,
            exp_ms,
            nbf_ms,
            iat_ms,
            kid,
        })
    }

    /// Re-checks `exp`, `nbf` and `iat` of verified claims at `now` (for cached verifications).
    ///
    /// # Errors
    ///
    /// `token-expired`, `token-not-active-yet` or `token-iat-in-the-future`.
    pub fn check_time(&self, claims: &VerifiedClaims, now: SystemTime) -> Result<(), TokenError> {
        self.check_times(claims.times(), now)
    }

    /// [`check_time`](Self::check_time) on the time claims alone (as a verified-token cache keeps
    /// them).
    ///
    /// # Errors
    ///
    /// `token-expired`, `token-not-active-yet` or `token-iat-in-the-future`.
    pub fn check_times(&self, times: TokenTimes, now: SystemTime) -> Result<(), TokenError> {
        let now_ms = unix_millis(now) as f64;
        self.check_exp(times.exp_ms, now_ms)?;
        self.check_nbf(times.nbf_ms, now_ms)?;
        self.check_iat(times.iat_ms, now_ms)
    }

    // An unrepresentable date compares false in JavaScript, so it never fails these checks.
    fn check_exp(&self, exp_ms: Option<f64>, now_ms: f64) -> Result<(), TokenError> {
        let skew = self.clock_skew_ms as f64;
        if let Some(exp) = exp_ms {
            if exp <= now_ms - skew {
                return Err(TokenError::new(
                    Reason::TokenExpired,
                    format!(
                        "JWT is expired. Expiry date: {}, Current date: {}.",
                        js_utc_string(Some(exp)),
                        js_utc_string(Some(now_ms))
                    ),
                ));
            }
        }
        Ok(())
    }

    fn check_nbf(&self, nbf_ms: Option<f64>, now_ms: f64) -> Result<(), TokenError> {
        let skew = self.clock_skew_ms as f64;
        if let Some(nbf) = nbf_ms {
            if nbf > now_ms + skew {
                return Err(TokenError::new(
                    Reason::TokenNotActiveYet,
                    format!(
                        "JWT cannot be used prior to not before date claim (nbf). Not before date: {}; Current date: {};",
                        js_utc_string(Some(nbf)),
                        js_utc_string(Some(now_ms))
                    ),
                ));
            }
        }
        Ok(())
    }

    fn check_iat(&self, iat_ms: Option<f64>, now_ms: f64) -> Result<(), TokenError> {
        let skew = self.clock_skew_ms as f64;
        if let Some(iat) = iat_ms {
            if iat > now_ms + skew {
                return Err(TokenError::new(
                    Reason::TokenIatInTheFuture,
                    format!(
                        "JWT issued at date claim (iat) is in the future. Issued at date: {}; Current date: {};",
                        js_utc_string(Some(iat)),
                        js_utc_string(Some(now_ms))
                    ),
                ));
            }
        }
        Ok(())
    }

    fn check_audience(&self, aud: Option<&Value>) -> Result<(), TokenError> {
        if self.audience.is_empty() {
            return Ok(());
        }
        let expected = serde_json::to_string(&self.audience).unwrap_or_default();
        match aud {
            Some(Value::String(aud)) if !aud.is_empty() && !self.audience.iter().any(|a| a == aud) => {
                Err(TokenError::new(
                    Reason::TokenVerificationFailed,
                    format!(
                        "Invalid JWT audience claim (aud) {}. Is not included in \"{expected}\".",
                        js_stringify(Some(&Value::String(aud.clone())))
                    ),
                )
                .with_action(Action::EnsureClerkJwt))
            }
            Some(value @ Value::Array(items))
                if !items.is_empty()
                    && items.iter().all(Value::is_string)
                    && !items
                        .iter()
                        .filter_map(Value::as_str)
                        .any(|a| self.audience.iter().any(|b| a == b)) =>
            {
                Err(TokenError::new(
                    Reason::TokenVerificationFailed,
                    format!(
                        "Invalid JWT audience claim array (aud) {}. Is not included in \"{expected}\".",
                        js_stringify(Some(value))
                    ),
                )
                .with_action(Action::EnsureClerkJwt))
            }
            _ => Ok(()),
        }
    }

    fn check_authorized_party(&self, azp: Option<&Value>) -> Result<(), TokenError> {
        if self.authorized_parties.is_empty() {
            return Ok(());
        }
        let listed = match azp {
            Some(Value::String(azp)) if !azp.is_empty() => self.authorized_parties.iter().any(|p| p == azp),
            _ => false,
        };
        if listed {
            return Ok(());
        }
        Err(TokenError::new(
            Reason::TokenInvalidAuthorizedParties,
            format!(
                "Invalid JWT Authorized party claim (azp) {}. Expected \"{}\".",
                js_stringify(azp),
                self.authorized_parties.join(",")
            ),
        ))
    }

    fn check_issuer(&self, iss: Option<&Value>) -> Result<(), TokenError> {
        if self.issuers.is_empty() {
            return Ok(());
        }
        if matches!(iss, Some(Value::String(iss)) if self.issuers.iter().any(|expected| expected == iss)) {
            return Ok(());
        }
        let expected = self
            .issuers
            .iter()
            .map(|issuer| format!("\"{issuer}\""))
            .collect::<Vec<_>>()
            .join(" or ");
        Err(TokenError::new(
            Reason::TokenInvalidIssuer,
            format!(
                "Invalid JWT issuer claim (iss) {}. Expected {expected}.",
                js_stringify(iss)
            ),
        )
        .with_action(Action::EnsureClerkJwt))
    }
}

/// The header checks of Clerk's `verifyJwt`: `typ` (absent or `JWT`, or one of `header_types`),
/// then an RSA `alg`.
fn check_header(
    decoded: &DecodedToken<'_>,
    header_types: Option<&[&str]>,
) -> Result<RsaAlgorithm, TokenError> {
    let header = decoded.header();
    let typ_allowed = match (&header.typ, header_types) {
        (None, None) => true,
        (Some(typ), None) => typ.as_str() == Some("JWT"),
        (typ, Some(types)) => typ
            .as_ref()
            .and_then(Value::as_str)
            .is_some_and(|typ| types.contains(&typ)),
    };
    if !typ_allowed {
        return Err(TokenError::new(
            Reason::TokenInvalid,
            format!(
                "Invalid JWT type {}. Expected \"{}\".",
                js_stringify(header.typ.as_ref()),
                header_types.unwrap_or(&["JWT"]).join(", ")
            ),
        )
        .with_action(Action::EnsureClerkJwt));
    }
    let alg = header
        .alg
        .as_ref()
        .and_then(Value::as_str)
        .and_then(RsaAlgorithm::from_name);
    alg.ok_or_else(|| {
        TokenError::new(
            Reason::TokenInvalidAlgorithm,
            format!(
                "Invalid JWT algorithm {}. Supported: RS256,RS384,RS512.",
                js_stringify(header.alg.as_ref())
            ),
        )
        .with_action(Action::EnsureClerkJwt)
    })
}

impl JwtVerifier {
    /// Clerk's `verifyHandshakeJwt`: a handshake token's header (`typ`, `alg`), its category
    /// (a session token's only), and its signature with `key`; no claim and no time checks.
    /// Returns the payload.
    pub(crate) fn verify_handshake(
        &self,
        decoded: DecodedToken<'_>,
        key: &VerifyingKey,
    ) -> Result<Value, TokenError> {
        let alg = check_header(&decoded, None)?;
        if decoded.has_non_session_category() {
            return Err(
                TokenError::new(Reason::TokenInvalid, "Invalid handshake token category.")
                    .with_action(Action::EnsureClerkJwt),
            );
        }
        if alg != key.algorithm() && key.origin() == KeyOrigin::Jwks {
            return Err(TokenError::new(
                Reason::TokenVerificationFailed,
                "Error verifying handshake token. Error: JWK \"alg\" does not match the requested algorithm",
            ));
        }
        if alg != key.algorithm() || !key.verify_signature(decoded.signing_input(), decoded.signature()) {
            return Err(TokenError::new(
                Reason::TokenInvalidSignature,
                "Handshake signature is invalid.",
            ));
        }
        Ok(decoded.into_payload())
    }
}

fn optional_time(value: Option<&Value>, label: &str) -> Result<Option<f64>, TokenError> {
    match value {
        None => Ok(None),
        Some(Value::Number(n)) => Ok(js_seconds_to_millis(n.as_f64().unwrap_or(f64::NAN))),
        Some(other) => Err(TokenError::new(
            Reason::TokenVerificationFailed,
            format!("{label} {}. Expected number.", js_stringify(Some(other))),
        )
        .with_action(Action::EnsureClerkJwt)),
    }
}

impl StaticKey {
    /// The networkless key from `CLERK_JWT_KEY`.
    ///
    /// # Errors
    ///
    /// [`crate::Error::Token`] with `jwk-local-missing` (Clerk's reason) when the value is absent
    /// or empty; [`crate::Error::InvalidKey`] when it is not an RSA public key.
    pub fn from_optional_pem(pem: Option<&str>) -> crate::Result<Self> {
        match pem.map(str::trim).filter(|pem| !pem.is_empty()) {
            None => Err(TokenError::new(Reason::JwkLocalMissing, "Missing local JWK.")
                .with_action(Action::SetClerkJwtKey)
                .into()),
            Some(pem) => Ok(StaticKey(Arc::new(VerifyingKey::from_pem(pem)?))),
        }
    }
}

/// The resolver when neither a PEM key nor a secret key is configured: every token fails with
/// `jwk-failed-to-resolve`, as in Clerk's SDK.
#[derive(Debug, Clone, Copy, Default)]
pub struct NoKey;

impl KeyResolver for NoKey {
    async fn resolve(&self, _kid: Option<&str>, _now: SystemTime) -> Result<Arc<VerifyingKey>, TokenError> {
        Err(TokenError::new(
            Reason::JwkFailedToResolve,
            "Failed to resolve JWK during verification.",
        )
        .with_action(Action::SetClerkJwtKey))
    }
}
