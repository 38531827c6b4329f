//! The Billing reads of the Backend API, answered from the seeded catalog (`store::billing`):
//! plans, a user's or organization's subscription, subscription items, and statements (none
//! are ever issued: the emulator charges nobody).

use actix_web::http::StatusCode;
use actix_web::web::{Data, Path};
use actix_web::{HttpRequest, HttpResponse};

use crate::api::paging::{query_value, Paging};
use crate::api::{json_response, ApiError, AppState};
use crate::store::billing::PayerType;

fn payer_type(raw_query: &str) -> Result<Option<PayerType>, ApiError> {
    query_value(raw_query, "payer_type")
        .map(|value| {
            PayerType::parse(&value)
                .ok_or_else(|| ApiError::param_invalid("payer_type", "payer_type must be one of: user, org"))
        })
        .transpose()
}

/// `GET /v1/billing/plans` (`payer_type` filters): always `{data, total_count}`.
pub(crate) async fn plans(state: Data<AppState>, req: HttpRequest) -> Result<HttpResponse, ApiError> {
    let paging = Paging::parse(req.query_string())?;
    let payer = payer_type(req.query_string())?;
    Ok(paging.respond(state.billing.plans(payer), true))
}

/// `GET /v1/users/{user_id}/billing/subscription`.
pub(crate) async fn user_subscription(
    state: Data<AppState>,
    path: Path<String>,
) -> Result<HttpResponse, ApiError> {
    let user = state
        .store
        .get(&path.into_inner())
        .ok_or_else(ApiError::not_found)?;
    Ok(json_response(
        StatusCode::OK,
        &state.billing.subscription(PayerType::User, &user.id),
    ))
}

/// `GET /v1/organizations/{organization_id}/billing/subscription`.
pub(crate) async fn organization_subscription(
    state: Data<AppState>,
    path: Path<String>,
) -> Result<HttpResponse, ApiError> {
    let id = path.into_inner();
    let org = state
        .orgs
        .get(&id)
        .filter(|org| org.id == id)
        .ok_or_else(|| ApiError::from(crate::Error::OrganizationNotFound(id)))?;
    Ok(json_response(
        StatusCode::OK,
        &state.billing.subscription(PayerType::Org, &org.id),
    ))
}

/// `GET /v1/billing/subscription_items` (`payer_type`, `plan_id`, `include_free` filter):
/// always `{data, total_count}`.
pub(crate) async fn subscription_items(
    state: Data<AppState>,
    req: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    let raw = req.query_string();
    let paging = Paging::parse(raw)?;
    let payer = payer_type(raw)?;
    let plan_id = query_value(raw, "plan_id");
    let include_free = query_value(raw, "include_free").is_some_and(|v| v == "true");
    let items = state.billing.items(payer, plan_id.as_deref(), include_free);
    Ok(paging.respond(items, true))
}

/// `GET /v1/billing/statements`: always empty.
pub(crate) async fn statements(req: HttpRequest) -> Result<HttpResponse, ApiError> {
    let paging = Paging::parse(req.query_string())?;
    Ok(paging.respond(Vec::new(), true))
}

/// `GET /v1/billing/statements/{statement_id}` (and its payment attempts): never found.
pub(crate) async fn statement() -> Result<HttpResponse, ApiError> {
    Err(ApiError::new(
        StatusCode::NOT_FOUND,
        "resource_not_found",
        "not found",
        "Statement not found",
    ))
}
