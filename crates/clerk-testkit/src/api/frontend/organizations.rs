//! The Frontend API's organizations, as the signed-in user sees them: `GET
//! /v1/organizations/{id}` for an organization the user is a member of. The same method and
//! path is the Backend API's; [`crate::api::frontend`] says which of the two answers a request.

use actix_web::http::header::{HeaderValue, CACHE_CONTROL};
use actix_web::http::StatusCode;
use actix_web::web::{Data, Path};
use actix_web::{HttpRequest, HttpResponse};
use serde_json::json;

use crate::api::frontend::client::{active_client_session, public_organization, request_client};
use crate::api::{json_response, ApiError, AppState};

/// `{"response": organization, "client": null}` (the spec's `Client.ClientWrappedOrganization`)
/// when the request's client has an active session whose user is a member; 401
/// `authentication_invalid` without a signed-in session; 404 `resource_not_found` for an
/// organization the user is not a member of (or that does not exist), so that a browser cannot
/// tell the two apart.
pub(crate) async fn get(
    state: Data<AppState>,
    req: HttpRequest,
    path: Path<String>,
) -> Result<HttpResponse, ApiError> {
    let (_, client) = request_client(&state, &req).ok_or_else(ApiError::authentication_invalid)?;
    let session = active_client_session(&state, &client).ok_or_else(ApiError::authentication_invalid)?;
    let org_id = path.into_inner();
    let org = state
        .orgs
        .get(&org_id)
        .filter(|org| state.orgs.membership(&org.id, &session.user_id).is_some())
        .ok_or_else(ApiError::not_found)?;
    // The Backend API's rendering, cut to what a browser may see (no private metadata).
    let organization = public_organization(&state.orgs.render_org(&org, false));
    let body = json!({ "response": organization, "client": null });
    let mut res = json_response(StatusCode::OK, &body);
    res.headers_mut()
        .insert(CACHE_CONTROL, HeaderValue::from_static("no-store"));
    Ok(res)
}
