//! The official Clerk browser packages served by the emulator (`/npm/@clerk/…/dist/…`), from the
//! directory `scripts/clerk-js.sh` unpacks the pinned versions into. Issue 23.

use std::path::PathBuf;

use clerk_testkit::{
    npm::pinned_npm_package, npm::CLERK_JS_PACKAGE, npm::CLERK_UI_PACKAGE, npm::NPM_DIR_ENV, TestClerk,
};

/// Where `scripts/clerk-js.sh` unpacks the packages: `CLERK_TESTKIT_NPM_DIR`, else
/// `target/clerk-npm` of this workspace (as the script does).
fn npm_dir() -> PathBuf {
    std::env::var_os(NPM_DIR_ENV).map_or_else(
        || PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../target/clerk-npm"),
        PathBuf::from,
    )
}

/// The emulator serving the unpacked packages; fails naming the package that is missing.
fn serving() -> TestClerk {
    TestClerk::builder()
        .npm_dir(npm_dir())
        .start()
        .unwrap_or_else(|err| panic!("{err}"))
}

/// `GET {base}{path}` without credentials: status, content type, body.
async fn get(clerk: &TestClerk, path: &str) -> (u16, String, Vec<u8>) {
    let mut res = awc::Client::default()
        .get(format!("{}{path}", clerk.base_url()))
        .send()
        .await
        .expect("sent");
    let content_type = res
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    let body = res.body().limit(8 << 20).await.expect("body");
    (res.status().as_u16(), content_type, body.to_vec())
}

#[actix_rt::test]
async fn the_pinned_packages_are_served_by_major_and_exact_version_without_a_secret_key() {
    let clerk = serving();
    let js = pinned_npm_package(CLERK_JS_PACKAGE).expect("pinned");
    let ui = pinned_npm_package(CLERK_UI_PACKAGE).expect("pinned");
    let dist = |package: &clerk_testkit::npm::NpmPackage, file: &str| {
        std::fs::read(package.dir(&npm_dir()).join("dist").join(file)).expect("unpacked")
    };

    let url = clerk
        .npm_url(CLERK_JS_PACKAGE, "clerk.browser.js")
        .expect("pinned");
    assert_eq!(
        url,
        format!("{}/npm/@clerk/clerk-js@6/dist/clerk.browser.js", clerk.base_url())
    );
    let (status, content_type, body) = get(&clerk, "/npm/@clerk/clerk-js@6/dist/clerk.browser.js").await;
    assert_eq!(status, 200);
    assert_eq!(content_type, "text/javascript; charset=utf-8");
    assert!(body == dist(&js, "clerk.browser.js"), "the file as unpacked");

    // A lazy chunk, from the exact-version path clerk-js rewrites its public path to.
    let chunk = std::fs::read_dir(js.dir(&npm_dir()).join("dist"))
        .expect("dist")
        .filter_map(|e| e.ok()?.file_name().into_string().ok())
        .find(|name| name.starts_with("vendors_clerk.browser_"))
        .expect("a vendors chunk");
    let (status, _, body) = get(&clerk, &format!("/npm/@clerk/clerk-js@6.40.0/dist/{chunk}")).await;
    assert_eq!(status, 200, "{chunk}");
    assert!(body == dist(&js, &chunk));

    for path in [
        "/npm/@clerk/ui@1/dist/ui.browser.js",
        "/npm/@clerk/ui@1.36.0/dist/ui.browser.js",
    ] {
        let (status, content_type, body) = get(&clerk, path).await;
        assert_eq!(status, 200, "{path}");
        assert_eq!(content_type, "text/javascript; charset=utf-8");
        assert!(body == dist(&ui, "ui.browser.js"), "{path}");
    }
}

#[actix_rt::test]
async fn nothing_else_is_served_under_npm() {
    let clerk = serving();
    for path in [
        "/npm/@clerk/clerk-js@5/dist/clerk.browser.js",
        "/npm/@clerk/clerk-js@6.39.0/dist/clerk.browser.js",
        "/npm/@clerk/clerk-react@6/dist/clerk.browser.js",
        "/npm/@clerk/clerk-js@6/dist/..%2Fpackage.json",
        "/npm/@clerk/clerk-js@6/dist/%2E%2E%2Fpackage.json",
        "/npm/@clerk/clerk-js@6/dist/nope.js",
        "/npm/@clerk/clerk-js@6/dist/.hidden",
    ] {
        let (status, _, body) = get(&clerk, path).await;
        assert_eq!(status, 404, "{path}: {}", String::from_utf8_lossy(&body));
    }
    // Paths the route does not match are no browser route: the gate asks for the secret key.
    for path in [
        "/npm/@clerk/clerk-js@6/dist/../package.json",
        "/npm/@clerk/clerk-js@6/dist/types/index.d.ts",
        "/npm/@clerk/clerk-js@6/package.json",
    ] {
        let (status, _, body) = get(&clerk, path).await;
        assert_eq!(status, 401, "{path}: {}", String::from_utf8_lossy(&body));
    }
    // Without a directory nothing is served.
    let bare = TestClerk::start().expect("emulator");
    let (status, _, _) = get(&bare, "/npm/@clerk/clerk-js@6/dist/clerk.browser.js").await;
    assert_eq!(status, 404);
}

#[test]
fn a_missing_package_is_named_when_the_emulator_starts() {
    let empty = std::env::temp_dir().join(format!("clerk-npm-empty-{}", std::process::id()));
    std::fs::create_dir_all(&empty).expect("dir");
    let Err(err) = TestClerk::builder().npm_dir(&empty).start() else {
        panic!("started without the packages");
    };
    let message = err.to_string();
    assert!(message.contains("@clerk/clerk-js@6.40.0"), "{message}");
    assert!(message.contains("scripts/clerk-js.sh"), "{message}");
    let _ = std::fs::remove_dir(&empty);
}
