//! What authenticating a request decided, and what the response must carry.

use std::fmt;
use std::sync::Arc;

use crate::reason::RequestReason;
use crate::{error::TokenCarrier, Auth};

/// `x-clerk-auth-status`.
pub const HEADER_AUTH_STATUS: &str = "x-clerk-auth-status";
/// `x-clerk-auth-reason`.
pub const HEADER_AUTH_REASON: &str = "x-clerk-auth-reason";
/// `x-clerk-auth-message`.
pub const HEADER_AUTH_MESSAGE: &str = "x-clerk-auth-message";

/// Clerk's request status. Deliberately exhaustive: a new status (the handshake) must be
/// handled wherever a status is decided.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RequestStatus {
    /// `signed-in` (also for a pending session, which handlers see as signed out by default).
    SignedIn,
    /// `signed-out`.
    SignedOut,
}

impl RequestStatus {
    /// `signed-in` or `signed-out`.
    pub const fn as_str(self) -> &'static str {
        match self {
            RequestStatus::SignedIn => "signed-in",
            RequestStatus::SignedOut => "signed-out",
        }
    }
}

/// A session token, kept out of `Debug` output (it prints as `Token(…len 812)`).
#[derive(Clone, PartialEq, Eq)]
pub struct Token(Arc<str>);

impl Token {
    pub(crate) fn new(token: &str) -> Self {
        Self(Arc::from(token))
    }

    /// The raw token. Keep it out of logs and responses.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Token {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Token(…len {})", self.0.len())
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
}

impl RequestOutcome {
    pub(crate) fn signed_in(auth: Auth, token: Token, carrier: TokenCarrier) -> Self {
        // A session handlers see as signed out (pending) keeps no token at all.
        let token = auth.is_authenticated().then_some(token);
        Self {
            status: RequestStatus::SignedIn,
            auth,
            token,
            carrier: Some(carrier),
            credential_present: true,
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
        }
    }

    /// `signed-in` or `signed-out`, as Clerk reports it for the request.
    pub fn status(&self) -> RequestStatus {
        self.status
    }

    /// Clerk's reason when signed out.
    pub fn reason(&self) -> Option<&RequestReason> {
        match self.status {
            RequestStatus::SignedOut => self.auth.signed_out_reason(),
            RequestStatus::SignedIn => None,
        }
    }

    /// Clerk's message when signed out (the `x-clerk-auth-message` value).
    pub fn message(&self) -> Option<&str> {
        match self.status {
            RequestStatus::SignedOut => self.auth.signed_out_message(),
            RequestStatus::SignedIn => None,
        }
    }

    /// The auth handlers see (a pending session is signed out here by default).
    pub fn auth(&self) -> &Auth {
        &self.auth
    }

    /// The session token when the handlers' auth is signed in (Clerk's `getToken()` without a
    /// template). A pending session, which handlers see as signed out, exposes none.
    pub fn token(&self) -> Option<&Token> {
        self.token.as_ref()
    }

    /// Where the credential came from.
    pub fn carrier(&self) -> Option<TokenCarrier> {
        self.carrier
    }

    /// Whether the request offered a session token at all (header or `__session` cookie).
    pub fn credential_present(&self) -> bool {
        self.credential_present
    }

    /// The headers the response must carry: Clerk's debug headers on a signed-out outcome
    /// (`x-clerk-auth-status`, `x-clerk-auth-reason`, and `x-clerk-auth-message` when there is
    /// one that a header can carry: Clerk's runtime drops a message with a character beyond
    /// Latin-1); none when signed in.
    pub fn response_headers(&self) -> impl Iterator<Item = (&'static str, &str)> {
        let signed_out = self.status == RequestStatus::SignedOut;
        let status = signed_out.then_some((HEADER_AUTH_STATUS, self.status.as_str()));
        let reason = self.reason().map(|reason| (HEADER_AUTH_REASON, reason.as_str()));
        let message = self
            .message()
            .filter(|message| message.chars().all(|c| u32::from(c) <= 0xff))
            .map(|message| (HEADER_AUTH_MESSAGE, message));
        status.into_iter().chain(reason).chain(message)
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
            .finish_non_exhaustive()
    }
}
