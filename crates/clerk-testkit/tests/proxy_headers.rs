//! A Frontend API call through a proxy: `Clerk-Proxy-Url` needs the instance's secret key as
//! `Clerk-Secret-Key` (Clerk's `clerk_key_invalid` otherwise), and `Clerk-Secret-Key` is never a
//! Backend API credential. Issue 23, "The Frontend API proxy".

use clerk_testkit::TestClerk;
use serde_json::Value;

async fn get(clerk: &TestClerk, path: &str, headers: &[(&str, &str)]) -> (u16, Value) {
    let mut request = awc::Client::default().get(format!("{}{path}", clerk.base_url()));
    for (name, value) in headers {
        request = request.insert_header((*name, *value));
    }
    let mut response = request.send().await.expect("the emulator answers");
    let body = response.body().await.expect("a body");
    (
        response.status().as_u16(),
        serde_json::from_slice(&body).unwrap_or(Value::Null),
    )
}

#[actix_rt::test]
async fn a_proxied_call_needs_the_instances_secret_key() {
    let clerk = TestClerk::builder().start().expect("emulator");
    let key = clerk.secret_key().to_owned();
    let proxy = ("clerk-proxy-url", "http://app.example/__clerk");

    let right = get(&clerk, "/v1/environment", &[proxy, ("clerk-secret-key", &key)]).await;
    let wrong = get(
        &clerk,
        "/v1/environment",
        &[proxy, ("clerk-secret-key", "sk_test_wrong")],
    )
    .await;
    let missing = get(&clerk, "/v1/environment", &[proxy]).await;
    let direct = get(&clerk, "/v1/environment", &[]).await;

    assert_eq!(right.0, 200, "{}", right.1);
    for (status, body) in [&wrong, &missing] {
        assert_eq!(*status, 401, "{body}");
        assert_eq!(body["errors"][0]["code"], "clerk_key_invalid", "{body}");
        assert!(!body.to_string().contains("sk_test"), "{body}");
    }
    assert_eq!(
        direct.0, 200,
        "a browser calling the Frontend API directly sends neither"
    );
}

#[actix_rt::test]
async fn clerk_secret_key_is_not_a_backend_api_credential() {
    let clerk = TestClerk::builder().seed_users(1).start().expect("emulator");
    let key = clerk.secret_key().to_owned();

    let proxied = get(
        &clerk,
        "/v1/users",
        &[
            ("clerk-proxy-url", "http://app.example/__clerk"),
            ("clerk-secret-key", &key),
        ],
    )
    .await;
    let backend = get(
        &clerk,
        "/v1/users",
        &[("authorization", &format!("Bearer {key}"))],
    )
    .await;

    assert_eq!(proxied.0, 401, "{}", proxied.1);
    assert_eq!(backend.0, 200, "{}", backend.1);
}
