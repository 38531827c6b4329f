//! `clerk-testkit serve`: the offline Clerk as a stand-alone process. It prints its settings as
//! `CLERK_…=` lines on stdout and, with `--users`, a `SESSION_TOKEN=` for the first user (an hour,
//! `azp` = `--azp`, `http://localhost:3000` unless set).

use std::io::Write as _;
use std::net::SocketAddr;
use std::process::ExitCode;
use std::time::Duration;

use clap::{Parser, Subcommand};
use clerk_testkit::TestClerk;

#[derive(Parser)]
#[command(
    name = "clerk-testkit",
    version,
    about = "An offline Clerk for tests and local development"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Runs the emulator until SIGINT or SIGTERM.
    Serve {
        /// Port to listen on (0 = any free port).
        #[arg(long, default_value_t = 0)]
        port: u16,
        /// Address to listen on (use 0.0.0.0 inside a container).
        #[arg(long, default_value = "127.0.0.1")]
        host: std::net::IpAddr,
        /// Users to create at start.
        #[arg(long, default_value_t = 0)]
        users: usize,
        /// Webhook endpoint receiving user.* events.
        #[arg(long, requires = "webhook_secret")]
        webhook_url: Option<String>,
        /// The endpoint's signing secret (`whsec_…`).
        #[arg(long, requires = "webhook_url")]
        webhook_secret: Option<String>,
        /// A production instance (`pk_live_`/`sk_live_`) instead of development.
        #[arg(long)]
        production: bool,
        /// The deterministic instance (the contract's TEST-ONLY key and host).
        #[arg(long)]
        fixed: bool,
        /// The origin (`azp`) of the sample session token printed when `--users` is not 0: list
        /// it in the verifier's authorized parties (`CLERK_AUTHORIZED_PARTIES`).
        #[arg(long, default_value = "http://localhost:3000")]
        azp: String,
        /// Lifetime in seconds of the session tokens minted for browsers (handshake, refresh).
        #[arg(long, default_value_t = 60, value_parser = clap::value_parser!(u64).range(1..))]
        session_token_ttl: u64,
        /// An origin (`https://app.example.com`) the sign-in and sign-out pages may send a
        /// browser back to; repeat for more. Loopback origins and paths are always allowed.
        #[arg(long = "allowed-origin", value_name = "ORIGIN")]
        allowed_origins: Vec<String>,
        /// The directory `scripts/clerk-js.sh` unpacked the official `@clerk/clerk-js` and
        /// `@clerk/ui` into (`target/clerk-npm`): served at `/npm/@clerk/clerk-js@6/dist/…`
        /// and `/npm/@clerk/ui@1/dist/…`. Start-up fails when a pinned package is missing.
        #[arg(long, env = "CLERK_TESTKIT_NPM_DIR", value_name = "DIR")]
        npm_dir: Option<std::path::PathBuf>,
    },
}

fn main() -> ExitCode {
    let Command::Serve {
        port,
        host,
        users,
        webhook_url,
        webhook_secret,
        production,
        fixed,
        azp,
        session_token_ttl,
        allowed_origins,
        npm_dir,
    } = Cli::parse().command;
    let mut builder = TestClerk::builder()
        .bind(SocketAddr::new(host, port))
        .seed_users(users)
        .session_token_ttl(Duration::from_secs(session_token_ttl));
    if production {
        builder = builder.production();
    }
    if fixed {
        builder = builder.fixed_instance();
    }
    for origin in allowed_origins {
        builder = builder.allowed_origin(origin);
    }
    if let Some(dir) = npm_dir {
        builder = builder.npm_dir(dir);
    }
    if let (Some(url), Some(secret)) = (webhook_url, webhook_secret) {
        builder = builder.webhook(url, secret);
    }
    let clerk = match builder.start() {
        Ok(clerk) => clerk,
        Err(err) => {
            eprintln!("clerk-testkit: {err}");
            return ExitCode::FAILURE;
        }
    };
    let mut out = std::io::stdout().lock();
    let printed = writeln!(
        out,
        "CLERK_API_URL={}\nCLERK_JWKS_URL={}\nCLERK_PUBLIC_JWKS_URL={}\nCLERK_ISSUER={}\nCLERK_PUBLISHABLE_KEY={}\nCLERK_SECRET_KEY={}\nCLERK_INSTANCE_ID={}",
        clerk.base_url(),
        clerk.jwks_url(),
        clerk.public_jwks_url(),
        clerk.issuer(),
        clerk.publishable_key(),
        clerk.secret_key(),
        clerk.instance().id(),
    )
    .and_then(|()| match sample_token(&clerk, &azp) {
        // For the first seeded user, valid for an hour, from origin `azp`.
        Some(token) => writeln!(out, "SESSION_TOKEN={token}"),
        None => Ok(()),
    })
    .and_then(|()| out.flush());
    drop(out);
    if let Err(err) = printed {
        eprintln!("clerk-testkit: cannot write to stdout: {err}");
        return ExitCode::FAILURE;
    }
    let waited = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .and_then(|runtime| runtime.block_on(shutdown_signal()));
    clerk.stop();
    match waited {
        Ok(()) => {
            eprintln!("clerk-testkit: stopped");
            ExitCode::SUCCESS
        }
        Err(err) => {
            eprintln!("clerk-testkit: signal handling failed: {err}");
            ExitCode::FAILURE
        }
    }
}

/// A session token (an hour, `azp` set) for a new session of the first user, if there is one.
fn sample_token(clerk: &TestClerk, azp: &str) -> Option<String> {
    let user = clerk.users().all().into_iter().next()?;
    let session = clerk.users().create_session(&user.id).ok()?;
    Some(
        clerk
            .minter()
            .session_token(&user.id)
            .session_id(session.id)
            .azp(azp)
            .lifetime(3600)
            .mint(),
    )
}

async fn shutdown_signal() -> std::io::Result<()> {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, SignalKind};
        let mut term = signal(SignalKind::terminate())?;
        tokio::select! {
            result = tokio::signal::ctrl_c() => result,
            _ = term.recv() => Ok(()),
        }
    }
    #[cfg(not(unix))]
    {
        tokio::signal::ctrl_c().await
    }
}
