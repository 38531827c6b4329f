//! Helpers for the browser-session tests (handshake, refresh): a client that does not follow
//! redirects, JWKS verification, OpenAPI schema validation, cookie directive parsing.
#![allow(dead_code)]

use std::time::Duration;

use jsonwebtoken::{DecodingKey, Validation};
use serde_json::Value;

/// An awc client that leaves redirects to the test.
pub fn no_redirects() -> awc::Client {
    awc::Client::builder()
        .disable_redirects()
        .timeout(Duration::from_secs(10))
        .finish()
}

/// `GET {url}` without credentials: status, `Location`, `Cache-Control`, JSON body.
pub async fn browser_get(url: &str) -> (u16, Option<String>, Option<String>, Value) {
    let mut res = no_redirects()
        .get(url)
        .insert_header(("accept", "text/html"))
        .send()
        .await
        .unwrap_or_else(|e| panic!("GET {url}: {e}"));
    let header = |name: &str| {
        res.headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned)
    };
    let (location, cache) = (header("location"), header("cache-control"));
    let body = res.body().await.unwrap_or_default();
    (
        res.status().as_u16(),
        location,
        cache,
        serde_json::from_slice(&body).unwrap_or(Value::Null),
    )
}

/// The public JWKS, fetched over HTTP.
pub async fn jwks(clerk: &clerk_testkit::TestClerk) -> Value {
    let mut res = no_redirects()
        .get(clerk.public_jwks_url())
        .send()
        .await
        .expect("jwks fetched");
    serde_json::from_slice(&res.body().await.expect("jwks body")).expect("jwks json")
}

/// The verified header and payload of `jwt` against `jwks` (signature only, no time or claim
/// checks); `None` when it does not verify.
pub fn verify(jwt: &str, jwks: &Value) -> Option<(jsonwebtoken::Header, Value)> {
    let header = jsonwebtoken::decode_header(jwt).ok()?;
    let jwk = jwks["keys"]
        .as_array()?
        .iter()
        .find(|k| k["kid"].as_str() == header.kid.as_deref())?;
    let key = DecodingKey::from_rsa_components(jwk["n"].as_str()?, jwk["e"].as_str()?).ok()?;
    let mut validation = Validation::new(header.alg);
    validation.validate_exp = false;
    validation.validate_nbf = false;
    validation.required_spec_claims.clear();
    validation.validate_aud = false;
    let data = jsonwebtoken::decode::<Value>(jwt, &key, &validation).ok()?;
    Some((data.header, data.claims))
}

/// A query parameter of a URL.
pub fn query_param(url: &str, name: &str) -> Option<String> {
    url::Url::parse(url)
        .ok()?
        .query_pairs()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.into_owned())
}

/// `(name, value)` of a `Set-Cookie` directive.
pub fn cookie(directive: &str) -> (String, String) {
    let pair = directive.split(';').next().unwrap_or_default();
    let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
    (name.to_owned(), value.to_owned())
}

/// The names of the cookies the directives set, in order.
pub fn names(directives: &[String]) -> Vec<String> {
    directives.iter().map(|d| cookie(d).0).collect()
}

/// The value of the cookie `name` in the directives.
pub fn value_of(directives: &[String], name: &str) -> Option<String> {
    directives
        .iter()
        .map(|d| cookie(d))
        .find(|(n, _)| n == name)
        .map(|(_, v)| v)
}

/// The directives of a JSON array of strings.
pub fn strings(value: &Value) -> Vec<String> {
    value
        .as_array()
        .map(|items| {
            items
                .iter()
                .filter_map(|v| v.as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default()
}

/// Asserts that `instance` validates against the OpenAPI schema `name`.
pub fn assert_valid(name: &str, instance: &Value) {
    // Every test file that includes this module includes `common` too.
    let errors = crate::common::violations(&crate::common::validator(name), instance);
    assert!(errors.is_empty(), "{name}: {errors:?} in {instance}");
}
