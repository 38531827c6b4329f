//! The user object, in the full shape of Clerk's `GET /v1/users/{id}`.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// A JSON object (metadata).
pub type JsonObject = Map<String, Value>;

/// A verification, as nested in email addresses and phone numbers.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Verification {
    /// The discriminator, e.g. `verification_admin`, `verification_otp`.
    pub object: String,
    /// `verified`, `unverified`, …
    pub status: String,
    /// `admin`, `email_code`, …
    pub strategy: String,
    /// Attempts made, if any.
    pub attempts: Option<i64>,
    /// Expiry (ms), if any.
    pub expire_at: Option<i64>,
}

impl Verification {
    /// A verification done by an admin (what Backend API-created identifiers get).
    pub fn admin() -> Self {
        Self {
            object: "verification_admin".to_owned(),
            status: "verified".to_owned(),
            strategy: "admin".to_owned(),
            attempts: None,
            expire_at: None,
        }
    }
}

/// An email address of a user.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EmailAddress {
    /// `idn_…`.
    pub id: String,
    /// Always `email_address`.
    pub object: String,
    /// The address.
    pub email_address: String,
    /// Whether it is reserved.
    pub reserved: bool,
    /// Its verification.
    pub verification: Option<Verification>,
    /// Links to other identifications (`[{type, id}]`).
    pub linked_to: Vec<Value>,
    /// Whether it matches an SSO connection.
    pub matches_sso_connection: bool,
    /// Creation time (ms).
    pub created_at: i64,
    /// Last update (ms).
    pub updated_at: i64,
}

/// A phone number of a user.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PhoneNumber {
    /// `idn_…`.
    pub id: String,
    /// Always `phone_number`.
    pub object: String,
    /// The number, E.164.
    pub phone_number: String,
    /// Reserved for second factor.
    pub reserved_for_second_factor: bool,
    /// Default second factor.
    pub default_second_factor: bool,
    /// Whether it is reserved.
    pub reserved: bool,
    /// Its verification.
    pub verification: Option<Verification>,
    /// Links to other identifications.
    pub linked_to: Vec<Value>,
    /// Backup codes.
    pub backup_codes: Option<Vec<String>>,
    /// Creation time (ms).
    pub created_at: i64,
    /// Last update (ms).
    pub updated_at: i64,
}

/// A Clerk user, serialized with Clerk's keys in Clerk's order (`components/schemas/User`).
///
/// All timestamps are Unix milliseconds. `requires_password_reset` is an undocumented field
/// real responses carry; it is only emitted when the emulator is asked to
/// ([`crate::TestClerkBuilder::undocumented_user_fields`]).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct User {
    /// `user_` + 27 base62 characters.
    pub id: String,
    /// Always `user`.
    pub object: String,
    /// Username.
    pub username: Option<String>,
    /// First name.
    pub first_name: Option<String>,
    /// Last name.
    pub last_name: Option<String>,
    /// BCP-47 locale.
    pub locale: Option<String>,
    /// `https://img.clerk.com/…`.
    pub image_url: String,
    /// Whether the user uploaded an image.
    pub has_image: bool,
    /// `idn_…` of the primary email.
    pub primary_email_address_id: Option<String>,
    /// `idn_…` of the primary phone.
    pub primary_phone_number_id: Option<String>,
    /// Primary web3 wallet.
    pub primary_web3_wallet_id: Option<String>,
    /// Whether a password is set.
    pub password_enabled: bool,
    /// Two-factor enabled.
    pub two_factor_enabled: bool,
    /// TOTP enabled.
    pub totp_enabled: bool,
    /// Backup codes enabled.
    pub backup_code_enabled: bool,
    /// Email addresses.
    pub email_addresses: Vec<EmailAddress>,
    /// Phone numbers.
    pub phone_numbers: Vec<PhoneNumber>,
    /// Web3 wallets.
    pub web3_wallets: Vec<Value>,
    /// Passkeys.
    pub passkeys: Vec<Value>,
    /// OAuth accounts.
    pub external_accounts: Vec<Value>,
    /// SAML accounts.
    pub saml_accounts: Vec<Value>,
    /// Enterprise accounts.
    pub enterprise_accounts: Vec<Value>,
    /// Last password change (ms).
    pub password_last_updated_at: Option<i64>,
    /// Public metadata.
    pub public_metadata: JsonObject,
    /// Private metadata.
    pub private_metadata: JsonObject,
    /// Unsafe metadata.
    pub unsafe_metadata: JsonObject,
    /// Your own id for the user.
    pub external_id: Option<String>,
    /// Last sign-in (ms).
    pub last_sign_in_at: Option<i64>,
    /// Banned.
    pub banned: bool,
    /// Locked.
    pub locked: bool,
    /// Seconds until the lockout ends.
    pub lockout_expires_in_seconds: Option<i64>,
    /// Verification attempts left.
    pub verification_attempts_remaining: Option<i64>,
    /// Creation time (ms).
    pub created_at: i64,
    /// Last update (ms); strictly increases on every mutation.
    pub updated_at: i64,
    /// Whether the user may delete themselves.
    pub delete_self_enabled: bool,
    /// Bypass client trust.
    pub bypass_client_trust: bool,
    /// Whether the user may create organizations.
    pub create_organization_enabled: bool,
    /// Organization creation limit.
    pub create_organizations_limit: Option<i64>,
    /// Last activity (ms).
    pub last_active_at: Option<i64>,
    /// When MFA was enabled (ms).
    pub mfa_enabled_at: Option<i64>,
    /// When MFA was disabled (ms).
    pub mfa_disabled_at: Option<i64>,
    /// When the legal terms were accepted (ms).
    pub legal_accepted_at: Option<i64>,
    /// Undocumented; only emitted on request.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub requires_password_reset: Option<bool>,
    /// Deprecated image URL, still always sent.
    pub profile_image_url: String,
}

impl User {
    /// The primary email address, if any.
    pub fn primary_email(&self) -> Option<&str> {
        let id = self.primary_email_address_id.as_deref()?;
        self.email_addresses
            .iter()
            .find(|email| email.id == id)
            .map(|email| email.email_address.as_str())
    }
}

/// What to create a user with: the body of `POST /v1/users`, also usable directly with
/// [`crate::store::UserStore::create`].
///
/// # Examples
///
/// ```
/// use clerk_testkit::NewUser;
///
/// let new = NewUser::default()
///     .email("ada@example.com")
///     .first_name("Ada")
///     .public_metadata(serde_json::json!({"plan": "pro"}));
/// assert_eq!(new.email_address, ["ada@example.com"]);
/// ```
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(default)]
pub struct NewUser {
    /// The user's id (direct store use only): for fixtures that must be the same in two
    /// emulators. Defaults to a fresh `user_…` id.
    #[serde(skip)]
    pub id: Option<String>,
    /// Your own id.
    pub external_id: Option<String>,
    /// First name.
    pub first_name: Option<String>,
    /// Last name.
    pub last_name: Option<String>,
    /// Email addresses; the first becomes primary.
    pub email_address: Vec<String>,
    /// Phone numbers; the first becomes primary.
    pub phone_number: Vec<String>,
    /// Username.
    pub username: Option<String>,
    /// Password (only whether one is set is kept).
    pub password: Option<String>,
    /// Public metadata.
    pub public_metadata: Option<JsonObject>,
    /// Private metadata.
    pub private_metadata: Option<JsonObject>,
    /// Unsafe metadata.
    pub unsafe_metadata: Option<JsonObject>,
    /// Creation time override: Clerk accepts an RFC 3339 string; here also ms.
    #[serde(skip)]
    pub created_at: Option<i64>,
    /// Banned flag (direct store use only).
    #[serde(skip)]
    pub banned: bool,
    /// Last sign-in (direct store use only).
    #[serde(skip)]
    pub last_sign_in_at: Option<i64>,
    /// Last activity (direct store use only).
    #[serde(skip)]
    pub last_active_at: Option<i64>,
}

impl NewUser {
    /// Sets the user's id (see [`NewUser::id`](NewUser#structfield.id)).
    pub fn id(mut self, id: impl Into<String>) -> Self {
        self.id = Some(id.into());
        self
    }

    /// Adds an email address.
    pub fn email(mut self, email: impl Into<String>) -> Self {
        self.email_address.push(email.into());
        self
    }

    /// Adds a phone number.
    pub fn phone(mut self, phone: impl Into<String>) -> Self {
        self.phone_number.push(phone.into());
        self
    }

    /// Sets the first name.
    pub fn first_name(mut self, name: impl Into<String>) -> Self {
        self.first_name = Some(name.into());
        self
    }

    /// Sets the last name.
    pub fn last_name(mut self, name: impl Into<String>) -> Self {
        self.last_name = Some(name.into());
        self
    }

    /// Sets the username.
    pub fn username(mut self, username: impl Into<String>) -> Self {
        self.username = Some(username.into());
        self
    }

    /// Sets the external id.
    pub fn external_id(mut self, id: impl Into<String>) -> Self {
        self.external_id = Some(id.into());
        self
    }

    /// Sets a password (the user gets `password_enabled: true`).
    pub fn password(mut self, password: impl Into<String>) -> Self {
        self.password = Some(password.into());
        self
    }

    /// Sets public metadata (non-objects are ignored).
    pub fn public_metadata(mut self, value: Value) -> Self {
        self.public_metadata = as_object(value);
        self
    }

    /// Sets private metadata (non-objects are ignored).
    pub fn private_metadata(mut self, value: Value) -> Self {
        self.private_metadata = as_object(value);
        self
    }

    /// Sets unsafe metadata (non-objects are ignored).
    pub fn unsafe_metadata(mut self, value: Value) -> Self {
        self.unsafe_metadata = as_object(value);
        self
    }

    /// Sets `created_at` (ms).
    pub fn created_at(mut self, ms: i64) -> Self {
        self.created_at = Some(ms);
        self
    }

    /// Sets `banned`.
    pub fn banned(mut self, banned: bool) -> Self {
        self.banned = banned;
        self
    }

    /// Sets `last_sign_in_at` (ms).
    pub fn last_sign_in_at(mut self, ms: i64) -> Self {
        self.last_sign_in_at = Some(ms);
        self
    }

    /// Sets `last_active_at` (ms).
    pub fn last_active_at(mut self, ms: i64) -> Self {
        self.last_active_at = Some(ms);
        self
    }
}

/// A change to a user: the body of `PATCH /v1/users/{id}`. `None` leaves a field alone.
///
/// The metadata fields are accepted only for API versions before `2026-05-12` (they
/// replace the whole object); newer versions must use `PATCH /v1/users/{id}/metadata`.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(default)]
pub struct UserUpdate {
    /// Your own id.
    pub external_id: Option<String>,
    /// First name.
    pub first_name: Option<String>,
    /// Last name.
    pub last_name: Option<String>,
    /// Username.
    pub username: Option<String>,
    /// Which email becomes primary (`idn_…`).
    pub primary_email_address_id: Option<String>,
    /// Which phone becomes primary (`idn_…`).
    pub primary_phone_number_id: Option<String>,
    /// New password (sets `password_enabled`).
    pub password: Option<String>,
    /// Locale.
    pub locale: Option<String>,
    /// Whether the user may delete themselves.
    pub delete_self_enabled: Option<bool>,
    /// Whether the user may create organizations.
    pub create_organization_enabled: Option<bool>,
    /// Replaces public metadata (old API versions only).
    pub public_metadata: Option<JsonObject>,
    /// Replaces private metadata (old API versions only).
    pub private_metadata: Option<JsonObject>,
    /// Replaces unsafe metadata (old API versions only).
    pub unsafe_metadata: Option<JsonObject>,
    /// Banned flag (direct store use, and `POST /v1/users/{id}/ban` / `unban`).
    #[serde(skip)]
    pub banned: Option<bool>,
    /// Locked flag (direct store use, and `POST /v1/users/{id}/lock` / `unlock`); unlocking
    /// also clears `lockout_expires_in_seconds`.
    #[serde(skip)]
    pub locked: Option<bool>,
}

impl UserUpdate {
    /// Whether any metadata field is set.
    pub fn touches_metadata(&self) -> bool {
        self.public_metadata.is_some() || self.private_metadata.is_some() || self.unsafe_metadata.is_some()
    }
}

/// A metadata patch: the body of `PATCH /v1/users/{id}/metadata`, deep-merged into the
/// user's metadata; a `null` value deletes its key.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(default)]
pub struct MetadataPatch {
    /// Merged into public metadata.
    pub public_metadata: Option<JsonObject>,
    /// Merged into private metadata.
    pub private_metadata: Option<JsonObject>,
    /// Merged into unsafe metadata.
    pub unsafe_metadata: Option<JsonObject>,
}

fn as_object(value: Value) -> Option<JsonObject> {
    match value {
        Value::Object(map) => Some(map),
        _ => None,
    }
}

/// Deep-merges `patch` into `target`: objects merge recursively, `null` deletes the key,
/// anything else replaces.
pub(crate) fn deep_merge(target: &mut JsonObject, patch: &JsonObject) {
    for (key, value) in patch {
        match value {
            Value::Null => {
                target.remove(key);
            }
            Value::Object(inner) => match target.get_mut(key) {
                Some(Value::Object(existing)) => deep_merge(existing, inner),
                _ => {
                    let mut fresh = JsonObject::new();
                    deep_merge(&mut fresh, inner);
                    target.insert(key.clone(), Value::Object(fresh));
                }
            },
            other => {
                target.insert(key.clone(), other.clone());
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn deep_merge_merges_nested_objects_and_null_deletes() {
        let mut target = json!({"a": {"b": 1, "c": 2}, "d": 3, "e": 4});
        let patch = json!({"a": {"c": null, "x": {"y": null, "z": 1}}, "d": null, "f": [1]});
        if let (Value::Object(target), Value::Object(patch)) = (&mut target, &patch) {
            deep_merge(target, patch);
        }
        assert_eq!(target, json!({"a": {"b": 1, "x": {"z": 1}}, "e": 4, "f": [1]}));
    }
}
