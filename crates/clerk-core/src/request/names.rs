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
