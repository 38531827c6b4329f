//! The instance's organization roles, as the Backend API's `/v1/organization_roles` serves
//! them: the emulated instance's built-in roles (given at creation) and the ones made through
//! the API, each with its permissions (custom ones from [`OrganizationPermissions`], Clerk's
//! system ones from a catalog of their own).

use std::sync::{Arc, Mutex};

use serde_json::{json, Value};

use crate::clock::now_ms;
use crate::ids::new_id;
use crate::lock::lock;
use crate::store::organization_permissions::{OrganizationPermissions, Permission};

/// At most this many roles per instance (built-in ones included): the store stays bounded.
pub(crate) const MAX_ROLES: usize = 200;

/// The system permission a role needs to be an organization's creator role.
const CREATOR_PERMISSION: &str = "org:sys_memberships:manage";

/// One role as stored: its permissions by id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct StoredRole {
    pub(crate) id: String,
    pub(crate) name: String,
    pub(crate) key: String,
    pub(crate) description: Option<String>,
    pub(crate) permission_ids: Vec<String>,
    pub(crate) created_at: i64,
    pub(crate) updated_at: i64,
}

/// A role's name and permission keys, for memberships and session tokens.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct RoleInfo {
    pub(crate) name: String,
    pub(crate) permissions: Vec<String>,
}

/// What a create or update asks for; `None` keeps the field.
#[derive(Debug, Clone, Default)]
pub(crate) struct RoleChange {
    pub(crate) name: Option<String>,
    pub(crate) key: Option<String>,
    pub(crate) description: Option<String>,
    /// Replaces every permission of the role.
    pub(crate) permissions: Option<Vec<String>>,
}

/// Why a role operation is refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum RoleRefusal {
    /// No role has the id.
    NotFound,
    /// No permission (custom or system) has this id.
    PermissionNotFound(String),
    /// Another role has the key.
    DuplicateKey,
    /// The permission is already the role's.
    AlreadyAssigned,
    /// The permission is not the role's.
    NotAssigned,
    /// The instance has [`MAX_ROLES`] roles.
    QuotaExceeded,
}

/// A key Clerk takes for a role: `org:` then lowercase letters, digits and underscores.
pub(crate) fn valid_role_key(key: &str) -> bool {
    key.strip_prefix("org:").is_some_and(|rest| {
        !rest.is_empty()
            && rest
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
    })
}

#[derive(Debug, Default)]
struct RoleState {
    /// Creation order.
    roles: Vec<StoredRole>,
    /// The permissions of the built-in roles that are not custom ones of the permission store:
    /// Clerk's system permissions (and the emulated instance's own built-in custom one).
    catalog: Vec<Permission>,
    last_created_at: i64,
}

/// Every role of the instance.
#[derive(Debug, Clone)]
pub(crate) struct OrganizationRoles {
    state: Arc<Mutex<RoleState>>,
    permissions: OrganizationPermissions,
}

impl OrganizationRoles {
    /// The roles of an instance whose built-in roles are `builtins` (`(key, name, permission
    /// keys)`), with the custom permissions of `permissions`.
    pub(crate) fn new<'a>(
        permissions: OrganizationPermissions,
        builtins: impl IntoIterator<Item = (&'a str, &'a str, &'a [&'a str])>,
    ) -> Self {
        let mut state = RoleState::default();
        let now = now_ms();
        for (key, name, keys) in builtins {
            let mut ids = Vec::new();
            for permission_key in keys {
                let id = match state.catalog.iter().find(|p| p.key == *permission_key) {
                    Some(known) => known.id.clone(),
                    None => {
                        let permission = Permission {
                            id: new_id("perm_"),
                            name: system_permission_name(permission_key),
                            key: (*permission_key).to_owned(),
                            description: String::new(),
                            created_at: now,
                            updated_at: now,
                        };
                        let id = permission.id.clone();
                        state.catalog.push(permission);
                        id
                    }
                };
                ids.push(id);
            }
            state.roles.push(StoredRole {
                id: new_id("role_"),
                name: name.to_owned(),
                key: key.to_owned(),
                description: None,
                permission_ids: ids,
                created_at: now,
                updated_at: now,
            });
        }
        state.last_created_at = now;
        Self {
            state: Arc::new(Mutex::new(state)),
            permissions,
        }
    }

    /// The custom permissions the roles draw on.
    pub(crate) fn permissions(&self) -> &OrganizationPermissions {
        &self.permissions
    }

    /// The roles whose name or key contains `query` (all without one), newest first.
    pub(crate) fn list(&self, query: Option<&str>) -> Vec<StoredRole> {
        lock(&self.state)
            .roles
            .iter()
            .rev()
            .filter(|r| query.is_none_or(|q| r.name.contains(q) || r.key.contains(q)))
            .cloned()
            .collect()
    }

    /// The role `id`.
    pub(crate) fn get(&self, id: &str) -> Option<StoredRole> {
        lock(&self.state).roles.iter().find(|r| r.id == id).cloned()
    }

    /// The role with this key.
    pub(crate) fn by_key(&self, key: &str) -> Option<StoredRole> {
        lock(&self.state).roles.iter().find(|r| r.key == key).cloned()
    }

    /// The name and permission keys of the role with this key.
    pub(crate) fn info(&self, key: &str) -> Option<RoleInfo> {
        let role = self.by_key(key)?;
        let permissions = self
            .resolve(&role.permission_ids)
            .into_iter()
            .map(|(permission, _)| permission.key)
            .collect();
        Some(RoleInfo {
            name: role.name,
            permissions,
        })
    }

    /// Creates a role (name and key checked by the caller).
    pub(crate) fn create(
        &self,
        name: &str,
        key: &str,
        description: Option<String>,
        permission_ids: Vec<String>,
    ) -> Result<StoredRole, RoleRefusal> {
        self.check_permissions(&permission_ids)?;
        let mut state = lock(&self.state);
        if state.roles.iter().any(|r| r.key == key) {
            return Err(RoleRefusal::DuplicateKey);
        }
        if state.roles.len() >= MAX_ROLES {
            return Err(RoleRefusal::QuotaExceeded);
        }
        let now = now_ms().max(state.last_created_at + 1);
        state.last_created_at = now;
        let role = StoredRole {
            id: new_id("role_"),
            name: name.to_owned(),
            key: key.to_owned(),
            description,
            permission_ids: dedup(permission_ids),
            created_at: now,
            updated_at: now,
        };
        state.roles.push(role.clone());
        Ok(role)
    }

    /// Applies `change` to the role `id`; returns the role before and after (a changed key is
    /// the caller's to carry over to memberships).
    pub(crate) fn update(
        &self,
        id: &str,
        change: RoleChange,
    ) -> Result<(StoredRole, StoredRole), RoleRefusal> {
        if let Some(ids) = &change.permissions {
            self.check_permissions(ids)?;
        }
        let mut state = lock(&self.state);
        if let Some(key) = &change.key {
            if state.roles.iter().any(|r| &r.key == key && r.id != id) {
                return Err(RoleRefusal::DuplicateKey);
            }
        }
        let role = state
            .roles
            .iter_mut()
            .find(|r| r.id == id)
            .ok_or(RoleRefusal::NotFound)?;
        let before = role.clone();
        if let Some(name) = change.name {
            role.name = name;
        }
        if let Some(key) = change.key {
            role.key = key;
        }
        if let Some(description) = change.description {
            role.description = Some(description);
        }
        if let Some(ids) = change.permissions {
            role.permission_ids = dedup(ids);
        }
        role.updated_at = now_ms().max(role.updated_at + 1);
        Ok((before, role.clone()))
    }

    /// Deletes the role `id` (whether it is in use is the caller's to check first).
    pub(crate) fn delete(&self, id: &str) -> Option<StoredRole> {
        let mut state = lock(&self.state);
        let index = state.roles.iter().position(|r| r.id == id)?;
        Some(state.roles.remove(index))
    }

    /// Gives the role `role_id` the permission `permission_id`.
    pub(crate) fn assign(&self, role_id: &str, permission_id: &str) -> Result<StoredRole, RoleRefusal> {
        self.get(role_id).ok_or(RoleRefusal::NotFound)?;
        self.check_permissions(&[permission_id.to_owned()])?;
        self.edit(role_id, |role| {
            if role.permission_ids.iter().any(|p| p == permission_id) {
                return Err(RoleRefusal::AlreadyAssigned);
            }
            role.permission_ids.push(permission_id.to_owned());
            Ok(())
        })
    }

    /// Takes the permission `permission_id` from the role `role_id`.
    pub(crate) fn remove(&self, role_id: &str, permission_id: &str) -> Result<StoredRole, RoleRefusal> {
        self.get(role_id).ok_or(RoleRefusal::NotFound)?;
        self.check_permissions(&[permission_id.to_owned()])?;
        self.edit(role_id, |role| {
            let index = role
                .permission_ids
                .iter()
                .position(|p| p == permission_id)
                .ok_or(RoleRefusal::NotAssigned)?;
            role.permission_ids.remove(index);
            Ok(())
        })
    }

    /// The `Role` JSON Clerk serves: its permissions as `Permission` objects (a deleted custom
    /// permission is gone from every role).
    pub(crate) fn to_json(&self, role: &StoredRole) -> Value {
        let permissions: Vec<Value> = self
            .resolve(&role.permission_ids)
            .into_iter()
            .map(|(permission, system)| {
                let mut json = permission.to_json();
                if system {
                    json["type"] = Value::from("system");
                }
                json
            })
            .collect();
        let creator_eligible = permissions.iter().any(|p| p["key"] == CREATOR_PERMISSION);
        json!({
            "object": "role",
            "id": role.id,
            "name": role.name,
            "key": role.key,
            "description": role.description,
            "is_creator_eligible": creator_eligible,
            "permissions": permissions,
            "created_at": role.created_at,
            "updated_at": role.updated_at,
        })
    }

    /// The permissions with these ids that still exist, with whether each is a system one.
    fn resolve(&self, ids: &[String]) -> Vec<(Permission, bool)> {
        let catalog = lock(&self.state).catalog.clone();
        ids.iter()
            .filter_map(|id| match catalog.iter().find(|p| &p.id == id) {
                Some(p) => Some((p.clone(), p.key.starts_with("org:sys_"))),
                None => self.permissions.get(id).map(|p| (p, false)),
            })
            .collect()
    }

    fn check_permissions(&self, ids: &[String]) -> Result<(), RoleRefusal> {
        let catalog = lock(&self.state).catalog.clone();
        match ids
            .iter()
            .find(|id| !catalog.iter().any(|p| &p.id == *id) && self.permissions.get(id).is_none())
        {
            Some(missing) => Err(RoleRefusal::PermissionNotFound(missing.clone())),
            None => Ok(()),
        }
    }

    fn edit(
        &self,
        id: &str,
        f: impl FnOnce(&mut StoredRole) -> Result<(), RoleRefusal>,
    ) -> Result<StoredRole, RoleRefusal> {
        let mut state = lock(&self.state);
        let role = state
            .roles
            .iter_mut()
            .find(|r| r.id == id)
            .ok_or(RoleRefusal::NotFound)?;
        f(role)?;
        role.updated_at = now_ms().max(role.updated_at + 1);
        Ok(role.clone())
    }
}

fn dedup(ids: Vec<String>) -> Vec<String> {
    let mut out: Vec<String> = Vec::with_capacity(ids.len());
    for id in ids {
        if !out.contains(&id) {
            out.push(id);
        }
    }
    out
}

/// The name Clerk shows for one of its system permissions (the key for any other).
fn system_permission_name(key: &str) -> String {
    match key {
        "org:sys_profile:manage" => "Manage organization",
        "org:sys_profile:delete" => "Delete organization",
        "org:sys_memberships:read" => "Read members",
        "org:sys_memberships:manage" => "Manage members",
        "org:sys_domains:read" => "Read domains",
        "org:sys_domains:manage" => "Manage domains",
        other => other,
    }
    .to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn roles() -> OrganizationRoles {
        let admin: &[&str] = &["org:sys_memberships:manage", "org:sys_memberships:read"];
        let member: &[&str] = &["org:sys_memberships:read"];
        OrganizationRoles::new(
            OrganizationPermissions::default(),
            [("org:admin", "Admin", admin), ("org:member", "Member", member)],
        )
    }

    #[test]
    fn role_keys_are_org_and_lowercase() {
        assert!(valid_role_key("org:billing_manager"));
        assert!(valid_role_key("org:team2"));
        assert!(!valid_role_key("org:"));
        assert!(!valid_role_key("billing"));
        assert!(!valid_role_key("org:Billing"));
        assert!(!valid_role_key("org:a:b"));
    }

    #[test]
    fn builtin_roles_share_their_system_permissions() {
        let roles = roles();
        let admin = roles.by_key("org:admin").expect("admin");
        let member = roles.by_key("org:member").expect("member");
        assert_eq!(admin.permission_ids[1], member.permission_ids[0]);
        let json = roles.to_json(&admin);
        assert_eq!(json["is_creator_eligible"], true);
        assert_eq!(json["permissions"][0]["type"], "system");
        assert_eq!(roles.to_json(&member)["is_creator_eligible"], false);
    }

    #[test]
    fn permissions_are_assigned_once_and_removed_once() {
        let roles = roles();
        let permission = roles
            .permissions()
            .create("Read", "org:team:read", "")
            .expect("permission");
        let role = roles
            .create("Viewer", "org:viewer", None, Vec::new())
            .expect("role");
        assert_eq!(
            roles.create("Again", "org:viewer", None, Vec::new()),
            Err(RoleRefusal::DuplicateKey)
        );
        roles.assign(&role.id, &permission.id).expect("assigned");
        assert_eq!(
            roles.assign(&role.id, &permission.id),
            Err(RoleRefusal::AlreadyAssigned)
        );
        assert_eq!(
            roles.info("org:viewer").map(|info| info.permissions),
            Some(vec!["org:team:read".to_owned()])
        );
        roles.remove(&role.id, &permission.id).expect("removed");
        assert_eq!(
            roles.remove(&role.id, &permission.id),
            Err(RoleRefusal::NotAssigned)
        );
        assert_eq!(
            roles.assign(&role.id, "perm_missing"),
            Err(RoleRefusal::PermissionNotFound("perm_missing".to_owned()))
        );
    }

    #[test]
    fn the_store_is_bounded() {
        let roles = roles();
        for i in 0..MAX_ROLES - 2 {
            roles
                .create("R", &format!("org:r{i}"), None, Vec::new())
                .expect("room");
        }
        assert_eq!(
            roles.create("R", "org:one_more", None, Vec::new()),
            Err(RoleRefusal::QuotaExceeded)
        );
    }
}
