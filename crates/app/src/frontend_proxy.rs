//! `/__clerk/*`: a Frontend API served on the app's own origin through clerk-actix's general
//! [`FrontendApiProxy`]: the offline Clerk's (sign-in page, handshake, the official `clerk-js`
//! and its Frontend API calls) in dev mode and when `APP_CLERK_FRONTEND_UPSTREAM` is set (tests),
//! or the Clerk instance's with `APP_CLERK_FRONTEND_API_PROXY` (production, Clerk's
//! `frontendApiProxy`). Every cookie it sets lands on the app's origin, as behind Clerk's own
//! proxy (`CLERK_PROXY_URL=/__clerk`).
//!
//! # Every Frontend API route, never the Backend API
//!
//! Issue 23 retired the allow-list of browser routes: the official clerk-js calls many (sign-ins,
//! sign-ups, session touch, end and remove, the environment, the development browser,
//! organizations, `/npm/...`), and each new one would have been a bug. What keeps the emulator's
//! Backend API out of reach is what tells the two APIs apart on its one origin (see
//! `clerk_testkit`'s `api/frontend.rs`): a Backend API call carries `Authorization: Bearer sk_…`,
//! and the proxy never forwards one (`clerk_core::proxy`); the `Clerk-Secret-Key` it adds is not a
//! Backend API credential to the emulator, as it is not to Clerk. Paths go upstream exactly as
//! received (issue 22, item 8: an encoded `?`, `#`, `%` or `/` stays in its segment), and a dot
//! segment is refused.

use std::net::IpAddr;

use actix_web::{web, HttpRequest, HttpResponse};
use clerk_actix::config::ResolvedConfig;
use clerk_actix::proxy::FrontendApiProxy;

use crate::configuration::Settings;
use crate::error::{Error, Result};
use crate::state::AppState;

/// Where the Frontend API is mounted on the app.
pub const MOUNT: &str = "/__clerk";
/// The largest answer passed back (the sign-in page, `clerk.js`, the official packages' files:
/// the largest browser file of `@clerk/clerk-js` 6.40.0 and `@clerk/ui` 1.36.0 is 0.5 MiB).
const MAX_RESPONSE_BODY: usize = 4 << 20;
/// The largest request body forwarded (the Frontend API takes small forms).
const MAX_REQUEST_BODY: usize = 1 << 16;

/// The Frontend API the proxy forwards to, and the setting that chose it (named in errors).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Upstream {
    /// Its absolute URL, without a trailing slash.
    pub url: String,
    /// The variable that chose it (`APP_CLERK_FRONTEND_API_PROXY`, `CLERK_FAPI_URL`, …).
    pub setting: &'static str,
}

/// The Clerk instance's Frontend API for `APP_CLERK_FRONTEND_API_PROXY`, as Clerk's proxy picks
/// it ([`ResolvedConfig::proxy_upstream`]): `CLERK_FAPI_URL`, else the publishable key's. The
/// proxy URL ([`ResolvedConfig::proxy_url`], `CLERK_PROXY_URL`) must name [`MOUNT`] (relative,
/// or an absolute URL with that path): it is where `clerk-js` and the handshake send browsers.
/// Every Clerk setting comes from `clerk`, the checked Clerk configuration.
///
/// # Errors
///
/// [`Error::Setting`] in dev mode (it mounts its own emulator's), beside
/// `APP_CLERK_FRONTEND_UPSTREAM`, when `CLERK_PROXY_URL` is unset, names another path or is an
/// absolute URL that is not https, and when neither `CLERK_FAPI_URL` nor `CLERK_PUBLISHABLE_KEY`
/// names the instance's Frontend API.
pub fn production_upstream(settings: &Settings, clerk: &ResolvedConfig) -> Result<Upstream> {
    const SETTING: &str = "APP_CLERK_FRONTEND_API_PROXY";
    if settings.dev_mode() {
        return Err(Error::setting(
            SETTING,
            "is for a Clerk instance: dev mode serves its own emulator's Frontend API under /__clerk",
        ));
    }
    if settings.app_clerk_frontend_upstream.is_some() {
        return Err(Error::setting(
            SETTING,
            "and APP_CLERK_FRONTEND_UPSTREAM both name the Frontend API /__clerk serves: set one",
        ));
    }
    let proxy_url = clerk.proxy_url().unwrap_or_default();
    let absolute = url::Url::parse(proxy_url).ok();
    if absolute.as_ref().is_some_and(|url| url.scheme() != "https") {
        return Err(Error::setting(
            "CLERK_PROXY_URL",
            "must be https (or the relative /__clerk): the proxy sends it to Clerk as \
             Clerk-Proxy-Url with the secret key, and browsers are sent there",
        ));
    }
    let path = if proxy_url.starts_with('/') {
        Some(proxy_url.to_owned())
    } else {
        absolute.map(|url| url.path().to_owned())
    };
    if path.as_deref().map(|p| p.trim_end_matches('/')) != Some(MOUNT) {
        return Err(Error::setting(
            SETTING,
            "needs CLERK_PROXY_URL=/__clerk (or https://<your app>/__clerk): clerk-js and Clerk's \
             handshake must reach the Frontend API where the app serves it",
        ));
    }
    // Named in the proxy's errors: the variable that chose the upstream.
    let setting = if clerk.fapi_url().is_some() {
        "CLERK_FAPI_URL"
    } else {
        SETTING
    };
    let upstream = clerk.proxy_upstream().ok_or_else(|| {
        Error::setting(
            SETTING,
            "needs CLERK_FAPI_URL or CLERK_PUBLISHABLE_KEY: they name the instance's Frontend API \
             (neither is set)",
        )
    })?;
    Ok(Upstream {
        url: upstream.to_owned(),
        setting,
    })
}

/// Where the proxy's public URL (`Clerk-Proxy-Url`) comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PublicUrl {
    /// `CLERK_PROXY_URL` as an absolute URL: sent whatever host a request names.
    Absolute(String),
    /// The request's origin, only when it is one of these (`CLERK_AUTHORIZED_PARTIES`).
    AppOrigins(Vec<String>),
}

impl PublicUrl {
    /// An absolute proxy URL (`CLERK_PROXY_URL`), else the authorized parties
    /// (`CLERK_AUTHORIZED_PARTIES`), both from the Clerk configuration.
    pub fn from_config(clerk: &ResolvedConfig) -> Self {
        match clerk.proxy_url() {
            Some(url) if !url.starts_with('/') => Self::Absolute(url.to_owned()),
            _ => Self::AppOrigins(clerk.authorized_parties().to_vec()),
        }
    }
}

/// The proxy to `upstream` at [`MOUNT`], sending `secret_key` as `Clerk-Secret-Key`, `public`
/// as `Clerk-Proxy-Url`, and believing `X-Forwarded-*` from `trusted_proxies` only.
///
/// # Errors
///
/// [`Error::Setting`] (naming the upstream's setting) when the upstream is not a plain http(s)
/// URL (http only to loopback), or the secret key is empty or has surrounding whitespace;
/// naming `CLERK_PROXY_URL` when it is absolute but not https (http only on loopback).
pub fn component(
    upstream: &Upstream,
    secret_key: String,
    public: PublicUrl,
    trusted_proxies: Vec<IpAddr>,
) -> Result<FrontendApiProxy> {
    let invalid = |err: clerk_core::proxy::ProxyError| Error::setting(upstream.setting, err.to_string());
    let proxy = FrontendApiProxy::new(secret_key)
        .map_err(invalid)?
        .upstream(&upstream.url)
        .map_err(invalid)?
        .proxy_path(MOUNT)
        .map_err(invalid)?;
    let proxy = match public {
        PublicUrl::Absolute(url) => proxy
            .public_url(&url)
            .map_err(|err| Error::setting("CLERK_PROXY_URL", err.to_string()))?,
        PublicUrl::AppOrigins(origins) => proxy.allowed_origins(origins),
    };
    Ok(proxy
        .trusted_proxies(trusted_proxies)
        .max_request_body(MAX_REQUEST_BODY)
        .max_response_body(MAX_RESPONSE_BODY))
}

/// Forwards the request to the upstream Frontend API and streams its answer back; 404 when the
/// app serves none.
pub async fn forward(req: HttpRequest, payload: web::Payload, state: web::Data<AppState>) -> HttpResponse {
    match &state.frontend_proxy {
        Some(proxy) => proxy.forward(req, payload).await,
        None => HttpResponse::NotFound().finish(),
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use clerk_actix::ClerkConfig;

    use super::*;

    fn settings(pairs: &[(&str, &str)]) -> Settings {
        let map: HashMap<String, String> = pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        let environment = config::Environment::default().try_parsing(true).source(Some(map));
        Settings::load_from(None, environment).unwrap()
    }

    /// The production upstream of these variables, read as the app reads them: through the
    /// checked Clerk configuration. A secret key and the app's origin (a relative proxy URL on
    /// a production instance needs it) are set unless `pairs` sets them.
    fn upstream(pairs: &[(&str, &str)]) -> Result<Upstream> {
        let mut all = vec![
            ("CLERK_SECRET_KEY", "sk_live_x"),
            ("CLERK_AUTHORIZED_PARTIES", "https://app.example"),
        ];
        all.extend_from_slice(pairs);
        let settings = settings(&all);
        let clerk = settings.clerk_config()?.check()?;
        production_upstream(&settings, &clerk)
    }

    // Brief 23a, item 1: Clerk's names (`CLERK_FAPI_URL`, else the publishable key's upstream)
    // and a proxy URL naming the mount.
    const PUBLISHABLE_KEY: &str = "pk_live_Y2xlcmsuYXBwLmV4YW1wbGUk";

    #[test]
    fn the_production_upstream_follows_clerks_settings() {
        let on = ("APP_CLERK_FRONTEND_API_PROXY", "true");
        let key = ("CLERK_PUBLISHABLE_KEY", PUBLISHABLE_KEY);
        for proxy_url in ["/__clerk", "/__clerk/", "https://app.example/__clerk"] {
            let upstream = upstream(&[on, key, ("CLERK_PROXY_URL", proxy_url)]).unwrap();
            assert_eq!(
                upstream,
                Upstream {
                    url: clerk_core::proxy::DEFAULT_UPSTREAM.to_owned(),
                    setting: "APP_CLERK_FRONTEND_API_PROXY",
                },
                "{proxy_url}"
            );
        }
        let chosen = upstream(&[
            on,
            ("CLERK_PROXY_URL", "/__clerk"),
            ("CLERK_FAPI_URL", "https://fapi.example/"),
        ])
        .unwrap();
        assert_eq!(chosen.url, "https://fapi.example");
        assert_eq!(chosen.setting, "CLERK_FAPI_URL");

        for bad in [None, Some("/clerk"), Some("https://app.example/other")] {
            let mut pairs = vec![on];
            if let Some(url) = bad {
                pairs.push(("CLERK_PROXY_URL", url));
            }
            let message = upstream(&pairs).unwrap_err().to_string();
            assert!(
                message.contains("APP_CLERK_FRONTEND_API_PROXY")
                    && message.contains("CLERK_PROXY_URL=/__clerk"),
                "{bad:?}: {message}"
            );
        }
        // Not a URL at all: the Clerk configuration refuses it, naming it.
        let message = upstream(&[on, ("CLERK_PROXY_URL", "nope")])
            .unwrap_err()
            .to_string();
        assert!(message.contains("CLERK_PROXY_URL"), "{message}");
        let message = upstream(&[on, ("APP_DEV_MODE", "1"), ("CLERK_PROXY_URL", "/__clerk")])
            .unwrap_err()
            .to_string();
        assert!(message.contains("dev mode"), "{message}");
    }

    /// Issue 25, item 5: the proxy's Clerk settings come from the Clerk configuration, however it
    /// was given (here by its builder, with no `CLERK_*` variable at all), never by name.
    #[test]
    fn the_production_upstream_reads_the_clerk_configuration() {
        let settings = settings(&[("APP_CLERK_FRONTEND_API_PROXY", "true")]);
        let clerk = ClerkConfig::new()
            .secret_key("sk_live_x")
            .authorized_parties(["https://app.example"])
            .proxy_url("/__clerk")
            .fapi_url("https://fapi.example/")
            .check()
            .unwrap();
        let chosen = production_upstream(&settings, &clerk).unwrap();
        assert_eq!(
            chosen,
            Upstream {
                url: "https://fapi.example".to_owned(),
                setting: "CLERK_FAPI_URL",
            }
        );
        assert_eq!(
            PublicUrl::from_config(&clerk),
            PublicUrl::AppOrigins(vec!["https://app.example".to_owned()])
        );
        let absolute = ClerkConfig::new()
            .secret_key("sk_live_x")
            .proxy_url("https://app.example/__clerk/")
            .publishable_key(PUBLISHABLE_KEY)
            .check()
            .unwrap();
        assert_eq!(
            production_upstream(&settings, &absolute).unwrap().url,
            clerk_core::proxy::DEFAULT_UPSTREAM
        );
        assert_eq!(
            PublicUrl::from_config(&absolute),
            PublicUrl::Absolute("https://app.example/__clerk".to_owned())
        );
    }

    // Review finding 4: each of these silently picked something.
    #[test]
    fn an_ambiguous_production_proxy_is_refused_at_start() {
        let on = ("APP_CLERK_FRONTEND_API_PROXY", "true");
        let key = ("CLERK_PUBLISHABLE_KEY", PUBLISHABLE_KEY);
        let relative = ("CLERK_PROXY_URL", "/__clerk");
        let message = |pairs: &[(&str, &str)]| upstream(pairs).unwrap_err().to_string();

        let text = message(&[on, relative]);
        assert!(
            text.contains("CLERK_FAPI_URL") && text.contains("CLERK_PUBLISHABLE_KEY"),
            "{text}"
        );
        // A malformed key is refused by the Clerk configuration, naming it.
        let text = message(&[on, relative, ("CLERK_PUBLISHABLE_KEY", "pk_nope")]);
        assert!(text.contains("CLERK_PUBLISHABLE_KEY"), "{text}");
        for url in ["http://app.example/__clerk", "http://127.0.0.1:8080/__clerk"] {
            let text = message(&[on, key, ("CLERK_PROXY_URL", url)]);
            assert!(
                text.contains("CLERK_PROXY_URL") && text.contains("https"),
                "{text}"
            );
        }
        let text = message(&[
            on,
            key,
            relative,
            ("APP_CLERK_FRONTEND_UPSTREAM", "http://127.0.0.1:8081"),
        ]);
        assert!(text.contains("APP_CLERK_FRONTEND_UPSTREAM"), "{text}");
    }

    #[test]
    fn an_insecure_upstream_or_a_pasted_line_break_is_named_by_its_setting() {
        let upstream = Upstream {
            url: "http://fapi.example".to_owned(),
            setting: "CLERK_FAPI_URL",
        };
        let refusal = |upstream: &Upstream, key: &str| {
            let public = PublicUrl::AppOrigins(Vec::new());
            component(upstream, key.to_owned(), public, Vec::new())
                .unwrap_err()
                .to_string()
        };
        let message = refusal(&upstream, "sk_test_x");
        assert!(
            message.contains("CLERK_FAPI_URL") && message.contains("https"),
            "{message}"
        );
        let upstream = Upstream {
            url: clerk_core::proxy::DEFAULT_UPSTREAM.to_owned(),
            setting: "APP_CLERK_FRONTEND_API_PROXY",
        };
        let message = refusal(&upstream, "sk_test_x\n");
        assert!(
            message.contains("line break") && !message.contains("sk_test"),
            "{message}"
        );
    }
}
