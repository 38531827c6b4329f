//! Clerk's names for the query parameters of request authentication and for the dev-browser
//! cookie, written once for every crate that builds, reads or redacts such URLs.

/// `__clerk_handshake`: the handshake token a browser brings back from the Frontend API.
pub const QUERY_HANDSHAKE: &str = "__clerk_handshake";
/// `__clerk_handshake_nonce`: the nonce that stands for a handshake token.
pub const QUERY_HANDSHAKE_NONCE: &str = "__clerk_handshake_nonce";
/// `__clerk_help`: asks the Frontend API for its handshake debug page.
pub const QUERY_HANDSHAKE_HELP: &str = "__clerk_help";
/// `__clerk_db_jwt`: a development instance's dev-browser token, as a query parameter and as a
/// cookie (suffixed `__clerk_db_jwt_<suffix>` too).
pub const DEV_BROWSER: &str = "__clerk_db_jwt";
/// `__dev_session`: the dev-browser token's legacy query name.
pub const QUERY_LEGACY_DEV_BROWSER: &str = "__dev_session";

/// `__clerk_synced`: a satellite's return URL says whether it has synced with the primary domain.
pub(crate) const QUERY_SYNCED: &str = "__clerk_synced";
/// `__clerk_redirect_url`: where the primary domain sends a satellite's browser back to.
pub(crate) const QUERY_REDIRECT_URL: &str = "__clerk_redirect_url";
/// `__clerk_redirect_count`: the cookie counting handshake redirects.
pub(crate) const COOKIE_REDIRECT_COUNT: &str = "__clerk_redirect_count";

/// The query parameters through which Clerk hands a browser credentials: the handshake token
/// and nonce, the dev-browser token (and its legacy name), and the handshake help flag. A URL
/// built for a redirect or a log leaves them out.
pub const CREDENTIAL_QUERY_PARAMS: [&str; 5] = [
    QUERY_HANDSHAKE,
    QUERY_HANDSHAKE_NONCE,
    DEV_BROWSER,
    QUERY_LEGACY_DEV_BROWSER,
    QUERY_HANDSHAKE_HELP,
];

/// `query` (without `?`) without Clerk's [`CREDENTIAL_QUERY_PARAMS`] (keys compared
/// percent-decoded); every other pair is kept byte for byte, in order. For URLs built for a
/// redirect or shown in a log.
///
/// # Examples
///
/// ```
/// use clerk_core::request::names::query_without_credentials;
///
/// assert_eq!(query_without_credentials("a=1&__clerk_handshake=eyJx&b=2"), "a=1&b=2");
/// ```
pub fn query_without_credentials(query: &str) -> String {
    query
        .split('&')
        .filter(|pair| {
            let key = url::form_urlencoded::parse(pair.as_bytes())
                .next()
                .map(|(key, _)| key);
            !key.is_some_and(|key| CREDENTIAL_QUERY_PARAMS.contains(&key.as_ref()))
        })
        .collect::<Vec<_>>()
        .join("&")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn credential_parameters_are_dropped_and_the_rest_kept() {
        assert_eq!(
            query_without_credentials("a=1&__clerk_handshake=eyJx.eyJy.z&b=x%20y&__clerk_db_jwt=dvb_1"),
            "a=1&b=x%20y"
        );
        assert_eq!(
            query_without_credentials("__clerk%5Fhandshake=t&__dev_session=s"),
            ""
        );
        assert_eq!(
            query_without_credentials("__clerk_handshake_nonce=n&__clerk_help=1&c"),
            "c"
        );
        assert_eq!(query_without_credentials(""), "");
    }
}
