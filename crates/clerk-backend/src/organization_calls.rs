//! The organizations resource: [`CreateOrganization`], [`UpdateOrganization`],
//! [`OrganizationListParams`] and the [`ClerkClient`] calls of `/v1/organizations`.

use std::fmt;

use awc::http::Method;
use clerk_core::api::{DeletedObject, Organization};
use serde::Serialize;
use serde_json::{Map, Value};

use super::clerk_client::{json_body, with_query, ClerkClient};
use super::error::ApiResult;
use super::paging::{Page, Paged, Paging, DEFAULT_PAGE_SIZE};
use super::params::{path_segment, Query};
use super::redacted::Redacted;

/// The body of `POST /v1/organizations`
/// ([`ClerkClient::create_organization`]): only fields that are set are sent.
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
#[derive(Clone, Default, PartialEq, Serialize)]
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

/// The body of `PATCH /v1/organizations/{id}` ([`ClerkClient::update_organization`]): only
/// fields that are set are sent. Metadata is not part of it in API version `2026-05-12`: use
/// [`ClerkClient::update_organization_metadata`].
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
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
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
/// ([`ClerkClient::list_organizations`]). Every value that is set is sent, `false` and `0`
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

/// The body of a metadata merge (`PATCH …/metadata`): only the kinds that are set.
pub(super) fn metadata_body(public: Option<Value>, private: Option<Value>) -> Value {
    let mut body = Map::new();
    for (key, value) in [("public_metadata", public), ("private_metadata", private)] {
        if let Some(value) = value {
            body.insert(key.to_owned(), value);
        }
    }
    Value::Object(body)
}

impl ClerkClient {
    /// `POST /v1/organizations`: creates an organization and returns it. Never retried.
    ///
    /// A create is not idempotent: on a timeout or a transport failure the call fails with
    /// that error ([`ApiError::Timeout`](super::ApiError::Timeout),
    /// [`ApiError::Transport`](super::ApiError::Transport)) and **the organization may exist**.
    /// Before trying again, look it up by the slug you sent
    /// ([`get_organization`](Self::get_organization) takes a slug); a blind repeat of a create
    /// that did land answers 422 `form_identifier_exists` for the taken slug.
    ///
    /// # Errors
    ///
    /// 422 with Clerk's codes (`form_identifier_exists` for a taken slug,
    /// `form_param_format_invalid` for a malformed one, `form_param_missing` without a name),
    /// 400 `organization_creator_not_found` for an unknown `created_by`, 403 when
    /// organizations are not enabled; see [`ApiError`](super::ApiError).
    pub async fn create_organization(&self, organization: &CreateOrganization) -> ApiResult<Organization> {
        let url = format!("{}/organizations", self.versioned());
        let call = self.call(
            "POST /v1/organizations",
            Method::POST,
            url,
            Some(json_body(organization)?),
            false,
        );
        self.json(call).await
    }

    /// `GET /v1/organizations/{id_or_slug}`: by id (`org_…`) or by slug. Retried.
    ///
    /// # Errors
    ///
    /// [`ApiError::InvalidArgument`](super::ApiError::InvalidArgument) for an empty or unsafe
    /// id; 404 when there is no such organization; see [`ApiError`](super::ApiError).
    pub async fn get_organization(&self, id_or_slug: &str) -> ApiResult<Organization> {
        self.fetch_organization(id_or_slug, None).await
    }

    /// [`get_organization`](Self::get_organization) with `include_members_count=true`: the
    /// answer's `members_count` is filled (Clerk leaves it out otherwise). Retried.
    ///
    /// # Errors
    ///
    /// As [`get_organization`](Self::get_organization).
    pub async fn get_organization_with_members_count(&self, id_or_slug: &str) -> ApiResult<Organization> {
        self.fetch_organization(id_or_slug, Some(true)).await
    }

    async fn fetch_organization(
        &self,
        id_or_slug: &str,
        include_members_count: Option<bool>,
    ) -> ApiResult<Organization> {
        let mut query = Query::default();
        query.flag("include_members_count", include_members_count);
        let url = format!("{}/organizations/{}", self.versioned(), path_segment(id_or_slug)?);
        let url = with_query(url, &query.finish());
        self.json(self.get("GET /v1/organizations/{id}", url)).await
    }

    /// `GET /v1/organizations`: one page of organizations, newest first unless
    /// `order_by` says otherwise. Retried.
    ///
    /// # Errors
    ///
    /// 422 for an invalid filter or ordering; see [`ApiError`](super::ApiError).
    pub async fn list_organizations(&self, params: &OrganizationListParams) -> ApiResult<Page<Organization>> {
        let url = with_query(format!("{}/organizations", self.versioned()), &params.to_query());
        self.json(self.get("GET /v1/organizations", url)).await
    }

    /// `GET /v1/organizations`, every page: a lazy [`Paged`] stream (offset paging,
    /// `params.limit` a page or [`DEFAULT_PAGE_SIZE`]; Clerk has no cursor for organizations).
    pub fn list_organizations_stream(&self, params: OrganizationListParams) -> Paged<Organization> {
        let client = self.clone();
        let limit = params.limit.unwrap_or(DEFAULT_PAGE_SIZE);
        let offset = params.offset.unwrap_or(0);
        Paged::new(limit, offset, None, Paging::Offset, move |page| {
            let client = client.clone();
            let params = OrganizationListParams {
                limit: Some(page.limit),
                offset: Some(page.offset),
                ..params.clone()
            };
            async move { client.list_organizations(&params).await }
        })
    }

    /// `PATCH /v1/organizations/{id}`: changes the fields set in `change`. Never retried
    /// (`PATCH`): on a timeout **the change may have been applied**; read the organization
    /// before sending it again.
    ///
    /// # Errors
    ///
    /// [`ApiError::InvalidArgument`](super::ApiError::InvalidArgument) for an empty or unsafe
    /// id; 404 when there is no such organization; 422 (`form_identifier_exists` for a taken
    /// slug, …); see [`ApiError`](super::ApiError).
    pub async fn update_organization(
        &self,
        organization_id: &str,
        change: &UpdateOrganization,
    ) -> ApiResult<Organization> {
        let url = format!(
            "{}/organizations/{}",
            self.versioned(),
            path_segment(organization_id)?
        );
        let call = self.call(
            "PATCH /v1/organizations/{id}",
            Method::PATCH,
            url,
            Some(json_body(change)?),
            false,
        );
        self.json(call).await
    }

    /// `PATCH /v1/organizations/{id}/metadata`: deep-merges the given metadata (a `null` value
    /// removes a key); `None` leaves that kind untouched. Never retried, like
    /// `users().update_metadata`: on a timeout the merge may have
    /// been applied.
    ///
    /// # Errors
    ///
    /// [`ApiError::InvalidArgument`](super::ApiError::InvalidArgument) for an empty or unsafe
    /// id; 404 when there is no such organization; 429 when the per-organization limit is
    /// hit; see [`ApiError`](super::ApiError).
    pub async fn update_organization_metadata(
        &self,
        organization_id: &str,
        public: Option<Value>,
        private: Option<Value>,
    ) -> ApiResult<Organization> {
        let url = format!(
            "{}/organizations/{}/metadata",
            self.versioned(),
            path_segment(organization_id)?
        );
        let call = self.call(
            "PATCH /v1/organizations/{id}/metadata",
            Method::PATCH,
            url,
            Some(json_body(&metadata_body(public, private))?),
            false,
        );
        self.json(call).await
    }

    /// `DELETE /v1/organizations/{id}`: deletes the organization with its memberships and
    /// invitations. Retried like a `DELETE`: a repeat after a lost
    /// success answers 404, which callers may treat as done.
    ///
    /// # Errors
    ///
    /// [`ApiError::InvalidArgument`](super::ApiError::InvalidArgument) for an empty or unsafe
    /// id; 404 when there is no such organization; see [`ApiError`](super::ApiError).
    pub async fn delete_organization(&self, organization_id: &str) -> ApiResult<DeletedObject> {
        let url = format!(
            "{}/organizations/{}",
            self.versioned(),
            path_segment(organization_id)?
        );
        let call = self.call("DELETE /v1/organizations/{id}", Method::DELETE, url, None, true);
        self.json(call).await
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
        assert_eq!(
            metadata_body(None, Some(json!({"k": 1}))),
            json!({"private_metadata": {"k": 1}})
        );
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
            params.to_query(),
            "query=ac%20me&user_id=%2Buser_1&user_id=-user_2&include_members_count=false&limit=10&offset=0"
        );
    }
}
