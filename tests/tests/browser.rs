//! Issue 13: the dev stack in a real browser. Headless Chromium (Debian's `chromium` and
//! `chromium-driver`, installed by `make test`) drives the example app, real Postgres and the
//! offline Clerk, whose Frontend API and sign-in page the app serves under `/__clerk`; the
//! client page runs Clerk's official `@clerk/clerk-js` from there (issue 23: the pinned packages,
//! `scripts/clerk-js.sh`):
//! 1. signed out, `/` says "Sign in to view this page" and `/profile` goes to the sign-in page;
//! 2. signing in as a seeded user lands back on `/profile`: "Welcome, {firstName}!", the props are
//!    there, no private metadata anywhere in the page source;
//! 3. the client example's button fetches `/api/data` with clerk-js's `getToken()` and shows the
//!    user id;
//! 4. with a 3 s token lifetime: clerk-js on the client page keeps the session fresh (a fetch
//!    after 10 s succeeds); away from it for longer than lifetime + clock skew, `/profile` is
//!    still signed in after one round trip to Clerk (a server-side refresh or one handshake);
//! 5. signing out ends the session at Clerk, clears the session cookies (`__client_uat=0`) and
//!    `/` is signed out: on development through the script-free form of `/profile` (the offline
//!    Clerk's sign-out page), on production through clerk-js's `signOut()` on `/client`; a
//!    copied token keeps working only until its `exp` + skew;
//! 6. a development and a production instance (suffixed cookies) both pass;
//! 7. dev mode as `make run` starts it (no `CLERK_AUTHORIZED_PARTIES`: its own origins), opened
//!    at `http://localhost:{PORT}`: a seeded user signs in with a password through Clerk's
//!    sign-in component on the app's `/sign-in`, and the client page's fetch passes.
//!
//! Steps 1 and 2 sign in on the offline Clerk's script-free sign-in page (a button per user), the
//! Account Portal's stand-in: no password, and what the server side does is the subject.
//!
//! A failing step saves a screenshot under `target/browser-screenshots/`; dev mode's `/sign-in`
//! and `/client` are saved there too (`devmode-sign-in-page.png`, `devmode-client-page.png`).
//! With `UPDATE_SCREENSHOTS=1` dev mode's signed-in `/profile` is saved as
//! `docs/screenshot-profile.png` (the README's picture: the first seeded user).

use std::path::PathBuf;
use std::time::Duration;

use clerk_testkit::{NewUser, TestClerk, TestClerkBuilder};
use e2e::browser::Browser;
use e2e::{free_port, npm_dir, spawn_app_with, start_dev, SpawnOptions, TestApp, TestDatabase};
use serde_json::json;

const SECRET: &str = "top secret private note";

fn screenshots() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../target/browser-screenshots")
}

/// Fails the test with `message`, after saving what the browser saw.
async fn fail(browser: &Browser, step: &str, message: String) -> ! {
    let path = screenshots().join(format!("{step}.png"));
    browser.screenshot(&path).await;
    panic!("{step}: {message} (screenshot: {})", path.display());
}

async fn expect(browser: &Browser, step: &str, ok: bool, message: impl FnOnce() -> String) {
    if !ok {
        fail(browser, step, message()).await;
    }
}

/// The `exp` claim of a JWT (0 when it cannot be read).
fn jwt_exp(token: &str) -> i64 {
    use base64::Engine as _;
    token
        .split('.')
        .nth(1)
        .and_then(|payload| {
            base64::engine::general_purpose::URL_SAFE_NO_PAD
                .decode(payload)
                .ok()
        })
        .and_then(|bytes| serde_json::from_slice::<serde_json::Value>(&bytes).ok())
        .and_then(|claims| claims["exp"].as_i64())
        .unwrap_or_default()
}

struct Stack {
    app: TestApp,
    user_id: String,
}

async fn stack(clerk: TestClerkBuilder) -> Stack {
    let app = spawn_app_with(SpawnOptions {
        clerk: clerk.npm_dir(npm_dir()),
        browser: true,
        ..Default::default()
    })
    .await;
    let user = app
        .clerk
        .users()
        .create(
            NewUser::default()
                .first_name("Grace")
                .last_name("Hopper")
                .email("grace@example.com")
                .private_metadata(json!({ "note": SECRET })),
        )
        .expect("a seeded user");
    Stack {
        user_id: user.id,
        app,
    }
}

/// Scenarios 1–3 and 5 (the sign-out half), for one instance, signing out from
/// `sign_out_from`'s page (`true`: the page runs clerk-js, which signs out).
async fn sign_in_flow(stack: &Stack, name: &str, sign_out_from: (&str, bool)) {
    let base = &stack.app.address;
    let browser = Browser::start().await;

    // 1. Signed out.
    browser.goto(&format!("{base}/")).await;
    let heading = browser.text("main h1").await;
    expect(
        &browser,
        &format!("{name}-1-home"),
        heading == "Sign in to view this page",
        || format!("home says {heading:?}"),
    )
    .await;
    browser.goto(&format!("{base}/profile")).await;
    let url = browser.url().await;
    expect(
        &browser,
        &format!("{name}-1-profile"),
        url.contains("/__clerk/sign-in"),
        || format!("/profile went to {url}"),
    )
    .await;

    // 2. Sign in as the seeded user: back on /profile, signed in.
    browser
        .click_and_wait(&format!("button[name=user_id][value={}]", stack.user_id))
        .await;
    let url = browser.url().await;
    let welcome = browser.text("#welcome").await;
    expect(
        &browser,
        &format!("{name}-2-profile"),
        url.starts_with(&format!("{base}/profile")) && welcome == "Welcome, Grace!",
        || format!("after sign-in: {url} says {welcome:?}"),
    )
    .await;
    // One handshake brought the session in (a development instance first had one more, for its
    // dev browser); none of them looped.
    let handshakes = stack.app.clerk.handshake_calls();
    let expected = if name == "dev" { 2 } else { 1 };
    expect(
        &browser,
        &format!("{name}-2-handshakes"),
        handshakes == expected,
        || format!("{handshakes} handshakes for one sign-in (expected {expected})"),
    )
    .await;
    let source = browser.source().await;
    expect(
        &browser,
        &format!("{name}-2-props"),
        source.contains("__clerk_ssr_state"),
        || "no props in the page".to_owned(),
    )
    .await;
    expect(
        &browser,
        &format!("{name}-2-private"),
        !source.contains(SECRET),
        || "private metadata in the page source".to_owned(),
    )
    .await;
    // 3. The client example: getToken() + fetch /api/data.
    browser.goto(&format!("{base}/client")).await;
    let hello = browser.text("#hello").await;
    expect(
        &browser,
        &format!("{name}-3-hello"),
        hello == "Hello Grace!",
        || format!("client page says {hello:?}"),
    )
    .await;
    let version = browser
        .execute("return window.Clerk ? window.Clerk.version : null;", vec![])
        .await;
    expect(
        &browser,
        &format!("{name}-3-clerk-js"),
        version == json!("6.40.0"),
        || format!("the client page's clerk-js: {version}"),
    )
    .await;
    browser.click("#fetch-data").await;
    let result = browser
        .wait_for_text("#data-result", Duration::from_secs(10), |t| {
            t.starts_with("userId")
        })
        .await;
    expect(
        &browser,
        &format!("{name}-3-fetch"),
        result == format!("userId: {}", stack.user_id),
        || format!("the fetch shows {result:?}"),
    )
    .await;

    // 5. Sign out: the emulator ended the session, the session cookies are cleared,
    // `__client_uat` is 0 (issue 29) and / is signed out. From `/client` clerk-js's `signOut()`
    // does it (`DELETE /v1/client/sessions`); from `/profile`, with no script, the form posts to
    // the offline Clerk's sign-out page.
    let (page, sdk) = sign_out_from;
    browser.goto(&format!("{base}{page}")).await;
    let sdk_sign_outs = || stack.app.clerk.calls().count("DELETE", "/v1/client/sessions");
    let before = sdk_sign_outs();
    // clerk-js, on load, removes the session cookies and sets them again a moment later: wait
    // for them rather than read them once.
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    let session_id = loop {
        let cookies = browser.cookies().await;
        let sid = cookies
            .iter()
            .find(|(n, v)| n.starts_with("__session") && !v.is_empty())
            .and_then(|(_, token)| clerk_testkit::decode_unverified(token).ok())
            .and_then(|(_, claims)| claims["sid"].as_str().map(str::to_owned));
        match sid {
            Some(sid) => break sid,
            None if std::time::Instant::now() > deadline => {
                fail(
                    &browser,
                    &format!("{name}-5-session"),
                    format!("no session cookie on {page}: {cookies:?}"),
                )
                .await
            }
            None => actix_web::rt::time::sleep(Duration::from_millis(100)).await,
        }
    };
    browser.click_and_wait("nav form button[type=submit]").await;
    let heading = browser.text("main h1").await;
    let cookies = browser.cookies().await;
    let session_left = cookies
        .iter()
        .any(|(n, v)| n.starts_with("__session") && !v.is_empty());
    let client_uat: Vec<&str> = cookies
        .iter()
        .filter(|(n, _)| n.starts_with("__client_uat"))
        .map(|(_, v)| v.as_str())
        .collect();
    let status = stack.app.clerk.users().session(&session_id).map(|s| s.status);
    let through_sdk = sdk_sign_outs() - before;
    expect(
        &browser,
        &format!("{name}-5-sdk"),
        through_sdk == u64::from(sdk),
        || format!("{through_sdk} sign-outs through clerk-js from {page}"),
    )
    .await;
    expect(
        &browser,
        &format!("{name}-5-signed-out"),
        heading == "Sign in to view this page"
            && !session_left
            && !client_uat.is_empty()
            && client_uat.iter().all(|v| *v == "0")
            && status.as_deref() == Some("ended"),
        || {
            format!(
                "after sign-out: {heading:?}, session cookie left: {session_left}, \
                 __client_uat: {client_uat:?}, session {session_id}: {status:?}"
            )
        },
    )
    .await;
    browser.quit().await;
}

#[actix_rt::test]
async fn a_development_instance_signs_in_renders_and_signs_out_in_a_browser() {
    let stack = stack(TestClerk::builder()).await;
    sign_in_flow(&stack, "dev", ("/profile", false)).await;
}

#[actix_rt::test]
async fn a_production_instance_signs_in_renders_and_signs_out_in_a_browser() {
    let stack = stack(TestClerk::builder().production()).await;
    sign_in_flow(&stack, "prod", ("/client", true)).await;
}

#[actix_rt::test]
async fn short_lived_tokens_stay_fresh_and_a_copied_token_expires() {
    let stack = stack(
        TestClerk::builder()
            .production()
            .session_token_ttl(Duration::from_secs(3)),
    )
    .await;
    let base = &stack.app.address;
    let browser = Browser::start().await;
    browser.goto(&format!("{base}/profile")).await;
    browser
        .click_and_wait(&format!("button[name=user_id][value={}]", stack.user_id))
        .await;
    let welcome = browser.text("#welcome").await;
    expect(&browser, "ttl-signed-in", welcome == "Welcome, Grace!", || {
        format!("after sign-in: {welcome:?}")
    })
    .await;

    // 4a. The client page's script keeps __session fresh while the tab sits idle: after 10 s
    // the cookie holds an unexpired token the script fetched meanwhile, and a fetch succeeds.
    browser.goto(&format!("{base}/client")).await;
    let minted_before = stack.app.clerk.session_token_calls();
    actix_web::rt::time::sleep(Duration::from_secs(10)).await;
    let minted_idle = stack.app.clerk.session_token_calls() - minted_before;
    let cookie = browser
        .cookies()
        .await
        .into_iter()
        .find(|(n, _)| n == "__session")
        .map(|(_, v)| v)
        .unwrap_or_default();
    let exp = jwt_exp(&cookie);
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or_default();
    expect(&browser, "ttl-4a-cookie", minted_idle >= 2 && exp > now, || {
        format!("idle 10 s: {minted_idle} tokens minted, __session exp {exp} vs now {now}")
    })
    .await;
    browser.click("#fetch-data").await;
    let result = browser
        .wait_for_text("#data-result", Duration::from_secs(10), |t| {
            !t.is_empty() && t != "Fetching…"
        })
        .await;
    expect(
        &browser,
        "ttl-4a-fresh",
        result == format!("userId: {}", stack.user_id),
        || format!("after 10 s the fetch shows {result:?}"),
    )
    .await;

    // 4b. Away from the script for longer than lifetime + skew: /profile is still signed in after
    // one round trip to Clerk. The Frontend API set a `__refresh` cookie, so it is Clerk's
    // server-side refresh (no redirect), not a handshake.
    browser.goto(&format!("{base}/")).await;
    let copied = browser
        .cookies()
        .await
        .into_iter()
        .find(|(n, _)| n == "__session")
        .map(|(_, v)| v)
        .unwrap_or_default();
    let trips = |app: &TestApp| {
        (
            app.clerk.handshake_calls(),
            app.clerk
                .calls()
                .count("POST", "/v1/sessions/{session_id}/refresh"),
        )
    };
    // 5 (first half). A copied token works while it is fresh.
    assert!(!copied.is_empty(), "a __session cookie to copy");
    let fresh = stack.app.get("/api/data", Some(&copied), &[]).await.status;
    expect(&browser, "ttl-5-copied-fresh", fresh == 200, || {
        format!("a fresh copied token: {fresh}")
    })
    .await;
    let before = trips(&stack.app);
    actix_web::rt::time::sleep(Duration::from_secs(9)).await;
    browser.goto(&format!("{base}/profile")).await;
    let welcome = browser.text("#welcome").await;
    let after = trips(&stack.app);
    expect(&browser, "ttl-4b-profile", welcome == "Welcome, Grace!", || {
        format!("after 9 s away /profile says {welcome:?}")
    })
    .await;
    let (handshakes, refreshes) = (after.0 - before.0, after.1 - before.1);
    expect(
        &browser,
        "ttl-4b-one-trip",
        (handshakes, refreshes) == (0, 1),
        || format!("{handshakes} handshakes and {refreshes} refreshes for one page (expected 0 and 1)"),
    )
    .await;

    // 5 (second half). Copied more than 9 s ago with a 3 s lifetime, the token is past
    // exp + 5 s of skew: refused, as Clerk refuses it.
    let refused = stack.app.get("/api/data", Some(&copied), &[]).await.status == 401;
    expect(&browser, "ttl-5-copied", refused, || {
        "an expired copied token was accepted".to_owned()
    })
    .await;
    browser.quit().await;
}

/// Issue 28, item 6: dev mode's default authorized parties are its own origins, so a browser on
/// `http://localhost:{PORT}` (the banner's URL) signs in and its tokens' `azp` passes. Issue 23:
/// signed out, `/profile` sends it to the app's `/sign-in`, where Clerk's sign-in component (the
/// official `@clerk/clerk-js` and `@clerk/ui`, through `/__clerk`) signs a seeded user in with
/// the seeded password and goes back to `/profile`.
#[actix_rt::test]
async fn dev_mode_signs_in_a_seeded_user_on_localhost_in_a_browser() {
    // Arrange: dev mode as `make run` starts it (the packages where `make run` puts them), with
    // no CLERK_AUTHORIZED_PARTIES.
    std::env::set_var(clerk_testkit::npm::NPM_DIR_ENV, npm_dir());
    let db = TestDatabase::create().await;
    let port = free_port();
    let app = start_dev(&db, port).await;
    let ada = app
        .dev()
        .expect("dev mode")
        .emulator()
        .users()
        .all()
        .into_iter()
        .find(|user| user.first_name.as_deref() == Some("Ada"))
        .expect("Ada is seeded");
    let email = ada.primary_email().expect("Ada's email").to_owned();
    let handle = app.server_handle();
    let running = actix_rt::spawn(app.run_until_stopped());
    let base = format!("http://localhost:{port}");
    let browser = Browser::start().await;

    // Act: /profile sends the browser to /sign-in; sign in through Clerk's component.
    browser.goto(&format!("{base}/profile")).await;
    let url = browser.url().await;
    expect(
        &browser,
        "devmode-sign-in-url",
        url.starts_with(&format!("{base}/sign-in?redirect_url=")),
        || format!("/profile went to {url}"),
    )
    .await;
    let rendered = browser
        .wait_for("input[name=identifier]", Duration::from_secs(20))
        .await;
    expect(&browser, "devmode-sign-in-component", rendered, || {
        "Clerk's sign-in component did not render its identifier field".to_owned()
    })
    .await;
    browser
        .screenshot(&screenshots().join("devmode-sign-in-page.png"))
        .await;
    browser.type_into("input[name=identifier]", &email).await;
    browser.click(".cl-formButtonPrimary").await;
    let asked = browser
        .wait_for("input[name=password]", Duration::from_secs(20))
        .await;
    expect(&browser, "devmode-sign-in-password", asked, || {
        "Clerk's sign-in component did not ask for the password".to_owned()
    })
    .await;
    browser
        .type_into("input[name=password]", app::dev::SEEDED_PASSWORD)
        .await;
    browser.click(".cl-formButtonPrimary").await;
    // Readiness: the component signs in, then sends the browser back to /profile.
    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    loop {
        // Errors while the page navigates are expected: ask again.
        let welcome = browser
            .try_execute(
                "const el = document.getElementById('welcome'); return el ? el.textContent : null;",
                vec![],
            )
            .await
            .ok()
            .filter(|value| value.is_string());
        if welcome.is_some() || std::time::Instant::now() > deadline {
            break;
        }
        actix_web::rt::time::sleep(Duration::from_millis(100)).await;
    }
    let welcome = browser.text("#welcome").await;
    let url = browser.url().await;
    expect(
        &browser,
        "devmode-profile",
        url.starts_with(&format!("{base}/profile")) && welcome == "Welcome, Ada!",
        || format!("after sign-in: {url} says {welcome:?}"),
    )
    .await;
    if std::env::var_os("UPDATE_SCREENSHOTS").is_some() {
        let readme = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../docs/screenshot-profile.png");
        browser.screenshot(&readme).await;
    }
    browser.goto(&format!("{base}/client")).await;
    browser.click("#fetch-data").await;
    let result = browser
        .wait_for_text("#data-result", Duration::from_secs(10), |t| {
            t.starts_with("userId")
        })
        .await;
    browser
        .screenshot(&screenshots().join("devmode-client-page.png"))
        .await;

    // Assert
    expect(
        &browser,
        "devmode-fetch",
        result == format!("userId: {}", ada.id),
        || format!("the fetch shows {result:?}"),
    )
    .await;
    browser.quit().await;
    handle.stop(true).await;
    let _ = running.await;
}
