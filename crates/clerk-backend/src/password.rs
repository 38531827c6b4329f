//! [`ClerkClient::verify_password`]: checks a user's password (`POST
//! /v1/users/{id}/verify_password`).

use awc::http::Method;
use serde::{Deserialize, Serialize};

use super::clerk_client::{json_body, ClerkClient};
use super::error::{ApiError, ApiResult};
use super::params::path_segment;

#[derive(Serialize)]
struct Body<'a> {
    password: &'a str,
}

#[derive(Deserialize)]
struct Verified {
    #[serde(default)]
    verified: bool,
}

impl ClerkClient {
    /// `POST /v1/users/{id}/verify_password`: whether `password` is the user's password
    /// (for a re-verification step or a custom flow).
    ///
    /// `Ok(true)` when Clerk answers 200 `{"verified": true}`; `Ok(false)` when it answers
    /// 422 (the password is wrong) or 200 without `verified: true`. The password is sent in
    /// the body only, never logged, and the call's errors never contain it.
    ///
    /// Retried like a `GET` (see [`ClerkClient`]): a check changes nothing, so a repeat after
    /// a timeout asks the same question again.
    ///
    /// # Errors
    ///
    /// [`ApiError::InvalidArgument`] for an empty or unsafe id or an empty password; 404 when
    /// there is no such user; 400 (`no_password_set`) when the user has no password; see
    /// [`ApiError`].
    pub async fn verify_password(&self, user_id: &str, password: &str) -> ApiResult<bool> {
        const ENDPOINT: &str = "POST /v1/users/{id}/verify_password";
        if password.is_empty() {
            return Err(ApiError::InvalidArgument(
                "the password to verify is empty".to_owned(),
            ));
        }
        let url = self.v1_url(&format!("/users/{}/verify_password", path_segment(user_id)?));
        let body = json_body(&Body { password })?;
        let call = self.call(ENDPOINT, Method::POST, url, Some(body), true);
        match self.json::<Verified>(call).await {
            Ok(answer) => Ok(answer.verified),
            Err(err) if err.status() == Some(422) => Ok(false),
            Err(err) => Err(err),
        }
    }
}
