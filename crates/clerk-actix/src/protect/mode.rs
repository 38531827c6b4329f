//! [`ProtectMode`]: how [`crate::Protect`] answers a request that fails its policy.
//!
//! A leaf module of its own, so the configuration can name the default mode without depending
//! on `Protect` (which depends on the [`crate::Clerk`] handle, which holds the configuration).

/// How [`crate::Protect`] answers a request that fails its policy.
///
/// # Examples
///
/// One signed-out `fetch` to the same protected route, answered by each mode:
///
/// ```
/// use actix_web::{test, web, App, HttpResponse};
/// use clerk_actix::{ClerkConfig, ClerkMiddleware, Protect, ProtectMode};
///
/// # actix_web::rt::System::new().block_on(async {
/// let clerk = ClerkConfig::new()
///     .jwt_key_pem(include_str!(concat!(
///         env!("CARGO_MANIFEST_DIR"),
///         "/../clerk-core/tests/fixtures/test_signing_key.public.pem"
///     )))
///     .sign_in_url("https://accounts.example.com/sign-in")
///     .build()?;
/// for (mode, status) in [
///     (ProtectMode::Api, 401),          // JSON 401 (403 when signed in but not allowed)
///     (ProtectMode::NextJsParity, 404), // what Next.js answers a non-page request
///     (ProtectMode::Redirect, 401),     // only page requests are redirected
/// ] {
///     let app = test::init_service(
///         App::new()
///             .service(
///                 web::scope("/admin")
///                     .wrap(Protect::signed_in().role("org:admin").mode(mode))
///                     .route("", web::get().to(HttpResponse::Ok)),
///             )
///             .wrap(ClerkMiddleware::new(clerk.clone())),
///     )
///     .await;
///     let response = test::call_service(&app, test::TestRequest::get().uri("/admin").to_request()).await;
///     assert_eq!(response.status().as_u16(), status, "{mode:?}");
/// }
/// # Ok::<(), clerk_actix::ConfigError>(())
/// # }).unwrap();
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ProtectMode {
    /// 401 when signed out, 403 when not authorised (JSON bodies). The default.
    #[default]
    Api,
    /// 404 for both, as Next.js `auth.protect()` answers non-document requests.
    NextJsParity,
    /// 307 to the sign-in URL (with `redirect_url`) for signed-out document requests; other
    /// requests are answered as in [`ProtectMode::Api`].
    Redirect,
}
