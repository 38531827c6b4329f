//! Keeping credentials out of the URLs this crate builds.

use clerk_core::request::names::CREDENTIAL_QUERY_PARAMS;

/// `query` without Clerk's [`CREDENTIAL_QUERY_PARAMS`] (keys compared percent-decoded); every
/// other pair is kept byte for byte, in order.
pub(crate) fn query_without_credentials(query: &str) -> String {
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
