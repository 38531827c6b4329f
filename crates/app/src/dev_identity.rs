//! Dev mode's stable identity: the emulator's instance (host, keys), seeded users and
//! organization, kept in
//! the app's database per port, so restarting `make run` changes nothing (tokens minted before
//! still verify, the cached users are still Clerk's users) and two dev stacks on different ports
//! are two Clerk instances that never touch each other's rows.
//!
//! TEST-ONLY key material: the emulator's private key is stored in plain text in
//! `clerk_dev_identities`. Dev mode is for a developer's machine, never production.

use clerk_core::InstanceType;
use clerk_testkit::{
    instance::Instance, instance::SigningKey, store::Membership, store::Organization, TestClerk, User,
};
use serde::{Deserialize, Serialize};
use sqlx::PgPool;

use crate::error::{Error, Result};

/// What makes an emulator the same instance after a restart.
#[derive(Serialize, Deserialize)]
pub struct DevIdentity {
    /// `ins_…`, also the signing key's `kid`.
    pub instance_id: String,
    /// The Frontend API host (names the instance in the publishable key).
    pub host: String,
    /// `sk_test_…`.
    pub secret_key: String,
    /// The signing key, PKCS#8 PEM.
    pub signing_key_pem: String,
    /// The seeded users, as the emulator serves them.
    pub users: Vec<User>,
    /// The seeded organizations (none in an identity stored before they were seeded).
    #[serde(default)]
    pub organizations: Vec<Organization>,
    /// Their memberships.
    #[serde(default)]
    pub memberships: Vec<Membership>,
}

impl DevIdentity {
    /// The identity of a running emulator: its instance, users, organizations and memberships.
    ///
    /// # Errors
    ///
    /// [`Error::Emulator`] when the private key cannot be encoded.
    pub fn of(clerk: &TestClerk) -> Result<Self> {
        let instance = clerk.instance();
        Ok(Self {
            instance_id: instance.id().to_owned(),
            host: instance.frontend_api().to_owned(),
            secret_key: instance.secret_key().to_owned(),
            signing_key_pem: instance.signing_key().private_key_pem()?,
            users: clerk.users().all(),
            organizations: clerk.organizations().all(),
            memberships: clerk.organizations().all_memberships(),
        })
    }

    /// Puts the users, organizations and memberships back into a restarted emulator.
    pub fn restore_into(&self, clerk: &TestClerk) {
        clerk.users().restore(self.users.iter().cloned());
        clerk.organizations().restore(
            self.organizations.iter().cloned(),
            self.memberships.iter().cloned(),
        );
    }

    /// The instance again: same id, host, keys.
    ///
    /// # Errors
    ///
    /// [`Error::Emulator`] when the stored key does not parse.
    pub fn instance(&self) -> Result<Instance> {
        let key = SigningKey::from_pem(self.instance_id.clone(), &self.signing_key_pem)?;
        Ok(Instance::fixed(InstanceType::Development)
            .with_host(&self.host)
            .with_secret_key(self.secret_key.clone())
            .with_signing_key(key))
    }
}

const LOCK: &str = "SELECT pg_advisory_xact_lock(hashtextextended('clerk_actix.dev_identity', 0))";
const CREATE: &str = "CREATE TABLE IF NOT EXISTS clerk_dev_identities (
    port       integer     PRIMARY KEY,
    identity   jsonb       NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now()
)";

/// The identity stored for `port`, or the one `create` makes (then stored), under a lock so two
/// stacks starting at once on one port agree.
///
/// # Errors
///
/// [`Error::DevIdentity`] when the database fails; `create`'s error.
pub async fn load_or_create(
    pool: &PgPool,
    port: u16,
    create: impl FnOnce() -> Result<DevIdentity>,
) -> Result<(DevIdentity, bool)> {
    let db = Error::DevIdentity;
    let mut tx = pool.begin().await.map_err(db)?;
    sqlx::query(LOCK).execute(&mut *tx).await.map_err(db)?;
    sqlx::query(CREATE).execute(&mut *tx).await.map_err(db)?;
    let stored: Option<sqlx::types::Json<DevIdentity>> =
        sqlx::query_scalar("SELECT identity FROM clerk_dev_identities WHERE port = $1")
            .bind(i32::from(port))
            .fetch_optional(&mut *tx)
            .await
            .map_err(db)?;
    if let Some(stored) = stored {
        tx.commit().await.map_err(db)?;
        return Ok((stored.0, false));
    }
    let identity = create()?;
    sqlx::query("INSERT INTO clerk_dev_identities (port, identity) VALUES ($1, $2)")
        .bind(i32::from(port))
        .bind(sqlx::types::Json(&identity))
        .execute(&mut *tx)
        .await
        .map_err(db)?;
    tx.commit().await.map_err(db)?;
    Ok((identity, true))
}
