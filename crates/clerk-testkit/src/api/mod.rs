//! The emulated HTTP surface: Backend API subset, JWKS, machine-token verification, and what
//! a browser calls (Frontend API, sign-in and sign-out pages, `/clerk.js`).

mod browser_session;
mod credentials;
mod domains;
mod error;
mod frontend_client;
mod gate;
mod handshake;
mod invitations;
mod lists;
mod machine;
mod misc;
mod organizations;
mod pages;
mod paging;
mod redirect;
mod refresh;
mod script;
mod sessions;
mod sign_in;
mod sign_out;
mod templates;
mod tokens;
mod users;

use std::sync::Arc;

use actix_web::web::{self, Bytes, Data};
use actix_web::{HttpMessage as _, HttpRequest};
use clerk_core::PublishableKey;
use serde::de::DeserializeOwned;

pub(crate) use error::{json_response, ApiError};
pub(crate) use gate::{
    ApiVersion, BAPI_JWKS, CLERK_JS, FAPI_CLIENT, FAPI_HANDSHAKE, FAPI_SESSION_TOKENS, PUBLIC_JWKS, SIGN_IN,
    SIGN_OUT,
};

use crate::browser::Browser;
use crate::calls::Calls;
use crate::faults::Faults;
use crate::identifier_lists::IdentifierLists;
use crate::invitations::Invitations;
use crate::jwt_templates::JwtTemplates;
use crate::keys::KeyRing;
use crate::machine::MachineTokens;
use crate::oauth_tokens::OAuthTokens;
use crate::org::Organizations;
use crate::ratelimit::Limiter;
use crate::store::UserStore;
use crate::tickets::Tickets;
use crate::token::TokenMinter;
use crate::webhooks::Origin;

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
    /// The instance's publishable key: its Frontend API host (`GET /v1/domains`).
    pub(crate) publishable_key: PublishableKey,
    pub(crate) invitations: Invitations,
    pub(crate) tickets: Tickets,
    pub(crate) templates: JwtTemplates,
    pub(crate) lists: IdentifierLists,
    pub(crate) oauth: OAuthTokens,
    pub(crate) orgs: Organizations,
    pub(crate) browser: Browser,
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
        .route(PUBLIC_JWKS, web::get().to(misc::jwks))
        .route(BAPI_JWKS, web::get().to(misc::jwks))
        .route("/v1/users", web::get().to(users::list))
        .route("/v1/users", web::post().to(users::create))
        .route("/v1/users/count", web::get().to(users::count))
        .route("/v1/users/{user_id}", web::get().to(users::get))
        .route("/v1/users/{user_id}", web::patch().to(users::update))
        .route("/v1/users/{user_id}", web::delete().to(users::delete))
        .route(
            "/v1/users/{user_id}/metadata",
            web::patch().to(users::update_metadata),
        )
        .route("/v1/users/{user_id}/ban", web::post().to(users::ban))
        .route("/v1/users/{user_id}/unban", web::post().to(users::unban))
        .route("/v1/users/{user_id}/lock", web::post().to(users::lock))
        .route("/v1/users/{user_id}/unlock", web::post().to(users::unlock))
        .route(
            "/v1/users/{user_id}/verify_password",
            web::post().to(credentials::verify_password),
        )
        .route(
            "/v1/users/{user_id}/oauth_access_tokens/{provider}",
            web::get().to(credentials::oauth_access_tokens),
        )
        .route("/v1/sessions", web::get().to(sessions::list))
        .route(
            "/v1/users/{user_id}/organization_memberships",
            web::get().to(organizations::list_user_memberships),
        )
        .route("/v1/organizations", web::get().to(organizations::list))
        .route("/v1/organizations", web::post().to(organizations::create))
        .route("/v1/organizations/{org_id}", web::get().to(organizations::get))
        .route(
            "/v1/organizations/{org_id}",
            web::patch().to(organizations::update),
        )
        .route(
            "/v1/organizations/{org_id}",
            web::delete().to(organizations::delete),
        )
        .route(
            "/v1/organizations/{org_id}/metadata",
            web::patch().to(organizations::update_metadata),
        )
        .route(
            "/v1/organizations/{org_id}/memberships",
            web::get().to(organizations::list_memberships),
        )
        .route(
            "/v1/organizations/{org_id}/memberships",
            web::post().to(organizations::create_membership),
        )
        .route(
            "/v1/organizations/{org_id}/memberships/{user_id}",
            web::patch().to(organizations::update_membership),
        )
        .route(
            "/v1/organizations/{org_id}/memberships/{user_id}",
            web::delete().to(organizations::delete_membership),
        )
        .route(
            "/v1/organizations/{org_id}/memberships/{user_id}/metadata",
            web::patch().to(organizations::update_membership_metadata),
        )
        .route(
            "/v1/organization_memberships",
            web::get().to(organizations::list_instance_memberships),
        )
        .route(
            "/v1/organizations/{org_id}/invitations",
            web::get().to(organizations::list_invitations),
        )
        .route(
            "/v1/organizations/{org_id}/invitations",
            web::post().to(organizations::create_invitation),
        )
        .route(
            "/v1/organizations/{org_id}/invitations/{invitation_id}",
            web::get().to(organizations::get_invitation),
        )
        .route(
            "/v1/organizations/{org_id}/invitations/{invitation_id}/revoke",
            web::post().to(organizations::revoke_invitation),
        )
        .route("/v1/sessions", web::post().to(misc::create_session))
        .route("/v1/sessions/{session_id}", web::get().to(misc::get_session))
        .route(
            "/v1/sessions/{session_id}/tokens",
            web::post().to(misc::create_session_token),
        )
        .route(
            "/v1/sessions/{session_id}/revoke",
            web::post().to(sessions::revoke),
        )
        .route(
            "/v1/sessions/{session_id}/tokens/{template_name}",
            web::post().to(sessions::create_template_token),
        )
        .route("/v1/invitations", web::get().to(invitations::list))
        .route("/v1/invitations", web::post().to(invitations::create))
        .route(
            "/v1/invitations/{invitation_id}/revoke",
            web::post().to(invitations::revoke),
        )
        .route("/v1/sign_in_tokens", web::post().to(tokens::create_sign_in))
        .route(
            "/v1/sign_in_tokens/{sign_in_token_id}/revoke",
            web::post().to(tokens::revoke_sign_in),
        )
        .route("/v1/actor_tokens", web::post().to(tokens::create_actor))
        .route(
            "/v1/actor_tokens/{actor_token_id}/revoke",
            web::post().to(tokens::revoke_actor),
        )
        .route("/v1/domains", web::get().to(domains::list))
        .route("/v1/jwt_templates", web::get().to(templates::list))
        .route("/v1/jwt_templates/{template_id}", web::get().to(templates::get))
        .route("/v1/allowlist_identifiers", web::get().to(lists::list_allow))
        .route("/v1/allowlist_identifiers", web::post().to(lists::add_allow))
        .route(
            "/v1/allowlist_identifiers/{identifier_id}",
            web::delete().to(lists::remove_allow),
        )
        .route("/v1/blocklist_identifiers", web::get().to(lists::list_block))
        .route("/v1/blocklist_identifiers", web::post().to(lists::add_block))
        .route(
            "/v1/blocklist_identifiers/{identifier_id}",
            web::delete().to(lists::remove_block),
        )
        .route(
            "/v1/sessions/{session_id}/refresh",
            web::post().to(refresh::refresh),
        )
        .route(FAPI_HANDSHAKE, web::get().to(handshake::handshake))
        .route(
            "/v1/clients/handshake_payload",
            web::get().to(handshake::handshake_payload),
        )
        .route(FAPI_CLIENT, web::get().to(frontend_client::get_client))
        .route(FAPI_SESSION_TOKENS, web::post().to(frontend_client::create_token))
        .route(SIGN_IN, web::get().to(sign_in::show))
        .route(SIGN_IN, web::post().to(sign_in::submit))
        .route(SIGN_OUT, web::get().to(sign_out::show))
        .route(SIGN_OUT, web::post().to(sign_out::submit))
        .route(CLERK_JS, web::get().to(script::clerk_js))
        .route("/m2m_tokens/verify", web::post().to(machine::verify_m2m))
        .route("/v1/m2m_tokens/verify", web::post().to(machine::verify_m2m))
        .route("/api_keys/verify", web::post().to(machine::verify_api_key))
        .route("/v1/api_keys/verify", web::post().to(machine::verify_api_key))
        .route(
            "/oauth_applications/access_tokens/verify",
            web::post().to(machine::verify_oauth),
        )
        .route(
            "/v1/oauth_applications/access_tokens/verify",
            web::post().to(machine::verify_oauth),
        )
        .route("/v1/machines", web::post().to(machine::create_machine))
        .route("/api_keys", web::post().to(machine::create_api_key))
        .route("/api_keys", web::get().to(machine::list_api_keys))
        .route("/api_keys/{id}/revoke", web::post().to(machine::revoke_api_key))
        .route("/m2m_tokens", web::post().to(machine::create_m2m_token))
        .route("/m2m_tokens", web::get().to(machine::list_m2m_tokens))
        .route(
            "/m2m_tokens/{id}/revoke",
            web::post().to(machine::revoke_m2m_token),
        )
        .default_service(web::to(misc::not_found))
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
