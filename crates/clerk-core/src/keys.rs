//! Clerk's publishable and secret keys.

use std::fmt;

use base64::Engine as _;

use crate::error::{Error, Result};

/// Development or production, as the key prefix says.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum InstanceType {
    /// `pk_test_` / `sk_test_`.
    Development,
    /// `pk_live_` / `sk_live_`.
    Production,
}

impl InstanceType {
    /// `development` or `production`.
    pub const fn as_str(self) -> &'static str {
        match self {
            InstanceType::Development => "development",
            InstanceType::Production => "production",
        }
    }
}

/// A parsed publishable key (`pk_test_…` / `pk_live_…`).
///
/// The key encodes the instance's Frontend API host; the session-token issuer is
/// `https://{host}`.
///
/// # Examples
///
/// ```
/// use clerk_core::{InstanceType, PublishableKey};
///
/// let key = PublishableKey::parse("pk_test_aGFwcHktaGlwcG8tNDIuY2xlcmsuYWNjb3VudHMuZGV2JA")?;
/// assert_eq!(key.frontend_api(), "happy-hippo-42.clerk.accounts.dev");
/// assert_eq!(key.instance_type(), InstanceType::Development);
/// assert_eq!(key.issuer(), "https://happy-hippo-42.clerk.accounts.dev");
/// # Ok::<(), clerk_core::Error>(())
/// ```
#[derive(Clone, PartialEq, Eq)]
pub struct PublishableKey {
    raw: String,
    frontend_api: String,
    issuer: String,
    instance_type: InstanceType,
}

impl PublishableKey {
    /// Parses a publishable key, padded or not.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidKey`] when the prefix is not `pk_test_`/`pk_live_`, the rest is not base64,
    /// or the decoded text is not `<host>$` with a dot in the host.
    pub fn parse(key: &str) -> Result<Self> {
        let key = key.trim();
        let parts: Vec<&str> = key.split('_').collect();
        let invalid = |why: &str| Error::InvalidKey(format!("publishable key is malformed: {why}"));
        if parts.len() != 3 || parts[0] != "pk" {
            return Err(invalid("expected pk_test_… or pk_live_…"));
        }
        let instance_type = match parts[1] {
            "test" => InstanceType::Development,
            "live" => InstanceType::Production,
            _ => return Err(invalid("expected pk_test_… or pk_live_…")),
        };
        let encoded = parts[2].trim_end_matches('=');
        let decoded = base64::engine::general_purpose::STANDARD_NO_PAD
            .decode(encoded)
            .map_err(|_| invalid("the part after the prefix is not base64"))?;
        let decoded = String::from_utf8(decoded).map_err(|_| invalid("not UTF-8"))?;
        let host = decoded
            .strip_suffix('$')
            .ok_or_else(|| invalid("the decoded host must end with '$'"))?;
        if host.contains('$') {
            return Err(invalid("the decoded host has text after '$'"));
        }
        if !host.contains('.') || host.is_empty() {
            return Err(invalid("the decoded host has no dot"));
        }
        Ok(Self {
            raw: key.to_owned(),
            issuer: format!("https://{host}"),
            frontend_api: host.to_owned(),
            instance_type,
        })
    }

    /// Builds the publishable key of a Frontend API host (`pk_test_` for development).
    pub fn from_host(host: &str, instance_type: InstanceType) -> Self {
        let prefix = match instance_type {
            InstanceType::Development => "pk_test_",
            InstanceType::Production => "pk_live_",
        };
        let raw = format!(
            "{prefix}{}",
            base64::engine::general_purpose::STANDARD_NO_PAD.encode(format!("{host}$"))
        );
        Self {
            raw,
            issuer: format!("https://{host}"),
            frontend_api: host.to_owned(),
            instance_type,
        }
    }

    /// The key as given.
    pub fn as_str(&self) -> &str {
        &self.raw
    }

    /// The Frontend API host, e.g. `happy-hippo-42.clerk.accounts.dev`.
    pub fn frontend_api(&self) -> &str {
        &self.frontend_api
    }

    /// The origin of this instance's Account Portal, as `@clerk/shared`'s
    /// `buildAccountsBaseUrl` derives it from the Frontend API host: the first
    /// `clerk.accountsstage.` becomes `accountsstage.`, then the first `clerk.accounts.` or
    /// `clerk.` becomes `accounts.`; a host with neither is kept.
    ///
    /// | Frontend API | Account Portal |
    /// |---|---|
    /// | `clerk.example.com` | `https://accounts.example.com` |
    /// | `happy-hippo-42.clerk.accounts.dev` | `https://happy-hippo-42.accounts.dev` |
    /// | `foo.clerk.accountsstage.dev` | `https://foo.accountsstage.dev` |
    /// | `auth.example.com` | `https://auth.example.com` |
    pub fn account_portal_origin(&self) -> String {
        account_portal_origin_of(&self.frontend_api)
    }

    /// The session-token issuer of this instance: `https://{frontend_api}`.
    pub fn issuer(&self) -> &str {
        &self.issuer
    }

    /// Development or production.
    pub fn instance_type(&self) -> InstanceType {
        self.instance_type
    }

    /// The suffix Clerk appends to cookie names: the first 8 characters of
    /// `base64url(SHA-1(publishable key))`.
    pub fn cookie_suffix(&self) -> String {
        use sha1::Digest as _;
        let digest = sha1::Sha1::digest(self.raw.as_bytes());
        let mut encoded = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(digest);
        encoded.truncate(8);
        encoded
    }
}

impl fmt::Debug for PublishableKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PublishableKey")
            .field("frontend_api", &self.frontend_api)
            .field("instance_type", &self.instance_type)
            .finish()
    }
}

impl std::str::FromStr for PublishableKey {
    type Err = Error;

    fn from_str(s: &str) -> Result<Self> {
        Self::parse(s)
    }
}

/// A Backend API secret key (`sk_test_…` / `sk_live_…`). `Debug` and `Display` never show it.
///
/// # Examples
///
/// ```
/// use clerk_core::SecretKey;
///
/// let key = SecretKey::new("sk_test_abcdefghijklmnopqrstuvwxyz0123456789")?;
/// assert_eq!(format!("{key:?}"), "SecretKey(sk_test_…)");
/// assert!(!format!("{key}").contains("abcdef"));
/// assert!(SecretKey::new("pk_test_abc").is_err());
/// # Ok::<(), clerk_core::Error>(())
/// ```
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct SecretKey(String);

/// The prefixes of a secret key: Clerk's, then the legacy ones it still recognises.
const SECRET_KEY_PREFIXES: [&str; 4] = ["sk_test_", "sk_live_", "test_", "live_"];

impl SecretKey {
    /// Wraps a secret key after checking its shape (surrounding whitespace is trimmed):
    /// `sk_test_` or `sk_live_` (or Clerk's legacy `test_`/`live_`) followed by a non-empty body
    /// of URL-safe characters (`A–Z`, `a–z`, `0–9`, `-`, `_`). The body is opaque: only Clerk can
    /// tell whether the key is valid.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidKey`] for any other shape; the message never contains the key.
    pub fn new(key: impl Into<String>) -> Result<Self> {
        let key = key.into();
        let trimmed = key.trim();
        if trimmed.is_empty() {
            return Err(Error::InvalidKey("secret key is empty".into()));
        }
        let body = SECRET_KEY_PREFIXES
            .iter()
            .find_map(|prefix| trimmed.strip_prefix(prefix));
        let Some(body) = body else {
            return Err(Error::InvalidKey(
                "secret key is malformed: expected sk_test_… or sk_live_… (or the legacy test_…/live_…)"
                    .into(),
            ));
        };
        if body.is_empty() {
            return Err(Error::InvalidKey(
                "secret key is malformed: nothing follows its prefix".into(),
            ));
        }
        if !body
            .bytes()
            .all(|byte| byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'_'))
        {
            return Err(Error::InvalidKey(
                "secret key is malformed: after its prefix only letters, digits, - and _ may follow".into(),
            ));
        }
        Ok(Self(trimmed.to_owned()))
    }

    /// The secret itself. Keep it out of logs and responses.
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// Development or production, from the prefix (`sk_test_`/`test_` or `sk_live_`/`live_`);
    /// always `Some` for a key [`SecretKey::new`] accepted.
    pub fn instance_type(&self) -> Option<InstanceType> {
        let key = self.0.as_str();
        if key.starts_with("sk_test_") || key.starts_with("test_") {
            Some(InstanceType::Development)
        } else if key.starts_with("sk_live_") || key.starts_with("live_") {
            Some(InstanceType::Production)
        } else {
            None
        }
    }

    fn redacted_prefix(&self) -> &'static str {
        match self.instance_type() {
            Some(InstanceType::Development) => "sk_test_",
            Some(InstanceType::Production) => "sk_live_",
            None => "",
        }
    }
}

impl fmt::Debug for SecretKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "SecretKey({}…)", self.redacted_prefix())
    }
}

impl fmt::Display for SecretKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}[redacted]", self.redacted_prefix())
    }
}

/// Clerk's `buildAccountsBaseUrl` for a Frontend API host.
pub(crate) fn account_portal_origin_of(frontend_api: &str) -> String {
    let host = frontend_api.replacen("clerk.accountsstage.", "accountsstage.", 1);
    let host = match host.find("clerk.") {
        Some(at) => {
            let matched = if host[at..].starts_with("clerk.accounts.") {
                "clerk.accounts.".len()
            } else {
                "clerk.".len()
            };
            format!("{}accounts.{}", &host[..at], &host[at + matched..])
        }
        None => host,
    };
    format!("https://{host}")
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `buildAccountsBaseUrl`'s cases: Kima development hosts, production `clerk.<domain>`,
    /// staging, legacy `lcl.dev`, and custom hosts without `clerk.`.
    #[test]
    fn account_portal_origins_are_build_accounts_base_url() {
        let cases = [
            ("clerk.example.com", "https://accounts.example.com"),
            (
                "happy-hippo-42.clerk.accounts.dev",
                "https://happy-hippo-42.accounts.dev",
            ),
            ("foo.clerk.accountsstage.dev", "https://foo.accountsstage.dev"),
            ("clerk.accountsstage.dev", "https://accountsstage.dev"),
            ("clerk.foo.lcl.dev", "https://accounts.foo.lcl.dev"),
            ("auth.example.com", "https://auth.example.com"),
            ("clerk.clerk.example.com", "https://accounts.clerk.example.com"),
            ("a.clerk.accounts.clerk.dev", "https://a.accounts.clerk.dev"),
        ];
        for (host, origin) in cases {
            let key = PublishableKey::from_host(host, InstanceType::Production);
            assert_eq!(key.account_portal_origin(), origin, "{host}");
        }
    }

    #[test]
    fn contract_vectors_parse() {
        let cases = [
            (
                "pk_test_Zm9vLWJhci0xMy5jbGVyay5hY2NvdW50cy5kZXYk",
                InstanceType::Development,
                "foo-bar-13.clerk.accounts.dev",
            ),
            (
                "pk_live_ZmFrZS1jbGVyay10ZXN0LmNsZXJrLmFjY291bnRzLmRldiQ",
                InstanceType::Production,
                "fake-clerk-test.clerk.accounts.dev",
            ),
            (
                "pk_live_Y2xlcmsuZXhhbXBsZS5jb20k",
                InstanceType::Production,
                "clerk.example.com",
            ),
            (
                "pk_test_aGFwcHktaGlwcG8tNDIuY2xlcmsuYWNjb3VudHMuZGV2JA",
                InstanceType::Development,
                "happy-hippo-42.clerk.accounts.dev",
            ),
            (
                "pk_test_Y2xlcmsuY2xlcmsuZGV2JA==",
                InstanceType::Development,
                "clerk.clerk.dev",
            ),
        ];
        for (raw, ty, host) in cases {
            let key = PublishableKey::parse(raw).unwrap_or_else(|err| panic!("{raw}: {err}"));
            assert_eq!(key.instance_type(), ty, "{raw}");
            assert_eq!(key.frontend_api(), host, "{raw}");
            assert_eq!(key.issuer(), format!("https://{host}"));
        }
    }

    #[test]
    fn contract_invalid_vectors_are_refused() {
        for raw in [
            "pk_live_ZmFrZS1jbGVyay1tYWxmb3JtZWQuY2xlcmsuYWNjb3VudHMuZGV2JGV4dHJh",
            "pk_live_aW52YWxpZGtleSQ=",
            "",
            "pk_test_",
            "sk_test_Y2xlcmsuZXhhbXBsZS5jb20k",
            "pk_prod_Y2xlcmsuZXhhbXBsZS5jb20k",
            "pk_test_not*base64",
            "pk_test_Y2xlcmsuZXhhbXBsZS5jb20k_extra",
            "pk_test_Y2xlcmsuZXhhbXBsZS5jb20",
        ] {
            let err = PublishableKey::parse(raw).expect_err(raw);
            assert!(matches!(err, Error::InvalidKey(_)), "{raw}: {err}");
        }
    }

    #[test]
    fn from_host_round_trips() {
        let key = PublishableKey::from_host("happy-hippo-42.clerk.accounts.dev", InstanceType::Development);
        assert_eq!(
            key.as_str(),
            "pk_test_aGFwcHktaGlwcG8tNDIuY2xlcmsuYWNjb3VudHMuZGV2JA"
        );
        let back = PublishableKey::parse(key.as_str()).unwrap();
        assert_eq!(back, key);
    }

    #[test]
    fn secret_key_never_shows_itself() {
        let key = SecretKey::new("sk_live_SUPERSECRETVALUE").unwrap();
        assert!(!format!("{key:?}").contains("SUPERSECRET"));
        assert!(!format!("{key}").contains("SUPERSECRET"));
        assert_eq!(key.instance_type(), Some(InstanceType::Production));
        assert!(SecretKey::new("  ").is_err());
        assert!(SecretKey::new("sk_test_a\nb").is_err());
    }

    /// Issue 16, §2: a key of the wrong shape is refused at start, without echoing it.
    #[test]
    fn secret_key_shapes() {
        for good in [
            "sk_test_abc123",
            "sk_live_ABC-def_123",
            " sk_test_trimmed ",
            "test_legacyKey",
            "live_legacyKey",
        ] {
            let key = SecretKey::new(good).unwrap_or_else(|err| panic!("{good}: {err}"));
            assert!(key.instance_type().is_some(), "{good}");
        }
        assert_eq!(
            SecretKey::new("live_x").unwrap().instance_type(),
            Some(InstanceType::Production)
        );
        for bad in [
            "sk_test_",
            "sk_live_",
            "test_",
            "pk_test_SECRETBODY",
            "sk_prod_SECRETBODY",
            "whsec_SECRETBODY",
            "SECRETBODY",
            "SK_TEST_SECRETBODY",
            "sk_test_SECRETBODY...",
            "sk_test_SECRETBODY x",
            "sk_test_SECRETBODY/x",
            "sk_test_SECRETBODY=",
        ] {
            let err = SecretKey::new(bad).expect_err(bad);
            assert!(matches!(err, Error::InvalidKey(_)), "{bad}: {err}");
            assert!(
                !err.to_string().contains("SECRETBODY"),
                "{bad}: the message echoes the key: {err}"
            );
        }
    }
}
