//! What authenticating a request decided, and what the response must carry.

use std::borrow::Cow;
use std::fmt;
use std::sync::Arc;

use crate::reason::RequestReason;
use crate::{error::TokenCarrier, Auth, Reason};

/// `x-clerk-auth-status`.
pub const HEADER_AUTH_STATUS: &str = "x-clerk-auth-status";
/// `x-clerk-auth-reason`.
pub const HEADER_AUTH_REASON: &str = "x-clerk-auth-reason";
/// `x-clerk-auth-message`.
pub const HEADER_AUTH_MESSAGE: &str = "x-clerk-auth-message";
/// `x-clerk-redirect-to`: `true` on the redirects `clerkMiddleware` answers for the app (to
/// sign in or up, and `auth.protect()`'s URLs), never on Clerk's handshake.
pub const HEADER_REDIRECT_TO: &str = "x-clerk-redirect-to";

/// Clerk's request status. Deliberately exhaustive: every status must be handled wherever a
/// status is decided.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RequestStatus {
    /// `signed-in` (also for a pending session, which handlers see as signed out by default).
    SignedIn,
    /// `signed-out`.
    SignedOut,
    /// `handshake`: the browser must go through the Frontend API for fresh cookies; the response
    /// is a `307` to [`RequestOutcome::location`] and no handler runs.
    Handshake,
}

impl RequestStatus {
    /// `signed-in`, `signed-out` or `handshake`.
    pub const fn as_str(self) -> &'static str {
        match self {
            RequestStatus::SignedIn => "signed-in",
            RequestStatus::SignedOut => "signed-out",
            RequestStatus::Handshake => "handshake",
        }
    }
}

/// What Clerk's flow adds to a response besides the debug headers: a redirect (`Location`, with
/// `Cache-Control: no-store`), cookies (refreshed or handshake cookies, the redirect counter), and
/// the CORS pair of a resolved handshake. Cookie values carry tokens: `Debug` prints only names.
#[derive(Clone, Default, PartialEq, Eq)]
pub(crate) struct ResponseDirectives {
    pub(crate) location: Option<String>,
    pub(crate) set_cookies: Vec<String>,
    pub(crate) handshake_cors: bool,
}

impl ResponseDirectives {
    pub(crate) fn is_empty(&self) -> bool {
        self.location.is_none() && self.set_cookies.is_empty() && !self.handshake_cors
    }
}

impl fmt::Debug for ResponseDirectives {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let names: Vec<&str> = self
            .set_cookies
            .iter()
            .map(|c| c.split('=').next().unwrap_or(""))
            .collect();
        f.debug_struct("ResponseDirectives")
            .field(
                "location",
                &self.location.as_ref().map(|l| l.split('?').next().unwrap_or("")),
            )
            .field("set_cookies", &names)
            .field("handshake_cors", &self.handshake_cors)
            .finish()
    }
}

/// A session token, kept out of `Debug` output (it prints as `Token(…len 812)`), and how this
/// request came to believe it ([`TokenCheck`]). Two tokens are equal when their text is.
#[derive(Clone)]
pub struct Token {
    raw: Arc<str>,
    check: TokenCheck,
}

/// How a request's session token was believed: its signature and claims checked now, or found
/// in the verified-token cache (a token verified before with the same key set), where only its
/// time claims are checked again.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenCheck {
    /// Signature and every claim checked for this request.
    Verified,
    /// Found in the verified-token cache; its time claims checked again.
    Cached,
}

impl TokenCheck {
    /// `verified` or `cached`: the value of a trace's `clerk.token.verification` attribute.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Verified => "verified",
            Self::Cached => "cached",
        }
    }
}

impl Token {
    /// A token verified for this request.
    pub(crate) fn new(token: &str) -> Self {
        Self {
            raw: Arc::from(token),
            check: TokenCheck::Verified,
        }
    }

    /// This token as a later request finds it in the verified-token cache.
    pub(crate) fn cached(self) -> Self {
        Self {
            check: TokenCheck::Cached,
            ..self
        }
    }

    /// The raw token. Keep it out of logs and responses.
    pub fn expose(&self) -> &str {
        &self.raw
    }

    /// How this request believed the token: verified now, or found in the cache.
    pub fn check(&self) -> TokenCheck {
        self.check
    }
}

impl PartialEq for Token {
    fn eq(&self, other: &Self) -> bool {
        self.raw == other.raw
    }
}

impl Eq for Token {}

impl fmt::Debug for Token {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Token(…len {})", self.raw.len())
    }
}

/// The outcome of authenticating one request (Clerk's `RequestState`).
///
/// The reason and message live in [`RequestOutcome::auth`] only (signed out); a signed-in
/// outcome carries the token, a signed-out one never does.
#[derive(Clone)]
pub struct RequestOutcome {
    status: RequestStatus,
    auth: Auth,
    token: Option<Token>,
    carrier: Option<TokenCarrier>,
    credential_present: bool,
    directives: Option<Box<ResponseDirectives>>,
}

impl RequestOutcome {
    pub(crate) fn signed_in(auth: Auth, token: Token, carrier: TokenCarrier) -> Self {
        // A session handlers see as signed out (pending) exposes no token (see `token`).
        Self {
            status: RequestStatus::SignedIn,
            auth,
            token: Some(token),
            carrier: Some(carrier),
            credential_present: true,
            directives: None,
        }
    }

    /// A signed-out outcome with Clerk's reason and message (an empty message is none).
    pub fn signed_out(
        reason: RequestReason,
        message: Option<String>,
        carrier: Option<TokenCarrier>,
        credential_present: bool,
    ) -> Self {
        Self {
            status: RequestStatus::SignedOut,
            auth: Auth::signed_out(reason, message.filter(|m| !m.is_empty())),
            token: None,
            carrier,
            credential_present,
            directives: None,
        }
    }

    /// Clerk's handshake: a `307` to `location` (the Frontend API's handshake, or a sync
    /// redirect) with `set_cookies`, Clerk's reason and message.
    pub(crate) fn handshake(
        reason: RequestReason,
        message: Option<String>,
        location: String,
        set_cookies: Vec<String>,
        credential_present: bool,
    ) -> Self {
        let mut outcome = Self::signed_out(reason, message, None, credential_present);
        outcome.status = RequestStatus::Handshake;
        outcome.directives = Some(Box::new(ResponseDirectives {
            location: Some(location),
            set_cookies,
            handshake_cors: false,
        }));
        outcome
    }

    /// This outcome with `directives` added to the response.
    pub(crate) fn with_directives(mut self, directives: ResponseDirectives) -> Self {
        if !directives.is_empty() {
            self.directives = Some(Box::new(directives));
        }
        self
    }

    /// `signed-in`, `signed-out` or `handshake`, as Clerk reports it for the request.
    pub fn status(&self) -> RequestStatus {
        self.status
    }

    /// Clerk's reason when signed out.
    pub fn reason(&self) -> Option<&RequestReason> {
        match self.status {
            RequestStatus::SignedOut | RequestStatus::Handshake => self.auth.signed_out_reason(),
            RequestStatus::SignedIn => None,
        }
    }

    /// Clerk's message when signed out or handshaking (the `x-clerk-auth-message` value).
    pub fn message(&self) -> Option<&str> {
        match self.status {
            RequestStatus::SignedOut | RequestStatus::Handshake => self.auth.signed_out_message(),
            RequestStatus::SignedIn => None,
        }
    }

    /// Where the response must redirect (`307`) instead of running the handler: the handshake,
    /// a multi-domain sync, or (development instances) the URL cleaned of handshake parameters
    /// after a resolved handshake.
    pub fn location(&self) -> Option<&str> {
        self.directives.as_ref().and_then(|d| d.location.as_deref())
    }

    /// The `Set-Cookie` values the response must carry (refreshed or handshake cookies, the
    /// redirect counter). They hold tokens: never log them.
    pub fn set_cookies(&self) -> impl Iterator<Item = &str> {
        self.directives
            .iter()
            .flat_map(|d| d.set_cookies.iter().map(String::as_str))
    }

    /// The auth handlers see (a pending session is signed out here by default).
    pub fn auth(&self) -> &Auth {
        &self.auth
    }

    /// The session token when the handlers' auth is signed in (Clerk's `getToken()` without a
    /// template). A pending session, which handlers see as signed out, exposes none.
    pub fn token(&self) -> Option<&Token> {
        self.token.as_ref().filter(|_| self.auth.is_authenticated())
    }

    /// This outcome with a pending session seen as signed out (`yes`) or signed in (`no`),
    /// [`Auth::treat_pending_as_signed_out`] per route or call; the status, headers and
    /// cookies stay the request's.
    pub fn treat_pending_as_signed_out(&self, yes: bool) -> RequestOutcome {
        let mut outcome = self.clone();
        outcome.auth = self.auth.treat_pending_as_signed_out(yes);
        outcome
    }

    /// Where the credential came from.
    pub fn carrier(&self) -> Option<TokenCarrier> {
        self.carrier
    }

    /// Whether the request offered a session token at all (header or `__session` cookie).
    pub fn credential_present(&self) -> bool {
        self.credential_present
    }

    /// The RFC 6750 `WWW-Authenticate` challenge of a signed-out answer: a bare `Bearer` when the
    /// request carried no credential, else `invalid_token` with a description of the token's
    /// fault, without internals.
    pub fn bearer_challenge(&self) -> String {
        if !self.credential_present() {
            return "Bearer".to_owned();
        }
        // `token_reason` is the exhaustive map from request reasons to token faults.
        let description = match self.reason().and_then(RequestReason::token_reason) {
            Some(Reason::TokenExpired) => "The session token has expired",
            Some(Reason::TokenNotActiveYet | Reason::TokenIatInTheFuture) => {
                "The session token is not valid yet"
            }
            Some(Reason::JwkRemoteFailedToLoad | Reason::SecretKeyInvalid) => {
                "The session token could not be checked"
            }
            _ => "The session token is invalid",
        };
        format!("Bearer error=\"invalid_token\", error_description=\"{description}\"")
    }

    /// The headers the response must carry, `set-cookie` possibly several times (append those,
    /// set the others): Clerk's debug headers on a signed-out or handshake outcome
    /// (`x-clerk-auth-status`, `x-clerk-auth-reason`, and `x-clerk-auth-message` when there is one
    /// that a header can carry: Clerk's runtime drops a message with a character beyond Latin-1);
    /// `location` with `cache-control: no-store`; a resolved handshake's
    /// `access-control-allow-origin: null` and `access-control-allow-credentials: true`; and the
    /// cookies. A signed-in outcome carries no debug headers.
    pub fn response_headers(&self) -> impl Iterator<Item = (&'static str, &str)> {
        let debug = self.status != RequestStatus::SignedIn;
        let status = debug.then_some((HEADER_AUTH_STATUS, self.status.as_str()));
        let reason = self.reason().map(|reason| (HEADER_AUTH_REASON, reason.as_str()));
        let message = self
            .message()
            .filter(|message| message.chars().all(|c| u32::from(c) <= 0xff))
            .map(|message| (HEADER_AUTH_MESSAGE, message));
        let directives = self.directives.as_deref();
        let location = directives
            .and_then(|d| d.location.as_deref())
            .into_iter()
            .flat_map(|l| [("location", l), ("cache-control", "no-store")]);
        let cors = directives.filter(|d| d.handshake_cors).into_iter().flat_map(|_| {
            [
                ("access-control-allow-origin", "null"),
                ("access-control-allow-credentials", "true"),
            ]
        });
        let cookies = self.set_cookies().map(|c| ("set-cookie", c));
        status
            .into_iter()
            .chain(reason)
            .chain(message)
            .chain(location)
            .chain(cors)
            .chain(cookies)
    }
}

impl fmt::Debug for RequestOutcome {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RequestOutcome")
            .field("status", &self.status)
            .field("reason", &self.reason())
            .field("carrier", &self.carrier)
            .field("auth", &self.auth)
            .field("token", &self.token)
            .field("directives", &self.directives)
            .finish_non_exhaustive()
    }
}

/// A response header value as a JavaScript `Headers` object holds it (a ByteString), as Clerk's
/// runtime sends it: every character must fit in one byte (Latin-1) and becomes that byte; `None`
/// when one does not (the header is then left out, as Clerk leaves it out). ASCII is borrowed.
///
/// # Examples
///
/// ```
/// use clerk_core::request::header_bytes;
///
/// assert_eq!(header_bytes("café").as_deref(), Some(&b"caf\xe9"[..]));
/// assert_eq!(header_bytes("例"), None);
/// ```
pub fn header_bytes(text: &str) -> Option<Cow<'_, [u8]>> {
    if text.is_ascii() {
        return Some(Cow::Borrowed(text.as_bytes()));
    }
    text.chars()
        .map(|c| u8::try_from(u32::from(c)).ok())
        .collect::<Option<Vec<u8>>>()
        .map(Cow::Owned)
}
