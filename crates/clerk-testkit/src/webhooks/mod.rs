//! Webhooks: Svix-signed delivery of Clerk events with test controls ([`Webhooks`]), and a
//! small endpoint that records what it receives ([`WebhookReceiver`]).

pub(crate) mod delivery;
pub(crate) mod receiver;

pub use delivery::{
    sign_webhook, DeliveryAttempt, DeliveryOutcome, WebhookEvent, Webhooks, DEFAULT_RETRY_SCHEDULE,
};
pub use receiver::{ReceivedWebhook, WebhookReceiver};
