//! What the emulator's HTML pages share: escaping, the page frame and stylesheet, the
//! `text/html` answers and redirects, form bodies, and the 400 page for a bad `redirect_url`
//! (which targets are allowed: [`crate::api::frontend::redirect`]).
//!
//! Every link and form action is relative (`action="sign-in"`), so that the pages work both
//! at the emulator's root and mounted under a prefix by the app (e.g. `/__clerk/`).

use std::collections::HashMap;

use actix_web::http::header::{
    CACHE_CONTROL, CONTENT_SECURITY_POLICY, CONTENT_TYPE, LOCATION, SET_COOKIE, X_FRAME_OPTIONS,
};
use actix_web::http::StatusCode;
use actix_web::HttpResponse;

/// The one stylesheet of the pages.
const STYLE: &str = "body{font-family:system-ui,sans-serif;margin:0;background:#f6f6f8;color:#1b1b1f}\
main{max-width:32rem;margin:3rem auto;padding:2rem;background:#fff;border-radius:.75rem;\
box-shadow:0 1px 3px rgba(0,0,0,.12)}h1{margin-top:0}ul{list-style:none;padding:0}\
li{display:flex;justify-content:space-between;align-items:center;gap:1rem;padding:.5rem 0;\
border-bottom:1px solid #eee}.email{color:#555;font-size:.9rem}label{display:block;\
margin:.75rem 0 .25rem}input{width:100%;box-sizing:border-box;padding:.5rem;font:inherit}\
button{padding:.5rem 1rem;font:inherit;border:0;border-radius:.375rem;background:#6c47ff;\
color:#fff;cursor:pointer}form.password button{margin-top:1rem}\
.error{color:#b00020;font-weight:600}.note{color:#555;font-size:.85rem}";

/// Escapes text for HTML content and double-quoted attribute values.
pub(crate) fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// The pages' `Content-Security-Policy` (one header, this one directive): no site may frame them
/// (the sign-in page's buttons sign a user in: clickjacking); `X-Frame-Options: DENY` says the
/// same to browsers without CSP.
const FRAME_ANCESTORS: &str = "frame-ancestors 'none'";

/// A whole page: `<main>` holding `body` (already HTML), `text/html; charset=utf-8`,
/// `Cache-Control: no-store`, never framed ([`FRAME_ANCESTORS`]), and these `Set-Cookie`
/// directives.
pub(crate) fn page(status: StatusCode, title: &str, body: &str, cookies: &[String]) -> HttpResponse {
    let html = format!(
        "<!doctype html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <title>{} · Offline Clerk</title>\n<style>{STYLE}</style>\n</head>\n<body>\n<main>\n{body}\n\
         <p class=\"note\">Offline Clerk (clerk-testkit): no real accounts, for development and tests.</p>\n\
         </main>\n</body>\n</html>\n",
        escape(title)
    );
    let mut res = HttpResponse::build(status);
    res.insert_header((CONTENT_TYPE, "text/html; charset=utf-8"))
        .insert_header((CACHE_CONTROL, "no-store"))
        .insert_header((CONTENT_SECURITY_POLICY, FRAME_ANCESTORS))
        .insert_header((X_FRAME_OPTIONS, "DENY"));
    for cookie in cookies {
        res.append_header((SET_COOKIE, cookie.as_str()));
    }
    res.body(html)
}

/// `303 See Other` to `location` with these `Set-Cookie` directives.
pub(crate) fn see_other(location: &str, cookies: &[String]) -> HttpResponse {
    let mut res = HttpResponse::SeeOther();
    res.insert_header((LOCATION, location))
        .insert_header((CACHE_CONTROL, "no-store"));
    for cookie in cookies {
        res.append_header((SET_COOKIE, cookie.as_str()));
    }
    res.finish()
}

/// The fields of a form-encoded body (or query string); the first value of a name wins.
pub(crate) fn form(body: &[u8]) -> HashMap<String, String> {
    let mut fields = HashMap::new();
    for (name, value) in url::form_urlencoded::parse(body) {
        fields
            .entry(name.into_owned())
            .or_insert_with(|| value.into_owned());
    }
    fields
}

/// The 400 page for a bad `redirect_url` (another scheme than http(s), or malformed).
pub(crate) fn bad_redirect_page() -> HttpResponse {
    page(
        StatusCode::BAD_REQUEST,
        "Bad request",
        "<h1>Bad request</h1>\n<p role=\"alert\" class=\"error\">redirect_url must be an http(s) URL or a path.</p>",
        &[],
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_markup_and_quotes() {
        assert_eq!(
            escape(r#"<a href="x">O'Neil & co</a>"#),
            "&lt;a href=&quot;x&quot;&gt;O&#39;Neil &amp; co&lt;/a&gt;"
        );
    }

    #[test]
    fn forms_keep_the_first_value() {
        let fields = form(b"user_id=user_1&redirect_url=http%3A%2F%2Fa%2F&user_id=user_2");
        assert_eq!(fields["user_id"], "user_1");
        assert_eq!(fields["redirect_url"], "http://a/");
    }
}
