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

use crate::api::browser_cookies;
use crate::api::browser_session::active_session;
use crate::api::frontend::client::{client_json, dev_browser, request_client, session_json, sign_in_json};
use crate::api::frontend::pages::form;
use crate::api::frontend::sign_in_page::find_by_identifier;
use crate::api::{json_response, origin, ApiError, AppState};
use crate::clock::now_ms;
use crate::ids::new_id;
use crate::store::browser_clients::PendingSignIn;

/// `{"response": response, "client": client}`, not cached, with `cookies` set.
pub(crate) fn answer(response: Value, client: Value, cookies: &[String]) -> HttpResponse {
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

/// `POST /v1/client/sign_ins` (form: `identifier`, and `password` with an optional
/// `strategy=password`): with a password, a complete sign-in attempt (`status: complete`,
/// `created_session_id`) and the client with the new session; with the identifier alone, an
/// attempt that `needs_first_factor` (password), kept on the client until
/// `attempt_first_factor`. On the browser's client (its `__client` cookie or development
/// browser) or a new one (`__client` set; the development browser bound to it). 422 with
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
    let user = find_by_identifier(&state.store.all(), identifier).ok_or_else(identifier_not_found)?;
    let (cookie, client) = browser_client(&state, &req);
    let Some(password) = field("password") else {
        // Identifier first: the password comes with attempt_first_factor.
        let pending = PendingSignIn {
            id: new_id("sia_"),
            user_id: user.id.clone(),
            identifier: identifier.to_owned(),
            abandon_at: now_ms() + SIGN_IN_LIFETIME_MS,
        };
        let client = state
            .browser
            .clients
            .start_sign_in(&cookie, pending.clone())
            .unwrap_or(client);
        let response = sign_in_json(
            &pending.id,
            identifier,
            "needs_first_factor",
            None,
            pending.abandon_at,
        );
        return Ok(answer(
            response,
            client_json(&state, &client),
            &client_cookies(&state, &req, &cookie, None),
        ));
    };
    check_password(&state, &user, password)?;
    complete(&state, &req, &cookie, &user.id, &new_id("sia_"), identifier)
}

/// How long a sign-in attempt waits for its first factor, as Clerk's abandon the attempt.
const SIGN_IN_LIFETIME_MS: i64 = 24 * 60 * 60 * 1000;

/// `POST /v1/client/sign_ins/{id}/attempt_first_factor` (form: `strategy=password`,
/// `password`): completes the browser client's sign-in in progress, as with both at once.
/// 404 `resource_not_found` for no such attempt on this client; 422 as for `create`.
pub(crate) async fn attempt_first_factor(
    state: Data<AppState>,
    req: HttpRequest,
    path: Path<String>,
    body: Bytes,
) -> Result<HttpResponse, ApiError> {
    let id = path.into_inner();
    let fields = form(&body);
    let field = |name: &str| fields.get(name).map(|v| v.trim()).filter(|v| !v.is_empty());
    let (cookie, _) = request_client(&state, &req).ok_or_else(ApiError::not_found)?;
    let pending = state
        .browser
        .clients
        .pending_sign_in(&cookie, &id, now_ms())
        .ok_or_else(ApiError::not_found)?;
    match field("strategy") {
        Some("password") => {}
        Some(_) => {
            return Err(ApiError::param_invalid(
                "strategy",
                "the offline Clerk signs in with a password only",
            ))
        }
        None => return Err(ApiError::param_missing("strategy")),
    }
    let password = field("password").ok_or_else(|| ApiError::param_missing("password"))?;
    let user = state
        .store
        .get(&pending.user_id)
        .ok_or_else(identifier_not_found)?;
    check_password(&state, &user, password)?;
    state.browser.clients.finish_sign_in(&cookie);
    complete(&state, &req, &cookie, &user.id, &pending.id, &pending.identifier)
}

/// The request's client, or a new one: `(cookie, client)`.
pub(crate) fn browser_client(
    state: &AppState,
    req: &HttpRequest,
) -> (String, crate::store::browser_clients::Client) {
    let known = request_client(state, req).map(|(cookie, _)| cookie);
    let (cookie, client) = state.browser.clients.get_or_create(known.as_deref());
    if let Some(dvb) = dev_browser(state, req) {
        state.browser.clients.bind_dev_browser(&dvb, &cookie);
    }
    (cookie, client)
}

/// Whether `password` is the user's: 422 `form_password_incorrect` (wrong),
/// `strategy_for_user_invalid` (no password); 403 `user_banned`.
fn check_password(state: &AppState, user: &crate::store::user::User, password: &str) -> Result<(), ApiError> {
    match state.store.verify_password(&user.id, password) {
        Ok(Some(true)) => {}
        Ok(Some(false)) => return Err(password_incorrect()),
        Ok(None) => return Err(strategy_for_user_invalid()),
        Err(_) => return Err(identifier_not_found()),
    }
    if user.banned {
        return Err(ApiError::user_banned());
    }
    Ok(())
}

/// Signs `user_id` in on the client behind `cookie`: a new session, the complete attempt `id`
/// and the client, with the `__client` cookie.
fn complete(
    state: &AppState,
    req: &HttpRequest,
    cookie: &str,
    user_id: &str,
    id: &str,
    identifier: &str,
) -> Result<HttpResponse, ApiError> {
    let session = state
        .store
        .create_session_from(user_id, &origin(req))
        .map_err(|_| identifier_not_found())?;
    let client_id = state
        .browser
        .clients
        .get(cookie)
        .map(|c| c.id)
        .unwrap_or_default();
    state.store.set_session_client(&session.id, &client_id);
    let client = state
        .browser
        .clients
        .add_session(cookie, &session.id)
        .ok_or_else(ApiError::not_found)?;
    let response = sign_in_json(id, identifier, "complete", Some(&session.id), session.abandon_at);
    Ok(answer(
        response,
        client_json(state, &client),
        &client_cookies(state, req, cookie, Some(session.created_at / 1000)),
    ))
}

/// `__client` (and `__client_uat`, from `client_uat` seconds when signed in) on the emulator's
/// origin.
pub(crate) fn client_cookies(
    state: &AppState,
    req: &HttpRequest,
    cookie: &str,
    client_uat: Option<i64>,
) -> Vec<String> {
    let secure = req.connection_info().scheme() == "https";
    let mut cookies = browser_cookies::signed_in(
        &state.browser.cookie_suffix,
        cookie,
        client_uat.unwrap_or(0),
        secure,
    );
    if client_uat.is_none() {
        // Not signed in yet: the client cookie only.
        cookies.truncate(1);
    }
    cookies
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
    let cookies = browser_cookies::signed_out(&state.browser.cookie_suffix);
    answer(Value::Null, Value::Null, &cookies)
}
