//! `POST /v1/dev_browser`: a new development browser, what clerk-js asks for on load on a
//! development instance when it has no `__clerk_db_jwt` yet.

use actix_web::http::header::{HeaderValue, CACHE_CONTROL};
use actix_web::http::StatusCode;
use actix_web::web::Data;
use actix_web::HttpResponse;
use serde_json::json;

use crate::api::{json_response, ApiError, AppState};

/// Answers `{"id": "dvb_…"}` (no body is read). The id is a development browser like the ones
/// handshakes hand out: unbound until the browser signs in, then it names that client as
/// `__clerk_db_jwt`. A production instance has no development browsers: 404.
pub(crate) async fn create(state: Data<AppState>) -> Result<HttpResponse, ApiError> {
    if !state.browser.development {
        return Err(ApiError::not_found());
    }
    let id = state.browser.clients.new_dev_browser(None);
    let mut res = json_response(StatusCode::OK, &json!({ "id": id }));
    res.headers_mut()
        .insert(CACHE_CONTROL, HeaderValue::from_static("no-store"));
    Ok(res)
}
