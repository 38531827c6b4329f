//! Parity of the rest of issue 15's Backend API: Clerk's official `@clerk/backend` client
//! (pinned in `parity/package.json`) drives the offline Clerk through every call this slice
//! added (`node parity/bapi_more.mjs`), and our `ClerkClient` makes the same calls: both must
//! see the same answers. Node and npm are required (as in `parity.rs`): a missing
//! `parity/node_modules` is installed with `npm ci`, and the test fails, never skips, if it
//! cannot be.

mod node;

use std::path::Path;
use std::process::Command;
use std::time::Duration;

use clerk_actix::client::{
    ClientConfig, CreateActorToken, CreateInvitation, CreateSignInToken, IdentifierList,
    InvitationListParams, InvitationStatus, ListParams, SessionListParams, SessionTokenOptions, TicketStatus,
};
use clerk_actix::ClerkClient;
use clerk_core::api::SessionStatus;
use clerk_testkit::{decode_unverified, NewUser, TestClerk};
use node::{ensure_node_modules, workspace_root};
use serde_json::{json, Value};

const PASSWORD: &str = "correct horse battery staple";

/// An emulator with the fixtures both clients use: a user with a password and a Google token,
/// a user to ban, and a JWT template named `parity`.
struct Fixture {
    clerk: TestClerk,
    user: String,
    other: String,
    template: String,
}

fn fixture() -> Fixture {
    let clerk = TestClerk::builder().start().expect("emulator");
    let user = clerk
        .users()
        .create(NewUser::default().email("ada@example.com").password(PASSWORD))
        .expect("user")
        .id;
    let other = clerk
        .users()
        .create(NewUser::default().email("other@example.com"))
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
    let output = Command::new("node")
        .arg("parity/bapi_more.mjs")
        .current_dir(root)
        .env("CLERK_API_URL", fixture.clerk.base_url())
        .env("CLERK_SECRET_KEY", fixture.clerk.secret_key())
        .env("USER_ID", &fixture.user)
        .env("OTHER_ID", &fixture.other)
        .env("TEMPLATE_ID", &fixture.template)
        .env("PASSWORD", PASSWORD)
        .output()
        .expect("node runs (Node.js 20+ on PATH)");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_slice(&output.stdout).expect("one JSON object")
}

fn lifetime(jwt: &str) -> i64 {
    let (_, claims) = decode_unverified(jwt).expect("jwt");
    claims["exp"].as_i64().unwrap_or_default() - claims["iat"].as_i64().unwrap_or_default()
}

/// Clerk's client accepts every served shape and sees Clerk's errors.
#[test]
fn clerks_own_client_drives_every_added_call() {
    let root = workspace_root();
    ensure_node_modules(&root);
    let fixture = fixture();
    let out = run_clerk(&root, &fixture);

    assert_eq!(out["verify_password"], json!({"verified": true}), "{out}");
    assert_eq!(out["verify_password_wrong"]["status"], 422, "{out}");
    assert_eq!(out["verify_password_wrong"]["code"], "incorrect_password");
    assert_eq!(
        out["oauth_tokens"],
        json!({"count": 1, "totalCount": 1, "token": "ya29.parity", "provider": "oauth_google",
               "scopes": ["email", "profile"]}),
        "{out}"
    );

    let sessions = &out["sessions"];
    assert_eq!(sessions["totalCount"], 2, "{out}");
    assert_eq!(
        sessions["pageIds"],
        json!([sessions["firstId"]]),
        "page 2 of 1: the older session"
    );
    assert_eq!(sessions["revokedStatus"], "revoked");
    assert_eq!(sessions["activeIds"], json!([sessions["secondId"]]));
    assert_eq!(sessions["fetchedStatus"], "revoked");
    assert_eq!(
        out["template_token"],
        json!({"uid": fixture.user, "sub": fixture.user, "lifetime": 60, "hasSid": false}),
        "{out}"
    );
    assert_eq!(
        out["session_token"],
        json!({"sid": true, "lifetime": 120}),
        "{out}"
    );
    assert_eq!(out["template_token_missing"]["status"], 404, "{out}");

    let invitations = &out["invitations"];
    assert_eq!(invitations["email"], "invitee@example.com", "{out}");
    assert_eq!(invitations["status"], "pending");
    assert_eq!(invitations["plan"], "pro");
    assert_eq!(invitations["hasUrl"], true);
    assert_eq!(
        invitations["duplicate"],
        json!({"status": 400, "code": "duplicate_record"})
    );
    assert_eq!(invitations["pendingCount"], 1);
    assert_eq!(
        (&invitations["revokedStatus"], &invitations["revoked"]),
        (&json!("revoked"), &json!(true))
    );
    assert_eq!(
        invitations["again"],
        json!({"status": 400, "code": "invitation_already_revoked"})
    );

    assert_eq!(
        out["sign_in_token"],
        json!({"userId": fixture.user, "status": "pending", "hasToken": true, "hasUrl": true,
               "revokedStatus": "revoked"}),
        "{out}"
    );
    assert_eq!(
        out["actor_token"],
        json!({"userId": fixture.user, "actorSub": "user_support", "status": "pending",
               "hasToken": true, "revokedStatus": "revoked"}),
        "{out}"
    );
    assert_eq!(
        out["jwt_templates"],
        json!({"totalCount": 1, "names": ["parity"], "name": "parity", "lifetime": 300,
               "claims": {"uid": "{{user.id}}"}}),
        "{out}"
    );
    assert_eq!(out["jwt_template_missing"]["status"], 404, "{out}");
    assert_eq!(
        out["allowlist"],
        json!({"identifier": "allowed@example.com", "type": "email_address", "totalCount": 1,
               "deleted": true, "deletedId": true}),
        "{out}"
    );
    assert_eq!(
        out["blocklist"],
        json!({"identifier": "+15555550123", "type": "phone_number", "totalCount": 1,
               "duplicate": {"status": 400, "code": "duplicate_record"}, "deleted": true}),
        "{out}"
    );
    let banned = json!({"status": 403, "code": "user_banned"});
    assert_eq!(
        out["banned"],
        json!({"sessionStatus": "revoked",
               "refused": {"session": banned, "sign_in_token": banned, "actor_token": banned}}),
        "{out}"
    );
}

/// Our client makes the same calls against a fresh emulator with the same fixtures and sees
/// what Clerk's client saw (the expectations of the test above, from the Rust side).
#[actix_rt::test]
async fn our_client_sees_what_clerks_client_sees() {
    let fixture = fixture();
    let api = ClerkClient::new(
        ClientConfig::new()
            .secret_key(fixture.clerk.secret_key())
            .api_url(fixture.clerk.base_url())
            .backoff(Duration::from_millis(1), Duration::from_millis(5)),
    )
    .expect("client");
    let user = fixture.user.as_str();

    assert!(api.verify_password(user, PASSWORD).await.expect("verified"));
    assert!(!api.verify_password(user, "wrong").await.expect("checked"));
    let tokens = api
        .list_user_oauth_access_tokens(user, "google")
        .await
        .expect("tokens");
    assert_eq!(
        (
            tokens.len(),
            tokens[0].token.as_str(),
            tokens[0].provider.as_str()
        ),
        (1, "ya29.parity", "oauth_google")
    );
    assert_eq!(tokens[0].scopes, ["email", "profile"]);

    let first = fixture.clerk.users().create_session(user).expect("session");
    let second = fixture.clerk.users().create_session(user).expect("session");
    let page = api
        .list_sessions(&SessionListParams::for_user(user).limit(1).offset(1))
        .await
        .expect("page");
    assert_eq!(
        (page.total_count, page.data[0].id.as_str()),
        (Some(2), first.id.as_str())
    );
    assert_eq!(
        api.revoke_session(&first.id).await.expect("revoked").status,
        SessionStatus::Revoked
    );
    let active = api
        .list_sessions(&SessionListParams::for_user(user).status(SessionStatus::Active))
        .await
        .expect("active");
    assert_eq!(
        active.data.iter().map(|s| s.id.as_str()).collect::<Vec<_>>(),
        [second.id.as_str()]
    );
    let templated = api
        .create_session_token_with(
            &second.id,
            &SessionTokenOptions::template("parity").expires_in_seconds(60),
        )
        .await
        .expect("templated");
    let (_, claims) = decode_unverified(&templated).expect("jwt");
    assert_eq!((claims["uid"].as_str(), lifetime(&templated)), (Some(user), 60));
    assert!(claims.get("sid").is_none());
    let plain = api
        .create_session_token_with(
            &second.id,
            &SessionTokenOptions::default().expires_in_seconds(120),
        )
        .await
        .expect("token");
    assert_eq!(lifetime(&plain), 120);
    assert!(api
        .create_session_token_with(&second.id, &SessionTokenOptions::template("missing"))
        .await
        .expect_err("404")
        .is_not_found());

    let invitation = api
        .create_invitation(&CreateInvitation {
            public_metadata: Some(json!({"plan": "pro"})),
            notify: Some(false),
            ..CreateInvitation::new("invitee@example.com")
        })
        .await
        .expect("invited");
    assert_eq!(
        (invitation.status, invitation.url.is_some()),
        (InvitationStatus::Pending, true)
    );
    let err = api
        .create_invitation(&CreateInvitation::new("invitee@example.com"))
        .await
        .expect_err("duplicate");
    assert_eq!((err.status(), err.code()), (Some(400), Some("duplicate_record")));
    let pending = api
        .list_invitations(&InvitationListParams::new().status(InvitationStatus::Pending))
        .await
        .expect("pending");
    assert_eq!(pending.total_count, Some(1));
    assert!(
        api.revoke_invitation(&invitation.id)
            .await
            .expect("revoked")
            .revoked
    );
    let err = api.revoke_invitation(&invitation.id).await.expect_err("twice");
    assert_eq!(
        (err.status(), err.code()),
        (Some(400), Some("invitation_already_revoked"))
    );

    let sign_in = api
        .create_sign_in_token(&CreateSignInToken {
            expires_in_seconds: Some(600),
            ..CreateSignInToken::new(user)
        })
        .await
        .expect("sign-in token");
    assert_eq!(
        (sign_in.status, sign_in.token.is_some(), sign_in.url.is_some()),
        (TicketStatus::Pending, true, true)
    );
    assert_eq!(
        api.revoke_sign_in_token(&sign_in.id)
            .await
            .expect("revoked")
            .status,
        TicketStatus::Revoked
    );
    let actor = api
        .create_actor_token(&CreateActorToken::new(user, "user_support"))
        .await
        .expect("actor token");
    assert_eq!(
        (actor.actor["sub"].as_str(), actor.token.is_some()),
        (Some("user_support"), true)
    );
    assert_eq!(
        api.revoke_actor_token(&actor.id).await.expect("revoked").status,
        TicketStatus::Revoked
    );

    let templates = api
        .list_jwt_templates(ListParams::new())
        .await
        .expect("templates");
    assert_eq!(
        (templates.total_count, templates.data[0].name.as_str()),
        (Some(1), "parity")
    );
    let template = api.get_jwt_template(&fixture.template).await.expect("template");
    assert_eq!(
        (template.lifetime, &template.claims["uid"]),
        (300, &json!("{{user.id}}"))
    );
    assert!(api
        .get_jwt_template("jtmp_missing")
        .await
        .expect_err("404")
        .is_not_found());

    let allowed = api
        .add_identifier(IdentifierList::Allow, "allowed@example.com", false)
        .await
        .expect("allowed");
    let list = api
        .list_identifiers(IdentifierList::Allow, ListParams::new())
        .await
        .expect("list");
    assert_eq!(list.total_count, Some(1));
    let deleted = api
        .remove_identifier(IdentifierList::Allow, &allowed.id)
        .await
        .expect("removed");
    assert_eq!(
        (deleted.deleted, deleted.id.as_deref()),
        (true, Some(allowed.id.as_str()))
    );
    let blocked = api
        .add_identifier(IdentifierList::Block, "+15555550123", false)
        .await
        .expect("blocked");
    let err = api
        .add_identifier(IdentifierList::Block, "+15555550123", false)
        .await
        .expect_err("duplicate");
    assert_eq!((err.status(), err.code()), (Some(400), Some("duplicate_record")));
    assert!(
        api.remove_identifier(IdentifierList::Block, &blocked.id)
            .await
            .expect("removed")
            .deleted
    );

    let other = fixture.other.as_str();
    let session = fixture.clerk.users().create_session(other).expect("session");
    api.ban_user(other).await.expect("banned");
    assert_eq!(
        api.get_session(&session.id).await.expect("session").status,
        SessionStatus::Revoked
    );
    for err in [
        api.create_sign_in_token(&CreateSignInToken::new(other))
            .await
            .expect_err("banned"),
        api.create_actor_token(&CreateActorToken::new(other, "user_support"))
            .await
            .expect_err("banned"),
    ] {
        assert_eq!((err.status(), err.code()), (Some(403), Some("user_banned")));
    }
}
