//! Request-level authentication: Clerk's `authenticateRequest` for session tokens.
//!
//! Token sources and their precedence, the `__client_uat` rules, suffixed cookies, the
//! development-instance dev-browser rule, and the mapping of verifier reasons to Clerk's
//! request-level reasons (SDK-BEHAVIOUR §2).

use std::borrow::Cow;
use std::sync::Arc;

use actix_web::http::header::{HeaderMap, HeaderName, HeaderValue};
use actix_web::http::Method;
use actix_web::HttpRequest;
use clerk_core::{Auth, AuthOptions, InstanceType, Reason, SessionClaims, TokenCarrier, TokenError};
use serde_json::Value;

use crate::Clerk;

/// `x-clerk-auth-status`.
pub const HEADER_AUTH_STATUS: &str = "x-clerk-auth-status";
/// `x-clerk-auth-reason`.
pub const HEADER_AUTH_REASON: &str = "x-clerk-auth-reason";
/// `x-clerk-auth-message`.
pub const HEADER_AUTH_MESSAGE: &str = "x-clerk-auth-message";

const COOKIE_SESSION: &str = "__session";
const COOKIE_CLIENT_UAT: &str = "__client_uat";
const COOKIE_REFRESH: &str = "__refresh";
const COOKIE_DEV_BROWSER: &str = "__clerk_db_jwt";
const COOKIE_REDIRECT_COUNT: &str = "__clerk_redirect_count";
const QUERY_DEV_BROWSER: &str = "__clerk_db_jwt";

/// Clerk's request status.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AuthStatus {
    /// `signed-in` (also for a pending session, which handlers see as signed out by default).
    SignedIn,
    /// `signed-out`.
    SignedOut,
}

impl AuthStatus {
    /// `signed-in` or `signed-out`.
    pub const fn as_str(self) -> &'static str {
        match self {
            AuthStatus::SignedIn => "signed-in",
            AuthStatus::SignedOut => "signed-out",
        }
    }
}

/// The outcome of authenticating one request, stored once in the request extensions.
#[derive(Debug, Clone)]
pub struct RequestState {
    status: AuthStatus,
    reason: Option<Cow<'static, str>>,
    message: Option<String>,
    auth: Auth,
    token: Option<Arc<str>>,
    carrier: Option<TokenCarrier>,
    credential_present: bool,
}

impl RequestState {
    fn signed_in(claims: SessionClaims, token: &str, carrier: TokenCarrier, clerk: &Clerk) -> Self {
        let auth = Auth::from_claims(
            claims,
            AuthOptions {
                treat_pending_as_signed_out: clerk.config().treat_pending_as_signed_out,
            },
        );
        Self {
            status: AuthStatus::SignedIn,
            reason: None,
            message: None,
            auth,
            token: Some(Arc::from(token)),
            carrier: Some(carrier),
            credential_present: true,
        }
    }

    pub(crate) fn signed_out(
        reason: impl Into<Cow<'static, str>>,
        message: Option<String>,
        carrier: Option<TokenCarrier>,
        credential_present: bool,
    ) -> Self {
        let reason = reason.into();
        let message = message.filter(|m| !m.is_empty());
        Self {
            status: AuthStatus::SignedOut,
            auth: Auth::signed_out(reason.clone(), message.clone()),
            reason: Some(reason),
            message,
            token: None,
            carrier,
            credential_present,
        }
    }

    fn from_token_error(err: &TokenError, carrier: TokenCarrier) -> Self {
        let message = match err.reason() {
            // Clerk answers a type mismatch, and an error that is not a token error, with no
            // message.
            Reason::TokenTypeMismatch | Reason::UnexpectedError => None,
            _ => Some(err.full_message(carrier)),
        };
        Self::signed_out(err.reason().as_str(), message, Some(carrier), true)
    }

    /// `signed-in` or `signed-out`, as Clerk reports it for the request.
    pub fn status(&self) -> AuthStatus {
        self.status
    }

    /// Clerk's reason when signed out.
    pub fn reason(&self) -> Option<&str> {
        self.reason.as_deref()
    }

    /// Clerk's message when signed out (the `x-clerk-auth-message` value).
    pub fn message(&self) -> Option<&str> {
        self.message.as_deref()
    }

    /// The auth handlers see (a pending session is signed out here by default).
    pub fn auth(&self) -> &Auth {
        &self.auth
    }

    /// The raw session token when signed in (Clerk's `getToken()` without a template). Keep it out
    /// of logs and responses.
    pub fn token(&self) -> Option<&str> {
        self.token.as_deref()
    }

    /// Where the credential came from.
    pub fn carrier(&self) -> Option<TokenCarrier> {
        self.carrier
    }

    /// Whether the request offered a session token at all (header or `__session` cookie).
    pub fn credential_present(&self) -> bool {
        self.credential_present
    }

    /// Adds Clerk's debug headers to a response: signed-out results get `x-clerk-auth-status`,
    /// `x-clerk-auth-reason` and (when it is a valid header value) `x-clerk-auth-message`;
    /// signed-in results get none.
    pub fn apply_debug_headers(&self, headers: &mut HeaderMap) {
        if self.status == AuthStatus::SignedIn {
            return;
        }
        // A header the response already carries (e.g. `protect-rewrite`) is left alone.
        let mut set = |name: &'static str, value: Option<HeaderValue>| {
            let name = HeaderName::from_static(name);
            if let (Some(value), false) = (value, headers.contains_key(&name)) {
                headers.insert(name, value);
            }
        };
        set(
            HEADER_AUTH_STATUS,
            Some(HeaderValue::from_static(self.status.as_str())),
        );
        set(
            HEADER_AUTH_REASON,
            self.reason.as_deref().and_then(|r| HeaderValue::from_str(r).ok()),
        );
        // Silently dropped when not a valid header value (e.g. non-ASCII), as Clerk does.
        set(
            HEADER_AUTH_MESSAGE,
            self.message
                .as_deref()
                .and_then(|m| HeaderValue::from_str(m).ok()),
        );
    }
}

/// Authenticates `req` with Clerk's rules. Never fails: every problem is a signed-out state with
/// Clerk's reason.
pub async fn authenticate_request(clerk: &Clerk, req: &HttpRequest) -> RequestState {
    let headers = req.headers();
    match header_token(headers) {
        HeaderToken::Token(token) => {
            return authenticate_token(clerk, req, &token, TokenCarrier::Header).await
        }
        HeaderToken::Unreadable => {
            let err = TokenError::new(
                Reason::TokenInvalid,
                "Invalid JWT form. The Authorization header is not valid text.",
            );
            return RequestState::from_token_error(&err, TokenCarrier::Header);
        }
        HeaderToken::None => {}
    }
    if !clerk.config().cookie_auth {
        return RequestState::signed_out("session-token-and-uat-missing", None, None, false);
    }
    authenticate_cookies(clerk, req).await
}

enum HeaderToken {
    None,
    Unreadable,
    Token(String),
}

/// Clerk's `parseAuthorizationHeader`: split on the first space; one part is the token itself;
/// `Bearer <t>` (case-sensitive) gives `t`; any other scheme is ignored.
fn header_token(headers: &HeaderMap) -> HeaderToken {
    let Some(value) = headers.get(actix_web::http::header::AUTHORIZATION) else {
        return HeaderToken::None;
    };
    let Ok(text) = value.to_str() else {
        return HeaderToken::Unreadable;
    };
    let text = text.trim();
    if text.is_empty() {
        return HeaderToken::None;
    }
    // JavaScript's `split(' ', 2)`: at most two pieces, the rest is dropped.
    let mut pieces = text.split(' ');
    let scheme = pieces.next().unwrap_or("");
    let token = pieces.next();
    match token {
        None | Some("") => HeaderToken::Token(scheme.to_owned()),
        Some(token) if scheme == "Bearer" => HeaderToken::Token(token.to_owned()),
        Some(_) => HeaderToken::None,
    }
}

async fn authenticate_token(
    clerk: &Clerk,
    req: &HttpRequest,
    token: &str,
    carrier: TokenCarrier,
) -> RequestState {
    match clerk.verify_token(token).await {
        Ok(claims) => RequestState::signed_in(claims, token, carrier, clerk),
        Err(err) => handle_error(clerk, req, &err, carrier),
    }
}

/// Clerk's `handleSessionTokenError`: time errors become request-level reasons (with the refresh
/// eligibility), everything else keeps the verifier's reason; the message is the full message.
fn handle_error(clerk: &Clerk, req: &HttpRequest, err: &TokenError, carrier: TokenCarrier) -> RequestState {
    let refresh_error = || {
        let has_refresh_cookie = clerk
            .cookie_suffix()
            .and_then(|suffix| cookie(req.headers(), &format!("{COOKIE_REFRESH}_{suffix}")))
            .is_some();
        if err.reason() == Reason::TokenExpired && has_refresh_cookie && req.method() == Method::GET {
            // Clerk would now call the Backend API's session refresh; this SDK does not refresh
            // sessions, which Clerk reports as a refresh without an API client.
            "missing-api-client"
        } else if req.method() != Method::GET {
            "non-eligible-non-get"
        } else {
            "non-eligible-no-refresh-cookie"
        }
    };
    let reason: Cow<'static, str> = match err.reason() {
        Reason::TokenExpired => format!("session-token-expired-refresh-{}", refresh_error()).into(),
        Reason::TokenNotActiveYet => "session-token-nbf".into(),
        Reason::TokenIatInTheFuture => "session-token-iat-in-the-future".into(),
        _ => return RequestState::from_token_error(err, carrier),
    };
    // A document request would get Clerk's handshake redirect here; until handshakes are built it
    // is signed out with the same reason and message (never signed in).
    RequestState::signed_out(reason, Some(err.full_message(carrier)), Some(carrier), true)
}

async fn authenticate_cookies(clerk: &Clerk, req: &HttpRequest) -> RequestState {
    let headers = req.headers();
    let config = clerk.config();
    let suffixed = should_use_suffixed(clerk, headers);
    let suffix = clerk.cookie_suffix();
    let get = |name: &str| -> Option<String> {
        match (suffixed, suffix) {
            (true, Some(suffix)) => cookie(headers, &format!("{name}_{suffix}")),
            _ => cookie(headers, name),
        }
    };
    let session = get(COOKIE_SESSION).filter(|s| !s.is_empty());
    let client_uat = get(COOKIE_CLIENT_UAT).map(|v| js_parse_int(&v)).unwrap_or(0);
    let credential_present = session.is_some();

    if config.instance_type() == InstanceType::Development {
        if query_param(req.query_string(), QUERY_DEV_BROWSER).is_some() {
            return RequestState::signed_out("dev-browser-sync", None, None, credential_present);
        }
        let dev_browser = query_param(req.query_string(), QUERY_DEV_BROWSER)
            .or_else(|| get(COOKIE_DEV_BROWSER))
            .filter(|v| !v.is_empty());
        if dev_browser.is_none() {
            return RequestState::signed_out("dev-browser-missing", None, None, credential_present);
        }
    }
    let Some(session) = session else {
        return if client_uat == 0 {
            RequestState::signed_out("session-token-and-uat-missing", None, None, false)
        } else {
            RequestState::signed_out("client-uat-but-no-session-token", None, None, false)
        };
    };
    if client_uat == 0 {
        return RequestState::signed_out("session-token-but-no-client-uat", None, None, true);
    }
    let decoded = match clerk.verifier().decode(&session) {
        Ok(decoded) => decoded,
        Err(err) => return RequestState::from_token_error(&err, TokenCarrier::Cookie),
    };
    if let Some(iat) = decoded.claim("iat").and_then(Value::as_f64) {
        if iat < client_uat as f64 {
            return RequestState::signed_out("session-token-iat-before-client-uat", None, None, true);
        }
    }
    drop(decoded);
    let state = authenticate_token(clerk, req, &session, TokenCarrier::Cookie).await;
    if state.status == AuthStatus::SignedIn && needs_cross_origin_sync(clerk, req) {
        return RequestState::signed_out(
            "primary-domain-cross-origin-sync",
            Some("Cross-origin request from satellite domain requires handshake".to_owned()),
            Some(TokenCarrier::Cookie),
            true,
        );
    }
    if state.status == AuthStatus::SignedIn {
        let missing_azp = state.auth.claims().is_some_and(|c| c.get("azp").is_none());
        if missing_azp {
            tracing::warn!("clerk: session token from cookie is missing the azp claim");
        }
    }
    state
}

/// Clerk's cross-origin rule on the primary domain: a signed-in document GET whose `Referer` is
/// another origin (and not one of Clerk's) needs a handshake.
fn needs_cross_origin_sync(clerk: &Clerk, req: &HttpRequest) -> bool {
    let headers = req.headers();
    if req.method() != Method::GET || header_str(headers, "sec-fetch-dest") != Some("document") {
        return false;
    }
    let Some(referrer) = header_str(headers, "referer").and_then(|r| url::Url::parse(r).ok()) else {
        return false;
    };
    if cookie(headers, COOKIE_REDIRECT_COUNT)
        .map(|v| js_parse_int(&v))
        .unwrap_or(0)
        != 0
    {
        return false;
    }
    let own_origin = clerk.request_origin(req);
    if referrer.origin().ascii_serialization() == own_origin {
        return false;
    }
    !is_known_clerk_origin(clerk, &referrer)
}

fn is_known_clerk_origin(clerk: &Clerk, url: &url::Url) -> bool {
    let Some(host) = url.host_str() else {
        return false;
    };
    let Some(key) = clerk.config().publishable_key() else {
        return false;
    };
    let frontend = key.frontend_api();
    if host == frontend {
        return true;
    }
    let accounts = match frontend.strip_prefix("clerk.") {
        Some(domain) => format!("accounts.{domain}"),
        None => format!("accounts.{frontend}"),
    };
    if host == accounts {
        return true;
    }
    key.instance_type() == InstanceType::Development
        && [".accounts.dev", ".accountsstage.dev", ".accounts.lclclerk.com"]
            .iter()
            .any(|suffix| host.ends_with(suffix))
}

/// Clerk's `shouldUseSuffixed`: which of `__session` / `__session_<suffix>` (and friends) to read.
fn should_use_suffixed(clerk: &Clerk, headers: &HeaderMap) -> bool {
    let Some(suffix) = clerk.cookie_suffix() else {
        return false;
    };
    let suffixed_uat = cookie(headers, &format!("{COOKIE_CLIENT_UAT}_{suffix}"));
    let client_uat = cookie(headers, COOKIE_CLIENT_UAT);
    let suffixed_session = cookie(headers, &format!("{COOKIE_SESSION}_{suffix}")).unwrap_or_default();
    let session = cookie(headers, COOKIE_SESSION).unwrap_or_default();
    let payload = |token: &str| unverified_payload(token);

    if !session.is_empty() {
        let Some(claims) = payload(&session) else {
            return false;
        };
        match claims
            .get("iss")
            .and_then(Value::as_str)
            .filter(|iss| !iss.is_empty())
        {
            None => return false,
            Some(iss) => {
                let bare = iss.trim_start_matches("https://").trim_start_matches("http://");
                let frontend = clerk.config().publishable_key().map(|k| k.frontend_api());
                if Some(bare) != frontend {
                    return true;
                }
            }
        }
    }
    if suffixed_uat.is_none() && suffixed_session.is_empty() {
        return false;
    }
    let iat = |token: &str| {
        payload(token)
            .and_then(|c| c.get("iat").and_then(Value::as_f64))
            .unwrap_or(0.0)
    };
    let session_iat = iat(&session);
    let suffixed_iat = iat(&suffixed_session);
    let uat_is = |uat: &Option<String>, value: &str| uat.as_deref() == Some(value);
    if !uat_is(&suffixed_uat, "0") && !uat_is(&client_uat, "0") && session_iat > suffixed_iat {
        return false;
    }
    if uat_is(&suffixed_uat, "0") && !uat_is(&client_uat, "0") {
        return false;
    }
    if clerk.config().instance_type() != InstanceType::Production {
        let now = clerk_core_now_secs(clerk);
        let suffixed_expired = payload(&suffixed_session)
            .and_then(|c| c.get("exp").and_then(Value::as_f64))
            .is_some_and(|exp| exp <= now);
        if !uat_is(&suffixed_uat, "0") && uat_is(&client_uat, "0") && suffixed_expired {
            return false;
        }
    }
    if suffixed_uat.is_none() && !suffixed_session.is_empty() {
        return false;
    }
    true
}

fn clerk_core_now_secs(clerk: &Clerk) -> f64 {
    clerk
        .config()
        .now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as f64)
        .unwrap_or(0.0)
}

/// The payload of a token without verifying it (for cookie selection only).
fn unverified_payload(token: &str) -> Option<serde_json::Map<String, Value>> {
    let decoded = clerk_core::DecodedToken::decode(token, clerk_core::DEFAULT_MAX_TOKEN_BYTES).ok()?;
    decoded.payload().as_object().cloned()
}

fn header_str<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers.get(name).and_then(|v| v.to_str().ok())
}

/// The first cookie called `name` across all `Cookie` headers, as the `cookie` package parses it
/// (trimmed, quotes removed, percent-decoded when valid).
pub(crate) fn cookie(headers: &HeaderMap, name: &str) -> Option<String> {
    for value in headers.get_all(actix_web::http::header::COOKIE) {
        let Ok(text) = value.to_str() else { continue };
        for pair in text.split(';') {
            let Some((key, value)) = pair.split_once('=') else {
                continue;
            };
            if key.trim() != name {
                continue;
            }
            let mut value = value.trim();
            if value.len() >= 2 && value.starts_with('"') && value.ends_with('"') {
                value = &value[1..value.len() - 1];
            }
            return Some(percent_decode(value));
        }
    }
    None
}

fn percent_decode(value: &str) -> String {
    if !value.contains('%') {
        return value.to_owned();
    }
    let decoded: Vec<u8> = url::form_urlencoded::parse(format!("x={}", value.replace('+', "%2B")).as_bytes())
        .next()
        .map(|(_, v)| v.into_owned().into_bytes())
        .unwrap_or_default();
    String::from_utf8(decoded).unwrap_or_else(|_| value.to_owned())
}

fn query_param(query: &str, name: &str) -> Option<String> {
    url::form_urlencoded::parse(query.as_bytes())
        .find(|(key, _)| key == name)
        .map(|(_, value)| value.into_owned())
}

/// JavaScript's `parseInt(value) || 0` for cookie integers.
fn js_parse_int(value: &str) -> i64 {
    let text = value.trim_start();
    let (sign, digits) = match text.as_bytes().first() {
        Some(b'-') => (-1, &text[1..]),
        Some(b'+') => (1, &text[1..]),
        _ => (1, text),
    };
    let end = digits
        .bytes()
        .position(|b| !b.is_ascii_digit())
        .unwrap_or(digits.len());
    digits[..end].parse::<i64>().map(|n| sign * n).unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use actix_web::test::TestRequest;

    #[test]
    fn authorization_header_parsing_follows_clerk() {
        let parse = |value: &str| {
            let req = TestRequest::default()
                .insert_header(("authorization", value))
                .to_http_request();
            match header_token(req.headers()) {
                HeaderToken::Token(t) => Some(t),
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

    #[test]
    fn cookies_parse_like_the_cookie_package() {
        let req = TestRequest::default()
            .insert_header(("cookie", "a=1; __session=\"tok\"; __session=second; b=x%20y"))
            .to_http_request();
        assert_eq!(cookie(req.headers(), "__session").as_deref(), Some("tok"));
        assert_eq!(cookie(req.headers(), "b").as_deref(), Some("x y"));
        assert_eq!(cookie(req.headers(), "missing"), None);
    }

    #[test]
    fn parse_int_is_javascripts() {
        assert_eq!(js_parse_int("1755000000"), 1_755_000_000);
        assert_eq!(js_parse_int("12abc"), 12);
        assert_eq!(js_parse_int("abc"), 0);
        assert_eq!(js_parse_int("-5"), -5);
        assert_eq!(js_parse_int(""), 0);
    }
}
