//! Clerk's page-request test of `auth.protect()` (docs/clerk-behaviour.md §4): whether a signed-out
//! request may be redirected to the sign-in page rather than refused.

use super::parts::{header_text, HeaderLookup};

/// Whether a request is a page request as Clerk's `protect` decides it: a `Sec-Fetch-Dest` of
/// `document` or `iframe`, or an `Accept` that includes `text/html`. An unreadable header counts
/// as absent.
///
/// # Examples
///
/// ```
/// use clerk_core::request::{is_page_request, HeaderLookup};
///
/// struct Accept(&'static str);
/// impl HeaderLookup for Accept {
///     fn header(&self, name: &str) -> Option<&[u8]> {
///         (name == "accept").then_some(self.0.as_bytes())
///     }
/// }
/// assert!(is_page_request(&Accept("application/xhtml+xml,text/html;q=0.9")));
/// assert!(!is_page_request(&Accept("application/json")));
/// ```
pub fn is_page_request(headers: &dyn HeaderLookup) -> bool {
    let header = |name: &str| headers.header(name).and_then(header_text).unwrap_or("");
    matches!(header("sec-fetch-dest"), "document" | "iframe") || header("accept").contains("text/html")
}
