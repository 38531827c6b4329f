//! Clerk's `authenticateRequest` for session tokens (SDK-BEHAVIOUR §2.3): token sources and
//! their precedence, the `__client_uat` rules, suffixed cookies, the development-instance
//! dev-browser rule, the cross-origin rule, and the mapping of verifier reasons to Clerk's
//! request-level reasons.

use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

use super::cookies::Cookies;
use super::js::{js_parse_int, js_string_to_number, js_to_number, js_truthy, strip_schemes};
use super::origin::is_known_clerk_origin;
use super::outcome::{RequestOutcome, Token};
use super::parts::{header_text, RequestParts};
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
const DEV_BROWSER: &str = "__clerk_db_jwt";
const REDIRECT_COUNT: &str = "__clerk_redirect_count";
const QUERY_REDIRECT_URL: &str = "__clerk_redirect_url";
const HANDSHAKE_NONCE: &str = "__clerk_handshake_nonce";

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
    verifier: SessionVerifier,
    publishable_key: Option<PublishableKey>,
    instance_type: InstanceType,
    suffixed: Option<SuffixedNames>,
    cookie_auth: bool,
    auth_options: AuthOptions,
    tokens: VerifiedTokenCache<(Auth, Token)>,
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
            verifier,
            publishable_key: None,
            instance_type: InstanceType::Production,
            suffixed: None,
            cookie_auth: true,
            auth_options: AuthOptions::default(),
            tokens: VerifiedTokenCache::new(0),
        }
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
        self
    }

    /// The verifier.
    pub fn verifier(&self) -> &SessionVerifier {
        &self.verifier
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

    /// Authenticates one request with Clerk's rules. Never fails: every problem is a signed-out
    /// outcome with Clerk's reason.
    pub async fn authenticate<K: KeyResolver>(&self, parts: &RequestParts<'_>, keys: &K) -> RequestOutcome {
        match header_token(parts) {
            HeaderToken::Token(token) => {
                let prepared = self.prepare(token, None, keys);
                return match self.finish(token, prepared, keys, parts.now).await {
                    Ok((auth, token)) => RequestOutcome::signed_in(auth, token, TokenCarrier::Header),
                    Err(err) => self.token_error(parts, &err, TokenCarrier::Header),
                };
            }
            HeaderToken::Unreadable => {
                let err = TokenError::new(
                    Reason::TokenInvalid,
                    "Invalid JWT form. The Authorization header is not valid text.",
                );
                return signed_out_by(&err, TokenCarrier::Header);
            }
            HeaderToken::None => {}
        }
        if !self.cookie_auth {
            return RequestOutcome::signed_out(RequestReason::SessionTokenAndUatMissing, None, None, false);
        }
        self.authenticate_cookies(parts, keys).await
    }

    /// The cached result of `token`, or the token decoded (once) for verification.
    fn prepare<'t, K: KeyResolver>(
        &self,
        token: &'t str,
        decoded: Option<DecodedToken<'t>>,
        keys: &K,
    ) -> Result<Prepared<'t>, TokenError> {
        if let Some((session, times)) = self.tokens.get(token, keys.key_epoch()) {
            return Ok(Prepared::Cached(session, times));
        }
        let decoded = match decoded {
            Some(decoded) => decoded,
            None => DecodedToken::decode(token, self.verifier.token_size_limit())?,
        };
        if decoded.is_not_a_session_token() {
            return Err(TokenError::new(Reason::TokenTypeMismatch, ""));
        }
        Ok(Prepared::Decoded(decoded))
    }

    async fn finish<K: KeyResolver>(
        &self,
        token: &str,
        prepared: Result<Prepared<'_>, TokenError>,
        keys: &K,
        now: SystemTime,
    ) -> Result<(Auth, Token), TokenError> {
        match prepared? {
            Prepared::Cached(session, times) => match self.verifier.check_times(times, now) {
                Ok(()) => Ok(session),
                Err(err) => {
                    self.tokens.remove(token);
                    Err(err)
                }
            },
            Prepared::Decoded(decoded) => {
                let epoch = keys.key_epoch();
                let claims = self.verifier.verify_with(decoded, keys, now).await?;
                let times = claims.times();
                let session = (Auth::from_claims(claims, self.auth_options), Token::new(token));
                self.tokens.insert(token, session.clone(), times, epoch, now);
                Ok(session)
            }
        }
    }

    /// Clerk's `handleSessionTokenError`: time errors become request-level reasons (with the
    /// refresh eligibility), everything else keeps the verifier's reason.
    fn token_error(
        &self,
        parts: &RequestParts<'_>,
        err: &TokenError,
        carrier: TokenCarrier,
    ) -> RequestOutcome {
        let reason = match err.reason() {
            Reason::TokenExpired => {
                let has_refresh_cookie = self
                    .suffixed
                    .as_ref()
                    .and_then(|names| parts.cookies.get_non_empty(&names.refresh))
                    .is_some();
                let failure = if !parts.is_get() {
                    RefreshFailure::NonEligibleNonGet
                } else if has_refresh_cookie {
                    // Clerk would now call the Backend API's session refresh; this SDK does not
                    // refresh sessions yet, which Clerk reports as a refresh without an API client.
                    RefreshFailure::MissingApiClient
                } else {
                    RefreshFailure::NonEligibleNoRefreshCookie
                };
                RequestReason::SessionTokenExpired(failure)
            }
            Reason::TokenNotActiveYet => RequestReason::SessionTokenNbf,
            Reason::TokenIatInTheFuture => RequestReason::SessionTokenIatInTheFuture,
            _ => return signed_out_by(err, carrier),
        };
        // A document request would get Clerk's handshake redirect here; until handshakes are
        // built it is signed out with the same reason and message (never signed in).
        RequestOutcome::signed_out(reason, Some(err.full_message(carrier)), Some(carrier), true)
    }

    async fn authenticate_cookies<K: KeyResolver>(
        &self,
        parts: &RequestParts<'_>,
        keys: &K,
    ) -> RequestOutcome {
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

        // A handshake nonce means Clerk's Frontend API sent the browser back with new cookies to
        // fetch from the Backend API. Resolving handshakes is not built: Clerk's answer when the
        // nonce cannot be resolved is signed out `session-token-missing`, never the old cookies.
        let nonce = parts
            .query_param(HANDSHAKE_NONCE)
            .filter(|v| !v.is_empty())
            .is_some()
            || cookies.get_non_empty(HANDSHAKE_NONCE).is_some();
        if nonce {
            return signed_out(RequestReason::SessionTokenMissing, credential_present);
        }
        if self.instance_type == InstanceType::Development {
            // The primary domain answering a satellite's sync request redirects back to it.
            if parts
                .query_param(QUERY_REDIRECT_URL)
                .is_some_and(|v| !v.is_empty())
            {
                return signed_out(RequestReason::PrimaryRespondsToSyncing, credential_present);
            }
            if parts.query_param(DEV_BROWSER).is_some() {
                return signed_out(RequestReason::DevBrowserSync, credential_present);
            }
            if cookies.get_non_empty(names.dev_browser).is_none() {
                return signed_out(RequestReason::DevBrowserMissing, credential_present);
            }
        }
        let Some(session) = session else {
            return if client_uat == 0.0 {
                signed_out(RequestReason::SessionTokenAndUatMissing, false)
            } else {
                signed_out(RequestReason::ClientUatButNoSessionToken, false)
            };
        };
        if client_uat == 0.0 {
            return signed_out(RequestReason::SessionTokenButNoClientUat, true);
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
            return signed_out(RequestReason::SessionTokenIatBeforeClientUat, true);
        }
        let (auth, token) = match self.finish(session, Ok(prepared), keys, parts.now).await {
            Ok(session) => session,
            Err(err) => return self.token_error(parts, &err, TokenCarrier::Cookie),
        };
        if self.needs_cross_origin_sync(parts) {
            return RequestOutcome::signed_out(
                RequestReason::PrimaryDomainCrossOriginSync,
                Some("Cross-origin request from satellite domain requires handshake".to_owned()),
                Some(TokenCarrier::Cookie),
                true,
            );
        }
        if auth.claims().is_some_and(|c| c.get("azp").is_none())
            && !WARNED_MISSING_AZP.swap(true, Ordering::Relaxed)
        {
            tracing::warn!(
                "clerk: session token from cookie is missing the azp claim; a future version of \
                 Clerk will consider such tokens invalid (logged once)"
            );
        }
        RequestOutcome::signed_in(auth, token, TokenCarrier::Cookie)
    }

    /// Clerk's cross-origin rule on the primary domain: a signed-in document GET whose `Referer`
    /// is another origin (and not one of Clerk's) needs a handshake.
    fn needs_cross_origin_sync(&self, parts: &RequestParts<'_>) -> bool {
        if !parts.is_get() || parts.header("sec-fetch-dest") != Some("document") {
            return false;
        }
        let Some(referrer) = parts.header("referer").and_then(|r| url::Url::parse(r).ok()) else {
            return false;
        };
        // `Number(value) || 0`, unlike the client_uat's `parseInt`: `1abc` is 0 here.
        let loop_counter = parts
            .cookies
            .get(REDIRECT_COUNT)
            .map(|v| js_string_to_number(&v))
            .filter(|n| !n.is_nan())
            .unwrap_or(0.0);
        if loop_counter != 0.0 {
            return false;
        }
        if referrer.origin().ascii_serialization() == parts.origin.serialize() {
            return false;
        }
        !self
            .publishable_key
            .as_ref()
            .is_some_and(|key| is_known_clerk_origin(key, &referrer))
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
            Some(((auth, _), _)) if auth.claims().is_some() => Some(Peeked::Cached(auth)),
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
                .is_some_and(|iss| strip_schemes(iss) == key.frontend_api());
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

enum Prepared<'t> {
    Cached((Auth, Token), TokenTimes),
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

enum HeaderToken<'a> {
    None,
    Unreadable,
    Token(&'a str),
}

/// Clerk's `parseAuthorizationHeader`: split on the first space; one part is the token itself;
/// `Bearer <t>` (case-sensitive) gives `t`; any other scheme is ignored.
fn header_token<'a>(parts: &RequestParts<'a>) -> HeaderToken<'a> {
    let Some(value) = parts.headers.header("authorization") else {
        return HeaderToken::None;
    };
    let Some(text) = header_text(value) else {
        return HeaderToken::Unreadable;
    };
    let text = text.trim();
    if text.is_empty() {
        return HeaderToken::None;
    }
    // JavaScript's `split(' ', 2)`: at most two pieces, the rest is dropped.
    let mut pieces = text.split(' ');
    let scheme = pieces.next().unwrap_or("");
    match pieces.next() {
        None | Some("") => HeaderToken::Token(scheme),
        Some(token) if scheme == "Bearer" => HeaderToken::Token(token),
        Some(_) => HeaderToken::None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::request::{HeaderLookup, RequestOrigin};

    struct Headers(Vec<(&'static str, &'static [u8])>);

    impl HeaderLookup for Headers {
        fn header(&self, name: &str) -> Option<&[u8]> {
            self.0.iter().find(|(n, _)| *n == name).map(|(_, v)| *v)
        }
    }

    #[test]
    fn authorization_header_parsing_follows_clerk() {
        let parse = |value: &'static str| {
            let headers = Headers(vec![("authorization", value.as_bytes())]);
            let origin = RequestOrigin {
                scheme: "http",
                host: "localhost",
            };
            let parts = RequestParts::new("GET", &headers, Cookies::empty(), "", origin, SystemTime::now());
            match header_token(&parts) {
                HeaderToken::Token(t) => Some(t.to_owned()),
                _ => None,
            }
        };
        assert_eq!(parse("Bearer abc"), Some("abc".into()));
        assert_eq!(parse("abc"), Some("abc".into()));
        assert_eq!(parse("bearer abc"), None, "the scheme is case-sensitive");
        assert_eq!(parse("Basic dXNlcjpwYXNz"), None);
        assert_eq!(parse("Bearer a b"), Some("a".into()));
        assert_eq!(parse("Bearer  abc"), Some("Bearer".into()));
        assert_eq!(parse("  "), None);
    }
}
