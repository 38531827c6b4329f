//! Clerk's handshake redirect (docs/clerk-behaviour.md §4): which requests may be redirected, the
//! Frontend API URL they go to, the redirect-loop guard, and reading the cookie directives a
//! handshake or a refresh returns.

use super::facts::{RequestFacts, SESSION};
use super::names::{COOKIE_REDIRECT_COUNT, DEV_BROWSER, QUERY_LEGACY_DEV_BROWSER};
use super::org_sync::SyncTarget;
use super::parts::RequestParts;
use crate::reason::RequestReason;

/// The Backend API version Clerk's handshake names (`__clerk_api_version`).
pub(crate) const HANDSHAKE_API_VERSION: &str = "2026-05-12";

/// Clerk's log line when the redirect counter reaches 3 (satellite syncs have their own).
pub(crate) fn loop_message(reason: &RequestReason) -> &'static str {
    if *reason == RequestReason::SatelliteNeedsSyncing {
        "Clerk: Satellite-domain authentication resulted in an infinite redirect loop. Check that this \
         request is using a configured primary or satellite domain for the production instance. For \
         preview deployments, use a development/staging Clerk instance or a supported configured \
         preview-domain setup."
    } else {
        "Clerk: Refreshing the session token resulted in an infinite redirect loop. This usually means \
         that your Clerk instance keys do not match - make sure to copy the correct publishable and \
         secret keys from the Clerk dashboard."
    }
}

/// Clerk's `isRequestEligibleForHandshake`: a GET that is probably a document (a
/// `sec-fetch-dest` of `document` or `iframe`, or none and an `accept` starting `text/html`).
pub(super) fn is_eligible(facts: &RequestFacts<'_>) -> bool {
    if !facts.is_get {
        return false;
    }
    match facts.fetch_dest {
        Some("document" | "iframe") => true,
        Some("") | None => facts.accept().is_some_and(|a| a.starts_with("text/html")),
        Some(_) => false,
    }
}

/// Clerk's `clerkUrl`: the request's origin, path and query, parsed as a WHATWG URL.
pub(crate) fn clerk_url(parts: &RequestParts<'_>) -> Option<url::Url> {
    let mut text = parts.origin.serialize();
    text.push_str(if parts.path.starts_with('/') {
        parts.path
    } else {
        "/"
    });
    if !parts.query.is_empty() {
        text.push('?');
        text.push_str(parts.query);
    }
    url::Url::parse(&text).ok()
}

/// `url` with every query parameter called one of `names` removed, the query re-serialized as
/// `URLSearchParams` serializes it (and dropped when empty).
pub(crate) fn without_params(url: &url::Url, names: &[&str]) -> url::Url {
    let mut clean = url.clone();
    if url.query().is_none() {
        return clean;
    }
    let kept: Vec<(String, String)> = url
        .query_pairs()
        .filter(|(k, _)| !names.contains(&k.as_ref()))
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect();
    if kept.is_empty() {
        clean.set_query(None);
    } else {
        let query = url::form_urlencoded::Serializer::new(String::new())
            .extend_pairs(kept)
            .finish();
        clean.set_query(Some(&query));
    }
    clean
}

/// Sets query parameter `name` to `value` (replacing every occurrence, as
/// `URLSearchParams.set` does, in place of the first).
pub(super) fn set_query_param(url: &mut url::Url, name: &str, value: &str) {
    let mut pairs: Vec<(String, String)> = url
        .query_pairs()
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect();
    match pairs.iter().position(|(k, _)| k == name) {
        Some(at) => {
            pairs[at].1 = value.to_owned();
            let mut seen = false;
            pairs.retain(|(k, _)| {
                if k != name {
                    return true;
                }
                let keep = !seen;
                seen = true;
                keep
            });
        }
        None => pairs.push((name.to_owned(), value.to_owned())),
    }
    url.query_pairs_mut().clear().extend_pairs(pairs);
}

/// What a handshake URL carries besides the reason.
pub(crate) struct HandshakeTarget<'a> {
    /// The Frontend API (a host, or a URL for a proxy).
    pub frontend_api: &'a str,
    /// Whether the instance's cookies are suffixed.
    pub suffixed: bool,
    /// The request's session token (cookie, else header), when it has one.
    pub session_token: Option<&'a str>,
    /// The dev browser token, on development instances.
    pub dev_browser: Option<&'a str>,
    /// The organization the URL asks to activate (organization sync).
    pub organization: Option<SyncTarget>,
}

/// Clerk's `buildRedirectToHandshake`: the Frontend API's `/v1/client/handshake` with the
/// parameters in Clerk's order.
pub(crate) fn handshake_location(
    clerk_url: &url::Url,
    reason: &RequestReason,
    target: &HandshakeTarget<'_>,
) -> Option<String> {
    let redirect = without_params(clerk_url, &[DEV_BROWSER, QUERY_LEGACY_DEV_BROWSER]);
    let base = if target.frontend_api.starts_with("http") {
        target.frontend_api.to_owned()
    } else {
        format!("https://{}", target.frontend_api)
    };
    let base = format!("{}/", base.trim_end_matches('/'));
    let mut url = url::Url::parse(&base).ok()?.join("v1/client/handshake").ok()?;
    {
        let mut query = url.query_pairs_mut();
        query
            .append_pair("redirect_url", redirect.as_str())
            .append_pair("__clerk_api_version", HANDSHAKE_API_VERSION)
            .append_pair("suffixed_cookies", if target.suffixed { "true" } else { "false" })
            .append_pair("__clerk_hs_reason", reason.as_str())
            .append_pair("format", "nonce");
        if let Some(token) = target.session_token.filter(|t| !t.is_empty()) {
            query.append_pair("__session", token);
        }
        if let Some(dev_browser) = target.dev_browser.filter(|t| !t.is_empty()) {
            query.append_pair(DEV_BROWSER, dev_browser);
        }
        if let Some(organization) = &target.organization {
            query.append_pair("organization_id", organization.query_value());
        }
    }
    Some(url.to_string())
}

/// The next redirect counter, as a `Set-Cookie` value.
pub(crate) fn counter_cookie(count: f64) -> String {
    format!(
        "{COOKIE_REDIRECT_COUNT}={}; SameSite=Lax; HttpOnly; Max-Age=2",
        js_number_text(count + 1.0)
    )
}

/// A number as JavaScript prints it, for the small values a counter holds.
fn js_number_text(n: f64) -> String {
    if n.is_finite() && n.fract() == 0.0 && n.abs() < 1e21 {
        format!("{}", n as i64)
    } else if n.is_nan() {
        "NaN".to_owned()
    } else if n.is_infinite() {
        if n > 0.0 { "Infinity" } else { "-Infinity" }.to_owned()
    } else {
        format!("{n}")
    }
}

/// At most this many cookie directives from one Backend API answer or handshake token.
const MAX_DIRECTIVES: usize = 16;
/// The longest cookie directive set on a response.
const MAX_DIRECTIVE_BYTES: usize = 4096;

/// The cookie directives a response may carry: at most 16, each at most 4 KiB (a browser keeps
/// no more); the rest are dropped and logged by name only.
pub(crate) fn bounded(directives: Vec<String>) -> Vec<String> {
    let mut kept = Vec::with_capacity(directives.len().min(MAX_DIRECTIVES));
    for directive in directives {
        if kept.len() < MAX_DIRECTIVES && directive.len() <= MAX_DIRECTIVE_BYTES {
            kept.push(directive);
        } else {
            let name: String = directive
                .split('=')
                .next()
                .unwrap_or("")
                .chars()
                .take(64)
                .collect();
            tracing::warn!(cookie = %name, "clerk: a cookie directive from Clerk was dropped (too many or too long)");
        }
    }
    kept
}

/// The session token among cookie directives (Clerk's `getCookieName(x).startsWith("__session")`,
/// the last one wins), `None` when there is none or it is empty.
pub(crate) fn session_in_directives(directives: &[String]) -> Option<&str> {
    let mut token = None;
    for directive in directives {
        let pair = directive.split(';').next().unwrap_or("");
        let mut halves = pair.split('=');
        let name = halves.next().unwrap_or("");
        if name.starts_with(SESSION) {
            token = Some(halves.next().unwrap_or(""));
        }
    }
    token.filter(|t| !t.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn directives_give_the_last_session_cookie() {
        let directives = vec![
            "__client_uat=1; Path=/".to_owned(),
            "__session=first; Path=/".to_owned(),
            "__session_abc=second; Path=/; HttpOnly".to_owned(),
        ];
        assert_eq!(session_in_directives(&directives), Some("second"));
        assert_eq!(session_in_directives(&["__session=; Max-Age=0".to_owned()]), None);
        assert_eq!(session_in_directives(&[]), None);
    }

    #[test]
    fn params_are_removed_and_the_query_reserialized() {
        let url = url::Url::parse("https://a.example/p?x=%20y&__clerk_db_jwt=d&z=1").unwrap();
        let clean = without_params(&url, &[DEV_BROWSER]);
        assert_eq!(clean.as_str(), "https://a.example/p?x=+y&z=1");
        let only = url::Url::parse("https://a.example/p?__clerk_db_jwt=d").unwrap();
        assert_eq!(
            without_params(&only, &[DEV_BROWSER]).as_str(),
            "https://a.example/p"
        );
    }

    #[test]
    fn counter_values_are_javascripts() {
        assert_eq!(
            counter_cookie(0.0),
            "__clerk_redirect_count=1; SameSite=Lax; HttpOnly; Max-Age=2"
        );
        assert_eq!(js_number_text(2.5), "2.5");
        assert_eq!(js_number_text(-1.0), "-1");
    }
}
