//! Issue 22 (security, round 3) at the Actix layer, against the offline Clerk: the satellite
//! sync's `__clerk_redirect_url` goes only to known origins; made-up handshake nonces cannot
//! spend the Backend API budget a real handshake needs; a relative proxy URL's issuer is believed
//! only for the configured origins, from the cache too; a resolved handshake's cookies are set
//! once.

mod common;

use std::net::SocketAddr;

use actix_web::http::StatusCode;
use actix_web::test::{self, TestRequest};
use clerk_actix::ClerkMiddleware;
use common::*;
use futures_util::StreamExt as _;

const ATTACKER: &str = "https://evil.example";
const SATELLITE: &str = "https://satellite.example.org";

fn document(uri: &str, cookies: &str) -> TestRequest {
    TestRequest::get()
        .uri(uri)
        .insert_header(("host", "localhost:3000"))
        .insert_header(("sec-fetch-dest", "document"))
        .insert_header(("accept", "text/html"))
        .insert_header(("cookie", cookies.to_owned()))
}

fn set_cookies(resp: &actix_web::dev::ServiceResponse<impl actix_web::body::MessageBody>) -> Vec<String> {
    resp.headers()
        .get_all("set-cookie")
        .filter_map(|v| v.to_str().ok().map(str::to_owned))
        .collect()
}

fn sync_to(target: &str) -> String {
    let encoded: String = url::form_urlencoded::byte_serialize(target.as_bytes()).collect();
    format!("/auth?__clerk_redirect_url={encoded}")
}

/// Item 1: on a development primary, a document request naming any `__clerk_redirect_url` was
/// sent there with the visitor's dev-browser token appended.
#[actix_rt::test]
async fn a_sync_redirect_to_an_unknown_origin_is_refused_and_hands_out_no_token() {
    let fx = Fixture::dev();
    let sdk = fx.sdk();
    let app = test::init_service(app(sdk.clone()).wrap(ClerkMiddleware::new(sdk))).await;
    for target in [
        format!("{ATTACKER}/x"),
        // A look-alike of the authorized party, and the party on another port.
        "http://localhost:3000.evil.example/".to_owned(),
        "http://localhost:3001/".to_owned(),
    ] {
        let resp = test::call_service(
            &app,
            document(&sync_to(&target), "__clerk_db_jwt=dvb_victim").to_request(),
        )
        .await;
        assert_eq!(resp.status(), StatusCode::OK, "{target}: no redirect");
        assert_eq!(header(&resp, "location"), None, "{target}");
        for (name, value) in resp.headers() {
            let value = value.to_str().unwrap_or("");
            assert!(
                !value.contains("dvb_victim"),
                "{target}: the token leaked in {name}: {value}"
            );
        }
        let body = body_json(resp).await;
        assert_eq!(body["status"], "signed-out", "{target}");
        assert_eq!(body["reason"], "primary-responds-to-syncing", "{target}");
    }
}

/// Item 1: the satellite sync still works, exactly as Clerk's, towards the satellites' origins
/// (`CLERK_SATELLITE_ORIGINS`) and the application's own (`CLERK_AUTHORIZED_PARTIES`).
#[actix_rt::test]
async fn a_sync_redirect_to_a_known_origin_works_as_clerks() {
    let fx = Fixture::dev();
    let sdk = fx
        .config()
        .satellite_origins([SATELLITE])
        .build()
        .expect("config");
    let app = test::init_service(app(sdk.clone()).wrap(ClerkMiddleware::new(sdk))).await;
    for (target, expected) in [
        (
            format!("{SATELLITE}/page?a=1"),
            format!("{SATELLITE}/page?a=1&__clerk_db_jwt=dvb_victim&__clerk_synced=true"),
        ),
        (
            format!("{ORIGIN}/back"),
            format!("{ORIGIN}/back?__clerk_db_jwt=dvb_victim&__clerk_synced=true"),
        ),
    ] {
        let resp = test::call_service(
            &app,
            document(&sync_to(&target), "__clerk_db_jwt=dvb_victim").to_request(),
        )
        .await;
        assert_eq!(resp.status(), StatusCode::TEMPORARY_REDIRECT, "{target}");
        assert_eq!(header(&resp, "location").as_deref(), Some(expected.as_str()));
        assert_eq!(
            header(&resp, "x-clerk-auth-reason").as_deref(),
            Some("primary-responds-to-syncing")
        );
    }
}

/// A real handshake nonce from the offline Clerk's Frontend API, for a fresh session of the
/// fixture's user (its directives set a new `__session`).
async fn real_nonce(fx: &Fixture) -> String {
    let session = fx.clerk.users().create_session(&fx.user_id).expect("session");
    let token = fx
        .clerk
        .minter()
        .session_token(&fx.user_id)
        .session_id(&session.id)
        .azp(ORIGIN)
        .mint();
    let query: String = url::form_urlencoded::Serializer::new(String::new())
        .append_pair("redirect_url", &format!("{ORIGIN}/auth"))
        .append_pair("format", "nonce")
        .append_pair("suffixed_cookies", "false")
        .append_pair("__session", &token)
        .finish();
    let client = awc::Client::builder().disable_redirects().finish();
    let resp = client
        .get(format!("{}/v1/client/handshake?{query}", fx.clerk.base_url()))
        .send()
        .await
        .expect("the Frontend API answers");
    let location = resp
        .headers()
        .get("location")
        .and_then(|v| v.to_str().ok())
        .expect("a redirect back");
    url::Url::parse(location)
        .expect("absolute")
        .query_pairs()
        .find(|(k, _)| k == "__clerk_handshake_nonce")
        .map(|(_, v)| v.into_owned())
        .expect("a nonce")
}

/// Item 2: 400 requests with distinct, well-formed, made-up nonces from one client (16 in
/// flight), and a browser back from a real handshake in the middle of them.
///
/// The bound: nobody is limited until the sessions share (13 calls per 10 s on a development
/// instance) has spent half its slice, 7 calls; from then on a client with 4 failed lookups in
/// the last minute gets no more. A client has at most 4 lookups in flight, so up to 3 more may
/// have been let through as the share crossed the half: the flood costs at most 10 payload calls,
/// the real handshake 1, and the share still has slots for it.
///
/// A development instance (the setting): its budget is the smallest (90 calls per 10 s),
/// and a resolved handshake answers with a redirect to the clean URL, carrying the cookies.
#[actix_rt::test]
async fn a_flood_of_made_up_nonces_neither_spends_the_budget_nor_breaks_a_real_sign_in() {
    let fx = Fixture::dev();
    let sdk = fx.sdk();
    let app = test::init_service(app(sdk.clone()).wrap(ClerkMiddleware::new(sdk.clone()))).await;
    let attacker: SocketAddr = "203.0.113.9:40000".parse().expect("address");
    let browser: SocketAddr = "198.51.100.7:40000".parse().expect("address");
    let nonce = real_nonce(&fx).await;
    fx.clerk.calls().reset();

    let made_up = |n: usize| {
        // 40 hex digits, as the Frontend API's own nonces, from SplitMix64: distinct and
        // well-formed, so no shape check can tell them from a real one.
        let mix = |x: u64| {
            let x = x.wrapping_add(0x9e37_79b9_7f4a_7c15);
            let x = (x ^ (x >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
            let x = (x ^ (x >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
            x ^ (x >> 31)
        };
        let n = n as u64;
        let nonce = format!(
            "{:016x}{:016x}{:08x}",
            mix(3 * n),
            mix(3 * n + 1),
            mix(3 * n + 2) as u32
        );
        TestRequest::get()
            .uri(&format!("/auth?__clerk_handshake_nonce={nonce}"))
            .peer_addr(attacker)
            .to_request()
    };
    let flood = |range: std::ops::Range<usize>| {
        futures_util::stream::iter(range.map(made_up))
            .map(|req| test::call_service(&app, req))
            .buffer_unordered(16)
            .for_each(|resp| async move { assert_ne!(resp.status(), StatusCode::INTERNAL_SERVER_ERROR) })
    };
    flood(0..200).await;
    let real = TestRequest::get()
        .uri(&format!("/auth?__clerk_handshake_nonce={nonce}"))
        .peer_addr(browser)
        .to_request();
    let (resp, ()) = futures_util::future::join(test::call_service(&app, real), flood(200..400)).await;
    let cookies = set_cookies(&resp);
    assert!(
        cookies.iter().any(|c| c.starts_with("__session=ey")),
        "the real handshake set no session: {cookies:?}"
    );

    let calls = fx.clerk.calls().count("GET", "/v1/clients/handshake_payload");
    assert!(
        calls <= 11,
        "{calls} payload calls for 400 made-up nonces and 1 real one"
    );
    let refused = sdk.stats().session_calls;
    eprintln!("payload calls: {calls}; {refused:?}");
    assert_eq!(refused.client_limited + calls, 401, "{refused:?}");
}

/// Item 3: behind `CLERK_PROXY_URL=/__clerk`, a token whose issuer names another host was
/// accepted when the request claimed that `Host`, and a token believed for the real origin was
/// then accepted from the cache under any `Host`.
#[actix_rt::test]
async fn a_relative_proxy_issuer_is_believed_only_for_known_origins() {
    let fx = Fixture::prod();
    let sdk = fx.config().proxy_url("/__clerk").build().expect("config");
    let app = test::init_service(app(sdk)).await;
    let call = |host: &'static str, token: String| {
        let req = TestRequest::get()
            .uri("/auth")
            .insert_header(("host", host))
            .insert_header(("authorization", format!("Bearer {token}")))
            .to_request();
        test::call_service(&app, req)
    };
    let minted = |iss: &str| {
        fx.clerk
            .minter()
            .session_token(&fx.user_id)
            .azp(ORIGIN)
            .issuer(iss)
            .mint()
    };

    let foreign = minted("http://evil.example/__clerk");
    let body = body_json(call("evil.example", foreign).await).await;
    assert_eq!(
        body["status"], "signed-out",
        "a Host the configuration does not know"
    );

    let own = minted(&format!("{ORIGIN}/__clerk"));
    let body = body_json(call("localhost:3000", own.clone()).await).await;
    assert_eq!(
        body["userId"],
        fx.user_id.as_str(),
        "the application's own origin"
    );
    // Now cached: another Host must not find it there.
    let body = body_json(call("evil.example", own.clone()).await).await;
    assert_eq!(body["status"], "signed-out", "the cache honours the issuer rule");
    let body = body_json(call("localhost:3000", own).await).await;
    assert_eq!(body["userId"], fx.user_id.as_str());
}

/// Item 3, from the review: behind a relative proxy the handshake goes to `{origin}/__clerk`
/// with the request's session token, so it is sent only on a configured origin.
#[actix_rt::test]
async fn a_relative_proxy_handshake_goes_only_to_a_known_origin() {
    let fx = Fixture::prod();
    let sdk = fx.config().proxy_url("/__clerk").build().expect("config");
    let app = test::init_service(app(sdk.clone()).wrap(ClerkMiddleware::new(sdk))).await;
    for (host, redirected) in [("localhost:3000", true), ("evil.example", false)] {
        // A client without a session token: Clerk's handshake reason.
        let req = TestRequest::get()
            .uri("/auth")
            .insert_header(("host", host))
            .insert_header(("sec-fetch-dest", "document"))
            .insert_header(("cookie", "__client_uat=5"))
            .to_request();
        let resp = test::call_service(&app, req).await;
        let location = header(&resp, "location");
        assert_eq!(location.is_some(), redirected, "{host}: {location:?}");
        if let Some(location) = location {
            assert!(
                location.starts_with(&format!("http://{host}/__clerk/")),
                "{location}"
            );
        }
    }
}

/// Item 9: a production handshake whose directives only sign the browser out, on a route whose
/// extractor refuses the request: the middleware and the refusal both applied the outcome, and
/// each cookie was set twice.
#[actix_rt::test]
async fn a_resolved_handshake_sets_each_cookie_once() {
    let fx = Fixture::prod();
    let sdk = fx.sdk();
    let app = test::init_service(app(sdk.clone()).wrap(ClerkMiddleware::new(sdk))).await;
    // A signed-out browser's handshake: the Frontend API leaves only sign-out directives.
    let query: String = url::form_urlencoded::Serializer::new(String::new())
        .append_pair("redirect_url", &format!("{ORIGIN}/private"))
        .append_pair("format", "nonce")
        .append_pair("suffixed_cookies", "false")
        .finish();
    let client = awc::Client::builder().disable_redirects().finish();
    let resp = client
        .get(format!("{}/v1/client/handshake?{query}", fx.clerk.base_url()))
        .send()
        .await
        .expect("the Frontend API answers");
    let location = resp
        .headers()
        .get("location")
        .and_then(|v| v.to_str().ok())
        .expect("a redirect back")
        .to_owned();
    let uri = location.strip_prefix(ORIGIN).expect("back to the app");
    let resp = test::call_service(&app, TestRequest::get().uri(uri).to_request()).await;
    assert_eq!(resp.status(), StatusCode::UNAUTHORIZED);
    let cookies = set_cookies(&resp);
    assert!(
        cookies.iter().any(|c| c.starts_with("__client_uat=0")),
        "{cookies:?}"
    );
    let mut unique = cookies.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(unique.len(), cookies.len(), "a cookie set twice: {cookies:?}");
}
