//! One request, read once (Clerk's `AuthenticateContext`, docs/clerk-behaviour.md §3): the
//! `Authorization` token, the headers the rules look at, Clerk's query parameters and cookies.
//! Every decision of the flow reads this value; none goes back to the request's headers, query or
//! cookies. What most requests never need (the referrer, `Accept`, `__refresh`, the redirect
//! counter, the dev-browser cookie) is read when a rule first asks, at most once; which cookie set
//! is read (`usesSuffixedCookies`) is decided at most once per request.

use std::borrow::Cow;
use std::sync::OnceLock;

use super::authorization::header_token;
use super::js::{js_parse_int, js_string_to_number};
use super::names::{
    COOKIE_REDIRECT_COUNT, DEV_BROWSER, QUERY_HANDSHAKE, QUERY_HANDSHAKE_NONCE, QUERY_REDIRECT_URL,
    QUERY_SYNCED,
};
use super::parts::RequestParts;
use crate::PublishableKey;

pub(super) const SESSION: &str = "__session";
pub(super) const CLIENT_UAT: &str = "__client_uat";
const REFRESH: &str = "__refresh";

/// The cookie names of one instance, suffixed (`__session_<suffix>`), computed once.
#[derive(Debug, Clone)]
pub(super) struct SuffixedNames {
    session: String,
    client_uat: String,
    refresh: String,
    dev_browser: String,
}

impl SuffixedNames {
    pub(super) fn of(key: &PublishableKey) -> Self {
        let suffix = key.cookie_suffix();
        Self {
            session: format!("{SESSION}_{suffix}"),
            client_uat: format!("{CLIENT_UAT}_{suffix}"),
            refresh: format!("{REFRESH}_{suffix}"),
            dev_browser: format!("{DEV_BROWSER}_{suffix}"),
        }
    }
}

/// What Clerk's rules read of one request, read once.
pub(super) struct RequestFacts<'r> {
    /// The request itself: its origin, path, query (for the URLs built from it), client and time.
    pub(super) parts: &'r RequestParts<'r>,
    /// The instance's suffixed cookie names, when it has a publishable key.
    names: Option<&'r SuffixedNames>,
    /// The `Authorization` header's token (§12): when there is one, it alone decides.
    pub(super) header_token: Option<Cow<'r, str>>,
    /// Whether the method is `GET`.
    pub(super) is_get: bool,
    /// `Sec-Fetch-Dest`.
    pub(super) fetch_dest: Option<&'r str>,
    /// Clerk's query parameters.
    pub(super) query: QueryFacts,
    /// Clerk's session cookies, both sets, and the handshake cookies.
    pub(super) cookies: CookieValues<'r>,
    /// `usesSuffixedCookies`, once decided.
    suffixed: OnceLock<bool>,
    /// Read when first asked.
    accept: OnceLock<Option<&'r str>>,
    referrer: OnceLock<Option<&'r str>>,
    refresh: OnceLock<Option<Cow<'r, str>>>,
    redirect_count: OnceLock<f64>,
    /// The chosen set's dev-browser cookie.
    dev_browser: OnceLock<Option<Cow<'r, str>>>,
}

/// Clerk's query parameters of the request (the first of each name, form-decoded, empty kept).
#[derive(Default)]
pub(super) struct QueryFacts {
    /// `__clerk_db_jwt`.
    pub(super) dev_browser: Option<String>,
    /// `__clerk_handshake_nonce`.
    pub(super) handshake_nonce: Option<String>,
    /// `__clerk_handshake`.
    pub(super) handshake_token: Option<String>,
    /// `__clerk_synced`.
    pub(super) synced: Option<String>,
    /// `__clerk_redirect_url`.
    pub(super) redirect_url: Option<String>,
}

impl QueryFacts {
    fn read(query: &str) -> Self {
        let mut facts = Self::default();
        if query.is_empty() {
            return facts;
        }
        for (name, value) in url::form_urlencoded::parse(query.as_bytes()) {
            let slot = match name.as_ref() {
                DEV_BROWSER => &mut facts.dev_browser,
                QUERY_HANDSHAKE_NONCE => &mut facts.handshake_nonce,
                QUERY_HANDSHAKE => &mut facts.handshake_token,
                QUERY_SYNCED => &mut facts.synced,
                QUERY_REDIRECT_URL => &mut facts.redirect_url,
                _ => continue,
            };
            if slot.is_none() {
                *slot = Some(value.into_owned());
            }
        }
        facts
    }
}

/// Clerk's cookies every cookie request reads, decoded, empty ones absent
/// (`getCookie(name) || undefined`). The suffixed ones only when the instance has a publishable
/// key.
pub(super) struct CookieValues<'r> {
    pub(super) session: Option<Cow<'r, str>>,
    pub(super) suffixed_session: Option<Cow<'r, str>>,
    pub(super) client_uat: Option<Cow<'r, str>>,
    pub(super) suffixed_client_uat: Option<Cow<'r, str>>,
    handshake_nonce: Option<Cow<'r, str>>,
    handshake_token: Option<Cow<'r, str>>,
}

impl<'r> CookieValues<'r> {
    fn read(parts: &RequestParts<'r>, names: Option<&SuffixedNames>) -> Self {
        let cookies = &parts.cookies;
        let get = |name: &str| cookies.get_non_empty(name);
        let suffixed = |name: fn(&SuffixedNames) -> &str| names.and_then(|names| get(name(names)));
        Self {
            session: get(SESSION),
            suffixed_session: suffixed(|n| &n.session),
            client_uat: get(CLIENT_UAT),
            suffixed_client_uat: suffixed(|n| &n.client_uat),
            handshake_nonce: get(QUERY_HANDSHAKE_NONCE),
            handshake_token: get(QUERY_HANDSHAKE),
        }
    }
}

/// The cookie set Clerk reads for this request, once `usesSuffixedCookies` has chosen it.
pub(super) struct SessionCookies<'f> {
    /// Whether the suffixed cookies are the ones read.
    pub(super) suffixed: bool,
    /// The chosen `__session` cookie.
    pub(super) session: Option<&'f str>,
    /// The chosen `__client_uat`, as Clerk reads it (`Number.parseInt(value || "") || 0`).
    pub(super) client_uat: f64,
    /// Clerk's `devBrowserToken`: `__clerk_db_jwt` from the query, else the chosen cookie.
    pub(super) dev_browser: Option<&'f str>,
}

impl<'r> RequestFacts<'r> {
    /// Reads `parts` once; `names` are the instance's suffixed cookie names, when it has them.
    pub(super) fn read(parts: &'r RequestParts<'r>, names: Option<&'r SuffixedNames>) -> Self {
        Self {
            parts,
            names,
            header_token: header_token(parts),
            is_get: parts.is_get(),
            fetch_dest: parts.header("sec-fetch-dest"),
            query: QueryFacts::read(parts.query),
            cookies: CookieValues::read(parts, names),
            suffixed: OnceLock::new(),
            accept: OnceLock::new(),
            referrer: OnceLock::new(),
            refresh: OnceLock::new(),
            redirect_count: OnceLock::new(),
            dev_browser: OnceLock::new(),
        }
    }

    /// `Accept`.
    pub(super) fn accept(&self) -> Option<&'r str> {
        *self.accept.get_or_init(|| self.parts.header("accept"))
    }

    /// `Referer`.
    pub(super) fn referrer(&self) -> Option<&'r str> {
        *self.referrer.get_or_init(|| self.parts.header("referer"))
    }

    /// `__refresh_<suffix>` (Clerk reads only the suffixed one).
    pub(super) fn refresh(&self) -> Option<&str> {
        self.refresh
            .get_or_init(|| {
                let names = self.names?;
                self.parts.cookies.get_non_empty(&names.refresh)
            })
            .as_deref()
    }

    /// `__clerk_redirect_count` as Clerk reads it (`Number(value) || 0`).
    pub(super) fn redirect_count(&self) -> f64 {
        *self.redirect_count.get_or_init(|| {
            self.parts
                .cookies
                .get(COOKIE_REDIRECT_COUNT)
                .map(|v| js_string_to_number(&v))
                .filter(|n| !n.is_nan())
                .unwrap_or(0.0)
        })
    }

    /// Whether the request is a GET whose `Sec-Fetch-Dest` is `document`.
    pub(super) fn is_document_get(&self) -> bool {
        self.is_get && self.fetch_dest == Some("document")
    }

    /// The cookie set the request is read with: `usesSuffixedCookies` decided by `choose` the
    /// first time it is asked, the same set every time after.
    pub(super) fn session_cookies(&self, choose: impl FnOnce() -> bool) -> SessionCookies<'_> {
        let suffixed = *self.suffixed.get_or_init(choose);
        let cookies = &self.cookies;
        let (session, client_uat) = if suffixed {
            (&cookies.suffixed_session, &cookies.suffixed_client_uat)
        } else {
            (&cookies.session, &cookies.client_uat)
        };
        let dev_browser = self.dev_browser.get_or_init(|| match (suffixed, self.names) {
            (true, Some(names)) => self.parts.cookies.get_non_empty(&names.dev_browser),
            _ => self.parts.cookies.get_non_empty(DEV_BROWSER),
        });
        SessionCookies {
            suffixed,
            session: session.as_deref(),
            // `Number.parseInt(value || "") || 0`: NaN and -0 become 0.
            client_uat: client_uat
                .as_deref()
                .map(js_parse_int)
                .filter(|n| !n.is_nan() && *n != 0.0)
                .unwrap_or(0.0),
            dev_browser: self
                .query
                .dev_browser
                .as_deref()
                .filter(|v| !v.is_empty())
                .or(dev_browser.as_deref()),
        }
    }

    /// The handshake nonce and token: the query parameter, else the cookie (empty is absent).
    pub(super) fn handshake(&self) -> (Option<&str>, Option<&str>) {
        fn either<'a>(query: &'a Option<String>, cookie: &'a Option<Cow<'_, str>>) -> Option<&'a str> {
            query.as_deref().filter(|v| !v.is_empty()).or(cookie.as_deref())
        }
        (
            either(&self.query.handshake_nonce, &self.cookies.handshake_nonce),
            either(&self.query.handshake_token, &self.cookies.handshake_token),
        )
    }
}

#[cfg(test)]
mod tests {
    use std::time::SystemTime;

    use super::*;
    use crate::request::{Cookies, HeaderLookup, RequestOrigin};
    use crate::InstanceType;

    struct NoHeaders;
    impl HeaderLookup for NoHeaders {
        fn header(&self, _name: &str) -> Option<&[u8]> {
            None
        }
    }

    #[test]
    fn the_request_is_read_once_with_clerks_precedences() {
        let key = PublishableKey::from_host("happy-hippo-42.clerk.accounts.dev", InstanceType::Development);
        let names = SuffixedNames::of(&key);
        let suffix = key.cookie_suffix();
        let cookie = format!(
            "__session=plain; __session_{suffix}=suffixed; __client_uat=12; __client_uat_{suffix}=x; \
             __clerk_db_jwt=cookie_db; __clerk_handshake_nonce=cookie_nonce; __clerk_handshake=; \
             __refresh=plain_refresh; __refresh_{suffix}=refresh; __clerk_redirect_count=2"
        );
        let origin = RequestOrigin {
            scheme: "http",
            host: "localhost",
        };
        let query = "__clerk_db_jwt=&__clerk_handshake_nonce=&__clerk_synced=false&__clerk_synced=true";
        let parts = RequestParts::new(
            "GET",
            &NoHeaders,
            Cookies::parse(&cookie),
            query,
            origin,
            SystemTime::now(),
        );
        let facts = RequestFacts::read(&parts, Some(&names));
        let suffixed = RequestFacts::read(&parts, Some(&names));

        // The first of each query parameter, an empty one kept (it is present).
        assert_eq!(facts.query.synced.as_deref(), Some("false"));
        assert_eq!(facts.query.dev_browser.as_deref(), Some(""));
        // An empty query parameter gives way to the cookie; an empty cookie is absent.
        assert_eq!(facts.handshake(), (Some("cookie_nonce"), None));
        assert_eq!(facts.redirect_count(), 2.0);
        // Only the suffixed `__refresh` is Clerk's.
        assert_eq!(facts.refresh(), Some("refresh"));

        let plain = facts.session_cookies(|| false);
        assert_eq!((plain.session, plain.client_uat), (Some("plain"), 12.0));
        assert_eq!(plain.dev_browser, Some("cookie_db"));
        // The cookie set is chosen once: a second choice is not made.
        assert!(!facts.session_cookies(|| true).suffixed);

        let suffixed = suffixed.session_cookies(|| true);
        // `Number.parseInt("x") || 0`; no suffixed dev-browser cookie.
        assert_eq!((suffixed.session, suffixed.client_uat), (Some("suffixed"), 0.0));
        assert_eq!(suffixed.dev_browser, None);
    }
}
