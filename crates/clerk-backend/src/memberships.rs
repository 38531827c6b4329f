//! Organization memberships: [`CreateMembership`], [`MembershipListParams`] and the
//! [`ClerkClient`] calls of `/v1/organizations/{id}/memberships`,
//! `/v1/organization_memberships` and `/v1/users/{id}/organization_memberships`.

use std::fmt;

use awc::http::Method;
use clerk_core::api::OrganizationMembership;
use serde::Serialize;
use serde_json::{json, Value};

use super::clerk_client::{json_body, with_query, ClerkClient};
use super::error::ApiResult;
use super::organization_calls::metadata_body;
use super::paging::{Page, Paged, Paging, DEFAULT_PAGE_SIZE};
use super::params::{path_segment, Query};
use super::redacted::Redacted;

/// The body of `POST /v1/organizations/{id}/memberships`
/// ([`ClerkClient::create_organization_membership`]).
///
/// Its `Debug` never shows `private_metadata`.
///
/// # Examples
///
/// ```
/// use clerk_backend::CreateMembership;
///
/// let member = CreateMembership::new("user_2abc", "org:member");
/// assert_eq!(
///     serde_json::to_string(&member)?,
///     r#"{"user_id":"user_2abc","role":"org:member"}"#
/// );
/// # Ok::<(), serde_json::Error>(())
/// ```
#[derive(Clone, Default, PartialEq, Serialize)]
pub struct CreateMembership {
    /// `user_id`: a user of the same instance, not yet a member.
    pub user_id: String,
    /// `role`: a role key of the instance, e.g. `org:admin`, `org:member`.
    pub role: String,
    /// `public_metadata`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub public_metadata: Option<Value>,
    /// `private_metadata` (redacted in `Debug`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub private_metadata: Option<Value>,
}

impl CreateMembership {
    /// A membership of `user_id` with `role`, without metadata.
    pub fn new(user_id: impl Into<String>, role: impl Into<String>) -> Self {
        Self {
            user_id: user_id.into(),
            role: role.into(),
            ..Self::default()
        }
    }
}

impl fmt::Debug for CreateMembership {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CreateMembership")
            .field("user_id", &self.user_id)
            .field("role", &self.role)
            .field("public_metadata", &self.public_metadata)
            .field("private_metadata", &Redacted(self.private_metadata.is_some()))
            .finish()
    }
}

/// Filters, paging and ordering of `GET /v1/organizations/{id}/memberships`
/// ([`ClerkClient::list_organization_memberships`]). Only `limit`, `offset` and `order_by`
/// apply to the instance-wide list
/// ([`ClerkClient::list_instance_organization_memberships`]).
///
/// # Examples
///
/// ```
/// use clerk_backend::MembershipListParams;
///
/// let admins = MembershipListParams {
///     role: vec!["org:admin".to_owned()],
///     limit: Some(100),
///     ..Default::default()
/// };
/// assert_eq!(admins.role.len(), 1);
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MembershipListParams {
    /// `user_id`: members with these ids (`+`/`-` prefixes), at most 100.
    pub user_id: Vec<String>,
    /// `email_address`: members with these email addresses.
    pub email_address: Vec<String>,
    /// `role`: members with these roles.
    pub role: Vec<String>,
    /// `query`: partial match over the members' identifiers, ids and names.
    pub query: Option<String>,
    /// `order_by`: `[+|-]created_at`, `first_name`, `last_name`, `email_address`,
    /// `phone_number` or `username`.
    pub order_by: Option<String>,
    /// `limit`: page size, 1..=500; Clerk's default is 10.
    pub limit: Option<u32>,
    /// `offset`: items to skip.
    pub offset: Option<u32>,
}

impl MembershipListParams {
    fn to_query(&self, filters: bool) -> String {
        let mut query = Query::default();
        if filters {
            query.list("user_id", &self.user_id);
            query.list("email_address", &self.email_address);
            query.list("role", &self.role);
            query.opt("query", self.query.as_deref());
        }
        query.opt("order_by", self.order_by.as_deref());
        query.paging(self.limit, self.offset);
        query.finish()
    }
}

impl ClerkClient {
    /// `GET /v1/organizations/{id}/memberships`: one page of an organization's members.
    /// Retried.
    ///
    /// # Errors
    ///
    /// [`ApiError::InvalidArgument`](super::ApiError::InvalidArgument) for an empty or unsafe
    /// id; 404 when there is no such organization; 422 for an invalid filter; see
    /// [`ApiError`](super::ApiError).
    pub async fn list_organization_memberships(
        &self,
        organization_id: &str,
        params: &MembershipListParams,
    ) -> ApiResult<Page<OrganizationMembership>> {
        let url = with_query(
            format!(
                "{}/organizations/{}/memberships",
                self.versioned(),
                path_segment(organization_id)?
            ),
            &params.to_query(true),
        );
        self.json(self.get("GET /v1/organizations/{id}/memberships", url))
            .await
    }

    /// `GET /v1/organization_memberships`: one page of every membership of the instance (only
    /// `limit`, `offset` and `order_by` of `params` apply). One call lists the members of
    /// many organizations: reconciliation uses it instead of one call per organization.
    /// Retried.
    ///
    /// # Errors
    ///
    /// 422 for an invalid ordering; see [`ApiError`](super::ApiError).
    pub async fn list_instance_organization_memberships(
        &self,
        params: &MembershipListParams,
    ) -> ApiResult<Page<OrganizationMembership>> {
        let url = with_query(
            format!("{}/organization_memberships", self.versioned()),
            &params.to_query(false),
        );
        self.json(self.get("GET /v1/organization_memberships", url)).await
    }

    /// `GET /v1/organizations/{id}/memberships`, every page: a lazy [`Paged`] stream (offset
    /// paging, `params.limit` a page or [`DEFAULT_PAGE_SIZE`]).
    pub fn list_organization_memberships_stream(
        &self,
        organization_id: &str,
        params: MembershipListParams,
    ) -> Paged<OrganizationMembership> {
        let client = self.clone();
        let organization_id = organization_id.to_owned();
        let limit = params.limit.unwrap_or(DEFAULT_PAGE_SIZE);
        let offset = params.offset.unwrap_or(0);
        Paged::new(limit, offset, None, Paging::Offset, move |page| {
            let client = client.clone();
            let organization_id = organization_id.clone();
            let params = MembershipListParams {
                limit: Some(page.limit),
                offset: Some(page.offset),
                ..params.clone()
            };
            async move {
                client
                    .list_organization_memberships(&organization_id, &params)
                    .await
            }
        })
    }

    /// `GET /v1/organization_memberships`, every page: a lazy [`Paged`] stream over every
    /// membership of the instance (offset paging; only `limit`, `offset` and `order_by` of
    /// `params` apply).
    pub fn list_instance_organization_memberships_stream(
        &self,
        params: MembershipListParams,
    ) -> Paged<OrganizationMembership> {
        let client = self.clone();
        let limit = params.limit.unwrap_or(DEFAULT_PAGE_SIZE);
        let offset = params.offset.unwrap_or(0);
        Paged::new(limit, offset, None, Paging::Offset, move |page| {
            let client = client.clone();
            let params = MembershipListParams {
                limit: Some(page.limit),
                offset: Some(page.offset),
                ..params.clone()
            };
            async move { client.list_instance_organization_memberships(&params).await }
        })
    }

    /// `POST /v1/organizations/{id}/memberships`: adds a member. Never retried.
    ///
    /// On a timeout or a transport failure **the member may have been added**: list the
    /// organization's memberships with [`MembershipListParams::user_id`] before trying again.
    /// A blind repeat of an add that did land answers 400 `already_a_member_in_organization`.
    ///
    /// # Errors
    ///
    /// [`ApiError::InvalidArgument`](super::ApiError::InvalidArgument) for an empty or unsafe
    /// id; 404 for an unknown organization or user; 400 `already_a_member_in_organization`;
    /// 403 `organization_membership_quota_exceeded`; 422 for an unknown role; see
    /// [`ApiError`](super::ApiError).
    pub async fn create_organization_membership(
        &self,
        organization_id: &str,
        membership: &CreateMembership,
    ) -> ApiResult<OrganizationMembership> {
        let url = format!(
            "{}/organizations/{}/memberships",
            self.versioned(),
            path_segment(organization_id)?
        );
        let call = self.call(
            "POST /v1/organizations/{id}/memberships",
            Method::POST,
            url,
            Some(json_body(membership)?),
            false,
        );
        self.json(call).await
    }

    /// `PATCH /v1/organizations/{id}/memberships/{user_id}`: sets the member's role. Never
    /// retried (`PATCH`, like `users().update`): on a timeout the role may
    /// have changed; read the memberships before sending it again.
    ///
    /// # Errors
    ///
    /// [`ApiError::InvalidArgument`](super::ApiError::InvalidArgument) for an empty or unsafe
    /// id; 404 when the user is not a member; 422 for an unknown role; see
    /// [`ApiError`](super::ApiError).
    pub async fn update_organization_membership(
        &self,
        organization_id: &str,
        user_id: &str,
        role: &str,
    ) -> ApiResult<OrganizationMembership> {
        let url = format!(
            "{}/organizations/{}/memberships/{}",
            self.versioned(),
            path_segment(organization_id)?,
            path_segment(user_id)?
        );
        let call = self.call(
            "PATCH /v1/organizations/{id}/memberships/{user_id}",
            Method::PATCH,
            url,
            Some(json_body(&json!({ "role": role }))?),
            false,
        );
        self.json(call).await
    }

    /// `PATCH /v1/organizations/{id}/memberships/{user_id}/metadata`: deep-merges the given
    /// metadata into the membership. Never retried (see
    /// [`update_organization_metadata`](Self::update_organization_metadata)).
    ///
    /// # Errors
    ///
    /// [`ApiError::InvalidArgument`](super::ApiError::InvalidArgument) for an empty or unsafe
    /// id; 404 when the user is not a member; see [`ApiError`](super::ApiError).
    pub async fn update_organization_membership_metadata(
        &self,
        organization_id: &str,
        user_id: &str,
        public: Option<Value>,
        private: Option<Value>,
    ) -> ApiResult<OrganizationMembership> {
        let url = format!(
            "{}/organizations/{}/memberships/{}/metadata",
            self.versioned(),
            path_segment(organization_id)?,
            path_segment(user_id)?
        );
        let call = self.call(
            "PATCH /v1/organizations/{id}/memberships/{user_id}/metadata",
            Method::PATCH,
            url,
            Some(json_body(&metadata_body(public, private))?),
            false,
        );
        self.json(call).await
    }

    /// `DELETE /v1/organizations/{id}/memberships/{user_id}`: removes the member and returns
    /// the removed membership. Retried like a `DELETE`: a repeat after a
    /// lost success answers 404.
    ///
    /// # Errors
    ///
    /// [`ApiError::InvalidArgument`](super::ApiError::InvalidArgument) for an empty or unsafe
    /// id; 404 when the user is not a member; see [`ApiError`](super::ApiError).
    pub async fn delete_organization_membership(
        &self,
        organization_id: &str,
        user_id: &str,
    ) -> ApiResult<OrganizationMembership> {
        let url = format!(
            "{}/organizations/{}/memberships/{}",
            self.versioned(),
            path_segment(organization_id)?,
            path_segment(user_id)?
        );
        let call = self.call(
            "DELETE /v1/organizations/{id}/memberships/{user_id}",
            Method::DELETE,
            url,
            None,
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
    fn debug_redacts_private_metadata() {
        let member = CreateMembership {
            private_metadata: Some(json!({"salary": 123456})),
            ..CreateMembership::new("user_1", "org:member")
        };
        let shown = format!("{member:?}");
        assert!(
            !shown.contains("123456") && shown.contains("<redacted>"),
            "{shown}"
        );
    }

    #[test]
    fn the_instance_list_sends_only_paging() {
        let params = MembershipListParams {
            user_id: vec!["user_1".to_owned()],
            role: vec!["org:admin".to_owned()],
            order_by: Some("-created_at".to_owned()),
            limit: Some(500),
            offset: Some(0),
            ..Default::default()
        };
        assert_eq!(params.to_query(false), "order_by=-created_at&limit=500&offset=0");
        assert_eq!(
            params.to_query(true),
            "user_id=user_1&role=org%3Aadmin&order_by=-created_at&limit=500&offset=0"
        );
    }
}
