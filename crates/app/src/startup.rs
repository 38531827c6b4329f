//! Building and running the server: pool, migrations, Clerk, the user cache, routes.

use std::net::TcpListener;
use std::sync::Arc;
use std::time::Duration;

use actix_web::dev::Server;
use actix_web::middleware::from_fn;
use actix_web::{web, App, HttpServer};
use clerk_actix::{Clerk, ClerkClient, ClerkConfig, ClerkMiddleware};
use clerk_core::WebhookVerifier;
use secrecy::ExposeSecret;
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::PgPool;
use tracing_actix_web::TracingLogger;

use crate::cache::{CacheConfig, ClaimReport, InstanceKey, PgUserCache};
use crate::configuration::Settings;
#[cfg(feature = "dev")]
use crate::dev::DevStack;
use crate::metrics::labels::ROUTES;
use crate::metrics::Metrics;
use crate::readiness::Readiness;
use crate::request_span::{RequestSpan, TrustedProxies};
use crate::routes;

/// Builds without the `dev` feature have no emulator: this stand-in has no values.
#[cfg(not(feature = "dev"))]
enum DevStack {}

/// What every handler can reach.
pub struct AppState {
    /// The database pool.
    pub pool: PgPool,
    /// The app's own counters.
    pub metrics: web::Data<Metrics>,
    /// The database answer of `/readyz`, reused for a second.
    pub readiness: Readiness,
    /// Svix verification of Clerk webhooks (`None` when no signing secret is configured).
    pub webhooks: Option<WebhookVerifier>,
    /// The Postgres user cache (`None` without a secret key: it needs the Backend API).
    pub cache: Option<Arc<PgUserCache>>,
}

/// Start-up failures, each naming what to fix.
#[derive(Debug, thiserror::Error)]
pub enum StartupError {
    /// A configuration value is missing or malformed.
    #[error("{0}")]
    Config(String),
    /// The listen address could not be bound.
    #[error("cannot listen on {address}: {source}")]
    Bind {
        /// The address.
        address: String,
        /// Why.
        source: std::io::Error,
    },
    /// Migrations failed (the database is unreachable or the schema is inconsistent).
    #[error("database migrations failed: {0}")]
    Migrate(String),
    /// The user cache could not take over the rows written before it was scoped by instance.
    #[error("the user cache could not claim its rows: {0}")]
    Claim(String),
    /// The dev-mode emulator could not start.
    #[error("the offline Clerk emulator could not start: {0}")]
    Emulator(String),
}

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

/// The database pool of `settings` (lazy: connections open on first use, per worker).
pub fn database_pool(settings: &Settings) -> Result<PgPool, StartupError> {
    let options: PgConnectOptions =
        settings.database_url.expose_secret().parse().map_err(|err| {
            StartupError::Config(format!("configuration: DATABASE_URL is not usable: {err}"))
        })?;
    Ok(PgPoolOptions::new()
        .max_connections(settings.app_database_max_connections)
        .acquire_timeout(settings.acquire_timeout())
        .connect_lazy_with(options))
}

/// Runs the migrations of `migrations/` (what `app migrate` does).
pub async fn migrate(pool: &PgPool) -> Result<(), StartupError> {
    crate::MIGRATOR
        .run(pool)
        .await
        .map_err(|err| StartupError::Migrate(err.to_string()))
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

/// The Postgres user cache of the configured Clerk instance, calling Clerk through `client`
/// (the client the [`Clerk`] is then built with, so both share the instance's rate budget);
/// `None` without a client (no secret key). The cache's rows are scoped by the instance the
/// publishable key names; rows written before that scoping existed are claimed here
/// ([`crate::cache::UserRepo::claim_unowned`]).
///
/// # Errors
///
/// [`StartupError::Config`] when a secret key is set without `CLERK_PUBLISHABLE_KEY` (the
/// cache must know which instance its users belong to); [`StartupError::Claim`] when the
/// database refuses the claim.
pub async fn user_cache(
    settings: &Settings,
    config: &ClerkConfig,
    client: Option<ClerkClient>,
    pool: PgPool,
) -> Result<Option<Arc<PgUserCache>>, StartupError> {
    let Some(client) = client else {
        tracing::warn!("no CLERK_SECRET_KEY: the user cache is off and CurrentUser is unavailable");
        return Ok(None);
    };
    let publishable_key = config
        .parsed_publishable_key()
        .map_err(|err| StartupError::Config(format!("configuration: {err}")))?;
    let Some(publishable_key) = publishable_key else {
        return Err(StartupError::Config(
            "configuration: CLERK_PUBLISHABLE_KEY is required with CLERK_SECRET_KEY: the user cache \
             keeps each Clerk instance's users apart by the instance it names"
                .to_owned(),
        ));
    };
    let instance = InstanceKey::from_publishable_key(&publishable_key);
    let cache = PgUserCache::new(pool, client, instance, cache_config(settings));
    let claimed = cache
        .repo()
        .claim_unowned()
        .await
        .map_err(|err| StartupError::Claim(err.to_string()))?;
    if claimed != ClaimReport::default() {
        tracing::info!(
            instance = %cache.repo().instance(),
            users = claimed.users,
            dropped = claimed.dropped,
            deliveries = claimed.deliveries,
            "user cache: claimed the rows written before instance scoping"
        );
    }
    Ok(Some(Arc::new(cache)))
}

/// `SELECT 1` within a short timeout.
pub async fn ping_database(pool: &PgPool) -> Result<(), String> {
    let ping = sqlx::query_scalar::<_, i32>("SELECT 1").fetch_one(pool);
    match tokio::time::timeout(Duration::from_secs(2), ping).await {
        Ok(Ok(_)) => Ok(()),
        Ok(Err(err)) => Err(err.to_string()),
        Err(_) => Err("timed out".to_owned()),
    }
}

impl Application {
    /// Binds the listener, connects (lazily) to the database, runs migrations, builds Clerk (or
    /// starts the offline emulator in dev mode) and the server. Port 0 picks a free port.
    ///
    /// # Errors
    ///
    /// A [`StartupError`] naming what to fix.
    pub async fn build(settings: Settings) -> Result<Self, StartupError> {
        check_clerk_mode(&settings)?;
        let trusted_proxies = TrustedProxies::new(settings.trusted_proxies().map_err(StartupError::Config)?);
        let listener = bind(&settings.app_host, settings.port)?;
        let port = listener.local_addr().map(|a| a.port()).unwrap_or(settings.port);
        let admin_listener = bind(&settings.app_admin_host, settings.app_admin_port)?;
        let admin_port = admin_listener
            .local_addr()
            .map(|a| a.port())
            .unwrap_or(settings.app_admin_port);
        let pool = database_pool(&settings)?;
        if settings.app_run_migrations {
            migrate(&pool).await?;
        }

        let (clerk_config, webhook_secret, dev) = if settings.dev_mode() {
            start_dev(&settings, port, &pool).await?
        } else {
            let config = settings
                .clerk_config()
                .map_err(|err| StartupError::Config(err.to_string()))?;
            let secret = settings
                .clerk_webhook_signing_secret
                .as_ref()
                .map(|s| s.expose_secret().to_owned());
            (config, secret, None)
        };
        // The client first: the user cache and Clerk share it, and with it the rate budget.
        let client = clerk_config
            .build_client()
            .map_err(|err| StartupError::Config(err.to_string()))?;
        let cache = user_cache(&settings, &clerk_config, client.clone(), pool.clone()).await?;
        let mut clerk_config = clerk_config;
        if let Some(client) = client {
            clerk_config = clerk_config.client(client);
        }
        if let Some(cache) = &cache {
            clerk_config = clerk_config.user_source(cache.clone());
        }
        let clerk = clerk_config
            .build()
            .map_err(|err| StartupError::Config(err.to_string()))?;
        let feed = cache.as_ref().map(|cache| {
            let memory = Arc::clone(cache.memory());
            memory.spawn_feed(cache.repo().pool().clone())
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
        let webhooks = match webhook_secret {
            Some(secret) => Some(WebhookVerifier::from_env_value(&secret).map_err(|err| {
                StartupError::Config(format!("configuration: CLERK_WEBHOOK_SIGNING_SECRET: {err}"))
            })?),
            None => {
                tracing::warn!(
                    "CLERK_WEBHOOK_SIGNING_SECRET is not set: POST /webhooks/clerk refuses every delivery"
                );
                None
            }
        };

        let state = web::Data::new(AppState {
            pool,
            metrics: web::Data::new(Metrics::default()),
            readiness: Readiness::default(),
            webhooks,
            cache,
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

/// Refuses to start without Clerk keys unless dev mode was asked for, dev mode with keys, and dev
/// mode in a build without the emulator; before any other work.
fn check_clerk_mode(settings: &Settings) -> Result<(), StartupError> {
    match (settings.dev_mode(), settings.has_clerk_keys()) {
        (false, true) => Ok(()),
        (true, false) if cfg!(feature = "dev") => Ok(()),
        (true, false) => Err(no_dev_mode()),
        (false, false) => Err(StartupError::Config(
            "configuration: CLERK_SECRET_KEY is not set (nor CLERK_JWT_KEY): set it to your Clerk \
             instance's secret key, or set APP_DEV_MODE=1 to run against the offline Clerk emulator"
                .into(),
        )),
        (true, true) => Err(StartupError::Config(
            "configuration: APP_DEV_MODE is set together with CLERK_SECRET_KEY or CLERK_JWT_KEY: \
             unset APP_DEV_MODE to use your Clerk instance, or the keys to use the emulator"
                .into(),
        )),
    }
}

/// Starts the emulator: Clerk options, webhook secret and the running stack.
#[cfg(feature = "dev")]
async fn start_dev(
    settings: &Settings,
    port: u16,
    pool: &PgPool,
) -> Result<(clerk_actix::ClerkConfig, Option<String>, Option<DevStack>), StartupError> {
    let dev = DevStack::start(settings, port, pool)
        .await
        .map_err(StartupError::Emulator)?;
    // The configured CLERK_* options apply in dev mode too (keys are refused before this).
    let base = settings
        .clerk_config()
        .map_err(|err| StartupError::Config(format!("configuration: {err}")))?;
    let config = dev.clerk_config(base);
    let secret = Some(dev.webhook_secret().to_owned());
    Ok((config, secret, Some(dev)))
}

/// This build has no emulator ([`check_clerk_mode`] refuses dev mode first).
#[cfg(not(feature = "dev"))]
async fn start_dev(
    _settings: &Settings,
    _port: u16,
    _pool: &PgPool,
) -> Result<(clerk_actix::ClerkConfig, Option<String>, Option<DevStack>), StartupError> {
    Err(no_dev_mode())
}

fn no_dev_mode() -> StartupError {
    StartupError::Config(
        "configuration: APP_DEV_MODE is set but this build has no dev mode (build with `--features dev`)"
            .into(),
    )
}

fn bind(host: &str, port: u16) -> Result<TcpListener, StartupError> {
    let address = format!("{host}:{port}");
    TcpListener::bind(&address).map_err(|source| StartupError::Bind { address, source })
}

/// A resource named after its path: the metrics label of its requests (see [`ROUTES`]).
fn named(path: &'static str) -> actix_web::Resource {
    debug_assert!(ROUTES.contains(&path), "{path} has no metrics label");
    web::resource(path).name(path)
}

fn run(
    listener: TcpListener,
    state: web::Data<AppState>,
    clerk: Clerk,
    trusted_proxies: TrustedProxies,
    workers: usize,
) -> Result<Server, StartupError> {
    let metrics = state.metrics.clone();
    let clerk_data = web::Data::new(clerk.clone());
    let trusted_proxies = web::Data::new(trusted_proxies);
    let mut server = HttpServer::new(move || {
        App::new()
            .app_data(state.clone())
            .app_data(metrics.clone())
            .app_data(clerk_data.clone())
            .app_data(trusted_proxies.clone())
            .service(named("/").route(web::get().to(routes::index)))
            .service(named("/api/user").route(web::get().to(routes::api_user)))
            .service(named("/api/auth").route(web::get().to(routes::api_auth)))
            .service(named("/profile").route(web::get().to(routes::profile)))
            .service(named("/api/data").route(web::get().to(routes::api_data)))
            .service(named("/api/me").route(web::get().to(routes::api_me)))
            .service(named("/healthz").route(web::get().to(routes::healthz)))
            .service(named("/readyz").route(web::get().to(routes::readyz)))
            .service(
                named("/webhooks/clerk")
                    .app_data(web::PayloadConfig::new(1 << 20))
                    .route(web::post().to(routes::clerk_webhook)),
            )
            .wrap(ClerkMiddleware::new(clerk.clone()))
            .wrap(from_fn(crate::metrics::track))
            .wrap(TracingLogger::<RequestSpan>::new())
    })
    .shutdown_timeout(10);
    if workers > 0 {
        server = server.workers(workers);
    }
    let address = listener.local_addr().map(|a| a.to_string()).unwrap_or_default();
    let server = server
        .listen(listener)
        .map_err(|source| StartupError::Bind { address, source })?
        .run();
    Ok(server)
}

/// Prometheus text for `/metrics` (served by the admin listener).
pub fn render_metrics(state: &AppState, clerk: &Clerk) -> String {
    use std::fmt::Write as _;
    let mut out = String::with_capacity(4096);
    state.metrics.render_into(&mut out);
    let clerk_stats = clerk.stats();
    if let Some(stats) = clerk_stats.jwks {
        out.push_str("# HELP clerk_jwks_fetches_total JWKS fetches from the Backend API.\n");
        out.push_str("# TYPE clerk_jwks_fetches_total counter\n");
        let _ = writeln!(out, "clerk_jwks_fetches_total {}", stats.fetches);
        out.push_str("# HELP clerk_jwks_fetch_failures_total JWKS fetches that failed.\n");
        out.push_str("# TYPE clerk_jwks_fetch_failures_total counter\n");
        let _ = writeln!(out, "clerk_jwks_fetch_failures_total {}", stats.failures);
        out.push_str("# HELP clerk_jwks_stale_serves_total Lookups served from a key past its TTL.\n");
        out.push_str("# TYPE clerk_jwks_stale_serves_total counter\n");
        let _ = writeln!(out, "clerk_jwks_stale_serves_total {}", stats.stale_serves);
    }
    if let Some(cache) = &state.cache {
        render_cache_stats(&mut out, &cache.stats());
    }
    if let Some(snapshot) = clerk_stats.client {
        out.push_str(
            "# HELP clerk_backend_api_attempts_total Backend API attempts, by endpoint and outcome.\n",
        );
        out.push_str("# TYPE clerk_backend_api_attempts_total counter\n");
        for count in &snapshot.attempts {
            let _ = writeln!(
                out,
                "clerk_backend_api_attempts_total{{endpoint=\"{}\",outcome=\"{}\"}} {}",
                crate::metrics::escape(count.endpoint),
                crate::metrics::escape(&count.outcome.to_string()),
                count.count
            );
        }
        let _ = writeln!(
            out,
            "# TYPE clerk_backend_api_calls_total counter\nclerk_backend_api_calls_total {}",
            snapshot.calls
        );
        let _ = writeln!(
            out,
            "# TYPE clerk_backend_api_retries_total counter\nclerk_backend_api_retries_total {}",
            snapshot.retries
        );
    }
    out
}

fn render_cache_stats(out: &mut String, stats: &crate::cache::StatsSnapshot) {
    use std::fmt::Write as _;
    let counters: [(&str, &str, u64); 19] = [
        (
            "app_user_cache_memory_hits_total",
            "Lookups served by the in-process tier.",
            stats.memory_hits,
        ),
        (
            "app_user_cache_memory_invalidations_total",
            "Users dropped from the in-process tier on a change.",
            stats.memory_invalidations,
        ),
        (
            "app_user_cache_feed_drops_total",
            "Times the change feed was lost (in-process tier flushed).",
            stats.memory_feed_drops,
        ),
        (
            "app_user_cache_hits_total",
            "Lookups served from a fresh row.",
            stats.hits,
        ),
        (
            "app_user_cache_misses_total",
            "Lookups without a fresh row.",
            stats.misses,
        ),
        (
            "app_user_cache_coalesced_total",
            "Misses that shared another caller's Backend API call.",
            stats.coalesced,
        ),
        (
            "app_user_cache_refreshed_total",
            "Rows fetched from the Backend API by read-through.",
            stats.refreshed,
        ),
        (
            "app_user_cache_stale_serves_total",
            "Lookups answered with a stale row (Clerk unreachable).",
            stats.stale_serves,
        ),
        (
            "app_user_cache_negative_hits_total",
            "Unknown ids answered from the negative cache.",
            stats.negative_hits,
        ),
        (
            "app_user_cache_tombstone_hits_total",
            "Deleted users answered from a tombstone.",
            stats.tombstone_hits,
        ),
        (
            "app_user_cache_unavailable_total",
            "Lookups answered unavailable.",
            stats.unavailable,
        ),
        (
            "app_user_cache_db_errors_total",
            "Database failures seen by lookups.",
            stats.db_errors,
        ),
        (
            "app_user_cache_api_ok_total",
            "Cache Backend API calls that succeeded.",
            stats.api_ok,
        ),
        (
            "app_user_cache_api_not_found_total",
            "Cache Backend API calls answered 404.",
            stats.api_not_found,
        ),
        (
            "app_user_cache_api_rate_limited_total",
            "Cache Backend API calls answered 429.",
            stats.api_rate_limited,
        ),
        (
            "app_user_cache_api_failed_total",
            "Cache Backend API calls that failed otherwise.",
            stats.api_failed,
        ),
        (
            "app_user_cache_api_budget_exhausted_total",
            "Calls not made: no rate-budget slot in time.",
            stats.api_budget_exhausted,
        ),
        (
            "app_reconcile_passes_complete_total",
            "Reconciliation passes that completed.",
            stats.passes_complete,
        ),
        (
            "app_reconcile_passes_incomplete_total",
            "Reconciliation passes that stopped early.",
            stats.passes_incomplete,
        ),
    ];
    for (name, help, value) in counters {
        let _ = writeln!(out, "# HELP {name} {help}\n# TYPE {name} counter\n{name} {value}");
    }
    let gauges: [(&str, &str, u64); 5] = [
        (
            "app_reconcile_pass_pages",
            "Pages fetched by the last (or running) pass.",
            stats.pass_pages,
        ),
        (
            "app_reconcile_pass_users_seen",
            "Users listed by the last (or running) pass.",
            stats.pass_users_seen,
        ),
        (
            "app_reconcile_pass_upserted",
            "Users stored by the last (or running) pass.",
            stats.pass_upserted,
        ),
        (
            "app_reconcile_pass_tombstoned",
            "Users tombstoned by the last (or running) pass.",
            stats.pass_tombstoned,
        ),
        (
            "app_reconcile_last_pass_duration_ms",
            "Duration of the last finished pass.",
            stats.last_pass_duration_ms,
        ),
    ];
    for (name, help, value) in gauges {
        let _ = writeln!(out, "# HELP {name} {help}\n# TYPE {name} gauge\n{name} {value}");
    }
    out.push_str(
        "# HELP app_user_cache_webhooks_total Webhook events applied by the cache, by type and outcome.\n",
    );
    out.push_str("# TYPE app_user_cache_webhooks_total counter\n");
    for (event, outcome, n) in &stats.webhooks {
        let _ = writeln!(
            out,
            "app_user_cache_webhooks_total{{type=\"{}\",outcome=\"{outcome}\"}} {n}",
            crate::metrics::escape(event)
        );
    }
}
