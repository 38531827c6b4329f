//! Parity of the organization permissions the offline Clerk serves (issue 26): Clerk's official
//! `@clerk/backend` client (pinned in `parity/package.json`) drives one emulator through
//! `node parity/bapi_permissions.mjs`, our generated calls (`client.organization_permissions()`)
//! make the same calls against a second one, and both see the same answers and leave the
//! same state (the last step lists every permission). Ids minted fresh and times aside
//! (`node::shape`). Node and npm are required (as in `parity.rs`): a missing
//! `parity/node_modules` is installed with `npm ci`, and the test fails, never skips, if it
//! cannot be.

mod node;

use std::path::Path;
use std::process::Command;

use clerk_actix::client::organization_permissions::{
    CreateOrganizationPermission, ListOrganizationPermissionsParams, UpdateOrganizationPermission,
};
use clerk_actix::client::ClientConfig;
use clerk_actix::ClerkClient;
use clerk_testkit::TestClerk;
use node::shape::{answer, assert_same, normalized, page, resource};
use node::{assert_steps_ok, ensure_node_modules, json_output, workspace_root};
use serde_json::Value;

fn emulator() -> TestClerk {
    TestClerk::builder().fixed_instance().start().expect("emulator")
}

fn run_clerk(root: &Path, clerk: &TestClerk) -> Value {
    json_output(
        Command::new("node")
            .arg("parity/bapi_permissions.mjs")
            .current_dir(root)
            .env("CLERK_API_URL", clerk.base_url())
            .env("CLERK_SECRET_KEY", clerk.secret_key()),
    )
}

fn create(name: &str, key: &str, description: Option<&str>) -> CreateOrganizationPermission {
    CreateOrganizationPermission {
        name: name.to_owned(),
        key: key.to_owned(),
        description: description.map(str::to_owned),
    }
}

/// Our generated calls, the script's steps in its shape, against `clerk`.
async fn run_ours(clerk: &TestClerk) -> Value {
    let api = ClerkClient::new(
        ClientConfig::new()
            .secret_key(clerk.secret_key())
            .api_url(clerk.base_url()),
    )
    .expect("client");
    let permissions = api.organization_permissions();
    let mut out = serde_json::Map::new();
    let mut step = |name: &str, value: Value| out.insert(name.to_owned(), value);
    let read = permissions
        .create(&create("Read team", "org:team:read", Some("See the team")))
        .await;
    let read_id = read.as_ref().map(|p| p.id.clone()).unwrap_or_default();
    step("create", answer(read, |p| resource(&p)));
    let billing = permissions
        .create(&create("Manage billing", "org:billing:manage", None))
        .await;
    let billing_id = billing.as_ref().map(|p| p.id.clone()).unwrap_or_default();
    step("create_plain", answer(billing, |p| resource(&p)));
    step(
        "create_duplicate",
        answer(
            permissions.create(&create("Again", "org:team:read", None)).await,
            |p| resource(&p),
        ),
    );
    step(
        "create_reserved",
        answer(
            permissions
                .create(&create("System", "org:sys_team:read", None))
                .await,
            |p| resource(&p),
        ),
    );
    step("get", answer(permissions.get(&read_id).await, |p| resource(&p)));
    let change = UpdateOrganizationPermission {
        name: Some("Read the team".to_owned()),
        description: Some("See every member".to_owned()),
        ..UpdateOrganizationPermission::default()
    };
    step(
        "update",
        answer(permissions.update(&read_id, &change).await, |p| resource(&p)),
    );
    let clash = UpdateOrganizationPermission {
        key: Some("org:team:read".to_owned()),
        ..UpdateOrganizationPermission::default()
    };
    step(
        "update_duplicate",
        answer(permissions.update(&billing_id, &clash).await, |p| resource(&p)),
    );
    let query = ListOrganizationPermissionsParams {
        query: Some("billing".to_owned()),
        ..ListOrganizationPermissionsParams::default()
    };
    step(
        "list_query",
        answer(permissions.list(&query).await, |p| page(p, resource)),
    );
    let second = ListOrganizationPermissionsParams {
        limit: Some(1),
        offset: Some(1),
        ..ListOrganizationPermissionsParams::default()
    };
    step(
        "list_page",
        answer(permissions.list(&second).await, |p| page(p, resource)),
    );
    step(
        "delete",
        answer(permissions.delete(&billing_id).await, |d| resource(&d)),
    );
    step(
        "get_deleted",
        answer(permissions.get(&billing_id).await, |p| resource(&p)),
    );
    step(
        "state",
        answer(permissions.list(&Default::default()).await, |p| page(p, resource)),
    );
    Value::Object(out)
}

/// Clerk's client and our generated calls make the same calls against two emulators and see
/// the same objects field by field, down to the final list of permissions.
#[actix_rt::test]
async fn our_generated_calls_leave_the_emulator_as_clerks_client_does() {
    let root = workspace_root();
    ensure_node_modules(&root);
    let theirs = emulator();
    let clerk = run_clerk(&root, &theirs);
    assert_steps_ok(&clerk, &["create", "update", "state"]);
    let mine = emulator();
    let ours = run_ours(&mine).await;
    assert_same(&normalized(&clerk, &[]), &normalized(&ours, &[]));
}
