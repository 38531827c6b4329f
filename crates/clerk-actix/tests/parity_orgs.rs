//! Parity of the organizations vertical (issue 15): Clerk's official Backend API client
//! (`@clerk/backend` 3.25.0, `parity/bapi_orgs.mjs`) drives the offline Clerk through every
//! organization, membership and organization-invitation call we added, verifies the session
//! token's `o` claim and the emulator's organization webhooks; our [`ClerkClient`] reads the
//! same state back. Needs Node.js 20+; runs `npm ci --prefix parity` itself when the pinned
//! package is missing, and fails (never skips) if it cannot.

mod node;

use std::process::Command;

use clerk_actix::client::{ClientConfig, MembershipListParams, OrganizationListParams};
use clerk_actix::ClerkClient;
use clerk_testkit::{NewOrganization, NewUser, TestClerk};
use node::{ensure_node_modules, workspace_root};
use serde_json::{json, Value};

/// A delivery of an event the emulator emitted, signed as Svix would.
fn signed(body: &str, msg_id: &str) -> Value {
    let secret = "whsec_AQIDBAUGBwgJCgsMDQ4PEBESExQVFhcYGRobHB0eHyA=";
    let ts = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0);
    let signature = clerk_testkit::sign_webhook(secret, msg_id, ts, body).expect("sign");
    json!({"body": body, "secret": secret, "headers": {
        "svix-id": msg_id, "svix-timestamp": ts.to_string(), "svix-signature": signature,
        "content-type": "application/json"}})
}

#[actix_rt::test]
async fn clerks_own_backend_client_drives_every_organization_call() {
    let root = workspace_root();
    ensure_node_modules(&root);
    let clerk = TestClerk::start().expect("emulator");
    let admin = clerk
        .users()
        .create(NewUser::default().first_name("Ada").email("ada@example.com"))
        .expect("user");
    let member = clerk
        .users()
        .create(NewUser::default().first_name("Bob").email("bob@example.com"))
        .expect("user");
    // Events the emulator emits, for Clerk's webhook verifier.
    let warmup = clerk
        .organizations()
        .create(NewOrganization::named("Warm-up").created_by(&admin.id))
        .expect("org");
    clerk.organizations().delete(&warmup.id).expect("deleted");
    let webhooks: Vec<Value> = clerk
        .webhooks()
        .events()
        .iter()
        .filter(|event| event.event_type.starts_with("organization"))
        .map(|event| signed(&event.body, &event.msg_id))
        .collect();
    assert_eq!(
        webhooks.len(),
        3,
        "organization.created, organizationMembership.created, organization.deleted"
    );

    let output = Command::new("node")
        .arg("parity/bapi_orgs.mjs")
        .current_dir(&root)
        .env("CLERK_API_URL", clerk.base_url())
        .env("CLERK_SECRET_KEY", clerk.secret_key())
        .env("ADMIN_ID", &admin.id)
        .env("MEMBER_ID", &member.id)
        .env("WEBHOOKS", Value::from(webhooks).to_string())
        .output()
        .expect("node runs");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let out: Value = serde_json::from_slice(&output.stdout).expect("one JSON object");

    // Organizations.
    let org_id = out["create"]["id"]
        .as_str()
        .unwrap_or_else(|| panic!("{out}"))
        .to_owned();
    assert_eq!(out["create"]["slug"], "acme", "{out}");
    assert_eq!(out["create"]["createdBy"], admin.id.as_str());
    assert_eq!(out["create"]["privateMetadata"]["stripe"], "cus_1");
    assert_eq!(
        (
            out["create_taken"]["status"].as_i64(),
            out["create_taken"]["code"].as_str()
        ),
        (Some(422), Some("form_identifier_exists")),
        "{out}"
    );
    assert_eq!(out["get_by_id"]["membersCount"], 1, "{out}");
    assert_eq!(out["get_by_slug"]["id"], org_id.as_str(), "{out}");
    assert_eq!(
        (
            out["get_missing"]["status"].as_i64(),
            out["get_missing"]["code"].as_str()
        ),
        (Some(404), Some("resource_not_found"))
    );
    assert_eq!(out["list"]["totalCount"], 1, "{out}");
    assert_eq!(out["list"]["ids"], json!([org_id]));
    assert_eq!(out["list"]["membersCount"], 1);
    assert_eq!(out["update"]["name"], "Acme Corp", "{out}");
    assert_eq!(
        out["update_metadata"]["publicMetadata"],
        json!({"tier": "pro", "region": "eu"}),
        "{out}"
    );

    // Memberships.
    assert_eq!(out["add_member"]["role"], "org:member", "{out}");
    assert_eq!(out["add_member"]["userId"], member.id.as_str());
    assert_eq!(out["add_member"]["identifier"], "bob@example.com");
    assert_eq!(
        out["add_member_again"]["code"], "already_a_member_in_organization",
        "{out}"
    );
    assert_eq!(out["update_member"]["role"], "org:auditor", "{out}");
    assert_eq!(out["update_member"]["permissions"], json!(["org:members:read"]));
    assert_eq!(
        out["update_member_metadata"]["privateMetadata"],
        json!({"salary": 1}),
        "{out}"
    );
    assert_eq!(out["members"]["totalCount"], 2, "{out}");
    assert_eq!(out["members"]["roles"], json!(["org:admin", "org:auditor"]));
    assert_eq!(out["instance_members"]["totalCount"], 2, "{out}");
    assert_eq!(out["user_memberships"]["orgIds"], json!([org_id]), "{out}");

    // Invitations.
    let invitation_id = out["invite"]["id"]
        .as_str()
        .unwrap_or_else(|| panic!("{out}"))
        .to_owned();
    assert_eq!(out["invite"]["status"], "pending", "{out}");
    assert_eq!(out["invite"]["roleName"], "Member");
    assert_eq!(out["invite"]["organizationId"], org_id.as_str());
    assert_eq!(
        out["invite_again"]["code"], "organization_invitation_not_unique",
        "{out}"
    );
    assert_eq!(out["invitations"]["ids"], json!([invitation_id]), "{out}");
    assert_eq!(
        out["get_invitation"]["privateMetadata"],
        json!({"source": "crm"}),
        "{out}"
    );
    assert_eq!(out["revoke"]["status"], "revoked", "{out}");
    assert_eq!(
        (
            out["revoke_again"]["status"].as_i64(),
            out["revoke_again"]["code"].as_str()
        ),
        (Some(404), Some("organization_invitation_not_pending")),
        "{out}"
    );

    // The admin's session starts in the organization; Clerk's verifier reads the `o` claim.
    assert_eq!(
        out["org_token"]["lastActiveOrganizationId"],
        org_id.as_str(),
        "{out}"
    );
    assert_eq!(out["org_token"]["o"]["id"], org_id.as_str(), "{out}");
    assert_eq!(out["org_token"]["o"]["rol"], "admin");
    assert_eq!(out["org_token"]["o"]["slg"], "acme");
    assert_eq!(out["org_token"]["o"]["per"], "read");
    assert_eq!(out["org_token"]["o"]["fpm"], "1");
    assert_eq!(out["org_token"]["fea"], "o:members");

    assert_eq!(out["remove_member"]["userId"], member.id.as_str(), "{out}");
    assert_eq!(out["remove_member_again"]["status"], 404, "{out}");

    // Clerk's webhook verifier accepts the emulator's organization events.
    let types: Vec<&str> = out["webhooks"]
        .as_array()
        .unwrap_or_else(|| panic!("{out}"))
        .iter()
        .filter_map(|event| event["type"].as_str())
        .collect();
    assert_eq!(
        types,
        [
            "organization.created",
            "organizationMembership.created",
            "organization.deleted"
        ],
        "{out}"
    );
    assert_eq!(out["webhooks"][0]["id"], warmup.id.as_str());

    assert_eq!(out["delete"]["deleted"], true, "{out}");
    assert_eq!(out["delete"]["id"], org_id.as_str());
    assert_eq!(out["get_deleted"]["status"], 404, "{out}");

    // Our client sees the state Clerk's client left: the organization and its memberships gone,
    // the warm-up's too; the two users remain members of nothing.
    let ours = ClerkClient::new(
        ClientConfig::new()
            .secret_key(clerk.secret_key())
            .api_url(clerk.base_url()),
    )
    .expect("client");
    let gone = ours.get_organization(&org_id).await.expect_err("deleted");
    assert!(gone.is_not_found(), "{gone:?}");
    let listed = ours
        .list_organizations(&OrganizationListParams::default())
        .await
        .expect("list");
    assert_eq!(listed.total_count, Some(0));
    let memberships = ours
        .list_instance_organization_memberships(&MembershipListParams::default())
        .await
        .expect("memberships");
    assert_eq!(memberships.total_count, Some(0));
    let invitations = ours.get_organization_invitation(&org_id, &invitation_id).await;
    assert!(invitations.is_err_and(|err| err.is_not_found()));
}
