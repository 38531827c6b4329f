//! Building and running the server: pool, migrations, Clerk, the user cache, routes.
//!
//! The handlers' shared state is [`AppState`]; the `/metrics` text is [`crate::metrics::render`].

use std::net::TcpListener;
use std::sync::Arc;
use std::time::Duration;

use actix_web::dev::Server;
use actix_web::http::header;
use actix_web::middleware::{from_fn, DefaultHeaders};
use actix_web::{web, App, HttpServer};
use clerk_actix::config::ResolvedConfig;
use clerk_actix::{Clerk, ClerkClient, ClerkConfig, ClerkCsp, ClerkMiddleware, Protect};
use clerk_core::webhook::WebhookVerifier;
use sqlx::PgPool;

use crate::cache::{CacheConfig, ClaimReport, InstanceKey, PgDirectoryCache};
use crate::configuration::Settings;
use crate::database;
#[cfg(feature = "dev")]
use crate::dev::DevStack;
use crate::error::{Error, Result};
use crate::key_check::{check_secret_key, SecretKeyCheck};
use crate::metrics::labels::ROUTES;
use crate::metrics::Metrics;
use crate::readiness::Readiness;
use crate::request_span::{RequestSpan, TrustedProxies};
use crate::state::AppState;
use crate::{frontend_proxy, pages, routes};

/// Builds without the `dev` feature have no emulator: this stand-in has no values.
#[cfg(not(feature = "dev"))]
enum DevStack {}

/// A built, bound application: the public listener and the admin listener (`/metrics`).
pub struct Application {
    port: u16,
    server: Server,
    admin_port: u16,
    admin: Server,
    state: web::Data<AppState>,
    clerk: Clerk,
    dev: Option<DevStack>,
    background: Vec<actix_web::rt::task::JoinHandle<()>>,
    _feed: Option<crate::cache::FeedHandle>,
}

/// The user cache settings of `settings`.
pub fn cache_config(settings: &Settings) -> CacheConfig {
    CacheConfig {
        ttl: Duration::from_secs(settings.app_cache_ttl_secs),
        max_stale: Duration::from_secs(settings.app_cache_max_stale_secs),
        negative_ttl: Duration::from_secs(settings.app_cache_negative_ttl_secs),
        db_timeout: settings.acquire_timeout(),
        memory_capacity: settings.app_user_cache_memory_capacity,
        memory_ttl: Duration::from_secs(settings.app_user_cache_memory_ttl_secs),
        ..CacheConfig::default()
    }
}

/// The Postgres directory cache of the configured Clerk instance, calling Clerk through `client`
/// (the client the [`Clerk`] is then built with, so both share the instance's rate budget);
/// `None` without a client (no secret key). The cache's rows are scoped by the instance the
/// publishable key names; rows written before that scoping existed are claimed here
/// ([`crate::cache::UserRepo::claim_unowned`]).
///
/// # Errors
///
/// [`Error::Setting`] when a secret key is set without `CLERK_PUBLISHABLE_KEY` (the
/// cache must know which instance its users belong to); [`Error::Cache`] when the
/// database refuses the claim.
pub async fn user_cache(
    settings: &Settings,
    config: &ClerkConfig,
    client: Option<ClerkClient>,
    pool: PgPool,
) -> Result<Option<Arc<PgDirectoryCache>>> {
    let Some(client) = client else {
        tracing::warn!("no CLERK_SECRET_KEY: the user cache is off and CurrentUser is unavailable");
        return Ok(None);
    };
    let Some(publishable_key) = config.parsed_publishable_key()? else {
        return Err(no_publishable_key());
    };
    let instance = InstanceKey::from_publishable_key(&publishable_key);
    let cache = PgDirectoryCache::new(pool, client, instance, cache_config(settings));
    let claimed = cache.users().claim_unowned().await?;
    if claimed != ClaimReport::default() {
        tracing::info!(
            instance = %cache.instance(),
            users = claimed.users,
            dropped = claimed.dropped,
            deliveries = claimed.deliveries,
            "user cache: claimed the rows written before instance scoping"
        );
    }
    Ok(Some(Arc::new(cache)))
}

/// The error of a secret key without `CLERK_PUBLISHABLE_KEY` (the cache needs the instance).
pub(crate) fn no_publishable_key() -> Error {
    Error::setting(
        "CLERK_PUBLISHABLE_KEY",
        "is required with CLERK_SECRET_KEY: the user cache keeps each Clerk instance's users \
         apart by the instance it names",
    )
}

/// The Clerk options, checked: the Backend API client (with a secret key), the webhook verifier,
/// and what the Backend API said of the secret key at start.
struct ClerkSetup {
    config: ClerkConfig,
    client: Option<ClerkClient>,
    webhooks: Option<WebhookVerifier>,
    secret_key: SecretKeyCheck,
}

impl ClerkSetup {
    /// Checks `config` (the webhook signing secret included), then the secret key against Clerk
    /// and the publishable key against its instance ([`check_secret_key`]).
    async fn new(config: ClerkConfig) -> Result<Self> {
        let webhooks = config.check()?.webhook_verifier().cloned();
        let client = config.build_client()?;
        // The user cache needs the instance: say so before the database is touched.
        let publishable = config.parsed_publishable_key()?;
        if client.is_some() && publishable.is_none() {
            return Err(no_publishable_key());
        }
        let secret_key = check_secret_key(client.as_ref(), publishable.as_ref()).await?;
        // A warning, only once every setting has passed (never above a configuration error).
        if webhooks.is_none() {
            tracing::warn!(
                "CLERK_WEBHOOK_SIGNING_SECRET is not set: POST /webhooks/clerk refuses every delivery"
            );
        }
        Ok(Self {
            config,
            client,
            webhooks,
            secret_key,
        })
    }
}

impl Application {
    /// Binds the listener, connects (lazily) to the database, runs migrations, builds Clerk (or
    /// starts the offline emulator in dev mode) and the server. Port 0 picks a free port.
    ///
    /// # Errors
    ///
    /// An [`Error`] naming what to fix ([`Error::is_config`] when the settings are at fault).
    pub async fn build(settings: Settings) -> Result<Self> {
        check_clerk_mode(&settings)?;
        // Every setting is checked before any resource is touched (listeners, the database, the
        // Backend API), in dev mode too: with the database down, a bad setting is still what the
        // user is told about.
        database::check_url(&settings)?;
        let clerk_base = settings.clerk_config()?;
        // The checked Clerk configuration: the app reads every Clerk setting it needs before
        // building from it, never by name.
        let checked = if settings.dev_mode() {
            // The emulator brings the keys once it runs: the rest is checked now, with a stand-in.
            clerk_base.clone().secret_key("sk_test_devModeStandIn").check()?
        } else {
            clerk_base.check()?
        };
        let configured_upstream = configured_frontend_upstream(&settings, &checked)?;
        let configured = if settings.dev_mode() {
            None
        } else {
            Some(ClerkSetup::new(clerk_base.clone()).await?)
        };
        let listener = bind(&settings.app_host, settings.port)?;
        let port = listener.local_addr().map(|a| a.port()).unwrap_or(settings.port);
        let admin_listener = bind(&settings.app_admin_host, settings.app_admin_port)?;
        let admin_port = admin_listener
            .local_addr()
            .map(|a| a.port())
            .unwrap_or(settings.app_admin_port);
        database::check(&settings).await?;
        let pool = database::pool(&settings)?;
        if settings.app_run_migrations {
            database::migrate(&pool).await?;
        }

        let (setup, dev) = match configured {
            Some(setup) => (setup, None),
            None => {
                let (config, dev) = start_dev(&settings, &checked, clerk_base, port, &pool).await?;
                (ClerkSetup::new(config).await?, dev)
            }
        };
        // The proxy forwards the instance's secret key to Clerk: the checked one (dev mode's
        // configuration carries only a stand-in until the emulator runs).
        let configured_secret = (!settings.dev_mode())
            .then(|| checked.secret_key().map(|key| key.expose().to_owned()))
            .flatten();
        let frontend_upstream = configured_upstream
            .map(|upstream| (upstream, configured_secret))
            .or_else(|| dev_frontend(dev.as_ref()));
        let ClerkSetup {
            config: clerk_config,
            client,
            webhooks,
            secret_key,
        } = setup;
        // The client first: the user cache and Clerk share it, and with it the rate budget.
        let cache = user_cache(&settings, &clerk_config, client.clone(), pool.clone()).await?;
        let mut clerk_config = clerk_config;
        if let Some(client) = client {
            clerk_config = clerk_config.client(client);
        }
        if let Some(cache) = &cache {
            clerk_config = clerk_config.user_source(cache.clone());
        }
        let clerk = clerk_config.build()?;
        let frontend_proxy = match frontend_upstream {
            Some((upstream, Some(secret))) => Some(frontend_proxy::component(
                &upstream,
                secret,
                frontend_proxy::PublicUrl::from_config(clerk.config()),
                clerk.config().trusted_proxies().to_vec(),
            )?),
            Some((upstream, None)) => {
                return Err(Error::setting(
                    upstream.setting,
                    "needs CLERK_SECRET_KEY: the proxy sends it as Clerk-Secret-Key",
                ))
            }
            None => None,
        };
        let trusted_proxies = TrustedProxies::new(clerk.config().trusted_proxies().to_vec());
        let feed = cache.as_ref().map(|cache| {
            let memory = Arc::clone(cache.memory());
            memory.spawn_feed(cache.pool().clone())
        });
        let reconciler = match (&cache, settings.app_reconcile_interval_secs) {
            (Some(cache), secs) if secs > 0 => {
                let cache = Arc::clone(cache);
                Some(actix_web::rt::spawn(async move {
                    cache.run_periodic(Duration::from_secs(secs)).await;
                }))
            }
            _ => None,
        };

        let state = web::Data::new(AppState {
            pool,
            metrics: web::Data::new(Metrics::default()),
            readiness: Readiness::default(),
            secret_key,
            webhooks,
            cache,
            frontend_api: frontend_proxy.as_ref().map(|_| frontend_proxy::MOUNT.to_owned()),
            frontend_proxy,
        });
        let server = run(
            listener,
            state.clone(),
            clerk.clone(),
            trusted_proxies,
            settings.app_workers,
        )?;
        let admin = crate::admin::run(admin_listener, state.clone(), clerk.clone())?;
        Ok(Self {
            port,
            server,
            admin_port,
            admin,
            state,
            clerk,
            dev,
            background: reconciler.into_iter().collect(),
            _feed: feed,
        })
    }

    /// A handle to stop the server (the admin listener stops with it).
    pub fn server_handle(&self) -> actix_web::dev::ServerHandle {
        self.server.handle()
    }

    /// The bound port.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// The admin listener's bound port (`GET /metrics`).
    pub fn admin_port(&self) -> u16 {
        self.admin_port
    }

    /// The shared state (pool, metrics).
    pub fn state(&self) -> &web::Data<AppState> {
        &self.state
    }

    /// The Clerk handle the server uses.
    pub fn clerk(&self) -> &Clerk {
        &self.clerk
    }

    /// The dev-mode emulator, when running in dev mode.
    #[cfg(feature = "dev")]
    pub fn dev(&self) -> Option<&DevStack> {
        self.dev.as_ref()
    }

    /// Serves until SIGINT/SIGTERM (graceful: in-flight requests finish).
    ///
    /// # Errors
    ///
    /// The server's I/O error.
    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        let Application {
            server,
            admin,
            // Kept to the end: the dev-mode emulator stops after the server.
            dev: _dev,
            background,
            ..
        } = self;
        let admin_handle = admin.handle();
        let admin = actix_web::rt::spawn(admin);
        let result = server.await;
        admin_handle.stop(true).await;
        let _ = admin.await;
        for task in background {
            task.abort();
        }
        result
    }
}

/// The `CLERK_*` variables dev mode would ignore: the emulator brings its own keys, API and
/// webhook secret. (Every other `CLERK_*` option applies in dev mode too.)
pub const IGNORED_IN_DEV_MODE: &[&str] = &[
    "CLERK_SECRET_KEY",
    "CLERK_PUBLISHABLE_KEY",
    "CLERK_JWT_KEY",
    "CLERK_API_URL",
    "CLERK_WEBHOOK_SIGNING_SECRET",
];

/// Refuses to start without Clerk keys unless dev mode was asked for, dev mode with a `CLERK_*`
/// variable it would ignore (naming each), and dev mode in a build without the emulator; before
/// any other work.
fn check_clerk_mode(settings: &Settings) -> Result<()> {
    if settings.dev_mode() {
        let ignored: Vec<&str> = IGNORED_IN_DEV_MODE
            .iter()
            .copied()
            .filter(|name| settings.clerk_value(name).is_some())
            .collect();
        if !ignored.is_empty() {
            return Err(Error::setting(
                "APP_DEV_MODE",
                format!(
                    "is set together with {}, which dev mode would ignore (it runs its own offline \
                     Clerk instance): unset {}, or unset APP_DEV_MODE to use your Clerk instance",
                    ignored.join(", "),
                    if ignored.len() == 1 { "it" } else { "them" },
                ),
            ));
        }
    }
    match (settings.dev_mode(), settings.has_clerk_keys()?) {
        (false, true) => Ok(()),
        (true, false) if cfg!(feature = "dev") => Ok(()),
        (true, false) => Err(no_dev_mode()),
        (false, false) => Err(Error::setting(
            "CLERK_SECRET_KEY",
            "is not set (nor CLERK_JWT_KEY): set it to your Clerk instance's secret key, or set \
             APP_DEV_MODE=1 to run against the offline Clerk emulator",
        )),
        // Refused above, naming each key.
        (true, true) => Err(Error::setting(
            "APP_DEV_MODE",
            "is set together with CLERK_SECRET_KEY or CLERK_JWT_KEY: unset APP_DEV_MODE to use \
             your Clerk instance, or the keys to use the emulator",
        )),
    }
}

/// The Frontend API `/__clerk` forwards to: the offline Clerk of `APP_CLERK_FRONTEND_UPSTREAM`
/// (dev and test builds), or the Clerk instance's with `APP_CLERK_FRONTEND_API_PROXY` (any build);
/// checked. Without either, dev mode's own emulator ([`dev_frontend`]); none otherwise.
fn configured_frontend_upstream(
    settings: &Settings,
    clerk: &ResolvedConfig,
) -> Result<Option<frontend_proxy::Upstream>> {
    // First: it refuses APP_CLERK_FRONTEND_UPSTREAM beside it rather than one silently winning.
    if settings.app_clerk_frontend_api_proxy {
        return frontend_proxy::production_upstream(settings, clerk).map(Some);
    }
    if let Some(url) = &settings.app_clerk_frontend_upstream {
        // Forwarding browsers' cookies to another server is for the offline Clerk only: never
        // in a release build (the Docker image), whatever else is configured.
        if !cfg!(feature = "dev") {
            return Err(Error::setting(
                "APP_CLERK_FRONTEND_UPSTREAM",
                "is for the offline Clerk (dev and test builds, the `dev` feature); this build has none",
            ));
        }
        let usable = url::Url::parse(url).is_ok_and(|u| matches!(u.scheme(), "http" | "https"));
        if !usable {
            return Err(Error::setting(
                "APP_CLERK_FRONTEND_UPSTREAM",
                "must be the absolute http(s) URL of an offline Clerk (clerk-testkit)",
            ));
        }
        return Ok(Some(frontend_proxy::Upstream {
            url: url.trim_end_matches('/').to_owned(),
            setting: "APP_CLERK_FRONTEND_UPSTREAM",
        }));
    }
    Ok(None)
}

/// Dev mode's emulator serves the Frontend API.
#[cfg(feature = "dev")]
fn dev_frontend(dev: Option<&DevStack>) -> Option<(frontend_proxy::Upstream, Option<String>)> {
    dev.map(|dev| {
        let emulator = dev.emulator();
        let upstream = frontend_proxy::Upstream {
            url: emulator.base_url().trim_end_matches('/').to_owned(),
            setting: "APP_DEV_MODE",
        };
        (upstream, Some(emulator.secret_key().to_owned()))
    })
}

/// This build has no dev mode.
#[cfg(not(feature = "dev"))]
fn dev_frontend(dev: Option<&DevStack>) -> Option<(frontend_proxy::Upstream, Option<String>)> {
    dev.map(|never| match *never {})
}

/// Starts the emulator: Clerk options, webhook secret and the running stack.
#[cfg(feature = "dev")]
async fn start_dev(
    settings: &Settings,
    checked: &ResolvedConfig,
    base: ClerkConfig,
    port: u16,
    pool: &PgPool,
) -> Result<(clerk_actix::ClerkConfig, Option<DevStack>)> {
    let dev = DevStack::start(settings, checked, port, pool).await?;
    // The configured CLERK_* options apply in dev mode too (the ones it would ignore are refused
    // before this: see IGNORED_IN_DEV_MODE).
    let config = dev
        .clerk_config(base)
        .webhook_signing_secret(dev.webhook_secret());
    Ok((config, Some(dev)))
}

/// This build has no emulator ([`check_clerk_mode`] refuses dev mode first).
#[cfg(not(feature = "dev"))]
async fn start_dev(
    _settings: &Settings,
    _checked: &ResolvedConfig,
    _base: ClerkConfig,
    _port: u16,
    _pool: &PgPool,
) -> Result<(clerk_actix::ClerkConfig, Option<DevStack>)> {
    Err(no_dev_mode())
}

fn no_dev_mode() -> Error {
    Error::setting(
        "APP_DEV_MODE",
        "is set but this build has no dev mode (the `app-dev` binary, built with `--features dev`, has)",
    )
}

fn bind(host: &str, port: u16) -> Result<TcpListener> {
    let address = format!("{host}:{port}");
    TcpListener::bind(&address).map_err(|source| Error::Bind { address, source })
}

/// A resource named after its path: the metrics label of its requests (see [`ROUTES`]).
fn named(path: &'static str) -> actix_web::Resource {
    debug_assert!(ROUTES.contains(&path), "{path} has no metrics label");
    web::resource(path).name(path)
}

/// Headers every answer gets unless its handler (or the `/__clerk` upstream) set its own: an
/// answer may concern one user, so no shared cache may keep it (static files say `public`), and
/// nothing may be framed (the pages' own policy, [`pages::content_security_policy`], says so too;
/// this `Content-Security-Policy` is the API answers' and the probes', and an upstream answer's
/// under `/__clerk` without one).
fn default_headers() -> DefaultHeaders {
    DefaultHeaders::new()
        .add((header::CACHE_CONTROL, clerk_actix::PRIVATE_NO_STORE))
        .add((header::CONTENT_SECURITY_POLICY, pages::FRAME_ANCESTORS))
        .add((header::X_FRAME_OPTIONS, "DENY"))
        // No answer is sniffed into another type (an API's JSON as HTML, say).
        .add((header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
}

fn run(
    listener: TcpListener,
    state: web::Data<AppState>,
    clerk: Clerk,
    trusted_proxies: TrustedProxies,
    workers: usize,
) -> Result<Server> {
    let metrics = state.metrics.clone();
    let csp = ClerkCsp::new(clerk.clone(), pages::content_security_policy()).map_err(|err| {
        Error::setting(
            "CLERK_PUBLISHABLE_KEY",
            format!("its Frontend API host makes no valid Content-Security-Policy header: {err}"),
        )
    })?;
    let clerk_data = web::Data::new(clerk.clone());
    let trusted_proxies = web::Data::new(trusted_proxies);
    let mut server = HttpServer::new(move || {
        App::new()
            .app_data(state.clone())
            .app_data(metrics.clone())
            .app_data(clerk_data.clone())
            .app_data(trusted_proxies.clone())
            // Probes first and outside Clerk's middleware: they carry no credentials, so they pay
            // for no authentication (issue 25: half of `/healthz`'s cost was layers it did not
            // need). Clerk's policy with its per-request nonce wraps the HTML pages; every other
            // answer gets `default_headers`'s `frame-ancestors 'none'` (the policy OWASP's REST
            // cheat sheet asks of an API), which a page's policy, set first, keeps off it.
            .service(named("/healthz").route(web::get().to(routes::healthz)))
            .service(named("/readyz").route(web::get().to(routes::readyz)))
            .service(
                web::scope("")
                    .service(named("/").wrap(csp.clone()).route(web::get().to(pages::index)))
                    .service(named("/api/user").route(web::get().to(routes::api_user)))
                    .service(named("/api/auth").route(web::get().to(routes::api_auth)))
                    .service(
                        named("/profile")
                            .wrap(csp.clone())
                            .route(web::get().to(pages::profile)),
                    )
                    .service(
                        named("/admin")
                            .wrap(
                                Protect::signed_in()
                                    .role("org:admin")
                                    .unauthenticated_url("/sign-in")
                                    .unauthorized_url("/"),
                            )
                            // Outermost: the policy on the page and on Protect's redirects.
                            .wrap(csp.clone())
                            .route(web::get().to(pages::admin)),
                    )
                    .service(
                        named("/client")
                            .wrap(csp.clone())
                            .route(web::get().to(pages::client)),
                    )
                    .service(
                        named("/sign-in")
                            .wrap(csp.clone())
                            .route(web::get().to(pages::sign_in)),
                    )
                    .service(named("/static/app.css").route(web::get().to(pages::stylesheet)))
                    .service(named("/static/client.js").route(web::get().to(pages::client_script)))
                    .service(named("/favicon.ico").route(web::get().to(pages::favicon)))
                    .service(named("/api/data").route(web::get().to(routes::api_data)))
                    .service(named("/api/me").route(web::get().to(routes::api_me)))
                    .service(named("/api/machine").route(web::get().to(routes::api_machine)))
                    .service(named("/api/org").route(web::get().to(routes::api_org)))
                    .service(named("/api/token/{template}").route(web::get().to(routes::api_token)))
                    .service(
                        named("/webhooks/clerk")
                            .app_data(web::PayloadConfig::new(1 << 20))
                            .route(web::post().to(routes::clerk_webhook)),
                    )
                    // The only pattern route, after the fixed ones it would otherwise be tried
                    // before on every request.
                    .service(named("/__clerk/{tail:.*}").to(frontend_proxy::forward))
                    .wrap(ClerkMiddleware::new(clerk.clone())),
            )
            .wrap(default_headers())
            .wrap(from_fn(crate::metrics::track))
            .wrap(RequestSpan)
    })
    .shutdown_timeout(10);
    if workers > 0 {
        server = server.workers(workers);
    }
    let address = listener.local_addr().map(|a| a.to_string()).unwrap_or_default();
    let server = server
        .listen(listener)
        .map_err(|source| Error::Bind { address, source })?
        .run();
    Ok(server)
}
