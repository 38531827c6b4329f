//! Svix webhook verification and typed Clerk events.

/// Why a webhook delivery was refused.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum WebhookError {
    /// Placeholder until the webhook module lands.
    #[error("webhook verification is not implemented yet")]
    NotImplemented,
}
