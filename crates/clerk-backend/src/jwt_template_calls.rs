//! JWT templates: [`JwtTemplate`]; list (a page or every page) and get.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::clerk_client::{with_query, ClerkClient};
use super::error::ApiResult;
use super::paging::{ListParams, Page, Paged, Paging, DEFAULT_PAGE_SIZE};
use super::params::path_segment;

/// A JWT template (`JWTTemplate` in the spec): the claims and lifetime of the tokens
/// [`create_session_token_with`](ClerkClient::create_session_token_with) mints from it.
///
/// A custom signing key is never part of the answer. Unknown fields are ignored.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct JwtTemplate {
    /// Always `jwt_template`.
    #[serde(default)]
    pub object: String,
    /// `jtmp_…`
    pub id: String,
    /// Its name, used in `POST /v1/sessions/{id}/tokens/{name}`.
    #[serde(default)]
    pub name: String,
    /// The claims, with Clerk's shortcodes (`{{user.id}}`, …) unexpanded.
    #[serde(default)]
    pub claims: Map<String, Value>,
    /// Token lifetime, seconds.
    #[serde(default)]
    pub lifetime: i64,
    /// Allowed clock skew, seconds.
    #[serde(default)]
    pub allowed_clock_skew: i64,
    /// Whether tokens are signed with a key of the template's own.
    #[serde(default)]
    pub custom_signing_key: bool,
    /// The signing algorithm, e.g. `RS256`.
    #[serde(default)]
    pub signing_algorithm: String,
    /// Creation, Unix ms.
    #[serde(default)]
    pub created_at: i64,
    /// Last update, Unix ms.
    #[serde(default)]
    pub updated_at: i64,
}

impl ClerkClient {
    /// `GET /v1/jwt_templates`: one page of the instance's JWT templates. Retried.
    ///
    /// # Errors
    ///
    /// See [`ApiError`](super::ApiError).
    pub async fn list_jwt_templates(&self, params: ListParams) -> ApiResult<Page<JwtTemplate>> {
        let url = with_query(self.v1_url("/jwt_templates"), &params.to_query());
        self.json(self.get("GET /v1/jwt_templates", url)).await
    }

    /// `GET /v1/jwt_templates`, every page: a lazy [`Paged`] stream (offset paging).
    pub fn list_jwt_templates_stream(&self, params: ListParams) -> Paged<JwtTemplate> {
        let client = self.clone();
        Paged::new(
            params.limit.unwrap_or(DEFAULT_PAGE_SIZE),
            params.offset.unwrap_or(0),
            None,
            Paging::Offset,
            move |page| {
                let client = client.clone();
                let params = ListParams::new().limit(page.limit).offset(page.offset);
                async move { client.list_jwt_templates(params).await }
            },
        )
    }

    /// `GET /v1/jwt_templates/{id}`. Retried.
    ///
    /// # Errors
    ///
    /// [`ApiError::InvalidArgument`](super::ApiError::InvalidArgument) for an empty or unsafe
    /// id; 404 when there is no such template; see [`ApiError`](super::ApiError).
    pub async fn get_jwt_template(&self, template_id: &str) -> ApiResult<JwtTemplate> {
        let url = self.v1_url(&format!("/jwt_templates/{}", path_segment(template_id)?));
        self.json(self.get("GET /v1/jwt_templates/{id}", url)).await
    }
}
