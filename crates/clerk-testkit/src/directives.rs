//! The `Set-Cookie` directives Clerk's Frontend API hands a backend after a handshake or a
//! refresh: the session token, `__client_uat` and the refresh token, suffixed or not.

/// `__client_uat`'s `Max-Age`: ten years, as Clerk sets it.
const CLIENT_UAT_MAX_AGE: u64 = 315_360_000;

/// Which cookie names to write.
#[derive(Debug, Clone, Copy)]
pub(crate) struct CookieNames<'a> {
    /// The instance's cookie suffix.
    pub(crate) suffix: &'a str,
    /// Whether the suffixed `__session_<suffix>` and `__client_uat_<suffix>` are written as
    /// well as the plain names (`suffixed_cookies=true`).
    pub(crate) suffixed: bool,
}

impl CookieNames<'_> {
    /// `base`, then `base_<suffix>` when suffixed.
    fn names(&self, base: &str) -> Vec<String> {
        let mut names = vec![base.to_owned()];
        if self.suffixed {
            names.push(format!("{base}_{}", self.suffix));
        }
        names
    }
}

/// A signed-in browser's cookies.
#[derive(Debug, Clone, Copy)]
pub(crate) struct SignedIn<'a> {
    /// The fresh session token.
    pub(crate) session_token: &'a str,
    /// Unix seconds of the client's last update (never 0: 0 means signed out).
    pub(crate) client_uat: i64,
    /// The refresh token bound to the session.
    pub(crate) refresh_token: &'a str,
    /// Adds `Secure` (the page is served over https).
    pub(crate) secure: bool,
}

/// `__session`, `__client_uat` (plain, then suffixed when asked) and `__refresh_<suffix>`.
pub(crate) fn signed_in(names: CookieNames<'_>, cookies: SignedIn<'_>) -> Vec<String> {
    let secure = if cookies.secure { "; Secure" } else { "" };
    let client_uat = cookies.client_uat.max(1);
    let mut out = Vec::new();
    for name in names.names("__session") {
        out.push(format!(
            "{name}={}; Path=/; SameSite=Lax{secure}",
            cookies.session_token
        ));
    }
    for name in names.names("__client_uat") {
        out.push(format!(
            "{name}={client_uat}; Path=/; Max-Age={CLIENT_UAT_MAX_AGE}; SameSite=Lax{secure}"
        ));
    }
    out.push(format!(
        "__refresh_{}={}; Path=/; HttpOnly; SameSite=Lax{secure}",
        names.suffix, cookies.refresh_token
    ));
    out
}

/// Clears `__session` and sets `__client_uat=0` (plain, then suffixed when asked).
pub(crate) fn signed_out(names: CookieNames<'_>) -> Vec<String> {
    let mut out = Vec::new();
    for name in names.names("__session") {
        out.push(format!("{name}=; Path=/; Max-Age=0"));
    }
    for name in names.names("__client_uat") {
        out.push(format!(
            "{name}=0; Path=/; Max-Age={CLIENT_UAT_MAX_AGE}; SameSite=Lax"
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const SIGNED_IN: SignedIn<'static> = SignedIn {
        session_token: "eyJ.a.b",
        client_uat: 1_700_000_000,
        refresh_token: "rt_1",
        secure: false,
    };

    #[test]
    fn signed_in_plain_names() {
        let names = CookieNames {
            suffix: "AbCd1234",
            suffixed: false,
        };
        assert_eq!(
            signed_in(names, SIGNED_IN),
            [
                "__session=eyJ.a.b; Path=/; SameSite=Lax",
                "__client_uat=1700000000; Path=/; Max-Age=315360000; SameSite=Lax",
                "__refresh_AbCd1234=rt_1; Path=/; HttpOnly; SameSite=Lax",
            ]
        );
    }

    #[test]
    fn signed_in_suffixed_and_secure() {
        let names = CookieNames {
            suffix: "AbCd1234",
            suffixed: true,
        };
        let cookies = SignedIn {
            secure: true,
            client_uat: 0,
            ..SIGNED_IN
        };
        assert_eq!(
            signed_in(names, cookies),
            [
                "__session=eyJ.a.b; Path=/; SameSite=Lax; Secure",
                "__session_AbCd1234=eyJ.a.b; Path=/; SameSite=Lax; Secure",
                "__client_uat=1; Path=/; Max-Age=315360000; SameSite=Lax; Secure",
                "__client_uat_AbCd1234=1; Path=/; Max-Age=315360000; SameSite=Lax; Secure",
                "__refresh_AbCd1234=rt_1; Path=/; HttpOnly; SameSite=Lax; Secure",
            ]
        );
    }

    #[test]
    fn signed_out_clears_the_session_and_zeroes_the_uat() {
        let names = CookieNames {
            suffix: "AbCd1234",
            suffixed: true,
        };
        assert_eq!(
            signed_out(names),
            [
                "__session=; Path=/; Max-Age=0",
                "__session_AbCd1234=; Path=/; Max-Age=0",
                "__client_uat=0; Path=/; Max-Age=315360000; SameSite=Lax",
                "__client_uat_AbCd1234=0; Path=/; Max-Age=315360000; SameSite=Lax",
            ]
        );
        assert_eq!(
            signed_out(CookieNames {
                suffix: "AbCd1234",
                suffixed: false
            })
            .len(),
            2
        );
    }
}
