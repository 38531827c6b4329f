//! Clerk's origin rules for cookie requests: which referrers are Clerk's own, and when a
//! document request from another origin needs a cross-origin sync.

use crate::keys::account_portal_origin_of;
use crate::InstanceType;

const LEGACY_DEV_INSTANCE_SUFFIXES: [&str; 3] = [".lcl.dev", ".lclstage.dev", ".lclclerk.com"];
const CURRENT_DEV_INSTANCE_SUFFIXES: [&str; 3] =
    [".accounts.dev", ".accountsstage.dev", ".accounts.lclclerk.com"];

/// Clerk's `isKnownClerkReferrer`: the referrer's host is the Frontend API's host (a proxy URL's
/// host when there is one); or, on a development instance, a development Account Portal host
/// (current `*.accounts.dev`-style hosts that are not a `*.clerk.accounts.dev` Frontend API, or
/// legacy `accounts.*.lcl.dev`-style hosts); or its origin is exactly the instance's Account
/// Portal origin (scheme and port included).
pub(crate) fn is_known_clerk_origin(frontend_api: &str, instance_type: InstanceType, url: &url::Url) -> bool {
    let host = url.host_str().unwrap_or("");
    let proxied = frontend_api.starts_with("http");
    let frontend_host = if proxied {
        url::Url::parse(frontend_api)
            .ok()
            .and_then(|u| u.host_str().map(str::to_owned))
            .unwrap_or_default()
    } else {
        frontend_api.to_owned()
    };
    if !frontend_host.is_empty() && host == frontend_host {
        return true;
    }
    if instance_type != InstanceType::Production
        && (is_legacy_dev_account_portal(host) || is_current_dev_account_portal(host))
    {
        return true;
    }
    // A proxy URL has no Account Portal of its own (Clerk's would be an unusable URL).
    !proxied
        && url::Url::parse(&account_portal_origin_of(frontend_api)).is_ok_and(|accounts| {
            accounts.origin().ascii_serialization() == url.origin().ascii_serialization()
        })
}

fn is_legacy_dev_account_portal(host: &str) -> bool {
    LEGACY_DEV_INSTANCE_SUFFIXES
        .iter()
        .any(|suffix| host.starts_with("accounts.") && host.ends_with(suffix))
}

fn is_current_dev_account_portal(host: &str) -> bool {
    CURRENT_DEV_INSTANCE_SUFFIXES.iter().any(|suffix| {
        host.strip_suffix(suffix)
            .is_some_and(|rest| !rest.ends_with(".clerk"))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn development_account_portal_hosts() {
        assert!(is_current_dev_account_portal("happy-hippo-42.accounts.dev"));
        assert!(!is_current_dev_account_portal("evil-eagle-13.clerk.accounts.dev"));
        assert!(is_legacy_dev_account_portal("accounts.foo.lcl.dev"));
        assert!(!is_legacy_dev_account_portal("foo.lcl.dev"));
    }

    #[test]
    fn known_origins() {
        let dev = ("happy-hippo-42.clerk.accounts.dev", InstanceType::Development);
        let prod = ("clerk.example.com", InstanceType::Production);
        let is_known_clerk_origin = |(host, instance): &(&str, InstanceType), url: &url::Url| {
            is_known_clerk_origin(host, *instance, url)
        };
        let url = |u: &str| url::Url::parse(u).expect("url");
        assert!(is_known_clerk_origin(
            &dev,
            &url("https://happy-hippo-42.clerk.accounts.dev/x")
        ));
        assert!(is_known_clerk_origin(
            &dev,
            &url("https://happy-hippo-42.accounts.dev/sign-in")
        ));
        assert!(is_known_clerk_origin(
            &prod,
            &url("https://accounts.example.com/sign-in")
        ));
        assert!(!is_known_clerk_origin(
            &prod,
            &url("http://accounts.example.com/sign-in")
        ));
        assert!(!is_known_clerk_origin(
            &prod,
            &url("https://happy-hippo-42.accounts.dev/")
        ));
        assert!(!is_known_clerk_origin(&prod, &url("https://evil.example.org/")));
        let proxy = ("https://app.example.com/__clerk", InstanceType::Production);
        assert!(is_known_clerk_origin(&proxy, &url("https://app.example.com/x")));
        assert!(!is_known_clerk_origin(
            &proxy,
            &url("https://accounts.example.com/")
        ));
    }
}
