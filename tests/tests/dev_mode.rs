//! Dev mode keeps one identity per database and port: a restart changes nothing (same instance,
//! same users, old tokens still verify, reconciliation tombstones nobody), and two dev stacks on
//! different ports of one database are two instances that never touch each other's rows.

use std::collections::HashMap;
use std::time::Duration;

use app::configuration::Settings;
use app::startup::Application;
use e2e::{free_port, start_dev, start_dev_with, TestDatabase};
use sqlx::Connection as _;

/// `GET {path}` with `token`, on the app at `port`: the status and the JSON body.
async fn get_json(port: u16, path: &str, token: &str) -> (u16, serde_json::Value) {
    let client = awc::Client::builder().timeout(Duration::from_secs(10)).finish();
    let mut response = client
        .get(format!("http://127.0.0.1:{port}{path}"))
        .insert_header(("Authorization", format!("Bearer {token}")))
        .send()
        .await
        .expect("request reaches the app");
    let body = response.body().await.unwrap_or_default();
    (
        response.status().as_u16(),
        serde_json::from_slice(&body).unwrap_or(serde_json::Value::Null),
    )
}

/// Runs one reconciliation pass of `app`'s cache and returns how many users it tombstoned.
async fn reconcile(app: &Application) -> u64 {
    let cache = app.state().cache.clone().expect("dev mode has a user cache");
    let report = cache.reconcile(|_| {}).await.expect("pass ran");
    assert!(report.is_complete(), "{report:?}");
    report.tombstoned
}

fn user_ids(app: &Application) -> Vec<String> {
    let dev = app.dev().expect("dev mode");
    dev.emulator().users().all().into_iter().map(|u| u.id).collect()
}

#[actix_rt::test]
async fn a_dev_mode_restart_keeps_every_user_and_old_tokens() {
    let db = TestDatabase::create().await;
    let port = free_port();

    let first = start_dev(&db, port).await;
    let dev = first.dev().expect("dev mode");
    let publishable_key = dev.emulator().publishable_key().to_owned();
    let api_url = dev.emulator().base_url().to_owned();
    // Issue 28, item 6: unset, the authorized parties are the app's own origins (no warning).
    assert_eq!(
        first.clerk().config().authorized_parties(),
        [
            format!("http://localhost:{port}"),
            format!("http://127.0.0.1:{port}")
        ]
    );
    let users = user_ids(&first);
    assert_eq!(users.len(), 3);
    let token = dev.sample_token().expect("a seeded user");
    let handle = first.server_handle();
    assert_eq!(reconcile(&first).await, 0);
    let running = actix_rt::spawn(first.run_until_stopped());
    let (status, body) = get_json(port, "/api/user", &token).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["userId"], users[0].as_str());
    handle.stop(true).await;
    let _ = running.await;

    // Restart on the same database and port.
    let second = start_dev(&db, port).await;
    let dev = second.dev().expect("dev mode");
    assert_eq!(dev.emulator().publishable_key(), publishable_key);
    // Issue 28, item 8: the banner's CLERK_API_URL survives a restart (PORT + 1).
    assert_eq!(dev.emulator().base_url(), api_url);
    assert_eq!(user_ids(&second), users);
    assert_eq!(reconcile(&second).await, 0, "a restart tombstones nobody");
    // Issue 23: the seeded users still sign in with the seeded password on /sign-in (a password
    // is not part of the stored identity: the restart puts it back).
    for id in &users {
        assert_eq!(
            dev.emulator()
                .users()
                .verify_password(id, app::dev::SEEDED_PASSWORD)
                .ok(),
            Some(Some(true)),
            "{id}"
        );
    }
    let fresh_token = dev.sample_token().expect("a seeded user");
    let handle = second.server_handle();
    let running = actix_rt::spawn(second.run_until_stopped());
    // The token minted before the restart still verifies, and minting still works.
    for token in [&token, &fresh_token] {
        let (status, body) = get_json(port, "/api/user", token).await;
        assert_eq!(status, 200, "{body}");
        assert_eq!(body["userId"], users[0].as_str());
    }
    handle.stop(true).await;
    let _ = running.await;

    let mut conn = sqlx::PgConnection::connect(&db.url).await.expect("db");
    let (live, dead): (i64, i64) = sqlx::query_as(
        "SELECT count(*) FILTER (WHERE deleted_at_ms IS NULL), count(*) FILTER (WHERE deleted_at_ms IS NOT NULL) FROM users",
    )
    .fetch_one(&mut conn)
    .await
    .expect("count");
    assert_eq!((live, dead), (3, 0));
}

#[actix_rt::test]
async fn two_dev_stacks_on_one_database_are_two_instances() {
    let db = TestDatabase::create().await;
    let a = start_dev(&db, free_port()).await;
    let b = start_dev(&db, free_port()).await;
    let key_a = a.dev().expect("dev").emulator().publishable_key().to_owned();
    let key_b = b.dev().expect("dev").emulator().publishable_key().to_owned();
    assert_ne!(key_a, key_b);
    for _ in 0..2 {
        assert_eq!(reconcile(&a).await, 0);
        assert_eq!(reconcile(&b).await, 0);
    }
    let mut conn = sqlx::PgConnection::connect(&db.url).await.expect("db");
    let per_instance: Vec<(String, i64)> = sqlx::query_as(
        "SELECT instance, count(*) FROM users WHERE deleted_at_ms IS NULL GROUP BY instance ORDER BY instance",
    )
    .fetch_all(&mut conn)
    .await
    .expect("count");
    assert_eq!(per_instance.len(), 2, "{per_instance:?}");
    assert!(per_instance.iter().all(|(_, n)| *n == 3), "{per_instance:?}");
}

/// Issue 16, §2: dev mode ignored `CLERK_AUTHORIZED_PARTIES` (and then warned that it was empty);
/// the configured `CLERK_*` options now apply there too.
#[actix_rt::test]
async fn dev_mode_applies_the_configured_authorized_parties() {
    // Arrange
    let db = TestDatabase::create().await;
    let port = free_port();
    let app = start_dev_with(
        &db,
        port,
        &[("CLERK_AUTHORIZED_PARTIES", "http://localhost:3000")],
    )
    .await;
    assert_eq!(
        app.clerk().config().authorized_parties(),
        ["http://localhost:3000"]
    );
    let dev = app.dev().expect("dev mode");
    let user = user_ids(&app).remove(0);
    let minter = dev.emulator().minter();
    let own = minter.session_token(&user).azp("http://localhost:3000").mint();
    let foreign = minter
        .session_token(&user)
        .azp("https://elsewhere.example")
        .mint();
    let handle = app.server_handle();
    let running = actix_rt::spawn(app.run_until_stopped());

    // Act
    let (own_status, body) = get_json(port, "/api/user", &own).await;
    let (foreign_status, _) = get_json(port, "/api/user", &foreign).await;

    // Assert
    assert_eq!(own_status, 200, "{body}");
    assert_eq!(foreign_status, 401);
    handle.stop(true).await;
    let _ = running.await;
}

/// The dev stack's sign-in page sends the browser back to the app's configured origins
/// (`CLERK_AUTHORIZED_PARTIES`), not only to loopback ones, and nowhere else.
#[actix_rt::test]
async fn dev_sign_in_returns_to_the_authorized_parties_only() {
    // Arrange
    let db = TestDatabase::create().await;
    let port = free_port();
    let app = start_dev_with(
        &db,
        port,
        &[(
            "CLERK_AUTHORIZED_PARTIES",
            "http://10.0.0.5:8080, http://localhost:3000",
        )],
    )
    .await;
    let dev = app.dev().expect("dev mode");
    let user = user_ids(&app).remove(0);
    let sign_in = format!("{}/sign-in", dev.emulator().base_url());
    let client = awc::Client::builder()
        .disable_redirects()
        .timeout(Duration::from_secs(10))
        .finish();
    let post = |redirect: &'static str| {
        let (client, sign_in, user) = (&client, &sign_in, &user);
        async move {
            let body = url::form_urlencoded::Serializer::new(String::new())
                .extend_pairs([("user_id", user.as_str()), ("redirect_url", redirect)])
                .finish();
            let response = client
                .post(sign_in)
                .insert_header(("content-type", "application/x-www-form-urlencoded"))
                .send_body(body)
                .await
                .expect("the sign-in page answers");
            let location = response
                .headers()
                .get("location")
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned);
            (response.status().as_u16(), location)
        }
    };

    // Act
    let configured = post("http://10.0.0.5:8080/profile").await;
    let elsewhere = post("http://10.0.0.6:8080/profile").await;

    // Assert
    assert_eq!(configured, (303, Some("http://10.0.0.5:8080/profile".to_owned())));
    assert_eq!(
        elsewhere,
        (200, None),
        "signed in, but kept on the emulator's page"
    );
}

// Issue 28, item 3: in dev mode too, every setting is checked before the database (down here)
// is touched: the malformed setting is what the user is told about.
#[actix_rt::test]
async fn dev_mode_reports_a_bad_setting_before_the_database() {
    e2e::init_logging();
    for (variable, value) in [
        ("CLERK_AUTHORIZED_PARTIES", "localhost:3000"),
        ("APP_CLERK_FRONTEND_UPSTREAM", "not a url"),
        ("DATABASE_URL", "localhost:5432"),
    ] {
        let mut env: HashMap<String, String> = [
            ("PORT", "0"),
            ("APP_ADMIN_PORT", "0"),
            ("APP_DEV_MODE", "1"),
            ("DATABASE_URL", "postgres://postgres@127.0.0.1:1/none"),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .collect();
        env.insert(variable.to_owned(), value.to_owned());
        let settings = Settings::load_from(
            None,
            config::Environment::default().try_parsing(true).source(Some(env)),
        );
        let err = match settings {
            Ok(settings) => Application::build(settings).await.map(drop).expect_err("refused"),
            Err(err) => err,
        };
        assert!(err.is_config(), "{variable}: {err}");
        assert!(err.to_string().contains(variable), "{err}");
        assert!(!err.to_string().contains("connection refused"), "{err}");
    }
}

/// Issue 28, item 11: dev mode seeds one organization (Acme, the first user its admin, the
/// second a member), the banner's token is the first user's in it, so `/api/org` answers as the
/// README says; a restart keeps the same organization.
#[actix_rt::test]
async fn dev_mode_seeds_an_organization_that_api_org_answers_across_a_restart() {
    // Arrange
    let db = TestDatabase::create().await;
    let port = free_port();
    let mut org_ids = Vec::new();
    for _run in 0..2 {
        let app = start_dev(&db, port).await;
        let dev = app.dev().expect("dev mode");
        let token = dev.sample_token().expect("a sample token");
        let users = user_ids(&app);
        let handle = app.server_handle();
        let running = actix_rt::spawn(app.run_until_stopped());

        // Act: the seeding's membership webhooks reach the cache while the app starts serving,
        // so the members are waited for (a deadline, not a sleep).
        let expected = [(users[0].clone(), "org:admin"), (users[1].clone(), "org:member")];
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
        let body = loop {
            let (status, body) = get_json(port, "/api/org", &token).await;
            assert_eq!(status, 200, "{body}");
            let roles: Vec<(String, String)> = body["members"]
                .as_array()
                .expect("members")
                .iter()
                .filter_map(|m| Some((m["userId"].as_str()?.to_owned(), m["role"].as_str()?.to_owned())))
                .collect();
            let complete = expected
                .iter()
                .all(|(user, role)| roles.contains(&(user.clone(), (*role).to_owned())));
            if complete {
                break body;
            }
            assert!(
                std::time::Instant::now() < deadline,
                "the seeded members never all appeared: {body}"
            );
            actix_rt::time::sleep(std::time::Duration::from_millis(50)).await;
        };

        // Assert
        assert_eq!(body["organization"]["name"], "Acme", "{body}");
        assert_eq!(body["organization"]["slug"], app::dev::SEEDED_ORGANIZATION);
        org_ids.push(body["organization"]["id"].clone());
        handle.stop(true).await;
        let _ = running.await;
    }
    assert_eq!(org_ids[0], org_ids[1], "a restart keeps the organization");
}
