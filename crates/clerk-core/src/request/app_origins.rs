//! The origins this application knows as its own (`CLERK_AUTHORIZED_PARTIES`) and, on a primary
//! domain, its satellites' origins: the only places a satellite sync may send a browser back to
//! (with its dev-browser token), and the only request origins under which a relative proxy URL's
//! issuer (`{origin}/__clerk`) is believed.
//!
//! Clerk's SDK follows any `__clerk_redirect_url` and believes any `Host`; this SDK does not (see
//! SECURITY.md, "Redirects and issuers").

use std::collections::HashSet;
use std::sync::{Mutex, PoisonError};

use url::Url;

use crate::InstanceType;

/// How many refused origins are warned about, once each, per process; refusals past that are
/// not logged (an attacker chooses the origins).
const WARNED_ORIGINS_CAP: usize = 64;

static WARNED_ORIGINS: Mutex<Option<HashSet<String>>> = Mutex::new(None);

/// The application's own origins and its satellites' origins, each an exact
/// `scheme://host[:port]` (as `CLERK_AUTHORIZED_PARTIES` requires).
///
/// With no own origin configured, a development instance also trusts loopback origins
/// (`localhost`, `127.0.0.0/8`, `[::1]`, any port): the local setup works without configuration,
/// and nothing on the network is trusted.
///
/// # Examples
///
/// ```
/// use clerk_core::request::AppOrigins;
/// use clerk_core::InstanceType;
///
/// let origins = AppOrigins::new(["https://app.example.com"], ["https://satellite.example.org"]);
/// let production = InstanceType::Production;
/// assert!(origins.is_own("https://app.example.com", production));
/// assert!(origins.may_redirect_to("https://satellite.example.org", production));
/// assert!(!origins.may_redirect_to("https://evil.example", production));
/// assert!(AppOrigins::default().is_own("http://localhost:3000", InstanceType::Development));
/// assert!(!AppOrigins::default().is_own("http://localhost:3000", production));
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AppOrigins {
    own: Vec<String>,
    satellites: Vec<String>,
}

impl AppOrigins {
    /// The application's own origins and its satellites' origins.
    pub fn new<I, J, S, T>(own: I, satellites: J) -> Self
    where
        I: IntoIterator<Item = S>,
        J: IntoIterator<Item = T>,
        S: Into<String>,
        T: Into<String>,
    {
        Self {
            own: own.into_iter().map(Into::into).collect(),
            satellites: satellites.into_iter().map(Into::into).collect(),
        }
    }

    /// Whether `origin` (an origin's ASCII serialization) is one of the application's own.
    pub fn is_own(&self, origin: &str, instance_type: InstanceType) -> bool {
        if self.own.is_empty() {
            return instance_type == InstanceType::Development && is_loopback(origin);
        }
        self.own.iter().any(|own| own == origin)
    }

    /// Whether a satellite sync may send the browser to `origin`: one of the application's own
    /// origins or a satellite's.
    pub fn may_redirect_to(&self, origin: &str, instance_type: InstanceType) -> bool {
        self.is_own(origin, instance_type) || self.satellites.iter().any(|s| s == origin)
    }
}

/// `scheme://host[:port]` of `url`, in the form the configured origins are written in (lower
/// case, no default port); `None` for an opaque origin.
pub(crate) fn origin_of(url: &Url) -> Option<String> {
    let origin = url.origin();
    origin.is_tuple().then(|| origin.ascii_serialization())
}

/// The request's own origin in that form, from its scheme and `Host`.
pub(crate) fn normalized(scheme: &str, host: &str) -> Option<String> {
    Url::parse(&format!("{scheme}://{host}"))
        .ok()
        .filter(|url| url.path() == "/" && url.query().is_none() && url.username().is_empty())
        .and_then(|url| origin_of(&url))
}

fn is_loopback(origin: &str) -> bool {
    Url::parse(origin).is_ok_and(|url| match url.host() {
        Some(url::Host::Domain(domain)) => domain == "localhost",
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        None => false,
    })
}

/// Logs a warning the first time `origin` is refused (for the first
/// [`WARNED_ORIGINS_CAP`] origins), saying what to configure if it is a real satellite.
pub(crate) fn warn_refused_once(origin: &str) {
    let mut warned = WARNED_ORIGINS.lock().unwrap_or_else(PoisonError::into_inner);
    let warned = warned.get_or_insert_with(HashSet::new);
    if warned.len() >= WARNED_ORIGINS_CAP || !warned.insert(origin.to_owned()) {
        return;
    }
    tracing::warn!(
        origin,
        "clerk: a satellite sync asked to send the browser to an origin that is neither in \
         CLERK_AUTHORIZED_PARTIES nor in CLERK_SATELLITE_ORIGINS; refused (signed out, no redirect). \
         If it is one of your satellites, add its origin to CLERK_SATELLITE_ORIGINS (logged once per origin)"
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn loopback_only_on_development_and_only_without_own_origins() {
        let dev = InstanceType::Development;
        let none = AppOrigins::default();
        for origin in ["http://localhost:8080", "http://127.0.0.2", "http://[::1]:3000"] {
            assert!(none.is_own(origin, dev), "{origin}");
            assert!(!none.is_own(origin, InstanceType::Production), "{origin}");
        }
        for origin in [
            "http://localhost.evil.example",
            "http://10.0.0.1",
            "https://evil.example",
        ] {
            assert!(!none.is_own(origin, dev), "{origin}");
        }
        let configured = AppOrigins::new(["http://app.test"], Vec::<String>::new());
        assert!(!configured.is_own("http://localhost:8080", dev));
        assert!(configured.is_own("http://app.test", dev));
    }

    #[test]
    fn request_origins_are_normalized_and_junk_is_none() {
        assert_eq!(
            normalized("http", "App.Test:80").as_deref(),
            Some("http://app.test")
        );
        assert_eq!(
            normalized("https", "a.test:8443").as_deref(),
            Some("https://a.test:8443")
        );
        assert_eq!(normalized("http", "a.test/x"), None);
        assert_eq!(normalized("http", "user@a.test"), None);
        assert_eq!(normalized("http", ""), None);
    }

    #[test]
    fn warnings_are_bounded() {
        for n in 0..(WARNED_ORIGINS_CAP * 2) {
            warn_refused_once(&format!("https://evil{n}.example"));
        }
        let warned = WARNED_ORIGINS.lock().unwrap();
        assert_eq!(warned.as_ref().map(HashSet::len), Some(WARNED_ORIGINS_CAP));
    }
}
