//! [`ClerkAuthConfig`]: per-route options of the auth extractors (app data, as Actix's
//! `JsonConfig` is for `Json`).

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use actix_web::HttpRequest;
use clerk_core::request::RequestOutcome;

use crate::error::AuthError;
use crate::state::{request_state, StateFuture};

/// Options of [`ClerkAuth`](crate::ClerkAuth), [`Authenticated`](crate::Authenticated),
/// [`MaybeAuth`](crate::MaybeAuth), [`CurrentUser`](crate::CurrentUser),
/// [`AnyAuth`](crate::AnyAuth), the [`guards`](crate::guards) and
/// [`AuthExt`](crate::guards::AuthExt) on the routes, resources or scopes it is registered on as
/// app data; elsewhere the configuration's settings apply.
///
/// # Examples
///
/// A route a pending session may use (Clerk's `auth({ treatPendingAsSignedOut: false })`),
/// e.g. to choose the organization its task asks for, while every other route sees a pending
/// session as signed out:
///
/// ```
/// use actix_web::{web, HttpResponse};
/// use clerk_actix::{Authenticated, ClerkAuthConfig};
///
/// let tasks = web::resource("/api/tasks")
///     .app_data(ClerkAuthConfig::default().treat_pending_as_signed_out(false))
///     .route(web::get().to(|auth: Authenticated| async move {
///         HttpResponse::Ok().body(auth.session_id().unwrap_or_default().to_owned())
///     }));
/// # drop(tasks);
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ClerkAuthConfig {
    treat_pending_as_signed_out: Option<bool>,
}

impl ClerkAuthConfig {
    /// Whether the extractors see a pending session (`sts: "pending"`) as signed out; unset:
    /// the configuration's
    /// [`treat_pending_as_signed_out`](crate::ClerkConfig::treat_pending_as_signed_out).
    pub fn treat_pending_as_signed_out(mut self, yes: bool) -> Self {
        self.treat_pending_as_signed_out = Some(yes);
        self
    }

    /// The request's outcome as these options see it.
    pub(crate) fn apply(self, outcome: RequestOutcome) -> RequestOutcome {
        match self.treat_pending_as_signed_out {
            Some(yes) => outcome.treat_pending_as_signed_out(yes),
            None => outcome,
        }
    }
}

/// The request's authentication as the route's [`ClerkAuthConfig`] sees it (the future of the
/// auth extractors; public only as their `Future` type).
pub struct RouteState {
    state: StateFuture,
    config: ClerkAuthConfig,
}

/// [`request_state`] seen through the route's [`ClerkAuthConfig`], if any.
pub(crate) fn route_state(req: &HttpRequest) -> RouteState {
    RouteState {
        state: request_state(req),
        config: req.app_data::<ClerkAuthConfig>().copied().unwrap_or_default(),
    }
}

impl Future for RouteState {
    type Output = Result<RequestOutcome, AuthError>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let config = self.config;
        Pin::new(&mut self.state)
            .poll(cx)
            .map(|state| state.map(|outcome| config.apply(outcome)))
    }
}
