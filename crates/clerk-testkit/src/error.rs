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
    /// No organization has this id (or slug).
    #[error("no organization was found with id {0}")]
    OrganizationNotFound(String),
    /// The user is not a member of the organization.
    #[error("user {user_id} is not a member of organization {organization_id}")]
    MembershipNotFound {
        /// The organization.
        organization_id: String,
        /// The user.
        user_id: String,
    },
    /// No organization invitation has this id.
    #[error("no invitation was found with id {0}")]
    InvitationNotFound(String),
    /// The organization invitation is not pending.
    #[error("the organization invitation {0} is not pending")]
    InvitationNotPending(String),
    /// The organization already has a pending invitation for this email address.
    #[error("a pending invitation for {0} already exists")]
    InvitationNotUnique(String),
    /// The user is not an admin of the organization.
    #[error("{0} is not an administrator in the organization")]
    NotAnAdmin(String),
    /// The user is already a member of the organization.
    #[error("{0} is already a member of the organization")]
    AlreadyAMember(String),
    /// The organization has as many members as it allows.
    #[error("the organization allows {0} memberships")]
    MembershipQuotaExceeded(i64),
    /// Another organization has this slug.
    #[error("the slug {0} is taken")]
    SlugTaken(String),
    /// The `created_by` user does not exist.
    #[error("no users found with id {0}")]
    CreatorNotFound(String),
    /// The instance has no role with this key.
    #[error("{0} is not a role of the instance")]
    UnknownRole(String),
    /// A required parameter is missing.
    #[error("{0} must be included")]
    MissingParam(&'static str),
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
