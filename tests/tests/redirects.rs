//! Issue 24: the example app's pages that send a signed-out visitor to sign in
//! (`ClerkAuth::redirect_to_sign_in`) answer, over HTTP, Clerk's own URL: the production
//! instance's Account Portal sign-in page with `redirect_url` set to the page asked for (`/tasks`
//! under it for a pending session), in a 307 marked `x-clerk-redirect-to: true` as
//! `clerkMiddleware` marks it.

use e2e::{spawn_app, ORIGIN};

/// `redirect_url` as Clerk's `URLSearchParams` writes it.
fn encoded(url: &str) -> String {
    url::form_urlencoded::byte_serialize(url.as_bytes()).collect()
}

#[actix_rt::test]
async fn pages_send_signed_out_visitors_to_clerks_sign_in_page() {
    let app = spawn_app().await;
    // A production instance's Frontend API is `clerk.{domain}`; its Account Portal
    // `accounts.{domain}`.
    let frontend_api = app.clerk.issuer().trim_start_matches("https://");
    let domain = frontend_api
        .strip_prefix("clerk.")
        .expect("a production Frontend API host");
    let sign_in = format!("https://accounts.{domain}/sign-in");
    let pending = app
        .clerk
        .minter()
        .session_token(&app.user_id)
        .azp(ORIGIN)
        .status(Some("pending"))
        .mint();
    for path in ["/profile", "/client?tab=tokens"] {
        let back = encoded(&format!("{}{path}", app.address));
        let reply = app.get(path, None, &[]).await;
        assert_eq!(reply.status, 307, "{path}: {}", reply.body);
        assert_eq!(
            reply.header("location"),
            Some(format!("{sign_in}?redirect_url={back}").as_str()),
            "{path}"
        );
        assert_eq!(reply.header("x-clerk-redirect-to"), Some("true"), "{path}");
        assert_eq!(reply.header("cache-control"), Some("private, no-store"), "{path}");

        // A pending session is signed out for these pages, and goes to its tasks.
        let reply = app.get(path, Some(&pending), &[]).await;
        assert_eq!(reply.status, 307, "{path}: {}", reply.body);
        assert_eq!(
            reply.header("location"),
            Some(format!("{sign_in}/tasks?redirect_url={back}").as_str()),
            "{path} (pending)"
        );
        assert_eq!(reply.header("x-clerk-redirect-to"), Some("true"), "{path}");

        // Signed in: the page.
        let reply = app.get(path, Some(&app.token()), &[]).await;
        assert_eq!(reply.status, 200, "{path}");
        assert_eq!(reply.header("x-clerk-redirect-to"), None, "{path}");
    }
}

// Issue 24, part 1: the example app's `/admin` is behind `Protect` with Clerk's per-route options:
// signed out → `unauthenticated_url`, signed in without the role → `unauthorized_url`, both
// marked as `clerkMiddleware`'s redirects; an admin of the active organization gets the page.
#[actix_rt::test]
async fn the_admin_page_uses_protects_per_route_urls() {
    let app = spawn_app().await;
    let reply = app.get("/admin", None, &[]).await;
    assert_eq!(reply.status, 307, "{}", reply.body);
    assert_eq!(reply.header("location"), Some("/sign-in"));
    assert_eq!(reply.header("x-clerk-redirect-to"), Some("true"));

    let reply = app.get("/admin", Some(&app.token()), &[]).await;
    assert_eq!(
        reply.status, 307,
        "a signed-in user without an organization: {}",
        reply.body
    );
    assert_eq!(reply.header("location"), Some("/"));
    assert_eq!(reply.header("x-clerk-redirect-to"), Some("true"));

    let member = app
        .clerk
        .minter()
        .session_token(&app.user_id)
        .azp(ORIGIN)
        .org(clerk_testkit::instance::OrgClaim::new("org_1").role("member"))
        .mint();
    let reply = app.get("/admin", Some(&member), &[]).await;
    assert_eq!(reply.status, 307, "a member: {}", reply.body);
    assert_eq!(reply.header("location"), Some("/"));

    let admin = app
        .clerk
        .minter()
        .session_token(&app.user_id)
        .azp(ORIGIN)
        .org(clerk_testkit::instance::OrgClaim::new("org_1").role("admin"))
        .mint();
    let reply = app.get("/admin", Some(&admin), &[]).await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    assert!(reply.body.contains("You administer org_1"), "{}", reply.body);
}
