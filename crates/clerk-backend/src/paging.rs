//! Paging of Backend API lists: [`Page`] (one page, in either of Clerk's shapes) and
//! [`Paged`] (a lazy stream over every item of every page, one page in flight).

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use futures_util::stream::{self, LocalBoxStream, Stream, StreamExt as _};
use serde::{Deserialize, Deserializer};

use super::error::ApiResult;

/// The page size of a [`Paged`] stream when the caller sets none: Clerk's largest (500), so a
/// full pass takes as few rate-budget slots as possible.
pub const DEFAULT_PAGE_SIZE: u32 = 500;

/// One page of a Backend API list.
///
/// Clerk answers a list either as a bare JSON array or, when asked with `paginated=true` (as
/// the list calls of this client do), as `{"data": […], "total_count": N}`; both decode into
/// a `Page`, with `total_count` only in the second case.
///
/// # Examples
///
/// ```
/// use clerk_backend::Page;
///
/// let bare: Page<u32> = serde_json::from_str("[1, 2]")?;
/// assert_eq!((bare.data, bare.total_count), (vec![1, 2], None));
/// let wrapped: Page<u32> = serde_json::from_str(r#"{"data":[3],"total_count":7}"#)?;
/// assert_eq!((wrapped.data, wrapped.total_count), (vec![3], Some(7)));
/// # Ok::<(), serde_json::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct Page<T> {
    /// The items of this page, in Clerk's order.
    pub data: Vec<T>,
    /// How many items match the whole query, when Clerk said.
    pub total_count: Option<i64>,
}

impl<T> Page<T> {
    /// A page of `data` with an optional total.
    pub fn new(data: Vec<T>, total_count: Option<i64>) -> Self {
        Self { data, total_count }
    }
}

impl<'de, T: Deserialize<'de>> Deserialize<'de> for Page<T> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Wire<T> {
            Bare(Vec<T>),
            Wrapped {
                data: Vec<T>,
                #[serde(default)]
                total_count: Option<i64>,
            },
        }
        Ok(match Wire::deserialize(deserializer)? {
            Wire::Bare(data) => Page::new(data, None),
            Wire::Wrapped { data, total_count } => Page::new(data, total_count),
        })
    }
}

/// Which page to fetch next.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct PageRequest {
    /// `limit`.
    pub(crate) limit: u32,
    /// `offset` (0 with a cursor).
    pub(crate) offset: u32,
    /// `starting_after`: the id of the last item seen, in cursor mode after the first page.
    pub(crate) starting_after: Option<String>,
}

/// How a [`Paged`] stream moves from one page to the next.
pub(crate) enum Paging<T> {
    /// `offset` grows by the items received.
    Offset,
    /// `starting_after` is the id (given by the function) of the last item received; used
    /// where Clerk supports it (users in a `created_at` order), as it neither skips nor
    /// repeats items when others are created or deleted during the pass.
    Cursor(fn(&T) -> &str),
}

// Not derived: a derive would ask `T: Copy`.
impl<T> Clone for Paging<T> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<T> Copy for Paging<T> {}

/// A lazy [`Stream`] over every item of a Backend API list, page after page.
///
/// Nothing is sent until it is polled; the next page is requested only once the items of the
/// current one have been taken, so at most one page is in flight and a consumer that stops
/// early sends no more requests. Each page is one call of the list it pages, with that call's
/// retries and rate-budget share. The stream ends after a page shorter than the page size (or
/// empty, or reaching Clerk's `total_count`); after an error it yields that error and ends.
///
/// Like the client's futures it is `!Send`: poll it on an actix runtime or in a `LocalSet`.
///
/// # Examples
///
/// ```no_run
/// use clerk_backend::UserListParams;
/// use futures_util::TryStreamExt as _;
///
/// # async fn demo(client: clerk_backend::ClerkClient) -> Result<(), clerk_backend::ApiError> {
/// let mut users = client.users().list_stream(&UserListParams::new().banned(true));
/// while let Some(user) = users.try_next().await? {
///     println!("{}", user.id);
/// }
/// # Ok(()) }
/// ```
#[must_use = "a stream does nothing unless polled"]
pub struct Paged<T> {
    inner: LocalBoxStream<'static, ApiResult<T>>,
}

impl<T> fmt::Debug for Paged<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Paged").finish_non_exhaustive()
    }
}

impl<T> Stream for Paged<T> {
    type Item = ApiResult<T>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        self.inner.as_mut().poll_next(cx)
    }
}

struct State<F> {
    fetch: F,
    next: Option<PageRequest>,
}

impl<T: 'static> Paged<T> {
    /// Pages with `fetch` from `offset` (or, with a cursor, from `starting_after`), `limit`
    /// items a page (0 is taken as [`DEFAULT_PAGE_SIZE`]).
    pub(crate) fn new<F, Fut>(
        limit: u32,
        offset: u32,
        starting_after: Option<String>,
        paging: Paging<T>,
        fetch: F,
    ) -> Self
    where
        F: FnMut(PageRequest) -> Fut + 'static,
        Fut: Future<Output = ApiResult<Page<T>>> + 'static,
    {
        let limit = if limit == 0 { DEFAULT_PAGE_SIZE } else { limit };
        let first = PageRequest {
            limit,
            offset,
            starting_after,
        };
        let state = State {
            fetch,
            next: Some(first),
        };
        let pages = stream::unfold(state, move |mut state| {
            let request = state.next.take();
            async move {
                let request = request?;
                let items: Vec<ApiResult<T>> = match (state.fetch)(request.clone()).await {
                    Ok(page) => {
                        state.next = next_request(&request, &page, &paging);
                        page.data.into_iter().map(Ok).collect()
                    }
                    // The error ends the stream: no request is left.
                    Err(err) => vec![Err(err)],
                };
                Some((items, state))
            }
        });
        Self {
            inner: pages.flat_map(stream::iter).boxed_local(),
        }
    }
}

/// The request after `page`, or `None` when `page` was the last.
fn next_request<T>(request: &PageRequest, page: &Page<T>, paging: &Paging<T>) -> Option<PageRequest> {
    let got = u32::try_from(page.data.len()).unwrap_or(u32::MAX);
    if got == 0 || got < request.limit {
        return None;
    }
    let seen = request.offset.checked_add(got)?;
    if page.total_count.is_some_and(|total| i64::from(seen) >= total) {
        return None;
    }
    match paging {
        Paging::Offset => Some(PageRequest {
            limit: request.limit,
            offset: seen,
            starting_after: None,
        }),
        Paging::Cursor(id) => {
            let last = page.data.last().map(|item| id(item).to_owned())?;
            // A server that repeats its cursor would loop forever: stop instead.
            if request.starting_after.as_deref() == Some(last.as_str()) {
                return None;
            }
            Some(PageRequest {
                limit: request.limit,
                offset: 0,
                starting_after: Some(last),
            })
        }
    }
}

#[cfg(test)]
mod tests {
    use std::cell::RefCell;
    use std::rc::Rc;

    use futures_util::TryStreamExt as _;

    use super::*;
    use crate::ApiError;

    fn numbers(total: u32, limit: u32, paging: Paging<u32>) -> (Paged<u32>, Rc<RefCell<Vec<PageRequest>>>) {
        let seen = Rc::new(RefCell::new(Vec::new()));
        let log = Rc::clone(&seen);
        let stream = Paged::new(limit, 0, None, paging, move |request: PageRequest| {
            log.borrow_mut().push(request.clone());
            async move {
                let start = match &request.starting_after {
                    Some(after) => after.parse::<u32>().unwrap_or_default() + 1,
                    None => request.offset,
                };
                let data = (start..total).take(request.limit as usize).collect();
                Ok(Page::new(data, None))
            }
        });
        (stream, seen)
    }

    fn run<T>(future: impl Future<Output = T>) -> T {
        futures_util::FutureExt::now_or_never(future).expect("no I/O in these tests")
    }

    #[test]
    fn offset_paging_yields_every_item_and_stops_after_a_short_page() {
        let (stream, seen) = numbers(7, 3, Paging::Offset);
        let items: Vec<u32> = run(stream.try_collect()).expect("pages");
        assert_eq!(items, (0..7).collect::<Vec<_>>());
        let offsets: Vec<u32> = seen.borrow().iter().map(|r| r.offset).collect();
        assert_eq!(offsets, [0, 3, 6]);
    }

    #[test]
    fn an_exact_multiple_takes_one_empty_page_to_end() {
        let (stream, seen) = numbers(6, 3, Paging::Offset);
        let items: Vec<u32> = run(stream.try_collect()).expect("pages");
        assert_eq!(items.len(), 6);
        assert_eq!(seen.borrow().len(), 3);
    }

    #[test]
    fn cursor_paging_sends_the_last_id() {
        fn id(n: &u32) -> &str {
            const IDS: [&str; 7] = ["0", "1", "2", "3", "4", "5", "6"];
            IDS[*n as usize]
        }
        let (stream, seen) = numbers(7, 3, Paging::Cursor(id));
        let items: Vec<u32> = run(stream.try_collect()).expect("pages");
        assert_eq!(items, (0..7).collect::<Vec<_>>());
        let cursors: Vec<Option<String>> = seen.borrow().iter().map(|r| r.starting_after.clone()).collect();
        assert_eq!(cursors, [None, Some("2".to_owned()), Some("5".to_owned())]);
        assert!(seen.borrow().iter().all(|r| r.offset == 0));
    }

    #[test]
    fn nothing_is_fetched_before_polling_and_one_page_at_a_time() {
        let (mut stream, seen) = numbers(10, 4, Paging::Offset);
        assert!(seen.borrow().is_empty());
        for _ in 0..4 {
            run(stream.next()).expect("item").expect("ok");
        }
        assert_eq!(seen.borrow().len(), 1, "the first page is still being drained");
        run(stream.next()).expect("item").expect("ok");
        assert_eq!(seen.borrow().len(), 2);
    }

    #[test]
    fn total_count_ends_the_stream_without_an_extra_request() {
        let calls = Rc::new(RefCell::new(0));
        let counter = Rc::clone(&calls);
        let stream = Paged::new(2, 0, None, Paging::Offset, move |request: PageRequest| {
            *counter.borrow_mut() += 1;
            async move {
                let data: Vec<u32> = (request.offset..4).take(2).collect();
                Ok(Page::new(data, Some(4)))
            }
        });
        let items: Vec<u32> = run(stream.try_collect()).expect("pages");
        assert_eq!(items, [0, 1, 2, 3]);
        assert_eq!(*calls.borrow(), 2);
    }

    #[test]
    fn an_error_is_yielded_once_and_ends_the_stream() {
        let stream = Paged::new(2, 0, None, Paging::Offset, |request: PageRequest| async move {
            if request.offset == 0 {
                Ok(Page::new(vec![1u32, 2], None))
            } else {
                Err(ApiError::InvalidArgument("boom".to_owned()))
            }
        });
        let items: Vec<ApiResult<u32>> = run(stream.collect());
        assert_eq!(items.len(), 3);
        assert!(matches!(items[2], Err(ApiError::InvalidArgument(_))));
    }

    #[test]
    fn a_repeated_cursor_stops_the_pass() {
        fn id(_: &u32) -> &str {
            "same"
        }
        let stream = Paged::new(1, 0, Some("same".to_owned()), Paging::Cursor(id), |_| async {
            Ok(Page::new(vec![1u32], None))
        });
        let items: Vec<u32> = run(stream.try_collect()).expect("pages");
        assert_eq!(items, [1]);
    }
}
