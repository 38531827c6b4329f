//! Helpers for the sign-in / Frontend API tests: a browser-like client with a cookie jar,
//! over real loopback HTTP, that does not follow redirects.
#![allow(dead_code)]

use std::collections::BTreeMap;
use std::time::Duration;

use awc::http::header::HeaderMap;
use clerk_testkit::TestClerk;
use serde_json::Value;

/// A response as a browser sees it.
pub struct Page {
    pub status: u16,
    pub headers: HeaderMap,
    pub set_cookies: Vec<String>,
    pub body: String,
}

impl Page {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    pub fn json(&self) -> Value {
        serde_json::from_str(&self.body).unwrap_or(Value::Null)
    }

    /// The `Set-Cookie` directive for `name`.
    pub fn set_cookie(&self, name: &str) -> Option<&str> {
        self.set_cookies
            .iter()
            .find(|d| {
                d.split(';')
                    .next()
                    .and_then(|p| p.split_once('='))
                    .map(|(n, _)| n)
                    == Some(name)
            })
            .map(String::as_str)
    }

    /// The cookie names the response sets, in order.
    pub fn cookie_names(&self) -> Vec<String> {
        self.set_cookies
            .iter()
            .filter_map(|d| d.split(';').next()?.split_once('=').map(|(n, _)| n.to_owned()))
            .collect()
    }
}

/// A browser: a cookie jar (one host, `Path=/` only) and an awc client.
pub struct Browser {
    pub base: String,
    pub jar: BTreeMap<String, String>,
    client: awc::Client,
}

impl Browser {
    pub fn new(clerk: &TestClerk) -> Self {
        Self {
            base: clerk.base_url().to_owned(),
            jar: BTreeMap::new(),
            client: awc::Client::builder()
                .disable_redirects()
                .timeout(Duration::from_secs(10))
                .finish(),
        }
    }

    pub fn cookie(&self, name: &str) -> Option<&str> {
        self.jar.get(name).map(String::as_str)
    }

    fn cookie_header(&self) -> String {
        self.jar
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join("; ")
    }

    /// Applies `Set-Cookie` directives: `Max-Age=0` (or an empty value) removes.
    pub fn apply(&mut self, directives: &[String]) {
        for directive in directives {
            let mut parts = directive.split(';').map(str::trim);
            let Some((name, value)) = parts.next().and_then(|p| p.split_once('=')) else {
                continue;
            };
            let removed = parts.any(|p| p.eq_ignore_ascii_case("Max-Age=0")) || value.is_empty();
            if removed {
                self.jar.remove(name);
            } else {
                self.jar.insert(name.to_owned(), value.to_owned());
            }
        }
    }

    /// Sends a request to `path` (relative to the emulator, or an absolute URL), with the
    /// jar's cookies and an optional form body; stores the cookies it sets.
    pub async fn send(
        &mut self,
        method: &str,
        path: &str,
        form: Option<&[(&str, &str)]>,
        origin: Option<&str>,
    ) -> Page {
        let url = if path.starts_with("http") {
            path.to_owned()
        } else {
            format!("{}{path}", self.base)
        };
        let method = awc::http::Method::from_bytes(method.as_bytes()).expect("method");
        let mut req = self.client.request(method, &url);
        if !self.jar.is_empty() {
            req = req.insert_header(("cookie", self.cookie_header()));
        }
        if let Some(origin) = origin {
            req = req.insert_header(("origin", origin));
        }
        let sent = match form {
            Some(fields) => {
                let body: String = url::form_urlencoded::Serializer::new(String::new())
                    .extend_pairs(fields)
                    .finish();
                req.insert_header(("content-type", "application/x-www-form-urlencoded"))
                    .send_body(body)
                    .await
            }
            None => req.send().await,
        };
        let mut res = sent.unwrap_or_else(|e| panic!("{url}: {e}"));
        let body = res.body().limit(4 << 20).await.expect("body");
        let set_cookies: Vec<String> = res
            .headers()
            .get_all("set-cookie")
            .filter_map(|v| v.to_str().ok().map(str::to_owned))
            .collect();
        self.apply(&set_cookies);
        Page {
            status: res.status().as_u16(),
            headers: res.headers().clone(),
            set_cookies,
            body: String::from_utf8_lossy(&body).into_owned(),
        }
    }

    pub async fn get(&mut self, path: &str) -> Page {
        self.send("GET", path, None, None).await
    }

    pub async fn post(&mut self, path: &str, form: &[(&str, &str)]) -> Page {
        self.send("POST", path, Some(form), None).await
    }
}

/// `path?k=v&…` with URL-encoded values.
pub fn with_query(path: &str, params: &[(&str, &str)]) -> String {
    let query: String = url::form_urlencoded::Serializer::new(String::new())
        .extend_pairs(params)
        .finish();
    format!("{path}?{query}")
}
