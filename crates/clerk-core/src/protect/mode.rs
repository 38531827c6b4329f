//! [`ProtectMode`]: how a protect policy answers a request that fails it.

/// How a protect policy ([`ProtectPolicy`](super::ProtectPolicy), clerk-actix's `Protect`)
/// answers a request that fails it.
///
/// [`ProtectPolicy::evaluate`](super::ProtectPolicy::evaluate) shows each mode's answer.
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
