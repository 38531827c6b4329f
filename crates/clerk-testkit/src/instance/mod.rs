//! A Clerk instance ([`Instance`]: its id, keys and Frontend API host), its signing keys, and
//! the tokens it signs ([`TokenMinter`], [`SessionToken`]).

pub(crate) mod keys;
pub(crate) mod minter;
pub(crate) mod recognise;

pub use keys::{Jwk, RsaAlg, SigningKey, TEST_KEY_KID};
pub use minter::{decode_unverified, OrgClaim, SessionToken, TokenMinter, SESSION_TOKEN_CATEGORY};

use clerk_core::{InstanceType, PublishableKey};
use rand::seq::SliceRandom as _;
use rand::Rng as _;

use crate::error::Result;
use crate::ids::new_id;

/// The Frontend API host of the fixed development instance (the contract's example host).
pub const TEST_DEV_HOST: &str = "happy-hippo-42.clerk.accounts.dev";
/// The Frontend API host of the fixed production instance.
pub const TEST_PROD_HOST: &str = "clerk.example.com";

const ADJECTIVES: &[&str] = &["happy", "brave", "calm", "eager", "witty", "sunny", "quick"];
const ANIMALS: &[&str] = &["hippo", "otter", "falcon", "badger", "lynx", "koala", "heron"];

/// One Clerk application instance, development or production.
///
/// Holds what a real instance gives you: an instance id (`ins_…`, also the signing key's
/// `kid`), the Frontend API host, the publishable key (`pk_test_…`/`pk_live_…` =
/// prefix + unpadded base64 of `"{host}$"`), the secret key (`sk_test_…`/`sk_live_…`)
/// and an RSA-2048 signing key.
///
/// # Examples
///
/// ```
/// use clerk_core::InstanceType;
/// use clerk_testkit::instance::Instance;
///
/// let instance = Instance::fixed(InstanceType::Development);
/// assert_eq!(instance.kid(), "ins_2zeTestInstanceKid000000000");
/// assert_eq!(instance.issuer(), "https://happy-hippo-42.clerk.accounts.dev");
/// assert_eq!(
///     instance.publishable_key().as_str(),
///     "pk_test_aGFwcHktaGlwcG8tNDIuY2xlcmsuYWNjb3VudHMuZGV2JA"
/// );
/// ```
#[derive(Debug, Clone)]
pub struct Instance {
    id: String,
    instance_type: InstanceType,
    publishable_key: PublishableKey,
    secret_key: String,
    signing_key: SigningKey,
}

impl Instance {
    /// A new instance with a random id, host, secret key and RSA key pair.
    ///
    /// # Errors
    ///
    /// [`crate::Error::Key`] if key generation fails.
    pub fn random(instance_type: InstanceType) -> Result<Self> {
        let id = new_id("ins_");
        let mut rng = rand::thread_rng();
        let host = match instance_type {
            InstanceType::Development => format!(
                "{}-{}-{}.clerk.accounts.dev",
                ADJECTIVES.choose(&mut rng).copied().unwrap_or("happy"),
                ANIMALS.choose(&mut rng).copied().unwrap_or("hippo"),
                rng.gen_range(10..100)
            ),
            InstanceType::Production => format!("clerk.{}.example.com", random_label()),
        };
        let signing_key = SigningKey::generate(id.clone())?;
        let secret_key = format!(
            "{}{}",
            secret_prefix(instance_type),
            random_alnum(42 - secret_prefix(instance_type).len())
        );
        Ok(Self {
            publishable_key: PublishableKey::from_host(&host, instance_type),
            id,
            instance_type,
            secret_key,
            signing_key,
        })
    }

    /// The deterministic instance: the contract's TEST-ONLY key pair, kid/instance id
    /// `ins_2zeTestInstanceKid000000000`, host `happy-hippo-42.clerk.accounts.dev`
    /// (development) or `clerk.example.com` (production), and a fixed secret key.
    pub fn fixed(instance_type: InstanceType) -> Self {
        let host = match instance_type {
            InstanceType::Development => TEST_DEV_HOST,
            InstanceType::Production => TEST_PROD_HOST,
        };
        Self {
            id: TEST_KEY_KID.to_owned(),
            instance_type,
            publishable_key: PublishableKey::from_host(host, instance_type),
            secret_key: format!(
                "{}clerkTestkitFixedSecretKey0000000000",
                secret_prefix(instance_type)
            ),
            signing_key: SigningKey::test_key(),
        }
    }

    /// Replaces the Frontend API host (and so the publishable key and issuer).
    pub fn with_host(mut self, host: &str) -> Self {
        self.publishable_key = PublishableKey::from_host(host, self.instance_type);
        self
    }

    /// Replaces the secret key.
    pub fn with_secret_key(mut self, secret_key: impl Into<String>) -> Self {
        self.secret_key = secret_key.into();
        self
    }

    /// Replaces the signing key (its `kid` becomes the instance id as well).
    pub fn with_signing_key(mut self, key: SigningKey) -> Self {
        self.id = key.kid().to_owned();
        self.signing_key = key;
        self
    }

    /// The instance id, `ins_…` (the `instance_id` of webhook events).
    pub fn id(&self) -> &str {
        &self.id
    }

    /// The `kid` of the initial signing key (equal to the instance id).
    pub fn kid(&self) -> &str {
        self.signing_key.kid()
    }

    /// Development or production.
    pub fn instance_type(&self) -> InstanceType {
        self.instance_type
    }

    /// The Frontend API host, e.g. `happy-hippo-42.clerk.accounts.dev`.
    pub fn frontend_api(&self) -> &str {
        self.publishable_key.frontend_api()
    }

    /// The session-token issuer, `https://{frontend_api}`.
    pub fn issuer(&self) -> &str {
        self.publishable_key.issuer()
    }

    /// The publishable key.
    pub fn publishable_key(&self) -> &PublishableKey {
        &self.publishable_key
    }

    /// The secret key (`sk_test_…`/`sk_live_…`), the Backend API bearer token.
    pub fn secret_key(&self) -> &str {
        &self.secret_key
    }

    /// The initial signing key.
    pub fn signing_key(&self) -> &SigningKey {
        &self.signing_key
    }
}

fn secret_prefix(instance_type: InstanceType) -> &'static str {
    match instance_type {
        InstanceType::Development => "sk_test_",
        InstanceType::Production => "sk_live_",
    }
}

fn random_alnum(n: usize) -> String {
    rand::thread_rng()
        .sample_iter(&rand::distributions::Alphanumeric)
        .take(n)
        .map(char::from)
        .collect()
}

fn random_label() -> String {
    random_alnum(10).to_ascii_lowercase()
}
