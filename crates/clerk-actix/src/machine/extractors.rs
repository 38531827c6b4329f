//! The extractors of routes that accept machine tokens: [`MachineAuth`] (machines only) and
//! [`AnyAuth`] (a session or a machine).

use std::fmt;
use std::ops::Deref;
use std::sync::Arc;

use actix_web::dev::Payload;
use actix_web::{FromRequest, HttpRequest};
use clerk_core::machine::{AcceptsToken, MachineRefusal, TokenType};
use clerk_core::request::AuthOutcome;
use futures_util::future::LocalBoxFuture;

use super::accepted::{decide, declared, refusal_error};
use crate::auth_config::ClerkAuthConfig;
use crate::error::AuthError;
use crate::extractors::{require_signed_in, Authenticated};

/// A verified machine token: an M2M token, an API key or an OAuth access token, opaque or JWT.
/// Anything else (a session, no token, a token that does not verify) is refused: 401 with
/// `WWW-Authenticate: Bearer` and Clerk's debug headers (`x-clerk-auth-reason` is Clerk's machine
/// reason: `token-invalid`, `token-type-mismatch`, …), or 503 with `Retry-After` when the
/// machine-token share of the rate budget is spent.
///
/// It accepts the three machine types unless the route says otherwise, with
/// [`Protect::accepts`](crate::Protect::accepts) or an [`AcceptsToken`] in the resource's app
/// data. Opaque tokens are verified by the Backend API (once per request, and cached for
/// [`machine_token_cache_ttl`](crate::ClerkConfig::machine_token_cache_ttl)); JWT-format ones
/// with the instance's keys.
///
/// Dereferences to [`clerk_core::machine::MachineIdentity`]: `token_type()`, `id()`, `subject()`,
/// `scopes()`, `has_scope()`, `claims()`, and per type `name()`, `user_id()`, `org_id()`,
/// `machine_id()`, `client_id()`. Its `has()` always answers `false`, as Clerk's does.
///
/// # Examples
///
/// ```
/// use actix_web::{web, HttpResponse};
/// use clerk_actix::MachineAuth;
/// use clerk_core::machine::{AcceptsToken, TokenType};
///
/// async fn report(machine: MachineAuth) -> HttpResponse {
///     if !machine.has_scope("reports:read") {
///         return HttpResponse::Forbidden().finish();
///     }
///     HttpResponse::Ok().body(format!("hello {}", machine.subject()))
/// }
///
/// // API keys only on this resource:
/// let reports = web::resource("/reports")
///     .app_data(AcceptsToken::from(TokenType::ApiKey))
///     .route(web::get().to(report));
/// # drop(reports);
/// ```
#[derive(Clone)]
pub struct MachineAuth(Arc<clerk_core::machine::MachineIdentity>);

/// Shows the type, id and subject; never the token.
impl fmt::Debug for MachineAuth {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MachineAuth")
            .field("token_type", &self.0.token_type())
            .field("id", &self.0.id())
            .field("subject", &self.0.subject())
            .finish_non_exhaustive()
    }
}

impl MachineAuth {
    /// The auth object itself.
    pub fn auth(&self) -> &clerk_core::machine::MachineIdentity {
        &self.0
    }
}

impl Deref for MachineAuth {
    type Target = clerk_core::machine::MachineIdentity;

    fn deref(&self) -> &Self::Target {
        &self.0
    }
}

impl FromRequest for MachineAuth {
    type Error = AuthError;
    type Future = LocalBoxFuture<'static, Result<Self, AuthError>>;

    fn from_request(req: &HttpRequest, _payload: &mut Payload) -> Self::Future {
        let accepts = declared(req, AcceptsToken::MACHINES);
        let decision = decide(req, accepts);
        Box::pin(async move {
            match decision.await? {
                AuthOutcome::Machine(auth) => Ok(MachineAuth(auth)),
                // A session where only machines are served: Clerk's mismatch.
                AuthOutcome::Session(_) => Err(AuthError::MachineUnauthenticated(Box::new(
                    MachineRefusal::Mismatch {
                        token_type: Some(TokenType::SessionToken),
                        message: None,
                    },
                ))),
                other => Err(refusal_error(other)),
            }
        })
    }
}

/// A session or a machine: Clerk's `auth({ acceptsToken: 'any' })` for routes that serve both.
///
/// Accepts every token type unless the route says otherwise ([`Protect::accepts`](crate::Protect::accepts)
/// or an [`AcceptsToken`] in app data). Without an `Authorization` header the cookie session is
/// used, as Clerk does. A signed-out session is refused like [`Authenticated`] refuses it (401),
/// a pending one as the route's [`ClerkAuthConfig`] (else the configuration) says; a machine
/// token like [`MachineAuth`] refuses it.
///
/// # Examples
///
/// ```
/// use actix_web::HttpResponse;
/// use clerk_actix::AnyAuth;
///
/// async fn whoami(auth: AnyAuth) -> HttpResponse {
///     match auth {
///         AnyAuth::Session(session) => HttpResponse::Ok().body(format!("user {}", session.user_id())),
///         AnyAuth::Machine(machine) => HttpResponse::Ok().body(format!("{} {}", machine.token_type(), machine.subject())),
///     }
/// }
/// ```
#[derive(Debug, Clone)]
pub enum AnyAuth {
    /// A signed-in session.
    Session(Authenticated),
    /// A verified machine token.
    Machine(MachineAuth),
}

impl AnyAuth {
    /// `session_token`, `m2m_token`, `api_key` or `oauth_token`.
    pub fn token_type(&self) -> TokenType {
        match self {
            AnyAuth::Session(_) => TokenType::SessionToken,
            AnyAuth::Machine(machine) => machine.token_type(),
        }
    }
}

impl FromRequest for AnyAuth {
    type Error = AuthError;
    type Future = LocalBoxFuture<'static, Result<Self, AuthError>>;

    fn from_request(req: &HttpRequest, _payload: &mut Payload) -> Self::Future {
        let accepts = declared(req, AcceptsToken::Any);
        let config = req.app_data::<ClerkAuthConfig>().copied().unwrap_or_default();
        let decision = decide(req, accepts);
        Box::pin(async move {
            match decision.await? {
                AuthOutcome::Machine(auth) => Ok(AnyAuth::Machine(MachineAuth(auth))),
                AuthOutcome::Session(state) => {
                    require_signed_in(Ok(config.apply(state))).map(AnyAuth::Session)
                }
                other => Err(refusal_error(other)),
            }
        })
    }
}
