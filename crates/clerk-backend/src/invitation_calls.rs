//! Application invitations: [`CreateInvitation`], [`InvitationListParams`]: the body and filters
//! of the generated `invitations()` calls. They answer clerk-core's
//! [`Invitation`](crate::models::Invitation), the type of the webhooks too.

use clerk_core::webhook::InvitationStatus;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::params::{keys_of, Query};
use crate::operations::Operation;

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
        query.push_opt("status", self.status.as_ref().map(InvitationStatus::as_str));
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

    /// The answer of the generated `invitations()` calls is clerk-core's type: tolerant, and its
    /// `Debug` hides the ticket URL (its holder signs up as the invitee) and the email address.
    #[test]
    fn unknown_statuses_and_fields_are_tolerated_and_the_url_is_hidden() {
        let invitation: crate::models::Invitation = serde_json::from_str(
            r#"{"object":"invitation","id":"inv_1","email_address":"a@example.com",
                "public_metadata":{},"status":"archived","url":"https://x/?__clerk_ticket=secret",
                "created_at":1,"updated_at":2,"brand_new":true}"#,
        )
        .expect("tolerant");
        assert_eq!(
            invitation.status,
            Some(InvitationStatus::Unknown("archived".to_owned()))
        );
        assert_eq!(
            invitation.url.as_deref(),
            Some("https://x/?__clerk_ticket=secret")
        );
        let shown = format!("{invitation:?}");
        assert!(
            !shown.contains("secret") && !shown.contains("a@example.com"),
            "{shown}"
        );
        assert!(shown.contains("inv_1"), "{shown}");
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
