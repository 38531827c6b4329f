//! The organizations resource: [`CreateOrganization`], [`UpdateOrganization`] and
//! [`OrganizationListParams`], the bodies and filters the generated `organizations()` calls take.

use std::fmt;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::params::{keys_of, Query};
use super::redacted::Redacted;
use crate::operations::Operation;

/// The body of `POST /v1/organizations`
/// ([`organizations().create`](crate::organizations::Organizations::create)): only fields that are set are sent.
///
/// Its `Debug` never shows `private_metadata` (it prints `"<redacted>"` when set). Fields may be
/// added as Clerk adds them: build it with `..Default::default()`.
///
/// # Examples
///
/// ```
/// use clerk_backend::CreateOrganization;
/// use serde_json::json;
///
/// let org = CreateOrganization {
///     name: "Acme".to_owned(),
///     slug: Some("acme".to_owned()),
///     created_by: Some("user_2abc".to_owned()),
///     private_metadata: Some(json!({"stripe": "cus_1"})),
///     ..Default::default()
/// };
/// assert!(!format!("{org:?}").contains("cus_1"));
/// ```
#[derive(Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct CreateOrganization {
    /// `name` (required; no URLs or HTML, at most 256 characters).
    pub name: String,
    /// `slug`: lowercase letters, digits and `-`, unique in the instance. Clerk derives one
    /// from the name when it is not given.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub slug: Option<String>,
    /// `created_by`: the user who becomes the organization's first admin.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub created_by: Option<String>,
    /// `max_allowed_memberships` (0: unlimited).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_allowed_memberships: Option<i64>,
    /// `public_metadata`: a JSON object readable by the frontend.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub public_metadata: Option<Value>,
    /// `private_metadata`: a JSON object only the backend sees (redacted in `Debug`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub private_metadata: Option<Value>,
    /// `created_at`: RFC 3339 (for imports).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub created_at: Option<String>,
    /// `role_set_key`: the role set of the organization.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub role_set_key: Option<String>,
}

impl fmt::Debug for CreateOrganization {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CreateOrganization")
            .field("name", &self.name)
            .field("slug", &self.slug)
            .field("created_by", &self.created_by)
            .field("max_allowed_memberships", &self.max_allowed_memberships)
            .field("public_metadata", &self.public_metadata)
            .field("private_metadata", &Redacted(self.private_metadata.is_some()))
            .field("created_at", &self.created_at)
            .field("role_set_key", &self.role_set_key)
            .finish()
    }
}

/// The body of `PATCH /v1/organizations/{id}` ([`organizations().update`](crate::organizations::Organizations::update)): only
/// fields that are set are sent. Metadata is not part of it in API version `2026-05-12`: use
/// [`organizations().merge_metadata`](crate::organizations::Organizations::merge_metadata).
///
/// # Examples
///
/// ```
/// use clerk_backend::UpdateOrganization;
///
/// let change = UpdateOrganization { name: Some("Acme Corp".to_owned()), ..Default::default() };
/// assert_eq!(serde_json::to_string(&change)?, r#"{"name":"Acme Corp"}"#);
/// # Ok::<(), serde_json::Error>(())
/// ```
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct UpdateOrganization {
    /// `name`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// `slug` (unique in the instance).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub slug: Option<String>,
    /// `max_allowed_memberships` (0: unlimited).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_allowed_memberships: Option<i64>,
    /// `admin_delete_enabled`: whether admins may delete it through the Frontend API.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub admin_delete_enabled: Option<bool>,
    /// `created_at`: RFC 3339.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub created_at: Option<String>,
    /// `role_set_key`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub role_set_key: Option<String>,
}

/// Filters, paging and ordering of `GET /v1/organizations`
/// ([`organizations().list`](crate::organizations::Organizations::list)). Every value that is set is sent, `false` and `0`
/// included; arrays as repeated keys.
///
/// # Examples
///
/// ```
/// use clerk_backend::OrganizationListParams;
///
/// let params = OrganizationListParams {
///     query: Some("acme".to_owned()),
///     include_members_count: Some(true),
///     limit: Some(100),
///     ..Default::default()
/// };
/// assert_eq!(params.limit, Some(100));
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct OrganizationListParams {
    /// `query`: exact id, or part of the name or slug.
    pub query: Option<String>,
    /// `user_id`: organizations with any of these members (`+`/`-` prefixes include/exclude).
    pub user_id: Vec<String>,
    /// `organization_id`: these organizations (`+`/`-` prefixes), at most 100.
    pub organization_id: Vec<String>,
    /// `include_members_count`: fill `members_count`.
    pub include_members_count: Option<bool>,
    /// `include_missing_member_with_elevated_permissions`.
    pub include_missing_member_with_elevated_permissions: Option<bool>,
    /// `order_by`: `[+|-]name`, `created_at` or `members_count`; Clerk's default is `-created_at`.
    pub order_by: Option<String>,
    /// `limit`: page size, 1..=500; Clerk's default is 10.
    pub limit: Option<u32>,
    /// `offset`: items to skip.
    pub offset: Option<u32>,
}

impl OrganizationListParams {
    /// The query string of `op` (without `?`): the keys set here that the operation lists.
    pub(crate) fn query_for(&self, op: &Operation) -> String {
        keys_of(op, &self.to_query())
    }

    fn to_query(&self) -> String {
        let mut query = Query::default();
        query.opt("query", self.query.as_deref());
        query.list("user_id", &self.user_id);
        query.list("organization_id", &self.organization_id);
        query.flag("include_members_count", self.include_members_count);
        query.flag(
            "include_missing_member_with_elevated_permissions",
            self.include_missing_member_with_elevated_permissions,
        );
        query.opt("order_by", self.order_by.as_deref());
        query.paging(self.limit, self.offset);
        query.finish()
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn only_set_fields_are_sent() {
        assert_eq!(
            serde_json::to_value(CreateOrganization {
                name: "Acme".to_owned(),
                ..Default::default()
            })
            .ok(),
            Some(json!({"name": "Acme"}))
        );
        assert_eq!(
            serde_json::to_value(UpdateOrganization::default()).ok(),
            Some(json!({}))
        );
    }

    /// The generated metadata bodies that replaced the hand-written calls' arguments hide
    /// private metadata in `Debug`.
    #[test]
    fn the_generated_metadata_bodies_hide_private_metadata() {
        let org = crate::organizations::MergeOrganizationMetadata {
            private_metadata: json!({"secret": "s3cr3t"}),
            ..Default::default()
        };
        let member = crate::organization_memberships::UpdateOrganizationMembershipMetadata {
            private_metadata: json!({"salary": "123456"}),
            ..Default::default()
        };
        for shown in [format!("{org:?}"), format!("{member:?}")] {
            assert!(
                !shown.contains("s3cr3t") && !shown.contains("123456") && shown.contains("<redacted>"),
                "{shown}"
            );
        }
    }

    #[test]
    fn debug_redacts_private_metadata() {
        let org = CreateOrganization {
            name: "Acme".to_owned(),
            private_metadata: Some(json!({"secret": "s3cr3t"})),
            ..Default::default()
        };
        let shown = format!("{org:?}");
        assert!(
            !shown.contains("s3cr3t") && shown.contains("<redacted>"),
            "{shown}"
        );
    }

    #[test]
    fn list_query_keeps_false_zero_and_repeats() {
        let params = OrganizationListParams {
            query: Some("ac me".to_owned()),
            user_id: vec!["+user_1".to_owned(), "-user_2".to_owned()],
            include_members_count: Some(false),
            limit: Some(10),
            offset: Some(0),
            ..Default::default()
        };
        assert_eq!(
            params.query_for(&crate::generated::operations::LIST_ORGANIZATIONS),
            "query=ac%20me&user_id=%2Buser_1&user_id=-user_2&include_members_count=false&limit=10&offset=0"
        );
    }
}
