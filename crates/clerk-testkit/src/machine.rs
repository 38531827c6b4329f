//! Machine tokens (M2M tokens, API keys, OAuth access tokens) and their verification.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde_json::{json, Value};

use crate::util::{lock, now_ms, random_hex};

/// The kind of a machine token.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MachineTokenKind {
    /// `mt_…`, verified at `POST /m2m_tokens/verify` with `{token}`.
    M2m,
    /// `ak_…`, verified at `POST /api_keys/verify` with `{secret}`.
    ApiKey,
    /// `oat_…`, verified at `POST /oauth_applications/access_tokens/verify` with
    /// `{access_token}`.
    OAuth,
}

impl MachineTokenKind {
    fn prefix(self) -> &'static str {
        match self {
            MachineTokenKind::M2m => "mt_",
            MachineTokenKind::ApiKey => "ak_",
            MachineTokenKind::OAuth => "oat_",
        }
    }

    pub(crate) fn not_found_message(self) -> &'static str {
        match self {
            MachineTokenKind::M2m => "Machine token not found",
            MachineTokenKind::ApiKey => "API key not found",
            MachineTokenKind::OAuth => "OAuth token not found",
        }
    }
}

/// How revoked and expired tokens are answered.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum InactiveTokens {
    /// `404 resource_not_found`, as an unknown token (what Clerk's JS SDK documents: the
    /// call throws). The default.
    #[default]
    NotFound,
    /// `200` with `revoked: true` / `expired: true`, to prove clients check the flags.
    Flagged,
}

/// A machine token the emulator knows.
#[derive(Debug, Clone, PartialEq)]
pub struct MachineToken {
    /// What it is.
    pub kind: MachineTokenKind,
    /// `mt_<32hex>`, `ak_<32hex>`, `oat_<32hex>`.
    pub id: String,
    /// The secret a client presents (same prefix as the id, 48 hex characters).
    pub secret: String,
    /// `mch_…` (M2M), `user_…`/`org_…` (API keys, OAuth).
    pub subject: String,
    /// Scopes.
    pub scopes: Vec<String>,
    /// Custom claims.
    pub claims: Option<Value>,
    /// API key name.
    pub name: String,
    /// OAuth client id.
    pub client_id: String,
    /// Revoked, and why.
    pub revoked: Option<String>,
    /// Expiry (ms), if any.
    pub expiration: Option<i64>,
    /// Creation time (ms).
    pub created_at: i64,
    /// Last update (ms).
    pub updated_at: i64,
}

impl MachineToken {
    fn expired(&self) -> bool {
        self.expiration.is_some_and(|at| at <= now_ms())
    }

    /// The verify endpoint's 200 body.
    pub(crate) fn to_json(&self) -> Value {
        let (revoked, reason) = (self.revoked.is_some(), self.revoked.clone());
        match self.kind {
            MachineTokenKind::M2m => json!({
                "object": "machine_to_machine_token",
                "id": self.id,
                "subject": self.subject,
                "claims": self.claims,
                "scopes": self.scopes,
                "revoked": revoked,
                "revocation_reason": reason,
                "expired": self.expired(),
                "expiration": self.expiration,
                "last_used_at": now_ms(),
                "created_at": self.created_at,
                "updated_at": self.updated_at,
            }),
            MachineTokenKind::ApiKey => json!({
                "object": "api_key",
                "id": self.id,
                "type": "api_key",
                "subject": self.subject,
                "name": self.name,
                "description": null,
                "claims": self.claims,
                "scopes": self.scopes,
                "revoked": revoked,
                "revocation_reason": reason,
                "expired": self.expired(),
                "expiration": self.expiration,
                "created_by": null,
                "last_used_at": now_ms(),
                "created_at": self.created_at,
                "updated_at": self.updated_at,
            }),
            MachineTokenKind::OAuth => json!({
                "object": "clerk_idp_oauth_access_token",
                "id": self.id,
                "client_id": self.client_id,
                "subject": self.subject,
                "scopes": self.scopes,
                "revoked": revoked,
                "revocation_reason": reason,
                "expired": self.expired(),
                "expiration": self.expiration,
                "created_at": self.created_at,
                "updated_at": self.updated_at,
            }),
        }
    }
}

#[derive(Debug, Default)]
struct MachineState {
    tokens: Vec<MachineToken>,
    inactive: InactiveTokens,
}

/// Issues, revokes and expires machine tokens; the verify endpoints look them up here.
#[derive(Debug, Clone, Default)]
pub struct MachineTokens {
    state: Arc<Mutex<MachineState>>,
}

/// A machine token being issued; finish with [`MachineTokenBuilder::issue`].
#[derive(Debug, Clone)]
pub struct MachineTokenBuilder {
    tokens: MachineTokens,
    token: MachineToken,
}

impl MachineTokenBuilder {
    /// Sets the scopes.
    pub fn scopes<I, S>(mut self, scopes: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.token.scopes = scopes.into_iter().map(Into::into).collect();
        self
    }

    /// Sets custom claims.
    pub fn claims(mut self, claims: Value) -> Self {
        self.token.claims = Some(claims);
        self
    }

    /// Sets the API key name.
    pub fn name(mut self, name: impl Into<String>) -> Self {
        self.token.name = name.into();
        self
    }

    /// Sets the OAuth client id.
    pub fn client_id(mut self, client_id: impl Into<String>) -> Self {
        self.token.client_id = client_id.into();
        self
    }

    /// Expires `ttl` from now.
    pub fn expires_in(mut self, ttl: Duration) -> Self {
        let ttl = i64::try_from(ttl.as_millis()).unwrap_or(i64::MAX);
        self.token.expiration = Some(now_ms().saturating_add(ttl));
        self
    }

    /// Stores the token and returns it (present `secret` to the verify endpoint).
    pub fn issue(self) -> MachineToken {
        lock(&self.tokens.state).tokens.push(self.token.clone());
        self.token
    }
}

impl MachineTokens {
    /// Starts an M2M token for machine `subject` (`mch_…`).
    pub fn m2m(&self, subject: impl Into<String>) -> MachineTokenBuilder {
        self.builder(MachineTokenKind::M2m, subject.into())
    }

    /// Starts an API key for `subject` (`user_…`, `org_…`).
    pub fn api_key(&self, subject: impl Into<String>) -> MachineTokenBuilder {
        self.builder(MachineTokenKind::ApiKey, subject.into())
    }

    /// Starts an OAuth access token for user `subject`.
    pub fn oauth_token(&self, subject: impl Into<String>) -> MachineTokenBuilder {
        self.builder(MachineTokenKind::OAuth, subject.into())
    }

    /// Revokes the token with this id or secret. Returns whether it exists.
    pub fn revoke(&self, id_or_secret: &str, reason: &str) -> bool {
        self.modify(id_or_secret, |t| t.revoked = Some(reason.to_owned()))
    }

    /// Expires the token with this id or secret now. Returns whether it exists.
    pub fn expire(&self, id_or_secret: &str) -> bool {
        self.modify(id_or_secret, |t| t.expiration = Some(now_ms() - 1))
    }

    /// Chooses how revoked and expired tokens are answered. Defaults to
    /// [`InactiveTokens::NotFound`].
    pub fn answer_inactive(&self, how: InactiveTokens) {
        lock(&self.state).inactive = how;
    }

    /// The token presented as `secret`, if it should verify (see [`InactiveTokens`]).
    pub(crate) fn verify(&self, kind: MachineTokenKind, secret: &str) -> Option<MachineToken> {
        let state = lock(&self.state);
        let token = state
            .tokens
            .iter()
            .find(|t| t.kind == kind && t.secret == secret)?;
        let inactive = token.revoked.is_some() || token.expired();
        if inactive && state.inactive == InactiveTokens::NotFound {
            return None;
        }
        Some(token.clone())
    }

    fn builder(&self, kind: MachineTokenKind, subject: String) -> MachineTokenBuilder {
        let now = now_ms();
        MachineTokenBuilder {
            tokens: self.clone(),
            token: MachineToken {
                kind,
                id: format!("{}{}", kind.prefix(), random_hex(32)),
                secret: format!("{}{}", kind.prefix(), random_hex(48)),
                subject,
                scopes: Vec::new(),
                claims: None,
                name: "testkit key".to_owned(),
                client_id: crate::util::new_id("client_"),
                revoked: None,
                expiration: None,
                created_at: now,
                updated_at: now,
            },
        }
    }

    fn modify(&self, id_or_secret: &str, f: impl FnOnce(&mut MachineToken)) -> bool {
        let mut state = lock(&self.state);
        match state
            .tokens
            .iter_mut()
            .find(|t| t.id == id_or_secret || t.secret == id_or_secret)
        {
            Some(token) => {
                f(token);
                token.updated_at = now_ms().max(token.updated_at + 1);
                true
            }
            None => false,
        }
    }
}
