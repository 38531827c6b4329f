//! Backend API models against the contract's example payloads.

use clerk_core::api::{
    ApiKey, ClerkErrors, DeletedObject, M2mToken, OAuthVerifyResponse, Organization, OrganizationMembership,
    Session, SessionObjectStatus, TokenResponse, TotalCount,
};
use clerk_core::user::{PublicUser, VerificationStatus};
use clerk_core::User;
use serde_json::{json, Value};

const USER: &str = include_str!("fixtures/user.example.json");
const USERS: &str = include_str!("fixtures/users.list.response.json");

fn example() -> User {
    serde_json::from_str(USER).unwrap()
}

fn keys_anywhere(value: &Value, key: &str) -> bool {
    match value {
        Value::Object(map) => map.contains_key(key) || map.values().any(|v| keys_anywhere(v, key)),
        Value::Array(items) => items.iter().any(|v| keys_anywhere(v, key)),
        _ => false,
    }
}

#[test]
fn user_example_parses_with_its_details() {
    let user = example();
    assert_eq!(user.id, "user_2zXmpL3UsrAbCdEfGhIjKlMnOpQ");
    assert_eq!(user.primary_email(), Some("ada@example.com"));
    assert_eq!(
        user.primary_email_address().unwrap().id.as_deref(),
        Some("idn_2zXmpL3EmailPrimaryAbCdEfGh")
    );
    assert_eq!(user.full_name().as_deref(), Some("Ada Lovelace"));
    assert_eq!(user.primary_phone_number().unwrap().phone_number, "+15555550123");
    assert!(user.primary_web3_wallet().is_none());
    assert_eq!(user.requires_password_reset, Some(false));
    assert_eq!(user.created_at, 1_752_102_559_068);
    assert_eq!(user.public_metadata["plan"], "pro");
    assert_eq!(
        user.email_addresses[0]
            .verification
            .as_ref()
            .unwrap()
            .object
            .as_deref(),
        Some("verification_from_oauth")
    );
    assert_eq!(user.passkeys[0].name, "MacBook Touch ID");
    let google = &user.external_accounts[0];
    assert_eq!(google.provider, "oauth_google");
    assert_eq!(
        google.verification.as_ref().unwrap().status,
        VerificationStatus::Verified
    );
}

#[test]
fn user_example_round_trips_to_equivalent_json() {
    let original: Value = serde_json::from_str(USER).unwrap();
    let user = example();
    // The storage form is the Backend API's JSON, field for field, and reads back whole.
    let stored = serde_json::to_value(user.for_storage()).unwrap();
    assert_eq!(stored, original);
    let read: User = serde_json::from_value(stored).unwrap();
    assert_eq!(read, user);
    assert_eq!(
        read.private_metadata().unwrap()["stripe_customer_id"],
        "cus_Qx1ExampleCustomer"
    );
    // The ordinary form is the same minus private_metadata.
    let mut public = original;
    public.as_object_mut().unwrap().remove("private_metadata");
    assert_eq!(serde_json::to_value(&user).unwrap(), public);
}

#[test]
fn user_list_is_a_bare_array() {
    let users: Vec<User> = serde_json::from_str(USERS).unwrap();
    assert_eq!(users.len(), 1);
    let original: Value = serde_json::from_str(USERS).unwrap();
    let stored: Vec<_> = users.iter().map(User::for_storage).collect();
    assert_eq!(serde_json::to_value(&stored).unwrap(), original);
}

#[test]
fn public_user_never_carries_private_metadata() {
    let user = example();
    assert!(USER.contains("cus_Qx1ExampleCustomer"));
    let public = user.to_public();
    let text = serde_json::to_string(&public).unwrap();
    let value: Value = serde_json::from_str(&text).unwrap();
    assert!(!keys_anywhere(&value, "private_metadata"), "{text}");
    assert!(!keys_anywhere(&value, "unsafe_metadata"), "{text}");
    assert!(!keys_anywhere(&value, "backup_codes"), "{text}");
    assert!(!text.contains("stripe_customer_id"), "{text}");
    assert!(!text.contains("cus_Qx1ExampleCustomer"), "{text}");

    // It keeps what a client needs, snake_case.
    assert_eq!(value["id"], "user_2zXmpL3UsrAbCdEfGhIjKlMnOpQ");
    assert_eq!(value["primary_email_address"], "ada@example.com");
    assert_eq!(value["public_metadata"]["plan"], "pro");
    assert_eq!(
        value["email_addresses"][1]["email_address"],
        "ada.work@example.org"
    );
    assert_eq!(value["email_addresses"][1]["verified"], true);
    assert_eq!(value["email_addresses"][1]["verification_status"], "verified");
    assert_eq!(value["phone_numbers"][0]["phone_number"], "+15555550123");
    assert_eq!(value["external_id"], "legacy-42");
    assert_eq!(value["last_active_at"], 1_754_956_800_000_i64);
    assert_eq!(value["banned"], false);

    // The other conversions agree, and a PublicUser reads back (ignoring extra keys).
    assert_eq!(PublicUser::from(&user), public);
    assert_eq!(PublicUser::from(user.clone()), public);
    let read: PublicUser = serde_json::from_str(&text).unwrap();
    assert_eq!(read, public);
}

/// Values the example user and the organization payloads below must never show: private
/// metadata, email addresses and phone numbers.
const PRIVATE: &[&str] = &[
    "cus_Qx1ExampleCustomer",
    "org-billing-secret",
    "seat-secret",
    "ada@example.com",
    "ada.work@example.org",
    "ada.saml@example.com",
    "ada.sso@example.com",
    "+15555550123",
];

fn organization_json() -> Value {
    json!({"object": "organization", "id": "org_1", "name": "Acme", "slug": "acme",
        "public_metadata": {"tier": "gold"}, "private_metadata": {"billing": "org-billing-secret"},
        "created_at": 1, "updated_at": 2})
}

fn membership_json() -> Value {
    json!({"object": "organization_membership", "id": "orgmem_1", "role": "org:admin",
        "permissions": [], "public_metadata": {}, "private_metadata": {"seat": "seat-secret"},
        "organization": organization_json(),
        "public_user_data": {"user_id": "user_2zXmpL3UsrAbCdEfGhIjKlMnOpQ",
            "identifier": "ada@example.com", "first_name": "Ada", "last_name": "Lovelace"},
        "created_at": 1, "updated_at": 2})
}

/// The example user with every kind of account and an organization membership.
fn full_user() -> User {
    let mut value: Value = serde_json::from_str(USER).unwrap();
    value["saml_accounts"] = json!([{"id": "samlacc_1", "object": "saml_account",
        "provider": "saml_okta", "active": true, "email_address": "ada.saml@example.com"}]);
    value["enterprise_accounts"] = json!([{"id": "eacc_1", "object": "enterprise_account",
        "provider": "saml_okta", "active": true, "email_address": "ada.sso@example.com"}]);
    value["organization_memberships"] = json!([membership_json()]);
    serde_json::from_value(value).unwrap()
}

// Issue 10, item 7: `private_metadata` is safe by type. A full `User` (and every model that
// embeds private metadata) serializes without it.
#[test]
fn no_model_serializes_private_metadata() {
    let user = full_user();
    let users: Vec<User> = serde_json::from_str(USERS).unwrap();
    let organization: Organization = serde_json::from_value(organization_json()).unwrap();
    let membership: OrganizationMembership = serde_json::from_value(membership_json()).unwrap();
    for (what, text) in [
        ("user", serde_json::to_string(&user).unwrap()),
        ("user list", serde_json::to_string(&users).unwrap()),
        ("public user", serde_json::to_string(&user.to_public()).unwrap()),
        ("organization", serde_json::to_string(&organization).unwrap()),
        ("membership", serde_json::to_string(&membership).unwrap()),
    ] {
        assert!(!text.contains("private_metadata"), "{what}: {text}");
        for secret in ["cus_Qx1ExampleCustomer", "org-billing-secret", "seat-secret"] {
            assert!(!text.contains(secret), "{what} carries {secret}: {text}");
        }
    }
    // Everything else is still there.
    let value = serde_json::to_value(&user).unwrap();
    assert_eq!(value["public_metadata"]["plan"], "pro");
    assert_eq!(value["email_addresses"][0]["email_address"], "ada@example.com");
    assert_eq!(
        value["organization_memberships"][0]["organization"]["public_metadata"]["tier"],
        "gold"
    );
}

// Issue 10, item 7: `Debug` (what `tracing`'s `?user` prints) shows no private metadata, email
// address or phone number, for every model that holds them.
#[test]
fn debug_of_every_model_redacts_private_metadata_emails_and_phones() {
    let user = full_user();
    let organization: Organization = serde_json::from_value(organization_json()).unwrap();
    let membership: OrganizationMembership = serde_json::from_value(membership_json()).unwrap();
    let public = user.to_public();
    let shown = [
        format!("{user:?}"),
        format!("{user:#?}"),
        format!("{:?}", user.email_addresses),
        format!("{:?}", user.phone_numbers),
        format!("{:?}", user.external_accounts),
        format!("{:?}", user.saml_accounts),
        format!("{:?}", user.enterprise_accounts),
        format!("{public:?}"),
        format!("{:?}", public.email_addresses),
        format!("{:?}", public.phone_numbers),
        format!("{organization:?}"),
        format!("{membership:#?}"),
    ];
    for text in &shown {
        for secret in PRIVATE {
            assert!(!text.contains(secret), "Debug shows {secret}: {text}");
        }
    }
    // Still useful for debugging: ids, names and public metadata stay.
    assert!(
        shown[0].contains("user_2zXmpL3UsrAbCdEfGhIjKlMnOpQ"),
        "{}",
        shown[0]
    );
    assert!(
        shown[0].contains("Lovelace") && shown[0].contains("pro"),
        "{}",
        shown[0]
    );
    assert!(shown[11].contains("orgmem_1"), "{}", shown[11]);
    assert!(
        shown[2].starts_with("[EmailAddress {")
            && shown[2].contains(r#""email_address":"[redacted]","id":"idn_2zXmpL3EmailPrimaryAbCdEfGh""#),
        "{}",
        shown[2]
    );
}

#[test]
fn verification_without_object_and_unknown_fields_parse() {
    let mut value: Value = serde_json::from_str(USER).unwrap();
    for email in value["email_addresses"].as_array_mut().unwrap() {
        email["verification"].as_object_mut().unwrap().remove("object");
        email["brand_new_field"] = json!({"nested": [1, 2]});
    }
    value["phone_numbers"][0]["verification"]
        .as_object_mut()
        .unwrap()
        .remove("object");
    value["external_accounts"][0]["verification"]
        .as_object_mut()
        .unwrap()
        .remove("object");
    value["another_unknown"] = json!(true);
    value["external_accounts"][0]["verification"]["status"] = json!("some_future_status");

    let user: User = serde_json::from_value(value).unwrap();
    let verification = user.email_addresses[0].verification.as_ref().unwrap();
    assert!(verification.object.is_none());
    assert_eq!(verification.strategy, "from_oauth_google");
    assert!(user.email_addresses[0].is_verified());
    assert_eq!(
        user.external_accounts[0].verification.as_ref().unwrap().status,
        VerificationStatus::Other("some_future_status".into())
    );
    // Absent discriminators are not invented on the way out.
    let out = serde_json::to_value(&user).unwrap();
    assert!(out["email_addresses"][0]["verification"].get("object").is_none());
}

#[test]
fn older_payload_without_newer_fields_parses() {
    let mut value: Value = serde_json::from_str(USER).unwrap();
    let map = value.as_object_mut().unwrap();
    for key in [
        "passkeys",
        "enterprise_accounts",
        "mfa_enabled_at",
        "mfa_disabled_at",
        "legal_accepted_at",
        "bypass_client_trust",
        "create_organizations_limit",
        "locale",
        "requires_password_reset",
        "image_url",
    ] {
        map.remove(key);
    }
    let user: User = serde_json::from_value(value).unwrap();
    assert!(user.passkeys.is_empty());
    assert!(user.image_url.is_none());
    let out = serde_json::to_value(&user).unwrap();
    assert!(out.get("bypass_client_trust").is_none());
    assert!(out.get("requires_password_reset").is_none());
}

#[test]
fn legacy_google_account_shape_parses() {
    let mut value: Value = serde_json::from_str(USER).unwrap();
    value["external_accounts"] = json!([{
        "object": "google_account",
        "id": "idn_29w83yL7CwVlJXylYLxcslromF1",
        "google_id": "100000000000000000001",
        "approved_scopes": "email https://www.googleapis.com/auth/userinfo.email openid profile",
        "email_address": "ada@example.com",
        "given_name": "Ada",
        "family_name": "Lovelace",
        "picture": "https://lh3.googleusercontent.com/a/x",
        "username": null,
        "label": null,
        "provider": "oauth_google",
        "provider_user_id": "100000000000000000001",
        "external_account_id": "eac_2zXmpL3ExtAcctQwErTyUiOpAsD",
        "public_metadata": {},
        "verification": {"status": "verified", "strategy": "oauth_google",
                         "attempts": null, "expire_at": 1}
    }, {
        // The oldest docs example has no provider, ids or verification at all.
        "object": "google_account",
        "id": "idn_29w83yL7CwVlJXylYLxcslromF2",
        "google_id": "1",
        "given_name": "Ada"
    }]);
    let user: User = serde_json::from_value(value).unwrap();
    let legacy = &user.external_accounts[0];
    assert_eq!(legacy.object, "google_account");
    assert!(legacy.id.starts_with("idn_"));
    assert_eq!(legacy.given_name.as_deref(), Some("Ada"));
    assert_eq!(
        legacy.external_account_id.as_deref(),
        Some("eac_2zXmpL3ExtAcctQwErTyUiOpAsD")
    );
    assert!(legacy.identification_id.is_none());
    assert!(user.external_accounts[1].verification.is_none());
}

#[test]
fn webhook_user_payloads_parse() {
    for file in [
        include_str!("fixtures/user.created.json"),
        include_str!("fixtures/user.updated.json"),
    ] {
        let envelope: Value = serde_json::from_str(file).unwrap();
        let user: User = serde_json::from_value(envelope["data"].clone()).unwrap();
        assert_eq!(user.primary_email(), Some("ada@example.com"));
        assert_eq!(
            serde_json::to_value(user.for_storage()).unwrap(),
            envelope["data"]
        );
    }
    let deleted: Value = serde_json::from_str(include_str!("fixtures/user.deleted.json")).unwrap();
    let deleted: DeletedObject = serde_json::from_value(deleted["data"].clone()).unwrap();
    assert!(deleted.deleted);
}

#[test]
fn deleted_object_does_not_invent_fields() {
    let text = include_str!("fixtures/users.delete.response.json");
    let deleted: DeletedObject = serde_json::from_str(text).unwrap();
    assert_eq!(deleted.id.as_deref(), Some("user_2zXmpL3UsrAbCdEfGhIjKlMnOpQ"));
    assert!(deleted.external_id.is_none());
    assert_eq!(
        serde_json::to_value(&deleted).unwrap(),
        serde_json::from_str::<Value>(text).unwrap()
    );
}

#[test]
fn count_and_token_responses_parse() {
    let count: TotalCount = serde_json::from_str(include_str!("fixtures/users.count.response.json")).unwrap();
    assert_eq!(count, TotalCount::new(1));
    let token: TokenResponse =
        serde_json::from_str(include_str!("fixtures/sessions.tokens.create.response.json")).unwrap();
    assert_eq!(token.object, "token");
    assert!(!format!("{token:?}").contains(&token.jwt));
}

#[test]
fn session_response_parses() {
    let text = include_str!("fixtures/sessions.get.response.json");
    let session: Session = serde_json::from_str(text).unwrap();
    assert_eq!(session.status, SessionObjectStatus::Active);
    assert_eq!(session.user_id, "user_2zXmpL3UsrAbCdEfGhIjKlMnOpQ");
    let activity = session.latest_activity.as_ref().unwrap();
    assert_eq!(activity.browser_name.as_deref(), Some("Chrome"));
    assert!(!activity.is_mobile);
    assert!(session.tasks.is_none());

    let mut value: Value = serde_json::from_str(text).unwrap();
    value["status"] = json!("pending");
    value["tasks"] = json!([{"key": "choose-organization"}]);
    value["unknown"] = json!(1);
    let pending: Session = serde_json::from_value(value).unwrap();
    assert_eq!(pending.status, SessionObjectStatus::Pending);
    assert_eq!(pending.tasks.unwrap()[0].key, "choose-organization");
}

#[test]
fn machine_token_responses_parse() {
    let m2m: M2mToken =
        serde_json::from_str(include_str!("fixtures/m2m_tokens.verify.response.json")).unwrap();
    assert_eq!(m2m.subject, "mch_2xhFjEI5X2qWRvtV13BzSj8H6Dk");
    assert_eq!(m2m.claims.as_ref().unwrap()["tenant"], "acme");
    assert!(m2m.is_usable_at(1_755_000_000_000));
    assert!(!m2m.is_usable_at(1_755_003_600_000));

    let key: ApiKey = serde_json::from_str(include_str!("fixtures/api_keys.verify.response.json")).unwrap();
    assert_eq!(key.key_type, "api_key");
    assert_eq!(key.scopes, ["read", "write"]);
    assert!(key.is_usable_at(i64::MAX));

    let oauth: OAuthVerifyResponse =
        serde_json::from_str(include_str!("fixtures/oauth_access_tokens.verify.response.json")).unwrap();
    let token = oauth.token().unwrap();
    assert_eq!(token.subject, "user_2zXmpL3UsrAbCdEfGhIjKlMnOpQ");
    assert_eq!(token.scopes, ["profile", "email"]);

    let inactive: OAuthVerifyResponse = serde_json::from_str(r#"{"active": false}"#).unwrap();
    assert_eq!(inactive, OAuthVerifyResponse::Inactive);
    assert_eq!(serde_json::to_string(&inactive).unwrap(), r#"{"active":false}"#);
    assert!(serde_json::from_str::<OAuthVerifyResponse>(r#"{"active": true}"#).is_err());
}

#[test]
fn error_examples_parse_into_clerk_errors() {
    let examples: Value = serde_json::from_str(include_str!("fixtures/errors.examples.json")).unwrap();
    let mut parsed = 0;
    for (name, example) in examples.as_object().unwrap() {
        let Some(body) = example.get("body") else {
            continue;
        };
        let errors: ClerkErrors =
            serde_json::from_value(body.clone()).unwrap_or_else(|err| panic!("{name}: {err}"));
        assert!(!errors.errors.is_empty(), "{name}");
        assert!(!errors.errors[0].code.is_empty(), "{name}");
        assert!(errors.errors[0].long_message.is_some(), "{name}");
        parsed += 1;
    }
    assert_eq!(parsed, 12);

    let not_found: ClerkErrors = serde_json::from_value(
        examples["404_user_not_found_GET_users_id (observed 2026-01 in the wild)"]["body"].clone(),
    )
    .unwrap();
    assert_eq!(not_found.first_code(), Some("resource_not_found"));
    assert!(not_found.has_code("resource_not_found"));
    assert_eq!(
        not_found.clerk_trace_id.as_deref(),
        Some("5c2d3f0e9b8a4c7d9e1f2a3b4c5d6e7f")
    );
    assert_eq!(
        not_found.to_string(),
        "resource_not_found: Resource not found (clerk_trace_id=5c2d3f0e9b8a4c7d9e1f2a3b4c5d6e7f)"
    );

    let form: ClerkErrors =
        serde_json::from_value(examples["422_bad_param_value (catalogue forms.go)"]["body"].clone()).unwrap();
    assert_eq!(form.errors[0].meta.as_ref().unwrap()["param_name"], "order_by");
}

/// The storage form keeps every private metadata, nested ones included: a membership's and its
/// organization's, so a cache that stores users loses nothing Clerk sent.
#[test]
fn the_storage_form_keeps_nested_private_metadata() {
    let user = full_user();
    let stored = serde_json::to_value(user.for_storage()).unwrap();
    let text = stored.to_string();
    for secret in ["cus_Qx1ExampleCustomer", "org-billing-secret", "seat-secret"] {
        assert!(text.contains(secret), "the storage form lost {secret}: {text}");
    }
    let read: User = serde_json::from_value(stored).unwrap();
    assert_eq!(read, user);
    let membership = &read.organization_memberships.as_ref().unwrap()[0];
    assert!(membership.private_metadata().is_some());
    // The public form of what was read back is as clean as before.
    let public = serde_json::to_string(&read).unwrap();
    assert!(!public.contains("private_metadata"), "{public}");
}
