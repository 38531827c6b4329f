//! Dev mode (`APP_DEV_MODE=1`, builds with the `dev` feature only): the app runs against an
//! in-process offline Clerk (`clerk-testkit`) with seeded users and webhooks wired to the app
//! itself.

use clerk_actix::config::ResolvedConfig;
use clerk_actix::ClerkConfig;
use clerk_testkit::{NewOrganization, NewUser, TestClerk};
use rand::RngCore as _;
use sqlx::PgPool;

use crate::configuration::Settings;
use crate::dev_identity::{self, DevIdentity};
use crate::error::Result;

/// The slug of the organization dev mode seeds.
pub const SEEDED_ORGANIZATION: &str = "acme";

/// The password of every seeded user, for Clerk's sign-in component on `/sign-in` (the offline
/// Clerk's own sign-in page needs none). TEST-ONLY, as the emulator's keys are.
pub const SEEDED_PASSWORD: &str = "dev-password-not-secret";

/// Creates `n` users named after computing pioneers (`ada1@example.com`, …, with
/// [`SEEDED_PASSWORD`]) and one
/// organization, Acme (`acme`), whose admin is the first user and whose second user is a
/// member: sessions of both start in it, so `/api/org` answers.
fn seed(clerk: &TestClerk, n: usize) -> Result<()> {
    let names = [
        "Ada", "Grace", "Alan", "Barbara", "Edsger", "Frances", "Donald", "Leslie",
    ];
    for i in 0..n {
        let first = names[i % names.len()];
        clerk.users().create(
            NewUser::default()
                .first_name(first)
                .email(format!("{}{}@example.com", first.to_lowercase(), i + 1))
                .password(SEEDED_PASSWORD),
        )?;
    }
    let users = clerk.users().all();
    if let Some(admin) = users.first() {
        let orgs = clerk.organizations();
        let acme = orgs.create(
            NewOrganization::named("Acme")
                .slug(SEEDED_ORGANIZATION)
                .created_by(admin.id.clone()),
        )?;
        if let Some(member) = users.get(1) {
            orgs.add_member(&acme.id, &member.id, "org:member")?;
        }
    }
    Ok(())
}

/// The emulator and what the app needs from it.
pub struct DevStack {
    clerk: TestClerk,
    webhook_secret: String,
    first_user: Option<String>,
    /// The authorized parties dev mode sets when none are configured.
    own_origins: Option<Vec<String>>,
    /// The `azp` of [`DevStack::sample_token`].
    sample_azp: Option<String>,
}

impl DevStack {
    /// Starts the emulator with webhooks to `http://127.0.0.1:{port}/webhooks/clerk`: the same
    /// instance (host, keys) and seeded users as the last dev stack on this database and port
    /// (see [`crate::dev_identity`]), or a new instance with `settings.app_dev_users` users.
    /// `configured` is the checked Clerk configuration (its keys a stand-in until the emulator runs):
    /// the authorized parties come from it.
    ///
    /// # Errors
    ///
    /// [`Error::Emulator`](crate::Error::Emulator) when the emulator could not start,
    /// [`Error::DevIdentity`](crate::Error::DevIdentity) when its identity could not be loaded
    /// or stored.
    pub async fn start(
        settings: &Settings,
        configured: &ResolvedConfig,
        port: u16,
        pool: &PgPool,
    ) -> Result<Self> {
        let mut key = [0u8; 24];
        rand::thread_rng().fill_bytes(&mut key);
        let webhook_secret = format!(
            "whsec_{}",
            base64::Engine::encode(&base64::engine::general_purpose::STANDARD, key)
        );
        let webhook_url = format!("http://127.0.0.1:{port}/webhooks/clerk");
        // The sign-in page sends the browser back to loopback URLs, and to the app's own
        // origins when it is opened on another host (the authorized parties, exact origins once
        // the configuration is checked).
        let app_origins: Vec<String> = configured.authorized_parties().to_vec();
        // The official @clerk/clerk-js and @clerk/ui, where `make run` unpacked them.
        let npm_dir = std::env::var_os(clerk_testkit::npm::NPM_DIR_ENV).filter(|dir| !dir.is_empty());
        let builder = || {
            let builder = app_origins.iter().fold(
                TestClerk::builder().webhook(webhook_url.clone(), webhook_secret.clone()),
                |builder, origin| builder.allowed_origin(origin.clone()),
            );
            match &npm_dir {
                Some(dir) => builder.npm_dir(dir),
                None => builder,
            }
        };
        // The emulator listens at PORT + 1 (8081 for `make run`), so the banner's CLERK_API_URL
        // stays the same across restarts; a free port when that one is taken.
        let stable = port
            .checked_add(1)
            .filter(|_| port != 0)
            .map(|next| std::net::SocketAddr::from(([127, 0, 0, 1], next)));
        let start = |builder: clerk_testkit::TestClerkBuilder| {
            match stable {
            Some(addr) => builder.clone().bind(addr).start().or_else(|err| {
                tracing::warn!(%addr, error = %err, "dev mode: the emulator's usual port is taken; using a free one");
                builder.start()
            }),
            None => builder.start(),
        }
        };
        let mut fresh = None;
        let (identity, created) = dev_identity::load_or_create(pool, port, || {
            let clerk = start(builder())?;
            seed(&clerk, settings.app_dev_users)?;
            let identity = DevIdentity::of(&clerk)?;
            fresh = Some(clerk);
            Ok(identity)
        })
        .await?;
        let clerk = match fresh {
            Some(clerk) => clerk,
            None => {
                let clerk = start(builder().instance(identity.instance()?))?;
                identity.restore_into(&clerk);
                // Passwords are not part of the stored identity: the seeded users' one is fixed.
                for user in &identity.users {
                    clerk.users().restore_password(&user.id, SEEDED_PASSWORD)?;
                }
                clerk
            }
        };
        tracing::info!(
            port,
            instance = identity.host,
            users = identity.users.len(),
            new = created,
            "dev mode: offline Clerk instance"
        );
        // With none configured, the authorized parties are the app's own origin: dev mode knows
        // it (a frontend on another origin lists every origin itself).
        let own_origins = app_origins.is_empty().then(|| {
            vec![
                format!("http://localhost:{port}"),
                format!("http://127.0.0.1:{port}"),
            ]
        });
        // The banner's sample token comes from the first authorized origin, as a browser's would.
        let sample_azp = own_origins.as_ref().unwrap_or(&app_origins).first().cloned();
        Ok(Self {
            clerk,
            webhook_secret,
            first_user: identity.users.first().map(|user| user.id.clone()),
            own_origins,
            sample_azp,
        })
    }

    /// `base` (the configured `CLERK_*` options, e.g. `CLERK_AUTHORIZED_PARTIES`) pointed at the
    /// emulator: its keys and API URL, and the app's own origins when no authorized party is set.
    pub fn clerk_config(&self, base: ClerkConfig) -> ClerkConfig {
        let base = match &self.own_origins {
            Some(origins) => base.authorized_parties(origins.iter().cloned()),
            None => base,
        };
        // The browser reaches the offline Clerk's Frontend API (and clerk-js) through the app's
        // own `/__clerk` (see `frontend_proxy`), so every cookie lives on the app's origin; the
        // app's `/sign-in` mounts Clerk's sign-in component (the emulator's script-free page,
        // `/__clerk/sign-in`, stays as the Account Portal's stand-in).
        base.secret_key(self.clerk.secret_key())
            .publishable_key(self.clerk.publishable_key())
            .api_url(self.clerk.base_url())
            .proxy_url(crate::frontend_proxy::MOUNT)
            .sign_in_url("/sign-in")
    }

    /// The webhook signing secret the emulator signs with.
    pub fn webhook_secret(&self) -> &str {
        &self.webhook_secret
    }

    /// The emulator itself.
    pub fn emulator(&self) -> &TestClerk {
        &self.clerk
    }

    /// A session token (valid for an hour) for the first seeded user, in the organization their
    /// sessions start in (Acme, which they administer), as Clerk's would be.
    pub fn sample_token(&self) -> Option<String> {
        let user = self.first_user.as_ref()?;
        let orgs = self.clerk.organizations();
        let token = orgs
            .last_active_organization(user)
            .and_then(|org| orgs.session_token(user, &org).ok())
            .unwrap_or_else(|| self.clerk.minter().session_token(user))
            .lifetime(3600);
        Some(match &self.sample_azp {
            Some(azp) => token.azp(azp.clone()).mint(),
            None => token.mint(),
        })
    }
}
