//! The emulated HTTP surface: two route sets on one app, the Backend API subset with JWKS and
//! machine-token verification ([`backend`]), and what a browser calls ([`frontend`]: Frontend
//! API, sign-in and sign-out pages, the official browser packages). Each route table registers
//! its handlers, which live in its directory (`backend/`, `frontend/`); what both use (the gate,
//! CORS, errors, paging, the handshake, JWKS, a browser's session and cookies) is here.

mod backend;
pub(crate) mod browser_cookies;
mod browser_session;
mod cors;
mod error;
mod frontend;
mod gate;
mod handshake;
mod jwks;
mod method_override;
mod paging;

use std::sync::Arc;

use actix_web::web::{self, Bytes, Data};
use actix_web::{HttpMessage as _, HttpRequest};
use serde::de::DeserializeOwned;

pub(crate) use error::{json_response, ApiError};
pub(crate) use frontend::{FAPI_HANDSHAKE, FAPI_SESSION_TOKENS, SIGN_IN, SIGN_OUT};
pub(crate) use gate::ApiVersion;

use crate::faults::calls::Calls;
use crate::faults::on_demand::Faults;
use crate::faults::rate_limit::Limiter;
use crate::instance::keys::KeyRing;
use crate::instance::minter::TokenMinter;
use crate::store::billing::Billing;
use crate::store::browser::Browser;
use crate::store::domains::Domains;
use crate::store::identifier_lists::IdentifierLists;
use crate::store::invitations::Invitations;
use crate::store::jwt_templates::JwtTemplates;
use crate::store::machine_tokens::MachineTokens;
use crate::store::oauth_tokens::OAuthTokens;
use crate::store::organization_permissions::OrganizationPermissions;
use crate::store::organizations::Organizations;
use crate::store::tickets::Tickets;
use crate::store::user_store::UserStore;
use crate::webhooks::delivery::Origin;

/// Everything the handlers share.
pub(crate) struct AppState {
    pub(crate) secret_key: String,
    pub(crate) keys: KeyRing,
    pub(crate) minter: TokenMinter,
    pub(crate) store: UserStore,
    pub(crate) faults: Faults,
    pub(crate) limiter: Arc<Limiter>,
    pub(crate) calls: Calls,
    pub(crate) machine: MachineTokens,
    /// `ins_…`, for objects that name their instance.
    pub(crate) instance_id: String,
    pub(crate) invitations: Invitations,
    pub(crate) tickets: Tickets,
    pub(crate) templates: JwtTemplates,
    pub(crate) lists: IdentifierLists,
    /// The seeded plans and the payers' subscriptions (the Billing reads).
    pub(crate) billing: Billing,
    /// The primary domain and the satellites (`/v1/domains`).
    pub(crate) domains: Domains,
    pub(crate) permissions: OrganizationPermissions,
    pub(crate) oauth: OAuthTokens,
    pub(crate) orgs: Organizations,
    pub(crate) browser: Browser,
    /// Where the official Clerk browser packages are unpacked ([`crate::npm`]), if given.
    pub(crate) npm_dir: Option<std::path::PathBuf>,
}

/// Builds the app: routes, the gate middleware, JSON 404 for unknown paths.
pub(crate) fn app(
    state: Data<AppState>,
) -> actix_web::App<
    impl actix_web::dev::ServiceFactory<
        actix_web::dev::ServiceRequest,
        Config = (),
        Response = actix_web::dev::ServiceResponse<actix_web::body::BoxBody>,
        Error = actix_web::Error,
        InitError = (),
    >,
> {
    actix_web::App::new()
        .app_data(state)
        .app_data(web::PayloadConfig::new(1 << 20))
        .wrap(actix_web::middleware::from_fn(gate::gate))
        .wrap(actix_web::middleware::from_fn(method_override::method_override))
        .wrap(actix_web::middleware::from_fn(cors::cors))
        // The Frontend API first: its routes on paths both APIs have are guarded (see frontend).
        .configure(frontend::routes)
        .configure(backend::routes)
        .default_service(web::to(not_found))
}

/// Parses a JSON body (empty = `{}`): syntax errors are 400 `request_body_invalid`, wrong
/// types 422 `form_param_format_invalid`.
pub(crate) fn parse_body<T: DeserializeOwned>(body: &Bytes) -> Result<T, ApiError> {
    let body: &[u8] = if body.iter().all(u8::is_ascii_whitespace) {
        b"{}"
    } else {
        body
    };
    serde_json::from_slice(body).map_err(|err| match err.classify() {
        serde_json::error::Category::Data => {
            ApiError::param_format_invalid("body", format!("a parameter is invalid: {err}"))
        }
        _ => ApiError::body_invalid(&err.to_string()),
    })
}

/// Who made the request, for `event_attributes.http_request`.
pub(crate) fn origin(req: &HttpRequest) -> Origin {
    Origin {
        client_ip: req
            .peer_addr()
            .map(|addr| addr.ip().to_string())
            .unwrap_or_else(|| "127.0.0.1".to_owned()),
        user_agent: req
            .headers()
            .get("user-agent")
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned(),
    }
}

/// The API version the gate stored.
pub(crate) fn version(req: &HttpRequest) -> ApiVersion {
    req.extensions()
        .get::<ApiVersion>()
        .cloned()
        .unwrap_or(ApiVersion(None))
}

async fn not_found() -> Result<actix_web::HttpResponse, ApiError> {
    Err(ApiError::not_found())
}
