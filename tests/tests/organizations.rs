//! Organizations end to end (issue 15): the emulator's `organization.*` and
//! `organizationMembership.*` webhooks reach Postgres (duplicates, reordering, a lost delivery
//! repaired by reconciliation), `GET /api/org` answers from the cache by Clerk's `has()`, and
//! lossy webhooks plus one reconciliation pass converge exactly.

use std::collections::HashMap;
use std::time::Duration;

use app::cache::{CacheConfig, InstanceKey, PgDirectoryCache};
use clerk_actix::{client::ClientConfig, ClerkClient};
use clerk_testkit::{store::OrganizationUpdate, NewOrganization, NewUser};
use e2e::{spawn_app, TestApp, ORIGIN};
use rand::rngs::StdRng;
use rand::{Rng as _, SeedableRng as _};
use sqlx::Row as _;

async fn idle(app: &TestApp) {
    tokio::time::timeout(Duration::from_secs(30), app.clerk.webhooks().wait_idle())
        .await
        .expect("deliveries finish");
}

/// The cached organization's name (`None`: no live row), and whether a tombstone exists.
async fn org_row(app: &TestApp, id: &str) -> (Option<String>, bool) {
    let mut conn = app.db().await;
    let row = sqlx::query("SELECT name, deleted_at_ms FROM organizations WHERE id = $1")
        .bind(id)
        .fetch_optional(&mut conn)
        .await
        .expect("query organizations");
    match row {
        Some(row) => (
            row.get("name"),
            row.get::<Option<i64>, _>("deleted_at_ms").is_some(),
        ),
        None => (None, false),
    }
}

/// The live memberships of an organization: `(user_id, role)`, sorted.
async fn members(app: &TestApp, org_id: &str) -> Vec<(String, String)> {
    let mut conn = app.db().await;
    let rows = sqlx::query(
        "SELECT user_id, role FROM organization_memberships \
         WHERE organization_id = $1 AND deleted_at_ms IS NULL ORDER BY user_id",
    )
    .bind(org_id)
    .fetch_all(&mut conn)
    .await
    .expect("query memberships");
    rows.into_iter()
        .map(|r| (r.get("user_id"), r.get("role")))
        .collect()
}

/// A cache on the app's database and emulator, as `app sync --full` builds one.
async fn reconciler(app: &TestApp) -> PgDirectoryCache {
    let pool = sqlx::postgres::PgPoolOptions::new()
        .max_connections(3)
        .connect(&app.db.url)
        .await
        .expect("pool");
    let client = ClientConfig::new()
        .secret_key(app.clerk.secret_key())
        .api_url(app.clerk.base_url())
        .max_retries(1);
    PgDirectoryCache::new(
        pool,
        ClerkClient::new(client).expect("client"),
        InstanceKey::from_publishable_key(app.clerk.instance().publishable_key()),
        CacheConfig::default(),
    )
}

fn token(app: &TestApp, user_id: &str, org_id: &str) -> String {
    app.clerk
        .organizations()
        .session_token(user_id, org_id)
        .expect("a member")
        .azp(ORIGIN)
        .mint()
}

#[actix_rt::test]
async fn an_organization_lifecycle_reaches_postgres_through_webhooks() {
    let app = spawn_app().await;
    let orgs = app.clerk.organizations();
    let hooks = app.clerk.webhooks();
    let bob = app
        .clerk
        .users()
        .create(NewUser::default().first_name("Bob").email("bob@example.com"))
        .expect("user");

    // Created (with its creator as admin), every delivery sent twice.
    hooks.deliver_twice(true);
    let org = orgs
        .create(
            NewOrganization::named("Acme")
                .slug("acme")
                .created_by(&app.user_id),
        )
        .expect("org");
    idle(&app).await;
    hooks.deliver_twice(false);
    assert_eq!(org_row(&app, &org.id).await, (Some("Acme".to_owned()), false));
    assert_eq!(
        members(&app, &org.id).await,
        [(app.user_id.clone(), "org:admin".to_owned())]
    );

    // Renamed twice, member added, role changed: delivered newest first.
    hooks.pause();
    hooks.deliver_out_of_order(true);
    let rename = |name: &str| OrganizationUpdate {
        name: Some(name.to_owned()),
        ..Default::default()
    };
    orgs.update(&org.id, rename("Acme Corp")).expect("renamed");
    orgs.update(&org.id, rename("Acme Inc")).expect("renamed");
    orgs.add_member(&org.id, &bob.id, "org:member").expect("added");
    orgs.set_role(&org.id, &bob.id, "org:auditor").expect("role");
    hooks.resume();
    idle(&app).await;
    hooks.deliver_out_of_order(false);
    assert_eq!(org_row(&app, &org.id).await.0.as_deref(), Some("Acme Inc"));
    let expected = {
        let mut expected = vec![
            (app.user_id.clone(), "org:admin".to_owned()),
            (bob.id.clone(), "org:auditor".to_owned()),
        ];
        expected.sort();
        expected
    };
    assert_eq!(members(&app, &org.id).await, expected);

    // Removed, and that delivery is lost for good: reconciliation repairs it.
    hooks.set_retry_schedule(vec![Duration::ZERO]);
    hooks.drop_fraction(1.0);
    orgs.remove_member(&org.id, &bob.id).expect("removed");
    idle(&app).await;
    hooks.drop_fraction(0.0);
    assert_eq!(members(&app, &org.id).await.len(), 2, "the removal was lost");
    let report = reconciler(&app)
        .await
        .reconcile_organizations()
        .await
        .expect("pass");
    assert!(
        report.is_complete() && report.memberships_tombstoned == 1,
        "{report:?}"
    );
    assert_eq!(
        members(&app, &org.id).await,
        [(app.user_id.clone(), "org:admin".to_owned())]
    );

    // Added again: a new membership, not blocked by the old one's tombstone.
    orgs.add_member(&org.id, &bob.id, "org:member")
        .expect("added again");
    idle(&app).await;
    assert_eq!(members(&app, &org.id).await.len(), 2);

    // Deleted: the organization and its memberships are tombstones, purged.
    orgs.delete(&org.id).expect("deleted");
    idle(&app).await;
    assert_eq!(org_row(&app, &org.id).await, (None, true));
    assert!(members(&app, &org.id).await.is_empty());
}

#[actix_rt::test]
async fn api_org_answers_by_has_from_the_cache() {
    let app = spawn_app().await;
    let orgs = app.clerk.organizations();
    let users = app.clerk.users();
    let member = users
        .create(NewUser::default().first_name("Mo").email("mo@example.com"))
        .expect("user");
    let auditor = users
        .create(NewUser::default().first_name("Au").email("au@example.com"))
        .expect("user");
    let org = orgs
        .create(
            NewOrganization::named("Acme")
                .slug("acme")
                .created_by(&app.user_id),
        )
        .expect("org");
    orgs.add_member(&org.id, &member.id, "org:member")
        .expect("member");
    orgs.add_member(&org.id, &auditor.id, "org:auditor")
        .expect("auditor");
    idle(&app).await;

    assert_eq!(app.get("/api/org", None, &[]).await.status, 401);
    assert_eq!(
        app.get("/api/org", Some(&app.token()), &[]).await.status,
        404,
        "no active organization"
    );
    let forbidden = app
        .get("/api/org", Some(&token(&app, &member.id, &org.id)), &[])
        .await;
    assert_eq!(forbidden.status, 403);

    let calls_before = app.clerk.calls().total();
    for user in [&app.user_id, &auditor.id] {
        let reply = app.get("/api/org", Some(&token(&app, user, &org.id)), &[]).await;
        assert_eq!(reply.status, 200, "{}", reply.body);
        let body = reply.json();
        assert_eq!(body["organization"]["id"], org.id.as_str());
        assert_eq!(body["organization"]["slug"], "acme");
        let roles: Vec<&str> = body["members"]
            .as_array()
            .expect("members")
            .iter()
            .filter_map(|m| m["role"].as_str())
            .collect();
        assert_eq!(roles, ["org:admin", "org:member", "org:auditor"]);
        assert_eq!(body["members"][1]["identifier"], "mo@example.com");
        assert!(!reply.body.contains("private_metadata"), "{}", reply.body);
    }
    assert_eq!(
        app.clerk.calls().total(),
        calls_before,
        "served from the cache, filled by webhooks"
    );

    // Deleted in Clerk: the token still names it, the cache knows better.
    orgs.delete(&org.id).expect("deleted");
    idle(&app).await;
    let stale_token = app
        .clerk
        .minter()
        .session_token(&app.user_id)
        .org(clerk_testkit::instance::OrgClaim::new(&org.id).role("admin"))
        .azp(ORIGIN)
        .mint();
    assert_eq!(app.get("/api/org", Some(&stale_token), &[]).await.status, 404);
}

#[actix_rt::test]
async fn a_cache_miss_reads_through_once() {
    let app = spawn_app().await;
    // Created before anyone listens: the app learns of it on the first request.
    app.clerk.webhooks().clear_endpoint();
    let org = app
        .clerk
        .organizations()
        .create(NewOrganization::named("Quiet").created_by(&app.user_id))
        .expect("org");
    let jwt = token(&app, &app.user_id, &org.id);
    let replies = futures_util::future::join_all((0..6).map(|_| app.get("/api/org", Some(&jwt), &[]))).await;
    for reply in &replies {
        assert_eq!(reply.status, 200, "{}", reply.body);
    }
    assert_eq!(app.clerk.calls().count("GET", "/v1/organizations/{org_id}"), 1);
    assert_eq!(org_row(&app, &org.id).await.0.as_deref(), Some("Quiet"));
}

#[actix_rt::test]
async fn lossy_organization_webhooks_plus_one_reconciliation_converge_exactly() {
    let app = spawn_app().await;
    let orgs = app.clerk.organizations();
    let hooks = app.clerk.webhooks();
    let users: Vec<String> = (0..20)
        .map(|i| {
            app.clerk
                .users()
                .create(NewUser::default().email(format!("m{i}@example.com")))
                .expect("user")
                .id
        })
        .collect();
    hooks.set_retry_schedule(vec![Duration::ZERO]);
    hooks.drop_fraction(0.2);
    let mut rng = StdRng::seed_from_u64(0x0e95);
    let mut live: Vec<String> = Vec::new();
    const ROLES: [&str; 3] = ["org:admin", "org:member", "org:auditor"];
    for batch in 0..20 {
        hooks.pause();
        hooks.deliver_out_of_order(batch % 2 == 0);
        hooks.deliver_twice(batch % 10 == 3);
        for _ in 0..50 {
            let roll: f64 = rng.gen();
            let user = &users[rng.gen_range(0..users.len())];
            let role = ROLES[rng.gen_range(0..ROLES.len())];
            if live.is_empty() || roll < 0.15 {
                let org = orgs
                    .create(NewOrganization::named(format!("o{}", rng.gen::<u32>())))
                    .expect("org");
                live.push(org.id);
                continue;
            }
            let org = live[rng.gen_range(0..live.len())].clone();
            if roll < 0.3 {
                let update = OrganizationUpdate {
                    name: Some(format!("o{}", rng.gen::<u32>())),
                    ..Default::default()
                };
                orgs.update(&org, update).expect("renamed");
            } else if roll < 0.6 {
                if orgs.membership(&org, user).is_none() {
                    orgs.add_member(&org, user, role).expect("added");
                } else {
                    orgs.set_role(&org, user, role).expect("role");
                }
            } else if roll < 0.9 {
                let members = orgs.members(&org);
                if let Some(member) = members.get(rng.gen_range(0..members.len().max(1))) {
                    orgs.remove_member(&org, &member.user_id).expect("removed");
                } else {
                    orgs.add_member(&org, user, role).expect("added");
                }
            } else {
                live.retain(|id| id != &org);
                orgs.delete(&org).expect("deleted");
            }
        }
        hooks.resume();
        idle(&app).await;
    }
    assert!(hooks
        .attempts()
        .iter()
        .any(|a| matches!(a.outcome, clerk_testkit::webhooks::DeliveryOutcome::Dropped)));

    let cache = reconciler(&app).await;
    let report = cache.reconcile_organizations().await.expect("pass");
    assert!(report.is_complete(), "{report:?}");

    let mut conn = app.db().await;
    let clerk_orgs: HashMap<String, (String, i64)> = orgs
        .all()
        .into_iter()
        .map(|o| (o.id, (o.name, o.updated_at)))
        .collect();
    let ours: HashMap<String, (String, i64)> =
        sqlx::query("SELECT id, name, updated_at_ms FROM organizations WHERE deleted_at_ms IS NULL")
            .fetch_all(&mut conn)
            .await
            .expect("rows")
            .into_iter()
            .map(|r| (r.get("id"), (r.get("name"), r.get("updated_at_ms"))))
            .collect();
    assert_eq!(ours, clerk_orgs, "the cache equals Clerk's organizations exactly");
    let clerk_members: HashMap<String, (String, String, String, i64)> = orgs
        .all_memberships()
        .into_iter()
        .map(|m| (m.id, (m.organization_id, m.user_id, m.role, m.updated_at)))
        .collect();
    let our_members: HashMap<String, (String, String, String, i64)> = sqlx::query(
        "SELECT id, organization_id, user_id, role, updated_at_ms FROM organization_memberships \
         WHERE deleted_at_ms IS NULL",
    )
    .fetch_all(&mut conn)
    .await
    .expect("rows")
    .into_iter()
    .map(|r| {
        (
            r.get("id"),
            (
                r.get("organization_id"),
                r.get("user_id"),
                r.get("role"),
                r.get("updated_at_ms"),
            ),
        )
    })
    .collect();
    assert_eq!(our_members.len(), clerk_members.len());
    assert_eq!(
        our_members, clerk_members,
        "the cache equals Clerk's memberships exactly"
    );
}

const ORG_HITS: &str = "app_user_cache_memory_org_hits_total";
const ORG_INVALIDATIONS: &str = "app_user_cache_memory_org_invalidations_total";

fn metric(body: &str, name: &str) -> u64 {
    body.lines()
        .find_map(|line| line.strip_prefix(name).and_then(|rest| rest.trim().parse().ok()))
        .unwrap_or(0)
}

async fn org_name_at(app: &TestApp, address: &str, token: &str) -> String {
    let reply = app.get_at(address, "/api/org", token).await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    reply.json()["organization"]["name"]
        .as_str()
        .unwrap_or_default()
        .to_owned()
}

/// Polls `check` until it holds, for at most `secs` seconds.
async fn eventually(secs: u64, what: &str, mut check: impl AsyncFnMut() -> bool) {
    let deadline = std::time::Instant::now() + Duration::from_secs(secs);
    while !check().await {
        assert!(std::time::Instant::now() < deadline, "{what}");
        actix_rt::time::sleep(Duration::from_millis(20)).await;
    }
}

#[actix_rt::test]
async fn an_organization_change_reaches_every_replicas_in_process_tier() {
    let app = spawn_app().await;
    let org = app
        .clerk
        .organizations()
        .create(NewOrganization::named("Acme").created_by(&app.user_id))
        .expect("org");
    idle(&app).await;
    let jwt = token(&app, &app.user_id, &org.id);
    let (replica, _handle) = app.spawn_replica().await;
    // Each replica's feed subscribes right after start; an in-process organization hit proves it
    // is connected and holds the organization.
    for address in [app.address.clone(), replica.clone()] {
        eventually(
            10,
            "the in-process tier never served the organization",
            async || {
                let _ = org_name_at(&app, &address, &jwt).await;
                metric(&app.metrics_at(&address).await, ORG_HITS) > 0
            },
        )
        .await;
    }
    let invalidated = metric(&app.metrics_at(&replica).await, ORG_INVALIDATIONS);

    // The webhooks go to the first replica only; the second hears of them from Postgres.
    let rename = OrganizationUpdate {
        name: Some("Acme Corp".to_owned()),
        ..Default::default()
    };
    app.clerk
        .organizations()
        .update(&org.id, rename)
        .expect("renamed");
    idle(&app).await;
    assert_eq!(org_name_at(&app, &app.address, &jwt).await, "Acme Corp");
    eventually(5, "the replica kept serving the old organization", async || {
        org_name_at(&app, &replica, &jwt).await == "Acme Corp"
    })
    .await;
    // The replica dropped the organization on the feed's word (issue 29), not by its TTL.
    assert!(metric(&app.metrics_at(&replica).await, ORG_INVALIDATIONS) > invalidated);
    let member = app
        .clerk
        .users()
        .create(NewUser::default().email("new@example.com"))
        .expect("user");
    app.clerk
        .organizations()
        .add_member(&org.id, &member.id, "org:member")
        .expect("added");
    idle(&app).await;
    eventually(5, "the replica kept serving the old member list", async || {
        let reply = app.get_at(&replica, "/api/org", &jwt).await;
        reply.json()["members"].as_array().map(Vec::len) == Some(2)
    })
    .await;
}
