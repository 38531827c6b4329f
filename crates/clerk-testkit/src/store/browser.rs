//! What the emulated Frontend API keeps for browsers: the cookie suffix and session-token
//! lifetime of the instance, pending handshake nonces, refresh tokens, the browser clients
//! signed in through the sign-in page, and the origins those pages may send a browser back to.

use std::time::Duration;

use clerk_core::InstanceType;

use crate::allowed_origins::AllowedOrigins;
use crate::store::browser_clients::Clients;
use crate::store::nonces::HandshakeNonces;
use crate::store::refresh_tokens::RefreshTokens;

/// The session-token lifetime when none is configured, as on a new Clerk instance.
pub(crate) const DEFAULT_SESSION_TOKEN_TTL: Duration = Duration::from_secs(60);

/// Browser-session state shared by the handlers and [`crate::TestClerk`]. Cheap to clone.
#[derive(Debug, Clone)]
pub(crate) struct Browser {
    /// `base64url(SHA-1(publishable key))[0..8]`.
    pub(crate) cookie_suffix: String,
    /// The lifetime of the session tokens the emulator mints for browsers.
    pub(crate) session_token_ttl: Duration,
    pub(crate) nonces: HandshakeNonces,
    pub(crate) refresh_tokens: RefreshTokens,
    /// Browser clients (`__client`) and development browsers (`__clerk_db_jwt`).
    pub(crate) clients: Clients,
    /// A development instance: handshakes hand out development browsers.
    pub(crate) development: bool,
    /// Where the sign-in and sign-out pages may send a browser afterwards.
    pub(crate) allowed_origins: AllowedOrigins,
}

impl Browser {
    pub(crate) fn new(
        cookie_suffix: String,
        session_token_ttl: Duration,
        instance_type: InstanceType,
        allowed_origins: AllowedOrigins,
    ) -> Self {
        Self {
            cookie_suffix,
            session_token_ttl,
            nonces: HandshakeNonces::default(),
            refresh_tokens: RefreshTokens::default(),
            clients: Clients::default(),
            development: instance_type == InstanceType::Development,
            allowed_origins,
        }
    }

    /// The session-token lifetime in whole seconds (at least 1).
    pub(crate) fn ttl_secs(&self) -> i64 {
        i64::try_from(self.session_token_ttl.as_secs())
            .unwrap_or(i64::MAX)
            .max(1)
    }
}
