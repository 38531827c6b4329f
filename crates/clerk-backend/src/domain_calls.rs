//! The instance's domains: [`Domain`]; `GET /v1/domains`.

use serde::{Deserialize, Serialize};

use super::clerk_client::ClerkClient;
use super::error::ApiResult;
use super::paging::Page;

/// One domain of the instance (`Domain` in the spec): the primary domain or a satellite, with
/// the Frontend API URL Clerk serves it at. Unknown fields are ignored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Domain {
    /// Always `domain`.
    #[serde(default)]
    pub object: String,
    /// `dmn_…`
    pub id: String,
    /// The domain name, e.g. `example.com`.
    #[serde(default)]
    pub name: String,
    /// Whether it is a satellite domain.
    #[serde(default)]
    pub is_satellite: bool,
    /// Its Frontend API, e.g. `https://clerk.example.com`.
    #[serde(default)]
    pub frontend_api_url: String,
    /// Its Account Portal (`None` for a satellite).
    #[serde(default)]
    pub accounts_portal_url: Option<String>,
    /// The proxy in front of its Frontend API, when there is one.
    #[serde(default)]
    pub proxy_url: Option<String>,
}

impl Domain {
    /// The host (and port, if any) of [`Domain::frontend_api_url`], as a publishable key
    /// encodes it: `clerk.example.com`.
    pub fn frontend_api_host(&self) -> &str {
        let url = self.frontend_api_url.as_str();
        let authority = url.split_once("://").map_or(url, |(_, rest)| rest);
        authority.split('/').next().unwrap_or(authority)
    }
}

impl ClerkClient {
    /// `GET /v1/domains`: the instance's primary domain and its satellites. Retried.
    ///
    /// # Errors
    ///
    /// See [`ApiError`](super::ApiError).
    pub async fn list_domains(&self) -> ApiResult<Page<Domain>> {
        self.json(self.get("GET /v1/domains", self.v1_url("/domains")))
            .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_frontend_api_host_is_the_url_without_scheme_or_path() {
        let domain = |url: &str| Domain {
            object: "domain".into(),
            id: "dmn_1".into(),
            name: "example.com".into(),
            is_satellite: false,
            frontend_api_url: url.into(),
            accounts_portal_url: None,
            proxy_url: None,
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
