//! Issue 10, item 6: the missing-`azp` warning is Clerk's `warnOnce`: once per process, not once
//! per request (a flood of such cookies must not flood the logs). Alone in its test binary, since
//! "once per process" is the thing under test.

mod common;

use std::sync::{Arc, Mutex};

use actix_web::test::{self, TestRequest};
use clerk_actix::{ClerkConfig, ClerkMiddleware};
use common::*;

const WARNING: &str = "session token from cookie is missing the azp claim";

#[derive(Clone, Default)]
struct Capture(Arc<Mutex<Vec<u8>>>);

impl std::io::Write for Capture {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl Capture {
    fn count(&self, needle: &str) -> usize {
        let buffer = self.0.lock().unwrap_or_else(|p| p.into_inner());
        String::from_utf8_lossy(&buffer).matches(needle).count()
    }
}

#[actix_rt::test]
async fn the_missing_azp_warning_is_logged_once_per_process() {
    // Arrange: every log line of the process goes to `logs`.
    let logs = Capture::default();
    let writer = logs.clone();
    tracing_subscriber::fmt()
        .with_writer(move || writer.clone())
        .with_max_level(tracing::Level::DEBUG)
        .init();
    let fx = Fixture::prod();
    // Without authorized parties, a token without `azp` is accepted (with the warning).
    let sdk = ClerkConfig::new()
        .secret_key(fx.clerk.secret_key())
        .publishable_key(fx.clerk.publishable_key())
        .api_url(fx.clerk.base_url())
        .build()
        .expect("valid configuration");
    let app = test::init_service(app(sdk.clone()).wrap(ClerkMiddleware::new(sdk.clone()))).await;

    // Act: five cookie requests, each with a fresh token without `azp`.
    for _ in 0..5 {
        let token = fx.clerk.minter().session_token(&fx.user_id).mint();
        let req = TestRequest::get()
            .uri("/auth")
            .insert_header(("cookie", format!("__session={token}; __client_uat=1")))
            .to_request();
        let body = body_json(test::call_service(&app, req).await).await;
        assert_eq!(body["signedIn"], true, "{body}");
    }

    // Assert
    assert_eq!(logs.count(WARNING), 1);
}
