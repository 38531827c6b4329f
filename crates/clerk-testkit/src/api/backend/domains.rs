//! `GET /v1/domains`: the instance's primary domain, whose `frontend_api_url` tells which
//! instance a secret key belongs to (the host its publishable key encodes).

use actix_web::http::StatusCode;
use actix_web::web::Data;
use actix_web::HttpResponse;
use serde_json::json;

use crate::api::{json_response, AppState};

/// `GET /v1/domains`: `{data: [the primary domain], total_count: 1}` (no satellites).
pub(crate) async fn list(state: Data<AppState>) -> HttpResponse {
    let key = &state.publishable_key;
    let host = key.frontend_api();
    // A production Frontend API is `clerk.{domain}`; a development instance has no domain of
    // its own, and Clerk names it by its Account Portal host.
    let name = match host.strip_prefix("clerk.") {
        Some(domain) => domain.to_owned(),
        None => key
            .account_portal_origin()
            .trim_start_matches("https://")
            .to_owned(),
    };
    let domain = json!({
        "object": "domain",
        "id": format!("dmn_{}", state.instance_id.trim_start_matches("ins_")),
        "name": name,
        "is_satellite": false,
        "frontend_api_url": format!("https://{host}"),
        "accounts_portal_url": key.account_portal_origin(),
        "proxy_url": null,
        "development_origin": "",
        "cname_targets": null,
    });
    json_response(StatusCode::OK, &json!({ "data": [domain], "total_count": 1 }))
}
