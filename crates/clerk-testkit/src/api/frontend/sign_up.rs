//! Signing up through the Frontend API, as clerk-js's `signUp.create({ emailAddress, password })`
//! does (issue 23, item 7): `POST /v1/client/sign_ups`. The offline instance asks for an email
//! address and a password and verifies nothing (no email is sent offline), so a sign-up with
//! both completes at once: the user is created (with its `user.created` webhook), signed in on
//! the browser's client, and the attempt is `complete`. Without both the attempt is
//! `missing_requirements` and nothing is created; completing it later (`PATCH
//! /v1/client/sign_ups/{id}`) is not served.

use actix_web::web::{Bytes, Data};
use actix_web::{HttpRequest, HttpResponse};
use serde_json::{json, Value};

use crate::api::frontend::client::client_json;
use crate::api::frontend::pages::form;
use crate::api::frontend::sign_in::{answer, browser_client, client_cookies};
use crate::api::{origin, ApiError, AppState};
use crate::clock::now_ms;
use crate::ids::new_id;
use crate::store::user::NewUser;

/// How long a sign-up attempt lives, as Clerk abandons them.
const SIGN_UP_LIFETIME_MS: i64 = 24 * 60 * 60 * 1000;

/// `POST /v1/client/sign_ups` (form: `email_address`, `password`, optional `first_name`,
/// `last_name`, `username`): `{"response": sign-up, "client"}`. A taken email address or
/// username is Clerk's 422 `form_identifier_exists`; a password the instance refuses, 422.
pub(crate) async fn create(
    state: Data<AppState>,
    req: HttpRequest,
    body: Bytes,
) -> Result<HttpResponse, ApiError> {
    let fields = form(&body);
    let field = |name: &str| fields.get(name).map(|v| v.trim()).filter(|v| !v.is_empty());
    let email = field("email_address");
    let password = fields
        .get("password")
        .map(String::as_str)
        .filter(|p| !p.is_empty());
    let id = new_id("sua_");
    let abandon_at = now_ms() + SIGN_UP_LIFETIME_MS;
    let (Some(email), Some(password)) = (email, password) else {
        let missing: Vec<&str> = [
            ("email_address", email.is_some()),
            ("password", password.is_some()),
        ]
        .iter()
        .filter(|(_, given)| !given)
        .map(|(name, _)| *name)
        .collect();
        let (_, client) = browser_client(&state, &req);
        let response = sign_up_json(
            &id,
            &fields,
            "missing_requirements",
            &missing,
            None,
            None,
            abandon_at,
        );
        return Ok(answer(response, client_json(&state, &client), &[]));
    };
    let mut new = NewUser::default().email(email).password(password);
    if let Some(first) = field("first_name") {
        new = new.first_name(first);
    }
    if let Some(last) = field("last_name") {
        new = new.last_name(last);
    }
    if let Some(username) = field("username") {
        new = new.username(username);
    }
    let user = state.store.create_from(new, &origin(&req))?;
    let (cookie, _) = browser_client(&state, &req);
    let session = state
        .store
        .create_session_from(&user.id, &origin(&req))
        .map_err(ApiError::from)?;
    let client_id = state
        .browser
        .clients
        .get(&cookie)
        .map(|c| c.id)
        .unwrap_or_default();
    state.store.set_session_client(&session.id, &client_id);
    let client = state
        .browser
        .clients
        .add_session(&cookie, &session.id)
        .ok_or_else(ApiError::not_found)?;
    let response = sign_up_json(
        &id,
        &fields,
        "complete",
        &[],
        Some(&session.id),
        Some(&user.id),
        abandon_at,
    );
    Ok(answer(
        response,
        client_json(&state, &client),
        &client_cookies(&state, &req, &cookie, Some(session.created_at / 1000)),
    ))
}

/// A sign-up attempt (the spec's `Client.SignUp`).
fn sign_up_json(
    id: &str,
    fields: &std::collections::HashMap<String, String>,
    status: &str,
    missing: &[&str],
    created_session_id: Option<&str>,
    created_user_id: Option<&str>,
    abandon_at: i64,
) -> Value {
    let field = |name: &str| fields.get(name).map(|v| v.trim()).filter(|v| !v.is_empty());
    json!({
        "object": "sign_up_attempt",
        "id": id,
        "status": status,
        "required_fields": ["email_address", "password"],
        "optional_fields": ["first_name", "last_name", "username"],
        "missing_fields": missing,
        "unverified_fields": [],
        "verifications": {
            "email_address": null,
            "phone_number": null,
            "web3_wallet": null,
            "external_account": null,
        },
        "username": field("username"),
        "email_address": field("email_address"),
        "phone_number": null,
        "web3_wallet": null,
        "password_enabled": fields.get("password").is_some_and(|p| !p.is_empty()),
        "first_name": field("first_name"),
        "last_name": field("last_name"),
        "unsafe_metadata": {},
        "public_metadata": {},
        "custom_action": false,
        "external_id": null,
        "created_session_id": created_session_id,
        "created_user_id": created_user_id,
        "abandon_at": abandon_at,
        "legal_accepted_at": null,
    })
}
