//! The middleware that counts every request of the public listener.

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::middleware::Next;
use actix_web::web;
use clerk_actix::guards::AuthExt as _;

use super::{labels, Metrics};

/// Middleware recording every request by method, route *name* and status (never the raw method or
/// path), and its authentication outcome.
///
/// Routes are matched by their resource name ([`actix_web::HttpRequest::match_name`], which
/// borrows), so register them with `web::resource(path).name(path)` for a route label; requests no
/// named route matched are `unmatched`.
pub async fn track(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let metrics = req.app_data::<web::Data<Metrics>>().cloned();
    // The label index, not the method: an extension method's clone would allocate.
    let method = labels::method(req.method());
    let response = next.call(req).await;
    if let Some(metrics) = metrics {
        match &response {
            Ok(res) => {
                let request = res.request();
                metrics.count_request(method, request.match_name(), res.status().as_u16());
                // Signed in, this clones reference-counted handles only.
                if let Some(state) = request.clerk_request_state() {
                    metrics.record_request_state(&state);
                }
            }
            Err(err) => {
                let status = err.as_response_error().status_code().as_u16();
                metrics.count_request(method, None, status);
            }
        }
    }
    response
}
