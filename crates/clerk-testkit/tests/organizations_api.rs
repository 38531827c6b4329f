//! The organizations Backend API (issue 15): served shapes validate against the OpenAPI
//! schemas, Clerk's errors, webhooks, and session-token `o` claims that follow memberships.

mod common;

use clerk_testkit::{NewOrganization, NewUser, TestClerk};
use common::{validator, violations, Api};
use serde_json::{json, Value};

fn assert_valid(schema: &str, value: &Value) {
    let errors = violations(&validator(schema), value);
    assert!(errors.is_empty(), "{schema}: {errors:?}\n{value:#}");
}

fn code(reply: &common::Reply) -> &str {
    reply.body["errors"][0]["code"].as_str().unwrap_or_default()
}

#[actix_rt::test]
async fn every_served_shape_validates_against_the_openapi_schemas() {
    let clerk = TestClerk::start().expect("emulator starts");
    let api = Api::new(&clerk);
    let ada = clerk
        .users()
        .create(NewUser::default().email("ada@example.com").first_name("Ada"))
        .expect("user");
    let bob = clerk
        .users()
        .create(NewUser::default().email("bob@example.com"))
        .expect("user");

    let created = api
        .send(
            "POST",
            "/v1/organizations",
            Some(
                json!({"name": "Acme Inc", "created_by": ada.id, "public_metadata": {"tier": 1},
                        "private_metadata": {"stripe": "cus_1"}}),
            ),
        )
        .await;
    assert_eq!(created.status, 200, "{:?}", created.body);
    assert_valid("Organization", &created.body);
    assert_eq!(created.body["slug"], "acme-inc");
    assert_eq!(created.body["private_metadata"]["stripe"], "cus_1");
    let org_id = created.body["id"].as_str().expect("id").to_owned();
    assert!(org_id.starts_with("org_") && org_id.len() == 31, "{org_id}");

    let by_slug = api
        .get("/v1/organizations/acme-inc?include_members_count=true")
        .await;
    assert_eq!(by_slug.body["id"], org_id.as_str());
    assert_eq!(by_slug.body["members_count"], 1);
    assert_valid("Organization", &by_slug.body);

    let list = api
        .get("/v1/organizations?query=acme&include_members_count=true")
        .await;
    assert_valid("Organizations", &list.body);
    assert_eq!(list.body["total_count"], 1);

    let added = api
        .send(
            "POST",
            &format!("/v1/organizations/{org_id}/memberships"),
            Some(json!({"user_id": bob.id, "role": "org:member"})),
        )
        .await;
    assert_eq!(added.status, 200, "{:?}", added.body);
    assert_valid("OrganizationMembership", &added.body);
    assert_eq!(added.body["permissions"], json!(["org:sys_memberships:read"]));
    assert_eq!(added.body["public_user_data"]["identifier"], "bob@example.com");

    for path in [
        format!("/v1/organizations/{org_id}/memberships"),
        "/v1/organization_memberships?limit=500".to_owned(),
        format!("/v1/users/{}/organization_memberships", ada.id),
    ] {
        let page = api.get(&path).await;
        assert_eq!(page.status, 200, "{path}");
        assert_valid("OrganizationMemberships", &page.body);
    }

    let invited = api
        .send(
            "POST",
            &format!("/v1/organizations/{org_id}/invitations"),
            Some(json!({"email_address": "cy@example.com", "role": "org:member", "inviter_user_id": ada.id})),
        )
        .await;
    assert_eq!(invited.status, 200, "{:?}", invited.body);
    assert_valid("OrganizationInvitation", &invited.body);
    assert_eq!(
        invited.body["public_inviter_data"]["identifier"],
        "ada@example.com"
    );
    let pending = api
        .get(&format!("/v1/organizations/{org_id}/invitations?status=pending"))
        .await;
    assert_valid("OrganizationInvitations", &pending.body);
    assert_eq!(pending.body["total_count"], 1);

    let deleted = api
        .send("DELETE", &format!("/v1/organizations/{org_id}"), None)
        .await;
    assert_valid("DeletedObject", &deleted.body);
}

#[actix_rt::test]
async fn the_lifecycle_changes_state_and_emits_webhooks() {
    let clerk = TestClerk::start().expect("emulator starts");
    let api = Api::new(&clerk);
    let ada = clerk
        .users()
        .create(NewUser::default().email("ada@example.com"))
        .expect("user");
    let org = clerk
        .organizations()
        .create(NewOrganization::named("Acme").slug("acme"))
        .expect("org");
    let base = format!("/v1/organizations/{}", org.id);

    let renamed = api.send("PATCH", &base, Some(json!({"name": "Acme Corp"}))).await;
    assert_eq!(renamed.body["name"], "Acme Corp");
    assert!(renamed.body["updated_at"].as_i64() > Some(org.updated_at));
    let merged = api
        .send(
            "PATCH",
            &format!("{base}/metadata"),
            Some(json!({"public_metadata": {"a": {"b": 1}}})),
        )
        .await;
    assert_eq!(merged.body["public_metadata"], json!({"a": {"b": 1}}));
    let member = api
        .send(
            "POST",
            &format!("{base}/memberships"),
            Some(json!({"user_id": ada.id, "role": "org:member"})),
        )
        .await;
    assert_eq!(member.status, 200);
    let promoted = api
        .send(
            "PATCH",
            &format!("{base}/memberships/{}", ada.id),
            Some(json!({"role": "org:admin"})),
        )
        .await;
    assert_eq!(promoted.body["role"], "org:admin");
    assert_eq!(promoted.body["id"], member.body["id"]);
    let meta = api
        .send(
            "PATCH",
            &format!("{base}/memberships/{}/metadata", ada.id),
            Some(json!({"private_metadata": {"k": 1}})),
        )
        .await;
    assert_eq!(meta.body["private_metadata"], json!({"k": 1}));
    let removed = api
        .send("DELETE", &format!("{base}/memberships/{}", ada.id), None)
        .await;
    assert_eq!(removed.body["id"], member.body["id"]);
    let invited = api
        .send(
            "POST",
            &format!("{base}/invitations"),
            Some(json!({"email_address": "x@example.com", "role": "org:member"})),
        )
        .await;
    let invitation_id = invited.body["id"].as_str().expect("id").to_owned();
    let revoked = api
        .send(
            "POST",
            &format!("{base}/invitations/{invitation_id}/revoke"),
            Some(json!({})),
        )
        .await;
    assert_eq!(revoked.body["status"], "revoked");
    let fetched = api.get(&format!("{base}/invitations/{invitation_id}")).await;
    assert_eq!(fetched.body["status"], "revoked");
    assert_eq!(api.send("DELETE", &base, None).await.status, 200);

    let types: Vec<String> = clerk
        .webhooks()
        .events()
        .into_iter()
        .map(|e| e.event_type)
        .collect();
    let org_types: Vec<&str> = types
        .iter()
        .map(String::as_str)
        .filter(|t| t.starts_with("organization"))
        .collect();
    assert_eq!(
        org_types,
        [
            "organization.created",
            "organization.updated",
            "organization.updated",
            "organizationMembership.created",
            "organizationMembership.updated",
            "organizationMembership.updated",
            "organizationMembership.deleted",
            "organizationInvitation.created",
            "organizationInvitation.revoked",
            "organization.deleted",
        ]
    );
    let events = clerk.webhooks().events();
    let deleted: Value = serde_json::from_str(&events.last().expect("event").body).expect("json");
    assert_eq!(
        deleted["data"],
        json!({"deleted": true, "id": org.id, "object": "organization", "slug": "acme"})
    );
}

#[actix_rt::test]
async fn errors_have_clerk_codes() {
    let clerk = TestClerk::start().expect("emulator starts");
    let api = Api::new(&clerk);
    let ada = clerk
        .users()
        .create(NewUser::default().email("ada@example.com"))
        .expect("user");
    let org = clerk
        .organizations()
        .create(NewOrganization::named("Acme").slug("acme").created_by(&ada.id))
        .expect("org");
    let base = format!("/v1/organizations/{}", org.id);

    let missing = api.get("/v1/organizations/org_missing").await;
    assert_eq!((missing.status, code(&missing)), (404, "resource_not_found"));
    let taken = api
        .send(
            "POST",
            "/v1/organizations",
            Some(json!({"name": "Other", "slug": "acme"})),
        )
        .await;
    assert_eq!((taken.status, code(&taken)), (422, "form_identifier_exists"));
    assert_eq!(taken.body["errors"][0]["meta"]["param_name"], "slug");
    let bad_slug = api
        .send(
            "POST",
            "/v1/organizations",
            Some(json!({"name": "Other", "slug": "Not OK"})),
        )
        .await;
    assert_eq!(
        (bad_slug.status, code(&bad_slug)),
        (422, "form_param_format_invalid")
    );
    let no_name = api.send("POST", "/v1/organizations", Some(json!({}))).await;
    assert_eq!((no_name.status, code(&no_name)), (422, "form_param_missing"));
    let no_creator = api
        .send(
            "POST",
            "/v1/organizations",
            Some(json!({"name": "X", "created_by": "user_missing"})),
        )
        .await;
    assert_eq!(
        (no_creator.status, code(&no_creator)),
        (400, "organization_creator_not_found")
    );
    let metadata_in_patch = api
        .send("PATCH", &base, Some(json!({"public_metadata": {"a": 1}})))
        .await;
    assert_eq!(
        (metadata_in_patch.status, code(&metadata_in_patch)),
        (422, "form_param_unknown")
    );

    let again = api
        .send(
            "POST",
            &format!("{base}/memberships"),
            Some(json!({"user_id": ada.id, "role": "org:member"})),
        )
        .await;
    assert_eq!(
        (again.status, code(&again)),
        (400, "already_a_member_in_organization")
    );
    let bad_role = api
        .send(
            "PATCH",
            &format!("{base}/memberships/{}", ada.id),
            Some(json!({"role": "org:owner"})),
        )
        .await;
    assert_eq!(
        (bad_role.status, code(&bad_role)),
        (422, "form_param_value_invalid")
    );
    let not_member = api
        .send("DELETE", &format!("{base}/memberships/user_missing"), None)
        .await;
    assert_eq!(not_member.status, 404);
    let no_user = api
        .send(
            "POST",
            &format!("{base}/memberships"),
            Some(json!({"user_id": "user_missing", "role": "org:member"})),
        )
        .await;
    assert_eq!(no_user.status, 404);

    let invite = json!({"email_address": "x@example.com", "role": "org:member"});
    assert_eq!(
        api.send("POST", &format!("{base}/invitations"), Some(invite.clone()))
            .await
            .status,
        200
    );
    let duplicate = api
        .send("POST", &format!("{base}/invitations"), Some(invite))
        .await;
    assert_eq!(
        (duplicate.status, code(&duplicate)),
        (400, "organization_invitation_not_unique")
    );
    let bob = clerk
        .users()
        .create(NewUser::default().email("bob@example.com"))
        .expect("user");
    let not_admin = api
        .send(
            "POST",
            &format!("{base}/invitations"),
            Some(json!({"email_address": "y@example.com", "role": "org:member", "inviter_user_id": bob.id})),
        )
        .await;
    assert_eq!(
        (not_admin.status, code(&not_admin)),
        (403, "not_an_admin_in_organization")
    );
    let bad_status = api.get(&format!("{base}/invitations?status=sent")).await;
    assert_eq!(bad_status.status, 422);
    let unknown = api.get(&format!("{base}/invitations/orginv_missing")).await;
    assert_eq!(unknown.status, 404);

    let limited = clerk
        .organizations()
        .create(NewOrganization {
            max_allowed_memberships: Some(1),
            ..NewOrganization::named("Tiny").created_by(&ada.id)
        })
        .expect("org");
    let full = api
        .send(
            "POST",
            &format!("/v1/organizations/{}/memberships", limited.id),
            Some(json!({"user_id": bob.id, "role": "org:member"})),
        )
        .await;
    assert_eq!(
        (full.status, code(&full)),
        (403, "organization_membership_quota_exceeded")
    );

    let unauthenticated = Api::new(&clerk).with_key(None).get("/v1/organizations").await;
    assert_eq!(unauthenticated.status, 401);
}

#[actix_rt::test]
async fn lists_page_filter_and_order() {
    let clerk = TestClerk::start().expect("emulator starts");
    let api = Api::new(&clerk);
    let ada = clerk
        .users()
        .create(NewUser::default().email("ada@example.com"))
        .expect("user");
    for name in ["Charlie", "alpha", "Bravo"] {
        clerk
            .organizations()
            .create(NewOrganization::named(name))
            .expect("org");
    }
    let mine = clerk
        .organizations()
        .create(NewOrganization::named("Delta").created_by(&ada.id))
        .expect("org");
    let newest_first = api.get("/v1/organizations?limit=2").await;
    assert_eq!(newest_first.body["total_count"], 4);
    assert_eq!(newest_first.body["data"][0]["name"], "Delta");
    assert_eq!(newest_first.body["data"].as_array().map(Vec::len), Some(2));
    let by_name = api
        .get("/v1/organizations?order_by=%2Bname&offset=1&limit=2")
        .await;
    let names: Vec<&str> = by_name.body["data"]
        .as_array()
        .expect("data")
        .iter()
        .filter_map(|o| o["name"].as_str())
        .collect();
    assert_eq!(names, ["Bravo", "Charlie"]);
    let with_ada = api.get(&format!("/v1/organizations?user_id={}", ada.id)).await;
    assert_eq!(with_ada.body["total_count"], 1);
    assert_eq!(with_ada.body["data"][0]["id"], mine.id.as_str());
    let bad_order = api.get("/v1/organizations?order_by=slug").await;
    assert_eq!(bad_order.status, 422);
    let bad_limit = api.get("/v1/organization_memberships?limit=0").await;
    assert_eq!(bad_limit.status, 422);
}

#[actix_rt::test]
async fn session_tokens_carry_org_claims_that_follow_memberships() {
    let clerk = TestClerk::start().expect("emulator starts");
    let api = Api::new(&clerk);
    let ada = clerk
        .users()
        .create(NewUser::default().email("ada@example.com"))
        .expect("user");
    let org = clerk
        .organizations()
        .create(NewOrganization::named("Acme").slug("acme").created_by(&ada.id))
        .expect("org");

    // The creator's next session starts in the organization, as an admin.
    let session = api
        .send("POST", "/v1/sessions", Some(json!({"user_id": ada.id})))
        .await;
    assert_eq!(session.body["last_active_organization_id"], org.id.as_str());
    let sid = session.body["id"].as_str().expect("sid").to_owned();
    let mint = || async {
        let token = api
            .send("POST", &format!("/v1/sessions/{sid}/tokens"), Some(json!({})))
            .await;
        let jwt = token.body["jwt"].as_str().expect("jwt").to_owned();
        clerk_testkit::decode_unverified(&jwt).expect("decodes").1
    };
    let admin = mint().await;
    assert_eq!(admin["o"]["id"], org.id.as_str());
    assert_eq!(admin["o"]["rol"], "admin");
    assert_eq!(admin["o"]["slg"], "acme");
    assert_eq!(admin["o"]["per"], "read");
    assert_eq!(admin["o"]["fpm"], "1");
    assert_eq!(admin["fea"], "o:members");

    // A member has no custom permission: no `per`/`fpm`.
    clerk
        .organizations()
        .set_role(&org.id, &ada.id, "org:member")
        .expect("role");
    let member = mint().await;
    assert_eq!(member["o"]["rol"], "member");
    assert!(
        member["o"].get("per").is_none() && member.get("fea").is_none(),
        "{member:?}"
    );

    clerk
        .organizations()
        .set_role(&org.id, &ada.id, "org:auditor")
        .expect("role");
    let auditor = clerk
        .organizations()
        .session_token(&ada.id, &org.id)
        .expect("member")
        .mint();
    let (_, auditor) = clerk_testkit::decode_unverified(&auditor).expect("decodes");
    assert_eq!(
        (auditor["o"]["rol"].as_str(), auditor["o"]["per"].as_str()),
        (Some("auditor"), Some("read"))
    );

    // Removed: the session's tokens no longer name the organization.
    clerk
        .organizations()
        .remove_member(&org.id, &ada.id)
        .expect("removed");
    assert!(mint().await.get("o").is_none());
    assert!(clerk.organizations().session_token(&ada.id, &org.id).is_err());
}

#[test]
fn accepting_an_invitation_adds_the_member_with_its_metadata() {
    let clerk = TestClerk::start().expect("emulator starts");
    let orgs = clerk.organizations();
    let ada = clerk
        .users()
        .create(NewUser::default().email("ada@example.com"))
        .expect("user");
    let org = orgs.create(NewOrganization::named("Acme")).expect("org");
    let invitation = orgs
        .invite(
            &org.id,
            clerk_testkit::store::NewInvitation {
                email_address: "ada@example.com".to_owned(),
                role: "org:auditor".to_owned(),
                public_metadata: Some(serde_json::Map::from_iter([("team".to_owned(), json!("ops"))])),
                ..Default::default()
            },
        )
        .expect("invited");
    let membership = orgs.accept_invitation(&invitation.id, &ada.id).expect("accepted");
    assert_eq!(membership.role, "org:auditor");
    assert_eq!(membership.public_metadata["team"], "ops");
    assert!(orgs.accept_invitation(&invitation.id, &ada.id).is_err());
    assert!(clerk
        .webhooks()
        .events()
        .iter()
        .any(|e| e.event_type == "organizationInvitation.accepted"));
}

/// The types and `data` of the events emitted so far.
fn events(clerk: &TestClerk) -> Vec<(String, Value)> {
    clerk
        .webhooks()
        .events()
        .into_iter()
        .map(|e| {
            let body: Value = serde_json::from_str(&e.body).expect("json");
            (e.event_type, body["data"].clone())
        })
        .collect()
}

#[actix_rt::test]
async fn deleting_a_user_removes_their_memberships() {
    let clerk = TestClerk::start().expect("emulator starts");
    let api = Api::new(&clerk);
    let orgs = clerk.organizations();
    let ada = clerk
        .users()
        .create(NewUser::default().email("ada@example.com").first_name("Ada"))
        .expect("user");
    let bob = clerk
        .users()
        .create(NewUser::default().email("bob@example.com"))
        .expect("user");
    let acme = orgs
        .create(NewOrganization::named("Acme").slug("acme").created_by(&ada.id))
        .expect("org");
    orgs.add_member(&acme.id, &bob.id, "org:member").expect("member");
    let beta = orgs.create(NewOrganization::named("Beta")).expect("org");
    let ada_in_beta = orgs.add_member(&beta.id, &ada.id, "org:auditor").expect("member");
    let ada_in_acme = orgs.membership(&acme.id, &ada.id).expect("creator is a member");
    let session = api
        .send("POST", "/v1/sessions", Some(json!({"user_id": ada.id})))
        .await;
    let sid = session.body["id"].as_str().expect("sid").to_owned();
    assert_eq!(session.body["last_active_organization_id"], beta.id.as_str());
    clerk.webhooks().clear_log();

    let deleted = api.send("DELETE", &format!("/v1/users/{}", ada.id), None).await;
    assert_eq!(deleted.status, 200, "{:?}", deleted.body);

    // The organizations no longer count or list her.
    let acme_json = api
        .get(&format!(
            "/v1/organizations/{}?include_members_count=true",
            acme.id
        ))
        .await;
    assert_eq!(acme_json.body["members_count"], 1);
    let members = api
        .get(&format!("/v1/organizations/{}/memberships", acme.id))
        .await;
    assert_eq!(members.body["total_count"], 1, "{:?}", members.body);
    assert_eq!(
        members.body["data"][0]["public_user_data"]["user_id"],
        bob.id.as_str()
    );
    let beta_members = api
        .get(&format!("/v1/organizations/{}/memberships", beta.id))
        .await;
    assert_eq!(beta_members.body["total_count"], 0, "{:?}", beta_members.body);
    let all = api.get("/v1/organization_memberships?limit=500").await;
    assert_eq!(all.body["total_count"], 1, "{:?}", all.body);
    assert!(orgs.all_memberships().iter().all(|m| m.user_id != ada.id));
    assert_eq!(orgs.last_active_organization(&ada.id), None);

    // No token names her organizations any more; her session is gone.
    assert!(orgs.org_claim(&ada.id, &acme.id).is_none());
    assert!(orgs.session_token(&ada.id, &beta.id).is_err());
    let token = api
        .send("POST", &format!("/v1/sessions/{sid}/tokens"), Some(json!({})))
        .await;
    assert_eq!(token.status, 404, "{:?}", token.body);
    assert!(orgs.add_member(&acme.id, &ada.id, "org:member").is_err());

    // `user.deleted`, then one `organizationMembership.deleted` per membership, shaped as an
    // ordinary removal, with her public data as it was.
    let events = events(&clerk);
    let types: Vec<&str> = events.iter().map(|(t, _)| t.as_str()).collect();
    assert_eq!(
        types,
        [
            "user.deleted",
            "organizationMembership.deleted",
            "organizationMembership.deleted"
        ]
    );
    for ((_, data), (membership, org)) in events[1..]
        .iter()
        .zip([(&ada_in_acme, &acme), (&ada_in_beta, &beta)])
    {
        assert_valid("OrganizationMembership", data);
        assert_eq!(data["id"], membership.id.as_str());
        assert_eq!(data["role"], membership.role.as_str());
        assert_eq!(data["organization"]["id"], org.id.as_str());
        assert_eq!(data["public_user_data"]["user_id"], ada.id.as_str());
        assert_eq!(data["public_user_data"]["identifier"], "ada@example.com");
        assert_eq!(data["public_user_data"]["first_name"], "Ada");
    }
}

#[test]
fn deleting_a_user_in_process_removes_their_memberships() {
    let clerk = TestClerk::start().expect("emulator starts");
    let orgs = clerk.organizations();
    let ada = clerk
        .users()
        .create(NewUser::default().email("ada@example.com"))
        .expect("user");
    let acme = orgs
        .create(NewOrganization::named("Acme").created_by(&ada.id))
        .expect("org");
    assert!(orgs.session_token(&ada.id, &acme.id).is_ok());
    clerk.users().delete(&ada.id).expect("deleted");
    assert!(orgs.members(&acme.id).is_empty());
    assert!(orgs.membership(&acme.id, &ada.id).is_none());
    assert!(orgs.session_token(&ada.id, &acme.id).is_err());
    let types: Vec<String> = events(&clerk).into_iter().map(|(t, _)| t).collect();
    assert_eq!(
        types[types.len() - 2..],
        ["user.deleted", "organizationMembership.deleted"]
    );
}
