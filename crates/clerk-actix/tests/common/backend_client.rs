//! A Backend API client for the offline Clerk, with retry backoff short enough for tests.

use std::time::Duration;

use clerk_actix::client::ClientConfig;
use clerk_actix::ClerkClient;
use clerk_testkit::TestClerk;

/// A client of `clerk`'s Backend API (its secret key and URL, 1–5 ms backoff).
pub fn client(clerk: &TestClerk) -> ClerkClient {
    client_with(clerk, |config| config)
}

/// [`client`], with `tune` applied to its configuration (timeouts, retries, …).
pub fn client_with(clerk: &TestClerk, tune: impl FnOnce(ClientConfig) -> ClientConfig) -> ClerkClient {
    let config = ClientConfig::new()
        .secret_key(clerk.secret_key())
        .api_url(clerk.base_url())
        .backoff(Duration::from_millis(1), Duration::from_millis(5));
    ClerkClient::new(tune(config)).expect("client")
}
