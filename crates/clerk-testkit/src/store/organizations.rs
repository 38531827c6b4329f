//! The emulator's organizations, memberships and organization invitations, shared by the HTTP
//! API and the tests, with the instance's roles and the `o` claims of session tokens.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use serde_json::{json, Map, Value};

use crate::clock::now_ms;
use crate::error::{Error, Result};
use crate::ids::new_id;
use crate::instance::minter::{OrgClaim, SessionToken, TokenMinter};
use crate::lock::lock;
use crate::store::organization_permissions::OrganizationPermissions;
use crate::store::organization_roles::{OrganizationRoles, RoleInfo};
use crate::store::replace_or_push;
use crate::store::user::{deep_merge, JsonObject, User};
use crate::store::user_store::{DeletionCascade, UserStore};
use crate::webhooks::delivery::{Origin, Webhooks};

/// A role of the emulated instance: its key, name and permissions.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Role {
    /// `org:admin`, `org:member`, …
    pub key: &'static str,
    /// The display name.
    pub name: &'static str,
    /// Every permission of the role: Clerk's system permissions (`org:sys_…`) and the
    /// instance's custom ones.
    pub permissions: &'static [&'static str],
}

/// The custom permission the emulated instance defines (feature `members`, permission `read`).
pub const MEMBERS_READ: &str = "org:members:read";

/// The roles of the emulated instance: Clerk's default `org:admin` and `org:member`, plus a
/// custom `org:auditor` whose only permission is the custom [`MEMBERS_READ`]. Admins have
/// [`MEMBERS_READ`] too.
pub const ROLES: [Role; 3] = [
    Role {
        key: "org:admin",
        name: "Admin",
        permissions: &[
            "org:sys_profile:manage",
            "org:sys_profile:delete",
            "org:sys_memberships:read",
            "org:sys_memberships:manage",
            "org:sys_domains:read",
            "org:sys_domains:manage",
            MEMBERS_READ,
        ],
    },
    Role {
        key: "org:member",
        name: "Member",
        permissions: &["org:sys_memberships:read"],
    },
    Role {
        key: "org:auditor",
        name: "Auditor",
        permissions: &[MEMBERS_READ],
    },
];

/// The role with this key.
pub fn role(key: &str) -> Option<&'static Role> {
    ROLES.iter().find(|role| role.key == key)
}

/// Why a role cannot be deleted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum RoleUse {
    /// New organizations' creators get it.
    CreatorRole,
    /// Members added by domain (and by default) get it.
    DomainDefaultRole,
    /// A member has it.
    Members,
    /// A pending invitation gives it.
    Invitations,
}

/// An organization, as stored (rendered in Clerk's `Organization` shape by the API).
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Organization {
    /// `org_…`
    pub id: String,
    /// Display name.
    pub name: String,
    /// Unique slug.
    pub slug: String,
    /// Membership limit (0: unlimited).
    pub max_allowed_memberships: i64,
    /// Whether admins may delete it.
    pub admin_delete_enabled: bool,
    /// Public metadata.
    pub public_metadata: JsonObject,
    /// Private metadata.
    pub private_metadata: JsonObject,
    /// The creating user.
    pub created_by: Option<String>,
    /// The role set.
    pub role_set_key: Option<String>,
    /// Creation, ms.
    pub created_at: i64,
    /// Last update, ms (strictly increasing per organization).
    pub updated_at: i64,
}

/// A membership, as stored.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Membership {
    /// `orgmem_…`
    pub id: String,
    /// The organization.
    pub organization_id: String,
    /// The member.
    pub user_id: String,
    /// The role key.
    pub role: String,
    /// Public metadata.
    pub public_metadata: JsonObject,
    /// Private metadata.
    pub private_metadata: JsonObject,
    /// Creation, ms.
    pub created_at: i64,
    /// Last update, ms.
    pub updated_at: i64,
}

/// An organization invitation, as stored.
#[derive(Debug, Clone, PartialEq)]
pub struct OrganizationInvitation {
    /// `orginv_…`
    pub id: String,
    /// The organization.
    pub organization_id: String,
    /// The invitee.
    pub email_address: String,
    /// The role the invitee gets.
    pub role: String,
    /// The inviter.
    pub inviter_id: Option<String>,
    /// `pending`, `accepted`, `revoked` or `expired`.
    pub status: String,
    /// Public metadata.
    pub public_metadata: JsonObject,
    /// Private metadata.
    pub private_metadata: JsonObject,
    /// Expiry, ms.
    pub expires_at: i64,
    /// Creation, ms.
    pub created_at: i64,
    /// Last update, ms.
    pub updated_at: i64,
}

/// What a new organization gets (`POST /v1/organizations`).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct NewOrganization {
    /// The name (required, not blank).
    pub name: String,
    /// The slug; derived from the name when `None`.
    pub slug: Option<String>,
    /// The creating user, who becomes an admin.
    pub created_by: Option<String>,
    /// Membership limit (0: unlimited).
    pub max_allowed_memberships: Option<i64>,
    /// Public metadata.
    pub public_metadata: Option<JsonObject>,
    /// Private metadata.
    pub private_metadata: Option<JsonObject>,
    /// The role set.
    pub role_set_key: Option<String>,
    /// Creation time, ms (default: now).
    pub created_at: Option<i64>,
}

impl NewOrganization {
    /// An organization named `name`.
    pub fn named(name: impl Into<String>) -> Self {
        Self {
            name: name.into(),
            ..Self::default()
        }
    }

    /// Sets the slug.
    pub fn slug(mut self, slug: impl Into<String>) -> Self {
        self.slug = Some(slug.into());
        self
    }

    /// Sets the creating user (an admin from the start).
    pub fn created_by(mut self, user_id: impl Into<String>) -> Self {
        self.created_by = Some(user_id.into());
        self
    }
}

/// A change of an organization (`PATCH /v1/organizations/{id}`); `None` leaves a field.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct OrganizationUpdate {
    /// New name.
    pub name: Option<String>,
    /// New slug.
    pub slug: Option<String>,
    /// New membership limit.
    pub max_allowed_memberships: Option<i64>,
    /// Whether admins may delete it.
    pub admin_delete_enabled: Option<bool>,
    /// New role set.
    pub role_set_key: Option<String>,
}

/// A new invitation (`POST /v1/organizations/{id}/invitations`).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct NewInvitation {
    /// The invitee (required).
    pub email_address: String,
    /// The role (required).
    pub role: String,
    /// The inviter: must be an admin of the organization.
    pub inviter_user_id: Option<String>,
    /// Public metadata.
    pub public_metadata: Option<JsonObject>,
    /// Private metadata.
    pub private_metadata: Option<JsonObject>,
    /// Days until it expires (1..=365, default 30).
    pub expires_in_days: Option<i64>,
}

#[derive(Debug, Default)]
struct OrgState {
    /// Creation order.
    orgs: Vec<Organization>,
    memberships: Vec<Membership>,
    invitations: Vec<OrganizationInvitation>,
    /// The organization a user's next session starts in (Clerk: the last one created or
    /// joined).
    last_active: HashMap<String, String>,
    last_created_at: i64,
}

impl OrgState {
    /// Removes every membership of `user_id` (and where their next session starts): the
    /// memberships with their organizations, oldest first.
    fn remove_user(&mut self, user_id: &str) -> Vec<(Membership, Option<Organization>)> {
        self.last_active.remove(user_id);
        let (gone, kept): (Vec<Membership>, Vec<Membership>) = std::mem::take(&mut self.memberships)
            .into_iter()
            .partition(|m| m.user_id == user_id);
        self.memberships = kept;
        gone.into_iter()
            .map(|m| {
                let org = self.orgs.iter().find(|o| o.id == m.organization_id).cloned();
                (m, org)
            })
            .collect()
    }
}

/// Removes a deleted user's memberships, as Clerk does: the organizations' `members_count`
/// drops, their membership lists no longer name the user, and the `o` claims that followed
/// the memberships are gone. Each removal emits `organizationMembership.deleted`, shaped as for
/// an ordinary removal (the member's public data as it was before the deletion).
///
/// Holds the organizations' state, not [`Organizations`]: the user store holds this, and
/// [`Organizations`] holds the user store.
struct MembershipCascade {
    state: Arc<Mutex<OrgState>>,
    webhooks: Webhooks,
    roles: OrganizationRoles,
}

impl DeletionCascade for MembershipCascade {
    fn user_deleted(&self, user: &User, origin: &Origin) {
        let removed = lock(&self.state).remove_user(&user.id);
        for (membership, org) in removed {
            self.webhooks.emit(
                "organizationMembership.deleted",
                membership_json(
                    &membership,
                    self.roles.info(&membership.role),
                    org.as_ref(),
                    Some(user),
                ),
                origin,
            );
        }
    }
}

/// The emulator's organizations, memberships and organization invitations.
///
/// Changes made here skip the HTTP layer but still emit `organization.*`,
/// `organizationMembership.*` and `organizationInvitation.*` webhooks. The `o` claims of
/// session tokens follow the memberships: [`Organizations::session_token`] here, and
/// `POST /v1/sessions/{id}/tokens` for a session whose active organization the user belongs
/// to.
///
/// Deleting a user (through the Backend API or [`UserStore::delete`]) removes their
/// memberships, each with an `organizationMembership.deleted` webhook after `user.deleted`.
#[derive(Clone)]
pub struct Organizations {
    state: Arc<Mutex<OrgState>>,
    users: UserStore,
    webhooks: Webhooks,
    minter: TokenMinter,
    roles: OrganizationRoles,
}

impl std::fmt::Debug for Organizations {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let state = lock(&self.state);
        f.debug_struct("Organizations")
            .field("organizations", &state.orgs.len())
            .field("memberships", &state.memberships.len())
            .finish_non_exhaustive()
    }
}

impl Organizations {
    /// The organizations of `users`, whose deletions remove their memberships.
    pub(crate) fn new(users: UserStore, webhooks: Webhooks, minter: TokenMinter) -> Self {
        let state = Arc::<Mutex<OrgState>>::default();
        let roles = OrganizationRoles::new(
            OrganizationPermissions::default(),
            ROLES.iter().map(|role| (role.key, role.name, role.permissions)),
        );
        users.on_delete(MembershipCascade {
            state: Arc::clone(&state),
            webhooks: webhooks.clone(),
            roles: roles.clone(),
        });
        Self {
            state,
            users,
            webhooks,
            minter,
            roles,
        }
    }

    /// The instance's organization roles (the built-in [`ROLES`] and those made through the
    /// Backend API) and the custom permissions they draw on.
    pub(crate) fn roles(&self) -> &OrganizationRoles {
        &self.roles
    }

    /// Why the role with this key cannot be deleted, if it is in use: the creator role
    /// (`org:admin`), the default role of new members (`org:member`), a member's role or a
    /// pending invitation's.
    pub(crate) fn role_in_use(&self, key: &str) -> Option<RoleUse> {
        match key {
            "org:admin" => return Some(RoleUse::CreatorRole),
            "org:member" => return Some(RoleUse::DomainDefaultRole),
            _ => {}
        }
        let state = lock(&self.state);
        if state.memberships.iter().any(|m| m.role == key) {
            return Some(RoleUse::Members);
        }
        state
            .invitations
            .iter()
            .any(|i| i.role == key && i.status == "pending")
            .then_some(RoleUse::Invitations)
    }

    /// Carries a role's new key over to the memberships and invitations that had the old one.
    pub(crate) fn rename_role(&self, old: &str, new: &str) {
        if old == new {
            return;
        }
        let mut state = lock(&self.state);
        for membership in state.memberships.iter_mut().filter(|m| m.role == old) {
            membership.role = new.to_owned();
        }
        for invitation in state.invitations.iter_mut().filter(|i| i.role == old) {
            invitation.role = new.to_owned();
        }
    }

    /// Creates an organization; its `created_by` user becomes an admin.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidParam`] for a blank name or a malformed slug; [`Error::SlugTaken`];
    /// [`Error::UserNotFound`] for an unknown creator.
    pub fn create(&self, new: NewOrganization) -> Result<Organization> {
        self.create_from(new, &Origin::direct())
    }

    /// Puts back organizations and memberships taken from [`Organizations::all`] and
    /// [`Organizations::all_memberships`] (e.g. of a previous run), replacing any with the same id;
    /// sends no webhook. Each member's next session starts in the organization of their last
    /// membership given.
    pub fn restore(
        &self,
        orgs: impl IntoIterator<Item = Organization>,
        memberships: impl IntoIterator<Item = Membership>,
    ) {
        let mut state = lock(&self.state);
        for org in orgs {
            state.last_created_at = state.last_created_at.max(org.created_at);
            replace_or_push(&mut state.orgs, org, |a, b| a.id == b.id);
        }
        for membership in memberships {
            state
                .last_active
                .insert(membership.user_id.clone(), membership.organization_id.clone());
            replace_or_push(&mut state.memberships, membership, |a, b| a.id == b.id);
        }
    }

    /// The organization with this id or slug.
    pub fn get(&self, id_or_slug: &str) -> Option<Organization> {
        lock(&self.state)
            .orgs
            .iter()
            .find(|org| org.id == id_or_slug || org.slug == id_or_slug)
            .cloned()
    }

    /// Every organization, oldest first.
    pub fn all(&self) -> Vec<Organization> {
        lock(&self.state).orgs.clone()
    }

    /// Changes an organization.
    ///
    /// # Errors
    ///
    /// [`Error::OrganizationNotFound`]; as [`Organizations::create`] for the name and slug.
    pub fn update(&self, id: &str, update: OrganizationUpdate) -> Result<Organization> {
        self.update_from(id, update, &Origin::direct())
    }

    /// Deletes an organization with its memberships and invitations.
    ///
    /// # Errors
    ///
    /// [`Error::OrganizationNotFound`].
    pub fn delete(&self, id: &str) -> Result<Organization> {
        self.delete_from(id, &Origin::direct())
    }

    /// Adds `user_id` to an organization with `role`.
    ///
    /// # Errors
    ///
    /// [`Error::OrganizationNotFound`], [`Error::UserNotFound`], [`Error::AlreadyAMember`],
    /// [`Error::InvalidParam`] for an unknown role, [`Error::MembershipQuotaExceeded`].
    pub fn add_member(&self, organization_id: &str, user_id: &str, role: &str) -> Result<Membership> {
        self.add_member_from(organization_id, user_id, role, None, None, &Origin::direct())
    }

    /// Sets a member's role.
    ///
    /// # Errors
    ///
    /// [`Error::MembershipNotFound`], [`Error::InvalidParam`] for an unknown role.
    pub fn set_role(&self, organization_id: &str, user_id: &str, role: &str) -> Result<Membership> {
        self.set_role_from(organization_id, user_id, role, &Origin::direct())
    }

    /// Removes a member.
    ///
    /// # Errors
    ///
    /// [`Error::MembershipNotFound`].
    pub fn remove_member(&self, organization_id: &str, user_id: &str) -> Result<Membership> {
        self.remove_member_from(organization_id, user_id, &Origin::direct())
    }

    /// The memberships of an organization, oldest first.
    pub fn members(&self, organization_id: &str) -> Vec<Membership> {
        lock(&self.state)
            .memberships
            .iter()
            .filter(|m| m.organization_id == organization_id)
            .cloned()
            .collect()
    }

    /// Every membership of the instance, oldest first.
    pub fn all_memberships(&self) -> Vec<Membership> {
        lock(&self.state).memberships.clone()
    }

    /// The membership of `user_id` in an organization.
    pub fn membership(&self, organization_id: &str, user_id: &str) -> Option<Membership> {
        lock(&self.state)
            .memberships
            .iter()
            .find(|m| m.organization_id == organization_id && m.user_id == user_id)
            .cloned()
    }

    /// Invites an email address.
    ///
    /// # Errors
    ///
    /// [`Error::OrganizationNotFound`], [`Error::InvalidParam`], [`Error::NotAnAdmin`],
    /// [`Error::InvitationNotUnique`].
    pub fn invite(&self, organization_id: &str, new: NewInvitation) -> Result<OrganizationInvitation> {
        self.invite_from(organization_id, new, &Origin::direct())
    }

    /// The invitations of an organization, oldest first.
    pub fn invitations(&self, organization_id: &str) -> Vec<OrganizationInvitation> {
        lock(&self.state)
            .invitations
            .iter()
            .filter(|i| i.organization_id == organization_id)
            .cloned()
            .collect()
    }

    /// Accepts a pending invitation as `user_id` (what the invitee's browser would do): the
    /// user becomes a member with the invitation's role and metadata.
    ///
    /// # Errors
    ///
    /// [`Error::InvitationNotFound`], [`Error::InvitationNotPending`], and as
    /// [`Organizations::add_member`].
    pub fn accept_invitation(&self, invitation_id: &str, user_id: &str) -> Result<Membership> {
        let origin = Origin::direct();
        let invitation = {
            let state = lock(&self.state);
            let invitation = state
                .invitations
                .iter()
                .find(|i| i.id == invitation_id)
                .ok_or_else(|| Error::InvitationNotFound(invitation_id.to_owned()))?;
            if invitation.status != "pending" {
                return Err(Error::InvitationNotPending(invitation_id.to_owned()));
            }
            invitation.clone()
        };
        let membership = self.add_member_from(
            &invitation.organization_id,
            user_id,
            &invitation.role,
            Some(invitation.public_metadata.clone()),
            Some(invitation.private_metadata.clone()),
            &origin,
        )?;
        let invitation = self.set_invitation_status(invitation_id, "accepted")?;
        self.emit_invitation("organizationInvitation.accepted", &invitation, &origin);
        Ok(membership)
    }

    /// The organization `user_id`'s next session starts in: the last one they created or
    /// joined, while they are still a member.
    pub fn last_active_organization(&self, user_id: &str) -> Option<String> {
        let state = lock(&self.state);
        let org = state.last_active.get(user_id)?;
        state
            .memberships
            .iter()
            .any(|m| &m.organization_id == org && m.user_id == user_id)
            .then(|| org.clone())
    }

    /// The `o` claim and the custom permissions of `user_id` in `organization_id`, as Clerk
    /// puts them in a session token (system permissions are never in tokens); `None` when the
    /// user is not a member.
    pub fn org_claim(&self, user_id: &str, organization_id: &str) -> Option<(OrgClaim, Vec<String>)> {
        let state = lock(&self.state);
        let org = state.orgs.iter().find(|o| o.id == organization_id)?;
        let membership = state
            .memberships
            .iter()
            .find(|m| m.organization_id == org.id && m.user_id == user_id)?;
        let permissions = self
            .roles
            .info(&membership.role)
            .map(|role| {
                role.permissions
                    .into_iter()
                    .filter(|p| !p.starts_with("org:sys_"))
                    .collect()
            })
            .unwrap_or_default();
        Some((
            OrgClaim::new(org.id.clone())
                .slug(org.slug.clone())
                .role(membership.role.clone()),
            permissions,
        ))
    }

    /// A session token of `user_id` with `organization_id` active: `o.id`, `o.slg`, `o.rol`,
    /// and `o.per`/`o.fpm` (with `fea`) from the member's role.
    ///
    /// # Errors
    ///
    /// [`Error::MembershipNotFound`] when the user is not a member.
    pub fn session_token(&self, user_id: &str, organization_id: &str) -> Result<SessionToken> {
        let (claim, permissions) =
            self.org_claim(user_id, organization_id)
                .ok_or_else(|| Error::MembershipNotFound {
                    organization_id: organization_id.to_owned(),
                    user_id: user_id.to_owned(),
                })?;
        Ok(with_org(self.minter.session_token(user_id), claim, permissions))
    }

    // ---- the HTTP API's entry points (with the request's origin) ----

    pub(crate) fn create_from(&self, new: NewOrganization, origin: &Origin) -> Result<Organization> {
        let name = check_name(&new.name)?;
        if let Some(slug) = &new.slug {
            check_slug(slug)?;
        }
        let org = {
            let mut state = lock(&self.state);
            // Under the lock: a user deleted after this check has their membership removed by
            // the deletion (which waits for the lock).
            if let Some(creator) = &new.created_by {
                if self.users.get(creator).is_none() {
                    return Err(Error::CreatorNotFound(creator.clone()));
                }
            }
            let slug = match new.slug {
                Some(slug) if state.orgs.iter().any(|o| o.slug == slug) => {
                    return Err(Error::SlugTaken(slug))
                }
                Some(slug) => slug,
                None => unique_slug(&state.orgs, &name),
            };
            let created_at = new
                .created_at
                .unwrap_or_else(|| now_ms().max(state.last_created_at + 1));
            state.last_created_at = state.last_created_at.max(created_at);
            let org = Organization {
                id: new_id("org_"),
                name,
                slug,
                max_allowed_memberships: new.max_allowed_memberships.unwrap_or(0),
                admin_delete_enabled: true,
                public_metadata: new.public_metadata.unwrap_or_default(),
                private_metadata: new.private_metadata.unwrap_or_default(),
                created_by: new.created_by.clone(),
                role_set_key: new.role_set_key,
                created_at,
                updated_at: created_at,
            };
            state.orgs.push(org.clone());
            let membership = new.created_by.map(|creator| {
                let membership = Membership {
                    id: new_id("orgmem_"),
                    organization_id: org.id.clone(),
                    user_id: creator.clone(),
                    role: "org:admin".to_owned(),
                    public_metadata: JsonObject::new(),
                    private_metadata: JsonObject::new(),
                    created_at,
                    updated_at: created_at,
                };
                state.memberships.push(membership.clone());
                state.last_active.insert(creator, org.id.clone());
                membership
            });
            // Emitted under the lock, as in `add_member_from`.
            self.emit_org("organization.created", &org, origin);
            if let Some(membership) = &membership {
                self.emit_membership_locked(&state, "organizationMembership.created", membership, origin);
            }
            org
        };
        Ok(org)
    }

    pub(crate) fn update_from(
        &self,
        id: &str,
        update: OrganizationUpdate,
        origin: &Origin,
    ) -> Result<Organization> {
        let name = update.name.as_deref().map(check_name).transpose()?;
        if let Some(slug) = &update.slug {
            check_slug(slug)?;
        }
        let org = self.mutate_org(id, |orgs, index| {
            if let Some(slug) = &update.slug {
                if orgs
                    .iter()
                    .enumerate()
                    .any(|(i, o)| i != index && &o.slug == slug)
                {
                    return Err(Error::SlugTaken(slug.clone()));
                }
            }
            let org = &mut orgs[index];
            if let Some(name) = name {
                org.name = name;
            }
            if let Some(slug) = update.slug {
                org.slug = slug;
            }
            if let Some(max) = update.max_allowed_memberships {
                org.max_allowed_memberships = max;
            }
            if let Some(flag) = update.admin_delete_enabled {
                org.admin_delete_enabled = flag;
            }
            if let Some(key) = update.role_set_key {
                org.role_set_key = Some(key);
            }
            Ok(())
        })?;
        self.emit_org("organization.updated", &org, origin);
        Ok(org)
    }

    pub(crate) fn update_metadata_from(
        &self,
        id: &str,
        public: Option<JsonObject>,
        private: Option<JsonObject>,
        origin: &Origin,
    ) -> Result<Organization> {
        let org = self.mutate_org(id, |orgs, index| {
            let org = &mut orgs[index];
            if let Some(patch) = &public {
                deep_merge(&mut org.public_metadata, patch);
            }
            if let Some(patch) = &private {
                deep_merge(&mut org.private_metadata, patch);
            }
            Ok(())
        })?;
        self.emit_org("organization.updated", &org, origin);
        Ok(org)
    }

    pub(crate) fn delete_from(&self, id: &str, origin: &Origin) -> Result<Organization> {
        let org = {
            let mut state = lock(&self.state);
            let index = state
                .orgs
                .iter()
                .position(|o| o.id == id)
                .ok_or_else(|| Error::OrganizationNotFound(id.to_owned()))?;
            let org = state.orgs.remove(index);
            state.memberships.retain(|m| m.organization_id != org.id);
            state.invitations.retain(|i| i.organization_id != org.id);
            state.last_active.retain(|_, active| active != &org.id);
            org
        };
        // Clerk announces the organization's deletion only (its memberships go with it).
        self.webhooks.emit(
            "organization.deleted",
            json!({"deleted": true, "id": org.id, "object": "organization", "slug": org.slug}),
            origin,
        );
        Ok(org)
    }

    pub(crate) fn add_member_from(
        &self,
        organization_id: &str,
        user_id: &str,
        role_key: &str,
        public: Option<JsonObject>,
        private: Option<JsonObject>,
        origin: &Origin,
    ) -> Result<Membership> {
        self.check_role(role_key)?;
        let membership = {
            let mut state = lock(&self.state);
            // Under the lock: a user deleted after this check has this membership removed by
            // the deletion (which waits for the lock).
            if self.users.get(user_id).is_none() {
                return Err(Error::UserNotFound(user_id.to_owned()));
            }
            let org = state
                .orgs
                .iter()
                .find(|o| o.id == organization_id)
                .ok_or_else(|| Error::OrganizationNotFound(organization_id.to_owned()))?;
            let limit = org.max_allowed_memberships;
            let org_id = org.id.clone();
            let members = state.memberships.iter().filter(|m| m.organization_id == org_id);
            let mut count = 0i64;
            for member in members {
                if member.user_id == user_id {
                    return Err(Error::AlreadyAMember(user_id.to_owned()));
                }
                count += 1;
            }
            if limit > 0 && count >= limit {
                return Err(Error::MembershipQuotaExceeded(limit));
            }
            // Strictly increasing, so `created_at` orderings are deterministic.
            let now = now_ms().max(state.last_created_at + 1);
            state.last_created_at = now;
            let membership = Membership {
                id: new_id("orgmem_"),
                organization_id: org_id.clone(),
                user_id: user_id.to_owned(),
                role: role_key.to_owned(),
                public_metadata: public.unwrap_or_default(),
                private_metadata: private.unwrap_or_default(),
                created_at: now,
                updated_at: now,
            };
            state.memberships.push(membership.clone());
            state.last_active.insert(user_id.to_owned(), org_id);
            // Emitted under the lock: a deletion of this user (which takes it to remove the
            // membership) cannot send its `deleted` event before this `created` one.
            self.emit_membership_locked(&state, "organizationMembership.created", &membership, origin);
            membership
        };
        Ok(membership)
    }

    pub(crate) fn set_role_from(
        &self,
        organization_id: &str,
        user_id: &str,
        role_key: &str,
        origin: &Origin,
    ) -> Result<Membership> {
        self.check_role(role_key)?;
        let membership = self.mutate_membership(organization_id, user_id, |m| {
            m.role = role_key.to_owned();
        })?;
        self.emit_membership("organizationMembership.updated", &membership, origin);
        Ok(membership)
    }

    pub(crate) fn update_membership_metadata_from(
        &self,
        organization_id: &str,
        user_id: &str,
        public: Option<JsonObject>,
        private: Option<JsonObject>,
        origin: &Origin,
    ) -> Result<Membership> {
        let membership = self.mutate_membership(organization_id, user_id, |m| {
            if let Some(patch) = &public {
                deep_merge(&mut m.public_metadata, patch);
            }
            if let Some(patch) = &private {
                deep_merge(&mut m.private_metadata, patch);
            }
        })?;
        self.emit_membership("organizationMembership.updated", &membership, origin);
        Ok(membership)
    }

    pub(crate) fn remove_member_from(
        &self,
        organization_id: &str,
        user_id: &str,
        origin: &Origin,
    ) -> Result<Membership> {
        let membership = {
            let mut state = lock(&self.state);
            let index = state
                .memberships
                .iter()
                .position(|m| m.organization_id == organization_id && m.user_id == user_id)
                .ok_or_else(|| Error::MembershipNotFound {
                    organization_id: organization_id.to_owned(),
                    user_id: user_id.to_owned(),
                })?;
            state.memberships.remove(index)
        };
        self.emit_membership("organizationMembership.deleted", &membership, origin);
        Ok(membership)
    }

    pub(crate) fn invite_from(
        &self,
        organization_id: &str,
        new: NewInvitation,
        origin: &Origin,
    ) -> Result<OrganizationInvitation> {
        if new.email_address.trim().is_empty() {
            return Err(Error::MissingParam("email_address"));
        }
        if !new.email_address.contains('@') {
            return Err(Error::InvalidParam {
                param: "email_address".to_owned(),
                reason: format!("{} is not a valid email address", new.email_address),
            });
        }
        if new.role.trim().is_empty() {
            return Err(Error::MissingParam("role"));
        }
        self.check_role(&new.role)?;
        let days = new.expires_in_days.unwrap_or(30);
        if !(1..=365).contains(&days) {
            return Err(Error::InvalidParam {
                param: "expires_in_days".to_owned(),
                reason: "expires_in_days must be between 1 and 365".to_owned(),
            });
        }
        let invitation = {
            let mut state = lock(&self.state);
            if !state.orgs.iter().any(|o| o.id == organization_id) {
                return Err(Error::OrganizationNotFound(organization_id.to_owned()));
            }
            if let Some(inviter) = &new.inviter_user_id {
                let admin = state.memberships.iter().any(|m| {
                    m.organization_id == organization_id && &m.user_id == inviter && m.role == "org:admin"
                });
                if !admin {
                    return Err(Error::NotAnAdmin(inviter.clone()));
                }
            }
            let duplicate = state.invitations.iter().any(|i| {
                i.organization_id == organization_id
                    && i.status == "pending"
                    && i.email_address.eq_ignore_ascii_case(&new.email_address)
            });
            if duplicate {
                return Err(Error::InvitationNotUnique(new.email_address.clone()));
            }
            let now = now_ms().max(state.last_created_at + 1);
            state.last_created_at = now;
            let invitation = OrganizationInvitation {
                id: new_id("orginv_"),
                organization_id: organization_id.to_owned(),
                email_address: new.email_address,
                role: new.role,
                inviter_id: new.inviter_user_id,
                status: "pending".to_owned(),
                public_metadata: new.public_metadata.unwrap_or_default(),
                private_metadata: new.private_metadata.unwrap_or_default(),
                expires_at: now + days * 24 * 3600 * 1000,
                created_at: now,
                updated_at: now,
            };
            state.invitations.push(invitation.clone());
            invitation
        };
        self.emit_invitation("organizationInvitation.created", &invitation, origin);
        Ok(invitation)
    }

    pub(crate) fn invitation(
        &self,
        organization_id: &str,
        invitation_id: &str,
    ) -> Option<OrganizationInvitation> {
        lock(&self.state)
            .invitations
            .iter()
            .find(|i| i.id == invitation_id && i.organization_id == organization_id)
            .cloned()
    }

    pub(crate) fn revoke_from(
        &self,
        organization_id: &str,
        invitation_id: &str,
        requesting_user_id: Option<&str>,
        origin: &Origin,
    ) -> Result<OrganizationInvitation> {
        {
            let state = lock(&self.state);
            let invitation = state
                .invitations
                .iter()
                .find(|i| i.id == invitation_id && i.organization_id == organization_id)
                .ok_or_else(|| Error::InvitationNotFound(invitation_id.to_owned()))?;
            if invitation.status != "pending" {
                return Err(Error::InvitationNotPending(invitation_id.to_owned()));
            }
            if let Some(requester) = requesting_user_id {
                let admin = state.memberships.iter().any(|m| {
                    m.organization_id == organization_id && m.user_id == requester && m.role == "org:admin"
                });
                if !admin {
                    return Err(Error::NotAnAdmin(requester.to_owned()));
                }
            }
        }
        let invitation = self.set_invitation_status(invitation_id, "revoked")?;
        self.emit_invitation("organizationInvitation.revoked", &invitation, origin);
        Ok(invitation)
    }

    // ---- rendering in Clerk's shapes ----

    /// `Organization` JSON; `members_count` / `pending_invitations_count` when asked.
    pub(crate) fn render_org(&self, org: &Organization, counts: bool) -> Value {
        let mut out = org_json(org);
        if counts {
            let state = lock(&self.state);
            let members = state
                .memberships
                .iter()
                .filter(|m| m.organization_id == org.id)
                .count();
            let pending = state
                .invitations
                .iter()
                .filter(|i| i.organization_id == org.id && i.status == "pending")
                .count();
            out.insert("members_count".into(), Value::from(members));
            out.insert("pending_invitations_count".into(), Value::from(pending));
        }
        Value::Object(out)
    }

    /// `OrganizationMembership` JSON, with the current organization and the member's public
    /// data.
    pub(crate) fn render_membership(&self, membership: &Membership) -> Value {
        let org = lock(&self.state)
            .orgs
            .iter()
            .find(|o| o.id == membership.organization_id)
            .cloned();
        let user = self.users.get(&membership.user_id);
        membership_json(
            membership,
            self.roles.info(&membership.role),
            org.as_ref(),
            user.as_ref(),
        )
    }

    /// `OrganizationInvitation` JSON.
    pub(crate) fn render_invitation(&self, invitation: &OrganizationInvitation) -> Value {
        let inviter = invitation.inviter_id.as_deref().and_then(|id| self.users.get(id));
        let role_name = self
            .roles
            .info(&invitation.role)
            .map_or_else(|| invitation.role.clone(), |r| r.name);
        json!({
            "object": "organization_invitation",
            "id": invitation.id,
            "email_address": invitation.email_address,
            "role": invitation.role,
            "role_name": role_name,
            "organization_id": invitation.organization_id,
            "inviter_id": invitation.inviter_id,
            "public_inviter_data": inviter.map(|user| json!({
                "user_id": user.id,
                "first_name": user.first_name,
                "last_name": user.last_name,
                "image_url": user.image_url,
                "has_image": user.has_image,
                "identifier": user.primary_email().unwrap_or_default(),
            })),
            "status": invitation.status,
            "public_metadata": invitation.public_metadata,
            "private_metadata": invitation.private_metadata,
            "url": Value::Null,
            "expires_at": invitation.expires_at,
            "created_at": invitation.created_at,
            "updated_at": invitation.updated_at,
        })
    }

    // ---- internals ----

    fn mutate_org(
        &self,
        id: &str,
        f: impl FnOnce(&mut Vec<Organization>, usize) -> Result<()>,
    ) -> Result<Organization> {
        let mut state = lock(&self.state);
        let index = state
            .orgs
            .iter()
            .position(|o| o.id == id)
            .ok_or_else(|| Error::OrganizationNotFound(id.to_owned()))?;
        let mut orgs = std::mem::take(&mut state.orgs);
        let outcome = f(&mut orgs, index);
        state.orgs = orgs;
        outcome?;
        let org = &mut state.orgs[index];
        org.updated_at = now_ms().max(org.updated_at + 1);
        Ok(org.clone())
    }

    fn mutate_membership(
        &self,
        organization_id: &str,
        user_id: &str,
        f: impl FnOnce(&mut Membership),
    ) -> Result<Membership> {
        let mut state = lock(&self.state);
        let membership = state
            .memberships
            .iter_mut()
            .find(|m| m.organization_id == organization_id && m.user_id == user_id)
            .ok_or_else(|| Error::MembershipNotFound {
                organization_id: organization_id.to_owned(),
                user_id: user_id.to_owned(),
            })?;
        f(membership);
        membership.updated_at = now_ms().max(membership.updated_at + 1);
        Ok(membership.clone())
    }

    fn set_invitation_status(&self, invitation_id: &str, status: &str) -> Result<OrganizationInvitation> {
        let mut state = lock(&self.state);
        let invitation = state
            .invitations
            .iter_mut()
            .find(|i| i.id == invitation_id)
            .ok_or_else(|| Error::InvitationNotFound(invitation_id.to_owned()))?;
        invitation.status = status.to_owned();
        invitation.updated_at = now_ms().max(invitation.updated_at + 1);
        Ok(invitation.clone())
    }

    fn emit_org(&self, event_type: &str, org: &Organization, origin: &Origin) {
        self.webhooks
            .emit(event_type, Value::Object(org_json(org)), origin);
    }

    /// The role key is one of the instance's roles (built-in or made through the API).
    fn check_role(&self, key: &str) -> Result<()> {
        if self.roles.by_key(key).is_some() {
            Ok(())
        } else {
            Err(Error::UnknownRole(key.to_owned()))
        }
    }

    fn emit_membership(&self, event_type: &str, membership: &Membership, origin: &Origin) {
        self.webhooks
            .emit(event_type, self.render_membership(membership), origin);
    }

    /// [`Self::emit_membership`] while the caller holds the organizations' lock (`state`).
    fn emit_membership_locked(
        &self,
        state: &OrgState,
        event_type: &str,
        membership: &Membership,
        origin: &Origin,
    ) {
        let org = state.orgs.iter().find(|o| o.id == membership.organization_id);
        let user = self.users.get(&membership.user_id);
        self.webhooks.emit(
            event_type,
            membership_json(membership, self.roles.info(&membership.role), org, user.as_ref()),
            origin,
        );
    }

    fn emit_invitation(&self, event_type: &str, invitation: &OrganizationInvitation, origin: &Origin) {
        self.webhooks
            .emit(event_type, self.render_invitation(invitation), origin);
    }
}

/// `token` with the organization active: `o` and the member's custom permissions.
pub(crate) fn with_org(token: SessionToken, claim: OrgClaim, permissions: Vec<String>) -> SessionToken {
    let token = token.org(claim);
    if permissions.is_empty() {
        token
    } else {
        token.permissions(permissions)
    }
}

fn org_json(org: &Organization) -> Map<String, Value> {
    let image = format!(r#"{{"type":"default","iid":"ins","rid":"{}"}}"#, org.id);
    let mut out = Map::new();
    out.insert("object".into(), Value::from("organization"));
    out.insert("id".into(), Value::from(org.id.as_str()));
    out.insert("name".into(), Value::from(org.name.as_str()));
    out.insert("slug".into(), Value::from(org.slug.as_str()));
    out.insert(
        "image_url".into(),
        Value::from(format!("https://img.clerk.com/{}", crate::ids::b64url(image))),
    );
    out.insert("has_image".into(), Value::Bool(false));
    out.insert(
        "max_allowed_memberships".into(),
        Value::from(org.max_allowed_memberships),
    );
    out.insert(
        "admin_delete_enabled".into(),
        Value::Bool(org.admin_delete_enabled),
    );
    out.insert(
        "public_metadata".into(),
        Value::Object(org.public_metadata.clone()),
    );
    out.insert(
        "private_metadata".into(),
        Value::Object(org.private_metadata.clone()),
    );
    if let Some(creator) = &org.created_by {
        out.insert("created_by".into(), Value::from(creator.as_str()));
    }
    out.insert("created_at".into(), Value::from(org.created_at));
    out.insert("updated_at".into(), Value::from(org.updated_at));
    out.insert(
        "role_set_key".into(),
        org.role_set_key.as_deref().map_or(Value::Null, Value::from),
    );
    out
}

fn membership_json(
    membership: &Membership,
    role: Option<RoleInfo>,
    org: Option<&Organization>,
    user: Option<&User>,
) -> Value {
    let public_user_data = match user {
        Some(user) => json!({
            "user_id": user.id,
            "first_name": user.first_name,
            "last_name": user.last_name,
            "profile_image_url": user.profile_image_url,
            "image_url": user.image_url,
            "has_image": user.has_image,
            "identifier": user.primary_email().or(user.username.as_deref()),
            "username": user.username,
            "banned": user.banned,
        }),
        None => json!({
            "user_id": membership.user_id,
            "first_name": null,
            "last_name": null,
            "profile_image_url": null,
            "image_url": "",
            "has_image": false,
            "identifier": null,
        }),
    };
    json!({
        "object": "organization_membership",
        "id": membership.id,
        "role": membership.role,
        "role_name": role.as_ref().map_or(membership.role.as_str(), |r| r.name.as_str()),
        "permissions": role.map(|r| r.permissions).unwrap_or_default(),
        "public_metadata": membership.public_metadata,
        "private_metadata": membership.private_metadata,
        "organization": org.map_or_else(
            || json!({"object": "organization", "id": membership.organization_id}),
            |org| Value::Object(org_json(org)),
        ),
        "public_user_data": public_user_data,
        "created_at": membership.created_at,
        "updated_at": membership.updated_at,
    })
}

fn check_name(name: &str) -> Result<String> {
    let name = name.trim();
    if name.is_empty() {
        return Err(Error::MissingParam("name"));
    }
    if name.chars().count() > 256 || name.contains("://") || name.contains('<') {
        return Err(Error::InvalidParam {
            param: "name".to_owned(),
            reason: "name must be at most 256 characters, without URLs or HTML".to_owned(),
        });
    }
    Ok(name.to_owned())
}

fn check_slug(slug: &str) -> Result<()> {
    let valid = !slug.is_empty()
        && slug.len() <= 256
        && slug
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
    if valid {
        Ok(())
    } else {
        Err(Error::InvalidParam {
            param: "slug".to_owned(),
            reason: "slug can contain only lowercase alphanumeric characters and the dash \"-\"".to_owned(),
        })
    }
}

/// A slug from the name (lowercase letters, digits, dashes), made unique with a suffix.
fn unique_slug(orgs: &[Organization], name: &str) -> String {
    let mut base = String::new();
    for ch in name.chars().flat_map(char::to_lowercase) {
        if ch.is_ascii_alphanumeric() {
            base.push(ch);
        } else if !base.ends_with('-') && !base.is_empty() {
            base.push('-');
        }
    }
    let base = base.trim_end_matches('-');
    let base = if base.is_empty() { "org" } else { base };
    let mut slug = base.to_owned();
    while orgs.iter().any(|o| o.slug == slug) {
        slug = format!("{base}-{}", crate::ids::random_hex(6));
    }
    slug
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slugs_are_derived_and_checked() {
        assert_eq!(unique_slug(&[], "Acme, Inc."), "acme-inc");
        assert_eq!(unique_slug(&[], "!!!"), "org");
        assert!(check_slug("acme-1").is_ok());
        assert!(check_slug("Acme").is_err());
        assert!(check_slug("a b").is_err());
    }

    #[test]
    fn custom_permissions_are_defined() {
        assert!(role("org:admin").is_some_and(|r| r.permissions.contains(&MEMBERS_READ)));
        assert!(role("org:member").is_some_and(|r| !r.permissions.contains(&MEMBERS_READ)));
        assert!(role("org:auditor").is_some_and(|r| r.permissions == [MEMBERS_READ]));
        assert!(role("org:owner").is_none());
    }
}
