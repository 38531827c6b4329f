//! Issue 12: a browser comes back after its session token expired. Loaded as a browser loads a
//! page (document headers, a cookie jar, an expired `__session` and a valid `__client_uat`), with
//! the instance's Frontend API served by the offline Clerk (`CLERK_PROXY_URL`):
//! * with a `__refresh` cookie, `/profile` is refreshed server-side: 200 signed in, the new cookies
//!   set, no redirect;
//! * without one, `/profile` answers Clerk's handshake (307 to the Frontend API), which answers
//!   307 back with a nonce, and the app resolves it: signed in with the new cookies;
//! * `/api/*` fetches never redirect.

use std::collections::BTreeMap;
use std::time::Duration;

use clerk_testkit::TestClerk;
use e2e::{spawn_app_with, SpawnOptions, TestApp, ORIGIN};

/// The `Host` the browser uses: the app's origin is then [`ORIGIN`], the authorized party the
/// emulator's fresh tokens name (their `azp` is the request's origin).
const HOST: &str = "localhost:3000";

/// A response with every `Set-Cookie`.
struct Page {
    status: u16,
    location: Option<String>,
    cache_control: Option<String>,
    set_cookies: Vec<String>,
    body: String,
}

/// A minimal cookie jar: name → value, updated from `Set-Cookie` (`Max-Age=0` deletes).
#[derive(Default)]
struct Jar(BTreeMap<String, String>);

impl Jar {
    fn set(&mut self, name: &str, value: &str) {
        self.0.insert(name.to_owned(), value.to_owned());
    }

    fn absorb(&mut self, set_cookies: &[String]) {
        for directive in set_cookies {
            let pair = directive.split(';').next().unwrap_or("");
            let Some((name, value)) = pair.split_once('=') else {
                continue;
            };
            if value.is_empty() || directive.contains("Max-Age=0") {
                self.0.remove(name.trim());
            } else {
                self.0.insert(name.trim().to_owned(), value.to_owned());
            }
        }
    }

    fn header(&self) -> String {
        self.0
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join("; ")
    }
}

fn client() -> awc::Client {
    awc::Client::builder()
        .disable_redirects()
        .timeout(Duration::from_secs(15))
        .finish()
}

/// A browser GET: to the app (path, sent with `Host: localhost:3000`) or to an absolute URL.
async fn get(app: &TestApp, target: &str, jar: &Jar, document: bool) -> Page {
    let url = if target.starts_with("http://localhost:3000") {
        format!("{}{}", app.address, &target[ORIGIN.len()..])
    } else if target.starts_with('/') {
        format!("{}{target}", app.address)
    } else {
        target.to_owned()
    };
    let mut req = client().get(&url).insert_header(("cookie", jar.header()));
    if url.starts_with(&app.address) {
        req = req.insert_header(("host", HOST));
    }
    req = if document {
        req.insert_header(("sec-fetch-dest", "document"))
            .insert_header(("accept", "text/html,application/xhtml+xml"))
    } else {
        req.insert_header(("sec-fetch-dest", "empty"))
            .insert_header(("accept", "application/json"))
    };
    let mut res = req.send().await.expect("request sent");
    let header = |name: &str| {
        res.headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned)
    };
    let (location, cache_control) = (header("location"), header("cache-control"));
    let set_cookies = res
        .headers()
        .get_all("set-cookie")
        .filter_map(|v| v.to_str().ok().map(str::to_owned))
        .collect();
    let body = res.body().await.expect("body read");
    Page {
        status: res.status().as_u16(),
        location,
        cache_control,
        set_cookies,
        body: String::from_utf8_lossy(&body).into_owned(),
    }
}

/// The app, with the Frontend API on the emulator.
async fn app(clerk: clerk_testkit::TestClerkBuilder) -> TestApp {
    spawn_app_with(SpawnOptions {
        clerk,
        frontend_api_on_emulator: true,
        ..Default::default()
    })
    .await
}

/// A jar holding an active session's expired token and a valid `__client_uat` (and, on a
/// development instance, the dev browser).
fn expired_session(app: &TestApp, jar: &mut Jar) -> String {
    let session = app.clerk.users().create_session(&app.user_id).expect("session");
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("clock")
        .as_secs() as i64;
    let expired = app
        .clerk
        .minter()
        .session_token(&app.user_id)
        .session_id(&session.id)
        .azp(ORIGIN)
        .issued_at(now - 180)
        .lifetime(60)
        .mint();
    jar.set("__session", &expired);
    jar.set("__client_uat", &(now - 3600).to_string());
    session.id
}

fn session_cookie(set_cookies: &[String]) -> Option<String> {
    set_cookies
        .iter()
        .find(|c| c.starts_with("__session="))
        .and_then(|c| c.split(';').next())
        .map(|pair| pair["__session=".len()..].to_owned())
        .filter(|v| !v.is_empty())
}

#[actix_rt::test]
async fn an_expired_session_with_a_refresh_cookie_is_refreshed_without_a_redirect() {
    let app = app(TestClerk::builder().production()).await;
    let mut jar = Jar::default();
    let session_id = expired_session(&app, &mut jar);
    let refresh = app.clerk.refresh_token_for(&session_id).expect("refresh token");
    jar.set(&format!("__refresh_{}", app.clerk.cookie_suffix()), &refresh);
    let expired = jar.0["__session"].clone();

    let page = get(&app, "/profile", &jar, true).await;
    assert_eq!(
        page.status, 200,
        "signed in after a server-side refresh: {}",
        page.body
    );
    assert!(page.location.is_none());
    assert!(page.body.contains("<h1>Profile</h1>"), "{}", page.body);
    let fresh = session_cookie(&page.set_cookies).expect("the refreshed __session is set");
    assert_ne!(fresh, expired);
    assert!(page.set_cookies.iter().any(|c| c.starts_with("__client_uat=")));
    assert_eq!(app.clerk.handshake_calls(), 0, "no handshake was needed");
    assert_eq!(
        app.clerk
            .calls()
            .count("POST", "/v1/sessions/{session_id}/refresh"),
        1
    );

    // The browser keeps the new cookies: the next page needs nothing more.
    jar.absorb(&page.set_cookies);
    let again = get(&app, "/profile", &jar, true).await;
    assert_eq!(again.status, 200);
    assert!(again.set_cookies.iter().all(|c| !c.starts_with("__session=")));
    assert_eq!(
        app.clerk
            .calls()
            .count("POST", "/v1/sessions/{session_id}/refresh"),
        1
    );
}

#[actix_rt::test]
async fn without_a_refresh_cookie_the_page_goes_through_the_handshake_and_comes_back_signed_in() {
    let app = app(TestClerk::builder().production()).await;
    let mut jar = Jar::default();
    expired_session(&app, &mut jar);

    // 1. The app sends the browser to the Frontend API's handshake.
    let first = get(&app, "/profile", &jar, true).await;
    assert_eq!(first.status, 307, "{}", first.body);
    let to_fapi = first.location.clone().expect("a Location");
    assert!(
        to_fapi.starts_with(&format!("{}/v1/client/handshake?", app.clerk.base_url())),
        "{to_fapi}"
    );
    let params: BTreeMap<String, String> = url::Url::parse(&to_fapi)
        .expect("url")
        .query_pairs()
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect();
    assert_eq!(params["redirect_url"], format!("{ORIGIN}/profile"));
    assert_eq!(params["format"], "nonce");
    assert_eq!(
        params["__clerk_hs_reason"],
        "session-token-expired-refresh-non-eligible-no-refresh-cookie"
    );
    assert_eq!(first.cache_control.as_deref(), Some("no-store"));
    assert!(first
        .set_cookies
        .iter()
        .any(|c| c.starts_with("__clerk_redirect_count=1;")));
    jar.absorb(&first.set_cookies);

    // 2. The Frontend API sends it back with a nonce.
    let fapi = get(&app, &to_fapi, &jar, true).await;
    assert_eq!(fapi.status, 307);
    let back = fapi.location.expect("back to the app");
    assert!(
        back.starts_with(&format!("{ORIGIN}/profile?__clerk_handshake_nonce=")),
        "{back}"
    );

    // 3. The app resolves the nonce through the Backend API: signed in, new cookies.
    let page = get(&app, &back, &jar, true).await;
    assert_eq!(page.status, 200, "{}", page.body);
    assert!(page.body.contains("<h1>Profile</h1>"));
    assert!(
        session_cookie(&page.set_cookies).is_some(),
        "{:?}",
        page.set_cookies.len()
    );
    assert_eq!(app.clerk.handshake_calls(), 1);
    assert_eq!(app.clerk.calls().count("GET", "/v1/clients/handshake_payload"), 1);

    // With the new cookies the page renders directly.
    jar.absorb(&page.set_cookies);
    let again = get(&app, "/profile", &jar, true).await;
    assert_eq!(again.status, 200);
    assert_eq!(app.clerk.handshake_calls(), 1);
}

#[actix_rt::test]
async fn a_development_instance_resolves_the_handshake_to_the_clean_url() {
    let app = app(TestClerk::builder()).await;
    let mut jar = Jar::default();
    jar.set("__clerk_db_jwt", "dvb_e2eDevBrowser");
    expired_session(&app, &mut jar);

    let first = get(&app, "/profile?tab=1", &jar, true).await;
    assert_eq!(first.status, 307);
    let to_fapi = first.location.expect("a Location");
    assert!(to_fapi.contains("__clerk_db_jwt=dvb_e2eDevBrowser"), "{to_fapi}");
    jar.absorb(&first.set_cookies);
    let back = get(&app, &to_fapi, &jar, true)
        .await
        .location
        .expect("back to the app");
    let resolved = get(&app, &back, &jar, true).await;
    // Development: the cookies are set on a redirect to the URL without the nonce.
    assert_eq!(resolved.status, 307);
    assert_eq!(
        resolved.location.as_deref(),
        Some(format!("{ORIGIN}/profile?tab=1").as_str())
    );
    assert!(session_cookie(&resolved.set_cookies).is_some());
    jar.absorb(&resolved.set_cookies);
    let page = get(&app, "/profile?tab=1", &jar, true).await;
    assert_eq!(page.status, 200, "{}", page.body);
}

#[actix_rt::test]
async fn api_fetches_never_redirect() {
    let app = app(TestClerk::builder().production()).await;
    let mut jar = Jar::default();
    expired_session(&app, &mut jar);
    for path in ["/api/data", "/api/me", "/api/auth"] {
        let reply = get(&app, path, &jar, false).await;
        assert_eq!(reply.status, 401, "{path}: {}", reply.body);
        assert!(reply.location.is_none(), "{path} redirected");
    }
    assert_eq!(app.clerk.handshake_calls(), 0);
}
