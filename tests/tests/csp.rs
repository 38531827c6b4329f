//! Issue 24 §3: the app's pages under Clerk's strict Content Security Policy (clerk-actix's
//! `ClerkCsp`, `pages::content_security_policy`). One `Content-Security-Policy` header, with
//! `'strict-dynamic'`, the request's nonce (on every script tag of the page, fresh per request)
//! and `frame-ancestors 'none'`; and in headless Chromium the pages keep working with the
//! official clerk-js and `@clerk/ui` (sign in through Clerk's component on `/sign-in`, then
//! `/client`'s `getToken()` and fetch) while the page records no CSP violation
//! (`window.__cspViolations`, filled by the pages' first, inline script: our WebDriver client
//! cannot read the console).
//!
//! Skipped setup is a failure: Chromium (`scripts/chromium.sh`) and the pinned packages
//! (`CLERK_TESTKIT_NPM_DIR`, `scripts/clerk-js.sh`) must be there.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use clerk_testkit::{NewUser, TestClerk};
use e2e::browser::Browser;
use e2e::{npm_dir, spawn_app_with, SpawnOptions};
use serde_json::{json, Value};

const PASSWORD: &str = "correct horse battery staple";

/// The `'nonce-…'` of a policy's `script-src`.
fn policy_nonce(policy: &str) -> Option<&str> {
    let script = policy
        .split(';')
        .map(str::trim)
        .find(|d| d.starts_with("script-src "))?;
    script
        .split(' ')
        .find_map(|value| value.strip_prefix("'nonce-")?.strip_suffix('\''))
}

/// The `nonce="…"` values of a page's script tags (`""` for one without), data blocks
/// (`type="application/json"`, never run) left out.
fn script_nonces(body: &str) -> Vec<&str> {
    body.split("<script")
        .skip(1)
        .filter_map(|tag| tag.split_once('>').map(|(attributes, _)| attributes))
        .filter(|attributes| !attributes.contains("type=\"application/json\""))
        .map(|attributes| {
            attributes
                .split_once(" nonce=\"")
                .and_then(|(_, rest)| rest.split_once('"'))
                .map_or("", |(nonce, _)| nonce)
        })
        .collect()
}

#[actix_rt::test]
async fn one_strict_policy_whose_nonce_is_on_every_script_and_fresh_per_request() {
    let app = spawn_app_with(SpawnOptions {
        browser: true,
        ..SpawnOptions::default()
    })
    .await;
    // A browser's token on the app's origin (the proxied setup) carries it as `azp`.
    let token = app
        .clerk
        .minter()
        .session_token(&app.user_id)
        .azp(app.address.clone())
        .mint();
    let mut nonces = Vec::new();
    for _ in 0..2 {
        let page = app.get("/client", Some(&token), &[]).await;
        assert_eq!(page.status, 200, "{}", page.body);
        let client = awc::Client::new();
        let response = client
            .get(format!("{}/sign-in", app.address))
            .send()
            .await
            .expect("the app answers");
        let policies: Vec<_> = response.headers().get_all("content-security-policy").collect();
        assert_eq!(policies.len(), 1, "{policies:?}");
        let policy = policies[0].to_str().expect("ASCII").to_owned();
        assert!(policy.contains("'strict-dynamic'"), "{policy}");
        assert!(policy.contains("; frame-ancestors 'none';"), "{policy}");
        assert!(!policy.contains("https: "), "strict: no scheme sources: {policy}");
        let nonce = policy_nonce(&policy).expect("a nonce in script-src").to_owned();
        let mut response = response;
        let body = String::from_utf8(response.body().await.expect("a body").to_vec()).expect("UTF-8");
        let tags = script_nonces(&body);
        assert_eq!(tags.len(), 4, "recorder, clerk-js, @clerk/ui, client.js: {body}");
        assert!(
            tags.iter().all(|tag| *tag == nonce),
            "{tags:?} vs {nonce}: {body}"
        );
        // `page` (the other request) has its own nonce in its tags.
        assert!(script_nonces(&page.body)
            .iter()
            .all(|tag| !tag.is_empty() && *tag != nonce));
        nonces.push(nonce);
    }
    assert_ne!(nonces[0], nonces[1], "a fresh nonce per request");
}

/// The violations the page recorded; `None` when the recorder is not on the page.
async fn violations(browser: &Browser) -> Option<Vec<String>> {
    let value = browser
        .execute("return window.__cspViolations || null;", vec![])
        .await;
    match value {
        Value::Array(items) => Some(
            items
                .iter()
                .map(|v| v.as_str().unwrap_or("?").to_owned())
                .collect(),
        ),
        _ => None,
    }
}

/// Fails (with a screenshot) unless the page's recorder is there and recorded nothing.
async fn no_violations(browser: &Browser, step: &str) {
    let seen = violations(browser).await;
    if seen.as_deref() != Some(&[]) {
        let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
            .join(format!("../target/browser-screenshots/csp-{step}.png"));
        browser.screenshot(&path).await;
        panic!("{step}: CSP violations {seen:?} (None: no recorder on the page)");
    }
}

async fn wait_until(browser: &Browser, step: &str, script: &str, within: Duration) -> Value {
    let deadline = Instant::now() + within;
    loop {
        // Errors while the page navigates are expected: ask again.
        let value = browser.try_execute(script, vec![]).await.unwrap_or(Value::Null);
        if !value.is_null() && value != json!(false) {
            return value;
        }
        if Instant::now() > deadline {
            let seen = violations(browser).await;
            panic!("{step}: `{script}` stayed {value} (CSP violations: {seen:?})");
        }
        actix_web::rt::time::sleep(Duration::from_millis(100)).await;
    }
}

#[actix_rt::test]
async fn the_pages_work_in_chromium_under_the_strict_policy_without_a_violation() {
    let app = spawn_app_with(SpawnOptions {
        clerk: TestClerk::builder().npm_dir(npm_dir()),
        browser: true,
        ..SpawnOptions::default()
    })
    .await;
    let user = app
        .clerk
        .users()
        .create(
            NewUser::default()
                .first_name("Ada")
                .email("ada.csp@example.com")
                .password(PASSWORD),
        )
        .expect("a user with a password");
    let base = &app.address;
    let browser = Browser::start().await;

    // /sign-in: Clerk's component (clerk-js and @clerk/ui, and what they load) renders.
    browser.goto(&format!("{base}/sign-in")).await;
    assert!(
        browser
            .wait_for("input[name=identifier]", Duration::from_secs(20))
            .await,
        "the sign-in component did not render (CSP violations: {:?})",
        violations(&browser).await
    );
    no_violations(&browser, "sign-in-identifier").await;
    browser
        .type_into("input[name=identifier]", "ada.csp@example.com")
        .await;
    browser.click(".cl-formButtonPrimary").await;
    assert!(
        browser
            .wait_for("input[name=password]", Duration::from_secs(20))
            .await,
        "no password step (CSP violations: {:?})",
        violations(&browser).await
    );
    no_violations(&browser, "sign-in-password").await;
    browser.type_into("input[name=password]", PASSWORD).await;
    browser.click(".cl-formButtonPrimary").await;
    wait_until(
        &browser,
        "signed in",
        "return document.querySelector('main h1') && document.querySelector('main h1').textContent === 'Welcome, Ada!';",
        Duration::from_secs(20),
    )
    .await;

    // /client: clerk-js loads, getToken() and the fetch to /api/data work.
    browser.goto(&format!("{base}/client")).await;
    wait_until(
        &browser,
        "clerk-js loaded",
        "return window.Clerk && window.Clerk.loaded && window.Clerk.user ? window.Clerk.user.id : null;",
        Duration::from_secs(20),
    )
    .await;
    browser.click("#fetch-data").await;
    let result = browser
        .wait_for_text("#data-result", Duration::from_secs(10), |t| {
            t.starts_with("userId")
        })
        .await;
    assert_eq!(result, format!("userId: {}", user.id));
    no_violations(&browser, "client").await;
    browser.quit().await;
}
