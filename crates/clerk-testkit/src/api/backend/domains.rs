//! `/v1/domains`: the instance's primary domain, whose `frontend_api_url` tells which instance a
//! secret key belongs to (the host its publishable key encodes), and its satellite domains
//! (add, update, delete).

use actix_web::http::StatusCode;
use actix_web::web::{Bytes, Data, Path};
use actix_web::HttpResponse;
use serde::{Deserialize, Deserializer};
use serde_json::json;

use crate::api::{json_response, parse_body, ApiError, AppState};
use crate::store::domains::{valid_name, DomainChange, DomainRefusal, MAX_SATELLITES};

#[derive(Deserialize, Default)]
#[serde(default)]
struct AddBody {
    name: Option<String>,
    is_satellite: Option<bool>,
    proxy_url: Option<String>,
}

#[derive(Deserialize, Default)]
#[serde(default, deny_unknown_fields)]
struct UpdateBody {
    name: Option<String>,
    /// Absent keeps the proxy URL, `null` clears it.
    #[serde(deserialize_with = "present")]
    proxy_url: Option<Option<String>>,
    #[allow(dead_code)] // Accepted: the emulated instance has one app.
    is_secondary: Option<bool>,
}

/// A field that is present (`Some`), its value possibly `null`.
fn present<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<Option<String>>, D::Error> {
    Option::<String>::deserialize(deserializer).map(Some)
}

fn refused(refusal: DomainRefusal) -> ApiError {
    match refusal {
        DomainRefusal::NotFound => ApiError::new(
            StatusCode::NOT_FOUND,
            "resource_not_found",
            "Domain not found",
            "No domain was found with this id",
        ),
        DomainRefusal::NameTaken => ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "home_url_taken",
            "Domain already in use",
            "The domain is already in use by this instance.",
        )
        .with_param("name"),
        DomainRefusal::PrimaryDomain => ApiError::new(
            StatusCode::FORBIDDEN,
            "operation_not_allowed_on_primary_domain",
            "operation not allowed",
            "This operation is not allowed on a primary domain. Try again with a satellite domain \
             of the instance.",
        ),
        DomainRefusal::DevelopmentInstance => ApiError::new(
            StatusCode::BAD_REQUEST,
            "domain_update_forbidden",
            "Domain update was forbidden",
            "Domain can be only updated for production instances",
        ),
        DomainRefusal::TooMany => ApiError::param_invalid(
            "name",
            format!("an instance can have at most {MAX_SATELLITES} satellite domains"),
        ),
    }
}

fn check_name(state: &AppState, name: &str) -> Result<(), ApiError> {
    if valid_name(name, state.domains.production()) {
        Ok(())
    } else {
        Err(ApiError::param_format_invalid(
            "name",
            "name must be a valid domain name (with a port only for development instances), \
             without a scheme",
        ))
    }
}

fn check_proxy_url(url: &str) -> Result<(), ApiError> {
    match url::Url::parse(url) {
        Ok(parsed) if parsed.scheme() == "https" && parsed.host_str().is_some() => Ok(()),
        _ => Err(ApiError::param_format_invalid(
            "proxy_url",
            "proxy_url must be a valid https URL",
        )),
    }
}

/// `GET /v1/domains`: `{data: [the primary domain, then the satellites], total_count}`.
pub(crate) async fn list(state: Data<AppState>) -> HttpResponse {
    let domains = state.domains.list();
    let total = domains.len();
    json_response(StatusCode::OK, &json!({ "data": domains, "total_count": total }))
}

/// `POST /v1/domains`: a satellite domain (`is_satellite` must be `true`: the instance has its
/// primary domain).
pub(crate) async fn add(state: Data<AppState>, body: Bytes) -> Result<HttpResponse, ApiError> {
    let body: AddBody = parse_body(&body)?;
    let name = body
        .name
        .filter(|name| !name.trim().is_empty())
        .ok_or_else(|| ApiError::param_missing("name"))?;
    match body.is_satellite {
        None => return Err(ApiError::param_missing("is_satellite")),
        Some(false) => {
            return Err(ApiError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "primary_domain_already_exists",
                "primary domain already exists",
                "Currently, only a single primary domain is supported and the current instance \
                 already has one. All new domains need to be set a satellites.",
            ))
        }
        Some(true) => {}
    }
    check_name(&state, &name)?;
    if let Some(url) = &body.proxy_url {
        check_proxy_url(url)?;
    }
    let domain = state.domains.add(&name, body.proxy_url).map_err(refused)?;
    Ok(json_response(StatusCode::OK, &domain))
}

/// `PATCH /v1/domains/{domain_id}`: production instances only; a satellite's name and proxy
/// URL, the primary's proxy URL.
pub(crate) async fn update(
    state: Data<AppState>,
    path: Path<String>,
    body: Bytes,
) -> Result<HttpResponse, ApiError> {
    let body: UpdateBody = parse_body(&body)?;
    if let Some(name) = &body.name {
        check_name(&state, name)?;
    }
    if let Some(Some(url)) = &body.proxy_url {
        check_proxy_url(url)?;
    }
    let change = DomainChange {
        name: body.name,
        proxy_url: body.proxy_url,
    };
    let domain = state
        .domains
        .update(&path.into_inner(), change)
        .map_err(refused)?;
    Ok(json_response(StatusCode::OK, &domain))
}

/// `DELETE /v1/domains/{domain_id}`: satellites only.
pub(crate) async fn delete(state: Data<AppState>, path: Path<String>) -> Result<HttpResponse, ApiError> {
    let id = state.domains.delete(&path.into_inner()).map_err(refused)?;
    Ok(json_response(
        StatusCode::OK,
        &json!({ "object": "domain", "id": id, "deleted": true }),
    ))
}
