//! Clerk's origin rules for cookie requests: which referrers are Clerk's own, and when a
//! document request from another origin needs a cross-origin sync.

use crate::{InstanceType, PublishableKey};

const LEGACY_DEV_INSTANCE_SUFFIXES: [&str; 3] = [".lcl.dev", ".lclstage.dev", ".lclclerk.com"];
const CURRENT_DEV_INSTANCE_SUFFIXES: [&str; 3] =
    [".accounts.dev", ".accountsstage.dev", ".accounts.lclclerk.com"];

/// Clerk's `isKnownClerkReferrer`: the referrer's host is the instance's Frontend API host; or,
/// on a development instance, a development Account Portal host (current `*.accounts.dev`-style
/// hosts that are not a `*.clerk.accounts.dev` Frontend API, or legacy `accounts.*.lcl.dev`-style
/// hosts); or its origin is exactly the instance's Account Portal origin (scheme and port
/// included).
pub(crate) fn is_known_clerk_origin(key: &PublishableKey, url: &url::Url) -> bool {
    let host = url.host_str().unwrap_or("");
    let frontend = key.frontend_api();
    if !frontend.is_empty() && host == frontend {
        return true;
    }
    if key.instance_type() != InstanceType::Production
        && (is_legacy_dev_account_portal(host) || is_current_dev_account_portal(host))
    {
        return true;
    }
    url::Url::parse(&key.account_portal_origin())
        .is_ok_and(|accounts| accounts.origin().ascii_serialization() == url.origin().ascii_serialization())
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
        let dev = PublishableKey::from_host("happy-hippo-42.clerk.accounts.dev", InstanceType::Development);
        let prod = PublishableKey::from_host("clerk.example.com", InstanceType::Production);
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
    }
}
