//! The settings that pass from [`ClerkConfig`](super::ClerkConfig) to
//! [`ResolvedConfig`](super::ResolvedConfig) as they are, described once: each one's type,
//! default and environment variable(s), from which the struct, its defaults, its reading from
//! the environment and its `Debug` fields all come. (None of them is a secret: the keys, which
//! are, and the settings that are resolved into something else live in `ClerkConfig` itself.)

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

    struct Shown<'a>(&'a Settings);

    impl fmt::Debug for Shown<'_> {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            let mut f = f.debug_struct("Settings");
            self.0.debug_fields(&mut f);
            f.finish()
        }
    }

    /// Issue 25, item 5: one description gives the defaults, the reading (sub-fields included) and
    /// the `Debug` fields.
    #[test]
    fn one_description_gives_defaults_reading_and_debug() {
        let get = |name: &str| match name {
            "CLERK_JWKS_MAX_STALE_MS" => Some("60000".to_owned()),
            "CLERK_TOKEN_CACHE_CAPACITY" => Some("0".to_owned()),
            _ => None,
        };
        let settings = Settings::read(&get).unwrap();
        assert_eq!(settings.jwks.max_stale, Duration::from_secs(60));
        assert_eq!(settings.jwks.ttl, JwksCacheConfig::default().ttl);
        assert_eq!(settings.token_cache_capacity, 0);
        assert_eq!(settings.clock_skew, Duration::from_millis(5_000));
        assert!(settings.cookie_auth && settings.issuer_check && settings.treat_pending_as_signed_out);

        let shown = format!("{:?}", Shown(&settings));
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
}
