//! `TestClerk`: the running emulator and its builder.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use actix_web::web::Data;
use actix_web::HttpServer;
use clerk_core::InstanceType;

use crate::allowed_origins::AllowedOrigins;
use crate::api::{self, AppState, FAPI_HANDSHAKE, FAPI_SESSION_TOKENS, SIGN_IN, SIGN_OUT};
use crate::error::{Error, Result};
use crate::faults::calls::Calls;
use crate::faults::on_demand::Faults;
use crate::faults::rate_limit::{Limiter, RateLimit};
use crate::instance::keys::KeyRing;
use crate::instance::minter::TokenMinter;
use crate::instance::Instance;
use crate::server::ServerThread;
use crate::store::billing::Billing;
use crate::store::browser::{Browser, DEFAULT_SESSION_TOKEN_TTL};
use crate::store::domains::Domains;
use crate::store::identifier_lists::IdentifierLists;
use crate::store::invitations::Invitations;
use crate::store::jwt_templates::JwtTemplates;
use crate::store::machine_tokens::MachineTokens;
use crate::store::oauth_tokens::OAuthTokens;
use crate::store::organizations::Organizations;
use crate::store::tickets::Tickets;
use crate::store::user_store::UserStore;
use crate::webhooks::delivery::{run_worker, Webhooks};

/// Configures a [`TestClerk`]; finish with [`TestClerkBuilder::start`].
#[derive(Debug, Clone)]
pub struct TestClerkBuilder {
    instance_type: InstanceType,
    fixed: bool,
    instance: Option<Instance>,
    rate_limit: Option<RateLimit>,
    webhook: Option<(String, String)>,
    retry_schedule: Option<Vec<Duration>>,
    seed_users: usize,
    undocumented_fields: bool,
    addr: SocketAddr,
    workers: usize,
    session_token_ttl: Duration,
    allowed_origins: Vec<String>,
    npm_dir: Option<PathBuf>,
}

impl Default for TestClerkBuilder {
    fn default() -> Self {
        Self {
            instance_type: InstanceType::Development,
            fixed: false,
            instance: None,
            rate_limit: None,
            webhook: None,
            retry_schedule: None,
            seed_users: 0,
            undocumented_fields: false,
            addr: SocketAddr::from(([127, 0, 0, 1], 0)),
            workers: 2,
            session_token_ttl: DEFAULT_SESSION_TOKEN_TTL,
            allowed_origins: Vec::new(),
            npm_dir: None,
        }
    }
}

impl TestClerkBuilder {
    /// A production instance (`pk_live_`/`sk_live_`, 1000 requests per 10 s). Defaults to
    /// development.
    pub fn production(mut self) -> Self {
        self.instance_type = InstanceType::Production;
        self
    }

    /// The deterministic instance ([`Instance::fixed`]): the contract's test key and host.
    /// Defaults to a random instance.
    pub fn fixed_instance(mut self) -> Self {
        self.fixed = true;
        self
    }

    /// Uses this instance (overrides [`TestClerkBuilder::production`] and
    /// [`TestClerkBuilder::fixed_instance`]).
    pub fn instance(mut self, instance: Instance) -> Self {
        self.instance = Some(instance);
        self
    }

    /// Rate limits. Defaults to [`RateLimit::clerk_default`] for the instance type.
    pub fn rate_limit(mut self, rate_limit: RateLimit) -> Self {
        self.rate_limit = Some(rate_limit);
        self
    }

    /// Registers a webhook endpoint and its `whsec_…` secret. Defaults to none.
    pub fn webhook(mut self, url: impl Into<String>, secret: impl Into<String>) -> Self {
        self.webhook = Some((url.into(), secret.into()));
        self
    }

    /// The webhook retry schedule. Defaults to [`crate::webhooks::DEFAULT_RETRY_SCHEDULE`].
    pub fn retry_schedule(mut self, schedule: impl Into<Vec<Duration>>) -> Self {
        self.retry_schedule = Some(schedule.into());
        self
    }

    /// Creates `n` users at start ([`UserStore::seed`]). Defaults to 0.
    pub fn seed_users(mut self, n: usize) -> Self {
        self.seed_users = n;
        self
    }

    /// Emits undocumented fields real Clerk sends (`requires_password_reset`) in user JSON,
    /// to prove clients tolerate them. Defaults to `false` (spec-clean).
    pub fn undocumented_user_fields(mut self, on: bool) -> Self {
        self.undocumented_fields = on;
        self
    }

    /// The address to bind. Defaults to `127.0.0.1:0` (a free port).
    pub fn bind(mut self, addr: SocketAddr) -> Self {
        self.addr = addr;
        self
    }

    /// Actix worker threads. Defaults to 2.
    pub fn workers(mut self, workers: usize) -> Self {
        self.workers = workers.max(1);
        self
    }

    /// The lifetime of the session tokens the emulator mints for browsers (handshake and
    /// `POST /v1/sessions/{id}/refresh`), rounded down to whole seconds, at least 1 s.
    /// Defaults to 60 s, Clerk's default.
    pub fn session_token_ttl(mut self, ttl: Duration) -> Self {
        self.session_token_ttl = ttl.max(Duration::from_secs(1));
        self
    }

    /// Allows the sign-in and sign-out pages to send a browser back to this origin
    /// (`https://app.example.com`, `http://10.0.0.5:8080`) after signing in or out, as the
    /// allowed origins of a Clerk instance do; call once per origin. Loopback origins
    /// (`localhost`, `127.0.0.1`, `[::1]`, any port) and paths are always allowed; a browser
    /// sent anywhere else stays on the emulator's page. Defaults to none.
    pub fn allowed_origin(mut self, origin: impl Into<String>) -> Self {
        self.allowed_origins.push(origin.into());
        self
    }

    /// Serves the official Clerk browser packages pinned in `clerk-npm.txt` from `dir`, where
    /// `scripts/clerk-js.sh` unpacked them (`target/clerk-npm`): `GET
    /// /npm/@clerk/clerk-js@6/dist/clerk.browser.js` and the rest of each package's `dist/`,
    /// by major and by exact version ([`TestClerk::npm_url`]). Without it those paths are 404.
    /// [`TestClerkBuilder::start`] fails, naming the package, when one is not unpacked there.
    pub fn npm_dir(mut self, dir: impl Into<PathBuf>) -> Self {
        self.npm_dir = Some(dir.into());
        self
    }

    /// Starts the emulator on its own thread and returns once it is listening.
    ///
    /// Works from any test runtime (`#[actix_rt::test]`, `#[tokio::test]`, plain `#[test]`).
    ///
    /// # Errors
    ///
    /// [`crate::Error::Start`] if the port cannot be bound; [`crate::Error::Key`] if key
    /// generation fails; [`crate::Error::InvalidParam`] for a bad webhook secret or a text
    /// given to [`TestClerkBuilder::allowed_origin`] that is not a bare http(s) origin, or a
    /// [`TestClerkBuilder::npm_dir`] a pinned package is not unpacked in (the message names it).
    pub fn start(self) -> Result<TestClerk> {
        let allowed_origins = AllowedOrigins::new(&self.allowed_origins)?;
        if let Some(dir) = &self.npm_dir {
            crate::npm::check_npm_dir(dir)?;
        }
        let instance = match self.instance {
            Some(instance) => instance,
            None if self.fixed => Instance::fixed(self.instance_type),
            None => Instance::random(self.instance_type)?,
        };
        let keys = KeyRing::new(instance.signing_key().clone());
        let minter = TokenMinter::new(instance.issuer().to_owned(), keys.clone());
        let webhooks = Webhooks::new(instance.id().to_owned());
        if let Some((url, secret)) = &self.webhook {
            webhooks.set_endpoint(url.clone(), secret)?;
        }
        if let Some(schedule) = self.retry_schedule {
            webhooks.set_retry_schedule(schedule);
        }
        let store = UserStore::new(
            instance.id().to_owned(),
            webhooks.clone(),
            self.undocumented_fields,
        );
        store.seed(self.seed_users)?;
        let limiter = Limiter::new(
            self.rate_limit
                .unwrap_or_else(|| RateLimit::clerk_default(instance.instance_type())),
        );
        let faults = Faults::new(keys.clone());
        let calls = Calls::default();
        let machine = MachineTokens::with_minter(minter.clone());
        let templates = JwtTemplates::default();
        let oauth = OAuthTokens::default();
        let orgs = Organizations::new(store.clone(), webhooks.clone(), minter.clone());
        let browser = Browser::new(
            instance.publishable_key().cookie_suffix(),
            Duration::from_secs(self.session_token_ttl.as_secs()),
            instance.instance_type(),
            allowed_origins,
        );
        let state = Data::new(AppState {
            secret_key: instance.secret_key().to_owned(),
            keys,
            minter: minter.clone(),
            store: store.clone(),
            faults: faults.clone(),
            limiter: Arc::clone(&limiter),
            calls: calls.clone(),
            machine: machine.clone(),
            instance_id: instance.id().to_owned(),
            invitations: Invitations::default(),
            tickets: Tickets::default(),
            templates: templates.clone(),
            lists: IdentifierLists::default(),
            billing: Billing::new(instance.id()),
            domains: Domains::new(instance.publishable_key(), instance.id()),
            permissions: orgs.roles().permissions().clone(),
            oauth: oauth.clone(),
            orgs: orgs.clone(),
            browser: browser.clone(),
            npm_dir: self.npm_dir.clone(),
        });
        let worker_hooks = webhooks.clone();
        let workers = self.workers;
        let server = ServerThread::spawn("clerk-testkit", self.addr, move |listener| {
            actix_rt::spawn(run_worker(worker_hooks));
            Ok(HttpServer::new(move || api::app(state.clone()))
                .workers(workers)
                .disable_signals()
                .shutdown_timeout(0)
                .listen(listener)?
                .run())
        })?;
        let base_url = format!("http://{}", server.addr());
        Ok(TestClerk {
            base_url,
            instance,
            minter,
            store,
            calls,
            faults,
            webhooks,
            machine,
            templates,
            oauth,
            orgs,
            limiter,
            browser,
            npm_dir: self.npm_dir,
            server,
        })
    }
}

/// A running offline Clerk: Backend API subset, JWKS, token minting, signed webhooks,
/// faults and call counters. Stops when dropped.
///
/// # Examples
///
/// ```
/// # fn main() -> Result<(), Box<dyn std::error::Error>> {
/// use clerk_testkit::{NewUser, TestClerk};
///
/// let clerk = TestClerk::start()?;
/// let user = clerk.users().create(NewUser::default().email("ada@example.com"))?;
/// let jwt = clerk.minter().session_token(&user.id).mint();
/// // Point the verifier at `clerk.jwks_url()` with `clerk.secret_key()` and the issuer
/// // `clerk.issuer()`, and the Backend API client at `clerk.api_url()`.
/// assert!(jwt.starts_with("eyJ"));
/// # Ok(()) }
/// ```
pub struct TestClerk {
    base_url: String,
    instance: Instance,
    minter: TokenMinter,
    store: UserStore,
    calls: Calls,
    faults: Faults,
    webhooks: Webhooks,
    machine: MachineTokens,
    templates: JwtTemplates,
    oauth: OAuthTokens,
    orgs: Organizations,
    limiter: Arc<Limiter>,
    browser: Browser,
    npm_dir: Option<PathBuf>,
    // Dropped last: stops the server.
    server: ServerThread,
}

impl std::fmt::Debug for TestClerk {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TestClerk")
            .field("base_url", &self.base_url)
            .field("instance", &self.instance.id())
            .finish_non_exhaustive()
    }
}

impl TestClerk {
    /// Starts a random development instance with default settings.
    ///
    /// # Errors
    ///
    /// As [`TestClerkBuilder::start`].
    pub fn start() -> Result<Self> {
        Self::builder().start()
    }

    /// A builder.
    pub fn builder() -> TestClerkBuilder {
        TestClerkBuilder::default()
    }

    /// `http://127.0.0.1:{port}`: the Backend API base (Clerk's `apiUrl`, without `/v1`).
    pub fn base_url(&self) -> &str {
        &self.base_url
    }

    /// `{base_url}/v1`.
    pub fn api_url(&self) -> String {
        format!("{}/v1", self.base_url)
    }

    /// `{base_url}/v1/jwks` (needs the secret key).
    pub fn jwks_url(&self) -> String {
        format!("{}/v1/jwks", self.base_url)
    }

    /// `{base_url}/.well-known/jwks.json` (public, the Frontend API JWKS).
    pub fn public_jwks_url(&self) -> String {
        format!("{}/.well-known/jwks.json", self.base_url)
    }

    /// The bound address.
    pub fn addr(&self) -> SocketAddr {
        self.server.addr()
    }

    /// The instance (ids, keys, host).
    pub fn instance(&self) -> &Instance {
        &self.instance
    }

    /// The secret key (`sk_test_…`/`sk_live_…`).
    pub fn secret_key(&self) -> &str {
        self.instance.secret_key()
    }

    /// The publishable key (`pk_test_…`/`pk_live_…`).
    pub fn publishable_key(&self) -> &str {
        self.instance.publishable_key().as_str()
    }

    /// The session-token issuer, `https://{frontend_api}`.
    pub fn issuer(&self) -> &str {
        self.instance.issuer()
    }

    /// Mints session tokens with the active key.
    pub fn minter(&self) -> &TokenMinter {
        &self.minter
    }

    /// The user and session store.
    pub fn users(&self) -> &UserStore {
        &self.store
    }

    /// Call counters and the request log.
    pub fn calls(&self) -> &Calls {
        &self.calls
    }

    /// Fault injection and key rotation.
    pub fn faults(&self) -> &Faults {
        &self.faults
    }

    /// Webhook delivery and its controls.
    pub fn webhooks(&self) -> &Webhooks {
        &self.webhooks
    }

    /// The instance's JWT templates (`GET /v1/jwt_templates`, templated session tokens).
    pub fn jwt_templates(&self) -> &JwtTemplates {
        &self.templates
    }

    /// The users' OAuth access tokens (`GET /v1/users/{id}/oauth_access_tokens/{provider}`).
    pub fn oauth_tokens(&self) -> &OAuthTokens {
        &self.oauth
    }

    /// Machine tokens (M2M, API keys, OAuth).
    pub fn machine_tokens(&self) -> &MachineTokens {
        &self.machine
    }

    /// Organizations, memberships and organization invitations (and the `o` claims of
    /// session tokens that follow them).
    pub fn organizations(&self) -> &Organizations {
        &self.orgs
    }

    /// Changes the rate limits (and clears the windows).
    pub fn set_rate_limit(&self, rate_limit: RateLimit) {
        self.limiter.set(rate_limit);
    }

    /// `{base_url}/v1/client/handshake`: the Frontend API handshake, served by this emulator
    /// (point the SDK's Frontend API or proxy URL at [`TestClerk::base_url`]).
    pub fn handshake_url(&self) -> String {
        format!("{}{FAPI_HANDSHAKE}", self.base_url)
    }

    /// How many `GET /v1/client/handshake` requests were answered (any status; faults
    /// included), since start or the last [`Calls::reset`].
    pub fn handshake_calls(&self) -> u64 {
        self.calls.count("GET", FAPI_HANDSHAKE)
    }

    /// `{base_url}/sign-in`: the sign-in page (the Account Portal's role). Open it with
    /// `?redirect_url=<URL>`; the browser comes back there, signed in on its client (`__client`
    /// and `__client_uat` cookies; the app's handshake then sets `__session`), when it is a path
    /// or an http(s) URL on a loopback host or an allowed origin
    /// ([`TestClerkBuilder::allowed_origin`]); else it stays on the emulator's page. Its links
    /// and forms are relative, so it also works mounted under a prefix.
    pub fn sign_in_url(&self) -> String {
        format!("{}{SIGN_IN}", self.base_url)
    }

    /// `{base_url}/sign-out`: the sign-out page (`POST` ends the client's sessions and clears
    /// the cookies, then `303` to the form's `redirect_url`, allowed as for
    /// [`TestClerk::sign_in_url`]).
    pub fn sign_out_url(&self) -> String {
        format!("{}{SIGN_OUT}", self.base_url)
    }

    /// `{base_url}/npm/{package}@{major}/dist/{file}` for a pinned package (`@clerk/clerk-js`,
    /// `clerk.browser.js`), served when the builder was given [`TestClerkBuilder::npm_dir`];
    /// `None` for a package that is not pinned.
    pub fn npm_url(&self, package: &str, file: &str) -> Option<String> {
        let package = crate::npm::pinned_npm_package(package)?;
        Some(format!("{}{}", self.base_url, package.major_path(file)))
    }

    /// Where the official Clerk browser packages are served from
    /// ([`TestClerkBuilder::npm_dir`]), if they are.
    pub fn npm_dir(&self) -> Option<&std::path::Path> {
        self.npm_dir.as_deref()
    }

    /// How many `POST /v1/client/sessions/{sid}/tokens` requests (the script's token
    /// refreshes) were answered, since start or the last [`Calls::reset`].
    pub fn session_token_calls(&self) -> u64 {
        self.calls.count("POST", FAPI_SESSION_TOKENS)
    }

    /// The suffix of the instance's cookie names (`__session_<suffix>`, `__refresh_<suffix>`):
    /// `base64url(SHA-1(publishable key))[0..8]`.
    pub fn cookie_suffix(&self) -> &str {
        &self.browser.cookie_suffix
    }

    /// The lifetime of the session tokens minted for browsers
    /// ([`TestClerkBuilder::session_token_ttl`]).
    pub fn session_token_ttl(&self) -> Duration {
        self.browser.session_token_ttl
    }

    /// The refresh token bound to a session: the value of the `__refresh_<suffix>` cookie the
    /// handshake sets, and the `refresh_token` `POST /v1/sessions/{id}/refresh` accepts for
    /// this session. One per session: the same value every time.
    ///
    /// # Errors
    ///
    /// [`Error::SessionNotFound`] when the store has no such session.
    ///
    /// # Examples
    ///
    /// ```
    /// # fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// use clerk_testkit::{NewUser, TestClerk};
    ///
    /// let clerk = TestClerk::start()?;
    /// let user = clerk.users().create(NewUser::default())?;
    /// let session = clerk.users().create_session(&user.id)?;
    /// let refresh = clerk.refresh_token_for(&session.id)?;
    /// let cookie = format!("__refresh_{}={refresh}", clerk.cookie_suffix());
    /// assert_eq!(clerk.refresh_token_for(&session.id)?, refresh);
    /// # let _ = cookie;
    /// # Ok(()) }
    /// ```
    pub fn refresh_token_for(&self, session_id: &str) -> Result<String> {
        if self.store.session(session_id).is_none() {
            return Err(Error::SessionNotFound(session_id.to_owned()));
        }
        Ok(self.browser.refresh_tokens.for_session(session_id))
    }

    /// A handshake nonce holding `directives` (cookie directives, as the Frontend API leaves
    /// them), redeemable through `GET /v1/clients/handshake_payload` any number of times for five
    /// minutes: a fixture for comparing two SDKs on one handshake. The Frontend API's own nonces
    /// are served once.
    pub fn reusable_handshake_nonce(&self, directives: Vec<String>) -> String {
        self.browser.nonces.issue_reusable(directives)
    }

    /// Stops the server now (dropping does the same).
    pub fn stop(self) {}
}
