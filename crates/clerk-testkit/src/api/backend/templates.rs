//! `/v1/jwt_templates`: list and get.

use actix_web::http::StatusCode;
use actix_web::web::{Data, Path};
use actix_web::{HttpRequest, HttpResponse};

use crate::api::paging::Paging;
use crate::api::{json_response, ApiError, AppState};

/// `GET /v1/jwt_templates`.
pub(crate) async fn list(state: Data<AppState>, req: HttpRequest) -> Result<HttpResponse, ApiError> {
    let paging = Paging::parse(req.query_string())?;
    let items = state
        .templates
        .all()
        .into_iter()
        .filter_map(|template| serde_json::to_value(template).ok())
        .collect();
    Ok(paging.respond(items, false))
}

/// `GET /v1/jwt_templates/{id}`.
pub(crate) async fn get(state: Data<AppState>, path: Path<String>) -> Result<HttpResponse, ApiError> {
    let template = state
        .templates
        .get(&path.into_inner())
        .ok_or_else(ApiError::not_found)?;
    Ok(json_response(StatusCode::OK, &template))
}
