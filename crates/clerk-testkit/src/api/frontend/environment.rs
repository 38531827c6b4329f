//! `GET /v1/environment` and `PATCH /v1/environment` (clerk-js sends the latter as
//! `POST ?_method=PATCH` on load on a development instance): the instance's settings, in the
//! shape of the Frontend API spec's `Client.Environment`.
//!
//! Minimal for now: the authentication, display, organization, fraud, billing and API-key
//! sections with the values of a new instance that signs users in by email or username and
//! password. `user_settings` is not served yet (clerk-js then keeps its defaults); Clerk's
//! prebuilt components need it.

use actix_web::http::header::{HeaderValue, CACHE_CONTROL};
use actix_web::http::StatusCode;
use actix_web::web::Data;
use actix_web::{HttpRequest, HttpResponse};
use serde_json::{json, Value};

use crate::api::frontend::SIGN_IN;
use crate::api::{json_response, AppState};

/// The application name the display configuration carries.
const APPLICATION_NAME: &str = "Offline Clerk";

/// Answers the environment. The `Origin` a `PATCH` carries is not recorded: the offline
/// instance has nothing to update.
pub(crate) async fn get(state: Data<AppState>, req: HttpRequest) -> HttpResponse {
    let info = req.connection_info();
    let portal = format!("{}://{}", info.scheme(), info.host());
    let mut res = json_response(StatusCode::OK, &environment(&state, &portal));
    res.headers_mut()
        .insert(CACHE_CONTROL, HeaderValue::from_static("no-store"));
    res
}

/// The environment object; `portal` is the origin of the emulator's pages (the Account
/// Portal's stand-in), where the display configuration's URLs point.
fn environment(state: &AppState, portal: &str) -> Value {
    let development = state.browser.development;
    json!({
        "auth_config": auth_config(state, development),
        "display_config": display_config(state, development, portal),
        "organization_settings": {
            "enabled": true,
            "max_allowed_memberships": 0,
            "actions": { "admin_delete": true },
            "domains": { "enabled": false, "enrollment_modes": [], "default_role": "org:member" },
            "creator_role": "org:admin",
        },
        "fraud_settings": { "native": { "device_attestation_mode": "disabled" } },
        "commerce_settings": {
            "billing": {
                "stripe_publishable_key": null,
                "free_trial_requires_payment_method": false,
                "user": { "enabled": false, "has_paid_plans": false },
                "organization": { "enabled": false, "has_paid_plans": false },
            },
        },
        "api_keys_settings": { "enabled": false, "user_api_keys_enabled": false, "orgs_api_keys_enabled": false },
        "protect_config": { "loaders": [] },
        "client_debug_mode": false,
        "partitioned_cookies": false,
        "maintenance_mode": false,
    })
}

/// How users sign in: email address or username with a password, one session per browser as
/// on a new instance, URL-based dev-browser syncing on development.
fn auth_config(state: &AppState, development: bool) -> Value {
    json!({
        "object": "auth_config",
        "id": section_id(state, "aac_"),
        "first_name": "on",
        "last_name": "on",
        "email_address": "required",
        "phone_number": "off",
        "username": "on",
        "password": "required",
        "identification_requirements": [["email_address"], ["username"]],
        "identification_strategies": ["email_address", "username"],
        "first_factors": ["password"],
        "second_factors": [],
        "email_address_verification_strategies": ["email_code"],
        "single_session_mode": true,
        "enhanced_email_deliverability": false,
        "test_mode": development,
        "url_based_session_syncing": development,
        "claimed_at": null,
        "reverification": false,
        "native_settings": {
            "object": "native_settings",
            "api_enabled": false,
            "trusted_device_sign_in_enabled": false,
            "trusted_device_enrollment_prompt_after_sign_in_enabled": false,
            "trusted_device_enrollment_prompt_after_sign_up_enabled": false,
        },
    })
}

/// Names and URLs: sign-in goes to the emulator's sign-in page; every "after" URL and the
/// pages the emulator does not serve point at the portal's origin. No captcha, no images.
fn display_config(state: &AppState, development: bool, portal: &str) -> Value {
    let sign_in = format!("{portal}{SIGN_IN}");
    json!({
        "object": "display_config",
        "id": section_id(state, "display_config_"),
        "instance_environment_type": if development { "development" } else { "production" },
        "application_name": APPLICATION_NAME,
        "theme": {},
        "preferred_sign_in_strategy": "password",
        "home_url": portal,
        "sign_in_url": sign_in,
        "sign_up_url": sign_in,
        "user_profile_url": portal,
        "waitlist_url": portal,
        "oauth_consent_url": portal,
        "after_sign_in_url": portal,
        "after_sign_up_url": portal,
        "after_sign_out_one_url": portal,
        "after_sign_out_all_url": portal,
        "after_switch_session_url": portal,
        "after_join_waitlist_url": portal,
        "organization_profile_url": portal,
        "create_organization_url": portal,
        "after_leave_organization_url": portal,
        "after_create_organization_url": portal,
        "logo_link_url": portal,
        "support_email": null,
        "branded": false,
        "experimental_force_oauth_first": false,
        "clerk_js_version": null,
        "show_devmode_warning": development,
        "google_one_tap_client_id": null,
        "help_url": null,
        "privacy_policy_url": null,
        "terms_url": null,
        "logo_url": null,
        "favicon_url": null,
        "logo_image": null,
        "favicon_image": null,
        "captcha_public_key": null,
        "captcha_widget_type": null,
        "captcha_public_key_invisible": null,
        "captcha_provider": null,
        "captcha_oauth_bypass": [],
    })
}

/// A section's id: `prefix` and the instance id's random part, stable for the instance.
fn section_id(state: &AppState, prefix: &str) -> String {
    let random = state
        .instance_id
        .strip_prefix("ins_")
        .unwrap_or(&state.instance_id);
    format!("{prefix}{random}")
}
