//! The `Cookie` header, parsed once per request as Clerk's `cookie` package (1.1.1) reads it.

use std::borrow::Cow;

/// The cookies of one request: every `name=value` pair of the `Cookie` header(s), split once;
/// [`Cookies::get`] returns the first pair of a name (as `cookie.parse` keeps the first), with
/// the value percent-decoded like `decodeURIComponent` (kept as is when that would throw).
///
/// Names and values are trimmed of spaces and tabs only; quotes are kept.
///
/// # Examples
///
/// ```
/// use clerk_core::request::Cookies;
///
/// let cookies = Cookies::parse("a=1; __session=tok; __session=second; b=x%20y");
/// assert_eq!(cookies.get("__session").as_deref(), Some("tok"));
/// assert_eq!(cookies.get("b").as_deref(), Some("x y"));
/// assert_eq!(cookies.get("missing"), None);
/// ```
#[derive(Clone, Default)]
pub struct Cookies<'a> {
    pairs: Vec<(&'a str, &'a str)>,
}

/// Cookie names only: values (session tokens among them) are never printed.
impl std::fmt::Debug for Cookies<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list()
            .entries(self.pairs.iter().map(|(name, _)| name))
            .finish()
    }
}

impl<'a> Cookies<'a> {
    /// No cookies.
    pub fn empty() -> Self {
        Self { pairs: Vec::new() }
    }

    /// Splits a `Cookie` header value (several header fields joined with `"; "`).
    pub fn parse(text: &'a str) -> Self {
        let mut pairs = Vec::new();
        let len = text.len();
        if len < 2 {
            return Self { pairs };
        }
        let mut index = 0;
        while index < len {
            // memchr (SIMD): a session token is a kilobyte, scanned on every request.
            let rest = &text.as_bytes()[index..];
            let Some(eq) = memchr::memchr(b'=', rest).map(|at| at + index) else {
                break;
            };
            let end = memchr::memchr(b';', rest).map_or(len, |at| at + index);
            if eq > end {
                // A pair without `=`: resume after the last `;` before this `=`.
                index = memchr::memrchr(b';', &text.as_bytes()[..eq]).map_or(0, |at| at + 1);
                continue;
            }
            pairs.push((trim(&text[index..eq]), trim(&text[eq + 1..end])));
            index = end + 1;
        }
        Self { pairs }
    }

    /// A request's `Cookie` header fields as one text, to [`parse`](Self::parse): borrowed when
    /// there is one, joined with `"; "` when there are several (HTTP/2 sends one field per
    /// cookie).
    ///
    /// # Examples
    ///
    /// ```
    /// use clerk_core::request::Cookies;
    ///
    /// assert_eq!(Cookies::join_fields(["a=1", "b=2"]), "a=1; b=2");
    /// assert_eq!(Cookies::join_fields(Vec::<&str>::new()), "");
    /// ```
    pub fn join_fields<I: IntoIterator<Item = &'a str>>(fields: I) -> Cow<'a, str> {
        let mut fields = fields.into_iter();
        let Some(first) = fields.next() else {
            return Cow::Borrowed("");
        };
        let Some(second) = fields.next() else {
            return Cow::Borrowed(first);
        };
        let mut joined = format!("{first}; {second}");
        for field in fields {
            joined.push_str("; ");
            joined.push_str(field);
        }
        Cow::Owned(joined)
    }

    /// The decoded value of the first cookie called `name`.
    pub fn get(&self, name: &str) -> Option<Cow<'a, str>> {
        self.raw(name).map(decode_uri_component)
    }

    /// The decoded value of the first cookie called `name`, `None` when absent or empty (Clerk's
    /// `getCookie(name) || undefined`).
    pub fn get_non_empty(&self, name: &str) -> Option<Cow<'a, str>> {
        self.get(name).filter(|value| !value.is_empty())
    }

    /// The raw (still percent-encoded) value of the first cookie called `name`.
    fn raw(&self, name: &str) -> Option<&'a str> {
        self.pairs.iter().find(|(n, _)| *n == name).map(|(_, v)| *v)
    }
}

fn trim(text: &str) -> &str {
    text.trim_matches([' ', '\t'])
}

/// JavaScript's `decodeURIComponent`, or the input unchanged when it would throw (a malformed
/// escape or bytes that are not UTF-8), as the `cookie` package does.
fn decode_uri_component(value: &str) -> Cow<'_, str> {
    if memchr::memchr(b'%', value.as_bytes()).is_none() {
        return Cow::Borrowed(value);
    }
    let bytes = value.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = bytes
                .get(i + 1..i + 3)
                .and_then(|h| std::str::from_utf8(h).ok())
                .filter(|h| h.bytes().all(|b| b.is_ascii_hexdigit()))
                .and_then(|h| u8::from_str_radix(h, 16).ok());
            let Some(byte) = hex else {
                return Cow::Borrowed(value);
            };
            out.push(byte);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).map_or(Cow::Borrowed(value), Cow::Owned)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// cookie@1.1.1 (bundled by @clerk/backend 3.25.0) keeps quotes, trims only spaces and
    /// tabs, uses `decodeURIComponent` (`+` stays) and keeps a value it cannot decode.
    #[test]
    fn cookie_values_are_cookie_1_1_1s() {
        let parse = |header: &str, name: &str| Cookies::parse(header).get(name).map(Cow::into_owned);
        assert_eq!(
            parse("__client_uat=\"1755\"", "__client_uat").as_deref(),
            Some("\"1755\"")
        );
        assert_eq!(parse(" \ta = b c \t; d=e", "a").as_deref(), Some("b c"));
        assert_eq!(parse("a=x+y%2B", "a").as_deref(), Some("x+y+"));
        assert_eq!(parse("a=%zz%41", "a").as_deref(), Some("%zz%41"));
        assert_eq!(parse("a=%FF", "a").as_deref(), Some("%FF"));
        assert_eq!(parse("a=%E2%82%AC", "a").as_deref(), Some("€"));
        assert_eq!(parse("junk; a=1", "a").as_deref(), Some("1"));
        assert_eq!(parse("junk;a=1;junk2", "a").as_deref(), Some("1"));
        assert_eq!(parse("a=", "a").as_deref(), Some(""));
        assert_eq!(parse("a", "a"), None);
        assert_eq!(parse("x=1; a==b", "a").as_deref(), Some("=b"));
        assert_eq!(
            parse("a=1; a=2", "a").as_deref(),
            Some("1"),
            "the first of a name wins"
        );
    }
}
