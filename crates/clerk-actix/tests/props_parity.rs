//! Issue 13: `ClerkProps` is what `@clerk/nextjs`'s `buildClerkProps(req, {user})` composes, key
//! for key. Node gets only the token and which user to include (issue 29, item 3): Clerk's own
//! `authenticateRequest(..).toAuth()` derives the auth object from the token, its client reads the
//! user from the Backend API, and `stripPrivateDataFromObject` and `makeAuthObjectSerializable`
//! compose the props (`node parity/props.mjs`; running `@nextjs` itself would pull in `next` and
//! `react`). Ours go through our verifier, our client and `ClerkProps`; the two JSON values must
//! be equal.

mod node;

use std::io::Write;
use std::process::{Command, Stdio};

use clerk_actix::request::RequestReason;
use clerk_actix::{ClerkConfig, ClerkProps};
use clerk_core::auth::AuthOptions;
use clerk_core::{Auth, User};
use clerk_testkit::{instance::OrgClaim, NewUser, TestClerk};
use serde_json::{json, Value};

const ORIGIN: &str = "http://localhost:3000";

struct Case {
    name: &'static str,
    token: Option<String>,
    user: bool,
}

#[actix_rt::test]
async fn clerk_props_are_what_build_clerk_props_composes() {
    let root = node::workspace_root();
    node::ensure_node_modules(&root);
    let clerk = TestClerk::start().expect("emulator");
    let created = clerk
        .users()
        .create(
            NewUser::default()
                .email("ada@example.com")
                .phone("+15555550100")
                .first_name("Ada")
                .last_name("Lovelace")
                .username("ada")
                .external_id("ext_1")
                .public_metadata(json!({"plan": "pro"}))
                .private_metadata(json!({"secret": "never in a page"}))
                .unsafe_metadata(json!({"theme": "dark"})),
        )
        .expect("user");
    let sdk = ClerkConfig::new()
        .secret_key(clerk.secret_key())
        .publishable_key(clerk.publishable_key())
        .api_url(clerk.base_url())
        .authorized_parties([ORIGIN])
        .build()
        .expect("config");
    let user: User = sdk
        .client()
        .expect("a client")
        .users()
        .get(&created.id)
        .await
        .expect("user from the Backend API");
    let minter = clerk.minter();
    let token = || minter.session_token(&created.id).azp(ORIGIN);
    let cases = [
        Case {
            name: "signed-out",
            token: None,
            user: false,
        },
        Case {
            name: "plain",
            token: Some(token().mint()),
            user: true,
        },
        Case {
            name: "plain-no-user",
            token: Some(token().mint()),
            user: false,
        },
        Case {
            name: "organization",
            token: Some(
                token()
                    .org(OrgClaim::new("org_1").slug("acme").role("admin"))
                    .features(["o:reports", "u:beta"])
                    .permissions(["reports:read", "reports:manage"])
                    .mint(),
            ),
            user: true,
        },
        Case {
            name: "impersonated",
            token: Some(
                token()
                    .actor("user_support", "sess_support")
                    .fva(Some((3, -1)))
                    .mint(),
            ),
            user: true,
        },
        Case {
            name: "pending",
            token: Some(token().status(Some("pending")).mint()),
            user: true,
        },
    ];

    let mut input = String::new();
    let mut ours = Vec::new();
    for (n, case) in cases.iter().enumerate() {
        let auth = match &case.token {
            Some(token) => {
                let claims = sdk.verify_token(token).await.expect("a valid token");
                Auth::from_claims(claims, AuthOptions::default())
            }
            None => Auth::signed_out(RequestReason::SessionTokenAndUatMissing, None),
        };
        // As an app passes `{user}` to `buildClerkProps` only for a signed-in request.
        let with_user = case.user && auth.is_authenticated();
        let props = ClerkProps::new(&auth, with_user.then_some(&user));
        ours.push(serde_json::to_value(&props).expect("props serialize"));
        let line = json!({"id": n, "token": case.token, "user": with_user});
        input.push_str(&line.to_string());
        input.push('\n');
    }

    let mut child = Command::new("node")
        .arg("parity/props.mjs")
        .current_dir(&root)
        .env("CLERK_API_URL", clerk.base_url())
        .env("CLERK_SECRET_KEY", clerk.secret_key())
        .env("CLERK_PUBLISHABLE_KEY", clerk.publishable_key())
        .env("ORIGIN", ORIGIN)
        .env("USER_ID", &created.id)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("node starts");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(input.as_bytes())
        .expect("input written");
    // The emulator answers Node's getUser on this thread's runtime: wait off-thread.
    let output = actix_web::rt::task::spawn_blocking(move || child.wait_with_output())
        .await
        .expect("join")
        .expect("node ran");
    assert!(
        output.status.success(),
        "node parity/props.mjs failed:\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let theirs: Vec<Value> = String::from_utf8_lossy(&output.stdout)
        .lines()
        .map(|line| serde_json::from_str::<Value>(line).expect("a JSON line")["props"].clone())
        .collect();
    assert_eq!(theirs.len(), cases.len());
    for ((case, ours), theirs) in cases.iter().zip(&ours).zip(&theirs) {
        let a = &ours["__clerk_ssr_state"];
        let b = &theirs["__clerk_ssr_state"];
        let keys: std::collections::BTreeSet<&String> = a
            .as_object()
            .into_iter()
            .chain(b.as_object())
            .flat_map(|m| m.keys())
            .collect();
        for key in keys {
            assert_eq!(a.get(key), b.get(key), "{}: key {key}", case.name);
        }
        let text = ours.to_string();
        assert!(
            !text.contains("never in a page"),
            "{}: private metadata in props",
            case.name
        );
    }
    // The cases said something: a user, an organization, an actor and a pending session.
    assert_eq!(theirs[1]["__clerk_ssr_state"]["user"]["firstName"], "Ada");
    assert_eq!(theirs[3]["__clerk_ssr_state"]["orgSlug"], "acme");
    assert_eq!(theirs[4]["__clerk_ssr_state"]["actor"]["sub"], "user_support");
    assert_eq!(theirs[5]["__clerk_ssr_state"]["sessionStatus"], "pending");
}
