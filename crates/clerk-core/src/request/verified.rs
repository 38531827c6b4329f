//! A session token's verification with the verified-token cache: a token seen before with the
//! same key set only has its time claims checked again; a token found not to be a session token
//! is remembered as such (docs/clerk-behaviour.md §1).

use std::sync::Arc;

use super::app_origins;
use super::facts::RequestFacts;
use super::outcome::Token;
use super::parts::RequestParts;
use super::RequestAuthenticator;
use crate::token::DecodedToken;
use crate::verify::{KeyResolver, TokenTimes};
use crate::{Auth, Reason, TokenError};

impl RequestAuthenticator {
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
        facts: &RequestFacts<'_>,
    ) -> Result<(Auth, Token), TokenError> {
        let parts = facts.parts;
        let now = parts.now;
        let decoded = match prepared? {
            // A token believed for one origin behind a relative proxy URL is verified again for
            // any other: its issuer names that origin only.
            Prepared::Cached(verified, times) if verified.believed_at(parts) => {
                return match self.verifier.check_times(times, now) {
                    Ok(()) => {
                        let (auth, token) = verified.session;
                        Ok((auth, token.cached()))
                    }
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
    pub(super) fn is_own_origin(&self, parts: &RequestParts<'_>) -> bool {
        app_origins::normalized(parts.origin.scheme, parts.origin.host)
            .is_some_and(|origin| self.origins.is_own(&origin, self.instance_type))
    }
}

/// A verified session token as the cache keeps it.
#[derive(Clone)]
pub(super) struct Verified {
    pub(super) session: (Auth, Token),
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::JwtVerifier;

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
        let authenticator = RequestAuthenticator::new(JwtVerifier::new()).token_cache_capacity(16);
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
        let off = RequestAuthenticator::new(JwtVerifier::new());
        assert_eq!(
            off.prepare(&m2m, None, &crate::verify::NoKey)
                .err()
                .map(|e| e.reason()),
            Some(Reason::TokenTypeMismatch)
        );
        assert_eq!(off.foreign.len(), 0);
    }
}
