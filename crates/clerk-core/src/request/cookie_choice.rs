//! Clerk's `usesSuffixedCookies` (docs/clerk-behaviour.md §3): which of `__session` /
//! `__session_<suffix>` (and friends) a request is read with. Each cookie token is decoded (never
//! verified) at most once; the chosen session's decoding is kept for its verification.

use std::time::UNIX_EPOCH;

use super::facts::{RequestFacts, SessionCookies};
use super::js::{js_to_number, js_truthy, strip_schemes};
use super::verified::Verified;
use super::RequestAuthenticator;
use crate::token::DecodedToken;
use crate::verify::KeyResolver;
use crate::{Auth, InstanceType};

/// Which cookie set to read, and the chosen session cookie's decoding when the choice made one.
pub(super) struct CookieChoice<'f> {
    pub(super) suffixed: bool,
    pub(super) decoded_session: Option<DecodedToken<'f>>,
}

impl<'f> CookieChoice<'f> {
    fn unsuffixed(decoded_session: Option<DecodedToken<'f>>) -> Self {
        Self {
            suffixed: false,
            decoded_session,
        }
    }

    fn suffixed(decoded_session: Option<DecodedToken<'f>>) -> Self {
        Self {
            suffixed: true,
            decoded_session,
        }
    }
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

impl RequestAuthenticator {
    /// The cookie set the request is read with: chosen once per request, here when the cookie
    /// flow has not chosen it already (the header path's handshake and refresh, the sign-in URL).
    pub(super) fn chosen_cookies<'f, K: KeyResolver>(
        &self,
        facts: &'f RequestFacts<'_>,
        keys: &K,
    ) -> SessionCookies<'f> {
        facts.session_cookies(|| self.choose_cookies(facts, keys).suffixed)
    }

    /// Clerk's `usesSuffixedCookies` over the request's cookies. An empty cookie counts as absent.
    pub(super) fn choose_cookies<'f, K: KeyResolver>(
        &self,
        facts: &'f RequestFacts<'_>,
        keys: &K,
    ) -> CookieChoice<'f> {
        let (Some(_), Some(key)) = (&self.suffixed, &self.publishable_key) else {
            return CookieChoice::unsuffixed(None);
        };
        let cookies = &facts.cookies;
        let (session, suffixed_session) = (cookies.session.as_deref(), cookies.suffixed_session.as_deref());
        let suffixed_uat = cookies.suffixed_client_uat.as_deref();
        let client_uat = cookies.client_uat.as_deref();
        let limit = self.verifier.token_size_limit();
        let key_epoch = keys.key_epoch();
        // A token verified before is not decoded again: its claims are in the cache.
        // (A pending session's `Auth` keeps no claims: that token is decoded.)
        let peek = |token: &'f str| match self.tokens.get(token, key_epoch) {
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
        let suffixed_uat_is_0 = suffixed_uat == Some("0");
        let client_uat_is_0 = client_uat == Some("0");
        if !suffixed_uat_is_0 && !client_uat_is_0 && session_iat > suffixed_iat {
            return CookieChoice::unsuffixed(session_token.and_then(Peeked::decoded));
        }
        if suffixed_uat_is_0 && !client_uat_is_0 {
            return CookieChoice::unsuffixed(session_token.and_then(Peeked::decoded));
        }
        if self.instance_type != InstanceType::Production {
            let now = facts
                .parts
                .now
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
