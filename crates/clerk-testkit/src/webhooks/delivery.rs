//! Svix-signed webhook delivery of Clerk events, with test controls.

use clerk_core::webhook::WebhookSecret;
use std::collections::VecDeque;
use std::sync::{Arc, Condvar, Mutex};
use std::time::{Duration, Instant};

use serde_json::Value;
use tokio::sync::{watch, Notify};

use crate::clock::now_ms;
use crate::clock::now_secs;
use crate::error::{Error, Result};
use crate::ids::new_id;
use crate::lock::lock;

/// The default retry schedule: the delay before each attempt (0, 50 ms, 200 ms, 1 s), a
/// compressed version of Svix's (immediately, 5 s, 5 min, 30 min, …).
pub const DEFAULT_RETRY_SCHEDULE: [Duration; 4] = [
    Duration::ZERO,
    Duration::from_millis(50),
    Duration::from_millis(200),
    Duration::from_secs(1),
];

/// The request that caused an event (`event_attributes.http_request`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Origin {
    pub(crate) client_ip: String,
    pub(crate) user_agent: String,
}

impl Origin {
    /// A change made directly through the store.
    pub(crate) fn direct() -> Self {
        Self {
            client_ip: "127.0.0.1".to_owned(),
            user_agent: "clerk-testkit".to_owned(),
        }
    }
}

/// An event the emulator emitted (delivered or not).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WebhookEvent {
    /// The Svix message id, `msg_…` (the `svix-id` header, stable across retries).
    pub msg_id: String,
    /// `user.created`, `user.updated`, `user.deleted`.
    pub event_type: String,
    /// The exact body POSTed.
    pub body: String,
}

/// What came of one delivery attempt.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DeliveryOutcome {
    /// The endpoint answered with this status.
    Status(u16),
    /// The request failed (connection refused, reset, timeout, …).
    ConnectionError(String),
    /// The message was dropped on purpose ([`Webhooks::drop_fraction`]).
    Dropped,
}

/// One delivery attempt.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeliveryAttempt {
    /// The message id.
    pub msg_id: String,
    /// The event type.
    pub event_type: String,
    /// 1 for the first attempt.
    pub attempt: u32,
    /// The `svix-timestamp` sent (seconds).
    pub svix_timestamp: i64,
    /// What happened.
    pub outcome: DeliveryOutcome,
}

impl DeliveryAttempt {
    /// Whether the endpoint answered 2xx.
    pub fn succeeded(&self) -> bool {
        matches!(self.outcome, DeliveryOutcome::Status(status) if (200..300).contains(&status))
    }
}

#[derive(Clone)]
struct Endpoint {
    url: String,
    key: WebhookSecret,
}

#[derive(Clone)]
struct Job {
    msg_id: String,
    event_type: String,
    body: String,
    endpoint: Endpoint,
    schedule: Vec<Duration>,
    twice: bool,
    stale_by: Duration,
}

struct State {
    instance_id: String,
    endpoint: Option<Endpoint>,
    schedule: Vec<Duration>,
    queue: VecDeque<Job>,
    in_flight: usize,
    paused: bool,
    reverse: bool,
    twice: bool,
    stale_by: Duration,
    drop_fraction: f64,
    drop_acc: f64,
    attempts: Vec<DeliveryAttempt>,
    events: Vec<WebhookEvent>,
}

struct Shared {
    state: Mutex<State>,
    idle: Condvar,
    wake: Notify,
    version: watch::Sender<u64>,
}

/// Webhook delivery: the registered endpoint, the queue, and the test controls.
///
/// Every user create/update/delete (API or [`crate::store::UserStore`]) enqueues a Clerk envelope
/// `{"data","event_attributes","instance_id","object":"event","timestamp"(ms),"type"}`,
/// POSTed with `svix-id`, `svix-timestamp` (seconds) and `svix-signature`
/// (`v1,<base64 HMAC-SHA256>`). Non-2xx answers and connection errors are retried on
/// the retry schedule with the same `svix-id` and a fresh timestamp; a
/// `webhook-delivery: abort-message` response header stops the retries, as with Svix.
/// First attempts are made one message at a time, in order (or reversed, see
/// [`Webhooks::deliver_out_of_order`]); retries run concurrently.
#[derive(Clone)]
pub struct Webhooks {
    shared: Arc<Shared>,
}

impl std::fmt::Debug for Webhooks {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Webhooks")
            .field("pending", &self.pending())
            .finish_non_exhaustive()
    }
}

impl Webhooks {
    pub(crate) fn new(instance_id: String) -> Self {
        Self {
            shared: Arc::new(Shared {
                state: Mutex::new(State {
                    instance_id,
                    endpoint: None,
                    schedule: DEFAULT_RETRY_SCHEDULE.to_vec(),
                    queue: VecDeque::new(),
                    in_flight: 0,
                    paused: false,
                    reverse: false,
                    twice: false,
                    stale_by: Duration::ZERO,
                    drop_fraction: 0.0,
                    drop_acc: 0.0,
                    attempts: Vec::new(),
                    events: Vec::new(),
                }),
                idle: Condvar::new(),
                wake: Notify::new(),
                version: watch::Sender::new(0),
            }),
        }
    }

    /// Registers the endpoint that receives every event from now on.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidParam`] when `secret` is not `whsec_` + non-empty standard base64.
    pub fn set_endpoint(&self, url: impl Into<String>, secret: &str) -> Result<()> {
        let key = decode_secret(secret)?;
        self.with_state(|s| {
            s.endpoint = Some(Endpoint { url: url.into(), key });
        });
        Ok(())
    }

    /// Unregisters the endpoint; later events are recorded but not delivered.
    pub fn clear_endpoint(&self) {
        self.with_state(|s| s.endpoint = None);
    }

    /// Sets the delay before each attempt (its length is the number of attempts).
    /// Defaults to [`DEFAULT_RETRY_SCHEDULE`].
    pub fn set_retry_schedule(&self, schedule: impl Into<Vec<Duration>>) {
        let mut schedule = schedule.into();
        if schedule.is_empty() {
            schedule.push(Duration::ZERO);
        }
        self.with_state(|s| s.schedule = schedule);
    }

    /// Holds new deliveries in the queue (retries already scheduled go on).
    pub fn pause(&self) {
        self.with_state(|s| s.paused = true);
    }

    /// Delivers what is queued, and the rest as it comes.
    pub fn resume(&self) {
        self.with_state(|s| s.paused = false);
        self.shared.wake.notify_one();
    }

    /// Delivers newest first (LIFO): pause, cause events, turn this on, resume.
    pub fn deliver_out_of_order(&self, on: bool) {
        self.with_state(|s| s.reverse = on);
    }

    /// Delivers every successfully delivered message a second time (same `svix-id`).
    pub fn deliver_twice(&self, on: bool) {
        self.with_state(|s| s.twice = on);
    }

    /// Sends `svix-timestamp` this far in the past (signed consistently), e.g. 301 s to
    /// trip the ±300 s tolerance.
    pub fn stale_timestamp(&self, by: Duration) {
        self.with_state(|s| s.stale_by = by);
    }

    /// Silently drops this fraction of messages, deterministically: with 0.5 every second
    /// message is dropped. Dropped messages show as [`DeliveryOutcome::Dropped`].
    pub fn drop_fraction(&self, fraction: f64) {
        self.with_state(|s| {
            s.drop_fraction = fraction.clamp(0.0, 1.0);
            s.drop_acc = 0.0;
        });
    }

    /// Messages queued or being delivered (including those waiting for a retry).
    pub fn pending(&self) -> usize {
        let state = lock(&self.shared.state);
        state.queue.len() + state.in_flight
    }

    /// Waits until no delivery is pending. Works in any async runtime.
    ///
    /// Never returns while paused with messages queued; see
    /// [`Webhooks::wait_idle_blocking`] for a timeout.
    pub async fn wait_idle(&self) {
        let mut changes = self.shared.version.subscribe();
        while self.pending() > 0 {
            if changes.changed().await.is_err() {
                return;
            }
        }
    }

    /// Blocks the thread until no delivery is pending or `timeout` passes; returns whether
    /// it became idle. For plain `#[test]`s (do not call it on the emulator's own thread).
    pub fn wait_idle_blocking(&self, timeout: Duration) -> bool {
        let deadline = Instant::now() + timeout;
        let mut state = lock(&self.shared.state);
        while state.queue.len() + state.in_flight > 0 {
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return false;
            }
            state = match self.shared.idle.wait_timeout(state, left) {
                Ok((guard, _)) => guard,
                Err(poisoned) => poisoned.into_inner().0,
            };
        }
        true
    }

    /// Every event emitted so far, in order.
    pub fn events(&self) -> Vec<WebhookEvent> {
        lock(&self.shared.state).events.clone()
    }

    /// Every delivery attempt so far, in order.
    pub fn attempts(&self) -> Vec<DeliveryAttempt> {
        lock(&self.shared.state).attempts.clone()
    }

    /// Forgets recorded events and attempts.
    pub fn clear_log(&self) {
        self.with_state(|s| {
            s.events.clear();
            s.attempts.clear();
        });
    }

    /// Enqueues an event.
    pub(crate) fn emit(&self, event_type: &str, data: Value, origin: &Origin) {
        let mut state = lock(&self.shared.state);
        let body = envelope(&state.instance_id, event_type, data, origin);
        let msg_id = new_id("msg_");
        state.events.push(WebhookEvent {
            msg_id: msg_id.clone(),
            event_type: event_type.to_owned(),
            body: body.clone(),
        });
        if let Some(endpoint) = state.endpoint.clone() {
            let job = Job {
                msg_id,
                event_type: event_type.to_owned(),
                body,
                endpoint,
                schedule: state.schedule.clone(),
                twice: state.twice,
                stale_by: state.stale_by,
            };
            state.queue.push_back(job);
        }
        drop(state);
        self.changed();
        self.shared.wake.notify_one();
    }

    fn with_state<R>(&self, f: impl FnOnce(&mut State) -> R) -> R {
        let out = f(&mut lock(&self.shared.state));
        self.changed();
        out
    }

    fn changed(&self) {
        self.shared.version.send_modify(|v| *v = v.wrapping_add(1));
        self.shared.idle.notify_all();
    }

    /// Takes the next job (counted in flight), or `None` (paused or empty).
    /// The bool says whether it is to be dropped.
    fn next_job(&self) -> Option<(Job, bool)> {
        let mut state = lock(&self.shared.state);
        if state.paused {
            return None;
        }
        let job = if state.reverse {
            state.queue.pop_back()
        } else {
            state.queue.pop_front()
        }?;
        state.in_flight += 1;
        state.drop_acc += state.drop_fraction;
        let dropped = state.drop_acc >= 1.0 - 1e-9;
        if dropped {
            state.drop_acc -= 1.0;
        }
        Some((job, dropped))
    }

    fn record(&self, attempt: DeliveryAttempt) {
        self.with_state(|s| s.attempts.push(attempt));
    }

    fn finish(&self) {
        self.with_state(|s| s.in_flight = s.in_flight.saturating_sub(1));
    }
}

/// `v1,<base64(HMAC-SHA256(key, "{msg_id}.{timestamp}.{body}"))>`.
///
/// Kept as one function so that `clerk_core::webhook::sign` can replace it.
/// Signs like Svix with a `whsec_…` secret (public for tests of webhook receivers).
///
/// # Errors
///
/// [`Error::InvalidParam`] for a secret that is not `whsec_` + non-empty base64.
pub fn sign_webhook(secret: &str, msg_id: &str, timestamp: i64, body: &str) -> Result<String> {
    Ok(clerk_core::webhook::sign(
        &decode_secret(secret)?,
        msg_id,
        timestamp,
        body.as_bytes(),
    ))
}

fn decode_secret(secret: &str) -> Result<WebhookSecret> {
    WebhookSecret::new(secret).map_err(|err| Error::InvalidParam {
        param: "webhook_secret".to_owned(),
        reason: err.to_string(),
    })
}

fn envelope(instance_id: &str, event_type: &str, data: Value, origin: &Origin) -> String {
    // Keys inserted in sorted order, as in Clerk's payloads.
    let mut http_request = serde_json::Map::new();
    http_request.insert("client_ip".into(), Value::from(origin.client_ip.as_str()));
    http_request.insert("user_agent".into(), Value::from(origin.user_agent.as_str()));
    let mut attributes = serde_json::Map::new();
    attributes.insert("http_request".into(), Value::Object(http_request));
    let mut envelope = serde_json::Map::new();
    envelope.insert("data".into(), data);
    envelope.insert("event_attributes".into(), Value::Object(attributes));
    envelope.insert("instance_id".into(), Value::from(instance_id));
    envelope.insert("object".into(), Value::from("event"));
    envelope.insert("timestamp".into(), Value::from(now_ms()));
    envelope.insert("type".into(), Value::from(event_type));
    Value::Object(envelope).to_string()
}

enum Verdict {
    Delivered,
    Retry,
    Abort,
}

/// The delivery loop; runs on the emulator's actix thread (awc is `!Send`).
pub(crate) async fn run_worker(webhooks: Webhooks) {
    let client = awc::Client::builder()
        .timeout(Duration::from_secs(15))
        .disable_redirects()
        .finish();
    loop {
        let Some((job, dropped)) = webhooks.next_job() else {
            webhooks.shared.wake.notified().await;
            continue;
        };
        if dropped {
            webhooks.record(DeliveryAttempt {
                msg_id: job.msg_id.clone(),
                event_type: job.event_type.clone(),
                attempt: 0,
                svix_timestamp: 0,
                outcome: DeliveryOutcome::Dropped,
            });
            webhooks.finish();
            continue;
        }
        let first_delay = job.schedule.first().copied().unwrap_or_default();
        if !first_delay.is_zero() {
            actix_rt::time::sleep(first_delay).await;
        }
        match attempt(&client, &webhooks, &job, 1).await {
            Verdict::Delivered => {
                if job.twice {
                    attempt(&client, &webhooks, &job, 2).await;
                }
                webhooks.finish();
            }
            Verdict::Abort => webhooks.finish(),
            Verdict::Retry if job.schedule.len() <= 1 => webhooks.finish(),
            Verdict::Retry => {
                let (client, webhooks) = (client.clone(), webhooks.clone());
                actix_rt::spawn(async move {
                    for (index, delay) in job.schedule.iter().enumerate().skip(1) {
                        actix_rt::time::sleep(*delay).await;
                        let number = u32::try_from(index + 1).unwrap_or(u32::MAX);
                        match attempt(&client, &webhooks, &job, number).await {
                            Verdict::Retry => continue,
                            Verdict::Delivered | Verdict::Abort => break,
                        }
                    }
                    webhooks.finish();
                });
            }
        }
    }
}

async fn attempt(client: &awc::Client, webhooks: &Webhooks, job: &Job, number: u32) -> Verdict {
    let stale = i64::try_from(job.stale_by.as_secs()).unwrap_or(0);
    let timestamp = now_secs() - stale;
    let signature = clerk_core::webhook::sign(&job.endpoint.key, &job.msg_id, timestamp, job.body.as_bytes());
    let sent = client
        .post(&job.endpoint.url)
        .insert_header(("content-type", "application/json"))
        .insert_header(("user-agent", "Svix-Webhooks/1.0 (clerk-testkit)"))
        .insert_header(("svix-id", job.msg_id.as_str()))
        .insert_header(("svix-timestamp", timestamp.to_string()))
        .insert_header(("svix-signature", signature))
        .send_body(job.body.clone())
        .await;
    let (outcome, verdict) = match sent {
        Ok(response) => {
            let status = response.status();
            let abort = response
                .headers()
                .get("webhook-delivery")
                .and_then(|v| v.to_str().ok())
                .is_some_and(|v| v.eq_ignore_ascii_case("abort-message"));
            let verdict = if status.is_success() {
                Verdict::Delivered
            } else if abort {
                Verdict::Abort
            } else {
                Verdict::Retry
            };
            (DeliveryOutcome::Status(status.as_u16()), verdict)
        }
        Err(err) => (DeliveryOutcome::ConnectionError(err.to_string()), Verdict::Retry),
    };
    webhooks.record(DeliveryAttempt {
        msg_id: job.msg_id.clone(),
        event_type: job.event_type.clone(),
        attempt: number,
        svix_timestamp: timestamp,
        outcome,
    });
    verdict
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signs_the_svix_reference_vector() {
        let signature = sign_webhook(
            "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
            "msg_p5jXN8AQM9LWM0D4loKWxJek",
            1_614_265_330,
            r#"{"test": 2432232314}"#,
        );
        assert_eq!(
            signature.ok().as_deref(),
            Some("v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=")
        );
    }
}
