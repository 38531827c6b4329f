//! A user as `@clerk/backend`'s `User` resource serializes: the camel-case fields its `fromJSON`
//! picks (nested email addresses, phone numbers, wallets, external and enterprise accounts,
//! verifications), the constructor's defaults, and `_raw` (the Backend API's JSON), with every
//! `private_metadata` left out, as `stripPrivateDataFromObject` leaves it out. Fields the source
//! lacks are absent (JavaScript's `undefined` disappears in JSON).

use serde_json::{Map, Value};

use crate::request::js::js_truthy;

/// How one field of a resource is read from the Backend API's JSON.
enum Field {
    /// `data.src`.
    Copy(&'static str, &'static str),
    /// `data.src`, or the constructor's default when absent.
    Default(&'static str, &'static str, fn() -> Value),
    /// `data.src && Class.fromJSON(data.src)`.
    Nested(&'static str, &'static str, &'static [Field]),
    /// `(data.src || []).map(Class.fromJSON)`.
    List(&'static str, &'static str, &'static [Field]),
    /// `data.src ? new URL(data.src) : null` (a URL serializes as its `href`).
    Url(&'static str, &'static str),
    /// `data.src || ""`.
    OrEmpty(&'static str, &'static str),
    /// A constructor default no `fromJSON` passes.
    Constant(&'static str, fn() -> Value),
}

use Field::*;

fn empty_object() -> Value {
    Value::Object(Map::new())
}

fn null() -> Value {
    Value::Null
}

fn falsy() -> Value {
    Value::Bool(false)
}

const IDENTIFICATION_LINK: &[Field] = &[Copy("id", "id"), Copy("type", "type")];

const VERIFICATION: &[Field] = &[
    Copy("status", "status"),
    Copy("strategy", "strategy"),
    Url(
        "externalVerificationRedirectURL",
        "external_verification_redirect_url",
    ),
    Default("attempts", "attempts", null),
    Default("expireAt", "expire_at", null),
    Default("nonce", "nonce", null),
    Constant("message", null),
];

const EMAIL_ADDRESS: &[Field] = &[
    Copy("id", "id"),
    Copy("emailAddress", "email_address"),
    Nested("verification", "verification", VERIFICATION),
    List("linkedTo", "linked_to", IDENTIFICATION_LINK),
];

const PHONE_NUMBER: &[Field] = &[
    Copy("id", "id"),
    Copy("phoneNumber", "phone_number"),
    Copy("reservedForSecondFactor", "reserved_for_second_factor"),
    Copy("defaultSecondFactor", "default_second_factor"),
    Nested("verification", "verification", VERIFICATION),
    List("linkedTo", "linked_to", IDENTIFICATION_LINK),
];

const WEB3_WALLET: &[Field] = &[
    Copy("id", "id"),
    Copy("web3Wallet", "web3_wallet"),
    Nested("verification", "verification", VERIFICATION),
];

const EXTERNAL_ACCOUNT: &[Field] = &[
    Copy("id", "id"),
    Copy("provider", "provider"),
    Copy("providerUserId", "provider_user_id"),
    Copy("identificationId", "identification_id"),
    // Clerk's `fromJSON` passes `provider_user_id` as the external id too.
    Copy("externalId", "provider_user_id"),
    Copy("approvedScopes", "approved_scopes"),
    Copy("emailAddress", "email_address"),
    Copy("firstName", "first_name"),
    Copy("lastName", "last_name"),
    OrEmpty("imageUrl", "image_url"),
    Copy("username", "username"),
    Copy("phoneNumber", "phone_number"),
    Default("publicMetadata", "public_metadata", empty_object),
    Copy("label", "label"),
    Nested("verification", "verification", VERIFICATION),
    Copy("externalAccountId", "external_account_id"),
];

const ENTERPRISE_CONNECTION: &[Field] = &[
    Copy("id", "id"),
    Copy("active", "active"),
    Copy("allowIdpInitiated", "allow_idp_initiated"),
    Copy("allowSubdomains", "allow_subdomains"),
    Copy(
        "disableAdditionalIdentifications",
        "disable_additional_identifications",
    ),
    Copy("domain", "domain"),
    Copy("logoPublicUrl", "logo_public_url"),
    Copy("name", "name"),
    Copy("protocol", "protocol"),
    Copy("provider", "provider"),
    Copy("syncUserAttributes", "sync_user_attributes"),
    Copy("createdAt", "created_at"),
    Copy("updatedAt", "updated_at"),
];

const ENTERPRISE_ACCOUNT: &[Field] = &[
    Copy("id", "id"),
    Copy("active", "active"),
    Copy("emailAddress", "email_address"),
    Nested(
        "enterpriseConnection",
        "enterprise_connection",
        ENTERPRISE_CONNECTION,
    ),
    Copy("firstName", "first_name"),
    Copy("lastName", "last_name"),
    Copy("protocol", "protocol"),
    Copy("provider", "provider"),
    Copy("providerUserId", "provider_user_id"),
    Copy("publicMetadata", "public_metadata"),
    Nested("verification", "verification", VERIFICATION),
    Copy("lastAuthenticatedAt", "last_authenticated_at"),
    Copy("enterpriseConnectionId", "enterprise_connection_id"),
];

const USER: &[Field] = &[
    Copy("id", "id"),
    Copy("passwordEnabled", "password_enabled"),
    Copy("totpEnabled", "totp_enabled"),
    Copy("backupCodeEnabled", "backup_code_enabled"),
    Copy("twoFactorEnabled", "two_factor_enabled"),
    Copy("banned", "banned"),
    Copy("locked", "locked"),
    Copy("createdAt", "created_at"),
    Copy("updatedAt", "updated_at"),
    Copy("imageUrl", "image_url"),
    Copy("hasImage", "has_image"),
    Copy("primaryEmailAddressId", "primary_email_address_id"),
    Copy("primaryPhoneNumberId", "primary_phone_number_id"),
    Copy("primaryWeb3WalletId", "primary_web3_wallet_id"),
    Copy("lastSignInAt", "last_sign_in_at"),
    Copy("externalId", "external_id"),
    Copy("username", "username"),
    Copy("firstName", "first_name"),
    Copy("lastName", "last_name"),
    Default("publicMetadata", "public_metadata", empty_object),
    Default("unsafeMetadata", "unsafe_metadata", empty_object),
    List("emailAddresses", "email_addresses", EMAIL_ADDRESS),
    List("phoneNumbers", "phone_numbers", PHONE_NUMBER),
    List("web3Wallets", "web3_wallets", WEB3_WALLET),
    List("externalAccounts", "external_accounts", EXTERNAL_ACCOUNT),
    List("enterpriseAccounts", "enterprise_accounts", ENTERPRISE_ACCOUNT),
    Copy("lastActiveAt", "last_active_at"),
    Copy("createOrganizationEnabled", "create_organization_enabled"),
    Default("createOrganizationsLimit", "create_organizations_limit", null),
    Copy("deleteSelfEnabled", "delete_self_enabled"),
    Copy("legalAcceptedAt", "legal_accepted_at"),
    Copy("locale", "locale"),
    Default("timezone", "timezone", null),
    Default("deprovisioned", "deprovisioned", falsy),
];

/// The user as `buildClerkProps` embeds it: `User.fromJSON(raw)` without its private metadata,
/// and `_raw` with every `private_metadata` removed.
pub(crate) fn user_as_clerk_serializes(raw: &Value) -> Value {
    let mut out = match shape(raw, USER) {
        Value::Object(map) => map,
        _ => Map::new(),
    };
    out.insert("_raw".to_owned(), without_private_metadata(raw));
    Value::Object(out)
}

fn shape(data: &Value, fields: &[Field]) -> Value {
    let mut out = Map::new();
    for field in fields {
        let (name, value) = match field {
            Copy(name, src) => (*name, data.get(*src).cloned()),
            Default(name, src, default) => (*name, Some(data.get(*src).cloned().unwrap_or_else(default))),
            Nested(name, src, class) => (
                *name,
                data.get(*src)
                    .map(|v| if js_truthy(v) { shape(v, class) } else { v.clone() }),
            ),
            List(name, src, class) => {
                let items = match data.get(*src) {
                    Some(Value::Array(items)) => items.iter().map(|item| shape(item, class)).collect(),
                    _ => Vec::new(),
                };
                (*name, Some(Value::Array(items)))
            }
            Url(name, src) => {
                let value = match data.get(*src) {
                    Some(Value::String(text)) if !text.is_empty() => Value::String(
                        url::Url::parse(text)
                            .map(|u| u.to_string())
                            .unwrap_or_else(|_| text.clone()),
                    ),
                    _ => Value::Null,
                };
                (*name, Some(value))
            }
            OrEmpty(name, src) => (
                *name,
                Some(
                    data.get(*src)
                        .filter(|v| js_truthy(v))
                        .cloned()
                        .unwrap_or_else(|| Value::String(String::new())),
                ),
            ),
            Constant(name, value) => (*name, Some(value())),
        };
        if let Some(value) = value {
            out.insert(name.to_owned(), value);
        }
    }
    Value::Object(out)
}

/// Clerk's `redactPrivateMetadataDeep`: `private_metadata` and `privateMetadata` keys dropped at
/// every depth.
fn without_private_metadata(value: &Value) -> Value {
    match value {
        Value::Array(items) => Value::Array(items.iter().map(without_private_metadata).collect()),
        Value::Object(map) => Value::Object(
            map.iter()
                .filter(|(k, _)| *k != "private_metadata" && *k != "privateMetadata")
                .map(|(k, v)| (k.clone(), without_private_metadata(v)))
                .collect(),
        ),
        other => other.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn clerks_defaults_nesting_and_no_private_metadata() {
        let raw = json!({
            "id": "user_1",
            "first_name": "Ada",
            "private_metadata": {"secret": 1},
            "email_addresses": [{
                "id": "idn_1",
                "email_address": "ada@example.com",
                "verification": {"status": "verified", "strategy": "email_code"},
                "linked_to": [],
                "private_metadata": {"x": 1}
            }],
            "external_accounts": [{"id": "eac_1", "provider_user_id": "p1", "image_url": ""}]
        });
        let user = user_as_clerk_serializes(&raw);
        assert_eq!(user["firstName"], "Ada");
        assert_eq!(user["publicMetadata"], json!({}));
        assert_eq!(user["timezone"], Value::Null);
        assert_eq!(user["deprovisioned"], false);
        assert!(user.get("username").is_none(), "absent stays absent");
        assert_eq!(user["emailAddresses"][0]["verification"]["message"], Value::Null);
        assert_eq!(
            user["emailAddresses"][0]["verification"]["externalVerificationRedirectURL"],
            Value::Null
        );
        assert_eq!(user["externalAccounts"][0]["externalId"], "p1");
        assert_eq!(user["externalAccounts"][0]["imageUrl"], "");
        let text = user.to_string();
        assert!(
            !text.contains("private_metadata") && !text.contains("privateMetadata"),
            "{text}"
        );
        assert_eq!(user["_raw"]["first_name"], "Ada");
    }
}
