//! The seed's examples as routes (docs/architecture.md §5), plus health, readiness and metrics (the
//! latter on the admin listener).
//!
//! The routes that serve the signed-in user (`/`, `/api/user`, `/api/auth`, `/profile`,
//! `/api/me`) read it through [`CachedCurrentUser`], and mark an answer built from a stale user
//! with `x-user-cache: stale` ([`CachedCurrentUser::mark`]).

use actix_web::http::header;
use actix_web::{web, FromRequest, HttpRequest, HttpResponse};
use clerk_actix::{AnyAuth, AuthError, Authenticated, Clerk, ClerkAuth, GetTokenError};
use clerk_core::webhook::EventData;
use clerk_core::Check;
use serde_json::json;
use tracing::Instrument as _;

use crate::current_org::CurrentOrganization;
use crate::current_user::CachedCurrentUser;
use crate::state::AppState;

/// `GET /api/user`: 401 `Unauthorized` when signed out; `{userId, email}` from the user.
pub async fn api_user(auth: ClerkAuth, req: HttpRequest) -> Result<HttpResponse, AuthError> {
    if !auth.is_authenticated() {
        return Ok(HttpResponse::Unauthorized()
            .insert_header((header::WWW_AUTHENTICATE, "Bearer"))
            .content_type("text/plain; charset=utf-8")
            .body("Unauthorized"));
    }
    let user = CachedCurrentUser::extract(&req).await?;
    Ok(user.mark(HttpResponse::Ok().json(json!({
        "userId": user.id,
        "email": user.primary_email(),
    }))))
}

/// `GET /api/auth` (`getAuth` + `users.getUser`): 401 JSON when signed out; `{user}` as the
/// public view (never `private_metadata`).
pub async fn api_auth(_auth: Authenticated, user: CachedCurrentUser) -> HttpResponse {
    user.mark(HttpResponse::Ok().json(json!({ "user": user.to_public() })))
}

/// `GET /api/data`: auth only, no user lookup: `{userId, sessionId, orgId}`.
pub async fn api_data(auth: Authenticated) -> HttpResponse {
    HttpResponse::Ok().json(json!({
        "userId": auth.user_id(),
        "sessionId": auth.session_id(),
        "orgId": auth.org_id(),
    }))
}

/// `GET /api/token/{template}`: Clerk's `auth().getToken({ template })`. The Backend API mints a
/// JWT from the instance's JWT template of that name for the request's session; the answer is
/// `{template, subject, issuedAt, expiresAt, claimNames}`: never the token (a bearer credential)
/// nor its claims' values (a template may copy any user field, `private_metadata` included).
/// 401 signed out; 404 for a template the instance does not have (the caller named it); 403 when
/// Clerk refuses the session's user; 503 while the Backend API is unavailable.
pub async fn api_token(
    auth: ClerkAuth,
    req: HttpRequest,
    template: web::Path<String>,
) -> Result<HttpResponse, GetTokenError> {
    let token = match auth.get_token(&req, &template).await {
        Ok(token) => token,
        Err(GetTokenError::UnknownTemplate { .. }) => {
            return Ok(HttpResponse::NotFound().json(json!({"error": "no JWT template of this name"})))
        }
        Err(err) => return Err(err),
    };
    // Our own instance's answer over TLS, just minted: described, not checked again.
    let decoded = clerk_core::token::DecodedToken::decode(token.expose(), usize::MAX).ok();
    let payload = decoded.as_ref().map(|decoded| decoded.payload());
    let claim = |name: &str| payload.and_then(|payload| payload.get(name)).cloned();
    let names: Vec<&str> = payload
        .and_then(serde_json::Value::as_object)
        .map(|claims| claims.keys().map(String::as_str).collect())
        .unwrap_or_default();
    Ok(HttpResponse::Ok().json(json!({
        "template": template.as_str(),
        "subject": claim("sub"),
        "issuedAt": claim("iat"),
        "expiresAt": claim("exp"),
        "claimNames": names,
    })))
}

/// `GET /api/machine` (`auth({ acceptsToken: 'any' })`): any token type. For a machine
/// (M2M token, API key, OAuth access token, opaque or JWT) `{tokenType, id, subject, scopes,
/// name, userId, orgId, machineId, clientId, claims}`; for a session `{tokenType:
/// "session_token", userId, sessionId}`; 401 with Clerk's reason otherwise (503 with
/// `Retry-After` when the machine-token share of the Backend API budget is spent).
pub async fn api_machine(auth: AnyAuth) -> HttpResponse {
    match auth {
        AnyAuth::Session(session) => HttpResponse::Ok().json(json!({
            "tokenType": "session_token",
            "userId": session.user_id(),
            "sessionId": session.session_id(),
        })),
        AnyAuth::Machine(machine) => HttpResponse::Ok().json(MachineView::of(&machine)),
    }
}

/// What `/api/machine` answers for a machine token, borrowed from its auth object (serialized
/// as is: no intermediate JSON tree per request).
#[derive(serde::Serialize)]
#[serde(rename_all = "camelCase")]
struct MachineView<'a> {
    token_type: &'static str,
    id: &'a str,
    subject: &'a str,
    scopes: &'a [String],
    name: Option<&'a str>,
    user_id: Option<&'a str>,
    org_id: Option<&'a str>,
    machine_id: Option<&'a str>,
    client_id: Option<&'a str>,
    claims: Option<&'a serde_json::Map<String, serde_json::Value>>,
}

impl<'a> MachineView<'a> {
    fn of(machine: &'a clerk_core::machine::MachineIdentity) -> Self {
        Self {
            token_type: machine.token_type().as_str(),
            id: machine.id(),
            subject: machine.subject(),
            scopes: machine.scopes(),
            name: machine.name(),
            user_id: machine.user_id(),
            org_id: machine.org_id(),
            machine_id: machine.machine_id(),
            client_id: machine.client_id(),
            claims: machine.claims(),
        }
    }
}

/// `GET /api/me` (`useUser()`): the signed-in user's public profile.
pub async fn api_me(_auth: Authenticated, user: CachedCurrentUser) -> HttpResponse {
    user.mark(HttpResponse::Ok().json(user.to_public()))
}

/// The custom permission that lets a member read `/api/org` (the emulator's instance defines
/// it); admins (`org:admin`) may too.
pub const MEMBERS_READ: &str = "org:members:read";

/// `GET /api/org` (`auth().orgId` + `organizations.getOrganization`): the active organization
/// and its members' public fields, from the cache. 401 signed out; 404 without an active
/// organization (or when it no longer exists); 403 unless the session's claims pass `has()`
/// with role `org:admin` or permission `org:members:read`.
pub async fn api_org(auth: Authenticated, req: HttpRequest) -> Result<HttpResponse, AuthError> {
    if auth.org_id().is_none() {
        return Err(AuthError::NotFound);
    }
    if !may_read_members(&auth) {
        return Err(AuthError::Forbidden);
    }
    let CurrentOrganization(Some(found)) = CurrentOrganization::extract(&req).await? else {
        return Err(AuthError::NotFound);
    };
    // The public JSON is built once per cached organization, then served as is.
    let body = found.public_json.get_or_init(|| org_json(&found)).clone();
    Ok(HttpResponse::Ok().content_type("application/json").body(body))
}

/// The active organization and its members' public fields, as `GET /api/org` answers them.
fn org_json(found: &crate::cache::OrgLookup) -> web::Bytes {
    let org = &found.organization;
    let members: Vec<_> = found
        .members
        .iter()
        .map(|member| {
            let user = member.public_user_data.as_ref();
            let field = |key: &str| user.and_then(|data| data.get(key)).cloned();
            json!({
                "userId": member.user_id(),
                "role": member.role,
                "firstName": field("first_name"),
                "lastName": field("last_name"),
                "identifier": field("identifier"),
                "imageUrl": field("image_url"),
            })
        })
        .collect();
    let body = json!({
        "organization": {
            "id": org.id,
            "name": org.name,
            "slug": org.slug,
            "imageUrl": org.image_url,
            "publicMetadata": org.public_metadata,
            "createdAt": org.created_at,
            "updatedAt": org.updated_at,
        },
        "members": members,
    });
    web::Bytes::from(serde_json::to_vec(&body).unwrap_or_default())
}

/// Whether the session may read its organization's members: `has({role: 'org:admin'})` or
/// `has({permission: 'org:members:read'})`.
pub fn may_read_members(auth: &clerk_core::Auth) -> bool {
    auth.has(&Check::new().role("org:admin")) || auth.has(&Check::new().permission(MEMBERS_READ))
}

/// `GET /healthz`: the process is up.
pub async fn healthz() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/plain; charset=utf-8")
        .body("ok")
}

/// `GET /readyz`: ready when the database answers (one answer per second, shared by every
/// caller); Clerk's reachability is reported, not fatal, and so is the start-up check of the secret
/// key (`clerk.secret_key`: `accepted`, `unverified` or `not_configured`), stored at start: a probe
/// never calls Clerk.
pub async fn readyz(state: web::Data<AppState>, clerk: Clerk) -> HttpResponse {
    let database = state.readiness.database(&state.pool).await;
    let clerk_status = match clerk.stats().jwks {
        Some(stats) => {
            json!({
                "mode": "jwks",
                "keys": stats.keys,
                "jwks_fetches": stats.fetches,
                "jwks_failures": stats.failures,
                "secret_key": state.secret_key.as_str(),
            })
        }
        None => json!({"mode": "networkless", "secret_key": state.secret_key.as_str()}),
    };
    let body = json!({
        "database": if database.is_ok() { "ok" } else { "unavailable" },
        "clerk": clerk_status,
    });
    match database {
        Ok(()) => HttpResponse::Ok().json(body),
        // Logged by `Readiness`, once per fresh answer.
        Err(_) => HttpResponse::ServiceUnavailable().json(body),
    }
}

/// `GET /metrics` on the admin listener: Prometheus text.
pub async fn metrics(state: web::Data<AppState>, clerk: Clerk) -> HttpResponse {
    let body = crate::metrics::render(&state.metrics, state.cache.as_deref(), &clerk);
    HttpResponse::Ok()
        .content_type("text/plain; version=0.0.4; charset=utf-8")
        .body(body)
}

/// `POST /webhooks/clerk`: Svix-verified on the raw body, applied to the user cache exactly once
/// per `svix-id`. 400 with a clear message for a delivery that does not verify or is not a Clerk
/// event; 503 when the database is unavailable (Svix retries, and the retry lands); 2xx for
/// everything applied or ignored, and for an authentic event whose data does not parse
/// (`unparsed`: counted and logged, the cache untouched).
pub async fn clerk_webhook(req: HttpRequest, body: web::Bytes, state: web::Data<AppState>) -> HttpResponse {
    let Some(verifier) = &state.webhooks else {
        return HttpResponse::ServiceUnavailable()
            .json(json!({"error": "webhooks are not configured: set CLERK_WEBHOOK_SIGNING_SECRET"}));
    };
    let headers = clerk_core::webhook::WebhookHeaders::from_lookup(|name| {
        req.headers().get(name).and_then(|value| value.to_str().ok())
    });
    let event = match verifier.verify_event(&headers, &body, std::time::SystemTime::now()) {
        Ok(event) => event,
        Err(err) => {
            state.metrics.record_webhook("unverified", "rejected");
            tracing::warn!(error.message = %err, "webhook refused");
            return HttpResponse::BadRequest().json(json!({"error": err.clerk_message()}));
        }
    };
    let svix_id = headers.id().unwrap_or_default().to_owned();
    if let EventData::Unparsed { event_type, error } = &event.data {
        // Authentic, so not refused: Svix would retry a refusal and at last disable the
        // endpoint. Counted and logged (serde's message holds no value of the payload); the
        // cache is not touched, reconciliation brings the change.
        state.metrics.record_webhook(event_type, "unparsed");
        tracing::warn!(
            event.kind = %event_type,
            svix.id = %svix_id,
            error.message = %error,
            "webhook acknowledged but not applied: its data does not have the shape of Clerk's spec"
        );
        return HttpResponse::Ok().json(json!({"status": "unparsed"}));
    }
    let Some(cache) = &state.cache else {
        state.metrics.record_webhook(&event.event_type, "ignored");
        return HttpResponse::Ok().json(json!({"status": "ignored"}));
    };
    // The delivery's span: its event type and Svix message id (neither is a secret), not its body.
    let span = tracing::info_span!(
        "clerk.webhook",
        clerk.webhook.event_type = %event.event_type,
        svix.id = %svix_id,
        clerk.webhook.outcome = tracing::field::Empty,
    );
    let applied = cache.apply_event(&svix_id, &event).instrument(span.clone()).await;
    span.record(
        "clerk.webhook.outcome",
        applied.as_ref().map_or("error", |outcome| outcome.as_str()),
    );
    match applied {
        Ok(outcome) => {
            state.metrics.record_webhook(&event.event_type, outcome.as_str());
            tracing::debug!(event.kind = %event.event_type, outcome = outcome.as_str(), "webhook applied");
            HttpResponse::Ok().json(json!({"status": outcome.as_str()}))
        }
        Err(err) => {
            state.metrics.record_webhook(&event.event_type, "error");
            tracing::warn!(error.message = %err, event.kind = %event.event_type, "webhook not applied; Clerk will retry");
            HttpResponse::ServiceUnavailable().json(json!({"error": "temporarily unavailable; retry later"}))
        }
    }
}
