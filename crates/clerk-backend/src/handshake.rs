//! [`Clients::handshake_payload`]: the cookie directives Clerk's Frontend API left under a
//! handshake nonce (`GET /v1/clients/handshake_payload`), for Clerk's request flow.
//!
//! Hand-written and outside the operation table: the spec lists the path with no operation
//! (`/clients/handshake_payload: {}`); the answer's shape is the one `@clerk/backend` reads.

use super::error::{ApiError, ApiResult};
use crate::clients::Clients;

/// `{directives: [...]}`.
#[derive(serde::Deserialize)]
struct HandshakePayload {
    #[serde(default)]
    directives: Vec<String>,
}

impl Clients<'_> {
    /// `GET /v1/clients/handshake_payload?nonce=`: the cookie directives Clerk's Frontend API
    /// left under a handshake nonce. Retried like every read.
    ///
    /// The directives carry tokens: keep them out of logs.
    ///
    /// # Errors
    ///
    /// [`ApiError::InvalidArgument`] for an empty nonce; see [`ApiError`].
    pub async fn handshake_payload(&self, nonce: &str) -> ApiResult<Vec<String>> {
        if nonce.is_empty() {
            return Err(ApiError::InvalidArgument(
                "A handshake nonce is required.".to_owned(),
            ));
        }
        let query: String = url::form_urlencoded::Serializer::new(String::new())
            .append_pair("nonce", nonce)
            .finish();
        let url = format!("{}/clients/handshake_payload?{query}", self.client.versioned());
        let payload: HandshakePayload = self
            .client
            .json(self.client.get("GET /v1/clients/handshake_payload", url))
            .await?;
        Ok(payload.directives)
    }
}
