//! One Rust type per Clerk object (issue 26): the models of the generated calls that clerk-core
//! also has (by hand, or generated from the webhook spec) are clerk-core's types, re-exported,
//! so a value from a Backend API call goes wherever clerk-core's type goes (the request path,
//! the user cache, the webhooks) without a conversion.

use std::any::TypeId;

use clerk_backend::models;

fn same<A: 'static, B: 'static>() -> bool {
    TypeId::of::<A>() == TypeId::of::<B>()
}

/// Takes clerk-core's user: a backend model must be accepted as is.
fn cache(user: clerk_core::User) -> String {
    user.id
}

#[test]
fn backend_models_are_clerk_cores_types() {
    assert!(same::<models::User, clerk_core::User>(), "User");
    assert!(same::<models::User, clerk_core::user::User>(), "User");
    assert!(
        same::<models::EmailAddress, clerk_core::user::EmailAddress>(),
        "EmailAddress"
    );
    assert!(
        same::<models::PhoneNumber, clerk_core::user::PhoneNumber>(),
        "PhoneNumber"
    );
    assert!(
        same::<models::Web3Wallet, clerk_core::user::Web3Wallet>(),
        "Web3Wallet"
    );
    assert!(same::<models::Passkey, clerk_core::user::Passkey>(), "Passkey");
    assert!(
        same::<models::ExternalAccount, clerk_core::user::ExternalAccount>(),
        "ExternalAccount"
    );
    assert!(
        same::<models::SamlAccount, clerk_core::user::SamlAccount>(),
        "SamlAccount"
    );
    assert!(
        same::<models::EnterpriseAccount, clerk_core::user::EnterpriseAccount>(),
        "EnterpriseAccount"
    );
    assert!(
        same::<models::LinkedTo, clerk_core::user::LinkedTo>(),
        "IdentificationLink"
    );
    assert!(
        same::<models::Organization, clerk_core::api::Organization>(),
        "Organization"
    );
    assert!(
        same::<models::OrganizationMembership, clerk_core::api::OrganizationMembership>(),
        "OrganizationMembership"
    );
    assert!(same::<models::Session, clerk_core::api::Session>(), "Session");
    assert!(
        same::<models::SessionActivity, clerk_core::api::SessionActivity>(),
        "SessionActivity"
    );
    assert!(
        same::<models::SessionTask, clerk_core::api::SessionTask>(),
        "SessionTask"
    );
}

#[test]
fn backend_models_of_webhook_objects_are_clerk_cores_generated_types() {
    assert!(same::<models::Role, clerk_core::webhook::Role>(), "Role");
    assert!(
        same::<models::Permission, clerk_core::webhook::Permission>(),
        "Permission"
    );
    assert!(
        same::<models::OrganizationDomain, clerk_core::webhook::OrganizationDomain>(),
        "OrganizationDomain"
    );
    assert!(
        same::<models::OrganizationInvitation, clerk_core::webhook::OrganizationInvitation>(),
        "OrganizationInvitation"
    );
    assert!(
        same::<models::WaitlistEntry, clerk_core::webhook::WaitlistEntry>(),
        "WaitlistEntry"
    );
    assert!(
        same::<models::Invitation, clerk_core::webhook::Invitation>(),
        "Invitation"
    );
    assert!(
        same::<clerk_backend::InvitationStatus, clerk_core::webhook::InvitationStatus>(),
        "InvitationStatus"
    );
}

/// The invitation calls answer clerk-core's types (no hand-written twin): this only compiles
/// while each call's answer is the type named here.
#[allow(dead_code)]
async fn invitation_calls_answer_clerk_cores_types(
    client: &clerk_backend::ClerkClient,
) -> clerk_backend::ApiResult<()> {
    use clerk_core::webhook::{Invitation, InvitationStatus, OrganizationInvitation};
    let params = clerk_backend::InvitationListParams::new().status(InvitationStatus::Pending);
    let _: clerk_backend::Page<Invitation> = client.invitations().list(&params).await?;
    let _: Invitation = client
        .invitations()
        .create(&clerk_backend::CreateInvitation::new("ada@example.com"))
        .await?;
    let _: Invitation = client.invitations().revoke("inv_1").await?;
    let invite = clerk_backend::CreateOrganizationInvitation::new("ada@example.com", "org:member");
    let _: OrganizationInvitation = client.organization_invitations().create("org_1", &invite).await?;
    let _: OrganizationInvitation = client.organization_invitations().get("org_1", "orginv_1").await?;
    let listed = client
        .organization_invitations()
        .list(
            "org_1",
            &clerk_backend::OrganizationInvitationListParams::default(),
        )
        .await?;
    let _: Option<&InvitationStatus> = listed.data.first().and_then(|i| i.status.as_ref());
    Ok(())
}

#[test]
fn a_decoded_backend_user_is_a_clerk_core_user() {
    let user: models::User =
        serde_json::from_str(r#"{"id":"user_1","object":"user","created_at":1,"updated_at":2}"#)
            .expect("decodes");
    assert_eq!(cache(user), "user_1");
}

/// The API key calls answer clerk-core's `ApiKey` (the spec writes the key inline in each answer,
/// which the generator would have made `GetApiKeyAnswer`, `UpdateApiKeyAnswer`), and deletions
/// whose answer is Clerk's deleted object answer clerk-core's `DeletedObject`: this only
/// compiles while each call answers the type named here.
#[allow(dead_code)]
async fn api_key_and_deletion_calls_answer_clerk_cores_types(
    client: &clerk_backend::ClerkClient,
) -> clerk_backend::ApiResult<()> {
    use clerk_core::api::{ApiKey, DeletedObject};
    let _: ApiKey = client.api_keys().get("ak_1").await?;
    let update = clerk_backend::api_keys::UpdateApiKey::default();
    let _: ApiKey = client.api_keys().update("ak_1", &update).await?;
    let _: DeletedObject = client.api_keys().delete("ak_1").await?;
    let _: DeletedObject = client.machines().delete("mch_1").await?;
    Ok(())
}

/// Billing: the Backend API's `Commerce*` schemas that are the webhook spec's `Billing*` objects
/// are clerk-core's generated types, and clerk-core's type has the Backend API's extra fields.
#[test]
fn billing_objects_of_both_specs_are_one_type() {
    assert!(
        same::<models::BillingAmount, clerk_core::webhook::BillingAmount>(),
        "CommerceMoneyResponse"
    );
    assert!(
        same::<models::BillingSubscriptionCredit, clerk_core::webhook::BillingSubscriptionCredit>(),
        "CommerceProrationCreditDetailResponse"
    );
    assert!(
        same::<models::BillingSubscriptionPayerCredit, clerk_core::webhook::BillingSubscriptionPayerCredit>(),
        "CommercePayerCreditResponse"
    );
    assert!(
        same::<models::BillingSubscriptionCredits, clerk_core::webhook::BillingSubscriptionCredits>(),
        "CommerceCreditsResponse"
    );
    assert!(
        same::<models::BillingPayerEventPayload, clerk_core::webhook::BillingPayerEventPayload>(),
        "CommercePayerResponse"
    );
    let payer: models::BillingPayerEventPayload = serde_json::from_str(
        r#"{"object":"commerce_payer","id":"cpayer_1","instance_id":"ins_1","email":null,
            "credits_balance":{"amount":250,"amount_formatted":"2.50","currency":"USD","currency_symbol":"$"}}"#,
    )
    .expect("decodes");
    assert_eq!(payer.instance_id.as_deref(), Some("ins_1"));
    assert_eq!(payer.credits_balance.map(|balance| balance.amount), Some(250));
}
