//! The machine-token resources of the Backend API at the API root: the types of API keys (the
//! body and answers of the generated `api_keys()` calls) and M2M tokens, and the M2M token calls
//! on `m2m()` (hand-written: sent with the machine secret key when one is configured, as Clerk's
//! SDK does). The verifications are in `machine_verify.rs`.

use std::fmt;

use clerk_core::api::{ApiKey, M2mToken};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use super::error::ApiResult;
use crate::api_keys::ApiKeys;
use crate::generated::operations as ops;
use crate::m2m::M2m;
use crate::operations::Operation;

/// `POST /api_keys`: a new API key. Only set fields are sent.
///
/// # Examples
///
/// ```
/// use clerk_backend::CreateApiKey;
///
/// let key = CreateApiKey::new("ci-deploy", "user_2abc").scopes(["deploy"]);
/// # drop(key);
/// ```
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct CreateApiKey {
    /// Display name (at least 3 characters).
    pub name: String,
    /// The owner: `user_…`, `org_…` or `mch_…`.
    pub subject: String,
    /// A description.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Custom claims.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub claims: Option<Value>,
    /// Scopes granted.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub scopes: Vec<String>,
    /// The creating user.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub created_by: Option<String>,
    /// Lifetime in seconds; none never expires.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub seconds_until_expiration: Option<u64>,
}

impl CreateApiKey {
    /// A key named `name` for `subject`.
    pub fn new(name: impl Into<String>, subject: impl Into<String>) -> Self {
        Self {
            name: name.into(),
            subject: subject.into(),
            ..Self::default()
        }
    }

    /// Sets the scopes.
    pub fn scopes<I, S>(mut self, scopes: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.scopes = scopes.into_iter().map(Into::into).collect();
        self
    }
}

/// The format of a new M2M token.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum M2mTokenFormat {
    /// `mt_…`, verified by the Backend API. The default.
    #[default]
    Opaque,
    /// A JWT whose `sub` is the machine (`mch_…`), verified with the instance's keys.
    Jwt,
}

/// `POST /m2m_tokens`: a new M2M token for the machine whose secret key authenticates the call
/// ([`ClientConfig::machine_secret_key`](super::ClientConfig::machine_secret_key)).
#[derive(Debug, Clone, Default, Serialize)]
pub struct CreateM2mToken {
    /// Opaque or JWT.
    pub token_format: M2mTokenFormat,
    /// Lifetime in seconds; none: the machine's default.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub seconds_until_expiration: Option<u64>,
    /// Custom claims.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub claims: Option<Value>,
}

/// A created API key with its secret (shown once by Clerk). `Debug` hides the secret.
#[derive(Clone, Deserialize)]
pub struct NewApiKey {
    /// The key.
    #[serde(flatten)]
    pub key: ApiKey,
    /// The secret a client presents (`ak_…`). Keep it out of logs.
    pub secret: String,
}

impl fmt::Debug for NewApiKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("NewApiKey")
            .field("key", &self.key)
            .field("secret", &"[redacted]")
            .finish()
    }
}

/// A created M2M token with the token itself (an `mt_…` secret or a JWT). `Debug` hides it.
#[derive(Clone, Deserialize)]
pub struct NewM2mToken {
    /// The token's description.
    #[serde(flatten)]
    pub info: M2mToken,
    /// The token a machine presents. Keep it out of logs.
    pub token: String,
}

impl fmt::Debug for NewM2mToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("NewM2mToken")
            .field("info", &self.info)
            .field("token", &"[redacted]")
            .finish()
    }
}

/// `GET /api_keys`: a page of API keys.
#[derive(Debug, Clone, Deserialize)]
pub struct ApiKeyList {
    /// The keys.
    pub data: Vec<ApiKey>,
    /// How many match, over all pages.
    pub total_count: i64,
}

/// `GET /m2m_tokens`: a page of a machine's opaque M2M tokens.
#[derive(Debug, Clone, Deserialize)]
pub struct M2mTokenList {
    /// The tokens.
    #[serde(rename = "m2m_tokens")]
    pub tokens: Vec<M2mToken>,
    /// How many match, over all pages.
    pub total_count: i64,
}

fn query(pairs: &[(&str, &str)]) -> String {
    let mut serializer = url::form_urlencoded::Serializer::new(String::new());
    for (name, value) in pairs {
        serializer.append_pair(name, value);
    }
    serializer.finish()
}

impl ApiKeys<'_> {
    /// `GET /api_keys?subject=`: the API keys of a user or organization (`subject`), at most
    /// 100; with `include_invalid`, the revoked and expired ones too. Retried (a read).
    ///
    /// # Errors
    ///
    /// See [`ApiError`](super::ApiError).
    pub async fn list(&self, subject: &str, include_invalid: bool) -> ApiResult<ApiKeyList> {
        let include = if include_invalid { "true" } else { "false" };
        let query = query(&[
            ("subject", subject),
            ("include_invalid", include),
            ("limit", "100"),
        ]);
        self.client.operation(&ops::GET_API_KEYS, &[], query, None).await
    }
}

impl M2m<'_> {
    /// `POST /m2m_tokens`: mints an M2M token for the machine of the machine secret key
    /// (sent with it when one is configured). Never retried; the token is only in the answer.
    ///
    /// # Errors
    ///
    /// 401/403 without a machine secret key Clerk accepts; see [`ApiError`](super::ApiError).
    pub async fn create_token(&self, token: &CreateM2mToken) -> ApiResult<NewM2mToken> {
        let body = crate::Payload::json(token)?;
        self.machine_call(&ops::CREATE_M2M_TOKEN, &[], String::new(), Some(body))
            .await
    }

    /// `GET /m2m_tokens?subject=`: the tokens of a machine (`mch_…`), at most 100; with
    /// `include_invalid`, the revoked and expired ones too. Retried (a read).
    ///
    /// # Errors
    ///
    /// See [`ApiError`](super::ApiError).
    pub async fn list_tokens(&self, subject: &str, include_invalid: bool) -> ApiResult<M2mTokenList> {
        let mut pairs = vec![("subject", subject), ("limit", "100")];
        if include_invalid {
            pairs.extend([("revoked", "true"), ("expired", "true")]);
        }
        self.machine_call(&ops::GET_M2M_TOKENS, &[], query(&pairs), None)
            .await
    }

    /// `POST /m2m_tokens/{m2m_token_id}/revoke`: revokes the token, with an optional reason.
    /// Retried: a revocation twice leaves the same state.
    ///
    /// # Errors
    ///
    /// [`ApiError::InvalidArgument`](super::ApiError::InvalidArgument) for an empty or unsafe
    /// id; 404 for an unknown token; see [`ApiError`](super::ApiError).
    pub async fn revoke_token(&self, token_id: &str, reason: Option<&str>) -> ApiResult<M2mToken> {
        let body = crate::Payload::json(&json!({ "revocation_reason": reason }))?;
        self.machine_call(&ops::REVOKE_M2M_TOKEN, &[token_id], String::new(), Some(body))
            .await
    }

    /// `op` with the machine secret key as `Authorization` when one is configured.
    async fn machine_call<T: serde::de::DeserializeOwned>(
        &self,
        op: &'static Operation,
        path_args: &[&str],
        query: String,
        body: Option<crate::Payload>,
    ) -> ApiResult<T> {
        let (handle, call) = self.client.operation_call(op, path_args, query, body)?;
        handle
            .json(call.with_authorization(self.client.machine_authorization()))
            .await
    }
}
