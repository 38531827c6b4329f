//! Organization memberships: [`CreateMembership`] and [`MembershipListParams`], the body and the
//! filters the generated `organization_memberships()` calls take (`Debug` hides private
//! metadata; the filters keep their builders).

use std::fmt;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::params::{keys_of, Query};
use super::redacted::Redacted;
use crate::operations::Operation;

/// The body of `POST /v1/organizations/{id}/memberships`
/// ([`organization_memberships().create`](crate::organization_memberships::OrganizationMemberships::create)).
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
#[derive(Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
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
/// ([`organization_memberships().list`](crate::organization_memberships::OrganizationMemberships::list)).
/// The instance-wide list, which takes only paging and an order, has its own
/// ([`InstanceGetOrganizationMembershipsParams`](crate::organization_memberships::InstanceGetOrganizationMembershipsParams)):
/// a filter it would drop cannot be set.
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
    /// The query string of `op` (without `?`): the keys set here that the operation lists.
    pub(crate) fn query_for(&self, op: &Operation) -> String {
        keys_of(op, &self.to_query())
    }

    fn to_query(&self) -> String {
        let mut query = Query::default();
        query.list("user_id", &self.user_id);
        query.list("email_address", &self.email_address);
        query.list("role", &self.role);
        query.opt("query", self.query.as_deref());
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
        let ops = crate::generated::operations::INSTANCE_GET_ORGANIZATION_MEMBERSHIPS;
        assert_eq!(params.query_for(&ops), "order_by=-created_at&limit=500&offset=0");
        assert_eq!(
            params.query_for(&crate::generated::operations::LIST_ORGANIZATION_MEMBERSHIPS),
            "user_id=user_1&role=org%3Aadmin&order_by=-created_at&limit=500&offset=0"
        );
    }
}
