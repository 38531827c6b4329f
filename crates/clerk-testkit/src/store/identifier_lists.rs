//! The allow-list and block-list of sign-up identifiers.

use std::sync::{Arc, Mutex};

use serde_json::{json, Value};

use crate::clock::now_ms;
use crate::ids::new_id;
use crate::lock::lock;

/// Which list.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ListKind {
    Allow,
    Block,
}

impl ListKind {
    pub(crate) fn object(self) -> &'static str {
        match self {
            Self::Allow => "allowlist_identifier",
            Self::Block => "blocklist_identifier",
        }
    }

    fn prefix(self) -> &'static str {
        match self {
            Self::Allow => "alid_",
            Self::Block => "blid_",
        }
    }
}

/// One entry.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Entry {
    pub(crate) kind: ListKind,
    pub(crate) id: String,
    pub(crate) identifier: String,
    pub(crate) identifier_type: &'static str,
    pub(crate) created_at: i64,
    pub(crate) updated_at: i64,
}

impl Entry {
    /// The JSON Clerk serves.
    pub(crate) fn to_json(&self, instance_id: &str) -> Value {
        json!({
            "object": self.kind.object(),
            "id": self.id,
            "identifier": self.identifier,
            "identifier_type": self.identifier_type,
            "instance_id": instance_id,
            "created_at": self.created_at,
            "updated_at": self.updated_at,
        })
    }
}

/// The kind of an identifier: an email address (or, on the block-list, a domain), a phone
/// number or a web3 wallet; `None` when it is none of them.
pub(crate) fn identifier_type(identifier: &str) -> Option<&'static str> {
    if identifier.contains('@') || identifier.contains('.') && !identifier.starts_with("0x") {
        Some("email_address")
    } else if identifier.starts_with("0x") && identifier.len() > 2 {
        Some("web3_wallet")
    } else if identifier.starts_with('+')
        && identifier[1..].chars().all(|c| c.is_ascii_digit())
        && identifier.len() > 4
    {
        Some("phone_number")
    } else {
        None
    }
}

/// Both lists.
#[derive(Debug, Clone, Default)]
pub(crate) struct IdentifierLists {
    entries: Arc<Mutex<Vec<Entry>>>,
}

impl IdentifierLists {
    /// Adds an entry; `Err(())` when the identifier is on that list already.
    pub(crate) fn add(
        &self,
        kind: ListKind,
        identifier: &str,
        identifier_type: &'static str,
    ) -> Result<Entry, ()> {
        let mut entries = lock(&self.entries);
        if entries
            .iter()
            .any(|e| e.kind == kind && e.identifier.eq_ignore_ascii_case(identifier))
        {
            return Err(());
        }
        let now = now_ms();
        let entry = Entry {
            kind,
            id: new_id(kind.prefix()),
            identifier: identifier.to_owned(),
            identifier_type,
            created_at: now,
            updated_at: now,
        };
        entries.push(entry.clone());
        Ok(entry)
    }

    /// The entries of a list, newest first.
    pub(crate) fn list(&self, kind: ListKind) -> Vec<Entry> {
        lock(&self.entries)
            .iter()
            .rev()
            .filter(|e| e.kind == kind)
            .cloned()
            .collect()
    }

    /// Removes an entry.
    pub(crate) fn remove(&self, kind: ListKind, id: &str) -> Option<Entry> {
        let mut entries = lock(&self.entries);
        let index = entries.iter().position(|e| e.kind == kind && e.id == id)?;
        Some(entries.remove(index))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identifier_types() {
        assert_eq!(identifier_type("a@example.com"), Some("email_address"));
        assert_eq!(identifier_type("example.com"), Some("email_address"));
        assert_eq!(identifier_type("+15555550123"), Some("phone_number"));
        assert_eq!(identifier_type("0xabc"), Some("web3_wallet"));
        assert_eq!(identifier_type("nonsense"), None);
    }
}
