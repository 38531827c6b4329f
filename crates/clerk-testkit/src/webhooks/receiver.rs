//! A tiny webhook endpoint for tests: records what it receives, can fail on demand.

use std::collections::VecDeque;
use std::net::SocketAddr;
use std::sync::{Arc, Condvar, Mutex};
use std::time::{Duration, Instant};

use actix_web::http::StatusCode;
use actix_web::web::{self, Bytes, Data};
use actix_web::{App, HttpRequest, HttpResponse, HttpServer};

use crate::error::Result;
use crate::lock::lock;
use crate::server::ServerThread;

/// One request the receiver got.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReceivedWebhook {
    /// `svix-id`.
    pub svix_id: String,
    /// `svix-timestamp`.
    pub svix_timestamp: String,
    /// `svix-signature`.
    pub svix_signature: String,
    /// `content-type`.
    pub content_type: String,
    /// The raw body.
    pub body: String,
    /// The status the receiver answered.
    pub status: u16,
}

impl ReceivedWebhook {
    /// The body as JSON (`Null` if it is not JSON).
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.body).unwrap_or_default()
    }
}

#[derive(Debug, Default)]
struct ReceiverState {
    received: Vec<ReceivedWebhook>,
    answers: VecDeque<u16>,
}

#[derive(Debug, Default)]
struct Shared {
    state: Mutex<ReceiverState>,
    arrived: Condvar,
}

/// A webhook endpoint on `127.0.0.1:0`, on its own thread. Answers 200 unless told to
/// fail; records everything. Stops on drop.
pub struct WebhookReceiver {
    shared: Arc<Shared>,
    server: ServerThread,
}

impl std::fmt::Debug for WebhookReceiver {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WebhookReceiver")
            .field("addr", &self.server.addr())
            .finish_non_exhaustive()
    }
}

impl WebhookReceiver {
    /// Starts the receiver.
    ///
    /// # Errors
    ///
    /// [`crate::Error::Start`] if it cannot bind.
    pub fn start() -> Result<Self> {
        let shared = Arc::new(Shared::default());
        let data = Data::from(Arc::clone(&shared));
        let server = ServerThread::spawn(
            "clerk-testkit-webhooks",
            SocketAddr::from(([127, 0, 0, 1], 0)),
            move |listener| {
                Ok(HttpServer::new(move || {
                    App::new()
                        .app_data(data.clone())
                        .default_service(web::to(receive))
                })
                .workers(1)
                .disable_signals()
                .shutdown_timeout(0)
                .listen(listener)?
                .run())
            },
        )?;
        Ok(Self { shared, server })
    }

    /// The URL to register (`http://127.0.0.1:{port}/webhooks`).
    pub fn url(&self) -> String {
        format!("http://{}/webhooks", self.server.addr())
    }

    /// Answers the next `n` requests with `status` (then 200 again).
    pub fn fail_next(&self, n: usize, status: u16) {
        let mut state = lock(&self.shared.state);
        state.answers.extend(std::iter::repeat_n(status, n));
    }

    /// Everything received so far, in arrival order.
    pub fn received(&self) -> Vec<ReceivedWebhook> {
        lock(&self.shared.state).received.clone()
    }

    /// Blocks until at least `n` requests arrived or `timeout` passed; returns what arrived.
    pub fn wait_for(&self, n: usize, timeout: Duration) -> Vec<ReceivedWebhook> {
        let deadline = Instant::now() + timeout;
        let mut state = lock(&self.shared.state);
        while state.received.len() < n {
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                break;
            }
            state = match self.shared.arrived.wait_timeout(state, left) {
                Ok((guard, _)) => guard,
                Err(poisoned) => poisoned.into_inner().0,
            };
        }
        state.received.clone()
    }
}

async fn receive(shared: Data<Shared>, req: HttpRequest, body: Bytes) -> HttpResponse {
    let header = |name: &str| {
        req.headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned()
    };
    let mut state = lock(&shared.state);
    let status = state.answers.pop_front().unwrap_or(200);
    state.received.push(ReceivedWebhook {
        svix_id: header("svix-id"),
        svix_timestamp: header("svix-timestamp"),
        svix_signature: header("svix-signature"),
        content_type: header("content-type"),
        body: String::from_utf8_lossy(&body).into_owned(),
        status,
    });
    drop(state);
    shared.arrived.notify_all();
    HttpResponse::build(StatusCode::from_u16(status).unwrap_or(StatusCode::OK)).finish()
}
