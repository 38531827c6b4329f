//! Organization invitations: [`CreateOrganizationInvitation`] and
//! [`OrganizationInvitationListParams`]: the body and filters of the generated
//! `organization_invitations()` calls. They answer clerk-core's
//! [`OrganizationInvitation`](crate::models::OrganizationInvitation), the type of the webhooks
//! too (its status is the [`InvitationStatus`] of application invitations: the same four states).

use std::fmt;

use clerk_core::webhook::InvitationStatus;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::params::{keys_of, Query};
use super::redacted::Redacted;
use crate::operations::Operation;

/// The body of `POST /v1/organizations/{id}/invitations`
/// ([`organization_invitations().create`](crate::organization_invitations::OrganizationInvitations::create)). Its `Debug` never shows
/// `private_metadata`.
///
/// # Examples
///
/// ```
/// use clerk_backend::CreateOrganizationInvitation;
///
/// let invite = CreateOrganizationInvitation {
///     notify: Some(false),
///     ..CreateOrganizationInvitation::new("ada@example.com", "org:member")
/// };
/// assert_eq!(invite.role, "org:member");
/// ```
#[derive(Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct CreateOrganizationInvitation {
    /// `email_address` (required).
    pub email_address: String,
    /// `role` (required), e.g. `org:member`.
    pub role: String,
    /// `inviter_user_id`: an admin of the organization.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub inviter_user_id: Option<String>,
    /// `public_metadata`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub public_metadata: Option<Value>,
    /// `private_metadata` (redacted in `Debug`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub private_metadata: Option<Value>,
    /// `redirect_url`: where the acceptance link leads.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub redirect_url: Option<String>,
    /// `expires_in_days`: 1..=365; Clerk's default is 30.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expires_in_days: Option<u32>,
    /// `notify`: whether Clerk emails the invitation; Clerk's default is `true`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub notify: Option<bool>,
}

impl CreateOrganizationInvitation {
    /// An invitation of `email_address` with `role`.
    pub fn new(email_address: impl Into<String>, role: impl Into<String>) -> Self {
        Self {
            email_address: email_address.into(),
            role: role.into(),
            ..Self::default()
        }
    }
}

impl fmt::Debug for CreateOrganizationInvitation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CreateOrganizationInvitation")
            .field("email_address", &self.email_address)
            .field("role", &self.role)
            .field("inviter_user_id", &self.inviter_user_id)
            .field("public_metadata", &self.public_metadata)
            .field("private_metadata", &Redacted(self.private_metadata.is_some()))
            .field("redirect_url", &self.redirect_url)
            .field("expires_in_days", &self.expires_in_days)
            .field("notify", &self.notify)
            .finish()
    }
}

/// Filters and paging of `GET /v1/organizations/{id}/invitations`
/// ([`organization_invitations().list`](crate::organization_invitations::OrganizationInvitations::list)).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct OrganizationInvitationListParams {
    /// `status`: only invitations with this status.
    pub status: Option<InvitationStatus>,
    /// `email_address`: only invitations of this address.
    pub email_address: Option<String>,
    /// `order_by`: `[+|-]created_at` or `email_address`; Clerk's default is `-created_at`.
    pub order_by: Option<String>,
    /// `limit`: page size, 1..=500; Clerk's default is 10.
    pub limit: Option<u32>,
    /// `offset`: items to skip.
    pub offset: Option<u32>,
}

impl OrganizationInvitationListParams {
    /// The query string of `op` (without `?`): the keys set here that the operation lists.
    pub(crate) fn query_for(&self, op: &Operation) -> String {
        keys_of(op, &self.to_query())
    }

    fn to_query(&self) -> String {
        let mut query = Query::default();
        query.opt("status", self.status.as_ref().map(InvitationStatus::as_str));
        query.opt("email_address", self.email_address.as_deref());
        query.opt("order_by", self.order_by.as_deref());
        query.paging(self.limit, self.offset);
        query.finish()
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    /// The answer of the generated `organization_invitations()` calls is clerk-core's type:
    /// tolerant, its status the enum of application invitations, its private metadata never
    /// serialized, and its `Debug` hides the metadata, the email address and the ticket URL.
    #[test]
    fn an_invitation_is_tolerant_and_keeps_private_metadata_private() {
        let invitation: crate::models::OrganizationInvitation = serde_json::from_value(json!({
            "object": "organization_invitation",
            "id": "orginv_1",
            "email_address": "ada@example.com",
            "role": "org:member",
            "status": "pending",
            "private_metadata": {"secret": "s3cr3t"},
            "url": "https://x/?__clerk_ticket=t1ck3t",
            "future_field": [1, 2],
            "created_at": 1,
            "updated_at": 2
        }))
        .expect("tolerant");
        assert_eq!(invitation.status, Some(InvitationStatus::Pending));
        assert_eq!(invitation.private_metadata["secret"], "s3cr3t");
        let out = serde_json::to_string(&invitation).expect("serializes");
        assert!(!out.contains("s3cr3t") && out.contains("orginv_1"), "{out}");
        let shown = format!("{invitation:?}");
        for secret in ["s3cr3t", "ada@example.com", "t1ck3t"] {
            assert!(!shown.contains(secret), "{secret} in {shown}");
        }
        let unknown: crate::models::OrganizationInvitation =
            serde_json::from_value(json!({"id": "orginv_2", "status": "brand_new"})).expect("tolerant");
        assert_eq!(
            unknown.status,
            Some(InvitationStatus::Unknown("brand_new".to_owned()))
        );
    }

    #[test]
    fn list_query_sends_the_status() {
        let params = OrganizationInvitationListParams {
            status: Some(InvitationStatus::Pending),
            limit: Some(5),
            ..Default::default()
        };
        assert_eq!(
            params.query_for(&crate::generated::operations::LIST_ORGANIZATION_INVITATIONS),
            "status=pending&limit=5"
        );
    }
}
