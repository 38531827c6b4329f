//! `/__clerk/*`: the offline Clerk's Frontend API on the app's origin (dev mode, tests), through
//! clerk-actix's `FrontendApiProxy`. Every Frontend API route is forwarded, exactly as received;
//! the emulator's Backend API is never reachable (a caller's secret key is not forwarded).

use clerk_testkit::TestClerk;
use e2e::{spawn_app_with, SpawnOptions};

// Issue 22, item 8: an encoded `?` or `#` in the session id passed the allow-list once decoded,
// then went upstream unencoded (`/v1/client/sessions/x` plus a query `/tokens`). Issue 23: the
// path now goes upstream as received, never decoded: the segment stays one segment.
#[actix_rt::test]
async fn an_encoded_query_or_fragment_in_a_session_id_goes_upstream_unchanged() {
    let app = spawn_app_with(SpawnOptions {
        browser: true,
        ..SpawnOptions::default()
    })
    .await;
    let sessions = "/v1/client/sessions/";
    let upstream = || -> Vec<(String, String)> {
        let calls = app.clerk.calls().requests().into_iter();
        calls
            .filter(|r| r.path.starts_with(sessions))
            .map(|r| (r.path, r.query))
            .collect()
    };

    let sids = ["x%3F", "x%23", "x%253F", "x%2F..%2F..%2Fusers", "sess_1"];
    let mut statuses = Vec::new();
    for sid in sids {
        let reply = app
            .post(&format!("/__clerk{sessions}{sid}/tokens"), Vec::new(), &[])
            .await;
        statuses.push(reply.status);
    }

    let sent: Vec<(String, String)> = sids
        .iter()
        .map(|sid| (format!("{sessions}{sid}/tokens"), String::new()))
        .collect();
    assert_eq!(upstream(), sent, "the same path, no query added");
    assert!(statuses.iter().all(|status| *status != 200), "{statuses:?}");
}

// Issue 23: a dot segment never reaches the emulator (the proxy refuses it, 400).
#[actix_rt::test]
async fn a_dot_segment_is_refused() {
    let app = spawn_app_with(SpawnOptions {
        browser: true,
        ..SpawnOptions::default()
    })
    .await;

    let before = app.clerk.calls().requests().len();
    let mut statuses = Vec::new();
    for path in [
        "/__clerk/v1/client/../../v1/users",
        "/__clerk/v1/%2e%2e/v1/users",
        "/__clerk/./v1/client",
    ] {
        statuses.push(app.get(path, None, &[]).await.status);
    }

    assert_eq!(statuses, [400; 3]);
    let after = app.clerk.calls().requests().len();
    assert_eq!(after, before, "nothing reaches the emulator");
}

// Issue 23: with the allow-list gone, what keeps the emulator's Backend API out of reach is the
// credential: the proxy never forwards `Authorization: Bearer sk_…`, even the right key.
#[actix_rt::test]
async fn the_backend_api_is_not_reachable_even_with_the_secret_key() {
    let app = spawn_app_with(SpawnOptions {
        browser: true,
        ..SpawnOptions::default()
    })
    .await;
    let secret_key = app.clerk.secret_key().to_owned();
    let before = app.clerk.calls().requests().len();

    let users = app.get("/__clerk/v1/users", Some(&secret_key), &[]).await;
    let user_list = app.get("/__clerk/v1/users?limit=1", None, &[]).await;

    assert_eq!(users.status, 401, "{}", users.body);
    assert_eq!(user_list.status, 401, "{}", user_list.body);
    assert!(!users.body.contains("sk_"), "{}", users.body);
    let calls = app.clerk.calls().requests().split_off(before);
    assert_eq!(calls.len(), 2, "{calls:?}");
    for call in calls {
        assert!(
            call.headers.iter().all(|(name, _)| name != "authorization"),
            "{:?}",
            call.headers
        );
    }
}

// Issue 23: what clerk-js calls first on load goes through the forwarder, `_method` included.
#[actix_rt::test]
async fn the_dev_browser_and_the_environment_are_forwarded() {
    let app = spawn_app_with(SpawnOptions {
        clerk: TestClerk::builder(),
        browser: true,
        ..SpawnOptions::default()
    })
    .await;
    let query = "__clerk_api_version=2026-08-20&_clerk_js_version=6.40.0";

    let dev_browser = app
        .post(&format!("/__clerk/v1/dev_browser?{query}"), Vec::new(), &[])
        .await;
    let environment = app
        .post(
            &format!("/__clerk/v1/environment?{query}&_method=PATCH"),
            Vec::new(),
            &[("Content-Type", "application/x-www-form-urlencoded")],
        )
        .await;

    assert_eq!(dev_browser.status, 200, "{}", dev_browser.body);
    assert!(dev_browser.body.contains(r#""id":"dvb_"#), "{}", dev_browser.body);
    assert_eq!(environment.status, 200, "{}", environment.body);
    assert!(
        environment.body.contains(r#""display_config""#),
        "{}",
        environment.body
    );
    assert_eq!(app.clerk.calls().count("PATCH", "/v1/environment"), 1);
}

// Brief 23a, item 1: in front of a Clerk instance (not dev mode, no APP_CLERK_FRONTEND_UPSTREAM),
// `APP_CLERK_FRONTEND_API_PROXY` mounts the proxy at `/__clerk` with Clerk's settings: the
// upstream is `CLERK_FAPI_URL` (here the offline Clerk on loopback, the only http upstream
// allowed), `CLERK_PROXY_URL` names the path. Without the setting, `/__clerk` is not served.
#[actix_rt::test]
async fn a_production_app_serves_the_frontend_api_through_its_proxy() {
    let port = e2e::free_port();
    let clerk = TestClerk::builder()
        .production()
        .bind(([127, 0, 0, 1], port).into());
    let app = spawn_app_with(SpawnOptions {
        clerk,
        settings: vec![
            ("APP_CLERK_FRONTEND_API_PROXY", "true".to_owned()),
            ("CLERK_PROXY_URL", "/__clerk".to_owned()),
            ("CLERK_FAPI_URL", format!("http://127.0.0.1:{port}")),
        ],
        ..SpawnOptions::default()
    })
    .await;
    let before = app.clerk.calls().requests().len();

    // The app's origin (its `CLERK_AUTHORIZED_PARTIES`): with a relative `CLERK_PROXY_URL`, the
    // proxy forwards only requests naming one of the app's origins.
    let host = [("host", "localhost:3000")];
    // What a caller says of its address is never forwarded (review finding 7).
    let caller = [
        ("host", "localhost:3000"),
        ("x-forwarded-for", "198.51.100.1"),
        ("x-real-ip", "198.51.100.2"),
        ("forwarded", "for=198.51.100.3"),
    ];
    let environment = app
        .get(
            "/__clerk/v1/environment?__clerk_api_version=2026-08-20",
            None,
            &caller,
        )
        .await;
    let script = app
        .get(
            "/__clerk/npm/@clerk/clerk-js@6/dist/clerk.browser.js",
            None,
            &host,
        )
        .await;
    // Any other host is refused before anything goes upstream (review finding 3).
    let evil = app
        .get("/__clerk/v1/environment", None, &[("host", "evil.example")])
        .await;
    assert_eq!(evil.status, 400, "{}", evil.body);
    assert!(evil.body.contains("proxy_host_untrusted"), "{}", evil.body);

    assert_eq!(environment.status, 200, "{}", environment.body);
    assert!(
        environment.body.contains(r#""display_config""#),
        "{}",
        environment.body
    );
    let calls = app.clerk.calls().requests().split_off(before);
    let paths: Vec<&str> = calls.iter().map(|call| call.path.as_str()).collect();
    // The SDK's own file comes through the same proxy (the emulator's answer, whatever it is).
    assert_eq!(
        paths,
        ["/v1/environment", "/npm/@clerk/clerk-js@6/dist/clerk.browser.js"],
        "{}",
        script.status
    );
    // What reached Clerk: the instance's secret key (the log keeps its prefix only), the proxy
    // URL of the app's origin, the client address as the app saw it, no caller address header.
    let seen = |name: &str| -> Vec<&str> {
        calls[0]
            .headers
            .iter()
            .filter(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
            .collect()
    };
    let key_prefix = &app.clerk.secret_key()[..8];
    assert_eq!(seen("clerk-secret-key"), [format!("{key_prefix}[redacted]")]);
    assert_eq!(seen("clerk-proxy-url"), ["http://localhost:3000/__clerk"]);
    assert_eq!(seen("x-forwarded-for"), ["127.0.0.1"]);
    assert_eq!(seen("x-real-ip"), Vec::<&str>::new());
    assert_eq!(seen("forwarded"), Vec::<&str>::new());

    // The same app without the setting serves no Frontend API.
    let plain = spawn_app_with(SpawnOptions::default()).await;
    let before = plain.clerk.calls().requests().len();
    let missing = plain.get("/__clerk/v1/environment", None, &[]).await;
    assert_eq!(missing.status, 404, "{}", missing.body);
    assert_eq!(plain.clerk.calls().requests().len(), before);
}
