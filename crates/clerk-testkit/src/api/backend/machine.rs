//! Machine tokens: the verify endpoints (M2M tokens, API keys, OAuth access tokens) and the
//! create, list and revoke endpoints of API keys and M2M tokens, at the API root as Clerk's SDK
//! calls them (the verifications also under `/v1`, as the Python SDK calls them).

use std::time::Duration;

use actix_web::http::header::AUTHORIZATION;
use actix_web::http::StatusCode;
use actix_web::web::{Bytes, Data, Path, Query};
use actix_web::{HttpRequest, HttpResponse};
use serde::Deserialize;
use serde_json::{json, Value};

use crate::api::{json_response, parse_body, ApiError, AppState};
use crate::store::machine_tokens::{Machine, MachineToken, MachineTokenKind};

#[derive(Deserialize, Default)]
#[serde(default)]
struct VerifyBody {
    token: Option<String>,
    secret: Option<String>,
    access_token: Option<String>,
}

/// The machine whose secret key authenticated the request, if one did (the gate let it in).
fn calling_machine(state: &AppState, req: &HttpRequest) -> Option<Machine> {
    let value = req.headers().get(AUTHORIZATION)?.to_str().ok()?;
    let key = value.strip_prefix("Bearer ")?.trim();
    state.machine.machine_by_key(key)
}

fn not_found(kind: MachineTokenKind) -> ApiError {
    ApiError::new(
        StatusCode::NOT_FOUND,
        "resource_not_found",
        kind.not_found_message(),
        kind.not_found_message(),
    )
}

async fn verify(
    state: &AppState,
    req: &HttpRequest,
    body: &Bytes,
    kind: MachineTokenKind,
) -> Result<HttpResponse, ApiError> {
    let body: VerifyBody = parse_body(body)?;
    let (param, value) = match kind {
        MachineTokenKind::M2m => ("token", body.token),
        MachineTokenKind::ApiKey => ("secret", body.secret),
        // `secret` is the deprecated name of `access_token`.
        MachineTokenKind::OAuth => ("access_token", body.access_token.or(body.secret)),
    };
    let value = value
        .filter(|v| !v.is_empty())
        .ok_or_else(|| ApiError::param_missing(param))?;
    let token = state
        .machine
        .verify(kind, &value)
        .ok_or_else(|| not_found(kind))?;
    // With a machine secret key, only tokens granted access to that machine verify.
    if let Some(machine) = calling_machine(state, req) {
        if !token.scopes.contains(&machine.id) {
            return Err(not_found(kind));
        }
    }
    Ok(json_response(StatusCode::OK, &token.to_json()))
}

pub(crate) async fn verify_m2m(
    state: Data<AppState>,
    req: HttpRequest,
    body: Bytes,
) -> Result<HttpResponse, ApiError> {
    verify(&state, &req, &body, MachineTokenKind::M2m).await
}

pub(crate) async fn verify_api_key(
    state: Data<AppState>,
    req: HttpRequest,
    body: Bytes,
) -> Result<HttpResponse, ApiError> {
    verify(&state, &req, &body, MachineTokenKind::ApiKey).await
}

pub(crate) async fn verify_oauth(
    state: Data<AppState>,
    req: HttpRequest,
    body: Bytes,
) -> Result<HttpResponse, ApiError> {
    verify(&state, &req, &body, MachineTokenKind::OAuth).await
}

#[derive(Deserialize, Default)]
#[serde(default, deny_unknown_fields)]
struct CreateApiKey {
    #[serde(rename = "type")]
    key_type: Option<String>,
    name: Option<String>,
    description: Option<String>,
    subject: Option<String>,
    claims: Option<Value>,
    scopes: Vec<String>,
    created_by: Option<String>,
    seconds_until_expiration: Option<f64>,
}

fn has_id_shape(id: &str, prefixes: &[&str]) -> bool {
    prefixes.iter().any(|prefix| {
        id.strip_prefix(prefix).is_some_and(|rest| {
            rest.len() == 27 && rest.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')
        })
    })
}

fn lifetime(seconds: Option<f64>) -> Result<Option<Duration>, ApiError> {
    match seconds {
        None => Ok(None),
        Some(s) if s > 0.0 && s.is_finite() => Ok(Some(Duration::from_secs_f64(s))),
        Some(_) => Err(ApiError::param_invalid(
            "seconds_until_expiration",
            "seconds_until_expiration must be greater than 0",
        )),
    }
}

/// `POST /api_keys`.
pub(crate) async fn create_api_key(state: Data<AppState>, body: Bytes) -> Result<HttpResponse, ApiError> {
    let body: CreateApiKey = parse_body(&body)?;
    let name = body.name.ok_or_else(|| ApiError::param_missing("name"))?;
    if name.trim().len() < 3 || name.trim() != name {
        return Err(ApiError::param_invalid(
            "name",
            "name must be at least 3 characters, without leading or trailing spaces",
        ));
    }
    let subject = body.subject.ok_or_else(|| ApiError::param_missing("subject"))?;
    if !has_id_shape(&subject, &["user_", "org_", "mch_", "scim_"]) {
        return Err(ApiError::param_format_invalid(
            "subject",
            "subject must be a user, organization or machine id",
        ));
    }
    if body.key_type.as_deref().is_some_and(|t| t.len() < 3) {
        return Err(ApiError::param_invalid(
            "type",
            "type must be at least 3 characters",
        ));
    }
    let mut builder = state
        .machine
        .draft(MachineTokenKind::ApiKey, subject)
        .name(name)
        .scopes(body.scopes);
    if let Some(ttl) = lifetime(body.seconds_until_expiration)? {
        builder = builder.expires_in(ttl);
    }
    if let Some(claims) = body.claims.filter(|c| !c.is_null()) {
        builder = builder.claims(claims);
    }
    let mut key = builder.into_token();
    key.description = body.description;
    key.created_by = body.created_by;
    state.machine.store(key.clone());
    Ok(json_response(StatusCode::OK, &key.to_created_json()))
}

#[derive(Deserialize)]
pub(crate) struct ListQuery {
    subject: Option<String>,
    include_invalid: Option<String>,
    revoked: Option<String>,
    expired: Option<String>,
    limit: Option<usize>,
    offset: Option<usize>,
}

fn page(tokens: Vec<MachineToken>, query: &ListQuery) -> (Vec<Value>, usize) {
    let total = tokens.len();
    let data = tokens
        .iter()
        .skip(query.offset.unwrap_or(0))
        .take(query.limit.unwrap_or(10).clamp(1, 100))
        .map(MachineToken::to_json)
        .collect();
    (data, total)
}

/// `GET /api_keys?subject=…`.
pub(crate) async fn list_api_keys(
    state: Data<AppState>,
    query: Query<ListQuery>,
) -> Result<HttpResponse, ApiError> {
    let subject = query
        .subject
        .as_deref()
        .ok_or_else(|| ApiError::param_missing("subject"))?;
    let include = query.include_invalid.as_deref() == Some("true");
    let (data, total) = page(
        state.machine.list(MachineTokenKind::ApiKey, subject, include),
        &query,
    );
    Ok(json_response(
        StatusCode::OK,
        &json!({ "data": data, "total_count": total }),
    ))
}

#[derive(Deserialize, Default)]
#[serde(default, deny_unknown_fields)]
struct RevokeBody {
    revocation_reason: Option<String>,
}

fn revoke(
    state: &AppState,
    kind: MachineTokenKind,
    id: &str,
    body: &Bytes,
) -> Result<HttpResponse, ApiError> {
    let body: RevokeBody = parse_body(body)?;
    if state.machine.by_id(kind, id).is_none() {
        return Err(not_found(kind));
    }
    state
        .machine
        .revoke(id, body.revocation_reason.as_deref().unwrap_or(""));
    let token = state.machine.by_id(kind, id).ok_or_else(|| not_found(kind))?;
    Ok(json_response(StatusCode::OK, &token.to_json()))
}

/// `POST /api_keys/{id}/revoke`.
pub(crate) async fn revoke_api_key(
    state: Data<AppState>,
    id: Path<String>,
    body: Bytes,
) -> Result<HttpResponse, ApiError> {
    revoke(&state, MachineTokenKind::ApiKey, &id, &body)
}

#[derive(Deserialize, Default)]
#[serde(default, deny_unknown_fields)]
struct CreateM2mToken {
    token_format: Option<String>,
    seconds_until_expiration: Option<f64>,
    claims: Option<Value>,
    min_remaining_ttl_seconds: Option<u64>,
}

/// `POST /m2m_tokens`: only a machine secret key may create (Clerk's rule).
pub(crate) async fn create_m2m_token(
    state: Data<AppState>,
    req: HttpRequest,
    body: Bytes,
) -> Result<HttpResponse, ApiError> {
    let Some(machine) = calling_machine(&state, &req) else {
        return Err(ApiError::new(
            StatusCode::UNAUTHORIZED,
            "machine_secret_key_invalid",
            "Machine secret key required",
            "Creating M2M tokens must be authenticated with a machine secret key.",
        ));
    };
    let body: CreateM2mToken = parse_body(&body)?;
    let _ = body.min_remaining_ttl_seconds;
    let mut builder = state
        .machine
        .draft(MachineTokenKind::M2m, machine.id.clone())
        .scopes(machine.scopes.clone());
    // Without a lifetime, the machine's default.
    let ttl =
        lifetime(body.seconds_until_expiration)?.unwrap_or(Duration::from_secs(machine.default_token_ttl));
    builder = builder.expires_in(ttl);
    if let Some(claims) = body.claims.filter(|c| !c.is_null()) {
        builder = builder.claims(claims);
    }
    match body.token_format.as_deref().unwrap_or("opaque") {
        "opaque" => {
            let token = builder.into_token();
            state.machine.store(token.clone());
            Ok(json_response(StatusCode::CREATED, &token.to_created_json()))
        }
        "jwt" => {
            let token = builder.clone().into_token();
            let mut json = token.to_json();
            json["token"] = Value::String(builder.jwt());
            Ok(json_response(StatusCode::CREATED, &json))
        }
        _ => Err(ApiError::param_invalid(
            "token_format",
            "token_format must be opaque or jwt",
        )),
    }
}

/// `GET /m2m_tokens?subject=mch_…`: with a machine secret key, only that machine's tokens.
pub(crate) async fn list_m2m_tokens(
    state: Data<AppState>,
    req: HttpRequest,
    query: Query<ListQuery>,
) -> Result<HttpResponse, ApiError> {
    let subject = query
        .subject
        .as_deref()
        .ok_or_else(|| ApiError::param_missing("subject"))?;
    if calling_machine(&state, &req).is_some_and(|m| m.id != subject) {
        return Err(ApiError::new(
            StatusCode::FORBIDDEN,
            "authorization_invalid",
            "Unauthorized request",
            "A machine secret key can only list its own machine's tokens.",
        ));
    }
    let include = query.revoked.as_deref() == Some("true") || query.expired.as_deref() == Some("true");
    let (data, total) = page(
        state.machine.list(MachineTokenKind::M2m, subject, include),
        &query,
    );
    Ok(json_response(
        StatusCode::OK,
        &json!({ "m2m_tokens": data, "total_count": total }),
    ))
}

/// `POST /m2m_tokens/{id}/revoke`: with a machine secret key, only that machine's tokens.
pub(crate) async fn revoke_m2m_token(
    state: Data<AppState>,
    req: HttpRequest,
    id: Path<String>,
    body: Bytes,
) -> Result<HttpResponse, ApiError> {
    if let Some(machine) = calling_machine(&state, &req) {
        let owned = state
            .machine
            .by_id(MachineTokenKind::M2m, &id)
            .is_some_and(|t| t.subject == machine.id);
        if !owned {
            return Err(not_found(MachineTokenKind::M2m));
        }
    }
    revoke(&state, MachineTokenKind::M2m, &id, &body)
}

#[derive(Deserialize, Default)]
#[serde(default, deny_unknown_fields)]
struct CreateMachine {
    name: Option<String>,
    scoped_machines: Vec<String>,
    default_token_ttl: Option<u64>,
}

fn machine_json(machine: &Machine, instance_id: &str) -> Value {
    json!({
        "object": "machine",
        "id": machine.id,
        "name": machine.name,
        "instance_id": instance_id,
        "created_at": machine.created_at,
        "updated_at": machine.created_at,
        "default_token_ttl": machine.default_token_ttl,
    })
}

/// `POST /v1/machines`: a machine, with its secret key and the machines it may talk to.
pub(crate) async fn create_machine(state: Data<AppState>, body: Bytes) -> Result<HttpResponse, ApiError> {
    let body: CreateMachine = parse_body(&body)?;
    let name = body.name.ok_or_else(|| ApiError::param_missing("name"))?;
    if name.is_empty() || name.len() > 255 {
        return Err(ApiError::param_invalid(
            "name",
            "name must be 1 to 255 characters",
        ));
    }
    let ttl = body.default_token_ttl.unwrap_or(3600);
    if ttl == 0 {
        return Err(ApiError::param_invalid(
            "default_token_ttl",
            "default_token_ttl must be at least 1",
        ));
    }
    let mut scoped = Vec::new();
    for id in &body.scoped_machines {
        let target = state.machine.machine_by_id(id).ok_or_else(|| {
            ApiError::param_invalid(
                "scoped_machines",
                format!("{id} is not a machine of this instance"),
            )
        })?;
        scoped.push(target);
    }
    let machine = state.machine.register(&name, body.scoped_machines, ttl);
    let instance_id = state.store.instance_id();
    let mut json = machine_json(&machine, instance_id);
    json["scoped_machines"] = scoped.iter().map(|m| machine_json(m, instance_id)).collect();
    json["secret_key"] = Value::String(machine.secret_key.clone());
    Ok(json_response(StatusCode::OK, &json))
}
