//! `/v1/invitations`: create, list, revoke.

use actix_web::http::StatusCode;
use actix_web::web::{Bytes, Data, Path};
use actix_web::{HttpRequest, HttpResponse};
use serde::Deserialize;
use serde_json::{Map, Value};

use crate::api::paging::{query_value, Paging};
use crate::api::{json_response, parse_body, ApiError, AppState};
use crate::store::invitations::InvitationError;

#[derive(Deserialize, Default)]
#[serde(default, deny_unknown_fields)]
struct CreateBody {
    email_address: Option<String>,
    public_metadata: Option<Map<String, Value>>,
    redirect_url: Option<String>,
    notify: Option<bool>,
    ignore_existing: Option<bool>,
    expires_in_days: Option<i64>,
    template_slug: Option<String>,
}

fn error(err: InvitationError) -> ApiError {
    match err {
        InvitationError::Duplicate(email) => ApiError::new(
            StatusCode::BAD_REQUEST,
            "duplicate_record",
            "duplicate record",
            format!("There are already pending invitations for the following email addresses: {email}"),
        ),
        InvitationError::NotFound => ApiError::not_found(),
        InvitationError::AlreadyRevoked => ApiError::new(
            StatusCode::BAD_REQUEST,
            "invitation_already_revoked",
            "Invitation is already revoked.",
            "Invitation is already revoked.",
        ),
        InvitationError::AlreadyAccepted => ApiError::new(
            StatusCode::BAD_REQUEST,
            "invitation_already_accepted",
            "Invitation is already accepted, try signing in instead.",
            "Invitation is already accepted, try signing in instead.",
        ),
    }
}

/// `POST /v1/invitations`.
pub(crate) async fn create(state: Data<AppState>, body: Bytes) -> Result<HttpResponse, ApiError> {
    let body: CreateBody = parse_body(&body)?;
    let email = body
        .email_address
        .filter(|e| !e.is_empty())
        .ok_or_else(|| ApiError::param_missing("email_address"))?;
    if !email.contains('@') {
        return Err(ApiError::param_format_invalid(
            "email_address",
            "email_address must be a valid email address.",
        ));
    }
    let ignore_existing = body.ignore_existing.unwrap_or(false);
    let taken = state.store.all().iter().any(|user| {
        user.email_addresses
            .iter()
            .any(|e| e.email_address.eq_ignore_ascii_case(&email))
    });
    if taken && !ignore_existing {
        return Err(ApiError::from(crate::Error::IdentifierExists(email)));
    }
    let days = body.expires_in_days.unwrap_or(30);
    if !(1..=365).contains(&days) {
        return Err(ApiError::param_invalid(
            "expires_in_days",
            "expires_in_days must be between 1 and 365",
        ));
    }
    if let Some(slug) = &body.template_slug {
        if slug != "invitation" && slug != "waitlist_invitation" {
            return Err(ApiError::param_invalid(
                "template_slug",
                format!("{slug} does not match one of the allowed values for parameter template_slug"),
            ));
        }
    }
    let _ = body.notify;
    let invitation = state
        .invitations
        .create(
            &email,
            body.public_metadata.unwrap_or_default(),
            days,
            body.redirect_url.as_deref(),
            ignore_existing,
            state.minter.issuer(),
        )
        .map_err(error)?;
    Ok(json_response(StatusCode::OK, &invitation.to_json()))
}

/// `GET /v1/invitations`: by `status` and `query`, ordered by `order_by` (`[+-]created_at`,
/// `[+-]email_address`, `[+-]expires_at`; default `-created_at`).
pub(crate) async fn list(state: Data<AppState>, req: HttpRequest) -> Result<HttpResponse, ApiError> {
    let raw = req.query_string();
    let paging = Paging::parse(raw)?;
    let status = query_value(raw, "status");
    if let Some(status) = &status {
        if !["pending", "accepted", "revoked", "expired"].contains(&status.as_str()) {
            return Err(ApiError::param_invalid(
                "status",
                format!("{status} does not match one of the allowed values for parameter status"),
            ));
        }
    }
    let query = query_value(raw, "query").map(|q| q.to_lowercase());
    let order = query_value(raw, "order_by").unwrap_or_else(|| "-created_at".to_owned());
    let (descending, field) = match order.strip_prefix('-') {
        Some(field) => (true, field),
        None => (false, order.trim_start_matches(['+', ' '])),
    };
    if !["created_at", "email_address", "expires_at"].contains(&field) {
        return Err(ApiError::param_invalid(
            "order_by",
            format!("{order} does not match one of the allowed values for parameter order_by"),
        ));
    }
    let mut invitations: Vec<_> = state
        .invitations
        .all()
        .into_iter()
        .filter(|i| status.as_deref().is_none_or(|s| i.status == s))
        .filter(|i| {
            query
                .as_deref()
                .is_none_or(|q| i.email_address.to_lowercase().contains(q))
        })
        .collect();
    invitations.sort_by(|a, b| {
        let ordering = match field {
            "email_address" => a.email_address.cmp(&b.email_address),
            "expires_at" => a.expires_at.cmp(&b.expires_at),
            _ => a.created_at.cmp(&b.created_at),
        };
        if descending {
            ordering.reverse()
        } else {
            ordering
        }
    });
    let items = invitations.iter().map(|i| i.to_json()).collect();
    Ok(paging.respond(items, false))
}

/// `POST /v1/invitations/{id}/revoke`.
pub(crate) async fn revoke(state: Data<AppState>, path: Path<String>) -> Result<HttpResponse, ApiError> {
    let invitation = state.invitations.revoke(&path.into_inner()).map_err(error)?;
    Ok(json_response(StatusCode::OK, &invitation.to_json()))
}
