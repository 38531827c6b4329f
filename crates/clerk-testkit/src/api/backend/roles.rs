//! `/v1/organization_roles`: the instance's organization roles (list, create, get, update,
//! delete) and their permissions (assign, remove).

use actix_web::http::StatusCode;
use actix_web::web::{Bytes, Data, Path};
use actix_web::{HttpRequest, HttpResponse};
use serde::Deserialize;
use serde_json::json;

use crate::api::paging::{query_value, Paging};
use crate::api::{json_response, parse_body, ApiError, AppState};
use crate::store::organization_roles::{valid_role_key, RoleChange, RoleRefusal, StoredRole, MAX_ROLES};
use crate::store::organizations::RoleUse;

/// At most this many permission ids in one create or update.
const MAX_PERMISSIONS_PER_REQUEST: usize = 100;

#[derive(Deserialize, Default)]
#[serde(default)]
struct RoleBody {
    name: Option<String>,
    key: Option<String>,
    description: Option<String>,
    permissions: Option<Vec<String>>,
    #[allow(dead_code)] // Accepted: the emulated instance has one role set.
    include_in_initial_role_set: Option<bool>,
}

impl RoleBody {
    /// The change, its key and permission count checked.
    fn change(self) -> Result<RoleChange, ApiError> {
        if let Some(key) = &self.key {
            if !valid_role_key(key) {
                return Err(ApiError::param_format_invalid(
                    "key",
                    "key must start with 'org:' and contain only lowercase alphanumeric characters \
                     and underscores",
                ));
            }
        }
        if let Some(name) = &self.name {
            if name.trim().is_empty() {
                return Err(ApiError::param_missing("name"));
            }
        }
        if self
            .permissions
            .as_ref()
            .is_some_and(|ids| ids.len() > MAX_PERMISSIONS_PER_REQUEST)
        {
            return Err(ApiError::param_invalid(
                "permissions",
                format!("at most {MAX_PERMISSIONS_PER_REQUEST} permissions can be given"),
            ));
        }
        Ok(RoleChange {
            name: self.name,
            key: self.key,
            description: self.description,
            permissions: self.permissions,
        })
    }
}

fn refused(refusal: RoleRefusal) -> ApiError {
    match refusal {
        RoleRefusal::NotFound => ApiError::new(
            StatusCode::NOT_FOUND,
            "resource_not_found",
            "not found",
            "Organization role not found",
        ),
        RoleRefusal::PermissionNotFound(_) => ApiError::new(
            StatusCode::NOT_FOUND,
            "resource_not_found",
            "not found",
            "Organization permission not found",
        ),
        RoleRefusal::DuplicateKey => ApiError::new(
            StatusCode::BAD_REQUEST,
            "duplicate_record",
            "duplicate role key",
            "a role with this key already exists",
        ),
        RoleRefusal::AlreadyAssigned => ApiError::new(
            StatusCode::CONFLICT,
            "organization_role_permission_association_exists",
            "permission already assigned to role",
            "This organization permission is already associated to this organization role.",
        ),
        RoleRefusal::NotAssigned => ApiError::new(
            StatusCode::NOT_FOUND,
            "organization_role_permission_association_not_found",
            "permission not assigned to role",
            "This organization permission is not associated with the organization role.",
        ),
        RoleRefusal::QuotaExceeded => ApiError::new(
            StatusCode::FORBIDDEN,
            "organization_roles_quota_exceeded",
            "organization roles quota exceeded",
            format!("You have reached your limit of {MAX_ROLES} organization roles."),
        ),
    }
}

fn in_use(reason: RoleUse) -> ApiError {
    let (code, message, long) = match reason {
        RoleUse::CreatorRole => (
            "organization_role_default_creator_role",
            "role is used as the creator role",
            "The organization role cannot be deleted as it is currently used as the creator role.",
        ),
        RoleUse::DomainDefaultRole => (
            "organization_role_domain_default_role",
            "role is used as the domain default role",
            "The organization role cannot be deleted as it is currently used as the default domain role.",
        ),
        RoleUse::Members => (
            "organization_role_assigned_members",
            "role is assigned to organization members",
            "The organization role is currently assigned to one or more organization members.",
        ),
        RoleUse::Invitations => (
            "organization_role_exists_in_invitations",
            "role exists in pending organization invitations",
            "The organization role exists in one or more pending organization invitations. Please \
             revoke these invitations to proceed.",
        ),
    };
    ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, code, message, long)
}

fn answer(state: &AppState, role: &StoredRole) -> HttpResponse {
    json_response(StatusCode::OK, &state.orgs.roles().to_json(role))
}

/// `GET /v1/organization_roles` (`query` filters by name or key): always `{data, total_count}`,
/// newest first.
pub(crate) async fn list(state: Data<AppState>, req: HttpRequest) -> Result<HttpResponse, ApiError> {
    let paging = Paging::parse(req.query_string())?;
    let query = query_value(req.query_string(), "query");
    let roles = state.orgs.roles();
    let items = roles
        .list(query.as_deref())
        .iter()
        .map(|role| roles.to_json(role))
        .collect();
    Ok(paging.respond(items, true))
}

/// `POST /v1/organization_roles`: `name` and `key` required.
pub(crate) async fn create(state: Data<AppState>, body: Bytes) -> Result<HttpResponse, ApiError> {
    let body: RoleBody = parse_body(&body)?;
    if body.name.as_deref().is_none_or(|name| name.trim().is_empty()) {
        return Err(ApiError::param_missing("name"));
    }
    if body.key.is_none() {
        return Err(ApiError::param_missing("key"));
    }
    let change = body.change()?;
    let role = state
        .orgs
        .roles()
        .create(
            change.name.as_deref().unwrap_or_default(),
            change.key.as_deref().unwrap_or_default(),
            change.description,
            change.permissions.unwrap_or_default(),
        )
        .map_err(refused)?;
    Ok(answer(&state, &role))
}

/// `GET /v1/organization_roles/{organization_role_id}`.
pub(crate) async fn get(state: Data<AppState>, path: Path<String>) -> Result<HttpResponse, ApiError> {
    let role = state
        .orgs
        .roles()
        .get(&path.into_inner())
        .ok_or_else(|| refused(RoleRefusal::NotFound))?;
    Ok(answer(&state, &role))
}

/// `PATCH /v1/organization_roles/{organization_role_id}`: a new key carries over to the
/// members and invitations that had the old one.
pub(crate) async fn update(
    state: Data<AppState>,
    path: Path<String>,
    body: Bytes,
) -> Result<HttpResponse, ApiError> {
    let body: RoleBody = parse_body(&body)?;
    let (before, role) = state
        .orgs
        .roles()
        .update(&path.into_inner(), body.change()?)
        .map_err(refused)?;
    state.orgs.rename_role(&before.key, &role.key);
    Ok(answer(&state, &role))
}

/// `DELETE /v1/organization_roles/{organization_role_id}`: refused while the role is in use.
pub(crate) async fn delete(state: Data<AppState>, path: Path<String>) -> Result<HttpResponse, ApiError> {
    let id = path.into_inner();
    let roles = state.orgs.roles();
    let role = roles.get(&id).ok_or_else(|| refused(RoleRefusal::NotFound))?;
    if let Some(reason) = state.orgs.role_in_use(&role.key) {
        return Err(in_use(reason));
    }
    let role = roles.delete(&id).ok_or_else(|| refused(RoleRefusal::NotFound))?;
    Ok(json_response(
        StatusCode::OK,
        &json!({ "object": "role", "id": role.id, "deleted": true }),
    ))
}

/// `POST /v1/organization_roles/{organization_role_id}/permissions/{permission_id}`.
pub(crate) async fn assign_permission(
    state: Data<AppState>,
    path: Path<(String, String)>,
) -> Result<HttpResponse, ApiError> {
    let (role_id, permission_id) = path.into_inner();
    let role = state
        .orgs
        .roles()
        .assign(&role_id, &permission_id)
        .map_err(refused)?;
    Ok(answer(&state, &role))
}

/// `DELETE /v1/organization_roles/{organization_role_id}/permissions/{permission_id}`.
pub(crate) async fn remove_permission(
    state: Data<AppState>,
    path: Path<(String, String)>,
) -> Result<HttpResponse, ApiError> {
    let (role_id, permission_id) = path.into_inner();
    let role = state
        .orgs
        .roles()
        .remove(&role_id, &permission_id)
        .map_err(refused)?;
    Ok(answer(&state, &role))
}
