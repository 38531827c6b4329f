//! The operation table carries what the spec cannot say, from codegen/overrides.yml and
//! codegen/js_names.tsv (spot checks of each kind of override).

use clerk_backend::operations::{Body, Budget, Method, Operation, Retry};
use clerk_backend::Share;

fn op(id: &str) -> &'static Operation {
    Operation::find(id).unwrap_or_else(|| panic!("{id} is in the table"))
}

#[test]
fn the_spec_side_of_an_operation() {
    let get = op("GetEmailAddress");
    assert_eq!(get.method, Method::Get);
    assert_eq!(get.path, "/email_addresses/{email_address_id}");
    assert_eq!(get.tag, "Email Addresses");
    assert_eq!(get.params.len(), 1);
    assert_eq!(get.params[0].name, "email_address_id");
    assert!(get.params[0].required);
    assert_eq!(get.body, Body::None);
    assert_eq!(op("CreateRedirectURL").body, Body::Json(None));
    assert!(op("ListSAMLConnections").deprecated);
}

#[test]
fn names_ours_and_clerk_backends() {
    let get = op("GetEmailAddress");
    assert_eq!(get.name, "email_addresses.get");
    assert_eq!(get.js_name, Some("emailAddresses.getEmailAddress"));
    assert_eq!(op("getApiKeys").name, "api_keys.list");
    // The JS name of a call whose path has a prefixed parameter (`oauth_{provider}`).
    assert_eq!(
        op("GetOAuthAccessToken").js_name,
        Some("users.getUserOauthAccessToken")
    );
}

#[test]
fn retry_rules_by_method_unless_overridden() {
    assert_eq!(op("GetUser").retry, Retry::Idempotent);
    assert_eq!(op("DeleteUser").retry, Retry::Idempotent);
    assert_eq!(op("CreateUser").retry, Retry::Never);
    assert_eq!(op("UpdateUser").retry, Retry::Never);
    for id in [
        "BanUser",
        "LockUser",
        "VerifyPassword",
        "verifyApiKey",
        "RevokeSession",
    ] {
        assert_eq!(
            op(id).retry,
            Retry::Idempotent,
            "{id} is a POST that may be repeated"
        );
    }
}

#[test]
fn budget_shares_and_the_api_root() {
    assert_eq!(op("GetJWKS").budget, Budget::Free);
    assert_eq!(op("verifyM2MToken").budget, Budget::Fixed(Share::MachineTokens));
    assert_eq!(op("RefreshSession").budget, Budget::Fixed(Share::Sessions));
    assert_eq!(op("GetUser").budget, Budget::Handle);
    assert!(op("verifyApiKey").root);
    assert!(!op("GetUser").root);
}

#[test]
fn deprecated_operations_are_left_out_with_a_reason() {
    for op in clerk_backend::operations::OPERATIONS
        .iter()
        .filter(|op| op.deprecated)
    {
        assert!(
            op.left_out.is_some(),
            "{} is deprecated but not left out",
            op.operation_id
        );
    }
}
