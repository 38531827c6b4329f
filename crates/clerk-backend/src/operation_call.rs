//! The one path every generated call takes: [`ClerkClient::operation`] builds the request from
//! the operation's row of the table ([`OPERATIONS`](crate::operations::OPERATIONS)): its URL
//! (under `/v1` or at the API root, each path parameter checked as an id), the query, the JSON
//! body, the retry rule and the budget share, then runs it on the client's shared plumbing
//! (timeouts, retries within the retry budget, rate budget, typed errors, metrics).
//!
//! Only the final decoding is generic: a generated call adds a few lines, not a copy of the
//! request machinery.

use awc::http::header::HeaderValue;
use serde::de::DeserializeOwned;

use crate::clerk_client::{with_query, Call, ClerkClient};
use crate::error::{ApiError, ApiResult};
use crate::operations::{Budget, Location, Operation, Retry};
use crate::paging::{Paged, Paging, DEFAULT_PAGE_SIZE};
use crate::params::path_segment;
use crate::payload::Payload;

impl ClerkClient {
    /// Runs `op` with its path parameters (in the path's order), its query string (encoded)
    /// and its body (JSON or a multipart upload), and decodes the answer.
    pub(crate) async fn operation<T: DeserializeOwned>(
        &self,
        op: &'static Operation,
        path_args: &[&str],
        query: String,
        body: Option<Payload>,
    ) -> ApiResult<T> {
        let (handle, call) = self.operation_call(op, path_args, query, body)?;
        handle.json(call).await
    }

    /// The handle (on the row's budget share) and the call [`operation`](Self::operation)
    /// runs, for a hand-written call that says more than the row before it runs it (the
    /// machine secret key of the M2M token calls, the JWKS refresh's one quick attempt).
    pub(crate) fn operation_call(
        &self,
        op: &'static Operation,
        path_args: &[&str],
        query: String,
        body: Option<Payload>,
    ) -> ApiResult<(ClerkClient, Call)> {
        let url = self.operation_url(op, path_args, &query)?;
        let handle = match op.budget {
            Budget::Fixed(share) => self.on_share(share),
            Budget::Handle | Budget::Free => self.clone(),
        };
        let (body, content_type) = match body {
            Some(payload) => {
                let content_type = HeaderValue::try_from(payload.content_type).map_err(|err| {
                    ApiError::InvalidArgument(format!("{}: a content type: {err}", op.endpoint))
                })?;
                (Some(payload.bytes), Some(content_type))
            }
            None => (None, None),
        };
        let call = handle.call(
            op.endpoint,
            op.method.as_http(),
            url,
            body,
            op.retry == Retry::Idempotent,
        );
        let call = match content_type {
            Some(content_type) => call.with_content_type(content_type),
            None => call,
        };
        let call = if op.budget == Budget::Free {
            call.without_budget()
        } else {
            call
        };
        Ok((handle, call))
    }

    /// Every item of the list `op` (a `limit`/`offset` list), page after page: a lazy
    /// [`Paged`] stream, offset paging, from `offset` (or 0), `limit` items a page (or
    /// [`DEFAULT_PAGE_SIZE`]). `query` writes a page's query string from its limit and offset;
    /// `paginated=true` is added where the operation takes it (for Clerk's `total_count`).
    /// Each page is one [`operation`](Self::operation): its retries, its budget share.
    pub(crate) fn operation_paged<T: DeserializeOwned + 'static>(
        &self,
        op: &'static Operation,
        path_args: &[&str],
        (limit, offset): (Option<i64>, Option<i64>),
        mut query: Box<dyn FnMut(i64, i64) -> String>,
    ) -> Paged<T> {
        let client = self.clone();
        let args: Vec<String> = path_args.iter().map(|arg| (*arg).to_owned()).collect();
        let paginated = op
            .params
            .iter()
            .any(|param| param.location == Location::Query && param.name == "paginated");
        let limit = limit
            .and_then(|limit| u32::try_from(limit).ok())
            .unwrap_or(DEFAULT_PAGE_SIZE);
        let offset = offset.and_then(|offset| u32::try_from(offset).ok()).unwrap_or(0);
        Paged::new(limit, offset, None, Paging::Offset, move |page| {
            let client = client.clone();
            let args = args.clone();
            let mut query = query(i64::from(page.limit), i64::from(page.offset));
            if paginated {
                query = crate::params::paginated(query);
            }
            async move {
                let args: Vec<&str> = args.iter().map(String::as_str).collect();
                client.operation(op, &args, query, None).await
            }
        })
    }

    /// `{api_url}[/v1]{path}?{query}`, every `{parameter}` of the path replaced by the next of
    /// `path_args`, checked and percent-encoded.
    fn operation_url(&self, op: &Operation, path_args: &[&str], query: &str) -> ApiResult<String> {
        let mut args = path_args.iter();
        let mut path = String::with_capacity(op.path.len() + 32);
        for segment in op.path.split('/').skip(1) {
            path.push('/');
            if segment.starts_with('{') {
                let arg = args.next().ok_or_else(|| {
                    ApiError::InvalidArgument(format!("{}: a path parameter is missing", op.endpoint))
                })?;
                path.push_str(&path_segment(arg)?);
            } else {
                path.push_str(segment);
            }
        }
        let url = if op.root {
            self.root_url(&path)
        } else {
            self.v1_url(&path)
        };
        Ok(with_query(url, query))
    }
}
