//! The allow-list and the block-list of sign-up identifiers: [`ListedIdentifier`] and its
//! [`IdentifierType`], the answer of the generated `allowlist_identifiers()` and
//! `blocklist_identifiers()` calls (one type for both lists).

use serde::{Deserialize, Serialize};

/// What kind of identifier a [`ListedIdentifier`] is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum IdentifierType {
    /// `email_address` (a block-list entry may also be a whole domain).
    EmailAddress,
    /// `phone_number`.
    PhoneNumber,
    /// `web3_wallet`.
    Web3Wallet,
    /// A type this version of the crate does not know.
    #[serde(other)]
    Unknown,
}

/// An entry of the allow-list (`AllowlistIdentifier`) or of the block-list
/// (`BlocklistIdentifier`); `object` says which. Unknown fields are ignored.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct ListedIdentifier {
    /// `allowlist_identifier` or `blocklist_identifier`.
    #[serde(default)]
    pub object: String,
    /// `alid_…` or `blid_…`
    pub id: String,
    /// The email address, domain, phone number or wallet.
    #[serde(default)]
    pub identifier: String,
    /// Its kind.
    pub identifier_type: IdentifierType,
    /// The invitation Clerk sent when the entry was added with `notify` (allow-list only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub invitation_id: Option<String>,
    /// The instance, `ins_…`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub instance_id: Option<String>,
    /// Creation, Unix ms.
    #[serde(default)]
    pub created_at: i64,
    /// Last update, Unix ms.
    #[serde(default)]
    pub updated_at: i64,
}
