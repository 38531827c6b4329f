//! A browser's session as the Frontend API sees it: whether it is still active, its fresh
//! session token, and the cookie directives that carry it (shared by the handshake and the
//! refresh endpoint).

use super::{ApiError, AppState};
use crate::clock::now_ms;
use crate::directives::{self, CookieNames, SignedIn};
use crate::instance::recognise::signed_payload;
use crate::store::user_store::Session;

/// Why a session cannot get a fresh token.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Refusal {
    /// No session has this id.
    NotFound,
    /// Revoked, ended, removed, expired, …
    NotActive,
    /// Its user is banned (or gone).
    UserBanned,
}

/// The session `id` when it may get a fresh token.
pub(super) fn active_session(state: &AppState, id: &str) -> Result<Session, Refusal> {
    let session = state.store.session(id).ok_or(Refusal::NotFound)?;
    // The user first: a ban also revokes the user's sessions, and the ban is the reason to say.
    if state.store.get(&session.user_id).is_none_or(|user| user.banned) {
        return Err(Refusal::UserBanned);
    }
    if session.status != "active" || session.expire_at <= now_ms() {
        return Err(Refusal::NotActive);
    }
    Ok(session)
}

/// The active session named by the `sid` of a session token this instance signed (its time
/// claims are not checked: the token is usually expired).
pub(super) fn session_of_token(state: &AppState, token: &str) -> Option<Session> {
    let payload = signed_payload(&state.keys, token)?;
    active_session(state, payload.get("sid")?.as_str()?).ok()
}

/// A fresh session token for `session`, with the instance's session-token lifetime,
/// `azp` = the origin of the page it is for, and the session's active organization (`o`) while
/// the user is a member.
pub(super) fn mint(state: &AppState, session: &Session, azp: Option<&str>) -> Result<String, ApiError> {
    mint_for(
        state,
        session,
        azp,
        session.last_active_organization_id.as_deref(),
    )
}

/// [`mint`] with `organization` active instead of the session's (`None`: the personal
/// account); a membership the user does not have adds no `o` claim.
pub(super) fn mint_for(
    state: &AppState,
    session: &Session,
    azp: Option<&str>,
    organization: Option<&str>,
) -> Result<String, ApiError> {
    let mut token = state
        .minter
        .session_token(session.user_id.clone())
        .session_id(session.id.clone())
        .lifetime(state.browser.ttl_secs());
    if let Some(azp) = azp {
        token = token.azp(azp);
    }
    if let Some((claim, permissions)) =
        organization.and_then(|org| state.orgs.org_claim(&session.user_id, org))
    {
        token = crate::store::organizations::with_org(token, claim, permissions);
    }
    Ok(token.try_mint()?)
}

/// The cookie names for this instance, suffixed or not.
pub(super) fn names(state: &AppState, suffixed: bool) -> CookieNames<'_> {
    CookieNames {
        suffix: &state.browser.cookie_suffix,
        suffixed,
    }
}

/// The signed-in directives for `session` carrying `session_token`: the session token,
/// `__client_uat` (the session's last update, in seconds) and its refresh token.
pub(super) fn signed_in_directives(
    state: &AppState,
    session: &Session,
    session_token: &str,
    suffixed: bool,
    secure: bool,
) -> Vec<String> {
    let refresh_token = state.browser.refresh_tokens.for_session(&session.id);
    directives::signed_in(
        names(state, suffixed),
        SignedIn {
            session_token,
            client_uat: session.updated_at.max(session.created_at) / 1000,
            refresh_token: &refresh_token,
            secure,
        },
    )
}
