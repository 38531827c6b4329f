//! No generated `Debug` shows a field whose name says it may hold a credential, unless the field
//! is listed below as known to hold none: a field Clerk adds later with such a name fails here
//! until it is redacted (`SECRET_FIELDS` in `xtask/src/calls.rs`) or listed.

use std::path::Path;

/// Names that may carry a credential or a one-time code.
fn suspicious(name: &str) -> bool {
    [
        "secret", "token", "password", "digest", "ticket", "code", "signing",
    ]
    .iter()
    .any(|word| name.contains(word))
        || name == "key"
        || name.ends_with("_key")
        || name == "url"
        || name.ends_with("_url")
}

/// Fields with such names that hold no credential: flags, counts, names of roles and sets,
/// public or configured URLs, error and country codes.
const SHOWN: &[&str] = &[
    // Flags, counts and settings.
    "backup_code_enabled",
    "password_enabled",
    "password_last_updated_at",
    "skip_password_checks",
    "skip_password_requirement",
    "preferred_sign_in_strategy_when_password_required",
    "custom_signing_key",
    "signing_algorithm",
    "oauth_jwt_access_tokens",
    "default_token_ttl",
    "previous_token_ttl",
    "token_format",
    "password_hasher",
    "code_type",
    "sign_out_of_other_sessions",
    "m2m_tokens",
    // Names and keys of roles, permissions, role sets and features (identifiers, not secrets).
    "key",
    "role_key",
    "to_role_key",
    "creator_role_key",
    "default_role_key",
    "dest_role_set_key",
    "initial_role_set_key",
    "role_set_key",
    "provider_key",
    "idempotency_key",
    // Answers' codes: an error's, a discount's, countries'.
    "code",
    "promo_code",
    "blocked_country_codes",
    // Public or configured URLs.
    "url",
    "accounts_portal_url",
    "acs_url",
    "auth_url",
    "authorize_url",
    "avatar_url",
    "callback_url",
    "client_image_url",
    "discovery_url",
    "endpoint_url",
    "frontend_api_url",
    "gateway_external_url",
    "home_url",
    "idp_metadata_url",
    "idp_sso_url",
    "image_url",
    "logo_public_url",
    "logo_url",
    "profile_image_url",
    "proxy_url",
    "redirect_url",
    "sp_metadata_url",
    "token_fetch_url",
    "token_introspection_url",
    "token_url",
    "user_info_url",
    "external_verification_redirect_url",
];

#[test]
fn no_generated_debug_shows_a_credential() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../crates/clerk-backend/src/generated");
    let mut shown = Vec::new();
    for entry in std::fs::read_dir(&dir).expect("the generated directory") {
        let path = entry.expect("an entry").path();
        let text = std::fs::read_to_string(&path).expect("a generated file");
        let mut current = "";
        for line in text.lines() {
            if let Some(rest) = line.trim().strip_prefix("impl std::fmt::Debug for ") {
                current = rest.trim_end_matches(" {");
            }
            // `.field("name", &self.name)`: shown as is (a redacted one is `&crate::redacted::…`).
            let Some(rest) = line.trim().strip_prefix(".field(\"") else {
                continue;
            };
            let Some((name, value)) = rest.split_once("\", ") else {
                continue;
            };
            if value.starts_with("&self.") && suspicious(name) && !SHOWN.contains(&name) {
                shown.push(format!("{current}.{name}"));
            }
        }
    }
    assert!(
        shown.is_empty(),
        "Debug shows fields that may hold a credential: {shown:?}"
    );
}

#[test]
fn a_newly_named_credential_is_caught() {
    assert!(suspicious("webhook_signing_secret"));
    assert!(suspicious("session_ticket"));
    assert!(suspicious("verification_code"));
    assert!(suspicious("private_key"));
    assert!(!suspicious("first_name"));
}
