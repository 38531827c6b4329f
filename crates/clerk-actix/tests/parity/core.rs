//! The core side of the parity test: clerk-core's `RequestAuthenticator` driven directly, with
//! no Actix in the loop, built the way `Clerk::from_resolved` builds it for the configuration the
//! test uses (defaults plus a publishable key and one authorized party).

use std::cell::Cell;
use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::{Duration, SystemTime};

use clerk_core::request::{
    AppOrigins, BackendError, Cookies, HeaderLookup, MultiDomain, OrganizationSync, RefreshRequest,
    RequestAuthenticator, RequestOrigin, RequestParts, SessionBackend,
};
use clerk_core::{
    auth::AuthOptions, jwk::JwkSet, jwks::CacheScope, jwks::FetchError, jwks::JwksCache,
    jwks::JwksCacheConfig, jwks::JwksFetcher, verify::JwksKeys, JwtVerifier, PublishableKey, SecretKey,
};

/// `ClerkConfig::new()`'s defaults, the ones `Clerk::from_resolved` hands to the core.
const CLOCK_SKEW: Duration = Duration::from_millis(5_000);
const TOKEN_CACHE_CAPACITY: usize = 4096;

/// A request's headers as the case lists them (names in lower case, first value wins).
pub struct CaseHeaders<'a>(pub &'a [(String, String)]);

impl HeaderLookup for CaseHeaders<'_> {
    fn header(&self, name: &str) -> Option<&[u8]> {
        self.0
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_bytes())
    }

    fn for_each(&self, visit: &mut dyn FnMut(&str, &[u8])) {
        for (name, value) in self.0 {
            visit(name, value.as_bytes());
        }
    }
}

/// The emulator's `GET /v1/jwks`, fetched with a blocking HTTP/1.0 request (no client library:
/// the point is to keep Actix and awc out of the loop). Counts its fetches.
pub struct EmulatorJwks {
    scope: CacheScope,
    addr: String,
    secret_key: String,
    pub fetches: Cell<u32>,
}

impl EmulatorJwks {
    pub fn new(api_url: &str, secret_key: &str) -> Self {
        let secret = SecretKey::new(secret_key).expect("emulator secret key");
        let addr = api_url
            .strip_prefix("http://")
            .expect("the emulator serves plain HTTP on loopback")
            .trim_end_matches('/')
            .to_owned();
        Self {
            scope: CacheScope::new(api_url, &secret),
            addr,
            secret_key: secret_key.to_owned(),
            fetches: Cell::new(0),
        }
    }

    fn get(&self) -> Result<Vec<u8>, String> {
        let (status, body) = self.request("GET", "/v1/jwks", None)?;
        if status != 200 {
            return Err(format!("GET /v1/jwks: {status}"));
        }
        Ok(body)
    }

    /// One blocking HTTP/1.0 request to the emulator: its status and body.
    fn request(&self, method: &str, path: &str, body: Option<&[u8]>) -> Result<(u16, Vec<u8>), String> {
        let mut stream = TcpStream::connect(&self.addr).map_err(|e| e.to_string())?;
        stream
            .set_read_timeout(Some(Duration::from_secs(10)))
            .map_err(|e| e.to_string())?;
        let body = body.unwrap_or_default();
        write!(
            stream,
            "{method} {path} HTTP/1.0\r\nHost: {}\r\nAuthorization: Bearer {}\r\nAccept: application/json\r\n\
             Content-Type: application/json\r\nContent-Length: {}\r\n\r\n",
            self.addr,
            self.secret_key,
            body.len()
        )
        .map_err(|e| e.to_string())?;
        stream.write_all(body).map_err(|e| e.to_string())?;
        let mut response = Vec::new();
        stream.read_to_end(&mut response).map_err(|e| e.to_string())?;
        let split = response
            .windows(4)
            .position(|w| w == b"\r\n\r\n")
            .ok_or("no end of headers")?;
        let head = String::from_utf8_lossy(&response[..split]);
        let status = head
            .split(' ')
            .nth(1)
            .and_then(|s| s.parse().ok())
            .ok_or("no status")?;
        Ok((status, response[split + 4..].to_vec()))
    }

    /// A JSON answer's `field` (a list of strings) on 200; Clerk's first error code otherwise.
    fn strings(
        &self,
        method: &str,
        path: &str,
        body: Option<&[u8]>,
        field: &str,
    ) -> Result<Vec<String>, BackendError> {
        let (status, body) = self
            .request(method, path, body)
            .map_err(|_| BackendError::Unexpected)?;
        let json: serde_json::Value = serde_json::from_slice(&body).unwrap_or_default();
        if status == 200 {
            return serde_json::from_value(json[field].clone()).map_err(|_| BackendError::Unexpected);
        }
        match json["errors"][0]["code"].as_str() {
            Some(code) => Err(BackendError::Code(code.to_owned())),
            None => Err(BackendError::Unexpected),
        }
    }
}

/// The emulator's Backend API as the request flow calls it (no client library, like the JWKS).
impl SessionBackend for EmulatorJwks {
    /// Never: the emulator has no call budget to run short of, and Clerk's SDK has no call guard,
    /// so a client's failed refreshes must not limit its later ones here (the guard's limits are
    /// tested in clerk-core's `call_guard` tests).
    fn is_under_pressure(&self) -> bool {
        false
    }

    async fn handshake_payload(&self, nonce: &str) -> Result<Vec<String>, BackendError> {
        let query: String = url::form_urlencoded::Serializer::new(String::new())
            .append_pair("nonce", nonce)
            .finish();
        self.strings(
            "GET",
            &format!("/v1/clients/handshake_payload?{query}"),
            None,
            "directives",
        )
    }

    async fn refresh_session(
        &self,
        session_id: &str,
        request: &RefreshRequest<'_>,
    ) -> Result<Vec<String>, BackendError> {
        let headers: serde_json::Map<String, serde_json::Value> = request
            .request_headers
            .iter()
            .map(|(name, value)| (name.clone(), serde_json::json!([value])))
            .collect();
        let body = serde_json::json!({
            "format": "cookie",
            "expired_token": request.expired_token,
            "refresh_token": request.refresh_token,
            "request_origin": request.request_origin,
            "request_headers": headers,
        });
        let path = format!(
            "/v1/sessions/{session_id}/refresh?suffixed_cookies={}",
            request.suffixed_cookies
        );
        self.strings("POST", &path, Some(body.to_string().as_bytes()), "cookies")
    }
}

impl JwksFetcher for EmulatorJwks {
    fn scope(&self) -> &CacheScope {
        &self.scope
    }

    async fn fetch_jwks(&self) -> Result<JwkSet, FetchError> {
        self.fetches.set(self.fetches.get() + 1);
        let url = format!("http://{}/v1/jwks", self.addr);
        let body = self.get().map_err(|detail| FetchError::Transport {
            url: url.clone(),
            detail,
        })?;
        let set = JwkSet::parse(&body).map_err(|err| FetchError::Transport {
            url,
            detail: err.to_string(),
        })?;
        if set.is_empty() {
            return Err(FetchError::NoKeys);
        }
        Ok(set)
    }
}

/// The satellites a primary of the corpus knows (`CLERK_SATELLITE_ORIGINS`): the satellite sync
/// cases send the browser back to them, as Clerk does; any other origin is a deliberate
/// difference.
pub const SATELLITE_ORIGINS: [&str; 2] = ["https://satellite.example", "https://satellite.example.org"];

/// clerk-core's request authenticator with a JWKS cache over the emulator.
pub struct CoreClerk {
    authenticator: RequestAuthenticator,
    cache: JwksCache,
    fetcher: EmulatorJwks,
}

impl CoreClerk {
    /// What `Clerk::from_resolved` builds for `ClerkConfig::new()` with a secret key, a
    /// publishable key, an API URL and `authorized_parties`.
    pub fn new(secret_key: &str, key: &PublishableKey, api_url: &str, authorized_parties: &[String]) -> Self {
        Self::with_domains(
            secret_key,
            key,
            api_url,
            authorized_parties,
            MultiDomain::new(),
            OrganizationSync::default(),
        )
    }

    /// [`CoreClerk::new`] with multi-domain and organization-sync settings.
    pub fn with_domains(
        secret_key: &str,
        key: &PublishableKey,
        api_url: &str,
        authorized_parties: &[String],
        domains: MultiDomain,
        organization_sync: OrganizationSync,
    ) -> Self {
        let key = key.clone();
        let verifier = JwtVerifier::new()
            .authorized_parties(authorized_parties.iter().cloned())
            .clock_skew(CLOCK_SKEW)
            .max_token_bytes(clerk_core::token::DEFAULT_MAX_TOKEN_BYTES)
            // `issuer_check` is on by default and a publishable key is configured.
            .issuers(domains.issuers(&key));
        let authenticator = RequestAuthenticator::new(verifier)
            .multi_domain(domains)
            .app_origins(AppOrigins::new(
                authorized_parties.iter().cloned(),
                SATELLITE_ORIGINS.iter().copied(),
            ))
            .organization_sync(organization_sync)
            .publishable_key(Some(key))
            .cookie_auth(true)
            .auth_options(AuthOptions {
                treat_pending_as_signed_out: true,
            })
            .token_cache_capacity(TOKEN_CACHE_CAPACITY);
        let fetcher = EmulatorJwks::new(api_url, secret_key);
        let cache = JwksCache::new(fetcher.scope().clone(), JwksCacheConfig::default());
        Self {
            authenticator,
            cache,
            fetcher,
        }
    }

    /// The verifier's token size bound (to check it against the Actix handle's).
    pub fn token_size_limit(&self) -> usize {
        self.authenticator.verifier().token_size_limit()
    }

    pub fn jwks_fetches(&self) -> u32 {
        self.fetcher.fetches.get()
    }

    /// Authenticates one request: method, path and query, headers (with `host`), at `now`.
    pub async fn authenticate(
        &self,
        method: &str,
        path: &str,
        headers: &[(String, String)],
        default_host: &str,
        now: SystemTime,
    ) -> clerk_core::request::RequestOutcome {
        let lookup = CaseHeaders(headers);
        // Several `Cookie` fields are one text joined with "; ", as the Actix adapter does.
        let cookie_text = headers
            .iter()
            .filter(|(k, _)| k.eq_ignore_ascii_case("cookie"))
            .map(|(_, v)| v.as_str())
            .collect::<Vec<_>>()
            .join("; ");
        let query = path.split_once('?').map_or("", |(_, q)| q);
        let host = headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case("host"))
            .map_or(default_host, |(_, v)| v.as_str());
        let path_only = path.split_once('?').map_or(path, |(p, _)| p);
        let parts = RequestParts::new(
            method,
            &lookup,
            Cookies::parse(&cookie_text),
            query,
            RequestOrigin { scheme: "http", host },
            now,
        )
        .with_path(path_only);
        let keys = JwksKeys {
            cache: &self.cache,
            fetcher: &self.fetcher,
        };
        self.authenticator
            .authenticate_with(&parts, &keys, &self.fetcher)
            .await
    }
}
