//! Issue 15's remaining Backend API calls of `ClerkClient`, over real HTTP on loopback against
//! the offline Clerk: sessions, invitations, sign-in and actor tokens, JWT templates,
//! allow/block lists, `verify_password`, OAuth access tokens; what is retried and what is not.

use std::time::Duration;

use clerk_actix::client::allowlist_identifiers::CreateAllowlistIdentifier;
use clerk_actix::client::blocklist_identifiers::CreateBlocklistIdentifier;
use clerk_actix::client::{
    CreateActorToken, CreateInvitation, CreateSignInToken, IdentifierType, InvitationListParams,
    InvitationStatus, SessionListParams, TicketStatus,
};
use clerk_actix::ClerkClient;
use clerk_core::api::SessionObjectStatus;
use clerk_testkit::{decode_unverified, NewUser, TestClerk};
use serde_json::json;

mod common;

fn start() -> TestClerk {
    TestClerk::builder().start().expect("offline Clerk starts")
}

fn client(clerk: &TestClerk) -> ClerkClient {
    common::backend_client::client_with(clerk, |config| config.timeout(Duration::from_millis(500)))
}

fn user(clerk: &TestClerk) -> String {
    clerk.users().create(NewUser::default()).expect("user").id
}

/// Sessions: listed by user and status with Clerk's total, revoked (retried after a 503),
/// and tokens minted from a template with a lifetime; `sessions().create_token` is unchanged.
#[actix_rt::test]
async fn sessions_list_revoke_and_templated_tokens() {
    let clerk = start();
    let api = client(&clerk);
    let id = user(&clerk);
    let first = clerk.users().create_session(&id).expect("session");
    let second = clerk.users().create_session(&id).expect("session");
    clerk
        .jwt_templates()
        .add("backend", json!({"uid": "{{user.id}}"}), 300)
        .expect("template");

    let page = api
        .sessions()
        .list(&SessionListParams::for_user(&id))
        .await
        .expect("list");
    assert_eq!(page.total_count, Some(2));
    assert_eq!(page.data[0].id, second.id, "newest first");

    clerk
        .faults()
        .fail_next("POST", "/v1/sessions/{session_id}/revoke", 1, 503);
    let revoked = api
        .sessions()
        .revoke(&first.id)
        .await
        .expect("revoked after a retry");
    assert_eq!(revoked.status, SessionObjectStatus::Revoked);
    assert_eq!(clerk.calls().count("POST", "/v1/sessions/{session_id}/revoke"), 2);
    let active = api
        .sessions()
        .list(&SessionListParams::for_user(&id).status(SessionObjectStatus::Active))
        .await
        .expect("list");
    assert_eq!(active.data.len(), 1);
    assert_eq!(active.data[0].id, second.id);

    let plain = api
        .sessions()
        .create_token(&second.id, None)
        .await
        .expect("token");
    let (_, claims) = decode_unverified(&plain).expect("jwt");
    assert_eq!(claims["sid"], second.id.as_str());
    let templated = api
        .sessions()
        .create_token_from_template(&second.id, "backend", Some(60))
        .await
        .expect("templated");
    let (_, claims) = decode_unverified(&templated).expect("jwt");
    assert_eq!(claims["uid"], id.as_str());
    assert_eq!(
        claims["exp"].as_i64().unwrap_or_default() - claims["iat"].as_i64().unwrap_or_default(),
        60
    );
    let lifetime_only = api
        .sessions()
        .create_token(&second.id, Some(90))
        .await
        .expect("token");
    let (_, claims) = decode_unverified(&lifetime_only).expect("jwt");
    assert_eq!(claims["sid"], second.id.as_str());
    let err = api
        .sessions()
        .create_token_from_template(&second.id, "missing", None)
        .await
        .expect_err("404");
    assert!(err.is_not_found());

    // A token request is a POST: not retried.
    clerk
        .faults()
        .fail_next("POST", "/v1/sessions/{session_id}/tokens/{template_name}", 1, 503);
    let err = api
        .sessions()
        .create_token_from_template(&second.id, "backend", None)
        .await
        .expect_err("503");
    assert_eq!(err.status(), Some(503));
    assert_eq!(
        clerk
            .calls()
            .count("POST", "/v1/sessions/{session_id}/tokens/{template_name}"),
        3,
        "two earlier requests and this one, once"
    );
}

/// Banning a user through the client revokes their sessions, and the emulator then refuses
/// their tickets with 403 `user_banned`.
#[actix_rt::test]
async fn a_banned_user_gets_no_tickets() {
    let clerk = start();
    let api = client(&clerk);
    let id = user(&clerk);
    let session = clerk.users().create_session(&id).expect("session");
    api.users().ban(&id).await.expect("ban");
    let revoked = api.sessions().get(&session.id).await.expect("session");
    assert_eq!(revoked.status, SessionObjectStatus::Revoked);
    let err = api
        .sign_in_tokens()
        .create(&CreateSignInToken::new(&id))
        .await
        .expect_err("banned");
    assert_eq!((err.status(), err.code()), (Some(403), Some("user_banned")));
    let err = api
        .actor_tokens()
        .create(&CreateActorToken::new(&id, "user_support"))
        .await
        .expect_err("banned");
    assert_eq!(err.code(), Some("user_banned"));
    let err = api
        .sessions()
        .create_token(&session.id, None)
        .await
        .expect_err("banned");
    assert_eq!(err.status(), Some(403));
}

/// Invitations: created (never retried), listed by status and query, revoked (a second
/// revoke is 400 `invitation_already_revoked`); the ticket URL is not in `Debug`.
#[actix_rt::test]
async fn invitations_create_list_revoke() {
    let clerk = start();
    let api = client(&clerk);
    let created = api
        .invitations()
        .create(&CreateInvitation {
            public_metadata: Some(json!({"plan": "pro"})),
            notify: Some(false),
            ..CreateInvitation::new("ada@example.com")
        })
        .await
        .expect("created");
    assert_eq!(created.status, Some(InvitationStatus::Pending));
    assert_eq!(created.public_metadata["plan"], "pro");
    let url = created.url.clone().expect("a url on creation");
    assert!(!format!("{created:?}").contains(&url));
    let err = api
        .invitations()
        .create(&CreateInvitation::new("ada@example.com"))
        .await
        .expect_err("duplicate");
    assert_eq!((err.status(), err.code()), (Some(400), Some("duplicate_record")));

    clerk.faults().fail_next("POST", "/v1/invitations", 1, 503);
    let err = api
        .invitations()
        .create(&CreateInvitation::new("grace@example.com"))
        .await
        .expect_err("503");
    assert_eq!(err.status(), Some(503));
    assert_eq!(
        clerk.calls().count("POST", "/v1/invitations"),
        3,
        "a create is not retried"
    );
    api.invitations()
        .create(&CreateInvitation::new("grace@example.com"))
        .await
        .expect("created");

    let pending = api
        .invitations()
        .list(&InvitationListParams::new().status(InvitationStatus::Pending))
        .await
        .expect("list");
    assert_eq!(pending.total_count, Some(2));
    let found = api
        .invitations()
        .list(&InvitationListParams::new().query("ada"))
        .await
        .expect("list");
    assert_eq!(found.data.len(), 1);

    let revoked = api.invitations().revoke(&created.id).await.expect("revoked");
    assert_eq!(revoked.status, Some(InvitationStatus::Revoked));
    assert_eq!(revoked.revoked, Some(true));
    let err = api.invitations().revoke(&created.id).await.expect_err("twice");
    assert_eq!(err.code(), Some("invitation_already_revoked"));
    let err = api.invitations().revoke("inv_missing").await.expect_err("404");
    assert!(err.is_not_found());
}

/// Sign-in and actor tokens: the ticket comes once and is hidden in `Debug`; revoking works
/// once, then is Clerk's 400.
#[actix_rt::test]
async fn sign_in_and_actor_tokens() {
    let clerk = start();
    let api = client(&clerk);
    let id = user(&clerk);

    let sign_in = api
        .sign_in_tokens()
        .create(&CreateSignInToken {
            expires_in_seconds: Some(600),
            ..CreateSignInToken::new(&id)
        })
        .await
        .expect("created");
    let ticket = sign_in.token.clone().expect("the ticket");
    assert_eq!(sign_in.status, TicketStatus::Pending);
    assert!(!format!("{sign_in:?}").contains(&ticket));
    let revoked = api.sign_in_tokens().revoke(&sign_in.id).await.expect("revoked");
    assert_eq!((revoked.status, revoked.token), (TicketStatus::Revoked, None));
    let err = api.sign_in_tokens().revoke(&sign_in.id).await.expect_err("twice");
    assert_eq!(err.code(), Some("sign_in_token_cannot_be_revoked_code"));

    let actor = api
        .actor_tokens()
        .create(&CreateActorToken::new(&id, "user_support"))
        .await
        .expect("created");
    assert_eq!(actor.actor["sub"], "user_support");
    assert!(!format!("{actor:?}").contains(actor.token.as_deref().unwrap_or("-")));
    let revoked = api.actor_tokens().revoke(&actor.id).await.expect("revoked");
    assert_eq!(revoked.status, TicketStatus::Revoked);

    let err = api
        .sign_in_tokens()
        .create(&CreateSignInToken::new("user_missing"))
        .await
        .expect_err("404");
    assert!(err.is_not_found());
    clerk.faults().fail_next("POST", "/v1/actor_tokens", 1, 503);
    let err = api
        .actor_tokens()
        .create(&CreateActorToken::new(&id, "user_support"))
        .await
        .expect_err("503");
    assert_eq!(err.status(), Some(503));
    assert_eq!(
        clerk.calls().count("POST", "/v1/actor_tokens"),
        2,
        "a create is not retried"
    );
}

/// JWT templates are listed and fetched; an unknown one is 404.
#[actix_rt::test]
async fn jwt_templates_list_and_get() {
    let clerk = start();
    let api = client(&clerk);
    let hasura = clerk
        .jwt_templates()
        .add("hasura", json!({"x": "{{user.id}}"}), 120)
        .expect("template");
    clerk
        .jwt_templates()
        .add("other", json!({}), 60)
        .expect("template");
    let page = api.jwt_templates().list(&Default::default()).await.expect("list");
    assert_eq!(page.total_count, Some(2));
    let got = api.jwt_templates().get(&hasura.id).await.expect("get");
    assert_eq!((got.name.as_str(), got.lifetime), ("hasura", 120));
    assert_eq!(got.claims["x"], "{{user.id}}");
    assert!(api
        .jwt_templates()
        .get("jtmp_missing")
        .await
        .expect_err("404")
        .is_not_found());
}

/// Allow- and block-list entries are added (never retried), listed and removed (retried).
#[actix_rt::test]
async fn identifier_lists_add_list_remove() {
    let clerk = start();
    let api = client(&clerk);
    // The same lifecycle on each list's handle.
    macro_rules! lifecycle {
        ($list:expr, $add:expr, $page:expr) => {{
            let entry = $add.await.expect("added");
            assert_eq!(entry.identifier_type, IdentifierType::EmailAddress);
            let err = $add.await.expect_err("duplicate");
            assert_eq!(err.code(), Some("duplicate_record"));
            let page = $page.await.expect("list");
            assert_eq!((page.data.len(), page.total_count), (1, Some(1)));
            let removed = $list.delete(&entry.id).await.expect("removed");
            assert!(removed.deleted);
            assert!($list.delete(&entry.id).await.expect_err("gone").is_not_found());
        }};
    }
    let allow = api.allowlist_identifiers();
    let allowed = CreateAllowlistIdentifier {
        identifier: "ada@example.com".to_owned(),
        ..Default::default()
    };
    lifecycle!(allow, allow.create(&allowed), allow.list(&Default::default()));
    let block = api.blocklist_identifiers();
    let blocked = CreateBlocklistIdentifier {
        identifier: "ada@example.com".to_owned(),
    };
    lifecycle!(block, block.create(&blocked), block.list());
    assert!(api
        .allowlist_identifiers()
        .list(&Default::default())
        .await
        .expect("list")
        .data
        .first()
        .is_none_or(|e| e.object == "allowlist_identifier"));
    clerk
        .faults()
        .fail_next("POST", "/v1/blocklist_identifiers", 1, 503);
    api.blocklist_identifiers()
        .create(&CreateBlocklistIdentifier {
            identifier: "x@example.com".to_owned(),
        })
        .await
        .expect_err("503 is not retried");
    assert_eq!(clerk.calls().count("POST", "/v1/blocklist_identifiers"), 3);
}

/// `verify_password` answers `true`/`false` (a 422 is `false`), keeps 400/404 as errors and is
/// retried; OAuth access tokens come by provider with or without the `oauth_` prefix.
#[actix_rt::test]
async fn passwords_and_oauth_access_tokens() {
    let clerk = start();
    let api = client(&clerk);
    let id = clerk
        .users()
        .create(NewUser::default().password("correct horse battery staple"))
        .expect("user")
        .id;
    let bare = user(&clerk);
    assert!(api
        .users()
        .verify_password(&id, "correct horse battery staple")
        .await
        .expect("checked"));
    assert!(!api.users().verify_password(&id, "wrong").await.expect("checked"));
    let err = api
        .users()
        .verify_password(&bare, "x")
        .await
        .expect_err("no password");
    assert_eq!((err.status(), err.code()), (Some(400), Some("no_password_set")));
    assert!(api
        .users()
        .verify_password("user_missing", "x")
        .await
        .expect_err("404")
        .is_not_found());
    assert!(
        api.users().verify_password(&id, "").await.is_err(),
        "an empty password is refused"
    );
    clerk
        .faults()
        .fail_next("POST", "/v1/users/{user_id}/verify_password", 1, 502);
    assert!(api
        .users()
        .verify_password(&id, "correct horse battery staple")
        .await
        .expect("retried"));

    clerk
        .oauth_tokens()
        .set(&id, "oauth_google", "ya29.secret", ["email"]);
    for provider in ["google", "oauth_google"] {
        let tokens = api
            .users()
            .list_oauth_access_tokens(&id, provider)
            .await
            .expect("tokens");
        assert_eq!(tokens.len(), 1, "{provider}");
        assert_eq!(tokens[0].token, "ya29.secret");
        assert_eq!(tokens[0].scopes, ["email"]);
        assert!(!format!("{:?}", tokens[0]).contains("ya29.secret"));
    }
    assert!(api
        .users()
        .list_oauth_access_tokens(&id, "github")
        .await
        .expect("none")
        .is_empty());
    assert!(api.users().list_oauth_access_tokens(&id, " ").await.is_err());
}
