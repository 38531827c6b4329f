//! The `Authorization` header's token: the one reading both the session path and the machine
//! path (`acceptsToken`) use, so a header is a token on both or on neither.

use std::borrow::Cow;

use super::parts::RequestParts;

/// The token of an `Authorization` header value, as Clerk's `parseAuthorizationHeader` reads it.
///
/// Clerk's runtime hands it the header as Node's HTTP server and `fetch`'s `Headers` do: every
/// byte one character (Latin-1), with spaces, tabs, CR and LF trimmed from both ends. Then:
/// split on spaces and keep the first two pieces; a single piece (or an empty second one) is
/// the token itself; `Bearer <t>` (case-sensitive) gives `t`; any other scheme gives no token.
/// No byte makes a header unreadable: `Bearer é` is the token `é` in Latin-1 (`Ã©`), which then
/// fails as any malformed token does. ASCII tokens are borrowed.
///
/// # Examples
///
/// ```
/// use clerk_core::request::authorization_token;
///
/// assert_eq!(authorization_token(b"Bearer ak_1").as_deref(), Some("ak_1"));
/// assert_eq!(authorization_token(b"ak_1").as_deref(), Some("ak_1"));
/// assert_eq!(authorization_token(b"Basic abc"), None);
/// assert_eq!(authorization_token("Bearer é".as_bytes()).as_deref(), Some("Ã©"));
/// ```
pub fn authorization_token(value: &[u8]) -> Option<Cow<'_, str>> {
    let value = trim_http_whitespace(value);
    if value.is_empty() {
        return None;
    }
    // JavaScript's `split(' ', 2)`: at most two pieces, the rest is dropped. (memchr: a token is
    // a kilobyte on every request; a byte-at-a-time scan showed in the profile.)
    let (scheme, token) = match memchr::memchr(b' ', value) {
        None => (value, None),
        Some(space) => {
            let rest = &value[space + 1..];
            let end = memchr::memchr(b' ', rest).unwrap_or(rest.len());
            (&value[..space], Some(&rest[..end]))
        }
    };
    let token = match token {
        None | Some([]) => scheme,
        Some(token) if scheme == b"Bearer" => token,
        Some(_) => return None,
    };
    Some(latin1(token))
}

/// The token of the request's `Authorization` header, when it has one.
pub(super) fn header_token<'a>(parts: &RequestParts<'a>) -> Option<Cow<'a, str>> {
    parts
        .headers
        .header("authorization")
        .and_then(authorization_token)
}

/// `value` without the HTTP whitespace (`fetch`'s: space, tab, CR, LF) at either end.
fn trim_http_whitespace(value: &[u8]) -> &[u8] {
    let is_space = |b: &u8| matches!(b, b' ' | b'\t' | b'\r' | b'\n');
    let start = value.iter().position(|b| !is_space(b)).unwrap_or(value.len());
    let end = value
        .iter()
        .rposition(|b| !is_space(b))
        .map_or(start, |last| last + 1);
    &value[start..end]
}

/// `bytes` read as Latin-1: borrowed when ASCII, one character per byte otherwise.
fn latin1(bytes: &[u8]) -> Cow<'_, str> {
    if bytes.is_ascii() {
        if let Ok(text) = std::str::from_utf8(bytes) {
            return Cow::Borrowed(text);
        }
    }
    Cow::Owned(bytes.iter().copied().map(char::from).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn token(value: &[u8]) -> Option<String> {
        authorization_token(value).map(Cow::into_owned)
    }

    #[test]
    fn header_parsing_is_clerks() {
        assert_eq!(token(b"Bearer abc"), Some("abc".into()));
        assert_eq!(token(b"abc"), Some("abc".into()));
        assert_eq!(token(b"bearer abc"), None, "the scheme is case-sensitive");
        assert_eq!(token(b"Basic dXNlcjpwYXNz"), None);
        assert_eq!(token(b"Bearer a b"), Some("a".into()));
        assert_eq!(token(b"Bearer  abc"), Some("Bearer".into()));
        assert_eq!(token(b"Bearer  "), Some("Bearer".into()));
        assert_eq!(token(b"\t Bearer abc \r\n"), Some("abc".into()));
        assert_eq!(token(b"  "), None);
        assert_eq!(token(b""), None);
    }

    #[test]
    fn every_byte_is_a_latin1_character() {
        assert_eq!(token("Bearer é".as_bytes()), Some("Ã©".into()));
        assert_eq!(token(b"Bearer \xff"), Some("ÿ".into()));
        assert_eq!(token(b"\xff"), Some("ÿ".into()));
        // A no-break space is not HTTP whitespace: it stays in the token.
        assert_eq!(token(b"Bearer abc\xa0"), Some("abc\u{a0}".into()));
        assert_eq!(token(b"Bearer\xa0abc"), Some("Bearer\u{a0}abc".into()));
    }

    #[test]
    fn ascii_tokens_are_borrowed() {
        assert!(matches!(
            authorization_token(b"Bearer abc"),
            Some(Cow::Borrowed("abc"))
        ));
    }
}
