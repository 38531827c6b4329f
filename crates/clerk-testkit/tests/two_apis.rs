//! The Backend API and the Frontend API on one origin: a method and path both have is the
//! Backend API's when the request carries a secret key (`Authorization: Bearer sk_…`) and the
//! Frontend API's otherwise. Issue 23, "the two APIs of the offline Clerk apart".

mod common;
mod frontend;

use clerk_testkit::{NewOrganization, TestClerk};
use common::Api;
use frontend::{with_query, Browser};
use serde_json::Value;

/// The emulator with two users, an organization the first is a member of, and a browser
/// signed in as that member.
async fn member_signed_in() -> (TestClerk, Browser, String) {
    let clerk = TestClerk::builder().seed_users(2).start().expect("emulator");
    let member = clerk.users().all()[0].clone();
    let mut new = NewOrganization::named("Acme").slug("acme").created_by(&member.id);
    new.private_metadata = serde_json::json!({"billing_note": "server eyes only"})
        .as_object()
        .cloned();
    let org = clerk.organizations().create(new).expect("organization");
    let mut browser = Browser::new(&clerk);
    let signed_in = browser
        .post("/sign-in", &[("user_id", &member.id), ("redirect_url", "/")])
        .await;
    assert_eq!(signed_in.status, 303, "{}", signed_in.body);
    (clerk, browser, org.id)
}

#[actix_rt::test]
async fn one_method_and_path_is_answered_by_either_api_according_to_credentials() {
    let (clerk, mut browser, org_id) = member_signed_in().await;
    let path = format!("/v1/organizations/{org_id}");

    // A browser's client, no secret key: the Frontend API's client-wrapped organization.
    let frontend = browser.get(&path).await;
    assert_eq!(frontend.status, 200, "{}", frontend.body);
    let frontend = frontend.json();
    assert_eq!(frontend["response"]["object"], "organization", "{frontend}");
    assert_eq!(frontend["response"]["id"], org_id.as_str());
    assert!(frontend.get("client").is_some(), "{frontend}");
    // What a browser sees of an organization has no private metadata (found by review).
    let text = frontend.to_string();
    assert!(
        !text.contains("private_metadata") && !text.contains("server eyes only"),
        "{frontend}"
    );

    // The secret key: the Backend API's bare organization.
    let backend = Api::new(&clerk).get(&path).await;
    assert_eq!(backend.status, 200, "{}", backend.body);
    assert_eq!(backend.body["object"], "organization", "{}", backend.body);
    assert_eq!(backend.body["id"], org_id.as_str());
    assert!(backend.body.get("response").is_none(), "{}", backend.body);
    assert_eq!(
        backend.body["private_metadata"]["billing_note"], "server eyes only",
        "the Backend API still has it: {}",
        backend.body
    );

    // A wrong secret key is still a Backend API call: refused by the gate, not answered by the
    // Frontend API even with a signed-in client's cookie.
    let wrong = browser_with_key(&mut browser, &path, "sk_test_wrong").await;
    assert_eq!(wrong.0, 401, "{}", wrong.1);
    assert_eq!(wrong.1["errors"][0]["code"], "clerk_key_invalid", "{}", wrong.1);
    assert_eq!(clerk.calls().count("GET", "/v1/organizations/{org_id}"), 3);
}

#[actix_rt::test]
async fn the_frontend_api_shows_a_browser_only_its_users_organizations() {
    let (clerk, _, org_id) = member_signed_in().await;
    let outsider = clerk.users().all()[1].clone();
    let path = format!("/v1/organizations/{org_id}");

    let mut signed_out = Browser::new(&clerk);
    let anonymous = signed_out.get(&path).await;
    assert_eq!(anonymous.status, 401, "{}", anonymous.body);
    assert_eq!(anonymous.json()["errors"][0]["code"], "authentication_invalid");

    let mut other = Browser::new(&clerk);
    other
        .post("/sign-in", &[("user_id", &outsider.id), ("redirect_url", "/")])
        .await;
    let not_member = other.get(&path).await;
    assert_eq!(not_member.status, 404, "{}", not_member.body);
    assert_eq!(not_member.json()["errors"][0]["code"], "resource_not_found");
}

#[actix_rt::test]
async fn a_method_only_the_backend_api_has_on_a_shared_path_still_needs_the_secret_key() {
    let (clerk, mut browser, org_id) = member_signed_in().await;
    let path = format!("/v1/organizations/{org_id}");

    let patched = browser
        .send("PATCH", &path, Some(&[("name", "Pwned")]), None)
        .await;
    let overridden = browser
        .send(
            "POST",
            &with_query(&path, &[("_method", "PATCH")]),
            Some(&[("name", "Pwned")]),
            None,
        )
        .await;
    let deleted = browser.send("DELETE", &path, None, None).await;

    for reply in [&patched, &overridden, &deleted] {
        assert_eq!(reply.status, 401, "{}", reply.body);
        assert_eq!(reply.json()["errors"][0]["code"], "authentication_invalid");
    }
    let org = clerk.organizations().get(&org_id).expect("still there");
    assert_eq!(org.name, "Acme");
}

/// `GET path` with the browser's cookies and `Authorization: Bearer {key}`: status and JSON.
async fn browser_with_key(browser: &mut Browser, path: &str, key: &str) -> (u16, Value) {
    let cookies: Vec<String> = browser.jar.iter().map(|(k, v)| format!("{k}={v}")).collect();
    let mut res = awc::Client::default()
        .get(format!("{}{path}", browser.base))
        .insert_header(("authorization", format!("Bearer {key}")))
        .insert_header(("cookie", cookies.join("; ")))
        .send()
        .await
        .expect("sent");
    let body = res.body().await.expect("body");
    (
        res.status().as_u16(),
        serde_json::from_slice(&body).unwrap_or(Value::Null),
    )
}
