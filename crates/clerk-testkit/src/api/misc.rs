//! JWKS, sessions, 404.

use actix_web::http::StatusCode;
use actix_web::web::{Bytes, Data, Path};
use actix_web::{HttpRequest, HttpResponse};
use serde::Deserialize;
use serde_json::json;

use super::{json_response, origin, parse_body, ApiError, AppState};

pub(crate) async fn jwks(state: Data<AppState>) -> HttpResponse {
    #[derive(serde::Serialize)]
    struct Jwks {
        keys: Vec<crate::keys::Jwk>,
    }
    json_response(
        StatusCode::OK,
        &Jwks {
            keys: state.keys.jwks(),
        },
    )
}

pub(crate) async fn not_found() -> Result<HttpResponse, ApiError> {
    Err(ApiError::not_found())
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct CreateSession {
    user_id: Option<String>,
}

pub(crate) async fn create_session(
    state: Data<AppState>,
    req: HttpRequest,
    body: Bytes,
) -> Result<HttpResponse, ApiError> {
    let body: CreateSession = parse_body(&body)?;
    let user_id = body
        .user_id
        .filter(|id| !id.is_empty())
        .ok_or_else(|| ApiError::param_missing("user_id"))?;
    let mut session = state.store.create_session_from(&user_id, &origin(&req))?;
    // Clerk starts a session in the organization the user last created or joined.
    if let Some(org_id) = state.orgs.last_active_organization(&user_id) {
        session = state.store.set_active_organization(&session.id, Some(&org_id))?;
    }
    Ok(json_response(StatusCode::OK, &session))
}

pub(crate) async fn get_session(state: Data<AppState>, path: Path<String>) -> Result<HttpResponse, ApiError> {
    let id = path.into_inner();
    let session = state
        .store
        .session(&id)
        .ok_or_else(|| ApiError::session_not_found(&id))?;
    Ok(json_response(StatusCode::OK, &session))
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct CreateToken {
    expires_in_seconds: Option<i64>,
}

pub(crate) async fn create_session_token(
    state: Data<AppState>,
    path: Path<String>,
    body: Bytes,
) -> Result<HttpResponse, ApiError> {
    let id = path.into_inner();
    let body: CreateToken = parse_body(&body)?;
    let session = state
        .store
        .session(&id)
        .ok_or_else(|| ApiError::session_not_found(&id))?;
    if state.store.get(&session.user_id).is_some_and(|user| user.banned) {
        return Err(ApiError::user_banned());
    }
    let org = session
        .last_active_organization_id
        .as_deref()
        .and_then(|org_id| state.orgs.org_claim(&session.user_id, org_id));
    let mut token = state
        .minter
        .session_token(session.user_id.clone())
        .session_id(session.id);
    // `o` follows the memberships: a removed member's token has no organization.
    if let Some((claim, permissions)) = org {
        token = crate::org::with_org(token, claim, permissions);
    }
    if let Some(seconds) = body.expires_in_seconds {
        if !(30..=315_360_000).contains(&seconds) {
            return Err(ApiError::param_invalid(
                "expires_in_seconds",
                "expires_in_seconds must be between 30 and 315360000",
            ));
        }
        token = token.lifetime(seconds);
    }
    let jwt = token.try_mint()?;
    Ok(json_response(
        StatusCode::OK,
        &json!({ "object": "token", "jwt": jwt }),
    ))
}
