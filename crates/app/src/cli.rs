//! The command-line jobs besides serving: `migrate`, `sync --full`, and (with the `dev` feature)
//! the dev-mode banner.

use crate::cache::ReconcileOutcome;
use crate::configuration::Settings;
use crate::database;
#[cfg(feature = "dev")]
use crate::dev::DevStack;
use crate::error::{Error, Result};

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
             CLERK_SECRET_KEY (the dev-mode emulator lives inside `app serve`)",
        ));
    }
    // The configuration first (the secret key before anything else), then the database.
    if settings.clerk_secret_key.is_none() {
        return Err(Error::setting(
            "CLERK_SECRET_KEY",
            "is required by app sync: set it and CLERK_PUBLISHABLE_KEY to your instance's keys \
             (for `make run`'s dev stack: the three CLERK_* lines of its banner)",
        ));
    }
    let config = settings.clerk_config()?;
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
    let orgs = cache.reconcile_organizations().await?;
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
    let _ = writeln!(
        out,
        "  open {base}/profile in a browser: sign in as a seeded user on the offline sign-in page,"
    );
    let _ = writeln!(
        out,
        "  then try {base}/ and {base}/client (the page script calls getToken() and /api/data)"
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
    webhooks: clerk_testkit::Webhooks,
    cache: Option<std::sync::Arc<crate::cache::PgUserCache>>,
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
