//! Every route of docs/architecture.md §5, signed in, signed out, expired and from another instance.

use e2e::{spawn_app, spawn_app_with, SpawnOptions, TestApp, ORIGIN};

struct Tokens {
    valid: String,
    expired: String,
    foreign: String,
}

fn tokens(app: &TestApp) -> Tokens {
    let minter = app.clerk.minter();
    Tokens {
        valid: app.token(),
        expired: minter.session_token(&app.user_id).azp(ORIGIN).expired().mint(),
        // Another instance: its own key (same kid) and issuer.
        foreign: minter
            .session_token(&app.user_id)
            .azp(ORIGIN)
            .wrong_key()
            .wrong_issuer()
            .mint(),
    }
}

#[actix_rt::test]
async fn index_greets_by_first_name_or_asks_to_sign_in() {
    let app = spawn_app().await;
    let t = tokens(&app);
    let reply = app.get("/", Some(&t.valid), &[]).await;
    assert_eq!(reply.status, 200);
    assert!(reply.body.contains("Welcome, Ada!"), "{}", reply.body);
    // Issue 28, item 1: with a real instance (no Frontend API served here) the signed-in page
    // still offers sign-out: the instance's Account Portal, coming back to this origin (issue
    // 23: the script-free fallback; where clerk-js runs, its `signOut()` takes the link over).
    assert!(
        reply.body.contains(&format!(
            "<a href=\"{}/user?redirect_url={}\" data-clerk-sign-out>Account &amp; sign out</a>",
            clerk_core::PublishableKey::parse(app.clerk.publishable_key())
                .expect("publishable key")
                .account_portal_origin(),
            url::form_urlencoded::byte_serialize(format!("{}/", app.address).as_bytes()).collect::<String>()
        )),
        "{}",
        reply.body
    );
    // Issue 28, item 11: a browser's favicon request is answered, not a 404 on every page view.
    let icon = app.get("/favicon.ico", None, &[]).await;
    assert_eq!(icon.status, 200);
    assert_eq!(icon.header("content-type"), Some("image/svg+xml"));
    for bad in [None, Some(&t.expired), Some(&t.foreign)] {
        let reply = app.get("/", bad.map(String::as_str), &[]).await;
        assert_eq!(reply.status, 200);
        assert!(reply.body.contains("Sign in to view this page"));
        assert_eq!(reply.header("x-clerk-auth-status"), Some("signed-out"));
    }
}

#[actix_rt::test]
async fn api_user_returns_id_and_primary_email() {
    let app = spawn_app().await;
    let t = tokens(&app);
    let reply = app.get("/api/user", Some(&t.valid), &[]).await;
    assert_eq!(reply.status, 200);
    assert_eq!(reply.json()["userId"], app.user_id.as_str());
    assert_eq!(reply.json()["email"], "ada@example.com");
    let reply = app.get("/api/user", None, &[]).await;
    assert_eq!((reply.status, reply.body.as_str()), (401, "Unauthorized"));
    let reply = app.get("/api/user", Some(&t.expired), &[]).await;
    assert_eq!(reply.status, 401);
    assert_eq!(
        reply.header("x-clerk-auth-reason"),
        Some("session-token-expired-refresh-non-eligible-no-refresh-cookie")
    );
    let reply = app.get("/api/user", Some(&t.foreign), &[]).await;
    assert_eq!(reply.status, 401);
    assert_eq!(
        reply.header("x-clerk-auth-reason"),
        Some("token-invalid-signature")
    );
}

#[actix_rt::test]
async fn api_auth_returns_the_public_user_only() {
    let app = spawn_app().await;
    app.clerk
        .users()
        .update_metadata(
            &app.user_id,
            clerk_testkit::store::MetadataPatch {
                private_metadata: serde_json::json!({"stripe": "cus_SECRET"}).as_object().cloned(),
                ..Default::default()
            },
        )
        .unwrap();
    let t = tokens(&app);
    let reply = app.get("/api/auth", Some(&t.valid), &[]).await;
    assert_eq!(reply.status, 200);
    assert_eq!(reply.json()["user"]["id"], app.user_id.as_str());
    assert!(!reply.body.contains("private_metadata") && !reply.body.contains("cus_SECRET"));
    for bad in [None, Some(&t.expired), Some(&t.foreign)] {
        let reply = app.get("/api/auth", bad.map(String::as_str), &[]).await;
        assert_eq!(reply.status, 401);
        assert_eq!(reply.json()["errors"][0]["code"], "unauthenticated");
        assert!(reply.header("www-authenticate").unwrap().starts_with("Bearer"));
    }
}

#[actix_rt::test]
async fn profile_redirects_signed_out_visitors_to_sign_in() {
    let app = spawn_app().await;
    let t = tokens(&app);
    for bad in [None, Some(&t.expired), Some(&t.foreign)] {
        let reply = app.get("/profile", bad.map(String::as_str), &[]).await;
        assert_eq!(reply.status, 307, "{}", reply.body);
        let location = reply.header("location").unwrap();
        assert!(location.starts_with("https://accounts."), "{location}");
        assert!(
            location.contains("/sign-in?redirect_url=http%3A%2F%2F127.0.0.1%3A"),
            "{location}"
        );
        assert!(location.ends_with("%2Fprofile"), "{location}");
    }
    let reply = app.get("/profile", Some(&t.valid), &[]).await;
    assert_eq!(reply.status, 200);
    assert!(reply.body.contains("__clerk_ssr_state"));
    assert!(reply.body.contains(&app.user_id));
}

#[actix_rt::test]
async fn api_data_is_auth_only_without_a_user_lookup() {
    let app = spawn_app().await;
    let t = tokens(&app);
    let before = app.clerk.calls().count("GET", "/v1/users/{user_id}");
    let reply = app.get("/api/data", Some(&t.valid), &[]).await;
    assert_eq!(reply.status, 200);
    let body = reply.json();
    assert_eq!(body["userId"], app.user_id.as_str());
    assert!(body["sessionId"].as_str().unwrap().starts_with("sess_"));
    assert_eq!(body["orgId"], serde_json::Value::Null);
    assert_eq!(
        app.clerk.calls().count("GET", "/v1/users/{user_id}"),
        before,
        "no user lookup"
    );
    for bad in [None, Some(&t.expired), Some(&t.foreign)] {
        assert_eq!(
            app.get("/api/data", bad.map(String::as_str), &[]).await.status,
            401
        );
    }
}

#[actix_rt::test]
async fn api_me_returns_the_public_profile() {
    let app = spawn_app().await;
    let t = tokens(&app);
    let reply = app.get("/api/me", Some(&t.valid), &[]).await;
    assert_eq!(reply.status, 200);
    assert_eq!(reply.json()["id"], app.user_id.as_str());
    assert_eq!(reply.json()["first_name"], "Ada");
    for bad in [None, Some(&t.expired), Some(&t.foreign)] {
        assert_eq!(app.get("/api/me", bad.map(String::as_str), &[]).await.status, 401);
    }
}

#[actix_rt::test]
async fn health_readiness_and_metrics_answer() {
    let app = spawn_app().await;
    assert_eq!(app.get("/healthz", None, &[]).await.status, 200);
    let ready = app.get("/readyz", None, &[]).await;
    assert_eq!(ready.status, 200);
    assert_eq!(ready.json()["database"], "ok");
    let _ = app.get("/api/data", Some(&app.token()), &[]).await;
    let metrics = app.metrics().await;
    assert!(metrics.contains("app_http_requests_total{method=\"GET\",route=\"/api/data\",status=\"200\"} 1"));
    assert!(metrics.contains("app_auth_outcomes_total{outcome=\"signed-in\""));
    assert!(metrics.contains("clerk_jwks_fetches_total 1"));
}

// Issue 22, item 4: a shared cache in front of the app must never keep one user's answer for
// another, so every API answer, signed in or not, is `private, no-store`.
#[actix_rt::test]
async fn every_api_answer_is_private_and_never_stored() {
    let app = spawn_app().await;
    let t = tokens(&app);
    let mut answers = Vec::new();
    for route in [
        "/api/user",
        "/api/auth",
        "/api/me",
        "/api/data",
        "/api/machine",
        "/api/org",
        "/api/token/hasura",
    ] {
        for token in [Some(&t.valid), None, Some(&t.expired)] {
            let reply = app.get(route, token.map(String::as_str), &[]).await;
            answers.push((
                route,
                reply.status,
                reply.header("cache-control").map(str::to_owned),
            ));
        }
    }
    let uncached: Vec<_> = answers
        .iter()
        .filter(|(_, _, cache)| cache.as_deref() != Some("private, no-store"))
        .collect();
    assert!(uncached.is_empty(), "{uncached:?}");
    assert!(answers.iter().any(|(_, status, _)| *status == 200));
}

// Issue 22, item 5: no HTML answer of the app can be framed (clickjacking), the offline sign-in
// page mounted on the app's origin (`/__clerk`, as in dev mode) included: `X-Frame-Options: DENY`
// and one CSP header with `frame-ancestors 'none'` among its directives (issue 24: the app's pages
// send Clerk's strict policy with it).
#[actix_rt::test]
async fn no_page_can_be_framed() {
    let app = spawn_app_with(SpawnOptions {
        browser: true,
        ..SpawnOptions::default()
    })
    .await;
    let back = format!("?redirect_url={}/profile", app.address);
    let client = awc::Client::new();
    let mut framable = Vec::new();
    for (path, token) in [
        ("/".to_owned(), None),
        ("/".to_owned(), Some(app.token())),
        ("/profile".to_owned(), Some(app.token())),
        ("/client".to_owned(), None),
        ("/client".to_owned(), Some(app.token())),
        (format!("/sign-in{back}"), None),
        (format!("/__clerk/sign-in{back}"), None),
        (format!("/__clerk/sign-out{back}"), None),
    ] {
        let mut request = client.get(format!("{}{path}", app.address));
        if let Some(token) = token {
            request = request.insert_header(("Authorization", format!("Bearer {token}")));
        }
        let response = request.send().await.expect("the app answers");
        let header = |name| response.headers().get(name).and_then(|v| v.to_str().ok());
        assert_eq!(header("content-type"), Some("text/html; charset=utf-8"), "{path}");
        let policies: Vec<_> = response.headers().get_all("content-security-policy").collect();
        let unframable = |policy: &actix_web::http::header::HeaderValue| {
            policy.to_str().is_ok_and(|policy| {
                policy
                    .split(';')
                    .any(|directive| directive.trim() == "frame-ancestors 'none'")
            })
        };
        if header("x-frame-options") != Some("DENY") || policies.len() != 1 || !unframable(policies[0]) {
            framable.push((path, header("x-frame-options").map(str::to_owned), policies.len()));
        }
    }
    assert!(framable.is_empty(), "{framable:?}");
}

/// Issue 23: the pages that need a script load Clerk's official clerk-js where Clerk's loader
/// finds it, configured by the script tag: with a real instance and no proxy, from the
/// publishable key's Frontend API (`https://{host}/npm/@clerk/clerk-js@6/dist/clerk.browser.js`);
/// with a proxy (`/__clerk`, as in dev mode) under the proxy, with `data-clerk-proxy-url`.
/// `/sign-in` adds `@clerk/ui`; `/` and `/profile` run no script.
#[actix_rt::test]
async fn pages_load_the_official_clerk_js_from_the_frontend_api_or_the_proxy() {
    // Arrange: a real-instance setup (no proxy) and a proxied one.
    let direct = spawn_app().await;
    let proxied = spawn_app_with(SpawnOptions {
        browser: true,
        ..SpawnOptions::default()
    })
    .await;
    let key = direct.clerk.publishable_key().to_owned();
    let host = clerk_core::PublishableKey::parse(&key)
        .expect("publishable key")
        .frontend_api()
        .to_owned();

    // Act
    let client = direct.get("/client", Some(&direct.token()), &[]).await;
    let sign_in = direct.get("/sign-in", None, &[]).await;
    let profile = direct.get("/profile", Some(&direct.token()), &[]).await;
    // A browser's token on that origin carries it as `azp`.
    let proxied_token = proxied
        .clerk
        .minter()
        .session_token(&proxied.user_id)
        .azp(proxied.address.clone())
        .mint();
    let proxied_client = proxied.get("/client", Some(&proxied_token), &[]).await;
    let proxied_sign_in = proxied.get("/sign-in", None, &[]).await;

    // Assert (each script tag carries the request's CSP nonce: tests/tests/csp.rs checks it;
    // left out here)
    let (client, sign_in, proxied_client, proxied_sign_in) = (
        without_nonces(client),
        without_nonces(sign_in),
        without_nonces(proxied_client),
        without_nonces(proxied_sign_in),
    );
    assert_eq!(client.status, 200);
    assert!(
        client.body.contains(&format!(
            "<script src=\"https://{host}/npm/@clerk/clerk-js@6/dist/clerk.browser.js\" data-clerk-publishable-key=\"{key}\"></script>\
             <script src=\"/static/client.js\"></script>"
        )),
        "{}",
        client.body
    );
    assert!(!client.body.contains("ui.browser.js"), "{}", client.body);
    assert!(!profile.body.contains("<script src"), "{}", profile.body);
    assert_eq!(sign_in.status, 200);
    assert!(
        sign_in.body.contains(&format!(
            "<script src=\"https://{host}/npm/@clerk/ui@1/dist/ui.browser.js\"></script>"
        )) && sign_in.body.contains("<div id=\"sign-in\""),
        "{}",
        sign_in.body
    );
    assert!(
        !sign_in.body.contains("seeded user"),
        "no offline Clerk here: {}",
        sign_in.body
    );
    let proxied_key = proxied.clerk.publishable_key();
    assert_eq!(proxied_client.status, 200, "{}", proxied_client.body);
    assert!(
        proxied_client.body.contains(&format!(
            "<script src=\"/__clerk/npm/@clerk/clerk-js@6/dist/clerk.browser.js\" data-clerk-publishable-key=\"{proxied_key}\" data-clerk-proxy-url=\"/__clerk\"></script>"
        )),
        "{}",
        proxied_client.body
    );
    assert!(
        proxied_sign_in
            .body
            .contains("<script src=\"/__clerk/npm/@clerk/ui@1/dist/ui.browser.js\"></script>")
            && proxied_sign_in
                .body
                .contains("href=\"/__clerk/sign-in?redirect_url=")
            && proxied_sign_in.body.contains("Pick a seeded user"),
        "{}",
        proxied_sign_in.body
    );
}

/// The reply with its script tags' ` nonce="…"` attributes removed.
fn without_nonces(mut reply: e2e::Reply) -> e2e::Reply {
    while let Some(start) = reply.body.find(" nonce=\"") {
        let end = reply.body[start + 8..]
            .find('"')
            .map_or(reply.body.len(), |at| start + 8 + at + 1);
        reply.body.replace_range(start..end, "");
    }
    reply
}
