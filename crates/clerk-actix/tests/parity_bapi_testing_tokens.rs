//! Parity of the testing tokens the offline Clerk mints (issue 26): Clerk's official
//! `@clerk/backend` client (pinned in `parity/package.json`) asks one emulator through
//! `node parity/bapi_testing_tokens.mjs`, our generated call (`client.testing_tokens()`) asks a
//! second one, and both see tokens of the same shape: `testing_token`, the token `{expires_at}-…`,
//! an hour to live, a new token each time. Node and npm are required (as in `parity.rs`).

mod node;

use std::path::Path;
use std::process::Command;
use std::time::SystemTime;

use clerk_actix::client::models::TestingToken;
use clerk_actix::client::ClientConfig;
use clerk_actix::ClerkClient;
use clerk_testkit::TestClerk;
use node::shape::{answer, assert_same};
use node::{ensure_node_modules, json_output, workspace_root};
use serde_json::{json, Value};

fn emulator() -> TestClerk {
    TestClerk::builder().fixed_instance().start().expect("emulator")
}

fn run_clerk(root: &Path, clerk: &TestClerk) -> Value {
    json_output(
        Command::new("node")
            .arg("parity/bapi_testing_tokens.mjs")
            .current_dir(root)
            .env("CLERK_API_URL", clerk.base_url())
            .env("CLERK_SECRET_KEY", clerk.secret_key()),
    )
}

/// What the script shows of a token (never the token itself).
fn described(token: &TestingToken) -> Value {
    let now = SystemTime::now()
        .duration_since(SystemTime::UNIX_EPOCH)
        .map_or(0.0, |d| d.as_secs_f64());
    json!({
        "object": token.object,
        "startsWithExpiry": token.token.starts_with(&format!("{}-", token.expires_at)),
        "lifetimeMinutes": ((token.expires_at as f64 - now) / 60.0).round() as i64,
    })
}

/// Our generated call, the script's steps in its shape, against `clerk`.
async fn run_ours(clerk: &TestClerk) -> Value {
    let api = ClerkClient::new(
        ClientConfig::new()
            .secret_key(clerk.secret_key())
            .api_url(clerk.base_url()),
    )
    .expect("client");
    let tokens = api.testing_tokens();
    let first = tokens.create().await;
    let first_token = first.as_ref().map(|t| t.token.clone()).unwrap_or_default();
    let second = tokens.create().await;
    json!({
        "create": answer(first, |t| described(&t)),
        "create_again": answer(second, |t| {
            let mut shown = described(&t);
            shown["differs"] = Value::Bool(t.token != first_token);
            shown
        }),
    })
}

/// Clerk's client and our generated call get tokens of the same shape.
#[actix_rt::test]
async fn our_generated_call_gets_the_token_clerks_client_gets() {
    let root = workspace_root();
    ensure_node_modules(&root);
    let theirs = emulator();
    let clerk = run_clerk(&root, &theirs);
    assert_eq!(
        clerk["create"],
        json!({"object": "testing_token", "startsWithExpiry": true, "lifetimeMinutes": 60}),
        "Clerk's client sees a testing token"
    );
    assert_eq!(clerk["create_again"]["differs"], true);
    let mine = emulator();
    let ours = run_ours(&mine).await;
    assert_same(&clerk, &ours);
}
