//! What a route accepts (`acceptsToken`), and the routing decision Clerk makes from it.

use super::token_type::{detect, TokenType};
use crate::token::DecodedToken;

/// A set of [`TokenType`]s (Clerk's `acceptsToken` array).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct TokenTypes(u8);

impl TokenTypes {
    /// No type at all.
    pub const EMPTY: TokenTypes = TokenTypes(0);

    const fn bit(kind: TokenType) -> u8 {
        match kind {
            TokenType::SessionToken => 1,
            TokenType::M2mToken => 2,
            TokenType::ApiKey => 4,
            TokenType::OAuthToken => 8,
        }
    }

    /// This set and `kind`.
    pub const fn with(self, kind: TokenType) -> TokenTypes {
        TokenTypes(self.0 | Self::bit(kind))
    }

    /// Whether `kind` is in the set.
    pub const fn contains(self, kind: TokenType) -> bool {
        self.0 & Self::bit(kind) != 0
    }

    /// The members, in [`TokenType::ALL`] order.
    pub fn iter(self) -> impl Iterator<Item = TokenType> {
        TokenType::ALL
            .into_iter()
            .filter(move |kind| self.contains(*kind))
    }
}

impl<const N: usize> From<[TokenType; N]> for TokenTypes {
    fn from(kinds: [TokenType; N]) -> Self {
        kinds.into_iter().fold(TokenTypes::EMPTY, TokenTypes::with)
    }
}

/// The tokens a route accepts: Clerk's `acceptsToken` option as a value.
///
/// # Examples
///
/// ```
/// use clerk_core::machine::{AcceptsToken, TokenType};
///
/// let api = AcceptsToken::from([TokenType::ApiKey, TokenType::M2mToken]);
/// assert!(api.accepts(TokenType::ApiKey));
/// assert!(!api.accepts(TokenType::SessionToken));
/// assert!(AcceptsToken::default().accepts(TokenType::SessionToken));
/// assert!(AcceptsToken::Any.accepts(TokenType::OAuthToken));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AcceptsToken {
    /// One type (`acceptsToken: 'api_key'`). The default is [`TokenType::SessionToken`].
    One(TokenType),
    /// Any of a set (`acceptsToken: ['api_key', 'session_token']`).
    Set(TokenTypes),
    /// Every type (`acceptsToken: 'any'`); without a header token, the cookie session.
    Any,
}

impl Default for AcceptsToken {
    fn default() -> Self {
        AcceptsToken::One(TokenType::SessionToken)
    }
}

impl From<TokenType> for AcceptsToken {
    fn from(kind: TokenType) -> Self {
        AcceptsToken::One(kind)
    }
}

impl<const N: usize> From<[TokenType; N]> for AcceptsToken {
    fn from(kinds: [TokenType; N]) -> Self {
        AcceptsToken::Set(kinds.into())
    }
}

impl AcceptsToken {
    /// The three machine types (M2M tokens, API keys, OAuth tokens), no session: what a
    /// machines-only extractor accepts unless the route says otherwise.
    pub const MACHINES: AcceptsToken = AcceptsToken::Set(
        TokenTypes::EMPTY
            .with(TokenType::M2mToken)
            .with(TokenType::ApiKey)
            .with(TokenType::OAuthToken),
    );

    /// Clerk's `isTokenTypeAccepted`.
    pub fn accepts(&self, kind: TokenType) -> bool {
        match self {
            AcceptsToken::One(one) => *one == kind,
            AcceptsToken::Set(set) => set.contains(kind),
            AcceptsToken::Any => true,
        }
    }

    /// Whether a machine token could be accepted at all (so a machine verification may be
    /// needed).
    pub fn accepts_machines(&self) -> bool {
        TokenType::ALL
            .into_iter()
            .any(|kind| kind.is_machine() && self.accepts(kind))
    }

    /// Decides what to do with a request whose `Authorization` header carries `header_token`
    /// (or none), in Clerk's order (docs/clerk-behaviour.md §3 and §10).
    pub fn route<'t>(&self, header_token: Option<&'t str>) -> Route<'t> {
        let detected = header_token.map(|token| (token, detect(token)));
        if let AcceptsToken::Set(set) = self {
            // `isTokenTypeInAcceptedArray`: no header counts as a session token.
            let kind = detected
                .as_ref()
                .map_or(TokenType::SessionToken, |(_, (kind, _))| *kind);
            if !set.contains(kind) {
                return Route::Mismatch {
                    token_type: None,
                    message: Some(String::new()),
                };
            }
        }
        let Some((token, (kind, decoded))) = detected else {
            return match self {
                AcceptsToken::One(one) if one.is_machine() => Route::NoTokenInHeader { token_type: *one },
                _ => Route::Cookies,
            };
        };
        match self {
            AcceptsToken::One(TokenType::SessionToken) => Route::SessionHeader { token, decoded },
            AcceptsToken::One(one) => {
                if !kind.is_machine() {
                    // `authenticateMachineRequestWithTokenInHeader`: not a machine token at all.
                    Route::Mismatch {
                        token_type: Some(*one),
                        message: Some(String::new()),
                    }
                } else if kind != *one {
                    // `checkTokenTypeMismatch`: the requested type, no message.
                    Route::Mismatch {
                        token_type: Some(*one),
                        message: None,
                    }
                } else {
                    Route::Machine { token, kind, decoded }
                }
            }
            AcceptsToken::Set(_) | AcceptsToken::Any => {
                if kind.is_machine() {
                    // The set already accepted `kind` above; `Any` accepts everything.
                    Route::Machine { token, kind, decoded }
                } else if decoded
                    .as_ref()
                    .is_some_and(DecodedToken::has_non_session_category)
                {
                    Route::Mismatch {
                        token_type: Some(TokenType::SessionToken),
                        message: Some(String::new()),
                    }
                } else {
                    Route::SessionHeader { token, decoded }
                }
            }
        }
    }
}

/// What [`AcceptsToken::route`] decided.
#[derive(Debug)]
pub enum Route<'t> {
    /// Authenticate the header token as a session token (the session header path, whose own
    /// rules refuse machine JWTs with `token-type-mismatch`).
    SessionHeader {
        /// The header token.
        token: &'t str,
        /// Its decoding, when it is JWT-shaped and decoded.
        decoded: Option<DecodedToken<'t>>,
    },
    /// No header token: authenticate the cookie session.
    Cookies,
    /// Verify the header token as a machine token of type `kind`.
    Machine {
        /// The header token.
        token: &'t str,
        /// Its type.
        kind: TokenType,
        /// Its decoding, when it is JWT-shaped and decoded.
        decoded: Option<DecodedToken<'t>>,
    },
    /// Signed out with `token-type-mismatch`.
    Mismatch {
        /// The token type the signed-out state reports (`None`: Clerk's invalid-token object).
        token_type: Option<TokenType>,
        /// The message: `Some("")` where Clerk sets an empty one, `None` where it sets none.
        message: Option<String>,
    },
    /// A route that accepts one machine type got no header token: signed out with Clerk's
    /// literal reason `No token in header`.
    NoTokenInHeader {
        /// The accepted type.
        token_type: TokenType,
    },
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::machine::token_type::tests::jwt;

    fn name(route: &Route<'_>) -> String {
        match route {
            Route::SessionHeader { .. } => "session-header".into(),
            Route::Cookies => "cookies".into(),
            Route::Machine { kind, .. } => format!("machine:{kind}"),
            Route::Mismatch { token_type, message } => format!(
                "mismatch:{}:{}",
                token_type.map_or("null", TokenType::as_str),
                message
                    .as_deref()
                    .map_or("undefined", |m| if m.is_empty() { "empty" } else { m })
            ),
            Route::NoTokenInHeader { token_type } => format!("no-token-in-header:{token_type}"),
        }
    }

    /// Every routing rule of docs/clerk-behaviour.md §3/§10, as `@clerk/backend` 3.25.0's
    /// `authenticateRequest` applies them (read from its `tokens/request.ts`).
    #[test]
    fn routing_is_clerks() {
        let session = jwt(r#"{"alg":"RS256","typ":"JWT"}"#, r#"{"sub":"user_1"}"#);
        let template = jwt(
            r#"{"alg":"RS256","cat":"cl_B7d4PD222AAA"}"#,
            r#"{"sub":"user_1"}"#,
        );
        let m2m_jwt = jwt(r#"{"alg":"RS256"}"#, r#"{"sub":"mch_1"}"#);
        let session_only = AcceptsToken::default();
        let api_key = AcceptsToken::from(TokenType::ApiKey);
        let set = AcceptsToken::from([TokenType::ApiKey, TokenType::SessionToken]);
        let machines = AcceptsToken::from([TokenType::ApiKey, TokenType::M2mToken]);
        let any = AcceptsToken::Any;
        let cases: &[(&AcceptsToken, Option<&str>, &str)] = &[
            // Session-only routes: today's behaviour (the session path refuses machine JWTs).
            (&session_only, None, "cookies"),
            (&session_only, Some(&session), "session-header"),
            (&session_only, Some("ak_1"), "session-header"),
            (&session_only, Some(&m2m_jwt), "session-header"),
            // One machine type.
            (&api_key, None, "no-token-in-header:api_key"),
            (&api_key, Some("ak_1"), "machine:api_key"),
            (&api_key, Some("mt_1"), "mismatch:api_key:undefined"),
            (&api_key, Some(&session), "mismatch:api_key:empty"),
            (
                &AcceptsToken::from(TokenType::M2mToken),
                Some(&m2m_jwt),
                "machine:m2m_token",
            ),
            // A set: the type is checked first (no header counts as a session token).
            (&set, None, "cookies"),
            (&set, Some("ak_1"), "machine:api_key"),
            (&set, Some(&session), "session-header"),
            (&set, Some("mt_1"), "mismatch:null:empty"),
            (&set, Some(&template), "mismatch:session_token:empty"),
            (&machines, None, "mismatch:null:empty"),
            (&machines, Some(&session), "mismatch:null:empty"),
            (&machines, Some("mt_1"), "machine:m2m_token"),
            // Any: machines verified, sessions from the header or, without one, the cookies.
            (&any, None, "cookies"),
            (&any, Some("oat_1"), "machine:oauth_token"),
            (&any, Some(&m2m_jwt), "machine:m2m_token"),
            (&any, Some(&session), "session-header"),
            (&any, Some(&template), "mismatch:session_token:empty"),
        ];
        for (accepts, header, expected) in cases {
            assert_eq!(&name(&accepts.route(*header)), expected, "{accepts:?} {header:?}");
        }
    }

    #[test]
    fn sets_and_flags() {
        let set = TokenTypes::from([TokenType::OAuthToken, TokenType::SessionToken]);
        assert_eq!(
            set.iter().collect::<Vec<_>>(),
            [TokenType::SessionToken, TokenType::OAuthToken]
        );
        assert!(AcceptsToken::Any.accepts_machines());
        assert!(!AcceptsToken::default().accepts_machines());
        assert!(AcceptsToken::Set(set).accepts_machines());
    }
}
