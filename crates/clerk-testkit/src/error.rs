//! The testkit's error type.

/// Everything that can go wrong when setting up or driving the offline Clerk.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// An RSA key could not be generated, parsed or used.
    #[error("rsa key error: {0}")]
    Key(String),
    /// The server could not be started.
    #[error("the emulator could not start: {0}")]
    Start(#[source] std::io::Error),
    /// No user has this id.
    #[error("no user was found with id {0}")]
    UserNotFound(String),
    /// No session has this id.
    #[error("no session was found with id {0}")]
    SessionNotFound(String),
    /// The user is banned: no session or sign-in ticket can be created for them.
    #[error("the user {0} is banned")]
    UserBanned(String),
    /// An email address or username is already taken.
    #[error("identifier already exists: {0}")]
    IdentifierExists(String),
    /// A parameter has an invalid value.
    #[error("invalid value for parameter {param}: {reason}")]
    InvalidParam {
        /// The parameter's name.
        param: String,
        /// Why it was rejected.
        reason: String,
    },
}

/// `Result` with the testkit's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;
