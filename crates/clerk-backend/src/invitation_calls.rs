//! Application invitations: [`Invitation`], [`CreateInvitation`], [`InvitationListParams`]: the
//! answer, body and filters of the generated `invitations()` calls.

use std::fmt;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::params::{keys_of, Query};
use crate::operations::Operation;

/// The state of an [`Invitation`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum InvitationStatus {
    /// `pending`: sent, not used yet.
    Pending,
    /// `accepted`: the invitee signed up.
    Accepted,
    /// `revoked`: its link no longer works.
    Revoked,
    /// `expired`.
    Expired,
    /// A status this version of the crate does not know.
    #[serde(other)]
    Unknown,
}

impl InvitationStatus {
    /// The string Clerk sends (`unknown` for [`InvitationStatus::Unknown`]).
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::Accepted => "accepted",
            Self::Revoked => "revoked",
            Self::Expired => "expired",
            Self::Unknown => "unknown",
        }
    }
}

/// An invitation to sign up to the application (`Invitation` in the spec).
///
/// `Debug` hides `url`: it carries the invitation ticket, which lets its holder sign up as
/// the invitee. Unknown fields are ignored and optional ones default.
#[derive(Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Invitation {
    /// Always `invitation`.
    #[serde(default)]
    pub object: String,
    /// `inv_…`
    pub id: String,
    /// The invitee's email address.
    #[serde(default)]
    pub email_address: String,
    /// Metadata copied to the user's public metadata on sign-up.
    #[serde(default)]
    pub public_metadata: Map<String, Value>,
    /// Whether it was revoked.
    #[serde(default)]
    pub revoked: bool,
    /// Its state.
    pub status: InvitationStatus,
    /// The link to accept it (with the ticket), when Clerk shows it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    /// When it expires, Unix ms.
    #[serde(default)]
    pub expires_at: Option<i64>,
    /// Creation, Unix ms.
    #[serde(default)]
    pub created_at: i64,
    /// Last update, Unix ms.
    #[serde(default)]
    pub updated_at: i64,
}

impl fmt::Debug for Invitation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Invitation")
            .field("id", &self.id)
            .field("email_address", &self.email_address)
            .field("public_metadata", &self.public_metadata)
            .field("revoked", &self.revoked)
            .field("status", &self.status)
            .field("url", &self.url.as_ref().map(|_| "<redacted>"))
            .field("expires_at", &self.expires_at)
            .field("created_at", &self.created_at)
            .field("updated_at", &self.updated_at)
            .finish_non_exhaustive()
    }
}

/// The body of `POST /v1/invitations` ([`invitations().create`](crate::invitations::Invitations::create)):
/// only fields that are set are sent.
///
/// # Examples
///
/// ```
/// use clerk_backend::CreateInvitation;
///
/// let invitation = CreateInvitation {
///     notify: Some(false),
///     ..CreateInvitation::new("ada@example.com")
/// };
/// assert_eq!(
///     serde_json::to_string(&invitation)?,
///     r#"{"email_address":"ada@example.com","notify":false}"#
/// );
/// # Ok::<(), serde_json::Error>(())
/// ```
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct CreateInvitation {
    /// `email_address`: who is invited (required).
    pub email_address: String,
    /// `public_metadata`: copied to the user's public metadata on sign-up.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub public_metadata: Option<Value>,
    /// `redirect_url`: where the link leads (a custom flow).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub redirect_url: Option<String>,
    /// `notify`: whether Clerk emails the invitation (Clerk's default: `true`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub notify: Option<bool>,
    /// `ignore_existing`: create it even when the address is invited or taken already.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ignore_existing: Option<bool>,
    /// `expires_in_days`: 1..=365 (Clerk's default: 30).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expires_in_days: Option<u32>,
    /// `template_slug`: the email template, `invitation` or `waitlist_invitation`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub template_slug: Option<String>,
}

impl CreateInvitation {
    /// An invitation for `email_address`, with Clerk's defaults for the rest.
    pub fn new(email_address: impl Into<String>) -> Self {
        Self {
            email_address: email_address.into(),
            ..Self::default()
        }
    }
}

/// Filters and paging of `GET /v1/invitations`
/// ([`invitations().list`](crate::invitations::Invitations::list)).
#[derive(Debug, Clone, Default, PartialEq)]
#[non_exhaustive]
pub struct InvitationListParams {
    /// `status`: only invitations in this state.
    pub status: Option<InvitationStatus>,
    /// `query`: a part of the email address.
    pub query: Option<String>,
    /// `order_by`: `[+|-]created_at` and the like; Clerk's default is `-created_at`.
    pub order_by: Option<String>,
    /// `limit`: page size, 1..=500; Clerk's default is 10.
    pub limit: Option<u32>,
    /// `offset`: items to skip.
    pub offset: Option<u32>,
}

impl InvitationListParams {
    /// No filter: Clerk's first page, newest first.
    pub fn new() -> Self {
        Self::default()
    }

    /// Sets `status`.
    pub fn status(mut self, status: InvitationStatus) -> Self {
        self.status = Some(status);
        self
    }

    /// Sets `query`.
    pub fn query(mut self, query: impl Into<String>) -> Self {
        self.query = Some(query.into());
        self
    }

    /// Sets `order_by`.
    pub fn order_by(mut self, order_by: impl Into<String>) -> Self {
        self.order_by = Some(order_by.into());
        self
    }

    /// Sets `limit` (1..=500).
    pub fn limit(mut self, limit: u32) -> Self {
        self.limit = Some(limit);
        self
    }

    /// Sets `offset`.
    pub fn offset(mut self, offset: u32) -> Self {
        self.offset = Some(offset);
        self
    }

    /// The query string of `op` (without `?`): the keys set here that the operation lists.
    pub(crate) fn query_for(&self, op: &Operation) -> String {
        keys_of(op, &self.to_query())
    }

    fn to_query(&self) -> String {
        let mut query = Query::default();
        query.push_opt("status", self.status.map(InvitationStatus::as_str));
        query.push_opt("query", self.query.as_deref());
        query.push_opt("order_by", self.order_by.as_deref());
        query.push_opt("limit", self.limit);
        query.push_opt("offset", self.offset);
        query.finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_statuses_and_fields_are_tolerated_and_the_url_is_hidden() {
        let invitation: Invitation = serde_json::from_str(
            r#"{"object":"invitation","id":"inv_1","email_address":"a@example.com",
                "public_metadata":{},"status":"archived","url":"https://x/?__clerk_ticket=secret",
                "created_at":1,"updated_at":2,"brand_new":true}"#,
        )
        .expect("tolerant");
        assert_eq!(invitation.status, InvitationStatus::Unknown);
        assert!(!format!("{invitation:?}").contains("secret"));
    }

    #[test]
    fn list_queries() {
        let params = InvitationListParams::new()
            .status(InvitationStatus::Pending)
            .query("ada")
            .limit(20);
        assert_eq!(
            crate::params::paginated(params.query_for(&crate::generated::operations::LIST_INVITATIONS)),
            "paginated=true&status=pending&query=ada&limit=20"
        );
    }
}
