//! Organization invitations: the [`OrganizationInvitation`] model (its status is the
//! [`InvitationStatus`] of application invitations: the same four states),
//! [`CreateOrganizationInvitation`], [`OrganizationInvitationListParams`] and the
//! [`ClerkClient`] calls of `/v1/organizations/{id}/invitations`.

use std::fmt;

use awc::http::Method;
use serde::{Deserialize, Serialize};
use serde_json::{json, Map, Value};

use super::clerk_client::{json_body, with_query, ClerkClient};
use super::error::ApiResult;
use super::invitation_calls::InvitationStatus;
use super::paging::{Page, Paged, Paging, DEFAULT_PAGE_SIZE};
use super::params::{path_segment, Query};
use super::redacted::Redacted;

/// An organization invitation (`GET /v1/organizations/{id}/invitations/{invitation_id}`,
/// `organizationInvitation.*` webhooks).
///
/// Tolerant like [`User`](clerk_core::User): unknown fields are ignored and optional ones may
/// be missing. It never serializes its private metadata (read it with
/// [`OrganizationInvitation::private_metadata`]), and `Debug` hides it and the invitee's email
/// address.
#[derive(Clone, PartialEq, Serialize, Deserialize)]
pub struct OrganizationInvitation {
    /// Always `organization_invitation`.
    #[serde(default)]
    pub object: String,
    /// `orginv_…`
    pub id: String,
    /// The invitee's email address.
    #[serde(default)]
    pub email_address: String,
    /// The role the invitee gets, e.g. `org:member`.
    #[serde(default)]
    pub role: String,
    /// The role's display name.
    #[serde(default)]
    pub role_name: Option<String>,
    /// The organization, `org_…`.
    #[serde(default)]
    pub organization_id: Option<String>,
    /// The inviting user, if any.
    #[serde(default)]
    pub inviter_id: Option<String>,
    /// The inviter's public data, kept as JSON.
    #[serde(default)]
    pub public_inviter_data: Option<Value>,
    /// The status ([`InvitationStatus::Unknown`] when missing or new).
    #[serde(default = "unknown_status")]
    pub status: InvitationStatus,
    /// Metadata readable by the frontend (moved to the membership on acceptance).
    #[serde(default)]
    pub public_metadata: Map<String, Value>,
    /// Backend-only metadata: read with [`OrganizationInvitation::private_metadata`].
    #[serde(default, skip_serializing)]
    private_metadata: Option<Map<String, Value>>,
    /// The acceptance link, when Clerk exposes it.
    #[serde(default)]
    pub url: Option<String>,
    /// Expiry, ms.
    #[serde(default)]
    pub expires_at: Option<i64>,
    /// Creation, ms.
    #[serde(default)]
    pub created_at: i64,
    /// Last update, ms.
    #[serde(default)]
    pub updated_at: i64,
}

fn unknown_status() -> InvitationStatus {
    InvitationStatus::Unknown
}

impl OrganizationInvitation {
    /// Backend-only metadata, as Clerk sent it. The server's to read: `Serialize` and `Debug`
    /// leave it out.
    pub fn private_metadata(&self) -> Option<&Map<String, Value>> {
        self.private_metadata.as_ref()
    }
}

impl fmt::Debug for OrganizationInvitation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OrganizationInvitation")
            .field("id", &self.id)
            .field("email_address", &Redacted(!self.email_address.is_empty()))
            .field("role", &self.role)
            .field("organization_id", &self.organization_id)
            .field("inviter_id", &self.inviter_id)
            .field("status", &self.status)
            .field("public_metadata", &self.public_metadata)
            .field("private_metadata", &Redacted(self.private_metadata.is_some()))
            .field("expires_at", &self.expires_at)
            .field("created_at", &self.created_at)
            .field("updated_at", &self.updated_at)
            .finish_non_exhaustive()
    }
}

/// The body of `POST /v1/organizations/{id}/invitations`
/// ([`ClerkClient::create_organization_invitation`]). Its `Debug` never shows
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
#[derive(Clone, Default, PartialEq, Serialize)]
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
/// ([`ClerkClient::list_organization_invitations`]).
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
    fn to_query(&self) -> String {
        let mut query = Query::default();
        query.opt("status", self.status.map(InvitationStatus::as_str));
        query.opt("email_address", self.email_address.as_deref());
        query.opt("order_by", self.order_by.as_deref());
        query.paging(self.limit, self.offset);
        query.finish()
    }
}

impl ClerkClient {
    /// `POST /v1/organizations/{id}/invitations`: creates a pending invitation (and, unless
    /// `notify` is `false`, Clerk emails it). Never retried.
    ///
    /// On a timeout or a transport failure **the invitation may exist and its email may be
    /// sent**: list the pending invitations of the address
    /// ([`OrganizationInvitationListParams::email_address`]) before trying again. A blind repeat
    /// of a create that did land answers 400 `organization_invitation_not_unique`.
    ///
    /// # Errors
    ///
    /// [`ApiError::InvalidArgument`](super::ApiError::InvalidArgument) for an empty or unsafe
    /// id; 404 for an unknown organization; 400 `organization_invitation_not_unique`; 403
    /// `not_an_admin_in_organization` for an inviter who is not an admin; 422 for a missing
    /// or malformed field; 429 past 250 per hour; see [`ApiError`](super::ApiError).
    pub async fn create_organization_invitation(
        &self,
        organization_id: &str,
        invitation: &CreateOrganizationInvitation,
    ) -> ApiResult<OrganizationInvitation> {
        let url = format!(
            "{}/organizations/{}/invitations",
            self.versioned(),
            path_segment(organization_id)?
        );
        let call = self.call(
            "POST /v1/organizations/{id}/invitations",
            Method::POST,
            url,
            Some(json_body(invitation)?),
            false,
        );
        self.json(call).await
    }

    /// `GET /v1/organizations/{id}/invitations`: one page, filtered by status or address.
    /// Retried.
    ///
    /// # Errors
    ///
    /// [`ApiError::InvalidArgument`](super::ApiError::InvalidArgument) for an empty or unsafe
    /// id; 404 for an unknown organization; 422 for an invalid status; see
    /// [`ApiError`](super::ApiError).
    pub async fn list_organization_invitations(
        &self,
        organization_id: &str,
        params: &OrganizationInvitationListParams,
    ) -> ApiResult<Page<OrganizationInvitation>> {
        let url = with_query(
            format!(
                "{}/organizations/{}/invitations",
                self.versioned(),
                path_segment(organization_id)?
            ),
            &params.to_query(),
        );
        self.json(self.get("GET /v1/organizations/{id}/invitations", url))
            .await
    }

    /// `GET /v1/organizations/{id}/invitations`, every page: a lazy [`Paged`] stream (offset
    /// paging, `params.limit` a page or [`DEFAULT_PAGE_SIZE`]).
    pub fn list_organization_invitations_stream(
        &self,
        organization_id: &str,
        params: OrganizationInvitationListParams,
    ) -> Paged<OrganizationInvitation> {
        let client = self.clone();
        let organization_id = organization_id.to_owned();
        let limit = params.limit.unwrap_or(DEFAULT_PAGE_SIZE);
        let offset = params.offset.unwrap_or(0);
        Paged::new(limit, offset, None, Paging::Offset, move |page| {
            let client = client.clone();
            let organization_id = organization_id.clone();
            let params = OrganizationInvitationListParams {
                limit: Some(page.limit),
                offset: Some(page.offset),
                ..params.clone()
            };
            async move {
                client
                    .list_organization_invitations(&organization_id, &params)
                    .await
            }
        })
    }

    /// `GET /v1/organizations/{id}/invitations/{invitation_id}`. Retried.
    ///
    /// # Errors
    ///
    /// [`ApiError::InvalidArgument`](super::ApiError::InvalidArgument) for an empty or unsafe
    /// id; 404 when the organization has no such invitation; see
    /// [`ApiError`](super::ApiError).
    pub async fn get_organization_invitation(
        &self,
        organization_id: &str,
        invitation_id: &str,
    ) -> ApiResult<OrganizationInvitation> {
        let url = format!(
            "{}/organizations/{}/invitations/{}",
            self.versioned(),
            path_segment(organization_id)?,
            path_segment(invitation_id)?
        );
        self.json(self.get("GET /v1/organizations/{id}/invitations/{invitation_id}", url))
            .await
    }

    /// `POST /v1/organizations/{id}/invitations/{invitation_id}/revoke`: revokes a pending
    /// invitation and returns it. Retried: revoking leaves the same state, but a repeat after a
    /// lost success answers 404 `organization_invitation_not_pending`, which callers may treat
    /// as done.
    ///
    /// # Errors
    ///
    /// [`ApiError::InvalidArgument`](super::ApiError::InvalidArgument) for an empty or unsafe
    /// id; 404 when there is no such invitation or it is not pending; 403 when
    /// `requesting_user_id` is not an admin; see [`ApiError`](super::ApiError).
    pub async fn revoke_organization_invitation(
        &self,
        organization_id: &str,
        invitation_id: &str,
        requesting_user_id: Option<&str>,
    ) -> ApiResult<OrganizationInvitation> {
        let url = format!(
            "{}/organizations/{}/invitations/{}/revoke",
            self.versioned(),
            path_segment(organization_id)?,
            path_segment(invitation_id)?
        );
        let body = match requesting_user_id {
            Some(user_id) => json!({ "requesting_user_id": user_id }),
            None => json!({}),
        };
        let call = self.call(
            "POST /v1/organizations/{id}/invitations/{invitation_id}/revoke",
            Method::POST,
            url,
            Some(json_body(&body)?),
            true,
        );
        self.json(call).await
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn an_invitation_is_tolerant_and_keeps_private_metadata_private() {
        let invitation: OrganizationInvitation = serde_json::from_value(json!({
            "object": "organization_invitation",
            "id": "orginv_1",
            "email_address": "ada@example.com",
            "role": "org:member",
            "status": "brand_new",
            "private_metadata": {"secret": "s3cr3t"},
            "future_field": [1, 2],
            "created_at": 1,
            "updated_at": 2
        }))
        .expect("tolerant");
        assert_eq!(invitation.status, InvitationStatus::Unknown);
        assert!(invitation.private_metadata().is_some());
        let out = serde_json::to_string(&invitation).expect("serializes");
        assert!(!out.contains("s3cr3t") && out.contains("orginv_1"), "{out}");
        let shown = format!("{invitation:?}");
        assert!(
            !shown.contains("s3cr3t") && !shown.contains("ada@example.com"),
            "{shown}"
        );
    }

    #[test]
    fn list_query_sends_the_status() {
        let params = OrganizationInvitationListParams {
            status: Some(InvitationStatus::Pending),
            limit: Some(5),
            ..Default::default()
        };
        assert_eq!(params.to_query(), "status=pending&limit=5");
    }
}
