//! The instance's custom organization permissions (`org:feature:action`), as the Backend API's
//! `/v1/organization_permissions` serves them.

use std::sync::{Arc, Mutex};

use serde_json::{json, Value};

use crate::clock::now_ms;
use crate::ids::new_id;
use crate::lock::lock;

/// One custom permission.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Permission {
    pub(crate) id: String,
    pub(crate) name: String,
    pub(crate) key: String,
    pub(crate) description: String,
    pub(crate) created_at: i64,
    pub(crate) updated_at: i64,
}

impl Permission {
    /// The JSON Clerk serves (`type` is `user`: a permission the instance made, not a system one).
    pub(crate) fn to_json(&self) -> Value {
        json!({
            "object": "permission",
            "id": self.id,
            "name": self.name,
            "key": self.key,
            "description": self.description,
            "type": "user",
            "created_at": self.created_at,
            "updated_at": self.updated_at,
        })
    }
}

/// What a create or update changes; `None` keeps the field.
#[derive(Debug, Clone, Default)]
pub(crate) struct PermissionChange {
    pub(crate) name: Option<String>,
    pub(crate) key: Option<String>,
    pub(crate) description: Option<String>,
}

/// Why a create or update is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum PermissionRefusal {
    /// Another permission has the key.
    DuplicateKey,
    /// No permission has the id.
    NotFound,
}

/// A key Clerk takes: `org:feature:action`, lowercase letters, digits and underscores, not
/// `org:sys_…` (reserved for system permissions).
pub(crate) fn valid_key(key: &str) -> bool {
    let segment = |s: &str| {
        !s.is_empty()
            && s.chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
    };
    match key.split(':').collect::<Vec<_>>().as_slice() {
        ["org", feature, action] => segment(feature) && segment(action) && !feature.starts_with("sys_"),
        _ => false,
    }
}

/// Every custom permission, in creation order.
#[derive(Debug, Clone, Default)]
pub(crate) struct OrganizationPermissions {
    items: Arc<Mutex<Vec<Permission>>>,
}

impl OrganizationPermissions {
    /// The permissions whose name or key contains `query` (all without one), newest first.
    pub(crate) fn list(&self, query: Option<&str>) -> Vec<Permission> {
        lock(&self.items)
            .iter()
            .rev()
            .filter(|p| query.is_none_or(|q| p.name.contains(q) || p.key.contains(q)))
            .cloned()
            .collect()
    }

    /// Creates a permission (name and key checked by the caller).
    pub(crate) fn create(
        &self,
        name: &str,
        key: &str,
        description: &str,
    ) -> Result<Permission, PermissionRefusal> {
        let mut items = lock(&self.items);
        if items.iter().any(|p| p.key == key) {
            return Err(PermissionRefusal::DuplicateKey);
        }
        let now = now_ms();
        let permission = Permission {
            id: new_id("perm_"),
            name: name.to_owned(),
            key: key.to_owned(),
            description: description.to_owned(),
            created_at: now,
            updated_at: now,
        };
        items.push(permission.clone());
        Ok(permission)
    }

    /// The permission `id`.
    pub(crate) fn get(&self, id: &str) -> Option<Permission> {
        lock(&self.items).iter().find(|p| p.id == id).cloned()
    }

    /// Applies `change` to the permission `id`.
    pub(crate) fn update(&self, id: &str, change: PermissionChange) -> Result<Permission, PermissionRefusal> {
        let mut items = lock(&self.items);
        if let Some(key) = &change.key {
            if items.iter().any(|p| &p.key == key && p.id != id) {
                return Err(PermissionRefusal::DuplicateKey);
            }
        }
        let permission = items
            .iter_mut()
            .find(|p| p.id == id)
            .ok_or(PermissionRefusal::NotFound)?;
        if let Some(name) = change.name {
            permission.name = name;
        }
        if let Some(key) = change.key {
            permission.key = key;
        }
        if let Some(description) = change.description {
            permission.description = description;
        }
        permission.updated_at = now_ms();
        Ok(permission.clone())
    }

    /// Deletes the permission `id`.
    pub(crate) fn delete(&self, id: &str) -> Option<Permission> {
        let mut items = lock(&self.items);
        let index = items.iter().position(|p| p.id == id)?;
        Some(items.remove(index))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_org_feature_action_and_system_ones_are_reserved() {
        assert!(valid_key("org:billing:manage"));
        assert!(valid_key("org:team_2:read"));
        assert!(!valid_key("org:sys_profile:manage"));
        assert!(!valid_key("org:Billing:manage"));
        assert!(!valid_key("billing:manage"));
        assert!(!valid_key("org:billing:"));
    }

    #[test]
    fn a_key_is_taken_once() {
        let permissions = OrganizationPermissions::default();
        let first = permissions.create("Read", "org:team:read", "").expect("created");
        assert_eq!(
            permissions.create("Again", "org:team:read", ""),
            Err(PermissionRefusal::DuplicateKey)
        );
        let other = permissions
            .create("Write", "org:team:write", "")
            .expect("created");
        let change = PermissionChange {
            key: Some("org:team:read".to_owned()),
            ..PermissionChange::default()
        };
        assert_eq!(
            permissions.update(&other.id, change),
            Err(PermissionRefusal::DuplicateKey)
        );
        assert_eq!(permissions.delete(&first.id), Some(first));
        assert_eq!(permissions.list(None), vec![other]);
    }
}
