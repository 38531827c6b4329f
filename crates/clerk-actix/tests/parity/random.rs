//! Seeded random fault combinations: a token with a few faults among its claims and header, a
//! carrier (header, bare header, cookie with `__client_uat` variants, suffixed cookies) and a
//! request kind (method, `Sec-Fetch-Dest`, `Referer`, a refresh cookie).
//!
//! The generator is a SplitMix64 written here so that a seed means the same cases on every
//! platform and every version of every dependency.

use actix_web::http::Method;
use clerk_testkit::instance::OrgClaim;
use serde_json::{json, Value};

use super::{
    now, Allowed, Case, Instance, RsaAlg, SessionToken, Variant, CAT_IGNORE, CAT_M2M, CAT_SESSION,
    CAT_TEMPLATE, HOST, ORIGIN,
};

/// The seed of `make test`; `PARITY_SEED=<u64>` explores others.
pub const DEFAULT_SEED: u64 = 0x00C1_E4C0_0000_0011;

/// SplitMix64 (Steele, Lea, Flood 2014).
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        Self(seed)
    }

    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    fn pick<T: Copy>(&mut self, items: &[T]) -> T {
        items[self.below(items.len())]
    }

    /// `true` with probability `percent` / 100.
    fn chance(&mut self, percent: u64) -> bool {
        self.next() % 100 < percent
    }
}

/// The faultable parts of a token, each with its variants (the first is the valid default).
const DIMENSIONS: &[(&str, &[&str])] = &[
    (
        "exp",
        &[
            "ok",
            "past",
            "missing",
            "string",
            "string-past",
            "null",
            "fraction-past",
        ],
    ),
    (
        "nbf",
        &["ok", "future", "missing", "string", "string-future", "null"],
    ),
    ("iat", &["ok", "future", "missing", "string", "null", "old"]),
    ("sub", &["ok", "missing", "number", "mch", "empty"]),
    ("azp", &["ok", "missing", "evil", "empty"]),
    ("iss", &["ok", "other-instance", "missing", "http-scheme"]),
    ("sts", &["ok", "pending", "absent", "unknown"]),
    (
        "cat",
        &["ok", "session", "template", "m2m", "ignore", "null", "other"],
    ),
    ("typ", &["ok", "absent", "at+jwt", "jwt", "JWS"]),
    (
        "alg",
        &["ok", "RS384-signed", "RS512-signed", "none", "HS256", "missing"],
    ),
    ("kid", &["ok", "unknown", "absent", "other-instance"]),
    ("sig", &["ok", "wrong-key", "tampered"]),
];

/// Who the token says is signed in, beyond the user: not a fault, one per token, so that the
/// auth objects compared carry organizations (v1 and v2 claims), an actor, factor ages,
/// features and plans.
const IDENTITIES: &[&str] = &[
    "user",
    "user",
    "org-v2",
    "org-v1",
    "actor",
    "fva",
    "user-features",
];

fn with_identity(t: SessionToken, identity: &str) -> SessionToken {
    match identity {
        "org-v2" => t
            .org(OrgClaim::new("org_2zParityOrg").slug("acme").role("admin"))
            .features(["u:beta", "o:dashboard", "o:teams"])
            .permissions(["org:dashboard:read", "org:teams:manage"])
            .plan("o:pro"),
        "org-v1" => t
            .claim("v", 1)
            .claim("org_id", "org_2zParityOrgV1")
            .claim("org_role", "org:member")
            .claim("org_slug", "legacy")
            .claim("org_permissions", json!(["org:teams:read"])),
        "actor" => t.actor("user_2zParityImpersonator", "sess_2zParityImpersonator"),
        "fva" => t.fva(Some((3, -1))),
        "user-features" => t.features(["u:beta"]).plan("u:free"),
        _ => t,
    }
}

/// One random token: its faults (dimension → variant) and whether its issuer is foreign.
fn random_token(rng: &mut Rng, inst: &Instance, other: &Instance) -> (String, Vec<String>, bool) {
    let n = now();
    let faults = rng.pick(&[0, 1, 1, 2, 2, 2, 3, 3, 4]);
    let mut chosen: Vec<(usize, &str)> = Vec::new();
    while chosen.len() < faults {
        // The time claims (the first three dimensions) twice as often as the others.
        let d = rng.below(DIMENSIONS.len() + 3) % DIMENSIONS.len();
        if chosen.iter().any(|(c, _)| *c == d) {
            continue;
        }
        let variants = DIMENSIONS[d].1;
        chosen.push((d, variants[1 + rng.below(variants.len() - 1)]));
    }
    chosen.sort_unstable();
    let identity = rng.pick(IDENTITIES);
    let mut t: SessionToken = with_identity(inst.token(), identity);
    let mut foreign_issuer = false;
    for &(d, v) in &chosen {
        t = match (DIMENSIONS[d].0, v) {
            ("exp", "past") => t.claim("exp", n - 600),
            ("exp", "missing") => t.without_claim("exp"),
            ("exp", "string") => t.claim("exp", (n + 600).to_string()),
            ("exp", "string-past") => t.claim("exp", (n - 600).to_string()),
            ("exp", "null") => t.claim("exp", Value::Null),
            ("exp", "fraction-past") => t.claim("exp", n as f64 - 600.5),
            ("nbf", "future") => t.claim("nbf", n + 600),
            ("nbf", "missing") => t.without_claim("nbf"),
            ("nbf", "string") => t.claim("nbf", (n - 10).to_string()),
            ("nbf", "string-future") => t.claim("nbf", (n + 600).to_string()),
            ("nbf", "null") => t.claim("nbf", Value::Null),
            ("iat", "future") => t.claim("iat", n + 600),
            ("iat", "missing") => t.without_claim("iat"),
            ("iat", "string") => t.claim("iat", (n - 300).to_string()),
            ("iat", "null") => t.claim("iat", Value::Null),
            ("iat", "old") => t.claim("iat", n - 7200),
            ("sub", "missing") => t.without_claim("sub"),
            ("sub", "number") => t.claim("sub", 42),
            ("sub", "mch") => t.claim("sub", "mch_2zMachine"),
            ("sub", "empty") => t.claim("sub", ""),
            ("azp", "missing") => t.without_claim("azp"),
            ("azp", "evil") => t.azp("https://evil.example"),
            ("azp", "empty") => t.azp(""),
            ("iss", variant) => {
                foreign_issuer = true;
                match variant {
                    "other-instance" => t.issuer(other.clerk.issuer()),
                    "missing" => t.without_claim("iss"),
                    _ => t.issuer(format!("http://{}", inst.frontend_api())),
                }
            }
            ("sts", "pending") => t.status(Some("pending")),
            ("sts", "absent") => t.status(None),
            ("sts", "unknown") => t.status(Some("revoked")),
            ("cat", "session") => t.header_cat(Some(CAT_SESSION)),
            ("cat", "template") => t.header_cat(Some(CAT_TEMPLATE)),
            ("cat", "m2m") => t.header_cat(Some(CAT_M2M)),
            ("cat", "ignore") => t.header_cat(Some(CAT_IGNORE)),
            ("cat", "null") => t.header_param("cat", Some(Value::Null)),
            ("cat", "other") => t.header_cat(Some("cl_Other")),
            ("typ", "absent") => t.header_typ(None),
            ("typ", typ) => t.header_typ(Some(typ)),
            ("alg", "RS384-signed") => t.algorithm(RsaAlg::Rs384),
            ("alg", "RS512-signed") => t.algorithm(RsaAlg::Rs512),
            ("alg", "missing") => t.header_param("alg", None),
            ("alg", alg) => t.header_alg(alg),
            ("kid", "unknown") => t.header_kid(Some("ins_2zUnknownKid")),
            ("kid", "absent") => t.header_kid(None),
            ("kid", _) => t.header_kid(Some(other.clerk.instance().kid())),
            ("sig", "wrong-key") => t.wrong_key(),
            ("sig", _) => t.tampered(),
            (dim, variant) => unreachable!("{dim}={variant}"),
        };
    }
    let desc = std::iter::once(format!("identity={identity}"))
        .chain(chosen.iter().map(|(d, v)| format!("{}={v}", DIMENSIONS[*d].0)))
        .collect();
    (t.mint(), desc, foreign_issuer)
}

/// `count` random cases over `instances` from `seed`.
pub fn cases(instances: &[Instance], seed: u64, count: usize) -> Vec<Case> {
    let mut rng = Rng::new(seed);
    let n = now();
    (0..count)
        .map(|number| {
            let i = rng.below(instances.len());
            let (inst, other) = (&instances[i], &instances[1 - i]);
            let (token, mut desc, foreign_issuer) = random_token(&mut rng, inst, other);
            let sfx = &inst.suffix;
            let mut headers: Vec<(String, String)> = vec![("host".into(), HOST.into())];
            let mut cookies: Vec<String> = Vec::new();

            let uat = |rng: &mut Rng| -> Option<String> {
                // Mostly an older `__client_uat`, so that the token itself decides.
                match rng.below(9) {
                    0 => None,
                    1 => Some("0".to_owned()),
                    2..=5 => Some((n - 3600).to_string()),
                    6 => Some((n + 3600).to_string()),
                    7 => Some(String::new()),
                    _ => Some("abc".to_owned()),
                }
            };
            let carrier = rng.pick(&[
                "bearer",
                "bearer",
                "bare",
                "lowercase-bearer",
                "cookie",
                "cookie",
                "suffixed-cookie",
                "header+valid-cookie",
            ]);
            match carrier {
                "bearer" => headers.push(("authorization".into(), format!("Bearer {token}"))),
                "bare" => headers.push(("authorization".into(), token.clone())),
                // Not Clerk's scheme: the header is no token, the cookie is read.
                "lowercase-bearer" => {
                    headers.push(("authorization".into(), format!("bearer {token}")));
                    cookies.push(format!("__session={token}"));
                    cookies.push(format!("__client_uat={}", n - 3600));
                }
                "cookie" => {
                    cookies.push(format!("__session={token}"));
                    if let Some(u) = uat(&mut rng) {
                        desc.push(format!("uat={u}"));
                        cookies.push(format!("__client_uat={u}"));
                    }
                }
                "suffixed-cookie" => {
                    cookies.push(format!("__session_{sfx}={token}"));
                    if let Some(u) = uat(&mut rng) {
                        desc.push(format!("uat_sfx={u}"));
                        cookies.push(format!("__client_uat_{sfx}={u}"));
                    }
                    if rng.chance(30) {
                        desc.push("unsuffixed-foreign-session".into());
                        cookies.push(format!("__session={}", other.token().mint()));
                    }
                }
                _ => {
                    headers.push(("authorization".into(), format!("Bearer {token}")));
                    cookies.push(format!("__session={}", inst.token().mint()));
                    cookies.push(format!("__client_uat={}", n - 3600));
                }
            }
            if inst.dev && rng.chance(85) {
                cookies.push("__clerk_db_jwt=dvb_2zParityDevBrowser".into());
            } else if inst.dev {
                desc.push("no-dev-browser".into());
            }
            let method = if rng.chance(25) { Method::POST } else { Method::GET };
            let dest = rng.pick(&[
                None,
                None,
                Some("document"),
                Some("document"),
                Some("empty"),
                Some("iframe"),
            ]);
            if let Some(dest) = dest {
                headers.push(("sec-fetch-dest".into(), dest.into()));
            }
            if rng.chance(20) {
                headers.push(("accept".into(), "text/html,application/xhtml+xml".into()));
                desc.push("accept-html".into());
            }
            let fapi = inst.frontend_api();
            let referer = match rng.below(5) {
                0 | 1 => None,
                2 => Some(format!("{ORIGIN}/page")),
                3 => Some("https://satellite.example/page".to_owned()),
                _ => Some(format!("https://{fapi}/v1/client")),
            };
            if let Some(r) = referer {
                headers.push(("referer".into(), r.clone()));
                desc.push(format!("referer={r}"));
            }
            // A refresh cookie: an expired session on a GET is refreshed through the offline
            // Clerk's Backend API, on both sides. Not with a foreign issuer (one difference per case).
            let allowed = if foreign_issuer {
                Allowed::Issuer
            } else {
                Allowed::Nothing
            };
            if !foreign_issuer && rng.chance(10) {
                cookies.push(format!("__refresh_{sfx}=rt_1"));
                desc.push("refresh-cookie".into());
            }
            if !cookies.is_empty() {
                headers.push(("cookie".into(), cookies.join("; ")));
            }
            let kind = format!(
                "{}{}",
                method.as_str(),
                dest.map(|d| format!("+{d}")).unwrap_or_default()
            );
            Case {
                id: format!(
                    "{}/random/{number}/{carrier}/{kind}/[{}]",
                    inst.name,
                    desc.join(",")
                ),
                instance: i,
                method,
                path: "/api/data".into(),
                headers,
                allowed,
                clerk_issuer: false,
                variant: Variant::Plain,
            }
        })
        .collect()
}
