//! `list_*_stream`: lazy streams over every page of a Backend API list, one page in flight,
//! against the offline Clerk (issue 15).

use clerk_actix::client::allowlist_identifiers::{CreateAllowlistIdentifier, ListAllowlistIdentifiersParams};
use clerk_actix::client::jwt_templates::ListJwtTemplatesParams;
use clerk_actix::client::{CreateInvitation, InvitationListParams, SessionListParams, UserListParams};
use clerk_testkit::{NewUser, TestClerk};
use futures_util::{StreamExt as _, TryStreamExt as _};
use serde_json::json;

mod common;
use common::backend_client::client;

fn start() -> TestClerk {
    TestClerk::builder().start().expect("offline Clerk starts")
}

/// In the default `-created_at` order the users stream follows `starting_after`: every user
/// once, newest first, in pages of the set limit, and a user deleted mid-pass neither stops
/// nor repeats it.
#[actix_rt::test]
async fn the_users_stream_pages_by_cursor_and_survives_a_deletion() {
    let clerk = start();
    let api = client(&clerk);
    let seeded = clerk.users().seed(7).expect("seeded");
    let mut stream = api.users().list_stream(&UserListParams::new().limit(3));
    assert_eq!(
        clerk.calls().count("GET", "/v1/users"),
        0,
        "nothing is sent before polling"
    );
    let mut ids = Vec::new();
    for _ in 0..3 {
        ids.push(stream.try_next().await.expect("ok").expect("user").id);
    }
    // The cursor user (the page's last) goes away before the next page is asked for.
    clerk.users().delete(&ids[2]).expect("deleted");
    while let Some(user) = stream.try_next().await.expect("ok") {
        ids.push(user.id);
    }
    let expected: Vec<String> = seeded.iter().rev().map(|u| u.id.clone()).collect();
    assert_eq!(ids, expected);
    let requests: Vec<String> = clerk
        .calls()
        .requests()
        .into_iter()
        .filter(|r| r.route.as_deref() == Some("/v1/users"))
        .map(|r| r.query)
        .collect();
    assert_eq!(requests.len(), 3, "{requests:?}");
    assert!(requests[0].contains("limit=3") && !requests[0].contains("starting_after"));
    assert!(
        requests[1].contains(&format!("starting_after={}", ids[2])),
        "{requests:?}"
    );
    assert!(requests.iter().all(|q| !q.contains("offset")), "{requests:?}");
}

/// In another order the users stream pages by offset; filters ride along on every page.
#[actix_rt::test]
async fn the_users_stream_uses_offsets_in_other_orders() {
    let clerk = start();
    let api = client(&clerk);
    clerk.users().seed(5).expect("seeded");
    clerk
        .users()
        .create(NewUser::default().email("banned@example.com").banned(true))
        .expect("banned user");
    let users: Vec<_> = api
        .users()
        .list_stream(&UserListParams::new().order_by("username").limit(2))
        .try_collect()
        .await
        .expect("all");
    assert_eq!(users.len(), 6);
    let queries: Vec<String> = clerk.calls().requests().into_iter().map(|r| r.query).collect();
    assert!(queries.iter().any(|q| q.contains("offset=4")), "{queries:?}");
    let banned: Vec<_> = api
        .users()
        .list_stream(&UserListParams::new().banned(true).limit(2))
        .try_collect()
        .await
        .expect("banned");
    assert_eq!(banned.len(), 1);
}

/// Session, invitation, template and list streams: every item, offsets by page, total
/// counts respected, and an error ends the stream after yielding it.
#[actix_rt::test]
async fn every_other_list_streams() {
    let clerk = start();
    let api = client(&clerk);
    let user = clerk.users().create(NewUser::default()).expect("user").id;
    for _ in 0..5 {
        clerk.users().create_session(&user).expect("session");
    }
    let sessions: Vec<_> = api
        .sessions()
        .list_stream(&SessionListParams::for_user(&user).limit(2))
        .try_collect()
        .await
        .expect("sessions");
    assert_eq!(sessions.len(), 5);
    // Clerk's `total_count` (5) ends the pass after the third page: no empty fourth request.
    assert_eq!(clerk.calls().count("GET", "/v1/sessions"), 3);

    for i in 0..4 {
        api.invitations()
            .create(&CreateInvitation::new(format!("i{i}@example.com")))
            .await
            .expect("invited");
        api.allowlist_identifiers()
            .create(&CreateAllowlistIdentifier {
                identifier: format!("a{i}@example.com"),
                ..Default::default()
            })
            .await
            .expect("allowed");
        clerk
            .jwt_templates()
            .add(&format!("t{i}"), json!({}), 60)
            .expect("template");
    }
    let invitations: Vec<_> = api
        .invitations()
        .list_stream(&InvitationListParams::new().limit(3))
        .try_collect()
        .await
        .expect("invitations");
    assert_eq!(invitations.len(), 4);
    let allowed: Vec<_> = api
        .allowlist_identifiers()
        .list_stream(&ListAllowlistIdentifiersParams {
            limit: Some(3),
            ..Default::default()
        })
        .try_collect()
        .await
        .expect("allowed");
    assert_eq!(allowed.len(), 4);
    let templates: Vec<_> = api
        .jwt_templates()
        .list_stream(&ListJwtTemplatesParams {
            limit: Some(1),
            ..Default::default()
        })
        .try_collect()
        .await
        .expect("templates");
    assert_eq!(templates.len(), 4);

    clerk.faults().fail_next("GET", "/v1/invitations", 10, 500);
    let results: Vec<_> = api
        .invitations()
        .list_stream(&InvitationListParams::new())
        .collect()
        .await;
    assert_eq!(results.len(), 1, "the error, then the end");
    assert_eq!(
        results[0].as_ref().map(|_| ()).expect_err("500").status(),
        Some(500)
    );
}
