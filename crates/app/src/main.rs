//! `app`: the example Clerk-protected API server.
//!
//! `app serve` (default) runs it; `app migrate` applies the migrations; `app sync --full` runs one
//! reconciliation pass against the Backend API.
//!
//! `.env` in the working directory is read first (variables already set win over it).
//!
//! A failure is printed once, on stderr, and ends the process with [`CONFIG_ERROR`] when the
//! settings are at fault ([`app::Error::is_config`]), else with `1`.

use std::process::ExitCode;

use app::configuration::Settings;
use app::startup::Application;
use app::telemetry::{get_subscriber, init_subscriber};
use clap::{Parser, Subcommand};

/// The exit code of a configuration error: fix the settings, then start again.
const CONFIG_ERROR: u8 = 2;

#[derive(Parser)]
#[command(name = "app", version, about = "Example Clerk-protected API server")]
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

fn main() -> ExitCode {
    let cli = Cli::parse();
    // Before any setting is read, by every subcommand; the environment wins over the file.
    if let Err(err) = app::dotenv::load(std::path::Path::new(app::dotenv::DOTENV_FILE)) {
        return exit(&err);
    }
    let settings = match Settings::load() {
        Ok(settings) => settings,
        Err(err) => return exit(&err),
    };
    init_subscriber(get_subscriber(
        &settings.app_log,
        settings.app_log_format,
        std::io::stdout,
    ));
    let result = actix_web::rt::System::new().block_on(async move {
        match cli.command.unwrap_or(Command::Serve) {
            Command::Serve => serve(settings).await,
            Command::Migrate => app::cli::migrate(&settings).await,
            Command::Sync { .. } => app::cli::sync_full(&settings).await,
        }
    });
    match result {
        Ok(()) => ExitCode::SUCCESS,
        // Printed once, on stderr: not logged as well.
        Err(err) => exit(&err),
    }
}

/// Prints `err` and chooses the exit code by its kind.
fn exit(err: &app::Error) -> ExitCode {
    eprintln!("app: {err}");
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

async fn serve(settings: Settings) -> app::Result<()> {
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
        actix_web::rt::spawn(app::cli::print_dev_banner_when_settled(
            app::cli::dev_banner(dev, &base),
            dev.emulator().webhooks().clone(),
            application.state().cache.clone(),
            first_pass,
        ));
    }
    Ok(application.run_until_stopped().await?)
}
