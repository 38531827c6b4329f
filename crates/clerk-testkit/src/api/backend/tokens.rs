//! `/v1/sign_in_tokens` and `/v1/actor_tokens`: create and revoke one-time tickets.

use actix_web::http::StatusCode;
use actix_web::web::{Bytes, Data, Path};
use actix_web::HttpResponse;
use serde::Deserialize;
use serde_json::{Map, Value};

use crate::api::{json_response, parse_body, ApiError, AppState};
use crate::store::tickets::{RevokeError, TicketKind};

#[derive(Deserialize, Default)]
#[serde(default)]
struct SignInBody {
    user_id: Option<String>,
    org_id: Option<String>,
    expires_in_seconds: Option<i64>,
}

#[derive(Deserialize, Default)]
#[serde(default, deny_unknown_fields)]
struct ActorBody {
    user_id: Option<String>,
    actor: Option<Map<String, Value>>,
    expires_in_seconds: Option<i64>,
    session_max_duration_in_seconds: Option<i64>,
}

/// The user a ticket is for: 404 when unknown, 403 `user_banned` when banned.
fn ticket_user(state: &AppState, user_id: Option<String>) -> Result<String, ApiError> {
    let user_id = user_id
        .filter(|id| !id.is_empty())
        .ok_or_else(|| ApiError::param_missing("user_id"))?;
    let user = state.store.get(&user_id).ok_or_else(ApiError::not_found)?;
    if user.banned {
        return Err(ApiError::user_banned());
    }
    Ok(user_id)
}

/// `POST /v1/sign_in_tokens`.
pub(crate) async fn create_sign_in(state: Data<AppState>, body: Bytes) -> Result<HttpResponse, ApiError> {
    let body: SignInBody = parse_body(&body)?;
    let user_id = ticket_user(&state, body.user_id)?;
    let lifetime = body.expires_in_seconds.unwrap_or(30 * 24 * 3600);
    if lifetime < 1 {
        return Err(ApiError::param_invalid(
            "expires_in_seconds",
            "expires_in_seconds must be 1 or greater",
        ));
    }
    let _ = body.org_id;
    let ticket = state.tickets.issue(
        TicketKind::SignIn,
        &user_id,
        None,
        lifetime,
        state.minter.issuer(),
    );
    Ok(json_response(StatusCode::OK, &ticket.to_json(true)))
}

/// `POST /v1/actor_tokens`.
pub(crate) async fn create_actor(state: Data<AppState>, body: Bytes) -> Result<HttpResponse, ApiError> {
    let body: ActorBody = parse_body(&body)?;
    let actor = body.actor.ok_or_else(|| ApiError::param_missing("actor"))?;
    let sub = actor.get("sub").and_then(Value::as_str).unwrap_or_default();
    if sub.is_empty() {
        return Err(ApiError::param_missing("actor.sub"));
    }
    let user_id = ticket_user(&state, body.user_id)?;
    let lifetime = body.expires_in_seconds.unwrap_or(3600);
    if lifetime < 1 {
        return Err(ApiError::param_invalid(
            "expires_in_seconds",
            "expires_in_seconds must be 1 or greater",
        ));
    }
    let _ = body.session_max_duration_in_seconds;
    let ticket = state.tickets.issue(
        TicketKind::Actor,
        &user_id,
        Some(actor),
        lifetime,
        state.minter.issuer(),
    );
    Ok(json_response(StatusCode::OK, &ticket.to_json(true)))
}

fn revoke(state: &AppState, kind: TicketKind, id: &str) -> Result<HttpResponse, ApiError> {
    match state.tickets.revoke(kind, id) {
        Ok(ticket) => Ok(json_response(StatusCode::OK, &ticket.to_json(false))),
        Err(RevokeError::NotFound) => Err(ApiError::not_found()),
        Err(RevokeError::NotPending(status)) => {
            let (code, what) = match kind {
                TicketKind::SignIn => ("sign_in_token_cannot_be_revoked_code", "Sign in token"),
                TicketKind::Actor => ("actor_token_cannot_be_revoked_code", "Actor token"),
            };
            Err(ApiError::new(
                StatusCode::BAD_REQUEST,
                code,
                "cannot revoke",
                format!("{what} cannot be revoked because its status is {status}. Only pending tokens can be revoked."),
            ))
        }
    }
}

/// `POST /v1/sign_in_tokens/{id}/revoke`.
pub(crate) async fn revoke_sign_in(
    state: Data<AppState>,
    path: Path<String>,
) -> Result<HttpResponse, ApiError> {
    revoke(&state, TicketKind::SignIn, &path.into_inner())
}

/// `POST /v1/actor_tokens/{id}/revoke`.
pub(crate) async fn revoke_actor(
    state: Data<AppState>,
    path: Path<String>,
) -> Result<HttpResponse, ApiError> {
    revoke(&state, TicketKind::Actor, &path.into_inner())
}
