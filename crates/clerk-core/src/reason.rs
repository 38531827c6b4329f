//! Every reason Clerk's request layer reports, as one enum.

use std::fmt;

use crate::Reason;

/// Why a request is not signed in, as `@clerk/backend`'s `authenticateRequest` names it
/// (docs/clerk-behaviour.md §2): the `x-clerk-auth-reason` header and `Auth`'s reason.
///
/// [`RequestReason::as_str`] gives Clerk's exact text. The verifier's reasons are included as
/// [`RequestReason::Token`]; a refresh failure carrying a Backend API error code is
/// [`RefreshFailure::Code`].
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum RequestReason {
    /// A verifier reason, reported as is (`token-invalid`, `token-type-mismatch`, …).
    Token(Reason),
    /// `session-token-and-uat-missing`: no `__session` and no (or a zero) `__client_uat`.
    SessionTokenAndUatMissing,
    /// `session-token-but-no-client-uat`.
    SessionTokenButNoClientUat,
    /// `client-uat-but-no-session-token`.
    ClientUatButNoSessionToken,
    /// `session-token-iat-before-client-uat`: the session token is older than the client.
    SessionTokenIatBeforeClientUat,
    /// `session-token-missing`: a handshake gave no session cookie.
    SessionTokenMissing,
    /// `session-token-expired-refresh-<failure>`: the token expired and was not refreshed.
    SessionTokenExpired(RefreshFailure),
    /// `session-token-nbf`: `nbf` is in the future.
    SessionTokenNbf,
    /// `session-token-iat-in-the-future`.
    SessionTokenIatInTheFuture,
    /// `dev-browser-missing`: a development instance's cookie request without `__clerk_db_jwt`.
    DevBrowserMissing,
    /// `dev-browser-sync`: `__clerk_db_jwt` in the query of a development instance.
    DevBrowserSync,
    /// `primary-responds-to-syncing`: a satellite's sync request reached the primary domain.
    PrimaryRespondsToSyncing,
    /// `primary-domain-cross-origin-sync`: a document request from another origin.
    PrimaryDomainCrossOriginSync,
    /// `satellite-needs-syncing`: a satellite domain's document request without cookies (or with
    /// `__clerk_synced=false`).
    SatelliteNeedsSyncing,
    /// `active-organization-mismatch`: the URL names another organization than the session's
    /// active one (organization sync).
    ActiveOrganizationMismatch,
}

impl RequestReason {
    /// Clerk's reason text, byte for byte.
    pub fn as_str(&self) -> &str {
        match self {
            RequestReason::Token(reason) => reason.as_str(),
            RequestReason::SessionTokenAndUatMissing => "session-token-and-uat-missing",
            RequestReason::SessionTokenButNoClientUat => "session-token-but-no-client-uat",
            RequestReason::ClientUatButNoSessionToken => "client-uat-but-no-session-token",
            RequestReason::SessionTokenIatBeforeClientUat => "session-token-iat-before-client-uat",
            RequestReason::SessionTokenMissing => "session-token-missing",
            RequestReason::SessionTokenExpired(failure) => failure.reason_text(),
            RequestReason::SessionTokenNbf => "session-token-nbf",
            RequestReason::SessionTokenIatInTheFuture => "session-token-iat-in-the-future",
            RequestReason::DevBrowserMissing => "dev-browser-missing",
            RequestReason::DevBrowserSync => "dev-browser-sync",
            RequestReason::PrimaryRespondsToSyncing => "primary-responds-to-syncing",
            RequestReason::PrimaryDomainCrossOriginSync => "primary-domain-cross-origin-sync",
            RequestReason::SatelliteNeedsSyncing => "satellite-needs-syncing",
            RequestReason::ActiveOrganizationMismatch => "active-organization-mismatch",
        }
    }

    /// The verifier reason behind this one, when it is a token fault (the request-level time
    /// reasons included: `session-token-nbf` is `token-not-active-yet`).
    pub fn token_reason(&self) -> Option<Reason> {
        match self {
            RequestReason::Token(reason) => Some(*reason),
            RequestReason::SessionTokenExpired(_) => Some(Reason::TokenExpired),
            RequestReason::SessionTokenNbf => Some(Reason::TokenNotActiveYet),
            RequestReason::SessionTokenIatInTheFuture => Some(Reason::TokenIatInTheFuture),
            RequestReason::SessionTokenAndUatMissing
            | RequestReason::SessionTokenButNoClientUat
            | RequestReason::ClientUatButNoSessionToken
            | RequestReason::SessionTokenIatBeforeClientUat
            | RequestReason::SessionTokenMissing
            | RequestReason::DevBrowserMissing
            | RequestReason::DevBrowserSync
            | RequestReason::PrimaryRespondsToSyncing
            | RequestReason::PrimaryDomainCrossOriginSync
            | RequestReason::SatelliteNeedsSyncing
            | RequestReason::ActiveOrganizationMismatch => None,
        }
    }
}

impl From<Reason> for RequestReason {
    fn from(reason: Reason) -> Self {
        RequestReason::Token(reason)
    }
}

impl fmt::Display for RequestReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Why an expired session token was not refreshed: the `<failure>` of
/// `session-token-expired-refresh-<failure>` (docs/clerk-behaviour.md §3, `handleSessionTokenError`).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum RefreshFailure {
    /// `non-eligible-no-refresh-cookie`: no suffixed `__refresh` cookie.
    NonEligibleNoRefreshCookie,
    /// `non-eligible-non-get`: refresh only happens on GET.
    NonEligibleNonGet,
    /// `missing-api-client`: no Backend API to refresh through.
    MissingApiClient,
    /// `missing-session-token`: no expired token to send.
    MissingSessionToken,
    /// `missing-refresh-token`: no refresh token to send.
    MissingRefreshToken,
    /// `expired-session-token-decode-failed`: the expired token is not a JWT.
    ExpiredSessionTokenDecodeFailed,
    /// `expired-session-token-missing-sid-claim`: the expired token names no session.
    ExpiredSessionTokenMissingSidClaim,
    /// `invalid-session-token`: the refreshed session token did not verify.
    InvalidSessionToken,
    /// `fetch-error`: the Backend API answered Clerk's `unexpected_error`.
    FetchError,
    /// `unexpected-sdk-error`: the refresh gave no cookies and no reason.
    UnexpectedSdkError,
    /// `unexpected-bapi-error`: the Backend API could not be reached or gave no Clerk error.
    UnexpectedBapiError,
    /// The Backend API's error code, as Clerk reports it (`session-token-expired-refresh-<code>`).
    Code(RefreshCode),
}

/// A Backend API error code that ended a refresh, kept with its whole reason text.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct RefreshCode {
    reason: Box<str>,
}

impl RefreshCode {
    const PREFIX: &'static str = "session-token-expired-refresh-";

    /// The failure for Backend API error `code`.
    pub fn new(code: &str) -> Self {
        Self {
            reason: format!("{}{code}", Self::PREFIX).into_boxed_str(),
        }
    }

    /// The Backend API's code.
    pub fn code(&self) -> &str {
        &self.reason[Self::PREFIX.len()..]
    }
}

impl RefreshFailure {
    /// The whole request reason, `session-token-expired-refresh-<failure>`.
    fn reason_text(&self) -> &str {
        match self {
            RefreshFailure::NonEligibleNoRefreshCookie => {
                "session-token-expired-refresh-non-eligible-no-refresh-cookie"
            }
            RefreshFailure::NonEligibleNonGet => "session-token-expired-refresh-non-eligible-non-get",
            RefreshFailure::MissingApiClient => "session-token-expired-refresh-missing-api-client",
            RefreshFailure::MissingSessionToken => "session-token-expired-refresh-missing-session-token",
            RefreshFailure::MissingRefreshToken => "session-token-expired-refresh-missing-refresh-token",
            RefreshFailure::ExpiredSessionTokenDecodeFailed => {
                "session-token-expired-refresh-expired-session-token-decode-failed"
            }
            RefreshFailure::ExpiredSessionTokenMissingSidClaim => {
                "session-token-expired-refresh-expired-session-token-missing-sid-claim"
            }
            RefreshFailure::InvalidSessionToken => "session-token-expired-refresh-invalid-session-token",
            RefreshFailure::FetchError => "session-token-expired-refresh-fetch-error",
            RefreshFailure::UnexpectedSdkError => "session-token-expired-refresh-unexpected-sdk-error",
            RefreshFailure::UnexpectedBapiError => "session-token-expired-refresh-unexpected-bapi-error",
            RefreshFailure::Code(code) => &code.reason,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn texts_are_clerks() {
        let cases = [
            (RequestReason::Token(Reason::TokenInvalid), "token-invalid"),
            (
                RequestReason::SessionTokenExpired(RefreshFailure::NonEligibleNonGet),
                "session-token-expired-refresh-non-eligible-non-get",
            ),
            (
                RequestReason::SessionTokenExpired(RefreshFailure::NonEligibleNoRefreshCookie),
                "session-token-expired-refresh-non-eligible-no-refresh-cookie",
            ),
            (
                RequestReason::SessionTokenExpired(RefreshFailure::MissingApiClient),
                "session-token-expired-refresh-missing-api-client",
            ),
            (RequestReason::SessionTokenNbf, "session-token-nbf"),
            (RequestReason::DevBrowserMissing, "dev-browser-missing"),
            (
                RequestReason::SessionTokenExpired(RefreshFailure::Code(RefreshCode::new(
                    "authentication_invalid",
                ))),
                "session-token-expired-refresh-authentication_invalid",
            ),
            (
                RequestReason::SessionTokenExpired(RefreshFailure::ExpiredSessionTokenMissingSidClaim),
                "session-token-expired-refresh-expired-session-token-missing-sid-claim",
            ),
            (RequestReason::SatelliteNeedsSyncing, "satellite-needs-syncing"),
            (
                RequestReason::ActiveOrganizationMismatch,
                "active-organization-mismatch",
            ),
        ];
        for (reason, text) in cases {
            assert_eq!(reason.as_str(), text);
            assert_eq!(reason.to_string(), text);
        }
    }
}
