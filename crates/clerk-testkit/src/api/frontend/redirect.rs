//! Where the sign-in and sign-out pages send the browser afterwards: the `redirect_url` of
//! their query strings and forms. Like Clerk, the emulator only sends a browser to an
//! allowed origin ([`AllowedOrigins`]) or a path of the page's own origin; any other http(s)
//! URL leaves the browser on the emulator's own page, and an absolute URL with another scheme
//! (`javascript:`, `data:`) is a 400.

use url::{ParseError, Position, Url};

use crate::allowed_origins::AllowedOrigins;
use crate::api::frontend::pages::escape;

/// A place the browser may be sent to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Redirect {
    /// An absolute http(s) URL at an allowed origin.
    Absolute(Url),
    /// A path of the page's own origin, normalized (`/profile?tab=1`).
    Path(String),
}

impl Redirect {
    /// The `Location` header (and the hidden `redirect_url` field carrying it on).
    pub(crate) fn location(&self) -> &str {
        match self {
            Self::Absolute(url) => url.as_str(),
            Self::Path(path) => path,
        }
    }
}

/// What a `redirect_url` comes to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Target {
    /// None given (absent or empty): the emulator's own page.
    Stay,
    /// Send the browser there.
    Go(Redirect),
    /// An http(s) URL at an origin that is not allowed, or a relative reference that is not a
    /// plain path (`//host/`, `profile`): the emulator's own page, saying why. Holds the text.
    Refused(String),
}

impl Target {
    /// Where to go, if anywhere.
    pub(crate) fn redirect(&self) -> Option<&Redirect> {
        match self {
            Self::Go(redirect) => Some(redirect),
            Self::Stay | Self::Refused(_) => None,
        }
    }

    /// The hidden form field carrying the target on to the `POST`, when there is one.
    pub(crate) fn hidden_field(&self) -> String {
        self.redirect()
            .map(|redirect| {
                format!(
                    "<input type=\"hidden\" name=\"redirect_url\" value=\"{}\">\n",
                    escape(redirect.location())
                )
            })
            .unwrap_or_default()
    }

    /// A note saying why the browser stays here, for a refused target.
    pub(crate) fn refusal_note(&self) -> String {
        match self {
            Self::Refused(text) => format!(
                "<p class=\"note\" role=\"status\">You will stay here, not go to {}: redirect_url must \
                 be a path or a URL on localhost, 127.0.0.1, [::1] or an allowed origin \
                 (<code>--allowed-origin</code>).</p>\n",
                escape(text)
            ),
            Self::Stay | Self::Go(_) => String::new(),
        }
    }
}

/// A `redirect_url` that is an absolute URL with a scheme other than http(s), or malformed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct BadRedirect;

/// What `redirect_url` (a query or form field) comes to under `allowed`.
pub(crate) fn target(value: Option<&String>, allowed: &AllowedOrigins) -> Result<Target, BadRedirect> {
    let Some(value) = value.map(String::as_str).filter(|v| !v.is_empty()) else {
        return Ok(Target::Stay);
    };
    match Url::parse(value) {
        Ok(url) if matches!(url.scheme(), "http" | "https") => Ok(if allowed.allows(&url) {
            Target::Go(Redirect::Absolute(url))
        } else {
            Target::Refused(url.into())
        }),
        Ok(_) => Err(BadRedirect),
        Err(ParseError::RelativeUrlWithoutBase) => Ok(match same_origin_path(value) {
            Some(path) => Target::Go(Redirect::Path(path)),
            None => Target::Refused(value.to_owned()),
        }),
        Err(_) => Err(BadRedirect),
    }
}

/// `value` normalized when it is a path (`/…`) that stays on the page's origin wherever the
/// page is: not `//host`, nor `/\host`, nor a path that a browser's URL parser turns into one
/// (tabs and newlines are dropped, backslashes are slashes).
fn same_origin_path(value: &str) -> Option<String> {
    if !value.starts_with('/') || value.starts_with("//") || value.starts_with("/\\") {
        return None;
    }
    let base = Url::parse("http://relative.invalid/").ok()?;
    let url = base.join(value).ok()?;
    // Dot segments can leave a path that starts with `//` (`/.//host`, `/x/..//host`): sent
    // back as `Location`, that is another host to a browser.
    if url.origin() != base.origin() || url.path().starts_with("//") {
        return None;
    }
    Some(url[Position::BeforePath..].to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn of(value: &str) -> Result<Target, BadRedirect> {
        let allowed = AllowedOrigins::new(["https://app.example.com"]).expect("origin");
        target(Some(&value.to_owned()), &allowed)
    }

    fn go(value: &str) -> Option<String> {
        match of(value) {
            Ok(Target::Go(redirect)) => Some(redirect.location().to_owned()),
            _ => None,
        }
    }

    #[test]
    fn absent_or_empty_stays() {
        assert_eq!(target(None, &AllowedOrigins::default()), Ok(Target::Stay));
        assert_eq!(of(""), Ok(Target::Stay));
    }

    #[test]
    fn loopback_allowed_origins_and_paths_go() {
        for (value, location) in [
            (
                "http://127.0.0.1:8080/profile?a=1",
                "http://127.0.0.1:8080/profile?a=1",
            ),
            ("http://localhost:3000", "http://localhost:3000/"),
            ("http://[::1]:9/x", "http://[::1]:9/x"),
            (
                "https://app.example.com/page#top",
                "https://app.example.com/page#top",
            ),
            ("/profile?tab=1#x", "/profile?tab=1#x"),
            ("/a b/<c>", "/a%20b/%3Cc%3E"),
            ("/", "/"),
        ] {
            assert_eq!(go(value).as_deref(), Some(location), "{value}");
        }
    }

    #[test]
    fn other_origins_and_tricky_relative_references_are_refused() {
        for value in [
            "https://evil.example/",
            "http://app.example.com/",
            "https://app.example.com.evil.example/",
            "http://localhost@evil.example/",
            "//evil.example/x",
            "/\\evil.example/x",
            "/\t/evil.example/x",
            "/\n/evil.example/x",
            "\\\\evil.example/x",
            "profile",
            "http//x",
            " /profile",
            "/.//evil.example",
            "/..//evil.example",
            "/%2e//evil.example",
            "/.\\/evil.example",
            "/x/..//evil.example",
        ] {
            assert!(
                matches!(of(value), Ok(Target::Refused(_))),
                "{value:?}: {:?}",
                of(value)
            );
        }
    }

    #[test]
    fn other_schemes_are_bad_requests() {
        for value in [
            "javascript:alert(1)",
            "JavaScript:alert(1)",
            " javascript:alert(1)",
            "data:text/html,x",
            "ftp://localhost/",
            "mailto:a@example.com",
            "http://",
        ] {
            assert_eq!(of(value), Err(BadRedirect), "{value:?}");
        }
    }

    #[test]
    fn the_form_field_and_note_escape_the_text() {
        let go = of("/p?a=\"1\"&b=<2>").expect("target");
        assert_eq!(
            go.hidden_field(),
            "<input type=\"hidden\" name=\"redirect_url\" value=\"/p?a=%221%22&amp;b=%3C2%3E\">\n"
        );
        let refused = of("https://evil.example/\"><script>").expect("target");
        assert!(refused.hidden_field().is_empty());
        assert!(refused
            .refusal_note()
            .contains("https://evil.example/%22%3E%3Cscript%3E"));
        assert!(!refused.refusal_note().contains("<script>"));
        // A refused relative reference is echoed as given: only the escaping protects it.
        let raw = of("//x/\"><img src=x onerror=alert(1)>").expect("target");
        assert!(raw.hidden_field().is_empty());
        let note = raw.refusal_note();
        assert!(
            note.contains("//x/&quot;&gt;&lt;img src=x onerror=alert(1)&gt;"),
            "{note}"
        );
        assert!(!note.contains("<img"), "{note}");
    }
}
