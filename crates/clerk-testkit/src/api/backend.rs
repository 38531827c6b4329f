//! The Backend API route set: what a server calls with the instance's secret key (or, for the
//! M2M token calls, a machine's), including machine-token verification.

use actix_web::web::{self, ServiceConfig};

pub(crate) mod billing;
pub(crate) mod credentials;
pub(crate) mod domains;
pub(crate) mod identifications;
pub(crate) mod invitations;
pub(crate) mod lists;
pub(crate) mod machine;
pub(crate) mod organizations;
pub(crate) mod permissions;
pub(crate) mod refresh;
pub(crate) mod roles;
pub(crate) mod sessions;
pub(crate) mod templates;
pub(crate) mod testing_tokens;
pub(crate) mod tokens;
pub(crate) mod users;

use super::{handshake, jwks};

/// The Backend API JWKS route: authenticated, not rate limited.
pub(crate) const BAPI_JWKS: &str = "/v1/jwks";

/// Registers the Backend API routes.
pub(crate) fn routes(cfg: &mut ServiceConfig) {
    cfg.route(BAPI_JWKS, web::get().to(jwks::jwks))
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
        .route("/v1/sessions", web::post().to(sessions::create_session))
        .route("/v1/sessions/{session_id}", web::get().to(sessions::get_session))
        .route(
            "/v1/sessions/{session_id}/tokens",
            web::post().to(sessions::create_session_token),
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
        .route("/v1/domains", web::post().to(domains::add))
        .route("/v1/domains/{domain_id}", web::patch().to(domains::update))
        .route("/v1/domains/{domain_id}", web::delete().to(domains::delete))
        .route("/v1/jwt_templates", web::get().to(templates::list))
        .route("/v1/jwt_templates/{template_id}", web::get().to(templates::get))
        .route("/v1/organization_permissions", web::get().to(permissions::list))
        .route(
            "/v1/organization_permissions",
            web::post().to(permissions::create),
        )
        .route(
            "/v1/organization_permissions/{permission_id}",
            web::get().to(permissions::get),
        )
        .route(
            "/v1/organization_permissions/{permission_id}",
            web::patch().to(permissions::update),
        )
        .route(
            "/v1/organization_permissions/{permission_id}",
            web::delete().to(permissions::delete),
        )
        .route(
            "/v1/email_addresses",
            web::post().to(identifications::create_email),
        )
        .route(
            "/v1/email_addresses/{email_address_id}",
            web::get().to(identifications::get_email),
        )
        .route(
            "/v1/email_addresses/{email_address_id}",
            web::patch().to(identifications::update_email),
        )
        .route(
            "/v1/email_addresses/{email_address_id}",
            web::delete().to(identifications::delete_email),
        )
        .route("/v1/phone_numbers", web::post().to(identifications::create_phone))
        .route(
            "/v1/phone_numbers/{phone_number_id}",
            web::get().to(identifications::get_phone),
        )
        .route(
            "/v1/phone_numbers/{phone_number_id}",
            web::patch().to(identifications::update_phone),
        )
        .route(
            "/v1/phone_numbers/{phone_number_id}",
            web::delete().to(identifications::delete_phone),
        )
        .route("/v1/testing_tokens", web::post().to(testing_tokens::create))
        .route("/v1/billing/plans", web::get().to(billing::plans))
        .route(
            "/v1/billing/subscription_items",
            web::get().to(billing::subscription_items),
        )
        .route("/v1/billing/statements", web::get().to(billing::statements))
        .route(
            "/v1/billing/statements/{statement_id}",
            web::get().to(billing::statement),
        )
        .route(
            "/v1/billing/statements/{statement_id}/payment_attempts",
            web::get().to(billing::statement),
        )
        .route(
            "/v1/users/{user_id}/billing/subscription",
            web::get().to(billing::user_subscription),
        )
        .route(
            "/v1/organizations/{org_id}/billing/subscription",
            web::get().to(billing::organization_subscription),
        )
        .route("/v1/organization_roles", web::get().to(roles::list))
        .route("/v1/organization_roles", web::post().to(roles::create))
        .route(
            "/v1/organization_roles/{organization_role_id}",
            web::get().to(roles::get),
        )
        .route(
            "/v1/organization_roles/{organization_role_id}",
            web::patch().to(roles::update),
        )
        .route(
            "/v1/organization_roles/{organization_role_id}",
            web::delete().to(roles::delete),
        )
        .route(
            "/v1/organization_roles/{organization_role_id}/permissions/{permission_id}",
            web::post().to(roles::assign_permission),
        )
        .route(
            "/v1/organization_roles/{organization_role_id}/permissions/{permission_id}",
            web::delete().to(roles::remove_permission),
        )
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
        .route(
            "/v1/clients/handshake_payload",
            web::get().to(handshake::handshake_payload),
        )
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
        );
}
