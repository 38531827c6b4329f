//! The Content Security Policy against Clerk's own (issue 24 §3): the same options through
//! `@clerk/nextjs` 7.9.17's `clerkMiddleware({ contentSecurityPolicy })` (run in Node with its peer
//! dependency `next`, `parity/nextjs/csp.mjs`) and through [`ClerkCsp`] on an Actix app, for
//! development and production keys, strict or not, the application's directives (merged into
//! Clerk's, new ones, keywords quoted or not, `none`), report-only and `report-to`.
//!
//! Masked: the random nonce (`'nonce-…'` in `script-src`: both must be 16 bytes, base64), and
//! Clerk's `NODE_ENV`-dependent `'unsafe-eval'` (Node runs with `NODE_ENV=production`, where
//! Clerk does not add it; ours never does). The deliberate differences are asserted one by one:
//! - a proxy URL on another origin: ours adds its origin to `connect-src` (Clerk's leaves it out,
//!   so clerk-js's calls through the proxy would be blocked);
//! - Clerk also sends the nonce as an `x-nonce` response header; ours hands it to handlers with
//!   the [`CspNonce`] extractor and sends no such header.
//!
//! `parity/nextjs/node_modules` is installed with `npm ci --omit=optional` (the optional native
//! packages of `next` are not needed) when missing; the test fails, never skips, without Node.

mod node;

use std::path::Path;
use std::time::Duration;

use actix_web::{test, web, App, HttpResponse};
use base64::Engine as _;
use clerk_actix::{ClerkConfig, ClerkCsp, CspNonce};
use clerk_core::csp::CspOptions;
use serde_json::{json, Map, Value};

/// `happy-hippo-42.clerk.accounts.dev` (development).
const DEV_KEY: &str = "pk_test_aGFwcHktaGlwcG8tNDIuY2xlcmsuYWNjb3VudHMuZGV2JA";
/// `clerk.example.com` (production).
const LIVE_KEY: &str = "pk_live_Y2xlcmsuZXhhbXBsZS5jb20k";
const PAGE: &str = "http://app.example.com/";
const CROSS_ORIGIN_PROXY: &str = "https://proxy.example.org/__clerk";
/// The `@clerk/nextjs` version `parity/nextjs` pins.
const CLERK_NEXTJS_VERSION: &str = "7.9.17";

/// The headers of one answer, CSP only, the nonce masked; and the nonce.
#[derive(Debug, PartialEq)]
struct Answer {
    headers: Vec<(String, String)>,
    nonce: Option<String>,
}

fn cases() -> Vec<(&'static str, Option<&'static str>, Value)> {
    let own = json!({
        "img-src": ["data:", "'self'", "https://img.clerk.com"],
        "frame-ancestors": ["none"],
        "script-src": ["https://cdn.example.com", "unsafe-eval", "'nonce-fixed'"],
        "font-src": ["self", "https://fonts.example.com"],
        "upgrade-insecure-requests": [],
    });
    vec![
        (DEV_KEY, None, json!({})),
        (LIVE_KEY, None, json!({})),
        (LIVE_KEY, None, json!({ "strict": true })),
        (DEV_KEY, None, json!({ "strict": true, "directives": own })),
        (LIVE_KEY, None, json!({ "directives": own })),
        (
            LIVE_KEY,
            None,
            json!({ "strict": true, "directives": { "script-src": ["'none'"], "connect-src": ["wss://ws.example.com"] } }),
        ),
        (
            LIVE_KEY,
            None,
            json!({ "directives": { "default-src": ["none"], "sandbox": ["allow-scripts", "allow-forms"] } }),
        ),
        (
            DEV_KEY,
            None,
            json!({ "reportOnly": true, "reportTo": "https://reports.example.com/csp" }),
        ),
        (
            LIVE_KEY,
            None,
            json!({ "strict": true, "reportTo": "https://reports.example.com/csp" }),
        ),
        // A proxy on the page's own origin, or a path: 'self' covers it, as in Clerk's.
        (LIVE_KEY, Some("/__clerk"), json!({ "strict": true })),
        (LIVE_KEY, Some("http://app.example.com/__clerk"), json!({})),
        // The deliberate difference.
        (LIVE_KEY, Some(CROSS_ORIGIN_PROXY), json!({ "strict": true })),
        (
            DEV_KEY,
            Some(CROSS_ORIGIN_PROXY),
            json!({ "directives": { "connect-src": ["https://api.example.com"] } }),
        ),
    ]
}

/// The options of a case as `CspOptions`.
fn options(csp: &Value) -> CspOptions {
    let mut options = CspOptions::new()
        .strict(csp["strict"].as_bool().unwrap_or(false))
        .report_only(csp["reportOnly"].as_bool().unwrap_or(false));
    if let Some(url) = csp["reportTo"].as_str() {
        options = options.report_to(url);
    }
    for (name, values) in csp["directives"].as_object().unwrap_or(&Map::new()) {
        let values = values
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_str().unwrap().to_owned());
        options = options.directive(name.clone(), values);
    }
    options
}

/// `'nonce-<nonce>'` masked, after checking the nonce is 16 bytes of base64.
fn mask(headers: &mut [(String, String)], nonce: Option<&str>) {
    let Some(nonce) = nonce else { return };
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(nonce)
        .unwrap_or_else(|err| panic!("nonce {nonce} is not base64: {err}"));
    assert_eq!(bytes.len(), 16, "nonce {nonce}");
    for (_, value) in headers.iter_mut() {
        *value = value.replace(&format!("'nonce-{nonce}'"), "'nonce-MASKED'");
    }
}

fn clerks_answers(root: &Path) -> Vec<Answer> {
    let lines: Vec<Value> = cases()
        .into_iter()
        .enumerate()
        .map(|(id, (key, proxy, csp))| {
            json!({ "id": id, "publishableKey": key, "proxyUrl": proxy, "url": PAGE, "contentSecurityPolicy": csp })
        })
        .collect();
    let answers = node::run_batch(root, "parity/nextjs/csp.mjs", &lines, Duration::from_secs(120));
    answers
        .into_iter()
        .map(|answer| {
            assert_eq!(answer["status"], 200, "{answer}");
            let mut headers: Vec<(String, String)> = answer["headers"]
                .as_object()
                .unwrap()
                .iter()
                .map(|(name, value)| (name.clone(), value.as_str().unwrap().to_owned()))
                .collect();
            let nonce = headers
                .iter()
                .position(|(name, _)| name == "x-nonce")
                .map(|at| headers.remove(at).1);
            mask(&mut headers, nonce.as_deref());
            Answer { headers, nonce }
        })
        .collect()
}

async fn our_answer(key: &str, proxy: Option<&str>, csp: &Value) -> Answer {
    // A secret key of the key's kind (Clerk's middleware in Node has one too); no request
    // reaches Clerk.
    let secret = if key == DEV_KEY {
        "sk_test_cspParity"
    } else {
        "sk_live_cspParity"
    };
    let mut config = ClerkConfig::new()
        .secret_key(secret)
        .publishable_key(key)
        .authorized_parties(["http://app.example.com"]);
    if let Some(proxy) = proxy {
        config = config.proxy_url(proxy);
    }
    let clerk = config.build().expect("clerk");
    let strict = csp["strict"].as_bool().unwrap_or(false);
    let app = test::init_service(
        App::new()
            .route(
                "/",
                web::get().to(|nonce: Option<CspNonce>| async move {
                    HttpResponse::Ok().body(nonce.map(|n| n.as_str().to_owned()).unwrap_or_default())
                }),
            )
            .wrap(ClerkCsp::new(clerk, options(csp)).expect("a valid policy")),
    )
    .await;
    let req = test::TestRequest::get()
        .uri("/")
        .insert_header(("host", "app.example.com"))
        .to_request();
    let response = test::call_service(&app, req).await;
    assert_eq!(response.status(), 200);
    let mut headers: Vec<(String, String)> = response
        .headers()
        .iter()
        .filter(|(name, _)| name.as_str() != "content-length" && name.as_str() != "content-type")
        .map(|(name, value)| (name.as_str().to_owned(), value.to_str().unwrap().to_owned()))
        .collect();
    headers.sort();
    let body = test::read_body(response).await;
    let nonce = String::from_utf8(body.to_vec()).unwrap();
    let nonce = (!nonce.is_empty()).then_some(nonce);
    assert_eq!(nonce.is_some(), strict, "a nonce exactly in strict mode");
    mask(&mut headers, nonce.as_deref());
    Answer { headers, nonce }
}

#[actix_web::test]
async fn the_policy_is_clerks_but_for_a_cross_origin_proxy() {
    let root = node::workspace_root();
    node::ensure_installed(
        &root,
        "parity/nextjs",
        "@clerk/nextjs",
        CLERK_NEXTJS_VERSION,
        &["--omit=optional"],
    );
    let clerks = clerks_answers(&root);
    let mut differences = 0;
    for ((key, proxy, csp), clerk) in cases().into_iter().zip(clerks) {
        let mut ours = our_answer(key, proxy, &csp).await;
        let mut expected = clerk.headers.clone();
        expected.sort();
        if proxy == Some(CROSS_ORIGIN_PROXY) {
            // Ours: the proxy's origin in connect-src, right after the Frontend API host.
            let host = if key == DEV_KEY {
                "happy-hippo-42.clerk.accounts.dev"
            } else {
                "clerk.example.com"
            };
            let policy = &mut expected
                .iter_mut()
                .find(|(name, _)| name == "content-security-policy")
                .unwrap()
                .1;
            assert!(policy.starts_with("connect-src "), "{policy}");
            *policy = policy.replacen(
                &format!(" {host}"),
                &format!(" {host} https://proxy.example.org"),
                1,
            );
            differences += 1;
        }
        assert_eq!(
            ours.headers, expected,
            "case {key} proxy {proxy:?} {csp}: ours (left) differs from Clerk's (right)"
        );
        // Clerk's nonce is its own random one: a nonce in the same cases, never the same value.
        assert_eq!(ours.nonce.is_some(), clerk.nonce.is_some(), "{csp}");
        if let (Some(ours), Some(clerks)) = (ours.nonce.take(), clerk.nonce) {
            assert_ne!(ours, clerks);
        }
    }
    assert_eq!(differences, 2, "both cross-origin proxy cases ran");
}
