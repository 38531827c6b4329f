//! Application invitations (`/v1/invitations`).

use std::sync::{Arc, Mutex};

use serde_json::{json, Map, Value};

use crate::clock::now_ms;
use crate::ids::new_id;
use crate::ids::random_hex;
use crate::lock::lock;

/// An invitation as the emulator keeps it.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Invitation {
    pub(crate) id: String,
    pub(crate) email_address: String,
    pub(crate) public_metadata: Map<String, Value>,
    /// `pending`, `accepted`, `revoked` or `expired`.
    pub(crate) status: &'static str,
    pub(crate) url: Option<String>,
    pub(crate) expires_at: i64,
    pub(crate) created_at: i64,
    pub(crate) updated_at: i64,
}

impl Invitation {
    /// The JSON Clerk serves.
    pub(crate) fn to_json(&self) -> Value {
        let mut out = json!({
            "object": "invitation",
            "id": self.id,
            "email_address": self.email_address,
            "public_metadata": self.public_metadata,
            "revoked": self.status == "revoked",
            "status": self.status,
            "expires_at": self.expires_at,
            "created_at": self.created_at,
            "updated_at": self.updated_at,
        });
        if let (Some(map), Some(url)) = (out.as_object_mut(), &self.url) {
            map.insert("url".to_owned(), Value::from(url.as_str()));
        }
        out
    }
}

/// Why an invitation cannot be created or revoked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum InvitationError {
    /// A pending invitation for the address exists.
    Duplicate(String),
    NotFound,
    AlreadyRevoked,
    AlreadyAccepted,
}

/// The emulator's application invitations, in creation order.
#[derive(Debug, Clone, Default)]
pub(crate) struct Invitations {
    invitations: Arc<Mutex<Vec<Invitation>>>,
}

impl Invitations {
    /// Creates a pending invitation; refuses a second pending one for the same address unless
    /// `ignore_existing`.
    pub(crate) fn create(
        &self,
        email_address: &str,
        public_metadata: Map<String, Value>,
        expires_in_days: i64,
        redirect_url: Option<&str>,
        ignore_existing: bool,
        frontend: &str,
    ) -> Result<Invitation, InvitationError> {
        let mut invitations = lock(&self.invitations);
        let taken = invitations
            .iter()
            .any(|i| i.status == "pending" && i.email_address.eq_ignore_ascii_case(email_address));
        if taken && !ignore_existing {
            return Err(InvitationError::Duplicate(email_address.to_owned()));
        }
        let now = now_ms().max(invitations.last().map_or(0, |i| i.created_at + 1));
        let ticket = random_hex(64);
        let url = match redirect_url {
            Some(redirect) => format!("{redirect}?__clerk_ticket={ticket}"),
            None => format!("{frontend}/v1/tickets/accept?ticket={ticket}"),
        };
        let invitation = Invitation {
            id: new_id("inv_"),
            email_address: email_address.to_owned(),
            public_metadata,
            status: "pending",
            url: Some(url),
            expires_at: now.saturating_add(expires_in_days.saturating_mul(24 * 3600 * 1000)),
            created_at: now,
            updated_at: now,
        };
        invitations.push(invitation.clone());
        Ok(invitation)
    }

    /// Every invitation, oldest first.
    pub(crate) fn all(&self) -> Vec<Invitation> {
        lock(&self.invitations).clone()
    }

    /// Revokes a pending invitation.
    pub(crate) fn revoke(&self, id: &str) -> Result<Invitation, InvitationError> {
        let mut invitations = lock(&self.invitations);
        let invitation = invitations
            .iter_mut()
            .find(|i| i.id == id)
            .ok_or(InvitationError::NotFound)?;
        match invitation.status {
            "revoked" => return Err(InvitationError::AlreadyRevoked),
            "accepted" => return Err(InvitationError::AlreadyAccepted),
            _ => {}
        }
        invitation.status = "revoked";
        invitation.updated_at = now_ms().max(invitation.updated_at + 1);
        Ok(invitation.clone())
    }
}
