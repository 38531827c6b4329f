//! Parity of the organization roles the offline Clerk serves (issue 26): Clerk's official
//! `@clerk/backend` client (pinned in `parity/package.json`) drives one emulator through
//! `node parity/bapi_roles.mjs`, our generated calls (`client.organization_roles()`) make the
//! same calls against a second one, and both see the same answers and leave the same state
//! (the last step lists every role, the emulated instance's built-in ones included). A
//! membership made with a custom role key carries that role's permissions. Ids minted fresh
//! and times aside (`node::shape`). Node and npm are required (as in `parity.rs`).

mod node;

use std::path::Path;
use std::process::Command;

use clerk_actix::client::organization_permissions::CreateOrganizationPermission;
use clerk_actix::client::organization_roles::{
    CreateOrganizationRole, ListOrganizationRolesParams, UpdateOrganizationRole,
};
use clerk_actix::client::{ClientConfig, CreateMembership};
use clerk_actix::ClerkClient;
use clerk_testkit::{NewOrganization, NewUser, TestClerk};
use node::shape::{answer, assert_same, normalized, page, resource};
use node::{assert_steps_ok, ensure_node_modules, json_output, workspace_root};
use serde_json::{json, Value};

/// An emulator with a user and an organization (the user not a member yet); returns their ids.
fn emulator() -> (TestClerk, String, String) {
    let clerk = TestClerk::builder().fixed_instance().start().expect("emulator");
    let user = clerk
        .users()
        .create(
            NewUser::default()
                .id("user_2ParityRolesAda00000000000")
                .email("ada@example.com"),
        )
        .expect("user")
        .id;
    let org = clerk
        .organizations()
        .create(NewOrganization::named("Acme"))
        .expect("org")
        .id;
    (clerk, user, org)
}

fn run_clerk(root: &Path, clerk: &TestClerk, user: &str, org: &str) -> Value {
    json_output(
        Command::new("node")
            .arg("parity/bapi_roles.mjs")
            .current_dir(root)
            .env("CLERK_API_URL", clerk.base_url())
            .env("CLERK_SECRET_KEY", clerk.secret_key())
            .env("USER_ID", user)
            .env("ORG_ID", org),
    )
}

fn create(name: &str, key: &str) -> CreateOrganizationRole {
    CreateOrganizationRole {
        name: name.to_owned(),
        key: key.to_owned(),
        ..CreateOrganizationRole::default()
    }
}

/// Our generated calls, the script's steps in its shape, against `clerk`.
async fn run_ours(clerk: &TestClerk, user: &str, org: &str) -> Value {
    let api = ClerkClient::new(
        ClientConfig::new()
            .secret_key(clerk.secret_key())
            .api_url(clerk.base_url()),
    )
    .expect("client");
    let roles = api.organization_roles();
    let mut out = serde_json::Map::new();
    let mut step = |name: &str, value: Value| out.insert(name.to_owned(), value);
    let permission = api
        .organization_permissions()
        .create(&CreateOrganizationPermission {
            name: "Read team".to_owned(),
            key: "org:team:read".to_owned(),
            description: None,
        })
        .await;
    let permission_id = permission.as_ref().map(|p| p.id.clone()).unwrap_or_default();
    step("permission", answer(permission, |p| resource(&p)));
    let viewer = roles
        .create(&CreateOrganizationRole {
            description: Some("Sees the team".to_owned()),
            permissions: Some(vec![permission_id.clone()]),
            ..create("Viewer", "org:viewer")
        })
        .await;
    let viewer_id = viewer.as_ref().map(|r| r.id.clone()).unwrap_or_default();
    step("create", answer(viewer, |r| resource(&r)));
    let editor = roles.create(&create("Editor", "org:editor")).await;
    let editor_id = editor.as_ref().map(|r| r.id.clone()).unwrap_or_default();
    step("create_plain", answer(editor, |r| resource(&r)));
    step(
        "create_duplicate",
        answer(roles.create(&create("Again", "org:viewer")).await, |r| {
            resource(&r)
        }),
    );
    step(
        "create_bad_key",
        answer(roles.create(&create("Bad", "viewer")).await, |r| resource(&r)),
    );
    let ghost = CreateOrganizationRole {
        permissions: Some(vec!["perm_unknown".to_owned()]),
        ..create("Ghost", "org:ghost")
    };
    step(
        "create_unknown_permission",
        answer(roles.create(&ghost).await, |r| resource(&r)),
    );
    step("get", answer(roles.get(&viewer_id).await, |r| resource(&r)));
    let change = UpdateOrganizationRole {
        name: Some("Team viewer".to_owned()),
        description: Some("Sees every member".to_owned()),
        ..UpdateOrganizationRole::default()
    };
    step(
        "update",
        answer(roles.update(&viewer_id, &change).await, |r| resource(&r)),
    );
    let clash = UpdateOrganizationRole {
        key: Some("org:viewer".to_owned()),
        ..UpdateOrganizationRole::default()
    };
    step(
        "update_duplicate",
        answer(roles.update(&editor_id, &clash).await, |r| resource(&r)),
    );
    for name in ["assign", "assign_again"] {
        let assigned = roles.assign_permission(&editor_id, &permission_id).await;
        step(name, answer(assigned, |r| resource(&r)));
    }
    for name in ["remove", "remove_again"] {
        let removed = roles.remove_permission(&viewer_id, &permission_id).await;
        step(name, answer(removed, |r| resource(&r)));
    }
    let query = ListOrganizationRolesParams {
        query: Some("editor".to_owned()),
        ..ListOrganizationRolesParams::default()
    };
    step(
        "list_query",
        answer(roles.list(&query).await, |p| page(p, resource)),
    );
    let second = ListOrganizationRolesParams {
        limit: Some(1),
        offset: Some(1),
        ..ListOrganizationRolesParams::default()
    };
    step(
        "list_page",
        answer(roles.list(&second).await, |p| page(p, resource)),
    );
    let join = CreateMembership::new(user, "org:editor");
    step(
        "member_with_role",
        answer(
            api.organization_memberships().create(org, &join).await,
            |m| json!({"role": m.role, "permissions": m.permissions}),
        ),
    );
    step(
        "delete_in_use",
        answer(roles.delete(&editor_id).await, |d| resource(&d)),
    );
    step("delete", answer(roles.delete(&viewer_id).await, |d| resource(&d)));
    step(
        "get_deleted",
        answer(roles.get(&viewer_id).await, |r| resource(&r)),
    );
    let all = ListOrganizationRolesParams {
        limit: Some(20),
        ..ListOrganizationRolesParams::default()
    };
    step("state", answer(roles.list(&all).await, |p| page(p, resource)));
    Value::Object(out)
}

/// Clerk's client and our generated calls make the same calls against two emulators and see
/// the same objects field by field, down to the final list of roles.
#[actix_rt::test]
async fn our_generated_calls_leave_the_emulator_as_clerks_client_does() {
    let root = workspace_root();
    ensure_node_modules(&root);
    let (theirs, user, org) = emulator();
    let clerk = run_clerk(&root, &theirs, &user, &org);
    assert_steps_ok(
        &clerk,
        &["create", "update", "assign", "member_with_role", "state"],
    );
    assert_eq!(
        clerk["member_with_role"]["permissions"],
        json!(["org:team:read"]),
        "a custom role's permissions reach its members"
    );
    assert_eq!(
        clerk["delete_in_use"]["code"],
        "organization_role_assigned_members"
    );
    let (mine, user, org) = emulator();
    let ours = run_ours(&mine, &user, &org).await;
    assert_same(&normalized(&clerk, &[]), &normalized(&ours, &[]));
}
