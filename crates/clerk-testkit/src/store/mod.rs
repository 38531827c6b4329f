//! The emulator's state, shared by the HTTP API and the tests: users (with their email
//! addresses and phone numbers) and their sessions, organizations with their roles and custom
//! permissions, invitations and one-time tickets, JWT templates, allow/block lists, the
//! instance's domains, a seeded billing catalog, users' OAuth access tokens, machine tokens, and
//! what the Frontend API keeps for browsers (clients, development browsers, handshake nonces,
//! refresh tokens).

pub(crate) mod billing;
pub(crate) mod browser;
pub(crate) mod browser_clients;
pub(crate) mod domains;
pub(crate) mod identifications;
pub(crate) mod identifier_lists;
pub(crate) mod invitations;
pub(crate) mod jwt_templates;
pub(crate) mod machine_tokens;
pub(crate) mod nonces;
pub(crate) mod oauth_tokens;
pub(crate) mod organization_permissions;
pub(crate) mod organization_roles;
pub(crate) mod organizations;
mod recent;
pub(crate) mod refresh_tokens;
pub(crate) mod tickets;
pub(crate) mod user;
pub(crate) mod user_store;

pub use jwt_templates::{JwtTemplate, JwtTemplates};
pub use machine_tokens::{
    InactiveTokens, Machine, MachineToken, MachineTokenBuilder, MachineTokenKind, MachineTokens,
    M2M_JWT_CATEGORY,
};
pub use oauth_tokens::OAuthTokens;
pub use organizations::{
    role, Membership, NewInvitation, NewOrganization, Organization, OrganizationInvitation,
    OrganizationUpdate, Organizations, Role, MEMBERS_READ, ROLES,
};
pub use user::{
    EmailAddress, JsonObject, MetadataPatch, NewUser, PhoneNumber, User, UserUpdate, Verification,
};
pub use user_store::{Session, UserStore};

/// Replaces the item of `items` that `same` matches with `item`, or appends it.
pub(crate) fn replace_or_push<T>(items: &mut Vec<T>, item: T, same: impl Fn(&T, &T) -> bool) {
    match items.iter_mut().find(|old| same(old, &item)) {
        Some(slot) => *slot = item,
        None => items.push(item),
    }
}
