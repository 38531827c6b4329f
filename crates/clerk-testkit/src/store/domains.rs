//! The instance's domains, as the Backend API's `/v1/domains` serves them: the primary one (its
//! Frontend API host is the one the publishable key encodes, so its name cannot change) and the
//! satellite domains added through the API.

use std::sync::{Arc, Mutex};

use clerk_core::{InstanceType, PublishableKey};
use serde_json::{json, Value};

use crate::ids::new_id;
use crate::lock::lock;

/// At most this many satellite domains per instance: the store stays bounded.
pub(crate) const MAX_SATELLITES: usize = 50;

/// Where a production satellite's Frontend API CNAME points.
const FRONTEND_API_TARGET: &str = "frontend-api.clerk.services";

/// One satellite domain.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Satellite {
    id: String,
    name: String,
    proxy_url: Option<String>,
}

/// What an update changes: `None` keeps, `Some(None)` clears the proxy URL.
#[derive(Debug, Clone, Default)]
pub(crate) struct DomainChange {
    pub(crate) name: Option<String>,
    pub(crate) proxy_url: Option<Option<String>>,
}

/// Why a domain call is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum DomainRefusal {
    /// No domain has the id.
    NotFound,
    /// Another domain has the name.
    NameTaken,
    /// The primary domain cannot be deleted, nor renamed (its host is the publishable key's).
    PrimaryDomain,
    /// Domains of a development instance cannot be updated.
    DevelopmentInstance,
    /// The instance has [`MAX_SATELLITES`] satellites.
    TooMany,
}

#[derive(Debug, Default)]
struct DomainState {
    primary_proxy_url: Option<String>,
    /// Creation order.
    satellites: Vec<Satellite>,
}

/// The instance's domains.
#[derive(Debug, Clone)]
pub(crate) struct Domains {
    primary_id: String,
    primary_name: String,
    frontend_api: String,
    accounts_portal: String,
    production: bool,
    state: Arc<Mutex<DomainState>>,
}

/// Whether `name` is a host Clerk takes as a domain: DNS labels, and for a development instance
/// an optional `:port`; never a scheme or a path.
pub(crate) fn valid_name(name: &str, production: bool) -> bool {
    let (host, port) = match name.rsplit_once(':') {
        Some((host, port)) if !production => (host, Some(port)),
        Some(_) => return false,
        None => (name, None),
    };
    let label = |l: &str| {
        !l.is_empty()
            && l.len() <= 63
            && l.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
            && !l.starts_with('-')
            && !l.ends_with('-')
    };
    let labels: Vec<&str> = host.split('.').collect();
    host.len() <= 253
        && labels.iter().all(|l| label(l))
        && (!production || labels.len() >= 2)
        && port.is_none_or(|p| p.parse::<u16>().is_ok_and(|p| p > 0))
}

impl Domains {
    /// The domains of the instance with this publishable key and id.
    pub(crate) fn new(key: &PublishableKey, instance_id: &str) -> Self {
        let host = key.frontend_api();
        let accounts_portal = key.account_portal_origin();
        // A production Frontend API is `clerk.{domain}`; a development instance has no domain of
        // its own, and Clerk names it by its Account Portal host.
        let primary_name = match host.strip_prefix("clerk.") {
            Some(domain) => domain.to_owned(),
            None => accounts_portal.trim_start_matches("https://").to_owned(),
        };
        Self {
            primary_id: format!("dmn_{}", instance_id.trim_start_matches("ins_")),
            primary_name,
            frontend_api: format!("https://{host}"),
            accounts_portal,
            production: key.instance_type() == InstanceType::Production,
            state: Arc::default(),
        }
    }

    /// Whether the instance is a production one.
    pub(crate) fn production(&self) -> bool {
        self.production
    }

    /// Every domain, the primary first, as Clerk serves them.
    pub(crate) fn list(&self) -> Vec<Value> {
        let state = lock(&self.state);
        let mut out = vec![self.primary_json(&state)];
        out.extend(state.satellites.iter().map(|s| self.satellite_json(s)));
        out
    }

    /// Adds a satellite domain (its name checked by the caller); a development instance keeps
    /// no proxy URL.
    pub(crate) fn add(&self, name: &str, proxy_url: Option<String>) -> Result<Value, DomainRefusal> {
        let mut state = lock(&self.state);
        if self.name_taken(&state, name, None) {
            return Err(DomainRefusal::NameTaken);
        }
        if state.satellites.len() >= MAX_SATELLITES {
            return Err(DomainRefusal::TooMany);
        }
        let satellite = Satellite {
            id: new_id("dmn_"),
            name: name.to_owned(),
            proxy_url: proxy_url.filter(|_| self.production),
        };
        let json = self.satellite_json(&satellite);
        state.satellites.push(satellite);
        Ok(json)
    }

    /// Changes a domain: a satellite's name and proxy URL, the primary's proxy URL.
    pub(crate) fn update(&self, id: &str, change: DomainChange) -> Result<Value, DomainRefusal> {
        let mut state = lock(&self.state);
        let known = id == self.primary_id || state.satellites.iter().any(|s| s.id == id);
        if !known {
            return Err(DomainRefusal::NotFound);
        }
        if !self.production {
            return Err(DomainRefusal::DevelopmentInstance);
        }
        if let Some(name) = &change.name {
            if self.name_taken(&state, name, Some(id)) {
                return Err(DomainRefusal::NameTaken);
            }
        }
        if id == self.primary_id {
            if change
                .name
                .as_ref()
                .is_some_and(|name| *name != self.primary_name)
            {
                return Err(DomainRefusal::PrimaryDomain);
            }
            if let Some(proxy_url) = change.proxy_url {
                state.primary_proxy_url = proxy_url;
            }
            return Ok(self.primary_json(&state));
        }
        let satellite = state
            .satellites
            .iter_mut()
            .find(|s| s.id == id)
            .ok_or(DomainRefusal::NotFound)?;
        if let Some(name) = change.name {
            satellite.name = name;
        }
        if let Some(proxy_url) = change.proxy_url {
            satellite.proxy_url = proxy_url;
        }
        let satellite = satellite.clone();
        Ok(self.satellite_json(&satellite))
    }

    /// Deletes a satellite domain; returns its id.
    pub(crate) fn delete(&self, id: &str) -> Result<String, DomainRefusal> {
        if id == self.primary_id {
            return Err(DomainRefusal::PrimaryDomain);
        }
        let mut state = lock(&self.state);
        let index = state
            .satellites
            .iter()
            .position(|s| s.id == id)
            .ok_or(DomainRefusal::NotFound)?;
        Ok(state.satellites.remove(index).id)
    }

    fn name_taken(&self, state: &DomainState, name: &str, except: Option<&str>) -> bool {
        (name.eq_ignore_ascii_case(&self.primary_name) && except != Some(self.primary_id.as_str()))
            || state
                .satellites
                .iter()
                .any(|s| s.name.eq_ignore_ascii_case(name) && except != Some(s.id.as_str()))
    }

    fn primary_json(&self, state: &DomainState) -> Value {
        json!({
            "object": "domain",
            "id": self.primary_id,
            "name": self.primary_name,
            "is_satellite": false,
            "frontend_api_url": self.frontend_api,
            "accounts_portal_url": self.accounts_portal,
            "proxy_url": state.primary_proxy_url,
            "development_origin": "",
            "cname_targets": null,
        })
    }

    /// A satellite: in production its own `clerk.{name}` Frontend API (a CNAME to set up); in
    /// development the primary's.
    fn satellite_json(&self, satellite: &Satellite) -> Value {
        let (frontend_api, cname_targets) = if self.production {
            let host = format!("clerk.{}", satellite.name);
            let targets = json!([{ "host": host, "value": FRONTEND_API_TARGET, "required": true }]);
            (format!("https://{host}"), targets)
        } else {
            (self.frontend_api.clone(), Value::Null)
        };
        json!({
            "object": "domain",
            "id": satellite.id,
            "name": satellite.name,
            "is_satellite": true,
            "frontend_api_url": frontend_api,
            "accounts_portal_url": null,
            "proxy_url": satellite.proxy_url,
            "development_origin": "",
            "cname_targets": cname_targets,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_hosts_with_a_port_only_in_development() {
        assert!(valid_name("satellite.example.com", true));
        assert!(!valid_name("localhost:3000", true));
        assert!(valid_name("localhost:3000", false));
        assert!(!valid_name("https://example.com", true));
        assert!(!valid_name("example", true));
        assert!(!valid_name("exa mple.com", false));
        assert!(!valid_name("-a.example.com", true));
        assert!(!valid_name("localhost:0", false));
    }

    #[test]
    fn the_primary_domain_stays_and_satellites_come_and_go() {
        let key = PublishableKey::from_host("clerk.example.com", InstanceType::Production);
        let domains = Domains::new(&key, "ins_abc");
        assert_eq!(domains.delete("dmn_abc"), Err(DomainRefusal::PrimaryDomain));
        let added = domains.add("shop.example.org", None).expect("added");
        assert_eq!(added["frontend_api_url"], "https://clerk.shop.example.org");
        assert_eq!(
            domains.add("SHOP.example.org", None),
            Err(DomainRefusal::NameTaken)
        );
        let id = added["id"].as_str().unwrap_or_default().to_owned();
        assert_eq!(domains.list().len(), 2);
        assert_eq!(domains.delete(&id), Ok(id.clone()));
        assert_eq!(domains.delete(&id), Err(DomainRefusal::NotFound));
    }
}
