//! `/v1/sessions`: create, get, list, revoke, and session tokens (plain or from a JWT template).

use actix_web::http::StatusCode;
use actix_web::web::{Bytes, Data, Path};
use actix_web::{HttpRequest, HttpResponse};
use serde::Deserialize;
use serde_json::{json, Value};

use crate::api::paging::{query_value, Paging};
use crate::api::{json_response, origin, parse_body, ApiError, AppState};
use crate::store::jwt_templates::expand;

const STATUSES: [&str; 8] = [
    "abandoned",
    "active",
    "ended",
    "expired",
    "removed",
    "replaced",
    "revoked",
    "pending",
];

/// `GET /v1/sessions`: by `user_id` or `client_id` (one is required), optionally by `status`.
pub(crate) async fn list(state: Data<AppState>, req: HttpRequest) -> Result<HttpResponse, ApiError> {
    let raw = req.query_string();
    let paging = Paging::parse(raw)?;
    let user_id = query_value(raw, "user_id");
    let client_id = query_value(raw, "client_id");
    if user_id.is_none() && client_id.is_none() {
        return Err(ApiError::param_missing("user_id"));
    }
    let status = query_value(raw, "status");
    if let Some(status) = &status {
        if !STATUSES.contains(&status.as_str()) {
            return Err(ApiError::param_invalid(
                "status",
                format!("{status} does not match one of the allowed values for parameter status"),
            ));
        }
    }
    let sessions = state
        .store
        .sessions(user_id.as_deref(), client_id.as_deref(), status.as_deref())
        .into_iter()
        .filter_map(|session| serde_json::to_value(session).ok())
        .collect();
    Ok(paging.respond(sessions, false))
}

/// `POST /v1/sessions/{id}/revoke`.
pub(crate) async fn revoke(
    state: Data<AppState>,
    req: HttpRequest,
    path: Path<String>,
) -> Result<HttpResponse, ApiError> {
    let session = state
        .store
        .revoke_session_from(&path.into_inner(), &origin(&req))?;
    Ok(json_response(StatusCode::OK, &session))
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct TokenBody {
    expires_in_seconds: Option<i64>,
}

/// `POST /v1/sessions/{id}/tokens/{template}`: a JWT with the template's claims
/// (shortcodes expanded) and lifetime; 403 `user_banned` for a banned user's session.
pub(crate) async fn create_template_token(
    state: Data<AppState>,
    path: Path<(String, String)>,
    body: Bytes,
) -> Result<HttpResponse, ApiError> {
    let (id, name) = path.into_inner();
    let body: TokenBody = parse_body(&body)?;
    let session = state
        .store
        .session(&id)
        .ok_or_else(|| ApiError::session_not_found(&id))?;
    let jwt = template_token(&state, &session, &name, body.expires_in_seconds)?;
    Ok(json_response(
        StatusCode::OK,
        &json!({ "object": "token", "jwt": jwt }),
    ))
}

/// A token of the JWT template `name` for `session`'s user (the template's lifetime unless
/// `expires_in_seconds`, 30 s to 10 years): 404 for an unknown template or user, 403
/// `user_banned`. Shared by the Backend API and the Frontend API (`getToken({ template })`).
pub(crate) fn template_token(
    state: &AppState,
    session: &crate::store::user_store::Session,
    name: &str,
    expires_in_seconds: Option<i64>,
) -> Result<String, ApiError> {
    let user = state
        .store
        .get(&session.user_id)
        .ok_or_else(ApiError::not_found)?;
    if user.banned {
        return Err(ApiError::user_banned());
    }
    let template = state.templates.by_name(name).ok_or_else(ApiError::not_found)?;
    let lifetime = match expires_in_seconds {
        Some(seconds) if !(30..=315_360_000).contains(&seconds) => {
            return Err(ApiError::param_invalid(
                "expires_in_seconds",
                "expires_in_seconds must be between 30 and 315360000",
            ))
        }
        Some(seconds) => seconds,
        None => template.lifetime,
    };
    let primary_email = user
        .email_addresses
        .iter()
        .find(|e| Some(&e.id) == user.primary_email_address_id.as_ref())
        .map(|e| e.email_address.clone());
    let lookup = |code: &str| -> Value {
        match code {
            "user.id" => Value::from(user.id.as_str()),
            "user.first_name" => json!(user.first_name),
            "user.last_name" => json!(user.last_name),
            "user.username" => json!(user.username),
            "user.external_id" => json!(user.external_id),
            "user.primary_email_address" => json!(primary_email),
            "user.public_metadata" => json!(user.public_metadata),
            "session.id" => Value::from(session.id.as_str()),
            _ => Value::Null,
        }
    };
    // A template token is not a session token: no `sid`, `v` or session status.
    let mut token = state
        .minter
        .session_token(session.user_id.clone())
        .without_claim("sid")
        .without_claim("v")
        .random_jti()
        .lifetime(lifetime);
    for (key, value) in expand(&template.claims, &lookup) {
        token = token.claim(key, value);
    }
    Ok(token.try_mint()?)
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
        token = crate::store::organizations::with_org(token, claim, permissions);
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
