//! [`AppState`]: what every handler of the public and admin listeners can reach.

use std::sync::Arc;

use actix_web::web;
use clerk_core::webhook::WebhookVerifier;
use sqlx::PgPool;

use crate::cache::PgDirectoryCache;
use crate::key_check::SecretKeyCheck;
use crate::metrics::Metrics;
use crate::readiness::Readiness;

/// What every handler can reach, registered once as `web::Data<AppState>` on both listeners.
pub struct AppState {
    /// The database pool.
    pub pool: PgPool,
    /// The app's own counters.
    pub metrics: web::Data<Metrics>,
    /// The database answer of `/readyz`, reused for a second.
    pub readiness: Readiness,
    /// The start-up check of `CLERK_SECRET_KEY`, reported by `/readyz` (never re-run per probe).
    pub secret_key: SecretKeyCheck,
    /// Svix verification of Clerk webhooks (`None` when no signing secret is configured).
    pub webhooks: Option<WebhookVerifier>,
    /// The Postgres directory cache of users and organizations (`None` without a secret key: it needs the Backend API).
    pub cache: Option<Arc<PgDirectoryCache>>,
    /// The Frontend API proxy `/__clerk/*` is (to the offline Clerk: dev mode and tests).
    pub frontend_proxy: Option<clerk_actix::proxy::FrontendApiProxy>,
    /// Where the offline Clerk's Frontend API is served here (`/__clerk`): the pages' script-free
    /// sign-out form and the link to its script-free sign-in page.
    pub frontend_api: Option<String>,
}
