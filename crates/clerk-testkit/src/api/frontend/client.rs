//! The Frontend API's view of a browser client: which client a request comes from (its
//! `__client` cookie, else the client its development browser is bound to), `GET /v1/client`,
//! and `POST /v1/client/sessions/{sid}/tokens` (what clerk-js calls to refresh `__session`
//! in an open tab).

use actix_web::http::header::{CACHE_CONTROL, ORIGIN};
use actix_web::http::StatusCode;
use actix_web::web::{Data, Path};
use actix_web::{HttpRequest, HttpResponse};
use serde_json::{json, Value};
use url::Url;

use crate::api::browser_cookies::{CLIENT, DEV_BROWSER};
use crate::api::browser_session::{active_session, mint_for};
use crate::api::frontend::pages::form;
use crate::api::{json_response, ApiError, AppState};
use crate::store::browser_clients::Client;
use crate::store::user_store::Session;

/// The request's client: `(__client cookie value, client)`. The `__client` cookie wins; else
/// the development browser (`__clerk_db_jwt` query parameter, else cookie, plain or suffixed)
/// names the client it was bound to at sign-in.
pub(crate) fn request_client(state: &AppState, req: &HttpRequest) -> Option<(String, Client)> {
    let by_cookie = req
        .cookie(CLIENT)
        .map(|c| c.value().to_owned())
        .and_then(|cookie| {
            let client = state.browser.clients.get(&cookie)?;
            Some((cookie, client))
        });
    by_cookie.or_else(|| {
        let cookie = state
            .browser
            .clients
            .cookie_of_dev_browser(&dev_browser(state, req)?)?;
        let client = state.browser.clients.get(&cookie)?;
        Some((cookie, client))
    })
}

/// The development browser the request carries: the `__clerk_db_jwt` query parameter, else
/// the `__clerk_db_jwt` cookie, else `__clerk_db_jwt_<suffix>`.
pub(crate) fn dev_browser(state: &AppState, req: &HttpRequest) -> Option<String> {
    let query = url::form_urlencoded::parse(req.query_string().as_bytes())
        .find(|(k, _)| k == DEV_BROWSER)
        .map(|(_, v)| v.into_owned());
    let suffixed = format!("{DEV_BROWSER}_{}", state.browser.cookie_suffix);
    query
        .or_else(|| req.cookie(DEV_BROWSER).map(|c| c.value().to_owned()))
        .or_else(|| req.cookie(&suffixed).map(|c| c.value().to_owned()))
        .filter(|v| !v.is_empty())
}

/// The client's active session: the one signed in last that is still active.
pub(crate) fn active_client_session(state: &AppState, client: &Client) -> Option<Session> {
    client
        .sessions
        .iter()
        .rev()
        .find_map(|id| active_session(state, id).ok())
}

/// `GET /v1/client`: `{"response": client | null, "client": null}` where client is
/// `{object: "client", id, sessions: [active sessions, oldest first, each
/// {object, id, status, last_active_at, expire_at, user: public fields}],
/// last_active_session_id, sign_in: null, sign_up: null}`.
pub(crate) async fn get_client(state: Data<AppState>, req: HttpRequest) -> HttpResponse {
    let response = match request_client(&state, &req) {
        None => Value::Null,
        Some((_, client)) => client_json(&state, &client),
    };
    let mut res = json_response(StatusCode::OK, &json!({ "response": response, "client": null }));
    res.headers_mut().insert(
        CACHE_CONTROL,
        actix_web::http::header::HeaderValue::from_static("no-store"),
    );
    res
}

/// `POST /v1/client/sessions/{sid}/tokens`: `{"object": "token", "jwt"}`, a fresh session
/// token for an active session of the request's client (`azp` = the `Origin` header when it
/// is an http(s) origin), for the form's `organization_id` when it has one (empty: the
/// personal account; clerk-js sends the session's), else the session's active organization.
/// 401 `authentication_invalid` otherwise.
pub(crate) async fn create_token(
    state: Data<AppState>,
    req: HttpRequest,
    path: Path<String>,
    body: actix_web::web::Bytes,
) -> Result<HttpResponse, ApiError> {
    let session_id = path.into_inner();
    let (_, client) = request_client(&state, &req).ok_or_else(ApiError::authentication_invalid)?;
    if !client.sessions.contains(&session_id) {
        return Err(ApiError::authentication_invalid());
    }
    let session = active_session(&state, &session_id).map_err(|_| ApiError::authentication_invalid())?;
    let azp = req
        .headers()
        .get(ORIGIN)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| Url::parse(v).ok())
        .filter(|url| matches!(url.scheme(), "http" | "https"))
        .map(|url| url.origin().ascii_serialization());
    let fields = form(&body);
    let organization = match fields.get("organization_id").map(|v| v.trim()) {
        Some("" | "null") => None,
        Some(org) => Some(org),
        None => session.last_active_organization_id.as_deref(),
    };
    let jwt = mint_for(&state, &session, azp.as_deref(), organization)?;
    let mut res = json_response(StatusCode::OK, &json!({ "object": "token", "jwt": jwt }));
    res.headers_mut().insert(
        CACHE_CONTROL,
        actix_web::http::header::HeaderValue::from_static("no-store"),
    );
    Ok(res)
}

/// `POST /v1/client/sessions/{sid}/tokens/{template}` (`getToken({ template })`):
/// `{"object": "token", "jwt"}` with the JWT template's claims, for an active session of the
/// request's client. 401 `authentication_invalid` otherwise; 404 for an unknown template.
pub(crate) async fn create_template_token(
    state: Data<AppState>,
    req: HttpRequest,
    path: Path<(String, String)>,
) -> Result<HttpResponse, ApiError> {
    let (session_id, template) = path.into_inner();
    let (_, client) = request_client(&state, &req).ok_or_else(ApiError::authentication_invalid)?;
    if !client.sessions.contains(&session_id) {
        return Err(ApiError::authentication_invalid());
    }
    let session = active_session(&state, &session_id).map_err(|_| ApiError::authentication_invalid())?;
    let jwt = crate::api::backend::sessions::template_token(&state, &session, &template, None)?;
    let mut res = json_response(StatusCode::OK, &json!({ "object": "token", "jwt": jwt }));
    res.headers_mut().insert(
        CACHE_CONTROL,
        actix_web::http::header::HeaderValue::from_static("no-store"),
    );
    Ok(res)
}

/// The client as the Frontend API serves it: `{object: "client", id, sessions: [active
/// sessions, oldest first], last_active_session_id, sign_in: null, sign_up: null, …}` (the
/// spec's `Client.Client`).
pub(crate) fn client_json(state: &AppState, client: &Client) -> Value {
    let sessions: Vec<Session> = client
        .sessions
        .iter()
        .filter_map(|id| active_session(state, id).ok())
        .collect();
    let last_active = sessions.last().map(|s| s.id.clone());
    let sessions_updated = sessions.iter().map(|s| s.updated_at).max().unwrap_or_default();
    let sessions: Vec<Value> = sessions.iter().map(|s| session_json(state, s)).collect();
    json!({
        "object": "client",
        "id": client.id,
        "sessions": sessions,
        "last_active_session_id": last_active,
        "sign_in": client.sign_in.as_ref().map(|s| {
            sign_in_json(&s.id, &s.identifier, "needs_first_factor", None, s.abandon_at)
        }),
        "sign_up": null,
        "captcha_bypass": false,
        "cookie_expires_at": null,
        "last_authentication_strategy": null,
        "created_at": client.created_at,
        "updated_at": sessions_updated.max(client.created_at),
    })
}

/// A session as the Frontend API serves it (the spec's `Client.Session`): status, times, the
/// user's public fields and `public_user_data`; no token (clerk-js asks for one).
pub(crate) fn session_json(state: &AppState, session: &Session) -> Value {
    let user = state.store.get(&session.user_id);
    let public_user_data = user.as_ref().map(|user| {
        json!({
            "first_name": user.first_name,
            "last_name": user.last_name,
            "image_url": user.image_url,
            "has_image": user.has_image,
            "identifier": user
                .email_addresses
                .first()
                .map(|e| e.email_address.clone())
                .or_else(|| user.username.clone())
                .unwrap_or_default(),
            "user_id": user.id,
        })
    });
    json!({
        "object": "session",
        "id": session.id,
        "status": session.status,
        "expire_at": session.expire_at,
        "abandon_at": session.abandon_at,
        "last_active_at": session.last_active_at,
        "last_active_organization_id": session.last_active_organization_id,
        "last_active_token": null,
        "actor": session.actor,
        "tasks": session.tasks,
        // Minutes since the first and second factor (-1: none), as Clerk serves it.
        "factor_verification_age": [0, -1],
        "user": user.as_ref().map(|user| public_user_with_memberships(state, user)),
        "public_user_data": public_user_data,
        "created_at": session.created_at,
        "updated_at": session.updated_at,
    })
}

/// The fields of a user a browser sees (the spec's `Client.User`): never `private_metadata`.
const USER_FIELDS: [&str; 40] = [
    "id",
    "object",
    "username",
    "first_name",
    "last_name",
    "image_url",
    "has_image",
    "primary_email_address_id",
    "primary_phone_number_id",
    "primary_web3_wallet_id",
    "password_enabled",
    "two_factor_enabled",
    "totp_enabled",
    "backup_code_enabled",
    "email_addresses",
    "phone_numbers",
    "web3_wallets",
    "passkeys",
    "external_accounts",
    "saml_accounts",
    "enterprise_accounts",
    "password_last_updated_at",
    "public_metadata",
    "unsafe_metadata",
    "external_id",
    "last_sign_in_at",
    "banned",
    "locked",
    "lockout_expires_in_seconds",
    "verification_attempts_remaining",
    "created_at",
    "updated_at",
    "delete_self_enabled",
    "create_organization_enabled",
    "create_organizations_limit",
    "last_active_at",
    "mfa_enabled_at",
    "mfa_disabled_at",
    "legal_accepted_at",
    "profile_image_url",
];

/// The fields of an organization a browser sees (`Client.Organization`): no private metadata.
const ORGANIZATION_FIELDS: [&str; 14] = [
    "object",
    "id",
    "name",
    "slug",
    "image_url",
    "has_image",
    "members_count",
    "pending_invitations_count",
    "max_allowed_memberships",
    "admin_delete_enabled",
    "public_metadata",
    "created_at",
    "updated_at",
    "logo_url",
];

/// The fields of a membership a browser sees (`Client.OrganizationMembership`).
const MEMBERSHIP_FIELDS: [&str; 10] = [
    "object",
    "id",
    "public_metadata",
    "role",
    "role_name",
    "permissions",
    "created_at",
    "updated_at",
    "organization",
    "public_user_data",
];

/// The fields of a member's public data (`Client.PublicUserData`).
const PUBLIC_USER_DATA_FIELDS: [&str; 10] = [
    "first_name",
    "last_name",
    "image_url",
    "has_image",
    "identifier",
    "profile_image_url",
    "user_id",
    "username",
    "banned",
    "deprovisioned",
];

/// `value`'s `fields` only (an allow-list: what is not named is not served).
fn only(value: &Value, fields: &[&str]) -> Value {
    let mut out = serde_json::Map::new();
    for field in fields {
        if let Some(v) = value.get(*field) {
            out.insert((*field).to_owned(), v.clone());
        }
    }
    Value::Object(out)
}

/// What a browser may see of an organization (`Client.Organization`): no private metadata.
pub(crate) fn public_organization(organization: &Value) -> Value {
    only(organization, &ORGANIZATION_FIELDS)
}

/// What a browser may see of a user (the spec's `Client.User`): no private metadata, no
/// secrets; the user's organization memberships when `state` is given.
pub(crate) fn public_user(user: &crate::store::user::User) -> Value {
    let mut json = only(&serde_json::to_value(user).unwrap_or_default(), &USER_FIELDS);
    // Not nullable in the spec: absent when there is no limit.
    if let Value::Object(map) = &mut json {
        if map.get("create_organizations_limit") == Some(&Value::Null) {
            map.remove("create_organizations_limit");
        }
    }
    json
}

/// [`public_user`] with the user's organization memberships (`Client.OrganizationMembership`,
/// the organization as `Client.Organization`).
pub(crate) fn public_user_with_memberships(state: &AppState, user: &crate::store::user::User) -> Value {
    let mut json = public_user(user);
    let memberships: Vec<Value> = state
        .orgs
        .all_memberships()
        .iter()
        .filter(|m| m.user_id == user.id)
        .map(|m| {
            let full = state.orgs.render_membership(m);
            let mut membership = only(&full, &MEMBERSHIP_FIELDS);
            membership["organization"] = public_organization(&full["organization"]);
            if full["public_user_data"].is_object() {
                membership["public_user_data"] = only(&full["public_user_data"], &PUBLIC_USER_DATA_FIELDS);
            }
            membership
        })
        .collect();
    json["organization_memberships"] = Value::from(memberships);
    json
}

/// A sign-in attempt (the spec's `Client.SignIn`): `complete` with its session, or
/// `needs_first_factor` with the password to give.
pub(crate) fn sign_in_json(
    id: &str,
    identifier: &str,
    status: &str,
    created_session_id: Option<&str>,
    abandon_at: i64,
) -> Value {
    let first_factor = created_session_id.map(|_| {
        json!({
            "object": "verification_password",
            "status": "verified",
            "strategy": "password",
            "attempts": 1,
            "expire_at": null,
        })
    });
    json!({
        "object": "sign_in_attempt",
        "id": id,
        "status": status,
        "supported_identifiers": ["email_address", "username"],
        "identifier": identifier,
        "supported_first_factors": [{ "strategy": "password" }],
        "supported_second_factors": null,
        "first_factor_verification": first_factor,
        "second_factor_verification": null,
        "user_data": null,
        "created_session_id": created_session_id,
        "abandon_at": abandon_at,
    })
}
