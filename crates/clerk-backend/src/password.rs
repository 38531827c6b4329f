//! [`Users::verify_password`]: checks a user's password (`POST
//! /v1/users/{user_id}/verify_password`). Hand-written: a wrong password is an answer
//! (`Ok(false)`), not an error.

use serde::{Deserialize, Serialize};

use super::error::{ApiError, ApiResult};
use crate::generated::operations as ops;
use crate::users::Users;

#[derive(Serialize)]
struct Body<'a> {
    password: &'a str,
}

#[derive(Deserialize)]
struct Verified {
    #[serde(default)]
    verified: bool,
}

impl Users<'_> {
    /// `POST /v1/users/{user_id}/verify_password`: whether `password` is the user's password
    /// (for a re-verification step or a custom flow).
    ///
    /// `Ok(true)` when Clerk answers 200 `{"verified": true}`; `Ok(false)` when it answers
    /// 422 (the password is wrong) or 200 without `verified: true`. The password is sent in
    /// the body only, never logged, and the call's errors never contain it.
    ///
    /// Retried and budgeted as its row of the operation table (`VERIFY_PASSWORD`) says: a
    /// check changes nothing, so a repeat after a timeout asks the same question again.
    ///
    /// # Errors
    ///
    /// [`ApiError::InvalidArgument`] for an empty or unsafe id or an empty password; 404 when
    /// there is no such user; 400 (`no_password_set`) when the user has no password; see
    /// [`ApiError`].
    pub async fn verify_password(&self, user_id: &str, password: &str) -> ApiResult<bool> {
        if password.is_empty() {
            return Err(ApiError::InvalidArgument(
                "the password to verify is empty".to_owned(),
            ));
        }
        let body = crate::Payload::json(&Body { password })?;
        let answer = self
            .client
            .operation::<Verified>(&ops::VERIFY_PASSWORD, &[user_id], String::new(), Some(body))
            .await;
        match answer {
            Ok(answer) => Ok(answer.verified),
            Err(err) if err.status() == Some(422) => Ok(false),
            Err(err) => Err(err),
        }
    }
}
