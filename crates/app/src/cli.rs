//! The command-line jobs besides serving: `migrate`, `sync --full`, and the dev-mode banner.

use crate::configuration::Settings;
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
pub async fn sync_full(_settings: &Settings) -> Result<(), String> {
    Err("app sync: the user cache is not built yet".to_owned())
}

/// Prints how to call the dev stack: the emulator's keys and a ready-to-paste `curl`.
pub fn print_dev_banner(dev: &DevStack, base: &str) {
    let emulator = dev.emulator();
    println!();
    println!("clerk-actix example running in DEV MODE against the offline Clerk emulator");
    println!("  app:              {base}");
    println!("  emulator API:     {}", emulator.base_url());
    println!("  publishable key:  {}", emulator.publishable_key());
    println!("  (set CLERK_SECRET_KEY and CLERK_PUBLISHABLE_KEY to use a real Clerk instance)");
    if let Some(token) = dev.sample_token() {
        println!();
        println!("Try it (the token is valid for an hour):");
        println!("  curl -s -H 'Authorization: Bearer {token}' {base}/api/user");
    }
    println!();
}
