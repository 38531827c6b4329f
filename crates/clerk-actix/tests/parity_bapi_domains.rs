//! Parity of the domains the offline Clerk serves (issue 26): Clerk's official `@clerk/backend`
//! client (pinned in `parity/package.json`) drives one production emulator through
//! `node parity/bapi_domains.mjs`, our generated calls (`client.domains()`) make the same calls
//! against a second one, and both see the same answers and leave the same domains (the last
//! step lists them: the primary one, whose host is the publishable key's, and the satellites
//! added). Ids minted fresh aside (`node::shape`). Node and npm are required (as in
//! `parity.rs`).

mod node;

use std::path::Path;
use std::process::Command;

use clerk_actix::client::domains::{AddDomain, UpdateDomain};
use clerk_actix::client::models::Domain;
use clerk_actix::client::{ApiResult, ClientConfig, Page};
use clerk_actix::ClerkClient;
use clerk_testkit::TestClerk;
use node::shape::{answer, assert_same, normalized, page, resource};
use node::{assert_steps_ok, ensure_node_modules, json_output, workspace_root};
use serde_json::Value;

fn emulator() -> TestClerk {
    TestClerk::builder()
        .production()
        .fixed_instance()
        .start()
        .expect("emulator")
}

fn run_clerk(root: &Path, clerk: &TestClerk) -> Value {
    json_output(
        Command::new("node")
            .arg("parity/bapi_domains.mjs")
            .current_dir(root)
            .env("CLERK_API_URL", clerk.base_url())
            .env("CLERK_SECRET_KEY", clerk.secret_key()),
    )
}

fn add(name: &str, is_satellite: bool, proxy_url: Option<&str>) -> AddDomain {
    AddDomain {
        name: name.to_owned(),
        is_satellite,
        proxy_url: proxy_url.map(str::to_owned),
    }
}

fn update(name: Option<&str>, proxy_url: Option<&str>) -> UpdateDomain {
    UpdateDomain {
        name: name.map(str::to_owned),
        proxy_url: proxy_url.map(str::to_owned),
        ..UpdateDomain::default()
    }
}

/// `GET /v1/domains`: the generated `domains().list`.
async fn list(api: &ClerkClient) -> ApiResult<Page<Domain>> {
    api.domains().list().await
}

/// Our generated calls, the script's steps in its shape, against `clerk`.
async fn run_ours(clerk: &TestClerk) -> Value {
    let api = ClerkClient::new(
        ClientConfig::new()
            .secret_key(clerk.secret_key())
            .api_url(clerk.base_url()),
    )
    .expect("client");
    let domains = api.domains();
    let mut out = serde_json::Map::new();
    let mut step = |name: &str, value: Value| out.insert(name.to_owned(), value);
    let before = list(&api).await;
    let primary_id = before
        .as_ref()
        .ok()
        .and_then(|p| p.data.first().map(|d| d.id.clone()))
        .unwrap_or_default();
    step("list_before", answer(before, |p| page(p, resource)));
    let shop = domains.add(&add("shop.example.org", true, None)).await;
    let shop_id = shop.as_ref().map(|d| d.id.clone()).unwrap_or_default();
    step("add", answer(shop, |d| resource(&d)));
    for (name, body) in [
        (
            "add_with_proxy",
            add("blog.example.org", true, Some("https://blog.example.org/__clerk")),
        ),
        ("add_primary", add("primary.example.org", false, None)),
        ("add_taken", add("SHOP.example.org", true, None)),
        ("add_bad_name", add("https://bad.example.org", true, None)),
    ] {
        step(name, answer(domains.add(&body).await, |d| resource(&d)));
    }
    for (name, id, body) in [
        (
            "update",
            &shop_id,
            update(
                Some("store.example.org"),
                Some("https://store.example.org/__clerk"),
            ),
        ),
        ("update_taken", &shop_id, update(Some("blog.example.org"), None)),
        (
            "update_primary_proxy",
            &primary_id,
            update(None, Some("https://www.example.net/__clerk")),
        ),
        (
            "update_primary_name",
            &primary_id,
            update(Some("renamed.example.net"), None),
        ),
    ] {
        step(name, answer(domains.update(id, &body).await, |d| resource(&d)));
    }
    step("delete", answer(domains.delete(&shop_id).await, |d| resource(&d)));
    step(
        "delete_again",
        answer(domains.delete(&shop_id).await, |d| resource(&d)),
    );
    step(
        "delete_primary",
        answer(domains.delete(&primary_id).await, |d| resource(&d)),
    );
    step("state", answer(list(&api).await, |p| page(p, resource)));
    Value::Object(out)
}

/// Clerk's client and our generated calls make the same calls against two emulators and see
/// the same objects field by field, down to the final list of domains.
#[actix_rt::test]
async fn our_generated_calls_leave_the_emulator_as_clerks_client_does() {
    let root = workspace_root();
    ensure_node_modules(&root);
    let theirs = emulator();
    let clerk = run_clerk(&root, &theirs);
    assert_steps_ok(
        &clerk,
        &[
            "add",
            "add_with_proxy",
            "update",
            "update_primary_proxy",
            "delete",
            "state",
        ],
    );
    assert_eq!(
        clerk["state"]["totalCount"], 2,
        "the primary and one satellite remain"
    );
    assert_eq!(
        clerk["delete_primary"]["code"],
        "operation_not_allowed_on_primary_domain"
    );
    let mine = emulator();
    let ours = run_ours(&mine).await;
    assert_same(&normalized(&clerk, &[]), &normalized(&ours, &[]));
}
