//! A user's OAuth access tokens for a provider (`GET
//! /v1/users/{user_id}/oauth_access_tokens/{provider}`): [`OAuthAccessToken`] and
//! [`Users::list_oauth_access_tokens`]. Hand-written: the provider's `oauth_` prefix, and a type
//! that hides the provider's credentials in `Debug`.

use std::fmt;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::error::ApiResult;
use super::paging::Page;
use crate::generated::operations as ops;
use crate::users::Users;

fn null_as_empty<'de, D: serde::Deserializer<'de>>(deserializer: D) -> Result<String, D::Error> {
    Ok(Option::<String>::deserialize(deserializer)?.unwrap_or_default())
}

/// An OAuth access token Clerk holds for one of a user's connected accounts.
///
/// `Debug` hides `token`, `id_token` and `token_secret`: they are the provider's credentials
/// for the user. Unknown fields are ignored and optional ones default.
#[derive(Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct OAuthAccessToken {
    /// Always `oauth_access_token`.
    #[serde(default)]
    pub object: String,
    /// The connected account, `eac_…`.
    #[serde(default)]
    pub external_account_id: String,
    /// The user's id at the provider.
    #[serde(default)]
    pub provider_user_id: String,
    /// The access token (a credential: keep it out of logs).
    #[serde(default)]
    pub token: String,
    /// When it expires, Unix ms.
    #[serde(default)]
    pub expires_at: Option<i64>,
    /// The provider, e.g. `oauth_google`.
    #[serde(default)]
    pub provider: String,
    /// Public metadata of the connected account.
    #[serde(default)]
    pub public_metadata: Map<String, Value>,
    /// A label; empty when unset (Clerk sends `null`, and its SDK reads that as `""`).
    #[serde(default, deserialize_with = "null_as_empty")]
    pub label: String,
    /// The granted scopes (OAuth 2.0).
    #[serde(default)]
    pub scopes: Vec<String>,
    /// The OIDC ID token, when the provider gave one (a credential).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id_token: Option<String>,
    /// The token secret of an OAuth 1.0 provider (a credential).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub token_secret: Option<String>,
}

impl fmt::Debug for OAuthAccessToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let set = |value: bool| if value { "<redacted>" } else { "None" };
        f.debug_struct("OAuthAccessToken")
            .field("external_account_id", &self.external_account_id)
            .field("provider_user_id", &self.provider_user_id)
            .field("token", &set(!self.token.is_empty()))
            .field("expires_at", &self.expires_at)
            .field("provider", &self.provider)
            .field("label", &self.label)
            .field("scopes", &self.scopes)
            .field("id_token", &set(self.id_token.is_some()))
            .field("token_secret", &set(self.token_secret.is_some()))
            .finish_non_exhaustive()
    }
}

impl Users<'_> {
    /// `GET /v1/users/{user_id}/oauth_access_tokens/{provider}`: the user's access tokens for
    /// `provider` (`google` or `oauth_google`: the `oauth_` prefix is added when missing, as
    /// the JS SDK does), one per connected account of that provider. Clerk refreshes an
    /// expired token before answering.
    ///
    /// Not paged: a user has one token per connected account. Retried and budgeted as its row
    /// of the operation table (`GET_OAUTH_ACCESS_TOKEN`) says (a `GET`).
    ///
    /// # Errors
    ///
    /// [`ApiError::InvalidArgument`](super::ApiError::InvalidArgument) for an empty or unsafe
    /// id or provider; 404 when there is no such user, or (`oauth_token_provider_not_enabled`)
    /// when the provider is not enabled; 422 for an unknown provider; see
    /// [`ApiError`](super::ApiError).
    pub async fn list_oauth_access_tokens(
        &self,
        user_id: &str,
        provider: &str,
    ) -> ApiResult<Vec<OAuthAccessToken>> {
        if provider.trim().is_empty() {
            return Err(super::ApiError::InvalidArgument(
                "the OAuth provider is empty".to_owned(),
            ));
        }
        let provider = if provider.starts_with("oauth_") {
            provider.to_owned()
        } else {
            format!("oauth_{provider}")
        };
        let page: Page<OAuthAccessToken> = self
            .client
            .operation(
                &ops::GET_OAUTH_ACCESS_TOKEN,
                &[user_id, &provider],
                "paginated=true".to_owned(),
                None,
            )
            .await?;
        Ok(page.data)
    }
}
