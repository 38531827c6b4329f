//! The command line of the `app` and `app-dev` binaries ([`main`]): `serve` (the default),
//! `migrate`, `sync --full`, and (with the `dev` feature) the dev-mode banner.
//!
//! `.env` in the working directory is read first (variables already set win over it). A failure is
//! printed once, on stderr, and ends the process with [`CONFIG_ERROR`] when the settings are at
//! fault ([`Error::is_config`]), else with `1`.

use std::process::ExitCode;

use clap::{CommandFactory as _, FromArgMatches as _, Parser, Subcommand};
use tracing::Instrument as _;

use crate::cache::ReconcileOutcome;
use crate::configuration::Settings;
use crate::database;
#[cfg(feature = "dev")]
use crate::dev::DevStack;
use crate::error::{Error, Result};
use crate::startup::Application;
use crate::telemetry::{get_subscriber_with, init_subscriber};

/// The exit code of a configuration error: fix the settings, then start again.
pub const CONFIG_ERROR: u8 = 2;

/// Which binary runs [`main`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Binary {
    /// `app`: serves a Clerk instance only, however it was built. Cargo unifies features across
    /// the workspace (the e2e crate enables `dev`), so the emulator may be linked in: `app`
    /// refuses `APP_DEV_MODE` and `APP_CLERK_FRONTEND_UPSTREAM` all the same.
    App,
    /// `app-dev` (a `[[bin]]` that requires the `dev` feature): may also run dev mode, against
    /// the offline Clerk (`make run`).
    AppDev,
}

impl Binary {
    fn name(self) -> &'static str {
        match self {
            Binary::App => "app",
            Binary::AppDev => "app-dev",
        }
    }

    /// Refuses, in `app`, the settings only the offline Clerk uses; before any other work.
    fn check(self, settings: &Settings) -> Result<()> {
        let variable = if self == Binary::AppDev {
            return Ok(());
        } else if settings.dev_mode() {
            "APP_DEV_MODE"
        } else if settings.app_clerk_frontend_upstream.is_some() {
            "APP_CLERK_FRONTEND_UPSTREAM"
        } else {
            return Ok(());
        };
        Err(Error::setting(
            variable,
            "is set, but the `app` binary never runs the offline Clerk: unset it to use your \
             Clerk instance, or run `app-dev` (`make run`; a build with `--features dev`)",
        ))
    }
}

#[derive(Parser)]
#[command(version, about = "Example Clerk-protected API server")]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand)]
enum Command {
    /// Runs the server (the default).
    Serve,
    /// Applies the database migrations and exits.
    Migrate,
    /// Synchronises the user cache with the Backend API and exits.
    Sync {
        /// A full pass over every user (the only kind there is today).
        #[arg(long)]
        full: bool,
    },
}

/// The whole program of `binary`: parses the command line, reads `.env` and the settings, runs
/// the subcommand; a failure is printed once, on stderr.
pub fn main(binary: Binary) -> ExitCode {
    let matches = Cli::command().name(binary.name()).get_matches();
    let cli = Cli::from_arg_matches(&matches).unwrap_or_else(|err| err.exit());
    // Before any setting is read, by every subcommand; the environment wins over the file.
    if let Err(err) = crate::dotenv::load(std::path::Path::new(crate::dotenv::DOTENV_FILE)) {
        return exit(binary, &err);
    }
    let settings = match Settings::load().and_then(|s| binary.check(&s).map(|()| s)) {
        Ok(settings) => settings,
        Err(err) => return exit(binary, &err),
    };
    // OTLP trace export when an endpoint is set (the `otel` feature; see `crate::otel`).
    #[cfg(feature = "otel")]
    let plaintext = if settings.app_otel_allow_plaintext {
        crate::otel::Plaintext::Allowed
    } else {
        crate::otel::Plaintext::LoopbackOnly
    };
    #[cfg(feature = "otel")]
    let export = match crate::otel::Export::from_env(plaintext) {
        Ok(export) => export,
        Err(err) => return exit(binary, &err),
    };
    #[cfg(feature = "otel")]
    let extra = export.as_ref().map(crate::otel::Export::layer);
    #[cfg(not(feature = "otel"))]
    let extra = None;
    init_subscriber(get_subscriber_with(
        &settings.app_log,
        settings.app_log_format,
        std::io::stdout,
        extra,
    ));
    let result = actix_web::rt::System::new().block_on(async move {
        match cli.command.unwrap_or(Command::Serve) {
            Command::Serve => serve(settings).await,
            Command::Migrate => migrate(&settings).await,
            Command::Sync { .. } => sync_full(&settings).await,
        }
    });
    #[cfg(feature = "otel")]
    if let Some(export) = export {
        export.shutdown();
    }
    match result {
        Ok(()) => ExitCode::SUCCESS,
        // Printed once, on stderr: not logged as well.
        Err(err) => exit(binary, &err),
    }
}

/// Prints `err` and chooses the exit code by its kind.
fn exit(binary: Binary, err: &Error) -> ExitCode {
    eprintln!("{}: {err}", binary.name());
    if err.is_config() {
        ExitCode::from(CONFIG_ERROR)
    } else {
        ExitCode::FAILURE
    }
}

/// An address to call a listener bound to `host` at.
fn local(host: &str) -> &str {
    if host == "0.0.0.0" {
        "127.0.0.1"
    } else {
        host
    }
}

/// `app serve`.
async fn serve(settings: Settings) -> Result<()> {
    let host = settings.app_host.clone();
    let admin_host = settings.app_admin_host.clone();
    #[cfg(feature = "dev")]
    let first_pass = settings.app_reconcile_interval_secs > 0;
    let application = Application::build(settings).await?;
    let base = format!("http://{}:{}", local(&host), application.port());
    let admin = format!("http://{}:{}", local(&admin_host), application.admin_port());
    tracing::info!(%base, %admin, "listening");
    // The banner goes out once start-up has settled, so it is the last thing on screen.
    #[cfg(feature = "dev")]
    if let Some(dev) = application.dev() {
        actix_web::rt::spawn(print_dev_banner_when_settled(
            dev_banner(dev, &base),
            dev.emulator().webhooks().clone(),
            application.state().cache.clone(),
            first_pass,
        ));
    }
    Ok(application.run_until_stopped().await?)
}

/// `app migrate`.
///
/// # Errors
///
/// Why the migrations failed.
pub async fn migrate(settings: &Settings) -> Result<()> {
    database::check(settings).await?;
    let pool = database::pool(settings)?;
    database::migrate(&pool).await?;
    println!("migrations applied");
    Ok(())
}

/// `app sync --full`: one reconciliation pass of users (with a progress line on a terminal),
/// then one of organizations and memberships.
///
/// # Errors
///
/// Why the pass could not run, or [`Error::SyncIncomplete`] when it stopped early.
pub async fn sync_full(settings: &Settings) -> Result<()> {
    use std::io::{IsTerminal as _, Write as _};
    if settings.dev_mode() {
        return Err(Error::setting(
            "APP_DEV_MODE",
            "is set, but app sync needs a Clerk instance: unset APP_DEV_MODE and set \
             CLERK_SECRET_KEY (the dev-mode emulator lives inside `app-dev serve`)",
        ));
    }
    // The configuration first (the secret key before anything else), then the database.
    let config = settings.clerk_config()?;
    if !config.has_secret_key() {
        return Err(Error::setting(
            "CLERK_SECRET_KEY",
            "is required by app sync: set it and CLERK_PUBLISHABLE_KEY to your instance's keys \
             (for `make run`'s dev stack: the three CLERK_* lines of its banner)",
        ));
    }
    config.check()?;
    let client = config.build_client()?;
    if config.parsed_publishable_key()?.is_none() {
        return Err(crate::startup::no_publishable_key());
    }
    database::check(settings).await?;
    let pool = database::pool(settings)?;
    database::migrate(&pool).await?;
    let cache = crate::startup::user_cache(settings, &config, client, pool)
        .await?
        .ok_or_else(|| Error::setting("CLERK_SECRET_KEY", "is required by app sync"))?;
    let terminal = std::io::stdout().is_terminal();
    let report = cache
        .reconcile(|progress| {
            if terminal {
                print!(
                    "\r{:?}: {} pages, {} users seen, {} stored, {} deleted   ",
                    progress.phase,
                    progress.pages,
                    progress.users_seen,
                    progress.upserted,
                    progress.tombstoned
                );
                let _ = std::io::stdout().flush();
            }
        })
        .instrument(tracing::info_span!(
            "reconciliation pass",
            clerk.reconcile.resource = "users"
        ))
        .await?;
    if terminal {
        println!();
    }
    println!(
        "sync: {:?} in {:.1} s: {} pages, {} users seen, {} stored, {} deleted, {} unconfirmed",
        report.outcome,
        report.duration.as_secs_f64(),
        report.pages,
        report.users_seen,
        report.upserted,
        report.tombstoned,
        report.unconfirmed
    );
    let orgs = cache
        .reconcile_organizations()
        .instrument(tracing::info_span!(
            "reconciliation pass",
            clerk.reconcile.resource = "organizations"
        ))
        .await?;
    println!(
        "sync organizations: {:?} in {:.1} s: {} pages, {} organizations and {} memberships seen, \
         {} stored, {} organizations and {} memberships deleted, {} unconfirmed",
        orgs.outcome,
        orgs.duration.as_secs_f64(),
        orgs.pages,
        orgs.organizations_seen,
        orgs.memberships_seen,
        orgs.upserted,
        orgs.organizations_tombstoned,
        orgs.memberships_tombstoned,
        orgs.unconfirmed
    );
    let done = |outcome: &ReconcileOutcome| {
        matches!(outcome, ReconcileOutcome::Complete | ReconcileOutcome::Skipped)
    };
    if done(&report.outcome) && done(&orgs.outcome) {
        Ok(())
    } else {
        Err(Error::SyncIncomplete)
    }
}

/// The dev-mode banner: where the app and the emulator listen, the emulator's TEST-ONLY keys (so
/// `app sync --full` can run against the dev stack from another shell) and a ready-to-paste `curl`.
#[cfg(feature = "dev")]
pub fn dev_banner(dev: &DevStack, base: &str) -> String {
    use std::fmt::Write as _;
    let emulator = dev.emulator();
    let mut out = String::new();
    let _ = writeln!(out);
    let _ = writeln!(
        out,
        "clerk-actix example running in DEV MODE against the offline Clerk emulator"
    );
    let _ = writeln!(out, "  app:  {base}");
    let first = emulator.users().all().into_iter().next();
    let email = first
        .as_ref()
        .and_then(|user| user.primary_email().map(str::to_owned))
        .unwrap_or_else(|| "a seeded user's email".to_owned());
    let _ = writeln!(
        out,
        "  open {base}/profile in a browser: it sends you to {base}/sign-in, Clerk's sign-in component"
    );
    let _ = writeln!(
        out,
        "  (the official @clerk/clerk-js and @clerk/ui): {email} / {} (every seeded user's password),",
        crate::dev::SEEDED_PASSWORD
    );
    let _ = writeln!(
        out,
        "  or follow its link to the offline Clerk's script-free sign-in page (pick a seeded user, no password);"
    );
    let _ = writeln!(
        out,
        "  then try {base}/ and {base}/client (clerk-js: getToken() for /api/data, signOut())"
    );
    let _ = writeln!(
        out,
        "  (unset APP_DEV_MODE and set CLERK_SECRET_KEY and CLERK_PUBLISHABLE_KEY to use a real Clerk instance)"
    );
    let _ = writeln!(out);
    let _ = writeln!(
        out,
        "The emulator's keys (TEST-ONLY: an offline instance that lives as long as this process):"
    );
    let _ = writeln!(out, "  CLERK_API_URL={}", emulator.base_url());
    let _ = writeln!(out, "  CLERK_PUBLISHABLE_KEY={}", emulator.publishable_key());
    let _ = writeln!(out, "  CLERK_SECRET_KEY={}", emulator.secret_key());
    let _ = writeln!(
        out,
        "  (with these three set, `make sync` / `app sync --full` runs a pass against it)"
    );
    let _ = writeln!(out);
    let _ = writeln!(
        out,
        "Your own frontend on Clerk's official SDK (@clerk/clerk-js, offline; README: \"Your own frontend\"):"
    );
    if emulator.npm_dir().is_some() {
        let _ = writeln!(
            out,
            "  proxy /__clerk to {base} in its dev server (Vite: server.proxy['/__clerk'] = '{base}'), load"
        );
        let _ = writeln!(
            out,
            "  <script data-clerk-publishable-key=\"{}\" data-clerk-proxy-url=\"/__clerk\" src=\"/__clerk/npm/@clerk/clerk-js@6/dist/clerk.browser.js\"></script>",
            emulator.publishable_key()
        );
        let _ = writeln!(
            out,
            "  and add its origin to CLERK_AUTHORIZED_PARTIES (with this app's own origin)"
        );
    } else {
        let _ = writeln!(
            out,
            "  not served (nor for this app's /sign-in and /client): run `bash scripts/clerk-js.sh` and set CLERK_TESTKIT_NPM_DIR to what it prints (`make run` does)"
        );
    }
    if let Some(token) = dev.sample_token() {
        let _ = writeln!(out);
        let _ = writeln!(out, "Try it (the token is valid for an hour):");
        let _ = writeln!(
            out,
            "  curl -s -H 'Authorization: Bearer {token}' {base}/api/user"
        );
        let _ = writeln!(
            out,
            "  curl -s -H 'Authorization: Bearer {token}' {base}/api/org   (its organization, Acme)"
        );
    }
    out
}

/// Prints [`dev_banner`] once start-up has settled, so that it is the last thing on screen: the
/// server is polled, the emulator has delivered its queued webhooks and, when `first_pass` is set,
/// the first reconciliation pass of `cache` has finished (at most 10 s of waiting).
#[cfg(feature = "dev")]
pub async fn print_dev_banner_when_settled(
    banner: String,
    webhooks: clerk_testkit::webhooks::Webhooks,
    cache: Option<std::sync::Arc<crate::cache::PgDirectoryCache>>,
    first_pass: bool,
) {
    use std::io::Write as _;
    use std::time::{Duration, Instant};
    let deadline = Instant::now() + Duration::from_secs(10);
    let pass_done = || match (&cache, first_pass) {
        (Some(cache), true) => {
            let stats = cache.stats();
            stats.passes_complete + stats.passes_incomplete + stats.passes_skipped > 0
        }
        _ => true,
    };
    loop {
        tokio::time::sleep(Duration::from_millis(100)).await;
        if (pass_done() && webhooks.pending() == 0) || Instant::now() >= deadline {
            break;
        }
    }
    // The counters move just before their log lines: let those lines out first.
    tokio::time::sleep(Duration::from_millis(200)).await;
    let mut out = std::io::stdout().lock();
    let _ = out.write_all(banner.as_bytes());
    let _ = out.flush();
}
