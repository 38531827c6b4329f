//! Clerk's sign-in and sign-up redirects (`createRedirect(…).redirectToSignIn` /
//! `redirectToSignUp` in @clerk/backend): the page with `redirect_url`, `/tasks` for a pending
//! session, a satellite's request to sync and a development instance's dev browser on a
//! cross-origin page (docs/clerk-behaviour.md §7, §8, §13).

use url::Url;

use super::authenticator::RequestAuthenticator;
use super::handshake::set_query_param;
use super::names::{query_without_credentials, DEV_BROWSER, QUERY_SYNCED};
use super::parts::RequestParts;
use crate::verify::KeyResolver;
use crate::{InstanceType, PublishableKey};

/// Where Clerk's sign-in or sign-up page sends the user back to (`returnBackUrl` of
/// `redirectToSignIn` / `redirectToSignUp`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ReturnBackUrl<'a> {
    /// This request's URL (Clerk's default, `returnBackUrl` left out or empty).
    #[default]
    ThisRequest,
    /// This URL: absolute, or resolved against the request's URL as `new URL(url, base)` does.
    Url(&'a str),
    /// No `redirect_url` at all (Clerk's `returnBackUrl: null`).
    Omitted,
}

/// What Clerk's `buildUrl` is given.
#[derive(Debug, Clone, Copy)]
pub(crate) struct SignInTarget<'a> {
    /// The request's URL: the base the page and a relative return URL are resolved on, and the
    /// origin a cross-origin page is told from.
    pub(crate) base: &'a str,
    /// The page: an absolute URL or a path.
    pub(crate) sign_in_url: &'a str,
    /// Where to come back to after signing in (absolute, or relative to `base`); `None`: no
    /// `redirect_url`.
    pub(crate) return_back: Option<&'a str>,
    /// The dev-browser token to carry to a cross-origin page (development instances only).
    pub(crate) dev_browser: Option<&'a str>,
    /// Whether this application is a satellite.
    pub(crate) satellite: bool,
    /// Whether the session is pending (the page's `/tasks`).
    pub(crate) pending: bool,
}

/// Clerk's `buildUrl`: the page (`/tasks` under it for a pending session) with `redirect_url`
/// set to the return URL; on a cross-origin page (host and port differ from the request's) the
/// return URL of a satellite asks for a sync (`__clerk_synced=false`) and the dev browser goes
/// along. Parameters are set as `URLSearchParams.set` does (an earlier one of the same name is
/// replaced). `None` when a URL does not parse.
///
/// Unlike Clerk's `${url}/tasks`, `/tasks` goes on the path (a sign-in URL with a query keeps
/// it) and a trailing `/` is not doubled.
pub(crate) fn build_sign_in_url(target: &SignInTarget<'_>) -> Option<String> {
    let here = Url::parse(target.base).ok()?;
    let mut url = here.join(target.sign_in_url).ok()?;
    if target.pending {
        let tasks = format!("{}/tasks", url.path().trim_end_matches('/'));
        url.set_path(&tasks);
    }
    let cross_origin = (url.host_str(), url.port()) != (here.host_str(), here.port());
    if let Some(return_back) = target.return_back {
        let mut return_back = here.join(return_back).ok()?;
        if cross_origin && target.satellite {
            set_query_param(&mut return_back, QUERY_SYNCED, "false");
        }
        set_query_param(&mut url, "redirect_url", return_back.as_str());
    }
    if cross_origin {
        if let Some(token) = target.dev_browser.filter(|token| !token.is_empty()) {
            set_query_param(&mut url, DEV_BROWSER, token);
        }
    }
    Some(url.into())
}

/// Clerk's default sign-in page when the application configures none: the Account Portal's
/// `/sign-in` of the publishable key's instance ([`PublishableKey::account_portal_origin`]).
///
/// ```
/// use clerk_core::request::account_portal_sign_in;
/// use clerk_core::PublishableKey;
///
/// let key = PublishableKey::parse("pk_live_Y2xlcmsuZXhhbXBsZS5jb20k")?;
/// assert_eq!(account_portal_sign_in(&key), "https://accounts.example.com/sign-in");
/// # Ok::<(), clerk_core::Error>(())
/// ```
pub fn account_portal_sign_in(publishable_key: &PublishableKey) -> String {
    format!("{}/sign-in", publishable_key.account_portal_origin())
}

/// Clerk's sign-up page (`redirectToSignUp`'s target): the sign-up URL, else the sign-in
/// URL's path with `/create` appended (resolved against `base`, the request's URL), else the
/// Account Portal's `/sign-up` of the publishable key's instance
/// ([`PublishableKey::account_portal_origin`]). `None` when none is known or the sign-in URL
/// does not resolve.
///
/// `sign_in_url` is the one the application configured, not the Account Portal's.
///
/// # Examples
///
/// ```
/// use clerk_core::request::sign_up_target;
/// use clerk_core::PublishableKey;
///
/// let base = "https://app.example.com/dashboard";
/// assert_eq!(sign_up_target(Some("/join"), Some("/sign-in"), None, base).as_deref(), Some("/join"));
/// assert_eq!(
///     sign_up_target(None, Some("/sign-in"), None, base).as_deref(),
///     Some("https://app.example.com/sign-in/create")
/// );
/// let key = PublishableKey::parse("pk_live_Y2xlcmsuZXhhbXBsZS5jb20k")?;
/// assert_eq!(
///     sign_up_target(None, None, Some(&key), base).as_deref(),
///     Some("https://accounts.example.com/sign-up")
/// );
/// # Ok::<(), clerk_core::Error>(())
/// ```
pub fn sign_up_target(
    sign_up_url: Option<&str>,
    sign_in_url: Option<&str>,
    publishable_key: Option<&PublishableKey>,
    base: &str,
) -> Option<String> {
    fn non_empty(url: Option<&str>) -> Option<&str> {
        url.filter(|url| !url.is_empty())
    }
    if let Some(url) = non_empty(sign_up_url) {
        return Some(url.to_owned());
    }
    if let Some(sign_in) = non_empty(sign_in_url) {
        let mut url = Url::parse(base).ok()?.join(sign_in).ok()?;
        let path = format!("{}/create", url.path());
        url.set_path(&path);
        return Some(url.into());
    }
    publishable_key.map(|key| format!("{}/sign-up", key.account_portal_origin()))
}

impl RequestAuthenticator {
    /// Clerk's `redirectToSignIn` for this request: `sign_in_url` (absolute, or a path on the
    /// request's origin) with `redirect_url` = this request's URL, `/tasks` appended for a
    /// `pending` session; [`redirect_url`](Self::redirect_url) with
    /// [`ReturnBackUrl::ThisRequest`].
    ///
    /// `keys` is the key source the request is authenticated with: which cookie set is read can
    /// depend on a remembered verification.
    pub fn sign_in_redirect<K: KeyResolver>(
        &self,
        sign_in_url: &str,
        parts: &RequestParts<'_>,
        keys: &K,
        pending: bool,
    ) -> Option<String> {
        self.redirect_url(sign_in_url, ReturnBackUrl::ThisRequest, parts, keys, pending)
    }

    /// Clerk's `createRedirect` for this request: `page` (Clerk's sign-in or sign-up page, see
    /// [`sign_up_target`]; absolute, or resolved against the request's URL), `/tasks` appended
    /// for a `pending` session, with `redirect_url` per `return_back`. A cross-origin page gets
    /// the request's dev-browser token on a development instance (Clerk's `devBrowserToken`: the
    /// query parameter, else the cookie of the cookie set the request is read with), and a
    /// satellite's return URL asks for a sync.
    ///
    /// The request's URL loses Clerk's credential parameters
    /// ([`CREDENTIAL_QUERY_PARAMS`](super::names::CREDENTIAL_QUERY_PARAMS)), so no token travels
    /// on in the redirect. `None` when the request's origin, the page or the return URL does
    /// not parse.
    pub fn redirect_url<K: KeyResolver>(
        &self,
        page: &str,
        return_back: ReturnBackUrl<'_>,
        parts: &RequestParts<'_>,
        keys: &K,
        pending: bool,
    ) -> Option<String> {
        let request_url = request_url(parts);
        let return_back = match return_back {
            ReturnBackUrl::ThisRequest | ReturnBackUrl::Url("") => Some(request_url.as_str()),
            ReturnBackUrl::Url(url) => Some(url),
            ReturnBackUrl::Omitted => None,
        };
        let dev_browser = (self.instance_type == InstanceType::Development)
            .then(|| {
                let facts = self.read(parts);
                let cookies = self.chosen_cookies(&facts, keys);
                cookies.dev_browser.map(str::to_owned)
            })
            .flatten();
        build_sign_in_url(&SignInTarget {
            base: &request_url,
            sign_in_url: page,
            return_back,
            dev_browser: dev_browser.as_deref(),
            satellite: self.domain.is_satellite(),
            pending,
        })
    }
}

/// The request's URL without Clerk's credential parameters.
pub(crate) fn request_url(parts: &RequestParts<'_>) -> String {
    let origin = parts.origin.serialize();
    let query = query_without_credentials(parts.query);
    if query.is_empty() {
        format!("{origin}{}", parts.path)
    } else {
        format!("{origin}{}?{query}", parts.path)
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;
    use std::time::SystemTime;

    use super::*;
    use crate::jwk::VerifyingKey;
    use crate::request::{Cookies, HeaderLookup, MultiDomain, RequestOrigin};
    use crate::verify::StaticKey;
    use crate::{JwtVerifier, PublishableKey};

    const ORIGIN: &str = "http://localhost:3000";

    fn target<'a>(sign_in_url: &'a str, return_back: &'a str) -> SignInTarget<'a> {
        SignInTarget {
            base: ORIGIN,
            sign_in_url,
            return_back: Some(return_back),
            dev_browser: None,
            satellite: false,
            pending: false,
        }
    }

    #[test]
    fn a_cross_origin_page_gets_redirect_url_and_the_dev_browser() {
        let url = build_sign_in_url(&SignInTarget {
            dev_browser: Some("dvb_1"),
            ..target(
                "https://happy-hippo-42.accounts.dev/sign-in",
                "http://localhost:3000/p?a=1",
            )
        });
        assert_eq!(
            url.as_deref(),
            Some(
                "https://happy-hippo-42.accounts.dev/sign-in?redirect_url=http%3A%2F%2Flocalhost%3A3000%2Fp%3Fa%3D1&__clerk_db_jwt=dvb_1"
            )
        );
    }

    #[test]
    fn a_same_origin_page_gets_no_dev_browser_and_no_sync() {
        // Clerk compares host and port only: a relative path is this origin.
        let url = build_sign_in_url(&SignInTarget {
            dev_browser: Some("dvb_1"),
            satellite: true,
            ..target("/sign-in", "http://localhost:3000/p")
        });
        assert_eq!(
            url.as_deref(),
            Some("http://localhost:3000/sign-in?redirect_url=http%3A%2F%2Flocalhost%3A3000%2Fp")
        );
        // Another port is another origin.
        let url = build_sign_in_url(&SignInTarget {
            dev_browser: Some("dvb_1"),
            ..target("http://localhost:4000/sign-in", "http://localhost:3000/p")
        })
        .unwrap();
        assert!(url.ends_with("&__clerk_db_jwt=dvb_1"), "{url}");
    }

    #[test]
    fn a_satellites_cross_origin_return_url_asks_for_a_sync() {
        let url = build_sign_in_url(&SignInTarget {
            satellite: true,
            ..target(
                "https://primary.example.com/sign-in",
                "https://sat.example.com/p?__clerk_synced=true",
            )
        });
        assert_eq!(
            url.as_deref(),
            Some(
                "https://primary.example.com/sign-in?redirect_url=https%3A%2F%2Fsat.example.com%2Fp%3F__clerk_synced%3Dfalse"
            )
        );
    }

    #[test]
    fn an_existing_query_on_the_sign_in_url_is_kept_and_its_redirect_url_replaced() {
        // `URLSearchParams.set`: the sign-in URL's own `redirect_url` gives way, other pairs stay.
        let url = build_sign_in_url(&target(
            "https://accounts.example.com/sign-in?lang=fr&redirect_url=https%3A%2F%2Fold.example",
            "http://localhost:3000/",
        ));
        assert_eq!(
            url.as_deref(),
            Some(
                "https://accounts.example.com/sign-in?lang=fr&redirect_url=http%3A%2F%2Flocalhost%3A3000%2F"
            )
        );
    }

    #[test]
    fn a_pending_session_goes_to_the_tasks_page() {
        let url = build_sign_in_url(&SignInTarget {
            pending: true,
            ..target(
                "https://accounts.example.com/sign-in/?lang=fr",
                "http://localhost:3000/",
            )
        });
        assert_eq!(
            url.as_deref(),
            Some("https://accounts.example.com/sign-in/tasks?lang=fr&redirect_url=http%3A%2F%2Flocalhost%3A3000%2F")
        );
    }

    #[test]
    fn urls_that_do_not_parse_give_none() {
        assert_eq!(build_sign_in_url(&target("/sign-in", "http://[")), None);
        assert_eq!(
            build_sign_in_url(&SignInTarget {
                base: "http://",
                ..target("/sign-in", "http://localhost:3000/")
            }),
            None
        );
    }

    struct NoHeaders;
    impl HeaderLookup for NoHeaders {
        fn header(&self, _name: &str) -> Option<&[u8]> {
            None
        }
    }

    fn keys() -> StaticKey {
        let pem = include_str!(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/fixtures/test_signing_key.public.pem"
        ));
        StaticKey(Arc::new(VerifyingKey::from_pem(pem).unwrap()))
    }

    /// `pk_test_` / `pk_live_` keys of `happy-hippo-42.clerk.accounts.dev`.
    fn key(prefix: &str) -> PublishableKey {
        use base64::Engine as _;
        let encoded = base64::engine::general_purpose::STANDARD.encode("happy-hippo-42.clerk.accounts.dev$");
        PublishableKey::parse(&format!("{prefix}{encoded}")).unwrap()
    }

    fn redirect(authenticator: &RequestAuthenticator, cookies: &str, query: &str) -> Option<String> {
        let origin = RequestOrigin {
            scheme: "http",
            host: "localhost:3000",
        };
        let parts = RequestParts::new(
            "GET",
            &NoHeaders,
            Cookies::parse(cookies),
            query,
            origin,
            SystemTime::now(),
        )
        .with_path("/dashboard");
        authenticator.sign_in_redirect(
            "https://happy-hippo-42.accounts.dev/sign-in",
            &parts,
            &keys(),
            false,
        )
    }

    #[test]
    fn a_development_instance_carries_its_dev_browser_and_drops_credentials_from_the_return_url() {
        let authenticator =
            RequestAuthenticator::new(JwtVerifier::new()).publishable_key(Some(key("pk_test_")));
        // From the cookie…
        assert_eq!(
            redirect(&authenticator, "__clerk_db_jwt=dvb_cookie", "tab=1").as_deref(),
            Some(
                "https://happy-hippo-42.accounts.dev/sign-in?redirect_url=http%3A%2F%2Flocalhost%3A3000%2Fdashboard%3Ftab%3D1&__clerk_db_jwt=dvb_cookie"
            )
        );
        // …the query parameter first, and it does not stay in the return URL.
        assert_eq!(
            redirect(&authenticator, "__clerk_db_jwt=dvb_cookie", "__clerk_db_jwt=dvb_query").as_deref(),
            Some(
                "https://happy-hippo-42.accounts.dev/sign-in?redirect_url=http%3A%2F%2Flocalhost%3A3000%2Fdashboard&__clerk_db_jwt=dvb_query"
            )
        );
    }

    #[test]
    fn the_dev_browser_cookie_is_read_from_the_cookie_set_clerk_reads() {
        // Clerk's `getSuffixedOrUnSuffixedCookie`: a suffixed `__client_uat` makes the suffixed
        // cookies the ones read, so the suffixed dev browser wins over the plain one.
        let pk = key("pk_test_");
        let suffix = pk.cookie_suffix();
        let authenticator = RequestAuthenticator::new(JwtVerifier::new()).publishable_key(Some(pk));
        let both = format!("__clerk_db_jwt=dvb_plain; __clerk_db_jwt_{suffix}=dvb_suffixed");
        let url = redirect(&authenticator, &format!("{both}; __client_uat_{suffix}=1"), "").unwrap();
        assert!(url.ends_with("&__clerk_db_jwt=dvb_suffixed"), "{url}");
        // Without suffixed session cookies the plain set is read.
        let url = redirect(&authenticator, &both, "").unwrap();
        assert!(url.ends_with("&__clerk_db_jwt=dvb_plain"), "{url}");
    }

    #[test]
    fn a_production_instance_never_carries_a_dev_browser() {
        let authenticator =
            RequestAuthenticator::new(JwtVerifier::new()).publishable_key(Some(key("pk_live_")));
        assert_eq!(
            redirect(&authenticator, "__clerk_db_jwt=dvb_cookie", "__clerk_db_jwt=dvb_query").as_deref(),
            Some("https://happy-hippo-42.accounts.dev/sign-in?redirect_url=http%3A%2F%2Flocalhost%3A3000%2Fdashboard")
        );
    }

    #[test]
    fn a_satellite_is_read_from_the_multi_domain_settings() {
        let domain = MultiDomain::new()
            .domain("sat.example.com")
            .unwrap()
            .satellite(true)
            .sign_in_url("https://happy-hippo-42.accounts.dev/sign-in")
            .unwrap();
        let authenticator = RequestAuthenticator::new(JwtVerifier::new())
            .publishable_key(Some(key("pk_live_")))
            .multi_domain(domain);
        assert_eq!(
            redirect(&authenticator, "", "").as_deref(),
            Some(
                "https://happy-hippo-42.accounts.dev/sign-in?redirect_url=http%3A%2F%2Flocalhost%3A3000%2Fdashboard%3F__clerk_synced%3Dfalse"
            )
        );
    }

    /// Issue 25, review low (b): the Account Portal fallback of the sign-up page is picked here,
    /// from the publishable key, not by each adapter.
    #[test]
    fn the_sign_up_page_falls_back_to_the_keys_account_portal() {
        let base = "https://app.example.com/dashboard";
        let dev = PublishableKey::parse("pk_test_aGFwcHktaGlwcG8tNDIuY2xlcmsuYWNjb3VudHMuZGV2JA").unwrap();
        assert_eq!(
            sign_up_target(None, None, Some(&dev), base).as_deref(),
            Some("https://happy-hippo-42.accounts.dev/sign-up")
        );
        assert_eq!(
            sign_up_target(Some(""), Some(""), Some(&dev), base).as_deref(),
            Some("https://happy-hippo-42.accounts.dev/sign-up"),
            "empty URLs are not configured"
        );
        assert_eq!(
            sign_up_target(None, Some("/sign-in"), Some(&dev), base).as_deref(),
            Some("https://app.example.com/sign-in/create")
        );
        assert_eq!(sign_up_target(None, None, None, base), None);
    }
}
