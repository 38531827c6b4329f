//! The command-line jobs besides serving: `migrate`, `sync --full`, and (with the `dev` feature)
//! the dev-mode banner.

use crate::configuration::Settings;
#[cfg(feature = "dev")]
use crate::dev::DevStack;
use crate::startup::{database_pool, migrate as run_migrations};

/// `app migrate`.
///
/// # Errors
///
/// Why the migrations failed.
pub async fn migrate(settings: &Settings) -> Result<(), String> {
    let pool = database_pool(settings).map_err(|err| err.to_string())?;
    run_migrations(&pool).await.map_err(|err| err.to_string())?;
    println!("migrations applied");
    Ok(())
}

/// `app sync --full`: one reconciliation pass with a progress line on a terminal.
///
/// # Errors
///
/// Why the pass could not run.
pub async fn sync_full(settings: &Settings) -> Result<(), String> {
    use std::io::{IsTerminal as _, Write as _};
    if settings.dev_mode() {
        return Err(
            "app sync: unset APP_DEV_MODE and set CLERK_SECRET_KEY (the dev-mode emulator lives inside `app serve`)"
                .into(),
        );
    }
    let pool = database_pool(settings).map_err(|err| err.to_string())?;
    run_migrations(&pool).await.map_err(|err| err.to_string())?;
    let clerk = settings
        .clerk_config()
        .and_then(clerk_actix::ClerkConfig::build)
        .map_err(|err| err.to_string())?;
    let cache = crate::startup::user_cache(settings, &clerk, pool)
        .await
        .map_err(|err| err.to_string())?
        .ok_or("app sync: CLERK_SECRET_KEY is required")?;
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
        .await
        .map_err(|err| err.to_string())?;
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
    if report.is_complete() || report.outcome == crate::cache::ReconcileOutcome::Skipped {
        Ok(())
    } else {
        Err("sync: the pass was incomplete (see the log); nothing was deleted".into())
    }
}

/// Prints how to call the dev stack: the emulator's keys and a ready-to-paste `curl`.
#[cfg(feature = "dev")]
pub fn print_dev_banner(dev: &DevStack, base: &str) {
    let emulator = dev.emulator();
    println!();
    println!("clerk-actix example running in DEV MODE against the offline Clerk emulator");
    println!("  app:              {base}");
    println!("  emulator API:     {}", emulator.base_url());
    println!("  publishable key:  {}", emulator.publishable_key());
    println!("  (unset APP_DEV_MODE and set CLERK_SECRET_KEY and CLERK_PUBLISHABLE_KEY to use a real Clerk instance)");
    if let Some(token) = dev.sample_token() {
        println!();
        println!("Try it (the token is valid for an hour):");
        println!("  curl -s -H 'Authorization: Bearer {token}' {base}/api/user");
    }
    println!();
}
