//! The auth object of a verified machine token (docs/clerk-behaviour.md §11).

use std::sync::Arc;

use serde_json::{Map, Value};

use super::token_type::TokenType;
use crate::api::{ApiKey, IdpOAuthAccessToken, M2mToken};

/// A verified machine token: what Clerk's machine auth objects expose, per type.
///
/// `has()` always answers `false` (Clerk's machine auth objects fail closed); use
/// [`has_scope`](Self::has_scope) for what a machine token actually carries.
#[derive(Debug, Clone, PartialEq)]
pub struct MachineIdentity {
    pub(crate) token_type: TokenType,
    pub(crate) id: String,
    pub(crate) subject: String,
    pub(crate) scopes: Vec<String>,
    pub(crate) claims: Option<Arc<Map<String, Value>>>,
    pub(crate) name: Option<String>,
    pub(crate) client_id: Option<String>,
    /// Expiry in Unix milliseconds, when the token has one.
    pub(crate) expiration_ms: Option<i64>,
}

/// A JSON object's claims; anything else (`null`, a non-object) is none.
fn object_claims(claims: Option<&Value>) -> Option<Arc<Map<String, Value>>> {
    match claims? {
        Value::Object(map) => Some(Arc::new(map.clone())),
        _ => None,
    }
}

impl MachineIdentity {
    /// The auth object of an API key the Backend API verified (`POST /api_keys/verify`):
    /// Clerk's `{id, subject, scopes, name, claims}`, `userId`/`orgId` from the subject.
    ///
    /// # Examples
    ///
    /// ```
    /// use clerk_core::api::ApiKey;
    /// use clerk_core::machine::{MachineIdentity, TokenType};
    ///
    /// let key: ApiKey = serde_json::from_value(serde_json::json!({
    ///     "id": "ak_1", "subject": "org_1", "name": "ci", "scopes": ["read"]
    /// }))?;
    /// let auth = MachineIdentity::from_api_key(&key);
    /// assert_eq!(auth.token_type(), TokenType::ApiKey);
    /// assert_eq!((auth.org_id(), auth.user_id()), (Some("org_1"), None));
    /// # Ok::<(), serde_json::Error>(())
    /// ```
    pub fn from_api_key(key: &ApiKey) -> Self {
        Self {
            token_type: TokenType::ApiKey,
            id: key.id.clone(),
            subject: key.subject.clone(),
            scopes: key.scopes.clone(),
            claims: object_claims(key.claims.as_ref()),
            name: Some(key.name.clone()),
            client_id: None,
            expiration_ms: key.expiration,
        }
    }

    /// The auth object of an opaque M2M token the Backend API verified
    /// (`POST /m2m_tokens/verify`): `{id, subject, scopes, claims}`, `machineId` = the subject.
    pub fn from_m2m_token(token: &M2mToken) -> Self {
        Self {
            token_type: TokenType::M2mToken,
            id: token.id.clone(),
            subject: token.subject.clone(),
            scopes: token.scopes.clone(),
            claims: object_claims(token.claims.as_ref()),
            name: None,
            client_id: None,
            expiration_ms: token.expiration,
        }
    }

    /// The auth object of an opaque OAuth access token the Backend API verified
    /// (`POST /oauth_applications/access_tokens/verify`): `{id, subject, scopes}`, `userId` =
    /// the subject, `clientId`.
    pub fn from_oauth_token(token: &IdpOAuthAccessToken) -> Self {
        Self {
            token_type: TokenType::OAuthToken,
            id: token.id.clone(),
            subject: token.subject.clone(),
            scopes: token.scopes.clone(),
            claims: None,
            name: None,
            client_id: Some(token.client_id.clone()),
            expiration_ms: token.expiration,
        }
    }

    /// `m2m_token`, `api_key` or `oauth_token`.
    pub fn token_type(&self) -> TokenType {
        self.token_type
    }

    /// The token's id (`mt_…`, `ak_…`, `oat_…`, or a JWT's `jti`; empty when a JWT has none).
    pub fn id(&self) -> &str {
        &self.id
    }

    /// The subject: a machine (`mch_…`), user (`user_…`) or organization (`org_…`).
    pub fn subject(&self) -> &str {
        &self.subject
    }

    /// The scopes granted.
    pub fn scopes(&self) -> &[String] {
        &self.scopes
    }

    /// Whether `scope` was granted (Clerk's auth objects have no such check).
    pub fn has_scope(&self, scope: &str) -> bool {
        self.scopes.iter().any(|granted| granted == scope)
    }

    /// Clerk's `has()` on a machine auth object: always `false`.
    pub fn has(&self, _check: &crate::Check<'_>) -> bool {
        false
    }

    /// Custom claims (API keys and M2M tokens), when the token has any.
    pub fn claims(&self) -> Option<&Map<String, Value>> {
        self.claims.as_deref()
    }

    /// An API key's name.
    pub fn name(&self) -> Option<&str> {
        self.name.as_deref()
    }

    /// The user: an OAuth token's subject, or an API key's subject when it is a user.
    pub fn user_id(&self) -> Option<&str> {
        match self.token_type {
            TokenType::OAuthToken => Some(&self.subject),
            TokenType::ApiKey => self.subject.starts_with("user_").then_some(self.subject.as_str()),
            TokenType::M2mToken | TokenType::SessionToken => None,
        }
    }

    /// The organization: an API key's subject when it is an organization.
    pub fn org_id(&self) -> Option<&str> {
        match self.token_type {
            TokenType::ApiKey => self.subject.starts_with("org_").then_some(self.subject.as_str()),
            _ => None,
        }
    }

    /// The machine: an M2M token's subject.
    pub fn machine_id(&self) -> Option<&str> {
        (self.token_type == TokenType::M2mToken).then_some(self.subject.as_str())
    }

    /// The OAuth application's client id (OAuth tokens).
    pub fn client_id(&self) -> Option<&str> {
        self.client_id.as_deref()
    }

    /// When the token expires, in Unix milliseconds (none for a key without expiry).
    pub fn expiration_ms(&self) -> Option<i64> {
        self.expiration_ms
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn auth(token_type: TokenType, subject: &str) -> MachineIdentity {
        MachineIdentity {
            token_type,
            id: "id_1".into(),
            subject: subject.into(),
            scopes: vec!["read:reports".into()],
            claims: None,
            name: None,
            client_id: None,
            expiration_ms: None,
        }
    }

    #[test]
    fn per_type_fields_are_clerks() {
        let key = auth(TokenType::ApiKey, "user_1");
        assert_eq!(
            (key.user_id(), key.org_id(), key.machine_id()),
            (Some("user_1"), None, None)
        );
        let org_key = auth(TokenType::ApiKey, "org_1");
        assert_eq!((org_key.user_id(), org_key.org_id()), (None, Some("org_1")));
        let m2m = auth(TokenType::M2mToken, "mch_1");
        assert_eq!((m2m.user_id(), m2m.machine_id()), (None, Some("mch_1")));
        let oauth = auth(TokenType::OAuthToken, "user_2");
        assert_eq!((oauth.user_id(), oauth.org_id()), (Some("user_2"), None));
        assert!(oauth.has_scope("read:reports") && !oauth.has_scope("read"));
        assert!(!oauth.has(&crate::Check::new().permission("read:reports")));
    }
}
