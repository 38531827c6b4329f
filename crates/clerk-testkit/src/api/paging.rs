//! `paginated`, `limit` and `offset` of the list endpoints, and the two shapes of a list:
//! a bare array, or `{"data": […], "total_count": N}` when `paginated=true`.

use actix_web::http::StatusCode;
use actix_web::HttpResponse;
use serde_json::{json, Value};

use super::{json_response, ApiError};

/// The paging part of a list query.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Paging {
    pub(crate) paginated: bool,
    pub(crate) limit: usize,
    pub(crate) offset: usize,
}

impl Paging {
    /// Reads `paginated`, `limit` (1..=500, default 10) and `offset` (≥ 0) from a query.
    pub(crate) fn parse(raw: &str) -> Result<Self, ApiError> {
        let mut paging = Paging {
            paginated: false,
            limit: 10,
            offset: 0,
        };
        for (key, value) in url::form_urlencoded::parse(raw.as_bytes()) {
            match key.as_ref() {
                "paginated" => paging.paginated = value == "true",
                "limit" => {
                    paging.limit = value
                        .parse::<usize>()
                        .ok()
                        .filter(|limit| (1..=500).contains(limit))
                        .ok_or_else(|| ApiError::param_invalid("limit", "limit must be between 1 and 500"))?;
                }
                "offset" => {
                    paging.offset = value
                        .parse::<usize>()
                        .map_err(|_| ApiError::param_invalid("offset", "offset must be 0 or greater"))?;
                }
                _ => {}
            }
        }
        Ok(paging)
    }

    /// The page of `items` (all matches, in order), in the shape the query asked for;
    /// `always_wrapped` for endpoints that always answer `{data, total_count}`.
    pub(crate) fn respond(&self, items: Vec<Value>, always_wrapped: bool) -> HttpResponse {
        let total = items.len();
        let page: Vec<Value> = items.into_iter().skip(self.offset).take(self.limit).collect();
        if self.paginated || always_wrapped {
            json_response(StatusCode::OK, &json!({ "data": page, "total_count": total }))
        } else {
            json_response(StatusCode::OK, &page)
        }
    }
}

/// The first value of `key` in a query.
pub(crate) fn query_value(raw: &str, key: &str) -> Option<String> {
    url::form_urlencoded::parse(raw.as_bytes())
        .find(|(k, _)| k == key)
        .map(|(_, v)| v.into_owned())
        .filter(|v| !v.is_empty())
}
