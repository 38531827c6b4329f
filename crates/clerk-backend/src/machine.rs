//! The machine-token resources of the Backend API: API keys and M2M tokens (create, list,
//! revoke), at the API root without the version segment, as Clerk's SDK calls them. The
//! verifications themselves are [`ClerkClient::verify_api_key`],
//! [`ClerkClient::verify_m2m_token`] and [`ClerkClient::verify_oauth_token`].

use std::fmt;

use awc::http::Method;
use clerk_core::api::{ApiKey, M2mToken};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use super::clerk_client::{json_body, ClerkClient};
use super::error::ApiResult;
use super::params::path_segment;

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
#[derive(Debug, Clone, Default, Serialize)]
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

impl ClerkClient {
    /// `POST /api_keys`: creates an API key. Never retried (a retry could create a second key).
    ///
    /// # Errors
    ///
    /// 400/422 for invalid fields; see [`ApiError`](super::ApiError).
    pub async fn create_api_key(&self, key: &CreateApiKey) -> ApiResult<NewApiKey> {
        let call = self.call(
            "POST /api_keys",
            Method::POST,
            self.root_url("/api_keys"),
            Some(json_body(key)?),
            false,
        );
        self.json(call).await
    }

    /// `GET /api_keys?subject=…`: the API keys of a user, organization or machine (the first
    /// 100; with `include_invalid`, revoked and expired ones too).
    ///
    /// # Errors
    ///
    /// See [`ApiError`](super::ApiError).
    pub async fn list_api_keys(&self, subject: &str, include_invalid: bool) -> ApiResult<ApiKeyList> {
        let include = if include_invalid { "true" } else { "false" };
        let url = format!(
            "{}?{}",
            self.root_url("/api_keys"),
            query(&[
                ("subject", subject),
                ("include_invalid", include),
                ("limit", "100")
            ])
        );
        self.json(self.call("GET /api_keys", Method::GET, url, None, true))
            .await
    }

    /// `POST /api_keys/{id}/revoke`: revokes an API key (retried: revoking twice changes
    /// nothing).
    ///
    /// # Errors
    ///
    /// [`ApiError::InvalidArgument`](super::ApiError::InvalidArgument) for an empty id; 404 for
    /// an unknown key; see [`ApiError`](super::ApiError).
    pub async fn revoke_api_key(&self, key_id: &str, reason: Option<&str>) -> ApiResult<ApiKey> {
        let url = self.root_url(&format!("/api_keys/{}/revoke", path_segment(key_id)?));
        let body = json_body(&json!({ "revocation_reason": reason }))?;
        let call = self.call("POST /api_keys/{id}/revoke", Method::POST, url, Some(body), true);
        self.json(call).await
    }

    /// `POST /m2m_tokens`: creates an M2M token for the machine of the configured machine secret
    /// key (Clerk requires one). Never retried.
    ///
    /// # Errors
    ///
    /// 401 without a machine secret key Clerk accepts; see [`ApiError`](super::ApiError).
    pub async fn create_m2m_token(&self, token: &CreateM2mToken) -> ApiResult<NewM2mToken> {
        let mut call = self.call(
            "POST /m2m_tokens",
            Method::POST,
            self.root_url("/m2m_tokens"),
            Some(json_body(token)?),
            false,
        );
        call.authorization = self.machine_authorization();
        self.json(call).await
    }

    /// `GET /m2m_tokens?subject=…`: a machine's opaque M2M tokens (the first 100; with
    /// `include_invalid`, revoked and expired ones too). Authenticated with the machine secret
    /// key when one is configured (then only that machine's tokens).
    ///
    /// # Errors
    ///
    /// See [`ApiError`](super::ApiError).
    pub async fn list_m2m_tokens(&self, subject: &str, include_invalid: bool) -> ApiResult<M2mTokenList> {
        let mut pairs = vec![("subject", subject), ("limit", "100")];
        if include_invalid {
            pairs.extend([("revoked", "true"), ("expired", "true")]);
        }
        let url = format!("{}?{}", self.root_url("/m2m_tokens"), query(&pairs));
        let mut call = self.call("GET /m2m_tokens", Method::GET, url, None, true);
        call.authorization = self.machine_authorization();
        self.json(call).await
    }

    /// `POST /m2m_tokens/{id}/revoke`: revokes an opaque M2M token (retried: revoking twice
    /// changes nothing).
    ///
    /// # Errors
    ///
    /// [`ApiError::InvalidArgument`](super::ApiError::InvalidArgument) for an empty id; 404 for
    /// an unknown token; see [`ApiError`](super::ApiError).
    pub async fn revoke_m2m_token(&self, token_id: &str, reason: Option<&str>) -> ApiResult<M2mToken> {
        let url = self.root_url(&format!("/m2m_tokens/{}/revoke", path_segment(token_id)?));
        let body = json_body(&json!({ "revocation_reason": reason }))?;
        let mut call = self.call(
            "POST /m2m_tokens/{id}/revoke",
            Method::POST,
            url,
            Some(body),
            true,
        );
        call.authorization = self.machine_authorization();
        self.json(call).await
    }
}
