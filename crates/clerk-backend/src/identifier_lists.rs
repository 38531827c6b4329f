//! The allow-list and the block-list of sign-up identifiers: [`ListedIdentifier`],
//! [`IdentifierType`]; list (a page or every page), add and remove.

use awc::http::Method;
use clerk_core::api::DeletedObject;
use serde::{Deserialize, Serialize};

use super::clerk_client::{json_body, with_query, ClerkClient};
use super::error::ApiResult;
use super::paging::{ListParams, Page, Paged, Paging, DEFAULT_PAGE_SIZE};
use super::params::path_segment;

/// What kind of identifier a [`ListedIdentifier`] is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum IdentifierType {
    /// `email_address` (a block-list entry may also be a whole domain).
    EmailAddress,
    /// `phone_number`.
    PhoneNumber,
    /// `web3_wallet`.
    Web3Wallet,
    /// A type this version of the crate does not know.
    #[serde(other)]
    Unknown,
}

/// An entry of the allow-list (`AllowlistIdentifier`) or of the block-list
/// (`BlocklistIdentifier`); `object` says which. Unknown fields are ignored.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct ListedIdentifier {
    /// `allowlist_identifier` or `blocklist_identifier`.
    #[serde(default)]
    pub object: String,
    /// `alid_…` or `blid_…`
    pub id: String,
    /// The email address, domain, phone number or wallet.
    #[serde(default)]
    pub identifier: String,
    /// Its kind.
    pub identifier_type: IdentifierType,
    /// The invitation Clerk sent when the entry was added with `notify` (allow-list only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub invitation_id: Option<String>,
    /// The instance, `ins_…`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub instance_id: Option<String>,
    /// Creation, Unix ms.
    #[serde(default)]
    pub created_at: i64,
    /// Last update, Unix ms.
    #[serde(default)]
    pub updated_at: i64,
}

/// Which of the two lists a call works on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum IdentifierList {
    /// `/v1/allowlist_identifiers`: who may sign up when the allow-list is on.
    Allow,
    /// `/v1/blocklist_identifiers`: who may not sign up.
    Block,
}

impl IdentifierList {
    const fn path(self) -> &'static str {
        match self {
            Self::Allow => "/allowlist_identifiers",
            Self::Block => "/blocklist_identifiers",
        }
    }

    const fn endpoints(self) -> [&'static str; 3] {
        match self {
            Self::Allow => [
                "GET /v1/allowlist_identifiers",
                "POST /v1/allowlist_identifiers",
                "DELETE /v1/allowlist_identifiers/{id}",
            ],
            Self::Block => [
                "GET /v1/blocklist_identifiers",
                "POST /v1/blocklist_identifiers",
                "DELETE /v1/blocklist_identifiers/{id}",
            ],
        }
    }
}

#[derive(Serialize)]
struct AddBody<'a> {
    identifier: &'a str,
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    notify: bool,
}

impl ClerkClient {
    /// `GET /v1/allowlist_identifiers` or `GET /v1/blocklist_identifiers`: one page of the
    /// list, with Clerk's `total_count` (the block-list always has one). Retried.
    ///
    /// # Errors
    ///
    /// 402 when the plan lacks the list; see [`ApiError`](super::ApiError).
    pub async fn list_identifiers(
        &self,
        list: IdentifierList,
        params: ListParams,
    ) -> ApiResult<Page<ListedIdentifier>> {
        let url = with_query(self.v1_url(list.path()), &params.to_query());
        self.json(self.get(list.endpoints()[0], url)).await
    }

    /// The whole list, page after page: a lazy [`Paged`] stream (offset paging).
    pub fn list_identifiers_stream(
        &self,
        list: IdentifierList,
        params: ListParams,
    ) -> Paged<ListedIdentifier> {
        let client = self.clone();
        Paged::new(
            params.limit.unwrap_or(DEFAULT_PAGE_SIZE),
            params.offset.unwrap_or(0),
            None,
            Paging::Offset,
            move |page| {
                let client = client.clone();
                let params = ListParams::new().limit(page.limit).offset(page.offset);
                async move { client.list_identifiers(list, params).await }
            },
        )
    }

    /// `POST /v1/allowlist_identifiers` or `POST /v1/blocklist_identifiers`: adds an
    /// identifier and returns the entry. `notify` (allow-list only) sends an invitation to an
    /// email address or phone number. Never retried.
    ///
    /// On a timeout or a transport failure the call fails with that error and **the entry
    /// may exist**: a repeat of an add that did land answers 400 `duplicate_record`, which
    /// callers may treat as done (or find the entry with
    /// [`list_identifiers`](Self::list_identifiers)).
    ///
    /// # Errors
    ///
    /// 400 `duplicate_record` when the identifier is listed already; 422 for an empty or
    /// invalid identifier; 402 when the plan lacks the list; see
    /// [`ApiError`](super::ApiError).
    pub async fn add_identifier(
        &self,
        list: IdentifierList,
        identifier: &str,
        notify: bool,
    ) -> ApiResult<ListedIdentifier> {
        let body = json_body(&AddBody {
            identifier,
            notify: notify && list == IdentifierList::Allow,
        })?;
        let call = self.call(
            list.endpoints()[1],
            Method::POST,
            self.v1_url(list.path()),
            Some(body),
            false,
        );
        self.json(call).await
    }

    /// `DELETE /v1/allowlist_identifiers/{id}` or `DELETE /v1/blocklist_identifiers/{id}`:
    /// removes an entry. Retried like a `DELETE` (a retry after a lost
    /// success answers 404).
    ///
    /// # Errors
    ///
    /// [`ApiError::InvalidArgument`](super::ApiError::InvalidArgument) for an empty or unsafe
    /// id; 404 when there is no such entry; see [`ApiError`](super::ApiError).
    pub async fn remove_identifier(
        &self,
        list: IdentifierList,
        identifier_id: &str,
    ) -> ApiResult<DeletedObject> {
        let url = self.v1_url(&format!("{}/{}", list.path(), path_segment(identifier_id)?));
        let call = self.call(list.endpoints()[2], Method::DELETE, url, None, true);
        self.json(call).await
    }
}
