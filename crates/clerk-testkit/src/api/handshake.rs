//! The handshake: the Frontend API's `GET /v1/client/handshake`, which sends the browser
//! back to the app with its cookie directives (under a nonce or in a signed token), and the
//! Backend API's `GET /v1/clients/handshake_payload`, which redeems a nonce once.

use actix_web::http::header::{CACHE_CONTROL, LOCATION};
use actix_web::http::StatusCode;
use actix_web::web::Data;
use actix_web::{HttpRequest, HttpResponse};
use clerk_core::request::names::{QUERY_HANDSHAKE, QUERY_HANDSHAKE_NONCE};
use serde_json::json;
use url::Url;

use super::browser_session::{mint, names, session_of_token, signed_in_directives};
use super::frontend::client::{active_client_session, request_client};
use super::{json_response, ApiError, AppState};

use crate::api::browser_cookies;
use crate::clock::now_secs;
use crate::directives;
use crate::ids::b64url;
use crate::instance::keys::RsaAlg;
use crate::store::user_store::Session;

/// How long a handshake token is valid.
const TOKEN_LIFETIME_SECS: i64 = 60;

/// How the directives travel back to the app.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Format {
    /// `__clerk_handshake_nonce=<nonce>`, redeemed through the Backend API.
    Nonce,
    /// `__clerk_handshake=<signed JWT>` carrying the directives.
    Token,
}

/// The parameters the handshake acts on (`__clerk_hs_reason`, `__clerk_api_version` and
/// `organization_id` are accepted and not used; `__clerk_db_jwt` is read where the client
/// and the development browser are looked up).
#[derive(Debug)]
struct HandshakeQuery {
    redirect_url: Url,
    format: Format,
    suffixed_cookies: bool,
    session_token: Option<String>,
}

pub(crate) async fn handshake(state: Data<AppState>, req: HttpRequest) -> Result<HttpResponse, ApiError> {
    let query = parse_query(req.query_string())?;
    // The directives (a session token, a development browser) go to `redirect_url`: only to an
    // origin the instance allows, as Clerk's Frontend API does.
    if !state.browser.allowed_origins.allows(&query.redirect_url) {
        return Err(bad_request(
            "form_param_value_invalid",
            "redirect_url",
            "redirect_url must be on localhost, 127.0.0.1, [::1] or an allowed origin (--allowed-origin).",
        ));
    }
    let secure = query.redirect_url.scheme() == "https";
    let client = request_client(&state, &req).map(|(cookie, _)| cookie);
    let mut directives = match browser_session(&state, &req, &query) {
        Some(session) => {
            let origin = query.redirect_url.origin().ascii_serialization();
            let jwt = mint(&state, &session, Some(&origin))?;
            signed_in_directives(&state, &session, &jwt, query.suffixed_cookies, secure)
        }
        None => directives::signed_out(names(&state, query.suffixed_cookies)),
    };
    if state.browser.development {
        directives.extend(new_dev_browser(
            &state,
            &req,
            client.as_deref(),
            query.suffixed_cookies,
        ));
    }
    let mut location = query.redirect_url;
    match query.format {
        Format::Nonce => {
            let nonce = state.browser.nonces.issue(directives);
            location
                .query_pairs_mut()
                .append_pair(QUERY_HANDSHAKE_NONCE, &nonce);
        }
        Format::Token => {
            let token = handshake_token(&state, &directives)?;
            location.query_pairs_mut().append_pair(QUERY_HANDSHAKE, &token);
        }
    }
    Ok(HttpResponse::TemporaryRedirect()
        .insert_header((LOCATION, location.as_str()))
        .insert_header((CACHE_CONTROL, "no-store"))
        .finish())
}

pub(crate) async fn handshake_payload(
    state: Data<AppState>,
    req: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    let nonce = url::form_urlencoded::parse(req.query_string().as_bytes())
        .find(|(k, _)| k == "nonce")
        .map(|(_, v)| v.into_owned())
        .filter(|v| !v.is_empty())
        .ok_or_else(|| ApiError::param_missing("nonce"))?;
    let directives = state.browser.nonces.take(&nonce).ok_or_else(|| {
        ApiError::new(
            StatusCode::NOT_FOUND,
            "resource_not_found",
            "not found",
            "No handshake payload was found for this nonce: it is unknown, used or expired",
        )
    })?;
    Ok(json_response(
        StatusCode::OK,
        &json!({ "directives": directives }),
    ))
}

/// The browser's session: the one its `__client` cookie names, else the one the `__session`
/// parameter's token names.
fn browser_session(state: &AppState, req: &HttpRequest, query: &HandshakeQuery) -> Option<Session> {
    client_cookie_session(state, req).or_else(|| {
        query
            .session_token
            .as_deref()
            .and_then(|token| session_of_token(state, token))
    })
}

/// The active session of the client the `__client` cookie (the Frontend API's own client
/// cookie, set by the sign-in page) or the development browser names.
fn client_cookie_session(state: &AppState, req: &HttpRequest) -> Option<Session> {
    let (_, client) = request_client(state, req)?;
    active_client_session(state, &client)
}

/// On a development instance: the `__clerk_db_jwt` directives of a new development browser,
/// bound to the request's client, when the handshake URL has no `__clerk_db_jwt` (the SDK
/// forwards the one it has); when it has one, nothing (the development browser is bound to
/// the request's client if this emulator handed it out unbound).
fn new_dev_browser(state: &AppState, req: &HttpRequest, client: Option<&str>, suffixed: bool) -> Vec<String> {
    let clients = &state.browser.clients;
    let in_query = url::form_urlencoded::parse(req.query_string().as_bytes())
        .find(|(k, _)| k == browser_cookies::DEV_BROWSER)
        .map(|(_, v)| v.into_owned());
    match in_query {
        Some(dvb) => {
            if let Some(client) = client.filter(|_| clients.cookie_of_dev_browser(&dvb).is_none()) {
                clients.bind_dev_browser(&dvb, client);
            }
            Vec::new()
        }
        None => {
            let dvb = clients.new_dev_browser(client);
            browser_cookies::dev_browser(names(state, suffixed), &dvb)
        }
    }
}

fn parse_query(query: &str) -> Result<HandshakeQuery, ApiError> {
    let param = |name: &str| {
        url::form_urlencoded::parse(query.as_bytes())
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.into_owned())
    };
    let redirect_url = param("redirect_url").filter(|v| !v.is_empty()).ok_or_else(|| {
        bad_request(
            "form_param_missing",
            "redirect_url",
            "redirect_url must be included.",
        )
    })?;
    let redirect_url = Url::parse(&redirect_url)
        .ok()
        .filter(|url| matches!(url.scheme(), "http" | "https") && url.host().is_some())
        .ok_or_else(|| {
            bad_request(
                "form_param_value_invalid",
                "redirect_url",
                "redirect_url must be an absolute http(s) URL.",
            )
        })?;
    let format = match param("format").as_deref() {
        None | Some("token") => Format::Token,
        Some("nonce") => Format::Nonce,
        Some(_) => {
            return Err(bad_request(
                "form_param_value_invalid",
                "format",
                "format must be one of: nonce, token.",
            ))
        }
    };
    let suffixed_cookies = match param("suffixed_cookies").as_deref() {
        None | Some("false") => false,
        Some("true") => true,
        Some(_) => {
            return Err(bad_request(
                "form_param_value_invalid",
                "suffixed_cookies",
                "suffixed_cookies must be true or false.",
            ))
        }
    };
    Ok(HandshakeQuery {
        redirect_url,
        format,
        suffixed_cookies,
        session_token: param("__session").filter(|v| !v.is_empty()),
    })
}

fn bad_request(code: &'static str, param: &str, long_message: &str) -> ApiError {
    ApiError::new(StatusCode::BAD_REQUEST, code, "is invalid", long_message).with_param(param)
}

/// `{"handshake": directives, "iat", "exp": iat + 60}` signed RS256 with the active key
/// (header `alg`, `kid`, `typ: JWT`; no `cat`).
fn handshake_token(state: &AppState, directives: &[String]) -> Result<String, ApiError> {
    let key = state.keys.active();
    let iat = now_secs();
    let header = json!({ "alg": RsaAlg::Rs256.name(), "kid": key.kid(), "typ": "JWT" });
    let payload = json!({ "exp": iat + TOKEN_LIFETIME_SECS, "handshake": directives, "iat": iat });
    let signing_input = format!("{}.{}", b64url(header.to_string()), b64url(payload.to_string()));
    let signature = key.sign(RsaAlg::Rs256, signing_input.as_bytes())?;
    Ok(format!("{signing_input}.{}", b64url(signature)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn query_defaults_and_errors() {
        let q = parse_query("redirect_url=https%3A%2F%2Fapp.example%2Fprofile%3Fa%3D1").expect("valid");
        assert_eq!(q.redirect_url.as_str(), "https://app.example/profile?a=1");
        assert_eq!(q.format, Format::Token);
        assert!(!q.suffixed_cookies);
        assert!(q.session_token.is_none());
        let q =
            parse_query("redirect_url=http://127.0.0.1:1/&format=nonce&suffixed_cookies=true&__session=x")
                .expect("valid");
        assert_eq!(q.format, Format::Nonce);
        assert!(q.suffixed_cookies);
        assert_eq!(q.session_token.as_deref(), Some("x"));
        for bad in [
            "",
            "redirect_url=",
            "redirect_url=/relative",
            "redirect_url=javascript:alert(1)",
            "redirect_url=ftp://host/",
            "redirect_url=http://h/&format=cookie",
            "redirect_url=http://h/&suffixed_cookies=yes",
        ] {
            let err = parse_query(bad).expect_err(bad);
            assert_eq!(
                actix_web::ResponseError::status_code(&err),
                StatusCode::BAD_REQUEST,
                "{bad}"
            );
        }
    }
}
