//! `ClerkCsp` beyond the policy's text (which `csp_parity.rs` compares with Clerk's): one header
//! (a handler's own is replaced), answers under a relative proxy path left alone, the nonce
//! only in strict mode, and `CspNonce` without a strict `ClerkCsp` a server error.

use actix_web::http::StatusCode;
use actix_web::{test, web, App, HttpResponse};
use clerk_actix::{ClerkConfig, ClerkCsp, CspNonce};
use clerk_core::csp::CspOptions;

const PUBLISHABLE_KEY: &str = "pk_test_aGFwcHktaGlwcG8tNDIuY2xlcmsuYWNjb3VudHMuZGV2JA";

fn clerk() -> clerk_actix::Clerk {
    ClerkConfig::new()
        .secret_key("sk_test_cspMiddleware")
        .publishable_key(PUBLISHABLE_KEY)
        .proxy_url("/__clerk")
        .build()
        .expect("clerk")
}

async fn own_policy() -> HttpResponse {
    HttpResponse::Ok()
        .insert_header(("content-security-policy", "frame-ancestors 'none'"))
        .finish()
}

#[actix_web::test]
async fn one_header_a_handlers_own_replaced_and_the_proxy_path_left_alone() {
    let csp = ClerkCsp::new(clerk(), CspOptions::new().strict(true)).expect("valid");
    let app = test::init_service(
        App::new()
            .route("/page", web::get().to(own_policy))
            .route("/__clerk/v1/client", web::get().to(own_policy))
            .wrap(csp),
    )
    .await;
    let policies = |response: &actix_web::dev::ServiceResponse| -> Vec<String> {
        response
            .headers()
            .get_all("content-security-policy")
            .map(|v| v.to_str().unwrap().to_owned())
            .collect()
    };
    let page = test::call_service(&app, test::TestRequest::get().uri("/page").to_request()).await;
    let page = policies(&page);
    assert_eq!(page.len(), 1, "{page:?}");
    assert!(page[0].contains("'strict-dynamic' 'nonce-"), "{page:?}");
    let proxied = test::call_service(
        &app,
        test::TestRequest::get().uri("/__clerk/v1/client").to_request(),
    )
    .await;
    assert_eq!(policies(&proxied), ["frame-ancestors 'none'"]);
}

async fn nonce(nonce: CspNonce) -> HttpResponse {
    HttpResponse::Ok().body(nonce.as_str().to_owned())
}

async fn maybe_nonce(nonce: Option<CspNonce>) -> HttpResponse {
    HttpResponse::Ok().body(nonce.map_or("none".to_owned(), |n| n.as_str().to_owned()))
}

#[actix_web::test]
async fn the_nonce_is_strict_modes_only() {
    let lax = ClerkCsp::new(clerk(), CspOptions::new()).expect("valid");
    let app = test::init_service(
        App::new()
            .route("/nonce", web::get().to(nonce))
            .route("/maybe", web::get().to(maybe_nonce))
            .wrap(lax),
    )
    .await;
    let response = test::call_service(&app, test::TestRequest::get().uri("/nonce").to_request()).await;
    assert_eq!(response.status(), StatusCode::INTERNAL_SERVER_ERROR);
    let policy = response
        .headers()
        .get("content-security-policy")
        .unwrap()
        .to_str()
        .unwrap();
    assert!(
        !policy.contains("'nonce-") && policy.contains(" https: http: "),
        "{policy}"
    );
    let body = test::call_and_read_body(&app, test::TestRequest::get().uri("/maybe").to_request()).await;
    assert_eq!(body, "none");

    let strict = ClerkCsp::new(clerk(), CspOptions::new().strict(true)).expect("valid");
    let app = test::init_service(App::new().route("/nonce", web::get().to(nonce)).wrap(strict)).await;
    let response = test::call_service(&app, test::TestRequest::get().uri("/nonce").to_request()).await;
    assert_eq!(response.status(), StatusCode::OK);
    let policy = response
        .headers()
        .get("content-security-policy")
        .unwrap()
        .to_str()
        .unwrap()
        .to_owned();
    let body = test::read_body(response).await;
    let nonce = std::str::from_utf8(&body).unwrap();
    assert_eq!(nonce.len(), 24, "16 bytes, base64: {nonce}");
    assert!(policy.contains(&format!("'nonce-{nonce}'")), "{policy}");
}

#[actix_web::test]
async fn a_directive_that_is_no_header_value_is_refused_up_front() {
    let options = CspOptions::new().directive("img-src", ["https://a.example\nx"]);
    assert!(ClerkCsp::new(clerk(), options).is_err());
}

/// Without a proxy URL the policy is built once (issue 25's per-request cost): each answer still
/// carries Clerk's policy with that request's own nonce, and `Reporting-Endpoints` when set.
#[actix_web::test]
async fn a_policy_built_once_still_carries_each_requests_nonce() {
    use clerk_core::csp::{ClerkHosts, Nonce};
    use clerk_core::PublishableKey;

    let clerk = ClerkConfig::new()
        .secret_key("sk_test_cspMiddleware")
        .publishable_key(PUBLISHABLE_KEY)
        .build()
        .expect("clerk");
    let options = CspOptions::new()
        .strict(true)
        .directive("frame-ancestors", ["none"])
        .report_to("https://r.example/csp");
    let csp = ClerkCsp::new(clerk, options.clone()).expect("valid");
    let app = test::init_service(App::new().route("/nonce", web::get().to(nonce)).wrap(csp)).await;
    let key = PublishableKey::parse(PUBLISHABLE_KEY).expect("key");
    let hosts = ClerkHosts::new(Some(key.frontend_api()));
    let mut seen = Vec::new();
    for _ in 0..3 {
        let response = test::call_service(&app, test::TestRequest::get().uri("/nonce").to_request()).await;
        let header = |name: &str| response.headers().get(name).unwrap().to_str().unwrap().to_owned();
        let (policy, endpoints) = (header("content-security-policy"), header("reporting-endpoints"));
        let nonce = String::from_utf8(test::read_body(response).await.to_vec()).unwrap();
        let expected = options.headers(&hosts, Some(&nonce_of(&nonce)));
        assert_eq!(policy, expected.value);
        assert_eq!(Some(endpoints), expected.reporting_endpoints);
        assert!(!seen.contains(&nonce), "a nonce repeated: {nonce}");
        seen.push(nonce);
    }

    /// The `Nonce` whose base64 is `text`.
    fn nonce_of(text: &str) -> Nonce {
        use base64::Engine as _;
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(text)
            .expect("base64");
        Nonce::from_bytes(bytes.try_into().expect("16 bytes"))
    }
}
