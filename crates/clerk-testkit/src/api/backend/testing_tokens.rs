//! `POST /v1/testing_tokens`: a token a test passes to the Frontend API as
//! `__clerk_testing_token` to skip bot protection (which the emulator does not have), and when
//! it expires (Unix seconds).

use actix_web::http::StatusCode;
use actix_web::HttpResponse;
use serde_json::json;

use crate::api::json_response;
use crate::clock::now_secs;
use crate::ids::new_id;

/// How long a testing token lasts.
const LIFETIME_SECS: i64 = 60 * 60;

/// `POST /v1/testing_tokens`: `{object, token, expires_at}`, the token `{expires_at}-{random}`
/// as Clerk writes it.
pub(crate) async fn create() -> HttpResponse {
    let expires_at = now_secs() + LIFETIME_SECS;
    let random = new_id("");
    json_response(
        StatusCode::OK,
        &json!({
            "object": "testing_token",
            "token": format!("{expires_at}-{random}"),
            "expires_at": expires_at,
        }),
    )
}
