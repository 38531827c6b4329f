//! [`PaginatedList`]: the `{data, total_count}` envelope of the Backend API's newer list calls.

use serde::{Deserialize, Serialize};

/// One page of a list call that answers `{"data": [...], "total_count": n}` (organizations,
/// memberships, invitations), unlike `GET /v1/users`, which answers a bare array.
///
/// `total_count` counts every item matching the filters, not only this page's: page on with
/// `offset` until `offset + data.len() >= total_count` or a short page.
///
/// # Examples
///
/// ```
/// use clerk_actix::client::PaginatedList;
///
/// let page: PaginatedList<serde_json::Value> =
///     serde_json::from_str(r#"{"data":[{"id":"org_1"}],"total_count":3,"new_field":true}"#)?;
/// assert_eq!((page.data.len(), page.total_count), (1, 3));
/// # Ok::<(), serde_json::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(bound(deserialize = "T: Deserialize<'de>"))]
pub struct PaginatedList<T> {
    /// The items of this page.
    #[serde(default = "Vec::new")]
    pub data: Vec<T>,
    /// How many items match the filters in all.
    #[serde(default)]
    pub total_count: i64,
}

impl<T> Default for PaginatedList<T> {
    fn default() -> Self {
        Self {
            data: Vec::new(),
            total_count: 0,
        }
    }
}
