//! `GET /npm/@clerk/{package}/dist/{file}`: the official Clerk browser packages (see
//! [`crate::npm`]), public like Clerk's CDN: no secret key, any origin.

use actix_web::http::header::{
    HeaderValue, ACCESS_CONTROL_ALLOW_ORIGIN, CACHE_CONTROL, CONTENT_TYPE, X_CONTENT_TYPE_OPTIONS,
};
use actix_web::web::{self, Data, Path};
use actix_web::HttpResponse;

use crate::api::{ApiError, AppState};
use crate::npm;

/// The file, or 404 `resource_not_found` (unknown package or version, a name that is not a
/// plain file of `dist/`, no directory configured, or a file that is not there).
pub(crate) async fn get(
    state: Data<AppState>,
    path: Path<(String, String)>,
) -> Result<HttpResponse, ApiError> {
    let (requested, file) = path.into_inner();
    let dir = state.npm_dir.as_deref().ok_or_else(ApiError::not_found)?;
    let full = npm::resolve(dir, &requested, &file).ok_or_else(ApiError::not_found)?;
    let body = web::block(move || std::fs::read(full))
        .await
        .ok()
        .and_then(Result::ok)
        .ok_or_else(ApiError::not_found)?;
    // The exact version never changes; the major version moves with the pin.
    let cache = if requested.contains('.') {
        "public, max-age=31536000, immutable"
    } else {
        "public, max-age=300"
    };
    let mut res = HttpResponse::Ok().body(body);
    let headers = res.headers_mut();
    headers.insert(CONTENT_TYPE, HeaderValue::from_static(npm::content_type(&file)));
    headers.insert(CACHE_CONTROL, HeaderValue::from_static(cache));
    headers.insert(X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    headers.insert(ACCESS_CONTROL_ALLOW_ORIGIN, HeaderValue::from_static("*"));
    Ok(res)
}
