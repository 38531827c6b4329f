//! Issue 24: `redirectToSignIn` / `redirectToSignUp` build Clerk's URLs. Each case runs twice:
//! through our configuration, the `Clerk` handle and clerk-core
//! (`Clerk::sign_in_url_for` / `sign_up_url_for` on an Actix request), and through
//! `@clerk/backend` 3.25.0's own `createRedirect` in Node on the same inputs
//! (`node parity/redirect.mjs`): the sign-in and sign-up URL (configured or the Account
//! Portal's), `redirect_url` (this request's URL, another URL, relative ones, none), `/tasks` for
//! a pending session, the dev browser on a cross-origin page of a development instance, and a
//! satellite's sync. The URLs must be equal, byte for byte.

mod node;

use std::time::Duration;

use actix_web::test::TestRequest;
use base64::Engine as _;
use clerk_actix::ClerkConfig;
use clerk_core::request::ReturnBackUrl;
use serde_json::{json, Value};

const JWT_KEY: &str = include_str!(concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../clerk-core/tests/fixtures/test_signing_key.public.pem"
));
const DEV_BROWSER: &str = "dvb_2abcDEF";
const REQUEST: &str = "/dashboard/reports?tab=1&q=a%20b";

fn key(prefix: &str, host: &str) -> String {
    let encoded = base64::engine::general_purpose::STANDARD.encode(format!("{host}$"));
    format!("{prefix}{encoded}")
}

#[derive(Clone, Copy)]
struct Setup {
    dev: bool,
    sign_in: Option<&'static str>,
    sign_up: Option<&'static str>,
    satellite: bool,
}

fn config(setup: Setup) -> ClerkConfig {
    let pk = if setup.dev {
        key("pk_test_", "happy-hippo-42.clerk.accounts.dev")
    } else {
        key("pk_live_", "clerk.example.com")
    };
    let mut config = ClerkConfig::new().publishable_key(pk).jwt_key_pem(JWT_KEY);
    if let Some(url) = setup.sign_in {
        config = config.sign_in_url(url);
    }
    if let Some(url) = setup.sign_up {
        config = config.sign_up_url(url);
    }
    if setup.satellite {
        config = config.satellite(true).domain("sat.example.org");
    }
    config
}

#[test]
fn redirects_are_what_create_redirect_builds() {
    let root = node::workspace_root();
    node::ensure_node_modules(&root);

    let mut setups = Vec::new();
    for dev in [true, false] {
        for sign_in in [
            None,
            Some("/sign-in"),
            Some("http://localhost:3000/login"),
            Some("https://accounts.example.com/sign-in"),
        ] {
            for sign_up in [
                None,
                Some("/sign-up"),
                Some("https://accounts.example.com/sign-up"),
            ] {
                setups.push(Setup {
                    dev,
                    sign_in,
                    sign_up,
                    satellite: false,
                });
            }
        }
        // A satellite signs in on its primary domain (an absolute sign-in URL).
        for sign_in in [
            "https://primary.example.com/sign-in",
            "http://localhost:3000/sign-in",
        ] {
            setups.push(Setup {
                dev,
                sign_in: Some(sign_in),
                sign_up: None,
                satellite: true,
            });
        }
    }
    let returns: [(ReturnBackUrl<'static>, Value); 6] = [
        (ReturnBackUrl::ThisRequest, Value::Null),
        (ReturnBackUrl::Url(""), json!("")),
        (ReturnBackUrl::Url("/after?x=1"), json!("/after?x=1")),
        (ReturnBackUrl::Url("next"), json!("next")),
        (
            ReturnBackUrl::Url("https://other.example.net/x?__clerk_synced=true"),
            json!("https://other.example.net/x?__clerk_synced=true"),
        ),
        (ReturnBackUrl::Omitted, json!(null)),
    ];

    let mut lines = Vec::new();
    let mut ours = Vec::new();
    for setup in &setups {
        let clerk = config(*setup).build().expect("valid configuration");
        let req = TestRequest::get()
            .uri(REQUEST)
            .insert_header(("Host", "localhost:3000"))
            .insert_header(("Cookie", format!("__clerk_db_jwt={DEV_BROWSER}")))
            .to_http_request();
        for (page, pending) in [
            ("sign-in", false),
            ("sign-up", false),
            ("sign-in", true),
            ("sign-up", true),
        ] {
            for (index, (return_back, given)) in returns.iter().enumerate() {
                let url = match page {
                    "sign-in" => clerk.sign_in_url_for(&req, *return_back, pending),
                    _ => clerk.sign_up_url_for(&req, *return_back, pending),
                };
                let mut line = json!({
                    "id": lines.len(),
                    "page": page,
                    "baseUrl": format!("http://localhost:3000{REQUEST}"),
                    "signInUrl": setup.sign_in.unwrap_or(""),
                    "signUpUrl": setup.sign_up.unwrap_or(""),
                    "publishableKey": clerk.config().publishable_key().map(|k| k.as_str().to_owned()),
                    "sessionStatus": if pending { "pending" } else { "active" },
                    "isSatellite": setup.satellite,
                    "devBrowserToken": DEV_BROWSER,
                });
                // `ThisRequest` is Next.js's `redirectToSignIn()` with no `returnBackUrl`.
                if index != 0 {
                    line["returnBackUrl"] = given.clone();
                }
                ours.push((
                    format!(
                        "{page} pending={pending} return={return_back:?} dev={} sign_in={:?} sign_up={:?} satellite={}",
                        setup.dev, setup.sign_in, setup.sign_up, setup.satellite
                    ),
                    url,
                ));
                lines.push(line);
            }
        }
    }
    let answers = node::run_batch(&root, "parity/redirect.mjs", &lines, Duration::from_secs(60));
    // Both sides failing is no agreement: every case must get Clerk's answer (review finding 5).
    assert_eq!(answers.len(), ours.len(), "one Clerk answer per case");
    let failed: Vec<String> = ours
        .iter()
        .zip(&answers)
        .filter(|(_, answer)| !answer["error"].is_null())
        .map(|((case, _), answer)| format!("{case}\n  Clerk: {}", answer["error"]))
        .collect();
    assert!(
        failed.is_empty(),
        "Clerk's side failed on {} cases:\n{}",
        failed.len(),
        failed.join("\n")
    );
    let mut mismatches = Vec::new();
    for ((case, url), answer) in ours.iter().zip(&answers) {
        let theirs = answer["url"].as_str();
        if url.as_deref() != theirs {
            mismatches.push(format!("{case}\n  ours:  {url:?}\n  Clerk: {answer}"));
        }
    }
    assert!(
        mismatches.is_empty(),
        "{} of {} cases differ:\n{}",
        mismatches.len(),
        ours.len(),
        mismatches.join("\n")
    );
    // The corpus reaches every rule.
    let urls: Vec<&str> = ours.iter().filter_map(|(_, url)| url.as_deref()).collect();
    for needle in [
        "/tasks",
        "/create",
        "accounts.dev/sign-up",
        "__clerk_db_jwt=",
        "__clerk_synced%3Dfalse",
        "redirect_url=http%3A%2F%2Flocalhost%3A3000%2Fdashboard%2Fnext",
    ] {
        assert!(
            urls.iter().any(|url| url.contains(needle)),
            "no case shows {needle}"
        );
    }
    assert!(
        urls.iter().any(|url| !url.contains("redirect_url")),
        "no case omits redirect_url"
    );
}
