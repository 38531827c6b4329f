//! Session-token (JWT v2) minting, exactly as Clerk signs them, plus the broken variants a
//! verifier's tests need.

use std::collections::BTreeMap;
use std::sync::{Arc, OnceLock};

use base64::Engine as _;
use serde_json::Value;

use crate::clock::now_secs;
use crate::error::{Error, Result};
use crate::ids::b64url;
use crate::ids::new_id;
use crate::ids::random_hex;
use crate::instance::keys::{KeyRing, RsaAlg, SigningKey};

/// The `cat` header of session tokens.
pub const SESSION_TOKEN_CATEGORY: &str = "cl_B7d4PD111AAA";

/// Mints tokens for one instance, always with its currently active signing key.
///
/// Cheap to clone; shared with the server (key rotation through [`crate::faults::Faults`] is seen
/// here at once).
#[derive(Clone)]
pub struct TokenMinter {
    issuer: String,
    keys: KeyRing,
    other_key: Arc<OnceLock<std::result::Result<SigningKey, String>>>,
}

impl std::fmt::Debug for TokenMinter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TokenMinter")
            .field("issuer", &self.issuer)
            .finish_non_exhaustive()
    }
}

impl TokenMinter {
    pub(crate) fn new(issuer: String, keys: KeyRing) -> Self {
        Self {
            issuer,
            keys,
            other_key: Arc::new(OnceLock::new()),
        }
    }

    /// The `iss` of minted tokens, `https://{frontend_api}`.
    pub fn issuer(&self) -> &str {
        &self.issuer
    }

    /// The key tokens are signed with right now.
    pub fn active_key(&self) -> SigningKey {
        self.keys.active()
    }

    /// Starts a session token for `user_id` (`sub`), with a random `sid`, `iat` = now.
    pub fn session_token(&self, user_id: impl Into<String>) -> SessionToken {
        SessionToken::new(self.clone(), user_id.into())
    }

    /// Another instance's key carrying **this** instance's active `kid`: signatures made with
    /// it fail verification while the `kid` still resolves. Generated once, then reused.
    ///
    /// # Errors
    ///
    /// [`Error::Key`] if key generation fails.
    pub fn foreign_key(&self) -> Result<SigningKey> {
        let key = self
            .other_key
            .get_or_init(|| SigningKey::generate("ins_foreign").map_err(|err| err.to_string()))
            .clone()
            .map_err(Error::Key)?;
        Ok(key.with_kid(self.keys.active().kid()))
    }
}

/// An organization as carried in the v2 `o` claim.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct OrgClaim {
    /// `o.id`, `org_…`.
    pub id: String,
    /// `o.slg`, the slug. Omitted when `None`.
    pub slug: Option<String>,
    /// `o.rol`, the role **without** the `org:` prefix (`admin`). Omitted when `None`.
    pub role: Option<String>,
}

impl OrgClaim {
    /// An organization with only an id.
    pub fn new(id: impl Into<String>) -> Self {
        Self {
            id: id.into(),
            ..Self::default()
        }
    }

    /// Sets the slug.
    pub fn slug(mut self, slug: impl Into<String>) -> Self {
        self.slug = Some(slug.into());
        self
    }

    /// Sets the role; a leading `org:` is stripped, as Clerk does in v2 tokens.
    pub fn role(mut self, role: impl Into<String>) -> Self {
        let role = role.into();
        self.role = Some(role.strip_prefix("org:").unwrap_or(&role).to_owned());
        self
    }
}

/// Which key signs the token.
#[derive(Debug, Clone)]
enum KeyChoice {
    Active,
    Foreign,
    Given(SigningKey),
}

/// How the time claims are laid out.
#[derive(Debug, Clone, Copy)]
struct Times {
    iat: i64,
    nbf: i64,
    exp: i64,
}

/// A session token being built; finish with [`SessionToken::mint`].
///
/// Defaults: header `{"alg":"RS256","cat":"cl_B7d4PD111AAA","kid":<active kid>,"typ":"JWT"}`;
/// payload `iat` = now, `nbf` = `iat − 10`, `exp` = `iat + 60`, `iss`, `sid` (random
/// `sess_…`), `sub`, `v: 2`, `sts: "active"`, `fva: [0, -1]`; no `azp`, `jti`, `o`, `fea`,
/// `pla` or `act`. Payload keys are serialized sorted, as Clerk does.
///
/// # Examples
///
/// ```
/// # fn main() -> Result<(), Box<dyn std::error::Error>> {
/// use clerk_testkit::{instance::OrgClaim, TestClerk};
///
/// let clerk = TestClerk::builder().fixed_instance().start()?;
/// let jwt = clerk
///     .minter()
///     .session_token("user_2zXmpL3UsrAbCdEfGhIjKlMnOpQ")
///     .org(OrgClaim::new("org_1").slug("acme").role("admin"))
///     .features(["o:dashboard", "o:teams"])
///     .permissions(["org:dashboard:manage", "org:dashboard:read", "org:teams:read"])
///     .claim("tier", "gold")
///     .mint();
/// let (_, payload) = clerk_testkit::decode_unverified(&jwt)?;
/// assert_eq!(payload["o"]["fpm"], "3,2");
/// # Ok(()) }
/// ```
#[derive(Debug, Clone)]
pub struct SessionToken {
    minter: TokenMinter,
    sub: String,
    sid: String,
    azp: Option<String>,
    issuer: Option<String>,
    times: Times,
    sts: Option<String>,
    fva: Option<(i64, i64)>,
    org: Option<OrgClaim>,
    features: Vec<String>,
    permissions: Vec<String>,
    per_order: Option<Vec<String>>,
    plan: Option<String>,
    actor: Option<Value>,
    jti: Option<String>,
    claims: BTreeMap<String, Value>,
    removed: Vec<String>,
    header: BTreeMap<String, Option<Value>>,
    alg: RsaAlg,
    key: KeyChoice,
    tamper: bool,
}

impl SessionToken {
    fn new(minter: TokenMinter, sub: String) -> Self {
        let iat = now_secs();
        Self {
            minter,
            sub,
            sid: new_id("sess_"),
            azp: None,
            issuer: None,
            times: Times {
                iat,
                nbf: iat - 10,
                exp: iat + 60,
            },
            sts: Some("active".to_owned()),
            fva: Some((0, -1)),
            org: None,
            features: Vec::new(),
            permissions: Vec::new(),
            per_order: None,
            plan: None,
            actor: None,
            jti: None,
            claims: BTreeMap::new(),
            removed: Vec::new(),
            header: BTreeMap::new(),
            alg: RsaAlg::Rs256,
            key: KeyChoice::Active,
            tamper: false,
        }
    }

    /// Sets `sid`.
    pub fn session_id(mut self, sid: impl Into<String>) -> Self {
        self.sid = sid.into();
        self
    }

    /// Sets `azp`, the origin of the request that created the token.
    pub fn azp(mut self, azp: impl Into<String>) -> Self {
        self.azp = Some(azp.into());
        self
    }

    /// Sets `iat` (seconds) and derives `nbf = iat − 10`, `exp = iat + 60`.
    pub fn issued_at(mut self, iat: i64) -> Self {
        self.times = Times {
            iat,
            nbf: iat - 10,
            exp: iat + 60,
        };
        self
    }

    /// Overrides `nbf` (seconds).
    pub fn not_before(mut self, nbf: i64) -> Self {
        self.times.nbf = nbf;
        self
    }

    /// Overrides `exp` (seconds).
    pub fn expires_at(mut self, exp: i64) -> Self {
        self.times.exp = exp;
        self
    }

    /// Sets `exp = iat + seconds`.
    pub fn lifetime(mut self, seconds: i64) -> Self {
        self.times.exp = self.times.iat + seconds;
        self
    }

    /// An expired token: issued 120 s ago, so `exp` is 60 s in the past.
    pub fn expired(self) -> Self {
        self.issued_at(now_secs() - 120)
    }

    /// A not-yet-valid token: `nbf` 60 s in the future (`iat` now, `exp` in 120 s).
    pub fn not_yet_valid(self) -> Self {
        let now = now_secs();
        self.issued_at(now).not_before(now + 60).expires_at(now + 120)
    }

    /// `iat` 60 s in the future while `nbf` and `exp` stay valid (isolates the `iat` check).
    pub fn issued_in_future(self) -> Self {
        let now = now_secs();
        self.issued_at(now + 60)
            .not_before(now - 10)
            .expires_at(now + 120)
    }

    /// Sets `sts` (`active`, `pending`); `None` omits it.
    pub fn status(mut self, sts: Option<&str>) -> Self {
        self.sts = sts.map(str::to_owned);
        self
    }

    /// Sets `fva` (minutes since first- and second-factor verification, `-1` = never);
    /// `None` omits it.
    pub fn fva(mut self, fva: Option<(i64, i64)>) -> Self {
        self.fva = fva;
        self
    }

    /// Sets the active organization (`o`).
    pub fn org(mut self, org: OrgClaim) -> Self {
        self.org = Some(org);
        self
    }

    /// Sets the features (`fea`) with their scope prefixes (`o:`, `u:`, `ou:`, `uo:`).
    /// Org-scoped entries are moved first (keeping their order) when minting.
    pub fn features<I, S>(mut self, features: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.features = features.into_iter().map(Into::into).collect();
        self
    }

    /// Sets the org permission set (`org:<feature>:<permission>`, the `org:` is optional).
    /// `o.per` and `o.fpm` are computed from it: `per` lists the permission names in order of
    /// first appearance, and each org-scoped `fea` entry gets one decimal mask (bit i = i-th `per`
    /// entry), as Clerk mints them. Features missing from `fea` are added as `o:<feature>`.
    pub fn permissions<I, S>(mut self, permissions: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.permissions = permissions.into_iter().map(Into::into).collect();
        self
    }

    /// Fixes the order of `o.per` (names not listed are appended in order of appearance).
    pub fn permission_order<I, S>(mut self, names: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.per_order = Some(names.into_iter().map(Into::into).collect());
        self
    }

    /// Sets `pla` (`u:free_user`, `o:pro`).
    pub fn plan(mut self, plan: impl Into<String>) -> Self {
        self.plan = Some(plan.into());
        self
    }

    /// Sets `act` for an impersonated session: `{iss: "https://dashboard.clerk.com", sid, sub}`.
    pub fn actor(mut self, actor_user_id: &str, actor_session_id: &str) -> Self {
        let mut act = serde_json::Map::new();
        act.insert("iss".into(), "https://dashboard.clerk.com".into());
        act.insert("sid".into(), actor_session_id.into());
        act.insert("sub".into(), actor_user_id.into());
        self.actor = Some(Value::Object(act));
        self
    }

    /// Sets `jti`.
    pub fn jti(mut self, jti: impl Into<String>) -> Self {
        self.jti = Some(jti.into());
        self
    }

    /// Sets a random 20-hex-character `jti`.
    pub fn random_jti(self) -> Self {
        self.jti(random_hex(20))
    }

    /// Adds a custom claim; it overrides a standard claim of the same name.
    pub fn claim(mut self, key: impl Into<String>, value: impl Into<Value>) -> Self {
        self.claims.insert(key.into(), value.into());
        self
    }

    /// Removes a claim (standard or custom) from the payload, e.g. `"sub"` or `"v"`.
    pub fn without_claim(mut self, key: impl Into<String>) -> Self {
        self.removed.push(key.into());
        self
    }

    /// Overrides `iss`.
    pub fn issuer(mut self, iss: impl Into<String>) -> Self {
        self.issuer = Some(iss.into());
        self
    }

    /// Uses another instance's issuer (`https://evil-eagle-13.clerk.accounts.dev`).
    pub fn wrong_issuer(self) -> Self {
        self.issuer("https://evil-eagle-13.clerk.accounts.dev")
    }

    /// Signs with another instance's key under this instance's `kid` (bad signature).
    pub fn wrong_key(mut self) -> Self {
        self.key = KeyChoice::Foreign;
        self
    }

    /// Signs with `key` (its `kid` goes in the header unless overridden).
    pub fn signed_with(mut self, key: &SigningKey) -> Self {
        self.key = KeyChoice::Given(key.clone());
        self
    }

    /// Signs with RS384 or RS512 instead of RS256 (the header `alg` follows).
    pub fn algorithm(mut self, alg: RsaAlg) -> Self {
        self.alg = alg;
        self
    }

    /// Sets the header `typ`; `None` omits it.
    pub fn header_typ(self, typ: Option<&str>) -> Self {
        self.header_param("typ", typ.map(Value::from))
    }

    /// Sets the header `cat`; `None` omits it.
    pub fn header_cat(self, cat: Option<&str>) -> Self {
        self.header_param("cat", cat.map(Value::from))
    }

    /// Sets the header `kid`; `None` omits it.
    pub fn header_kid(self, kid: Option<&str>) -> Self {
        self.header_param("kid", kid.map(Value::from))
    }

    /// Writes `alg` into the header without changing how the token is signed (RS256 unless
    /// [`SessionToken::algorithm`] says otherwise), e.g. `"none"`, `"HS256"`, `"ES256"`.
    pub fn header_alg(self, alg: &str) -> Self {
        self.header_param("alg", Some(Value::from(alg)))
    }

    /// Sets (or with `None` removes) any header parameter.
    pub fn header_param(mut self, name: impl Into<String>, value: Option<Value>) -> Self {
        self.header.insert(name.into(), value);
        self
    }

    /// After signing, changes the payload (`sub` gets another user id) and keeps the
    /// original signature: the signature no longer matches.
    pub fn tampered(mut self) -> Self {
        self.tamper = true;
        self
    }

    /// The header as it will be serialized.
    pub fn header_json(&self) -> Result<BTreeMap<String, Value>> {
        let key = self.signing_key()?;
        let mut header = BTreeMap::new();
        header.insert("alg".to_owned(), Value::from(self.alg.name()));
        header.insert("cat".to_owned(), Value::from(SESSION_TOKEN_CATEGORY));
        header.insert("kid".to_owned(), Value::from(key.kid()));
        header.insert("typ".to_owned(), Value::from("JWT"));
        for (name, value) in &self.header {
            match value {
                Some(value) => header.insert(name.clone(), value.clone()),
                None => header.remove(name),
            };
        }
        Ok(header)
    }

    /// The payload as it will be serialized (keys sorted).
    pub fn payload_json(&self) -> BTreeMap<String, Value> {
        let mut p = BTreeMap::new();
        if let Some(act) = &self.actor {
            p.insert("act".to_owned(), act.clone());
        }
        if let Some(azp) = &self.azp {
            p.insert("azp".to_owned(), Value::from(azp.as_str()));
        }
        p.insert("exp".to_owned(), Value::from(self.times.exp));
        let (fea, org_masks) = self.features_and_masks();
        if !fea.is_empty() {
            p.insert("fea".to_owned(), Value::from(fea.join(",")));
        }
        if let Some((first, second)) = self.fva {
            p.insert("fva".to_owned(), Value::from(vec![first, second]));
        }
        p.insert("iat".to_owned(), Value::from(self.times.iat));
        let iss = self.issuer.as_deref().unwrap_or(self.minter.issuer());
        p.insert("iss".to_owned(), Value::from(iss));
        if let Some(jti) = &self.jti {
            p.insert("jti".to_owned(), Value::from(jti.as_str()));
        }
        p.insert("nbf".to_owned(), Value::from(self.times.nbf));
        if let Some(org) = &self.org {
            // Inserted in sorted order so the output is sorted even with `preserve_order`.
            let mut o = serde_json::Map::new();
            if let Some((per, fpm)) = &org_masks {
                o.insert("fpm".into(), Value::from(fpm.as_str()));
                o.insert("id".into(), Value::from(org.id.as_str()));
                o.insert("per".into(), Value::from(per.as_str()));
            } else {
                o.insert("id".into(), Value::from(org.id.as_str()));
            }
            if let Some(role) = &org.role {
                o.insert("rol".into(), Value::from(role.as_str()));
            }
            if let Some(slug) = &org.slug {
                o.insert("slg".into(), Value::from(slug.as_str()));
            }
            p.insert("o".to_owned(), Value::Object(o));
        }
        if let Some(plan) = &self.plan {
            p.insert("pla".to_owned(), Value::from(plan.as_str()));
        }
        p.insert("sid".to_owned(), Value::from(self.sid.as_str()));
        if let Some(sts) = &self.sts {
            p.insert("sts".to_owned(), Value::from(sts.as_str()));
        }
        p.insert("sub".to_owned(), Value::from(self.sub.as_str()));
        p.insert("v".to_owned(), Value::from(2));
        for (key, value) in &self.claims {
            p.insert(key.clone(), value.clone());
        }
        for key in &self.removed {
            p.remove(key);
        }
        p
    }

    /// Signs and returns the compact JWS.
    ///
    /// # Errors
    ///
    /// [`Error::Key`] if signing fails (or the foreign key cannot be generated).
    pub fn try_mint(&self) -> Result<String> {
        let key = self.signing_key()?;
        let header = serde_json::to_vec(&self.header_json()?).map_err(json_err)?;
        let payload = serde_json::to_vec(&self.payload_json()).map_err(json_err)?;
        let signing_input = format!("{}.{}", b64url(&header), b64url(&payload));
        let signature = key.sign(self.alg, signing_input.as_bytes())?;
        if self.tamper {
            let mut changed = self.payload_json();
            changed.insert("sub".to_owned(), Value::from(format!("{}x", self.sub)));
            let changed = serde_json::to_vec(&changed).map_err(json_err)?;
            return Ok(format!(
                "{}.{}.{}",
                b64url(&header),
                b64url(&changed),
                b64url(&signature)
            ));
        }
        Ok(format!("{signing_input}.{}", b64url(&signature)))
    }

    /// Signs and returns the compact JWS.
    ///
    /// # Panics
    ///
    /// If signing fails, which does not happen with a valid RSA key; use
    /// [`SessionToken::try_mint`] to handle it.
    pub fn mint(&self) -> String {
        match self.try_mint() {
            Ok(jwt) => jwt,
            Err(err) => panic!("minting a session token failed: {err}"),
        }
    }

    fn signing_key(&self) -> Result<SigningKey> {
        match &self.key {
            KeyChoice::Active => Ok(self.minter.keys.active()),
            KeyChoice::Foreign => self.minter.foreign_key(),
            KeyChoice::Given(key) => Ok(key.clone()),
        }
    }

    /// `fea` (org-scoped first) and, when there is an org with permissions, `(per, fpm)`.
    fn features_and_masks(&self) -> (Vec<String>, Option<(String, String)>) {
        let parsed: Vec<(String, String)> = self
            .permissions
            .iter()
            .filter_map(|perm| {
                let perm = perm.strip_prefix("org:").unwrap_or(perm);
                let (feature, name) = perm.split_once(':')?;
                Some((feature.to_owned(), name.to_owned()))
            })
            .collect();
        let mut features = self.features.clone();
        for (feature, _) in &parsed {
            let known = features.iter().any(|f| feature_name(f).1 == feature);
            if !known {
                features.push(format!("o:{feature}"));
            }
        }
        // Org-scoped first, stable, as in Clerk's tokens.
        let (org, user): (Vec<String>, Vec<String>) = features.into_iter().partition(|f| is_org_scoped(f));
        if self.org.is_none() || parsed.is_empty() {
            return (org.into_iter().chain(user).collect(), None);
        }
        let mut per: Vec<String> = self.per_order.clone().unwrap_or_default();
        for (_, name) in &parsed {
            if !per.contains(name) {
                per.push(name.clone());
            }
        }
        // One mask per org-scoped feature only: user-scoped ones have no organization permissions.
        let masks: Vec<String> = org
            .iter()
            .map(|entry| {
                let feature = feature_name(entry).1;
                let bits: Vec<bool> = per
                    .iter()
                    .map(|name| parsed.iter().any(|(f, n)| f == feature && n == name))
                    .collect();
                decimal_from_bits(&bits)
            })
            .collect();
        let fea = org.into_iter().chain(user).collect();
        (fea, Some((per.join(","), masks.join(","))))
    }
}

fn json_err(err: serde_json::Error) -> Error {
    Error::Key(format!("serialization failed: {err}"))
}

/// `(scope, feature)` of a `fea` entry; the value is the text after the first colon.
fn feature_name(entry: &str) -> (&str, &str) {
    entry.split_once(':').unwrap_or(("o", entry))
}

fn is_org_scoped(entry: &str) -> bool {
    matches!(feature_name(entry).0, "o" | "ou" | "uo")
}

/// The decimal string of a little-endian bit vector, any length (masks can exceed 2^64).
fn decimal_from_bits(bits: &[bool]) -> String {
    // Little-endian base-10 digits; for each bit from the most significant: d = 2d + bit.
    let mut digits: Vec<u8> = vec![0];
    for &bit in bits.iter().rev() {
        let mut carry = u8::from(bit);
        for digit in &mut digits {
            let value = *digit * 2 + carry;
            *digit = value % 10;
            carry = value / 10;
        }
        if carry > 0 {
            digits.push(carry);
        }
    }
    digits.iter().rev().map(|d| char::from(b'0' + d)).collect()
}

/// Decodes a compact JWS's header and payload **without verifying** it (for assertions).
///
/// # Errors
///
/// [`Error::InvalidParam`] if it is not three dot-separated base64url JSON segments.
pub fn decode_unverified(jwt: &str) -> Result<(Value, Value)> {
    let invalid = |reason: &str| Error::InvalidParam {
        param: "jwt".to_owned(),
        reason: reason.to_owned(),
    };
    let mut parts = jwt.split('.');
    let (Some(header), Some(payload), Some(_), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(invalid("expected three segments"));
    };
    let decode = |segment: &str| -> Result<Value> {
        let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(segment)
            .map_err(|_| invalid("a segment is not base64url"))?;
        serde_json::from_slice(&bytes).map_err(|_| invalid("a segment is not JSON"))
    };
    Ok((decode(header)?, decode(payload)?))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decimal_masks_handle_big_values() {
        assert_eq!(decimal_from_bits(&[]), "0");
        assert_eq!(decimal_from_bits(&[true, true]), "3");
        assert_eq!(decimal_from_bits(&[false, true]), "2");
        let mut bits = vec![false; 70];
        bits[69] = true;
        assert_eq!(decimal_from_bits(&bits), (1u128 << 69).to_string());
    }
}
