//! The browser half of the offline Clerk over real loopback HTTP: the sign-in page, the
//! `__client` cookie, the handshake finding the client's session, sign-out, the Frontend
//! API's client and token endpoints, and development browsers.

mod browser;
mod common;
mod frontend;

use std::time::Duration;

use browser::{jwks, names, query_param, strings, value_of, verify};
use clerk_testkit::{NewUser, TestClerk, User};
use common::Api;
use frontend::{with_query, Browser, Page};

const APP: &str = "http://127.0.0.1:9/profile?tab=1";

/// Signs `user` in through the page: the 303.
async fn sign_in(browser: &mut Browser, user: &User) -> Page {
    browser
        .post("/sign-in", &[("user_id", &user.id), ("redirect_url", APP)])
        .await
}

/// A nonce handshake with the browser's cookies and no `__session` parameter: the
/// redeemed directives.
async fn handshake(clerk: &TestClerk, browser: &mut Browser, extra: &[(&str, &str)]) -> Vec<String> {
    let mut params = vec![("redirect_url", APP), ("format", "nonce")];
    params.extend_from_slice(extra);
    let page = browser.get(&with_query("/v1/client/handshake", &params)).await;
    assert_eq!(page.status, 307, "{}", page.body);
    let location = page.header("location").expect("Location").to_owned();
    let nonce = query_param(&location, "__clerk_handshake_nonce").expect("nonce");
    let payload = Api::new(clerk)
        .get(&format!("/v1/clients/handshake_payload?nonce={nonce}"))
        .await;
    assert_eq!(payload.status, 200, "{}", payload.body);
    strings(&payload.body["directives"])
}

fn assert_html(page: &Page) {
    assert_eq!(page.header("content-type"), Some("text/html; charset=utf-8"));
    assert_eq!(page.header("cache-control"), Some("no-store"));
    assert!(
        page.body.contains("<main>") && page.body.contains("</main>"),
        "{}",
        page.body
    );
    assert!(
        !page.body.contains("action=\"/"),
        "actions must be relative: {}",
        page.body
    );
    assert!(
        !page.body.contains("href=\"/"),
        "links must be relative: {}",
        page.body
    );
}

#[actix_rt::test]
async fn the_sign_in_page_lists_the_users_with_relative_forms() {
    let clerk = TestClerk::builder()
        .seed_users(2)
        .start()
        .expect("emulator starts");
    let ada = clerk
        .users()
        .create(
            NewUser::default()
                .email("ada@example.com")
                .first_name("Ada")
                .last_name("<Lovelace>")
                .password("correct horse"),
        )
        .expect("user");
    let mut browser = Browser::new(&clerk);
    let page = browser
        .get(&with_query("/sign-in", &[("redirect_url", APP)]))
        .await;
    assert_eq!(page.status, 200);
    assert_html(&page);
    assert!(page.body.contains("<h1>Sign in</h1>"));
    assert!(page.body.contains("action=\"sign-in\""));
    for user in clerk.users().all() {
        assert!(page
            .body
            .contains(&format!("name=\"user_id\" value=\"{}\"", user.id)));
    }
    assert!(page.body.contains(">Continue as Ada</button>"));
    assert!(page.body.contains("Ada &lt;Lovelace&gt;"), "names are escaped");
    assert!(page.body.contains("user1@example.com"));
    assert!(page.body.contains("ada@example.com"));
    assert!(page.body.contains("<label for=\"identifier\">"));
    assert!(page.body.contains("<label for=\"password\">"));
    assert!(page
        .body
        .contains("name=\"redirect_url\" value=\"http://127.0.0.1:9/profile?tab=1\""));
    assert!(!page.body.contains("correct horse"));
    assert!(browser.jar.is_empty(), "showing the page sets no cookie");
    let _ = ada;

    for bad in ["javascript:alert(1)", "data:text/html,x", "http://"] {
        let page = browser
            .get(&with_query("/sign-in", &[("redirect_url", bad)]))
            .await;
        assert_eq!(page.status, 400, "{bad}");
        assert_html(&page);
        let page = browser
            .post("/sign-in", &[("user_id", &ada.id), ("redirect_url", bad)])
            .await;
        assert_eq!(page.status, 400, "{bad}");
        assert!(page.set_cookies.is_empty());
    }
}

// Issue 22, item 5: a page whose "Continue as" button signs a user in must not be framed
// (clickjacking): every HTML answer says so twice, `X-Frame-Options` for old browsers and one CSP.
#[actix_rt::test]
async fn no_page_can_be_framed() {
    let clerk = TestClerk::builder()
        .seed_users(1)
        .start()
        .expect("emulator starts");
    let mut browser = Browser::new(&clerk);
    let mut framable = Vec::new();
    for path in [
        with_query("/sign-in", &[("redirect_url", APP)]),
        with_query("/sign-in", &[("redirect_url", "javascript:alert(1)")]),
        with_query("/sign-out", &[("redirect_url", APP)]),
        "/sign-out".to_owned(),
    ] {
        let page = browser.get(&path).await;
        assert_eq!(
            page.header("content-type"),
            Some("text/html; charset=utf-8"),
            "{path}"
        );
        let policies: Vec<_> = page.headers.get_all("content-security-policy").collect();
        if page.header("x-frame-options") != Some("DENY") || policies != ["frame-ancestors 'none'"] {
            framable.push((
                path,
                page.header("x-frame-options").map(str::to_owned),
                policies.len(),
            ));
        }
    }
    assert!(framable.is_empty(), "{framable:?}");
}

#[actix_rt::test]
async fn sign_in_then_handshake_gives_a_session_token_that_verifies() {
    let clerk = TestClerk::builder()
        .production()
        .seed_users(3)
        .session_token_ttl(Duration::from_secs(7))
        .start()
        .expect("emulator starts");
    let user = clerk.users().all()[1].clone();
    let suffix = clerk.cookie_suffix().to_owned();
    let mut browser = Browser::new(&clerk);

    let page = sign_in(&mut browser, &user).await;
    assert_eq!(page.status, 303, "{}", page.body);
    assert_eq!(page.header("location"), Some(APP));
    assert_eq!(page.header("cache-control"), Some("no-store"));
    assert_eq!(
        page.cookie_names(),
        [
            "__client".to_owned(),
            "__client_uat".to_owned(),
            format!("__client_uat_{suffix}")
        ]
    );
    let client = browser.cookie("__client").expect("__client").to_owned();
    assert!(client.len() >= 32, "an opaque random id: {client}");
    assert_eq!(
        page.set_cookie("__client"),
        Some(format!("__client={client}; Path=/; HttpOnly; SameSite=Lax").as_str())
    );
    let uat: i64 = browser
        .cookie("__client_uat")
        .expect("uat")
        .parse()
        .expect("secs");
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("clock")
        .as_secs() as i64;
    assert!((now - 5..=now + 1).contains(&uat), "{uat} vs {now}");
    assert_eq!(
        browser.cookie(&format!("__client_uat_{suffix}")),
        Some(uat.to_string().as_str())
    );
    assert!(page
        .set_cookie("__client_uat")
        .expect("uat")
        .contains("Path=/; Max-Age=315360000; SameSite=Lax"));
    assert_eq!(
        browser.cookie("__session"),
        None,
        "the app gets __session through its handshake"
    );

    // The app's handshake (client_uat but no session token): the __client cookie, no __session.
    let directives = handshake(&clerk, &mut browser, &[("suffixed_cookies", "true")]).await;
    assert_eq!(
        names(&directives),
        [
            "__session".to_owned(),
            format!("__session_{suffix}"),
            "__client_uat".to_owned(),
            format!("__client_uat_{suffix}"),
            format!("__refresh_{suffix}"),
        ],
        "a production instance hands out no development browser"
    );
    let jwt = value_of(&directives, "__session").expect("__session");
    let (header, claims) = verify(&jwt, &jwks(&clerk).await).expect("verifies with the JWKS");
    assert_eq!(header.kid.as_deref(), Some(clerk.instance().kid()));
    assert_eq!(claims["sub"], user.id.as_str());
    assert_eq!(claims["azp"], "http://127.0.0.1:9");
    assert_eq!(
        claims["exp"]
            .as_i64()
            .zip(claims["iat"].as_i64())
            .map(|(e, i)| e - i),
        Some(7)
    );
    let sid = claims["sid"].as_str().expect("sid").to_owned();
    let session = clerk.users().session(&sid).expect("session in the store");
    assert_eq!(session.user_id, user.id);
    assert_eq!(session.status, "active");

    // The client, as the Frontend API serves it.
    let reply = browser.get("/v1/client").await;
    assert_eq!(reply.status, 200);
    assert_eq!(reply.header("cache-control"), Some("no-store"));
    let body = reply.json();
    let client_json = &body["response"];
    assert_eq!(client_json["object"], "client");
    assert_eq!(client_json["id"], session.client_id.as_str());
    assert_eq!(client_json["last_active_session_id"], sid.as_str());
    assert_eq!(client_json["sessions"][0]["id"], sid.as_str());
    assert_eq!(client_json["sessions"][0]["status"], "active");
    assert_eq!(client_json["sessions"][0]["user"]["id"], user.id.as_str());
    assert_eq!(client_json["sessions"][0]["user"]["first_name"], "User");
    assert!(!reply.body.contains("private_metadata"));

    // A second sign-in on the same browser: same client, the new session is the active one.
    let other = clerk.users().all()[2].clone();
    let page = sign_in(&mut browser, &other).await;
    assert_eq!(page.status, 303);
    assert_eq!(browser.cookie("__client"), Some(client.as_str()), "same client");
    let directives = handshake(&clerk, &mut browser, &[]).await;
    let jwt = value_of(&directives, "__session").expect("__session");
    let (_, claims) = verify(&jwt, &jwks(&clerk).await).expect("verifies");
    assert_eq!(claims["sub"], other.id.as_str());
    let body = browser.get("/v1/client").await.json();
    assert_eq!(body["response"]["sessions"].as_array().map(Vec::len), Some(2));
    assert_eq!(body["response"]["last_active_session_id"], claims["sid"]);

    // Another browser (no cookies) is signed out.
    let mut stranger = Browser::new(&clerk);
    let directives = handshake(&clerk, &mut stranger, &[]).await;
    assert_eq!(value_of(&directives, "__client_uat").as_deref(), Some("0"));
    assert_eq!(
        stranger.get("/v1/client").await.json()["response"],
        serde_json::Value::Null
    );
}

#[actix_rt::test]
async fn sign_out_ends_the_sessions_and_clears_the_cookies() {
    let clerk = TestClerk::builder()
        .seed_users(1)
        .start()
        .expect("emulator starts");
    let user = clerk.users().all()[0].clone();
    let suffix = clerk.cookie_suffix().to_owned();
    let mut browser = Browser::new(&clerk);
    assert_eq!(sign_in(&mut browser, &user).await.status, 303);
    let directives = handshake(&clerk, &mut browser, &[("suffixed_cookies", "true")]).await;
    browser.apply(&directives);
    let jwt = browser.cookie("__session").expect("signed in").to_owned();
    let sid = verify(&jwt, &jwks(&clerk).await).expect("verifies").1["sid"]
        .as_str()
        .expect("sid")
        .to_owned();
    let client = browser.cookie("__client").expect("client").to_owned();

    let page = browser
        .get(&with_query("/sign-out", &[("redirect_url", APP)]))
        .await;
    assert_eq!(page.status, 200);
    assert_html(&page);
    assert!(page.body.contains("action=\"sign-out\"") && page.body.contains("<button"));

    let page = browser
        .post("/sign-out", &[("redirect_url", "http://127.0.0.1:9/")])
        .await;
    assert_eq!(page.status, 303, "{}", page.body);
    assert_eq!(page.header("location"), Some("http://127.0.0.1:9/"));
    for name in [
        "__client".to_owned(),
        "__session".to_owned(),
        format!("__session_{suffix}"),
        format!("__refresh_{suffix}"),
    ] {
        let directive = page.set_cookie(&name).unwrap_or_else(|| panic!("{name} cleared"));
        assert!(
            directive.contains("Max-Age=0") && directive.contains("Path=/"),
            "{directive}"
        );
    }
    for name in ["__client_uat".to_owned(), format!("__client_uat_{suffix}")] {
        assert_eq!(browser.cookie(&name), Some("0"), "{name}");
    }
    assert_eq!(browser.cookie("__client"), None);
    assert_eq!(browser.cookie("__session"), None);
    assert_eq!(clerk.users().session(&sid).expect("kept").status, "ended");
    let events: Vec<(String, serde_json::Value)> = clerk
        .webhooks()
        .events()
        .into_iter()
        .filter(|e| e.event_type.starts_with("session."))
        .map(|e| {
            let body: serde_json::Value = serde_json::from_str(&e.body).expect("json");
            (e.event_type.clone(), body["data"]["id"].clone())
        })
        .collect();
    assert_eq!(
        events,
        [
            (
                "session.created".to_owned(),
                serde_json::Value::from(sid.as_str())
            ),
            ("session.ended".to_owned(), serde_json::Value::from(sid.as_str())),
        ]
    );

    // The old client cookie names nothing any more: signed-out directives.
    browser.jar.insert("__client".to_owned(), client.clone());
    let directives = handshake(&clerk, &mut browser, &[("__session", &jwt)]).await;
    assert_eq!(value_of(&directives, "__session").as_deref(), Some(""));
    assert_eq!(value_of(&directives, "__client_uat").as_deref(), Some("0"));
    assert_eq!(
        browser.get("/v1/client").await.json()["response"],
        serde_json::Value::Null
    );
    let refused = browser
        .send(
            "POST",
            &format!("/v1/client/sessions/{sid}/tokens"),
            Some(&[]),
            None,
        )
        .await;
    assert_eq!(refused.status, 401);

    // Without redirect_url (what the script sends): a page.
    let page = browser.post("/sign-out", &[]).await;
    assert_eq!(page.status, 200);
    assert_html(&page);
    assert!(page.set_cookie("__client").is_some());
}

#[actix_rt::test]
async fn passwords_unknown_users_and_banned_users() {
    let clerk = TestClerk::builder()
        .seed_users(1)
        .start()
        .expect("emulator starts");
    let ada = clerk
        .users()
        .create(
            NewUser::default()
                .email("ada@example.com")
                .username("ada")
                .first_name("Ada")
                .password("correct horse"),
        )
        .expect("user");
    let seeded = clerk.users().all()[0].clone();
    let mut browser = Browser::new(&clerk);

    let page = browser
        .post(
            "/sign-in",
            &[
                ("identifier", "ada@example.com"),
                ("password", "wrong"),
                ("redirect_url", APP),
            ],
        )
        .await;
    assert_eq!(page.status, 422);
    assert_html(&page);
    assert!(page.body.contains("role=\"alert\""), "{}", page.body);
    assert!(page.body.contains("Password is incorrect"));
    assert!(
        page.body.contains("value=\"ada@example.com\""),
        "the identifier is kept"
    );
    assert!(page.body.contains("<label for=\"password\">"));
    assert!(page.set_cookies.is_empty());
    assert!(!page.body.contains("wrong"), "the password is not echoed");

    for (identifier, password) in [("nobody@example.com", "x"), ("user1@example.com", "x")] {
        let page = browser
            .post(
                "/sign-in",
                &[
                    ("identifier", identifier),
                    ("password", password),
                    ("redirect_url", APP),
                ],
            )
            .await;
        assert_eq!(page.status, 422, "{identifier}");
        assert!(page.set_cookies.is_empty());
    }
    for form in [
        vec![("user_id", "user_nope"), ("redirect_url", APP)],
        vec![("redirect_url", APP)],
    ] {
        let page = browser.post("/sign-in", &form).await;
        assert_eq!(page.status, 422, "{form:?}");
        assert!(page.body.contains("role=\"alert\""));
        assert!(page.set_cookies.is_empty());
    }

    // Username and email, case-insensitive, with the right password.
    let page = browser
        .post(
            "/sign-in",
            &[
                ("identifier", "ADA"),
                ("password", "correct horse"),
                ("redirect_url", APP),
            ],
        )
        .await;
    assert_eq!(page.status, 303, "{}", page.body);
    let directives = handshake(&clerk, &mut browser, &[("__clerk_db_jwt", "dvb_x")]).await;
    let jwt = value_of(&directives, "__session").expect("signed in");
    assert_eq!(
        verify(&jwt, &jwks(&clerk).await).expect("verifies").1["sub"],
        ada.id.as_str()
    );

    // A banned user is not listed and cannot sign in.
    clerk
        .users()
        .update(
            &seeded.id,
            clerk_testkit::UserUpdate {
                banned: Some(true),
                ..Default::default()
            },
        )
        .expect("ban");
    let page = browser
        .get(&with_query("/sign-in", &[("redirect_url", APP)]))
        .await;
    assert!(!page.body.contains(&seeded.id));
    let page = browser
        .post("/sign-in", &[("user_id", &seeded.id), ("redirect_url", APP)])
        .await;
    assert_eq!(page.status, 422);
    assert!(page.set_cookies.is_empty());
}

#[actix_rt::test]
async fn the_tokens_endpoint_serves_only_the_clients_active_sessions() {
    let clerk = TestClerk::builder()
        .seed_users(2)
        .session_token_ttl(Duration::from_secs(3))
        .start()
        .expect("emulator starts");
    let users = clerk.users().all();
    let mut browser = Browser::new(&clerk);
    assert_eq!(sign_in(&mut browser, &users[0]).await.status, 303);
    let sid = browser.get("/v1/client").await.json()["response"]["last_active_session_id"]
        .as_str()
        .expect("sid")
        .to_owned();
    let path = format!("/v1/client/sessions/{sid}/tokens");

    let reply = browser
        .send("POST", &path, Some(&[]), Some("http://127.0.0.1:8080"))
        .await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    assert_eq!(reply.header("cache-control"), Some("no-store"));
    let body = reply.json();
    assert_eq!(body.as_object().map(|o| o.len()), Some(2), "{body}");
    assert_eq!(body["object"], "token");
    let (_, claims) = verify(body["jwt"].as_str().expect("jwt"), &jwks(&clerk).await).expect("verifies");
    assert_eq!(claims["sid"], sid.as_str());
    assert_eq!(claims["sub"], users[0].id.as_str());
    assert_eq!(claims["azp"], "http://127.0.0.1:8080");
    assert_eq!(
        claims["exp"]
            .as_i64()
            .zip(claims["iat"].as_i64())
            .map(|(e, i)| e - i),
        Some(3)
    );
    assert_eq!(clerk.session_token_calls(), 1);

    let refused = |page: &Page| {
        assert_eq!(page.status, 401, "{}", page.body);
        assert_eq!(page.json()["errors"][0]["code"], "authentication_invalid");
        assert!(!page.body.contains("eyJ"));
    };
    // No client cookie.
    let mut stranger = Browser::new(&clerk);
    refused(&stranger.send("POST", &path, Some(&[]), None).await);
    // A session that is not this client's.
    let elsewhere = clerk.users().create_session(&users[1].id).expect("session");
    refused(
        &browser
            .send(
                "POST",
                &format!("/v1/client/sessions/{}/tokens", elsewhere.id),
                Some(&[]),
                None,
            )
            .await,
    );
    // The client's session once revoked.
    clerk.users().set_session_status(&sid, "revoked").expect("revoke");
    refused(&browser.send("POST", &path, Some(&[]), None).await);
    // Every call was counted, refusals included.
    assert_eq!(clerk.session_token_calls(), 4);
}

#[actix_rt::test]
async fn development_handshakes_hand_out_a_dev_browser_that_names_the_client() {
    let clerk = TestClerk::builder()
        .seed_users(1)
        .start()
        .expect("emulator starts");
    let user = clerk.users().all()[0].clone();
    let suffix = clerk.cookie_suffix().to_owned();
    let mut browser = Browser::new(&clerk);

    // Signed out, no dev browser yet: one is created (plain, and suffixed when asked).
    let directives = handshake(&clerk, &mut browser, &[("suffixed_cookies", "true")]).await;
    let dvb = value_of(&directives, "__clerk_db_jwt").expect("a dev browser");
    assert!(dvb.starts_with("dvb_"), "{dvb}");
    assert!(directives.contains(&format!("__clerk_db_jwt={dvb}; Path=/; SameSite=Lax")));
    assert!(directives.contains(&format!("__clerk_db_jwt_{suffix}={dvb}; Path=/; SameSite=Lax")));
    let directives = handshake(&clerk, &mut browser, &[]).await;
    assert_eq!(
        names(&directives)
            .iter()
            .filter(|n| n.starts_with("__clerk_db_jwt"))
            .count(),
        1,
        "unsuffixed: only the plain name"
    );

    // With the dev browser in the query (as the SDK forwards it): none is created.
    browser.apply(&[format!("__clerk_db_jwt={dvb}; Path=/")]);
    let directives = handshake(&clerk, &mut browser, &[("__clerk_db_jwt", &dvb)]).await;
    assert!(
        value_of(&directives, "__clerk_db_jwt").is_none(),
        "{directives:?}"
    );

    // Signing in on this browser binds the dev browser to the client: the token endpoint
    // accepts it in the query without the __client cookie (clerk-js on a dev instance).
    assert_eq!(sign_in(&mut browser, &user).await.status, 303);
    let sid = browser.get("/v1/client").await.json()["response"]["last_active_session_id"]
        .as_str()
        .expect("sid")
        .to_owned();
    let mut tab = Browser::new(&clerk);
    let reply = tab
        .send(
            "POST",
            &with_query(
                &format!("/v1/client/sessions/{sid}/tokens"),
                &[("__clerk_db_jwt", &dvb)],
            ),
            Some(&[]),
            None,
        )
        .await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    let unknown = tab
        .send(
            "POST",
            &with_query(
                &format!("/v1/client/sessions/{sid}/tokens"),
                &[("__clerk_db_jwt", "dvb_unknown")],
            ),
            Some(&[]),
            None,
        )
        .await;
    assert_eq!(unknown.status, 401);
    // And the handshake finds the session through the dev browser alone.
    let directives = handshake(&clerk, &mut tab, &[("__clerk_db_jwt", &dvb)]).await;
    let jwt = value_of(&directives, "__session").expect("signed in");
    assert_eq!(
        verify(&jwt, &jwks(&clerk).await).expect("verifies").1["sid"],
        sid.as_str()
    );
}

#[actix_rt::test]
async fn the_sign_in_and_sign_out_pages_are_where_their_urls_say() {
    let clerk = TestClerk::start().expect("emulator starts");
    assert!(clerk.sign_in_url().ends_with("/sign-in"));
    assert!(clerk.sign_out_url().ends_with("/sign-out"));
    // Issue 23: the emulator's own browser script is retired (the official clerk-js is served
    // under `/npm/…`): not a browser route any more (a keyless Backend API call: 401).
    let mut browser = Browser::new(&clerk);
    assert_ne!(browser.get("/clerk.js").await.status, 200);
}

/// A new browser signing `user` in, with this `redirect_url`.
async fn sign_in_to(clerk: &TestClerk, user: &User, redirect: &str) -> Page {
    Browser::new(clerk)
        .post("/sign-in", &[("user_id", &user.id), ("redirect_url", redirect)])
        .await
}

/// After signing in or out, the browser goes only to a path, a loopback URL or an allowed
/// origin; another http(s) URL leaves it on the emulator's page, another scheme is a 400.
#[actix_rt::test]
async fn redirects_go_only_to_paths_loopback_and_allowed_origins() {
    let clerk = TestClerk::builder()
        .allowed_origin("https://app.example.com")
        .allowed_origin("http://10.0.0.5:8080/")
        .seed_users(1)
        .start()
        .expect("emulator starts");
    let ada = clerk.users().all()[0].clone();

    for (redirect, location) in [
        (
            "https://app.example.com/dash?x=1",
            "https://app.example.com/dash?x=1",
        ),
        ("http://10.0.0.5:8080/", "http://10.0.0.5:8080/"),
        ("http://localhost:3000/", "http://localhost:3000/"),
        ("https://127.0.0.1:9/p", "https://127.0.0.1:9/p"),
        ("http://[::1]:9/", "http://[::1]:9/"),
        ("/dashboard?tab=1", "/dashboard?tab=1"),
    ] {
        let page = sign_in_to(&clerk, &ada, redirect).await;
        assert_eq!(page.status, 303, "{redirect}: {}", page.body);
        assert_eq!(page.header("location"), Some(location), "{redirect}");
        assert!(page.set_cookie("__client").is_some(), "{redirect}");
    }

    for redirect in [
        "https://evil.example/",
        "http://app.example.com/",
        "https://app.example.com.evil.example/",
        "http://localhost@evil.example/",
        "http://10.0.0.5/",
        "//evil.example/",
        "/\\evil.example/",
        "/\t/evil.example/",
    ] {
        // Signed in all the same, on the emulator's own page, told why.
        let page = sign_in_to(&clerk, &ada, redirect).await;
        assert_eq!(page.status, 200, "{redirect:?}: {}", page.body);
        assert_eq!(page.header("location"), None, "{redirect:?}");
        assert!(page.body.contains("<h1>Signed in</h1>"), "{redirect:?}");
        assert!(page.body.contains("You will stay here"), "{redirect:?}");
        assert!(page.set_cookie("__client").is_some(), "{redirect:?}");
        // The page does not carry it on into its forms.
        let mut browser = Browser::new(&clerk);
        for path in ["/sign-in", "/sign-out"] {
            let page = browser
                .get(&with_query(path, &[("redirect_url", redirect)]))
                .await;
            assert_eq!(page.status, 200, "{path} {redirect:?}");
            assert!(
                !page.body.contains("name=\"redirect_url\""),
                "{path} {redirect:?}"
            );
            assert!(page.body.contains("You will stay here"), "{path} {redirect:?}");
        }
    }

    for redirect in ["javascript:alert(1)", "JAVASCRIPT:alert(1)", "data:text/html,x"] {
        let page = sign_in_to(&clerk, &ada, redirect).await;
        assert_eq!(page.status, 400, "{redirect}");
        assert!(page.set_cookies.is_empty(), "{redirect}");
        assert!(page
            .body
            .contains("redirect_url must be an http(s) URL or a path."));
    }

    // The forms carry an allowed target on, a path included.
    let mut browser = Browser::new(&clerk);
    let page = browser
        .get(&with_query("/sign-in", &[("redirect_url", "/dashboard?tab=1")]))
        .await;
    assert!(page
        .body
        .contains("name=\"redirect_url\" value=\"/dashboard?tab=1\""));
    let page = browser
        .get(&with_query(
            "/sign-out",
            &[("redirect_url", "https://app.example.com/")],
        ))
        .await;
    assert!(page
        .body
        .contains("name=\"redirect_url\" value=\"https://app.example.com/\""));

    // Sign-out: the same rule.
    for (redirect, location) in [
        ("https://app.example.com/bye", Some("https://app.example.com/bye")),
        ("/bye", Some("/bye")),
        ("http://127.0.0.1:9/", Some("http://127.0.0.1:9/")),
        ("https://evil.example/bye", None),
        ("//evil.example/bye", None),
    ] {
        let page = Browser::new(&clerk)
            .post("/sign-out", &[("redirect_url", redirect)])
            .await;
        assert_eq!(page.header("location"), location, "{redirect}");
        assert_eq!(
            page.status,
            if location.is_some() { 303 } else { 200 },
            "{redirect}"
        );
        assert!(
            page.set_cookie("__client").is_some(),
            "{redirect}: cookies cleared"
        );
    }
    let page = Browser::new(&clerk)
        .post("/sign-out", &[("redirect_url", "javascript:alert(1)")])
        .await;
    assert_eq!(page.status, 400);
}

#[test]
fn allowed_origins_must_be_bare_http_origins() {
    for bad in ["app.example.com", "https://app.example.com/path", "javascript:x"] {
        let started = TestClerk::builder().allowed_origin(bad).start();
        assert!(
            matches!(started, Err(clerk_testkit::Error::InvalidParam { .. })),
            "{bad}"
        );
    }
}
