//! Parity of the rest of issue 15's Backend API: Clerk's official `@clerk/backend` client
//! (pinned in `parity/package.json`) drives the offline Clerk through every call this slice
//! added (`node parity/bapi_more.mjs`), and our `ClerkClient` makes the same calls against a
//! second emulator built from the same fixtures: every field Clerk's classes expose must be in
//! our answer with the same value (ids minted fresh and times aside, `node::shape`). Node and npm are required (as in `parity.rs`): a missing
//! `parity/node_modules` is installed with `npm ci`, and the test fails, never skips, if it
//! cannot be.

mod node;

use std::path::Path;
use std::process::Command;
use std::time::Duration;

use clerk_actix::client::allowlist_identifiers::CreateAllowlistIdentifier;
use clerk_actix::client::blocklist_identifiers::CreateBlocklistIdentifier;
use clerk_actix::client::{
    ApiResult, ClientConfig, CreateActorToken, CreateInvitation, CreateSignInToken, InvitationListParams,
    InvitationStatus, SessionListParams,
};
use clerk_actix::ClerkClient;
use clerk_core::api::SessionObjectStatus;
use clerk_testkit::{decode_unverified, NewUser, TestClerk};
use node::shape::{answer, assert_same, normalized, page, resource, user_resource};
use node::{ensure_node_modules, json_output, workspace_root};
use serde_json::{json, Value};

const PASSWORD: &str = "correct horse battery staple";

/// An emulator with the fixtures both clients use: a user with a password and a Google token,
/// a user to ban, and a JWT template named `parity`. The instance and the users' ids are fixed,
/// so that what is derived from them (image URLs, ticket hosts) is the same in two emulators.
struct Fixture {
    clerk: TestClerk,
    user: String,
    other: String,
    template: String,
}

impl Fixture {
    /// The fixture's ids by name, for [`normalized`].
    fn ids(&self) -> [(&str, &str); 3] {
        [
            ("USER", &self.user),
            ("OTHER", &self.other),
            ("TEMPLATE", &self.template),
        ]
    }
}

fn fixture() -> Fixture {
    let clerk = TestClerk::builder().fixed_instance().start().expect("emulator");
    let ada = NewUser::default().id("user_2ParityAdaLovelace000000000");
    let user = clerk
        .users()
        .create(ada.email("ada@example.com").password(PASSWORD))
        .expect("user")
        .id;
    let other = clerk
        .users()
        .create(
            NewUser::default()
                .id("user_2ParityOtherUser00000000000")
                .email("other@example.com"),
        )
        .expect("user")
        .id;
    clerk
        .oauth_tokens()
        .set(&user, "oauth_google", "ya29.parity", ["email", "profile"]);
    let template = clerk
        .jwt_templates()
        .add("parity", json!({"uid": "{{user.id}}"}), 300)
        .expect("template")
        .id;
    Fixture {
        clerk,
        user,
        other,
        template,
    }
}

fn run_clerk(root: &Path, fixture: &Fixture) -> Value {
    json_output(
        Command::new("node")
            .arg("parity/bapi_more.mjs")
            .current_dir(root)
            .env("CLERK_API_URL", fixture.clerk.base_url())
            .env("CLERK_SECRET_KEY", fixture.clerk.secret_key())
            .env("USER_ID", &fixture.user)
            .env("OTHER_ID", &fixture.other)
            .env("TEMPLATE_ID", &fixture.template)
            .env("PASSWORD", PASSWORD),
    )
}

/// A session token as the script shows it: `{uid, sub, sid, lifetime}`.
fn token(result: ApiResult<String>) -> Value {
    answer(result, |jwt| {
        let (_, claims) = decode_unverified(&jwt).expect("jwt");
        let lifetime =
            claims["exp"].as_i64().unwrap_or_default() - claims["iat"].as_i64().unwrap_or_default();
        json!({"uid": claims["uid"], "sub": claims["sub"], "sid": claims["sid"], "lifetime": lifetime})
    })
}

/// Our client's answers to the script's calls, in its shape, against `fixture`'s emulator.
async fn run_ours(fixture: &Fixture) -> Value {
    let api = ClerkClient::new(
        ClientConfig::new()
            .secret_key(fixture.clerk.secret_key())
            .api_url(fixture.clerk.base_url())
            .backoff(Duration::from_millis(1), Duration::from_millis(5)),
    )
    .expect("client");
    let user = fixture.user.as_str();
    let other = fixture.other.as_str();
    let mut out = serde_json::Map::new();
    let mut step = |name: &str, value: Value| out.insert(name.to_owned(), value);
    // Ours answers Clerk's 422 `incorrect_password` as `false`, the error Clerk's client throws.
    let verified = |result: ApiResult<bool>| match result {
        Ok(false) => json!({"error": true, "status": 422, "code": "incorrect_password"}),
        other => answer(other, |verified| json!({"verified": verified})),
    };
    step(
        "verify_password",
        verified(api.users().verify_password(user, PASSWORD).await),
    );
    step(
        "verify_password_wrong",
        verified(api.users().verify_password(user, "wrong").await),
    );
    step(
        "oauth_tokens",
        answer(
            api.users().list_oauth_access_tokens(user, "google").await,
            |tokens| tokens.iter().map(resource).collect(),
        ),
    );

    let first = fixture.clerk.users().create_session(user).expect("session");
    let second = fixture.clerk.users().create_session(user).expect("session");
    let params = SessionListParams::for_user(user).limit(1).offset(1);
    step(
        "sessions_page",
        answer(api.sessions().list(&params).await, |p| page(p, resource)),
    );
    step(
        "session_revoke",
        answer(api.sessions().revoke(&first.id).await, |s| resource(&s)),
    );
    let active = SessionListParams::for_user(user).status(SessionObjectStatus::Active);
    step(
        "sessions_active",
        answer(api.sessions().list(&active).await, |p| page(p, resource)),
    );
    let sessions = api.sessions();
    step(
        "template_token",
        token(
            sessions
                .create_token_from_template(&second.id, "parity", Some(60))
                .await,
        ),
    );
    step(
        "session_token",
        token(sessions.create_token(&second.id, Some(120)).await),
    );
    step(
        "template_token_missing",
        token(
            sessions
                .create_token_from_template(&second.id, "missing", None)
                .await,
        ),
    );

    let invited = api
        .invitations()
        .create(&CreateInvitation {
            public_metadata: Some(json!({"plan": "pro"})),
            notify: Some(false),
            ..CreateInvitation::new("invitee@example.com")
        })
        .await;
    let invitation_id = invited.as_ref().map(|i| i.id.clone()).unwrap_or_default();
    step("invitation", answer(invited, |i| resource(&i)));
    let again = api
        .invitations()
        .create(&CreateInvitation::new("invitee@example.com"))
        .await;
    step("invitation_duplicate", answer(again, |i| resource(&i)));
    let pending = InvitationListParams::new().status(InvitationStatus::Pending);
    step(
        "invitations_pending",
        answer(api.invitations().list(&pending).await, |p| page(p, resource)),
    );
    step(
        "invitation_revoke",
        answer(api.invitations().revoke(&invitation_id).await, |i| resource(&i)),
    );
    step(
        "invitation_revoke_again",
        answer(api.invitations().revoke(&invitation_id).await, |i| resource(&i)),
    );

    let sign_in = api
        .sign_in_tokens()
        .create(&CreateSignInToken {
            expires_in_seconds: Some(600),
            ..CreateSignInToken::new(user)
        })
        .await;
    let sign_in_id = sign_in.as_ref().map(|t| t.id.clone()).unwrap_or_default();
    step("sign_in_token", answer(sign_in, |t| resource(&t)));
    step(
        "sign_in_token_revoke",
        answer(api.sign_in_tokens().revoke(&sign_in_id).await, |t| resource(&t)),
    );
    let actor = api
        .actor_tokens()
        .create(&CreateActorToken::new(user, "user_support"))
        .await;
    let actor_id = actor.as_ref().map(|t| t.id.clone()).unwrap_or_default();
    step("actor_token", answer(actor, |t| resource(&t)));
    step(
        "actor_token_revoke",
        answer(api.actor_tokens().revoke(&actor_id).await, |t| resource(&t)),
    );

    step(
        "jwt_templates",
        answer(api.jwt_templates().list(&Default::default()).await, |p| {
            page(p, resource)
        }),
    );
    step(
        "jwt_template",
        answer(api.jwt_templates().get(&fixture.template).await, |t| resource(&t)),
    );
    step(
        "jwt_template_missing",
        answer(api.jwt_templates().get("jtmp_missing").await, |t| resource(&t)),
    );

    // Each list on its own handle, the same steps.
    let allow = api.allowlist_identifiers();
    let allowed = CreateAllowlistIdentifier {
        identifier: "allowed@example.com".to_owned(),
        ..Default::default()
    };
    let added = allow.create(&allowed).await;
    let added_id = added.as_ref().map(|i| i.id.clone()).unwrap_or_default();
    step("allowlist_add", answer(added, |i| resource(&i)));
    step(
        "allowlist",
        answer(allow.list(&Default::default()).await, |p| page(p, resource)),
    );
    step(
        "allowlist_delete",
        answer(allow.delete(&added_id).await, |d| resource(&d)),
    );
    let block = api.blocklist_identifiers();
    let blocked = CreateBlocklistIdentifier {
        identifier: "+15555550123".to_owned(),
    };
    let added = block.create(&blocked).await;
    let added_id = added.as_ref().map(|i| i.id.clone()).unwrap_or_default();
    step("blocklist_add", answer(added, |i| resource(&i)));
    step("blocklist", answer(block.list().await, |p| page(p, resource)));
    let again = block.create(&blocked).await;
    step("blocklist_duplicate", answer(again, |i| resource(&i)));
    step(
        "blocklist_delete",
        answer(block.delete(&added_id).await, |d| resource(&d)),
    );

    let session = fixture.clerk.users().create_session(other).expect("session");
    step("ban", answer(api.users().ban(other).await, |u| user_resource(&u)));
    step(
        "banned_session",
        answer(api.sessions().get(&session.id).await, |s| resource(&s)),
    );
    let refused = api.sign_in_tokens().create(&CreateSignInToken::new(other)).await;
    step("banned_sign_in_token", answer(refused, |t| resource(&t)));
    let refused = api
        .actor_tokens()
        .create(&CreateActorToken::new(other, "user_support"))
        .await;
    step("banned_actor_token", answer(refused, |t| resource(&t)));
    Value::Object(out)
}

/// Clerk's client and ours make the same calls against two emulators built from the same
/// fixtures, and see the same objects field by field.
#[actix_rt::test]
async fn our_client_sees_what_clerks_client_sees() {
    let root = workspace_root();
    ensure_node_modules(&root);
    let theirs = fixture();
    let clerk = run_clerk(&root, &theirs);
    let mine = fixture();
    let ours = run_ours(&mine).await;
    assert_same(
        &normalized(&clerk, &theirs.ids()),
        &normalized(&ours, &mine.ids()),
    );
}
