//! Backend API user models (`GET /v1/users/{id}`, `GET /v1/users`, `user.*` webhooks).
//!
//! The models follow the 2026-05-12 spec (contract §1.1) and are tolerant of real payloads:
//! unknown fields are ignored, fields that older payloads omit default, and the verification
//! `object` discriminator is optional. Timestamps are Unix **milliseconds**.
//!
//! Serialization follows the spec: a required field is always written (`null` when it is
//! `None`); an optional field is written only when present. An optional-and-nullable field that
//! Clerk sends as `null` in practice (`locale`, `password_last_updated_at`,
//! `create_organizations_limit`, `backup_codes`, …) is always written.
//!
//! # Private data
//!
//! `private_metadata` is safe by type: [`User`]'s `Serialize` never writes it (read it with
//! [`User::private_metadata`]), so handing a `User` to `HttpResponse::json` or a template cannot
//! leak it. The one form that keeps it is [`StoredUser`] ([`User::for_storage`]), for the
//! server's own storage. `Debug` of every model here hides private metadata, email addresses and
//! phone numbers.
//!
//! [`PublicUser`] is the smaller view to hand to clients: identity, contact details and public
//! metadata, without unsafe metadata, external accounts or second-factor details.

use std::fmt;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::api::{string_enum, ClerkApiError, OrganizationMembership};
use crate::redact::debug_as_redacted_json;

/// A Clerk user, as the Backend API and `user.created`/`user.updated` webhooks send it.
///
/// # Examples
///
/// ```
/// use clerk_core::User;
///
/// let json = r#"{"id":"user_1","object":"user","first_name":"Ada","last_name":"Lovelace",
///   "primary_email_address_id":"idn_1","public_metadata":{},"private_metadata":{"k":"v"},
///   "email_addresses":[{"id":"idn_1","object":"email_address","email_address":"ada@example.com",
///     "reserved":false,"verification":{"status":"verified","strategy":"email_code",
///     "attempts":1,"expire_at":null},"linked_to":[],"created_at":1,"updated_at":1}],
///   "created_at":1,"updated_at":2}"#;
/// let user: User = serde_json::from_str(json)?;
/// assert_eq!(user.primary_email(), Some("ada@example.com"));
/// assert_eq!(user.full_name().as_deref(), Some("Ada Lovelace"));
///
/// // Private metadata is for the server: never serialized, never in `Debug`.
/// assert_eq!(user.private_metadata().unwrap()["k"], "v");
/// assert!(!serde_json::to_string(&user)?.contains("private_metadata"));
/// assert!(!format!("{user:?}").contains("ada@example.com"));
///
/// // The storage form keeps everything and reads back as the same user.
/// let stored = serde_json::to_value(user.for_storage())?;
/// assert_eq!(serde_json::from_value::<User>(stored)?, user);
/// # Ok::<(), serde_json::Error>(())
/// ```
#[derive(Clone, PartialEq, Serialize, Deserialize)]
pub struct User {
    /// `user_…`
    pub id: String,
    /// Always `user`.
    #[serde(default)]
    pub object: String,
    /// Username, if usernames are enabled and set.
    #[serde(default)]
    pub username: Option<String>,
    /// First name.
    #[serde(default)]
    pub first_name: Option<String>,
    /// Last name.
    #[serde(default)]
    pub last_name: Option<String>,
    /// BCP-47 locale.
    #[serde(default)]
    pub locale: Option<String>,
    /// Avatar URL (`https://img.clerk.com/…`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub image_url: Option<String>,
    /// Whether the user uploaded an avatar (or one came from a provider).
    #[serde(default)]
    pub has_image: bool,
    /// Id of the primary [`EmailAddress`].
    #[serde(default)]
    pub primary_email_address_id: Option<String>,
    /// Id of the primary [`PhoneNumber`].
    #[serde(default)]
    pub primary_phone_number_id: Option<String>,
    /// Id of the primary [`Web3Wallet`].
    #[serde(default)]
    pub primary_web3_wallet_id: Option<String>,
    /// Whether the user has a password.
    #[serde(default)]
    pub password_enabled: bool,
    /// Whether any second factor is enabled.
    #[serde(default)]
    pub two_factor_enabled: bool,
    /// Whether TOTP is enabled.
    #[serde(default)]
    pub totp_enabled: bool,
    /// Whether backup codes are enabled.
    #[serde(default)]
    pub backup_code_enabled: bool,
    /// Email addresses.
    #[serde(default)]
    pub email_addresses: Vec<EmailAddress>,
    /// Phone numbers.
    #[serde(default)]
    pub phone_numbers: Vec<PhoneNumber>,
    /// Web3 wallets.
    #[serde(default)]
    pub web3_wallets: Vec<Web3Wallet>,
    /// Passkeys.
    #[serde(default)]
    pub passkeys: Vec<Passkey>,
    /// OAuth accounts (`external_account`, or the legacy `google_account` shape in webhooks).
    #[serde(default)]
    pub external_accounts: Vec<ExternalAccount>,
    /// SAML accounts.
    #[serde(default)]
    pub saml_accounts: Vec<SamlAccount>,
    /// Enterprise SSO accounts.
    #[serde(default)]
    pub enterprise_accounts: Vec<EnterpriseAccount>,
    /// Organization memberships; absent from a plain `GET /users/{id}`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub organization_memberships: Option<Vec<OrganizationMembership>>,
    /// Last password change, ms.
    #[serde(default)]
    pub password_last_updated_at: Option<i64>,
    /// Metadata readable by the frontend, writable by the backend.
    #[serde(default)]
    pub public_metadata: Map<String, Value>,
    /// Backend-only metadata: read with [`User::private_metadata`]; `Serialize` skips it.
    #[serde(default, skip_serializing)]
    private_metadata: Option<Map<String, Value>>,
    /// Metadata the frontend may write. Do not trust it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unsafe_metadata: Option<Map<String, Value>>,
    /// Your own id for this user.
    #[serde(default)]
    pub external_id: Option<String>,
    /// Last sign-in, ms.
    #[serde(default)]
    pub last_sign_in_at: Option<i64>,
    /// Whether the user is banned.
    #[serde(default)]
    pub banned: bool,
    /// Whether the user is locked out.
    #[serde(default)]
    pub locked: bool,
    /// Whether the user was deprovisioned by a directory (`false` when the payload omits it,
    /// as Clerk's SDK reads it). Serialized only when `true`: the Backend API may leave it out,
    /// and a re-serialized user (the `_raw` of server-side props) must not add it (issue 29).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub deprovisioned: bool,
    /// Seconds until the lockout ends; `None` while locked means it never ends.
    #[serde(default)]
    pub lockout_expires_in_seconds: Option<i64>,
    /// Verification attempts left before lockout.
    #[serde(default)]
    pub verification_attempts_remaining: Option<i64>,
    /// Creation, ms.
    pub created_at: i64,
    /// Last update, ms.
    pub updated_at: i64,
    /// Whether the user may delete their own account.
    #[serde(default)]
    pub delete_self_enabled: bool,
    /// Whether the user may bypass client trust checks.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bypass_client_trust: Option<bool>,
    /// Whether the user may create organizations.
    #[serde(default)]
    pub create_organization_enabled: bool,
    /// How many organizations the user may create (0 = unlimited).
    #[serde(default)]
    pub create_organizations_limit: Option<i64>,
    /// Last activity, ms.
    #[serde(default)]
    pub last_active_at: Option<i64>,
    /// When MFA was enabled, ms (not cleared when it is disabled).
    #[serde(default)]
    pub mfa_enabled_at: Option<i64>,
    /// When MFA was disabled, ms.
    #[serde(default)]
    pub mfa_disabled_at: Option<i64>,
    /// When the user accepted the legal terms, ms.
    #[serde(default)]
    pub legal_accepted_at: Option<i64>,
    /// Not in the spec, but observed in real responses (Jan 2026).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub requires_password_reset: Option<bool>,
    /// Deprecated: use [`User::image_url`]. Still sent by Clerk.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub profile_image_url: Option<String>,
    /// Directory linkage; only in `user.*` webhooks for directory-provisioned users.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scim: Option<ScimUserMetadata>,
}

impl User {
    /// The primary email address, if any.
    pub fn primary_email_address(&self) -> Option<&EmailAddress> {
        let id = self.primary_email_address_id.as_deref()?;
        self.email_addresses
            .iter()
            .find(|email| email.id.as_deref() == Some(id))
    }

    /// The primary email address as a string, if any.
    pub fn primary_email(&self) -> Option<&str> {
        self.primary_email_address()
            .map(|email| email.email_address.as_str())
    }

    /// The primary phone number, if any.
    pub fn primary_phone_number(&self) -> Option<&PhoneNumber> {
        let id = self.primary_phone_number_id.as_deref()?;
        self.phone_numbers
            .iter()
            .find(|phone| phone.id.as_deref() == Some(id))
    }

    /// The primary Web3 wallet, if any.
    pub fn primary_web3_wallet(&self) -> Option<&Web3Wallet> {
        let id = self.primary_web3_wallet_id.as_deref()?;
        self.web3_wallets
            .iter()
            .find(|wallet| wallet.id.as_deref() == Some(id))
    }

    /// `"{first} {last}"` trimmed, or `None` when both are empty (Clerk's `fullName`).
    pub fn full_name(&self) -> Option<String> {
        let first = self.first_name.as_deref().unwrap_or("");
        let last = self.last_name.as_deref().unwrap_or("");
        let full = format!("{first} {last}");
        let full = full.trim();
        (!full.is_empty()).then(|| full.to_owned())
    }

    /// Backend-only metadata, as Clerk sent it (`None` when the payload had none).
    ///
    /// The server's to read: `Serialize` and `Debug` of [`User`] leave it out.
    pub fn private_metadata(&self) -> Option<&Map<String, Value>> {
        self.private_metadata.as_ref()
    }

    /// The full-fidelity form, private metadata included, for the server's own storage (a
    /// database cache). It deserializes back into an equal [`User`].
    pub fn for_storage(&self) -> StoredUser<'_> {
        StoredUser {
            user: self,
            private_metadata: self.private_metadata.as_ref(),
        }
    }

    /// The public view of this user, without private or unsafe metadata.
    pub fn to_public(&self) -> PublicUser {
        PublicUser::from(self)
    }
}

/// A [`User`] that serializes with every field, **`private_metadata` included** (the user's own,
/// and that of its organization memberships and their organizations): the form for the server's
/// own storage, never for a client. Build it with [`User::for_storage`].
///
/// Its JSON is the Backend API shape, so `serde_json::from_value::<User>` reads it back
/// whole. `Debug` is [`User`]'s (redacted).
#[derive(Clone, Copy)]
pub struct StoredUser<'a> {
    user: &'a User,
    private_metadata: Option<&'a Map<String, Value>>,
}

impl Serialize for StoredUser<'_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::Error as _;
        let mut value = serde_json::to_value(self.user).map_err(S::Error::custom)?;
        if let Value::Object(user) = &mut value {
            if let Some(private) = self.private_metadata {
                user.insert("private_metadata".to_owned(), Value::Object(private.clone()));
            }
            let memberships = self.user.organization_memberships.as_deref().unwrap_or_default();
            if let Some(Value::Array(items)) = user.get_mut("organization_memberships") {
                for (membership, item) in memberships.iter().zip(items.iter_mut()) {
                    restore_membership(membership, item);
                }
            }
        }
        value.serialize(serializer)
    }
}

/// Puts back into a membership's JSON what its public `Serialize` left out: its own and its
/// organization's `private_metadata`.
fn restore_membership(membership: &OrganizationMembership, item: &mut Value) {
    let Value::Object(item) = item else { return };
    if let Some(private) = membership.private_metadata() {
        item.insert("private_metadata".to_owned(), Value::Object(private.clone()));
    }
    if let Some(private) = membership.organization.get("private_metadata") {
        if let Some(Value::Object(org)) = item.get_mut("organization") {
            org.insert("private_metadata".to_owned(), private.clone());
        }
    }
}

impl fmt::Debug for StoredUser<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self.user, f)
    }
}

/// An email address of a [`User`].
#[derive(Clone, PartialEq, Serialize, Deserialize)]
pub struct EmailAddress {
    /// `idn_…`
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// Always `email_address`.
    #[serde(default)]
    pub object: String,
    /// The address.
    pub email_address: String,
    /// Whether the address is reserved.
    #[serde(default)]
    pub reserved: bool,
    /// How (and whether) the address was verified.
    #[serde(default)]
    pub verification: Option<Verification>,
    /// Identifications this address is linked to (e.g. an OAuth account).
    #[serde(default)]
    pub linked_to: Vec<LinkedTo>,
    /// Whether the address matches an SSO connection.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub matches_sso_connection: Option<bool>,
    /// Creation, ms (0 when the payload omits it).
    #[serde(default)]
    pub created_at: i64,
    /// Last update, ms (0 when the payload omits it).
    #[serde(default)]
    pub updated_at: i64,
}

impl EmailAddress {
    /// Whether the verification status is `verified`.
    pub fn is_verified(&self) -> bool {
        is_verified(self.verification.as_ref())
    }
}

/// A phone number of a [`User`].
#[derive(Clone, PartialEq, Serialize, Deserialize)]
pub struct PhoneNumber {
    /// `idn_…`
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// Always `phone_number`.
    #[serde(default)]
    pub object: String,
    /// The number, E.164.
    pub phone_number: String,
    /// Whether the number is reserved for second factor.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reserved_for_second_factor: Option<bool>,
    /// Whether it is the default second factor.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub default_second_factor: Option<bool>,
    /// Whether the number is reserved.
    #[serde(default)]
    pub reserved: bool,
    /// How (and whether) the number was verified.
    #[serde(default)]
    pub verification: Option<Verification>,
    /// Identifications this number is linked to.
    #[serde(default)]
    pub linked_to: Vec<LinkedTo>,
    /// Backup codes, when just generated.
    #[serde(default)]
    pub backup_codes: Option<Vec<String>>,
    /// Creation, ms (0 when the payload omits it).
    #[serde(default)]
    pub created_at: i64,
    /// Last update, ms (0 when the payload omits it).
    #[serde(default)]
    pub updated_at: i64,
}

impl PhoneNumber {
    /// Whether the verification status is `verified`.
    pub fn is_verified(&self) -> bool {
        is_verified(self.verification.as_ref())
    }
}

/// A Web3 wallet of a [`User`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Web3Wallet {
    /// `idn_…`
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// Always `web3_wallet`.
    #[serde(default)]
    pub object: String,
    /// The wallet address.
    pub web3_wallet: String,
    /// How (and whether) the wallet was verified.
    #[serde(default)]
    pub verification: Option<Verification>,
    /// Creation, ms (0 when the payload omits it).
    #[serde(default)]
    pub created_at: i64,
    /// Last update, ms (0 when the payload omits it).
    #[serde(default)]
    pub updated_at: i64,
}

/// A passkey of a [`User`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Passkey {
    /// `idn_…`
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// Always `passkey`.
    #[serde(default)]
    pub object: String,
    /// Display name.
    #[serde(default)]
    pub name: String,
    /// Last use, ms.
    #[serde(default)]
    pub last_used_at: i64,
    /// The passkey verification.
    #[serde(default)]
    pub verification: Option<Verification>,
}

/// An OAuth account of a [`User`] (`ExternalAccountWithVerification`).
///
/// `user.*` webhooks may send the legacy shape: `object: "google_account"`, an `idn_…` id and
/// the extra `google_id`, `given_name`, `family_name`, `picture` and `external_account_id`
/// fields. Both shapes parse; fields the legacy shape lacks are `None`.
#[derive(Clone, PartialEq, Serialize, Deserialize)]
pub struct ExternalAccount {
    /// `external_account`, or `google_account`/`facebook_account` in legacy payloads.
    #[serde(default)]
    pub object: String,
    /// `eac_…` (or `idn_…` in the legacy shape).
    pub id: String,
    /// e.g. `oauth_google`.
    #[serde(default)]
    pub provider: String,
    /// The identification id, `idn_…`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub identification_id: Option<String>,
    /// The user's id at the provider.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub provider_user_id: Option<String>,
    /// Space-separated OAuth scopes granted.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub approved_scopes: Option<String>,
    /// Email at the provider.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email_address: Option<String>,
    /// Whether the provider verified that email.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email_address_verified: Option<bool>,
    /// First name at the provider.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub first_name: Option<String>,
    /// Last name at the provider.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_name: Option<String>,
    /// Deprecated: use `image_url`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub avatar_url: Option<String>,
    /// Avatar URL.
    #[serde(default)]
    pub image_url: Option<String>,
    /// Username at the provider.
    #[serde(default)]
    pub username: Option<String>,
    /// Phone number at the provider.
    #[serde(default)]
    pub phone_number: Option<String>,
    /// Metadata readable by the frontend.
    #[serde(default)]
    pub public_metadata: Map<String, Value>,
    /// Label.
    #[serde(default)]
    pub label: Option<String>,
    /// Creation, ms (0 when the payload omits it).
    #[serde(default)]
    pub created_at: i64,
    /// Last update, ms (0 when the payload omits it).
    #[serde(default)]
    pub updated_at: i64,
    /// The OAuth verification.
    #[serde(default)]
    pub verification: Option<Verification>,
    /// Legacy `google_account` shape: the Google user id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub google_id: Option<String>,
    /// Legacy shape: first name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub given_name: Option<String>,
    /// Legacy shape: last name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub family_name: Option<String>,
    /// Legacy shape: avatar URL.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub picture: Option<String>,
    /// Legacy shape: the `eac_…` id of the account.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub external_account_id: Option<String>,
}

/// A SAML account of a [`User`].
#[derive(Clone, PartialEq, Serialize, Deserialize)]
pub struct SamlAccount {
    /// `samlacc_…`
    pub id: String,
    /// Always `saml_account`.
    #[serde(default)]
    pub object: String,
    /// e.g. `saml_okta`.
    #[serde(default)]
    pub provider: String,
    /// Whether the account is active.
    #[serde(default)]
    pub active: bool,
    /// Email at the identity provider.
    #[serde(default)]
    pub email_address: String,
    /// First name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub first_name: Option<String>,
    /// Last name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_name: Option<String>,
    /// The user's id at the identity provider.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub provider_user_id: Option<String>,
    /// Last authentication, ms.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_authenticated_at: Option<i64>,
    /// Metadata readable by the frontend.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub public_metadata: Option<Map<String, Value>>,
    /// The SAML verification.
    #[serde(default)]
    pub verification: Option<Verification>,
    /// The SAML connection.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub saml_connection: Option<SamlConnection>,
}

/// The SAML connection of a [`SamlAccount`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SamlConnection {
    /// `samlc_…`
    pub id: String,
    /// Display name.
    #[serde(default)]
    pub name: String,
    /// Deprecated: use `domains`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub domain: Option<String>,
    /// Email domains of the connection.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub domains: Option<Vec<String>>,
    /// Whether the connection is active.
    #[serde(default)]
    pub active: bool,
    /// e.g. `saml_okta`.
    #[serde(default)]
    pub provider: String,
    /// Whether user attributes sync on sign-in.
    #[serde(default)]
    pub sync_user_attributes: bool,
    /// Whether subdomains are allowed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub allow_subdomains: Option<bool>,
    /// Whether IdP-initiated flows are allowed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub allow_idp_initiated: Option<bool>,
    /// Whether extra identifications are disabled.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub disable_additional_identifications: Option<bool>,
    /// Creation, ms.
    #[serde(default)]
    pub created_at: i64,
    /// Last update, ms.
    #[serde(default)]
    pub updated_at: i64,
}

/// An enterprise SSO account of a [`User`].
#[derive(Clone, PartialEq, Serialize, Deserialize)]
pub struct EnterpriseAccount {
    /// `eacc_…`
    pub id: String,
    /// Always `enterprise_account`.
    #[serde(default)]
    pub object: String,
    /// `oauth` or `saml`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub protocol: Option<String>,
    /// The provider.
    #[serde(default)]
    pub provider: String,
    /// Whether the account is active.
    #[serde(default)]
    pub active: bool,
    /// Email at the identity provider.
    #[serde(default)]
    pub email_address: String,
    /// First name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub first_name: Option<String>,
    /// Last name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_name: Option<String>,
    /// The user's id at the identity provider.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub provider_user_id: Option<String>,
    /// The enterprise connection id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub enterprise_connection_id: Option<String>,
    /// Metadata readable by the frontend.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub public_metadata: Option<Map<String, Value>>,
    /// The verification.
    #[serde(default)]
    pub verification: Option<Verification>,
    /// The enterprise connection.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub enterprise_connection: Option<EnterpriseConnection>,
    /// Last authentication, ms.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_authenticated_at: Option<i64>,
}

/// The connection of an [`EnterpriseAccount`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EnterpriseConnection {
    /// Connection id.
    pub id: String,
    /// `oauth` or `saml`.
    #[serde(default)]
    pub protocol: String,
    /// The provider.
    #[serde(default)]
    pub provider: String,
    /// Display name.
    #[serde(default)]
    pub name: String,
    /// Public logo URL.
    #[serde(default)]
    pub logo_public_url: Option<String>,
    /// Deprecated: use `domains`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub domain: Option<String>,
    /// Email domains of the connection.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub domains: Option<Vec<String>>,
    /// Whether the connection is active.
    #[serde(default)]
    pub active: bool,
    /// Whether user attributes sync on sign-in.
    #[serde(default)]
    pub sync_user_attributes: bool,
    /// Whether subdomains are allowed.
    #[serde(default)]
    pub allow_subdomains: bool,
    /// Whether IdP-initiated flows are allowed.
    #[serde(default)]
    pub allow_idp_initiated: bool,
    /// Whether extra identifications are disabled.
    #[serde(default)]
    pub disable_additional_identifications: bool,
    /// Creation, ms.
    #[serde(default)]
    pub created_at: i64,
    /// Last update, ms.
    #[serde(default)]
    pub updated_at: i64,
}

/// Directory (SCIM) linkage of a [`User`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ScimUserMetadata {
    /// The directory id.
    pub directory_id: String,
    /// Whether the directory is enabled.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub directory_enabled: Option<bool>,
    /// The user's id in the directory.
    #[serde(default)]
    pub external_id: Option<String>,
}

/// A link from an identification to another (`linked_to: [{type, id}]`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LinkedTo {
    /// e.g. `oauth_google`.
    #[serde(rename = "type")]
    pub link_type: String,
    /// The linked identification's id.
    pub id: String,
}

string_enum! {
    /// The status of a [`Verification`].
    pub enum VerificationStatus {
        /// `unverified`
        Unverified => "unverified",
        /// `verified`
        Verified => "verified",
        /// `failed`
        Failed => "failed",
        /// `expired`
        Expired => "expired",
        /// `transferable` (SAML and OAuth sign-ups that can move to another flow).
        Transferable => "transferable",
    }
}

/// How an identification was verified: one struct for every spec variant.
///
/// The `object` discriminator (`verification_otp`, `verification_oauth`, …) is optional because
/// payloads before about October 2025 leave it out; dispatch on [`Verification::strategy`]
/// when it is missing. Variant-specific fields are `None` when absent.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Verification {
    /// `verification_otp`, `verification_oauth`, …; absent in older payloads.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub object: Option<String>,
    /// The status.
    pub status: VerificationStatus,
    /// e.g. `email_code`, `oauth_google`, `from_oauth_google`, `admin`, `passkey`.
    pub strategy: String,
    /// Attempts made.
    #[serde(default)]
    pub attempts: Option<i64>,
    /// When the verification expires, ms.
    #[serde(default)]
    pub expire_at: Option<i64>,
    /// The OAuth or SAML error, if the verification failed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<ClerkApiError>,
    /// Redirect URL to complete an OAuth/SAML verification.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub external_verification_redirect_url: Option<String>,
    /// Web3/passkey nonce.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nonce: Option<String>,
    /// Web3/passkey message.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    /// OTP channel (e.g. `sms`, `whatsapp`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub channel: Option<String>,
    /// Client that completed the verification.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub verified_at_client: Option<String>,
}

impl Verification {
    /// Whether the status is `verified`.
    pub fn is_verified(&self) -> bool {
        self.status == VerificationStatus::Verified
    }
}

fn is_verified(verification: Option<&Verification>) -> bool {
    verification.is_some_and(Verification::is_verified)
}

/// The public view of a [`User`]: safe to send to the user's browser or other clients.
///
/// It has **no field** for private or unsafe metadata, backup codes or external accounts, so
/// it cannot leak them. ([`User`]'s own `Serialize` also leaves private metadata out; this view
/// is smaller still, and shaped for clients: `verified` flags, the primary email as a string.)
/// Build it with [`User::to_public`] or `PublicUser::from(&user)`. Serializes snake_case, like
/// Clerk.
#[derive(Clone, PartialEq, Serialize, Deserialize)]
pub struct PublicUser {
    /// `user_…`
    pub id: String,
    /// First name.
    pub first_name: Option<String>,
    /// Last name.
    pub last_name: Option<String>,
    /// Username.
    pub username: Option<String>,
    /// Avatar URL.
    pub image_url: Option<String>,
    /// Whether the user has an avatar.
    pub has_image: bool,
    /// The primary email address.
    pub primary_email_address: Option<String>,
    /// All email addresses with their verification status.
    pub email_addresses: Vec<PublicEmailAddress>,
    /// All phone numbers with their verification status.
    pub phone_numbers: Vec<PublicPhoneNumber>,
    /// Metadata readable by the frontend.
    pub public_metadata: Map<String, Value>,
    /// Creation, ms.
    pub created_at: i64,
    /// Last update, ms.
    pub updated_at: i64,
    /// Last sign-in, ms.
    pub last_sign_in_at: Option<i64>,
    /// Last activity, ms.
    pub last_active_at: Option<i64>,
    /// Whether the user is banned.
    pub banned: bool,
    /// Whether the user is locked out.
    pub locked: bool,
    /// Your own id for this user.
    pub external_id: Option<String>,
}

/// An email address in a [`PublicUser`].
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PublicEmailAddress {
    /// `idn_…`
    pub id: Option<String>,
    /// The address.
    pub email_address: String,
    /// Whether it is verified.
    pub verified: bool,
    /// Clerk's verification status (`verified`, `unverified`, …); `None` without verification.
    pub verification_status: Option<String>,
}

/// A phone number in a [`PublicUser`].
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PublicPhoneNumber {
    /// `idn_…`
    pub id: Option<String>,
    /// The number, E.164.
    pub phone_number: String,
    /// Whether it is verified.
    pub verified: bool,
    /// Clerk's verification status; `None` without verification.
    pub verification_status: Option<String>,
}

impl From<&User> for PublicUser {
    fn from(user: &User) -> Self {
        let status = |verification: Option<&Verification>| {
            verification.map(|verification| verification.status.as_str().to_owned())
        };
        Self {
            id: user.id.clone(),
            first_name: user.first_name.clone(),
            last_name: user.last_name.clone(),
            username: user.username.clone(),
            image_url: user.image_url.clone(),
            has_image: user.has_image,
            primary_email_address: user.primary_email().map(str::to_owned),
            email_addresses: user
                .email_addresses
                .iter()
                .map(|email| PublicEmailAddress {
                    id: email.id.clone(),
                    email_address: email.email_address.clone(),
                    verified: email.is_verified(),
                    verification_status: status(email.verification.as_ref()),
                })
                .collect(),
            phone_numbers: user
                .phone_numbers
                .iter()
                .map(|phone| PublicPhoneNumber {
                    id: phone.id.clone(),
                    phone_number: phone.phone_number.clone(),
                    verified: phone.is_verified(),
                    verification_status: status(phone.verification.as_ref()),
                })
                .collect(),
            public_metadata: user.public_metadata.clone(),
            created_at: user.created_at,
            updated_at: user.updated_at,
            last_sign_in_at: user.last_sign_in_at,
            last_active_at: user.last_active_at,
            banned: user.banned,
            locked: user.locked,
            external_id: user.external_id.clone(),
        }
    }
}

impl From<User> for PublicUser {
    fn from(user: User) -> Self {
        Self::from(&user)
    }
}

// `Debug` prints the public JSON with email addresses and phone numbers hidden.
debug_as_redacted_json!(
    User,
    EmailAddress,
    PhoneNumber,
    ExternalAccount,
    SamlAccount,
    EnterpriseAccount,
    PublicUser,
    PublicEmailAddress,
    PublicPhoneNumber,
);

#[cfg(test)]
mod tests {
    use super::*;

    fn user(first: Option<&str>, last: Option<&str>) -> User {
        let mut user: User =
            serde_json::from_str(r#"{"id":"user_1","created_at":1,"updated_at":2}"#).unwrap();
        user.first_name = first.map(str::to_owned);
        user.last_name = last.map(str::to_owned);
        user
    }

    #[test]
    fn full_name_trims_and_drops_empty() {
        assert_eq!(
            user(Some("Ada"), Some("Lovelace")).full_name().as_deref(),
            Some("Ada Lovelace")
        );
        assert_eq!(user(Some("Ada"), None).full_name().as_deref(), Some("Ada"));
        assert_eq!(user(None, Some("L")).full_name().as_deref(), Some("L"));
        assert_eq!(user(None, None).full_name(), None);
        assert_eq!(user(Some(""), Some("")).full_name(), None);
    }

    #[test]
    fn minimal_user_has_no_primary_email() {
        let user = user(None, None);
        assert!(user.primary_email_address().is_none());
        assert!(user.primary_email().is_none());
        assert!(user.primary_phone_number().is_none());
    }

    #[test]
    fn verification_without_object_parses() {
        let verification: Verification = serde_json::from_str(
            r#"{"status":"verified","strategy":"email_code","attempts":1,"expire_at":5}"#,
        )
        .unwrap();
        assert!(verification.object.is_none());
        assert!(verification.is_verified());
    }
}
