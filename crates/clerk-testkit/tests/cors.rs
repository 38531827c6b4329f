//! Cross-origin calls to the Frontend API: the exact origin with credentials, as Clerk's Frontend
//! API answers clerk-js on another origin; never on Backend API calls. Issue 23.

mod common;
mod frontend;

use clerk_testkit::TestClerk;
use common::Api;
use frontend::Browser;

const PAGE: &str = "http://localhost:5173";

/// `method path` with an `Origin` and optional extra headers: status and headers.
async fn call(
    clerk: &TestClerk,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
) -> (u16, awc::http::header::HeaderMap) {
    let method = awc::http::Method::from_bytes(method.as_bytes()).expect("method");
    let mut req = awc::Client::default().request(method, format!("{}{path}", clerk.base_url()));
    for (name, value) in headers {
        req = req.insert_header((*name, *value));
    }
    let res = req.send().await.expect("sent");
    (res.status().as_u16(), res.headers().clone())
}

fn header<'a>(headers: &'a awc::http::header::HeaderMap, name: &str) -> Option<&'a str> {
    headers.get(name).and_then(|v| v.to_str().ok())
}

#[actix_rt::test]
async fn frontend_api_answers_credit_the_exact_origin_with_credentials() {
    let clerk = TestClerk::start().expect("emulator");
    let mut browser = Browser::new(&clerk);
    for (method, path) in [
        ("POST", "/v1/dev_browser"),
        ("GET", "/v1/environment"),
        ("POST", "/v1/environment?_method=PATCH"),
        ("GET", "/v1/client"),
        // An error of the Frontend API is readable too (no session here).
        ("POST", "/v1/client/sessions/sess_1/tokens"),
        ("GET", "/v1/organizations/org_1"),
    ] {
        let form: Option<&[(&str, &str)]> = (method == "POST").then_some(&[]);
        let page = browser.send(method, path, form, Some(PAGE)).await;
        assert_eq!(
            page.header("access-control-allow-origin"),
            Some(PAGE),
            "{method} {path}"
        );
        assert_eq!(
            page.header("access-control-allow-credentials"),
            Some("true"),
            "{method} {path}"
        );
        let vary: Vec<&str> = page
            .headers
            .get_all("vary")
            .filter_map(|v| v.to_str().ok())
            .collect();
        assert!(
            vary.iter().any(|v| v.contains("Origin")),
            "{method} {path}: {vary:?}"
        );
    }

    // Same-origin (no Origin header): nothing to add.
    let same = browser.get("/v1/client").await;
    assert_eq!(same.header("access-control-allow-origin"), None);
}

#[actix_rt::test]
async fn backend_api_calls_get_no_cors_headers() {
    let clerk = TestClerk::start().expect("emulator");
    let key = format!("Bearer {}", clerk.secret_key());
    for (path, auth) in [
        ("/v1/users", Some(key.as_str())),
        ("/v1/users", None),
        // A path both APIs have, with the secret key: the Backend API's.
        ("/v1/organizations/org_1", Some(key.as_str())),
    ] {
        let mut headers = vec![("origin", PAGE)];
        if let Some(auth) = auth {
            headers.push(("authorization", auth));
        }
        let (status, got) = call(&clerk, "GET", path, &headers).await;
        assert!(
            status == 200 || status == 401 || status == 404,
            "{path}: {status}"
        );
        assert_eq!(
            header(&got, "access-control-allow-origin"),
            None,
            "{path} {auth:?}"
        );
    }
    // The helper's calls carry no Origin: a control that the Backend API still answers.
    assert_eq!(Api::new(&clerk).get("/v1/users").await.status, 200);
}

#[actix_rt::test]
async fn a_preflight_to_the_frontend_api_is_answered() {
    let clerk = TestClerk::start().expect("emulator");
    let (status, got) = call(
        &clerk,
        "OPTIONS",
        "/v1/client",
        &[
            ("origin", PAGE),
            ("access-control-request-method", "POST"),
            ("access-control-request-headers", "content-type"),
        ],
    )
    .await;
    assert_eq!(status, 204);
    assert_eq!(header(&got, "access-control-allow-origin"), Some(PAGE));
    assert_eq!(header(&got, "access-control-allow-credentials"), Some("true"));
    assert!(header(&got, "access-control-allow-methods").is_some_and(|m| m.contains("POST")));
    assert_eq!(header(&got, "access-control-allow-headers"), Some("content-type"));

    // A Backend API path gets no preflight answer of its own.
    let (status, got) = call(
        &clerk,
        "OPTIONS",
        "/v1/users",
        &[("origin", PAGE), ("access-control-request-method", "GET")],
    )
    .await;
    assert_ne!(status, 204);
    assert_eq!(header(&got, "access-control-allow-origin"), None);
}

#[actix_rt::test]
async fn only_loopback_and_configured_origins_are_credited() {
    let clerk = TestClerk::builder()
        .allowed_origin("https://app.example.com")
        .start()
        .expect("emulator");
    for (origin, credited) in [
        ("http://127.0.0.1:3000", true),
        ("http://[::1]:8080", true),
        ("https://app.example.com", true),
        // A site the developer happens to visit must not read the offline session.
        ("https://evil.example", false),
        ("https://app.example.com.evil.example", false),
        ("http://app.example.com", false),
        ("not an origin", false),
    ] {
        let (status, headers) = call(&clerk, "GET", "/v1/client", &[("Origin", origin)]).await;
        assert_eq!(status, 200, "{origin}");
        let granted = header(&headers, "access-control-allow-origin");
        assert_eq!(granted, credited.then_some(origin), "{origin}");
        let (status, headers) = call(
            &clerk,
            "OPTIONS",
            "/v1/client",
            &[("Origin", origin), ("Access-Control-Request-Method", "POST")],
        )
        .await;
        let granted = header(&headers, "access-control-allow-origin");
        assert_eq!(
            granted,
            credited.then_some(origin),
            "preflight {origin} ({status})"
        );
    }
}

#[actix_rt::test]
async fn a_state_changing_call_from_an_uncredited_site_is_refused() {
    // CORS keeps other sites from reading; a form or `no-cors` fetch could still write: a page
    // the developer visits must not sign users up on the offline Clerk (found by review).
    let clerk = TestClerk::start().expect("emulator");
    let before = clerk.users().all().len();
    let form = "email_address=mallory%40example.com&password=correct-horse-battery";
    let sign_up = |origin: &'static str| {
        let clerk = &clerk;
        async move {
            awc::Client::default()
                .post(format!("{}/v1/client/sign_ups", clerk.base_url()))
                .insert_header(("Origin", origin))
                .insert_header(("Content-Type", "application/x-www-form-urlencoded"))
                .send_body(form)
                .await
                .expect("sent")
                .status()
                .as_u16()
        }
    };
    assert_eq!(sign_up("https://evil.example").await, 403);
    assert_eq!(sign_up("null").await, 403);
    assert_eq!(clerk.users().all().len(), before, "no user was created");
    // A loopback page (a team's own frontend on another port) may.
    assert_ne!(sign_up("http://localhost:5173").await, 403);
    assert_eq!(
        clerk.users().all().len(),
        before + 1,
        "the loopback page signed up"
    );
}
