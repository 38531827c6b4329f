//! `POST /v1/sessions/{session_id}/refresh`: a fresh session token (or the cookies carrying
//! it) for a session whose token expired, in exchange for its refresh token.

use actix_web::http::StatusCode;
use actix_web::web::{Bytes, Data, Path};
use actix_web::{HttpRequest, HttpResponse};
use serde_json::{json, Map, Value};

use crate::api::browser_session::{active_session, mint, signed_in_directives, Refusal};
use crate::api::{json_response, parse_body, ApiError, AppState};
use crate::instance::recognise::signed_payload;

/// The body parameters the endpoint knows (the OpenAPI `RefreshSession` request body).
const KNOWN_PARAMS: [&str; 6] = [
    "expired_token",
    "refresh_token",
    "request_origin",
    "request_headers",
    "format",
    "request_originating_ip",
];

/// What the caller wants back.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Format {
    /// `{"object":"token","jwt":…}` (the default).
    Token,
    /// `{"object":"cookies","cookies":[…]}`.
    Cookie,
}

/// A validated request body.
#[derive(Debug)]
struct RefreshBody {
    expired_token: String,
    refresh_token: String,
    request_origin: String,
    format: Format,
}

pub(crate) async fn refresh(
    state: Data<AppState>,
    req: HttpRequest,
    path: Path<String>,
    body: Bytes,
) -> Result<HttpResponse, ApiError> {
    let session_id = path.into_inner();
    let suffixed_cookies = suffixed_cookies(req.query_string())?;
    let body = parse_refresh_body(&body)?;
    let session = active_session(&state, &session_id).map_err(|refusal| refused(refusal, &session_id))?;
    let token_matches = signed_payload(&state.keys, &body.expired_token)
        .is_some_and(|payload| payload.get("sid").and_then(Value::as_str) == Some(session_id.as_str()));
    if !token_matches {
        return Err(invalid(
            "the expired session token does not belong to this session",
        ));
    }
    if !state
        .browser
        .refresh_tokens
        .is_bound(&session_id, &body.refresh_token)
    {
        return Err(invalid("the refresh token does not belong to this session"));
    }
    let jwt = mint(&state, &session, Some(&body.request_origin))?;
    let response = match body.format {
        Format::Token => json!({ "object": "token", "jwt": jwt }),
        Format::Cookie => {
            let secure = body.request_origin.starts_with("https://");
            let cookies = signed_in_directives(&state, &session, &jwt, suffixed_cookies, secure);
            json!({ "object": "cookies", "cookies": cookies })
        }
    };
    Ok(json_response(StatusCode::OK, &response))
}

/// `suffixed_cookies` from the query: `true` or `false` (default).
fn suffixed_cookies(query: &str) -> Result<bool, ApiError> {
    let value = url::form_urlencoded::parse(query.as_bytes())
        .find(|(k, _)| k == "suffixed_cookies")
        .map(|(_, v)| v.into_owned());
    match value.as_deref() {
        None | Some("false") => Ok(false),
        Some("true") => Ok(true),
        Some(_) => Err(ApiError::param_invalid(
            "suffixed_cookies",
            "suffixed_cookies must be true or false",
        )),
    }
}

fn parse_refresh_body(body: &Bytes) -> Result<RefreshBody, ApiError> {
    let body: Map<String, Value> = parse_body(body)?;
    if let Some(unknown) = body.keys().find(|k| !KNOWN_PARAMS.contains(&k.as_str())) {
        return Err(ApiError::param_unknown(unknown));
    }
    let required = |name: &str| -> Result<String, ApiError> {
        match body.get(name) {
            None | Some(Value::Null) => Err(ApiError::param_missing(name)),
            Some(Value::String(s)) if s.is_empty() => Err(ApiError::param_missing(name)),
            Some(Value::String(s)) => Ok(s.clone()),
            Some(_) => Err(ApiError::param_format_invalid(
                name,
                format!("{name} must be a string"),
            )),
        }
    };
    let expired_token = required("expired_token")?;
    let refresh_token = required("refresh_token")?;
    let request_origin = required("request_origin")?;
    let format = match body.get("format") {
        None | Some(Value::Null) => Format::Token,
        Some(Value::String(s)) if s == "token" => Format::Token,
        Some(Value::String(s)) if s == "cookie" => Format::Cookie,
        Some(_) => {
            return Err(ApiError::param_invalid(
                "format",
                "format must be one of: token, cookie",
            ))
        }
    };
    match body.get("request_headers") {
        None | Some(Value::Null | Value::Object(_)) => {}
        Some(_) => {
            return Err(ApiError::param_format_invalid(
                "request_headers",
                "request_headers must be an object",
            ))
        }
    }
    Ok(RefreshBody {
        expired_token,
        refresh_token,
        request_origin,
        format,
    })
}

/// 401 `authentication_invalid`; `reason` never contains a token.
fn invalid(reason: &str) -> ApiError {
    ApiError::new(
        StatusCode::UNAUTHORIZED,
        "authentication_invalid",
        "Invalid authentication",
        format!("Unable to refresh the session: {reason}"),
    )
}

fn refused(refusal: Refusal, session_id: &str) -> ApiError {
    match refusal {
        Refusal::NotFound => ApiError::session_not_found(session_id),
        Refusal::NotActive => ApiError::new(
            StatusCode::UNAUTHORIZED,
            "session_not_active",
            "Session is not active",
            "The session is no longer active (revoked, ended or expired); sign in again",
        ),
        Refusal::UserBanned => ApiError::new(
            StatusCode::UNAUTHORIZED,
            "user_banned",
            "User is banned",
            "The session's user is banned and cannot get new session tokens",
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn body(value: Value) -> Result<RefreshBody, ApiError> {
        parse_refresh_body(&Bytes::from(value.to_string()))
    }

    fn code(err: &ApiError) -> (u16, String) {
        let body = serde_json::to_value(err.body()).unwrap_or_default();
        (
            actix_web::ResponseError::status_code(err).as_u16(),
            body["errors"][0]["code"].as_str().unwrap_or_default().to_owned(),
        )
    }

    #[test]
    fn body_rules() {
        let ok = body(json!({"expired_token": "a", "refresh_token": "b", "request_origin": "https://x"}))
            .expect("valid");
        assert_eq!(ok.format, Format::Token);
        let cookie = body(json!({
            "expired_token": "a", "refresh_token": "b", "request_origin": "https://x",
            "format": "cookie", "request_headers": {"accept": ["text/html"]}, "request_originating_ip": null
        }))
        .expect("valid");
        assert_eq!(cookie.format, Format::Cookie);
        let cases = [
            (
                json!({"refresh_token": "b", "request_origin": "o"}),
                (422, "form_param_missing"),
            ),
            (
                json!({"expired_token": "", "refresh_token": "b", "request_origin": "o"}),
                (422, "form_param_missing"),
            ),
            (
                json!({"expired_token": "a", "request_origin": "o"}),
                (422, "form_param_missing"),
            ),
            (
                json!({"expired_token": "a", "refresh_token": "b"}),
                (422, "form_param_missing"),
            ),
            (
                json!({"expired_token": "a", "refresh_token": "b", "request_origin": "o", "x": 1}),
                (422, "form_param_unknown"),
            ),
            (
                json!({"expired_token": "a", "refresh_token": "b", "request_origin": "o", "format": "jwt"}),
                (422, "form_param_value_invalid"),
            ),
            (
                json!({"expired_token": 1, "refresh_token": "b", "request_origin": "o"}),
                (422, "form_param_format_invalid"),
            ),
        ];
        for (input, (status, expected)) in cases {
            let err = body(input.clone()).expect_err(&input.to_string());
            assert_eq!(code(&err), (status, expected.to_owned()), "{input}");
        }
    }

    #[test]
    fn suffixed_cookies_query() {
        assert_eq!(suffixed_cookies("").ok(), Some(false));
        assert_eq!(suffixed_cookies("suffixed_cookies=true").ok(), Some(true));
        assert_eq!(suffixed_cookies("suffixed_cookies=false").ok(), Some(false));
        assert!(suffixed_cookies("suffixed_cookies=1").is_err());
    }
}
