//! [`ProtectPolicy`]: what a protected route requires, and Clerk's `auth.protect()` decision
//! over a request's outcome ([`ProtectPolicy::evaluate`]) or a machine token
//! ([`ProtectPolicy::evaluate_machine`]).

use std::sync::Arc;

use super::{ProtectMode, ProtectVerdict};
use crate::machine::MachineIdentity;
use crate::request::RequestOutcome;
use crate::{Auth, Check, Reverification, SessionStatus};

/// A custom requirement (Clerk's `protect((has) => …)`).
pub type Predicate = Arc<dyn Fn(&Auth) -> bool + Send + Sync>;

/// What a protected route requires: signed in, and optionally a role, permission, feature,
/// plan, reverification, custom predicate or machine scopes; how failures are answered (a
/// [`ProtectMode`], `unauthenticated_url`, `unauthorized_url`) and whether a pending session
/// counts as signed out. Built once, applied to every request without allocating.
#[derive(Clone, Default)]
pub struct ProtectPolicy {
    /// Role, permission, feature and plan: refused (per the mode) when it fails.
    check: Check<'static>,
    /// Kept apart from `check`: its failure has its own answer (Clerk's `reverification-error`).
    reverification: Option<Reverification>,
    predicate: Option<Predicate>,
    /// `None`: the default the caller passes (its configuration's).
    mode: Option<ProtectMode>,
    /// Scopes a machine token must carry (a session carries none).
    scopes: Vec<String>,
    /// Where a signed-out request is sent (Clerk's `unauthenticatedUrl`).
    unauthenticated_url: Option<String>,
    /// Where a signed-in session that fails the policy is sent (Clerk's `unauthorizedUrl`).
    unauthorized_url: Option<String>,
    /// `None`: the outcome as authenticated (the configuration's setting).
    treat_pending_as_signed_out: Option<bool>,
}

impl std::fmt::Debug for ProtectPolicy {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ProtectPolicy")
            .field("check", &self.check)
            .field("reverification", &self.reverification)
            .field("predicate", &self.predicate.is_some())
            .field("mode", &self.mode)
            .field("scopes", &self.scopes)
            .field("unauthenticated_url", &self.unauthenticated_url)
            .field("unauthorized_url", &self.unauthorized_url)
            .field("treat_pending_as_signed_out", &self.treat_pending_as_signed_out)
            .finish()
    }
}

impl ProtectPolicy {
    /// Requires a signed-in (and not pending) session.
    pub fn signed_in() -> Self {
        Self::default()
    }

    /// Also requires this organization role (`admin` and `org:admin` are the same).
    pub fn role(mut self, role: impl Into<String>) -> Self {
        self.check = self.check.role(Into::<String>::into(role));
        self
    }

    /// Also requires this organization permission.
    pub fn permission(mut self, permission: impl Into<String>) -> Self {
        self.check = self.check.permission(Into::<String>::into(permission));
        self
    }

    /// Also requires this feature.
    pub fn feature(mut self, feature: impl Into<String>) -> Self {
        self.check = self.check.feature(Into::<String>::into(feature));
        self
    }

    /// Also requires this plan.
    pub fn plan(mut self, plan: impl Into<String>) -> Self {
        self.check = self.check.plan(Into::<String>::into(plan));
        self
    }

    /// Also requires a recent verification.
    pub fn reverification(mut self, level: Reverification) -> Self {
        self.reverification = Some(level);
        self
    }

    /// Also requires `predicate` to hold.
    pub fn check(mut self, predicate: impl Fn(&Auth) -> bool + Send + Sync + 'static) -> Self {
        self.predicate = Some(Arc::new(predicate));
        self
    }

    /// Also requires a machine token granted `scope` (a session has no scopes: it fails this).
    pub fn scope(mut self, scope: impl Into<String>) -> Self {
        self.scopes.push(scope.into());
        self
    }

    /// How failures are answered; unset: the default passed to [`evaluate`](Self::evaluate).
    pub fn mode(mut self, mode: ProtectMode) -> Self {
        self.mode = Some(mode);
        self
    }

    /// A signed-out request gets a 307 to `url`, as given, in every mode.
    pub fn unauthenticated_url(mut self, url: impl Into<String>) -> Self {
        self.unauthenticated_url = Some(url.into());
        self
    }

    /// A signed-in session failing the policy gets a 307 to `url`, as given, in every mode.
    pub fn unauthorized_url(mut self, url: impl Into<String>) -> Self {
        self.unauthorized_url = Some(url.into());
        self
    }

    /// Whether a pending session counts as signed out; unset: as the outcome has it.
    pub fn treat_pending_as_signed_out(mut self, yes: bool) -> Self {
        self.treat_pending_as_signed_out = Some(yes);
        self
    }

    /// Clerk's `auth.protect()` over a session request's outcome.
    ///
    /// `default_mode` answers when the policy sets none; `page` is whether the request is a
    /// document request ([`is_page_request`](crate::request::is_page_request));
    /// `sign_in_redirect` builds the sign-in redirect URL (given whether the session is
    /// pending, which sends it to `/tasks`) and is called only when the mode redirects a
    /// signed-out page request; `None` (no sign-in URL known) answers as if it were not a page.
    ///
    /// Signed out: the policy's `unauthenticated_url`, else per the mode (redirect page
    /// requests, 404 in Next.js parity, else 401). Signed in but failing a role, permission,
    /// feature, plan, predicate or scope (a session has no scopes): the `unauthorized_url`,
    /// else 404 in Next.js parity, else 403. Then reverification: the `unauthorized_url`, else
    /// Clerk's `reverification-error`.
    ///
    /// # Examples
    ///
    /// One signed-out non-page request to a route requiring a role, answered by each mode:
    ///
    /// ```
    /// use clerk_core::protect::{ProtectMode, ProtectPolicy, ProtectVerdict};
    /// use clerk_core::request::{RequestOutcome, RequestReason};
    ///
    /// let outcome = RequestOutcome::signed_out(RequestReason::SessionTokenAndUatMissing, None, None, false);
    /// let to_sign_in = |_pending: bool| Some("https://accounts.example.com/sign-in".to_owned());
    /// for (mode, page, verdict) in [
    ///     (ProtectMode::Api, false, "401"),          // 403 when signed in but not allowed
    ///     (ProtectMode::NextJsParity, false, "404"), // what Next.js answers a non-page request
    ///     (ProtectMode::NextJsParity, true, "307"),
    ///     (ProtectMode::Redirect, false, "401"),     // only page requests are redirected
    ///     (ProtectMode::Redirect, true, "307"),
    /// ] {
    ///     let policy = ProtectPolicy::signed_in().role("org:admin").mode(mode);
    ///     let answer = match policy.evaluate(&outcome, ProtectMode::Api, page, to_sign_in) {
    ///         ProtectVerdict::Unauthenticated(_) => "401",
    ///         ProtectVerdict::NotFound => "404",
    ///         ProtectVerdict::RedirectToSignIn(_) => "307",
    ///         other => panic!("{other:?}"),
    ///     };
    ///     assert_eq!(answer, verdict, "{mode:?}, page: {page}");
    /// }
    /// ```
    pub fn evaluate(
        &self,
        outcome: &RequestOutcome,
        default_mode: ProtectMode,
        page: bool,
        sign_in_redirect: impl FnOnce(bool) -> Option<String>,
    ) -> ProtectVerdict {
        let mode = self.mode.unwrap_or(default_mode);
        let seen;
        let outcome = match self.treat_pending_as_signed_out {
            Some(yes) => {
                seen = outcome.treat_pending_as_signed_out(yes);
                &seen
            }
            None => outcome,
        };
        let auth = outcome.auth();
        if !auth.is_authenticated() {
            if let Some(url) = &self.unauthenticated_url {
                return ProtectVerdict::Redirect(url.clone());
            }
            let redirects = matches!(mode, ProtectMode::Redirect | ProtectMode::NextJsParity);
            let pending = auth.session_status() == Some(&SessionStatus::Pending);
            return match (
                mode,
                (redirects && page).then(|| sign_in_redirect(pending)).flatten(),
            ) {
                (_, Some(location)) => ProtectVerdict::RedirectToSignIn(location),
                (ProtectMode::NextJsParity, None) => ProtectVerdict::NotFound,
                _ => ProtectVerdict::Unauthenticated(Box::new(outcome.clone())),
            };
        }
        let authorised = (self.check.is_empty() || auth.has(&self.check))
            && self.predicate.as_ref().is_none_or(|p| p(auth))
            && self.scopes.is_empty();
        let unauthorized_url = || self.unauthorized_url.clone().map(ProtectVerdict::Redirect);
        if !authorised {
            return unauthorized_url().unwrap_or(match mode {
                ProtectMode::NextJsParity => ProtectVerdict::NotFound,
                _ => ProtectVerdict::Forbidden,
            });
        }
        if let Some(level) = self.reverification {
            if !auth.has(&Check::new().reverification(level)) {
                return unauthorized_url().unwrap_or(ProtectVerdict::ReverificationRequired(level));
            }
        }
        ProtectVerdict::Allow
    }

    /// The policy over a verified machine token: only scopes can hold (everything that goes
    /// through `has()` fails closed, as Clerk's machine `has()` does). A refusal is
    /// [`Forbidden`](ProtectVerdict::Forbidden) in every mode: Next.js `auth.protect()` has no
    /// authorization for machines (it lets any authenticated one through), so there is no
    /// answer of Clerk's to copy, and the token itself is valid (RFC 6750 `insufficient_scope`).
    pub fn evaluate_machine(&self, identity: &MachineIdentity) -> ProtectVerdict {
        let authorised = self.check.is_empty()
            && self.predicate.is_none()
            && self.reverification.is_none()
            && self.scopes.iter().all(|scope| identity.has_scope(scope));
        if authorised {
            ProtectVerdict::Allow
        } else {
            ProtectVerdict::Forbidden
        }
    }
}
