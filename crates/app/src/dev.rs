//! Dev mode (`APP_DEV_MODE=1`, builds with the `dev` feature only): the app runs against an
//! in-process offline Clerk (`clerk-testkit`) with seeded users and webhooks wired to the app
//! itself.

use clerk_actix::ClerkConfig;
use clerk_testkit::{NewUser, TestClerk};
use rand::RngCore as _;

use crate::configuration::Settings;

/// The emulator and what the app needs from it.
pub struct DevStack {
    clerk: TestClerk,
    webhook_secret: String,
    first_user: Option<String>,
}

impl DevStack {
    /// Starts the emulator with `settings.app_dev_users` users and webhooks to
    /// `http://127.0.0.1:{port}/webhooks/clerk`.
    ///
    /// # Errors
    ///
    /// Why the emulator could not start.
    pub fn start(settings: &Settings, port: u16) -> Result<Self, String> {
        let mut key = [0u8; 24];
        rand::thread_rng().fill_bytes(&mut key);
        let webhook_secret = format!(
            "whsec_{}",
            base64::Engine::encode(&base64::engine::general_purpose::STANDARD, key)
        );
        let clerk = TestClerk::builder()
            .webhook(
                format!("http://127.0.0.1:{port}/webhooks/clerk"),
                webhook_secret.clone(),
            )
            .start()
            .map_err(|err| err.to_string())?;
        let mut first_user = None;
        let names = [
            "Ada", "Grace", "Alan", "Barbara", "Edsger", "Frances", "Donald", "Leslie",
        ];
        for i in 0..settings.app_dev_users {
            let first = names[i % names.len()];
            let user = clerk
                .users()
                .create(NewUser::default().first_name(first).email(format!(
                    "{}{}@example.com",
                    first.to_lowercase(),
                    i + 1
                )))
                .map_err(|err| err.to_string())?;
            first_user.get_or_insert(user.id);
        }
        Ok(Self {
            clerk,
            webhook_secret,
            first_user,
        })
    }

    /// Clerk options pointing at the emulator.
    pub fn clerk_config(&self) -> ClerkConfig {
        ClerkConfig::new()
            .secret_key(self.clerk.secret_key())
            .publishable_key(self.clerk.publishable_key())
            .api_url(self.clerk.base_url())
    }

    /// The webhook signing secret the emulator signs with.
    pub fn webhook_secret(&self) -> &str {
        &self.webhook_secret
    }

    /// The emulator itself.
    pub fn emulator(&self) -> &TestClerk {
        &self.clerk
    }

    /// A session token (valid for an hour) for the first seeded user.
    pub fn sample_token(&self) -> Option<String> {
        let user = self.first_user.as_ref()?;
        Some(self.clerk.minter().session_token(user).lifetime(3600).mint())
    }
}
