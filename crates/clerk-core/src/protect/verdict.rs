//! [`ProtectVerdict`]: a protect policy's answer to one request.

use crate::request::RequestOutcome;
use crate::Reverification;

/// A protect policy's answer to one request ([`ProtectPolicy::evaluate`](super::ProtectPolicy::evaluate)):
/// let it through, or how to refuse it. An adapter maps each refusal to its response.
#[derive(Clone, Debug)]
pub enum ProtectVerdict {
    /// The request passes the policy.
    Allow,
    /// Signed out (a pending session too, when the policy sees it so): 401 with Clerk's debug
    /// headers, from this outcome as the policy saw it.
    Unauthenticated(Box<RequestOutcome>),
    /// A signed-out page request is sent to sign in: 307 to this URL (the adapter's
    /// sign-in redirect URL, `redirect_url` included).
    RedirectToSignIn(String),
    /// 307 to the policy's `unauthenticated_url` or `unauthorized_url`, as given.
    Redirect(String),
    /// The protected resource is hidden: 404 (Next.js `auth.protect()` parity).
    NotFound,
    /// Signed in (or a valid machine token) but not allowed: 403.
    Forbidden,
    /// Signed in but a fresher verification is needed: 403 with Clerk's `reverification-error`.
    ReverificationRequired(Reverification),
}
