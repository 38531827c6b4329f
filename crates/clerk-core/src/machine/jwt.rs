//! Networkless verification of machine tokens in JWT form: M2M JWTs (`mch_` subject) and OAuth
//! access tokens (`typ: at+jwt`), with the instance's keys (`verifyMachineAuthToken` of
//! `@clerk/backend`, JWT branch).

use std::borrow::Cow;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use serde_json::{Map, Value};

use super::error::{MachineErrorCode, MachineTokenError};
use super::identity::MachineIdentity;
use super::token_type::{has_machine_subject, has_oauth_type, TokenType, OAUTH_ACCESS_TOKEN_TYPES};
use crate::token::{js_string, DecodedToken, CATEGORY_M2M, DEFAULT_MAX_TOKEN_BYTES};
use crate::verify::{JwtVerifier, KeyResolver, VerifiedClaims};

/// Claims an M2M JWT's `claims` leave out (Clerk's reserved set).
const M2M_RESERVED_CLAIMS: [&str; 6] = ["iss", "sub", "exp", "nbf", "iat", "jti"];

/// Verifies JWT-format machine tokens with the instance's keys. No issuer or authorized-party
/// check applies to them (Clerk applies none); the audience applies as Clerk applies it: to M2M
/// JWTs through the JWT `aud` rule, to OAuth tokens through the OAuth audience rule.
///
/// # Examples
///
/// ```
/// use std::time::Duration;
/// use clerk_core::machine::MachineJwtVerifier;
///
/// let verifier = MachineJwtVerifier::new()
///     .audience(["https://api.example.com"])
///     .clock_skew(Duration::from_secs(5));
/// # let _ = verifier;
/// ```
#[derive(Debug, Clone, Default)]
pub struct MachineJwtVerifier {
    audience: Vec<String>,
    clock_skew: Option<Duration>,
}

impl MachineJwtVerifier {
    /// A verifier with Clerk's defaults (no audience, 5 s clock skew).
    pub fn new() -> Self {
        Self::default()
    }

    /// Audiences a token must name (Clerk's `audience` option). Defaults to none (no check).
    pub fn audience<I, S>(mut self, audience: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.audience = audience
            .into_iter()
            .map(Into::into)
            .filter(|a: &String| !a.is_empty())
            .collect();
        self
    }

    /// Allowed clock difference for `exp`/`nbf`/`iat`. Defaults to 5 s.
    pub fn clock_skew(mut self, skew: Duration) -> Self {
        self.clock_skew = Some(skew);
        self
    }

    /// The clock skew set with [`clock_skew`](Self::clock_skew), if any (else the
    /// [`JwtVerifier`]'s default applies).
    pub(crate) fn configured_clock_skew(&self) -> Option<Duration> {
        self.clock_skew
    }

    fn jwt_verifier(&self, with_audience: bool) -> JwtVerifier {
        let mut verifier = JwtVerifier::new();
        if with_audience {
            verifier = verifier.audience(self.audience.iter().cloned());
        }
        if let Some(skew) = self.clock_skew {
            verifier = verifier.clock_skew(skew);
        }
        verifier
    }

    /// Verifies `token`, a JWT-format machine token, with `keys` at `now`.
    ///
    /// # Errors
    ///
    /// A [`MachineTokenError`] with Clerk's code and message: `token-invalid` for an undecodable
    /// token or a foreign M2M category, `token-verification-failed` for every verification
    /// failure (key, signature, claims, OAuth audience) and for a JWT that is neither kind.
    pub async fn verify<K: KeyResolver>(
        &self,
        token: &str,
        keys: &K,
        now: SystemTime,
    ) -> Result<MachineIdentity, MachineTokenError> {
        let decoded = DecodedToken::decode(token, DEFAULT_MAX_TOKEN_BYTES)
            .map_err(|err| MachineTokenError::new(MachineErrorCode::TokenInvalid, err.message()))?;
        self.verify_decoded(decoded, keys, now).await
    }

    /// [`verify`](Self::verify) for a token already decoded (the decoding
    /// [`Route::Machine`](super::Route::Machine) carries), so a request decodes it once.
    ///
    /// # Errors
    ///
    /// As [`verify`](Self::verify), but for the decoding itself.
    pub async fn verify_decoded<K: KeyResolver>(
        &self,
        decoded: DecodedToken<'_>,
        keys: &K,
        now: SystemTime,
    ) -> Result<MachineIdentity, MachineTokenError> {
        if has_machine_subject(&decoded) {
            let foreign_category = decoded
                .header()
                .cat
                .as_ref()
                .is_some_and(|cat| cat.as_str() != Some(CATEGORY_M2M));
            if foreign_category {
                return Err(MachineTokenError::new(
                    MachineErrorCode::TokenInvalid,
                    "Invalid M2M JWT category.",
                ));
            }
            let claims = self.verify_jwt(decoded, keys, now, None).await?;
            return Ok(m2m_from_claims(claims));
        }
        if has_oauth_type(&decoded) {
            let claims = self
                .verify_jwt(decoded, keys, now, Some(&OAUTH_ACCESS_TOKEN_TYPES))
                .await?;
            check_oauth_audience(claims.raw().get("aud"), &self.audience)?;
            return Ok(oauth_from_claims(claims));
        }
        let typ = match decoded.header().typ.as_ref() {
            None | Some(Value::Null) => Cow::Borrowed("missing"),
            Some(typ) => Cow::Owned(js_string(typ)),
        };
        Err(MachineTokenError::new(
            MachineErrorCode::TokenVerificationFailed,
            format!(
                "Invalid JWT type: {typ}. Expected one of: {} for OAuth, or sub starting with 'mch_' for M2M",
                OAUTH_ACCESS_TOKEN_TYPES.join(", ")
            ),
        ))
    }

    /// Clerk's `assertOAuthAudienceClaim` with this verifier's audience, for an opaque OAuth
    /// token's `aud` as the Backend API reported it (no audience configured: no check).
    ///
    /// # Errors
    ///
    /// `token-verification-failed` with Clerk's message when the audience does not match.
    pub fn check_oauth_audience(&self, aud: Option<&Value>) -> Result<(), MachineTokenError> {
        check_oauth_audience(aud, &self.audience)
    }

    /// Clerk's `resolveKeyAndVerifyJwt`: every failure is `token-verification-failed` with the
    /// verifier's plain message.
    async fn verify_jwt<K: KeyResolver>(
        &self,
        decoded: DecodedToken<'_>,
        keys: &K,
        now: SystemTime,
        header_types: Option<&[&str]>,
    ) -> Result<VerifiedClaims, MachineTokenError> {
        let failed =
            |message: &str| MachineTokenError::new(MachineErrorCode::TokenVerificationFailed, message);
        let key = keys
            .resolve(decoded.header().kid(), now)
            .await
            .map_err(|err| failed(err.message()))?;
        // OAuth tokens skip the JWT audience rule: the OAuth rule applies after verification.
        self.jwt_verifier(header_types.is_none())
            .verify_decoded_typed(decoded, &key, now, header_types)
            .map_err(|err| failed(err.message()))
    }
}

/// `assertOAuthAudienceClaim`.
fn check_oauth_audience(aud: Option<&Value>, audience: &[String]) -> Result<(), MachineTokenError> {
    if audience.is_empty() {
        return Ok(());
    }
    let failed = |message: String| MachineTokenError::new(MachineErrorCode::TokenVerificationFailed, message);
    let shown = crate::token::js_stringify(aud);
    // `aud ? [aud].flat() : undefined`, then "a non-empty array of non-empty strings".
    let values: Option<Vec<&str>> = match aud {
        Some(Value::String(one)) if !one.is_empty() => Some(vec![one.as_str()]),
        Some(Value::Array(many)) if !many.is_empty() => many
            .iter()
            .map(|v| v.as_str().filter(|s| !s.is_empty()))
            .collect(),
        _ => None,
    };
    let Some(values) = values else {
        return Err(failed(format!(
            "Invalid OAuth audience claim (aud) {shown}. Expected a non-empty string or a non-empty array of non-empty strings."
        )));
    };
    if values.iter().any(|v| audience.iter().any(|a| a == v)) {
        return Ok(());
    }
    let expected = serde_json::to_string(audience).unwrap_or_default();
    Err(failed(format!(
        "OAuth audience mismatch. Verification expected audience {expected}, but incoming token has aud {shown}."
    )))
}

fn strings(value: Option<&Value>) -> Option<Vec<String>> {
    match value? {
        Value::String(one) => Some(vec![one.clone()]),
        Value::Array(many) => Some(many.iter().filter_map(Value::as_str).map(str::to_owned).collect()),
        _ => None,
    }
}

fn text(claims: &Map<String, Value>, name: &str) -> String {
    claims
        .get(name)
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_owned()
}

/// `M2MToken.fromJwtPayload`: `id = jti`, `scopes = scopes.split(" ") ?? aud ?? []`, `claims` the
/// payload without the reserved claims.
fn m2m_from_claims(claims: VerifiedClaims) -> MachineIdentity {
    let raw = claims.raw();
    let scopes = match raw.get("scopes") {
        Some(Value::String(scopes)) => scopes.split(' ').map(str::to_owned).collect(),
        _ => strings(raw.get("aud")).unwrap_or_default(),
    };
    let custom: Map<String, Value> = raw
        .iter()
        .filter(|(name, _)| !M2M_RESERVED_CLAIMS.contains(&name.as_str()))
        .map(|(name, value)| (name.clone(), value.clone()))
        .collect();
    MachineIdentity {
        token_type: TokenType::M2mToken,
        id: text(raw, "jti"),
        subject: claims.subject().to_owned(),
        scopes,
        claims: Some(Arc::new(custom)),
        name: None,
        client_id: None,
        expiration_ms: claims.expires_at_ms(),
    }
}

/// `IdPOAuthAccessToken.fromJwtPayload`: `id = jti`, `clientId = client_id`,
/// `scopes = scp ?? scope.split(" ") ?? []`.
fn oauth_from_claims(claims: VerifiedClaims) -> MachineIdentity {
    let raw = claims.raw();
    let scopes = strings(raw.get("scp"))
        .or_else(|| match raw.get("scope") {
            Some(Value::String(scope)) => Some(scope.split(' ').map(str::to_owned).collect()),
            _ => None,
        })
        .unwrap_or_default();
    MachineIdentity {
        token_type: TokenType::OAuthToken,
        id: text(raw, "jti"),
        subject: claims.subject().to_owned(),
        scopes,
        claims: None,
        name: None,
        client_id: Some(text(raw, "client_id")),
        expiration_ms: claims.expires_at_ms(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn oauth_audience_messages_are_clerks() {
        let audience = vec!["https://api.example.com".to_owned()];
        assert!(check_oauth_audience(None, &[]).is_ok());
        let err = check_oauth_audience(None, &audience).unwrap_err();
        assert_eq!(
            err.message(),
            "Invalid OAuth audience claim (aud) undefined. Expected a non-empty string or a non-empty array of non-empty strings."
        );
        let err = check_oauth_audience(Some(&serde_json::json!(["a", ""])), &audience).unwrap_err();
        assert!(err
            .message()
            .starts_with("Invalid OAuth audience claim (aud) [\"a\",\"\"]."));
        let err = check_oauth_audience(Some(&serde_json::json!("other")), &audience).unwrap_err();
        assert_eq!(
            err.message(),
            "OAuth audience mismatch. Verification expected audience [\"https://api.example.com\"], but incoming token has aud \"other\"."
        );
        assert!(check_oauth_audience(
            Some(&serde_json::json!(["x", "https://api.example.com"])),
            &audience
        )
        .is_ok());
        assert_eq!(err.code(), MachineErrorCode::TokenVerificationFailed);
    }
}
