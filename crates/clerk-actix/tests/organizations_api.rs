//! The organizations, memberships and organization invitations of the Backend API client
//! (issue 15), over real HTTP on loopback against the offline Clerk.

use clerk_actix::client::organization_invitations::RevokeOrganizationInvitation;
use clerk_actix::client::organization_memberships::{
    InstanceGetOrganizationMembershipsParams, UpdateOrganizationMembership,
    UpdateOrganizationMembershipMetadata,
};
use clerk_actix::client::organizations::MergeOrganizationMetadata;
use clerk_actix::client::{
    ApiError, CreateMembership, CreateOrganization, CreateOrganizationInvitation, InvitationStatus,
    MembershipListParams, OrganizationInvitationListParams, OrganizationListParams, UpdateOrganization,
};
use clerk_testkit::{NewUser, TestClerk};
use serde_json::json;

mod common;
use common::backend_client::client;

fn user(clerk: &TestClerk, email: &str) -> String {
    clerk
        .users()
        .create(NewUser::default().email(email).first_name("Ada"))
        .expect("user")
        .id
}

/// Every organization call, in the order an admin tool would make them.
#[actix_rt::test]
async fn an_organization_goes_through_its_lifecycle() {
    let clerk = TestClerk::start().expect("offline Clerk starts");
    let api = client(&clerk);
    let ada = user(&clerk, "ada@example.com");
    let bob = user(&clerk, "bob@example.com");

    let org = api
        .organizations()
        .create(&CreateOrganization {
            name: "Acme".to_owned(),
            slug: Some("acme".to_owned()),
            created_by: Some(ada.clone()),
            private_metadata: Some(json!({"stripe": "cus_1"})),
            ..Default::default()
        })
        .await
        .expect("created");
    assert_eq!((org.name.as_str(), org.slug.as_deref()), ("Acme", Some("acme")));
    assert_eq!(
        org.private_metadata().and_then(|m| m.get("stripe")),
        Some(&json!("cus_1"))
    );
    assert!(!serde_json::to_string(&org).expect("json").contains("cus_1"));

    assert_eq!(
        api.organizations()
            .get("acme", &Default::default())
            .await
            .expect("by slug")
            .id,
        org.id
    );
    assert_eq!(
        api.organizations()
            .get(&org.id, &Default::default())
            .await
            .expect("by id")
            .id,
        org.id
    );
    let page = api
        .organizations()
        .list(&OrganizationListParams {
            query: Some("acm".to_owned()),
            include_members_count: Some(true),
            ..Default::default()
        })
        .await
        .expect("list");
    assert_eq!(page.total_count, Some(1));
    assert_eq!(page.data[0].members_count, Some(1));

    let renamed = api
        .organizations()
        .update(
            &org.id,
            &UpdateOrganization {
                name: Some("Acme Corp".to_owned()),
                ..Default::default()
            },
        )
        .await
        .expect("renamed");
    assert_eq!(renamed.name, "Acme Corp");
    assert!(renamed.updated_at > org.updated_at);
    let merged = api
        .organizations()
        .merge_metadata(
            &org.id,
            &MergeOrganizationMetadata {
                public_metadata: json!({"tier": "pro"}),
                ..Default::default()
            },
        )
        .await
        .expect("merged");
    assert_eq!(merged.public_metadata.get("tier"), Some(&json!("pro")));

    let member = api
        .organization_memberships()
        .create(&org.id, &CreateMembership::new(&bob, "org:member"))
        .await
        .expect("added");
    assert_eq!(
        (member.role.as_str(), member.user_id()),
        ("org:member", Some(bob.as_str()))
    );
    assert_eq!(member.organization_id(), Some(org.id.as_str()));
    let promoted = api
        .organization_memberships()
        .update(
            &org.id,
            &bob,
            &UpdateOrganizationMembership {
                role: "org:admin".to_owned(),
            },
        )
        .await
        .expect("promoted");
    assert_eq!(
        (promoted.id.as_str(), promoted.role.as_str()),
        (member.id.as_str(), "org:admin")
    );
    let tagged = api
        .organization_memberships()
        .update_metadata(
            &org.id,
            &bob,
            &UpdateOrganizationMembershipMetadata {
                private_metadata: json!({"cost_center": 7}),
                ..Default::default()
            },
        )
        .await
        .expect("metadata");
    assert_eq!(
        tagged.private_metadata().and_then(|m| m.get("cost_center")),
        Some(&json!(7))
    );

    let admins = api
        .organization_memberships()
        .list(
            &org.id,
            &MembershipListParams {
                role: vec!["org:admin".to_owned()],
                ..Default::default()
            },
        )
        .await
        .expect("members");
    assert_eq!(admins.total_count, Some(2));
    let everyone = api
        .organization_memberships()
        .list_for_instance(&InstanceGetOrganizationMembershipsParams {
            limit: Some(500),
            ..Default::default()
        })
        .await
        .expect("instance-wide");
    assert_eq!(everyone.data.len(), 2);
    let bobs = api
        .users()
        .list_organization_memberships(
            &bob,
            &clerk_actix::client::users::UsersGetOrganizationMembershipsParams {
                limit: Some(10),
                offset: Some(0),
            },
        )
        .await
        .expect("user's");
    assert_eq!(
        bobs.data.iter().map(|m| m.id.as_str()).collect::<Vec<_>>(),
        [member.id.as_str()]
    );

    let invitation = api
        .organization_invitations()
        .create(
            &org.id,
            &CreateOrganizationInvitation {
                inviter_user_id: Some(ada.clone()),
                private_metadata: Some(json!({"source": "crm"})),
                ..CreateOrganizationInvitation::new("cy@example.com", "org:member")
            },
        )
        .await
        .expect("invited");
    assert_eq!(invitation.status, Some(InvitationStatus::Pending));
    let pending = api
        .organization_invitations()
        .list(
            &org.id,
            &OrganizationInvitationListParams {
                status: Some(InvitationStatus::Pending),
                ..Default::default()
            },
        )
        .await
        .expect("pending");
    assert_eq!(pending.total_count, Some(1));
    let fetched = api
        .organization_invitations()
        .get(&org.id, &invitation.id)
        .await
        .expect("get");
    assert_eq!(fetched.private_metadata.get("source"), Some(&json!("crm")));
    let revoked = api
        .organization_invitations()
        .revoke(
            &org.id,
            &invitation.id,
            &RevokeOrganizationInvitation {
                requesting_user_id: Some(ada.clone()),
            },
        )
        .await
        .expect("revoked");
    assert_eq!(revoked.status, Some(InvitationStatus::Revoked));

    let removed = api
        .organization_memberships()
        .delete(&org.id, &bob)
        .await
        .expect("removed");
    assert_eq!(removed.id, member.id);
    let deleted = api.organizations().delete(&org.id).await.expect("deleted");
    assert!(deleted.deleted && deleted.id.as_deref() == Some(org.id.as_str()));
    let gone = api
        .organizations()
        .get(&org.id, &Default::default())
        .await
        .expect_err("gone");
    assert!(gone.is_not_found(), "{gone:?}");
}

/// Clerk's errors come back typed; creates are never retried, deletes and reads are.
#[actix_rt::test]
async fn errors_are_typed_and_creates_are_never_retried() {
    let clerk = TestClerk::start().expect("offline Clerk starts");
    let api = client(&clerk);
    let ada = user(&clerk, "ada@example.com");
    let acme = CreateOrganization {
        name: "Acme".to_owned(),
        slug: Some("acme".to_owned()),
        ..Default::default()
    };
    let org = api.organizations().create(&acme).await.expect("created");

    let taken = api.organizations().create(&acme).await.expect_err("slug taken");
    assert_eq!(
        (taken.status(), taken.code()),
        (Some(422), Some("form_identifier_exists"))
    );
    api.organization_memberships()
        .create(&org.id, &CreateMembership::new(&ada, "org:member"))
        .await
        .expect("added");
    let again = api
        .organization_memberships()
        .create(&org.id, &CreateMembership::new(&ada, "org:member"))
        .await
        .expect_err("already a member");
    assert_eq!(again.code(), Some("already_a_member_in_organization"));
    let invalid = api
        .organizations()
        .get("", &Default::default())
        .await
        .expect_err("empty id");
    assert!(matches!(invalid, ApiError::InvalidArgument(_)), "{invalid:?}");

    clerk.faults().fail_next("POST", "/v1/organizations", 1, 503);
    let err = api
        .organizations()
        .create(&CreateOrganization {
            name: "Once".to_owned(),
            ..Default::default()
        })
        .await
        .expect_err("503");
    assert_eq!(err.status(), Some(503));
    assert_eq!(clerk.calls().count_status("POST", "/v1/organizations", 503), 1);
    assert_eq!(clerk.calls().count("POST", "/v1/organizations"), 3);

    let route = "/v1/organizations/{org_id}/memberships";
    clerk.faults().fail_next("POST", route, 1, 503);
    let err = api
        .organization_memberships()
        .create(&org.id, &CreateMembership::new("user_x", "org:member"))
        .await
        .expect_err("503");
    assert_eq!((err.status(), clerk.calls().count("POST", route)), (Some(503), 3));

    // Reads and deletes ride out a 503.
    clerk
        .faults()
        .fail_next("GET", "/v1/organizations/{org_id}", 1, 503);
    api.organizations()
        .get(&org.id, &Default::default())
        .await
        .expect("retried");
    clerk
        .faults()
        .fail_next("DELETE", "/v1/organizations/{org_id}", 1, 503);
    api.organizations().delete(&org.id).await.expect("retried");
    assert_eq!(clerk.calls().count("DELETE", "/v1/organizations/{org_id}"), 2);
}

/// Every organization list also comes as a lazy stream over all pages, one page in flight.
#[actix_rt::test]
async fn organization_lists_stream_every_page() {
    use futures_util::{StreamExt as _, TryStreamExt as _};

    let clerk = TestClerk::start().expect("offline Clerk starts");
    let api = client(&clerk);
    let ada = user(&clerk, "ada@example.com");
    let mut ids = Vec::new();
    for i in 0..5 {
        let org = clerk
            .organizations()
            .create(clerk_testkit::NewOrganization::named(format!("Org {i}")).created_by(&ada))
            .expect("org");
        ids.push(org.id);
    }
    let params = OrganizationListParams {
        limit: Some(2),
        order_by: Some("+created_at".to_owned()),
        ..Default::default()
    };
    let streamed: Vec<String> = api
        .organizations()
        .list_stream(&params.clone())
        .map_ok(|org| org.id)
        .try_collect()
        .await
        .expect("every page");
    assert_eq!(streamed, ids);
    assert_eq!(clerk.calls().count("GET", "/v1/organizations"), 3);

    // Lazy: taking one item sends one request.
    let first = api.organizations().list_stream(&params).next().await;
    assert!(first.is_some_and(|org| org.is_ok()));
    assert_eq!(clerk.calls().count("GET", "/v1/organizations"), 4);

    let memberships: Vec<_> = api
        .organization_memberships()
        .list_for_instance_stream(&InstanceGetOrganizationMembershipsParams {
            limit: Some(2),
            ..Default::default()
        })
        .try_collect()
        .await
        .expect("every membership");
    assert_eq!(memberships.len(), 5);
    let adas: Vec<_> = api
        .users()
        .list_organization_memberships_stream(&ada, &Default::default())
        .try_collect()
        .await
        .expect("every membership of the user");
    assert_eq!(adas.len(), 5);
    let members: Vec<_> = api
        .organization_memberships()
        .list_stream(&ids[0], &MembershipListParams::default())
        .try_collect()
        .await
        .expect("members");
    assert_eq!(members.len(), 1);
    let invitations: Vec<_> = api
        .organization_invitations()
        .list_stream(&ids[0], &OrganizationInvitationListParams::default())
        .try_collect()
        .await
        .expect("none");
    assert!(invitations.is_empty());
}
