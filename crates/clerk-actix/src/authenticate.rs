//! Request-level authentication: Clerk's `authenticateRequest` for session tokens.
//!
//! Token sources and their precedence, the `__client_uat` rules, suffixed cookies, the
//! development-instance dev-browser rule, and the mapping of verifier reasons to Clerk's
//! request-level reasons (SDK-BEHAVIOUR §2).

use std::borrow::Cow;
use std::fmt;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use actix_web::http::header::{HeaderMap, HeaderName, HeaderValue};
use actix_web::http::Method;
use actix_web::HttpRequest;
use clerk_core::{Auth, DecodedToken, InstanceType, Reason, TokenCarrier, TokenError};
use serde_json::Value;

use crate::redact::TokenLen;
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
const QUERY_REDIRECT_URL: &str = "__clerk_redirect_url";
const QUERY_HANDSHAKE_NONCE: &str = "__clerk_handshake_nonce";
const COOKIE_HANDSHAKE_NONCE: &str = "__clerk_handshake_nonce";

/// Whether the missing-`azp` warning was logged already (once per process).
static AZP_WARNED: AtomicBool = AtomicBool::new(false);

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
///
/// Its `Debug` shows the token's length only. A state that handlers see as signed out (a pending
/// session included) holds no token at all.
#[derive(Clone)]
pub struct RequestState {
    status: AuthStatus,
    reason: Option<Cow<'static, str>>,
    message: Option<String>,
    auth: Auth,
    token: Option<Arc<str>>,
    carrier: Option<TokenCarrier>,
    credential_present: bool,
}

impl fmt::Debug for RequestState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RequestState")
            .field("status", &self.status)
            .field("reason", &self.reason)
            .field("message", &self.message)
            .field("auth", &self.auth)
            .field("token", &self.token.as_deref().map(TokenLen))
            .field("carrier", &self.carrier)
            .field("credential_present", &self.credential_present)
            .finish()
    }
}

impl RequestState {
    fn signed_in(session: crate::clerk::VerifiedSession, carrier: TokenCarrier) -> Self {
        // A pending session is signed in for Clerk but signed out for handlers: like Clerk's
        // signed-out auth object, it has no token to give (`getToken()` is null).
        let token = session.auth.is_authenticated().then_some(session.token);
        Self {
            status: AuthStatus::SignedIn,
            reason: None,
            message: None,
            auth: session.auth,
            token,
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

    /// The raw session token when handlers see the request signed in (Clerk's `getToken()`
    /// without a template); `None` otherwise, a pending session included. Keep it out of logs and
    /// responses.
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
    match clerk.verify_session(token).await {
        Ok(session) => RequestState::signed_in(session, carrier),
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
            .is_some_and(|value| !value.is_empty());
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
    // `Number.parseInt(value || "") || 0`: NaN and -0 become 0.
    let client_uat = get(COOKIE_CLIENT_UAT)
        .map(|v| js_parse_int(&v))
        .filter(|n| !n.is_nan() && *n != 0.0)
        .unwrap_or(0.0);
    let credential_present = session.is_some();

    // A handshake nonce means Clerk's Frontend API sent the browser back with new cookies to
    // fetch from the Backend API. Resolving handshakes is not built: Clerk's answer when the nonce
    // cannot be resolved is signed out `session-token-missing`, never the old cookies.
    let nonce = query_param(req.query_string(), QUERY_HANDSHAKE_NONCE)
        .or_else(|| cookie(headers, COOKIE_HANDSHAKE_NONCE))
        .filter(|v| !v.is_empty());
    if nonce.is_some() {
        return RequestState::signed_out("session-token-missing", None, None, credential_present);
    }
    if config.instance_type() == InstanceType::Development {
        // The primary domain answering a satellite's sync request redirects back to it.
        let redirect_url = query_param(req.query_string(), QUERY_REDIRECT_URL).filter(|v| !v.is_empty());
        if redirect_url.is_some() {
            return RequestState::signed_out("primary-responds-to-syncing", None, None, credential_present);
        }
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
        return if client_uat == 0.0 {
            RequestState::signed_out("session-token-and-uat-missing", None, None, false)
        } else {
            RequestState::signed_out("client-uat-but-no-session-token", None, None, false)
        };
    };
    if client_uat == 0.0 {
        return RequestState::signed_out("session-token-but-no-client-uat", None, None, true);
    }
    let decoded = match clerk.verifier().decode(&session) {
        Ok(decoded) => decoded,
        Err(err) => return RequestState::from_token_error(&err, TokenCarrier::Cookie),
    };
    // `payload.iat < clientUat` with JavaScript's coercion: a numeric string compares as a
    // number, anything that is not a number (or absent) compares false.
    if let Some(iat) = decoded.claim("iat").map(js_to_number) {
        if iat < client_uat {
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
        // Clerk's `warnOnce`: once per process, so a flood of such cookies cannot flood the logs.
        if missing_azp && !AZP_WARNED.swap(true, Ordering::Relaxed) {
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
    // `Number(value) || 0`, unlike the client_uat's `parseInt`: `1abc` is 0 here.
    let loop_counter = cookie(headers, COOKIE_REDIRECT_COUNT)
        .map(|v| js_string_to_number(&v))
        .filter(|n| !n.is_nan())
        .unwrap_or(0.0);
    if loop_counter != 0.0 {
        return false;
    }
    let own_origin = clerk.request_origin(req);
    if referrer.origin().ascii_serialization() == own_origin {
        return false;
    }
    !is_known_clerk_origin(clerk, &referrer)
}

/// Clerk's `isKnownClerkReferrer`: the referrer's host is the instance's Frontend API host; or,
/// on a development instance, a development Account Portal host (current
/// `*.accounts.dev`-style hosts that are not a `*.clerk.accounts.dev` Frontend API, or legacy
/// `accounts.*.lcl.dev`-style hosts); or its origin is exactly the instance's Account Portal
/// origin (`https://accounts.<domain>`, scheme and port included).
fn is_known_clerk_origin(clerk: &Clerk, url: &url::Url) -> bool {
    let Some(key) = clerk.config().publishable_key() else {
        return false;
    };
    let host = url.host_str().unwrap_or("");
    let frontend = key.frontend_api();
    if !frontend.is_empty() && host == frontend {
        return true;
    }
    if key.instance_type() != InstanceType::Production
        && (is_legacy_dev_account_portal(host) || is_current_dev_account_portal(host))
    {
        return true;
    }
    url::Url::parse(&accounts_base_url(frontend))
        .is_ok_and(|accounts| accounts.origin().ascii_serialization() == url.origin().ascii_serialization())
}

const LEGACY_DEV_INSTANCE_SUFFIXES: [&str; 3] = [".lcl.dev", ".lclstage.dev", ".lclclerk.com"];
const CURRENT_DEV_INSTANCE_SUFFIXES: [&str; 3] =
    [".accounts.dev", ".accountsstage.dev", ".accounts.lclclerk.com"];

fn is_legacy_dev_account_portal(host: &str) -> bool {
    LEGACY_DEV_INSTANCE_SUFFIXES
        .iter()
        .any(|suffix| host.starts_with("accounts.") && host.ends_with(suffix))
}

fn is_current_dev_account_portal(host: &str) -> bool {
    CURRENT_DEV_INSTANCE_SUFFIXES
        .iter()
        .any(|suffix| host.ends_with(suffix) && !host.ends_with(&format!(".clerk{suffix}")))
}

/// `@clerk/shared`'s `buildAccountsBaseUrl`: `https://` + the frontend API with its first
/// `clerk.accountsstage.` made `accountsstage.`, then its first `clerk.accounts.` or `clerk.`
/// made `accounts.`.
fn accounts_base_url(frontend: &str) -> String {
    let host = frontend.replacen("clerk.accountsstage.", "accountsstage.", 1);
    let host = match host.find("clerk.") {
        Some(at) if host[at..].starts_with("clerk.accounts.") => {
            format!(
                "{}accounts.{}",
                &host[..at],
                &host[at + "clerk.accounts.".len()..]
            )
        }
        Some(at) => format!("{}accounts.{}", &host[..at], &host[at + "clerk.".len()..]),
        None => host,
    };
    format!("https://{host}")
}

/// Clerk's `usesSuffixedCookies`: which of `__session` / `__session_<suffix>` (and friends) to
/// read. An empty cookie counts as absent (`getCookie(name) || undefined`).
fn should_use_suffixed(clerk: &Clerk, headers: &HeaderMap) -> bool {
    let Some(suffix) = clerk.cookie_suffix() else {
        return false;
    };
    let present = |name: &str| cookie(headers, name).filter(|v| !v.is_empty());
    let suffixed_uat = present(&format!("{COOKIE_CLIENT_UAT}_{suffix}"));
    let client_uat = present(COOKIE_CLIENT_UAT);
    let suffixed_session = present(&format!("{COOKIE_SESSION}_{suffix}")).unwrap_or_default();
    let session = present(COOKIE_SESSION).unwrap_or_default();
    // Each cookie token is decoded (never verified) at most once here.
    let session_token = decode_cookie_token(&session);

    if !session.is_empty() {
        // `tokenHasIssuer`: a truthy `iss`; `tokenBelongsToInstance`: a string `iss` equal to the
        // frontend API once every `http(s)://` is removed.
        let Some(claims) = session_token.as_ref() else {
            return false;
        };
        let Some(iss) = claims.claim("iss").filter(|iss| js_truthy(iss)) else {
            return false;
        };
        let belongs = iss.as_str().is_some_and(|iss| {
            let bare = strip_schemes(iss);
            clerk.config().publishable_key().map(|k| k.frontend_api()) == Some(bare.as_str())
        });
        if !belongs {
            return true;
        }
    }
    if suffixed_uat.is_none() && suffixed_session.is_empty() {
        return false;
    }
    let suffixed_token = decode_cookie_token(&suffixed_session);
    // `decodeJwt(token)?.payload.iat || 0`
    let iat = |token: Option<&DecodedToken<'_>>| {
        token
            .and_then(|t| t.claim("iat").map(js_to_number))
            .filter(|n| !n.is_nan())
            .unwrap_or(0.0)
    };
    let session_iat = iat(session_token.as_ref());
    let suffixed_iat = iat(suffixed_token.as_ref());
    let uat_is = |uat: &Option<String>, value: &str| uat.as_deref() == Some(value);
    if !uat_is(&suffixed_uat, "0") && !uat_is(&client_uat, "0") && session_iat > suffixed_iat {
        return false;
    }
    if uat_is(&suffixed_uat, "0") && !uat_is(&client_uat, "0") {
        return false;
    }
    if clerk.config().instance_type() != InstanceType::Production {
        let now = clerk_core_now_secs(clerk);
        let suffixed_expired = suffixed_token
            .as_ref()
            .and_then(|t| t.claim("exp").map(js_to_number))
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

/// A cookie's token decoded without verification (for cookie selection only); `None` when empty
/// or malformed, as Clerk's `decodeJwt` leaves it.
fn decode_cookie_token(token: &str) -> Option<DecodedToken<'_>> {
    if token.is_empty() {
        return None;
    }
    DecodedToken::decode(token, clerk_core::DEFAULT_MAX_TOKEN_BYTES).ok()
}

/// `iss.replace(/https?:\/\//gi, "")`.
fn strip_schemes(iss: &str) -> String {
    let mut out = String::with_capacity(iss.len());
    let mut rest = iss;
    while !rest.is_empty() {
        let starts = |prefix: &str| {
            rest.as_bytes()
                .get(..prefix.len())
                .is_some_and(|head| head.eq_ignore_ascii_case(prefix.as_bytes()))
        };
        if starts("https://") {
            rest = &rest[8..];
        } else if starts("http://") {
            rest = &rest[7..];
        } else {
            let c = rest.chars().next().unwrap_or_default();
            out.push(c);
            rest = &rest[c.len_utf8()..];
        }
    }
    out
}

fn clerk_core_now_secs(clerk: &Clerk) -> f64 {
    clerk
        .config()
        .now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as f64)
        .unwrap_or(0.0)
}

fn header_str<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers.get(name).and_then(|v| v.to_str().ok())
}

/// The cookie called `name` as Clerk reads it: `cookie.parse` (cookie@1.1.1) of the `Cookie`
/// header, first occurrence wins. Several `Cookie` header fields (HTTP/2) are joined with `"; "`.
pub(crate) fn cookie(headers: &HeaderMap, name: &str) -> Option<String> {
    let mut joined = String::new();
    for value in headers.get_all(actix_web::http::header::COOKIE) {
        let Ok(text) = value.to_str() else { continue };
        if !joined.is_empty() {
            joined.push_str("; ");
        }
        joined.push_str(text);
    }
    parse_cookie(&joined, name)
}

/// cookie@1.1.1's `parseCookie`, for one name: pairs split on `;`, name and value trimmed of
/// spaces and tabs only, quotes kept, the value percent-decoded with `decodeURIComponent` (kept
/// as is when that fails), the first pair of a name wins.
fn parse_cookie(text: &str, name: &str) -> Option<String> {
    let len = text.len();
    if len < 2 {
        return None;
    }
    let mut index = 0;
    while index < len {
        let Some(eq) = text[index..].find('=').map(|at| at + index) else {
            break;
        };
        let end = text[index..].find(';').map_or(len, |at| at + index);
        if eq > end {
            // A pair without `=`: resume after the last `;` before this `=`.
            index = text[..eq].rfind(';').map_or(0, |at| at + 1);
            continue;
        }
        if trim_cookie_ws(&text[index..eq]) == name {
            return Some(decode_uri_component(trim_cookie_ws(&text[eq + 1..end])));
        }
        index = end + 1;
    }
    None
}

fn trim_cookie_ws(text: &str) -> &str {
    text.trim_matches([' ', '\t'])
}

/// JavaScript's `decodeURIComponent`, or the input unchanged when it would throw (a malformed
/// escape or bytes that are not UTF-8), as the `cookie` package does.
fn decode_uri_component(value: &str) -> String {
    if !value.contains('%') {
        return value.to_owned();
    }
    let bytes = value.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = bytes
                .get(i + 1..i + 3)
                .and_then(|h| std::str::from_utf8(h).ok())
                .filter(|h| h.bytes().all(|b| b.is_ascii_hexdigit()))
                .and_then(|h| u8::from_str_radix(h, 16).ok());
            let Some(byte) = hex else {
                return value.to_owned();
            };
            out.push(byte);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).unwrap_or_else(|_| value.to_owned())
}

fn query_param(query: &str, name: &str) -> Option<String> {
    url::form_urlencoded::parse(query.as_bytes())
        .find(|(key, _)| key == name)
        .map(|(_, value)| value.into_owned())
}

/// JavaScript's white space and line terminators (what `parseInt` and `Number` skip).
fn is_js_space(c: char) -> bool {
    c.is_whitespace() || c == '\u{feff}'
}

/// JavaScript's `Number.parseInt(value)` (radix 10, or 16 after `0x`): leading white space and a
/// sign, then the longest run of digits; NaN when there is none.
fn js_parse_int(value: &str) -> f64 {
    let text = value.trim_start_matches(is_js_space);
    let (sign, text) = match text.as_bytes().first() {
        Some(b'-') => (-1.0, &text[1..]),
        Some(b'+') => (1.0, &text[1..]),
        _ => (1.0, text),
    };
    let (radix, text) = match text.get(..2) {
        Some("0x" | "0X") => (16, &text[2..]),
        _ => (10, text),
    };
    let end = text
        .char_indices()
        .find(|(_, c)| !c.is_digit(radix))
        .map_or(text.len(), |(at, _)| at);
    let digits = &text[..end];
    if digits.is_empty() {
        return f64::NAN;
    }
    let magnitude = if radix == 10 {
        digits.parse::<f64>().unwrap_or(f64::NAN)
    } else {
        digits
            .chars()
            .filter_map(|c| c.to_digit(16))
            .fold(0.0, |acc, d| acc * 16.0 + f64::from(d))
    };
    sign * magnitude
}

/// JavaScript's `Number(string)`: trimmed; empty is 0; `0x`/`0o`/`0b` integers; `Infinity`;
/// otherwise a decimal literal or NaN.
fn js_string_to_number(value: &str) -> f64 {
    let text = value.trim_matches(is_js_space);
    if text.is_empty() {
        return 0.0;
    }
    let radix = match text.get(..2) {
        Some("0x" | "0X") => Some(16),
        Some("0o" | "0O") => Some(8),
        Some("0b" | "0B") => Some(2),
        _ => None,
    };
    if let Some(radix) = radix {
        let digits = &text[2..];
        if digits.is_empty() || !digits.chars().all(|c| c.is_digit(radix)) {
            return f64::NAN;
        }
        return digits
            .chars()
            .filter_map(|c| c.to_digit(radix))
            .fold(0.0, |acc, d| acc * f64::from(radix) + f64::from(d));
    }
    let unsigned = text.strip_prefix(['+', '-']).unwrap_or(text);
    if unsigned == "Infinity" {
        return if text.starts_with('-') {
            f64::NEG_INFINITY
        } else {
            f64::INFINITY
        };
    }
    // A StrDecimalLiteral: digits, one dot, an exponent; Rust's parser also takes `inf`/`nan`,
    // which JavaScript does not.
    let valid = unsigned.bytes().any(|b| b.is_ascii_digit())
        && unsigned
            .bytes()
            .all(|b| b.is_ascii_digit() || matches!(b, b'.' | b'e' | b'E' | b'+' | b'-'));
    if !valid {
        return f64::NAN;
    }
    text.parse::<f64>().unwrap_or(f64::NAN)
}

/// JavaScript's `ToNumber` of a JSON value (what `payload.iat < clientUat` compares).
fn js_to_number(value: &Value) -> f64 {
    match value {
        Value::Null => 0.0,
        Value::Bool(b) => f64::from(u8::from(*b)),
        Value::Number(n) => n.as_f64().unwrap_or(f64::NAN),
        Value::String(s) => js_string_to_number(s),
        // An array becomes `join(",")` first: `[]` is 0, `[x]` is `x`, more is NaN.
        Value::Array(items) => match items.as_slice() {
            [] | [Value::Null] => 0.0,
            [item @ (Value::Number(_) | Value::String(_) | Value::Array(_))] => js_to_number(item),
            _ => f64::NAN,
        },
        Value::Object(_) => f64::NAN,
    }
}

/// JavaScript's truthiness of a JSON value.
fn js_truthy(value: &Value) -> bool {
    match value {
        Value::Null => false,
        Value::Bool(b) => *b,
        Value::Number(n) => n.as_f64().is_some_and(|n| n != 0.0 && !n.is_nan()),
        Value::String(s) => !s.is_empty(),
        Value::Array(_) | Value::Object(_) => true,
    }
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
            .insert_header(("cookie", "a=1; __session=tok; __session=second; b=x%20y"))
            .to_http_request();
        assert_eq!(cookie(req.headers(), "__session").as_deref(), Some("tok"));
        assert_eq!(cookie(req.headers(), "b").as_deref(), Some("x y"));
        assert_eq!(cookie(req.headers(), "missing"), None);
    }

    /// cookie@1.1.1 (bundled by @clerk/backend 3.25.0) keeps quotes, trims only spaces and
    /// tabs, uses `decodeURIComponent` (`+` stays) and keeps a value it cannot decode.
    #[test]
    fn cookie_values_are_cookie_1_1_1s() {
        let parse = |header: &str, name: &str| parse_cookie(header, name);
        assert_eq!(
            parse("__client_uat=\"1755\"", "__client_uat").as_deref(),
            Some("\"1755\"")
        );
        assert_eq!(parse(" \ta = b c \t; d=e", "a").as_deref(), Some("b c"));
        assert_eq!(parse("a=x+y%2B", "a").as_deref(), Some("x+y+"));
        assert_eq!(parse("a=%zz%41", "a").as_deref(), Some("%zz%41"));
        assert_eq!(parse("a=%FF", "a").as_deref(), Some("%FF"));
        assert_eq!(parse("a=%E2%82%AC", "a").as_deref(), Some("€"));
        assert_eq!(parse("junk; a=1", "a").as_deref(), Some("1"));
        assert_eq!(parse("junk;a=1;junk2", "a").as_deref(), Some("1"));
        assert_eq!(parse("a=", "a").as_deref(), Some(""));
        assert_eq!(parse("a", "a"), None);
        assert_eq!(parse("x=1; a==b", "a").as_deref(), Some("=b"));
    }

    #[test]
    fn parse_int_is_javascripts() {
        assert_eq!(js_parse_int("1755000000"), 1_755_000_000.0);
        assert_eq!(js_parse_int("12abc"), 12.0);
        assert!(js_parse_int("abc").is_nan());
        assert_eq!(js_parse_int("-5"), -5.0);
        assert!(js_parse_int("").is_nan());
        // Regressions found by the parity test: hex prefixes and values beyond i64.
        assert_eq!(js_parse_int("0x10"), 16.0);
        assert_eq!(js_parse_int(" \n+0X1f"), 31.0);
        assert_eq!(js_parse_int("1e3"), 1.0);
        assert_eq!(js_parse_int("99999999999999999999"), 1e20);
        assert!(js_parse_int("\"1755\"").is_nan());
    }

    #[test]
    fn number_is_javascripts() {
        assert_eq!(js_string_to_number("3"), 3.0);
        assert!(js_string_to_number("1abc").is_nan());
        assert_eq!(js_string_to_number(""), 0.0);
        assert_eq!(js_string_to_number(" 2 "), 2.0);
        assert_eq!(js_string_to_number("0x1"), 1.0);
        assert_eq!(js_string_to_number("1e3"), 1000.0);
        assert_eq!(js_string_to_number("-Infinity"), f64::NEG_INFINITY);
        assert!(js_string_to_number("inf").is_nan());
        assert!(js_string_to_number("NaN").is_nan());
        assert!(js_string_to_number("-0x1").is_nan());
        assert_eq!(js_to_number(&serde_json::json!("1700000000")), 1.7e9);
        assert_eq!(js_to_number(&serde_json::json!(null)), 0.0);
        assert_eq!(js_to_number(&serde_json::json!([5])), 5.0);
        assert!(js_to_number(&serde_json::json!([1, 2])).is_nan());
        assert!(js_to_number(&serde_json::json!({})).is_nan());
    }

    #[test]
    fn schemes_are_stripped_everywhere_case_insensitively() {
        assert_eq!(strip_schemes("https://a.example"), "a.example");
        assert_eq!(strip_schemes("HTTP://a.exampleHttps://"), "a.example");
        assert_eq!(strip_schemes("http:/a"), "http:/a");
    }

    #[test]
    fn accounts_url_is_shared_build_accounts_base_url() {
        assert_eq!(
            accounts_base_url("clerk.example.com"),
            "https://accounts.example.com"
        );
        assert_eq!(
            accounts_base_url("happy-hippo-42.clerk.accounts.dev"),
            "https://happy-hippo-42.accounts.dev"
        );
        assert_eq!(
            accounts_base_url("foo.clerk.accountsstage.dev"),
            "https://foo.accountsstage.dev"
        );
        assert_eq!(accounts_base_url("auth.example.com"), "https://auth.example.com");
        assert!(is_current_dev_account_portal("happy-hippo-42.accounts.dev"));
        assert!(!is_current_dev_account_portal("evil-eagle-13.clerk.accounts.dev"));
        assert!(is_legacy_dev_account_portal("accounts.foo.lcl.dev"));
        assert!(!is_legacy_dev_account_portal("foo.lcl.dev"));
    }
}
