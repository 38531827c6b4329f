//! `/__clerk/*`: the offline Clerk's Frontend API on the app's origin (dev mode, tests). Only the
//! browser routes reach the emulator, and exactly as they were checked.

use clerk_testkit::TestClerk;
use e2e::{spawn_app_with, SpawnOptions};

// Issue 22, item 8: an encoded `?` or `#` in the session id passed the allow-list once decoded,
// then went upstream unencoded (`/v1/client/sessions/x` plus a query `/tokens`).
#[actix_rt::test]
async fn an_encoded_query_or_fragment_in_a_session_id_is_not_forwarded() {
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

    let mut statuses = Vec::new();
    for sid in ["x%3F", "x%23", "x%253F", "x%2F..%2F..%2Fusers"] {
        let reply = app
            .get(&format!("/__clerk{sessions}{sid}/tokens"), None, &[])
            .await;
        statuses.push(reply.status);
    }
    assert_eq!(upstream(), [], "nothing reaches the emulator");
    assert_eq!(statuses, [404; 4]);

    // A well-formed session id still goes through, path unchanged and no query added.
    app.get(&format!("/__clerk{sessions}sess_1/tokens"), None, &[])
        .await;
    assert_eq!(upstream(), [(format!("{sessions}sess_1/tokens"), String::new())]);
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
