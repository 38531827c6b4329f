//! Names in our style and Rust literals.

/// `emailAddresses` → `email_addresses`, `ListSAMLConnections` → `list_saml_connections`,
/// `Allow-list / Block-list` → `allow_list_block_list`, `GetOAuthAccessToken` →
/// `get_oauth_access_token`.
pub fn snake_case(name: &str) -> String {
    // `OAuth` is one word (`get_oauth_access_token`, not `get_o_auth_access_token`).
    let name = name.replace("OAuth", "Oauth");
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
        assert_eq!(snake_case("createM2MToken"), "create_m2m_token");
    }
}
