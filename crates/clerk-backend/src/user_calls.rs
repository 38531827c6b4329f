//! Request bodies of the users resource: [`CreateUser`] (`POST /v1/users`) and [`UpdateUser`]
//! (`PATCH /v1/users/{user_id}`), taken by the generated `users().create` and `users().update`
//! (their documented fields, and `Debug` hiding every secret, say more than the spec's
//! schema).

use std::fmt;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::redacted::Redacted;

/// The body of `POST /v1/users` ([`users().create`](crate::users::Users::create)):
/// only fields that are set are sent, so Clerk's defaults apply to the rest.
///
/// Its `Debug` shows which secrets are set, never their values: `password`,
/// `password_digest`, `totp_secret`, `backup_codes` and `private_metadata` print as
/// `"<redacted>"`.
///
/// Fields may be added as Clerk adds them: build it with `..Default::default()`.
///
/// # Examples
///
/// ```
/// use clerk_backend::CreateUser;
/// use serde_json::json;
///
/// let user = CreateUser {
///     email_address: vec!["ada@example.com".to_owned()],
///     external_id: Some("legacy-42".to_owned()),
///     private_metadata: Some(json!({"ssn": "000-00-0000"})),
///     ..Default::default()
/// };
/// assert!(!format!("{user:?}").contains("000-00-0000"));
/// ```
#[derive(Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct CreateUser {
    /// `external_id`: your own id for the user (unique across the instance).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub external_id: Option<String>,
    /// `first_name`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub first_name: Option<String>,
    /// `last_name`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_name: Option<String>,
    /// `locale`, e.g. `en-US`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub locale: Option<String>,
    /// `email_address`: the first becomes primary; each must be unique across the instance.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub email_address: Vec<String>,
    /// `phone_number`: the first becomes primary.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub phone_number: Vec<String>,
    /// `web3_wallet`: the first becomes primary.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub web3_wallet: Vec<String>,
    /// `username` (unique across the instance).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub username: Option<String>,
    /// `password`: plaintext, at least 8 characters (redacted in `Debug`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub password: Option<String>,
    /// `password_digest`: an existing digest, with `password_hasher` (redacted in `Debug`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub password_digest: Option<String>,
    /// `password_hasher`: the algorithm of `password_digest`, e.g. `bcrypt`, `argon2id`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub password_hasher: Option<String>,
    /// `skip_password_checks`: skip the password policy (for imports).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub skip_password_checks: Option<bool>,
    /// `skip_password_requirement`: allow a user without a password.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub skip_password_requirement: Option<bool>,
    /// `totp_secret`: enables TOTP with this secret (redacted in `Debug`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub totp_secret: Option<String>,
    /// `backup_codes`: enables backup codes (redacted in `Debug`).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub backup_codes: Vec<String>,
    /// `public_metadata`: a JSON object readable by the frontend and the backend.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub public_metadata: Option<Value>,
    /// `private_metadata`: a JSON object only the backend sees (redacted in `Debug`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub private_metadata: Option<Value>,
    /// `unsafe_metadata`: a JSON object the frontend may also write.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub unsafe_metadata: Option<Value>,
    /// `delete_self_enabled`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub delete_self_enabled: Option<bool>,
    /// `legal_accepted_at`: RFC 3339.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub legal_accepted_at: Option<String>,
    /// `skip_legal_checks`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub skip_legal_checks: Option<bool>,
    /// `skip_user_requirement`: do not enforce the instance's identification types.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub skip_user_requirement: Option<bool>,
    /// `create_organization_enabled`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub create_organization_enabled: Option<bool>,
    /// `create_organizations_limit` (0: unlimited).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub create_organizations_limit: Option<i64>,
    /// `created_at`: the sign-up time to record, RFC 3339 (for imports).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub created_at: Option<String>,
    /// `bypass_client_trust`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub bypass_client_trust: Option<bool>,
    /// `banned`: create the user already banned.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub banned: Option<bool>,
    /// `locked`: create the user already locked.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub locked: Option<bool>,
}

/// The body of `PATCH /v1/users/{id}` ([`users().update`](crate::users::Users::update)):
/// only fields that are set are sent; the rest stay as they are. Metadata is not part of it in
/// API version `2026-05-12`: use
/// [`users().update_metadata`](crate::users::Users::update_metadata).
///
/// Its `Debug` shows which secrets are set, never their values: `password`,
/// `password_digest`, `totp_secret` and `backup_codes` print as `"<redacted>"`.
///
/// Fields may be added as Clerk adds them: build it with `..Default::default()`.
///
/// # Examples
///
/// ```
/// use clerk_backend::UpdateUser;
///
/// let change = UpdateUser {
///     first_name: Some("Grace".to_owned()),
///     ..Default::default()
/// };
/// assert_eq!(serde_json::to_string(&change)?, r#"{"first_name":"Grace"}"#);
/// # Ok::<(), serde_json::Error>(())
/// ```
#[derive(Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct UpdateUser {
    /// `external_id`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub external_id: Option<String>,
    /// `first_name`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub first_name: Option<String>,
    /// `last_name`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_name: Option<String>,
    /// `locale`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub locale: Option<String>,
    /// `primary_email_address_id`: a verified `idn_…` of the user.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub primary_email_address_id: Option<String>,
    /// `notify_primary_email_address_changed`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub notify_primary_email_address_changed: Option<bool>,
    /// `primary_phone_number_id`: a verified `idn_…` of the user.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub primary_phone_number_id: Option<String>,
    /// `primary_web3_wallet_id`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub primary_web3_wallet_id: Option<String>,
    /// `username` (unique across the instance).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub username: Option<String>,
    /// `profile_image_id`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub profile_image_id: Option<String>,
    /// `password`: plaintext (redacted in `Debug`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub password: Option<String>,
    /// `password_digest` (redacted in `Debug`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub password_digest: Option<String>,
    /// `password_hasher`: the algorithm of `password_digest`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub password_hasher: Option<String>,
    /// `skip_password_checks`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub skip_password_checks: Option<bool>,
    /// `sign_out_of_other_sessions`: after a password change.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sign_out_of_other_sessions: Option<bool>,
    /// `totp_secret` (redacted in `Debug`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub totp_secret: Option<String>,
    /// `backup_codes` (redacted in `Debug`).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub backup_codes: Vec<String>,
    /// `delete_self_enabled`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub delete_self_enabled: Option<bool>,
    /// `create_organization_enabled`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub create_organization_enabled: Option<bool>,
    /// `legal_accepted_at`: RFC 3339.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub legal_accepted_at: Option<String>,
    /// `skip_legal_checks`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub skip_legal_checks: Option<bool>,
    /// `create_organizations_limit` (0: unlimited).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub create_organizations_limit: Option<i64>,
    /// `created_at`: RFC 3339.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub created_at: Option<String>,
    /// `bypass_client_trust`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub bypass_client_trust: Option<bool>,
}

impl fmt::Debug for CreateUser {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CreateUser")
            .field("external_id", &self.external_id)
            .field("first_name", &self.first_name)
            .field("last_name", &self.last_name)
            .field("locale", &self.locale)
            .field("email_address", &self.email_address)
            .field("phone_number", &self.phone_number)
            .field("web3_wallet", &self.web3_wallet)
            .field("username", &self.username)
            .field("password", &Redacted(self.password.is_some()))
            .field("password_digest", &Redacted(self.password_digest.is_some()))
            .field("password_hasher", &self.password_hasher)
            .field("skip_password_checks", &self.skip_password_checks)
            .field("skip_password_requirement", &self.skip_password_requirement)
            .field("totp_secret", &Redacted(self.totp_secret.is_some()))
            .field("backup_codes", &Redacted(!self.backup_codes.is_empty()))
            .field("public_metadata", &self.public_metadata)
            .field("private_metadata", &Redacted(self.private_metadata.is_some()))
            .field("unsafe_metadata", &self.unsafe_metadata)
            .field("delete_self_enabled", &self.delete_self_enabled)
            .field("legal_accepted_at", &self.legal_accepted_at)
            .field("skip_legal_checks", &self.skip_legal_checks)
            .field("skip_user_requirement", &self.skip_user_requirement)
            .field("create_organization_enabled", &self.create_organization_enabled)
            .field("create_organizations_limit", &self.create_organizations_limit)
            .field("created_at", &self.created_at)
            .field("bypass_client_trust", &self.bypass_client_trust)
            .field("banned", &self.banned)
            .field("locked", &self.locked)
            .finish()
    }
}

impl fmt::Debug for UpdateUser {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("UpdateUser")
            .field("external_id", &self.external_id)
            .field("first_name", &self.first_name)
            .field("last_name", &self.last_name)
            .field("locale", &self.locale)
            .field("primary_email_address_id", &self.primary_email_address_id)
            .field(
                "notify_primary_email_address_changed",
                &self.notify_primary_email_address_changed,
            )
            .field("primary_phone_number_id", &self.primary_phone_number_id)
            .field("primary_web3_wallet_id", &self.primary_web3_wallet_id)
            .field("username", &self.username)
            .field("profile_image_id", &self.profile_image_id)
            .field("password", &Redacted(self.password.is_some()))
            .field("password_digest", &Redacted(self.password_digest.is_some()))
            .field("password_hasher", &self.password_hasher)
            .field("skip_password_checks", &self.skip_password_checks)
            .field("sign_out_of_other_sessions", &self.sign_out_of_other_sessions)
            .field("totp_secret", &Redacted(self.totp_secret.is_some()))
            .field("backup_codes", &Redacted(!self.backup_codes.is_empty()))
            .field("delete_self_enabled", &self.delete_self_enabled)
            .field("create_organization_enabled", &self.create_organization_enabled)
            .field("legal_accepted_at", &self.legal_accepted_at)
            .field("skip_legal_checks", &self.skip_legal_checks)
            .field("create_organizations_limit", &self.create_organizations_limit)
            .field("created_at", &self.created_at)
            .field("bypass_client_trust", &self.bypass_client_trust)
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn only_set_fields_are_serialized() {
        assert_eq!(serde_json::to_value(CreateUser::default()).ok(), Some(json!({})));
        assert_eq!(serde_json::to_value(UpdateUser::default()).ok(), Some(json!({})));
        let create = CreateUser {
            email_address: vec!["a@example.com".to_owned()],
            skip_password_checks: Some(false),
            private_metadata: Some(json!({"k": 1})),
            ..CreateUser::default()
        };
        assert_eq!(
            serde_json::to_value(&create).ok(),
            Some(json!({
                "email_address": ["a@example.com"],
                "skip_password_checks": false,
                "private_metadata": {"k": 1},
            }))
        );
    }

    #[test]
    fn debug_redacts_secrets_and_private_metadata() {
        let create = CreateUser {
            password: Some("hunter2-secret".to_owned()),
            password_digest: Some("$2a$digest".to_owned()),
            totp_secret: Some("TOTPSECRET".to_owned()),
            backup_codes: vec!["code-1".to_owned()],
            private_metadata: Some(json!({"ssn": "000-00-0000"})),
            first_name: Some("Ada".to_owned()),
            ..CreateUser::default()
        };
        let shown = format!("{create:?}");
        for secret in [
            "hunter2-secret",
            "$2a$digest",
            "TOTPSECRET",
            "code-1",
            "000-00-0000",
        ] {
            assert!(!shown.contains(secret), "{secret} in {shown}");
        }
        assert!(shown.contains("Ada") && shown.contains("<redacted>"), "{shown}");

        let update = UpdateUser {
            password: Some("hunter2-secret".to_owned()),
            totp_secret: Some("TOTPSECRET".to_owned()),
            ..UpdateUser::default()
        };
        let shown = format!("{update:?}");
        assert!(
            !shown.contains("hunter2-secret") && !shown.contains("TOTPSECRET"),
            "{shown}"
        );
    }

    /// `users().update_metadata` takes the generated body: its `Debug` hides private metadata
    /// as the hand-written call's arguments never showed it.
    #[test]
    fn the_metadata_body_hides_private_metadata_in_debug() {
        let body = crate::users::UpdateUserMetadata {
            public_metadata: json!({"plan": "pro"}),
            private_metadata: json!({"ssn": "000-00-0000"}),
            ..Default::default()
        };
        let shown = format!("{body:?}");
        assert!(!shown.contains("000-00-0000"), "{shown}");
        assert!(shown.contains("pro") && shown.contains("<redacted>"), "{shown}");
        // Only what is set is sent.
        assert_eq!(
            serde_json::to_value(&body).ok(),
            Some(json!({"public_metadata": {"plan": "pro"}, "private_metadata": {"ssn": "000-00-0000"}}))
        );
    }
}
