//! The instance's JSON Web Key Set, served on the Backend API (`GET /v1/jwks`) and publicly
//! (`GET /.well-known/jwks.json`).

use actix_web::http::StatusCode;
use actix_web::web::Data;
use actix_web::HttpResponse;

use super::{json_response, AppState};

pub(crate) async fn jwks(state: Data<AppState>) -> HttpResponse {
    #[derive(serde::Serialize)]
    struct Jwks {
        keys: Vec<crate::instance::keys::Jwk>,
    }
    json_response(
        StatusCode::OK,
        &Jwks {
            keys: state.keys.jwks(),
        },
    )
}
