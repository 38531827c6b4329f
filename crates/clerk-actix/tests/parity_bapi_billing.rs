//! Parity of the Billing reads the offline Clerk serves from its seeded catalog (issue 26):
//! Clerk's official `@clerk/backend` client (pinned in `parity/package.json`) reads one emulator
//! through `node parity/bapi_billing.mjs` (plans, a user's and an organization's subscription),
//! our generated calls (`client.billing()`, `users().get_billing_subscription`,
//! `organizations().get_billing_subscription`) read a second one, and both see the same objects.
//! The reads `@clerk/backend` has no call for (subscription items, statements) are checked on
//! our side. Ids minted fresh and times aside (`node::shape`). Node and npm are required (as
//! in `parity.rs`).

mod node;

use std::path::Path;
use std::process::Command;

use clerk_actix::client::billing::{
    GetBillingStatementListParams, GetCommercePlanListParams, GetCommerceSubscriptionItemListParams,
};
use clerk_actix::client::ClientConfig;
use clerk_actix::ClerkClient;
use clerk_testkit::{NewOrganization, NewUser, TestClerk};
use node::shape::{answer, assert_same, normalized, page, resource};
use node::{assert_steps_ok, ensure_node_modules, json_output, workspace_root};
use serde_json::Value;

const USER: &str = "user_2ParityBillingAda000000000";
const NOBODY: &str = "user_2ParityNobody0000000000000";

/// An emulator with a user and an organization; returns the organization's id.
fn emulator() -> (TestClerk, String) {
    let clerk = TestClerk::builder().fixed_instance().start().expect("emulator");
    clerk
        .users()
        .create(NewUser::default().id(USER).email("ada@example.com"))
        .expect("user");
    let org = clerk
        .organizations()
        .create(NewOrganization::named("Acme"))
        .expect("org")
        .id;
    (clerk, org)
}

fn run_clerk(root: &Path, clerk: &TestClerk, org: &str) -> Value {
    json_output(
        Command::new("node")
            .arg("parity/bapi_billing.mjs")
            .current_dir(root)
            .env("CLERK_API_URL", clerk.base_url())
            .env("CLERK_SECRET_KEY", clerk.secret_key())
            .env("USER_ID", USER)
            .env("ORG_ID", org),
    )
}

fn client(clerk: &TestClerk) -> ClerkClient {
    ClerkClient::new(
        ClientConfig::new()
            .secret_key(clerk.secret_key())
            .api_url(clerk.base_url()),
    )
    .expect("client")
}

/// Our generated calls, the script's steps in its shape, against `clerk`.
async fn run_ours(api: &ClerkClient, org: &str) -> Value {
    let billing = api.billing();
    let mut out = serde_json::Map::new();
    let mut step = |name: &str, value: Value| out.insert(name.to_owned(), value);
    for (name, params) in [
        ("plans", GetCommercePlanListParams::default()),
        (
            "plans_user",
            GetCommercePlanListParams {
                payer_type: Some("user".to_owned()),
                ..GetCommercePlanListParams::default()
            },
        ),
        (
            "plans_page",
            GetCommercePlanListParams {
                limit: Some(1),
                offset: Some(1),
                ..GetCommercePlanListParams::default()
            },
        ),
    ] {
        step(
            name,
            answer(billing.list_plans(&params).await, |p| page(p, resource)),
        );
    }
    for name in ["user_subscription", "user_subscription_again"] {
        let read = api.users().get_billing_subscription(USER).await;
        step(name, answer(read, |s| resource(&s)));
    }
    let read = api.organizations().get_billing_subscription(org).await;
    step("org_subscription", answer(read, |s| resource(&s)));
    let read = api.users().get_billing_subscription(NOBODY).await;
    step("user_subscription_unknown", answer(read, |s| resource(&s)));
    let read = api
        .organizations()
        .get_billing_subscription("org_2ParityNobody0000000000000")
        .await;
    step("org_subscription_unknown", answer(read, |s| resource(&s)));
    Value::Object(out)
}

/// Clerk's client and our generated calls read the same plans and subscriptions from two
/// emulators.
#[actix_rt::test]
async fn our_generated_calls_read_what_clerks_client_reads() {
    let root = workspace_root();
    ensure_node_modules(&root);
    let (theirs, org) = emulator();
    let clerk = run_clerk(&root, &theirs, &org);
    assert_steps_ok(&clerk, &["plans", "user_subscription", "org_subscription"]);
    assert_eq!(clerk["plans"]["totalCount"], 4);
    assert_eq!(clerk["plans_user"]["totalCount"], 2);
    assert_eq!(
        clerk["user_subscription"]["subscriptionItems"][0]["plan"]["slug"],
        "free_user"
    );
    assert_eq!(clerk["user_subscription"], clerk["user_subscription_again"]);
    assert_eq!(clerk["user_subscription_unknown"]["status"], 404);
    let (mine, org) = emulator();
    let api = client(&mine);
    let ours = run_ours(&api, &org).await;
    assert_same(&normalized(&clerk, &[]), &normalized(&ours, &[]));
}

/// The reads `@clerk/backend` has no call for: the subscription items of the payers read so far
/// (free ones only when asked), no statements.
#[actix_rt::test]
async fn subscription_items_and_statements_answer_from_the_catalog() {
    let (clerk, org) = emulator();
    let api = client(&clerk);
    let billing = api.billing();
    api.users()
        .get_billing_subscription(USER)
        .await
        .expect("user subscription");
    api.organizations()
        .get_billing_subscription(&org)
        .await
        .expect("org subscription");
    let paid = billing
        .list_subscription_items(&GetCommerceSubscriptionItemListParams::default())
        .await
        .expect("items");
    assert_eq!(paid.total_count, Some(0), "free plans are left out by default");
    let all = billing
        .list_subscription_items(&GetCommerceSubscriptionItemListParams {
            include_free: Some(true),
            payer_type: Some("org".to_owned()),
            ..GetCommerceSubscriptionItemListParams::default()
        })
        .await
        .expect("items");
    assert_eq!(all.total_count, Some(1));
    let plan = all.data[0].plan.as_ref().expect("the item's plan");
    assert_eq!(plan.slug, "free_org");
    let statements = billing
        .list_statements(&GetBillingStatementListParams::default())
        .await
        .expect("statements");
    assert_eq!(statements.total_count, Some(0));
    let missing = billing.get_statement("stmt_missing").await;
    assert_eq!(missing.err().and_then(|e| e.status()), Some(404));
}
