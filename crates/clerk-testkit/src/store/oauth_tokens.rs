//! Users' OAuth access tokens: [`OAuthTokens`] sets them, `GET
//! /v1/users/{id}/oauth_access_tokens/{provider}` serves them.

use std::sync::{Arc, Mutex};

use serde_json::{json, Value};

use crate::ids::new_id;
use crate::lock::lock;

#[derive(Debug, Clone, PartialEq)]
struct Stored {
    user_id: String,
    provider: String,
    external_account_id: String,
    provider_user_id: String,
    token: String,
    scopes: Vec<String>,
    expires_at: Option<i64>,
}

/// The OAuth access tokens Clerk holds for users' connected accounts (`oauth_google`, …).
///
/// # Examples
///
/// ```
/// # fn main() -> Result<(), Box<dyn std::error::Error>> {
/// use clerk_testkit::{NewUser, TestClerk};
///
/// let clerk = TestClerk::start()?;
/// let user = clerk.users().create(NewUser::default())?;
/// clerk.oauth_tokens().set(&user.id, "oauth_google", "ya29.token", ["email"]);
/// # Ok(()) }
/// ```
#[derive(Debug, Clone, Default)]
pub struct OAuthTokens {
    tokens: Arc<Mutex<Vec<Stored>>>,
}

impl OAuthTokens {
    /// Connects `provider` (e.g. `oauth_google`) to the user with this access token and these
    /// scopes, replacing an earlier token of that provider.
    pub fn set<I, S>(&self, user_id: &str, provider: &str, token: &str, scopes: I)
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        let mut tokens = lock(&self.tokens);
        tokens.retain(|t| !(t.user_id == user_id && t.provider == provider));
        tokens.push(Stored {
            user_id: user_id.to_owned(),
            provider: provider.to_owned(),
            external_account_id: new_id("eac_"),
            provider_user_id: new_id(""),
            token: token.to_owned(),
            scopes: scopes.into_iter().map(Into::into).collect(),
            expires_at: None,
        });
    }

    /// The tokens of a user for a provider, as `GET …/oauth_access_tokens/{provider}` serves
    /// them.
    pub(crate) fn for_user(&self, user_id: &str, provider: &str) -> Vec<Value> {
        lock(&self.tokens)
            .iter()
            .filter(|t| t.user_id == user_id && t.provider == provider)
            .map(|t| {
                json!({
                    "object": "oauth_access_token",
                    "external_account_id": t.external_account_id,
                    "provider_user_id": t.provider_user_id,
                    "token": t.token,
                    "expires_at": t.expires_at,
                    "provider": t.provider,
                    "public_metadata": {},
                    "label": null,
                    "scopes": t.scopes,
                })
            })
            .collect()
    }
}
