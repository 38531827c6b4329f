//! Multi-domain and proxy settings (docs/clerk-behaviour.md §8): the Frontend API a handshake goes
//! to, satellite domains, the sign-in URL a satellite syncs through, and Clerk's start-up
//! assertions.

use std::borrow::Cow;
use std::fmt;

use super::parts::RequestOrigin;
use crate::{InstanceType, PublishableKey};

/// `CLERK_PROXY_URL`: where the Frontend API is served for this application. A path (`/__clerk`)
/// is resolved against each request's origin, as Clerk resolves it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum ProxyUrl {
    /// `https://app.example.com/__clerk`.
    Absolute(String),
    /// `/__clerk`, on the request's own origin.
    Relative(String),
}

impl ProxyUrl {
    /// Parses a proxy URL: an absolute `http(s)` URL or a path starting with `/`; trailing
    /// slashes are dropped.
    pub(crate) fn parse(value: &str) -> Result<Self, MultiDomainError> {
        let value = value.trim();
        if value.starts_with('/') && !value.starts_with("//") {
            return Ok(ProxyUrl::Relative(value.trim_end_matches('/').to_owned()));
        }
        match url::Url::parse(value) {
            Ok(url) if matches!(url.scheme(), "http" | "https") && url.host_str().is_some() => {
                Ok(ProxyUrl::Absolute(value.trim_end_matches('/').to_owned()))
            }
            _ => Err(MultiDomainError::InvalidProxyUrl),
        }
    }

    fn resolve(&self, origin: &RequestOrigin<'_>) -> Cow<'_, str> {
        match self {
            ProxyUrl::Absolute(url) => Cow::Borrowed(url),
            ProxyUrl::Relative(path) => Cow::Owned(format!("{}{path}", origin.serialize())),
        }
    }
}

/// Clerk's multi-domain options: `proxyUrl`, `domain`, `isSatellite`, `signInUrl`,
/// `satelliteAutoSync` (off by default, as in Clerk's Core 3).
///
/// # Examples
///
/// ```
/// use clerk_core::request::MultiDomain;
/// use clerk_core::InstanceType;
///
/// let satellite = MultiDomain::new()
///     .domain("satellite.example.com")?
///     .satellite(true)
///     .sign_in_url("https://primary.example.com/sign-in")?;
/// satellite.validate(InstanceType::Production)?;
/// assert!(MultiDomain::new().satellite(true).validate(InstanceType::Production).is_err());
/// # Ok::<(), clerk_core::request::MultiDomainError>(())
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MultiDomain {
    pub(crate) proxy_url: Option<ProxyUrl>,
    pub(crate) domain: Option<String>,
    pub(crate) is_satellite: bool,
    pub(crate) sign_in_url: Option<url::Url>,
    pub(crate) satellite_auto_sync: bool,
}

/// Clerk's start-up assertions on the multi-domain options, with Clerk's messages.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum MultiDomainError {
    /// A development satellite needs a sign-in URL on the primary domain.
    MissingSignInUrl,
    /// The sign-in URL is not absolute.
    SignInUrlNotAbsolute,
    /// The sign-in URL is on the satellite's own domain.
    SignInUrlSameOrigin,
    /// A satellite needs a domain or a proxy URL.
    MissingDomainOrProxy,
    /// The proxy URL is neither an absolute `http(s)` URL nor a path.
    InvalidProxyUrl,
    /// The domain is not a host name.
    InvalidDomain,
}

impl fmt::Display for MultiDomainError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            MultiDomainError::MissingSignInUrl => {
                "Missing signInUrl. Pass a signInUrl for dev instances if an app is satellite"
            }
            MultiDomainError::SignInUrlNotAbsolute => "The signInUrl needs to have a absolute url format.",
            MultiDomainError::SignInUrlSameOrigin => {
                "The signInUrl needs to be on a different origin than your satellite application."
            }
            MultiDomainError::MissingDomainOrProxy => {
                "Missing domain and proxyUrl. A satellite application needs to specify a domain or a proxyUrl"
            }
            MultiDomainError::InvalidProxyUrl => {
                "The proxyUrl needs to be an absolute http(s) URL or a path starting with /."
            }
            MultiDomainError::InvalidDomain => "The domain needs to be a host name, like example.com.",
        })
    }
}

impl std::error::Error for MultiDomainError {}

impl MultiDomain {
    /// No proxy, no domain, not a satellite.
    pub fn new() -> Self {
        Self::default()
    }

    /// The proxy URL: an absolute `http(s)` URL or a path starting with `/` (resolved against
    /// each request's origin); trailing slashes are dropped.
    pub fn proxy_url(mut self, value: &str) -> Result<Self, MultiDomainError> {
        self.proxy_url = Some(ProxyUrl::parse(value)?);
        Ok(self)
    }

    /// The application's domain (`example.com`; a scheme is dropped, as Clerk drops it).
    pub fn domain(mut self, value: &str) -> Result<Self, MultiDomainError> {
        let host = value
            .trim()
            .trim_start_matches("https://")
            .trim_start_matches("http://")
            .trim_end_matches('/');
        let valid = !host.is_empty()
            && host
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | ':'));
        if !valid {
            return Err(MultiDomainError::InvalidDomain);
        }
        self.domain = Some(host.to_ascii_lowercase());
        Ok(self)
    }

    /// Whether this application is a satellite domain.
    pub fn satellite(mut self, yes: bool) -> Self {
        self.is_satellite = yes;
        self
    }

    /// The sign-in URL (on the primary domain for a satellite); must be absolute.
    pub fn sign_in_url(mut self, value: &str) -> Result<Self, MultiDomainError> {
        let url = url::Url::parse(value).map_err(|_| MultiDomainError::SignInUrlNotAbsolute)?;
        self.sign_in_url = Some(url);
        Ok(self)
    }

    /// Clerk's `satelliteAutoSync`: a satellite without cookies syncs with the primary domain on
    /// its first document request (off by default: it stays signed out until asked to sync).
    pub fn satellite_auto_sync(mut self, yes: bool) -> Self {
        self.satellite_auto_sync = yes;
        self
    }

    /// Clerk's satellite assertions, run once at start-up (Clerk runs them per request and throws).
    /// The sign-in URL's origin is compared with the satellite's domain (Clerk compares it with the
    /// request's `Origin`).
    pub fn validate(&self, instance_type: InstanceType) -> Result<(), MultiDomainError> {
        if !self.is_satellite {
            return Ok(());
        }
        match &self.sign_in_url {
            None if instance_type == InstanceType::Development => {
                return Err(MultiDomainError::MissingSignInUrl)
            }
            Some(url) if self.domain.as_deref().is_some_and(|d| url.host_str() == Some(d)) => {
                return Err(MultiDomainError::SignInUrlSameOrigin)
            }
            _ => {}
        }
        if self.proxy_url.is_none() && self.domain.is_none() {
            return Err(MultiDomainError::MissingDomainOrProxy);
        }
        Ok(())
    }

    /// Whether this application is a satellite.
    pub fn is_satellite(&self) -> bool {
        self.is_satellite
    }

    /// The sign-in URL, when one is set.
    pub fn sign_in(&self) -> Option<&url::Url> {
        self.sign_in_url.as_ref()
    }

    /// The proxy URL as configured (an absolute URL, or a path such as `/__clerk` on each
    /// request's own origin), without trailing slashes; `None` when there is no proxy.
    pub fn proxy(&self) -> Option<&str> {
        match &self.proxy_url {
            Some(ProxyUrl::Absolute(url)) => Some(url),
            Some(ProxyUrl::Relative(path)) => Some(path),
            None => None,
        }
    }

    /// The Frontend API before any proxy (Clerk's `originalFrontendApi`): the key's host, or
    /// `clerk.{domain}` for a production satellite.
    pub fn original_frontend_api<'k>(&self, key: &'k PublishableKey) -> Cow<'k, str> {
        match &self.domain {
            Some(domain) if self.is_satellite && key.instance_type() == InstanceType::Production => {
                Cow::Owned(format!("clerk.{domain}"))
            }
            _ => Cow::Borrowed(key.frontend_api()),
        }
    }

    /// The Frontend API a browser is sent to (Clerk's `frontendApi`): the proxy URL when there is
    /// one, otherwise the original Frontend API.
    pub(crate) fn frontend_api<'k>(
        &'k self,
        key: &'k PublishableKey,
        origin: &RequestOrigin<'_>,
    ) -> Cow<'k, str> {
        match &self.proxy_url {
            Some(proxy) => proxy.resolve(origin),
            None => self.original_frontend_api(key),
        }
    }

    /// The path of a relative proxy URL (`/__clerk`).
    pub fn relative_proxy_path(&self) -> Option<&str> {
        match &self.proxy_url {
            Some(ProxyUrl::Relative(path)) => Some(path),
            _ => None,
        }
    }

    /// Whether `iss` is the relative proxy URL on `origin` (`{origin}{path}`, `origin` as
    /// `scheme://host[:port]`), the issuer Clerk's Frontend API uses behind such a proxy.
    pub(crate) fn is_relative_proxy_issuer(&self, iss: &str, origin: &str) -> bool {
        self.relative_proxy_path()
            .is_some_and(|path| iss.strip_suffix(path) == Some(origin))
    }

    /// The issuers a session token of this instance may carry: `https://{original Frontend
    /// API}`, the key's own Frontend API, and an absolute proxy URL.
    pub fn issuers(&self, key: &PublishableKey) -> Vec<String> {
        let mut issuers = vec![key.issuer().to_owned()];
        let original = format!("https://{}", self.original_frontend_api(key));
        if !issuers.contains(&original) {
            issuers.push(original);
        }
        if let Some(ProxyUrl::Absolute(proxy)) = &self.proxy_url {
            if !issuers.contains(proxy) {
                issuers.push(proxy.clone());
            }
        }
        issuers
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(host: &str, instance: InstanceType) -> PublishableKey {
        PublishableKey::from_host(host, instance)
    }

    #[test]
    fn the_proxy_is_kept_as_configured_without_trailing_slashes() {
        assert_eq!(MultiDomain::new().proxy(), None);
        let relative = MultiDomain::new().proxy_url("/__clerk/").unwrap();
        assert_eq!(relative.proxy(), Some("/__clerk"));
        let absolute = MultiDomain::new()
            .proxy_url("https://app.example.com/__clerk")
            .unwrap();
        assert_eq!(absolute.proxy(), Some("https://app.example.com/__clerk"));
    }

    #[test]
    fn clerks_satellite_assertions() {
        let dev = InstanceType::Development;
        let prod = InstanceType::Production;
        let sat = MultiDomain::new().satellite(true);
        assert_eq!(sat.validate(dev), Err(MultiDomainError::MissingSignInUrl));
        assert_eq!(sat.validate(prod), Err(MultiDomainError::MissingDomainOrProxy));
        let with_domain = sat.clone().domain("https://sat.example.com/").unwrap();
        assert_eq!(with_domain.domain.as_deref(), Some("sat.example.com"));
        assert_eq!(with_domain.validate(prod), Ok(()));
        let same = with_domain
            .clone()
            .sign_in_url("https://sat.example.com/sign-in")
            .unwrap();
        assert_eq!(same.validate(prod), Err(MultiDomainError::SignInUrlSameOrigin));
        assert_eq!(
            MultiDomain::new().sign_in_url("/sign-in"),
            Err(MultiDomainError::SignInUrlNotAbsolute)
        );
        assert_eq!(
            MultiDomain::new().validate(dev),
            Ok(()),
            "a primary needs nothing"
        );
        assert_eq!(
            MultiDomain::new().proxy_url("ftp://x"),
            Err(MultiDomainError::InvalidProxyUrl)
        );
        assert_eq!(
            MultiDomain::new().proxy_url("//x"),
            Err(MultiDomainError::InvalidProxyUrl)
        );
        assert_eq!(
            MultiDomain::new().domain("a b"),
            Err(MultiDomainError::InvalidDomain)
        );
    }

    #[test]
    fn frontend_api_and_issuers() {
        let origin = RequestOrigin {
            scheme: "https",
            host: "app.example.com",
        };
        let prod = key("clerk.example.com", InstanceType::Production);
        let relative = MultiDomain::new().proxy_url("/__clerk/").unwrap();
        assert_eq!(
            relative.frontend_api(&prod, &origin),
            "https://app.example.com/__clerk"
        );
        assert_eq!(
            relative.issuers(&prod),
            vec!["https://clerk.example.com".to_owned()]
        );
        let absolute = MultiDomain::new()
            .proxy_url("https://proxy.example.com/__clerk")
            .unwrap();
        assert_eq!(
            absolute.issuers(&prod),
            vec![
                "https://clerk.example.com".to_owned(),
                "https://proxy.example.com/__clerk".to_owned()
            ]
        );
        let satellite = MultiDomain::new()
            .domain("sat.example.org")
            .unwrap()
            .satellite(true);
        assert_eq!(satellite.frontend_api(&prod, &origin), "clerk.sat.example.org");
        assert_eq!(
            satellite.issuers(&prod),
            vec![
                "https://clerk.example.com".to_owned(),
                "https://clerk.sat.example.org".to_owned()
            ]
        );
        let dev = key("happy-hippo-42.clerk.accounts.dev", InstanceType::Development);
        assert_eq!(
            satellite.frontend_api(&dev, &origin),
            "happy-hippo-42.clerk.accounts.dev"
        );
    }
}
