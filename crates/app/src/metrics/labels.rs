//! The fixed label values of the app's metrics. No label value ever comes from the request: a
//! method, route, reason or event type outside these sets is counted as `OTHER`/`other`/
//! `unmatched`, so the number of series is fixed when the process starts.

use actix_web::http::Method;

/// HTTP methods, by label; anything else is `OTHER` (Actix accepts any token as a method).
pub const METHODS: [&str; 10] = [
    "GET", "HEAD", "POST", "PUT", "DELETE", "CONNECT", "OPTIONS", "TRACE", "PATCH", "OTHER",
];

/// The method's index in [`METHODS`].
pub fn method(method: &Method) -> usize {
    match *method {
        Method::GET => 0,
        Method::HEAD => 1,
        Method::POST => 2,
        Method::PUT => 3,
        Method::DELETE => 4,
        Method::CONNECT => 5,
        Method::OPTIONS => 6,
        Method::TRACE => 7,
        Method::PATCH => 8,
        _ => 9,
    }
}

/// The routes of the public listener, by name: each is registered under its own path as its
/// resource name (`web::resource(path).name(path)`), so `match_name()` gives the label without
/// allocating. The last one, `unmatched`, counts every request no route matched.
pub const ROUTES: [&str; 20] = [
    "/",
    "/api/user",
    "/api/auth",
    "/profile",
    "/admin",
    "/client",
    "/sign-in",
    "/static/app.css",
    "/static/client.js",
    "/favicon.ico",
    "/__clerk/{tail:.*}",
    "/api/data",
    "/api/me",
    "/api/machine",
    "/api/org",
    "/api/token/{template}",
    "/healthz",
    "/readyz",
    "/webhooks/clerk",
    UNMATCHED,
];

/// The route label of requests no named route matched.
pub const UNMATCHED: &str = "unmatched";

/// The index in [`ROUTES`] of a matched resource name (`None`: `unmatched`).
pub fn route(name: Option<&str>) -> usize {
    let unmatched = ROUTES.len() - 1;
    name.and_then(|name| ROUTES[..unmatched].iter().position(|route| *route == name))
        .unwrap_or(unmatched)
}

/// Status codes are counted by number for 100–599; the last slot holds any other code.
pub const STATUS_SLOTS: usize = 501;

/// The slot of a status code.
pub fn status(code: u16) -> usize {
    match code {
        100..=599 => usize::from(code - 100),
        _ => STATUS_SLOTS - 1,
    }
}

/// The status code of a slot (`None` for the slot of codes outside 100–599).
pub fn status_label(slot: usize) -> Option<u16> {
    u16::try_from(slot)
        .ok()
        .filter(|slot| usize::from(*slot) < STATUS_SLOTS - 1)
        .map(|slot| slot + 100)
}

/// Authentication outcomes, by label (in [`AuthOutcome`] order).
pub const AUTH_OUTCOMES: [&str; 4] = ["signed-in", "pending", "signed-out", "handshake"];

/// How a request was authenticated.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AuthOutcome {
    /// A valid, active session.
    SignedIn = 0,
    /// A valid session with pending tasks (signed out for handlers by default).
    Pending = 1,
    /// No session, or a bad one.
    SignedOut = 2,
    /// Redirected through Clerk's handshake for fresh cookies.
    Handshake = 3,
}

/// Clerk's reasons (`TokenVerificationErrorReason`, `AuthErrorReason` and the
/// `session-token-expired-refresh-*` family); the first, empty, is "no reason" (signed in) and
/// the last, `other`, any reason outside this list.
pub const AUTH_REASONS: [&str; 45] = [
    "",
    "token-expired",
    "token-invalid",
    "token-invalid-algorithm",
    "token-invalid-authorized-parties",
    "token-invalid-issuer",
    "token-invalid-signature",
    "token-not-active-yet",
    "token-iat-in-the-future",
    "token-verification-failed",
    "secret-key-invalid",
    "jwk-local-missing",
    "jwk-remote-failed-to-load",
    "jwk-remote-invalid",
    "jwk-remote-missing",
    "jwk-failed-to-resolve",
    "jwk-kid-mismatch",
    "client-uat-but-no-session-token",
    "dev-browser-missing",
    "dev-browser-sync",
    "primary-responds-to-syncing",
    "primary-domain-cross-origin-sync",
    "satellite-needs-syncing",
    "session-token-and-uat-missing",
    "session-token-missing",
    "session-token-iat-before-client-uat",
    "session-token-nbf",
    "session-token-iat-in-the-future",
    "session-token-but-no-client-uat",
    "active-organization-mismatch",
    "token-type-mismatch",
    "unexpected-error",
    "session-token-expired-refresh-non-eligible-no-refresh-cookie",
    "session-token-expired-refresh-non-eligible-non-get",
    "session-token-expired-refresh-invalid-session-token",
    "session-token-expired-refresh-missing-api-client",
    "session-token-expired-refresh-missing-session-token",
    "session-token-expired-refresh-missing-refresh-token",
    "session-token-expired-refresh-expired-session-token-decode-failed",
    "session-token-expired-refresh-expired-session-token-missing-sid-claim",
    "session-token-expired-refresh-fetch-error",
    "session-token-expired-refresh-unexpected-sdk-error",
    "session-token-expired-refresh-unexpected-bapi-error",
    "No token in header",
    OTHER,
];

/// The label of any value outside a fixed set.
pub const OTHER: &str = "other";

/// The index of `reason` in [`AUTH_REASONS`] (`None` is the empty reason).
pub fn auth_reason(reason: Option<&str>) -> usize {
    position(&AUTH_REASONS, reason.unwrap_or(""))
}

/// Clerk's webhook event types (its dashboard's catalogue), then `unverified` (a delivery whose
/// signature did not verify) and `other` (any type outside this list).
pub const WEBHOOK_TYPES: [&str; 47] = [
    "user.created",
    "user.updated",
    "user.deleted",
    "session.created",
    "session.ended",
    "session.removed",
    "session.revoked",
    "session.pending",
    "email.created",
    "sms.created",
    "organization.created",
    "organization.updated",
    "organization.deleted",
    "organizationDomain.created",
    "organizationDomain.updated",
    "organizationDomain.deleted",
    "organizationInvitation.created",
    "organizationInvitation.accepted",
    "organizationInvitation.revoked",
    "organizationMembership.created",
    "organizationMembership.updated",
    "organizationMembership.deleted",
    "role.created",
    "role.updated",
    "role.deleted",
    "permission.created",
    "permission.updated",
    "permission.deleted",
    "waitlistEntry.created",
    "waitlistEntry.updated",
    "subscription.created",
    "subscription.updated",
    "subscription.active",
    "subscription.pastDue",
    "subscriptionItem.updated",
    "subscriptionItem.active",
    "subscriptionItem.canceled",
    "subscriptionItem.upcoming",
    "subscriptionItem.ended",
    "subscriptionItem.abandoned",
    "subscriptionItem.incomplete",
    "subscriptionItem.pastDue",
    "subscriptionItem.freeTrialEnding",
    "paymentAttempt.created",
    "paymentAttempt.updated",
    "unverified",
    OTHER,
];

/// The index of `event_type` in [`WEBHOOK_TYPES`].
pub fn webhook_type(event_type: &str) -> usize {
    position(&WEBHOOK_TYPES, event_type)
}

/// What became of a webhook delivery: the cache's outcomes, then the route's own (`unparsed`:
/// authentic, acknowledged, but its data does not have the spec's shape, so not applied).
pub const WEBHOOK_OUTCOMES: [&str; 10] = [
    "upserted",
    "stale",
    "ignored_deleted",
    "deleted",
    "ignored",
    "duplicate",
    "rejected",
    "error",
    "unparsed",
    OTHER,
];

/// The index of `outcome` in [`WEBHOOK_OUTCOMES`].
pub fn webhook_outcome(outcome: &str) -> usize {
    position(&WEBHOOK_OUTCOMES, outcome)
}

/// The index of `value` in `labels`, else of the last label (`other`).
fn position(labels: &[&str], value: &str) -> usize {
    labels
        .iter()
        .position(|label| *label == value)
        .unwrap_or(labels.len() - 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_values_map_to_the_last_label() {
        assert_eq!(METHODS[method(&Method::from_bytes(b"MKCOL").unwrap())], "OTHER");
        assert_eq!(METHODS[method(&Method::PATCH)], "PATCH");
        assert_eq!(ROUTES[route(Some("/api/me"))], "/api/me");
        assert_eq!(ROUTES[route(Some("unmatched"))], UNMATCHED);
        assert_eq!(ROUTES[route(Some("/nope"))], UNMATCHED);
        assert_eq!(ROUTES[route(Some("/admin"))], "/admin");
        assert_eq!(ROUTES[route(None)], UNMATCHED);
        assert_eq!(AUTH_REASONS[auth_reason(None)], "");
        assert_eq!(AUTH_REASONS[auth_reason(Some("token-expired"))], "token-expired");
        assert_eq!(
            AUTH_REASONS[auth_reason(Some("session-token-expired-refresh-x"))],
            OTHER
        );
        assert_eq!(WEBHOOK_TYPES[webhook_type("user.created")], "user.created");
        assert_eq!(WEBHOOK_TYPES[webhook_type("made.up")], OTHER);
        assert_eq!(WEBHOOK_OUTCOMES[webhook_outcome("applied?")], OTHER);
    }

    #[test]
    fn status_codes_are_numbers_or_one_other_slot() {
        assert_eq!(status_label(status(200)), Some(200));
        assert_eq!(status_label(status(599)), Some(599));
        assert_eq!(status(999), STATUS_SLOTS - 1);
        assert_eq!(status(42), STATUS_SLOTS - 1);
        assert_eq!(status_label(STATUS_SLOTS - 1), None);
    }

    #[test]
    fn label_sets_have_no_duplicates() {
        for set in [
            &METHODS[..],
            &ROUTES[..],
            &AUTH_REASONS[..],
            &WEBHOOK_TYPES[..],
            &WEBHOOK_OUTCOMES[..],
        ] {
            for (i, label) in set.iter().enumerate() {
                assert!(!set[i + 1..].contains(label), "{label} twice");
            }
        }
    }
}
