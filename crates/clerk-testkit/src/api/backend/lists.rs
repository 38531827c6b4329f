//! `/v1/allowlist_identifiers` and `/v1/blocklist_identifiers`: list, add, remove.

use actix_web::http::StatusCode;
use actix_web::web::{Bytes, Data, Path};
use actix_web::{HttpRequest, HttpResponse};
use serde::Deserialize;
use serde_json::json;

use crate::api::paging::Paging;
use crate::api::{json_response, parse_body, ApiError, AppState};
use crate::store::identifier_lists::{identifier_type, ListKind};

#[derive(Deserialize, Default)]
#[serde(default)]
struct AddBody {
    identifier: Option<String>,
    notify: Option<bool>,
}

fn list(state: &AppState, req: &HttpRequest, kind: ListKind) -> Result<HttpResponse, ApiError> {
    let paging = Paging::parse(req.query_string())?;
    let items = state
        .lists
        .list(kind)
        .iter()
        .map(|entry| entry.to_json(&state.instance_id))
        .collect();
    // The block-list always answers `{data, total_count}` (its spec'd shape).
    Ok(paging.respond(items, kind == ListKind::Block))
}

fn add(state: &AppState, body: &Bytes, kind: ListKind) -> Result<HttpResponse, ApiError> {
    let body: AddBody = parse_body(body)?;
    let identifier = body
        .identifier
        .map(|i| i.trim().to_owned())
        .filter(|i| !i.is_empty())
        .ok_or_else(|| ApiError::param_missing("identifier"))?;
    let kind_of = identifier_type(&identifier).ok_or_else(|| {
        ApiError::param_format_invalid(
            "identifier",
            "identifier must be an email address, a phone number or a web3 wallet",
        )
    })?;
    if kind == ListKind::Allow && identifier.starts_with('@') {
        return Err(ApiError::param_format_invalid(
            "identifier",
            "the allow-list takes whole email addresses",
        ));
    }
    let _ = body.notify;
    let entry = state.lists.add(kind, &identifier, kind_of).map_err(|()| {
        let what = match kind {
            ListKind::Allow => "duplicate allowlist identifier",
            ListKind::Block => "duplicate blocklist identifier",
        };
        ApiError::new(
            StatusCode::BAD_REQUEST,
            "duplicate_record",
            what,
            format!("the identifier {identifier} already exists"),
        )
    })?;
    Ok(json_response(StatusCode::OK, &entry.to_json(&state.instance_id)))
}

fn remove(state: &AppState, id: &str, kind: ListKind) -> Result<HttpResponse, ApiError> {
    let entry = state.lists.remove(kind, id).ok_or_else(|| {
        ApiError::new(
            StatusCode::NOT_FOUND,
            "resource_not_found",
            "Identifier not found",
            format!("No identifier was found with id {id}"),
        )
    })?;
    Ok(json_response(
        StatusCode::OK,
        &json!({ "object": kind.object(), "id": entry.id, "deleted": true }),
    ))
}

/// `GET /v1/allowlist_identifiers`.
pub(crate) async fn list_allow(state: Data<AppState>, req: HttpRequest) -> Result<HttpResponse, ApiError> {
    list(&state, &req, ListKind::Allow)
}

/// `GET /v1/blocklist_identifiers`.
pub(crate) async fn list_block(state: Data<AppState>, req: HttpRequest) -> Result<HttpResponse, ApiError> {
    list(&state, &req, ListKind::Block)
}

/// `POST /v1/allowlist_identifiers`.
pub(crate) async fn add_allow(state: Data<AppState>, body: Bytes) -> Result<HttpResponse, ApiError> {
    add(&state, &body, ListKind::Allow)
}

/// `POST /v1/blocklist_identifiers`.
pub(crate) async fn add_block(state: Data<AppState>, body: Bytes) -> Result<HttpResponse, ApiError> {
    add(&state, &body, ListKind::Block)
}

/// `DELETE /v1/allowlist_identifiers/{id}`.
pub(crate) async fn remove_allow(
    state: Data<AppState>,
    path: Path<String>,
) -> Result<HttpResponse, ApiError> {
    remove(&state, &path.into_inner(), ListKind::Allow)
}

/// `DELETE /v1/blocklist_identifiers/{id}`.
pub(crate) async fn remove_block(
    state: Data<AppState>,
    path: Path<String>,
) -> Result<HttpResponse, ApiError> {
    remove(&state, &path.into_inner(), ListKind::Block)
}
