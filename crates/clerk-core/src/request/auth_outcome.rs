//! The whole of Clerk's `authenticateRequest`, `acceptsToken` included (docs/clerk-behaviour.md
//! §3, §10): one entry point, [`RequestAuthenticator::authenticate_request`], that reads the
//! request's `Authorization` token once and returns one [`AuthOutcome`], and the per-request
//! [`RequestMemo`] that makes every asker of one request see the same answer.

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::OnceCell;

use super::backend::{MachineBackend, SessionBackend};
use super::outcome::RequestOutcome;
use super::parts::RequestParts;
use super::RequestAuthenticator;
use crate::machine::{AcceptsToken, MachineIdentity, MachineMemo, MachineRefusal, MachineVerifier};
use crate::verify::KeyResolver;

/// What Clerk's `authenticateRequest` makes of a request on a route accepting some tokens.
///
/// The reported-type rule (a refusal names the token's type, a JWT-shaped token that does not
/// decode being reported as an M2M token) and the remembered-JWT rule (a machine JWT verified
/// before is that machine, without decoding it again) are applied before it is built.
#[derive(Debug, Clone)]
pub enum AuthOutcome {
    /// Clerk's session flow decided (the header token as a session token, or the cookies):
    /// signed in, signed out or a handshake.
    Session(RequestOutcome),
    /// A verified machine token of a type the route accepts.
    Machine(Arc<MachineIdentity>),
    /// Signed out with Clerk's machine reason.
    Refused(MachineRefusal),
    /// The machine token could not be verified now: the Backend API's rate limit (or the
    /// adapter's budget for machine tokens) is spent. Not Clerk's (Clerk's SDK would report an
    /// error); a framework adapter answers 503 with `Retry-After`.
    Unavailable {
        /// When to try again.
        retry_after: Duration,
    },
}

/// One request's answers, each computed at most once whatever asks: the session flow's outcome
/// and the machine token's verification. Create one per request (or with
/// [`RequestMemo::with_session`] when the session flow already ran) and pass it to every
/// [`RequestAuthenticator::authenticate_request`] of that request.
#[derive(Debug, Default)]
pub struct RequestMemo {
    session: OnceCell<RequestOutcome>,
    machine: MachineMemo,
}

impl RequestMemo {
    /// An empty memo, for a new request.
    pub fn new() -> Self {
        Self::default()
    }

    /// A memo whose session outcome is known already (a middleware ran the session flow).
    pub fn with_session(outcome: RequestOutcome) -> Self {
        Self {
            session: OnceCell::new_with(Some(outcome)),
            machine: MachineMemo::new(),
        }
    }

    /// The session flow's outcome, when it ran.
    pub fn session(&self) -> Option<&RequestOutcome> {
        self.session.get()
    }

    /// The session flow's outcome, running `flow` when nothing ran it yet (concurrent askers wait
    /// for the same run).
    pub async fn session_or_run<F, Fut>(&self, flow: F) -> &RequestOutcome
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = RequestOutcome>,
    {
        self.session.get_or_init(flow).await
    }
}

impl RequestAuthenticator {
    /// Clerk's `authenticateRequest` for a route accepting `accepts`: reads the request's
    /// `Authorization` token once; a machine token the route accepts is verified by `machine`
    /// (with `keys`, or through `backend` for opaque tokens), once per `memo`; otherwise the
    /// session flow ([`authenticate_with`](Self::authenticate_with)) decides, once per `memo`.
    /// Never fails: every problem is an outcome.
    pub async fn authenticate_request<K: KeyResolver, B: SessionBackend + MachineBackend>(
        &self,
        machine: &MachineVerifier,
        accepts: AcceptsToken,
        parts: &RequestParts<'_>,
        memo: &RequestMemo,
        keys: &K,
        backend: &B,
    ) -> AuthOutcome {
        let facts = self.read(parts);
        let token = facts.header_token.as_deref();
        if let Some(outcome) = machine
            .decide(accepts, token, &memo.machine, keys, backend, parts.now)
            .await
        {
            return outcome;
        }
        let session = memo
            .session_or_run(|| self.authenticate_facts(&facts, keys, backend))
            .await;
        AuthOutcome::Session(session.clone())
    }
}
