//! [`ClerkClient::request`]: the escape hatch for a Backend API endpoint this crate does not
//! type yet, through the same retries, rate budget, errors and metrics as the typed calls.

use awc::http::Method;
use serde::de::DeserializeOwned;
use serde_json::Value;

use super::clerk_client::{json_body, with_query, ClerkClient};
use super::error::{ApiError, ApiResult};
use super::params::Query;

impl ClerkClient {
    /// Calls `{api_url}/{api_version}{path}` and decodes the JSON answer into `T`.
    ///
    /// For an endpoint the client has no typed call for yet: the request carries the same
    /// headers, takes a slot of this handle's [`Share`](super::Share) of the rate budget,
    /// fails with the same [`ApiError`]s and is counted in the same
    /// [metrics](ClerkClient::metrics), under the endpoint label `"{METHOD} (request)"`.
    ///
    /// - `path` is relative to the version (`/domains`, `/users/user_123/mfa`), starts with
    ///   `/` and is sent as given: percent-encode ids yourself. It may not hold `..` segments,
    ///   `?`, `#`, `\`, `//` or control characters.
    /// - `query` pairs are percent-encoded and sent in order (repeat a key for an array).
    /// - `body` is sent as JSON (`Content-Type: application/json`).
    ///
    /// Retried like the typed calls when the method is idempotent by HTTP's definition (`GET`,
    /// `HEAD`, `PUT`, `DELETE`, `OPTIONS`); never for `POST` or `PATCH`, which may create or
    /// change something: on a timeout such a call fails with [`ApiError::Timeout`] and **its
    /// effect may have happened**; read the resource before sending it again. Decode into
    /// [`serde_json::Value`] to take the answer as it is (`null` for a 204).
    ///
    /// # Errors
    ///
    /// [`ApiError::InvalidArgument`] for a path that is refused (see above); otherwise as any
    /// call (see [`ApiError`]).
    ///
    /// # Examples
    ///
    /// ```no_run
    /// use actix_web::http::Method;
    /// use serde_json::{json, Value};
    ///
    /// # async fn demo(client: clerk_backend::ClerkClient) -> Result<(), clerk_backend::ApiError> {
    /// let domains: Value = client.request(Method::GET, "/domains", &[], None).await?;
    /// let user: Value = client
    ///     .request(
    ///         Method::POST,
    ///         "/users/user_123/verify_totp",
    ///         &[],
    ///         Some(&json!({"code": "123456"})),
    ///     )
    ///     .await?;
    /// # let _ = (domains, user);
    /// # Ok(()) }
    /// ```
    pub async fn request<T: DeserializeOwned>(
        &self,
        method: Method,
        path: &str,
        query: &[(&str, &str)],
        body: Option<&Value>,
    ) -> ApiResult<T> {
        check_path(path)?;
        let mut encoded = Query::default();
        for (key, value) in query {
            encoded.push(key, value);
        }
        let url = with_query(self.v1_url(path), &encoded.finish());
        let body = body.map(json_body).transpose()?;
        let retryable = is_idempotent(&method);
        let call = self.call(endpoint_label(&method), method, url, body, retryable);
        self.json(call).await
    }
}

/// Whether HTTP defines `method` as idempotent (RFC 9110 §9.2.2).
fn is_idempotent(method: &Method) -> bool {
    [
        Method::GET,
        Method::HEAD,
        Method::PUT,
        Method::DELETE,
        Method::OPTIONS,
    ]
    .contains(method)
}

/// The metrics label of an escape-hatch call: the path may hold ids, so it is left out.
fn endpoint_label(method: &Method) -> &'static str {
    match *method {
        Method::GET => "GET (request)",
        Method::POST => "POST (request)",
        Method::PUT => "PUT (request)",
        Method::PATCH => "PATCH (request)",
        Method::DELETE => "DELETE (request)",
        Method::HEAD => "HEAD (request)",
        _ => "OTHER (request)",
    }
}

/// Refuses what could leave the versioned API: a missing leading `/`, `..`/`.` segments,
/// `//`, a query or fragment, backslashes and control characters.
fn check_path(path: &str) -> ApiResult<()> {
    let refuse = |why: &str| Err(ApiError::InvalidArgument(format!("the request path {why}")));
    if !path.starts_with('/') {
        return refuse("must start with `/`");
    }
    if path.contains("//") {
        return refuse("cannot contain `//`");
    }
    if path
        .chars()
        .any(|c| matches!(c, '?' | '#' | '\\') || c.is_control() || c == ' ')
    {
        return refuse("cannot contain `?`, `#`, `\\`, spaces or control characters");
    }
    if path.split('/').any(|segment| segment == "." || segment == "..") {
        return refuse("cannot contain `.` or `..` segments");
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_that_could_escape_are_refused() {
        for good in ["/domains", "/users/user_1/mfa", "/users/a%2Fb"] {
            assert!(check_path(good).is_ok(), "{good}");
        }
        for bad in [
            "domains",
            "//evil.example/x",
            "/a/../jwks",
            "/a/./b",
            "/users?x=1",
            "/users#x",
            "/a\\b",
            "/a\nb",
            "/a b",
            "",
        ] {
            assert!(
                matches!(check_path(bad), Err(ApiError::InvalidArgument(_))),
                "{bad:?}"
            );
        }
    }

    #[test]
    fn only_idempotent_methods_are_retried() {
        assert!(is_idempotent(&Method::GET));
        assert!(is_idempotent(&Method::DELETE));
        assert!(is_idempotent(&Method::PUT));
        assert!(!is_idempotent(&Method::POST));
        assert!(!is_idempotent(&Method::PATCH));
    }

    #[test]
    fn labels_never_hold_the_path() {
        assert_eq!(endpoint_label(&Method::PATCH), "PATCH (request)");
        assert_eq!(endpoint_label(&Method::TRACE), "OTHER (request)");
    }
}
