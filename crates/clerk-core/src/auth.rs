//! The `Auth` object (`auth()` in Clerk's SDKs) and `has()` with Clerk's fail-closed rules.

use std::borrow::Cow;
use std::fmt;
use std::sync::Arc;

use serde::Serialize;
use serde_json::Value;

use crate::reason::RequestReason;
use crate::verify::VerifiedClaims;

/// Session status (`sts` claim).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum SessionStatus {
    /// `active`.
    Active,
    /// `pending`: the session still has tasks (e.g. choosing an organization).
    Pending,
    /// Any other value, kept as the token spells it: Clerk's auth object reports the claim as
    /// is, and only `pending` changes what a handler sees.
    #[serde(untagged)]
    Other(String),
}

impl SessionStatus {
    /// `active`, `pending`, or the other value as sent.
    pub fn as_str(&self) -> &str {
        match self {
            SessionStatus::Active => "active",
            SessionStatus::Pending => "pending",
            SessionStatus::Other(other) => other,
        }
    }
}

/// How claims become an [`Auth`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AuthOptions {
    /// A pending session (`sts: "pending"`) is signed out for handlers. Defaults to `true`, as in
    /// Clerk's SDKs.
    pub treat_pending_as_signed_out: bool,
}

impl Default for AuthOptions {
    fn default() -> Self {
        Self {
            treat_pending_as_signed_out: true,
        }
    }
}

/// A signed-in session: everything Clerk's `auth()` derives from the token.
///
/// Its `Debug` shows identifiers only (user, session, organization, role), never the other
/// claims, which a custom session template may fill with personal data.
#[derive(Clone, PartialEq)]
pub struct SignedIn {
    claims: VerifiedClaims,
    session_id: Option<String>,
    session_status: Option<SessionStatus>,
    org_id: Option<String>,
    org_role: Option<String>,
    org_slug: Option<String>,
    org_permissions: Option<Vec<String>>,
}

impl fmt::Debug for SignedIn {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SignedIn")
            .field("user_id", &self.claims.subject())
            .field("session_id", &self.session_id)
            .field("session_status", &self.session_status)
            .field("org_id", &self.org_id)
            .field("org_role", &self.org_role)
            .finish_non_exhaustive()
    }
}

/// Why a request is signed out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignedOut {
    reason: Option<RequestReason>,
    message: Option<String>,
    session_status: Option<SessionStatus>,
}

#[derive(Debug, PartialEq)]
// Always behind the `Arc` of `Auth`: one allocation per auth whichever the variant.
#[allow(clippy::large_enum_variant)]
enum State {
    SignedIn(SignedIn),
    SignedOut(SignedOut),
    /// A pending session seen as signed out: signed out for every accessor, kept whole so
    /// [`Auth::treat_pending_as_signed_out`] can give the signed-in view back.
    PendingSignedOut(SignedIn),
}

/// The authentication state of a request: signed in (with the session's claims and organization
/// data) or signed out (with Clerk's reason). Cheap to clone: the state is shared.
///
/// # Examples
///
/// ```
/// use clerk_core::request::RequestReason;
/// use clerk_core::{Auth, Check};
///
/// let auth = Auth::signed_out(RequestReason::SessionTokenAndUatMissing, None);
/// assert!(!auth.is_authenticated());
/// assert_eq!(auth.user_id(), None);
/// assert!(!auth.has(&Check::new().role("admin")));
/// assert_eq!(auth.signed_out_reason().map(RequestReason::as_str), Some("session-token-and-uat-missing"));
/// ```
#[derive(Clone, PartialEq)]
pub struct Auth(Arc<State>);

impl fmt::Debug for Auth {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &*self.0 {
            State::SignedIn(s) => f
                .debug_struct("Auth::SignedIn")
                .field("user_id", &s.claims.subject())
                .field("session_id", &s.session_id)
                .field("org_id", &s.org_id)
                .finish(),
            State::SignedOut(s) => f
                .debug_struct("Auth::SignedOut")
                .field("reason", &s.reason)
                .finish(),
            State::PendingSignedOut(_) => f
                .debug_struct("Auth::SignedOut")
                .field("session_status", &SessionStatus::Pending)
                .finish(),
        }
    }
}

impl Auth {
    /// The auth of verified session claims. With the default options a pending session is
    /// signed out (with `session_status() == Some(Pending)`).
    pub fn from_claims(claims: VerifiedClaims, options: AuthOptions) -> Self {
        let session_status = match claims.get_str("sts") {
            Some("active") => Some(SessionStatus::Active),
            Some("pending") => Some(SessionStatus::Pending),
            Some(other) => Some(SessionStatus::Other(other.to_owned())),
            None => None,
        };
        let org = OrgClaims::from_claims(&claims);
        let signed_in = SignedIn {
            session_id: claims.get_str("sid").map(str::to_owned),
            session_status,
            org_id: org.id,
            org_role: org.role,
            org_slug: org.slug,
            org_permissions: org.permissions,
            claims,
        };
        Auth(Arc::new(State::SignedIn(signed_in)))
            .treat_pending_as_signed_out(options.treat_pending_as_signed_out)
    }

    /// This auth with a pending session seen as signed out (`yes`) or as signed in (`no`):
    /// Clerk's per-call `auth({ treatPendingAsSignedOut })`. Any other auth is returned as is,
    /// and the pending session's claims are kept either way.
    pub fn treat_pending_as_signed_out(&self, yes: bool) -> Auth {
        match (&*self.0, yes) {
            (State::SignedIn(s), true) if s.session_status == Some(SessionStatus::Pending) => {
                Auth(Arc::new(State::PendingSignedOut(s.clone())))
            }
            (State::PendingSignedOut(s), false) => Auth(Arc::new(State::SignedIn(s.clone()))),
            _ => self.clone(),
        }
    }

    /// A signed-out auth with Clerk's reason (verifier or request-level) and optional message.
    pub fn signed_out(reason: impl Into<RequestReason>, message: Option<String>) -> Self {
        Auth(Arc::new(State::SignedOut(SignedOut {
            reason: Some(reason.into()),
            message,
            session_status: None,
        })))
    }

    /// Whether the request is signed in (`isAuthenticated`).
    pub fn is_authenticated(&self) -> bool {
        matches!(&*self.0, State::SignedIn(_))
    }

    /// The signed-in session, if any.
    pub fn signed_in(&self) -> Option<&SignedIn> {
        match &*self.0 {
            State::SignedIn(s) => Some(s),
            State::SignedOut(_) | State::PendingSignedOut(_) => None,
        }
    }

    /// The user id (`sub`).
    pub fn user_id(&self) -> Option<&str> {
        self.signed_in().map(|s| s.claims.subject())
    }

    /// The session id (`sid`).
    pub fn session_id(&self) -> Option<&str> {
        self.signed_in().and_then(|s| s.session_id.as_deref())
    }

    /// `active` / `pending` (pending also on a signed-out auth made from a pending session).
    pub fn session_status(&self) -> Option<&SessionStatus> {
        match &*self.0 {
            State::SignedIn(s) | State::PendingSignedOut(s) => s.session_status.as_ref(),
            State::SignedOut(s) => s.session_status.as_ref(),
        }
    }

    /// The impersonator (`act` claim), if any.
    pub fn actor(&self) -> Option<&Value> {
        self.signed_in()
            .and_then(|s| s.claims.get("act"))
            .filter(|v| !v.is_null())
    }

    /// The active organization's id.
    pub fn org_id(&self) -> Option<&str> {
        self.signed_in().and_then(|s| s.org_id.as_deref())
    }

    /// The active organization's role, `org:`-prefixed (`org:admin`).
    pub fn org_role(&self) -> Option<&str> {
        self.signed_in().and_then(|s| s.org_role.as_deref())
    }

    /// The active organization's slug.
    pub fn org_slug(&self) -> Option<&str> {
        self.signed_in().and_then(|s| s.org_slug.as_deref())
    }

    /// The active organization's permissions (`org:feature:permission`); `None` without an org.
    pub fn org_permissions(&self) -> Option<&[String]> {
        self.signed_in().and_then(|s| s.org_permissions.as_deref())
    }

    /// Minutes since the first and second factor were verified (`fva`), `-1` for never.
    pub fn factor_verification_age(&self) -> Option<[i64; 2]> {
        let fva = self.signed_in()?.claims.get("fva")?.as_array()?;
        match fva.as_slice() {
            [a, b] => Some([a.as_i64()?, b.as_i64()?]),
            _ => None,
        }
    }

    /// The verified claims (custom ones included).
    pub fn claims(&self) -> Option<&VerifiedClaims> {
        self.signed_in().map(|s| &s.claims)
    }

    /// Clerk's reason when signed out (`None` when signed in, or for a pending session).
    pub fn signed_out_reason(&self) -> Option<&RequestReason> {
        match &*self.0 {
            State::SignedOut(s) => s.reason.as_ref(),
            State::SignedIn(_) | State::PendingSignedOut(_) => None,
        }
    }

    /// Clerk's message when signed out, if any.
    pub fn signed_out_message(&self) -> Option<&str> {
        match &*self.0 {
            State::SignedOut(s) => s.message.as_deref(),
            State::SignedIn(_) | State::PendingSignedOut(_) => None,
        }
    }

    /// Clerk's `has()`: fail-closed authorization over role/permission, feature/plan and
    /// reverification. True iff at least one asked dimension passes and none fails; an empty
    /// check is false, and so is every check of a session whose user id (`sub`) is empty.
    ///
    /// # Examples
    ///
    /// ```
    /// # use clerk_core::{Auth, Check, Reverification};
    /// # fn demo(auth: &Auth) -> bool {
    /// auth.has(&Check::new().permission("org:invoices:read"))
    ///     && auth.has(&Check::new().reverification(Reverification::Strict))
    /// # }
    /// ```
    pub fn has(&self, check: &Check<'_>) -> bool {
        // Clerk's `has()` refuses everything without a user id, and `""` is none.
        let Some(s) = self.signed_in().filter(|s| !s.claims.subject().is_empty()) else {
            return false;
        };
        let outcomes = [
            check_org(check, s),
            check_billing(check, &s.claims),
            check_reverification(check, self),
        ];
        outcomes.contains(&Outcome::Pass) && !outcomes.contains(&Outcome::Fail)
    }
}

/// What [`Auth::has`] checks. Every given part must hold.
///
/// The names are borrowed (`Check<'a>`) or owned (`Check<'static>` built from `String`s), so a
/// check can be built per call from `&str`s, or once and kept (a guard, a protect policy) and
/// then applied to every request without allocating.
///
/// # Examples
///
/// ```
/// use clerk_core::request::RequestReason;
/// use clerk_core::{Auth, Check};
///
/// // Owned: built once (here from configuration) and kept.
/// let configured_role = String::from("org:admin");
/// let kept: Check<'static> = Check::new().role(configured_role);
/// // Borrowed: built per call.
/// let per_call = Check::new().permission("reports:read");
///
/// let auth = Auth::signed_out(RequestReason::SessionTokenAndUatMissing, None);
/// assert!(!auth.has(&kept) && !auth.has(&per_call));
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Check<'a> {
    role: Option<Cow<'a, str>>,
    permission: Option<Cow<'a, str>>,
    feature: Option<Cow<'a, str>>,
    plan: Option<Cow<'a, str>>,
    reverification: Option<Reverification>,
}

impl<'a> Check<'a> {
    /// An empty check (which `has` answers `false`).
    pub fn new() -> Self {
        Self::default()
    }

    /// The active organization role (`admin` and `org:admin` are the same).
    pub fn role(mut self, role: impl Into<Cow<'a, str>>) -> Self {
        self.role = Some(role.into());
        self
    }

    /// An organization permission (`invoices:read` and `org:invoices:read` are the same).
    pub fn permission(mut self, permission: impl Into<Cow<'a, str>>) -> Self {
        self.permission = Some(permission.into());
        self
    }

    /// A feature, optionally scoped (`o:`/`org:`/`organization:` or `u:`/`user:`).
    pub fn feature(mut self, feature: impl Into<Cow<'a, str>>) -> Self {
        self.feature = Some(feature.into());
        self
    }

    /// A plan, optionally scoped like a feature.
    pub fn plan(mut self, plan: impl Into<Cow<'a, str>>) -> Self {
        self.plan = Some(plan.into());
        self
    }

    /// A reverification requirement.
    pub fn reverification(mut self, level: Reverification) -> Self {
        self.reverification = Some(level);
        self
    }

    /// Whether nothing is asked (then [`Auth::has`] answers `false`).
    pub fn is_empty(&self) -> bool {
        self.role.is_none()
            && self.permission.is_none()
            && self.feature.is_none()
            && self.plan.is_none()
            && self.reverification.is_none()
    }
}

/// Which factor a reverification requirement concerns.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum VerificationLevel {
    /// The first factor (password, code, …).
    FirstFactor,
    /// The second factor when enrolled, else the first.
    SecondFactor,
    /// Both factors (the first alone when no second is enrolled).
    MultiFactor,
}

/// A reverification requirement: Clerk's presets or a custom level and age.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reverification {
    /// `strict_mfa`: multi-factor within 10 minutes.
    StrictMfa,
    /// `strict`: second factor within 10 minutes.
    Strict,
    /// `moderate`: second factor within 60 minutes.
    Moderate,
    /// `lax`: second factor within 1440 minutes.
    Lax,
    /// A custom requirement; `after_minutes` must be positive.
    Custom {
        /// Which factors.
        level: VerificationLevel,
        /// How recent, in minutes.
        after_minutes: i64,
    },
}

impl Reverification {
    /// Parses Clerk's preset names.
    pub fn from_preset(name: &str) -> Option<Self> {
        match name {
            "strict_mfa" => Some(Self::StrictMfa),
            "strict" => Some(Self::Strict),
            "moderate" => Some(Self::Moderate),
            "lax" => Some(Self::Lax),
            _ => None,
        }
    }

    /// The level and age this requirement stands for.
    pub fn level_and_minutes(self) -> (VerificationLevel, i64) {
        match self {
            Self::StrictMfa => (VerificationLevel::MultiFactor, 10),
            Self::Strict => (VerificationLevel::SecondFactor, 10),
            Self::Moderate => (VerificationLevel::SecondFactor, 60),
            Self::Lax => (VerificationLevel::SecondFactor, 1440),
            Self::Custom { level, after_minutes } => (level, after_minutes),
        }
    }

    /// The JSON Clerk's clients expect in a `reverification-error` body: the preset name, or
    /// `{"level": …, "afterMinutes": …}`.
    pub fn to_json(self) -> Value {
        match self {
            Self::StrictMfa => Value::from("strict_mfa"),
            Self::Strict => Value::from("strict"),
            Self::Moderate => Value::from("moderate"),
            Self::Lax => Value::from("lax"),
            Self::Custom { level, after_minutes } => serde_json::json!({
                "level": level,
                "afterMinutes": after_minutes,
            }),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Outcome {
    Pass,
    Fail,
    Skip,
}

impl From<bool> for Outcome {
    fn from(ok: bool) -> Self {
        if ok {
            Outcome::Pass
        } else {
            Outcome::Fail
        }
    }
}

/// What follows Clerk's `x.replace(/^(org:)*/, 'org:')` after its `org:`: `x` without every
/// leading `org:` (compared without allocating).
fn org_stem(value: &str) -> &str {
    let mut rest = value;
    while let Some(stripped) = rest.strip_prefix("org:") {
        rest = stripped;
    }
    rest
}

fn check_org(check: &Check<'_>, s: &SignedIn) -> Outcome {
    if check.role.is_none() && check.permission.is_none() {
        return Outcome::Skip;
    }
    if s.org_id.as_deref().unwrap_or("").is_empty() {
        return Outcome::Fail;
    }
    let role_ok = check.role.as_deref().is_none_or(|role| {
        !role.is_empty()
            && matches!(&s.org_role, Some(have) if !have.is_empty() && org_stem(have) == org_stem(role))
    });
    let permission_ok = check.permission.as_deref().is_none_or(|permission| {
        !permission.is_empty()
            && s.org_permissions.as_ref().is_some_and(|have| {
                let wanted = org_stem(permission);
                // `orgPermissions.includes('org:' + stem)`: exactly one prefix on the stored side.
                have.iter().any(|p| p.strip_prefix("org:") == Some(wanted))
            })
    });
    Outcome::from(role_ok && permission_ok)
}

/// Splits a `fea`/`pla` claim into (org entries, user entries); `None` when an element has no
/// colon (Clerk throws, which fails the check).
fn split_by_scope(claim: &str) -> Option<(Vec<&str>, Vec<&str>)> {
    let mut org = Vec::new();
    let mut user = Vec::new();
    for part in claim.split(',').map(str::trim) {
        let (scope, value) = part.split_once(':')?;
        match scope {
            "o" => org.push(value),
            "u" => user.push(value),
            "ou" | "uo" => {
                org.push(value);
                user.push(value);
            }
            _ => {}
        }
    }
    Some((org, user))
}

fn billing_matches(claim: Option<&str>, param: &str) -> bool {
    let Some(claim) = claim.filter(|c| !c.is_empty()) else {
        return false;
    };
    let Some((org, user)) = split_by_scope(claim) else {
        return false;
    };
    match param.split_once(':') {
        Some((scope, id)) => match scope {
            "o" | "org" | "organization" => org.contains(&id),
            "u" | "user" => user.contains(&id),
            _ => false,
        },
        None => org.contains(&param) || user.contains(&param),
    }
}

fn check_billing(check: &Check<'_>, claims: &VerifiedClaims) -> Outcome {
    if check.feature.is_none() && check.plan.is_none() {
        return Outcome::Skip;
    }
    let feature_ok = check
        .feature
        .as_deref()
        .is_none_or(|f| billing_matches(claims.get_str("fea"), f));
    let plan_ok = check
        .plan
        .as_deref()
        .is_none_or(|p| billing_matches(claims.get_str("pla"), p));
    Outcome::from(feature_ok && plan_ok)
}

fn check_reverification(check: &Check<'_>, auth: &Auth) -> Outcome {
    let Some(requirement) = check.reverification else {
        return Outcome::Skip;
    };
    let (level, after) = requirement.level_and_minutes();
    if after <= 0 {
        return Outcome::Fail;
    }
    let Some(fva) = auth
        .signed_in()
        .and_then(|s| s.claims.get("fva"))
        .and_then(Value::as_array)
        .filter(|fva| fva.len() == 2)
    else {
        return Outcome::Fail;
    };
    let ages: Vec<f64> = fva.iter().filter_map(Value::as_f64).collect();
    let [f1, f2] = ages.as_slice() else {
        return Outcome::Fail;
    };
    let (f1, f2) = (*f1, *f2);
    let valid = |age: f64| age.is_finite() && (age >= 0.0 || age == -1.0);
    if !valid(f1) || !valid(f2) || (f1 == -1.0 && f2 == -1.0) {
        return Outcome::Fail;
    }
    let after = after as f64;
    let fresh = |age: f64| age != -1.0 && after > age;
    let ok = match level {
        VerificationLevel::FirstFactor => fresh(f1),
        VerificationLevel::SecondFactor => {
            if f2 == -1.0 {
                fresh(f1)
            } else {
                fresh(f2)
            }
        }
        VerificationLevel::MultiFactor => {
            if f2 == -1.0 {
                fresh(f1)
            } else if f1 == -1.0 {
                false
            } else {
                fresh(f1) && fresh(f2)
            }
        }
    };
    Outcome::from(ok)
}

/// Organization data derived from v1 or v2 claims.
#[derive(Debug, Default, PartialEq)]
struct OrgClaims {
    id: Option<String>,
    role: Option<String>,
    slug: Option<String>,
    permissions: Option<Vec<String>>,
}

impl OrgClaims {
    fn from_claims(claims: &VerifiedClaims) -> Self {
        if claims.get("v").and_then(Value::as_i64) == Some(2) {
            let Some(o) = claims.org_object() else {
                return Self::default();
            };
            let text = |key: &str| o.get(key).and_then(Value::as_str).map(str::to_owned);
            let permissions = decode_org_permissions(
                claims.get_str("fea"),
                o.get("per").and_then(Value::as_str),
                o.get("fpm").and_then(Value::as_str),
            );
            Self {
                id: text("id"),
                role: text("rol").map(|role| format!("org:{role}")),
                slug: text("slg"),
                permissions: Some(permissions),
            }
        } else {
            let Some(id) = claims.get_str("org_id") else {
                return Self::default();
            };
            Self {
                id: Some(id.to_owned()),
                role: claims.get_str("org_role").map(str::to_owned),
                slug: claims.get_str("org_slug").map(str::to_owned),
                permissions: Some(
                    claims
                        .get("org_permissions")
                        .and_then(Value::as_array)
                        .map(|list| list.iter().filter_map(Value::as_str).map(str::to_owned).collect())
                        .unwrap_or_default(),
                ),
            }
        }
    }
}

/// Decodes v2 organization permissions from `fea`, `o.per` and `o.fpm` exactly as Clerk's
/// `@clerk/shared` does: one decimal mask per org-scoped feature (in `fea` order), bit `j`
/// (least significant first) granting `per[j]`, in arbitrary precision. Malformed masks grant
/// nothing.
///
/// # Examples
///
/// ```
/// let perms = clerk_core::auth::decode_org_permissions(
///     Some("o:dashboard,o:teams"), Some("manage,read"), Some("3,2"));
/// assert_eq!(perms, ["org:dashboard:manage", "org:dashboard:read", "org:teams:read"]);
/// ```
pub fn decode_org_permissions(fea: Option<&str>, per: Option<&str>, fpm: Option<&str>) -> Vec<String> {
    let (Some(per), Some(fpm)) = (per.filter(|p| !p.is_empty()), fpm.filter(|f| !f.is_empty())) else {
        return Vec::new();
    };
    let permissions: Vec<&str> = per.split(',').map(str::trim).collect();
    let features = match fea.filter(|f| !f.is_empty()) {
        None => Vec::new(),
        Some(fea) => match split_by_scope(fea) {
            Some((org, _)) => org,
            None => return Vec::new(),
        },
    };
    let mut out = Vec::new();
    // One mask per feature, in order; features past the last mask get nothing.
    for (feature, mask) in features.iter().zip(fpm.split(',').map(str::trim)) {
        let bits = decimal_to_bits(mask, permissions.len());
        for (permission, _) in permissions.iter().zip(bits).filter(|(_, bit)| *bit) {
            let mut name = String::with_capacity(5 + feature.len() + permission.len());
            name.push_str("org:");
            name.push_str(feature);
            name.push(':');
            name.push_str(permission);
            out.push(name);
        }
    }
    out
}

/// Little-endian bits of a non-negative decimal string (at most `limit` of them); empty for
/// anything that is not `^\d+$`.
fn decimal_to_bits(decimal: &str, limit: usize) -> Vec<bool> {
    if decimal.is_empty() || !decimal.bytes().all(|b| b.is_ascii_digit()) {
        return Vec::new();
    }
    // Up to 19 digits fit a u64 (the masks Clerk issues): its bits directly, no allocation but
    // the answer's.
    if let Some(value) = (decimal.len() <= 19)
        .then(|| decimal.parse::<u64>().ok())
        .flatten()
    {
        let count = (u64::BITS - value.leading_zeros()) as usize;
        return (0..count.min(limit)).map(|bit| value >> bit & 1 == 1).collect();
    }
    let mut digits: Vec<u8> = decimal.bytes().map(|b| b - b'0').collect();
    let mut bits = Vec::new();
    while bits.len() < limit && digits.iter().any(|d| *d != 0) {
        // Divide the decimal number by two, keeping the remainder as the next bit.
        let mut remainder = 0u8;
        for digit in digits.iter_mut() {
            let value = remainder * 10 + *digit;
            *digit = value / 2;
            remainder = value % 2;
        }
        bits.push(remainder == 1);
        let leading = digits.iter().position(|d| *d != 0).unwrap_or(digits.len());
        digits.drain(..leading);
    }
    bits
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decimal_to_bits_is_exact_past_2_pow_53() {
        // 2^53 + 1
        let bits = decimal_to_bits("9007199254740993", 60);
        assert!(bits[0]);
        assert!(bits[53]);
        assert_eq!(bits.iter().filter(|b| **b).count(), 2);
        assert!(decimal_to_bits("-1", 5).is_empty());
        assert!(decimal_to_bits("1.5", 5).is_empty());
        assert!(decimal_to_bits("", 5).is_empty());
        assert_eq!(decimal_to_bits("0", 5), Vec::<bool>::new());
        assert_eq!(decimal_to_bits("7", 2), vec![true, true]);
    }

    fn claims(status: &str) -> VerifiedClaims {
        let payload = serde_json::json!({"sub": "user_1", "sid": "sess_1", "sts": status});
        VerifiedClaims::unverified_for_test(&payload.to_string())
    }

    #[test]
    fn a_pending_session_can_be_seen_either_way() {
        let auth = Auth::from_claims(claims("pending"), AuthOptions::default());
        assert!(!auth.is_authenticated());
        assert_eq!(auth.session_id(), None);
        assert_eq!(auth.session_status(), Some(&SessionStatus::Pending));
        assert_eq!(auth.signed_out_reason(), None);
        let tasks = auth.treat_pending_as_signed_out(false);
        assert!(tasks.is_authenticated());
        assert_eq!(tasks.session_id(), Some("sess_1"));
        assert_eq!(tasks.session_status(), Some(&SessionStatus::Pending));
        assert_eq!(tasks.treat_pending_as_signed_out(true), auth);
        let options = AuthOptions {
            treat_pending_as_signed_out: false,
        };
        assert_eq!(Auth::from_claims(claims("pending"), options), tasks);
        // An active session is the same either way.
        let active = Auth::from_claims(claims("active"), AuthOptions::default());
        assert_eq!(active.treat_pending_as_signed_out(true), active);
        assert_eq!(active.treat_pending_as_signed_out(false), active);
    }

    #[test]
    fn normalize_collapses_repeated_prefixes() {
        assert_eq!(org_stem("admin"), "admin");
        assert_eq!(org_stem("org:admin"), "admin");
        assert_eq!(org_stem("org:org:admin"), "admin");
    }
}
