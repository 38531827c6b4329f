//! The one middleware: records the call, applies faults, authenticates, checks the API
//! version and the rate limit.

use std::io;
use std::pin::Pin;
use std::task::{Context, Poll};

use actix_web::body::{BodySize, BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{HeaderMap, AUTHORIZATION};
use actix_web::middleware::Next;
use actix_web::web::{Bytes, Data};
use actix_web::{HttpMessage as _, HttpResponse, ResponseError as _};

use super::backend::BAPI_JWKS;
use super::error::ApiError;
use super::frontend::{self, PUBLIC_JWKS};
use super::AppState;
use crate::faults::calls::{redact, redact_query, RequestRecord, DROPPED, LOGGED_HEADERS};
use crate::faults::on_demand::Action;
use crate::store::machine_tokens::MachineTokens;

/// The `Clerk-API-Version` the request asked for, if any.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ApiVersion(pub(crate) Option<String>);

impl ApiVersion {
    /// Whether metadata is no longer accepted by `PATCH /v1/users/{id}` (2026-05-12+).
    pub(crate) fn metadata_via_patch_removed(&self) -> bool {
        self.0.as_deref().is_some_and(|v| v >= "2026-05-12")
    }
}

pub(crate) async fn gate(
    req: ServiceRequest,
    next: Next<BoxBody>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    let Some(state) = req.app_data::<Data<AppState>>().cloned() else {
        return next.call(req).await;
    };
    let route = req.match_pattern();
    let route_key = route.clone().unwrap_or_else(|| req.path().to_owned());
    let mut record = RequestRecord {
        method: req.method().as_str().to_owned(),
        route,
        path: req.path().to_owned(),
        query: redact_query(req.query_string()),
        status: DROPPED,
        headers: logged_headers(req.headers()),
    };
    let (latency, action) = state.faults.take(&record.method, &route_key);
    if !latency.is_zero() {
        actix_rt::time::sleep(latency).await;
    }
    let response = match action {
        Action::Drop => {
            state.calls.record(record);
            let dropped = HttpResponse::Ok().body(BoxBody::new(DropConnection));
            return Ok(req.into_response(dropped));
        }
        Action::Fail { status, retry_after } => {
            req.into_response(ApiError::fault(status, retry_after).error_response())
        }
        Action::Pass => match admit(&state, &req, &record.method, &route_key) {
            Err(err) => req.into_response(err.error_response()),
            Ok(version) => {
                req.extensions_mut().insert(version);
                next.call(req).await?
            }
        },
    };
    record.status = response.status().as_u16();
    state.calls.record(record);
    Ok(response)
}

fn admit(state: &AppState, req: &ServiceRequest, method: &str, route: &str) -> Result<ApiVersion, ApiError> {
    if route == PUBLIC_JWKS || frontend::serves(method, route, req.headers()) {
        proxied(req.headers(), &state.secret_key)?;
        return Ok(ApiVersion(None));
    }
    // A machine's secret key authenticates the M2M token calls (and only those).
    let machine_key = route.starts_with("/m2m_tokens") || route.starts_with("/v1/m2m_tokens");
    authenticate(
        req.headers(),
        &state.secret_key,
        machine_key.then_some(&state.machine),
    )?;
    let version = api_version(req)?;
    if route != BAPI_JWKS {
        state
            .limiter
            .check(&state.secret_key, false)
            .map_err(ApiError::too_many_requests)?;
        let user_update =
            method == "PATCH" && (route == "/v1/users/{user_id}" || route == "/v1/users/{user_id}/metadata");
        if user_update {
            let user_id = req.path().split('/').nth(3).unwrap_or_default();
            state
                .limiter
                .check(&format!("user:{user_id}"), true)
                .map_err(ApiError::too_many_requests)?;
        }
    }
    Ok(version)
}

/// A Frontend API call through a proxy (`Clerk-Proxy-Url`, as `@clerk/backend/proxy` and
/// clerk-actix's `FrontendApiProxy` send it) must carry the instance's secret key as
/// `Clerk-Secret-Key`, as Clerk requires of a proxy: a missing or wrong one is Clerk's
/// `clerk_key_invalid`. `Clerk-Secret-Key` is never a Backend API credential (only
/// `Authorization: Bearer sk_…` is). Issue 23.
fn proxied(headers: &HeaderMap, secret_key: &str) -> Result<(), ApiError> {
    if !headers.contains_key("clerk-proxy-url") {
        return Ok(());
    }
    let given = headers.get("clerk-secret-key").and_then(|v| v.to_str().ok());
    match given {
        Some(key) if key == secret_key => Ok(()),
        _ => Err(ApiError::clerk_key_invalid()),
    }
}

fn authenticate(
    headers: &HeaderMap,
    secret_key: &str,
    machines: Option<&MachineTokens>,
) -> Result<(), ApiError> {
    let value = headers
        .get(AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .ok_or_else(ApiError::authentication_invalid)?;
    let token = value
        .strip_prefix("Bearer ")
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .ok_or_else(ApiError::authentication_invalid)?;
    let machine = machines.is_some_and(|m| m.machine_by_key(token).is_some());
    if token != secret_key && !machine {
        return Err(ApiError::clerk_key_invalid());
    }
    Ok(())
}

/// `Clerk-API-Version` header or `__clerk_api_version` query parameter, never both.
fn api_version(req: &ServiceRequest) -> Result<ApiVersion, ApiError> {
    let header = match req.headers().get("clerk-api-version") {
        Some(value) => Some(
            value
                .to_str()
                .map_err(|_| ApiError::api_version_invalid("the header is not ASCII"))?
                .trim()
                .to_owned(),
        ),
        None => None,
    };
    let query: Vec<String> = url::form_urlencoded::parse(req.query_string().as_bytes())
        .filter(|(k, _)| k == "__clerk_api_version")
        .map(|(_, v)| v.into_owned())
        .collect();
    let version = match (header, query.as_slice()) {
        (Some(_), [_, ..]) => return Err(ApiError::api_version_invalid(
            "use either the Clerk-API-Version header or the __clerk_api_version query parameter, not both",
        )),
        (_, [_, _, ..]) => {
            return Err(ApiError::api_version_invalid(
                "__clerk_api_version given more than once",
            ))
        }
        (Some(v), []) => Some(v),
        (None, [v]) => Some(v.clone()),
        (None, []) => None,
    };
    if let Some(v) = &version {
        if !is_dated_version(v) {
            return Err(ApiError::api_version_invalid(&format!(
                "{v} is not a valid version (expected YYYY-MM-DD, e.g. 2026-05-12)"
            )));
        }
    }
    Ok(ApiVersion(version))
}

/// A real calendar date `YYYY-MM-DD` from the first version (2021-02-05) on.
pub(crate) fn is_dated_version(v: &str) -> bool {
    let parts: Vec<&str> = v.split('-').collect();
    let [y, m, d] = parts.as_slice() else {
        return false;
    };
    if y.len() != 4 || m.len() != 2 || d.len() != 2 {
        return false;
    }
    let (Ok(y), Ok(m), Ok(d)) = (y.parse::<u32>(), m.parse::<u32>(), d.parse::<u32>()) else {
        return false;
    };
    let leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    let days = match m {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if leap => 29,
        2 => 28,
        _ => return false,
    };
    (1..=days).contains(&d) && v >= "2021-02-05"
}

fn logged_headers(headers: &HeaderMap) -> Vec<(String, String)> {
    LOGGED_HEADERS
        .iter()
        .filter_map(|name| {
            let value = headers.get(*name)?.to_str().ok()?;
            Some(((*name).to_owned(), redact(name, value)))
        })
        .collect()
}

/// A body that fails on its first poll: actix-http then closes the connection without
/// writing the response head.
struct DropConnection;

impl MessageBody for DropConnection {
    type Error = io::Error;

    fn size(&self) -> BodySize {
        BodySize::Stream
    }

    fn poll_next(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<Option<Result<Bytes, Self::Error>>> {
        Poll::Ready(Some(Err(io::Error::new(
            io::ErrorKind::ConnectionAborted,
            "clerk-testkit: connection dropped on purpose",
        ))))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dated_versions() {
        for ok in ["2026-05-12", "2021-02-05", "2025-04-10", "2024-02-29"] {
            assert!(is_dated_version(ok), "{ok}");
        }
        for bad in [
            "2026-13-01",
            "2026-02-30",
            "latest",
            "2026-5-12",
            "2020-01-01",
            "",
        ] {
            assert!(!is_dated_version(bad), "{bad}");
        }
    }
}
