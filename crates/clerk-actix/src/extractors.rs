//! `FromRequest` extractors: `auth()`, a signed-in requirement, optional auth, `currentUser()`.

use std::fmt;
use std::future::{ready, Ready};
use std::ops::Deref;
use std::sync::Arc;

use actix_web::dev::Payload;
use actix_web::{FromRequest, HttpMessage, HttpRequest};
use clerk_core::request::{RequestOutcome, ReturnBackUrl};
use clerk_core::{Auth, SessionStatus, User};
use futures_util::future::LocalBoxFuture;
use futures_util::FutureExt as _;

use crate::auth_config::{route_state, RouteState};
use crate::error::AuthError;
use crate::state::clerk_of;
use crate::user_source::UserSourceError;

/// Clerk's `auth()`: the request's [`Auth`], signed in or not. Never rejects a request (except
/// with a 500 when `clerk-actix` is not configured at all).
///
/// Works with or without [`crate::ClerkMiddleware`]; without it, the first extractor
/// authenticates the request (once).
///
/// # Examples
///
/// ```
/// use actix_web::HttpResponse;
/// use clerk_actix::ClerkAuth;
///
/// async fn handler(auth: ClerkAuth) -> HttpResponse {
///     match auth.user_id() {
///         Some(id) => HttpResponse::Ok().body(format!("hello {id}")),
///         None => HttpResponse::Ok().body("hello stranger"),
///     }
/// }
/// ```
#[derive(Clone)]
pub struct ClerkAuth {
    state: RequestOutcome,
}

/// Shows the request state, whose token prints as its length only.
impl fmt::Debug for ClerkAuth {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClerkAuth").field("state", &self.state).finish()
    }
}

impl ClerkAuth {
    /// The full request-level result (status, Clerk's reason and message).
    pub fn outcome(&self) -> &RequestOutcome {
        &self.state
    }

    /// The raw session token when signed in (Clerk's `getToken()` without a template).
    pub fn token(&self) -> Option<&str> {
        self.state.token().map(clerk_core::request::Token::expose)
    }

    /// The [`Auth`] itself.
    pub fn auth(&self) -> &Auth {
        self.state.auth()
    }

    /// This auth with a pending session seen as signed out (`yes`) or signed in (`no`): Clerk's
    /// `auth({ treatPendingAsSignedOut })` for one call. For a whole route, register a
    /// [`ClerkAuthConfig`](crate::ClerkAuthConfig).
    pub fn treat_pending_as_signed_out(&self, yes: bool) -> ClerkAuth {
        ClerkAuth {
            state: self.state.treat_pending_as_signed_out(yes),
        }
    }

    /// Clerk's `auth().redirectToSignIn({ returnBackUrl })`: the 307 to the sign-in page of
    /// [`Clerk::sign_in_url_for`](crate::Clerk::sign_in_url_for) for `req` (this request): the
    /// Account Portal's unless a sign-in URL is configured, `/tasks` under it for a pending
    /// session, `redirect_url` per `return_back`, the dev browser to a cross-origin page of a
    /// development instance, a satellite's sync. Return it from the handler (`Err(…)`).
    ///
    /// When no sign-in page is known (no publishable key, no sign-in URL) or a URL does not
    /// parse: the 401 of a signed-out request.
    ///
    /// # Examples
    ///
    /// ```
    /// use actix_web::{HttpRequest, HttpResponse};
    /// use clerk_actix::{AuthError, ClerkAuth};
    /// use clerk_actix::clerk_core::request::ReturnBackUrl;
    ///
    /// async fn dashboard(auth: ClerkAuth, req: HttpRequest) -> Result<HttpResponse, AuthError> {
    ///     if !auth.is_authenticated() {
    ///         return Err(auth.redirect_to_sign_in(&req, ReturnBackUrl::ThisRequest));
    ///     }
    ///     Ok(HttpResponse::Ok().body("dashboard"))
    /// }
    /// ```
    pub fn redirect_to_sign_in(&self, req: &HttpRequest, return_back: ReturnBackUrl<'_>) -> AuthError {
        let url = |clerk: &crate::Clerk, pending| clerk.sign_in_url_for(req, return_back, pending);
        self.redirect(req, url, AuthError::Redirect)
    }

    /// Clerk's `auth().redirectToSignUp({ returnBackUrl })`: as
    /// [`redirect_to_sign_in`](Self::redirect_to_sign_in), to the sign-up page of
    /// [`Clerk::sign_up_url_for`](crate::Clerk::sign_up_url_for) (the sign-up URL, else the
    /// sign-in URL's `/create`, else the Account Portal's `/sign-up`).
    pub fn redirect_to_sign_up(&self, req: &HttpRequest, return_back: ReturnBackUrl<'_>) -> AuthError {
        let url = |clerk: &crate::Clerk, pending| clerk.sign_up_url_for(req, return_back, pending);
        self.redirect(req, url, AuthError::Redirect)
    }

    fn redirect(
        &self,
        req: &HttpRequest,
        url: impl FnOnce(&crate::Clerk, bool) -> Option<String>,
        answer: fn(String) -> AuthError,
    ) -> AuthError {
        let Some(clerk) = clerk_of(req) else {
            return AuthError::NotConfigured;
        };
        // Clerk reads the session's status whichever view the handler has.
        let pending = self.auth().session_status() == Some(&SessionStatus::Pending);
        match url(&clerk, pending) {
            Some(location) => answer(location),
            None => AuthError::Unauthenticated(Box::new(self.state.clone())),
        }
    }
}

impl Deref for ClerkAuth {
    type Target = Auth;

    fn deref(&self) -> &Auth {
        self.state.auth()
    }
}

type Mapped<T> =
    futures_util::future::Map<RouteState, fn(Result<RequestOutcome, AuthError>) -> Result<T, AuthError>>;

impl FromRequest for ClerkAuth {
    type Error = AuthError;
    type Future = Mapped<Self>;

    fn from_request(req: &HttpRequest, _payload: &mut Payload) -> Self::Future {
        route_state(req).map(|state| state.map(|state| ClerkAuth { state }))
    }
}

/// A signed-in session, required: anything else is a 401 with `WWW-Authenticate: Bearer` and
/// Clerk's debug headers. A pending session is not signed in (unless configured otherwise, for
/// the app or for the route with a [`ClerkAuthConfig`](crate::ClerkAuthConfig)).
///
/// # Examples
///
/// ```
/// use actix_web::HttpResponse;
/// use clerk_actix::Authenticated;
///
/// async fn handler(auth: Authenticated) -> HttpResponse {
///     HttpResponse::Ok().body(auth.user_id().to_owned())
/// }
/// ```
#[derive(Clone)]
pub struct Authenticated {
    inner: ClerkAuth,
}

/// Shows the request state, whose token prints as its length only.
impl fmt::Debug for Authenticated {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Authenticated")
            .field("state", &self.inner.state)
            .finish()
    }
}

impl Authenticated {
    /// The signed-in user's id.
    pub fn user_id(&self) -> &str {
        self.inner.auth().user_id().unwrap_or_default()
    }

    /// The session id.
    pub fn session_id(&self) -> Option<&str> {
        self.inner.auth().session_id()
    }

    /// The raw session token.
    pub fn token(&self) -> Option<&str> {
        self.inner.token()
    }

    /// The [`Auth`].
    pub fn auth(&self) -> &Auth {
        self.inner.auth()
    }
}

impl Deref for Authenticated {
    type Target = Auth;

    fn deref(&self) -> &Auth {
        self.inner.auth()
    }
}

pub(crate) fn require_signed_in(
    state: Result<RequestOutcome, AuthError>,
) -> Result<Authenticated, AuthError> {
    let state = state?;
    if state.auth().is_authenticated() {
        Ok(Authenticated {
            inner: ClerkAuth { state },
        })
    } else {
        Err(AuthError::Unauthenticated(Box::new(state)))
    }
}

impl FromRequest for Authenticated {
    type Error = AuthError;
    type Future = Mapped<Self>;

    fn from_request(req: &HttpRequest, _payload: &mut Payload) -> Self::Future {
        route_state(req).map(require_signed_in as fn(_) -> _)
    }
}

/// Optional auth: `None` only when the request carries no session token at all; a token that is
/// present but not valid is rejected (401), never silently ignored.
///
/// Prefer this to `Option<Authenticated>`, which swallows *every* error (actix-web's `Option<T>`
/// extractor), so a forged or expired token would look like an anonymous request.
///
/// # Examples
///
/// ```
/// use actix_web::{test, web, App, HttpResponse};
/// use clerk_actix::{ClerkConfig, ClerkMiddleware, MaybeAuth};
///
/// async fn greeting(auth: MaybeAuth) -> HttpResponse {
///     match auth.0 {
///         Some(auth) => HttpResponse::Ok().body(format!("hello {}", auth.user_id())),
///         None => HttpResponse::Ok().body("hello stranger"),
///     }
/// }
///
/// # actix_web::rt::System::new().block_on(async {
/// let clerk = ClerkConfig::new()
///     .jwt_key_pem(include_str!(concat!(
///         env!("CARGO_MANIFEST_DIR"),
///         "/../clerk-core/tests/fixtures/test_signing_key.public.pem"
///     )))
///     .build()?;
/// let app = test::init_service(
///     App::new()
///         .route("/", web::get().to(greeting))
///         .wrap(ClerkMiddleware::new(clerk)),
/// )
/// .await;
/// // No credential at all: an anonymous visitor.
/// let anonymous = test::call_service(&app, test::TestRequest::get().uri("/").to_request()).await;
/// assert_eq!(test::read_body(anonymous).await, "hello stranger");
/// // A credential that does not verify is refused, never treated as anonymous.
/// let forged = test::TestRequest::get()
///     .uri("/")
///     .insert_header(("authorization", "Bearer not.a.token"))
///     .to_request();
/// assert_eq!(test::call_service(&app, forged).await.status(), 401);
/// # Ok::<(), clerk_actix::ConfigError>(())
/// # }).unwrap();
/// ```
#[derive(Clone)]
pub struct MaybeAuth(pub Option<Authenticated>);

/// Shows the signed-in state, if any, whose token prints as its length only.
impl fmt::Debug for MaybeAuth {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("MaybeAuth").field(&self.0).finish()
    }
}

fn maybe_signed_in(state: Result<RequestOutcome, AuthError>) -> Result<MaybeAuth, AuthError> {
    let state = state?;
    if state.auth().is_authenticated() {
        Ok(MaybeAuth(Some(Authenticated {
            inner: ClerkAuth { state },
        })))
    } else if state.credential_present() {
        Err(AuthError::Unauthenticated(Box::new(state)))
    } else {
        Ok(MaybeAuth(None))
    }
}

impl FromRequest for MaybeAuth {
    type Error = AuthError;
    type Future = Mapped<Self>;

    fn from_request(req: &HttpRequest, _payload: &mut Payload) -> Self::Future {
        route_state(req).map(maybe_signed_in as fn(_) -> _)
    }
}

/// Clerk's `currentUser()`: the signed-in user, loaded through the configured
/// [`crate::user_source::UserSource`] (the Backend API unless the app sets another), at most once per request.
///
/// 401 when signed out; 404 when the user no longer exists; 503 when the source is down.
///
/// # Examples
///
/// With an in-memory [`UserSource`](crate::user_source::UserSource) (the default source is the
/// Backend API) and Clerk's example session token:
///
/// ```
/// use std::collections::HashMap;
/// use std::sync::Arc;
/// use std::time::{Duration, UNIX_EPOCH};
/// use actix_web::{test, web, App, HttpResponse};
/// use clerk_actix::user_source::{UserSource, UserSourceError};
/// use clerk_actix::{ClerkConfig, ClerkMiddleware, CurrentUser};
/// use clerk_core::User;
/// use futures_util::future::LocalBoxFuture;
///
/// struct Users(HashMap<String, Arc<User>>);
///
/// impl UserSource for Users {
///     fn get_user<'a>(&'a self, id: &'a str) -> LocalBoxFuture<'a, Result<Arc<User>, UserSourceError>> {
///         Box::pin(async move { self.0.get(id).cloned().ok_or(UserSourceError::NotFound) })
///     }
/// }
///
/// async fn me(user: CurrentUser) -> HttpResponse {
///     HttpResponse::Ok().body(user.0.id.clone())
/// }
///
/// # actix_web::rt::System::new().block_on(async {
/// let token_file: serde_json::Value = serde_json::from_str(include_str!(concat!(
///     env!("CARGO_MANIFEST_DIR"),
///     "/../clerk-core/tests/fixtures/session_token.v2.active_org.json"
/// )))?;
/// let token = token_file["jwt"].as_str().unwrap();
/// let mut user: User = serde_json::from_str(include_str!(concat!(
///     env!("CARGO_MANIFEST_DIR"),
///     "/../clerk-core/tests/fixtures/user.example.json"
/// )))?;
/// user.id = "user_2zXmpL3UsrAbCdEfGhIjKlMnOpQ".to_owned(); // the token's `sub`
/// let users = Users(HashMap::from([(user.id.clone(), Arc::new(user))]));
///
/// let clerk = ClerkConfig::new()
///     .jwt_key_pem(include_str!(concat!(
///         env!("CARGO_MANIFEST_DIR"),
///         "/../clerk-core/tests/fixtures/test_signing_key.public.pem"
///     )))
///     .clock(|| UNIX_EPOCH + Duration::from_secs(1_755_000_030)) // when the example token is valid
///     .user_source(Arc::new(users))
///     .build()?;
/// let app = test::init_service(
///     App::new().route("/me", web::get().to(me)).wrap(ClerkMiddleware::new(clerk)),
/// )
/// .await;
/// let request = test::TestRequest::get()
///     .uri("/me")
///     .insert_header(("authorization", format!("Bearer {token}")))
///     .to_request();
/// assert_eq!(test::call_and_read_body(&app, request).await, "user_2zXmpL3UsrAbCdEfGhIjKlMnOpQ");
/// // Signed out: 401 before any lookup.
/// let anonymous = test::TestRequest::get().uri("/me").to_request();
/// assert_eq!(test::call_service(&app, anonymous).await.status(), 401);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// # }).unwrap();
/// ```
#[derive(Clone)]
pub struct CurrentUser(pub Arc<User>);

/// Shows the user's id only: no names, addresses or metadata in logs.
impl fmt::Debug for CurrentUser {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CurrentUser")
            .field("id", &self.0.id)
            .finish_non_exhaustive()
    }
}

impl Deref for CurrentUser {
    type Target = User;

    fn deref(&self) -> &User {
        &self.0
    }
}

/// The per-request user slot: filled once, shared by every `CurrentUser` of the request.
#[derive(Clone, Default)]
struct UserSlot(std::rc::Rc<tokio::sync::OnceCell<Result<Arc<User>, UserSourceError>>>);

impl FromRequest for CurrentUser {
    type Error = AuthError;
    type Future = LocalBoxFuture<'static, Result<Self, AuthError>>;

    fn from_request(req: &HttpRequest, _payload: &mut Payload) -> Self::Future {
        let state = route_state(req);
        let slot = req.extensions_mut().get_or_insert_with(UserSlot::default).clone();
        let req = req.clone();
        Box::pin(async move {
            let signed_in = require_signed_in(state.await)?;
            let clerk = clerk_of(&req).ok_or(AuthError::NotConfigured)?;
            let user_id = signed_in.user_id().to_owned();
            let result = slot
                .0
                .get_or_init(|| async {
                    match clerk.user_source() {
                        Some(source) => source.get_user(&user_id).await,
                        None => backend_api_user(&clerk, &user_id).await,
                    }
                })
                .await;
            match result {
                Ok(user) => Ok(CurrentUser(Arc::clone(user))),
                Err(err) => Err(AuthError::from(err.clone())),
            }
        })
    }
}

/// The Clerk handle itself (for the Backend API client, configuration, props).
impl FromRequest for crate::Clerk {
    type Error = AuthError;
    type Future = Ready<Result<Self, AuthError>>;

    fn from_request(req: &HttpRequest, _payload: &mut Payload) -> Self::Future {
        ready(clerk_of(req).ok_or(AuthError::NotConfigured))
    }
}

/// The default user source: `GET /v1/users/{user_id}` on the Backend API.
async fn backend_api_user(clerk: &crate::Clerk, user_id: &str) -> Result<Arc<User>, UserSourceError> {
    let Some(api) = clerk.client() else {
        return Err(UserSourceError::unavailable(
            "no CLERK_SECRET_KEY: set one or give Clerk a UserSource",
        ));
    };
    match api.users().get(user_id).await {
        Ok(user) => Ok(Arc::new(user)),
        Err(err) if err.is_not_found() => Err(UserSourceError::NotFound),
        Err(err) => Err(UserSourceError::unavailable(err)),
    }
}
