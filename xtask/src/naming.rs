//! Names in our style and Rust literals.

/// `emailAddresses` → `email_addresses`, `ListSAMLConnections` → `list_saml_connections`,
/// `Allow-list / Block-list` → `allow_list_block_list`, `GetOAuthAccessToken` →
/// `get_oauth_access_token`.
pub fn snake_case(name: &str) -> String {
    // `OAuth` is one word (`get_oauth_access_token`, not `get_o_auth_access_token`).
    // So are plural acronyms (`ListRedirectURLs` → `list_redirect_urls`).
    let name = name
        .replace("OAuth", "Oauth")
        .replace("URLs", "Urls")
        .replace("IDs", "Ids");
    let chars: Vec<char> = name.chars().collect();
    let mut out = String::new();
    for (i, &c) in chars.iter().enumerate() {
        if !c.is_ascii_alphanumeric() {
            if !out.is_empty() && !out.ends_with('_') {
                out.push('_');
            }
            continue;
        }
        if c.is_ascii_uppercase() && i > 0 {
            let before = chars[i - 1];
            let after_lower = chars.get(i + 1).is_some_and(char::is_ascii_lowercase);
            // A digit binds to its neighbours: `M2M` is one word.
            let boundary = before.is_ascii_lowercase() || (before.is_ascii_uppercase() && after_lower);
            if boundary && !out.is_empty() && !out.ends_with('_') {
                out.push('_');
            }
        }
        out.push(c.to_ascii_lowercase());
    }
    out.trim_end_matches('_').to_owned()
}

/// `redirect_urls` → `RedirectUrls`, `RedirectURL` → `RedirectUrl` (through [`snake_case`]).
pub fn pascal_case(name: &str) -> String {
    snake_case(name)
        .split('_')
        .map(|word| {
            let mut chars = word.chars();
            chars
                .next()
                .map(|first| first.to_ascii_uppercase().to_string() + chars.as_str())
                .unwrap_or_default()
        })
        .collect()
}

/// The name of an operation's constant in the table: `ListRedirectURLs` → `LIST_REDIRECT_URLS`.
pub fn const_name(operation_id: &str) -> String {
    snake_case(operation_id).to_ascii_uppercase()
}

/// `text` as a Rust string literal.
pub fn literal(text: &str) -> String {
    format!("{text:?}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_in_snake_case() {
        assert_eq!(snake_case("emailAddresses"), "email_addresses");
        assert_eq!(snake_case("ListSAMLConnections"), "list_saml_connections");
        assert_eq!(snake_case("getApiKeys"), "get_api_keys");
        assert_eq!(snake_case("Allow-list / Block-list"), "allow_list_block_list");
        assert_eq!(snake_case("Email & SMS Templates"), "email_sms_templates");
        assert_eq!(snake_case("get"), "get");
        assert_eq!(snake_case("GetOAuthAccessToken"), "get_oauth_access_token");
        assert_eq!(snake_case("M2M Tokens"), "m2m_tokens");
        assert_eq!(pascal_case("RedirectURL"), "RedirectUrl");
        assert_eq!(snake_case("ListRedirectURLs"), "list_redirect_urls");
        assert_eq!(pascal_case("redirect_urls"), "RedirectUrls");
        assert_eq!(snake_case("createM2MToken"), "create_m2m_token");
    }
}
