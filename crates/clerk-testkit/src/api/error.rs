//! Clerk's error envelope: `{"errors":[{message,long_message,code,meta?}],"clerk_trace_id"}`.

use std::fmt;

use actix_web::http::header::{HeaderValue, CONTENT_TYPE, RETRY_AFTER};
use actix_web::http::StatusCode;
use actix_web::{HttpResponse, ResponseError};
use serde_json::{json, Value};

use crate::ids::random_hex;

/// An error the emulated Backend API answers with.
#[derive(Debug, Clone)]
pub(crate) struct ApiError {
    status: StatusCode,
    code: &'static str,
    message: String,
    long_message: String,
    param: Option<String>,
    retry_after: Option<u64>,
}

impl ApiError {
    pub(crate) fn new(
        status: StatusCode,
        code: &'static str,
        message: impl Into<String>,
        long_message: impl Into<String>,
    ) -> Self {
        Self {
            status,
            code,
            message: message.into(),
            long_message: long_message.into(),
            param: None,
            retry_after: None,
        }
    }

    pub(crate) fn with_param(mut self, param: impl Into<String>) -> Self {
        self.param = Some(param.into());
        self
    }

    pub(crate) fn authentication_invalid() -> Self {
        Self::new(
            StatusCode::UNAUTHORIZED,
            "authentication_invalid",
            "Invalid authentication",
            "Unable to authenticate the request, you need to supply an active session",
        )
    }

    pub(crate) fn clerk_key_invalid() -> Self {
        let text =
            "The provided Clerk Secret Key is invalid. Make sure that your Clerk Secret Key is correct.";
        Self::new(StatusCode::UNAUTHORIZED, "clerk_key_invalid", text, text)
    }

    pub(crate) fn api_version_invalid(reason: &str) -> Self {
        Self::new(
            StatusCode::BAD_REQUEST,
            "api_version_invalid",
            "invalid API version",
            format!("Invalid Clerk API version: {reason}"),
        )
    }

    pub(crate) fn too_many_requests(retry_after: u64) -> Self {
        let mut err = Self::new(
            StatusCode::TOO_MANY_REQUESTS,
            "too_many_requests",
            "Too many requests",
            "Too many requests, retry later",
        );
        err.retry_after = Some(retry_after);
        err
    }

    pub(crate) fn not_found() -> Self {
        Self::new(
            StatusCode::NOT_FOUND,
            "resource_not_found",
            "not found",
            "Resource not found",
        )
    }

    pub(crate) fn session_not_found(id: &str) -> Self {
        Self::new(
            StatusCode::NOT_FOUND,
            "resource_not_found",
            "Session not found",
            format!("No session was found with id {id}"),
        )
    }

    /// 403 `user_banned`, Clerk's answer to an operation on a banned user.
    pub(crate) fn user_banned() -> Self {
        Self::new(
            StatusCode::FORBIDDEN,
            "user_banned",
            "User banned",
            "You have been banned. If you think this was by mistake, please contact support.",
        )
    }

    pub(crate) fn param_invalid(param: &str, long_message: impl Into<String>) -> Self {
        Self::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "form_param_value_invalid",
            "is invalid",
            long_message,
        )
        .with_param(param)
    }

    pub(crate) fn param_format_invalid(param: &str, long_message: impl Into<String>) -> Self {
        Self::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "form_param_format_invalid",
            "is invalid",
            long_message,
        )
        .with_param(param)
    }

    pub(crate) fn param_missing(param: &str) -> Self {
        Self::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "form_param_missing",
            "missing data",
            format!("{param} must be included."),
        )
        .with_param(param)
    }

    pub(crate) fn param_unknown(param: &str) -> Self {
        Self::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "form_param_unknown",
            "is unknown",
            format!("{param} is not a valid parameter for this request."),
        )
        .with_param(param)
    }

    pub(crate) fn body_invalid(detail: &str) -> Self {
        Self::new(
            StatusCode::BAD_REQUEST,
            "request_body_invalid",
            "Request body invalid",
            format!("The request body is invalid: {detail}"),
        )
    }

    /// An injected fault with this status.
    pub(crate) fn fault(status: u16, retry_after: Option<u64>) -> Self {
        let status = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        if status == StatusCode::TOO_MANY_REQUESTS {
            return Self::too_many_requests(retry_after.unwrap_or(1));
        }
        let mut err = if status == StatusCode::SERVICE_UNAVAILABLE {
            Self::new(
                status,
                "service_unavailable",
                "Service unavailable",
                "The service is temporarily unavailable, please try again later.",
            )
        } else {
            Self::new(
                status,
                "internal_clerk_error",
                "Oops, an unexpected error occurred",
                "There was an internal error on our servers. We've been notified and are working on fixing it.",
            )
        };
        err.retry_after = retry_after;
        err
    }

    /// The body, in Clerk's key order (`errors` first, then `clerk_trace_id`).
    pub(crate) fn body(&self) -> ErrorBody {
        ErrorBody {
            errors: [ErrorEntry {
                message: self.message.clone(),
                long_message: self.long_message.clone(),
                code: self.code,
                meta: self.param.as_ref().map(|p| json!({ "param_name": p })),
            }],
            clerk_trace_id: random_hex(32),
        }
    }
}

#[derive(serde::Serialize)]
pub(crate) struct ErrorEntry {
    message: String,
    long_message: String,
    code: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    meta: Option<Value>,
}

#[derive(serde::Serialize)]
pub(crate) struct ErrorBody {
    errors: [ErrorEntry; 1],
    clerk_trace_id: String,
}

impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.status.as_u16(), self.code)
    }
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        self.status
    }

    fn error_response(&self) -> HttpResponse {
        let mut response = json_response(self.status, &self.body());
        if let Some(secs) = self.retry_after {
            if let Ok(value) = HeaderValue::from_str(&secs.to_string()) {
                response.headers_mut().insert(RETRY_AFTER, value);
            }
        }
        response
    }
}

impl From<crate::Error> for ApiError {
    fn from(err: crate::Error) -> Self {
        use crate::Error;
        match err {
            Error::UserNotFound(_) => ApiError::not_found(),
            Error::SessionNotFound(id) => ApiError::session_not_found(&id),
            Error::UserBanned(_) => ApiError::user_banned(),
            Error::IdentifierExists(what) => ApiError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "form_identifier_exists",
                "That identifier is taken. Please try another.",
                format!("{what} is taken. Please try another."),
            ),
            Error::InvalidParam { param, reason } => ApiError::param_format_invalid(&param, reason),
            Error::OrganizationNotFound(_) => ApiError::new(
                StatusCode::NOT_FOUND,
                "resource_not_found",
                "not found",
                "Given organization not found.",
            ),
            Error::MembershipNotFound { .. } => ApiError::not_found(),
            Error::InvitationNotFound(id) => ApiError::new(
                StatusCode::NOT_FOUND,
                "resource_not_found",
                "not found",
                format!("No invitation found with id {id}."),
            ),
            Error::InvitationNotPending(_) => ApiError::new(
                StatusCode::NOT_FOUND,
                "organization_invitation_not_pending",
                "not pending",
                "The organization invitation is not in the 'pending' status.",
            ),
            Error::InvitationNotUnique(_) => ApiError::new(
                StatusCode::BAD_REQUEST,
                "organization_invitation_not_unique",
                "organization invitation not unique",
                "Organizations cannot have duplicate pending invitations for an email address.",
            ),
            Error::NotAnAdmin(who) => ApiError::new(
                StatusCode::FORBIDDEN,
                "not_an_admin_in_organization",
                "not an administrator",
                format!("{who} is not an administrator in the organization. Only administrators can perform this action."),
            ),
            Error::AlreadyAMember(who) => ApiError::new(
                StatusCode::BAD_REQUEST,
                "already_a_member_in_organization",
                "already a member",
                format!("{who} is already a member of the organization."),
            ),
            Error::MembershipQuotaExceeded(limit) => ApiError::new(
                StatusCode::FORBIDDEN,
                "organization_membership_quota_exceeded",
                "organization membership quota exceeded",
                format!("You have reached your limit of {limit} organization memberships, including outstanding invitations."),
            ),
            Error::SlugTaken(_) => ApiError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "form_identifier_exists",
                "That slug is taken. Please try another.",
                "That slug is taken. Please try another.",
            )
            .with_param("slug"),
            Error::CreatorNotFound(id) => ApiError::new(
                StatusCode::BAD_REQUEST,
                "organization_creator_not_found",
                "creator not found",
                format!("No users found with id {id}."),
            ),
            Error::UnknownRole(role) => ApiError::param_invalid("role", format!("{role} is not a valid role")),
            Error::MissingParam(param) => ApiError::param_missing(param),
            other => ApiError::new(
                StatusCode::INTERNAL_SERVER_ERROR,
                "internal_clerk_error",
                "Oops, an unexpected error occurred",
                other.to_string(),
            ),
        }
    }
}

/// A JSON response with `Content-Type: application/json` exactly (no charset): Clerk's JS
/// SDK compares the header with `===`.
pub(crate) fn json_response(status: StatusCode, body: &impl serde::Serialize) -> HttpResponse {
    match serde_json::to_vec(body) {
        Ok(bytes) => HttpResponse::build(status)
            .insert_header((CONTENT_TYPE, "application/json"))
            .body(bytes),
        Err(err) => {
            tracing::error!(error.message = %err, "response serialization failed");
            HttpResponse::InternalServerError()
                .insert_header((CONTENT_TYPE, "application/json"))
                .body(r#"{"errors":[{"message":"Oops, an unexpected error occurred","long_message":"serialization failed","code":"internal_clerk_error"}]}"#)
        }
    }
}
