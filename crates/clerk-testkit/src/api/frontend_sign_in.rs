//! Signing in and out through the Frontend API, as clerk-js does it (issue 23):
//! `POST /v1/client/sign_ins` (`identifier` + `password`: the sign-in completes at once),
//! `POST /v1/client/sessions/{id}/touch` (`setActive`), `POST /v1/client/sessions/{id}/end`
//! and `…/remove`, `DELETE /v1/client/sessions` (`signOut()`) and `DELETE /v1/client`.
//! Answers are `{"response": …, "client": …}`, the client as it is afterwards.
//!
//! Offline and simplified: password is the only first factor, no second factors, no captcha.

use actix_web::http::header::{HeaderValue, CACHE_CONTROL, SET_COOKIE};
use actix_web::http::StatusCode;
use actix_web::web::{Bytes, Data, Path};
use actix_web::{HttpRequest, HttpResponse};
use serde_json::{json, Value};

use super::browser_session::active_session;
use super::frontend_client::{client_json, dev_browser, request_client, session_json};
use super::pages::form;
use super::sign_in::find_by_identifier;
use super::{json_response, origin, ApiError, AppState};
use crate::client_cookies;
use crate::util::new_id;

/// `{"response": response, "client": client}`, not cached, with `cookies` set.
fn answer(response: Value, client: Value, cookies: &[String]) -> HttpResponse {
    let mut res = json_response(StatusCode::OK, &json!({ "response": response, "client": client }));
    let headers = res.headers_mut();
    headers.insert(CACHE_CONTROL, HeaderValue::from_static("no-store"));
    for cookie in cookies {
        if let Ok(value) = HeaderValue::from_str(cookie) {
            headers.append(SET_COOKIE, value);
        }
    }
    res
}

/// Clerk's 422 for an identifier no user has.
fn identifier_not_found() -> ApiError {
    let text = "Couldn't find your account.";
    ApiError::new(
        StatusCode::UNPROCESSABLE_ENTITY,
        "form_identifier_not_found",
        text,
        text,
    )
    .with_param("identifier")
}

/// Clerk's 422 for a wrong password.
fn password_incorrect() -> ApiError {
    let text = "Password is incorrect. Try again, or use another method.";
    ApiError::new(
        StatusCode::UNPROCESSABLE_ENTITY,
        "form_password_incorrect",
        text,
        text,
    )
    .with_param("password")
}

/// Clerk's 422 for a strategy the user cannot use (a password for a user without one).
fn strategy_for_user_invalid() -> ApiError {
    ApiError::new(
        StatusCode::UNPROCESSABLE_ENTITY,
        "strategy_for_user_invalid",
        "Invalid verification strategy",
        "The verification strategy is not valid for this account",
    )
    .with_param("strategy")
}

/// `POST /v1/client/sign_ins` (form: `identifier`, `password`, optional `strategy=password`):
/// a complete sign-in attempt (`status: complete`, `created_session_id`) and the client with
/// the new session, created on the browser's client (its `__client` cookie or development
/// browser) or on a new one (`__client` set; the development browser bound to it). 422 with
/// Clerk's codes: `form_param_missing`, `form_identifier_not_found`, `form_password_incorrect`,
/// `strategy_for_user_invalid`; 403 `user_banned`.
pub(crate) async fn create(
    state: Data<AppState>,
    req: HttpRequest,
    body: Bytes,
) -> Result<HttpResponse, ApiError> {
    let fields = form(&body);
    let field = |name: &str| fields.get(name).map(|v| v.trim()).filter(|v| !v.is_empty());
    let identifier = field("identifier").ok_or_else(|| ApiError::param_missing("identifier"))?;
    if let Some(strategy) = field("strategy") {
        if strategy != "password" {
            return Err(ApiError::param_invalid(
                "strategy",
                "the offline Clerk signs in with a password only",
            ));
        }
    }
    let password = field("password").ok_or_else(|| ApiError::param_missing("password"))?;
    let user = find_by_identifier(&state.store.all(), identifier).ok_or_else(identifier_not_found)?;
    match state.store.verify_password(&user.id, password) {
        Ok(Some(true)) => {}
        Ok(Some(false)) => return Err(password_incorrect()),
        Ok(None) => return Err(strategy_for_user_invalid()),
        Err(_) => return Err(identifier_not_found()),
    }
    if user.banned {
        return Err(ApiError::user_banned());
    }
    let known = request_client(&state, &req).map(|(cookie, _)| cookie);
    let (cookie, client) = state.browser.clients.get_or_create(known.as_deref());
    let session = state
        .store
        .create_session_from(&user.id, &origin(&req))
        .map_err(|_| identifier_not_found())?;
    state.store.set_session_client(&session.id, &client.id);
    let client = state
        .browser
        .clients
        .add_session(&cookie, &session.id)
        .unwrap_or(client);
    if let Some(dvb) = dev_browser(&state, &req) {
        state.browser.clients.bind_dev_browser(&dvb, &cookie);
    }
    let sign_in = json!({
        "object": "sign_in_attempt",
        "id": new_id("sia_"),
        "status": "complete",
        "supported_identifiers": ["email_address", "username"],
        "identifier": identifier,
        "supported_first_factors": [{ "strategy": "password" }],
        "supported_second_factors": null,
        "first_factor_verification": {
            "object": "verification_password",
            "status": "verified",
            "strategy": "password",
            "attempts": 1,
            "expire_at": null,
        },
        "second_factor_verification": null,
        "user_data": null,
        "created_session_id": session.id,
        "abandon_at": session.abandon_at,
    });
    let secure = req.connection_info().scheme() == "https";
    let cookies = client_cookies::signed_in(
        &state.browser.cookie_suffix,
        &cookie,
        session.created_at / 1000,
        secure,
    );
    Ok(answer(sign_in, client_json(&state, &client), &cookies))
}

/// `POST /v1/client/sessions/{id}/touch` (`setActive`; form: `active_organization_id`, empty
/// or `null` for the personal account, absent to keep it): the session, active and of the
/// browser's client, with that organization active, and the client. 404 `resource_not_found`
/// otherwise, and for an organization the user is not a member of.
pub(crate) async fn touch(
    state: Data<AppState>,
    req: HttpRequest,
    path: Path<String>,
    body: Bytes,
) -> Result<HttpResponse, ApiError> {
    let session_id = path.into_inner();
    let (_, client) = request_client(&state, &req).ok_or_else(ApiError::not_found)?;
    if !client.sessions.contains(&session_id) {
        return Err(ApiError::not_found());
    }
    let mut session = active_session(&state, &session_id).map_err(|_| ApiError::not_found())?;
    let fields = form(&body);
    if let Some(org) = fields.get("active_organization_id").map(|v| v.trim()) {
        let org = match org {
            "" | "null" => None,
            org if state.orgs.membership(org, &session.user_id).is_some() => Some(org),
            _ => return Err(ApiError::not_found()),
        };
        if org != session.last_active_organization_id.as_deref() {
            session = state
                .store
                .set_active_organization(&session.id, org)
                .map_err(|_| ApiError::not_found())?;
        }
    }
    Ok(answer(
        session_json(&state, &session),
        client_json(&state, &client),
        &[],
    ))
}

/// `POST /v1/client/sessions/{id}/end` and `…/remove`: ends one session of the browser's
/// client (`ended` on the Backend API, a `session.ended` webhook) and takes it off the client.
pub(crate) async fn end(
    state: Data<AppState>,
    req: HttpRequest,
    path: Path<(String, String)>,
) -> Result<HttpResponse, ApiError> {
    let (session_id, _action) = path.into_inner();
    let (cookie, _) = request_client(&state, &req).ok_or_else(ApiError::not_found)?;
    if !state.browser.clients.drop_session(&cookie, &session_id) {
        return Err(ApiError::not_found());
    }
    let ended = state.store.end_session_from(&session_id, &origin(&req));
    let client = state
        .browser
        .clients
        .get(&cookie)
        .map(|client| client_json(&state, &client))
        .unwrap_or(Value::Null);
    let response = ended.map_or(Value::Null, |session| session_json(&state, &session));
    Ok(answer(response, client, &[]))
}

/// `DELETE /v1/client/sessions` (`signOut()`): ends every session of the browser's client and
/// keeps the (now signed-out) client. A browser without a client gets the `null` client.
pub(crate) async fn remove_sessions(state: Data<AppState>, req: HttpRequest) -> HttpResponse {
    let Some((cookie, _)) = request_client(&state, &req) else {
        return answer(Value::Null, Value::Null, &[]);
    };
    let origin = origin(&req);
    for session_id in state.browser.clients.clear_sessions(&cookie) {
        // `None`: gone already (its user was deleted), as good as ended.
        let _ = state.store.end_session_from(&session_id, &origin);
    }
    let client = state
        .browser
        .clients
        .get(&cookie)
        .map_or(Value::Null, |client| client_json(&state, &client));
    answer(client.clone(), client, &[])
}

/// `DELETE /v1/client` (`client.destroy()`): ends every session, forgets the client and clears
/// its cookies.
pub(crate) async fn destroy(state: Data<AppState>, req: HttpRequest) -> HttpResponse {
    if let Some((cookie, _)) = request_client(&state, &req) {
        let origin = origin(&req);
        for session_id in state.browser.clients.remove(&cookie) {
            let _ = state.store.end_session_from(&session_id, &origin);
        }
    }
    let cookies = client_cookies::signed_out(&state.browser.cookie_suffix);
    answer(Value::Null, Value::Null, &cookies)
}
