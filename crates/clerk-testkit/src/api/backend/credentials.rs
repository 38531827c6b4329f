//! A user's credentials: `POST /v1/users/{id}/verify_password` and
//! `GET /v1/users/{id}/oauth_access_tokens/{provider}`.

use actix_web::http::StatusCode;
use actix_web::web::{Bytes, Data, Path};
use actix_web::{HttpRequest, HttpResponse};
use serde::Deserialize;
use serde_json::json;

use crate::api::paging::Paging;
use crate::api::{json_response, parse_body, ApiError, AppState};

#[derive(Deserialize, Default)]
#[serde(default, deny_unknown_fields)]
struct PasswordBody {
    password: Option<String>,
}

/// `POST /v1/users/{id}/verify_password`: 200 `{"verified": true}`, 422 `incorrect_password`,
/// 400 `no_password_set`, 404 for an unknown user.
pub(crate) async fn verify_password(
    state: Data<AppState>,
    path: Path<String>,
    body: Bytes,
) -> Result<HttpResponse, ApiError> {
    let body: PasswordBody = parse_body(&body)?;
    let password = body.password.ok_or_else(|| ApiError::param_missing("password"))?;
    match state.store.verify_password(&path.into_inner(), &password)? {
        Some(true) => Ok(json_response(StatusCode::OK, &json!({ "verified": true }))),
        Some(false) => Err(ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "incorrect_password",
            "incorrect password",
            "The provided password is not the one the user has set",
        )),
        None => Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            "no_password_set",
            "no password set",
            "This user does not have a password set for their account",
        )),
    }
}

/// `GET /v1/users/{id}/oauth_access_tokens/{provider}`: the user's tokens for the provider
/// (`oauth_…`; anything else is 422).
pub(crate) async fn oauth_access_tokens(
    state: Data<AppState>,
    req: HttpRequest,
    path: Path<(String, String)>,
) -> Result<HttpResponse, ApiError> {
    let (user_id, provider) = path.into_inner();
    let paging = Paging::parse(req.query_string())?;
    if state.store.get(&user_id).is_none() {
        return Err(ApiError::not_found());
    }
    if !provider.starts_with("oauth_") || provider.len() <= "oauth_".len() {
        return Err(ApiError::param_invalid(
            "provider",
            format!("{provider} does not match one of the allowed values for parameter provider"),
        ));
    }
    Ok(paging.respond(state.oauth.for_user(&user_id, &provider), false))
}
