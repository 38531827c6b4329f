//! What the instance's [`Domain`](crate::models::Domain) (the generated model of
//! `domains().list`) says beyond the spec: the Frontend API host its URL names.

use crate::models::Domain;

impl Domain {
    /// The Frontend API's host: `frontend_api_url` without its scheme or path
    /// (`https://clerk.example.com` → `clerk.example.com`).
    pub fn frontend_api_host(&self) -> &str {
        let url = self.frontend_api_url.as_str();
        let authority = url.split_once("://").map_or(url, |(_, rest)| rest);
        authority.split('/').next().unwrap_or(authority)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_frontend_api_host_is_the_url_without_scheme_or_path() {
        let domain = |url: &str| Domain {
            frontend_api_url: url.into(),
            ..Domain::default()
        };
        assert_eq!(
            domain("https://clerk.example.com").frontend_api_host(),
            "clerk.example.com"
        );
        assert_eq!(
            domain("https://clerk.example.com/").frontend_api_host(),
            "clerk.example.com"
        );
        assert_eq!(
            domain("clerk.example.com").frontend_api_host(),
            "clerk.example.com"
        );
    }
}
