//! Which kind of token a request carries, decided exactly as Clerk decides it.

use serde_json::Value;

use crate::token::{DecodedToken, DEFAULT_MAX_TOKEN_BYTES};

/// Opaque M2M tokens start with this.
pub(crate) const M2M_TOKEN_PREFIX: &str = "mt_";
/// The subject of an M2M JWT starts with this (a machine id).
pub(crate) const M2M_SUBJECT_PREFIX: &str = "mch_";
/// Opaque OAuth access tokens start with this.
pub(crate) const OAUTH_TOKEN_PREFIX: &str = "oat_";
/// API keys start with this.
pub(crate) const API_KEY_PREFIX: &str = "ak_";
/// The `typ` headers of an OAuth access token in JWT form (RFC 9068).
pub(crate) const OAUTH_ACCESS_TOKEN_TYPES: [&str; 2] = ["at+jwt", "application/at+jwt"];

/// A kind of token Clerk authenticates (`TokenType` of `@clerk/backend`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TokenType {
    /// `session_token`: a session JWT from Clerk's frontend (header or `__session` cookie).
    SessionToken,
    /// `m2m_token`: an opaque `mt_…` token, or a JWT whose `sub` starts with `mch_`.
    M2mToken,
    /// `api_key`: an opaque `ak_…` key.
    ApiKey,
    /// `oauth_token`: an opaque `oat_…` token, or a JWT with `typ` `at+jwt`.
    OAuthToken,
}

impl TokenType {
    /// Every type, session first.
    pub const ALL: [TokenType; 4] = [
        TokenType::SessionToken,
        TokenType::M2mToken,
        TokenType::ApiKey,
        TokenType::OAuthToken,
    ];

    /// Clerk's name: `session_token`, `m2m_token`, `api_key` or `oauth_token`.
    pub const fn as_str(self) -> &'static str {
        match self {
            TokenType::SessionToken => "session_token",
            TokenType::M2mToken => "m2m_token",
            TokenType::ApiKey => "api_key",
            TokenType::OAuthToken => "oauth_token",
        }
    }

    /// Whether this is one of the three machine types.
    pub const fn is_machine(self) -> bool {
        !matches!(self, TokenType::SessionToken)
    }

    /// The type of `token` by Clerk's rules (`isMachineToken`, then `getMachineTokenType`):
    /// an `mt_` prefix or a JWT with an `mch_` subject is M2M; an `oat_` prefix or a JWT with an
    /// OAuth `typ` is OAuth; an `ak_` prefix is an API key; anything else is a session token.
    ///
    /// # Examples
    ///
    /// ```
    /// use clerk_core::machine::TokenType;
    ///
    /// assert_eq!(TokenType::of("ak_2abc"), TokenType::ApiKey);
    /// assert_eq!(TokenType::of("mt_2abc"), TokenType::M2mToken);
    /// assert_eq!(TokenType::of("oat_2abc"), TokenType::OAuthToken);
    /// assert_eq!(TokenType::of("eyJ.not-a-machine.jwt"), TokenType::SessionToken);
    /// ```
    pub fn of(token: &str) -> TokenType {
        detect(token).0
    }
}

impl std::fmt::Display for TokenType {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Clerk's `isJwtFormat`: three non-empty runs of `[A-Za-z0-9_-]` joined by dots. A machine
/// token of this shape is verified as a JWT (and refused if it does not decode), never sent to
/// the Backend API.
///
/// ```
/// assert!(clerk_core::machine::is_jwt_format("a.b.c"));
/// assert!(!clerk_core::machine::is_jwt_format("ak_abc"));
/// ```
pub fn is_jwt_format(token: &str) -> bool {
    let mut parts = 0;
    for part in token.split('.') {
        parts += 1;
        if part.is_empty()
            || !part
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        {
            return false;
        }
    }
    parts == 3
}

/// The type of `token`, with its decoding when it is JWT-shaped and decodes (so verification
/// need not decode it again).
pub(crate) fn detect(token: &str) -> (TokenType, Option<DecodedToken<'_>>) {
    let decoded = is_jwt_format(token)
        .then(|| DecodedToken::decode(token, DEFAULT_MAX_TOKEN_BYTES).ok())
        .flatten();
    let m2m_jwt = decoded.as_ref().is_some_and(has_machine_subject);
    let oauth_jwt = decoded.as_ref().is_some_and(has_oauth_type);
    let kind = if token.starts_with(M2M_TOKEN_PREFIX) || m2m_jwt {
        TokenType::M2mToken
    } else if token.starts_with(OAUTH_TOKEN_PREFIX) || oauth_jwt {
        TokenType::OAuthToken
    } else if token.starts_with(API_KEY_PREFIX) {
        TokenType::ApiKey
    } else {
        TokenType::SessionToken
    };
    (kind, decoded)
}

/// `typeof payload.sub === "string" && payload.sub.startsWith("mch_")`.
pub(crate) fn has_machine_subject(decoded: &DecodedToken<'_>) -> bool {
    matches!(decoded.claim("sub"), Some(Value::String(sub)) if sub.starts_with(M2M_SUBJECT_PREFIX))
}

/// `OAUTH_ACCESS_TOKEN_TYPES.includes(header.typ)`.
pub(crate) fn has_oauth_type(decoded: &DecodedToken<'_>) -> bool {
    matches!(decoded.header().typ.as_ref(), Some(Value::String(typ)) if OAUTH_ACCESS_TOKEN_TYPES.contains(&typ.as_str()))
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use base64::engine::general_purpose::URL_SAFE_NO_PAD;
    use base64::Engine as _;

    /// An unsigned JWT-shaped token with this header and payload (detection never verifies).
    pub(crate) fn jwt(header: &str, payload: &str) -> String {
        format!(
            "{}.{}.c2ln",
            URL_SAFE_NO_PAD.encode(header),
            URL_SAFE_NO_PAD.encode(payload)
        )
    }

    #[test]
    fn jwt_format_is_clerks_regex() {
        assert!(is_jwt_format("a.b.c"));
        assert!(is_jwt_format("A-_9.b.c"));
        for not in ["a.b", "a.b.c.d", "a..c", ".b.c", "a.b.", "a.b=.c", "a.b.c ", ""] {
            assert!(!is_jwt_format(not), "{not:?}");
        }
    }

    #[test]
    fn detection_follows_clerks_order() {
        let m2m = jwt(r#"{"alg":"RS256","typ":"JWT"}"#, r#"{"sub":"mch_1"}"#);
        let oauth = jwt(r#"{"alg":"RS256","typ":"at+jwt"}"#, r#"{"sub":"user_1"}"#);
        let oauth_app = jwt(
            r#"{"alg":"RS256","typ":"application/at+jwt"}"#,
            r#"{"sub":"user_1"}"#,
        );
        // Both markers: Clerk asks about M2M first.
        let both = jwt(r#"{"alg":"RS256","typ":"at+jwt"}"#, r#"{"sub":"mch_1"}"#);
        let session = jwt(r#"{"alg":"RS256","typ":"JWT"}"#, r#"{"sub":"user_1"}"#);
        let non_string_sub = jwt(r#"{"alg":"RS256"}"#, r#"{"sub":["mch_1"]}"#);
        let cases = [
            (m2m.as_str(), TokenType::M2mToken),
            (oauth.as_str(), TokenType::OAuthToken),
            (oauth_app.as_str(), TokenType::OAuthToken),
            (both.as_str(), TokenType::M2mToken),
            (session.as_str(), TokenType::SessionToken),
            (non_string_sub.as_str(), TokenType::SessionToken),
            ("mt_abc", TokenType::M2mToken),
            ("oat_abc", TokenType::OAuthToken),
            ("ak_abc", TokenType::ApiKey),
            // Prefixes are case-sensitive and exact.
            ("AK_abc", TokenType::SessionToken),
            ("ak-abc", TokenType::SessionToken),
            ("", TokenType::SessionToken),
        ];
        for (token, kind) in cases {
            assert_eq!(TokenType::of(token), kind, "{token}");
        }
        assert_eq!(TokenType::M2mToken.as_str(), "m2m_token");
        assert!(!TokenType::SessionToken.is_machine() && TokenType::ApiKey.is_machine());
    }
}
