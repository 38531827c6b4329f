//! The cookies the sign-in and sign-out pages and the development-browser handshake set:
//! `__client` (the Frontend API's own client cookie), `__client_uat` and `__clerk_db_jwt`,
//! plain and suffixed.

use crate::directives::{self, CookieNames, CLIENT_UAT_MAX_AGE};

/// The name of the Frontend API's client cookie.
pub(crate) const CLIENT: &str = "__client";
/// The name of the development browser cookie (and query parameter).
pub(crate) use clerk_core::request::names::DEV_BROWSER;

/// After a sign-in: `__client` (HttpOnly) and `__client_uat`, plain then suffixed. No
/// `__session`: the app gets one through its handshake.
pub(crate) fn signed_in(suffix: &str, client: &str, client_uat: i64, secure: bool) -> Vec<String> {
    let secure = if secure { "; Secure" } else { "" };
    let mut out = vec![format!(
        "{CLIENT}={client}; Path=/; HttpOnly; SameSite=Lax{secure}"
    )];
    for name in both(suffix).names("__client_uat") {
        out.push(format!(
            "{name}={}; Path=/; Max-Age={CLIENT_UAT_MAX_AGE}; SameSite=Lax{secure}",
            client_uat.max(1)
        ));
    }
    out
}

/// After a sign-out: `__client`, `__session` (plain and suffixed) and `__refresh_<suffix>`
/// removed, `__client_uat=0` (plain and suffixed).
pub(crate) fn signed_out(suffix: &str) -> Vec<String> {
    let mut out = vec![format!("{CLIENT}=; Path=/; Max-Age=0; HttpOnly; SameSite=Lax")];
    out.extend(directives::signed_out(both(suffix)));
    out.push(format!(
        "__refresh_{suffix}=; Path=/; Max-Age=0; HttpOnly; SameSite=Lax"
    ));
    out
}

/// `__clerk_db_jwt=<dev browser>`, plain then suffixed when asked.
pub(crate) fn dev_browser(names: CookieNames<'_>, dev_browser: &str) -> Vec<String> {
    names
        .names(DEV_BROWSER)
        .into_iter()
        .map(|name| format!("{name}={dev_browser}; Path=/; SameSite=Lax"))
        .collect()
}

fn both(suffix: &str) -> CookieNames<'_> {
    CookieNames {
        suffix,
        suffixed: true,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sign_in_sets_the_client_and_both_uats_but_no_session() {
        assert_eq!(
            signed_in("AbCd1234", "c0ffee", 1_700_000_000, false),
            [
                "__client=c0ffee; Path=/; HttpOnly; SameSite=Lax",
                "__client_uat=1700000000; Path=/; Max-Age=315360000; SameSite=Lax",
                "__client_uat_AbCd1234=1700000000; Path=/; Max-Age=315360000; SameSite=Lax",
            ]
        );
        assert!(signed_in("AbCd1234", "c", 0, true)
            .iter()
            .all(|d| d.ends_with("; Secure") && !d.contains("=0;")));
    }

    #[test]
    fn sign_out_clears_everything() {
        assert_eq!(
            signed_out("AbCd1234"),
            [
                "__client=; Path=/; Max-Age=0; HttpOnly; SameSite=Lax",
                "__session=; Path=/; Max-Age=0",
                "__session_AbCd1234=; Path=/; Max-Age=0",
                "__client_uat=0; Path=/; Max-Age=315360000; SameSite=Lax",
                "__client_uat_AbCd1234=0; Path=/; Max-Age=315360000; SameSite=Lax",
                "__refresh_AbCd1234=; Path=/; Max-Age=0; HttpOnly; SameSite=Lax",
            ]
        );
    }

    #[test]
    fn dev_browser_plain_and_suffixed() {
        let names = CookieNames {
            suffix: "AbCd1234",
            suffixed: true,
        };
        assert_eq!(
            dev_browser(names, "dvb_1"),
            [
                "__clerk_db_jwt=dvb_1; Path=/; SameSite=Lax",
                "__clerk_db_jwt_AbCd1234=dvb_1; Path=/; SameSite=Lax",
            ]
        );
        let plain = CookieNames {
            suffixed: false,
            ..names
        };
        assert_eq!(dev_browser(plain, "dvb_1").len(), 1);
    }
}
