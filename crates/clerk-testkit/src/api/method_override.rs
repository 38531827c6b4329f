//! The Frontend API's method override: a browser sends `PATCH`, `PUT` and `DELETE` as
//! `POST …?_method=PATCH` (clerk-js does, so that its cross-origin calls stay CORS "simple"
//! requests), and the route is chosen by the method it names. Backend API routes never are.

use actix_web::body::BoxBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::Method;
use actix_web::middleware::Next;

use super::frontend;

/// Routes a `POST` to a Frontend API route with a `_method` query parameter as that method.
/// Runs before the gate, so the call log records the method the route was chosen by.
pub(crate) async fn method_override(
    mut req: ServiceRequest,
    next: Next<BoxBody>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    if let Some(method) = overridden(&req) {
        req.head_mut().method = method;
    }
    next.call(req).await
}

/// The method a `POST` names in `_method` (`PATCH`, `PUT` or `DELETE`, any case), on a
/// Frontend API route only; `None` leaves the request as it is.
fn overridden(req: &ServiceRequest) -> Option<Method> {
    if req.method() != Method::POST {
        return None;
    }
    let route = req.match_pattern()?;
    if !frontend::owns_path(&route, req.headers()) {
        return None;
    }
    let (_, named) =
        url::form_urlencoded::parse(req.query_string().as_bytes()).find(|(k, _)| k == "_method")?;
    match named.to_ascii_uppercase().as_str() {
        "PATCH" => Some(Method::PATCH),
        "PUT" => Some(Method::PUT),
        "DELETE" => Some(Method::DELETE),
        _ => None,
    }
}
