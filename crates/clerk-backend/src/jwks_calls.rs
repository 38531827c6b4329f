//! [`Jwks::get`]: the instance's signing keys (`GET /v1/jwks`). Hand-written: clerk-core parses
//! the keys (skipping those it cannot use), and the JWKS cache's background refresh makes one
//! quick attempt.

use clerk_core::jwk::JwkSet;

use super::clerk_client::QUICK_JWKS_TIMEOUT;
use super::error::ApiResult;
use crate::generated::operations as ops;
use crate::jwks::Jwks;

impl Jwks<'_> {
    /// `GET /v1/jwks`: the instance's signing keys, unusable ones skipped by
    /// [`JwkSet::parse`]. Retried, and without a rate-budget slot (Clerk does not rate-limit
    /// it), as its row of the operation table says. The JWKS cache of a clerk-actix `Clerk`
    /// fetches through it ([`JwksFetcher`](clerk_core::jwks::JwksFetcher)).
    ///
    /// # Errors
    ///
    /// See [`ApiError`](crate::ApiError); a body that is no JWK set is
    /// [`ApiError::Decode`](crate::ApiError::Decode).
    pub async fn get(&self) -> ApiResult<JwkSet> {
        let (handle, call) = self
            .client
            .operation_call(&ops::GET_JWKS, &[], String::new(), None)?;
        handle.jwk_set_of(call).await
    }

    /// [`get`](Self::get) as a background refresh: one attempt within a short timeout.
    pub(crate) async fn refresh(&self) -> ApiResult<JwkSet> {
        let (handle, call) = self
            .client
            .operation_call(&ops::GET_JWKS, &[], String::new(), None)?;
        handle.jwk_set_of(call.quick(QUICK_JWKS_TIMEOUT)).await
    }
}
