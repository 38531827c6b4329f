//! Which Clerk instance the cached rows belong to.

use std::fmt;
use std::sync::Arc;

use clerk_core::PublishableKey;

/// The Clerk instance a cache serves: the publishable key's own Frontend API host
/// (`happy-hippo-42.clerk.accounts.dev`, `clerk.example.com`), never a proxy override.
///
/// Every cached row, webhook delivery record and reconciliation pass is scoped by it, so two
/// instances (a development and a production key, or two dev stacks) may share one database
/// without touching each other's users.
///
/// # Examples
///
/// ```
/// use app::cache::InstanceKey;
/// use clerk_core::PublishableKey;
///
/// let pk = PublishableKey::parse("pk_test_aGFwcHktaGlwcG8tNDIuY2xlcmsuYWNjb3VudHMuZGV2JA").unwrap();
/// assert_eq!(InstanceKey::from_publishable_key(&pk).as_str(), "happy-hippo-42.clerk.accounts.dev");
/// ```
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct InstanceKey(Arc<str>);

impl InstanceKey {
    /// The instance named by a publishable key.
    pub fn from_publishable_key(key: &PublishableKey) -> Self {
        Self(Arc::from(key.frontend_api()))
    }

    /// The key as stored in the `instance` columns.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for InstanceKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "InstanceKey({})", self.0)
    }
}

impl fmt::Display for InstanceKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}
