//! Machine tokens (M2M tokens, API keys, OAuth access tokens) and their verification.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde_json::{json, Value};

use crate::clock::now_ms;
use crate::ids::new_id;
use crate::ids::random_hex;
use crate::instance::minter::TokenMinter;
use crate::lock::lock;

/// The `cat` header of Clerk's M2M JWTs.
pub const M2M_JWT_CATEGORY: &str = "cl_B7d4PD333AAA";

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
    /// OAuth audience (`aud`), when set.
    pub audience: Option<Value>,
    /// API key description.
    pub description: Option<String>,
    /// The user who created an API key.
    pub created_by: Option<String>,
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

    /// Whether the token is revoked or expired.
    pub fn is_inactive(&self) -> bool {
        self.revoked.is_some() || self.expired()
    }

    /// The create endpoint's body: the resource with its secret (`secret` for API keys,
    /// `token` for M2M tokens).
    pub(crate) fn to_created_json(&self) -> Value {
        let mut json = self.to_json();
        let field = match self.kind {
            MachineTokenKind::ApiKey => "secret",
            MachineTokenKind::M2m | MachineTokenKind::OAuth => "token",
        };
        json[field] = Value::String(self.secret.clone());
        json
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
                "description": self.description,
                "claims": self.claims,
                "scopes": self.scopes,
                "revoked": revoked,
                "revocation_reason": reason,
                "expired": self.expired(),
                "expiration": self.expiration,
                "created_by": self.created_by,
                "last_used_at": now_ms(),
                "created_at": self.created_at,
                "updated_at": self.updated_at,
            }),
            MachineTokenKind::OAuth => {
                let mut json = json!({
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
                });
                if let Some(aud) = &self.audience {
                    json["aud"] = aud.clone();
                }
                json
            }
        }
    }
}

/// A machine of the instance (`mch_…`) with its secret key, which authenticates M2M token
/// calls (`CLERK_MACHINE_SECRET_KEY`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Machine {
    /// `mch_<27>`.
    pub id: String,
    /// Its name.
    pub name: String,
    /// Creation time (ms).
    pub created_at: i64,
    /// Lifetime of the M2M tokens it creates, in seconds (Clerk's default: an hour).
    pub default_token_ttl: u64,
    /// Its secret key (`ak_<48 hex>`).
    pub secret_key: String,
    /// The machines its tokens may talk to: the `scopes` of the M2M tokens it creates.
    pub scopes: Vec<String>,
}

#[derive(Debug, Default)]
struct MachineState {
    tokens: Vec<MachineToken>,
    machines: Vec<Machine>,
    inactive: InactiveTokens,
}

/// Issues, revokes and expires machine tokens (opaque and JWT); the verify, create, list and
/// revoke endpoints use them.
#[derive(Debug, Clone, Default)]
pub struct MachineTokens {
    state: Arc<Mutex<MachineState>>,
    minter: Option<TokenMinter>,
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

    /// Sets the OAuth audience (`aud`: a string, or an array of strings).
    pub fn audience(mut self, aud: impl Into<Value>) -> Self {
        self.token.audience = Some(aud.into());
        self
    }

    /// Sets the OAuth client id.
    pub fn client_id(mut self, client_id: impl Into<String>) -> Self {
        self.token.client_id = client_id.into();
        self
    }

    /// Expires `ttl` from now.
    pub fn expires_in(mut self, ttl: Duration) -> Self {
        let ttl = clerk_core::time::duration_millis(ttl);
        self.token.expiration = Some(now_ms().saturating_add(ttl));
        self
    }

    /// The token, not stored.
    pub(crate) fn into_token(self) -> MachineToken {
        self.token
    }

    /// Stores the token and returns it (present `secret` to the verify endpoint).
    pub fn issue(self) -> MachineToken {
        lock(&self.tokens.state).tokens.push(self.token.clone());
        self.token
    }

    /// Mints the token in JWT form instead (nothing is stored: JWTs are verified with the
    /// instance's keys and cannot be revoked), signed with the instance's active key:
    ///
    /// - M2M: header `cat: cl_B7d4PD333AAA`; claims `sub` (the machine), `jti` (an `mt_…` id),
    ///   `scopes` (space separated), the custom claims at the top level;
    /// - OAuth: header `typ: at+jwt`; claims `sub` (the user), `jti` (an `oat_…` id),
    ///   `client_id`, `scp` (an array), `aud` when set.
    ///
    /// `iss`, `iat`, `nbf` and `exp` (from [`expires_in`](Self::expires_in), else one hour) as
    /// in session tokens.
    ///
    /// # Panics
    ///
    /// For an API key (Clerk has no JWT API keys), or for tokens of a [`MachineTokens`] that is
    /// not a running emulator's.
    pub fn jwt(self) -> String {
        let minter = self
            .tokens
            .minter
            .as_ref()
            .expect("JWT machine tokens need the emulator's MachineTokens (TestClerk::machine_tokens)");
        let token = &self.token;
        let lifetime = token
            .expiration
            .map_or(3600, |ms| (ms - now_ms()).div_euclid(1000));
        let mut jwt = minter
            .session_token(token.subject.clone())
            .lifetime(lifetime)
            .jti(token.id.clone());
        for claim in ["sid", "v", "sts", "fva"] {
            jwt = jwt.without_claim(claim);
        }
        if lifetime <= 0 {
            jwt = jwt.expired();
        }
        match token.kind {
            MachineTokenKind::M2m => {
                jwt = jwt
                    .header_cat(Some(M2M_JWT_CATEGORY))
                    .claim("scopes", token.scopes.join(" "));
                if let Some(Value::Object(claims)) = &token.claims {
                    for (name, value) in claims {
                        jwt = jwt.claim(name.clone(), value.clone());
                    }
                }
            }
            MachineTokenKind::OAuth => {
                jwt = jwt
                    .header_typ(Some("at+jwt"))
                    .claim("client_id", token.client_id.clone())
                    .claim("scp", token.scopes.clone());
                if let Some(aud) = &token.audience {
                    jwt = jwt.claim("aud", aud.clone());
                }
            }
            MachineTokenKind::ApiKey => panic!("API keys have no JWT form"),
        }
        jwt.mint()
    }
}

impl MachineTokens {
    /// The emulator's store, which can also mint JWT-format tokens.
    pub(crate) fn with_minter(minter: TokenMinter) -> Self {
        Self {
            state: Arc::default(),
            minter: Some(minter),
        }
    }

    /// Registers a machine whose tokens may talk to the machines in `scopes`, and returns it
    /// with its secret key.
    pub fn machine<I, S>(&self, scopes: I) -> Machine
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.register(
            "testkit machine",
            scopes.into_iter().map(Into::into).collect(),
            3600,
        )
    }

    /// Registers a machine (what `POST /v1/machines` does).
    pub(crate) fn register(&self, name: &str, scopes: Vec<String>, default_token_ttl: u64) -> Machine {
        let machine = Machine {
            id: new_id("mch_"),
            name: name.to_owned(),
            created_at: now_ms(),
            default_token_ttl,
            secret_key: format!("ak_{}", random_hex(48)),
            scopes,
        };
        lock(&self.state).machines.push(machine.clone());
        machine
    }

    /// The machine with this id.
    pub(crate) fn machine_by_id(&self, id: &str) -> Option<Machine> {
        lock(&self.state).machines.iter().find(|m| m.id == id).cloned()
    }

    /// The machine whose secret key this is.
    pub(crate) fn machine_by_key(&self, secret_key: &str) -> Option<Machine> {
        lock(&self.state)
            .machines
            .iter()
            .find(|m| m.secret_key == secret_key)
            .cloned()
    }

    /// Every token of `kind` for `subject` (`include_inactive`: revoked and expired too),
    /// newest first.
    pub(crate) fn list(
        &self,
        kind: MachineTokenKind,
        subject: &str,
        include_inactive: bool,
    ) -> Vec<MachineToken> {
        let mut tokens: Vec<MachineToken> = lock(&self.state)
            .tokens
            .iter()
            .filter(|t| t.kind == kind && t.subject == subject && (include_inactive || !t.is_inactive()))
            .cloned()
            .collect();
        tokens.reverse();
        tokens
    }

    /// The token with this id, of `kind`.
    pub(crate) fn by_id(&self, kind: MachineTokenKind, id: &str) -> Option<MachineToken> {
        lock(&self.state)
            .tokens
            .iter()
            .find(|t| t.kind == kind && t.id == id)
            .cloned()
    }

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

    /// Issues an opaque token through the store (what the create endpoints do).
    pub(crate) fn store(&self, token: MachineToken) {
        lock(&self.state).tokens.push(token);
    }

    /// A fresh token of `kind` for `subject`, not stored yet.
    pub(crate) fn draft(&self, kind: MachineTokenKind, subject: String) -> MachineTokenBuilder {
        self.builder(kind, subject)
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
        let inactive = token.is_inactive();
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
                client_id: crate::ids::new_id("client_"),
                audience: None,
                description: None,
                created_by: None,
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
