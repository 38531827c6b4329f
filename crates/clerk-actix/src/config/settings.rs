//! The settings that pass from [`ClerkConfig`](super::ClerkConfig) to
//! [`ResolvedConfig`](super::ResolvedConfig) as they are, described once: each one's type,
//! default and environment variable(s), from which the struct, its defaults, its reading from
//! the environment and its `Debug` fields all come. (None of them is a secret.)
//!
//! Beside them, the optional strings that `resolve` checks and turns into something else (the
//! keys, the sign-in URL), described once as well: each one's environment variable, how `Debug`
//! shows it (a key may be a secret) and its builder setter on `ClerkConfig`.

use std::fmt;
use std::net::IpAddr;
use std::time::Duration;

use clerk_core::jwks::JwksCacheConfig;

use crate::env::{parse_bool, parse_count, parse_millis, split_list, ConfigError};
use clerk_core::protect::ProtectMode;

macro_rules! settings {
    ($(
        $(#[doc = $doc:literal])*
        $name:ident: $ty:ty = $default:expr $(, $var:literal $(.$sub:ident)? => $parse:path)*;
    )*) => {
        /// Settings used as given (see the table on [`ClerkConfig`](super::ClerkConfig)).
        #[derive(Clone)]
        pub(crate) struct Settings {
            $( $(#[doc = $doc])* pub(crate) $name: $ty, )*
        }

        impl Default for Settings {
            fn default() -> Self {
                Self { $( $name: $default, )* }
            }
        }

        impl Settings {
            /// The settings read through `get` (blank values already unset), defaults elsewhere.
            pub(crate) fn read(get: &impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
                let mut settings = Self::default();
                $($(
                    if let Some(value) = get($var) {
                        settings.$name $(.$sub)? = $parse($var, &value)?;
                    }
                )*)*
                Ok(settings)
            }

            /// Adds every setting to a `Debug` struct, flat.
            pub(crate) fn debug_fields(&self, f: &mut fmt::DebugStruct<'_, '_>) {
                $( f.field(stringify!($name), &self.$name); )*
            }
        }
    };
}

settings! {
    /// `CLERK_AUTHORIZED_PARTIES`: exact origins a token's `azp` must be one of.
    authorized_parties: Vec<String> = Vec::new(),
        "CLERK_AUTHORIZED_PARTIES" => split_list;
    /// `CLERK_AUDIENCE`: accepted `aud` values (none: no check).
    audience: Vec<String> = Vec::new(),
        "CLERK_AUDIENCE" => split_list;
    /// `CLERK_MACHINE_TOKEN_CACHE_TTL_MS`: how long opaque machine-token verifications are reused.
    machine_token_cache_ttl: Duration = Duration::from_secs(10),
        "CLERK_MACHINE_TOKEN_CACHE_TTL_MS" => parse_millis;
    /// `CLERK_CLOCK_SKEW_MS`: the leeway on a token's times.
    clock_skew: Duration = Duration::from_millis(5_000),
        "CLERK_CLOCK_SKEW_MS" => parse_millis;
    /// `CLERK_TREAT_PENDING_AS_SIGNED_OUT`.
    treat_pending_as_signed_out: bool = true,
        "CLERK_TREAT_PENDING_AS_SIGNED_OUT" => parse_bool;
    /// `CLERK_COOKIE_AUTH`: whether the `__session` cookie is read at all.
    cookie_auth: bool = true,
        "CLERK_COOKIE_AUTH" => parse_bool;
    /// `CLERK_ISSUER_CHECK`.
    issuer_check: bool = true,
        "CLERK_ISSUER_CHECK" => parse_bool;
    /// `CLERK_JWKS_TTL_MS`, `CLERK_JWKS_REFETCH_COOLDOWN_MS`, `CLERK_JWKS_MAX_STALE_MS`.
    jwks: JwksCacheConfig = JwksCacheConfig::default(),
        "CLERK_JWKS_TTL_MS" .ttl => parse_millis,
        "CLERK_JWKS_REFETCH_COOLDOWN_MS" .refetch_cooldown => parse_millis,
        "CLERK_JWKS_MAX_STALE_MS" .max_stale => parse_millis;
    /// `CLERK_TOKEN_CACHE_CAPACITY`: verified tokens remembered (0 = off).
    token_cache_capacity: usize = 4096,
        "CLERK_TOKEN_CACHE_CAPACITY" => parse_capacity;
    /// `CLERK_TRUSTED_PROXIES`: the peers whose `X-Forwarded-*` headers are believed.
    trusted_proxies: Vec<IpAddr> = Vec::new(),
        "CLERK_TRUSTED_PROXIES" => parse_ips;
    /// The largest token read (builder only).
    max_token_bytes: usize = clerk_core::token::DEFAULT_MAX_TOKEN_BYTES;
    /// The default protect mode (builder only).
    protect_mode: ProtectMode = ProtectMode::Api;
}

/// How `Debug` shows an optional string setting.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum ShownAs {
    /// As it is.
    Plain,
    /// Only whether it is set (`Some("[set]")`): the value may be a secret.
    Set,
}

impl ShownAs {
    fn of(self, value: Option<&str>) -> Option<&str> {
        match self {
            Self::Plain => value,
            Self::Set => value.map(|_| "[set]"),
        }
    }
}

macro_rules! strings {
    ($(
        $(#[doc = $doc:literal])*
        $name:ident($arg:ident) = $var:literal, $shown:ident;
    )*) => {
        /// Optional strings resolved into something else (see the table on
        /// [`ClerkConfig`](super::ClerkConfig)); none by default.
        #[derive(Clone, Default)]
        pub(crate) struct Strings {
            $( #[doc = concat!("`", $var, "`.")] pub(crate) $name: Option<String>, )*
        }

        impl Strings {
            /// Each string's variable and how `Debug` shows it (for the tests that no secret
            /// shows).
            #[cfg(test)]
            pub(crate) const SHOWN: &'static [(&'static str, ShownAs)] =
                &[$( ($var, ShownAs::$shown), )*];

            /// The strings read through `get` (blank values already unset).
            pub(crate) fn read(get: &impl Fn(&str) -> Option<String>) -> Self {
                Self { $( $name: get($var), )* }
            }

            /// Adds every string to a `Debug` struct, flat, secrets shown only as set.
            pub(crate) fn debug_fields(&self, f: &mut fmt::DebugStruct<'_, '_>) {
                $( f.field(stringify!($name), &ShownAs::$shown.of(self.$name.as_deref())); )*
            }
        }

        impl super::ClerkConfig {
            $(
                $(#[doc = $doc])*
                pub fn $name(mut self, $arg: impl Into<String>) -> Self {
                    self.strings.$name = Some($arg.into());
                    self
                }
            )*
        }
    };
}

strings! {
    /// The instance's publishable key (`pk_test_…`/`pk_live_…`). Defaults to none.
    publishable_key(key) = "CLERK_PUBLISHABLE_KEY", Plain;
    /// The PEM public key for networkless verification (`CLERK_JWT_KEY`). Defaults to none.
    jwt_key_pem(pem) = "CLERK_JWT_KEY", Set;
    /// Where [`ProtectMode::Redirect`] sends signed-out page requests. Defaults to the Account
    /// Portal of the publishable key's instance.
    sign_in_url(url) = "CLERK_SIGN_IN_URL", Plain;
    /// The Frontend API a Frontend API proxy forwards to (Clerk's `fapiUrl`, which
    /// `@clerk/backend/proxy` reads from `CLERK_FAPI_URL`): https, or http to a loopback host.
    /// Defaults to Clerk's for the publishable key (see [`ResolvedConfig::proxy_upstream`]).
    ///
    /// [`ResolvedConfig::proxy_upstream`]: super::ResolvedConfig::proxy_upstream
    fapi_url(url) = "CLERK_FAPI_URL", Plain;
    /// Clerk's webhook signing secret(s) (`whsec_…`; several, space separated, while one is
    /// rotated), for [`ResolvedConfig::webhook_verifier`]. Defaults to none.
    ///
    /// [`ResolvedConfig::webhook_verifier`]: super::ResolvedConfig::webhook_verifier
    webhook_signing_secret(secret) = "CLERK_WEBHOOK_SIGNING_SECRET", Set;
}

fn parse_capacity(variable: &'static str, value: &str) -> Result<usize, ConfigError> {
    usize::try_from(parse_count(variable, value)?).map_err(|_| ConfigError::new(variable, "too large"))
}

fn parse_ips(variable: &'static str, value: &str) -> Result<Vec<IpAddr>, ConfigError> {
    split_list(variable, value)?
        .iter()
        .map(|ip| {
            ip.parse()
                .map_err(|_| ConfigError::new(variable, format!("{ip:?} is not an IP address")))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// An environment of these variables only.
    fn lookup(pairs: &'static [(&'static str, &'static str)]) -> impl Fn(&str) -> Option<String> {
        move |name| {
            pairs
                .iter()
                .find(|(var, _)| *var == name)
                .map(|(_, value)| (*value).to_owned())
        }
    }

    /// What a `debug_fields` writes, as `Debug` shows it.
    fn debug_of(fields: impl Fn(&mut fmt::DebugStruct<'_, '_>)) -> String {
        struct Shown<F>(F);

        impl<F: Fn(&mut fmt::DebugStruct<'_, '_>)> fmt::Debug for Shown<F> {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                let mut f = f.debug_struct("Shown");
                (self.0)(&mut f);
                f.finish()
            }
        }

        format!("{:?}", Shown(fields))
    }

    /// Issue 25, item 5: one description gives the defaults, the reading (sub-fields included) and
    /// the `Debug` fields.
    #[test]
    fn one_description_gives_defaults_reading_and_debug() {
        let get = lookup(&[
            ("CLERK_JWKS_MAX_STALE_MS", "60000"),
            ("CLERK_TOKEN_CACHE_CAPACITY", "0"),
        ]);
        let settings = Settings::read(&get).unwrap();
        assert_eq!(settings.jwks.max_stale, Duration::from_secs(60));
        assert_eq!(settings.jwks.ttl, JwksCacheConfig::default().ttl);
        assert_eq!(settings.token_cache_capacity, 0);
        assert_eq!(settings.clock_skew, Duration::from_millis(5_000));
        assert!(settings.cookie_auth && settings.issuer_check && settings.treat_pending_as_signed_out);

        let shown = debug_of(|f| settings.debug_fields(f));
        for name in [
            "authorized_parties",
            "jwks",
            "token_cache_capacity: 0",
            "protect_mode",
        ] {
            assert!(shown.contains(name), "{shown}");
        }

        let err =
            Settings::read(&|name: &str| (name == "CLERK_TOKEN_CACHE_CAPACITY").then(|| "many".to_owned()))
                .err()
                .expect("not a number");
        assert!(err.to_string().contains("CLERK_TOKEN_CACHE_CAPACITY"), "{err}");
    }

    /// Issue 25, item 5: one description gives the optional strings' reading, their `Debug`
    /// (secrets shown only as set) and the builder setters.
    #[test]
    fn one_description_gives_the_strings_reading_debug_and_setters() {
        let get = lookup(&[
            ("CLERK_PUBLISHABLE_KEY", "pk_test_shown"),
            ("CLERK_JWT_KEY", "PEMDATA"),
        ]);
        let strings = Strings::read(&get);
        assert_eq!(strings.publishable_key.as_deref(), Some("pk_test_shown"));
        assert_eq!(strings.jwt_key_pem.as_deref(), Some("PEMDATA"));
        assert_eq!(strings.sign_in_url, None);

        let shown = debug_of(|f| strings.debug_fields(f));
        assert!(
            shown.contains(r#"publishable_key: Some("pk_test_shown")"#),
            "{shown}"
        );
        assert!(shown.contains(r#"jwt_key_pem: Some("[set]")"#), "{shown}");
        assert!(
            shown.contains("sign_in_url: None") && !shown.contains("PEMDATA"),
            "{shown}"
        );

        let config = super::super::ClerkConfig::new()
            .sign_in_url("/sign-in")
            .jwt_key_pem("PEM");
        assert_eq!(config.strings.sign_in_url.as_deref(), Some("/sign-in"));
        assert_eq!(config.strings.jwt_key_pem.as_deref(), Some("PEM"));
    }
}
