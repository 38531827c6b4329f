//! One-time tickets: sign-in tokens and actor (impersonation) tokens.

use std::sync::{Arc, Mutex};

use serde_json::{json, Map, Value};

use crate::clock::now_ms;
use crate::ids::new_id;
use crate::ids::random_hex;
use crate::lock::lock;

/// The kind of a [`Ticket`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum TicketKind {
    /// `sign_in_token`, `sit_…`.
    SignIn,
    /// `actor_token`, `act_…`.
    Actor,
}

impl TicketKind {
    fn object(self) -> &'static str {
        match self {
            Self::SignIn => "sign_in_token",
            Self::Actor => "actor_token",
        }
    }

    fn prefix(self) -> &'static str {
        match self {
            Self::SignIn => "sit_",
            Self::Actor => "act_",
        }
    }
}

/// A sign-in or actor token as the emulator keeps it.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Ticket {
    pub(crate) kind: TicketKind,
    pub(crate) id: String,
    pub(crate) user_id: String,
    pub(crate) actor: Option<Map<String, Value>>,
    pub(crate) token: String,
    pub(crate) url: String,
    /// `pending`, `accepted` or `revoked`.
    pub(crate) status: &'static str,
    pub(crate) expires_at: i64,
    pub(crate) created_at: i64,
    pub(crate) updated_at: i64,
}

impl Ticket {
    /// The JSON Clerk serves; `with_secret` adds `token` and `url` (the answer to a create).
    pub(crate) fn to_json(&self, with_secret: bool) -> Value {
        let mut out = json!({
            "object": self.kind.object(),
            "id": self.id,
            "status": self.status,
            "user_id": self.user_id,
            "created_at": self.created_at,
            "updated_at": self.updated_at,
        });
        if let Some(map) = out.as_object_mut() {
            if let Some(actor) = &self.actor {
                map.insert("actor".to_owned(), Value::Object(actor.clone()));
            }
            if with_secret {
                map.insert("token".to_owned(), Value::from(self.token.as_str()));
                map.insert("url".to_owned(), Value::from(self.url.as_str()));
            }
        }
        out
    }
}

/// Why a ticket cannot be revoked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum RevokeError {
    NotFound,
    NotPending(&'static str),
}

/// The emulator's sign-in and actor tokens.
#[derive(Debug, Clone, Default)]
pub(crate) struct Tickets {
    tickets: Arc<Mutex<Vec<Ticket>>>,
}

impl Tickets {
    /// Issues a pending ticket; `frontend` is the Frontend API origin its URL points at.
    pub(crate) fn issue(
        &self,
        kind: TicketKind,
        user_id: &str,
        actor: Option<Map<String, Value>>,
        lifetime_secs: i64,
        frontend: &str,
    ) -> Ticket {
        let now = now_ms();
        let token = random_hex(64);
        let ticket = Ticket {
            kind,
            id: new_id(kind.prefix()),
            user_id: user_id.to_owned(),
            actor,
            url: format!("{frontend}/v1/tickets/accept?ticket={token}"),
            token,
            status: "pending",
            expires_at: now.saturating_add(lifetime_secs.saturating_mul(1000)),
            created_at: now,
            updated_at: now,
        };
        lock(&self.tickets).push(ticket.clone());
        ticket
    }

    /// Revokes a pending ticket of `kind`.
    pub(crate) fn revoke(&self, kind: TicketKind, id: &str) -> Result<Ticket, RevokeError> {
        let mut tickets = lock(&self.tickets);
        let ticket = tickets
            .iter_mut()
            .find(|t| t.kind == kind && t.id == id)
            .ok_or(RevokeError::NotFound)?;
        if ticket.status != "pending" {
            return Err(RevokeError::NotPending(ticket.status));
        }
        ticket.status = "revoked";
        ticket.updated_at = now_ms().max(ticket.updated_at + 1);
        Ok(ticket.clone())
    }
}
