//! The three machine-token verifications at the API root, each on its group's handle:
//! [`ApiKeys::verify`], [`M2m::verify_token`] and [`OauthAccessTokens::verify`].
//! Hand-written: an empty token is refused before any request, and the M2M verification is
//! sent with the machine secret key when one is configured, as `@clerk/backend` does. Each
//! runs with its row of the operation table (retried: a verification only reads; on the
//! machine-token share of the rate budget).

use clerk_core::api::{ApiKey, M2mToken, OAuthVerifyResponse};
use serde::de::DeserializeOwned;
use serde_json::{Map, Value};

use super::clerk_client::ClerkClient;
use super::error::{ApiError, ApiResult};
use crate::api_keys::ApiKeys;
use crate::generated::operations as ops;
use crate::m2m::M2m;
use crate::oauth_access_tokens::OauthAccessTokens;
use crate::operations::Operation;

impl ApiKeys<'_> {
    /// `POST /api_keys/verify`: the API key whose secret this is. Check
    /// [`ApiKey::is_usable_at`].
    ///
    /// # Errors
    ///
    /// [`ApiError::InvalidArgument`] for an empty secret; 404 for an unknown key; see
    /// [`ApiError`].
    pub async fn verify(&self, secret: &str) -> ApiResult<ApiKey> {
        verify(self.client, &ops::VERIFY_API_KEY, "secret", secret, false).await
    }
}

impl M2m<'_> {
    /// `POST /m2m_tokens/verify`, with the machine secret key when one is configured.
    ///
    /// Clerk may answer 200 for a revoked or expired token: check [`M2mToken::is_usable_at`].
    ///
    /// # Errors
    ///
    /// [`ApiError::InvalidArgument`] for an empty token; 404 for an unknown token; see
    /// [`ApiError`].
    pub async fn verify_token(&self, token: &str) -> ApiResult<M2mToken> {
        verify(self.client, &ops::VERIFY_M2M_TOKEN, "token", token, true).await
    }
}

impl OauthAccessTokens<'_> {
    /// `POST /oauth_applications/access_tokens/verify`:
    /// [`OAuthVerifyResponse::Inactive`] when Clerk answers `{"active": false}`.
    ///
    /// # Errors
    ///
    /// [`ApiError::InvalidArgument`] for an empty token; 404 for an unknown token; see
    /// [`ApiError`].
    pub async fn verify(&self, token: &str) -> ApiResult<OAuthVerifyResponse> {
        verify(
            self.client,
            &ops::VERIFY_OAUTH_ACCESS_TOKEN,
            "access_token",
            token,
            false,
        )
        .await
    }
}

/// `{field: token}` to `op`; `machine_key`: sent with the machine secret key when set.
async fn verify<T: DeserializeOwned>(
    client: &ClerkClient,
    op: &'static Operation,
    field: &str,
    token: &str,
    machine_key: bool,
) -> ApiResult<T> {
    if token.trim().is_empty() {
        return Err(ApiError::InvalidArgument(
            "the token to verify is empty".to_owned(),
        ));
    }
    let mut body = Map::new();
    body.insert(field.to_owned(), Value::String(token.to_owned()));
    let body = crate::Payload::json(&Value::Object(body))?;
    let (handle, call) = client.operation_call(op, &[], String::new(), Some(body))?;
    let call = if machine_key {
        call.with_authorization(client.machine_authorization())
    } else {
        call
    };
    handle.json(call).await
}
