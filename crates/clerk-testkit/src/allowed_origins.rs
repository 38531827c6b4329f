//! The origins the sign-in and sign-out pages may send a browser back to, as Clerk only sends
//! one back to its instance's allowed origins: loopback ones (`localhost`, `127.0.0.1`,
//! `[::1]`, any port, http or https) always, and those the emulator is configured with
//! ([`crate::TestClerkBuilder::allowed_origin`], `serve --allowed-origin`).

use std::net::{Ipv4Addr, Ipv6Addr};

use url::{Host, Url};

use crate::error::{Error, Result};

/// The configured origins, each as `scheme://host[:port]` (the URL standard's ASCII
/// serialization: lowercase, punycode, no default port).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct AllowedOrigins {
    origins: Vec<String>,
}

impl AllowedOrigins {
    /// The loopback origins and these.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidParam`] (`allowed_origin`) for a text that is not a bare http(s) origin
    /// (`https://app.example.com`, `http://10.0.0.5:8080`; a trailing `/` is tolerated).
    pub(crate) fn new<S: AsRef<str>>(origins: impl IntoIterator<Item = S>) -> Result<Self> {
        let mut parsed: Vec<String> = Vec::new();
        for origin in origins {
            let origin = parse_origin(origin.as_ref())?;
            if !parsed.contains(&origin) {
                parsed.push(origin);
            }
        }
        Ok(Self { origins: parsed })
    }

    /// Whether a browser may be sent to `url`: an http(s) URL on a loopback host or at one of
    /// the configured origins.
    pub(crate) fn allows(&self, url: &Url) -> bool {
        matches!(url.scheme(), "http" | "https")
            && (is_loopback(url) || self.origins.contains(&url.origin().ascii_serialization()))
    }
}

/// `localhost`, `127.0.0.1` or `[::1]`.
fn is_loopback(url: &Url) -> bool {
    match url.host() {
        Some(Host::Domain(domain)) => domain == "localhost",
        Some(Host::Ipv4(ip)) => ip == Ipv4Addr::LOCALHOST,
        Some(Host::Ipv6(ip)) => ip == Ipv6Addr::LOCALHOST,
        None => false,
    }
}

/// A bare http(s) origin, serialized.
fn parse_origin(text: &str) -> Result<String> {
    let invalid = || Error::InvalidParam {
        param: "allowed_origin".to_owned(),
        reason: format!("{text} is not an http(s) origin such as https://app.example.com"),
    };
    let url = Url::parse(text.trim()).map_err(|_| invalid())?;
    let bare = matches!(url.scheme(), "http" | "https")
        && url.host().is_some()
        && url.username().is_empty()
        && url.password().is_none()
        && url.path() == "/"
        && url.query().is_none()
        && url.fragment().is_none();
    if bare {
        Ok(url.origin().ascii_serialization())
    } else {
        Err(invalid())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn allows(origins: &AllowedOrigins, url: &str) -> bool {
        origins.allows(&Url::parse(url).expect("a URL"))
    }

    #[test]
    fn loopback_hosts_are_always_allowed() {
        let none = AllowedOrigins::default();
        for url in [
            "http://localhost:3000/profile",
            "https://LOCALHOST/",
            "http://127.0.0.1:9/x?y=1",
            "http://[::1]:8080/",
        ] {
            assert!(allows(&none, url), "{url}");
        }
        for url in [
            "http://localhost.evil.example/",
            "http://evil.example/?localhost",
            "http://localhost@evil.example/",
            "http://127.0.0.2/",
            "http://10.0.0.1/",
            "ftp://localhost/",
        ] {
            assert!(!allows(&none, url), "{url}");
        }
    }

    #[test]
    fn configured_origins_match_scheme_host_and_port() {
        let origins =
            AllowedOrigins::new(["https://App.Example.com/", "http://10.0.0.5:8080"]).expect("origins");
        assert!(allows(&origins, "https://app.example.com/page?x=1"));
        assert!(allows(&origins, "https://app.example.com:443/"));
        assert!(allows(&origins, "http://10.0.0.5:8080/"));
        assert!(!allows(&origins, "http://app.example.com/"));
        assert!(!allows(&origins, "https://app.example.com:8443/"));
        assert!(!allows(&origins, "https://evil.app.example.com/"));
        assert!(!allows(&origins, "http://10.0.0.5/"));
    }

    #[test]
    fn only_bare_origins_are_accepted() {
        for bad in [
            "app.example.com",
            "https://app.example.com/path",
            "https://app.example.com/?q",
            "https://user@app.example.com",
            "javascript:alert(1)",
            "ftp://app.example.com",
            "",
        ] {
            assert!(AllowedOrigins::new([bad]).is_err(), "{bad}");
        }
    }
}
