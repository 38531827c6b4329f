//! [`ProtectMode`]: how [`crate::Protect`] answers a request that fails its policy.
//!
//! A leaf module of its own, so the configuration can name the default mode without depending
//! on `Protect` (which depends on the [`crate::Clerk`] handle, which holds the configuration).

/// How [`crate::Protect`] answers a request that fails its policy.
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
