//! The Content Security Policy Clerk's browser SDK needs, built as `@clerk/nextjs`'s
//! `clerkMiddleware({ contentSecurityPolicy })` builds it: Clerk's directives (its Frontend API
//! host, Clerk's telemetry, image and bot-protection hosts, Cloudflare's challenge frame,
//! workers from `blob:`), a strict mode (`'strict-dynamic'` and a per-request nonce instead of
//! `https:`/`http:` script hosts), and the application's own directives merged in.
//!
//! A pure function of its inputs: [`CspOptions::headers`] takes the instance's hosts
//! ([`ClerkHosts`]) and the request's [`Nonce`] and returns the header to send ([`CspHeaders`]).
//!
//! Where ours differs from Clerk's (deliberately):
//! - a cross-origin proxy URL's origin is added to `connect-src` (Clerk's builder adds only the
//!   publishable key's Frontend API host, so the browser SDK's calls through a proxy on another
//!   origin are blocked);
//! - `'unsafe-eval'` is never added by itself (Clerk adds it to `script-src` whenever
//!   `NODE_ENV` is not `production`); an application that wants it says so in its directives;
//! - without a publishable key no host is added (Clerk adds an empty value).
//!
//! ```
//! use clerk_core::csp::{ClerkHosts, CspOptions, Nonce};
//!
//! let options = CspOptions::new().strict(true).directive("frame-ancestors", ["none"]);
//! let hosts = ClerkHosts::new(Some("clerk.example.com"));
//! let nonce = Nonce::from_bytes([7; 16]);
//! let csp = options.headers(&hosts, Some(&nonce));
//! assert_eq!(csp.name.as_str(), "content-security-policy");
//! assert!(csp.value.contains("frame-ancestors 'none'"));
//! assert!(csp.value.contains("'strict-dynamic' 'nonce-BwcHBwcHBwcHBwcHBwcHBw=='"));
//! ```

use base64::Engine as _;

/// The header carrying the policy: enforced, or only reported (`reportOnly`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CspHeaderName {
    /// `Content-Security-Policy`.
    Enforce,
    /// `Content-Security-Policy-Report-Only`.
    ReportOnly,
}

impl CspHeaderName {
    /// The header's name, lower case.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Enforce => "content-security-policy",
            Self::ReportOnly => "content-security-policy-report-only",
        }
    }
}

/// The `Reporting-Endpoints` header's name (sent with a `report-to` URL).
pub const REPORTING_ENDPOINTS: &str = "reporting-endpoints";

/// The endpoint name Clerk's builder gives the `report-to` URL.
const REPORT_ENDPOINT: &str = "csp-endpoint";

/// Clerk's bot-protection origin, in `frame-src` and `script-src` (and with any port in
/// `connect-src`).
const CLERK_PROTECTION: &str = "https://*.protect.clerk.com";

/// Clerk's directives and their values, in Clerk's order (values unquoted where Clerk's are:
/// keywords are quoted when the header is written).
const DEFAULT_DIRECTIVES: [(&str, &[&str]); 8] = [
    (
        "connect-src",
        &[
            "self",
            "https://clerk-telemetry.com",
            "https://*.clerk-telemetry.com",
            "https://api.stripe.com",
            "https://maps.googleapis.com",
            "https://img.clerk.com",
            "https://*.protect.clerk.com:*",
        ],
    ),
    ("default-src", &["self"]),
    ("form-action", &["self"]),
    (
        "frame-src",
        &[
            "self",
            "https://challenges.cloudflare.com",
            "https://*.js.stripe.com",
            "https://js.stripe.com",
            "https://hooks.stripe.com",
            CLERK_PROTECTION,
        ],
    ),
    ("img-src", &["self", "https://img.clerk.com"]),
    (
        "script-src",
        &[
            "self",
            "unsafe-inline",
            "https:",
            "http:",
            "https://*.js.stripe.com",
            "https://js.stripe.com",
            "https://maps.googleapis.com",
            CLERK_PROTECTION,
        ],
    ),
    ("style-src", &["self", "unsafe-inline"]),
    ("worker-src", &["self", "blob:"]),
];

/// The keywords written quoted, whether given quoted or not.
const KEYWORDS: [&str; 6] = [
    "none",
    "self",
    "strict-dynamic",
    "unsafe-eval",
    "unsafe-hashes",
    "unsafe-inline",
];

/// A per-request nonce: 16 random bytes (the caller draws them from a CSPRNG), base64.
#[derive(Clone, PartialEq, Eq)]
pub struct Nonce(String);

impl Nonce {
    /// The nonce of 16 bytes (standard base64, padded: 24 characters).
    pub fn from_bytes(bytes: [u8; 16]) -> Self {
        Self(base64::engine::general_purpose::STANDARD.encode(bytes))
    }

    /// The nonce as scripts carry it (`<script nonce="…">`).
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for Nonce {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Nonce(…)")
    }
}

/// Where the browser SDK talks to Clerk: the Frontend API host of the publishable key and,
/// when one is configured, the proxy URL (with the page's origin, to tell whether the proxy is
/// cross-origin).
#[derive(Clone, Copy, Debug, Default)]
pub struct ClerkHosts<'a> {
    frontend_api: Option<&'a str>,
    proxy_url: Option<&'a str>,
    request_origin: Option<&'a str>,
}

impl<'a> ClerkHosts<'a> {
    /// The instance's Frontend API host (`PublishableKey::frontend_api`), if a key is set.
    pub fn new(frontend_api: Option<&'a str>) -> Self {
        Self {
            frontend_api,
            ..Self::default()
        }
    }

    /// The proxy URL (absolute or a path) and the origin of the page being answered: an
    /// absolute proxy URL on another origin adds its origin to `connect-src`.
    pub fn proxy(mut self, proxy_url: &'a str, request_origin: &'a str) -> Self {
        self.proxy_url = Some(proxy_url);
        self.request_origin = Some(request_origin);
        self
    }

    /// The proxy URL's origin when it is absolute and not the page's own origin.
    fn cross_origin_proxy(&self) -> Option<String> {
        let url = url::Url::parse(self.proxy_url?).ok()?;
        if !matches!(url.scheme(), "http" | "https") {
            return None;
        }
        let origin = url.origin().ascii_serialization();
        let same = self
            .request_origin
            .is_some_and(|page| page.trim_end_matches('/').eq_ignore_ascii_case(&origin));
        (!same).then_some(origin)
    }
}

/// The headers of a policy: the policy under its header name, and `Reporting-Endpoints` when
/// a `report-to` URL is set.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CspHeaders {
    /// Enforced or report-only.
    pub name: CspHeaderName,
    /// The policy.
    pub value: String,
    /// The `Reporting-Endpoints` value (`csp-endpoint="<url>"`).
    pub reporting_endpoints: Option<String>,
}

/// The options of `contentSecurityPolicy`: strict mode, the application's directives, report-only
/// and a reporting endpoint.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CspOptions {
    strict: bool,
    directives: Vec<(String, Vec<String>)>,
    report_only: bool,
    report_to: Option<String>,
}

impl CspOptions {
    /// Clerk's directives only, not strict, enforced.
    pub fn new() -> Self {
        Self::default()
    }

    /// Strict mode: `script-src` drops `https:` and `http:` and gets `'strict-dynamic'` and the
    /// request's nonce (every script the page loads itself must carry it).
    pub fn strict(mut self, strict: bool) -> Self {
        self.strict = strict;
        self
    }

    /// One of the application's directives. On one of Clerk's directives the values are added
    /// (keywords quoted: `self` and `'self'` are one value); on another directive they are the
    /// directive. `none` (or `'none'`) among the values makes the directive `'none'` alone.
    /// Naming a directive again replaces its earlier values.
    pub fn directive<V: Into<String>>(
        mut self,
        name: impl Into<String>,
        values: impl IntoIterator<Item = V>,
    ) -> Self {
        let name = name.into();
        let values = values.into_iter().map(Into::into).collect();
        match self.directives.iter_mut().find(|(known, _)| *known == name) {
            Some((_, earlier)) => *earlier = values,
            None => self.directives.push((name, values)),
        }
        self
    }

    /// Sends the policy as `Content-Security-Policy-Report-Only` (violations reported, nothing
    /// blocked).
    pub fn report_only(mut self, report_only: bool) -> Self {
        self.report_only = report_only;
        self
    }

    /// Where browsers report violations: `report-to csp-endpoint` in the policy and
    /// `Reporting-Endpoints: csp-endpoint="<url>"`.
    pub fn report_to(mut self, url: impl Into<String>) -> Self {
        self.report_to = Some(url.into());
        self
    }

    /// Whether a nonce is part of the policy (strict mode).
    pub fn is_strict(&self) -> bool {
        self.strict
    }

    /// The policy's headers for `hosts`, with `nonce` in `script-src` in strict mode.
    pub fn headers(&self, hosts: &ClerkHosts<'_>, nonce: Option<&Nonce>) -> CspHeaders {
        let mut value = format_policy(&self.directives_for(hosts, nonce));
        let reporting_endpoints = self.report_to.as_ref().map(|url| {
            value.push_str("; report-to ");
            value.push_str(REPORT_ENDPOINT);
            format!("{REPORT_ENDPOINT}=\"{url}\"")
        });
        CspHeaders {
            name: if self.report_only {
                CspHeaderName::ReportOnly
            } else {
                CspHeaderName::Enforce
            },
            value,
            reporting_endpoints,
        }
    }

    /// Clerk's directives, the hosts, strict mode, then the application's directives.
    fn directives_for(&self, hosts: &ClerkHosts<'_>, nonce: Option<&Nonce>) -> Vec<(String, Vec<String>)> {
        let mut directives: Vec<(String, Vec<String>)> = DEFAULT_DIRECTIVES
            .iter()
            .map(|(name, values)| {
                (
                    (*name).to_owned(),
                    values.iter().map(|v| (*v).to_owned()).collect(),
                )
            })
            .collect();
        let connect = directive_mut(&mut directives, "connect-src");
        if let Some(host) = hosts.frontend_api {
            add(connect, host.replace('$', ""));
        }
        if let Some(origin) = hosts.cross_origin_proxy() {
            add(connect, origin);
        }
        if self.strict {
            let script = directive_mut(&mut directives, "script-src");
            script.retain(|value| value != "http:" && value != "https:");
            add(script, "'strict-dynamic'".to_owned());
            if let Some(nonce) = nonce {
                add(script, format!("'nonce-{}'", nonce.as_str()));
            }
        }
        let mut own: Vec<(String, Vec<String>)> = Vec::new();
        for (name, values) in &self.directives {
            if DEFAULT_DIRECTIVES.iter().any(|(known, _)| known == name) {
                let existing = directive_mut(&mut directives, name);
                let merged = if is_none(values) {
                    vec!["'none'".to_owned()]
                } else {
                    formatted(existing.iter().chain(values))
                };
                *existing = merged;
            } else {
                let values = if is_none(values) {
                    vec!["'none'".to_owned()]
                } else {
                    formatted(values.iter())
                };
                own.push((name.clone(), values));
            }
        }
        directives.extend(own);
        directives
    }
}

/// A policy built once for one set of hosts, with the nonce's place kept: what a server sends on
/// every answer when the hosts do not depend on the request (no cross-origin proxy to compare
/// with the page's origin). [`CompiledCsp::headers`] then costs one string of the policy's length
/// per request instead of building and sorting the directives again.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CompiledCsp {
    name: CspHeaderName,
    /// The policy up to the nonce (all of it when not strict).
    before: String,
    /// The policy after the nonce (`None` when not strict: no nonce).
    after: Option<String>,
    /// The whole policy without a nonce (strict mode asked without one).
    without_nonce: String,
    reporting_endpoints: Option<String>,
}

/// A stand-in nonce no policy value can contain (a NUL), replaced per request.
const NONCE_SLOT: &str = "\0";

impl CspOptions {
    /// The policy for `hosts`, built once; see [`CompiledCsp`].
    pub fn compile(&self, hosts: &ClerkHosts<'_>) -> CompiledCsp {
        let slot = Nonce(NONCE_SLOT.to_owned());
        let headers = self.headers(hosts, self.strict.then_some(&slot));
        let without_nonce = if self.strict {
            self.headers(hosts, None).value
        } else {
            String::new()
        };
        let (before, after) = match headers.value.split_once(NONCE_SLOT) {
            Some((before, after)) => (before.to_owned(), Some(after.to_owned())),
            None => (headers.value, None),
        };
        CompiledCsp {
            name: headers.name,
            before,
            after,
            without_nonce,
            reporting_endpoints: headers.reporting_endpoints,
        }
    }
}

impl CompiledCsp {
    /// Whether the policy takes a nonce (strict mode).
    pub fn takes_nonce(&self) -> bool {
        self.after.is_some()
    }

    /// The headers with `nonce` in its place: the same as [`CspOptions::headers`] for the hosts
    /// it was compiled with. A nonce given to a policy without one is ignored, as there.
    pub fn headers(&self, nonce: Option<&Nonce>) -> CspHeaders {
        let value = match (&self.after, nonce) {
            (Some(after), Some(nonce)) => {
                let mut value = String::with_capacity(self.before.len() + nonce.0.len() + after.len());
                value.push_str(&self.before);
                value.push_str(&nonce.0);
                value.push_str(after);
                value
            }
            // Strict without a nonce: the policy as `headers` writes it then.
            (Some(_), None) => self.without_nonce.clone(),
            (None, _) => self.before.clone(),
        };
        CspHeaders {
            name: self.name,
            value,
            reporting_endpoints: self.reporting_endpoints.clone(),
        }
    }
}

/// The directive `name` of Clerk's (always present).
fn directive_mut<'d>(directives: &'d mut [(String, Vec<String>)], name: &str) -> &'d mut Vec<String> {
    let index = directives
        .iter()
        .position(|(known, _)| known == name)
        .unwrap_or_else(|| unreachable!("{name} is one of Clerk's directives"));
    &mut directives[index].1
}

/// Adds `value` unless the directive has it (a set, in insertion order).
fn add(values: &mut Vec<String>, value: String) {
    if !values.contains(&value) {
        values.push(value);
    }
}

fn is_none(values: &[String]) -> bool {
    values.iter().any(|value| value == "'none'" || value == "none")
}

/// The values with keywords quoted, without repeats.
fn formatted<'v>(values: impl Iterator<Item = &'v String>) -> Vec<String> {
    let mut out = Vec::new();
    for value in values {
        add(&mut out, format_value(value));
    }
    out
}

/// A keyword (quoted or not) quoted; any other value as given.
fn format_value(value: &str) -> String {
    let unquoted = value.strip_prefix('\'').unwrap_or(value);
    let unquoted = unquoted.strip_suffix('\'').unwrap_or(unquoted);
    if KEYWORDS.contains(&unquoted) {
        format!("'{unquoted}'")
    } else {
        value.to_owned()
    }
}

/// `name v1 v2; name v1 …`, directives sorted by name (Clerk sorts with `localeCompare`, the
/// same order for lower-case directive names).
fn format_policy(directives: &[(String, Vec<String>)]) -> String {
    let mut sorted: Vec<&(String, Vec<String>)> = directives.iter().collect();
    sorted.sort_by(|(a, _), (b, _)| a.cmp(b));
    sorted
        .iter()
        .map(|(name, values)| {
            let values: Vec<String> = values.iter().map(|value| format_value(value)).collect();
            format!("{name} {}", values.join(" "))
        })
        .collect::<Vec<_>>()
        .join("; ")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn policy(options: &CspOptions, hosts: &ClerkHosts<'_>) -> String {
        options.headers(hosts, Some(&Nonce::from_bytes([0; 16]))).value
    }

    #[test]
    fn clerk_defaults_with_the_frontend_api_host() {
        let value = policy(&CspOptions::new(), &ClerkHosts::new(Some("clerk.example.com")));
        assert_eq!(
            value,
            "connect-src 'self' https://clerk-telemetry.com https://*.clerk-telemetry.com https://api.stripe.com \
             https://maps.googleapis.com https://img.clerk.com https://*.protect.clerk.com:* clerk.example.com; \
             default-src 'self'; form-action 'self'; frame-src 'self' https://challenges.cloudflare.com \
             https://*.js.stripe.com https://js.stripe.com https://hooks.stripe.com https://*.protect.clerk.com; \
             img-src 'self' https://img.clerk.com; script-src 'self' 'unsafe-inline' https: http: \
             https://*.js.stripe.com https://js.stripe.com https://maps.googleapis.com https://*.protect.clerk.com; \
             style-src 'self' 'unsafe-inline'; worker-src 'self' blob:"
        );
    }

    #[test]
    fn strict_mode_trades_scheme_sources_for_strict_dynamic_and_the_nonce() {
        let value = policy(&CspOptions::new().strict(true), &ClerkHosts::new(None));
        let script = value.split("; ").find(|d| d.starts_with("script-src")).unwrap();
        assert_eq!(
            script,
            "script-src 'self' 'unsafe-inline' https://*.js.stripe.com https://js.stripe.com \
             https://maps.googleapis.com https://*.protect.clerk.com 'strict-dynamic' 'nonce-AAAAAAAAAAAAAAAAAAAAAA=='"
        );
    }

    #[test]
    fn user_directives_merge_quote_keywords_and_none_wins() {
        let options = CspOptions::new()
            .directive("img-src", ["data:", "'self'"])
            .directive("frame-ancestors", ["none", "https://a.example"])
            .directive("script-src", ["none"])
            .directive("upgrade-insecure-requests", Vec::<String>::new());
        let value = policy(&options, &ClerkHosts::new(None));
        assert!(
            value.contains("img-src 'self' https://img.clerk.com data:;"),
            "{value}"
        );
        assert!(value.contains("frame-ancestors 'none';"), "{value}");
        assert!(value.contains("script-src 'none';"), "{value}");
        assert!(
            value.contains("; upgrade-insecure-requests ; worker-src"),
            "{value}"
        );
    }

    #[test]
    fn a_cross_origin_proxy_is_connected_to_a_same_origin_one_is_self() {
        let connect = |hosts: ClerkHosts<'_>| {
            let value = policy(&CspOptions::new(), &hosts);
            value.split("; ").next().unwrap().to_owned()
        };
        let host = Some("clerk.example.com");
        let cross = connect(
            ClerkHosts::new(host).proxy("https://proxy.example.org/__clerk", "https://app.example.com"),
        );
        assert!(
            cross.ends_with(" clerk.example.com https://proxy.example.org"),
            "{cross}"
        );
        let same = connect(
            ClerkHosts::new(host).proxy("https://app.example.com/__clerk", "https://app.example.com"),
        );
        assert!(same.ends_with(" clerk.example.com"), "{same}");
        let relative = connect(ClerkHosts::new(host).proxy("/__clerk", "https://app.example.com"));
        assert!(relative.ends_with(" clerk.example.com"), "{relative}");
    }

    #[test]
    fn report_only_and_report_to() {
        let headers = CspOptions::new()
            .report_only(true)
            .report_to("https://r.example/csp")
            .headers(&ClerkHosts::new(None), None);
        assert_eq!(headers.name.as_str(), "content-security-policy-report-only");
        assert!(headers.value.ends_with("; report-to csp-endpoint"));
        assert_eq!(
            headers.reporting_endpoints.as_deref(),
            Some("csp-endpoint=\"https://r.example/csp\"")
        );
    }

    /// The policy compiled once is the policy built per request, for every mode and nonce.
    #[test]
    fn a_compiled_policy_is_the_policy_built_per_request() {
        let hosts = ClerkHosts::new(Some("clerk.example.com"));
        let nonces = [Nonce::from_bytes([0; 16]), Nonce::from_bytes([0xa5; 16])];
        for strict in [false, true] {
            for report_to in [None, Some("https://r.example/csp")] {
                let mut options = CspOptions::new()
                    .strict(strict)
                    .report_only(report_to.is_some())
                    .directive("script-src", ["https://cdn.example", "self"])
                    .directive("frame-ancestors", ["none"]);
                if let Some(url) = report_to {
                    options = options.report_to(url);
                }
                let compiled = options.compile(&hosts);
                assert_eq!(compiled.takes_nonce(), strict);
                assert_eq!(compiled.headers(None), options.headers(&hosts, None));
                for nonce in &nonces {
                    let built = options.headers(&hosts, Some(nonce));
                    assert_eq!(compiled.headers(Some(nonce)), built, "strict {strict}");
                    assert_eq!(built.value.contains(nonce.as_str()), strict);
                }
            }
        }
    }
}
