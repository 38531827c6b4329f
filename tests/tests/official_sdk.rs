//! Issue 23: the official, unmodified `@clerk/clerk-js` (the version pinned in
//! `crates/clerk-testkit/clerk-npm.txt`, unpacked by `scripts/clerk-js.sh`) against the offline
//! Clerk, in headless Chromium (the same WebDriver harness as `browser.rs`). A page on its own
//! loopback origin loads `clerk.browser.js` from the emulator's `/npm/@clerk/clerk-js@6/dist/`,
//! with the emulator's `http://` origin as the proxy URL (the publishable key's host does not
//! resolve offline), so every Frontend API call is cross-origin, with credentials.
//!
//! Under WebDriver a failed `Clerk.load()` is only a console warning: the test asserts
//! `Clerk.status === 'ready'` and a non-null `Clerk.client`, and what the emulator saw.
//!
//! Skipped setup is a failure: the test panics, naming the package, when the pinned packages
//! are not unpacked (`make test` runs `scripts/clerk-js.sh`).

use std::path::PathBuf;

use actix_web::{web, App, HttpResponse, HttpServer};
use std::sync::Arc;
use std::time::SystemTime;

use clerk_core::jwk::VerifyingKey;
use clerk_core::verify::StaticKey;
use clerk_core::JwtVerifier;
use clerk_testkit::{NewOrganization, NewUser, TestClerk, TestClerkBuilder};
use e2e::browser::Browser;
use e2e::{npm_dir, spawn_app_with, SpawnOptions};
use serde_json::{json, Value};

/// The emulator serving the official packages; panics naming a package that is missing.
fn emulator(builder: TestClerkBuilder) -> TestClerk {
    builder
        .npm_dir(npm_dir())
        .start()
        .unwrap_or_else(|err| panic!("the offline Clerk with the official packages: {err}"))
}

/// The page a team's frontend would be: console warnings and errors kept in
/// `window.__logs` (clerk-js reports a failed load only there), then clerk-js from the
/// emulator, configured by its script tag.
fn page(clerk: &TestClerk) -> String {
    let src = clerk
        .npm_url("@clerk/clerk-js", "clerk.browser.js")
        .expect("clerk-js is pinned");
    format!(
        r#"<!doctype html>
<html><head><meta charset="utf-8"><title>official clerk-js</title>
<script>
window.__logs = [];
for (const level of ["warn", "error"]) {{
  const original = console[level];
  console[level] = (...args) => {{ window.__logs.push(level + ": " + args.map(String).join(" ")); original(...args); }};
}}
window.addEventListener("error", (e) => window.__logs.push("error event: " + e.message));
</script>
<script data-clerk-publishable-key="{pk}" data-clerk-proxy-url="{proxy}" src="{src}"></script>
</head><body><main id="app">a team's frontend</main></body></html>"#,
        pk = clerk.publishable_key(),
        proxy = clerk.base_url(),
    )
}

/// Serves `html` at `/` on a loopback port of its own: the frontend's origin.
fn page_server(html: String) -> String {
    let server = HttpServer::new(move || {
        let html = html.clone();
        App::new().route(
            "/",
            web::get().to(move || {
                let html = html.clone();
                async move {
                    HttpResponse::Ok()
                        .content_type("text/html; charset=utf-8")
                        .body(html)
                }
            }),
        )
    })
    .workers(1)
    .disable_signals()
    .bind(("127.0.0.1", 0))
    .expect("a loopback port");
    let addr = server.addrs()[0];
    actix_web::rt::spawn(server.run());
    format!("http://{addr}")
}

/// What the SDK says about itself: status, client, user, version, the console's warnings.
const STATE: &str = r#"
window.__state = (extra) => ({
  status: window.Clerk ? window.Clerk.status : "no window.Clerk",
  client: !!(window.Clerk && window.Clerk.client),
  user: window.Clerk && window.Clerk.user ? window.Clerk.user.id : null,
  session: window.Clerk && window.Clerk.session ? window.Clerk.session.id : null,
  version: window.Clerk ? window.Clerk.version : null,
  logs: window.__logs,
  ...extra,
});
"#;

/// Runs `call` (an expression giving a promise, e.g. `window.Clerk.load()`) in the page and
/// waits for it to settle (polling the page): the SDK's state then, with `value`, or `rejected`
/// (and Clerk's error `code` and `message`) when it rejected. (Not `error`: the harness reads a
/// result's `error` string as WebDriver's.)
async fn settle(browser: &Browser, call: &str) -> Value {
    let start = format!(
        "{STATE}
window.__settled = null;
if (!window.Clerk) {{ window.__settled = window.__state({{ rejected: 'clerk.browser.js did not define window.Clerk' }}); return true; }}
Promise.resolve().then(() => {call}).then(
  (value) => {{ window.__settled = window.__state({{ value: value === undefined ? null : value }}); }},
  (e) => {{ window.__settled = window.__state({{
    rejected: String((e && e.stack) || e),
    code: e && e.errors && e.errors[0] ? e.errors[0].code : null,
    message: e && e.errors && e.errors[0] ? e.errors[0].longMessage || e.errors[0].message : null,
  }}); }});
return true;"
    );
    browser.execute(&start, vec![]).await;
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    loop {
        let settled = browser.execute("return window.__settled;", vec![]).await;
        if !settled.is_null() {
            return settled;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "{call} did not settle within 30 s"
        );
        actix_web::rt::time::sleep(std::time::Duration::from_millis(50)).await;
    }
}

#[actix_rt::test]
async fn the_official_clerk_js_loads_against_the_offline_clerk_cross_origin() {
    load(TestClerk::builder(), true).await;
}

#[actix_rt::test]
async fn the_official_clerk_js_loads_against_a_production_offline_clerk_cross_origin() {
    load(TestClerk::builder().production(), false).await;
}

/// Issue 23, item 1: `Clerk.load()` is ready with a client; what the emulator saw.
async fn load(builder: TestClerkBuilder, development: bool) {
    let clerk = emulator(builder);
    let origin = page_server(page(&clerk));
    let browser = Browser::start().await;

    browser.goto(&format!("{origin}/")).await;
    let loaded = settle(&browser, "window.Clerk.load()").await;

    let failed = |what: &str| {
        format!(
            "{what}: {}",
            serde_json::to_string_pretty(&loaded).unwrap_or_default()
        )
    };
    assert_eq!(
        loaded["rejected"],
        Value::Null,
        "{}",
        failed("Clerk.load() rejected")
    );
    assert_eq!(
        loaded["version"],
        json!("6.40.0"),
        "{}",
        failed("the pinned clerk-js")
    );
    assert_eq!(loaded["status"], "ready", "{}", failed("Clerk.status"));
    assert_eq!(loaded["client"], true, "{}", failed("Clerk.client"));
    assert_eq!(loaded["user"], Value::Null, "{}", failed("signed out"));

    // What the emulator saw: on development a development browser and the environment as a
    // PATCH (a POST with `_method`), on production a GET of the environment; the client.
    let calls = clerk.calls();
    assert_eq!(
        calls.count("POST", "/v1/dev_browser"),
        u64::from(development),
        "{}",
        failed("POST /v1/dev_browser")
    );
    let environment = if development {
        calls.count("PATCH", "/v1/environment")
    } else {
        calls.count("GET", "/v1/environment")
    };
    assert!(environment >= 1, "{}", failed("the environment"));
    assert!(
        calls.count("GET", "/v1/client") >= 1,
        "{}",
        failed("GET /v1/client")
    );
    assert!(
        calls.count("GET", "/npm/@clerk/{package}/dist/{file}") >= 1,
        "{}",
        failed("clerk.browser.js from the emulator")
    );
    browser.quit().await;
}

// The control: the same page against a Frontend API that cannot answer is not `ready`, so the
// assertions above can fail.
#[actix_rt::test]
async fn clerk_js_is_not_ready_when_the_frontend_api_fails() {
    let clerk = emulator(TestClerk::builder());
    clerk.faults().fail_next("GET", "/v1/client", 20, 500);
    clerk.faults().fail_next("POST", "/v1/dev_browser", 20, 500);
    let origin = page_server(page(&clerk));
    let browser = Browser::start().await;

    browser.goto(&format!("{origin}/")).await;
    let loaded = settle(&browser, "window.Clerk.load()").await;

    assert_ne!(loaded["status"], "ready", "{loaded:#}");
    assert!(loaded["rejected"].is_string(), "{loaded:#}");
    browser.quit().await;
}

#[actix_rt::test]
async fn the_official_clerk_js_signs_in_with_a_password_gets_a_verified_token_and_signs_out() {
    sign_in_and_out(TestClerk::builder()).await;
}

#[actix_rt::test]
async fn the_official_clerk_js_signs_in_and_out_on_a_production_offline_clerk() {
    sign_in_and_out(TestClerk::builder().production()).await;
}

/// Issue 23, items 2, 3, 4, 5 and 6 with the official SDK, cross-origin:
/// `signIn.create({ identifier, password })` (a wrong password first: Clerk's error code and
/// message), `setActive({ session })` makes `Clerk.user` and `Clerk.session` current and sets
/// `__session` and `__client_uat` on the page's origin, `getToken()` is a session token our
/// verifier accepts, `setActive({ organization })` switches the organization (the next token's
/// `o` claim), and `signOut()` ends the session on the emulator.
async fn sign_in_and_out(builder: TestClerkBuilder) {
    let clerk = emulator(builder);
    let user = clerk
        .users()
        .create(
            NewUser::default()
                .first_name("Grace")
                .last_name("Hopper")
                .email("grace@example.com")
                .password("correct horse battery staple"),
        )
        .expect("a user with a password");
    let org = clerk
        .organizations()
        .create(NewOrganization::named("Acme").slug("acme").created_by(&user.id))
        .expect("an organization Grace administers");
    let origin = page_server(page(&clerk));
    let browser = Browser::start().await;
    browser.goto(&format!("{origin}/")).await;
    let loaded = settle(&browser, "window.Clerk.load()").await;
    assert_eq!(loaded["status"], "ready", "{loaded:#}");

    // 2. A wrong password: Clerk's code and message.
    let wrong = settle(
        &browser,
        "window.Clerk.client.signIn.create({ identifier: 'grace@example.com', password: 'nope' })",
    )
    .await;
    assert_eq!(wrong["code"], "form_password_incorrect", "{wrong:#}");
    assert_eq!(
        wrong["message"], "Password is incorrect. Try again, or use another method.",
        "{wrong:#}"
    );
    let unknown = settle(
        &browser,
        "window.Clerk.client.signIn.create({ identifier: 'nobody@example.com', password: 'x' })",
    )
    .await;
    assert_eq!(unknown["code"], "form_identifier_not_found", "{unknown:#}");

    // 2. The right one: complete, with the session it created.
    let signed_in = settle(
        &browser,
        "window.Clerk.client.signIn.create({ identifier: 'grace@example.com', password: 'correct horse battery staple' })
           .then((s) => ({ status: s.status, createdSessionId: s.createdSessionId }))",
    )
    .await;
    assert_eq!(signed_in["value"]["status"], "complete", "{signed_in:#}");
    let session_id = signed_in["value"]["createdSessionId"]
        .as_str()
        .unwrap_or_else(|| panic!("a created session: {signed_in:#}"))
        .to_owned();
    let on_emulator = clerk.users().session(&session_id).expect("the session exists");
    assert_eq!(on_emulator.user_id, user.id);
    assert_eq!(on_emulator.status, "active");

    // 3. setActive: Clerk.user (with its fields) and Clerk.session are current.
    let active = settle(
        &browser,
        &format!(
            "window.Clerk.setActive({{ session: '{session_id}' }}).then(() => ({{
               firstName: window.Clerk.user.firstName,
               email: window.Clerk.user.primaryEmailAddress && window.Clerk.user.primaryEmailAddress.emailAddress,
               cookies: document.cookie,
             }}))"
        ),
    )
    .await;
    assert_eq!(active["rejected"], Value::Null, "{active:#}");
    assert_eq!(active["user"], user.id.as_str(), "{active:#}");
    assert_eq!(active["session"], session_id.as_str(), "{active:#}");
    assert_eq!(active["value"]["firstName"], "Grace", "{active:#}");
    assert_eq!(active["value"]["email"], "grace@example.com", "{active:#}");
    let cookies = browser.cookies().await;
    let names: Vec<&str> = cookies.iter().map(|(name, _)| name.as_str()).collect();
    let suffix = clerk.cookie_suffix();
    for name in [
        "__session".to_owned(),
        format!("__session_{suffix}"),
        "__client_uat".to_owned(),
        format!("__client_uat_{suffix}"),
    ] {
        assert!(
            names.contains(&name.as_str()),
            "{name} on the page's origin: {names:?}"
        );
    }

    // 4. getToken(): a session token the emulator signed, for this page, that our verifier accepts.
    let token = settle(&browser, "window.Clerk.session.getToken()").await;
    let jwt = token["value"]
        .as_str()
        .unwrap_or_else(|| panic!("a token: {token:#}"))
        .to_owned();
    let pem = clerk
        .instance()
        .signing_key()
        .public_key_pem()
        .expect("public key");
    let key = StaticKey(Arc::new(VerifyingKey::from_pem(&pem).expect("key")));
    let claims = JwtVerifier::new()
        .issuer(clerk.issuer())
        .authorized_parties([origin.as_str()])
        .verify(&jwt, &key, SystemTime::now())
        .await
        .unwrap_or_else(|err| panic!("our verifier refused the SDK's token: {err:?}"));
    assert_eq!(claims.subject(), user.id);
    assert_eq!(claims.get_str("sid"), Some(session_id.as_str()));
    let session_cookie = cookies
        .iter()
        .find(|(name, _)| name == "__session")
        .map(|(_, value)| value.clone())
        .unwrap_or_default();
    assert!(
        JwtVerifier::new()
            .issuer(clerk.issuer())
            .authorized_parties([origin.as_str()])
            .verify(&session_cookie, &key, SystemTime::now())
            .await
            .is_ok(),
        "the __session cookie the SDK set verifies too"
    );

    // 4. getToken({ template }): the JWT template's claims, signed by the instance.
    clerk
        .jwt_templates()
        .add(
            "supabase",
            json!({ "email": "{{user.primary_email_address}}", "role": "authenticated" }),
            60,
        )
        .expect("a JWT template");
    let templated = settle(
        &browser,
        "window.Clerk.session.getToken({ template: 'supabase' })",
    )
    .await;
    let templated = templated["value"]
        .as_str()
        .unwrap_or_else(|| panic!("a template token: {templated:#}"));
    let (header, claims) = clerk_testkit::decode_unverified(templated).expect("a JWT");
    assert_eq!(claims["email"], "grace@example.com", "{claims}");
    assert_eq!(claims["role"], "authenticated", "{claims}");
    assert_eq!(claims["sub"], user.id.as_str(), "{claims}");
    assert_eq!(header["kid"], clerk.instance().signing_key().kid(), "{header}");

    // 5. setActive({ organization }): the organization is current, and the next token carries it.
    let switched = settle(
        &browser,
        &format!(
            "window.Clerk.setActive({{ organization: '{org_id}' }})
               .then(() => window.Clerk.session.getToken())
               .then((token) => ({{ token, organization: window.Clerk.organization ? window.Clerk.organization.id : null }}))",
            org_id = org.id
        ),
    )
    .await;
    assert_eq!(switched["rejected"], Value::Null, "{switched:#}");
    assert_eq!(
        switched["value"]["organization"],
        org.id.as_str(),
        "Clerk.organization: {switched:#}"
    );
    let org_token = switched["value"]["token"].as_str().unwrap_or_default();
    let org_claims = JwtVerifier::new()
        .issuer(clerk.issuer())
        .authorized_parties([origin.as_str()])
        .verify(org_token, &key, SystemTime::now())
        .await
        .unwrap_or_else(|err| panic!("our verifier refused the organization token: {err:?}"));
    assert_eq!(
        org_claims.get("o").and_then(|o| o.get("id")),
        Some(&json!(org.id)),
        "{:?}",
        org_claims.raw()
    );
    assert_eq!(
        clerk
            .users()
            .session(&session_id)
            .and_then(|s| s.last_active_organization_id),
        Some(org.id.clone()),
        "the emulator's session"
    );

    // 6. signOut() (a callback instead of navigating away): the emulator ends the session,
    // Clerk.user is null, the session cookie is gone.
    let signed_out = settle(&browser, "window.Clerk.signOut(() => {})").await;
    assert_eq!(signed_out["rejected"], Value::Null, "{signed_out:#}");
    assert_eq!(signed_out["user"], Value::Null, "{signed_out:#}");
    let ended = clerk.users().session(&session_id).expect("the session exists");
    assert_eq!(ended.status, "ended", "on the emulator");
    let after: Vec<(String, String)> = browser.cookies().await;
    assert!(
        !after
            .iter()
            .any(|(name, value)| name == "__session" && !value.is_empty()),
        "__session cleared: {after:?}"
    );
    browser.quit().await;
}

/// Same-origin, through the app's Frontend API proxy (`/__clerk`, the relative proxy URL a
/// React or Next.js app needs): a page of the app's origin loads the official clerk-js from
/// `/__clerk/npm/@clerk/clerk-js@6/dist/clerk.browser.js`, loads, signs in with a password and
/// becomes active; the app then sees the user on `/api/data` with the cookies the SDK set, and
/// `signOut()` ends the session on the emulator. Issue 23, items 1–4 and 6, same-origin.
#[actix_rt::test]
async fn the_official_clerk_js_signs_in_same_origin_through_the_apps_proxy() {
    same_origin(TestClerk::builder(), true).await;
}

#[actix_rt::test]
async fn the_official_clerk_js_signs_in_same_origin_on_a_production_instance() {
    same_origin(TestClerk::builder().production(), false).await;
}

async fn same_origin(builder: TestClerkBuilder, development: bool) {
    let app = spawn_app_with(SpawnOptions {
        clerk: builder.npm_dir(npm_dir()),
        browser: true,
        ..SpawnOptions::default()
    })
    .await;
    let user = app
        .clerk
        .users()
        .create(
            NewUser::default()
                .first_name("Grace")
                .email("grace@example.com")
                .password("correct horse battery staple"),
        )
        .expect("a user with a password");
    let browser = Browser::start().await;
    load_through_the_app(&browser, &app).await;
    let loaded = settle(&browser, "window.Clerk.load()").await;
    assert_eq!(loaded["status"], "ready", "{loaded:#}");
    assert_eq!(loaded["client"], true, "{loaded:#}");
    // On development, a development browser: the app's handshake already gave the page one (its
    // `__clerk_db_jwt` cookie), which clerk-js takes instead of asking for a new one.
    let cookies = browser.cookies().await;
    assert_eq!(
        cookies.iter().any(|(name, _)| name == "__clerk_db_jwt"),
        development,
        "{cookies:?}"
    );

    let signed_in = settle(
        &browser,
        "window.Clerk.client.signIn.create({ identifier: 'grace@example.com', password: 'correct horse battery staple' })
           .then((s) => window.Clerk.setActive({ session: s.createdSessionId }).then(() => s.createdSessionId))",
    )
    .await;
    assert_eq!(signed_in["user"], user.id.as_str(), "{signed_in:#}");
    let session_id = signed_in["value"].as_str().unwrap_or_default().to_owned();
    assert!(session_id.starts_with("sess_"), "{signed_in:#}");

    // The app, same-origin, with the cookies the SDK set.
    let data = settle(
        &browser,
        "fetch('/api/data').then((r) => r.json().then((body) => ({ status: r.status, body })))",
    )
    .await;
    assert_eq!(data["value"]["status"], 200, "{data:#}");
    assert_eq!(data["value"]["body"]["userId"], user.id.as_str(), "{data:#}");
    // And with the token getToken() returns, as a Bearer credential.
    let token = settle(&browser, "window.Clerk.session.getToken()").await;
    let jwt = token["value"].as_str().unwrap_or_default().to_owned();
    let bearer = app.get("/api/data", Some(&jwt), &[]).await;
    assert_eq!(bearer.status, 200, "the SDK's token on /api/data");

    let signed_out = settle(&browser, "window.Clerk.signOut(() => {})").await;
    assert_eq!(signed_out["user"], Value::Null, "{signed_out:#}");
    let ended = app.clerk.users().session(&session_id).expect("the session");
    assert_eq!(ended.status, "ended");
    browser.quit().await;
}

/// Issue 23, item 2, identifier first: `signIn.create({ identifier })` needs a first factor,
/// `attemptFirstFactor({ strategy: 'password', password })` completes it, and `setActive` makes
/// the user current (cross-origin, development).
#[actix_rt::test]
async fn the_official_clerk_js_signs_in_identifier_first_then_password() {
    let clerk = emulator(TestClerk::builder());
    let user = clerk
        .users()
        .create(
            NewUser::default()
                .first_name("Ada")
                .email("ada@example.com")
                .password("correct horse battery staple"),
        )
        .expect("a user with a password");
    let origin = page_server(page(&clerk));
    let browser = Browser::start().await;
    browser.goto(&format!("{origin}/")).await;
    let loaded = settle(&browser, "window.Clerk.load()").await;
    assert_eq!(loaded["status"], "ready", "{loaded:#}");

    let started = settle(
        &browser,
        "window.Clerk.client.signIn.create({ identifier: 'ada@example.com' })
           .then((s) => { window.__signIn = s; return { status: s.status, factors: s.supportedFirstFactors.map((f) => f.strategy) }; })",
    )
    .await;
    assert_eq!(started["value"]["status"], "needs_first_factor", "{started:#}");
    assert_eq!(started["value"]["factors"], json!(["password"]), "{started:#}");

    let wrong = settle(
        &browser,
        "window.__signIn.attemptFirstFactor({ strategy: 'password', password: 'nope' })",
    )
    .await;
    assert_eq!(wrong["code"], "form_password_incorrect", "{wrong:#}");

    let done = settle(
        &browser,
        "window.__signIn.attemptFirstFactor({ strategy: 'password', password: 'correct horse battery staple' })
           .then((s) => window.Clerk.setActive({ session: s.createdSessionId }).then(() => s.status))",
    )
    .await;
    assert_eq!(done["value"], "complete", "{done:#}");
    assert_eq!(done["user"], user.id.as_str(), "{done:#}");
    browser.quit().await;
}

/// Opens a page of the app's origin and adds the official clerk-js from `/__clerk`, as a team's
/// frontend would have it (publishable key, relative proxy URL); returns once it has run.
async fn load_through_the_app(browser: &Browser, app: &e2e::TestApp) {
    browser.goto(&format!("{}/", app.address)).await;
    browser
        .execute(
            "const s = document.createElement('script');
             s.setAttribute('data-clerk-publishable-key', arguments[0]);
             s.setAttribute('data-clerk-proxy-url', '/__clerk');
             s.src = '/__clerk/npm/@clerk/clerk-js@6/dist/clerk.browser.js';
             document.head.appendChild(s);
             return true;",
            vec![json!(app.clerk.publishable_key())],
        )
        .await;
    // Readiness: the script has run.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    while browser.execute("return !!window.Clerk;", vec![]).await != json!(true) {
        assert!(
            std::time::Instant::now() < deadline,
            "clerk.browser.js through /__clerk did not define window.Clerk"
        );
        actix_web::rt::time::sleep(std::time::Duration::from_millis(50)).await;
    }
}

/// Issue 23, item 7: `signUp.create({ emailAddress, password })` on the app's origin creates the
/// user, who appears through the Backend API and, by webhook, in the app's cache; `setActive`
/// signs them in and the app answers `/api/data` for them.
#[actix_rt::test]
async fn the_official_clerk_js_signs_up_and_the_app_learns_of_the_new_user() {
    let app = spawn_app_with(SpawnOptions {
        clerk: TestClerk::builder().npm_dir(npm_dir()),
        browser: true,
        ..SpawnOptions::default()
    })
    .await;
    let browser = Browser::start().await;
    load_through_the_app(&browser, &app).await;
    let loaded = settle(&browser, "window.Clerk.load()").await;
    assert_eq!(loaded["status"], "ready", "{loaded:#}");

    let signed_up = settle(
        &browser,
        "window.Clerk.client.signUp.create({ emailAddress: 'nova@example.com', password: 'correct horse battery staple', firstName: 'Nova' })
           .then((s) => window.Clerk.setActive({ session: s.createdSessionId }).then(() => ({ status: s.status, userId: s.createdUserId })))",
    )
    .await;
    assert_eq!(signed_up["value"]["status"], "complete", "{signed_up:#}");
    let user_id = signed_up["value"]["userId"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    assert!(user_id.starts_with("user_"), "{signed_up:#}");
    assert_eq!(signed_up["user"], user_id.as_str(), "Clerk.user: {signed_up:#}");

    // The Backend API has the user.
    let mut res = awc::Client::default()
        .get(format!("{}/v1/users/{user_id}", app.clerk.base_url()))
        .insert_header(("Authorization", format!("Bearer {}", app.clerk.secret_key())))
        .send()
        .await
        .expect("the Backend API answers");
    assert_eq!(res.status().as_u16(), 200);
    let bapi_user: Value = res.json().await.expect("a user");
    assert_eq!(bapi_user["first_name"], "Nova", "{bapi_user}");

    // The app's cache, by the user.created webhook.
    tokio::time::timeout(
        std::time::Duration::from_secs(20),
        app.clerk.webhooks().wait_idle(),
    )
    .await
    .expect("webhook deliveries finish");
    let mut conn = app.db().await;
    let cached: Option<String> = sqlx::query_scalar("SELECT first_name FROM users WHERE id = $1")
        .bind(&user_id)
        .fetch_optional(&mut conn)
        .await
        .expect("query users");
    assert_eq!(cached.as_deref(), Some("Nova"), "the app's cache");

    // Signed in on the app with the SDK's cookies.
    let data = settle(
        &browser,
        "fetch('/api/data').then((r) => r.json().then((body) => ({ status: r.status, body })))",
    )
    .await;
    assert_eq!(data["value"]["status"], 200, "{data:#}");
    assert_eq!(data["value"]["body"]["userId"], user_id.as_str(), "{data:#}");
    browser.quit().await;
}

/// Issue 23, item 4, the open tab: with a 15 s session-token lifetime (clerk-js drops a cached
/// token with 5 s or less left and polls every 5 s), the SDK refreshes the token before it
/// expires, through the Frontend API, and keeps `__session` fresh on the page's origin.
#[actix_rt::test]
async fn the_official_clerk_js_refreshes_the_session_token_while_the_tab_is_open() {
    let clerk = emulator(TestClerk::builder().session_token_ttl(std::time::Duration::from_secs(15)));
    clerk
        .users()
        .create(
            NewUser::default()
                .email("ada@example.com")
                .password("correct horse battery staple"),
        )
        .expect("a user with a password");
    let origin = page_server(page(&clerk));
    let browser = Browser::start().await;
    browser.goto(&format!("{origin}/")).await;
    let loaded = settle(&browser, "window.Clerk.load()").await;
    assert_eq!(loaded["status"], "ready", "{loaded:#}");
    let signed_in = settle(
        &browser,
        "window.Clerk.client.signIn.create({ identifier: 'ada@example.com', password: 'correct horse battery staple' })
           .then((s) => window.Clerk.setActive({ session: s.createdSessionId }))",
    )
    .await;
    assert_eq!(signed_in["rejected"], Value::Null, "{signed_in:#}");
    let session_cookie = |cookies: Vec<(String, String)>| {
        cookies
            .into_iter()
            .find(|(name, _)| name == "__session")
            .map(|(_, value)| value)
            .unwrap_or_default()
    };
    let exp = |jwt: &str| {
        clerk_testkit::decode_unverified(jwt)
            .ok()
            .and_then(|(_, claims)| claims["exp"].as_i64())
            .unwrap_or_default()
    };
    let first = session_cookie(browser.cookies().await);
    let first_exp = exp(&first);
    assert!(first_exp > 0, "a __session cookie: {first:?}");
    let refreshes = clerk.session_token_calls();

    // Readiness, not a sleep: wait (up to the lifetime and a poll) for the SDK's own refresh.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(25);
    let fresh = loop {
        let now = session_cookie(browser.cookies().await);
        if exp(&now) > first_exp {
            break now;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "no fresher __session within 25 s ({} token calls)",
            clerk.session_token_calls() - refreshes
        );
        actix_web::rt::time::sleep(std::time::Duration::from_millis(250)).await;
    };
    assert!(
        clerk.session_token_calls() > refreshes,
        "through the Frontend API"
    );
    let now = i64::try_from(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_secs())
            .unwrap_or_default(),
    )
    .unwrap_or_default();
    assert!(
        exp(&fresh) > now,
        "the cookie is fresh: exp {} now {now}",
        exp(&fresh)
    );
    browser.quit().await;
}

/// Issue 23, item 8: with `@clerk/ui` loaded from the offline Clerk, `Clerk.mountSignIn(element)`
/// renders Clerk's own sign-in component, and a user signs in through it with an identifier and
/// a password (cross-origin, development): the component's password step, the session on the
/// emulator, and `Clerk.user` once it has redirected back.
#[actix_rt::test]
async fn clerks_prebuilt_sign_in_component_signs_a_user_in_against_the_offline_clerk() {
    let clerk = emulator(TestClerk::builder());
    let user = clerk
        .users()
        .create(
            NewUser::default()
                .first_name("Ada")
                .email("ada@example.com")
                .password("correct horse battery staple"),
        )
        .expect("a user with a password");
    let ui = clerk
        .npm_url("@clerk/ui", "ui.browser.js")
        .expect("@clerk/ui is pinned");
    // The page: @clerk/ui and clerk-js, loads on every visit, mounts the sign-in component while
    // signed out and comes back to itself after signing in.
    let html = page(&clerk)
        .replace("</head>", &format!("<script src=\"{ui}\"></script></head>"))
        .replace(
            "<main id=\"app\">a team's frontend</main>",
            "<main id=\"app\"><div id=\"sign-in\"></div></main>
<script>
window.__ready = window.Clerk.load({ ui: { ClerkUI: window.__internal_ClerkUICtor } }).then(() => {
  if (!window.Clerk.user) {
    window.Clerk.mountSignIn(document.getElementById('sign-in'), { forceRedirectUrl: window.location.origin + '/' });
  }
  return true;
});
</script>",
        );
    let origin = page_server(html);
    let browser = Browser::start().await;
    browser.goto(&format!("{origin}/")).await;

    let step = |name: &str| format!("clerk-ui-{name}");
    let screenshot = |name: String| {
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(format!("../target/browser-screenshots/{name}.png"))
    };
    if !browser
        .wait_for("input[name=identifier]", std::time::Duration::from_secs(20))
        .await
    {
        browser.screenshot(&screenshot(step("identifier"))).await;
        panic!("Clerk's sign-in component did not render its identifier field");
    }
    browser
        .type_into("input[name=identifier]", "ada@example.com")
        .await;
    browser.click(".cl-formButtonPrimary").await;
    if !browser
        .wait_for("input[name=password]", std::time::Duration::from_secs(20))
        .await
    {
        browser.screenshot(&screenshot(step("password"))).await;
        panic!("Clerk's sign-in component did not ask for the password");
    }
    browser
        .type_into("input[name=password]", "correct horse battery staple")
        .await;
    browser.click(".cl-formButtonPrimary").await;

    // Readiness: the component signs in and sends the browser back; the page loads signed in.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    loop {
        // Errors while the page navigates are expected: ask again.
        let current = browser
            .try_execute(
                "return window.Clerk && window.Clerk.user ? window.Clerk.user.id : null;",
                vec![],
            )
            .await
            .ok()
            .and_then(|v| v.as_str().map(str::to_owned));
        if current.as_deref() == Some(user.id.as_str()) {
            break;
        }
        if std::time::Instant::now() > deadline {
            browser.screenshot(&screenshot(step("signed-in"))).await;
            panic!("not signed in through the component (Clerk.user: {current:?})");
        }
        actix_web::rt::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    let sessions = clerk.users().sessions(Some(&user.id), None, Some("active"));
    assert_eq!(
        sessions.len(),
        1,
        "one active session on the emulator: {sessions:?}"
    );
    browser.quit().await;
}
