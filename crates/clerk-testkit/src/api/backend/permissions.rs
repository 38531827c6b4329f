//! `/v1/organization_permissions`: the instance's custom organization permissions (list,
//! create, get, update, delete).

use actix_web::http::StatusCode;
use actix_web::web::{Bytes, Data, Path};
use actix_web::{HttpRequest, HttpResponse};
use serde::Deserialize;
use serde_json::json;

use crate::api::paging::Paging;
use crate::api::{json_response, parse_body, ApiError, AppState};
use crate::store::organization_permissions::{valid_key, Permission, PermissionChange, PermissionRefusal};

#[derive(Deserialize, Default)]
#[serde(default)]
struct PermissionBody {
    name: Option<String>,
    key: Option<String>,
    description: Option<String>,
}

impl PermissionBody {
    /// The change, its key checked.
    fn change(self) -> Result<PermissionChange, ApiError> {
        if let Some(key) = &self.key {
            if !valid_key(key) {
                return Err(ApiError::param_format_invalid(
                    "key",
                    "key must have the format org:feature:action (lowercase letters, digits and \
                     underscores) and cannot begin with org:sys_",
                ));
            }
        }
        Ok(PermissionChange {
            name: self.name,
            key: self.key,
            description: self.description,
        })
    }
}

fn refused(refusal: PermissionRefusal) -> ApiError {
    match refusal {
        PermissionRefusal::DuplicateKey => ApiError::new(
            StatusCode::BAD_REQUEST,
            "duplicate_record",
            "duplicate permission key",
            "a permission with this key already exists",
        ),
        PermissionRefusal::NotFound => ApiError::not_found(),
    }
}

fn answer(permission: &Permission) -> HttpResponse {
    json_response(StatusCode::OK, &permission.to_json())
}

/// `GET /v1/organization_permissions` (`query` filters by name or key): always `{data, total_count}`.
pub(crate) async fn list(state: Data<AppState>, req: HttpRequest) -> Result<HttpResponse, ApiError> {
    let paging = Paging::parse(req.query_string())?;
    let query = url::form_urlencoded::parse(req.query_string().as_bytes())
        .find(|(key, _)| key == "query")
        .map(|(_, value)| value.into_owned())
        .filter(|value| !value.is_empty());
    let items = state
        .permissions
        .list(query.as_deref())
        .iter()
        .map(Permission::to_json)
        .collect();
    Ok(paging.respond(items, true))
}

/// `POST /v1/organization_permissions`: `name` and `key` required.
pub(crate) async fn create(state: Data<AppState>, body: Bytes) -> Result<HttpResponse, ApiError> {
    let body: PermissionBody = parse_body(&body)?;
    let name = body
        .name
        .clone()
        .filter(|name| !name.trim().is_empty())
        .ok_or_else(|| ApiError::param_missing("name"))?;
    if body.key.is_none() {
        return Err(ApiError::param_missing("key"));
    }
    let change = body.change()?;
    let key = change.key.unwrap_or_default();
    let permission = state
        .permissions
        .create(&name, &key, change.description.as_deref().unwrap_or_default())
        .map_err(refused)?;
    Ok(answer(&permission))
}

/// `GET /v1/organization_permissions/{permission_id}`.
pub(crate) async fn get(state: Data<AppState>, path: Path<String>) -> Result<HttpResponse, ApiError> {
    let permission = state
        .permissions
        .get(&path.into_inner())
        .ok_or_else(ApiError::not_found)?;
    Ok(answer(&permission))
}

/// `PATCH /v1/organization_permissions/{permission_id}`.
pub(crate) async fn update(
    state: Data<AppState>,
    path: Path<String>,
    body: Bytes,
) -> Result<HttpResponse, ApiError> {
    let body: PermissionBody = parse_body(&body)?;
    let permission = state
        .permissions
        .update(&path.into_inner(), body.change()?)
        .map_err(refused)?;
    Ok(answer(&permission))
}

/// `DELETE /v1/organization_permissions/{permission_id}`.
pub(crate) async fn delete(state: Data<AppState>, path: Path<String>) -> Result<HttpResponse, ApiError> {
    let permission = state
        .permissions
        .delete(&path.into_inner())
        .ok_or_else(ApiError::not_found)?;
    Ok(json_response(
        StatusCode::OK,
        &json!({ "object": "permission", "id": permission.id, "deleted": true }),
    ))
}
