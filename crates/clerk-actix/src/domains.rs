//! The browser-session settings of [`ClerkConfig`](crate::ClerkConfig): proxy URL, domain,
//! satellite, sign-up URL, satellite auto-sync and organization sync patterns, read from Clerk's
//! environment names and checked with Clerk's start-up assertions.

use clerk_core::request::{MultiDomain, MultiDomainError, OrganizationSync};
use clerk_core::InstanceType;

use crate::env::{check_origin, parse_bool, split_list, ConfigError};

/// The settings as given, before validation.
#[derive(Debug, Clone, Default)]
pub(crate) struct DomainSettings {
    pub(crate) proxy_url: Option<String>,
    pub(crate) domain: Option<String>,
    pub(crate) is_satellite: bool,
    pub(crate) sign_up_url: Option<String>,
    pub(crate) satellite_auto_sync: bool,
    pub(crate) organization_patterns: Vec<String>,
    pub(crate) personal_account_patterns: Vec<String>,
    pub(crate) satellite_origins: Vec<String>,
}

/// The validated settings, as the authenticator takes them.
pub(crate) struct ResolvedDomains {
    pub(crate) multi_domain: MultiDomain,
    pub(crate) organization_sync: OrganizationSync,
    pub(crate) satellite_origins: Vec<String>,
}

impl DomainSettings {
    /// Reads `CLERK_PROXY_URL`, `CLERK_DOMAIN`, `CLERK_IS_SATELLITE`, `CLERK_SIGN_UP_URL`,
    /// `CLERK_SATELLITE_AUTO_SYNC`, `CLERK_ORGANIZATION_PATTERNS` and
    /// `CLERK_PERSONAL_ACCOUNT_PATTERNS` (patterns separated by commas, or spaces within an
    /// entry) and `CLERK_SATELLITE_ORIGINS` (comma separated origins).
    pub(crate) fn read(get: &impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let flag = |name: &'static str| get(name).map(|v| parse_bool(name, &v)).transpose();
        let list = |name: &'static str| {
            get(name)
                .map(|v| split_list(name, &v))
                .transpose()
                .map(Option::unwrap_or_default)
        };
        Ok(Self {
            proxy_url: get("CLERK_PROXY_URL"),
            domain: get("CLERK_DOMAIN"),
            is_satellite: flag("CLERK_IS_SATELLITE")?.unwrap_or(false),
            sign_up_url: get("CLERK_SIGN_UP_URL"),
            satellite_auto_sync: flag("CLERK_SATELLITE_AUTO_SYNC")?.unwrap_or(false),
            organization_patterns: patterns(list("CLERK_ORGANIZATION_PATTERNS")?),
            personal_account_patterns: patterns(list("CLERK_PERSONAL_ACCOUNT_PATTERNS")?),
            satellite_origins: list("CLERK_SATELLITE_ORIGINS")?,
        })
    }

    /// Clerk's assertions, each error naming its variable. `sign_in_url` is the configured one
    /// (`CLERK_SIGN_IN_URL`), not the Account Portal default.
    pub(crate) fn resolve(
        &self,
        instance_type: InstanceType,
        sign_in_url: Option<&str>,
    ) -> Result<ResolvedDomains, ConfigError> {
        let mut multi_domain = MultiDomain::new()
            .satellite(self.is_satellite)
            .satellite_auto_sync(self.satellite_auto_sync);
        if let Some(proxy) = &self.proxy_url {
            multi_domain = multi_domain.proxy_url(proxy).map_err(named)?;
        }
        if let Some(domain) = &self.domain {
            multi_domain = multi_domain.domain(domain).map_err(named)?;
        }
        match sign_in_url {
            Some(url) if url.starts_with('/') && self.is_satellite => {
                return Err(named(MultiDomainError::SignInUrlNotAbsolute));
            }
            Some(url) if url.starts_with('/') => {}
            Some(url) => multi_domain = multi_domain.sign_in_url(url).map_err(named)?,
            None => {}
        }
        multi_domain.validate(instance_type).map_err(named)?;
        if self.is_satellite && !self.satellite_origins.is_empty() {
            return Err(ConfigError::new(
                "CLERK_SATELLITE_ORIGINS",
                "lists a primary domain's satellites, but this application is a satellite \
                 (CLERK_IS_SATELLITE): unset one of them",
            ));
        }
        for origin in &self.satellite_origins {
            check_origin("CLERK_SATELLITE_ORIGINS", origin)?;
        }
        if let Some(url) = &self.sign_up_url {
            if url::Url::parse(url).is_err() && !url.starts_with('/') {
                return Err(ConfigError::new(
                    "CLERK_SIGN_UP_URL",
                    format!("{url:?} is neither an absolute URL nor a path"),
                ));
            }
        }
        let organization: Vec<&str> = self.organization_patterns.iter().map(String::as_str).collect();
        OrganizationSync::new(&organization, &[])
            .map_err(|err| ConfigError::new("CLERK_ORGANIZATION_PATTERNS", err.to_string()))?;
        let personal: Vec<&str> = self
            .personal_account_patterns
            .iter()
            .map(String::as_str)
            .collect();
        let organization_sync = OrganizationSync::new(&organization, &personal)
            .map_err(|err| ConfigError::new("CLERK_PERSONAL_ACCOUNT_PATTERNS", err.to_string()))?;
        Ok(ResolvedDomains {
            multi_domain,
            organization_sync,
            satellite_origins: self.satellite_origins.clone(),
        })
    }
}

/// The patterns of a list's entries, each entry split on spaces.
fn patterns(entries: Vec<String>) -> Vec<String> {
    entries
        .iter()
        .flat_map(|entry| entry.split_whitespace())
        .map(str::to_owned)
        .collect()
}

/// The variable a multi-domain assertion is about.
fn named(err: MultiDomainError) -> ConfigError {
    let variable = match err {
        MultiDomainError::MissingSignInUrl
        | MultiDomainError::SignInUrlNotAbsolute
        | MultiDomainError::SignInUrlSameOrigin => "CLERK_SIGN_IN_URL",
        MultiDomainError::InvalidProxyUrl => "CLERK_PROXY_URL",
        MultiDomainError::MissingDomainOrProxy | MultiDomainError::InvalidDomain => "CLERK_DOMAIN",
        _ => "CLERK_IS_SATELLITE",
    };
    ConfigError::new(variable, err.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn resolve(vars: &[(&str, &str)], sign_in: Option<&str>) -> Result<ResolvedDomains, ConfigError> {
        let get = |name: &str| {
            vars.iter()
                .find(|(n, _)| *n == name)
                .map(|(_, v)| (*v).to_owned())
        };
        DomainSettings::read(&get)?.resolve(InstanceType::Development, sign_in)
    }

    /// Variables, `CLERK_SIGN_IN_URL`, and the variable the error must name.
    type Case<'a> = (&'a [(&'a str, &'a str)], Option<&'a str>, &'a str);

    #[test]
    fn every_assertion_names_its_variable() {
        let cases: [Case<'_>; 7] = [
            (&[("CLERK_IS_SATELLITE", "true")], None, "CLERK_SIGN_IN_URL"),
            (
                &[("CLERK_IS_SATELLITE", "true")],
                Some("https://primary.example.com/sign-in"),
                "CLERK_DOMAIN",
            ),
            (
                &[
                    ("CLERK_IS_SATELLITE", "true"),
                    ("CLERK_DOMAIN", "sat.example.com"),
                ],
                Some("/sign-in"),
                "CLERK_SIGN_IN_URL",
            ),
            (&[("CLERK_PROXY_URL", "ftp://x")], None, "CLERK_PROXY_URL"),
            (&[("CLERK_IS_SATELLITE", "maybe")], None, "CLERK_IS_SATELLITE"),
            (
                &[("CLERK_ORGANIZATION_PATTERNS", "/orgs/:")],
                None,
                "CLERK_ORGANIZATION_PATTERNS",
            ),
            (&[("CLERK_SIGN_UP_URL", "nope")], None, "CLERK_SIGN_UP_URL"),
        ];
        for (vars, sign_in, variable) in cases {
            let err = resolve(vars, sign_in)
                .err()
                .unwrap_or_else(|| panic!("{vars:?} accepted"));
            assert_eq!(err.variable, variable, "{vars:?}: {err}");
        }
        let ok = resolve(
            &[
                ("CLERK_IS_SATELLITE", "true"),
                ("CLERK_DOMAIN", "sat.example.com"),
                ("CLERK_ORGANIZATION_PATTERNS", "/orgs/:slug, /orgs/:slug/(.*)"),
            ],
            Some("https://primary.example.com/sign-in"),
        )
        .expect("valid");
        assert!(ok.multi_domain.is_satellite());
        assert!(ok.organization_sync.matches_any("/orgs/acme/x"));
    }
}
