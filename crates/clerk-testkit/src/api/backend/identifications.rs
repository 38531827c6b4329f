//! `/v1/email_addresses` and `/v1/phone_numbers`: a user's email addresses and phone numbers
//! (create, get, update, delete), reflected in the user (`GET /v1/users/{id}`).

use actix_web::http::StatusCode;
use actix_web::web::{Bytes, Data, Path};
use actix_web::{HttpRequest, HttpResponse};
use serde::Deserialize;
use serde_json::json;

use crate::api::{json_response, origin, parse_body, ApiError, AppState};
use crate::store::identifications::{
    IdentificationChange, IdentificationRefusal, Kind, NewIdentification, MAX_PER_USER,
};

#[derive(Deserialize, Default)]
#[serde(default)]
struct CreateBody {
    user_id: Option<String>,
    email_address: Option<String>,
    phone_number: Option<String>,
    verified: Option<bool>,
    primary: Option<bool>,
    reserved_for_second_factor: Option<bool>,
    #[allow(dead_code)] // Accepted: the emulator sends no email.
    notify_primary_email_address_changed: Option<bool>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct UpdateBody {
    verified: Option<bool>,
    primary: Option<bool>,
    reserved_for_second_factor: Option<bool>,
    #[allow(dead_code)] // Accepted: the emulator sends no email.
    notify_primary_email_address_changed: Option<bool>,
}

/// The body parameter that names the identification, and its object type.
fn param(kind: Kind) -> &'static str {
    match kind {
        Kind::Email => "email_address",
        Kind::Phone => "phone_number",
    }
}

fn refused(kind: Kind, refusal: IdentificationRefusal) -> ApiError {
    match refusal {
        IdentificationRefusal::UserNotFound => ApiError::new(
            StatusCode::NOT_FOUND,
            "resource_not_found",
            "not found",
            "User not found",
        ),
        IdentificationRefusal::NotFound => ApiError::new(
            StatusCode::NOT_FOUND,
            "resource_not_found",
            "Resource not found",
            "Resource not found",
        ),
        IdentificationRefusal::InvalidFormat => match kind {
            Kind::Email => ApiError::param_format_invalid(
                "email_address",
                "email_address must be a valid email address.",
            ),
            Kind::Phone => ApiError::param_format_invalid(
                "phone_number",
                "phone_number must be a valid phone number according to E.164 international standard.",
            ),
        },
        IdentificationRefusal::Taken(value) => ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "form_identifier_exists",
            "That identifier is taken. Please try another.",
            format!("{value} is taken. Please try another."),
        )
        .with_param(param(kind)),
        IdentificationRefusal::VerificationNeeded => ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "form_verification_needed",
            "is unverified",
            "This identification needs to be verified before you can perform this action.",
        )
        .with_param("primary"),
        IdentificationRefusal::SecondFactorUnverified { create: true } => ApiError::new(
            StatusCode::BAD_REQUEST,
            "identification_create_second_factor_unverified",
            "Create failed",
            "Unverified identifications cannot be a second factor",
        ),
        IdentificationRefusal::SecondFactorUnverified { create: false } => ApiError::new(
            StatusCode::BAD_REQUEST,
            "identification_update_second_factor_unverified",
            "Update failed",
            "Cannot update second factor attributes for unverified identification",
        ),
        IdentificationRefusal::LastIdentification => ApiError::new(
            StatusCode::BAD_REQUEST,
            "identification_deletion_failed",
            "Deletion failed",
            "You cannot delete your last identification.",
        ),
        IdentificationRefusal::TooMany => ApiError::param_invalid(
            param(kind),
            format!("a user can have at most {MAX_PER_USER} of these"),
        ),
    }
}

async fn create(
    kind: Kind,
    state: &AppState,
    req: &HttpRequest,
    body: &Bytes,
) -> Result<HttpResponse, ApiError> {
    let body: CreateBody = parse_body(body)?;
    let user_id = body
        .user_id
        .filter(|id| !id.is_empty())
        .ok_or_else(|| ApiError::param_missing("user_id"))?;
    let value = match kind {
        Kind::Email => body.email_address,
        Kind::Phone => body.phone_number,
    }
    .filter(|value| !value.trim().is_empty())
    .ok_or_else(|| ApiError::param_missing(param(kind)))?;
    if kind == Kind::Email && body.reserved_for_second_factor.is_some() {
        return Err(ApiError::param_unknown("reserved_for_second_factor"));
    }
    let new = NewIdentification {
        user_id,
        value,
        verified: body.verified.unwrap_or(false),
        primary: body.primary,
        reserved_for_second_factor: body.reserved_for_second_factor.unwrap_or(false),
    };
    let created = state
        .store
        .create_identification(kind, new, &origin(req))
        .map_err(|refusal| refused(kind, refusal))?;
    Ok(json_response(StatusCode::OK, &created))
}

async fn get(kind: Kind, state: &AppState, id: &str) -> Result<HttpResponse, ApiError> {
    let found = state
        .store
        .identification(kind, id)
        .ok_or_else(|| refused(kind, IdentificationRefusal::NotFound))?;
    Ok(json_response(StatusCode::OK, &found))
}

async fn update(
    kind: Kind,
    state: &AppState,
    req: &HttpRequest,
    id: &str,
    body: &Bytes,
) -> Result<HttpResponse, ApiError> {
    let body: UpdateBody = parse_body(body)?;
    if kind == Kind::Email && body.reserved_for_second_factor.is_some() {
        return Err(ApiError::param_unknown("reserved_for_second_factor"));
    }
    let change = IdentificationChange {
        verified: body.verified,
        primary: body.primary,
        reserved_for_second_factor: body.reserved_for_second_factor,
    };
    let updated = state
        .store
        .update_identification(kind, id, change, &origin(req))
        .map_err(|refusal| refused(kind, refusal))?;
    Ok(json_response(StatusCode::OK, &updated))
}

async fn delete(kind: Kind, state: &AppState, req: &HttpRequest, id: &str) -> Result<HttpResponse, ApiError> {
    state
        .store
        .delete_identification(kind, id, &origin(req))
        .map_err(|refusal| refused(kind, refusal))?;
    Ok(json_response(
        StatusCode::OK,
        &json!({ "object": param(kind), "id": id, "deleted": true }),
    ))
}

/// `POST /v1/email_addresses`: `user_id` and `email_address` required.
pub(crate) async fn create_email(
    state: Data<AppState>,
    req: HttpRequest,
    body: Bytes,
) -> Result<HttpResponse, ApiError> {
    create(Kind::Email, &state, &req, &body).await
}

/// `GET /v1/email_addresses/{email_address_id}`.
pub(crate) async fn get_email(state: Data<AppState>, path: Path<String>) -> Result<HttpResponse, ApiError> {
    get(Kind::Email, &state, &path).await
}

/// `PATCH /v1/email_addresses/{email_address_id}`: `verified`, `primary`.
pub(crate) async fn update_email(
    state: Data<AppState>,
    req: HttpRequest,
    path: Path<String>,
    body: Bytes,
) -> Result<HttpResponse, ApiError> {
    update(Kind::Email, &state, &req, &path, &body).await
}

/// `DELETE /v1/email_addresses/{email_address_id}`.
pub(crate) async fn delete_email(
    state: Data<AppState>,
    req: HttpRequest,
    path: Path<String>,
) -> Result<HttpResponse, ApiError> {
    delete(Kind::Email, &state, &req, &path).await
}

/// `POST /v1/phone_numbers`: `user_id` and `phone_number` (E.164) required.
pub(crate) async fn create_phone(
    state: Data<AppState>,
    req: HttpRequest,
    body: Bytes,
) -> Result<HttpResponse, ApiError> {
    create(Kind::Phone, &state, &req, &body).await
}

/// `GET /v1/phone_numbers/{phone_number_id}`.
pub(crate) async fn get_phone(state: Data<AppState>, path: Path<String>) -> Result<HttpResponse, ApiError> {
    get(Kind::Phone, &state, &path).await
}

/// `PATCH /v1/phone_numbers/{phone_number_id}`: `verified`, `primary`,
/// `reserved_for_second_factor`.
pub(crate) async fn update_phone(
    state: Data<AppState>,
    req: HttpRequest,
    path: Path<String>,
    body: Bytes,
) -> Result<HttpResponse, ApiError> {
    update(Kind::Phone, &state, &req, &path, &body).await
}

/// `DELETE /v1/phone_numbers/{phone_number_id}`.
pub(crate) async fn delete_phone(
    state: Data<AppState>,
    req: HttpRequest,
    path: Path<String>,
) -> Result<HttpResponse, ApiError> {
    delete(Kind::Phone, &state, &req, &path).await
}
